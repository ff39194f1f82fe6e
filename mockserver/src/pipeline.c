/*
 * pipeline.c: how civis-mock answers one API request.
 *
 *   auth -> GET /endpoints -> route -> faults -> validate -> answer
 *
 * Routing, validation and the answer are the spec engine's answering core
 * (civis/sys/fake.h), the same code the in-process mock runs; what is left
 * here is HTTP's: the key, the spec served at /endpoints, the faults between
 * routing and validation, and the simulation plugged in as the core's hook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock.h"

void cmock__outcome_clear(cmock_outcome *outcome)
{
    if (outcome == NULL)
        return;
    free(outcome->api_key);
    free(outcome->reason);
    cJSON_Delete(outcome->unknown);
    cJSON_Delete(outcome->parsed);
    memset(outcome, 0, sizeof(*outcome));
}

static void set_reason(cmock_outcome *oc, const char *text)
{
    free(oc->reason);
    oc->reason = strdup(text);
}

/* What the simulation hook needs beyond the exchange: the HTTP request and
 * the journal's outcome. */
typedef struct sim_call {
    cmock_server *srv;
    const cmock_request *req;
    cmock_outcome *oc;
} sim_call;

static bool sim_hook(void *ctx, civis_fake_exchange *x, civis_fake_reply *reply)
{
    sim_call *c = ctx;
    cmock_server *srv = c->srv;
    if (srv->sim.handle == NULL)
        return false;
    c->oc->source = NULL;
    /* The parsed body is handed over, not copied: the outcome keeps it
     * (x->body still points at it) and the simulation may take parts. */
    cJSON *parsed = civis_fake_exchange_take_body(x);
    if (parsed != NULL) {
        cJSON_Delete(c->oc->parsed);
        c->oc->parsed = parsed;
    }
    bool answered = srv->sim.handle(srv->sim.ctx, srv->spec, &x->route, c->req, x->body, parsed,
                                    c->oc->api_key, reply, c->oc);
    if (parsed != NULL && c->oc->parsed == NULL)
        x->body = NULL; /* the simulation freed it once stored */
    if (!answered)
        return false;
    x->source = c->oc->source != NULL ? c->oc->source : "simulation";
    return true;
}

/* ---- the steps before the answer --------------------------------------- */

static bool is_endpoints(const cmock_request *req)
{
    return strcmp(req->method, "GET") == 0 &&
           (strcmp(req->path, "/endpoints") == 0 || strcmp(req->path, "/endpoints/") == 0);
}

/* If-None-Match names our validator (alone, in a list, or as "*"). */
static bool etag_matches(const char *header, const char *etag)
{
    return header != NULL && (strstr(header, etag) != NULL || strcmp(header, "*") == 0);
}

static void serve_spec(cmock_server *srv, const cmock_request *req, cmock_reply *reply)
{
    if (!cmock__reply_header(reply, "ETag", srv->spec_etag) ||
        !cmock__reply_header(reply, "Cache-Control", "no-cache")) {
        cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
        return;
    }
    if (etag_matches(req->if_none_match, srv->spec_etag)) {
        reply->status = 304; /* the client's copy is current: no body */
        return;
    }
    size_t len = 0;
    const char *text = civis_spec_text(srv->spec, &len);
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
        return;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    reply->status = 200;
    cmock__reply_body_take(reply, copy, len);
}

/* Lenient mode: the unknown names that were let through, "body.dockerComand". */
static cJSON *unknown_names(const civis_problems *problems)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr != NULL && i < problems->count; i++) {
        char name[192];
        snprintf(name, sizeof(name), "%s.%s", problems->items[i].location,
                 problems->items[i].field);
        cJSON *s = cJSON_CreateString(name);
        if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

/* Hands what the core decided to the journal's outcome. */
static void record(cmock_outcome *oc, civis_fake_exchange *x)
{
    if (oc->source == NULL || x->source != NULL)
        oc->source = x->source;
    oc->op = x->op;
    oc->nearest = x->nearest;
    if (x->reason != NULL) {
        free(oc->reason);
        oc->reason = x->reason;
        x->reason = NULL;
    }
}

void cmock__pipeline(cmock_server *srv, const cmock_request *req, cmock_reply *reply,
                     cmock_outcome *oc)
{
    char why[256];
    oc->api_key = cmock__auth_key(req->authorization, why, sizeof(why));
    if (oc->api_key == NULL) {
        oc->source = "auth";
        set_reason(oc, why);
        cmock__error(reply, 401, "unauthorized", why);
        cmock__reply_header(reply, "WWW-Authenticate", "Basic realm=\"Civis\"");
        return;
    }
    if (is_endpoints(req)) {
        oc->source = "spec";
        serve_spec(srv, req, reply);
        return;
    }
    sim_call call = {.srv = srv, .req = req, .oc = oc};
    civis_fake_config cfg = {
        .spec = srv->spec,
        .stubs = srv->stubs,
        .fixtures = srv->fixtures,
        .hook = sim_hook,
        .hook_ctx = &call,
        .seed = srv->config.seed,
        .lenient = srv->config.lenient,
    };
    civis_fake_request freq = {
        .method = req->method,
        .path = req->path,
        .query = req->query,
        .query_kv = req->query_kv,
        .n_query = req->n_query,
        .body = req->body,
        .body_len = req->body_len,
        .body_terminated = req->body != NULL, /* the upload buffer ends in a NUL */
        .api_key = oc->api_key,
    };
    civis_fake_exchange x;
    if (civis_fake_route(&x, &cfg, &freq, reply) == CIVIS_OK) {
        if (cmock__faults_apply(srv->faults, x.op, oc->api_key, reply)) {
            x.source = "fault";
        } else if (civis_fake_validate(&x, &cfg, reply) == CIVIS_OK) {
            if (x.problems.count > 0)
                oc->unknown = unknown_names(&x.problems);
            civis_fake_answer(&x, &cfg, reply);
        }
    }
    record(oc, &x);
    civis_fake_exchange_clear(&x);
}
