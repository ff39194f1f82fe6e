/*
 * guide_testing.c: the user guide's "testing your code". Unit tests of
 * code that calls the Civis API, run on the in-process mock (civis/mock.h):
 * no server, no network, no API key. The mock's client is a real
 * civis_client whose transport answers from memory, so the code under test
 * runs unchanged and a misspelled method or argument fails here as it
 * would in production.
 *
 *     ./guide_testing
 *
 * The first half of the file is "your code"; in a project it lives in its
 * own file and takes the client from its caller.
 */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "civis.h"
#include "civis/mock.h"
#include "civis/mock_assert.h"

/* ---- the code under test ----------------------------------------------------- */

/* How many rows a table holds, from its metadata. */
static civis_status table_row_count(long long *rows, civis_client *client, const char *table,
                                    const char *database, civis_error *err)
{
    long long table_id = 0;
    civis_response *info = NULL;
    civis_status st = civis_get_table_id(&table_id, client, table, database, err);
    if (st == CIVIS_OK)
        st = civis_callv(&info, client, "tables", "get", err, "id", CIVIS_INT(table_id), CIVIS_END);
    if (st == CIVIS_OK)
        st = civis_response_int(rows, info, "row_count", err);
    civis_response_free(info);
    return st;
}

/* Runs `sql` as a SQL script and waits for its run to finish. */
static civis_status run_sql(civis_client *client, const char *sql, long long database_id,
                            long long credential_id, const civis_future_options *polling,
                            civis_error *err)
{
    civis_response *script = NULL, *run = NULL;
    civis_future *f = NULL;
    long long script_id = 0, run_id = 0;
    civis_status st =
        civis_callv(&script, client, "scripts", "post_sql", err, "name", CIVIS_STR("nightly"),
                    "sql", CIVIS_STR(sql), "remote_host_id", CIVIS_INT(database_id),
                    "credential_id", CIVIS_INT(credential_id), CIVIS_END);
    if (st == CIVIS_OK)
        st = civis_response_int(&script_id, script, "id", err);
    if (st == CIVIS_OK)
        st = civis_callv(&run, client, "scripts", "post_sql_runs", err, "id", CIVIS_INT(script_id),
                         CIVIS_END);
    if (st == CIVIS_OK)
        st = civis_response_int(&run_id, run, "id", err);
    if (st == CIVIS_OK)
        st = civis_future_newv(&f, client, "scripts", "get_sql_runs", polling, err, "id",
                               CIVIS_INT(script_id), "run_id", CIVIS_INT(run_id), CIVIS_END);
    if (st == CIVIS_OK)
        st = civis_future_result(NULL, f, err);
    civis_future_free(f);
    civis_response_free(script);
    civis_response_free(run);
    return st;
}

/* ---- the tests ------------------------------------------------------------------- */

static civis_mock *mock;
static civis_error err;
/* futures poll at once: a test never sleeps */
static const civis_future_options no_wait = {.no_wait = true};

/* A fresh mock for every test, so nothing leaks from one test to the next. */
static void setup(void)
{
    err = (civis_error)CIVIS_ERROR_INIT;
    if (civis_mock_new(&mock, NULL, &err) != CIVIS_OK)
        fprintf(stderr, "civis_mock_new: %s\n", err.message);
}

static void teardown(void)
{
    civis_mock_free(mock);
    mock = NULL;
}

static void test_row_count_reads_the_table_metadata(void)
{
    /* canned returns: every call of an operation answers this JSON */
    civis_mock_return(mock, "databases.list", "[{\"id\": 7, \"name\": \"analytics\"}]", &err);
    civis_mock_return(mock, "tables.list", "[{\"id\": 42, \"name\": \"measurements\"}]", &err);
    civis_mock_return(mock, "tables.get", "{\"id\": 42, \"rowCount\": 1250}", &err);
    CU_ASSERT_EQUAL_FATAL(err.code, CIVIS_OK);

    long long rows = 0;
    CU_ASSERT_EQUAL(
        table_row_count(&rows, civis_mock_client(mock), "demo.measurements", "analytics", &err),
        CIVIS_OK);
    CU_ASSERT_EQUAL(rows, 1250);

    /* call checks: what the code asked for, and how often */
    CIVIS_ASSERT_CALLED_WITH(
        mock, "tables.list",
        "{\"database_id\": 7, \"schema\": \"demo\", \"name\": \"measurements\"}");
    CIVIS_ASSERT_CALLED_WITH(mock, "tables.get", "{\"id\": 42}");
    CIVIS_ASSERT_CALL_COUNT(mock, "tables.get", 1);
}

