/*
 * sim_sql.c: a SQLite database per Civis database per API key, and the SQL
 * runs on them.
 *
 * A key's databases open on first use (each with the seeded tables of
 * sim_sql_seed.c): in memory, or, when --state-dir was given, as files in
 * a directory of their own under it (removed at reset and exit: the point
 * is to keep large tables out of RAM, not to persist them). Keeping the
 * default database and each --database apart is what lets a Dbsync import
 * copy a table from one to another. Civis schemas are attached databases
 * ("public" is "main"), attached when a script creates a schema, when a
 * statement names an unknown one in a CREATE, or when an import targets
 * one.
 *
 * A SQL script's run runs its statements in order; the last statement that
 * returns columns is the result, written as the run's output File per
 * csvSettings (header, delimiter, quoting, gzip) while it is read, so a
 * large result never sits in memory whole; force_multifile cuts it into
 * parts with a manifest (sim_sql_multi.c). NULL is an empty field, an
 * empty string is "" so the two stay apart. Queries keep their first
 * previewRows rows for resultRows.
 */
#include <ctype.h>
#include <stdatomic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>
#include <zlib.h>

#include "sim_sql.h"
#include "sim_sql_internal.h"

#define OUT_CHUNK (256 * 1024)
#define MAX_PREVIEW_ROWS 1000
#define DEFAULT_PREVIEW_ROWS 100

/* Directory names of on-disk databases; keys open theirs under their own locks. */
static atomic_ulong db_counter;

/* ---- opening and schemas -------------------------------------------------- */

/* civis_bool(x): what ::boolean means in Redshift, NULL for anything else. */
static void fn_bool(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    int type = sqlite3_value_type(argv[0]);
    if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
        sqlite3_result_int(ctx, sqlite3_value_double(argv[0]) != 0);
        return;
    }
    if (type != SQLITE_TEXT) {
        sqlite3_result_null(ctx);
        return;
    }
    int b = cmock__sql_parse_bool((const char *)sqlite3_value_text(argv[0]));
    if (b < 0)
        sqlite3_result_error(ctx, "invalid input syntax for type boolean", -1);
    else
        sqlite3_result_int(ctx, b);
}

int cmock__sql_parse_bool(const char *s)
{
    static const char *const yes[] = {"t", "true", "y", "yes", "1", "on"};
    static const char *const no[] = {"f", "false", "n", "no", "0", "off"};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(s, yes[i]) == 0)
            return 1;
        if (strcasecmp(s, no[i]) == 0)
            return 0;
    }
    return -1;
}

static void conn_close(sql_conn *db)
{
    if (db == NULL)
        return;
    sqlite3_close(db->db);
    if (db->dir != NULL) {
        char path[700];
        snprintf(path, sizeof(path), "%s/public.db", db->dir);
        unlink(path);
        for (size_t i = 0; i < db->n_schemas; i++) {
            snprintf(path, sizeof(path), "%s/schema-%zu.db", db->dir, i);
            unlink(path);
        }
        rmdir(db->dir);
        free(db->dir);
    }
    free(db);
}

void cmock__sql_close(sim_sqldb *db)
{
    if (db == NULL)
        return;
    for (size_t i = 0; i < db->n_conns; i++)
        conn_close(db->conns[i]);
    free(db->conns);
    for (size_t i = 0; i < db->n_tables; i++) {
        free(db->tables[i].schema);
        free(db->tables[i].name);
    }
    free(db->tables);
    free(db);
}

size_t cmock__sql_n_databases(const civis_sim *sim)
{
    return 1 + sim->n_databases;
}

const char *cmock__sql_database_name(const civis_sim *sim, long id)
{
    if (id < 1 || (size_t)id > cmock__sql_n_databases(sim))
        return NULL;
    return id == 1 ? CIVIS_SQL_DEFAULT_DATABASE : sim->databases[id - 2];
}

long cmock__sql_database_id(const civis_sim *sim, const char *name)
{
    for (size_t i = 0; i < cmock__sql_n_databases(sim); i++)
        if (strcasecmp(cmock__sql_database_name(sim, (long)i + 1), name) == 0)
            return (long)i + 1;
    return 0;
}

