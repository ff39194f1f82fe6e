/*
 * match.c: the small rules that every layer needs the same way, each in one
 * place: when two JSON keys name the same thing (snake_case / camelCase),
 * how an operation is named in messages, the did-you-mean of an argument,
 * and when one JSON value contains another (fixture bodies, mock patterns).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civis/spec.h"
#include "spec_internal.h"

static bool has_upper(const char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            return true;
    return false;
}

/* The snake_case form of s in buf, or on the heap when longer (*heap set,
 * to free); s itself when it has no capital (its own snake form). NULL
 * only when out of memory. */
static const char *snake_of(char *buf, size_t len, const char *s, char **heap)
{
    *heap = NULL;
    if (!has_upper(s))
        return s;
    size_t need = civis_camel_to_snake(buf, len, s);
    if (need < len)
        return buf;
    if ((*heap = malloc(need + 1)) == NULL)
        return NULL;
    civis_camel_to_snake(*heap, need + 1, s);
    return *heap;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* snake_case only lowercases and inserts underscores, so two keys whose
 * letters differ once both are lowercased and stripped of '_' can never
 * have the same snake form: most pairs are told apart at their first
 * letter, with no conversion. */
static bool same_letters(const char *a, const char *b)
{
    for (;;) {
        while (*a == '_')
            a++;
        while (*b == '_')
            b++;
        if (lower(*a) != lower(*b))
            return false;
        if (*a == '\0')
            return true;
        a++;
        b++;
    }
}

bool civis_key_equal(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return false;
    if (strcmp(a, b) == 0)
        return true;
    if (!same_letters(a, b))
        return false;
    char ba[128], bb[128];
    char *ha = NULL, *hb = NULL;
    const char *sa = snake_of(ba, sizeof(ba), a, &ha);
    const char *sb = sa ? snake_of(bb, sizeof(bb), b, &hb) : NULL;
    bool same = sa != NULL && sb != NULL && strcmp(sa, sb) == 0;
    free(ha);
    free(hb);
    return same;
}

const cJSON *civis_json_key(const cJSON *obj, const char *key)
{
    if (!cJSON_IsObject(obj) || key == NULL)
        return NULL;
    const cJSON *exact = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (exact != NULL)
        return exact;
    for (const cJSON *c = obj->child; c != NULL; c = c->next)
        if (c->string != NULL && civis_key_equal(c->string, key))
            return c;
    return NULL;
}

const char *civis_operation_name(const civis_operation *op, char *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return "";
    if (op == NULL) {
        snprintf(buf, len, "(none)");
        return buf;
    }
    /* Operations the official client gives no method (deprecated) still
     * route; they are named by their alias, else by verb and path. */
    const char *m = op->method ? op->method : op->alias;
    if (m != NULL)
        snprintf(buf, len, "%s.%s", op->resource ? op->resource : "", m);
    else
        snprintf(buf, len, "%s %s", op->verb ? op->verb : "", op->path ? op->path : "");
    return buf;
}

const char *civis_operation_suggest(const civis_operation *op, const char *key, int in)
{
    if (op == NULL || key == NULL || op->n_params == 0)
        return NULL;
    const char *local[64];
    const char **names = op->n_params <= 64 ? local : malloc(op->n_params * sizeof(*names));
    if (names == NULL)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < op->n_params; i++)
        if (in < 0 || op->params[i].in == (civis_param_in)in)
            names[n++] = op->params[i].name;
    const char *best = civis_suggest(key, names, n);
    /* "dockerComand" is far from "docker_command" as typed, near once converted. */
    char buf[128];
    char *heap = NULL;
    const char *snake = best == NULL ? snake_of(buf, sizeof(buf), key, &heap) : NULL;
    if (snake != NULL && strcmp(snake, key) != 0)
        best = civis_suggest(snake, names, n);
    free(heap);
    if (names != local)
        free(names);
    return best;
}

/* ---- containment -------------------------------------------------------- */

void civis_json_show(char *buf, size_t len, const cJSON *v)
{
    char *text = v ? cJSON_PrintUnformatted(v) : NULL;
    if (text == NULL) {
        snprintf(buf, len, "%s", v ? "(unprintable)" : "nothing");
        return;
    }
    if (strlen(text) >= len && len > 4)
        snprintf(buf, len, "%.*s...", (int)(len - 4), text);
    else
        snprintf(buf, len, "%s", text);
    cJSON_free(text);
}

