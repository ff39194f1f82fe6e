/*
 * test_client_io.c: civis/io.h against civis-mock over HTTP: round trips
 * of tables and CSV files, reads of SQL, exports, query previews, and the
 * official client's call sequences with their bodies, read back from the
 * mock's journal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "test.h"
#include "test_client_support.h"
#include "civis/io.h"

static civis_mockproc mp;
static bool mock_up;

static int suite_init(void)
{
    mock_up = civis_mockproc_start(&mp, NULL) == 0;
    return mock_up ? 0 : 1;
}

static int suite_cleanup(void)
{
    return mock_up && civis_mockproc_stop(&mp) != 0 ? 1 : 0;
}

static const civis_future_options fast = {.no_wait = true};
static const civis_file_options quick = {.no_retry_wait = true, .max_attempts = 3};
static const civis_io_options io = {.polling = &fast, .files = &quick};

#define DB "civis-mock"

/* The rows a test uploads: quotes, delimiters and newlines inside fields,
 * UTF-8, empty strings and NULLs, integers, decimals, booleans, dates. */
static const char *const names[] = {"id", "name", "amount", "ok", "day", "note"};
static const char *const rows[][6] = {
    {"1", "Smith, J", "2.5", "true", "2020-01-02", "line one\nline two"},
    {"2", "Zoë ☃", NULL, "false", NULL, "say \"hi\""},
    {"3", "", "-4.125", "true", "1999-12-31", NULL},
    {"4", "plain", "1000000", "false", "2024-02-29", "a|b\tc"},
};

static civis_table *sample(void)
{
    civis_table *t = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL_FATAL(civis_table_new(&t, names, 6, &err), CIVIS_OK);
    for (size_t r = 0; r < 4; r++)
        CU_ASSERT_EQUAL(civis_table_add_row(t, rows[r], &err), CIVIS_OK);
    return t;
}

static bool same_value(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether `got` holds the sample rows in order. */
static bool equals_sample(const civis_table *got)
{
    if (civis_table_ncols(got) != 6 || civis_table_nrows(got) != 4)
        return false;
    for (size_t c = 0; c < 6; c++)
        if (strcmp(civis_table_column(got, c), names[c]) != 0)
            return false;
    for (size_t r = 0; r < 4; r++)
        for (size_t c = 0; c < 6; c++)
            if (!same_value(civis_table_value(got, r, c), rows[r][c])) {
                fprintf(stderr, "\n  row %zu col %zu: got [%s] want [%s]\n", r, c,
                        civis_table_value(got, r, c) ? civis_table_value(got, r, c) : "NULL",
                        rows[r][c] ? rows[r][c] : "NULL");
                return false;
            }
    return true;
}

static void wait_ok(civis_future *f)
{
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = civis_future_result(NULL, f, &err);
    if (st != CIVIS_OK)
        fprintf(stderr, "\n  future: %s\n", err.message);
    CU_ASSERT_EQUAL(st, CIVIS_OK);
}

static void test_io__table_round_trip(void)
{
    civis_client *c = mock_client(&mp, "io1", NULL);
    civis_table *t = sample();
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = civis_table_to_civis(&f, c, t, DB, "sch.sample", NULL, &io, &err);
    if (st != CIVIS_OK)
        fprintf(stderr, "\n  table_to_civis: %s\n", err.message);
    CU_ASSERT_EQUAL_FATAL(st, CIVIS_OK);
    wait_ok(f);
    civis_future_free(f);
    civis_table *got = NULL;
    st = civis_read_civis_sql(&got, c, "select * from sch.sample order by id", DB, &io, &err);
    if (st != CIVIS_OK)
        fprintf(stderr, "\n  read_civis_sql: %s\n", err.message);
    CU_ASSERT_EQUAL_FATAL(st, CIVIS_OK);
    CU_ASSERT(equals_sample(got));
    CU_ASSERT(civis_table_is_null(got, 1, 2));
    CU_ASSERT(!civis_table_is_null(got, 2, 1)); /* "" stays an empty string */
    civis_table_free(got);
    /* read_civis with columns */
    const char *cols[] = {"name", "amount"};
    CU_ASSERT_EQUAL(civis_read_civis(&got, c, "sch.sample", cols, 2, DB, &io, &err), CIVIS_OK);
    CU_ASSERT_EQUAL(civis_table_ncols(got), 2);
    CU_ASSERT_EQUAL(civis_table_nrows(got), 4);
    civis_table_free(got);
    /* aggregates */
    CU_ASSERT_EQUAL(civis_read_civis_sql(&got, c,
                                         "select count(*) as n, sum(amount) as total, "
                                         "sum(case when ok then 1 else 0 end) as oks "
                                         "from sch.sample",
                                         DB, &io, &err),
                    CIVIS_OK);
    CU_ASSERT_STRING_EQUAL(civis_table_value(got, 0, 0), "4");
    CU_ASSERT_STRING_EQUAL(civis_table_value(got, 0, 1), "999998.375");
    CU_ASSERT_STRING_EQUAL(civis_table_value(got, 0, 2), "2");
    civis_table_free(got);
    /* appending the same rows doubles them */
    civis_import_options append = {.existing_table_rows = "append"};
    CU_ASSERT_EQUAL(civis_table_to_civis(&f, c, t, DB, "sch.sample", &append, &io, &err), CIVIS_OK);
    wait_ok(f);
    civis_future_free(f);
    CU_ASSERT_EQUAL(civis_read_civis_sql(&got, c, "select count(*) from sch.sample", DB, &io, &err),
                    CIVIS_OK);
    CU_ASSERT_STRING_EQUAL(civis_table_value(got, 0, 0), "8");
    civis_table_free(got);
    /* the default "fail" refuses an existing table, and says why */
    CU_ASSERT_EQUAL(civis_table_to_civis(&f, c, t, DB, "sch.sample", NULL, &io, &err), CIVIS_OK);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EJOB);
    CU_ASSERT(strstr(err.message, "already exists") != NULL);
    civis_future_free(f);
    civis_table_free(t);
    civis_client_free(c);
}

