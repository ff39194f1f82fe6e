/*
 * test_client_call.c: libcivis against the real civis-mock over loopback.
 * The spec comes from GET /endpoints, then from the disk cache; what the
 * client puts on the wire is read back from the server's journal and
 * compared with what the official client sends; the official error
 * messages for 401 and 404; a dropped connection and a refused one;
 * keep-alive connection reuse; and the examples, run as programs.
 */
#include <arpa/inet.h>
#include <glob.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "test_client_support.h"

static civis_mockproc mp;
static bool mock_up;
static char cache_home[64];

static int suite_init(void)
{
    static const char *const args[] = {"--stateless", NULL};
    mock_up = civis_mockproc_start(&mp, args) == 0;
    snprintf(cache_home, sizeof(cache_home), "/tmp/civis-cache-XXXXXX");
    if (mkdtemp(cache_home) == NULL)
        return 1;
    return 0;
}

static void remove_tree(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static int suite_cleanup(void)
{
    remove_tree(cache_home);
    return mock_up && civis_mockproc_stop(&mp) != 0 ? 1 : 0;
}

/* The journal entries of one key (and operation, may be NULL). */
static cJSON *entries(const char *key, const char *operation)
{
    char q[256];
    snprintf(q, sizeof(q), "api_key=%s%s%s", key, operation ? "&operation=" : "",
             operation ? operation : "");
    return mock_calls(&mp, q);
}

/* The same with the spec downloads. */
static cJSON *all_entries(const char *key, const char *operation)
{
    char q[256];
    snprintf(q, sizeof(q), "api_key=%s%s%s", key, operation ? "&operation=" : "",
             operation ? operation : "");
    return mock_journal(&mp, q);
}

static const char *field(const cJSON *e, const char *name)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, name));
    return s ? s : "";
}

/* How many GET /endpoints the key has sent. */
static int spec_requests(const char *key)
{
    cJSON *j = all_entries(key, NULL), *e = NULL;
    int n = 0;
    cJSON_ArrayForEach(e, j) n += strcmp(field(e, "path"), "/endpoints") == 0;
    cJSON_Delete(j);
    return n;
}

/* The journaled body printed compactly ("" when there was none). */
static char *body_text(const cJSON *e)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(e, "body");
    if (b == NULL || cJSON_IsNull(b))
        return strdup("");
    return cJSON_PrintUnformatted(b);
}

