/*
 * mock_answer.c: the answers the mock gives when no behaviour is set, and
 * the body rules every answer shares.
 *
 * The order is civis-mock's (fixtures, x-examples, synthesis) and so are
 * the details that user code can see: a fixture or example is sent as
 * written, an array answer of a paginated operation is cut into pages by
 * limit / page_num with the X-Pagination-* headers the real API sends, and
 * a synthesized object that a path names carries that path's id. So one
 * fixture file gives the same answer here and over HTTP, and a pager over
 * any list operation ends. Those rules are the spec engine's
 * (civis/sys/answer.h), the same code civis-mock runs; this file only writes
 * them into a civis_http_response.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civis/sys/answer.h"
#include "mock_internal.h"

/* ---- headers ------------------------------------------------------------------ */

static civis_status add_header(civis_http_response *resp, const char *name, const char *value)
{
    return civis_http_response_add_header(resp, name, strlen(name), value, strlen(value));
}

static civis_status add_header_once(civis_http_response *resp, const char *name, const char *value)
{
    if (civis_http_response_header(resp, name) != NULL)
        return CIVIS_OK;
    return add_header(resp, name, value);
}

static bool add_header_cb(void *resp, const char *name, const char *value)
{
    return add_header(resp, name, value) == CIVIS_OK;
}

static void drop_pagination_headers(civis_http_response *resp)
{
    size_t k = 0;
    for (size_t i = 0; i < resp->n_headers; i++) {
        if (civis_answer_is_pagination_header(resp->headers[i].name)) {
            civis__free((void *)resp->headers[i].name);
            civis__free((void *)resp->headers[i].value);
        } else {
            resp->headers[k++] = resp->headers[i];
        }
    }
    resp->n_headers = k;
}

/* Recorded headers (an example's, a fixture's) without the transfer ones. */
static civis_status copy_headers(civis_http_response *resp, const cJSON *headers)
{
    return civis_answer_copy_headers(headers, add_header_cb, resp) ? CIVIS_OK : CIVIS_ENOMEM;
}

/* ---- error bodies --------------------------------------------------------------- */

/* The real API's error kinds and the descriptions the official client prints. */
static void error_words(long status, const char **kind, const char **desc)
{
    *kind = civis_answer_error_kind(status, desc);
    if (*desc == NULL) {
        const char *reason = civis__reason_phrase(status);
        *desc = *reason ? reason : "Error";
    }
}

static civis_status status_headers(civis_http_response *resp, long status)
{
    if (status == 401)
        return add_header_once(resp, "WWW-Authenticate", "Basic realm=\"Civis\"");
    if (status == 429)
        return add_header_once(resp, "Retry-After", "1");
    return CIVIS_OK;
}

civis_status civis__mock_error_body(civis_http_response *resp, long status)
{
    const char *kind, *desc;
    error_words(status, &kind, &desc);
    char body[256];
    int n =
        snprintf(body, sizeof(body), "{\"error\":\"%s\",\"errorDescription\":\"%s\",\"code\":%ld}",
                 kind, desc, status);
    resp->status = status;
    snprintf(resp->reason, sizeof(resp->reason), "%s", civis__reason_phrase(status));
    civis_status st = status_headers(resp, status);
    if (st == CIVIS_OK)
        st = add_header_once(resp, "Content-Type", "application/json");
    if (st == CIVIS_OK)
        st = civis_http_response_append_body(resp, body, (size_t)n);
    return st;
}

/* ---- pages ---------------------------------------------------------------------- */

/* Serves the page the query asks for out of `collection` (taken). */
static civis_status page(civis_http_response *resp, const civis_operation *op,
                         const civis_kv *query, size_t n_query, cJSON *collection)
{
    civis_answer_page pg;
    cJSON *slice = civis_answer_paginate(&pg, op, query, n_query, collection);
    drop_pagination_headers(resp);
    char *text = slice ? cJSON_PrintUnformatted(slice) : NULL;
    cJSON_Delete(slice);
    if (text == NULL)
        return CIVIS_ENOMEM;
    civis_status st = civis_answer_page_headers(&pg, add_header_cb, resp) ? CIVIS_OK : CIVIS_ENOMEM;
    if (st == CIVIS_OK &&
        (st = add_header_once(resp, "Content-Type", "application/json")) == CIVIS_OK)
        st = civis_http_response_append_body(resp, text, strlen(text));
    cJSON_free(text);
    return st;
}

static bool looks_like_array(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    return i < len && text[i] == '[';
}

