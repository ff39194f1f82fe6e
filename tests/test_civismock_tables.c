/*
 * test_civismock_tables.c: civis-mock's tables for CI, over HTTP with
 * libcivis: tables seeded at start-up (--table, a fixture's "tables") and
 * through POST /__mock/tables, what a reset keeps, keys and databases that
 * never see each other's tables, transfer_table (a Dbsync import) with the
 * official calls and bodies, multi-file exports with their manifest, and
 * escaped CSV imports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include <zlib.h>

#include "test.h"
#include "test_client_support.h"
#include "civis/io.h"
#include "civis/sys/fixture.h"

static civis_mockproc mp;
static bool mock_up;

static const civis_future_options fast = {.no_wait = true};
static const civis_file_options quick = {.no_retry_wait = true, .max_attempts = 3};
static const civis_io_options io = {.polling = &fast, .files = &quick};

#define DB "civis-mock"
#define WH "warehouse"

static int suite_init(void)
{
    static char staff[512], orders[600], fixture[512], staff_path[480], orders_path[480];
    civis_test_data(staff_path, sizeof(staff_path), "tables/staff.csv");
    civis_test_data(orders_path, sizeof(orders_path), "tables/orders.csv");
    snprintf(staff, sizeof(staff), "hr.staff=%s", staff_path);
    snprintf(orders, sizeof(orders), WH ":sales.orders=%s", orders_path);
    civis_test_data(fixture, sizeof(fixture), "tables/fixture.json");
    const char *args[] = {"--database", WH,           "--table", staff, "--table",
                          orders,       "--fixtures", fixture,   NULL};
    mock_up = civis_mockproc_start(&mp, args) == 0;
    return mock_up ? 0 : 1;
}

static int suite_cleanup(void)
{
    return mock_up && civis_mockproc_stop(&mp) != 0 ? 1 : 0;
}

/* The result of `sql` on `database` for `key`; NULL (with a message) on failure. */
static civis_table *query(civis_client *c, const char *sql, const char *database, civis_error *err)
{
    civis_table *t = NULL;
    civis_status st = civis_read_civis_sql(&t, c, sql, database, &io, err);
    if (st != CIVIS_OK)
        return NULL;
    return t;
}

static bool value_is(const civis_table *t, size_t row, size_t col, const char *want)
{
    const char *v = civis_table_value(t, row, col);
    bool same = (v == NULL && want == NULL) || (v != NULL && want != NULL && strcmp(v, want) == 0);
    if (!same)
        fprintf(stderr, "\n  row %zu col %zu: got [%s] want [%s]\n", row, col, v ? v : "NULL",
                want ? want : "NULL");
    return same;
}

/* GET /databases/{db}/schemas/{schema}/tables/{table}: the status, and the body in *out. */
static long table_status(const char *key, long db, const char *schema, const char *table,
                         cJSON **out)
{
    char path[256];
    snprintf(path, sizeof(path), "/databases/%ld/schemas/%s/tables/%s", db, schema, table);
    return civis_mockproc_json(out, &mp, "GET", path, key, NULL);
}

static void test_tables__seeded_by_the_flag_are_read_back_with_detected_types(void)
{
    civis_client *c = mock_client(&mp, "seed-a", NULL);
    civis_error err = CIVIS_ERROR_INIT;
    civis_table *t =
        query(c, "select id, name, salary, active, hired from hr.staff order by id", DB, &err);
    if (t == NULL)
        fprintf(stderr, "\n  %s\n", err.message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(civis_table_nrows(t), 10);
    CU_ASSERT(value_is(t, 0, 1, "Smith, Jane"));
    CU_ASSERT(value_is(t, 1, 1, "Zoë"));
    CU_ASSERT(value_is(t, 2, 1, "Say \"hi\""));
    CU_ASSERT(value_is(t, 2, 2, NULL));
    CU_ASSERT(value_is(t, 3, 4, NULL));
    CU_ASSERT(value_is(t, 5, 1, "two\nlines"));
    CU_ASSERT(value_is(t, 0, 2, "52000.5"));
    CU_ASSERT(value_is(t, 1, 3, "false"));
    civis_table_free(t);
    /* The header named the columns; the data chose their types. */
    cJSON *tbl = NULL;
    CU_ASSERT_EQUAL(table_status("seed-a", 1, "hr", "staff", &tbl), 200);
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(tbl, "columns");
    const char *want[][2] = {{"id", "INT"},
                             {"name", "VARCHAR"},
                             {"salary", "DOUBLE PRECISION"},
                             {"active", "BOOLEAN"},
                             {"hired", "DATE"}};
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cols), 5);
    for (int i = 0; i < 5 && i < cJSON_GetArraySize(cols); i++) {
        const cJSON *col = cJSON_GetArrayItem(cols, i);
        CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItemCaseSensitive(col, "name")->valuestring,
                               want[i][0]);
        CU_ASSERT(strncmp(cJSON_GetObjectItemCaseSensitive(col, "sqlType")->valuestring, want[i][1],
                          strlen(want[i][1])) == 0);
    }
    CU_ASSERT_EQUAL(cJSON_GetObjectItemCaseSensitive(tbl, "rowCount")->valueint, 10);
    cJSON_Delete(tbl);
    civis_client_free(c);
}

