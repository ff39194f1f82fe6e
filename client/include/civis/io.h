/*
 * civis/io.h: tables in and out of Civis, as the official client's civis.io
 * does it (read_civis, read_civis_sql, civis_to_csv, export_to_civis_file,
 * query_civis, civis_file_to_table, csv_to_civis, dataframe_to_civis,
 * civis_to_multifile_csv, transfer_table): the
 * same calls, in the same order, with the same bodies (explicit nulls
 * included).
 *
 *     civis_table *t = NULL;
 *     civis_error err = CIVIS_ERROR_INIT;
 *     if (civis_read_civis_sql(&t, client, "select a, b from s.t", "my-db", NULL, &err) ==
 *         CIVIS_OK)
 *         printf("%zu rows, first a: %s\n", civis_table_nrows(t), civis_table_value(t, 0, 0));
 *     civis_table_free(t);
 *
 * Reads run a SQL script whose result comes back as a gzip CSV through its
 * presigned `output[0].path`; it is gunzipped and parsed (RFC 4180, with
 * libcsv) while it downloads. An empty unquoted field is NULL, a quoted
 * empty field ("") an empty string, so the two stay apart.
 *
 * Uploads write or take a CSV file, upload it (civis/files.h), clean it
 * with files.post_preprocess_csv, and import it with
 * imports.post_files_csv; they return a future over the import's run.
 */
#ifndef CIVIS_IO_H
#define CIVIS_IO_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "civis/client.h"
#include "civis/error.h"
#include "civis/export.h"
#include "civis/files.h"
#include "civis/future.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- tables in memory ----------------------------------------------------- */

/* A small table of text: column names, then rows of values, each a string
 * or NULL (SQL NULL). */
typedef struct civis_table civis_table;

/* A table with `n` columns named `names` (copied); no rows. CIVIS_EINVAL
 * for no columns or a NULL name; CIVIS_ENOMEM. Release with civis_table_free. */
CIVIS_EXTERN civis_status civis_table_new(civis_table **out, const char *const *names, size_t n,
                                          civis_error *err);
/* Appends a row of ncols values (copied; NULL entries are NULL values). */
CIVIS_EXTERN civis_status civis_table_add_row(civis_table *t, const char *const *values,
                                              civis_error *err);
CIVIS_EXTERN void civis_table_free(civis_table *t);
CIVIS_EXTERN size_t civis_table_ncols(const civis_table *t);
CIVIS_EXTERN size_t civis_table_nrows(const civis_table *t);
/* Column i's name (borrowed), or NULL past the end. */
CIVIS_EXTERN const char *civis_table_column(const civis_table *t, size_t i);
/* The value at (row, col), borrowed; NULL for a NULL value and past the end. */
CIVIS_EXTERN const char *civis_table_value(const civis_table *t, size_t row, size_t col);
/* Whether (row, col) exists and holds NULL. */
CIVIS_EXTERN bool civis_table_is_null(const civis_table *t, size_t row, size_t col);

/* ---- options ------------------------------------------------------------------ */

/* What every io function shares; all zero (or NULL) is the official
 * client's behaviour. */
typedef struct civis_io_options {
    long long credential_id;             /* 0: the key's default database credential */
    const char *job_name;                /* NULL: 32 random hex digits, as uuid4().hex */
    bool not_hidden;                     /* the jobs are hidden unless this is set */
    const cJSON *params;                 /* sql_params_arguments["params"], or NULL */
    const cJSON *arguments;              /* sql_params_arguments["arguments"], or NULL */
    const civis_future_options *polling; /* NULL: the official polling */
    const civis_file_options *files;     /* uploads and downloads; NULL: defaults */
} civis_io_options;

/* ---- reading ------------------------------------------------------------------- */

/*
 * Runs `sql` on `database` (a name) and reads the whole result into *out
 * (header from the result's header line). Calls: databases.list (once per
 * client), credentials.list (once), scripts.post_sql {name, [params,
 * arguments], hidden, sql, remote_host_id, credential_id, csv_settings:
 * {compression: "gzip"}}, scripts.post_sql_runs, scripts.get_sql_runs until
 * done, once more, then GET output[0].path. Errors: those of the calls; the
 * run's failure (CIVIS_EJOB with the run's error, e.g. "no such table:
 * s.t"); CIVIS_EEMPTY "Query N returned no output." for a run without
 * output; CIVIS_EPARSE for a result that is not CSV. On failure *out is NULL.
 */
CIVIS_EXTERN civis_status civis_read_civis_sql(civis_table **out, civis_client *client,
                                               const char *sql, const char *database,
                                               const civis_io_options *opts, civis_error *err);

