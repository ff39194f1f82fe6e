/*
 * test_mockclient_behaviour.c: what tests tell the mock to answer: return
 * values, sequences, HTTP errors (the client's retry and error paths run),
 * callbacks, argument matching, replacing and clearing, and the checks made
 * when a behaviour is set.
 */
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

/* Each test starts from a mock with no behaviours and an empty journal. */
static void reset(void)
{
    civis_mock_clear(mock, NULL, NULL);
    civis_mock_journal_clear(mock);
}

/* scripts.get_sql_runs(id, run_id) -> response, or NULL with err filled. */
static civis_response *get_run(long long id, long long run_id, civis_error *err)
{
    civis_response *resp = NULL;
    civis_callv(&resp, client, "scripts", "get_sql_runs", err, "id", CIVIS_INT(id), "run_id",
                CIVIS_INT(run_id), CIVIS_END);
    return resp;
}

static const char *state_of(civis_response *resp)
{
    const char *s = NULL;
    return civis_response_string(&s, resp, "state", NULL) == CIVIS_OK ? s : "(none)";
}

static void test_behaviour__return_value(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return(mock, "scripts.post_sql",
                                      "{\"id\": 1, \"name\": \"q\", \"sqlRunning\": false}", &err),
                    err);
    civis_response *resp = NULL;
    ASSERT_CIVIS_OK(civis_callv(&resp, client, "scripts", "post_sql", &err, "name", CIVIS_STR("q"),
                                "sql", CIVIS_STR("select 1"), "remote_host_id", CIVIS_INT(3),
                                "credential_id", CIVIS_INT(4), CIVIS_END),
                    err);
    /* the operation's own status, and the production response getters */
    CU_ASSERT_EQUAL(civis_response_status(resp), 201);
    long long id = 0;
    bool running = true;
    ASSERT_CIVIS_OK(civis_response_int(&id, resp, "id", &err), err);
    ASSERT_CIVIS_OK(civis_response_bool(&running, resp, "sql_running", &err), err);
    CU_ASSERT_EQUAL(id, 1);
    CU_ASSERT_FALSE(running);
    civis_response_free(resp);
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, 0)->source, "return");
}

static void test_behaviour__return_cjson_value(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    cJSON *v = cJSON_CreateObject();
    cJSON_AddNumberToObject(v, "id", 8);
    cJSON_AddStringToObject(v, "state", "running");
    ASSERT_CIVIS_OK(civis_mock_return_json(mock, "scripts.get_sql_runs", v, &err), err);
    cJSON_Delete(v); /* copied: the caller's value may go */
    civis_response *resp = get_run(1, 8, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
    CU_ASSERT_STRING_EQUAL(state_of(resp), "running");
    civis_response_free(resp);
}

static void test_behaviour__sequence_then_last_repeats(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return_seq(mock, "scripts.get_sql_runs", &err,
                                          "{\"state\": \"queued\"}", "{\"state\": \"running\"}",
                                          "{\"state\": \"succeeded\"}", CIVIS_END),
                    err);
    const char *want[] = {"queued", "running", "succeeded", "succeeded", "succeeded"};
    for (size_t i = 0; i < 5; i++) {
        civis_response *resp = get_run(1, 2, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
        CU_ASSERT_STRING_EQUAL(state_of(resp), want[i]);
        civis_response_free(resp);
    }
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "scripts.get_sql_runs"), 5);
    /* an empty sequence is refused */
    civis_error e2 = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_mock_return_seq(mock, "scripts.get_sql_runs", &e2, CIVIS_END),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(e2.message, "an empty sequence for scripts.get_sql_runs");
}

static void test_behaviour__404_message_as_the_real_client(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return_error(mock, "scripts.get_sql_runs", 404, NULL, &err), err);
    civis_error e = CIVIS_ERROR_INIT;
    CU_ASSERT_PTR_NULL(get_run(7, 8, &e));
    CU_ASSERT_EQUAL(e.code, CIVIS_ENOTFOUND);
    CU_ASSERT_EQUAL(e.http_status, 404);
    CU_ASSERT_STRING_EQUAL(e.message, "(404) The requested resource could not be found. "
                                      "(GET /scripts/sql/7/runs/8)");
    const civis_mock_call *c = civis_mock_journal_at(mock, 0);
    CU_ASSERT_EQUAL(c->status, 404);
    CU_ASSERT_EQUAL(c->attempts, 1); /* 404 is not retried */
    CU_ASSERT_PTR_NOT_NULL(strstr(c->response_body, "\"error\":\"not_found\""));
}

