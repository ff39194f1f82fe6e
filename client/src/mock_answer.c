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
 * any list operation ends.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mock_internal.h"

#define FALLBACK_LIMIT 20 /* page size when the limit's description names none */
#define SYNTH_TOTAL 5     /* entries of a synthesized paginated list, as civis-mock */

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

static void drop_pagination_headers(civis_http_response *resp)
{
    size_t k = 0;
    for (size_t i = 0; i < resp->n_headers; i++) {
        if (strncasecmp(resp->headers[i].name, "X-Pagination-", 13) == 0) {
            civis__free((void *)resp->headers[i].name);
            civis__free((void *)resp->headers[i].value);
        } else {
            resp->headers[k++] = resp->headers[i];
        }
    }
    resp->n_headers = k;
}

/* Headers recorded with an example or written in a fixture that describe
 * the original transfer, not the answer. */
static bool transfer_header(const char *name)
{
    static const char *const skip[] = {"Content-Length",   "Transfer-Encoding",
                                       "Connection",       "Keep-Alive",
                                       "Content-Encoding", "Date",
                                       "Server",           NULL};
    for (size_t i = 0; skip[i] != NULL; i++)
        if (strcasecmp(name, skip[i]) == 0)
            return true;
    return false;
}

static bool has_pagination_header(const cJSON *headers)
{
    for (const cJSON *h = headers ? headers->child : NULL; h != NULL; h = h->next)
        if (h->string != NULL && strncasecmp(h->string, "X-Pagination-", 13) == 0)
            return true;
    return false;
}

static civis_status copy_headers(civis_http_response *resp, const cJSON *headers)
{
    for (const cJSON *h = headers ? headers->child : NULL; h != NULL; h = h->next) {
        if (h->string == NULL || transfer_header(h->string))
            continue;
        char num[32];
        const char *v = NULL;
        if (cJSON_IsString(h))
            v = h->valuestring;
        else if (cJSON_IsNumber(h))
            v = (snprintf(num, sizeof(num), "%.17g", h->valuedouble), num);
        civis_status st = v ? add_header(resp, h->string, v) : CIVIS_OK;
        if (st != CIVIS_OK)
            return st;
    }
    return CIVIS_OK;
}

/* ---- error bodies --------------------------------------------------------------- */

