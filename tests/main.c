/*
 * main.c: the one test binary. Runs every suite, or the ones named on the
 * command line (run_tests spec_index mock_http).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
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
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned suites_failed = CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    curl_global_cleanup();
    return (failed != 0 || suites_failed != 0) ? 1 : 0;
}
