/*
 * test_client_paginate.c: walking paginated lists: page_num forced to 1
 * and counted up, limit kept, pages fetched only when needed, the stop at
 * an empty page or after X-Pagination-Total-Pages, no body on page
 * requests, retries per page, errors; then three pages from civis-mock.
 */
#include <string.h>

#include "test.h"
#include "test_client_support.h"

static fake_transport ft;
static civis_client *client;
static civis_mockproc mp;
static bool mock_up;

static int suite_init(void)
{
    static const char *const args[] = {"--stateless", NULL};
    mock_up = civis_mockproc_start(&mp, args) == 0;
    fake_init(&ft);
    client = fake_client(&ft, NULL);
    return client ? 0 : 1;
}

static int suite_cleanup(void)
{
    civis_client_free(client);
    fake_clear(&ft);
    return mock_up && civis_mockproc_stop(&mp) != 0 ? 1 : 0;
}

/* Walks credentials.list with `args`, collecting ids into ids[]. */
static size_t walk(const cJSON *args, long long *ids, size_t max, civis_pager **keep)
{
    civis_pager *p = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_pager_new(&p, client, "credentials", "list", args, &err), err);
    CU_ASSERT_EQUAL(ft.n_requests, 0); /* lazy */
    const cJSON *item = NULL;
    size_t n = 0;
    civis_status st;
    while ((st = civis_pager_next(&item, p, &err)) == CIVIS_OK && item != NULL)
        if (n < max && civis_json_int(&ids[n], item, "id", &err) == CIVIS_OK)
            n++;
    CU_ASSERT_EQUAL(st, CIVIS_OK);
    /* after the end, more calls stay at the end and send nothing */
    size_t before = ft.n_requests;
    CU_ASSERT_EQUAL(civis_pager_next(&item, p, &err), CIVIS_OK);
    CU_ASSERT_PTR_NULL(item);
    CU_ASSERT_EQUAL(ft.n_requests, before);
    if (keep != NULL)
        *keep = p;
    else
        civis_pager_free(p);
    return n;
}

static void test_paginate__until_empty_page(void)
{
    fake_clear(&ft);
    fake_push(&ft, 200, NULL, "[{\"id\": 1}, {\"id\": 2}]");
    fake_push(&ft, 200, NULL, "[{\"id\": 3}, {\"id\": 4}]");
    fake_push(&ft, 200, NULL, "[{\"id\": 5}]");
    fake_push(&ft, 200, NULL, "[]");
    cJSON *args = civis_args("limit", CIVIS_INT(2), "page_num", CIVIS_INT(7), "type",
                             CIVIS_STR("Database"), CIVIS_END);
    long long ids[8];
    CU_ASSERT_EQUAL(walk(args, ids, 8, NULL), 5);
    for (int i = 0; i < 5; i++)
        CU_ASSERT_EQUAL(ids[i], i + 1);
    CU_ASSERT_EQUAL_FATAL(ft.n_requests, 4);
    static const char *const q[] = {
        "type=Database&limit=2&page_num=1", "type=Database&limit=2&page_num=2",
        "type=Database&limit=2&page_num=3", "type=Database&limit=2&page_num=4"};
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_STRING_EQUAL(ft.requests[i].query, q[i]);
        CU_ASSERT_STRING_EQUAL(ft.requests[i].method, "GET");
        CU_ASSERT_STRING_EQUAL(ft.requests[i].path, "/credentials");
        CU_ASSERT_PTR_NULL(ft.requests[i].body); /* page requests carry no body */
    }
    cJSON_Delete(args);
}

