/*
 * civis/spec.h: the spec engine. Turns a Swagger 2.0 Civis API document into
 * an operation index that libcivis, the in-process mock and civis-mock share:
 * name rules, argument validation and placement, request routing and
 * validation, and response synthesis.
 *
 * Threading: a loaded civis_spec is immutable. Every function that takes a
 * `const civis_spec *` may be called from any number of threads at once.
 *
 * Ownership: descriptors (civis_operation, civis_param) and every `const`
 * pointer returned by a getter are borrowed from the spec and live until
 * civis_spec_free(). `*out` parameters of non-const type are owned by the
 * caller and released with the function named beside them.
 */
#ifndef CIVIS_SPEC_H
#define CIVIS_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "civis/export.h"
#include "civis/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct civis_spec civis_spec;

/* Where a parameter goes on the wire. */
typedef enum civis_param_in {
    CIVIS_IN_PATH = 0, /* a {segment} of the path template */
    CIVIS_IN_QUERY,    /* the query string */
    CIVIS_IN_BODY      /* one top-level property of the JSON body */
} civis_param_in;

/* The JSON types a schema may declare. */
typedef enum civis_type {
    CIVIS_TYPE_ANY = 0, /* no type declared: anything goes */
    CIVIS_TYPE_STRING,
    CIVIS_TYPE_INTEGER,
    CIVIS_TYPE_NUMBER,
    CIVIS_TYPE_BOOLEAN,
    CIVIS_TYPE_ARRAY,
    CIVIS_TYPE_OBJECT
} civis_type;

/* One argument of an operation, as a caller names it. */
typedef struct civis_param {
    const char *name;     /* snake_case argument name ("docker_command") */
    const char *wire;     /* name in the spec ("dockerCommand"); == name for path/query */
    civis_param_in in;    /* path, query or body property */
    civis_type type;      /* declared type */
    civis_type item_type; /* element type when type is ARRAY, else ANY */
    const char *format;   /* "date-time", "time", ... or NULL */
    bool required;        /* must be given */
    const cJSON *schema;  /* the property's schema, $ref NOT followed (civis_spec_deref) */
} civis_param;

/* What a DELETE does to the object it names. */
typedef enum civis_delete_effect {
    CIVIS_DELETE_REMOVES = 0, /* the object is gone */
    CIVIS_DELETE_ARCHIVES,    /* archived=true, still readable ("Archive a ...") */
    CIVIS_DELETE_HIDES        /* hidden=true ("... Hidden ...") */
} civis_delete_effect;

/* One operation of the spec (one verb on one path). */
typedef struct civis_operation {
    const char *resource;              /* first path segment, '-' -> '_' ("storage_hosts") */
    const char *method;                /* official method name ("post_containers"); NULL when the
                                          summary says deprecated and the client gives it no method */
    const char *alias;                 /* deprecated legacy list_* alias ("list_me"), or NULL */
    const char *verb;                  /* "GET", "POST", "PUT", "PATCH" or "DELETE" */
    const char *path;                  /* template as written in the spec ("/files/") */
    const char *summary;               /* may be "" (the bundled spec keeps no prose) */
    const char *deprecation_warning;   /* x-deprecation-warning text (or, for the bundled
                                          spec's x-civis-deprecation-warning marker, a
                                          generic one), or NULL */
    bool deprecated;                   /* the summary says deprecated (x-civis-deprecated) */
    civis_delete_effect delete_effect; /* DELETE only; from the summary (x-civis-delete) */
    long page_default;                 /* the limit parameter's default page size, 0 when unknown */
    long page_max;                     /* its maximum, 0 when unknown */
    bool paginated;                    /* GET with both limit and page_num query parameters */
    const civis_param *params;         /* required ones first, each group in spec order */
    size_t n_params;
    const cJSON *body_schema;     /* the body parameter's schema ($ref followed), or NULL */
    bool body_required;           /* the body parameter is marked required */
    int response_status;          /* the one declared status (200, 201, 202, 204) */
    const cJSON *response_schema; /* declared schema, $ref NOT followed, or NULL */
    bool returns_array;           /* response is an array (schema, or the official client's
                                     list of paths that return arrays although the spec says object) */
    const cJSON *examples;        /* the x-examples array, or NULL */
    size_t index;                 /* position in civis_spec_operation_at() order */
} civis_operation;

/* ---- loading ---------------------------------------------------------- */

/*
 * Loads and indexes a spec. Errors (CIVIS_ESPEC, CIVIS_EPARSE, CIVIS_EIO,
 * CIVIS_ENOMEM) name the place: "$.paths./scripts.post.parameters[0].schema:
 * unresolved $ref '#/definitions/Nope'". On failure *out is NULL.
 * Release with civis_spec_free().
 */
