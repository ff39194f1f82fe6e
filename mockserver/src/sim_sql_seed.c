/*
 * sim_sql_seed.c: seeded tables, the data CI starts from. A seed is a
 * table declaration: "schema.name" in a database (the default unless
 * named), CSV text whose header names the columns (or rows as JSON arrays
 * with their column names), and optionally the column types and one API
 * key it is limited to. Seeds come from --table SCHEMA.NAME=FILE, from the
 * "tables" of a fixture document (civis_fixtures_tables) and from
 * POST /__mock/tables.
 *
 * A seed is checked when it is declared: its types are detected once (as
 * /files/preprocess/csv detects them) and it is loaded into a scratch
 * database, so a bad row is reported to whoever declared it, never to a
 * test's run later. Every key's database gets the seeds when it opens
 * (cmock__sql_seed_apply); one declared through the admin API also goes
 * into the databases already open. A reset forgets the admin API's seeds
 * and keeps the start-up ones (flag and fixtures), so every database
 * reopens as civis-mock started.
 *
 * The list changes only with every space locked (civis__sim_lock_all) and
 * is read under one space's lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_sql_internal.h"

typedef struct sql_seed {
    long dbid;
    char schema[64];
    char table[128];
    char *csv; /* the rows as CSV text, a header row first */
    size_t len;
    char delimiter;
    cJSON *columns; /* [{name, sqlType}]: given or detected */
    char *key;      /* the one API key that sees it, or NULL for every key */
    bool startup;   /* --table or a fixture: kept by a reset */
    long rows;
} sql_seed;

struct sql_seeds {
    sql_seed *items;
    size_t n, cap;
    size_t bytes; /* CSV bytes held, against CIVIS_SQL_MAX_SEED_BYTES */
};

static void seed_clear(sql_seed *s)
{
    free(s->csv);
    free(s->key);
    cJSON_Delete(s->columns);
    memset(s, 0, sizeof(*s));
}

/* A read-only blob over a seed's text: the loader reads blobs. */
static sim_blob text_blob(const sql_seed *s)
{
    return (sim_blob){.mem = s->csv, .cap = s->len, .fd = -1, .size = s->len};
}

static bool seed_load(const sql_seed *s, sql_conn *db, long *loaded, char *error, size_t errlen)
{
    sim_blob b = text_blob(s);
    const sim_blob *blobs[1] = {&b};
    sql_load_opts o = {
        .schema = s->schema,
        .table = s->table,
        .mode = "drop", /* a later seed of the same table replaces an earlier one */
        .table_columns = s->columns,
        .skip_header = true,
        .delimiter = s->delimiter,
    };
    char why[400];
    if (cmock__sql_load(db, &o, blobs, NULL, 1, loaded, NULL, why, sizeof(why)))
        return true;
    snprintf(error, errlen, "seeded table %s.%s: %s", s->schema, s->table, why);
    return false;
}

bool cmock__sql_seed_apply(const civis_sim *sim, const char *key, long dbid, sql_conn *db,
                           char *error, size_t errlen)
{
    const struct sql_seeds *ss = sim->seeds;
    for (size_t i = 0; ss != NULL && i < ss->n; i++) {
        const sql_seed *s = &ss->items[i];
        if (s->dbid != dbid || (s->key != NULL && (key == NULL || strcmp(s->key, key) != 0)))
            continue;
        if (!seed_load(s, db, NULL, error, errlen))
            return false;
    }
    return true;
}

/* ---- declarations into seeds -------------------------------------------- */

/* Appends a JSON scalar as one CSV field: strings quoted (so "" is not
 * NULL), null empty. */
static bool csv_append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = (*len + n + 1) * 2;
        char *g = realloc(*buf, c);
        if (g == NULL)
            return false;
        *buf = g;
        *cap = c;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return true;
}

