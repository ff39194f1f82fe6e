/*
 * test_mockclient_journal.c: what the mock records per call (arguments as
 * passed and as placed on the wire, the answer, rejections) and the
 * queries on it: counts, n-th call, called-with, uncalled behaviours,
 * aliases, raw requests, threads, and the partial JSON match.
 */
#include <pthread.h>
#include <string.h>

#include "test.h"
#include "civis.h"
#include "civis/mock.h"

static civis_mock *mock;
static civis_client *client;

/* The small hand-written spec (tests/specs/subset.json): these tests check
 * synthesized answers, which the full spec's x-examples would shadow. */
static char subset[1024];

static int suite_init(void)
{
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock_options o = {.spec_path =
                                civis_test_data(subset, sizeof(subset), "specs/subset.json")};
    if (civis_mock_new(&mock, &o, &err) != CIVIS_OK)
        return 1;
    client = civis_mock_client(mock);
    return 0;
}

static int suite_cleanup(void)
{
    civis_mock_free(mock);
    return 0;
}

static void reset(void)
{
    civis_mock_clear(mock, NULL, NULL);
    civis_mock_journal_clear(mock);
}

static civis_status post_sql(const char *name, civis_error *err)
{
    civis_response *resp = NULL;
    civis_status st = civis_callv(&resp, client, "scripts", "post_sql", err, "name",
                                  CIVIS_STR(name), "sql", CIVIS_STR("select 1"), "remote_host_id",
                                  CIVIS_INT(3), "credential_id", CIVIS_INT(4), CIVIS_END);
    civis_response_free(resp);
    return st;
}

static civis_status get_run(long long id, long long run_id, civis_error *err)
{
    civis_response *resp = NULL;
    civis_status st = civis_callv(&resp, client, "scripts", "get_sql_runs", err, "id",
                                  CIVIS_INT(id), "run_id", CIVIS_INT(run_id), CIVIS_END);
    civis_response_free(resp);
    return st;
}

static void test_journal__records_args_wire_and_answer(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(post_sql("nightly", &err), err);
    CU_ASSERT_EQUAL_FATAL(civis_mock_journal_count(mock), 1);
    const civis_mock_call *c = civis_mock_journal_at(mock, 0);
    CU_ASSERT_EQUAL(c->index, 0);
    CU_ASSERT_STRING_EQUAL(c->operation, "scripts.post_sql");
    CU_ASSERT_PTR_NOT_NULL(c->op);
    CU_ASSERT_FALSE(c->rejected);
    CU_ASSERT_STRING_EQUAL(c->message, "");
    /* as passed */
    cJSON *want = cJSON_Parse("{\"name\":\"nightly\",\"sql\":\"select 1\",\"remote_host_id\":3,"
                              "\"credential_id\":4}");
    CU_ASSERT_TRUE(cJSON_Compare(c->args, want, 1));
    /* as placed: snake_case body keys, as the official client sends */
    CU_ASSERT_STRING_EQUAL(c->http_method, "POST");
    CU_ASSERT_STRING_EQUAL(c->path, "/scripts/sql");
    CU_ASSERT_STRING_EQUAL(c->query, "");
    CU_ASSERT_TRUE(cJSON_Compare(c->body, want, 1));
    cJSON_Delete(want);
    /* the answer */
    CU_ASSERT_EQUAL(c->status, 201);
    CU_ASSERT_EQUAL(c->attempts, 1);
    CU_ASSERT_STRING_EQUAL(c->source, "synthesized"); /* post_sql has no 2xx example */
    cJSON *body = cJSON_Parse(c->response_body);
    CU_ASSERT_TRUE(cJSON_IsObject(body));
    cJSON_Delete(body);
    civis_mock_journal_clear(mock);
    CU_ASSERT_EQUAL(civis_mock_journal_count(mock), 0);
    CU_ASSERT_PTR_NULL(civis_mock_journal_at(mock, 0));
}

static void test_journal__query_and_path_placement(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    civis_response *resp = NULL;
    ASSERT_CIVIS_OK(civis_callv(&resp, client, "tables", "list", &err, "database_id", CIVIS_INT(3),
                                "schema", CIVIS_STR("my schema"), "limit", CIVIS_INT(5), CIVIS_END),
                    err);
    civis_response_free(resp);
    const civis_mock_call *c = civis_mock_nth_call(mock, "tables.list", 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->http_method, "GET");
    CU_ASSERT_STRING_EQUAL(c->path, "/tables");
    /* spec order, spaces as '+' (the official client's requests does so) */
    CU_ASSERT_STRING_EQUAL(c->query, "database_id=3&schema=my+schema&limit=5");
    ASSERT_CIVIS_OK(get_run(7, 8, &err), err);
    CU_ASSERT_STRING_EQUAL(civis_mock_nth_call(mock, "scripts.get_sql_runs", 0)->path,
                           "/scripts/sql/7/runs/8");
}