CIVIS_EXTERN civis_status civis_spec_load_file(civis_spec **out, const char *path,
                                               civis_error *err);
CIVIS_EXTERN civis_status civis_spec_load_buffer(civis_spec **out, const char *buf, size_t len,
                                                 civis_error *err);
/* The spec compiled into the binaries (spec/civis-api.json). */
/* Same, naming where the bytes came from ("the spec downloaded from
 * https://api.civisanalytics.com/endpoints"), for civis_spec_origin(). */
CIVIS_EXTERN civis_status civis_spec_load_buffer_from(civis_spec **out, const char *buf, size_t len,
                                                      const char *origin, civis_error *err);
CIVIS_EXTERN civis_status civis_spec_load_bundled(civis_spec **out, civis_error *err);
/* The spec named by $CIVIS_API_SPEC, else the bundled one. */
CIVIS_EXTERN civis_status civis_spec_load_default(civis_spec **out, civis_error *err);
CIVIS_EXTERN void civis_spec_free(civis_spec *spec);

/* The bundled document's bytes (not NUL-terminated; static storage). */
CIVIS_EXTERN const char *civis_spec_bundled_text(size_t *len);

/* The spec's validator, as civis-mock sends it with GET /endpoints: a hash
 * of its bytes in quotes ("\"0123456789abcdef\""); len >= 20. The bundled
 * spec's is computed at build time; others hash their bytes (1.7 MB: about
 * a millisecond). */
CIVIS_EXTERN void civis_spec_etag(char *out, size_t len, const civis_spec *spec);
/* The bundled spec's validator (static storage). */
CIVIS_EXTERN const char *civis_spec_bundled_etag(void);

/* Where the spec came from, with its date (when civis-spec-extract made
 * it) and operation count: "the bundled spec (2026-12-04, 910 operations)",
 * "spec file 'x.json' (88 operations)". Unknown names are reported against
 * it. Borrowed; lives as long as the spec. */
CIVIS_EXTERN const char *civis_spec_origin(const civis_spec *spec);

/* The loaded document as parsed, and the bytes it was parsed from. */
CIVIS_EXTERN const cJSON *civis_spec_document(const civis_spec *spec);
CIVIS_EXTERN const char *civis_spec_text(const civis_spec *spec, size_t *len);

/* ---- the operation index -------------------------------------------- */

CIVIS_EXTERN size_t CIVIS_EXTERN
civis_spec_operation_count(const civis_spec *spec); /* every operation, 910 for the full spec */
CIVIS_EXTERN const civis_operation *civis_spec_operation_at(const civis_spec *spec, size_t i);

/* Method names: one entry per (resource, name), aliases included, sorted by
 * resource then name. */
CIVIS_EXTERN size_t civis_spec_method_count(const civis_spec *spec);
CIVIS_EXTERN const civis_operation *civis_spec_method_at(const civis_spec *spec, size_t i,
                                                         const char **resource, const char **name,
                                                         bool *is_alias);

/*
 * Finds an operation by resource and method name (aliases included).
 * Unknown names fail with CIVIS_EINVAL (param "resource" or "method") and a
 * did-you-mean: "no method 'get_sql_run' on resource 'scripts' (did you mean
 * 'get_sql_runs'?)", "no resource 'scirpts' (did you mean 'scripts'?)".
 */
CIVIS_EXTERN civis_status civis_spec_find(const civis_operation **out, const civis_spec *spec,
                                          const char *resource, const char *method,
                                          civis_error *err);
/* Same, with "resource.method". */
CIVIS_EXTERN civis_status civis_spec_find_dotted(const civis_operation **out,
                                                 const civis_spec *spec, const char *dotted,
                                                 civis_error *err);

/* Follows a $ref chain to its target schema (borrowed). NULL in, NULL out. */
CIVIS_EXTERN const cJSON *civis_spec_deref(const civis_spec *spec, const cJSON *schema);
/* The type a (dereferenced) schema declares. */
CIVIS_EXTERN civis_type civis_schema_type(const cJSON *schema);
/* Finds a parameter by snake_case or wire name; NULL when absent. */
CIVIS_EXTERN const civis_param *civis_operation_param(const civis_operation *op, const char *name);

/* ---- names ------------------------------------------------------------- */

/* The official client's camel_to_snake ("provideAPIKey" -> "provide_api_key").
 * Writes at most outlen bytes including the NUL; returns the length needed. */
