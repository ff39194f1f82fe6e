/*
 * container_run.c: create a container script, start a run and poll it
 * until it finishes, as the user guide's first job does.
 *
 *     CIVIS_API_KEY=... ./container_run ["echo hello"]
 *
 * CIVIS_POLL_MS sets the polling interval (default 1000 ms).
 */
#if !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c11 */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "civis.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int finished(const char *state)
{
    return strcmp(state, "succeeded") == 0 || strcmp(state, "failed") == 0 ||
           strcmp(state, "cancelled") == 0;
}

int main(int argc, char **argv)
{
    const char *command = argc > 1 ? argv[1] : "echo hello from civis-c";
    const char *poll = getenv("CIVIS_POLL_MS");
    long poll_ms = poll ? atol(poll) : 1000;
    civis_client *client = NULL;
    civis_response *script = NULL, *run = NULL, *status = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    long long script_id = 0, run_id = 0;
    const char *state = "queued";
    int rc = 1;

    if (civis_global_init() != CIVIS_OK)
        return 1;
    if (civis_client_new(&client, NULL, &err) != CIVIS_OK ||
        civis_callv(&script, client, "scripts", "post_containers", &err, "name",
                    CIVIS_STR("civis-c example"), "docker_image_name",
                    CIVIS_STR("civisanalytics/datascience-python"), "docker_command",
                    CIVIS_STR(command), "required_resources",
                    CIVIS_OBJ("cpu", CIVIS_INT(256), "memory", CIVIS_INT(512), "disk_space",
                              CIVIS_NUM(1.0), CIVIS_END),
                    CIVIS_END) != CIVIS_OK ||
        civis_response_int(&script_id, script, "id", &err) != CIVIS_OK ||
        civis_callv(&run, client, "scripts", "post_containers_runs", &err, "id",
                    CIVIS_INT(script_id), CIVIS_END) != CIVIS_OK ||
        civis_response_int(&run_id, run, "id", &err) != CIVIS_OK)
        goto done;
    printf("script %lld: run %lld started\n", script_id, run_id);

    /* Poll the run until it reaches a final state (at most 120 polls). */
    for (int i = 0; i < 120; i++) {
        civis_response_free(status);
        status = NULL;
        if (civis_callv(&status, client, "scripts", "get_containers_runs", &err, "id",
                        CIVIS_INT(script_id), "run_id", CIVIS_INT(run_id), CIVIS_END) != CIVIS_OK ||
            civis_response_string(&state, status, "state", &err) != CIVIS_OK)
            goto done;
        if (finished(state))
            break;
        sleep_ms(poll_ms);
    }
    printf("run %lld: %s\n", run_id, state);
    rc = strcmp(state, "succeeded") == 0 ? 0 : 2;

done:
    if (rc == 1)
        fprintf(stderr, "civis: %s\n", err.message);
    civis_response_free(status);
    civis_response_free(run);
    civis_response_free(script);
    civis_client_free(client);
    civis_global_cleanup();
    return rc;
}
