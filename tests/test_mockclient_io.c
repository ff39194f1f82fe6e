/*
 * test_mockclient_io.c: code that reads tables through civis/io.h, unit
 * tested on the in-process mock with declared rows: no server, no network.
 * The rows come back through the same production path as over HTTP (the
 * SQL script calls, the run's gzipped output file served by the mock's
 * storage through the client's transport, the CSV reader); declared
 * failures surface as the io functions' errors; uploads are kept for the
 * test to read.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocfail.h"
#include "test.h"
#include "civis.h"
#include "civis/io.h"
#include "civis/mock.h"
#include "civis/mock_assert.h"

static const civis_future_options fast = {.no_wait = true};
static const civis_io_options io = {.polling = &fast};

/* ---- the code under test: what a user would write ----------------------------- */

/* The mean of column `x` and the correlation of columns `x` and `y` of a
 * table, read with civis_read_civis. */
static civis_status mean_and_correlation(double *mean, double *corr, civis_client *client,
                                         const char *table, const char *database, civis_error *err)
{
    const char *cols[] = {"x", "y"};
    civis_table *t = NULL;
    civis_status st = civis_read_civis(&t, client, table, cols, 2, database, &io, err);
    if (st != CIVIS_OK)
        return st;
    double n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (size_t r = 0; r < civis_table_nrows(t); r++) {
        if (civis_table_is_null(t, r, 0) || civis_table_is_null(t, r, 1))
            continue; /* as pandas skips NaN */
        double x = atof(civis_table_value(t, r, 0)), y = atof(civis_table_value(t, r, 1));
        n++;
        sx += x;
        sy += y;
        sxx += x * x;
        syy += y * y;
        sxy += x * y;
    }
    civis_table_free(t);
    *mean = sx / n;
    *corr = (n * sxy - sx * sy) / sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
    return CIVIS_OK;
}

/* ---- helpers ------------------------------------------------------------------------ */

static civis_mock *new_mock(void)
{
    civis_mock *m = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_new(&m, NULL, &err), err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    return m;
}

/* A table from a NULL-terminated list of rows of `n` cells. */
static civis_table *table_of(const char *const *names, size_t n, const char *const *cells,
                             size_t nrows)
{
    civis_table *t = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_table_new(&t, names, n, &err), err);
    for (size_t r = 0; t != NULL && r < nrows; r++)
        ASSERT_CIVIS_OK(civis_table_add_row(t, cells + r * n, &err), err);
    return t;
}

static void declare(civis_mock *m, const char *db, const char *query, const civis_table *t)
{
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_declare_result(m, db, query, t, &err), err);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    char *buf = calloc(1, 65536);
    *len = buf ? fread(buf, 1, 65535, fp) : 0;
    fclose(fp);
    return buf;
}

static const char *const XY[] = {"x", "y", "label"};

/* ---- tests --------------------------------------------------------------------------- */

static void test_mockio__a_function_reading_a_table_runs_on_declared_rows(void)
{
    civis_mock *m = new_mock();
    /* y = 2x + 1 except one NULL; the label column is not read */
    const char *cells[] = {"1", "3", "a", "2", "5", "b",  "3", NULL,
                           "c", "4", "9", "d", "5", "11", "e"};
    civis_table *t = table_of(XY, 3, cells, 5);
    declare(m, "redshift-general", "scratch.points", t);
    civis_table_free(t);
    double mean = 0, corr = 0;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(mean_and_correlation(&mean, &corr, civis_mock_client(m), "scratch.points",
                                         "redshift-general", &err),
                    err);
    CU_ASSERT_DOUBLE_EQUAL(mean, 3.0, 1e-12); /* (1 + 2 + 4 + 5) / 4 */
    CU_ASSERT_DOUBLE_EQUAL(corr, 1.0, 1e-12);
    /* the official calls, answered in-process */
    CIVIS_ASSERT_CALLED_WITH(m, "scripts.post_sql",
                             "{\"hidden\": true, \"sql\": \"select x, y from scratch.points\", "
                             "\"remote_host_id\": 1, \"credential_id\": 1, \"csv_settings\": "
                             "{\"compression\": \"gzip\"}}");
    CIVIS_ASSERT_CALL_COUNT(m, "scripts.post_sql_runs", 1);
    CIVIS_ASSERT_CALLED(m, "scripts.get_sql_runs");
    civis_mock_free(m);
}

