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
    cJSON *wire = civis__sim_to_wire(r->sim->spec, r->op->body_schema, r->body);
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

/* Overlays every field of `src` onto `dst`. */
static bool merge(cJSON *dst, const cJSON *src)
{
    for (const cJSON *f = src ? src->child : NULL; f != NULL; f = f->next)
        if (!civis__sim_set(dst, f->string, cJSON_Duplicate(f, true)))
            return false;
    return true;
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

static void remove_obj(sim_space *space, sim_obj *obj)
{
    space->objs[obj->id - 1] = NULL;
    civis__sim_obj_free(obj);
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
    sim_obj *obj = civis__sim_obj_new(r->space, r->role->coll, parent_id);
    if (obj == NULL) {
        cJSON_Delete(given);
        civis__sim_oom(r->reply);
        return;
    }
    const cJSON *schema = obj_schema(r, obj, r->op);
    cJSON *base = civis__sim_render(r->sim, schema, NULL, civis__sim_obj_seed(r->sim, obj->id));
    bool ok = base != NULL && merge(base, given);
    if (ok) {
        cJSON_Delete(obj->data);
        obj->data = base;
        base = NULL;
        ok = system_fields(r, obj, given, schema);
    }
    cJSON_Delete(base);
    obj->given = given;
    if (ok && r->role->coll == r->sim->files_coll)
        ok = civis__sim_file_init(r, obj);
    /* The reply shows the object as created: a query's run is queued. */
    if (ok && c->starts_run) {
        sim_run *run = civis__sim_run_start(r, obj);
        ok = run != NULL;
        if (ok) {
            r->snapshot = true;
            cJSON *out = civis__sim_render_obj(r, obj, r->op);
            r->snapshot = false;
            civis__sim_run_observe(r, obj, run, false);
            civis__sim_reply_take(r->reply, status_of(r->op), out);
            return;
        }
    }
    if (!ok) {
        remove_obj(r->space, obj);
        civis__sim_oom(r->reply);
        return;
    }
    reply_obj(r, obj);
}

static void update(sim_req *r, sim_obj *obj, bool replace)
{
    cJSON *given = request_fields(r);
    if (given == NULL)
        return;
    bool ok = true;
    if (replace) {
        /* PUT: a fresh object from the operation's schema and the request;
         * what the platform owns (id, creation, archive and hidden state,
         * job type) survives. */
        const cJSON *schema = obj_schema(r, obj, r->op);
        cJSON *fresh =
            civis__sim_render(r->sim, schema, NULL, civis__sim_obj_seed(r->sim, obj->id));
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
    ok = ok && merge(obj->data, given) &&
         civis__sim_set_time(obj->data, "updatedAt", civis__sim_now_ms());
    if (ok && !replace && obj->given != NULL) {
        ok = merge(obj->given, given);
        cJSON_Delete(given);
    } else {
        cJSON_Delete(obj->given);
        obj->given = given;
    }
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
        if (!civis__sim_set(obj->data, flag, cJSON_CreateTrue()) ||
            !civis__sim_set_time(obj->data, "updatedAt", civis__sim_now_ms())) {
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
    remove_obj(r->space, obj);
}

static void archive(sim_req *r, sim_obj *obj)
{
    const cJSON *status = r->body ? cJSON_GetObjectItemCaseSensitive(r->body, "status") : NULL;
    if (!cJSON_IsBool(status)) {
        cmock__error(r->reply, 400, "invalid", "The body needs 'status', true or false.");
        return;
    }
    if (!civis__sim_set(obj->data, "archived", cJSON_CreateBool(cJSON_IsTrue(status))) ||
        !civis__sim_set_time(obj->data, "updatedAt", civis__sim_now_ms())) {
        civis__sim_oom(r->reply);
        return;
    }
    reply_obj(r, obj);
}

/* ---- lists --------------------------------------------------------------- */

static bool flag_set(const sim_obj *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj->data, name);
    return cJSON_IsTrue(v) || (cJSON_IsString(v) && strcmp(v->valuestring, "true") == 0);
}

/* archived / hidden: absent or false shows the unflagged, true the
 * flagged ones, "all" both (only where the operation takes the parameter). */
static bool flag_passes(const sim_req *r, const sim_obj *obj, const char *name)
{
    if (civis_operation_param(r->op, name) == NULL)
        return true;
    const char *q = civis__sim_query(r->req, name);
    if (q != NULL && strcasecmp(q, "all") == 0)
        return true;
    bool want = q != NULL && strcasecmp(q, "true") == 0;
    return flag_set(obj, name) == want;
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

static bool filters_pass(const sim_req *r, const sim_obj *obj)
{
    static const char *const skip[] = {"limit",    "page_num", "order", "order_dir",
                                       "archived", "hidden",   NULL};
    if (!flag_passes(r, obj, "archived") || !flag_passes(r, obj, "hidden"))
        return false;
    for (size_t i = 0; i < r->req->n_query; i++) {
        const char *key = r->req->query_kv[i].key;
        bool skipped = strchr(key, '[') != NULL;
        for (size_t k = 0; !skipped && skip[k] != NULL; k++)
            skipped = strcmp(key, skip[k]) == 0;
        if (skipped)
            continue;
        for (const cJSON *f = obj->data->child; f != NULL; f = f->next) {
            char snake[160];
            civis_camel_to_snake(snake, sizeof(snake), f->string);
            if (strcmp(snake, key) != 0 && strcmp(f->string, key) != 0)
                continue;
            if ((cJSON_IsString(f) || cJSON_IsBool(f) || cJSON_IsNumber(f)) &&
                !scalar_matches(f, r->req->query_kv[i].value))
                return false;
            break;
        }
    }
    return true;
}

typedef struct sort_key {
    const char *field; /* data field, or NULL for the id */
    bool asc;
} sort_key;

static int cmp_objs(const sim_obj *a, const sim_obj *b, const sort_key *k)
{
    int c = 0;
    if (k->field != NULL) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(a->data, k->field);
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(b->data, k->field);
        if (cJSON_IsString(x) && cJSON_IsString(y))
            c = strcasecmp(x->valuestring, y->valuestring);
    }
    if (c == 0)
        c = a->id < b->id ? -1 : (a->id > b->id ? 1 : 0);
    return k->asc ? c : -c;
}

/* Insertion sort: lists are small, and qsort would need the sort key in a
 * global. */
static void sort_objs(sim_obj **v, size_t n, const sort_key *k)
{
    for (size_t i = 1; i < n; i++) {
        sim_obj *x = v[i];
        size_t j = i;
        while (j > 0 && cmp_objs(v[j - 1], x, k) > 0) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void list(sim_req *r)
{
    long parent_id = 0;
    if (!parent_ok(r, &parent_id)) {
        civis__sim_not_found(r->reply);
        return;
    }
    const sim_coll *c = &r->sim->colls[r->role->coll];
    sim_obj **hits = malloc((r->space->n_objs + 1) * sizeof(*hits));
    if (hits == NULL) {
        civis__sim_oom(r->reply);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < r->space->n_objs; i++) {
        sim_obj *o = r->space->objs[i];
        if (o == NULL || !civis__sim_coll_accepts(r->sim, r->role->coll, o->coll))
            continue;
        if (c->nested && o->coll == r->role->coll && o->parent_id != parent_id)
            continue;
        if (filters_pass(r, o))
            hits[n++] = o;
    }
    sort_key k = {NULL, false};
    const char *order = civis__sim_query(r->req, "order");
    const char *dir = civis__sim_query(r->req, "order_dir");
    if (order != NULL && strcmp(order, "name") == 0)
        k.field = "name";
    else if (order != NULL && strcmp(order, "created_at") == 0)
        k.field = "createdAt";
    else if (order != NULL && strcmp(order, "updated_at") == 0)
        k.field = "updatedAt";
    k.asc = dir != NULL && strcasecmp(dir, "asc") == 0;
    sort_objs(hits, n, &k);
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        cJSON *item = civis__sim_render_obj(r, hits[i], r->op);
        if (item == NULL || !cJSON_AddItemToArray(arr, item)) {
            cJSON_Delete(item);
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    free(hits);
    civis__sim_reply_list(r, arr);
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
