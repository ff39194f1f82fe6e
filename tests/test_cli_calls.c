/*
 * test_cli_calls.c: the `civis` command's generated commands against
 * civis-mock: each kind of parameter reaches the wire where the spec puts
 * it (path, query, query array, body scalar, nested object from JSON text
 * and from @FILE, array), the exit codes (0 done, 1 API error, 2 usage
 * error with nothing sent, 1 without a key), the did-you-mean for a
 * misspelled option, a missing positional named, and the output formats.
 */
#include <stdlib.h>
#include <string.h>

#include "clitest.h"
#include "test.h"

static civis_clitest T;

static int suite_init(void)
{
    if (civis_clitest_start(&T, "cli-calls-key") != 0)
        return -1;
    T.memcheck = true;
    return 0;
}

static int suite_cleanup(void)
{
    civis_clitest_stop(&T);
    return 0;
}

/* The one journal entry of `operation` since the last reset (NULL unless exactly one). */
static cJSON *only_entry(cJSON **journal, const char *operation)
{
    *journal = civis_clitest_journal(&T, operation);
    CU_ASSERT_PTR_NOT_NULL(*journal);
    if (*journal == NULL)
        return NULL;
    CU_ASSERT_EQUAL(cJSON_GetArraySize(*journal), 1);
    return cJSON_GetArraySize(*journal) == 1 ? cJSON_GetArrayItem(*journal, 0) : NULL;
}

static const char *str_of(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void reset(void)
{
    CU_ASSERT_EQUAL(civis_clitest_admin(&T, "POST", "/__mock/reset", NULL, "{}"), 200);
}

/* Asserts that the body of `entry` equals the JSON text `want`. */
static void assert_body(const cJSON *entry, const char *want)
{
    cJSON *w = cJSON_Parse(want);
    const cJSON *body = cJSON_GetObjectItemCaseSensitive(entry, "body");
    bool same = w != NULL && body != NULL && cJSON_Compare(w, body, 1);
    if (!same) {
        char *got = body ? cJSON_PrintUnformatted(body) : NULL;
        fprintf(stderr, "\n  body %s, expected %s\n", got ? got : "(none)", want);
        cJSON_free(got);
    }
    CU_ASSERT(same);
    cJSON_Delete(w);
}

static void test_cli_calls__path_parameters_fill_the_path_and_404_exits_1(void)
{
    reset();
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "scripts", "get-sql-runs", "7", "8", NULL);
    CU_ASSERT_EQUAL(r.rc, 1);
    CU_ASSERT_STRING_EQUAL(r.out, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "(404)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "GET /scripts/sql/7/runs/8"));
    civis_clirun_clear(&r);
    cJSON *j = NULL;
    const cJSON *e = only_entry(&j, "scripts.get_sql_runs");
    if (e != NULL)
        CU_ASSERT_STRING_EQUAL(str_of(e, "path"), "/scripts/sql/7/runs/8");
    cJSON_Delete(j);
}

static void test_cli_calls__query_scalars_and_arrays(void)
{
    reset();
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "credentials", "list", "--type", "Database", "--default",
                      "true", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    civis_clirun_clear(&r);
    /* An array query parameter: repeated options, or one JSON array. */
    civis_clitest_run(&r, &T, NULL, false, "admin", "list-organizations", "--status", "active",
                      "--status", "trial", "--org-type", "[\"platform\"]", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    civis_clirun_clear(&r);
    cJSON *j = NULL;
    const cJSON *e = only_entry(&j, "credentials.list");
    if (e != NULL)
        CU_ASSERT_STRING_EQUAL(str_of(e, "query"), "type=Database&default=True");
    cJSON_Delete(j);
    e = only_entry(&j, "admin.list_organizations");
    if (e != NULL)
        CU_ASSERT_STRING_EQUAL(str_of(e, "query"),
                               "status%5B%5D=active&status%5B%5D=trial&org_type%5B%5D=platform");
    cJSON_Delete(j);
}

static void test_cli_calls__body_scalars_go_camel_case_and_print_the_answer(void)
{
    reset();
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "--compact", "credentials", "post", "Database", "u",
                      "secret", "--remote-host-id", "5", "--default", "true", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    cJSON *answer = cJSON_Parse(r.out);
    CU_ASSERT_PTR_NOT_NULL(answer);
    CU_ASSERT_STRING_EQUAL(str_of(answer, "username"), "u");
    CU_ASSERT_EQUAL(strchr(r.out, '\n'), r.out + strlen(r.out) - 1); /* --compact: one line */
    cJSON_Delete(answer);
    civis_clirun_clear(&r);
    cJSON *j = NULL;
    const cJSON *e = only_entry(&j, "credentials.post");
    if (e != NULL)
        assert_body(e, "{\"type\": \"Database\", \"username\": \"u\", \"password\": \"secret\","
                       " \"remoteHostId\": 5, \"default\": true}");
    cJSON_Delete(j);
}

static void test_cli_calls__objects_from_json_text_and_file_and_arrays(void)
{
    reset();
    char path[128];
    civis_clitest_path(path, sizeof path, &T, "schedule.json");
    FILE *fp = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fputs("{\"scheduled\": true, \"scheduledDays\": [1, 3]}\n", fp);
    fclose(fp);
    char at[140];
    snprintf(at, sizeof at, "@%s", path);
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "scripts", "post-containers",
                      "{\"cpu\": 1, \"memory\": 64}", "--docker-image-name", "python", "--schedule",
                      at, "--params", "[{\"name\": \"n\", \"type\": \"integer\"}]", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    cJSON *answer = cJSON_Parse(r.out);
    CU_ASSERT(cJSON_IsObject(answer));
    cJSON_Delete(answer);
    civis_clirun_clear(&r);
    cJSON *j = NULL;
    const cJSON *e = only_entry(&j, "scripts.post_containers");
    if (e != NULL)
        assert_body(e, "{\"requiredResources\": {\"cpu\": 1, \"memory\": 64},"
                       " \"dockerImageName\": \"python\","
                       " \"schedule\": {\"scheduled\": true, \"scheduledDays\": [1, 3]},"
                       " \"params\": [{\"name\": \"n\", \"type\": \"integer\"}]}");
    cJSON_Delete(j);
}

static void test_cli_calls__misspelled_option_suggests_and_sends_nothing(void)
{
    reset();
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "scripts", "post-containers", "{\"cpu\": 1}",
                      "--docker-comand", "x", NULL);
    CU_ASSERT_EQUAL(r.rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "unknown option '--docker-comand' for scripts "
                                         "post-containers (did you mean '--docker-command'?)"));
    civis_clirun_clear(&r);
    cJSON *j = civis_clitest_journal(&T, "scripts.post_containers");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 0);
    cJSON_Delete(j);
}

