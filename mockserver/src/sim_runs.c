/*
 * sim_runs.c: runs of every runnable job type, through every run path the
 * spec has (X/{id}/runs, /jobs/{id}/runs, .../runs/{run_id}[/outputs|/logs],
 * X/{id}/cancel). A run lives in its job, so the generic path
 * (/jobs/{id}/runs/{run_id}) and the typed one (/scripts/sql/{id}/runs/...)
 * show the same run.
 *
 * Life cycle: a new run is "queued" (that is what its POST answers); from
 * then on it moves by its policy, fixed when it starts (the job's own,
 * set through the admin API, else the global one, --run-policy):
 *
 *   instant    finished before anyone can look: the first read shows it done
 *   polls:N    reads 1..N-1 show "running", read N shows it finished
 *   ms:T       "running" until T ms after creation, finished from then on
 *   fail:TEXT  instant, but the run fails with error TEXT (the admin API
 *              combines failure with polls or ms too)
 *
 * A read is a GET that shows the run (the run itself, a run list, or the
 * job with its lastRun, which is how GET /queries/{id} advances a query).
 * Cancelling, listing outputs or logs and starting another run do not
 * count as reads, but see time pass. A finished run is never touched again.
 *
 * Finishing a SQL script's run writes its result set (set through the admin
 * API, else a header-only CSV) as a File, gzip-compressed unless the
 * script's csvSettings say compression "none", and lists it in the run's
 * `output` with a download path. A failed run gets an error-level log line
 * with its error.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "sim.h"
#include "sim_sql.h"

#define DEFAULT_LOG_LIMIT 10000
#define JOB_RUNS_SHOWN 10        /* Job.runs: the most recent runs */
#define DEFAULT_PREVIEW_ROWS 100 /* a query's resultRows when previewRows is not set */
#define MAX_PREVIEW_ROWS 1000
#define HEADER_ONLY_CSV "?column?\n"

static const char *state_name(sim_state s)
{
    static const char *const names[] = {"queued", "running", "succeeded", "failed", "cancelled"};
    return names[s];
}

static bool finished(const sim_run *run)
{
    return run->state >= SIM_SUCCEEDED;
}

/* ---- policies ------------------------------------------------------------- */

static bool parse_ulong(const char *s, unsigned long *out, unsigned long max)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

#define MAX_POLLS 1000000ul
#define MAX_MS (24ul * 3600ul * 1000ul)

bool civis__sim_policy_parse(sim_policy *out, const char *text, char *why, size_t whylen)
{
    memset(out, 0, sizeof(*out));
    if (strcmp(text, "instant") == 0)
        return true;
    if (strncmp(text, "polls:", 6) == 0) {
        out->mode = SIM_POLICY_POLLS;
        if (parse_ulong(text + 6, &out->n, MAX_POLLS) && out->n >= 1)
            return true;
        snprintf(why, whylen, "polls:N needs N from 1 to %lu", MAX_POLLS);
        return false;
    }
    if (strncmp(text, "ms:", 3) == 0) {
        out->mode = SIM_POLICY_MS;
        if (parse_ulong(text + 3, &out->n, MAX_MS))
            return true;
        snprintf(why, whylen, "ms:T needs T from 0 to %lu milliseconds", MAX_MS);
        return false;
    }
    if (strncmp(text, "fail:", 5) == 0) {
        out->fail = true;
        snprintf(out->error, sizeof(out->error), "%s", text + 5);
        if (out->error[0] != '\0')
            return true;
        snprintf(why, whylen, "fail:MESSAGE needs a message");
        return false;
    }
    snprintf(why, whylen, "expected instant, polls:N, ms:T or fail:MESSAGE");
    return false;
}

bool civis__sim_policy_check(const char *text, char *why, size_t whylen)
{
    sim_policy p;
    return civis__sim_policy_parse(&p, text, why, whylen);
}

/* {"policy":"instant"|"polls"|"ms"|"fail", "n":N, "ms":T, "error":TEXT}; a
 * failing policy may also wait with "n" (polls) or "ms". */
