/*
 * mock.c: a civis_mock's life and its transport.
 *
 * The mock is a transport, not a fork of the client: civis_mock_new builds
 * an ordinary civis_client (dummy key, the mock's spec so that nothing is
 * downloaded, instant retries) whose transport is the table below. Every
 * request the client sends arrives in mock_send already validated and
 * placed by the production code; it is journaled and answered from the
 * behaviours, the fixtures, the spec's examples or synthesis. Calls the
 * client refuses never reach send(); the table's rejected() hook journals
 * them.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mock_internal.h"

/* The client never sends the key anywhere, but it insists on having one. */
#define MOCK_API_KEY "civis-mock-client-key"
/* A fixed base URL: $CIVIS_API_ENDPOINT must not change what a test sees. */
#define MOCK_BASE_URL "https://api.civisanalytics.com/"

void civis__mock_lock(const civis_mock *mock)
{
    pthread_mutex_lock(&((civis_mock *)mock)->lock);
}

void civis__mock_unlock(const civis_mock *mock)
{
    pthread_mutex_unlock(&((civis_mock *)mock)->lock);
}

/* The body the client sent, parsed, for the journal of a request the core
 * refused before parsing it; NULL when there is none or it is not JSON. */
static cJSON *parse_body(const civis_http_request *req)
{
    if (req->body == NULL || req->body_len == 0)
        return NULL;
    return cJSON_ParseWithLength(req->body, req->body_len);
}

/* One call on its way through the answering core. */
typedef struct mock_call {
    civis_mock *mock;
    mock_entry *entry; /* its journal entry (args, for patterns and callbacks) */
} mock_call;

/* The behaviours, as the answering core's hook (consulted first). Canned
 * replies are served under the lock; a callback runs without it. */
static bool behaviour_hook(void *ctx, civis_fake_exchange *x, civis_fake_reply *reply)
{
    mock_call *c = ctx;
    civis_mock_fn fn = NULL;
    void *data = NULL;
    x->source = NULL;
    civis__mock_lock(c->mock);
    bool hit = civis__mock_rule_serve(c->mock, x, c->entry->pub.args, reply, &fn, &data);
    civis__mock_unlock(c->mock);
    if (!hit)
        return false;
    if (x->source == NULL)
        x->source = fn ? "callback" : "return";
    if (fn == NULL)
        return true;
    civis__mock_lock(c->mock);
    civis__mock_journal_body(c->entry); /* the callback may read it */
    civis__mock_unlock(c->mock);
    const civis_operation *op = x->op;
    long status = op->response_status ? op->response_status : 200;
    cJSON *answer = fn(data, &c->entry->pub, &status);
    if (status < 100 || status > 599)
        status = 500; /* a callback bug must still give the client a real status */
    char *text = answer ? cJSON_PrintUnformatted(answer) : NULL;
    cJSON_Delete(answer);
    if ((answer != NULL && text == NULL) ||
        !civis_fake_reply_recorded(reply, x, (int)status, NULL, text, text ? strlen(text) : 0,
                                   CIVIS_FAKE_PAGE_ASKED, true)) {
        x->source = "internal";
        civis_fake_reply_error(reply, 500, "internal", "the fake API ran out of memory");
    }
    cJSON_free(text);
    return true;
}

/* The core's reply into the client's response. */
static civis_status to_response(civis_http_response *resp, const civis_fake_reply *reply)
{
    resp->status = reply->status;
    snprintf(resp->reason, sizeof(resp->reason), "%s", civis_answer_reason(reply->status));
    bool typed = false;
    for (size_t i = 0; i < reply->n_headers; i++) {
        const civis_fake_header *h = &reply->headers[i];
        typed |= strcasecmp(h->name, "Content-Type") == 0;
        civis_status st = civis_http_response_add_header(resp, h->name, strlen(h->name), h->value,
                                                         strlen(h->value));
        if (st != CIVIS_OK)
            return st;
    }
    if (reply->body == NULL)
        return CIVIS_OK;
    civis_status st =
        typed ? CIVIS_OK
              : civis_http_response_add_header(resp, "Content-Type", 12, "application/json", 16);
    if (st == CIVIS_OK)
        st = civis_http_response_append_body(resp, reply->body, reply->body_len);
    return st;
}

