/*
 * test_civismock_sim_runs.c: simulated runs. Every runnable job type of the spec
 * runs through /jobs/{id}/runs and through its own typed run paths; the
 * run policies (instant, polls:N, ms:T, fail:MESSAGE, per job through the
 * admin API); cancel and its 404 once finished; 409 while running; logs
 * with last_id, limit and Civis-Max-Id; outputs; SQL results as a gzip CSV
 * file; queries.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "civis/spec.h"
#include "mockproc.h"
#include "simtest.h"
#include "test.h"

static civis_mockproc mp;    /* bundled spec, instant runs */
static civis_mockproc polls; /* --run-policy polls:3 */
static civis_spec *spec;

static int suite_init(void)
{
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_load_bundled(&spec, &err) != CIVIS_OK) {
        fprintf(stderr, "bundled spec: %s\n", err.message);
        return 1;
    }
    const char *args[] = {"--run-policy", "polls:3", NULL};
    if (civis_mockproc_start(&mp, NULL) != 0)
        return 1;
    return civis_mockproc_start(&polls, args) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    int a = civis_mockproc_stop(&mp);
    int b = civis_mockproc_stop(&polls);
    civis_spec_free(spec);
    spec = NULL;
    return a == 0 && b == 0 ? 0 : 1;
}

#define num civis_simtest_num
#define str civis_simtest_str

static const char container_body[] =
    "{\"name\":\"c\",\"docker_image_name\":\"img\",\"docker_command\":\"run\","
    "\"required_resources\":{\"cpu\":100,\"memory\":512}}";
static const char sql_body[] =
    "{\"name\":\"q\",\"sql\":\"select 1\",\"remote_host_id\":1,\"credential_id\":2}";

static long container(const civis_mockproc *m, const char *key)
{
    return civis_simtest_post(NULL, NULL, m, key, "/scripts/containers", container_body);
}

