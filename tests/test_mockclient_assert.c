/*
 * test_mockclient_assert.c: the CUnit assertions of civis/mock_assert.h.
 *
 * CUnit has one global registry, so an assertion cannot be made to fail on
 * purpose inside a test without failing that test. The failing cases call
 * the check functions the macros are built on and read their messages;
 * the macros themselves are exercised in the passing case.
 */
#include <string.h>

#include "test.h"
#include "civis.h"
#include "civis/mock_assert.h"

static civis_mock *mock;

/* The small hand-written spec (tests/specs/subset.json): these tests check
 * synthesized answers, which the full spec's x-examples would shadow. */
static char subset[1024];

static int suite_init(void)
{
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock_options o = {.spec_path =
                                civis_test_data(subset, sizeof(subset), "specs/subset.json")};
    if (civis_mock_new(&mock, &o, &err) != CIVIS_OK)
        return 1;
    civis_client *c = civis_mock_client(mock);
    civis_response *resp = NULL;
    /* The journal every test reads: one post_sql, two get_sql_runs, one
     * rejected call. */
    civis_status st = civis_callv(&resp, c, "scripts", "post_sql", &err, "name", CIVIS_STR("q"),
                                  "sql", CIVIS_STR("select 1"), "remote_host_id", CIVIS_INT(3),
                                  "credential_id", CIVIS_INT(4), CIVIS_END);
    civis_response_free(resp);
    for (int run = 1; st == CIVIS_OK && run <= 2; run++) {
        st = civis_callv(&resp, c, "scripts", "get_sql_runs", &err, "id", CIVIS_INT(8), "run_id",
                         CIVIS_INT(run), CIVIS_END);
        civis_response_free(resp);
    }
    civis_error e = CIVIS_ERROR_INIT;
    civis_callv(&resp, c, "scripts", "get_sql_runs", &e, "id", CIVIS_INT(8), CIVIS_END);
    return st == CIVIS_OK ? 0 : 1;
}

static int suite_cleanup(void)
{
    civis_mock_free(mock);
    return 0;
}

static void test_assert__macros_pass(void)
{
    CIVIS_ASSERT_CALLED(mock, "scripts.post_sql");
    CIVIS_ASSERT_CALLED_WITH(mock, "scripts.get_sql_runs", "{\"id\": 8, \"run_id\": 2}");
    CIVIS_ASSERT_CALL_COUNT(mock, "scripts.get_sql_runs", 2); /* the rejected one is not a call */
    CIVIS_ASSERT_CALL_COUNT(mock, "scripts.post_cancel", 0);
    CIVIS_ASSERT_NOT_CALLED(mock, "scripts.post_cancel");
    CIVIS_ASSERT_CALLED_FATAL(mock, "scripts.get_sql_runs");
    CIVIS_ASSERT_CALLED_WITH_FATAL(mock, "scripts.post_sql", "{\"name\": \"q\"}");
}

static void test_assert__passing_checks_say_what_held(void)
{
    char msg[CIVIS_MOCK_MESSAGE_MAX];
    CU_ASSERT_TRUE(civis_mock_check_called(mock, "scripts.get_sql_runs", msg, sizeof(msg)));
    CU_ASSERT_STRING_EQUAL(msg, "scripts.get_sql_runs was called 2 times");
    CU_ASSERT_TRUE(civis_mock_check_called_with(mock, "scripts.get_sql_runs", "{\"run_id\":2}", msg,
                                                sizeof(msg)));
    CU_ASSERT_STRING_EQUAL(msg, "scripts.get_sql_runs was called with {\"run_id\":2} (call #2)");
    CU_ASSERT_TRUE(civis_mock_check_not_called(mock, "jobs.get", msg, sizeof(msg)));
    CU_ASSERT_STRING_EQUAL(msg, "jobs.get was not called");
}

/* The whole journal as the failure messages end with it. */
static const char journal_text[] =
    "journal (4 calls):\n"
    "  #0 scripts.post_sql {\"name\":\"q\",\"sql\":\"select 1\",\"remote_host_id\":3,"
    "\"credential_id\":4} -> 201 (synthesized)\n"
    "  #1 scripts.get_sql_runs {\"id\":8,\"run_id\":1} -> 200 (synthesized)\n"
    "  #2 scripts.get_sql_runs {\"id\":8,\"run_id\":2} -> 200 (synthesized)\n"
    "  #3 scripts.get_sql_runs {\"id\":8} REJECTED: missing required argument 'run_id' for "
    "scripts.get_sql_runs";

static void expect_message(const char *msg, const char *head)
{
    char want[CIVIS_MOCK_MESSAGE_MAX];
    snprintf(want, sizeof(want), "%s%s", head, journal_text);
    CU_ASSERT_STRING_EQUAL(msg, want);
    if (strcmp(msg, want) != 0)
        fprintf(stderr, "\n  got:\n%s\n  want:\n%s\n", msg, want);
}

