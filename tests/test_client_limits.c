/*
 * test_client_limits.c: the bounds libcivis keeps against a hostile or
 * broken server. A Retry-After of a day (or of 1e300 seconds) never waits
 * past the retry policy's time budget; an API answer larger than
 * max_response_bytes is refused with an error naming the limit; and a
 * presigned download that drips bytes is cut by the transfer deadline.
 *
 * The retry tests run the call on a worker thread and give up on it after
 * a generous watchdog, so a client that did wait out "86400" fails here
 * instead of hanging the suite. The size and drip tests talk to a tiny
 * raw-socket server on 127.0.0.1 port 0 that answers every connection the
 * same way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "test_client_support.h"

/* ---- Retry-After against the time budget ----------------------------------------- */

typedef struct retry_run {
    fake_transport ft;
    civis_client *client;
    civis_status st;
    double waits[4]; /* what the retry hook was told, per retry */
    double after[4]; /* the Retry-After it parsed */
    int n;           /* retries reported */
    size_t sent;     /* requests the transport saw */
    bool done;       /* the call returned */
    pthread_mutex_t lock;
    pthread_cond_t cond;
} retry_run;

static void on_retry(void *data, const civis_retry_event *ev)
{
    retry_run *rr = data;
    if (rr->n < 4) {
        rr->waits[rr->n] = ev->wait_s;
        rr->after[rr->n] = ev->retry_after_s;
    }
    rr->n++;
}

static void *retry_worker(void *arg)
{
    retry_run *rr = arg;
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = civis_request(&r, rr->client, "GET", "/x", NULL, &err);
    civis_response_free(r);
    pthread_mutex_lock(&rr->lock);
    rr->st = st;
    rr->done = true;
    pthread_cond_signal(&rr->cond);
    pthread_mutex_unlock(&rr->lock);
    return NULL;
}

/* One call answered 429 with `retry_after`, then 200, under a policy that
 * obeys Retry-After but allows only `budget_s` seconds. Returns false when
 * the call was still waiting after the watchdog (the bound is gone). */
static bool run_retry_after(retry_run *rr, const char *retry_after, double budget_s)
{
    memset(rr, 0, sizeof(*rr));
    pthread_mutex_init(&rr->lock, NULL);
    pthread_cond_init(&rr->cond, NULL);
    fake_init(&rr->ft);
    char hdr[96];
    snprintf(hdr, sizeof(hdr), "Retry-After: %s\n", retry_after);
    fake_push(&rr->ft, 429, hdr, "{}");
    fake_push(&rr->ft, 200, NULL, "{}");
    civis_client_options o = {.api_key = "k",
                              .bundled_spec = true,
                              .retry = {.max_elapsed_s = budget_s, .zero_wait = true},
                              .on_retry = on_retry,
                              .hook_data = rr,
                              .transport = &fake_transport_table,
                              .transport_ctx = &rr->ft};
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_client_new(&rr->client, &o, &err) != CIVIS_OK) {
        fprintf(stderr, "\n  civis_client_new: %s\n", err.message);
        return false;
    }
    pthread_t th;
    if (pthread_create(&th, NULL, retry_worker, rr) != 0)
        return false;
    /* A watchdog, not a speed check: far above the budget, so only a
     * client that ignores the budget reaches it. */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)budget_s + (getenv("CIVIS_UNDER_VALGRIND") ? 240 : 60);
    pthread_mutex_lock(&rr->lock);
    int rc = 0;
    while (!rr->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&rr->cond, &rr->lock, &until);
    bool done = rr->done;
    pthread_mutex_unlock(&rr->lock);
    if (!done) {
        pthread_cancel(th); /* it sleeps in nanosleep, a cancellation point */
        pthread_join(th, NULL);
        return false; /* the client is abandoned: the test has failed anyway */
    }
    pthread_join(th, NULL);
    rr->sent = rr->ft.n_requests;
    civis_client_free(rr->client);
    fake_clear(&rr->ft);
    pthread_mutex_destroy(&rr->ft.lock);
    pthread_mutex_destroy(&rr->lock);
    pthread_cond_destroy(&rr->cond);
    return true;
}

