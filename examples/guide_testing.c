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
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "civis.h"
#include "civis/io.h"
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

/* The mean of one column of a table, NULL values left out. `io` may be
 * NULL (the official client's polling); tests pass one that does not wait. */
static civis_status column_mean(double *mean, civis_client *client, const char *table,
                                const char *column, const char *database,
                                const civis_io_options *io, civis_error *err)
{
    civis_table *t = NULL;
    const char *columns[] = {column};
    double sum = 0;
    size_t n = 0;
    civis_status st = civis_read_civis(&t, client, table, columns, 1, database, io, err);
    for (size_t r = 0; st == CIVIS_OK && r < civis_table_nrows(t); r++)
        if (!civis_table_is_null(t, r, 0)) {
            sum += strtod(civis_table_value(t, r, 0), NULL);
            n++;
        }
    civis_table_free(t);
    if (st == CIVIS_OK && n == 0) {
        snprintf(err->message, sizeof(err->message), "%s.%s has no values", table, column);
        st = err->code = CIVIS_EEMPTY;
    }
    *mean = n > 0 ? sum / (double)n : 0;
    return st;
}

/* Uploads the scores as a table, replacing it, and waits for the import. */
static civis_status save_scores(civis_client *client, const char *const *names,
                                const double *scores, size_t n, const char *table,
                                const char *database, const civis_io_options *io, civis_error *err)
{
    const char *columns[] = {"name", "score"};
    civis_import_options replace = {.existing_table_rows = "drop"};
    civis_table *t = NULL;
    civis_future *f = NULL;
    civis_status st = civis_table_new(&t, columns, 2, err);
    for (size_t i = 0; i < n && st == CIVIS_OK; i++) {
        char score[32];
        snprintf(score, sizeof(score), "%g", scores[i]);
        st = civis_table_add_row(t, (const char *[]){names[i], score}, err);
    }
    if (st == CIVIS_OK)
        st = civis_table_to_civis(&f, client, t, database, table, &replace, io, err);
    if (st == CIVIS_OK)
        st = civis_future_result(NULL, f, err);
    civis_future_free(f);
    civis_table_free(t);
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
static const civis_io_options io = {.polling = &no_wait};

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

/* The rows a read of demo.measurements returns; y has a NULL. */
static void declare_measurements(void)
{
    const char *columns[] = {"x", "y"};
    const char *rows[][2] = {{"1", "2.5"}, {"2", NULL}, {"3", "4.5"}, {"4", "8"}};
    civis_table *t = NULL;
    civis_table_new(&t, columns, 2, &err);
    for (size_t r = 0; r < 4; r++)
        civis_table_add_row(t, rows[r], &err);
    civis_mock_declare_result(mock, "analytics", "demo.measurements", t, &err);
    civis_table_free(t); /* the mock keeps a copy */
}

static void test_mean_reads_the_declared_rows(void)
{
    /* declared rows: what a read of the table returns, no server needed */
    declare_measurements();
    CU_ASSERT_EQUAL_FATAL(err.code, CIVIS_OK);

    double mean = 0;
    CU_ASSERT_EQUAL(column_mean(&mean, civis_mock_client(mock), "demo.measurements", "y",
                                "analytics", &io, &err),
                    CIVIS_OK);
    CU_ASSERT_DOUBLE_EQUAL(mean, (2.5 + 4.5 + 8) / 3, 1e-12);
    CIVIS_ASSERT_CALLED_WITH(mock, "scripts.post_sql",
                             "{\"sql\": \"select y from demo.measurements\"}");
}

static void test_mean_of_a_column_the_table_lacks(void)
{
    declare_measurements();
    double mean = 0;
    CU_ASSERT_EQUAL(column_mean(&mean, civis_mock_client(mock), "demo.measurements", "z",
                                "analytics", &io, &err),
                    CIVIS_EJOB);
    CU_ASSERT_STRING_EQUAL(err.message, "(From job 1 / run 2) column \"z\" does not exist");
}

static void test_mean_reports_a_failed_read(void)
{
    /* a declared error: the read's run fails with this message */
    civis_mock_declare_error(mock, "analytics", "demo.measurements",
                             "permission denied for relation measurements", &err);
    double mean = 0;
    CU_ASSERT_EQUAL(column_mean(&mean, civis_mock_client(mock), "demo.measurements", "y",
                                "analytics", &io, &err),
                    CIVIS_EJOB);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "(From job 1 / run 2) permission denied for relation measurements");
}

static void test_save_scores_uploads_a_csv(void)
{
    /* uploads: the mock keeps the bytes, so the test reads what was sent */
    civis_mock_return(mock, "databases.list", "[{\"id\": 7, \"name\": \"analytics\"}]", &err);
    const char *names[] = {"ada", "grace, h."};
    const double scores[] = {3, 4.5};
    CU_ASSERT_EQUAL(save_scores(civis_mock_client(mock), names, scores, 2, "demo.scores",
                                "analytics", &io, &err),
                    CIVIS_OK);
    CU_ASSERT_EQUAL_FATAL(civis_mock_upload_count(mock), 1);
    const char *filename = NULL;
    CU_ASSERT_STRING_EQUAL(civis_mock_upload_bytes(mock, 0, NULL, &filename),
                           "name,score\nada,3\n\"grace, h.\",4.5\n");
    CU_ASSERT_STRING_EQUAL(filename ? filename : "", "scores"); /* named after the table */
    CIVIS_ASSERT_CALLED_WITH(mock, "imports.post_files_csv",
                             "{\"destination\": {\"schema\": \"demo\", \"table\": \"scores\"},"
                             " \"existing_table_rows\": \"drop\"}");
}

static CU_TestInfo tests[] = {
    {"row count reads the table metadata", test_row_count_reads_the_table_metadata},
    {"row count reports a missing table", test_row_count_reports_a_missing_table},
    {"row count passes API errors on", test_row_count_passes_api_errors_on},
    {"run_sql waits for the run", test_run_sql_waits_for_the_run},
    {"run_sql reports the run's error", test_run_sql_reports_the_run_error},
    {"mean reads the declared rows", test_mean_reads_the_declared_rows},
    {"mean of a column the table lacks", test_mean_of_a_column_the_table_lacks},
    {"mean reports a failed read", test_mean_reports_a_failed_read},
    {"save_scores uploads a CSV", test_save_scores_uploads_a_csv},
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
