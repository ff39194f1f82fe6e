/*
 * test_examples_guide.c: the user guide (docs/user-guide.md) and the
 * programs its snippets come from (examples/guide_*.c). Every fenced C
 * block of the guide names its program and must appear in it verbatim, so
 * the guide cannot drift from code that compiles; each program then runs
 * against a civis-mock of its own (port 0) on data the test puts there, and
 * what it prints and leaves behind is checked against values the test
 * computes itself. Under `make valgrind` the programs run under memcheck
 * too; under `make asan` they are the sanitized build.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <zlib.h>

#include "test.h"
#include "test_client_support.h"
#include "civis/io.h"

#define KEY "guide"
#define DB "civis-mock"
#define OUT_MAX 16384

static civis_mockproc mp;
static bool mock_up;
static char work[64]; /* the programs' working directory and cache */
static civis_client *client;

static const civis_future_options fast = {.no_wait = true};
static const civis_io_options io = {.polling = &fast};

/* The table the examples read: x, y = 3x - 1 with noise, z falling. */
static const char *const names[] = {"x", "y", "z"};
static const double data[][3] = {
    {1, 2.5, 9}, {2, 5.5, 7}, {3, 7.5, 8}, {4, 11, 4}, {5, 14.5, 5}, {6, 16, 1}, {7, 20.5, 2},
};
#define NROWS (sizeof(data) / sizeof(data[0]))

/* The repository root: the parent of $CIVIS_TEST_DATA (tests/). */
static void repo_path(char *buf, size_t len, const char *rel)
{
    const char *tests = getenv("CIVIS_TEST_DATA");
    snprintf(buf, len, "%s/../%s", tests ? tests : "tests", rel);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n - 1, fp)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *bigger = realloc(buf, cap *= 2);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
            }
            buf = bigger;
        }
    }
    fclose(fp);
    if (buf)
        buf[n] = '\0';
    return buf;
}

static int suite_init(void)
{
    /* runs take two polls, so a future can be seen running and cancelled */
    static const char *const args[] = {"--run-policy", "polls:2", NULL};
    mock_up = civis_mockproc_start(&mp, args) == 0;
    snprintf(work, sizeof(work), "/tmp/civis-guide-XXXXXX");
    if (!mock_up || mkdtemp(work) == NULL)
        return 1;
    client = mock_client(&mp, KEY, NULL);
    return client ? 0 : 1;
}

static int suite_cleanup(void)
{
    char cmd[128];
    civis_client_free(client);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", work);
    return mock_up && civis_mockproc_stop(&mp) != 0 ? 1 : 0;
}

/*
 * Runs build/examples/<name> with `args` in the work directory against the
 * suite's civis-mock; its stdout and stderr go to out. Under valgrind the
 * program runs under memcheck, whose errors make it exit 99.
 */
static int run_example(const char *name, const char *args, char *out, size_t len, int expect)
{
    const char *dir = getenv("CIVIS_EXAMPLES_DIR");
    char supp[512], memcheck[700] = "", cmd[2048];
    repo_path(supp, sizeof(supp), "ci/valgrind.supp");
    if (getenv("CIVIS_UNDER_VALGRIND"))
        snprintf(memcheck, sizeof(memcheck),
                 "valgrind --quiet --leak-check=full --show-leak-kinds=all "
                 "--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 "
                 "--suppressions='%s' ",
                 supp);
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && CIVIS_API_ENDPOINT='%s' CIVIS_API_KEY=" KEY " XDG_CACHE_HOME='%s/cache' "
             "CIVIS_POLL_MS=2 %s'%s/%s' %s 2>&1",
             work, mp.base_url, work, memcheck, dir ? dir : "build/examples", name,
             args ? args : "");
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return -1;
    size_t n = fread(out, 1, len - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    if (rc != expect)
        fprintf(stderr, "\n  %s %s exited %d:\n%s\n", name, args ? args : "", rc, out);
    return rc;
}