long cmock__sql_job_database(const cJSON *value)
{
    return cJSON_IsNumber(value) ? (long)value->valuedouble : 1;
}

static sql_conn *conn_open(sim_req *r, char *error, size_t errlen)
{
    sql_conn *db = calloc(1, sizeof(*db));
    if (db == NULL) {
        snprintf(error, errlen, "out of memory opening the database");
        return NULL;
    }
    char path[700];
    const char *open_path = ":memory:";
    if (!r->sim->own_dir) {
        snprintf(path, sizeof(path), "%s/sql-%d-%lu", r->sim->state_dir, (int)getpid(),
                 atomic_fetch_add(&db_counter, 1) + 1);
        if (mkdir(path, 0700) != 0 || (db->dir = strdup(path)) == NULL) {
            snprintf(error, errlen, "cannot create the database directory %s: %s", path,
                     strerror(errno));
            free(db);
            return NULL;
        }
        snprintf(path, sizeof(path), "%s/public.db", db->dir);
        open_path = path;
    }
    int rc = sqlite3_open_v2(
        open_path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db->db, "civis_bool", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                     NULL, fn_bool, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db->db, "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;", NULL, NULL,
                          NULL);
    if (rc != SQLITE_OK) {
        snprintf(error, errlen, "cannot open the database: %s",
                 db->db ? sqlite3_errmsg(db->db) : sqlite3_errstr(rc));
        conn_close(db);
        return NULL;
    }
    return db;
}

sql_conn *cmock__sql_db(sim_req *r, long id, char *error, size_t errlen)
{
    if (id < 1 || (size_t)id > cmock__sql_n_databases(r->sim)) {
        snprintf(error, errlen, "database %ld does not exist (civis-mock offers %zu)", id,
                 cmock__sql_n_databases(r->sim));
        return NULL;
    }
    sim_sqldb *k = r->space->sqldb;
    if (k == NULL) {
        k = calloc(1, sizeof(*k));
        size_t n = cmock__sql_n_databases(r->sim);
        if (k == NULL || (k->conns = calloc(n, sizeof(*k->conns))) == NULL) {
            free(k);
            snprintf(error, errlen, "out of memory opening the database");
            return NULL;
        }
        k->n_conns = n;
        r->space->sqldb = k;
    }
    if (k->conns[id - 1] != NULL)
        return k->conns[id - 1];
    sql_conn *db = conn_open(r, error, errlen);
    if (db == NULL)
        return NULL;
    /* Seeded tables are there from the first look on. */
    if (!cmock__sql_seed_apply(r->sim, r->space->key, id, db, error, errlen)) {
        conn_close(db);
        return NULL;
    }
    k->conns[id - 1] = db;
    return db;
}

static bool valid_schema_name(const char *s)
{
    if (!isalpha((unsigned char)*s) && *s != '_')
        return false;
    size_t n = 0;
    for (; *s; s++, n++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return n < 64;
}

bool cmock__sql_has_schema(sql_conn *db, const char *schema)
{
    if (strcasecmp(schema, "public") == 0 || strcasecmp(schema, "main") == 0)
        return true;
    sqlite3_stmt *st = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(db->db, "PRAGMA database_list", -1, &st, NULL) == SQLITE_OK)
        while (!found && sqlite3_step(st) == SQLITE_ROW)
            found = strcasecmp((const char *)sqlite3_column_text(st, 1), schema) == 0;
    sqlite3_finalize(st);
    return found;
}

bool cmock__sql_attach(sql_conn *db, const char *schema, char *error, size_t errlen)
{
    if (cmock__sql_has_schema(db, schema))
        return true;
    if (!valid_schema_name(schema)) {
        snprintf(error, errlen,
                 "schema name '%s' is not supported by civis-mock (letters, digits and _, "
                 "at most 63)",
                 schema);
        return false;
    }
    if (db->n_schemas >= CIVIS_SQL_MAX_SCHEMAS) {
        snprintf(error, errlen,
                 "cannot create schema %s: civis-mock holds at most %d schemas besides public "
                 "per API key",
                 schema, CIVIS_SQL_MAX_SCHEMAS);
        return false;
    }
    char file[720];
    if (db->dir != NULL)
        snprintf(file, sizeof(file), "%s/schema-%zu.db", db->dir, db->n_schemas);
    else
        snprintf(file, sizeof(file), ":memory:");
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db->db, "ATTACH DATABASE ?1 AS ?2", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, file, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, schema, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        snprintf(error, errlen, "cannot create schema %s: %s", schema, sqlite3_errmsg(db->db));
        return false;
    }
    if (db->dir != NULL) {
        char sql[128];
        snprintf(sql, sizeof(sql), "PRAGMA \"%s\".journal_mode=MEMORY", schema);
        (void)sqlite3_exec(db->db, sql, NULL, NULL, NULL);
    }
    db->n_schemas++;
    return true;
}

