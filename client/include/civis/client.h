/*
 * civis/client.h: the libcivis client. A civis_client holds an API key, a
 * base URL, the operation index of the API spec, a retry policy and a
 * transport (libcurl unless told otherwise). civis_call() names an operation
 * the way the official Python client does ("scripts", "post_containers") and
 * passes named arguments; they are checked against the spec before anything
 * is sent.
 *
 *     civis_client *client = NULL;
 *     civis_error err = CIVIS_ERROR_INIT;
 *     civis_response *run = NULL;
 *     if (civis_client_new(&client, NULL, &err) != CIVIS_OK ||
 *         civis_callv(&run, client, "scripts", "post_containers_runs", &err,
 *                     "id", CIVIS_INT(42), CIVIS_END) != CIVIS_OK)
 *         fprintf(stderr, "civis: %s\n", err.message);
 *
 * Strings: every string passed to a libcivis function is copied if it is
 * kept beyond the call; the caller may free or reuse it when the call returns.
 *
 * Errors: every function that can fail returns a civis_status and fills the
 * caller's civis_error (NULL allowed); see civis/error.h. On failure every
 * `out` parameter is NULL (a pointer) or 0 / false (a value), so cleanup can
 * always run and no stale value is read.
 *
 * Threading: a civis_client may be used from several threads at once once
 * civis_client_new() has returned. Its spec index is shared read-only. Each
 * HTTP attempt borrows a libcurl easy handle from a small mutex-protected
 * pool and gives it back; a handle keeps its live connections, so calls
 * reuse kept-alive connections across calls and threads (a client never
 * holds more idle handles than max_handles). The handles share DNS results
 * and TLS sessions through one CURLSH with lock callbacks. The connection
 * cache itself is deliberately not shared (CURL_LOCK_DATA_CONNECT): libcurl
 * documents a shared connection cache as unsafe between concurrent threads.
 * The helpers' memos (civis/helpers.h) and the back-off randomness are
 * locked too. civis_client_free() must not race with calls on the client.
 */
#ifndef CIVIS_CLIENT_H
#define CIVIS_CLIENT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "civis/export.h"
#include "civis/error.h"
#include "civis/spec.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CIVIS_VERSION "0.1.0"      /* "MAJOR.MINOR.PATCH" */
#define CIVIS_VERSION_MAJOR 0      /* incompatible API changes */
#define CIVIS_VERSION_MINOR 1      /* additions */
#define CIVIS_VERSION_PATCH 0      /* fixes */
#define CIVIS_VERSION_NUM 0x000100 /* 0xMMmmpp, for #if comparisons */

typedef struct civis_client civis_client;
/* The transport table, for implementors: civis/sys/transport.h. */
typedef struct civis_transport civis_transport;

/* One header line. In a request both strings are borrowed from the client;
 * in a response they are owned by the response. */
typedef struct civis_header {
    const char *name;  /* as sent or received ("X-RateLimit-Remaining") */
    const char *value; /* surrounding whitespace trimmed */
} civis_header;
typedef struct civis_response civis_response; /* civis/response.h */

/* ---- process-wide set-up ------------------------------------------------ */

/*
 * Initialises libcurl (curl_global_init). Call once before any other
 * libcivis function, from one thread, as libcurl requires; calls nest and
 * each needs a matching civis_global_cleanup(). Returns CIVIS_OK or
 * CIVIS_ETRANSPORT when libcurl cannot initialise.
 */
CIVIS_EXTERN civis_status civis_global_init(void);
/* Undoes one civis_global_init(); the last one calls curl_global_cleanup(). */
CIVIS_EXTERN void civis_global_cleanup(void);

/*
 * Replaces the allocator of libcivis and of cJSON (cJSON_InitHooks) with
 * yours; NULL restores malloc/realloc/free. Call before anything else is
 * allocated and never while a libcivis or cJSON object is alive: memory must
 * be freed by the allocator that made it. Not thread-safe. Meant for
 * out-of-memory tests and custom heaps.
 */
