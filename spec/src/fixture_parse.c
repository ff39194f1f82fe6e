/*
 * fixture_parse.c: one fixture document in, validated exchanges out. Parses
 * the format of fixtures/README.md and checks every field against the spec:
 * an operation or path the spec does not have, a misspelled key or a bad
 * status is an error naming the source and the field ("x.json:
 * [0].response.status: must be an integer from 100 to 599"). The caller
 * (fixture.c) adds the exchanges only when the whole document is valid.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixture_internal.h"
#include "spec_internal.h"

/* ---- parsing context and errors ------------------------------------------ */

typedef struct fx_ctx {
    const civis_spec *spec;
    const char *source; /* names the document in errors */
    const char *label;  /* names it in civis_fixture_response.source */
    const char *scope;  /* the scope_key argument, or NULL */
    civis_error *err;
} fx_ctx;

/* "<source>: <field>: <message>", param = the field. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static civis_status
bad(const fx_ctx *c, const char *field, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (field == NULL || field[0] == '\0')
        return civis__fail(c->err, CIVIS_EINVAL, "fixture", "%s: %s", c->source, msg);
    return civis__fail(c->err, CIVIS_EINVAL, field, "%s: %s: %s", c->source, field, msg);
}

static civis_status oom(const fx_ctx *c)
{
    return civis__fail(c->err, CIVIS_ENOMEM, NULL, "%s: out of memory reading fixtures", c->source);
}

/* Rejects keys the format does not have, with a did-you-mean, so that a
 * misspelled field is never silently ignored. */
static civis_status check_keys(const fx_ctx *c, const cJSON *obj, const char *where,
                               const char *const *known, size_t n)
{
    const cJSON *k = NULL;
    cJSON_ArrayForEach(k, obj)
    {
        bool ok = false;
        for (size_t i = 0; i < n && !ok; i++)
            ok = strcmp(k->string, known[i]) == 0;
        if (ok)
            continue;
        const char *hint = civis_suggest(k->string, known, n);
        if (hint != NULL)
            return bad(c, where, "unknown key '%.60s' (did you mean '%s'?)", k->string, hint);
        char list[160] = "";
        size_t used = 0;
        for (size_t i = 0; i < n && used < sizeof(list); i++)
            used +=
                (size_t)snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", known[i]);
        return bad(c, where, "unknown key '%.60s' (expected %s)", k->string, list);
    }
    return CIVIS_OK;
}

/* "scripts.get_sql", or a description of an operation the official client
 * gives no name (deprecated ones). */
static void op_name(char *buf, size_t len, const civis_operation *op)
{
    if (op->method != NULL)
        snprintf(buf, len, "%s.%s", op->resource, op->method);
    else if (op->alias != NULL)
        snprintf(buf, len, "%s.%s", op->resource, op->alias);
    else
        snprintf(buf, len, "the deprecated %s %s", op->verb, op->path);
}

/* ---- exchanges --------------------------------------------------------------- */

void civis__fx_exchange_free(civis_fx_exchange *ex)
{
    if (ex == NULL)
        return;
    for (size_t i = 0; i < ex->n_responses; i++) {
        cJSON_Delete(ex->responses[i].headers);
        cJSON_free(ex->responses[i].body);
    }
    free(ex->responses);
    free(ex->label);
    free(ex->path);
    cJSON_Delete(ex->query);
    cJSON_Delete(ex->body);
    free(ex->scope);
    free(ex);
}

static const char *const verbs[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};

static civis_status parse_method(const fx_ctx *c, const cJSON *m, const char *field, char *out)
{
    if (!cJSON_IsString(m))
        return bad(c, field, "must be a string (GET, POST, PUT, PATCH or DELETE), got %s",
                   civis_json_type_name(m));
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        if (strcasecmp(m->valuestring, verbs[i]) == 0) {
            strcpy(out, verbs[i]);
            return CIVIS_OK;
        }
    }
    return bad(c, field, "must be GET, POST, PUT, PATCH or DELETE, got '%.40s'", m->valuestring);
}

/* A path starts with '/', has no query string and no empty segment (one
 * trailing slash aside); a segment with a brace must be a whole {name}. */
