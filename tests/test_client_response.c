/*
 * test_client_response.c: reading responses: headers, rate-limit figures,
 * snake_case paths that find camelCase keys, the three places where keys
 * are kept as sent, typed getters and their errors, empty and non-JSON
 * bodies, the official client's error messages, find and find_one.
 */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "test_client_support.h"

static fake_transport ft;
static civis_client *client;

static int suite_init(void)
{
    fake_init(&ft);
    client = fake_client(&ft, NULL);
    return client ? 0 : 1;
}

static int suite_cleanup(void)
{
    civis_client_free(client);
    fake_clear(&ft);
    return 0;
}

static const char body[] =
    "{\"id\": 5, \"name\": \"n\", \"score\": 1.5, \"nothing\": null, \"provideAPIKey\": true,"
    " \"outputs\": [{\"fileId\": 9, \"objectType\": \"File\"}],"
    " \"arguments\": {\"FOO_BAR\": 1, \"fooBaz\": 2, \"nested\": {\"innerKey\": 3}},"
    " \"environmentVariables\": {\"MY_VAR\": \"x\"},"
    " \"runOutputs\": [{\"objectType\": \"JSONValue\", \"value\": {\"camelKey\": {\"deepKey\": "
    "4}}}]}";

static civis_response *get_job(const char *headers, const char *text)
{
    fake_clear(&ft);
    fake_push(&ft, 200, headers, text);
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st =
        civis_callv(&resp, client, "jobs", "get", &err, "id", CIVIS_INT(5), CIVIS_END);
    if (st != CIVIS_OK)
        fprintf(stderr, "\n  get_job: %s\n", err.message);
    return resp;
}

