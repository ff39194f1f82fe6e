/*
 * io_import.c: tables into Civis: civis_file_to_table (the official
 * client's civis_file_to_table, CIVIS_API_NOTES 4.6) and the two that feed
 * it, csv_to_civis and dataframe_to_civis (here: an in-memory civis_table).
 */
#include <string.h>
#include <strings.h>

#include "civis/jobs.h"
#include "io_internal.h"

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *copy_or_null(const cJSON *v)
{
    return v ? cJSON_Duplicate(v, true) : cJSON_CreateNull();
}

/* table_columns: a list of {name, sql_type} with every or no sql_type. */
static civis_status check_columns(const cJSON *tc, bool *all_types, civis_error *err)
{
    *all_types = false;
    if (tc == NULL)
        return CIVIS_OK;
    if (!cJSON_IsArray(tc))
        return civis__fail(err, CIVIS_EINVAL, "table_columns", "table_columns must be a list");
    int typed = 0, n = 0;
    for (const cJSON *c = tc->child; c != NULL; c = c->next, n++) {
        if (!cJSON_IsObject(c))
            return civis__fail(err, CIVIS_EINVAL, "table_columns",
                               "table_columns[%d] must be an object {name, sql_type}", n);
        for (const cJSON *k = c->child; k != NULL; k = k->next)
            if (strcmp(k->string, "name") != 0 && strcmp(k->string, "sql_type") != 0)
                return civis__fail(err, CIVIS_EINVAL, "table_columns",
                                   "table_columns[%d] has the key '%s'; only name and sql_type "
                                   "are allowed",
                                   n, k->string);
        typed += cJSON_IsString(cJSON_GetObjectItemCaseSensitive(c, "sql_type"));
    }
    if (typed > 0 && typed < n)
        return civis__fail(err, CIVIS_EINVAL, "table_columns",
                           "Some table columns have a sql type provided, but others do not.");
    *all_types = n > 0 && typed == n;
    return CIVIS_OK;
}

/* The base of a SQL type: "VARCHAR(10)" -> "VARCHAR". */
static size_t base_len(const char *t)
{
    const char *p = strchr(t, '(');
    return p ? (size_t)(p - t) : strlen(t);
}

/* Merges the columns detected in one file into `cols` (the official
 * _check_column_types): same count, same base types; a VARCHAR wins. */
static civis_status merge_columns(cJSON **cols, const cJSON *detected, long long fid,
                                  civis_error *err)
{
    if (!cJSON_IsArray(detected))
        return civis__fail(err, CIVIS_EPARSE, "", "file %lld has no detected tableColumns", fid);
    if (*cols == NULL) {
        *cols = cJSON_CreateArray();
        if (*cols == NULL)
            return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
        int i = 0;
        for (const cJSON *c = detected->child; c != NULL; c = c->next, i++) {
            const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
            const cJSON *ty = cJSON_GetObjectItemCaseSensitive(c, "sqlType");
            cJSON *o = cJSON_CreateObject();
            bool ok = o != NULL && civis__io_add(o, "name", copy_or_null(nm)) &&
                      civis__io_add(o, "sql_type", copy_or_null(ty)) &&
                      cJSON_AddItemToArray(*cols, o);
            if (!ok) {
                cJSON_Delete(o);
                return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
            }
        }
        return CIVIS_OK;
    }
    if (cJSON_GetArraySize(*cols) != cJSON_GetArraySize(detected))
        return civis__fail(err, CIVIS_EINVAL, "file_ids",
                           "All files must have the same number of columns; file %lld has %d, "
                           "the first %d",
                           fid, cJSON_GetArraySize(detected), cJSON_GetArraySize(*cols));
    const cJSON *d = detected->child;
    for (cJSON *c = (*cols)->child; c != NULL && d != NULL; c = c->next, d = d->next) {
        cJSON *ty = cJSON_GetObjectItemCaseSensitive(c, "sql_type");
        const cJSON *dt = cJSON_GetObjectItemCaseSensitive(d, "sqlType");
        cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
        const cJSON *dn = cJSON_GetObjectItemCaseSensitive(d, "name");
        if ((!cJSON_IsString(nm) || nm->valuestring[0] == '\0') && cJSON_IsString(dn))
            cJSON_ReplaceItemInObjectCaseSensitive(c, "name", cJSON_CreateString(dn->valuestring));
        if (!cJSON_IsString(ty) || !cJSON_IsString(dt))
            continue;
        size_t a = base_len(ty->valuestring), b = base_len(dt->valuestring);
        if (a == b && strncasecmp(ty->valuestring, dt->valuestring, a) == 0)
            continue;
        bool varchar = (a == 7 && strncasecmp(ty->valuestring, "VARCHAR", 7) == 0) ||
                       (b == 7 && strncasecmp(dt->valuestring, "VARCHAR", 7) == 0);
        if (!varchar)
            return civis__fail(err, CIVIS_EINVAL, "file_ids",
                               "Column types of the files do not agree: %s and %s", ty->valuestring,
                               dt->valuestring);
        cJSON_ReplaceItemInObjectCaseSensitive(c, "sql_type", cJSON_CreateString("VARCHAR"));
    }
    int i = 0;
    for (cJSON *c = (*cols)->child; c != NULL; c = c->next, i++) {
        const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
        if (!cJSON_IsString(nm) || nm->valuestring[0] == '\0') {
            char name[32];
            snprintf(name, sizeof(name), "column_%d", i);
            cJSON_ReplaceItemInObjectCaseSensitive(c, "name", cJSON_CreateString(name));
        }
    }
    return CIVIS_OK;
}

