/*
 * sim_admin.c: the simulation's part of the admin API (no auth):
 *
 *   GET  /__mock/sim                                 collections and the run policy
 *   GET  /__mock/sim/objects                         the key's objects (as stored)
 *   POST /__mock/sim/policy                          global run policy
 *   POST /__mock/sim/jobs/{id}/policy                one job's policy, for its future runs
 *   POST /__mock/sim/jobs/{id}/outputs               outputs every future run gets
 *   POST /__mock/sim/jobs/{id}/logs                  log lines every future run gets
 *   POST /__mock/sim/jobs/{id}/runs/{run_id}/outputs adds outputs to a run
 *   POST /__mock/sim/jobs/{id}/runs/{run_id}/logs    adds log lines to a run
 *   POST /__mock/sim/jobs/{id}/runs/{run_id}/state   {"state", "error"}: moves a run by hand
 *   POST /__mock/sim/jobs/{id}/csv                   (text/csv) the job's result set
 *   POST /__mock/sim/scripts/{id}/csv                the same
 *   POST /__mock/sim/csv                             default result set (the key's, or
 *                                                    every key's without one)
 *
 * Policies: {"policy":"instant"}, {"policy":"polls","n":3}, {"policy":"ms",
 * "ms":50}, {"policy":"fail","error":"boom"} (a failing policy may wait with
 * "n" or "ms"). Outputs: a RunOutput object or an array of them
 * ({objectType, objectId[, name, value]}). Logs: a string, {message, level},
 * or an array of either.
 *
 * Which key's state: the X-Civis-Mock-Key header, else ?api_key=. Without
 * either, a job id is looked up in every key's state and must be found in
 * exactly one.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"
#include "sim_sql.h"

/* "instant", "polls:3", "ms:50", "fail:boom", "polls:3 fail:boom". */
static const char *policy_text(const sim_policy *p, char *buf, size_t len)
{
    char head[48] = "";
    if (p->mode == SIM_POLICY_POLLS)
        snprintf(head, sizeof(head), "polls:%lu", p->n);
    else if (p->mode == SIM_POLICY_MS)
        snprintf(head, sizeof(head), "ms:%lu", p->n);
    else if (!p->fail)
        snprintf(head, sizeof(head), "instant");
    if (p->fail)
        snprintf(buf, len, "%s%sfail:%s", head, head[0] ? " " : "", p->error);
    else
        snprintf(buf, len, "%s", head);
    return buf;
}

static const char *admin_key(const cmock_request *req)
{
    if (req->mock_key != NULL && req->mock_key[0] != '\0')
        return req->mock_key;
    const char *q = civis__sim_query(req, "api_key");
    return q != NULL && *q != '\0' ? q : NULL;
}

static cJSON *parse_json(const cmock_request *req, cmock_reply *reply)
{
    size_t off = 0;
    cJSON *doc = req->body ? cmock__parse(req->body, req->body_len, &off) : NULL;
    if (doc == NULL) {
        char desc[128];
        snprintf(desc, sizeof(desc), "The body must be JSON (error near byte %zu).", off);
        cmock__error(reply, 400, "invalid", desc);
    }
    return doc;
}

static void ok_reply(cmock_reply *reply, const char *what, long id, const char *detail)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && civis__sim_set_str(o, "status", "ok") &&
              civis__sim_set_str(o, "set", what) &&
              (id <= 0 || civis__sim_set_num(o, "id", (double)id)) &&
              (detail == NULL || civis__sim_set_str(o, "detail", detail));
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    civis__sim_reply_take(reply, 200, o);
}

/* The job `id` in the key's space (or the one space that has it). */
static sim_obj *admin_job(civis_sim *sim, const cmock_request *req, long id, sim_space **space_out,
                          cmock_reply *reply)
{
    const char *key = admin_key(req);
    sim_obj *found = NULL;
    size_t hits = 0;
    for (size_t i = 0; i < sim->n_spaces; i++) {
        sim_space *sp = sim->spaces[i];
        if (key != NULL && strcmp(sp->key, key) != 0)
            continue;
        sim_obj *o = civis__sim_obj_get(sp, id);
        if (o != NULL && o->coll >= 0 && sim->colls[o->coll].job) {
            found = o;
            *space_out = sp;
            hits++;
        }
    }
    if (hits == 1)
        return found;
    char desc[256];
    if (hits == 0)
        snprintf(desc, sizeof(desc), "No job %ld%s.", id,
                 key ? " for that key" : " in any key's state");
    else
        snprintf(desc, sizeof(desc),
                 "Job %ld exists for several keys; name one with X-Civis-Mock-Key or ?api_key=.",
                 id);
    cmock__error(reply, hits == 0 ? 404 : 400, hits == 0 ? "not_found" : "invalid", desc);
    return NULL;
}

