/*
 * main.c: the one test binary. Runs every suite, or the ones named on the
 * command line (run_tests spec_index mock_http).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <curl/curl.h>

#include "test.h"

#define CIVIS_SUITE_REF(name) extern const CU_SuiteInfo civis_suite_##name;
#include "suites.inc"
#undef CIVIS_SUITE_REF

#define CIVIS_SUITE_REF(name) &civis_suite_##name,
static const CU_SuiteInfo *const all_suites[] = {
#include "suites.inc"
    NULL};
#undef CIVIS_SUITE_REF

/* ---- skipped tests ------------------------------------------------------

   A test skips with civis_test_skip(); one that runs no assertion at all is
   shown as skipped too (it could not have failed). Either way it is counted
   apart, never as passed. */

static unsigned n_skipped;
static unsigned asserts_at_start;
static char skip_reason[256];
static char suite_skip[256]; /* a skip declared by a suite's setup */

void civis_test_skip(const char *fmt, ...)
{
    char *dst = CU_get_current_test() != NULL ? skip_reason : suite_skip;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, sizeof(skip_reason), fmt, ap);
    va_end(ap);
    if (dst == suite_skip)
        printf("\n  SKIP (suite setup): %s\n", suite_skip);
}

/* The Makefile passes both paths, inside the repository; a run without
 * them (a binary started by hand) looks beside the working directory. */
const char *civis_test_full_spec(const char *who)
{
    const char *p = getenv("CIVIS_TEST_FULL_SPEC");
    if (p == NULL || *p == '\0')
        p = "spec/civis-api.json";
    if (access(p, R_OK) != 0) {
        /* Never a skip: the bundled spec is part of the repository. */
        fprintf(stderr, "\n  %s: the bundled spec is missing at %s\n", who, p);
        CU_FAIL("the bundled spec file is missing");
        return NULL;
    }
    return p;
}

static void on_suite_start(const CU_pSuite suite)
{
    suite_skip[0] = '\0';
    printf("\nSuite: %s\n", suite->pName);
}

static void on_test_start(const CU_pTest test, const CU_pSuite suite)
{
    (void)suite; /* required by the CUnit handler signature */
    skip_reason[0] = '\0';
    asserts_at_start = CU_get_number_of_asserts();
    printf("  Test: %s ...", test->pName);
    fflush(stdout);
}

static void on_test_complete(const CU_pTest test, const CU_pSuite suite,
                             const CU_pFailureRecord failures)
{
    (void)test;
    (void)suite; /* required by the CUnit handler signature */
    if (failures != NULL) {
        printf("FAILED\n");
        for (CU_pFailureRecord f = failures; f != NULL; f = f->pNext)
            printf("    %s:%u - %s\n", f->strFileName ? f->strFileName : "?", f->uiLineNumber,
                   f->strCondition ? f->strCondition : "");
        return;
    }
    bool none = CU_get_number_of_asserts() == asserts_at_start;
    if (skip_reason[0] != '\0' || none) {
        n_skipped++;
        const char *why = skip_reason[0] != '\0'  ? skip_reason
                          : suite_skip[0] != '\0' ? suite_skip
                                                  : "no assertion ran";
        printf("SKIPPED (%s)\n", why);
        return;
    }
    printf("passed\n");
}

static void on_suite_init_failure(const CU_pSuite suite)
{
    printf("\nSuite %s: setup FAILED, its tests did not run\n", suite->pName);
}

static void on_suite_cleanup_failure(const CU_pSuite suite)
{
    printf("\nSuite %s: cleanup FAILED\n", suite->pName);
}

const char *civis_test_data(char *buf, size_t len, const char *rel)
{
    const char *dir = getenv("CIVIS_TEST_DATA");
    snprintf(buf, len, "%s/%s", dir != NULL && *dir != '\0' ? dir : "tests", rel);
    return buf;
}

static int wanted(int argc, char **argv, const char *name)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    curl_global_init(CURL_GLOBAL_ALL);
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    CU_SuiteInfo chosen[sizeof(all_suites) / sizeof(all_suites[0])];
    size_t n = 0;
    for (size_t i = 0; all_suites[i] != NULL; i++)
        if (wanted(argc, argv, all_suites[i]->pName))
            chosen[n++] = *all_suites[i];
    chosen[n] = (CU_SuiteInfo)CU_SUITE_INFO_NULL;
    if (n == 0) {
        fprintf(stderr, "run_tests: no suite matches\n");
        CU_cleanup_registry();
        return 2;
    }
    if (CU_register_suites(chosen) != CUE_SUCCESS) {
        fprintf(stderr, "run_tests: %s\n", CU_get_error_msg());
        CU_cleanup_registry();
        return 2;
    }
    CU_set_suite_start_handler(on_suite_start);
    CU_set_test_start_handler(on_test_start);
    CU_set_test_complete_handler(on_test_complete);
    CU_set_suite_init_failure_handler(on_suite_init_failure);
    CU_set_suite_cleanup_failure_handler(on_suite_cleanup_failure);
    CU_run_all_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned suites_failed = CU_get_number_of_suites_failed();
    unsigned run = CU_get_number_of_tests_run();
    unsigned tests_failed = CU_get_number_of_tests_failed();
    printf("\nRun summary: %u suites (%u failed); %u tests: %u passed, %u skipped, %u failed; "
           "%u assertions (%u failed); %.2f s of CPU\n",
           CU_get_number_of_suites_run(), suites_failed, run, run - tests_failed - n_skipped,
           n_skipped, tests_failed, CU_get_number_of_asserts(), CU_get_number_of_failures(),
           CU_get_elapsed_time());
    CU_cleanup_registry();
    curl_global_cleanup();
    return (failed != 0 || suites_failed != 0) ? 1 : 0;
}
