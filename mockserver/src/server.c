/*
 * server.c: the libmicrohttpd side of civis-mock. Assembles each request
 * (method, raw path and query, headers, body up to --max-body), hands it to
 * the admin API or the pipeline, journals it, and sends the reply.
 *
 * Per-request state lives in *req_cls: created by the URI callback (which
 * sees the raw, still percent-encoded target), freed in the
 * NOTIFY_COMPLETED callback whatever way the request ended.
 */
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "mock.h"
#include "sim.h"

/* Big enough for any real request's headers, small enough that a 1 MB
 * header is refused by MHD (431) instead of growing without bound. Not
 * larger: MHD zeroes the whole pool between keep-alive requests, so its
 * size is paid on every request. */
#define CONNECTION_MEMORY (32 * 1024)
#define STOP_GRACE_MS 5000
/* Connections in all; a client address gets --max-conns-per-ip of them, so
 * one flood (or one leaky test) never takes the health check's place. */
#define CONNECTION_LIMIT 4096

typedef struct conn_state {
    cmock_request req;
    bool started;     /* the access handler has seen this request */
    bool too_large;   /* the body passed --max-body */
    bool answered;    /* a reply was queued before the body ended (early 413) */
    size_t body_seen; /* bytes that arrived, kept or not */
    size_t body_cap;
    size_t body_expected; /* Content-Length when it is within --max-body, else 0 */
    void *storage;        /* a /__storage/ request's own state (sim_files.c) */
    struct timespec t0;
    size_t n_params;       /* query parameters in the raw target */
    bool delayed;          /* suspended by a fault's delay; `pending` goes out on resume */
    cmock_record_job *job; /* suspended while the recorder forwards (record.c) */
    cmock_reply pending;
    const char *pending_source; /* for the log line */
    cJSON *parsed;              /* the request's parsed body: freed after the answer went out */
} conn_state;

/* Splits the raw query into decoded pairs, form-style (%XX, '+' is a
 * space), as Rails (and so the real API) reads what the official client
 * sends. */
static bool parse_query(cmock_request *req)
{
    return civis_answer_query_parse(&req->query_kv, &req->n_query, req->query) == CIVIS_OK;
}

static void state_free(conn_state *s)
{
    if (s == NULL)
        return;
    free(s->req.method);
    free(s->req.path);
    free(s->req.query);
    civis_answer_query_free(s->req.query_kv, s->req.n_query);
    free(s->req.body);
    cmock__reply_clear(&s->pending);
    cJSON_Delete(s->parsed);
    free(s);
}

static conn_state *state_new(const char *uri)
{
    conn_state *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    clock_gettime(CLOCK_MONOTONIC, &s->t0);
    size_t plen = strcspn(uri, "?");
    s->req.path = strndup(uri, plen);
    s->req.query = strdup(uri[plen] == '?' ? uri + plen + 1 : "");
    if (s->req.path == NULL || s->req.query == NULL) {
        state_free(s);
        return NULL;
    }
    /* A fragment is never sent by clients; drop one if it is. */
    char *hash = strchr(s->req.query, '#');
    if (hash != NULL)
        *hash = '\0';
    for (const char *p = s->req.query; *p != '\0'; p += *p != '\0') {
        size_t n = strcspn(p, "&;");
        s->n_params += n > 0;
        p += n;
    }
    return s;
}

/*
 * MHD_OPTION_URI_LOG_CALLBACK: its return value becomes *req_cls.
 *
 * The query is ours to parse (state_new keeps the raw text), so MHD is kept
 * from parsing it too: it stores each argument in the connection's 32 KB
 * memory pool, and a thousand of them exhaust the pool before any handler
 * runs; MHD then cannot even send its 431 and holds the connection. MHD
 * calls this callback with the request line it will parse next (the URI is
 * the writable read buffer, declared const); ending the string right after
 * the '?' leaves it an empty argument list.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
    (void)cls; /* required by the MHD callback signature */
    (void)con;
    if (uri == NULL)
        return NULL;
    conn_state *s = state_new(uri);
    char *q = strchr(uri, '?');
    if (q != NULL && s != NULL)
        q[1] = '\0';
    return s;
}

static void on_completed(void *cls, struct MHD_Connection *con, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    cmock_server *srv = cls;
    (void)con; /* required by the MHD callback signature */
    (void)toe;
    conn_state *s = *req_cls;
    if (s == NULL)
        return;
    if (s->started) {
        pthread_mutex_lock(&srv->inflight_lock);
        srv->inflight--;
        pthread_mutex_unlock(&srv->inflight_lock);
    }
    civis__sim_storage_done(s->storage);
    state_free(s);
    *req_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    cmock_server *srv = cls;
    if (srv->log == NULL)
        return;
    pthread_mutex_lock(&srv->log_lock);
    fputs("civis-mock: libmicrohttpd: ", srv->log);
    vfprintf(srv->log, fmt, ap);
    fflush(srv->log);
    pthread_mutex_unlock(&srv->log_lock);
}