/* ---- result sets as CSV ---------------------------------------------------- */

bool cmock__sql_out_init(sql_out *o, const sql_csv_opts *opts, size_t limit, const char *dir)
{
    memset(o, 0, sizeof(*o));
    o->opts = *opts;
    o->limit = limit;
    o->dir = dir;
    o->blob = civis__sim_blob_new();
    o->buf = malloc(OUT_CHUNK);
    o->zbuf = opts->gzip ? malloc(OUT_CHUNK) : NULL;
    o->ok = o->blob != NULL && o->buf != NULL && (!opts->gzip || o->zbuf != NULL);
    if (o->ok && opts->gzip) {
        o->ok = deflateInit2(&o->zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) ==
                Z_OK; /* speed over size: results are read once */
        o->z_open = o->ok;
    }
    return o->ok;
}

static void out_flush(sql_out *o, bool last)
{
    if (!o->ok)
        return;
    if (!o->opts.gzip) {
        o->ok = civis__sim_blob_write(o->blob, o->buf, o->n, o->limit, o->dir);
        o->n = 0;
        return;
    }
    o->zs.next_in = (Bytef *)o->buf;
    o->zs.avail_in = (uInt)o->n;
    int rc;
    do {
        o->zs.next_out = (Bytef *)o->zbuf;
        o->zs.avail_out = OUT_CHUNK;
        rc = deflate(&o->zs, last ? Z_FINISH : Z_NO_FLUSH);
        size_t have = OUT_CHUNK - o->zs.avail_out;
        if (have > 0)
            o->ok = o->ok && civis__sim_blob_write(o->blob, o->zbuf, have, o->limit, o->dir);
    } while (o->ok && (o->zs.avail_out == 0 || (last && rc != Z_STREAM_END)) && rc != Z_BUF_ERROR);
    o->n = 0;
}

static void out_bytes(sql_out *o, const char *s, size_t n)
{
    while (o->ok && n > 0) {
        size_t room = OUT_CHUNK - o->n;
        size_t k = n < room ? n : room;
        memcpy(o->buf + o->n, s, k);
        o->n += k;
        s += k;
        n -= k;
        if (o->n == OUT_CHUNK)
            out_flush(o, false);
    }
}

void cmock__sql_out_field(sql_out *o, size_t col, const char *s, size_t n, bool null)
{
    char d = o->opts.delimiter;
    if (col > 0)
        out_bytes(o, &d, 1);
    if (null)
        return;
    bool quote = !o->opts.unquoted && n == 0;
    for (size_t i = 0; !o->opts.unquoted && !quote && i < n; i++)
        quote = s[i] == d || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        out_bytes(o, s, n);
        return;
    }
    out_bytes(o, "\"", 1);
    const char *start = s;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '"') {
            out_bytes(o, start, (size_t)(s + i + 1 - start));
            out_bytes(o, "\"", 1);
            start = s + i + 1;
        }
    out_bytes(o, start, (size_t)(s + n - start));
    out_bytes(o, "\"", 1);
}

void cmock__sql_out_eol(sql_out *o)
{
    out_bytes(o, "\n", 1);
}

sim_blob *cmock__sql_out_finish(sql_out *o)
{
    out_flush(o, true);
    if (o->z_open)
        deflateEnd(&o->zs);
    free(o->buf);
    free(o->zbuf);
    sim_blob *b = o->blob;
    if (!o->ok) {
        civis__sim_blob_free(b);
        b = NULL;
    }
    memset(o, 0, sizeof(*o));
    return b;
}

