/*
 * args.c: call arguments, the client side. Validates a JSON object of named
 * arguments against one operation the way the official Python client's
 * generated methods do (unknown and missing names, then JSON types), and
 * places them on the wire: path segments, query string, JSON body.
 *
 * Arguments are named by snake_case name or by wire name; "provideApiKey"
 * also finds provideAPIKey because both have the same snake_case form.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_check.h"
#include "spec_internal.h"
#include "urlenc.h"

/* The parameter an argument key names, or NULL. */
static const civis_param *resolve(const civis_operation *op, const char *key)
{
    if (key == NULL)
        return NULL;
    const civis_param *p = civis_operation_param(op, key);
    if (p != NULL)
        return p;
    char snake[128];
    if (civis_camel_to_snake(snake, sizeof(snake), key) >= sizeof(snake) || strcmp(snake, key) == 0)
        return NULL;
    return civis_operation_param(op, snake);
}

/* The argument given for p, or NULL. */
static const cJSON *arg_for(const civis_operation *op, const cJSON *args, const civis_param *p)
{
    for (const cJSON *a = args ? args->child : NULL; a != NULL; a = a->next)
        if (resolve(op, a->string) == p)
            return a;
    return NULL;
}

static civis_status fail_unknown(const civis_operation *op, const char *key, const char *label,
                                 civis_error *err)
{
    const char *best = civis_operation_suggest(op, key, -1);
    civis_status st;
    if (best != NULL)
        st = civis__fail(err, CIVIS_EINVAL, key,
                         "unknown argument '%s' for %s (did you mean '%s'?)", key, label, best);
    else
        st = civis__fail(err, CIVIS_EINVAL, key, "unknown argument '%s' for %s", key, label);
    return st;
}

