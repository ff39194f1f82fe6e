/*
 * test_client_jobs.c: run_job, run_template, run outputs and job_logs. The
 * request sequences on the scripted transport (what the official client
 * sends, in order), then against civis-mock's run simulation; and the
 * container example program end to end against civis-mock started with
 * --run-policy instant, polls:3 and fail:boom.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "test.h"
#include "test_client_support.h"
#include "civis/future.h"
#include "civis/jobs.h"

static civis_mockproc mp;
static bool mock_up;

static int suite_init(void)
{
    static const char *const args[] = {"--run-policy", "instant", NULL};
    mock_up = civis_mockproc_start(&mp, args) == 0;
    return 0;
}

static int suite_cleanup(void)
{
    return mock_up && civis_mockproc_stop(&mp) != 0 ? 1 : 0;
}

static const civis_future_options fast = {.interval_ms = 5};

/* ---- the scripted transport ------------------------------------------------------ */

static void test_jobs__run_job_posts_then_polls_later(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 201, NULL, "{\"id\": 34, \"state\": \"queued\"}");
    fake_push(&ft, 200, NULL, "{\"id\": 34, \"state\": \"succeeded\"}");
    civis_client *c = fake_client(&ft, NULL);
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_run_job(&f, c, 12, &fast, &err), err);
    CU_ASSERT_EQUAL(civis_future_job_id(f), 12);
    CU_ASSERT_EQUAL(civis_future_run_id(f), 34);
    CU_ASSERT_EQUAL(ft.n_requests, 1);
    CU_ASSERT_STRING_EQUAL(ft.requests[0].method, "POST");
    CU_ASSERT_STRING_EQUAL(ft.requests[0].path, "/jobs/12/runs");
    /* poll_on_creation=False: nothing is due right away */
    CU_ASSERT_FALSE(civis_future_done(f));
    CU_ASSERT_EQUAL(ft.n_requests, 1);
    ASSERT_CIVIS_OK(civis_future_result(NULL, f, &err), err);
    CU_ASSERT_STRING_EQUAL(ft.requests[1].method, "GET");
    CU_ASSERT_STRING_EQUAL(ft.requests[1].path, "/jobs/12/runs/34");
    civis_future_free(f);

    f = (civis_future *)&ft;
    CU_ASSERT_EQUAL(civis_run_job(&f, c, 0, NULL, &err), CIVIS_EINVAL);
    CU_ASSERT_PTR_NULL(f);
    civis_client_free(c);
    fake_clear(&ft);
}

/* A list answer that is the only page (the pager stops after it). */
static const char one_page[] = "X-Pagination-Total-Pages: 1\nX-Pagination-Current-Page: 1\n";

