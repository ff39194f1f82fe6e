/*
 * test_civismock_sim_crud.c: civis-mock's simulated platform state, the generic
 * part: every collection the server infers from the spec gets create, read,
 * list, update and delete, on the bundled spec and on the full public spec,
 * plus key mapping, 404s in the API's shape, nested collections, the delete
 * rule, JSON values kept raw, pagination, per-key isolation and reset.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "civis/spec.h"
#include "mockproc.h"
#include "simtest.h"
#include "test.h"

static civis_mockproc mp;
static civis_spec *spec;

static const char not_found_body[] =
    "{\"error\":\"not_found\",\"errorDescription\":\"The requested resource could not be "
    "found.\",\"code\":404}";

static int suite_init(void)
{
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_load_bundled(&spec, &err) != CIVIS_OK) {
        fprintf(stderr, "bundled spec: %s\n", err.message);
        return 1;
    }
    return civis_mockproc_start(&mp, NULL) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    int rc = civis_mockproc_stop(&mp);
    civis_spec_free(spec);
    spec = NULL;
    return rc == 0 ? 0 : 1;
}

static void reset(const civis_mockproc *m)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, m, "POST", "/__mock/reset", NULL, NULL), 200);
}

#define num civis_simtest_num
#define str civis_simtest_str

/* ---- the generic walk over every collection --------------------------------- */

typedef struct walk {
    const civis_mockproc *mp;
    const civis_spec *spec;
    const char *key;
    const cJSON *colls; /* every collection key the server inferred */
    int done;           /* collections that went through the whole cycle */
    int failed;
    uint64_t seed;
} walk;

static bool is_coll(const walk *w, const char *key, size_t len)
{
    for (const cJSON *c = w->colls->child; c != NULL; c = c->next)
        if (strlen(c->valuestring) == len && strncmp(c->valuestring, key, len) == 0)
            return true;
    return false;
}

static const civis_operation *route(const walk *w, const char *verb, const char *path,
                                    civis_route *rt)
{
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_route(rt, w->spec, verb, path, &err) != CIVIS_OK)
        return NULL;
    return rt->op;
}

/* A body for an operation: synthesized from its schema (so it is valid),
 * with a JSON value's valueStr made real JSON. */
static char *body_for(walk *w, const civis_operation *op)
{
    if (op->body_schema == NULL)
        return strdup("{}");
    civis_synth_options o = {.seed = ++w->seed};
    cJSON *b = civis_synthesize(w->spec, op->body_schema, &o);
    if (cJSON_IsObject(b) && cJSON_HasObjectItem(b, "valueStr"))
        cJSON_ReplaceItemInObjectCaseSensitive(b, "valueStr",
                                               cJSON_CreateString("{\"Mixed\":[1,true]}"));
    char *text = b ? cJSON_PrintUnformatted(b) : strdup("{}");
    cJSON_Delete(b);
    return text;
}

static long make_obj(walk *w, const char *key, int depth);

/* The template of a path with "{}" for parameters and no trailing slash. */
static void template_of(const char *path, char *out, size_t len)
{
    size_t o = 0;
    for (const char *p = path; *p != '\0' && o + 3 < len; p++) {
        if (*p == '{') {
            out[o++] = '{';
            out[o++] = '}';
            p += strcspn(p, "}");
            if (*p == '\0')
                break;
        } else {
            out[o++] = *p;
        }
    }
    while (o > 1 && out[o - 1] == '/')
        o--;
    out[o] = '\0';
}

static long created_id_field(const walk *w, const char *key, const cJSON *created, char field[96]);

/* The id of a created object: "id", else the field named after the item
 * path's parameter ("deploymentId" for ".../deployments/{deployment_id}"). */
static long created_id(const walk *w, const char *key, const cJSON *created)
{
    return created_id_field(w, key, created, NULL);
}

