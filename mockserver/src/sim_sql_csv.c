/*
 * sim_sql_csv.c: CSV files into tables, and what /files/preprocess/csv
 * detects in them. The rows come from sim_sql_scan.c (CSV or escaped,
 * gunzipped on the fly), one at a time.
 *
 * Types are detected from every row, not the first alone:
 *   BOOLEAN   every value is true/false/t/f/yes/no (any case)
 *   INT       every value an integer that fits 32 bits; BIGINT past that
 *   DOUBLE PRECISION  every value a number
 *   DATE      YYYY-MM-DD;  TIMESTAMP  YYYY-MM-DD[ T]HH:MM:SS[.frac]
 *   VARCHAR(n) anything else, n the longest value in bytes (at least 1)
 * Empty unquoted fields are NULL and fit every type.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_sql_internal.h"

/* ---- value kinds ------------------------------------------------------------ */

enum { K_BOOL = 1, K_INT = 2, K_BIGINT = 4, K_FLOAT = 8, K_DATE = 16, K_TS = 32 };

static bool parse_int(const char *s, long long *out)
{
    if (*s == '\0' || isspace((unsigned char)*s))
        return false;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

static bool parse_float(const char *s, double *out)
{
    if (*s == '\0' || isspace((unsigned char)*s))
        return false;
    char *end = NULL;
    double v = strtod(s, &end);
    if (*end != '\0')
        return false;
    *out = v;
    return true;
}

static bool digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool is_date(const char *s)
{
    return strlen(s) == 10 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' &&
           digits(s + 8, 2) && atoi(s + 5) >= 1 && atoi(s + 5) <= 12 && atoi(s + 8) >= 1 &&
           atoi(s + 8) <= 31;
}

static bool is_ts(const char *s)
{
    if (strlen(s) < 19 ||
        !is_date((char[11]){s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9], '\0'}))
        return false;
    if ((s[10] != ' ' && s[10] != 'T') || !digits(s + 11, 2) || s[13] != ':' ||
        !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
        return false;
    const char *p = s + 19;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'Z')
        p++;
    return *p == '\0';
}

static int kinds_of(const char *s)
{
    int k = 0;
    long long iv;
    double dv;
    if (cmock__sql_parse_bool(s) >= 0 && !isdigit((unsigned char)s[0]))
        k |= K_BOOL;
    if (parse_int(s, &iv)) {
        k |= K_BIGINT | K_FLOAT;
        if (iv >= INT_MIN && iv <= INT_MAX)
            k |= K_INT;
    } else if (parse_float(s, &dv)) {
        k |= K_FLOAT;
    }
    if (is_date(s))
        k |= K_DATE;
    if (is_ts(s))
        k |= K_TS;
    return k;
}

static const char *kind_type(int k, size_t maxlen, char *buf, size_t len)
{
    if (k & K_BOOL)
        return "BOOLEAN";
    if (k & K_INT)
        return "INT";
    if (k & K_BIGINT)
        return "BIGINT";
    if (k & K_FLOAT)
        return "DOUBLE PRECISION";
    if (k & K_DATE)
        return "DATE";
    if (k & K_TS)
        return "TIMESTAMP";
    snprintf(buf, len, "VARCHAR(%zu)", maxlen ? maxlen : 1);
    return buf;
}

/* ---- detection ---------------------------------------------------------------- */

typedef struct col_stat {
    int kinds; /* kinds every non-null value of rows 2.. has */
    size_t maxlen;
    int first_kinds; /* row 1's value */
    size_t first_len;
    bool first_null;
    char *first; /* row 1's value */
} col_stat;

typedef struct detect {
    col_stat *cols;
    size_t n;
    long rows;
    bool oom;
} detect;

static bool detect_row(void *ctx, const char *arena, const sql_field *f, size_t n, long row)
{
    detect *d = ctx;
    if (n > d->n) {
        col_stat *c = realloc(d->cols, n * sizeof(*c));
        if (c == NULL) {
            d->oom = true;
            return false;
        }
        for (size_t i = d->n; i < n; i++)
            c[i] = (col_stat){.kinds = ~0, .first_null = true};
        d->cols = c;
        d->n = n;
    }
    d->rows = row;
    for (size_t i = 0; i < n; i++) {
        col_stat *c = &d->cols[i];
        const char *v = arena + f[i].off;
        if (row == 1) {
            c->first_null = f[i].null;
            c->first_kinds = f[i].null ? ~0 : kinds_of(v);
            c->first_len = f[i].len;
            c->first = strdup(v);
            if (c->first == NULL) {
                d->oom = true;
                return false;
            }
            continue;
        }
        if (f[i].null)
            continue;
        c->kinds &= kinds_of(v);
        if (f[i].len > c->maxlen)
            c->maxlen = f[i].len;
    }
    return true;
}