/* GET path; returns the JSON (owned) and its status in *st. */
static cJSON *get(const civis_mockproc *m, const char *key, long *st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static cJSON *get(const civis_mockproc *m, const char *key, long *st, const char *fmt, ...)
{
    char path[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    cJSON *j = NULL;
    long s = civis_mockproc_json(&j, m, "GET", path, key, NULL);
    if (st != NULL)
        *st = s;
    return j;
}

static long start_run(const civis_mockproc *m, const char *key, const char *base, long id)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/%ld/runs", base, id);
    return civis_simtest_post(NULL, NULL, m, key, p, NULL);
}

/* The run's state as the generic run path shows it (counts as a read). */
static char *run_state(const civis_mockproc *m, const char *key, long job, long run)
{
    cJSON *j = get(m, key, NULL, "/jobs/%ld/runs/%ld", job, run);
    char *s = strdup(str(j, "state") ? str(j, "state") : "");
    cJSON_Delete(j);
    return s;
}

#define ASSERT_STATE(m, key, job, run, want)                                                       \
    do {                                                                                           \
        char *s_ = run_state(m, key, job, run);                                                    \
        if (strcmp(s_, want) != 0)                                                                 \
            fprintf(stderr, "\n  %s:%d: run %ld is %s, want %s\n", __FILE__, __LINE__,             \
                    (long)(run), s_, want);                                                        \
        CU_ASSERT_STRING_EQUAL(s_, want);                                                          \
        free(s_);                                                                                  \
    } while (0)

/* ---- every job type ----------------------------------------------------------- */

static const civis_operation *route(const civis_spec *s, const char *verb, const char *path)
{
    civis_route rt;
    civis_error err = CIVIS_ERROR_INIT;
    return civis_spec_route(&rt, s, verb, path, &err) == CIVIS_OK ? rt.op : NULL;
}

/* Runs one job of collection `coll` both ways; false on any difference. */
static bool run_job_type(const civis_mockproc *m, const civis_spec *s, const char *coll,
                         uint64_t seed)
{
    const civis_operation *post = route(s, "POST", coll);
    if (post == NULL)
        return false;
    civis_synth_options o = {.seed = seed};
    cJSON *b = post->body_schema ? civis_synthesize(s, post->body_schema, &o) : NULL;
    char *body = b ? cJSON_PrintUnformatted(b) : strdup("{}");
    cJSON_Delete(b);
    if (strcmp(coll, "/imports/files/csv") == 0) {
        /* A CSV import really loads its files: give it one (a SQL run's output). */
        long sql = civis_simtest_post(NULL, NULL, m, "jobs", "/scripts/sql", sql_body);
        char sp[96];
        snprintf(sp, sizeof(sp), "/scripts/sql/%ld/runs", sql);
        long srun = civis_simtest_post(NULL, NULL, m, "jobs", sp, NULL);
        cJSON *done = get(m, "jobs", NULL, "/scripts/sql/%ld/runs/%ld", sql, srun);
        long fid = (long)num(
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(done, "output"), 0), "fileId");
        cJSON_Delete(done);
        free(body);
        char ib[512];
        snprintf(ib, sizeof(ib),
                 "{\"name\":\"imp\",\"source\":{\"file_ids\":[%ld]},\"destination\":"
                 "{\"schema\":\"s\",\"table\":\"t%llu\",\"remote_host_id\":1,"
                 "\"credential_id\":2},\"first_row_is_header\":true,"
                 "\"existing_table_rows\":\"append\"}",
                 fid, (unsigned long long)seed);
        body = strdup(ib);
    }
    long id = civis_simtest_post(NULL, NULL, m, "jobs", coll, body);
    free(body);
    if (id <= 0)
        return false;
    bool ok = true;
    /* a query runs on creation: count what is there first */
    long st = 0;
    cJSON *before = get(m, "jobs", &st, "/jobs/%ld/runs", id);
    int base = cJSON_GetArraySize(before);
    cJSON_Delete(before);
    /* generic: POST /jobs/{id}/runs answers the run queued, 201 */
    char p[512];
    snprintf(p, sizeof(p), "/jobs/%ld/runs", id);
    cJSON *r = NULL;
    long run = civis_simtest_post(&r, &st, m, "jobs", p, NULL);
    ok = run > 0 && st == 201 && str(r, "state") && strcmp(str(r, "state"), "queued") == 0;
    cJSON_Delete(r);
    cJSON *g = get(m, "jobs", &st, "/jobs/%ld/runs/%ld", id, run);
    ok = ok && st == 200 && strcmp(str(g, "state"), "succeeded") == 0 && str(g, "finishedAt");
    cJSON_Delete(g);
    /* typed, where the spec has it */
    snprintf(p, sizeof(p), "%s/%ld/runs", coll, id);
    const civis_operation *typed = route(s, "POST", p);
    long run2 = -1;
    if (ok && typed != NULL) {
        run2 = civis_simtest_post(NULL, &st, m, "jobs", p, NULL);
        ok = run2 > 0 && st == typed->response_status;
        snprintf(p, sizeof(p), "%s/%ld/runs/%ld", coll, id, run2);
        if (ok && route(s, "GET", p) != NULL) {
            cJSON *t = get(m, "jobs", &st, "%s", p);
            cJSON *j = get(m, "jobs", NULL, "/jobs/%ld/runs/%ld", id, run2);
            ok = st == 200 && (long)num(t, "id") == run2 && str(t, "state") &&
                 strcmp(str(t, "state"), "succeeded") == 0 && str(j, "createdAt") &&
                 strcmp(str(t, "createdAt"), str(j, "createdAt")) == 0;
            cJSON_Delete(t);
            cJSON_Delete(j);
        }
    }
    /* the job shows its last run; the run list has all of them, newest first */
    cJSON *job = get(m, "jobs", &st, "/jobs/%ld", id);
    long last = run2 > 0 ? run2 : run;
    ok = ok && st == 200 &&
         (long)num(cJSON_GetObjectItemCaseSensitive(job, "lastRun"), "id") == last;
    cJSON_Delete(job);
    cJSON *list = get(m, "jobs", &st, "/jobs/%ld/runs", id);
    ok = ok && st == 200 && cJSON_GetArraySize(list) == base + (run2 > 0 ? 2 : 1) &&
         (long)num(cJSON_GetArrayItem(list, 0), "id") == last;
    cJSON_Delete(list);
    if (!ok)
        fprintf(stderr, "\n  job type %s (job %ld) failed\n", coll, id);
    return ok;
}

