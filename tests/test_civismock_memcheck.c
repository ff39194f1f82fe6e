/*
 * test_civismock_memcheck.c: one short run of civis-mock under valgrind memcheck
 * that walks every answer path once (auth, route, validation, stub, fault,
 * x-example, synthesized, pagination, journal, 413, 431, dropped, malformed
 * and half-sent requests) and then stops it with SIGTERM: valgrind exits 3 on any error
 * or leak, so the exit status must be 0.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mockproc.h"
#include "test.h"

static void test_memcheck__server_is_clean_under_valgrind(void)
{
    if (access("/usr/bin/valgrind", X_OK) != 0 && access("/usr/local/bin/valgrind", X_OK) != 0) {
        civis_test_skip("memcheck: valgrind is not installed");
        return;
    }
    /* A sanitizer build cannot run under valgrind (make asan sets this). */
    if (getenv("CIVIS_SANITIZED") != NULL) {
        civis_test_skip("memcheck: civis-mock is built with sanitizers");
        return;
    }
    civis_mockproc mp;
    const char *args[] = {"--stateless", "--threads", "2",         "--max-body",
                          "1K",          "--log",     "/dev/null", NULL};
    civis_mockproc_options opts = {.args = args, .valgrind = true};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start_opts(&mp, &opts), 0);

    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/users/me", NULL, NULL), 401);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/users/me", "vg", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/nope", "vg", NULL), 404);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "DELETE", "/users/me", "vg", NULL), 405);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/scripts/containers", "vg",
                                        "{\"nmae\":1,\"docker_comand\":2}"),
                    400);
    CU_ASSERT_EQUAL(
        civis_mockproc_json(NULL, &mp, "GET", "/scripts/sql/1/runs?limit=2&page_num=2", "vg", NULL),
        200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/scripts/sql/5", "vg", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/endpoints", "vg", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/stubs", "vg",
                                        "{\"api_key\":\"vg\",\"request\":{\"method\":\"GET\","
                                        "\"path\":\"/jobs/3\"},\"response\":{\"status\":200,"
                                        "\"body\":{\"id\":3}}}"),
                    201);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/jobs/3", "vg", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/faults", NULL,
                                        "{\"operation\":\"jobs.get\",\"drop\":true,\"count\":1}"),
                    201);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/jobs/4", "vg", NULL), 0);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/faults", NULL,
                                        "{\"operation\":\"*\",\"retry_after\":1,\"count\":1}"),
                    201);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/jobs/4", "vg", NULL), 429);
    char big[2048];
    memset(big, ' ', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    big[0] = '{';
    big[sizeof(big) - 2] = '}';
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/scripts/containers", "vg", big), 413);
    /* half a request, then gone */
    int fd = civis_mockproc_connect(&mp);
    if (fd >= 0) {
        const char *half = "POST /scripts/containers HTTP/1.1\r\nHost: x\r\n"
                           "Content-Length: 100\r\n\r\n{\"na";
        CU_ASSERT(send(fd, half, strlen(half), MSG_NOSIGNAL) > 0);
        close(fd);
    }
    /* a header too big for the connection memory: MHD answers 431 itself */
    size_t hn = 400 * 1024;
    char *huge = malloc(hn + 128);
    CU_ASSERT_PTR_NOT_NULL_FATAL(huge);
    size_t off = (size_t)sprintf(huge, "GET /users/me HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(huge + off, 'a', hn);
    off += hn;
    off += (size_t)sprintf(huge + off, "\r\n\r\n");
    fd = civis_mockproc_connect(&mp);
    if (fd >= 0) {
        for (size_t sent = 0; sent < off;) {
            ssize_t w = send(fd, huge + sent, off - sent, MSG_NOSIGNAL);
            if (w <= 0)
                break;
            sent += (size_t)w;
        }
        char in[64];
        CU_ASSERT(recv(fd, in, sizeof(in), 0) >= 0);
        close(fd);
    }
    free(huge);
    fd = civis_mockproc_connect(&mp);
    if (fd >= 0) {
        const char *junk = "NOT HTTP AT ALL\r\n\r\n";
        CU_ASSERT(send(fd, junk, strlen(junk), MSG_NOSIGNAL) > 0);
        char in[64];
        CU_ASSERT(recv(fd, in, sizeof(in), 0) >= 0);
        close(fd);
    }
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "GET", "/__mock/journal", NULL, NULL), 200);
    CU_ASSERT(cJSON_GetArraySize(j) >= 12);
    cJSON_Delete(j);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/reset", NULL, NULL), 200);

    /* 3 is valgrind's --error-exitcode: an error or a leak */
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
}

static CU_TestInfo tests[] = {
    {"civis-mock under valgrind exits 0", test_memcheck__server_is_clean_under_valgrind},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_memcheck, tests, NULL, NULL)
