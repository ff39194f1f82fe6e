/*
 * io_internal.h: what the io files share (io_table.c, io_csv.c,
 * io_read.c, io_import.c). Not installed.
 */
#ifndef CIVIS_IO_INTERNAL_H
#define CIVIS_IO_INTERNAL_H

#include <csv.h>
#include <zlib.h>

#include "client_internal.h"
#include "civis/io.h"

/* A streaming CSV reader: bytes in (gzip recognised by its magic and
 * inflated, concatenated members too), rows out through `fn`. */
typedef struct civis__csvr {
    struct csv_parser p;
    bool p_open;
    z_stream zs;
    bool z_open, z_end;
    int kind; /* 0: not known yet, 1: plain, 2: gzip */
    unsigned char magic[2];
    size_t n_magic;
    char *zout; /* inflate's output buffer */
    /* the row being built */
    char **vals;
    size_t n, cap;
    bool *is_null;
    size_t row;
    civis_row_callback fn;
    void *data;
    civis_status st; /* the first failure (callback, memory, parse) */
    civis_error err;
} civis__csvr;

civis_status civis__csvr_init(civis__csvr *r, civis_row_callback fn, void *data, civis_error *err);
/* Feeds bytes; false once something failed (r->st, r->err say what). */
bool civis__csvr_feed(civis__csvr *r, const char *bytes, size_t n);
/* Ends the input: the last row goes out. Returns the first failure, copied to err. */
civis_status civis__csvr_finish(civis__csvr *r, civis_error *err);
void civis__csvr_free(civis__csvr *r);

/* A table as CSV text (header first): *out owned (civis__free). */
civis_status civis__table_csv(char **out, size_t *len, const civis_table *t, civis_error *err);
/* The same with another delimiter (',', '\t' or '|'), the header line
 * optional, and `unquoted` writing every field as it is (Redshift's UNLOAD
 * without ADDQUOTES): the in-process mock writes SQL results with it. */
civis_status civis__table_write_csv(char **out, size_t *len, const civis_table *t, char delim,
                                    bool header, bool unquoted, civis_error *err);
/* The row callback that appends to a table (data: civis_table **, created
 * from row 0). */
civis_status civis__table_collect(size_t row, const char *const *values, size_t n, void *data,
                                  civis_error *err);

/* DB = get_database_id(database), CRED = opts' credential or the default. */
civis_status civis__io_db_cred(long long *db, long long *cred, civis_client *client,
                               const char *database, const civis_io_options *opts,
                               civis_error *err);
/* _sql_script: scripts.post_sql then scripts.post_sql_runs. csv_settings
 * is borrowed (NULL: the key is left out). */
civis_status civis__io_sql_script(long long *script_id, long long *run_id, civis_client *client,
                                  const char *sql, const char *database, const cJSON *csv_settings,
                                  const civis_io_options *opts, civis_error *err);
/* Adds v to o under name; false (v freed) when v is NULL or adding fails. */
bool civis__io_add(cJSON *o, const char *name, cJSON *v);
/* The API's name of a delimiter (',' "comma", '\t' "tab", '|' "pipe"); NULL
 * for any other byte. */
const char *civis__io_delimiter_name(char d);
/* Checks a CSV format's delimiter (0 means dflt) and compression (NULL,
 * "none", "gzip"); *delim gets the delimiter's API name, *comp the
 * compression. */
civis_status civis__io_csv_format(const char **delim, const char **comp, char delimiter, char dflt,
                                  const char *compression, civis_error *err);
/* A future polling resource.method(id[, run_id]) (run_id <= 0: none), its
 * first poll after one interval as the official io functions do. */
civis_status civis__io_future(civis_future **out, civis_client *client, const char *resource,
                              const char *method, long long id, long long run_id,
                              const civis_io_options *opts, civis_error *err);
/* A job's name: opts' job_name, or 32 random hex digits as the official
 * client's uuid4().hex. A new string node (NULL without memory). */
cJSON *civis__io_job_name(const civis_io_options *opts);

#endif /* CIVIS_IO_INTERNAL_H */