/* [{message, level}] from a string, an object or an array of either. */
static cJSON *log_lines(const cJSON *doc, char *why, size_t whylen)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *one = cJSON_IsArray(doc) ? doc->child : doc;
    for (; out != NULL && one != NULL; one = cJSON_IsArray(doc) ? one->next : NULL) {
        const cJSON *m =
            cJSON_IsString(one) ? one : cJSON_GetObjectItemCaseSensitive(one, "message");
        const cJSON *lv =
            cJSON_IsObject(one) ? cJSON_GetObjectItemCaseSensitive(one, "level") : NULL;
        if (!cJSON_IsString(m) || (lv != NULL && !cJSON_IsString(lv))) {
            snprintf(why, whylen, "each log line must be a string or {\"message\", \"level\"}");
            cJSON_Delete(out);
            return NULL;
        }
        cJSON *l = cJSON_CreateObject();
        if (l == NULL || !civis__sim_set_str(l, "message", m->valuestring) ||
            !civis__sim_set_str(l, "level", lv ? lv->valuestring : "info") ||
            !cJSON_AddItemToArray(out, l)) {
            cJSON_Delete(l);
            cJSON_Delete(out);
            snprintf(why, whylen, "out of memory");
            return NULL;
        }
    }
    return out;
}

static bool store_csv(char **dst, size_t *dst_len, const cmock_request *req)
{
    char *copy = malloc(req->body_len + 1);
    if (copy == NULL)
        return false;
    if (req->body_len > 0)
        memcpy(copy, req->body, req->body_len);
    copy[req->body_len] = '\0';
    free(*dst);
    *dst = copy;
    *dst_len = req->body_len;
    return true;
}

static bool state_from(const char *s, sim_state *out)
{
    static const char *const names[] = {"queued", "running", "succeeded", "failed", "cancelled"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (sim_state)i;
            return true;
        }
    return false;
}

static void run_state(civis_sim *sim, sim_space *space, sim_obj *job, sim_run *run,
                      const cmock_request *req, cmock_reply *reply)
{
    cJSON *doc = parse_json(req, reply);
    if (doc == NULL)
        return;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(doc, "state");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
    sim_state to;
    if (!cJSON_IsString(st) || !state_from(st->valuestring, &to) || to == SIM_QUEUED ||
        (e != NULL && !cJSON_IsString(e))) {
        cmock__error(reply, 400, "invalid",
                     "Field 'state' must be running, succeeded, failed or cancelled "
                     "('error' a string).");
    } else if (run->state >= SIM_SUCCEEDED) {
        cmock__error(reply, 409, "conflict", "The run has finished already.");
    } else {
        sim_req r = {.sim = sim, .space = space, .req = req, .reply = reply};
        snprintf(r.base, sizeof(r.base), "http://127.0.0.1");
        civis__sim_run_force(&r, job, run, to, cJSON_IsString(e) ? e->valuestring : NULL);
        ok_reply(reply, "state", run->id, st->valuestring);
    }
    cJSON_Delete(doc);
}

