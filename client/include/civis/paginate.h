/*
 * civis/paginate.h: walking every item of a paginated list operation (a GET
 * with both `limit` and `page_num`, op->paginated in civis/spec.h).
 *
 *     civis_pager *pager = NULL;
 *     const cJSON *item = NULL;
 *     civis_status st = civis_pager_new(&pager, client, "scripts", "list", NULL, &err);
 *     while (st == CIVIS_OK && (st = civis_pager_next(&item, pager, &err)) == CIVIS_OK && item)
 *         printf("%s\n", cJSON_GetStringValue(civis_json_get(item, "name")));
 *     civis_pager_free(pager);
 *
 * Like the official client's iterator, the pager forces page_num=1 and then
 * counts up, keeps the caller's `limit`, and fetches a page only when the
 * previous one is used up. It stops at an empty page or, when the server
 * sends X-Pagination-Total-Pages, right after the last page (no extra
 * request). Each page request goes through the client's retry rules.
 *
 * A pager is used by one thread at a time; several pagers may share a client.
 */
#ifndef CIVIS_PAGINATE_H
#define CIVIS_PAGINATE_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "civis/export.h"
#include "civis/client.h"
#include "civis/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct civis_pager civis_pager;

/*
 * Prepares a walk over resource.method with `args` (borrowed; copied) and
 * sends nothing yet. The arguments are checked as civis_call checks them,
 * and a method that is not paginated is CIVIS_EINVAL ("scripts.get_sql is
 * not paginated (no limit and page_num)", param "method"). On failure *out
 * is NULL. Release with civis_pager_free(). The client must outlive it.
 */
CIVIS_EXTERN civis_status civis_pager_new(civis_pager **out, civis_client *client,
                                          const char *resource, const char *method,
                                          const cJSON *args, civis_error *err);

/*
 * The next item: *item is borrowed and valid until the next call on this
 * pager (or civis_pager_free); at the end *item is NULL and CIVIS_OK is
 * returned. A failed page request returns its error (as civis_call would)
 * and the pager stays at that page: calling again retries it. A page body
 * that is not a JSON array is CIVIS_EPARSE.
 */
CIVIS_EXTERN civis_status civis_pager_next(const cJSON **item, civis_pager *pager,
                                           civis_error *err);

/* The response of the page the last item came from (headers such as
 * X-Pagination-Total-Entries), borrowed like the item; NULL before the first page. */
CIVIS_EXTERN const civis_response *civis_pager_page(const civis_pager *pager);
/* Page requests made so far (retries not counted). */
CIVIS_EXTERN int civis_pager_requests(const civis_pager *pager);

/* Frees the pager and the page it holds. NULL allowed. */
CIVIS_EXTERN void civis_pager_free(civis_pager *pager);

/*
 * Walks every page at once: *out receives an array of every item, owned by
 * the caller (cJSON_Delete). On failure *out is NULL.
 */
CIVIS_EXTERN civis_status civis_list_all(cJSON **out, civis_client *client, const char *resource,
                                         const char *method, const cJSON *args, civis_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_PAGINATE_H */
