/*
 * request.c: request validation, the server side. Checks one routed request
 * (path parameters, query pairs, raw JSON body) against its operation and
 * collects every problem, so a 400 can name each bad field at once.
 *
 * What counts as valid follows what the real API accepts from its clients:
 * snake_case and camelCase names at every level, booleans in any case
 * ("True" from the official client), arrays as repeated name[] pairs, and a
 * JSON body (usually "{}") on GET and DELETE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "schema_check.h"
#include "spec_internal.h"

/* A value quoted for a problem text: at most 40 bytes, then "...". */
static void quote(char *buf, size_t len, const char *v)
{
    size_t n = strlen(v);
    if (n <= 40)
        snprintf(buf, len, "'%s'", v);
    else
        snprintf(buf, len, "'%.40s...'", v);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool text_is_integer(const char *s)
{
    if (*s == '-')
        s++;
    if (!is_digit(*s))
        return false;
    while (is_digit(*s))
        s++;
    return *s == '\0';
}

/* JSON's number grammar, a little looser: "5.", ".5" and "+1" are refused,
 * "1e5" is not; no "inf", "nan" or hex as strtod would take. */
static bool text_is_number(const char *s)
{
    if (*s == '-')
        s++;
    if (!is_digit(*s))
        return false;
    while (is_digit(*s))
        s++;
    if (*s == '.') {
        s++;
        if (!is_digit(*s))
            return false;
        while (is_digit(*s))
            s++;
    }
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!is_digit(*s))
            return false;
        while (is_digit(*s))
            s++;
    }
    return *s == '\0';
}

/* Checks one text value (a path segment, a query value) against a type and
 * reports at the current field. */
static void check_text(civis_check *c, const char *v, civis_type t)
{
    char q[64];
    if (!civis__utf8_valid(v, strlen(v))) {
        civis__check_report(c, false, NULL, "is not valid UTF-8");
        return;
    }
    bool ok = true;
    switch (t) {
    case CIVIS_TYPE_INTEGER: ok = text_is_integer(v); break;
    case CIVIS_TYPE_NUMBER: ok = text_is_number(v); break;
    case CIVIS_TYPE_BOOLEAN: ok = strcasecmp(v, "true") == 0 || strcasecmp(v, "false") == 0; break;
    default: break;
    }
    if (!ok) {
        quote(q, sizeof(q), v);
        civis__check_report(c, false, NULL, "must be %s, got %s", civis__type_name(t), q);
    }
}

static void check_path(civis_check *c, const civis_route *route)
{
    const civis_operation *op = route->op;
    c->location = "path";
    for (size_t i = 0; i < route->n_params && i < CIVIS_ROUTE_MAX_PARAMS; i++) {
        const char *name = route->params[i].name;
        const civis_param *p = name ? civis_operation_param(op, name) : NULL;
        if (p == NULL || p->in != CIVIS_IN_PATH)
            continue;
        civis__check_set_field(c, name);
        const char *v = route->params[i].value;
        if (v[0] == '\0')
            civis__check_report(c, false, NULL, "must not be empty");
        else
            check_text(c, v, p->type);
    }
}

/* The query parameter a key names: exact, or its snake_case form (the API's
 * own examples send ?databaseId=). */
static const civis_param *query_param(const civis_operation *op, const char *key)
{
    const civis_param *p = civis_operation_param(op, key);
    if (p == NULL) {
        char snake[128];
        if (civis_camel_to_snake(snake, sizeof(snake), key) < sizeof(snake))
            p = civis_operation_param(op, snake);
    }
    return p != NULL && p->in == CIVIS_IN_QUERY ? p : NULL;
}

static void report_unknown_query(civis_check *c, const civis_operation *op, const char *key)
{
    civis__check_report(c, true, civis_operation_suggest(op, key, CIVIS_IN_QUERY),
                        "unknown parameter");
}

/* An array parameter sent plainly carries a comma-separated list (the
 * API documents "A,B" for state filters); each piece gets the item type. */
static void check_list_text(civis_check *c, const char *v, civis_type item)
{
    if (item != CIVIS_TYPE_INTEGER && item != CIVIS_TYPE_NUMBER && item != CIVIS_TYPE_BOOLEAN) {
        check_text(c, v, CIVIS_TYPE_STRING);
        return;
    }
    char piece[128];
    for (const char *s = v;;) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        if (n >= sizeof(piece))
            n = sizeof(piece) - 1;
        memcpy(piece, s, n);
        piece[n] = '\0';
        check_text(c, piece, item);
        if (comma == NULL)
            break;
        s = comma + 1;
    }
}

