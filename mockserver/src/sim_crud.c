/*
 * sim_crud.c: generic create, read, update, delete and list for every
 * collection the spec has (see sim_index.c for what a collection is).
 *
 *   POST   collection        a new object: new id (unique in the caller's
 *                            space), createdAt/updatedAt, the request's
 *                            fields under their wire names, the rest of the
 *                            response schema synthesized; the declared status
 *   GET    collection        the caller's objects, newest first (order,
 *                            order_dir), paged with limit/page_num and
 *                            X-Pagination-* when the operation is paginated;
 *                            archived and hidden objects only when asked
 *                            for; other query parameters that name a stored
 *                            scalar field filter on it (strings by
 *                            case-insensitive substring, comma lists as "any")
 *   GET    collection/{id}   the object, or 404 in the API's error shape
 *   PATCH  collection/{id}   merges the given top-level fields
 *   PUT    collection/{id}   replaces the fields (id, createdAt kept)
 *   DELETE collection/{id}   the operation's delete_effect decides (its summary,
 *                            or the bundled spec's x-civis-delete marker): archive
 *                            sets archived=true (the object stays readable),
 *                            hide sets hidden=true, anything
 *                            else removes it (later reads are 404)
 *   PUT    .../{id}/archive  {"status": bool} sets archived
 *
 * Nested collections ("/notebooks/{id}/deployments") keep the enclosing
 * object's id; when the enclosing collection is simulated too, an unknown
 * enclosing id is a 404.
 *
 * JSON values keep `value` exactly as sent: the request's valueStr is
 * stored as raw JSON text and printed back byte for byte.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

sim_obj *civis__sim_find_item(sim_req *r, int coll, int id_param)
{
    if (id_param < 0)
        return NULL;
    sim_obj *obj = civis__sim_obj_get(r->space, civis__sim_param_id(r->route, (size_t)id_param));
    if (obj == NULL || !civis__sim_coll_accepts(r->sim, coll, obj->coll))
        return NULL;
    if (coll >= 0 && obj->coll == coll && r->sim->colls[coll].nested && id_param > 0 &&
        obj->parent_id != civis__sim_param_id(r->route, (size_t)id_param - 1))
        return NULL;
    return obj;
}

/* The enclosing object's id of a nested collection path (0 when not
 * nested); false when the enclosing collection is simulated and the caller
 * has no such object. */
static bool parent_ok(sim_req *r, long *parent_id)
{
    const sim_coll *c = &r->sim->colls[r->role->coll];
    *parent_id = 0;
    if (!c->nested || r->role->id_param < 0)
        return true;
    *parent_id = civis__sim_param_id(r->route, (size_t)r->role->id_param);
    if (c->parent < 0)
        return true;
    sim_obj *p = civis__sim_obj_get(r->space, *parent_id);
    return p != NULL && civis__sim_coll_accepts(r->sim, c->parent, p->coll);
}

static int status_of(const civis_operation *op)
{
    return op->response_status ? op->response_status : 200;
}

static bool no_body(int status)
{
    return status == 204 || status == 304;
}

/* Sends the object rendered for this operation with its declared status. */
static void reply_obj(sim_req *r, sim_obj *obj)
{
    int status = status_of(r->op);
    if (no_body(status) || (r->op->response_schema == NULL && obj == NULL)) {
        r->reply->status = status;
        return;
    }
    civis__sim_reply_take(r->reply, status, civis__sim_render_obj(r, obj, r->op));
}

static const cJSON *obj_schema(const sim_req *r, const sim_obj *obj, const civis_operation *op)
{
    const cJSON *s = civis__sim_item_schema(r->sim->spec, op);
    if (s == NULL && obj->coll >= 0)
        s = civis__sim_item_schema(r->sim->spec, r->sim->colls[obj->coll].get);
    return s;
}

/*
 * The request body under wire names, with JSON values' valueStr turned into
 * the raw `value`. NULL with a reply queued on failure.
 */
