/*
 * fuzz_args.c: argument placement (spec/src/args.c), the client's
 * snake_case arguments onto path, query and body. Input: a method name
 * ("scripts.post_sql") on the first line, then a JSON object of arguments.
 * Placed arguments must give a path starting with '/' and a query that is
 * all percent-encoded (no space, '#' or raw non-ASCII byte).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void check_placed(const civis_placed *p)
{
    if (p->path == NULL || p->path[0] != '/' || p->query == NULL)
        abort();
    for (const unsigned char *q = (const unsigned char *)p->query; *q; q++)
        if (*q <= ' ' || *q >= 0x7f || *q == '#')
            abort();
}

int fuzz_args_one(const uint8_t *data, size_t size)
{
    char *in = fuzz_strndup(data, size);
    if (in == NULL)
        return 0;
    char *nl = strchr(in, '\n');
    const char *json = nl ? nl + 1 : "";
    if (nl != NULL)
        *nl = '\0';
    const civis_spec *spec = fuzz_spec();
    const civis_operation *op = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    cJSON *args = cJSON_Parse(json);
    if (civis_spec_find_dotted(&op, spec, in, &err) == CIVIS_OK) {
        civis_args_validate(spec, op, args, &err);
        for (int style = 0; style < 2; style++) {
            civis_placed placed = {0};
            civis_error_clear(&err);
            if (civis_args_place(&placed, spec, op, args, (civis_key_style)style, &err) == CIVIS_OK)
                check_placed(&placed);
            civis_placed_clear(&placed);
        }
    }
    cJSON_Delete(args);
    free(in);
    return 0;
}