static void test_io__missing_table_is_named(void)
{
    civis_client *c = mock_client(&mp, "io2", NULL);
    civis_table *got = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_read_civis(&got, c, "nowhere.absent", NULL, 0, DB, &io, &err),
                    CIVIS_EJOB);
    if (strstr(err.message, "nowhere.absent") == NULL)
        fprintf(stderr, "\n  message: %s\n", err.message);
    CU_ASSERT(strstr(err.message, "nowhere.absent") != NULL);
    CU_ASSERT_PTR_NULL(got);
    civis_client_free(c);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, fp);
    buf[*len] = '\0';
    fclose(fp);
    return buf;
}

static void test_io__csv_to_civis_and_civis_to_csv(void)
{
    civis_client *c = mock_client(&mp, "io3", NULL);
    char in[] = "/tmp/civis-io-in-XXXXXX";
    int fd = mkstemp(in);
    const char csv[] = "a,b\n1,x\n2,\"y, z\"\n";
    CU_ASSERT(write(fd, csv, strlen(csv)) == (ssize_t)strlen(csv));
    close(fd);
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL_FATAL(civis_csv_to_civis(&f, c, in, DB, "public.pairs", NULL, &io, &err),
                          CIVIS_OK);
    wait_ok(f);
    civis_future_free(f);
    unlink(in);
    /* export it again, plain then gzip without a header */
    char out[] = "/tmp/civis-io-out-XXXXXX";
    close(mkstemp(out));
    CU_ASSERT_EQUAL(
        civis_civis_to_csv(&f, c, out, "select * from pairs order by a", DB, NULL, &io, &err),
        CIVIS_OK);
    wait_ok(f);
    civis_future_free(f);
    size_t len = 0;
    char *text = slurp(out, &len);
    CU_ASSERT(text != NULL && strcmp(text, csv) == 0);
    free(text);
    civis_csv_options gz = {.no_header = true, .compression = "gzip", .delimiter = '|'};
    CU_ASSERT_EQUAL(
        civis_civis_to_csv(&f, c, out, "select * from pairs order by a", DB, &gz, &io, &err),
        CIVIS_OK);
    wait_ok(f);
    civis_future_free(f);
    text = slurp(out, &len);
    CU_ASSERT(len > 2 && (unsigned char)text[0] == 0x1f && (unsigned char)text[1] == 0x8b);
    char plain[256];
    uLongf plen = sizeof(plain);
    z_stream zs = {0};
    inflateInit2(&zs, 15 + 32);
    zs.next_in = (Bytef *)text;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)plain;
    zs.avail_out = (uInt)plen - 1;
    inflate(&zs, Z_FINISH);
    plain[zs.total_out] = '\0';
    inflateEnd(&zs);
    CU_ASSERT_STRING_EQUAL(plain, "1|x\n2|y, z\n");
    free(text);
    unlink(out);
    civis_client_free(c);
}