CIVIS_EXTERN size_t civis_camel_to_snake(char *out, size_t outlen, const char *in);
/* Edit distance counting a swap of neighbours as one edit (optimal string
 * alignment), capped: returns cap+1 when larger. */
CIVIS_EXTERN size_t civis_edit_distance(const char *a, const char *b, size_t cap);
/* The candidate nearest to `name` when it is close (a quarter of its length
 * in edits, at least 1, at most 3), or NULL. */
CIVIS_EXTERN const char *civis_suggest(const char *name, const char *const *candidates, size_t n);

/* Whether two JSON keys name the same thing: equal, or equal once both are
 * in snake_case ("remoteHostId", "remote_host_id"), whatever their length.
 * The one rule for request bodies, fixtures, mock patterns and response
 * paths. NULL is equal to nothing. */
CIVIS_EXTERN bool civis_key_equal(const char *a, const char *b);
/* The member of obj that `key` names: an exact key first, then one that
 * civis_key_equal() accepts; NULL when none (or obj is not an object). */
CIVIS_EXTERN const cJSON *civis_json_key(const cJSON *obj, const char *key);
/* How messages name an operation: "scripts.post_containers", the legacy
 * alias for one the official client gives only an alias, else "GET /path".
 * Written into buf, which is returned. NULL op gives "(none)". */
CIVIS_EXTERN const char *civis_operation_name(const civis_operation *op, char *buf, size_t len);
/* The did-you-mean for an argument name the operation does not know: the
 * nearest parameter name (snake_case), as typed or once converted to
 * snake_case; only parameters of location `in` (a civis_param_in), or of
 * any location when `in` is -1. Borrowed from the spec; NULL when none is
 * near. */
CIVIS_EXTERN const char *civis_operation_suggest(const civis_operation *op, const char *key,
                                                 int in);
/*
 * Whether `whole` contains `part`: objects when every key of part is
 * present in whole (civis_json_key) with a value that contains it, arrays
 * of the same length element by element, scalars equal and of the same
 * type. NULL part is contained in anything. On a mismatch the first
 * difference is written into why (may be NULL): "args.id: expected 7, got 8".
 */
CIVIS_EXTERN bool civis_json_contains(const cJSON *whole, const cJSON *part, char *why,
                                      size_t why_len);
/* A value printed for a message into buf, cut with "..." when longer;
 * "nothing" for NULL. */
CIVIS_EXTERN void civis_json_show(char *buf, size_t len, const cJSON *v);
/* "object", "array", "string", "number", "boolean" or "null" (static). */
CIVIS_EXTERN const char *civis_json_type_name(const cJSON *v);

/* ---- call arguments: validation and placement ------------------------ */

/*
 * Validates call arguments, a JSON object whose keys are snake_case argument
 * names (wire names accepted too). NULL args means no arguments. Fails with
 * CIVIS_EINVAL, err->param set, on the first of: unknown argument
 * ("unknown argument 'docker_comand' for scripts.post_containers (did you
 * mean 'docker_command'?)"), missing required argument ("missing required
 * argument 'name' for scripts.post_containers"), wrong JSON type ("argument
 * 'id' of scripts.get_sql_runs must be integer, got string").
 */
CIVIS_EXTERN civis_status civis_args_validate(const civis_spec *spec, const civis_operation *op,
                                              const cJSON *args, civis_error *err);

/* Body key style for civis_args_place. */
typedef enum civis_key_style {
    CIVIS_KEYS_WIRE = 0, /* top-level body keys as the spec names them (camelCase) */
    CIVIS_KEYS_SNAKE     /* snake_case argument names, as the official Python client sends */
} civis_key_style;

/* A request ready for the wire. Release with civis_placed_clear(). */
typedef struct civis_placed {
    char *path;  /* concrete path, leading '/', trailing slash removed, segments encoded */
    char *query; /* "a=1&ids%5B%5D=2&ids%5B%5D=3" without '?', "" when none */
    cJSON *body; /* JSON object of body properties; an empty object when the
                    operation takes a body but none was given; NULL when it takes none */
} civis_placed;

/*
 * Validates (as civis_args_validate) and places the arguments. Query values:
 * strings and numbers as text, booleans "True"/"False" as the official client
 * sends them, arrays as repeated "name[]=v", null values dropped, everything
 * percent-encoded (RFC 3986 unreserved characters kept).
 */
CIVIS_EXTERN civis_status civis_args_place(civis_placed *out, const civis_spec *spec,
                                           const civis_operation *op, const cJSON *args,
                                           civis_key_style style, civis_error *err);
CIVIS_EXTERN void civis_placed_clear(civis_placed *placed);