/* /jobs/{id}/... and /scripts/{id}/csv. */
static void job_admin(civis_sim *sim, const cmock_request *req, const char *rest,
                      cmock_reply *reply)
{
    char *end = NULL;
    long id = strtol(rest, &end, 10);
    if (end == rest || id < 1 || (*end != '/' && *end != '\0')) {
        cmock__error(reply, 404, "not_found", "Expected /__mock/sim/jobs/{id}/...");
        return;
    }
    sim_space *space = NULL;
    sim_obj *job = admin_job(sim, req, id, &space, reply);
    if (job == NULL)
        return;
    const char *what = *end == '/' ? end + 1 : end;
    sim_run *run = NULL;
    if (strncmp(what, "runs/", 5) == 0) {
        long rid = strtol(what + 5, &end, 10);
        run = civis__sim_run_find(job, rid);
        if (run == NULL || *end != '/') {
            cmock__error(reply, 404, "not_found", "No such run of that job.");
            return;
        }
        what = end + 1;
    }
    char why[160];
    if (strcmp(what, "policy") == 0 && run == NULL) {
        cJSON *doc = parse_json(req, reply);
        sim_policy p;
        if (doc != NULL && !civis__sim_policy_from_json(&p, doc, why, sizeof(why))) {
            cmock__error(reply, 400, "invalid", why);
        } else if (doc != NULL) {
            job->policy = p;
            job->has_policy = true;
            char text[300];
            ok_reply(reply, "policy", job->id, policy_text(&p, text, sizeof(text)));
        }
        cJSON_Delete(doc);
    } else if (strcmp(what, "outputs") == 0) {
        cJSON *doc = parse_json(req, reply);
        if (doc == NULL)
            return;
        cJSON *fresh = run ? NULL : cJSON_CreateArray();
        cJSON *dst = run ? run->outputs : fresh;
        if (dst == NULL) {
            civis__sim_oom(reply);
        } else if (!civis__sim_outputs_add(dst, doc, sim, why, sizeof(why))) {
            cmock__error(reply, 400, "invalid", why);
            cJSON_Delete(fresh);
        } else {
            if (run == NULL) { /* for future runs: replaces what was set before */
                cJSON_Delete(job->next_outputs);
                job->next_outputs = fresh;
            }
            ok_reply(reply, "outputs", run ? run->id : job->id, NULL);
        }
        cJSON_Delete(doc);
    } else if (strcmp(what, "logs") == 0) {
        cJSON *doc = parse_json(req, reply);
        cJSON *lines = doc ? log_lines(doc, why, sizeof(why)) : NULL;
        if (doc != NULL && lines == NULL) {
            cmock__error(reply, 400, "invalid", why);
        } else if (lines != NULL && run != NULL) {
            bool ok = true;
            for (const cJSON *l = lines->child; ok && l != NULL; l = l->next)
                ok = civis__sim_run_log(
                    space, run, cJSON_GetObjectItemCaseSensitive(l, "level")->valuestring,
                    cJSON_GetObjectItemCaseSensitive(l, "message")->valuestring);
            if (ok)
                ok_reply(reply, "logs", run->id, NULL);
            else
                civis__sim_oom(reply);
        } else if (lines != NULL) {
            cJSON_Delete(job->next_logs);
            job->next_logs = lines;
            lines = NULL;
            ok_reply(reply, "logs", job->id, NULL);
        }
        cJSON_Delete(lines);
        cJSON_Delete(doc);
    } else if (strcmp(what, "state") == 0 && run != NULL) {
        run_state(sim, space, job, run, req, reply);
    } else if (strcmp(what, "csv") == 0 && run == NULL) {
        if (store_csv(&job->csv, &job->csv_len, req))
            ok_reply(reply, "csv", job->id, NULL);
        else
            civis__sim_oom(reply);
    } else {
        cmock__error(reply, 404, "not_found",
                     "Unknown simulation admin endpoint; see /__mock/sim/jobs/{id}/policy, "
                     "outputs, logs, csv, runs/{run_id}/outputs, logs, state.");
    }
}

