/*
 * sim_sql_scan.c: the rows of a stored file, for detection and loading
 * (sim_sql_csv.c). Files are read from their blobs in chunks and gunzipped
 * on the fly (concatenated gzip members too), so a file of any size costs
 * a chunk of memory plus one row. CSV is libcsv's (RFC 4180: quotes,
 * delimiters and newlines inside quoted fields); an escaped file (Redshift's
 * ESCAPE) has no quoting and backslash escapes instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <csv.h>

#include "sim_sql_internal.h"

#define READ_CHUNK (256 * 1024)

/* ---- reading a blob, gunzipped when it is gzip ---------------------------- */

typedef struct blob_reader {
    const sim_blob *b;
    uint64_t off;
    bool gz;
    bool z_open;
    bool z_end; /* the current gzip member ended */
    z_stream zs;
    unsigned char *in;
    bool error;
} blob_reader;

static size_t raw_read(blob_reader *br, unsigned char *out, size_t cap)
{
    const sim_blob *b = br->b;
    if (br->off >= b->size)
        return 0;
    size_t n = b->size - br->off < cap ? (size_t)(b->size - br->off) : cap;
    if (b->fd >= 0) {
        ssize_t got = pread(b->fd, out, n, (off_t)br->off);
        if (got < 0) {
            br->error = true;
            return 0;
        }
        n = (size_t)got;
    } else {
        memcpy(out, b->mem + br->off, n);
    }
    br->off += n;
    return n;
}

static bool reader_open(blob_reader *br, const sim_blob *b)
{
    memset(br, 0, sizeof(*br));
    br->b = b;
    unsigned char magic[2] = {0, 0};
    if (b->size >= 2) {
        (void)raw_read(br, magic, 2);
        br->off = 0;
    }
    br->gz = magic[0] == 0x1f && magic[1] == 0x8b;
    if (!br->gz)
        return !br->error;
    br->in = malloc(READ_CHUNK);
    if (br->in == NULL || inflateInit2(&br->zs, 15 + 32) != Z_OK)
        return false;
    br->z_open = true;
    return true;
}

static void reader_close(blob_reader *br)
{
    if (br->z_open)
        inflateEnd(&br->zs);
    free(br->in);
}

/* Up to cap bytes of the (decompressed) file; 0 at the end or on error. */
static size_t reader_read(blob_reader *br, char *out, size_t cap)
{
    if (!br->gz)
        return raw_read(br, (unsigned char *)out, cap);
    br->zs.next_out = (Bytef *)out;
    br->zs.avail_out = (uInt)cap;
    while (br->zs.avail_out == cap && !br->error) {
        if (br->zs.avail_in == 0) {
            size_t n = raw_read(br, br->in, READ_CHUNK);
            if (n == 0)
                break;
            br->zs.next_in = br->in;
            br->zs.avail_in = (uInt)n;
        }
        if (br->z_end) { /* another member follows */
            if (inflateReset(&br->zs) != Z_OK)
                br->error = true;
            br->z_end = false;
        }
        int rc = inflate(&br->zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            br->z_end = true;
        else if (rc != Z_OK && rc != Z_BUF_ERROR)
            br->error = true;
    }
    return cap - br->zs.avail_out;
}

/* ---- rows ------------------------------------------------------------------- */

typedef struct scan {
    char *arena;
    size_t used, cap;
    sql_field *fields;
    size_t n, cap_fields;
    long row; /* 1-based number of the row being built */
    sql_row_fn fn;
    void *ctx;
    bool stop; /* the callback asked to stop, or memory ran out */
    bool oom;
} scan;

static void on_field(void *s, size_t len, void *data)
{
    scan *sc = data;
    if (sc->stop)
        return;
    if (sc->n == sc->cap_fields) {
        size_t cap = sc->cap_fields ? sc->cap_fields * 2 : 16;
        sql_field *f = realloc(sc->fields, cap * sizeof(*f));
        if (f == NULL) {
            sc->stop = sc->oom = true;
            return;
        }
        sc->fields = f;
        sc->cap_fields = cap;
    }
    if (sc->used + len + 1 > sc->cap) {
        size_t cap = (sc->used + len + 1) * 2;
        char *a = realloc(sc->arena, cap);
        if (a == NULL) {
            sc->stop = sc->oom = true;
            return;
        }
        sc->arena = a;
        sc->cap = cap;
    }
    sql_field *f = &sc->fields[sc->n++];
    f->off = sc->used;
    f->len = s ? len : 0;
    f->null = s == NULL;
    if (s != NULL)
        memcpy(sc->arena + sc->used, s, len);
    sc->arena[sc->used + f->len] = '\0';
    sc->used += f->len + 1;
}

static void on_row(int c, void *data)
{
    (void)c;
    scan *sc = data;
    if (!sc->stop && sc->n > 0) {
        sc->row++;
        if (!sc->fn(sc->ctx, sc->arena, sc->fields, sc->n, sc->row))
            sc->stop = true;
    }
    sc->n = 0;
    sc->used = 0;
}

static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

/* Reads the whole file through feed, chunk by chunk, until it ends, feed
 * fails or the row callback stops the scan. False with the reason in error
 * when the file cannot be read or feed failed. */
typedef bool (*chunk_fn)(void *self, const char *buf, size_t n, scan *sc, char *error,
                         size_t errlen);

static bool read_chunks(const sim_blob *b, scan *sc, chunk_fn feed, void *self, char *error,
                        size_t errlen)
{
    blob_reader br;
    char *buf = malloc(READ_CHUNK);
    bool ok = buf != NULL && reader_open(&br, b);
    if (!ok)
        snprintf(error, errlen, "out of memory");
    while (ok && !sc->stop) {
        size_t n = reader_read(&br, buf, READ_CHUNK);
        if (br.error) {
            snprintf(error, errlen, "the file is not readable%s", br.gz ? " gzip" : "");
            ok = false;
            break;
        }
        if (n == 0)
            break;
        ok = feed(self, buf, n, sc, error, errlen);
    }
    if (buf != NULL)
        reader_close(&br);
    free(buf);
    return ok;
}

/* The end of a scan: memory that ran out fails it; the row buffers go. */
static bool scan_end(scan *sc, bool ok, char *error, size_t errlen)
{
    if (ok && sc->oom) {
        snprintf(error, errlen, "out of memory");
        ok = false;
    }
    free(sc->arena);
    free(sc->fields);
    return ok;
}

static bool csv_chunk(void *self, const char *buf, size_t n, scan *sc, char *error, size_t errlen)
{
    struct csv_parser *p = self;
    if (csv_parse(p, buf, n, on_field, on_row, sc) == n)
        return true;
    snprintf(error, errlen, "row %ld: %s", sc->row + 1, csv_strerror(csv_error(p)));
    return false;
}

/* Parses the whole file, calling fn for each row. False with the reason in
 * error when the file cannot be read or parsed (not when fn stops it). */
static bool scan_file(const sim_blob *b, char delim, sql_row_fn fn, void *ctx, char *error,
                      size_t errlen)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_EMPTY_IS_NULL) != 0) {
        snprintf(error, errlen, "out of memory");
        return false;
    }
    csv_set_delim(&p, (unsigned char)delim);
    csv_set_space_func(&p, no_space);
    scan sc = {.fn = fn, .ctx = ctx};
    bool ok = read_chunks(b, &sc, csv_chunk, &p, error, errlen);
    if (ok && !sc.stop && csv_fini(&p, on_field, on_row, &sc) != 0) {
        snprintf(error, errlen, "row %ld: %s", sc.row + 1, csv_strerror(csv_error(&p)));
        ok = false;
    }
    csv_free(&p);
    return scan_end(&sc, ok, error, errlen);
}

