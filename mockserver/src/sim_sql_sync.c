/*
 * sim_sql_sync.c: Dbsync imports, the platform's table copy between two
 * databases (civis.io.transfer_table). The import names the source and
 * destination databases (remoteHostId); each of its syncs names a source
 * and a destination table ("schema.table"; no schema means public) and
 * advancedOptions.existingTableRows (fail by default, as the platform's).
 * A run copies every sync's table: the columns with their declared types
 * and every row, in one transaction on the destination, so a failed copy
 * leaves the destination as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_sql_internal.h"

#define SYNCS_KEY "/imports/{}/syncs"

static const cJSON *field(const cJSON *o, const char *name)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;
}

bool cmock__sql_is_dbsync(const sim_req *r, const sim_obj *job)
{
    if (job->coll < 0 || strcmp(r->sim->colls[job->coll].key, "/imports") != 0)
        return false;
    const cJSON *t = field(job->given, "syncType");
    return cJSON_IsString(t) && strcasecmp(t->valuestring, "Dbsync") == 0;
}

/*
 * "schema.table" as civis.io.split_schema_tablename reads it: '.' splits,
 * double quotes protect a part and "" inside them is one quote. One part
 * is a table of public; more than two is an error.
 */
bool cmock__sql_split_table(const char *path, char *schema, size_t slen, char *table, size_t tlen)
{
    char parts[2][128];
    size_t n = 0, k = 0;
    bool quoted = false;
    parts[0][0] = parts[1][0] = '\0';
    for (const char *p = path;; p++) {
        if (*p == '\0' || (*p == '.' && !quoted)) {
            if (n >= 2 || quoted)
                return false;
            parts[n][k] = '\0';
            n++;
            k = 0;
            if (*p == '\0')
                break;
            continue;
        }
        if (*p == '"') {
            if (quoted && p[1] == '"') {
                p++;
            } else {
                quoted = !quoted;
                continue;
            }
        }
        if (k + 1 >= sizeof(parts[0]))
            return false;
        parts[n][k++] = *p;
    }
    if (n == 1) {
        snprintf(schema, slen, "public");
        snprintf(table, tlen, "%s", parts[0]);
    } else {
        snprintf(schema, slen, "%s", parts[0]);
        snprintf(table, tlen, "%s", parts[1]);
    }
    return schema[0] != '\0' && table[0] != '\0';
}

typedef struct table_ref {
    long dbid;
    const char *db_name;
    char schema[128], table[128];
    char full[600]; /* "schema"."table" as SQLite names it */
} table_ref;

static bool table_ref_init(table_ref *t, const civis_sim *sim, long dbid, const cJSON *path,
                           const char *side, char *error, size_t errlen)
{
    t->dbid = dbid;
    t->db_name = cmock__sql_database_name(sim, dbid);
    if (!cJSON_IsString(path) ||
        !cmock__sql_split_table(path->valuestring, t->schema, sizeof(t->schema), t->table,
                                sizeof(t->table))) {
        snprintf(error, errlen, "the sync's %s.path must be a table name \"schema.table\", got %s",
                 side, cJSON_IsString(path) ? path->valuestring : "nothing");
        return false;
    }
    char qs[280], qt[280];
    cmock__sql_quote_ident(qs, sizeof(qs),
                           strcasecmp(t->schema, "public") == 0 ? "main" : t->schema);
    cmock__sql_quote_ident(qt, sizeof(qt), t->table);
    snprintf(t->full, sizeof(t->full), "%s.%s", qs, qt);
    return true;
}

/* CREATE TABLE dst with src's columns and declared types. */
static bool create_like(sql_conn *src, const table_ref *s, sql_conn *dst, const table_ref *d,
                        char *error, size_t errlen)
{
    char qs[280], qt[280], sql[8192];
    cmock__sql_quote_ident(qs, sizeof(qs),
                           strcasecmp(s->schema, "public") == 0 ? "main" : s->schema);
    cmock__sql_quote_ident(qt, sizeof(qt), s->table);
    snprintf(sql, sizeof(sql), "PRAGMA %s.table_info(%s)", qs, qt);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(src->db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(error, errlen, "%s", sqlite3_errmsg(src->db));
        return false;
    }
    size_t o = (size_t)snprintf(sql, sizeof(sql), "CREATE TABLE %s (", d->full);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && o < sizeof(sql)) {
        char qc[280];
        const char *type = (const char *)sqlite3_column_text(st, 2);
        cmock__sql_quote_ident(qc, sizeof(qc), (const char *)sqlite3_column_text(st, 1));
        o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s%s %s", n++ ? ", " : "", qc,
                              type ? type : "");
    }
    sqlite3_finalize(st);
    if (o + 2 >= sizeof(sql)) {
        snprintf(error, errlen, "too many columns in %s.%s for civis-mock's copy", s->schema,
                 s->table);
        return false;
    }
    snprintf(sql + o, sizeof(sql) - o, ")");
    return cmock__sql_do(dst->db, sql, error, errlen);
}

