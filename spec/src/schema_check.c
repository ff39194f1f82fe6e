/*
 * schema_check.c: the recursive check of a JSON request body against its
 * dereferenced schema, and the small type helpers call-argument validation
 * shares with it.
 *
 * The walk never fails early: a server answers 400 with every bad field at
 * once. It is bounded three ways whatever the input: nesting depth
 * (CIVIS_CHECK_MAX_DEPTH), problems stored (CIVIS_PROBLEMS_MAX), and field
 * text (fixed buffers, truncated at a UTF-8 boundary).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "schema_check.h"

/* ---- types --------------------------------------------------------------- */

static bool is_integral(double d)
{
    return isfinite(d) && floor(d) == d;
}

const char *civis__json_kind(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsNumber(v))
        return is_integral(v->valuedouble) ? "integer" : "number";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsObject(v))
        return "object";
    return "invalid";
}

const char *civis__type_name(civis_type t)
{
    switch (t) {
    case CIVIS_TYPE_ANY: return "any";
    case CIVIS_TYPE_STRING: return "string";
    case CIVIS_TYPE_INTEGER: return "integer";
    case CIVIS_TYPE_NUMBER: return "number";
    case CIVIS_TYPE_BOOLEAN: return "boolean";
    case CIVIS_TYPE_ARRAY: return "array";
    case CIVIS_TYPE_OBJECT: return "object";
    }
    return "any";
}

bool civis__json_has_type(const cJSON *v, civis_type t)
{
    switch (t) {
    case CIVIS_TYPE_ANY: return v != NULL;
    case CIVIS_TYPE_STRING: return cJSON_IsString(v) && v->valuestring != NULL;
    case CIVIS_TYPE_INTEGER: return cJSON_IsNumber(v) && is_integral(v->valuedouble);
    case CIVIS_TYPE_NUMBER: return cJSON_IsNumber(v) && isfinite(v->valuedouble);
    case CIVIS_TYPE_BOOLEAN: return cJSON_IsBool(v);
    case CIVIS_TYPE_ARRAY: return cJSON_IsArray(v);
    case CIVIS_TYPE_OBJECT: return cJSON_IsObject(v);
    }
    return false;
}

civis_type civis__schema_kind(const civis_spec *spec, const cJSON *schema, const cJSON **resolved)
{
    const cJSON *s = civis_spec_deref(spec, schema);
    if (resolved != NULL)
        *resolved = s;
    if (!cJSON_IsObject(s))
        return CIVIS_TYPE_ANY;
    civis_type t = civis_schema_type(s);
    if (t != CIVIS_TYPE_ANY)
        return t;
    /* Swagger lets "type" go unsaid when the shape is plain. */
    if (cJSON_GetObjectItemCaseSensitive(s, "properties") != NULL)
        return CIVIS_TYPE_OBJECT;
    if (cJSON_GetObjectItemCaseSensitive(s, "items") != NULL)
        return CIVIS_TYPE_ARRAY;
    return CIVIS_TYPE_ANY;
}

/* ---- UTF-8 --------------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (1 to 4), or 0 (RFC 3629
 * table 3-7: no overlongs, no surrogates, nothing past U+10FFFF). */
size_t civis__utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

bool civis__utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        /* runs of ASCII eight bytes at a time */
        if (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, u + i, 8);
            if ((w & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = civis__utf8_seq(u + i, n - i);
        if (k == 0)
            return false;
        i += k;
    }
    return true;
}

/* Copies src into dst[0..dstlen) whole characters at a time, invalid bytes
 * as '?'; returns the bytes written (dst always NUL-terminated). */
static size_t copy_clean(char *dst, size_t dstlen, const char *src)
{
    size_t o = 0;
    if (dstlen == 0)
        return 0;
    const unsigned char *u = (const unsigned char *)src;
    size_t n = strlen(src);
    for (size_t i = 0; i < n;) {
        if (u[i] < 0x80) { /* ASCII, nearly every name: no decoding */
            if (o + 2 > dstlen)
                break;
            dst[o++] = src[i++];
            continue;
        }
        size_t k = civis__utf8_seq(u + i, n - i);
        const char *piece = src + i;
        size_t plen = k;
        if (k == 0) {
            piece = "?";
            plen = 1;
            k = 1;
        }
        if (o + plen + 1 > dstlen)
            break;
        memcpy(dst + o, piece, plen);
        o += plen;
        i += k;
    }
    dst[o] = '\0';
    return o;
}

