/*
 * refs.c: $ref resolution without copying. At load time every "$ref" in the
 * document is checked once (local "#/definitions/NAME" only, target exists,
 * no alias cycle) and inline schema nesting is bounded, so that everything
 * after load can follow refs without checking. A ref is followed by looking
 * its name up in a hash table over the definitions object: the parsed
 * document is never expanded, so the one legal cycle (JobNestedJob.children)
 * costs nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"

#define REF_PREFIX "#/definitions/"
#define REF_PREFIX_LEN (sizeof(REF_PREFIX) - 1)

/* Inline schemas (properties/items inside one definition) deeper than this
 * are refused: recursive consumers (validation, synthesis) then stay within
 * a known stack budget. The public spec nests at most 2 levels inline. */
#define MAX_SCHEMA_DEPTH 32
/* Deeper than cJSON's own parse limit (1000), so only a differently built
 * cJSON could ever reach it; the walk stays bounded either way. */
#define MAX_JSON_DEPTH 1100

/* ---- the definitions table ------------------------------------------------ */

static size_t hash_name(const char *s, size_t len)
{
    /* FNV-1a: short keys, no adversary, good enough spread. */
    size_t h = (size_t)14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= (size_t)1099511628211ULL;
    }
    return h;
}

static const cJSON *def_lookup(const civis_spec *spec, const char *name, size_t len)
{
    if (spec->def_slots == NULL)
        return NULL;
    for (size_t i = hash_name(name, len) & spec->def_mask;; i = (i + 1) & spec->def_mask) {
        const cJSON *d = spec->def_slots[i];
        if (d == NULL)
            return NULL;
        if (strncmp(d->string, name, len) == 0 && d->string[len] == '\0')
            return d;
    }
}

static civis_status build_def_table(civis_spec *spec, civis_error *err)
{
    size_t n = 0;
    for (const cJSON *d = spec->definitions ? spec->definitions->child : NULL; d; d = d->next)
        n++;
    size_t slots = 16;
    while (slots < 2 * n) /* load factor <= 1/2: short probe runs */
        slots *= 2;
    spec->def_slots = civis__arena_alloc(&spec->arena, slots * sizeof(*spec->def_slots));
    if (spec->def_slots == NULL)
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory indexing definitions");
    spec->def_mask = slots - 1;
    for (const cJSON *d = spec->definitions ? spec->definitions->child : NULL; d; d = d->next) {
        size_t len = strlen(d->string);
        size_t i = hash_name(d->string, len) & spec->def_mask;
        while (spec->def_slots[i] != NULL) {
            /* cJSON keeps duplicate keys; the first one wins for lookups,
             * as cJSON_GetObjectItemCaseSensitive would answer. */
            if (strcmp(spec->def_slots[i]->string, d->string) == 0)
                break;
            i = (i + 1) & spec->def_mask;
        }
        if (spec->def_slots[i] == NULL)
            spec->def_slots[i] = d;
    }
    return CIVIS_OK;
}

const cJSON *civis__refs_target(const civis_spec *spec, const char *ref)
{
    if (spec == NULL || ref == NULL || strncmp(ref, REF_PREFIX, REF_PREFIX_LEN) != 0)
        return NULL;
    const char *name = ref + REF_PREFIX_LEN;
    return def_lookup(spec, name, strlen(name));
}

static const char *ref_of(const cJSON *node)
{
    if (!cJSON_IsObject(node))
        return NULL;
    /* "$ref" is almost always the first key when present; the loop is
     * short either way (schema objects have a handful of keys). */
    for (const cJSON *c = node->child; c; c = c->next)
        if (c->string && c->string[0] == '$' && strcmp(c->string, "$ref") == 0)
            return cJSON_IsString(c) ? c->valuestring : NULL;
    return NULL;
}

const cJSON *civis_spec_deref(const civis_spec *spec, const cJSON *schema)
{
    if (spec == NULL)
        return NULL;
    /* Load has rejected alias cycles, so a chain ends within n definitions;
     * the bound only protects against a node that is not from this spec. */
    for (size_t steps = 0; schema != NULL && steps <= spec->def_mask + 1; steps++) {
        const char *ref = ref_of(schema);
        if (ref == NULL)
            return schema;
        schema = civis__refs_target(spec, ref);
    }
    return NULL;
}

