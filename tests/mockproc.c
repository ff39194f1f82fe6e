/*
 * mockproc.c: start, talk to and stop the real civis-mock binary (see
 * mockproc.h).
 */
#include "mockproc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

extern char **environ;

#define MAX_ARGV 64
#define MAX_ENV 512

const char *civis_mockproc_bin(void)
{
    const char *bin = getenv("CIVIS_MOCK_BIN");
    return (bin != NULL && *bin != '\0') ? bin : "build/bin/civis-mock";
}

static bool want_valgrind(bool forced)
{
    const char *v = getenv("CIVIS_MOCK_VALGRIND");
    return forced || (v != NULL && strcmp(v, "1") == 0);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Builds the child's argv: [valgrind options] BIN fixed... extra... NULL.
 * Returns the count, or -1 when it would not fit. */
static int build_argv(const char **argv, bool valgrind, const char *const *fixed,
                      const char *const *extra)
{
    int n = 0;
    if (valgrind) {
        argv[n++] = "valgrind";
        argv[n++] = "--quiet";
        argv[n++] = "--error-exitcode=3";
        argv[n++] = "--leak-check=full";
        argv[n++] = "--show-leak-kinds=definite,indirect,possible";
        argv[n++] = "--errors-for-leak-kinds=definite,indirect,possible";
        if (access("ci/valgrind.supp", R_OK) == 0)
            argv[n++] = "--suppressions=ci/valgrind.supp";
    }
    argv[n++] = civis_mockproc_bin();
    for (size_t i = 0; fixed != NULL && fixed[i] != NULL; i++) {
        if (n >= MAX_ARGV - 1)
            return -1;
        argv[n++] = fixed[i];
    }
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
        if (n >= MAX_ARGV - 1)
            return -1;
        argv[n++] = extra[i];
    }
    argv[n] = NULL;
    return n;
}

/* The environment for the child: ours plus the extra entries. Built before
 * fork() because the child may only call async-signal-safe functions. */
static int build_env(const char **envp, const char *const *extra)
{
    int n = 0;
    for (size_t i = 0; environ[i] != NULL; i++) {
        if (n >= MAX_ENV - 1)
            return -1;
        envp[n++] = environ[i];
    }
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
        if (n >= MAX_ENV - 1)
            return -1;
        envp[n++] = extra[i];
    }
    envp[n] = NULL;
    return n;
}

/* fork + exec with stdout/stderr redirected to fds (or kept when -1). */
static pid_t spawn(const char **argv, const char **envp, int out_fd, int err_fd)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    if (out_fd >= 0)
        dup2(out_fd, STDOUT_FILENO);
    if (err_fd >= 0)
        dup2(err_fd, STDERR_FILENO);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0)
        dup2(devnull, STDIN_FILENO);
    /* execvpe is a GNU extension, so a bare name ("valgrind") is looked up
     * in the usual places by hand. */
    if (strchr(argv[0], '/') != NULL) {
        execve(argv[0], (char *const *)argv, (char *const *)envp);
    } else {
        static const char *const dirs[] = {"/usr/bin/", "/usr/local/bin/", "/bin/", NULL};
        char path[256];
        for (size_t i = 0; dirs[i] != NULL; i++) {
            size_t dl = strlen(dirs[i]), al = strlen(argv[0]);
            if (dl + al + 1 > sizeof(path))
                continue;
            memcpy(path, dirs[i], dl);
            memcpy(path + dl, argv[0], al + 1);
            execve(path, (char *const *)argv, (char *const *)envp);
        }
    }
    _exit(127);
}

static int exit_status(int wstatus)
{
    if (WIFEXITED(wstatus))
        return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus))
        return 128 + WTERMSIG(wstatus);
    return -1;
}

static int read_port(const char *file)
{
    FILE *f = fopen(file, "r");
    if (f == NULL)
        return 0;
    int port = 0;
    if (fscanf(f, "%d", &port) != 1)
        port = 0;
    fclose(f);
    return (port > 0 && port < 65536) ? port : 0;
}

static int open_out(const char *path)
{
    if (path == NULL)
        return open("/dev/null", O_WRONLY);
    return open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
}

int civis_mockproc_start(civis_mockproc *mp, const char *const *args)
{
    civis_mockproc_options opts = {.args = args};
    return civis_mockproc_start_opts(mp, &opts);
}

