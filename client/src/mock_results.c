/*
 * mock_results.c: declared results. A test declares the rows a table or a
 * query holds (civis_mock_declare_result) or that it fails
 * (civis_mock_declare_error); the mock then answers the calls the io
 * functions make as civis-mock does over HTTP: databases.list and the
 * default database credential, scripts.post_sql and its runs (the run's
 * output file written per its csv_settings, gzipped as civis-mock does, at
 * a URL the mock's storage serves), and queries.post / queries.get with
 * preview rows.
 *
 * These answers are ordinary behaviours (callbacks), installed by the first
 * declaration: a behaviour the test sets later for one of these operations
 * wins, as any later behaviour does, and the journal shows every call.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "io_internal.h"
#include "mock_internal.h"

#define STORAGE_URL "https://civis-mock-storage.invalid/"

/* ---- matching SQL ------------------------------------------------------------------ */

/* Lower case, runs of white space as one space, no trailing ';'. Owned. */
static char *normalise(const char *sql)
{
    char *out = civis__malloc(strlen(sql) + 1);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    bool space = true; /* drops leading white space */
    for (const char *p = sql; *p; p++) {
        if (isspace((unsigned char)*p)) {
            if (!space)
                out[n++] = ' ';
            space = true;
            continue;
        }
        out[n++] = (char)tolower((unsigned char)*p);
        space = false;
    }
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == ';'))
        n--;
    out[n] = '\0';
    return out;
}

/* "select <cols> from <name>" with one name: *cols and *name point into sql. */
static bool simple_select(const char *sql, const char **cols, size_t *cols_len, const char **name)
{
    if (strncmp(sql, "select ", 7) != 0)
        return false;
    const char *from = strstr(sql + 7, " from ");
    if (from == NULL || strchr(from + 6, ' ') != NULL || from[6] == '\0')
        return false;
    *cols = sql + 7;
    *cols_len = (size_t)(from - *cols);
    *name = from + 6;
    return true;
}

/* The latest declaration that answers `sql` on database `db_id` (lock
 * held); *table_hit says it matched by table name. */
static const mock_decl *find_decl(const mock_store *s, const char *sql, long long db_id,
                                  bool *table_hit)
{
    const char *cols = NULL, *name = NULL;
    size_t cols_len = 0;
    bool simple = simple_select(sql, &cols, &cols_len, &name);
    for (size_t i = s->n_decls; i-- > 0;) {
        const mock_decl *d = &s->decls[i];
        if (d->database != NULL && (db_id < 1 || (size_t)db_id > s->n_databases ||
                                    strcmp(s->databases[db_id - 1], d->database) != 0))
            continue;
        *table_hit = simple && strcmp(name, d->query) == 0;
        if (*table_hit || strcmp(sql, d->query) == 0)
            return d;
    }
    return NULL;
}

/* The columns a simple select names, out of the declared rows. A column
 * the rows lack fails the run as the database would. */
static civis_status project(civis_table **out, const civis_table *rows, const char *sql, char *why,
                            size_t why_len)
{
    const char *cols = NULL, *name = NULL;
    size_t cols_len = 0;
    *out = NULL;
    simple_select(sql, &cols, &cols_len, &name);
    if (cols_len == 1 && cols[0] == '*')
        return CIVIS_OK; /* the rows as declared */
    size_t nc = civis_table_ncols(rows), n = 0;
    size_t *idx = civis__calloc(cols_len + 1, sizeof(*idx));
    const char **names = civis__calloc(cols_len + 1, sizeof(*names));
    const char **vals = civis__calloc(cols_len + 1, sizeof(*vals));
    civis_status st = idx && names && vals ? CIVIS_OK : CIVIS_ENOMEM;
    for (const char *p = cols; st == CIVIS_OK && p < cols + cols_len;) {
        const char *e = memchr(p, ',', (size_t)(cols + cols_len - p));
        if (e == NULL)
            e = cols + cols_len;
        const char *a = p, *b = e;
        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        size_t k = 0;
        while (k < nc && !(strlen(civis_table_column(rows, k)) == (size_t)(b - a) &&
                           strncasecmp(civis_table_column(rows, k), a, (size_t)(b - a)) == 0))
            k++;
        if (k == nc) {
            snprintf(why, why_len, "column \"%.*s\" does not exist", (int)(b - a), a);
            st = CIVIS_ENOTFOUND;
        } else {
            idx[n] = k;
            names[n++] = civis_table_column(rows, k);
        }
        p = e + 1;
    }
    civis_table *t = NULL;
    if (st == CIVIS_OK)
        st = civis_table_new(&t, names, n, NULL);
    for (size_t r = 0; st == CIVIS_OK && r < civis_table_nrows(rows); r++) {
        for (size_t i = 0; i < n; i++)
            vals[i] = civis_table_value(rows, r, idx[i]);
        st = civis_table_add_row(t, vals, NULL);
    }
    civis__free(idx);
    civis__free(names);
    civis__free(vals);
    if (st != CIVIS_OK) {
        civis_table_free(t);
        if (st == CIVIS_ENOMEM)
            snprintf(why, why_len, "the mock ran out of memory");
        return st;
    }
    *out = t;
    return CIVIS_OK;
}

