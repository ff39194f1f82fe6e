/*
 * fixture_internal.h: the layout of a fixture set, shared by fixture.c
 * (parsing, validation, loading, the set's bookkeeping) and fixture_match.c
 * (matching a request and copying a response out). Nothing outside
 * spec/src includes this.
 */
#ifndef CIVIS_FIXTURE_INTERNAL_H
#define CIVIS_FIXTURE_INTERNAL_H

#include <pthread.h>

#include "civis/fixture.h"

/* One response of an exchange, kept ready to copy out. */
typedef struct civis_fx_response {
    int status;     /* HTTP status */
    cJSON *headers; /* owned object of name -> string, or NULL */
    char *body;     /* owned unformatted JSON text, or NULL for no body */
    size_t body_len;
} civis_fx_response;

/* One exchange, validated against the spec when it was added. */
typedef struct civis_fx_exchange {
    int id;                        /* from 1, never reused within a set */
    char *label;                   /* owned "<source>#<index>" */
    char verb[8];                  /* "GET", upper case */
    const civis_operation *op;     /* the operation it answers (borrowed from the spec) */
    char *path;                    /* owned normalised path (no trailing slash), or NULL
                                      when only the operation was given */
    bool templated;                /* path has {x} segments (or comes from the operation) */
    cJSON *query;                  /* owned object of expected query values, or NULL */
    cJSON *body;                   /* owned partial body to look for, or NULL */
    char *scope;                   /* owned API key it is limited to, or NULL for any key */
    civis_fx_response *responses;  /* owned, n_responses >= 1 */
    size_t n_responses;
    size_t next;                   /* index of the response served next */
} civis_fx_exchange;

struct civis_fixture_set {
    const civis_spec *spec;        /* borrowed */
    pthread_mutex_t mu;            /* guards everything below */
    civis_fx_exchange **items;     /* owned, in the order they were added */
    size_t n_items;
    size_t cap;
    int next_id;                   /* the id the next exchange gets */
};

/* Does the exchange answer the request? Reads only immutable fields. */
bool civis__fx_matches(const civis_fx_exchange *ex, const civis_fixture_request *req);
/* Copies the exchange's current response into out; false on allocation failure. */
bool civis__fx_copy_response(const civis_fx_exchange *ex, const civis_fx_response *r,
                             civis_fixture_response *out);
void civis__fx_exchange_free(civis_fx_exchange *ex);

#endif /* CIVIS_FIXTURE_INTERNAL_H */