static bool csv_value(char **buf, size_t *len, size_t *cap, const cJSON *v, bool *bad)
{
    char num[64];
    if (cJSON_IsNull(v))
        return true;
    if (cJSON_IsBool(v))
        return csv_append(buf, len, cap, cJSON_IsTrue(v) ? "true" : "false",
                          cJSON_IsTrue(v) ? 4 : 5);
    if (cJSON_IsNumber(v)) {
        if (v->valuedouble == (double)(long long)v->valuedouble)
            snprintf(num, sizeof(num), "%lld", (long long)v->valuedouble);
        else
            snprintf(num, sizeof(num), "%.17g", v->valuedouble);
        return csv_append(buf, len, cap, num, strlen(num));
    }
    if (!cJSON_IsString(v)) {
        *bad = true;
        return true;
    }
    bool ok = csv_append(buf, len, cap, "\"", 1);
    for (const char *p = v->valuestring; ok && *p; p++)
        ok = csv_append(buf, len, cap, p, 1) && (*p != '"' || csv_append(buf, len, cap, "\"", 1));
    return ok && csv_append(buf, len, cap, "\"", 1);
}

static const char *column_name(const cJSON *c)
{
    if (cJSON_IsString(c))
        return c->valuestring;
    const cJSON *n = cJSON_IsObject(c) ? cJSON_GetObjectItemCaseSensitive(c, "name") : NULL;
    return cJSON_IsString(n) ? n->valuestring : NULL;
}

static const cJSON *column_type(const cJSON *c)
{
    if (!cJSON_IsObject(c))
        return NULL;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(c, "sql_type");
    if (t == NULL)
        t = cJSON_GetObjectItemCaseSensitive(c, "sqlType");
    return cJSON_IsString(t) ? t : NULL;
}

/* "rows" and "columns" as CSV text with a header row. */
static bool rows_to_csv(sql_seed *s, const cJSON *cols, const cJSON *rows, char *error,
                        size_t errlen)
{
    size_t len = 0, cap = 0;
    char *buf = NULL;
    bool ok = true, bad = false;
    int ncol = cJSON_GetArraySize(cols), i = 0;
    for (const cJSON *c = cols->child; ok && c != NULL; c = c->next, i++) {
        const char *name = column_name(c);
        if (name == NULL) {
            snprintf(error, errlen, "columns[%d] needs a name", i);
            free(buf);
            return false;
        }
        cJSON *tmp = cJSON_CreateString(name);
        ok = tmp != NULL && (i == 0 || csv_append(&buf, &len, &cap, ",", 1)) &&
             csv_value(&buf, &len, &cap, tmp, &bad);
        cJSON_Delete(tmp);
    }
    ok = ok && csv_append(&buf, &len, &cap, "\n", 1);
    int r = 0;
    for (const cJSON *row = rows->child; ok && row != NULL; row = row->next, r++) {
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != ncol) {
            snprintf(error, errlen, "rows[%d] must be an array of %d values", r, ncol);
            free(buf);
            return false;
        }
        int k = 0;
        for (const cJSON *v = row->child; ok && v != NULL; v = v->next, k++)
            ok = (k == 0 || csv_append(&buf, &len, &cap, ",", 1)) &&
                 csv_value(&buf, &len, &cap, v, &bad);
        ok = ok && csv_append(&buf, &len, &cap, "\n", 1);
        if (bad) {
            snprintf(error, errlen, "rows[%d]: values are strings, numbers, booleans or null", r);
            free(buf);
            return false;
        }
    }
    if (!ok) {
        free(buf);
        snprintf(error, errlen, "out of memory");
        return false;
    }
    s->csv = buf;
    s->len = len;
    return true;
}

/* Typed columns when every one of them has a type, else NULL (detect). */
static bool typed_columns(sql_seed *s, const cJSON *cols)
{
    if (!cJSON_IsArray(cols) || cJSON_GetArraySize(cols) == 0)
        return true;
    for (const cJSON *c = cols->child; c != NULL; c = c->next)
        if (column_type(c) == NULL || column_name(c) == NULL)
            return true;
    s->columns = cJSON_CreateArray();
    for (const cJSON *c = cols->child; s->columns != NULL && c != NULL; c = c->next) {
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !civis__sim_set_str(o, "name", column_name(c)) ||
            !civis__sim_set_str(o, "sqlType", column_type(c)->valuestring) ||
            !cJSON_AddItemToArray(s->columns, o)) {
            cJSON_Delete(o);
            return false;
        }
    }
    return s->columns != NULL;
}