static cJSON *request_fields(sim_req *r)
{
    /* A body handed over is taken apart rather than copied, and its large
     * members stored as the bytes they came in. */
    cJSON *wire = r->body_owned != NULL
                      ? civis__sim_to_stored_take(r->sim->spec, r->op->body_schema, r->body_owned,
                                                  r->req->body, r->req->body_len)
                      : civis__sim_to_stored(r->sim->spec, r->op->body_schema, r->body);
    if (r->body_owned != NULL && r->body_owned == r->oc->parsed) {
        /* What is left of the body is freed now, while its nodes are still
         * in cache: freed after the reply, they cost more. */
        cJSON_Delete(r->oc->parsed);
        r->oc->parsed = NULL;
        r->body = r->body_owned = NULL;
    }
    if (wire == NULL) {
        civis__sim_oom(r->reply);
        return NULL;
    }
    if (!cJSON_IsObject(wire)) {
        cJSON_Delete(wire);
        return cJSON_CreateObject();
    }
    cJSON *vs = cJSON_GetObjectItemCaseSensitive(wire, "valueStr");
    if (cJSON_IsString(vs)) {
        size_t off = 0;
        cJSON *parsed = cmock__parse(vs->valuestring, strlen(vs->valuestring), &off);
        if (parsed == NULL) {
            char desc[160];
            snprintf(desc, sizeof(desc),
                     "valueStr must be a serialized JSON value (error near byte %zu).", off);
            cmock__error(r->reply, 400, "invalid", desc);
            cJSON_Delete(wire);
            return NULL;
        }
        cJSON_Delete(parsed);
        if (!civis__sim_set(wire, "value", cJSON_CreateRaw(vs->valuestring))) {
            cJSON_Delete(wire);
            civis__sim_oom(r->reply);
            return NULL;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(wire, "valueStr");
    }
    return wire;
}

/* "notebook_id" -> "notebookId". */
static void snake_to_camel(char *out, size_t len, const char *in)
{
    size_t o = 0;
    bool up = false;
    for (; *in && o + 1 < len; in++) {
        if (*in == '_') {
            up = true;
            continue;
        }
        out[o++] = up ? (char)toupper((unsigned char)*in) : *in;
        up = false;
    }
    out[o] = '\0';
}

/*
 * Fields every new object gets: the system ones, defaults the platform
 * gives (not archived, not hidden), the job type, and the enclosing
 * object's id under the name of its path parameter ("notebookId").
 */
static bool system_fields(sim_req *r, sim_obj *obj, const cJSON *given, const cJSON *schema)
{
    const civis_spec *spec = r->sim->spec;
    long long now = civis__sim_now_ms();
    const char *idf = obj->coll >= 0 ? r->sim->colls[obj->coll].id_field : "id";
    bool ok = civis__sim_set_num(obj->data, idf, (double)obj->id) &&
              civis__sim_set_time(obj->data, "createdAt", now) &&
              civis__sim_set_time(obj->data, "updatedAt", now);
    if (ok && !cJSON_HasObjectItem(given, "archived") &&
        civis__sim_schema_has(spec, schema, "archived"))
        ok = civis__sim_set(obj->data, "archived", cJSON_CreateFalse());
    if (ok && !cJSON_HasObjectItem(given, "hidden") &&
        civis__sim_schema_has(spec, schema, "hidden"))
        ok = civis__sim_set(obj->data, "hidden", cJSON_CreateFalse());
    const sim_coll *c = obj->coll >= 0 ? &r->sim->colls[obj->coll] : NULL;
    if (ok && c != NULL && c->job && !cJSON_HasObjectItem(given, "type") &&
        civis__sim_schema_has(spec, schema, "type"))
        ok = civis__sim_set_str(obj->data, "type", c->job_type);
    if (ok && c != NULL && c->nested && r->role->id_param >= 0 &&
        (size_t)r->role->id_param < r->route->n_params) {
        char camel[96];
        snake_to_camel(camel, sizeof(camel), r->route->params[r->role->id_param].name);
        if (strcmp(camel, "id") != 0 && civis__sim_schema_has(spec, schema, camel))
            ok = civis__sim_set_num(obj->data, camel, (double)obj->parent_id);
    }
    return ok;
}

static void create(sim_req *r)
{
    long parent_id = 0;
    if (!parent_ok(r, &parent_id)) {
        civis__sim_not_found(r->reply);
        return;
    }
    const sim_coll *c = &r->sim->colls[r->role->coll];
    cJSON *given = request_fields(r);
    if (given == NULL)
        return;
    size_t cost = civis__sim_obj_cost(given, r->req->body_len);
    size_t held = 0;
    if (!civis__sim_charge(r->sim, r->space, &held, cost)) {
        cJSON_Delete(given);
        civis__sim_budget_full(r->reply, r->sim, true);
        return;
    }
    sim_obj *obj = civis__sim_obj_new(r->space, r->role->coll, parent_id);
    if (obj == NULL) {
        civis__sim_charge(r->sim, r->space, &held, 0);
        cJSON_Delete(given);
        civis__sim_oom(r->reply);
        return;
    }
    obj->bytes = held;
    /* The object holds what was sent and what the platform sets; the
     * rest of its schema is synthesized from its seed when it is read. */
    const cJSON *schema = obj_schema(r, obj, r->op);
    bool ok = civis__sim_adopt(obj, given) && system_fields(r, obj, obj->given, schema);
    cJSON_Delete(given); /* emptied by the adoption */
    const cJSON *rschema = NULL;
    cJSON *out = ok ? civis__sim_render_base(r, obj, r->op, &rschema) : NULL;
    ok = out != NULL && civis__sim_order_add(r->sim, r->space, obj);
    if (ok && r->role->coll == r->sim->files_coll)
        ok = civis__sim_file_init(r, obj);
    /* The reply shows the object as created: a query's run is queued. */
    sim_run *run = NULL;
    if (ok && c->starts_run)
        ok = (run = civis__sim_run_start(r, obj)) != NULL;
    r->snapshot = run != NULL;
    ok = ok && civis__sim_render_overlay(r, obj, rschema, out);
    r->snapshot = false;
    if (!ok) {
        cJSON_Delete(out);
        civis__sim_obj_drop(r->space, obj);
        civis__sim_oom(r->reply);
        return;
    }
    if (run != NULL)
        civis__sim_run_observe(r, obj, run, false);
    int status = status_of(r->op);
    if (no_body(status)) {
        cJSON_Delete(out);
        r->reply->status = status;
        return;
    }
    civis__sim_reply_take(r->reply, status, out);
}

static void update(sim_req *r, sim_obj *obj, bool replace)
{
    cJSON *given = request_fields(r);
    if (given == NULL)
        return;
    /* PATCH adds what it sends (replaced fields stay counted until a PUT
     * recounts): cheap, and never under the object's real size. */
    size_t cost =
        replace ? civis__sim_obj_cost(given, r->req->body_len) : obj->bytes + r->req->body_len;
    if (!civis__sim_charge(r->sim, r->space, &obj->bytes, cost)) {
        cJSON_Delete(given);
        civis__sim_budget_full(r->reply, r->sim, true);
        return;
    }
    civis__sim_order_remove(r->space, obj);
    bool ok = true;
    if (replace) {
        /* PUT: a fresh object from the operation's schema and the request;
         * what the platform owns (id, creation, archive and hidden state,
         * job type) survives. */
        cJSON *fresh = cJSON_CreateObject();
        const char *idf = obj->coll >= 0 ? r->sim->colls[obj->coll].id_field : "id";
        const char *const keep[] = {idf, "createdAt", "archived", "hidden", "type", NULL};
        for (size_t i = 0; fresh != NULL && keep[i] != NULL; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj->data, keep[i]);
            if (v != NULL && !civis__sim_set(fresh, keep[i], cJSON_Duplicate(v, true))) {
                cJSON_Delete(fresh);
                fresh = NULL;
            }
        }
        ok = fresh != NULL;
        if (ok) {
            cJSON_Delete(obj->data);
            obj->data = fresh;
        }
    }
    if (ok && replace) {
        cJSON_Delete(obj->given);
        obj->given = NULL;
    }
    ok = ok && civis__sim_adopt(obj, given) &&
         civis__sim_set_time(obj->data, "updatedAt", civis__sim_now_ms());
    cJSON_Delete(given);
    /* Back into the lists even after a failure: the object is still there. */
    ok = civis__sim_order_add(r->sim, r->space, obj) && ok;
    if (!ok) {
        civis__sim_oom(r->reply);
        return;
    }
    reply_obj(r, obj);
}

