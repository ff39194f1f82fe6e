/*
 * current_user.c: who am I? Creates a client from the environment
 * (CIVIS_API_KEY, CIVIS_API_ENDPOINT) and prints the user the key belongs to.
 *
 *     CIVIS_API_KEY=... ./current_user
 */
#include <stdio.h>

#include "civis.h"

int main(void)
{
    civis_client *client = NULL;
    civis_response *me = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    long long id = 0;
    const char *username = NULL;
    int rc = 1;

    if (civis_global_init() != CIVIS_OK)
        return 1;
    if (civis_client_new(&client, NULL, &err) == CIVIS_OK &&
        civis_call(&me, client, "users", "get_me", NULL, &err) == CIVIS_OK &&
        civis_response_int(&id, me, "id", &err) == CIVIS_OK &&
        civis_response_string(&username, me, "username", &err) == CIVIS_OK) {
        printf("user %lld: %s\n", id, username);
        rc = 0;
    } else {
        fprintf(stderr, "civis: %s\n", err.message);
    }
    civis_response_free(me);
    civis_client_free(client);
    civis_global_cleanup();
    return rc;
}
