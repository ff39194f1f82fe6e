/*
 * civis/future.h: following a run until it finishes, as the official
 * client's CivisFuture does.
 *
 * A civis_future polls one GET operation (usually a run: "scripts",
 * "get_containers_runs" with {id, run_id}) until the `state` it returns is
 * final. It maps the run states as the official client does:
 *
 *     queued, running        -> CIVIS_FUTURE_RUNNING
 *     succeeded, success     -> CIVIS_FUTURE_SUCCEEDED
 *     failed                 -> CIVIS_FUTURE_FAILED     (CIVIS_EJOB)
 *     cancelled              -> CIVIS_FUTURE_CANCELLED  (CIVIS_ECANCELLED)
 *
 * Any other state (or no `state` at all) ends the future with CIVIS_EPARSE
 * naming what came back; it never crashes and never polls forever.
 *
 *     civis_future *f = NULL;
 *     const civis_response *run = NULL;
 *     civis_error err = CIVIS_ERROR_INIT;
 *     if (civis_future_newv(&f, client, "scripts", "get_containers_runs", NULL, &err,
 *                           "id", CIVIS_INT(job_id), "run_id", CIVIS_INT(run_id),
 *                           CIVIS_END) == CIVIS_OK &&
 *         civis_future_result(&run, f, &err) == CIVIS_OK)
 *         printf("finished at %s\n", cJSON_GetStringValue(civis_response_get(run, "finished_at")));
 *     else
 *         fprintf(stderr, "%s\n", err.message); // "(From job 12 / run 34) boom"
 *     civis_future_free(f);
 *
 * Polling: nothing runs in the background. A future polls when somebody
 * asks about it (civis_future_done, civis_future_wait, civis_futures_wait,
 * civis_future_result) and a poll is due. The interval follows the official
 * client: the first wait is 1 s, then each interval is 1.2 times the last,
 * up to 15 s; civis_future_options can fix it, shorten it, or drop it (tests).
 *
 * Waiting on many futures: civis_futures_wait() is a single-threaded poll
 * scheduler. It keeps the futures in a min-heap ordered by their next poll
 * time, polls whichever is due, and sleeps until the next one is due. Waiting
 * on hundreds of futures costs no thread per future, no thread at all
 * beyond the caller's (civis_futures_wait_opts can add a small fixed pool of
 * workers that send the due polls concurrently).
 *
 * A poll that fails with CIVIS_ETRANSPORT (no reply arrived, after the
 * client's own retries) counts as "not done yet": the future polls again at
 * its next interval, as the official client treats a poller that returned
 * nothing. Any other failure of the poll (404, 401, a 400 for bad
 * arguments, a body that is not an object) ends the future with that error.
 *
 * Failure messages: a failed run gives CIVIS_EJOB with
 * "(From job J / run R) <the run's error>". When the run reported no error
 * text (null, "" or "None"), the future reads the run's last 15 log lines
 * (GET /jobs/J/runs/R/logs?limit=15) and uses them instead, oldest first,
 * joined with newlines; a line "Process ran out of its ..." at level error
 * is used alone; with no log lines either the text is "the run failed without
 * an error message or logs". Unlike the official client this does not sleep
 * 15 s first.
 *
 * Threading: a future may be used from several threads at once (polling is
 * serialised inside it); only civis_future_free() must not race with other
 * calls on it. The client must outlive its futures.
 */
#ifndef CIVIS_FUTURE_H
#define CIVIS_FUTURE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "civis/export.h"
#include "civis/client.h"
#include "civis/error.h"
#include "civis/response.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct civis_future civis_future;

/* Where a future stands. */
typedef enum civis_future_state {
    CIVIS_FUTURE_RUNNING = 0, /* not finished: not polled yet, queued or running */
    CIVIS_FUTURE_SUCCEEDED,   /* the run succeeded */
    CIVIS_FUTURE_FAILED,      /* the run failed, a poll failed for good, or an unknown state */
    CIVIS_FUTURE_CANCELLED    /* cancelled through civis_future_cancel, or the run says so */
} civis_future_state;

/*
 * How a future polls. Zero in every field is the official client's
 * behaviour, so NULL options are complete.
 */
typedef struct civis_future_options {
    long interval_ms;       /* a fixed interval; 0: the geometric back-off below */
    long first_interval_ms; /* geometric: the first interval; 0 means 1000 */
    double growth;          /* geometric: factor per poll (>= 1); 0 means 1.2 */
    long max_interval_ms;   /* geometric: the cap; 0 means 15000 */
    bool no_wait;           /* poll again at once, no interval at all (tests) */
    bool delay_first_poll;  /* the first poll is due one interval after creation (the
                               official client's poll_on_creation=False, which run_job and
                               the io helpers use); false: it is due at once */
    bool no_failure_logs;   /* a failed run with no error text keeps its message as is,
                               without reading its logs */
} civis_future_options;