static void test_jobs__run_template_sequence_and_files_map(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 201, NULL, "{\"id\": 5, \"fromTemplateId\": 77}");
    fake_push(&ft, 202, NULL, "{\"id\": 6, \"state\": \"queued\"}");
    fake_push(&ft, 200, NULL, "{\"id\": 6, \"state\": \"succeeded\"}");
    fake_push(&ft, 200, one_page,
              "[{\"objectType\": \"File\", \"objectId\": 11, \"name\": \"f\"},"
              " {\"objectType\": \"JSONValue\", \"objectId\": 12, \"name\": \"j\","
              "  \"value\": {\"someKey\": [1, 2]}}]");
    civis_client *c = fake_client(&ft, NULL);
    cJSON *arguments = civis_args("table", CIVIS_STR("a.b"), "nRows", CIVIS_INT(3), CIVIS_END);
    cJSON *extra = civis_args("name", CIVIS_STR("from C"), CIVIS_END);
    cJSON *files = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_run_template_files(&files, c, 77, arguments, extra, &fast, &err), err);
    char *text = cJSON_PrintUnformatted(files);
    CU_ASSERT_STRING_EQUAL(text, "{\"f\":11,\"j\":12}");
    cJSON_free(text);
    cJSON_Delete(files);
    CU_ASSERT_EQUAL_FATAL(ft.n_requests, 4);
    CU_ASSERT_STRING_EQUAL(ft.requests[0].path, "/scripts/custom");
    cJSON *body = cJSON_Parse(ft.requests[0].body);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(body, "from_template_id")->valuedouble, 77);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(body, "name")->valuestring, "from C");
    /* the template's arguments are sent as given, keys untouched */
    CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(body, "arguments"), "nRows"));
    cJSON_Delete(body);
    CU_ASSERT_STRING_EQUAL(ft.requests[1].path, "/scripts/custom/5/runs");
    CU_ASSERT_STRING_EQUAL(ft.requests[2].path, "/scripts/custom/5/runs/6");
    CU_ASSERT_STRING_EQUAL(ft.requests[3].path, "/scripts/custom/5/runs/6/outputs");
    fake_clear(&ft);

    /* JSONValue: the first JSONValue output's value, keys as sent */
    fake_push(&ft, 201, NULL, "{\"id\": 5}");
    fake_push(&ft, 202, NULL, "{\"id\": 6}");
    fake_push(&ft, 200, NULL, "{\"id\": 6, \"state\": \"succeeded\"}");
    fake_push(&ft, 200, one_page,
              "[{\"objectType\": \"File\", \"objectId\": 11, \"name\": \"f\"},"
              " {\"objectType\": \"JSONValue\", \"objectId\": 12, \"name\": \"j\","
              "  \"value\": {\"someKey\": [1, 2]}}]");
    cJSON *value = NULL;
    ASSERT_CIVIS_OK(civis_run_template_json_value(&value, c, 77, arguments, NULL, &fast, &err),
                    err);
    text = cJSON_PrintUnformatted(value);
    CU_ASSERT_STRING_EQUAL(text, "{\"someKey\":[1,2]}");
    cJSON_free(text);
    cJSON_Delete(value);
    fake_clear(&ft);

    /* no JSONValue output */
    fake_push(&ft, 201, NULL, "{\"id\": 5}");
    fake_push(&ft, 202, NULL, "{\"id\": 6}");
    fake_push(&ft, 200, NULL, "{\"id\": 6, \"state\": \"succeeded\"}");
    fake_push(&ft, 200, one_page, "[]");
    value = (cJSON *)&ft;
    CU_ASSERT_EQUAL(civis_run_template_json_value(&value, c, 77, NULL, NULL, &fast, &err),
                    CIVIS_EEMPTY);
    CU_ASSERT_PTR_NULL(value);
    CU_ASSERT_STRING_EQUAL(err.message, "run 6 of template script 5 has no JSONValue output");
    fake_clear(&ft);

    /* a failed template run is the error */
    fake_push(&ft, 201, NULL, "{\"id\": 5}");
    fake_push(&ft, 202, NULL, "{\"id\": 6}");
    fake_push(&ft, 200, NULL, "{\"id\": 6, \"state\": \"failed\", \"error\": \"bad table\"}");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_run_template_files(&files, c, 77, NULL, NULL, &fast, &err), CIVIS_EJOB);
    CU_ASSERT_STRING_EQUAL(err.message, "(From job 5 / run 6) bad table");
    CU_ASSERT_PTR_NULL(files);
    CU_ASSERT_EQUAL(ft.n_requests, 3);
    cJSON_Delete(arguments);
    cJSON_Delete(extra);
    civis_client_free(c);
    fake_clear(&ft);
}

/* A log line as the API sends it. */
#define LINE(id, at, msg)                                                                          \
    "{\"id\": " #id ", \"createdAt\": \"" at "\", \"message\": \"" msg "\", \"level\": \"info\"}"

