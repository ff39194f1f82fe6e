/*
 * fixture_match.c: does a fixture exchange answer a request, and the copy of
 * its response that the caller owns. The rules are those of fixtures/README.md:
 * method, path (concrete or {x} template), operation, query values,
 * a partial body (keys compared modulo snake_case / camelCase) and the API
 * key scope. Everything here reads fields that never change after an
 * exchange is added, so it needs no lock of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixture_internal.h"
#include "spec_internal.h"

/* ---- paths ---------------------------------------------------------------- */

/* Length of a path without its one tolerated trailing slash. */
static size_t path_len(const char *p)
{
    size_t n = strlen(p);
    return (n > 1 && p[n - 1] == '/') ? n - 1 : n;
}

/* The next '/'-separated segment of p[*pos..end); false at the end. */
static bool next_segment(const char *p, size_t end, size_t *pos, const char **seg, size_t *len)
{
    if (*pos >= end)
        return false;
    if (p[*pos] == '/')
        (*pos)++;
    const char *s = p + *pos;
    const char *slash = memchr(s, '/', end - *pos);
    *len = slash ? (size_t)(slash - s) : end - *pos;
    *seg = s;
    *pos += *len;
    return true;
}

static bool is_placeholder(const char *seg, size_t len)
{
    return len > 2 && seg[0] == '{' && seg[len - 1] == '}';
}

/* A template matches a concrete path segment by segment; {x} matches any
 * one non-empty segment. */
static bool template_matches(const char *tpl, const char *path)
{
    size_t tend = path_len(tpl), pend = path_len(path);
    size_t ti = 0, pi = 0;
    for (;;) {
        const char *ts = NULL, *ps = NULL;
        size_t tl = 0, pl = 0;
        bool more_t = next_segment(tpl, tend, &ti, &ts, &tl);
        bool more_p = next_segment(path, pend, &pi, &ps, &pl);
        if (!more_t || !more_p)
            return more_t == more_p;
        if (is_placeholder(ts, tl)) {
            if (pl == 0)
                return false;
        } else if (tl != pl || memcmp(ts, ps, tl) != 0) {
            return false;
        }
    }
}

static bool path_matches(const civis_fx_exchange *ex, const char *path)
{
    const char *want = ex->path ? ex->path : ex->op->path;
    if (ex->templated)
        return template_matches(want, path);
    size_t a = path_len(want), b = path_len(path);
    return a == b && memcmp(want, path, a) == 0;
}

/* ---- query ----------------------------------------------------------------- */

/* Is `key` as sent ("ids" or "ids[]") the fixture's name (stored without "[]")? */
static bool query_name_is(const char *key, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(key, name, n) != 0)
        return false;
    return key[n] == '\0' || strcmp(key + n, "[]") == 0;
}

/* Fixture values are compared as text: numbers by value, booleans without
 * regard to case ("True" is what the official client sends). */
static bool query_value_is(const cJSON *want, const char *got)
{
    if (got == NULL)
        return false;
    if (cJSON_IsString(want))
        return strcmp(want->valuestring, got) == 0;
    if (cJSON_IsBool(want))
        return strcasecmp(got, cJSON_IsTrue(want) ? "true" : "false") == 0;
    if (cJSON_IsNumber(want)) {
        char *end = NULL;
        if (got[0] == '\0')
            return false;
        double d = strtod(got, &end);
        return *end == '\0' && d == want->valuedouble;
    }
    return false;
}

static bool query_matches(const cJSON *want, const civis_fixture_request *req)
{
    const cJSON *w = NULL;
    cJSON_ArrayForEach(w, want)
    {
        if (cJSON_IsArray(w)) {
            /* Repeated name[] values, in order, all of them. */
            const cJSON *el = w->child;
            for (size_t i = 0; i < req->n_query; i++) {
                if (req->query[i].key == NULL || !query_name_is(req->query[i].key, w->string))
                    continue;
                if (el == NULL || !query_value_is(el, req->query[i].value))
                    return false;
                el = el->next;
            }
            if (el != NULL)
                return false;
        } else {
            bool found = false;
            for (size_t i = 0; i < req->n_query && !found; i++)
                found = req->query[i].key != NULL && query_name_is(req->query[i].key, w->string) &&
                        query_value_is(w, req->query[i].value);
            if (!found)
                return false;
        }
    }
    return true;
}

/* ---- body ------------------------------------------------------------------ */

static bool body_matches(const cJSON *want, const cJSON *got)
{
    /* No body and "{}" are the same request (as in request validation). */
    if (got == NULL)
        return cJSON_IsObject(want) && want->child == NULL;
    return civis_json_contains(got, want, NULL, 0);
}

/* ---- the whole request ------------------------------------------------------ */

bool civis__fx_matches(const civis_fx_exchange *ex, const civis_fixture_request *req)
{
    if (req->method == NULL || req->path == NULL || strcasecmp(req->method, ex->verb) != 0)
        return false;
    if (ex->scope != NULL && (req->api_key == NULL || strcmp(req->api_key, ex->scope) != 0))
        return false;
    if (req->op != NULL && req->op != ex->op)
        return false;
    if (!path_matches(ex, req->path))
        return false;
    if (ex->query != NULL && !query_matches(ex->query, req))
        return false;
    if (ex->body != NULL && !body_matches(ex->body, req->body))
        return false;
    return true;
}

bool civis__fx_copy_response(const civis_fx_exchange *ex, const civis_fx_response *r,
                             civis_fixture_response *out)
{
    memset(out, 0, sizeof(*out));
    out->status = r->status;
    out->fixture_id = ex->id;
    snprintf(out->source, sizeof(out->source), "%s", ex->label);
    if (r->headers != NULL && (out->headers = cJSON_Duplicate(r->headers, 1)) == NULL)
        return false;
    if (r->body != NULL) {
        out->body = malloc(r->body_len + 1);
        if (out->body == NULL) {
            cJSON_Delete(out->headers);
            out->headers = NULL;
            return false;
        }
        memcpy(out->body, r->body, r->body_len + 1);
        out->body_len = r->body_len;
    }
    return true;
}

void civis_fixture_response_clear(civis_fixture_response *resp)
{
    if (resp == NULL)
        return;
    cJSON_Delete(resp->headers);
    free(resp->body);
    memset(resp, 0, sizeof(*resp));
}