int civis_mockproc_start_opts(civis_mockproc *mp, const civis_mockproc_options *opts)
{
    memset(mp, 0, sizeof(*mp));
    mp->valgrind = want_valgrind(opts->valgrind);
    snprintf(mp->port_file, sizeof(mp->port_file), "/tmp/civis-mock-port-XXXXXX");
    int pf = mkstemp(mp->port_file);
    if (pf < 0) {
        fprintf(stderr, "mockproc: cannot create a port file: %s\n", strerror(errno));
        return -1;
    }
    close(pf);

    const char *fixed[] = {"--host",      "127.0.0.1",   "--port", "0",
                           "--port-file", mp->port_file, NULL};
    const char *argv[MAX_ARGV];
    const char *envp[MAX_ENV];
    if (build_argv(argv, mp->valgrind, fixed, opts->args) < 0 || build_env(envp, opts->env) < 0) {
        fprintf(stderr, "mockproc: too many arguments or environment entries\n");
        unlink(mp->port_file);
        return -1;
    }
    int out_fd = open_out(opts->stdout_path);
    int err_fd = opts->stderr_path != NULL ? open_out(opts->stderr_path) : -1;
    fflush(stdout);
    fflush(stderr);
    mp->pid = spawn(argv, envp, out_fd, err_fd);
    if (out_fd >= 0)
        close(out_fd);
    if (err_fd >= 0)
        close(err_fd);
    if (mp->pid < 0) {
        fprintf(stderr, "mockproc: fork failed: %s\n", strerror(errno));
        mp->pid = 0;
        unlink(mp->port_file);
        return -1;
    }

    /* Wait for the port file (the server writes it atomically), then for the
     * health check. Valgrind start-up is slow. */
    double deadline = now_s() + (mp->valgrind ? 120.0 : 15.0);
    while (now_s() < deadline) {
        int wstatus;
        if (waitpid(mp->pid, &wstatus, WNOHANG) == mp->pid) {
            fprintf(stderr, "mockproc: %s exited early with status %d\n", civis_mockproc_bin(),
                    exit_status(wstatus));
            mp->pid = 0;
            unlink(mp->port_file);
            return -1;
        }
        if (mp->port == 0)
            mp->port = read_port(mp->port_file);
        if (mp->port != 0) {
            snprintf(mp->base_url, sizeof(mp->base_url), "http://127.0.0.1:%d/", mp->port);
            if (civis_mockproc_healthy(mp))
                return 0;
        }
        sleep_ms(10);
    }
    fprintf(stderr, "mockproc: %s did not become healthy in time\n", civis_mockproc_bin());
    civis_mockproc_stop(mp);
    return -1;
}

int civis_mockproc_stop(civis_mockproc *mp)
{
    if (mp == NULL || mp->pid <= 0)
        return -1;
    kill(mp->pid, SIGTERM);
    int wstatus = 0;
    double deadline = now_s() + 60.0;
    pid_t got = 0;
    while ((got = waitpid(mp->pid, &wstatus, WNOHANG)) == 0 && now_s() < deadline)
        sleep_ms(5);
    if (got == 0) {
        fprintf(stderr, "mockproc: server did not stop on SIGTERM; killing it\n");
        kill(mp->pid, SIGKILL);
        got = waitpid(mp->pid, &wstatus, 0);
    }
    mp->pid = 0;
    unlink(mp->port_file);
    return got > 0 ? exit_status(wstatus) : -1;
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
            if (nb == NULL) {
                free(buf);
                return NULL;
            }
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

int civis_mockproc_run(const char *const *args, const char *const *env, char **out_text,
                       char **err_text)
{
    if (out_text != NULL)
        *out_text = NULL;
    if (err_text != NULL)
        *err_text = NULL;
    const char *argv[MAX_ARGV];
    const char *envp[MAX_ENV];
    if (build_argv(argv, false, NULL, args) < 0 || build_env(envp, env) < 0)
        return -1;
    char out_name[] = "/tmp/civis-mock-out-XXXXXX";
    char err_name[] = "/tmp/civis-mock-err-XXXXXX";
    int out_fd = mkstemp(out_name);
    int err_fd = mkstemp(err_name);
    int rc = -1;
    if (out_fd < 0 || err_fd < 0)
        goto done;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = spawn(argv, envp, out_fd, err_fd);
    if (pid < 0)
        goto done;
    int wstatus = 0;
    double deadline = now_s() + 10.0;
    pid_t got;
    while ((got = waitpid(pid, &wstatus, WNOHANG)) == 0 && now_s() < deadline)
        sleep_ms(5);
    if (got == 0) {
        /* A run that does not finish (e.g. it started serving) is a failure. */
        kill(pid, SIGKILL);
        waitpid(pid, &wstatus, 0);
        rc = -1;
    } else {
        rc = exit_status(wstatus);
    }
    if (out_text != NULL)
        *out_text = slurp_fd(out_fd);
    if (err_text != NULL)
        *err_text = slurp_fd(err_fd);
done:
    if (out_fd >= 0) {
        close(out_fd);
        unlink(out_name);
    }
    if (err_fd >= 0) {
        close(err_fd);
        unlink(err_name);
    }
    return rc;
}

/* ---- HTTP ------------------------------------------------------------- */

typedef struct grow {
    char *buf;
    size_t len, cap;
    bool failed;
} grow;

static bool grow_add(grow *g, const char *data, size_t n)
{
    if (g->len + n + 1 > g->cap) {
        size_t cap = g->cap ? g->cap : 1024;
        while (cap < g->len + n + 1)
            cap *= 2;
        char *nb = realloc(g->buf, cap);
        if (nb == NULL) {
            g->failed = true;
            return false;
        }
        g->buf = nb;
        g->cap = cap;
    }
    memcpy(g->buf + g->len, data, n);
    g->len += n;
    g->buf[g->len] = '\0';
    return true;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    grow *g = ud;
    return grow_add(g, data, size * nmemb) ? size * nmemb : 0;
}

static void clear_headers(civis_http_reply *r)
{
    for (size_t i = 0; i < r->n_headers; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    r->headers = NULL;
    r->n_headers = 0;
}

static char *dup_trim(const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    civis_http_reply *r = ud;
    size_t n = size * nmemb;
    /* A status line starts a new header block: keep only the final one
     * (a 100 Continue comes first for large bodies). */
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        clear_headers(r);
        return n;
    }
    const char *colon = memchr(data, ':', n);
    if (colon == NULL)
        return n;
    civis_http_header *nh = realloc(r->headers, (r->n_headers + 1) * sizeof(*nh));
    if (nh == NULL)
        return 0;
    r->headers = nh;
    char *name = dup_trim(data, (size_t)(colon - data));
    char *value = dup_trim(colon + 1, n - (size_t)(colon - data) - 1);
    if (name == NULL || value == NULL) {
        free(name);
        free(value);
        return 0;
    }
    r->headers[r->n_headers].name = name;
    r->headers[r->n_headers].value = value;
    r->n_headers++;
    return n;
}

int civis_mockproc_request(civis_http_reply *out, const civis_mockproc *mp, const char *method,
                           const char *path, const char *const *headers, const char *body,
                           size_t body_len)
{
    memset(out, 0, sizeof(*out));
    grow g = {0};
    CURL *c = curl_easy_init();
    struct curl_slist *hl = NULL;
    char url[2048];
    int rc = -1;
    if (c == NULL)
        goto done;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", mp->port, path);
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
        struct curl_slist *nl = curl_slist_append(hl, headers[i]);
        if (nl == NULL)
            goto done;
        hl = nl;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, mp->valgrind ? 120000L : 30000L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &g);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, out);
    CURLcode cc = curl_easy_perform(c);
    out->curl_code = (int)cc;
    if (cc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
        rc = g.failed ? -1 : 0;
    }