/*
 * A request through the answering core, as civis-mock answers it over HTTP:
 * routed (404, 405), validated (400 with the problems), then answered by
 * the behaviours, the fixtures, the example or synthesis. The journal
 * records it between validation and the answer, so that patterns and
 * callbacks see its arguments.
 */
static civis_status mock_send(void *ctx, const civis_http_request *req, civis_http_response *resp,
                              civis_error *err)
{
    civis_mock *mock = ctx;
    mock_call call = {.mock = mock};
    civis_fake_config cfg = {
        .spec = mock->spec,
        .fixtures = mock->fixtures,
        .hook = behaviour_hook,
        .hook_ctx = &call,
        .hook_first = true,
        .seed = mock->seed,
    };
    civis_fake_request freq = {
        .method = req->method,
        .path = req->path,
        .query = req->query,
        .body = req->body,
        .body_len = req->body_len,
        .api_key = NULL, /* the mock has no real key: key-scoped exchanges are not ours */
        .body_json = req->body_json,
    };
    civis_fake_exchange x;
    civis_fake_reply reply;
    memset(&reply, 0, sizeof(reply));
    civis_status st = civis_fake_route(&x, &cfg, &freq, &reply);
    if (st == CIVIS_OK)
        st = civis_fake_validate(&x, &cfg, &reply);
    bool answer = st == CIVIS_OK;
    /* The journal keeps the parsed body; a request sent without one has none. */
    cJSON *body = civis_fake_exchange_take_body(&x);
    /* a raw request's arguments are read from its body at once; an
     * operation call's body is parsed when the journal is read */
    if (body == NULL && req->args == NULL)
        body = parse_body(req);

    civis__mock_lock(mock);
    call.entry = civis__mock_journal_begin(mock, x.op, req, body);
    civis__mock_unlock(mock);
    if (call.entry == NULL) {
        civis_fake_exchange_clear(&x);
        civis_fake_reply_clear(&reply);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory in the mock's journal");
    }
    if (answer)
        civis_fake_answer(&x, &cfg, &reply);
    bool oom = x.source != NULL && strcmp(x.source, "internal") == 0;
    st = oom ? CIVIS_ENOMEM : to_response(resp, &reply);

    civis__mock_lock(mock);
    civis__mock_journal_answer(call.entry, st == CIVIS_OK ? resp : NULL, x.source);
    civis__mock_unlock(mock);
    civis_fake_exchange_clear(&x);
    civis_fake_reply_clear(&reply);
    if (st != CIVIS_OK)
        return civis__fail(err, st, "", "the mock could not build its answer (%s)",
                           civis_strerror(st));
    return CIVIS_OK;
}

static void mock_rejected(void *ctx, const char *resource, const char *method, const cJSON *args,
                          civis_status st, const civis_error *err)
{
    civis__mock_journal_rejected(ctx, resource, method, args, st, err);
}

static const civis_transport mock_transport = {
    .name = "mock",
    .send = mock_send,
    .destroy = NULL, /* the mock owns the client, not the other way round */
    .rejected = mock_rejected,
    .presigned = civis__mock_presigned, /* mock_storage.c: no byte leaves the process */
};

static bool retry_is_zero(const civis_retry_policy *r)
{
    return r->max_attempts == 0 && r->max_elapsed_s == 0 && r->multiplier == 0 &&
           r->max_wait_s == 0 && r->min_wait_s == 0 && !r->zero_wait && !r->ignore_retry_after;
}

static civis_status load_spec(civis_mock *m, const civis_mock_options *o, civis_error *err)
{
    if (o->spec != NULL) {
        m->spec = o->spec;
        return CIVIS_OK;
    }
    civis_status st = o->spec_path ? civis_spec_load_file(&m->owned_spec, o->spec_path, err)
                                   : civis_spec_load_default(&m->owned_spec, err);
    m->spec = m->owned_spec;
    return st;
}