/* The real API's error kinds and the descriptions the official client prints. */
static void error_words(long status, const char **kind, const char **desc)
{
    const char *reason = civis__reason_phrase(status);
    *desc = *reason ? reason : "Error";
    switch (status) {
    case 400: *kind = "invalid"; break;
    case 401:
        *kind = "unauthorized";
        *desc = "The access token provided is invalid.";
        break;
    case 403:
        *kind = "forbidden";
        *desc = "You do not have permission to perform this action.";
        break;
    case 404:
        *kind = "not_found";
        *desc = "The requested resource could not be found.";
        break;
    case 409: *kind = "conflict"; break;
    case 429:
        *kind = "too_many_requests";
        *desc = "Rate limit exceeded.";
        break;
    case 500: *kind = "internal_server_error"; break;
    case 502: *kind = "bad_gateway"; break;
    case 503: *kind = "service_unavailable"; break;
    case 504: *kind = "gateway_timeout"; break;
    default: *kind = status >= 500 ? "server_error" : "client_error"; break;
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

long civis__mock_query_long(const char *query, const char *name)
{
    size_t nlen = strlen(name);
    for (const char *p = query; p != NULL && *p != '\0';) {
        if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            char *end = NULL;
            long v = strtol(p + nlen + 1, &end, 10);
            return (end != p + nlen + 1 && (*end == '&' || *end == '\0') && v > 0) ? v : 0;
        }
        p = strchr(p, '&');
        p = p ? p + 1 : NULL;
    }
    return 0;
}

static bool query_has(const char *query, const char *name)
{
    size_t nlen = strlen(name);
    for (const char *p = query; p != NULL && *p != '\0';) {
        if (strncmp(p, name, nlen) == 0 && p[nlen] == '=')
            return true;
        p = strchr(p, '&');
        p = p ? p + 1 : NULL;
    }
    return false;
}

/* The number after `marker` in the limit's description ("Defaults to 20",
 * "Maximum allowed is 1000"): the spec states page sizes only in prose. */
static long number_after(const char *text, const char *marker)
{
    const char *p = strstr(text, marker);
    if (p == NULL)
        return 0;
    p += strlen(marker);
    if (strncmp(p, "its maximum of ", 15) == 0)
        p += 15;
    if (!isdigit((unsigned char)*p))
        return 0;
    long v = strtol(p, NULL, 10);
    return v > 0 && v < 1000000 ? v : 0;
}

static const char *limit_description(const civis_operation *op)
{
    const civis_param *p = civis_operation_param(op, "limit");
    const cJSON *d =
        p && p->schema ? cJSON_GetObjectItemCaseSensitive(p->schema, "description") : NULL;
    return cJSON_IsString(d) ? d->valuestring : NULL;
}

static long page_size(const civis_operation *op, long limit)
{
    const char *d = limit_description(op);
    long per_page = limit > 0 ? limit : (d ? number_after(d, "efaults to ") : 0);
    if (per_page <= 0)
        per_page = FALLBACK_LIMIT;
    long max = d ? number_after(d, "aximum allowed is ") : 0;
    if (max == 0 && d != NULL)
        max = number_after(d, "maximum of ");
    return (max > 0 && per_page > max) ? max : per_page; /* the API caps quietly */
}

static civis_status add_num_header(civis_http_response *resp, const char *name, long v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%ld", v);
    return add_header(resp, name, buf);
}

/* Serves the page the query asks for out of `collection` (taken). */
static civis_status page(civis_http_response *resp, const civis_operation *op, const char *query,
                         cJSON *collection)
{
    long per_page = page_size(op, civis__mock_query_long(query, "limit"));
    long pg = civis__mock_query_long(query, "page_num");
    if (pg <= 0)
        pg = 1;
    long total = cJSON_GetArraySize(collection);
    long pages = (total + per_page - 1) / per_page;
    cJSON *slice = cJSON_CreateArray();
    civis_status st = slice ? CIVIS_OK : CIVIS_ENOMEM;
    if (st == CIVIS_OK && pg - 1 < pages) {
        long start = (pg - 1) * per_page;
        for (long i = 0; i < per_page && start < cJSON_GetArraySize(collection); i++)
            cJSON_AddItemToArray(slice, cJSON_DetachItemFromArray(collection, (int)start));
    }
    cJSON_Delete(collection);
    drop_pagination_headers(resp);
    char *text = st == CIVIS_OK ? cJSON_PrintUnformatted(slice) : NULL;
    cJSON_Delete(slice);
    if (text == NULL)
        return CIVIS_ENOMEM;
    if ((st = add_num_header(resp, "X-Pagination-Per-Page", per_page)) == CIVIS_OK &&
        (st = add_num_header(resp, "X-Pagination-Current-Page", pg)) == CIVIS_OK &&
        (st = add_num_header(resp, "X-Pagination-Total-Pages", pages)) == CIVIS_OK &&
        (st = add_num_header(resp, "X-Pagination-Total-Entries", total)) == CIVIS_OK &&
        (st = add_header_once(resp, "Content-Type", "application/json")) == CIVIS_OK)
        st = civis_http_response_append_body(resp, text, strlen(text));
    cJSON_free(text);
    return st;
}

static bool no_body_status(long status)
{
    return status == 204 || status == 304 || (status >= 100 && status < 200);
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
    if (st != CIVIS_OK || text == NULL || no_body_status(status))
        return st;
    if (op != NULL && op->paginated && paging != MOCK_PAGE_NEVER && looks_like_array(text, len) &&
        (paging == MOCK_PAGE_ALWAYS || query_has(query, "limit") || query_has(query, "page_num"))) {
        cJSON *doc = cJSON_ParseWithLength(text, len);
        if (cJSON_IsArray(doc))
            return page(resp, op, query, doc);
        cJSON_Delete(doc);
    }
    if ((st = add_header_once(resp, "Content-Type", "application/json")) != CIVIS_OK)
        return st;
    return civis_http_response_append_body(resp, text, len);
}

/* ---- fixtures ------------------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* Percent-decodes s[0..n) ('+' is a space, as a server's form decoder reads it). */
static char *decode(const char *s, size_t n)
{
    char *out = civis__malloc(n + 1);
    if (out == NULL)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = hexval((unsigned char)s[i + 2])) >= 0) {
            out[j++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[j++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    out[j] = '\0';
    return out;
}

typedef struct query_pairs {
    civis_kv *kv;
    size_t n;
} query_pairs;

static void pairs_clear(query_pairs *q)
{
    for (size_t i = 0; i < q->n; i++) {
        civis__free((void *)q->kv[i].key);
        civis__free((void *)q->kv[i].value);
    }
    civis__free(q->kv);
}

/* The query string as the server would decode it, for fixture matching. */
static civis_status split_query(query_pairs *q, const char *query)
{
    memset(q, 0, sizeof(*q));
    size_t n = (query && *query) ? 1 : 0;
    for (const char *p = query; n && *p; p++)
        n += *p == '&';
    if (n == 0)
        return CIVIS_OK;
    if ((q->kv = civis__calloc(n, sizeof(*q->kv))) == NULL)
        return CIVIS_ENOMEM;
    for (const char *p = query; *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t klen = eq ? (size_t)(eq - p) : len;
            char *k = decode(p, klen);
            char *v = eq ? decode(eq + 1, len - klen - 1) : decode("", 0);
            if (k == NULL || v == NULL) {
                civis__free(k);
                civis__free(v);
                pairs_clear(q);
                return CIVIS_ENOMEM;
            }
            q->kv[q->n++] = (civis_kv){k, v};
        }
        p += len + (amp ? 1 : 0);
    }
    return CIVIS_OK;
}

static bool from_fixture(civis_mock *mock, const civis_operation *op, const civis_http_request *req,
                         const cJSON *body, civis_http_response *resp, civis_status *st)
{
    if (civis_fixtures_count(mock->fixtures) == 0)
        return false;
    query_pairs q;
    if ((*st = split_query(&q, req->query)) != CIVIS_OK)
        return true;
    civis_fixture_request freq = {
        .method = req->method,
        .path = req->path,
        .op = op,
        .query = q.kv,
        .n_query = q.n,
        .body = body,
        .api_key = NULL, /* the mock has no real key: key-scoped exchanges are not ours */
    };
    civis_fixture_response fr;
    memset(&fr, 0, sizeof(fr));
    bool hit = civis_fixtures_match(mock->fixtures, &freq, &fr);
    pairs_clear(&q);
    if (!hit)
        return false;
    *st = copy_headers(resp, fr.headers);
    if (*st == CIVIS_OK) {
        /* civis-mock's rule: recorded pages are re-cut only when asked */
        mock_paging paging = has_pagination_header(fr.headers) ? MOCK_PAGE_ASKED : MOCK_PAGE_ALWAYS;
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

/* A different, repeatable seed per operation and list element (civis-mock's
 * rule), so that two operations do not answer the same ids. */
static uint64_t op_seed(uint64_t seed, const civis_operation *op, uint64_t i)
{
    uint64_t x =
        seed ^ ((uint64_t)(op->index + 1) * 0x9E3779B97F4A7C15ull) ^ (i * 0xD1B54A32D192ED03ull);
    x ^= x >> 31;
    return x;
}

/* The id a path ends with ("/scripts/sql/7" -> 7), or -1. */
static long trailing_id(const civis_spec *spec, const civis_operation *op,
                        const civis_http_request *req)
{
    size_t plen = strlen(op->path);
    while (plen > 0 && op->path[plen - 1] == '/')
        plen--;
    if (plen == 0 || op->path[plen - 1] != '}')
        return -1;
    civis_route route;
    if (civis_spec_route(&route, spec, req->method, req->path, NULL) != CIVIS_OK ||
        route.n_params == 0)
        return -1;
    const char *v = route.params[route.n_params - 1].value;
    char *end = NULL;
    long id = strtol(v, &end, 10);
    return (end != v && *end == '\0' && id >= 0) ? id : -1;
}

static cJSON *synth_list(const civis_mock *mock, const civis_operation *op)
{
    const cJSON *schema = civis_spec_deref(mock->spec, op->response_schema);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items");
    const cJSON *item_schema =
        civis_schema_type(schema) == CIVIS_TYPE_ARRAY && items ? items : op->response_schema;
    int n = op->paginated ? SYNTH_TOTAL : 2;
    cJSON *body = cJSON_CreateArray();
    for (int i = 0; body != NULL && i < n; i++) {
        civis_synth_options io = {.seed = op_seed(mock->seed, op, (uint64_t)i + 1)};
        cJSON *item = civis_synthesize(mock->spec, item_schema, &io);
        if (item == NULL || !cJSON_AddItemToArray(body, item)) {
            cJSON_Delete(item);
            cJSON_Delete(body);
            body = NULL;
        }
    }
    return body;
}

static civis_status from_synthesis(civis_mock *mock, const civis_operation *op,
                                   const civis_http_request *req, civis_http_response *resp)
{
    long status = op->response_status ? op->response_status : 200;
    if (op->response_schema == NULL || no_body_status(status))
        return civis__mock_fill(resp, op, req->query, status, NULL, 0, MOCK_PAGE_ASKED);
    cJSON *body = NULL;
    if (op->returns_array) {
        /* Each element seeded by its position, so page 2 holds the same
         * elements whatever the page size. */
        body = synth_list(mock, op);
    } else {
        civis_synth_options opts = {.seed = op_seed(mock->seed, op, 0)};
        body = civis_synthesize_response(mock->spec, op, &opts);
        long id = trailing_id(mock->spec, op, req);
        cJSON *idv = cJSON_GetObjectItemCaseSensitive(body, "id");
        if (id >= 0 && cJSON_IsObject(body) && cJSON_IsNumber(idv))
            cJSON_SetNumberValue(idv, (double)id);
    }
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
