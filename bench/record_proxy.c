/*
 * record_proxy.c: what recording costs per request.
 *
 *   record_proxy [FULL_SPEC]
 *
 * Starts an upstream civis-mock (its simulation answers GET /users/me), a
 * civis-mock recording through it (--record-from, --record-mode all, a
 * temporary cassette) and one replaying that cassette (--record-mode none),
 * all on 127.0.0.1 port 0 ($CIVIS_MOCK_BIN, else build/bin/civis-mock).
 * The same libcurl-multi generator (32 keep-alive connections, as users
 * load civis-mock, then 8; SECONDS each) loads GET /users/me directly on
 * the upstream, through the recorder and on the replayer, ROUNDS times in
 * turn; the medians are printed with the ratio recording / direct (target
 * >= 0.5) and replay / direct, and the CPU each process spent per request
 * (the generator's own included): on a small machine the three share the
 * CPUs, so the ratio is bounded by how the costs add up.
 * Recording forwards every request; an answer equal to the last one
 * recorded for the same request is not written again (replay would repeat
 * it anyway), so the steady state measured here is forward + compare.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench.h"

#define MAX_CONNS 32
#define SECONDS 2.0
#define ROUNDS 3

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
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

/* Starts civis-mock with `args` (NULL-terminated, at most 12); 0 on failure. */
static pid_t start_mock(const char *const *args, int *port)
{
    char pf[] = "/tmp/civis-bench-port-XXXXXX";
    int fd = mkstemp(pf);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(pf);
    const char *argv[20];
    size_t n = 0;
    argv[n++] = mock_bin();
    for (size_t i = 0; args[i] != NULL && n < 12; i++)
        argv[n++] = args[i];
    argv[n++] = "--host";
    argv[n++] = "127.0.0.1";
    argv[n++] = "--port";
    argv[n++] = "0";
    argv[n++] = "--port-file";
    argv[n++] = pf;
    argv[n] = NULL;
    double t0 = bench_now_s();
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDOUT_FILENO);
        execv(mock_bin(), (char *const *)(uintptr_t)argv);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    *port = 0;
    while (bench_now_s() - t0 < 10.0) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "record_proxy: %s exited early\n", mock_bin());
            unlink(pf);
            return -1;
        }
        if (*port == 0)
            *port = read_port(pf);
        if (*port != 0 && probe(*port) == 200) {
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

/* User plus system CPU seconds a process has used so far (/proc/PID/stat). */
static double proc_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f != NULL)
        fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
    unsigned long ut = 0, st = 0;
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; /* required by the nftw callback signature */
    (void)flag;
    (void)ftw;
    return remove(path);
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

/* This process's CPU seconds so far: the generator's cost. */
static double self_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* `conns` keep-alive connections, each sending its next request as soon as
 * the previous one is answered, for `seconds`. */
