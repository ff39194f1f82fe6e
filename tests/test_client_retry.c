/*
 * test_client_retry.c: the official client's retry rules on a scripted
 * transport (which verbs retry which statuses, refused connections, the
 * attempt and time limits, Retry-After, the back-off bounds, the hook and
 * the retry count), then the same rules against civis-mock's faults.
 */
#include <string.h>
#include <time.h>

#include "test.h"
#include "test_client_support.h"

static fake_transport ft;

typedef struct hook_log {
    int n;
    int attempts[16];
    long statuses[16];
    double waits[16];
    double retry_after[16];
} hook_log;

static void on_retry(void *data, const civis_retry_event *ev)
{
    hook_log *h = data;
    if (h->n < 16) {
        h->attempts[h->n] = ev->attempt;
        h->statuses[h->n] = ev->status;
        h->waits[h->n] = ev->wait_s;
        h->retry_after[h->n] = ev->retry_after_s;
    }
    h->n++;
}

/* Sends method /x through a fresh fake client answering `first` then 200;
 * returns how many requests were made. */
static size_t attempts_for(const char *method, long first)
{
    fake_init(&ft);
    fake_push(&ft, first, NULL, "{}");
    fake_push(&ft, 200, NULL, "{}");
    civis_client *c = fake_client(&ft, NULL);
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_request(&r, c, method, "/x", NULL, &err);
    size_t n = ft.n_requests;
    civis_response_free(r);
    civis_client_free(c);
    fake_clear(&ft);
    pthread_mutex_destroy(&ft.lock);
    return n;
}

static void test_retry__status_table_by_verb(void)
{
    static const char *const idem[] = {"GET", "PUT", "DELETE", "HEAD", "OPTIONS", "TRACE"};
    static const long retried[] = {429, 502, 503, 504};
    for (size_t v = 0; v < 6; v++) {
        for (size_t s = 0; s < 4; s++)
            CU_ASSERT_EQUAL(attempts_for(idem[v], retried[s]), 2);
        CU_ASSERT_EQUAL(attempts_for(idem[v], 500), 1);
        CU_ASSERT_EQUAL(attempts_for(idem[v], 404), 1);
    }
    CU_ASSERT_EQUAL(attempts_for("POST", 429), 2);
    CU_ASSERT_EQUAL(attempts_for("POST", 503), 2);
    CU_ASSERT_EQUAL(attempts_for("POST", 502), 1);
    CU_ASSERT_EQUAL(attempts_for("POST", 504), 1);
    CU_ASSERT_EQUAL(attempts_for("PATCH", 429), 1);
    CU_ASSERT_EQUAL(attempts_for("PATCH", 503), 1);
}

static void test_retry__count_and_hook(void)
{
    fake_init(&ft);
    fake_push(&ft, 503, "Retry-After: 2\n", "{}");
    fake_push(&ft, 429, NULL, "{}");
    fake_push(&ft, 200, NULL, "{\"id\": 1}");
    hook_log h = {0};
    civis_client_options o = {.on_retry = on_retry, .hook_data = &h};
    civis_client *c = fake_client(&ft, &o);
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_callv(&r, c, "jobs", "get", &err, "id", CIVIS_INT(1), CIVIS_END), err);
    CU_ASSERT_EQUAL(civis_response_retries(r), 2);
    CU_ASSERT_EQUAL(ft.n_requests, 3);
    CU_ASSERT_EQUAL(ft.requests[2].attempt, 3);
    CU_ASSERT_EQUAL(h.n, 2);
    CU_ASSERT_EQUAL(h.attempts[0], 1);
    CU_ASSERT_EQUAL(h.statuses[0], 503);
    CU_ASSERT_DOUBLE_EQUAL(h.retry_after[0], 2.0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(h.waits[0], 0.0, 1e-9); /* the test policy ignores Retry-After */
    CU_ASSERT_EQUAL(h.attempts[1], 2);
    CU_ASSERT_EQUAL(h.statuses[1], 429);
    civis_response_free(r);
    civis_client_free(c);
    fake_clear(&ft);
    pthread_mutex_destroy(&ft.lock);
}