/* ---- the output file ----------------------------------------------------------------- */

/* gzip of [in, in + len), one member at level 1 as civis-mock writes it. */
static bool gzip(char **out, size_t *out_len, const char *in, size_t len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    size_t cap = deflateBound(&zs, (uLong)len) + 32;
    char *buf = civis__malloc(cap);
    bool ok = buf != NULL;
    if (ok) {
        zs.next_in = (Bytef *)(uintptr_t)in;
        zs.avail_in = (uInt)len;
        zs.next_out = (Bytef *)buf;
        zs.avail_out = (uInt)cap;
        ok = deflate(&zs, Z_FINISH) == Z_STREAM_END;
    }
    *out_len = cap - zs.avail_out;
    deflateEnd(&zs);
    if (!ok) {
        civis__free(buf);
        return false;
    }
    *out = buf;
    return true;
}

static const cJSON *arg(const cJSON *o, const char *snake, const char *camel)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, snake);
    return v ? v : cJSON_GetObjectItemCaseSensitive(o, camel);
}

/* How a run writes its output, from csv_settings. */
typedef struct out_opts {
    char delim;     /* column_delimiter: comma (default), tab, pipe */
    bool header;    /* include_header, true unless false */
    bool gz;        /* gzip unless compression is "none", as civis-mock writes it */
    bool multifile; /* force_multifile: a manifest listing the parts */
    bool unquoted;  /* unquoted: no field quoted */
} out_opts;

static out_opts read_opts(const cJSON *cs)
{
    const cJSON *d = arg(cs, "column_delimiter", "columnDelimiter");
    const cJSON *c = arg(cs, "compression", "compression");
    out_opts o = {
        .delim = ',',
        .header = !cJSON_IsFalse(arg(cs, "include_header", "includeHeader")),
        .gz = !(cJSON_IsString(c) && strcmp(c->valuestring, "none") == 0),
        .multifile = cJSON_IsTrue(arg(cs, "force_multifile", "forceMultifile")),
        .unquoted = cJSON_IsTrue(arg(cs, "unquoted", "unquoted")),
    };
    if (cJSON_IsString(d))
        o.delim = strcmp(d->valuestring, "tab") == 0    ? '\t'
                  : strcmp(d->valuestring, "pipe") == 0 ? '|'
                                                        : ',';
    return o;
}

/* The rows as CSV (gzipped with o->gz) stored at `url` (lock held); *len
 * gets the size stored. */
static bool put_csv(mock_store *s, const char *url, const civis_table *rows, const out_opts *o,
                    bool header, size_t *len)
{
    char *text = NULL, *packed = NULL;
    size_t packed_len = 0;
    if (civis__table_write_csv(&text, len, rows, o->delim, header, o->unquoted, NULL) != CIVIS_OK)
        return false;
    if (o->gz) {
        bool ok = gzip(&packed, &packed_len, text, *len);
        civis__free(text);
        if (!ok)
            return false;
        text = packed;
        *len = packed_len;
    }
    return civis__mock_store_put(s, url, text, *len);
}

/*
 * force_multifile: one part holding every row without a header, and the
 * manifest of CIVIS_API_NOTES 4.4 as the run's output (lock held), as
 * civis-mock writes them (it cuts more parts; one is enough in memory).
 */
