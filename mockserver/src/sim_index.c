/*
 * sim_index.c: what each operation of the spec means to the simulation,
 * inferred once at start-up from the path templates alone (no hand list of
 * resources):
 *
 *   collection  a path whose last segment is literal, that takes POST and
 *               has an item path: collection + /{integer param}
 *               ("/scripts/containers", "/files/", "/notebooks/{id}/deployments")
 *   job         a collection with X/{id}/runs (or X/{id}/runs/{run_id});
 *               "/files/preprocess/csv" too, which the official client runs
 *               through /jobs/{id}/runs although the spec gives it no runs path
 *   run paths   X/{id}/runs[/{run_id}[/outputs|/logs]] and X/{id}/cancel,
 *               where X is a job collection or anything else (then any job
 *               of the caller's store answers, as for /jobs/{id}/runs)
 *
 * A few specific behaviours are layered on top by collection key: SQL
 * scripts produce a CSV file, creating a query starts it, "/scripts/{id}"
 * names a script of any type, "/files/multipart" creates files.
 */
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* The template with every {param} written as "{}" and no trailing slash. */
static char *template_key(const char *path, size_t *n_params)
{
    size_t len = strlen(path);
    char *out = malloc(len + 2);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    *n_params = 0;
    for (size_t i = 0; i < len; i++) {
        if (path[i] == '{') {
            const char *close = strchr(path + i, '}');
            if (close == NULL)
                break;
            out[o++] = '{';
            out[o++] = '}';
            (*n_params)++;
            i = (size_t)(close - path);
        } else {
            out[o++] = path[i];
        }
    }
    while (o > 1 && out[o - 1] == '/')
        o--;
    out[o] = '\0';
    return out;
}

typedef struct keyed {
    char *key;
    size_t n_params;
    const civis_operation *op;
} keyed;

static const civis_operation *find(const keyed *ks, size_t n, const char *key, const char *verb)
{
    for (size_t i = 0; i < n; i++)
        if (ks[i].key != NULL && strcmp(ks[i].key, key) == 0 &&
            (verb == NULL || strcmp(ks[i].op->verb, verb) == 0))
            return ks[i].op;
    return NULL;
}

/* The last path segment of a key. */
static const char *last_segment(const char *key)
{
    const char *s = strrchr(key, '/');
    return s ? s + 1 : key;
}

static bool ends_with(const char *s, const char *suffix, size_t *prefix_len)
{
    size_t a = strlen(s), b = strlen(suffix);
    if (a <= b || strcmp(s + a - b, suffix) != 0)
        return false;
    *prefix_len = a - b;
    return true;
}

/* Whether the last path parameter of an item operation is an integer id. */
static bool integer_item(const civis_operation *op)
{
    const char *open = strrchr(op->path, '{');
    if (open == NULL)
        return false;
    char name[96];
    size_t n = strcspn(open + 1, "}");
    if (n >= sizeof(name))
        return false;
    memcpy(name, open + 1, n);
    name[n] = '\0';
    const civis_param *p = civis_operation_param(op, name);
    return p != NULL && p->in == CIVIS_IN_PATH && p->type == CIVIS_TYPE_INTEGER;
}

static int coll_find(const civis_sim *sim, const char *key, size_t len)
{
    for (size_t i = 0; i < sim->n_colls; i++)
        if (strlen(sim->colls[i].key) == len && strncmp(sim->colls[i].key, key, len) == 0)
            return (int)i;
    return -1;
}