static int run_every_job_type(const civis_mockproc *m, const civis_spec *s)
{
    /* Synthesized SQL is not SQL: a declared result set stands in for it. */
    civis_simtest_admin(NULL, m, "POST", "/__mock/sim/csv", "jobs", "text/csv", "a\n1\n");
    cJSON *info = NULL;
    civis_mockproc_json(&info, m, "GET", "/__mock/sim", NULL, NULL);
    const cJSON *jobs = cJSON_GetObjectItemCaseSensitive(info, "jobs");
    int n = 0, ok = 0;
    for (const cJSON *j = jobs ? jobs->child : NULL; j != NULL; j = j->next, n++)
        ok += run_job_type(m, s, j->valuestring, (uint64_t)n + 1);
    cJSON_Delete(info);
    CU_ASSERT_EQUAL(ok, n);
    return n;
}

static void test_runs__every_job_type_of_the_bundled_spec(void)
{
    int n = run_every_job_type(&mp, spec);
    CU_ASSERT(n >= 8); /* sql, containers, python3, custom, imports, csv imports, ... */
}

static void test_runs__every_job_type_of_the_full_spec(void)
{
    const char *path = civis_test_full_spec("mock_sim_runs full spec");
    if (path == NULL)
        return;
    civis_spec *full = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_load_file(&full, path, &err), err);
    civis_mockproc fm;
    const char *args[] = {"--spec", path, NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&fm, args), 0);
    int n = run_every_job_type(&fm, full);
    CU_ASSERT(n >= 15); /* + r, dbt, javascript, exports, enhancements, media */
    CU_ASSERT_EQUAL(civis_mockproc_stop(&fm), 0);
    civis_spec_free(full);
}

/* ---- policies ------------------------------------------------------------------- */

static void test_runs__polls_policy_moves_on_the_nth_read(void)
{
    long id = container(&polls, "p");
    long run = start_run(&polls, "p", "/scripts/containers", id);
    CU_ASSERT_FATAL(run > 0);
    cJSON *j = get(&polls, "p", NULL, "/scripts/containers/%ld/runs/%ld", id, run);
    CU_ASSERT_STRING_EQUAL(str(j, "state"), "running");
    CU_ASSERT_PTR_NOT_NULL(str(j, "startedAt"));
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "finishedAt")));
    CU_ASSERT_EQUAL((long)num(j, "containerId"), id);
    cJSON_Delete(j);
    ASSERT_STATE(&polls, "p", id, run, "running");
    ASSERT_STATE(&polls, "p", id, run, "succeeded");
    ASSERT_STATE(&polls, "p", id, run, "succeeded");
    j = get(&polls, "p", NULL, "/jobs/%ld/runs/%ld", id, run);
    CU_ASSERT_PTR_NOT_NULL(str(j, "finishedAt"));
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "error")));
    cJSON_Delete(j);
}

static void test_runs__second_run_while_one_is_unfinished_is_409(void)
{
    long id = container(&polls, "p409");
    char p[64];
    snprintf(p, sizeof(p), "/jobs/%ld/runs", id);
    long run = civis_simtest_post(NULL, NULL, &polls, "p409", p, NULL);
    CU_ASSERT_FATAL(run > 0);
    cJSON *e = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&e, &polls, "POST", p, "p409", "{}"), 409);
    CU_ASSERT_STRING_EQUAL(str(e, "error"), "already_running");
    CU_ASSERT_EQUAL(num(e, "code"), 409);
    cJSON_Delete(e);
    for (int i = 0; i < 3; i++)
        free(run_state(&polls, "p409", id, run));
    CU_ASSERT(civis_simtest_post(NULL, NULL, &polls, "p409", p, NULL) > run);
}

