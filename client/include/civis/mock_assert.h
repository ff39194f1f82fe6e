/*
 * civis/mock_assert.h: CUnit assertions on a civis_mock's journal.
 *
 *     CIVIS_ASSERT_CALLED(mock, "scripts.post_sql");
 *     CIVIS_ASSERT_CALLED_WITH(mock, "scripts.get_sql_runs", "{\"id\": 7}");
 *     CIVIS_ASSERT_CALL_COUNT(mock, "scripts.get_sql_runs", 3);
 *     CIVIS_ASSERT_NOT_CALLED(mock, "scripts.post_cancel");
 *
 * A failure is recorded through CU_assertImplementation like any CU_ASSERT
 * (not fatal: the test goes on), and its message says what was expected and
 * lists the calls that were made with their arguments, e.g.
 *
 *     expected scripts.get_sql_runs to be called with {"id":7}; its 1 call:
 *       #2 scripts.get_sql_runs {"id":8,"run_id":1} (id: expected 7, got 8)
 *     journal (3 calls): ...
 *
 * The checks themselves are civis_mock_check_* in civis/mock.h, usable
 * without CUnit. The _FATAL forms stop the test on failure.
 */
#ifndef CIVIS_MOCK_ASSERT_H
#define CIVIS_MOCK_ASSERT_H

#include <CUnit/CUnit.h>

#include "civis/mock.h"

/* Room for an assertion's message; longer journals are cut with "...". */
#define CIVIS_MOCK_MESSAGE_MAX 4096

/* Runs one civis_mock_check_* expression (which writes civis_mock_msg) and
 * records the outcome with CUnit. Not for direct use. */
#define CIVIS_MOCK_ASSERT_IMPL(check, fatal)                                                       \
    do {                                                                                           \
        char civis_mock_msg[CIVIS_MOCK_MESSAGE_MAX];                                               \
        civis_mock_msg[0] = '\0';                                                                  \
        CU_BOOL civis_mock_ok = (check) ? CU_TRUE : CU_FALSE;                                      \
        CU_assertImplementation(civis_mock_ok, __LINE__, civis_mock_msg, __FILE__, "", (fatal));   \
    } while (0)

/* `operation` was called at least once. */
#define CIVIS_ASSERT_CALLED(mock, operation)                                                       \
    CIVIS_MOCK_ASSERT_IMPL(                                                                        \
        civis_mock_check_called((mock), (operation), civis_mock_msg, sizeof(civis_mock_msg)),      \
        CU_FALSE)
/* `operation` was never called (rejected calls do not count). */
#define CIVIS_ASSERT_NOT_CALLED(mock, operation)                                                   \
    CIVIS_MOCK_ASSERT_IMPL(                                                                        \
        civis_mock_check_not_called((mock), (operation), civis_mock_msg, sizeof(civis_mock_msg)),  \
        CU_FALSE)
/* Some call of `operation` had arguments containing the JSON object `pattern`. */
#define CIVIS_ASSERT_CALLED_WITH(mock, operation, pattern)                                         \
    CIVIS_MOCK_ASSERT_IMPL(civis_mock_check_called_with((mock), (operation), (pattern),            \
                                                        civis_mock_msg, sizeof(civis_mock_msg)),   \
                           CU_FALSE)
/* `operation` was called exactly `count` times. */
#define CIVIS_ASSERT_CALL_COUNT(mock, operation, count)                                            \
    CIVIS_MOCK_ASSERT_IMPL(civis_mock_check_call_count((mock), (operation), (size_t)(count),       \
                                                       civis_mock_msg, sizeof(civis_mock_msg)),    \
                           CU_FALSE)

#define CIVIS_ASSERT_CALLED_FATAL(mock, operation)                                                 \
    CIVIS_MOCK_ASSERT_IMPL(                                                                        \
        civis_mock_check_called((mock), (operation), civis_mock_msg, sizeof(civis_mock_msg)),      \
        CU_TRUE)
#define CIVIS_ASSERT_CALLED_WITH_FATAL(mock, operation, pattern)                                   \
    CIVIS_MOCK_ASSERT_IMPL(civis_mock_check_called_with((mock), (operation), (pattern),            \
                                                        civis_mock_msg, sizeof(civis_mock_msg)),   \
                           CU_TRUE)

#endif /* CIVIS_MOCK_ASSERT_H */
