/*
 * civis/sys/fake.h: the answering core of a fake Civis API.
 *
 * civis-mock (over HTTP) and libcivis's in-process mock answer a request
 * through this one code path, so the same request gets the same status,
 * headers, error and problems from both:
 *
 *   route (404; 405 with Allow) -> validate (400 listing every problem)
 *   -> the hook when hook_first -> stubs -> fixtures -> the hook
 *   -> the operation's x-example -> a body synthesized from its schema
 *
 * then an array answer of a paginated operation is cut into the page the
 * request asks for, and an error without a body gets the API's error body.
 * Each product keeps only what is its own: civis-mock its HTTP server, auth,
 * faults, journal and admin API, with its simulation as the hook; the
 * in-process mock its behaviours (the hook, consulted first), journal and
 * assertions.
 *
 * Nothing here locks or keeps state between requests: a fixture set locks
 * itself, and the hook guards its own state.
 *
 * Ownership: strings in a request are borrowed for the call. A reply owns
 * its body and headers (plain malloc); release with civis_fake_reply_clear.
 */
#ifndef CIVIS_SYS_FAKE_H
#define CIVIS_SYS_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "civis/error.h"
#include "civis/export.h"
#include "civis/spec.h"
#include "civis/sys/fixture.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One header of a reply; both strings owned by the reply. */
typedef struct civis_fake_header {
    char *name;
    char *value;
} civis_fake_header;

/* What the core (or a hook) decided to send. Zero-initialise before use. */
typedef struct civis_fake_reply {
    int status;                 /* HTTP status */
    char *body;                 /* owned, NUL-terminated; NULL for no body */
    size_t body_len;            /* bytes of body, without the NUL */
    civis_fake_header *headers; /* owned, in order; Content-Type is the sender's */
    size_t n_headers;
    bool drop;         /* HTTP only: close the connection without answering (faults) */
    unsigned delay_ms; /* HTTP only: wait this long before answering (faults) */
} civis_fake_reply;

/* A request as a fake server receives it. Everything borrowed. */
typedef struct civis_fake_request {
    const char *method;       /* "GET" */
    const char *path;         /* as sent (percent-encoded), no query */
    const char *query;        /* raw query after '?', or NULL / "" for none */
    const civis_kv *query_kv; /* the query already decoded, or NULL to decode `query` */
    size_t n_query;
    const char *body; /* body bytes, or NULL */
    size_t body_len;
    const char *api_key;    /* the caller's key (stubs scoped to a key), or NULL */
    const cJSON *body_json; /* the body already parsed (it must be what `body`
                               holds), or NULL to parse `body` */
    bool body_terminated;   /* body[body_len] is a NUL: parsed where it is, not copied */
} civis_fake_request;

/* One request on its way through the core. civis_fake_route fills it;
 * release with civis_fake_exchange_clear. Hooks read it. */
typedef struct civis_fake_exchange {
    const civis_fake_request *req; /* borrowed */
    civis_route route;             /* the routed operation and path parameters */
    const civis_operation *op;     /* route.op, or NULL when routing failed */
    const civis_kv *query;         /* decoded query pairs */
    size_t n_query;
    const cJSON *body;              /* the parsed body once validated (NULL: none) */
    civis_problems problems;        /* validation problems (lenient mode: the unknown
                                       names let through) */
    const char *source;             /* who answered: "route", "validation", "stub",
                                       "fixture", the hook's, "example", "synthesized",
                                       "internal" (static strings) */
    const civis_operation *nearest; /* a route miss: the closest operation, or NULL */
    char *reason;                   /* why a 4xx was sent (owned), or NULL */
    /* private */
    civis_kv *query_owned;
    cJSON *body_owned;
} civis_fake_exchange;

/*
 * A hook answers a routed, validated request or passes. It returns true
 * when it filled `reply` (it may set x->source to a static string; the
 * default is "hook"), false to let the next source answer (the reply must
 * then be untouched). A hook that runs out of memory answers with
 * civis_fake_reply_error(reply, 500, ...) and returns true.
 */
typedef bool (*civis_fake_hook_fn)(void *ctx, civis_fake_exchange *x, civis_fake_reply *reply);

typedef struct civis_fake_config {
    const civis_spec *spec;      /* required */
    civis_fixture_set *stubs;    /* answers as "stub"; may be NULL */
    civis_fixture_set *fixtures; /* answers as "fixture"; may be NULL */
    civis_fake_hook_fn hook;     /* may be NULL */
    void *hook_ctx;
    bool hook_first; /* consult the hook before stubs and fixtures (the
                        in-process mock's behaviours, which a test sets to
                        override its fixtures) rather than after them
                        (civis-mock's simulation) */
    uint64_t seed;   /* synthesized bodies */
    bool lenient;    /* unknown names are listed in x->problems, not refused */
} civis_fake_config;

/*
 * Routes the request. CIVIS_OK when an operation matched (x->op set);
 * CIVIS_ENOTFOUND (404) or CIVIS_EMETHOD (405 with Allow) with the reply
 * filled and x->source "route"; CIVIS_ENOMEM. x is always initialised, so
 * civis_fake_exchange_clear may follow whatever this returns.
 */
CIVIS_EXTERN civis_status civis_fake_route(civis_fake_exchange *x, const civis_fake_config *cfg,
                                           const civis_fake_request *req, civis_fake_reply *reply);
/*
 * Validates a routed request (x->body set when it passes). CIVIS_OK, or
 * CIVIS_EINVAL with the reply filled (400 with the problems, x->source
 * "validation"), or CIVIS_ENOMEM with a 500 reply.
 */
