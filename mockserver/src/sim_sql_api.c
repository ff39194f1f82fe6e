/*
 * sim_sql_api.c: the platform objects around the SQL engine. Databases are
 * the default one (CIVIS_SQL_DEFAULT_DATABASE, id 1) and those named by
 * --database (ids 2, 3, ...); each is a SQLite database of its own per
 * key. Every key has one default Database credential
 * (CIVIS_SQL_CREDENTIAL_ID). Tables are what the databases hold, with ids
 * (unique over the key's databases) handed out the first time the tables
 * API shows them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_sql_internal.h"

static bool route_is(const sim_req *r, const char *verb, const char *path)
{
    return strcmp(r->op->verb, verb) == 0 && strcmp(r->op->path, path) == 0;
}

static bool op_is(const civis_operation *op, const char *verb, const char *path)
{
    return strcmp(op->verb, verb) == 0 && strcmp(op->path, path) == 0;
}

static const char *const owned_gets[] = {
    "/databases/",
    "/databases/{id}",
    "/databases/{id}/schemas",
    "/databases/{id}/schemas/{schema_name}/tables",
    "/databases/{id}/schemas/{schema_name}/tables/{table_name}",
    "/databases/{id}/tables",
    "/tables/",
    "/tables/{id}",
    "/tables/{id}/columns",
};

static bool wants_database_credentials(const cmock_request *req)
{
    const char *type = civis__sim_query(req, "type");
    return type != NULL && civis__sim_contains_ci(type, "Database");
}

bool cmock__sql_owns(const civis_operation *op, const cmock_request *req)
{
    for (size_t i = 0; i < sizeof(owned_gets) / sizeof(owned_gets[0]); i++)
        if (op_is(op, "GET", owned_gets[i]))
            return true;
    if (op_is(op, "GET", "/credentials/"))
        return wants_database_credentials(req);
    if (op_is(op, "GET", "/credentials/{id}")) {
        const char *p = strrchr(req->path, '/');
        return p != NULL && strtol(p + 1, NULL, 10) == CIVIS_SQL_CREDENTIAL_ID;
    }
    return false;
}

/* ---- databases and credentials ------------------------------------------ */

static size_t n_databases(const civis_sim *sim)
{
    return cmock__sql_n_databases(sim);
}

static const char *database_name(const civis_sim *sim, size_t i)
{
    return cmock__sql_database_name(sim, (long)i + 1);
}

static cJSON *render(sim_req *r, const cJSON *data, long id)
{
    const cJSON *schema = civis__sim_item_schema(r->sim->spec, r->op);
    return civis__sim_render(r->sim, schema, data, civis__sim_obj_seed(r->sim, id));
}

static cJSON *database(sim_req *r, size_t i)
{
    cJSON *d = cJSON_CreateObject();
    const char *name = database_name(r->sim, i);
    cJSON *out = NULL;
    if (d != NULL && civis__sim_set_num(d, "id", (double)(i + 1)) &&
        civis__sim_set_str(d, "name", name) && civis__sim_set_str(d, "adapter", "redshift") &&
        civis__sim_set_str(d, "databaseName", name) && civis__sim_set_str(d, "host", "127.0.0.1") &&
        civis__sim_set_num(d, "port", 5439) && civis__sim_set(d, "managed", cJSON_CreateTrue()))
        out = render(r, d, (long)i + 1);
    cJSON_Delete(d);
    return out;
}

static cJSON *credential(sim_req *r)
{
    cJSON *d = cJSON_CreateObject();
    cJSON *out = NULL;
    if (d != NULL && civis__sim_set_num(d, "id", (double)CIVIS_SQL_CREDENTIAL_ID) &&
        civis__sim_set_str(d, "name", "Default database credential") &&
        civis__sim_set_str(d, "type", "Database") &&
        civis__sim_set_str(d, "username", "civis_mock") &&
        civis__sim_set_num(d, "remoteHostId", 1) &&
        civis__sim_set_str(d, "remoteHostName", CIVIS_SQL_DEFAULT_DATABASE) &&
        civis__sim_set_str(d, "state", "active") &&
        civis__sim_set(d, "default", cJSON_CreateTrue()))
        out = render(r, d, CIVIS_SQL_CREDENTIAL_ID);
    cJSON_Delete(d);
    return out;
}