static void test_call__spec_from_endpoints_then_disk_cache(void)
{
    CU_ASSERT_FATAL(mock_up);
    char xdg[128];
    snprintf(xdg, sizeof(xdg), "%s/xdg", cache_home);
    setenv("XDG_CACHE_HOME", xdg, 1);
    civis_client_options o = {.api_key = "boot", .base_url = mp.base_url};
    civis_client *c = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    CU_ASSERT_STRING_EQUAL(civis_client_spec_source(c), "download");
    civis_client_free(c);
    /* one file, named by the base URL's hash */
    char dir[160], path[256];
    snprintf(dir, sizeof(dir), "%s/civis-c", xdg);
    struct stat sb;
    CU_ASSERT_EQUAL(stat(dir, &sb), 0);
    CU_ASSERT_EQUAL(sb.st_mode & 0777, 0700);
    cJSON *j = all_entries("boot", NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 1);
    CU_ASSERT_STRING_EQUAL(field(cJSON_GetArrayItem(j, 0), "path"), "/endpoints");
    CU_ASSERT_STRING_EQUAL(field(cJSON_GetArrayItem(j, 0), "method"), "GET");
    cJSON_Delete(j);

    /* the second client revalidates its copy with the server's validator:
     * one conditional GET answered 304 without a body, then the call */
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    CU_ASSERT_STRING_EQUAL(civis_client_spec_source(c), "cache");
    civis_response *r = NULL;
    ASSERT_CIVIS_OK(civis_call(&r, c, "users", "get_me", NULL, &err), err);
    civis_response_free(r);
    civis_client_free(c);
    j = all_entries("boot", NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 3); /* /endpoints, /endpoints (304), /users/me */
    CU_ASSERT_STRING_EQUAL(field(cJSON_GetArrayItem(j, 1), "path"), "/endpoints");
    CU_ASSERT_EQUAL(
        cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 0), "status")),
        200);
    CU_ASSERT_EQUAL(
        cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 1), "status")),
        304);
    CU_ASSERT_STRING_EQUAL(field(cJSON_GetArrayItem(j, 2), "path"), "/users/me");
    cJSON_Delete(j);

    /* force_refresh downloads again */
    o.force_refresh = true;
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    CU_ASSERT_STRING_EQUAL(civis_client_spec_source(c), "download");
    civis_client_free(c);
    o.force_refresh = false;
    char pattern[200];
    snprintf(pattern, sizeof(pattern), "%s/spec-*.json", dir);
    glob_t g;
    CU_ASSERT_EQUAL_FATAL(glob(pattern, 0, NULL, &g), 0);
    CU_ASSERT_EQUAL(g.gl_pathc, 1); /* one file per base URL, no temporary left over */
    snprintf(path, sizeof(path), "%s", g.gl_pathv[0]);
    globfree(&g);
    char etag_path[300];
    snprintf(etag_path, sizeof(etag_path), "%s.etag", path);
    CU_ASSERT_EQUAL(stat(etag_path, &sb), 0); /* the validator beside it */

    /* an old copy that still validates is kept (and counts as new again) */
    struct timeval old[2] = {{time(NULL) - 90000, 0}, {time(NULL) - 90000, 0}};
    CU_ASSERT_EQUAL(utimes(path, old), 0);
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    CU_ASSERT_STRING_EQUAL(civis_client_spec_source(c), "cache");
    civis_client_free(c);
    CU_ASSERT(stat(path, &sb) == 0 && time(NULL) - sb.st_mtime < 60);

    /* without a validator (a server that offers none) the copy's age
     * decides: young, read with no request; a day old, downloaded again */
    CU_ASSERT_EQUAL(unlink(etag_path), 0);
    int before = spec_requests("boot");
    CU_ASSERT(before >= 3);
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    CU_ASSERT_STRING_EQUAL(civis_client_spec_source(c), "cache");
    civis_client_free(c);
    CU_ASSERT_EQUAL(spec_requests("boot"), before);
    CU_ASSERT_EQUAL(utimes(path, old), 0);
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    CU_ASSERT_STRING_EQUAL(civis_client_spec_source(c), "download");
    civis_client_free(c);
    /* a damaged copy (here without a validator, so it is read) is fetched again */
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("{\"swagger\": ", f);
    fclose(f);
    CU_ASSERT_EQUAL(unlink(etag_path), 0);
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    CU_ASSERT_STRING_EQUAL(civis_client_spec_source(c), "download");
    civis_client_free(c);
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    CU_ASSERT_STRING_EQUAL(civis_client_spec_source(c), "cache"); /* rewritten whole */
    civis_client_free(c);
    unsetenv("XDG_CACHE_HOME");
}

/* A server restarted on the same address with a newer spec: a client
 * made before (its spec lacks the operation) refreshes once and calls it; a
 * client made after revalidates its cached copy and gets the new spec. */