static void delete_obj(sim_req *r, sim_obj *obj)
{
    const civis_spec *spec = r->sim->spec;
    const cJSON *schema =
        obj->coll >= 0 ? civis__sim_item_schema(spec, r->sim->colls[obj->coll].get) : NULL;
    const char *flag = NULL;
    if (r->op->delete_effect == CIVIS_DELETE_ARCHIVES &&
        (civis__sim_schema_has(spec, schema, "archived") ||
         cJSON_HasObjectItem(obj->data, "archived")))
        flag = "archived";
    else if (r->op->delete_effect == CIVIS_DELETE_HIDES)
        flag = "hidden";
    if (flag != NULL) {
        civis__sim_order_remove(r->space, obj);
        bool ok = civis__sim_set(obj->data, flag, cJSON_CreateTrue()) &&
                  civis__sim_set_time(obj->data, "updatedAt", civis__sim_now_ms());
        if (!civis__sim_order_add(r->sim, r->space, obj) || !ok) {
            civis__sim_oom(r->reply);
            return;
        }
        reply_obj(r, obj);
        return;
    }
    int status = status_of(r->op);
    if (!no_body(status) && r->op->response_schema != NULL)
        reply_obj(r, obj);
    else
        r->reply->status = status;
    civis__sim_obj_drop(r->space, obj);
}

