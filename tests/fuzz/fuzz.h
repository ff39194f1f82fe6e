/*
 * fuzz.h: the entry functions of the fuzz harnesses. Each takes one input
 * (bytes, not NUL-terminated), must never crash, leak or trip a sanitizer
 * whatever the bytes are, and returns 0. libFuzzer calls them through
 * libfuzzer.c (make fuzz); the fuzz_regressions suite calls them on every
 * seed and regression input under tests/fuzz/, so make test, make valgrind
 * and make asan replay them.
 *
 * A harness that finds an answer it knows to be wrong (jsoncheck.c and
 * cJSON disagreeing, say) calls abort(): a fuzzer crash and a failed test.
 */
#ifndef CIVIS_FUZZ_H
#define CIVIS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "civis/spec.h"

/* (i) "METHOD PATH[?QUERY]\n" then the body, through the fake answering core. */
int fuzz_fake_one(const uint8_t *data, size_t size);
/* (ii) a fixture document, then a few requests matched against it. */
int fuzz_fixture_one(const uint8_t *data, size_t size);
/* (iii) a spec document, loaded, indexed and routed through. */
int fuzz_spec_one(const uint8_t *data, size_t size);
/* (iv) "resource.method\n" then a JSON object of snake_case arguments, placed. */
int fuzz_args_one(const uint8_t *data, size_t size);
/* (v) an API answer body: the JSON check, parsing, paths and re-printing. */
int fuzz_response_one(const uint8_t *data, size_t size);

/* The bundled spec, loaded once (fuzz_common.c). */
const civis_spec *fuzz_spec(void);
/* Frees it (the regression suite's cleanup; libFuzzer never calls it). */
void fuzz_release(void);
/* A NUL-terminated malloc'd copy of the input; NULL when out of memory. */
char *fuzz_strndup(const uint8_t *data, size_t size);

#endif