/* ---- problems and fields --------------------------------------------------- */

/* Writes the field being checked: where the walk started, then ".key" for
 * each key (none before the first name) and "[i]" for each index, cut at
 * cap like the names themselves. */
static void render_field(const civis_check *c, char *out, size_t cap)
{
    size_t at = c->field_len < cap ? c->field_len : cap - 1;
    memcpy(out, c->field, at);
    out[at] = '\0';
    for (size_t i = 0; i < c->n_path; i++) {
        const civis_check_step *st = &c->path[i];
        if (st->key != NULL) {
            if (at > 0 && at + 1 < cap)
                out[at++] = '.';
            at += copy_clean(out + at, cap - at, st->key);
            continue;
        }
        char digits[24];
        size_t n = 0;
        size_t v = st->index;
        do {
            digits[n++] = (char)('0' + v % 10);
            v /= 10;
        } while (v > 0);
        if (at + n + 3 > cap)
            continue;
        out[at++] = '[';
        while (n > 0)
            out[at++] = digits[--n];
        out[at++] = ']';
        out[at] = '\0';
    }
}

void civis__check_report(civis_check *c, bool unknown, const char *suggestion, const char *fmt, ...)
{
    if (!unknown)
        c->fatal = true;
    civis_problems *pr = c->problems;
    if (c->oom || pr->count >= CIVIS_PROBLEMS_MAX)
        return;
    if (pr->count == pr->cap) {
        size_t cap = pr->cap ? pr->cap * 2 : 8;
        if (cap > CIVIS_PROBLEMS_MAX)
            cap = CIVIS_PROBLEMS_MAX;
        civis_problem *items = realloc(pr->items, cap * sizeof(*items));
        if (items == NULL) {
            c->oom = true;
            return;
        }
        pr->items = items;
        pr->cap = cap;
    }
    civis_problem *p = &pr->items[pr->count];
    char text[sizeof(p->problem)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    char field[sizeof(c->field)];
    render_field(c, field, sizeof(field));
    copy_clean(p->location, sizeof(p->location), c->location ? c->location : "");
    copy_clean(p->field, sizeof(p->field), field);
    copy_clean(p->problem, sizeof(p->problem), text);
    copy_clean(p->suggestion, sizeof(p->suggestion), suggestion ? suggestion : "");
    pr->count++;
    if (unknown)
        pr->unknown++;
}

void civis__check_set_field(civis_check *c, const char *name)
{
    c->field_len = copy_clean(c->field, sizeof(c->field), name ? name : "");
    c->n_path = 0;
}

/* Steps down to a key or an index; returns what pop restores. Past the
 * depth bound (reported, never walked) a step is not kept. */
static size_t push_step(civis_check *c, const char *key, size_t index)
{
    size_t old = c->n_path;
    if (old < sizeof(c->path) / sizeof(c->path[0]))
        c->path[c->n_path++] = (civis_check_step){key, index};
    return old;
}

static size_t push_key(civis_check *c, const char *key)
{
    return push_step(c, key ? key : "", 0);
}

static size_t push_index(civis_check *c, size_t i)
{
    return push_step(c, NULL, i);
}

static void pop(civis_check *c, size_t old)
{
    c->n_path = old;
}

/* ---- the walk ----------------------------------------------------------------- */

static void check_value(civis_check *c, const cJSON *v, const cJSON *schema, int depth,
                        bool null_ok);

/* What a schema says, from the walk's memo or looked up once. The entry is
 * overwritten by the next schema that hashes to its slot: callers copy it. */
static civis_check_memo memo_of(civis_check *c, const cJSON *schema)
{
    if (schema == NULL)
        return (civis_check_memo){0};
    uintptr_t h = (uintptr_t)schema;
    civis_check_memo *m = &c->memo[((h >> 6) ^ (h >> 12)) & (CIVIS_CHECK_MEMO - 1)];
    if (m->schema == schema)
        return *m;
    const cJSON *s = NULL;
    civis_type t = civis__schema_kind(c->spec, schema, &s);
    *m = (civis_check_memo){.schema = schema, .kind = t};
    if (cJSON_IsObject(s)) {
        m->props = cJSON_GetObjectItemCaseSensitive(s, "properties");
        if (!cJSON_IsObject(m->props))
            m->props = NULL;
        m->addl = cJSON_GetObjectItemCaseSensitive(s, "additionalProperties");
        m->required = cJSON_GetObjectItemCaseSensitive(s, "required");
        m->items = cJSON_GetObjectItemCaseSensitive(s, "items");
        m->n_props = m->props != NULL ? cJSON_GetArraySize(m->props) : 0;
    }
    return *m;
}

static bool too_deep(civis_check *c, int depth)
{
    if (depth <= CIVIS_CHECK_MAX_DEPTH)
        return false;
    civis__check_report(c, false, NULL, "nested deeper than %d levels", CIVIS_CHECK_MAX_DEPTH);
    return true;
}

/* A string or key of the body: valid when the body's bytes were (text_valid),
 * else checked on its own. */
static bool text_ok(const civis_check *c, const char *s)
{
    return s == NULL || c->text_valid || civis__utf8_valid(s, strlen(s));
}

static bool key_ok(civis_check *c, const char *key)
{
    if (text_ok(c, key))
        return true;
    civis__check_report(c, false, NULL, "property name is not valid UTF-8");
    return false;
}

void civis__check_utf8_tree(civis_check *c, const cJSON *v, int depth)
{
    if (v == NULL || c->oom)
        return;
    if (cJSON_IsString(v)) {
        if (!text_ok(c, v->valuestring))
            civis__check_report(c, false, NULL, "string is not valid UTF-8");
        return;
    }
    if (!cJSON_IsArray(v) && !cJSON_IsObject(v))
        return;
    if (v->child != NULL && too_deep(c, depth + 1))
        return;
    size_t i = 0;
    for (const cJSON *k = v->child; k != NULL; k = k->next, i++) {
        size_t old = cJSON_IsObject(v) ? push_key(c, k->string) : push_index(c, i);
        if (cJSON_IsObject(v))
            key_ok(c, k->string);
        civis__check_utf8_tree(c, k, depth + 1);
        pop(c, old);
    }
}

static bool has_upper(const char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            return true;
    return false;
}

/* snake(s) into buf; false when it does not fit (such names never match). */
static bool snake(char *buf, size_t len, const char *s)
{
    return civis_camel_to_snake(buf, len, s) < len;
}

/* The index of the property a key names, by exact name first, then by the
 * one key rule (civis_key_equal: "remote_host_id", "remoteHostId",
 * "provideApiKey" all name provideAPIKey); -1 when none does. */
static int find_prop(const cJSON *props, const char *key, const cJSON **prop)
{
    /* One pass: an exact name wins wherever it is; else the first equal one. */
    int i = 0, equal = -1;
    const cJSON *equal_prop = NULL;
    for (const cJSON *p = props->child; p != NULL; p = p->next, i++) {
        if (p->string == NULL || (p->string[0] | 0x20) != (key[0] | 0x20))
            continue; /* snake_case keeps the first letter, but for its case */
        if (strcmp(p->string, key) == 0) {
            *prop = p;
            return i;
        }
        if (equal < 0 && civis_key_equal(p->string, key)) {
            equal = i;
            equal_prop = p;
        }
    }
    if (equal >= 0)
        *prop = equal_prop;
    return equal;
}

/* find_prop at the top of a body: the operation's parameters already hold
 * each property's snake_case and wire names, so the key is looked up among
 * them and only an unusual spelling ("provideApiKey") takes find_prop. */
static int find_top(const civis_check *c, const cJSON *props, const char *key, const cJSON **prop)
{
    const civis_param *p = c->op ? civis_operation_param(c->op, key) : NULL;
    if (p != NULL && p->in == CIVIS_IN_BODY) {
        int i = 0;
        for (const cJSON *q = props->child; q != NULL; q = q->next, i++)
            if (q->string != NULL && q->string[0] == p->wire[0] &&
                strcmp(q->string, p->wire) == 0) {
                *prop = q;
                return i;
            }
    }
    return find_prop(props, key, prop);
}

/* The nearest property name in the style the caller used (camelCase when the
 * key has a capital, snake_case otherwise), copied into out ("" if none). */
static void suggest_prop(civis_check *c, char *out, size_t outlen, const cJSON *props,
                         const char *key, int n)
{
    out[0] = '\0';
    if (n <= 0)
        return;
    bool camel = has_upper(key);
    const char **cands = malloc((size_t)n * sizeof(*cands));
    char *store = camel ? NULL : malloc((size_t)n * 128);
    if (cands == NULL || (!camel && store == NULL)) {
        c->oom = true;
        free(cands);
        free(store);
        return;
    }
    size_t m = 0;
    for (const cJSON *p = props->child; p != NULL && m < (size_t)n; p = p->next) {
        if (p->string == NULL)
            continue;
        if (camel) {
            cands[m++] = p->string;
        } else if (snake(store + m * 128, 128, p->string)) {
            cands[m] = store + m * 128;
            m++;
        }
    }
    const char *best = civis_suggest(key, cands, m);
    if (best != NULL)
        copy_clean(out, outlen, best);
    free(cands);
    free(store);
}

static bool in_required(const cJSON *required, const char *wire)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, required)
    {
        if (cJSON_IsString(r) && r->valuestring != NULL && strcmp(r->valuestring, wire) == 0)
            return true;
    }
    return false;
}

