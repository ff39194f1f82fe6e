/*
 * mock_internal.h: the layout of a civis_mock and what its files share.
 *
 *   mock.c            creation, the transport (send / rejected) through the
 *                     spec engine's answering core (civis/sys/fake.h)
 *   mock_behaviour.c  behaviours: set, replace, select, serve canned replies
 *   mock_journal.c    the journal and its queries
 *   mock_check.c      partial JSON match and the checks behind mock_assert.h
 *   mock_container.c  the container-script presets
 *   mock_results.c    declared results: the SQL runs that read them
 *   mock_storage.c    presigned storage: served results, recorded uploads
 *
 * One mutex guards behaviours and journal. Callbacks run without it.
 */
#ifndef CIVIS_MOCK_INTERNAL_H
#define CIVIS_MOCK_INTERNAL_H

#include <pthread.h>
#include <stdint.h>

#include "civis/io.h"
#include "civis/mock.h"
#include "civis/sys/fake.h"
#include "civis/sys/fixture.h"
#include "client_internal.h"

/* ---- behaviours ----------------------------------------------------------- */

typedef struct mock_header {
    char *name;
    char *value;
} mock_header;

/* A canned reply, copied from a civis_mock_reply. */
typedef struct mock_reply {
    long status; /* 0: the operation's success status */
    char *body;  /* JSON text, or NULL */
    size_t body_len;
    mock_header *headers; /* extra headers */
    size_t n_headers;
} mock_reply;

typedef struct mock_rule {
    const civis_operation *op;
    cJSON *when;     /* pattern object, or NULL */
    char *when_text; /* when printed unformatted, to spot a replacement */
    mock_reply *replies;
    size_t n_replies;
    size_t next; /* the reply the next call gets */
    civis_mock_fn callback;
    void *callback_data;
} mock_rule;

/* ---- the journal ---------------------------------------------------------- */

/* A journal entry: the public view plus the storage it points into. */
typedef struct mock_entry {
    civis_mock_call pub;
    char *operation;
    cJSON *args;
    char *message;
    char *reject_param;
    char *http_method;
    char *path;
    char *query;
    cJSON *body;     /* parsed on first look (civis__mock_journal_body) */
    char *body_text; /* the body's bytes until then, or NULL */
    size_t body_len;
    char *response_body;
    const void *token; /* the request's args pointer: retries of one call share it */
} mock_entry;

/* Memory the mock frees at the end (callback data of its own presets). */
typedef struct mock_owned {
    void *ptr;
    void (*free_fn)(void *ptr);
} mock_owned;

/* Declared results and storage (mock_results.c, mock_storage.c); created
 * on first use, guarded by the mock's lock. */
typedef struct mock_store mock_store;

struct civis_mock {
    civis_spec *owned_spec; /* NULL when the caller lent one */
    const civis_spec *spec;
    civis_fixture_set *fixtures;
    civis_client *client;
    uint64_t seed;

    pthread_mutex_t lock; /* rules, journal, owned */
    mock_rule *rules;     /* in the order they were set */
    size_t n_rules, rules_cap;
    mock_entry **entries; /* each allocated alone, so pointers stay valid */
    size_t n_entries, entries_cap;
    mock_owned *owned;
    size_t n_owned, owned_cap;
    mock_store *store; /* NULL until a result is declared or a file stored */
};

/* ---- mock_behaviour.c ----------------------------------------------------- */

void civis__mock_rule_clear(mock_rule *rule);

/*
 * Picks the behaviour for a call (lock held). Returns false when there is
 * none. A canned reply is written into `reply` at once (x->source set to
 * "internal" when memory ran out); for a callback *fn and *data are set
 * and the reply is untouched.
 */
bool civis__mock_rule_serve(civis_mock *mock, civis_fake_exchange *x, const cJSON *args,
                            civis_fake_reply *reply, civis_mock_fn *fn, void **data);