static void test_tables__a_seed_goes_to_the_database_it_names(void)
{
    civis_client *c = mock_client(&mp, "seed-b", NULL);
    civis_error err = CIVIS_ERROR_INIT;
    civis_table *t =
        query(c, "select customer, total from sales.orders order by order_id", WH, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(civis_table_nrows(t), 3);
    CU_ASSERT(value_is(t, 1, 0, "globex"));
    CU_ASSERT(value_is(t, 2, 1, "7.25"));
    civis_table_free(t);
    /* Not in the default database: each database is its own. */
    CU_ASSERT_EQUAL(table_status("seed-b", 1, "sales", "orders", NULL), 404);
    CU_ASSERT_EQUAL(table_status("seed-b", 2, "hr", "staff", NULL), 404);
    CU_ASSERT_PTR_NULL(query(c, "select * from sales.orders", DB, &err));
    CU_ASSERT_EQUAL(err.code, CIVIS_EJOB);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "orders"));
    civis_client_free(c);
}

static void test_tables__fixture_tables_are_seeded_and_scoped(void)
{
    civis_client *c = mock_client(&mp, "seed-c", NULL);
    civis_error err = CIVIS_ERROR_INIT;
    civis_table *t = query(c, "select code, label, rank from ref.codes order by code", DB, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(civis_table_nrows(t), 3);
    CU_ASSERT(value_is(t, 1, 1, ""));   /* "" stays an empty string */
    CU_ASSERT(value_is(t, 2, 1, NULL)); /* null is NULL */
    CU_ASSERT(value_is(t, 0, 2, "1"));
    civis_table_free(t);
    /* The fixture's other table is for one key only. */
    CU_ASSERT_EQUAL(table_status("seed-c", 1, "ref", "private", NULL), 404);
    CU_ASSERT_EQUAL(table_status("fixture-only", 1, "ref", "private", NULL), 200);
    /* The exchanges beside the tables load too. */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/scripts/sql/424242", "seed-c", NULL),
                    404);
    civis_client_free(c);
}

static void test_tables__admin_api_seeds_every_key_and_reset_keeps_start_up_seeds(void)
{
    civis_client *a = mock_client(&mp, "adm-a", NULL);
    civis_error err = CIVIS_ERROR_INIT;
    /* adm-a's database is open before the seed arrives, and it has a table of its own. */
    civis_table *t =
        query(a, "create table own.t as select 1 as x; select count(*) as n from own.t", DB, &err);
    CU_ASSERT_PTR_NOT_NULL(t);
    civis_table_free(t);
    CU_ASSERT_EQUAL(
        mock_admin(&mp, "/__mock/tables",
                   "{\"table\": \"adm.colors\", \"csv\": \"name,hex\\nred,#f00\\nblue,#00f\\n\"}"),
        201);
    /* CSV text with ?table=, into another database. */
    civis_http_reply rep;
    const char *csv = "n\n1\n2\n3\n";
    CU_ASSERT_EQUAL(civis_mockproc_request(&rep, &mp, "POST",
                                           "/__mock/tables?table=adm.nums&database=" WH, NULL, csv,
                                           strlen(csv)),
                    0);
    CU_ASSERT_EQUAL(rep.status, 201);
    civis_http_reply_clear(&rep);
    /* One for one key only. */
    const char *hdr[] = {"X-Civis-Mock-Key: adm-b", "Content-Type: application/json", NULL};
    const char *scoped = "{\"table\": \"adm.mine\", \"csv\": \"v\\nb-only\\n\"}";
    CU_ASSERT_EQUAL(
        civis_mockproc_request(&rep, &mp, "POST", "/__mock/tables", hdr, scoped, strlen(scoped)),
        0);
    CU_ASSERT_EQUAL(rep.status, 201);
    civis_http_reply_clear(&rep);

    t = query(a, "select hex from adm.colors order by name", DB, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT(value_is(t, 0, 0, "#00f"));
    civis_table_free(t);
    civis_client *b = mock_client(&mp, "adm-b", NULL);
    t = query(b, "select sum(n) as s from adm.nums", WH, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT(value_is(t, 0, 0, "6"));
    civis_table_free(t);
    CU_ASSERT_EQUAL(table_status("adm-b", 1, "adm", "mine", NULL), 200);
    CU_ASSERT_EQUAL(table_status("adm-a", 1, "adm", "mine", NULL), 404);
    /* GET lists every seed with where it came from. */
    cJSON *list = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&list, &mp, "GET", "/__mock/tables", NULL, NULL), 200);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(list, "tables")), 7);
    cJSON_Delete(list);

    /* A bad declaration names its problem and adds nothing. */
    CU_ASSERT_EQUAL(mock_admin(&mp, "/__mock/tables", "{\"table\": \"adm.bad\"}"), 400);
    CU_ASSERT_EQUAL(mock_admin(&mp, "/__mock/tables",
                               "{\"table\": \"adm.bad\", \"csv\": \"a\\n1\\n\", \"database\": "
                               "\"nope\"}"),
                    400);

    /* Reset: back to the start-up state. */
    CU_ASSERT(mock_reset(&mp));
    CU_ASSERT_EQUAL(table_status("adm-a", 1, "own", "t", NULL), 404);
    CU_ASSERT_EQUAL(table_status("adm-a", 1, "adm", "colors", NULL), 404);
    CU_ASSERT_EQUAL(table_status("adm-b", 2, "adm", "nums", NULL), 404);
    CU_ASSERT_EQUAL(table_status("adm-a", 1, "hr", "staff", NULL), 200);
    CU_ASSERT_EQUAL(table_status("adm-a", 2, "sales", "orders", NULL), 200);
    CU_ASSERT_EQUAL(table_status("adm-a", 1, "ref", "codes", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_json(&list, &mp, "GET", "/__mock/tables", NULL, NULL), 200);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(list, "tables")), 4);
    cJSON_Delete(list);
    civis_client_free(a);
    civis_client_free(b);
}