static civis_status check_path(const fx_ctx *c, const char *p, const char *field, bool *templated)
{
    *templated = false;
    if (p[0] != '/')
        return bad(c, field, "must start with '/', got '%.80s'", p);
    if (strpbrk(p, "?#") != NULL)
        return bad(c, field, "must not contain a query string; put the values in request.query");
    size_t len = strlen(p);
    if (len > 1 && p[len - 1] == '/')
        len--;
    size_t pos = 1;
    while (pos < len) {
        const char *s = p + pos;
        const char *slash = memchr(s, '/', len - pos);
        size_t sl = slash ? (size_t)(slash - s) : len - pos;
        if (sl == 0)
            return bad(c, field, "has an empty segment: '%.80s'", p);
        bool brace = memchr(s, '{', sl) != NULL || memchr(s, '}', sl) != NULL;
        if (brace) {
            bool whole = sl > 2 && s[0] == '{' && s[sl - 1] == '}' &&
                         memchr(s + 1, '{', sl - 2) == NULL && memchr(s + 1, '}', sl - 2) == NULL;
            if (!whole)
                return bad(c, field, "segment '%.*s' must be a whole {name} placeholder",
                           (int)(sl > 60 ? 60 : sl), s);
            *templated = true;
        }
        pos += sl + 1;
    }
    return CIVIS_OK;
}

/* Finds the operation a concrete or template path names. The router treats
 * a "{x}" segment as a literal no spec path has, so it falls through to the
 * {param} branch there: exactly "a template segment matches a template
 * segment", with literals still preferred. */
static civis_status route_path(const fx_ctx *c, const char *verb, const char *path,
                               const char *field, const civis_operation **op)
{
    civis_route r;
    if (civis_spec_route(&r, c->spec, verb, path, NULL) != CIVIS_OK)
        return bad(c, field, "no operation matches %s %.120s", verb, path);
    *op = r.op;
    return CIVIS_OK;
}

static bool query_scalar(const cJSON *v)
{
    return cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v);
}

/* Copies the expected query values, names stored without a "[]" suffix,
 * each checked against the operation's query parameters `names`. */
static civis_status parse_query_values(const fx_ctx *c, const cJSON *q, const civis_operation *op,
                                       const char *where, const char *const *names, size_t n_names,
                                       cJSON **out)
{
    char field[200];
    cJSON *copy = cJSON_CreateObject();
    if (copy == NULL)
        return oom(c);
    const cJSON *v = NULL;
    cJSON_ArrayForEach(v, q)
    {
        snprintf(field, sizeof(field), "%s.query.%.60s", where, v->string);
        char name[128];
        size_t nl = strlen(v->string);
        if (nl >= 2 && strcmp(v->string + nl - 2, "[]") == 0)
            nl -= 2;
        snprintf(name, sizeof(name), "%.*s", (int)(nl < 127 ? nl : 127), v->string);
        bool known = false;
        for (size_t i = 0; i < n_names && !known; i++)
            known = strcmp(names[i], name) == 0;
        if (!known) {
            char opn[160];
            op_name(opn, sizeof(opn), op);
            const char *hint = civis_suggest(name, names, n_names);
            cJSON_Delete(copy);
            if (hint != NULL)
                return bad(c, field, "no query parameter '%s' on %s (did you mean '%s'?)", name,
                           opn, hint);
            return bad(c, field, "no query parameter '%s' on %s", name, opn);
        }
        bool ok = query_scalar(v);
        if (cJSON_IsArray(v)) {
            ok = true;
            const cJSON *el = NULL;
            cJSON_ArrayForEach(el, v) ok = ok && query_scalar(el);
        }
        if (!ok) {
            cJSON_Delete(copy);
            return bad(c, field, "must be a string, number, boolean or an array of them, got %s",
                       civis_json_type_name(v));
        }
        if (cJSON_GetObjectItemCaseSensitive(copy, name) != NULL) {
            cJSON_Delete(copy);
            return bad(c, field, "'%s' is given twice", name);
        }
        cJSON *d = cJSON_Duplicate(v, 1);
        if (d == NULL || !cJSON_AddItemToObject(copy, name, d)) {
            cJSON_Delete(d);
            cJSON_Delete(copy);
            return oom(c);
        }
    }
    *out = copy;
    return CIVIS_OK;
}

