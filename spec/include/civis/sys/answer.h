/*
 * civis/sys/answer.h: the default answers of a fake Civis API.
 *
 * civis-mock and libcivis's in-process mock answer a request that no
 * behaviour, stub or simulation takes from a recorded x-example, else from a
 * body synthesized from the response schema; they cut an array answer of a
 * paginated operation into pages with the X-Pagination-* headers the real
 * API sends, and they word error bodies the way the real API does. Those
 * rules live here once, so one request gets the same answer from both.
 *
 * Nothing here touches a reply type: headers are handed to a callback and
 * bodies are cJSON values, so each mock keeps its own reply structure.
 */
#ifndef CIVIS_SYS_ANSWER_H
#define CIVIS_SYS_ANSWER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "civis/export.h"
#include "civis/error.h"
#include "civis/spec.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CIVIS_ANSWER_SYNTH_TOTAL 5     /* entries of a synthesized paginated list */
#define CIVIS_ANSWER_FALLBACK_LIMIT 20 /* page size when the limit names none */

/* Receives one header; returns false on allocation failure. Both strings
 * are borrowed for the call only. */
typedef bool (*civis_answer_header_fn)(void *ctx, const char *name, const char *value);

/* ---- headers ------------------------------------------------------------- */

/* Headers recorded with an example or written in a fixture that describe
 * the original transfer, not the answer (Content-Length, Date, ...). */
CIVIS_EXTERN bool civis_answer_transfer_header(const char *name);
/* Whether a header name starts with "X-Pagination-" (any case). */
CIVIS_EXTERN bool civis_answer_is_pagination_header(const char *name);
/* Whether a recorded headers object (name -> value) holds X-Pagination-*
 * headers: such a recorded page is re-cut only when the request asks. */
CIVIS_EXTERN bool civis_answer_has_pagination(const cJSON *headers);
/* Hands each recorded header except the transfer ones to `add`, numbers as
 * text; values of other types are skipped. NULL headers add nothing.
 * Returns false when `add` did. */
CIVIS_EXTERN bool civis_answer_copy_headers(const cJSON *headers, civis_answer_header_fn add,
                                            void *ctx);

/* ---- statuses and bodies ------------------------------------------------- */

/* The status a successful answer uses: the declared one, else 200. */
CIVIS_EXTERN long civis_answer_status(const civis_operation *op);
/* Statuses that never carry a body (1xx, 204, 304). */
CIVIS_EXTERN bool civis_answer_no_body(long status);

/*
 * A body for the operation's declared response (op->response_schema must
 * not be NULL). A list is a collection of CIVIS_ANSWER_SYNTH_TOTAL entries
 * for a paginated operation, 2 otherwise, each seeded by its position so
 * that page 2 holds the same entries whatever the page size. An object
 * named by the path ("/scripts/sql/7") carries the path's id; `route` (may
 * be NULL) gives the path parameters. The seed differs per operation, so two
 * operations do not answer the same ids. Owned by the caller; NULL on
 * allocation failure.
 */
CIVIS_EXTERN cJSON *civis_answer_synthesize(const civis_spec *spec, const civis_operation *op,
                                            const civis_route *route, uint64_t seed);

/*
 * The real API's error kind for a status ("not_found", "too_many_requests",
 * "server_error" for an unlisted 5xx, "client_error" for an unlisted 4xx)
 * and, in *description (may be NULL), the errorDescription the API sends
 * with it, or NULL where it sends the reason phrase. Static strings. The
 * body shape is {"error": kind, "errorDescription": text, "code": status}.
 */
CIVIS_EXTERN const char *civis_answer_error_kind(long status, const char **description);

/* The reason phrase of an HTTP status ("Not Found"); "" for one not
 * listed. Static. */
CIVIS_EXTERN const char *civis_answer_reason(long status);

/* ---- the query ----------------------------------------------------------- */

/*
 * Splits a raw query string ("a=1&b=x+y") into pairs decoded as a server's
 * form decoder reads them (%XX, '+' is a space); a name without '=' gets "".
 * *out (NULL when there are none) and its strings are owned by the caller:
 * release with civis_answer_query_free. CIVIS_OK or CIVIS_ENOMEM.
 */
CIVIS_EXTERN civis_status civis_answer_query_parse(civis_kv **out, size_t *n_out,
                                                   const char *query);
CIVIS_EXTERN void civis_answer_query_free(civis_kv *query, size_t n);

/* ---- pages ----------------------------------------------------------------- */

typedef struct civis_answer_page {
    long per_page;      /* X-Pagination-Per-Page */
    long current;       /* X-Pagination-Current-Page */
    long total_pages;   /* X-Pagination-Total-Pages */
    long total_entries; /* X-Pagination-Total-Entries */
} civis_answer_page;

/* Whether the query names limit or page_num (a recorded page is served as it
 * is unless the request asks for another). */
CIVIS_EXTERN bool civis_answer_page_asked(const civis_kv *query, size_t n_query);
/* The page size a request gets: its limit, else the "Defaults to N" written
 * in the limit's description, else CIVIS_ANSWER_FALLBACK_LIMIT; capped
 * quietly at the "Maximum allowed is N" there, as the API does. */
CIVIS_EXTERN long civis_answer_page_size(const civis_operation *op, long limit);
/*
 * Cuts the page that limit / page_num of the query select out of a whole
 * collection (taken, freed here) and fills *page. A page past the end is an
 * empty array: the official client walks pages until one comes back empty.
 * Returns the page (owned by the caller), NULL on allocation failure.
 */
CIVIS_EXTERN cJSON *civis_answer_paginate(civis_answer_page *page, const civis_operation *op,
                                          const civis_kv *query, size_t n_query, cJSON *collection);
/* Hands the four X-Pagination-* headers of a page to `add`. */
CIVIS_EXTERN bool civis_answer_page_headers(const civis_answer_page *page,
                                            civis_answer_header_fn add, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_SYS_ANSWER_H */
