/*
 * fake_internal.h: what the files of the answering core share.
 */
#ifndef CIVIS_FAKE_INTERNAL_H
#define CIVIS_FAKE_INTERNAL_H

#include "civis/spec.h"

/* The operation whose path template is closest to a path that routed
 * nowhere (for the journal's "nearest"), or NULL when none is close enough
 * to be a plausible typo. fake_near.c. */
const civis_operation *civis__fake_nearest(const civis_spec *spec, const char *verb,
                                           const char *path);

#endif
