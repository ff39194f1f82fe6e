/*
 * mock_throughput.c: civis-mock against a bare libmicrohttpd server, as
 * users run it.
 *
 *   mock_throughput FULL_SPEC
 *
 * Starts civis-mock --spec FULL_SPEC on port 0 ($CIVIS_MOCK_BIN, else
 * build/bin/civis-mock) twice, with the simulation on (the default, how CI
 * suites run it) and with --stateless, and, in a forked child, a bare MHD
 * server with the same threading that answers a constant body. All are
 * loaded by the same libcurl-multi generator (CONNS keep-alive connections
 * for SECONDS each) with GET /users/me, a GET of a stored run
 * (GET /scripts/sql/1/runs/2: with the simulation on, the bench key's SQL
 * script 1 and its run 2 are created first) and POST /scripts/containers
 * spread over KEYS API keys. Printed: each figure with its ratio to the
 * bare server measured in the same run (targets: >= 0.5 for GETs, >= 0.3
 * for the POSTs). Also: start-up time (process start to first answered
 * request, target < 100 ms) and RSS of the stateless server after start-up
 * and after the load (target < 40 MB, no growth).
 */
#include <pthread.h>
#include <stdint.h>

#include <microhttpd.h>

#include "mockrun.h"

#define CONNS 32
#define SECONDS 3.0
#define WARMUP 0.3
#define STARTUP_TRIALS 5
#define KEYS 64

static const char post_body[] =
    "{\"name\":\"bench\",\"docker_image_name\":\"civisanalytics/datascience-python\","
    "\"docker_command\":\"python run.py\",\"required_resources\":{\"cpu\":1000,\"memory\":2048}}";

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

/* ---- the load ---------------------------------------------------------------- */

/* POSTs spread over KEYS API keys: each key's state takes a share. */
static void many_keys(long n, char *path, size_t plen, char *key, size_t klen, void *ctx)
{
    (void)path; /* required by the mockrun_load callback signature */
    (void)plen;
    (void)ctx;
    snprintf(key, klen, "bench-%ld", n % KEYS);
}

typedef struct bench_case {
    const char *label, *method, *path, *body;
    bool many;
    double target;
} bench_case;

static void load(mockrun_result *out, int port, const bench_case *c, double seconds)
{
    mockrun_load l = {.method = c->method,
                      .path = c->path,
                      .body = c->body,
                      .conns = CONNS,
                      .seconds = seconds,
                      .next = c->many ? many_keys : NULL};
    mockrun_drive(out, port, &l);
}

/* The bench key's SQL script 1 and its run 2, for the GET of a stored run. */
static bool seed_run(int port)
{
    return mockrun_request(port, "POST", "/scripts/sql",
                           "{\"name\":\"q\",\"sql\":\"select 1\",\"remote_host_id\":1,"
                           "\"credential_id\":1}") /
                   100 ==
               2 &&
           mockrun_request(port, "POST", "/scripts/sql/1/runs", NULL) / 100 == 2 &&
           mockrun_request(port, "GET", "/scripts/sql/1/runs/2", NULL) == 200;
}