bool civis__sim_policy_from_json(sim_policy *out, const cJSON *json, char *why, size_t whylen)
{
    memset(out, 0, sizeof(*out));
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(json, "policy");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(json, "n");
    const cJSON *ms = cJSON_GetObjectItemCaseSensitive(json, "ms");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(json, "error");
    if (!cJSON_IsString(p)) {
        snprintf(why, whylen, "field 'policy' must be one of instant, polls, ms, fail");
        return false;
    }
    const char *name = p->valuestring;
    bool fail = strcmp(name, "fail") == 0;
    if (strcmp(name, "polls") == 0 || (fail && n != NULL)) {
        if (!cJSON_IsNumber(n) || n->valuedouble < 1 || n->valuedouble > (double)MAX_POLLS ||
            n->valuedouble != (double)(unsigned long)n->valuedouble) {
            snprintf(why, whylen, "field 'n' must be an integer from 1 to %lu", MAX_POLLS);
            return false;
        }
        out->mode = SIM_POLICY_POLLS;
        out->n = (unsigned long)n->valuedouble;
    } else if (strcmp(name, "ms") == 0 || (fail && ms != NULL)) {
        if (!cJSON_IsNumber(ms) || ms->valuedouble < 0 || ms->valuedouble > (double)MAX_MS) {
            snprintf(why, whylen, "field 'ms' must be a number of milliseconds from 0 to %lu",
                     MAX_MS);
            return false;
        }
        out->mode = SIM_POLICY_MS;
        out->n = (unsigned long)ms->valuedouble;
    } else if (strcmp(name, "instant") != 0 && !fail) {
        snprintf(why, whylen, "field 'policy' must be one of instant, polls, ms, fail; got '%.64s'",
                 name);
        return false;
    }
    if (fail) {
        if (e != NULL && !cJSON_IsString(e)) {
            snprintf(why, whylen, "field 'error' must be a string");
            return false;
        }
        out->fail = true;
        snprintf(out->error, sizeof(out->error), "%s",
                 cJSON_IsString(e) && e->valuestring[0] ? e->valuestring : "The run failed.");
    }
    return true;
}

/* ---- runs ------------------------------------------------------------------ */

void civis__sim_run_free(sim_run *run)
{
    if (run == NULL)
        return;
    free(run->error);
    cJSON_Delete(run->outputs);
    cJSON_Delete(run->preview);
    for (size_t i = 0; i < run->n_logs; i++) {
        free(run->logs[i].message);
        free(run->logs[i].level);
    }
    free(run->logs);
    free(run);
}

sim_run *civis__sim_run_find(const sim_obj *job, long run_id)
{
    for (size_t i = 0; i < job->n_runs; i++)
        if (job->runs[i]->id == run_id)
            return job->runs[i];
    return NULL;
}

bool civis__sim_run_log(sim_space *space, sim_run *run, const char *level, const char *message)
{
    if (run->n_logs == run->cap_logs) {
        size_t cap = run->cap_logs ? run->cap_logs * 2 : 8;
        sim_log *grown = realloc(run->logs, cap * sizeof(*grown));
        if (grown == NULL)
            return false;
        run->logs = grown;
        run->cap_logs = cap;
    }
    sim_log *l = &run->logs[run->n_logs];
    l->message = strdup(message);
    l->level = strdup(level && *level ? level : "info");
    if (l->message == NULL || l->level == NULL) {
        free(l->message);
        free(l->level);
        return false;
    }
    l->id = space->next_log_id++;
    l->at_ms = civis__sim_now_ms();
    run->n_logs++;
    return true;
}

bool civis__sim_outputs_add(cJSON *dst, const cJSON *outputs, const civis_sim *sim, char *why,
                            size_t whylen)
{
    cJSON *wire = civis__sim_to_wire(sim->spec, NULL, outputs);
    if (wire == NULL) {
        snprintf(why, whylen, "out of memory");
        return false;
    }
    bool ok = true;
    const cJSON *list = wire;
    cJSON *single = NULL;
    if (cJSON_IsObject(wire)) {
        single = cJSON_CreateArray();
        cJSON *copy = cJSON_Duplicate(wire, true);
        if (single == NULL || copy == NULL || !cJSON_AddItemToArray(single, copy)) {
            cJSON_Delete(copy);
            ok = false;
        }
        list = single;
    } else if (!cJSON_IsArray(wire)) {
        snprintf(why, whylen, "outputs must be an object or an array of objects");
        ok = false;
    }
    for (const cJSON *o = ok ? list->child : NULL; ok && o != NULL; o = o->next) {
        cJSON *m = civis__sim_to_wire(sim->spec, sim->output_schema, o);
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "objectType");
        const cJSON *oid = cJSON_GetObjectItemCaseSensitive(m, "objectId");
        if (!cJSON_IsObject(m) || !cJSON_IsString(type) ||
            (oid != NULL && !cJSON_IsNumber(oid) && !cJSON_IsNull(oid))) {
            snprintf(why, whylen,
                     "each output needs 'objectType' (a string) and 'objectId' (an integer)");
            ok = false;
        } else if (!cJSON_AddItemToArray(dst, m)) {
            snprintf(why, whylen, "out of memory");
            ok = false;
        } else {
            m = NULL;
        }
        cJSON_Delete(m);
    }
    cJSON_Delete(single);
    cJSON_Delete(wire);
    return ok;
}

static bool job_logs_into_run(sim_space *space, sim_run *run, const cJSON *logs)
{
    for (const cJSON *l = logs ? logs->child : NULL; l != NULL; l = l->next) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(l, "message");
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(l, "level");
        if (cJSON_IsString(m) &&
            !civis__sim_run_log(space, run, cJSON_IsString(lv) ? lv->valuestring : NULL,
                                m->valuestring))
            return false;
    }
    return true;
}

