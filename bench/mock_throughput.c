/*
 * mock_throughput.c: civis-mock against a bare libmicrohttpd server.
 *
 *   mock_throughput FULL_SPEC
 *
 * Starts civis-mock --stateless --spec FULL_SPEC on port 0 ($CIVIS_MOCK_BIN, else
 * build/bin/civis-mock) and, in a forked child, a bare MHD server with the
 * same threading that answers a constant body. Both are loaded by the same
 * libcurl-multi generator (CONNS keep-alive connections for SECONDS each)
 * for GET /users/me, GET /scripts/sql/1/runs/2 and a valid POST
 * /scripts/containers, and the figures are printed with the ratio
 * civis-mock / bare (targets: >= 0.5 for GETs, >= 0.3 for the POST). Also:
 * start-up time (process start to first answered request, target < 100 ms)
 * and RSS after start-up and after the load (target < 40 MB, no growth).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <microhttpd.h>

#include "bench.h"

#define CONNS 8
#define SECONDS 3.0
#define WARMUP 0.3
#define STARTUP_TRIALS 5

static const char post_body[] =
    "{\"name\":\"bench\",\"docker_image_name\":\"civisanalytics/datascience-python\","
    "\"docker_command\":\"python run.py\",\"required_resources\":{\"cpu\":1000,\"memory\":2048}}";

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- the bare baseline server (forked child) ------------------------------ */

static const char bare_body[] = "{\"id\":1,\"name\":\"bare\",\"state\":\"succeeded\"}";

static enum MHD_Result bare_handler(void *cls, struct MHD_Connection *con, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **req_cls)
{
    (void)cls; /* required by the MHD handler signature */
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    static int marker;
    if (*req_cls == NULL) {
        *req_cls = &marker;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        *upload_data_size = 0; /* the body is read and dropped */
        return MHD_YES;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(
        sizeof(bare_body) - 1, (void *)bare_body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(con, 200, r);
    MHD_destroy_response(r);
    return ret;
}

/* Runs the bare server in a child; returns its pid and sets *port. */
static pid_t start_bare(int *port, unsigned threads)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &stop, NULL);
        struct MHD_Daemon *d = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC, 0, NULL, NULL,
            bare_handler, NULL, MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024), MHD_OPTION_END);
        int p = 0;
        if (d != NULL)
            p = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
        if (write(fds[1], &p, sizeof(p)) != (ssize_t)sizeof(p))
            _exit(1);
        close(fds[1]);
        int sig;
        sigwait(&stop, &sig);
        if (d != NULL)
            MHD_stop_daemon(d);
        _exit(0);
    }
    close(fds[1]);
    int p = 0;
    if (pid < 0 || read(fds[0], &p, sizeof(p)) != (ssize_t)sizeof(p) || p == 0) {
        close(fds[0]);
        return -1;
    }
    close(fds[0]);
    *port = p;
    return pid;
}

/* ---- civis-mock ------------------------------------------------------------- */

static const char *mock_bin(void)
{
    const char *b = getenv("CIVIS_MOCK_BIN");
    return (b != NULL && *b != '\0') ? b : "build/bin/civis-mock";
}

static size_t discard(char *d, size_t s, size_t n, void *u)
{
    (void)d; /* required by the libcurl callback signature */
    (void)u;
    return s * n;
}

/* One GET /users/me; the HTTP status or 0. */
static long probe(int port)
{
    CURL *c = curl_easy_init();
    if (c == NULL)
        return 0;
    char url[96];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/users/me", port);
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer bench");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    long status = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return status;
}

static int read_port(const char *file)
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

/* Starts civis-mock; *startup_ms is process start to first 200. */
static pid_t start_mock(const char *spec, int *port, double *startup_ms)
{
    char pf[] = "/tmp/civis-bench-port-XXXXXX";
    int fd = mkstemp(pf);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(pf);
    double t0 = bench_now_s();
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDOUT_FILENO);
        /* --stateless: the spec-driven answer path (validation, x-examples,
         * synthesis) is what is measured; the simulation would make the
         * GET a 404 and keep every POSTed object. */
        execl(mock_bin(), mock_bin(), "--stateless", "--spec", spec, "--host", "127.0.0.1",
              "--port", "0", "--port-file", pf, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    *port = 0;
    while (bench_now_s() - t0 < 10.0) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "mock_throughput: %s exited early\n", mock_bin());
            unlink(pf);
            return -1;
        }
        if (*port == 0)
            *port = read_port(pf);
        if (*port != 0 && probe(*port) == 200) {
            *startup_ms = (bench_now_s() - t0) * 1e3;
            unlink(pf);
            return pid;
        }
        sleep_ms(1);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    unlink(pf);
    return -1;
}

