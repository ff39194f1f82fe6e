/*
 * test_mock_hostile.c: the hostile-input group. Each class of malformed or
 * abusive HTTP is sent to the real civis-mock many times over raw sockets
 * (libcurl cannot send most of these bytes), and after each class the
 * server must still answer /__mock/health and, once reset, hold no more
 * heap than before (GET /__mock/stats): no crash, no hang, no leak.
 *
 * Every class prints how many inputs it tried; the totals go in the
 * hardening notes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "mockproc.h"
#include "test.h"

/* Heap the server may keep after a class and a reset: caches MHD or the C
 * library grow once (thread arenas, connection pools) but no per-request
 * growth; a leak of even 1 KB per input exceeds it. */
#define HEAP_SLACK (192 * 1024)

static civis_mockproc mp;

static int suite_init(void)
{
    const char *args[] = {"--threads", "2", "--max-body", "64K", "--conn-timeout", "2", NULL};
    return civis_mockproc_start(&mp, args) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    return civis_mockproc_stop(&mp) == 0 ? 0 : 1;
}

/* The server's heap in use after a reset, or -1 when it cannot say
 * (sanitizer or valgrind builds replace malloc). */
static double settled_heap(void)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/reset", NULL, NULL), 200);
    cJSON *j = NULL;
    civis_mockproc_json(&j, &mp, "GET", "/__mock/stats", NULL, NULL);
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(j, "heap_bytes");
    double v = cJSON_IsNumber(h) ? h->valuedouble : -1;
    cJSON_Delete(j);
    return v;
}

/* After a class: health answers and the heap came back. Requests the
 * server has not yet seen end (a peer that vanished mid-body) still hold
 * memory for a moment, so the heap gets a few seconds to settle. */
static void check_after(const char *cls, double before, int inputs)
{
    CU_ASSERT(civis_mockproc_healthy(&mp));
    double after = settled_heap();
    for (int i = 0; i < 30 && before >= 0 && after - before >= HEAP_SLACK; i++) {
        usleep(100 * 1000);
        after = settled_heap();
    }
    printf("\n  %-28s %5d inputs, heap %+.0f bytes ... ", cls, inputs,
           before >= 0 && after >= 0 ? after - before : 0.0);
    if (before >= 0 && after >= 0)
        CU_ASSERT(after - before < HEAP_SLACK);
}

static int connect_from(const char *source)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    if (source != NULL) {
        struct sockaddr_in src;
        memset(&src, 0, sizeof(src));
        src.sin_family = AF_INET;
        inet_pton(AF_INET, source, &src.sin_addr);
        if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0) {
            close(fd);
            return -1;
        }
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)mp.port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/*
 * Sends n bytes, then (unless close_early) reads until the server closes or
 * `wait_ms` passes without a byte. Returns the bytes read (NUL-terminated
 * in `in`), or -1 when no connection could be made.
 */
static ssize_t raw(const void *out, size_t n, char *in, size_t cap, bool close_early, int wait_ms)
{
    int fd = connect_from(NULL);
    if (fd < 0)
        return -1;
    struct timeval tv = {wait_ms / 1000, (wait_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    size_t sent = 0;
    while (sent < n) {
        ssize_t w = send(fd, (const char *)out + sent, n - sent, MSG_NOSIGNAL);
        if (w <= 0)
            break; /* the server may answer and close before reading it all */
        sent += (size_t)w;
    }
    ssize_t got = 0;
    if (!close_early && in != NULL) {
        while ((size_t)got < cap - 1) {
            ssize_t r = recv(fd, in + got, cap - 1 - (size_t)got, 0);
            if (r <= 0)
                break;
            got += r;
            /* An answer came: the server keeps the connection alive, so
             * wait only briefly for the rest (pipelined answers). */
            struct timeval brief = {0, 200000};
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &brief, sizeof(brief));
        }
        in[got] = '\0';
    }
    close(fd);
    return got;
}

/* The status of the first response in `in`, 0 when there is none. */
static int status_of(const char *in)
{
    if (strncmp(in, "HTTP/1.", 7) != 0 || strlen(in) < 12)
        return 0;
    return atoi(in + 9);
}

static int count_responses(const char *in)
{
    int n = 0;
    for (const char *p = in; (p = strstr(p, "HTTP/1.1 ")) != NULL; p++)
        n++;
    return n;
}

/* ---- the classes ---------------------------------------------------------------- */

static void test_hostile__malformed_request_lines(void)
{
    static const char *const lines[] = {
        "THIS IS NOT HTTP\r\n\r\n",
        "GET\r\n\r\n",
        "GET \r\n\r\n",
        "GET /users/me\r\n\r\n",
        "GET /users/me HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET /users/me HTTP/0.9\r\nHost: x\r\n\r\n",
        "GET /users/me HTTP/1.1 extra\r\nHost: x\r\n\r\n",
        "G\x01T /users/me HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /users/\x7f\x1b[31m HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /users/me HTTP/1.1\nHost: x\n\n",
        "GET /users/me HTTP/1.1\rHost: x\r\r",
        "\r\n\r\n\r\n\r\n",
        "GET /%zz%%%00 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n",
        "GET http://evil.example/users/me HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /users/me?%00=%00&=&&&==&a=%ff HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n\r\n",
        "POST /__mock/reset HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
    };
    double before = settled_heap();
    int n = 0;
    char in[8192];
    for (int round = 0; round < 10; round++) {
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++, n++) {
            ssize_t got = raw(lines[i], strlen(lines[i]), in, sizeof(in), false, 500);
            /* An answer, when there is one, is well-formed HTTP. */
            if (got > 0)
                CU_ASSERT(status_of(in) >= 200 && status_of(in) < 600);
        }
    }
    check_after("malformed request lines", before, n);
}

