/*
 * test_civismock_sql.c: civis-mock's SQL engine over HTTP. SQL scripts and
 * queries run for real on the key's SQLite database; CSV imports load
 * files into tables; the databases, credentials and tables API reflect it.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "mockproc.h"
#include "simtest.h"
#include "test.h"

static civis_mockproc mp;

#define num civis_simtest_num
#define str civis_simtest_str

static int suite_init(void)
{
    const char *args[] = {"--database", "warehouse", NULL};
    return civis_mockproc_start(&mp, args) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    return civis_mockproc_stop(&mp) == 0 ? 0 : 1;
}

static cJSON *get(const char *key, long *status, const char *fmt, ...)
{
    char p[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p, sizeof(p), fmt, ap);
    va_end(ap);
    cJSON *j = NULL;
    long st = civis_mockproc_json(&j, &mp, "GET", p, key, NULL);
    if (status != NULL)
        *status = st;
    return j;
}

/* Every gzip member of buf, inflated; NUL-terminated. */
static char *gunzip(const char *buf, size_t len, size_t *out_len)
{
    size_t cap = len * 8 + 1024, n = 0;
    char *out = malloc(cap);
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (out == NULL || inflateInit2(&zs, 15 + 32) != Z_OK) {
        free(out);
        return NULL;
    }
    zs.next_in = (Bytef *)(uintptr_t)buf;
    zs.avail_in = (uInt)len;
    int rc = Z_OK;
    while (rc != Z_STREAM_END || zs.avail_in > 0) {
        if (rc == Z_STREAM_END)
            inflateReset(&zs);
        zs.next_out = (Bytef *)out + n;
        zs.avail_out = (uInt)(cap - n - 1);
        rc = inflate(&zs, Z_NO_FLUSH);
        n = cap - 1 - zs.avail_out;
        if (rc != Z_OK && rc != Z_STREAM_END)
            break;
        if (zs.avail_out == 0) {
            cap *= 2;
            char *g = realloc(out, cap);
            if (g == NULL)
                break;
            out = g;
        }
    }
    inflateEnd(&zs);
    out[n] = '\0';
    *out_len = n;
    return out;
}

/*
 * Runs `sql` as a SQL script of `key` with `csv_settings` (JSON, or NULL)
 * and returns the run (owned). *text gets its output file, gunzipped when
 * it is gzip (NULL when the run has no output).
 */
static cJSON *run_sql(const char *key, const char *sql, const char *csv_settings, char **text)
{
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "name", "q");
    cJSON_AddStringToObject(b, "sql", sql);
    cJSON_AddNumberToObject(b, "remote_host_id", 1);
    cJSON_AddNumberToObject(b, "credential_id", 900000001);
    if (csv_settings != NULL)
        cJSON_AddItemToObject(b, "csv_settings", cJSON_Parse(csv_settings));
    char *body = cJSON_PrintUnformatted(b);
    cJSON_Delete(b);
    long id = civis_simtest_post(NULL, NULL, &mp, key, "/scripts/sql", body);
    free(body);
    char p[96];
    snprintf(p, sizeof(p), "/scripts/sql/%ld/runs", id);
    long run = civis_simtest_post(NULL, NULL, &mp, key, p, NULL);
    cJSON *r = get(key, NULL, "/scripts/sql/%ld/runs/%ld", id, run);
    *text = NULL;
    const char *url =
        str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "output"), 0), "path");
    char *raw = NULL;
    size_t len = 0;
    if (url != NULL && civis_simtest_get_url(&raw, &len, url) == 200) {
        if (len >= 2 && (unsigned char)raw[0] == 0x1f && (unsigned char)raw[1] == 0x8b) {
            size_t plen = 0;
            *text = gunzip(raw, len, &plen);
            free(raw);
        } else {
            *text = raw;
        }
    } else {
        free(raw);
    }
    return r;
}

/* Runs SQL that must succeed and returns its plain output (owned). */
static char *sql_ok(const char *key, const char *sql)
{
    char *text = NULL;
    cJSON *r = run_sql(key, sql, "{\"compression\":\"none\"}", &text);
    if (strcmp(str(r, "state"), "succeeded") != 0)
        fprintf(stderr, "\n  %s: %s\n", sql, str(r, "error"));
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "succeeded");
    cJSON_Delete(r);
    return text;
}

