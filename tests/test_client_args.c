/*
 * test_client_args.c: building arguments and checking them before any
 * traffic (the transport fails the test if it is called), and what a valid
 * call puts on the wire: verb, path, query, body bytes and headers, as the
 * official client sends them.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

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

/* Runs a call that must fail before the transport is reached. */
static void expect_einval(const char *resource, const char *method, const cJSON *args,
                          const char *param, const char *message)
{
    fake_clear(&ft);
    ft.forbid = true;
    civis_response *resp = (civis_response *)&ft; /* must be reset to NULL */
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_call(&resp, client, resource, method, args, &err), CIVIS_EINVAL);
    CU_ASSERT_PTR_NULL(resp);
    CU_ASSERT_EQUAL(err.code, CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, param);
    CU_ASSERT_STRING_EQUAL(err.message, message);
    if (strcmp(err.message, message) != 0)
        fprintf(stderr, "\n  got: %s\n", err.message);
    CU_ASSERT_EQUAL(ft.n_requests, 0);
    ft.forbid = false;
}

static void test_args__unknown_resource_and_method_suggest(void)
{
    expect_einval("scirpts", "get_sql", NULL, "resource",
                  "no resource 'scirpts' (did you mean 'scripts'?)");
    expect_einval("scripts", "get_sql_run", NULL, "method",
                  "no method 'get_sql_run' on resource 'scripts' (did you mean 'get_sql_runs'?)");
}

static void test_args__unknown_argument_suggests(void)
{
    cJSON *a = civis_args("required_resources", CIVIS_OBJ("cpu", CIVIS_INT(1), CIVIS_END),
                          "docker_comand", CIVIS_STR("echo"), CIVIS_END);
    expect_einval("scripts", "post_containers", a, "docker_comand",
                  "unknown argument 'docker_comand' for scripts.post_containers "
                  "(did you mean 'docker_command'?)");
    cJSON_Delete(a);
}

static void test_args__missing_required_and_wrong_type(void)
{
    cJSON *a = civis_args("name", CIVIS_STR("x"), CIVIS_END);
    expect_einval("scripts", "post_containers", a, "required_resources",
                  "missing required argument 'required_resources' for scripts.post_containers");
    cJSON_Delete(a);
    a = civis_args("id", CIVIS_STR("7"), "run_id", CIVIS_INT(8), CIVIS_END);
    expect_einval("scripts", "get_sql_runs", a, "id",
                  "argument 'id' of scripts.get_sql_runs must be integer, got string");
    cJSON_Delete(a);
    expect_einval("scripts", "get_sql_runs", NULL, "id",
                  "missing required argument 'id' for scripts.get_sql_runs");
}

static void test_args__callv_checks_before_traffic(void)
{
    fake_clear(&ft);
    ft.forbid = true;
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_callv(&resp, client, "scripts", "get_sql_runs", &err, "id", CIVIS_INT(7),
                                "runid", CIVIS_INT(8), CIVIS_END),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "runid");
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "did you mean 'run_id'?"));
    CU_ASSERT_PTR_NULL(resp);
    ft.forbid = false;
}

static void test_args__builder_types(void)
{
    long long ids[] = {3, 4};
    const char *names[] = {"a", "b\"c"};
    cJSON *a =
        civis_args("s", CIVIS_STR("x"), "i", CIVIS_INT(-5), "d", CIVIS_NUM(1.5), "t", CIVIS_BOOL(1),
                   "f", CIVIS_BOOL(0), "n", CIVIS_NULL, "ids", CIVIS_INT_ARRAY(ids, 2), "names",
                   CIVIS_STR_ARRAY(names, 2), "o", CIVIS_OBJ("k", CIVIS_INT(1), CIVIS_END), "j",
                   CIVIS_JSON(cJSON_CreateString("taken")), "s", CIVIS_STR("last"), CIVIS_END);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    char *text = cJSON_PrintUnformatted(a);
    CU_ASSERT_STRING_EQUAL(text, "{\"i\":-5,\"d\":1.5,\"t\":true,\"f\":false,\"n\":null,"
                                 "\"ids\":[3,4],\"names\":[\"a\",\"b\\\"c\"],\"o\":{\"k\":1},"
                                 "\"j\":\"taken\",\"s\":\"last\"}");
    cJSON_free(text);
    cJSON_Delete(a);
    cJSON *empty = civis_args(CIVIS_END);
    CU_ASSERT(cJSON_IsObject(empty) && empty->child == NULL);
    cJSON_Delete(empty);
}

