/*
 * args.c: the argument builder. civis_args("id", CIVIS_INT(5), CIVIS_END)
 * reads name / value pairs; each value is a civis_value struct made by a
 * CIVIS_* macro, so the type travels with the value and a typo in a type is
 * a compile error rather than undefined behaviour in a va_arg. The magic
 * number catches the one mistake the compiler cannot: a bare value where
 * a macro belongs.
 */
#include <string.h>

#include "client_internal.h"

cJSON *civis__value_to_json(civis_value v)
{
    cJSON *arr = NULL;
    switch (v.kind) {
    case CIVIS_VALUE_STR: return v.u.s ? cJSON_CreateString(v.u.s) : cJSON_CreateNull();
    case CIVIS_VALUE_INT:
        /* cJSON stores a double: integers beyond 2^53 would lose digits. */
        if (v.u.i > 9007199254740992LL || v.u.i < -9007199254740992LL)
            return NULL;
        return cJSON_CreateNumber((double)v.u.i);
    case CIVIS_VALUE_NUM: return cJSON_CreateNumber(v.u.d);
    case CIVIS_VALUE_BOOL: return cJSON_CreateBool(v.u.b);
    case CIVIS_VALUE_NULL: return cJSON_CreateNull();
    case CIVIS_VALUE_JSON: return v.u.json;
    case CIVIS_VALUE_JSON_COPY: return v.u.cjson ? cJSON_Duplicate(v.u.cjson, 1) : NULL;
    case CIVIS_VALUE_INT_ARRAY:
        arr = cJSON_CreateArray();
        for (size_t i = 0; arr != NULL && i < v.n; i++) {
            cJSON *n = cJSON_CreateNumber((double)v.u.ints[i]);
            if (n == NULL || !cJSON_AddItemToArray(arr, n)) {
                cJSON_Delete(n);
                cJSON_Delete(arr);
                arr = NULL;
            }
        }
        return arr;
    case CIVIS_VALUE_STR_ARRAY:
        arr = cJSON_CreateArray();
        for (size_t i = 0; arr != NULL && i < v.n; i++) {
            cJSON *s = v.u.strs[i] ? cJSON_CreateString(v.u.strs[i]) : cJSON_CreateNull();
            if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
                cJSON_Delete(s);
                cJSON_Delete(arr);
                arr = NULL;
            }
        }
        return arr;
    }
    return NULL;
}

/* Why a value could not become JSON, for the error message. */
static civis_status value_failure(civis_value v, const char *name, civis_error *err)
{
    if ((v.kind == CIVIS_VALUE_JSON && v.u.json == NULL) ||
        (v.kind == CIVIS_VALUE_JSON_COPY && v.u.cjson == NULL))
        return civis__fail(err, CIVIS_EINVAL, name, "argument '%s': the cJSON value is NULL", name);
    if (v.kind == CIVIS_VALUE_INT)
        return civis__fail(err, CIVIS_EINVAL, name,
                           "argument '%s': %lld is beyond 2^53, which a JSON number cannot "
                           "hold exactly",
                           name, v.u.i);
    if (v.kind < CIVIS_VALUE_STR || v.kind > CIVIS_VALUE_STR_ARRAY)
        return civis__fail(err, CIVIS_EINVAL, name, "argument '%s': unknown value kind %d", name,
                           (int)v.kind);
    return civis__fail(err, CIVIS_ENOMEM, name, "out of memory building argument '%s'", name);
}

civis_status civis__args_build(cJSON **out, const char *name, va_list ap, civis_error *err)
{
    *out = NULL;
    cJSON *obj = cJSON_CreateObject();
    civis_status st =
        obj ? CIVIS_OK : civis__fail(err, CIVIS_ENOMEM, "args", "out of memory building arguments");
    while (name != NULL) {
        civis_value v = va_arg(ap, civis_value);
        if (v.magic != CIVIS_VALUE_MAGIC) {
            /* The list is out of step: nothing after this can be read. */
            cJSON_Delete(obj);
            return civis__fail(err, CIVIS_EINVAL, name,
                               "the value of argument '%s' was not built with a CIVIS_* macro "
                               "(or CIVIS_END is missing)",
                               name);
        }
        /* Converted even after a failure, so that every CIVIS_JSON value
         * is owned (and freed) here in every case. */
        cJSON *item = civis__value_to_json(v);
        if (st == CIVIS_OK && item == NULL)
            st = value_failure(v, name, err);
        if (st == CIVIS_OK) {
            /* A repeated name keeps the last value, as a keyword would. */
            cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
            if (cJSON_AddItemToObject(obj, name, item))
                item = NULL;
            else
                st = civis__fail(err, CIVIS_ENOMEM, name, "out of memory building argument '%s'",
                                 name);
        }
        cJSON_Delete(item);
        name = va_arg(ap, const char *);
    }
    if (st != CIVIS_OK) {
        cJSON_Delete(obj);
        return st;
    }
    *out = obj;
    return CIVIS_OK;
}

cJSON *civis_args_va(const char *name, va_list ap)
{
    cJSON *obj = NULL;
    civis__args_build(&obj, name, ap, NULL);
    return obj;
}

cJSON *civis_args(const char *name, ...)
{
    va_list ap;
    va_start(ap, name);
    cJSON *obj = civis_args_va(name, ap);
    va_end(ap);
    return obj;
}