void cmock__log(cmock_server *srv, const char *fmt, ...)
{
    if (srv->log == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&srv->log_lock);
    vfprintf(srv->log, fmt, ap);
    fflush(srv->log);
    pthread_mutex_unlock(&srv->log_lock);
    va_end(ap);
}

static bool has_header(const cmock_reply *reply, const char *name)
{
    for (size_t i = 0; i < reply->n_headers; i++)
        if (strcasecmp(reply->headers[i].name, name) == 0)
            return true;
    return false;
}

/* Queues the reply; MHD takes its body (plain malloc, as the reply's). */
static enum MHD_Result send_reply(struct MHD_Connection *con, cmock_reply *reply)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        reply->body_len, reply->body, reply->body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    bool has_body = reply->body != NULL;
    reply->body = NULL;
    reply->body_len = 0;
    for (size_t i = 0; i < reply->n_headers; i++)
        /* A stub may declare a header MHD refuses (bad characters, a
         * reserved name): it is left out rather than failing the reply. */
        (void)MHD_add_response_header(resp, reply->headers[i].name, reply->headers[i].value);
    if (has_body && !has_header(reply, "Content-Type"))
        MHD_add_response_header(resp, "Content-Type", "application/json; charset=utf-8");
    enum MHD_Result r = MHD_queue_response(con, (unsigned)reply->status, resp);
    MHD_destroy_response(resp);
    return r;
}

static double elapsed_ms(const struct timespec *t0);

/* The log line of an answered request: control bytes escaped, api_key=
 * values masked. */