static void test_limits__retry_after_a_day_waits_only_the_budget(void)
{
    retry_run rr;
    bool returned = run_retry_after(&rr, "86400", 5.0);
    CU_ASSERT_FATAL(returned);
    CU_ASSERT_EQUAL(rr.st, CIVIS_OK);
    CU_ASSERT_EQUAL(rr.n, 1);
    CU_ASSERT_DOUBLE_EQUAL(rr.after[0], 86400.0, 1e-9); /* read as sent */
    CU_ASSERT(rr.waits[0] <= 5.0);                      /* but waited only what was left */
    CU_ASSERT(rr.waits[0] > 0.0);
    CU_ASSERT_EQUAL(rr.sent, 2);
}

static void test_limits__retry_after_huge_is_the_cap(void)
{
    /* 1e300 is a finite double, 1e999 overflows to HUGE_VAL, inf is spelled
     * out: each is capped by the budget, and no float-to-integer cast sees it
     * (UBSan runs this suite in make asan). */
    static const char *const values[] = {"1e300", "1e999", "inf"};
    for (size_t i = 0; i < 3; i++) {
        retry_run rr;
        bool returned = run_retry_after(&rr, values[i], 0.3);
        CU_ASSERT_FATAL(returned);
        CU_ASSERT_EQUAL(rr.st, CIVIS_OK);
        CU_ASSERT_EQUAL(rr.n, 1);
        CU_ASSERT(rr.after[0] >= 1e300);
        CU_ASSERT(rr.waits[0] >= 0.0 && rr.waits[0] <= 0.3);
        CU_ASSERT_EQUAL(rr.sent, 2);
    }
}

/* ---- a raw-socket server ----------------------------------------------------------- */

typedef enum serve_mode {
    SERVE_BIG,  /* 200 with a complete JSON body of big_len bytes */
    SERVE_DRIP, /* 200 announcing 100000 bytes, then one byte every 50 ms */
} serve_mode;

typedef struct raw_server {
    int fd;
    int port;
    serve_mode mode;
    size_t big_len;
    int conns;          /* connections served */
    volatile bool stop; /* set by the test; read between sends */
    pthread_t th;
} raw_server;

#define DRIP_MAX_BYTES 400 /* 20 s of dripping: the loop always ends by itself */

static void read_head(int c)
{
    char buf[4096];
    size_t have = 0;
    while (have < sizeof(buf) - 1) {
        struct pollfd p = {c, POLLIN, 0};
        if (poll(&p, 1, 5000) <= 0)
            return;
        ssize_t n = recv(c, buf + have, sizeof(buf) - 1 - have, 0);
        if (n <= 0)
            return;
        have += (size_t)n;
        buf[have] = '\0';
        if (strstr(buf, "\r\n\r\n") != NULL)
            return;
    }
}

