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
#include "civis/sys/answer.h"
#include "civis/sys/transport.h"

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
    const civis_spec *spec;  /* owned_spec, fresh_spec or the caller's; read and written
                                under spec_lock once the client is shared (civis__client_spec) */
    const char *spec_source; /* static string */
    /* A spec from GET /endpoints is downloaded again, once, when a call names
     * an operation it lacks (the server may have a newer one): */
    bool spec_refreshable;        /* the spec came from the server (cache or download) */
    bool spec_refreshed;          /* that one refresh has been tried */
    civis_spec *fresh_spec;       /* what it brought, freed with the client */
    char *spec_cache_file;        /* where the cache lives, or NULL (no cache) */
    pthread_mutex_t spec_lock;    /* guards spec and fresh_spec */
    pthread_mutex_t refresh_lock; /* one refresh at a time */
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

/* spec_cache.c: finds an operation in the client's spec; when the spec came
 * from the server and lacks the name, downloads it once more and looks
 * again. *spec_out is the spec the operation belongs to. */
civis_status civis__client_find(const civis_operation **op, const civis_spec **spec_out,
                                civis_client *client, const char *resource, const char *method,
                                civis_error *err);
/* The client's current spec (see spec_lock). */
const civis_spec *civis__client_spec(const civis_client *client);

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
    const char *if_none_match; /* a cached copy's validator (the spec download), or NULL */
    const cJSON *body_json;    /* the body as built (body prints it), or NULL */
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

/* spec/src/args.c: civis_args_place whose body borrows the arguments'
 * values (no deep copy); `args` must outlive the placed body. */
civis_status civis__args_place(civis_placed *out, const civis_spec *spec, const civis_operation *op,
                               const cJSON *args, civis_key_style style, bool borrow,
                               civis_error *err);

/* transport.c: the value of the first of n headers named `name` (ASCII
 * case-insensitive), borrowed; NULL when absent. */
const char *civis__header_find(const civis_header *headers, size_t n, const char *name);

/* response.c: a header of the response as a non-negative whole number, -1
 * when absent or not one. */
long civis__header_number(const civis_response *resp, const char *name);

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