civis_type civis_schema_type(const cJSON *schema)
{
    const cJSON *t =
        cJSON_IsObject(schema) ? cJSON_GetObjectItemCaseSensitive(schema, "type") : NULL;
    return civis__type_of(t);
}

civis_type civis__type_of(const cJSON *t)
{
    if (!cJSON_IsString(t))
        return CIVIS_TYPE_ANY;
    const char *s = t->valuestring;
    /* The first letter tells the six names apart; called for every schema
     * a load or a validation looks at. */
    switch (s[0]) {
    case 's': return strcmp(s, "string") == 0 ? CIVIS_TYPE_STRING : CIVIS_TYPE_ANY;
    case 'i': return strcmp(s, "integer") == 0 ? CIVIS_TYPE_INTEGER : CIVIS_TYPE_ANY;
    case 'n': return strcmp(s, "number") == 0 ? CIVIS_TYPE_NUMBER : CIVIS_TYPE_ANY;
    case 'b': return strcmp(s, "boolean") == 0 ? CIVIS_TYPE_BOOLEAN : CIVIS_TYPE_ANY;
    case 'a': return strcmp(s, "array") == 0 ? CIVIS_TYPE_ARRAY : CIVIS_TYPE_ANY;
    case 'o': return strcmp(s, "object") == 0 ? CIVIS_TYPE_OBJECT : CIVIS_TYPE_ANY;
    default: return CIVIS_TYPE_ANY;
    }
}

/* ---- the load-time walk ---------------------------------------------------- */

/*
 * The walk keeps only a stack of node pointers; the "$.paths./x.post..."
 * text of a place is built from it only when something is wrong, so the
 * common case costs one pointer store per level.
 */
typedef struct walker {
    const civis_spec *spec;
    civis_error *err;
    const cJSON *stack[MAX_JSON_DEPTH]; /* stack[0] is the root */
    size_t depth;                       /* entries in use */
} walker;

/* Appends text to buf at *n, bounded, keeping *n the would-be length. */
static void place_append(char *buf, size_t cap, size_t *n, const char *sep, const char *text)
{
    int w = snprintf(buf + (*n < cap ? *n : cap - 1), *n < cap ? cap - *n : 1, "%s%s", sep, text);
    if (w > 0)
        *n += (size_t)w;
}

/*
 * Formats the place of the node on top of the stack as "$.a.b[3].c".
 * Long places (deep nesting) keep their head and tail with "..." between,
 * so the message still names the definition and the failing key.
 */
static void place_format(const walker *w, char *out, size_t outlen)
{
    char full[2048];
    size_t n = 0;
    full[0] = '\0';
    place_append(full, sizeof(full), &n, "", "$");
    for (size_t i = 1; i < w->depth; i++) {
        const cJSON *parent = w->stack[i - 1], *node = w->stack[i];
        if (cJSON_IsArray(parent)) {
            size_t idx = 0;
            for (const cJSON *c = parent->child; c && c != node; c = c->next)
                idx++;
            char num[32];
            snprintf(num, sizeof(num), "[%zu]", idx);
            place_append(full, sizeof(full), &n, "", num);
        } else {
            place_append(full, sizeof(full), &n, ".", node->string ? node->string : "?");
        }
    }
    size_t len = n < sizeof(full) ? n : sizeof(full) - 1;
    const size_t head = 120, tail = 160;
    if (outlen == 0)
        return;
    if (len <= head + tail + 3 || outlen <= head + tail + 4) {
        size_t k = len < outlen - 1 ? len : outlen - 1;
        memcpy(out, full, k);
        out[k] = '\0';
        return;
    }
    memcpy(out, full, head);
    memcpy(out + head, "...", 3);
    memcpy(out + head + 3, full + len - tail, tail);
    out[head + 3 + tail] = '\0';
}

