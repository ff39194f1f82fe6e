/*
 * io_transfer.c: civis_to_multifile_csv (an unload into several files and
 * its manifest) and transfer_table (a Dbsync import copying a table between
 * databases), with the official client's calls and bodies
 * (CIVIS_API_NOTES sections 4.4 and 4.10).
 */
#include <string.h>

#include "future_internal.h"
#include "io_internal.h"

/* ---- civis_to_multifile_csv ------------------------------------------------------ */

civis_status civis_civis_to_multifile_csv(cJSON **manifest, civis_client *client, const char *sql,
                                          const char *database, const civis_multifile_options *mf,
                                          const civis_io_options *opts, civis_error *err)
{
    if (manifest == NULL)
        return civis__fail(err, CIVIS_EINVAL, "manifest", "manifest must not be NULL");
    *manifest = NULL;
    civis_multifile_options m = mf ? *mf : (civis_multifile_options){0};
    const char *delim, *comp;
    civis_status fst = civis__io_csv_format(&delim, &comp, m.delimiter, '|', m.compression, err);
    if (fst != CIVIS_OK)
        return fst;
    /* The official body: every key, nulls included, in this order. */
    cJSON *cs = cJSON_CreateObject();
    bool ok = cs != NULL && civis__io_add(cs, "include_header", cJSON_CreateBool(!m.no_header)) &&
              civis__io_add(cs, "compression", cJSON_CreateString(comp)) &&
              civis__io_add(cs, "column_delimiter", cJSON_CreateString(delim)) &&
              civis__io_add(cs, "unquoted", cJSON_CreateBool(m.unquoted)) &&
              civis__io_add(cs, "filename_prefix",
                            m.prefix ? cJSON_CreateString(m.prefix) : cJSON_CreateNull()) &&
              civis__io_add(cs, "force_multifile", cJSON_CreateTrue()) &&
              civis__io_add(cs, "max_file_size",
                            m.max_file_size > 0 ? cJSON_CreateNumber((double)m.max_file_size)
                                                : cJSON_CreateNull());
    if (!ok) {
        cJSON_Delete(cs);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    }
    long long script_id = 0, run_id = 0;
    civis_status st =
        civis__io_sql_script(&script_id, &run_id, client, sql, database, cs, opts, err);
    cJSON_Delete(cs);
    civis_future *f = NULL;
    if (st == CIVIS_OK)
        st = civis__io_future(&f, client, "scripts", "get_sql_runs", script_id, run_id, opts, err);
    const civis_response *run = NULL;
    if (st == CIVIS_OK)
        st = civis_future_result(&run, f, err);
    long long file_id = 0;
    /* civis_response_int checks the range before it converts; its own
     * error gives way to the official message. */
    civis_error ignored = CIVIS_ERROR_INIT;
    if (st == CIVIS_OK &&
        civis_response_int(&file_id, run, "output.0.fileId", &ignored) != CIVIS_OK)
        st = civis__fail(err, CIVIS_EEMPTY, "sql", "Unload query %lld returned no manifest.",
                         script_id);
    civis_error_clear(&ignored);
    civis_future_free(f);
    char *text = NULL;
    size_t len = 0;
    if (st == CIVIS_OK)
        st = civis_civis_to_buffer(&text, &len, client, file_id, opts ? opts->files : NULL, err);
    if (st == CIVIS_OK) {
        const char *end = NULL;
        *manifest = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1); /* with its NUL */
        if (*manifest == NULL)
            st = civis__fail(err, CIVIS_EPARSE, "manifest",
                             "the manifest (file %lld) is not JSON (error near byte %ld)", file_id,
                             end ? (long)(end - text) : 0L);
    }
    civis_free(text);
    return st;
}

/* ---- transfer_table ------------------------------------------------------------------ */

/* {remote_host_id, credential_id} of one side. */
static cJSON *side(long long db, long long cred)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !civis__io_add(o, "remote_host_id", cJSON_CreateNumber((double)db)) ||
        !civis__io_add(o, "credential_id", cJSON_CreateNumber((double)cred))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *path_obj(const char *path)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !civis__io_add(o, "path", cJSON_CreateString(path))) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