/* Redshift names an unnamed expression column "?column?" and an aggregate
 * by its function ("count"); SQLite uses the expression's text. */
static void column_name(char *out, size_t len, const char *name)
{
    bool ident = name[0] != '\0' && !isdigit((unsigned char)name[0]);
    for (const char *p = name; ident && *p; p++)
        ident = isalnum((unsigned char)*p) || *p == '_' || (unsigned char)*p >= 0x80;
    if (ident) {
        snprintf(out, len, "%s", name);
        return;
    }
    size_t n = 0;
    while (isalnum((unsigned char)name[n]) || name[n] == '_')
        n++;
    if (n > 0 && name[n] == '(' && !isdigit((unsigned char)name[0])) {
        snprintf(out, len, "%.*s", (int)n, name);
        for (char *p = out; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    } else {
        snprintf(out, len, "?column?");
    }
}

static bool bool_column(sqlite3_stmt *st, int i)
{
    const char *d = sqlite3_column_decltype(st, i);
    return d != NULL && (strcasecmp(d, "boolean") == 0 || strcasecmp(d, "bool") == 0);
}

/* The text of column i of the current row into buf (numbers) or *s. */
static bool cell(sqlite3_stmt *st, int i, char *buf, size_t len, const char **s, size_t *n)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: return false;
    case SQLITE_INTEGER: {
        long long v = sqlite3_column_int64(st, i);
        if (bool_column(st, i) && (v == 0 || v == 1))
            snprintf(buf, len, "%s", v ? "true" : "false");
        else
            snprintf(buf, len, "%lld", v);
        *s = buf;
        *n = strlen(buf);
        return true;
    }
    case SQLITE_FLOAT: {
        double v = sqlite3_column_double(st, i);
        snprintf(buf, len, "%.15g", v);
        if (strtod(buf, NULL) != v)
            snprintf(buf, len, "%.17g", v);
        *s = buf;
        *n = strlen(buf);
        return true;
    }
    default:
        *s = (const char *)sqlite3_column_text(st, i);
        *n = (size_t)sqlite3_column_bytes(st, i);
        if (*s == NULL)
            *s = "";
        return true;
    }
}

/* One statement that returns columns: its rows into `o` (when not NULL)
 * and the first `preview` rows into *cols and *rows (when not NULL). */
static int result_set(sqlite3_stmt *st, sql_out *o, long preview, cJSON **cols, cJSON **rows)
{
    int ncol = sqlite3_column_count(st);
    char name[128], num[64];
    bool ok = true;
    if (cols != NULL) {
        *cols = cJSON_CreateArray();
        *rows = cJSON_CreateArray();
        ok = *cols != NULL && *rows != NULL;
    }
    for (int i = 0; ok && i < ncol; i++) {
        column_name(name, sizeof(name), sqlite3_column_name(st, i));
        if (o != NULL && o->opts.header)
            cmock__sql_out_field(o, (size_t)i, name, strlen(name), false);
        if (cols != NULL)
            ok = cJSON_AddItemToArray(*cols, cJSON_CreateString(name));
    }
    if (o != NULL && o->opts.header)
        cmock__sql_out_eol(o);
    long n = 0;
    int rc;
    while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *row = cols != NULL && n < preview ? cJSON_CreateArray() : NULL;
        if (cols != NULL && n < preview && row == NULL)
            ok = false;
        for (int i = 0; ok && i < ncol; i++) {
            const char *s = NULL;
            size_t len = 0;
            bool has = cell(st, i, num, sizeof(num), &s, &len);
            if (o != NULL)
                cmock__sql_out_field(o, (size_t)i, s, len, !has);
            if (row != NULL) {
                cJSON *v = has ? cJSON_CreateString(s) : cJSON_CreateNull();
                ok = v != NULL && cJSON_AddItemToArray(row, v);
                if (!ok)
                    cJSON_Delete(v);
            }
        }
        if (o != NULL) {
            cmock__sql_out_eol(o);
            ok = ok && o->ok;
        }
        if (row != NULL && (!ok || !cJSON_AddItemToArray(*rows, row))) {
            cJSON_Delete(row);
            ok = false;
        }
        n++;
    }
    if (!ok)
        return SQLITE_NOMEM;
    return rc;
}

