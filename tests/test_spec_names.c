/*
 * test_spec_names.c: the name rules (spec/src/names.c): the official
 * client's camel_to_snake, the capped edit distance and did-you-mean.
 */
#include <stdlib.h>
#include <string.h>

#include "civis/spec.h"
#include "test.h"

/* Expected values come from running the official client's two regex passes
 * on each input; the tricky ones show where its rules differ from a naive
 * "underscore before every capital". */
static const struct {
    const char *in;
    const char *out;
} snake_cases[] = {
    {"provideAPIKey", "provide_api_key"},
    {"limitingSQL", "limiting_sql"},
    {"organizationSSODisableCapable", "organization_sso_disable_capable"},
    {"remoteHostId", "remote_host_id"},
    {"dockerCommand", "docker_command"},
    {"csvSettings", "csv_settings"},
    {"id", "id"},
    {"", ""},
    {"a", "a"},
    {"A", "a"},
    {"ABC", "abc"},
    {"ABc", "a_bc"},
    {"HTTPResponse", "http_response"},
    {"getHTTPResponseCode", "get_http_response_code"},
    {"HTTP2Server", "http2_server"},
    {"sqlID", "sql_id"},
    {"dbtProjectYAML", "dbt_project_yaml"},
    {"x1Y", "x1_y"},
    {"Version2Beta", "version2_beta"},
    {"lastRun2Id", "last_run2_id"},
    {"aBCDef", "a_bc_def"},
    {"XAbBCd", "x_ab_b_cd"},
    {"ABCdEFgh", "ab_cd_e_fgh"},
    {"iAmA", "i_am_a"},
    {"already_snake", "already_snake"},
    {"_Private", "__private"},
    {"snake_Case_Mix", "snake__case__mix"},
    {"x-Foo", "x-_foo"},
};

static void test_camel_to_snake__matches_official_rules(void)
{
    for (size_t i = 0; i < sizeof(snake_cases) / sizeof(snake_cases[0]); i++) {
        char out[64];
        size_t n = civis_camel_to_snake(out, sizeof(out), snake_cases[i].in);
        if (strcmp(out, snake_cases[i].out) != 0)
            fprintf(stderr, "\n  camel_to_snake(%s) = %s, want %s\n", snake_cases[i].in, out,
                    snake_cases[i].out);
        CU_ASSERT_STRING_EQUAL(out, snake_cases[i].out);
        CU_ASSERT_EQUAL(n, strlen(snake_cases[i].out));
    }
}

static void test_camel_to_snake__reports_length_when_buffer_is_short(void)
{
    char out[8];
    memset(out, 'x', sizeof(out));
    size_t n = civis_camel_to_snake(out, sizeof(out), "organizationSSODisableCapable");
    CU_ASSERT_EQUAL(n, strlen("organization_sso_disable_capable"));
    CU_ASSERT_STRING_EQUAL(out, "organiz"); /* truncated, still terminated */
    /* A zero-length buffer is never written. */
    char untouched = 'q';
    CU_ASSERT_EQUAL(civis_camel_to_snake(&untouched, 0, "remoteHostId"), 14);
    CU_ASSERT_EQUAL(untouched, 'q');
    /* The exact size (length + 1) fits. */
    char exact[15];
    CU_ASSERT_EQUAL(civis_camel_to_snake(exact, sizeof(exact), "remoteHostId"), 14);
    CU_ASSERT_STRING_EQUAL(exact, "remote_host_id");
    char nul[4];
    CU_ASSERT_EQUAL(civis_camel_to_snake(nul, sizeof(nul), NULL), 0);
    CU_ASSERT_STRING_EQUAL(nul, "");
}

static void test_edit_distance__levenshtein(void)
{
    CU_ASSERT_EQUAL(civis_edit_distance("kitten", "sitting", 10), 3);
    CU_ASSERT_EQUAL(civis_edit_distance("sitting", "kitten", 10), 3);
    CU_ASSERT_EQUAL(civis_edit_distance("", "", 3), 0);
    CU_ASSERT_EQUAL(civis_edit_distance("", "abc", 5), 3);
    CU_ASSERT_EQUAL(civis_edit_distance("abc", "abc", 0), 0);
    CU_ASSERT_EQUAL(civis_edit_distance("get_sql_run", "get_sql_runs", 3), 1);
    /* A swap of neighbours is one edit (it would be two in plain Levenshtein). */
    CU_ASSERT_EQUAL(civis_edit_distance("scirpts", "scripts", 5), 1);
    CU_ASSERT_EQUAL(civis_edit_distance("memroy", "memory", 5), 1);
    CU_ASSERT_EQUAL(civis_edit_distance("ab", "ba", 5), 1);
    CU_ASSERT_EQUAL(civis_edit_distance("exports", "imports", 5), 2);
    CU_ASSERT_EQUAL(civis_edit_distance("docker_comand", "docker_command", 5), 1);
    CU_ASSERT_EQUAL(civis_edit_distance(NULL, "ab", 5), 2);
}