static void expect_output(const char *key, const char *sql, const char *want)
{
    char *text = sql_ok(key, sql);
    CU_ASSERT_PTR_NOT_NULL(text);
    if (text != NULL && strcmp(text, want) != 0)
        fprintf(stderr, "\n  %s\n  got  [%s]\n  want [%s]\n", sql, text, want);
    CU_ASSERT(text != NULL && strcmp(text, want) == 0);
    free(text);
}

/* Runs SQL that must fail; returns whether the error contains `needle`. */
static bool sql_fails_with(const char *key, const char *sql, const char *needle)
{
    char *text = NULL;
    cJSON *r = run_sql(key, sql, NULL, &text);
    bool ok = strcmp(str(r, "state"), "failed") == 0 && str(r, "error") != NULL &&
              strstr(str(r, "error"), needle) != NULL;
    if (!ok)
        fprintf(stderr, "\n  %s: state %s error %s\n", sql, str(r, "state"), str(r, "error"));
    free(text);
    cJSON_Delete(r);
    return ok;
}

static void test_sql__scripts_run_and_their_output_is_the_result(void)
{
    expect_output("s1",
                  "CREATE TABLE public.people (id INT, name VARCHAR(20), score DOUBLE PRECISION, "
                  "ok BOOLEAN, born DATE);"
                  "INSERT INTO people VALUES (1, 'Smith, J', 2.5, true, '1990-01-02'),"
                  " (2, 'say \"hi\"', NULL, false, NULL), (3, '', 4, true, '2000-12-31');"
                  "SELECT * FROM people ORDER BY id",
                  "id,name,score,ok,born\n"
                  "1,\"Smith, J\",2.5,true,1990-01-02\n"
                  "2,\"say \"\"hi\"\"\",,false,\n"
                  "3,\"\",4,true,2000-12-31\n");
    /* aggregates, Redshift's column names for unnamed expressions */
    expect_output("s1", "select count(*), sum(score), max(name) as top from people",
                  "count,sum,top\n3,6.5,\"say \"\"hi\"\"\"\n");
    expect_output("s1", "select 1", "?column?\n1\n");
    /* gzip by default, csv_settings: no header, pipe delimiter, unquoted */
    char *text = NULL;
    cJSON *r = run_sql("s1", "select id, name from people where id = 1", NULL, &text);
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "succeeded");
    CU_ASSERT(text != NULL && strcmp(text, "id,name\n1,\"Smith, J\"\n") == 0);
    const cJSON *out = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "output"), 0);
    CU_ASSERT(str(out, "outputName") && strstr(str(out, "outputName"), ".csv.gz") != NULL);
    free(text);
    cJSON_Delete(r);
    r = run_sql("s1", "select id, name from people where id = 1",
                "{\"include_header\":false,\"column_delimiter\":\"pipe\",\"unquoted\":true,"
                "\"compression\":\"none\"}",
                &text);
    CU_ASSERT(text != NULL && strcmp(text, "1|Smith, J\n") == 0);
    free(text);
    cJSON_Delete(r);
}

static void test_sql__redshift_idioms_are_translated(void)
{
    sql_ok("s2", "create schema if not exists analytics;"
                 "create table analytics.t (a varchar(10), n int, ts timestamp);"
                 "insert into analytics.t values ('Alpha', 7, '2020-05-01 10:00:00'),"
                 " ('beta', 8, '2021-01-01 00:00:00')");
    expect_output("s2", "select a from analytics.t where a ilike 'a%'", "a\nAlpha\n");
    expect_output("s2",
                  "select n::varchar(3) || 'x' as s, '12'::int + 1 as i from analytics.t "
                  "order by n",
                  "s,i\n7x,13\n8x,13\n");
    expect_output("s2",
                  "select '2020-01-02'::date as d, (n * 2)::double precision / 4 as h, "
                  "'t'::boolean as b from analytics.t where n = 7",
                  "d,h,b\n2020-01-02,3.5,1\n");
    expect_output("s2", "select nvl(null, 'z') as z, len('abc') as l", "z,l\nz,3\n");
    char *now = sql_ok("s2", "select getdate() > '2020-01-01' as later, sysdate is not null as s");
    CU_ASSERT(now != NULL && strcmp(now, "later,s\n1,1\n") == 0);
    free(now);
    /* CREATE TABLE ... AS, TRUNCATE */
    expect_output("s2",
                  "create table analytics.copy as select * from analytics.t where n > 7;"
                  "select count(*) from analytics.copy",
                  "count\n1\n");
    expect_output("s2", "truncate table analytics.copy; select count(*) as n from analytics.copy",
                  "n\n0\n");
    /* what cannot be translated fails naming it, never a wrong answer */
    CU_ASSERT(sql_fails_with("s2", "create table d (a int) distkey(a)", "distkey"));
    CU_ASSERT(sql_fails_with("s2", "unload ('select 1') to 's3://x'", "unload"));
    CU_ASSERT(sql_fails_with("s2", "select listagg(a, ',') from analytics.t", "listagg"));
}