static void test_behaviour__401_names_www_authenticate(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return_error(mock, "users.get_me", 401, NULL, &err), err);
    civis_response *resp = NULL;
    civis_error e = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_call(&resp, client, "users", "get_me", NULL, &e), CIVIS_EAUTH);
    CU_ASSERT_EQUAL(e.http_status, 401);
    CU_ASSERT_STRING_EQUAL(e.message, "(401) The access token provided is invalid. (GET "
                                      "/users/me); WWW-Authenticate: Basic realm=\"Civis\"");
}

static void test_behaviour__error_body_of_your_own(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return_error(mock, "scripts.post_sql_runs", 403,
                                            "{\"error\":\"forbidden\",\"errorDescription\":"
                                            "\"You may not run this.\",\"code\":403}",
                                            &err),
                    err);
    civis_response *resp = NULL;
    civis_error e = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(
        civis_callv(&resp, client, "scripts", "post_sql_runs", &e, "id", CIVIS_INT(5), CIVIS_END),
        CIVIS_EHTTP);
    CU_ASSERT_STRING_EQUAL(e.message, "(403) You may not run this. (POST /scripts/sql/5/runs)");
    /* an error status below 400 is not an error */
    civis_error e2 = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_mock_return_error(mock, "users.get_me", 302, NULL, &e2), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(e2.param, "status");
}

static void test_behaviour__429_is_retried_then_succeeds(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    const char *const ra[] = {"Retry-After: 30", NULL}; /* the mock's policy does not sleep */
    civis_mock_reply replies[] = {
        {429, NULL, ra},
        {0, "{\"id\": 8, \"state\": \"succeeded\"}", NULL},
    };
    ASSERT_CIVIS_OK(civis_mock_on(mock, "scripts.get_sql_runs",
                                  &(civis_mock_rule){.replies = replies, .n_replies = 2}, &err),
                    err);
    civis_response *resp = get_run(1, 8, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(resp);
    CU_ASSERT_STRING_EQUAL(state_of(resp), "succeeded");
    CU_ASSERT_EQUAL(civis_response_retries(resp), 1);
    civis_response_free(resp);
    /* one call, two attempts */
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "scripts.get_sql_runs"), 1);
    CU_ASSERT_EQUAL(civis_mock_journal_at(mock, 0)->attempts, 2);
    CU_ASSERT_EQUAL(civis_mock_journal_at(mock, 0)->status, 200);
}

static void test_behaviour__429_forever_gives_up(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return_error(mock, "scripts.get_sql_runs", 429, NULL, &err), err);
    civis_error e = CIVIS_ERROR_INIT;
    CU_ASSERT_PTR_NULL(get_run(1, 8, &e));
    CU_ASSERT_EQUAL(e.code, CIVIS_EHTTP);
    CU_ASSERT_EQUAL(e.http_status, 429);
    CU_ASSERT_STRING_EQUAL(e.message, "(429) Rate limit exceeded. (GET /scripts/sql/1/runs/8)");
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "scripts.get_sql_runs"), 1);
    CU_ASSERT_EQUAL(civis_mock_journal_at(mock, 0)->attempts, 10); /* the default policy */
}

static void test_behaviour__retry_policy_is_configurable(void)
{
    civis_mock *m = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock_options o = {
        .retry = {.max_attempts = 3, .zero_wait = true, .ignore_retry_after = true}};
    ASSERT_CIVIS_OK(civis_mock_new(&m, &o, &err), err);
    ASSERT_CIVIS_OK(civis_mock_return_error(m, "users.get_me", 503, NULL, &err), err);
    civis_response *resp = NULL;
    civis_error e = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_call(&resp, civis_mock_client(m), "users", "get_me", NULL, &e),
                    CIVIS_EHTTP);
    CU_ASSERT_EQUAL(civis_mock_journal_at(m, 0)->attempts, 3);
    civis_mock_free(m);
    /* a bad policy is the client's error */
    civis_error be = CIVIS_ERROR_INIT;
    o.retry.max_attempts = -1;
    CU_ASSERT_EQUAL(civis_mock_new(&m, &o, &be), CIVIS_EINVAL);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_STRING_EQUAL(be.param, "retry.max_attempts");
}