static void test_jobs__job_logs_follows_the_official_loop(void)
{
    fake_transport ft;
    fake_init(&ft);
    /* newest run lookup */
    fake_push(&ft, 200, NULL, "[{\"id\": 40, \"state\": \"running\"}]");
    /* batch 1: two lines out of order, the server has 3: ask again at once */
    fake_push(&ft, 200, "Civis-Max-Id: 3\nCivis-Cache-Control: no-store\n",
              "[" LINE(2, "2020-01-01T00:00:02Z", "second") "," LINE(1, "2020-01-01T00:00:01Z",
                                                                     "first") "]");
    /* batch 2: caught up (old lines: the effective max is our max), log still open */
    fake_push(&ft, 200, "Civis-Max-Id: 3\nCivis-Cache-Control: no-store\n",
              "[" LINE(3, "2020-01-01T00:00:03Z", "third") "]");
    /* batch 3: a repeat and a late line; the log is now final */
    fake_push(&ft, 200, "Civis-Max-Id: 4\nCivis-Cache-Control: store\n",
              "[" LINE(3, "2020-01-01T00:00:03Z", "third") "," LINE(4, "2020-01-01T00:00:04Z",
                                                                    "fourth") "]");
    fake_push(&ft, 200, "Civis-Max-Id: 4\nCivis-Cache-Control: store\n", "[]");
    civis_client *c = fake_client(&ft, NULL);
    civis_job_logs *lg = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_job_logs_options o = {.poll_interval_ms = 1};
    ASSERT_CIVIS_OK(civis_job_logs_new(&lg, c, 9, &o, &err), err);
    CU_ASSERT_EQUAL(civis_job_logs_run_id(lg), 40);
    CU_ASSERT_STRING_EQUAL(ft.requests[0].path, "/jobs/9/runs");
    CU_ASSERT_PTR_NOT_NULL(strstr(ft.requests[0].query, "limit=1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ft.requests[0].query, "order=id"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ft.requests[0].query, "order_dir=desc"));
    const char *want[] = {"first", "second", "third", "fourth"};
    const cJSON *line = NULL;
    size_t n = 0;
    while (civis_job_logs_next(&line, lg, &err) == CIVIS_OK && line != NULL) {
        if (n < 4)
            CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(civis_json_get(line, "message")), want[n]);
        CU_ASSERT_PTR_NOT_NULL(civis_json_get(line, "created_at"));
        n++;
    }
    CU_ASSERT_EQUAL(err.code, CIVIS_OK);
    CU_ASSERT_EQUAL(n, 4);
    CU_ASSERT_EQUAL(civis_job_logs_requests(lg), 3);
    CU_ASSERT_EQUAL_FATAL(ft.n_requests, 4);
    CU_ASSERT_STRING_EQUAL(ft.requests[1].path, "/jobs/9/runs/40/logs");
    CU_ASSERT_PTR_NOT_NULL(strstr(ft.requests[1].query, "last_id=0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ft.requests[1].query, "limit=250"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ft.requests[2].query, "last_id=2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(ft.requests[3].query, "last_id=3"));
    /* at the end it stays at the end, without more requests */
    ASSERT_CIVIS_OK(civis_job_logs_next(&line, lg, &err), err);
    CU_ASSERT_PTR_NULL(line);
    CU_ASSERT_EQUAL(ft.n_requests, 4);
    civis_job_logs_free(lg);
    fake_clear(&ft);

    /* a finished run that never logged: one request, no lines, no endless loop */
    fake_push(&ft, 200, "Civis-Cache-Control: store\n", "[]");
    o.run_id = 41;
    ASSERT_CIVIS_OK(civis_job_logs_new(&lg, c, 9, &o, &err), err);
    ASSERT_CIVIS_OK(civis_job_logs_next(&line, lg, &err), err);
    CU_ASSERT_PTR_NULL(line);
    CU_ASSERT_EQUAL(ft.n_requests, 1);
    civis_job_logs_free(lg);
    fake_clear(&ft);

    /* recent lines: after catching up it asks from the start again (late lines) */
    char recent[64];
    time_t now = time(NULL);
    strftime(recent, sizeof(recent), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    char batch[256];
    snprintf(batch, sizeof(batch),
             "[{\"id\": 5, \"createdAt\": \"%s\", \"message\": \"now\", \"level\": \"info\"}]",
             recent);
    fake_push(&ft, 200, "Civis-Max-Id: 5\nCivis-Cache-Control: no-store\n", batch);
    fake_push(&ft, 200, "Civis-Max-Id: 5\nCivis-Cache-Control: store\n", batch);
    ASSERT_CIVIS_OK(civis_job_logs_new(&lg, c, 9, &o, &err), err);
    n = 0;
    while (civis_job_logs_next(&line, lg, &err) == CIVIS_OK && line != NULL)
        n++;
    CU_ASSERT_EQUAL(n, 1); /* the repeat is skipped */
    CU_ASSERT_EQUAL_FATAL(ft.n_requests, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(ft.requests[1].query, "last_id=0"));
    civis_job_logs_free(lg);
    fake_clear(&ft);

    /* a log the server never closes, of a run that finished long ago: with
     * finished_timeout_s the follower stops once caught up */
    fake_push(&ft, 200, "Civis-Max-Id: 1\nCivis-Cache-Control: no-store\n",
              "[" LINE(1, "2020-01-01T00:00:01Z", "late") "]");
    fake_push(&ft, 200, NULL,
              "{\"id\": 41, \"state\": \"succeeded\", "
              "\"finishedAt\": \"2020-01-01T00:00:02Z\"}");
    o.run_id = 41;
    o.finished_timeout_s = 60;
    ASSERT_CIVIS_OK(civis_job_logs_new(&lg, c, 9, &o, &err), err);
    n = 0;
    while (civis_job_logs_next(&line, lg, &err) == CIVIS_OK && line != NULL)
        n++;
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL_FATAL(ft.n_requests, 2);
    CU_ASSERT_STRING_EQUAL(ft.requests[1].path, "/jobs/9/runs/41");
    civis_job_logs_free(lg);
    o.finished_timeout_s = 0;
    fake_clear(&ft);

    /* a job without runs; a failed request is returned and can be retried */
    fake_push(&ft, 200, NULL, "[]");
    o.run_id = 0;
    lg = (civis_job_logs *)&ft;
    CU_ASSERT_EQUAL(civis_job_logs_new(&lg, c, 9, &o, &err), CIVIS_EEMPTY);
    CU_ASSERT_STRING_EQUAL(err.message, "job 9 has no runs");
    CU_ASSERT_PTR_NULL(lg);
    fake_clear(&ft);
    fake_push(&ft, 500, NULL, NULL);
    fake_push(&ft, 200, "Civis-Max-Id: 1\nCivis-Cache-Control: store\n",
              "[" LINE(1, "2020-01-01T00:00:01Z", "only") "]");
    civis_client_options co = {.retry = {.max_attempts = 1}};
    civis_client *c1 = fake_client(&ft, &co);
    o.run_id = 2;
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_job_logs_new(&lg, c1, 9, &o, &err), err);
    CU_ASSERT_EQUAL(civis_job_logs_next(&line, lg, &err), CIVIS_EHTTP);
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_job_logs_next(&line, lg, &err), err);
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(civis_json_get(line, "message")), "only");
    civis_job_logs_free(lg);
    civis_client_free(c1);
    civis_client_free(c);
    fake_clear(&ft);
}

