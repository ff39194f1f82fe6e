/*
 * answer.c: the default answers civis-mock and the in-process mock share
 * (see civis/sys/answer.h): recorded headers, synthesized bodies, pages and
 * error words.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "civis/sys/answer.h"
#include "urlenc.h"

/* ---- headers ------------------------------------------------------------- */

bool civis_answer_transfer_header(const char *name)
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

bool civis_answer_is_pagination_header(const char *name)
{
    return strncasecmp(name, "X-Pagination-", 13) == 0;
}

bool civis_answer_has_pagination(const cJSON *headers)
{
    for (const cJSON *h = headers ? headers->child : NULL; h != NULL; h = h->next)
        if (h->string != NULL && civis_answer_is_pagination_header(h->string))
            return true;
    return false;
}

bool civis_answer_copy_headers(const cJSON *headers, civis_answer_header_fn add, void *ctx)
{
    for (const cJSON *h = headers ? headers->child : NULL; h != NULL; h = h->next) {
        if (h->string == NULL || civis_answer_transfer_header(h->string))
            continue;
        char num[32];
        const char *v = NULL;
        if (cJSON_IsString(h))
            v = h->valuestring;
        else if (cJSON_IsNumber(h))
            v = (snprintf(num, sizeof(num), "%.17g", h->valuedouble), num);
        if (v != NULL && !add(ctx, h->string, v))
            return false;
    }
    return true;
}

/* ---- statuses and bodies ------------------------------------------------- */

long civis_answer_status(const civis_operation *op)
{
    return op->response_status ? op->response_status : 200;
}

bool civis_answer_no_body(long status)
{
    return status == 204 || status == 304 || (status >= 100 && status < 200);
}

/* A different, repeatable seed per operation and list element. */
static uint64_t op_seed(uint64_t seed, const civis_operation *op, uint64_t i)
{
    uint64_t x =
        seed ^ ((uint64_t)(op->index + 1) * 0x9E3779B97F4A7C15ull) ^ (i * 0xD1B54A32D192ED03ull);
    x ^= x >> 31;
    return x;
}

/* The id a path ends with ("/scripts/sql/7" -> 7), or -1. */
static long trailing_id(const civis_route *route, const civis_operation *op)
{
    size_t plen = strlen(op->path);
    while (plen > 0 && op->path[plen - 1] == '/')
        plen--;
    if (route == NULL || route->n_params == 0 || plen == 0 || op->path[plen - 1] != '}')
        return -1;
    const char *v = route->params[route->n_params - 1].value;
    char *end = NULL;
    long id = strtol(v, &end, 10);
    return (end != v && *end == '\0' && id >= 0) ? id : -1;
}

static cJSON *synth_list(const civis_spec *spec, const civis_operation *op, uint64_t seed)
{
    const cJSON *schema = civis_spec_deref(spec, op->response_schema);
    const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items");
    const cJSON *item_schema =
        civis_schema_type(schema) == CIVIS_TYPE_ARRAY && items ? items : op->response_schema;
    int n = op->paginated ? CIVIS_ANSWER_SYNTH_TOTAL : 2;
    cJSON *body = cJSON_CreateArray();
    for (int i = 0; body != NULL && i < n; i++) {
        civis_synth_options io = {.seed = op_seed(seed, op, (uint64_t)i + 1)};
        cJSON *item = civis_synthesize(spec, item_schema, &io);
        if (item == NULL || !cJSON_AddItemToArray(body, item)) {
            cJSON_Delete(item);
            cJSON_Delete(body);
            body = NULL;
        }
    }
    return body;
}

cJSON *civis_answer_synthesize(const civis_spec *spec, const civis_operation *op,
                               const civis_route *route, uint64_t seed)
{
    if (op->returns_array)
        return synth_list(spec, op, seed);
    civis_synth_options opts = {.seed = op_seed(seed, op, 0)};
    cJSON *body = civis_synthesize_response(spec, op, &opts);
    long id = trailing_id(route, op);
    cJSON *idv = cJSON_GetObjectItemCaseSensitive(body, "id");
    if (id >= 0 && cJSON_IsObject(body) && cJSON_IsNumber(idv))
        cJSON_SetNumberValue(idv, (double)id);
    return body;
}

const char *civis_answer_error_kind(long status, const char **description)
{
    const char *desc = NULL, *kind;
    switch (status) {
    case 400: kind = "invalid"; break;
    case 401:
        kind = "unauthorized";
        desc = "The access token provided is invalid.";
        break;
    case 403:
        kind = "forbidden";
        desc = "You do not have permission to perform this action.";
        break;
    case 404:
        kind = "not_found";
        desc = "The requested resource could not be found.";
        break;
    case 409: kind = "conflict"; break;
    case 429:
        kind = "too_many_requests";
        desc = "Rate limit exceeded.";
        break;
    case 500: kind = "internal_server_error"; break;
    case 502: kind = "bad_gateway"; break;
    case 503: kind = "service_unavailable"; break;
    case 504: kind = "gateway_timeout"; break;
    default: kind = status >= 500 ? "server_error" : "client_error"; break;
    }
    if (description != NULL)
        *description = desc;
    return kind;
}