static void test_mockio__values_come_back_as_declared(void)
{
    civis_mock *m = new_mock();
    const char *names[] = {"id", "text"};
    const char *cells[] = {"1", "plain",      "2", "", "3", NULL, "4", "comma, \"quote\"\nnewline",
                           "5", "caf\xc3\xa9"};
    civis_table *t = table_of(names, 2, cells, 5);
    declare(m, "db", "SELECT id, text\n  FROM public.notes ORDER BY id;", t);
    civis_table *got = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_read_civis_sql(&got, civis_mock_client(m),
                                         "select id, text from public.notes order by id", "db", &io,
                                         &err),
                    err);
    CU_ASSERT_FATAL(got != NULL);
    CU_ASSERT_EQUAL(civis_table_nrows(got), 5);
    CU_ASSERT_STRING_EQUAL(civis_table_column(got, 1), "text");
    for (size_t r = 0; r < 5; r++) {
        const char *want = cells[r * 2 + 1];
        CU_ASSERT_EQUAL(civis_table_is_null(got, r, 1), want == NULL);
        if (want != NULL)
            CU_ASSERT_STRING_EQUAL(civis_table_value(got, r, 1), want);
    }
    civis_table_free(got);
    civis_table_free(t);
    civis_mock_free(m);
}

static void test_mockio__a_declared_error_fails_the_read(void)
{
    civis_mock *m = new_mock();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_declare_error(m, "db", "scratch.gone",
                                             "relation \"scratch.gone\" does not exist", &err),
                    err);
    civis_table *got = NULL;
    double mean = 0, corr = 0;
    CU_ASSERT_EQUAL(
        mean_and_correlation(&mean, &corr, civis_mock_client(m), "scratch.gone", "db", &err),
        CIVIS_EJOB);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "relation \"scratch.gone\" does not exist"));
    civis_error_clear(&err);
    /* the same through the streamed read and civis_to_csv's future */
    CU_ASSERT_EQUAL(civis_read_civis_sql(&got, civis_mock_client(m), "select * from scratch.gone",
                                         "db", &io, &err),
                    CIVIS_EJOB);
    CU_ASSERT_PTR_NULL(got);
    civis_future *f = NULL;
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_civis_to_csv(&f, civis_mock_client(m), "/tmp/civis-mockio-unused.csv",
                                       "select * from scratch.gone", "db", NULL, &io, &err),
                    err);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EJOB);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "does not exist"));
    civis_future_free(f);
    CU_ASSERT_EQUAL(access("/tmp/civis-mockio-unused.csv", F_OK),
                    -1); /* a failed run writes nothing */
    civis_mock_free(m);
}

static void test_mockio__undeclared_sql_and_unknown_columns_fail_with_a_reason(void)
{
    civis_mock *m = new_mock();
    civis_table *t = table_of(XY, 3, (const char *[]){"1", "2", "a"}, 1);
    declare(m, "db", "s.t", t);
    civis_table_free(t);
    civis_table *got = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_read_civis_sql(&got, civis_mock_client(m), "select 42", "db", &io, &err),
                    CIVIS_EJOB);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "civis_mock_declare_result"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "select 42"));
    civis_error_clear(&err);
    const char *cols[] = {"x", "z"};
    CU_ASSERT_EQUAL(civis_read_civis(&got, civis_mock_client(m), "s.t", cols, 2, "db", &io, &err),
                    CIVIS_EJOB);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "column \"z\" does not exist"));
    civis_error_clear(&err);
    /* a database that was never declared is not in databases.list */
    CU_ASSERT_EQUAL(
        civis_read_civis(&got, civis_mock_client(m), "s.t", NULL, 0, "other", &io, &err),
        CIVIS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(err.message, "Database other not found.");
    CU_ASSERT_PTR_NULL(got);
    civis_mock_free(m);
}