static long created_id_field(const walk *w, const char *key, const cJSON *created, char field[96])
{
    if (field != NULL)
        strcpy(field, "id");
    if (num(created, "id") > 0)
        return (long)num(created, "id");
    char want[512], t[512];
    snprintf(want, sizeof(want), "%s/{}", key);
    for (size_t i = 0; i < civis_spec_operation_count(w->spec); i++) {
        const civis_operation *op = civis_spec_operation_at(w->spec, i);
        template_of(op->path, t, sizeof(t));
        if (strcmp(t, want) != 0)
            continue;
        const char *open = strrchr(op->path, '{');
        char camel[96];
        size_t o = 0;
        bool up = false;
        for (const char *p = open + 1; *p != '\0' && *p != '}' && o + 1 < sizeof(camel); p++) {
            if (*p == '_') {
                up = true;
                continue;
            }
            camel[o++] = up ? (char)(*p - 'a' + 'A') : *p;
            up = false;
        }
        camel[o] = '\0';
        if (field != NULL)
            strcpy(field, camel);
        return (long)num(created, camel);
    }
    return -1;
}

/* The key with each "{}" replaced by an enclosing object of the caller's
 * (created on the way) or by 1 where the enclosing collection is not
 * simulated. */
static bool concrete(walk *w, const char *key, char *out, size_t len, int depth)
{
    size_t o = 0;
    for (const char *p = key; *p != '\0'; p++) {
        if (p[0] == '{' && p[1] == '}') {
            size_t prefix = (size_t)(p - key) - 1; /* without the '/' */
            long id = 1;
            if (is_coll(w, key, prefix)) {
                char pk[512];
                snprintf(pk, sizeof(pk), "%.*s", (int)prefix, key);
                id = make_obj(w, pk, depth + 1);
                if (id < 0)
                    return false;
            }
            o += (size_t)snprintf(out + o, len - o, "%ld", id);
            p++;
        } else if (o + 1 < len) {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    return true;
}

static long make_obj(walk *w, const char *key, int depth)
{
    char path[512];
    civis_route rt;
    if (depth > 4 || !concrete(w, key, path, sizeof(path), depth))
        return -1;
    const civis_operation *op = route(w, "POST", path, &rt);
    if (op == NULL)
        return -1;
    char *body = body_for(w, op);
    cJSON *created = NULL;
    civis_simtest_post(&created, NULL, w->mp, w->key, path, body);
    long id = created_id(w, key, created);
    cJSON_Delete(created);
    free(body);
    return id;
}

/* Fields the simulation computes itself rather than echoing. */
static bool computed(const char *name)
{
    static const char *const names[] = {
        "id",         "createdAt",  "updatedAt",     "state",     "lastRun",
        "runs",       "startedAt",  "finishedAt",    "error",     "lastRunId",
        "fileUrl",    "fileSize",   "downloadUrl",   "uploadUrl", "uploadFields",
        "uploadUrls", "resultRows", "resultColumns", "valueStr",  NULL};
    for (size_t i = 0; names[i] != NULL; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* Every field `sent` names that the answer's schema declares comes back
 * unchanged. Prints the first difference. */
static bool echoes(const walk *w, const civis_operation *get, const cJSON *sent, const cJSON *got,
                   const char *path, const char *id_field)
{
    const cJSON *schema = civis_spec_deref(w->spec, get->response_schema);
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    for (const cJSON *f = sent ? sent->child : NULL; f != NULL; f = f->next) {
        if (computed(f->string) || strcmp(f->string, id_field) == 0 ||
            cJSON_GetObjectItemCaseSensitive(props, f->string) == NULL)
            continue;
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(got, f->string);
        if (!cJSON_Compare(f, g, true)) {
            fprintf(stderr, "\n  %s: field %s not echoed\n", path, f->string);
            return false;
        }
    }
    return true;
}

static bool flag_true(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsTrue(v) || (cJSON_IsString(v) && strcmp(v->valuestring, "true") == 0);
}

/* Create, get, 404, list, patch, put, delete on one collection. */
static bool cycle(walk *w, const char *key)
{
    char coll[512], item[600], other[600];
    civis_route rt;
    if (!concrete(w, key, coll, sizeof(coll), 0))
        return false;
    const civis_operation *post = route(w, "POST", coll, &rt);
    if (post == NULL)
        return false;
    char *body = body_for(w, post);
    cJSON *sent = cJSON_Parse(body);
    cJSON *created = NULL;
    long status = 0;
    civis_simtest_post(&created, &status, w->mp, w->key, coll, body);
    char idf[96];
    long id = created_id_field(w, key, created, idf);
    free(body);
    bool ok = id > 0 && status == post->response_status;
    if (!ok)
        fprintf(stderr, "\n  POST %s: %ld (want %d)\n", coll, status, post->response_status);
    snprintf(item, sizeof(item), "%s/%ld", coll, id);
    snprintf(other, sizeof(other), "%s/%ld", coll, id + 100000);
    const civis_operation *get = ok ? route(w, "GET", item, &rt) : NULL;
    cJSON *got = NULL;
    if (ok && get != NULL) {
        ok = civis_mockproc_json(&got, w->mp, "GET", item, w->key, NULL) == 200 &&
             created_id(w, key, got) == id && echoes(w, get, sent, got, item, idf);
        civis_http_reply r;
        civis_mockproc_call(&r, w->mp, "GET", other, w->key, NULL);
        ok = ok && r.status == 404 && strcmp(r.body, not_found_body) == 0;
        civis_http_reply_clear(&r);
    }
    /* The list shows it (asking for hidden objects when it is one). */
    const civis_operation *list = ok ? route(w, "GET", coll, &rt) : NULL;
    char lt[512];
    if (list != NULL)
        template_of(list->path, lt, sizeof(lt));
    if (ok && list != NULL && strcmp(lt, key) == 0) {
        char lp[700];
        bool hidden = flag_true(got ? got : created, "hidden") &&
                      civis_operation_param(list, "hidden") != NULL;
        snprintf(lp, sizeof(lp), "%s%s", coll, hidden ? "?hidden=true" : "");
        cJSON *arr = NULL;
        long st = civis_mockproc_json(&arr, w->mp, "GET", lp, w->key, NULL);
        bool found = false;
        for (const cJSON *x = cJSON_IsArray(arr) ? arr->child : NULL; x != NULL; x = x->next)
            found = found || created_id(w, key, x) == id;
        if (st != 200 || !found)
            fprintf(stderr, "\n  GET %s: %ld, id %ld %s\n", lp, st, id,
                    found ? "listed" : "missing");
        ok = st == 200 && found;
        cJSON_Delete(arr);
    }
    const char *verbs[] = {"PATCH", "PUT"};
    for (int k = 0; ok && k < 2; k++) {
        const civis_operation *up = route(w, verbs[k], item, &rt);
        if (up == NULL)
            continue;
        char *b2 = body_for(w, up);
        cJSON *sent2 = cJSON_Parse(b2);
        cJSON *after = NULL;
        long st = civis_mockproc_json(NULL, w->mp, verbs[k], item, w->key, b2);
        ok =
            st == up->response_status &&
            (get == NULL || (civis_mockproc_json(&after, w->mp, "GET", item, w->key, NULL) == 200 &&
                             echoes(w, get, sent2, after, item, idf)));
        if (!ok)
            fprintf(stderr, "\n  %s %s: %ld\n", verbs[k], item, st);
        free(b2);
        cJSON_Delete(sent2);
        cJSON_Delete(after);
    }
    const civis_operation *del = ok ? route(w, "DELETE", item, &rt) : NULL;
    if (ok && del != NULL) {
        ok = civis_mockproc_json(NULL, w->mp, "DELETE", item, w->key, NULL) == del->response_status;
        cJSON *after = NULL;
        long st = civis_mockproc_json(&after, w->mp, "GET", item, w->key, NULL);
        if (get == NULL)
            ; /* nothing to read it back with */
        else if (del->delete_effect == CIVIS_DELETE_ARCHIVES &&
                 cJSON_HasObjectItem(got, "archived"))
            ok = ok && st == 200 && flag_true(after, "archived");
        else if (del->delete_effect == CIVIS_DELETE_HIDES)
            ok = ok && st == 200 && flag_true(after, "hidden");
        else
            ok = ok && st == 404;
        if (!ok)
            fprintf(stderr, "\n  DELETE %s: then GET %ld\n", item, st);
        cJSON_Delete(after);
    }
    cJSON_Delete(got);
    cJSON_Delete(created);
    cJSON_Delete(sent);
    return ok;
}

/* Runs the cycle on every collection and job collection the server lists. */
static void walk_all(walk *w, int *n_colls)
{
    cJSON *info = NULL;
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_json(&info, w->mp, "GET", "/__mock/sim", NULL, NULL), 200);
    cJSON *all = cJSON_CreateArray();
    const char *groups[] = {"collections", "jobs"};
    for (int g = 0; g < 2; g++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(info, groups[g]);
        for (const cJSON *c = arr ? arr->child : NULL; c != NULL; c = c->next)
            cJSON_AddItemToArray(all, cJSON_Duplicate(c, true));
    }
    w->colls = all;
    *n_colls = cJSON_GetArraySize(all);
    for (const cJSON *c = all->child; c != NULL; c = c->next) {
        if (cycle(w, c->valuestring)) {
            w->done++;
        } else {
            w->failed++;
            fprintf(stderr, "  collection %s failed its cycle\n", c->valuestring);
        }
    }
    cJSON_Delete(all);
    cJSON_Delete(info);
    w->colls = NULL;
}

static void test_crud__every_collection_of_the_bundled_spec(void)
{
    reset(&mp);
    walk w = {.mp = &mp, .spec = spec, .key = "crud-bundled"};
    int n = 0;
    walk_all(&w, &n);
    CU_ASSERT(n >= 10);
    CU_ASSERT_EQUAL(w.failed, 0);
    CU_ASSERT_EQUAL(w.done, n);
}

static bool listed(const cJSON *info, const char *group, const char *key)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(info, group);
    for (const cJSON *c = arr ? arr->child : NULL; c != NULL; c = c->next)
        if (strcmp(c->valuestring, key) == 0)
            return true;
    return false;
}

static void test_crud__every_collection_of_the_full_spec(void)
{
    const char *path = civis_test_full_spec("mock_sim_crud full spec");
    if (path == NULL)
        return;
    civis_spec *full = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_load_file(&full, path, &err), err);
    civis_mockproc fm;
    const char *args[] = {"--spec", path, NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&fm, args), 0);

    /* Resources only the full spec has are inferred as well. */
    cJSON *info = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&info, &fm, "GET", "/__mock/sim", NULL, NULL), 200);
    const char *colls[] = {"/credentials", "/groups",   "/projects",  "/reports", "/users",
                           "/table_tags",  "/services", "/workflows", "/aliases", NULL};
    for (size_t i = 0; colls[i] != NULL; i++) {
        if (!listed(info, "collections", colls[i]))
            fprintf(stderr, "\n  missing collection %s\n", colls[i]);
        CU_ASSERT(listed(info, "collections", colls[i]));
    }
    const char *jobs[] = {"/scripts/r",         "/scripts/javascript",   "/scripts/dbt",
                          "/exports/files/csv", "/enhancements/geocode", NULL};
    for (size_t i = 0; jobs[i] != NULL; i++)
        CU_ASSERT(listed(info, "jobs", jobs[i]));
    cJSON_Delete(info);

    walk w = {.mp = &fm, .spec = full, .key = "crud-full"};
    int n = 0;
    walk_all(&w, &n);
    if (n < 50)
        fprintf(stderr, "\n  only %d collections inferred\n", n);
    CU_ASSERT(n >= 50);
    CU_ASSERT_EQUAL(w.failed, 0);
    CU_ASSERT_EQUAL(w.done, n);

    /* PUT replaces: what only the first version had is gone. */
    long id = civis_simtest_post(NULL, NULL, &fm, "put-key", "/groups",
                                 "{\"name\":\"g1\",\"description\":\"first\"}");
    char item[64];
    snprintf(item, sizeof(item), "/groups/%ld", id);
    cJSON *g = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &fm, "PUT", item, "put-key", "{\"name\":\"g2\"}"),
                    200);
    CU_ASSERT_EQUAL(civis_mockproc_json(&g, &fm, "GET", item, "put-key", NULL), 200);
    CU_ASSERT_STRING_EQUAL(str(g, "name"), "g2");
    CU_ASSERT(str(g, "description") == NULL || strcmp(str(g, "description"), "first") != 0);
    cJSON_Delete(g);
    /* PATCH merges: the other fields stay. */
    CU_ASSERT_EQUAL(
        civis_mockproc_json(NULL, &fm, "PATCH", item, "put-key", "{\"description\":\"second\"}"),
        200);
    CU_ASSERT_EQUAL(civis_mockproc_json(&g, &fm, "GET", item, "put-key", NULL), 200);
    CU_ASSERT_STRING_EQUAL(str(g, "name"), "g2");
    CU_ASSERT_STRING_EQUAL(str(g, "description"), "second");
    cJSON_Delete(g);

    CU_ASSERT_EQUAL(civis_mockproc_stop(&fm), 0);
    civis_spec_free(full);
}

