/*
 * fake.c: the answering core of a fake Civis API (civis/sys/fake.h).
 *
 *   route -> validate -> [hook first] -> stubs -> fixtures -> [hook]
 *         -> x-example -> synthesis
 *
 * civis-mock and the in-process mock both answer through here, so that one
 * request gets one answer from either. Replies are built by fake_reply.c;
 * route misses find their nearest operation in fake_near.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civis/sys/answer.h"
#include "civis/sys/fake.h"
#include "fake_internal.h"

static civis_status oom(civis_fake_exchange *x, civis_fake_reply *reply)
{
    x->source = "internal";
    civis_fake_reply_error(reply, 500, "internal", "the fake API ran out of memory");
    return CIVIS_ENOMEM;
}

static void set_reason(civis_fake_exchange *x, const char *text)
{
    free(x->reason);
    x->reason = strdup(text); /* NULL on OOM: the reason is only for the journal */
}

/* ---- route ------------------------------------------------------------------ */

civis_status civis_fake_route(civis_fake_exchange *x, const civis_fake_config *cfg,
                              const civis_fake_request *req, civis_fake_reply *reply)
{
    memset(x, 0, sizeof(*x));
    x->req = req;
    if (req->query_kv != NULL) {
        x->query = req->query_kv;
        x->n_query = req->n_query;
    } else {
        if (civis_answer_query_parse(&x->query_owned, &x->n_query, req->query ? req->query : "") !=
            CIVIS_OK)
            return oom(x, reply);
        x->query = x->query_owned;
    }
    civis_status st = civis_spec_route(&x->route, cfg->spec, req->method, req->path, NULL);
    if (st == CIVIS_OK) {
        x->op = x->route.op;
        return CIVIS_OK;
    }
    x->source = "route";
    x->nearest = civis__fake_nearest(cfg->spec, req->method, req->path);
    char text[768];
    if (st == CIVIS_EMETHOD) {
        snprintf(text, sizeof(text), "Method %s is not allowed on %.300s; allowed: %s.",
                 req->method, req->path, x->route.allow);
        set_reason(x, text);
        if (!civis_fake_reply_error(reply, 405, "method_not_allowed", text) ||
            !civis_fake_reply_header(reply, "Allow", x->route.allow))
            return oom(x, reply);
        return CIVIS_EMETHOD;
    }
    if (x->nearest != NULL)
        snprintf(text, sizeof(text), "No operation matches %s %.300s (nearest: %s %s)", req->method,
                 req->path, x->nearest->verb, x->nearest->path);
    else
        snprintf(text, sizeof(text), "No operation matches %s %.300s", req->method, req->path);
    set_reason(x, text);
    if (!civis_fake_reply_error(reply, 404, NULL, NULL))
        return oom(x, reply);
    return CIVIS_ENOTFOUND;
}

/* ---- validate ----------------------------------------------------------------- */

civis_status civis_fake_validate(civis_fake_exchange *x, const civis_fake_config *cfg,
                                 civis_fake_reply *reply)
{
    civis_request_check check = {
        .route = &x->route,
        .query = x->query,
        .n_query = x->n_query,
        .body = x->req->body,
        .body_len = x->req->body_len,
        .body_terminated = x->req->body_terminated,
        .lenient = cfg->lenient,
        .body_doc = x->req->body_json,
    };
    cJSON *body = NULL;
    civis_status st = civis_request_validate(&x->problems, &body, cfg->spec, &check);
    if (st == CIVIS_EINVAL) {
        x->source = "validation";
        if (!civis_fake_reply_problems(reply, x->op, &x->problems, &x->reason))
            return oom(x, reply);
        return CIVIS_EINVAL;
    }
    if (st != CIVIS_OK)
        return oom(x, reply);
    x->body_owned = body;
    x->body = body != NULL ? body : x->req->body_json;
    return CIVIS_OK;
}

/* ---- the sources ---------------------------------------------------------------- */

