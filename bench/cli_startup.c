/*
 * cli_startup: what a `civis` command costs from exec to its answer, beside
 * the floor of any program that makes the same request.
 *
 *   cli_startup FULL_SPEC.json
 *
 * Starts civis-mock on the spec (stateless), fills a private spec cache with
 * one `civis` run (the GET /endpoints download a user's first run makes),
 * then times, alternating so both see the same machine noise, the median
 * wall time from fork to exit of
 *   baseline  this program re-executed as a bare libcurl client: one
 *             GET /users/me with Basic auth, body discarded
 *   civis     `civis users list-me` as users run it: key and endpoint from
 *             the environment, the spec from the disk cache (read, parsed,
 *             indexed), the command table, the request, the JSON printed
 * Both are dynamically linked processes doing the same request, so the
 * difference is what the command adds: the spec and its index, mostly.
 * Target: civis <= 2.0 x baseline. Also printed: the first (cold-cache)
 * run, which downloads the spec. Without a readable spec it prints SKIP.
 */
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

#define RUNS 25

static size_t discard(char *d, size_t s, size_t n, void *u)
{
    (void)d; /* the body is not looked at */
    (void)u; /* no state */
    return s * n;
}

/* The baseline process: one request, nothing else. */
static int bare(const char *url, const char *key)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return 1;
    CURL *h = curl_easy_init();
    if (h == NULL)
        return 1;
    char user[128];
    snprintf(user, sizeof user, "%s:", key);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_USERPWD, user);
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    curl_global_cleanup();
    return rc == CURLE_OK && status == 200 ? 0 : 1;
}

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0' ? v : dflt;
}

static pid_t start_mock(const char *spec, int *port)
{
    char pf[] = "/tmp/civis-bench-port-XXXXXX";
    int fd = mkstemp(pf);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(pf);
    const char *bin = env_or("CIVIS_MOCK_BIN", "build/bin/civis-mock");
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDOUT_FILENO);
        execl(bin, bin, "--spec", spec, "--stateless", "--host", "127.0.0.1", "--port", "0",
              "--port-file", pf, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    *port = 0;
    for (double t0 = bench_now_s(); bench_now_s() - t0 < 20.0 && *port == 0;) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            break;
        FILE *f = fopen(pf, "r");
        if (f != NULL) {
            if (fscanf(f, "%d", port) != 1)
                *port = 0;
            fclose(f);
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    unlink(pf);
    if (*port == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

static int give_up(pid_t mock, const char *why)
{
    fprintf(stderr, "cli_startup: %s\n", why);
    kill(mock, SIGTERM);
    waitpid(mock, NULL, 0);
    return 1;
}

/* Runs argv with envp, stdout and stderr to /dev/null; the wall time in
 * seconds, or -1 when it did not exit 0. */
static double timed_run(const char *const *argv, const char *const *envp)
{
    double t0 = bench_now_s();
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, STDOUT_FILENO);
            dup2(devnull, STDERR_FILENO);
        }
        execve(argv[0], (char *const *)argv, (char *const *)envp);
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return bench_now_s() - t0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--bare") == 0)
        return bare(argv[2], argv[3]);
    if (argc < 2 || access(argv[1], R_OK) != 0) {
        printf("SKIP cli_startup: no readable spec given (%s)\n", argc > 1 ? argv[1] : "none");
        return 0;
    }
    int port = 0;
    pid_t mock = start_mock(argv[1], &port);
    if (mock < 0) {
        fprintf(stderr, "cli_startup: civis-mock did not start\n");
        return 1;
    }
    char dir[] = "/tmp/civis-bench-cli-XXXXXX";
    if (mkdtemp(dir) == NULL)
        return give_up(mock, "no temporary folder");
    char endpoint[96], url[128], cache[96], home[96], self[4096];
    snprintf(endpoint, sizeof endpoint, "CIVIS_API_ENDPOINT=http://127.0.0.1:%d/", port);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/users/me", port);
    snprintf(cache, sizeof cache, "XDG_CACHE_HOME=%s", dir);
    snprintf(home, sizeof home, "HOME=%s", dir);
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return give_up(mock, "cannot find this program");
    self[n] = '\0';
    const char *cli = env_or("CIVIS_CLI_BIN", "build/bin/civis");
    const char *envp[] = {endpoint, "CIVIS_API_KEY=bench-key", cache, home, NULL};
    const char *cli_argv[] = {cli, "users", "list-me", NULL};
    const char *bare_argv[] = {self, "--bare", url, "bench-key", NULL};

    double cold = timed_run(cli_argv, envp);
    double base[RUNS], civis[RUNS];
    bool ok = cold > 0;
    for (int i = 0; i < RUNS && ok; i++) {
        base[i] = timed_run(bare_argv, envp);
        civis[i] = timed_run(cli_argv, envp);
        ok = base[i] > 0 && civis[i] > 0;
    }
    kill(mock, SIGTERM);
    waitpid(mock, NULL, 0);
    char rm[128];
    snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
    if (system(rm) != 0)
        fprintf(stderr, "cli_startup: could not remove %s\n", dir);
    if (!ok) {
        fprintf(stderr, "cli_startup: a run failed\n");
        return 1;
    }
    double b = bench_median(base, RUNS), c = bench_median(civis, RUNS);
    printf("cli_startup: %d runs each, fork to exit (medians), spec %s\n", RUNS, argv[1]);
    printf("  baseline bare libcurl GET /users/me   %7.2f ms\n", b * 1e3);
    printf("  civis users list-me (cached spec)     %7.2f ms\n", c * 1e3);
    printf("  ratio                                 %7.2f   (target <= 2.00) %s\n", c / b,
           c / b <= 2.0 ? "ok" : "OVER");
    printf("  first run (downloads the spec)        %7.2f ms\n", cold * 1e3);
    return 0;
}
