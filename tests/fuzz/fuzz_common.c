/*
 * fuzz_common.c: what the harnesses share. The bundled spec is loaded once
 * per process: loading it for each input would measure the loader, not
 * the code under test, and it never changes between inputs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static civis_spec *bundled;

const civis_spec *fuzz_spec(void)
{
    if (bundled == NULL) {
        civis_error err = CIVIS_ERROR_INIT;
        if (civis_spec_load_bundled(&bundled, &err) != CIVIS_OK) {
            fprintf(stderr, "fuzz: the bundled spec does not load: %s\n", err.message);
            abort();
        }
    }
    return bundled;
}

void fuzz_release(void)
{
    civis_spec_free(bundled);
    bundled = NULL;
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        return NULL;
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}