/* What the cleaned files agree on. */
typedef struct detected {
    bool set;
    bool header;
    char delimiter[16];
    char compression[16];
} detected;

static civis_status check_info(detected *d, const cJSON *info, const civis_import_options *imp,
                               long long fid, civis_error *err)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(info, "includeHeader");
    const cJSON *dl = cJSON_GetObjectItemCaseSensitive(info, "columnDelimiter");
    const cJSON *cp = cJSON_GetObjectItemCaseSensitive(info, "compression");
    if (!cJSON_IsBool(h) || !cJSON_IsString(dl) || !cJSON_IsString(cp))
        return civis__fail(err, CIVIS_EPARSE, "", "file %lld has no detectedInfo", fid);
    if (!d->set) {
        d->set = true;
        d->header = cJSON_IsTrue(h);
        snprintf(d->delimiter, sizeof(d->delimiter), "%s", dl->valuestring);
        snprintf(d->compression, sizeof(d->compression), "%s", cp->valuestring);
    } else if (d->header != cJSON_IsTrue(h) || strcmp(d->delimiter, dl->valuestring) != 0 ||
               strcmp(d->compression, cp->valuestring) != 0) {
        return civis__fail(err, CIVIS_EINVAL, "file_ids",
                           "All files must have the same header, delimiter and compression; file "
                           "%lld differs",
                           fid);
    }
    if (imp->headers != 0 && (imp->headers > 0) != d->header)
        return civis__fail(err, CIVIS_EINVAL, "headers",
                           "Mismatch between detected headers (%s) and the headers given",
                           d->header ? "true" : "false");
    const char *want = civis__io_delimiter_name(imp->delimiter);
    if (want != NULL && strcmp(want, d->delimiter) != 0)
        return civis__fail(err, CIVIS_EINVAL, "delimiter",
                           "Provided delimiter \"%s\" does not match the detected delimiter "
                           "\"%s\"",
                           want, d->delimiter);
    return CIVIS_OK;
}