static bool from_set(civis_fake_exchange *x, civis_fixture_set *set, civis_fake_reply *reply,
                     civis_status *st)
{
    if (set == NULL || civis_fixtures_count(set) == 0)
        return false;
    civis_fixture_request freq = {
        .method = x->req->method,
        .path = x->req->path,
        .op = x->op,
        .query = x->query,
        .n_query = x->n_query,
        .body = x->body,
        .api_key = x->req->api_key,
    };
    civis_fixture_response fr;
    memset(&fr, 0, sizeof(fr));
    if (!civis_fixtures_match(set, &freq, &fr))
        return false;
    /* A fixture error without a body stays without one, as it was written. */
    if (!civis_fake_reply_recorded(reply, x, fr.status, fr.headers, fr.body, fr.body_len,
                                   CIVIS_FAKE_PAGE_ALWAYS, false))
        *st = CIVIS_ENOMEM;
    civis_fixture_response_clear(&fr);
    return true;
}

static bool from_hook(civis_fake_exchange *x, const civis_fake_config *cfg, civis_fake_reply *reply)
{
    if (cfg->hook == NULL)
        return false;
    x->source = NULL;
    if (!cfg->hook(cfg->hook_ctx, x, reply))
        return false;
    if (x->source == NULL)
        x->source = "hook";
    return true;
}

/* Whether an example may describe a run (worth parsing to finish it). */
static bool mentions_state(const char *text)
{
    return text != NULL && strstr(text, "\"state\"") != NULL;
}

static bool from_example(civis_fake_exchange *x, civis_fake_reply *reply, civis_status *st)
{
    int status = 0;
    const cJSON *headers = NULL;
    const char *text = NULL;
    if (!civis_spec_example(x->op, &status, &headers, &text))
        return false;
    char *finished = NULL;
    if (mentions_state(text)) {
        cJSON *doc = civis_fake_parse(text, strlen(text), NULL);
        if (doc != NULL && civis_fake_finish_runs(x->op, doc) &&
            (finished = cJSON_PrintUnformatted(doc)) == NULL)
            *st = CIVIS_ENOMEM;
        cJSON_Delete(doc);
    }
    if (finished != NULL)
        text = finished;
    if (*st == CIVIS_OK &&
        !civis_fake_reply_recorded(reply, x, status, headers, text, text ? strlen(text) : 0,
                                   CIVIS_FAKE_PAGE_ASKED, false))
        *st = CIVIS_ENOMEM;
    cJSON_free(finished);
    return true;
}

static civis_status from_synthesis(civis_fake_exchange *x, const civis_fake_config *cfg,
                                   civis_fake_reply *reply)
{
    const civis_operation *op = x->op;
    reply->status = (int)civis_answer_status(op);
    if (op->response_schema == NULL || civis_answer_no_body(reply->status))
        return CIVIS_OK;
    cJSON *body = civis_answer_synthesize(cfg->spec, op, &x->route, cfg->seed);
    if (body == NULL)
        return CIVIS_ENOMEM;
    civis_fake_finish_runs(op, body);
    if (op->paginated && cJSON_IsArray(body))
        return civis_fake_reply_page(reply, op, x->query, x->n_query, body, true) ? CIVIS_OK
                                                                                  : CIVIS_ENOMEM;
    bool ok = civis_fake_reply_json(reply, reply->status, body);
    cJSON_Delete(body);
    return ok ? CIVIS_OK : CIVIS_ENOMEM;
}

civis_status civis_fake_answer(civis_fake_exchange *x, const civis_fake_config *cfg,
                               civis_fake_reply *reply)
{
    civis_status st = CIVIS_OK;
    if (cfg->hook_first && from_hook(x, cfg, reply))
        return CIVIS_OK;
    if (from_set(x, cfg->stubs, reply, &st))
        x->source = "stub";
    else if (from_set(x, cfg->fixtures, reply, &st))
        x->source = "fixture";
    else if (!cfg->hook_first && from_hook(x, cfg, reply))
        return CIVIS_OK;
    else if (from_example(x, reply, &st))
        x->source = "example";
    else {
        x->source = "synthesized";
        st = from_synthesis(x, cfg, reply);
    }
    if (st != CIVIS_OK) {
        civis_fake_reply_clear(reply);
        return oom(x, reply);
    }
    return CIVIS_OK;
}