/* The query values an exchange expects (a copy in *out). */
static civis_status parse_query(const fx_ctx *c, const cJSON *q, const civis_operation *op,
                                const char *where, cJSON **out)
{
    char field[200];
    snprintf(field, sizeof(field), "%s.query", where);
    if (!cJSON_IsObject(q))
        return bad(c, field, "must be an object of name -> value, got %s", civis_json_type_name(q));
    const char **names = malloc((op->n_params ? op->n_params : 1) * sizeof(*names));
    if (names == NULL)
        return oom(c);
    size_t n_names = 0;
    for (size_t i = 0; i < op->n_params; i++)
        if (op->params[i].in == CIVIS_IN_QUERY)
            names[n_names++] = op->params[i].name;
    civis_status st = parse_query_values(c, q, op, where, names, n_names, out);
    free(names);
    return st;
}
static const char *const response_keys[] = {"status", "headers", "body"};

static civis_status parse_response(const fx_ctx *c, const cJSON *j, const char *where,
                                   const civis_operation *op, civis_fx_response *r)
{
    char field[200];
    if (!cJSON_IsObject(j))
        return bad(c, where, "must be an object (status, headers, body), got %s",
                   civis_json_type_name(j));
    civis_status st = check_keys(c, j, where, response_keys, 3);
    if (st != CIVIS_OK)
        return st;
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(j, "status");
    r->status = op->response_status ? op->response_status : 200;
    if (status != NULL) {
        double d = cJSON_IsNumber(status) ? status->valuedouble : 0;
        /* The range first: casting 4e49 to int is undefined behaviour. */
        if (!cJSON_IsNumber(status) || !(d >= 100 && d <= 599) || d != (double)(int)d) {
            snprintf(field, sizeof(field), "%s.status", where);
            return bad(c, field, "must be an integer from 100 to 599");
        }
        r->status = (int)d;
    }
    const cJSON *headers = cJSON_GetObjectItemCaseSensitive(j, "headers");
    if (headers != NULL && !cJSON_IsNull(headers)) {
        snprintf(field, sizeof(field), "%s.headers", where);
        if (!cJSON_IsObject(headers))
            return bad(c, field, "must be an object of name -> string, got %s",
                       civis_json_type_name(headers));
        const cJSON *h = NULL;
        cJSON_ArrayForEach(h, headers)
        {
            if (!cJSON_IsString(h)) {
                snprintf(field, sizeof(field), "%s.headers.%.60s", where, h->string);
                return bad(c, field, "must be a string, got %s", civis_json_type_name(h));
            }
            if (h->string[0] == '\0' || strpbrk(h->string, ": \t\r\n") != NULL ||
                strpbrk(h->valuestring, "\r\n") != NULL) {
                snprintf(field, sizeof(field), "%s.headers.%.60s", where, h->string);
                return bad(c, field,
                           "is not a valid header (name without ':' or spaces, "
                           "value on one line)");
            }
        }
        if ((r->headers = cJSON_Duplicate(headers, 1)) == NULL)
            return oom(c);
    }
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(j, "body");
    if (body != NULL && !cJSON_IsNull(body)) {
        if ((r->body = cJSON_PrintUnformatted(body)) == NULL)
            return oom(c);
        r->body_len = strlen(r->body);
    }
    return CIVIS_OK;
}

static civis_status parse_responses(const fx_ctx *c, const cJSON *j, const char *where,
                                    civis_fx_exchange *ex)
{
    const cJSON *one = cJSON_GetObjectItemCaseSensitive(j, "response");
    const cJSON *seq = cJSON_GetObjectItemCaseSensitive(j, "responses");
    char field[200];
    if (one != NULL && seq != NULL)
        return bad(c, where, "give either 'response' or 'responses', not both");
    if (one == NULL && seq == NULL)
        return bad(c, where, "missing 'response' (or 'responses', a sequence)");
    size_t n = 1;
    if (seq != NULL) {
        snprintf(field, sizeof(field), "%s.responses", where);
        if (!cJSON_IsArray(seq) || cJSON_GetArraySize(seq) == 0)
            return bad(c, field, "must be a non-empty array of responses, got %s",
                       cJSON_IsArray(seq) ? "an empty array" : civis_json_type_name(seq));
        n = (size_t)cJSON_GetArraySize(seq);
    }
    ex->responses = calloc(n, sizeof(*ex->responses));
    if (ex->responses == NULL)
        return oom(c);
    ex->n_responses = n;
    if (one != NULL) {
        snprintf(field, sizeof(field), "%s.response", where);
        return parse_response(c, one, field, ex->op, &ex->responses[0]);
    }
    size_t i = 0;
    const cJSON *r = NULL;
    cJSON_ArrayForEach(r, seq)
    {
        snprintf(field, sizeof(field), "%s.responses[%zu]", where, i);
        civis_status st = parse_response(c, r, field, ex->op, &ex->responses[i]);
        if (st != CIVIS_OK)
            return st;
        i++;
    }
    return CIVIS_OK;
}