static void test_paginate__total_pages_header_saves_a_request(void)
{
    fake_clear(&ft);
    fake_push(&ft, 200, "X-Pagination-Total-Pages: 3\n", "[{\"id\": 1}, {\"id\": 2}]");
    fake_push(&ft, 200, "X-Pagination-Total-Pages: 3\n", "[{\"id\": 3}, {\"id\": 4}]");
    fake_push(&ft, 200, "X-Pagination-Total-Pages: 3\nX-Pagination-Total-Entries: 5\n",
              "[{\"id\": 5}]");
    fake_push(&ft, 500, NULL, NULL); /* never asked for */
    long long ids[8];
    civis_pager *p = NULL;
    CU_ASSERT_EQUAL(walk(NULL, ids, 8, &p), 5);
    CU_ASSERT_EQUAL(ft.n_requests, 3);
    CU_ASSERT_EQUAL(civis_pager_requests(p), 3);
    CU_ASSERT_STRING_EQUAL(ft.requests[2].query, "page_num=3");
    CU_ASSERT_STRING_EQUAL(civis_response_header(civis_pager_page(p), "X-Pagination-Total-Entries"),
                           "5");
    civis_pager_free(p);
}

static void test_paginate__fetches_only_when_needed(void)
{
    fake_clear(&ft);
    fake_push(&ft, 200, NULL, "[{\"id\": 1}, {\"id\": 2}]");
    fake_push(&ft, 200, NULL, "[{\"id\": 3}]");
    civis_pager *p = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_pager_new(&p, client, "credentials", "list", NULL, &err), err);
    CU_ASSERT_PTR_NULL(civis_pager_page(p));
    const cJSON *item = NULL;
    ASSERT_CIVIS_OK(civis_pager_next(&item, p, &err), err);
    CU_ASSERT_EQUAL(ft.n_requests, 1);
    ASSERT_CIVIS_OK(civis_pager_next(&item, p, &err), err);
    CU_ASSERT_EQUAL(ft.n_requests, 1);
    ASSERT_CIVIS_OK(civis_pager_next(&item, p, &err), err);
    CU_ASSERT_EQUAL(ft.n_requests, 2);
    civis_pager_free(p); /* mid-walk: nothing leaks */
}

static void test_paginate__retries_and_errors_per_page(void)
{
    fake_clear(&ft);
    fake_push(&ft, 200, NULL, "[{\"id\": 1}]");
    fake_push(&ft, 503, NULL, NULL);
    fake_push(&ft, 200, NULL, "[{\"id\": 2}]");
    fake_push(&ft, 404, NULL, "{\"errorDescription\": \"gone\"}");
    fake_push(&ft, 200, NULL, "{\"not\": \"a list\"}");
    fake_push(&ft, 200, NULL, "[]");
    civis_pager *p = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_pager_new(&p, client, "credentials", "list", NULL, &err), err);
    const cJSON *item = NULL;
    ASSERT_CIVIS_OK(civis_pager_next(&item, p, &err), err);
    ASSERT_CIVIS_OK(civis_pager_next(&item, p, &err), err); /* page 2 after one 503 */
    CU_ASSERT_EQUAL(civis_response_retries(civis_pager_page(p)), 1);
    CU_ASSERT_EQUAL(civis_pager_next(&item, p, &err), CIVIS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(err.message, "(404) gone (GET /credentials?page_num=3)");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_pager_next(&item, p, &err), CIVIS_EPARSE); /* page 3 again */
    CU_ASSERT_STRING_EQUAL(err.message, "page 3 of credentials.list is not a JSON array");
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_pager_next(&item, p, &err), err);
    CU_ASSERT_PTR_NULL(item);
    CU_ASSERT_STRING_EQUAL(ft.requests[ft.n_requests - 1].query, "page_num=3");
    civis_pager_free(p);
}

static void test_paginate__refuses_before_traffic(void)
{
    fake_clear(&ft);
    ft.forbid = true;
    civis_pager *p = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_pager_new(&p, client, "credentials", "get", NULL, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "credentials.get is not paginated (no limit and page_num)");
    CU_ASSERT_STRING_EQUAL(err.param, "method");
    CU_ASSERT_PTR_NULL(p);
    civis_error_clear(&err);
    cJSON *a = civis_args("limt", CIVIS_INT(2), CIVIS_END);
    CU_ASSERT_EQUAL(civis_pager_new(&p, client, "credentials", "list", a, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "limt");
    cJSON_Delete(a);
    ft.forbid = false;
}

static void test_paginate__list_all(void)
{
    fake_clear(&ft);
    fake_push(&ft, 200, NULL, "[{\"id\": 1}, {\"id\": 2}]");
    fake_push(&ft, 200, NULL, "[]");
    cJSON *all = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_list_all(&all, client, "credentials", "list", NULL, &err), err);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(all), 2);
    cJSON_Delete(all);
}