static long iso_ms(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    int ms = 0;
    if (s == NULL || sscanf(s, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                            &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) != 7)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long)timegm(&tm) * 1000 + ms;
}

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void test_runs__ms_policy_set_per_job_finishes_after_t(void)
{
    long id = container(&mp, "ms");
    char p[96];
    snprintf(p, sizeof(p), "/__mock/sim/jobs/%ld/policy", id);
    CU_ASSERT_EQUAL(
        civis_simtest_admin(NULL, &mp, "POST", p, "ms", NULL, "{\"policy\":\"ms\",\"ms\":300}"),
        200);
    double t0 = mono_ms();
    long run = start_run(&mp, "ms", "/scripts/containers", id);
    char *s = run_state(&mp, "ms", id, run);
    /* The state depends on how long the round trip took, which the test
     * measures rather than assumes. */
    if (mono_ms() - t0 < 250)
        CU_ASSERT_STRING_EQUAL(s, "running");
    free(s);
    while (mono_ms() - t0 < 350)
        usleep(10000);
    cJSON *j = get(&mp, "ms", NULL, "/jobs/%ld/runs/%ld", id, run);
    CU_ASSERT_STRING_EQUAL(str(j, "state"), "succeeded");
    CU_ASSERT_EQUAL(iso_ms(str(j, "finishedAt")) - iso_ms(str(j, "createdAt")), 300);
    cJSON_Delete(j);
    /* other jobs keep the global policy */
    long other = container(&mp, "ms");
    long r2 = start_run(&mp, "ms", "/scripts/containers", other);
    ASSERT_STATE(&mp, "ms", other, r2, "succeeded");
}

static void test_runs__fail_policies_fail_with_their_error(void)
{
    /* per job, through the admin API, after 2 reads */
    long id = container(&mp, "fail");
    char p[96];
    snprintf(p, sizeof(p), "/__mock/sim/jobs/%ld/policy", id);
    CU_ASSERT_EQUAL(civis_simtest_admin(NULL, &mp, "POST", p, "fail", NULL,
                                        "{\"policy\":\"fail\",\"error\":\"boom\",\"n\":2}"),
                    200);
    long run = start_run(&mp, "fail", "/scripts/containers", id);
    ASSERT_STATE(&mp, "fail", id, run, "running");
    cJSON *j = get(&mp, "fail", NULL, "/scripts/containers/%ld/runs/%ld", id, run);
    CU_ASSERT_STRING_EQUAL(str(j, "state"), "failed");
    CU_ASSERT_STRING_EQUAL(str(j, "error"), "boom");
    cJSON_Delete(j);
    /* the failure is in the log, as an error line */
    j = get(&mp, "fail", NULL, "/jobs/%ld/runs/%ld/logs", id, run);
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(j, 0), "message"), "boom");
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(j, 0), "level"), "error");
    cJSON_Delete(j);
    /* a bad policy names the field */
    cJSON *e = NULL;
    CU_ASSERT_EQUAL(
        civis_simtest_admin(&e, &mp, "POST", p, "fail", NULL, "{\"policy\":\"polls\",\"n\":0}"),
        400);
    CU_ASSERT_PTR_NOT_NULL(strstr(str(e, "errorDescription"), "'n'"));
    cJSON_Delete(e);

    /* globally, from the command line */
    civis_mockproc fm;
    const char *args[] = {"--run-policy", "fail:kaput", NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&fm, args), 0);
    id = container(&fm, "k");
    run = start_run(&fm, "k", "/scripts/containers", id);
    j = get(&fm, "k", NULL, "/jobs/%ld/runs/%ld", id, run);
    CU_ASSERT_STRING_EQUAL(str(j, "state"), "failed");
    CU_ASSERT_STRING_EQUAL(str(j, "error"), "kaput");
    cJSON_Delete(j);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&fm), 0);

    /* and a bad flag is refused at start-up */
    char *err = NULL;
    const char *bad[] = {"--run-policy", "polls:zero", NULL};
    CU_ASSERT_EQUAL(civis_mockproc_run(bad, NULL, NULL, &err), 2);
    CU_ASSERT(err != NULL && strstr(err, "--run-policy") != NULL && strstr(err, "polls:N"));
    free(err);
}

static void test_runs__admin_moves_a_run_by_hand(void)
{
    long id = container(&polls, "hand");
    long run = start_run(&polls, "hand", "/scripts/containers", id);
    char p[128];
    snprintf(p, sizeof(p), "/__mock/sim/jobs/%ld/runs/%ld/state", id, run);
    CU_ASSERT_EQUAL(civis_simtest_admin(NULL, &polls, "POST", p, "hand", NULL,
                                        "{\"state\":\"failed\",\"error\":\"by hand\"}"),
                    200);
    cJSON *j = get(&polls, "hand", NULL, "/jobs/%ld/runs/%ld", id, run);
    CU_ASSERT_STRING_EQUAL(str(j, "state"), "failed");
    CU_ASSERT_STRING_EQUAL(str(j, "error"), "by hand");
    cJSON_Delete(j);
    CU_ASSERT_EQUAL(
        civis_simtest_admin(NULL, &polls, "POST", p, "hand", NULL, "{\"state\":\"succeeded\"}"),
        409);
    /* an unknown job is a 404 */
    CU_ASSERT_EQUAL(civis_simtest_admin(NULL, &polls, "POST", "/__mock/sim/jobs/99999/policy",
                                        "hand", NULL, "{\"policy\":\"instant\"}"),
                    404);
}

