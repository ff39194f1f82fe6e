/*
 * jsonpath.c: reading JSON by a dotted snake_case path, with the official
 * client's key rules (its Response keeps a snake_case and a camelCase map
 * of every object, except where it keeps keys as sent).
 *
 * A step into an object matches a key that is equal to the name, else one
 * whose snake_case form equals the name's. Keys are matched exactly in the
 * three places the official client leaves alone: the children of an
 * `arguments` or `environmentVariables` object (one level), and everything
 * under the `value` of a JSON value (`json_values` responses, and objects
 * whose objectType is "JSONValue").
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

static bool preserves_children(const char *key)
{
    return key != NULL &&
           (strcmp(key, "arguments") == 0 || strcmp(key, "environmentVariables") == 0 ||
            strcmp(key, "environment_variables") == 0);
}

static bool is_json_value_object(const cJSON *obj)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(obj, "objectType");
    if (t == NULL)
        t = cJSON_GetObjectItemCaseSensitive(obj, "object_type");
    return cJSON_IsString(t) && strcmp(t->valuestring, "JSONValue") == 0;
}

/* The child of obj for name: an exact key first, then a snake_case match. */
static const cJSON *object_child(const cJSON *obj, const char *name, bool exact)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (c != NULL || exact)
        return c;
    for (c = obj->child; c != NULL; c = c->next)
        if (civis_key_equal(c->string, name))
            return c;
    return NULL;
}

/* Parses a non-negative decimal index; false when s is not one. */
static bool parse_index(const char *s, size_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = (size_t)v;
    return true;
}

const cJSON *civis__json_path(const cJSON *root, const char *path, bool json_values, char *why,
                              size_t why_len)
{
    if (why_len > 0)
        why[0] = '\0';
    if (root == NULL) {
        snprintf(why, why_len, "the body is empty");
        return NULL;
    }
    if (path == NULL || *path == '\0')
        return root;
    const cJSON *node = root;
    bool raw = false;        /* inside a JSON value: every key as sent */
    bool exact_next = false; /* the children of arguments / environmentVariables */
    /* A json_values response keeps `value` raw at its top level (and in the
     * elements of a top-level list). */
    bool value_raw_here = json_values;
    const char *p = path;
    size_t done = 0; /* bytes of path walked, for messages */
    while (*p) {
        char seg[256];
        size_t n = 0;
        bool bracket = false;
        if (*p == '[') {
            bracket = true;
            p++;
            while (*p && *p != ']' && n + 1 < sizeof(seg))
                seg[n++] = *p++;
            if (*p != ']') {
                snprintf(why, why_len, "unclosed '[' in the path");
                return NULL;
            }
            p++;
        } else {
            while (*p && *p != '.' && *p != '[' && n + 1 < sizeof(seg))
                seg[n++] = *p++;
        }
        seg[n] = '\0';
        if (n == 0 && !bracket) {
            snprintf(why, why_len, "empty step in the path");
            return NULL;
        }
        const cJSON *next = NULL;
        size_t index = 0;
        if (cJSON_IsArray(node)) {
            if (!parse_index(seg, &index)) {
                snprintf(why, why_len, "'%.*s' is an array; '%s' is not an index", (int)done, path,
                         seg);
                return NULL;
            }
            int len = cJSON_GetArraySize(node);
            if (index >= (size_t)len) {
                snprintf(why, why_len, "index %zu is out of range at '%.*s' (length %d)", index,
                         (int)done, path, len);
                return NULL;
            }
            next = cJSON_GetArrayItem(node, (int)index);
            /* Elements of a top-level json_values list keep the rule. */
            value_raw_here = value_raw_here && node == root;
            exact_next = false;
        } else if (cJSON_IsObject(node)) {
            next = object_child(node, seg, raw || exact_next);
            if (next == NULL) {
                if (done == 0)
                    snprintf(why, why_len, "no key '%s'", seg);
                else
                    snprintf(why, why_len, "no key '%s' at '%.*s'", seg, (int)done, path);
                return NULL;
            }
            bool was_exact = exact_next;
            exact_next = false;
            if (!raw && !was_exact) {
                if (strcmp(next->string, "value") == 0 &&
                    (value_raw_here || is_json_value_object(node)))
                    raw = true;
                else if (preserves_children(next->string) && cJSON_IsObject(next))
                    exact_next = true;
            }
            value_raw_here = false;
        } else {
            if (done == 0)
                snprintf(why, why_len, "the body is %s, not an object or array",
                         civis_json_type_name(node));
            else
                snprintf(why, why_len, "'%.*s' is %s, not an object or array", (int)done, path,
                         civis_json_type_name(node));
            return NULL;
        }
        node = next;
        if (*p == '.')
            p++;
        done = (size_t)(p - path);
        if (done > 0 && path[done - 1] == '.')
            done--;
    }
    return node;
}