static void test_io__query_civis_previews(void)
{
    civis_client *c = mock_client(&mp, "io4", NULL);
    civis_table *t = sample();
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL_FATAL(civis_table_to_civis(&f, c, t, DB, "public.s", NULL, &io, &err),
                          CIVIS_OK);
    wait_ok(f);
    civis_future_free(f);
    civis_table_free(t);
    CU_ASSERT_EQUAL_FATAL(
        civis_query_civis(&f, c, "select id, name from s order by id desc", DB, 2, &io, &err),
        CIVIS_OK);
    const civis_response *q = NULL;
    CU_ASSERT_EQUAL(civis_future_result(&q, f, &err), CIVIS_OK);
    CU_ASSERT_EQUAL(civis_response_len(q, "result_rows"), 2);
    const char *v = NULL;
    CU_ASSERT_EQUAL(civis_response_string(&v, q, "result_rows.0.1", &err), CIVIS_OK);
    CU_ASSERT_STRING_EQUAL(v, "plain");
    civis_future_free(f);
    /* export_to_civis_file: the run's output is a file */
    CU_ASSERT_EQUAL(civis_export_to_civis_file(&f, c, "select 1 as one", DB, NULL, &io, &err),
                    CIVIS_OK);
    const civis_response *run = NULL;
    CU_ASSERT_EQUAL(civis_future_result(&run, f, &err), CIVIS_OK);
    long long fid = 0;
    CU_ASSERT_EQUAL(civis_response_int(&fid, run, "output.0.file_id", &err), CIVIS_OK);
    char *bytes = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL(civis_civis_to_buffer(&bytes, &len, c, fid, &quick, &err), CIVIS_OK);
    CU_ASSERT(len > 2 && (unsigned char)bytes[0] == 0x1f); /* gzip by default */
    civis_free(bytes);
    civis_future_free(f);
    civis_client_free(c);
}

typedef struct count {
    size_t rows;
    long long sum;
} count;

static civis_status count_row(size_t row, const char *const *values, size_t n, void *data,
                              civis_error *err)
{
    (void)err;
    count *k = data;
    if (row > 0 && n == 1 && values[0] != NULL) {
        k->rows++;
        k->sum += atoll(values[0]);
    }
    return CIVIS_OK;
}

static civis_status stop_at_3(size_t row, const char *const *values, size_t n, void *data,
                              civis_error *err)
{
    (void)values;
    (void)n;
    (void)data;
    if (row < 3)
        return CIVIS_OK;
    err->code = CIVIS_EINVAL;
    snprintf(err->message, sizeof(err->message), "enough");
    return CIVIS_EINVAL;
}

static void test_io__streamed_read(void)
{
    civis_client *c = mock_client(&mp, "io5", NULL);
    count k = {0};
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = civis_read_civis_sql_rows(
        c,
        "create table n (v int);"
        "with recursive r(x) as (select 1 union all select x + 1 from r where x < 5000) "
        "insert into n select x from r; select v from n",
        DB, count_row, &k, &io, &err);
    CU_ASSERT_EQUAL(st, CIVIS_OK);
    CU_ASSERT_EQUAL(k.rows, 5000);
    CU_ASSERT_EQUAL(k.sum, 5000LL * 5001 / 2);
    /* a callback's error stops the read and comes back */
    st = civis_read_civis_sql_rows(c, "select v from n", DB, stop_at_3, NULL, &io, &err);
    CU_ASSERT_EQUAL(st, CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "enough");
    civis_client_free(c);
}

/* A journal entry's body as JSON (owned): stored as text or as an object. */
static cJSON *body_of(const cJSON *entry)
{
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(entry, "body");
    if (cJSON_IsString(b))
        return cJSON_Parse(b->valuestring);
    return b ? cJSON_Duplicate(b, true) : NULL;
}

/* The journal's bodies of one operation, oldest first. */
static cJSON *bodies(const char *op)
{
    char q[128];
    snprintf(q, sizeof(q), "operation=%s&api_key=seq", op);
    return mock_calls(&mp, q);
}

