/*
 * bundled_start: what the bundled spec costs a program that starts.
 *
 *   bundled_start [SPEC.json]
 *
 * 1. First in a process. Each round runs this program twice more, fresh:
 *    once to parse the bundled spec's bytes with cJSON (the baseline: the
 *    least a program that reads the spec at start-up pays), once to create
 *    an in-process mock on the default spec (civis_mock_new with no
 *    options), each timing only its own step. Rounds alternate so both see
 *    the same machine noise; medians of ROUNDS. Target: the mock at most
 *    0.25x the parse.
 * 2. Warm: a second mock in the same process, and the parse again.
 * 3. civis-mock on the bundled spec, as CI starts it: from exec to the
 *    first answer of GET /users/me (target < 100 ms), and its resident
 *    memory then (target < 40 MB). The binary is $CIVIS_MOCK_BIN (the
 *    Makefile sets it).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "civis.h"
#include "civis/mock.h"

#include "bench.h"
#include "mockrun.h"

#define ROUNDS 21
#define STARTS 9

/* Child modes: print one figure (ms) and exit. */
static int child_parse(void)
{
    size_t len = 0;
    const char *text = civis_spec_bundled_text(&len);
    double t0 = bench_now_s();
    cJSON *doc = cJSON_ParseWithLength(text, len);
    double t1 = bench_now_s();
    if (doc == NULL)
        return 1;
    printf("%.4f\n", (t1 - t0) * 1e3);
    cJSON_Delete(doc);
    return 0;
}

static int child_mock(void)
{
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock *m = NULL;
    double t0 = bench_now_s();
    civis_status st = civis_mock_new(&m, NULL, &err);
    double t1 = bench_now_s();
    if (st != CIVIS_OK) {
        fprintf(stderr, "bundled_start: %s\n", err.message);
        return 1;
    }
    printf("%.4f\n", (t1 - t0) * 1e3);
    civis_mock_free(m);
    return 0;
}

/* Runs `self MODE` and reads the figure it prints; < 0 on failure. */
static double run_child(const char *self, const char *mode)
{
    char cmd[4200];
    snprintf(cmd, sizeof(cmd), "'%s' %s", self, mode);
    FILE *p = popen(cmd, "r");
    double v = -1;
    if (p == NULL)
        return -1;
    if (fscanf(p, "%lf", &v) != 1)
        v = -1;
    return pclose(p) == 0 ? v : -1;
}

/* Starts civis-mock on a free port, polls GET /users/me until it answers;
 * returns ms from fork to that answer, *rss its VmRSS then. */
static double mock_start(const char *bin, long *rss)
{
    char port_file[] = "/tmp/civis-bench-port-XXXXXX";
    int fd = mkstemp(port_file);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(port_file);
    fflush(stdout); /* the child's freopen would write our buffer again */
    double t0 = bench_now_s();
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execl(bin, bin, "--port", "0", "--port-file", port_file, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    CURL *h = curl_easy_init();
    double ms = -1;
    char url[96];
    int port = 0;
    while (h != NULL && bench_now_s() - t0 < 10.0) {
        if (port == 0) {
            FILE *f = fopen(port_file, "r");
            if (f == NULL || fscanf(f, "%d", &port) != 1)
                port = 0;
            if (f != NULL)
                fclose(f);
            if (port == 0)
                continue; /* spin: a sleep would be coarser than what we measure */
            snprintf(url, sizeof(url), "http://127.0.0.1:%d/users/me", port);
            curl_easy_setopt(h, CURLOPT_URL, url);
            curl_easy_setopt(h, CURLOPT_USERPWD, "bench-key:");
            curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, mockrun_discard);
        }
        long status = 0;
        if (curl_easy_perform(h) == CURLE_OK &&
            curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status == 200) {
            ms = (bench_now_s() - t0) * 1e3;
            break;
        }
    }
    *rss = mockrun_rss_kb(pid);
    curl_easy_cleanup(h);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    unlink(port_file);
    return ms;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--child-parse") == 0)
        return child_parse();
    if (argc > 1 && strcmp(argv[1], "--child-mock") == 0)
        return child_mock();

    double parse[ROUNDS], mock[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
        parse[i] = run_child(argv[0], "--child-parse");
        mock[i] = run_child(argv[0], "--child-mock");
        if (parse[i] < 0 || mock[i] < 0) {
            fprintf(stderr, "bundled_start: a child run failed\n");
            return 1;
        }
    }
    double mp = bench_median(parse, ROUNDS), mm = bench_median(mock, ROUNDS);
    size_t len = 0;
    civis_spec_bundled_text(&len);
    printf("bundled_start: the bundled spec, %zu bytes; %d fresh processes each (medians)\n", len,
           ROUNDS);
    printf("  baseline cJSON parse, first in a process   %8.3f ms\n", mp);
    printf("  civis_mock_new(NULL), first in a process    %8.3f ms\n", mm);
    printf("  ratio                                       %8.3f   (target <= 0.25) %s\n", mm / mp,
           mm / mp <= 0.25 ? "ok" : "OVER");

    /* Warm, in this process: the index is built once and shared. */
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock *m = NULL;
    if (civis_mock_new(&m, NULL, &err) != CIVIS_OK) {
        fprintf(stderr, "bundled_start: %s\n", err.message);
        return 1;
    }
    civis_mock_free(m);
    double warm[ROUNDS], wparse[ROUNDS];
    const char *text = civis_spec_bundled_text(&len);
    for (int i = 0; i < ROUNDS; i++) {
        double t0 = bench_now_s();
        cJSON *doc = cJSON_ParseWithLength(text, len);
        double t1 = bench_now_s();
        cJSON_Delete(doc);
        double t2 = bench_now_s();
        civis_mock_new(&m, NULL, &err);
        double t3 = bench_now_s();
        civis_mock_free(m);
        m = NULL;
        wparse[i] = (t1 - t0) * 1e3;
        warm[i] = (t3 - t2) * 1e3;
    }
    double wp = bench_median(wparse, ROUNDS), wm = bench_median(warm, ROUNDS);
    printf("  warm: parse %.3f ms, a further mock %.4f ms, ratio %.4f\n", wp, wm, wm / wp);

    const char *bin = getenv("CIVIS_MOCK_BIN");
    if (bin == NULL || access(bin, X_OK) != 0) {
        printf("  civis-mock: not measured ($CIVIS_MOCK_BIN unset)\n");
        return 0;
    }
    curl_global_init(CURL_GLOBAL_ALL);
    double starts[STARTS];
    long rss = -1, max_rss = 0;
    for (int i = 0; i < STARTS; i++) {
        starts[i] = mock_start(bin, &rss);
        if (starts[i] < 0) {
            fprintf(stderr, "bundled_start: civis-mock did not answer\n");
            curl_global_cleanup();
            return 1;
        }
        max_rss = rss > max_rss ? rss : max_rss;
    }
    curl_global_cleanup();
    double ms = bench_median(starts, STARTS);
    printf("  civis-mock (bundled spec): exec to first GET /users/me %.1f ms (target < 100) %s\n",
           ms, ms < 100 ? "ok" : "OVER");
    printf("  civis-mock resident memory then               %ld KB (target < 40960) %s\n", max_rss,
           max_rss < 40960 ? "ok" : "OVER");
    return 0;
}
