/*
 * record_forward.c: sends a recorded request on to the upstream with
 * libcurl (TLS verification on, as libcurl defaults). Easy handles are
 * kept in a small free list so that their connections stay alive between
 * requests: a new TCP (and TLS) connection per request would cost more
 * than everything else the recorder does.
 *
 * API requests go through one curl-multi thread (cmock__record_forward_async)
 * while their connections are suspended: a worker blocked in
 * curl_easy_perform costs two thread switches per request, and those
 * switches, not the recording, were most of the recorder's CPU. The one
 * thread answers every upstream reply that is ready at each wake-up.
 * Stored-file transfers, large and rare, keep the blocking call.
 */
#include <ctype.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "mock.h"
#include "record.h"

#define POOL_MAX 64
#define FORWARD_TIMEOUT_S 300L
#define MAX_ANSWER (1024L * 1024L * 1024L) /* 1 GiB: a download buffered whole */

typedef struct sink {
    cmock_forward_result *res;
    size_t cap;
    bool storage;
    bool oom;
} sink;

/* One request handed to the multi thread. */
typedef struct call {
    CURL *h;
    struct curl_slist *hdrs;
    sink s;
    void (*done)(void *arg);
    void *arg;
    struct call *prev, *next; /* the queue, then the in-flight list */
} call;

struct cmock_forwarder {
    pthread_mutex_t mu;
    CURL *free_list[POOL_MAX]; /* idle handles, their connections open */
    size_t n_free;
    /* The multi thread's; `queue`, `stopping` and `quit` are under mu. */
    CURLM *multi;
    pthread_t thread;
    bool thread_started;
    call *queue;   /* submitted, not yet added to the multi handle */
    bool stopping; /* fail what is in flight and whatever comes next */
    bool quit;
    call *inflight;             /* the thread's own */
    CURL *multi_free[POOL_MAX]; /* idle handles of the multi thread (under mu) */
    size_t n_multi_free;
};

static void *multi_run(void *arg);

civis_status cmock__record_forwarder_new(cmock_forwarder **out, civis_error *err)
{
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return civis__fail(err, CIVIS_ETRANSPORT, "record-from", "cannot initialise libcurl");
    cmock_forwarder *fw = calloc(1, sizeof(*fw));
    if (fw == NULL || pthread_mutex_init(&fw->mu, NULL) != 0) {
        free(fw);
        curl_global_cleanup();
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory starting the recorder");
    }
    fw->multi = curl_multi_init();
    if (fw->multi == NULL || pthread_create(&fw->thread, NULL, multi_run, fw) != 0) {
        cmock__record_forwarder_free(fw);
        return civis__fail(err, CIVIS_ENOMEM, NULL, "cannot start the recorder's forwarder");
    }
    fw->thread_started = true;
    *out = fw;
    return CIVIS_OK;
}

void cmock__record_forwarder_stop(cmock_forwarder *fw)
{
    if (fw == NULL)
        return;
    pthread_mutex_lock(&fw->mu);
    fw->stopping = true;
    pthread_mutex_unlock(&fw->mu);
    curl_multi_wakeup(fw->multi);
}

void cmock__record_forwarder_free(cmock_forwarder *fw)
{
    if (fw == NULL)
        return;
    if (fw->thread_started) {
        pthread_mutex_lock(&fw->mu);
        fw->stopping = fw->quit = true;
        pthread_mutex_unlock(&fw->mu);
        curl_multi_wakeup(fw->multi);
        pthread_join(fw->thread, NULL);
    }
    for (size_t i = 0; i < fw->n_multi_free; i++)
        curl_easy_cleanup(fw->multi_free[i]);
    curl_multi_cleanup(fw->multi);
    for (size_t i = 0; i < fw->n_free; i++)
        curl_easy_cleanup(fw->free_list[i]);
    pthread_mutex_destroy(&fw->mu);
    free(fw);
    curl_global_cleanup();
}

static CURL *take(cmock_forwarder *fw)
{
    CURL *h = NULL;
    pthread_mutex_lock(&fw->mu);
    if (fw->n_free > 0)
        h = fw->free_list[--fw->n_free];
    pthread_mutex_unlock(&fw->mu);
    if (h != NULL)
        curl_easy_reset(h); /* keeps the connection cache */
    else
        h = curl_easy_init();
    return h;
}

static void give_back(cmock_forwarder *fw, CURL *h)
{
    pthread_mutex_lock(&fw->mu);
    if (fw->n_free < POOL_MAX) {
        fw->free_list[fw->n_free++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&fw->mu);
    if (h != NULL)
        curl_easy_cleanup(h);
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    sink *s = arg;
    cmock_forward_result *res = s->res;
    size_t len = size * n;
    if (res->body_len + len + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < res->body_len + len + 1)
            cap *= 2;
        if (cap > (size_t)MAX_ANSWER) {
            s->oom = true;
            return 0;
        }
        char *nb = realloc(res->body, cap);
        if (nb == NULL) {
            s->oom = true;
            return 0;
        }
        res->body = nb;
        s->cap = cap;
    }
    memcpy(res->body + res->body_len, data, len);
    res->body_len += len;
    res->body[res->body_len] = '\0';
    return len;
}