/* Suggestions only when close: a quarter of the name's length in edits. */
static void test_suggest__only_close_candidates(void)
{
    const char *const resources[] = {"imports", "scripts", "users"};
    CU_ASSERT_PTR_NULL(civis_suggest("exports", resources, 3)); /* a real name of its own */
    CU_ASSERT_STRING_EQUAL(civis_suggest("scirpts", resources, 3), "scripts");
    CU_ASSERT_STRING_EQUAL(civis_suggest("user", resources, 3), "users");
    CU_ASSERT_PTR_NULL(civis_suggest("uzerz", resources, 3)); /* two edits in five */
    const char *const args[] = {"docker_command", "docker_image_name", "run_id"};
    CU_ASSERT_STRING_EQUAL(civis_suggest("docker_comand", args, 3), "docker_command");
    CU_ASSERT_STRING_EQUAL(civis_suggest("run_idd", args, 3), "run_id");
    CU_ASSERT_PTR_NULL(civis_suggest("rn_idd", args, 3));
}

static void test_edit_distance__caps_at_cap_plus_one(void)
{
    CU_ASSERT_EQUAL(civis_edit_distance("kitten", "sitting", 2), 3);
    CU_ASSERT_EQUAL(civis_edit_distance("kitten", "sitting", 1), 2);
    CU_ASSERT_EQUAL(civis_edit_distance("a", "abcdefgh", 2), 3);    /* length gap alone */
    CU_ASSERT_EQUAL(civis_edit_distance("abcdef", "uvwxyz", 0), 1); /* stops early */
    CU_ASSERT_EQUAL(civis_edit_distance("abc", "abd", 1), 1);       /* exactly at the cap */
}

static void test_edit_distance__long_strings(void)
{
    /* Longer than the on-stack row: the heap path gives the same answer. */
    char a[301], b[301];
    memset(a, 'a', 300);
    memset(b, 'a', 300);
    a[300] = b[300] = '\0';
    b[0] = 'b';
    b[150] = 'c';
    b[299] = 'd';
    CU_ASSERT_EQUAL(civis_edit_distance(a, b, 10), 3);
    CU_ASSERT_EQUAL(civis_edit_distance(a, b, 2), 3);
    b[299] = '\0';
    CU_ASSERT_EQUAL(civis_edit_distance(a, b, 10), 3);
}

static void test_suggest__nearest_within_bound(void)
{
    const char *const methods[] = {"get_sql_runs", "list_sql_runs", "post_sql_runs", "get_sql"};
    CU_ASSERT_STRING_EQUAL(civis_suggest("get_sql_run", methods, 4), "get_sql_runs");
    CU_ASSERT_STRING_EQUAL(civis_suggest("lsit_sql_runs", methods, 4), "list_sql_runs");
    CU_ASSERT_STRING_EQUAL(civis_suggest("get_sql", methods, 4), "get_sql"); /* exact */
    CU_ASSERT_PTR_NULL(civis_suggest("delete_everything", methods, 4));
    CU_ASSERT_PTR_NULL(civis_suggest("x", methods, 0));
    CU_ASSERT_PTR_NULL(civis_suggest(NULL, methods, 4));

    const char *const resources[] = {"scripts", "reports", "files", "jobs"};
    CU_ASSERT_STRING_EQUAL(civis_suggest("scirpts", resources, 4), "scripts");
    CU_ASSERT_STRING_EQUAL(civis_suggest("job", resources, 4), "jobs");
    /* Short names get a bound of 1, not "anything goes". */
    CU_ASSERT_PTR_NULL(civis_suggest("xyz", resources, 4));
}

static void test_suggest__bound_grows_with_length(void)
{
    const char *const c[] = {"organization_sso_disable_capable"};
    /* 30 characters: the largest bound, 3 edits; 3 edits still suggest. */
    CU_ASSERT_STRING_EQUAL(civis_suggest("organisation_sso_disabl_capabl", c, 1), c[0]);
    const char *const d[] = {"abcdef"};
    CU_ASSERT_PTR_NULL(civis_suggest("abxyzf", d, 1)); /* 3 edits on 6 chars: bound 1 */
}

static void test_suggest__ties_go_to_the_first_in_sort_order(void)
{
    const char *const a[] = {"list_b", "list_a"};
    const char *const b[] = {"list_a", "list_b"};
    CU_ASSERT_STRING_EQUAL(civis_suggest("list_c", a, 2), "list_a");
    CU_ASSERT_STRING_EQUAL(civis_suggest("list_c", b, 2), "list_a");
    const char *const with_null[] = {NULL, "files"};
    CU_ASSERT_STRING_EQUAL(civis_suggest("file", with_null, 2), "files");
}

/* The one key rule, whatever the length (the copies it replaced stopped
 * at 127, 128, 160 or 256 bytes and then said "different"). */
