/*
 * paginate.c: limit / page_num on list operations.
 *
 * An array answer of a paginated operation is treated as the whole
 * collection: the page the request selects is cut out of it and the
 * X-Pagination-* headers say where it sits. The rules (page sizes, the
 * empty page past the end) are the spec engine's (civis/sys/answer.h), shared
 * with the in-process mock.
 */
#include <stdlib.h>

#include "mock.h"

static void drop_pagination_headers(cmock_reply *reply)
{
    size_t k = 0;
    for (size_t i = 0; i < reply->n_headers; i++) {
        if (civis_answer_is_pagination_header(reply->headers[i].name)) {
            free(reply->headers[i].name);
            free(reply->headers[i].value);
        } else {
            reply->headers[k++] = reply->headers[i];
        }
    }
    reply->n_headers = k;
}

bool cmock__paginate(cmock_reply *reply, const civis_operation *op, const cmock_request *req,
                     cJSON *collection, bool always)
{
    if (!always && !civis_answer_page_asked(req->query_kv, req->n_query)) {
        bool ok = cmock__reply_json(reply, reply->status, collection);
        cJSON_Delete(collection);
        return ok;
    }
    civis_answer_page page;
    cJSON *slice = civis_answer_paginate(&page, op, req->query_kv, req->n_query, collection);
    drop_pagination_headers(reply);
    bool ok = slice != NULL && civis_answer_page_headers(&page, cmock__reply_add, reply) &&
              cmock__reply_json(reply, reply->status, slice);
    cJSON_Delete(slice);
    return ok;
}