static void archive(sim_req *r, sim_obj *obj)
{
    const cJSON *status = r->body ? cJSON_GetObjectItemCaseSensitive(r->body, "status") : NULL;
    if (!cJSON_IsBool(status)) {
        cmock__error(r->reply, 400, "invalid", "The body needs 'status', true or false.");
        return;
    }
    civis__sim_order_remove(r->space, obj);
    bool ok = civis__sim_set(obj->data, "archived", cJSON_CreateBool(cJSON_IsTrue(status))) &&
              civis__sim_set_time(obj->data, "updatedAt", civis__sim_now_ms());
    if (!civis__sim_order_add(r->sim, r->space, obj) || !ok) {
        civis__sim_oom(r->reply);
        return;
    }
    reply_obj(r, obj);
}

/* ---- lists --------------------------------------------------------------- */

/* archived / hidden: absent or false shows the unflagged, true the flagged
 * ones, "all" both (only where the operation takes the parameter). */
typedef enum flag_rule { FLAG_ANY = 0, FLAG_UNSET, FLAG_SET } flag_rule;

static flag_rule flag_rule_of(const sim_req *r, const char *name)
{
    if (civis_operation_param(r->op, name) == NULL)
        return FLAG_ANY;
    const char *q = civis__sim_query(r->req, name);
    if (q != NULL && strcasecmp(q, "all") == 0)
        return FLAG_ANY;
    return q != NULL && strcasecmp(q, "true") == 0 ? FLAG_SET : FLAG_UNSET;
}

static bool scalar_matches(const cJSON *v, const char *want)
{
    char tok[256];
    const char *p = want;
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        snprintf(tok, sizeof(tok), "%.*s", (int)(n < sizeof(tok) - 1 ? n : sizeof(tok) - 1), p);
        p += n;
        if (*p == ',')
            p++;
        if (cJSON_IsString(v) && civis__sim_contains_ci(v->valuestring, tok))
            return true;
        if (cJSON_IsBool(v) && strcasecmp(tok, cJSON_IsTrue(v) ? "true" : "false") == 0)
            return true;
        if (cJSON_IsNumber(v)) {
            char *end = NULL;
            double d = strtod(tok, &end);
            if (end != tok && *end == '\0' && d == v->valuedouble)
                return true;
        }
    }
    return false;
}

#define MAX_FILTERS 16

/* What a list request keeps, worked out once per request so that testing
 * an object reads only its cached flags and the stored fields named. */
typedef struct list_query {
    int coll;    /* the collection the path names */
    bool nested; /* objects of it must belong to parent_id */
    long parent_id;
    flag_rule archived, hidden;
    struct {
        char camel[128];   /* the stored field: the parameter's camelCase name */
        const char *key;   /* as sent ("author", or already "createdBy") */
        const char *value; /* wanted: a comma list of alternatives */
    } f[MAX_FILTERS];
    size_t n_f;
} list_query;

