/*
 * index.c: the operation index. One pass over the paths builds every
 * operation descriptor with the official client's method name, its
 * arguments (body properties expanded, required first) and its response;
 * then a sorted (resource, name) table, aliases included, answers lookups
 * by binary search. Everything lives in the spec's arena: indexing the full
 * spec costs a few dozen block allocations, not one per operation.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"

/* The official client's GET_PATHS_WITH_ARRAY_RESPONSE: paths (no leading
 * slash) whose GET returns an array although the spec says object. */
static const char *const array_paths[] = {
    "credentials/types",
    "databases/{id}/users",
    "jobs/{id}/children",
    "jobs/{id}/parents",
    "notebooks/{id}/git/commits",
    "reports/{id}/git/commits",
    "scripts/javascript/{id}/git/commits",
    "scripts/python3/{id}/git/commits",
    "scripts/r/{id}/git/commits",
    "scripts/sql/{id}/git/commits",
    "scripts/{id}/history",
    "workflows/{id}/git/commits",
};

/* The official client's LEGACY_PATHS_WITH_LIST_NAME: literal-final GETs
 * that were once named list_* and keep that name as a deprecated alias. */
static const char *const legacy_list_paths[] = {
    "aliases/{id}/shares",
    "clusters/kubernetes/instance_configs/{instance_config_id}/historical_graphs",
    "clusters/kubernetes/instance_configs/{instance_config_id}/historical_metrics",
    "credentials/{id}/shares",
    "databases/{id}/advanced-settings",
    "endpoints",
    "enhancements/cass-ncoa/{id}/shares",
    "enhancements/civis-data-match/{id}/shares",
    "enhancements/geocode/{id}/shares",
    "enhancements/identity-resolution/{id}/shares",
    "files/{id}/shares",
    "git_repos/{id}/refs",
    "groups/{id}/child_groups",
    "groups/{id}/shares",
    "imports/{id}/shares",
    "jobs/{id}/shares",
    "json_values/{id}/shares",
    "match_targets/{id}/shares",
    "media/optimizations/{id}/shares",
    "media/ratecards/{id}/shares",
    "media/spot_orders/{id}/shares",
    "models/{id}/schedules",
    "models/{id}/shares",
    "notebooks/{id}/git",
    "notebooks/{id}/shares",
    "notebooks/{id}/update-links",
    "notifications",
    "permission_sets/{id}/resources/{name}/shares",
    "permission_sets/{id}/shares",
    "predictions/{id}/schedules",
    "projects/{id}/shares",
    "remote_hosts/{id}/shares",
    "reports/{id}/git",
    "reports/{id}/shares",
    "reports/services/{id}/shares",
    "reports/sql/{id}/shares",
    "scripts/containers/{id}/shares",
    "scripts/custom/{id}/shares",
    "scripts/dbt/{id}/shares",
    "scripts/javascript/{id}/git",
    "scripts/javascript/{id}/shares",
    "scripts/python3/{id}/git",
    "scripts/python3/{id}/shares",
    "scripts/r/{id}/git",
    "scripts/r/{id}/shares",
    "scripts/sql/{id}/git",
    "scripts/sql/{id}/shares",
    "search",
    "services/{id}/shares",
    "storage_hosts/{id}/shares",
    "templates/reports/{id}/shares",
    "templates/scripts/{id}/shares",
    "usage/llm/organization/{org_id}/summary",
    "users/me",
    "workflows/{id}/git",
    "workflows/{id}/shares",
};

/* The official client skips paths starting with these (a name clash with a
 * client property). The operations stay routable; they get no method. */
static const char *const excluded_prefixes[] = {"feature_flags"};

static const struct {
    const char *key;  /* as written in a path item */
    const char *verb; /* as stored in civis_operation.verb */
} verbs[] = {
    {"get", "GET"},     {"put", "PUT"},   {"post", "POST"},       {"delete", "DELETE"},
    {"patch", "PATCH"}, {"head", "HEAD"}, {"options", "OPTIONS"},
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* A path with its slashes stripped at both ends, as the official client
 * sees it: "/files/" -> "files". */
typedef struct span {
    const char *s;
    size_t len;
} span;

static span strip_slashes(const char *path)
{
    span sp = {path, strlen(path)};
    while (sp.len > 0 && sp.s[0] == '/') {
        sp.s++;
        sp.len--;
    }
    while (sp.len > 0 && sp.s[sp.len - 1] == '/')
        sp.len--;
    return sp;
}

static bool span_in(span sp, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strncmp(list[i], sp.s, sp.len) == 0 && list[i][sp.len] == '\0')
            return true;
    return false;
}