static void test_tables__past_the_seed_limit_is_507(void)
{
    /* One request declaring more tables than civis-mock holds. */
    size_t cap = 64 * 1024, n = 0;
    char *doc = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    n += (size_t)snprintf(doc + n, cap - n, "[");
    for (int i = 0; i < 70; i++)
        n +=
            (size_t)snprintf(doc + n, cap - n, "%s{\"table\": \"lim.t%d\", \"csv\": \"a\\n%d\\n\"}",
                             i ? "," : "", i, i);
    snprintf(doc + n, cap - n, "]");
    civis_http_reply rep;
    CU_ASSERT_EQUAL(civis_mockproc_call(&rep, &mp, "POST", "/__mock/tables", NULL, doc), 0);
    CU_ASSERT_EQUAL(rep.status, 507);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep.body, "at most 64 seeded tables"));
    civis_http_reply_clear(&rep);
    free(doc);
    CU_ASSERT(mock_reset(&mp));
}

static void test_tables__two_keys_never_see_each_others_tables(void)
{
    civis_client *a = mock_client(&mp, "iso-a", NULL);
    civis_client *b = mock_client(&mp, "iso-b", NULL);
    civis_error err = CIVIS_ERROR_INIT;
    civis_table *t =
        query(a, "create table priv.t as select 'a' as who; select who from priv.t", DB, &err);
    CU_ASSERT_PTR_NOT_NULL(t);
    civis_table_free(t);
    t = query(b, "create table priv.t as select 'b' as who; select who from priv.t", DB, &err);
    CU_ASSERT_PTR_NOT_NULL(t);
    civis_table_free(t);
    t = query(a, "select who from priv.t", DB, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT(value_is(t, 0, 0, "a"));
    CU_ASSERT_EQUAL(civis_table_nrows(t), 1);
    civis_table_free(t);
    t = query(a, "create table onlya.x as select 1 as one; select 1", DB, &err);
    civis_table_free(t);
    CU_ASSERT_EQUAL(table_status("iso-b", 1, "onlya", "x", NULL), 404);
    CU_ASSERT_EQUAL(table_status("iso-a", 1, "onlya", "x", NULL), 200);
    civis_client_free(a);
    civis_client_free(b);
}

static void test_tables__each_database_is_distinct(void)
{
    civis_client *c = mock_client(&mp, "dbs", NULL);
    civis_error err = CIVIS_ERROR_INIT;
    civis_table *t =
        query(c, "create table w.only_here as select 42 as answer; select answer from w.only_here",
              WH, &err);
    CU_ASSERT_PTR_NOT_NULL(t);
    civis_table_free(t);
    t = query(c, "create table w.only_here as select 7 as answer; select answer from w.only_here",
              DB, &err);
    CU_ASSERT_PTR_NOT_NULL(t); /* the same name is free in the other database */
    civis_table_free(t);
    t = query(c, "select answer from w.only_here", WH, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT(value_is(t, 0, 0, "42"));
    civis_table_free(t);
    /* The tables API answers per database. */
    cJSON *list = NULL;
    CU_ASSERT_EQUAL(
        civis_mockproc_json(&list, &mp, "GET", "/tables?database_id=2&schema=w", "dbs", NULL), 200);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(list), 1);
    const cJSON *first = cJSON_GetArrayItem(list, 0);
    CU_ASSERT_EQUAL(cJSON_GetObjectItemCaseSensitive(first, "databaseId")->valueint, 2);
    cJSON_Delete(list);
    CU_ASSERT_EQUAL(civis_mockproc_json(&list, &mp, "GET", "/tables?schema=w", "dbs", NULL), 200);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(list), 2); /* one in each database */
    cJSON_Delete(list);
    civis_client_free(c);
}