static void list_query_init(list_query *q, const sim_req *r, long parent_id)
{
    static const char *const skip[] = {"limit",    "page_num", "order", "order_dir",
                                       "archived", "hidden",   NULL};
    memset(q, 0, sizeof(*q));
    q->coll = r->role->coll;
    q->nested = r->sim->colls[q->coll].nested;
    q->parent_id = parent_id;
    q->archived = flag_rule_of(r, "archived");
    q->hidden = flag_rule_of(r, "hidden");
    for (size_t i = 0; i < r->req->n_query && q->n_f < MAX_FILTERS; i++) {
        const char *key = r->req->query_kv[i].key;
        bool skipped = strchr(key, '[') != NULL;
        for (size_t k = 0; !skipped && skip[k] != NULL; k++)
            skipped = strcmp(key, skip[k]) == 0;
        if (skipped)
            continue;
        snake_to_camel(q->f[q->n_f].camel, sizeof(q->f[q->n_f].camel), key);
        q->f[q->n_f].key = key;
        q->f[q->n_f].value = r->req->query_kv[i].value;
        q->n_f++;
    }
}

static bool flag_ok(flag_rule rule, bool set)
{
    return rule == FLAG_ANY || (rule == FLAG_SET) == set;
}

/* Other query parameters that name a stored scalar filter on it; those
 * naming nothing stored, or a nested value, do not filter. */
static bool list_keeps(const list_query *q, const sim_obj *o)
{
    if (q->nested && o->coll == q->coll && o->parent_id != q->parent_id)
        return false;
    if (!flag_ok(q->archived, o->archived) || !flag_ok(q->hidden, o->hidden))
        return false;
    for (size_t i = 0; i < q->n_f; i++) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(o->data, q->f[i].camel);
        if (f == NULL)
            f = cJSON_GetObjectItemCaseSensitive(o->data, q->f[i].key);
        if ((cJSON_IsString(f) || cJSON_IsBool(f) || cJSON_IsNumber(f)) &&
            !scalar_matches(f, q->f[i].value))
            return false;
    }
    return true;
}

static int by_id(const void *a, const void *b)
{
    return civis__sim_order_cmp(SIM_ORD_ID, *(sim_obj *const *)a, *(sim_obj *const *)b);
}
static int by_name(const void *a, const void *b)
{
    return civis__sim_order_cmp(SIM_ORD_NAME, *(sim_obj *const *)a, *(sim_obj *const *)b);
}
static int by_updated(const void *a, const void *b)
{
    return civis__sim_order_cmp(SIM_ORD_UPDATED, *(sim_obj *const *)a, *(sim_obj *const *)b);
}

/*
 * The objects a list path shows, in `order`: the collection's own sorted
 * array when the path names one collection (no copy; *owned stays NULL),
 * else the objects of every collection it accepts ("/scripts" shows
 * scripts of every type) merged and sorted into *owned. False on
 * allocation failure.
 */
static bool candidates(sim_req *r, sim_order order, sim_obj *const **v, size_t *n, sim_obj ***owned)
{
    const civis_sim *sim = r->sim;
    sim_list *lists = r->space->lists;
    int coll = r->role->coll;
    *v = NULL;
    *n = 0;
    *owned = NULL;
    if (lists == NULL)
        return true;
    size_t total = 0, colls = 0;
    for (size_t c = 0; c < sim->n_colls; c++)
        if (lists[c].n > 0 && civis__sim_coll_accepts(sim, coll, (int)c)) {
            total += lists[c].n;
            colls++;
        }
    if (colls <= 1 && (coll < 0 || lists[coll].n == total)) {
        if (coll >= 0) {
            *v = lists[coll].by[order];
            *n = lists[coll].n;
        }
        if (coll >= 0 || total == 0)
            return true;
    }
    sim_obj **all = malloc((total + 1) * sizeof(*all));
    if (all == NULL)
        return false;
    size_t k = 0;
    for (size_t c = 0; c < sim->n_colls; c++)
        if (lists[c].n > 0 && civis__sim_coll_accepts(sim, coll, (int)c)) {
            memcpy(all + k, lists[c].by[SIM_ORD_ID], lists[c].n * sizeof(*all));
            k += lists[c].n;
        }
    int (*cmp)(const void *, const void *) =
        order == SIM_ORD_NAME ? by_name : (order == SIM_ORD_UPDATED ? by_updated : by_id);
    qsort(all, k, sizeof(*all), cmp);
    *v = all;
    *n = k;
    *owned = all;
    return true;
}

static bool add_header(void *reply, const char *name, const char *value)
{
    return cmock__reply_header(reply, name, value);
}

