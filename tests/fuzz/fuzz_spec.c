/*
 * fuzz_spec.c: spec loading (spec/src/load.c, refs.c, index.c, names.c)
 * from an untrusted document, as a spec download or $CIVIS_API_SPEC gives
 * it. A spec that loads is walked: every operation named and found again,
 * its example and synthesized answer built, and a few paths routed.
 */
#include <stdlib.h>
#include <string.h>

#include "civis/sys/answer.h"
#include "fuzz.h"

static void walk(const civis_spec *spec)
{
    char etag[64];
    civis_spec_etag(etag, sizeof(etag), spec);
    size_t n = civis_spec_operation_count(spec);
    for (size_t i = 0; i < n && i < 64; i++) {
        const civis_operation *op = civis_spec_operation_at(spec, i);
        char name[256];
        if (op == NULL || civis_operation_name(op, name, sizeof(name)) == NULL)
            continue;
        const civis_operation *again = NULL;
        civis_error err = CIVIS_ERROR_INIT;
        civis_spec_find_dotted(&again, spec, name, &err);
        cJSON *body = civis_answer_synthesize(spec, op, NULL, 1);
        cJSON_Delete(body);
    }
    static const char *const paths[] = {"/users/me", "/scripts/sql/7", "/", "/a/b/c/d/e/f/g/h/i"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        civis_route route;
        civis_error err = CIVIS_ERROR_INIT;
        civis_spec_route(&route, spec, "GET", paths[i], &err);
    }
}

int fuzz_spec_one(const uint8_t *data, size_t size)
{
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_load_buffer_from(&spec, (const char *)data, size, "the fuzz input", &err) ==
        CIVIS_OK) {
        walk(spec);
        civis_spec_free(spec);
    } else if (spec != NULL || err.message[0] == '\0') {
        abort(); /* a failure leaves *out NULL and says why */
    }
    return 0;
}