static void test_cli_calls__usage_errors_exit_2_naming_the_problem(void)
{
    static const struct {
        const char *args[6];
        const char *message;
    } cases[] = {
        {{"scripts", "get-sql-runs", "7", NULL}, "missing argument RUN_ID (integer)"},
        {{"scripts", "get-sql-runs", "seven", "8", NULL}, "ID must be an integer, got 'seven'"},
        {{"scirpts", "list", NULL}, "no resource 'scirpts' (did you mean 'scripts'?)"},
        {{"scripts", "get-sql-run", "1", NULL}, "did you mean 'get-sql-runs'?"},
        {{"credentials", "list", "--default", "maybe", NULL},
         "--default must be true or false, got 'maybe'"},
        {{"scripts", "post-containers", "[1]", NULL}, "REQUIRED_RESOURCES must be a JSON object"},
        {{"scripts", "post-containers", "{\"cpu\": ", NULL}, "REQUIRED_RESOURCES: not valid JSON"},
        {{"scripts", "post-containers", "@/nonexistent/x.json", NULL}, "cannot read"},
        {{"users", "list-me", "extra", NULL}, "unexpected argument 'extra'"},
        {{"credentials", "list", "--type", NULL}, "option --type needs a value"},
    };
    reset();
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        civis_clirun r;
        const char *const *a = cases[i].args;
        civis_clitest_run(&r, &T, NULL, false, a[0], a[1], a[2], a[3], a[4], NULL);
        if (r.rc != 2 || strstr(r.err, cases[i].message) == NULL) {
            fprintf(stderr, "\n  case %zu: exit %d, stderr '%s', expected 2 and '%s'\n", i, r.rc,
                    r.err, cases[i].message);
            CU_FAIL("usage error not reported as such");
        }
        CU_ASSERT_STRING_EQUAL(r.out, "");
        civis_clirun_clear(&r);
    }
    /* Nothing but the spec download reached the server. */
    cJSON *j = civis_clitest_journal(&T, "scripts.get_sql_runs");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 0);
    cJSON_Delete(j);
}

