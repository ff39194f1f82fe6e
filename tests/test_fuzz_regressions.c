/*
 * test_fuzz_regressions.c: replays the fuzz harnesses' inputs in the
 * normal suite. Every file under tests/fuzz/seeds/<harness>/ and
 * tests/fuzz/regressions/<harness>/ (inputs that once crashed a harness)
 * goes through that harness's entry function, built here with the
 * project's compiler, so make test, make valgrind and make asan check
 * them for crashes, leaks and undefined behaviour without libFuzzer.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "test.h"

typedef int (*fuzz_entry)(const uint8_t *data, size_t size);

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Runs every file of tests/fuzz/<kind>/<harness>/ through `entry`; returns
 * how many ran. A missing folder is none. */
static size_t replay_dir(const char *kind, const char *harness, fuzz_entry entry)
{
    char rel[128], dir[1024];
    snprintf(rel, sizeof(rel), "fuzz/%s/%s", kind, harness);
    civis_test_data(dir, sizeof(dir), rel);
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    char *names[512];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && n < 512)
        if (e->d_name[0] != '.')
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof(names[0]), cmp_names);
    size_t ran = 0;
    for (size_t i = 0; i < n; i++) {
        char path[1400];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        FILE *fp = fopen(path, "rb");
        CU_ASSERT_PTR_NOT_NULL(fp);
        if (fp != NULL) {
            unsigned char *buf = malloc(1 << 20);
            CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
            size_t len = fread(buf, 1, 1 << 20, fp);
            fclose(fp);
            /* an exact-size copy, so ASan sees a read past the input */
            unsigned char *in = malloc(len ? len : 1);
            CU_ASSERT_PTR_NOT_NULL_FATAL(in);
            memcpy(in, buf, len);
            free(buf);
            CU_ASSERT_EQUAL(entry(in, len), 0);
            free(in);
            ran++;
        }
        free(names[i]);
    }
    return ran;
}

static void replay(const char *harness, fuzz_entry entry)
{
    size_t seeds = replay_dir("seeds", harness, entry);
    size_t regressions = replay_dir("regressions", harness, entry);
    printf(" (%zu seeds, %zu regressions) ", seeds, regressions);
    CU_ASSERT(seeds > 0); /* every harness ships seeds */
}

static void test_fuzz__fake_inputs_replay(void)
{
    replay("fake", fuzz_fake_one);
}

static void test_fuzz__fixture_inputs_replay(void)
{
    replay("fixture", fuzz_fixture_one);
}

static void test_fuzz__spec_inputs_replay(void)
{
    replay("spec", fuzz_spec_one);
}

static void test_fuzz__args_inputs_replay(void)
{
    replay("args", fuzz_args_one);
}

static void test_fuzz__response_inputs_replay(void)
{
    replay("response", fuzz_response_one);
}

static int suite_cleanup(void)
{
    fuzz_release();
    return 0;
}

static CU_TestInfo tests[] = {
    {"fake core: seeds and regressions", test_fuzz__fake_inputs_replay},
    {"fixtures: seeds and regressions", test_fuzz__fixture_inputs_replay},
    {"spec loading: seeds and regressions", test_fuzz__spec_inputs_replay},
    {"argument placement: seeds and regressions", test_fuzz__args_inputs_replay},
    {"responses: seeds and regressions", test_fuzz__response_inputs_replay},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(fuzz_regressions, tests, NULL, suite_cleanup)