/* Job types as the platform names them, where the spec's examples show them. */
static const char *job_type(const char *key)
{
    static const char *const table[][2] = {
        {"/scripts/sql", "JobTypes::SqlRunner"},
        {"/scripts/containers", "JobTypes::ContainerDocker"},
        {"/scripts/python3", "JobTypes::PythonDocker"},
        {"/scripts/r", "JobTypes::RDocker"},
        {"/scripts/javascript", "JobTypes::JavaScript"},
        {"/scripts/dbt", "JobTypes::Dbt"},
        {"/scripts/custom", "JobTypes::CustomScript"},
        {"/imports", "JobTypes::Import"},
        {"/imports/files/csv", "JobTypes::Import"},
        {"/exports/files/csv", "JobTypes::Export"},
        {"/queries", "JobTypes::Query"},
        {"/files/preprocess/csv", "JobTypes::CsvPreprocess"},
        {"/enhancements/cass-ncoa", "JobTypes::CassNcoa"},
    };
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(table[i][0], key) == 0)
            return table[i][1];
    return "JobTypes::Job";
}

/* "deployment_id" -> "deploymentId". */
static void snake_to_camel(char *out, size_t len, const char *in)
{
    size_t o = 0;
    bool up = false;
    for (; *in && o + 1 < len; in++) {
        if (*in == '_') {
            up = true;
            continue;
        }
        out[o++] = up && *in >= 'a' && *in <= 'z' ? (char)(*in - 'a' + 'A') : *in;
        up = false;
    }
    out[o] = '\0';
}

/* "id" unless the object's schema lacks it and names the id after the item
 * path's parameter instead (deployments have "deploymentId"). */
static void id_field(const civis_sim *sim, sim_coll *c, const civis_operation *item)
{
    snprintf(c->id_field, sizeof(c->id_field), "id");
    const civis_operation *ops[] = {c->get, c->create};
    for (size_t i = 0; i < 2; i++) {
        const cJSON *s = civis__sim_item_schema(sim->spec, ops[i]);
        if (s == NULL)
            continue;
        if (civis__sim_schema_has(sim->spec, s, "id"))
            return;
        const char *open = strrchr(item->path, '{');
        char name[64], camel[64];
        size_t n = open ? strcspn(open + 1, "}") : 0;
        if (n == 0 || n >= sizeof(name))
            return;
        memcpy(name, open + 1, n);
        name[n] = '\0';
        snake_to_camel(camel, sizeof(camel), name);
        if (civis__sim_schema_has(sim->spec, s, camel))
            snprintf(c->id_field, sizeof(c->id_field), "%s", camel);
        return;
    }
}

static bool excluded_name(const char *seg)
{
    static const char *const names[] = {"runs",    "outputs",  "logs", "cancel",
                                        "archive", "complete", NULL};
    for (size_t i = 0; names[i] != NULL; i++)
        if (strcmp(seg, names[i]) == 0)
            return true;
    return false;
}

static civis_status add_collections(civis_sim *sim, const keyed *ks, size_t n, civis_error *err)
{
    char item[512];
    for (size_t i = 0; i < n; i++) {
        const civis_operation *op = ks[i].op;
        if (ks[i].key == NULL || strcmp(op->verb, "POST") != 0)
            continue;
        const char *seg = last_segment(ks[i].key);
        if (*seg == '\0' || seg[0] == '{' || excluded_name(seg))
            continue;
        snprintf(item, sizeof(item), "%s/{}", ks[i].key);
        const civis_operation *get = find(ks, n, item, "GET");
        const civis_operation *any = get ? get : find(ks, n, item, NULL);
        if (any == NULL || !integer_item(any))
            continue;
        if (coll_find(sim, ks[i].key, strlen(ks[i].key)) >= 0)
            continue;
        sim_coll *grown = realloc(sim->colls, (sim->n_colls + 1) * sizeof(*grown));
        if (grown == NULL)
            return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory indexing the simulation");
        sim->colls = grown;
        sim_coll *c = &sim->colls[sim->n_colls];
        memset(c, 0, sizeof(*c));
        c->key = strdup(ks[i].key);
        if (c->key == NULL)
            return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory indexing the simulation");
        sim->n_colls++;
        c->parent = -1;
        c->nested = ks[i].n_params > 0;
        c->create = op;
        c->list = find(ks, n, ks[i].key, "GET");
        c->get = get;
        c->patch = find(ks, n, item, "PATCH");
        c->put = find(ks, n, item, "PUT");
        c->del = find(ks, n, item, "DELETE");
        char runs[512];
        snprintf(runs, sizeof(runs), "%s/{}/runs", ks[i].key);
        char run[520];
        snprintf(run, sizeof(run), "%s/{}", runs);
        c->job = find(ks, n, runs, NULL) != NULL || find(ks, n, run, NULL) != NULL ||
                 strcmp(c->key, "/files/preprocess/csv") == 0;
        c->sql = strcmp(c->key, "/scripts/sql") == 0;
        c->starts_run = strcmp(c->key, "/queries") == 0;
        c->preprocess = strcmp(c->key, "/files/preprocess/csv") == 0;
        c->job_type = job_type(c->key);
        id_field(sim, c, any);
    }
    /* Parents: "/notebooks/{}/deployments" sits under "/notebooks". */
    for (size_t i = 0; i < sim->n_colls; i++) {
        const char *k = sim->colls[i].key;
        const char *p = strstr(k, "/{}");
        const char *last = NULL;
        while (p != NULL) {
            last = p;
            p = strstr(p + 3, "/{}");
        }
        if (last != NULL)
            sim->colls[i].parent = coll_find(sim, k, (size_t)(last - k));
        if (strcmp(k, "/files") == 0)
            sim->files_coll = (int)i;
    }
    return CIVIS_OK;
}