/* Whether some key of obj names the property `wire`. */
static bool obj_names(const cJSON *obj, const char *wire)
{
    for (const cJSON *k = obj->child; k != NULL; k = k->next)
        if (civis_key_equal(k->string, wire))
            return true;
    return false;
}

static void check_missing(civis_check *c, const cJSON *obj, const cJSON *required)
{
    /* Name missing fields the way the caller writes the others: snake_case
     * unless a key shows a capital (the official client sends snake_case). */
    bool camel = false;
    for (const cJSON *k = obj->child; k != NULL && !camel; k = k->next)
        camel = k->string != NULL && has_upper(k->string);
    const cJSON *r;
    cJSON_ArrayForEach(r, required)
    {
        if (!cJSON_IsString(r) || r->valuestring == NULL || obj_names(obj, r->valuestring))
            continue;
        char name[128];
        if (camel || !snake(name, sizeof(name), r->valuestring))
            snprintf(name, sizeof(name), "%s", r->valuestring);
        size_t old = push_key(c, name);
        civis__check_report(c, false, NULL, "missing required property");
        pop(c, old);
    }
}

/* The API fills a credential left null with the caller's default one, and
 * the official client relies on it: it sends credential_id: null when the
 * user has no default database credential (CIVIS_API_NOTES section 4). */
