/*
 * fixture.c: the fixture set, the exchanges civis-mock and the in-process
 * mock answer from. Adding validates a whole document first
 * (fixture_parse.c) and then appends its exchanges under the lock, so a
 * failing document leaves the set as it was. Matching walks the exchanges
 * newest first (fixture_match.c says what matches) and moves a response
 * sequence on under the same lock, so concurrent callers of one sequence
 * each get their own turn.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture_internal.h"
#include "spec_internal.h"

/* Adds every pending exchange under one lock, or none of them. */
civis_status civis__fx_commit(civis_fixture_set *set, civis_fx_pending *p, int *first_id,
                              civis_error *err)
{
    civis_status st = CIVIS_OK;
    pthread_mutex_lock(&set->mu);
    if (p->n > (size_t)(INT_MAX - set->next_id)) {
        st = civis__fail(err, CIVIS_EINVAL, "fixture", "the fixture set has run out of ids");
        goto done;
    }
    if (set->n_items + p->n > set->cap) {
        size_t cap = set->cap ? set->cap : 16;
        while (cap < set->n_items + p->n)
            cap *= 2;
        civis_fx_exchange **items = realloc(set->items, cap * sizeof(*items));
        if (items == NULL) {
            st = civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory adding fixtures");
            goto done;
        }
        set->items = items;
        set->cap = cap;
    }
    if (p->tables != NULL && set->tables == NULL) {
        set->tables = cJSON_CreateArray();
        if (set->tables == NULL) {
            st = civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory adding fixtures");
            goto done;
        }
    }
    if (first_id != NULL)
        *first_id = p->n > 0 ? set->next_id : 0;
    /* Moving the declarations cannot fail: they are relinked, not copied. */
    while (p->tables != NULL && p->tables->child != NULL)
        cJSON_AddItemToArray(set->tables, cJSON_DetachItemFromArray(p->tables, 0));
    for (size_t i = 0; i < p->n; i++) {
        p->items[i]->id = set->next_id++;
        set->items[set->n_items++] = p->items[i];
    }
    p->n = 0; /* the set owns them now */
done:
    pthread_mutex_unlock(&set->mu);
    return st;
}

/* ---- the set ------------------------------------------------------------------- */

civis_status civis_fixtures_new(civis_fixture_set **out, const civis_spec *spec, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "invalid argument 'out': must not be NULL");
    *out = NULL;
    if (spec == NULL)
        return civis__fail(err, CIVIS_EINVAL, "spec", "invalid argument 'spec': must not be NULL");
    civis_fixture_set *set = calloc(1, sizeof(*set));
    if (set == NULL)
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory creating a fixture set");
    if (pthread_mutex_init(&set->mu, NULL) != 0) {
        free(set);
        return civis__fail(err, CIVIS_ENOMEM, NULL, "cannot create the fixture set's lock");
    }
    set->spec = spec;
    set->next_id = 1;
    *out = set;
    return CIVIS_OK;
}

void civis_fixtures_free(civis_fixture_set *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->n_items; i++)
        civis__fx_exchange_free(set->items[i]);
    free(set->items);
    cJSON_Delete(set->tables);
    pthread_mutex_destroy(&set->mu);
    free(set);
}

static civis_status check_set(civis_fixture_set *set, civis_error *err)
{
    if (set == NULL)
        return civis__fail(err, CIVIS_EINVAL, "set", "invalid argument 'set': must not be NULL");
    return CIVIS_OK;
}

civis_status civis_fixtures_add_json(civis_fixture_set *set, const cJSON *doc, const char *source,
                                     const char *scope_key, int *first_id, civis_error *err)
{
    if (first_id != NULL)
        *first_id = 0;
    if (check_set(set, err) != CIVIS_OK)
        return CIVIS_EINVAL;
    if (source == NULL)
        source = "fixtures";
    civis_fx_pending p = {0};
    civis_status st = civis__fx_parse_document(&p, set->spec, doc, source, source, scope_key, err);
    if (st == CIVIS_OK)
        st = civis__fx_commit(set, &p, first_id, err);
    civis__fx_pending_free(&p);
    return st;
}

civis_status civis_fixtures_add_text(civis_fixture_set *set, const char *text, size_t len,
                                     const char *source, const char *scope_key, int *first_id,
                                     civis_error *err)
{
    if (first_id != NULL)
        *first_id = 0;
    if (check_set(set, err) != CIVIS_OK)
        return CIVIS_EINVAL;
    if (source == NULL)
        source = "fixtures";
    if (text == NULL)
        return civis__fail(err, CIVIS_EINVAL, "text", "%s: no text (NULL)", source);
    cJSON *doc = NULL;
    civis_status st = civis__fx_parse_text(&doc, text, len, source, err);
    if (st == CIVIS_OK)
        st = civis_fixtures_add_json(set, doc, source, scope_key, first_id, err);
    cJSON_Delete(doc);
    return st;
}
/* ---- removal, rewinding and matching ------------------------------------------- */

civis_status civis_fixtures_remove(civis_fixture_set *set, int id)
{
    if (set == NULL)
        return CIVIS_EINVAL;
    civis_status st = CIVIS_ENOTFOUND;
    pthread_mutex_lock(&set->mu);
    for (size_t i = 0; i < set->n_items; i++) {
        if (set->items[i]->id != id)
            continue;
        civis__fx_exchange_free(set->items[i]);
        memmove(set->items + i, set->items + i + 1, (set->n_items - i - 1) * sizeof(*set->items));
        set->n_items--;
        st = CIVIS_OK;
        break;
    }
    pthread_mutex_unlock(&set->mu);
    return st;
}

void civis_fixtures_clear(civis_fixture_set *set)
{
    if (set == NULL)
        return;
    pthread_mutex_lock(&set->mu);
    for (size_t i = 0; i < set->n_items; i++)
        civis__fx_exchange_free(set->items[i]);
    set->n_items = 0;
    pthread_mutex_unlock(&set->mu);
}

void civis_fixtures_rewind(civis_fixture_set *set)
{
    if (set == NULL)
        return;
    pthread_mutex_lock(&set->mu);
    for (size_t i = 0; i < set->n_items; i++)
        set->items[i]->next = 0;
    pthread_mutex_unlock(&set->mu);
}

size_t civis_fixtures_count(const civis_fixture_set *set)
{
    if (set == NULL)
        return 0;
    /* The lock is not part of the set's logical state: counting changes nothing. */
    civis_fixture_set *s = (civis_fixture_set *)(uintptr_t)set;
    pthread_mutex_lock(&s->mu);
    size_t n = s->n_items;
    pthread_mutex_unlock(&s->mu);
    return n;
}

bool civis_fixtures_match(civis_fixture_set *set, const civis_fixture_request *req,
                          civis_fixture_response *out)
{
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (set == NULL || req == NULL || out == NULL)
        return false;
    bool hit = false;
    pthread_mutex_lock(&set->mu);
    /* Newest first: a later exchange overrides an earlier one. */
    for (size_t i = set->n_items; i-- > 0;) {
        civis_fx_exchange *ex = set->items[i];
        if (!civis__fx_matches(ex, req))
            continue;
        hit = civis__fx_copy_response(ex, &ex->responses[ex->next], out);
        /* The sequence moves on only when the response was handed out. */
        if (hit && ex->next + 1 < ex->n_responses)
            ex->next++;
        break;
    }
    pthread_mutex_unlock(&set->mu);
    return hit;
}

const cJSON *civis_fixtures_tables(const civis_fixture_set *set)
{
    return set != NULL ? set->tables : NULL;
}