/* Puts demo.measurements in place (replacing it) through libcivis. */
static void seed(void)
{
    civis_table *t = NULL;
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_import_options replace = {.existing_table_rows = "drop"};
    ASSERT_CIVIS_OK(civis_table_new(&t, names, 3, &err), err);
    for (size_t r = 0; r < NROWS; r++) {
        char cells[3][32];
        const char *row[3];
        for (int c = 0; c < 3; c++) {
            snprintf(cells[c], sizeof(cells[c]), "%g", data[r][c]);
            row[c] = cells[c];
        }
        ASSERT_CIVIS_OK(civis_table_add_row(t, row, &err), err);
    }
    ASSERT_CIVIS_OK(
        civis_table_to_civis(&f, client, t, DB, "demo.measurements", &replace, &io, &err), err);
    ASSERT_CIVIS_OK(civis_future_result(NULL, f, &err), err);
    civis_future_free(f);
    civis_table_free(t);
}

/* Pearson's r of columns a and b of n rows, by the two-pass formula (the
 * example uses one pass). */
static double pearson_of(const double (*rows)[3], size_t n, int a, int b)
{
    double ma = 0, mb = 0, cab = 0, caa = 0, cbb = 0;
    for (size_t r = 0; r < n; r++)
        ma += rows[r][a] / (double)n, mb += rows[r][b] / (double)n;
    for (size_t r = 0; r < n; r++) {
        double da = rows[r][a] - ma, db = rows[r][b] - mb;
        cab += da * db, caa += da * da, cbb += db * db;
    }
    return cab / sqrt(caa * cbb);
}

static double pearson(int a, int b)
{
    return pearson_of(data, NROWS, a, b);
}

/* ---- the guide and its sources ---------------------------------------------- */

#define MARK "<!-- from "

/* Checks one fenced block: a C block must name its example, and a block
 * that names one must be in it verbatim. */
static void check_block(const char *lang, const char *body, const char *source_name,
                        const char *source)
{
    if (strcmp(lang, "c") == 0 && source_name[0] == '\0') {
        fprintf(stderr, "\n  unmarked C block: %.60s\n", body);
        CU_FAIL("a C block of the guide names no example");
    } else if (source_name[0] != '\0' && (source == NULL || strstr(source, body) == NULL)) {
        fprintf(stderr, "\n  not in %s:\n%s\n", source_name, body);
        CU_FAIL("a block of the guide is not in its example");
    }
}

static void test_guide__every_c_block_is_in_its_example(void)
{
    char path[512];
    repo_path(path, sizeof(path), "docs/user-guide.md");
    char *guide = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(guide);
    int blocks = 0;
    char *source = NULL, source_name[128] = "", lang[16] = "";
    char *body = NULL; /* inside a block: where its text starts */
    for (char *line = guide; line && *line;) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (body == NULL && strncmp(line, MARK, strlen(MARK)) == 0) {
            /* "<!-- from examples/guide_x.c -->" names the next block's file */
            char *name = line + strlen(MARK), *end = strstr(name, " -->");
            if (end)
                *end = '\0';
            snprintf(source_name, sizeof(source_name), "%s", name);
            free(source);
            repo_path(path, sizeof(path), source_name);
            source = strncmp(source_name, "examples/", 9) == 0 ? slurp(path) : NULL;
            if (source == NULL) {
                fprintf(stderr, "\n  the guide names %s, which is not an example\n", name);
                CU_FAIL("a block names a missing example");
            }
        } else if (body == NULL && strncmp(line, "```", 3) == 0) {
            snprintf(lang, sizeof(lang), "%s", line + 3);
            body = next;
        } else if (body != NULL && strcmp(line, "```") == 0) {
            /* the lines in between, rejoined (the closing fence's line is cut) */
            for (char *p = body; p < line - 1; p++)
                if (*p == '\0')
                    *p = '\n';
            if (line > body)
                line[-1] = '\0';
            else
                body = line;
            check_block(lang, line > body ? body : "", source_name, source);
            blocks += source_name[0] != '\0';
            source_name[0] = '\0';
            body = NULL;
        }
        line = next;
    }
    CU_ASSERT_PTR_NULL(body); /* every block is closed */
    free(source);
    free(guide);
    CU_ASSERT(blocks >= 10); /* a guide with no checked block proves nothing */
}

