/*
 * mock.h: the pieces of civis-mock and the state they share. Nothing
 * outside mockserver/src includes this.
 *
 * One civis_mock_server lives for the whole process. The spec is shared
 * read-only by every MHD worker thread; the stub and fixture sets lock
 * themselves; the journal and the faults each have their own mutex.
 */
#ifndef CIVIS_MOCK_H
#define CIVIS_MOCK_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "civis/answer.h"
#include "civis/error.h"
#include "civis/fixture.h"
#include "civis/spec.h"

#define CIVIS_MOCK_DEFAULT_PORT 8080
#define CIVIS_MOCK_DEFAULT_MAX_BODY (10u * 1024u * 1024u)
#define CIVIS_MOCK_JOURNAL_CAP 10000            /* entries kept; the oldest go first */
#define CIVIS_MOCK_JOURNAL_BODY_CAP (16 * 1024) /* body bytes kept per entry */
#define CIVIS_MOCK_MAX_DELAY_MS 60000           /* a fault never delays an answer longer */
#define CIVIS_MOCK_MAX_QUERY_PARAMS 500         /* more query parameters get 414 */
#define CIVIS_MOCK_DEFAULT_CONN_TIMEOUT_S 15    /* idle connections are closed after this */
#define CIVIS_MOCK_DEFAULT_CONNS_PER_IP 256     /* open connections one client address may hold */
#define CIVIS_MOCK_DEFAULT_STATE_MAX_BYTES (2ull << 30) /* --state-max-bytes */

/* Exported by libcivis_spec (spec/src/error.c); declared here so the server
 * records errors the same way the engine does. */