static void test_sql__errors_name_the_object_and_fail_the_run(void)
{
    char *text = NULL;
    cJSON *r = run_sql("s3", "select * from public.nosuch", NULL, &text);
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "failed");
    CU_ASSERT(str(r, "error") && strstr(str(r, "error"), "nosuch") != NULL);
    CU_ASSERT_PTR_NULL(text);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(r, "output")), 0);
    /* the error is in the run's logs too */
    long sid = (long)num(r, "sqlId"), rid = (long)num(r, "id");
    cJSON_Delete(r);
    cJSON *logs = get("s3", NULL, "/scripts/sql/%ld/runs/%ld/logs", sid, rid);
    CU_ASSERT(cJSON_GetArraySize(logs) >= 1 &&
              strstr(str(cJSON_GetArrayItem(logs, 0), "message"), "nosuch") != NULL);
    cJSON_Delete(logs);
    CU_ASSERT(sql_fails_with("s3", "select * from elsewhere.t", "elsewhere.t"));
    CU_ASSERT(sql_fails_with("s3", "selec 1", "syntax error"));
}

static void test_sql__queries_preview_rows(void)
{
    sql_ok("s4", "create table q (n int); insert into q values (1),(2),(3),(4)");
    cJSON *q = NULL;
    long st = 0;
    long id = civis_simtest_post(&q, &st, &mp, "s4", "/queries",
                                 "{\"database\":1,\"sql\":\"select n, n * n as sq from q order "
                                 "by n desc\",\"credential\":900000001,\"hidden\":true,"
                                 "\"preview_rows\":2}");
    CU_ASSERT_EQUAL(st, 200);
    cJSON_Delete(q);
    q = get("s4", NULL, "/queries/%ld", id);
    CU_ASSERT_STRING_EQUAL(str(q, "state"), "succeeded");
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(q, "resultColumns");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(q, "resultRows");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cols), 2);
    CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(cols, 1)->valuestring, "sq");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(rows), 2);
    CU_ASSERT_STRING_EQUAL(cJSON_GetArrayItem(cJSON_GetArrayItem(rows, 0), 1)->valuestring, "16");
    cJSON_Delete(q);
}

static void test_sql__databases_and_the_default_credential(void)
{
    long st = 0;
    cJSON *dbs = get("s5", &st, "/databases");
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(dbs), 2);
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(dbs, 0), "name"), "civis-mock");
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(dbs, 1), "name"), "warehouse");
    cJSON_Delete(dbs);
    cJSON *d = get("s5", &st, "/databases/2");
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_STRING_EQUAL(str(d, "name"), "warehouse");
    cJSON_Delete(d);
    d = get("s5", &st, "/databases/3");
    CU_ASSERT_EQUAL(st, 404);
    cJSON_Delete(d);
    cJSON *c = get("s5", &st, "/credentials?type=Database&default=True");
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(c), 1);
    CU_ASSERT_EQUAL((long)num(cJSON_GetArrayItem(c, 0), "id"), 900000001L);
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(c, 0), "default")));
    cJSON_Delete(c);
    c = get("s5", &st, "/credentials/900000001");
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_STRING_EQUAL(str(c, "type"), "Database");
    cJSON_Delete(c);
}

/* ---- imports ---------------------------------------------------------------- */

/* Runs a CSV import of `files` into schema.table with extra body fields
 * (JSON members, or ""); returns the finished run (owned). */
static cJSON *import(const char *key, const char *files, const char *table, const char *extra)
{
    char body[2048];
    snprintf(body, sizeof(body),
             "{\"name\":\"imp\",\"source\":{\"file_ids\":[%s]},\"destination\":{\"schema\":"
             "\"%.*s\",\"table\":\"%s\",\"remote_host_id\":1,\"credential_id\":900000001},"
             "\"first_row_is_header\":true%s%s}",
             files, (int)(strchr(table, '.') - table), table, strchr(table, '.') + 1,
             extra[0] ? "," : "", extra);
    long id = civis_simtest_post(NULL, NULL, &mp, key, "/imports/files/csv", body);
    char p[96];
    snprintf(p, sizeof(p), "/jobs/%ld/runs", id);
    long run = civis_simtest_post(NULL, NULL, &mp, key, p, NULL);
    return get(key, NULL, "/jobs/%ld/runs/%ld", id, run);
}