static civis_status preprocess(civis_future **fut, long long *job, civis_client *client,
                               long long fid, bool need_columns, const civis_import_options *imp,
                               const civis_io_options *opts, civis_error *err)
{
    const char *delim = civis__io_delimiter_name(imp->delimiter);
    cJSON *body = cJSON_CreateObject();
    bool ok = body != NULL && civis__io_add(body, "file_id", cJSON_CreateNumber((double)fid)) &&
              civis__io_add(body, "in_place", cJSON_CreateFalse()) &&
              civis__io_add(body, "detect_table_columns", cJSON_CreateBool(need_columns)) &&
              civis__io_add(body, "force_character_set_conversion", cJSON_CreateTrue()) &&
              civis__io_add(body, "include_header",
                            imp->headers == 0 ? cJSON_CreateNull()
                                              : cJSON_CreateBool(imp->headers > 0)) &&
              civis__io_add(body, "column_delimiter", str_or_null(delim)) &&
              civis__io_add(body, "hidden", cJSON_CreateBool(!(opts && opts->not_hidden)));
    if (!ok) {
        cJSON_Delete(body);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    }
    civis_response *resp = NULL;
    civis_status st = civis_call_take(&resp, client, "files", "post_preprocess_csv", body, err);
    if (st == CIVIS_OK && civis_response_int(job, resp, "id", err) != CIVIS_OK)
        st = civis__fail(err, CIVIS_EPARSE, "id",
                         "files.post_preprocess_csv answered without an id");
    civis_response_free(resp);
    if (st == CIVIS_OK)
        st = civis_run_job(fut, client, *job, opts ? opts->polling : NULL, err);
    /* The official client reads the file here, for a debug log line. */
    resp = NULL;
    if (st == CIVIS_OK)
        st = civis_callv(&resp, client, "files", "get", err, "id", CIVIS_INT(fid), CIVIS_END);
    civis_response_free(resp);
    return st;
}

/* The cleaned file of a finished preprocess future: its id, and its
 * detectedInfo merged into `d` and `cols`. */
static civis_status cleaned(long long *out, civis_future *f, long long job, civis_client *client,
                            detected *d, cJSON **cols, bool need_columns,
                            const civis_import_options *imp, civis_error *err)
{
    const civis_response *run = civis_future_response(f);
    long long run_id = 0;
    civis_status st = civis_response_int(&run_id, run, "id", err);
    civis_response *outs = NULL;
    if (st == CIVIS_OK)
        st = civis_callv(&outs, client, "jobs", "list_runs_outputs", err, "id", CIVIS_INT(job),
                         "run_id", CIVIS_INT(run_id), CIVIS_END);
    long long fid = 0;
    if (st == CIVIS_OK) {
        const cJSON *o = civis_response_at(outs, NULL, 0);
        if (o == NULL || civis_json_int(&fid, o, "object_id", err) != CIVIS_OK)
            st = civis__fail(err, CIVIS_EEMPTY, "file_ids",
                             "No CSV preprocess output found for run %lld of job %lld (%s)", run_id,
                             job,
                             civis_future_error_text(f) ? civis_future_error_text(f) : "no output");
    }
    civis_response_free(outs);
    civis_response *file = NULL;
    if (st == CIVIS_OK)
        st = civis_callv(&file, client, "files", "get", err, "id", CIVIS_INT(fid), CIVIS_END);
    if (st == CIVIS_OK) {
        const cJSON *info = civis_response_get(file, "detected_info");
        st = check_info(d, info, imp, fid, err);
        if (st == CIVIS_OK && need_columns)
            st = merge_columns(cols, cJSON_GetObjectItemCaseSensitive(info, "tableColumns"), fid,
                               err);
    }
    civis_response_free(file);
    *out = fid;
    return st;
}