static void log_request(cmock_server *srv, const conn_state *s, int status, const char *source)
{
    if (srv->log == NULL)
        return;
    char *query = cmock__redact_query(s->req.query);
    char *eq = query ? cmock__log_escape(query) : NULL;
    char *method = cmock__log_escape(s->req.method ? s->req.method : "-");
    char *path = cmock__log_escape(s->req.path);
    cmock__log(srv, "%s %s%s%s %d %s %.2fms\n", method ? method : "?", path ? path : "?",
               eq && eq[0] ? "?" : "", eq ? eq : "", status, source ? source : "-",
               elapsed_ms(&s->t0));
    free(query);
    free(eq);
    free(method);
    free(path);
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void too_large(cmock_server *srv, cmock_reply *reply, cmock_outcome *oc)
{
    char desc[192];
    snprintf(desc, sizeof(desc),
             "The request body is larger than civis-mock accepts (--max-body %zu bytes).",
             srv->config.max_body);
    oc->source = "too_large";
    oc->reason = strdup(desc);
    cmock__error(reply, 413, "payload_too_large", desc);
}

static enum MHD_Result respond(cmock_server *srv, struct MHD_Connection *con, conn_state *s,
                               cmock_reply *reply, cmock_outcome *oc);

/* Builds the reply for a complete request, journals it and sends it. */
static enum MHD_Result finish(cmock_server *srv, struct MHD_Connection *con, conn_state *s)
{
    cmock_request *req = &s->req;
    cmock_reply reply;
    cmock_outcome oc;
    memset(&reply, 0, sizeof(reply));
    memset(&oc, 0, sizeof(oc));
    req->authorization = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Authorization");
    req->mock_key = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-Civis-Mock-Key");
    req->host = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Host");
    req->if_none_match = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-None-Match");

    if (s->n_params > CMOCK_MAX_QUERY_PARAMS) {
        char desc[160];
        snprintf(desc, sizeof(desc),
                 "The query string has %zu parameters; civis-mock accepts at most %d.", s->n_params,
                 CMOCK_MAX_QUERY_PARAMS);
        oc.source = "too_large";
        oc.reason = strdup(desc);
        cmock__error(&reply, 414, "uri_too_long", desc);
    } else if (!parse_query(req)) {
        oc.source = "internal";
        cmock__error(&reply, 500, "internal", "civis-mock ran out of memory");
    } else if (s->too_large) {
        too_large(srv, &reply, &oc);
    } else if (strcmp(req->path, "/__mock") == 0 || strncmp(req->path, "/__mock/", 8) == 0) {
        cmock__admin(srv, req, &reply, &oc);
    } else if (cmock__record_answer(srv->record, req, &reply, &oc, &s->job)) {
        /* Answered from the cassette, or on its way to the upstream: the
         * connection waits (not the worker) and on_request finishes. */
        if (s->job != NULL) {
            cmock__record_start(srv->record, s->job, req, con);
            return MHD_YES;
        }
    } else {
        cmock__pipeline(srv, req, &reply, &oc);
    }
    return respond(srv, con, s, &reply, &oc);
}

/* Journals a built reply and sends it (or delays or drops it). */
static enum MHD_Result respond(cmock_server *srv, struct MHD_Connection *con, conn_state *s,
                               cmock_reply *reply, cmock_outcome *oc)
{
    if (!oc->skip_journal)
        cmock__journal_add(srv->journal, &s->req, oc, reply->drop ? 0 : reply->status);
    if (reply->delay_ms > 0 && cmock__delayer_add(srv->delayer, con, reply->delay_ms)) {
        /* The connection sleeps, not the worker: on_request sends the
         * reply when the delayer resumes it. */
        s->pending = *reply;
        s->pending_source = oc->source;
        s->delayed = true;
        s->parsed = oc->parsed;
        oc->parsed = NULL;
        cmock__outcome_clear(oc);
        return MHD_YES;
    }
    log_request(srv, s, reply->drop ? 0 : reply->status, oc->source);
    /* A dropped connection: MHD_NO makes MHD close it without a reply. */
    enum MHD_Result r = reply->drop ? MHD_NO : send_reply(con, reply);
    cmock__reply_clear(reply);
    /* Freeing a large parsed body costs about what parsing it did: it
     * waits until MHD has sent the answer (on_completed). */
    s->parsed = oc->parsed;
    oc->parsed = NULL;
    cmock__outcome_clear(oc);
    return r;
}

/* Content-Length over the limit with "Expect: 100-continue": the client
 * waits for our go-ahead, so the 413 can go out before any body is sent. */
static bool early_too_large(cmock_server *srv, struct MHD_Connection *con)
{
    const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Length");
    const char *ex = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Expect");
    if (cl == NULL || ex == NULL || strcasecmp(ex, "100-continue") != 0)
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    return end != cl && errno == 0 && n > srv->config.max_body;
}

/* The Content-Length the client announced, when --max-body allows it. */
static size_t expected_length(cmock_server *srv, struct MHD_Connection *con)
{
    const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Length");
    if (cl == NULL)
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(cl, &end, 10);
    return end != cl && *end == '\0' && errno == 0 && n <= srv->config.max_body ? (size_t)n : 0;
}

static bool body_append(cmock_server *srv, conn_state *s, const char *data, size_t n)
{
    s->body_seen += n;
    if (s->too_large)
        return true;
    if (s->req.body_len + n > srv->config.max_body) {
        /* Keep reading (and dropping) the rest so that the client, which is
         * still sending, gets the 413 instead of a reset connection. */
        s->too_large = true;
        free(s->req.body);
        s->req.body = NULL;
        s->req.body_len = 0;
        return true;
    }
    if (s->req.body_len + n + 1 > s->body_cap) {
        /* Sized by Content-Length up front: a large body is not copied
         * again each time a doubling buffer moves. */
        size_t cap =
            s->body_cap ? s->body_cap : (s->body_expected >= 1024 ? s->body_expected + 1 : 1024);
        while (cap < s->req.body_len + n + 1)
            cap *= 2;
        char *nb = realloc(s->req.body, cap);
        if (nb == NULL)
            return false;
        s->req.body = nb;
        s->body_cap = cap;
    }
    memcpy(s->req.body + s->req.body_len, data, n);
    s->req.body_len += n;
    s->req.body[s->req.body_len] = '\0';
    return true;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    cmock_server *srv = cls;
    (void)version; /* required by the MHD handler signature */
    conn_state *s = *req_cls;
    if (s == NULL) {
        /* The URI callback could not allocate: try once more, else drop. */
        s = state_new(url);
        if (s == NULL)
            return MHD_NO;
        *req_cls = s;
    }
    if (s->job != NULL) {
        /* Resumed: the recorder's upstream has answered. */
        cmock_record_job *job = s->job;
        s->job = NULL;
        cmock_reply reply;
        cmock_outcome oc;
        memset(&reply, 0, sizeof(reply));
        memset(&oc, 0, sizeof(oc));
        cmock__record_finish(srv->record, job, &s->req, &reply, &oc);
        return respond(srv, con, s, &reply, &oc);
    }
    if (s->delayed) {
        /* Resumed after a fault's delay. */
        s->delayed = false;
        log_request(srv, s, s->pending.drop ? 0 : s->pending.status, s->pending_source);
        enum MHD_Result r = s->pending.drop ? MHD_NO : send_reply(con, &s->pending);
        cmock__reply_clear(&s->pending);
        return r;
    }
    /* Presigned-style storage streams its bodies itself: no --max-body. */
    if (civis__sim_is_storage(s->req.path))
        return civis__sim_storage(srv, con, s->req.path, method, upload_data, upload_data_size,
                                  &s->storage);
    if (!s->started) {
        s->started = true;
        pthread_mutex_lock(&srv->inflight_lock);
        srv->inflight++;
        pthread_mutex_unlock(&srv->inflight_lock);
        s->req.method = strdup(method);
        if (s->req.method == NULL)
            return MHD_NO;
        s->body_expected = expected_length(srv, con);
        if (early_too_large(srv, con)) {
            s->too_large = true;
            s->answered = true;
            return finish(srv, con, s);
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (s->answered)
            return MHD_YES;
        return body_append(srv, s, upload_data, n) ? MHD_YES : MHD_NO;
    }
    if (s->answered)
        return MHD_YES;
    s->answered = true;
    return finish(srv, con, s);
}

/* Resolves --host to one address; only that address is bound. */
static civis_status resolve(struct sockaddr_storage *ss, socklen_t *sslen, bool *ipv6,
                            const char *host, int port, civis_error *err)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    char portstr[16];
    snprintf(portstr, sizeof(portstr), "%d", port);
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0 || res == NULL)
        return civis__fail(err, CIVIS_EINVAL, "host", "cannot resolve --host '%s': %s", host,
                           gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sslen = res->ai_addrlen;
    *ipv6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return CIVIS_OK;
}

civis_status cmock__server_start(cmock_server *srv, civis_error *err)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    bool ipv6 = false;
    civis_status st = resolve(&ss, &sslen, &ipv6, srv->config.host, srv->config.port, err);
    if (st != CIVIS_OK)
        return st;
    if ((st = cmock__delayer_new(&srv->delayer, err)) != CIVIS_OK)
        return st;
    /* poll(), not MHD_USE_AUTO's epoll: with epoll and a thread pool,
     * libmicrohttpd 0.9.75's MHD_quiesce_daemon races a worker removing the
     * same listen socket from its epoll set, and whichever loses aborts the
     * process ("Failed to remove listen FD from epoll set"), now and then at
     * shutdown. With poll() quiescing only signals the workers. A test
     * server's few dozen connections per worker cost poll() nothing. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | (ipv6 ? MHD_USE_IPv6 : 0);
    unsigned timeout =
        srv->config.conn_timeout_s ? srv->config.conn_timeout_s : CMOCK_DEFAULT_CONN_TIMEOUT_S;
    unsigned per_ip =
        srv->config.conns_per_ip ? srv->config.conns_per_ip : CMOCK_DEFAULT_CONNS_PER_IP;
    unsigned pool = srv->config.threads > 1 ? srv->config.threads : 0;
    /* The logger goes first so that no MHD message escapes it. */
    /* clang-format off */
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv,
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, pool,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONNECTION_LIMIT,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
        MHD_OPTION_END);
    /* clang-format on */
    if (srv->daemon == NULL)
        return civis__fail(err, CIVIS_ETRANSPORT, "port", "cannot listen on %s port %d: %s",
                           srv->config.host, srv->config.port,
                           errno ? strerror(errno) : "libmicrohttpd refused the options");
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = info != NULL ? (int)info->port : srv->config.port;
    return CIVIS_OK;
}

void cmock__server_stop(cmock_server *srv)
{
    if (srv->daemon == NULL) {
        cmock__delayer_free(srv->delayer); /* the daemon failed to start */
        srv->delayer = NULL;
        return;
    }
    /* Stop accepting, then give requests already being answered (a fault's
     * delay included) a bounded time to finish before MHD closes the rest. */
    MHD_socket ls = MHD_quiesce_daemon(srv->daemon);
    /* Delayed answers go out now: MHD must not stop with suspended
     * connections. */
    cmock__delayer_flush(srv->delayer);
    cmock__record_stop(srv->record);
    for (int waited = 0; waited < STOP_GRACE_MS; waited += 5) {
        pthread_mutex_lock(&srv->inflight_lock);
        unsigned n = srv->inflight;
        pthread_mutex_unlock(&srv->inflight_lock);
        if (n == 0)
            break;
        sleep_ms(5);
    }
    MHD_stop_daemon(srv->daemon);
    srv->daemon = NULL;
    /* MHD leaves a quiesced socket to us; closed only once no worker can
     * still be looking at it. */
    if (ls != MHD_INVALID_SOCKET)
        close(ls);
    cmock__delayer_free(srv->delayer);
    srv->delayer = NULL;
}
