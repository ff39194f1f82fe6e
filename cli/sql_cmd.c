/*
 * sql_cmd.c: `civis sql`, the official CLI's SQL command. The SQL comes
 * from -c, -f FILE, or stdin up to a blank line; with -o the whole result
 * set is written as CSV, otherwise the first -n rows print as a text table
 * (header cells left-aligned, values right-aligned, " | " between columns,
 * a dashed rule under the header, as the official CLI prints them).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Reads stdin up to a blank line or the end (the official CLI's rule). */
static char *read_stdin_sql(void)
{
    size_t cap = 1024, len = 0;
    char *buf = malloc(cap);
    char line[4096];
    if (buf == NULL)
        return NULL;
    buf[0] = '\0';
    while (fgets(line, sizeof line, stdin) != NULL) {
        if (line[0] == '\n' || (line[0] == '\r' && line[1] == '\n'))
            break;
        size_t n = strlen(line);
        if (len + n + 1 > cap) {
            while (len + n + 1 > cap)
                cap *= 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                return NULL;
            }
            buf = nb;
        }
        memcpy(buf + len, line, n + 1);
        len += n;
    }
    return buf;
}

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + len, 1, cap - len - 1, fp);
        len += got;
        if (got == 0)
            break;
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (buf != NULL && ferror(fp)) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    if (buf != NULL)
        buf[len] = '\0';
    return buf;
}

/* ---- CSV -------------------------------------------------------------------- */

/* One parsed row: cells point into a private copy of the line. */
typedef struct row {
    char **cells;
    size_t n;
} row;

/*
 * Parses one RFC 4180 record starting at *p (quoted fields may hold commas,
 * doubled quotes and newlines), un-quoting in place, and moves *p past it.
 * Returns false at the end of the text or on allocation failure (*oom).
 */
static bool next_row(row *r, char **p, bool *oom)
{
    char *s = *p;
    r->cells = NULL;
    r->n = 0;
    if (*s == '\0')
        return false;
    size_t cap = 0;
    for (;;) {
        if (r->n == cap) {
            cap = cap ? cap * 2 : 8;
            char **nc = realloc(r->cells, cap * sizeof *nc);
            if (nc == NULL) {
                free(r->cells);
                r->cells = NULL;
                *oom = true;
                return false;
            }
            r->cells = nc;
        }
        char *w = s, *start = s;
        if (*s == '"') {
            s++;
            for (;;) {
                if (*s == '\0')
                    break;
                if (*s == '"' && s[1] == '"') {
                    *w++ = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    *w++ = *s++;
                }
            }
            while (*s != '\0' && *s != ',' && *s != '\n' && *s != '\r')
                *w++ = *s++;
        } else {
            while (*s != '\0' && *s != ',' && *s != '\n' && *s != '\r')
                w = ++s;
        }
        char end = *s;
        *w = '\0';
        r->cells[r->n++] = start;
        /* The terminator was read before the cell was cut at w (which may
         * be s itself), so it is judged from `end`, not from *s. */
        if (end == ',') {
            s++;
            continue;
        }
        if (end == '\r')
            s++;
        if (end == '\n' || (end == '\r' && *s == '\n'))
            s++;
        break;
    }
    *p = s;
    return true;
}

static size_t utf8_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void pad(size_t n)
{
    while (n-- > 0)
        putchar(' ');
}

/* Prints the header and up to max_rows rows as the official CLI does. */
static int print_table(char *csv, long max_rows)
{
    row rows[1 + 1000];
    size_t n_rows = 0, n_cols = 0;
    bool oom = false;
    char *p = csv;
    long limit = max_rows < 1000 ? max_rows : 1000;
    while ((long)n_rows < limit + 1 && next_row(&rows[n_rows], &p, &oom)) {
        if (rows[n_rows].n > n_cols)
            n_cols = rows[n_rows].n;
        n_rows++;
    }
    int rc = CLI_OK;
    size_t *width = calloc(n_cols ? n_cols : 1, sizeof *width);
    if (oom || width == NULL) {
        civis__cli_error("out of memory");
        rc = CLI_FAIL;
        goto done;
    }
    for (size_t r = 0; r < n_rows; r++)
        for (size_t c = 0; c < rows[r].n; c++) {
            size_t w = utf8_width(rows[r].cells[c]);
            if (w > width[c])
                width[c] = w;
        }
    for (size_t r = 0; r < n_rows; r++) {
        for (size_t c = 0; c < n_cols; c++) {
            const char *cell = c < rows[r].n ? rows[r].cells[c] : "";
            size_t gap = width[c] - utf8_width(cell);
            if (c > 0)
                fputs(" | ", stdout);
            if (r == 0) {
                fputs(cell, stdout);
                if (c + 1 < n_cols)
                    pad(gap);
            } else {
                pad(gap);
                fputs(cell, stdout);
            }
        }
        putchar('\n');
        if (r == 0) {
            size_t total = 0;
            for (size_t c = 0; c < n_cols; c++)
                total += width[c] + (c > 0 ? 3 : 0);
            for (size_t i = 0; i < total; i++)
                putchar('-');
            putchar('\n');
        }
    }
    if (fflush(stdout) != 0)
        rc = CLI_FAIL;
done:
    for (size_t r = 0; r < n_rows; r++)
        free(rows[r].cells);
    free(width);
    return rc;
}