static void test_call__cache_follows_a_restarted_server(void)
{
    char xdg[128], subset[1024], port[16];
    snprintf(xdg, sizeof(xdg), "%s/restart", cache_home);
    setenv("XDG_CACHE_HOME", xdg, 1);
    civis_mockproc old;
    const char *old_args[] = {"--spec",
                              civis_test_data(subset, sizeof(subset), "specs/subset.json"), NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&old, old_args), 0);
    civis_client_options o = {.api_key = "restart", .base_url = old.base_url};
    civis_client *before = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_client_new(&before, &o, &err), err);
    CU_ASSERT_STRING_EQUAL(civis_client_spec_source(before), "download");
    const civis_operation *op = NULL;
    CU_ASSERT_EQUAL(civis_spec_find(&op, civis_client_spec(before), "jobs", "list", &err),
                    CIVIS_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "in the spec downloaded from http://127.0.0.1:"));
    civis_error_clear(&err);

    /* the same port, the whole API */
    snprintf(port, sizeof(port), "%d", old.port);
    char base[64];
    snprintf(base, sizeof(base), "%s", old.base_url);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&old), 0);
    civis_mockproc now;
    const char *new_args[] = {"--port", port, NULL};
    if (civis_mockproc_start(&now, new_args) != 0) { /* the port was taken meanwhile */
        civis_client_free(before);
        CU_FAIL_FATAL("civis-mock did not restart on the same port");
    }
    CU_ASSERT_STRING_EQUAL(now.base_url, base);

    /* a new client: its cached copy no longer validates (304 is not sent),
     * so it downloads the new spec */
    civis_client *after = NULL;
    ASSERT_CIVIS_OK(civis_client_new(&after, &o, &err), err);
    CU_ASSERT_EQUAL(
        civis_spec_find(&op, civis_client_spec(after), "exports", "post_files_csv", &err),
        CIVIS_OK);
    CU_ASSERT_STRING_EQUAL(civis_client_spec_source(after), "download");
    civis_response *r = NULL;
    CU_ASSERT_EQUAL(civis_call(&r, after, "jobs", "list", NULL, &err), CIVIS_OK);
    civis_response_free(r);
    civis_client_free(after);
    /* the client made before: one refresh, then the call */
    CU_ASSERT_EQUAL(civis_call(&r, before, "jobs", "list", NULL, &err), CIVIS_OK);
    CU_ASSERT_EQUAL(civis_response_status(r), 200);
    civis_response_free(r);
    CU_ASSERT_STRING_EQUAL(civis_client_spec_source(before), "download");
    /* a name no spec has still fails, after that one refresh, and says so */
    CU_ASSERT_EQUAL(civis_call(&r, before, "jobs", "list_everything", NULL, &err), CIVIS_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "no method 'list_everything' on resource 'jobs'"));
    civis_error_clear(&err);
    civis_client_free(before);

    CU_ASSERT_EQUAL(civis_mockproc_stop(&now), 0);
    unsetenv("XDG_CACHE_HOME");
}

static void test_call__spec_download_refused(void)
{
    CU_ASSERT_FATAL(mock_up);
    /* "bad:key" sends a password, which civis-mock answers with 401 */
    civis_client_options o = {.api_key = "bad:key", .base_url = mp.base_url, .no_spec_cache = true};
    civis_client *c = (civis_client *)&mp;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_client_new(&c, &o, &err), CIVIS_EAUTH);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_EQUAL(err.http_status, 401);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "(401) error downloading API specification. API key may be expired.");
}

static void test_call__wire_matches_the_official_client(void)
{
    CU_ASSERT_FATAL(mock_up);
    civis_client *c = mock_client(&mp, "wire", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    long long tags[] = {3, 4};
    ASSERT_CIVIS_OK(civis_call(&r, c, "users", "get_me", NULL, &err), err);
    civis_response_free(r);
    ASSERT_CIVIS_OK(civis_callv(&r, c, "credentials", "list", &err, "type", CIVIS_STR("Database"),
                                "default", CIVIS_BOOL(1), CIVIS_END),
                    err);
    civis_response_free(r);
    ASSERT_CIVIS_OK(civis_callv(&r, c, "tables", "list", &err, "table_tag_ids",
                                CIVIS_INT_ARRAY(tags, 2), "schema", CIVIS_STR("s p"), CIVIS_END),
                    err);
    civis_response_free(r);
    ASSERT_CIVIS_OK(civis_callv(&r, c, "scripts", "get_sql_runs", &err, "id", CIVIS_INT(7),
                                "run_id", CIVIS_INT(8), CIVIS_END),
                    err);
    civis_response_free(r);
    ASSERT_CIVIS_OK(
        civis_callv(&r, c, "scripts", "post_containers", &err, "name", CIVIS_STR("x"),
                    "required_resources",
                    CIVIS_OBJ("cpu", CIVIS_INT(256), "memory", CIVIS_INT(512), CIVIS_END),
                    "docker_image_name", CIVIS_STR("python"), "docker_command",
                    CIVIS_STR("echo \"hi\""), CIVIS_END),
        err);
    civis_response_free(r);
    static const struct {
        const char *method, *path, *query, *body;
    } want[] = {
        {"GET", "/users/me", "", "{}"},
        {"GET", "/credentials", "type=Database&default=True", "{}"},
        {"GET", "/tables", "schema=s+p&table_tag_ids%5B%5D=3&table_tag_ids%5B%5D=4", "{}"},
        {"GET", "/scripts/sql/7/runs/8", "", "{}"},
        {"POST", "/scripts/containers", "",
         "{\"name\":\"x\",\"required_resources\":{\"cpu\":256,\"memory\":512},"
         "\"docker_image_name\":\"python\",\"docker_command\":\"echo \\\"hi\\\"\"}"},
    };
    cJSON *j = entries("wire", NULL);
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(j), 5);
    for (int i = 0; i < 5; i++) {
        const cJSON *e = cJSON_GetArrayItem(j, i);
        CU_ASSERT_STRING_EQUAL(field(e, "method"), want[i].method);
        CU_ASSERT_STRING_EQUAL(field(e, "path"), want[i].path);
        CU_ASSERT_STRING_EQUAL(field(e, "query"), want[i].query);
        char *b = body_text(e);
        CU_ASSERT_STRING_EQUAL(b, want[i].body);
        free(b);
        CU_ASSERT_EQUAL(cJSON_GetObjectItem(e, "status")->valueint / 100, 2);
    }
    cJSON_Delete(j);
    civis_client_free(c);
}