/* ---- specific behaviour --------------------------------------------------- */

static void test_crud__snake_and_camel_keys_are_stored_under_wire_names(void)
{
    reset(&mp);
    long id = civis_simtest_post(NULL, NULL, &mp, "k", "/scripts/containers",
                                 "{\"name\":\"c1\",\"docker_image_name\":\"img\","
                                 "\"docker_command\":\"run\",\"required_resources\":"
                                 "{\"cpu\":100,\"memory\":512,\"disk_space\":2}}");
    CU_ASSERT_FATAL(id > 0);
    char item[64];
    snprintf(item, sizeof(item), "/scripts/containers/%ld", id);
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "GET", item, "k", NULL), 200);
    CU_ASSERT_STRING_EQUAL(str(j, "name"), "c1");
    CU_ASSERT_STRING_EQUAL(str(j, "dockerImageName"), "img");
    CU_ASSERT_STRING_EQUAL(str(j, "dockerCommand"), "run");
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(j, "docker_image_name"));
    const cJSON *rr = cJSON_GetObjectItemCaseSensitive(j, "requiredResources");
    CU_ASSERT_EQUAL(num(rr, "memory"), 512);
    CU_ASSERT_EQUAL(num(rr, "diskSpace"), 2); /* nested keys mapped too */
    const char *created = str(j, "createdAt");
    CU_ASSERT_PTR_NOT_NULL_FATAL(created);
    CU_ASSERT_EQUAL(strlen(created), 24); /* 2026-11-29T04:14:27.123Z */
    CU_ASSERT_EQUAL(created[10], 'T');
    CU_ASSERT_EQUAL(created[23], 'Z');
    CU_ASSERT_STRING_EQUAL(str(j, "type"), "JobTypes::ContainerDocker");
    cJSON_Delete(j);

    /* PATCH with camelCase merges one field. */
    CU_ASSERT_EQUAL(
        civis_mockproc_json(&j, &mp, "PATCH", item, "k", "{\"dockerCommand\":\"other\"}"), 200);
    CU_ASSERT_STRING_EQUAL(str(j, "dockerCommand"), "other");
    CU_ASSERT_STRING_EQUAL(str(j, "dockerImageName"), "img");
    cJSON_Delete(j);
}