static cJSON *body_of(const cJSON *entry)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(entry, "body");
    if (cJSON_IsString(b))
        return cJSON_Parse(b->valuestring);
    return b ? cJSON_Duplicate(b, true) : NULL;
}

/* Whether the journal's first body of `op` for `key` is exactly `want`, keys in order. */
static bool first_body_is(const char *key, const char *op, const char *want)
{
    char q[160];
    snprintf(q, sizeof(q), "operation=%s&api_key=%s", op, key);
    cJSON *calls = mock_calls(&mp, q);
    cJSON *b = body_of(cJSON_GetArrayItem(calls, 0));
    char *text = b ? cJSON_PrintUnformatted(b) : NULL;
    bool same = text != NULL && strcmp(text, want) == 0;
    if (!same)
        fprintf(stderr, "\n  %s body: %s\n  want:    %s\n", op, text ? text : "(none)", want);
    cJSON_free(text);
    cJSON_Delete(b);
    cJSON_Delete(calls);
    return same;
}

static void test_tables__transfer_table_copies_with_the_official_calls(void)
{
    civis_client *c = mock_client(&mp, "xfer", NULL);
    civis_error err = CIVIS_ERROR_INIT;
    civis_future *f = NULL;
    civis_io_options o = io;
    o.job_name = "copy staff";
    civis_status st =
        civis_transfer_table(&f, c, DB, WH, "hr.staff", "hr.staff_copy", NULL, &o, &err);
    if (st != CIVIS_OK)
        fprintf(stderr, "\n  transfer_table: %s\n", err.message);
    CU_ASSERT_EQUAL_FATAL(st, CIVIS_OK);
    st = civis_future_result(NULL, f, &err);
    if (st != CIVIS_OK)
        fprintf(stderr, "\n  future: %s\n", err.message);
    CU_ASSERT_EQUAL(st, CIVIS_OK);
    civis_future_free(f);

    /* The official sequence, in order. */
    cJSON *all = mock_calls(&mp, "api_key=xfer");
    /* get_database_id is memoised per name (lru_cache): one list per database. */
    const char *want[] = {"credentials.list",      "databases.list",     "databases.list",
                          "imports.post",          "imports.post_syncs", "imports.post_runs",
                          "imports.get_files_runs"};
    size_t i = 0, n = sizeof(want) / sizeof(want[0]);
    for (const cJSON *e = all ? all->child : NULL; e != NULL && i < n; e = e->next) {
        const cJSON *op = cJSON_GetObjectItemCaseSensitive(e, "operation");
        if (!cJSON_IsString(op) || strcmp(op->valuestring, "endpoints.get") == 0)
            continue;
        if (strcmp(op->valuestring, want[i]) != 0)
            fprintf(stderr, "\n  call %zu: %s, want %s\n", i, op->valuestring, want[i]);
        CU_ASSERT_STRING_EQUAL(op->valuestring, want[i]);
        i++;
    }
    CU_ASSERT_EQUAL(i, n);
    cJSON_Delete(all);
    CU_ASSERT(first_body_is("xfer", "imports.post",
                            "{\"name\":\"copy staff\",\"sync_type\":\"Dbsync\",\"source\":{"
                            "\"remote_host_id\":1,\"credential_id\":900000001},\"destination\":{"
                            "\"remote_host_id\":2,\"credential_id\":900000001},\"is_outbound\":"
                            "true}"));
    CU_ASSERT(first_body_is("xfer", "imports.post_syncs",
                            "{\"source\":{\"path\":\"hr.staff\"},\"destination\":{\"path\":\"hr."
                            "staff_copy\"},\"advanced_options\":{}}"));

    /* The rows and columns are where the official client expects them. */
    civis_table *src = query(c, "select * from hr.staff order by id", DB, &err);
    civis_table *dst = query(c, "select * from hr.staff_copy order by id", WH, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dst);
    CU_ASSERT_EQUAL(civis_table_ncols(dst), civis_table_ncols(src));
    CU_ASSERT_EQUAL(civis_table_nrows(dst), civis_table_nrows(src));
    for (size_t r = 0; r < civis_table_nrows(src); r++)
        for (size_t k = 0; k < civis_table_ncols(src); k++)
            CU_ASSERT(value_is(dst, r, k, civis_table_value(src, r, k)));
    civis_table_free(src);
    civis_table_free(dst);
    cJSON *tbl = NULL;
    CU_ASSERT_EQUAL(table_status("xfer", 2, "hr", "staff_copy", &tbl), 200);
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(tbl, "columns");
    CU_ASSERT_STRING_EQUAL(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(cols, 2), "sqlType")->valuestring,
        "DOUBLE PRECISION");
    cJSON_Delete(tbl);

    /* Again: the destination exists and the mode is fail. */
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(
        civis_transfer_table(&f, c, DB, WH, "hr.staff", "hr.staff_copy", NULL, &io, &err),
        CIVIS_OK);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EJOB);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "hr.staff_copy already exists"));
    civis_future_free(f);
    /* existing_table_rows drop replaces it. */
    cJSON *adv = cJSON_Parse("{\"existing_table_rows\": \"drop\"}");
    civis_transfer_options x = {.advanced_options = adv};
    CU_ASSERT_EQUAL(
        civis_transfer_table(&f, c, DB, WH, "ref.codes", "hr.staff_copy", &x, &io, &err), CIVIS_OK);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_OK);
    civis_future_free(f);
    cJSON_Delete(adv);
    civis_table *t = query(c, "select count(*) as n from hr.staff_copy", WH, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT(value_is(t, 0, 0, "3"));
    civis_table_free(t);
    /* A missing source fails the run naming it. */
    civis_error_clear(&err); /* the first error wins: start afresh */
    CU_ASSERT_EQUAL(civis_transfer_table(&f, c, DB, WH, "hr.nobody", "hr.nobody", NULL, &io, &err),
                    CIVIS_OK);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EJOB);
    if (strstr(err.message, "hr.nobody does not exist") == NULL)
        fprintf(stderr, "\n  missing source: %s\n", err.message);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "hr.nobody does not exist"));
    civis_future_free(f);
    civis_client_free(c);
}