static void objects(civis_sim *sim, const cmock_request *req, cmock_reply *reply)
{
    const char *key = admin_key(req);
    sim_space *sp = key ? civis__sim_space(sim, key, false) : NULL;
    if (key == NULL) {
        cmock__error(reply, 400, "invalid", "Name the key with X-Civis-Mock-Key or ?api_key=.");
        return;
    }
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr != NULL && sp != NULL && i < sp->n_objs; i++) {
        const sim_obj *o = sp->objs[i];
        if (o == NULL)
            continue;
        cJSON *x = cJSON_CreateObject();
        bool ok =
            x != NULL && civis__sim_set_num(x, "id", (double)o->id) &&
            civis__sim_set_str(x, "collection", o->coll >= 0 ? sim->colls[o->coll].key : NULL) &&
            civis__sim_set_num(x, "runs", (double)o->n_runs) &&
            civis__sim_set(x, "data", cJSON_Duplicate(o->data, true)) &&
            cJSON_AddItemToArray(arr, x);
        if (!ok) {
            cJSON_Delete(x);
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    civis__sim_reply_take(reply, 200, arr);
}

static void summary(civis_sim *sim, cmock_reply *reply)
{
    char text[300];
    cJSON *o = cJSON_CreateObject();
    cJSON *colls = o ? cJSON_AddArrayToObject(o, "collections") : NULL;
    cJSON *jobs = o ? cJSON_AddArrayToObject(o, "jobs") : NULL;
    bool ok = colls != NULL && jobs != NULL &&
              civis__sim_set_str(o, "policy", policy_text(&sim->policy, text, sizeof(text))) &&
              civis__sim_set_num(o, "keys", (double)sim->n_spaces);
    for (size_t i = 0; ok && i < sim->n_colls; i++) {
        cJSON *s = cJSON_CreateString(sim->colls[i].key);
        ok = cJSON_AddItemToArray(sim->colls[i].job ? jobs : colls, s);
        if (!ok)
            cJSON_Delete(s);
    }
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    civis__sim_reply_take(reply, 200, o);
}

void civis__sim_admin(civis_sim *sim, const cmock_request *req, const char *path,
                      cmock_reply *reply, cmock_outcome *outcome)
{
    (void)outcome; /* admin.c has set the source */
    if (sim == NULL) {
        cmock__error(reply, 404, "not_found",
                     "civis-mock runs --stateless: there is no simulation to manage.");
        return;
    }
    const char *rest = strcmp(path, "/sim") == 0 ? "" : path + strlen("/sim/");
    bool get = strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0;
    bool post = strcmp(req->method, "POST") == 0;
    if (!(get && (*rest == '\0' || strcmp(rest, "objects") == 0)) && !post) {
        cmock__error(reply, 405, "method_not_allowed",
                     "The simulation admin endpoints take POST (GET for /__mock/sim and "
                     "/__mock/sim/objects).");
        cmock__reply_header(reply, "Allow", *rest == '\0' ? "GET" : "POST");
        return;
    }
    civis__sim_lock_all(sim);
    if (*rest == '\0') {
        summary(sim, reply);
    } else if (strcmp(rest, "objects") == 0) {
        objects(sim, req, reply);
    } else if (strcmp(rest, "policy") == 0) {
        cJSON *doc = parse_json(req, reply);
        char why[160], text[300];
        sim_policy p;
        if (doc != NULL && !civis__sim_policy_from_json(&p, doc, why, sizeof(why))) {
            cmock__error(reply, 400, "invalid", why);
        } else if (doc != NULL) {
            sim->policy = p;
            ok_reply(reply, "policy", 0, policy_text(&p, text, sizeof(text)));
        }
        cJSON_Delete(doc);
    } else if (strcmp(rest, "csv") == 0) {
        const char *key = admin_key(req);
        sim_space *sp = key ? civis__sim_space(sim, key, true) : NULL;
        bool ok = key == NULL ? store_csv(&sim->csv, &sim->csv_len, req)
                              : sp != NULL && store_csv(&sp->csv, &sp->csv_len, req);
        if (ok)
            ok_reply(reply, "csv", 0, key ? "for the key" : "for every key");
        else
            civis__sim_oom(reply);
    } else if (strncmp(rest, "jobs/", 5) == 0) {
        job_admin(sim, req, rest + 5, reply);
    } else if (strncmp(rest, "scripts/", 8) == 0 && strstr(rest, "/csv") != NULL) {
        job_admin(sim, req, rest + 8, reply);
    } else {
        cmock__error(reply, 404, "not_found",
                     "Unknown simulation admin endpoint; see GET /__mock/sim, "
                     "/__mock/sim/policy, /__mock/sim/csv, /__mock/sim/jobs/{id}/...");
    }
    civis__sim_unlock_all(sim);
}

/* A reset forgets the seeded tables the admin API declared, then the
 * state; databases reopen with the start-up seeds alone. */
static void sim_reset(void *ctx)
{
    civis_sim *sim = ctx;
    civis__sim_lock_all(sim);
    cmock__sql_seed_reset(sim);
    civis__sim_unlock_all(sim);
    civis__sim_reset(sim);
}

void civis__sim_tables_admin(cmock_server *srv, const cmock_request *req, cmock_reply *reply)
{
    cmock__sql_seed_admin(srv->sim.handle == civis__sim_handle ? srv->sim.ctx : NULL, req, reply,
                          admin_key(req));
}

int civis__sim_install(cmock_server *srv)
{
    if (srv->config.stateless)
        return -1;
    /* Large request bodies and stored fields get pages of their own that
     * go back to the system when freed; glibc's moving threshold would
     * otherwise put them on the heap, where a reset cannot return them. */
    mallopt(M_MMAP_THRESHOLD, 64 * 1024);
    civis_sim_options opts = {
        .run_policy = srv->config.run_policy,
        .mem_limit = srv->config.state_mem_limit,
        .max_objects = srv->config.state_max_objects,
        .max_bytes = srv->config.state_max_bytes,
        .state_dir = srv->config.state_dir,
        .seed = srv->config.seed,
        .databases = srv->config.databases,
        .n_databases = srv->config.n_databases,
    };
    civis_sim *sim = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis__sim_new(&sim, srv->spec, &opts, &err) != CIVIS_OK) {
        fprintf(stderr, "civis-mock: %s\n", err.message);
        return err.code == CIVIS_EINVAL || err.code == CIVIS_EIO ? 2 : 1;
    }
    int rc = cmock__sql_seed_install(sim, srv->config.tables, srv->config.n_tables,
                                     civis_fixtures_tables(srv->fixtures));
    if (rc >= 0) {
        cmock__sql_seed_free(sim);
        civis__sim_free(sim);
        return rc;
    }
    srv->sim.handle = civis__sim_handle;
    srv->sim.reset = sim_reset;
    srv->sim.ctx = sim;
    return -1;
}

void civis__sim_uninstall(cmock_server *srv)
{
    if (srv->sim.handle == civis__sim_handle) {
        cmock__sql_seed_free(srv->sim.ctx);
        civis__sim_free(srv->sim.ctx);
    }
    srv->sim.handle = NULL;
    srv->sim.reset = NULL;
    srv->sim.ctx = NULL;
}