static bool put_manifest(mock_store *s, mock_script *sc, const char *url, const char *base,
                         const civis_table *rows, const out_opts *o)
{
    char part[240], s3[260];
    snprintf(part, sizeof(part), "%s/part_0000%s", base, o->gz ? ".gz" : "");
    snprintf(s3, sizeof(s3), "s3://civis-mock-storage/%s", part + strlen(STORAGE_URL));
    size_t len = 0;
    long long part_id = s->next_id++;
    const char *sql = sc->sql;
    civis__free(sc->part_url);
    if ((sc->part_url = civis__strdup(part)) == NULL || !put_csv(s, part, rows, o, false, &len))
        return false;
    sc->part_id = part_id;
    cJSON *m = cJSON_CreateObject();
    cJSON *header = cJSON_CreateArray();
    cJSON *entries = cJSON_CreateArray();
    cJSON *e = cJSON_CreateObject();
    char delim[2] = {o->delim, '\0'};
    bool ok = m && header && entries && e && cJSON_AddStringToObject(m, "query", sql);
    for (size_t i = 0; ok && o->header && i < civis_table_ncols(rows); i++)
        ok = cJSON_AddItemToArray(header, cJSON_CreateString(civis_table_column(rows, i)));
    if (ok && o->header && (ok = cJSON_AddItemToObject(m, "header", header)))
        header = NULL; /* m holds it now */
    ok = ok && cJSON_AddNumberToObject(e, "id", (double)part_id) &&
         cJSON_AddStringToObject(e, "name", strrchr(part, '/') + 1) &&
         cJSON_AddNumberToObject(e, "size", (double)len) && cJSON_AddStringToObject(e, "url", s3) &&
         cJSON_AddStringToObject(e, "url_signed", part) && cJSON_AddItemToArray(entries, e);
    e = ok ? NULL : e;
    ok = ok && cJSON_AddItemToObject(m, "entries", entries);
    entries = ok ? NULL : entries;
    ok = ok && cJSON_AddBoolToObject(m, "unquoted", o->unquoted) &&
         cJSON_AddStringToObject(m, "compression", o->gz ? "gzip" : "none") &&
         cJSON_AddStringToObject(m, "delimiter", delim);
    char *text = ok ? cJSON_PrintUnformatted(m) : NULL;
    cJSON_Delete(m);
    cJSON_Delete(header);
    cJSON_Delete(entries);
    cJSON_Delete(e);
    return text != NULL && civis__mock_store_put(s, url, text, strlen(text));
}

/* The rows as the run's output file, per csv_settings, stored at a new URL
 * (lock held). */
static bool write_output(char *url, size_t url_len, mock_store *s, const civis_table *rows,
                         mock_script *sc, long long run_id)
{
    out_opts o = read_opts(sc->csv_settings);
    char base[160];
    snprintf(base, sizeof(base), STORAGE_URL "sql/%lld/runs/%lld", sc->id, run_id);
    if (o.multifile) {
        snprintf(url, url_len, "%s/manifest.json", base);
        return put_manifest(s, sc, url, base, rows, &o);
    }
    snprintf(url, url_len, "%s/output.csv%s", base, o.gz ? ".gz" : "");
    size_t len = 0;
    return put_csv(s, url, rows, &o, o.header, &len);
}

/* ---- the behaviours ------------------------------------------------------------------ */

static cJSON *oom(long *status)
{
    *status = 500;
    return NULL;
}

static cJSON *databases_list(void *data, const civis_mock_call *call, long *status)
{
    (void)call; /* the list does not depend on the arguments */
    civis_mock *mock = data;
    cJSON *list = cJSON_CreateArray();
    civis__mock_lock(mock);
    for (size_t i = 0; list && i < mock->store->n_databases; i++) {
        cJSON *db = cJSON_CreateObject();
        cJSON_AddItemToArray(list, db);
        cJSON_AddNumberToObject(db, "id", (double)(i + 1));
        cJSON_AddStringToObject(db, "name", mock->store->databases[i]);
    }
    civis__mock_unlock(mock);
    return list ? list : oom(status);
}

static cJSON *credentials_list(void *data, const civis_mock_call *call, long *status)
{
    (void)data; /* one credential whatever was declared */
    (void)call;
    cJSON *list = cJSON_Parse("[{\"id\": 1, \"name\": \"mock database credential\", \"type\": "
                              "\"Database\", \"default\": true}]");
    return list ? list : oom(status);
}

