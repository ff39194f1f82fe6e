/*
 * container_job.c: the user guide's container example with futures.
 * Creates a container script, runs it, waits on a future for the run and
 * prints how it ended; then runs the same job again with civis_run_job.
 *
 *     CIVIS_API_KEY=... ./container_job ["echo hello"]
 *
 * CIVIS_POLL_MS fixes the polling interval (default: the official client's
 * back-off, 1 s growing to 15 s). Exit status: 0 when both runs succeeded,
 * 2 when a run failed or was cancelled, 1 for any other error.
 */
#include <stdio.h>
#include <stdlib.h>

#include "civis.h"

/* Waits for the run and prints how it ended; returns the exit status. */
static int report(civis_future *f, const char *what)
{
    const civis_response *run = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = civis_future_result(&run, f, &err);
    if (st != CIVIS_OK) {
        fprintf(stderr, "civis: %s\n", err.message);
        return st == CIVIS_EJOB || st == CIVIS_ECANCELLED ? 2 : 1;
    }
    const char *state = NULL;
    civis_response_string(&state, run, "state", NULL);
    printf("%s: run %lld of job %lld %s after %d polls\n", what, civis_future_run_id(f),
           civis_future_job_id(f), state ? state : "finished", civis_future_polls(f));
    return 0;
}

int main(int argc, char **argv)
{
    const char *command = argc > 1 ? argv[1] : "echo hello from civis-c";
    const char *poll = getenv("CIVIS_POLL_MS");
    civis_future_options opts = {.interval_ms = poll ? atol(poll) : 0};
    civis_client *client = NULL;
    civis_response *script = NULL, *run = NULL;
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    long long script_id = 0, run_id = 0;
    int rc = 1;

    /* Line-buffered, so that progress and errors keep their order in a pipe. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (civis_global_init() != CIVIS_OK)
        return 1;
    if (civis_client_new(&client, NULL, &err) != CIVIS_OK ||
        civis_callv(&script, client, "scripts", "post_containers", &err, "name",
                    CIVIS_STR("civis-c futures example"), "docker_image_name",
                    CIVIS_STR("civisanalytics/datascience-python"), "docker_command",
                    CIVIS_STR(command), "required_resources",
                    CIVIS_OBJ("cpu", CIVIS_INT(256), "memory", CIVIS_INT(512), CIVIS_END),
                    CIVIS_END) != CIVIS_OK ||
        civis_response_int(&script_id, script, "id", &err) != CIVIS_OK ||
        civis_callv(&run, client, "scripts", "post_containers_runs", &err, "id",
                    CIVIS_INT(script_id), CIVIS_END) != CIVIS_OK ||
        civis_response_int(&run_id, run, "id", &err) != CIVIS_OK ||
        civis_future_container(&f, client, script_id, run_id, &opts, &err) != CIVIS_OK) {
        fprintf(stderr, "civis: %s\n", err.message);
        goto done;
    }
    printf("script %lld: run %lld started\n", script_id, run_id);
    if ((rc = report(f, "container")) != 0)
        goto done;

    /* The same job again, the short way: civis_run_job starts a run and
     * hands back its future. */
    civis_future_free(f);
    f = NULL;
    if (civis_run_job(&f, client, script_id, &opts, &err) != CIVIS_OK) {
        fprintf(stderr, "civis: %s\n", err.message);
        rc = 1;
        goto done;
    }
    rc = report(f, "run_job");

done:
    civis_future_free(f);
    civis_response_free(run);
    civis_response_free(script);
    civis_client_free(client);
    civis_global_cleanup();
    return rc;
}
