/*
 * pipeline.c: how civis-mock answers one API request.
 *
 *   auth -> GET /endpoints -> route -> faults -> validate -> answer
 *
 * and the answer comes from the first source that has one: a stub (admin
 * API), a fixture loaded at start-up, the simulation slot, the operation's
 * x-example, and finally a body synthesized from the response schema.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock.h"

/* ---- route misses: the nearest operation, for the unmatched journal ---- */

#define MAX_SEGS 32

/* Splits a path into segments (empty ones dropped); returns the count. */
static size_t split(const char *path, const char **segs, size_t *lens)
{
    size_t n = 0;
    const char *p = path;
    while (*p != '\0' && n < MAX_SEGS) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *s = p;
        while (*p != '\0' && *p != '/')
            p++;
        segs[n] = s;
        lens[n] = (size_t)(p - s);
        n++;
    }
    return n;
}

static size_t seg_distance(const char *a, size_t alen, const char *b, size_t blen)
{
    char x[128], y[128];
    snprintf(x, sizeof(x), "%.*s", (int)(alen < 127 ? alen : 127), a);
    snprintf(y, sizeof(y), "%.*s", (int)(blen < 127 ? blen : 127), b);
    return civis_edit_distance(x, y, 16);
}

/*
 * The operation whose path template is closest to the request: literal
 * segments by edit distance, {param} segments match anything, a missing or
 * extra segment costs 3, another verb costs 1. NULL when nothing is close
 * enough to be a plausible typo.
 */
static const civis_operation *nearest_op(const civis_spec *spec, const char *verb, const char *path)
{
    const char *rs[MAX_SEGS], *ts[MAX_SEGS];
    size_t rl[MAX_SEGS], tl[MAX_SEGS];
    size_t rn = split(path, rs, rl);
    const civis_operation *best = NULL;
    size_t best_cost = (size_t)-1;
    for (size_t i = 0; i < civis_spec_operation_count(spec); i++) {
        const civis_operation *op = civis_spec_operation_at(spec, i);
        size_t tn = split(op->path, ts, tl);
        size_t cost = (rn > tn ? rn - tn : tn - rn) * 3;
        size_t common = rn < tn ? rn : tn;
        for (size_t k = 0; k < common && cost < best_cost; k++) {
            if (tl[k] > 0 && ts[k][0] == '{')
                continue;
            cost += seg_distance(rs[k], rl[k], ts[k], tl[k]);
        }
        if (strcmp(op->verb, verb) != 0)
            cost += 1;
        if (cost < best_cost) {
            best_cost = cost;
            best = op;
        }
    }
    size_t plen = strlen(path);
    size_t allowed = plen / 3 > 3 ? plen / 3 : 3;
    return best_cost <= allowed ? best : NULL;
}

static void set_reason(cmock_outcome *oc, const char *text)
{
    free(oc->reason);
    oc->reason = strdup(text);
}

/* ---- answer sources ---------------------------------------------------- */

/*
 * Sets the body from recorded bytes. An array answer of a paginated
 * operation is paged (see paginate.c); `always` says whether a request
 * without limit/page_num is paged too (stubs and fixtures without their own
 * X-Pagination headers) or served as recorded (examples).
 */
static bool set_body(cmock_reply *reply, const civis_operation *op, const cmock_request *req,
                     const char *text, size_t len, bool always)
{
    if (text == NULL || civis_answer_no_body(reply->status))
        return true;
    if (op->paginated) {
        cJSON *doc = cmock__parse(text, len, NULL);
        if (cJSON_IsArray(doc))
            return cmock__paginate(reply, op, req, doc, always);
        cJSON_Delete(doc);
    }
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return false;
    memcpy(copy, text, len);
    copy[len] = '\0';
    cmock__reply_body_take(reply, copy, len);
    return true;
}

static bool from_fixture(cmock_reply *reply, const civis_operation *op, const cmock_request *req,
                         civis_fixture_response *fr)
{
    reply->status = fr->status;
    bool ok =
        civis_answer_copy_headers(fr->headers, cmock__reply_add, reply) &&
        set_body(reply, op, req, fr->body, fr->body_len, !civis_answer_has_pagination(fr->headers));
    civis_fixture_response_clear(fr);
    return ok;
}

static bool from_example(cmock_reply *reply, const civis_operation *op, const cmock_request *req)
{
    int status = 0;
    const cJSON *headers = NULL;
    const char *text = NULL;
    if (!civis_spec_example(op, &status, &headers, &text))
        return false;
    reply->status = status;
    if (!civis_answer_copy_headers(headers, cmock__reply_add, reply) ||
        !set_body(reply, op, req, text, text ? strlen(text) : 0, false))
        cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
    return true;
}

static void from_synthesis(cmock_server *srv, cmock_reply *reply, const civis_route *route,
                           const cmock_request *req)
{
    const civis_operation *op = route->op;
    reply->status = (int)civis_answer_status(op);
    if (op->response_schema == NULL || civis_answer_no_body(reply->status))
        return;
    cJSON *body = civis_answer_synthesize(srv->spec, op, route, srv->config.seed);
    if (body == NULL) {
        cmock__error(reply, 500, "internal", "civis-mock could not synthesize a response");
        return;
    }
    if (op->paginated && cJSON_IsArray(body)) {
        if (!cmock__paginate(reply, op, req, body, true))
            cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
        return;
    }
    cmock__reply_json(reply, reply->status, body);
    cJSON_Delete(body);
}

