/*
 * future_failure.c: the message of a failed run, as the official client's
 * CivisFuture builds it (_set_job_exception):
 *
 *   "(From job J / run R) <error>"
 *
 * When the run says nothing (error null, "" or the string "None", which is
 * what Python's str(None) made of a null), the run's last 15 log lines say
 * it instead: GET /jobs/J/runs/R/logs?limit=15 answers newest first, so
 * they are reversed into the order they were written and joined with
 * newlines (empty lines left out). An error-level line "Process ran out of its ..." (the platform's
 * out-of-memory notice) is the whole story and is used alone.
 *
 * The official client sleeps 15 s before reading the logs, to let them
 * arrive; that wait is a property of the platform, not of this library,
 * and a caller that wants it can wait before asking for the result.
 */
#include <stdio.h>
#include <string.h>

#include "future_internal.h"

#define FAILURE_LOG_LINES 15
#define OOM_PREFIX "Process ran out of its"

static bool says_nothing(const cJSON *error)
{
    if (error == NULL || cJSON_IsNull(error))
        return true;
    return cJSON_IsString(error) &&
           (error->valuestring[0] == '\0' || strcmp(error->valuestring, "None") == 0);
}

/* The log lines (oldest first) joined with '\n', or the out-of-memory line
 * alone; NULL when there are none or memory runs out. */
static char *log_text(const cJSON *lines)
{
    int n = cJSON_GetArraySize(lines);
    size_t total = 1;
    for (int i = n - 1; i >= 0; i--) {
        const cJSON *l = cJSON_GetArrayItem(lines, i);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(l, "message");
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(l, "level");
        if (!cJSON_IsString(m) || m->valuestring[0] == '\0')
            continue;
        if (cJSON_IsString(lv) && strcmp(lv->valuestring, "error") == 0 &&
            strncmp(m->valuestring, OOM_PREFIX, strlen(OOM_PREFIX)) == 0)
            return civis__strdup(m->valuestring);
        total += strlen(m->valuestring) + 1;
    }
    if (total == 1)
        return NULL;
    char *out = civis__malloc(total);
    if (out == NULL)
        return NULL;
    size_t at = 0;
    for (int i = n - 1; i >= 0; i--) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(lines, i), "message");
        if (!cJSON_IsString(m) || m->valuestring[0] == '\0')
            continue;
        if (at > 0)
            out[at++] = '\n';
        size_t len = strlen(m->valuestring);
        memcpy(out + at, m->valuestring, len);
        at += len;
    }
    out[at] = '\0';
    return out;
}

/* The run's last log lines as text, or NULL (no logs, the request failed,
 * or out of memory): the message then falls back to the run's own. */
static char *recent_logs(const civis_future *f)
{
    civis_response *resp = NULL;
    civis_error e = CIVIS_ERROR_INIT;
    if (civis_callv(&resp, f->client, "jobs", "list_runs_logs", &e, "id", CIVIS_INT(f->job_id),
                    "run_id", CIVIS_INT(f->run_id), "limit", CIVIS_INT(FAILURE_LOG_LINES),
                    CIVIS_END) != CIVIS_OK)
        return NULL;
    const cJSON *lines = civis_response_json(resp);
    char *text = cJSON_IsArray(lines) ? log_text(lines) : NULL;
    civis_response_free(resp);
    return text;
}

char *civis__future_failure_text(const civis_future *f, const cJSON *run)
{
    char prefix[96];
    if (f->job_id > 0 && f->run_id > 0)
        snprintf(prefix, sizeof(prefix), "(From job %lld / run %lld) ", f->job_id, f->run_id);
    else if (f->job_id > 0)
        snprintf(prefix, sizeof(prefix), "(From job %lld) ", f->job_id);
    else
        prefix[0] = '\0';

    const cJSON *error = cJSON_GetObjectItemCaseSensitive(run, "error");
    if (!says_nothing(error)) {
        if (cJSON_IsString(error))
            return civis__sprintf("%s%s", prefix, error->valuestring);
        char *printed = cJSON_PrintUnformatted(error);
        char *text = printed ? civis__sprintf("%s%s", prefix, printed) : NULL;
        cJSON_free(printed);
        return text;
    }
    char *logs = NULL;
    if (!f->no_failure_logs && f->job_id > 0 && f->run_id > 0)
        logs = recent_logs(f);
    char *text = civis__sprintf("%s%s", prefix,
                                logs ? logs : "the run failed without an error message or logs");
    civis__free(logs);
    return text;
}