static void test_crud__unknown_ids_are_404_in_the_api_shape(void)
{
    reset(&mp);
    const char *paths[][2] = {{"GET", "/scripts/sql/424242"}, {"PATCH", "/scripts/sql/424242"},
                              {"GET", "/files/424242"},       {"GET", "/json_values/424242"},
                              {"GET", "/jobs/424242"},        {"POST", "/jobs/424242/runs"},
                              {"GET", "/queries/424242"}};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        civis_http_reply r;
        civis_mockproc_call(&r, &mp, paths[i][0], paths[i][1], "k",
                            strcmp(paths[i][0], "GET") ? "{}" : NULL);
        CU_ASSERT_EQUAL(r.status, 404);
        CU_ASSERT_STRING_EQUAL(r.body, not_found_body);
        civis_http_reply_clear(&r);
    }
}

static void test_crud__state_is_partitioned_by_api_key(void)
{
    reset(&mp);
    long a = civis_simtest_post(NULL, NULL, &mp, "key-a", "/json_values",
                                "{\"name\":\"mine\",\"valueStr\":\"1\"}");
    CU_ASSERT_FATAL(a > 0);
    char item[64];
    snprintf(item, sizeof(item), "/json_values/%ld", a);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", item, "key-b", NULL), 404);
    /* Each key counts its own ids: b's first object has a's id. */
    long b = civis_simtest_post(NULL, NULL, &mp, "key-b", "/json_values",
                                "{\"name\":\"theirs\",\"valueStr\":\"2\"}");
    CU_ASSERT_EQUAL(b, a);
    cJSON *ja = NULL, *jb = NULL;
    civis_mockproc_json(&ja, &mp, "GET", item, "key-a", NULL);
    civis_mockproc_json(&jb, &mp, "GET", item, "key-b", NULL);
    CU_ASSERT_STRING_EQUAL(str(ja, "name"), "mine");
    CU_ASSERT_STRING_EQUAL(str(jb, "name"), "theirs");
    cJSON_Delete(ja);
    cJSON_Delete(jb);

    /* Runs and jobs too: a's job is not b's. */
    long job = civis_simtest_post(NULL, NULL, &mp, "key-a", "/scripts/sql",
                                  "{\"name\":\"q\",\"sql\":\"select 1\",\"remote_host_id\":1,"
                                  "\"credential_id\":2}");
    char runs[64];
    snprintf(runs, sizeof(runs), "/jobs/%ld/runs", job);
    CU_ASSERT(civis_simtest_post(NULL, NULL, &mp, "key-a", runs, NULL) > 0);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", runs, "key-a", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", runs, "key-b", NULL), 404);
}