static void test_args__builder_failures_free_taken_values(void)
{
    /* A NULL cJSON fails the whole builder; the other taken value is freed
     * (valgrind and ASan check that). */
    cJSON *a = civis_args("a", CIVIS_JSON(cJSON_CreateString("freed")), "b", CIVIS_JSON(NULL), "c",
                          CIVIS_JSON(cJSON_CreateArray()), CIVIS_END);
    CU_ASSERT_PTR_NULL(a);
    /* Integers JSON cannot hold exactly are refused, with the name. */
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_callv(&resp, client, "users", "get_me", &err, "x",
                                CIVIS_INT(9007199254740993LL), CIVIS_END),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "x");
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "2^53"));
    /* civis_call_take with the NULL of a failed builder says so. */
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_call_take(&resp, client, "users", "get_me", NULL, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "args");
}

static const fake_request *only_request(void)
{
    CU_ASSERT_EQUAL_FATAL(ft.n_requests, 1);
    return &ft.requests[0];
}

static void test_args__get_sends_empty_object_and_python_query(void)
{
    fake_clear(&ft);
    fake_push(&ft, 200, "Content-Type: application/json\n", "[{\"id\": 5}]");
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_callv(&resp, client, "credentials", "list", &err, "default",
                                CIVIS_BOOL(1), "type", CIVIS_STR("Database"), CIVIS_END),
                    err);
    const fake_request *r = only_request();
    CU_ASSERT_STRING_EQUAL(r->method, "GET");
    CU_ASSERT_STRING_EQUAL(r->path, "/credentials");
    CU_ASSERT_STRING_EQUAL(r->query, "type=Database&default=True");
    CU_ASSERT_STRING_EQUAL(r->url, "http://civis.test/credentials?type=Database&default=True");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r->body);
    CU_ASSERT_STRING_EQUAL(r->body, "{}");
    char buf[256];
    CU_ASSERT_STRING_EQUAL(fake_header(&ft, 0, "Content-Type", buf, sizeof(buf)),
                           "application/json");
    /* "test-key:" in base64 */
    CU_ASSERT_STRING_EQUAL(fake_header(&ft, 0, "Authorization", buf, sizeof(buf)),
                           "Basic dGVzdC1rZXk6");
    char ua[128];
    snprintf(ua, sizeof(ua), "civis-c (civis-c %s; libcurl %s)", CIVIS_VERSION,
             curl_version_info(CURLVERSION_NOW)->version);
    CU_ASSERT_STRING_EQUAL(fake_header(&ft, 0, "User-Agent", buf, sizeof(buf)), ua);
    CU_ASSERT_PTR_NULL(fake_header(&ft, 0, "X-Civis-Job-ID", buf, sizeof(buf)));
    CU_ASSERT_STRING_EQUAL(r->op->path, "/credentials/");
    civis_response_free(resp);
}

static void test_args__array_query_and_path(void)
{
    fake_clear(&ft);
    fake_push(&ft, 200, NULL, "[]");
    long long tags[] = {3, 4};
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_callv(&resp, client, "tables", "list", &err, "table_tag_ids",
                                CIVIS_INT_ARRAY(tags, 2), "name", CIVIS_STR("a b/c"), CIVIS_END),
                    err);
    CU_ASSERT_STRING_EQUAL(only_request()->query,
                           "name=a+b%2Fc&table_tag_ids%5B%5D=3&table_tag_ids%5B%5D=4");
    civis_response_free(resp);
    fake_clear(&ft);
    fake_push(&ft, 200, NULL, "{}");
    ASSERT_CIVIS_OK(civis_callv(&resp, client, "scripts", "get_sql_runs", &err, "id", CIVIS_INT(7),
                                "run_id", CIVIS_INT(8), CIVIS_END),
                    err);
    CU_ASSERT_STRING_EQUAL(only_request()->path, "/scripts/sql/7/runs/8");
    CU_ASSERT_STRING_EQUAL(only_request()->query, "");
    CU_ASSERT_STRING_EQUAL(only_request()->body, "{}");
    civis_response_free(resp);
}

