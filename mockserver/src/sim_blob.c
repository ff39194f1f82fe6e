/*
 * sim_blob.c: the bytes of one stored file. They stay in memory up to the
 * per-file limit (--state-mem-limit) and move to a file under the state
 * directory beyond it, so an upload of any size costs at most the limit in
 * RAM. The spill file is unlinked as soon as it is created: the open
 * descriptor keeps it alive, downloads stream from a dup of it, and nothing
 * is left behind however the process ends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

#define COPY_CHUNK (1024 * 1024)

sim_blob *civis__sim_blob_new(void)
{
    sim_blob *b = calloc(1, sizeof(*b));
    if (b != NULL)
        b->fd = -1;
    return b;
}

void civis__sim_blob_free(sim_blob *blob)
{
    if (blob == NULL)
        return;
    free(blob->mem);
    if (blob->fd >= 0)
        close(blob->fd);
    free(blob);
}

static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Moves the bytes held in memory to a fresh unlinked file under dir. */
static bool spill(sim_blob *b, const char *dir)
{
    char path[600];
    snprintf(path, sizeof(path), "%s/blob-XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0)
        return false;
    unlink(path);
    if (b->size > 0 && !write_all(fd, b->mem, (size_t)b->size)) {
        close(fd);
        return false;
    }
    free(b->mem);
    b->mem = NULL;
    b->cap = 0;
    b->fd = fd;
    return true;
}

bool civis__sim_blob_write(sim_blob *blob, const char *data, size_t len, size_t limit,
                           const char *dir)
{
    if (len == 0)
        return true;
    if (blob->fd < 0 && blob->size + len > limit && !spill(blob, dir))
        return false;
    if (blob->fd >= 0) {
        if (!write_all(blob->fd, data, len))
            return false;
        blob->size += len;
        return true;
    }
    if (blob->size + len > blob->cap) {
        size_t cap = blob->cap ? blob->cap : 4096;
        while (cap < blob->size + len)
            cap *= 2;
        if (cap > limit)
            cap = limit;
        char *grown = realloc(blob->mem, cap);
        if (grown == NULL)
            return false;
        blob->mem = grown;
        blob->cap = cap;
    }
    memcpy(blob->mem + blob->size, data, len);
    blob->size += len;
    return true;
}

bool civis__sim_blob_append(sim_blob *dst, const sim_blob *src, size_t limit, const char *dir)
{
    if (src->fd < 0)
        return civis__sim_blob_write(dst, src->mem, (size_t)src->size, limit, dir);
    char *buf = malloc(COPY_CHUNK);
    if (buf == NULL)
        return false;
    bool ok = true;
    uint64_t off = 0;
    while (ok && off < src->size) {
        size_t want = src->size - off < COPY_CHUNK ? (size_t)(src->size - off) : COPY_CHUNK;
        ssize_t n = pread(src->fd, buf, want, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            ok = false;
            break;
        }
        ok = civis__sim_blob_write(dst, buf, (size_t)n, limit, dir);
        off += (uint64_t)n;
    }
    free(buf);
    return ok;
}