static const char people[] = "id,name,score,ok,born,note\n"
                             "1,\"Smith, J\",2.5,true,1990-01-02,\"line one\nline two\"\n"
                             "2,Zoë,,false,,\n"
                             "3,\"\",-4,t,2000-12-31,\"quote \"\"q\"\"\"\n";

static void test_sql__csv_import_round_trip(void)
{
    long f = civis_simtest_upload(&mp, "i1", "people.csv", people, strlen(people));
    CU_ASSERT_FATAL(f > 0);
    char ids[32];
    snprintf(ids, sizeof(ids), "%ld", f);
    cJSON *r = import("i1", ids, "sch.people", "");
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "succeeded");
    cJSON_Delete(r);
    expect_output("i1", "select * from sch.people order by id",
                  "id,name,score,ok,born,note\n"
                  "1,\"Smith, J\",2.5,true,1990-01-02,\"line one\nline two\"\n"
                  "2,Zoë,,false,,\n"
                  "3,\"\",-4,true,2000-12-31,\"quote \"\"q\"\"\"\n");
    /* the tables API reflects it, with detected types */
    long st = 0;
    cJSON *t = get("i1", &st, "/databases/1/schemas/sch/tables/people");
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_EQUAL((long)num(t, "rowCount"), 3);
    CU_ASSERT_EQUAL((long)num(t, "columnCount"), 6);
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(t, "columns");
    const char *types[] = {"INT",     "VARCHAR(8)", "DOUBLE PRECISION",
                           "BOOLEAN", "DATE",       "VARCHAR(17)"};
    for (int i = 0; i < 6; i++) {
        CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(cols, i), "sqlType"), types[i]);
        CU_ASSERT_EQUAL((long)num(cJSON_GetArrayItem(cols, i), "order"), i + 1);
    }
    long tid = (long)num(t, "id");
    cJSON_Delete(t);
    cJSON *list = get("i1", &st, "/tables?database_id=1&schema=sch&name=people");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(list), 1);
    CU_ASSERT_EQUAL((long)num(cJSON_GetArrayItem(list, 0), "id"), tid);
    cJSON_Delete(list);
    t = get("i1", &st, "/tables/%ld", tid);
    CU_ASSERT_EQUAL(st, 200);
    CU_ASSERT_STRING_EQUAL(str(t, "name"), "people");
    cJSON_Delete(t);
    cJSON *schemas = get("i1", &st, "/databases/1/schemas");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(schemas), 2); /* public, sch */
    cJSON_Delete(schemas);
    t = get("i1", &st, "/databases/1/schemas/sch/tables/absent");
    CU_ASSERT_EQUAL(st, 404);
    cJSON_Delete(t);
    /* another key sees none of it */
    list = get("i2", &st, "/tables");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(list), 0);
    cJSON_Delete(list);
    CU_ASSERT(sql_fails_with("i2", "select * from sch.people", "sch.people"));
}

static void test_sql__existing_table_rows_modes(void)
{
    const char a[] = "n,s\n1,a\n2,b\n";
    const char b[] = "n,s\n3,c\n";
    char fa[32], fb[32];
    snprintf(fa, sizeof(fa), "%ld", civis_simtest_upload(&mp, "i3", "a.csv", a, strlen(a)));
    snprintf(fb, sizeof(fb), "%ld", civis_simtest_upload(&mp, "i3", "b.csv", b, strlen(b)));
    cJSON *r = import("i3", fa, "public.m", "\"existing_table_rows\":\"fail\"");
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "succeeded");
    cJSON_Delete(r);
    r = import("i3", fb, "public.m", "\"existing_table_rows\":\"fail\"");
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "failed");
    CU_ASSERT(str(r, "error") && strstr(str(r, "error"), "already exists") != NULL);
    cJSON_Delete(r);
    r = import("i3", fb, "public.m", "\"existing_table_rows\":\"append\"");
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "succeeded");
    cJSON_Delete(r);
    expect_output("i3", "select group_concat(n) as ns from (select n from m order by n)",
                  "ns\n\"1,2,3\"\n");
    r = import("i3", fb, "public.m", "\"existing_table_rows\":\"truncate\"");
    cJSON_Delete(r);
    expect_output("i3", "select n, s from m", "n,s\n3,c\n");
    /* drop: the new file's columns replace the table */
    const char c[] = "x\nhello\n";
    char fc[32];
    snprintf(fc, sizeof(fc), "%ld", civis_simtest_upload(&mp, "i3", "c.csv", c, strlen(c)));
    r = import("i3", fc, "public.m", "\"existing_table_rows\":\"drop\"");
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "succeeded");
    cJSON_Delete(r);
    expect_output("i3", "select * from m", "x\nhello\n");
    /* several files into one table */
    char both[64];
    snprintf(both, sizeof(both), "%s,%s", fa, fb);
    r = import("i3", both, "public.multi", "");
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "succeeded");
    cJSON_Delete(r);
    expect_output("i3", "select count(*) as n, sum(n) as total from multi", "n,total\n3,6\n");
}