static char detect_delimiter(const sim_blob *b)
{
    char buf[4096];
    size_t n = cmock__sql_head(b, buf, sizeof(buf) - 1);
    size_t tabs = 0, pipes = 0, commas = 0;
    bool quoted = false;
    for (size_t i = 0; i < n && (quoted || buf[i] != '\n'); i++) {
        if (buf[i] == '"')
            quoted = !quoted;
        else if (!quoted) {
            tabs += buf[i] == '\t';
            pipes += buf[i] == '|';
            commas += buf[i] == ',';
        }
    }
    return tabs > commas && tabs >= pipes ? '\t' : (pipes > commas ? '|' : ',');
}

static char given_delimiter(const cJSON *d)
{
    if (!cJSON_IsString(d))
        return 0;
    if (strcmp(d->valuestring, "tab") == 0)
        return '\t';
    if (strcmp(d->valuestring, "pipe") == 0)
        return '|';
    if (strcmp(d->valuestring, "comma") == 0)
        return ',';
    return 0;
}

static const char *delimiter_name(char d)
{
    return d == '\t' ? "tab" : (d == '|' ? "pipe" : "comma");
}

static cJSON *detect_info(const sim_blob *b, const cJSON *given, bool escaped, char *error,
                          size_t errlen);

cJSON *cmock__sql_detect(const sim_blob *b, const cJSON *given, char *error, size_t errlen)
{
    return detect_info(b, given, false, error, errlen);
}

static cJSON *detect_escaped(const sim_blob *b, const cJSON *given, char *error, size_t errlen)
{
    return detect_info(b, given, true, error, errlen);
}