static void test_mockio__databases_keep_their_own_rows_and_the_latest_wins(void)
{
    civis_mock *m = new_mock();
    const char *n[] = {"v"};
    civis_table *a = table_of(n, 1, (const char *[]){"from a"}, 1);
    civis_table *b = table_of(n, 1, (const char *[]){"from b"}, 1);
    civis_table *b2 = table_of(n, 1, (const char *[]){"b again"}, 1);
    declare(m, "a", "s.t", a);
    declare(m, "b", "s.t", b);
    civis_table *got = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_read_civis(&got, civis_mock_client(m), "s.t", NULL, 0, "a", &io, &err),
                    err);
    CU_ASSERT_STRING_EQUAL(civis_table_value(got, 0, 0), "from a");
    civis_table_free(got);
    declare(m, "b", "s.t", b2);
    ASSERT_CIVIS_OK(civis_read_civis(&got, civis_mock_client(m), "s.t", NULL, 0, "b", &io, &err),
                    err);
    CU_ASSERT_STRING_EQUAL(civis_table_value(got, 0, 0), "b again");
    civis_table_free(got);
    civis_table_free(a);
    civis_table_free(b);
    civis_table_free(b2);
    civis_mock_free(m);
}

static void test_mockio__the_tests_own_behaviours_win_and_clear_resets(void)
{
    civis_mock *m = new_mock();
    const char *n[] = {"v"};
    civis_table *t = table_of(n, 1, (const char *[]){"declared"}, 1);
    declare(m, "db", "s.t", t);
    civis_error err = CIVIS_ERROR_INIT;
    /* set afterwards: the test's run answer replaces the mock's */
    civis_mock_return(m, "scripts.get_sql_runs",
                      "{\"id\": 1, \"state\": \"failed\", \"error\": \"set by the test\"}", &err);
    declare(m, "db", "s.u", t); /* a later declaration leaves it alone */
    civis_table *got = NULL;
    CU_ASSERT_EQUAL(civis_read_civis(&got, civis_mock_client(m), "s.t", NULL, 0, "db", &io, &err),
                    CIVIS_EJOB);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "set by the test"));
    /* after clearing every behaviour, the next declaration answers again */
    ASSERT_CIVIS_OK(civis_mock_clear(m, NULL, &err), err);
    declare(m, "db", "s.t", t);
    ASSERT_CIVIS_OK(civis_read_civis(&got, civis_mock_client(m), "s.t", NULL, 0, "db", &io, &err),
                    err);
    CU_ASSERT(got != NULL && strcmp(civis_table_value(got, 0, 0), "declared") == 0);
    civis_table_free(got);
    civis_table_free(t);
    civis_mock_free(m);
}