static void test_io__official_sequences_and_bodies(void)
{
    civis_client *c = mock_client(&mp, "seq", NULL);
    civis_table *t = sample();
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL_FATAL(civis_table_to_civis(&f, c, t, DB, "sch.tbl", NULL, &io, &err), CIVIS_OK);
    wait_ok(f);
    civis_future_free(f);
    civis_table_free(t);
    cJSON *all = mock_calls(&mp, "api_key=seq");
    /* POST /files, GET /databases, GET /credentials, GET .../tables/tbl (404),
     * POST /files/preprocess/csv, POST /jobs/N/runs, GET /files/F, GET /jobs/N/runs/R,
     * GET .../outputs, GET /files/C, POST /imports/files/csv, POST /jobs/I/runs */
    const char *want[] = {"files.post",
                          "databases.list",
                          "credentials.list",
                          "databases.get_schemas_tables",
                          "files.post_preprocess_csv",
                          "jobs.post_runs",
                          "files.get",
                          "jobs.get_runs",
                          "jobs.list_runs_outputs",
                          "files.get",
                          "imports.post_files_csv",
                          "jobs.post_runs"};
    size_t n = sizeof(want) / sizeof(want[0]), i = 0;
    for (const cJSON *e = all ? all->child : NULL; e != NULL && i < n; e = e->next) {
        const cJSON *op = cJSON_GetObjectItemCaseSensitive(e, "operation");
        if (!cJSON_IsString(op))
            continue; /* presigned storage requests */
        if (strcmp(op->valuestring, "jobs.get_runs") == 0 && i > 0 &&
            strcmp(want[i - 1], "jobs.get_runs") == 0)
            continue; /* polls repeat */
        if (strcmp(op->valuestring, want[i]) != 0)
            fprintf(stderr, "\n  call %zu: %s, want %s\n", i, op->valuestring, want[i]);
        CU_ASSERT_STRING_EQUAL(op->valuestring, want[i]);
        i++;
    }
    CU_ASSERT_EQUAL(i, n);
    cJSON_Delete(all);
    cJSON *imp = bodies("imports.post_files_csv");
    cJSON *b = body_of(cJSON_GetArrayItem(imp, 0));
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    const char *keys[] = {"name",
                          "source",
                          "destination",
                          "first_row_is_header",
                          "column_delimiter",
                          "escaped",
                          "compression",
                          "existing_table_rows",
                          "max_errors",
                          "table_columns",
                          "loosen_types",
                          "execution",
                          "redshift_destination_options",
                          "hidden"};
    const cJSON *k = b ? b->child : NULL;
    for (size_t j = 0; j < sizeof(keys) / sizeof(keys[0]); j++, k = k ? k->next : NULL)
        CU_ASSERT(k != NULL && strcmp(k->string, keys[j]) == 0);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItemCaseSensitive(b, "name")->valuestring,
                           "CSV import to sch.tbl");
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(b, "max_errors")));
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(b, "loosen_types")));
    const cJSON *dst = cJSON_GetObjectItemCaseSensitive(b, "destination");
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(dst, "primary_keys")));
    CU_ASSERT_EQUAL((long)cJSON_GetObjectItemCaseSensitive(dst, "credential_id")->valuedouble,
                    900000001L);
    cJSON_Delete(b);
    cJSON_Delete(imp);
    cJSON *pre = bodies("files.post_preprocess_csv");
    cJSON *pb = body_of(cJSON_GetArrayItem(pre, 0));
    char *pt = pb ? cJSON_PrintUnformatted(pb) : NULL;
    CU_ASSERT(pt != NULL && strstr(pt, "\"in_place\":false,\"detect_table_columns\":true,"
                                       "\"force_character_set_conversion\":true,"
                                       "\"include_header\":true,\"column_delimiter\":\"comma\","
                                       "\"hidden\":true") != NULL);
    free(pt);
    cJSON_Delete(pb);
    cJSON_Delete(pre);

    /* read_civis_sql: POST /scripts/sql {name, hidden, sql, remote_host_id, credential_id,
     * csv_settings: {compression: gzip}}, POST runs, GET run (polls), GET run again */
    civis_table *got = NULL;
    CU_ASSERT_EQUAL(civis_read_civis(&got, c, "sch.tbl", NULL, 0, DB, &io, &err), CIVIS_OK);
    civis_table_free(got);
    cJSON *sql = bodies("scripts.post_sql");
    b = body_of(cJSON_GetArrayItem(sql, 0));
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    const char *skeys[] = {"name",           "hidden",        "sql",
                           "remote_host_id", "credential_id", "csv_settings"};
    k = b ? b->child : NULL;
    for (size_t j = 0; j < 6; j++, k = k ? k->next : NULL)
        CU_ASSERT(k != NULL && strcmp(k->string, skeys[j]) == 0);
    CU_ASSERT_EQUAL(strlen(cJSON_GetObjectItemCaseSensitive(b, "name")->valuestring), 32);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItemCaseSensitive(b, "sql")->valuestring,
                           "select * from sch.tbl");
    const cJSON *cs = cJSON_GetObjectItemCaseSensitive(b, "csv_settings");
    CU_ASSERT(cJSON_GetArraySize(cs) == 1 &&
              strcmp(cJSON_GetObjectItemCaseSensitive(cs, "compression")->valuestring, "gzip") ==
                  0);
    cJSON_Delete(b);
    cJSON_Delete(sql);
    cJSON *gets = bodies("scripts.get_sql_runs");
    CU_ASSERT(cJSON_GetArraySize(gets) >= 2); /* the polls, then one more read */
    cJSON_Delete(gets);
    civis_client_free(c);
}

/* ---- replays of CIVIS_API_NOTES section 4, one function at a time ---------------- */