static void test_sql__max_errors_counts_bad_rows(void)
{
    const char bad[] = "n,s\n1,a\nx,b\n3,c\n4\n";
    char f[32];
    snprintf(f, sizeof(f), "%ld", civis_simtest_upload(&mp, "i4", "bad.csv", bad, strlen(bad)));
    const char *cols = "\"table_columns\":[{\"name\":\"n\",\"sql_type\":\"INT\"},"
                       "{\"name\":\"s\",\"sql_type\":\"VARCHAR(5)\"}]";
    char extra[300];
    snprintf(extra, sizeof(extra), "%s,\"max_errors\":1", cols);
    cJSON *r = import("i4", f, "public.b1", extra);
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "failed");
    CU_ASSERT(str(r, "error") && strstr(str(r, "error"), "row 3") != NULL &&
              strstr(str(r, "error"), "column n INT") != NULL);
    cJSON_Delete(r);
    /* nothing of a failed import stays */
    CU_ASSERT(sql_fails_with("i4", "select * from b1", "b1"));
    snprintf(extra, sizeof(extra), "%s,\"max_errors\":2", cols);
    r = import("i4", f, "public.b2", extra);
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "succeeded");
    cJSON_Delete(r);
    expect_output("i4", "select * from b2 order by n", "n,s\n1,a\n3,c\n");
}