static void test_call__401_and_404_messages(void)
{
    CU_ASSERT_FATAL(mock_up);
    civis_client_options o = {.api_key = "bad:key",
                              .base_url = mp.base_url,
                              .bundled_spec = true,
                              .retry = {.zero_wait = true}};
    civis_client *c = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    civis_response *r = NULL;
    CU_ASSERT_EQUAL(civis_call(&r, c, "users", "get_me", NULL, &err), CIVIS_EAUTH);
    CU_ASSERT_EQUAL(err.http_status, 401);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "(401) Basic credentials carry a password; the API key goes in the "
                           "user name and the password must be empty. (GET /users/me); "
                           "WWW-Authenticate: Basic realm=\"Civis\"");
    civis_client_free(c);

    CU_ASSERT_EQUAL(mock_admin(&mp, "/__mock/stubs",
                               "{\"api_key\": \"nf\", \"request\": {\"method\": \"GET\", \"path\": "
                               "\"/scripts/sql/7\"}, \"response\": {\"status\": 404, \"body\": "
                               "{\"error\": \"not_found\", \"errorDescription\": \"The requested "
                               "resource could not be found.\", \"code\": 404}}}"),
                    201);
    c = mock_client(&mp, "nf", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_callv(&r, c, "scripts", "get_sql", &err, "id", CIVIS_INT(7), CIVIS_END),
                    CIVIS_ENOTFOUND);
    CU_ASSERT_EQUAL(err.http_status, 404);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "(404) The requested resource could not be found. (GET /scripts/sql/7)");
    civis_client_free(c);
}

static void test_call__dropped_and_refused_connections(void)
{
    CU_ASSERT_FATAL(mock_up);
    CU_ASSERT_EQUAL(
        mock_admin(&mp, "/__mock/faults",
                   "{\"operation\": \"users.get_me\", \"drop\": true, \"api_key\": \"drop\"}"),
        201);
    civis_client *c = mock_client(&mp, "drop", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_call(&r, c, "users", "get_me", NULL, &err), CIVIS_ETRANSPORT);
    CU_ASSERT_EQUAL(err.http_status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "GET /users/me: "));
    CU_ASSERT_PTR_NULL(r);
    civis_client_free(c);

    /* a port nobody listens on: refused before any byte left */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof(a);
    CU_ASSERT_FATAL(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
                    getsockname(s, (struct sockaddr *)&a, &alen) == 0);
    close(s);
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", ntohs(a.sin_port));
    civis_client_options o = {.api_key = "k",
                              .base_url = url,
                              .bundled_spec = true,
                              .retry = {.zero_wait = true, .max_attempts = 3}};
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    CU_ASSERT_EQUAL(civis_call(&r, c, "users", "get_me", NULL, &err), CIVIS_ETRANSPORT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "(after 3 attempts)"));
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(
        civis_callv(&r, c, "scripts", "post_cancel", &err, "id", CIVIS_INT(1), CIVIS_END),
        CIVIS_ETRANSPORT);
    CU_ASSERT_PTR_NULL(strstr(err.message, "attempts")); /* POST: not retried */
    civis_client_free(c);
}