/* The journal's newest entry number: what a replay starts after. */
static long journal_mark(void)
{
    cJSON *j = mock_journal(&mp, NULL);
    long seq = 0;
    for (const cJSON *e = j ? j->child : NULL; e != NULL; e = e->next) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(e, "seq");
        if (cJSON_IsNumber(s) && (long)s->valuedouble > seq)
            seq = (long)s->valuedouble;
    }
    cJSON_Delete(j);
    return seq;
}

/* The entries after `since`, oldest first (owned). */
static cJSON *calls_since(long since)
{
    char q[64];
    snprintf(q, sizeof(q), "since=%ld", since);
    return mock_calls(&mp, q);
}

/* The calls after `since` as one line: operation names, "GET storage" /
 * "POST storage" for presigned requests (they name no operation); a poll
 * repeated back to back counts once. */
static void sequence(char *buf, size_t len, long since)
{
    cJSON *all = calls_since(since);
    buf[0] = '\0';
    char last[96] = "";
    for (const cJSON *e = all ? all->child : NULL; e != NULL; e = e->next) {
        const char *op = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "operation"));
        const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "method"));
        char name[96];
        if (op != NULL)
            snprintf(name, sizeof(name), "%s", op);
        else
            snprintf(name, sizeof(name), "%s storage", m ? m : "?");
        bool poll = strcmp(name, "scripts.get_sql_runs") == 0 ||
                    strcmp(name, "jobs.get_runs") == 0 || strcmp(name, "queries.get") == 0;
        if (poll && strcmp(name, last) == 0)
            continue;
        snprintf(last, sizeof(last), "%s", name);
        size_t at = strlen(buf);
        snprintf(buf + at, len - at, "%s%s", at ? ", " : "", name);
    }
    cJSON_Delete(all);
}

#define ASSERT_SEQUENCE(since, want)                                                               \
    do {                                                                                           \
        char got_[1024];                                                                           \
        sequence(got_, sizeof(got_), since);                                                       \
        if (strcmp(got_, want) != 0)                                                               \
            fprintf(stderr, "\n  calls: %s\n   want: %s\n", got_, want);                           \
        CU_ASSERT_STRING_EQUAL(got_, want);                                                        \
    } while (0)

/* The body of the first call of `op` after `since`, printed unformatted
 * with its keys in the order sent (owned, free()). */
static char *body_text(const char *op, long since)
{
    cJSON *all = calls_since(since);
    char *text = NULL;
    for (const cJSON *e = all ? all->child : NULL; e != NULL && text == NULL; e = e->next) {
        const char *o = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "operation"));
        if (o == NULL || strcmp(o, op) != 0)
            continue;
        cJSON *b = body_of(e);
        text = b ? cJSON_PrintUnformatted(b) : NULL;
        cJSON_Delete(b);
    }
    cJSON_Delete(all);
    return text;
}

/* The 32 hex digits of a generated job name, replaced by "<uuid>". */
static void mask_name(char *text)
{
    char *p = text ? strstr(text, "\"name\":\"") : NULL;
    if (p == NULL || strspn(p + 8, "0123456789abcdef") != 32 || p[8 + 32] != '"')
        return;
    memmove(p + 8 + 6, p + 8 + 32, strlen(p + 8 + 32) + 1);
    memcpy(p + 8, "<uuid>", 6);
}

#define ASSERT_BODY(op, since, want)                                                               \
    do {                                                                                           \
        char *got_ = body_text(op, since);                                                         \
        mask_name(got_);                                                                           \
        if (got_ == NULL || strcmp(got_, want) != 0)                                               \
            fprintf(stderr, "\n  %s body: %s\n  want: %s\n", op, got_ ? got_ : "(none)", want);    \
        CU_ASSERT(got_ != NULL && strcmp(got_, want) == 0);                                        \
        free(got_);                                                                                \
    } while (0)

/* The ids a fresh key's client resolves DB and CRED to, read from the
 * answers civis-mock gave. */
static void db_and_cred(long long *db, long long *cred, civis_client *c)
{
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_get_database_id(db, c, DB, &err), CIVIS_OK);
    CU_ASSERT_EQUAL(civis_default_database_credential_id(cred, c, &err), CIVIS_OK);
}

static civis_client *seeded(const char *key, const char *table)
{
    civis_client *c = mock_client(&mp, key, NULL);
    civis_table *t = sample();
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL_FATAL(civis_table_to_civis(&f, c, t, DB, table, NULL, &io, &err), CIVIS_OK);
    wait_ok(f);
    civis_future_free(f);
    civis_table_free(t);
    return c;
}