static bool span_starts_with(span sp, const char *prefix)
{
    size_t n = strlen(prefix);
    return sp.len >= n && memcmp(sp.s, prefix, n) == 0;
}

static bool bracketed(const char *s, size_t len)
{
    return len >= 2 && s[0] == '{' && s[len - 1] == '}';
}

/* ---- building ------------------------------------------------------------------ */

typedef struct builder {
    civis_spec *spec;
    civis_error *err;
    const char **res_slots; /* interned resource names (open addressing) */
    size_t res_mask;
    size_t n_resources;
    const char *path; /* the path and verb key being indexed, for messages */
    const char *verb_key;
} builder;

static civis_status oom(builder *b)
{
    return civis__fail(b->err, CIVIS_ENOMEM, NULL, "out of memory indexing the spec");
}

static size_t hash_bytes(const char *s, size_t len)
{
    size_t h = (size_t)14695981039346656037ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= (size_t)1099511628211ULL;
    }
    return h;
}

/* One copy of each resource name, shared by all of its operations. */
static const char *intern_resource(builder *b, const char *name, size_t len)
{
    size_t i = hash_bytes(name, len) & b->res_mask;
    for (;; i = (i + 1) & b->res_mask) {
        const char *r = b->res_slots[i];
        if (r == NULL)
            break;
        if (strncmp(r, name, len) == 0 && r[len] == '\0')
            return r;
    }
    char *copy = civis__arena_strndup(&b->spec->arena, name, len);
    if (copy != NULL) {
        b->res_slots[i] = copy;
        b->n_resources++;
    }
    return copy;
}

/* The first segment, lowercased, '-' -> '_'. */
static const char *resource_of(builder *b, span sp)
{
    char buf[128];
    size_t len = 0;
    while (len < sp.len && sp.s[len] != '/')
        len++;
    char *tmp = len < sizeof(buf) ? buf : civis__arena_alloc(&b->spec->arena, len + 1);
    if (tmp == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char c = (char)tolower((unsigned char)sp.s[i]);
        tmp[i] = c == '-' ? '_' : c;
    }
    return intern_resource(b, tmp, len);
}

/*
 * The official parse_method_name on the stripped path: after the resource,
 * literal segments are kept; a {param} segment that follows another {param}
 * contributes the PREVIOUS param's name (stripped of '{', '|' and '}'), so
 * "aliases/{object_type}/{alias}" gives "object_type". `prefix` is the verb
 * word ("get", "list", "post", ...). Every '-' becomes '_'.
 */