civis_status civis_fake_handle(civis_fake_exchange *x, const civis_fake_config *cfg,
                               const civis_fake_request *req, civis_fake_reply *reply)
{
    civis_status st = civis_fake_route(x, cfg, req, reply);
    if (st != CIVIS_OK)
        return st;
    if ((st = civis_fake_validate(x, cfg, reply)) != CIVIS_OK)
        return st;
    return civis_fake_answer(x, cfg, reply);
}

cJSON *civis_fake_exchange_take_body(civis_fake_exchange *x)
{
    cJSON *b = x->body_owned;
    x->body_owned = NULL;
    return b;
}

void civis_fake_exchange_clear(civis_fake_exchange *x)
{
    if (x == NULL)
        return;
    civis_answer_query_free(x->query_owned, x->query_owned ? x->n_query : 0);
    cJSON_Delete(x->body_owned);
    civis_problems_clear(&x->problems);
    free(x->reason);
    memset(x, 0, sizeof(*x));
}

/* ---- defaults that end ------------------------------------------------------------ */

/* A run as the API describes one: a state beside run timestamps. */
static bool is_run(const cJSON *o)
{
    return cJSON_IsObject(o) && cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "state")) &&
           (cJSON_GetObjectItemCaseSensitive(o, "finishedAt") != NULL ||
            cJSON_GetObjectItemCaseSensitive(o, "startedAt") != NULL ||
            cJSON_GetObjectItemCaseSensitive(o, "isCancelRequested") != NULL);
}

/* Whether the operation reads or starts runs: its path is a run's. */
static bool run_operation(const civis_operation *op)
{
    const char *runs = op->path ? strstr(op->path, "/runs") : NULL;
    return runs != NULL && (runs[5] == '\0' || runs[5] == '/');
}

/* Finishes one run; true when that changed it. */
static bool finish(cJSON *run)
{
    cJSON *state = cJSON_GetObjectItemCaseSensitive(run, "state");
    if (strcmp(state->valuestring, "succeeded") == 0)
        return false;
    cJSON *s = cJSON_CreateString("succeeded");
    if (s == NULL || !cJSON_ReplaceItemInObjectCaseSensitive(run, "state", s)) {
        cJSON_Delete(s); /* out of memory: the run stays as it was */
        return false;
    }
    cJSON *fin = cJSON_GetObjectItemCaseSensitive(run, "finishedAt");
    if (cJSON_IsNull(fin)) {
        const cJSON *start = cJSON_GetObjectItemCaseSensitive(run, "startedAt");
        cJSON *t = cJSON_CreateString(cJSON_IsString(start) ? start->valuestring
                                                            : "2024-01-01T00:00:00.000Z");
        if (t == NULL || !cJSON_ReplaceItemInObjectCaseSensitive(run, "finishedAt", t))
            cJSON_Delete(t);
    }
    return true;
}

static bool finish_one(cJSON *o, bool runs)
{
    if (runs && is_run(o))
        return finish(o);
    cJSON *last = cJSON_GetObjectItemCaseSensitive(o, "lastRun");
    return is_run(last) && finish(last);
}

bool civis_fake_finish_runs(const civis_operation *op, cJSON *body)
{
    if (op == NULL || body == NULL || strcmp(op->verb, "DELETE") == 0)
        return false;
    bool runs = run_operation(op);
    if (!cJSON_IsArray(body))
        return cJSON_IsObject(body) && finish_one(body, runs);
    bool changed = false;
    cJSON *e;
    cJSON_ArrayForEach(e, body)
    {
        changed |= cJSON_IsObject(e) && finish_one(e, runs);
    }
    return changed;
}