static void test_hostile__huge_and_duplicate_headers(void)
{
    double before = settled_heap();
    int n = 0;
    char in[8192];
    size_t big = 1024 * 1024;
    char *req = malloc(big + 4096);
    CU_ASSERT_PTR_NOT_NULL_FATAL(req);
    for (int round = 0; round < 5; round++) {
        /* one 1 MB header */
        size_t off = (size_t)sprintf(req, "GET /users/me HTTP/1.1\r\nHost: x\r\nX-Big: ");
        memset(req + off, 'a', big);
        off += big;
        off += (size_t)sprintf(req + off, "\r\n\r\n");
        ssize_t got = raw(req, off, in, sizeof(in), false, 3000);
        if (got > 0)
            CU_ASSERT(status_of(in) == 431 || status_of(in) == 400);
        n++;
        /* 5,000 small headers */
        off = (size_t)sprintf(req, "GET /users/me HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 5000; i++)
            off += (size_t)sprintf(req + off, "X-H%d: v\r\n", i);
        off += (size_t)sprintf(req + off, "\r\n");
        got = raw(req, off, in, sizeof(in), false, 3000);
        if (got > 0)
            CU_ASSERT(status_of(in) == 431 || status_of(in) == 400);
        n++;
        /* duplicates: two keys, two lengths, two hosts */
        static const char *const dups[] = {
            "GET /users/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\n"
            "Authorization: Bearer b\r\n\r\n",
            "POST /scripts/containers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\n"
            "Content-Length: 2\r\nContent-Length: 9\r\n\r\n{}",
            "GET /users/me HTTP/1.1\r\nHost: x\r\nHost: y\r\nAuthorization: Bearer a\r\n\r\n",
            "GET /users/me HTTP/1.1\r\nHost: x\r\nX-Civis-Mock-Key: a\r\nX-Civis-Mock-Key: b\r\n"
            "Authorization: Bearer a\r\n\r\n",
        };
        for (size_t i = 0; i < sizeof(dups) / sizeof(dups[0]); i++, n++) {
            got = raw(dups[i], strlen(dups[i]), in, sizeof(in), false, 3000);
            CU_ASSERT(got > 0 && status_of(in) >= 200 && status_of(in) < 600);
        }
    }
    free(req);
    check_after("huge and duplicate headers", before, n);
}

static void test_hostile__bad_content_length(void)
{
    static const char *const lengths[] = {"-1", "abc",  "99999999999999999999999", "1e3",
                                          " 5", "0x10", "18446744073709551616",    "5, 5",
                                          ""};
    double before = settled_heap();
    int n = 0;
    char in[8192], req[512];
    for (int round = 0; round < 10; round++) {
        for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++, n++) {
            int len = snprintf(req, sizeof(req),
                               "POST /scripts/containers HTTP/1.1\r\nHost: x\r\n"
                               "Authorization: Bearer cl\r\nContent-Length: %s\r\n\r\n{}",
                               lengths[i]);
            ssize_t got = raw(req, (size_t)len, in, sizeof(in), false, 300);
            if (got > 0)
                CU_ASSERT(status_of(in) >= 400 && status_of(in) < 600);
        }
        /* shorter than announced: the server waits, then times the connection out */
        const char *short_body = "POST /scripts/containers HTTP/1.1\r\nHost: x\r\n"
                                 "Authorization: Bearer cl\r\nContent-Length: 100\r\n\r\n{}";
        raw(short_body, strlen(short_body), NULL, 0, true, 0);
        n++;
        /* longer than announced: the rest is a second (garbage) request */
        const char *long_body = "POST /scripts/containers HTTP/1.1\r\nHost: x\r\n"
                                "Authorization: Bearer cl\r\nContent-Length: 2\r\n\r\n{}garbage";
        ssize_t got = raw(long_body, strlen(long_body), in, sizeof(in), false, 1500);
        CU_ASSERT(got > 0 && status_of(in) == 400);
        n++;
    }
    check_after("bad Content-Length", before, n);
}

