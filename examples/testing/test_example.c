/*
 * test_example.c: unit tests of user_code.c with the in-process mock, as
 * the user guide's "Testing your code" section does with
 * civis.tests.create_client_mock(). No network, no API key: the mock's
 * client is a real civis_client whose transport answers from memory, so
 * the code under test runs exactly as in production.
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "civis.h"
#include "civis/mock.h"
#include "civis/mock_assert.h"
#include "user_code.h"

static civis_mock *mock;
static civis_error err;

/* A fresh mock per test: mocks share nothing, so tests cannot leak into
 * each other. */
static void setup(void)
{
    err = (civis_error)CIVIS_ERROR_INIT;
    if (civis_mock_new(&mock, NULL, &err) != CIVIS_OK)
        fprintf(stderr, "civis_mock_new: %s\n", err.message);
    civis_mock_return(mock, "scripts.post_sql", "{\"id\": 1}", &err);
    civis_mock_return(mock, "scripts.post_sql_runs", "{\"id\": 2, \"state\": \"queued\"}", &err);
}

static void teardown(void)
{
    civis_mock_free(mock);
    mock = NULL;
}

static void test_returns_the_first_output_path(void)
{
    civis_mock_return_seq(
        mock, "scripts.get_sql_runs", &err, "{\"id\": 2, \"state\": \"running\"}",
        "{\"id\": 2, \"state\": \"succeeded\","
        " \"output\": [{\"outputName\": \"out\", \"path\": \"s3://bucket/ts.csv\"}]}",
        CIVIS_END);
    CU_ASSERT_EQUAL_FATAL(err.code, CIVIS_OK);

    char *path = NULL;
    civis_status st = get_timestamps_from_table(&path, civis_mock_client(mock), "schema.tbl", 32,
                                                713, 0, 10, &err);
    CU_ASSERT_EQUAL(st, CIVIS_OK);
    CU_ASSERT_STRING_EQUAL(path ? path : "", "s3://bucket/ts.csv");
    free(path);

    /* what the code sent */
    CIVIS_ASSERT_CALLED_WITH(mock, "scripts.post_sql",
                             "{\"sql\": \"SELECT DISTINCT timestamp FROM schema.tbl\","
                             " \"remote_host_id\": 32, \"credential_id\": 713}");
    CIVIS_ASSERT_CALLED_WITH(mock, "scripts.post_sql_runs", "{\"id\": 1}");
    CIVIS_ASSERT_CALLED_WITH(mock, "scripts.get_sql_runs", "{\"id\": 1, \"run_id\": 2}");
    CIVIS_ASSERT_CALL_COUNT(mock, "scripts.get_sql_runs", 2);
    CIVIS_ASSERT_NOT_CALLED(mock, "scripts.post_cancel");
}

static void test_a_failed_run_is_an_error(void)
{
    civis_mock_return(mock, "scripts.get_sql_runs",
                      "{\"id\": 2, \"state\": \"failed\", \"error\": \"relation does not exist\"}",
                      &err);
    char *path = NULL;
    civis_status st =
        get_timestamps_from_table(&path, civis_mock_client(mock), "nope", 32, 713, 0, 10, &err);
    CU_ASSERT_EQUAL(st, CIVIS_EJOB);
    CU_ASSERT_PTR_NULL(path);
    CU_ASSERT_STRING_EQUAL(err.message, "(From job 1 / run 2) relation does not exist");
}

static void test_no_output_is_an_error(void)
{
    civis_mock_return(mock, "scripts.get_sql_runs",
                      "{\"id\": 2, \"state\": \"succeeded\", \"output\": []}", &err);
    char *path = NULL;
    CU_ASSERT_EQUAL(
        get_timestamps_from_table(&path, civis_mock_client(mock), "t", 32, 713, 0, 10, &err),
        CIVIS_EEMPTY);
    CU_ASSERT_PTR_NULL(path);
}

static void test_api_errors_reach_the_caller(void)
{
    /* the API says the script is gone: the client's own message comes back */
    civis_mock_return_error(mock, "scripts.post_sql_runs", 404, NULL, &err);
    char *path = NULL;
    CU_ASSERT_EQUAL(
        get_timestamps_from_table(&path, civis_mock_client(mock), "t", 32, 713, 0, 10, &err),
        CIVIS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(err.message, "(404) The requested resource could not be found. "
                                        "(POST /scripts/sql/1/runs)");
    CIVIS_ASSERT_NOT_CALLED(mock, "scripts.get_sql_runs");
}

static CU_TestInfo tests[] = {{"returns the first output path", test_returns_the_first_output_path},
                              {"a failed run is an error", test_a_failed_run_is_an_error},
                              {"no output is an error", test_no_output_is_an_error},
                              {"API errors reach the caller", test_api_errors_reach_the_caller},
                              CU_TEST_INFO_NULL};

static CU_SuiteInfo suites[] = {{"user_code", NULL, NULL, setup, teardown, tests},
                                CU_SUITE_INFO_NULL};

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
    unsigned failed = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failed == 0 ? 0 : 1;
}