/* ---- the command ---------------------------------------------------------- */

int civis__cli_sql(civis_client *client, int argc, char **argv, cli_format fmt)
{
    (void)fmt; /* results print as a table or go to a CSV file */
    const char *db = NULL, *command = NULL, *file = NULL, *output = NULL;
    long rows = 100;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        bool is_n = false;
        if (strcmp(a, "-d") == 0 || strcmp(a, "--database") == 0)
            slot = &db;
        else if (strcmp(a, "-c") == 0 || strcmp(a, "--command") == 0)
            slot = &command;
        else if (strcmp(a, "-f") == 0 || strcmp(a, "--filename") == 0)
            slot = &file;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
            slot = &output;
        else if (strcmp(a, "-n") == 0 || strcmp(a, "--n") == 0)
            is_n = true;
        else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
            continue; /* the official CLI's flag; we print no progress anyway */
        else {
            const char *known[] = {"--database", "--command", "--filename",
                                   "--output",   "--n",       "--quiet"};
            const char *s = a[0] == '-' ? civis_suggest(a, known, 6) : NULL;
            civis__cli_error("%s '%s' for sql%s%s%s",
                             a[0] == '-' ? "unknown option" : "unexpected argument", a,
                             s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
            return CLI_USAGE;
        }
        if (i + 1 >= argc) {
            civis__cli_error("option %s needs a value", a);
            return CLI_USAGE;
        }
        const char *v = argv[++i];
        if (is_n) {
            char *end = NULL;
            errno = 0;
            rows = strtol(v, &end, 10);
            if (*v == '\0' || *end != '\0' || errno != 0 || rows < 0) {
                civis__cli_error("-n must be a number of rows (0 or more), got '%s'", v);
                return CLI_USAGE;
            }
        } else {
            *slot = v;
        }
    }
    if (db == NULL) {
        civis__cli_error("missing option -d DATABASE for sql");
        return CLI_USAGE;
    }
    if (command != NULL && file != NULL) {
        civis__cli_error("give either -c SQL or -f FILE for sql, not both");
        return CLI_USAGE;
    }
    char *owned = NULL;
    const char *sql = command;
    if (sql == NULL) {
        owned = file != NULL ? read_file(file) : read_stdin_sql();
        if (owned == NULL) {
            civis__cli_error("cannot read the SQL from %s%s%s", file ? "'" : "stdin",
                             file ? file : "", file ? "'" : "");
            return CLI_FAIL;
        }
        sql = owned;
    }
    if (strspn(sql, " \t\r\n") == strlen(sql)) {
        civis__cli_error("no SQL given (-c SQL, -f FILE, or SQL on stdin)");
        free(owned);
        return CLI_USAGE;
    }
    char *csv = NULL;
    size_t len = 0;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = civis__cli_sql_csv(&csv, &len, client, sql, db, &err);
    free(owned);
    if (st != CIVIS_OK) {
        civis__cli_error("%s", err.message);
        return civis__cli_exit_for(&err);
    }
    int rc = CLI_OK;
    if (output != NULL) {
        FILE *fp = fopen(output, "wb");
        bool ok = fp != NULL && fwrite(csv, 1, len, fp) == len;
        if (fp != NULL && fclose(fp) != 0)
            ok = false;
        if (!ok) {
            civis__cli_error("cannot write '%s': %s", output, strerror(errno));
            rc = CLI_FAIL;
        }
    } else {
        rc = print_table(csv, rows);
    }
    free(csv);
    return rc;
}