static void test_hostile__chunked_abuse(void)
{
    static const char *const bodies[] = {
        "zz\r\n{}\r\n0\r\n\r\n",                         /* not hex */
        "ffffffffffffffffff\r\n{}\r\n0\r\n\r\n",         /* size overflow */
        "2\r\n{}\r\n",                                   /* no last chunk */
        "2;ext=1;x\r\n{}\r\n0\r\n\r\n",                  /* extensions */
        "1\r\n{\r\n1\r\n}\r\n0\r\nX-Trailer: 1\r\n\r\n", /* trailers */
        "-2\r\n{}\r\n0\r\n\r\n",                         /* negative */
        "2\r\n{}XX0\r\n\r\n",                            /* missing CRLF */
        "100000\r\nab\r\n",                              /* 1 MB chunk that never comes */
    };
    double before = settled_heap();
    int n = 0;
    char in[8192], req[512];
    for (int round = 0; round < 10; round++) {
        for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++, n++) {
            int len = snprintf(req, sizeof(req),
                               "POST /scripts/containers HTTP/1.1\r\nHost: x\r\n"
                               "Authorization: Bearer ch\r\nTransfer-Encoding: chunked\r\n\r\n%s",
                               bodies[i]);
            ssize_t got = raw(req, (size_t)len, in, sizeof(in), false, 300);
            if (got > 0)
                CU_ASSERT(status_of(in) >= 200 && status_of(in) < 600);
        }
        /* chunked and a length at once */
        const char *both = "POST /scripts/containers HTTP/1.1\r\nHost: x\r\n"
                           "Authorization: Bearer ch\r\nTransfer-Encoding: chunked\r\n"
                           "Content-Length: 5\r\n\r\n2\r\n{}\r\n0\r\n\r\n";
        raw(both, strlen(both), in, sizeof(in), false, 300);
        n++;
    }
    check_after("chunked abuse", before, n);
}

static void test_hostile__pipelining(void)
{
    double before = settled_heap();
    char req[16384], in[65536];
    int n = 0;
    for (int round = 0; round < 10; round++) {
        size_t off = 0;
        for (int i = 0; i < 20; i++)
            off += (size_t)sprintf(req + off,
                                   "GET /users/me HTTP/1.1\r\nHost: x\r\n"
                                   "Authorization: Bearer pipe\r\n%s\r\n",
                                   i == 19 ? "Connection: close\r\n" : "");
        ssize_t got = raw(req, off, in, sizeof(in), false, 5000);
        CU_ASSERT(got > 0);
        /* every pipelined request gets its answer, in order */
        CU_ASSERT_EQUAL(count_responses(in), 20);
        n += 20;
    }
    check_after("pipelining", before, n);
}

static void test_hostile__mid_body_disconnects(void)
{
    double before = settled_heap();
    int n = 0;
    const char *reqs[] = {
        "POST /scripts/containers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer gone\r\n"
        "Content-Length: 1000\r\n\r\n{\"name\":",
        "POST /scripts/containers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer gone\r\n"
        "Transfer-Encoding: chunked\r\n\r\n10\r\n{\"name\":",
        "POST /__storage/upload/0.1.abc HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: 5000\r\n\r\n--XX\r\n",
        "POST /__mock/stubs HTTP/1.1\r\nHost: x\r\nContent-Length: 400\r\n\r\n{\"request\":",
        "GET /users/me HTTP/1.1\r\nHost: x\r\nAuthoriz",
    };
    for (int round = 0; round < 20; round++)
        for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++, n++)
            raw(reqs[i], strlen(reqs[i]), NULL, 0, true, 0);
    /* an unfinished request is never answered, so never journaled */
    cJSON *j = NULL;
    civis_mockproc_json(&j, &mp, "GET", "/__mock/journal?api_key=gone", NULL, NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 0);
    cJSON_Delete(j);
    check_after("mid-body disconnects", before, n);
}