typedef struct civis_allocator {
    void *(*malloc_fn)(size_t size);             /* never called with 0 */
    void *(*realloc_fn)(void *ptr, size_t size); /* ptr may be NULL */
    void (*free_fn)(void *ptr);                  /* ptr may be NULL */
} civis_allocator;
CIVIS_EXTERN void civis_set_allocator(const civis_allocator *allocator);

/* ---- options -------------------------------------------------------------- */

/*
 * Retry policy: which failures are retried is fixed (the official client's
 * rules: 429/502/503/504 for GET, PUT, DELETE, HEAD, OPTIONS and TRACE; 429
 * and 503 for POST; never PATCH; a refused connection, before any byte was
 * sent, for the idempotent verbs). This struct says how long to keep trying.
 * The wait before retry n (n = 1, 2, ...) is uniform in
 * [min_wait_s, min(max_wait_s, multiplier * 2^(n-1))], and never shorter than
 * the response's Retry-After seconds. Zero fields take the defaults.
 */
typedef struct civis_retry_policy {
    int max_attempts;        /* attempts in all, first included; 0 means 10; 1 disables retries */
    double max_elapsed_s;    /* stop retrying once this much time has passed; 0 means 600 */
    double multiplier;       /* back-off scale; 0 means 2 */
    double max_wait_s;       /* back-off cap; 0 means 60 */
    double min_wait_s;       /* back-off floor; 0 means 0 */
    bool zero_wait;          /* no back-off sleep at all (tests); Retry-After is still obeyed */
    bool ignore_retry_after; /* with zero_wait: do not sleep for Retry-After either (tests) */
} civis_retry_policy;

/* Log levels for civis_client_options.log. */
typedef enum civis_log_level {
    CIVIS_LOG_DEBUG = 0, /* one line per HTTP exchange: "GET /users/me -> 200 (3 ms)" */
    CIVIS_LOG_INFO,      /* spec downloaded or read from the cache */
    CIVIS_LOG_WARN       /* deprecated method or alias called, retry */
} civis_log_level;

/* Receives one log line (no newline, never containing the API key).
 * `line` is borrowed for the duration of the call. May be called from
 * several threads at once. */
typedef void (*civis_log_fn)(void *data, civis_log_level level, const char *line);

/* What a retry hook is told before the client sleeps and tries again. */
typedef struct civis_retry_event {
    const char *method;   /* "GET" (borrowed for the call) */
    const char *path;     /* "/users/me" with "?query" when there is one (borrowed) */
    int attempt;          /* the attempt that just failed, 1-based */
    long status;          /* its HTTP status, or 0 when the connection failed */
    double wait_s;        /* how long the client will now sleep */
    double retry_after_s; /* the Retry-After the server asked for, 0 when none */
} civis_retry_event;

/* Called before each retry. May be called from several threads at once. */
typedef void (*civis_retry_fn)(void *data, const civis_retry_event *event);

/*
 * Options for civis_client_new(). Zero (or NULL) in any field means its
 * default, so `civis_client_options opts = {.api_key = key};` is complete.
 * Every string is copied; `spec` and `transport_ctx` are the exceptions
 * documented on their fields.
 */
