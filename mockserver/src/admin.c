/*
 * admin.c: the control API under /__mock/ (no auth). Tests declare stubs
 * and faults, reset the server and read the journal through it:
 *
 *   GET    /__mock/health            200 {"status":"ok"}
 *   POST   /__mock/stubs             a fixture document -> 201 {"id","ids","count","api_key"}
 *   DELETE /__mock/stubs             every stub
 *   DELETE /__mock/stubs/{id}        one stub (404 when unknown)
 *   POST   /__mock/reset             stubs, journal, faults, fixture sequences, simulation
 *   GET    /__mock/journal           ?operation= ?api_key= ?source= ?since=
 *   GET    /__mock/journal/unmatched 4xx from routing and validation
 *   GET    /__mock/faults            the fault rules
 *   POST   /__mock/faults            a fault rule -> 201 {"id"}
 *   DELETE /__mock/faults            every rule
 *   DELETE /__mock/faults/{id}       one rule
 *   GET    /__mock/tables            the seeded SQL tables
 *   POST   /__mock/tables            seed a table (JSON declaration, or CSV with ?table=)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mock.h"
#include "sim.h"

static const char *query_value(const cmock_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_query; i++)
        if (strcmp(req->query_kv[i].key, name) == 0)
            return req->query_kv[i].value;
    return NULL;
}

static void reply_status_ok(cmock_reply *reply, int status, const char *text)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || cJSON_AddStringToObject(o, "status", text) == NULL)
        cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
    else
        cmock__reply_json(reply, status, o);
    cJSON_Delete(o);
}

static void reply_json_take(cmock_reply *reply, int status, cJSON *json)
{
    if (json == NULL)
        cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
    else
        cmock__reply_json(reply, status, json);
    cJSON_Delete(json);
}

/* Parses the admin request body as a JSON value; NULL with a 400 queued. */
static cJSON *parse_body(const cmock_request *req, cmock_reply *reply)
{
    if (req->body == NULL || req->body_len == 0) {
        cmock__error(reply, 400, "invalid", "The request needs a JSON body.");
        return NULL;
    }
    size_t off = 0;
    cJSON *doc = cmock__parse(req->body, req->body_len, &off);
    if (doc == NULL) {
        char desc[128];
        snprintf(desc, sizeof(desc), "The body is not valid JSON (error near byte %zu).", off);
        cmock__error(reply, 400, "invalid", desc);
    }
    return doc;
}

/* The id in "/__mock/stubs/12"; -1 when it is not a positive integer. */
static long path_id(const char *s)
{
    if (*s < '0' || *s > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    return (errno == 0 && *end == '\0' && v > 0 && v < 2147483647L) ? v : -1;
}

static void add_stubs(cmock_server *srv, const cmock_request *req, cmock_reply *reply,
                      cmock_outcome *oc)
{
    cJSON *doc = parse_body(req, reply);
    if (doc == NULL)
        return;
    /* The scope comes from the header or from a top-level "api_key" field,
     * which is not part of the fixture format and is taken out first. */
    char *scope = NULL;
    cJSON *key =
        cJSON_IsObject(doc) ? cJSON_DetachItemFromObjectCaseSensitive(doc, "api_key") : NULL;
    if (key != NULL && !cJSON_IsNull(key) &&
        (!cJSON_IsString(key) || key->valuestring[0] == '\0')) {
        cmock__error(reply, 400, "invalid", "Field 'api_key' must be a non-empty string.");
        goto done;
    }
    const char *body_key = cJSON_IsString(key) ? key->valuestring : NULL;
    const char *hdr_key = (req->mock_key && req->mock_key[0]) ? req->mock_key : NULL;
    if (body_key != NULL && hdr_key != NULL && strcmp(body_key, hdr_key) != 0) {
        cmock__error(reply, 400, "invalid",
                     "X-Civis-Mock-Key and the body's 'api_key' name different keys.");
        goto done;
    }
    if ((body_key || hdr_key) && (scope = strdup(body_key ? body_key : hdr_key)) == NULL) {
        cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
        goto done;
    }
    civis_error err = CIVIS_ERROR_INIT;
    size_t before = civis_fixtures_count(srv->stubs);
    int first = 0;
    if (civis_fixtures_add_json(srv->stubs, doc, "stub", scope, &first, &err) != CIVIS_OK) {
        cmock__error(reply, err.code == CIVIS_ENOMEM ? 500 : 400,
                     err.code == CIVIS_ENOMEM ? "internal" : "invalid", err.message);
        oc->reason = strdup(err.message);
        goto done;
    }
    size_t added = civis_fixtures_count(srv->stubs) - before;
    cJSON *o = cJSON_CreateObject();
    cJSON *ids = o ? cJSON_AddArrayToObject(o, "ids") : NULL;
    bool ok = ids != NULL && cJSON_AddNumberToObject(o, "id", first) != NULL &&
              cJSON_AddNumberToObject(o, "count", (double)added) != NULL;
    /* Ids of one document are consecutive. */
    for (size_t i = 0; ok && i < added; i++)
        ok = cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)first + (double)i));
    if (ok && scope != NULL) {
        char mask[64];
        cmock__key_mask(mask, sizeof(mask), scope);
        ok = cJSON_AddStringToObject(o, "api_key", mask) != NULL;
    } else if (ok) {
        ok = cJSON_AddNullToObject(o, "api_key") != NULL;
    }
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    reply_json_take(reply, 201, o);
done:
    free(scope);
    cJSON_Delete(key);
    cJSON_Delete(doc);
}