/* The reason phrase of a status ("Not Found"), "" for one not listed. */
const char *civis_answer_reason(long status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    }
    return "";
}

/* ---- the query ----------------------------------------------------------- */

void civis_answer_query_free(civis_kv *query, size_t n)
{
    for (size_t i = 0; query != NULL && i < n; i++) {
        free((void *)query[i].key);
        free((void *)query[i].value);
    }
    free(query);
}

static char *decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (out != NULL)
        civis__urldecode(out, s, n, true);
    return out;
}

civis_status civis_answer_query_parse(civis_kv **out, size_t *n_out, const char *query)
{
    *out = NULL;
    *n_out = 0;
    if (query == NULL || *query == '\0')
        return CIVIS_OK;
    size_t cap = 1;
    for (const char *p = query; *p; p++)
        cap += *p == '&';
    civis_kv *kv = calloc(cap, sizeof(*kv));
    if (kv == NULL)
        return CIVIS_ENOMEM;
    size_t n = 0;
    for (const char *p = query; *p != '\0';) {
        size_t len = strcspn(p, "&");
        if (len > 0) {
            const char *eq = memchr(p, '=', len);
            size_t klen = eq ? (size_t)(eq - p) : len;
            char *k = decode(p, klen);
            char *v = eq ? decode(eq + 1, len - klen - 1) : decode("", 0);
            if (k == NULL || v == NULL) {
                free(k);
                free(v);
                civis_answer_query_free(kv, n);
                return CIVIS_ENOMEM;
            }
            kv[n++] = (civis_kv){k, v};
        }
        p += len + (p[len] == '&');
    }
    *out = kv;
    *n_out = n;
    return CIVIS_OK;
}

/* ---- pages ----------------------------------------------------------------- */

/* The first value of a query parameter as a positive integer; 0 when absent
 * or not one. *present says whether the name was there at all. */
static long query_long(const civis_kv *query, size_t n, const char *name, bool *present)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(query[i].key, name) != 0)
            continue;
        *present = true;
        char *end = NULL;
        long v = strtol(query[i].value, &end, 10);
        return (end != query[i].value && *end == '\0' && v > 0) ? v : 0;
    }
    return 0;
}

bool civis_answer_page_asked(const civis_kv *query, size_t n_query)
{
    bool present = false;
    query_long(query, n_query, "limit", &present);
    query_long(query, n_query, "page_num", &present);
    return present;
}

long civis_answer_page_size(const civis_operation *op, long limit)
{
    long per_page = limit > 0 ? limit : op->page_default;
    if (per_page <= 0)
        per_page = CIVIS_ANSWER_FALLBACK_LIMIT;
    return (op->page_max > 0 && per_page > op->page_max) ? op->page_max : per_page;
}

cJSON *civis_answer_paginate(civis_answer_page *page, const civis_operation *op,
                             const civis_kv *query, size_t n_query, cJSON *collection)
{
    bool present = false;
    long per_page = civis_answer_page_size(op, query_long(query, n_query, "limit", &present));
    long pg = query_long(query, n_query, "page_num", &present);
    if (pg <= 0)
        pg = 1;
    long total = cJSON_GetArraySize(collection);
    long pages = (total + per_page - 1) / per_page;
    *page = (civis_answer_page){per_page, pg, pages, total};
    cJSON *slice = cJSON_CreateArray();
    if (slice != NULL && pg - 1 < pages) {
        long start = (pg - 1) * per_page;
        for (long i = 0; i < per_page && start < cJSON_GetArraySize(collection); i++)
            cJSON_AddItemToArray(slice, cJSON_DetachItemFromArray(collection, (int)start));
    }
    cJSON_Delete(collection);
    return slice;
}

static bool add_num(civis_answer_header_fn add, void *ctx, const char *name, long v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%ld", v);
    return add(ctx, name, buf);
}

bool civis_answer_page_headers(const civis_answer_page *page, civis_answer_header_fn add, void *ctx)
{
    return add_num(add, ctx, "X-Pagination-Per-Page", page->per_page) &&
           add_num(add, ctx, "X-Pagination-Current-Page", page->current) &&
           add_num(add, ctx, "X-Pagination-Total-Pages", page->total_pages) &&
           add_num(add, ctx, "X-Pagination-Total-Entries", page->total_entries);
}
