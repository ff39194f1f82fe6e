/*
 * allocfail.c: the failing allocator (allocfail.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>

#include "allocfail.h"

static long countdown = -1; /* allocations left before one fails; -1: never */
static long failures;       /* allocations refused during this run */

static void *fail_malloc(size_t n)
{
    if (countdown == 0) {
        failures++;
        return NULL;
    }
    if (countdown > 0)
        countdown--;
    return malloc(n);
}

static void *fail_realloc(void *p, size_t n)
{
    if (countdown == 0) {
        failures++;
        return NULL;
    }
    if (countdown > 0)
        countdown--;
    return realloc(p, n);
}

static const civis_allocator failing = {fail_malloc, fail_realloc, free};

long civis_test_alloc_walk(civis_status (*op)(void *ctx), void *ctx, long limit)
{
    for (long n = 0; n < limit; n++) {
        countdown = n;
        failures = 0;
        civis_set_allocator(&failing);
        civis_status st = op(ctx);
        civis_set_allocator(NULL);
        countdown = -1;
        if (st == CIVIS_OK)
            return n;
        CU_ASSERT(failures > 0);
        if (failures == 0) {
            fprintf(stderr, "\n  failed with no allocation failure at n=%ld: %s\n", n,
                    civis_strerror(st));
            return -1;
        }
    }
    return -1;
}
