/*
 * io_read.c: SQL out of Civis: read_civis(_sql), the streamed read,
 * civis_to_csv, export_to_civis_file and query_civis, on the official
 * client's _sql_script building block (CIVIS_API_NOTES section 4).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "files_internal.h"
#include "future_internal.h"
#include "io_internal.h"

/* ---- shared ------------------------------------------------------------------ */

static void random_job_name(char *buf)
{
    /* uuid4().hex in the official client: only uniqueness matters. */
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static unsigned long long state;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    pthread_mutex_lock(&lock);
    state += ((unsigned long long)ts.tv_nsec << 20) ^ (unsigned long long)ts.tv_sec ^
             ((unsigned long long)getpid() << 40) ^ 0x9E3779B97F4A7C15ull;
    unsigned long long a = state, b = state * 0xBF58476D1CE4E5B9ull + 0x94D049BB133111EBull;
    pthread_mutex_unlock(&lock);
    a ^= a >> 31;
    a *= 0x94D049BB133111EBull;
    b ^= b >> 29;
    b *= 0xBF58476D1CE4E5B9ull;
    snprintf(buf, 33, "%016llx%016llx", a ^ (a >> 32), b ^ (b >> 32));
}

cJSON *civis__io_job_name(const civis_io_options *opts)
{
    if (opts != NULL && opts->job_name != NULL)
        return cJSON_CreateString(opts->job_name);
    char name[40];
    random_job_name(name);
    return cJSON_CreateString(name);
}