/* ---- cancel ---------------------------------------------------------------------- */

static void test_runs__cancel_then_404_once_finished(void)
{
    long id = container(&polls, "c");
    long run = start_run(&polls, "c", "/scripts/containers", id);
    char p[128];
    snprintf(p, sizeof(p), "/scripts/%ld/cancel", id);
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &polls, "POST", p, "c", NULL), 202);
    CU_ASSERT_EQUAL((long)num(j, "id"), run);
    CU_ASSERT_STRING_EQUAL(str(j, "state"), "cancelled");
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "isCancelRequested")));
    cJSON_Delete(j);
    ASSERT_STATE(&polls, "c", id, run, "cancelled");
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &polls, "POST", p, "c", NULL), 404);

    /* the run-cancel endpoint of a typed path */
    long sql = civis_simtest_post(NULL, NULL, &polls, "c", "/scripts/sql", sql_body);
    long r2 = start_run(&polls, "c", "/scripts/sql", sql);
    snprintf(p, sizeof(p), "/scripts/sql/%ld/runs/%ld", sql, r2);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &polls, "DELETE", p, "c", NULL), 202);
    cJSON *g = get(&polls, "c", NULL, "%s", p);
    CU_ASSERT_STRING_EQUAL(str(g, "state"), "cancelled");
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g, "isCancelRequested")));
    cJSON_Delete(g);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &polls, "DELETE", p, "c", NULL), 404);

    /* an instant run is finished before anyone can cancel it */
    long fast = container(&mp, "c");
    start_run(&mp, "c", "/scripts/containers", fast);
    snprintf(p, sizeof(p), "/scripts/%ld/cancel", fast);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", p, "c", NULL), 404);
}

/* ---- logs ------------------------------------------------------------------------ */

static long log_id(const cJSON *arr, int i)
{
    return (long)num(cJSON_GetArrayItem(arr, i), "id");
}