/* Headers of an API answer worth replaying; the rest describe the transfer
 * or the upstream's infrastructure (Date, Set-Cookie, X-Request-Id, ...). */
static bool kept_header(const char *name, bool storage)
{
    static const char *const api[] = {"Location", "Retry-After", "WWW-Authenticate", "Allow",
                                      "Link"};
    for (size_t i = 0; i < sizeof(api) / sizeof(api[0]); i++)
        if (strcasecmp(name, api[i]) == 0)
            return true;
    if (strncasecmp(name, "X-Pagination-", 13) == 0)
        return true;
    return storage && (strcasecmp(name, "ETag") == 0 || strcasecmp(name, "Content-Type") == 0 ||
                       strcasecmp(name, "Content-Disposition") == 0);
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    sink *s = arg;
    size_t len = size * n;
    /* A new status line (after 100 Continue or a redirect) starts afresh. */
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        cJSON_Delete(s->res->headers);
        s->res->headers = cJSON_CreateObject();
        if (s->res->headers == NULL)
            s->oom = true;
        return len;
    }
    const char *colon = memchr(data, ':', len);
    if (colon == NULL || s->res->headers == NULL)
        return len;
    char name[128];
    size_t nl = (size_t)(colon - data);
    if (nl == 0 || nl >= sizeof(name))
        return len;
    memcpy(name, data, nl);
    name[nl] = '\0';
    if (!kept_header(name, s->storage))
        return len;
    const char *v = colon + 1;
    const char *end = data + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    char *value = strndup(v, (size_t)(end - v));
    cJSON_DeleteItemFromObjectCaseSensitive(s->res->headers, name);
    if (value == NULL || cJSON_AddStringToObject(s->res->headers, name, value) == NULL)
        s->oom = true;
    free(value);
    return len;
}

static struct curl_slist *add_header(struct curl_slist *list, const char *name, const char *value,
                                     bool *ok)
{
    if (!*ok)
        return list;
    size_t n = strlen(name) + strlen(value) + 3;
    char *line = malloc(n);
    struct curl_slist *next = NULL;
    if (line != NULL) {
        /* "Name:" with nothing after it removes a header libcurl would add. */
        snprintf(line, n, *value ? "%s: %s" : "%s:%s", name, value);
        next = curl_slist_append(list, line);
        free(line);
    }
    if (next == NULL) {
        *ok = false;
        return list;
    }
    return next;
}

/* Sets a handle up for one request; false (res->error set) when out of
 * memory. The header list is the caller's to free after the transfer. */
static bool prepare(CURL *h, sink *s, struct curl_slist **hdrs_out, const char *url,
                    const char *method, const char *authorization, const char *content_type,
                    const char *body, size_t body_len)
{
    cmock_forward_result *res = s->res;
    res->headers = cJSON_CreateObject();
    bool ok = res->headers != NULL;
    struct curl_slist *hdrs = NULL;
    if (authorization != NULL)
        hdrs = add_header(hdrs, "Authorization", authorization, &ok);
    if (content_type != NULL)
        hdrs = add_header(hdrs, "Content-Type", content_type, &ok);
    else
        hdrs = add_header(hdrs, "Content-Type", "", &ok); /* none, not libcurl's form type */
    if (!s->storage)
        hdrs = add_header(hdrs, "Accept", "application/json", &ok);
    hdrs = add_header(hdrs, "Expect", "", &ok); /* no 100-continue round trip */
    *hdrs_out = hdrs;
    if (!ok) {
        snprintf(res->error, sizeof(res->error), "out of memory");
        return false;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, FORWARD_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(h, CURLOPT_PRIVATE, s);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    bool sends =
        strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;
    if ((body != NULL && body_len > 0) || sends) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body != NULL ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
    }
    return true;
}

/* The outcome of a finished transfer into s->res; false with res->error. */
static bool settle(CURL *h, CURLcode rc, sink *s)
{
    cmock_forward_result *res = s->res;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
    if (s->oom) {
        snprintf(res->error, sizeof(res->error), "out of memory reading the upstream's answer");
        return false;
    }
    if (rc != CURLE_OK) {
        snprintf(res->error, sizeof(res->error), "%s", curl_easy_strerror(rc));
        return false;
    }
    if (res->body == NULL) {
        res->body = strdup("");
        if (res->body == NULL) {
            snprintf(res->error, sizeof(res->error), "out of memory");
            return false;
        }
    }
    return true;
}

bool cmock__record_forward(cmock_forwarder *fw, const char *url, const char *method,
                           const char *authorization, const char *content_type, const char *body,
                           size_t body_len, bool storage, cmock_forward_result *res)
{
    memset(res, 0, sizeof(*res));
    CURL *h = take(fw);
    if (h == NULL) {
        snprintf(res->error, sizeof(res->error), "out of memory");
        return false;
    }
    sink s = {.res = res, .storage = storage};
    struct curl_slist *hdrs = NULL;
    bool ok = prepare(h, &s, &hdrs, url, method, authorization, content_type, body, body_len);
    CURLcode rc = ok ? curl_easy_perform(h) : CURLE_OUT_OF_MEMORY;
    ok = ok && settle(h, rc, &s);
    curl_slist_free_all(hdrs);
    give_back(fw, h);
    return ok;
}