/* Answers run 7 as failed, any other as succeeded; run 404 does not exist. */
static cJSON *run_by_id(void *data, const civis_mock_call *call, long *status)
{
    int *calls = data;
    (*calls)++;
    const cJSON *run_id = cJSON_GetObjectItemCaseSensitive(call->args, "run_id");
    if (cJSON_IsNumber(run_id) && run_id->valueint == 404) {
        *status = 404;
        return NULL;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", run_id ? run_id->valuedouble : 0);
    cJSON_AddStringToObject(o, "state", run_id && run_id->valueint == 7 ? "failed" : "succeeded");
    return o;
}

static void test_behaviour__callback_computes_the_answer(void)
{
    reset();
    int calls = 0;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_side_effect(mock, "scripts.get_sql_runs", run_by_id, &calls, &err),
                    err);
    civis_response *a = get_run(1, 7, &err), *b = get_run(1, 9, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_STRING_EQUAL(state_of(a), "failed");
    CU_ASSERT_STRING_EQUAL(state_of(b), "succeeded");
    long long id = 0;
    ASSERT_CIVIS_OK(civis_response_int(&id, b, "id", &err), err);
    CU_ASSERT_EQUAL(id, 9);
    civis_response_free(a);
    civis_response_free(b);
    civis_error e = CIVIS_ERROR_INIT;
    CU_ASSERT_PTR_NULL(get_run(1, 404, &e));
    CU_ASSERT_EQUAL(e.code, CIVIS_ENOTFOUND);
    CU_ASSERT_EQUAL(calls, 3);
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, 2)->source, "callback");
    CU_ASSERT_EQUAL(civis_mock_journal_at(mock, 2)->status, 404);
}

static void test_behaviour__argument_matching(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return_when(mock, "scripts.get_sql_runs", "{\"id\": 7}",
                                           "{\"state\": \"failed\"}", &err),
                    err);
    /* a catch-all set later does not hide the pattern */
    ASSERT_CIVIS_OK(
        civis_mock_return(mock, "scripts.get_sql_runs", "{\"state\": \"running\"}", &err), err);
    ASSERT_CIVIS_OK(civis_mock_return_when(mock, "scripts.get_sql_runs",
                                           "{\"id\": 7, \"run_id\": 2}",
                                           "{\"state\": \"cancelled\"}", &err),
                    err);
    civis_response *r1 = get_run(7, 1, &err), *r2 = get_run(7, 2, &err), *r3 = get_run(8, 1, &err);
    CU_ASSERT_STRING_EQUAL(state_of(r1), "failed");
    CU_ASSERT_STRING_EQUAL(state_of(r2), "cancelled"); /* both patterns match: the latest wins */
    CU_ASSERT_STRING_EQUAL(state_of(r3), "running");
    civis_response_free(r1);
    civis_response_free(r2);
    civis_response_free(r3);

    /* camelCase names in a pattern are the same arguments */
    reset();
    ASSERT_CIVIS_OK(civis_mock_return_when(mock, "scripts.get_sql_runs", "{\"runId\": 5}",
                                           "{\"state\": \"queued\"}", &err),
                    err);
    civis_response *r4 = get_run(1, 5, &err), *r5 = get_run(1, 6, &err);
    CU_ASSERT_STRING_EQUAL(state_of(r4), "queued");
    CU_ASSERT_STRING_NOT_EQUAL(state_of(r5), "queued"); /* falls back to synthesis */
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, 1)->source, "synthesized");
    civis_response_free(r4);
    civis_response_free(r5);
}

static void test_behaviour__nested_pattern_on_body_arguments(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return_when(mock, "scripts.post_containers",
                                           "{\"required_resources\": {\"cpu\": 1024}}",
                                           "{\"id\": 99}", &err),
                    err);
    ASSERT_CIVIS_OK(civis_mock_return(mock, "scripts.post_containers", "{\"id\": 1}", &err), err);
    long long ids[2] = {0, 0};
    int cpus[2] = {1024, 512};
    for (int i = 0; i < 2; i++) {
        civis_response *resp = NULL;
        ASSERT_CIVIS_OK(
            civis_callv(&resp, client, "scripts", "post_containers", &err, "name", CIVIS_STR("c"),
                        "docker_image_name", CIVIS_STR("python"), "required_resources",
                        CIVIS_OBJ("cpu", CIVIS_INT(cpus[i]), "memory", CIVIS_INT(2048), CIVIS_END),
                        CIVIS_END),
            err);
        civis_response_int(&ids[i], resp, "id", &err);
        civis_response_free(resp);
    }
    CU_ASSERT_EQUAL(ids[0], 99);
    CU_ASSERT_EQUAL(ids[1], 1);
}