static mock_script *find_script(mock_store *s, long long id)
{
    for (size_t i = 0; i < s->n_scripts; i++)
        if (s->scripts[i].id == id)
            return &s->scripts[i];
    return NULL;
}

static long long int_arg(const cJSON *args, const char *snake, const char *camel)
{
    const cJSON *v = arg(args, snake, camel);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

/* scripts.post_sql: remembers the SQL, its database and csv_settings. */
static cJSON *post_sql(void *data, const civis_mock_call *call, long *status)
{
    civis_mock *mock = data;
    const cJSON *sql = arg(call->args, "sql", "sql");
    const cJSON *cs = arg(call->args, "csv_settings", "csvSettings");
    char *text = civis__strdup(cJSON_IsString(sql) ? sql->valuestring : "");
    cJSON *settings = cJSON_IsObject(cs) ? cJSON_Duplicate(cs, true) : NULL;
    cJSON *answer = cJSON_CreateObject();
    civis__mock_lock(mock);
    mock_store *s = mock->store;
    long long id = s->next_id++;
    bool ok =
        text && answer && (cs == NULL || settings) &&
        civis__mock_grow((void **)&s->scripts, &s->scripts_cap, s->n_scripts, sizeof(*s->scripts));
    if (ok)
        s->scripts[s->n_scripts++] =
            (mock_script){.id = id,
                          .sql = text,
                          .database_id = int_arg(call->args, "remote_host_id", "remoteHostId"),
                          .csv_settings = settings};
    civis__mock_unlock(mock);
    if (!ok) {
        civis__free(text);
        cJSON_Delete(settings);
        cJSON_Delete(answer);
        return oom(status);
    }
    cJSON_AddNumberToObject(answer, "id", (double)id);
    cJSON *name = cJSON_Duplicate(arg(call->args, "name", "name"), true);
    if (name != NULL && !cJSON_AddItemToObject(answer, "name", name))
        cJSON_Delete(name); /* the key could not be copied: the answer goes without */
    cJSON_AddStringToObject(answer, "sql", text);
    return answer;
}

/* Runs the script's SQL against the declarations (lock held). */
static bool run_script(mock_store *s, mock_script *sc, long long run_id)
{
    char *sql = normalise(sc->sql);
    if (sql == NULL)
        return false;
    bool table_hit = false;
    const mock_decl *d = find_decl(s, sql, sc->database_id, &table_hit);
    char why[300] = "";
    civis_table *projected = NULL;
    bool ok = true;
    if (d == NULL)
        snprintf(why, sizeof(why),
                 "the mock has no result declared for this SQL (civis_mock_declare_result): %.200s",
                 sc->sql);
    else if (d->error != NULL)
        snprintf(why, sizeof(why), "%s", d->error);
    else if (table_hit && project(&projected, d->rows, sql, why, sizeof(why)) == CIVIS_ENOMEM)
        ok = false;
    civis__free(sql);
    civis__free(sc->error);
    civis__free(sc->url);
    civis__free(sc->part_url);
    sc->error = sc->url = sc->part_url = NULL;
    sc->run_id = run_id;
    if (!ok)
        return false;
    if (why[0] != '\0')
        return (sc->error = civis__strdup(why)) != NULL;
    char url[200];
    sc->file_id = s->next_id++;
    ok = write_output(url, sizeof(url), s, projected ? projected : d->rows, sc, run_id) &&
         (sc->url = civis__strdup(url)) != NULL;
    civis_table_free(projected);
    return ok;
}

/* The run as the API shows it (lock held). */
static cJSON *run_json(const mock_script *sc, const char *state)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddNumberToObject(r, "id", (double)sc->run_id);
    cJSON_AddNumberToObject(r, "sqlId", (double)sc->id);
    cJSON_AddStringToObject(r, "state", state);
    cJSON_AddBoolToObject(r, "isCancelRequested", false);
    if (sc->error != NULL && strcmp(state, "failed") == 0)
        cJSON_AddStringToObject(r, "error", sc->error);
    else
        cJSON_AddNullToObject(r, "error");
    cJSON *out = cJSON_AddArrayToObject(r, "output");
    if (sc->url != NULL && strcmp(state, "succeeded") == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(out, o);
        cJSON_AddStringToObject(o, "outputName", "output_file");
        cJSON_AddNumberToObject(o, "fileId", (double)sc->file_id);
        cJSON_AddStringToObject(o, "path", sc->url);
    }
    return r;
}

