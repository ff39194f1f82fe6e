/*
 * guide_futures.c: the user guide's futures section. A future follows one
 * run until it finishes; this program wraps a run it started itself, reads
 * a failed run's error, waits on several futures at once and cancels one.
 *
 *     CIVIS_API_KEY=... ./guide_futures DATABASE [TABLE]
 *
 * TABLE (default demo.measurements) is any table of DATABASE.
 * CIVIS_POLL_MS fixes the polling interval; unset, the official back-off.
 */
#include <stdio.h>
#include <stdlib.h>

#include "civis.h"
#include "civis/io.h"

/* A done callback: runs once, when the future finishes. */
static civis_status announce(civis_future *f, void *data, civis_error *err)
{
    (void)err; /* nothing here can fail */
    printf("%s: job %lld / run %lld finished\n", (const char *)data, civis_future_job_id(f),
           civis_future_run_id(f));
    return CIVIS_OK;
}

/* Starts a SQL script of `sql` and gives a future over its run, the way the
 * Python client's CivisFuture(client.scripts.get_sql_runs, (id, run_id)) does. */
static civis_status start_sql(civis_future **out, civis_client *client, const char *sql,
                              const char *database, const civis_future_options *polling,
                              civis_error *err)
{
    civis_response *script = NULL, *run = NULL;
    long long database_id = 0, credential_id = 0, script_id = 0, run_id = 0;
    civis_status st = civis_get_database_id(&database_id, client, database, err);
    if (st == CIVIS_OK)
        st = civis_default_database_credential_id(&credential_id, client, err);
    if (st == CIVIS_OK)
        st = civis_callv(&script, client, "scripts", "post_sql", err, "name",
                         CIVIS_STR("guide: futures"), "sql", CIVIS_STR(sql), "remote_host_id",
                         CIVIS_INT(database_id), "credential_id", CIVIS_INT(credential_id),
                         CIVIS_END);
    if (st == CIVIS_OK)
        st = civis_response_int(&script_id, script, "id", err);
    if (st == CIVIS_OK)
        st = civis_callv(&run, client, "scripts", "post_sql_runs", err, "id", CIVIS_INT(script_id),
                         CIVIS_END);
    if (st == CIVIS_OK)
        st = civis_response_int(&run_id, run, "id", err);
    if (st == CIVIS_OK)
        st = civis_future_newv(out, client, "scripts", "get_sql_runs", polling, err, "id",
                               CIVIS_INT(script_id), "run_id", CIVIS_INT(run_id), CIVIS_END);
    civis_response_free(script);
    civis_response_free(run);
    return st;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: guide_futures DATABASE [TABLE]\n");
        return 2;
    }
    const char *database = argv[1];
    const char *table = argc > 2 ? argv[2] : "demo.measurements";
    const char *poll = getenv("CIVIS_POLL_MS");
    civis_future_options polling = {.interval_ms = poll ? atol(poll) : 0};
    civis_io_options io = {.polling = &polling};
    civis_client *client = NULL;
    civis_future *run = NULL, *broken = NULL, *counts[3] = {NULL, NULL, NULL}, *doomed = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    char sql[256], label[] = "count";
    int rc = 1;

    if (civis_global_init() != CIVIS_OK)
        return 1;
    if (civis_client_new(&client, NULL, &err) != CIVIS_OK)
        goto done;

    /* A run you started yourself: wrap it, ask without blocking, then wait. */
    snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
    if (start_sql(&run, client, sql, database, &polling, &err) != CIVIS_OK ||
        civis_future_add_done_callback(run, announce, label, &err) != CIVIS_OK)
        goto done;
    if (!civis_future_done(run))
        printf("count: still running\n");
    const civis_response *final = NULL;
    const char *state = NULL;
    if (civis_future_wait(run, 60000, &err) != CIVIS_OK ||
        civis_future_result(&final, run, &err) != CIVIS_OK ||
        civis_response_string(&state, final, "state", &err) != CIVIS_OK)
        goto done;
    printf("count: %s after %d polls\n", state, civis_future_polls(run));

    /* A run that fails: the future's result is the run's error. */
    civis_error why = CIVIS_ERROR_INIT;
    if (civis_query_civis(&broken, client, "SELECT * FROM demo.nowhere", database, 10, &io, &err) !=
        CIVIS_OK)
        goto done;
    if (civis_future_result(NULL, broken, &why) == CIVIS_EJOB)
        printf("failed as expected: %s\n", why.message);

    /* Several futures at once: one thread polls whichever is due. */
    for (int i = 0; i < 3; i++) {
        snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s WHERE x > %d", table, i * 2);
        if (civis_query_civis(&counts[i], client, sql, database, 1, &io, &err) != CIVIS_OK)
            goto done;
    }
    if (civis_futures_wait(NULL, NULL, counts, 3, CIVIS_WAIT_ALL, 60000, &err) != CIVIS_OK)
        goto done;
    for (int i = 0; i < 3; i++) {
        const civis_response *q = NULL;
        const char *n = NULL;
        if (civis_future_result(&q, counts[i], &err) != CIVIS_OK ||
            civis_response_string(&n, q, "result_rows.0.0", &err) != CIVIS_OK)
            goto done;
        printf("rows with x > %d: %s\n", i * 2, n);
    }

    /* Cancelling: a run that has not finished stops; a finished one stays. */
    bool cancelled = false;
    if (start_sql(&doomed, client, "SELECT 1", database, &polling, &err) != CIVIS_OK ||
        civis_future_cancel(&cancelled, doomed, &err) != CIVIS_OK)
        goto done;
    civis_error gone = CIVIS_ERROR_INIT;
    if (cancelled && civis_future_result(NULL, doomed, &gone) == CIVIS_ECANCELLED)
        printf("cancelled: %s\n", gone.message);
    else
        printf("too late to cancel: the run had finished\n");
    rc = 0;

done:
    if (rc != 0)
        fprintf(stderr, "civis: %s\n", err.message);
    civis_future_free(doomed);
    for (int i = 0; i < 3; i++)
        civis_future_free(counts[i]);
    civis_future_free(broken);
    civis_future_free(run);
    civis_client_free(client);
    civis_global_cleanup();
    return rc;
}