static bool differ(char *why, size_t why_len, const char *at, const cJSON *want, const cJSON *got)
{
    if (why != NULL && why_len > 0) {
        char w[96], g[96];
        civis_json_show(w, sizeof(w), want);
        civis_json_show(g, sizeof(g), got);
        if (got == NULL)
            snprintf(why, why_len, "%s: missing (expected %s)", at[0] ? at : "(root)", w);
        else
            snprintf(why, why_len, "%s: expected %s, got %s", at[0] ? at : "(root)", w, g);
    }
    return false;
}

static bool contains_at(const cJSON *v, const cJSON *p, const char *at, char *why, size_t why_len)
{
    if (v == NULL)
        return differ(why, why_len, at, p, NULL);
    if (cJSON_IsObject(p)) {
        if (!cJSON_IsObject(v))
            return differ(why, why_len, at, p, v);
        for (const cJSON *k = p->child; k != NULL; k = k->next) {
            char sub[256];
            snprintf(sub, sizeof(sub), "%s%s%s", at, at[0] ? "." : "", k->string);
            if (!contains_at(civis_json_key(v, k->string), k, sub, why, why_len))
                return false;
        }
        return true;
    }
    if (cJSON_IsArray(p)) {
        if (!cJSON_IsArray(v))
            return differ(why, why_len, at, p, v);
        int n = cJSON_GetArraySize(p), m = cJSON_GetArraySize(v);
        if (n != m) {
            if (why != NULL && why_len > 0)
                snprintf(why, why_len, "%s: expected %d elements, got %d", at[0] ? at : "(root)", n,
                         m);
            return false;
        }
        const cJSON *pe = p->child, *ve = v->child;
        for (int i = 0; pe != NULL && ve != NULL; i++, pe = pe->next, ve = ve->next) {
            char sub[256];
            snprintf(sub, sizeof(sub), "%s[%d]", at, i);
            if (!contains_at(ve, pe, sub, why, why_len))
                return false;
        }
        return true;
    }
    bool same = false;
    if (cJSON_IsNumber(p))
        same = cJSON_IsNumber(v) && v->valuedouble == p->valuedouble;
    else if (cJSON_IsString(p))
        same = cJSON_IsString(v) && strcmp(v->valuestring, p->valuestring) == 0;
    else if (cJSON_IsBool(p))
        same = cJSON_IsBool(v) && cJSON_IsTrue(v) == cJSON_IsTrue(p);
    else if (cJSON_IsNull(p))
        same = cJSON_IsNull(v);
    return same || differ(why, why_len, at, p, v);
}

bool civis_json_contains(const cJSON *whole, const cJSON *part, char *why, size_t why_len)
{
    if (why != NULL && why_len > 0)
        why[0] = '\0';
    if (part == NULL)
        return true;
    return contains_at(whole, part, "", why, why_len);
}

const char *civis_json_type_name(const cJSON *v)
{
    if (cJSON_IsObject(v))
        return "object";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsNumber(v))
        return "number";
    if (cJSON_IsBool(v))
        return "boolean";
    return "null";
}

static bool json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

cJSON *civis__json_parse_terminated(const char *text, size_t len, size_t *err_offset)
{
    *err_offset = 0;
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    size_t at = end != NULL && end >= text ? (size_t)(end - text) : 0;
    if (at > len)
        at = len;
    if (doc != NULL) {
        /* Whatever follows the value must be whitespace to the last byte. */
        while (at < len && json_space(text[at]))
            at++;
        if (at < len) {
            cJSON_Delete(doc);
            doc = NULL;
        }
    }
    if (doc == NULL)
        *err_offset = at;
    return doc;
}

cJSON *civis__json_parse_exact(const char *buf, size_t len, size_t *err_offset, bool *oom)
{
    *err_offset = 0;
    *oom = false;
    /* A terminated copy: cJSON then never reads past the caller's bytes,
     * and a NUL inside the body does not end the document early. */
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        *oom = true;
        return NULL;
    }
    memcpy(copy, buf, len);
    copy[len] = '\0';
    cJSON *doc = civis__json_parse_terminated(copy, len, err_offset);
    free(copy);
    return doc;
}