/* files.get of a run's output file answers its URL, so that code holding
 * output[0].file_id (export_to_civis_file's callers) can download it.
 * Called without the lock: it sets a behaviour. */
static bool serve_file(civis_mock *mock, long long file_id, const char *url)
{
    char when[64];
    snprintf(when, sizeof(when), "{\"id\": %lld}", file_id);
    cJSON *f = cJSON_CreateObject();
    bool ok = f != NULL && cJSON_AddNumberToObject(f, "id", (double)file_id) &&
              cJSON_AddStringToObject(f, "name", strrchr(url, '/') + 1) &&
              cJSON_AddStringToObject(f, "fileUrl", url);
    char *text = ok ? cJSON_PrintUnformatted(f) : NULL;
    cJSON_Delete(f);
    ok = text != NULL && civis_mock_return_when(mock, "files.get", when, text, NULL) == CIVIS_OK;
    cJSON_free(text);
    return ok;
}

static cJSON *post_sql_runs(void *data, const civis_mock_call *call, long *status)
{
    civis_mock *mock = data;
    civis__mock_lock(mock);
    mock_script *sc = find_script(mock->store, int_arg(call->args, "id", "id"));
    cJSON *r = NULL;
    char *url = NULL, *part = NULL;
    long long file_id = 0, part_id = 0;
    bool output = false, copied = false;
    if (sc == NULL)
        *status = 404;
    else if (run_script(mock->store, sc, mock->store->next_id++))
        r = run_json(sc, "queued");
    else
        *status = 500;
    if (r != NULL && sc->url != NULL) { /* a failed run has no output to serve */
        output = true;
        url = civis__strdup(sc->url);
        file_id = sc->file_id;
        part = sc->part_url ? civis__strdup(sc->part_url) : NULL;
        part_id = sc->part_id;
        copied = url != NULL && (sc->part_url == NULL || part != NULL);
    }
    civis__mock_unlock(mock);
    bool served = !output || (copied && (part == NULL || serve_file(mock, part_id, part)) &&
                              serve_file(mock, file_id, url));
    if (r != NULL && !served) {
        cJSON_Delete(r);
        r = NULL;
        *status = 500;
    }
    civis__free(url);
    civis__free(part);
    return r;
}

static cJSON *get_sql_runs(void *data, const civis_mock_call *call, long *status)
{
    civis_mock *mock = data;
    civis__mock_lock(mock);
    mock_script *sc = find_script(mock->store, int_arg(call->args, "id", "id"));
    cJSON *r = NULL;
    if (sc == NULL || sc->run_id != int_arg(call->args, "run_id", "runId"))
        *status = 404;
    else
        r = run_json(sc, sc->error ? "failed" : "succeeded");
    civis__mock_unlock(mock);
    return r;
}

/* The query as queries.get shows it: resultColumns and up to preview_rows
 * resultRows, or the error (lock held). */
