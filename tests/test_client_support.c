/* test_client_support.c: the scripted transport and client helpers of the
 * libcivis suites (see test_client_support.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "test.h"
#include "test_client_support.h"

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static civis_status fake_send(void *ctx, const civis_http_request *req, civis_http_response *resp,
                              civis_error *err)
{
    fake_transport *ft = ctx;
    if (ft->forbid) {
        CU_FAIL("the transport was called although the call should fail before any traffic");
        return CIVIS_ETRANSPORT;
    }
    pthread_mutex_lock(&ft->lock);
    if (ft->n_requests < FAKE_MAX_REQUESTS) {
        fake_request *r = &ft->requests[ft->n_requests++];
        snprintf(r->method, sizeof(r->method), "%s", req->method);
        r->url = strdup(req->url);
        r->path = strdup(req->path);
        r->query = strdup(req->query);
        r->body = req->body ? dup_n(req->body, req->body_len) : NULL;
        r->body_len = req->body_len;
        size_t total = 1;
        for (size_t i = 0; i < req->n_headers; i++)
            total += strlen(req->headers[i].name) + strlen(req->headers[i].value) + 3;
        r->headers = calloc(1, total);
        for (size_t i = 0; r->headers && i < req->n_headers; i++) {
            strcat(r->headers, req->headers[i].name);
            strcat(r->headers, ": ");
            strcat(r->headers, req->headers[i].value);
            strcat(r->headers, "\n");
        }
        r->op = req->op;
        r->attempt = req->attempt;
    }
    fake_reply rep = {404, NULL, NULL, CIVIS_OK, false};
    if (ft->n_replies > 0) {
        size_t i = ft->served < ft->n_replies ? ft->served : ft->n_replies - 1;
        rep = ft->replies[i];
        ft->served++;
    }
    pthread_mutex_unlock(&ft->lock);
    if (rep.fail != CIVIS_OK) {
        resp->connect_failed = rep.connect_failed;
        char m[64];
        snprintf(m, sizeof(m), "%s", rep.connect_failed ? "Couldn't connect" : "Empty reply");
        snprintf(err->message, sizeof(err->message), "%s %s: %s", req->method, req->path, m);
        err->code = rep.fail;
        return rep.fail;
    }
    resp->status = rep.status;
    for (const char *h = rep.headers; h && *h;) {
        const char *nl = strchr(h, '\n');
        size_t len = nl ? (size_t)(nl - h) : strlen(h);
        const char *colon = memchr(h, ':', len);
        if (colon != NULL &&
            civis_http_response_add_header(resp, h, (size_t)(colon - h), colon + 1,
                                           len - (size_t)(colon + 1 - h)) != CIVIS_OK)
            return CIVIS_ENOMEM;
        h += len + (nl ? 1 : 0);
    }
    if (rep.body != NULL &&
        civis_http_response_append_body(resp, rep.body, strlen(rep.body)) != CIVIS_OK)
        return CIVIS_ENOMEM;
    return CIVIS_OK;
}

const civis_transport fake_transport_table = {.name = "fake", .send = fake_send};

void fake_init(fake_transport *ft)
{
    memset(ft, 0, sizeof(*ft));
    pthread_mutex_init(&ft->lock, NULL);
}

void fake_clear(fake_transport *ft)
{
    for (size_t i = 0; i < ft->n_requests; i++) {
        free(ft->requests[i].url);
        free(ft->requests[i].path);
        free(ft->requests[i].query);
        free(ft->requests[i].body);
        free(ft->requests[i].headers);
    }
    ft->n_requests = 0;
    ft->n_replies = 0;
    ft->served = 0;
    pthread_mutex_destroy(&ft->lock);
    pthread_mutex_init(&ft->lock, NULL);
}

void fake_push(fake_transport *ft, long status, const char *headers, const char *body)
{
    if (ft->n_replies < FAKE_MAX_REPLIES)
        ft->replies[ft->n_replies++] = (fake_reply){status, headers, body, CIVIS_OK, false};
}

const char *fake_header(const fake_transport *ft, size_t i, const char *name, char *buf, size_t len)
{
    if (i >= ft->n_requests || ft->requests[i].headers == NULL)
        return NULL;
    size_t nlen = strlen(name);
    for (const char *h = ft->requests[i].headers; *h;) {
        const char *nl = strchr(h, '\n');
        size_t l = nl ? (size_t)(nl - h) : strlen(h);
        if (l > nlen + 1 && strncasecmp(h, name, nlen) == 0 && h[nlen] == ':') {
            snprintf(buf, len, "%.*s", (int)(l - nlen - 2), h + nlen + 2);
            return buf;
        }
        h += l + (nl ? 1 : 0);
    }
    return NULL;
}

civis_client *fake_client(fake_transport *ft, const civis_client_options *extra)
{
    civis_client_options o = extra ? *extra : (civis_client_options){0};
    if (o.api_key == NULL)
        o.api_key = "test-key";
    if (o.base_url == NULL)
        o.base_url = "http://civis.test/";
    if (o.spec == NULL && o.spec_path == NULL && o.spec_buffer == NULL)
        o.bundled_spec = true;
    o.retry.zero_wait = true;
    o.retry.ignore_retry_after = true;
    o.transport = &fake_transport_table;
    o.transport_ctx = ft;
    civis_client *c = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_client_new(&c, &o, &err) != CIVIS_OK)
        fprintf(stderr, "\n  fake_client: %s\n", err.message);
    return c;
}

civis_client *mock_client(const civis_mockproc *mp, const char *key,
                          const civis_client_options *extra)
{
    civis_client_options o = extra ? *extra : (civis_client_options){0};
    o.api_key = key;
    o.base_url = mp->base_url;
    if (o.cache_dir == NULL)
        o.no_spec_cache = true;
    if (!o.retry.zero_wait && o.retry.max_attempts == 0) {
        o.retry.zero_wait = true;
        o.retry.ignore_retry_after = true;
    }
    civis_client *c = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_client_new(&c, &o, &err) != CIVIS_OK)
        fprintf(stderr, "\n  mock_client: %s\n", err.message);
    return c;
}

bool mock_reset(const civis_mockproc *mp)
{
    return civis_mockproc_json(NULL, mp, "POST", "/__mock/reset", NULL, NULL) == 200;
}

long mock_admin(const civis_mockproc *mp, const char *path, const char *json)
{
    return civis_mockproc_json(NULL, mp, "POST", path, NULL, json);
}

cJSON *mock_journal(const civis_mockproc *mp, const char *query)
{
    char path[512];
    snprintf(path, sizeof(path), "/__mock/journal%s%s", query ? "?" : "", query ? query : "");
    cJSON *j = NULL;
    civis_mockproc_json(&j, mp, "GET", path, NULL, NULL);
    return j;
}

cJSON *mock_calls(const civis_mockproc *mp, const char *query)
{
    cJSON *j = mock_journal(mp, query);
    for (cJSON *e = j ? j->child : NULL; e != NULL;) {
        cJSON *next = e->next;
        const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "path"));
        if (path != NULL && strcmp(path, "/endpoints") == 0)
            cJSON_Delete(cJSON_DetachItemViaPointer(j, e));
        e = next;
    }
    return j;
}
