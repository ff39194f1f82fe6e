/*
 * presigned.c: libcurl plumbing for presigned storage URLs (uploadUrl,
 * uploadUrls[], fileUrl). These requests are not API calls: they go to the
 * storage, so they carry no Authorization header, no JSON body and no API
 * retry rules; the byte streams are read from the source (or written to
 * the destination) as they go instead of sitting in memory. A transport
 * with a presigned hook (the in-process mock) is handed each transfer
 * instead (civis__presigned_via_transport); the libcurl transport has
 * none, so its transfers run here.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "files_internal.h"

#define DEFAULT_ATTEMPTS 5
#define DEFAULT_WAIT_MS 1000
#define MAX_WAIT_S 30.0
#define DEFAULT_TIMEOUT_MS 60000
#define DEFAULT_DEADLINE_MS 3600000L

civis_status civis__xfer_init(civis__xfer *x, const civis_client *client,
                              const civis_file_options *o, civis_error *err)
{
    civis_file_options d = {0};
    if (o == NULL)
        o = &d;
    if (o->max_attempts < 0)
        return civis__fail(err, CIVIS_EINVAL, "max_attempts", "max_attempts must be >= 0, got %d",
                           o->max_attempts);
    if (o->parallel < 0)
        return civis__fail(err, CIVIS_EINVAL, "parallel", "parallel must be >= 0, got %d",
                           o->parallel);
    if (o->retry_wait_ms < 0 || o->connect_timeout_ms < 0 || o->stall_timeout_ms < 0 ||
        o->timeout_ms < 0)
        return civis__fail(err, CIVIS_EINVAL,
                           o->retry_wait_ms < 0        ? "retry_wait_ms"
                           : o->connect_timeout_ms < 0 ? "connect_timeout_ms"
                           : o->stall_timeout_ms < 0   ? "stall_timeout_ms"
                                                       : "timeout_ms",
                           "timeouts and waits must be >= 0");
    x->timeout_ms = o->timeout_ms ? o->timeout_ms : DEFAULT_DEADLINE_MS;
    x->deadline = civis__now() + (double)x->timeout_ms / 1000.0;
    x->max_attempts = o->max_attempts ? o->max_attempts : DEFAULT_ATTEMPTS;
    x->wait_s = (double)(o->retry_wait_ms ? o->retry_wait_ms : DEFAULT_WAIT_MS) / 1000.0;
    x->no_wait = o->no_retry_wait;
    x->connect_ms = o->connect_timeout_ms ? o->connect_timeout_ms : DEFAULT_TIMEOUT_MS;
    long stall_ms = o->stall_timeout_ms ? o->stall_timeout_ms : DEFAULT_TIMEOUT_MS;
    x->stall_s = stall_ms < 1000 ? 1 : stall_ms / 1000;
    x->parallel = o->parallel ? o->parallel : 4;
    x->user_agent = client ? civis_client_user_agent(client) : NULL;
    x->client = client;
    return CIVIS_OK;
}

/* ---- through the client's transport -------------------------------------------- */

bool civis__presigned_by_transport(const civis__xfer *x)
{
    return x->client != NULL && x->client->transport.presigned != NULL;
}

civis_status civis__presigned_via_transport(const civis__xfer *x, const char *what,
                                            const civis_presigned_request *req, const int *io_errno,
                                            civis_error *err)
{
    if (civis__xfer_expired(x))
        return civis__presigned_fail(err, x, what, req->url, CURLE_OPERATION_TIMEDOUT, 0, NULL,
                                     NULL, 1, 0);
    civis_presigned_response resp = {0, ""};
    civis_error e = CIVIS_ERROR_INIT;
    civis_status st = x->client->transport.presigned(x->client->transport_ctx, req, &resp, &e);
    if (io_errno != NULL && *io_errno != 0)
        return civis__presigned_fail(err, x, what, req->url, CURLE_OK, 0, NULL, NULL, 1, *io_errno);
    if (st != CIVIS_OK)
        return civis__fail(err, st, e.param, "%s failed: %s", what, e.message);
    if (resp.status >= 200 && resp.status < 300)
        return CIVIS_OK;
    civis__errbody body = {.len = 0};
    civis__errbody_write(resp.message, 1, strlen(resp.message), &body);
    return civis__presigned_fail(err, x, what, req->url, CURLE_OK, resp.status, NULL, &body, 1, 0);
}

/* ---- reading the source ------------------------------------------------------ */

size_t civis__cursor_read(char *buf, size_t size, size_t nitems, void *arg)
{
    civis__cursor *c = arg;
    size_t want = size * nitems;
    uint64_t left = c->len - c->pos;
    if (want > left)
        want = (size_t)left;
    if (want == 0)
        return 0;
    uint64_t at = c->base + c->pos;
    if (c->src->buf != NULL) {
        memcpy(buf, c->src->buf + at, want);
    } else {
        ssize_t got;
        do
            got = pread(c->src->fd, buf, want, (off_t)at);
        while (got < 0 && errno == EINTR);
        if (got <= 0) {
            /* A short file (truncated under us) is as fatal as a failed read. */
            c->read_errno = got < 0 ? errno : EIO;
            return CURL_READFUNC_ABORT;
        }
        want = (size_t)got;
    }
    c->pos += want;
    return want;
}