/* ---- against civis-mock ------------------------------------------------------------ */

static long long create_container(civis_client *c)
{
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    long long id = 0;
    if (civis_callv(&r, c, "scripts", "post_containers", &err, "name", CIVIS_STR("jobs test"),
                    "docker_image_name", CIVIS_STR("python"), "docker_command",
                    CIVIS_STR("echo hi"), "required_resources",
                    CIVIS_OBJ("cpu", CIVIS_INT(256), "memory", CIVIS_INT(512), CIVIS_END),
                    CIVIS_END) != CIVIS_OK ||
        civis_response_int(&id, r, "id", &err) != CIVIS_OK)
        fprintf(stderr, "\n  create_container: %s\n", err.message);
    civis_response_free(r);
    return id;
}

static long sim_job(const char *key, long long job, const char *what, const char *json)
{
    char path[256];
    snprintf(path, sizeof(path), "/__mock/sim/jobs/%lld/%s?api_key=%s", job, what, key);
    return mock_admin(&mp, path, json);
}

static void test_jobs__run_job_and_409_against_the_mock(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "jobs-run";
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    long long job = create_container(c);
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_run_job(&f, c, job, &fast, &err), err);
    const civis_response *run = NULL;
    ASSERT_CIVIS_OK(civis_future_result(&run, f, &err), err);
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(civis_response_get(run, "state")), "succeeded");
    civis_future_free(f);

    /* a run in progress: the second run_job is refused with the API's 409 */
    CU_ASSERT_EQUAL(sim_job(key, job, "policy", "{\"policy\": \"polls\", \"n\": 1000}"), 200);
    ASSERT_CIVIS_OK(civis_run_job(&f, c, job, &fast, &err), err);
    civis_future *g = (civis_future *)&err;
    CU_ASSERT_EQUAL(civis_run_job(&g, c, job, &fast, &err), CIVIS_EHTTP);
    CU_ASSERT_EQUAL(err.http_status, 409);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "(409)"));
    CU_ASSERT_PTR_NULL(g);
    bool cancelled = false;
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_future_cancel(&cancelled, f, &err), err);
    CU_ASSERT_TRUE(cancelled);
    civis_future_free(f);

    /* the journal: POST runs, then the polls of jobs.get_runs */
    cJSON *j = mock_journal(&mp, "operation=jobs.get_runs");
    CU_ASSERT(cJSON_GetArraySize(j) >= 1);
    cJSON_Delete(j);
    civis_client_free(c);
}

