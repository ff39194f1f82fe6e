/*
 * record_cassette.h: the exchanges of a cassette (record_cassette.c), used
 * by record.c under its lock. Nothing else includes this.
 */
#ifndef CIVIS_MOCK_RECORD_CASSETTE_H
#define CIVIS_MOCK_RECORD_CASSETTE_H

#include "civis/fixture.h"
#include "record.h"

/* One exchange: one file. */
typedef struct civis_cass_ex {
    char *file;  /* owned, relative to the cassette ("0003-GET-users-me.json") */
    char *key;   /* owned match key */
    cJSON *doc;  /* owned exchange document as written */
    size_t next; /* replay position in its responses */
} civis_cass_ex;

typedef struct civis_cassette {
    const char *dir;          /* borrowed --cassette */
    const civis_spec *spec;   /* borrowed */
    civis_fixture_set *check; /* owned scratch set: is a document loadable as a fixture? */
    civis_cass_ex *items;     /* owned */
    size_t n, cap;
    int next_number; /* NNNN of the next new file */
} civis_cassette;

/* The request's query (decoded pairs) as a fixture query object, without
 * ignored names, values redacted, names sorted. NULL on allocation failure. */
cJSON *civis__cassette_query(const civis_redactor *red, const civis_kv *kv, size_t n);
/* The request body as a fixture body: parsed JSON without secret and
 * ignored fields, keys sorted; a JSON string for a body that is not JSON;
 * NULL for none (and for null or {}). */
cJSON *civis__cassette_body(const civis_redactor *red, const char *body, size_t len);
/* The match key of a request; owned, NULL on allocation failure. */
char *civis__cassette_key(const char *method, const char *path, const cJSON *query,
                          const cJSON *body);

civis_status civis__cassette_load(civis_cassette *c, const civis_redactor *red, civis_error *err);
void civis__cassette_wipe(const civis_cassette *c);
void civis__cassette_clear(civis_cassette *c);
civis_cass_ex *civis__cassette_find(civis_cassette *c, const char *key);
const civis_cass_ex *civis__cassette_nearest(const civis_cassette *c, const char *key);
/* The response to serve next (borrowed from ex->doc); the sequence moves on. */
const cJSON *civis__cassette_next(civis_cass_ex *ex);
void civis__cassette_rewind(civis_cassette *c);
/* Adds a response to the exchange of `key` (a new file, or the next of its
 * sequence) and writes the file. Takes query, body and response. */
civis_status civis__cassette_record(civis_cassette *c, const char *key, const char *method,
                                    const char *path, cJSON *query, cJSON *body, cJSON *response,
                                    civis_error *err);

#endif
