/*
 * sim_sql.h: the SQL engine of the simulation. Every API key gets a
 * SQLite database per Civis database (sim_sql.c); Civis schemas are
 * attached SQLite databases,
 * so "schema.table" works, and "public" is SQLite's "main". Redshift SQL
 * goes through a small translation first (sim_sql_translate.c); CSV files
 * load into tables and type detection lives in sim_sql_csv.c.
 *
 * Everything here runs under the space's lock (the seeds' changes under
 * civis__sim_lock_all).
 */
#ifndef CIVIS_MOCK_SIM_SQL_H
#define CIVIS_MOCK_SIM_SQL_H

#include <stdbool.h>
#include <stddef.h>

#include "sim.h"

/* Names and ids the platform objects carry. */
#define CIVIS_SQL_DEFAULT_DATABASE "civis-mock"
#define CIVIS_SQL_CREDENTIAL_ID 900000001L /* the default Database credential of every key */
#define CIVIS_SQL_MAX_SCHEMAS 8            /* SQLite attaches at most 10 databases */

/* Seeded tables (sim_sql_seed.c): how many, and their CSV bytes in all. */
#define CIVIS_SQL_MAX_SEEDS 64
#define CIVIS_SQL_MAX_SEED_BYTES ((size_t)64 * 1024 * 1024)

typedef struct sim_sqldb sim_sqldb;

/* Closes a key's database and removes its files (reset, exit). */
void cmock__sql_close(sim_sqldb *db);

/* Answers the database, table and credential operations the SQL engine
 * owns (databases.*, tables.list/get, credentials.list/get of the default
 * credential). False when `op` is not one of them. Runs under the lock. */
bool cmock__sql_handle(sim_req *r);
/* Whether cmock__sql_handle answers `op` (checked before taking the lock). */
bool cmock__sql_owns(const civis_operation *op, const cmock_request *req);

/* Runs a finished run's work for the jobs the engine owns: SQL scripts and
 * queries (the SQL, with its result as the run's output file or preview),
 * CSV imports (files into a table) and Dbsync imports (a table copy).
 * Returns false with a message in `error` (naming the object or construct)
 * when the run must fail; true for jobs it does not own too. */
bool cmock__sql_run(sim_req *r, sim_obj *job, sim_run *run, char *error, size_t errlen);
/* Whether the engine owns `job`'s runs (a declared result set wins). */
bool cmock__sql_owns_job(const sim_req *r, const sim_obj *job);

/* Seeds the tables of --table texts ("[DB:]schema.name=FILE") and of the
 * fixtures' "tables" (may be NULL), checking each. Prints its own error;
 * returns -1 to go on or exit status 2, as main.c's steps do. */
int cmock__sql_seed_install(civis_sim *sim, const char *const *flags, size_t n_flags,
                            const cJSON *fixture_tables);
/* GET and POST /__mock/tables; `key` (may be NULL) scopes new seeds. */
void cmock__sql_seed_admin(civis_sim *sim, const cmock_request *req, cmock_reply *reply,
                           const char *key);
/* Forgets the seeds the admin API declared (with every space locked). */
void cmock__sql_seed_reset(civis_sim *sim);
void cmock__sql_seed_free(civis_sim *sim);

/* "schema.table" split as civis.io.split_schema_tablename does (double
 * quotes protect dots; one part means public). False when malformed. */
bool cmock__sql_split_table(const char *path, char *schema, size_t slen, char *table, size_t tlen);

/* ---- inside the engine ------------------------------------------------- */

/* Translates Redshift SQL into SQLite SQL (sim_sql_translate.c). Returns a
 * malloc'd string, or NULL with the reason in `error` (an untranslatable
 * construct is named) or "out of memory". `schemas` gets the names of
 * CREATE SCHEMA statements (at most max_schemas, each < 64 bytes). */
char *cmock__sql_translate(const char *sql, char *error, size_t errlen, char (*schemas)[64],
                           size_t max_schemas, size_t *n_schemas);

#endif /* CIVIS_MOCK_SIM_SQL_H */
