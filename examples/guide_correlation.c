/*
 * guide_correlation.c: the user guide's opening example. Reads a table of
 * numbers into memory, computes the correlation of every pair of columns,
 * uploads the matrix as a new table and waits until the import is done.
 *
 *     CIVIS_API_KEY=... ./guide_correlation DATABASE [SOURCE [DESTINATION]]
 *
 * SOURCE (default demo.measurements) holds numeric columns; DESTINATION
 * (default demo.correlations) is replaced if it exists. CIVIS_POLL_MS fixes
 * the polling interval; unset, futures back off as the official client's do.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "civis.h"
#include "civis/io.h"

#define MAX_COLS 16

/* Pearson's r of columns a and b; NULL or non-numeric cells count as 0. */
static double correlation(const civis_table *t, size_t a, size_t b)
{
    size_t n = civis_table_nrows(t);
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (size_t r = 0; r < n; r++) {
        const char *va = civis_table_value(t, r, a), *vb = civis_table_value(t, r, b);
        double x = va ? strtod(va, NULL) : 0, y = vb ? strtod(vb, NULL) : 0;
        sa += x, sb += y, saa += x * x, sbb += y * y, sab += x * y;
    }
    double cov = n * sab - sa * sb, var = (n * saa - sa * sa) * (n * sbb - sb * sb);
    return var > 0 ? cov / sqrt(var) : NAN;
}

/* The correlation matrix as a table: one column per source column, and
 * corr_var naming the row, as the Python guide adds from the index. */
static civis_status correlation_table(civis_table **out, const civis_table *data, civis_error *err)
{
    size_t k = civis_table_ncols(data);
    const char *names[MAX_COLS + 1];
    char cells[MAX_COLS][32];
    const char *row[MAX_COLS + 1];
    if (k == 0 || k > MAX_COLS) {
        snprintf(err->message, sizeof(err->message), "expected 1 to %d columns", MAX_COLS);
        return err->code = CIVIS_EINVAL;
    }
    for (size_t c = 0; c < k; c++)
        names[c] = civis_table_column(data, c);
    names[k] = "corr_var";
    civis_status st = civis_table_new(out, names, k + 1, err);
    for (size_t i = 0; i < k && st == CIVIS_OK; i++) {
        for (size_t j = 0; j < k; j++) {
            snprintf(cells[j], sizeof(cells[j]), "%.6f", correlation(data, i, j));
            row[j] = cells[j];
        }
        row[k] = names[i];
        st = civis_table_add_row(*out, row, err);
    }
    return st;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: guide_correlation DATABASE [SOURCE [DESTINATION]]\n");
        return 2;
    }
    const char *database = argv[1];
    const char *source = argc > 2 ? argv[2] : "demo.measurements";
    const char *destination = argc > 3 ? argv[3] : "demo.correlations";
    const char *poll = getenv("CIVIS_POLL_MS");
    civis_future_options polling = {.interval_ms = poll ? atol(poll) : 0};
    civis_io_options io = {.polling = &polling};
    civis_import_options replace = {.existing_table_rows = "drop"};
    civis_client *client = NULL;
    civis_table *data = NULL, *matrix = NULL;
    civis_future *upload = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    int rc = 1;

    if (civis_global_init() != CIVIS_OK)
        return 1;
    if (civis_client_new(&client, NULL, &err) != CIVIS_OK)
        goto done;

    /* Read the whole table into memory: a header and rows of text. */
    if (civis_read_civis(&data, client, source, NULL, 0, database, &io, &err) != CIVIS_OK)
        goto done;
    printf("read %zu rows of %zu columns from %s\n", civis_table_nrows(data),
           civis_table_ncols(data), source);

    /* Compute on it, then upload the result and wait for the import. */
    if (correlation_table(&matrix, data, &err) != CIVIS_OK ||
        civis_table_to_civis(&upload, client, matrix, database, destination, &replace, &io, &err) !=
            CIVIS_OK ||
        civis_future_result(NULL, upload, &err) != CIVIS_OK)
        goto done;

    for (size_t r = 0; r < civis_table_nrows(matrix); r++) {
        printf("%-10s", civis_table_value(matrix, r, civis_table_ncols(data)));
        for (size_t c = 0; c < civis_table_ncols(data); c++)
            printf(" %10s", civis_table_value(matrix, r, c));
        printf("\n");
    }
    printf("uploaded %s (job %lld, run %lld)\n", destination, civis_future_job_id(upload),
           civis_future_run_id(upload));
    rc = 0;

done:
    if (rc != 0)
        fprintf(stderr, "civis: %s\n", err.message);
    civis_future_free(upload);
    civis_table_free(matrix);
    civis_table_free(data);
    civis_client_free(client);
    civis_global_cleanup();
    return rc;
}