/* ---- the multi thread -------------------------------------------------------- */

static void unlink_inflight(cmock_forwarder *fw, call *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        fw->inflight = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

/* Ends one call: its handle goes back to the thread's free list, then the
 * caller hears of it (after which c->s.res may be gone). */
static void complete(cmock_forwarder *fw, call *c, CURLcode rc, bool ran)
{
    if (!ran) {
        if (c->s.res->error[0] == '\0')
            snprintf(c->s.res->error, sizeof(c->s.res->error), "%s",
                     rc == CURLE_ABORTED_BY_CALLBACK ? "civis-mock is stopping"
                                                     : curl_easy_strerror(rc));
    } else {
        (void)settle(c->h, rc, &c->s);
    }
    curl_slist_free_all(c->hdrs);
    CURL *h = c->h;
    pthread_mutex_lock(&fw->mu);
    if (fw->n_multi_free < POOL_MAX) {
        fw->multi_free[fw->n_multi_free++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&fw->mu);
    if (h != NULL)
        curl_easy_cleanup(h);
    c->done(c->arg);
    free(c);
}

static void *multi_run(void *arg)
{
    cmock_forwarder *fw = arg;
    for (;;) {
        pthread_mutex_lock(&fw->mu);
        call *q = fw->queue;
        fw->queue = NULL;
        bool stopping = fw->stopping, quit = fw->quit;
        pthread_mutex_unlock(&fw->mu);
        /* The queue was pushed at its head: add the oldest first. */
        call *rev = NULL;
        while (q != NULL) {
            call *next = q->next;
            q->next = rev;
            rev = q;
            q = next;
        }
        for (call *c = rev, *next; c != NULL; c = next) {
            next = c->next;
            c->next = c->prev = NULL;
            if (stopping || curl_multi_add_handle(fw->multi, c->h) != CURLM_OK) {
                complete(fw, c, stopping ? CURLE_ABORTED_BY_CALLBACK : CURLE_OUT_OF_MEMORY, false);
                continue;
            }
            c->next = fw->inflight;
            if (fw->inflight != NULL)
                fw->inflight->prev = c;
            fw->inflight = c;
        }
        if (stopping) {
            while (fw->inflight != NULL) {
                call *c = fw->inflight;
                unlink_inflight(fw, c);
                curl_multi_remove_handle(fw->multi, c->h);
                complete(fw, c, CURLE_ABORTED_BY_CALLBACK, false);
            }
            if (quit)
                break;
        }
        int running = 0;
        curl_multi_perform(fw->multi, &running);
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(fw->multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            CURL *h = msg->easy_handle;
            CURLcode rc = msg->data.result;
            sink *s = NULL;
            curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&s);
            call *c = (call *)(void *)((char *)s - offsetof(call, s));
            curl_multi_remove_handle(fw->multi, h);
            unlink_inflight(fw, c);
            complete(fw, c, rc, true);
        }
        curl_multi_poll(fw->multi, NULL, 0, 1000, NULL);
    }
    return NULL;
}

bool cmock__record_forward_async(cmock_forwarder *fw, const char *url, const char *method,
                                 const char *authorization, const char *content_type,
                                 const char *body, size_t body_len, cmock_forward_result *res,
                                 void (*done)(void *arg), void *arg)
{
    memset(res, 0, sizeof(*res));
    call *c = calloc(1, sizeof(*c));
    CURL *h = NULL;
    if (c != NULL) {
        /* A handle of the multi's own list: the connections live in the
         * multi handle, so reuse saves setting a handle up, nothing more. */
        pthread_mutex_lock(&fw->mu);
        if (fw->n_multi_free > 0)
            h = fw->multi_free[--fw->n_multi_free];
        pthread_mutex_unlock(&fw->mu);
        if (h != NULL)
            curl_easy_reset(h);
        else
            h = curl_easy_init();
    }
    if (h == NULL) {
        free(c);
        snprintf(res->error, sizeof(res->error), "out of memory");
        return false;
    }
    c->h = h;
    c->s.res = res;
    c->done = done;
    c->arg = arg;
    if (!prepare(h, &c->s, &c->hdrs, url, method, authorization, content_type, body, body_len)) {
        curl_slist_free_all(c->hdrs);
        curl_easy_cleanup(h);
        free(c);
        return false;
    }
    pthread_mutex_lock(&fw->mu);
    /* Only the first call of a batch wakes the thread: it takes the whole
     * queue when it wakes, so later ones ride along (two syscalls fewer). */
    bool wake = fw->queue == NULL;
    c->next = fw->queue;
    fw->queue = c;
    pthread_mutex_unlock(&fw->mu);
    if (wake)
        curl_multi_wakeup(fw->multi);
    return true;
}

void cmock__record_forward_result_clear(cmock_forward_result *res)
{
    if (res == NULL)
        return;
    free(res->body);
    cJSON_Delete(res->headers);
    memset(res, 0, sizeof(*res));
}