static void test_journal__camel_case_option_shows_on_the_wire(void)
{
    civis_mock *m = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_new(&m, &(civis_mock_options){.camel_case_keys = true}, &err), err);
    civis_response *resp = NULL;
    ASSERT_CIVIS_OK(civis_callv(&resp, civis_mock_client(m), "scripts", "post_sql", &err, "name",
                                CIVIS_STR("n"), "sql", CIVIS_STR("s"), "remote_host_id",
                                CIVIS_INT(3), "credential_id", CIVIS_INT(4), CIVIS_END),
                    err);
    civis_response_free(resp);
    const civis_mock_call *c = civis_mock_journal_at(m, 0);
    CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItemCaseSensitive(c->body, "remoteHostId"));
    CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItemCaseSensitive(c->args, "remote_host_id"));
    /* patterns see through the spelling */
    CU_ASSERT_TRUE(civis_mock_called_with(m, "scripts.post_sql", "{\"remoteHostId\": 3}"));
    civis_mock_free(m);
}

static void test_journal__counts_nth_and_called_with(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(post_sql("a", &err), err);
    ASSERT_CIVIS_OK(get_run(1, 10, &err), err);
    ASSERT_CIVIS_OK(get_run(1, 11, &err), err);
    CU_ASSERT_EQUAL(get_run(1, -1, &err) == CIVIS_OK, 1); /* validated as integer only */
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "scripts.get_sql_runs"), 3);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "scripts.post_sql"), 1);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "scripts.post_cancel"), 0);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, NULL), 4);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "scripts.nope"), 0);

    const cJSON *a1 = civis_mock_call_args(mock, "scripts.get_sql_runs", 1);
    CU_ASSERT_EQUAL(cJSON_GetObjectItemCaseSensitive(a1, "run_id")->valueint, 11);
    CU_ASSERT_PTR_NULL(civis_mock_call_args(mock, "scripts.get_sql_runs", 3));
    CU_ASSERT_EQUAL(civis_mock_nth_call(mock, "scripts.get_sql_runs", 0)->index, 1);

    CU_ASSERT_TRUE(civis_mock_called_with(mock, "scripts.get_sql_runs", "{\"run_id\": 11}"));
    CU_ASSERT_TRUE(civis_mock_called_with(mock, "scripts.get_sql_runs", "{}"));
    CU_ASSERT_TRUE(civis_mock_called_with(mock, "scripts.post_sql",
                                          "{\"name\": \"a\", \"credential_id\": 4.0}"));
    CU_ASSERT_FALSE(civis_mock_called_with(mock, "scripts.get_sql_runs", "{\"run_id\": 12}"));
    CU_ASSERT_FALSE(civis_mock_called_with(mock, "scripts.get_sql_runs", "{\"run_id\": \"11\"}"));
    CU_ASSERT_FALSE(civis_mock_called_with(mock, "scripts.post_cancel", "{}"));
    CU_ASSERT_FALSE(civis_mock_called_with(mock, "scripts.get_sql_runs", "not json"));
    CU_ASSERT_FALSE(civis_mock_called_with(mock, "scripts.get_sql_runs", "[1]"));
}

static void test_journal__uncalled_behaviours(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return(mock, "scripts.post_sql", "{\"id\": 1}", &err), err);
    ASSERT_CIVIS_OK(civis_mock_return(mock, "scripts.get_sql_runs", "{}", &err), err);
    ASSERT_CIVIS_OK(civis_mock_return_when(mock, "scripts.get_sql_runs", "{\"id\": 1}", "{}", &err),
                    err);
    ASSERT_CIVIS_OK(civis_mock_return(mock, "scripts.post_cancel", "{}", &err), err);
    ASSERT_CIVIS_OK(post_sql("x", &err), err);
    cJSON *u = NULL;
    ASSERT_CIVIS_OK(civis_mock_uncalled(&u, mock, &err), err);
    char *text = cJSON_PrintUnformatted(u);
    CU_ASSERT_STRING_EQUAL(text, "[\"scripts.get_sql_runs\",\"scripts.post_cancel\"]");
    cJSON_free(text);
    cJSON_Delete(u);
    /* a rejected call is not a call */
    civis_error e = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(get_run(1, 0, &e) == CIVIS_OK, 1);
    civis_response *resp = NULL;
    CU_ASSERT_EQUAL(civis_callv(&resp, client, "scripts", "post_cancel", &e, CIVIS_END),
                    CIVIS_EINVAL);
    ASSERT_CIVIS_OK(civis_mock_uncalled(&u, mock, &err), err);
    text = cJSON_PrintUnformatted(u);
    CU_ASSERT_STRING_EQUAL(text, "[\"scripts.post_cancel\"]");
    cJSON_free(text);
    cJSON_Delete(u);
}