static void test_key_equal__camel_and_snake_at_any_length(void)
{
    CU_ASSERT_TRUE(civis_key_equal("remoteHostId", "remote_host_id"));
    CU_ASSERT_TRUE(civis_key_equal("provideAPIKey", "provide_api_key"));
    CU_ASSERT_TRUE(civis_key_equal("provideApiKey", "provideAPIKey"));
    CU_ASSERT_FALSE(civis_key_equal("remoteHostId", "remote_host"));
    CU_ASSERT_FALSE(civis_key_equal("remote_hostid", "remoteHostIds"));
    CU_ASSERT_FALSE(civis_key_equal(NULL, "a"));
    char camel[700] = "", snake[800] = "";
    for (int i = 0; i < 60; i++) {
        strcat(camel, i ? "PartTen" : "partTen"); /* 7 bytes a word */
        strcat(snake, i ? "_part_ten" : "part_ten");
    }
    CU_ASSERT_TRUE(strlen(camel) > 400);
    CU_ASSERT_TRUE(civis_key_equal(camel, snake));
    snake[strlen(snake) - 1] = 'x';
    CU_ASSERT_FALSE(civis_key_equal(camel, snake));
    cJSON *obj = cJSON_Parse("{\"fileId\": 1, \"file_id\": 2}");
    CU_ASSERT_EQUAL(civis_json_key(obj, "file_id")->valueint, 2); /* exact first */
    CU_ASSERT_EQUAL(civis_json_key(obj, "fileID")->valueint, 1);
    cJSON_Delete(obj);
}

static void test_contains__partial_objects_whole_arrays(void)
{
    cJSON *whole = cJSON_Parse(
        "{\"id\": 7, \"runId\": 8, \"tags\": [1, 2], \"o\": {\"a\": \"x\", \"b\": null}}");
    cJSON *part = cJSON_Parse("{\"run_id\": 8, \"o\": {\"b\": null}}");
    char why[128];
    CU_ASSERT_TRUE(civis_json_contains(whole, part, why, sizeof(why)));
    CU_ASSERT_STRING_EQUAL(why, "");
    cJSON_Delete(part);
    part = cJSON_Parse("{\"tags\": [1]}");
    CU_ASSERT_FALSE(civis_json_contains(whole, part, why, sizeof(why)));
    CU_ASSERT_STRING_EQUAL(why, "tags: expected 1 elements, got 2");
    cJSON_Delete(part);
    part = cJSON_Parse("{\"id\": \"7\"}");
    CU_ASSERT_FALSE(civis_json_contains(whole, part, why, sizeof(why)));
    CU_ASSERT_STRING_EQUAL(why, "id: expected \"7\", got 7");
    cJSON_Delete(part);
    CU_ASSERT_TRUE(civis_json_contains(whole, NULL, NULL, 0));
    cJSON_Delete(whole);
}

static void test_operation_name__one_form_everywhere(void)
{
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL_FATAL(civis_spec_load_bundled(&spec, &err), CIVIS_OK);
    const civis_operation *op = NULL;
    CU_ASSERT_EQUAL_FATAL(civis_spec_find(&op, spec, "scripts", "post_containers", &err), CIVIS_OK);
    char buf[64];
    CU_ASSERT_STRING_EQUAL(civis_operation_name(op, buf, sizeof(buf)), "scripts.post_containers");
    CU_ASSERT_STRING_EQUAL(civis_operation_name(NULL, buf, sizeof(buf)), "(none)");
    CU_ASSERT_STRING_EQUAL(civis_operation_suggest(op, "docker_comand", -1), "docker_command");
    CU_ASSERT_STRING_EQUAL(civis_operation_suggest(op, "dockerComand", -1), "docker_command");
    CU_ASSERT_PTR_NULL(civis_operation_suggest(op, "zzzzzzzz", -1));
    civis_spec_free(spec);
}

static CU_TestInfo tests[] = {
    {"key_equal: camel and snake at any length", test_key_equal__camel_and_snake_at_any_length},
    {"contains: partial objects, whole arrays", test_contains__partial_objects_whole_arrays},
    {"operation_name: one form everywhere", test_operation_name__one_form_everywhere},
    {"camel_to_snake__matches_official_rules", test_camel_to_snake__matches_official_rules},
    {"camel_to_snake__reports_length_when_buffer_is_short",
     test_camel_to_snake__reports_length_when_buffer_is_short},
    {"edit_distance__levenshtein", test_edit_distance__levenshtein},
    {"edit_distance__caps_at_cap_plus_one", test_edit_distance__caps_at_cap_plus_one},
    {"edit_distance__long_strings", test_edit_distance__long_strings},
    {"suggest__nearest_within_bound", test_suggest__nearest_within_bound},
    {"suggest__only_close_candidates", test_suggest__only_close_candidates},
    {"suggest__bound_grows_with_length", test_suggest__bound_grows_with_length},
    {"suggest__ties_go_to_the_first_in_sort_order",
     test_suggest__ties_go_to_the_first_in_sort_order},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(spec_names, tests, NULL, NULL)
