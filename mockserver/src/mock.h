/*
 * mock.h: the pieces of civis-mock and the state they share. Nothing
 * outside mockserver/src includes this.
 *
 * Names: the server's own types are cmock_*, functions shared between its
 * files cmock__*, so none of them means something else in libcivis (whose
 * in-process mock is civis_mock) and a program may link both.
 *
 * One cmock_server lives for the whole process. The spec is shared
 * read-only by every MHD worker thread; the stub and fixture sets lock
 * themselves; the journal and the faults each have their own mutex.
 */
#ifndef CMOCK_H
#define CMOCK_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "civis/sys/answer.h"
#include "civis/sys/fake.h"
#include "civis/error.h"
#include "civis/sys/fixture.h"
#include "civis/spec.h"
#include "record.h"

#define CMOCK_DEFAULT_PORT 8080
#define CMOCK_DEFAULT_MAX_BODY (10u * 1024u * 1024u)
#define CMOCK_JOURNAL_CAP 10000            /* entries kept; the oldest go first */
#define CMOCK_JOURNAL_BODY_CAP (16 * 1024) /* body bytes kept per entry */
#define CMOCK_MAX_DELAY_MS 60000           /* a fault never delays an answer longer */
#define CMOCK_MAX_QUERY_PARAMS 500         /* more query parameters get 414 */
#define CMOCK_DEFAULT_CONN_TIMEOUT_S 15    /* idle connections are closed after this */
#define CMOCK_DEFAULT_CONNS_PER_IP 256     /* open connections one client address may hold */

/* Exported by libcivis_spec (spec/src/error.c); declared here so the server
 * records errors the same way the engine does. */