static void add_fault(cmock_server *srv, const cmock_request *req, cmock_reply *reply,
                      cmock_outcome *oc)
{
    cJSON *doc = parse_body(req, reply);
    if (doc == NULL)
        return;
    /* X-Civis-Mock-Key scopes a fault as it scopes a stub. */
    if (cJSON_IsObject(doc) && req->mock_key != NULL && req->mock_key[0] != '\0' &&
        cJSON_GetObjectItemCaseSensitive(doc, "api_key") == NULL)
        cJSON_AddStringToObject(doc, "api_key", req->mock_key);
    civis_error err = CIVIS_ERROR_INIT;
    int id = 0;
    if (cmock__faults_add(srv->faults, srv->spec, doc, &id, &err) != CIVIS_OK) {
        cmock__error(reply, err.code == CIVIS_ENOMEM ? 500 : 400,
                     err.code == CIVIS_ENOMEM ? "internal" : "invalid", err.message);
        oc->reason = strdup(err.message);
    } else {
        cJSON *o = cJSON_CreateObject();
        if (o != NULL && cJSON_AddNumberToObject(o, "id", id) == NULL) {
            cJSON_Delete(o);
            o = NULL;
        }
        reply_json_take(reply, 201, o);
    }
    cJSON_Delete(doc);
}

static void journal(cmock_server *srv, const cmock_request *req, cmock_reply *reply, bool unmatched)
{
    cmock_journal_filter f = {
        .operation = query_value(req, "operation"),
        .api_key = query_value(req, "api_key"),
        .source = query_value(req, "source"),
        .unmatched_only = unmatched,
    };
    const char *since = query_value(req, "since");
    if (since != NULL) {
        char *end = NULL;
        f.since = strtol(since, &end, 10);
        if (end == since || *end != '\0' || f.since < 0) {
            cmock__error(reply, 400, "invalid",
                         "Query parameter 'since' must be a non-negative integer.");
            return;
        }
    }
    reply_json_take(reply, 200, cmock__journal_query(srv->journal, &f));
}

void cmock__reset(cmock_server *srv)
{
    civis_fixtures_clear(srv->stubs);
    if (srv->fixtures != NULL)
        civis_fixtures_rewind(srv->fixtures);
    cmock__journal_clear(srv->journal);
    cmock__faults_clear(srv->faults);
    cmock__record_rewind(srv->record);
    if (srv->sim.reset != NULL)
        srv->sim.reset(srv->sim.ctx);
}

/* A known admin path with the wrong verb: 405 and the verbs it takes. */
static void not_allowed(cmock_reply *reply, const cmock_request *req, const char *allow)
{
    char desc[256];
    snprintf(desc, sizeof(desc), "Method %.16s is not allowed on %.100s; allowed: %s.", req->method,
             req->path, allow);
    cmock__error(reply, 405, "method_not_allowed", desc);
    cmock__reply_header(reply, "Allow", allow);
}