static civis_status walk_fail(walker *w, civis_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static civis_status walk_fail(walker *w, civis_status code, const char *fmt, ...)
{
    char place[320];
    place_format(w, place, sizeof(place));
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return civis__fail(w->err, code, NULL, "%s: %s", place, what);
}

static civis_status push(walker *w, const cJSON *node)
{
    if (w->depth >= MAX_JSON_DEPTH)
        return walk_fail(w, CIVIS_ESPEC, "document nested more than %d levels deep",
                         MAX_JSON_DEPTH);
    w->stack[w->depth++] = node;
    return CIVIS_OK;
}

static civis_status check_ref(walker *w, const cJSON *ref)
{
    if (!cJSON_IsString(ref))
        return walk_fail(w, CIVIS_ESPEC, "%s", "$ref must be a string");
    const char *s = ref->valuestring;
    if (strncmp(s, REF_PREFIX, REF_PREFIX_LEN) != 0 || s[REF_PREFIX_LEN] == '\0' ||
        strchr(s + REF_PREFIX_LEN, '/') != NULL)
        return walk_fail(w, CIVIS_ESPEC,
                         "unsupported $ref '%s' (only local '#/definitions/NAME' refs)", s);
    if (civis__refs_target(w->spec, s) == NULL)
        return walk_fail(w, CIVIS_ESPEC, "unresolved $ref '%s'", s);
    return CIVIS_OK;
}

/* Keys whose values are free-form data, never schema or refs: vendor
 * extensions (x-examples is most of the document) and literal values. */
static int is_data_key(const char *k)
{
    /* Called for every key walked: look at the first byte before comparing. */
    if (k == NULL)
        return 0;
    switch (k[0]) {
    case 'x': return k[1] == '-';
    case 'e':
        return strcmp(k, "example") == 0 || strcmp(k, "examples") == 0 || strcmp(k, "enum") == 0;
    case 'd': return strcmp(k, "default") == 0;
    default: return 0;
    }
}

static civis_status walk_any(walker *w, const cJSON *node);
static civis_status walk_schema(walker *w, const cJSON *node, size_t sdepth);

/* A value in a place we do not interpret: refs inside still get checked. */
static civis_status walk_any(walker *w, const cJSON *node)
{
    if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
        return CIVIS_OK;
    civis_status st = push(w, node);
    for (const cJSON *c = node->child; st == CIVIS_OK && c; c = c->next) {
        if (cJSON_IsObject(node) && is_data_key(c->string))
            continue;
        if (cJSON_IsObject(node) && strcmp(c->string, "$ref") == 0) {
            st = check_ref(w, c);
            continue;
        }
        st = walk_any(w, c);
    }
    w->depth--;
    return st;
}

static civis_status walk_subschemas(walker *w, const cJSON *list, size_t sdepth)
{
    civis_status st = push(w, list);
    for (const cJSON *c = list->child; st == CIVIS_OK && c; c = c->next)
        st = walk_schema(w, c, sdepth);
    w->depth--;
    return st;
}

/*
 * A schema: properties, items, additionalProperties and the composition
 * keywords hold subschemas, one level deeper; other object values are
 * walked for refs only.
 */
static civis_status walk_schema(walker *w, const cJSON *node, size_t sdepth)
{
    if (!cJSON_IsObject(node))
        return walk_any(w, node); /* "items": [..] tuples, booleans, junk */
    civis_status st = push(w, node);
    if (st != CIVIS_OK)
        return st;
    if (sdepth > MAX_SCHEMA_DEPTH) {
        st = walk_fail(w, CIVIS_ESPEC, "schema nested more than %d levels deep (properties/items)",
                       MAX_SCHEMA_DEPTH);
        w->depth--;
        return st;
    }
    for (const cJSON *c = node->child; st == CIVIS_OK && c; c = c->next) {
        const char *k = c->string;
        if (is_data_key(k))
            continue;
        if (strcmp(k, "$ref") == 0)
            st = check_ref(w, c);
        else if (strcmp(k, "properties") == 0 && cJSON_IsObject(c))
            st = walk_subschemas(w, c, sdepth + 1);
        else if ((strcmp(k, "allOf") == 0 || strcmp(k, "anyOf") == 0 || strcmp(k, "oneOf") == 0) &&
                 cJSON_IsArray(c))
            st = walk_subschemas(w, c, sdepth + 1);
        else if (strcmp(k, "items") == 0 || strcmp(k, "additionalProperties") == 0 ||
                 strcmp(k, "not") == 0)
            st = cJSON_IsArray(c) ? walk_subschemas(w, c, sdepth + 1)
                                  : walk_schema(w, c, sdepth + 1);
        else
            st = walk_any(w, c);
    }
    w->depth--;
    return st;
}

/* A parameter's "schema" and a response's "schema" are schemas; the rest of
 * a path item is walked for refs. */
static civis_status walk_operation_part(walker *w, const cJSON *node)
{
    if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
        return CIVIS_OK;
    civis_status st = push(w, node);
    for (const cJSON *c = node->child; st == CIVIS_OK && c; c = c->next) {
        const char *k = c->string;
        if (cJSON_IsObject(node) && is_data_key(k))
            continue;
        if (cJSON_IsObject(node) && strcmp(k, "$ref") == 0)
            st = check_ref(w, c);
        else if (cJSON_IsObject(node) && strcmp(k, "schema") == 0)
            st = walk_schema(w, c, 0);
        else
            st = walk_operation_part(w, c);
    }
    w->depth--;
    return st;
}

/* Follows a definition that is nothing but a $ref; an alias chain that comes
 * back on itself never reaches a schema. */
static civis_status check_alias_chain(civis_spec *spec, const cJSON *def, civis_error *err)
{
    const cJSON *slow = def, *fast = def;
    /* Floyd's tortoise and hare: constant memory, linear in the chain. */
    for (;;) {
        for (int i = 0; i < 2; i++) {
            const char *ref = ref_of(fast);
            if (ref == NULL)
                return CIVIS_OK;
            fast = civis__refs_target(spec, ref);
            if (fast == NULL)
                return CIVIS_OK; /* dangling: the walk reports it with its place */
        }
        slow = civis__refs_target(spec, ref_of(slow));
        if (slow == fast)
            break;
    }
    /* Print the chain from def until a name repeats. */
    const cJSON *seen[16];
    size_t n_seen = 0;
    char chain[300];
    size_t n = 0;
    chain[0] = '\0';
    for (const cJSON *node = def; node != NULL; node = civis__refs_target(spec, ref_of(node))) {
        int repeat = 0;
        for (size_t i = 0; i < n_seen; i++)
            repeat |= seen[i] == node;
        int w = snprintf(chain + n, sizeof(chain) - n, "%s%s", n_seen ? " -> " : "",
                         repeat || n_seen < 16 ? node->string : "...");
        if (w < 0 || (size_t)w >= sizeof(chain) - n || repeat || n_seen == 16)
            break;
        n += (size_t)w;
        seen[n_seen++] = node;
    }
    return civis__fail(err, CIVIS_ESPEC, NULL,
                       "$.definitions.%s: $ref cycle %s never reaches a schema", def->string,
                       chain);
}

civis_status civis__refs_build(civis_spec *spec, bool check_refs, civis_error *err)
{
    civis_status st = build_def_table(spec, err);
    if (st != CIVIS_OK || !check_refs)
        return st;
    walker *w = malloc(sizeof(*w)); /* ~9 KB of node pointers: keep it off the stack */
    if (w == NULL)
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory checking $refs");
    w->spec = spec;
    w->err = err;
    w->depth = 0;
    w->stack[w->depth++] = spec->doc;
    for (const cJSON *c = spec->doc->child; st == CIVIS_OK && c; c = c->next) {
        if (is_data_key(c->string))
            continue;
        if (strcmp(c->string, "definitions") == 0 && cJSON_IsObject(c)) {
            st = push(w, c);
            for (const cJSON *d = c->child; st == CIVIS_OK && d; d = d->next)
                st = walk_schema(w, d, 0);
            w->depth--;
        } else if (strcmp(c->string, "paths") == 0) {
            st = walk_operation_part(w, c);
        } else if (strcmp(c->string, "$ref") == 0) {
            st = check_ref(w, c);
        } else {
            st = walk_any(w, c);
        }
    }
    free(w);
    for (const cJSON *d = spec->definitions ? spec->definitions->child : NULL; st == CIVIS_OK && d;
         d = d->next)
        st = check_alias_chain(spec, d, err);
    return st;
}