civis_status civis_file_to_table(civis_future **out, civis_client *client,
                                 const long long *file_ids, size_t n, const char *database,
                                 const char *table, const civis_import_options *imp_in,
                                 const civis_io_options *opts, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    if (file_ids == NULL || n == 0)
        return civis__fail(err, CIVIS_EINVAL, "file_ids", "file_ids must name at least one file");
    civis_import_options imp = imp_in ? *imp_in : (civis_import_options){0};
    const char *etr = imp.existing_table_rows ? imp.existing_table_rows : "fail";
    if (imp.delimiter != 0 && civis__io_delimiter_name(imp.delimiter) == NULL)
        return civis__fail(err, CIVIS_EINVAL, "delimiter",
                           "delimiter must be one of ',', '\\t' or '|'");
    bool all_types = false;
    civis_status st = check_columns(imp.table_columns, &all_types, err);
    if (st != CIVIS_OK)
        return st;
    char *schema = NULL, *name = NULL;
    st = civis_split_schema_tablename(&schema, &name, table, err);
    if (st == CIVIS_OK && schema == NULL)
        st = civis__fail(err, CIVIS_EINVAL, "table", "table must be \"schema.table\", got \"%s\"",
                         table);
    long long db = 0, cred = 0;
    if (st == CIVIS_OK)
        st = civis__io_db_cred(&db, &cred, client, database, opts, err);
    bool exists = false;
    if (st == CIVIS_OK) {
        civis_response *t = NULL;
        civis_error terr = CIVIS_ERROR_INIT;
        /* 200: the table exists; 404 or any other error: it does not. */
        exists = civis_callv(&t, client, "databases", "get_schemas_tables", &terr, "id",
                             CIVIS_INT(db), "schema_name", CIVIS_STR(schema), "table_name",
                             CIVIS_STR(name), CIVIS_END) == CIVIS_OK;
        civis_response_free(t);
    }
    bool need_columns = (!exists || strcmp(etr, "drop") == 0) && !all_types;
    civis_future **futs = st == CIVIS_OK ? civis__calloc(n, sizeof(*futs)) : NULL;
    long long *clean = st == CIVIS_OK ? civis__calloc(n, sizeof(*clean)) : NULL;
    long long *jobs = st == CIVIS_OK ? civis__calloc(n, sizeof(*jobs)) : NULL;
    if (st == CIVIS_OK && (futs == NULL || clean == NULL || jobs == NULL))
        st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    for (size_t i = 0; st == CIVIS_OK && i < n; i++)
        st = preprocess(&futs[i], &jobs[i], client, file_ids[i], need_columns, &imp, opts, err);
    size_t n_done = 0, first = 0;
    if (st == CIVIS_OK)
        st = civis_futures_wait(&n_done, &first, futs, n, CIVIS_WAIT_ALL, -1, err);
    detected d = {0};
    cJSON *cols = NULL;
    for (size_t i = 0; st == CIVIS_OK && i < n; i++)
        st = cleaned(&clean[i], futs[i], jobs[i], client, &d, &cols, need_columns, &imp, err);
    for (size_t i = 0; futs != NULL && i < n; i++)
        civis_future_free(futs[i]);
    civis__free(futs);
    civis__free(jobs);
    cJSON *body = NULL;
    if (st == CIVIS_OK) {
        char title[300];
        snprintf(title, sizeof(title), "CSV import to %s.%s", schema, name);
        body = cJSON_CreateObject();
        cJSON *src = cJSON_CreateObject();
        cJSON *ids = cJSON_CreateArray();
        for (size_t i = 0; ids != NULL && i < n; i++)
            if (!cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)clean[i]))) {
                cJSON_Delete(ids);
                ids = NULL;
            }
        bool ok = src != NULL && civis__io_add(src, "file_ids", ids);
        ids = NULL;
        cJSON *dst = cJSON_CreateObject();
        ok = ok && dst != NULL && civis__io_add(dst, "schema", cJSON_CreateString(schema)) &&
             civis__io_add(dst, "table", cJSON_CreateString(name)) &&
             civis__io_add(dst, "remote_host_id", cJSON_CreateNumber((double)db)) &&
             civis__io_add(dst, "credential_id", cJSON_CreateNumber((double)cred)) &&
             civis__io_add(dst, "primary_keys", copy_or_null(imp.primary_keys)) &&
             civis__io_add(dst, "last_modified_keys", copy_or_null(imp.last_modified_keys));
        cJSON *rdo = cJSON_CreateObject();
        cJSON *sortkeys = cJSON_CreateArray();
        ok = ok && rdo != NULL && sortkeys != NULL &&
             cJSON_AddItemToArray(sortkeys, str_or_null(imp.sortkey1)) &&
             cJSON_AddItemToArray(sortkeys, str_or_null(imp.sortkey2));
        ok = ok && civis__io_add(rdo, "distkey", str_or_null(imp.distkey)) &&
             civis__io_add(rdo, "sortkeys", sortkeys);
        if (ok)
            sortkeys = NULL;
        ok = ok && civis__io_add(rdo, "diststyle", str_or_null(imp.diststyle));
        ok = ok && body != NULL && civis__io_add(body, "name", cJSON_CreateString(title)) &&
             civis__io_add(body, "source", src) && (src = NULL, true) &&
             civis__io_add(body, "destination", dst) && (dst = NULL, true) &&
             civis__io_add(body, "first_row_is_header", cJSON_CreateBool(d.header)) &&
             civis__io_add(body, "column_delimiter", cJSON_CreateString(d.delimiter)) &&
             civis__io_add(body, "escaped", cJSON_CreateBool(imp.escaped)) &&
             civis__io_add(body, "compression", cJSON_CreateString(d.compression)) &&
             civis__io_add(body, "existing_table_rows", cJSON_CreateString(etr)) &&
             civis__io_add(body, "max_errors",
                           imp.has_max_errors ? cJSON_CreateNumber((double)imp.max_errors)
                                              : cJSON_CreateNull()) &&
             civis__io_add(body, "table_columns",
                           need_columns ? (cols ? cJSON_Duplicate(cols, true) : cJSON_CreateNull())
                                        : copy_or_null(imp.table_columns)) &&
             civis__io_add(body, "loosen_types", cJSON_CreateBool(need_columns)) &&
             civis__io_add(body, "execution",
                           cJSON_CreateString(imp.execution ? imp.execution : "immediate")) &&
             civis__io_add(body, "redshift_destination_options", rdo) && (rdo = NULL, true) &&
             civis__io_add(body, "hidden", cJSON_CreateBool(!(opts && opts->not_hidden)));
        cJSON_Delete(src);
        cJSON_Delete(dst);
        cJSON_Delete(rdo);
        cJSON_Delete(sortkeys);
        if (!ok) {
            cJSON_Delete(body);
            body = NULL;
            st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory building the import");
        }
    }
    cJSON_Delete(cols);
    civis__free(clean);
    civis__free(schema);
    civis__free(name);
    if (st != CIVIS_OK)
        return st;
    civis_response *resp = NULL;
    long long import_id = 0;
    st = civis_call_take(&resp, client, "imports", "post_files_csv", body, err);
    if (st == CIVIS_OK && civis_response_int(&import_id, resp, "id", err) != CIVIS_OK)
        st = civis__fail(err, CIVIS_EPARSE, "id", "imports.post_files_csv answered without an id");
    civis_response_free(resp);
    if (st != CIVIS_OK)
        return st;
    return civis_run_job(out, client, import_id, opts ? opts->polling : NULL, err);
}