civis_status civis__mock_fill(civis_http_response *resp, const civis_operation *op,
                              const char *query, long status, const char *text, size_t len,
                              mock_paging paging)
{
    resp->status = status;
    snprintf(resp->reason, sizeof(resp->reason), "%s", civis__reason_phrase(status));
    if (text == NULL && status >= 400)
        return civis__mock_error_body(resp, status);
    civis_status st = status_headers(resp, status);
    if (st != CIVIS_OK || text == NULL || civis_answer_no_body(status))
        return st;
    if (op != NULL && op->paginated && paging != MOCK_PAGE_NEVER && looks_like_array(text, len)) {
        civis_kv *kv = NULL;
        size_t n = 0;
        if (civis_answer_query_parse(&kv, &n, query) != CIVIS_OK)
            return CIVIS_ENOMEM;
        cJSON *doc = NULL;
        if (paging == MOCK_PAGE_ALWAYS || civis_answer_page_asked(kv, n))
            doc = cJSON_ParseWithLength(text, len);
        bool paged = cJSON_IsArray(doc);
        if (paged)
            st = page(resp, op, kv, n, doc);
        else
            cJSON_Delete(doc);
        civis_answer_query_free(kv, n);
        if (paged)
            return st;
    }
    if ((st = add_header_once(resp, "Content-Type", "application/json")) != CIVIS_OK)
        return st;
    return civis_http_response_append_body(resp, text, len);
}

/* ---- fixtures ------------------------------------------------------------------- */

static bool from_fixture(civis_mock *mock, const civis_operation *op, const civis_http_request *req,
                         const cJSON *body, civis_http_response *resp, civis_status *st)
{
    if (civis_fixtures_count(mock->fixtures) == 0)
        return false;
    /* the query as the server would decode it */
    civis_kv *kv = NULL;
    size_t n = 0;
    if ((*st = civis_answer_query_parse(&kv, &n, req->query)) != CIVIS_OK)
        return true;
    civis_fixture_request freq = {
        .method = req->method,
        .path = req->path,
        .op = op,
        .query = kv,
        .n_query = n,
        .body = body,
        .api_key = NULL, /* the mock has no real key: key-scoped exchanges are not ours */
    };
    civis_fixture_response fr;
    memset(&fr, 0, sizeof(fr));
    bool hit = civis_fixtures_match(mock->fixtures, &freq, &fr);
    civis_answer_query_free(kv, n);
    if (!hit)
        return false;
    *st = copy_headers(resp, fr.headers);
    if (*st == CIVIS_OK) {
        /* civis-mock's rule: recorded pages are re-cut only when asked */
        mock_paging paging =
            civis_answer_has_pagination(fr.headers) ? MOCK_PAGE_ASKED : MOCK_PAGE_ALWAYS;
        if (fr.body != NULL || fr.status < 400) {
            *st = civis__mock_fill(resp, op, req->query, fr.status, fr.body, fr.body_len, paging);
        } else {
            /* A fixture error without a body stays without one, as over HTTP. */
            resp->status = fr.status;
            snprintf(resp->reason, sizeof(resp->reason), "%s", civis__reason_phrase(fr.status));
        }
    }
    civis_fixture_response_clear(&fr);
    return true;
}

/* ---- examples and synthesis ------------------------------------------------------- */

static bool from_example(const civis_operation *op, const civis_http_request *req,
                         civis_http_response *resp, civis_status *st)
{
    int status = 0;
    const cJSON *headers = NULL;
    const char *text = NULL;
    if (!civis_spec_example(op, &status, &headers, &text))
        return false;
    *st = copy_headers(resp, headers);
    if (*st == CIVIS_OK) {
        if (text != NULL)
            *st =
                civis__mock_fill(resp, op, req->query, status, text, strlen(text), MOCK_PAGE_ASKED);
        else
            resp->status = status;
    }
    return true;
}

/* The route of the request, for the id a synthesized object carries; NULL
 * when it does not route (the path was built from op, so it does). */
static const civis_route *route_of(civis_route *route, const civis_spec *spec,
                                   const civis_http_request *req)
{
    return civis_spec_route(route, spec, req->method, req->path, NULL) == CIVIS_OK ? route : NULL;
}

static civis_status from_synthesis(civis_mock *mock, const civis_operation *op,
                                   const civis_http_request *req, civis_http_response *resp)
{
    long status = civis_answer_status(op);
    if (op->response_schema == NULL || civis_answer_no_body(status))
        return civis__mock_fill(resp, op, req->query, status, NULL, 0, MOCK_PAGE_ASKED);
    civis_route route;
    cJSON *body =
        civis_answer_synthesize(mock->spec, op, route_of(&route, mock->spec, req), mock->seed);
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    cJSON_Delete(body);
    if (text == NULL)
        return CIVIS_ENOMEM;
    civis_status st =
        civis__mock_fill(resp, op, req->query, status, text, strlen(text), MOCK_PAGE_ALWAYS);
    cJSON_free(text);
    return st;
}

civis_status civis__mock_default_answer(civis_mock *mock, const civis_operation *op,
                                        const civis_http_request *req, const cJSON *body,
                                        civis_http_response *resp, const char **source)
{
    civis_status st = CIVIS_OK;
    if (from_fixture(mock, op, req, body, resp, &st)) {
        *source = "fixture";
        return st;
    }
    if (from_example(op, req, resp, &st)) {
        *source = "example";
        return st;
    }
    *source = "synthesized";
    return from_synthesis(mock, op, req, resp);
}