static void test_runs__logs_newest_first_last_id_limit_and_max_id(void)
{
    long id = container(&mp, "logs");
    char p[160];
    snprintf(p, sizeof(p), "/__mock/sim/jobs/%ld/logs", id);
    CU_ASSERT_EQUAL(civis_simtest_admin(NULL, &mp, "POST", p, "logs", NULL,
                                        "[\"first\",{\"message\":\"second\",\"level\":\"warn\"}]"),
                    200);
    long run = start_run(&mp, "logs", "/scripts/containers", id);
    snprintf(p, sizeof(p), "/__mock/sim/jobs/%ld/runs/%ld/logs", id, run);
    CU_ASSERT_EQUAL(
        civis_simtest_admin(NULL, &mp, "POST", p, "logs", NULL, "[\"third\",\"fourth\"]"), 200);
    snprintf(p, sizeof(p), "/scripts/containers/%ld/runs/%ld/logs", id, run);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", p, "logs",
                                        "{\"message\":\"fifth\",\"level\":\"error\"}"),
                    204);

    civis_http_reply r;
    snprintf(p, sizeof(p), "/jobs/%ld/runs/%ld/logs", id, run);
    civis_mockproc_call(&r, &mp, "GET", p, "logs", NULL);
    cJSON *all = civis_http_reply_json(&r);
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(all), 5);
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(all, 0), "message"), "fifth");
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(all, 3), "level"), "warn");
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(all, 4), "message"), "first");
    for (int i = 0; i + 1 < 5; i++)
        CU_ASSERT(log_id(all, i) > log_id(all, i + 1));
    const char *max = civis_http_reply_header(&r, "Civis-Max-Id");
    CU_ASSERT(max != NULL && atol(max) == log_id(all, 0));
    const char *cc = civis_http_reply_header(&r, "Civis-Cache-Control");
    CU_ASSERT(cc != NULL && strcmp(cc, "store") == 0);
    civis_http_reply_clear(&r);

    /* limit: the newest ones */
    cJSON *two = get(&mp, "logs", NULL, "/jobs/%ld/runs/%ld/logs?limit=2", id, run);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(two), 2);
    CU_ASSERT_EQUAL(log_id(two, 0), log_id(all, 0));
    cJSON_Delete(two);
    /* last_id: what came after it, in id order */
    cJSON *after = get(&mp, "logs", NULL, "/jobs/%ld/runs/%ld/logs?last_id=%ld&limit=2", id, run,
                       log_id(all, 4));
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(after), 2);
    CU_ASSERT_EQUAL(log_id(after, 0), log_id(all, 3));
    CU_ASSERT_EQUAL(log_id(after, 1), log_id(all, 2));
    cJSON_Delete(after);
    after = get(&mp, "logs", NULL, "/jobs/%ld/runs/%ld/logs?last_id=%ld", id, run, log_id(all, 0));
    CU_ASSERT(cJSON_IsArray(after) && cJSON_GetArraySize(after) == 0);
    cJSON_Delete(after);
    cJSON_Delete(all);

    /* a run that is still going: no-store, and no Civis-Max-Id before any line */
    long slow = container(&polls, "logs");
    long sr = start_run(&polls, "logs", "/scripts/containers", slow);
    snprintf(p, sizeof(p), "/jobs/%ld/runs/%ld/logs", slow, sr);
    civis_mockproc_call(&r, &polls, "GET", p, "logs", NULL);
    cc = civis_http_reply_header(&r, "Civis-Cache-Control");
    CU_ASSERT(cc != NULL && strcmp(cc, "no-store") == 0);
    CU_ASSERT_PTR_NULL(civis_http_reply_header(&r, "Civis-Max-Id"));
    civis_http_reply_clear(&r);
}

/* ---- outputs --------------------------------------------------------------------- */

static void test_runs__outputs_set_per_job_added_by_post_and_admin(void)
{
    long jv = civis_simtest_post(NULL, NULL, &mp, "out", "/json_values",
                                 "{\"name\":\"answer\",\"valueStr\":\"{\\\"Keep\\\": 42}\"}");
    long file = civis_simtest_post(NULL, NULL, &mp, "out", "/files", "{\"name\":\"f.csv\"}");
    long id = container(&mp, "out");
    char p[160], b[160];
    snprintf(p, sizeof(p), "/__mock/sim/jobs/%ld/outputs", id);
    snprintf(b, sizeof(b), "[{\"object_type\":\"JSONValue\",\"object_id\":%ld}]", jv);
    CU_ASSERT_EQUAL(civis_simtest_admin(NULL, &mp, "POST", p, "out", NULL, b), 200);
    long run = start_run(&mp, "out", "/scripts/containers", id);

    snprintf(p, sizeof(p), "/scripts/containers/%ld/runs/%ld/outputs", id, run);
    snprintf(b, sizeof(b), "{\"objectType\":\"File\",\"objectId\":%ld}", file);
    cJSON *added = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&added, &mp, "POST", p, "out", b), 202);
    CU_ASSERT_STRING_EQUAL(str(added, "name"), "f.csv");
    cJSON_Delete(added);
    snprintf(p, sizeof(p), "/__mock/sim/jobs/%ld/runs/%ld/outputs", id, run);
    CU_ASSERT_EQUAL(civis_simtest_admin(NULL, &mp, "POST", p, "out", NULL,
                                        "{\"objectType\":\"Table\",\"objectId\":7,"
                                        "\"name\":\"schema.table\"}"),
                    200);

    civis_http_reply r;
    snprintf(p, sizeof(p), "/jobs/%ld/runs/%ld/outputs", id, run);
    civis_mockproc_call(&r, &mp, "GET", p, "out", NULL);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"value\":{\"Keep\": 42}")); /* raw, as sent */
    cJSON *outs = civis_http_reply_json(&r);
    civis_http_reply_clear(&r);
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(outs), 3);
    const cJSON *o0 = cJSON_GetArrayItem(outs, 0);
    CU_ASSERT_STRING_EQUAL(str(o0, "objectType"), "JSONValue");
    CU_ASSERT_STRING_EQUAL(str(o0, "name"), "answer");
    CU_ASSERT_EQUAL((long)num(o0, "objectId"), jv);
    const cJSON *o1 = cJSON_GetArrayItem(outs, 1);
    CU_ASSERT_STRING_EQUAL(str(o1, "objectType"), "File");
    snprintf(b, sizeof(b), "/files/%ld", file);
    CU_ASSERT(str(o1, "link") != NULL && strstr(str(o1, "link"), b) != NULL);
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(outs, 2), "name"), "schema.table");
    cJSON_Delete(outs);
    /* the typed list sees the same outputs */
    cJSON *typed = get(&mp, "out", NULL, "/scripts/containers/%ld/runs/%ld/outputs", id, run);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(typed), 3);
    cJSON_Delete(typed);
    /* a bad output is refused */
    snprintf(p, sizeof(p), "/__mock/sim/jobs/%ld/runs/%ld/outputs", id, run);
    CU_ASSERT_EQUAL(civis_simtest_admin(NULL, &mp, "POST", p, "out", NULL, "[{\"x\":1}]"), 400);
}