static void test_behaviour__replace_and_clear(void)
{
    reset();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return(mock, "scripts.get_sql_runs", "{\"state\": \"a\"}", &err),
                    err);
    ASSERT_CIVIS_OK(civis_mock_return(mock, "scripts.get_sql_runs", "{\"state\": \"b\"}", &err),
                    err);
    civis_response *r = get_run(1, 1, &err);
    CU_ASSERT_STRING_EQUAL(state_of(r), "b");
    civis_response_free(r);
    cJSON *uncalled = NULL;
    ASSERT_CIVIS_OK(civis_mock_uncalled(&uncalled, mock, &err), err);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(uncalled), 0); /* one operation, called */
    cJSON_Delete(uncalled);
    ASSERT_CIVIS_OK(civis_mock_clear(mock, "scripts.get_sql_runs", &err), err);
    r = get_run(1, 1, &err);
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, 1)->source, "synthesized");
    civis_response_free(r);
    civis_error e = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_mock_clear(mock, "scripts.get_sql_rns", &e), CIVIS_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "did you mean 'get_sql_runs'?"));
}

static void test_behaviour__mistakes_fail_where_they_are_made(void)
{
    reset();
    civis_error e = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_mock_return(mock, "scripts.get_sql_run", "{}", &e), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.param, "method");
    CU_ASSERT_STRING_EQUAL(e.message, "no method 'get_sql_run' on resource 'scripts' (did you "
                                      "mean 'get_sql_runs'?)");
    civis_error_clear(&e);
    CU_ASSERT_EQUAL(civis_mock_return_when(mock, "scripts.get_sql_runs", "{\"idd\": 7}", "{}", &e),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.param, "when");
    CU_ASSERT_STRING_EQUAL(e.message, "unknown argument 'idd' in the pattern for "
                                      "scripts.get_sql_runs (did you mean 'id'?)");
    civis_error_clear(&e);
    CU_ASSERT_EQUAL(civis_mock_return_when(mock, "scripts.get_sql_runs", "[7]", "{}", &e),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.param, "when");
    civis_error_clear(&e);
    CU_ASSERT_EQUAL(civis_mock_return(mock, "scripts.get_sql_runs", "{\"state\": running}", &e),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.param, "body");
    CU_ASSERT_STRING_EQUAL(e.message, "reply 1 of scripts.get_sql_runs is not JSON (at byte 10): "
                                      "{\"state\": running}");
    civis_error_clear(&e);
    const char *const bad_header[] = {"no colon here", NULL};
    civis_mock_reply r = {200, "{}", bad_header};
    CU_ASSERT_EQUAL(
        civis_mock_on(mock, "users.get_me", &(civis_mock_rule){.replies = &r, .n_replies = 1}, &e),
        CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.param, "headers");
    civis_error_clear(&e);
    CU_ASSERT_EQUAL(civis_mock_on(mock, "users.get_me", &(civis_mock_rule){0}, &e), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.message,
                           "the behaviour for users.get_me has neither replies nor a callback");
    civis_error_clear(&e);
    civis_mock_reply r2 = {7, "{}", NULL};
    CU_ASSERT_EQUAL(
        civis_mock_on(mock, "users.get_me", &(civis_mock_rule){.replies = &r2, .n_replies = 1}, &e),
        CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.param, "status");
    /* nothing of the failed attempts was set */
    cJSON *uncalled = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_uncalled(&uncalled, mock, &err), err);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(uncalled), 0);
    cJSON_Delete(uncalled);
}

static void test_behaviour__headers_and_rate_limits(void)
{
    reset();
    const char *const h[] = {"X-RateLimit-Limit: 1000", "X-RateLimit-Remaining: 998", NULL};
    civis_mock_reply r = {0, "{\"id\": 1, \"username\": \"u\"}", h};
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_on(mock, "users.get_me",
                                  &(civis_mock_rule){.replies = &r, .n_replies = 1}, &err),
                    err);
    civis_response *resp = NULL;
    ASSERT_CIVIS_OK(civis_call(&resp, client, "users", "get_me", NULL, &err), err);
    CU_ASSERT_EQUAL(civis_response_rate_limit(resp), 1000);
    CU_ASSERT_EQUAL(civis_response_calls_remaining(resp), 998);
    civis_response_free(resp);
}

