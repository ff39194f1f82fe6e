/* test_spec_answer.c: the default-answer rules civis-mock and the in-process mock share. */
#include <stdlib.h>
#include <string.h>

#include "civis/sys/answer.h"
#include "specsuite.h"
#include "test.h"

static civis_spec *bundled;
static civis_spec *full;

static int setup(void)
{
    return civis_test_specs_load(&bundled, &full, "spec_answer (page sizes)");
}

static int teardown(void)
{
    return civis_test_specs_free(&bundled, &full);
}

static void test_answer__query_is_decoded_like_a_form(void)
{
    civis_kv *kv = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(civis_answer_query_parse(&kv, &n, "a=1&b=x+y%21&&flag&c=&%zz=5"),
                          CIVIS_OK);
    CU_ASSERT_EQUAL_FATAL(n, 5);
    const char *want[][2] = {{"a", "1"}, {"b", "x y!"}, {"flag", ""}, {"c", ""}, {"%zz", "5"}};
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_STRING_EQUAL(kv[i].key, want[i][0]);
        CU_ASSERT_STRING_EQUAL(kv[i].value, want[i][1]);
    }
    civis_answer_query_free(kv, n);
    CU_ASSERT_EQUAL(civis_answer_query_parse(&kv, &n, ""), CIVIS_OK);
    CU_ASSERT_PTR_NULL(kv);
    CU_ASSERT_EQUAL(n, 0);
    civis_answer_query_free(NULL, 0);
}

/* Collects headers into a JSON object, in order. */
static bool add_to(void *obj, const char *name, const char *value)
{
    return cJSON_AddStringToObject(obj, name, value) != NULL;
}

static void test_answer__recorded_headers(void)
{
    cJSON *h =
        cJSON_Parse("{\"Content-Length\":\"9\",\"date\":\"x\",\"X-Pagination-Total-Pages\":3,"
                    "\"X-Flag\":true,\"Cache-Control\":\"no-cache\"}");
    CU_ASSERT_TRUE(civis_answer_has_pagination(h));
    CU_ASSERT_FALSE(civis_answer_has_pagination(NULL));
    CU_ASSERT_TRUE(civis_answer_transfer_header("content-length"));
    CU_ASSERT_FALSE(civis_answer_transfer_header("Cache-Control"));
    cJSON *got = cJSON_CreateObject();
    CU_ASSERT_TRUE(civis_answer_copy_headers(h, add_to, got));
    char *text = cJSON_PrintUnformatted(got);
    /* transfer headers dropped, numbers as text, booleans skipped */
    CU_ASSERT_STRING_EQUAL(text,
                           "{\"X-Pagination-Total-Pages\":\"3\",\"Cache-Control\":\"no-cache\"}");
    cJSON_free(text);
    cJSON_Delete(got);
    cJSON_Delete(h);
}

static void test_answer__error_kinds(void)
{
    const char *desc = "unset";
    CU_ASSERT_STRING_EQUAL(civis_answer_error_kind(404, &desc), "not_found");
    CU_ASSERT_STRING_EQUAL(desc, "The requested resource could not be found.");
    CU_ASSERT_STRING_EQUAL(civis_answer_error_kind(400, &desc), "invalid");
    CU_ASSERT_PTR_NULL(desc);
    CU_ASSERT_STRING_EQUAL(civis_answer_error_kind(418, NULL), "client_error");
    CU_ASSERT_STRING_EQUAL(civis_answer_error_kind(599, NULL), "server_error");
    CU_ASSERT_STRING_EQUAL(civis_answer_error_kind(503, NULL), "service_unavailable");
}

static cJSON *numbers(int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 1; i <= n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(i));
    return a;
}

