/*
 * fake_near.c: the nearest operation to a request that routed nowhere, so
 * a fake API's journal can say what the caller probably meant.
 */
#include <stdio.h>
#include <string.h>

#include "fake_internal.h"

#define MAX_SEGS 32

/* Splits a path into segments (empty ones dropped); returns the count. */
static size_t split(const char *path, const char **segs, size_t *lens)
{
    size_t n = 0;
    const char *p = path;
    while (*p != '\0' && n < MAX_SEGS) {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *s = p;
        while (*p != '\0' && *p != '/')
            p++;
        segs[n] = s;
        lens[n] = (size_t)(p - s);
        n++;
    }
    return n;
}

static size_t seg_distance(const char *a, size_t alen, const char *b, size_t blen)
{
    char x[128], y[128];
    snprintf(x, sizeof(x), "%.*s", (int)(alen < 127 ? alen : 127), a);
    snprintf(y, sizeof(y), "%.*s", (int)(blen < 127 ? blen : 127), b);
    return civis_edit_distance(x, y, 16);
}

/*
 * The operation whose path template is closest to the request: literal
 * segments by edit distance, {param} segments match anything, a missing or
 * extra segment costs 3, another verb costs 1. NULL when nothing is close
 * enough to be a plausible typo.
 */
const civis_operation *civis__fake_nearest(const civis_spec *spec, const char *verb,
                                           const char *path)
{
    const char *rs[MAX_SEGS], *ts[MAX_SEGS];
    size_t rl[MAX_SEGS], tl[MAX_SEGS];
    size_t rn = split(path, rs, rl);
    const civis_operation *best = NULL;
    size_t best_cost = (size_t)-1;
    for (size_t i = 0; i < civis_spec_operation_count(spec); i++) {
        const civis_operation *op = civis_spec_operation_at(spec, i);
        size_t tn = split(op->path, ts, tl);
        size_t cost = (rn > tn ? rn - tn : tn - rn) * 3;
        size_t common = rn < tn ? rn : tn;
        for (size_t k = 0; k < common && cost < best_cost; k++) {
            if (tl[k] > 0 && ts[k][0] == '{')
                continue;
            cost += seg_distance(rs[k], rl[k], ts[k], tl[k]);
        }
        if (strcmp(op->verb, verb) != 0)
            cost += 1;
        if (cost < best_cost) {
            best_cost = cost;
            best = op;
        }
    }
    size_t plen = strlen(path);
    size_t allowed = plen / 3 > 3 ? plen / 3 : 3;
    return best_cost <= allowed ? best : NULL;
}
