/*
 * sim_store.c: the simulation's state store and its life cycle.
 *
 * State is partitioned by API key: each key gets a space, created on its
 * first request, holding objects by id. Ids are unique across the whole
 * space (objects and runs draw from one counter), so /jobs/{id} finds a
 * script of any type, an import or a preprocess job by the id its own
 * collection gave it.
 *
 * An object keeps the fields of its requests under their wire (camelCase)
 * names (snake_case or camelCase in, mapped through the body schema) and
 * the system fields. Every read renders it for the operation being
 * answered: that operation's template (its response schema synthesized
 * once, shared by reference) with the stored fields it declares in place,
 * plus run or file state (sim_runs.c, sim_files.c). The byte budget of a
 * key is counted here too (civis__sim_charge).
 */
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"
#include "sim_sql.h"

/* ---- time ---------------------------------------------------------------- */

long long civis__sim_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void civis__sim_iso(char *buf, size_t len, long long ms)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (ms <= 0)
        return;
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&secs, &tm) == NULL)
        return;
    char head[24];
    strftime(head, sizeof(head), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%03dZ", head, (int)(ms % 1000));
}

/* ---- small JSON helpers ---------------------------------------------------- */

bool civis__sim_set(cJSON *obj, const char *name, cJSON *value)
{
    if (value == NULL)
        return false;
    if (cJSON_GetObjectItemCaseSensitive(obj, name) != NULL)
        return cJSON_ReplaceItemInObjectCaseSensitive(obj, name, value);
    if (!cJSON_AddItemToObject(obj, name, value)) {
        cJSON_Delete(value);
        return false;
    }
    return true;
}