static void set_role(civis_sim *sim, const civis_operation *op, sim_role_kind kind, int coll,
                     int id_param)
{
    if (op == NULL || sim->roles[op->index].kind != SIM_R_NONE)
        return;
    sim->roles[op->index].kind = kind;
    sim->roles[op->index].coll = coll;
    sim->roles[op->index].id_param = id_param;
}

/* Number of "{}" in key[0..len). */
static int params_in(const char *key, size_t len)
{
    int n = 0;
    for (size_t i = 0; i + 1 < len; i++)
        if (key[i] == '{' && key[i + 1] == '}')
            n++;
    return n;
}

static void add_run_roles(civis_sim *sim, const keyed *ks, size_t n)
{
    static const struct {
        const char *suffix;
        const char *verb;
        sim_role_kind kind;
    } pats[] = {
        {"/{}/runs", "POST", SIM_R_RUN_CREATE},
        {"/{}/runs", "GET", SIM_R_RUN_LIST},
        {"/{}/runs/{}", "GET", SIM_R_RUN_GET},
        {"/{}/runs/{}", "DELETE", SIM_R_RUN_CANCEL},
        {"/{}/runs/{}/outputs", "GET", SIM_R_RUN_OUTPUTS},
        {"/{}/runs/{}/outputs", "POST", SIM_R_RUN_OUTPUT_ADD},
        {"/{}/runs/{}/logs", "GET", SIM_R_RUN_LOGS},
        {"/{}/runs/{}/logs", "POST", SIM_R_RUN_LOG_ADD},
        {"/{}/cancel", "POST", SIM_R_JOB_CANCEL},
        {"/{}/archive", "PUT", SIM_R_ARCHIVE},
        {"/{}/archive", "PATCH", SIM_R_ARCHIVE},
    };
    for (size_t i = 0; i < n; i++) {
        const char *key = ks[i].key;
        const civis_operation *op = ks[i].op;
        if (key == NULL)
            continue;
        if (strcmp(key, "/jobs/{}") == 0 && strcmp(op->verb, "GET") == 0) {
            set_role(sim, op, SIM_R_JOB_GET, -1, 0);
            continue;
        }
        if (strcmp(key, "/files/multipart") == 0 && strcmp(op->verb, "POST") == 0) {
            set_role(sim, op, SIM_R_MULTIPART_CREATE, sim->files_coll, -1);
            continue;
        }
        if (strcmp(key, "/files/multipart/{}/complete") == 0 && strcmp(op->verb, "POST") == 0) {
            set_role(sim, op, SIM_R_MULTIPART_COMPLETE, sim->files_coll, 0);
            continue;
        }
        for (size_t k = 0; k < sizeof(pats) / sizeof(pats[0]); k++) {
            size_t plen = 0;
            if (strcmp(op->verb, pats[k].verb) != 0 || !ends_with(key, pats[k].suffix, &plen))
                continue;
            int coll = coll_find(sim, key, plen);
            if (pats[k].kind == SIM_R_ARCHIVE) {
                if (coll >= 0)
                    set_role(sim, op, SIM_R_ARCHIVE, coll, params_in(key, plen));
                break;
            }
            /* A collection that is not a job has no runs to show. */
            if (coll >= 0 && !sim->colls[coll].job && strcmp(sim->colls[coll].key, "/scripts") != 0)
                break;
            set_role(sim, op, pats[k].kind, coll, params_in(key, plen));
            break;
        }
    }
}

