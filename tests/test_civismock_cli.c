/*
 * test_civismock_cli.c: the civis-mock command line and process life: --help,
 * bad flags and unreadable files (exit 2 naming the problem), the
 * listening line, the spec chosen by CIVIS_API_SPEC, --log, binding only
 * the given host, and a clean stop on SIGTERM/SIGINT with a request in flight.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mockproc.h"
#include "test.h"

/* --stateless: these tests check the spec-driven answer sources (stubs,
 * fixtures, x-examples, synthesis); the simulation has suites of its own. */
static const char *const stateless[] = {"--stateless", NULL};

static void test_cli__help_documents_every_flag(void)
{
    char *out = NULL;
    const char *args[] = {"--help", NULL};
    CU_ASSERT_EQUAL(civis_mockproc_run(args, NULL, &out, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    static const char *const flags[] = {"--spec",      "--fixtures", "--host",    "--port",
                                        "--port-file", "--seed",     "--threads", "--log",
                                        "--max-body",  "--lenient",  "--help",    NULL};
    for (size_t i = 0; flags[i] != NULL; i++)
        if (strstr(out, flags[i]) == NULL) {
            fprintf(stderr, "\n  --help does not mention %s\n", flags[i]);
            CU_FAIL("flag missing from --help");
        }
    free(out);
}

/* Runs with args, expects exit 2 and every `needles` string on stderr. */
static void expect_exit2(const char *const *args, const char *const *env,
                         const char *const *needles)
{
    /* Should a case wrongly start serving, it must not take port 8080. */
    const char *all[16] = {"--host", "127.0.0.1", "--port", "0"};
    size_t n = 4;
    for (size_t i = 0; args != NULL && args[i] != NULL && n < 15; i++)
        all[n++] = args[i];
    all[n] = NULL;
    char *err = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_run(all, env, NULL, &err), 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    for (size_t i = 0; needles[i] != NULL; i++)
        if (strstr(err, needles[i]) == NULL) {
            fprintf(stderr, "\n  stderr '%s' does not mention '%s'\n", err, needles[i]);
            CU_FAIL("error message does not name the problem");
        }
    free(err);
}

static void test_cli__bad_flags_exit_2_naming_them(void)
{
    const char *a1[] = {"--prot", "0", NULL};
    const char *n1[] = {"--prot", "did you mean '--port'", NULL};
    expect_exit2(a1, NULL, n1);
    const char *a2[] = {"--port", "http", NULL};
    const char *n2[] = {"--port", "http", NULL};
    expect_exit2(a2, NULL, n2);
    const char *a3[] = {"--threads", "0", NULL};
    const char *n3[] = {"--threads", NULL};
    expect_exit2(a3, NULL, n3);
    const char *a4[] = {"--max-body", "lots", NULL};
    const char *n4[] = {"--max-body", "lots", NULL};
    expect_exit2(a4, NULL, n4);
    const char *a5[] = {"--seed", NULL};
    const char *n5[] = {"--seed", "needs a value", NULL};
    expect_exit2(a5, NULL, n5);
    const char *a6[] = {"stray", NULL};
    const char *n6[] = {"stray", NULL};
    expect_exit2(a6, NULL, n6);
}

static void test_cli__unreadable_spec_or_fixtures_exit_2(void)
{
    const char *a1[] = {"--spec", "/nonexistent/spec.json", NULL};
    const char *n1[] = {"/nonexistent/spec.json", NULL};
    expect_exit2(a1, NULL, n1);
    const char *a2[] = {"--fixtures", "/nonexistent/fixtures", NULL};
    const char *n2[] = {"/nonexistent/fixtures", NULL};
    expect_exit2(a2, NULL, n2);
    const char *env[] = {"CIVIS_API_SPEC=/nonexistent/env-spec.json", NULL};
    const char *n3[] = {"/nonexistent/env-spec.json", NULL};
    expect_exit2(NULL, env, n3);

    /* a fixture that does not follow the format */
    char file[] = "/tmp/civis-mock-badfx-XXXXXX";
    int fd = mkstemp(file);
    CU_ASSERT_FATAL(fd >= 0);
    const char *bad = "{\"request\":{\"method\":\"GET\",\"path\":\"/no/such/path\"},"
                      "\"response\":{\"status\":200}}";
    CU_ASSERT(write(fd, bad, strlen(bad)) == (ssize_t)strlen(bad));
    close(fd);
    const char *a4[] = {"--fixtures", file, NULL};
    const char *n4[] = {file, NULL};
    expect_exit2(a4, NULL, n4);
    unlink(file);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf != NULL) {
        *len = fread(buf, 1, (size_t)n, f);
        buf[*len] = '\0';
    }
    fclose(f);
    return buf;
}

static void test_cli__prints_where_it_listens_and_logs(void)
{
    char out[] = "/tmp/civis-mock-stdout-XXXXXX";
    char log[] = "/tmp/civis-mock-log-XXXXXX";
    int fd1 = mkstemp(out), fd2 = mkstemp(log);
    CU_ASSERT_FATAL(fd1 >= 0 && fd2 >= 0);
    close(fd1);
    close(fd2);
    const char *args[] = {"--stateless", "--log", log, NULL};
    civis_mockproc_options opts = {.args = args, .stdout_path = out};
    civis_mockproc mp;
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start_opts(&mp, &opts), 0);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/users/me", "log-key", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);

    size_t len = 0;
    char *text = read_file(out, &len);
    char want[128];
    snprintf(want, sizeof(want), "civis-mock listening on http://127.0.0.1:%d/\n", mp.port);
    CU_ASSERT(text != NULL && strcmp(text, want) == 0);
    free(text);
    text = read_file(log, &len);
    CU_ASSERT(text != NULL && strstr(text, "GET /users/me 200") != NULL);
    /* the log never shows the key */
    CU_ASSERT(text != NULL && strstr(text, "log-key") == NULL);
    free(text);
    unlink(out);
    unlink(log);
}