bool civis__sim_set_str(cJSON *obj, const char *name, const char *s)
{
    return civis__sim_set(obj, name, s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

bool civis__sim_set_num(cJSON *obj, const char *name, double v)
{
    return civis__sim_set(obj, name, cJSON_CreateNumber(v));
}

bool civis__sim_set_time(cJSON *obj, const char *name, long long ms)
{
    char iso[40];
    civis__sim_iso(iso, sizeof(iso), ms);
    return civis__sim_set_str(obj, name, ms > 0 ? iso : NULL);
}

const cJSON *civis__sim_item_schema(const civis_spec *spec, const civis_operation *op)
{
    if (op == NULL || op->response_schema == NULL)
        return NULL;
    const cJSON *s = civis_spec_deref(spec, op->response_schema);
    if (civis_schema_type(s) == CIVIS_TYPE_ARRAY)
        s = civis_spec_deref(spec, cJSON_GetObjectItemCaseSensitive(s, "items"));
    return s;
}

static const cJSON *schema_props(const civis_spec *spec, const cJSON *schema)
{
    const cJSON *s = civis_spec_deref(spec, schema);
    const cJSON *p = s ? cJSON_GetObjectItemCaseSensitive(s, "properties") : NULL;
    return cJSON_IsObject(p) ? p : NULL;
}

bool civis__sim_schema_has(const civis_spec *spec, const cJSON *schema, const char *prop)
{
    const cJSON *p = schema_props(spec, schema);
    return p != NULL && cJSON_GetObjectItemCaseSensitive(p, prop) != NULL;
}

/* The property a request key names: its wire name, or a name whose
 * snake_case form the key is. */
static const cJSON *find_prop(const cJSON *props, const char *key)
{
    return civis_json_key(props, key);
}

/* A free-form value as the raw JSON text it came in: one allocation instead
 * of a node per key, and printed back byte for byte. */
static cJSON *raw_copy(const cJSON *value)
{
    char *text = cJSON_PrintUnformatted(value);
    cJSON *raw = text ? cJSON_CreateRaw(text) : NULL;
    cJSON_free(text);
    return raw;
}

/* Top-level values of more nodes than this are stored as text when their
 * keys already carry their wire names: one allocation instead of a node
 * per value, and a reply copies their bytes instead of printing them. The
 * small ones behaviour reads as objects (csvSettings, destination) stay
 * trees. */
#define RAW_NODES 256

/* Counts the nodes of `value`, stopping past `limit`. */
static size_t count_nodes(const cJSON *value, size_t limit)
{
    size_t n = 1;
    for (const cJSON *c = value->child; c != NULL && n <= limit; c = c->next)
        n += count_nodes(c, limit - n);
    return n;
}

/* Whether every key of `value` is already its wire name; counts the nodes
 * (only as far as RAW_NODES where no schema names keys: nothing there can
 * be renamed). `s` is dereferenced. */
#define MEMO_KEYS 16
typedef struct key_memo {
    const char *key[MEMO_KEYS];
    const cJSON *prop[MEMO_KEYS];
} key_memo;

static bool wire_named_s(const civis_spec *spec, const cJSON *s, const cJSON *value, size_t *nodes,
                         int depth, key_memo *memo)
{
    if (depth > 32)
        return true;
    const cJSON *props = cJSON_IsObject(value) ? schema_props(spec, s) : NULL;
    const cJSON *items =
        cJSON_IsArray(value) && s ? cJSON_GetObjectItemCaseSensitive(s, "items") : NULL;
    if (props == NULL && items == NULL) {
        *nodes += count_nodes(value, RAW_NODES + 1);
        return true;
    }
    (*nodes)++;
    if (props != NULL) {
        size_t i = 0;
        for (const cJSON *c = value->child; c != NULL; c = c->next, i++) {
            const cJSON *p = NULL;
            /* Items of one array mostly repeat their keys in one order:
             * the previous item's lookup is reused when the key is its. */
            if (memo != NULL && i < MEMO_KEYS && memo->key[i] != NULL &&
                strcmp(memo->key[i], c->string) == 0) {
                p = memo->prop[i];
            } else {
                p = find_prop(props, c->string);
                if (memo != NULL && i < MEMO_KEYS) {
                    memo->key[i] = c->string;
                    memo->prop[i] = p;
                }
            }
            if (p != NULL && strcmp(p->string, c->string) != 0)
                return false;
            if (!cJSON_IsObject(c) && !cJSON_IsArray(c)) {
                (*nodes)++; /* a scalar has no keys: no schema to look at */
                continue;
            }
            if (!wire_named_s(spec, civis_spec_deref(spec, p), c, nodes, depth + 1, NULL))
                return false;
        }
        return true;
    }
    /* An array's items share one schema: dereferenced once, not per item. */
    const cJSON *is = civis_spec_deref(spec, items);
    key_memo m;
    memset(&m, 0, sizeof(m));
    for (const cJSON *c = value->child; c != NULL; c = c->next)
        if (!wire_named_s(spec, is, c, nodes, depth + 1, &m))
            return false;
    return true;
}

static bool wire_named(const civis_spec *spec, const cJSON *schema, const cJSON *value,
                       size_t *nodes, int depth)
{
    return wire_named_s(spec, civis_spec_deref(spec, schema), value, nodes, depth, NULL);
}

static cJSON *to_wire(const civis_spec *spec, const cJSON *schema, const cJSON *value, int depth,
                      bool raw)
{
    if (depth > 32)
        return raw ? raw_copy(value) : cJSON_Duplicate(value, true);
    const cJSON *s = civis_spec_deref(spec, schema);
    if (cJSON_IsObject(value)) {
        const cJSON *props = schema_props(spec, s);
        if (props == NULL) /* free-form (arguments, environment variables): keys as sent */
            return raw && depth > 0 ? raw_copy(value) : cJSON_Duplicate(value, true);
        cJSON *out = cJSON_CreateObject();
        for (const cJSON *c = value->child; out != NULL && c != NULL; c = c->next) {
            const cJSON *p = find_prop(props, c->string);
            const char *name = p ? p->string : c->string;
            size_t nodes = 0;
            cJSON *v = raw && depth == 0 && (cJSON_IsObject(c) || cJSON_IsArray(c)) &&
                               wire_named(spec, p, c, &nodes, 1) && nodes > RAW_NODES
                           ? raw_copy(c)
                           : to_wire(spec, p, c, depth + 1, raw);
            if (!civis__sim_set(out, name, v)) {
                cJSON_Delete(out);
                out = NULL;
            }
        }
        return out;
    }
    if (cJSON_IsArray(value)) {
        const cJSON *items = s ? cJSON_GetObjectItemCaseSensitive(s, "items") : NULL;
        cJSON *out = cJSON_CreateArray();
        for (const cJSON *c = value->child; out != NULL && c != NULL; c = c->next) {
            cJSON *v = to_wire(spec, items, c, depth + 1, raw);
            if (v == NULL || !cJSON_AddItemToArray(out, v)) {
                cJSON_Delete(v);
                cJSON_Delete(out);
                out = NULL;
            }
        }
        return out;
    }
    return cJSON_Duplicate(value, true);
}

cJSON *civis__sim_to_wire(const civis_spec *spec, const cJSON *schema, const cJSON *value)
{
    return value ? to_wire(spec, schema, value, 0, false) : cJSON_CreateObject();
}

cJSON *civis__sim_to_stored(const civis_spec *spec, const cJSON *schema, const cJSON *value)
{
    return value ? to_wire(spec, schema, value, 0, true) : cJSON_CreateObject();
}

/* One top-level field of a body being stored: its value as the request's
 * bytes (large, already wire-named values), moved out of the parsed body
 * (scalars), or converted (the rest). NULL when out of memory. */
static cJSON *stored_field(const civis_spec *spec, const cJSON *prop, cJSON *parent, cJSON *c,
                           sim_members *m, bool have)
{
    size_t nodes = 0;
    if ((cJSON_IsObject(c) || cJSON_IsArray(c)) && wire_named(spec, prop, c, &nodes, 1) &&
        nodes > RAW_NODES) {
        if (!have)
            return raw_copy(c);
        return civis__sim_raw_text(m->text + m->off, m->vlen, m->ws);
    }
    if (!cJSON_IsObject(c) && !cJSON_IsArray(c))
        return cJSON_DetachItemViaPointer(parent, c);
    return to_wire(spec, prop, c, 1, true);
}

cJSON *civis__sim_to_stored_take(const civis_spec *spec, const cJSON *schema, cJSON *value,
                                 const char *text, size_t len)
{
    const cJSON *props = cJSON_IsObject(value) ? schema_props(spec, schema) : NULL;
    if (props == NULL)
        return civis__sim_to_stored(spec, schema, value);
    sim_members m;
    civis__sim_members_init(&m, text, len);
    cJSON *out = cJSON_CreateObject();
    cJSON *next = NULL;
    for (cJSON *c = value->child; out != NULL && c != NULL; c = next) {
        next = c->next;
        bool have = civis__sim_members_next(&m, c->string);
        const cJSON *p = find_prop(props, c->string);
        cJSON *v = stored_field(spec, p, value, c, &m, have);
        if (!civis__sim_set(out, p ? p->string : c->string, v)) {
            cJSON_Delete(out);
            out = NULL;
        }
    }
    return out;
}

/* A read of a stored value that shares its bytes instead of copying them:
 * the rendered answer is printed and freed while the object is locked, so a
 * large field is never copied per read. */
static cJSON *borrow(const cJSON *v)
{
    cJSON *b = NULL;
    if (cJSON_IsString(v))
        b = cJSON_CreateStringReference(v->valuestring);
    else if (cJSON_IsRaw(v) && (b = cJSON_CreateStringReference(v->valuestring)) != NULL)
        b->type = cJSON_Raw | cJSON_IsReference; /* cJSON_Delete leaves valuestring alone */
    else if (cJSON_IsObject(v))
        b = cJSON_CreateObjectReference(v->child);
    else if (cJSON_IsArray(v))
        b = cJSON_CreateArrayReference(v->child);
    else
        b = cJSON_Duplicate(v, false);
    return b;
}

/* A stored value in the type the rendering schema declares, where the two
 * disagree in a harmless way (the Job schema's archived is a string). */
static cJSON *coerce(const civis_spec *spec, const cJSON *prop, const cJSON *v, bool share)
{
    civis_type t = civis_schema_type(civis_spec_deref(spec, prop));
    if (t == CIVIS_TYPE_STRING && cJSON_IsBool(v))
        return cJSON_CreateString(cJSON_IsTrue(v) ? "true" : "false");
    if (t == CIVIS_TYPE_BOOLEAN && cJSON_IsString(v) &&
        (strcmp(v->valuestring, "true") == 0 || strcmp(v->valuestring, "false") == 0))
        return cJSON_CreateBool(strcmp(v->valuestring, "true") == 0);
    return share ? borrow(v) : cJSON_Duplicate(v, true);
}

static cJSON *render(const civis_sim *sim, const cJSON *schema, const cJSON *data, uint64_t seed,
                     bool share)
{
    const cJSON *s = civis_spec_deref(sim->spec, schema);
    civis_synth_options opts = {.seed = seed};
    cJSON *out = s ? civis_synthesize(sim->spec, s, &opts) : cJSON_CreateObject();
    if (out == NULL)
        return NULL;
    if (!cJSON_IsObject(out)) {
        cJSON_Delete(out);
        return data ? cJSON_Duplicate(data, true) : cJSON_CreateObject();
    }
    const cJSON *props = schema_props(sim->spec, s);
    for (const cJSON *f = data ? data->child : NULL; f != NULL; f = f->next) {
        const cJSON *prop = props ? cJSON_GetObjectItemCaseSensitive(props, f->string) : NULL;
        if (props != NULL && prop == NULL)
            continue;
        cJSON *v = coerce(sim->spec, prop, f, share);
        cJSON *old = v ? cJSON_GetObjectItemCaseSensitive(out, f->string) : NULL;
        bool ok = v != NULL;
        if (ok && old != NULL) {
            /* in place: the synthesized value's slot, no second search
             * (a duplicated value comes with a copy of its name) */
            if (v->string != NULL && !(v->type & cJSON_StringIsConst))
                cJSON_free(v->string);
            v->type &= ~cJSON_StringIsConst;
            v->string = old->string;
            old->string = NULL;
            v->type = (v->type & ~cJSON_StringIsConst) | (old->type & cJSON_StringIsConst);
            ok = cJSON_ReplaceItemViaPointer(out, old, v);
        } else if (ok && !cJSON_AddItemToObject(out, f->string, v)) {
            cJSON_Delete(v);
            ok = false;
        }
        if (!ok) {
            cJSON_Delete(out);
            return NULL;
        }
    }
    return out;
}

cJSON *civis__sim_render(const civis_sim *sim, const cJSON *schema, const cJSON *data,
                         uint64_t seed)
{
    return render(sim, schema, data, seed, false);
}

bool civis__sim_contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p != '\0'; p++)
        if (strncasecmp(p, needle, n) == 0)
            return true;
    return n == 0;
}

