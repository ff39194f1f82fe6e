/*
 * mockrun.h: starting civis-mock, reading its memory, and driving it with
 * keep-alive connections, for the benchmarks that load the server.
 *
 * Header-only (static) like bench.h: each bench/X.c is its own program.
 */
#ifndef CIVIS_BENCH_MOCKRUN_H
#define CIVIS_BENCH_MOCKRUN_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench.h"

#define MOCKRUN_MAX_CONNS 64

static inline void mockrun_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static inline const char *mockrun_bin(void)
{
    const char *b = getenv("CIVIS_MOCK_BIN");
    return (b != NULL && *b != '\0') ? b : "build/bin/civis-mock";
}

static inline size_t mockrun_discard(char *d, size_t s, size_t n, void *u)
{
    (void)d; /* required by the libcurl callback signature */
    (void)u;
    return s * n;
}

/* One request; the HTTP status or 0. */
static inline long mockrun_request(int port, const char *method, const char *path, const char *body)
{
    CURL *c = curl_easy_init();
    if (c == NULL)
        return 0;
    char url[512];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer bench");
    h = curl_slist_append(h, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mockrun_discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    if (body != NULL)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

static inline int mockrun_read_port(const char *file)
{
    FILE *f = fopen(file, "r");
    int port = 0;
    if (f != NULL) {
        if (fscanf(f, "%d", &port) != 1)
            port = 0;
        fclose(f);
    }
    return port;
}

/*
 * Starts civis-mock --spec SPEC --port 0 plus `extra` (NULL-terminated, at
 * most 12); *startup_ms (may be NULL) is process start to the first 200 of
 * GET /users/me. Returns the pid, or -1.
 */
static inline pid_t mockrun_start(const char *spec, const char *const *extra, int *port,
                                  double *startup_ms)
{
    char pf[] = "/tmp/civis-bench-port-XXXXXX";
    int fd = mkstemp(pf);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(pf);
    const char *argv[32] = {mockrun_bin(), "--spec", spec,          "--host", "127.0.0.1",
                            "--port",      "0",      "--port-file", pf};
    size_t n = 9;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 30; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    double t0 = bench_now_s();
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDOUT_FILENO);
        execv(mockrun_bin(), (char *const *)argv);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    *port = 0;
    while (bench_now_s() - t0 < 10.0) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "bench: %s exited early\n", mockrun_bin());
            unlink(pf);
            return -1;
        }
        if (*port == 0)
            *port = mockrun_read_port(pf);
        if (*port != 0 && mockrun_request(*port, "GET", "/users/me", NULL) == 200) {
            if (startup_ms != NULL)
                *startup_ms = (bench_now_s() - t0) * 1e3;
            unlink(pf);
            return pid;
        }
        mockrun_sleep_ms(1);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    unlink(pf);
    return -1;
}

static inline int mockrun_stop(pid_t pid)
{
    int st = 0;
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Resident memory of a process in KB, or -1. */
static inline long mockrun_rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f != NULL)
        fclose(f);
    return kb;
}

typedef struct mockrun_result {
    double rps;
    double p50_ms, p99_ms;
    long requests, errors;
} mockrun_result;

/* What a load sends: a fixed request, or one the callback fills in per
 * request (path and body into the buffers; `n` counts requests). */
typedef struct mockrun_load {
    const char *method, *path, *body;
    const char *key; /* API key (Bearer); NULL means "bench" */
    int conns;       /* keep-alive connections, at most MOCKRUN_MAX_CONNS */
    double seconds;  /* how long, or 0 to send `count` requests */
    long count;      /* with seconds == 0 */
    void (*next)(long n, char *path, size_t plen, char *key, size_t klen, void *ctx);
    void *ctx;
} mockrun_load;

typedef struct mockrun_slot {
    CURL *easy;
    struct curl_slist *headers;
    double started;
    char url[512];
    char auth[160];
} mockrun_slot;

static inline void mockrun_prepare(mockrun_slot *s, int port, const mockrun_load *l, long n)
{
    char path[384], key[128];
    snprintf(path, sizeof(path), "%s", l->path);
    snprintf(key, sizeof(key), "%s", l->key ? l->key : "bench");
    if (l->next != NULL)
        l->next(n, path, sizeof(path), key, sizeof(key), l->ctx);
    snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%d%s", port, path);
    snprintf(s->auth, sizeof(s->auth), "Authorization: Bearer %s", key);
    curl_slist_free_all(s->headers);
    s->headers = curl_slist_append(NULL, s->auth);
    s->headers = curl_slist_append(s->headers, "Content-Type: application/json");
    s->headers = curl_slist_append(s->headers, "Expect:");
    curl_easy_setopt(s->easy, CURLOPT_URL, s->url);
    curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
}

/* `conns` keep-alive connections, each sending its next request as soon as
 * the previous one is answered. */
static inline void mockrun_drive(mockrun_result *out, int port, const mockrun_load *l)
{
    memset(out, 0, sizeof(*out));
    int conns = l->conns < 1 ? 1 : (l->conns > MOCKRUN_MAX_CONNS ? MOCKRUN_MAX_CONNS : l->conns);
    CURLM *m = curl_multi_init();
    mockrun_slot slots[MOCKRUN_MAX_CONNS];
    memset(slots, 0, sizeof(slots));
    size_t cap = 1 << 16, n = 0;
    double *lat = malloc(cap * sizeof(double));
    long sent = 0;
    for (int i = 0; i < conns; i++) {
        CURL *c = curl_easy_init();
        slots[i].easy = c;
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, l->method);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mockrun_discard);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
        if (l->body != NULL) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, l->body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(l->body));
        }
        curl_easy_setopt(c, CURLOPT_PRIVATE, &slots[i]);
        if (l->seconds <= 0 && sent >= l->count)
            continue;
        mockrun_prepare(&slots[i], port, l, sent++);
        slots[i].started = bench_now_s();
        curl_multi_add_handle(m, c);
    }
    double t0 = bench_now_s(), t_end = t0 + l->seconds;
    int running = 1;
    while (running > 0) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int q;
        while ((msg = curl_multi_info_read(m, &q)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            mockrun_slot *s = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            long status = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            double t = bench_now_s();
            if (msg->data.result != CURLE_OK || status < 200 || status >= 300) {
                out->errors++;
            } else {
                if (n == cap) {
                    double *nl = realloc(lat, cap * 2 * sizeof(double));
                    if (nl != NULL) {
                        lat = nl;
                        cap *= 2;
                    }
                }
                if (lat != NULL && n < cap)
                    lat[n++] = (t - s->started) * 1e3;
            }
            out->requests++;
            curl_multi_remove_handle(m, s->easy);
            bool more = l->seconds > 0 ? t < t_end : sent < l->count;
            if (more) {
                mockrun_prepare(s, port, l, sent++);
                s->started = t;
                curl_multi_add_handle(m, s->easy);
                running++;
            }
        }
        if (running > 0)
            curl_multi_poll(m, NULL, 0, 50, NULL);
    }
    double elapsed = bench_now_s() - t0;
    for (int i = 0; i < conns; i++) {
        curl_easy_cleanup(slots[i].easy);
        curl_slist_free_all(slots[i].headers);
    }
    curl_multi_cleanup(m);
    out->rps = elapsed > 0 ? (double)(out->requests - out->errors) / elapsed : 0;
    if (n > 0) {
        qsort(lat, n, sizeof(double), bench_cmp_double);
        out->p50_ms = lat[n / 2];
        out->p99_ms = lat[(size_t)((double)n * 0.99)];
    }
    free(lat);
}

#endif