static char delimiter_char(const char *name)
{
    return strcmp(name, "tab") == 0 ? '\t' : (strcmp(name, "pipe") == 0 ? '|' : ',');
}

/* Types and delimiter from the data (header row first), then a trial load. */
static bool seed_check(sql_seed *s, char *error, size_t errlen)
{
    sim_blob b = text_blob(s);
    cJSON *hint = cJSON_CreateObject();
    cJSON *info = NULL;
    char why[300];
    bool ok = hint != NULL && civis__sim_set(hint, "includeHeader", cJSON_CreateTrue());
    if (ok) {
        info = cmock__sql_detect(&b, hint, why, sizeof(why));
        if (info == NULL)
            snprintf(error, errlen, "seeded table %s.%s: %s", s->schema, s->table, why);
        ok = info != NULL;
    }
    cJSON_Delete(hint);
    if (ok) {
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(info, "columnDelimiter");
        s->delimiter = delimiter_char(cJSON_IsString(d) ? d->valuestring : "comma");
        if (s->columns == NULL)
            s->columns = cJSON_DetachItemFromObjectCaseSensitive(info, "tableColumns");
        ok = s->columns != NULL && cJSON_GetArraySize(s->columns) > 0;
        if (!ok)
            snprintf(error, errlen, "seeded table %s.%s: no columns (an empty file?)", s->schema,
                     s->table);
    }
    cJSON_Delete(info);
    sql_conn scratch = {0};
    if (ok && sqlite3_open_v2(":memory:", &scratch.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(error, errlen, "out of memory");
        ok = false;
    }
    ok = ok && seed_load(s, &scratch, &s->rows, error, errlen);
    sqlite3_close(scratch.db);
    return ok;
}

/* A declaration ({"table", "database", "csv" | "rows", "columns",
 * "api_key"}) into *s, checked. *status: 400 for a bad one. */
static bool seed_from_json(sql_seed *s, const civis_sim *sim, const cJSON *d, const char *key,
                           char *error, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "table");
    const cJSON *db = cJSON_GetObjectItemCaseSensitive(d, "database");
    const cJSON *csv = cJSON_GetObjectItemCaseSensitive(d, "csv");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(d, "rows");
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(d, "columns");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(d, "api_key");
    if (!cJSON_IsObject(d) || !cJSON_IsString(name) ||
        !cmock__sql_split_table(name->valuestring, s->schema, sizeof(s->schema), s->table,
                                sizeof(s->table))) {
        snprintf(error, errlen, "a seeded table needs \"table\": \"schema.name\"");
        return false;
    }
    s->dbid = 1;
    if (cJSON_IsString(db))
        s->dbid = cmock__sql_database_id(sim, db->valuestring);
    else if (cJSON_IsNumber(db))
        s->dbid = cmock__sql_database_name(sim, (long)db->valuedouble) ? (long)db->valuedouble : 0;
    if (s->dbid == 0) {
        snprintf(error, errlen, "seeded table %s.%s: no such database (civis-mock offers %s%s)",
                 s->schema, s->table, CIVIS_SQL_DEFAULT_DATABASE,
                 sim->n_databases ? " and the --database names" : "");
        return false;
    }
    bool ok;
    if (cJSON_IsString(csv)) {
        s->len = strlen(csv->valuestring);
        s->csv = strdup(csv->valuestring);
        ok = s->csv != NULL;
        if (!ok)
            snprintf(error, errlen, "out of memory");
    } else if (cJSON_IsArray(rows) && cJSON_IsArray(cols)) {
        ok = rows_to_csv(s, cols, rows, error, errlen);
    } else {
        snprintf(error, errlen,
                 "seeded table %s.%s needs \"csv\" (text with a header row) or \"rows\" with "
                 "\"columns\"",
                 s->schema, s->table);
        ok = false;
    }
    if (ok && cJSON_IsString(k))
        key = k->valuestring;
    if (ok && key != NULL && (s->key = strdup(key)) == NULL) {
        snprintf(error, errlen, "out of memory");
        ok = false;
    }
    if (ok && !typed_columns(s, cols)) {
        snprintf(error, errlen, "out of memory");
        ok = false;
    }
    ok = ok && seed_check(s, error, errlen);
    if (!ok)
        seed_clear(s);
    return ok;
}