civis_status civis__io_db_cred(long long *db, long long *cred, civis_client *client,
                               const char *database, const civis_io_options *opts, civis_error *err)
{
    if (client == NULL)
        return civis__fail(err, CIVIS_EINVAL, "client", "client must not be NULL");
    if (database == NULL || database[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "database", "database must name a database");
    civis_status st = civis_get_database_id(db, client, database, err);
    if (st != CIVIS_OK)
        return st;
    if (opts != NULL && opts->credential_id > 0) {
        *cred = opts->credential_id;
        return CIVIS_OK;
    }
    return civis_default_database_credential_id(cred, client, err);
}

bool civis__io_add(cJSON *o, const char *name, cJSON *v)
{
    if (v == NULL || !cJSON_AddItemToObject(o, name, v)) {
        cJSON_Delete(v);
        return false;
    }
    return true;
}

civis_status civis__io_sql_script(long long *script_id, long long *run_id, civis_client *client,
                                  const char *sql, const char *database, const cJSON *csv_settings,
                                  const civis_io_options *opts, civis_error *err)
{
    *script_id = *run_id = 0;
    if (sql == NULL)
        return civis__fail(err, CIVIS_EINVAL, "sql", "sql must not be NULL");
    long long db = 0, cred = 0;
    civis_status st = civis__io_db_cred(&db, &cred, client, database, opts, err);
    if (st != CIVIS_OK)
        return st;
    /* The official body order: name, [params, arguments], hidden, sql,
     * remote_host_id, credential_id, csv_settings. */
    cJSON *body = cJSON_CreateObject();
    bool ok = body != NULL && civis__io_add(body, "name", civis__io_job_name(opts)) &&
              (opts == NULL || opts->params == NULL ||
               civis__io_add(body, "params", cJSON_Duplicate(opts->params, true))) &&
              (opts == NULL || opts->arguments == NULL ||
               civis__io_add(body, "arguments", cJSON_Duplicate(opts->arguments, true))) &&
              civis__io_add(body, "hidden", cJSON_CreateBool(!(opts && opts->not_hidden))) &&
              civis__io_add(body, "sql", cJSON_CreateString(sql)) &&
              civis__io_add(body, "remote_host_id", cJSON_CreateNumber((double)db)) &&
              civis__io_add(body, "credential_id", cJSON_CreateNumber((double)cred)) &&
              (csv_settings == NULL ||
               civis__io_add(body, "csv_settings", cJSON_Duplicate(csv_settings, true)));
    if (!ok) {
        cJSON_Delete(body);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory building scripts.post_sql");
    }
    civis_response *resp = NULL;
    st = civis_call_take(&resp, client, "scripts", "post_sql", body, err);
    if (st == CIVIS_OK && civis_response_int(script_id, resp, "id", err) != CIVIS_OK)
        st = civis__fail(err, CIVIS_EPARSE, "id", "scripts.post_sql answered without an id");
    civis_response_free(resp);
    resp = NULL;
    if (st == CIVIS_OK)
        st = civis_callv(&resp, client, "scripts", "post_sql_runs", err, "id",
                         CIVIS_INT(*script_id), CIVIS_END);
    if (st == CIVIS_OK && civis_response_int(run_id, resp, "id", err) != CIVIS_OK)
        st = civis__fail(err, CIVIS_EPARSE, "id", "scripts.post_sql_runs answered without an id");
    civis_response_free(resp);
    return st;
}

/* The future over a SQL run, its first poll one interval away
 * (poll_on_creation=False). */
civis_status civis__io_future(civis_future **out, civis_client *client, const char *resource,
                              const char *method, long long id, long long run_id,
                              const civis_io_options *opts, civis_error *err)
{
    civis_future_options o = opts && opts->polling ? *opts->polling : (civis_future_options){0};
    o.delay_first_poll = true; /* the official client's poll_on_creation=False */
    if (run_id <= 0)
        return civis_future_newv(out, client, resource, method, &o, err, "id", CIVIS_INT(id),
                                 CIVIS_END);
    return civis_future_newv(out, client, resource, method, &o, err, "id", CIVIS_INT(id), "run_id",
                             CIVIS_INT(run_id), CIVIS_END);
}

static civis_status sql_future(civis_future **out, civis_client *client, long long script_id,
                               long long run_id, const civis_io_options *opts, civis_error *err)
{
    return civis__io_future(out, client, "scripts", "get_sql_runs", script_id, run_id, opts, err);
}

/* ---- reading ------------------------------------------------------------------ */

typedef struct feed {
    civis__csvr r;
} feed;

static bool feed_bytes(const char *bytes, size_t n, void *data)
{
    return civis__csvr_feed(&((feed *)data)->r, bytes, n);
}

civis_status civis_read_civis_sql_rows(civis_client *client, const char *sql, const char *database,
                                       civis_row_callback fn, void *data,
                                       const civis_io_options *opts, civis_error *err)
{
    if (fn == NULL)
        return civis__fail(err, CIVIS_EINVAL, "fn", "a row callback is required");
    long long script_id = 0, run_id = 0;
    cJSON *cs = cJSON_CreateObject();
    if (cs == NULL || cJSON_AddStringToObject(cs, "compression", "gzip") == NULL) {
        cJSON_Delete(cs);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    }
    civis_status st =
        civis__io_sql_script(&script_id, &run_id, client, sql, database, cs, opts, err);
    cJSON_Delete(cs);
    civis_future *f = NULL;
    if (st == CIVIS_OK)
        st = sql_future(&f, client, script_id, run_id, opts, err);
    if (st == CIVIS_OK)
        st = civis_future_result(NULL, f, err);
    civis_future_free(f);
    /* The official client reads the run once more for its output. */
    civis_response *run = NULL;
    if (st == CIVIS_OK)
        st = civis_callv(&run, client, "scripts", "get_sql_runs", err, "id", CIVIS_INT(script_id),
                         "run_id", CIVIS_INT(run_id), CIVIS_END);
    const char *path = NULL;
    if (st == CIVIS_OK) {
        const cJSON *p = civis_response_get(run, "output.0.path");
        if (!cJSON_IsString(p) || p->valuestring[0] == '\0')
            st = civis__fail(err, CIVIS_EEMPTY, "sql", "Query %lld returned no output.", script_id);
        else
            path = p->valuestring;
    }
    if (st == CIVIS_OK) {
        feed fd;
        st = civis__csvr_init(&fd.r, fn, data, err);
        if (st == CIVIS_OK) {
            civis_error derr = CIVIS_ERROR_INIT;
            st = civis__download_url(path, "the query's result", feed_bytes, &fd, client,
                                     opts ? opts->files : NULL, &derr);
            if (fd.r.st != CIVIS_OK) /* the reader stopped the transfer: its reason wins */
                st = civis__csvr_finish(&fd.r, err);
            else if (st != CIVIS_OK && err != NULL)
                *err = derr;
            else
                st = civis__csvr_finish(&fd.r, err);
            civis__csvr_free(&fd.r);
        }
    }
    civis_response_free(run);
    return st;
}

civis_status civis_read_civis_sql(civis_table **out, civis_client *client, const char *sql,
                                  const char *database, const civis_io_options *opts,
                                  civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    civis_table *t = NULL;
    civis_status st =
        civis_read_civis_sql_rows(client, sql, database, civis__table_collect, &t, opts, err);
    if (st == CIVIS_OK && t == NULL)
        st = civis__fail(err, CIVIS_EEMPTY, "sql", "the query's result has no header line");
    if (st != CIVIS_OK) {
        civis_table_free(t);
        return st;
    }
    *out = t;
    return CIVIS_OK;
}

civis_status civis_read_civis(civis_table **out, civis_client *client, const char *table,
                              const char *const *columns, size_t n_columns, const char *database,
                              const civis_io_options *opts, civis_error *err)
{
    if (out != NULL)
        *out = NULL;
    if (table == NULL || table[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "table", "table must name a table");
    size_t len = strlen("select  from ") + strlen(table) + 2;
    for (size_t i = 0; i < n_columns; i++) {
        if (columns[i] == NULL)
            return civis__fail(err, CIVIS_EINVAL, "columns", "column %zu is NULL", i);
        len += strlen(columns[i]) + 2;
    }
    char *sql = civis__malloc(len);
    if (sql == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    strcpy(sql, "select ");
    if (n_columns == 0)
        strcat(sql, "*");
    for (size_t i = 0; i < n_columns; i++) {
        if (i > 0)
            strcat(sql, ", ");
        strcat(sql, columns[i]);
    }
    strcat(sql, " from ");
    strcat(sql, table);
    civis_status st = civis_read_civis_sql(out, client, sql, database, opts, err);
    civis__free(sql);
    return st;
}

/* ---- civis_to_csv ------------------------------------------------------------- */

typedef struct to_csv {
    char *filename;
    bool plain; /* gunzip what arrives */
    FILE *fp;
    z_stream zs;
    bool z_open, z_end;
    char *zout;
    bool failed;
    civis_client *client;
    civis_file_options files;
    bool has_files;
} to_csv;

static void to_csv_free(to_csv *t)
{
    if (t == NULL)
        return;
    civis__free(t->filename);
    civis__free(t);
}

static void to_csv_release(void *data)
{
    to_csv_free(data);
}

static bool write_plain(const char *bytes, size_t n, void *data)
{
    to_csv *t = data;
    if (!t->plain)
        return fwrite(bytes, 1, n, t->fp) == n;
    t->zs.next_in = (Bytef *)(uintptr_t)bytes;
    t->zs.avail_in = (uInt)n;
    while (t->zs.avail_in > 0) {
        if (t->z_end) {
            if (inflateReset(&t->zs) != Z_OK)
                return false;
            t->z_end = false;
        }
        t->zs.next_out = (Bytef *)t->zout;
        t->zs.avail_out = 64 * 1024;
        int rc = inflate(&t->zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            return false;
        t->z_end = rc == Z_STREAM_END;
        size_t have = 64 * 1024 - t->zs.avail_out;
        if (have > 0 && fwrite(t->zout, 1, have, t->fp) != have)
            return false;
        if (rc == Z_BUF_ERROR)
            break;
    }
    return true;
}

/* The done callback: on success, the result into the file. */
static civis_status to_csv_done(civis_future *f, void *data, civis_error *err)
{
    to_csv *t = data;
    const civis_response *run = NULL;
    civis_error ignored = CIVIS_ERROR_INIT;
    if (civis_future_result(&run, f, &ignored) != CIVIS_OK)
        return CIVIS_OK; /* nothing to write for a failed run */
    const cJSON *p = civis_response_get(run, "output.0.path");
    if (!cJSON_IsString(p))
        return CIVIS_OK; /* the official client warns and writes nothing */
    t->fp = fopen(t->filename, "wb");
    if (t->fp == NULL)
        return civis__fail(err, CIVIS_EIO, "filename", "cannot open %.300s for writing: %s",
                           t->filename, strerror(errno));
    civis_status st = CIVIS_OK;
    if (t->plain) {
        t->zout = civis__malloc(64 * 1024);
        if (t->zout == NULL || inflateInit2(&t->zs, 15 + 32) != Z_OK)
            st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
        else
            t->z_open = true;
    }
    if (st == CIVIS_OK)
        st = civis__download_url(p->valuestring, "the export", write_plain, t, t->client,
                                 t->has_files ? &t->files : NULL, err);
    if (t->z_open)
        inflateEnd(&t->zs);
    civis__free(t->zout);
    t->zout = NULL;
    if (fclose(t->fp) != 0 && st == CIVIS_OK)
        st = civis__fail(err, CIVIS_EIO, "filename", "cannot write %.300s: %s", t->filename,
                         strerror(errno));
    t->fp = NULL;
    return st;
}

const char *civis__io_delimiter_name(char d)
{
    return d == ',' ? "comma" : d == '\t' ? "tab" : d == '|' ? "pipe" : NULL;
}

civis_status civis__io_csv_format(const char **delim, const char **comp, char delimiter, char dflt,
                                  const char *compression, civis_error *err)
{
    *delim = civis__io_delimiter_name(delimiter ? delimiter : dflt);
    if (*delim == NULL)
        return civis__fail(err, CIVIS_EINVAL, "delimiter",
                           "delimiter must be one of ',', '\\t' or '|'");
    *comp = compression ? compression : "none";
    if (strcmp(*comp, "none") != 0 && strcmp(*comp, "gzip") != 0)
        return civis__fail(err, CIVIS_EINVAL, "compression",
                           "compression must be \"none\" or \"gzip\", got \"%.40s\"", *comp);
    return CIVIS_OK;
}

civis_status civis_civis_to_csv(civis_future **out, civis_client *client, const char *filename,
                                const char *sql, const char *database, const civis_csv_options *csv,
                                const civis_io_options *opts, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    if (filename == NULL || filename[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "filename", "filename must not be empty");
    civis_csv_options c = csv ? *csv : (civis_csv_options){0};
    const char *delim, *comp;
    civis_status fst = civis__io_csv_format(&delim, &comp, c.delimiter, ',', c.compression, err);
    if (fst != CIVIS_OK)
        return fst;
    /* The official quirk: gzip with a header is written as plain CSV. */
    bool plain = strcmp(comp, "none") == 0 || !c.no_header;
    cJSON *cs = cJSON_CreateObject();
    bool ok = cs != NULL && civis__io_add(cs, "include_header", cJSON_CreateBool(!c.no_header)) &&
              civis__io_add(cs, "compression", cJSON_CreateString("gzip")) &&
              civis__io_add(cs, "column_delimiter", cJSON_CreateString(delim)) &&
              civis__io_add(cs, "unquoted", cJSON_CreateBool(c.unquoted)) &&
              civis__io_add(cs, "filename_prefix", cJSON_CreateNull()) &&
              civis__io_add(cs, "force_multifile", cJSON_CreateFalse());
    to_csv *t = ok ? civis__calloc(1, sizeof(*t)) : NULL;
    if (t == NULL || (t->filename = civis__strdup(filename)) == NULL) {
        to_csv_free(t);
        cJSON_Delete(cs);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    }
    t->plain = plain;
    t->client = client;
    if (opts && opts->files) {
        t->files = *opts->files;
        t->has_files = true;
    }
    long long script_id = 0, run_id = 0;
    civis_status st =
        civis__io_sql_script(&script_id, &run_id, client, sql, database, cs, opts, err);
    cJSON_Delete(cs);
    if (st == CIVIS_OK)
        st = sql_future(out, client, script_id, run_id, opts, err);
    if (st != CIVIS_OK) {
        to_csv_free(t);
        return st;
    }
    /* The callback's state lives as long as the future. */
    civis__future_own(*out, t, to_csv_release);
    st = civis_future_add_done_callback(*out, to_csv_done, t, err);
    if (st != CIVIS_OK) {
        civis_future_free(*out);
        *out = NULL;
    }
    return st;
}

civis_status civis_export_to_civis_file(civis_future **out, civis_client *client, const char *sql,
                                        const char *database, const cJSON *csv_settings,
                                        const civis_io_options *opts, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    cJSON *empty = csv_settings ? NULL : cJSON_CreateObject();
    if (csv_settings == NULL && empty == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    long long script_id = 0, run_id = 0;
    civis_status st = civis__io_sql_script(&script_id, &run_id, client, sql, database,
                                           csv_settings ? csv_settings : empty, opts, err);
    cJSON_Delete(empty);
    return st == CIVIS_OK ? sql_future(out, client, script_id, run_id, opts, err) : st;
}

civis_status civis_query_civis(civis_future **out, civis_client *client, const char *sql,
                               const char *database, int preview_rows, const civis_io_options *opts,
                               civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    if (sql == NULL)
        return civis__fail(err, CIVIS_EINVAL, "sql", "sql must not be NULL");
    long long db = 0, cred = 0;
    civis_status st = civis__io_db_cred(&db, &cred, client, database, opts, err);
    if (st != CIVIS_OK)
        return st;
    civis_response *q = NULL;
    st = civis_callv(&q, client, "queries", "post", err, "database", CIVIS_INT(db), "sql",
                     CIVIS_STR(sql), "credential", CIVIS_INT(cred), "hidden",
                     CIVIS_BOOL(!(opts && opts->not_hidden)), "preview_rows",
                     CIVIS_INT(preview_rows < 0 ? 10 : preview_rows), CIVIS_END);
    long long id = 0;
    if (st == CIVIS_OK && civis_response_int(&id, q, "id", err) != CIVIS_OK)
        st = civis__fail(err, CIVIS_EPARSE, "id", "queries.post answered without an id");
    civis_response_free(q);
    if (st != CIVIS_OK)
        return st;
    return civis__io_future(out, client, "queries", "get", id, 0, opts, err);
}