civis_status civis_transfer_table(civis_future **out, civis_client *client, const char *source_db,
                                  const char *dest_db, const char *source_table,
                                  const char *dest_table, const civis_transfer_options *xfer,
                                  const civis_io_options *opts, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    if (client == NULL)
        return civis__fail(err, CIVIS_EINVAL, "client", "client must not be NULL");
    if (source_db == NULL || source_db[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "source_db", "source_db must name a database");
    if (dest_db == NULL || dest_db[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "dest_db", "dest_db must name a database");
    if (source_table == NULL || source_table[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "source_table", "source_table must name a table");
    if (dest_table == NULL || dest_table[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "dest_table", "dest_table must name a table");
    civis_transfer_options x = xfer ? *xfer : (civis_transfer_options){0};
    /* The official order: both credentials, then both database ids. */
    long long src_cred = x.source_credential_id, dst_cred = x.dest_credential_id;
    long long src_db = 0, dst_db = 0;
    civis_status st = CIVIS_OK;
    if (src_cred <= 0)
        st = civis_default_database_credential_id(&src_cred, client, err);
    if (st == CIVIS_OK && dst_cred <= 0)
        st = civis_default_database_credential_id(&dst_cred, client, err);
    if (st == CIVIS_OK)
        st = civis_get_database_id(&src_db, client, source_db, err);
    if (st == CIVIS_OK)
        st = civis_get_database_id(&dst_db, client, dest_db, err);
    if (st != CIVIS_OK)
        return st;
    cJSON *body = cJSON_CreateObject();
    bool ok = body != NULL && civis__io_add(body, "name", civis__io_job_name(opts)) &&
              civis__io_add(body, "sync_type", cJSON_CreateString("Dbsync")) &&
              civis__io_add(body, "source", side(src_db, src_cred)) &&
              civis__io_add(body, "destination", side(dst_db, dst_cred)) &&
              civis__io_add(body, "is_outbound", cJSON_CreateTrue());
    if (!ok) {
        cJSON_Delete(body);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory building imports.post");
    }
    civis_response *resp = NULL;
    long long import_id = 0, run_id = 0;
    st = civis_call_take(&resp, client, "imports", "post", body, err);
    if (st == CIVIS_OK && civis_response_int(&import_id, resp, "id", err) != CIVIS_OK)
        st = civis__fail(err, CIVIS_EPARSE, "id", "imports.post answered without an id");
    civis_response_free(resp);
    resp = NULL;
    if (st == CIVIS_OK) {
        cJSON *args = cJSON_CreateObject();
        ok = args != NULL && civis__io_add(args, "id", cJSON_CreateNumber((double)import_id)) &&
             civis__io_add(args, "source", path_obj(source_table)) &&
             civis__io_add(args, "destination", path_obj(dest_table)) &&
             civis__io_add(args, "advanced_options",
                           x.advanced_options ? cJSON_Duplicate(x.advanced_options, true)
                                              : cJSON_CreateObject());
        if (!ok) {
            cJSON_Delete(args);
            return civis__fail(err, CIVIS_ENOMEM, "", "out of memory building imports.post_syncs");
        }
        st = civis_call_take(&resp, client, "imports", "post_syncs", args, err);
        civis_response_free(resp);
        resp = NULL;
    }
    if (st == CIVIS_OK)
        st = civis_callv(&resp, client, "imports", "post_runs", err, "id", CIVIS_INT(import_id),
                         CIVIS_END);
    if (st == CIVIS_OK && civis_response_int(&run_id, resp, "runId", err) != CIVIS_OK)
        st = civis__fail(err, CIVIS_EPARSE, "runId", "imports.post_runs answered without a runId");
    civis_response_free(resp);
    if (st != CIVIS_OK)
        return st;
    /* The official quirk: a Dbsync run is polled at the files run endpoint. */
    return civis__io_future(out, client, "imports", "get_files_runs", import_id, run_id, opts, err);
}