static long query_count(const sim_req *r, const char *name)
{
    const char *v = civis__sim_query(r->req, name);
    if (v == NULL)
        return 0;
    char *end = NULL;
    long n = strtol(v, &end, 10);
    return (end != v && *end == '\0' && n > 0) ? n : 0;
}

/*
 * GET collection: walks the order asked for, tests each object on its
 * stored fields only, counts every match for X-Pagination-Total-Entries and
 * renders only the page answered.
 */
static void list(sim_req *r)
{
    long parent_id = 0;
    if (!parent_ok(r, &parent_id)) {
        civis__sim_not_found(r->reply);
        return;
    }
    sim_order order = SIM_ORD_ID; /* created_at too: ids grow with creation times */
    const char *ord = civis__sim_query(r->req, "order");
    if (ord != NULL && strcmp(ord, "name") == 0)
        order = SIM_ORD_NAME;
    else if (ord != NULL && strcmp(ord, "updated_at") == 0)
        order = SIM_ORD_UPDATED;
    const char *dir = civis__sim_query(r->req, "order_dir");
    bool asc = dir != NULL && strcasecmp(dir, "asc") == 0;

    sim_obj *const *v = NULL;
    sim_obj **owned = NULL;
    size_t n = 0;
    if (!candidates(r, order, &v, &n, &owned)) {
        civis__sim_oom(r->reply);
        return;
    }
    list_query q;
    list_query_init(&q, r, parent_id);
    bool paged = r->op->paginated;
    long per_page = paged ? civis_answer_page_size(r->op, query_count(r, "limit")) : 0;
    long pg = query_count(r, "page_num");
    if (pg <= 0)
        pg = 1;
    long first = paged ? (pg - 1) * per_page : 0;
    long last = paged ? first + per_page : (long)n; /* answered: [first, last) of the matches */
    /* One collection, filtered by its flags alone: the total comes from
     * the collection's counts and the walk stops at the end of the page,
     * so a page costs the same at any collection size. */
    bool counted = owned == NULL && n > 0 && q.n_f == 0 && !q.nested;
    long counted_total = 0;
    if (counted) {
        const sim_list *l = &r->space->lists[r->role->coll];
        for (int a = 0; a < 2; a++)
            for (int h = 0; h < 2; h++)
                if (flag_ok(q.archived, a) && flag_ok(q.hidden, h))
                    counted_total += (long)l->flagged[a * 2 + h];
    }
    long total = 0;
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr != NULL && i < n && !(counted && total >= last); i++) {
        sim_obj *o = v[asc ? i : n - 1 - i];
        if (!list_keeps(&q, o))
            continue;
        if (total >= first && total < last) {
            cJSON *item = civis__sim_render_obj(r, o, r->op);
            if (item == NULL || !cJSON_AddItemToArray(arr, item)) {
                cJSON_Delete(item);
                cJSON_Delete(arr);
                arr = NULL;
            }
        }
        total++;
    }
    free(owned);
    if (counted)
        total = counted_total;
    if (arr == NULL) {
        civis__sim_oom(r->reply);
        return;
    }
    int status = (int)civis_answer_status(r->op);
    if (paged) {
        civis_answer_page page = {per_page, pg, (total + per_page - 1) / per_page, total};
        if (!civis_answer_page_headers(&page, add_header, r->reply)) {
            cJSON_Delete(arr);
            civis__sim_oom(r->reply);
            return;
        }
    }
    civis__sim_reply_take(r->reply, status, arr);
}

void civis__sim_crud(sim_req *r)
{
    if (r->role->kind == SIM_R_CREATE) {
        create(r);
        return;
    }
    if (r->role->kind == SIM_R_LIST) {
        list(r);
        return;
    }
    sim_obj *obj = civis__sim_find_item(r, r->role->coll, r->role->id_param);
    if (obj == NULL) {
        civis__sim_not_found(r->reply);
        return;
    }
    switch (r->role->kind) {
    case SIM_R_GET: reply_obj(r, obj); break;
    case SIM_R_PATCH: update(r, obj, false); break;
    case SIM_R_PUT: update(r, obj, true); break;
    case SIM_R_DELETE: delete_obj(r, obj); break;
    case SIM_R_ARCHIVE: archive(r, obj); break;
    default: civis__sim_not_found(r->reply); break;
    }
}
