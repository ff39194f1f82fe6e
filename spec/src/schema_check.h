/*
 * schema_check.h: the JSON-against-schema checks that call-argument
 * validation (args.c) and request validation (request.c) share: type names
 * and tests, UTF-8 validation, the problem list, and the recursive walk of a
 * request body over its dereferenced schema.
 */
#ifndef CIVIS_SCHEMA_CHECK_H
#define CIVIS_SCHEMA_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "civis/spec.h"

/* A problem list stops growing here; the walk goes on only to learn whether
 * an unforgivable problem exists (see civis_check.fatal). */
#define CIVIS_PROBLEMS_MAX 100
/* Deeper bodies are reported, not walked: bounds the stack whatever the
 * input. cJSON itself refuses more than CJSON_NESTING_LIMIT (1000). */
#define CIVIS_CHECK_MAX_DEPTH 64

/* "string", "integer" (an integral number), "number", "boolean", "null",
 * "array", "object": how a value is described in "got X". */
const char *civis__json_kind(const cJSON *v);
/* "string", "integer", ... and "any" for CIVIS_TYPE_ANY. */
const char *civis__type_name(civis_type t);
/* Whether a (non-null) value has a declared type: integer means a finite
 * number with an integral value; ANY accepts everything. */
bool civis__json_has_type(const cJSON *v, civis_type t);
/* Whether s[0..n) is well-formed UTF-8 (no overlongs, surrogates, or code
 * points past U+10FFFF). */
bool civis__utf8_valid(const char *s, size_t n);
/* Length of the well-formed UTF-8 sequence at s (n > 0 bytes left), 1 to 4,
 * or 0 when it is not one. civis-mock declares it too (mock.h). */
size_t civis__utf8_seq(const unsigned char *s, size_t n);
/* The declared type of a schema after following $refs; a schema with no
 * "type" but with "properties" (or "items") counts as an object (array). */
civis_type civis__schema_kind(const civis_spec *spec, const cJSON *schema, const cJSON **resolved);

/*
 * The null rule, the one place libcivis's argument checks and request
 * validation (civis-mock, the in-process mock) take it from: null is
 * accepted for a property, parameter or array item that is not required,
 * and refused where it is required, except for a credential reference
 * (credential, *_credential_id), which the API fills with the caller's
 * default as the official client relies on. `name` in either key style.
 */
bool civis__null_allowed(bool required, const char *name);

/* One step below the field the walk started from: a key, or an index when
 * key is NULL. The key is borrowed from the body (or the caller's buffer)
 * for as long as the step is on the path. */
typedef struct civis_check_step {
    const char *key;
    size_t index;
} civis_check_step;

/* What the walk learned of a schema it met, kept for the next value that
 * schema describes (every item of an array, the same property of each).
 * Keyed by the schema node as referenced, before $refs are followed. */
typedef struct civis_check_memo {
    const cJSON *schema;
    civis_type kind;    /* after $refs */
    const cJSON *props; /* the target's properties, additionalProperties, */
    const cJSON *addl;  /* required and items, NULL when absent */
    const cJSON *required;
    const cJSON *items;
    int n_props;
} civis_check_memo;

#define CIVIS_CHECK_MEMO 64

/* The walk's state: where it is and what it found. */
typedef struct civis_check {
    const civis_spec *spec;
    civis_problems *problems;
    const char *location; /* "path", "query" or "body" for the problems recorded */
    char field[512];      /* where the walk started ("" for a body, a parameter's name) */
    size_t field_len;
    /* The steps from field to the value being checked: the full name
     * ("a.b[2]") is written only when a problem is reported, not at every
     * value of a large body. */
    civis_check_step path[CIVIS_CHECK_MAX_DEPTH + 4];
    size_t n_path;
    bool fatal;                /* found a problem that lenient mode does not forgive */
    bool oom;                  /* an allocation failed; the list is incomplete */
    bool text_valid;           /* every string and key of the body is valid UTF-8
                                  (its raw bytes were checked whole) */
    const civis_operation *op; /* the body's operation, or NULL: its parameters
                                  name the top-level properties in both styles
                                  already, so no key needs converting there */
    civis_check_memo memo[CIVIS_CHECK_MEMO];
} civis_check;

/*
 * Records a problem at the current field (c->field). unknown marks an
 * unknown-name problem (counted in problems->unknown, forgiven by lenient
 * mode); anything else sets c->fatal. Text is copied, truncated at a UTF-8
 * boundary, and invalid UTF-8 bytes become '?', so a problem is always safe
 * to print into a JSON reply. Past CIVIS_PROBLEMS_MAX nothing is stored.
 */
void civis__check_report(civis_check *c, bool unknown, const char *suggestion, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Sets c->field to name (sanitised), replacing whatever was there. */
void civis__check_set_field(civis_check *c, const char *name);

/*
 * Checks a request body against the operation's body schema: top-level
 * required properties, then every property recursively (unknown names with a
 * suggestion in the caller's style, wrong types, arrays item by item,
 * additionalProperties maps, invalid UTF-8 anywhere, nesting depth).
 * Keys match a property by its exact name or when both convert to the same
 * snake_case, at every level.
 */
void civis__check_body(civis_check *c, const cJSON *body, const cJSON *schema);

/* Reports invalid UTF-8 in every string and key below v (free-form values,
 * and bodies sent to operations that take none). */
void civis__check_utf8_tree(civis_check *c, const cJSON *v, int depth);

#endif /* CIVIS_SCHEMA_CHECK_H */
