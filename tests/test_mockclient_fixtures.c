/*
 * test_mockclient_fixtures.c: fixtures in the in-process mock, in the one
 * format civis-mock reads (fixtures/README.md): preloading, sequences,
 * matching on the body, pages, precedence of behaviours, bad files, and the
 * same file giving the same answers here and from the real civis-mock over
 * HTTP through a libcurl client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"
#include "mockproc.h"
#include "civis.h"
#include "civis/mock.h"
#include "civis/sys/fixture.h"

static const char fixture_text[] =
    "[\n"
    " {\"name\": \"me\", \"operation\": \"users.get_me\",\n"
    "  \"response\": {\"status\": 200, \"headers\": {\"X-RateLimit-Remaining\": \"999\"},\n"
    "               \"body\": {\"id\": 1, \"username\": \"ada\", \"name\": \"Ada Lovelace\"}}},\n"
    " {\"name\": \"missing script\", \"request\": {\"method\": \"GET\", \"path\": "
    "\"/scripts/sql/404\"},\n"
    "  \"response\": {\"status\": 404, \"body\": {\"error\": \"not_found\", \"errorDescription\": "
    "\"No such script.\", \"code\": 404}}},\n"
    " {\"name\": \"nightly\", \"operation\": \"scripts.post_sql\",\n"
    "  \"request\": {\"body\": {\"name\": \"nightly\"}},\n"
    "  \"response\": {\"status\": 201, \"body\": {\"id\": 7, \"name\": \"nightly\"}}},\n"
    " {\"name\": \"poll\", \"request\": {\"method\": \"GET\", \"path\": "
    "\"/scripts/containers/{id}/runs/{run_id}\"},\n"
    "  \"responses\": [{\"body\": {\"id\": 21, \"state\": \"queued\"}},\n"
    "                {\"body\": {\"id\": 21, \"state\": \"running\"}},\n"
    "                {\"body\": {\"id\": 21, \"state\": \"succeeded\"}}]},\n"
    " {\"name\": \"runs\", \"request\": {\"method\": \"GET\", \"path\": \"/scripts/sql/7/runs\"},\n"
    "  \"response\": {\"body\": [{\"id\": 1}, {\"id\": 2}, {\"id\": 3}]}}\n"
    "]\n";

static char dir[64];
static char file[128];

static int suite_init(void)
{
    snprintf(dir, sizeof(dir), "/tmp/civis-mockclient-fx-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    snprintf(file, sizeof(file), "%s/exchanges.json", dir);
    FILE *f = fopen(file, "w");
    if (f == NULL)
        return 1;
    fputs(fixture_text, f);
    return fclose(f) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    unlink(file);
    rmdir(dir);
    return 0;
}

static civis_mock *fixture_mock(void)
{
    const char *paths[] = {file, NULL};
    civis_mock *mock = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_mock_new(&mock, &(civis_mock_options){.fixtures = paths}, &err) != CIVIS_OK)
        fprintf(stderr, "\n  civis_mock_new: %s\n", err.message);
    return mock;
}

static void test_fixtures__preloaded_file_answers(void)
{
    civis_mock *mock = fixture_mock();
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    civis_client *c = civis_mock_client(mock);
    civis_error err = CIVIS_ERROR_INIT;
    civis_response *resp = NULL;
    ASSERT_CIVIS_OK(civis_call(&resp, c, "users", "get_me", NULL, &err), err);
    const char *name = NULL;
    ASSERT_CIVIS_OK(civis_response_string(&name, resp, "name", &err), err);
    CU_ASSERT_STRING_EQUAL(name, "Ada Lovelace");
    CU_ASSERT_EQUAL(civis_response_calls_remaining(resp), 999);
    civis_response_free(resp);
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, 0)->source, "fixture");

    /* an error exchange gives the client's error */
    civis_error e = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(
        civis_callv(&resp, c, "scripts", "get_sql", &e, "id", CIVIS_INT(404), CIVIS_END),
        CIVIS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(e.message, "(404) No such script. (GET /scripts/sql/404)");

    /* a body pattern: only the script named nightly comes from the file */
    long long ids[2];
    const char *names[2] = {"nightly", "hourly"};
    for (int i = 0; i < 2; i++) {
        ASSERT_CIVIS_OK(civis_callv(&resp, c, "scripts", "post_sql", &err, "name",
                                    CIVIS_STR(names[i]), "sql", CIVIS_STR("select 1"),
                                    "remote_host_id", CIVIS_INT(3), "credential_id", CIVIS_INT(4),
                                    CIVIS_END),
                        err);
        ids[i] = -1;
        civis_response_int(&ids[i], resp, "id", &err);
        civis_response_free(resp);
    }
    CU_ASSERT_EQUAL(ids[0], 7);
    CU_ASSERT_STRING_EQUAL(civis_mock_nth_call(mock, "scripts.post_sql", 0)->source, "fixture");
    CU_ASSERT_STRING_NOT_EQUAL(civis_mock_nth_call(mock, "scripts.post_sql", 1)->source, "fixture");

    /* a sequence, whose last response repeats */
    const char *want[] = {"queued", "running", "succeeded", "succeeded"};
    for (int i = 0; i < 4; i++) {
        ASSERT_CIVIS_OK(civis_callv(&resp, c, "scripts", "get_containers_runs", &err, "id",
                                    CIVIS_INT(7), "run_id", CIVIS_INT(21), CIVIS_END),
                        err);
        const char *state = NULL;
        civis_response_string(&state, resp, "state", &err);
        CU_ASSERT_STRING_EQUAL(state ? state : "", want[i]);
        civis_response_free(resp);
    }

    /* a list exchange is paged as civis-mock pages it, so a pager ends */
    cJSON *all = NULL;
    cJSON *args = civis_args("id", CIVIS_INT(7), "limit", CIVIS_INT(2), CIVIS_END);
    ASSERT_CIVIS_OK(civis_list_all(&all, c, "scripts", "list_sql_runs", args, &err), err);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(all), 3);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "scripts.list_sql_runs"), 2);
    cJSON_Delete(all);
    cJSON_Delete(args);
    civis_mock_free(mock);
}

