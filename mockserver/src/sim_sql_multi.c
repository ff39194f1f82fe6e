/*
 * sim_sql_multi.c: csv_settings.force_multifile, Redshift's UNLOAD as
 * Civis serves it (civis.io.civis_to_multifile_csv). The result set is
 * cut into parts in row order, CIVIS_SQL_MULTI_SLICES of them (a cluster
 * of that many slices writes one file each) or fewer when there are fewer
 * rows, and a part also ends once it holds max_file_size MB. Parts carry
 * no header row; the manifest, the run's one output, lists them:
 *
 *   {"query", "header": [names] (with include_header), "entries": [{"id",
 *    "name", "size", "url" (s3://), "url_signed"}], "unquoted",
 *    "compression", "delimiter"}
 *
 * Concatenated in order, the parts are the single-file export's rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_sql_internal.h"

#define CIVIS_SQL_MULTI_SLICES 4
#define CHUNK (256 * 1024)

static const cJSON *setting(const sim_obj *job, const char *name)
{
    const cJSON *cs = civis__sim_given(job, "csvSettings");
    return cJSON_IsObject(cs) ? cJSON_GetObjectItemCaseSensitive(cs, name) : NULL;
}

/* Bytes [off, off + cap) of a blob; the count read, 0 at the end or on error. */
static size_t blob_read(const sim_blob *b, uint64_t off, char *out, size_t cap)
{
    if (off >= b->size)
        return 0;
    size_t n = b->size - off < cap ? (size_t)(b->size - off) : cap;
    if (b->fd >= 0) {
        ssize_t got = pread(b->fd, out, n, (off_t)off);
        return got < 0 ? 0 : (size_t)got;
    }
    memcpy(out, b->mem + off, n);
    return n;
}

/* Calls fn at each row end of a CSV blob (a newline outside quotes). */
typedef struct row_walk {
    bool quoted;
    bool unquoted; /* the export wrote no quotes: every newline ends a row */
} row_walk;

static bool row_end(row_walk *w, char c)
{
    if (c == '"' && !w->unquoted)
        w->quoted = !w->quoted;
    return c == '\n' && !w->quoted;
}

static long count_rows(const sim_blob *b, bool unquoted, char *buf)
{
    row_walk w = {.unquoted = unquoted};
    long rows = 0;
    uint64_t off = 0;
    size_t n;
    while ((n = blob_read(b, off, buf, CHUNK)) > 0) {
        for (size_t i = 0; i < n; i++)
            rows += row_end(&w, buf[i]);
        off += n;
    }
    return rows;
}

/* One part being filled. */
typedef struct part {
    sql_out out;
    bool open;
    long rows;
    uint64_t bytes; /* uncompressed */
} part;

typedef struct multi {
    sim_req *r;
    const sql_csv_opts *opts;
    const char *prefix;
    cJSON *entries;
    size_t n_parts;
    char *error;
    size_t errlen;
} multi;

static bool part_open(multi *m, part *p)
{
    sql_csv_opts o = *m->opts;
    if (!cmock__sql_out_init(&p->out, &o, m->r->sim->mem_limit, m->r->sim->state_dir)) {
        sim_blob *b = cmock__sql_out_finish(&p->out);
        civis__sim_blob_free(b);
        snprintf(m->error, m->errlen, "out of memory");
        return false;
    }
    p->open = true;
    p->rows = 0;
    p->bytes = 0;
    return true;
}

/* The part as a File and a manifest entry. */
static bool part_close(multi *m, part *p)
{
    p->open = false;
    sim_blob *blob = cmock__sql_out_finish(&p->out);
    char name[200];
    snprintf(name, sizeof(name), "%s%04zu_part_00%s", m->prefix, m->n_parts,
             m->opts->gzip ? ".gz" : "");
    sim_obj *file = blob ? civis__sim_file_from_bytes(
                               m->r, name, m->opts->gzip ? "application/gzip" : "text/csv", "", 0)
                         : NULL;
    if (file == NULL) {
        civis__sim_blob_free(blob);
        snprintf(m->error, m->errlen, "out of memory");
        return false;
    }
    civis__sim_blob_free(file->file->blob);
    file->file->blob = blob;
    char signed_url[512], url[600];
    civis__sim_file_url(m->r, file, signed_url, sizeof(signed_url));
    snprintf(url, sizeof(url), "s3://civis-mock/%s/%s", file->file->token, name);
    cJSON *e = cJSON_CreateObject();
    bool ok =
        e != NULL && civis__sim_set_num(e, "id", (double)file->id) &&
        civis__sim_set_str(e, "name", name) && civis__sim_set_num(e, "size", (double)blob->size) &&
        civis__sim_set_str(e, "url", url) && civis__sim_set_str(e, "url_signed", signed_url) &&
        cJSON_AddItemToArray(m->entries, e);
    if (!ok) {
        cJSON_Delete(e);
        snprintf(m->error, m->errlen, "out of memory");
        return false;
    }
    m->n_parts++;
    return true;
}