static void test_behaviour__set_list_is_paged(void)
{
    reset();
    /* 45 tables, 20 a page: the pager reads three pages and stops, thanks to
     * X-Pagination-Total-Pages */
    cJSON *list = cJSON_CreateArray();
    for (int i = 0; i < 45; i++) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddNumberToObject(t, "id", i + 1);
        cJSON_AddStringToObject(t, "name", "t");
        cJSON_AddItemToArray(list, t);
    }
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return_json(mock, "tables.list", list, &err), err);
    cJSON_Delete(list);
    cJSON *args = civis_args("limit", CIVIS_INT(20), CIVIS_END);
    cJSON *all = NULL;
    ASSERT_CIVIS_OK(civis_list_all(&all, client, "tables", "list", args, &err), err);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(all), 45);
    CU_ASSERT_EQUAL(civis_json_get(cJSON_GetArrayItem(all, 44), "id")->valueint, 45);
    cJSON_Delete(all);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "tables.list"), 3);
    CU_ASSERT_STRING_EQUAL(civis_mock_nth_call(mock, "tables.list", 2)->query,
                           "limit=20&page_num=3");
    /* without limit or page_num the list comes back whole */
    civis_response *resp = NULL;
    ASSERT_CIVIS_OK(civis_call(&resp, client, "tables", "list", NULL, &err), err);
    CU_ASSERT_EQUAL(civis_response_len(resp, NULL), 45);
    civis_response_free(resp);
    cJSON_Delete(args);
}

static void test_behaviour__pages_of_your_own(void)
{
    reset();
    /* replies that say which page they are go out as written */
    const char *const p1[] = {"X-Pagination-Current-Page: 1", "X-Pagination-Total-Pages: 2", NULL};
    const char *const p2[] = {"X-Pagination-Current-Page: 2", "X-Pagination-Total-Pages: 2", NULL};
    civis_mock_reply pages[] = {{0, "[{\"id\": 1}, {\"id\": 2}]", p1}, {0, "[{\"id\": 3}]", p2}};
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_on(mock, "tables.list",
                                  &(civis_mock_rule){.replies = pages, .n_replies = 2}, &err),
                    err);
    cJSON *all = NULL;
    cJSON *args = civis_args("limit", CIVIS_INT(1), CIVIS_END); /* not what the pages say */
    ASSERT_CIVIS_OK(civis_list_all(&all, client, "tables", "list", args, &err), err);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(all), 3);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "tables.list"), 2);
    cJSON_Delete(all);
    cJSON_Delete(args);
}

static CU_TestInfo behaviour_tests[] = {
    {"return value", test_behaviour__return_value},
    {"return a cJSON value", test_behaviour__return_cjson_value},
    {"sequence, then the last repeats", test_behaviour__sequence_then_last_repeats},
    {"404 message as the real client", test_behaviour__404_message_as_the_real_client},
    {"401 names WWW-Authenticate", test_behaviour__401_names_www_authenticate},
    {"error body of your own", test_behaviour__error_body_of_your_own},
    {"429 is retried, then succeeds", test_behaviour__429_is_retried_then_succeeds},
    {"429 forever gives up", test_behaviour__429_forever_gives_up},
    {"retry policy is configurable", test_behaviour__retry_policy_is_configurable},
    {"callback computes the answer", test_behaviour__callback_computes_the_answer},
    {"argument matching", test_behaviour__argument_matching},
    {"nested pattern on body arguments", test_behaviour__nested_pattern_on_body_arguments},
    {"replace and clear", test_behaviour__replace_and_clear},
    {"mistakes fail where they are made", test_behaviour__mistakes_fail_where_they_are_made},
    {"headers and rate limits", test_behaviour__headers_and_rate_limits},
    {"a list that is set is paged", test_behaviour__set_list_is_paged},
    {"pages of your own", test_behaviour__pages_of_your_own},
    CU_TEST_INFO_NULL};

CIVIS_SUITE(mockclient_behaviour, behaviour_tests, suite_init, suite_cleanup)