/* ---- civis-mock ------------------------------------------------------------------ */

/* One stub answering the whole collection: civis-mock cuts the page that
 * limit and page_num select and sends the X-Pagination-* headers. */
static void stub_collection(const char *key)
{
    char doc[1024];
    snprintf(
        doc, sizeof(doc),
        "{\"api_key\": \"%s\", \"request\": {\"method\": \"GET\", \"path\": \"/credentials\"},"
        " \"response\": {\"status\": 200, \"body\": [{\"id\": 1, \"name\": \"a\"},"
        " {\"id\": 2, \"name\": \"b\"}, {\"id\": 3, \"name\": \"c\"}, {\"id\": 4, \"name\": \"d\"},"
        " {\"id\": 5, \"name\": \"e\"}]}}",
        key);
    CU_ASSERT_EQUAL(mock_admin(&mp, "/__mock/stubs", doc), 201);
}

/* Walks credentials.list with limit=2 on civis-mock; checks the items and
 * that the journal holds `expect` page requests (faults included). */
static void live_walk(const char *key, int expect)
{
    CU_ASSERT_FATAL(mock_up);
    stub_collection(key);
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    cJSON *all = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    cJSON *args = civis_args("limit", CIVIS_INT(2), "page_num", CIVIS_INT(3), CIVIS_END);
    ASSERT_CIVIS_OK(civis_list_all(&all, c, "credentials", "list", args, &err), err);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(all), 5);
    for (int i = 0; i < 5; i++) {
        long long id = 0;
        char path[16];
        snprintf(path, sizeof(path), "%d.id", i);
        ASSERT_CIVIS_OK(civis_json_int(&id, all, path, &err), err);
        CU_ASSERT_EQUAL(id, i + 1);
    }
    char q[128];
    snprintf(q, sizeof(q), "api_key=%s&operation=credentials.list", key);
    cJSON *j = mock_calls(&mp, q);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), expect);
    const cJSON *e = NULL;
    int page = 0;
    long last_status = 0;
    cJSON_ArrayForEach(e, j)
    {
        /* a retried page repeats its page_num */
        if (last_status == 200 || page == 0)
            page++;
        last_status = (long)cJSON_GetObjectItem(e, "status")->valuedouble;
        char want[64];
        snprintf(want, sizeof(want), "limit=2&page_num=%d", page);
        CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(e, "query")), want);
        CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(e, "body")));
    }
    CU_ASSERT_EQUAL(page, 3); /* the total-pages header ended the walk: no 4th page */
    cJSON_Delete(j);
    cJSON_Delete(args);
    cJSON_Delete(all);
    civis_client_free(c);
}

static void test_paginate_live__three_pages_and_no_more(void)
{
    live_walk("pg-three", 3);
}

static void test_paginate_live__each_page_goes_through_retries(void)
{
    CU_ASSERT_EQUAL(mock_admin(&mp, "/__mock/faults",
                               "{\"operation\": \"credentials.list\", \"status\": 503, "
                               "\"count\": 1, \"api_key\": \"pg-retry\"}"),
                    201);
    live_walk("pg-retry", 4);
}

static CU_TestInfo tests[] = {
    {"until empty page", test_paginate__until_empty_page},
    {"total pages header saves a request", test_paginate__total_pages_header_saves_a_request},
    {"fetches only when needed", test_paginate__fetches_only_when_needed},
    {"retries and errors per page", test_paginate__retries_and_errors_per_page},
    {"refuses before traffic", test_paginate__refuses_before_traffic},
    {"list_all", test_paginate__list_all},
    {"live: three pages and no more", test_paginate_live__three_pages_and_no_more},
    {"live: each page goes through retries", test_paginate_live__each_page_goes_through_retries},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_paginate, tests, suite_init, suite_cleanup)
