/*
 * test_cli_workflows.c: the `civis` command's workflows against civis-mock's
 * simulation: files upload then download byte for byte, sql as a preview
 * table and into a CSV file, and jobs follow-log / follow-run-log on a run
 * that writes three lines and succeeds.
 */
#include <stdlib.h>
#include <string.h>

#include "clitest.h"
#include "test.h"

static civis_clitest T;

static int suite_init(void)
{
    if (civis_clitest_start(&T, "cli-workflows-key") != 0)
        return -1;
    T.memcheck = true;
    return 0;
}

static int suite_cleanup(void)
{
    civis_clitest_stop(&T);
    return 0;
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *buf = malloc(n > 0 ? (size_t)n + 1 : 1);
    if (buf != NULL && n > 0 && fread(buf, 1, (size_t)n, fp) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    if (buf != NULL)
        buf[n > 0 ? n : 0] = '\0';
    *len = n > 0 ? (size_t)n : 0;
    return buf;
}

static void test_cli_workflows__upload_then_download_is_byte_exact(void)
{
    char up[128], down[128];
    civis_clitest_path(up, sizeof up, &T, "upload.bin");
    civis_clitest_path(down, sizeof down, &T, "download.bin");
    FILE *fp = fopen(up, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    unsigned int x = 12345;
    for (int i = 0; i < 300000; i++) { /* every byte value, NULs included */
        x = x * 1103515245u + 12345u;
        fputc((int)(x >> 16) & 0xff, fp);
    }
    fclose(fp);
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "files", "upload", up, "--name", "data.bin",
                      "--expires-at", "never", "--description", "from the CLI", NULL);
    CU_ASSERT_EQUAL_FATAL(r.rc, 0);
    char *end = NULL;
    long id = strtol(r.out, &end, 10);
    CU_ASSERT(id > 0);
    CU_ASSERT_STRING_EQUAL(end, "\n"); /* just the id */
    civis_clirun_clear(&r);

    char id_text[32];
    snprintf(id_text, sizeof id_text, "%ld", id);
    civis_clitest_run(&r, &T, NULL, false, "files", "download", id_text, down, NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    civis_clirun_clear(&r);
    size_t a_len = 0, b_len = 0;
    unsigned char *a = read_all(up, &a_len), *b = read_all(down, &b_len);
    CU_ASSERT_PTR_NOT_NULL(b);
    CU_ASSERT_EQUAL(a_len, 300000);
    CU_ASSERT_EQUAL(b_len, a_len);
    CU_ASSERT(a != NULL && b != NULL && b_len == a_len && memcmp(a, b, a_len) == 0);
    free(a);
    free(b);

    /* The file's metadata went with it. */
    civis_clitest_run(&r, &T, NULL, false, "--compact", "files", "get", id_text, NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    cJSON *file = cJSON_Parse(r.out);
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(file, "name")), "data.bin");
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(file, "description")),
                           "from the CLI");
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItem(file, "expiresAt")));
    cJSON_Delete(file);
    civis_clirun_clear(&r);

    /* A file that is not there: the API's 404, exit 1. */
    civis_clitest_run(&r, &T, NULL, false, "files", "download", "987654", down, NULL);
    CU_ASSERT_EQUAL(r.rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "404"));
    civis_clirun_clear(&r);
    civis_clitest_run(&r, &T, NULL, false, "files", "upload", "/nonexistent/file", NULL);
    CU_ASSERT_EQUAL(r.rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "/nonexistent/file"));
    civis_clirun_clear(&r);
}

static const char result_csv[] = "name,n,note\n"
                                 "alpha,1,plain\n"
                                 "beta,22,\"with, comma\"\n"
                                 "gamma,333,\n";

static void sql_setup(void)
{
    /* A default database credential (the SQL script runs with it) and the
     * result set every SQL run of the key returns. */
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "credentials", "post", "Database", "dbuser", "pw",
                      "--default", "true", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    civis_clirun_clear(&r);
    CU_ASSERT_EQUAL(civis_clitest_admin(&T, "POST", "/__mock/sim/csv", "text/csv", result_csv),
                    200);
}

static void test_cli_workflows__sql_preview_table(void)
{
    sql_setup();
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "sql", "-d", "32", "-c", "select * from t", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_STRING_EQUAL(r.out, "name  | n   | note\n"
                                  "-------------------------\n"
                                  "alpha |   1 |       plain\n"
                                  " beta |  22 | with, comma\n"
                                  "gamma | 333 |            \n");
    civis_clirun_clear(&r);
    /* -n limits the rows; the SQL may come from stdin, up to a blank line. */
    civis_clitest_run(&r, &T, "select *\nfrom t\n\nnot sql\n", false, "sql", "-d", "32", "-n", "1",
                      NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_STRING_EQUAL(r.out, "name  | n | note\n"
                                  "-----------------\n"
                                  "alpha | 1 | plain\n");
    civis_clirun_clear(&r);
    cJSON *j = civis_clitest_journal(&T, "scripts.post_sql");
    cJSON *last = cJSON_GetArrayItem(j, cJSON_GetArraySize(j) - 1);
    const cJSON *body = cJSON_GetObjectItem(last, "body");
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(body, "sql")),
                           "select *\nfrom t\n");
    cJSON_Delete(j);
    civis_clitest_run(&r, &T, NULL, false, "sql", "-c", "select 1", NULL);
    CU_ASSERT_EQUAL(r.rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "-d DATABASE"));
    civis_clirun_clear(&r);
}