/* Adds memory the mock frees with itself. */
civis_status civis__mock_own(civis_mock *mock, void *ptr, void (*free_fn)(void *),
                             civis_error *err);

/* ---- mock_journal.c --------------------------------------------------------- */

/* Records a call about to be answered, or finds the entry of its first
 * attempt (lock held). NULL on allocation failure. */
mock_entry *civis__mock_journal_begin(civis_mock *mock, const civis_operation *op,
                                      const civis_http_request *req, const cJSON *body);
/* Parses the entry's body the first time anyone looks (lock held): most
 * bodies are never read back, and a copy of each would cost every call. */
void civis__mock_journal_body(mock_entry *e);
/* Records the answer given (lock held). */
void civis__mock_journal_answer(mock_entry *e, const civis_http_response *resp, const char *source);
/* Records a rejected call (takes the lock). */
void civis__mock_journal_rejected(civis_mock *mock, const char *resource, const char *method,
                                  const cJSON *args, civis_status st, const civis_error *err);
void civis__mock_journal_free(civis_mock *mock);

/* Resolves an operation name for a query; NULL when unknown (err says why). */
const civis_operation *civis__mock_find(const civis_mock *mock, const char *operation,
                                        civis_error *err);

/* Locks a mock that a query received as const: the journal changes under
 * it when other threads call, so even readers lock. */
void civis__mock_lock(const civis_mock *mock);
void civis__mock_unlock(const civis_mock *mock);

/* ---- mock_storage.c --------------------------------------------------------- */

/* The store, created on first use (lock held); NULL when memory ran out. */
mock_store *civis__mock_store(civis_mock *mock);
void civis__mock_store_free(mock_store *store);
/* Keeps `bytes` (taken over, civis__free) at `url` for presigned GETs
 * (lock held). Returns false when memory ran out (bytes freed). */
/* Room for one more element in an array of `size`-byte elements. */
bool civis__mock_grow(void **arr, size_t *cap, size_t n, size_t size);
bool civis__mock_store_put(mock_store *store, const char *url, char *bytes, size_t len);
/* The transport's presigned() (see civis/sys/transport.h). */
civis_status civis__mock_presigned(void *ctx, const civis_presigned_request *req,
                                   civis_presigned_response *resp, civis_error *err);

/* Declared results (mock_results.c), in the store. */
typedef struct mock_decl {
    char *database; /* NULL: any database */
    char *query;    /* normalised table name or SQL text */
    civis_table *rows;
    char *error; /* the run fails with this message, or NULL */
} mock_decl;

/* A SQL script the mock was asked to create. */
typedef struct mock_script {
    long long id;
    char *sql;
    long long database_id;
    cJSON *csv_settings; /* or NULL */
    long long run_id;    /* its latest run, 0 before one */
    char *error;         /* the run failed with this, or NULL */
    char *url;           /* the run's output file, or NULL */
    long long file_id;   /* the output's file id */
    char *part_url;      /* force_multifile: the one part's URL, or NULL */
    long long part_id;   /* and its file id */
    cJSON *query;        /* queries.post: the query as queries.get shows it, or NULL */
} mock_script;

struct mock_store {
    mock_decl *decls;
    size_t n_decls, decls_cap;
    char **databases; /* named in declarations; id = index + 1 */
    size_t n_databases, databases_cap;
    mock_script *scripts;
    size_t n_scripts, scripts_cap;
    struct mock_blob *blobs; /* served to presigned GETs */
    size_t n_blobs, blobs_cap;
    struct mock_upload *uploads; /* received by presigned POSTs */
    size_t n_uploads, uploads_cap;
    long long next_id;
};

/* ---- mock_check.c ----------------------------------------------------------- */

/* Appends printf text to buf (len bytes), cutting with "..." when full. */
void civis__mock_catf(char *buf, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif /* CIVIS_MOCK_INTERNAL_H */