static cJSON *detect_info(const sim_blob *b, const cJSON *given, bool escaped, char *error,
                          size_t errlen)
{
    const cJSON *gd = cJSON_GetObjectItemCaseSensitive(given, "columnDelimiter");
    char delim = given_delimiter(gd);
    if (delim == 0)
        delim = detect_delimiter(b);
    detect d = {0};
    bool ok = cmock__sql_scan(b, delim, escaped, detect_row, &d, error, errlen);
    if (ok && d.oom) {
        snprintf(error, errlen, "out of memory");
        ok = false;
    }
    const cJSON *ih = cJSON_GetObjectItemCaseSensitive(given, "includeHeader");
    bool header;
    if (cJSON_IsBool(ih)) {
        header = cJSON_IsTrue(ih);
    } else {
        /* A header when row 1 does not fit the types the other rows share
         * (text above numbers), or when every column is text anyway. */
        bool typed = false, misfit = false, any_null = false;
        for (size_t i = 0; i < d.n; i++) {
            int k = d.cols[i].kinds & (K_BOOL | K_INT | K_BIGINT | K_FLOAT | K_DATE | K_TS);
            any_null = any_null || d.cols[i].first_null;
            if (d.rows < 2 || k == 0 || k == (K_BOOL | K_INT | K_BIGINT | K_FLOAT | K_DATE | K_TS))
                continue;
            typed = true;
            misfit = misfit || (d.cols[i].first_kinds & k) == 0;
        }
        header = !any_null && (misfit || !typed);
    }
    bool gz = b->size >= 2 && b->fd < 0 && (unsigned char)b->mem[0] == 0x1f &&
              (unsigned char)b->mem[1] == 0x8b;
    if (b->fd >= 0) {
        unsigned char m[2] = {0, 0};
        gz = pread(b->fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
    }
    cJSON *info = ok ? cJSON_CreateObject() : NULL;
    cJSON *cols = info ? cJSON_AddArrayToObject(info, "tableColumns") : NULL;
    ok = ok && cols != NULL && civis__sim_set(info, "includeHeader", cJSON_CreateBool(header)) &&
         civis__sim_set_str(info, "columnDelimiter", delimiter_name(delim)) &&
         civis__sim_set_str(info, "compression", gz ? "gzip" : "none");
    for (size_t i = 0; ok && i < d.n; i++) {
        col_stat *c = &d.cols[i];
        int k = c->kinds;
        size_t maxlen = c->maxlen;
        if (!header && !c->first_null) {
            k &= c->first_kinds;
            if (c->first_len > maxlen)
                maxlen = c->first_len;
        }
        if (k == ~0)
            k = 0; /* no values at all: text */
        char name[80], type[40];
        if (header && c->first != NULL && c->first[0] != '\0')
            snprintf(name, sizeof(name), "%s", c->first);
        else
            snprintf(name, sizeof(name), "column_%zu", i + 1);
        cJSON *col = cJSON_CreateObject();
        ok = col != NULL && civis__sim_set_str(col, "name", name) &&
             civis__sim_set_str(col, "sqlType", kind_type(k, maxlen, type, sizeof(type))) &&
             cJSON_AddItemToArray(cols, col);
        if (!ok) {
            cJSON_Delete(col);
            snprintf(error, errlen, "out of memory");
        }
    }
    for (size_t i = 0; i < d.n; i++)
        free(d.cols[i].first);
    free(d.cols);
    if (!ok) {
        cJSON_Delete(info);
        return NULL;
    }
    return info;
}

/* ---- loading a table ------------------------------------------------------------ */

typedef enum col_kind { C_TEXT, C_INT, C_FLOAT, C_BOOL, C_DATE, C_TS } col_kind;

typedef struct load_col {
    col_kind kind;
    size_t maxlen; /* VARCHAR(n), or 0 */
    char name[80];
    char type[40];
} load_col;

typedef struct load {
    sqlite3 *db;
    sqlite3_stmt *ins;
    load_col *cols;
    size_t n;
    bool skip_header;
    long max_errors;
    long errors;
    long loaded;
    long file_id;
    char first_bad[400]; /* the first bad row, for the failure message */
    char *error;
    size_t errlen;
    bool failed;
} load;

static col_kind kind_of_type(const char *type, size_t *maxlen)
{
    *maxlen = 0;
    if (strncasecmp(type, "varchar", 7) == 0 || strncasecmp(type, "char", 4) == 0 ||
        strncasecmp(type, "character", 9) == 0) {
        const char *p = strchr(type, '(');
        *maxlen = p ? (size_t)strtoul(p + 1, NULL, 10) : 0;
        return C_TEXT;
    }
    if (strncasecmp(type, "int", 3) == 0 || strncasecmp(type, "bigint", 6) == 0 ||
        strncasecmp(type, "smallint", 8) == 0)
        return C_INT;
    if (strncasecmp(type, "double", 6) == 0 || strncasecmp(type, "float", 5) == 0 ||
        strncasecmp(type, "real", 4) == 0 || strncasecmp(type, "numeric", 7) == 0 ||
        strncasecmp(type, "decimal", 7) == 0)
        return C_FLOAT;
    if (strncasecmp(type, "bool", 4) == 0)
        return C_BOOL;
    if (strcasecmp(type, "date") == 0)
        return C_DATE;
    if (strncasecmp(type, "timestamp", 9) == 0)
        return C_TS;
    return C_TEXT;
}

static void bad_row(load *l, long row, const char *what)
{
    l->errors++;
    if (l->first_bad[0] != '\0')
        return;
    if (l->file_id > 0)
        snprintf(l->first_bad, sizeof(l->first_bad), "row %ld of file %ld: %s", row, l->file_id,
                 what);
    else /* a seeded table's text, not a File */
        snprintf(l->first_bad, sizeof(l->first_bad), "row %ld: %s", row, what);
}

static bool load_row(void *ctx, const char *arena, const sql_field *f, size_t n, long row)
{
    load *l = ctx;
    if (row == 1 && l->skip_header)
        return true;
    if (n != l->n) {
        char what[96];
        snprintf(what, sizeof(what), "%zu fields where the table has %zu columns", n, l->n);
        bad_row(l, row, what);
        return true;
    }
    sqlite3_reset(l->ins);
    for (size_t i = 0; i < n; i++) {
        const char *v = arena + f[i].off;
        const load_col *c = &l->cols[i];
        int pos = (int)i + 1;
        if (f[i].null) {
            sqlite3_bind_null(l->ins, pos);
            continue;
        }
        long long iv;
        double dv;
        int bv;
        bool good = true;
        switch (c->kind) {
        case C_INT:
            good = parse_int(v, &iv);
            if (good)
                sqlite3_bind_int64(l->ins, pos, iv);
            break;
        case C_FLOAT:
            good = parse_float(v, &dv);
            if (good)
                sqlite3_bind_double(l->ins, pos, dv);
            break;
        case C_BOOL:
            bv = cmock__sql_parse_bool(v);
            good = bv >= 0;
            if (good)
                sqlite3_bind_int(l->ins, pos, bv);
            break;
        case C_DATE: good = is_date(v); goto text;
        case C_TS: good = is_ts(v) || is_date(v); goto text;
        case C_TEXT:
            good = c->maxlen == 0 || f[i].len <= c->maxlen;
        text:
            if (good)
                sqlite3_bind_text(l->ins, pos, v, (int)f[i].len, SQLITE_STATIC);
            break;
        }
        if (!good) {
            char what[300];
            snprintf(what, sizeof(what), "column %s %s does not take '%.80s'", c->name, c->type, v);
            bad_row(l, row, what);
            return true;
        }
    }
    if (sqlite3_step(l->ins) != SQLITE_DONE) {
        snprintf(l->error, l->errlen, "%s", sqlite3_errmsg(l->db));
        l->failed = true;
        return false;
    }
    l->loaded++;
    return true;
}

void cmock__sql_quote_ident(char *out, size_t len, const char *name)
{
    size_t o = 0;
    if (len < 3)
        return;
    out[o++] = '"';
    for (const char *p = name; *p && o + 3 < len; p++) {
        if (*p == '"')
            out[o++] = '"';
        out[o++] = *p;
    }
    out[o++] = '"';
    out[o] = '\0';
}

bool cmock__sql_do(sqlite3 *db, const char *sql, char *error, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return true;
    snprintf(error, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return false;
}

bool cmock__sql_table_exists(sql_conn *db, const char *schema, const char *table)
{
    char q[200], sql[400];
    cmock__sql_quote_ident(q, sizeof(q), strcasecmp(schema, "public") == 0 ? "main" : schema);
    snprintf(sql, sizeof(sql),
             "SELECT 1 FROM %s.sqlite_master WHERE type IN ('table','view') AND name = ?1 "
             "COLLATE NOCASE",
             q);
    sqlite3_stmt *st = NULL;
    bool found = false;
    if (cmock__sql_has_schema(db, schema) &&
        sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, table, -1, SQLITE_TRANSIENT);
        found = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return found;
}

static const cJSON *field(const cJSON *o, const char *name)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

/* The table's columns: the given tableColumns, else detected from the first file. */
static bool columns_for(const cJSON *tc, const sim_blob *first, const cJSON *given, bool escaped,
                        load_col **cols, size_t *n, char *error, size_t errlen)
{
    cJSON *detected = NULL;
    if (!cJSON_IsArray(tc) || cJSON_GetArraySize(tc) == 0) {
        if (first == NULL) {
            snprintf(error, errlen, "no file to detect the table's columns from");
            return false;
        }
        detected = escaped ? detect_escaped(first, given, error, errlen)
                           : cmock__sql_detect(first, given, error, errlen);
        if (detected == NULL)
            return false;
        tc = cJSON_GetObjectItemCaseSensitive(detected, "tableColumns");
    }
    size_t count = (size_t)cJSON_GetArraySize(tc);
    *cols = calloc(count ? count : 1, sizeof(**cols));
    if (*cols == NULL) {
        cJSON_Delete(detected);
        snprintf(error, errlen, "out of memory");
        return false;
    }
    size_t i = 0;
    for (const cJSON *c = tc->child; c != NULL; c = c->next, i++) {
        const cJSON *nm = field(c, "name");
        const cJSON *ty = field(c, "sqlType");
        if (ty == NULL)
            ty = field(c, "sql_type");
        load_col *lc = &(*cols)[i];
        if (cJSON_IsString(nm) && nm->valuestring[0])
            snprintf(lc->name, sizeof(lc->name), "%s", nm->valuestring);
        else
            snprintf(lc->name, sizeof(lc->name), "column_%zu", i + 1);
        snprintf(lc->type, sizeof(lc->type), "%s",
                 cJSON_IsString(ty) && ty->valuestring[0] ? ty->valuestring : "VARCHAR(256)");
        for (const char *p = lc->type; *p; p++)
            if (!isalnum((unsigned char)*p) && *p != '(' && *p != ')' && *p != ',' && *p != ' ') {
                snprintf(error, errlen, "column %s: unsupported sql_type '%s'", lc->name, lc->type);
                free(*cols);
                *cols = NULL;
                cJSON_Delete(detected);
                return false;
            }
        lc->kind = kind_of_type(lc->type, &lc->maxlen);
    }
    *n = count;
    cJSON_Delete(detected);
    return true;
}

/* An existing table's own columns decide the types. */
static bool columns_of_table(sqlite3 *db, const char *qs, const char *qt, load *l)
{
    char pragma[440];
    snprintf(pragma, sizeof(pragma), "PRAGMA %s.table_info(%s)", qs, qt);
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(db, pragma, -1, &st, NULL) == SQLITE_OK;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        load_col *c = realloc(l->cols, (l->n + 1) * sizeof(*c));
        if (c == NULL) {
            ok = false;
            break;
        }
        l->cols = c;
        load_col *lc = &l->cols[l->n++];
        memset(lc, 0, sizeof(*lc));
        snprintf(lc->name, sizeof(lc->name), "%s", (const char *)sqlite3_column_text(st, 1));
        const char *ty = (const char *)sqlite3_column_text(st, 2);
        snprintf(lc->type, sizeof(lc->type), "%s", ty ? ty : "");
        lc->kind = kind_of_type(lc->type, &lc->maxlen);
    }
    sqlite3_finalize(st);
    return ok;
}

static bool create_table(sqlite3 *db, const char *full, const load *l, char *error, size_t errlen)
{
    char sql[4096];
    size_t o = (size_t)snprintf(sql, sizeof(sql), "CREATE TABLE %s (", full);
    for (size_t i = 0; i < l->n && o < sizeof(sql); i++) {
        char qc[200];
        cmock__sql_quote_ident(qc, sizeof(qc), l->cols[i].name);
        o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s%s %s", i ? ", " : "", qc,
                              l->cols[i].type);
    }
    if (o + 2 >= sizeof(sql)) {
        snprintf(error, errlen, "too many columns for civis-mock's CREATE TABLE");
        return false;
    }
    snprintf(sql + o, sizeof(sql) - o, ")");
    return cmock__sql_do(db, sql, error, errlen);
}