static void test_response__headers_and_rate_limit(void)
{
    civis_response *r = get_job("X-RateLimit-Limit: 1000\nx-ratelimit-remaining:  998 \n", body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(civis_response_status(r), 200);
    CU_ASSERT_EQUAL(civis_response_rate_limit(r), 1000);
    CU_ASSERT_EQUAL(civis_response_calls_remaining(r), 998);
    CU_ASSERT_STRING_EQUAL(civis_response_header(r, "X-RATELIMIT-REMAINING"), "998");
    CU_ASSERT_EQUAL(civis_response_header_count(r), 2);
    CU_ASSERT_STRING_EQUAL(civis_response_header_at(r, 0)->name, "X-RateLimit-Limit");
    CU_ASSERT_PTR_NULL(civis_response_header_at(r, 2));
    CU_ASSERT_EQUAL(civis_response_retries(r), 0);
    CU_ASSERT_STRING_EQUAL(civis_response_method(r), "GET");
    CU_ASSERT_STRING_EQUAL(civis_response_path(r), "/jobs/5");
    civis_response_free(r);
    r = get_job("X-RateLimit-Limit: many\n", "{}");
    CU_ASSERT_EQUAL(civis_response_rate_limit(r), -1);
    CU_ASSERT_EQUAL(civis_response_calls_remaining(r), -1);
    CU_ASSERT_PTR_NULL(civis_response_header(r, "Retry-After"));
    civis_response_free(r);
}

static void test_response__snake_paths_find_camel_keys(void)
{
    civis_response *r = get_job(NULL, body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    civis_error err = CIVIS_ERROR_INIT;
    long long i = 0;
    ASSERT_CIVIS_OK(civis_response_int(&i, r, "outputs.0.file_id", &err), err);
    CU_ASSERT_EQUAL(i, 9);
    i = 0;
    ASSERT_CIVIS_OK(civis_response_int(&i, r, "outputs[0].fileId", &err), err);
    CU_ASSERT_EQUAL(i, 9);
    bool b = false;
    ASSERT_CIVIS_OK(civis_response_bool(&b, r, "provide_api_key", &err), err);
    CU_ASSERT_TRUE(b);
    double d = 0;
    ASSERT_CIVIS_OK(civis_response_double(&d, r, "score", &err), err);
    CU_ASSERT_DOUBLE_EQUAL(d, 1.5, 0);
    const char *s = NULL;
    ASSERT_CIVIS_OK(civis_response_string(&s, r, "name", &err), err);
    CU_ASSERT_STRING_EQUAL(s, "n");
    CU_ASSERT_EQUAL(civis_response_len(r, "outputs"), 1);
    CU_ASSERT_EQUAL(civis_response_len(r, "name"), 0);
    CU_ASSERT_PTR_EQUAL(civis_response_at(r, "outputs", 0), civis_response_get(r, "outputs.0"));
    CU_ASSERT_PTR_NULL(civis_response_at(r, "outputs", 1));
    CU_ASSERT_PTR_EQUAL(civis_response_get(r, ""), civis_response_json(r));
    civis_response_free(r);
}

static void test_response__preserved_case_places(void)
{
    civis_response *r = get_job(NULL, body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    /* arguments and environmentVariables: children as sent, one level */
    CU_ASSERT_PTR_NOT_NULL(civis_response_get(r, "arguments.FOO_BAR"));
    CU_ASSERT_PTR_NOT_NULL(civis_response_get(r, "arguments.fooBaz"));
    CU_ASSERT_PTR_NULL(civis_response_get(r, "arguments.foo_baz"));
    CU_ASSERT_PTR_NULL(civis_response_get(r, "arguments.foo_bar"));
    CU_ASSERT_PTR_NOT_NULL(civis_response_get(r, "arguments.nested.inner_key"));
    CU_ASSERT_PTR_NOT_NULL(civis_response_get(r, "environment_variables.MY_VAR"));
    CU_ASSERT_PTR_NULL(civis_response_get(r, "environment_variables.my_var"));
    /* the value of an object whose objectType is JSONValue: all as sent */
    CU_ASSERT_PTR_NOT_NULL(civis_response_get(r, "run_outputs.0.value.camelKey.deepKey"));
    CU_ASSERT_PTR_NULL(civis_response_get(r, "run_outputs.0.value.camel_key"));
    CU_ASSERT_PTR_NULL(civis_response_get(r, "run_outputs.0.value.camelKey.deep_key"));
    civis_response_free(r);

    /* a json_values response keeps its value as sent */
    fake_clear(&ft);
    fake_push(&ft, 200, NULL,
              "{\"id\": 9, \"valueType\": \"x\", \"value\": {\"someKey\": {\"innerKey\": 1}}}");
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(
        civis_callv(&r, client, "json_values", "get", &err, "id", CIVIS_INT(9), CIVIS_END), err);
    CU_ASSERT_PTR_NOT_NULL(civis_response_get(r, "value.someKey.innerKey"));
    CU_ASSERT_PTR_NULL(civis_response_get(r, "value.some_key"));
    CU_ASSERT_PTR_NOT_NULL(civis_response_get(r, "value_type"));
    civis_response_free(r);
}

static void expect_getter_error(civis_status got, civis_error *err, civis_status code,
                                const char *param, const char *message)
{
    CU_ASSERT_EQUAL(got, code);
    CU_ASSERT_STRING_EQUAL(err->param, param);
    CU_ASSERT_STRING_EQUAL(err->message, message);
    if (strcmp(err->message, message) != 0)
        fprintf(stderr, "\n  got: %s\n", err->message);
    civis_error_clear(err);
}

static void test_response__typed_getter_errors_name_the_path(void)
{
    civis_response *r = get_job(NULL, body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    civis_error err = CIVIS_ERROR_INIT;
    long long i = -1;
    const char *s = NULL;
    expect_getter_error(civis_response_int(&i, r, "nope", &err), &err, CIVIS_ENOTFOUND, "nope",
                        "no field 'nope' in the response (no key 'nope')");
    expect_getter_error(civis_response_int(&i, r, "outputs.0.file", &err), &err, CIVIS_ENOTFOUND,
                        "outputs.0.file",
                        "no field 'outputs.0.file' in the response (no key 'file' at 'outputs.0')");
    expect_getter_error(civis_response_int(&i, r, "outputs.3.file_id", &err), &err, CIVIS_ENOTFOUND,
                        "outputs.3.file_id",
                        "no field 'outputs.3.file_id' in the response (index 3 is out of range "
                        "at 'outputs' (length 1))");
    expect_getter_error(civis_response_int(&i, r, "score", &err), &err, CIVIS_EPARSE, "score",
                        "field 'score' is the number 1.5, expected integer");
    expect_getter_error(civis_response_int(&i, r, "nothing", &err), &err, CIVIS_EPARSE, "nothing",
                        "field 'nothing' is null, expected integer");
    expect_getter_error(civis_response_string(&s, r, "outputs", &err), &err, CIVIS_EPARSE,
                        "outputs", "field 'outputs' is array, expected string");
    expect_getter_error(
        civis_response_int(&i, r, "name.x", &err), &err, CIVIS_ENOTFOUND, "name.x",
        "no field 'name.x' in the response ('name' is string, not an object or array)");
    CU_ASSERT_EQUAL(i, 0); /* reset on failure, as every out parameter (civis/client.h) */
    CU_ASSERT_PTR_NULL(s);
    civis_response_free(r);
}

static void test_response__empty_and_non_json_bodies(void)
{
    fake_clear(&ft);
    fake_push(&ft, 204, NULL, NULL);
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(
        civis_callv(&r, client, "scripts", "post_cancel", &err, "id", CIVIS_INT(3), CIVIS_END),
        err);
    CU_ASSERT_EQUAL(civis_response_status(r), 204);
    CU_ASSERT_PTR_NULL(civis_response_json(r));
    size_t len = 9;
    CU_ASSERT_PTR_NULL(civis_response_body(r, &len));
    CU_ASSERT_EQUAL(len, 0);
    long long i = 0;
    CU_ASSERT_EQUAL(civis_response_int(&i, r, "id", &err), CIVIS_ENOTFOUND);
    civis_response_free(r);

    fake_clear(&ft);
    fake_push(&ft, 200, NULL, "[1, 2] x");
    civis_error_clear(&err);
    r = (civis_response *)&ft;
    CU_ASSERT_EQUAL(civis_callv(&r, client, "jobs", "get", &err, "id", CIVIS_INT(5), CIVIS_END),
                    CIVIS_EPARSE);
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_EQUAL(err.http_status, 200);
    CU_ASSERT_STRING_EQUAL(err.message, "Unable to parse JSON from response: invalid JSON at byte "
                                        "7 of 8 (GET /jobs/5)");
}

/* The byte a 2xx body stops being JSON at, as the EPARSE message says;
 * -1 when the body was accepted. */
static long bad_byte(const char *text)
{
    fake_clear(&ft);
    fake_push(&ft, 200, NULL, text);
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_callv(&r, client, "jobs", "get", &err, "id", CIVIS_INT(5), CIVIS_END) == CIVIS_OK) {
        civis_response_free(r);
        return -1;
    }
    long off = -2;
    const char *p = strstr(err.message, "at byte ");
    if (err.code == CIVIS_EPARSE && p != NULL)
        off = strtol(p + 8, NULL, 10);
    return off;
}

static void test_response__json_check_points_at_the_byte(void)
{
    CU_ASSERT_EQUAL(bad_byte("{\"a\": tru}"), 6);
    CU_ASSERT_EQUAL(bad_byte("[1,]"), 3);
    CU_ASSERT_EQUAL(bad_byte("01"), 1);
    CU_ASSERT_EQUAL(bad_byte("  <html>"), 2);
    CU_ASSERT_EQUAL(bad_byte("{\"a\": \"x\ty\"}"), 8); /* raw tab inside a string */
    CU_ASSERT_EQUAL(bad_byte("\"\\ud800\""), 1);       /* lone surrogate */
    CU_ASSERT_EQUAL(bad_byte("\"\\ud83d\\ude00\""), -1);
    CU_ASSERT_EQUAL(bad_byte("[-1.5e+3, 0, true, false, null, {}, [], \"\\u00e9\\n\"]"), -1);
    char deep[2100];
    memset(deep, '[', 1001);
    memset(deep + 1001, ']', 1001);
    deep[2002] = '\0';
    CU_ASSERT_EQUAL(bad_byte(deep), 1000); /* deeper than cJSON goes */
    deep[0] = ' ';
    deep[2001] = '\0';
    CU_ASSERT_EQUAL(bad_byte(deep), -1);
}

/* One failing call through the fake transport; returns the error. */
static civis_status failing_get(civis_error *err, long status, const char *headers,
                                const char *text)
{
    fake_clear(&ft);
    fake_push(&ft, status, headers, text);
    civis_response *r = NULL;
    civis_error_clear(err);
    civis_status st =
        civis_callv(&r, client, "scripts", "get_sql", err, "id", CIVIS_INT(7), CIVIS_END);
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_EQUAL(err->http_status, status);
    return st;
}

static void test_response__official_error_messages(void)
{
    civis_error err;
    CU_ASSERT_EQUAL(failing_get(&err, 404, NULL,
                                "{\"error\": \"not_found\", \"errorDescription\": \"The requested "
                                "resource could not be found.\", \"code\": 404}"),
                    CIVIS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "(404) The requested resource could not be found. (GET /scripts/sql/7)");
    CU_ASSERT_EQUAL(failing_get(&err, 400, NULL, "{\"error\": \"invalid\"}"), CIVIS_EHTTP);
    CU_ASSERT_STRING_EQUAL(err.message, "(400) No Error Message Available (GET /scripts/sql/7)");
    CU_ASSERT_EQUAL(failing_get(&err, 500, NULL, "<html>oops</html>"), CIVIS_EHTTP);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "(500) No Response Content from Civis API (GET /scripts/sql/7)");
    CU_ASSERT_EQUAL(failing_get(&err, 500, NULL, "{\"a\":\n"), CIVIS_EHTTP);
    CU_ASSERT_STRING_EQUAL(err.message, "(500) Response Content: {\"a\":  (GET /scripts/sql/7)");
    CU_ASSERT_EQUAL(failing_get(&err, 500, NULL, NULL), CIVIS_EHTTP);
    CU_ASSERT_STRING_EQUAL(err.message, "(500) Internal Server Error (GET /scripts/sql/7)");
    CU_ASSERT_EQUAL(failing_get(&err, 401, "WWW-Authenticate: Basic realm=\"Civis\"\n",
                                "{\"errorDescription\": \"Invalid API key.\"}"),
                    CIVIS_EAUTH);
    CU_ASSERT_STRING_EQUAL(err.message, "(401) Invalid API key. (GET /scripts/sql/7); "
                                        "WWW-Authenticate: Basic realm=\"Civis\"");
    CU_ASSERT_STRING_EQUAL(err.param, "");
}

static void test_response__long_description_keeps_the_request(void)
{
    char big[2000];
    strcpy(big, "{\"errorDescription\": \"");
    size_t n = strlen(big);
    memset(big + n, 'x', 1500);
    strcpy(big + n + 1500, "\"}");
    civis_error err;
    failing_get(&err, 409, NULL, big);
    size_t len = strlen(err.message);
    CU_ASSERT(len < sizeof(err.message));
    CU_ASSERT_STRING_EQUAL(err.message + len - strlen(" (GET /scripts/sql/7)"),
                           " (GET /scripts/sql/7)");
}

static void test_response__find_and_find_one(void)
{
    cJSON *list = cJSON_Parse("[{\"name\": \"a\", \"remoteHostId\": 1, \"isDefault\": true},"
                              " {\"name\": \"b\", \"remoteHostId\": 2, \"isDefault\": 1},"
                              " {\"name\": \"c\", \"remote_host_id\": 2}, 7]");
    cJSON *pat = cJSON_Parse("{\"remote_host_id\": 2}");
    cJSON *found = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_find(&found, list, pat, &err), err);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(found), 2);
    const char *s = NULL;
    ASSERT_CIVIS_OK(civis_json_string(&s, found, "1.name", &err), err);
    CU_ASSERT_STRING_EQUAL(s, "c");
    cJSON_Delete(found);
    /* true is not 1 */
    const cJSON *one = civis_find_onev(list, "is_default", CIVIS_BOOL(1), CIVIS_END);
    CU_ASSERT_PTR_EQUAL(one, cJSON_GetArrayItem(list, 0));
    one = civis_find_onev(list, "isDefault", CIVIS_INT(1), CIVIS_END);
    CU_ASSERT_PTR_EQUAL(one, cJSON_GetArrayItem(list, 1));
    CU_ASSERT_PTR_NULL(civis_find_onev(list, "name", CIVIS_STR("zz"), CIVIS_END));
    CU_ASSERT_PTR_NULL(civis_find_onev(list, "missing", CIVIS_NULL, CIVIS_END));
    /* an empty pattern keeps every object, never the number */
    cJSON *empty = cJSON_CreateObject();
    ASSERT_CIVIS_OK(civis_find(&found, list, empty, &err), err);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(found), 3);
    cJSON_Delete(found);
    CU_ASSERT_EQUAL(civis_find(&found, pat, empty, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "list");
    CU_ASSERT_PTR_NULL(found);
    CU_ASSERT_PTR_NULL(civis_find_one(list, NULL));
    cJSON_Delete(empty);
    cJSON_Delete(pat);
    cJSON_Delete(list);
}