/* The database an {id} path names, or -1 (a 404 has been sent). */
static long path_database(sim_req *r)
{
    long id = civis__sim_param_id(r->route, 0);
    if (id < 1 || (size_t)id > n_databases(r->sim)) {
        civis__sim_not_found(r->reply);
        return -1;
    }
    return id;
}

static void add_or_fail(cJSON *arr, cJSON *item, bool *ok)
{
    if (!*ok || item == NULL || !cJSON_AddItemToArray(arr, item)) {
        cJSON_Delete(item);
        *ok = false;
    }
}

/* ---- tables -------------------------------------------------------------- */

static const char *shown_schema(const char *sqlite_name)
{
    return strcmp(sqlite_name, "main") == 0 ? "public" : sqlite_name;
}

/* The id of schema.name of database dbid, handed out on first sight; 0 on
 * allocation failure. */
static long table_id(sim_sqldb *k, long dbid, const char *schema, const char *name)
{
    for (size_t i = 0; i < k->n_tables; i++)
        if (k->tables[i].database == dbid && strcasecmp(k->tables[i].schema, schema) == 0 &&
            strcasecmp(k->tables[i].name, name) == 0)
            return (long)i + 1;
    if (k->n_tables == k->cap_tables) {
        size_t cap = k->cap_tables ? k->cap_tables * 2 : 16;
        sql_table_id *t = realloc(k->tables, cap * sizeof(*t));
        if (t == NULL)
            return 0;
        k->tables = t;
        k->cap_tables = cap;
    }
    char *s = strdup(schema), *n = strdup(name);
    if (s == NULL || n == NULL) {
        free(s);
        free(n);
        return 0;
    }
    k->tables[k->n_tables] = (sql_table_id){dbid, s, n};
    return (long)++k->n_tables;
}

/* Redshift's names for SQLite's declared types. */
static const char *sql_type_name(const char *decl, char *buf, size_t len)
{
    if (decl == NULL || decl[0] == '\0' || strcasecmp(decl, "TEXT") == 0)
        return "VARCHAR(65535)";
    if (strcasecmp(decl, "REAL") == 0)
        return "DOUBLE PRECISION";
    if (strcasecmp(decl, "NUM") == 0)
        return "NUMERIC";
    size_t i = 0;
    for (; decl[i] && i + 1 < len; i++)
        buf[i] = (char)(decl[i] >= 'a' && decl[i] <= 'z' ? decl[i] - 32 : decl[i]);
    buf[i] = '\0';
    return buf;
}

/* A table as the tables API shows it; `detail` adds its columns. NULL on
 * allocation failure or when it is gone. */
static cJSON *table_obj(sim_req *r, sql_conn *db, long dbid, const char *sqlite_schema,
                        const char *name, bool detail)
{
    const char *schema = shown_schema(sqlite_schema);
    long id = table_id(r->space->sqldb, dbid, schema, name);
    char sql[600];
    snprintf(sql, sizeof(sql), "PRAGMA \"%s\".table_info(\"%s\")", sqlite_schema, name);
    sqlite3_stmt *st = NULL;
    cJSON *d = cJSON_CreateObject();
    cJSON *cols = cJSON_CreateArray();
    bool ok = id > 0 && d != NULL && cols != NULL &&
              sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) == SQLITE_OK;
    int n = 0;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        char tbuf[64];
        cJSON *c = cJSON_CreateObject();
        ok = c != NULL && civis__sim_set_str(c, "name", (const char *)sqlite3_column_text(st, 1)) &&
             civis__sim_set_str(
                 c, "sqlType",
                 sql_type_name((const char *)sqlite3_column_text(st, 2), tbuf, sizeof(tbuf))) &&
             civis__sim_set_num(c, "order", n + 1);
        add_or_fail(cols, c, &ok);
        n++;
    }
    sqlite3_finalize(st);
    long long rows = 0;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM \"%s\".\"%s\"", sqlite_schema, name);
    if (ok && sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        rows = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    ok = ok && civis__sim_set_num(d, "id", (double)id) &&
         civis__sim_set_num(d, "databaseId", (double)dbid) &&
         civis__sim_set_str(d, "schema", schema) && civis__sim_set_str(d, "name", name) &&
         civis__sim_set_num(d, "rowCount", (double)rows) &&
         civis__sim_set_num(d, "columnCount", n) &&
         civis__sim_set(d, "isView", cJSON_CreateFalse()) &&
         civis__sim_set_str(d, "refreshStatus", "current");
    if (ok && detail) {
        ok = civis__sim_set(d, "columns", cols);
        cols = NULL;
    }
    cJSON *out = ok ? render(r, d, id) : NULL;
    cJSON_Delete(cols);
    cJSON_Delete(d);
    return out;
}