static void test_mockio__civis_to_csv_writes_the_declared_rows(void)
{
    civis_mock *m = new_mock();
    const char *n[] = {"a", "b"};
    civis_table *t = table_of(n, 2, (const char *[]){"1", "x", "2", "y\tz"}, 2);
    declare(m, "db", "select * from pairs", t);
    civis_table_free(t);
    char out[] = "/tmp/civis-mockio-XXXXXX";
    close(mkstemp(out));
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_csv_options tab = {.delimiter = '\t'};
    ASSERT_CIVIS_OK(civis_civis_to_csv(&f, civis_mock_client(m), out, "select * from pairs", "db",
                                       &tab, &io, &err),
                    err);
    ASSERT_CIVIS_OK(civis_future_result(NULL, f, &err), err);
    civis_future_free(f);
    size_t len = 0;
    char *text = slurp(out, &len);
    CU_ASSERT(text != NULL && strcmp(text, "a\tb\n1\tx\n2\t\"y\tz\"\n") == 0);
    free(text);
    /* unquoted: every field as it is, as Redshift unloads without ADDQUOTES */
    civis_csv_options raw = {.delimiter = '|', .unquoted = true};
    ASSERT_CIVIS_OK(civis_civis_to_csv(&f, civis_mock_client(m), out, "select * from pairs", "db",
                                       &raw, &io, &err),
                    err);
    ASSERT_CIVIS_OK(civis_future_result(NULL, f, &err), err);
    civis_future_free(f);
    text = slurp(out, &len);
    CU_ASSERT(text != NULL && strcmp(text, "a|b\n1|x\n2|y\tz\n") == 0);
    free(text);
    unlink(out);
    civis_mock_free(m);
}

static void test_mockio__an_export_is_a_file_to_download(void)
{
    civis_mock *m = new_mock();
    const char *n[] = {"a"};
    civis_table *t = table_of(n, 1, (const char *[]){"1", "2"}, 2);
    declare(m, "db", "select a from s.t", t);
    civis_table_free(t);
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_export_to_civis_file(&f, civis_mock_client(m), "select a from s.t", "db",
                                               NULL, &io, &err),
                    err);
    const civis_response *run = NULL;
    ASSERT_CIVIS_OK(civis_future_result(&run, f, &err), err);
    long long fid = 0;
    ASSERT_CIVIS_OK(civis_response_int(&fid, run, "output.0.file_id", &err), err);
    civis_future_free(f);
    char *bytes = NULL;
    size_t len = 0;
    ASSERT_CIVIS_OK(civis_civis_to_buffer(&bytes, &len, civis_mock_client(m), fid, NULL, &err),
                    err);
    /* csv_settings {} exports gzip, as civis-mock does */
    CU_ASSERT(len > 2 && (unsigned char)bytes[0] == 0x1f && (unsigned char)bytes[1] == 0x8b);
    civis_free(bytes);
    /* an uncompressed export reads back as text */
    cJSON *none = cJSON_Parse("{\"compression\": \"none\", \"include_header\": false}");
    ASSERT_CIVIS_OK(civis_export_to_civis_file(&f, civis_mock_client(m), "select a from s.t", "db",
                                               none, &io, &err),
                    err);
    ASSERT_CIVIS_OK(civis_future_result(&run, f, &err), err);
    ASSERT_CIVIS_OK(civis_response_int(&fid, run, "output.0.file_id", &err), err);
    civis_future_free(f);
    ASSERT_CIVIS_OK(civis_civis_to_buffer(&bytes, &len, civis_mock_client(m), fid, NULL, &err),
                    err);
    CU_ASSERT(bytes != NULL && strcmp(bytes, "1\n2\n") == 0);
    civis_free(bytes);
    cJSON_Delete(none);
    civis_mock_free(m);
}

static void test_mockio__multifile_exports_list_their_parts(void)
{
    civis_mock *m = new_mock();
    const char *n[] = {"a", "b"};
    civis_table *t = table_of(n, 2, (const char *[]){"1", "x|y", "2", NULL}, 2);
    declare(m, "db", "s.t", t);
    civis_table_free(t);
    cJSON *manifest = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_civis_to_multifile_csv(&manifest, civis_mock_client(m),
                                                 "select * from s.t", "db", NULL, &io, &err),
                    err);
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(manifest, "entries");
    const cJSON *url =
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(entries, 0), "url_signed");
    char *header = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(manifest, "header"));
    CU_ASSERT(header != NULL && strcmp(header, "[\"a\",\"b\"]") == 0);
    cJSON_free(header);
    CU_ASSERT_STRING_EQUAL(
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(manifest, "delimiter")), "|");
    CU_ASSERT_FATAL(cJSON_IsString(url));
    /* the part: a file holding the rows without the header, pipes, compression "none" */
    long long part_id = 0;
    ASSERT_CIVIS_OK(civis_json_int(&part_id, cJSON_GetArrayItem(entries, 0), "id", &err), err);
    char *bytes = NULL;
    size_t len = 0;
    ASSERT_CIVIS_OK(civis_civis_to_buffer(&bytes, &len, civis_mock_client(m), part_id, NULL, &err),
                    err);
    CU_ASSERT(bytes != NULL && strcmp(bytes, "1|\"x|y\"\n2|\n") == 0);
    civis_free(bytes);
    cJSON_Delete(manifest);
    civis_mock_free(m);
}

