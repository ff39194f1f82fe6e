/*
 * curl_transport.c: the default transport, libcurl easy handles.
 *
 * Keep-alive: a client keeps a small pool of easy handles behind a mutex.
 * A call borrows one, performs, and gives it back; each handle keeps its
 * own cache of live connections, so the next call that borrows it reuses
 * the connection (handles are reused most-recently-returned first, which
 * keeps the warm ones busy). The handles also share DNS results and TLS
 * sessions through one CURLSH with lock callbacks.
 *
 * Why not share the connection cache itself (CURL_LOCK_DATA_CONNECT)?
 * libcurl documents that a shared connection cache is not safe between
 * concurrent threads (a known bug: two handles can pick the same
 * connection), and a client is meant to be used from many threads. A
 * handle is never used by two threads at once, so its private cache is.
 *
 * TLS verification is libcurl's default (peer and host on) and nothing
 * here turns it off; ca_file only adds trust.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "client_internal.h"

typedef struct curl_ctx {
    CURLSH *share;
    pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
    pthread_mutex_t pool_lock;
    CURL **idle; /* handles ready for reuse, most recent last */
    size_t n_idle;
    size_t max_idle;
    char *ca_file;
} curl_ctx;

const char *civis__curl_version(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    return (v && v->version) ? v->version : LIBCURL_VERSION;
}

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *user)
{
    (void)h;      /* required by the libcurl lock signature */
    (void)access; /* one exclusive lock per kind of data is enough */
    curl_ctx *ctx = user;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&ctx->share_locks[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *user)
{
    (void)h; /* required by the libcurl unlock signature */
    curl_ctx *ctx = user;
    if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&ctx->share_locks[data]);
}

/* One exchange in flight: where libcurl's callbacks write. Header lines go
 * into one growing block, "name\0value\0" after another, and become the
 * response's header array once the transfer is over: two allocations for
 * all the headers instead of two per header. */
typedef struct exchange {
    civis_http_response *resp;
    char *block; /* the header strings */
    size_t len, cap;
    size_t count;
    bool oom;
    size_t max_body; /* 0: no limit */
    bool too_big;    /* the body passed max_body: transfer aborted */
} exchange;

static bool block_put(exchange *x, const char *s, size_t n)
{
    if (x->len + n + 1 > x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 1024;
        while (cap < x->len + n + 1)
            cap *= 2;
        char *b = civis__realloc(x->block, cap);
        if (b == NULL)
            return false;
        x->block = b;
        x->cap = cap;
    }
    memcpy(x->block + x->len, s, n);
    x->block[x->len + n] = '\0';
    x->len += n + 1;
    return true;
}

/* Turns the block into resp's header array (the block moves to resp). */
static bool headers_finish(exchange *x)
{
    civis_http_response *r = x->resp;
    if (x->count == 0) {
        civis__free(x->block);
        x->block = NULL;
        return true;
    }
    civis_header *h = civis__malloc(x->count * sizeof(*h));
    if (h == NULL)
        return false;
    const char *p = x->block;
    for (size_t i = 0; i < x->count; i++) {
        h[i].name = p;
        p += strlen(p) + 1;
        h[i].value = p;
        p += strlen(p) + 1;
    }
    r->headers = h;
    r->n_headers = r->headers_cap = x->count;
    r->header_block = x->block;
    x->block = NULL;
    return true;
}

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    exchange *x = user;
    if (x->max_body > 0 && size * n > x->max_body - x->resp->body_len) {
        x->too_big = true;
        return 0; /* aborts the transfer before the body outgrows the limit */
    }
    if (civis_http_response_append_body(x->resp, data, size * n) != CIVIS_OK) {
        x->oom = true;
        return 0; /* aborts the transfer */
    }
    return size * n;
}