done:
    if (g.buf == NULL)
        g.buf = calloc(1, 1);
    out->body = g.buf;
    out->body_len = g.len;
    curl_slist_free_all(hl);
    if (c != NULL)
        curl_easy_cleanup(c);
    return out->body == NULL ? -1 : rc;
}

int civis_mockproc_call(civis_http_reply *out, const civis_mockproc *mp, const char *method,
                        const char *path, const char *api_key, const char *body)
{
    char auth[512];
    const char *hdrs[4];
    size_t n = 0;
    if (api_key != NULL) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", api_key);
        hdrs[n++] = auth;
    }
    if (body != NULL)
        hdrs[n++] = "Content-Type: application/json";
    hdrs[n++] = "Expect:"; /* no 100-continue round trip */
    hdrs[n] = NULL;
    return civis_mockproc_request(out, mp, method, path, hdrs, body, body ? strlen(body) : 0);
}

long civis_mockproc_json(cJSON **json, const civis_mockproc *mp, const char *method,
                         const char *path, const char *api_key, const char *body)
{
    civis_http_reply r;
    if (json != NULL)
        *json = NULL;
    civis_mockproc_call(&r, mp, method, path, api_key, body);
    long status = r.status;
    if (json != NULL)
        *json = civis_http_reply_json(&r);
    civis_http_reply_clear(&r);
    return status;
}

cJSON *civis_http_reply_json(const civis_http_reply *r)
{
    if (r->body == NULL || r->body_len == 0)
        return NULL;
    return cJSON_ParseWithLength(r->body, r->body_len);
}

const char *civis_mockproc_basic_header(char *buf, size_t len, const char *key)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char plain[256];
    int n = snprintf(plain, sizeof(plain), "%s:", key);
    if (n < 0 || (size_t)n >= sizeof(plain)) {
        snprintf(buf, len, "Authorization: Basic");
        return buf;
    }
    size_t o = (size_t)snprintf(buf, len, "Authorization: Basic ");
    for (int i = 0; i < n && o + 5 < len; i += 3) {
        unsigned v = (unsigned char)plain[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)plain[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)plain[i + 2];
        buf[o++] = b64[(v >> 18) & 63];
        buf[o++] = b64[(v >> 12) & 63];
        buf[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        buf[o++] = i + 2 < n ? b64[v & 63] : '=';
    }
    buf[o] = '\0';
    return buf;
}

const char *civis_http_reply_header(const civis_http_reply *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

void civis_http_reply_clear(civis_http_reply *r)
{
    if (r == NULL)
        return;
    clear_headers(r);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

int civis_mockproc_connect(const civis_mockproc *mp)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)mp->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool civis_mockproc_healthy(const civis_mockproc *mp)
{
    civis_http_reply r;
    int rc = civis_mockproc_request(&r, mp, "GET", "/__mock/health", NULL, NULL, 0);
    bool ok = rc == 0 && r.status == 200;
    civis_http_reply_clear(&r);
    return ok;
}
