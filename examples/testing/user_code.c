/*
 * user_code.c: see user_code.h. Nothing in here knows about tests: it takes
 * the client it is given, which in production is civis_client_new()'s and
 * in test_example.c the in-process mock's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "user_code.h"

static civis_status fail(civis_error *err, civis_status code, const char *message)
{
    if (err != NULL && err->code == CIVIS_OK) {
        err->code = code;
        snprintf(err->message, sizeof(err->message), "%s", message);
    }
    return code;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    if (ms > 0)
        nanosleep(&ts, NULL);
}

civis_status get_timestamps_from_table(char **path, civis_client *client, const char *table,
                                       long long database_id, long long credential_id, long poll_ms,
                                       int max_polls, civis_error *err)
{
    *path = NULL;
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT DISTINCT timestamp FROM %s", table);
    civis_response *script = NULL, *run = NULL, *status = NULL;
    long long script_id = 0, run_id = 0;
    civis_status st =
        civis_callv(&script, client, "scripts", "post_sql", err, "name", CIVIS_STR("timestamps"),
                    "sql", CIVIS_STR(sql), "remote_host_id", CIVIS_INT(database_id),
                    "credential_id", CIVIS_INT(credential_id), CIVIS_END);
    if (st == CIVIS_OK)
        st = civis_response_int(&script_id, script, "id", err);
    if (st == CIVIS_OK)
        st = civis_callv(&run, client, "scripts", "post_sql_runs", err, "id", CIVIS_INT(script_id),
                         CIVIS_END);
    if (st == CIVIS_OK)
        st = civis_response_int(&run_id, run, "id", err);

    const char *state = "";
    for (int i = 0; st == CIVIS_OK; i++) {
        if (i == max_polls) {
            st = fail(err, CIVIS_ETIMEOUT, "the query did not finish in time");
            break;
        }
        if (i > 0)
            sleep_ms(poll_ms);
        civis_response_free(status);
        status = NULL;
        st = civis_callv(&status, client, "scripts", "get_sql_runs", err, "id",
                         CIVIS_INT(script_id), "run_id", CIVIS_INT(run_id), CIVIS_END);
        if (st == CIVIS_OK)
            st = civis_response_string(&state, status, "state", err);
        if (st == CIVIS_OK && (strcmp(state, "succeeded") == 0 || strcmp(state, "failed") == 0))
            break;
    }

    if (st == CIVIS_OK && strcmp(state, "failed") == 0) {
        const char *why = NULL;
        char msg[400];
        civis_response_string(&why, status, "error", NULL);
        snprintf(msg, sizeof(msg), "(From job %lld / run %lld) %s", script_id, run_id,
                 why ? why : "the query failed");
        st = fail(err, CIVIS_EJOB, msg);
    }
    const char *first = NULL;
    if (st == CIVIS_OK && civis_response_string(&first, status, "output.0.path", NULL) != CIVIS_OK)
        st = fail(err, CIVIS_EEMPTY, "the query produced no output");
    if (st == CIVIS_OK && (*path = strdup(first)) == NULL)
        st = fail(err, CIVIS_ENOMEM, "out of memory");
    civis_response_free(script);
    civis_response_free(run);
    civis_response_free(status);
    return st;
}