static const char *const exchange_keys[] = {"name", "operation", "request", "response",
                                            "responses"};
static const char *const request_keys[] = {"method", "path", "query", "body", "api_key"};

/* The request side: method, path and operation resolved to one operation. */
static civis_status parse_request(const fx_ctx *c, const cJSON *j, const char *where,
                                  civis_fx_exchange *ex)
{
    char rq[64], field[200];
    snprintf(rq, sizeof(rq), "%s.request", where);
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(j, "request");
    const cJSON *opj = cJSON_GetObjectItemCaseSensitive(j, "operation");
    const civis_operation *named = NULL;
    if (opj != NULL) {
        snprintf(field, sizeof(field), "%s.operation", where);
        if (!cJSON_IsString(opj))
            return bad(c, field, "must be a string \"resource.method\", got %s",
                       civis_json_type_name(opj));
        civis_error e = CIVIS_ERROR_INIT;
        if (civis_spec_find_dotted(&named, c->spec, opj->valuestring, &e) != CIVIS_OK)
            return bad(c, field, "%s", e.message);
    }
    if (req == NULL && named == NULL)
        return bad(c, where, "missing 'request' (or 'operation')");
    if (req != NULL && !cJSON_IsObject(req))
        return bad(c, rq, "must be an object (method, path, query, body, api_key), got %s",
                   civis_json_type_name(req));
    civis_status st = req ? check_keys(c, req, rq, request_keys, 5) : CIVIS_OK;
    if (st != CIVIS_OK)
        return st;
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(req, "method");
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(req, "path");
    char opn[160];
    if (method != NULL) {
        snprintf(field, sizeof(field), "%s.method", rq);
        if ((st = parse_method(c, method, field, ex->verb)) != CIVIS_OK)
            return st;
        if (named != NULL && strcmp(ex->verb, named->verb) != 0) {
            op_name(opn, sizeof(opn), named);
            return bad(c, field, "%s is %s %s, not %s", opn, named->verb, named->path, ex->verb);
        }
    } else if (named != NULL) {
        strcpy(ex->verb, named->verb);
    } else if (path != NULL) {
        snprintf(field, sizeof(field), "%s.method", rq);
        return bad(c, field, "missing (GET, POST, PUT, PATCH or DELETE)");
    }
    if (path == NULL) {
        if (named == NULL) {
            snprintf(field, sizeof(field), "%s.path", rq);
            return bad(c, field, "missing (give request.path, or operation, or both)");
        }
        ex->op = named;
        ex->templated = true; /* the operation's own template */
    } else {
        snprintf(field, sizeof(field), "%s.path", rq);
        if (!cJSON_IsString(path))
            return bad(c, field, "must be a string, got %s", civis_json_type_name(path));
        if ((st = check_path(c, path->valuestring, field, &ex->templated)) != CIVIS_OK ||
            (st = route_path(c, ex->verb, path->valuestring, field, &ex->op)) != CIVIS_OK)
            return st;
        if (named != NULL && named != ex->op) {
            char other[160];
            op_name(opn, sizeof(opn), named);
            op_name(other, sizeof(other), ex->op);
            return bad(c, field, "%s %.100s is %s, not the operation %s", ex->verb,
                       path->valuestring, other, opn);
        }
        if ((ex->path = strdup(path->valuestring)) == NULL)
            return oom(c);
        size_t len = strlen(ex->path);
        if (len > 1 && ex->path[len - 1] == '/')
            ex->path[len - 1] = '\0';
    }
    const cJSON *query = cJSON_GetObjectItemCaseSensitive(req, "query");
    if (query != NULL && !cJSON_IsNull(query) &&
        (st = parse_query(c, query, ex->op, rq, &ex->query)) != CIVIS_OK)
        return st;
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(req, "body");
    if (body != NULL && !cJSON_IsNull(body) && (ex->body = cJSON_Duplicate(body, 1)) == NULL)
        return oom(c);
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(req, "api_key");
    const char *scope = c->scope;
    if (key != NULL && !cJSON_IsNull(key)) {
        snprintf(field, sizeof(field), "%s.api_key", rq);
        if (!cJSON_IsString(key) || key->valuestring[0] == '\0')
            return bad(c, field, "must be a non-empty string");
        if (scope != NULL && strcmp(scope, key->valuestring) != 0)
            return bad(c, field, "differs from the API key these fixtures are added for");
        scope = key->valuestring;
    }
    if (scope != NULL && (ex->scope = strdup(scope)) == NULL)
        return oom(c);
    return CIVIS_OK;
}

