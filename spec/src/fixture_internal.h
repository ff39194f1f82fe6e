/*
 * fixture_internal.h: the layout of a fixture set, shared by fixture.c (the
 * set), fixture_parse.c (the format), fixture_load.c (text, files and
 * directories) and fixture_match.c (matching a request and copying a
 * response out). Nothing outside spec/src includes this.
 */
#ifndef CIVIS_FIXTURE_INTERNAL_H
#define CIVIS_FIXTURE_INTERNAL_H

#include <pthread.h>

#include "civis/sys/fixture.h"

/* One response of an exchange, kept ready to copy out. */
typedef struct civis_fx_response {
    int status;     /* HTTP status */
    cJSON *headers; /* owned object of name -> string, or NULL */
    char *body;     /* owned unformatted JSON text, or NULL for no body */
    size_t body_len;
} civis_fx_response;

/* One exchange, validated against the spec when it was added. */
typedef struct civis_fx_exchange {
    int id;                       /* from 1, never reused within a set */
    char *label;                  /* owned "<source>#<index>" */
    char verb[8];                 /* "GET", upper case */
    const civis_operation *op;    /* the operation it answers (borrowed from the spec) */
    char *path;                   /* owned normalised path (no trailing slash), or NULL
                                     when only the operation was given */
    bool templated;               /* path has {x} segments (or comes from the operation) */
    cJSON *query;                 /* owned object of expected query values, or NULL */
    cJSON *body;                  /* owned partial body to look for, or NULL */
    char *scope;                  /* owned API key it is limited to, or NULL for any key */
    civis_fx_response *responses; /* owned, n_responses >= 1 */
    size_t n_responses;
    size_t next; /* index of the response served next */
} civis_fx_exchange;

struct civis_fixture_set {
    const civis_spec *spec;    /* borrowed */
    pthread_mutex_t mu;        /* guards everything below */
    civis_fx_exchange **items; /* owned, in the order they were added */
    size_t n_items;
    size_t cap;
    int next_id;   /* the id the next exchange gets */
    cJSON *tables; /* owned array of seeded table declarations (civis_fixtures_tables) */
};

/* Exchanges parsed from one or more documents, not yet in a set. */
typedef struct civis_fx_pending {
    civis_fx_exchange **items; /* owned until committed */
    size_t n;
    size_t cap;
    cJSON *tables; /* owned array of table declarations until committed, or NULL */
} civis_fx_pending;

/* fixture_parse.c: validates one document and appends its exchanges to p.
 * `source` names the document in errors, `label` in responses ("x.json");
 * `scope` (may be NULL) limits the exchanges to one API key. On failure p
 * may hold the exchanges of earlier documents: free it with
 * civis__fx_pending_free. */
civis_status civis__fx_parse_document(civis_fx_pending *p, const civis_spec *spec, const cJSON *doc,
                                      const char *source, const char *label, const char *scope,
                                      civis_error *err);
void civis__fx_pending_free(civis_fx_pending *p);
/* fixture.c: moves every pending exchange into the set (ids assigned in
 * order), or none of them; p is left empty on success. */
civis_status civis__fx_commit(civis_fixture_set *set, civis_fx_pending *p, int *first_id,
                              civis_error *err);
/* fixture_load.c: parses text as one JSON value; CIVIS_EPARSE names the
 * source and the byte, line and column. */
civis_status civis__fx_parse_text(cJSON **out, const char *text, size_t len, const char *source,
                                  civis_error *err);

/* Does the exchange answer the request? Reads only immutable fields. */
bool civis__fx_matches(const civis_fx_exchange *ex, const civis_fixture_request *req);
/* Copies the exchange's current response into out; false on allocation failure. */
bool civis__fx_copy_response(const civis_fx_exchange *ex, const civis_fx_response *r,
                             civis_fixture_response *out);
void civis__fx_exchange_free(civis_fx_exchange *ex);

#endif /* CIVIS_FIXTURE_INTERNAL_H */