/*
 * Creates a future that polls resource.method with `args` (borrowed; copied),
 * e.g. "jobs", "get_runs", {"id": 12, "run_id": 34}. The name and the
 * arguments are checked against the client's spec at once (CIVIS_EINVAL with
 * a did-you-mean, as civis_call). The job and run ids reported in messages
 * and used by civis_future_cancel come from the arguments "id" and "run_id"
 * (0 when absent). `opts` may be NULL. Nothing is sent: the first poll is
 * made by the first call that asks about the future (see delay_first_poll).
 * Errors: CIVIS_EINVAL (also for a negative interval or a growth below 1,
 * param names the field), CIVIS_ENOMEM. On failure *out is NULL. Release
 * with civis_future_free(). The client must outlive the future.
 */
CIVIS_EXTERN civis_status civis_future_new(civis_future **out, civis_client *client,
                                           const char *resource, const char *method,
                                           const cJSON *args, const civis_future_options *opts,
                                           civis_error *err);

/* As civis_future_new, the arguments as name / CIVIS_* value pairs ending
 * in CIVIS_END (see civis_args in civis/client.h). */
CIVIS_EXTERN civis_status civis_future_newv(civis_future **out, civis_client *client,
                                            const char *resource, const char *method,
                                            const civis_future_options *opts, civis_error *err, ...)
#if defined(__GNUC__)
    __attribute__((sentinel))
#endif
    ;

/* A future over a container script's run (scripts.get_containers_runs),
 * the official client's ContainerFuture. */
CIVIS_EXTERN civis_status civis_future_container(civis_future **out, civis_client *client,
                                                 long long job_id, long long run_id,
                                                 const civis_future_options *opts,
                                                 civis_error *err);

/*
 * Frees the future. Must not race with any other call on it (including a
 * civis_futures_wait that holds it). A running future is just forgotten:
 * the run goes on. NULL allowed.
 */
CIVIS_EXTERN void civis_future_free(civis_future *f);

/* ---- state ---------------------------------------------------------------- */

/* Polls once if a poll is due, then says whether the future has finished
 * (in any final state). Never waits for an interval. */
CIVIS_EXTERN bool civis_future_done(civis_future *f);
/* The state as last seen, without polling. */
CIVIS_EXTERN civis_future_state civis_future_peek(const civis_future *f);
/* The job and run ids (the arguments "id" and "run_id"), 0 when unknown. */
CIVIS_EXTERN long long civis_future_job_id(const civis_future *f);
CIVIS_EXTERN long long civis_future_run_id(const civis_future *f);
/* Polls sent so far (each counts once, whatever the client's retries). */
CIVIS_EXTERN int civis_future_polls(const civis_future *f);
/* The client the future polls with (borrowed). */
CIVIS_EXTERN civis_client *civis_future_client(const civis_future *f);

/*
 * The last response a poll (or a cancel) gave, or NULL before the first
 * one. Borrowed: it is replaced by the next poll, and stays fixed once the
 * future has finished, until civis_future_free(). Read it from the thread
 * that polls, or once the future is done.
 */
CIVIS_EXTERN const civis_response *civis_future_response(const civis_future *f);

/*
 * The whole text of the error that ended the future, which err->message
 * (512 bytes) may cut: "(From job J / run R) line 1\nline 2". NULL while
 * running and after success. Borrowed until civis_future_free().
 */
CIVIS_EXTERN const char *civis_future_error_text(const civis_future *f);

/* ---- waiting and results ---------------------------------------------------- */

/*
 * Polls as due until the future finishes or `timeout_ms` passes (< 0: no
 * limit; 0: poll once if due and return). Returns CIVIS_OK once it has
 * finished, whatever its state (civis_future_result says how), or
 * CIVIS_ETIMEOUT ("the future did not finish within N ms").
 */
CIVIS_EXTERN civis_status civis_future_wait(civis_future *f, long timeout_ms, civis_error *err);

/*
 * Waits (without a limit: call civis_future_wait first for one) until the
 * future has finished and its done callbacks have returned, then reports:
 *   CIVIS_OK: the run succeeded; *out is the final run (borrowed from the
 *     future, valid until civis_future_free; read its fields with the
 *     civis_response getters);
 *   CIVIS_EJOB: the run failed; the message as described at the top;
 *   CIVIS_ECANCELLED: "job J / run R was cancelled";
 *   the error of a poll that failed for good (CIVIS_ENOTFOUND, CIVIS_EAUTH,
 *     CIVIS_EHTTP, CIVIS_EPARSE for an unknown state, ...);
 *   or, when the run succeeded but a done callback returned an error, the
 *     first such error (the official client 2.9.1 re-raises a callback's
 *     exception from result()).
 * On failure *out is NULL; civis_future_response() still has the final run.
 * Called from inside one of the future's own done callbacks it does not wait
 * for the callbacks (that would deadlock) and reports what is known so far
 * (the run's outcome, or an earlier callback's error).
 */