civis_status civis_csv_to_civis(civis_future **out, civis_client *client, const char *filename,
                                const char *database, const char *table,
                                const civis_import_options *imp, const civis_io_options *opts,
                                civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    long long fid = 0;
    civis_status st =
        civis_file_to_civis(&fid, client, filename, NULL, opts ? opts->files : NULL, err);
    if (st != CIVIS_OK)
        return st;
    civis_import_options o = imp ? *imp : (civis_import_options){0};
    if (o.delimiter == 0)
        o.delimiter = ',';
    return civis_file_to_table(out, client, &fid, 1, database, table, &o, opts, err);
}

civis_status civis_table_to_civis(civis_future **out, civis_client *client, const civis_table *t,
                                  const char *database, const char *table,
                                  const civis_import_options *imp, const civis_io_options *opts,
                                  civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    if (t == NULL)
        return civis__fail(err, CIVIS_EINVAL, "t", "the table must not be NULL");
    char *schema = NULL, *name = NULL;
    civis_status st = civis_split_schema_tablename(&schema, &name, table, err);
    char *csv = NULL;
    size_t len = 0;
    if (st == CIVIS_OK)
        st = civis__table_csv(&csv, &len, t, err);
    long long fid = 0;
    if (st == CIVIS_OK)
        st = civis_buffer_to_civis(&fid, client, csv, len, name, opts ? opts->files : NULL, err);
    civis__free(csv);
    civis__free(schema);
    civis__free(name);
    if (st != CIVIS_OK)
        return st;
    civis_import_options o = imp ? *imp : (civis_import_options){0};
    o.delimiter = ',';
    o.headers = 1;
    o.escaped = false;
    return civis_file_to_table(out, client, &fid, 1, database, table, &o, opts, err);
}
