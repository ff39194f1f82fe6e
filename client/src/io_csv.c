/*
 * io_csv.c: a streaming CSV reader for results as they download. Bytes go
 * in chunk by chunk; gzip is recognised by its magic bytes and inflated on
 * the fly (several concatenated members too, as zlib's auto-detect mode in
 * the official client); libcsv splits the text into fields (RFC 4180) and
 * each finished row goes to the callback. Memory: one row plus fixed
 * buffers, whatever the size of the input.
 */
#include <string.h>

#include "io_internal.h"

#define ZCHUNK (64 * 1024)

static bool fail(civis__csvr *r, civis_status st, const char *msg)
{
    if (r->st == CIVIS_OK)
        r->st = civis__fail(&r->err, st, "", "%s", msg);
    return false;
}

static void on_field(void *s, size_t len, void *data)
{
    civis__csvr *r = data;
    if (r->st != CIVIS_OK)
        return;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        char **v = civis__realloc(r->vals, cap * sizeof(char *));
        bool *nl = v ? civis__realloc(r->is_null, cap * sizeof(bool)) : NULL;
        if (v != NULL)
            r->vals = v;
        if (nl == NULL) {
            fail(r, CIVIS_ENOMEM, "out of memory reading CSV");
            return;
        }
        r->is_null = nl;
        r->cap = cap;
    }
    char *copy = civis__malloc(len + 1);
    if (copy == NULL) {
        fail(r, CIVIS_ENOMEM, "out of memory reading CSV");
        return;
    }
    if (s != NULL)
        memcpy(copy, s, len);
    copy[s ? len : 0] = '\0';
    r->is_null[r->n] = s == NULL;
    r->vals[r->n++] = copy;
}

static void clear_row(civis__csvr *r)
{
    for (size_t i = 0; i < r->n; i++)
        civis__free(r->vals[i]);
    r->n = 0;
}

static void on_row(int c, void *data)
{
    (void)c;
    civis__csvr *r = data;
    if (r->st == CIVIS_OK && r->n > 0) {
        /* NULL values go out as NULL pointers. */
        const char **view = civis__malloc(r->n * sizeof(char *));
        if (view == NULL) {
            fail(r, CIVIS_ENOMEM, "out of memory reading CSV");
        } else {
            for (size_t i = 0; i < r->n; i++)
                view[i] = r->is_null[i] ? NULL : r->vals[i];
            civis_status st = r->fn(r->row, view, r->n, r->data, &r->err);
            civis__free(view);
            if (st != CIVIS_OK)
                r->st = st;
            r->row++;
        }
    }
    clear_row(r);
}

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

civis_status civis__csvr_init(civis__csvr *r, civis_row_callback fn, void *data, civis_error *err)
{
    memset(r, 0, sizeof(*r));
    r->fn = fn;
    r->data = data;
    r->err = (civis_error)CIVIS_ERROR_INIT;
    if (csv_init(&r->p, CSV_STRICT | CSV_EMPTY_IS_NULL) != 0)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory creating a CSV parser");
    r->p_open = true;
    csv_set_space_func(&r->p, no_space);
    return CIVIS_OK;
}

static bool parse(civis__csvr *r, const char *bytes, size_t n)
{
    if (csv_parse(&r->p, bytes, n, on_field, on_row, r) != n && r->st == CIVIS_OK) {
        char msg[160];
        snprintf(msg, sizeof(msg), "the result is not valid CSV near row %zu: %s", r->row + 1,
                 csv_strerror(csv_error(&r->p)));
        return fail(r, CIVIS_EPARSE, msg);
    }
    return r->st == CIVIS_OK;
}

static bool inflate_some(civis__csvr *r, const char *bytes, size_t n)
{
    r->zs.next_in = (Bytef *)(uintptr_t)bytes;
    r->zs.avail_in = (uInt)n;
    while (r->zs.avail_in > 0 && r->st == CIVIS_OK) {
        if (r->z_end) { /* another gzip member follows */
            if (inflateReset(&r->zs) != Z_OK)
                return fail(r, CIVIS_EPARSE, "the result is not valid gzip");
            r->z_end = false;
        }
        r->zs.next_out = (Bytef *)r->zout;
        r->zs.avail_out = ZCHUNK;
        int rc = inflate(&r->zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            return fail(r, CIVIS_EPARSE, "the result is not valid gzip");
        r->z_end = rc == Z_STREAM_END;
        if (!parse(r, r->zout, ZCHUNK - r->zs.avail_out))
            return false;
        if (rc == Z_BUF_ERROR)
            break;
    }
    return r->st == CIVIS_OK;
}

static bool route(civis__csvr *r, const char *bytes, size_t n)
{
    return r->kind == 2 ? inflate_some(r, bytes, n) : parse(r, bytes, n);
}

bool civis__csvr_feed(civis__csvr *r, const char *bytes, size_t n)
{
    if (r->st != CIVIS_OK)
        return false;
    if (r->kind == 0) {
        /* The first two bytes decide: they may arrive in separate chunks. */
        while (r->n_magic < 2 && n > 0) {
            r->magic[r->n_magic++] = (unsigned char)*bytes++;
            n--;
        }
        if (r->n_magic < 2)
            return true;
        r->kind = r->magic[0] == 0x1f && r->magic[1] == 0x8b ? 2 : 1;
        if (r->kind == 2) {
            r->zout = civis__malloc(ZCHUNK);
            if (r->zout == NULL || inflateInit2(&r->zs, 15 + 32) != Z_OK)
                return fail(r, CIVIS_ENOMEM, "out of memory creating an inflater");
            r->z_open = true;
        }
        if (!route(r, (const char *)r->magic, 2))
            return false;
    }
    return n == 0 || route(r, bytes, n);
}

civis_status civis__csvr_finish(civis__csvr *r, civis_error *err)
{
    if (r->st == CIVIS_OK && r->kind == 0 && r->n_magic > 0) {
        r->kind = 1;
        (void)parse(r, (const char *)r->magic, r->n_magic);
    }
    if (r->st == CIVIS_OK && csv_fini(&r->p, on_field, on_row, r) != 0)
        (void)fail(r, CIVIS_EPARSE, "the result ends inside a quoted field");
    if (r->st != CIVIS_OK && err != NULL)
        *err = r->err;
    return r->st;
}

void civis__csvr_free(civis__csvr *r)
{
    clear_row(r);
    civis__free(r->vals);
    civis__free(r->is_null);
    if (r->p_open)
        csv_free(&r->p);
    if (r->z_open)
        inflateEnd(&r->zs);
    civis__free(r->zout);
    r->p_open = r->z_open = false;
}