static void test_crud__nested_objects_belong_to_their_parent(void)
{
    reset(&mp);
    /* The enclosing notebooks exist first: an unknown parent is a 404. */
    long nb = civis_simtest_post(NULL, NULL, &mp, "k", "/notebooks", "{\"name\": \"nb\"}");
    long other = civis_simtest_post(NULL, NULL, &mp, "k", "/notebooks", "{\"name\": \"nb2\"}");
    CU_ASSERT_FATAL(nb > 0 && other > 0);
    char p[96];
    CU_ASSERT_EQUAL(
        civis_mockproc_json(NULL, &mp, "POST", "/notebooks/999999/deployments", "k", "{}"), 404);
    cJSON *d = NULL;
    snprintf(p, sizeof(p), "/notebooks/%ld/deployments", nb);
    civis_simtest_post(&d, NULL, &mp, "k", p, "{}");
    long id = (long)num(d, "deploymentId"); /* the schema names its id so */
    CU_ASSERT_FATAL(id > 0);
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(d, "id"));
    CU_ASSERT_EQUAL(num(d, "notebookId"), nb);
    cJSON_Delete(d);
    snprintf(p, sizeof(p), "/notebooks/%ld/deployments/%ld", nb, id);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", p, "k", NULL), 200);
    snprintf(p, sizeof(p), "/notebooks/%ld/deployments/%ld", other, id);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", p, "k", NULL), 404);
    /* "Delete a Notebook deployment": removed, then 404. */
    snprintf(p, sizeof(p), "/notebooks/%ld/deployments/%ld", nb, id);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "DELETE", p, "k", NULL), 204);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", p, "k", NULL), 404);
}