static void test_guide__readme_links_it(void)
{
    char path[512];
    repo_path(path, sizeof(path), "README.md");
    char *readme = slurp(path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(readme);
    CU_ASSERT_PTR_NOT_NULL(strstr(readme, "(docs/user-guide.md)"));
    free(readme);
}

/* ---- the programs --------------------------------------------------------------- */

static void test_guide__correlation_example(void)
{
    CU_ASSERT_FATAL(mock_up);
    seed();
    char out[OUT_MAX];
    CU_ASSERT_EQUAL_FATAL(run_example("guide_correlation", DB, out, sizeof(out), 0), 0);
    char want[128];
    snprintf(want, sizeof(want), "read %zu rows of 3 columns from demo.measurements\n", NROWS);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "uploaded demo.correlations (job "));

    /* the uploaded matrix, read back, is the one computed here */
    civis_table *m = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(
        civis_read_civis_sql(&m, client, "SELECT * FROM demo.correlations", DB, &io, &err), err);
    CU_ASSERT_EQUAL_FATAL(civis_table_ncols(m), 4);
    CU_ASSERT_EQUAL_FATAL(civis_table_nrows(m), 3);
    CU_ASSERT_STRING_EQUAL(civis_table_column(m, 3), "corr_var");
    for (int r = 0; r < 3; r++) {
        CU_ASSERT_STRING_EQUAL(civis_table_value(m, (size_t)r, 3), names[r]);
        for (int c = 0; c < 3; c++) {
            const char *v = civis_table_value(m, (size_t)r, (size_t)c);
            CU_ASSERT_PTR_NOT_NULL_FATAL(v);
            CU_ASSERT_DOUBLE_EQUAL(strtod(v, NULL), pearson(r, c), 1e-6);
            /* and printed */
            char cell[32];
            snprintf(cell, sizeof(cell), " %10.6f", pearson(r, c));
            CU_ASSERT_PTR_NOT_NULL(strstr(out, cell));
        }
    }
    civis_table_free(m);
    /* a second run replaces the table rather than failing on it */
    CU_ASSERT_EQUAL(run_example("guide_correlation", DB, out, sizeof(out), 0), 0);
    /* a table that is not there: the run's error names it */
    CU_ASSERT_EQUAL(run_example("guide_correlation", DB " demo.absent", out, sizeof(out), 1), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "demo.absent"));
}

static void test_guide__futures_example(void)
{
    CU_ASSERT_FATAL(mock_up);
    seed();
    char out[OUT_MAX];
    CU_ASSERT_EQUAL_FATAL(run_example("guide_futures", DB, out, sizeof(out), 0), 0);
    /* the run took polls, the callback ran once, before the result */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "count: still running\n"));
    char *cb = strstr(out, "count: job "), *res = strstr(out, "count: succeeded after ");
    CU_ASSERT(cb != NULL && res != NULL && cb < res);
    CU_ASSERT(cb != NULL && strstr(cb + 1, "count: job ") == NULL);
    /* the failed query's message names the missing table */
    char *failed = strstr(out, "failed as expected: ");
    CU_ASSERT(failed != NULL && strstr(failed, "demo.nowhere") != NULL);
    /* the three counts, as the test counts them */
    for (int i = 0; i < 3; i++) {
        size_t n = 0;
        for (size_t r = 0; r < NROWS; r++)
            n += data[r][0] > i * 2;
        char want[64];
        snprintf(want, sizeof(want), "rows with x > %d: %zu\n", i * 2, n);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    }
    /* the cancel reached a running run */
    char *cancel = strstr(out, "cancelled: job ");
    CU_ASSERT(cancel != NULL && strstr(cancel, " was cancelled\n") != NULL);
}