static void test_mockio__query_civis_previews_declared_rows(void)
{
    civis_mock *m = new_mock();
    const char *n[] = {"k", "v"};
    civis_table *t = table_of(n, 2, (const char *[]){"1", "one", "2", NULL, "3", "three"}, 3);
    declare(m, "db", "public.kv", t);
    civis_table_free(t);
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(
        civis_query_civis(&f, civis_mock_client(m), "select * from public.kv", "db", 2, &io, &err),
        err);
    const civis_response *q = NULL;
    ASSERT_CIVIS_OK(civis_future_result(&q, f, &err), err);
    const cJSON *rows = civis_response_get(q, "result_rows");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(rows), 2);
    CU_ASSERT(cJSON_IsNull(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 1), 1)));
    const cJSON *c0 = cJSON_GetArrayItem(civis_response_get(q, "result_columns"), 0);
    CU_ASSERT(cJSON_IsString(c0) && strcmp(c0->valuestring, "k") == 0);
    civis_future_free(f);
    CIVIS_ASSERT_CALLED_WITH(m, "queries.post", "{\"preview_rows\": 2, \"database\": 1}");
    civis_mock_free(m);
}

static void test_mockio__table_to_civis_upload_is_recorded(void)
{
    civis_mock *m = new_mock();
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock_return(m, "databases.list", "[{\"id\": 4, \"name\": \"db\"}]", &err);
    civis_mock_return(m, "credentials.list", "[{\"id\": 9}]", &err);
    civis_mock_return(m, "files.post",
                      "{\"id\": 70, \"uploadUrl\": \"https://storage.invalid/up\", "
                      "\"uploadFields\": {\"key\": \"k/70\"}}",
                      &err);
    civis_mock_return(m, "imports.post_files_csv", "{\"id\": 80}", &err);
    civis_mock_return(m, "imports.post_files_csv_runs", "{\"id\": 81, \"state\": \"queued\"}",
                      &err);
    civis_mock_return(m, "imports.get_files_csv_runs", "{\"id\": 81, \"state\": \"succeeded\"}",
                      &err);
    const char *n[] = {"a", "b"};
    civis_table *t = table_of(n, 2, (const char *[]){"1", "x, y", "2", NULL}, 2);
    civis_future *f = NULL;
    ASSERT_CIVIS_OK(
        civis_table_to_civis(&f, civis_mock_client(m), t, "db", "s.up", NULL, &io, &err), err);
    ASSERT_CIVIS_OK(civis_future_result(NULL, f, &err), err);
    civis_future_free(f);
    civis_table_free(t);
    CU_ASSERT_EQUAL(civis_mock_upload_count(m), 1);
    size_t len = 0;
    const char *name = NULL;
    const char *bytes = civis_mock_upload_bytes(m, 0, &len, &name);
    CU_ASSERT_FATAL(bytes != NULL);
    CU_ASSERT_EQUAL(len, strlen("a,b\n1,\"x, y\"\n2,\n"));
    CU_ASSERT_STRING_EQUAL(bytes, "a,b\n1,\"x, y\"\n2,\n");
    CU_ASSERT_PTR_NULL(civis_mock_upload_bytes(m, 1, &len, &name));
    CU_ASSERT_EQUAL(len, 0);
    CIVIS_ASSERT_CALLED_WITH(m, "files.post_preprocess_csv", "{\"file_id\": 70}");
    civis_mock_free(m);
}