static void test_crud__json_values_keep_value_exactly_as_sent(void)
{
    reset(&mp);
    const char *raw = "{\"CamelKey\": [1, 2.50, {\"snake_key\": null}], \"x\": \"\\u00e9\"}";
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "name", "raw");
    cJSON_AddStringToObject(b, "valueStr", raw);
    char *body = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    long id = civis_simtest_post(NULL, NULL, &mp, "k", "/json_values", body);
    cJSON_free(body);
    CU_ASSERT_FATAL(id > 0);
    char item[64];
    snprintf(item, sizeof(item), "/json_values/%ld", id);
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "GET", item, "k", NULL);
    CU_ASSERT_EQUAL(r.status, 200);
    char want[256];
    snprintf(want, sizeof(want), "\"value\":%s", raw);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, want));
    civis_http_reply_clear(&r);

    /* Not JSON: a 400 that says so. */
    cJSON *e = NULL;
    CU_ASSERT_EQUAL(
        civis_mockproc_json(&e, &mp, "POST", "/json_values", "k", "{\"valueStr\":\"{nope\"}"), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(str(e, "errorDescription"), "valueStr"));
    cJSON_Delete(e);
}

static void test_crud__lists_page_with_limit_and_page_num(void)
{
    const char *path = civis_test_full_spec("mock_sim_crud pagination");
    if (path == NULL)
        return;
    civis_mockproc fm;
    const char *args[] = {"--spec", path, NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&fm, args), 0);
    long ids[5];
    for (int i = 0; i < 5; i++) {
        char b[64];
        snprintf(b, sizeof(b), "{\"name\":\"tag%d\"}", i);
        ids[i] = civis_simtest_post(NULL, NULL, &fm, "k", "/table_tags", b);
    }
    civis_http_reply r;
    civis_mockproc_call(&r, &fm, "GET", "/table_tags?limit=2&page_num=2", "k", NULL);
    CU_ASSERT_EQUAL(r.status, 200);
    const char *h = civis_http_reply_header(&r, "X-Pagination-Total-Entries");
    CU_ASSERT(h != NULL && atoi(h) == 5);
    h = civis_http_reply_header(&r, "X-Pagination-Total-Pages");
    CU_ASSERT(h != NULL && atoi(h) == 3);
    h = civis_http_reply_header(&r, "X-Pagination-Current-Page");
    CU_ASSERT(h != NULL && atoi(h) == 2);
    cJSON *page = civis_http_reply_json(&r);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(page), 2);
    /* newest first: page 2 holds the 3rd and 2nd created */
    CU_ASSERT_EQUAL((long)num(cJSON_GetArrayItem(page, 0), "id"), ids[2]);
    CU_ASSERT_EQUAL((long)num(cJSON_GetArrayItem(page, 1), "id"), ids[1]);
    cJSON_Delete(page);
    civis_http_reply_clear(&r);

    cJSON *asc = NULL;
    civis_mockproc_json(&asc, &fm, "GET", "/table_tags?order=name&order_dir=asc&limit=50", "k",
                        NULL);
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(asc, 0), "name"), "tag0");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(asc), 5);
    cJSON_Delete(asc);
    /* a scalar query parameter filters on the stored field */
    cJSON *one = NULL;
    civis_mockproc_json(&one, &fm, "GET", "/table_tags?name=tag3", "k", NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(one), 1);
    cJSON_Delete(one);
    /* past the end: an empty page, as the official client expects */
    cJSON *end = NULL;
    civis_mockproc_json(&end, &fm, "GET", "/table_tags?limit=2&page_num=4", "k", NULL);
    CU_ASSERT(cJSON_IsArray(end) && cJSON_GetArraySize(end) == 0);
    cJSON_Delete(end);
    /* another key sees none of them */
    CU_ASSERT_EQUAL(civis_mockproc_json(&end, &fm, "GET", "/table_tags", "k2", NULL), 200);
    CU_ASSERT(cJSON_IsArray(end) && cJSON_GetArraySize(end) == 0);
    cJSON_Delete(end);
    /* archived objects leave the default list ("Archive a project") */
    long pid = civis_simtest_post(NULL, NULL, &fm, "k", "/projects",
                                  "{\"name\":\"p\",\"description\":\"d\"}");
    char item[64];
    snprintf(item, sizeof(item), "/projects/%ld", pid);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &fm, "DELETE", item, "k", NULL), 204);
    cJSON *pj = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&pj, &fm, "GET", item, "k", NULL), 200);
    CU_ASSERT(flag_true(pj, "archived"));
    cJSON_Delete(pj);
    cJSON *pl = NULL;
    civis_mockproc_json(&pl, &fm, "GET", "/projects", "k", NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(pl), 0);
    cJSON_Delete(pl);
    civis_mockproc_json(&pl, &fm, "GET", "/projects?archived=true", "k", NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(pl), 1);
    cJSON_Delete(pl);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&fm), 0);
}

