/*
 * io_table.c: civis_table, a small table of text in memory, and its CSV
 * form (RFC 4180: fields with the delimiter, a quote or a line break are
 * quoted, quotes doubled; NULL is an empty field, "" an empty string).
 */
#include <stdio.h>
#include <string.h>

#include "io_internal.h"

struct civis_table {
    char **names;
    size_t ncols;
    char **cells; /* nrows * ncols, row-major; NULL for NULL */
    size_t nrows, cap_rows;
};

civis_status civis_table_new(civis_table **out, const char *const *names, size_t n,
                             civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    if (n == 0 || names == NULL)
        return civis__fail(err, CIVIS_EINVAL, "names", "a table needs at least one column");
    civis_table *t = civis__calloc(1, sizeof(*t));
    if (t == NULL || (t->names = civis__calloc(n, sizeof(char *))) == NULL) {
        civis__free(t);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory creating a table");
    }
    t->ncols = n;
    for (size_t i = 0; i < n; i++) {
        if (names[i] == NULL) {
            civis_table_free(t);
            return civis__fail(err, CIVIS_EINVAL, "names", "column %zu has no name", i);
        }
        if ((t->names[i] = civis__strdup(names[i])) == NULL) {
            civis_table_free(t);
            return civis__fail(err, CIVIS_ENOMEM, "", "out of memory creating a table");
        }
    }
    *out = t;
    return CIVIS_OK;
}

civis_status civis_table_add_row(civis_table *t, const char *const *values, civis_error *err)
{
    if (t == NULL || values == NULL)
        return civis__fail(err, CIVIS_EINVAL, t ? "values" : "t", "%s must not be NULL",
                           t ? "values" : "the table");
    if (t->nrows == t->cap_rows) {
        size_t cap = t->cap_rows ? t->cap_rows * 2 : 16;
        char **cells = civis__realloc(t->cells, cap * t->ncols * sizeof(char *));
        if (cells == NULL)
            return civis__fail(err, CIVIS_ENOMEM, "", "out of memory adding a row");
        t->cells = cells;
        t->cap_rows = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = NULL;
        if (values[i] != NULL && (row[i] = civis__strdup(values[i])) == NULL) {
            for (size_t k = 0; k < i; k++)
                civis__free(row[k]);
            return civis__fail(err, CIVIS_ENOMEM, "", "out of memory adding a row");
        }
    }
    t->nrows++;
    return CIVIS_OK;
}

void civis_table_free(civis_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; t->names && i < t->ncols; i++)
        civis__free(t->names[i]);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        civis__free(t->cells[i]);
    civis__free(t->names);
    civis__free(t->cells);
    civis__free(t);
}

size_t civis_table_ncols(const civis_table *t)
{
    return t ? t->ncols : 0;
}

size_t civis_table_nrows(const civis_table *t)
{
    return t ? t->nrows : 0;
}

const char *civis_table_column(const civis_table *t, size_t i)
{
    return t && i < t->ncols ? t->names[i] : NULL;
}

const char *civis_table_value(const civis_table *t, size_t row, size_t col)
{
    return t && row < t->nrows && col < t->ncols ? t->cells[row * t->ncols + col] : NULL;
}

bool civis_table_is_null(const civis_table *t, size_t row, size_t col)
{
    return t && row < t->nrows && col < t->ncols && t->cells[row * t->ncols + col] == NULL;
}

civis_status civis__table_collect(size_t row, const char *const *values, size_t n, void *data,
                                  civis_error *err)
{
    civis_table **t = data;
    if (row == 0) {
        civis_table_free(*t);
        *t = NULL;
        return civis_table_new(t, values, n, err);
    }
    if (n != (*t)->ncols)
        return civis__fail(err, CIVIS_EPARSE, "",
                           "row %zu of the result has %zu fields, the header %zu", row, n,
                           (*t)->ncols);
    return civis_table_add_row(*t, values, err);
}

/* ---- CSV text -------------------------------------------------------------------- */

typedef struct buf {
    char *p;
    size_t len, cap;
    bool oom;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *g = civis__realloc(b->p, cap);
        if (g == NULL) {
            b->oom = true;
            return;
        }
        b->p = g;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void put_field(buf *b, const char *v, char delim, bool unquoted)
{
    if (v == NULL)
        return;
    size_t n = strlen(v);
    bool quote = !unquoted && (n == 0 || strchr(v, delim) != NULL || strpbrk(v, "\"\r\n") != NULL);
    if (!quote) {
        put(b, v, n);
        return;
    }
    put(b, "\"", 1);
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            put(b, "\"\"", 2);
        else
            put(b, p, 1);
    }
    put(b, "\"", 1);
}

civis_status civis__table_write_csv(char **out, size_t *len, const civis_table *t, char delim,
                                    bool header, bool unquoted, civis_error *err)
{
    buf b = {0};
    for (size_t i = 0; header && i < t->ncols; i++) {
        if (i > 0)
            put(&b, &delim, 1);
        put_field(&b, t->names[i], delim, unquoted);
    }
    if (header)
        put(&b, "\n", 1);
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t i = 0; i < t->ncols; i++) {
            if (i > 0)
                put(&b, &delim, 1);
            put_field(&b, t->cells[r * t->ncols + i], delim, unquoted);
        }
        put(&b, "\n", 1);
    }
    if (b.oom || (b.p == NULL && (b.p = civis__calloc(1, 1)) == NULL)) {
        civis__free(b.p);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory writing the table as CSV");
    }
    *out = b.p;
    *len = b.len;
    return CIVIS_OK;
}

civis_status civis__table_csv(char **out, size_t *len, const civis_table *t, civis_error *err)
{
    return civis__table_write_csv(out, len, t, ',', true, false, err);
}
