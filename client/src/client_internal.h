/*
 * client_internal.h: the layout of a civis_client and a civis_response, and
 * the functions the files of libcivis share. Nothing outside client/src
 * includes this.
 */
#ifndef CIVIS_CLIENT_INTERNAL_H
#define CIVIS_CLIENT_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "civis.h"

/* Exported by libcivis_spec (spec/src/error.c): records the first error. */
civis_status civis__fail(civis_error *err, civis_status code, const char *param, const char *fmt,
                         ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
civis_status civis__vfail(civis_error *err, civis_status code, const char *param, const char *fmt,
                          va_list ap);

/* ---- alloc.c: every allocation of libcivis goes through these ------------- */

void *civis__malloc(size_t size);
void *civis__calloc(size_t n, size_t size);
void *civis__realloc(void *ptr, size_t size);
void civis__free(void *ptr);
char *civis__strdup(const char *s); /* NULL in, NULL out */
char *civis__strndup(const char *s, size_t n);
/* printf into a new string; NULL on allocation failure. */
char *civis__sprintf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* ---- the client ------------------------------------------------------------- */

typedef struct civis_memo civis_memo; /* pyjson.c: v as Python's json.dumps prints it (the official
                                       * client's bytes). *out is owned (civis__free). */
civis_status civis__pyjson(char **out, size_t *len, const cJSON *v, civis_error *err);

/* helpers.c */

/* civis_client_options.max_response_bytes when 0: far above any API answer
 * (the whole spec is 2.4 MB), far below what would hurt a machine. */
#define CIVIS_DEFAULT_MAX_RESPONSE_BYTES ((size_t)64 << 20)

struct civis_client {
    char *api_key;
    char *base_url;          /* ends with '/' */
    char *user_agent;        /* the whole header value */
    char *auth_value;        /* "Basic base64(key:)" */
    char *job_id;            /* $CIVIS_JOB_ID at creation, or NULL */
    char *run_id;            /* $CIVIS_RUN_ID at creation, or NULL */
    civis_spec *owned_spec;  /* freed with the client, or NULL */
    const civis_spec *spec;  /* owned_spec or the caller's */
    const char *spec_source; /* static string */
    long timeout_ms;
    long connect_timeout_ms;
    size_t max_response_bytes; /* 0 never: the default filled in */
    civis_retry_policy retry;  /* defaults filled in */
    bool camel_keys;
    civis_transport transport; /* copied table */
    void *transport_ctx;
    bool transport_ready; /* destroy() is due at free */
    civis_log_fn log;
    civis_retry_fn on_retry;
    void *hook_data;

    pthread_mutex_t rng_lock; /* back-off randomness, shared by threads */
    uint64_t rng;
    pthread_mutex_t memo_lock; /* helpers' memo */
    civis_memo *memo;
    bool locks_ready;
};

/* Logs one line through the client's hook (no-op without one). */
void civis__log(const civis_client *client, civis_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* transport.c: frees a header array: one block when `block` is set (the
 * libcurl transport's), else strings made by civis_http_response_add_header. */
void civis__headers_free(civis_header *headers, size_t n, char *block);

/* options.c: resolves the options and the environment into the client. */
civis_status civis__options_apply(civis_client *client, const civis_client_options *opts,
                                  civis_error *err);

/* spec_cache.c: loads client->spec as the options say. */
civis_status civis__spec_obtain(civis_client *client, const civis_client_options *opts,
                                civis_error *err);
/* The cache file for a base URL inside dir, into buf; false if too long. */
bool civis__spec_cache_file(char *buf, size_t len, const char *dir, const char *base_url);

/* curl_transport.c: the default transport. */
civis_status civis__curl_transport_new(civis_transport *table, void **ctx,
                                       const civis_client_options *opts, civis_error *err);
/* "7.88.1" */
const char *civis__curl_version(void);

/* ---- sending ------------------------------------------------------------------ */

/* One request as call.c prepares it for the retry loop. */
typedef struct civis_send {
    const char *method; /* "GET" */
    const char *path;   /* "/scripts/sql/7", leading '/' */
    const char *query;  /* "" when none */
    const char *body;   /* NULL: no body */
    size_t body_len;
    const civis_operation *op; /* NULL outside civis_call */
    const cJSON *args;         /* borrowed */
    bool json_values;          /* responses keep `value` as sent (json_values paths) */
    bool raw_body;             /* leave a 2xx body unparsed (the spec download) */
} civis_send;

/*
 * Sends with retries and turns the outcome into a response or an error
 * (call.c). `raw_errors` false: a non-2xx reply becomes an error; true: it
 * becomes a response too (the spec download decides for itself).
 */
civis_status civis__send(civis_response **out, civis_client *client, const civis_send *req,
                         bool raw_errors, civis_error *err);

/* Tells the transport's rejected() hook (if any) of a call refused before
 * sending (call.c). */
void civis__rejected(civis_client *c, const char *resource, const char *method, const cJSON *args,
                     civis_status st, const civis_error *err);

/* retry.c */
/* Whether the status is retried for the verb (the official client's table). */
bool civis__retry_status(const char *method, long status);
/* Whether a connection failure before any byte was sent is retried. */
bool civis__retry_idempotent(const char *method);
/* The back-off wait before retry `attempt` (1-based), in seconds. */
double civis__retry_backoff(civis_client *client, int attempt);
/* Retry-After in seconds (0 when missing or not a number, HUGE_VAL when
 * too large for a double). */
double civis__retry_after(const char *value);
/* The wait before a retry: the back-off, at least Retry-After (unless the
 * policy ignores it), at most what is left of max_elapsed_s. */
double civis__retry_wait(double backoff, double retry_after, double elapsed_s,
                         const civis_retry_policy *p);
void civis__sleep(double seconds);
double civis__now(void); /* monotonic seconds */

/* errors.c: the official client's error message for a non-2xx reply. */
civis_status civis__http_error(civis_error *err, const char *method, const char *path_url,
                               const civis_http_response *resp);
/* The standard reason phrase of a status, "" when unknown. */
const char *civis__reason_phrase(long status);

/* ---- responses ------------------------------------------------------------------ */

struct civis_response {
    pthread_mutex_t lock; /* guards the one-time parse of body into json */
    atomic_bool parsed;   /* json is final (set once, read without the lock) */
    long status;
    civis_header *headers; /* owned */
    size_t n_headers;
    char *header_block; /* owned; the header strings live here when set */
    char *body;         /* owned, NUL-terminated, or NULL */
    size_t body_len;
    cJSON *json; /* owned parsed body (parsed on first use), or NULL */
    int retries;
    bool json_values; /* the request path starts with json_values */
    bool locked;      /* lock was initialised */
    char *method;
    char *path; /* with "?query" */
};

/*
 * Moves the transport response into a new civis_response (response.c).
 * With `parse`, a body that is not JSON fails now with CIVIS_EPARSE; a JSON
 * body is turned into cJSON on first use (most calls read one field or
 * none, and the check is far cheaper than building the tree). *out is NULL
 * on failure. resp is cleared either way.
 */
civis_status civis__response_new(civis_response **out, civis_http_response *resp,
                                 const char *method, const char *path_url, int retries,
                                 bool json_values, bool parse, civis_error *err);

/* Parses a NUL-terminated body of len bytes as exactly one JSON value
 * (response.c). NULL when it is not JSON (*oom false, *err_offset the byte
 * where it goes wrong) or when memory ran out (*oom true). */
cJSON *civis__parse_body(const char *body, size_t len, size_t *err_offset, bool *oom);
/* jsoncheck.c: whether s[0..len) is one JSON value; allocates nothing.
 * s[len] must be '\0' (every body has one). */
bool civis__json_check(const char *s, size_t len, size_t *err_offset);

/* jsonpath.c: path lookup with the official client's key rules. */
const cJSON *civis__json_path(const cJSON *root, const char *path, bool json_values, char *why,
                              size_t why_len);
/* The node at path, checked for a type: want is a cJSON type bit
 * (cJSON_Number, cJSON_String, cJSON_True for booleans) or -1 for an
 * integral number. `where` ("the response") goes into messages. */
civis_status civis__json_typed(const cJSON **node, const cJSON *root, const char *path,
                               bool json_values, int want, const char *where, civis_error *err);
/* A key matches a snake_case name: equal, or equal once converted. */
bool civis__key_matches(const char *key, const char *name);

/* args.c: a cJSON value from a civis_value (consumes CIVIS_VALUE_JSON). */
cJSON *civis__value_to_json(civis_value v);
/* Builds the object of name / value pairs (the rest of the list after
 * `name`) with a precise error; every CIVIS_JSON value is consumed. */
civis_status civis__args_build(cJSON **out, const char *name, va_list ap, civis_error *err);

/* pyjson.c: v as Python's json.dumps prints it (the official client's
 * bytes). *out is owned (civis__free). */
civis_status civis__pyjson(char **out, size_t *len, const cJSON *v, civis_error *err);

/* helpers.c */
void civis__memo_free(civis_memo *memo);

#endif /* CIVIS_CLIENT_INTERNAL_H */