/* Takes *s into the list; 507 (false, *status set) past the limits. */
static bool seed_add(civis_sim *sim, sql_seed *s, int *status, char *error, size_t errlen)
{
    struct sql_seeds *ss = sim->seeds;
    if (ss == NULL && (ss = sim->seeds = calloc(1, sizeof(*ss))) == NULL) {
        *status = 500;
        snprintf(error, errlen, "out of memory");
        return false;
    }
    if (ss->n >= CIVIS_SQL_MAX_SEEDS || ss->bytes + s->len > CIVIS_SQL_MAX_SEED_BYTES) {
        *status = 507;
        snprintf(error, errlen,
                 "seeded table %s.%s: civis-mock holds at most %d seeded tables of %d MB of CSV "
                 "in all",
                 s->schema, s->table, CIVIS_SQL_MAX_SEEDS,
                 (int)(CIVIS_SQL_MAX_SEED_BYTES / (1024 * 1024)));
        return false;
    }
    if (ss->n == ss->cap) {
        size_t cap = ss->cap ? ss->cap * 2 : 8;
        sql_seed *g = realloc(ss->items, cap * sizeof(*g));
        if (g == NULL) {
            *status = 500;
            snprintf(error, errlen, "out of memory");
            return false;
        }
        ss->items = g;
        ss->cap = cap;
    }
    ss->items[ss->n++] = *s;
    ss->bytes += s->len;
    memset(s, 0, sizeof(*s));
    return true;
}

/* ---- start-up ------------------------------------------------------------- */

