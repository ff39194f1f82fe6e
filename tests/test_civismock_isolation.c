/*
 * test_civismock_isolation.c: two tests sharing one civis-mock with different API
 * keys never see each other's stubs, faults or journal entries, even when
 * they run at the same time (two threads).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mockproc.h"
#include "test.h"

#define ROUNDS 100

static civis_mockproc mp;

static int suite_init(void)
{
    const char *args[] = {"--stateless", "--threads", "4", NULL};
    return civis_mockproc_start(&mp, args) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    return civis_mockproc_stop(&mp) == 0 ? 0 : 1;
}

typedef struct worker {
    const char *key;
    int stub_id;       /* id the stub answers with */
    int fault_status;  /* status of this key's fault on jobs.get */
    int wrong_answers; /* stubbed answers that were not ours */
    int wrong_faults;
    int failures;        /* setup or transport failures */
    int journal_entries; /* entries visible under our key */
    int foreign_entries; /* entries under our key that we did not make */
} worker;

static void *run_worker(void *arg)
{
    worker *w = arg;
    char doc[512];
    snprintf(doc, sizeof(doc),
             "{\"api_key\":\"%s\",\"request\":{\"method\":\"GET\",\"path\":\"/users/me\"},"
             "\"response\":{\"status\":200,\"body\":{\"id\":%d}}}",
             w->key, w->stub_id);
    if (civis_mockproc_json(NULL, &mp, "POST", "/__mock/stubs", NULL, doc) != 201)
        w->failures++;
    snprintf(doc, sizeof(doc), "{\"operation\":\"jobs.get\",\"status\":%d,\"api_key\":\"%s\"}",
             w->fault_status, w->key);
    if (civis_mockproc_json(NULL, &mp, "POST", "/__mock/faults", NULL, doc) != 201)
        w->failures++;

    for (int i = 0; i < ROUNDS; i++) {
        cJSON *j = NULL;
        long st = civis_mockproc_json(&j, &mp, "GET", "/users/me", w->key, NULL);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
        if (st != 200 || !cJSON_IsNumber(id) || id->valueint != w->stub_id)
            w->wrong_answers++;
        cJSON_Delete(j);
        if (civis_mockproc_json(NULL, &mp, "GET", "/jobs/1", w->key, NULL) != w->fault_status)
            w->wrong_faults++;
    }

    char path[256];
    snprintf(path, sizeof(path), "/__mock/journal?api_key=%s", w->key);
    cJSON *j = NULL;
    civis_mockproc_json(&j, &mp, "GET", path, NULL, NULL);
    w->journal_entries = cJSON_GetArraySize(j);
    for (const cJSON *e = j ? j->child : NULL; e != NULL; e = e->next) {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "path");
        if (!cJSON_IsString(p) ||
            (strcmp(p->valuestring, "/users/me") != 0 && strcmp(p->valuestring, "/jobs/1") != 0))
            w->foreign_entries++;
    }
    cJSON_Delete(j);
    return NULL;
}

static void test_isolation__two_keys_in_parallel(void)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/reset", NULL, NULL), 200);
    worker a = {.key = "isolation-key-a", .stub_id = 111, .fault_status = 503};
    worker b = {.key = "isolation-key-b", .stub_id = 222, .fault_status = 502};
    pthread_t ta, tb;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&ta, NULL, run_worker, &a), 0);
    CU_ASSERT_EQUAL_FATAL(pthread_create(&tb, NULL, run_worker, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    worker *ws[] = {&a, &b};
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(ws[i]->failures, 0);
        CU_ASSERT_EQUAL(ws[i]->wrong_answers, 0);
        CU_ASSERT_EQUAL(ws[i]->wrong_faults, 0);
        CU_ASSERT_EQUAL(ws[i]->journal_entries, 2 * ROUNDS);
        CU_ASSERT_EQUAL(ws[i]->foreign_entries, 0);
    }
    /* a third key sees neither stub nor fault */
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "GET", "/users/me", "isolation-key-c", NULL), 200);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    CU_ASSERT(cJSON_IsNumber(id) && id->valueint != 111 && id->valueint != 222);
    cJSON_Delete(j);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/jobs/1", "isolation-key-c", NULL), 200);
}

static CU_TestInfo tests[] = {
    {"two keys in parallel", test_isolation__two_keys_in_parallel},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_isolation, tests, suite_init, suite_cleanup)