/* read_civis: "select <columns, or *> from <table>", then civis_read_civis_sql.
 * `columns` may be NULL (n_columns 0). */
CIVIS_EXTERN civis_status civis_read_civis(civis_table **out, civis_client *client,
                                           const char *table, const char *const *columns,
                                           size_t n_columns, const char *database,
                                           const civis_io_options *opts, civis_error *err);

/*
 * Called once per row of a streamed result: row 0 is the header. values[i]
 * is NULL for a NULL value; everything is borrowed for the call. A status
 * other than CIVIS_OK stops the read and is returned (set err).
 */
typedef civis_status (*civis_row_callback)(size_t row, const char *const *values, size_t n,
                                           void *data, civis_error *err);

/* As civis_read_civis_sql, row by row: memory stays at one row plus the
 * transfer's buffers whatever the size of the result. */
CIVIS_EXTERN civis_status civis_read_civis_sql_rows(civis_client *client, const char *sql,
                                                    const char *database, civis_row_callback fn,
                                                    void *data, const civis_io_options *opts,
                                                    civis_error *err);

/* How civis_civis_to_csv writes its file. All zero: a header, commas,
 * quoted fields, no compression. */
typedef struct civis_csv_options {
    bool no_header;          /* include_header=False */
    char delimiter;          /* ',', '\t' or '|'; 0 means ',' */
    bool unquoted;           /* no quotes at all */
    const char *compression; /* "none" (NULL) or "gzip" */
} civis_csv_options;

/*
 * civis_to_csv: exports `sql` to the local file `filename` and returns the
 * future over the SQL run; the file is written when the run succeeds, by
 * a done callback (a download failure makes the future's result fail).
 * The body's csv_settings are {include_header, compression: "gzip",
 * column_delimiter, unquoted, filename_prefix: null, force_multifile:
 * false}. As in the official client, compression "gzip" with a header
 * writes plain CSV. CIVIS_EINVAL for another delimiter or compression.
 */
CIVIS_EXTERN civis_status civis_civis_to_csv(civis_future **out, civis_client *client,
                                             const char *filename, const char *sql,
                                             const char *database, const civis_csv_options *csv,
                                             const civis_io_options *opts, civis_error *err);

/* export_to_civis_file: runs `sql` with `csv_settings` (borrowed, passed
 * through; NULL sends {}) and returns the future over the run; its
 * output[0].fileId is the file. */
CIVIS_EXTERN civis_status civis_export_to_civis_file(civis_future **out, civis_client *client,
                                                     const char *sql, const char *database,
                                                     const cJSON *csv_settings,
                                                     const civis_io_options *opts,
                                                     civis_error *err);

/* query_civis: queries.post {database, sql, preview_rows, credential,
 * hidden} and a future polling queries.get; the result has resultColumns
 * and resultRows. preview_rows < 0 means 10. */
CIVIS_EXTERN civis_status civis_query_civis(civis_future **out, civis_client *client,
                                            const char *sql, const char *database, int preview_rows,
                                            const civis_io_options *opts, civis_error *err);

/* ---- writing ------------------------------------------------------------------- */

/* The import's options; all zero is the official client's defaults. */
typedef struct civis_import_options {
    const char *existing_table_rows; /* "fail" (NULL), "append", "truncate", "drop" */
    long max_errors;                 /* bad rows allowed, sent when has_max_errors */
    bool has_max_errors;             /* false: max_errors is null */
    const cJSON *table_columns;      /* [{name, sql_type}], borrowed; NULL: detected */
    char delimiter;                  /* ',', '\t', '|'; 0: detected (null) */
    int headers;                     /* 0: null (detected); 1: the first row is a header;
                                        -1: it is not */
    const cJSON *primary_keys;       /* borrowed, or NULL (null) */
    const cJSON *last_modified_keys; /* borrowed, or NULL (null) */
    bool escaped;
    const char *execution;                                 /* "immediate" (NULL) or "delayed" */
    const char *diststyle, *distkey, *sortkey1, *sortkey2; /* NULL: null */
} civis_import_options;

/*
 * civis_file_to_table: imports Civis files `file_ids` (n of them) into
 * `table` ("schema.table") of `database`, and returns the future over the
 * import's run (polling jobs.get_runs). Calls, as the official client:
 * databases.get_schemas_tables (404: a new table), per file
 * files.post_preprocess_csv + jobs.post_runs + files.get, then the cleaning
 * runs polled to the end, jobs.list_runs_outputs + files.get of each cleaned
 * file, imports.post_files_csv, jobs.post_runs. The files must agree on
 * header, delimiter and compression (CIVIS_EINVAL naming what differs).
 */