static cJSON *query_json(mock_store *s, long long id, const char *sql_text, long long db_id,
                         long long preview)
{
    char *sql = normalise(sql_text);
    cJSON *q = cJSON_CreateObject();
    if (sql == NULL || q == NULL) {
        civis__free(sql);
        cJSON_Delete(q);
        return NULL;
    }
    bool table_hit = false;
    const mock_decl *d = find_decl(s, sql, db_id, &table_hit);
    char why[300] = "";
    civis_table *projected = NULL;
    if (d == NULL)
        snprintf(why, sizeof(why),
                 "the mock has no result declared for this SQL (civis_mock_declare_result): %.200s",
                 sql_text);
    else if (d->error != NULL)
        snprintf(why, sizeof(why), "%s", d->error);
    else if (table_hit)
        project(&projected, d->rows, sql, why, sizeof(why));
    civis__free(sql);
    const civis_table *t = why[0] ? NULL : projected ? projected : d->rows;
    cJSON_AddNumberToObject(q, "id", (double)id);
    cJSON_AddNumberToObject(q, "database", (double)db_id);
    cJSON_AddStringToObject(q, "sql", sql_text);
    cJSON_AddStringToObject(q, "state", t ? "succeeded" : "failed");
    if (t == NULL)
        cJSON_AddStringToObject(q, "error", why);
    else
        cJSON_AddNullToObject(q, "error");
    cJSON *cols = cJSON_AddArrayToObject(q, "resultColumns");
    cJSON *rows = cJSON_AddArrayToObject(q, "resultRows");
    for (size_t i = 0; t && i < civis_table_ncols(t); i++)
        cJSON_AddItemToArray(cols, cJSON_CreateString(civis_table_column(t, i)));
    for (size_t r = 0; t && r < civis_table_nrows(t) && (long long)r < preview; r++) {
        cJSON *row = cJSON_CreateArray();
        cJSON_AddItemToArray(rows, row);
        for (size_t i = 0; i < civis_table_ncols(t); i++) {
            const char *v = civis_table_value(t, r, i);
            cJSON_AddItemToArray(row, v ? cJSON_CreateString(v) : cJSON_CreateNull());
        }
    }
    civis_table_free(projected);
    return q;
}

static cJSON *queries_post(void *data, const civis_mock_call *call, long *status)
{
    civis_mock *mock = data;
    const cJSON *sql = arg(call->args, "sql", "sql");
    const cJSON *pr = arg(call->args, "preview_rows", "previewRows");
    civis__mock_lock(mock);
    mock_store *s = mock->store;
    long long id = s->next_id++;
    char *text = civis__strdup(cJSON_IsString(sql) ? sql->valuestring : "");
    cJSON *q = text ? query_json(s, id, text, int_arg(call->args, "database", "database"),
                                 cJSON_IsNumber(pr) ? (long long)pr->valuedouble : 0)
                    : NULL;
    cJSON *answer = q ? cJSON_Duplicate(q, true) : NULL;
    bool ok = answer != NULL && civis__mock_grow((void **)&s->scripts, &s->scripts_cap,
                                                 s->n_scripts, sizeof(*s->scripts));
    if (ok)
        s->scripts[s->n_scripts++] = (mock_script){.id = id, .sql = text, .query = q};
    civis__mock_unlock(mock);
    if (!ok) {
        civis__free(text);
        cJSON_Delete(q);
        cJSON_Delete(answer);
        return oom(status);
    }
    /* queries.post answers while the query runs; queries.get has the end. */
    cJSON *running = cJSON_CreateString("running");
    if (running != NULL && !cJSON_ReplaceItemInObjectCaseSensitive(answer, "state", running))
        cJSON_Delete(running);
    return answer;
}

static cJSON *queries_get(void *data, const civis_mock_call *call, long *status)
{
    civis_mock *mock = data;
    civis__mock_lock(mock);
    mock_script *sc = find_script(mock->store, int_arg(call->args, "id", "id"));
    cJSON *q = sc && sc->query ? cJSON_Duplicate(sc->query, true) : NULL;
    civis__mock_unlock(mock);
    if (q == NULL)
        *status = sc && sc->query ? 500 : 404;
    return q;
}

/* ---- declaring ----------------------------------------------------------------------- */

/* Whether the test already set a behaviour for `operation` (lock held). */
static bool has_behaviour(const civis_mock *mock, const char *operation)
{
    const civis_operation *op = civis__mock_find(mock, operation, NULL);
    for (size_t i = 0; op != NULL && i < mock->n_rules; i++)
        if (mock->rules[i].op == op)
            return true;
    return false;
}

/* The answers to the io functions' calls, set by the first declaration and
 * again by the next one after civis_mock_clear removed them all (not when
 * the test replaced some: its own behaviours stay). The database and
 * credential lists are left alone when the test answers them itself. */