civis_status civis__fail(civis_error *err, civis_status code, const char *param, const char *fmt,
                         ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Exported by libcivis_spec (spec/src/schema_check.c): the length of the
 * well-formed UTF-8 sequence at s (n > 0 bytes left), 1 to 4, or 0 (no
 * overlongs, surrogates or code points past U+10FFFF). */
size_t civis__utf8_seq(const unsigned char *s, size_t n);

/* ---- configuration (main.c) ------------------------------------------- */

typedef struct civis_mock_config {
    const char *spec_path; /* --spec or $CIVIS_API_SPEC; NULL: the bundled spec */
    const char **fixtures; /* --fixtures paths, borrowed from argv */
    size_t n_fixtures;
    const char *host;      /* --host, "127.0.0.1" */
    int port;              /* --port, 8080; 0 picks a free one */
    const char *port_file; /* --port-file, or NULL */
    uint64_t seed;         /* --seed for synthesized bodies and fault dice */
    unsigned threads;      /* --threads, default the number of CPUs */
    const char *log_path;  /* --log FILE, "-" for stdout, NULL for none */
    size_t max_body;       /* --max-body bytes */
    bool lenient;          /* --lenient: unknown names are journaled, not rejected */
    /* the simulation (sim.h) */
    const char *run_policy;   /* --run-policy, NULL for "instant" */
    const char *state_dir;    /* --state-dir, NULL for a temporary one */
    size_t state_max_objects; /* --state-max-objects ids per API key; 0: default */
    size_t state_mem_limit;   /* --state-mem-limit bytes of a file kept in RAM; 0: default */
    bool stateless;           /* --stateless: no simulation */
    uint64_t state_max_bytes; /* --state-max-bytes stored per API key; 0: no limit */
    unsigned conn_timeout_s;  /* --conn-timeout seconds an idle connection is kept */
    unsigned conns_per_ip;    /* --max-conns-per-ip */
} civis_mock_config;

/* ---- requests and replies --------------------------------------------- */

/* One request as assembled by server.c; strings are owned. */
typedef struct civis_mock_request {
    char *method;       /* "GET" */
    char *path;         /* path as sent (percent-encoded), no query */
    char *query;        /* raw query after '?', "" when none */
    civis_kv *query_kv; /* decoded pairs (keys and values owned) */
    size_t n_query;
    const char *authorization; /* the Authorization header, borrowed from MHD, or NULL */
    const char *mock_key;      /* X-Civis-Mock-Key, borrowed from MHD, or NULL */
    const char *host;          /* the Host header, borrowed from MHD, or NULL */
    char *body;                /* body bytes, NUL-terminated, or NULL */
    size_t body_len;
} civis_mock_request;

typedef struct civis_mock_header {
    char *name;
    char *value;
} civis_mock_header;

/* What the pipeline decided to send. Release with civis__mock_reply_clear. */
typedef struct civis_mock_reply {
    int status; /* HTTP status */
    char *body; /* owned; NULL for no body */
    size_t body_len;
    civis_mock_header *headers; /* owned, beside Content-Type */
    size_t n_headers;
    bool drop;         /* close the connection without answering */
    unsigned delay_ms; /* wait this long before answering (the worker is not held) */
} civis_mock_reply;

/* What the journal records about how a request was answered. */
typedef struct civis_mock_outcome {
    const char *source;             /* "stub", "fixture", "simulation", "example", "synthesized",
                                       "spec", "admin", "auth", "route", "validation", "fault",
                                       "too_large" (static strings) */
    const civis_operation *op;      /* the routed operation, or NULL */
    char *api_key;                  /* the caller's key (owned), or NULL */
    char *reason;                   /* why a 4xx was sent (owned), or NULL */
    const civis_operation *nearest; /* on a routing miss: the closest operation, or NULL */
    cJSON *unknown;                 /* lenient mode: array of unknown names (owned), or NULL */
    bool skip_journal;              /* admin reads that would only describe themselves */
} civis_mock_outcome;

void civis__mock_reply_clear(civis_mock_reply *reply);
void civis__mock_outcome_clear(civis_mock_outcome *outcome);
/* Adds a header (both strings copied); false on allocation failure. */
bool civis__mock_reply_header(civis_mock_reply *reply, const char *name, const char *value);
/* civis__mock_reply_header as a civis_answer_header_fn (ctx is the reply). */
bool civis__mock_reply_add(void *reply, const char *name, const char *value);
/* Takes ownership of a malloc'd body. */
void civis__mock_reply_body_take(civis_mock_reply *reply, char *body, size_t len);
/* Prints `json` (not taken) as the body; false on allocation failure. */
bool civis__mock_reply_json(civis_mock_reply *reply, int status, const cJSON *json);

/* ---- error bodies (json_error.c) --------------------------------------- */

/* {"error": kind, "errorDescription": description, "code": status} as the
 * body of `reply`, with `status`. Returns false on allocation failure
 * (then the reply carries a fixed text that needs no allocation). */
bool civis__mock_error(civis_mock_reply *reply, int status, const char *kind,
                       const char *description);
/* The 400 for a failed validation: one-line description plus "problems". */
bool civis__mock_error_problems(civis_mock_reply *reply, const civis_operation *op,
                                const civis_problems *problems, char **description_out);
/* Replaces every invalid UTF-8 sequence of s[0..len) with U+FFFD. Returns
 * a new malloc'd NUL-terminated string (length in *out_len, may be NULL). */
char *civis__mock_utf8_clean(const char *s, size_t len, size_t *out_len);
/* Parses exactly buf[0..len) as one JSON document (trailing whitespace
 * allowed, embedded NULs or garbage not). NULL when it is not JSON, with the
 * byte offset of the problem in *err_offset (may be NULL). Owned by the caller. */
cJSON *civis__mock_parse(const char *buf, size_t len, size_t *err_offset);
/* "resource.method" of an operation into buf. */
const char *civis__mock_op_name(const civis_operation *op, char *buf, size_t len);

/* ---- journal (journal.c) ----------------------------------------------- */

typedef struct civis_mock_journal civis_mock_journal;

civis_status civis__mock_journal_new(civis_mock_journal **out, civis_error *err);
void civis__mock_journal_free(civis_mock_journal *journal);
void civis__mock_journal_clear(civis_mock_journal *journal);
/* Records one finished request (copies what it keeps). */
void civis__mock_journal_add(civis_mock_journal *journal, const civis_mock_request *req,
                             const civis_mock_outcome *outcome, int status);

typedef struct civis_mock_journal_filter {
    const char *operation; /* "scripts.post_containers", or NULL */
    const char *api_key;   /* exact key, or NULL */
    const char *source;    /* "stub", ..., or NULL */
    long since;            /* only entries with seq > since */
    bool unmatched_only;   /* only 4xx from routing and validation */
} civis_mock_journal_filter;

/* The matching entries as a JSON array, oldest first; NULL on allocation failure. */
cJSON *civis__mock_journal_query(civis_mock_journal *journal,
                                 const civis_mock_journal_filter *filter);
/* The key as the journal shows it: "ab…#1f2e3d4c" (prefix + fingerprint). */
void civis__mock_key_mask(char *out, size_t outlen, const char *key);

/* ---- faults (faults.c) -------------------------------------------------- */

typedef struct civis_mock_faults civis_mock_faults;

civis_status civis__mock_faults_new(civis_mock_faults **out, uint64_t seed, civis_error *err);
void civis__mock_faults_free(civis_mock_faults *faults);
void civis__mock_faults_clear(civis_mock_faults *faults);
/* Adds a rule from its JSON description; *id_out is its id. CIVIS_EINVAL
 * names the bad field. */
civis_status civis__mock_faults_add(civis_mock_faults *faults, const civis_spec *spec,
                                    const cJSON *rule, int *id_out, civis_error *err);
/* Removes one rule; false when there is no such id. */
bool civis__mock_faults_remove(civis_mock_faults *faults, int id);
/* The rules as a JSON array; NULL on allocation failure. */
cJSON *civis__mock_faults_list(civis_mock_faults *faults);
/*
 * Decides whether a fault fires for this request and, when it does, fills
 * `reply` (status and body, a delay, or drop). Returns true when the reply is
 * final; a pure delay sets reply->delay_ms and returns false so that the
 * request is answered normally after the pause.
 */
bool civis__mock_faults_apply(civis_mock_faults *faults, const civis_operation *op,
                              const char *api_key, civis_mock_reply *reply);

/* ---- pagination (paginate.c) -------------------------------------------- */

/*
 * Cuts the page that `limit` and `page_num` (from the query) select out of a
 * whole collection and sets the X-Pagination-* headers. `collection` is
 * consumed. `always` false leaves a request without limit or page_num
 * untouched (a recorded example page). Returns false on allocation failure.
 */
bool civis__mock_paginate(civis_mock_reply *reply, const civis_operation *op,
                          const civis_mock_request *req, cJSON *collection, bool always);

/* ---- the server ---------------------------------------------------------- */

/*
 * The stateful simulation of platform objects plugs in here. `handle`
 * returns true when it answered the request (reply and outcome->source set),
 * false to let the next answer source (x-examples) have it. `reset` puts its
 * state back to start-up. No simulation is wired in yet: the default handler
 * answers nothing.
 */
typedef struct civis_mock_simulation {
    bool (*handle)(void *ctx, const civis_spec *spec, const civis_route *route,
                   const civis_mock_request *req, const cJSON *body, const char *api_key,
                   civis_mock_reply *reply, civis_mock_outcome *outcome);
    void (*reset)(void *ctx);
    void *ctx;
} civis_mock_simulation;

/* The handler installed until the simulation exists: never handles. */
bool civis__mock_sim_unhandled(void *ctx, const civis_spec *spec, const civis_route *route,
                               const civis_mock_request *req, const cJSON *body,
                               const char *api_key, civis_mock_reply *reply,
                               civis_mock_outcome *outcome);

/* ---- delayed answers (delay.c) ------------------------------------------ */

struct MHD_Connection;
typedef struct civis_mock_delayer civis_mock_delayer;

civis_status civis__mock_delayer_new(civis_mock_delayer **out, civis_error *err);
/* Suspends `con` (call from its access handler) and resumes it after `ms`.
 * False when it cannot (out of memory, or stopping): answer at once. */
bool civis__mock_delayer_add(civis_mock_delayer *d, struct MHD_Connection *con, unsigned ms);
/* Resumes every waiting connection now and refuses new ones (shutdown). */
void civis__mock_delayer_flush(civis_mock_delayer *d);
/* Stops the timer thread; call after the daemon stopped. NULL is fine. */
void civis__mock_delayer_free(civis_mock_delayer *d);

/* ---- redaction (redact.c) ------------------------------------------------ */

/* The query with every api_key= value masked. malloc'd; NULL on OOM. */
char *civis__mock_redact_query(const char *query);
/* body[0..len) with the string value of every "api_key" member masked.
 * malloc'd and NUL-terminated; NULL on OOM. */
char *civis__mock_redact_body(const char *body, size_t len);
/* s with control bytes, stray non-UTF-8 bytes and backslashes written as
 * \xHH / \\, safe for a log line. malloc'd; NULL on OOM. */
char *civis__mock_log_escape(const char *s);

typedef struct civis_mock_server {
    civis_mock_config config;
    civis_spec *spec;            /* owned, read-only once serving */
    civis_fixture_set *fixtures; /* --fixtures, loaded at start-up */
    civis_fixture_set *stubs;    /* POST /__mock/stubs */
    civis_mock_journal *journal;
    civis_mock_faults *faults;
    civis_mock_simulation sim;
    FILE *log;      /* --log, or NULL */
    bool log_owned; /* fclose at exit */
    pthread_mutex_t log_lock;
    struct MHD_Daemon *daemon;
    pthread_mutex_t inflight_lock;
    unsigned inflight;           /* requests between first call and completion */
    int port;                    /* the bound port */
    civis_mock_delayer *delayer; /* fault delays (delay.c) */
} civis_mock_server;

/* Answers one non-admin request: auth, route, fault, validate, answer. */
void civis__mock_pipeline(civis_mock_server *srv, const civis_mock_request *req,
                          civis_mock_reply *reply, civis_mock_outcome *outcome);
/* Answers one /__mock/ request. */
void civis__mock_admin(civis_mock_server *srv, const civis_mock_request *req,
                       civis_mock_reply *reply, civis_mock_outcome *outcome);
/* GET /__mock/stats: heap in use, peak RSS, requests in flight (stats.c). */
void civis__mock_stats(civis_mock_server *srv, civis_mock_reply *reply);
/* Puts stubs, journal, faults, fixture sequences and the simulation back to start-up. */
void civis__mock_reset(civis_mock_server *srv);

/* Extracts the API key from an Authorization header. Returns NULL with a
 * reason in `why` when the header is missing or not Basic KEY: / Bearer KEY.
 * The key is malloc'd. */
char *civis__mock_auth_key(const char *authorization, char *why, size_t whylen);

/* Starts the MHD daemon (server.c); sets srv->port. */
civis_status civis__mock_server_start(civis_mock_server *srv, civis_error *err);
/* Stops accepting, lets in-flight requests finish (bounded wait), stops MHD. */
void civis__mock_server_stop(civis_mock_server *srv);

/* Writes one log line when --log is set (thread-safe). */
void civis__mock_log(civis_mock_server *srv, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif /* CIVIS_MOCK_H */