/* ---- running a script ------------------------------------------------------ */

static const cJSON *given(const sim_obj *job, const char *name)
{
    return job->given ? cJSON_GetObjectItemCaseSensitive(job->given, name) : NULL;
}

static const cJSON *setting(const sim_obj *job, const char *name)
{
    const cJSON *cs = given(job, "csvSettings");
    return cJSON_IsObject(cs) ? cJSON_GetObjectItemCaseSensitive(cs, name) : NULL;
}

static char delimiter_char(const cJSON *d, char fallback)
{
    if (!cJSON_IsString(d))
        return fallback;
    if (strcmp(d->valuestring, "tab") == 0)
        return '\t';
    if (strcmp(d->valuestring, "pipe") == 0)
        return '|';
    if (strcmp(d->valuestring, "comma") == 0)
        return ',';
    return fallback;
}

/* "{{name}}" placeholders replaced by the script's arguments (params
 * declare them; missing ones take their default). */
static char *substitute_from(const cJSON *args, const cJSON *params, const char *sql, char *error,
                             size_t errlen)
{
    size_t cap = strlen(sql) + 1, n = 0;
    char *out = malloc(cap);
    if (out == NULL) {
        snprintf(error, errlen, "out of memory");
        return NULL;
    }
    for (const char *p = sql; *p;) {
        const char *close = strncmp(p, "{{", 2) == 0 ? strstr(p + 2, "}}") : NULL;
        const char *value = NULL;
        size_t vlen = 0;
        char name[128];
        if (close != NULL && (size_t)(close - p - 2) < sizeof(name)) {
            size_t k = 0;
            for (const char *q = p + 2; q < close; q++)
                if (!isspace((unsigned char)*q))
                    name[k++] = *q;
            name[k] = '\0';
            const cJSON *a =
                cJSON_IsObject(args) ? cJSON_GetObjectItemCaseSensitive(args, name) : NULL;
            for (const cJSON *pr = cJSON_IsArray(params) ? params->child : NULL;
                 a == NULL && pr != NULL; pr = pr->next) {
                const cJSON *pn = cJSON_GetObjectItemCaseSensitive(pr, "name");
                if (cJSON_IsString(pn) && strcmp(pn->valuestring, name) == 0)
                    a = cJSON_GetObjectItemCaseSensitive(pr, "default");
            }
            char num[64];
            if (cJSON_IsString(a)) {
                value = a->valuestring;
            } else if (cJSON_IsNumber(a)) {
                snprintf(num, sizeof(num), "%.15g", a->valuedouble);
                value = num;
            } else if (cJSON_IsBool(a)) {
                value = cJSON_IsTrue(a) ? "true" : "false";
            } else {
                snprintf(error, errlen,
                         "the SQL names the parameter {{%s}} but no argument gives it", name);
                free(out);
                return NULL;
            }
            vlen = strlen(value);
            if (n + vlen + strlen(close + 2) + 1 > cap) {
                cap = n + vlen + strlen(close + 2) + 1;
                char *g = realloc(out, cap);
                if (g == NULL) {
                    free(out);
                    snprintf(error, errlen, "out of memory");
                    return NULL;
                }
                out = g;
            }
            memcpy(out + n, value, vlen);
            n += vlen;
            p = close + 2;
            continue;
        }
        if (n + 2 > cap) {
            char *g = realloc(out, cap * 2);
            if (g == NULL) {
                free(out);
                snprintf(error, errlen, "out of memory");
                return NULL;
            }
            out = g;
            cap *= 2;
        }
        out[n++] = *p++;
    }
    out[n] = '\0';
    return out;
}

static char *substitute(const sim_obj *job, const char *sql, char *error, size_t errlen)
{
    /* arguments is free-form, so the store keeps it as the raw text it came
     * in (see civis__sim_to_stored): parsed here, once a run. */
    const cJSON *args = given(job, "arguments");
    cJSON *parsed = NULL;
    if (cJSON_IsRaw(args) && (parsed = cJSON_Parse(args->valuestring)) == NULL) {
        snprintf(error, errlen, "out of memory");
        return NULL;
    }
    char *out = substitute_from(parsed ? parsed : args, given(job, "params"), sql, error, errlen);
    cJSON_Delete(parsed);
    return out;
}

