/*
 * test_civismock_robust.c: civis-mock against hostile or broken clients. After
 * each case the server must still answer its health check.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "mockproc.h"
#include "test.h"

#define MAX_BODY 65536

static civis_mockproc mp;

static int suite_init(void)
{
    const char *args[] = {"--stateless", "--max-body", "64K", NULL};
    return civis_mockproc_start(&mp, args) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    return civis_mockproc_stop(&mp) == 0 ? 0 : 1;
}

static void assert_healthy(void)
{
    CU_ASSERT(civis_mockproc_healthy(&mp));
}

/* Sends raw bytes and reads what comes back (at most cap-1 bytes, NUL
 * added). Returns the bytes read, or -1 when the connection failed. */
static ssize_t raw_exchange(const char *out, size_t n, char *in, size_t cap, bool close_early)
{
    int fd = civis_mockproc_connect(&mp);
    if (fd < 0)
        return -1;
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    size_t sent = 0;
    while (sent < n) {
        ssize_t w = send(fd, out + sent, n - sent, MSG_NOSIGNAL);
        if (w <= 0)
            break; /* the server may answer and close before reading it all */
        sent += (size_t)w;
    }
    ssize_t got = 0;
    if (!close_early) {
        while ((size_t)got < cap - 1) {
            ssize_t r = recv(fd, in + got, cap - 1 - (size_t)got, 0);
            if (r <= 0)
                break;
            got += r;
        }
        in[got] = '\0';
    }
    close(fd);
    return got;
}

static void test_robust__malformed_request_line(void)
{
    char in[4096];
    const char *req = "THIS IS NOT HTTP\r\n\r\n";
    ssize_t got = raw_exchange(req, strlen(req), in, sizeof(in), false);
    CU_ASSERT(got > 0);
    CU_ASSERT(strncmp(in, "HTTP/1.1 400", 12) == 0 || strncmp(in, "HTTP/1.0 400", 12) == 0);
    assert_healthy();
}

static const char *reply_error(const civis_http_reply *r, char *buf, size_t len)
{
    cJSON *j = civis_http_reply_json(r);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
    snprintf(buf, len, "%s", cJSON_IsString(e) ? e->valuestring : "");
    cJSON_Delete(j);
    return buf;
}

static void test_robust__body_over_max_body_is_413(void)
{
    char *big = malloc(MAX_BODY + 2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    /* exactly the limit: read and validated */
    memset(big, ' ', MAX_BODY);
    memcpy(big, "{\"name\":1}", 10);
    civis_http_reply r;
    const char *hdrs[] = {"Authorization: Bearer big", "Expect:", NULL};
    civis_mockproc_request(&r, &mp, "POST", "/scripts/containers", hdrs, big, MAX_BODY);
    CU_ASSERT_EQUAL(r.status, 400);
    civis_http_reply_clear(&r);

    /* one byte more */
    big[MAX_BODY] = ' ';
    char err[64];
    civis_mockproc_request(&r, &mp, "POST", "/scripts/containers", hdrs, big, MAX_BODY + 1);
    CU_ASSERT_EQUAL(r.status, 413);
    CU_ASSERT_STRING_EQUAL(reply_error(&r, err, sizeof(err)), "payload_too_large");
    civis_http_reply_clear(&r);

    /* announced with Expect: 100-continue, refused before the body is sent */
    const char *expect[] = {"Authorization: Bearer big", "Expect: 100-continue", NULL};
    civis_mockproc_request(&r, &mp, "POST", "/scripts/containers", expect, big, MAX_BODY + 1);
    CU_ASSERT_EQUAL(r.status, 413);
    civis_http_reply_clear(&r);
    free(big);

    cJSON *j = NULL;
    civis_mockproc_json(&j, &mp, "GET", "/__mock/journal?source=too_large", NULL, NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 2);
    cJSON_Delete(j);
    assert_healthy();
}

static void test_robust__non_json_body(void)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/scripts/containers", "k",
                                        "\x01\x02 definitely { not json"),
                    400);
    assert_healthy();
}

static void test_robust__json_nested_10000_levels(void)
{
    size_t depth = 10000;
    char *doc = malloc(depth * 2 + 16);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    size_t n = 0;
    n += (size_t)sprintf(doc, "{\"name\":");
    for (size_t i = 0; i < depth; i++)
        doc[n++] = '[';
    for (size_t i = 0; i < depth; i++)
        doc[n++] = ']';
    doc[n++] = '}';
    doc[n] = '\0';
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/scripts/containers", "k", doc), 400);
    /* and as a stub document */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/stubs", NULL, doc + 8), 400);
    free(doc);
    assert_healthy();
}