static void test_mockio__an_unknown_storage_url_is_a_404(void)
{
    civis_mock *m = new_mock();
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock_return(m, "databases.list", "[{\"id\": 4, \"name\": \"db\"}]", &err);
    civis_mock_return(m, "credentials.list", "[{\"id\": 9}]", &err);
    civis_mock_return(m, "scripts.post_sql", "{\"id\": 5}", &err);
    civis_mock_return(m, "scripts.post_sql_runs", "{\"id\": 6}", &err);
    civis_mock_return(m, "scripts.get_sql_runs",
                      "{\"id\": 6, \"state\": \"succeeded\", \"output\": [{\"path\": "
                      "\"https://storage.invalid/nothing-here?X-Amz-Signature=secret\"}]}",
                      &err);
    civis_table *got = NULL;
    CU_ASSERT_EQUAL(civis_read_civis_sql(&got, civis_mock_client(m), "select 1", "db", &io, &err),
                    CIVIS_EHTTP);
    CU_ASSERT_EQUAL(err.http_status, 404);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "refused by the storage at "
                                               "https://storage.invalid"));
    CU_ASSERT_PTR_NULL(strstr(err.message, "secret")); /* signatures stay out of messages */
    CU_ASSERT_PTR_NULL(got);
    civis_mock_free(m);
}