static void test_fixtures__behaviours_come_first_and_sets_can_grow(void)
{
    civis_mock *mock = fixture_mock();
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return(mock, "users.get_me", "{\"username\": \"set\"}", &err), err);
    civis_response *resp = NULL;
    ASSERT_CIVIS_OK(civis_call(&resp, civis_mock_client(mock), "users", "get_me", NULL, &err), err);
    const char *u = NULL;
    civis_response_string(&u, resp, "username", &err);
    CU_ASSERT_STRING_EQUAL(u, "set");
    civis_response_free(resp);

    /* exchanges added later through the set; the newest match wins */
    static const char more[] = "{\"operation\": \"jobs.get\", \"request\": {\"path\": \"/jobs/5\"},"
                               " \"response\": {\"body\": {\"id\": 5, \"name\": \"added\"}}}";
    ASSERT_CIVIS_OK(civis_fixtures_add_text(civis_mock_fixtures(mock), more, strlen(more),
                                            "added.json", NULL, NULL, &err),
                    err);
    ASSERT_CIVIS_OK(civis_callv(&resp, civis_mock_client(mock), "jobs", "get", &err, "id",
                                CIVIS_INT(5), CIVIS_END),
                    err);
    const char *name = NULL;
    civis_response_string(&name, resp, "name", &err);
    CU_ASSERT_STRING_EQUAL(name, "added");
    civis_response_free(resp);
    civis_mock_free(mock);
}

static void test_fixtures__bad_files_fail_creation(void)
{
    char bad[160];
    snprintf(bad, sizeof(bad), "%s/bad.json", dir);
    FILE *f = fopen(bad, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("[{\"request\": {\"method\": \"GET\", \"path\": \"/no_such_resource/nope\"},"
          " \"response\": {\"body\": {}}}]",
          f);
    fclose(f);
    const char *paths[] = {file, bad, NULL};
    civis_mock *mock = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_mock_new(&mock, &(civis_mock_options){.fixtures = paths}, &err),
                    CIVIS_EINVAL);
    CU_ASSERT_PTR_NULL(mock);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "bad.json"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "/no_such_resource/nope"));
    unlink(bad);
    const char *missing[] = {"/nonexistent/fixtures.json", NULL};
    civis_error e2 = CIVIS_ERROR_INIT;
    CU_ASSERT_NOT_EQUAL(civis_mock_new(&mock, &(civis_mock_options){.fixtures = missing}, &e2),
                        CIVIS_OK);
    CU_ASSERT_PTR_NULL(mock);
    CU_ASSERT_PTR_NOT_NULL(strstr(e2.message, "/nonexistent/fixtures.json"));
}

/* One call through both clients: same outcome, same status, same body. */
typedef struct outcome {
    civis_status st;
    long status;
    cJSON *json;
    char message[512];
} outcome;

static outcome call_json(civis_client *c, const char *resource, const char *method,
                         const char *args_json)
{
    outcome o = {0};
    cJSON *args = args_json ? cJSON_Parse(args_json) : NULL;
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    o.st = civis_call(&resp, c, resource, method, args, &err);
    o.status = resp ? civis_response_status(resp) : err.http_status;
    o.json = resp ? civis_response_take_json(resp) : NULL;
    snprintf(o.message, sizeof(o.message), "%s", err.message);
    civis_response_free(resp);
    cJSON_Delete(args);
    return o;
}