/* The bytes of Civis file `id`. */
static char *file_bytes(civis_client *c, long long id, size_t *len)
{
    char *data = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_civis_to_buffer(&data, len, c, id, &quick, &err) != CIVIS_OK)
        fprintf(stderr, "\n  file %lld: %s\n", id, err.message);
    return data;
}

static void test_tables__multifile_export_and_its_manifest(void)
{
    civis_client *c = mock_client(&mp, "multi", NULL);
    civis_error err = CIVIS_ERROR_INIT;
    const char *sql = "select id, name, salary from hr.staff order by id";
    cJSON *m = NULL;
    civis_multifile_options mf = {.delimiter = ','};
    civis_status st = civis_civis_to_multifile_csv(&m, c, sql, DB, &mf, &io, &err);
    if (st != CIVIS_OK)
        fprintf(stderr, "\n  multifile: %s\n", err.message);
    CU_ASSERT_EQUAL_FATAL(st, CIVIS_OK);
    cJSON *calls = mock_calls(&mp, "operation=scripts.post_sql&api_key=multi");
    cJSON *b = body_of(cJSON_GetArrayItem(calls, 0));
    char *cs =
        b ? cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(b, "csv_settings")) : NULL;
    CU_ASSERT(cs != NULL &&
              strcmp(cs, "{\"include_header\":true,\"compression\":\"none\",\"column_delimiter\":"
                         "\"comma\",\"unquoted\":false,\"filename_prefix\":null,"
                         "\"force_multifile\":true,\"max_file_size\":null}") == 0);
    cJSON_free(cs);
    cJSON_Delete(b);
    cJSON_Delete(calls);

    const cJSON *header = cJSON_GetObjectItemCaseSensitive(m, "header");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(header), 3);
    CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(header, 1)->valuestring, "name");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItemCaseSensitive(m, "query")->valuestring, sql);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItemCaseSensitive(m, "delimiter")->valuestring, ",");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItemCaseSensitive(m, "compression")->valuestring, "none");
    CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(m, "unquoted")));
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(m, "entries");
    CU_ASSERT(cJSON_GetArraySize(entries) > 1);
    /* The parts, in order, are the single-file export without its header. */
    size_t cap = 4096, used = 0;
    char *joined = calloc(1, cap);
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, entries)
    {
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(e, "url");
        CU_ASSERT(cJSON_IsString(url) && strncmp(url->valuestring, "s3://", 5) == 0);
        CU_ASSERT(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "url_signed")));
        size_t len = 0;
        char *part =
            file_bytes(c, (long long)cJSON_GetObjectItemCaseSensitive(e, "id")->valuedouble, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(part);
        CU_ASSERT_EQUAL((size_t)cJSON_GetObjectItemCaseSensitive(e, "size")->valuedouble, len);
        CU_ASSERT_FATAL(used + len < cap);
        memcpy(joined + used, part, len);
        used += len;
        civis_free(part);
    }
    cJSON *settings = cJSON_Parse(
        "{\"include_header\": false, \"compression\": \"none\", \"column_delimiter\": \"comma\"}");
    civis_future *f = NULL;
    CU_ASSERT_EQUAL(civis_export_to_civis_file(&f, c, sql, DB, settings, &io, &err), CIVIS_OK);
    const civis_response *run = NULL;
    CU_ASSERT_EQUAL(civis_future_result(&run, f, &err), CIVIS_OK);
    const cJSON *fid = run ? civis_response_get(run, "output.0.fileId") : NULL;
    CU_ASSERT_FATAL(cJSON_IsNumber(fid));
    size_t slen = 0;
    char *single = file_bytes(c, (long long)fid->valuedouble, &slen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(single);
    CU_ASSERT_EQUAL(slen, used);
    CU_ASSERT(slen == used && memcmp(single, joined, used) == 0);
    civis_free(single);
    civis_future_free(f);
    cJSON_Delete(settings);
    free(joined);
    cJSON_Delete(m);

    /* No header asked: no header in the manifest; a failed query fails. */
    mf.no_header = true;
    CU_ASSERT_EQUAL(civis_civis_to_multifile_csv(&m, c, sql, DB, &mf, &io, &err), CIVIS_OK);
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(m, "header"));
    cJSON_Delete(m);
    CU_ASSERT_EQUAL(
        civis_civis_to_multifile_csv(&m, c, "select * from no.such", DB, &mf, &io, &err),
        CIVIS_EJOB);
    CU_ASSERT_PTR_NULL(m);
    civis_client_free(c);
}