static bool defaulted_by_api(const char *name)
{
    char snake[128];
    size_t n = civis_camel_to_snake(snake, sizeof(snake), name);
    if (n >= sizeof(snake))
        return false;
    return strcmp(snake, "credential") == 0 ||
           (n >= 13 && strcmp(snake + n - 13, "credential_id") == 0);
}

bool civis__null_allowed(bool required, const char *name)
{
    return !required || (name != NULL && defaulted_by_api(name));
}

static void check_object(civis_check *c, const cJSON *obj, const civis_check_memo *s, int depth,
                         bool top)
{
    const cJSON *props = s->props;
    if (props == NULL) {
        /* A map: its keys are data (environment variable names, column
         * indexes), so they keep their case and only the values are typed. */
        const cJSON *addl = s->addl;
        if (!cJSON_IsObject(addl)) {
            civis__check_utf8_tree(c, obj, depth);
            return;
        }
        if (obj->child != NULL && too_deep(c, depth + 1))
            return;
        for (const cJSON *k = obj->child; k != NULL && !c->oom; k = k->next) {
            size_t old = push_key(c, k->string);
            key_ok(c, k->string);
            check_value(c, k, addl, depth + 1, true);
            pop(c, old);
        }
        return;
    }
    if (obj->child != NULL && too_deep(c, depth + 1))
        return;
    /* Required lists are enforced at the top of the body, as the API does;
     * a nested object's "required" is documentation (the API fills those
     * fields), so below the top there is nothing required to be null. */
    const cJSON *required = top ? s->required : NULL;
    int n = s->n_props;
    /* The first key seen for each property, to catch one given twice. */
    const cJSON *local[64];
    const cJSON **seen = local;
    if (n > 64 && (seen = malloc((size_t)n * sizeof(*seen))) == NULL) {
        c->oom = true;
        return;
    }
    for (int i = 0; i < n; i++)
        seen[i] = NULL;
    for (const cJSON *k = obj->child; k != NULL && !c->oom; k = k->next) {
        const char *key = k->string ? k->string : "";
        size_t old = push_key(c, key);
        const cJSON *prop = NULL;
        int idx = -1;
        if (!key_ok(c, key)) {
            /* Already reported; an undecodable name cannot be matched. */
            civis__check_utf8_tree(c, k, depth + 1);
        } else if ((idx = top ? find_top(c, props, key, &prop) : find_prop(props, key, &prop)) <
                   0) {
            char sugg[64];
            suggest_prop(c, sugg, sizeof(sugg), props, key, n);
            civis__check_report(c, true, sugg, "unknown property");
            civis__check_utf8_tree(c, k, depth + 1);
        } else if (seen[idx] != NULL) {
            civis__check_report(c, false, NULL, "given twice (as '%.60s' and '%.60s')",
                                seen[idx]->string, key);
        } else {
            seen[idx] = k;
            /* whether it is required matters only to a null */
            bool null_ok =
                !cJSON_IsNull(k) ||
                civis__null_allowed(required != NULL && in_required(required, prop->string),
                                    prop->string);
            check_value(c, k, prop, depth + 1, null_ok);
        }
        pop(c, old);
    }
    if (seen != local)
        free((void *)seen);
    if (top)
        check_missing(c, obj, s->required);
}

