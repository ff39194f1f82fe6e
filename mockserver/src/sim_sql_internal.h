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
    char *schema; /* "public" for main */
    char *name;
} sql_table_id;

struct sim_sqldb {
    sqlite3 *db;
    char *dir;            /* on-disk databases: their directory, else NULL (memory) */
    size_t n_schemas;     /* attached schemas (besides main) */
    sql_table_id *tables; /* tables[id - 1] */
    size_t n_tables, cap_tables;
};

/* The key's database, opened on first use; NULL with the reason in error. */
sim_sqldb *cmock__sql_db(sim_req *r, char *error, size_t errlen);
bool cmock__sql_has_schema(sim_sqldb *db, const char *schema);
/* Attaches `schema` unless it exists ("public" always does). */
bool cmock__sql_attach(sim_sqldb *db, const char *schema, char *error, size_t errlen);
/* Whether schema.table (a table or view) exists. */
bool cmock__sql_table_exists(sim_sqldb *db, const char *schema, const char *table);
/* 1 for t/true/y/yes/1/on, 0 for f/false/n/no/0/off (any case), -1 otherwise. */
int cmock__sql_parse_bool(const char *s);

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

/* Runs `sql` (Redshift, translated); see sim_sql.c. */
bool cmock__sql_exec(sim_req *r, const char *sql, const sql_csv_opts *opts, sim_blob **blob,
                     long preview, cJSON **cols, cJSON **rows, char *error, size_t errlen);

/* sim_sql_csv.c: a CSV import run (files into a table). */
bool cmock__sql_import_run(sim_req *r, sim_obj *job, sim_run *run, char *error, size_t errlen);
/* detectedInfo of a File's bytes for /files/preprocess/csv (types from the data). */
cJSON *cmock__sql_detect(const sim_blob *b, const cJSON *given, char *error, size_t errlen);

#endif /* CIVIS_MOCK_SIM_SQL_INTERNAL_H */
