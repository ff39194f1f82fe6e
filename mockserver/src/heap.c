/*
 * heap.c: what civis-mock asks of its memory allocator, whichever one the
 * binary runs on.
 *
 * civis-mock is linked with jemalloc where the build finds it (the
 * Makefile's MOCK_MALLOC): a large POST parses into tens of thousands of
 * small cJSON nodes and frees them all again, and glibc's malloc merges
 * those freed chunks at the next allocation of 1 KB or more
 * (malloc_consolidate), which cost about a fifth of such a request's time.
 * jemalloc keeps small sizes in per-thread caches and slabs that are never
 * merged, and its per-thread arenas keep the workers apart. Sanitizer
 * builds, and builds made with MOCK_MALLOC=libc, run on the C library's
 * malloc; so does a program that embeds the server core without jemalloc.
 *
 * Which one is present is decided at run time: mallctl is a weak reference,
 * resolved only when jemalloc is in the process (linked or preloaded).
 */
#include <malloc.h>
#include <stdint.h>

#include "mock.h"

/* jemalloc's control interface (jemalloc/jemalloc.h); NULL without it. */
extern int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen)
    __attribute__((weak));

/* jemalloc's index for "every arena" (MALLCTL_ARENAS_ALL). */
#define ALL_ARENAS "4096"

void cmock__heap_tune(void)
{
    if (mallctl != NULL)
        return;
    /* glibc: large request bodies and stored fields get pages of their own
     * that go back to the system when freed; its moving threshold would
     * otherwise put them on the heap, where a reset cannot return them. */
    mallopt(M_MMAP_THRESHOLD, 64 * 1024);
}

void cmock__heap_release(void)
{
    if (mallctl != NULL) {
        /* Freed pages go back after a decay of seconds; a reset between CI
         * suites should leave the server as small as it started, now. */
        mallctl("arena." ALL_ARENAS ".purge", NULL, NULL, NULL, 0);
        return;
    }
    /* glibc keeps freed heap pages otherwise. */
    malloc_trim(0);
}

/* jemalloc: bytes the program holds, without what the per-thread caches
 * keep for reuse (freed by the program, not yet back in the arenas). */
static double jemalloc_in_use(void)
{
    uint64_t epoch = 1;
    size_t len = sizeof(epoch);
    /* the statistics are a snapshot taken when the epoch advances */
    if (mallctl("epoch", &epoch, &len, &epoch, len) != 0)
        return -1;
    size_t allocated = 0, cached = 0;
    len = sizeof(allocated);
    if (mallctl("stats.allocated", &allocated, &len, NULL, 0) != 0)
        return -1;
    len = sizeof(cached);
    if (mallctl("stats.arenas." ALL_ARENAS ".tcache_bytes", &cached, &len, NULL, 0) != 0)
        cached = 0;
    return cached < allocated ? (double)(allocated - cached) : 0;
}

double cmock__heap_in_use(void)
{
    if (mallctl != NULL)
        return jemalloc_in_use();
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (double)(mi.uordblks + mi.hblkhd);
#else
    return -1;
#endif
}