int civis__cursor_seek(void *arg, curl_off_t offset, int origin)
{
    civis__cursor *c = arg;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > c->len)
        return CURL_SEEKFUNC_CANTSEEK;
    c->pos = (uint64_t)offset;
    return CURL_SEEKFUNC_OK;
}

size_t civis__errbody_write(char *data, size_t size, size_t nmemb, void *arg)
{
    civis__errbody *b = arg;
    size_t n = size * nmemb;
    size_t room = sizeof(b->text) - 1 - b->len;
    size_t take = n < room ? n : room;
    memcpy(b->text + b->len, data, take);
    b->len += take;
    b->text[b->len] = '\0';
    return n; /* the rest is dropped, not an error */
}

/* ---- one request --------------------------------------------------------------- */

civis_status civis__presigned_setup(CURL *h, const civis__xfer *x, const char *url, bool raw,
                                    char *errbuf, struct curl_slist **hdrs, civis_error *err)
{
    *hdrs = NULL;
    errbuf[0] = '\0';
    /* No Expect: 100-continue (the official client never waits for one),
     * and for raw PUTs no Content-Type: a presigned PUT is signed without. */
    struct curl_slist *l = curl_slist_append(NULL, "Expect:");
    struct curl_slist *l2 = l && raw ? curl_slist_append(l, "Content-Type:") : l;
    if (l2 == NULL) {
        curl_slist_free_all(l);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory preparing a presigned request");
    }
    *hdrs = l2;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    if (rc == CURLE_OK)                                                                            \
    rc = curl_easy_setopt(h, opt, val)
    SET(CURLOPT_URL, url);
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, x->connect_ms);
    /* The official client gives presigned requests a 60 s (read) timeout;
     * a whole-transfer limit would cut large files, a stall limit does not. */
    SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
    SET(CURLOPT_LOW_SPEED_TIME, x->stall_s);
    /* A stall limit does not stop a server that drips a byte a second: the
     * transfer as a whole also has a deadline (timeout_ms). */
    double left_ms = (x->deadline - civis__now()) * 1000.0;
    SET(CURLOPT_TIMEOUT_MS, left_ms < 1.0 ? 1L : (left_ms > 1e12 ? 0L : (long)left_ms));
    SET(CURLOPT_HTTPHEADER, *hdrs);
    if (x->user_agent != NULL)
        SET(CURLOPT_USERAGENT, x->user_agent);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
#undef SET
    if (rc != CURLE_OK) {
        curl_slist_free_all(*hdrs);
        *hdrs = NULL;
        return civis__fail(err, rc == CURLE_OUT_OF_MEMORY ? CIVIS_ENOMEM : CIVIS_ETRANSPORT, "",
                           "cannot set up a presigned request: %s", curl_easy_strerror(rc));
    }
    return CIVIS_OK;
}

bool civis__presigned_retryable(CURLcode rc, long status)
{
    switch (rc) {
    case CURLE_OK: return status == 429 || status >= 500;
    case CURLE_ABORTED_BY_CALLBACK:
    case CURLE_READ_ERROR:
    case CURLE_WRITE_ERROR:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return false; /* our side failed: another try fails the same way */
    default: return true;
    }
}

double civis__presigned_backoff(const civis__xfer *x, int attempt)
{
    if (x->no_wait)
        return 0;
    double w = x->wait_s;
    for (int i = 1; i < attempt && w < MAX_WAIT_S; i++)
        w *= 2;
    return w < MAX_WAIT_S ? w : MAX_WAIT_S;
}

/* "http://host:port" of a URL: presigned queries carry signatures, which do
 * not belong in messages or logs. */
static void origin(char *buf, size_t len, const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "/?#");
    snprintf(buf, len, "%.*s%.*s", (int)(p - url), url, (int)n, p);
}

bool civis__xfer_expired(const civis__xfer *x)
{
    return civis__now() >= x->deadline;
}

civis_status civis__presigned_fail(civis_error *err, const civis__xfer *x, const char *what,
                                   const char *url, CURLcode rc, long status, const char *errbuf,
                                   const civis__errbody *body, int attempts, int io_errno)
{
    char where[160], tries[40] = "";
    origin(where, sizeof(where), url);
    if (attempts > 1)
        snprintf(tries, sizeof(tries), " (after %d attempts)", attempts);
    if (io_errno != 0)
        return civis__fail(err, CIVIS_EIO, "", "%s: %s%s", what, strerror(io_errno), tries);
    if (rc == CURLE_OPERATION_TIMEDOUT && civis__xfer_expired(x))
        return civis__fail(err, CIVIS_ETRANSPORT, "timeout_ms",
                           "%s to %s did not finish within the transfer deadline "
                           "(timeout_ms %ld)%s",
                           what, where, x->timeout_ms, tries);
    if (rc == CURLE_OK) {
        bool fresh = err != NULL && err->code == CIVIS_OK;
        civis__fail(err, CIVIS_EHTTP, "", "(%ld) %s was refused by the storage at %s%s: %s", status,
                    what, where, tries, body && body->len ? body->text : "(empty body)");
        if (fresh)
            err->http_status = status;
        return CIVIS_EHTTP;
    }
    return civis__fail(err, rc == CURLE_OUT_OF_MEMORY ? CIVIS_ENOMEM : CIVIS_ETRANSPORT, "",
                       "%s to %s failed: %s%s", what, where,
                       errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc), tries);
}
