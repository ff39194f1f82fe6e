/*
 * guide_responses.c: the user guide's response helpers. A response is read
 * by dotted paths of snake_case names, whatever case the API used; lists
 * are searched by field values; and the client has helpers for the lookups
 * most programs need (database and table ids, the default credential, the
 * current user).
 *
 *     CIVIS_API_KEY=... ./guide_responses DATABASE [TABLE]
 *
 * TABLE defaults to demo.measurements.
 */
#include <stdio.h>

#include "civis.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: guide_responses DATABASE [TABLE]\n");
        return 2;
    }
    const char *database = argv[1];
    const char *table = argc > 2 ? argv[2] : "demo.measurements";
    civis_client *client = NULL;
    civis_response *dbs = NULL, *info = NULL;
    char *schema = NULL, *name = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    int rc = 1;

    if (civis_global_init() != CIVIS_OK)
        return 1;
    if (civis_client_new(&client, NULL, &err) != CIVIS_OK)
        goto done;

    /* civis.find_one(client.databases.list(), name=...) */
    const cJSON *db = NULL;
    if (civis_call(&dbs, client, "databases", "list", NULL, &err) != CIVIS_OK)
        goto done;
    db = civis_find_onev(civis_response_json(dbs), "name", CIVIS_STR(database), CIVIS_END);
    if (db == NULL) {
        fprintf(stderr, "civis: no database %s\n", database);
        goto done;
    }
    printf("database %s has id %g\n", database, cJSON_GetNumberValue(civis_json_get(db, "id")));

    /* The helpers: names to ids, the default credential, who you are. */
    long long database_id = 0, table_id = 0, credential_id = 0;
    const cJSON *me = NULL;
    if (civis_get_database_id(&database_id, client, database, &err) != CIVIS_OK ||
        civis_get_table_id(&table_id, client, table, database, &err) != CIVIS_OK ||
        civis_default_database_credential_id(&credential_id, client, &err) != CIVIS_OK ||
        civis_current_user(&me, client, &err) != CIVIS_OK ||
        civis_split_schema_tablename(&schema, &name, table, &err) != CIVIS_OK)
        goto done;
    printf("table %s (schema %s, name %s) has id %lld\n", table, schema ? schema : "(none)", name,
           table_id);
    printf("default credential %lld, user %s\n", credential_id,
           cJSON_GetStringValue(civis_json_get(me, "username")));

    /* Fields by path: "rowCount" is row_count, arrays are indexed. */
    long long rows = 0;
    if (civis_callv(&info, client, "tables", "get", &err, "id", CIVIS_INT(table_id), CIVIS_END) !=
            CIVIS_OK ||
        civis_response_int(&rows, info, "row_count", &err) != CIVIS_OK)
        goto done;
    printf("%lld rows, %zu columns:\n", rows, civis_response_len(info, "columns"));
    for (size_t i = 0; i < civis_response_len(info, "columns"); i++) {
        const cJSON *column = civis_response_at(info, "columns", i);
        printf("  %s %s\n", cJSON_GetStringValue(civis_json_get(column, "name")),
               cJSON_GetStringValue(civis_json_get(column, "sql_type")));
    }

    /* A missing field is an error that names it, never a crash. */
    const char *beyond = NULL;
    civis_error missing = CIVIS_ERROR_INIT;
    if (civis_response_string(&beyond, info, "columns.99.name", &missing) != CIVIS_OK)
        printf("%s: %s\n", civis_strerror(missing.code), missing.message);

    /* What the HTTP layer saw. */
    printf("HTTP %ld from %s %s, %d retries\n", civis_response_status(info),
           civis_response_method(info), civis_response_path(info), civis_response_retries(info));
    rc = 0;

done:
    if (rc != 0 && err.code != CIVIS_OK)
        fprintf(stderr, "civis: %s\n", err.message);
    civis_free(schema);
    civis_free(name);
    civis_response_free(info);
    civis_response_free(dbs);
    civis_client_free(client);
    civis_global_cleanup();
    return rc;
}