/* ---- routing (the server side) ---------------------------------------- */

#define CIVIS_ROUTE_MAX_PARAMS 8

typedef struct civis_route {
    const civis_operation *op; /* the matched operation (deprecated ones included) */
    size_t n_params;
    struct {
        const char *name; /* borrowed from the spec */
        char value[128];  /* percent-decoded segment */
    } params[CIVIS_ROUTE_MAX_PARAMS];
    char allow[64]; /* on CIVIS_EMETHOD: the allowed verbs, "GET, POST" */
} civis_route;

/*
 * Routes a concrete method and path (no query string; with or without a
 * trailing slash) to an operation via a segment trie. Literal segments win
 * over {param} segments. Returns CIVIS_OK, CIVIS_ENOTFOUND (no such path:
 * 404) or CIVIS_EMETHOD (the path exists with other verbs: 405, out->allow
 * set). Never allocates.
 */
CIVIS_EXTERN civis_status civis_spec_route(civis_route *out, const civis_spec *spec,
                                           const char *verb, const char *path, civis_error *err);

/* ---- request validation (the server side) ----------------------------- */

typedef struct civis_problem {
    char location[8];    /* "path", "query" or "body" */
    char field[160];     /* "id", "limit", "name", "schedule.scheduledDays[2]" */
    char problem[200];   /* "unknown property", "must be integer, got string", ... */
    char suggestion[64]; /* a did-you-mean name, or "" */
} civis_problem;

typedef struct civis_problems {
    civis_problem *items; /* owned; free with civis_problems_clear() */
    size_t count;
    size_t cap;
    size_t unknown; /* how many of them are unknown names (lenient mode lists
                       them but does not fail the request) */
} civis_problems;

/* One decoded query pair as the server received it. */
typedef struct civis_kv {
    const char *key;
    const char *value;
} civis_kv;

typedef struct civis_request_check {
    const civis_route *route; /* routed operation and path parameters */
    const civis_kv *query;    /* decoded query pairs, names as sent ("ids[]") */
    size_t n_query;
    const char *body; /* raw body bytes, may be NULL */
    size_t body_len;
    bool lenient;          /* accept unknown names (still reported as problems
                              with kind unknown, but civis_request_validate returns OK) */
    const cJSON *body_doc; /* the body already parsed (borrowed; *body_out is then
                              NULL), or NULL to parse body[0..body_len) */
    bool body_terminated;  /* body[body_len] is a NUL byte: the body is parsed where
                              it is instead of from a terminated copy */
} civis_request_check;

/*
 * Validates a whole request against its operation and collects every
 * problem: path parameter types, query parameters (unknown, wrong type,
 * booleans case-insensitive, name[] arrays), and the JSON body recursively
 * against the resolved schema (unknown properties, wrong types, missing
 * required properties, nested objects and arrays), snake_case and camelCase
 * keys both accepted at every level. An empty body and "{}" are the same.
 * Returns CIVIS_OK or CIVIS_EINVAL (problems->count > 0); CIVIS_ENOMEM.
 * *body_out (may be NULL) receives the parsed body, owned by the caller.
 */
CIVIS_EXTERN civis_status civis_request_validate(civis_problems *problems, cJSON **body_out,
                                                 const civis_spec *spec,
                                                 const civis_request_check *req);
CIVIS_EXTERN void civis_problems_clear(civis_problems *problems);

/* ---- responses: examples and synthesis -------------------------------- */

/* The first x-example response of an operation with a 2xx status. Returns
 * false when there is none. *headers and *body_text are borrowed (body_text
 * may be NULL for an empty body). */
CIVIS_EXTERN bool civis_spec_example(const civis_operation *op, int *status, const cJSON **headers,
                                     const char **body_text);

typedef struct civis_synth_options {
    uint64_t seed; /* same seed, same bytes */
    int array_len; /* elements per synthesized array; 0 means 2 */
    int max_depth; /* nesting cut-off (the JobNestedJob cycle); 0 means 6 */
} civis_synth_options;

/* A deterministic schema-valid value for a schema (format "time" and
 * "date-time" fields get ISO 8601 date-times). Owned by the caller
 * (cJSON_Delete). NULL on allocation failure or a NULL schema. */
CIVIS_EXTERN cJSON *civis_synthesize(const civis_spec *spec, const cJSON *schema,
                                     const civis_synth_options *opts);
/* The body of the operation's declared response: synthesized, not from
 * examples. NULL for operations with no response schema. */
CIVIS_EXTERN cJSON *civis_synthesize_response(const civis_spec *spec, const civis_operation *op,
                                              const civis_synth_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_SPEC_H */