CIVIS_EXTERN civis_status civis_fake_validate(civis_fake_exchange *x, const civis_fake_config *cfg,
                                              civis_fake_reply *reply);
/*
 * Answers a validated request from the sources in order. Always fills the
 * reply; CIVIS_ENOMEM when that reply is the 500 of an allocation failure.
 */
CIVIS_EXTERN civis_status civis_fake_answer(civis_fake_exchange *x, const civis_fake_config *cfg,
                                            civis_fake_reply *reply);
/* Route, validate and answer in one call. The reply is always filled. */
CIVIS_EXTERN civis_status civis_fake_handle(civis_fake_exchange *x, const civis_fake_config *cfg,
                                            const civis_fake_request *req, civis_fake_reply *reply);
/* Takes the parsed body out of the exchange (owned by the caller); x->body
 * keeps pointing at it, so the caller must keep it alive while x is used. */
CIVIS_EXTERN cJSON *civis_fake_exchange_take_body(civis_fake_exchange *x);
CIVIS_EXTERN void civis_fake_exchange_clear(civis_fake_exchange *x);

/* ---- building replies (for the core, and for hooks) --------------------- */

CIVIS_EXTERN void civis_fake_reply_clear(civis_fake_reply *reply);
/* Adds a header (both copied); false when out of memory. */
CIVIS_EXTERN bool civis_fake_reply_header(civis_fake_reply *reply, const char *name,
                                          const char *value);
/* Removes every header named `name` (ASCII case-insensitive). */
CIVIS_EXTERN void civis_fake_reply_unset(civis_fake_reply *reply, const char *name);
/* Takes a malloc'd body (len bytes, NUL-terminated). */
CIVIS_EXTERN void civis_fake_reply_body_take(civis_fake_reply *reply, char *body, size_t len);
/* `json` (not taken) printed as the body, with `status`; invalid UTF-8 from
 * the request that ended up in it is replaced. False when out of memory
 * (the reply is then the fixed 500). */
CIVIS_EXTERN bool civis_fake_reply_json(civis_fake_reply *reply, int status, const cJSON *json);
/* The API's error body {"error", "errorDescription", "code"} with status;
 * `kind` and `description` NULL take the API's words for the status
 * (civis_answer_error_kind). False when out of memory. */
CIVIS_EXTERN bool civis_fake_reply_error(civis_fake_reply *reply, int status, const char *kind,
                                         const char *description);
/* The 400 of a failed validation: a one-line errorDescription naming the
 * operation and every problem, and the "problems" list. *description_out
 * (may be NULL) receives that line (malloc'd). False when out of memory. */
CIVIS_EXTERN bool civis_fake_reply_problems(civis_fake_reply *reply, const civis_operation *op,
                                            const civis_problems *problems, char **description_out);

/* When an array answer of a paginated operation is cut into pages. */
typedef enum civis_fake_paging {
    CIVIS_FAKE_PAGE_ASKED = 0, /* when the request names limit or page_num */
    CIVIS_FAKE_PAGE_ALWAYS,    /* also without them (synthesized lists) */
    CIVIS_FAKE_PAGE_NEVER      /* an answer that brings its own X-Pagination-* */
} civis_fake_paging;

/*
 * A recorded answer (stub, fixture, canned reply, callback) for the
 * request of x: `status`, headers (name -> value object, may be NULL; the
 * transfer ones dropped) and body text (NULL for none). An array body of a
 * paginated operation is paged as `paging` says (a recorded answer with its
 * own X-Pagination-* headers is re-cut only when the request asks). With
 * `error_body`, an error status without a body gets the API's error body.
 * A 401 gets WWW-Authenticate and a 429 Retry-After: 1 unless the headers
 * bring their own. False when out of memory.
 */
CIVIS_EXTERN bool civis_fake_reply_recorded(civis_fake_reply *reply, const civis_fake_exchange *x,
                                            int status, const cJSON *headers, const char *text,
                                            size_t len, civis_fake_paging paging, bool error_body);
/*
 * Serves the page the query asks for out of a whole collection (taken):
 * X-Pagination-* headers replace any there were. With `always` false and
 * no limit / page_num in the query, the collection is sent whole. False
 * when out of memory.
 */
CIVIS_EXTERN bool civis_fake_reply_page(civis_fake_reply *reply, const civis_operation *op,
                                        const civis_kv *query, size_t n_query, cJSON *collection,
                                        bool always);

/* Parses exactly buf[0..len) as one JSON document (trailing whitespace
 * allowed). NULL when it is not JSON, with the byte offset of the problem
 * in *err_offset (may be NULL). Owned by the caller. */
CIVIS_EXTERN cJSON *civis_fake_parse(const char *buf, size_t len, size_t *err_offset);
/* s[0..len) with every invalid UTF-8 sequence replaced by U+FFFD, malloc'd
 * and NUL-terminated (its length in *out_len, may be NULL); NULL when out
 * of memory. */
CIVIS_EXTERN char *civis_fake_utf8_clean(const char *s, size_t len, size_t *out_len);

/*
 * Defaults that end: with nothing canned, an operation on runs (its path
 * has a /runs segment) answers its runs finished, and an object whose
 * "lastRun" is a run (a job) gets that run finished: state "succeeded" and
 * a finish time, so a polling loop in a test ends. A run is an object with
 * a string "state" beside startedAt, finishedAt or isCancelRequested.
 * Applied to examples and synthesized bodies (arrays element by element).
 * Returns whether `body` was changed.
 */
CIVIS_EXTERN bool civis_fake_finish_runs(const civis_operation *op, cJSON *body);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_SYS_FAKE_H */
