/*
 * spec_internal.h: the layout of a loaded spec, shared by the files of the
 * spec engine only. Nothing outside spec/src includes this.
 */
#ifndef CIVIS_SPEC_INTERNAL_H
#define CIVIS_SPEC_INTERNAL_H

#include <stdarg.h>

#include "arena.h"
#include "civis/spec.h"

typedef struct civis_method_entry {
    const char *resource; /* borrowed from the arena */
    const char *name;     /* method or alias name */
    const civis_operation *op;
    bool is_alias;
} civis_method_entry;

struct civis_route_node; /* route.c */

struct civis_spec {
    char *text; /* the document bytes, owned */
    size_t text_len;
    cJSON *doc;               /* parsed document, owned */
    const cJSON *definitions; /* doc.definitions, borrowed */
    civis_operation *ops;     /* every operation, in document order */
    size_t n_ops;
    civis_method_entry *methods; /* sorted by (resource, name) */
    size_t n_methods;
    const char **resources; /* sorted unique resource names */
    size_t n_resources;
    struct civis_route_node *routes; /* segment trie, built by civis__route_build */
    civis_arena arena;               /* strings and descriptor arrays */
    bool owns_text;                  /* text is ours to free (false: the bundled bytes) */
    char origin[256];                /* "spec file 'x.json' (910 operations)", for messages */
    bool is_bundled;                 /* the process's shared bundled index: its doc is
                                        static data and civis_spec_free leaves it */
    const cJSON **def_slots;         /* open-addressing table of definitions by name
                                        (arena; NULL slot = empty); see refs.c */
    size_t def_mask;                 /* slot count - 1 (a power of two minus one) */
    const char **method_names;       /* methods[i].name, parallel, for did-you-mean */
};

/* Load steps, in order (load.c calls them; each names the failing place). */
/* refs.c: the definitions table, and with check_refs every $ref checked
 * (the bundled spec skips the check: its refs were checked when generated). */
civis_status civis__refs_build(civis_spec *spec, bool check_refs, civis_error *err);
civis_status civis__index_build(civis_spec *spec, civis_error *err); /* index.c */
/* The type a schema's "type" value names (ANY for none or an unknown one). */
civis_type civis__type_of(const cJSON *type_value);
/* The definition named by a local "#/definitions/NAME" ref, or NULL. */
const cJSON *civis__refs_target(const civis_spec *spec, const char *ref);

/* prose.c: the rules the public spec states in words. */
/* `word` (lower case) anywhere in text (NULL: none), in any case. */
bool civis__prose_says(const char *text, const char *word);
/* What a DELETE does, from its summary ("Archive a ...", "... Hidden ..."). */
civis_delete_effect civis__prose_delete_effect(const char *summary);
/* A limit parameter's default and maximum page size from its description
 * ("Defaults to 20. Maximum allowed is 1000."); 0 for what it does not say. */
void civis__prose_page_rules(const char *limit_description, long *def, long *max);

/* Records the first error into err (NULL allowed) and returns code. */
/* match.c: parses exactly buf[0..len) as one JSON document (whitespace may
 * follow it, nothing else). NULL when it is not one, with the byte where it
 * went wrong in *err_offset, or when out of memory (*oom set). The one rule
 * for request bodies, fixture files and the fake API's replies. */
cJSON *civis__json_parse_exact(const char *buf, size_t len, size_t *err_offset, bool *oom);
/* The same on text whose text[len] is a NUL (no copy; NULL is a parse
 * failure at *err_offset, or out of memory). */
cJSON *civis__json_parse_terminated(const char *text, size_t len, size_t *err_offset);

/* args.c: civis_args_place; with `borrow` the body's values are references
 * into `args`, which must then outlive the placed body (libcivis's own
 * calls, which print the body and drop it before returning). */
civis_status civis__args_place(civis_placed *out, const civis_spec *spec, const civis_operation *op,
                               const cJSON *args, civis_key_style style, bool borrow,
                               civis_error *err);

civis_status civis__fail(civis_error *err, civis_status code, const char *param, const char *fmt,
                         ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
civis_status civis__vfail(civis_error *err, civis_status code, const char *param, const char *fmt,
                          va_list ap);

/* Built once at load time; freed by civis_spec_free. */
civis_status civis__route_build(civis_spec *spec, civis_error *err);
void civis__route_free(civis_spec *spec);

#endif /* CIVIS_SPEC_INTERNAL_H */
