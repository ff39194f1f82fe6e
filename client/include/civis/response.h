/*
 * civis/response.h: what a successful call returns, and how to read JSON
 * the way the official Python client lets you.
 *
 * A civis_response holds the HTTP status, the headers, the rate-limit
 * figures, how many retries it took, and the parsed JSON body (NULL for a
 * 204 or an empty body). It is immutable and may be read from several
 * threads at once. Release it with civis_response_free().
 *
 * Paths: getters take a dotted path of snake_case names and array indexes,
 * "output.0.file_id" (or "output[0].file_id"). An object key matches a name
 * when it is equal to it or when its snake_case form is ("fileId" ->
 * "file_id", "provideAPIKey" -> "provide_api_key"); an exact match wins. As
 * in the official client, keys are kept as sent, so matched exactly, in
 * three places: the children of an `arguments` or `environmentVariables`
 * object (one level deep), and everything under the `value` of a JSON value
 * (a response to a json_values path, or an object whose objectType is
 * "JSONValue"). NULL or "" is the root.
 *
 * Ownership: every pointer a getter returns (cJSON nodes, strings, header
 * values) is borrowed from the response (or from the cJSON root given) and
 * lives until civis_response_free() (or until that root is deleted).
 */
#ifndef CIVIS_RESPONSE_H
#define CIVIS_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "civis/export.h"
#include "civis/client.h"
#include "civis/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Frees a response. NULL allowed. */
CIVIS_EXTERN void civis_response_free(civis_response *resp);

/* The HTTP status (200, 201, 202, 204, ...). */
CIVIS_EXTERN long civis_response_status(const civis_response *resp);
/* The first header named `name` (ASCII case-insensitive), or NULL. */
CIVIS_EXTERN const char *civis_response_header(const civis_response *resp, const char *name);
/* Header count and the i-th header (in the order received); NULL when out of range. */
CIVIS_EXTERN size_t civis_response_header_count(const civis_response *resp);
CIVIS_EXTERN const civis_header *civis_response_header_at(const civis_response *resp, size_t i);
/* X-RateLimit-Limit and X-RateLimit-Remaining as numbers; -1 when absent or
 * not a number. */
CIVIS_EXTERN long civis_response_rate_limit(const civis_response *resp);
CIVIS_EXTERN long civis_response_calls_remaining(const civis_response *resp);
/* How many times the request was retried before this response (0: first try). */
CIVIS_EXTERN int civis_response_retries(const civis_response *resp);
/* "GET" and "/scripts/sql/7?x=1" as sent (for messages). */
CIVIS_EXTERN const char *civis_response_method(const civis_response *resp);
CIVIS_EXTERN const char *civis_response_path(const civis_response *resp);

/* The parsed body, or NULL for an empty body (204). The tree is built on
 * first use (the body was checked to be JSON when the call returned); NULL
 * also when memory runs out building it, which the typed getters report as
 * CIVIS_ENOMEM. */
CIVIS_EXTERN const cJSON *civis_response_json(const civis_response *resp);
/* The raw body bytes (NUL-terminated) and their length; NULL when empty. */
CIVIS_EXTERN const char *civis_response_body(const civis_response *resp, size_t *len);
/* Moves the parsed body out: the caller owns it (cJSON_Delete) and the
 * response's JSON becomes NULL. Not for responses shared between threads. */
CIVIS_EXTERN cJSON *civis_response_take_json(civis_response *resp);

/* ---- reading by path ------------------------------------------------------ */

/* The node at `path`, or NULL when any step is missing. */
CIVIS_EXTERN const cJSON *civis_response_get(const civis_response *resp, const char *path);

/*
 * Typed getters. On CIVIS_OK *out holds the value. Otherwise *out is 0,
 * false or NULL (the rule of every out parameter, civis/client.h) and err
 * says why, naming the path in err->param:
 * CIVIS_ENOTFOUND "no field 'output.0.file_id' in the response (no key
 * 'file_id' at 'output.0')", or CIVIS_EPARSE "field 'id' is string, expected
 * integer". int accepts integral numbers only; double accepts any number;
 * string returns a borrowed pointer.
 */
CIVIS_EXTERN civis_status civis_response_int(long long *out, const civis_response *resp,
                                             const char *path, civis_error *err);
CIVIS_EXTERN civis_status civis_response_double(double *out, const civis_response *resp,
                                                const char *path, civis_error *err);
CIVIS_EXTERN civis_status civis_response_bool(bool *out, const civis_response *resp,
                                              const char *path, civis_error *err);
CIVIS_EXTERN civis_status civis_response_string(const char **out, const civis_response *resp,
                                                const char *path, civis_error *err);

/* The length of the array at `path`; 0 when it is missing or not an array. */
CIVIS_EXTERN size_t civis_response_len(const civis_response *resp, const char *path);
/* Element i of the array at `path`; NULL when out of range or not an array. */
CIVIS_EXTERN const cJSON *civis_response_at(const civis_response *resp, const char *path, size_t i);

/* ---- the same on any cJSON value (list items, find results) --------------- */

/* As the civis_response_* getters, on a cJSON root (borrowed). A root that
 * is an element of a json_values response should be read with
 * civis_response_get instead so that its `value` keeps its case. */
CIVIS_EXTERN const cJSON *civis_json_get(const cJSON *root, const char *path);
CIVIS_EXTERN civis_status civis_json_int(long long *out, const cJSON *root, const char *path,
                                         civis_error *err);
CIVIS_EXTERN civis_status civis_json_double(double *out, const cJSON *root, const char *path,
                                            civis_error *err);
CIVIS_EXTERN civis_status civis_json_bool(bool *out, const cJSON *root, const char *path,
                                          civis_error *err);
CIVIS_EXTERN civis_status civis_json_string(const char **out, const cJSON *root, const char *path,
                                            civis_error *err);

/* ---- filtering lists --------------------------------------------------------- */

/*
 * Filters the array `list` (borrowed) by `pattern`, a JSON object of field
 * values (borrowed): an element matches when it is an object that has every
 * pattern key (snake_case or camelCase, either way round) with an equal
 * value (same JSON type; true is not 1). An empty pattern matches every
 * object. civis_find gives a new array of copies of the matches, owned by
 * the caller (cJSON_Delete); CIVIS_EINVAL when list is not an array or
 * pattern not an object; CIVIS_ENOMEM.
 */
CIVIS_EXTERN civis_status civis_find(cJSON **out, const cJSON *list, const cJSON *pattern,
                                     civis_error *err);
/* The first match, borrowed from `list`, or NULL (also for bad input). */
CIVIS_EXTERN const cJSON *civis_find_one(const cJSON *list, const cJSON *pattern);
/* civis_find_one with the pattern as pairs:
 *     civis_find_onev(dbs, "name", CIVIS_STR("redshift-general"), CIVIS_END); */
CIVIS_EXTERN const cJSON *civis_find_onev(const cJSON *list, ...)
#if defined(__GNUC__)
    __attribute__((sentinel))
#endif
    ;

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_RESPONSE_H */