/* Every row of s into d (both prepared); the number copied, -1 on error. */
static long copy_rows(sql_conn *src, const table_ref *s, sql_conn *dst, const table_ref *d,
                      char *error, size_t errlen)
{
    char sql[1400];
    snprintf(sql, sizeof(sql), "SELECT * FROM %s", s->full);
    sqlite3_stmt *sel = NULL, *ins = NULL;
    if (sqlite3_prepare_v2(src->db, sql, -1, &sel, NULL) != SQLITE_OK) {
        snprintf(error, errlen, "%s", sqlite3_errmsg(src->db));
        return -1;
    }
    int ncol = sqlite3_column_count(sel);
    size_t o = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s VALUES (", d->full);
    for (int i = 0; i < ncol && o + 8 < sizeof(sql); i++)
        o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s?", i ? "," : "");
    snprintf(sql + o, sizeof(sql) - o, ")");
    if (sqlite3_prepare_v2(dst->db, sql, -1, &ins, NULL) != SQLITE_OK) {
        snprintf(error, errlen, "%s.%s in %s: %s", d->schema, d->table, d->db_name,
                 sqlite3_errmsg(dst->db));
        sqlite3_finalize(sel);
        return -1;
    }
    long n = 0;
    int rc;
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        sqlite3_reset(ins);
        for (int i = 0; i < ncol; i++)
            sqlite3_bind_value(ins, i + 1, sqlite3_column_value(sel, i));
        if (sqlite3_step(ins) != SQLITE_DONE) {
            snprintf(error, errlen, "%s.%s in %s: %s", d->schema, d->table, d->db_name,
                     sqlite3_errmsg(dst->db));
            n = -1;
            break;
        }
        n++;
    }
    if (n >= 0 && rc != SQLITE_DONE) {
        snprintf(error, errlen, "%s", sqlite3_errmsg(src->db));
        n = -1;
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    return n;
}

static bool sync_one(sim_req *r, sim_run *run, long src_id, long dst_id, const sim_obj *sync,
                     char *error, size_t errlen)
{
    table_ref s, d;
    const cJSON *g = sync->given;
    if (!table_ref_init(&s, r->sim, src_id, field(field(g, "source"), "path"), "source", error,
                        errlen) ||
        !table_ref_init(&d, r->sim, dst_id, field(field(g, "destination"), "path"), "destination",
                        error, errlen))
        return false;
    const cJSON *etr = field(field(g, "advancedOptions"), "existingTableRows");
    const char *mode = cJSON_IsString(etr) ? etr->valuestring : "fail";
    if (strcmp(mode, "fail") != 0 && strcmp(mode, "truncate") != 0 && strcmp(mode, "append") != 0 &&
        strcmp(mode, "drop") != 0) {
        snprintf(error, errlen,
                 "existing_table_rows must be fail, truncate, append or drop, got '%s'", mode);
        return false;
    }
    sql_conn *src = cmock__sql_db(r, src_id, error, errlen);
    sql_conn *dst = src ? cmock__sql_db(r, dst_id, error, errlen) : NULL;
    if (dst == NULL)
        return false;
    if (!cmock__sql_table_exists(src, s.schema, s.table)) {
        snprintf(error, errlen, "Table %s.%s does not exist in database %s", s.schema, s.table,
                 s.db_name);
        return false;
    }
    bool exists = cmock__sql_table_exists(dst, d.schema, d.table);
    if (exists && src == dst && strcasecmp(s.schema, d.schema) == 0 &&
        strcasecmp(s.table, d.table) == 0) {
        snprintf(error, errlen, "Table %s.%s cannot be copied onto itself", s.schema, s.table);
        return false;
    }
    if (exists && strcmp(mode, "fail") == 0) {
        snprintf(error, errlen,
                 "Table %s.%s already exists in database %s (existing_table_rows is fail)",
                 d.schema, d.table, d.db_name);
        return false;
    }
    if (!cmock__sql_attach(dst, d.schema, error, errlen) ||
        !cmock__sql_do(dst->db, "BEGIN", error, errlen))
        return false;
    char sql[700];
    bool ok = true;
    if (exists && strcmp(mode, "drop") == 0) {
        snprintf(sql, sizeof(sql), "DROP TABLE %s", d.full);
        ok = cmock__sql_do(dst->db, sql, error, errlen);
        exists = false;
    } else if (exists && strcmp(mode, "truncate") == 0) {
        snprintf(sql, sizeof(sql), "DELETE FROM %s", d.full);
        ok = cmock__sql_do(dst->db, sql, error, errlen);
    }
    if (ok && !exists)
        ok = create_like(src, &s, dst, &d, error, errlen);
    long n = ok ? copy_rows(src, &s, dst, &d, error, errlen) : -1;
    ok = n >= 0;
    char ignored[8];
    (void)cmock__sql_do(dst->db, ok ? "COMMIT" : "ROLLBACK", ignored, sizeof(ignored));
    if (ok) {
        char line[700];
        snprintf(line, sizeof(line), "Copied %ld rows from %s.%s in %s to %s.%s in %s", n, s.schema,
                 s.table, s.db_name, d.schema, d.table, d.db_name);
        (void)civis__sim_run_log(r->space, run, "info", line);
    }
    return ok;
}

bool cmock__sql_sync_run(sim_req *r, sim_obj *job, sim_run *run, char *error, size_t errlen)
{
    const cJSON *g = job->given;
    long src_id = cmock__sql_job_database(field(field(g, "source"), "remoteHostId"));
    long dst_id = cmock__sql_job_database(field(field(g, "destination"), "remoteHostId"));
    int syncs = -1;
    for (size_t i = 0; i < r->sim->n_colls; i++)
        if (strcmp(r->sim->colls[i].key, SYNCS_KEY) == 0)
            syncs = (int)i;
    size_t done = 0;
    for (size_t i = 0; syncs >= 0 && i < r->space->n_objs; i++) {
        const sim_obj *o = r->space->objs[i];
        if (o == NULL || o->coll != syncs || o->parent_id != job->id)
            continue;
        if (!sync_one(r, run, src_id, dst_id, o, error, errlen))
            return false;
        done++;
    }
    if (done == 0) {
        snprintf(error, errlen, "import %ld has no syncs: POST /imports/%ld/syncs names the tables",
                 job->id, job->id);
        return false;
    }
    return true;
}