static civis_status load_fixtures(civis_mock *m, const civis_mock_options *o, civis_error *err)
{
    civis_status st = civis_fixtures_new(&m->fixtures, m->spec, err);
    for (size_t i = 0; st == CIVIS_OK && o->fixtures != NULL && o->fixtures[i] != NULL; i++)
        st = civis_fixtures_load_path(m->fixtures, o->fixtures[i], err);
    return st;
}

static civis_status make_client(civis_mock *m, const civis_mock_options *o, civis_error *err)
{
    civis_client_options co = {
        .api_key = MOCK_API_KEY,
        .base_url = MOCK_BASE_URL,
        .spec = m->spec,
        .no_spec_cache = true,
        .retry = o->retry,
        .camel_case_keys = o->camel_case_keys,
        .transport = &mock_transport,
        .transport_ctx = m,
    };
    /* Instant retries by default: a test of the 429 path must not sleep. */
    if (retry_is_zero(&o->retry)) {
        co.retry.zero_wait = true;
        co.retry.ignore_retry_after = true;
    }
    return civis_client_new(&m->client, &co, err);
}

civis_status civis_mock_new(civis_mock **out, const civis_mock_options *opts, civis_error *err)
{
    static const civis_mock_options defaults = {0};
    const civis_mock_options *o = opts ? opts : &defaults;
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    *out = NULL;
    civis_mock *m = civis__calloc(1, sizeof(*m));
    if (m == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for the mock");
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        civis__free(m);
        return civis__fail(err, CIVIS_ENOMEM, "", "cannot create a mutex");
    }
    m->seed = o->seed;
    civis_status st = load_spec(m, o, err);
    if (st == CIVIS_OK)
        st = load_fixtures(m, o, err);
    if (st == CIVIS_OK)
        st = make_client(m, o, err);
    if (st != CIVIS_OK) {
        civis_mock_free(m);
        return st;
    }
    *out = m;
    return CIVIS_OK;
}

void civis_mock_free(civis_mock *mock)
{
    if (mock == NULL)
        return;
    civis_client_free(mock->client); /* first: it may still reach the mock */
    for (size_t i = 0; i < mock->n_rules; i++)
        civis__mock_rule_clear(&mock->rules[i]);
    civis__free(mock->rules);
    civis__mock_journal_free(mock);
    for (size_t i = 0; i < mock->n_owned; i++)
        mock->owned[i].free_fn(mock->owned[i].ptr);
    civis__free(mock->owned);
    civis__mock_store_free(mock->store);
    civis_fixtures_free(mock->fixtures);
    civis_spec_free(mock->owned_spec);
    pthread_mutex_destroy(&mock->lock);
    civis__free(mock);
}

civis_client *civis_mock_client(const civis_mock *mock)
{
    return mock ? mock->client : NULL;
}

const civis_spec *civis_mock_spec(const civis_mock *mock)
{
    return mock ? mock->spec : NULL;
}

civis_fixture_set *civis_mock_fixtures(const civis_mock *mock)
{
    return mock ? mock->fixtures : NULL;
}

civis_status civis__mock_own(civis_mock *mock, void *ptr, void (*free_fn)(void *), civis_error *err)
{
    civis__mock_lock(mock);
    if (mock->n_owned == mock->owned_cap) {
        size_t cap = mock->owned_cap ? mock->owned_cap * 2 : 4;
        mock_owned *o = civis__realloc(mock->owned, cap * sizeof(*o));
        if (o == NULL) {
            civis__mock_unlock(mock);
            free_fn(ptr);
            return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
        }
        mock->owned = o;
        mock->owned_cap = cap;
    }
    mock->owned[mock->n_owned++] = (mock_owned){ptr, free_fn};
    civis__mock_unlock(mock);
    return CIVIS_OK;
}