/* ---- requests ------------------------------------------------------------ */

long civis__sim_param_id(const civis_route *route, size_t i)
{
    if (i >= route->n_params)
        return -1;
    const char *v = route->params[i].value;
    char *end = NULL;
    errno = 0;
    long id = strtol(v, &end, 10);
    return (end != v && *end == '\0' && errno == 0 && id >= 0) ? id : -1;
}

const char *civis__sim_query(const cmock_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_query; i++)
        if (strcmp(req->query_kv[i].key, name) == 0)
            return req->query_kv[i].value;
    return NULL;
}

void civis__sim_not_found(cmock_reply *reply)
{
    cmock__error(reply, 404, "not_found", "The requested resource could not be found.");
}

void civis__sim_oom(cmock_reply *reply)
{
    cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
}

void civis__sim_reply_take(cmock_reply *reply, int status, cJSON *json)
{
    if (json == NULL) {
        civis__sim_oom(reply);
        return;
    }
    cmock__reply_json(reply, status, json);
    cJSON_Delete(json);
}

void civis__sim_reply_list(sim_req *r, cJSON *list)
{
    if (list == NULL) {
        civis__sim_oom(r->reply);
        return;
    }
    r->reply->status = (int)civis_answer_status(r->op);
    if (r->op->paginated) {
        if (!cmock__paginate(r->reply, r->op, r->req, list, true))
            civis__sim_oom(r->reply);
        return;
    }
    civis__sim_reply_take(r->reply, r->reply->status, list);
}