static void same_answer(civis_client *over_http, civis_client *in_process, const char *resource,
                        const char *method, const char *args_json)
{
    outcome a = call_json(over_http, resource, method, args_json);
    outcome b = call_json(in_process, resource, method, args_json);
    CU_ASSERT_EQUAL(a.st, b.st);
    CU_ASSERT_EQUAL(a.status, b.status);
    CU_ASSERT_STRING_EQUAL(a.message, b.message);
    /* cJSON_Compare calls two NULLs different: an error has no body on either side */
    bool same = (a.json == NULL && b.json == NULL) || cJSON_Compare(a.json, b.json, 1);
    CU_ASSERT_TRUE(same);
    if (a.st != b.st || a.status != b.status || !same) {
        char *ta = a.json ? cJSON_PrintUnformatted(a.json) : NULL;
        char *tb = b.json ? cJSON_PrintUnformatted(b.json) : NULL;
        fprintf(stderr, "\n  %s.%s: civis-mock %ld %s [%s]\n  in-process %ld %s [%s]\n", resource,
                method, a.status, ta ? ta : "-", a.message, b.status, tb ? tb : "-", b.message);
        cJSON_free(ta);
        cJSON_free(tb);
    }
    cJSON_Delete(a.json);
    cJSON_Delete(b.json);
}

static void test_fixtures__same_file_same_answers_as_civis_mock(void)
{
    civis_mockproc mp;
    const char *args[] = {"--stateless", "--fixtures", file, NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&mp, args), 0);
    civis_client *http = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_client_options o = {.api_key = "fixture-test-key",
                              .base_url = mp.base_url,
                              .bundled_spec = true,
                              .retry = {.max_attempts = 1}};
    civis_status st = civis_client_new(&http, &o, &err);
    civis_mock *mock = fixture_mock();
    if (st == CIVIS_OK && mock != NULL) {
        civis_client *local = civis_mock_client(mock);
        same_answer(http, local, "users", "get_me", NULL);
        same_answer(http, local, "scripts", "get_sql", "{\"id\": 404}");
        same_answer(http, local, "scripts", "post_sql",
                    "{\"name\": \"nightly\", \"sql\": \"s\", \"remote_host_id\": 3, "
                    "\"credential_id\": 4}");
        for (int i = 0; i < 4; i++) /* the sequence moves in step on both sides */
            same_answer(http, local, "scripts", "get_containers_runs",
                        "{\"id\": 7, \"run_id\": 21}");
        same_answer(http, local, "scripts", "list_sql_runs", "{\"id\": 7}");
        same_answer(http, local, "scripts", "list_sql_runs",
                    "{\"id\": 7, \"limit\": 2, \"page_num\": 2}");
        /* every answer above came from the file, not from a fallback */
        for (size_t i = 0; i < civis_mock_journal_count(mock); i++)
            CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, i)->source, "fixture");
        /* the pages' headers agree too */
        cJSON *q = cJSON_Parse("{\"id\": 7, \"limit\": 2, \"page_num\": 1}");
        civis_response *ra = NULL, *rb = NULL;
        civis_call(&ra, http, "scripts", "list_sql_runs", q, &err);
        civis_call(&rb, local, "scripts", "list_sql_runs", q, &err);
        CU_ASSERT_PTR_NOT_NULL(ra);
        CU_ASSERT_PTR_NOT_NULL(rb);
        const char *pa = civis_response_header(ra, "X-Pagination-Total-Pages");
        const char *pb = civis_response_header(rb, "X-Pagination-Total-Pages");
        CU_ASSERT_STRING_EQUAL(pa ? pa : "(none)", "2");
        CU_ASSERT_STRING_EQUAL(pb ? pb : "(none)", "2");
        civis_response_free(ra);
        civis_response_free(rb);
        cJSON_Delete(q);
    } else {
        fprintf(stderr, "\n  set-up failed: %s\n", err.message);
        CU_FAIL("clients not created");
    }
    civis_mock_free(mock);
    civis_client_free(http);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
}

static CU_TestInfo fixtures_tests[] = {
    {"preloaded file answers", test_fixtures__preloaded_file_answers},
    {"behaviours come first, sets can grow",
     test_fixtures__behaviours_come_first_and_sets_can_grow},
    {"bad files fail creation", test_fixtures__bad_files_fail_creation},
    {"same file, same answers as civis-mock", test_fixtures__same_file_same_answers_as_civis_mock},
    CU_TEST_INFO_NULL};

CIVIS_SUITE(mockclient_fixtures, fixtures_tests, suite_init, suite_cleanup)
