/*
 * civis/jobs.h: the official client's civis.utils job helpers: start a
 * job's run and follow it (run_job), run a custom script from a template
 * (run_template), follow a run's log (job_logs), and read a finished run's
 * outputs.
 *
 *     civis_future *f = NULL;
 *     civis_error err = CIVIS_ERROR_INIT;
 *     if (civis_run_job(&f, client, job_id, NULL, &err) != CIVIS_OK ||
 *         civis_future_result(NULL, f, &err) != CIVIS_OK)
 *         fprintf(stderr, "%s\n", err.message);
 *     civis_future_free(f);
 *
 * Every function here sends its requests through civis_call, so the
 * client's retry rules, errors and logging apply.
 */
#ifndef CIVIS_JOBS_H
#define CIVIS_JOBS_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "civis/export.h"
#include "civis/client.h"
#include "civis/error.h"
#include "civis/future.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Starts a run of job `job_id` (POST /jobs/{id}/runs) and returns a future
 * over it that polls jobs.get_runs (GET /jobs/{id}/runs/{run_id}). As in
 * the official client the first poll comes one interval after the start
 * (delay_first_poll is forced on); the other `opts` (may be NULL) apply.
 * Errors: those of the POST, e.g. CIVIS_EHTTP with http_status 409 when the
 * job already has a run in progress ("(409) ... already_running ..."),
 * CIVIS_ENOTFOUND for an unknown job; CIVIS_EPARSE when the answer has no
 * run id. On failure *out is NULL. Release with civis_future_free().
 */
CIVIS_EXTERN civis_status civis_run_job(civis_future **out, civis_client *client, long long job_id,
                                        const civis_future_options *opts, civis_error *err);

/*
 * Runs a custom script from template `template_id`: POST /scripts/custom
 * {from_template_id, arguments, ...extra}, POST /scripts/custom/{id}/runs,
 * and a future over scripts.get_custom_runs (its first poll due at once,
 * as the official client's). `arguments` and `extra` (more post_custom
 * arguments, e.g. {"name": ...}) are borrowed and may be NULL. Errors: those
 * of the two calls (CIVIS_EINVAL for an unknown extra argument), CIVIS_EPARSE
 * when an answer has no id. On failure *out is NULL (a script that was
 * created stays). Release with civis_future_free().
 */
CIVIS_EXTERN civis_status civis_run_template(civis_future **out, civis_client *client,
                                             long long template_id, const cJSON *arguments,
                                             const cJSON *extra, const civis_future_options *opts,
                                             civis_error *err);

/*
 * civis_run_template, then waits for the run and returns its outputs
 * (GET /scripts/custom/{id}/runs/{run_id}/outputs) as an object
 * {name: object_id} over every output whatever its type, as the official
 * client's return_as="files" does. *out is owned by the caller
 * (cJSON_Delete). The run's failure is returned as civis_future_result
 * returns it (CIVIS_EJOB, ...).
 */
CIVIS_EXTERN civis_status civis_run_template_files(cJSON **out, civis_client *client,
                                                   long long template_id, const cJSON *arguments,
                                                   const cJSON *extra,
                                                   const civis_future_options *opts,
                                                   civis_error *err);

/*
 * The same, returning the `value` of the run's first output whose
 * objectType is "JSONValue" (return_as="JSONValue"), a copy owned by the
 * caller. No such output: CIVIS_EEMPTY "run R of template script J has no
 * JSONValue output".
 */
CIVIS_EXTERN civis_status civis_run_template_json_value(cJSON **out, civis_client *client,
                                                        long long template_id,
                                                        const cJSON *arguments, const cJSON *extra,
                                                        const civis_future_options *opts,
                                                        civis_error *err);

/*
 * Waits for the future's run (as civis_future_result, whose errors it
 * returns), then lists its outputs, every page of
 * GET /jobs/{id}/runs/{run_id}/outputs: an array of RunOutput objects
 * ({objectType, objectId, name, link, value}), owned by the caller
 * (cJSON_Delete). A future without a job and run id is CIVIS_EINVAL.
 */
CIVIS_EXTERN civis_status civis_future_outputs(cJSON **out, civis_future *f, civis_error *err);

/* ---- following a run's log ----------------------------------------------- */

typedef struct civis_job_logs civis_job_logs;

/* Options for civis_job_logs_new(); zero means the official client's choice. */
typedef struct civis_job_logs_options {
    long long run_id;          /* the run to follow; 0: the job's newest run (GET
                                  /jobs/{id}/runs?limit=1&order=id&order_dir=desc) */
    long poll_interval_ms;     /* wait between requests while the log grows and the
                                  server has nothing new; 0 means 5000 */
    double finished_timeout_s; /* > 0: also stop once the run finished more than this
                                  many seconds ago, even if the server still says the
                                  log may grow (GET /jobs/{id}/runs/{run_id}); 0: never */
    int limit;                 /* lines per request; 0 means 250 */
} civis_job_logs_options;

/*
 * Prepares to follow the log of a run of `job_id`. Sends one request only
 * when run_id is 0 (to find the newest run; none: CIVIS_EEMPTY "job J has
 * no runs"). Errors: CIVIS_EINVAL for a bad option, those of the call,
 * CIVIS_ENOMEM. Release with civis_job_logs_free(). The client must
 * outlive the iterator, which one thread uses at a time.
 */
CIVIS_EXTERN civis_status civis_job_logs_new(civis_job_logs **out, civis_client *client,
                                             long long job_id, const civis_job_logs_options *opts,
                                             civis_error *err);

/*
 * The next log line, a JSON object {id, createdAt, message, level} (read
 * it with civis_json_get(line, "created_at") and friends), borrowed until
 * the next call on the iterator. Returns CIVIS_OK with *line NULL once the
 * log is complete. Follows the official client's job_logs: GET
 * /jobs/{id}/runs/{run_id}/logs?last_id=N&limit=250; Civis-Max-Id is the
 * newest id on the server and Civis-Cache-Control "no-store" means the log
 * can still grow; each batch is sorted by (createdAt, id) and lines already
 * given are skipped (by id), so late lines that arrive out of order are
 * still given once each. Between requests it sleeps poll_interval_ms unless
 * the server clearly has more. Unlike the official client it also stops
 * when a finished run never logged anything. A failed request returns its
 * error; calling again retries it.
 */
CIVIS_EXTERN civis_status civis_job_logs_next(const cJSON **line, civis_job_logs *logs,
                                              civis_error *err);

/* The run being followed. */
CIVIS_EXTERN long long civis_job_logs_run_id(const civis_job_logs *logs);
/* Log requests sent so far. */
CIVIS_EXTERN int civis_job_logs_requests(const civis_job_logs *logs);
/* Frees the iterator and the lines it holds. NULL allowed. */
CIVIS_EXTERN void civis_job_logs_free(civis_job_logs *logs);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_JOBS_H */