static void test_retry__gives_up_after_max_attempts(void)
{
    fake_init(&ft);
    fake_push(&ft, 502, NULL, NULL);
    civis_client *c = fake_client(&ft, NULL);
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_callv(&r, c, "jobs", "get", &err, "id", CIVIS_INT(1), CIVIS_END),
                    CIVIS_EHTTP);
    CU_ASSERT_EQUAL(ft.n_requests, 10); /* the official client's default */
    CU_ASSERT_STRING_EQUAL(err.message, "(502) Bad Gateway (GET /jobs/1)");
    civis_client_free(c);
    fake_clear(&ft);
    civis_client_options o = {.retry = {.max_attempts = 3}};
    fake_push(&ft, 502, NULL, NULL);
    c = fake_client(&ft, &o);
    civis_error_clear(&err);
    civis_callv(&r, c, "jobs", "get", &err, "id", CIVIS_INT(1), CIVIS_END);
    CU_ASSERT_EQUAL(ft.n_requests, 3);
    civis_client_free(c);
    fake_clear(&ft);
    o = (civis_client_options){.retry = {.max_attempts = 1}};
    fake_push(&ft, 503, NULL, NULL);
    c = fake_client(&ft, &o);
    civis_callv(&r, c, "jobs", "get", &err, "id", CIVIS_INT(1), CIVIS_END);
    CU_ASSERT_EQUAL(ft.n_requests, 1);
    civis_client_free(c);
    fake_clear(&ft);
    pthread_mutex_destroy(&ft.lock);
}

static void test_retry__refused_connection_only_for_idempotent_verbs(void)
{
    static const struct {
        const char *method;
        bool connect;
        size_t expect;
    } cases[] = {{"GET", true, 2},
                 {"DELETE", true, 2},
                 {"POST", true, 1},
                 {"PATCH", true, 1},
                 {"GET", false, 1}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake_init(&ft);
        ft.replies[0] = (fake_reply){0, NULL, NULL, CIVIS_ETRANSPORT, cases[i].connect};
        ft.replies[1] = (fake_reply){200, NULL, "{}", CIVIS_OK, false};
        ft.n_replies = 2;
        civis_client *c = fake_client(&ft, NULL);
        civis_response *r = NULL;
        civis_error err = CIVIS_ERROR_INIT;
        civis_status st = civis_request(&r, c, cases[i].method, "/x", NULL, &err);
        CU_ASSERT_EQUAL(ft.n_requests, cases[i].expect);
        CU_ASSERT_EQUAL(st, cases[i].expect == 2 ? CIVIS_OK : CIVIS_ETRANSPORT);
        if (st != CIVIS_OK)
            CU_ASSERT_EQUAL(err.http_status, 0);
        civis_response_free(r);
        civis_client_free(c);
        fake_clear(&ft);
        pthread_mutex_destroy(&ft.lock);
    }
}