static void test_hostile__deep_json(void)
{
    double before = settled_heap();
    int n = 0;
    size_t depths[] = {100, 1000, 10000, 60000};
    for (size_t d = 0; d < sizeof(depths) / sizeof(depths[0]); d++) {
        size_t depth = depths[d];
        char *doc = malloc(depth * 6 + 32);
        CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
        /* shape 0: [[[...]]]; shape 1: [{"a":[{"a":...}]}] */
        for (int shape = 0; shape < 2; shape++, n += 2) {
            size_t off = (size_t)sprintf(doc, "{\"name\":");
            for (size_t i = 0; i < depth; i++)
                off += (size_t)sprintf(doc + off, "%s", shape && i % 2 ? "{\"a\":" : "[");
            doc[off] = '\0';
            /* unterminated, then terminated */
            long st = civis_mockproc_json(NULL, &mp, "POST", "/scripts/containers", "deep", doc);
            CU_ASSERT(st == 400 || st == 413);
            for (size_t i = depth; i-- > 0;)
                doc[off++] = shape && i % 2 ? '}' : ']';
            doc[off++] = '}';
            doc[off] = '\0';
            st = civis_mockproc_json(NULL, &mp, "POST", "/scripts/containers", "deep", doc);
            CU_ASSERT(st == 400 || st == 413);
        }
        free(doc);
    }
    check_after("deep JSON", before, n);
}

static void test_hostile__invalid_utf8(void)
{
    static const char *const bad[] = {"\xff",     "\xc0\xaf", "\xed\xa0\x80",    "\xf4\x90\x80\x80",
                                      "\xe2\x82", "\x80\x80", "\xfe\xfe\xff\xff"};
    double before = settled_heap();
    int n = 0;
    char body[256], path[256], in[8192], req[1024];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(body, sizeof(body), "{\"name\":\"%s\",\"docker%s\":1}", bad[i], bad[i]);
        CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/scripts/containers", "u8", body),
                        400);
        snprintf(path, sizeof(path), "/users/%s?q=%s", bad[i], bad[i]);
        long st = civis_mockproc_json(NULL, &mp, "GET", path, "u8", NULL);
        CU_ASSERT(st == 404 || st == 400);
        int len = snprintf(req, sizeof(req),
                           "GET /users/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                           "X-Civis-Mock-Key: %s\r\n\r\n",
                           bad[i], bad[i]);
        raw(req, (size_t)len, in, sizeof(in), false, 300);
        n += 3;
    }
    /* the journal stays valid JSON */
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "GET", "/__mock/journal", NULL, NULL), 200);
    CU_ASSERT(cJSON_IsArray(j));
    cJSON_Delete(j);
    check_after("invalid UTF-8", before, n);
}

static void test_hostile__random_bytes(void)
{
    double before = settled_heap();
    uint64_t x = 0x9E3779B97F4A7C15ull; /* fixed seed: the same inputs every run */
    unsigned char buf[2048];
    char in[4096];
    int n = 0;
    for (int i = 0; i < 300; i++, n++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t len = 1 + (size_t)(x % sizeof(buf));
        for (size_t k = 0; k < len; k++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf[k] = (unsigned char)x;
        }
        /* half of them behind a valid request line, to reach the header parser */
        if (i % 2 == 0 && len > 40)
            memcpy(buf, "GET /users/me HTTP/1.1\r\nHost: x\r\n", 34);
        raw(buf, len, in, sizeof(in), i % 3 == 0, 200);
    }
    check_after("random bytes", before, n);
}

/* Fault 2: a thousand query parameters used to get no answer at all and
 * leak the request state (MHD ran out of pool memory parsing them). */