/* No byte sequence in s is invalid UTF-8 (the journal must stay valid JSON). */
static bool valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (k == 0 || i + k > n)
            return false;
        for (size_t j = 1; j < k; j++)
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
        i += k;
    }
    return true;
}

static void test_robust__invalid_utf8(void)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/scripts/containers", "utf8",
                                        "{\"name\":\"\xff\xfe\xc3\",\"dockerComman\xe9\":1}"),
                    400);
    /* /users/{id} with an id that is neither an integer nor UTF-8 */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/users/\xff\xfe", "utf8", NULL), 400);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/no_such/\xff\xfe", "utf8", NULL), 404);
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "GET", "/__mock/journal?api_key=utf8", NULL, NULL);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT(valid_utf8((const unsigned char *)r.body, r.body_len));
    cJSON *j = civis_http_reply_json(&r);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 3);
    cJSON_Delete(j);
    civis_http_reply_clear(&r);
    assert_healthy();
}

static void test_robust__one_megabyte_header(void)
{
    size_t n = 1024 * 1024;
    char *req = malloc(n + 256);
    CU_ASSERT_PTR_NOT_NULL_FATAL(req);
    size_t off = (size_t)sprintf(req, "GET /users/me HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(req + off, 'a', n);
    off += n;
    off += (size_t)sprintf(req + off, "\r\n\r\n");
    char in[4096];
    ssize_t got = raw_exchange(req, off, in, sizeof(in), false);
    free(req);
    /* MHD refuses it (431, or 400 on some versions); a reset before the
     * answer is read is also acceptable, a crash is not */
    if (got > 0)
        CU_ASSERT(strncmp(in + 9, "431", 3) == 0 || strncmp(in + 9, "400", 3) == 0);
    assert_healthy();
}

static void test_robust__client_disconnects_mid_body(void)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/reset", NULL, NULL), 200);
    const char *req = "POST /scripts/containers HTTP/1.1\r\nHost: x\r\n"
                      "Authorization: Bearer gone\r\nContent-Length: 1000\r\n\r\n{\"name\":";
    for (int i = 0; i < 20; i++)
        raw_exchange(req, strlen(req), NULL, 0, true);
    assert_healthy();
    /* an unfinished request is never answered, so never journaled */
    cJSON *j = NULL;
    civis_mockproc_json(&j, &mp, "GET", "/__mock/journal?api_key=gone", NULL, NULL);
    CU_ASSERT(cJSON_IsArray(j));
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 0);
    cJSON_Delete(j);
}

static size_t keep_body(char *data, size_t size, size_t nmemb, void *ud)
{
    char *buf = ud;
    size_t n = size * nmemb, have = strlen(buf);
    size_t room = 4095 - have;
    memcpy(buf + have, data, n < room ? n : room);
    buf[have + (n < room ? n : room)] = '\0';
    return n;
}

static void test_robust__random_bodies(void)
{
    /* xorshift with a fixed seed: the same 1,000 bodies every run */
    uint64_t x = 0x2545F4914F6CDD1Dull;
    CURL *c = curl_easy_init();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/scripts/containers", mp.port);
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer random");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
    int bad_status = 0, not_json = 0, failed = 0;
    unsigned char body[600];
    char answer[4096];
    for (int i = 0; i < 1000; i++) {
        size_t n = 0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        n = (size_t)(x % sizeof(body));
        for (size_t k = 0; k < n; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            body[k] = (unsigned char)x;
        }
        answer[0] = '\0';
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)n);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
        if (curl_easy_perform(c) != CURLE_OK) {
            failed++;
            continue;
        }
        long status = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        bad_status += status != 400;
        cJSON *j = cJSON_Parse(answer);
        not_json += j == NULL;
        cJSON_Delete(j);
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    CU_ASSERT_EQUAL(failed, 0);
    CU_ASSERT_EQUAL(bad_status, 0);
    CU_ASSERT_EQUAL(not_json, 0);
    assert_healthy();
}

static CU_TestInfo tests[] = {
    {"malformed request line", test_robust__malformed_request_line},
    {"body over --max-body: 413", test_robust__body_over_max_body_is_413},
    {"non-JSON body", test_robust__non_json_body},
    {"JSON nested 10,000 levels", test_robust__json_nested_10000_levels},
    {"invalid UTF-8", test_robust__invalid_utf8},
    {"1 MB header", test_robust__one_megabyte_header},
    {"client disconnects mid-body", test_robust__client_disconnects_mid_body},
    {"1,000 random bodies", test_robust__random_bodies},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_robust, tests, suite_init, suite_cleanup)