static void test_sql__gzip_and_tab_files_and_preprocess_detection(void)
{
    const char csv[] = "when\tamount\tflag\n2020-01-01 10:00:00\t3000000000\tno\n"
                       "2020-01-02 11:30:00.5\t12\tyes\n";
    /* gzip it in two members, as some writers do */
    size_t half = 30;
    unsigned char gz[512];
    size_t gzlen = 0;
    for (int m = 0; m < 2; m++) {
        z_stream zs;
        memset(&zs, 0, sizeof(zs));
        deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        zs.next_in = (Bytef *)(uintptr_t)(csv + (m ? half : 0));
        zs.avail_in = (uInt)(m ? strlen(csv) - half : half);
        zs.next_out = gz + gzlen;
        zs.avail_out = (uInt)(sizeof(gz) - gzlen);
        deflate(&zs, Z_FINISH);
        gzlen += zs.total_out;
        deflateEnd(&zs);
    }
    long f = civis_simtest_upload(&mp, "i5", "t.csv.gz", (const char *)gz, gzlen);
    char body[300], p[96];
    snprintf(body, sizeof(body),
             "{\"file_id\":%ld,\"in_place\":false,\"detect_table_columns\":true,"
             "\"force_character_set_conversion\":true,\"include_header\":null,"
             "\"column_delimiter\":null,\"hidden\":true}",
             f);
    long job = civis_simtest_post(NULL, NULL, &mp, "i5", "/files/preprocess/csv", body);
    snprintf(p, sizeof(p), "/jobs/%ld/runs", job);
    long run = civis_simtest_post(NULL, NULL, &mp, "i5", p, NULL);
    cJSON *r = get("i5", NULL, "/jobs/%ld/runs/%ld", job, run);
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "succeeded");
    cJSON_Delete(r);
    cJSON *outs = get("i5", NULL, "/jobs/%ld/runs/%ld/outputs", job, run);
    long cleaned = (long)num(cJSON_GetArrayItem(outs, 0), "objectId");
    cJSON_Delete(outs);
    cJSON *file = get("i5", NULL, "/files/%ld", cleaned);
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(file, "detectedInfo");
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(info, "includeHeader")));
    CU_ASSERT_STRING_EQUAL(str(info, "columnDelimiter"), "tab");
    CU_ASSERT_STRING_EQUAL(str(info, "compression"), "gzip");
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(info, "tableColumns");
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(cols, 0), "sqlType"), "TIMESTAMP");
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(cols, 1), "sqlType"), "BIGINT");
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(cols, 2), "sqlType"), "BOOLEAN");
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(cols, 0), "name"), "when");
    cJSON_Delete(file);
    snprintf(body, sizeof(body), "%ld", cleaned);
    r = import("i5", body, "public.g",
               "\"column_delimiter\":\"tab\",\"compression\":\"gzip\","
               "\"existing_table_rows\":\"fail\",\"max_errors\":null,\"escaped\":false");
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "succeeded");
    cJSON_Delete(r);
    expect_output("i5", "select sum(amount) as s, count(*) as n from g where flag", "s,n\n12,1\n");
    /* a header-less file: the first row is data, names are column_N */
    const char bare[] = "1,a\n2,b\n";
    f = civis_simtest_upload(&mp, "i5", "bare.csv", bare, strlen(bare));
    snprintf(body, sizeof(body),
             "{\"file_id\":%ld,\"in_place\":true,\"detect_table_columns\":true,"
             "\"force_character_set_conversion\":true,\"include_header\":null,"
             "\"column_delimiter\":null,\"hidden\":true}",
             f);
    job = civis_simtest_post(NULL, NULL, &mp, "i5", "/files/preprocess/csv", body);
    snprintf(p, sizeof(p), "/jobs/%ld/runs", job);
    run = civis_simtest_post(NULL, NULL, &mp, "i5", p, NULL);
    cJSON_Delete(get("i5", NULL, "/jobs/%ld/runs/%ld", job, run));
    file = get("i5", NULL, "/files/%ld", f);
    info = cJSON_GetObjectItemCaseSensitive(file, "detectedInfo");
    CU_ASSERT(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(info, "includeHeader")));
    cols = cJSON_GetObjectItemCaseSensitive(info, "tableColumns");
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(cols, 0), "name"), "column_1");
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(cols, 0), "sqlType"), "INT");
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(cols, 1), "sqlType"), "VARCHAR(1)");
    cJSON_Delete(file);
}

static void test_sql__join_of_two_imported_tables(void)
{
    const char a[] = "id,name\n1,ann\n2,bob\n3,cy\n";
    const char b[] = "person_id,amount\n1,10\n1,5\n3,7\n";
    char fa[32], fb[32];
    snprintf(fa, sizeof(fa), "%ld", civis_simtest_upload(&mp, "i6", "a.csv", a, strlen(a)));
    snprintf(fb, sizeof(fb), "%ld", civis_simtest_upload(&mp, "i6", "b.csv", b, strlen(b)));
    cJSON_Delete(import("i6", fa, "crm.people", ""));
    cJSON_Delete(import("i6", fb, "crm.orders", ""));
    expect_output("i6",
                  "select p.name, sum(o.amount) as total from crm.people p join crm.orders o on "
                  "o.person_id = p.id group by p.name order by total desc",
                  "name,total\nann,15\ncy,7\n");
}

static void test_sql__reset_empties_the_database(void)
{
    sql_ok("r1", "create table gone (a int)");
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/reset", NULL, NULL), 200);
    CU_ASSERT(sql_fails_with("r1", "select * from gone", "gone"));
}

static CU_TestInfo tests[] = {
    {"scripts run, output is the result", test_sql__scripts_run_and_their_output_is_the_result},
    {"Redshift idioms", test_sql__redshift_idioms_are_translated},
    {"errors name the object", test_sql__errors_name_the_object_and_fail_the_run},
    {"query previews", test_sql__queries_preview_rows},
    {"databases and credential", test_sql__databases_and_the_default_credential},
    {"CSV import round trip", test_sql__csv_import_round_trip},
    {"existing_table_rows", test_sql__existing_table_rows_modes},
    {"max_errors", test_sql__max_errors_counts_bad_rows},
    {"gzip, tab, detection", test_sql__gzip_and_tab_files_and_preprocess_detection},
    {"join of two imports", test_sql__join_of_two_imported_tables},
    {"reset", test_sql__reset_empties_the_database},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_sql, tests, suite_init, suite_cleanup)
