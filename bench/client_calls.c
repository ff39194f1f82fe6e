/*
 * client_calls: what libcivis costs per call over bare libcurl, and how
 * long a client takes to start.
 *
 *   client_calls FULL_SPEC.json
 *
 * Starts civis-mock ($CIVIS_MOCK_BIN, else build/bin/civis-mock) with the
 * full spec on 127.0.0.1 port 0, then alternates rounds of
 *   baseline  one libcurl easy handle, the same GET /users/me request (Basic
 *             auth, User-Agent, Content-Type, body "{}"), body collected
 *   civis     civis_call(users.get_me) on one client over keep-alive: name
 *             lookup, argument placement, retry bookkeeping, JSON parse
 * and prints calls/s and CPU microseconds per call (getrusage, this process
 * only: the server runs elsewhere) for each, and the ratio
 * civis calls/s / baseline calls/s (target >= 0.8): the median of the
 * per-round ratios, each round pairing two loops run back to back, so that
 * a busy machine slows both sides of a pair alike. A third loop also reads
 * one field of every response (libcivis parses a body on first use), for
 * reference.
 * Then times civis_client_new from an in-memory copy of the full spec
 * (median of 20; target < 50 ms). Without a readable spec it prints SKIP.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "civis.h"

#include "bench.h"

#define CALLS 400
#define ROUNDS 21
#define STARTS 20

/* ---- civis-mock -------------------------------------------------------------- */

static const char *mock_bin(void)
{
    const char *b = getenv("CIVIS_MOCK_BIN");
    return (b != NULL && *b != '\0') ? b : "build/bin/civis-mock";
}

static pid_t start_mock(const char *spec, int *port)
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
        execl(mock_bin(), mock_bin(), "--spec", spec, "--stateless", "--host", "127.0.0.1",
              "--port", "0", "--port-file", pf, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    *port = 0;
    for (double t0 = bench_now_s(); bench_now_s() - t0 < 20.0;) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) {
            fprintf(stderr, "client_calls: %s exited early\n", mock_bin());
            unlink(pf);
            return -1;
        }
        FILE *f = fopen(pf, "r");
        if (f != NULL) {
            if (fscanf(f, "%d", port) != 1)
                *port = 0;
            fclose(f);
        }
        if (*port > 0) {
            unlink(pf);
            return pid;
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    unlink(pf);
    return -1;
}

