/*
 * sim_sql_internal.h: what the SQL engine's files share (sim_sql.c,
 * sim_sql_api.c, sim_sql_csv.c). Nothing else includes it.
 */
#ifndef CIVIS_MOCK_SIM_SQL_INTERNAL_H
#define CIVIS_MOCK_SIM_SQL_INTERNAL_H

#include <sqlite3.h>
#include <zlib.h>

#include "sim_sql.h"

/* A table the tables API has shown, so its id stays the same. */
typedef struct sql_table_id {
    long database; /* the database's id (1 for the default) */
    char *schema;  /* "public" for main */
    char *name;
} sql_table_id;

/* One database of one key: its own SQLite database, so the default
 * database and each --database NAME hold different tables. */
typedef struct sql_conn {
    sqlite3 *db;
    char *dir;        /* on-disk databases: their directory, else NULL (memory) */
    size_t n_schemas; /* attached schemas (besides main) */
} sql_conn;

/* A key's databases (the space's sqldb). */
struct sim_sqldb {
    sql_conn **conns;     /* conns[id - 1], NULL until that database is first used */
    size_t n_conns;       /* 1 + the --database count */
    sql_table_id *tables; /* tables[id - 1] over every database of the key */
    size_t n_tables, cap_tables;
};

/* How many databases the key sees: the default and every --database. */
size_t cmock__sql_n_databases(const civis_sim *sim);
/* The name of database `id` (1-based), or NULL when there is none. */
const char *cmock__sql_database_name(const civis_sim *sim, long id);
/* The id of the database named `name` (any case), or 0. */
long cmock__sql_database_id(const civis_sim *sim, const char *name);

/* Database `id` of the request's key, opened (and seeded) on first use;
 * NULL with the reason in error (an unknown id is named). */
sql_conn *cmock__sql_db(sim_req *r, long id, char *error, size_t errlen);
/* The id a job's remote host field names (1 when absent). */
long cmock__sql_job_database(const cJSON *value);
bool cmock__sql_has_schema(sql_conn *db, const char *schema);
/* Attaches `schema` unless it exists ("public" always does). */
bool cmock__sql_attach(sql_conn *db, const char *schema, char *error, size_t errlen);
/* Whether schema.table (a table or view) exists. */
bool cmock__sql_table_exists(sql_conn *db, const char *schema, const char *table);
/* Runs SQL with no result rows; false with SQLite's message in error. */
bool cmock__sql_do(sqlite3 *db, const char *sql, char *error, size_t errlen);
/* 1 for t/true/y/yes/1/on, 0 for f/false/n/no/0/off (any case), -1 otherwise. */
int cmock__sql_parse_bool(const char *s);
/* "name" in double quotes, inner quotes doubled, into out. */
void cmock__sql_quote_ident(char *out, size_t len, const char *name);

/* How a result set is written. */
typedef struct sql_csv_opts {
    bool header;
    char delimiter;
    bool unquoted;
    bool gzip;
} sql_csv_opts;

/* A CSV writer into a blob, gzip-compressed on the fly when asked. */
typedef struct sql_out {
    sql_csv_opts opts;
    sim_blob *blob;
    char *buf, *zbuf;
    size_t n;
    z_stream zs;
    bool z_open;
    bool ok;
    size_t limit;
    const char *dir;
} sql_out;

bool cmock__sql_out_init(sql_out *o, const sql_csv_opts *opts, size_t limit, const char *dir);
/* Field `col` of the current row (col 0 starts the row); null: an empty field. */
void cmock__sql_out_field(sql_out *o, size_t col, const char *s, size_t n, bool null);
void cmock__sql_out_eol(sql_out *o);
/* The finished blob (owned by the caller), or NULL when a write failed. */
sim_blob *cmock__sql_out_finish(sql_out *o);

/* Runs `sql` (Redshift, translated) on database `dbid`; see sim_sql.c. */
bool cmock__sql_exec(sim_req *r, long dbid, const char *sql, const sql_csv_opts *opts,
                     sim_blob **blob, long preview, cJSON **cols, cJSON **rows, char *error,
                     size_t errlen);

/* sim_sql_scan.c: the rows of a file (gunzipped when gzip). A field is
 * arena[off, off + len), NUL-terminated; null for an empty unquoted one. */
typedef struct sql_field {
    size_t off, len;
    bool null;
} sql_field;
/* Called per row (row from 1); false stops the scan. */
typedef bool (*sql_row_fn)(void *ctx, const char *arena, const sql_field *f, size_t n, long row);
/* Every row of `b` (CSV, or backslash-escaped with `escaped`) through fn.
 * False with the reason in error when the file cannot be read or parsed
 * (not when fn stops it). */
bool cmock__sql_scan(const sim_blob *b, char delim, bool escaped, sql_row_fn fn, void *ctx,
                     char *error, size_t errlen);
/* Up to cap bytes of the start of `b`, gunzipped: what delimiter detection reads. */
size_t cmock__sql_head(const sim_blob *b, char *buf, size_t cap);

/* How a file loads into a table (sim_sql_csv.c). */
typedef struct sql_load_opts {
    const char *schema, *table;
    const char *mode;           /* existing_table_rows: fail, truncate, append or drop */
    const cJSON *table_columns; /* [{name, sqlType|sql_type}], or NULL to detect */
    const cJSON *detect_given;  /* hints for detection (includeHeader, columnDelimiter) */
    bool skip_header;           /* first_row_is_header */
    char delimiter;
    bool escaped; /* backslash escapes (Redshift's ESCAPE), no CSV quoting */
    long max_errors;
} sql_load_opts;

/* Loads `n` files (ids in fids, for messages) into a table of `db` in one
 * transaction; *loaded and *bad (may be NULL) get the row counts. */
bool cmock__sql_load(sql_conn *db, const sql_load_opts *o, const sim_blob *const *blobs,
                     const long *fids, size_t n, long *loaded, long *bad, char *error,
                     size_t errlen);

/* sim_sql_csv.c: a CSV import run (files into a table). */
bool cmock__sql_import_run(sim_req *r, sim_obj *job, sim_run *run, char *error, size_t errlen);
/* detectedInfo of a File's bytes for /files/preprocess/csv (types from the data). */
cJSON *cmock__sql_detect(const sim_blob *b, const cJSON *given, char *error, size_t errlen);

/* sim_sql_sync.c: a Dbsync import run (a table copied between databases). */
bool cmock__sql_sync_run(sim_req *r, sim_obj *job, sim_run *run, char *error, size_t errlen);
/* Whether `job` is a Dbsync import. */
bool cmock__sql_is_dbsync(const sim_req *r, const sim_obj *job);

/* sim_sql_multi.c: a result set as several files and a manifest
 * (csv_settings.force_multifile). */
bool cmock__sql_multifile(sim_req *r, sim_obj *job, sim_run *run, long dbid, const char *sql,
                          const sql_csv_opts *opts, char *error, size_t errlen);

/* sim_sql_seed.c: seeded tables, loaded into every database when it opens. */
bool cmock__sql_seed_apply(const civis_sim *sim, const char *key, long dbid, sql_conn *db,
                           char *error, size_t errlen);

#endif /* CIVIS_MOCK_SIM_SQL_INTERNAL_H */