static const char tiny_spec[] =
    "{\"swagger\":\"2.0\",\"info\":{\"title\":\"tiny\",\"version\":\"1\"},"
    "\"paths\":{\"/things/{id}\":{\"get\":{\"summary\":\"Get a thing\","
    "\"parameters\":[{\"name\":\"id\",\"in\":\"path\",\"required\":true,\"type\":\"integer\"}],"
    "\"responses\":{\"200\":{\"description\":\"ok\",\"schema\":{\"type\":\"object\","
    "\"properties\":{\"id\":{\"type\":\"integer\"},\"label\":{\"type\":\"string\"}}}}}}}}}";

static void test_cli__civis_api_spec_selects_the_spec(void)
{
    char file[] = "/tmp/civis-mock-spec-XXXXXX";
    int fd = mkstemp(file);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT(write(fd, tiny_spec, strlen(tiny_spec)) == (ssize_t)strlen(tiny_spec));
    close(fd);
    char env_entry[128];
    snprintf(env_entry, sizeof(env_entry), "CIVIS_API_SPEC=%s", file);
    const char *env[] = {env_entry, NULL};
    civis_mockproc_options opts = {.args = stateless, .env = env};
    civis_mockproc mp;
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start_opts(&mp, &opts), 0);
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "GET", "/endpoints", "k", NULL);
    CU_ASSERT_STRING_EQUAL(r.body, tiny_spec);
    civis_http_reply_clear(&r);
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "GET", "/things/9", "k", NULL), 200);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    CU_ASSERT(cJSON_IsNumber(id) && id->valueint == 9);
    cJSON_Delete(j);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/users/me", "k", NULL), 404);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
    unlink(file);
}

static void test_cli__binds_only_the_given_host(void)
{
    civis_mockproc mp;
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&mp, stateless), 0);
    /* 127.0.0.2 is another loopback address of this machine */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)mp.port);
    inet_pton(AF_INET, "127.0.0.2", &sa.sin_addr);
    CU_ASSERT_NOT_EQUAL(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd);
    CU_ASSERT(civis_mockproc_healthy(&mp));
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
}

typedef struct slow_call {
    const civis_mockproc *mp;
    long status;
} slow_call;

static void *do_slow_call(void *arg)
{
    slow_call *c = arg;
    c->status = civis_mockproc_json(NULL, c->mp, "GET", "/jobs/1", "slow", NULL);
    return NULL;
}

static void test_cli__sigterm_finishes_in_flight_requests(void)
{
    civis_mockproc mp;
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&mp, stateless), 0);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/faults", NULL,
                                        "{\"operation\":\"jobs.get\",\"delay_ms\":400}"),
                    201);
    slow_call call = {&mp, 0};
    pthread_t t;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, do_slow_call, &call), 0);
    /* wait until the request is inside the server (journaled before the pause) */
    for (int i = 0; i < 200; i++) {
        cJSON *j = NULL;
        civis_mockproc_json(&j, &mp, "GET", "/__mock/journal?api_key=slow", NULL, NULL);
        int n = cJSON_GetArraySize(j);
        cJSON_Delete(j);
        if (n > 0)
            break;
        usleep(5000);
    }
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(call.status, 200);
}

static void test_cli__sigint_stops_cleanly(void)
{
    civis_mockproc mp;
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&mp, stateless), 0);
    kill(mp.pid, SIGINT);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
}

static CU_TestInfo tests[] = {
    {"--help documents every flag", test_cli__help_documents_every_flag},
    {"bad flags exit 2", test_cli__bad_flags_exit_2_naming_them},
    {"unreadable spec or fixtures exit 2", test_cli__unreadable_spec_or_fixtures_exit_2},
    {"listening line and --log", test_cli__prints_where_it_listens_and_logs},
    {"CIVIS_API_SPEC", test_cli__civis_api_spec_selects_the_spec},
    {"binds only --host", test_cli__binds_only_the_given_host},
    {"SIGTERM finishes in-flight requests", test_cli__sigterm_finishes_in_flight_requests},
    {"SIGINT", test_cli__sigint_stops_cleanly},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_cli, tests, NULL, NULL)
