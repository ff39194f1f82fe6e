/*
 * paginate.c: civis_pager, the official client's PaginatedResponse with one
 * improvement: when the server says how many pages there are
 * (X-Pagination-Total-Pages), the walk ends after the last one instead of
 * asking for an empty page. Pages are fetched lazily and one at a time, so
 * memory holds a single page however long the list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

struct civis_pager {
    civis_client *client;
    const civis_operation *op;
    const civis_spec *spec; /* the spec op belongs to (the client's may be refreshed) */
    char label[160];        /* "scripts.list" */
    cJSON *args;            /* the caller's arguments minus page_num */
    int page_num;           /* the next page to fetch */
    long total_pages;       /* from the last page's headers, -1 when unknown */
    civis_response *page;   /* the page items come from */
    const cJSON *cursor;    /* the next item of page */
    int requests;
    bool done;
};

civis_status civis_pager_new(civis_pager **out, civis_client *client, const char *resource,
                             const char *method, const cJSON *args, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    *out = NULL;
    if (client == NULL)
        return civis__fail(err, CIVIS_EINVAL, "client", "no client given");
    const civis_operation *op = NULL;
    const civis_spec *spec = NULL;
    civis_status st = civis__client_find(&op, &spec, client, resource, method, err);
    if (st == CIVIS_OK && !op->paginated)
        st = civis__fail(err, CIVIS_EINVAL, "method",
                         "%s.%s is not paginated (no limit and page_num)", resource, method);
    if (st == CIVIS_OK)
        st = civis_args_validate(spec, op, args, err);
    if (st != CIVIS_OK) {
        civis__rejected(client, resource, method, args, st, err);
        return st;
    }
    civis_pager *p = civis__calloc(1, sizeof(*p));
    cJSON *copy = args ? cJSON_Duplicate(args, 1) : cJSON_CreateObject();
    if (p == NULL || copy == NULL) {
        civis__free(p);
        cJSON_Delete(copy);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for the pager");
    }
    /* The walk always starts at page 1, whatever page_num says. */
    for (cJSON *a = copy->child; a != NULL;) {
        cJSON *next = a->next;
        if (civis_key_equal(a->string, "page_num"))
            cJSON_Delete(cJSON_DetachItemViaPointer(copy, a));
        a = next;
    }
    p->client = client;
    p->op = op;
    p->spec = spec;
    snprintf(p->label, sizeof(p->label), "%s.%s", resource, method);
    p->args = copy;
    p->page_num = 1;
    p->total_pages = -1;
    *out = p;
    return CIVIS_OK;
}

static long total_pages(const civis_response *page)
{
    return civis__header_number(page, "X-Pagination-Total-Pages");
}

static civis_status fetch(civis_pager *p, civis_error *err)
{
    civis_response_free(p->page);
    p->page = NULL;
    p->cursor = NULL;
    civis_placed placed = {0};
    civis_status st = civis_args_place(&placed, p->spec, p->op, p->args, CIVIS_KEYS_SNAKE, err);
    if (st != CIVIS_OK)
        return st;
    /* page_num goes last, as the official client adds it to the query. */
    char *query =
        civis__sprintf("%s%spage_num=%d", placed.query, *placed.query ? "&" : "", p->page_num);
    if (query == NULL) {
        civis_placed_clear(&placed);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    }
    /* Page requests carry no body, as the official client's do. */
    civis_send s = {
        .method = p->op->verb, .path = placed.path, .query = query, .op = p->op, .args = p->args};
    civis_response *page = NULL;
    st = civis__send(&page, p->client, &s, false, err);
    civis__free(query);
    civis_placed_clear(&placed);
    if (st != CIVIS_OK)
        return st;
    const cJSON *items = civis_response_json(page);
    if (!cJSON_IsArray(items)) {
        civis_response_free(page);
        return civis__fail(err, CIVIS_EPARSE, "body", "page %d of %s is not a JSON array",
                           p->page_num, p->label);
    }
    p->requests++;
    p->page_num++;
    p->page = page;
    p->total_pages = total_pages(page);
    p->cursor = items->child;
    if (p->cursor == NULL)
        p->done = true;
    return CIVIS_OK;
}

civis_status civis_pager_next(const cJSON **item, civis_pager *p, civis_error *err)
{
    if (item == NULL)
        return civis__fail(err, CIVIS_EINVAL, "item", "no output given");
    *item = NULL;
    if (p == NULL)
        return civis__fail(err, CIVIS_EINVAL, "pager", "no pager given");
    for (;;) {
        if (p->cursor != NULL) {
            *item = p->cursor;
            p->cursor = p->cursor->next;
            return CIVIS_OK;
        }
        if (p->done)
            return CIVIS_OK;
        /* The server said how many pages there are: stop after the last. */
        if (p->page != NULL && p->total_pages >= 0 && p->page_num > p->total_pages) {
            p->done = true;
            return CIVIS_OK;
        }
        civis_status st = fetch(p, err);
        if (st != CIVIS_OK)
            return st;
    }
}

const civis_response *civis_pager_page(const civis_pager *pager)
{
    return pager ? pager->page : NULL;
}

int civis_pager_requests(const civis_pager *pager)
{
    return pager ? pager->requests : 0;
}

void civis_pager_free(civis_pager *pager)
{
    if (pager == NULL)
        return;
    civis_response_free(pager->page);
    cJSON_Delete(pager->args);
    civis__free(pager);
}

civis_status civis_list_all(cJSON **out, civis_client *client, const char *resource,
                            const char *method, const cJSON *args, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    *out = NULL;
    civis_pager *p = NULL;
    civis_status st = civis_pager_new(&p, client, resource, method, args, err);
    if (st != CIVIS_OK)
        return st;
    cJSON *all = cJSON_CreateArray();
    if (all == NULL)
        st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    const cJSON *item = NULL;
    while (st == CIVIS_OK && (st = civis_pager_next(&item, p, err)) == CIVIS_OK && item != NULL) {
        cJSON *copy = cJSON_Duplicate(item, 1);
        if (copy == NULL || !cJSON_AddItemToArray(all, copy)) {
            cJSON_Delete(copy);
            st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
        }
    }
    civis_pager_free(p);
    if (st != CIVIS_OK) {
        cJSON_Delete(all);
        return st;
    }
    *out = all;
    return CIVIS_OK;
}