static void test_args__post_body_bytes_like_python(void)
{
    fake_clear(&ft);
    fake_push(&ft, 201, NULL, "{\"id\": 1}");
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(
        civis_callv(&resp, client, "scripts", "post_containers", &err, "name",
                    CIVIS_STR("caf\xc3\xa9 \xf0\x9f\x98\x80\t"), "required_resources",
                    CIVIS_OBJ("cpu", CIVIS_INT(1000), "memory", CIVIS_NUM(0.5), CIVIS_END),
                    "docker_image_name", CIVIS_STR("python"), "hidden", CIVIS_BOOL(0), "arguments",
                    CIVIS_OBJ("FOO_BAR", CIVIS_NULL, CIVIS_END), CIVIS_END),
        err);
    const fake_request *r = only_request();
    CU_ASSERT_STRING_EQUAL(r->method, "POST");
    CU_ASSERT_STRING_EQUAL(r->path, "/scripts/containers");
    CU_ASSERT_STRING_EQUAL(r->body,
                           "{\"name\": \"caf\\u00e9 \\ud83d\\ude00\\t\", \"required_resources\": "
                           "{\"cpu\": 1000, \"memory\": 0.5}, \"docker_image_name\": \"python\", "
                           "\"hidden\": false, \"arguments\": {\"FOO_BAR\": null}}");
    CU_ASSERT_EQUAL(r->body_len, strlen(r->body));
    civis_response_free(resp);
}

static void test_args__camel_case_key_option(void)
{
    fake_transport ft2;
    fake_init(&ft2);
    fake_push(&ft2, 201, NULL, "{}");
    civis_client_options o = {.camel_case_keys = true, .user_agent = "myapp/2"};
    civis_client *c = fake_client(&ft2, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_callv(&resp, c, "scripts", "post_containers", &err, "required_resources",
                                CIVIS_OBJ(CIVIS_END), "docker_image_name", CIVIS_STR("python"),
                                CIVIS_END),
                    err);
    CU_ASSERT_STRING_EQUAL(ft2.requests[0].body,
                           "{\"requiredResources\": {}, \"dockerImageName\": \"python\"}");
    char buf[128];
    CU_ASSERT_EQUAL(
        strncmp(fake_header(&ft2, 0, "User-Agent", buf, sizeof(buf)), "myapp/2 (civis-c ", 17), 0);
    civis_response_free(resp);
    civis_client_free(c);
    fake_clear(&ft2);
    pthread_mutex_destroy(&ft2.lock);
}

static void test_args__job_headers_from_environment(void)
{
    setenv("CIVIS_JOB_ID", "123", 1);
    setenv("CIVIS_RUN_ID", "456", 1);
    fake_transport ft2;
    fake_init(&ft2);
    fake_push(&ft2, 200, NULL, "{}");
    civis_client *c = fake_client(&ft2, NULL);
    unsetenv("CIVIS_JOB_ID");
    unsetenv("CIVIS_RUN_ID");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_call(&resp, c, "users", "get_me", NULL, &err), err);
    char buf[64];
    CU_ASSERT_STRING_EQUAL(fake_header(&ft2, 0, "X-Civis-Job-ID", buf, sizeof(buf)), "123");
    CU_ASSERT_STRING_EQUAL(fake_header(&ft2, 0, "X-Civis-Run-ID", buf, sizeof(buf)), "456");
    civis_response_free(resp);
    civis_client_free(c);
    fake_clear(&ft2);
    pthread_mutex_destroy(&ft2.lock);
}