civis_status civis__fail(civis_error *err, civis_status code, const char *param, const char *fmt,
                         ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* ---- configuration (main.c) ------------------------------------------- */

typedef struct cmock_config {
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
    size_t state_max_bytes;   /* --state-max-bytes of state per API key; 0: default */
    size_t state_mem_limit;   /* --state-mem-limit bytes of a file kept in RAM; 0: default */
    bool stateless;           /* --stateless: no simulation */
    const char **databases;   /* --database names, borrowed from argv */
    size_t n_databases;
    const char **tables; /* --table schema.name=FILE texts, borrowed from argv */
    size_t n_tables;
    cmock_record_config record; /* --record-from, --cassette, ... (record.h) */
    unsigned conn_timeout_s;    /* --conn-timeout seconds an idle connection is kept */
    unsigned conns_per_ip;      /* --max-conns-per-ip */
} cmock_config;

/* ---- requests and replies --------------------------------------------- */

/* One request as assembled by server.c; strings are owned. */
typedef struct cmock_request {
    char *method;       /* "GET" */
    char *path;         /* path as sent (percent-encoded), no query */
    char *query;        /* raw query after '?', "" when none */
    civis_kv *query_kv; /* decoded pairs (keys and values owned) */
    size_t n_query;
    const char *authorization; /* the Authorization header, borrowed from MHD, or NULL */
    const char *mock_key;      /* X-Civis-Mock-Key, borrowed from MHD, or NULL */
    const char *host;          /* the Host header, borrowed from MHD, or NULL */
    const char *if_none_match; /* If-None-Match, borrowed from MHD, or NULL */
    char *body;                /* body bytes, NUL-terminated, or NULL */
    size_t body_len;
} cmock_request;

/* A reply is the answering core's (civis/sys/fake.h): status, owned body
 * and headers, and the HTTP-only drop / delay_ms that faults set. */
typedef civis_fake_header cmock_header;
typedef civis_fake_reply cmock_reply;

/* What the journal records about how a request was answered. */
typedef struct cmock_outcome {
    const char *source;             /* "stub", "fixture", "simulation", "example", "synthesized",
                                       "spec", "admin", "auth", "route", "validation", "fault",
                                       "too_large" (static strings) */
    const civis_operation *op;      /* the routed operation, or NULL */
    char *api_key;                  /* the caller's key (owned), or NULL */
    char *reason;                   /* why a 4xx was sent (owned), or NULL */
    const civis_operation *nearest; /* on a routing miss: the closest operation, or NULL */
    cJSON *unknown;                 /* lenient mode: array of unknown names (owned), or NULL */
    bool skip_journal;              /* admin reads that would only describe themselves */
    cJSON *parsed;                  /* the request's parsed body (owned), or NULL: freed once the
                                       answer is on its way, not before */
} cmock_outcome;

void cmock__outcome_clear(cmock_outcome *outcome);

/* ---- replies: the answering core's builders, under the names the server's
 * files use (one implementation, in spec/src/fake_reply.c) ---------------- */

static inline void cmock__reply_clear(cmock_reply *reply)
{
    civis_fake_reply_clear(reply);
}
/* Adds a header (both strings copied); false on allocation failure. */
static inline bool cmock__reply_header(cmock_reply *reply, const char *name, const char *value)
{
    return civis_fake_reply_header(reply, name, value);
}
/* Takes ownership of a malloc'd body. */
static inline void cmock__reply_body_take(cmock_reply *reply, char *body, size_t len)
{
    civis_fake_reply_body_take(reply, body, len);
}
/* Prints `json` (not taken) as the body; false on allocation failure. */
static inline bool cmock__reply_json(cmock_reply *reply, int status, const cJSON *json)
{
    return civis_fake_reply_json(reply, status, json);
}
/* {"error": kind, "errorDescription": description, "code": status}; false on
 * allocation failure (then the reply carries a fixed 500 text). */
static inline bool cmock__error(cmock_reply *reply, int status, const char *kind,
                                const char *description)
{
    return civis_fake_reply_error(reply, status, kind, description);
}
/* Parses exactly buf[0..len) as one JSON document; NULL when it is not. */
static inline cJSON *cmock__parse(const char *buf, size_t len, size_t *err_offset)
{
    return civis_fake_parse(buf, len, err_offset);
}
/* Replaces every invalid UTF-8 sequence with U+FFFD (a new malloc'd string). */
static inline char *cmock__utf8_clean(const char *s, size_t len, size_t *out_len)
{
    return civis_fake_utf8_clean(s, len, out_len);
}

/* ---- journal (journal.c) ----------------------------------------------- */

typedef struct cmock_journal cmock_journal;

civis_status cmock__journal_new(cmock_journal **out, civis_error *err);
void cmock__journal_free(cmock_journal *journal);
void cmock__journal_clear(cmock_journal *journal);
/* Records one finished request (copies what it keeps). */
void cmock__journal_add(cmock_journal *journal, const cmock_request *req,
                        const cmock_outcome *outcome, int status);

typedef struct cmock_journal_filter {
    const char *operation; /* "scripts.post_containers", or NULL */
    const char *api_key;   /* exact key, or NULL */
    const char *source;    /* "stub", ..., or NULL */
    long since;            /* only entries with seq > since */
    bool unmatched_only;   /* only 4xx from routing and validation */
} cmock_journal_filter;

/* The matching entries as a JSON array, oldest first; NULL on allocation failure. */
cJSON *cmock__journal_query(cmock_journal *journal, const cmock_journal_filter *filter);
/* The key as the journal shows it: "ab…#1f2e3d4c" (prefix + fingerprint). */
void cmock__key_mask(char *out, size_t outlen, const char *key);

/* ---- faults (faults.c) -------------------------------------------------- */

typedef struct cmock_faults cmock_faults;

civis_status cmock__faults_new(cmock_faults **out, uint64_t seed, civis_error *err);
void cmock__faults_free(cmock_faults *faults);
void cmock__faults_clear(cmock_faults *faults);
/* Adds a rule from its JSON description; *id_out is its id. CIVIS_EINVAL
 * names the bad field. */
civis_status cmock__faults_add(cmock_faults *faults, const civis_spec *spec, const cJSON *rule,
                               int *id_out, civis_error *err);
/* Removes one rule; false when there is no such id. */
bool cmock__faults_remove(cmock_faults *faults, int id);
/* The rules as a JSON array; NULL on allocation failure. */
cJSON *cmock__faults_list(cmock_faults *faults);
/*
 * Decides whether a fault fires for this request and, when it does, fills
 * `reply` (status and body, a delay, or drop). Returns true when the reply is
 * final; a pure delay sets reply->delay_ms and returns false so that the
 * request is answered normally after the pause.
 */
bool cmock__faults_apply(cmock_faults *faults, const civis_operation *op, const char *api_key,
                         cmock_reply *reply);

/* ---- pagination -------------------------------------------------------- */

/* Cuts the page the request's limit / page_num select out of a whole
 * collection (consumed), with the X-Pagination-* headers; `always` false
 * leaves a request without them whole. False on allocation failure. */
static inline bool cmock__paginate(cmock_reply *reply, const civis_operation *op,
                                   const cmock_request *req, cJSON *collection, bool always)
{
    return civis_fake_reply_page(reply, op, req->query_kv, req->n_query, collection, always);
}

/* ---- the server ---------------------------------------------------------- */

/*
 * The stateful simulation of platform objects: the answering core's hook,
 * consulted after stubs and fixtures. `handle` returns true when it answered
 * the request (reply and outcome->source set), false to let the next source
 * (x-examples) have it. `parsed` is `body` when the caller hands it over
 * (the parse of req->body, kept in outcome->parsed): the simulation may
 * take parts of it instead of copying them, and free it early. `reset` puts its state back to
 * start-up.
 */
typedef struct cmock_simulation {
    bool (*handle)(void *ctx, const civis_spec *spec, const civis_route *route,
                   const cmock_request *req, const cJSON *body, cJSON *parsed, const char *api_key,
                   cmock_reply *reply, cmock_outcome *outcome);
    void (*reset)(void *ctx);
    void *ctx;
} cmock_simulation;

/* ---- delayed answers (delay.c) ------------------------------------------ */

struct MHD_Connection;
typedef struct cmock_delayer cmock_delayer;

civis_status cmock__delayer_new(cmock_delayer **out, civis_error *err);
/* Suspends `con` (call from its access handler) and resumes it after `ms`.
 * False when it cannot (out of memory, or stopping): answer at once. */
bool cmock__delayer_add(cmock_delayer *d, struct MHD_Connection *con, unsigned ms);
/* Resumes every waiting connection now and refuses new ones (shutdown). */
void cmock__delayer_flush(cmock_delayer *d);
/* Stops the timer thread; call after the daemon stopped. NULL is fine. */
void cmock__delayer_free(cmock_delayer *d);

/* ---- redaction (redact.c) ------------------------------------------------ */

/* The query with every api_key= value masked. malloc'd; NULL on OOM. */
char *cmock__redact_query(const char *query);
/* body[0..len) with the string value of every "api_key" member masked.
 * malloc'd and NUL-terminated; NULL on OOM. */
char *cmock__redact_body(const char *body, size_t len);
/* s with control bytes, stray non-UTF-8 bytes and backslashes written as
 * \xHH / \\, safe for a log line. malloc'd; NULL on OOM. */
char *cmock__log_escape(const char *s);

typedef struct cmock_server {
    cmock_config config;
    civis_spec *spec;            /* owned, read-only once serving */
    char spec_etag[24];          /* GET /endpoints validator: "\"<64-bit hash of the bytes>\"" */
    civis_fixture_set *fixtures; /* --fixtures, loaded at start-up */
    civis_fixture_set *stubs;    /* POST /__mock/stubs */
    cmock_journal *journal;
    cmock_faults *faults;
    cmock_simulation sim;
    cmock_record *record; /* --cassette: record and replay; NULL when off */
    FILE *log;            /* --log, or NULL */
    bool log_owned;       /* fclose at exit */
    pthread_mutex_t log_lock;
    struct MHD_Daemon *daemon;
    pthread_mutex_t inflight_lock;
    unsigned inflight;      /* requests between first call and completion */
    int port;               /* the bound port */
    cmock_delayer *delayer; /* fault delays (delay.c) */
} cmock_server;

/* Answers one non-admin request: auth, route, fault, validate, answer. */
void cmock__pipeline(cmock_server *srv, const cmock_request *req, cmock_reply *reply,
                     cmock_outcome *outcome);
/* Answers one /__mock/ request. */
void cmock__admin(cmock_server *srv, const cmock_request *req, cmock_reply *reply,
                  cmock_outcome *outcome);
/* GET /__mock/stats: heap in use, peak RSS, requests in flight (stats.c). */
void cmock__stats(cmock_server *srv, cmock_reply *reply);
/* Puts stubs, journal, faults, fixture sequences and the simulation back to start-up. */
void cmock__reset(cmock_server *srv);

/* Extracts the API key from an Authorization header. Returns NULL with a
 * reason in `why` when the header is missing or not Basic KEY: / Bearer KEY.
 * The key is malloc'd. */
char *cmock__auth_key(const char *authorization, char *why, size_t whylen);

/* Starts the MHD daemon (server.c); sets srv->port. */
civis_status cmock__server_start(cmock_server *srv, civis_error *err);
/* Stops accepting, lets in-flight requests finish (bounded wait), stops MHD. */
void cmock__server_stop(cmock_server *srv);

/* Writes one log line when --log is set (thread-safe). */
void cmock__log(cmock_server *srv, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif /* CMOCK_H */