static void stop(pid_t pid)
{
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

/* ---- the two loops ------------------------------------------------------------ */

typedef struct figures {
    double calls_per_s;
    double cpu_us_per_call;
} figures;

typedef struct sink {
    char *data;
    size_t len, cap;
} sink;

static size_t collect(char *d, size_t s, size_t n, void *u)
{
    sink *k = u;
    size_t len = s * n;
    if (k->len + len + 1 > k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 4096;
        while (cap < k->len + len + 1)
            cap *= 2;
        char *p = realloc(k->data, cap);
        if (p == NULL)
            return 0;
        k->data = p;
        k->cap = cap;
    }
    memcpy(k->data + k->len, d, len);
    k->len += len;
    return len;
}

static int bare_loop(figures *out, const char *base_url, int calls)
{
    CURL *c = curl_easy_init();
    char url[128];
    snprintf(url, sizeof(url), "%susers/me", base_url);
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Basic YmVuY2g6");
    h = curl_slist_append(h, "User-Agent: bench (civis-c; libcurl)");
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    sink k = {0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{}");
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "GET");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    int ok = 0;
    double t0 = bench_now_s(), c0 = bench_cpu_s();
    for (int i = 0; i < calls; i++) {
        k.len = 0;
        long status = 0;
        if (curl_easy_perform(c) == CURLE_OK &&
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 200)
            ok++;
    }
    double wall = bench_now_s() - t0, cpu = bench_cpu_s() - c0;
    out->calls_per_s = calls / wall;
    out->cpu_us_per_call = cpu / calls * 1e6;
    free(k.data);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return ok == calls ? 0 : -1;
}

static int civis_loop(figures *out, civis_client *client, int calls, bool read_field)
{
    int ok = 0;
    double t0 = bench_now_s(), c0 = bench_cpu_s();
    for (int i = 0; i < calls; i++) {
        civis_response *r = NULL;
        civis_error err = CIVIS_ERROR_INIT;
        long long id = 0;
        if (civis_call(&r, client, "users", "get_me", NULL, &err) == CIVIS_OK &&
            (!read_field || civis_response_int(&id, r, "id", &err) == CIVIS_OK))
            ok++;
        else if (i == 0)
            fprintf(stderr, "client_calls: %s\n", err.message);
        civis_response_free(r);
    }
    double wall = bench_now_s() - t0, cpu = bench_cpu_s() - c0;
    out->calls_per_s = calls / wall;
    out->cpu_us_per_call = cpu / calls * 1e6;
    return ok == calls ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || access(argv[1], R_OK) != 0) {
        printf("client_calls: SKIP (no readable spec given)\n");
        return 0;
    }
    size_t len = 0;
    char *text = bench_slurp(argv[1], &len);
    if (text == NULL || civis_global_init() != CIVIS_OK) {
        fprintf(stderr, "client_calls: cannot read %s\n", argv[1]);
        free(text);
        return 1;
    }
    int port = 0;
    pid_t pid = start_mock(argv[1], &port);
    if (pid < 0) {
        free(text);
        civis_global_cleanup();
        return 1;
    }
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d/", port);

    civis_client_options o = {.api_key = "bench",
                              .base_url = base,
                              .spec_buffer = text,
                              .spec_len = len,
                              .retry = {.max_attempts = 1}};
    civis_client *client = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    int rc = 0;
    if (civis_client_new(&client, &o, &err) != CIVIS_OK) {
        fprintf(stderr, "client_calls: %s\n", err.message);
        rc = 1;
        goto done;
    }
    /* Warm both paths (connections, caches, the server's first requests). */
    figures warm;
    if (bare_loop(&warm, base, 200) != 0 || civis_loop(&warm, client, 200, true) != 0) {
        fprintf(stderr, "client_calls: warm-up calls failed\n");
        rc = 1;
        goto done;
    }
    double bare_cps[ROUNDS], civis_cps[ROUNDS], read_cps[ROUNDS], ratio[ROUNDS];
    double bare_cpu[ROUNDS], civis_cpu[ROUNDS], read_cpu[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        figures b, c, d;
        /* alternate which side goes first, so neither always runs warm */
        int fail = (r % 2 == 0)
                       ? (bare_loop(&b, base, CALLS) | civis_loop(&c, client, CALLS, false))
                       : (civis_loop(&c, client, CALLS, false) | bare_loop(&b, base, CALLS));
        if (fail != 0 || civis_loop(&d, client, CALLS, true) != 0) {
            fprintf(stderr, "client_calls: calls failed in round %d\n", r);
            rc = 1;
            goto done;
        }
        bare_cps[r] = b.calls_per_s;
        civis_cps[r] = c.calls_per_s;
        read_cps[r] = d.calls_per_s;
        ratio[r] = c.calls_per_s / b.calls_per_s;
        bare_cpu[r] = b.cpu_us_per_call;
        civis_cpu[r] = c.cpu_us_per_call;
        read_cpu[r] = d.cpu_us_per_call;
    }
    double bc = bench_median(bare_cps, ROUNDS), cc = bench_median(civis_cps, ROUNDS);
    double rc_ = bench_median(read_cps, ROUNDS), rr = bench_median(ratio, ROUNDS);
    double bu = bench_median(bare_cpu, ROUNDS), cu = bench_median(civis_cpu, ROUNDS);
    double ru = bench_median(read_cpu, ROUNDS);
    printf("GET /users/me over keep-alive, %d rounds of %d calls (medians):\n", ROUNDS, CALLS);
    printf("  baseline libcurl          : %8.0f calls/s  %6.1f us CPU/call\n", bc, bu);
    printf("  libcivis                  : %8.0f calls/s  %6.1f us CPU/call\n", cc, cu);
    printf("  libcivis + read one field : %8.0f calls/s  %6.1f us CPU/call\n", rc_, ru);
    printf("  ratio (civis/baseline calls/s): %.2f (target >= 0.80)%s\n", rr,
           rr >= 0.8 ? "" : "  BELOW TARGET");

    /* Client start-up from a local copy of the full spec. */
    double starts[STARTS];
    for (int i = 0; i < STARTS; i++) {
        civis_client *c = NULL;
        double t0 = bench_now_s();
        if (civis_client_new(&c, &o, &err) != CIVIS_OK) {
            fprintf(stderr, "client_calls: %s\n", err.message);
            rc = 1;
            goto done;
        }
        starts[i] = (bench_now_s() - t0) * 1e3;
        civis_client_free(c);
    }
    double ms = bench_median(starts, STARTS);
    printf(
        "civis_client_new from the full spec in memory: %.1f ms median of %d (target < 50 ms)%s\n",
        ms, STARTS, ms < 50 ? "" : "  ABOVE TARGET");

done:
    civis_client_free(client);
    stop(pid);
    free(text);
    civis_global_cleanup();
    return rc;
}