static void run_load(result *out, int conns, int port, const char *method, const char *path,
                     const char *body, double seconds)
{
    memset(out, 0, sizeof(*out));
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer bench");
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    CURLM *m = curl_multi_init();
    slot slots[MAX_CONNS];
    size_t cap = 1 << 16, n = 0;
    double *lat = malloc(cap * sizeof(double));
    for (int i = 0; i < conns; i++) {
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
    int running = conns;
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
    for (int i = 0; i < conns; i++)
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

/* CPU microseconds per request of one process over one run. */
static double us_per(double cpu_s, long requests)
{
    return requests > 0 ? cpu_s * 1e6 / (double)requests : 0;
}

typedef struct procs {
    pid_t up, rec, rep;
    int up_port, rec_port, rep_port;
} procs;

/* ROUNDS rounds of direct, recording and replay with `conns` connections;
 * prints the medians. Returns the errors seen. */
static long measure(const procs *p, int conns)
{
    enum { D_RPS, R_RPS, P_RPS, D_GEN, D_UP, R_GEN, R_REC, R_UP, P_GEN, P_REP, N_FIG };
    double fig[N_FIG][ROUNDS];
    long errors = 0;
    for (int r = 0; r < ROUNDS; r++) {
        result a, b, c;
        double g0 = self_cpu_s(), u0 = proc_cpu_s(p->up);
        run_load(&a, conns, p->up_port, "GET", "/users/me", NULL, SECONDS);
        double g1 = self_cpu_s(), u1 = proc_cpu_s(p->up), r1 = proc_cpu_s(p->rec);
        run_load(&b, conns, p->rec_port, "GET", "/users/me", NULL, SECONDS);
        double g2 = self_cpu_s(), u2 = proc_cpu_s(p->up), r2 = proc_cpu_s(p->rec),
               p2 = proc_cpu_s(p->rep);
        run_load(&c, conns, p->rep_port, "GET", "/users/me", NULL, SECONDS);
        double g3 = self_cpu_s(), p3 = proc_cpu_s(p->rep);
        fig[D_RPS][r] = a.rps;
        fig[R_RPS][r] = b.rps;
        fig[P_RPS][r] = c.rps;
        fig[D_GEN][r] = us_per(g1 - g0, a.requests);
        fig[D_UP][r] = us_per(u1 - u0, a.requests);
        fig[R_GEN][r] = us_per(g2 - g1, b.requests);
        fig[R_REC][r] = us_per(r2 - r1, b.requests);
        fig[R_UP][r] = us_per(u2 - u1, b.requests);
        fig[P_GEN][r] = us_per(g3 - g2, c.requests);
        fig[P_REP][r] = us_per(p3 - p2, c.requests);
        errors += a.errors + b.errors + c.errors;
        printf("%d connections, round %d: direct %.0f req/s (p50 %.2f ms), recording %.0f req/s "
               "(p50 %.2f ms, ratio %.2f), replay %.0f req/s (p50 %.2f ms)\n",
               conns, r + 1, a.rps, a.p50_ms, b.rps, b.p50_ms, a.rps > 0 ? b.rps / a.rps : 0, c.rps,
               c.p50_ms);
    }
    double m[N_FIG];
    for (int i = 0; i < N_FIG; i++)
        m[i] = bench_median(fig[i], ROUNDS);
    printf("GET /users/me, %d connections, median of %d rounds of %.0f s:\n", conns, ROUNDS,
           SECONDS);
    printf("  direct to the upstream  %8.0f req/s\n", m[D_RPS]);
    printf("  through the recorder    %8.0f req/s  ratio %.2f (target >= 0.5)\n", m[R_RPS],
           m[D_RPS] > 0 ? m[R_RPS] / m[D_RPS] : 0);
    printf("  replayed from cassette  %8.0f req/s  ratio %.2f\n", m[P_RPS],
           m[D_RPS] > 0 ? m[P_RPS] / m[D_RPS] : 0);
    printf("  CPU per request, direct:    generator %.1f us + upstream %.1f us = %.1f us\n",
           m[D_GEN], m[D_UP], m[D_GEN] + m[D_UP]);
    printf("  CPU per request, recording: generator %.1f us + recorder %.1f us + upstream %.1f us "
           "= %.1f us\n",
           m[R_GEN], m[R_REC], m[R_UP], m[R_GEN] + m[R_REC] + m[R_UP]);
    printf("  CPU per request, replay:    generator %.1f us + replayer %.1f us = %.1f us\n",
           m[P_GEN], m[P_REP], m[P_GEN] + m[P_REP]);
    return errors;
}

int main(int argc, char **argv)
{
    (void)argc; /* the spec argument of `make bench` is not needed: the bundled spec serves */
    (void)argv;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    char cas[] = "/tmp/civis-bench-cassette-XXXXXX";
    if (mkdtemp(cas) == NULL) {
        perror("record_proxy: mkdtemp");
        return 1;
    }
    procs p = {-1, -1, -1, 0, 0, 0};
    const char *up_args[] = {NULL};
    p.up = start_mock(up_args, &p.up_port);
    char up_url[64];
    snprintf(up_url, sizeof(up_url), "http://127.0.0.1:%d/", p.up_port);
    /* RP_THREADS=N compares worker-thread counts of the recorder. */
    const char *threads = getenv("RP_THREADS");
    bool th = threads != NULL && *threads != '\0';
    const char *rec_args[] = {
        "--record-from",         up_url,  "--cassette", cas, "--record-mode", "all",
        th ? "--threads" : NULL, threads, NULL};
    p.rec = p.up > 0 ? start_mock(rec_args, &p.rec_port) : -1;
    const char *rep_args[] = {"--cassette", cas, "--record-mode", "none", NULL};
    p.rep = p.rec > 0 ? start_mock(rep_args, &p.rep_port) : -1;
    int rc = 1;
    if (p.up <= 0 || p.rec <= 0 || p.rep <= 0) {
        fprintf(stderr, "record_proxy: cannot start civis-mock (%s)\n", mock_bin());
    } else {
        long errors = measure(&p, 32) + measure(&p, 8);
        printf("errors %ld\n", errors);
        rc = errors == 0 ? 0 : 1;
    }
    if (p.rep > 0)
        stop(p.rep);
    if (p.rec > 0)
        stop(p.rec);
    if (p.up > 0)
        stop(p.up);
    nftw(cas, rm_one, 8, FTW_DEPTH | FTW_PHYS);
    curl_global_cleanup();
    return rc;
}