static int stop(pid_t pid)
{
    int st = 0;
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static long rss_kb(pid_t pid)
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

/* ---- the load generator ---------------------------------------------------- */

typedef struct slot {
    CURL *easy;
    double started;
} slot;

typedef struct result {
    double rps;
    double p50_ms, p99_ms;
    long requests, errors;
} result;

/* CONNS keep-alive connections, each sending its next request as soon as
 * the previous one is answered, for `seconds`. */
static void run_load(result *out, int port, const char *method, const char *path, const char *body,
                     double seconds)
{
    memset(out, 0, sizeof(*out));
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer bench");
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    CURLM *m = curl_multi_init();
    slot slots[CONNS];
    size_t cap = 1 << 16, n = 0;
    double *lat = malloc(cap * sizeof(double));
    for (int i = 0; i < CONNS; i++) {
        CURL *c = curl_easy_init();
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
        if (body != NULL) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
        }
        curl_easy_setopt(c, CURLOPT_PRIVATE, &slots[i]);
        slots[i].easy = c;
        slots[i].started = bench_now_s();
        curl_multi_add_handle(m, c);
    }
    double t0 = bench_now_s(), t_end = t0 + seconds;
    int running = CONNS;
    while (running > 0) {
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int q;
        while ((msg = curl_multi_info_read(m, &q)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            slot *s = NULL;
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
            if (t < t_end) {
                s->started = t;
                curl_multi_add_handle(m, s->easy);
                running++;
            }
        }
        if (running > 0)
            curl_multi_poll(m, NULL, 0, 50, NULL);
    }
    double elapsed = bench_now_s() - t0;
    for (int i = 0; i < CONNS; i++)
        curl_easy_cleanup(slots[i].easy);
    curl_multi_cleanup(m);
    curl_slist_free_all(h);
    out->rps = (double)(out->requests - out->errors) / elapsed;
    if (n > 0) {
        qsort(lat, n, sizeof(double), bench_cmp_double);
        out->p50_ms = lat[n / 2];
        out->p99_ms = lat[(size_t)((double)n * 0.99)];
    }
    free(lat);
}

/* ---- main -------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    if (argc < 2 || access(argv[1], R_OK) != 0) {
        printf("SKIP mock_throughput: full spec not found (%s)\n", argc > 1 ? argv[1] : "no path");
        return 0;
    }
    if (access(mock_bin(), X_OK) != 0) {
        printf("SKIP mock_throughput: %s not built\n", mock_bin());
        return 0;
    }
    curl_global_init(CURL_GLOBAL_ALL);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = ncpu < 1 ? 1 : (ncpu > 64 ? 64 : (unsigned)ncpu);

    /* start-up: several cold starts, the median reported */
    double starts[STARTUP_TRIALS];
    int port = 0;
    pid_t mock = -1;
    for (int i = 0; i < STARTUP_TRIALS; i++) {
        pid_t p = start_mock(argv[1], &port, &starts[i]);
        if (p < 0) {
            fprintf(stderr, "mock_throughput: civis-mock did not start\n");
            return 1;
        }
        if (i < STARTUP_TRIALS - 1)
            stop(p);
        else
            mock = p;
    }
    qsort(starts, STARTUP_TRIALS, sizeof(double), bench_cmp_double);
    long rss_start = rss_kb(mock);

    int bare_port = 0;
    pid_t bare = start_bare(&bare_port, threads);
    if (bare < 0) {
        fprintf(stderr, "mock_throughput: bare server did not start\n");
        stop(mock);
        return 1;
    }

    struct {
        const char *label, *method, *path, *body;
        double target;
    } cases[] = {
        {"GET /users/me", "GET", "/users/me", NULL, 0.5},
        {"GET /scripts/sql/1/runs/2", "GET", "/scripts/sql/1/runs/2", NULL, 0.5},
        {"POST /scripts/containers", "POST", "/scripts/containers", post_body, 0.3},
    };
    printf("mock_throughput: %d keep-alive connections, %.0f s per run, %u server threads\n", CONNS,
           SECONDS, threads);
    printf("%-28s %12s %9s %9s %12s %9s %9s %7s\n", "request", "mock req/s", "p50 ms", "p99 ms",
           "bare req/s", "p50 ms", "p99 ms", "ratio");
    int below = 0;
    long errors = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        result m, b, warm;
        run_load(&warm, port, cases[i].method, cases[i].path, cases[i].body, WARMUP);
        run_load(&m, port, cases[i].method, cases[i].path, cases[i].body, SECONDS);
        run_load(&warm, bare_port, cases[i].method, cases[i].path, cases[i].body, WARMUP);
        run_load(&b, bare_port, cases[i].method, cases[i].path, cases[i].body, SECONDS);
        double ratio = b.rps > 0 ? m.rps / b.rps : 0;
        errors += m.errors + b.errors;
        below += ratio < cases[i].target;
        printf("%-28s %12.0f %9.3f %9.3f %12.0f %9.3f %9.3f %7.2f%s\n", cases[i].label, m.rps,
               m.p50_ms, m.p99_ms, b.rps, b.p50_ms, b.p99_ms, ratio,
               ratio < cases[i].target ? "  (below target)" : "");
    }
    long rss_load = rss_kb(mock);
    /* A second pass on civis-mock alone: by now the journal ring is full, so
     * memory must stay flat however long the server runs. */
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        result again;
        run_load(&again, port, cases[i].method, cases[i].path, cases[i].body, SECONDS / 2);
        errors += again.errors;
    }
    long rss_end = rss_kb(mock);
    printf("start-up to first answer: median %.1f ms of %d (min %.1f, max %.1f; target < 100)\n",
           starts[STARTUP_TRIALS / 2], STARTUP_TRIALS, starts[0], starts[STARTUP_TRIALS - 1]);
    printf("RSS: %.1f MB after start-up, %.1f MB after the load, %.1f MB after a second pass "
           "(target < 40 MB; the journal ring fills once, then no growth)\n",
           (double)rss_start / 1024.0, (double)rss_load / 1024.0, (double)rss_end / 1024.0);
    if (errors > 0)
        printf("errors: %ld requests failed\n", errors);
    int mock_exit = stop(mock);
    stop(bare);
    printf("civis-mock exit status after SIGTERM: %d\n", mock_exit);
    curl_global_cleanup();
    (void)below; /* figures are reported, not enforced: machines are shared and noisy */
    return (errors > 0 || mock_exit != 0) ? 1 : 0;
}