/* ---- SQL results ------------------------------------------------------------------ */

static char *gunzip(const char *in, size_t len, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 15 + 16) != Z_OK)
        return NULL;
    size_t cap = 4096, n = 0;
    char *out = malloc(cap);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    int rc = Z_OK;
    while (out != NULL && rc == Z_OK) {
        if (n == cap) {
            char *g = realloc(out, cap * 2);
            if (g == NULL) {
                free(out);
                out = NULL;
                break;
            }
            out = g;
            cap *= 2;
        }
        zs.next_out = (Bytef *)out + n;
        zs.avail_out = (uInt)(cap - n);
        rc = inflate(&zs, Z_NO_FLUSH);
        n = cap - zs.avail_out;
    }
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    out[n < cap ? n : cap - 1] = '\0';
    *out_len = n;
    return out;
}

/* Runs a SQL script and downloads its output; returns the bytes. */
static char *sql_result(const char *key, long sql, size_t *len, cJSON **run_out)
{
    long run = start_run(&mp, key, "/scripts/sql", sql);
    cJSON *r = get(&mp, key, NULL, "/scripts/sql/%ld/runs/%ld", sql, run);
    const cJSON *out = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "output"), 0);
    const char *url = str(out, "path");
    char *body = NULL;
    *len = 0;
    if (url == NULL || civis_simtest_get_url(&body, len, url) != 200) {
        free(body);
        body = NULL;
    }
    *run_out = r;
    return body;
}

static void test_runs__sql_run_output_is_a_gzip_csv_file(void)
{
    const char csv[] = "a,b\n1,\"x, y\"\n2,z\n";
    long sql = civis_simtest_post(NULL, NULL, &mp, "sql", "/scripts/sql", sql_body);
    char p[96];
    snprintf(p, sizeof(p), "/__mock/sim/scripts/%ld/csv", sql);
    CU_ASSERT_EQUAL(civis_simtest_admin(NULL, &mp, "POST", p, "sql", "text/csv", csv), 200);
    size_t zlen = 0, plen = 0;
    cJSON *run = NULL;
    char *gz = sql_result("sql", sql, &zlen, &run);
    CU_ASSERT_PTR_NOT_NULL_FATAL(gz);
    char *plain = gunzip(gz, zlen, &plen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
    CU_ASSERT_EQUAL(plen, strlen(csv));
    CU_ASSERT_STRING_EQUAL(plain, csv);
    free(plain);
    /* the output's file is a File of the store, whose fileUrl serves the same bytes */
    const cJSON *out = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(run, "output"), 0);
    CU_ASSERT_PTR_NOT_NULL(str(out, "outputName"));
    cJSON *f = get(&mp, "sql", NULL, "/files/%ld", (long)num(out, "fileId"));
    CU_ASSERT_EQUAL((size_t)num(f, "fileSize"), zlen);
    char *again = NULL;
    size_t alen = 0;
    CU_ASSERT_EQUAL(civis_simtest_get_url(&again, &alen, str(f, "fileUrl")), 200);
    CU_ASSERT(alen == zlen && memcmp(again, gz, zlen) == 0);
    free(again);
    free(gz);
    cJSON_Delete(f);
    cJSON_Delete(run);

    /* no result set declared: the SQL runs for real ("select 1" is Redshift's ?column?) */
    long empty = civis_simtest_post(NULL, NULL, &mp, "sql", "/scripts/sql", sql_body);
    gz = sql_result("sql", empty, &zlen, &run);
    plain = gz ? gunzip(gz, zlen, &plen) : NULL;
    CU_ASSERT(plain != NULL && strcmp(plain, "?column?\n1\n") == 0);
    free(plain);
    free(gz);
    cJSON_Delete(run);

    /* csv_settings: no header, no compression */
    long bare = civis_simtest_post(NULL, NULL, &mp, "sql", "/scripts/sql",
                                   "{\"name\":\"q\",\"sql\":\"select 1\",\"remote_host_id\":1,"
                                   "\"credential_id\":2,\"csv_settings\":{\"include_header\":"
                                   "false,\"compression\":\"none\"}}");
    snprintf(p, sizeof(p), "/__mock/sim/jobs/%ld/csv", bare);
    civis_simtest_admin(NULL, &mp, "POST", p, "sql", "text/csv", csv);
    plain = sql_result("sql", bare, &plen, &run);
    CU_ASSERT(plain != NULL && strcmp(plain, "1,\"x, y\"\n2,z\n") == 0);
    free(plain);
    cJSON_Delete(run);
}