static void test_cli_workflows__sql_to_csv_file(void)
{
    sql_setup();
    char out[128], sqlfile[128];
    civis_clitest_path(out, sizeof out, &T, "out.csv");
    civis_clitest_path(sqlfile, sizeof sqlfile, &T, "query.sql");
    FILE *fp = fopen(sqlfile, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fputs("select * from t;\n", fp);
    fclose(fp);
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "sql", "-d", "32", "-f", sqlfile, "-o", out, NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_STRING_EQUAL(r.out, "");
    civis_clirun_clear(&r);
    size_t len = 0;
    unsigned char *got = read_all(out, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(got);
    CU_ASSERT_STRING_EQUAL((char *)got, result_csv);
    free(got);
}

static void test_cli_workflows__sql_run_that_fails_exits_1_with_its_error(void)
{
    sql_setup();
    CU_ASSERT_EQUAL(
        civis_clitest_admin(&T, "POST", "/__mock/sim/policy", NULL,
                            "{\"policy\": \"fail\", \"error\": \"relation t does not exist\"}"),
        200);
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "sql", "-d", "32", "-c", "select * from t", NULL);
    CU_ASSERT_EQUAL(r.rc, 1);
    CU_ASSERT_STRING_EQUAL(r.out, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "relation t does not exist"));
    civis_clirun_clear(&r);
    CU_ASSERT_EQUAL(
        civis_clitest_admin(&T, "POST", "/__mock/sim/policy", NULL, "{\"policy\": \"instant\"}"),
        200);
}

/* A container script whose runs take 300 ms and write three lines. */
static long three_line_job(void)
{
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "--compact", "scripts", "post-containers",
                      "{\"cpu\": 1, \"memory\": 64}", "--name", "logger", "--docker-image-name",
                      "python", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    cJSON *job = cJSON_Parse(r.out);
    long id = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(job, "id"));
    cJSON_Delete(job);
    civis_clirun_clear(&r);
    char path[128];
    snprintf(path, sizeof path, "/__mock/sim/jobs/%ld/policy", id);
    CU_ASSERT_EQUAL(civis_clitest_admin(&T, "POST", path, NULL, "{\"policy\":\"ms\",\"ms\":300}"),
                    200);
    snprintf(path, sizeof path, "/__mock/sim/jobs/%ld/logs", id);
    CU_ASSERT_EQUAL(civis_clitest_admin(&T, "POST", path, NULL,
                                        "[\"first line\", \"second line\", \"third line\"]"),
                    200);
    return id;
}

/* Checks "<createdAt> MESSAGE" lines: three, in order, each with a timestamp. */
static void expect_three_lines(const char *text)
{
    static const char *const msgs[] = {"first line", "second line", "third line"};
    const char *p = text;
    for (int i = 0; i < 3; i++) {
        const char *nl = strchr(p, '\n');
        CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
        const char *space = memchr(p, ' ', (size_t)(nl - p));
        CU_ASSERT_PTR_NOT_NULL_FATAL(space);
        CU_ASSERT(space - p >= 20 && p[4] == '-' && p[10] == 'T'); /* 2026-12-04T16:30:09.175Z */
        CU_ASSERT_EQUAL((size_t)(nl - space - 1), strlen(msgs[i]));
        CU_ASSERT_EQUAL(strncmp(space + 1, msgs[i], strlen(msgs[i])), 0);
        p = nl + 1;
    }
    CU_ASSERT_STRING_EQUAL(p, "");
}

static void test_cli_workflows__follow_log_until_the_run_succeeds(void)
{
    long job = three_line_job();
    char id[32];
    snprintf(id, sizeof id, "%ld", job);
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "--compact", "scripts", "post-containers-runs", id,
                      NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    cJSON *run = cJSON_Parse(r.out);
    long run_id = (long)cJSON_GetNumberValue(cJSON_GetObjectItem(run, "id"));
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(run, "state")), "queued");
    cJSON_Delete(run);
    civis_clirun_clear(&r);

    civis_clitest_run(&r, &T, NULL, false, "jobs", "follow-log", id, "--poll-interval", "0.05",
                      NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    char head[64];
    snprintf(head, sizeof head, "Run ID: %ld\n", run_id);
    CU_ASSERT_EQUAL(strncmp(r.out, head, strlen(head)), 0);
    expect_three_lines(r.out + strlen(head));
    civis_clirun_clear(&r);

    /* The run finished while the log was followed. */
    char rid[32];
    snprintf(rid, sizeof rid, "%ld", run_id);
    civis_clitest_run(&r, &T, NULL, false, "--compact", "jobs", "get-runs", id, rid, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "\"state\":\"succeeded\""));
    civis_clirun_clear(&r);

    civis_clitest_run(&r, &T, NULL, false, "jobs", "follow-run-log", id, rid, NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    expect_three_lines(r.out);
    civis_clirun_clear(&r);

    civis_clitest_run(&r, &T, NULL, false, "jobs", "follow-run-log", id, NULL);
    CU_ASSERT_EQUAL(r.rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "missing argument RUN_ID"));
    civis_clirun_clear(&r);
}

static CU_TestInfo tests[] = {
    {"files upload then download, byte-exact",
     test_cli_workflows__upload_then_download_is_byte_exact},
    {"sql preview table", test_cli_workflows__sql_preview_table},
    {"sql -o writes the CSV", test_cli_workflows__sql_to_csv_file},
    {"sql: a failed run exits 1 with its error",
     test_cli_workflows__sql_run_that_fails_exits_1_with_its_error},
    {"follow-log until the run succeeds", test_cli_workflows__follow_log_until_the_run_succeeds},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(cli_workflows, tests, suite_init, suite_cleanup)
