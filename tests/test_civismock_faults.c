/*
 * test_civismock_faults.c: injected failures through POST /__mock/faults: error
 * statuses with a count, 429 with Retry-After, dropped connections, delays,
 * probabilities, the "*" operation and per-key scope.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "mockproc.h"
#include "test.h"

/* --stateless: these tests check the spec-driven answer sources (stubs,
 * fixtures, x-examples, synthesis); the simulation has suites of its own. */
static const char *const stateless[] = {"--stateless", NULL};

static civis_mockproc mp;

static int suite_init(void)
{
    return civis_mockproc_start(&mp, stateless) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    return civis_mockproc_stop(&mp) == 0 ? 0 : 1;
}

static const char *str_field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void reset(void)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/reset", NULL, NULL), 200);
}

/* Declares a fault; returns its id (0 when refused). */
static int add_fault(const char *json)
{
    cJSON *j = NULL;
    long st = civis_mockproc_json(&j, &mp, "POST", "/__mock/faults", NULL, json);
    CU_ASSERT_EQUAL(st, 201);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    int v = cJSON_IsNumber(id) ? id->valueint : 0;
    cJSON_Delete(j);
    return v;
}

static long get_job(const char *key)
{
    return civis_mockproc_json(NULL, &mp, "GET", "/jobs/1", key, NULL);
}

static void test_faults__status_with_count(void)
{
    reset();
    CU_ASSERT(add_fault("{\"operation\":\"jobs.get\",\"status\":503,\"count\":2}") > 0);
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "GET", "/jobs/1", "k", NULL), 503);
    CU_ASSERT_STRING_EQUAL(str_field(j, "error"), "service_unavailable");
    CU_ASSERT(cJSON_GetObjectItemCaseSensitive(j, "code")->valueint == 503);
    cJSON_Delete(j);
    CU_ASSERT_EQUAL(get_job("k"), 503);
    CU_ASSERT_EQUAL(get_job("k"), 200);
    /* other operations were never affected */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/users/me", "k", NULL), 200);

    civis_mockproc_json(&j, &mp, "GET", "/__mock/journal?source=fault", NULL, NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 2);
    cJSON_Delete(j);
}

static void test_faults__retry_after_gives_429(void)
{
    reset();
    add_fault("{\"operation\":\"jobs.get\",\"retry_after\":3,\"count\":1}");
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "GET", "/jobs/1", "k", NULL);
    CU_ASSERT_EQUAL(r.status, 429);
    const char *ra = civis_http_reply_header(&r, "Retry-After");
    CU_ASSERT(ra != NULL && strcmp(ra, "3") == 0);
    civis_http_reply_clear(&r);
    CU_ASSERT_EQUAL(get_job("k"), 200);

    /* with another status, Retry-After rides along */
    add_fault("{\"operation\":\"jobs.get\",\"status\":503,\"retry_after\":9,\"count\":1}");
    civis_mockproc_call(&r, &mp, "GET", "/jobs/1", "k", NULL);
    CU_ASSERT_EQUAL(r.status, 503);
    ra = civis_http_reply_header(&r, "Retry-After");
    CU_ASSERT(ra != NULL && strcmp(ra, "9") == 0);
    civis_http_reply_clear(&r);
}