static void answer(cmock_server *srv, const civis_route *route, const cmock_request *req,
                   const cJSON *body, cmock_reply *reply, cmock_outcome *oc)
{
    const civis_operation *op = route->op;
    civis_fixture_request freq = {
        .method = req->method,
        .path = req->path,
        .op = op,
        .query = req->query_kv,
        .n_query = req->n_query,
        .body = body,
        .api_key = oc->api_key,
    };
    civis_fixture_response fr;
    memset(&fr, 0, sizeof(fr));
    if (civis_fixtures_match(srv->stubs, &freq, &fr)) {
        oc->source = "stub";
        if (!from_fixture(reply, op, req, &fr))
            cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
        return;
    }
    if (srv->fixtures != NULL && civis_fixtures_match(srv->fixtures, &freq, &fr)) {
        oc->source = "fixture";
        if (!from_fixture(reply, op, req, &fr))
            cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
        return;
    }
    /* The simulation slot: the stateful simulation answers here once it
     * exists; until then the handler says "not handled". */
    if (srv->sim.handle != NULL &&
        srv->sim.handle(srv->sim.ctx, srv->spec, route, req, body, oc->api_key, reply, oc)) {
        if (oc->source == NULL)
            oc->source = "simulation";
        return;
    }
    if (from_example(reply, op, req)) {
        oc->source = "example";
        return;
    }
    oc->source = "synthesized";
    from_synthesis(srv, reply, route, req);
}

bool cmock__sim_unhandled(void *ctx, const civis_spec *spec, const civis_route *route,
                          const cmock_request *req, const cJSON *body, const char *api_key,
                          cmock_reply *reply, cmock_outcome *outcome)
{
    (void)ctx; /* no simulation state yet */
    (void)spec;
    (void)route;
    (void)req;
    (void)body;
    (void)api_key;
    (void)reply;
    (void)outcome;
    return false;
}

/* ---- the steps before the answer --------------------------------------- */

static bool is_endpoints(const cmock_request *req)
{
    return strcmp(req->method, "GET") == 0 &&
           (strcmp(req->path, "/endpoints") == 0 || strcmp(req->path, "/endpoints/") == 0);
}

/* A strong validator of the spec's bytes (FNV-1a, 64 bits): a client that
 * cached the spec revalidates it with If-None-Match and learns at once when
 * civis-mock was restarted with another spec. */
void cmock__spec_etag(char *out, size_t len, const civis_spec *spec)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)civis_spec_text(spec, &n);
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    snprintf(out, len, "\"%016llx\"", (unsigned long long)h);
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

static bool route_request(cmock_server *srv, const cmock_request *req, civis_route *route,
                          cmock_reply *reply, cmock_outcome *oc)
{
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = civis_spec_route(route, srv->spec, req->method, req->path, &err);
    if (st == CIVIS_OK)
        return true;
    char reason[768];
    oc->source = "route";
    oc->nearest = nearest_op(srv->spec, req->method, req->path);
    if (st == CIVIS_EMETHOD) {
        char desc[512];
        snprintf(desc, sizeof(desc), "Method %s is not allowed on %.300s; allowed: %s.",
                 req->method, req->path, route->allow);
        cmock__error(reply, 405, "method_not_allowed", desc);
        cmock__reply_header(reply, "Allow", route->allow);
        set_reason(oc, desc);
        return false;
    }
    if (oc->nearest != NULL)
        snprintf(reason, sizeof(reason), "No operation matches %s %.300s (nearest: %s %s)",
                 req->method, req->path, oc->nearest->verb, oc->nearest->path);
    else
        snprintf(reason, sizeof(reason), "No operation matches %s %.300s", req->method, req->path);
    set_reason(oc, reason);
    cmock__error(reply, 404, "not_found", "The requested resource could not be found.");
    return false;
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
    civis_route route;
    if (!route_request(srv, req, &route, reply, oc))
        return;
    oc->op = route.op;
    if (cmock__faults_apply(srv->faults, route.op, oc->api_key, reply)) {
        oc->source = "fault";
        return;
    }

    civis_problems problems;
    memset(&problems, 0, sizeof(problems));
    cJSON *body = NULL;
    civis_request_check check = {
        .route = &route,
        .query = req->query_kv,
        .n_query = req->n_query,
        .body = req->body,
        .body_len = req->body_len,
        .lenient = srv->config.lenient,
    };
    civis_status st = civis_request_validate(&problems, &body, srv->spec, &check);
    if (st == CIVIS_EINVAL) {
        oc->source = "validation";
        char *desc = NULL;
        cmock__error_problems(reply, route.op, &problems, &desc);
        oc->reason = desc;
    } else if (st != CIVIS_OK) {
        oc->source = "validation";
        cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
    } else {
        if (problems.count > 0)
            oc->unknown = unknown_names(&problems);
        answer(srv, &route, req, body, reply, oc);
    }
    cJSON_Delete(body);
    civis_problems_clear(&problems);
}