typedef struct civis_client_options {
    const char *api_key;  /* NULL: $CIVIS_API_KEY; neither -> CIVIS_EAUTH. Never logged */
    const char *base_url; /* NULL: $CIVIS_API_ENDPOINT, else "https://api.civisanalytics.com/";
                             a trailing '/' is added when missing */

    /* Where the API spec comes from, first match wins: spec, spec_buffer,
     * spec_path, bundled_spec, $CIVIS_API_SPEC, else GET {base_url}endpoints
     * through a disk cache ($XDG_CACHE_HOME/civis-c, else ~/.cache/civis-c;
     * one file per base URL, named by a hash of it, valid for 24 h, written
     * atomically). */
    const civis_spec *spec;  /* borrowed: a loaded spec that must outlive the client */
    const char *spec_buffer; /* a spec document (spec_len bytes, copied) */
    size_t spec_len;
    const char *spec_path; /* a spec file */
    bool bundled_spec;     /* the small spec compiled into libcivis */
    bool force_refresh;    /* download even when the cache is fresh (and rewrite it) */
    bool no_spec_cache;    /* neither read nor write the disk cache */
    const char *cache_dir; /* the cache folder; NULL: as above */
    long spec_ttl_s;       /* cache lifetime; 0 means 86400 */

    const char *user_agent;    /* prefix of "User-Agent: <prefix> (civis-c X; libcurl Y)";
                                  NULL means "civis-c" */
    long timeout_ms;           /* per HTTP attempt; 0 means 60000 */
    size_t max_response_bytes; /* largest API answer body kept in memory; 0 means 64 MiB.
                                  A larger one fails with CIVIS_ETRANSPORT (files stream to
                                  disk through civis/files.h and are not bounded by this) */
    long connect_timeout_ms;   /* 0 means 10000 */
    civis_retry_policy retry;  /* all zero: the official client's defaults */
    bool camel_case_keys;      /* send top-level body keys as the spec spells them
                                  (camelCase) instead of snake_case as the official
                                  Python client does (the default) */
    const char *ca_file;       /* extra CA bundle to trust (PEM); TLS peer and host
                                  verification are always on and cannot be disabled */
    int max_handles;           /* idle libcurl handles kept for reuse; 0 means 8 */
    unsigned long long seed;   /* back-off randomness; 0 picks one from the clock */

    civis_log_fn log;        /* NULL: no logging */
    civis_retry_fn on_retry; /* NULL: no hook */
    void *hook_data;         /* passed to log and on_retry */

    const civis_transport *transport; /* NULL: libcurl. The table is copied */
    void *transport_ctx;              /* given to transport->send; owned by the client from the
                                         call to civis_client_new on (see civis/sys/transport.h) */
} civis_client_options;

/* ---- the client --------------------------------------------------------- */

/*
 * Creates a client. `opts` may be NULL (all defaults). Loads the spec as the
 * options say, which may mean one GET {base}endpoints (with the retry
 * policy). Errors: CIVIS_EAUTH "no Civis API key: set CIVIS_API_KEY or
 * civis_client_options.api_key", or "(401) error downloading API
 * specification. API key may be expired." (also for 403); CIVIS_EINVAL (bad
 * option, err->param names it); CIVIS_ETRANSPORT, CIVIS_EHTTP, CIVIS_ESPEC,
 * CIVIS_EPARSE, CIVIS_EIO, CIVIS_ENOMEM. On failure *out is NULL.
 * Release with civis_client_free().
 */
CIVIS_EXTERN civis_status civis_client_new(civis_client **out, const civis_client_options *opts,
                                           civis_error *err);
/* Frees the client, its transport context and its memos. NULL allowed. */
CIVIS_EXTERN void civis_client_free(civis_client *client);

/* Borrowed getters; valid until civis_client_free(). */
CIVIS_EXTERN const civis_spec *civis_client_spec(const civis_client *client);
CIVIS_EXTERN const char *civis_client_base_url(const civis_client *client); /* ends with '/' */
CIVIS_EXTERN const char *civis_client_user_agent(const civis_client *client);
/* Where the spec came from: "option", "buffer", "file", "bundled", "env",
 * "cache" or "download" (static storage). */
CIVIS_EXTERN const char *civis_client_spec_source(const civis_client *client);

/* ---- calling an operation ----------------------------------------------- */