sim_run *civis__sim_run_start(sim_req *r, sim_obj *job)
{
    if (job->n_runs == job->cap_runs) {
        size_t cap = job->cap_runs ? job->cap_runs * 2 : 4;
        sim_run **grown = realloc(job->runs, cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        job->runs = grown;
        job->cap_runs = cap;
    }
    sim_run *run = calloc(1, sizeof(*run));
    if (run == NULL)
        return NULL;
    run->outputs =
        job->next_outputs ? cJSON_Duplicate(job->next_outputs, true) : cJSON_CreateArray();
    long id = run->outputs ? civis__sim_take_id(r->space) : -1;
    if (id < 0 || !job_logs_into_run(r->space, run, job->next_logs)) {
        civis__sim_run_free(run);
        return NULL;
    }
    run->id = id;
    run->state = SIM_QUEUED;
    run->policy = job->has_policy ? job->policy : r->sim->policy;
    run->created_ms = civis__sim_now_ms();
    job->runs[job->n_runs++] = run;
    return run;
}

/* ---- results of SQL runs and queries --------------------------------------- */

static const char *result_csv(const sim_req *r, const sim_obj *job, size_t *len)
{
    if (job->csv != NULL) {
        *len = job->csv_len;
        return job->csv;
    }
    if (r->space->csv != NULL) {
        *len = r->space->csv_len;
        return r->space->csv;
    }
    if (r->sim->csv != NULL) {
        *len = r->sim->csv_len;
        return r->sim->csv;
    }
    *len = strlen(HEADER_ONLY_CSV);
    return HEADER_ONLY_CSV;
}

/* One gzip member (zlib with the gzip wrapper) of buf[0..len). */
static char *gzip_bytes(const char *buf, size_t len, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return NULL;
    uLong bound = deflateBound(&zs, (uLong)len) + 32;
    char *out = malloc(bound);
    if (out == NULL) {
        deflateEnd(&zs);
        return NULL;
    }
    zs.next_in = (Bytef *)(uintptr_t)buf;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)bound;
    int rc = deflate(&zs, Z_FINISH);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    return out;
}

static const cJSON *csv_setting(const sim_obj *job, const char *name)
{
    const cJSON *cs = civis__sim_given(job, "csvSettings");
    return cJSON_IsObject(cs) ? cJSON_GetObjectItemCaseSensitive(cs, name) : NULL;
}

/* The result file of a finished SQL run. */
static bool sql_output(sim_req *r, sim_obj *job, sim_run *run)
{
    size_t len = 0;
    const char *csv = result_csv(r, job, &len);
    if (cJSON_IsFalse(csv_setting(job, "includeHeader"))) {
        const char *nl = memchr(csv, '\n', len);
        size_t skip = nl ? (size_t)(nl - csv) + 1 : len;
        csv += skip;
        len -= skip;
    }
    const cJSON *comp = csv_setting(job, "compression");
    bool plain = cJSON_IsString(comp) && strcmp(comp->valuestring, "none") == 0;
    const cJSON *prefix = csv_setting(job, "filenamePrefix");
    char name[160];
    snprintf(name, sizeof(name), "%s.csv%s",
             cJSON_IsString(prefix) && prefix->valuestring[0] ? prefix->valuestring : "output",
             plain ? "" : ".gz");
    size_t zlen = len;
    char *z = plain ? NULL : gzip_bytes(csv, len, &zlen);
    if (!plain && z == NULL)
        return false;
    sim_obj *file = civis__sim_file_from_bytes(r, name, plain ? "text/csv" : "application/gzip",
                                               plain ? csv : z, zlen);
    free(z);
    if (file == NULL)
        return false;
    run->output_file_id = file->id;
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && civis__sim_set_str(o, "objectType", "File") &&
              civis__sim_set_num(o, "objectId", (double)file->id) &&
              civis__sim_set_str(o, "name", name) && cJSON_AddItemToArray(run->outputs, o);
    if (!ok)
        cJSON_Delete(o);
    return ok;
}

/* Splits CSV text into rows of fields (RFC 4180 quoting); at most
 * max_rows rows after the header. */
