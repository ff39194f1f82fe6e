/*
 * test_client_helpers.c: the lookup helpers (database, table, storage host,
 * default credential, current user): the requests they make, their memo,
 * their not-found errors, and split_schema_tablename's quoting rules; then
 * the same helpers against civis-mock stubs.
 */
#include <string.h>

#include "test.h"
#include "test_client_support.h"

static civis_mockproc mp;
static bool mock_up;

static int suite_init(void)
{
    static const char *const args[] = {"--stateless", NULL};
    mock_up = civis_mockproc_start(&mp, args) == 0;
    return 0;
}

static int suite_cleanup(void)
{
    return mock_up && civis_mockproc_stop(&mp) != 0 ? 1 : 0;
}

static const char dbs[] =
    "[{\"id\": 31, \"name\": \"redshift-general\"}, {\"id\": 32, \"name\": \"other\"}]";

static void test_helpers__database_id_memo_and_errors(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 200, NULL, dbs);
    civis_client *c = fake_client(&ft, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    long long id = 0;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_get_database_id(&id, c, "other", &err), err);
    CU_ASSERT_EQUAL(id, 32);
    CU_ASSERT_STRING_EQUAL(ft.requests[0].path, "/databases");
    CU_ASSERT_STRING_EQUAL(ft.requests[0].body, "{}");
    ASSERT_CIVIS_OK(civis_get_database_id(&id, c, "other", &err), err);
    CU_ASSERT_EQUAL(ft.n_requests, 1); /* memoised */
    ASSERT_CIVIS_OK(civis_get_database_id(&id, c, "77", &err), err);
    CU_ASSERT_EQUAL(id, 77);
    CU_ASSERT_EQUAL(ft.n_requests, 1); /* a number needs no lookup */
    CU_ASSERT_EQUAL(civis_get_database_id(&id, c, "nope", &err), CIVIS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(err.message, "Database nope not found.");
    CU_ASSERT_STRING_EQUAL(err.param, "database");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_get_database_id(&id, c, "", &err), CIVIS_EINVAL);
    civis_client_free(c);
    fake_clear(&ft);
    pthread_mutex_destroy(&ft.lock);
}

static void test_helpers__default_credential_and_user(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 200, NULL, "[{\"id\": 9, \"name\": \"c\"}, {\"id\": 10}]");
    fake_push(&ft, 200, NULL, "{\"id\": 1, \"username\": \"me\", \"featureFlags\": {\"a\": true}}");
    civis_client *c = fake_client(&ft, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    long long id = 0;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_default_database_credential_id(&id, c, &err), err);
    CU_ASSERT_EQUAL(id, 9);
    CU_ASSERT_STRING_EQUAL(ft.requests[0].method, "GET");
    CU_ASSERT_STRING_EQUAL(ft.requests[0].path, "/credentials");
    CU_ASSERT_STRING_EQUAL(ft.requests[0].query, "type=Database&default=True");
    CU_ASSERT_STRING_EQUAL(ft.requests[0].body, "{}");
    ASSERT_CIVIS_OK(civis_default_database_credential_id(&id, c, &err), err);
    CU_ASSERT_EQUAL(ft.n_requests, 1);
    const cJSON *me = NULL, *again = NULL;
    ASSERT_CIVIS_OK(civis_current_user(&me, c, &err), err);
    ASSERT_CIVIS_OK(civis_current_user(&again, c, &err), err);
    CU_ASSERT_PTR_EQUAL(me, again);
    CU_ASSERT_EQUAL(ft.n_requests, 2);
    CU_ASSERT_STRING_EQUAL(ft.requests[1].path, "/users/me");
    const char *name = NULL;
    ASSERT_CIVIS_OK(civis_json_string(&name, me, "username", &err), err);
    CU_ASSERT_STRING_EQUAL(name, "me");
    civis_client_free(c);
    fake_clear(&ft);

    fake_push(&ft, 200, NULL, "[]");
    c = fake_client(&ft, NULL);
    CU_ASSERT_EQUAL(civis_default_database_credential_id(&id, c, &err), CIVIS_EEMPTY);
    CU_ASSERT_STRING_EQUAL(err.message, "no default database credential");
    civis_client_free(c);
    fake_clear(&ft);
    pthread_mutex_destroy(&ft.lock);
}