static void test_row_count_reports_a_missing_table(void)
{
    civis_mock_return(mock, "databases.list", "[{\"id\": 7, \"name\": \"analytics\"}]", &err);
    civis_mock_return(mock, "tables.list", "[]", &err);
    long long rows = -1;
    CU_ASSERT_EQUAL(
        table_row_count(&rows, civis_mock_client(mock), "demo.nowhere", "analytics", &err),
        CIVIS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(err.message, "Table demo.nowhere not found.");
    CIVIS_ASSERT_NOT_CALLED(mock, "tables.get");
}

static void test_row_count_passes_api_errors_on(void)
{
    /* errors: the API answers 403, the caller gets the client's message */
    civis_mock_return(mock, "databases.list", "[{\"id\": 7, \"name\": \"analytics\"}]", &err);
    civis_mock_return(mock, "tables.list", "[{\"id\": 42}]", &err);
    civis_mock_return_error(mock, "tables.get", 403, NULL, &err);
    long long rows = 0;
    CU_ASSERT_EQUAL(
        table_row_count(&rows, civis_mock_client(mock), "demo.measurements", "analytics", &err),
        CIVIS_EHTTP);
    CU_ASSERT_EQUAL(err.http_status, 403);
}

static void test_run_sql_waits_for_the_run(void)
{
    civis_mock_return(mock, "scripts.post_sql", "{\"id\": 11}", &err);
    civis_mock_return(mock, "scripts.post_sql_runs", "{\"id\": 12, \"state\": \"queued\"}", &err);
    /* sequences: successive polls see the run progress */
    civis_mock_return_seq(mock, "scripts.get_sql_runs", &err, "{\"state\": \"queued\"}",
                          "{\"state\": \"running\"}", "{\"state\": \"succeeded\"}", CIVIS_END);
    CU_ASSERT_EQUAL_FATAL(err.code, CIVIS_OK);

    CU_ASSERT_EQUAL(run_sql(civis_mock_client(mock), "VACUUM", 7, 99, &no_wait, &err), CIVIS_OK);
    CIVIS_ASSERT_CALLED_WITH(mock, "scripts.post_sql",
                             "{\"sql\": \"VACUUM\", \"remote_host_id\": 7, \"credential_id\": 99}");
    CIVIS_ASSERT_CALLED_WITH(mock, "scripts.get_sql_runs", "{\"id\": 11, \"run_id\": 12}");
    CIVIS_ASSERT_CALL_COUNT(mock, "scripts.get_sql_runs", 3);
}

static void test_run_sql_reports_the_run_error(void)
{
    civis_mock_return(mock, "scripts.post_sql", "{\"id\": 11}", &err);
    civis_mock_return(mock, "scripts.post_sql_runs", "{\"id\": 12, \"state\": \"queued\"}", &err);
    civis_mock_return(mock, "scripts.get_sql_runs",
                      "{\"state\": \"failed\", \"error\": \"permission denied for table t\"}",
                      &err);
    CU_ASSERT_EQUAL(run_sql(civis_mock_client(mock), "DROP TABLE t", 7, 99, &no_wait, &err),
                    CIVIS_EJOB);
    CU_ASSERT_STRING_EQUAL(err.message, "(From job 11 / run 12) permission denied for table t");
}

static CU_TestInfo tests[] = {
    {"row count reads the table metadata", test_row_count_reads_the_table_metadata},
    {"row count reports a missing table", test_row_count_reports_a_missing_table},
    {"row count passes API errors on", test_row_count_passes_api_errors_on},
    {"run_sql waits for the run", test_run_sql_waits_for_the_run},
    {"run_sql reports the run's error", test_run_sql_reports_the_run_error},
    CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {{"guide", NULL, NULL, setup, teardown, tests}, CU_SUITE_INFO_NULL};

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    if (CU_register_suites(suites) != CUE_SUCCESS) {
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures(), ran = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    return failed == 0 && ran > 0 ? 0 : 1;
}
