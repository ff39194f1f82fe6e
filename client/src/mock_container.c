/*
 * mock_container.c: the presets of the official client's
 * create_client_mock_for_container_tests, for code that starts a container
 * script, polls its run, reads its outputs and logs, and may cancel it.
 *
 * The run's state lives in a small record the mock owns: post_cancel moves
 * it to "cancelled", so a polling loop sees the cancellation on its next
 * get_containers_runs, as it would against the real API.
 */
#include <stdio.h>
#include <string.h>

#include "mock_internal.h"

typedef struct container_run {
    pthread_mutex_t lock;
    long long script_id;
    long long run_id;
    char *state; /* owned; replaced by post_cancel */
} container_run;

static void run_free(void *p)
{
    container_run *run = p;
    pthread_mutex_destroy(&run->lock);
    civis__free(run->state);
    civis__free(run);
}

/* {"id", "container_id", "state"} plus "error": "None" for a failed run: the
 * official mock's shape, which sends futures to the logs for the reason. */
static cJSON *run_json(container_run *run)
{
    pthread_mutex_lock(&run->lock);
    cJSON *o = cJSON_CreateObject();
    bool ok =
        o != NULL && cJSON_AddNumberToObject(o, "id", (double)run->run_id) != NULL &&
        cJSON_AddNumberToObject(o, "container_id", (double)run->script_id) != NULL &&
        cJSON_AddStringToObject(o, "state", run->state) != NULL &&
        (strcmp(run->state, "failed") != 0 || cJSON_AddStringToObject(o, "error", "None") != NULL);
    pthread_mutex_unlock(&run->lock);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *get_run(void *data, const civis_mock_call *call, long *status)
{
    (void)call; /* one run, whatever ids are asked for, as the official mock */
    cJSON *o = run_json(data);
    if (o == NULL)
        *status = 500;
    return o;
}

static cJSON *cancel_run(void *data, const civis_mock_call *call, long *status)
{
    (void)call;
    container_run *run = data;
    char *cancelled = civis__strdup("cancelled");
    if (cancelled == NULL) {
        *status = 500;
        return NULL;
    }
    pthread_mutex_lock(&run->lock);
    civis__free(run->state);
    run->state = cancelled;
    pthread_mutex_unlock(&run->lock);
    return get_run(data, call, status);
}

static civis_status check_array(const char *text, const char *field, civis_error *err)
{
    if (text == NULL)
        return CIVIS_OK;
    cJSON *doc = cJSON_Parse(text);
    bool ok = cJSON_IsArray(doc);
    cJSON_Delete(doc);
    if (!ok)
        return civis__fail(err, CIVIS_EINVAL, field, "%s must be a JSON array, got %.80s", field,
                           text);
    return CIVIS_OK;
}

static const char *const container_ops[] = {
    "scripts.post_containers",     "scripts.post_containers_runs",
    "scripts.get_containers_runs", "scripts.list_containers_runs_outputs",
    "jobs.list_runs_outputs",      "jobs.list_runs_logs",
    "scripts.post_cancel",         NULL};

civis_status civis_mock_container_setup(civis_mock *mock, const civis_mock_container_opts *opts,
                                        civis_error *err)
{
    static const civis_mock_container_opts defaults = {0};
    const civis_mock_container_opts *o = opts ? opts : &defaults;
    if (mock == NULL)
        return civis__fail(err, CIVIS_EINVAL, "mock", "no mock given");
    /* Check everything first, so that a failure sets nothing. */
    for (size_t i = 0; container_ops[i] != NULL; i++)
        if (civis__mock_find(mock, container_ops[i], err) == NULL)
            return CIVIS_EINVAL;
    civis_status st;
    if ((st = check_array(o->run_outputs_json, "run_outputs_json", err)) != CIVIS_OK ||
        (st = check_array(o->logs_json, "logs_json", err)) != CIVIS_OK)
        return st;

    container_run *run = civis__calloc(1, sizeof(*run));
    if (run == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    run->script_id = o->script_id ? o->script_id : -10;
    run->run_id = o->run_id ? o->run_id : 100;
    run->state = civis__strdup(o->state ? o->state : "succeeded");
    if (run->state == NULL || pthread_mutex_init(&run->lock, NULL) != 0) {
        civis__free(run->state);
        civis__free(run);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    }
    if ((st = civis__mock_own(mock, run, run_free, err)) != CIVIS_OK)
        return st;

    char script[64], queued[160];
    snprintf(script, sizeof(script), "{\"id\":%lld}", run->script_id);
    snprintf(queued, sizeof(queued), "{\"id\":%lld,\"container_id\":%lld,\"state\":\"queued\"}",
             run->run_id, run->script_id);
    const char *outputs = o->run_outputs_json ? o->run_outputs_json : "[]";
    const char *logs = o->logs_json ? o->logs_json : "[]";
    if ((st = civis_mock_return(mock, "scripts.post_containers", script, err)) != CIVIS_OK ||
        (st = civis_mock_return(mock, "scripts.post_containers_runs", queued, err)) != CIVIS_OK ||
        (st = civis_mock_side_effect(mock, "scripts.get_containers_runs", get_run, run, err)) !=
            CIVIS_OK ||
        (st = civis_mock_return(mock, "scripts.list_containers_runs_outputs", outputs, err)) !=
            CIVIS_OK ||
        (st = civis_mock_return(mock, "jobs.list_runs_outputs", outputs, err)) != CIVIS_OK ||
        (st = civis_mock_return(mock, "jobs.list_runs_logs", logs, err)) != CIVIS_OK ||
        (st = civis_mock_side_effect(mock, "scripts.post_cancel", cancel_run, run, err)) !=
            CIVIS_OK)
        return st;
    return CIVIS_OK;
}