/* ---- spaces and objects -------------------------------------------------- */

sim_space *civis__sim_space(civis_sim *sim, const char *key, bool create)
{
    for (size_t i = 0; i < sim->n_spaces; i++)
        if (strcmp(sim->spaces[i]->key, key) == 0)
            return sim->spaces[i];
    if (!create)
        return NULL;
    if (sim->n_spaces == sim->cap_spaces) {
        size_t cap = sim->cap_spaces ? sim->cap_spaces * 2 : 8;
        sim_space **grown = realloc(sim->spaces, cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        sim->spaces = grown;
        sim->cap_spaces = cap;
    }
    sim_space *sp = calloc(1, sizeof(*sp));
    if (sp == NULL || (sp->key = strdup(key)) == NULL) {
        free(sp);
        return NULL;
    }
    if (pthread_mutex_init(&sp->lock, NULL) != 0) {
        free(sp->key);
        free(sp);
        return NULL;
    }
    if (sim->all_locked) /* the admin API holds every space, this one too */
        pthread_mutex_lock(&sp->lock);
    sp->next_id = 1;
    sp->next_log_id = 1;
    sp->index = sim->n_spaces;
    sim->spaces[sim->n_spaces++] = sp;
    return sp;
}

long civis__sim_take_id(sim_space *space)
{
    /* Every id has a slot, so that objs[id - 1] finds objects directly. */
    if (space->n_objs == space->cap_objs) {
        size_t cap = space->cap_objs ? space->cap_objs * 2 : 64;
        sim_obj **grown = realloc(space->objs, cap * sizeof(*grown));
        if (grown == NULL)
            return -1;
        space->objs = grown;
        space->cap_objs = cap;
    }
    space->objs[space->n_objs++] = NULL;
    return space->next_id++;
}

sim_obj *civis__sim_obj_new(sim_space *space, int coll, long parent_id)
{
    sim_obj *obj = calloc(1, sizeof(*obj));
    if (obj == NULL)
        return NULL;
    obj->data = cJSON_CreateObject();
    long id = obj->data ? civis__sim_take_id(space) : -1;
    if (id < 0) {
        cJSON_Delete(obj->data);
        free(obj);
        return NULL;
    }
    obj->id = id;
    obj->coll = coll;
    obj->parent_id = parent_id;
    space->objs[id - 1] = obj;
    return obj;
}

sim_obj *civis__sim_obj_get(const sim_space *space, long id)
{
    if (space == NULL || id < 1 || (size_t)id > space->n_objs)
        return NULL;
    return space->objs[id - 1];
}

void civis__sim_obj_free(sim_obj *obj)
{
    if (obj == NULL)
        return;
    cJSON_Delete(obj->data);
    cJSON_Delete(obj->given);
    free(obj->name_key);
    for (size_t i = 0; i < obj->n_runs; i++)
        civis__sim_run_free(obj->runs[i]);
    free(obj->runs);
    cJSON_Delete(obj->next_outputs);
    cJSON_Delete(obj->next_logs);
    free(obj->csv);
    civis__sim_file_free(obj->file);
    free(obj);
}

void civis__sim_obj_drop(sim_space *space, sim_obj *obj)
{
    civis__sim_order_remove(space, obj);
    space->objs[obj->id - 1] = NULL;
    civis_sim fake = {.max_bytes = SIZE_MAX}; /* releasing never needs the budget */
    civis__sim_charge(&fake, space, &obj->bytes, 0);
    if (obj->file != NULL)
        civis__sim_charge(&fake, space, &obj->file->bytes, 0);
    civis__sim_obj_free(obj);
}

const cJSON *civis__sim_given(const sim_obj *obj, const char *name)
{
    return obj->given ? cJSON_GetObjectItemCaseSensitive(obj->given, name) : NULL;
}

bool civis__sim_adopt(sim_obj *obj, cJSON *fields)
{
    if (obj->given == NULL && (obj->given = cJSON_CreateObject()) == NULL)
        return false;
    while (fields != NULL && fields->child != NULL) {
        cJSON *f = cJSON_DetachItemViaPointer(fields, fields->child);
        /* data's entry first: it may still share the value being replaced */
        if (!civis__sim_set(obj->data, f->string, borrow(f))) {
            cJSON_Delete(f);
            return false;
        }
        cJSON *old = cJSON_GetObjectItemCaseSensitive(obj->given, f->string);
        if (old != NULL) {
            cJSON_ReplaceItemViaPointer(obj->given, old, f); /* takes f's own name */
        } else if (!cJSON_AddItemToObject(obj->given, f->string, f)) {
            cJSON_Delete(f);
            return false;
        }
    }
    return true;
}

/* ---- the byte budget ------------------------------------------------------ */

bool civis__sim_charge(const civis_sim *sim, sim_space *space, size_t *held, size_t now)
{
    size_t before = held != NULL ? *held : 0;
    size_t rest = space->bytes - (before < space->bytes ? before : space->bytes);
    if (now > before && (now > sim->max_bytes || rest > sim->max_bytes - now))
        return false;
    space->bytes = rest + now;
    if (held != NULL)
        *held = now;
    return true;
}

size_t civis__sim_obj_cost(const cJSON *data, size_t body_len)
{
    /* The request's bytes plus what storing them costs beyond the text:
     * the JSON nodes of the top-level fields and the bookkeeping of an
     * object. Close to the object's JSON size, and cheap to compute. */
    size_t fields = 0;
    for (const cJSON *f = data ? data->child : NULL; f != NULL; f = f->next)
        fields++;
    return body_len + fields * (sizeof(cJSON) + 16) + sizeof(sim_obj) + 3 * sizeof(void *) +
           CIVIS_SIM_OBJ_OVERHEAD;
}

void civis__sim_budget_full(cmock_reply *reply, const civis_sim *sim, bool bytes)
{
    char why[320];
    if (bytes)
        snprintf(why, sizeof(why),
                 "civis-mock keeps at most %zu bytes of objects, runs and files per API key "
                 "(--state-max-bytes); POST /__mock/reset clears them",
                 sim->max_bytes);
    else
        snprintf(why, sizeof(why),
                 "civis-mock keeps at most %zu objects and runs per API key "
                 "(--state-max-objects); POST /__mock/reset clears them",
                 sim->max_objects);
    cmock__error(reply, 507, "insufficient_storage", why);
}

static void space_free(const civis_sim *sim, sim_space *sp)
{
    if (sp == NULL)
        return;
    for (size_t i = 0; i < sp->n_objs; i++)
        civis__sim_obj_free(sp->objs[i]);
    civis__sim_order_free(sim, sp);
    free(sp->objs);
    free(sp->key);
    free(sp->csv);
    pthread_mutex_destroy(&sp->lock);
    cmock__sql_close(sp->sqldb);
    free(sp);
}

uint64_t civis__sim_obj_seed(const civis_sim *sim, long id)
{
    uint64_t x = sim->seed ^ ((uint64_t)id * 0x9E3779B97F4A7C15ull) ^ 0x5ea5e5eedull;
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    return x ^ (x >> 32);
}

/* The synthesized rendering of an operation's item schema, built once. */
static const cJSON *template_of(civis_sim *sim, const civis_operation *op, const cJSON *schema)
{
    if (op == NULL || op->index >= sim->n_ops || sim->tmpl == NULL)
        return NULL;
    cJSON *t = __atomic_load_n(&sim->tmpl[op->index], __ATOMIC_ACQUIRE);
    if (t != NULL)
        return t;
    pthread_mutex_lock(&sim->tmpl_lock);
    t = sim->tmpl[op->index];
    if (t == NULL) {
        uint64_t seed = civis__sim_obj_seed(sim, -(long)op->index - 1);
        civis_synth_options opts = {.seed = seed};
        t = civis_synthesize(sim->spec, civis_spec_deref(sim->spec, schema), &opts);
        if (t != NULL && !cJSON_IsObject(t)) {
            cJSON_Delete(t);
            t = NULL;
        }
        /* Nested parts as printed text: a read copies their bytes instead
         * of printing a tree of nodes again. */
        for (cJSON *c = t ? t->child : NULL; c != NULL; c = c->next) {
            if (!cJSON_IsObject(c) && !cJSON_IsArray(c))
                continue;
            cJSON *raw = raw_copy(c);
            if (raw != NULL) {
                raw->string = c->string;
                raw->type |= c->type & cJSON_StringIsConst;
                c->string = NULL;
                cJSON_ReplaceItemViaPointer(t, c, raw);
                c = raw;
            }
        }
        __atomic_store_n(&sim->tmpl[op->index], t, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&sim->tmpl_lock);
    return t;
}

/*
 * An object rendered as the operation's template with the object's stored
 * fields in place of the template's: the template's nested parts (author,
 * schedule, ...) are shared, not synthesized and freed per read. Every
 * value is borrowed, so the rendering costs a node per top-level field.
 */
static cJSON *render_shared(const civis_sim *sim, const cJSON *tmpl, const cJSON *schema,
                            const cJSON *data)
{
    const cJSON *props = schema_props(sim->spec, schema);
    cJSON *out = cJSON_CreateObject();
    for (const cJSON *t = tmpl->child; out != NULL && t != NULL; t = t->next) {
        const cJSON *d = data ? cJSON_GetObjectItemCaseSensitive(data, t->string) : NULL;
        const cJSON *prop = d && props ? cJSON_GetObjectItemCaseSensitive(props, t->string) : NULL;
        cJSON *v = d ? coerce(sim->spec, prop, d, true) : borrow(t);
        if (v == NULL || !cJSON_AddItemToObjectCS(out, t->string, v)) {
            cJSON_Delete(v);
            cJSON_Delete(out);
            out = NULL;
        }
    }
    for (const cJSON *d = data ? data->child : NULL; out != NULL && d != NULL; d = d->next) {
        if (cJSON_GetObjectItemCaseSensitive(tmpl, d->string) != NULL)
            continue;
        const cJSON *prop = props ? cJSON_GetObjectItemCaseSensitive(props, d->string) : NULL;
        if (props != NULL && prop == NULL)
            continue;
        cJSON *v = coerce(sim->spec, prop, d, true);
        if (v == NULL || !cJSON_AddItemToObject(out, d->string, v)) {
            cJSON_Delete(v);
            cJSON_Delete(out);
            out = NULL;
        }
    }
    return out;
}

cJSON *civis__sim_render_base(sim_req *r, sim_obj *obj, const civis_operation *op,
                              const cJSON **schema_out)
{
    const cJSON *schema = civis__sim_item_schema(r->sim->spec, op);
    if (schema == NULL && obj->coll >= 0 && r->sim->colls[obj->coll].get != NULL) {
        op = r->sim->colls[obj->coll].get;
        schema = civis__sim_item_schema(r->sim->spec, op);
    }
    *schema_out = schema;
    const cJSON *tmpl = schema ? template_of(r->sim, op, schema) : NULL;
    if (tmpl != NULL)
        return render_shared(r->sim, tmpl, civis_spec_deref(r->sim->spec, schema), obj->data);
    return render(r->sim, schema, obj->data, civis__sim_obj_seed(r->sim, obj->id), true);
}

cJSON *civis__sim_render_obj(sim_req *r, sim_obj *obj, const civis_operation *op)
{
    const cJSON *schema = NULL;
    cJSON *out = civis__sim_render_base(r, obj, op, &schema);
    if (out == NULL)
        return NULL;
    if (!civis__sim_render_overlay(r, obj, schema, out)) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

bool civis__sim_render_overlay(sim_req *r, sim_obj *obj, const cJSON *schema, cJSON *out)
{
    bool ok = true;
    if (obj->coll >= 0 && r->sim->colls[obj->coll].job)
        ok = civis__sim_job_overlay(r, obj, schema, out);
    if (ok && obj->file != NULL)
        ok = civis__sim_file_overlay(r, obj, schema, out);
    return ok;
}

/* ---- locks ----------------------------------------------------------------- */

sim_space *civis__sim_space_lock(civis_sim *sim, const char *key, bool create)
{
    pthread_mutex_lock(&sim->lock);
    sim_space *sp = civis__sim_space(sim, key, create);
    if (sp != NULL)
        pthread_mutex_lock(&sp->lock);
    pthread_mutex_unlock(&sim->lock);
    return sp;
}

sim_space *civis__sim_space_lock_at(civis_sim *sim, size_t index)
{
    pthread_mutex_lock(&sim->lock);
    sim_space *sp = index < sim->n_spaces ? sim->spaces[index] : NULL;
    if (sp != NULL)
        pthread_mutex_lock(&sp->lock);
    pthread_mutex_unlock(&sim->lock);
    return sp;
}

void civis__sim_space_unlock(sim_space *space)
{
    if (space != NULL)
        pthread_mutex_unlock(&space->lock);
}

void civis__sim_lock_all(civis_sim *sim)
{
    pthread_mutex_lock(&sim->lock);
    for (size_t i = 0; i < sim->n_spaces; i++)
        pthread_mutex_lock(&sim->spaces[i]->lock);
    sim->all_locked = true;
}

void civis__sim_unlock_all(civis_sim *sim)
{
    sim->all_locked = false;
    for (size_t i = 0; i < sim->n_spaces; i++)
        pthread_mutex_unlock(&sim->spaces[i]->lock);
    pthread_mutex_unlock(&sim->lock);
}

/* ---- the simulation ---------------------------------------------------- */

civis_status civis__sim_new(civis_sim **out, const civis_spec *spec, const civis_sim_options *opts,
                            civis_error *err)
{
    *out = NULL;
    civis_sim *sim = calloc(1, sizeof(*sim));
    if (sim == NULL)
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory creating the simulation");
    pthread_mutex_init(&sim->lock, NULL);
    pthread_mutex_init(&sim->tmpl_lock, NULL);
    sim->spec = spec;
    sim->n_ops = civis_spec_operation_count(spec);
    sim->tmpl = calloc(sim->n_ops ? sim->n_ops : 1, sizeof(*sim->tmpl));
    if (sim->tmpl == NULL) {
        pthread_mutex_destroy(&sim->tmpl_lock);
        pthread_mutex_destroy(&sim->lock);
        free(sim);
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory creating the simulation");
    }
    sim->seed = opts ? opts->seed : 0;
    sim->databases = opts ? opts->databases : NULL;
    sim->n_databases = opts ? opts->n_databases : 0;
    sim->mem_limit = opts && opts->mem_limit ? opts->mem_limit : CIVIS_SIM_DEFAULT_MEM_LIMIT;
    sim->max_objects =
        opts && opts->max_objects ? opts->max_objects : CIVIS_SIM_DEFAULT_MAX_OBJECTS;
    sim->max_bytes = opts && opts->max_bytes ? opts->max_bytes : CIVIS_SIM_DEFAULT_MAX_BYTES;
    char why[256];
    const char *policy = opts && opts->run_policy ? opts->run_policy : "instant";
    civis_status st = CIVIS_OK;
    if (!civis__sim_policy_parse(&sim->start_policy, policy, why, sizeof(why))) {
        st = civis__fail(err, CIVIS_EINVAL, "run_policy", "bad --run-policy '%s': %s", policy, why);
        goto fail;
    }
    sim->policy = sim->start_policy;
    if (opts && opts->state_dir) {
        struct stat sb;
        if (stat(opts->state_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            st = civis__fail(err, CIVIS_EIO, "state_dir", "--state-dir %s is not a directory",
                             opts->state_dir);
            goto fail;
        }
        sim->state_dir = strdup(opts->state_dir);
    } else {
        const char *tmp = getenv("TMPDIR");
        char tmpl[512];
        snprintf(tmpl, sizeof(tmpl), "%s/civis-mock-state-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(tmpl) == NULL) {
            st = civis__fail(err, CIVIS_EIO, "state_dir", "cannot create a state directory %s: %s",
                             tmpl, strerror(errno));
            goto fail;
        }
        sim->own_dir = true;
        sim->state_dir = strdup(tmpl);
        if (sim->state_dir == NULL)
            rmdir(tmpl);
    }
    if (sim->state_dir == NULL) {
        st = civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory creating the simulation");
        goto fail;
    }
    if ((st = civis__sim_index_build(sim, err)) != CIVIS_OK)
        goto fail;
    *out = sim;
    return CIVIS_OK;
fail:
    civis__sim_free(sim);
    return st;
}

static void clear_state(civis_sim *sim)
{
    for (size_t i = 0; i < sim->n_spaces; i++)
        space_free(sim, sim->spaces[i]);
    free(sim->spaces);
    sim->spaces = NULL;
    sim->n_spaces = sim->cap_spaces = 0;
    free(sim->csv);
    sim->csv = NULL;
    sim->csv_len = 0;
}

void civis__sim_free(civis_sim *sim)
{
    if (sim == NULL)
        return;
    clear_state(sim);
    civis__sim_index_free(sim);
    /* Spill files are unlinked as soon as they are created, so the
     * directory we made is empty again here. */
    if (sim->own_dir && sim->state_dir != NULL)
        rmdir(sim->state_dir);
    free(sim->state_dir);
    for (size_t i = 0; sim->tmpl != NULL && i < sim->n_ops; i++)
        cJSON_Delete(sim->tmpl[i]);
    free(sim->tmpl);
    pthread_mutex_destroy(&sim->tmpl_lock);
    pthread_mutex_destroy(&sim->lock);
    free(sim);
}

void civis__sim_reset(void *ctx)
{
    civis_sim *sim = ctx;
    if (sim == NULL)
        return;
    /* Every space locked: requests in flight finish first, and none
     * starts (a request takes its space's lock under sim->lock). */
    pthread_mutex_lock(&sim->lock);
    for (size_t i = 0; i < sim->n_spaces; i++) {
        pthread_mutex_lock(&sim->spaces[i]->lock);
        pthread_mutex_unlock(&sim->spaces[i]->lock);
    }
    clear_state(sim);
    sim->policy = sim->start_policy;
    pthread_mutex_unlock(&sim->lock);
    /* Give the freed state back to the system: glibc keeps freed heap
     * pages otherwise, and a reset between CI suites should leave the
     * server as small as it started. */
    malloc_trim(0);
}

/* "http://host:port" as the client addressed us. */
static void base_url(char *buf, size_t len, const char *host)
{
    bool ok = host != NULL && *host != '\0' && strlen(host) < len - 8;
    for (const char *p = host; ok && *p; p++)
        ok = *p > ' ' && *p != '/' && *p != '"' && *p != '\\' && (unsigned char)*p < 0x7f;
    snprintf(buf, len, "http://%s", ok ? host : "127.0.0.1");
}

static bool creates(sim_role_kind kind)
{
    return kind == SIM_R_CREATE || kind == SIM_R_RUN_CREATE || kind == SIM_R_MULTIPART_CREATE;
}

bool civis__sim_handle(void *ctx, const civis_spec *spec, const civis_route *route,
                       const cmock_request *req, const cJSON *body, cJSON *parsed,
                       const char *api_key, cmock_reply *reply, cmock_outcome *outcome)
{
    civis_sim *sim = ctx;
    (void)spec; /* the simulation keeps its own pointer to the same spec */
    if (sim == NULL || route->op == NULL || api_key == NULL)
        return false;
    const sim_role *role = &sim->roles[route->op->index];
    bool sql = cmock__sql_owns(route->op, req);
    if (role->kind == SIM_R_NONE && !sql)
        return false;
    sim_req r = {
        .sim = sim,
        .route = route,
        .op = route->op,
        .role = role,
        .req = req,
        .body = body,
        .body_owned = parsed,
        .reply = reply,
        .oc = outcome,
    };
    base_url(r.base, sizeof(r.base), req->host);
    /* Only this key's state is locked: keys never wait for each other. */
    r.space = civis__sim_space_lock(sim, api_key, true);
    if (r.space == NULL)
        civis__sim_oom(reply);
    else if (sql)
        (void)cmock__sql_handle(&r);
    else if (creates(role->kind) && r.space->n_objs >= sim->max_objects)
        civis__sim_budget_full(reply, sim, false);
    else if (creates(role->kind) && r.space->bytes >= sim->max_bytes)
        civis__sim_budget_full(reply, sim, true);
    else if (role->kind == SIM_R_MULTIPART_CREATE || role->kind == SIM_R_MULTIPART_COMPLETE)
        civis__sim_files(&r);
    else if (role->kind >= SIM_R_RUN_CREATE)
        civis__sim_runs(&r);
    else
        civis__sim_crud(&r);
    civis__sim_space_unlock(r.space); /* the space may have been re-found (sim_files.c) */
    outcome->source = "simulation";
    return true;
}