static void test_mockio__bad_declarations_are_refused(void)
{
    civis_mock *m = new_mock();
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_mock_declare_result(m, "db", "s.t", NULL, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "rows");
    civis_error_clear(&err);
    civis_table *t = table_of(XY, 3, NULL, 0);
    CU_ASSERT_EQUAL(civis_mock_declare_result(m, "db", "", t, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "query");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_mock_declare_error(m, "db", "s.t", "", &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "message");
    civis_table_free(t);
    CU_ASSERT_EQUAL(civis_mock_journal_count(m), 0);
    civis_mock_free(m);
}

/* Reads from several threads on one mock: each gets the rows of its own
 * table, whatever the others do. */
typedef struct reader {
    civis_mock *mock;
    char table[16];
    int ok; /* reads that returned the table's rows */
} reader;

static void *read_loop(void *arg)
{
    reader *r = arg;
    for (int i = 0; i < 20; i++) {
        civis_table *got = NULL;
        civis_error err = CIVIS_ERROR_INIT;
        if (civis_read_civis(&got, civis_mock_client(r->mock), r->table, NULL, 0, "db", &io,
                             &err) == CIVIS_OK &&
            civis_table_nrows(got) == 1 && strcmp(civis_table_value(got, 0, 0), r->table) == 0)
            r->ok++;
        civis_table_free(got);
    }
    return NULL;
}

static void test_mockio__threads_read_their_own_tables(void)
{
    civis_mock *m = new_mock();
    reader rs[4];
    const char *n[] = {"name"};
    for (int i = 0; i < 4; i++) {
        rs[i] = (reader){.mock = m};
        snprintf(rs[i].table, sizeof(rs[i].table), "s.t%d", i);
        const char *cell[] = {rs[i].table};
        civis_table *t = table_of(n, 1, cell, 1);
        declare(m, "db", rs[i].table, t);
        civis_table_free(t);
    }
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, read_loop, &rs[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(rs[i].ok, 20);
    CIVIS_ASSERT_CALL_COUNT(m, "scripts.post_sql", 80);
    civis_mock_free(m);
}

/* One read, for the allocation walk: each failure must come back clean. */
static civis_status read_once(void *ctx)
{
    civis_table *got = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    const char *cols[] = {"y", "x"};
    civis_status st =
        civis_read_civis(&got, civis_mock_client(ctx), "s.t", cols, 2, "db", &io, &err);
    if (st == CIVIS_OK)
        CU_ASSERT(civis_table_nrows(got) == 2 && strcmp(civis_table_column(got, 0), "y") == 0 &&
                  strcmp(civis_table_value(got, 1, 1), "3") == 0);
    civis_table_free(got);
    return st;
}

static void test_mockio__a_read_survives_every_allocation_failure(void)
{
    civis_mock *m = new_mock();
    civis_table *t = table_of(XY, 3, (const char *[]){"1", "2", "a", "3", "4", "b"}, 2);
    declare(m, "db", "s.t", t);
    civis_table_free(t);
    CU_ASSERT(civis_test_alloc_walk(read_once, m, 5000) > 10);
    civis_mock_free(m);
}

/* A query preview and an upload, for the allocation walk. */
static civis_status query_and_upload(void *ctx)
{
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st =
        civis_query_civis(&f, civis_mock_client(ctx), "select * from s.t", "db", 1, &io, &err);
    const civis_response *q = NULL;
    if (st == CIVIS_OK)
        st = civis_future_result(&q, f, &err);
    if (st == CIVIS_OK)
        CU_ASSERT_EQUAL(civis_response_len(q, "result_rows"), 1);
    civis_future_free(f);
    long long id = 0;
    if (st == CIVIS_OK)
        st = civis_buffer_to_civis(&id, civis_mock_client(ctx), "a,b\n", 4, "x.csv", NULL, &err);
    return st;
}

static void test_mockio__queries_and_uploads_survive_every_allocation_failure(void)
{
    civis_mock *m = new_mock();
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock_return(m, "files.post",
                      "{\"id\": 70, \"uploadUrl\": \"https://storage.invalid/up\", "
                      "\"uploadFields\": {\"key\": \"k/70\"}}",
                      &err);
    civis_table *t = table_of(XY, 3, (const char *[]){"1", "2", "a", "3", "4", "b"}, 2);
    declare(m, "db", "s.t", t);
    civis_table_free(t);
    CU_ASSERT(civis_test_alloc_walk(query_and_upload, m, 5000) > 10);
    size_t len = 0;
    const char *last = civis_mock_upload_bytes(m, civis_mock_upload_count(m) - 1, &len, NULL);
    CU_ASSERT(last != NULL && len == 4 && strcmp(last, "a,b\n") == 0);
    civis_mock_free(m);
}

static CU_TestInfo tests[] = {
    {"mean and correlation on declared rows",
     test_mockio__a_function_reading_a_table_runs_on_declared_rows},
    {"values as declared", test_mockio__values_come_back_as_declared},
    {"declared error", test_mockio__a_declared_error_fails_the_read},
    {"undeclared SQL, unknown column",
     test_mockio__undeclared_sql_and_unknown_columns_fail_with_a_reason},
    {"databases apart, latest wins",
     test_mockio__databases_keep_their_own_rows_and_the_latest_wins},
    {"own behaviours win, clear resets",
     test_mockio__the_tests_own_behaviours_win_and_clear_resets},
    {"civis_to_csv", test_mockio__civis_to_csv_writes_the_declared_rows},
    {"query_civis previews", test_mockio__query_civis_previews_declared_rows},
    {"export_to_civis_file", test_mockio__an_export_is_a_file_to_download},
    {"multi-file export", test_mockio__multifile_exports_list_their_parts},
    {"uploads recorded", test_mockio__table_to_civis_upload_is_recorded},
    {"unknown storage URL", test_mockio__an_unknown_storage_url_is_a_404},
    {"bad declarations", test_mockio__bad_declarations_are_refused},
    {"threads", test_mockio__threads_read_their_own_tables},
    {"allocation failures", test_mockio__a_read_survives_every_allocation_failure},
    {"allocation failures, queries and uploads",
     test_mockio__queries_and_uploads_survive_every_allocation_failure},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mockclient_io, tests, NULL, NULL)