static void test_journal__aliases_name_the_same_operation(void)
{
    reset();
    const civis_spec *spec = civis_mock_spec(mock);
    const char *resource = NULL, *alias = NULL;
    const civis_operation *op = NULL;
    for (size_t i = 0; i < civis_spec_method_count(spec) && alias == NULL; i++) {
        bool is_alias = false;
        const char *r = NULL, *n = NULL;
        const civis_operation *o = civis_spec_method_at(spec, i, &r, &n, &is_alias);
        bool needs_args = false;
        for (size_t k = 0; k < o->n_params; k++)
            needs_args |= o->params[k].required;
        if (is_alias && !needs_args) {
            resource = r;
            alias = n;
            op = o;
        }
    }
    if (alias == NULL) {
        civis_test_skip("the bundled spec has no alias without arguments");
        return;
    }
    char by_alias[128], by_name[128];
    snprintf(by_alias, sizeof(by_alias), "%s.%s", resource, alias);
    snprintf(by_name, sizeof(by_name), "%s.%s", op->resource, op->method);
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_call(&resp, client, resource, alias, NULL, &err), err);
    civis_response_free(resp);
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, 0)->operation, by_name);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, by_alias), 1);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, by_name), 1);
}

static void test_journal__raw_requests(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return_when(mock, "scripts.get_sql_runs", "{\"id\": 7}",
                                           "{\"state\": \"raw\"}", &err),
                    err);
    civis_response *resp = NULL;
    ASSERT_CIVIS_OK(civis_request(&resp, client, "GET", "/scripts/sql/7/runs/8", NULL, &err), err);
    const char *state = NULL;
    ASSERT_CIVIS_OK(civis_response_string(&state, resp, "state", &err), err);
    CU_ASSERT_STRING_EQUAL(state, "raw");
    civis_response_free(resp);
    const civis_mock_call *c = civis_mock_journal_at(mock, 0);
    CU_ASSERT_STRING_EQUAL(c->operation, "scripts.get_sql_runs");
    CU_ASSERT_TRUE(civis_mock_called_with(mock, "scripts.get_sql_runs", "{\"id\":7,\"run_id\":8}"));
    /* a path the spec does not have: the API's 404 */
    civis_error e = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_request(&resp, client, "GET", "/nowhere/1", NULL, &e), CIVIS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(e.message,
                           "(404) The requested resource could not be found. (GET /nowhere/1)");
    c = civis_mock_journal_at(mock, 1);
    CU_ASSERT_STRING_EQUAL(c->operation, "");
    CU_ASSERT_STRING_EQUAL(c->source, "route"); /* as civis-mock journals it */
    CU_ASSERT_STRING_EQUAL(c->path, "/nowhere/1");
}

static void test_journal__format(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return(mock, "scripts.get_sql_runs", "{\"state\":\"s\"}", &err),
                    err);
    ASSERT_CIVIS_OK(get_run(3, 4, &err), err);
    civis_response *resp = NULL;
    civis_error e = CIVIS_ERROR_INIT;
    civis_call(&resp, client, "scripts", "get_sql_run", NULL, &e);
    char buf[1024];
    civis_mock_journal_format(buf, sizeof(buf), mock);
    CU_ASSERT_STRING_EQUAL(buf,
                           "journal (2 calls):\n"
                           "  #0 scripts.get_sql_runs {\"id\":3,\"run_id\":4} -> 200 (return)\n"
                           "  #1 scripts.get_sql_run {} REJECTED: no method 'get_sql_run' on "
                           "resource 'scripts' (did you mean 'get_sql_runs'?)");
    /* cut to the buffer, and says so */
    char small[40];
    civis_mock_journal_format(small, sizeof(small), mock);
    CU_ASSERT_EQUAL(strlen(small), sizeof(small) - 1);
    CU_ASSERT_STRING_EQUAL(small + sizeof(small) - 4, "...");
}

