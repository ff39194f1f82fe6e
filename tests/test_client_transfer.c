/*
 * test_client_transfer.c: civis_transfer_table and
 * civis_civis_to_multifile_csv on the in-process mock: the calls and
 * arguments the official client makes, a failed copy reaching the caller
 * through the future, and bad arguments refused before any traffic.
 */
#include <string.h>

#include "test.h"
#include "civis.h"
#include "civis/io.h"
#include "civis/mock.h"
#include "civis/mock_assert.h"

static const civis_future_options fast = {.no_wait = true};
static const civis_io_options io = {.polling = &fast};

static civis_mock *new_mock(void)
{
    civis_mock *m = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL_FATAL(civis_mock_new(&m, NULL, &err), CIVIS_OK);
    CU_ASSERT_EQUAL(civis_mock_return(m, "databases.list",
                                      "[{\"id\": 31, \"name\": \"prod\"}, {\"id\": 32, \"name\": "
                                      "\"scratch\"}]",
                                      &err),
                    CIVIS_OK);
    CU_ASSERT_EQUAL(civis_mock_return(m, "credentials.list", "[{\"id\": 77}]", &err), CIVIS_OK);
    CU_ASSERT_EQUAL(civis_mock_return(m, "imports.post", "{\"id\": 500}", &err), CIVIS_OK);
    CU_ASSERT_EQUAL(civis_mock_return(m, "imports.post_runs", "{\"runId\": 501}", &err), CIVIS_OK);
    return m;
}

static void test_transfer__makes_the_official_calls_and_polls_the_files_run(void)
{
    civis_mock *m = new_mock();
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock_return(m, "imports.get_files_runs", "{\"id\": 501, \"state\": \"succeeded\"}", &err);
    civis_future *f = NULL;
    civis_transfer_options x = {.dest_credential_id = 88};
    civis_io_options o = io;
    o.job_name = "nightly copy";
    CU_ASSERT_EQUAL_FATAL(civis_transfer_table(&f, civis_mock_client(m), "prod", "scratch", "s.a",
                                               "t.b", &x, &o, &err),
                          CIVIS_OK);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_OK);
    civis_future_free(f);
    CIVIS_ASSERT_CALLED_WITH(m, "imports.post",
                             "{\"name\": \"nightly copy\", \"sync_type\": \"Dbsync\", \"source\": "
                             "{\"remote_host_id\": 31, \"credential_id\": 77}, \"destination\": "
                             "{\"remote_host_id\": 32, \"credential_id\": 88}, \"is_outbound\": "
                             "true}");
    CIVIS_ASSERT_CALLED_WITH(m, "imports.post_syncs",
                             "{\"id\": 500, \"source\": {\"path\": \"s.a\"}, \"destination\": "
                             "{\"path\": \"t.b\"}, \"advanced_options\": {}}");
    CIVIS_ASSERT_CALLED_WITH(m, "imports.post_runs", "{\"id\": 500}");
    CIVIS_ASSERT_CALLED_WITH(m, "imports.get_files_runs", "{\"id\": 500, \"run_id\": 501}");
    CIVIS_ASSERT_CALL_COUNT(m, "credentials.list", 1); /* memoised for the dest side too */
    civis_mock_free(m);
}

static void test_transfer__a_failed_copy_is_the_futures_error(void)
{
    civis_mock *m = new_mock();
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock_return(m, "imports.get_files_runs",
                      "{\"id\": 501, \"state\": \"failed\", \"error\": \"Table s.a does not "
                      "exist in database prod\"}",
                      &err);
    civis_future *f = NULL;
    CU_ASSERT_EQUAL_FATAL(civis_transfer_table(&f, civis_mock_client(m), "prod", "scratch", "s.a",
                                               "t.b", NULL, &io, &err),
                          CIVIS_OK);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EJOB);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "Table s.a does not exist"));
    civis_future_free(f);
    civis_mock_free(m);
}

static void test_transfer__bad_arguments_send_nothing(void)
{
    civis_mock *m = new_mock();
    civis_client *c = civis_mock_client(m);
    civis_error err = CIVIS_ERROR_INIT;
    civis_future *f = NULL;
    CU_ASSERT_EQUAL(civis_transfer_table(&f, c, "prod", "", "s.a", "t.b", NULL, &io, &err),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "dest_db");
    CU_ASSERT_PTR_NULL(f);
    civis_error_clear(&err);
    cJSON *manifest = NULL;
    civis_multifile_options mf = {.delimiter = ';'};
    CU_ASSERT_EQUAL(civis_civis_to_multifile_csv(&manifest, c, "select 1", "prod", &mf, &io, &err),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "delimiter");
    civis_error_clear(&err);
    mf = (civis_multifile_options){.compression = "zip"};
    CU_ASSERT_EQUAL(civis_civis_to_multifile_csv(&manifest, c, "select 1", "prod", &mf, &io, &err),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "compression");
    CU_ASSERT_PTR_NULL(manifest);
    CU_ASSERT_EQUAL(civis_mock_journal_count(m), 0);
    civis_mock_free(m);
}

static void test_transfer__multifile_without_output_is_empty(void)
{
    civis_mock *m = new_mock();
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock_return(m, "scripts.post_sql", "{\"id\": 9}", &err);
    civis_mock_return(m, "scripts.post_sql_runs", "{\"id\": 10}", &err);
    civis_mock_return(m, "scripts.get_sql_runs",
                      "{\"id\": 10, \"state\": \"succeeded\", \"output\": []}", &err);
    cJSON *manifest = NULL;
    CU_ASSERT_EQUAL(civis_civis_to_multifile_csv(&manifest, civis_mock_client(m), "select 1",
                                                 "prod", NULL, &io, &err),
                    CIVIS_EEMPTY);
    CU_ASSERT_STRING_EQUAL(err.message, "Unload query 9 returned no manifest.");
    CU_ASSERT_PTR_NULL(manifest);
    CIVIS_ASSERT_CALLED_WITH(m, "scripts.post_sql",
                             "{\"hidden\": true, \"sql\": \"select 1\", \"remote_host_id\": 31, "
                             "\"credential_id\": 77, \"csv_settings\": {\"include_header\": true, "
                             "\"compression\": \"none\", \"column_delimiter\": \"pipe\", "
                             "\"unquoted\": false, \"filename_prefix\": null, "
                             "\"force_multifile\": true, \"max_file_size\": null}}");
    civis_mock_free(m);
}

static CU_TestInfo tests[] = {
    {"transfer_table calls", test_transfer__makes_the_official_calls_and_polls_the_files_run},
    {"failed copy", test_transfer__a_failed_copy_is_the_futures_error},
    {"bad arguments", test_transfer__bad_arguments_send_nothing},
    {"multifile without output", test_transfer__multifile_without_output_is_empty},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_transfer, tests, NULL, NULL)
