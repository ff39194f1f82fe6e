/*
 * database_lookup.c: the id of a database by name, and the caller's
 * default database credential, the two lookups most io workflows start
 * with. Both answers are memoised by the client.
 *
 *     CIVIS_API_KEY=... ./database_lookup ["redshift-general"]
 *
 * Without an argument the first database the key can see is used.
 */
#include <stdio.h>

#include "civis.h"

int main(int argc, char **argv)
{
    civis_client *client = NULL;
    civis_response *dbs = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    const char *name = argc > 1 ? argv[1] : NULL;
    long long database_id = 0, credential_id = 0;
    int rc = 1;

    if (civis_global_init() != CIVIS_OK)
        return 1;
    if (civis_client_new(&client, NULL, &err) != CIVIS_OK)
        goto done;
    if (name == NULL && (civis_call(&dbs, client, "databases", "list", NULL, &err) != CIVIS_OK ||
                         civis_response_string(&name, dbs, "0.name", &err) != CIVIS_OK))
        goto done;
    if (civis_get_database_id(&database_id, client, name, &err) != CIVIS_OK ||
        civis_default_database_credential_id(&credential_id, client, &err) != CIVIS_OK)
        goto done;
    printf("database %s: id %lld\ndefault credential: id %lld\n", name, database_id, credential_id);
    rc = 0;

done:
    if (rc != 0)
        fprintf(stderr, "civis: %s\n", err.message);
    civis_response_free(dbs);
    civis_client_free(client);
    civis_global_cleanup();
    return rc;
}
