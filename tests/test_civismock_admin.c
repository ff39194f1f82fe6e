/*
 * test_civismock_admin.c: the /__mock/ admin API of civis-mock: health, stubs
 * and their key scope, reset, and the request journal with its filters.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "mockproc.h"
#include "test.h"

/* --stateless: these tests check the spec-driven answer sources (stubs,
 * fixtures, x-examples, synthesis); the simulation has suites of its own. */
/* The small hand-written spec (tests/specs/subset.json): these tests check
 * synthesized answers, which the full spec's x-examples would shadow. */
static char subset[1024];

static civis_mockproc mp;

static int suite_init(void)
{
    const char *const stateless[] = {"--stateless", "--spec",
                                     civis_test_data(subset, sizeof(subset), "specs/subset.json"),
                                     NULL};
    return civis_mockproc_start(&mp, stateless) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    return civis_mockproc_stop(&mp) == 0 ? 0 : 1;
}

static const char *str_field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num_field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void reset(void)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/reset", NULL, NULL), 200);
}

static int journal_count(const char *query)
{
    char path[256];
    snprintf(path, sizeof(path), "/__mock/journal%s", query);
    cJSON *j = NULL;
    civis_mockproc_json(&j, &mp, "GET", path, NULL, NULL);
    int n = cJSON_IsArray(j) ? cJSON_GetArraySize(j) : -1;
    cJSON_Delete(j);
    return n;
}

#define ME_STUB(id)                                                                                \
    "{\"request\":{\"method\":\"GET\",\"path\":\"/users/me\"},\"response\":{\"status\":200,"       \
    "\"body\":{\"id\":" #id "}}}"

static void test_admin__health(void)
{
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "GET", "/__mock/health", NULL, NULL), 200);
    CU_ASSERT_STRING_EQUAL(str_field(j, "status"), "ok");
    cJSON_Delete(j);
}

static double me_id(const char *key)
{
    cJSON *j = NULL;
    civis_mockproc_json(&j, &mp, "GET", "/users/me", key, NULL);
    double id = num_field(j, "id");
    cJSON_Delete(j);
    return id;
}

static void test_admin__stub_scoped_by_header_or_body_field(void)
{
    reset();
    civis_http_reply r;
    const char *hdrs[] = {"X-Civis-Mock-Key: scope-key-a", "Content-Type: application/json", NULL};
    const char *doc = ME_STUB(1001);
    CU_ASSERT_EQUAL(
        civis_mockproc_request(&r, &mp, "POST", "/__mock/stubs", hdrs, doc, strlen(doc)), 0);
    CU_ASSERT_EQUAL(r.status, 201);
    cJSON *j = civis_http_reply_json(&r);
    /* the key is shown masked, never in clear */
    const char *shown = str_field(j, "api_key");
    CU_ASSERT(shown != NULL && strstr(shown, "scope-key-a") == NULL);
    cJSON_Delete(j);
    civis_http_reply_clear(&r);

    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/stubs", NULL,
                                        "{\"api_key\":\"scope-key-b\",\"request\":{\"method\":"
                                        "\"GET\",\"path\":\"/users/me\"},\"response\":{\"status\":"
                                        "200,\"body\":{\"id\":1002}}}"),
                    201);
    CU_ASSERT_EQUAL(me_id("scope-key-a"), 1001);
    CU_ASSERT_EQUAL(me_id("scope-key-b"), 1002);
    CU_ASSERT_NOT_EQUAL(me_id("scope-key-c"), 1001);
    CU_ASSERT_NOT_EQUAL(me_id("scope-key-c"), 1002);

    /* an unscoped stub applies to every key */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/stubs", NULL, ME_STUB(1003)),
                    201);
    CU_ASSERT_EQUAL(me_id("scope-key-c"), 1003);

    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "DELETE", "/__mock/stubs", NULL, NULL), 204);
    CU_ASSERT_NOT_EQUAL(me_id("scope-key-a"), 1001);
    CU_ASSERT_NOT_EQUAL(me_id("scope-key-c"), 1003);
}

