/*
 * futures.c: driving many runs to completion with one poll scheduler.
 *
 *   futures [FULL_SPEC]
 *
 * The argument is accepted and not used: civis-mock serves its bundled
 * spec, which has every operation this needs. Starts civis-mock
 * --run-policy polls:3 on port 0 ($CIVIS_MOCK_BIN, else
 * build/bin/civis-mock), creates RUNS container scripts and a run of each,
 * and drives every run to completion with civis_futures_wait(ALL) in this
 * one thread, polling each run every 10 ms. Prints wall time, client CPU
 * (getrusage), the HTTP requests the client made (counted by its log hook,
 * checked against the server's journal), requests per run (target: 2 to
 * create + 3 polls = 5), and the threads alive while waiting (target: 1).
 *
 * A second round does the same with civis_futures_wait_opts and a pool of
 * CIVIS_WAIT_MAX_THREADS workers (on a local server the pool has little to
 * hide; it pays off when every poll waits on a distant one).
 *
 * Baseline, same run: the same number of polls sent back to back by a
 * plain civis_call loop, the floor of the client's cost per request; the
 * ratio is the scheduler's CPU per poll over that floor (target close to 1).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "civis.h"

#define RUNS 500
#define POLL_MS 10

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* ---- civis-mock ------------------------------------------------------------- */