/* The JSON type check of one argument value: "must be integer, got string". */
static civis_status check_type(const civis_param *p, const cJSON *v, const civis_operation *op,
                               civis_error *err)
{
    char label[160];
#define LABEL civis_operation_name(op, label, sizeof(label))
    if (cJSON_IsNull(v)) {
        if (p->in != CIVIS_IN_PATH && civis__null_allowed(p->required, p->name))
            return CIVIS_OK;
        return civis__fail(err, CIVIS_EINVAL, p->name, "argument '%s' of %s must be %s, got null",
                           p->name, LABEL, civis__type_name(p->type));
    }
    if (!civis__json_has_type(v, p->type))
        return civis__fail(err, CIVIS_EINVAL, p->name, "argument '%s' of %s must be %s, got %s",
                           p->name, LABEL, civis__type_name(p->type), civis__json_kind(v));
    if (p->type == CIVIS_TYPE_ARRAY && p->item_type != CIVIS_TYPE_ANY &&
        p->item_type != CIVIS_TYPE_ARRAY) {
        /* Items are checked one level down only: nested bodies are the
         * server's business, as in the official client. */
        size_t i = 0;
        for (const cJSON *it = v->child; it != NULL; it = it->next, i++)
            if (!civis__json_has_type(it, p->item_type))
                return civis__fail(err, CIVIS_EINVAL, p->name,
                                   "argument '%s[%zu]' of %s must be %s, got %s", p->name, i, LABEL,
                                   civis__type_name(p->item_type), civis__json_kind(it));
    }
    if (p->in == CIVIS_IN_PATH && cJSON_IsString(v) && v->valuestring[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, p->name, "argument '%s' of %s must not be empty",
                           p->name, LABEL);
    return CIVIS_OK;
#undef LABEL
}

/* The checks in the official client's order: names first (TypeError from
 * binding), then what is missing, then types. res has room for every key. */
static civis_status check_args(const civis_operation *op, const cJSON *args,
                               const civis_param **res, civis_error *err)
{
    char label[160];
    /* The operation's name goes into messages only: written when one fails. */
#define LABEL civis_operation_name(op, label, sizeof(label))
    size_t i = 0;
    for (const cJSON *a = args ? args->child : NULL; a != NULL; a = a->next, i++) {
        const char *key = a->string ? a->string : "";
        const civis_param *p = res[i] = resolve(op, key);
        if (p == NULL)
            return fail_unknown(op, key, LABEL, err);
        const cJSON *b = args->child;
        for (size_t j = 0; j < i; j++, b = b->next)
            if (res[j] == p)
                return civis__fail(err, CIVIS_EINVAL, p->name,
                                   "argument '%s' given twice for %s (as '%s' and '%s')", p->name,
                                   LABEL, b->string, key);
    }
    size_t n = i;
    for (size_t k = 0; k < op->n_params; k++) {
        const civis_param *p = &op->params[k];
        bool given = false;
        for (size_t j = 0; j < n && !given; j++)
            given = res[j] == p;
        if (p->required && !given)
            return civis__fail(err, CIVIS_EINVAL, p->name, "missing required argument '%s' for %s",
                               p->name, LABEL);
    }
    i = 0;
    for (const cJSON *a = args ? args->child : NULL; a != NULL; a = a->next, i++) {
        civis_status st = check_type(res[i], a, op, err);
        if (st != CIVIS_OK)
            return st;
    }
    return CIVIS_OK;
#undef LABEL
}

civis_status civis_args_validate(const civis_spec *spec, const civis_operation *op,
                                 const cJSON *args, civis_error *err)
{
    (void)spec; /* the descriptors carry everything; kept for symmetry and future refs */
    if (op == NULL)
        return civis__fail(err, CIVIS_EINVAL, "op", "no operation given");
    char label[160];
    if (args != NULL && !cJSON_IsObject(args))
        return civis__fail(err, CIVIS_EINVAL, "args",
                           "arguments for %s must be a JSON object, got %s",
                           civis_operation_name(op, label, sizeof(label)), civis__json_kind(args));
    /* Each key is resolved once: the checks below compare parameters. */
    size_t n = (size_t)(args ? cJSON_GetArraySize(args) : 0);
    const civis_param *local[32];
    const civis_param **res = n <= 32 ? local : malloc(n * sizeof(*res));
    if (res == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "args", "out of memory");
    civis_status st = check_args(op, args, res, err);
    if (res != local)
        free(res);
    return st;
}

/* ---- placement -------------------------------------------------------------- */

/* A number as Python's str() prints what the caller most likely passed:
 * integral values without a decimal point ("7", not "7.0"), others in the
 * shortest form that reads back to the same double ("0.1"). */
static void format_number(char *buf, size_t len, double d)
{
    if (isfinite(d) && floor(d) == d && fabs(d) < 1e21) {
        if (fabs(d) < 9e18)
            snprintf(buf, len, "%lld", (long long)d);
        else
            snprintf(buf, len, "%.0f", d);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

/* Appends one scalar as query text (or as a path segment). */
static void put_scalar(civis_urlbuf *b, const cJSON *v, civis_urlenc_mode mode)
{
    char num[40];
    if (cJSON_IsString(v)) {
        civis__urlenc_append(b, v->valuestring, strlen(v->valuestring), mode);
    } else if (cJSON_IsNumber(v)) {
        format_number(num, sizeof(num), v->valuedouble);
        civis__urlenc_append(b, num, strlen(num), mode);
    } else if (cJSON_IsBool(v)) {
        civis__urlbuf_puts(b, cJSON_IsTrue(v) ? "True" : "False");
    } else {
        /* Only an untyped parameter lets an object through: send its JSON. */
        char *text = cJSON_PrintUnformatted(v);
        if (text == NULL) {
            b->oom = true;
            return;
        }
        civis__urlenc_append(b, text, strlen(text), mode);
        cJSON_free(text);
    }
}

static civis_status place_path(char **out, const civis_operation *op, const cJSON *args,
                               civis_error *err)
{
    char label[160]; /* the operation's name, written only into a message */
    civis_urlbuf b = {0};
    const char *t = op->path ? op->path : "/";
    if (*t != '/')
        civis__urlbuf_puts(&b, "/");
    while (*t) {
        const char *open = strchr(t, '{');
        if (open == NULL) {
            civis__urlbuf_puts(&b, t);
            break;
        }
        const char *close = strchr(open, '}');
        if (close == NULL) {
            civis__urlbuf_free(&b);
            return civis__fail(err, CIVIS_ESPEC, "path", "unclosed '{' in the path of %s: %s",
                               civis_operation_name(op, label, sizeof(label)), op->path);
        }
        civis__urlbuf_append(&b, t, (size_t)(open - t));
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1), open + 1);
        const civis_param *p = civis_operation_param(op, name);
        const cJSON *v = p ? arg_for(op, args, p) : NULL;
        if (v == NULL || cJSON_IsNull(v)) {
            civis__urlbuf_free(&b);
            return civis__fail(err, CIVIS_EINVAL, name, "path parameter '%s' of %s has no value",
                               name, civis_operation_name(op, label, sizeof(label)));
        }
        put_scalar(&b, v, CIVIS_URLENC_PATH);
        t = close + 1;
    }
    /* The official client strips the trailing slash of collection roots. */
    if (b.len > 1 && b.data[b.len - 1] == '/')
        b.data[--b.len] = '\0';
    *out = civis__urlbuf_take(&b);
    return *out ? CIVIS_OK : civis__fail(err, CIVIS_ENOMEM, "path", "out of memory");
}

static civis_status place_query(char **out, const civis_operation *op, const cJSON *args,
                                civis_error *err)
{
    civis_urlbuf b = {0};
    for (size_t i = 0; i < op->n_params; i++) {
        const civis_param *p = &op->params[i];
        if (p->in != CIVIS_IN_QUERY)
            continue;
        const cJSON *v = arg_for(op, args, p);
        if (v == NULL || cJSON_IsNull(v))
            continue;
        if (cJSON_IsArray(v)) {
            /* requests' encoding of the client's {"name[]": [...]} */
            for (const cJSON *it = v->child; it != NULL; it = it->next) {
                if (cJSON_IsNull(it))
                    continue;
                if (b.len > 0)
                    civis__urlbuf_puts(&b, "&");
                civis__urlenc_append(&b, p->name, strlen(p->name), CIVIS_URLENC_QUERY);
                civis__urlbuf_puts(&b, "%5B%5D=");
                put_scalar(&b, it, CIVIS_URLENC_QUERY);
            }
            continue;
        }
        if (b.len > 0)
            civis__urlbuf_puts(&b, "&");
        civis__urlenc_append(&b, p->name, strlen(p->name), CIVIS_URLENC_QUERY);
        civis__urlbuf_puts(&b, "=");
        put_scalar(&b, v, CIVIS_URLENC_QUERY);
    }
    *out = civis__urlbuf_take(&b);
    return *out ? CIVIS_OK : civis__fail(err, CIVIS_ENOMEM, "query", "out of memory");
}

/* A node that shares a value's contents instead of copying them: a
 * reference for objects, arrays and strings (cJSON_Delete leaves what it
 * points at alone), a one-node copy for the other scalars. cJSON's own
 * cJSON_AddItemReferenceToObject is not used: in 1.7.15 it leaks its node
 * when adding fails. */
static cJSON *borrowed(const cJSON *a)
{
    if (cJSON_IsObject(a))
        return cJSON_CreateObjectReference(a->child);
    if (cJSON_IsArray(a))
        return cJSON_CreateArrayReference(a->child);
    if (cJSON_IsString(a))
        return cJSON_CreateStringReference(a->valuestring);
    return cJSON_Duplicate(a, 0);
}

static civis_status place_body(cJSON **out, const civis_operation *op, const cJSON *args,
                               civis_key_style style, bool borrow, civis_error *err)
{
    *out = NULL;
    if (op->body_schema == NULL)
        return CIVIS_OK;
    cJSON *body = cJSON_CreateObject();
    if (body == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "body", "out of memory");
    /* The caller's order, as a Python dict of keyword arguments keeps it. */
    for (const cJSON *a = args ? args->child : NULL; a != NULL; a = a->next) {
        const civis_param *p = resolve(op, a->string);
        if (p == NULL || p->in != CIVIS_IN_BODY)
            continue;
        const char *key = style == CIVIS_KEYS_SNAKE ? p->name : p->wire;
        cJSON *copy = borrow ? borrowed(a) : cJSON_Duplicate(a, 1);
        if (copy == NULL || !cJSON_AddItemToObject(body, key, copy)) {
            cJSON_Delete(copy);
            cJSON_Delete(body);
            return civis__fail(err, CIVIS_ENOMEM, p->name, "out of memory");
        }
    }
    *out = body;
    return CIVIS_OK;
}

civis_status civis_args_place(civis_placed *out, const civis_spec *spec, const civis_operation *op,
                              const cJSON *args, civis_key_style style, civis_error *err)
{
    return civis__args_place(out, spec, op, args, style, false, err);
}

civis_status civis__args_place(civis_placed *out, const civis_spec *spec, const civis_operation *op,
                               const cJSON *args, civis_key_style style, bool borrow,
                               civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    out->path = NULL;
    out->query = NULL;
    out->body = NULL;
    civis_status st = civis_args_validate(spec, op, args, err);
    if (st != CIVIS_OK)
        return st;
    if ((st = place_path(&out->path, op, args, err)) != CIVIS_OK ||
        (st = place_query(&out->query, op, args, err)) != CIVIS_OK ||
        (st = place_body(&out->body, op, args, style, borrow, err)) != CIVIS_OK)
        civis_placed_clear(out);
    return st;
}

void civis_placed_clear(civis_placed *placed)
{
    if (placed == NULL)
        return;
    free(placed->path);
    free(placed->query);
    cJSON_Delete(placed->body);
    placed->path = NULL;
    placed->query = NULL;
    placed->body = NULL;
}