static void test_hostile__thousand_query_parameters_get_414(void)
{
    double before = settled_heap();
    size_t cap = 64 * 1024;
    char *req = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(req);
    char in[8192];
    int n = 0;
    int counts[] = {1000, 2000, 5000};
    for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
        for (int round = 0; round < 10; round++, n++) {
            size_t off = (size_t)sprintf(req, "GET /jobs?");
            for (int i = 0; i < counts[c]; i++)
                off += (size_t)sprintf(req + off, "%sa=1", i ? "&" : "");
            off += (size_t)sprintf(req + off, " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer q\r\n"
                                              "Connection: close\r\n\r\n");
            ssize_t got = raw(req, off, in, sizeof(in), false, 3000);
            CU_ASSERT(got > 0);
            CU_ASSERT(status_of(in) == 414 || status_of(in) == 431);
        }
    }
    free(req);
    /* the JSON error names the limit */
    char path[4096];
    size_t off = (size_t)sprintf(path, "/jobs?");
    for (int i = 0; i < 600; i++)
        off += (size_t)sprintf(path + off, "%sb", i ? "&" : "");
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "GET", path, "q", NULL);
    CU_ASSERT_EQUAL(r.status, 414);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "600 parameters"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "at most 500"));
    civis_http_reply_clear(&r);
    /* 500 is still served */
    off = (size_t)sprintf(path, "/jobs?");
    for (int i = 0; i < 500; i++)
        off += (size_t)sprintf(path + off, "%sb", i ? "&" : "");
    CU_ASSERT_NOT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", path, "q", NULL), 414);
    check_after("1,000+ query parameters", before, n + 2);
}

/* Fault 4: about 1,020 half-open connections used to stop the server. A
 * flood from one address now fills only that address's share; the health
 * check from another address still answers, and the flood's connections
 * are closed after --conn-timeout. */
static void test_hostile__half_open_flood_keeps_health(void)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 1400 && rl.rlim_max >= 1400) {
        rl.rlim_cur = rl.rlim_max > 4096 ? 4096 : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < 1400) {
        printf("\n  SKIP half-open flood: only %lu descriptors", (unsigned long)rl.rlim_cur);
        return;
    }
    int test_fd = connect_from("127.0.0.2");
    if (test_fd < 0) {
        printf("\n  SKIP half-open flood: cannot connect from 127.0.0.2");
        return;
    }
    close(test_fd);
    enum { FLOOD = 1200 };
    int *fds = malloc(FLOOD * sizeof(int));
    CU_ASSERT_PTR_NOT_NULL_FATAL(fds);
    int opened = 0;
    for (int i = 0; i < FLOOD; i++) {
        fds[i] = connect_from("127.0.0.2");
        if (fds[i] >= 0) {
            send(fds[i], "GET /users/me HTTP/1.1\r\n", 24, MSG_NOSIGNAL); /* never finished */
            opened++;
        }
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CU_ASSERT(civis_mockproc_healthy(&mp));
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/users/me", "flood", NULL), 200);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("\n  half-open flood             %5d connections, health in %.0f ms", opened, ms);
    CU_ASSERT(ms < 2000);
    /* --conn-timeout 2: the half-open connections the server accepted are closed */
    sleep(4);
    int closed = 0, accepted_probe = 0;
    for (int i = 0; i < FLOOD; i++) {
        if (fds[i] < 0)
            continue;
        char c;
        struct timeval tv = {0, 1000};
        setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        ssize_t r = recv(fds[i], &c, 1, 0);
        closed += r == 0 || (r < 0 && errno == ECONNRESET);
        accepted_probe++;
        close(fds[i]);
    }
    CU_ASSERT_EQUAL(closed, accepted_probe);
    free(fds);
    CU_ASSERT(civis_mockproc_healthy(&mp));
}

static CU_TestInfo tests[] = {
    {"malformed request lines", test_hostile__malformed_request_lines},
    {"huge and duplicate headers", test_hostile__huge_and_duplicate_headers},
    {"bad Content-Length", test_hostile__bad_content_length},
    {"chunked abuse", test_hostile__chunked_abuse},
    {"pipelining", test_hostile__pipelining},
    {"mid-body disconnects", test_hostile__mid_body_disconnects},
    {"deep JSON", test_hostile__deep_json},
    {"invalid UTF-8", test_hostile__invalid_utf8},
    {"random bytes", test_hostile__random_bytes},
    {"1,000+ query parameters: 414, no leak", test_hostile__thousand_query_parameters_get_414},
    {"half-open flood: health still answers", test_hostile__half_open_flood_keeps_health},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_hostile, tests, suite_init, suite_cleanup)