static void test_response__take_json_and_json_getters(void)
{
    civis_response *r = get_job(NULL, body);
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    cJSON *j = civis_response_take_json(r);
    CU_ASSERT_PTR_NULL(civis_response_json(r));
    civis_response_free(r);
    civis_error err = CIVIS_ERROR_INIT;
    long long i = 0;
    ASSERT_CIVIS_OK(civis_json_int(&i, j, "arguments.nested.inner_key", &err), err);
    CU_ASSERT_EQUAL(i, 3);
    CU_ASSERT_EQUAL(civis_json_int(&i, j, "arguments.foo_baz", &err), CIVIS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(
        err.message, "no field 'arguments.foo_baz' in the JSON (no key 'foo_baz' at 'arguments')");
    CU_ASSERT_PTR_NOT_NULL(civis_json_get(j, "run_outputs.0.object_type"));
    cJSON_Delete(j);
}

static CU_TestInfo tests[] = {
    {"headers and rate limit", test_response__headers_and_rate_limit},
    {"snake paths find camel keys", test_response__snake_paths_find_camel_keys},
    {"preserved case places", test_response__preserved_case_places},
    {"typed getter errors name the path", test_response__typed_getter_errors_name_the_path},
    {"empty and non-JSON bodies", test_response__empty_and_non_json_bodies},
    {"JSON check points at the byte", test_response__json_check_points_at_the_byte},
    {"official error messages", test_response__official_error_messages},
    {"long description keeps the request", test_response__long_description_keeps_the_request},
    {"find and find_one", test_response__find_and_find_one},
    {"take_json and json getters", test_response__take_json_and_json_getters},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_response, tests, suite_init, suite_cleanup)
