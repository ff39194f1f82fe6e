/*
 * stats.c: GET /__mock/stats, what the process holds, so that a test can
 * show that hostile requests leave no memory behind (after a reset, the
 * heap in use returns to where it was) without reading files outside the
 * server.
 *
 *   {"heap_bytes": N, "max_rss_kb": N, "inflight": N}
 *
 * heap_bytes is the C library's count of bytes handed out by malloc
 * (glibc mallinfo2), or null where that is not available (another C
 * library, or a build whose allocator is replaced by a sanitizer).
 */
#include <sys/resource.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "mock.h"

static double heap_bytes(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 mi = mallinfo2();
    return (double)(mi.uordblks + mi.hblkhd);
#else
    return -1;
#endif
}

void cmock__stats(cmock_server *srv, cmock_reply *reply)
{
    struct rusage ru;
    double rss = getrusage(RUSAGE_SELF, &ru) == 0 ? (double)ru.ru_maxrss : -1;
    pthread_mutex_lock(&srv->inflight_lock);
    unsigned inflight = srv->inflight;
    pthread_mutex_unlock(&srv->inflight_lock);
    double heap = heap_bytes();
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL &&
              (heap > 0 ? cJSON_AddNumberToObject(o, "heap_bytes", heap)
                        : cJSON_AddNullToObject(o, "heap_bytes")) != NULL &&
              (rss >= 0 ? cJSON_AddNumberToObject(o, "max_rss_kb", rss)
                        : cJSON_AddNullToObject(o, "max_rss_kb")) != NULL &&
              cJSON_AddNumberToObject(o, "inflight", inflight) != NULL;
    if (!ok || !cmock__reply_json(reply, 200, o))
        cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
    cJSON_Delete(o);
}
