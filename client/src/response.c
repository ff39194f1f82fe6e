/*
 * response.c: civis_response, what a successful call returns. It takes the
 * transport's buffers over (no copy). The body is checked to be JSON when
 * the call returns, and turned into a cJSON tree the first time a getter
 * needs it: building the tree costs more than the whole HTTP exchange on a
 * kept-alive connection, and many calls never read their body. The parse
 * happens once, under the response's lock, so a response may still be read
 * from several threads at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client_internal.h"

cJSON *civis__parse_body(const char *body, size_t len, size_t *err_offset, bool *oom)
{
    *oom = false;
    /* Checked first: cJSON's NULL means either bad JSON or no memory. */
    if (!civis__json_check(body, len, err_offset))
        return NULL;
    /* cJSON wants the terminating NUL inside the length it is given when it
     * checks that nothing follows the value; every body keeps one. */
    cJSON *doc = cJSON_ParseWithLengthOpts(body, len + 1, NULL, 1);
    *oom = doc == NULL;
    return doc;
}

civis_status civis__response_new(civis_response **out, civis_http_response *resp,
                                 const char *method, const char *path_url, int retries,
                                 bool json_values, bool parse, civis_error *err)
{
    *out = NULL;
    civis_response *r = civis__calloc(1, sizeof(*r));
    char *m = civis__strdup(method);
    char *p = civis__strdup(path_url);
    if (r == NULL || m == NULL || p == NULL) {
        civis__free(r);
        civis__free(m);
        civis__free(p);
        civis_http_response_clear(resp);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for the response");
    }
    r->status = resp->status;
    r->headers = resp->headers;
    r->n_headers = resp->n_headers;
    r->header_block = resp->header_block;
    r->body = resp->body;
    r->body_len = resp->body_len;
    r->retries = retries;
    r->json_values = json_values;
    r->method = m;
    r->path = p;
    /* The buffers now belong to r. */
    resp->headers = NULL;
    resp->header_block = NULL;
    resp->n_headers = resp->headers_cap = 0;
    resp->body = NULL;
    resp->body_len = resp->body_cap = 0;
    civis_http_response_clear(resp);

    bool lazy = false;
    size_t skip = 0;
    while (skip < r->body_len && strchr(" \t\r\n", r->body[skip]) != NULL)
        skip++;
    if (parse && skip < r->body_len) {
        size_t off = 0;
        if (!civis__json_check(r->body, r->body_len, &off)) {
            civis_status st = civis__fail(
                err, CIVIS_EPARSE, "body",
                "Unable to parse JSON from response: invalid JSON at byte %zu of %zu (%s %s)", off,
                r->body_len, method, path_url);
            if (err != NULL && err->code == CIVIS_EPARSE)
                err->http_status = r->status;
            civis_response_free(r);
            return st;
        }
        lazy = true;
    }
    if (pthread_mutex_init(&r->lock, NULL) != 0) {
        r->locked = false;
        civis_response_free(r);
        return civis__fail(err, CIVIS_ENOMEM, "", "cannot create a mutex for the response");
    }
    r->locked = true;
    atomic_init(&r->parsed, !lazy);
    *out = r;
    return CIVIS_OK;
}

void civis_response_free(civis_response *resp)
{
    if (resp == NULL)
        return;
    civis__headers_free(resp->headers, resp->n_headers, resp->header_block);
    civis__free(resp->body);
    cJSON_Delete(resp->json);
    if (resp->locked)
        pthread_mutex_destroy(&resp->lock);
    civis__free(resp->method);
    civis__free(resp->path);
    civis__free(resp);
}

/*
 * Builds the cJSON tree on first use. The response is logically constant:
 * the tree is a cache of the body, so the const is cast away here only.
 * Running out of memory leaves it unparsed, to be tried again next time.
 */
static civis_status ensure_json(const civis_response *cresp, civis_error *err)
{
    civis_response *r = (civis_response *)cresp;
    if (atomic_load_explicit(&r->parsed, memory_order_acquire))
        return CIVIS_OK;
    pthread_mutex_lock(&r->lock);
    if (!atomic_load_explicit(&r->parsed, memory_order_relaxed)) {
        /* The NUL after the body must be inside the length cJSON is given
         * for it to check that nothing follows the value. */
        r->json = cJSON_ParseWithLengthOpts(r->body, r->body_len + 1, NULL, 1);
        if (r->json != NULL)
            atomic_store_explicit(&r->parsed, true, memory_order_release);
    }
    bool ok = r->json != NULL;
    pthread_mutex_unlock(&r->lock);
    if (!ok)
        return civis__fail(err, CIVIS_ENOMEM, "body", "out of memory parsing a %zu-byte body",
                           r->body_len);
    return CIVIS_OK;
}

long civis_response_status(const civis_response *resp)
{
    return resp ? resp->status : 0;
}

