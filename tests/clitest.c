/*
 * clitest.c: see clitest.h. The command runs as a child process with a
 * small environment of its own, so nothing of the developer's shell (a
 * real CIVIS_API_KEY, a spec cache in $HOME) reaches it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clitest.h"
#include "test.h"

#define MAX_ARGS 64

static const char *cli_bin(void)
{
    const char *b = getenv("CIVIS_CLI_BIN");
    return b != NULL && *b ? b : "build/bin/civis";
}

int civis_clitest_start(civis_clitest *t, const char *key)
{
    memset(t, 0, sizeof *t);
    snprintf(t->key, sizeof t->key, "%s", key);
    snprintf(t->dir, sizeof t->dir, "/tmp/civis-cli-test-XXXXXX");
    if (mkdtemp(t->dir) == NULL)
        return -1;
    t->spec = civis_test_full_spec("cli (bundled spec used instead)");
    const char *args[] = {"--spec", t->spec, NULL};
    if (civis_mockproc_start(&t->mock, t->spec != NULL ? args : NULL) != 0)
        return -1;
    return 0;
}

static void remove_tree(const char *dir)
{
    /* The folder holds plain files and the cache folder civis-c/ only. */
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (strncmp(dir, "/tmp/civis-cli-test-", 20) == 0 && system(cmd) != 0)
        fprintf(stderr, "clitest: could not remove %s\n", dir);
}

void civis_clitest_stop(civis_clitest *t)
{
    civis_mockproc_stop(&t->mock);
    if (t->dir[0] != '\0')
        remove_tree(t->dir);
}

const char *civis_clitest_path(char *buf, size_t len, const civis_clitest *t, const char *name)
{
    snprintf(buf, len, "%s/%s", t->dir, name);
    return buf;
}

static char *slurp_fd(int fd)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    lseek(fd, 0, SEEK_SET);
    for (;;) {
        if (len + 1024 > cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL)
                break;
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    buf[len] = '\0';
    return buf;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void civis_clitest_run(civis_clirun *r, const civis_clitest *t, const char *stdin_text, bool no_key,
                       ...)
{
    r->rc = -1;
    r->out = NULL;
    r->err = NULL;
    const char *argv[MAX_ARGS + 16];
    int n = 0;
    const char *vg = getenv("CIVIS_UNDER_VALGRIND");
    bool under_vg = t->memcheck && vg != NULL && strcmp(vg, "1") == 0;
    if (under_vg) {
        argv[n++] = "/usr/bin/valgrind";
        argv[n++] = "--quiet";
        argv[n++] = "--error-exitcode=3";
        argv[n++] = "--leak-check=full";
        argv[n++] = "--show-leak-kinds=all";
        argv[n++] = "--errors-for-leak-kinds=definite,indirect,possible";
        argv[n++] = "--suppressions=ci/valgrind.supp";
    }
    argv[n++] = cli_bin();
    va_list ap;
    va_start(ap, no_key);
    const char *a;
    while ((a = va_arg(ap, const char *)) != NULL && n < MAX_ARGS)
        argv[n++] = a;
    va_end(ap);
    argv[n] = NULL;

    char endpoint[128], key[64], cache[128], home[128];
    snprintf(endpoint, sizeof endpoint, "CIVIS_API_ENDPOINT=%s", t->mock.base_url);
    snprintf(key, sizeof key, "CIVIS_API_KEY=%s", t->key);
    snprintf(cache, sizeof cache, "XDG_CACHE_HOME=%s", t->dir);
    snprintf(home, sizeof home, "HOME=%s", t->dir);
    const char *envp[] = {"PATH=/usr/bin:/bin", endpoint, cache, home, no_key ? NULL : key, NULL};

    char in_name[96], out_name[96], err_name[96];
    snprintf(in_name, sizeof in_name, "%s/stdin-XXXXXX", t->dir);
    snprintf(out_name, sizeof out_name, "%s/stdout-XXXXXX", t->dir);
    snprintf(err_name, sizeof err_name, "%s/stderr-XXXXXX", t->dir);
    int in_fd = mkstemp(in_name), out_fd = mkstemp(out_name), err_fd = mkstemp(err_name);
    if (in_fd < 0 || out_fd < 0 || err_fd < 0)
        goto done;
    if (stdin_text != NULL && write(in_fd, stdin_text, strlen(stdin_text)) < 0)
        goto done;
    lseek(in_fd, 0, SEEK_SET);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(in_fd, STDIN_FILENO);
        dup2(out_fd, STDOUT_FILENO);
        dup2(err_fd, STDERR_FILENO);
        execve(argv[0], (char *const *)argv, (char *const *)envp);
        _exit(127);
    }
    if (pid < 0)
        goto done;
    int ws = 0;
    pid_t got;
    double deadline = now_s() + (under_vg ? 300.0 : 60.0);
    while ((got = waitpid(pid, &ws, WNOHANG)) == 0 && now_s() < deadline) {
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    if (got == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &ws, 0);
    } else if (WIFEXITED(ws)) {
        r->rc = WEXITSTATUS(ws);
    } else if (WIFSIGNALED(ws)) {
        r->rc = 128 + WTERMSIG(ws);
    }
done:
    r->out = out_fd >= 0 ? slurp_fd(out_fd) : NULL;
    r->err = err_fd >= 0 ? slurp_fd(err_fd) : NULL;
    if (r->out == NULL)
        r->out = calloc(1, 1);
    if (r->err == NULL)
        r->err = calloc(1, 1);
    if (in_fd >= 0) {
        close(in_fd);
        unlink(in_name);
    }
    if (out_fd >= 0) {
        close(out_fd);
        unlink(out_name);
    }
    if (err_fd >= 0) {
        close(err_fd);
        unlink(err_name);
    }
    if (r->rc != 0 && getenv("CIVIS_TEST_VERBOSE") != NULL)
        fprintf(stderr, "\n  civis exit %d; stderr: %s\n", r->rc, r->err ? r->err : "");
}

void civis_clirun_clear(civis_clirun *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

cJSON *civis_clitest_journal(const civis_clitest *t, const char *operation)
{
    char path[256];
    snprintf(path, sizeof path, "/__mock/journal?operation=%s&api_key=%s", operation, t->key);
    cJSON *j = NULL;
    long st = civis_mockproc_json(&j, &t->mock, "GET", path, NULL, NULL);
    if (st != 200) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

long civis_clitest_admin(const civis_clitest *t, const char *method, const char *path,
                         const char *content_type, const char *body)
{
    char key_h[80], ct_h[80];
    snprintf(key_h, sizeof key_h, "X-Civis-Mock-Key: %s", t->key);
    snprintf(ct_h, sizeof ct_h, "Content-Type: %s",
             content_type ? content_type : "application/json");
    const char *headers[] = {key_h, ct_h, NULL};
    civis_http_reply reply;
    long st = -1;
    if (civis_mockproc_request(&reply, &t->mock, method, path, headers, body,
                               body ? strlen(body) : 0) == 0)
        st = reply.status;
    civis_http_reply_clear(&reply);
    return st;
}