static civis_status parse_exchange(const fx_ctx *c, const cJSON *j, size_t idx,
                                   civis_fx_exchange **out)
{
    char where[32];
    snprintf(where, sizeof(where), "[%zu]", idx);
    *out = NULL;
    if (!cJSON_IsObject(j))
        return bad(c, where, "must be an exchange object (request, response), got %s",
                   civis_json_type_name(j));
    civis_status st = check_keys(c, j, where, exchange_keys, 5);
    if (st != CIVIS_OK)
        return st;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
    if (name != NULL && !cJSON_IsString(name)) {
        char field[48];
        snprintf(field, sizeof(field), "%s.name", where);
        return bad(c, field, "must be a string, got %s", civis_json_type_name(name));
    }
    civis_fx_exchange *ex = calloc(1, sizeof(*ex));
    if (ex == NULL)
        return oom(c);
    size_t llen = strlen(c->label) + 32;
    if ((ex->label = malloc(llen)) == NULL) {
        civis__fx_exchange_free(ex);
        return oom(c);
    }
    snprintf(ex->label, llen, "%s#%zu", c->label, idx);
    if ((st = parse_request(c, j, where, ex)) != CIVIS_OK ||
        (st = parse_responses(c, j, where, ex)) != CIVIS_OK) {
        civis__fx_exchange_free(ex);
        return st;
    }
    *out = ex;
    return CIVIS_OK;
}

static civis_status pending_push(const fx_ctx *c, civis_fx_pending *p, civis_fx_exchange *ex)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 8;
        civis_fx_exchange **items = realloc(p->items, cap * sizeof(*items));
        if (items == NULL) {
            civis__fx_exchange_free(ex);
            return oom(c);
        }
        p->items = items;
        p->cap = cap;
    }
    p->items[p->n++] = ex;
    return CIVIS_OK;
}

void civis__fx_pending_free(civis_fx_pending *p)
{
    for (size_t i = 0; i < p->n; i++)
        civis__fx_exchange_free(p->items[i]);
    free(p->items);
    cJSON_Delete(p->tables);
    memset(p, 0, sizeof(*p));
}

static const char *const table_keys[] = {"table", "database", "csv", "rows", "columns", "api_key"};

/* One seeded table declaration: its shape only; civis-mock checks the data
 * when it loads it (and names the table in its error). */
