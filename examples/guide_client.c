/*
 * guide_client.c: the user guide's "working directly with the client".
 * Every endpoint is called by its resource and method name, as the Python
 * client names them; arguments are checked against the API spec before
 * anything is sent; list endpoints are walked page by page; and a SQL query
 * is exported to a gzipped CSV file.
 *
 *     CIVIS_API_KEY=... ./guide_client DATABASE [TABLE [FILE]]
 *
 * TABLE (default demo.measurements) is exported to FILE (default
 * measurements.csv.gz). CIVIS_POLL_MS fixes the polling interval.
 */
#include <stdio.h>
#include <stdlib.h>

#include <zlib.h>

#include "civis.h"
#include "civis/io.h"

/* Prints the first lines of a gzip file, to show what the export wrote. */
static int print_gzip_head(const char *path, int lines)
{
    gzFile gz = gzopen(path, "rb");
    char line[512];
    int n = 0;
    if (gz == NULL)
        return -1;
    while (gzgets(gz, line, sizeof(line)) != NULL)
        if (n++ < lines)
            printf("  %s", line);
    gzclose(gz);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: guide_client DATABASE [TABLE [FILE]]\n");
        return 2;
    }
    const char *database = argv[1];
    const char *table = argc > 2 ? argv[2] : "demo.measurements";
    const char *filename = argc > 3 ? argv[3] : "measurements.csv.gz";
    const char *poll = getenv("CIVIS_POLL_MS");
    civis_future_options polling = {.interval_ms = poll ? atol(poll) : 0};
    civis_io_options io = {.polling = &polling};
    civis_client *client = NULL;
    civis_response *me = NULL, *typo = NULL;
    civis_pager *pager = NULL;
    cJSON *filter = NULL;
    civis_future *export = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    long long database_id = 0;
    int rc = 1;

    if (civis_global_init() != CIVIS_OK)
        return 1;
    if (civis_client_new(&client, NULL, &err) != CIVIS_OK)
        goto done;

    /* client.users.get_me() in Python; resource "users", method "get_me" in C. */
    const char *username = NULL;
    if (civis_call(&me, client, "users", "get_me", NULL, &err) != CIVIS_OK ||
        civis_response_string(&username, me, "username", &err) != CIVIS_OK)
        goto done;
    printf("signed in as %s\n", username);

    /* Names are checked against the spec before anything is sent. */
    civis_error bad = CIVIS_ERROR_INIT;
    if (civis_callv(&typo, client, "tables", "list", &bad, "schmea", CIVIS_STR("demo"),
                    CIVIS_END) == CIVIS_EINVAL)
        printf("refused: %s\n", bad.message);

    /* Every table of the database, one per request: the pager asks for the
     * next page only when the last one is used up. */
    const cJSON *item = NULL;
    civis_status st = civis_get_database_id(&database_id, client, database, &err);
    if (st == CIVIS_OK && (filter = civis_args("database_id", CIVIS_INT(database_id), "limit",
                                               CIVIS_INT(1), CIVIS_END)) == NULL)
        st = CIVIS_ENOMEM;
    if (st == CIVIS_OK)
        st = civis_pager_new(&pager, client, "tables", "list", filter, &err);
    while (st == CIVIS_OK && (st = civis_pager_next(&item, pager, &err)) == CIVIS_OK && item)
        printf("table %s.%s\n", cJSON_GetStringValue(civis_json_get(item, "schema")),
               cJSON_GetStringValue(civis_json_get(item, "name")));
    if (st != CIVIS_OK)
        goto done;
    printf("%d page requests\n", civis_pager_requests(pager));

    /* A query's result straight to a local gzipped CSV file. */
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY 1", table);
    civis_csv_options csv = {.compression = "gzip", .no_header = true};
    if (civis_civis_to_csv(&export, client, filename, sql, database, &csv, &io, &err) != CIVIS_OK ||
        civis_future_result(NULL, export, &err) != CIVIS_OK)
        goto done;
    printf("exported %s to %s:\n", table, filename);
    printf("%d rows\n", print_gzip_head(filename, 3));
    rc = 0;

done:
    if (rc != 0)
        fprintf(stderr, "civis: %s\n", err.message);
    civis_future_free(export);
    cJSON_Delete(filter);
    civis_pager_free(pager);
    civis_response_free(typo);
    civis_response_free(me);
    civis_client_free(client);
    civis_global_cleanup();
    return rc;
}