/* Runs every statement of `sql` in order. The last one with columns is
 * the result: into *blob (when blob is not NULL) per `opts`, and into
 * *cols and *rows up to `preview` rows (when cols is not NULL). */
bool cmock__sql_exec(sim_req *r, long dbid, const char *sql, const sql_csv_opts *opts,
                     sim_blob **blob, long preview, cJSON **cols, cJSON **rows, char *error,
                     size_t errlen)
{
    sql_conn *db = cmock__sql_db(r, dbid, error, errlen);
    if (db == NULL)
        return false;
    char schemas[CIVIS_SQL_MAX_SCHEMAS][64];
    size_t n_schemas = 0;
    char *text =
        cmock__sql_translate(sql, error, errlen, schemas, CIVIS_SQL_MAX_SCHEMAS, &n_schemas);
    if (text == NULL)
        return false;
    for (size_t i = 0; i < n_schemas; i++)
        if (!cmock__sql_attach(db, schemas[i], error, errlen)) {
            free(text);
            return false;
        }
    bool ok = true;
    const char *tail = text;
    int retries = 0;
    while (ok && *tail != '\0') {
        sqlite3_stmt *st = NULL;
        const char *next = NULL;
        int rc = sqlite3_prepare_v2(db->db, tail, -1, &st, &next);
        if (rc != SQLITE_OK) {
            const char *msg = sqlite3_errmsg(db->db);
            if (strncmp(msg, "unknown database ", 17) == 0 && retries++ < CIVIS_SQL_MAX_SCHEMAS) {
                char name[64];
                snprintf(name, sizeof(name), "%s", msg + 17);
                ok = cmock__sql_attach(db, name, error, errlen);
                continue;
            }
            snprintf(error, errlen, "%s", msg);
            ok = false;
            break;
        }
        tail = next;
        if (st == NULL)
            continue;
        if (sqlite3_column_count(st) > 0) {
            sql_out o;
            bool want_file = blob != NULL;
            if (want_file && !cmock__sql_out_init(&o, opts, r->sim->mem_limit, r->sim->state_dir))
                rc = SQLITE_NOMEM;
            cJSON *c = NULL, *w = NULL;
            if (rc == SQLITE_OK)
                rc = result_set(st, want_file ? &o : NULL, preview, cols ? &c : NULL,
                                cols ? &w : NULL);
            sim_blob *b = want_file ? cmock__sql_out_finish(&o) : NULL;
            if (rc == SQLITE_DONE && (!want_file || b != NULL)) {
                if (want_file) {
                    civis__sim_blob_free(*blob);
                    *blob = b;
                }
                if (cols != NULL) {
                    cJSON_Delete(*cols);
                    cJSON_Delete(*rows);
                    *cols = c;
                    *rows = w;
                }
            } else {
                civis__sim_blob_free(b);
                cJSON_Delete(c);
                cJSON_Delete(w);
                if (rc == SQLITE_DONE)
                    rc = SQLITE_NOMEM;
            }
        } else {
            while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                ;
        }
        if (rc != SQLITE_DONE) {
            snprintf(error, errlen, "%s",
                     rc == SQLITE_NOMEM ? "out of memory" : sqlite3_errmsg(db->db));
            ok = false;
        }
        sqlite3_finalize(st);
    }
    free(text);
    return ok;
}

/* ---- runs ------------------------------------------------------------------ */

static const char *coll_key(const sim_req *r, const sim_obj *job)
{
    return job->coll >= 0 ? r->sim->colls[job->coll].key : "";
}

bool cmock__sql_owns_job(const sim_req *r, const sim_obj *job)
{
    if (job->coll < 0)
        return false;
    const sim_coll *c = &r->sim->colls[job->coll];
    if (c->sql || c->starts_run)
        return job->csv == NULL && r->space->csv == NULL && r->sim->csv == NULL;
    return strcmp(c->key, "/imports/files/csv") == 0 || cmock__sql_is_dbsync(r, job);
}