typedef struct worker {
    int n;
    int failures;
} worker;

static void *hammer(void *p)
{
    worker *w = p;
    for (int i = 0; i < w->n; i++) {
        civis_error err = CIVIS_ERROR_INIT;
        if (get_run(1, i, &err) != CIVIS_OK)
            w->failures++;
    }
    return NULL;
}

static void test_journal__threads(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return_seq(mock, "scripts.get_sql_runs", &err, "{\"state\":\"a\"}",
                                          "{\"state\":\"b\"}", CIVIS_END),
                    err);
    pthread_t t[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){50, 0};
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, hammer, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CU_ASSERT_EQUAL(w[i].failures, 0);
    }
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "scripts.get_sql_runs"), 200);
    size_t a = 0;
    for (size_t i = 0; i < civis_mock_journal_count(mock); i++) {
        const civis_mock_call *c = civis_mock_journal_at(mock, i);
        CU_ASSERT_EQUAL(c->index, i);
        a += strcmp(c->response_body, "{\"state\":\"a\"}") == 0;
    }
    CU_ASSERT_EQUAL(a, 1); /* the sequence was served once, whoever came first */
}

static void test_journal__partial_match(void)
{
    cJSON *v =
        cJSON_Parse("{\"id\":7,\"name\":\"n\",\"params\":[{\"name\":\"a\",\"type\":\"int\"}],"
                    "\"schedule\":{\"scheduled\":true,\"days\":[1,2]},\"parentId\":null}");
    struct {
        const char *pattern;
        bool match;
        const char *why;
    } cases[] = {
        {"{}", true, ""},
        {"{\"id\":7}", true, ""},
        {"{\"id\":7.0,\"name\":\"n\"}", true, ""},
        {"{\"parent_id\":null}", true, ""},
        {"{\"schedule\":{\"scheduled\":true}}", true, ""},
        {"{\"params\":[{\"name\":\"a\"}]}", true, ""},
        {"{\"id\":8}", false, "id: expected 8, got 7"},
        {"{\"id\":\"7\"}", false, "id: expected \"7\", got 7"},
        {"{\"nope\":1}", false, "nope: missing (expected 1)"},
        {"{\"schedule\":{\"scheduled\":false}}", false,
         "schedule.scheduled: expected false, got true"},
        {"{\"schedule\":{\"days\":[1]}}", false, "schedule.days: expected 1 elements, got 2"},
        {"{\"schedule\":{\"days\":[1,3]}}", false, "schedule.days[1]: expected 3, got 2"},
        {"{\"params\":[{\"type\":\"str\"}]}", false,
         "params[0].type: expected \"str\", got \"int\""},
        {"{\"name\":{\"x\":1}}", false, "name: expected {\"x\":1}, got \"n\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *p = cJSON_Parse(cases[i].pattern);
        char why[200];
        bool m = civis_mock_match(v, p, why, sizeof(why));
        CU_ASSERT_EQUAL(m, cases[i].match);
        CU_ASSERT_STRING_EQUAL(why, cases[i].why);
        if (m != cases[i].match || strcmp(why, cases[i].why) != 0)
            fprintf(stderr, "\n  %s: %d '%s'\n", cases[i].pattern, m, why);
        cJSON_Delete(p);
    }
    CU_ASSERT_TRUE(civis_mock_match(v, NULL, NULL, 0));
    CU_ASSERT_FALSE(civis_mock_match(NULL, v, NULL, 0));
    cJSON_Delete(v);
}

static CU_TestInfo journal_tests[] = {
    {"records args, wire and answer", test_journal__records_args_wire_and_answer},
    {"query and path placement", test_journal__query_and_path_placement},
    {"camelCase option shows on the wire", test_journal__camel_case_option_shows_on_the_wire},
    {"counts, n-th call, called-with", test_journal__counts_nth_and_called_with},
    {"uncalled behaviours", test_journal__uncalled_behaviours},
    {"aliases name the same operation", test_journal__aliases_name_the_same_operation},
    {"raw requests", test_journal__raw_requests},
    {"format", test_journal__format},
    {"threads", test_journal__threads},
    {"partial match", test_journal__partial_match},
    CU_TEST_INFO_NULL};

CIVIS_SUITE(mockclient_journal, journal_tests, suite_init, suite_cleanup)