int main(int argc, char **argv)
{
    if (argc < 2 || access(argv[1], R_OK) != 0) {
        printf("SKIP mock_throughput: full spec not found (%s)\n", argc > 1 ? argv[1] : "no path");
        return 0;
    }
    if (access(mockrun_bin(), X_OK) != 0) {
        printf("SKIP mock_throughput: %s not built\n", mockrun_bin());
        return 0;
    }
    curl_global_init(CURL_GLOBAL_ALL);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = ncpu < 1 ? 1 : (ncpu > 64 ? 64 : (unsigned)ncpu);
    const char *const stateless[] = {"--stateless", NULL};

    /* start-up: several cold starts, the median reported */
    double starts[STARTUP_TRIALS];
    int port = 0;
    for (int i = 0; i < STARTUP_TRIALS; i++) {
        pid_t p = mockrun_start(argv[1], stateless, &port, &starts[i]);
        if (p < 0) {
            fprintf(stderr, "mock_throughput: civis-mock did not start\n");
            return 1;
        }
        mockrun_stop(p);
    }
    qsort(starts, STARTUP_TRIALS, sizeof(double), bench_cmp_double);

    int bare_port = 0;
    pid_t bare = start_bare(&bare_port, threads);
    if (bare < 0) {
        fprintf(stderr, "mock_throughput: bare server did not start\n");
        return 1;
    }
    const bench_case cases[] = {
        {"GET /users/me", "GET", "/users/me", NULL, false, 0.5},
        {"GET /scripts/sql/1/runs/2", "GET", "/scripts/sql/1/runs/2", NULL, false, 0.5},
        {"POST /scripts/containers", "POST", "/scripts/containers", post_body, true, 0.3},
    };
    enum { N_CASES = sizeof(cases) / sizeof(cases[0]) };
    double bare_rps[N_CASES];
    long errors = 0;
    for (size_t i = 0; i < N_CASES; i++) {
        mockrun_result b, warm;
        load(&warm, bare_port, &cases[i], WARMUP);
        load(&b, bare_port, &cases[i], SECONDS);
        bare_rps[i] = b.rps;
        errors += b.errors;
    }
    printf("mock_throughput: %d keep-alive connections, %.0f s per run, %u server threads, "
           "POSTs over %d keys\n",
           CONNS, SECONDS, threads, KEYS);
    printf("%-28s %-10s %11s %8s %8s %11s %7s\n", "request", "civis-mock", "req/s", "p50 ms",
           "p99 ms", "bare req/s", "ratio");
    long rss_start = 0, rss_load = 0, rss_end = 0;
    int mock_exit = 0;
    for (int mode = 0; mode < 2; mode++) {
        pid_t mock = mockrun_start(argv[1], mode == 0 ? NULL : stateless, &port, NULL);
        if (mock < 0 || (mode == 0 && !seed_run(port))) {
            fprintf(stderr, "mock_throughput: civis-mock did not start or seed\n");
            if (mock > 0)
                mockrun_stop(mock);
            mockrun_stop(bare);
            return 1;
        }
        if (mode == 1)
            rss_start = mockrun_rss_kb(mock);
        for (size_t i = 0; i < N_CASES; i++) {
            mockrun_result m, warm;
            load(&warm, port, &cases[i], WARMUP);
            load(&m, port, &cases[i], SECONDS);
            double ratio = bare_rps[i] > 0 ? m.rps / bare_rps[i] : 0;
            errors += m.errors;
            printf("%-28s %-10s %11.0f %8.3f %8.3f %11.0f %7.2f%s\n", cases[i].label,
                   mode == 0 ? "simulation" : "stateless", m.rps, m.p50_ms, m.p99_ms, bare_rps[i],
                   ratio, ratio < cases[i].target ? "  (below target)" : "");
            fflush(stdout);
        }
        if (mode == 1) {
            rss_load = mockrun_rss_kb(mock);
            /* A second pass: by now the journal ring is full, so memory
             * must stay flat however long the server runs. */
            for (size_t i = 0; i < N_CASES; i++) {
                mockrun_result again;
                load(&again, port, &cases[i], SECONDS / 2);
                errors += again.errors;
            }
            rss_end = mockrun_rss_kb(mock);
        }
        int st = mockrun_stop(mock);
        mock_exit = mock_exit ? mock_exit : st;
    }
    printf("start-up to first answer: median %.1f ms of %d (min %.1f, max %.1f; target < 100)\n",
           starts[STARTUP_TRIALS / 2], STARTUP_TRIALS, starts[0], starts[STARTUP_TRIALS - 1]);
    printf("RSS (stateless): %.1f MB after start-up, %.1f MB after the load, %.1f MB after a "
           "second pass (target < 40 MB; the journal ring fills once, then no growth)\n",
           (double)rss_start / 1024.0, (double)rss_load / 1024.0, (double)rss_end / 1024.0);
    if (errors > 0)
        printf("errors: %ld requests failed\n", errors);
    mockrun_stop(bare);
    printf("civis-mock exit status after SIGTERM: %d\n", mock_exit);
    curl_global_cleanup();
    /* figures are reported, not enforced: machines are shared and noisy */
    return (errors > 0 || mock_exit != 0) ? 1 : 0;
}