civis_status civis__sim_index_build(civis_sim *sim, civis_error *err)
{
    size_t n = civis_spec_operation_count(sim->spec);
    sim->files_coll = -1;
    sim->roles = calloc(n ? n : 1, sizeof(*sim->roles));
    keyed *ks = calloc(n ? n : 1, sizeof(*ks));
    if (sim->roles == NULL || ks == NULL) {
        free(ks);
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory indexing the simulation");
    }
    civis_status st = CIVIS_OK;
    for (size_t i = 0; i < n && st == CIVIS_OK; i++) {
        ks[i].op = civis_spec_operation_at(sim->spec, i);
        ks[i].key = template_key(ks[i].op->path, &ks[i].n_params);
        if (ks[i].key == NULL)
            st = civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory indexing the simulation");
    }
    if (st == CIVIS_OK)
        st = add_collections(sim, ks, n, err);
    if (st == CIVIS_OK) {
        for (size_t i = 0; i < sim->n_colls; i++) {
            sim_coll *c = &sim->colls[i];
            int parent_param = c->nested ? params_in(c->key, strlen(c->key)) - 1 : -1;
            int item_param = params_in(c->key, strlen(c->key));
            set_role(sim, c->create, SIM_R_CREATE, (int)i, parent_param);
            set_role(sim, c->list, SIM_R_LIST, (int)i, parent_param);
            set_role(sim, c->get, SIM_R_GET, (int)i, item_param);
            set_role(sim, c->patch, SIM_R_PATCH, (int)i, item_param);
            set_role(sim, c->put, SIM_R_PUT, (int)i, item_param);
            set_role(sim, c->del, SIM_R_DELETE, (int)i, item_param);
        }
        add_run_roles(sim, ks, n);
        /* The RunOutput shape, for outputs declared through the admin API. */
        for (size_t i = 0; i < n && sim->output_schema == NULL; i++)
            if (sim->roles[i].kind == SIM_R_RUN_OUTPUTS)
                sim->output_schema = civis__sim_item_schema(sim->spec, ks[i].op);
    }
    for (size_t i = 0; i < n; i++)
        free(ks[i].key);
    free(ks);
    return st;
}

void civis__sim_index_free(civis_sim *sim)
{
    for (size_t i = 0; i < sim->n_colls; i++)
        free(sim->colls[i].key);
    free(sim->colls);
    free(sim->roles);
    sim->colls = NULL;
    sim->roles = NULL;
    sim->n_colls = 0;
}

bool civis__sim_coll_accepts(const civis_sim *sim, int path_coll, int obj_coll)
{
    if (path_coll == obj_coll)
        return true;
    if (obj_coll < 0)
        return false;
    if (path_coll < 0)
        return sim->colls[obj_coll].job;
    const char *pk = sim->colls[path_coll].key;
    const char *ok = sim->colls[obj_coll].key;
    size_t pl = strlen(pk);
    return strcmp(pk, "/scripts") == 0 && strncmp(ok, pk, pl) == 0 && ok[pl] == '/' &&
           sim->colls[obj_coll].job;
}