static void test_crud__reset_clears_the_simulation(void)
{
    long id = civis_simtest_post(NULL, NULL, &mp, "k", "/json_values", "{\"valueStr\":\"3\"}");
    CU_ASSERT_FATAL(id > 0);
    char item[64];
    snprintf(item, sizeof(item), "/json_values/%ld", id);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", item, "k", NULL), 200);
    reset(&mp);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", item, "k", NULL), 404);
}

static void test_crud__stateless_flag_turns_the_simulation_off(void)
{
    civis_mockproc sm;
    const char *args[] = {"--stateless", NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&sm, args), 0);
    /* Unknown ids get a synthesized answer again, and there is no admin. */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &sm, "GET", "/scripts/sql/424242", "k", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &sm, "GET", "/__mock/sim", NULL, NULL), 404);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&sm), 0);
}

static void test_crud__state_per_key_is_bounded_with_a_clear_507(void)
{
    civis_mockproc sm;
    const char *args[] = {"--state-max-objects", "3", NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&sm, args), 0);
    for (int i = 0; i < 3; i++)
        CU_ASSERT(civis_simtest_post(NULL, NULL, &sm, "k", "/json_values", "{\"valueStr\":\"1\"}") >
                  0);
    cJSON *out = NULL;
    long status = 0;
    CU_ASSERT_EQUAL(
        civis_simtest_post(&out, &status, &sm, "k", "/json_values", "{\"valueStr\":\"1\"}"), -1);
    CU_ASSERT_EQUAL(status, 507);
    const char *why = civis_simtest_str(out, "errorDescription");
    CU_ASSERT_PTR_NOT_NULL(why);
    CU_ASSERT_PTR_NOT_NULL(why ? strstr(why, "--state-max-objects") : NULL);
    cJSON_Delete(out);
    /* Another key has its own budget; reads still work; a reset frees it. */
    CU_ASSERT(civis_simtest_post(NULL, NULL, &sm, "k2", "/json_values", "{\"valueStr\":\"1\"}") >
              0);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &sm, "GET", "/json_values/1", "k", NULL), 200);
    reset(&sm);
    CU_ASSERT(civis_simtest_post(NULL, NULL, &sm, "k", "/json_values", "{\"valueStr\":\"1\"}") > 0);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&sm), 0);
}

static CU_TestInfo tests[] = {
    {"every collection (bundled spec)", test_crud__every_collection_of_the_bundled_spec},
    {"every collection (full spec)", test_crud__every_collection_of_the_full_spec},
    {"snake and camel keys", test_crud__snake_and_camel_keys_are_stored_under_wire_names},
    {"unknown ids: 404", test_crud__unknown_ids_are_404_in_the_api_shape},
    {"per-key state", test_crud__state_is_partitioned_by_api_key},
    {"nested collections", test_crud__nested_objects_belong_to_their_parent},
    {"json_values raw value", test_crud__json_values_keep_value_exactly_as_sent},
    {"pagination, order, filters", test_crud__lists_page_with_limit_and_page_num},
    {"reset", test_crud__reset_clears_the_simulation},
    {"--stateless", test_crud__stateless_flag_turns_the_simulation_off},
    {"state per key is bounded (507)", test_crud__state_per_key_is_bounded_with_a_clear_507},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_sim_crud, tests, suite_init, suite_cleanup)