static void test_io__replay_read_civis_sql(void)
{
    civis_client *c = mock_client(&mp, "rp1", NULL);
    civis_client *seed = seeded("rp1", "sch.rows");
    civis_client_free(seed);
    long mark = journal_mark();
    civis_table *got = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st =
        civis_read_civis_sql(&got, c, "select * from sch.rows where id <= 2", DB, &io, &err);
    if (st != CIVIS_OK)
        fprintf(stderr, "\n  read_civis_sql: %s\n", err.message);
    CU_ASSERT_EQUAL(st, CIVIS_OK);
    /* DB, CRED, _sql_script, the polls, one more GET of the run, the download */
    ASSERT_SEQUENCE(mark, "databases.list, credentials.list, scripts.post_sql, "
                          "scripts.post_sql_runs, scripts.get_sql_runs, GET storage");
    char want[512];
    long long db = 0, cred = 0;
    db_and_cred(&db, &cred, c);
    snprintf(want, sizeof(want),
             "{\"name\":\"<uuid>\",\"hidden\":true,"
             "\"sql\":\"select * from sch.rows where id <= 2\",\"remote_host_id\":%lld,"
             "\"credential_id\":%lld,\"csv_settings\":{\"compression\":\"gzip\"}}",
             db, cred);
    ASSERT_BODY("scripts.post_sql", mark, want);
    /* the data: the rows where the official client reads them */
    CU_ASSERT_EQUAL(civis_table_nrows(got), 2);
    CU_ASSERT(got != NULL && civis_table_nrows(got) == 2 &&
              strcmp(civis_table_value(got, 1, 1), rows[1][1]) == 0);
    civis_table_free(got);
    cJSON *gets2 = calls_since(mark);
    size_t n_gets = 0;
    for (const cJSON *e = gets2 ? gets2->child : NULL; e != NULL; e = e->next) {
        const char *op = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "operation"));
        n_gets += op != NULL && strcmp(op, "scripts.get_sql_runs") == 0;
    }
    CU_ASSERT(n_gets >= 2); /* the polls, then the official client's one more GET */
    cJSON_Delete(gets2);
    civis_client_free(c);
}

static void test_io__replay_civis_to_csv(void)
{
    civis_client *c = seeded("rp2", "sch.exp");
    civis_client_free(c);
    c = mock_client(&mp, "rp2", NULL);
    long mark = journal_mark();
    char out[] = "/tmp/civis-io-rp-XXXXXX";
    close(mkstemp(out));
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_csv_options csv = {.delimiter = '|'};
    CU_ASSERT_EQUAL_FATAL(civis_civis_to_csv(&f, c, out, "select id, name from sch.exp order by id",
                                             DB, &csv, &io, &err),
                          CIVIS_OK);
    wait_ok(f);
    civis_future_free(f);
    ASSERT_SEQUENCE(mark, "databases.list, credentials.list, scripts.post_sql, "
                          "scripts.post_sql_runs, scripts.get_sql_runs, GET storage");
    long long db = 0, cred = 0;
    db_and_cred(&db, &cred, c);
    char want[512];
    snprintf(want, sizeof(want),
             "{\"name\":\"<uuid>\",\"hidden\":true,"
             "\"sql\":\"select id, name from sch.exp order by id\",\"remote_host_id\":%lld,"
             "\"credential_id\":%lld,\"csv_settings\":{\"include_header\":true,"
             "\"compression\":\"gzip\",\"column_delimiter\":\"pipe\",\"unquoted\":false,"
             "\"filename_prefix\":null,\"force_multifile\":false}}",
             db, cred);
    ASSERT_BODY("scripts.post_sql", mark, want);
    /* the file: plain CSV (compression "none"), pipes, quoted where needed */
    size_t len = 0;
    char *text = slurp(out, &len);
    CU_ASSERT(text != NULL && strcmp(text, "id|name\n1|Smith, J\n2|Zoë ☃\n3|\"\"\n4|plain\n") == 0);
    if (text != NULL && strcmp(text, "id|name\n1|Smith, J\n2|Zoë ☃\n3|\"\"\n4|plain\n") != 0)
        fprintf(stderr, "\n  file: [%s]\n", text);
    free(text);
    unlink(out);
    civis_client_free(c);
}