/* A gzip member of at most 2 MB, inflated (NUL-terminated); NULL when it is not gzip. */
static char *gunzip(const char *buf, size_t len, size_t *out_len)
{
    size_t cap = (size_t)2 * 1024 * 1024 + 1;
    char *out = malloc(cap);
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (out == NULL || len < 2 || (unsigned char)buf[0] != 0x1f ||
        inflateInit2(&zs, 15 + 32) != Z_OK) {
        free(out);
        return NULL;
    }
    zs.next_in = (Bytef *)(uintptr_t)buf;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)(cap - 1);
    int rc = inflate(&zs, Z_FINISH);
    *out_len = cap - 1 - zs.avail_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    out[*out_len] = '\0';
    return out;
}

static void test_tables__multifile_gzip_parts_and_max_file_size(void)
{
    civis_client *c = mock_client(&mp, "multi2", NULL);
    civis_error err = CIVIS_ERROR_INIT;
    /* About 2.6 MB of rows: max_file_size 1 (MB) cuts it into at least 3 parts. */
    const char *sql = "with recursive n(x) as (select 1 union all select x + 1 from n where x < "
                      "60000) select x, 'abcdefghijklmnopqrstuvwxyz0123456789' as pad from n";
    cJSON *m = NULL;
    civis_multifile_options mf = {.compression = "gzip", .max_file_size = 1, .prefix = "big_"};
    civis_status st = civis_civis_to_multifile_csv(&m, c, sql, DB, &mf, &io, &err);
    if (st != CIVIS_OK)
        fprintf(stderr, "\n  multifile: %s\n", err.message);
    CU_ASSERT_EQUAL_FATAL(st, CIVIS_OK);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItemCaseSensitive(m, "compression")->valuestring, "gzip");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItemCaseSensitive(m, "delimiter")->valuestring, "|");
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(m, "entries");
    CU_ASSERT(cJSON_GetArraySize(entries) >= 3);
    long rows = 0, expect = 1;
    bool in_order = true;
    const cJSON *e = NULL;
    cJSON_ArrayForEach(e, entries)
    {
        const char *name = cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring;
        CU_ASSERT(strncmp(name, "big_", 4) == 0 && strstr(name, ".gz") != NULL);
        size_t len = 0, plain_len = 0;
        char *part =
            file_bytes(c, (long long)cJSON_GetObjectItemCaseSensitive(e, "id")->valuedouble, &len);
        char *plain = part ? gunzip(part, len, &plain_len) : NULL;
        CU_ASSERT_PTR_NOT_NULL_FATAL(plain);
        CU_ASSERT(plain_len <= 1024 * 1024 + 64); /* at most one row past the limit */
        for (char *line = plain; *line; rows++) {
            in_order = in_order && strtol(line, NULL, 10) == expect++;
            char *nl = strchr(line, '\n');
            line = nl ? nl + 1 : line + strlen(line);
        }
        free(plain);
        civis_free(part);
    }
    CU_ASSERT_EQUAL(rows, 60000);
    CU_ASSERT(in_order);
    cJSON_Delete(m);
    civis_client_free(c);
}