static civis_status install(civis_mock *mock, civis_error *err)
{
    static const struct {
        const char *op;
        civis_mock_fn fn;
        bool keep_own; /* the test's own behaviour stays */
    } table[] = {
        {"databases.list", databases_list, true},
        {"credentials.list", credentials_list, true},
        {"scripts.post_sql", post_sql, false},
        {"scripts.post_sql_runs", post_sql_runs, false},
        {"scripts.get_sql_runs", get_sql_runs, false},
        {"queries.post", queries_post, false},
        {"queries.get", queries_get, false},
    };
    civis__mock_lock(mock);
    bool done = false;
    for (size_t r = 0; r < mock->n_rules && !done; r++)
        for (size_t i = 0; i < sizeof(table) / sizeof(table[0]) && !done; i++)
            done = mock->rules[r].callback == table[i].fn;
    bool keep[sizeof(table) / sizeof(table[0])];
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        keep[i] = table[i].keep_own && has_behaviour(mock, table[i].op);
    civis__mock_unlock(mock);
    if (done)
        return CIVIS_OK;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (keep[i])
            continue;
        civis_status st = civis_mock_side_effect(mock, table[i].op, table[i].fn, mock, err);
        if (st != CIVIS_OK)
            return st;
    }
    return CIVIS_OK;
}

/* A copy of a table through its public interface. */
static civis_status copy_table(civis_table **out, const civis_table *t, civis_error *err)
{
    size_t nc = civis_table_ncols(t);
    const char **v = civis__calloc(nc ? nc : 1, sizeof(*v));
    if (v == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory copying the rows");
    for (size_t i = 0; i < nc; i++)
        v[i] = civis_table_column(t, i);
    civis_status st = civis_table_new(out, v, nc, err);
    for (size_t r = 0; st == CIVIS_OK && r < civis_table_nrows(t); r++) {
        for (size_t i = 0; i < nc; i++)
            v[i] = civis_table_value(t, r, i);
        st = civis_table_add_row(*out, v, err);
    }
    civis__free(v);
    if (st != CIVIS_OK) {
        civis_table_free(*out);
        *out = NULL;
    }
    return st;
}

static civis_status declare(civis_mock *mock, const char *database, const char *query,
                            const civis_table *rows, const char *message, civis_error *err)
{
    if (mock == NULL)
        return civis__fail(err, CIVIS_EINVAL, "mock", "no mock given");
    if (query == NULL || query[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "query", "name a table or give the SQL text");
    if (rows == NULL && message == NULL)
        return civis__fail(err, CIVIS_EINVAL, "rows", "no rows given");
    if (message != NULL && message[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "message", "the error needs a message");
    mock_decl d = {0};
    civis_status st = rows ? copy_table(&d.rows, rows, err) : CIVIS_OK;
    if (st != CIVIS_OK)
        return st;
    d.query = normalise(query);
    d.database = database ? civis__strdup(database) : NULL;
    d.error = message ? civis__strdup(message) : NULL;
    civis__mock_lock(mock);
    mock_store *s = civis__mock_store(mock);
    bool ok = s != NULL && d.query && (database == NULL || d.database) &&
              (message == NULL || d.error) &&
              civis__mock_grow((void **)&s->decls, &s->decls_cap, s->n_decls, sizeof(*s->decls));
    bool known = database == NULL;
    for (size_t i = 0; ok && !known && i < s->n_databases; i++)
        known = strcmp(s->databases[i], database) == 0;
    char *name = ok && !known ? civis__strdup(database) : NULL;
    if (ok && !known)
        ok = name != NULL && civis__mock_grow((void **)&s->databases, &s->databases_cap,
                                              s->n_databases, sizeof(*s->databases));
    if (ok) {
        if (name != NULL)
            s->databases[s->n_databases++] = name;
        s->decls[s->n_decls++] = d;
    }
    civis__mock_unlock(mock);
    if (!ok) {
        civis__free(name);
        civis__free(d.query);
        civis__free(d.database);
        civis__free(d.error);
        civis_table_free(d.rows);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory declaring a result");
    }
    return install(mock, err);
}

civis_status civis_mock_declare_result(civis_mock *mock, const char *database, const char *query,
                                       const civis_table *rows, civis_error *err)
{
    if (rows == NULL)
        return civis__fail(err, CIVIS_EINVAL, "rows", "no rows given");
    return declare(mock, database, query, rows, NULL, err);
}

civis_status civis_mock_declare_error(civis_mock *mock, const char *database, const char *query,
                                      const char *message, civis_error *err)
{
    if (message == NULL || message[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "message", "the error needs a message");
    return declare(mock, database, query, NULL, message, err);
}