static void test_io__replay_csv_to_civis_and_file_to_table(void)
{
    civis_client *c = mock_client(&mp, "rp3", NULL);
    char in[] = "/tmp/civis-io-rp-in-XXXXXX";
    int fd = mkstemp(in);
    const char csv[] = "a,b\n1,x\n2,\"y, z\"\n";
    CU_ASSERT(write(fd, csv, strlen(csv)) == (ssize_t)strlen(csv));
    close(fd);
    long mark = journal_mark();
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL_FATAL(civis_csv_to_civis(&f, c, in, DB, "sch.up", NULL, &io, &err), CIVIS_OK);
    wait_ok(f);
    civis_future_free(f);
    unlink(in);
    ASSERT_SEQUENCE(mark, "files.post, POST storage, databases.list, credentials.list, "
                          "databases.get_schemas_tables, files.post_preprocess_csv, "
                          "jobs.post_runs, files.get, jobs.get_runs, jobs.list_runs_outputs, "
                          "files.get, imports.post_files_csv, jobs.post_runs, jobs.get_runs");
    char *name = body_text("files.post", mark);
    CU_ASSERT(name != NULL && strncmp(name, "{\"name\":\"civis-io-rp-in-", 24) == 0 &&
              strchr(name, ',') == NULL); /* the base name alone, no expires_at */
    free(name);
    long long db = 0, cred = 0;
    db_and_cred(&db, &cred, c);
    /* the cleaned file's id and the detected columns come from civis-mock */
    char *imp = body_text("imports.post_files_csv", mark);
    cJSON *ib = imp ? cJSON_Parse(imp) : NULL;
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(ib, "source"), "file_ids");
    char *ids_text = ids ? cJSON_PrintUnformatted(ids) : NULL;
    char *cols_text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(ib, "table_columns"));
    if (imp != NULL && ids_text != NULL && cols_text != NULL) {
        char expect[1400];
        snprintf(expect, sizeof(expect),
                 "{\"name\":\"CSV import to sch.up\",\"source\":{\"file_ids\":%s},"
                 "\"destination\":{\"schema\":\"sch\",\"table\":\"up\",\"remote_host_id\":%lld,"
                 "\"credential_id\":%lld,\"primary_keys\":null,\"last_modified_keys\":null},"
                 "\"first_row_is_header\":true,\"column_delimiter\":\"comma\",\"escaped\":false,"
                 "\"compression\":\"none\",\"existing_table_rows\":\"fail\",\"max_errors\":null,"
                 "\"table_columns\":%s,\"loosen_types\":true,\"execution\":\"immediate\","
                 "\"redshift_destination_options\":{\"distkey\":null,\"sortkeys\":[null,null],"
                 "\"diststyle\":null},\"hidden\":true}",
                 ids_text, db, cred, cols_text);
        if (strcmp(imp, expect) != 0)
            fprintf(stderr, "\n  import body: %s\n  want: %s\n", imp, expect);
        CU_ASSERT_STRING_EQUAL(imp, expect);
        CU_ASSERT_EQUAL(cJSON_GetArraySize(ids), 1);
        /* the detected columns, by name, as civis-mock's preprocess found them */
        static const char first[] = "[{\"name\":\"a\",\"sql_type\":\"";
        CU_ASSERT(strncmp(cols_text, first, sizeof(first) - 1) == 0 &&
                  strstr(cols_text, "},{\"name\":\"b\",\"sql_type\":\"VARCHAR(") != NULL);
    } else {
        CU_FAIL("imports.post_files_csv body without file_ids or table_columns");
    }
    cJSON_free(ids_text);
    cJSON_free(cols_text);
    cJSON_Delete(ib);
    free(imp);
    /* the data: in sch.up */
    civis_table *got = NULL;
    CU_ASSERT_EQUAL(civis_read_civis_sql(&got, c, "select b from sch.up order by a", DB, &io, &err),
                    CIVIS_OK);
    CU_ASSERT(got != NULL && civis_table_nrows(got) == 2 &&
              strcmp(civis_table_value(got, 1, 0), "y, z") == 0);
    civis_table_free(got);

    /* civis_file_to_table on a file already in Civis: the same without the upload, and
     * "append" onto the existing table (no column detection, loosen_types false) */
    long long fid = 0;
    CU_ASSERT_EQUAL(civis_buffer_to_civis(&fid, c, "3,w\n", 4, "more.csv", NULL, &err), CIVIS_OK);
    mark = journal_mark();
    civis_import_options imp_o = {.existing_table_rows = "append", .headers = -1};
    CU_ASSERT_EQUAL_FATAL(civis_file_to_table(&f, c, &fid, 1, DB, "sch.up", &imp_o, &io, &err),
                          CIVIS_OK);
    wait_ok(f);
    civis_future_free(f);
    ASSERT_SEQUENCE(mark, "databases.get_schemas_tables, files.post_preprocess_csv, "
                          "jobs.post_runs, files.get, jobs.get_runs, jobs.list_runs_outputs, "
                          "files.get, imports.post_files_csv, jobs.post_runs, jobs.get_runs");
    char pre[256];
    snprintf(pre, sizeof(pre),
             "{\"file_id\":%lld,\"in_place\":false,\"detect_table_columns\":false,"
             "\"force_character_set_conversion\":true,\"include_header\":false,"
             "\"column_delimiter\":null,\"hidden\":true}",
             fid);
    ASSERT_BODY("files.post_preprocess_csv", mark, pre);
    CU_ASSERT_EQUAL(civis_read_civis_sql(&got, c, "select count(*) from sch.up", DB, &io, &err),
                    CIVIS_OK);
    CU_ASSERT(got != NULL && strcmp(civis_table_value(got, 0, 0), "3") == 0);
    civis_table_free(got);
    civis_client_free(c);
}