/* An escaped file (Redshift's ESCAPE): no quoting; a backslash makes the
 * next byte part of the value, be it the delimiter, a newline, a quote or
 * a backslash. An empty field is NULL, as in the CSV files. */
typedef struct esc_state {
    char *val;
    size_t n, cap;
    char delim;
    bool escape;  /* the previous byte was an unescaped backslash */
    bool in_row;  /* bytes or fields of the current row were seen */
    bool literal; /* the field holds an escaped byte (so it is not NULL) */
} esc_state;

static bool esc_push(esc_state *e, char c)
{
    if (e->n + 1 >= e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 256;
        char *v = realloc(e->val, cap);
        if (v == NULL)
            return false;
        e->val = v;
        e->cap = cap;
    }
    e->val[e->n++] = c;
    return true;
}

static void esc_field(esc_state *e, scan *sc)
{
    if (e->n > 0 && e->val[e->n - 1] == '\r' && !e->literal)
        e->n--; /* CRLF line ends */
    on_field(e->n == 0 && !e->literal ? NULL : e->val, e->n, sc);
    e->n = 0;
    e->literal = false;
}

static bool esc_chunk(void *self, const char *buf, size_t n, scan *sc, char *error, size_t errlen)
{
    esc_state *e = self;
    bool ok = true;
    for (size_t i = 0; ok && !sc->stop && i < n; i++) {
        char c = buf[i];
        e->in_row = true;
        if (e->escape) {
            e->escape = false;
            e->literal = true;
            ok = esc_push(e, c);
        } else if (c == '\\') {
            e->escape = true;
        } else if (c == e->delim) {
            esc_field(e, sc);
        } else if (c == '\n') {
            esc_field(e, sc);
            on_row(0, sc);
            e->in_row = false;
        } else {
            ok = esc_push(e, c);
        }
    }
    if (!ok)
        snprintf(error, errlen, "out of memory");
    return ok;
}

static bool scan_escaped(const sim_blob *b, char delim, sql_row_fn fn, void *ctx, char *error,
                         size_t errlen)
{
    scan sc = {.fn = fn, .ctx = ctx};
    esc_state e = {.delim = delim};
    bool ok = read_chunks(b, &sc, esc_chunk, &e, error, errlen);
    if (ok && e.escape) {
        snprintf(error, errlen, "row %ld: the file ends in the middle of an escape", sc.row + 1);
        ok = false;
    }
    if (ok && !sc.stop && e.in_row) {
        esc_field(&e, &sc);
        on_row(0, &sc);
    }
    free(e.val);
    return scan_end(&sc, ok, error, errlen);
}

bool cmock__sql_scan(const sim_blob *b, char delim, bool escaped, sql_row_fn fn, void *ctx,
                     char *error, size_t errlen)
{
    return escaped ? scan_escaped(b, delim, fn, ctx, error, errlen)
                   : scan_file(b, delim, fn, ctx, error, errlen);
}

size_t cmock__sql_head(const sim_blob *b, char *buf, size_t cap)
{
    blob_reader br;
    size_t n = 0;
    if (reader_open(&br, b))
        n = reader_read(&br, buf, cap);
    reader_close(&br);
    return n;
}