static void test_tables__escaped_import_round_trip(void)
{
    civis_client *c = mock_client(&mp, "esc", NULL);
    civis_error err = CIVIS_ERROR_INIT;
    /* Backslash escapes as Redshift's ESCAPE reads them: an escaped
     * delimiter, tab, newline and backslash are data; quotes are plain. */
    const char *data = "1,a\\,b,tab\\\there\n"
                       "2,line\\\nbreak,back\\\\slash\n"
                       "3,,\"quoted\"\n";
    long long file_id = 0;
    CU_ASSERT_EQUAL_FATAL(
        civis_buffer_to_civis(&file_id, c, data, strlen(data), "escaped.csv", NULL, &err),
        CIVIS_OK);
    civis_response *imp = NULL;
    char args[700];
    snprintf(args, sizeof(args),
             "{\"source\": {\"file_ids\": [%lld]}, \"destination\": {\"schema\": \"esc\", "
             "\"table\": \"t\", \"remote_host_id\": 1, \"credential_id\": 900000001}, "
             "\"first_row_is_header\": false, \"column_delimiter\": \"comma\", \"escaped\": true, "
             "\"table_columns\": [{\"name\": \"id\", \"sql_type\": \"INT\"}, {\"name\": \"a\", "
             "\"sql_type\": \"VARCHAR(64)\"}, {\"name\": \"b\", \"sql_type\": \"VARCHAR(64)\"}]}",
             file_id);
    CU_ASSERT_EQUAL_FATAL(
        civis_call_take(&imp, c, "imports", "post_files_csv", cJSON_Parse(args), &err), CIVIS_OK);
    long long id = 0;
    CU_ASSERT_EQUAL(civis_response_int(&id, imp, "id", &err), CIVIS_OK);
    civis_response_free(imp);
    civis_future *f = NULL;
    CU_ASSERT_EQUAL_FATAL(civis_run_job(&f, c, id, &fast, &err), CIVIS_OK);
    civis_status st = civis_future_result(NULL, f, &err);
    if (st != CIVIS_OK)
        fprintf(stderr, "\n  import: %s\n", err.message);
    CU_ASSERT_EQUAL(st, CIVIS_OK);
    civis_future_free(f);
    civis_table *t = query(c, "select id, a, b from esc.t order by id", DB, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(civis_table_nrows(t), 3);
    CU_ASSERT(value_is(t, 0, 1, "a,b"));
    CU_ASSERT(value_is(t, 0, 2, "tab\there"));
    CU_ASSERT(value_is(t, 1, 1, "line\nbreak"));
    CU_ASSERT(value_is(t, 1, 2, "back\\slash"));
    CU_ASSERT(value_is(t, 2, 1, NULL));
    CU_ASSERT(value_is(t, 2, 2, "\"quoted\""));
    civis_table_free(t);

    /* The same file through civis_file_to_table, the official client's path
     * (preprocess, then the import with escaped: true and the given columns). */
    cJSON *cols = cJSON_Parse("[{\"name\": \"id\", \"sql_type\": \"INT\"}, {\"name\": \"a\", "
                              "\"sql_type\": \"VARCHAR(64)\"}, {\"name\": \"b\", \"sql_type\": "
                              "\"VARCHAR(64)\"}]");
    civis_import_options opts = {
        .escaped = true, .table_columns = cols, .delimiter = ',', .headers = -1};
    f = NULL;
    st = civis_file_to_table(&f, c, &file_id, 1, DB, "esc.t2", &opts, &io, &err);
    if (st == CIVIS_OK)
        st = civis_future_result(NULL, f, &err);
    if (st != CIVIS_OK)
        fprintf(stderr, "\n  file_to_table: %s\n", err.message);
    CU_ASSERT_EQUAL(st, CIVIS_OK);
    civis_future_free(f);
    cJSON_Delete(cols);
    t = query(c, "select id, a, b from esc.t2 order by id", DB, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(civis_table_nrows(t), 3);
    CU_ASSERT(value_is(t, 0, 1, "a,b"));
    CU_ASSERT(value_is(t, 1, 1, "line\nbreak"));
    CU_ASSERT(value_is(t, 1, 2, "back\\slash"));
    civis_table_free(t);
    civis_client_free(c);
}

static void test_tables__bad_seeds_stop_start_up_naming_them(void)
{
    char bad[512], missing[600], arg[700];
    civis_test_data(bad, sizeof(bad), "tables/bad_fixture.json");
    char *out = NULL, *errs = NULL;
    const char *a1[] = {"--port", "0", "--fixtures", bad, NULL};
    CU_ASSERT_EQUAL(civis_mockproc_run(a1, NULL, &out, &errs), 2);
    CU_ASSERT(errs != NULL && strstr(errs, "tables[0]") != NULL &&
              strstr(errs, "bad.typed") != NULL && strstr(errs, "not a number") != NULL);
    free(out);
    free(errs);
    civis_test_data(missing, sizeof(missing), "tables/no-such-file.csv");
    snprintf(arg, sizeof(arg), "s.t=%s", missing);
    const char *a2[] = {"--port", "0", "--table", arg, NULL};
    CU_ASSERT_EQUAL(civis_mockproc_run(a2, NULL, &out, &errs), 2);
    CU_ASSERT(errs != NULL && strstr(errs, "no-such-file.csv") != NULL);
    free(out);
    free(errs);
    const char *a3[] = {"--port", "0", "--table", "no-equals-sign", NULL};
    CU_ASSERT_EQUAL(civis_mockproc_run(a3, NULL, &out, &errs), 2);
    CU_ASSERT(errs != NULL && strstr(errs, "SCHEMA.NAME=FILE") != NULL);
    free(out);
    free(errs);
}

/* The fixture format's tables, as the spec engine keeps them for both fakes. */
static void test_tables__fixture_sets_keep_table_declarations(void)
{
    civis_spec *spec = NULL;
    civis_fixture_set *set = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL_FATAL(civis_spec_load_bundled(&spec, &err), CIVIS_OK);
    CU_ASSERT_EQUAL_FATAL(civis_fixtures_new(&set, spec, &err), CIVIS_OK);
    CU_ASSERT_PTR_NULL(civis_fixtures_tables(set));
    const char *doc = "{\"tables\": [{\"table\": \"a.b\", \"csv\": \"x\\n1\\n\"}]}";
    CU_ASSERT_EQUAL(civis_fixtures_add_text(set, doc, strlen(doc), "t.json", "key-1", NULL, &err),
                    CIVIS_OK);
    const cJSON *tables = civis_fixtures_tables(set);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(tables), 1);
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(tables, 0), "api_key");
    CU_ASSERT(cJSON_IsString(k) && strcmp(k->valuestring, "key-1") == 0); /* the added-for key */
    CU_ASSERT_EQUAL(civis_fixtures_count(set), 0);
    /* Shape errors name the declaration; nothing of the document is added. */
    const char *bad = "{\"tables\": [{\"table\": \"a.c\", \"csv\": \"x\", \"rows\": []}]}";
    CU_ASSERT_EQUAL(civis_fixtures_add_text(set, bad, strlen(bad), "bad.json", NULL, NULL, &err),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "bad.json: tables[0]: needs exactly one of \"csv\" (text) and \"rows\" "
                           "(arrays)");
    civis_error_clear(&err);
    const char *typo = "{\"tables\": [{\"tabel\": \"a.c\", \"csv\": \"x\"}]}";
    CU_ASSERT_EQUAL(civis_fixtures_add_text(set, typo, strlen(typo), "typo.json", NULL, NULL, &err),
                    CIVIS_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "did you mean 'table'?"));
    CU_ASSERT_EQUAL(cJSON_GetArraySize(civis_fixtures_tables(set)), 1);
    civis_fixtures_free(set);
    civis_spec_free(spec);
}

static CU_TestInfo tests[] = {
    {"seeded by --table, types detected",
     test_tables__seeded_by_the_flag_are_read_back_with_detected_types},
    {"a seed's database", test_tables__a_seed_goes_to_the_database_it_names},
    {"fixture tables", test_tables__fixture_tables_are_seeded_and_scoped},
    {"admin seeds, reset", test_tables__admin_api_seeds_every_key_and_reset_keeps_start_up_seeds},
    {"seed limit 507", test_tables__past_the_seed_limit_is_507},
    {"keys isolated", test_tables__two_keys_never_see_each_others_tables},
    {"databases distinct", test_tables__each_database_is_distinct},
    {"transfer_table", test_tables__transfer_table_copies_with_the_official_calls},
    {"multifile export", test_tables__multifile_export_and_its_manifest},
    {"multifile gzip, max_file_size", test_tables__multifile_gzip_parts_and_max_file_size},
    {"escaped import", test_tables__escaped_import_round_trip},
    {"bad seeds stop start-up", test_tables__bad_seeds_stop_start_up_naming_them},
    {"fixture sets keep tables", test_tables__fixture_sets_keep_table_declarations},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_tables, tests, suite_init, suite_cleanup)