static void test_io__replay_query_civis(void)
{
    civis_client *c = seeded("rp4", "sch.q");
    civis_client_free(c);
    c = mock_client(&mp, "rp4", NULL);
    long mark = journal_mark();
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL_FATAL(
        civis_query_civis(&f, c, "select id from sch.q order by id", DB, -1, &io, &err), CIVIS_OK);
    const civis_response *q = NULL;
    CU_ASSERT_EQUAL(civis_future_result(&q, f, &err), CIVIS_OK);
    CU_ASSERT_EQUAL(civis_response_len(q, "result_rows"), 4);
    civis_future_free(f);
    ASSERT_SEQUENCE(mark, "databases.list, credentials.list, queries.post, queries.get");
    long long db = 0, cred = 0;
    db_and_cred(&db, &cred, c);
    char want[256];
    snprintf(want, sizeof(want),
             "{\"database\":%lld,\"sql\":\"select id from sch.q order by id\",\"credential\":%lld,"
             "\"hidden\":true,\"preview_rows\":10}",
             db, cred);
    ASSERT_BODY("queries.post", mark, want);
    civis_client_free(c);
}

static void test_io__replay_export_to_civis_file(void)
{
    civis_client *c = seeded("rp5", "sch.e");
    civis_client_free(c);
    c = mock_client(&mp, "rp5", NULL);
    long mark = journal_mark();
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    cJSON *cs = cJSON_Parse("{\"compression\": \"none\", \"include_header\": false}");
    cJSON *params = cJSON_Parse("[{\"name\": \"n\", \"type\": \"integer\"}]");
    cJSON *arguments = cJSON_Parse("{\"n\": 2}");
    civis_io_options o = io;
    o.job_name = "export job";
    o.params = params;
    o.arguments = arguments;
    CU_ASSERT_EQUAL_FATAL(civis_export_to_civis_file(&f, c,
                                                     "select name from sch.e where id = {{n}} + 2",
                                                     DB, cs, &o, &err),
                          CIVIS_OK);
    const civis_response *run = NULL;
    CU_ASSERT_EQUAL(civis_future_result(&run, f, &err), CIVIS_OK);
    long long fid = 0;
    CU_ASSERT_EQUAL(civis_response_int(&fid, run, "output.0.file_id", &err), CIVIS_OK);
    civis_future_free(f);
    ASSERT_SEQUENCE(mark, "databases.list, credentials.list, scripts.post_sql, "
                          "scripts.post_sql_runs, scripts.get_sql_runs");
    long long db = 0, cred = 0;
    db_and_cred(&db, &cred, c);
    char want[512];
    snprintf(want, sizeof(want),
             "{\"name\":\"export job\",\"params\":[{\"name\":\"n\",\"type\":\"integer\"}],"
             "\"arguments\":{\"n\":2},\"hidden\":true,"
             "\"sql\":\"select name from sch.e where id = {{n}} + 2\",\"remote_host_id\":%lld,"
             "\"credential_id\":%lld,\"csv_settings\":{\"compression\":\"none\","
             "\"include_header\":false}}",
             db, cred);
    ASSERT_BODY("scripts.post_sql", mark, want);
    /* the data: output[0].file_id is a Civis file holding the result of the
     * SQL with its argument substituted ({{n}} + 2 is 4) */
    char *bytes = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL(civis_civis_to_buffer(&bytes, &len, c, fid, &quick, &err), CIVIS_OK);
    CU_ASSERT(bytes != NULL && strcmp(bytes, "plain\n") == 0);
    civis_free(bytes);
    cJSON_Delete(cs);
    cJSON_Delete(params);
    cJSON_Delete(arguments);
    civis_client_free(c);
}

static CU_TestInfo tests[] = {
    {"table round trip", test_io__table_round_trip},
    {"missing table named", test_io__missing_table_is_named},
    {"csv_to_civis, civis_to_csv", test_io__csv_to_civis_and_civis_to_csv},
    {"query_civis, export_to_civis_file", test_io__query_civis_previews},
    {"streamed read", test_io__streamed_read},
    {"official sequences", test_io__official_sequences_and_bodies},
    {"replay read_civis_sql", test_io__replay_read_civis_sql},
    {"replay civis_to_csv", test_io__replay_civis_to_csv},
    {"replay csv_to_civis, civis_file_to_table", test_io__replay_csv_to_civis_and_file_to_table},
    {"replay query_civis", test_io__replay_query_civis},
    {"replay export_to_civis_file", test_io__replay_export_to_civis_file},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_io, tests, suite_init, suite_cleanup)