static void test_admin__bad_stub_documents_are_400(void)
{
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "POST", "/__mock/stubs", NULL, "{not json"), 400);
    CU_ASSERT_STRING_EQUAL(str_field(j, "error"), "invalid");
    cJSON_Delete(j);
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "POST", "/__mock/stubs", NULL,
                                        "{\"request\":{\"method\":\"GET\"}}"),
                    400);
    const char *desc = str_field(j, "errorDescription");
    CU_ASSERT(desc != NULL && desc[0] != '\0');
    cJSON_Delete(j);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/stubs", NULL, NULL), 400);
    CU_ASSERT_EQUAL(
        civis_mockproc_json(NULL, &mp, "POST", "/__mock/stubs", NULL, "{\"api_key\":5}"), 400);
}

static void test_admin__reset_restores_start_up(void)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/stubs", NULL, ME_STUB(2001)),
                    201);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/faults", NULL,
                                        "{\"operation\":\"jobs.get\",\"status\":503}"),
                    201);
    CU_ASSERT_EQUAL(me_id("reset-key"), 2001);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/jobs/1", "reset-key", NULL), 503);
    CU_ASSERT(journal_count("") > 0);

    reset();
    CU_ASSERT_EQUAL(journal_count(""), 0);
    CU_ASSERT_NOT_EQUAL(me_id("reset-key"), 2001);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/jobs/1", "reset-key", NULL), 200);
    cJSON *f = NULL;
    civis_mockproc_json(&f, &mp, "GET", "/__mock/faults", NULL, NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(f), 0);
    cJSON_Delete(f);
}

static void test_admin__journal_records_each_request(void)
{
    reset();
    const char *key = "journal-key-0123456789";
    const char *body = "{\"name\":\"n\",\"docker_image_name\":\"img\",\"docker_command\":\"run\","
                       "\"required_resources\":{\"cpu\":100,\"memory\":512}}";
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/scripts/containers", key, body), 201);
    CU_ASSERT_EQUAL(
        civis_mockproc_json(NULL, &mp, "GET", "/scripts/sql/1/runs?limit=2&page_num=1", key, NULL),
        200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/users/me", NULL, NULL), 401);

    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "GET", "/__mock/journal", NULL, NULL), 200);
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(j), 3);
    const cJSON *a = cJSON_GetArrayItem(j, 0), *b = cJSON_GetArrayItem(j, 1),
                *c = cJSON_GetArrayItem(j, 2);
    CU_ASSERT_EQUAL(num_field(a, "seq"), 1);
    CU_ASSERT_EQUAL(num_field(b, "seq"), 2);
    CU_ASSERT_EQUAL(num_field(c, "seq"), 3);
    CU_ASSERT_STRING_EQUAL(str_field(a, "method"), "POST");
    CU_ASSERT_STRING_EQUAL(str_field(a, "path"), "/scripts/containers");
    CU_ASSERT_STRING_EQUAL(str_field(a, "operation"), "scripts.post_containers");
    CU_ASSERT_STRING_EQUAL(str_field(a, "source"), "example");
    CU_ASSERT_EQUAL(num_field(a, "status"), 201);
    cJSON *sent = cJSON_Parse(body);
    CU_ASSERT(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(a, "body"), sent, 1));
    cJSON_Delete(sent);
    const char *shown = str_field(a, "api_key");
    CU_ASSERT(shown != NULL && strstr(shown, key) == NULL && strncmp(shown, key, 2) == 0);

    CU_ASSERT_STRING_EQUAL(str_field(b, "query"), "limit=2&page_num=1");
    CU_ASSERT_STRING_EQUAL(str_field(b, "operation"), "scripts.list_sql_runs");
    CU_ASSERT_STRING_EQUAL(str_field(b, "source"), "synthesized");
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(b, "body")));

    CU_ASSERT_STRING_EQUAL(str_field(c, "source"), "auth");
    CU_ASSERT_EQUAL(num_field(c, "status"), 401);
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(c, "api_key")));
    cJSON_Delete(j);

    /* filters */
    CU_ASSERT_EQUAL(journal_count("?operation=scripts.post_containers"), 1);
    CU_ASSERT_EQUAL(journal_count("?api_key=journal-key-0123456789"), 2);
    CU_ASSERT_EQUAL(journal_count("?api_key=someone-else"), 0);
    CU_ASSERT_EQUAL(
        journal_count("?operation=scripts.list_sql_runs&api_key=journal-key-0123456789"), 1);
    CU_ASSERT_EQUAL(journal_count("?source=auth"), 1);
    CU_ASSERT_EQUAL(journal_count("?since=2"), 1);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/__mock/journal?since=x", NULL, NULL),
                    400);
    /* reading the journal does not add to it */
    CU_ASSERT_EQUAL(journal_count(""), 3);
}