/* Client-side TCP sockets to the server's port in /proc/net/tcp (any state). */
static int sockets_to_port(int port)
{
    FILE *f = fopen("/proc/net/tcp", "r");
    if (f == NULL)
        return -1;
    char line[512];
    int n = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned lport = 0, rport = 0;
        if (sscanf(line, " %*d: %*8x:%4x %*8x:%4x", &lport, &rport) == 2 && (int)rport == port)
            n++;
    }
    fclose(f);
    return n;
}

static void test_call__connections_are_kept_alive(void)
{
    CU_ASSERT_FATAL(mock_up);
    if (sockets_to_port(mp.port) < 0) {
        civis_test_skip("no /proc/net/tcp");
        return;
    }
    civis_client *c = mock_client(&mp, "alive", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    int before = sockets_to_port(mp.port);
    for (int i = 0; i < 60; i++) {
        civis_response *r = NULL;
        civis_error err = CIVIS_ERROR_INIT;
        ASSERT_CIVIS_OK(civis_call(&r, c, "users", "get_me", NULL, &err), err);
        civis_response_free(r);
    }
    /* without reuse 60 calls leave ~60 sockets behind (TIME_WAIT); the
     * kept-alive one is seen, which shows the count works */
    int after = sockets_to_port(mp.port);
    CU_ASSERT(after - before <= 3);
    CU_ASSERT(after >= 1);
    civis_client_free(c);
}

/* Runs an example program against civis-mock; returns its exit status. */
static int run_example(const char *name, const char *arg, char *out, size_t outlen)
{
    const char *dir = getenv("CIVIS_EXAMPLES_DIR");
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "CIVIS_API_ENDPOINT='%s' CIVIS_API_KEY=example XDG_CACHE_HOME='%s/ex' "
             "CIVIS_POLL_MS=5 '%s/%s' %s 2>&1",
             mp.base_url, cache_home, dir ? dir : "build/examples", name, arg ? arg : "");
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    size_t n = fread(out, 1, outlen - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_call__examples_run_against_the_mock(void)
{
    CU_ASSERT_FATAL(mock_up);
    CU_ASSERT_EQUAL(
        mock_admin(&mp, "/__mock/stubs",
                   "{\"api_key\": \"example\", \"request\": {\"method\": \"GET\", \"path\": "
                   "\"/databases\"}, \"response\": {\"status\": 200, \"body\": "
                   "[{\"id\": 31, \"name\": \"redshift-general\"}]}}"),
        201);
    CU_ASSERT_EQUAL(
        mock_admin(&mp, "/__mock/stubs",
                   "{\"api_key\": \"example\", \"request\": {\"method\": \"GET\", \"path\": "
                   "\"/users/me\"}, \"response\": {\"status\": 200, \"body\": "
                   "{\"id\": 12, \"username\": \"ada\"}}}"),
        201);
    char out[2048];
    CU_ASSERT_EQUAL(run_example("current_user", NULL, out, sizeof(out)), 0);
    CU_ASSERT_STRING_EQUAL(out, "user 12: ada\n");
    CU_ASSERT_EQUAL(run_example("database_lookup", NULL, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "database redshift-general: id 31\n"));
    CU_ASSERT_EQUAL(run_example("database_lookup", "nope", out, sizeof(out)), 1);
    CU_ASSERT_STRING_EQUAL(out, "civis: Database nope not found.\n");
    int st = run_example("container_run", NULL, out, sizeof(out));
    CU_ASSERT(st == 0 || st == 2); /* the run reached a final state */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, " started\n"));
    if (st != 0 && st != 2)
        fprintf(stderr, "\n  container_run: %s\n", out);
}

static CU_TestInfo tests[] = {
    {"spec from /endpoints then disk cache", test_call__spec_from_endpoints_then_disk_cache},
    {"cache follows a restarted server", test_call__cache_follows_a_restarted_server},
    {"spec download refused", test_call__spec_download_refused},
    {"wire matches the official client", test_call__wire_matches_the_official_client},
    {"401 and 404 messages", test_call__401_and_404_messages},
    {"dropped and refused connections", test_call__dropped_and_refused_connections},
    {"connections are kept alive", test_call__connections_are_kept_alive},
    {"examples run against the mock", test_call__examples_run_against_the_mock},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_call, tests, suite_init, suite_cleanup)