bool cmock__sql_load(sql_conn *db, const sql_load_opts *o, const sim_blob *const *blobs,
                     const long *fids, size_t n_files, long *loaded, long *bad, char *error,
                     size_t errlen)
{
    const char *mode = o->mode ? o->mode : "fail";
    if (strcmp(mode, "fail") != 0 && strcmp(mode, "truncate") != 0 && strcmp(mode, "append") != 0 &&
        strcmp(mode, "drop") != 0) {
        snprintf(error, errlen,
                 "existing_table_rows must be fail, truncate, append or drop, got '%s'", mode);
        return false;
    }
    if (!cmock__sql_attach(db, o->schema, error, errlen))
        return false;
    char qs[200], qt[200], full[420], sql[4096];
    cmock__sql_quote_ident(qs, sizeof(qs),
                           strcasecmp(o->schema, "public") == 0 ? "main" : o->schema);
    cmock__sql_quote_ident(qt, sizeof(qt), o->table);
    snprintf(full, sizeof(full), "%s.%s", qs, qt);
    bool exists = cmock__sql_table_exists(db, o->schema, o->table);
    if (exists && strcmp(mode, "fail") == 0) {
        snprintf(error, errlen, "Table %s.%s already exists (existing_table_rows is fail)",
                 o->schema, o->table);
        return false;
    }
    load l = {.max_errors = o->max_errors > 0 ? o->max_errors : 0,
              .skip_header = o->skip_header,
              .error = error,
              .errlen = errlen};
    bool ok = cmock__sql_do(db->db, "BEGIN", error, errlen);
    bool in_tx = ok;
    if (ok && exists && strcmp(mode, "drop") == 0) {
        snprintf(sql, sizeof(sql), "DROP TABLE %s", full);
        ok = cmock__sql_do(db->db, sql, error, errlen);
        exists = false;
    }
    if (ok && exists && strcmp(mode, "truncate") == 0) {
        snprintf(sql, sizeof(sql), "DELETE FROM %s", full);
        ok = cmock__sql_do(db->db, sql, error, errlen);
    }
    if (ok && !exists) {
        ok = columns_for(o->table_columns, n_files > 0 ? blobs[0] : NULL, o->detect_given,
                         o->escaped, &l.cols, &l.n, error, errlen) &&
             create_table(db->db, full, &l, error, errlen);
    } else if (ok && !columns_of_table(db->db, qs, qt, &l)) {
        snprintf(error, errlen, "cannot read the columns of %s.%s", o->schema, o->table);
        ok = false;
    }
    if (ok) {
        size_t k = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (", full);
        for (size_t i = 0; i < l.n && k + 8 < sizeof(sql); i++)
            k += (size_t)snprintf(sql + k, sizeof(sql) - k, "%s?", i ? "," : "");
        snprintf(sql + k, sizeof(sql) - k, ")");
        l.db = db->db;
        if (sqlite3_prepare_v2(db->db, sql, -1, &l.ins, NULL) != SQLITE_OK) {
            snprintf(error, errlen, "%s", sqlite3_errmsg(db->db));
            ok = false;
        }
    }
    for (size_t i = 0; ok && i < n_files; i++) {
        l.file_id = fids ? fids[i] : 0;
        ok = cmock__sql_scan(blobs[i], o->delimiter, o->escaped, load_row, &l, error, errlen) &&
             !l.failed;
    }
    if (ok && l.errors > l.max_errors) {
        snprintf(error, errlen, "%ld bad rows, more than max_errors (%ld); the first: %s", l.errors,
                 l.max_errors, l.first_bad);
        ok = false;
    }
    sqlite3_finalize(l.ins);
    free(l.cols);
    if (in_tx) {
        char ignored[8];
        (void)cmock__sql_do(db->db, ok ? "COMMIT" : "ROLLBACK", ignored, sizeof(ignored));
    }
    if (loaded != NULL)
        *loaded = l.loaded;
    if (bad != NULL)
        *bad = l.errors;
    return ok;
}

bool cmock__sql_import_run(sim_req *r, sim_obj *job, sim_run *run, char *error, size_t errlen)
{
    const cJSON *g = job->given;
    const cJSON *dest = field(g, "destination");
    const cJSON *schema = field(dest, "schema");
    const cJSON *table = field(dest, "table");
    const cJSON *ids = field(field(g, "source"), "fileIds");
    if (!cJSON_IsString(schema) || !cJSON_IsString(table)) {
        snprintf(error, errlen, "destination.schema and destination.table are required");
        return false;
    }
    if (!cJSON_IsArray(ids) || cJSON_GetArraySize(ids) == 0) {
        snprintf(error, errlen, "source.file_ids names no file");
        return false;
    }
    /* Every file must be there before anything changes. */
    size_t n_files = (size_t)cJSON_GetArraySize(ids);
    const sim_blob **blobs = calloc(n_files, sizeof(*blobs));
    long *fids = calloc(n_files, sizeof(*fids));
    if (blobs == NULL || fids == NULL) {
        free(blobs);
        free(fids);
        snprintf(error, errlen, "out of memory");
        return false;
    }
    size_t k = 0;
    bool ok = true;
    for (const cJSON *id = ids->child; ok && id != NULL; id = id->next, k++) {
        sim_obj *f =
            cJSON_IsNumber(id) ? civis__sim_obj_get(r->space, (long)id->valuedouble) : NULL;
        if (f == NULL || f->file == NULL || f->file->blob == NULL) {
            snprintf(error, errlen, "file %ld does not exist or was never uploaded",
                     cJSON_IsNumber(id) ? (long)id->valuedouble : -1L);
            ok = false;
        } else {
            blobs[k] = f->file->blob;
            fids[k] = f->id;
        }
    }
    sql_conn *db =
        ok ? cmock__sql_db(r, cmock__sql_job_database(field(dest, "remoteHostId")), error, errlen)
           : NULL;
    const cJSON *etr = field(g, "existingTableRows");
    const cJSON *me = field(g, "maxErrors");
    char delim = given_delimiter(field(g, "columnDelimiter"));
    sql_load_opts o = {
        .schema = schema->valuestring,
        .table = table->valuestring,
        .mode = cJSON_IsString(etr) ? etr->valuestring : "fail",
        .table_columns = field(g, "tableColumns"),
        .detect_given = g,
        .skip_header = cJSON_IsTrue(field(g, "firstRowIsHeader")),
        .delimiter = delim ? delim : ',',
        .escaped = cJSON_IsTrue(field(g, "escaped")),
        .max_errors = cJSON_IsNumber(me) && me->valuedouble > 0 ? (long)me->valuedouble : 0,
    };
    long loaded = 0, bad = 0;
    ok = ok && db != NULL &&
         cmock__sql_load(db, &o, blobs, fids, n_files, &loaded, &bad, error, errlen);
    if (ok) {
        char line[200];
        snprintf(line, sizeof(line), "Loaded %ld rows into %s.%s (%ld bad rows skipped)", loaded,
                 schema->valuestring, table->valuestring, bad);
        (void)civis__sim_run_log(r->space, run, "info", line);
    }
    free(blobs);
    free(fids);
    return ok;
}