static bool send_all(int c, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(c, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static void serve_one(raw_server *s, int c)
{
    read_head(c);
    char head[256];
    if (s->mode == SERVE_BIG) {
        char *body = malloc(s->big_len);
        if (body == NULL)
            return;
        /* {"pad": "xxxx...x"}: valid JSON of exactly big_len bytes */
        memset(body, 'x', s->big_len);
        memcpy(body, "{\"pad\": \"", 9);
        memcpy(body + s->big_len - 2, "\"}", 2);
        int hl = snprintf(head, sizeof(head),
                          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                          s->big_len);
        if (send_all(c, head, (size_t)hl))
            send_all(c, body, s->big_len);
        free(body);
        return;
    }
    int hl = snprintf(head, sizeof(head),
                      "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                      "Content-Length: 100000\r\nConnection: close\r\n\r\n");
    if (!send_all(c, head, (size_t)hl))
        return;
    for (int i = 0; i < DRIP_MAX_BYTES && !s->stop; i++) {
        if (!send_all(c, "z", 1))
            return;
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void *serve(void *arg)
{
    raw_server *s = arg;
    while (!s->stop) {
        struct pollfd p = {s->fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            continue;
        s->conns++;
        serve_one(s, c);
        close(c);
    }
    return NULL;
}

static bool raw_start(raw_server *s, serve_mode mode, size_t big_len)
{
    memset(s, 0, sizeof(*s));
    s->mode = mode;
    s->big_len = big_len;
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (s->fd < 0)
        return false;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof(a);
    if (bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s->fd, 8) != 0 ||
        getsockname(s->fd, (struct sockaddr *)&a, &al) != 0) {
        close(s->fd);
        return false;
    }
    s->port = ntohs(a.sin_port);
    if (pthread_create(&s->th, NULL, serve, s) != 0) {
        close(s->fd);
        return false;
    }
    return true;
}

static void raw_stop(raw_server *s)
{
    s->stop = true;
    pthread_join(s->th, NULL);
    close(s->fd);
}

/* ---- max_response_bytes ------------------------------------------------------------- */

static civis_client *raw_client(const raw_server *s, size_t max_bytes)
{
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s->port);
    civis_client_options o = {.api_key = "k",
                              .base_url = url,
                              .bundled_spec = true,
                              .no_spec_cache = true,
                              .max_response_bytes = max_bytes,
                              .retry = {.max_attempts = 1}};
    civis_client *c = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_client_new(&c, &o, &err) != CIVIS_OK)
        fprintf(stderr, "\n  raw_client: %s\n", err.message);
    return c;
}

static void test_limits__answer_over_max_response_bytes_is_refused(void)
{
    raw_server s;
    CU_ASSERT_FATAL(raw_start(&s, SERVE_BIG, 5000));
    /* the same answer fits the default limit: only the limit refuses it */
    civis_client *c = raw_client(&s, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_request(&r, c, "GET", "/big", NULL, &err), err);
    CU_ASSERT_EQUAL(civis_response_status(r), 200);
    civis_response_free(r);
    r = NULL;
    civis_client_free(c);

    c = raw_client(&s, 1024);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_request(&r, c, "GET", "/big", NULL, &err), CIVIS_ETRANSPORT);
    CU_ASSERT_PTR_NULL(r);
    CU_ASSERT_STRING_EQUAL(err.param, "max_response_bytes");
    CU_ASSERT_STRING_EQUAL(err.message,
                           "GET /big: the response body is larger than max_response_bytes (1024 "
                           "bytes); raise civis_client_options.max_response_bytes if it is "
                           "expected");
    civis_response_free(r);
    civis_client_free(c);
    raw_stop(&s);
}

/* ---- the presigned transfer deadline ----------------------------------------------- */

static void test_limits__dripping_download_is_cut_by_the_deadline(void)
{
    raw_server s;
    CU_ASSERT_FATAL(raw_start(&s, SERVE_DRIP, 0));
    fake_transport ft;
    fake_init(&ft);
    char resp[160];
    snprintf(resp, sizeof(resp),
             "{\"id\": 77, \"name\": \"d.bin\", \"fileUrl\": \"http://127.0.0.1:%d/d?sig=1\"}",
             s.port);
    fake_push(&ft, 200, NULL, resp);
    civis_client *c = fake_client(&ft, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    /* 20 bytes a second never trips the stall limit (1 byte/s for 60 s):
     * only the whole-transfer deadline ends this download. */
    civis_file_options fo = {.timeout_ms = 1000, .no_retry_wait = true, .max_attempts = 3};
    char *data = NULL;
    size_t len = 0;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_civis_to_buffer(&data, &len, c, 77, &fo, &err), CIVIS_ETRANSPORT);
    CU_ASSERT_PTR_NULL(data);
    CU_ASSERT_STRING_EQUAL(err.param, "timeout_ms");
    char want[200];
    snprintf(want, sizeof(want),
             "download of file 77 to http://127.0.0.1:%d did not finish within the transfer "
             "deadline (timeout_ms 1000)",
             s.port);
    /* curl may give up a hair before the deadline, so a second attempt can
     * start with the ~1 ms left: "(after 2 attempts)" may follow */
    CU_ASSERT_EQUAL(strncmp(err.message, want, strlen(want)), 0);
    civis_client_free(c);
    fake_clear(&ft);
    pthread_mutex_destroy(&ft.lock);
    raw_stop(&s);
    CU_ASSERT(s.conns >= 1 && s.conns <= 2); /* not the 3 attempts allowed */
}

static CU_TestInfo tests[] = {
    {"Retry-After of a day waits only the budget",
     test_limits__retry_after_a_day_waits_only_the_budget},
    {"Retry-After 1e300, 1e999, inf is the cap", test_limits__retry_after_huge_is_the_cap},
    {"answer over max_response_bytes is refused",
     test_limits__answer_over_max_response_bytes_is_refused},
    {"dripping download is cut by the deadline",
     test_limits__dripping_download_is_cut_by_the_deadline},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_limits, tests, NULL, NULL)