static bool parse_csv(const char *s, size_t len, long max_rows, cJSON **header, cJSON **rows)
{
    *header = NULL;
    *rows = cJSON_CreateArray();
    cJSON *row = cJSON_CreateArray();
    char *field = malloc(len + 1);
    bool ok = *rows != NULL && row != NULL && field != NULL;
    size_t i = 0, f = 0;
    long n = 0;
    bool quoted = false, any = false;
    while (ok && i <= len) {
        char c = i < len ? s[i] : '\n';
        bool at_end = i == len;
        i++;
        if (quoted && !at_end) {
            if (c == '"' && i < len && s[i] == '"') {
                field[f++] = '"';
                i++;
            } else if (c == '"') {
                quoted = false;
            } else {
                field[f++] = c;
            }
            continue;
        }
        if (c == '"') {
            quoted = true;
            any = true;
        } else if (c == ',' || c == '\n') {
            if (c == '\n' && f > 0 && field[f - 1] == '\r')
                f--;
            if (c == ',' || any || f > 0 || cJSON_GetArraySize(row) > 0) {
                field[f] = '\0';
                ok = cJSON_AddItemToArray(row, cJSON_CreateString(field));
            }
            f = 0;
            any = false;
            if (c == '\n' && ok && cJSON_GetArraySize(row) > 0) {
                if (*header == NULL) {
                    *header = row;
                } else if (n < max_rows) {
                    ok = cJSON_AddItemToArray(*rows, row);
                    n++;
                } else {
                    cJSON_Delete(row);
                }
                row = ok ? cJSON_CreateArray() : NULL;
                ok = ok && row != NULL;
            }
        } else {
            field[f++] = c;
        }
    }
    free(field);
    cJSON_Delete(row);
    if (ok && *header == NULL)
        ok = (*header = cJSON_CreateArray()) != NULL;
    if (!ok) {
        cJSON_Delete(*header);
        cJSON_Delete(*rows);
        *header = *rows = NULL;
    }
    return ok;
}

/* ---- moving runs along -------------------------------------------------- */

static void finish(sim_req *r, sim_obj *job, sim_run *run, sim_state state, const char *error,
                   long long at)
{
    if (run->started_ms == 0)
        run->started_ms = at;
    run->finished_ms = at;
    char why[512];
    if (state == SIM_SUCCEEDED && cmock__sql_owns_job(r, job)) {
        /* The SQL engine does the run's work now; its error fails the run. */
        if (!cmock__sql_run(r, job, run, why, sizeof(why))) {
            state = SIM_FAILED;
            error = why;
        }
        run->state = state;
        if (state == SIM_FAILED) {
            free(run->error);
            run->error = strdup(error);
            if (run->error != NULL)
                (void)civis__sim_run_log(r->space, run, "error", run->error);
        }
        return;
    }
    run->state = state;
    if (state == SIM_FAILED) {
        free(run->error);
        run->error = strdup(error ? error : "The run failed.");
        if (run->error != NULL)
            (void)civis__sim_run_log(r->space, run, "error", run->error);
    } else if (state == SIM_SUCCEEDED && job->coll >= 0 && r->sim->colls[job->coll].sql) {
        /* Out of memory here leaves a succeeded run without output, which
         * is what the platform shows for an empty export. */
        (void)sql_output(r, job, run);
    } else if (state == SIM_SUCCEEDED && job->coll >= 0 && r->sim->colls[job->coll].preprocess) {
        (void)civis__sim_preprocess_output(r, job, run);
    }
}

void civis__sim_run_observe(sim_req *r, sim_obj *job, sim_run *run, bool read)
{
    if (finished(run))
        return;
    if (read)
        run->reads++;
    long long now = civis__sim_now_ms();
    bool done = false;
    long long at = now;
    switch (run->policy.mode) {
    case SIM_POLICY_INSTANT: done = true; break;
    case SIM_POLICY_POLLS: done = run->reads >= run->policy.n; break;
    case SIM_POLICY_MS:
        done = now >= run->created_ms + (long long)run->policy.n;
        at = run->created_ms + (long long)run->policy.n;
        break;
    }
    if (done) {
        finish(r, job, run, run->policy.fail ? SIM_FAILED : SIM_SUCCEEDED, run->policy.error, at);
    } else if (read || run->policy.mode == SIM_POLICY_MS) {
        run->state = SIM_RUNNING;
        if (run->started_ms == 0)
            run->started_ms = now;
    }
}

void civis__sim_run_force(sim_req *r, sim_obj *job, sim_run *run, sim_state to, const char *error)
{
    long long now = civis__sim_now_ms();
    if (finished(run))
        return;
    if (to == SIM_RUNNING || to == SIM_QUEUED) {
        run->state = to;
        if (to == SIM_RUNNING && run->started_ms == 0)
            run->started_ms = now;
    } else if (to == SIM_CANCELLED) {
        run->cancel_requested = true;
        run->state = SIM_CANCELLED;
        run->finished_ms = now;
    } else {
        finish(r, job, run, to, error, now);
    }
}

static sim_run *last_run(const sim_obj *job)
{
    return job->n_runs ? job->runs[job->n_runs - 1] : NULL;
}

/* ---- rendering ------------------------------------------------------------- */

static bool set_if(const civis_spec *spec, const cJSON *schema, cJSON *out, const char *name,
                   cJSON *v)
{
    if (!civis__sim_schema_has(spec, schema, name)) {
        cJSON_Delete(v);
        return true;
    }
    return civis__sim_set(out, name, v);
}

static cJSON *time_or_null(long long ms)
{
    char iso[40];
    civis__sim_iso(iso, sizeof(iso), ms);
    return ms > 0 ? cJSON_CreateString(iso) : cJSON_CreateNull();
}