static bool is(const cmock_request *req, const char *verb)
{
    return strcmp(req->method, verb) == 0;
}

void cmock__admin(cmock_server *srv, const cmock_request *req, cmock_reply *reply,
                  cmock_outcome *oc)
{
    oc->source = "admin";
    /* Reads and reset are left out of the journal: they would only
     * describe themselves (and a reset must leave the journal empty). */
    oc->skip_journal = is(req, "GET") || is(req, "HEAD");
    const char *p = req->path + strlen("/__mock");
    size_t plen = strlen(p);
    char path[128];
    /* One trailing slash is tolerated, as on API paths. */
    snprintf(path, sizeof(path), "%.*s", (int)(plen > 1 && p[plen - 1] == '/' ? plen - 1 : plen),
             p);

    if (strcmp(path, "/health") == 0) {
        if (is(req, "GET") || is(req, "HEAD"))
            reply_status_ok(reply, 200, "ok");
        else
            not_allowed(reply, req, "GET");
    } else if (strcmp(path, "/stats") == 0) {
        if (is(req, "GET"))
            cmock__stats(srv, reply);
        else
            not_allowed(reply, req, "GET");
    } else if (strcmp(path, "/stubs") == 0) {
        if (is(req, "POST")) {
            add_stubs(srv, req, reply, oc);
        } else if (is(req, "DELETE")) {
            civis_fixtures_clear(srv->stubs);
            reply->status = 204;
        } else {
            not_allowed(reply, req, "POST, DELETE");
        }
    } else if (strncmp(path, "/stubs/", 7) == 0) {
        long id = path_id(path + 7);
        if (!is(req, "DELETE"))
            not_allowed(reply, req, "DELETE");
        else if (id < 0 || civis_fixtures_remove(srv->stubs, (int)id) != CIVIS_OK)
            cmock__error(reply, 404, "not_found", "No stub with that id.");
        else
            reply->status = 204;
    } else if (strcmp(path, "/reset") == 0) {
        if (is(req, "POST")) {
            cmock__reset(srv);
            oc->skip_journal = true;
            reply_status_ok(reply, 200, "reset");
        } else {
            not_allowed(reply, req, "POST");
        }
    } else if (strcmp(path, "/journal") == 0 || strcmp(path, "/journal/unmatched") == 0) {
        if (is(req, "GET"))
            journal(srv, req, reply, strcmp(path, "/journal/unmatched") == 0);
        else
            not_allowed(reply, req, "GET");
    } else if (strcmp(path, "/faults") == 0) {
        if (is(req, "POST")) {
            add_fault(srv, req, reply, oc);
        } else if (is(req, "DELETE")) {
            cmock__faults_clear(srv->faults);
            reply->status = 204;
        } else if (is(req, "GET")) {
            reply_json_take(reply, 200, cmock__faults_list(srv->faults));
        } else {
            not_allowed(reply, req, "GET, POST, DELETE");
        }
    } else if (strncmp(path, "/faults/", 8) == 0) {
        long id = path_id(path + 8);
        if (!is(req, "DELETE"))
            not_allowed(reply, req, "DELETE");
        else if (id < 0 || !cmock__faults_remove(srv->faults, (int)id))
            cmock__error(reply, 404, "not_found", "No fault with that id.");
        else
            reply->status = 204;
    } else if (strcmp(path, "/tables") == 0) {
        civis__sim_tables_admin(srv, req, reply);
    } else if (strcmp(path, "/sim") == 0 || strncmp(path, "/sim/", 5) == 0) {
        civis__sim_admin(srv->sim.handle == civis__sim_handle ? srv->sim.ctx : NULL, req, path,
                         reply, oc);
    } else {
        cmock__error(reply, 404, "not_found",
                     "No such civis-mock admin endpoint; see /__mock/health, /__mock/stubs, "
                     "/__mock/reset, /__mock/journal, /__mock/faults, /__mock/tables.");
    }
}