typedef struct table_filter {
    const char *schema; /* exact, any case; NULL: any */
    const char *name;   /* exact, any case; NULL: any */
    const char *search; /* substring of schema.name; NULL: any */
} table_filter;

/* Every table of the key's database that passes `f`, as list items. */
static bool tables(sim_req *r, sql_conn *db, long dbid, const table_filter *f, cJSON *arr)
{
    bool okv = true, *ok = &okv;
    sqlite3_stmt *dbs = NULL;
    if (*ok && sqlite3_prepare_v2(db->db, "PRAGMA database_list", -1, &dbs, NULL) != SQLITE_OK)
        *ok = false;
    while (*ok && sqlite3_step(dbs) == SQLITE_ROW) {
        const char *sname = (const char *)sqlite3_column_text(dbs, 1);
        if (strcmp(sname, "temp") == 0 ||
            (f->schema && strcasecmp(f->schema, shown_schema(sname)) != 0))
            continue;
        char sql[200];
        snprintf(sql, sizeof(sql),
                 "SELECT name FROM \"%s\".sqlite_master WHERE type IN ('table','view') AND name "
                 "NOT LIKE 'sqlite_%%' ORDER BY name",
                 sname);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK)
            continue;
        char(*names)[128] = NULL;
        size_t n = 0;
        while (*ok && sqlite3_step(st) == SQLITE_ROW) {
            const char *tn = (const char *)sqlite3_column_text(st, 0);
            char full[300];
            snprintf(full, sizeof(full), "%s.%s", shown_schema(sname), tn);
            if ((f->name && strcasecmp(f->name, tn) != 0) ||
                (f->search && !civis__sim_contains_ci(full, f->search)))
                continue;
            char(*g)[128] = realloc(names, (n + 1) * sizeof(*names));
            if (g == NULL) {
                *ok = false;
                break;
            }
            names = g;
            snprintf(names[n++], 128, "%s", tn);
        }
        sqlite3_finalize(st);
        /* The PRAGMA inside table_obj cannot run while st is open, hence the copy. */
        for (size_t i = 0; *ok && i < n; i++)
            add_or_fail(arr, table_obj(r, db, dbid, sname, names[i], false), ok);
        free(names);
    }
    sqlite3_finalize(dbs);
    return *ok;
}

static const char *route_param(const sim_req *r, const char *name)
{
    for (size_t i = 0; i < r->route->n_params; i++)
        if (strcmp(r->route->params[i].name, name) == 0)
            return r->route->params[i].value;
    return NULL;
}

/* The SQLite name of a Civis schema, or NULL when it does not exist. */
static const char *sqlite_schema(sql_conn *db, const char *schema)
{
    if (strcasecmp(schema, "public") == 0)
        return "main";
    return cmock__sql_has_schema(db, schema) ? schema : NULL;
}

static void one_table(sim_req *r, sql_conn *db, long dbid, const char *schema, const char *name,
                      bool columns_only)
{
    const char *ss = sqlite_schema(db, schema);
    if (ss == NULL || !cmock__sql_table_exists(db, schema, name)) {
        civis__sim_not_found(r->reply);
        return;
    }
    cJSON *t = table_obj(r, db, dbid, ss, name, true);
    if (t == NULL) {
        civis__sim_oom(r->reply);
        return;
    }
    if (columns_only) {
        cJSON *cols = cJSON_DetachItemFromObjectCaseSensitive(t, "columns");
        cJSON_Delete(t);
        civis__sim_reply_list(r, cols);
        return;
    }
    civis__sim_reply_take(r->reply, (int)civis_answer_status(r->op), t);
}

static void schemas(sql_conn *db, cJSON *arr, bool *ok)
{
    sqlite3_stmt *st = NULL;
    *ok = sqlite3_prepare_v2(db->db, "PRAGMA database_list", -1, &st, NULL) == SQLITE_OK;
    while (*ok && sqlite3_step(st) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 1);
        if (strcmp(s, "temp") == 0)
            continue;
        cJSON *o = cJSON_CreateObject();
        *ok = o != NULL && civis__sim_set_str(o, "schema", shown_schema(s));
        add_or_fail(arr, o, ok);
    }
    sqlite3_finalize(st);
}