static void test_assert__called_with_failure_lists_each_difference(void)
{
    char msg[CIVIS_MOCK_MESSAGE_MAX];
    CU_ASSERT_FALSE(civis_mock_check_called_with(mock, "scripts.get_sql_runs", "{\"id\": 7}", msg,
                                                 sizeof(msg)));
    expect_message(msg, "expected scripts.get_sql_runs to be called with {\"id\":7}, but no call "
                        "matches; its calls:\n"
                        "  #1 scripts.get_sql_runs {\"id\":8,\"run_id\":1} -> 200 (synthesized) "
                        "(id: expected 7, got 8)\n"
                        "  #2 scripts.get_sql_runs {\"id\":8,\"run_id\":2} -> 200 (synthesized) "
                        "(id: expected 7, got 8)\n");
    CU_ASSERT_FALSE(
        civis_mock_check_called_with(mock, "scripts.post_cancel", "{\"id\": 8}", msg, sizeof(msg)));
    expect_message(msg, "expected scripts.post_cancel to be called with {\"id\":8}, but it was not "
                        "called; ");
}

static void test_assert__count_and_not_called_failures(void)
{
    char msg[CIVIS_MOCK_MESSAGE_MAX];
    CU_ASSERT_FALSE(civis_mock_check_call_count(mock, "scripts.get_sql_runs", 3, msg, sizeof(msg)));
    expect_message(msg, "expected scripts.get_sql_runs to be called 3 times, but it was called 2 "
                        "times; its calls:\n"
                        "  #1 scripts.get_sql_runs {\"id\":8,\"run_id\":1} -> 200 (synthesized)\n"
                        "  #2 scripts.get_sql_runs {\"id\":8,\"run_id\":2} -> 200 (synthesized)\n");
    CU_ASSERT_FALSE(civis_mock_check_not_called(mock, "scripts.post_sql", msg, sizeof(msg)));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(msg, "expected scripts.post_sql not to be called, but it was called 1 time; its "
                    "call:\n  #0 scripts.post_sql"));
    CU_ASSERT_FALSE(civis_mock_check_called(mock, "jobs.get", msg, sizeof(msg)));
    expect_message(msg, "expected jobs.get to be called, but it was not; ");
}

static void test_assert__unknown_names_fail_loudly(void)
{
    /* "not called" is true of a typo, so a typo must not pass */
    char msg[CIVIS_MOCK_MESSAGE_MAX];
    CU_ASSERT_FALSE(civis_mock_check_not_called(mock, "scripts.post_cancle", msg, sizeof(msg)));
    CU_ASSERT_STRING_EQUAL(msg, "cannot check scripts.post_cancle: no method 'post_cancle' on "
                                "resource 'scripts' (did you mean 'post_cancel'?)");
    CU_ASSERT_FALSE(civis_mock_check_call_count(mock, "scripts", 0, msg, sizeof(msg)));
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "cannot check scripts: "));
    CU_ASSERT_FALSE(
        civis_mock_check_called_with(mock, "scripts.get_sql_runs", "{\"id\":", msg, sizeof(msg)));
    CU_ASSERT_STRING_EQUAL(msg, "cannot check scripts.get_sql_runs: the pattern is not a JSON "
                                "object: {\"id\":");
    CU_ASSERT_FALSE(civis_mock_check_called(NULL, "jobs.get", msg, sizeof(msg)));
    CU_ASSERT_STRING_EQUAL(msg, "cannot check jobs.get: no mock given");
    /* NULL or empty message buffers are allowed */
    CU_ASSERT_TRUE(civis_mock_check_called(mock, "scripts.post_sql", NULL, 0));
    CU_ASSERT_FALSE(civis_mock_check_called(mock, "jobs.get", msg, 0));
}

static void test_assert__long_journals_are_cut(void)
{
    char msg[120];
    CU_ASSERT_FALSE(civis_mock_check_called(mock, "jobs.get", msg, sizeof(msg)));
    CU_ASSERT_EQUAL(strlen(msg), sizeof(msg) - 1);
    CU_ASSERT_STRING_EQUAL(msg + sizeof(msg) - 4, "...");
    CU_ASSERT_EQUAL(strncmp(msg, "expected jobs.get to be called, but it was not; journal", 55), 0);
}

static CU_TestInfo assert_tests[] = {
    {"macros pass", test_assert__macros_pass},
    {"passing checks say what held", test_assert__passing_checks_say_what_held},
    {"called_with failure lists each difference",
     test_assert__called_with_failure_lists_each_difference},
    {"count and not-called failures", test_assert__count_and_not_called_failures},
    {"unknown names fail loudly", test_assert__unknown_names_fail_loudly},
    {"long journals are cut", test_assert__long_journals_are_cut},
    CU_TEST_INFO_NULL};

CIVIS_SUITE(mockclient_assert, assert_tests, suite_init, suite_cleanup)