/* ---- typed getters ----------------------------------------------------------- */

/* want: a cJSON type bit (cJSON_Number, ...) or -1 for "integer". */
civis_status civis__json_typed(const cJSON **node, const cJSON *root, const char *path,
                               bool json_values, int want, const char *where, civis_error *err)
{
    char why[200];
    const char *shown = (path && *path) ? path : "(root)";
    const cJSON *v = civis__json_path(root, path, json_values, why, sizeof(why));
    if (v == NULL)
        return civis__fail(err, CIVIS_ENOTFOUND, shown, "no field '%s' in %s (%s)", shown, where,
                           why);
    const char *expected = want == -1             ? "integer"
                           : want == cJSON_Number ? "number"
                           : want == cJSON_String ? "string"
                                                  : "boolean";
    bool ok;
    if (want == -1)
        ok = cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
             floor(v->valuedouble) == v->valuedouble && fabs(v->valuedouble) < 9.2e18;
    else if (want == cJSON_True)
        ok = cJSON_IsBool(v);
    else
        ok = (v->type & 0xFF) == want;
    if (!ok) {
        if (cJSON_IsNumber(v))
            return civis__fail(err, CIVIS_EPARSE, shown, "field '%s' is the number %g, expected %s",
                               shown, v->valuedouble, expected);
        return civis__fail(err, CIVIS_EPARSE, shown, "field '%s' is %s, expected %s", shown,
                           civis_json_type_name(v), expected);
    }
    *node = v;
    return CIVIS_OK;
}

#define CHECK_OUT(out)                                                                             \
    if ((out) == NULL)                                                                             \
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");                           \
    *(out) = 0 /* the one out-parameter rule: 0 / NULL after a failure */

const cJSON *civis_json_get(const cJSON *root, const char *path)
{
    char why[8];
    return civis__json_path(root, path, false, why, sizeof(why));
}

civis_status civis_json_int(long long *out, const cJSON *root, const char *path, civis_error *err)
{
    CHECK_OUT(out);
    const cJSON *v = NULL;
    civis_status st = civis__json_typed(&v, root, path, false, -1, "the JSON", err);
    if (st == CIVIS_OK)
        *out = (long long)v->valuedouble;
    return st;
}

civis_status civis_json_double(double *out, const cJSON *root, const char *path, civis_error *err)
{
    CHECK_OUT(out);
    const cJSON *v = NULL;
    civis_status st = civis__json_typed(&v, root, path, false, cJSON_Number, "the JSON", err);
    if (st == CIVIS_OK)
        *out = v->valuedouble;
    return st;
}

civis_status civis_json_bool(bool *out, const cJSON *root, const char *path, civis_error *err)
{
    CHECK_OUT(out);
    const cJSON *v = NULL;
    civis_status st = civis__json_typed(&v, root, path, false, cJSON_True, "the JSON", err);
    if (st == CIVIS_OK)
        *out = cJSON_IsTrue(v);
    return st;
}

civis_status civis_json_string(const char **out, const cJSON *root, const char *path,
                               civis_error *err)
{
    CHECK_OUT(out);
    const cJSON *v = NULL;
    civis_status st = civis__json_typed(&v, root, path, false, cJSON_String, "the JSON", err);
    if (st == CIVIS_OK)
        *out = v->valuestring;
    return st;
}