/* The rows of a CSV text of numbers equal the seeded data. */
static bool csv_is_data(const char *text)
{
    size_t r = 0;
    for (const char *p = text; *p && r < NROWS; r++) {
        for (int c = 0; c < 3; c++) {
            char *end = NULL;
            double v = strtod(p, &end);
            if (end == p || fabs(v - data[r][c]) > 1e-9 || *end != (c < 2 ? ',' : '\n'))
                return false;
            p = end + 1;
        }
        if (r + 1 == NROWS && *p != '\0')
            return false;
    }
    return r == NROWS;
}

static void test_guide__client_example(void)
{
    CU_ASSERT_FATAL(mock_up);
    seed();
    char out[OUT_MAX];
    CU_ASSERT_EQUAL_FATAL(run_example("guide_client", DB, out, sizeof(out), 0), 0);
    const cJSON *me = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_current_user(&me, client, &err), err);
    char want[256];
    snprintf(want, sizeof(want), "signed in as %s\n",
             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(me, "username")));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(
        out, "refused: unknown argument 'schmea' for tables.list (did you mean 'schema'?)\n"));

    /* every table the key has, one page each */
    long long db = 0;
    ASSERT_CIVIS_OK(civis_get_database_id(&db, client, DB, &err), err);
    cJSON *tables = NULL, *args = civis_args("database_id", CIVIS_INT(db), CIVIS_END);
    ASSERT_CIVIS_OK(civis_list_all(&tables, client, "tables", "list", args, &err), err);
    cJSON_Delete(args);
    const cJSON *t = NULL;
    cJSON_ArrayForEach(t, tables)
    {
        snprintf(want, sizeof(want), "table %s.%s\n",
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "schema")),
                 cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "name")));
        CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    }
    CU_ASSERT(cJSON_GetArraySize(tables) >= 1);
    snprintf(want, sizeof(want), "\n%d page requests\n", cJSON_GetArraySize(tables));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    cJSON_Delete(tables);

    /* the export is a gzip file of the table's rows, without a header */
    char path[128], text[4096];
    snprintf(path, sizeof(path), "%s/measurements.csv.gz", work);
    gzFile gz = gzopen(path, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(gz);
    CU_ASSERT_EQUAL(gzdirect(gz), 0); /* compressed, not plain text */
    int n = gzread(gz, text, sizeof(text) - 1);
    gzclose(gz);
    CU_ASSERT_FATAL(n > 0);
    text[n] = '\0';
    CU_ASSERT(csv_is_data(text));
    snprintf(want, sizeof(want), "\n%zu rows\n", NROWS);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
}

static void test_guide__responses_example(void)
{
    CU_ASSERT_FATAL(mock_up);
    seed();
    char out[OUT_MAX];
    CU_ASSERT_EQUAL_FATAL(run_example("guide_responses", DB, out, sizeof(out), 0), 0);
    long long db = 0, table = 0, cred = 0;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_get_database_id(&db, client, DB, &err), err);
    ASSERT_CIVIS_OK(civis_get_table_id(&table, client, "demo.measurements", DB, &err), err);
    ASSERT_CIVIS_OK(civis_default_database_credential_id(&cred, client, &err), err);
    char want[256];
    snprintf(want, sizeof(want), "database " DB " has id %lld\n", db);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    snprintf(want, sizeof(want),
             "table demo.measurements (schema demo, name measurements) has id %lld\n", table);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    snprintf(want, sizeof(want), "default credential %lld, user ", cred);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    snprintf(want, sizeof(want), "%zu rows, 3 columns:\n  x ", NROWS);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n  y DOUBLE PRECISION\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "not found: no field 'columns.99.name'"));
    snprintf(want, sizeof(want), "HTTP 200 from GET /tables/%lld, 0 retries\n", table);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    /* a database that is not there is an error, not a guess */
    CU_ASSERT_EQUAL(run_example("guide_responses", "nowhere", out, sizeof(out), 1), 1);
    CU_ASSERT_STRING_EQUAL(out, "civis: no database nowhere\n");
}