static char *method_name(builder *b, const char *prefix, span sp)
{
    /* The name is never longer than the prefix plus the path. */
    char *out = civis__arena_alloc(&b->spec->arena, strlen(prefix) + sp.len + 2);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    for (const char *p = prefix; *p; p++)
        out[n++] = *p;
    const char *s = sp.s, *end = sp.s + sp.len;
    while (s < end && *s != '/') /* skip the resource */
        s++;
    const char *prev = NULL;
    size_t prev_len = 0;
    while (s < end) {
        s++; /* the '/' */
        const char *seg = s;
        while (s < end && *s != '/')
            s++;
        size_t len = (size_t)(s - seg);
        const char *part = NULL;
        size_t part_len = 0;
        if (!bracketed(seg, len)) {
            part = seg;
            part_len = len;
        } else if (prev != NULL && bracketed(prev, prev_len)) {
            part = prev;
            part_len = prev_len;
            while (part_len > 0 && strchr("{|}", part[0]) != NULL) {
                part++;
                part_len--;
            }
            while (part_len > 0 && strchr("{|}", part[part_len - 1]) != NULL)
                part_len--;
        }
        if (part != NULL) {
            out[n++] = '_';
            memcpy(out + n, part, part_len);
            n += part_len;
        }
        prev = seg;
        prev_len = len;
    }
    out[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (out[i] == '-')
            out[i] = '_';
    return out;
}

static const char *str_or(const cJSON *node, const char *fallback)
{
    return cJSON_IsString(node) ? node->valuestring : fallback;
}

static bool is_true(const cJSON *node)
{
    return cJSON_IsTrue(node);
}

static bool in_string_array(const cJSON *arr, const char *s)
{
    if (!cJSON_IsArray(arr))
        return false;
    for (const cJSON *c = arr->child; c; c = c->next)
        if (cJSON_IsString(c) && strcmp(c->valuestring, s) == 0)
            return true;
    return false;
}

/* Type, item type and format of a schema-like node (a property schema or a
 * path/query parameter object), refs followed. */
static void describe_type(const civis_spec *spec, civis_param *p, const cJSON *schema)
{
    const cJSON *s = civis_spec_deref(spec, schema);
    const cJSON *items = NULL;
    p->type = CIVIS_TYPE_ANY;
    p->item_type = CIVIS_TYPE_ANY;
    p->format = NULL;
    /* One pass over the keys: this runs for every argument of every
     * operation when a spec loads. */
    for (const cJSON *c = cJSON_IsObject(s) ? s->child : NULL; c != NULL; c = c->next) {
        const char *k = c->string;
        if (k == NULL)
            continue;
        if (k[0] == 't' && strcmp(k, "type") == 0)
            p->type = civis__type_of(c);
        else if (k[0] == 'i' && strcmp(k, "items") == 0)
            items = c;
        else if (k[0] == 'f' && strcmp(k, "format") == 0)
            p->format = str_or(c, NULL);
    }
    if (p->type == CIVIS_TYPE_ARRAY)
        p->item_type = civis_schema_type(civis_spec_deref(spec, items));
}

static civis_status param_fail(builder *b, size_t i, const char *what, const char *detail)
{
    return civis__fail(b->err, CIVIS_ESPEC, NULL, "$.paths.%s.%s.parameters[%zu]: %s%s", b->path,
                       b->verb_key, i, what, detail);
}

/* The parameter nodes of one operation: path-level ones not overridden by
 * the operation (same name and location), then the operation's own. */
static civis_status collect_params(builder *b, const cJSON *path_params, const cJSON *op_params,
                                   const cJSON ***out, size_t *n_out)
{
    size_t cap = (size_t)cJSON_GetArraySize(path_params) + (size_t)cJSON_GetArraySize(op_params);
    *out = NULL;
    *n_out = 0;
    if (cap == 0)
        return CIVIS_OK;
    /* In the arena like everything else: no heap allocation per operation. */
    const cJSON **list = civis__arena_alloc(&b->spec->arena, cap * sizeof(*list));
    if (list == NULL)
        return oom(b);
    size_t n = 0;
    for (const cJSON *p = cJSON_IsArray(path_params) ? path_params->child : NULL; p; p = p->next) {
        const char *name = str_or(cJSON_GetObjectItemCaseSensitive(p, "name"), NULL);
        const char *in = str_or(cJSON_GetObjectItemCaseSensitive(p, "in"), NULL);
        bool overridden = false;
        for (const cJSON *q = cJSON_IsArray(op_params) ? op_params->child : NULL; q && name && in;
             q = q->next) {
            const char *qn = str_or(cJSON_GetObjectItemCaseSensitive(q, "name"), "");
            const char *qi = str_or(cJSON_GetObjectItemCaseSensitive(q, "in"), "");
            overridden |= strcmp(qn, name) == 0 && strcmp(qi, in) == 0;
        }
        if (!overridden)
            list[n++] = p;
    }
    for (const cJSON *p = cJSON_IsArray(op_params) ? op_params->child : NULL; p; p = p->next)
        list[n++] = p;
    *out = list;
    *n_out = n;
    return CIVIS_OK;
}

/* A snake_case argument name in the arena. */
static const char *snake_name(builder *b, const char *camel)
{
    char buf[256];
    size_t need = civis_camel_to_snake(buf, sizeof(buf), camel);
    if (need < sizeof(buf))
        return civis__arena_strndup(&b->spec->arena, buf, need);
    char *big = civis__arena_alloc(&b->spec->arena, need + 1);
    if (big != NULL)
        civis_camel_to_snake(big, need + 1, camel);
    return big;
}

/* The keys of a parameter object that the index reads, in one pass. */
typedef struct param_keys {
    const char *name, *in;
    const cJSON *schema;
    bool required;
} param_keys;

static void scan_param(param_keys *k, const cJSON *p)
{
    memset(k, 0, sizeof(*k));
    for (const cJSON *c = p->child; c != NULL; c = c->next) {
        const char *key = c->string;
        if (key == NULL)
            continue;
        if (strcmp(key, "name") == 0)
            k->name = str_or(c, NULL);
        else if (strcmp(key, "in") == 0)
            k->in = str_or(c, NULL);
        else if (strcmp(key, "required") == 0)
            k->required = is_true(c);
        else if (strcmp(key, "schema") == 0)
            k->schema = c;
    }
}

/*
 * Fills op->params: path/query parameters as written, the body parameter
 * expanded into one argument per property of its (dereferenced) schema;
 * required arguments first, each group in spec order, which is the official
 * client's positional order.
 */
static civis_status build_params(builder *b, civis_operation *op, const cJSON *path_params,
                                 const cJSON *op_params)
{
    const cJSON **list = NULL;
    size_t n_list = 0;
    civis_status st = collect_params(b, path_params, op_params, &list, &n_list);
    if (st != CIVIS_OK)
        return st;

    /* Validate and count, reading each parameter's keys once. */
    size_t total = 0;
    const cJSON *body = NULL;
    bool has_limit = false, has_page_num = false;
    param_keys *keys = n_list ? civis__arena_alloc(&b->spec->arena, n_list * sizeof(*keys)) : NULL;
    if (n_list > 0 && keys == NULL)
        return oom(b);
    for (size_t i = 0; i < n_list; i++) {
        const cJSON *p = list[i];
        if (!cJSON_IsObject(p))
            return param_fail(b, i, "expected a parameter object", "");
        scan_param(&keys[i], p);
        const char *name = keys[i].name;
        const char *in = keys[i].in;
        if (name == NULL)
            return param_fail(b, i, "parameter has no 'name'", "");
        if (in == NULL)
            return param_fail(b, i, "parameter has no 'in' (path, query or body)", "");
        if (strcmp(in, "body") == 0) {
            if (body != NULL)
                return param_fail(b, i, "more than one body parameter", "");
            body = p;
            op->body_required = keys[i].required;
            op->body_schema = civis_spec_deref(b->spec, keys[i].schema);
            if (op->body_schema == NULL)
                return param_fail(b, i, "body parameter has no 'schema'", "");
            const cJSON *props = cJSON_GetObjectItemCaseSensitive(op->body_schema, "properties");
            total += cJSON_IsObject(props) ? (size_t)cJSON_GetArraySize(props) : 0;
        } else if (strcmp(in, "path") == 0 || strcmp(in, "query") == 0) {
            total++;
            if (in[0] == 'q') {
                has_limit |= strcmp(name, "limit") == 0;
                has_page_num |= strcmp(name, "page_num") == 0;
            }
        } else {
            char detail[96];
            snprintf(detail, sizeof(detail), " '%.40s' (supported: path, query, body)", in);
            return param_fail(b, i, "unsupported parameter location", detail);
        }
    }
    op->paginated = strcmp(op->verb, "GET") == 0 && has_limit && has_page_num;
    if (total == 0)
        return CIVIS_OK;

    civis_param *params = civis__arena_alloc(&b->spec->arena, total * sizeof(*params));
    if (params == NULL)
        return oom(b);
    size_t n = 0;
    const cJSON *body_props =
        body ? cJSON_GetObjectItemCaseSensitive(op->body_schema, "properties") : NULL;
    const cJSON *body_req =
        body ? cJSON_GetObjectItemCaseSensitive(op->body_schema, "required") : NULL;
    /* Pass 0 emits the required arguments, pass 1 the optional ones. */
    for (int pass = 0; pass < 2; pass++) {
        bool want = pass == 0;
        for (size_t i = 0; i < n_list; i++) {
            const cJSON *p = list[i];
            if (p == body) {
                for (const cJSON *prop = cJSON_IsObject(body_props) ? body_props->child : NULL;
                     prop; prop = prop->next) {
                    bool req = in_string_array(body_req, prop->string);
                    if (req != want)
                        continue;
                    civis_param *out = &params[n++];
                    out->wire = prop->string;
                    out->name = snake_name(b, prop->string);
                    if (out->name == NULL)
                        return oom(b);
                    out->in = CIVIS_IN_BODY;
                    out->required = req;
                    out->schema = prop;
                    describe_type(b->spec, out, prop);
                }
                continue;
            }
            bool req = keys[i].required;
            if (req != want)
                continue;
            civis_param *out = &params[n++];
            out->name = out->wire = keys[i].name;
            out->in = strcmp(keys[i].in, "path") == 0 ? CIVIS_IN_PATH : CIVIS_IN_QUERY;
            out->required = req;
            /* A Swagger 2.0 path/query parameter carries its own type, items
             * and format: the parameter object is its schema. */
            out->schema = p;
            describe_type(b->spec, out, p);
        }
    }
    op->params = params;
    op->n_params = n;
    return CIVIS_OK;
}

/* The single declared response (the spec declares exactly one per operation;
 * with several, the first in document order). */
static void build_response(civis_operation *op, const cJSON *responses)
{
    const cJSON *first = cJSON_IsObject(responses) ? responses->child : NULL;
    op->response_status = 0;
    op->response_schema = NULL;
    if (first == NULL)
        return;
    char *end = NULL;
    long status = strtol(first->string, &end, 10);
    if (end != first->string && *end == '\0' && status > 0 && status < 1000)
        op->response_status = (int)status;
    op->response_schema = cJSON_GetObjectItemCaseSensitive(first, "schema");
}

static bool schema_is_array(const civis_spec *spec, const cJSON *schema)
{
    return civis_schema_type(civis_spec_deref(spec, schema)) == CIVIS_TYPE_ARRAY;
}

/* Names one operation: method (NULL when skipped), alias, returns_array. */
static civis_status name_operation(builder *b, civis_operation *op, const cJSON *responses, span sp)
{
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(responses, "200");
    bool array_200 = schema_is_array(b->spec, cJSON_GetObjectItemCaseSensitive(ok, "schema"));
    bool is_get = strcmp(op->verb, "GET") == 0;
    bool in_array_list = is_get && span_in(sp, array_paths, N_OF(array_paths));
    op->returns_array =
        in_array_list || schema_is_array(b->spec, op->response_schema) || (is_get && array_200);

    for (size_t i = 0; i < N_OF(excluded_prefixes); i++)
        if (span_starts_with(sp, excluded_prefixes[i]))
            return CIVIS_OK;
    if (op->deprecated)
        return CIVIS_OK;

    /* The final segment decides between get and list for GETs. */
    size_t last = sp.len;
    while (last > 0 && sp.s[last - 1] != '/')
        last--;
    bool has_tail = last > 0; /* at least one segment after the resource */
    bool literal_final = !has_tail || !bracketed(sp.s + last, sp.len - last);

    char lower[16];
    size_t k = 0;
    for (const char *v = op->verb; *v && k + 1 < sizeof(lower); v++)
        lower[k++] = (char)tolower((unsigned char)*v);
    lower[k] = '\0';
    const char *prefix = lower;
    bool aliased = false;
    if (is_get && literal_final) {
        if (array_200 || in_array_list)
            prefix = "list";
        else
            aliased = span_in(sp, legacy_list_paths, N_OF(legacy_list_paths));
    }
    char *name = method_name(b, prefix, sp);
    if (name == NULL)
        return oom(b);
    op->method = name;
    if (aliased) {
        /* "get..." -> "list...": same tail, the legacy verb word. */
        char *alias = civis__arena_alloc(&b->spec->arena, strlen(name) + 2);
        if (alias == NULL)
            return oom(b);
        memcpy(alias, "list", 4);
        strcpy(alias + 4, name + 3);
        op->alias = alias;
    }
    return CIVIS_OK;
}

/* The keys of one operation object that the index reads, found in one pass
 * over its keys (looking each up alone walked the object ten times). */
typedef struct op_keys {
    const cJSON *summary, *warning, *examples, *responses, *parameters;
    bool marked_deprecated, marked_warning;
    const char *marked_delete;
} op_keys;

static void scan_operation(op_keys *k, const cJSON *node)
{
    memset(k, 0, sizeof(*k));
    for (const cJSON *c = node->child; c != NULL; c = c->next) {
        const char *key = c->string;
        if (key == NULL)
            continue;
        if (key[0] == 'x' && key[1] == '-') {
            if (strcmp(key, "x-examples") == 0)
                k->examples = c;
            else if (strcmp(key, "x-deprecation-warning") == 0)
                k->warning = c;
            else if (strcmp(key, "x-civis-deprecated") == 0)
                k->marked_deprecated = cJSON_IsTrue(c);
            else if (strcmp(key, "x-civis-deprecation-warning") == 0)
                k->marked_warning = cJSON_IsTrue(c);
            else if (strcmp(key, "x-civis-delete") == 0)
                k->marked_delete = cJSON_IsString(c) ? c->valuestring : NULL;
        } else if (strcmp(key, "summary") == 0) {
            k->summary = c;
        } else if (strcmp(key, "responses") == 0) {
            k->responses = c;
        } else if (strcmp(key, "parameters") == 0) {
            k->parameters = c;
        }
    }
}

/* What behaviour reads from an operation's prose, or from the markers that
 * civis-spec-extract leaves in its place (spec/tools/spec_extract.c). */
static void read_markers(civis_operation *op, const op_keys *k)
{
    op->deprecated = k->marked_deprecated || civis__prose_says(op->summary, "deprecated");
    op->deprecation_warning = str_or(k->warning, NULL);
    if (op->deprecation_warning != NULL && op->deprecation_warning[0] == '\0')
        op->deprecation_warning = NULL; /* the client warns only on non-empty text */
    if (op->deprecation_warning == NULL && k->marked_warning)
        op->deprecation_warning = "the API marks this endpoint deprecated; it may be removed";
    const char *del = k->marked_delete != NULL ? k->marked_delete : "";
    if (strcmp(op->verb, "DELETE") != 0)
        op->delete_effect = CIVIS_DELETE_REMOVES;
    else if (strcmp(del, "archive") == 0)
        op->delete_effect = CIVIS_DELETE_ARCHIVES;
    else if (strcmp(del, "hide") == 0)
        op->delete_effect = CIVIS_DELETE_HIDES;
    else
        op->delete_effect = civis__prose_delete_effect(op->summary);
}

static long positive_keyword(const cJSON *schema, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(schema, key);
    return cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble < 1e6 ? (long)v->valuedouble
                                                                            : 0;
}

/* The limit parameter's page-size rules: the "default"/"maximum" keywords
 * (the bundled spec has them), else the words of its description, which is
 * where the public spec states them. */
static void read_page_rules(civis_operation *op)
{
    const civis_param *p = civis_operation_param(op, "limit");
    if (p == NULL || p->schema == NULL)
        return;
    op->page_default = positive_keyword(p->schema, "default");
    op->page_max = positive_keyword(p->schema, "maximum");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(p->schema, "description");
    if (!cJSON_IsString(d))
        return;
    long def = 0, max = 0;
    civis__prose_page_rules(d->valuestring, &def, &max);
    if (op->page_default == 0)
        op->page_default = def;
    if (op->page_max == 0)
        op->page_max = max;
}

static civis_status build_operation(builder *b, civis_operation *op, const char *path,
                                    const char *verb, const cJSON *node, const cJSON *path_params,
                                    size_t index)
{
    span sp = strip_slashes(path);
    op->index = index;
    op->verb = verb;
    op->path = path;
    op->resource = resource_of(b, sp);
    if (op->resource == NULL)
        return oom(b);
    op_keys k;
    scan_operation(&k, node);
    op->summary = str_or(k.summary, "");
    read_markers(op, &k);
    op->examples = cJSON_IsArray(k.examples) && k.examples->child != NULL ? k.examples : NULL;
    build_response(op, k.responses);
    const cJSON *params = k.parameters;
    if (params != NULL && !cJSON_IsArray(params))
        return civis__fail(b->err, CIVIS_ESPEC, NULL, "$.paths.%s.%s.parameters: expected an array",
                           path, b->verb_key);
    if (path_params != NULL && !cJSON_IsArray(path_params))
        return civis__fail(b->err, CIVIS_ESPEC, NULL, "$.paths.%s.parameters: expected an array",
                           path);
    civis_status st = build_params(b, op, path_params, params);
    if (st != CIVIS_OK)
        return st;
    read_page_rules(op);
    return name_operation(b, op, k.responses, sp);
}

static const char *verb_of(const char *key)
{
    for (size_t i = 0; i < N_OF(verbs); i++)
        if (strcmp(verbs[i].key, key) == 0)
            return verbs[i].verb;
    return NULL;
}

static int cmp_method(const void *pa, const void *pb)
{
    const civis_method_entry *a = pa, *b = pb;
    int c = strcmp(a->resource, b->resource);
    return c != 0 ? c : strcmp(a->name, b->name);
}

static int cmp_str(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static civis_status build_tables(builder *b)
{
    civis_spec *spec = b->spec;
    size_t n = 0;
    for (size_t i = 0; i < spec->n_ops; i++)
        n += (spec->ops[i].method != NULL) + (spec->ops[i].alias != NULL);
    spec->methods = civis__arena_alloc(&spec->arena, (n ? n : 1) * sizeof(*spec->methods));
    spec->method_names = civis__arena_alloc(&spec->arena, (n ? n : 1) * sizeof(char *));
    spec->resources = civis__arena_alloc(&spec->arena, (b->n_resources ? b->n_resources : 1) *
                                                           sizeof(*spec->resources));
    if (spec->methods == NULL || spec->method_names == NULL || spec->resources == NULL)
        return oom(b);
    size_t m = 0;
    for (size_t i = 0; i < spec->n_ops; i++) {
        const civis_operation *op = &spec->ops[i];
        if (op->method != NULL)
            spec->methods[m++] = (civis_method_entry){op->resource, op->method, op, false};
        if (op->alias != NULL)
            spec->methods[m++] = (civis_method_entry){op->resource, op->alias, op, true};
    }
    qsort(spec->methods, m, sizeof(*spec->methods), cmp_method);
    spec->n_methods = m;
    for (size_t i = 0; i < m; i++) {
        spec->method_names[i] = spec->methods[i].name;
        if (i > 0 && cmp_method(&spec->methods[i - 1], &spec->methods[i]) == 0) {
            const civis_operation *x = spec->methods[i - 1].op, *y = spec->methods[i].op;
            if (x->index > y->index) {
                const civis_operation *t = x;
                x = y;
                y = t;
            }
            return civis__fail(b->err, CIVIS_ESPEC, NULL,
                               "$.paths.%s: %s %s and %s %s both get the method name %s.%s",
                               y->path, x->verb, x->path, y->verb, y->path,
                               spec->methods[i].resource, spec->methods[i].name);
        }
    }
    size_t r = 0;
    for (size_t i = 0; i <= b->res_mask; i++)
        if (b->res_slots[i] != NULL)
            spec->resources[r++] = b->res_slots[i];
    qsort(spec->resources, r, sizeof(*spec->resources), cmp_str);
    spec->n_resources = r;
    return CIVIS_OK;
}

civis_status civis__index_build(civis_spec *spec, civis_error *err)
{
    builder b = {.spec = spec, .err = err};
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(spec->doc, "paths");
    size_t n_paths = 0, n_ops = 0;
    for (const cJSON *p = paths->child; p; p = p->next) {
        n_paths++;
        if (p->string[0] == 'x' && p->string[1] == '-')
            continue; /* a vendor extension, not a path */
        if (!cJSON_IsObject(p))
            return civis__fail(err, CIVIS_ESPEC, NULL,
                               "$.paths.%s: expected an object (a path item)", p->string);
        span sp = strip_slashes(p->string);
        if (sp.len == 0 || sp.s[0] == '/')
            return civis__fail(err, CIVIS_ESPEC, NULL,
                               "$.paths.%s: path has no first segment to name its resource",
                               p->string);
        for (const cJSON *v = p->child; v; v = v->next)
            if (verb_of(v->string) != NULL) {
                if (!cJSON_IsObject(v))
                    return civis__fail(err, CIVIS_ESPEC, NULL,
                                       "$.paths.%s.%s: expected an object (an operation)",
                                       p->string, v->string);
                n_ops++;
            }
    }
    size_t slots = 16;
    while (slots < 2 * n_paths)
        slots *= 2;
    b.res_slots = civis__arena_alloc(&spec->arena, slots * sizeof(*b.res_slots));
    spec->ops = civis__arena_alloc(&spec->arena, (n_ops ? n_ops : 1) * sizeof(*spec->ops));
    if (b.res_slots == NULL || spec->ops == NULL)
        return oom(&b);
    b.res_mask = slots - 1;

    size_t i = 0;
    for (const cJSON *p = paths->child; p; p = p->next) {
        if (p->string[0] == 'x' && p->string[1] == '-')
            continue;
        const cJSON *path_params = cJSON_GetObjectItemCaseSensitive(p, "parameters");
        for (const cJSON *v = p->child; v; v = v->next) {
            const char *verb = verb_of(v->string);
            if (verb == NULL)
                continue;
            b.path = p->string;
            b.verb_key = v->string;
            civis_status st =
                build_operation(&b, &spec->ops[i], p->string, verb, v, path_params, i);
            if (st != CIVIS_OK)
                return st;
            i++;
        }
    }
    spec->n_ops = i;
    return build_tables(&b);
}

/* ---- lookups ----------------------------------------------------------------------- */

size_t civis_spec_operation_count(const civis_spec *spec)
{
    return spec != NULL ? spec->n_ops : 0;
}

const civis_operation *civis_spec_operation_at(const civis_spec *spec, size_t i)
{
    return spec != NULL && i < spec->n_ops ? &spec->ops[i] : NULL;
}

size_t civis_spec_method_count(const civis_spec *spec)
{
    return spec != NULL ? spec->n_methods : 0;
}

const civis_operation *civis_spec_method_at(const civis_spec *spec, size_t i, const char **resource,
                                            const char **name, bool *is_alias)
{
    if (spec == NULL || i >= spec->n_methods)
        return NULL;
    const civis_method_entry *e = &spec->methods[i];
    if (resource != NULL)
        *resource = e->resource;
    if (name != NULL)
        *name = e->name;
    if (is_alias != NULL)
        *is_alias = e->is_alias;
    return e->op;
}

/* First index whose (resource, name) is >= the key. */
static size_t lower_bound(const civis_spec *spec, const char *resource, const char *name)
{
    size_t lo = 0, hi = spec->n_methods;
    civis_method_entry key = {resource, name, NULL, false};
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_method(&spec->methods[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

civis_status civis_spec_find(const civis_operation **out, const civis_spec *spec,
                             const char *resource, const char *method, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "invalid argument 'out': must not be NULL");
    *out = NULL;
    if (spec == NULL)
        return civis__fail(err, CIVIS_EINVAL, "spec", "invalid argument 'spec': must not be NULL");
    if (resource == NULL || resource[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "resource", "no resource given");
    if (method == NULL || method[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "method", "no method given for resource '%s'",
                           resource);
    const char *const *res =
        bsearch(&resource, spec->resources, spec->n_resources, sizeof(*spec->resources), cmp_str);
    if (res == NULL) {
        const char *hint = civis_suggest(resource, spec->resources, spec->n_resources);
        /* With no close name to offer, say which spec was searched: an old
         * cache or a partial spec reads differently from a typo. */
        if (hint != NULL)
            return civis__fail(err, CIVIS_EINVAL, "resource",
                               "no resource '%s' (did you mean '%s'?)", resource, hint);
        return civis__fail(err, CIVIS_EINVAL, "resource", "no resource '%s' in %s", resource,
                           spec->origin);
    }
    size_t lo = lower_bound(spec, resource, method);
    if (lo < spec->n_methods && strcmp(spec->methods[lo].resource, resource) == 0 &&
        strcmp(spec->methods[lo].name, method) == 0) {
        *out = spec->methods[lo].op;
        return CIVIS_OK;
    }
    /* The resource's methods are one contiguous run of the sorted table. */
    size_t first = lower_bound(spec, resource, "");
    size_t last = first;
    while (last < spec->n_methods && strcmp(spec->methods[last].resource, resource) == 0)
        last++;
    const char *hint = civis_suggest(method, spec->method_names + first, last - first);
    if (hint != NULL)
        return civis__fail(err, CIVIS_EINVAL, "method",
                           "no method '%s' on resource '%s' (did you mean '%s'?)", method, resource,
                           hint);
    return civis__fail(err, CIVIS_EINVAL, "method", "no method '%s' on resource '%s' in %s", method,
                       resource, spec->origin);
}

civis_status civis_spec_find_dotted(const civis_operation **out, const civis_spec *spec,
                                    const char *dotted, civis_error *err)
{
    if (out != NULL)
        *out = NULL;
    const char *dot = dotted != NULL ? strchr(dotted, '.') : NULL;
    if (dot == NULL)
        return civis__fail(err, CIVIS_EINVAL, "method", "'%s' is not of the form resource.method",
                           dotted ? dotted : "(null)");
    char resource[128];
    size_t len = (size_t)(dot - dotted);
    if (len >= sizeof(resource))
        return civis__fail(err, CIVIS_EINVAL, "resource", "no resource '%.*s'",
                           (int)(len > 100 ? 100 : len), dotted);
    memcpy(resource, dotted, len);
    resource[len] = '\0';
    return civis_spec_find(out, spec, resource, dot + 1, err);
}

const civis_param *civis_operation_param(const civis_operation *op, const char *name)
{
    if (op == NULL || name == NULL)
        return NULL;
    /* Argument names first: a wire name never shadows another argument. */
    /* The first byte settles nearly every comparison without a call. */
    for (size_t i = 0; i < op->n_params; i++)
        if (op->params[i].name[0] == name[0] && strcmp(op->params[i].name, name) == 0)
            return &op->params[i];
    for (size_t i = 0; i < op->n_params; i++)
        if (op->params[i].wire[0] == name[0] && strcmp(op->params[i].wire, name) == 0)
            return &op->params[i];
    return NULL;
}
