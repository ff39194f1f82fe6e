/*
 * allocfail.h: the one failing allocator of the suite. Out-of-memory paths
 * are tested the jansson / hiredis way: run an operation with the 1st, 2nd,
 * 3rd... allocation failing until it succeeds, and check that every failure
 * on the way came from a failed allocation, not from a mistake.
 */
#ifndef CIVIS_TEST_ALLOCFAIL_H
#define CIVIS_TEST_ALLOCFAIL_H

#include "civis.h"

/*
 * Runs op(ctx) with the Nth allocation of libcivis (and cJSON) failing,
 * N = 0, 1, ... while op returns anything but CIVIS_OK. Returns the N at
 * which it first succeeded, or -1 after `limit` tries or when op failed
 * although no allocation did (asserted, with the status printed).
 */
long civis_test_alloc_walk(civis_status (*op)(void *ctx), void *ctx, long limit);

#endif
