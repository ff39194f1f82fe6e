/*
 * specsuite.c: the spec-engine suites' set-up (specsuite.h).
 */
#include <stdio.h>

#include "specsuite.h"
#include "test.h"

int civis_test_specs_load(civis_spec **bundled, civis_spec **full, const char *who)
{
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_load_bundled(bundled, &err) != CIVIS_OK) {
        fprintf(stderr, "%s: bundled spec: %s\n", who, err.message);
        return 1;
    }
    const char *path = civis_test_full_spec(who);
    if (path != NULL && civis_spec_load_file(full, path, &err) != CIVIS_OK) {
        fprintf(stderr, "%s: %s: %s\n", who, path, err.message);
        return 1;
    }
    return 0;
}

int civis_test_specs_free(civis_spec **bundled, civis_spec **full)
{
    civis_spec_free(*bundled);
    civis_spec_free(*full);
    *bundled = *full = NULL;
    return 0;
}