static void test_args__client_options_checked(void)
{
    civis_client *c = (civis_client *)&ft;
    civis_error err = CIVIS_ERROR_INIT;
    const char *saved = getenv("CIVIS_API_KEY");
    char *copy = saved ? strdup(saved) : NULL;
    unsetenv("CIVIS_API_KEY");
    civis_client_options o = {.bundled_spec = true};
    CU_ASSERT_EQUAL(civis_client_new(&c, &o, &err), CIVIS_EAUTH);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "no Civis API key: set CIVIS_API_KEY or civis_client_options.api_key");
    if (copy != NULL) {
        setenv("CIVIS_API_KEY", copy, 1);
        free(copy);
    }
    civis_error_clear(&err);
    o = (civis_client_options){.api_key = "k", .base_url = "ftp://x", .bundled_spec = true};
    CU_ASSERT_EQUAL(civis_client_new(&c, &o, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "base_url");
    civis_error_clear(&err);
    o = (civis_client_options){.api_key = "k", .base_url = "http://h:1/v1", .bundled_spec = true};
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    CU_ASSERT_STRING_EQUAL(civis_client_base_url(c), "http://h:1/v1/");
    CU_ASSERT_STRING_EQUAL(civis_client_spec_source(c), "bundled");
    civis_client_free(c);
    setenv("CIVIS_API_ENDPOINT", "http://from-env.test", 1);
    o = (civis_client_options){.api_key = "k", .bundled_spec = true};
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    CU_ASSERT_STRING_EQUAL(civis_client_base_url(c), "http://from-env.test/");
    civis_client_free(c);
    unsetenv("CIVIS_API_ENDPOINT");
    civis_client_free(NULL);
}

typedef struct log_lines {
    int n;
    civis_log_level levels[8];
    char lines[8][256];
} log_lines;

static void on_log(void *data, civis_log_level level, const char *line)
{
    log_lines *l = data;
    if (l->n < 8) {
        l->levels[l->n] = level;
        snprintf(l->lines[l->n], sizeof(l->lines[0]), "%s", line);
    }
    l->n++;
}

static void test_args__log_hook_warns_of_deprecated_names(void)
{
    fake_transport ft2;
    fake_init(&ft2);
    fake_push(&ft2, 200, NULL, "{}");
    log_lines l = {0};
    civis_client_options o = {.log = on_log, .hook_data = &l};
    civis_client *c = fake_client(&ft2, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_call(&resp, c, "users", "list_me", NULL, &err), err);
    CU_ASSERT_STRING_EQUAL(ft2.requests[0].path, "/users/me"); /* the alias reaches get_me */
    CU_ASSERT_EQUAL_FATAL(l.n, 2);
    CU_ASSERT_EQUAL(l.levels[0], CIVIS_LOG_WARN);
    CU_ASSERT_STRING_EQUAL(l.lines[0], "users.list_me is deprecated; use users.get_me");
    CU_ASSERT_EQUAL(l.levels[1], CIVIS_LOG_DEBUG);
    CU_ASSERT_EQUAL(strncmp(l.lines[1], "GET /users/me -> 200 (", 22), 0);
    CU_ASSERT_PTR_NULL(strstr(l.lines[1], "test-key")); /* never the key */
    civis_response_free(resp);
    civis_client_free(c);
    fake_clear(&ft2);
    pthread_mutex_destroy(&ft2.lock);
}

static CU_TestInfo tests[] = {
    {"unknown resource and method suggest", test_args__unknown_resource_and_method_suggest},
    {"unknown argument suggests", test_args__unknown_argument_suggests},
    {"missing required and wrong type", test_args__missing_required_and_wrong_type},
    {"callv checks before traffic", test_args__callv_checks_before_traffic},
    {"builder types", test_args__builder_types},
    {"builder failures free taken values", test_args__builder_failures_free_taken_values},
    {"GET sends {} and Python query", test_args__get_sends_empty_object_and_python_query},
    {"array query and path", test_args__array_query_and_path},
    {"POST body bytes like Python", test_args__post_body_bytes_like_python},
    {"camel case key option", test_args__camel_case_key_option},
    {"job headers from environment", test_args__job_headers_from_environment},
    {"client options checked", test_args__client_options_checked},
    {"log hook warns of deprecated names", test_args__log_hook_warns_of_deprecated_names},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_args, tests, suite_init, suite_cleanup)