bool cmock__sql_handle(sim_req *r)
{
    if (!cmock__sql_owns(r->op, r->req))
        return false;
    char error[256];
    bool ok = true;
    if (route_is(r, "GET", "/credentials/")) {
        cJSON *arr = cJSON_CreateArray();
        add_or_fail(arr, credential(r), &ok);
        civis__sim_reply_list(r, ok ? arr : NULL);
        if (!ok)
            cJSON_Delete(arr);
        return true;
    }
    if (route_is(r, "GET", "/credentials/{id}")) {
        cJSON *c = credential(r);
        if (c == NULL)
            civis__sim_oom(r->reply);
        else
            civis__sim_reply_take(r->reply, (int)civis_answer_status(r->op), c);
        return true;
    }
    if (route_is(r, "GET", "/databases/")) {
        cJSON *arr = cJSON_CreateArray();
        ok = arr != NULL;
        for (size_t i = 0; ok && i < n_databases(r->sim); i++)
            add_or_fail(arr, database(r, i), &ok);
        if (!ok)
            cJSON_Delete(arr);
        civis__sim_reply_list(r, ok ? arr : NULL);
        return true;
    }
    long dbid = route_param(r, "id") != NULL && strncmp(r->op->path, "/databases", 10) == 0
                    ? path_database(r)
                    : 0;
    if (dbid < 0)
        return true;
    if (route_is(r, "GET", "/databases/{id}")) {
        cJSON *d = database(r, (size_t)dbid - 1);
        if (d == NULL)
            civis__sim_oom(r->reply);
        else
            civis__sim_reply_take(r->reply, (int)civis_answer_status(r->op), d);
        return true;
    }
    if (route_is(r, "GET", "/tables/{id}") || route_is(r, "GET", "/tables/{id}/columns")) {
        long id = civis__sim_param_id(r->route, 0);
        sim_sqldb *k = r->space->sqldb;
        if (k == NULL || id < 1 || (size_t)id > k->n_tables) {
            civis__sim_not_found(r->reply);
            return true;
        }
        sql_table_id *t = &k->tables[id - 1];
        sql_conn *db = cmock__sql_db(r, t->database, error, sizeof(error));
        if (db == NULL)
            cmock__error(r->reply, 500, "internal", error);
        else
            one_table(r, db, t->database, t->schema, t->name,
                      strstr(r->op->path, "columns") != NULL);
        return true;
    }
    table_filter f = {0};
    long first = 1, last = (long)n_databases(r->sim);
    if (route_is(r, "GET", "/tables/")) {
        const char *dbq = civis__sim_query(r->req, "database_id");
        if (dbq != NULL) {
            first = last = strtol(dbq, NULL, 10);
            if (first < 1 || (size_t)first > n_databases(r->sim)) {
                civis__sim_reply_list(r, cJSON_CreateArray());
                return true;
            }
        }
        f.schema = civis__sim_query(r->req, "schema");
        f.name = civis__sim_query(r->req, "name");
        f.search = civis__sim_query(r->req, "search");
    } else {
        first = last = dbid;
    }
    cJSON *arr = cJSON_CreateArray();
    ok = arr != NULL;
    for (long id = first; ok && id <= last; id++) {
        sql_conn *db = cmock__sql_db(r, id, error, sizeof(error));
        if (db == NULL) {
            cJSON_Delete(arr);
            cmock__error(r->reply, 500, "internal", error);
            return true;
        }
        if (route_is(r, "GET", "/databases/{id}/schemas")) {
            schemas(db, arr, &ok);
            break;
        }
        if (route_is(r, "GET", "/databases/{id}/schemas/{schema_name}/tables/{table_name}")) {
            cJSON_Delete(arr);
            one_table(r, db, id, route_param(r, "schema_name"), route_param(r, "table_name"),
                      false);
            return true;
        }
        if (route_is(r, "GET", "/databases/{id}/schemas/{schema_name}/tables")) {
            f.schema = route_param(r, "schema_name");
            if (sqlite_schema(db, f.schema) == NULL) {
                cJSON_Delete(arr);
                civis__sim_not_found(r->reply);
                return true;
            }
        }
        ok = tables(r, db, id, &f, arr);
    }
    if (!ok) {
        cJSON_Delete(arr);
        arr = NULL;
    }
    civis__sim_reply_list(r, arr);
    return true;
}