static void test_guide__testing_example(void)
{
    /* unit tests on the in-process mock: no server; all of them ran and passed */
    char out[OUT_MAX];
    CU_ASSERT_EQUAL_FATAL(run_example("guide_testing", NULL, out, sizeof(out), 0), 0);
    int tests = 0, passed = 0;
    for (const char *p = out; (p = strstr(p, "  Test: ")) != NULL; p++)
        tests++;
    for (const char *p = out; (p = strstr(p, "...passed\n")) != NULL; p++)
        passed++;
    CU_ASSERT(tests >= 9);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  Test: mean reads the declared rows ...passed\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  Test: save_scores uploads a CSV ...passed\n"));
    CU_ASSERT_EQUAL(passed, tests);
}

static void test_guide__ci_script(void)
{
    /* the script starts and stops a civis-mock of its own */
    const char *mock = getenv("CIVIS_MOCK_BIN"), *cli = getenv("CIVIS_CLI_BIN"),
               *examples = getenv("CIVIS_EXAMPLES_DIR");
    if (mock == NULL || cli == NULL || examples == NULL) {
        civis_test_skip(
            "CIVIS_MOCK_BIN, CIVIS_CLI_BIN or CIVIS_EXAMPLES_DIR not set (make test sets them)");
        return;
    }
    char script[512], cmd[2048], out[OUT_MAX];
    repo_path(script, sizeof(script), "examples/guide_ci.sh");
    snprintf(cmd, sizeof(cmd), "CIVIS_MOCK='%s' CIVIS='%s' EXAMPLES='%s' sh '%s' 2>&1", mock, cli,
             examples, script);
    FILE *p = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    int st = pclose(p);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);

    /* the matrix it prints is the one of the CSV file it seeded */
    char csv_path[512];
    repo_path(csv_path, sizeof(csv_path), "examples/guide_measurements.csv");
    char *csv = slurp(csv_path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(csv);
    double rows[64][3];
    size_t nrows = 0;
    for (char *line = strchr(csv, '\n'); line && line[1] && nrows < 64;
         line = strchr(line + 1, '\n'))
        if (sscanf(line + 1, "%lf,%lf,%lf", &rows[nrows][0], &rows[nrows][1], &rows[nrows][2]) == 3)
            nrows++;
    free(csv);
    CU_ASSERT_FATAL(nrows >= 3);
    char want[128];
    snprintf(want, sizeof(want), "read %zu rows of 3 columns from demo.measurements\n", nrows);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    for (int r = 0; r < 3; r++) {
        int len = snprintf(want, sizeof(want), "\n%-10s", names[r]);
        for (int c = 0; c < 3; c++)
            len += snprintf(want + len, sizeof(want) - (size_t)len, " %10.6f",
                            pearson_of((const double(*)[3])rows, nrows, r, c));
        snprintf(want + len, sizeof(want) - (size_t)len, "\n");
        if (strstr(out, want) == NULL)
            fprintf(stderr, "\n  missing row:%s", want);
        CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nuploaded demo.correlations (job "));
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fprintf(stderr, "\n  guide_ci.sh:\n%s\n", out);
}

static CU_TestInfo tests[] = {
    {"every C block is in its example", test_guide__every_c_block_is_in_its_example},
    {"the README links the guide", test_guide__readme_links_it},
    {"correlation example", test_guide__correlation_example},
    {"futures example", test_guide__futures_example},
    {"client example", test_guide__client_example},
    {"responses example", test_guide__responses_example},
    {"testing example", test_guide__testing_example},
    {"CI script", test_guide__ci_script},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(examples_guide, tests, suite_init, suite_cleanup)
