/*
 * test_bundled_defaults.c: the whole public API out of the box. With no
 * spec named anywhere, civis-spec, the in-process mock, civis-mock and a
 * client of civis-mock all see the bundled extract of the full spec: the
 * methods a user meets first (jobs.list, users.list, scripts.list,
 * exports.post_files_csv) are there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civis.h"
#include "civis/mock.h"
#include "mockproc.h"
#include "test.h"

#define EXPORT_BODY                                                                                \
    "{\"source\": {\"sql\": \"select 1\", \"remoteHostId\": 32, \"credentialId\": 713}, "          \
    "\"destination\": {\"filenamePrefix\": \"out\"}}"

static void test_bundled__civis_spec_lists_every_method(void)
{
    const char *bin = getenv("CIVIS_SPEC_BIN");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
    char cmd[1200];
    /* no flag and no CIVIS_API_SPEC: the bundled spec */
    snprintf(cmd, sizeof(cmd), "env -u CIVIS_API_SPEC '%s'", bin);
    FILE *p = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    char line[512];
    int n = 0, seen = 0;
    while (fgets(line, sizeof(line), p) != NULL) {
        n++;
        seen += strncmp(line, "jobs list GET /jobs/ [paginated]\n", 33) == 0;
        seen += strncmp(line, "users list GET /users/ [paginated]\n", 35) == 0;
        seen += strncmp(line, "scripts list GET /scripts/ [paginated]\n", 39) == 0;
        seen += strncmp(line, "exports post_files_csv POST /exports/files/csv\n", 47) == 0;
    }
    CU_ASSERT_EQUAL(pclose(p), 0);
    CU_ASSERT_EQUAL(n, 909);
    CU_ASSERT_EQUAL(seen, 4);
}

static void test_bundled__in_process_mock_serves_the_whole_api(void)
{
    unsetenv("CIVIS_API_SPEC");
    civis_mock *mock = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_new(&mock, NULL, &err), err);
    civis_client *c = civis_mock_client(mock);
    static const char *const lists[][2] = {
        {"jobs", "list"}, {"users", "list"}, {"scripts", "list"}};
    for (size_t i = 0; i < 3; i++) {
        civis_response *r = NULL;
        ASSERT_CIVIS_OK(civis_callv(&r, c, lists[i][0], lists[i][1], &err, CIVIS_END), err);
        CU_ASSERT_EQUAL(civis_response_status(r), 200);
        civis_response_free(r);
    }
    civis_response *r = NULL;
    ASSERT_CIVIS_OK(
        civis_callv(&r, c, "exports", "post_files_csv", &err, "source",
                    CIVIS_OBJ("sql", CIVIS_STR("select 1"), "remote_host_id", CIVIS_INT(32),
                              "credential_id", CIVIS_INT(713), CIVIS_END),
                    "destination", CIVIS_OBJ("filename_prefix", CIVIS_STR("out"), CIVIS_END),
                    CIVIS_END),
        err);
    CU_ASSERT(civis_response_status(r) >= 200 && civis_response_status(r) < 300);
    civis_response_free(r);
    /* and the arguments are checked against the full spec */
    CU_ASSERT_EQUAL(civis_callv(&r, c, "exports", "post_files_csv", &err, "sourse",
                                CIVIS_OBJ("sql", CIVIS_STR("select 1"), CIVIS_END), CIVIS_END),
                    CIVIS_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "did you mean 'source'?"));
    civis_mock_free(mock);
}

static void test_bundled__civis_mock_serves_the_whole_api(void)
{
    civis_mockproc mp;
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&mp, NULL), 0);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/jobs", "k", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/users", "k", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/scripts", "k", NULL), 200);
    long st = civis_mockproc_json(NULL, &mp, "POST", "/exports/files/csv", "k", EXPORT_BODY);
    CU_ASSERT(st >= 200 && st < 300);

    /* GET /endpoints carries the spec's validator; a copy that is current
     * gets 304 and no body */
    civis_http_reply r0;
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_call(&r0, &mp, "GET", "/endpoints", "k", NULL), 0);
    CU_ASSERT_EQUAL(r0.status, 200);
    const char *etag = civis_http_reply_header(&r0, "ETag");
    CU_ASSERT(etag != NULL && strcmp(etag, civis_spec_bundled_etag()) == 0);
    civis_spec *s = NULL;
    civis_error e = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_load_buffer(&s, r0.body, r0.body_len, &e), e);
    char computed[32];
    civis_spec_etag(computed, sizeof(computed), s); /* hashed from the bytes */
    CU_ASSERT_STRING_EQUAL(computed, civis_spec_bundled_etag());
    civis_spec_free(s);
    civis_http_reply_clear(&r0);
    char inm[96];
    snprintf(inm, sizeof(inm), "If-None-Match: %s", civis_spec_bundled_etag());
    const char *const hdrs[] = {"Authorization: Bearer k", inm, NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_request(&r0, &mp, "GET", "/endpoints", hdrs, NULL, 0), 0);
    CU_ASSERT_EQUAL(r0.status, 304);
    CU_ASSERT_EQUAL(r0.body_len, 0);
    civis_http_reply_clear(&r0);

    /* a client that bootstraps from GET /endpoints gets the same spec */
    civis_client_options o = {.api_key = "k", .base_url = mp.base_url, .no_spec_cache = true};
    civis_client *c = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    CU_ASSERT_EQUAL(civis_spec_method_count(civis_client_spec(c)), 909);
    civis_response *r = NULL;
    CU_ASSERT_EQUAL(civis_callv(&r, c, "jobs", "list", &err, CIVIS_END), CIVIS_OK);
    civis_response_free(r);
    civis_client_free(c);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
}

static CU_TestInfo tests[] = {
    {"civis-spec lists every method", test_bundled__civis_spec_lists_every_method},
    {"in-process mock serves the whole API", test_bundled__in_process_mock_serves_the_whole_api},
    {"civis-mock serves the whole API", test_bundled__civis_mock_serves_the_whole_api},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(bundled_defaults, tests, NULL, NULL)
