/*
 * etag.h: the validator of a spec's bytes, as civis-mock sends it with
 * GET /endpoints: "\"<FNV-1a 64 of the bytes, 16 hex digits>\"". Header-only
 * so that embed.c, which writes the bundled spec's at build time, computes
 * it exactly as the engine does.
 */
#ifndef CIVIS_SPEC_ETAG_H
#define CIVIS_SPEC_ETAG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CIVIS_ETAG_LEN 20 /* two quotes, 16 digits, NUL, and one to spare */

static inline void civis__etag_of(char out[CIVIS_ETAG_LEN], const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    snprintf(out, CIVIS_ETAG_LEN, "\"%016llx\"", (unsigned long long)h);
}

#endif