const char *civis_response_header(const civis_response *resp, const char *name)
{
    return resp ? civis__header_find(resp->headers, resp->n_headers, name) : NULL;
}

size_t civis_response_header_count(const civis_response *resp)
{
    return resp ? resp->n_headers : 0;
}

const civis_header *civis_response_header_at(const civis_response *resp, size_t i)
{
    return (resp && i < resp->n_headers) ? &resp->headers[i] : NULL;
}

long civis__header_number(const civis_response *resp, const char *name)
{
    const char *v = civis_response_header(resp, name);
    if (v == NULL || *v < '0' || *v > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    return (errno == 0 && *end == '\0') ? n : -1;
}

long civis_response_rate_limit(const civis_response *resp)
{
    return civis__header_number(resp, "X-RateLimit-Limit");
}

long civis_response_calls_remaining(const civis_response *resp)
{
    return civis__header_number(resp, "X-RateLimit-Remaining");
}

int civis_response_retries(const civis_response *resp)
{
    return resp ? resp->retries : 0;
}

const char *civis_response_method(const civis_response *resp)
{
    return resp ? resp->method : NULL;
}

const char *civis_response_path(const civis_response *resp)
{
    return resp ? resp->path : NULL;
}

const cJSON *civis_response_json(const civis_response *resp)
{
    if (resp == NULL || ensure_json(resp, NULL) != CIVIS_OK)
        return NULL;
    return resp->json;
}

const char *civis_response_body(const civis_response *resp, size_t *len)
{
    if (len != NULL)
        *len = resp ? resp->body_len : 0;
    return (resp && resp->body_len > 0) ? resp->body : NULL;
}

cJSON *civis_response_take_json(civis_response *resp)
{
    if (resp == NULL || ensure_json(resp, NULL) != CIVIS_OK)
        return NULL;
    cJSON *j = resp->json;
    resp->json = NULL;
    return j;
}

/* ---- by path ------------------------------------------------------------------ */

const cJSON *civis_response_get(const civis_response *resp, const char *path)
{
    char why[8];
    if (resp == NULL || ensure_json(resp, NULL) != CIVIS_OK)
        return NULL;
    return civis__json_path(resp->json, path, resp->json_values, why, sizeof(why));
}

#define CHECK_ARGS(out)                                                                            \
    do {                                                                                           \
        if ((out) == NULL)                                                                         \
            return civis__fail(err, CIVIS_EINVAL, "out", "no output given");                       \
        *(out) = 0; /* the one out-parameter rule: 0 / NULL after a failure */                     \
        if (resp == NULL)                                                                          \
            return civis__fail(err, CIVIS_EINVAL, "resp", "no response given");                    \
        civis_status ready_ = ensure_json(resp, err);                                              \
        if (ready_ != CIVIS_OK)                                                                    \
            return ready_;                                                                         \
    } while (0)

civis_status civis_response_int(long long *out, const civis_response *resp, const char *path,
                                civis_error *err)
{
    CHECK_ARGS(out);
    const cJSON *v = NULL;
    civis_status st =
        civis__json_typed(&v, resp->json, path, resp->json_values, -1, "the response", err);
    if (st == CIVIS_OK)
        *out = (long long)v->valuedouble;
    return st;
}

civis_status civis_response_double(double *out, const civis_response *resp, const char *path,
                                   civis_error *err)
{
    CHECK_ARGS(out);
    const cJSON *v = NULL;
    civis_status st = civis__json_typed(&v, resp->json, path, resp->json_values, cJSON_Number,
                                        "the response", err);
    if (st == CIVIS_OK)
        *out = v->valuedouble;
    return st;
}

civis_status civis_response_bool(bool *out, const civis_response *resp, const char *path,
                                 civis_error *err)
{
    CHECK_ARGS(out);
    const cJSON *v = NULL;
    civis_status st =
        civis__json_typed(&v, resp->json, path, resp->json_values, cJSON_True, "the response", err);
    if (st == CIVIS_OK)
        *out = cJSON_IsTrue(v);
    return st;
}

civis_status civis_response_string(const char **out, const civis_response *resp, const char *path,
                                   civis_error *err)
{
    CHECK_ARGS(out);
    const cJSON *v = NULL;
    civis_status st = civis__json_typed(&v, resp->json, path, resp->json_values, cJSON_String,
                                        "the response", err);
    if (st == CIVIS_OK)
        *out = v->valuestring;
    return st;
}

size_t civis_response_len(const civis_response *resp, const char *path)
{
    const cJSON *v = civis_response_get(resp, path);
    return cJSON_IsArray(v) ? (size_t)cJSON_GetArraySize(v) : 0;
}

const cJSON *civis_response_at(const civis_response *resp, const char *path, size_t i)
{
    const cJSON *v = civis_response_get(resp, path);
    if (!cJSON_IsArray(v) || i >= (size_t)cJSON_GetArraySize(v))
        return NULL;
    return cJSON_GetArrayItem(v, (int)i);
}
