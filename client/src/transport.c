/*
 * transport.c: the helpers a transport fills its civis_http_response with.
 * They allocate through alloc.c so that the client can free what any
 * transport built, and keep the body NUL-terminated so that it can be
 * parsed and printed without a copy.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "client_internal.h"

civis_status civis_http_response_add_header(civis_http_response *resp, const char *name,
                                            size_t name_len, const char *value, size_t value_len)
{
    if (resp == NULL || name == NULL || (value == NULL && value_len > 0) ||
        resp->header_block != NULL)
        return CIVIS_EINVAL;
    while (value_len > 0 && isspace((unsigned char)*value)) {
        value++;
        value_len--;
    }
    while (value_len > 0 && isspace((unsigned char)value[value_len - 1]))
        value_len--;
    if (resp->n_headers == resp->headers_cap) {
        size_t cap = resp->headers_cap ? resp->headers_cap * 2 : 16;
        civis_header *h = civis__realloc(resp->headers, cap * sizeof(*h));
        if (h == NULL)
            return CIVIS_ENOMEM;
        resp->headers = h;
        resp->headers_cap = cap;
    }
    /* Two blocks, name and value, each from the libcivis allocator (the
     * in-process mock edits header lists and frees them one by one). */
    char *n = civis__strndup(name, name_len);
    char *v = civis__strndup(value ? value : "", value_len);
    if (n == NULL || v == NULL) {
        civis__free(n);
        civis__free(v);
        return CIVIS_ENOMEM;
    }
    resp->headers[resp->n_headers++] = (civis_header){n, v};
    return CIVIS_OK;
}

civis_status civis_http_response_append_body(civis_http_response *resp, const char *data,
                                             size_t len)
{
    if (resp == NULL || (data == NULL && len > 0))
        return CIVIS_EINVAL;
    if (len == 0)
        return CIVIS_OK;
    if (resp->body_len + len + 1 > resp->body_cap) {
        size_t cap = resp->body_cap ? resp->body_cap : 1024;
        while (cap < resp->body_len + len + 1) {
            if (cap > (size_t)-1 / 2)
                return CIVIS_ENOMEM;
            cap *= 2;
        }
        char *b = civis__realloc(resp->body, cap);
        if (b == NULL)
            return CIVIS_ENOMEM;
        resp->body = b;
        resp->body_cap = cap;
    }
    memcpy(resp->body + resp->body_len, data, len);
    resp->body_len += len;
    resp->body[resp->body_len] = '\0';
    return CIVIS_OK;
}

const char *civis__header_find(const civis_header *headers, size_t n, const char *name)
{
    if (name == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(headers[i].name, name) == 0)
            return headers[i].value;
    return NULL;
}

const char *civis_http_response_header(const civis_http_response *resp, const char *name)
{
    return resp ? civis__header_find(resp->headers, resp->n_headers, name) : NULL;
}

void civis__headers_free(civis_header *headers, size_t n, char *block)
{
    if (block != NULL) {
        civis__free(block);
        civis__free(headers);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        civis__free((void *)headers[i].name);
        civis__free((void *)headers[i].value);
    }
    civis__free(headers);
}

void civis_http_response_clear(civis_http_response *resp)
{
    if (resp == NULL)
        return;
    civis__headers_free(resp->headers, resp->n_headers, resp->header_block);
    civis__free(resp->body);
    memset(resp, 0, sizeof(*resp));
}
