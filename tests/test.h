/*
 * test.h: what every test file of the suite shares.
 *
 * A test file ends with one or more
 *     CIVIS_SUITE(name, tests, init, cleanup)
 * lines at the start of a line; the Makefile gathers them, and tests/main.c
 * registers each suite, so adding a suite never edits main.c.
 */
#ifndef CIVIS_TEST_H
#define CIVIS_TEST_H

#include <stddef.h>
#include <stdio.h>

#include <CUnit/CUnit.h>

#include "civis/error.h"

#define CIVIS_SUITE(name, tests, init, cleanup)                                                    \
    const CU_SuiteInfo civis_suite_##name = {#name, init, cleanup, NULL, NULL, tests};

/* Asserts a civis call returned CIVIS_OK, printing its message otherwise. */
#define ASSERT_CIVIS_OK(expr, err)                                                                 \
    do {                                                                                           \
        civis_status st_ = (expr);                                                                 \
        if (st_ != CIVIS_OK)                                                                       \
            fprintf(stderr, "\n  %s:%d: %s -> %s: %s\n", __FILE__, __LINE__, #expr,                \
                    civis_strerror(st_), (err).message);                                           \
        CU_ASSERT_EQUAL_FATAL(st_, CIVIS_OK);                                                      \
    } while (0)

/* The full public spec as bundled (spec/civis-api.json). A missing file is
 * a failed assertion (it is part of the repository), never a skip. */
const char *civis_test_full_spec(const char *who);

/* The path of a file under tests/ (e.g. "specs/subset.json", the small
 * hand-written spec some tests pin), written into buf. */
const char *civis_test_data(char *buf, size_t len, const char *rel);

/* Marks the running test as skipped, with the reason (printf format): it is
 * counted and shown as skipped, never as passed. Called from a suite's
 * setup, it gives the reason to the tests of that suite that then assert
 * nothing. A test that runs no assertion is shown as skipped anyway. */
void civis_test_skip(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