static civis_status parse_table(const fx_ctx *c, const cJSON *t, size_t idx, civis_fx_pending *p)
{
    char where[48];
    snprintf(where, sizeof(where), "tables[%zu]", idx);
    if (!cJSON_IsObject(t))
        return bad(c, where, "must be an object, got %s", civis_json_type_name(t));
    civis_status st =
        check_keys(c, t, where, table_keys, sizeof(table_keys) / sizeof(table_keys[0]));
    if (st != CIVIS_OK)
        return st;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(t, "table");
    const cJSON *csv = cJSON_GetObjectItemCaseSensitive(t, "csv");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(t, "rows");
    const cJSON *db = cJSON_GetObjectItemCaseSensitive(t, "database");
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(t, "columns");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(t, "api_key");
    if (!cJSON_IsString(name) || name->valuestring[0] == '\0')
        return bad(c, where, "needs \"table\": \"schema.name\"");
    if ((csv == NULL) == (rows == NULL))
        return bad(c, where, "needs exactly one of \"csv\" (text) and \"rows\" (arrays)");
    if (csv != NULL && !cJSON_IsString(csv))
        return bad(c, where, "\"csv\" must be a string, got %s", civis_json_type_name(csv));
    if (rows != NULL && !cJSON_IsArray(rows))
        return bad(c, where, "\"rows\" must be an array of arrays, got %s",
                   civis_json_type_name(rows));
    if (rows != NULL && !cJSON_IsArray(cols))
        return bad(c, where, "\"rows\" needs \"columns\" to name the columns");
    if (cols != NULL && !cJSON_IsArray(cols))
        return bad(c, where, "\"columns\" must be an array, got %s", civis_json_type_name(cols));
    if (db != NULL && !cJSON_IsString(db) && !cJSON_IsNumber(db))
        return bad(c, where, "\"database\" must be a name or an id, got %s",
                   civis_json_type_name(db));
    if (key != NULL && (!cJSON_IsString(key) || key->valuestring[0] == '\0'))
        return bad(c, where, "\"api_key\" must be a non-empty string");
    cJSON *copy = cJSON_Duplicate(t, true);
    if (copy != NULL && c->scope != NULL && key == NULL &&
        cJSON_AddStringToObject(copy, "api_key", c->scope) == NULL) {
        cJSON_Delete(copy);
        copy = NULL;
    }
    if (copy == NULL || (p->tables == NULL && (p->tables = cJSON_CreateArray()) == NULL) ||
        !cJSON_AddItemToArray(p->tables, copy)) {
        cJSON_Delete(copy);
        return oom(c);
    }
    return CIVIS_OK;
}

/* Parses a whole document into p (appending). */
static civis_status parse_document(const fx_ctx *c, const cJSON *doc, civis_fx_pending *p)
{
    const cJSON *list = doc;
    if (cJSON_IsObject(doc) && (cJSON_GetObjectItemCaseSensitive(doc, "fixtures") != NULL ||
                                cJSON_GetObjectItemCaseSensitive(doc, "tables") != NULL)) {
        static const char *const wrapper_keys[] = {"fixtures", "tables"};
        civis_status st = check_keys(c, doc, "", wrapper_keys, 2);
        if (st != CIVIS_OK)
            return st;
        const cJSON *tables = cJSON_GetObjectItemCaseSensitive(doc, "tables");
        if (tables != NULL && !cJSON_IsArray(tables))
            return bad(c, "tables", "must be an array of table declarations, got %s",
                       civis_json_type_name(tables));
        size_t t = 0;
        const cJSON *decl = NULL;
        cJSON_ArrayForEach(decl, tables)
        {
            if ((st = parse_table(c, decl, t++, p)) != CIVIS_OK)
                return st;
        }
        list = cJSON_GetObjectItemCaseSensitive(doc, "fixtures");
        if (list == NULL)
            return CIVIS_OK;
        if (!cJSON_IsArray(list))
            return bad(c, "fixtures", "must be an array of exchanges, got %s",
                       civis_json_type_name(list));
    }
    if (cJSON_IsObject(list)) {
        civis_fx_exchange *ex = NULL;
        civis_status st = parse_exchange(c, list, 0, &ex);
        return st == CIVIS_OK ? pending_push(c, p, ex) : st;
    }
    if (!cJSON_IsArray(list))
        return bad(c, NULL,
                   "must be an exchange object, an array of them or {\"fixtures\": [...]}, "
                   "got %s",
                   civis_json_type_name(list));
    size_t i = 0;
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, list)
    {
        civis_fx_exchange *ex = NULL;
        civis_status st = parse_exchange(c, item, i++, &ex);
        if (st == CIVIS_OK)
            st = pending_push(c, p, ex);
        if (st != CIVIS_OK)
            return st;
    }
    return CIVIS_OK;
}

/* Adds every pending exchange under one lock, or none of them. */
civis_status civis__fx_parse_document(civis_fx_pending *p, const civis_spec *spec, const cJSON *doc,
                                      const char *source, const char *label, const char *scope,
                                      civis_error *err)
{
    fx_ctx c = {spec, source, label, scope, err};
    if (doc == NULL)
        return bad(&c, NULL, "no document (NULL)");
    if (scope != NULL && scope[0] == '\0')
        return bad(&c, NULL, "the scope key must be NULL or a non-empty string");
    return parse_document(&c, doc, p);
}