static void check_value(civis_check *c, const cJSON *v, const cJSON *schema, int depth,
                        bool null_ok)
{
    if (c->oom)
        return;
    civis_check_memo s = memo_of(c, schema);
    civis_type t = s.kind;
    if (cJSON_IsNull(v)) {
        if (!null_ok && t != CIVIS_TYPE_ANY)
            civis__check_report(c, false, NULL, "must be %s, got null", civis__type_name(t));
        return;
    }
    if (!civis__json_has_type(v, t)) {
        civis__check_report(c, false, NULL, "must be %s, got %s", civis__type_name(t),
                            civis__json_kind(v));
        return;
    }
    switch (t) {
    case CIVIS_TYPE_STRING:
        if (!text_ok(c, v->valuestring))
            civis__check_report(c, false, NULL, "string is not valid UTF-8");
        break;
    case CIVIS_TYPE_ARRAY: {
        const cJSON *items = s.items;
        if (v->child != NULL && too_deep(c, depth + 1))
            break;
        size_t i = 0;
        for (const cJSON *it = v->child; it != NULL && !c->oom; it = it->next, i++) {
            size_t old = push_index(c, i);
            /* an item is never required: null is accepted ([null, null]) */
            check_value(c, it, items, depth + 1, true);
            pop(c, old);
        }
        break;
    }
    case CIVIS_TYPE_OBJECT: check_object(c, v, &s, depth, false); break;
    case CIVIS_TYPE_ANY: civis__check_utf8_tree(c, v, depth); break;
    default: break;
    }
}

void civis__check_body(civis_check *c, const cJSON *body, const cJSON *schema)
{
    civis_check_memo s = memo_of(c, schema);
    civis__check_set_field(c, "");
    if (s.kind == CIVIS_TYPE_OBJECT) {
        if (!cJSON_IsObject(body)) {
            civis__check_report(c, false, NULL, "body must be a JSON object, got %s",
                                civis__json_kind(body));
            return;
        }
        check_object(c, body, &s, 0, true);
        return;
    }
    check_value(c, body, schema, 0, false);
}