static const char *mock_bin(void)
{
    const char *b = getenv("CIVIS_MOCK_BIN");
    return (b != NULL && *b != '\0') ? b : "build/bin/civis-mock";
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

static pid_t start_mock(int *port)
{
    char pf[] = "/tmp/civis-bench-port-XXXXXX";
    int fd = mkstemp(pf);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(pf);
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDOUT_FILENO);
        execl(mock_bin(), mock_bin(), "--run-policy", "polls:3", "--host", "127.0.0.1", "--port",
              "0", "--port-file", pf, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    double t0 = now_s();
    *port = 0;
    while (now_s() - t0 < 10.0 && *port == 0) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return -1;
        *port = read_port(pf);
        if (*port == 0) {
            struct timespec ts = {0, 2000000L};
            nanosleep(&ts, NULL);
        }
    }
    unlink(pf);
    if (*port == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

/* ---- the client ------------------------------------------------------------- */

typedef struct counter {
    long requests; /* one DEBUG line per HTTP exchange */
} counter;

static void count_line(void *data, civis_log_level level, const char *line)
{
    (void)line; /* only counted */
    if (level == CIVIS_LOG_DEBUG)
        ((counter *)data)->requests++;
}

static atomic_int max_threads;
static atomic_int completions;

/* A done callback that samples the thread count (every 25th completion:
 * reading /proc costs as much as a poll and would blur the CPU figures). */
static civis_status watch_threads(civis_future *f, void *data, civis_error *err)
{
    (void)f; /* any future will do */
    (void)data;
    (void)err;
    if (atomic_fetch_add(&completions, 1) % 25 != 0)
        return CIVIS_OK;
    int t = thread_count();
    int seen = atomic_load(&max_threads);
    while (t > seen && !atomic_compare_exchange_weak(&max_threads, &seen, t))
        ;
    return CIVIS_OK;
}

static long long post_id(civis_client *c, const char *method, long long id, civis_error *err)
{
    civis_response *r = NULL;
    long long out = 0;
    civis_status st =
        id > 0 ? civis_callv(&r, c, "scripts", method, err, "id", CIVIS_INT(id), CIVIS_END)
               : civis_callv(&r, c, "scripts", method, err, "name", CIVIS_STR("bench"),
                             "docker_image_name", CIVIS_STR("python"), "docker_command",
                             CIVIS_STR("true"), "required_resources",
                             CIVIS_OBJ("cpu", CIVIS_INT(256), "memory", CIVIS_INT(512), CIVIS_END),
                             CIVIS_END);
    if (st == CIVIS_OK)
        st = civis_response_int(&out, r, "id", err);
    civis_response_free(r);
    return st == CIVIS_OK ? out : -1;
}

/* Requests the server journaled for one operation (its ring holds 10,000). */
static int journaled(civis_client *c, const char *operation)
{
    char path[128];
    snprintf(path, sizeof(path), "/__mock/journal?operation=%s", operation);
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_request(&r, c, "GET", path, NULL, &err) != CIVIS_OK)
        return -1;
    int n = cJSON_GetArraySize(civis_response_json(r));
    civis_response_free(r);
    return n;
}

/* Figures of one round: RUNS runs created, then driven to the end. */
typedef struct round_fig {
    double create_wall, create_cpu, wait_wall, wait_cpu;
    long create_req, polls;
    int threads_before, threads_max;
} round_fig;

/* Creates RUNS scripts and runs, then waits on all of them with `threads`
 * (0: the scheduler alone). The futures are left in fs for the caller. */
static int one_round(round_fig *fig, civis_future **fs, civis_client *c, const counter *cnt,
                     int threads)
{
    civis_error err = CIVIS_ERROR_INIT;
    civis_future_options fo = {.interval_ms = POLL_MS, .delay_first_poll = true};
    double t0 = now_s(), c0 = cpu_s();
    long r0 = cnt->requests;
    for (int i = 0; i < RUNS; i++) {
        long long job = post_id(c, "post_containers", 0, &err);
        long long run = job > 0 ? post_id(c, "post_containers_runs", job, &err) : -1;
        if (run <= 0 || civis_future_container(&fs[i], c, job, run, &fo, &err) != CIVIS_OK ||
            civis_future_add_done_callback(fs[i], watch_threads, NULL, &err) != CIVIS_OK) {
            fprintf(stderr, "futures: %s\n", err.message);
            return -1;
        }
    }
    fig->create_wall = now_s() - t0;
    fig->create_cpu = cpu_s() - c0;
    fig->create_req = cnt->requests - r0;

    fig->threads_before = thread_count();
    atomic_store(&max_threads, 0);
    atomic_store(&completions, 0);
    civis_wait_options w = {.threads = threads};
    t0 = now_s();
    c0 = cpu_s();
    r0 = cnt->requests;
    size_t n_done = 0;
    if (civis_futures_wait_opts(&n_done, NULL, fs, RUNS, CIVIS_WAIT_ALL, 120000, &w, &err) !=
        CIVIS_OK) {
        fprintf(stderr, "futures: %s\n", err.message);
        return -1;
    }
    fig->wait_wall = now_s() - t0;
    fig->wait_cpu = cpu_s() - c0;
    fig->polls = cnt->requests - r0;
    fig->threads_max = atomic_load(&max_threads);
    for (int i = 0; i < RUNS; i++)
        if (civis_future_result(NULL, fs[i], &err) != CIVIS_OK) {
            fprintf(stderr, "futures: run %d: %s\n", i, err.message);
            return -1;
        }
    return n_done == RUNS ? 0 : -1;
}

static void print_round(const char *name, const round_fig *f)
{
    printf("%-9s create wall %7.3f s  cpu %6.3f s  requests %5ld (%.2f per run)\n", name,
           f->create_wall, f->create_cpu, f->create_req, (double)f->create_req / RUNS);
    printf("%-9s wait   wall %7.3f s  cpu %6.3f s  requests %5ld (%.2f polls per run)\n", "",
           f->wait_wall, f->wait_cpu, f->polls, (double)f->polls / RUNS);
    printf("%-9s requests per run %.2f (target 5: 2 to create + 3 polls); threads while "
           "waiting %d (before %d)\n",
           "", (double)(f->create_req + f->polls) / RUNS, f->threads_max, f->threads_before);
}

int main(int argc, char **argv)
{
    (void)argc; /* the full spec is not needed: the bundled one serves */
    (void)argv;
    int port = 0;
    pid_t pid = start_mock(&port);
    if (pid < 0) {
        fprintf(stderr, "futures: cannot start %s\n", mock_bin());
        return 1;
    }
    civis_global_init();
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d/", port);
    counter cnt = {0};
    civis_client_options o = {.api_key = "bench",
                              .base_url = base,
                              .bundled_spec = true,
                              .no_spec_cache = true,
                              .log = count_line,
                              .hook_data = &cnt};
    civis_client *c = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_future **fs = calloc(RUNS, sizeof(*fs));
    civis_future **fs2 = calloc(RUNS, sizeof(*fs2));
    round_fig one = {0}, pool = {0};
    int rc = 1;
    if (fs == NULL || fs2 == NULL || civis_client_new(&c, &o, &err) != CIVIS_OK) {
        fprintf(stderr, "futures: %s\n", err.message);
        goto done;
    }
    if (one_round(&one, fs, c, &cnt, 0) != 0 ||
        one_round(&pool, fs2, c, &cnt, CIVIS_WAIT_MAX_THREADS) != 0)
        goto done;

    /* baseline: as many polls back to back, no scheduling at all */
    long polls = one.polls;
    double t0 = now_s(), c0 = cpu_s();
    for (long i = 0; i < polls; i++) {
        civis_response *r = NULL;
        const civis_future *f = fs[i % RUNS];
        if (civis_callv(&r, c, "scripts", "get_containers_runs", &err, "id",
                        CIVIS_INT(civis_future_job_id(f)), "run_id",
                        CIVIS_INT(civis_future_run_id(f)), CIVIS_END) != CIVIS_OK) {
            fprintf(stderr, "futures: baseline: %s\n", err.message);
            goto done;
        }
        civis_response_free(r);
    }
    double base_wall = now_s() - t0, base_cpu = cpu_s() - c0;
    int server_polls = journaled(c, "scripts.get_containers_runs");

    printf("runs %d per round (civis-mock --run-policy polls:3, a poll every %d ms)\n", RUNS,
           POLL_MS);
    print_round("scheduler", &one);
    char name[16];
    snprintf(name, sizeof(name), "pool of %d", CIVIS_WAIT_MAX_THREADS);
    print_round(name, &pool);
    printf("server journal: %d polls (the rounds' %ld + %ld, the baseline's %ld)\n", server_polls,
           one.polls, pool.polls, polls);
    printf("baseline: %ld polls back to back: wall %.3f s  cpu %.3f s\n", polls, base_wall,
           base_cpu);
    printf("cpu per poll: scheduler %.1f us, pool %.1f us, bare loop %.1f us; "
           "ratio scheduler / bare %.2f\n",
           one.wait_cpu / (double)one.polls * 1e6, pool.wait_cpu / (double)pool.polls * 1e6,
           base_cpu / (double)polls * 1e6, base_cpu > 0 ? one.wait_cpu / base_cpu : 0.0);
    rc = 0;

done:
    for (int i = 0; i < RUNS; i++) {
        civis_future_free(fs ? fs[i] : NULL);
        civis_future_free(fs2 ? fs2[i] : NULL);
    }
    free(fs);
    free(fs2);
    civis_client_free(c);
    civis_global_cleanup();
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    return rc;
}
