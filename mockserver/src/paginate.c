/*
 * paginate.c: limit / page_num on list operations.
 *
 * An array answer of a paginated operation is treated as the whole
 * collection: the page the request selects is cut out of it and the
 * X-Pagination-Per-Page, -Current-Page, -Total-Pages and -Total-Entries
 * headers say where it sits. The official client walks pages until one comes
 * back empty, so a page past the end is an empty array, never a repeat.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mock.h"

#define FALLBACK_LIMIT 20

/* The number after `marker` in text ("Defaults to 20", "Defaults to its
 * maximum of 50", "Maximum allowed is 1000"); 0 when absent. */
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

/* The limit parameter's description: its page size rules are written there
 * in prose, the spec has no "default"/"maximum" keywords for them. */
static const char *limit_description(const civis_operation *op)
{
    const civis_param *p = civis_operation_param(op, "limit");
    if (p == NULL || p->schema == NULL)
        return NULL;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(p->schema, "description");
    return cJSON_IsString(d) ? d->valuestring : NULL;
}

int civis__mock_default_limit(const civis_operation *op)
{
    const char *d = limit_description(op);
    long v = d ? number_after(d, "efaults to ") : 0;
    return v > 0 ? (int)v : FALLBACK_LIMIT;
}

static long max_limit(const civis_operation *op)
{
    const char *d = limit_description(op);
    long v = d ? number_after(d, "aximum allowed is ") : 0;
    if (v == 0 && d != NULL)
        v = number_after(d, "maximum of ");
    return v;
}

/* The first value of a query parameter as a positive integer; 0 when
 * absent or not a positive integer (validation has already rejected text). */
static long query_long(const civis_mock_request *req, const char *name, bool *present)
{
    for (size_t i = 0; i < req->n_query; i++) {
        if (strcmp(req->query_kv[i].key, name) != 0)
            continue;
        *present = true;
        char *end = NULL;
        long v = strtol(req->query_kv[i].value, &end, 10);
        return (end != req->query_kv[i].value && *end == '\0' && v > 0) ? v : 0;
    }
    return 0;
}

static void drop_pagination_headers(civis_mock_reply *reply)
{
    size_t k = 0;
    for (size_t i = 0; i < reply->n_headers; i++) {
        if (strncasecmp(reply->headers[i].name, "X-Pagination-", 13) == 0) {
            free(reply->headers[i].name);
            free(reply->headers[i].value);
        } else {
            reply->headers[k++] = reply->headers[i];
        }
    }
    reply->n_headers = k;
}

static bool add_num_header(civis_mock_reply *reply, const char *name, long v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%ld", v);
    return civis__mock_reply_header(reply, name, buf);
}

bool civis__mock_paginate(civis_mock_reply *reply, const civis_operation *op,
                          const civis_mock_request *req, cJSON *collection, bool always)
{
    bool has_limit = false, has_page = false;
    long limit = query_long(req, "limit", &has_limit);
    long page = query_long(req, "page_num", &has_page);
    if (!always && !has_limit && !has_page) {
        bool ok = civis__mock_reply_json(reply, reply->status, collection);
        cJSON_Delete(collection);
        return ok;
    }
    long per_page = limit > 0 ? limit : civis__mock_default_limit(op);
    long max = max_limit(op);
    if (max > 0 && per_page > max)
        per_page = max; /* the real API caps the page size quietly */
    if (page <= 0)
        page = 1;
    long total = cJSON_GetArraySize(collection);
    long pages = (total + per_page - 1) / per_page;

    cJSON *slice = cJSON_CreateArray();
    bool ok = slice != NULL;
    if (ok && page - 1 < pages) {
        long start = (page - 1) * per_page;
        for (long i = 0; i < per_page && start < cJSON_GetArraySize(collection); i++) {
            cJSON *item = cJSON_DetachItemFromArray(collection, (int)start);
            cJSON_AddItemToArray(slice, item);
        }
    }
    cJSON_Delete(collection);
    drop_pagination_headers(reply);
    ok = ok && add_num_header(reply, "X-Pagination-Per-Page", per_page) &&
         add_num_header(reply, "X-Pagination-Current-Page", page) &&
         add_num_header(reply, "X-Pagination-Total-Pages", pages) &&
         add_num_header(reply, "X-Pagination-Total-Entries", total) &&
         civis__mock_reply_json(reply, reply->status, slice);
    cJSON_Delete(slice);
    return ok;
}