static void test_admin__journal_shows_non_json_body_as_text(void)
{
    reset();
    civis_mockproc_json(NULL, &mp, "POST", "/scripts/containers", "text-key", "plain words");
    cJSON *j = NULL;
    civis_mockproc_json(&j, &mp, "GET", "/__mock/journal?api_key=text-key", NULL, NULL);
    CU_ASSERT_STRING_EQUAL(str_field(cJSON_GetArrayItem(j, 0), "body"), "plain words");
    CU_ASSERT_STRING_EQUAL(str_field(cJSON_GetArrayItem(j, 0), "source"), "validation");
    cJSON_Delete(j);
}

static void test_admin__unknown_admin_paths_and_verbs(void)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/__mock/nope", NULL, NULL), 404);
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "PUT", "/__mock/stubs", NULL, "{}");
    CU_ASSERT_EQUAL(r.status, 405);
    const char *allow = civis_http_reply_header(&r, "Allow");
    CU_ASSERT(allow != NULL && strstr(allow, "POST") != NULL && strstr(allow, "DELETE") != NULL);
    civis_http_reply_clear(&r);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "DELETE", "/__mock/stubs/abc", NULL, NULL), 404);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/__mock/reset", NULL, NULL), 405);
}

static size_t discard(char *data, size_t size, size_t nmemb, void *ud)
{
    (void)data; /* required by the libcurl callback signature */
    (void)ud;
    return size * nmemb;
}

static void test_admin__journal_keeps_the_newest_10000(void)
{
    if (getenv("CIVIS_UNDER_VALGRIND") != NULL) {
        civis_test_skip("journal cap under valgrind (10,000 requests)");
        return;
    }
    reset();
    /* One keep-alive handle so that 10,050 requests take a moment. */
    CURL *c = curl_easy_init();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/users/me", mp.port);
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer cap-key");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    int ok = 0;
    for (int i = 0; i < 10050; i++)
        ok += curl_easy_perform(c) == CURLE_OK;
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    CU_ASSERT_EQUAL(ok, 10050);
    cJSON *j = NULL;
    civis_mockproc_json(&j, &mp, "GET", "/__mock/journal", NULL, NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 10000);
    CU_ASSERT_EQUAL(num_field(cJSON_GetArrayItem(j, 0), "seq"), 51);
    CU_ASSERT_EQUAL(num_field(cJSON_GetArrayItem(j, 9999), "seq"), 10050);
    cJSON_Delete(j);
    reset();
}

static CU_TestInfo tests[] = {
    {"health", test_admin__health},
    {"stubs: key scope by header or body", test_admin__stub_scoped_by_header_or_body_field},
    {"stubs: bad documents", test_admin__bad_stub_documents_are_400},
    {"reset", test_admin__reset_restores_start_up},
    {"journal: fields and filters", test_admin__journal_records_each_request},
    {"journal: text body", test_admin__journal_shows_non_json_body_as_text},
    {"unknown admin paths and verbs", test_admin__unknown_admin_paths_and_verbs},
    {"journal: ring of 10000", test_admin__journal_keeps_the_newest_10000},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_admin, tests, suite_init, suite_cleanup)