static size_t on_header(char *data, size_t size, size_t n, void *user)
{
    exchange *x = user;
    size_t len = size * n;
    civis_http_response *r = x->resp;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new status line (after a 100 Continue): start over. */
        x->len = 0;
        x->count = 0;
        r->reason[0] = '\0';
        const char *sp = memchr(data, ' ', len);
        const char *sp2 = sp ? memchr(sp + 1, ' ', len - (size_t)(sp + 1 - data)) : NULL;
        if (sp2 != NULL) {
            const char *rs = sp2 + 1;
            size_t rl = len - (size_t)(rs - data);
            while (rl > 0 && (rs[rl - 1] == '\r' || rs[rl - 1] == '\n'))
                rl--;
            snprintf(r->reason, sizeof(r->reason), "%.*s", (int)rl, rs);
        }
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (colon == NULL)
        return len; /* the blank line that ends the headers */
    const char *v = colon + 1;
    size_t vlen = len - (size_t)(v - data);
    while (vlen > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    while (vlen > 0 && (v[vlen - 1] == '\n' || v[vlen - 1] == '\r' || v[vlen - 1] == ' ' ||
                        v[vlen - 1] == '\t'))
        vlen--;
    if (!block_put(x, data, (size_t)(colon - data)) || !block_put(x, v, vlen)) {
        x->oom = true;
        return 0;
    }
    x->count++;
    return len;
}

/* Options that never change for a client's handles: set once per handle. */
static void configure(curl_ctx *ctx, CURL *h, const civis_http_request *req)
{
    curl_easy_setopt(h, CURLOPT_SHARE, ctx->share);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for timeouts */
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (ctx->ca_file != NULL)
        curl_easy_setopt(h, CURLOPT_CAINFO, ctx->ca_file);
    (void)req;
}

static CURL *borrow(curl_ctx *ctx, const civis_http_request *req)
{
    CURL *h = NULL;
    pthread_mutex_lock(&ctx->pool_lock);
    if (ctx->n_idle > 0)
        h = ctx->idle[--ctx->n_idle];
    pthread_mutex_unlock(&ctx->pool_lock);
    if (h == NULL && (h = curl_easy_init()) != NULL)
        configure(ctx, h, req);
    return h;
}

/* Returns a handle to the pool with its live connection, or closes it when
 * the pool is full. Pointers into the finished call are cleared first. */
static void give_back(curl_ctx *ctx, CURL *h)
{
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, NULL);
    pthread_mutex_lock(&ctx->pool_lock);
    if (ctx->n_idle < ctx->max_idle) {
        ctx->idle[ctx->n_idle++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&ctx->pool_lock);
    if (h != NULL)
        curl_easy_cleanup(h);
}

static civis_status curl_send(void *vctx, const civis_http_request *req, civis_http_response *resp,
                              civis_error *err)
{
    curl_ctx *ctx = vctx;
    CURL *h = borrow(ctx, req);
    if (h == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for a libcurl handle");
    struct curl_slist *hdrs = NULL;
    bool oom = false;
    for (size_t i = 0; i < req->n_headers && !oom; i++) {
        /* "Name: value" by hand: this runs for every header of every call. */
        size_t nl = strlen(req->headers[i].name), vl = strlen(req->headers[i].value);
        char line[1024];
        char *buf = nl + vl + 3 <= sizeof(line) ? line : civis__malloc(nl + vl + 3);
        struct curl_slist *next = NULL;
        if (buf != NULL) {
            memcpy(buf, req->headers[i].name, nl);
            memcpy(buf + nl, ": ", 2);
            memcpy(buf + nl + 2, req->headers[i].value, vl + 1);
            next = curl_slist_append(hdrs, buf);
            if (buf != line)
                civis__free(buf);
        }
        if (next == NULL)
            oom = true;
        else
            hdrs = next;
    }
    /* No "Expect: 100-continue" round trip on larger bodies. */
    struct curl_slist *next = oom ? NULL : curl_slist_append(hdrs, "Expect:");
    if (next == NULL) {
        curl_slist_free_all(hdrs);
        give_back(ctx, h);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for the request headers");
    }
    hdrs = next;

    exchange x = {.resp = resp, .max_body = req->max_body_bytes};
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
    /* A Content-Length over the limit is refused before any byte arrives;
     * a body without one is cut in on_body. */
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_body_bytes);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
    /* The verb: HTTPGET clears whatever the handle's previous call set
     * (a POST body, NOBODY), then the method is set as needed. */
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, NULL);
    if (req->body != NULL) {
        /* A body on any verb, GET included: the official client sends one. */
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    } else if (strcasecmp(req->method, "HEAD") == 0) {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (strcasecmp(req->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    }

    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdrs);
    give_back(ctx, h);

    if (x.oom || !headers_finish(&x)) {
        civis__free(x.block);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory reading the response");
    }
    if (x.too_big || rc == CURLE_FILESIZE_EXCEEDED) {
        resp->status = 0;
        return civis__fail(err, CIVIS_ETRANSPORT, "max_response_bytes",
                           "%s %s: the response body is larger than max_response_bytes (%zu "
                           "bytes); raise civis_client_options.max_response_bytes if it is "
                           "expected",
                           req->method, req->path, req->max_body_bytes);
    }
    if (rc != CURLE_OK) {
        resp->connect_failed = rc == CURLE_COULDNT_CONNECT;
        resp->status = 0;
        return civis__fail(err, CIVIS_ETRANSPORT, "", "%s %s: %s", req->method, req->path,
                           errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    resp->status = status;
    return CIVIS_OK;
}

static void curl_destroy(void *vctx)
{
    curl_ctx *ctx = vctx;
    if (ctx == NULL)
        return;
    for (size_t i = 0; i < ctx->n_idle; i++)
        curl_easy_cleanup(ctx->idle[i]);
    if (ctx->share != NULL)
        curl_share_cleanup(ctx->share);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_destroy(&ctx->share_locks[i]);
    pthread_mutex_destroy(&ctx->pool_lock);
    civis__free(ctx->idle);
    civis__free(ctx->ca_file);
    civis__free(ctx);
}

civis_status civis__curl_transport_new(civis_transport *table, void **out,
                                       const civis_client_options *opts, civis_error *err)
{
    *out = NULL;
    curl_ctx *ctx = civis__calloc(1, sizeof(*ctx));
    if (ctx == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for the libcurl transport");
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&ctx->share_locks[i], NULL);
    pthread_mutex_init(&ctx->pool_lock, NULL);
    ctx->max_idle = opts->max_handles > 0 ? (size_t)opts->max_handles : 8;
    ctx->idle = civis__calloc(ctx->max_idle, sizeof(CURL *));
    ctx->ca_file = civis__strdup(opts->ca_file);
    ctx->share = curl_share_init();
    if (ctx->idle == NULL || ctx->share == NULL || (opts->ca_file && ctx->ca_file == NULL)) {
        curl_destroy(ctx);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for the libcurl transport");
    }
    if (curl_share_setopt(ctx->share, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
        curl_share_setopt(ctx->share, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
        curl_share_setopt(ctx->share, CURLSHOPT_USERDATA, ctx) != CURLSHE_OK ||
        curl_share_setopt(ctx->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_share_setopt(ctx->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
        curl_destroy(ctx);
        return civis__fail(err, CIVIS_ETRANSPORT, "", "libcurl refused the shared cache set-up");
    }
    /* No presigned hook: with libcurl, presigned transfers stream through
     * presigned.c / files_io.c / multipart.c on handles of their own, with
     * the transfer's size caps, stall limit, deadline and retries, and
     * parts in parallel, which one send()-like call could not carry. */
    *table = (civis_transport){
        .name = "curl", .send = curl_send, .destroy = curl_destroy, .presigned = NULL};
    *out = ctx;
    return CIVIS_OK;
}
