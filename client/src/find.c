/*
 * find.c: civis_find / civis_find_one, the official client's find() with
 * keyword filters: every pattern key must be present (snake_case and
 * camelCase spellings are the same key) with an equal value. Equality is
 * cJSON_Compare's, so true never equals 1, as Python's `is` check on
 * booleans keeps it.
 */
#include <math.h>

#include "client_internal.h"

static bool values_equal(const cJSON *a, const cJSON *b)
{
    /* Exact: cJSON_Compare would let numbers differ by an epsilon. */
    if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
        return a->valuedouble == b->valuedouble;
    return cJSON_Compare(a, b, 1);
}

static bool matches(const cJSON *item, const cJSON *pattern)
{
    if (!cJSON_IsObject(item))
        return false;
    for (const cJSON *want = pattern->child; want != NULL; want = want->next) {
        const cJSON *have = cJSON_GetObjectItemCaseSensitive(item, want->string);
        if (have == NULL)
            for (have = item->child; have != NULL; have = have->next)
                if (civis_key_equal(have->string, want->string))
                    break;
        if (have == NULL || !values_equal(have, want))
            return false;
    }
    return true;
}

civis_status civis_find(cJSON **out, const cJSON *list, const cJSON *pattern, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    *out = NULL;
    if (!cJSON_IsArray(list))
        return civis__fail(err, CIVIS_EINVAL, "list", "civis_find needs a JSON array to filter");
    if (!cJSON_IsObject(pattern))
        return civis__fail(err, CIVIS_EINVAL, "pattern",
                           "civis_find needs a JSON object of field values as its pattern");
    cJSON *found = cJSON_CreateArray();
    if (found == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    for (const cJSON *it = list->child; it != NULL; it = it->next) {
        if (!matches(it, pattern))
            continue;
        cJSON *copy = cJSON_Duplicate(it, 1);
        if (copy == NULL || !cJSON_AddItemToArray(found, copy)) {
            cJSON_Delete(copy);
            cJSON_Delete(found);
            return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
        }
    }
    *out = found;
    return CIVIS_OK;
}

const cJSON *civis_find_one(const cJSON *list, const cJSON *pattern)
{
    if (!cJSON_IsArray(list) || !cJSON_IsObject(pattern))
        return NULL;
    for (const cJSON *it = list->child; it != NULL; it = it->next)
        if (matches(it, pattern))
            return it;
    return NULL;
}

const cJSON *civis_find_onev(const cJSON *list, ...)
{
    va_list ap;
    va_start(ap, list);
    cJSON *pattern = NULL;
    const char *first = va_arg(ap, const char *);
    civis__args_build(&pattern, first, ap, NULL);
    va_end(ap);
    const cJSON *hit = civis_find_one(list, pattern);
    cJSON_Delete(pattern);
    return hit;
}