static void test_jobs__outputs_and_run_template_against_the_mock(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "jobs-out";
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    long long job = create_container(c);
    CU_ASSERT_EQUAL(sim_job(key, job, "policy", "{\"policy\": \"polls\", \"n\": 2}"), 200);
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_run_job(&f, c, job, &fast, &err), err);
    char path[96];
    snprintf(path, sizeof(path), "runs/%lld/outputs", civis_future_run_id(f));
    CU_ASSERT_EQUAL(sim_job(key, job, path,
                            "[{\"objectType\": \"File\", \"objectId\": 501, \"name\": \"a.csv\"},"
                            " {\"objectType\": \"Report\", \"objectId\": 502, \"name\": \"r\"}]"),
                    200);
    cJSON *outs = NULL;
    ASSERT_CIVIS_OK(civis_future_outputs(&outs, f, &err), err);
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(outs), 2);
    long long oid = 0;
    ASSERT_CIVIS_OK(civis_json_int(&oid, outs, "0.object_id", &err), err);
    CU_ASSERT_EQUAL(oid, 501);
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(civis_json_get(outs, "1.name")), "r");
    cJSON_Delete(outs);
    civis_future_free(f);

    /* run_template against the simulation: the custom script and its run */
    civis_future *t = NULL;
    cJSON *arguments = civis_args("x", CIVIS_INT(1), CIVIS_END);
    ASSERT_CIVIS_OK(civis_run_template(&t, c, 9, arguments, NULL, &fast, &err), err);
    ASSERT_CIVIS_OK(civis_future_result(NULL, t, &err), err);
    civis_response *script = NULL;
    ASSERT_CIVIS_OK(civis_callv(&script, c, "scripts", "get_custom", &err, "id",
                                CIVIS_INT(civis_future_job_id(t)), CIVIS_END),
                    err);
    long long from = 0;
    ASSERT_CIVIS_OK(civis_response_int(&from, script, "from_template_id", &err), err);
    CU_ASSERT_EQUAL(from, 9);
    civis_response_free(script);
    cJSON *files = NULL;
    ASSERT_CIVIS_OK(civis_run_template_files(&files, c, 9, arguments, NULL, &fast, &err), err);
    CU_ASSERT(cJSON_IsObject(files));
    cJSON_Delete(files);
    cJSON_Delete(arguments);
    civis_future_free(t);
    civis_client_free(c);
}

