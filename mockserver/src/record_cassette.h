/*
 * record_cassette.h: the exchanges of a cassette (record_cassette.c), used
 * by record.c under its lock. Nothing else includes this.
 */
#ifndef CMOCK_RECORD_CASSETTE_H
#define CMOCK_RECORD_CASSETTE_H

#include "civis/sys/fixture.h"
#include "record.h"

/* One exchange: one file. */
typedef struct cmock_cass_ex {
    char *file;  /* owned, relative to the cassette ("0003-GET-users-me.json") */
    char *key;   /* owned match key */
    cJSON *doc;  /* owned exchange document as written */
    size_t next; /* replay position in its responses */
    /* The upstream's last answer as it came, so that a repeat of it is
     * recognised without parsing it (recording a polled or hammered
     * request costs a memcmp, not a JSON round). */
    long last_status;
    char *last_raw; /* owned, or NULL */
    size_t last_len;
    cJSON *last_headers; /* owned, or NULL */
} cmock_cass_ex;

typedef struct cmock_cassette {
    const char *dir;          /* borrowed --cassette */
    const civis_spec *spec;   /* borrowed */
    civis_fixture_set *check; /* owned scratch set: is a document loadable as a fixture? */
    cmock_cass_ex *items;     /* owned */
    size_t n, cap;
    int next_number; /* NNNN of the next new file */
} cmock_cassette;

/* The request's query (decoded pairs) as a fixture query object, without
 * ignored names, values redacted, names sorted. NULL on allocation failure. */
cJSON *cmock__cassette_query(const cmock_redactor *red, const civis_kv *kv, size_t n);
/* The request body as a fixture body: parsed JSON without secret and
 * ignored fields, keys sorted; a JSON string for a body that is not JSON;
 * NULL for none (and for null or {}). */
cJSON *cmock__cassette_body(const cmock_redactor *red, const char *body, size_t len);
/* The match key of a request; owned, NULL on allocation failure. */
char *cmock__cassette_key(const char *method, const char *path, const cJSON *query,
                          const cJSON *body);

civis_status cmock__cassette_load(cmock_cassette *c, const cmock_redactor *red, civis_error *err);
void cmock__cassette_wipe(const cmock_cassette *c);
void cmock__cassette_clear(cmock_cassette *c);
cmock_cass_ex *cmock__cassette_find(cmock_cassette *c, const char *key);
const cmock_cass_ex *cmock__cassette_nearest(const cmock_cassette *c, const char *key);
/* The response to serve next (borrowed from ex->doc); the sequence moves on. */
const cJSON *cmock__cassette_next(cmock_cass_ex *ex);
void cmock__cassette_rewind(cmock_cassette *c);
/* Adds a response to the exchange of `key` (a new file, or the next of its
 * sequence) and writes the file. Takes query, body and response. */
civis_status cmock__cassette_record(cmock_cassette *c, const char *key, const char *method,
                                    const char *path, cJSON *query, cJSON *body, cJSON *response,
                                    civis_error *err);

/* Whether the upstream answered `key` exactly as last time. */
bool cmock__cassette_same_raw(cmock_cassette *c, const char *key, long status, const char *body,
                              size_t len, const cJSON *headers);
/* Remembers the upstream's answer to `key` as it came (takes raw). */
void cmock__cassette_keep_raw(cmock_cassette *c, const char *key, long status, char *raw,
                              size_t len, const cJSON *headers);

#endif