CIVIS_EXTERN civis_status civis_file_to_table(civis_future **out, civis_client *client,
                                              const long long *file_ids, size_t n,
                                              const char *database, const char *table,
                                              const civis_import_options *imp,
                                              const civis_io_options *opts, civis_error *err);

/* csv_to_civis: uploads the local CSV `filename` (its base name as the
 * file's name) and imports it; delimiter defaults to ','. */
CIVIS_EXTERN civis_status civis_csv_to_civis(civis_future **out, civis_client *client,
                                             const char *filename, const char *database,
                                             const char *table, const civis_import_options *imp,
                                             const civis_io_options *opts, civis_error *err);

/* dataframe_to_civis: writes `t` as CSV (header, RFC 4180 quoting, NULL as
 * an empty field and "" as a quoted empty one), uploads it named after the
 * table part of `table`, and imports it with headers true, delimiter ','. */
CIVIS_EXTERN civis_status civis_table_to_civis(civis_future **out, civis_client *client,
                                               const civis_table *t, const char *database,
                                               const char *table, const civis_import_options *imp,
                                               const civis_io_options *opts, civis_error *err);

/* ---- multi-file exports and table copies ---------------------------------------- */

/* How civis_civis_to_multifile_csv unloads. All zero: a header, compression
 * "none", '|' between fields, quoted, no size limit, no prefix. */
typedef struct civis_multifile_options {
    bool no_header;          /* include_header=False */
    const char *compression; /* "none" (NULL) or "gzip" */
    char delimiter;          /* ',', '\t' or '|'; 0 means '|' */
    long max_file_size;      /* MB per file; 0 sends null */
    bool unquoted;           /* no quotes at all */
    const char *prefix;      /* the files' name prefix; NULL sends null */
} civis_multifile_options;

/*
 * civis_to_multifile_csv: unloads `sql` into several files and returns
 * their manifest in *manifest (owned: cJSON_Delete): {query, header (with
 * a header), entries [{id, name, size, url, url_signed}], unquoted,
 * compression, delimiter}. Each entry's url_signed downloads one part;
 * parts carry no header row, and in order they hold the rows in order.
 * Calls: the _sql_script of civis_read_civis_sql with csv_settings
 * {include_header, compression, column_delimiter, unquoted,
 * filename_prefix, force_multifile: true, max_file_size}, the run polled to
 * the end, then files.get of output[0].file_id and its fileUrl. Errors:
 * CIVIS_EINVAL for another delimiter or compression; CIVIS_EJOB for a
 * failed run; CIVIS_EEMPTY "Unload query N returned no manifest."; CIVIS_EPARSE
 * when the manifest is not JSON. On failure *manifest is NULL.
 */
CIVIS_EXTERN civis_status civis_civis_to_multifile_csv(cJSON **manifest, civis_client *client,
                                                       const char *sql, const char *database,
                                                       const civis_multifile_options *mf,
                                                       const civis_io_options *opts,
                                                       civis_error *err);

/* transfer_table's credentials and advanced options. All zero: the key's
 * default credential on both sides and no advanced options ({}). */
typedef struct civis_transfer_options {
    long long source_credential_id; /* 0: the default database credential */
    long long dest_credential_id;   /* 0: the default database credential */
    const cJSON *advanced_options;  /* borrowed, sent as advanced_options ({} when NULL):
                                       e.g. {"existing_table_rows": "drop"} */
} civis_transfer_options;

/*
 * transfer_table: copies `source_table` of database `source_db` to
 * `dest_table` of `dest_db` ("schema.table", database names) and returns
 * the future over the copy's run (polling imports.get_files_runs, as the
 * official client does). Calls: credentials.list (once per client),
 * databases.list (once), imports.post {name, sync_type: "Dbsync", source:
 * {remote_host_id, credential_id}, destination: {remote_host_id,
 * credential_id}, is_outbound: true}, imports.post_syncs {source: {path},
 * destination: {path}, advanced_options}, imports.post_runs. The run fails
 * (CIVIS_EJOB from the future) when the source is missing or the
 * destination exists under existing_table_rows "fail". opts->job_name
 * names the import (NULL: random); opts' credential_id is not used.
 */
CIVIS_EXTERN civis_status civis_transfer_table(civis_future **out, civis_client *client,
                                               const char *source_db, const char *dest_db,
                                               const char *source_table, const char *dest_table,
                                               const civis_transfer_options *xfer,
                                               const civis_io_options *opts, civis_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_IO_H */