static void test_jobs__job_logs_against_the_mock(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "jobs-logs";
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    long long job = create_container(c);
    /* the run ends 150 ms after it starts; until then the log stays open */
    CU_ASSERT_EQUAL(
        sim_job(key, job, "policy", "{\"policy\": \"fail\", \"ms\": 150, \"error\": \"exit 3\"}"),
        200);
    CU_ASSERT_EQUAL(sim_job(key, job, "logs", "[\"one\", \"two\", \"three\"]"), 200);
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_run_job(&f, c, job, &fast, &err), err);
    civis_job_logs *lg = NULL;
    civis_job_logs_options o = {.poll_interval_ms = 10};
    ASSERT_CIVIS_OK(civis_job_logs_new(&lg, c, job, &o, &err), err); /* newest run */
    CU_ASSERT_EQUAL(civis_job_logs_run_id(lg), civis_future_run_id(f));
    const char *want[] = {"one", "two", "three", "exit 3"};
    const cJSON *line = NULL;
    size_t n = 0;
    while (civis_job_logs_next(&line, lg, &err) == CIVIS_OK && line != NULL) {
        if (n < 4)
            CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(civis_json_get(line, "message")), want[n]);
        n++;
    }
    CU_ASSERT_EQUAL(err.code, CIVIS_OK);
    CU_ASSERT_EQUAL(n, 4); /* each line once, the failure's error line last */
    CU_ASSERT(civis_job_logs_requests(lg) >= 2);
    civis_job_logs_free(lg);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EJOB);
    civis_future_free(f);
    civis_client_free(c);
}

/* ---- the container example, end to end ------------------------------------------------ */

static int run_example(const civis_mockproc *m, char *out, size_t outlen)
{
    const char *dir = getenv("CIVIS_EXAMPLES_DIR");
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "CIVIS_API_ENDPOINT='%s' CIVIS_API_KEY=example CIVIS_POLL_MS=5 '%s/container_job' "
             "2>&1",
             m->base_url, dir ? dir : "build/examples");
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    size_t n = fread(out, 1, outlen - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_jobs__container_example_under_three_policies(void)
{
    static const char *const policies[] = {"instant", "polls:3", "fail:boom"};
    static const char *const expect[] = {"script 1: run 2 started\n"
                                         "container: run 2 of job 1 succeeded after 1 polls\n"
                                         "run_job: run 3 of job 1 succeeded after 1 polls\n",
                                         "script 1: run 2 started\n"
                                         "container: run 2 of job 1 succeeded after 3 polls\n"
                                         "run_job: run 3 of job 1 succeeded after 3 polls\n",
                                         "script 1: run 2 started\n"
                                         "civis: (From job 1 / run 2) boom\n"};
    for (size_t i = 0; i < 3; i++) {
        const char *const args[] = {"--run-policy", policies[i], NULL};
        civis_mockproc m;
        CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&m, args), 0);
        char out[2048];
        int st = run_example(&m, out, sizeof(out));
        CU_ASSERT_EQUAL(st, i == 2 ? 2 : 0);
        CU_ASSERT_STRING_EQUAL(out, expect[i]);
        if (strcmp(out, expect[i]) != 0)
            fprintf(stderr, "\n  container_job (%s): %s\n", policies[i], out);
        CU_ASSERT_EQUAL(civis_mockproc_stop(&m), 0);
    }
}

static CU_TestInfo tests[] = {
    {"run_job posts then polls later", test_jobs__run_job_posts_then_polls_later},
    {"run_template sequence and files map", test_jobs__run_template_sequence_and_files_map},
    {"job_logs follows the official loop", test_jobs__job_logs_follows_the_official_loop},
    {"run_job and 409 against the mock", test_jobs__run_job_and_409_against_the_mock},
    {"outputs and run_template against the mock",
     test_jobs__outputs_and_run_template_against_the_mock},
    {"job_logs against the mock", test_jobs__job_logs_against_the_mock},
    {"container example under three policies", test_jobs__container_example_under_three_policies},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_jobs, tests, suite_init, suite_cleanup)