static void test_cli_calls__missing_key_exits_1_with_a_clear_message(void)
{
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, true, "users", "list-me", NULL);
    CU_ASSERT_EQUAL(r.rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "CIVIS_API_KEY"));
    civis_clirun_clear(&r);
    civis_clitest_run(&r, &T, NULL, true, "--version", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_EQUAL(strncmp(r.out, "civis 0.", 8), 0);
    civis_clirun_clear(&r);
}

static void test_cli_calls__library_names_and_deprecated_operations(void)
{
    reset();
    civis_clirun r;
    /* users get-me is libcivis's name of the official CLI's users list-me. */
    civis_clitest_run(&r, &T, NULL, false, "users", "get-me", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    civis_clirun_clear(&r);
    civis_clitest_run(&r, &T, NULL, false, "users", "list-me", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    civis_clirun_clear(&r);
    cJSON *j = civis_clitest_journal(&T, "users.get_me");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 2);
    cJSON_Delete(j);
    /* DELETE /scripts/{id} is deprecated: libcivis has no method, the CLI has the command. */
    civis_clitest_run(&r, &T, NULL, false, "scripts", "delete", "12345", NULL);
    CU_ASSERT_EQUAL(r.rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "DELETE /scripts/12345"));
    civis_clirun_clear(&r);
}

static void test_cli_calls__json_and_yaml_output(void)
{
    reset();
    const char *stub = "{\"operation\": \"users.get_me\", \"response\": {\"status\": 200, "
                       "\"body\": {\"b\": 1, \"a\": {\"d\": [1, \"x: y\", {\"z\": null}], "
                       "\"c\": true}, \"e\": [], \"f\": \"plain text\", \"g\": \"007\"}}}";
    CU_ASSERT_EQUAL(civis_clitest_admin(&T, "POST", "/__mock/stubs", NULL, stub), 201);
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "users", "list-me", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_STRING_EQUAL(r.out, "{\n"
                                  "  \"b\": 1,\n"
                                  "  \"a\": {\n"
                                  "    \"d\": [\n"
                                  "      1,\n"
                                  "      \"x: y\",\n"
                                  "      {\n"
                                  "        \"z\": null\n"
                                  "      }\n"
                                  "    ],\n"
                                  "    \"c\": true\n"
                                  "  },\n"
                                  "  \"e\": [],\n"
                                  "  \"f\": \"plain text\",\n"
                                  "  \"g\": \"007\"\n"
                                  "}\n");
    civis_clirun_clear(&r);
    civis_clitest_run(&r, &T, NULL, false, "users", "list-me", "--yaml", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    CU_ASSERT_STRING_EQUAL(r.out, "a:\n"
                                  "  c: true\n"
                                  "  d:\n"
                                  "  - 1\n"
                                  "  - \"x: y\"\n"
                                  "  - z: null\n"
                                  "b: 1\n"
                                  "e: []\n"
                                  "f: plain text\n"
                                  "g: \"007\"\n");
    civis_clirun_clear(&r);
    CU_ASSERT_EQUAL(civis_clitest_admin(&T, "DELETE", "/__mock/stubs", NULL, NULL), 204);
}

static CU_TestInfo tests[] = {
    {"path parameters fill the path; a 404 exits 1",
     test_cli_calls__path_parameters_fill_the_path_and_404_exits_1},
    {"query scalars and arrays", test_cli_calls__query_scalars_and_arrays},
    {"body scalars go camelCase; the answer prints",
     test_cli_calls__body_scalars_go_camel_case_and_print_the_answer},
    {"objects from JSON text and @FILE, arrays",
     test_cli_calls__objects_from_json_text_and_file_and_arrays},
    {"misspelled option: did-you-mean, nothing sent",
     test_cli_calls__misspelled_option_suggests_and_sends_nothing},
    {"usage errors exit 2 naming the problem",
     test_cli_calls__usage_errors_exit_2_naming_the_problem},
    {"missing key exits 1", test_cli_calls__missing_key_exits_1_with_a_clear_message},
    {"library names and deprecated operations",
     test_cli_calls__library_names_and_deprecated_operations},
    {"JSON and YAML output", test_cli_calls__json_and_yaml_output},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(cli_calls, tests, suite_init, suite_cleanup)