static void test_answer__pages_and_their_headers(void)
{
    const civis_operation *op = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_find_dotted(&op, bundled, "credentials.list", &err), err);
    civis_kv q[] = {{"limit", "3"}, {"page_num", "2"}};
    CU_ASSERT_TRUE(civis_answer_page_asked(q, 2));
    CU_ASSERT_FALSE(civis_answer_page_asked(NULL, 0));
    civis_answer_page pg;
    cJSON *slice = civis_answer_paginate(&pg, op, q, 2, numbers(7));
    char *text = cJSON_PrintUnformatted(slice);
    CU_ASSERT_STRING_EQUAL(text, "[4,5,6]");
    cJSON_free(text);
    cJSON_Delete(slice);
    CU_ASSERT_EQUAL(pg.per_page, 3);
    CU_ASSERT_EQUAL(pg.current, 2);
    CU_ASSERT_EQUAL(pg.total_pages, 3);
    CU_ASSERT_EQUAL(pg.total_entries, 7);
    cJSON *h = cJSON_CreateObject();
    CU_ASSERT_TRUE(civis_answer_page_headers(&pg, add_to, h));
    text = cJSON_PrintUnformatted(h);
    CU_ASSERT_STRING_EQUAL(
        text, "{\"X-Pagination-Per-Page\":\"3\",\"X-Pagination-Current-Page\":\"2\","
              "\"X-Pagination-Total-Pages\":\"3\",\"X-Pagination-Total-Entries\":\"7\"}");
    cJSON_free(text);
    cJSON_Delete(h);
    /* past the end: an empty page, so a pager stops */
    civis_kv past[] = {{"limit", "3"}, {"page_num", "4"}};
    slice = civis_answer_paginate(&pg, op, past, 2, numbers(7));
    CU_ASSERT_EQUAL(cJSON_GetArraySize(slice), 0);
    cJSON_Delete(slice);
}

static void test_answer__page_size_from_the_limit_prose(void)
{
    if (full == NULL)
        return;
    const civis_operation *scripts = NULL, *creds = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_find_dotted(&scripts, full, "scripts.list", &err), err);
    ASSERT_CIVIS_OK(civis_spec_find_dotted(&creds, full, "credentials.list", &err), err);
    CU_ASSERT_EQUAL(civis_answer_page_size(scripts, 0), 20); /* "Defaults to 20" */
    CU_ASSERT_EQUAL(civis_answer_page_size(scripts, 7), 7);
    CU_ASSERT_EQUAL(civis_answer_page_size(scripts, 500), 50); /* "Maximum allowed is 50" */
    CU_ASSERT_EQUAL(civis_answer_page_size(creds, 0), 1000);   /* "its maximum of 1000" */
    CU_ASSERT_EQUAL(civis_answer_page_size(creds, 5000), 1000);
}

static void test_answer__synthesized_bodies(void)
{
    const civis_operation *list = NULL, *get = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_find_dotted(&list, bundled, "credentials.list", &err), err);
    cJSON *a = civis_answer_synthesize(bundled, list, NULL, 42);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(a), list->paginated ? CIVIS_ANSWER_SYNTH_TOTAL : 2);
    cJSON_Delete(a);

    civis_route route;
    ASSERT_CIVIS_OK(civis_spec_route(&route, bundled, "GET", "/scripts/sql/77", &err), err);
    get = route.op;
    cJSON *o = civis_answer_synthesize(bundled, get, &route, 42);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "id");
    CU_ASSERT_TRUE(cJSON_IsNumber(id) && id->valuedouble == 77);
    cJSON *again = civis_answer_synthesize(bundled, get, NULL, 42);
    CU_ASSERT_TRUE(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(o, "name"),
                                 cJSON_GetObjectItemCaseSensitive(again, "name"), true));
    cJSON_Delete(again);
    cJSON_Delete(o);
    CU_ASSERT_EQUAL(civis_answer_status(get), get->response_status ? get->response_status : 200);
    CU_ASSERT_TRUE(civis_answer_no_body(204));
    CU_ASSERT_FALSE(civis_answer_no_body(200));
}

static CU_TestInfo answer_tests[] = {
    {"query is decoded like a form", test_answer__query_is_decoded_like_a_form},
    {"recorded headers", test_answer__recorded_headers},
    {"error kinds", test_answer__error_kinds},
    {"pages and their headers", test_answer__pages_and_their_headers},
    {"page size from the limit prose", test_answer__page_size_from_the_limit_prose},
    {"synthesized bodies", test_answer__synthesized_bodies},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(spec_answer, answer_tests, setup, teardown)
