/*
 * test_client_threads.c: one client used from 8 threads at once against
 * civis-mock: plain calls, calls with arguments, failing calls, pagers and
 * the memoised helpers, all sharing one client (its spec index, handle
 * pool, back-off generator and memo). Every call must succeed with its own
 * answer, and the journal must hold exactly the requests made.
 */
#include <pthread.h>
#include <string.h>

#include "test.h"
#include "test_client_support.h"

#define THREADS 8
#define ROUNDS 25

static civis_mockproc mp;
static bool mock_up;

/* The small hand-written spec (tests/specs/subset.json): these tests check
 * synthesized answers, which the full spec's x-examples would shadow. */
static char subset[1024];

static int suite_init(void)
{
    const char *const args[] = {"--stateless", "--spec",
                                civis_test_data(subset, sizeof(subset), "specs/subset.json"), NULL};
    mock_up = civis_mockproc_start(&mp, args) == 0;
    return 0;
}

static int suite_cleanup(void)
{
    return mock_up && civis_mockproc_stop(&mp) != 0 ? 1 : 0;
}

typedef struct worker {
    civis_client *client;
    int index;
    int ok;       /* calls that answered as expected */
    int failures; /* calls that did not */
    char first_error[256];
} worker;

static void note_failure(worker *w, const civis_error *err, const char *what)
{
    if (w->failures++ == 0)
        snprintf(w->first_error, sizeof(w->first_error), "%s: %.200s", what, err->message);
}

static void *work(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < ROUNDS; i++) {
        civis_response *r = NULL;
        civis_error err = CIVIS_ERROR_INIT;
        long long id = 0;
        /* a path parameter unique to this thread and round comes back */
        long long want = 1000 * (w->index + 1) + i;
        if (civis_callv(&r, w->client, "scripts", "get_sql", &err, "id", CIVIS_INT(want),
                        CIVIS_END) == CIVIS_OK &&
            civis_response_int(&id, r, "id", &err) == CIVIS_OK && id == want)
            w->ok++;
        else
            note_failure(w, &err, "scripts.get_sql");
        civis_response_free(r);
        r = NULL;
        civis_error_clear(&err);
        /* a call refused before traffic, on the shared spec index */
        if (civis_callv(&r, w->client, "scripts", "get_sql", &err, "idd", CIVIS_INT(1),
                        CIVIS_END) == CIVIS_EINVAL &&
            strcmp(err.param, "idd") == 0)
            w->ok++;
        else
            note_failure(w, &err, "refused call");
        civis_error_clear(&err);
        /* the memoised helpers */
        if (civis_get_database_id(&id, w->client, "redshift-general", &err) == CIVIS_OK && id == 31)
            w->ok++;
        else
            note_failure(w, &err, "civis_get_database_id");
        civis_error_clear(&err);
        const cJSON *me = NULL;
        if (civis_current_user(&me, w->client, &err) == CIVIS_OK && me != NULL)
            w->ok++;
        else
            note_failure(w, &err, "civis_current_user");
    }
    /* one full walk of a paginated list per thread */
    cJSON *all = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    cJSON *args = civis_args("limit", CIVIS_INT(2), CIVIS_END);
    if (civis_list_all(&all, w->client, "credentials", "list", args, &err) == CIVIS_OK &&
        cJSON_GetArraySize(all) == 5)
        w->ok++;
    else
        note_failure(w, &err, "civis_list_all");
    cJSON_Delete(all);
    cJSON_Delete(args);
    return NULL;
}

static void test_threads__eight_threads_share_one_client(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "threads";
    CU_ASSERT_EQUAL(mock_admin(&mp, "/__mock/stubs",
                               "{\"api_key\": \"threads\", \"request\": {\"method\": \"GET\", "
                               "\"path\": \"/databases\"}, \"response\": {\"status\": 200, "
                               "\"body\": [{\"id\": 31, \"name\": \"redshift-general\"}]}}"),
                    201);
    CU_ASSERT_EQUAL(mock_admin(&mp, "/__mock/stubs",
                               "{\"api_key\": \"threads\", \"request\": {\"method\": \"GET\", "
                               "\"path\": \"/credentials\"}, \"response\": {\"status\": 200, "
                               "\"body\": [{\"id\": 1}, {\"id\": 2}, {\"id\": 3}, {\"id\": 4}, "
                               "{\"id\": 5}]}}"),
                    201);
    civis_client_options o = {.max_handles = 4}; /* fewer idle handles than threads */
    civis_client *c = mock_client(&mp, key, &o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    worker w[THREADS];
    pthread_t t[THREADS];
    memset(w, 0, sizeof(w));
    for (int i = 0; i < THREADS; i++) {
        w[i].client = c;
        w[i].index = i;
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS; i++) {
        CU_ASSERT_EQUAL(w[i].ok, 4 * ROUNDS + 1);
        CU_ASSERT_EQUAL(w[i].failures, 0);
        if (w[i].failures != 0)
            fprintf(stderr, "\n  thread %d: %s\n", i, w[i].first_error);
    }
    /* the journal holds every get_sql, each page walk, and the helpers'
     * lookups at most once per thread that raced to fill the memo */
    cJSON *j = mock_calls(&mp, "api_key=threads&operation=scripts.get_sql");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), THREADS * ROUNDS);
    cJSON_Delete(j);
    j = mock_calls(&mp, "api_key=threads&operation=credentials.list");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), THREADS * 3);
    cJSON_Delete(j);
    j = mock_calls(&mp, "api_key=threads&operation=databases.list");
    int lookups = cJSON_GetArraySize(j);
    CU_ASSERT(lookups >= 1 && lookups <= THREADS);
    cJSON_Delete(j);
    civis_client_free(c);
}

static CU_TestInfo tests[] = {
    {"eight threads share one client", test_threads__eight_threads_share_one_client},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_threads, tests, suite_init, suite_cleanup)