static void check_query(civis_check *c, const civis_operation *op, const civis_kv *q, size_t n)
{
    c->location = "query";
    for (size_t i = 0; i < n; i++) {
        const char *key = q[i].key ? q[i].key : "";
        const char *val = q[i].value ? q[i].value : "";
        civis__check_set_field(c, key);
        if (!civis__utf8_valid(key, strlen(key))) {
            civis__check_report(c, false, NULL, "name is not valid UTF-8");
            continue;
        }
        size_t klen = strlen(key);
        bool brackets = klen > 2 && strcmp(key + klen - 2, "[]") == 0;
        char base[128];
        snprintf(base, sizeof(base), "%.*s", (int)(brackets ? klen - 2 : klen), key);
        const civis_param *p = query_param(op, base);
        if (p == NULL) {
            report_unknown_query(c, op, base);
            continue;
        }
        if (p->type == CIVIS_TYPE_ARRAY) {
            if (brackets)
                check_text(c, val, p->item_type);
            else
                check_list_text(c, val, p->item_type);
        } else if (brackets) {
            civis__check_report(c, false, NULL, "is not an array; send %s=value", p->name);
        } else {
            check_text(c, val, p->type);
        }
    }
}

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return false;
    return true;
}

/* Parses the raw body. *out is NULL for an empty body, and on a syntax
 * problem (reported). Returns false only when out of memory. */
static bool parse_body(civis_check *c, cJSON **out, const char *body, size_t len, bool terminated)
{
    *out = NULL;
    if (body == NULL || blank(body, len))
        return true;
    size_t at = 0;
    bool oom = false;
    /* A terminated body is parsed where it is: a megabyte body is not
     * copied once more just to end it with a NUL. */
    cJSON *doc = terminated ? civis__json_parse_terminated(body, len, &at)
                            : civis__json_parse_exact(body, len, &at, &oom);
    if (oom)
        return false;
    if (doc == NULL) {
        c->location = "body";
        civis__check_set_field(c, "");
        civis__check_report(c, false, NULL, "body is not valid JSON (at byte %zu)", at);
    }
    *out = doc;
    return true;
}

static void check_body(civis_check *c, const civis_operation *op, const cJSON *doc)
{
    c->location = "body";
    civis__check_set_field(c, "");
    if (op->body_schema != NULL) {
        c->op = op;
        civis__check_body(c, doc, op->body_schema);
        return;
    }
    /* The official client sends {} on every call; anything more goes
     * nowhere, so its names are unknown, and other JSON is a mistake. */
    if (!cJSON_IsObject(doc)) {
        civis__check_report(c, false, NULL, "this operation takes no body, got %s",
                            civis__json_kind(doc));
        return;
    }
    for (const cJSON *k = doc->child; k != NULL; k = k->next) {
        civis__check_set_field(c, k->string);
        civis__check_report(c, true, NULL, "unknown property (this operation takes no body)");
    }
    civis__check_set_field(c, "");
    civis__check_utf8_tree(c, doc, 0);
}

civis_status civis_request_validate(civis_problems *problems, cJSON **body_out,
                                    const civis_spec *spec, const civis_request_check *req)
{
    if (body_out != NULL)
        *body_out = NULL;
    if (problems == NULL)
        return CIVIS_EINVAL;
    /* A list handed back in is reused: its storage stays, its contents go. */
    problems->count = 0;
    problems->unknown = 0;
    civis_check c = {.spec = spec, .problems = problems, .location = "path"};
    if (req == NULL || req->route == NULL || req->route->op == NULL) {
        civis__check_report(&c, false, NULL, "no operation matched the request");
        return c.oom ? CIVIS_ENOMEM : CIVIS_EINVAL;
    }
    const civis_operation *op = req->route->op;
    check_path(&c, req->route);
    check_query(&c, op, req->query, req->query ? req->n_query : 0);
    cJSON *doc = NULL;
    if (req->body_doc != NULL) {
        check_body(&c, op, req->body_doc);
    } else {
        if (!parse_body(&c, &doc, req->body, req->body_len, req->body_terminated))
            return CIVIS_ENOMEM;
        /* cJSON decodes \u escapes to valid UTF-8 only (a lone surrogate is
         * a syntax error), so when the body's bytes are valid UTF-8 every
         * string and key is: one pass over the bytes, not one per string. */
        c.text_valid = doc != NULL && civis__utf8_valid(req->body, req->body_len);
        bool parsed_ok = doc != NULL || req->body == NULL || blank(req->body, req->body_len);
        if (parsed_ok && doc == NULL && op->body_schema != NULL &&
            (doc = cJSON_CreateObject()) == NULL)
            return CIVIS_ENOMEM;
        if (doc != NULL)
            check_body(&c, op, doc);
    }
    if (c.oom) {
        cJSON_Delete(doc);
        return CIVIS_ENOMEM;
    }
    bool failed = req->lenient ? c.fatal : problems->count > 0 || c.fatal;
    if (failed) {
        cJSON_Delete(doc);
        return CIVIS_EINVAL;
    }
    if (body_out != NULL)
        *body_out = doc;
    else
        cJSON_Delete(doc);
    return CIVIS_OK;
}

void civis_problems_clear(civis_problems *problems)
{
    if (problems == NULL)
        return;
    free(problems->items);
    problems->items = NULL;
    problems->count = 0;
    problems->cap = 0;
    problems->unknown = 0;
}