CIVIS_EXTERN civis_status civis_future_result(const civis_response **out, civis_future *f,
                                              civis_error *err);

/*
 * Cancels the run: POST /scripts/{id}/cancel with the future's job id.
 *   - already cancelled: *cancelled = true, nothing sent;
 *   - already finished otherwise: *cancelled = false, nothing sent;
 *   - the cancel is accepted: the future finishes as CIVIS_FUTURE_CANCELLED
 *     (its response becomes the cancel's answer, its done callbacks run in
 *     this thread) and *cancelled = true;
 *   - a 404 (the run finished before the cancel arrived): *cancelled =
 *     false, CIVIS_OK, and the next poll is due at once.
 * Other failures of the request are returned as they are (*cancelled =
 * false). A future with no job id is CIVIS_EINVAL, param "id".
 */
CIVIS_EXTERN civis_status civis_future_cancel(bool *cancelled, civis_future *f, civis_error *err);

/* ---- done callbacks --------------------------------------------------------- */

/*
 * A done callback. `err` is a fresh error for the callback to fill; return
 * CIVIS_OK, or an error status to have civis_future_result report it
 * (the first one wins; when err is left empty the message says which
 * status the callback returned). `data` is the pointer given at
 * registration. The callback may read the future (peek, response, result,
 * error_text) but must not free it.
 */
typedef civis_status (*civis_future_callback)(civis_future *f, void *data, civis_error *err);

/*
 * Registers `cb`. It is called exactly once, when the future finishes, from
 * the thread that observes the end (the one whose poll or cancel finished
 * it), in the order of registration. A future that has already finished
 * calls it at once, from this thread. `data` is borrowed and must stay
 * valid until then. Errors: CIVIS_EINVAL (NULL cb), CIVIS_ENOMEM.
 */
CIVIS_EXTERN civis_status civis_future_add_done_callback(civis_future *f, civis_future_callback cb,
                                                         void *data, civis_error *err);

/* ---- waiting on many futures ---------------------------------------------- */

/* What civis_futures_wait waits for. */
typedef enum civis_wait_mode {
    CIVIS_WAIT_ANY = 0, /* the first one to finish (FIRST_COMPLETED) */
    CIVIS_WAIT_ALL      /* every one (ALL_COMPLETED) */
} civis_wait_mode;

/*
 * Drives `n` futures with one poll scheduler in the calling thread until
 * one (CIVIS_WAIT_ANY) or all (CIVIS_WAIT_ALL) have finished, or
 * `timeout_ms` passes (< 0: no limit; 0: poll whatever is due once and
 * return). The futures may come from different clients; the array is
 * borrowed; a future may appear only once.
 *
 * *n_done (may be NULL) receives how many had finished on return, and
 * *first_done (may be NULL) the lowest index among them (n when none).
 * Returns CIVIS_OK when the condition holds, CIVIS_ETIMEOUT when time ran
 * out ("N of M futures finished within T ms"; the outputs are still set),
 * CIVIS_EINVAL for a NULL array or element, CIVIS_ENOMEM.
 *
 * A future that another thread finishes (a cancel, its own wait) wakes the
 * scheduler at once; the scheduler never polls a future that another
 * thread is polling at that moment.
 */
CIVIS_EXTERN civis_status civis_futures_wait(size_t *n_done, size_t *first_done,
                                             civis_future *const *futures, size_t n,
                                             civis_wait_mode mode, long timeout_ms,
                                             civis_error *err);

#define CIVIS_WAIT_MAX_THREADS 8 /* the most worker threads a wait may use */

/* Options for civis_futures_wait_opts(); zero is civis_futures_wait(). */
typedef struct civis_wait_options {
    int threads; /* polls in flight at once. 0 or 1: one at a time, in the calling
                    thread. 2..CIVIS_WAIT_MAX_THREADS: a fixed pool of that many
                    worker threads, started by the call and joined before it
                    returns, sends the due polls while the calling thread keeps the
                    schedule; worth it when each poll waits on a distant server.
                    Never a thread per future */
} civis_wait_options;

/*
 * civis_futures_wait with options (NULL: the same as civis_futures_wait).
 * With a pool, done callbacks run in the worker thread whose poll finished
 * the future, and on return (a timeout included) the call first lets the
 * polls in flight come back, so it may overrun timeout_ms by one request.
 * CIVIS_EINVAL for threads outside 0..CIVIS_WAIT_MAX_THREADS, CIVIS_ENOMEM
 * when the pool cannot start.
 */
CIVIS_EXTERN civis_status civis_futures_wait_opts(size_t *n_done, size_t *first_done,
                                                  civis_future *const *futures, size_t n,
                                                  civis_wait_mode mode, long timeout_ms,
                                                  const civis_wait_options *opts, civis_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_FUTURE_H */