static void test_faults__drop_closes_the_connection(void)
{
    reset();
    add_fault("{\"operation\":\"jobs.get\",\"drop\":true,\"count\":1}");
    civis_http_reply r;
    CU_ASSERT_EQUAL(civis_mockproc_call(&r, &mp, "GET", "/jobs/1", "k", NULL), -1);
    CU_ASSERT_EQUAL(r.status, 0);
    CU_ASSERT_EQUAL(r.curl_code, CURLE_GOT_NOTHING);
    civis_http_reply_clear(&r);
    CU_ASSERT(civis_mockproc_healthy(&mp));
    CU_ASSERT_EQUAL(get_job("k"), 200);
    cJSON *j = NULL;
    civis_mockproc_json(&j, &mp, "GET", "/__mock/journal?source=fault", NULL, NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 1);
    cJSON_Delete(j);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_faults__delay_holds_the_answer(void)
{
    reset();
    add_fault("{\"operation\":\"jobs.get\",\"delay_ms\":250,\"count\":1}");
    double t0 = now_ms();
    CU_ASSERT_EQUAL(get_job("k"), 200);
    /* a lower bound only: the pause happened (speed is measured in bench/) */
    CU_ASSERT(now_ms() - t0 >= 250.0);
}

static void test_faults__probability_is_seeded(void)
{
    reset();
    int never = add_fault("{\"operation\":\"jobs.get\",\"status\":500,\"probability\":0}");
    int fails = 0;
    for (int i = 0; i < 20; i++)
        fails += get_job("k") == 500;
    CU_ASSERT_EQUAL(fails, 0);
    char path[64];
    snprintf(path, sizeof(path), "/__mock/faults/%d", never);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "DELETE", path, NULL, NULL), 204);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "DELETE", path, NULL, NULL), 404);

    add_fault("{\"operation\":\"jobs.get\",\"status\":500,\"probability\":0.5}");
    fails = 0;
    for (int i = 0; i < 40; i++)
        fails += get_job("k") == 500;
    CU_ASSERT(fails > 0 && fails < 40);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "DELETE", "/__mock/faults", NULL, NULL), 204);
    CU_ASSERT_EQUAL(get_job("k"), 200);

    /* the same seed gives the same sequence after a reset */
    reset();
    add_fault("{\"operation\":\"jobs.get\",\"status\":500,\"probability\":0.5}");
    char first[41] = {0};
    for (int i = 0; i < 40; i++)
        first[i] = get_job("k") == 500 ? 'x' : '.';
    reset();
    add_fault("{\"operation\":\"jobs.get\",\"status\":500,\"probability\":0.5}");
    char second[41] = {0};
    for (int i = 0; i < 40; i++)
        second[i] = get_job("k") == 500 ? 'x' : '.';
    CU_ASSERT_STRING_EQUAL(first, second);
    reset();
}

static void test_faults__star_and_key_scope(void)
{
    reset();
    add_fault("{\"operation\":\"*\",\"status\":502,\"api_key\":\"fault-victim\"}");
    CU_ASSERT_EQUAL(get_job("fault-victim"), 502);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/users/me", "fault-victim", NULL), 502);
    CU_ASSERT_EQUAL(get_job("bystander"), 200);
    /* the admin API is never faulted */
    CU_ASSERT(civis_mockproc_healthy(&mp));
    reset();

    /* X-Civis-Mock-Key scopes a fault as it scopes a stub */
    civis_http_reply r;
    const char *hdrs[] = {"X-Civis-Mock-Key: header-victim", NULL};
    const char *doc = "{\"operation\":\"jobs.get\",\"status\":500}";
    civis_mockproc_request(&r, &mp, "POST", "/__mock/faults", hdrs, doc, strlen(doc));
    CU_ASSERT_EQUAL(r.status, 201);
    civis_http_reply_clear(&r);
    CU_ASSERT_EQUAL(get_job("header-victim"), 500);
    CU_ASSERT_EQUAL(get_job("bystander"), 200);
    reset();
}

static void check_refused(const char *json, const char *expect)
{
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "POST", "/__mock/faults", NULL, json), 400);
    const char *desc = str_field(j, "errorDescription");
    if (strstr(desc, expect) == NULL) {
        fprintf(stderr, "\n  '%s' does not mention '%s'\n", desc, expect);
        CU_FAIL("fault error does not name the problem");
    }
    cJSON_Delete(j);
}

static void test_faults__bad_rules_are_refused_with_reasons(void)
{
    check_refused("{\"operation\":\"jobs.get\",\"stauts\":503}", "did you mean 'status'");
    check_refused("{\"operation\":\"jobs.gett\",\"status\":503}", "jobs.gett");
    check_refused("{\"operation\":\"jobs.get\",\"status\":200}", "status");
    check_refused("{\"operation\":\"jobs.get\",\"status\":503,\"count\":1,\"probability\":0.5}",
                  "not both");
    check_refused("{\"operation\":\"jobs.get\"}", "at least one");
    check_refused("{\"operation\":\"jobs.get\",\"probability\":2,\"status\":500}", "probability");
    check_refused("[1]", "object");
}

static CU_TestInfo tests[] = {
    {"status with count", test_faults__status_with_count},
    {"429 with Retry-After", test_faults__retry_after_gives_429},
    {"dropped connection", test_faults__drop_closes_the_connection},
    {"delay", test_faults__delay_holds_the_answer},
    {"probability", test_faults__probability_is_seeded},
    {"* and key scope", test_faults__star_and_key_scope},
    {"bad rules", test_faults__bad_rules_are_refused_with_reasons},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_faults, tests, suite_init, suite_cleanup)