static void test_runs__queries_run_on_creation_and_show_results(void)
{
    CU_ASSERT_EQUAL(civis_simtest_admin(NULL, &polls, "POST", "/__mock/sim/csv", "qk", "text/csv",
                                        "n,name\n1,one\n2,two\n3,three\n"),
                    200);
    cJSON *q = NULL;
    long st = 0;
    long id = civis_simtest_post(&q, &st, &polls, "qk", "/queries",
                                 "{\"database\":1,\"sql\":\"select 1\",\"credential\":2,"
                                 "\"preview_rows\":2}");
    CU_ASSERT_EQUAL(st, 200); /* as the real API answers */
    CU_ASSERT_STRING_EQUAL(str(q, "state"), "queued");
    long run = (long)num(q, "lastRunId");
    cJSON_Delete(q);
    const char *want[] = {"running", "running", "succeeded"};
    for (int i = 0; i < 3; i++) {
        q = get(&polls, "qk", NULL, "/queries/%ld", id);
        CU_ASSERT_STRING_EQUAL(str(q, "state"), want[i]);
        if (i < 2)
            cJSON_Delete(q);
    }
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(q, "resultColumns");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(q, "resultRows");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cols), 2);
    CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(cols, 1)->valuestring, "name");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(rows), 2); /* previewRows */
    CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 1), 1)->valuestring, "two");
    cJSON_Delete(q);
    q = get(&polls, "qk", &st, "/queries/%ld/runs/%ld", id, run);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_STRING_EQUAL(str(q, "state"), "succeeded");
    CU_ASSERT_EQUAL((long)num(q, "queryId"), id);
    cJSON_Delete(q);
}

static CU_TestInfo tests[] = {
    {"every job type (bundled spec)", test_runs__every_job_type_of_the_bundled_spec},
    {"every job type (full spec)", test_runs__every_job_type_of_the_full_spec},
    {"polls:N", test_runs__polls_policy_moves_on_the_nth_read},
    {"409 while running", test_runs__second_run_while_one_is_unfinished_is_409},
    {"ms:T per job", test_runs__ms_policy_set_per_job_finishes_after_t},
    {"fail policies", test_runs__fail_policies_fail_with_their_error},
    {"admin state", test_runs__admin_moves_a_run_by_hand},
    {"cancel", test_runs__cancel_then_404_once_finished},
    {"logs", test_runs__logs_newest_first_last_id_limit_and_max_id},
    {"outputs", test_runs__outputs_set_per_job_added_by_post_and_admin},
    {"SQL gzip CSV", test_runs__sql_run_output_is_a_gzip_csv_file},
    {"queries", test_runs__queries_run_on_creation_and_show_results},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_sim_runs, tests, suite_init, suite_cleanup)
