/*
 * sql_run.c: one SQL query's result set as CSV text, with what libcivis
 * has today: a hidden SQL script (scripts.post_sql) whose output is a
 * gzipped CSV file, one run of it followed by a future, then the output
 * file downloaded and gunzipped. The io layer of "Tables and SQL" will do
 * the same for every program; `civis sql` then calls it here instead.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zlib.h>

#include "cli.h"

/* Gunzips (or copies, when the bytes are not gzip) into a new buffer. */
static civis_status gunzip(char **out, size_t *out_len, const char *in, size_t len,
                           civis_error *err)
{
    *out = NULL;
    *out_len = 0;
    bool gz = len >= 2 && (unsigned char)in[0] == 0x1f && (unsigned char)in[1] == 0x8b;
    size_t cap = gz ? len * 4 + 1024 : len + 1;
    char *buf = malloc(cap);
    if (buf == NULL)
        goto nomem;
    if (!gz) {
        memcpy(buf, in, len);
        buf[len] = '\0';
        *out = buf;
        *out_len = len;
        return CIVIS_OK;
    }
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        free(buf);
        goto nomem;
    }
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    size_t used = 0;
    int zr = Z_OK;
    while (zr != Z_STREAM_END) {
        if (cap - used < 2) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                inflateEnd(&zs);
                free(buf);
                goto nomem;
            }
            buf = nb;
            cap *= 2;
        }
        zs.next_out = (Bytef *)buf + used;
        zs.avail_out = (uInt)(cap - used - 1);
        zr = inflate(&zs, Z_NO_FLUSH);
        used = cap - 1 - zs.avail_out;
        if (zr == Z_STREAM_END && zs.avail_in > 0) {
            /* Concatenated gzip members, as `cat a.gz b.gz` makes. */
            if (inflateReset(&zs) != Z_OK)
                break;
            zr = Z_OK;
        } else if (zr != Z_OK && zr != Z_STREAM_END && !(zr == Z_BUF_ERROR && zs.avail_out == 0)) {
            inflateEnd(&zs);
            free(buf);
            snprintf(err->message, sizeof err->message,
                     "the SQL script's output is not valid gzip (%s)", zs.msg ? zs.msg : "zlib");
            err->code = CIVIS_EPARSE;
            return CIVIS_EPARSE;
        }
    }
    inflateEnd(&zs);
    buf[used] = '\0';
    *out = buf;
    *out_len = used;
    return CIVIS_OK;
nomem:
    snprintf(err->message, sizeof err->message, "out of memory");
    err->code = CIVIS_ENOMEM;
    return CIVIS_ENOMEM;
}

civis_status civis__cli_sql_csv(char **csv, size_t *len, civis_client *client, const char *sql,
                                const char *database, civis_error *err)
{
    *csv = NULL;
    *len = 0;
    long long db = 0, cred = 0, script_id = 0, run_id = 0, file_id = 0;
    civis_response *script = NULL, *run = NULL;
    civis_future *f = NULL;
    const civis_response *final = NULL;
    char *raw = NULL;
    size_t raw_len = 0;
    char name[64];
    snprintf(name, sizeof name, "civis sql %lld", (long long)time(NULL));
    civis_status st;
    if ((st = civis_get_database_id(&db, client, database, err)) != CIVIS_OK ||
        (st = civis_default_database_credential_id(&cred, client, err)) != CIVIS_OK ||
        (st = civis_callv(&script, client, "scripts", "post_sql", err, "name", CIVIS_STR(name),
                          "sql", CIVIS_STR(sql), "remote_host_id", CIVIS_INT(db), "credential_id",
                          CIVIS_INT(cred), "hidden", CIVIS_BOOL(1), "csv_settings",
                          CIVIS_OBJ("compression", CIVIS_STR("gzip"), "include_header",
                                    CIVIS_BOOL(1), CIVIS_END),
                          CIVIS_END)) != CIVIS_OK ||
        (st = civis_response_int(&script_id, script, "id", err)) != CIVIS_OK ||
        (st = civis_callv(&run, client, "scripts", "post_sql_runs", err, "id", CIVIS_INT(script_id),
                          CIVIS_END)) != CIVIS_OK ||
        (st = civis_response_int(&run_id, run, "id", err)) != CIVIS_OK ||
        (st = civis_future_newv(&f, client, "scripts", "get_sql_runs", NULL, err, "id",
                                CIVIS_INT(script_id), "run_id", CIVIS_INT(run_id), CIVIS_END)) !=
            CIVIS_OK ||
        (st = civis_future_result(&final, f, err)) != CIVIS_OK ||
        (st = civis_response_int(&file_id, final, "output.0.file_id", err)) != CIVIS_OK ||
        (st = civis_civis_to_buffer(&raw, &raw_len, client, file_id, NULL, err)) != CIVIS_OK)
        goto done;
    st = gunzip(csv, len, raw, raw_len, err);
done:
    civis_free(raw);
    civis_future_free(f);
    civis_response_free(run);
    civis_response_free(script);
    return st;
}
