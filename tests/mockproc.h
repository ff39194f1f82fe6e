/*
 * mockproc.h: test support for integration tests that talk to the real
 * civis-mock binary over HTTP.
 *
 * civis_mockproc_start() runs the binary named by $CIVIS_MOCK_BIN (the
 * Makefile sets it; build/bin/civis-mock otherwise) on 127.0.0.1 with
 * --port 0 --port-file TMP, waits for the port file and then for
 * GET /__mock/health to answer 200. With $CIVIS_MOCK_VALGRIND=1 (or
 * opts.valgrind) the server runs under `valgrind --error-exitcode=3
 * --leak-check=full`, and civis_mockproc_stop() returns 3 on any memcheck
 * error or leak. Every test that starts a server stops it.
 *
 * The HTTP helpers use one libcurl easy handle per call, so they may be
 * called from several threads at once (curl_global_init is done by main.c).
 */
#ifndef CIVIS_TEST_MOCKPROC_H
#define CIVIS_TEST_MOCKPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

typedef struct civis_mockproc {
    pid_t pid;          /* the server process (valgrind's when under valgrind), 0 when stopped */
    int port;           /* the port the server reported */
    char base_url[64];  /* "http://127.0.0.1:PORT/", as a client's base URL */
    char port_file[64]; /* the temporary port file, removed by stop */
    bool valgrind;      /* running under memcheck */
} civis_mockproc;

typedef struct civis_mockproc_options {
    const char *const *args; /* extra arguments, NULL-terminated; NULL for none */
    const char *const *env;  /* extra "NAME=value" entries, NULL-terminated; NULL for none */
    bool valgrind;           /* run under memcheck even without $CIVIS_MOCK_VALGRIND */
    const char *stdout_path; /* where the server's stdout goes; NULL means /dev/null */
    const char *stderr_path; /* where its stderr goes; NULL means inherited */
} civis_mockproc_options;

/*
 * Starts civis-mock. Returns 0 when it answers health checks, -1 otherwise
 * (the reason is printed to stderr and nothing is left running).
 * `args` (may be NULL) are extra arguments, NULL-terminated.
 */
int civis_mockproc_start(civis_mockproc *mp, const char *const *args);
int civis_mockproc_start_opts(civis_mockproc *mp, const civis_mockproc_options *opts);

/*
 * Sends SIGTERM, waits for the process and removes the port file. Returns
 * its exit status (0..255), 128+N when signal N killed it (after a 60 s
 * grace, SIGKILL), or -1 when there was nothing to stop.
 */
int civis_mockproc_stop(civis_mockproc *mp);

/*
 * Runs the binary to completion with `args` (NULL-terminated) and captures
 * its output. *out_text / *err_text (may be NULL) receive malloc'd,
 * NUL-terminated copies of stdout / stderr, freed by the caller. Returns the
 * exit status as civis_mockproc_stop does. For --help and bad-flag tests.
 */
int civis_mockproc_run(const char *const *args, const char *const *env, char **out_text,
                       char **err_text);

/* The path of the civis-mock binary the helpers run. */
const char *civis_mockproc_bin(void);

/* One HTTP exchange. Release with civis_http_reply_clear(). */
typedef struct civis_http_header {
    char *name;  /* as the server sent it */
    char *value; /* trimmed */
} civis_http_header;

typedef struct civis_http_reply {
    long status;                /* HTTP status, 0 when no reply arrived */
    int curl_code;              /* CURLE_OK, or the transport error (e.g. dropped connection) */
    civis_http_header *headers; /* of the final response (100-continue dropped) */
    size_t n_headers;
    char *body; /* NUL-terminated (never NULL after a call) */
    size_t body_len;
} civis_http_reply;

/*
 * Sends one request to the server. `path` starts with '/' and may hold a
 * query. `headers` are "Name: value" lines, NULL-terminated (may be NULL).
 * `body` may be NULL (no body); it is sent for every method, GET included,
 * as the official client does. Returns 0 when a reply arrived, -1 on a
 * transport error (out->curl_code says which) or allocation failure.
 */
int civis_mockproc_request(civis_http_reply *out, const civis_mockproc *mp, const char *method,
                           const char *path, const char *const *headers, const char *body,
                           size_t body_len);

/*
 * Shorthand: sends `body` (a NUL-terminated JSON text, or NULL) with
 * Content-Type: application/json and, when `api_key` is not NULL,
 * Authorization: Bearer api_key.
 */
int civis_mockproc_call(civis_http_reply *out, const civis_mockproc *mp, const char *method,
                        const char *path, const char *api_key, const char *body);

/*
 * One call with civis_mockproc_call() semantics, for tests that only need
 * the status and the JSON: returns the HTTP status (0 when no reply came),
 * and *json (may be NULL) receives the parsed body, owned by the caller
 * (NULL when the body is not JSON).
 */
long civis_mockproc_json(cJSON **json, const civis_mockproc *mp, const char *method,
                         const char *path, const char *api_key, const char *body);

/* The body parsed as JSON, owned by the caller; NULL when it is not JSON. */
cJSON *civis_http_reply_json(const civis_http_reply *r);

/* "Authorization: Basic <base64(key + ":")>", as the official client sends
 * it, into buf; returns buf. */
const char *civis_mockproc_basic_header(char *buf, size_t len, const char *key);

/* The value of a header (case-insensitive name), borrowed; NULL when absent. */
const char *civis_http_reply_header(const civis_http_reply *r, const char *name);
void civis_http_reply_clear(civis_http_reply *r);

/* A TCP connection to the server for raw-socket tests; -1 on failure. */
int civis_mockproc_connect(const civis_mockproc *mp);

/* The server is up and its health check answers 200. */
bool civis_mockproc_healthy(const civis_mockproc *mp);

#endif