static void test_retry__backoff_bounds_and_seed(void)
{
    /* multiplier 0.001 s, cap 0.004 s: wait n in [0, min(0.004, 0.001 * 2^(n-1))] */
    double first[9];
    for (int round = 0; round < 2; round++) {
        fake_init(&ft);
        fake_push(&ft, 503, NULL, NULL);
        hook_log h = {0};
        civis_client_options o = {.retry = {.multiplier = 0.001, .max_wait_s = 0.004},
                                  .seed = 42,
                                  .on_retry = on_retry,
                                  .hook_data = &h};
        /* fake_client forces zero_wait; build this one by hand. */
        o.api_key = "k";
        o.bundled_spec = true;
        o.transport = &fake_transport_table;
        o.transport_ctx = &ft;
        civis_client *c = NULL;
        civis_error err = CIVIS_ERROR_INIT;
        ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
        civis_response *r = NULL;
        civis_request(&r, c, "GET", "/x", NULL, &err);
        CU_ASSERT_EQUAL(h.n, 9);
        double sum = 0;
        for (int i = 0; i < 9 && i < h.n; i++) {
            double high = 0.001 * (double)(1 << i);
            if (high > 0.004)
                high = 0.004;
            CU_ASSERT(h.waits[i] >= 0 && h.waits[i] <= high);
            sum += h.waits[i];
            if (round == 0)
                first[i] = h.waits[i];
            else
                CU_ASSERT_DOUBLE_EQUAL(h.waits[i], first[i], 0); /* same seed, same waits */
        }
        CU_ASSERT(sum > 0); /* random, not always zero */
        civis_client_free(c);
        fake_clear(&ft);
        pthread_mutex_destroy(&ft.lock);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_retry__retry_after_is_a_floor(void)
{
    fake_init(&ft);
    fake_push(&ft, 429, "Retry-After: 0.2\n", NULL);
    fake_push(&ft, 200, NULL, "{}");
    hook_log h = {0};
    civis_client_options o = {.api_key = "k",
                              .bundled_spec = true,
                              .retry = {.zero_wait = true},
                              .on_retry = on_retry,
                              .hook_data = &h,
                              .transport = &fake_transport_table,
                              .transport_ctx = &ft};
    civis_client *c = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    civis_response *r = NULL;
    double t0 = now_s();
    ASSERT_CIVIS_OK(civis_request(&r, c, "GET", "/x", NULL, &err), err);
    double elapsed = now_s() - t0;
    CU_ASSERT_EQUAL(h.n, 1);
    CU_ASSERT_DOUBLE_EQUAL(h.waits[0], 0.2, 1e-9);
    CU_ASSERT(elapsed >= 0.19);
    CU_ASSERT_EQUAL(civis_response_retries(r), 1);
    civis_response_free(r);
    civis_client_free(c);
    fake_clear(&ft);
    pthread_mutex_destroy(&ft.lock);
}

static void test_retry__elapsed_limit_stops_early(void)
{
    fake_init(&ft);
    fake_push(&ft, 503, NULL, NULL);
    civis_client_options o = {
        .api_key = "k",
        .bundled_spec = true,
        .retry = {.max_elapsed_s = 0.05, .min_wait_s = 0.03, .max_wait_s = 0.03},
        .transport = &fake_transport_table,
        .transport_ctx = &ft};
    civis_client *c = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    civis_response *r = NULL;
    CU_ASSERT_EQUAL(civis_request(&r, c, "GET", "/x", NULL, &err), CIVIS_EHTTP);
    CU_ASSERT(ft.n_requests >= 2 && ft.n_requests <= 4);
    civis_client_free(c);
    fake_clear(&ft);
    pthread_mutex_destroy(&ft.lock);
    civis_client_options bad = {
        .api_key = "k", .bundled_spec = true, .retry = {.min_wait_s = 5, .max_wait_s = 1}};
    CU_ASSERT_EQUAL(civis_client_new(&c, &bad, &err), CIVIS_EINVAL);
}

/* ---- against civis-mock ---------------------------------------------------------- */

static civis_mockproc mp;
static bool mock_up;

static int suite_init(void)
{
    static const char *const args[] = {"--stateless", NULL};
    mock_up = civis_mockproc_start(&mp, args) == 0;
    return 0;
}

static int suite_cleanup(void)
{
    return mock_up && civis_mockproc_stop(&mp) != 0 ? 1 : 0;
}

/* Faults for the live tests; every rule is scoped to the test's key. */
static void fault(const char *json)
{
    CU_ASSERT_EQUAL(mock_admin(&mp, "/__mock/faults", json), 201);
}

static size_t journal_count(const char *key, const char *operation)
{
    char q[256];
    snprintf(q, sizeof(q), "api_key=%s&operation=%s", key, operation);
    cJSON *j = mock_calls(&mp, q);
    size_t n = (size_t)cJSON_GetArraySize(j);
    cJSON_Delete(j);
    return n;
}

static void test_retry_live__429_retry_after_is_obeyed(void)
{
    CU_ASSERT_FATAL(mock_up);
    fault(
        "{\"operation\": \"users.get_me\", \"retry_after\": 1, \"count\": 1, \"api_key\": \"ra\"}");
    hook_log h = {0};
    civis_client_options o = {.retry = {.zero_wait = true}, .on_retry = on_retry, .hook_data = &h};
    civis_client *c = mock_client(&mp, "ra", &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    double t0 = now_s();
    ASSERT_CIVIS_OK(civis_call(&r, c, "users", "get_me", NULL, &err), err);
    double elapsed = now_s() - t0;
    CU_ASSERT(elapsed >= 0.95);
    CU_ASSERT_EQUAL(civis_response_retries(r), 1);
    CU_ASSERT_EQUAL(h.n, 1);
    CU_ASSERT_EQUAL(h.statuses[0], 429);
    CU_ASSERT_DOUBLE_EQUAL(h.retry_after[0], 1.0, 1e-9);
    CU_ASSERT_EQUAL(journal_count("ra", "users.get_me"), 2);
    civis_response_free(r);
    civis_client_free(c);
}

static void test_retry_live__post_503_retried_502_not(void)
{
    CU_ASSERT_FATAL(mock_up);
    civis_client *c = mock_client(&mp, "p503", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    fault("{\"operation\": \"scripts.post_cancel\", \"status\": 503, \"count\": 2, \"api_key\": "
          "\"p503\"}");
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(
        civis_callv(&r, c, "scripts", "post_cancel", &err, "id", CIVIS_INT(4), CIVIS_END), err);
    CU_ASSERT_EQUAL(civis_response_retries(r), 2);
    CU_ASSERT_EQUAL(journal_count("p503", "scripts.post_cancel"), 3);
    civis_response_free(r);
    civis_client_free(c);

    c = mock_client(&mp, "p502", NULL);
    fault("{\"operation\": \"scripts.post_cancel\", \"status\": 502, \"count\": 1, \"api_key\": "
          "\"p502\"}");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(
        civis_callv(&r, c, "scripts", "post_cancel", &err, "id", CIVIS_INT(4), CIVIS_END),
        CIVIS_EHTTP);
    CU_ASSERT_EQUAL(err.http_status, 502);
    CU_ASSERT_EQUAL(journal_count("p502", "scripts.post_cancel"), 1);
    civis_client_free(c);
}

static void test_retry_live__patch_never_and_get_502_always(void)
{
    CU_ASSERT_FATAL(mock_up);
    civis_client *c = mock_client(&mp, "pa", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    fault("{\"operation\": \"files.patch\", \"status\": 503, \"count\": 1, \"api_key\": \"pa\"}");
    fault("{\"operation\": \"jobs.get\", \"status\": 502, \"api_key\": \"pa\"}");
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_callv(&r, c, "files", "patch", &err, "id", CIVIS_INT(4), "name",
                                CIVIS_STR("x"), CIVIS_END),
                    CIVIS_EHTTP);
    CU_ASSERT_EQUAL(err.http_status, 503);
    CU_ASSERT_EQUAL(journal_count("pa", "files.patch"), 1);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_callv(&r, c, "jobs", "get", &err, "id", CIVIS_INT(4), CIVIS_END),
                    CIVIS_EHTTP);
    CU_ASSERT_EQUAL(journal_count("pa", "jobs.get"), 10);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "(502) "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, " (GET /jobs/4)"));
    civis_client_free(c);
}

static CU_TestInfo tests[] = {
    {"status table by verb", test_retry__status_table_by_verb},
    {"count and hook", test_retry__count_and_hook},
    {"gives up after max attempts", test_retry__gives_up_after_max_attempts},
    {"refused connection only for idempotent verbs",
     test_retry__refused_connection_only_for_idempotent_verbs},
    {"back-off bounds and seed", test_retry__backoff_bounds_and_seed},
    {"Retry-After is a floor", test_retry__retry_after_is_a_floor},
    {"elapsed limit stops early", test_retry__elapsed_limit_stops_early},
    {"live: 429 Retry-After is obeyed", test_retry_live__429_retry_after_is_obeyed},
    {"live: POST 503 retried, 502 not", test_retry_live__post_503_retried_502_not},
    {"live: PATCH never, GET 502 always", test_retry_live__patch_never_and_get_502_always},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_retry, tests, suite_init, suite_cleanup)
