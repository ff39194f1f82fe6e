/*
 * civis/sys/fixture.h: recorded or declared exchanges, in the one JSON format
 * that civis-mock (--fixtures, admin stubs) and the in-process mock client
 * both read. The format is documented in fixtures/README.md.
 *
 * A civis_fixture_set is internally locked: lookups, additions and removals
 * may come from several threads at once. Responses handed out are copies.
 */
#ifndef CIVIS_SYS_FIXTURE_H
#define CIVIS_SYS_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "civis/export.h"
#include "civis/error.h"
#include "civis/spec.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct civis_fixture_set civis_fixture_set;

/* A request to match, as the server or the mock transport saw it. */
typedef struct civis_fixture_request {
    const char *method;        /* "GET" */
    const char *path;          /* concrete path, no query ("/scripts/sql/7") */
    const civis_operation *op; /* the routed operation, or NULL */
    const civis_kv *query;     /* decoded query pairs */
    size_t n_query;
    const cJSON *body;   /* parsed body, or NULL */
    const char *api_key; /* the caller's key, or NULL */
} civis_fixture_request;

/* A response copied out of a fixture. Release with civis_fixture_response_clear. */
typedef struct civis_fixture_response {
    int status;     /* HTTP status */
    cJSON *headers; /* object of header name -> string, or NULL */
    char *body;     /* body bytes (NUL-terminated), or NULL for no body */
    size_t body_len;
    int fixture_id;   /* id of the exchange that answered */
    char source[160]; /* "file.json#2", "stub 3" */
} civis_fixture_response;

/* An empty set bound to a spec (borrowed; must outlive the set). */
CIVIS_EXTERN civis_status civis_fixtures_new(civis_fixture_set **out, const civis_spec *spec,
                                             civis_error *err);
CIVIS_EXTERN void civis_fixtures_free(civis_fixture_set *set);

/*
 * Adds the exchanges in one fixture document (an exchange object, an array of
 * them, or {"fixtures": [...]}). `source` names the document in errors and
 * in civis_fixture_response.source. A document that does not follow the
 * format, or names an operation or path the spec does not have, fails with
 * CIVIS_EINVAL naming the source and the field ("stubs.json: [1].request.path:
 * no operation matches GET /scripts/nope") and adds nothing. `scope_key`
 * (may be NULL) limits the added exchanges to requests made with that API
 * key. On success *first_id (may be NULL) is the id of the first exchange added.
 */
CIVIS_EXTERN civis_status civis_fixtures_add_json(civis_fixture_set *set, const cJSON *doc,
                                                  const char *source, const char *scope_key,
                                                  int *first_id, civis_error *err);
CIVIS_EXTERN civis_status civis_fixtures_add_text(civis_fixture_set *set, const char *text,
                                                  size_t len, const char *source,
                                                  const char *scope_key, int *first_id,
                                                  civis_error *err);
/* A file, or every *.json file of a directory (sorted by name). */
CIVIS_EXTERN civis_status civis_fixtures_load_path(civis_fixture_set *set, const char *path,
                                                   civis_error *err);

/* Removes one exchange; CIVIS_ENOTFOUND when no such id. */
CIVIS_EXTERN civis_status civis_fixtures_remove(civis_fixture_set *set, int id);
/* Removes every exchange and restarts sequences. */
CIVIS_EXTERN void civis_fixtures_clear(civis_fixture_set *set);
/* Restarts every response sequence at its first response. */
CIVIS_EXTERN void civis_fixtures_rewind(civis_fixture_set *set);
CIVIS_EXTERN size_t civis_fixtures_count(const civis_fixture_set *set);

/*
 * Finds the exchange for a request (the most recently added match wins, so a
 * later stub overrides an earlier one) and copies its next response. A
 * sequence serves its responses in turn and then repeats its last one.
 * Returns false when nothing matches or on allocation failure.
 */
CIVIS_EXTERN bool civis_fixtures_match(civis_fixture_set *set, const civis_fixture_request *req,
                                       civis_fixture_response *out);
CIVIS_EXTERN void civis_fixture_response_clear(civis_fixture_response *resp);

/*
 * The seeded tables the loaded documents declared ({"tables": [...]} beside
 * or instead of "fixtures"), in load order: an array of declarations
 * ({"table", "database", "csv" | "rows", "columns", "api_key"}), borrowed
 * from the set, or NULL when there are none. civis-mock loads them into
 * its SQL databases; the in-process mock has no SQL engine and ignores
 * them. Not changed by clear or rewind.
 */
CIVIS_EXTERN const cJSON *civis_fixtures_tables(const civis_fixture_set *set);

/*
 * A fixture document as people read and diff it: two-space indentation,
 * keys in the order `doc` holds them, a final newline. Owned by the caller
 * (free()); NULL on allocation failure or when doc is NULL.
 */
CIVIS_EXTERN char *civis_fixture_print(const cJSON *doc);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_SYS_FIXTURE_H */