/* Copies the rows of `all` (plain CSV, no header) into parts. */
static bool split(multi *m, const sim_blob *all, long per_part, uint64_t max_bytes)
{
    char *buf = malloc(CHUNK);
    if (buf == NULL) {
        snprintf(m->error, m->errlen, "out of memory");
        return false;
    }
    part p = {0};
    row_walk w = {.unquoted = m->opts->unquoted};
    uint64_t off = 0;
    size_t n;
    bool ok = true;
    while (ok && (n = blob_read(all, off, buf, CHUNK)) > 0) {
        size_t start = 0;
        for (size_t i = 0; ok && i < n; i++) {
            if (!row_end(&w, buf[i]))
                continue;
            if (!p.open)
                ok = part_open(m, &p);
            if (!ok)
                break;
            /* Raw bytes: the rows are CSV already. */
            p.out.opts.unquoted = true;
            cmock__sql_out_field(&p.out, 0, buf + start, i + 1 - start, false);
            p.bytes += i + 1 - start;
            start = i + 1;
            p.rows++;
            if (p.rows >= per_part || (max_bytes > 0 && p.bytes >= max_bytes))
                ok = part_close(m, &p);
        }
        if (ok && start < n) { /* a row continues in the next chunk */
            if (!p.open)
                ok = part_open(m, &p);
            if (ok) {
                p.out.opts.unquoted = true;
                cmock__sql_out_field(&p.out, 0, buf + start, n - start, false);
                p.bytes += n - start;
            }
        }
        off += n;
    }
    if (ok && p.open)
        ok = part_close(m, &p);
    else if (p.open)
        civis__sim_blob_free(cmock__sql_out_finish(&p.out));
    free(buf);
    return ok;
}

static char *manifest_text(const sim_obj *job, const char *sql, const cJSON *cols,
                           const sql_csv_opts *opts, cJSON *entries)
{
    cJSON *m = cJSON_CreateObject();
    if (m == NULL || !cJSON_AddItemToObject(m, "entries", entries)) {
        cJSON_Delete(entries);
        cJSON_Delete(m);
        return NULL;
    }
    char delim[2] = {opts->delimiter, '\0'};
    bool ok = civis__sim_set_str(m, "query", sql);
    if (ok && !cJSON_IsFalse(setting(job, "includeHeader")))
        ok = civis__sim_set(m, "header", cJSON_Duplicate(cols, true));
    ok = ok && civis__sim_set(m, "unquoted", cJSON_CreateBool(opts->unquoted)) &&
         civis__sim_set_str(m, "compression", opts->gzip ? "gzip" : "none") &&
         civis__sim_set_str(m, "delimiter", delim);
    char *text = ok ? cJSON_PrintUnformatted(m) : NULL;
    cJSON_Delete(m);
    return text;
}

bool cmock__sql_multifile(sim_req *r, sim_obj *job, sim_run *run, long dbid, const char *sql,
                          const sql_csv_opts *opts, char *error, size_t errlen)
{
    sql_csv_opts plain = {
        .header = false, .delimiter = opts->delimiter, .unquoted = opts->unquoted, .gzip = false};
    sim_blob *all = NULL;
    cJSON *cols = NULL, *rows = NULL;
    if (!cmock__sql_exec(r, dbid, sql, &plain, &all, 0, &cols, &rows, error, errlen))
        return false;
    cJSON_Delete(rows);
    if (all == NULL) { /* no statement returned columns: nothing to unload */
        cJSON_Delete(cols);
        return true;
    }
    char *buf = malloc(CHUNK);
    long total = buf ? count_rows(all, opts->unquoted, buf) : 0;
    free(buf);
    long per_part = (total + CIVIS_SQL_MULTI_SLICES - 1) / CIVIS_SQL_MULTI_SLICES;
    const cJSON *mfs = setting(job, "maxFileSize");
    uint64_t max_bytes = cJSON_IsNumber(mfs) && mfs->valuedouble > 0
                             ? (uint64_t)(mfs->valuedouble * 1024 * 1024)
                             : 0;
    const cJSON *prefix = setting(job, "filenamePrefix");
    sql_csv_opts part_opts = *opts;
    part_opts.header = false;
    multi m = {.r = r,
               .opts = &part_opts,
               .prefix = cJSON_IsString(prefix) && prefix->valuestring[0] ? prefix->valuestring
                                                                          : "output_",
               .entries = cJSON_CreateArray(),
               .error = error,
               .errlen = errlen};
    bool ok = m.entries != NULL && split(&m, all, per_part > 0 ? per_part : 1, max_bytes);
    civis__sim_blob_free(all);
    char *text = NULL;
    if (ok)
        text = manifest_text(job, sql, cols, opts, m.entries);
    else
        cJSON_Delete(m.entries);
    cJSON_Delete(cols);
    sim_obj *file = text ? civis__sim_file_from_bytes(r, "manifest.json", "application/json", text,
                                                      strlen(text))
                         : NULL;
    cJSON_free(text);
    if (file == NULL) {
        if (ok)
            snprintf(error, errlen, "out of memory");
        return false;
    }
    run->output_file_id = file->id;
    cJSON *o = cJSON_CreateObject();
    bool added = o != NULL && civis__sim_set_str(o, "objectType", "File") &&
                 civis__sim_set_num(o, "objectId", (double)file->id) &&
                 civis__sim_set_str(o, "name", "manifest.json") &&
                 cJSON_AddItemToArray(run->outputs, o);
    if (!added) {
        cJSON_Delete(o);
        snprintf(error, errlen, "out of memory");
    }
    return added;
}