static char *read_file(const char *path, size_t *len, char *error, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(error, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n > CIVIS_SQL_MAX_SEED_BYTES) {
            snprintf(error, errlen, "%s is larger than the %d MB civis-mock seeds", path,
                     (int)(CIVIS_SQL_MAX_SEED_BYTES / (1024 * 1024)));
            free(buf);
            fclose(f);
            return NULL;
        }
        if (n == cap) {
            char *g = realloc(buf, cap * 2 + 1);
            if (g == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = g;
            cap *= 2;
        }
    }
    bool read_error = ferror(f) != 0;
    fclose(f);
    if (buf == NULL || read_error) {
        snprintf(error, errlen, "cannot read %s", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* "[DB:]schema.name=FILE" as a declaration. */
static cJSON *flag_decl(const char *text, char *error, size_t errlen)
{
    const char *eq = strchr(text, '=');
    char target[400];
    snprintf(target, sizeof(target), "%.*s", (int)(eq - text), text);
    char *colon = strrchr(target, ':');
    size_t len = 0;
    char *csv = read_file(eq + 1, &len, error, errlen);
    if (csv == NULL)
        return NULL;
    cJSON *d = cJSON_CreateObject();
    if (colon != NULL)
        *colon = '\0';
    bool ok = d != NULL && civis__sim_set_str(d, "table", colon ? colon + 1 : target) &&
              civis__sim_set_str(d, "csv", csv) &&
              (colon == NULL || civis__sim_set_str(d, "database", target));
    free(csv);
    if (!ok) {
        cJSON_Delete(d);
        snprintf(error, errlen, "out of memory");
        return NULL;
    }
    return d;
}

int cmock__sql_seed_install(civis_sim *sim, const char *const *flags, size_t n_flags,
                            const cJSON *fixture_tables)
{
    char error[512];
    int status = 0;
    for (size_t i = 0; i < n_flags; i++) {
        cJSON *d = flag_decl(flags[i], error, sizeof(error));
        sql_seed s;
        bool ok = d != NULL && seed_from_json(&s, sim, d, NULL, error, sizeof(error));
        cJSON_Delete(d);
        s.startup = true;
        if (ok && !seed_add(sim, &s, &status, error, sizeof(error))) {
            seed_clear(&s);
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "civis-mock: --table %s: %s\n", flags[i], error);
            return 2;
        }
    }
    const cJSON *d = NULL;
    size_t i = 0;
    cJSON_ArrayForEach(d, fixture_tables)
    {
        sql_seed s;
        bool ok = seed_from_json(&s, sim, d, NULL, error, sizeof(error));
        s.startup = true;
        if (ok && !seed_add(sim, &s, &status, error, sizeof(error))) {
            seed_clear(&s);
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, "civis-mock: fixtures: tables[%zu]: %s\n", i, error);
            return 2;
        }
        i++;
    }
    return -1;
}

void cmock__sql_seed_reset(civis_sim *sim)
{
    struct sql_seeds *ss = sim->seeds;
    size_t kept = 0;
    for (size_t i = 0; ss != NULL && i < ss->n; i++) {
        if (ss->items[i].startup) {
            ss->items[kept++] = ss->items[i];
        } else {
            ss->bytes -= ss->items[i].len;
            seed_clear(&ss->items[i]);
        }
    }
    if (ss != NULL)
        ss->n = kept;
}

void cmock__sql_seed_free(civis_sim *sim)
{
    struct sql_seeds *ss = sim ? sim->seeds : NULL;
    if (ss == NULL)
        return;
    for (size_t i = 0; i < ss->n; i++)
        seed_clear(&ss->items[i]);
    free(ss->items);
    free(ss);
    sim->seeds = NULL;
}

/* ---- the admin API ---------------------------------------------------------- */

static cJSON *seed_json(const civis_sim *sim, const sql_seed *s)
{
    cJSON *o = cJSON_CreateObject();
    char full[200];
    snprintf(full, sizeof(full), "%s.%s", s->schema, s->table);
    bool ok =
        o != NULL && civis__sim_set_str(o, "table", full) &&
        civis__sim_set_str(o, "database", cmock__sql_database_name(sim, s->dbid)) &&
        civis__sim_set(o, "columns", cJSON_Duplicate(s->columns, true)) &&
        civis__sim_set_num(o, "rows", (double)s->rows) &&
        civis__sim_set(o, "api_key", s->key ? cJSON_CreateString(s->key) : cJSON_CreateNull()) &&
        civis__sim_set_str(o, "source", s->startup ? "start-up" : "admin");
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Loads a new seed into every database already open that should see it. */
static bool seed_open_databases(civis_sim *sim, const sql_seed *s, char *error, size_t errlen)
{
    for (size_t i = 0; i < sim->n_spaces; i++) {
        sim_space *sp = sim->spaces[i];
        if (sp->sqldb == NULL || sp->sqldb->conns[s->dbid - 1] == NULL ||
            (s->key != NULL && strcmp(s->key, sp->key) != 0))
            continue;
        if (!seed_load(s, sp->sqldb->conns[s->dbid - 1], NULL, error, errlen))
            return false;
    }
    return true;
}

/* {"tables": arr} (arr taken); NULL when out of memory. */
static cJSON *wrap_tables(cJSON *arr)
{
    cJSON *body = arr ? cJSON_CreateObject() : NULL;
    if (body == NULL) {
        cJSON_Delete(arr);
        return NULL;
    }
    if (!civis__sim_set(body, "tables", arr)) {
        cJSON_Delete(body);
        return NULL;
    }
    return body;
}

static void reply_error(cmock_reply *reply, int status, const char *msg)
{
    cmock__error(reply, status,
                 status == 507 ? "insufficient_storage" : (status == 400 ? "invalid" : "internal"),
                 msg);
}

/* POST: one declaration, an array of them, {"tables": [...]}, or CSV text
 * with ?table=schema.name[&database=NAME]. */
static void admin_post(civis_sim *sim, const cmock_request *req, cmock_reply *reply,
                       const char *key)
{
    char error[512];
    cJSON *doc = NULL;
    const char *qtable = civis__sim_query(req, "table");
    if (qtable != NULL) {
        doc = cJSON_CreateObject();
        const char *qdb = civis__sim_query(req, "database");
        if (doc == NULL || !civis__sim_set_str(doc, "table", qtable) ||
            !civis__sim_set_str(doc, "csv", req->body ? req->body : "") ||
            (qdb != NULL && !civis__sim_set_str(doc, "database", qdb))) {
            cJSON_Delete(doc);
            civis__sim_oom(reply);
            return;
        }
    } else {
        size_t off = 0;
        doc = req->body ? cmock__parse(req->body, req->body_len, &off) : NULL;
        if (doc == NULL) {
            snprintf(error, sizeof(error),
                     "The body must be a table declaration in JSON (error near byte %zu), or CSV "
                     "text with ?table=schema.name.",
                     off);
            reply_error(reply, 400, error);
            return;
        }
    }
    const cJSON *list = doc;
    if (cJSON_IsObject(doc) && cJSON_GetObjectItemCaseSensitive(doc, "tables") != NULL)
        list = cJSON_GetObjectItemCaseSensitive(doc, "tables");
    cJSON *out = cJSON_CreateArray();
    int status = 201;
    bool ok = out != NULL;
    const cJSON *one = cJSON_IsArray(list) ? list->child : list;
    for (; ok && one != NULL; one = cJSON_IsArray(list) ? one->next : NULL) {
        sql_seed s;
        if (!seed_from_json(&s, sim, one, key, error, sizeof(error))) {
            status = 400;
            ok = false;
            break;
        }
        if (!seed_add(sim, &s, &status, error, sizeof(error))) {
            seed_clear(&s);
            ok = false;
            break;
        }
        const sql_seed *added = &sim->seeds->items[sim->seeds->n - 1];
        if (!seed_open_databases(sim, added, error, sizeof(error))) {
            status = 500;
            ok = false;
            break;
        }
        cJSON *j = seed_json(sim, added);
        if (j == NULL || !cJSON_AddItemToArray(out, j)) {
            cJSON_Delete(j);
            status = 500;
            snprintf(error, sizeof(error), "out of memory");
            ok = false;
        }
    }
    cJSON_Delete(doc);
    if (!ok) {
        cJSON_Delete(out);
        reply_error(reply, status, out == NULL ? "out of memory" : error);
        return;
    }
    civis__sim_reply_take(reply, 201, wrap_tables(out));
}

void cmock__sql_seed_admin(civis_sim *sim, const cmock_request *req, cmock_reply *reply,
                           const char *key)
{
    if (sim == NULL) {
        cmock__error(reply, 404, "not_found", "civis-mock runs --stateless: no SQL tables.");
        return;
    }
    civis__sim_lock_all(sim);
    if (strcmp(req->method, "POST") == 0) {
        admin_post(sim, req, reply, key);
    } else if (strcmp(req->method, "GET") == 0) {
        cJSON *arr = cJSON_CreateArray();
        bool ok = arr != NULL;
        for (size_t i = 0; ok && sim->seeds != NULL && i < sim->seeds->n; i++) {
            cJSON *j = seed_json(sim, &sim->seeds->items[i]);
            ok = j != NULL && cJSON_AddItemToArray(arr, j);
            if (!ok)
                cJSON_Delete(j);
        }
        if (!ok) {
            cJSON_Delete(arr);
            arr = NULL;
        }
        civis__sim_reply_take(reply, 200, wrap_tables(arr));
    } else {
        cmock__error(reply, 405, "method_not_allowed",
                     "Method not allowed on /__mock/tables; allowed: GET, POST.");
        cmock__reply_header(reply, "Allow", "GET, POST");
    }
    civis__sim_unlock_all(sim);
}