/* The SqlRun output list: [{outputName, fileId, path}]. */
static cJSON *sql_output_list(sim_req *r, const sim_run *run)
{
    cJSON *arr = cJSON_CreateArray();
    sim_obj *file = civis__sim_obj_get(r->space, run->output_file_id);
    if (arr == NULL || file == NULL || run->state != SIM_SUCCEEDED)
        return arr;
    char url[512];
    civis__sim_file_url(r, file, url, sizeof(url));
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(file->data, "name");
    cJSON *o = cJSON_CreateObject();
    bool ok =
        o != NULL &&
        civis__sim_set_str(o, "outputName", cJSON_IsString(name) ? name->valuestring : "output") &&
        civis__sim_set_num(o, "fileId", (double)file->id) && civis__sim_set_str(o, "path", url) &&
        cJSON_AddItemToArray(arr, o);
    if (!ok) {
        cJSON_Delete(o);
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}

/* The property naming the run's job in a typed run schema: the first
 * "...Id" before "state" ("sqlId", "containerId", "csvImportId"). */
static const char *job_id_field(const civis_spec *spec, const cJSON *schema)
{
    const cJSON *s = civis_spec_deref(spec, schema);
    const cJSON *props = s ? cJSON_GetObjectItemCaseSensitive(s, "properties") : NULL;
    for (const cJSON *p = props ? props->child : NULL; p != NULL; p = p->next) {
        if (strcmp(p->string, "state") == 0)
            break;
        size_t n = strlen(p->string);
        if (strcmp(p->string, "id") != 0 && strcmp(p->string, "runId") != 0 && n > 2 &&
            strcmp(p->string + n - 2, "Id") == 0)
            return p->string;
    }
    return NULL;
}

static cJSON *render_run(sim_req *r, const sim_obj *job, const sim_run *run, const cJSON *schema)
{
    const civis_spec *spec = r->sim->spec;
    cJSON *out = civis__sim_render(r->sim, schema, NULL, civis__sim_obj_seed(r->sim, run->id));
    if (out == NULL)
        return NULL;
    const char *jf = job_id_field(spec, schema);
    bool ok =
        set_if(spec, schema, out, "id", cJSON_CreateNumber((double)run->id)) &&
        set_if(spec, schema, out, "runId", cJSON_CreateNumber((double)run->id)) &&
        set_if(spec, schema, out, "state", cJSON_CreateString(state_name(run->state))) &&
        set_if(spec, schema, out, "isCancelRequested", cJSON_CreateBool(run->cancel_requested)) &&
        set_if(spec, schema, out, "createdAt", time_or_null(run->created_ms)) &&
        set_if(spec, schema, out, "startedAt", time_or_null(run->started_ms)) &&
        set_if(spec, schema, out, "finishedAt", time_or_null(run->finished_ms)) &&
        set_if(spec, schema, out, "error",
               run->error ? cJSON_CreateString(run->error) : cJSON_CreateNull()) &&
        set_if(spec, schema, out, "outputCachedOn", cJSON_CreateNull()) &&
        (jf == NULL || civis__sim_set_num(out, jf, (double)job->id));
    if (ok && civis__sim_schema_has(spec, schema, "output"))
        ok = civis__sim_set(out, "output", sql_output_list(r, run));
    if (!ok) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

/* JobRun-shaped summary: {id, state, createdAt, startedAt, finishedAt, error}. */
static cJSON *run_summary(const sim_run *run)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && civis__sim_set_num(o, "id", (double)run->id) &&
              civis__sim_set_str(o, "state", state_name(run->state)) &&
              civis__sim_set(o, "createdAt", time_or_null(run->created_ms)) &&
              civis__sim_set(o, "startedAt", time_or_null(run->started_ms)) &&
              civis__sim_set(o, "finishedAt", time_or_null(run->finished_ms)) &&
              civis__sim_set_str(o, "error", run->error);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static bool query_results(sim_req *r, sim_obj *job, const sim_run *last, const cJSON *schema,
                          cJSON *out)
{
    const civis_spec *spec = r->sim->spec;
    if (!civis__sim_schema_has(spec, schema, "resultRows") &&
        !civis__sim_schema_has(spec, schema, "resultColumns"))
        return true;
    if (last == NULL || last->state != SIM_SUCCEEDED)
        return set_if(spec, schema, out, "resultColumns", cJSON_CreateNull()) &&
               set_if(spec, schema, out, "resultRows", cJSON_CreateNull());
    const cJSON *pr = civis__sim_given(job, "previewRows");
    /* Clamped on the double: a cast of 1e300 to long is undefined behaviour. */
    long max = DEFAULT_PREVIEW_ROWS;
    if (cJSON_IsNumber(pr) && pr->valuedouble >= 0)
        max =
            pr->valuedouble >= (double)MAX_PREVIEW_ROWS ? MAX_PREVIEW_ROWS : (long)pr->valuedouble;
    cJSON *header = NULL, *rows = NULL;
    if (last->preview != NULL) { /* run by the SQL engine */
        header =
            cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(last->preview, "resultColumns"), true);
        rows = cJSON_CreateArray();
        const cJSON *all = cJSON_GetObjectItemCaseSensitive(last->preview, "resultRows");
        long n = 0;
        for (const cJSON *row = all ? all->child : NULL; rows && row && n < max; row = row->next) {
            cJSON *copy = cJSON_Duplicate(row, true);
            if (copy == NULL || !cJSON_AddItemToArray(rows, copy)) {
                cJSON_Delete(copy);
                cJSON_Delete(rows);
                rows = NULL;
            }
            n++;
        }
        if (header == NULL || rows == NULL) {
            cJSON_Delete(header);
            cJSON_Delete(rows);
            return false;
        }
        return set_if(spec, schema, out, "resultColumns", header) &&
               set_if(spec, schema, out, "resultRows", rows);
    }
    size_t len = 0;
    const char *csv = result_csv(r, job, &len);
    if (!parse_csv(csv, len, max, &header, &rows))
        return false;
    return set_if(spec, schema, out, "resultColumns", header) &&
           set_if(spec, schema, out, "resultRows", rows);
}

bool civis__sim_job_overlay(sim_req *r, sim_obj *job, const cJSON *schema, cJSON *out)
{
    const civis_spec *spec = r->sim->spec;
    sim_run *last = last_run(job);
    if (last != NULL && !r->snapshot)
        civis__sim_run_observe(r, job, last, true);
    bool ok = true;
    if (civis__sim_schema_has(spec, schema, "runs")) {
        cJSON *runs = cJSON_CreateArray();
        for (size_t i = job->n_runs, k = 0; runs != NULL && i > 0 && k < JOB_RUNS_SHOWN; i--, k++) {
            cJSON *s = run_summary(job->runs[i - 1]);
            if (s == NULL || !cJSON_AddItemToArray(runs, s)) {
                cJSON_Delete(s);
                cJSON_Delete(runs);
                runs = NULL;
            }
        }
        ok = civis__sim_set(out, "runs", runs);
    }
    ok = ok &&
         set_if(spec, schema, out, "lastRun", last ? run_summary(last) : cJSON_CreateNull()) &&
         set_if(spec, schema, out, "lastRunId",
                last ? cJSON_CreateNumber((double)last->id) : cJSON_CreateNull()) &&
         set_if(spec, schema, out, "state",
                cJSON_CreateString(last ? state_name(last->state) : "idle")) &&
         set_if(spec, schema, out, "startedAt", time_or_null(last ? last->started_ms : 0)) &&
         set_if(spec, schema, out, "finishedAt", time_or_null(last ? last->finished_ms : 0)) &&
         set_if(spec, schema, out, "error",
                last && last->error ? cJSON_CreateString(last->error) : cJSON_CreateNull());
    return ok && query_results(r, job, last, schema, out);
}

/* ---- outputs and logs ------------------------------------------------------ */

/* An output as shown: name, link and value filled in from the object it
 * names when that object is in the caller's store. */
static cJSON *render_output(sim_req *r, const cJSON *stored)
{
    cJSON *o = cJSON_Duplicate(stored, true);
    if (o == NULL)
        return NULL;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "objectType");
    const cJSON *oid = cJSON_GetObjectItemCaseSensitive(o, "objectId");
    long id =
        cJSON_IsNumber(oid) && oid->valuedouble >= 1 && oid->valuedouble <= (double)LONG_MAX / 2
            ? (long)oid->valuedouble
            : -1;
    sim_obj *target = civis__sim_obj_get(r->space, id);
    bool ok = true;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
    if (ok && (name == NULL || cJSON_IsNull(name))) {
        const cJSON *tn = target ? cJSON_GetObjectItemCaseSensitive(target->data, "name") : NULL;
        ok = civis__sim_set_str(o, "name", cJSON_IsString(tn) ? tn->valuestring : NULL);
    }
    if (ok && !cJSON_HasObjectItem(o, "link")) {
        char snake[96], link[320];
        civis_camel_to_snake(snake, sizeof(snake), cJSON_IsString(type) ? type->valuestring : "");
        const char *host = strncmp(r->base, "http://", 7) == 0 ? r->base + 7 : r->base;
        snprintf(link, sizeof(link), "%s/%ss/%ld", host, snake, id);
        ok = civis__sim_set_str(o, "link", id >= 0 ? link : NULL);
    }
    if (ok && !cJSON_HasObjectItem(o, "value")) {
        const cJSON *tv = target ? cJSON_GetObjectItemCaseSensitive(target->data, "value") : NULL;
        bool json_value = cJSON_IsString(type) && strcmp(type->valuestring, "JSONValue") == 0;
        ok = civis__sim_set(o, "value",
                            json_value && tv ? cJSON_Duplicate(tv, true) : cJSON_CreateNull());
    }
    if (ok && !cJSON_HasObjectItem(o, "objectId"))
        ok = civis__sim_set(o, "objectId", cJSON_CreateNull());
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *render_outputs(sim_req *r, const cJSON *outputs)
{
    cJSON *arr = cJSON_CreateArray();
    for (const cJSON *o = outputs ? outputs->child : NULL; arr != NULL && o != NULL; o = o->next) {
        cJSON *x = render_output(r, o);
        if (x == NULL || !cJSON_AddItemToArray(arr, x)) {
            cJSON_Delete(x);
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    return arr;
}

static cJSON *render_log(const sim_log *l)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && civis__sim_set_num(o, "id", (double)l->id) &&
              civis__sim_set(o, "createdAt", time_or_null(l->at_ms)) &&
              civis__sim_set_str(o, "message", l->message) &&
              civis__sim_set_str(o, "level", l->level);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/*
 * GET .../logs: without last_id, the newest `limit` lines, newest first;
 * with last_id, the lines after it in id order (the spec: "Logs are sorted
 * by ID if this value is provided"), so that a follower never skips any.
 * Civis-Max-Id is the newest line's id (absent while there is none) and
 * Civis-Cache-Control says whether the log can still grow.
 */
static void logs(sim_req *r, sim_run *run)
{
    const char *q_last = civis__sim_query(r->req, "last_id");
    const char *q_limit = civis__sim_query(r->req, "limit");
    long last_id = q_last ? strtol(q_last, NULL, 10) : -1;
    long limit = q_limit ? strtol(q_limit, NULL, 10) : DEFAULT_LOG_LIMIT;
    if (limit <= 0)
        limit = DEFAULT_LOG_LIMIT;
    cJSON *arr = cJSON_CreateArray();
    long taken = 0;
    if (q_last != NULL) {
        for (size_t i = 0; arr != NULL && i < run->n_logs && taken < limit; i++) {
            if (run->logs[i].id <= last_id)
                continue;
            cJSON *l = render_log(&run->logs[i]);
            if (l == NULL || !cJSON_AddItemToArray(arr, l)) {
                cJSON_Delete(l);
                cJSON_Delete(arr);
                arr = NULL;
            }
            taken++;
        }
    } else {
        for (size_t i = run->n_logs; arr != NULL && i > 0 && taken < limit; i--, taken++) {
            cJSON *l = render_log(&run->logs[i - 1]);
            if (l == NULL || !cJSON_AddItemToArray(arr, l)) {
                cJSON_Delete(l);
                cJSON_Delete(arr);
                arr = NULL;
            }
        }
    }
    if (arr == NULL) {
        civis__sim_oom(r->reply);
        return;
    }
    char num[32];
    bool ok = true;
    if (run->n_logs > 0) {
        snprintf(num, sizeof(num), "%ld", run->logs[run->n_logs - 1].id);
        ok = cmock__reply_header(r->reply, "Civis-Max-Id", num);
    }
    ok = ok &&
         cmock__reply_header(r->reply, "Civis-Cache-Control", finished(run) ? "store" : "no-store");
    if (!ok) {
        cJSON_Delete(arr);
        civis__sim_oom(r->reply);
        return;
    }
    civis__sim_reply_take(r->reply, 200, arr);
}

/* POST .../logs: {message, level} or {messages: [{message, level}]}. */
static void add_logs(sim_req *r, sim_run *run)
{
    const cJSON *b = r->body;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(b, "message");
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(b, "level");
    const cJSON *many = cJSON_GetObjectItemCaseSensitive(b, "messages");
    bool ok = true;
    if (cJSON_IsString(m))
        ok = civis__sim_run_log(r->space, run, cJSON_IsString(lv) ? lv->valuestring : NULL,
                                m->valuestring);
    for (const cJSON *x = cJSON_IsArray(many) ? many->child : NULL; ok && x != NULL; x = x->next) {
        const cJSON *xm = cJSON_GetObjectItemCaseSensitive(x, "message");
        const cJSON *xl = cJSON_GetObjectItemCaseSensitive(x, "level");
        if (cJSON_IsString(xm))
            ok = civis__sim_run_log(r->space, run, cJSON_IsString(xl) ? xl->valuestring : NULL,
                                    xm->valuestring);
    }
    if (!ok) {
        civis__sim_oom(r->reply);
        return;
    }
    r->reply->status = r->op->response_status ? r->op->response_status : 204;
}

/* ---- the run paths ----------------------------------------------------------- */

static sim_obj *find_job(sim_req *r)
{
    sim_obj *obj = civis__sim_find_item(r, r->role->coll, r->role->id_param);
    if (obj == NULL || obj->coll < 0 || !r->sim->colls[obj->coll].job)
        return NULL;
    return obj;
}

static int status_of(const civis_operation *op)
{
    return op->response_status ? op->response_status : 200;
}

static void reply_run(sim_req *r, const sim_obj *job, const sim_run *run)
{
    int status = status_of(r->op);
    if (status == 204 || r->op->response_schema == NULL) {
        r->reply->status = status;
        return;
    }
    civis__sim_reply_take(r->reply, status,
                          render_run(r, job, run, civis__sim_item_schema(r->sim->spec, r->op)));
}

static void create_run(sim_req *r, sim_obj *job)
{
    for (size_t i = 0; i < job->n_runs; i++) {
        sim_run *old = job->runs[i];
        civis__sim_run_observe(r, job, old, false);
        if (!finished(old)) {
            char desc[160];
            snprintf(desc, sizeof(desc), "Job %ld already has a run in progress (run %ld, %s).",
                     job->id, old->id, state_name(old->state));
            cmock__error(r->reply, 409, "already_running", desc);
            return;
        }
    }
    sim_run *run = civis__sim_run_start(r, job);
    if (run == NULL) {
        civis__sim_oom(r->reply);
        return;
    }
    /* The answer shows the run as created; an instant run is done by the
     * time anyone asks again. */
    reply_run(r, job, run);
    civis__sim_run_observe(r, job, run, false);
}

static void list_runs(sim_req *r, sim_obj *job)
{
    const char *dir = civis__sim_query(r->req, "order_dir");
    bool asc = dir != NULL && strcasecmp(dir, "asc") == 0;
    const cJSON *schema = civis__sim_item_schema(r->sim->spec, r->op);
    cJSON *arr = cJSON_CreateArray();
    for (size_t k = 0; arr != NULL && k < job->n_runs; k++) {
        sim_run *run = job->runs[asc ? k : job->n_runs - 1 - k];
        civis__sim_run_observe(r, job, run, true);
        cJSON *x = render_run(r, job, run, schema);
        if (x == NULL || !cJSON_AddItemToArray(arr, x)) {
            cJSON_Delete(x);
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    civis__sim_reply_list(r, arr);
}

/* Cancels an unfinished run; a finished one (or none) is a 404, as the
 * platform answers a cancel that came too late. */
static void cancel(sim_req *r, sim_obj *job, sim_run *run)
{
    if (run != NULL)
        civis__sim_run_observe(r, job, run, false);
    if (run == NULL || finished(run)) {
        civis__sim_not_found(r->reply);
        return;
    }
    long long now = civis__sim_now_ms();
    run->cancel_requested = true;
    run->state = SIM_CANCELLED;
    run->finished_ms = now;
    reply_run(r, job, run);
}

static void outputs(sim_req *r, sim_obj *job, sim_run *run)
{
    civis__sim_run_observe(r, job, run, false);
    cJSON *arr = render_outputs(r, run->outputs);
    civis__sim_reply_list(r, arr);
}

static void add_output(sim_req *r, sim_run *run)
{
    char why[160];
    size_t before = (size_t)cJSON_GetArraySize(run->outputs);
    if (!civis__sim_outputs_add(run->outputs, r->body, r->sim, why, sizeof(why))) {
        cmock__error(r->reply, 400, "invalid", why);
        return;
    }
    int status = status_of(r->op);
    const cJSON *added = cJSON_GetArrayItem(run->outputs, (int)before);
    if (status == 204 || r->op->response_schema == NULL || added == NULL) {
        r->reply->status = status;
        return;
    }
    civis__sim_reply_take(r->reply, status, render_output(r, added));
}

void civis__sim_runs(sim_req *r)
{
    sim_obj *job = find_job(r);
    if (job == NULL) {
        civis__sim_not_found(r->reply);
        return;
    }
    switch (r->role->kind) {
    case SIM_R_RUN_CREATE: create_run(r, job); return;
    case SIM_R_RUN_LIST: list_runs(r, job); return;
    case SIM_R_JOB_CANCEL: cancel(r, job, last_run(job)); return;
    case SIM_R_JOB_GET:
        civis__sim_reply_take(r->reply, status_of(r->op), civis__sim_render_obj(r, job, r->op));
        return;
    default: break;
    }
    sim_run *run =
        civis__sim_run_find(job, civis__sim_param_id(r->route, (size_t)r->role->id_param + 1));
    if (run == NULL) {
        civis__sim_not_found(r->reply);
        return;
    }
    switch (r->role->kind) {
    case SIM_R_RUN_GET:
        civis__sim_run_observe(r, job, run, true);
        reply_run(r, job, run);
        break;
    case SIM_R_RUN_CANCEL: cancel(r, job, run); break;
    case SIM_R_RUN_OUTPUTS: outputs(r, job, run); break;
    case SIM_R_RUN_OUTPUT_ADD: add_output(r, run); break;
    case SIM_R_RUN_LOGS:
        civis__sim_run_observe(r, job, run, false);
        logs(r, run);
        break;
    case SIM_R_RUN_LOG_ADD: add_logs(r, run); break;
    default: civis__sim_not_found(r->reply); break;
    }
}