static void test_helpers__table_and_storage_host(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 200, NULL, dbs);
    fake_push(&ft, 200, NULL, "[{\"id\": 501, \"name\": \"t\"}]");
    fake_push(&ft, 200, NULL, "[]");
    fake_push(&ft, 200, NULL, "[{\"id\": 3, \"name\": \"s3\"}]");
    civis_client *c = fake_client(&ft, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    long long id = 0;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_get_table_id(&id, c, "sch.t", "redshift-general", &err), err);
    CU_ASSERT_EQUAL(id, 501);
    CU_ASSERT_STRING_EQUAL(ft.requests[1].path, "/tables");
    CU_ASSERT_STRING_EQUAL(ft.requests[1].query, "database_id=31&schema=sch&name=t");
    ASSERT_CIVIS_OK(civis_get_table_id(&id, c, "sch.t", "redshift-general", &err), err);
    CU_ASSERT_EQUAL(ft.n_requests, 2); /* database and table memoised */
    CU_ASSERT_EQUAL(civis_get_table_id(&id, c, "missing", "31", &err), CIVIS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(err.message, "Table missing not found.");
    CU_ASSERT_STRING_EQUAL(ft.requests[2].query, "database_id=31&name=missing");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_get_table_id(&id, c, "a.b.c", "31", &err), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(ft.n_requests, 3);
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_get_storage_host_id(&id, c, "s3", &err), err);
    CU_ASSERT_EQUAL(id, 3);
    CU_ASSERT_STRING_EQUAL(ft.requests[3].path, "/storage_hosts");
    CU_ASSERT_EQUAL(civis_get_storage_host_id(&id, c, "gcs", &err), CIVIS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(err.message, "Storage Host gcs not found.");
    civis_client_free(c);
    fake_clear(&ft);
    pthread_mutex_destroy(&ft.lock);
}

static void split_ok(const char *in, const char *schema, const char *table)
{
    char *s = NULL, *t = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_split_schema_tablename(&s, &t, in, &err), err);
    if (schema == NULL) {
        CU_ASSERT_PTR_NULL(s);
    } else {
        CU_ASSERT(s != NULL && strcmp(s, schema) == 0);
    }
    CU_ASSERT(t != NULL && strcmp(t, table) == 0);
    civis_free(s);
    civis_free(t);
}

static void test_helpers__split_schema_tablename(void)
{
    split_ok("\"sch.ema\".\"t.able\"", "sch.ema", "t.able");
    split_ok("schema.\"tab\"\"le.\"", "schema", "tab\"le.");
    split_ok("table", NULL, "table");
    split_ok("a.", "a", "");
    split_ok("sch.ta\"b", "sch", "ta\"b"); /* a quote inside a field is literal */
    char *s = NULL, *t = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_split_schema_tablename(&s, &t, "a.b.c", &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "Cannot parse schema and table. Does 'a.b.c' follow the "
                                        "pattern 'schema.table'?");
    CU_ASSERT_PTR_NULL(s);
    CU_ASSERT_PTR_NULL(t);
}

/* ---- civis-mock ------------------------------------------------------------------ */

static void stub(const char *key, const char *path, const char *query, const char *body)
{
    char doc[1024];
    snprintf(doc, sizeof(doc),
             "{\"api_key\": \"%s\", \"request\": {\"method\": \"GET\", \"path\": \"%s\"%s%s%s},"
             " \"response\": {\"status\": 200, \"body\": %s}}",
             key, path, query ? ", \"query\": " : "", query ? query : "", "", body);
    CU_ASSERT_EQUAL(mock_admin(&mp, "/__mock/stubs", doc), 201);
}

static void test_helpers_live__lookups_and_memo(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "helpers";
    stub(key, "/databases", NULL, dbs);
    stub(key, "/credentials", NULL, "[{\"id\": 71, \"name\": \"cred\"}]");
    stub(key, "/users/me", NULL, "{\"id\": 5, \"username\": \"ada\"}");
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    long long id = 0;
    civis_error err = CIVIS_ERROR_INIT;
    for (int i = 0; i < 2; i++) {
        ASSERT_CIVIS_OK(civis_get_database_id(&id, c, "redshift-general", &err), err);
        CU_ASSERT_EQUAL(id, 31);
        ASSERT_CIVIS_OK(civis_default_database_credential_id(&id, c, &err), err);
        CU_ASSERT_EQUAL(id, 71);
        const cJSON *me = NULL;
        ASSERT_CIVIS_OK(civis_current_user(&me, c, &err), err);
        CU_ASSERT_EQUAL(cJSON_GetObjectItem(me, "id")->valueint, 5);
    }
    cJSON *j = mock_calls(&mp, "api_key=helpers");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 3); /* each once: /databases, /credentials, /users/me */
    const cJSON *cred = cJSON_GetArrayItem(j, 1);
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(cred, "query")),
                           "type=Database&default=True");
    cJSON_Delete(j);
    civis_client_free(c);
}

static CU_TestInfo tests[] = {
    {"database id: memo and errors", test_helpers__database_id_memo_and_errors},
    {"default credential and user", test_helpers__default_credential_and_user},
    {"table and storage host", test_helpers__table_and_storage_host},
    {"split_schema_tablename", test_helpers__split_schema_tablename},
    {"live: lookups and memo", test_helpers_live__lookups_and_memo},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_helpers, tests, suite_init, suite_cleanup)
