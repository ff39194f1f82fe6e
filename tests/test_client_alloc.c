/*
 * test_client_alloc.c: out-of-memory paths. The allocator of libcivis (and
 * cJSON's) is replaced by one that fails the Nth allocation, for N = 1, 2,
 * ... until the operation succeeds; every failure must come back as
 * CIVIS_ENOMEM (or a clean error) with nothing leaked (valgrind / ASan
 * check the leaks), as jansson's test_chaos does.
 */
#include <stdlib.h>
#include <string.h>

#include "allocfail.h"
#include "test.h"
#include "test_client_support.h"

typedef struct call_ctx {
    fake_transport *ft;
    civis_client *client;
} call_ctx;

static civis_status post_call(void *vctx)
{
    call_ctx *ctx = vctx;
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st =
        civis_callv(&r, ctx->client, "scripts", "post_containers", &err, "name", CIVIS_STR("x"),
                    "required_resources", CIVIS_OBJ("cpu", CIVIS_INT(1), CIVIS_END), "arguments",
                    CIVIS_OBJ("A", CIVIS_STR("b"), CIVIS_END), CIVIS_END);
    if (st == CIVIS_OK) {
        long long id = 0;
        st = civis_response_int(&id, r, "outputs.0.file_id", &err);
    } else {
        CU_ASSERT(st == CIVIS_ENOMEM || st == CIVIS_EINVAL);
        if (st != CIVIS_ENOMEM && st != CIVIS_EINVAL)
            fprintf(stderr, "\n  %d: %s\n", (int)st, err.message);
    }
    civis_response_free(r);
    return st;
}

static void test_alloc__call_survives_every_failure(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 201, "X-RateLimit-Limit: 10\nX-A: b\n",
              "{\"id\": 1, \"outputs\": [{\"fileId\": 3}], \"name\": \"x\"}");
    call_ctx ctx = {&ft, fake_client(&ft, NULL)};
    CU_ASSERT_PTR_NOT_NULL_FATAL(ctx.client);
    long n = civis_test_alloc_walk(post_call, &ctx, 500);
    CU_ASSERT(n > 5); /* it does allocate, and every step was failed once */
    civis_client_free(ctx.client);
    fake_clear(&ft);
    pthread_mutex_destroy(&ft.lock);
}

static civis_status new_client(void *vctx)
{
    /* A spec loaded beforehand: the spec engine's own out-of-memory paths
     * are its suites' business; this counts the client's allocations. */
    civis_client_options o = {.api_key = "k", .spec = vctx};
    civis_client *c = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = civis_client_new(&c, &o, &err);
    if (st != CIVIS_OK) {
        CU_ASSERT_PTR_NULL(c);
        CU_ASSERT(st == CIVIS_ENOMEM || st == CIVIS_ESPEC || st == CIVIS_EPARSE ||
                  st == CIVIS_ETRANSPORT);
    }
    civis_client_free(c);
    return st;
}

static void test_alloc__client_new_survives_every_failure(void)
{
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_load_bundled(&spec, &err), err);
    CU_ASSERT(civis_test_alloc_walk(new_client, spec, 1000) > 3);
    civis_spec_free(spec);
}

typedef struct pager_ctx {
    civis_client *client;
    fake_transport *ft;
} pager_ctx;

static civis_status walk(void *vctx)
{
    pager_ctx *ctx = vctx;
    ctx->ft->served = 0;
    cJSON *all = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = civis_list_all(&all, ctx->client, "credentials", "list", NULL, &err);
    if (st == CIVIS_OK)
        CU_ASSERT_EQUAL(cJSON_GetArraySize(all), 3);
    cJSON_Delete(all);
    return st;
}

static void test_alloc__pager_survives_every_failure(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 200, NULL, "[{\"id\": 1}, {\"id\": 2}]");
    fake_push(&ft, 200, NULL, "[{\"id\": 3}]");
    fake_push(&ft, 200, NULL, "[]");
    pager_ctx ctx = {fake_client(&ft, NULL), &ft};
    CU_ASSERT_PTR_NOT_NULL_FATAL(ctx.client);
    CU_ASSERT(civis_test_alloc_walk(walk, &ctx, 1000) > 5);
    civis_client_free(ctx.client);
    fake_clear(&ft);
    pthread_mutex_destroy(&ft.lock);
}

static CU_TestInfo tests[] = {
    {"call survives every failure", test_alloc__call_survives_every_failure},
    {"client_new survives every failure", test_alloc__client_new_survives_every_failure},
    {"pager survives every failure", test_alloc__pager_survives_every_failure},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_alloc, tests, NULL, NULL)