/*
 * Calls resource.method with `args`, a JSON object of arguments named as the
 * official Python client names them (snake_case; the spec's camelCase body
 * names are accepted too), or NULL for none. `args` is borrowed.
 *
 * Before anything is sent, the name and the arguments are checked against
 * the spec: an unknown resource, method or argument, a missing required
 * argument or a wrong JSON type fails with CIVIS_EINVAL, err->param naming
 * it, and a did-you-mean when one is near ("unknown argument 'docker_comand'
 * for scripts.post_containers (did you mean 'docker_command'?)").
 *
 * On the wire: path parameters fill the path, query parameters go to the
 * query string (booleans True/False, arrays as name[]=v), the rest forms the
 * JSON body (always sent, "{}" when empty, even on GET and DELETE, as the
 * official client does), with HTTP Basic auth, the User-Agent, and
 * X-Civis-Job-ID / X-Civis-Run-ID when $CIVIS_JOB_ID is set. Retries follow
 * the client's policy.
 *
 * A 2xx reply gives CIVIS_OK and *out (release with civis_response_free);
 * 204 or an empty body gives a response whose JSON is NULL; a 2xx body that
 * is not JSON is CIVIS_EPARSE with the byte offset. Other replies fail, with
 * err->message in the official client's shape "(404) The requested resource
 * could not be found. (GET /scripts/sql/7)" and err->http_status set:
 * CIVIS_ENOTFOUND for 404, CIVIS_EAUTH for 401 (the message adds the
 * WWW-Authenticate value), CIVIS_EHTTP otherwise. No reply at all is
 * CIVIS_ETRANSPORT with libcurl's text.
 */
CIVIS_EXTERN civis_status civis_call(civis_response **out, civis_client *client,
                                     const char *resource, const char *method, const cJSON *args,
                                     civis_error *err);

/* As civis_call, but takes ownership of `args` and frees it whatever
 * happens. A NULL `args` (e.g. a civis_args() that failed) is CIVIS_EINVAL,
 * param "args"; for no arguments pass civis_args(CIVIS_END). */
CIVIS_EXTERN civis_status civis_call_take(civis_response **out, civis_client *client,
                                          const char *resource, const char *method, cJSON *args,
                                          civis_error *err);

/* As civis_call, with the arguments as name / CIVIS_* value pairs ending in
 * CIVIS_END (see civis_args below):
 *     civis_callv(&resp, client, "scripts", "get_sql_runs", &err,
 *                 "id", CIVIS_INT(7), "run_id", CIVIS_INT(8), CIVIS_END); */
CIVIS_EXTERN civis_status civis_callv(civis_response **out, civis_client *client,
                                      const char *resource, const char *method, civis_error *err,
                                      ...)
#if defined(__GNUC__)
    __attribute__((sentinel))
#endif
    ;

/*
 * A request that is not an operation of the spec (or that bypasses its
 * checks): `method` and `path_and_query` ("/files/42?x=1", relative to the
 * base URL) are sent as given, with `body` (borrowed; NULL sends no body)
 * printed as JSON, the same headers, retries and error handling as
 * civis_call.
 */
CIVIS_EXTERN civis_status civis_request(civis_response **out, civis_client *client,
                                        const char *method, const char *path_and_query,
                                        const cJSON *body, civis_error *err);

/* ---- building arguments --------------------------------------------------- */

/* What a CIVIS_* value macro holds. Build them with the macros only. */
typedef enum civis_value_kind {
    CIVIS_VALUE_STR = 1,   /* string, copied */
    CIVIS_VALUE_INT,       /* integer */
    CIVIS_VALUE_NUM,       /* double */
    CIVIS_VALUE_BOOL,      /* true / false */
    CIVIS_VALUE_NULL,      /* JSON null (query: dropped) */
    CIVIS_VALUE_JSON,      /* a cJSON value, taken over */
    CIVIS_VALUE_JSON_COPY, /* a cJSON value, deep-copied */
    CIVIS_VALUE_INT_ARRAY, /* n long longs, copied */
    CIVIS_VALUE_STR_ARRAY  /* n strings, copied */
} civis_value_kind;

