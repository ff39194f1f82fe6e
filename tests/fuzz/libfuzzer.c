/*
 * libfuzzer.c: libFuzzer's entry point for one harness. make fuzz compiles
 * this file once per harness with -DFUZZ_ENTRY=fuzz_<name>_one.
 */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return FUZZ_ENTRY(data, size);
}
