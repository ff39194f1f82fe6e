/*
 * specsuite.h: the set-up every spec-engine suite shares: the bundled spec
 * and the full public spec (the file the Makefile names), loaded once per
 * suite.
 */
#ifndef CIVIS_TEST_SPECSUITE_H
#define CIVIS_TEST_SPECSUITE_H

#include "civis/spec.h"

/* Loads both into *bundled and *full; `who` names the suite in messages.
 * Returns 0, or 1 (a CUnit suite-setup failure) with the reason printed. */
int civis_test_specs_load(civis_spec **bundled, civis_spec **full, const char *who);
/* Frees both and sets them to NULL; returns 0 (a CUnit suite cleanup). */
int civis_test_specs_free(civis_spec **bundled, civis_spec **full);

#endif