#define CIVIS_VALUE_MAGIC 0x43495653u /* "CIVS": catches a bare value where a macro belongs */

typedef struct civis_value {
    unsigned magic;        /* CIVIS_VALUE_MAGIC */
    civis_value_kind kind; /* which member of u */
    union {
        const char *s;           /* STR */
        long long i;             /* INT */
        double d;                /* NUM */
        int b;                   /* BOOL */
        cJSON *json;             /* JSON (owned by the receiver) */
        const cJSON *cjson;      /* JSON_COPY (borrowed) */
        const long long *ints;   /* INT_ARRAY (borrowed, n items) */
        const char *const *strs; /* STR_ARRAY (borrowed, n items) */
    } u;
    size_t n; /* item count of the array kinds */
} civis_value;

#define CIVIS_STR(v) ((civis_value){CIVIS_VALUE_MAGIC, CIVIS_VALUE_STR, {.s = (v)}, 0})
#define CIVIS_INT(v) ((civis_value){CIVIS_VALUE_MAGIC, CIVIS_VALUE_INT, {.i = (v)}, 0})
#define CIVIS_NUM(v) ((civis_value){CIVIS_VALUE_MAGIC, CIVIS_VALUE_NUM, {.d = (v)}, 0})
#define CIVIS_BOOL(v) ((civis_value){CIVIS_VALUE_MAGIC, CIVIS_VALUE_BOOL, {.b = (v) ? 1 : 0}, 0})
#define CIVIS_NULL ((civis_value){CIVIS_VALUE_MAGIC, CIVIS_VALUE_NULL, {.i = 0}, 0})
/* Takes ownership of a cJSON value (NULL, e.g. a failed allocation, makes
 * the whole builder fail). */
#define CIVIS_JSON(v) ((civis_value){CIVIS_VALUE_MAGIC, CIVIS_VALUE_JSON, {.json = (v)}, 0})
/* Deep-copies a borrowed cJSON value. */
#define CIVIS_JSON_COPY(v)                                                                         \
    ((civis_value){CIVIS_VALUE_MAGIC, CIVIS_VALUE_JSON_COPY, {.cjson = (v)}, 0})
#define CIVIS_INT_ARRAY(p, count)                                                                  \
    ((civis_value){CIVIS_VALUE_MAGIC, CIVIS_VALUE_INT_ARRAY, {.ints = (p)}, (count)})
#define CIVIS_STR_ARRAY(p, count)                                                                  \
    ((civis_value){CIVIS_VALUE_MAGIC, CIVIS_VALUE_STR_ARRAY, {.strs = (p)}, (count)})
/* A nested object from pairs: CIVIS_OBJ("include_header", CIVIS_BOOL(1), CIVIS_END). */
#define CIVIS_OBJ(...) CIVIS_JSON(civis_args(__VA_ARGS__))
/* Ends every list of pairs. */
#define CIVIS_END ((const char *)0)

/*
 * Builds a JSON object from name / value pairs ending in CIVIS_END:
 *     cJSON *args = civis_args("name", CIVIS_STR("nightly"),
 *                              "docker_image_name", CIVIS_STR("python"),
 *                              "params", CIVIS_JSON(list), CIVIS_END);
 * Returns a new object owned by the caller (cJSON_Delete, or hand it to
 * civis_call_take), or NULL when memory runs out or a value was not built
 * with a CIVIS_* macro. Every CIVIS_JSON value in the list is owned by
 * civis_args from the call on, success or failure. A repeated name keeps the
 * last value.
 */
/* (No sentinel attribute here: civis_args(CIVIS_END), the empty object,
 * has the terminator as its named argument.) */
CIVIS_EXTERN cJSON *civis_args(const char *name, ...);
/* The va_list form, for your own variadic wrappers. */
CIVIS_EXTERN cJSON *civis_args_va(const char *name, va_list ap);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_CLIENT_H */
