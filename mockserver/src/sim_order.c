/*
 * sim_order.c: every collection of a space kept sorted in the orders a
 * list may ask for (id, name, updatedAt; created_at is id order, since ids
 * and creation times grow together), so that a list page walks the order
 * it asks for and renders only the objects it answers, whatever the size
 * of the collection.
 *
 * Each order is a sorted array of object pointers. An insert or a removal
 * is a binary search and a memmove of pointers: at 100,000 objects that is
 * under a millisecond even in the worst case, far below what rendering one
 * object costs, and reading stays a plain array walk (measured against
 * SQLite in bench/sim_growth; see SIMULATION.md).
 *
 * The keys (name, updatedAt, archived, hidden) are copied out of the
 * object's data when it is indexed, so an object must be taken out
 * (civis__sim_order_remove) before its data changes and put back
 * (civis__sim_order_add) after.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim.h"

int civis__sim_order_cmp(sim_order order, const sim_obj *a, const sim_obj *b)
{
    int c = 0;
    if (order == SIM_ORD_NAME)
        c = strcasecmp(a->name_key ? a->name_key : "", b->name_key ? b->name_key : "");
    else if (order == SIM_ORD_UPDATED)
        c = strcmp(a->updated_key, b->updated_key);
    if (c == 0)
        c = (a->id > b->id) - (a->id < b->id);
    return c;
}

/* The first position whose object does not sort before `obj`. */
static size_t lower_bound(sim_obj *const *v, size_t n, sim_order order, const sim_obj *obj)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (civis__sim_order_cmp(order, v[mid], obj) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool flag_of(const cJSON *data, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(data, name);
    return cJSON_IsTrue(v) || (cJSON_IsString(v) && strcmp(v->valuestring, "true") == 0);
}

/* Copies the list keys out of the object's data. */
static bool refresh(sim_obj *obj)
{
    free(obj->name_key);
    obj->name_key = NULL;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(obj->data, "name");
    if (cJSON_IsString(name) && (obj->name_key = strdup(name->valuestring)) == NULL)
        return false;
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(obj->data, "updatedAt");
    snprintf(obj->updated_key, sizeof(obj->updated_key), "%s",
             cJSON_IsString(up) ? up->valuestring : "");
    obj->archived = flag_of(obj->data, "archived");
    obj->hidden = flag_of(obj->data, "hidden");
    return true;
}

static bool grow(sim_list *l)
{
    size_t cap = l->cap ? l->cap * 2 : 16;
    for (int o = 0; o < SIM_ORD_N; o++) {
        sim_obj **v = realloc(l->by[o], cap * sizeof(*v));
        if (v == NULL)
            return false; /* the arrays grown so far are merely larger than cap says */
        l->by[o] = v;
    }
    l->cap = cap;
    return true;
}

bool civis__sim_order_add(const civis_sim *sim, sim_space *space, sim_obj *obj)
{
    if (obj->indexed || obj->coll < 0 || (size_t)obj->coll >= sim->n_colls)
        return true;
    if (space->lists == NULL && (space->lists = calloc(sim->n_colls, sizeof(sim_list))) == NULL)
        return false;
    sim_list *l = &space->lists[obj->coll];
    if ((l->n == l->cap && !grow(l)) || !refresh(obj))
        return false;
    for (int o = 0; o < SIM_ORD_N; o++) {
        sim_obj **v = l->by[o];
        size_t at = o == SIM_ORD_ID && (l->n == 0 || v[l->n - 1]->id < obj->id)
                        ? l->n
                        : lower_bound(v, l->n, (sim_order)o, obj);
        memmove(v + at + 1, v + at, (l->n - at) * sizeof(*v));
        v[at] = obj;
    }
    l->n++;
    l->flagged[obj->archived * 2 + obj->hidden]++;
    obj->indexed = true;
    return true;
}

void civis__sim_order_remove(sim_space *space, sim_obj *obj)
{
    if (!obj->indexed)
        return;
    sim_list *l = &space->lists[obj->coll];
    for (int o = 0; o < SIM_ORD_N; o++) {
        sim_obj **v = l->by[o];
        size_t at = lower_bound(v, l->n, (sim_order)o, obj);
        /* Keys only change while an object is out of the index, so it is
         * where the search says; the scan is a guard, never expected. */
        if (at >= l->n || v[at] != obj)
            for (at = 0; at < l->n && v[at] != obj; at++)
                ;
        if (at < l->n)
            memmove(v + at, v + at + 1, (l->n - at - 1) * sizeof(*v));
    }
    l->n--;
    l->flagged[obj->archived * 2 + obj->hidden]--;
    obj->indexed = false;
}

void civis__sim_order_free(const civis_sim *sim, sim_space *space)
{
    for (size_t c = 0; space->lists != NULL && c < sim->n_colls; c++)
        for (int o = 0; o < SIM_ORD_N; o++)
            free(space->lists[c].by[o]);
    free(space->lists);
    space->lists = NULL;
}