static bool sql_script_run(sim_req *r, sim_obj *job, sim_run *run, char *error, size_t errlen)
{
    const cJSON *sql = given(job, "sql");
    if (!cJSON_IsString(sql)) {
        snprintf(error, errlen, "the script has no SQL");
        return false;
    }
    char *text = substitute(job, sql->valuestring, error, errlen);
    if (text == NULL)
        return false;
    bool query = r->sim->colls[job->coll].starts_run;
    const cJSON *comp = setting(job, "compression");
    const cJSON *unq = setting(job, "unquoted");
    sql_csv_opts opts = {
        .header = !cJSON_IsFalse(setting(job, "includeHeader")),
        .delimiter = delimiter_char(setting(job, "columnDelimiter"), ','),
        .unquoted = cJSON_IsTrue(unq),
        .gzip = !(cJSON_IsString(comp) && strcmp(comp->valuestring, "none") == 0),
    };
    const cJSON *pr = given(job, "previewRows");
    long preview =
        cJSON_IsNumber(pr) && pr->valuedouble >= 0 ? (long)pr->valuedouble : DEFAULT_PREVIEW_ROWS;
    if (preview > MAX_PREVIEW_ROWS)
        preview = MAX_PREVIEW_ROWS;
    long dbid = cmock__sql_job_database(given(job, query ? "database" : "remoteHostId"));
    if (!query && cJSON_IsTrue(setting(job, "forceMultifile"))) {
        bool done = cmock__sql_multifile(r, job, run, dbid, text, &opts, error, errlen);
        free(text);
        return done;
    }
    sim_blob *blob = NULL;
    cJSON *cols = NULL, *rows = NULL;
    bool ok = cmock__sql_exec(r, dbid, text, &opts, query ? NULL : &blob, preview,
                              query ? &cols : NULL, query ? &rows : NULL, error, errlen);
    free(text);
    if (ok && query) {
        cJSON *p = cJSON_CreateObject();
        if (p == NULL || !civis__sim_set(p, "resultColumns", cols ? cols : cJSON_CreateArray()) ||
            !civis__sim_set(p, "resultRows", rows ? rows : cJSON_CreateArray())) {
            cJSON_Delete(p);
            snprintf(error, errlen, "out of memory");
            return false;
        }
        cJSON_Delete(run->preview);
        run->preview = p;
        return true;
    }
    cJSON_Delete(cols);
    cJSON_Delete(rows);
    if (!ok)
        return false;
    if (blob == NULL) /* no statement returned columns: nothing to export */
        return true;
    const cJSON *prefix = setting(job, "filenamePrefix");
    char name[160];
    snprintf(name, sizeof(name), "%s.csv%s",
             cJSON_IsString(prefix) && prefix->valuestring[0] ? prefix->valuestring : "output",
             opts.gzip ? ".gz" : "");
    sim_obj *file =
        civis__sim_file_from_bytes(r, name, opts.gzip ? "application/gzip" : "text/csv", "", 0);
    if (file == NULL) {
        civis__sim_blob_free(blob);
        snprintf(error, errlen, "out of memory");
        return false;
    }
    civis__sim_blob_free(file->file->blob);
    file->file->blob = blob;
    run->output_file_id = file->id;
    cJSON *o = cJSON_CreateObject();
    bool added = o != NULL && civis__sim_set_str(o, "objectType", "File") &&
                 civis__sim_set_num(o, "objectId", (double)file->id) &&
                 civis__sim_set_str(o, "name", name) && cJSON_AddItemToArray(run->outputs, o);
    if (!added) {
        cJSON_Delete(o);
        snprintf(error, errlen, "out of memory");
    }
    return added;
}

bool cmock__sql_run(sim_req *r, sim_obj *job, sim_run *run, char *error, size_t errlen)
{
    if (!cmock__sql_owns_job(r, job))
        return true;
    const sim_coll *c = &r->sim->colls[job->coll];
    if (c->sql || c->starts_run)
        return sql_script_run(r, job, run, error, errlen);
    if (strcmp(coll_key(r, job), "/imports/files/csv") == 0)
        return cmock__sql_import_run(r, job, run, error, errlen);
    if (cmock__sql_is_dbsync(r, job))
        return cmock__sql_sync_run(r, job, run, error, errlen);
    return true;
}
