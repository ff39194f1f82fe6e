/*
 * future.c: the civis_future object: creation, one poll and what its
 * answer means, cancel, and done callbacks. The scheduler that decides
 * when to poll lives in future_wait.c.
 *
 * A poll runs without the future's lock, so other threads can read the
 * future's state meanwhile; f->polling keeps a second poll (or a cancel
 * racing a poll) from overwriting the first one's answer: whoever finishes
 * second finds the future already final and drops what it got.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "future_internal.h"

/* ---- small helpers ----------------------------------------------------------- */

static void lock(const civis_future *f)
{
    /* Getters take a const future, as getters do; the mutex is the one
     * field they must write. */
    pthread_mutex_lock((pthread_mutex_t *)&f->lock);
}

static void unlock(const civis_future *f)
{
    pthread_mutex_unlock((pthread_mutex_t *)&f->lock);
}

/* Copies a whole error (http_status included), first error wins. */
static civis_status copy_error(civis_error *err, const civis_error *src)
{
    if (err != NULL && err->code == CIVIS_OK)
        *err = *src;
    return src->code;
}

/* Tells every scheduler waiting on f that something changed. Holds f->lock. */
static void notify_wakes(civis_future *f)
{
    for (civis__wake_link *l = f->wakes; l != NULL; l = l->next) {
        pthread_mutex_lock(&l->wake->lock);
        l->wake->seq++;
        pthread_cond_broadcast(&l->wake->cond);
        pthread_mutex_unlock(&l->wake->lock);
    }
}

static long long int_arg(const cJSON *args, const char *name)
{
    const cJSON *v = args ? cJSON_GetObjectItemCaseSensitive(args, name) : NULL;
    return cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble < 9.2e18
               ? (long long)v->valuedouble
               : 0;
}

static bool init_cond(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return false;
    /* Deadlines are civis__now() times, so the condition variable must
     * measure CLOCK_MONOTONIC: a wall-clock jump must not stretch a wait. */
    bool ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
              pthread_cond_init(cond, &attr) == 0;
    pthread_condattr_destroy(&attr);
    return ok;
}

/* ---- creation ----------------------------------------------------------------- */

static civis_status apply_options(civis_future *f, const civis_future_options *o, civis_error *err)
{
    civis_future_options d = {0};
    if (o == NULL)
        o = &d;
    if (o->interval_ms < 0)
        return civis__fail(err, CIVIS_EINVAL, "interval_ms", "interval_ms must be >= 0, got %ld",
                           o->interval_ms);
    if (o->first_interval_ms < 0)
        return civis__fail(err, CIVIS_EINVAL, "first_interval_ms",
                           "first_interval_ms must be >= 0, got %ld", o->first_interval_ms);
    if (o->max_interval_ms < 0)
        return civis__fail(err, CIVIS_EINVAL, "max_interval_ms",
                           "max_interval_ms must be >= 0, got %ld", o->max_interval_ms);
    if (o->growth != 0 && !(o->growth >= 1 && isfinite(o->growth)))
        return civis__fail(err, CIVIS_EINVAL, "growth",
                           "growth must be a finite number >= 1 (or 0 for 1.2), got %g", o->growth);
    if (o->no_wait) {
        f->geometric = false;
        f->interval_s = 0;
    } else if (o->interval_ms > 0) {
        f->geometric = false;
        f->interval_s = (double)o->interval_ms / 1000.0;
    } else {
        f->geometric = true;
        f->interval_s = o->first_interval_ms ? (double)o->first_interval_ms / 1000.0 : 1.0;
        f->growth = o->growth != 0 ? o->growth : 1.2;
        f->max_interval_s = o->max_interval_ms ? (double)o->max_interval_ms / 1000.0 : 15.0;
        if (f->interval_s > f->max_interval_s)
            f->interval_s = f->max_interval_s;
    }
    f->no_failure_logs = o->no_failure_logs;
    f->next_poll = civis__now();
    if (o->delay_first_poll)
        f->next_poll += f->interval_s;
    return CIVIS_OK;
}

/* The interval that follows a poll: fixed, or 1.2 times longer up to the cap. */
static double take_interval(civis_future *f)
{
    double now_wait = f->interval_s;
    if (f->geometric) {
        f->interval_s *= f->growth;
        if (f->interval_s > f->max_interval_s)
            f->interval_s = f->max_interval_s;
    }
    return now_wait;
}

civis_status civis_future_new(civis_future **out, civis_client *client, const char *resource,
                              const char *method, const cJSON *args,
                              const civis_future_options *opts, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    if (client == NULL)
        return civis__fail(err, CIVIS_EINVAL, "client", "client must not be NULL");
    if (resource == NULL || method == NULL)
        return civis__fail(err, CIVIS_EINVAL, resource == NULL ? "resource" : "method",
                           "the poll operation needs a resource and a method");
    const civis_spec *spec = civis_client_spec(client);
    const civis_operation *op = NULL;
    civis_status st = civis_spec_find(&op, spec, resource, method, err);
    if (st != CIVIS_OK)
        return st;
    if (args != NULL && !cJSON_IsObject(args))
        return civis__fail(err, CIVIS_EINVAL, "args", "args must be a JSON object");
    if ((st = civis_args_validate(spec, op, args, err)) != CIVIS_OK)
        return st;

    civis_future *f = civis__calloc(1, sizeof(*f));
    if (f == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory creating a future");
    if ((st = apply_options(f, opts, err)) != CIVIS_OK) {
        civis__free(f);
        return st;
    }
    f->client = client;
    f->resource = civis__strdup(resource);
    f->method = civis__strdup(method);
    f->args = args ? cJSON_Duplicate(args, true) : cJSON_CreateObject();
    if (f->resource == NULL || f->method == NULL || f->args == NULL) {
        civis__free(f->resource);
        civis__free(f->method);
        cJSON_Delete(f->args);
        civis__free(f);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory creating a future");
    }
    f->job_id = int_arg(f->args, "id");
    f->run_id = int_arg(f->args, "run_id");
    f->state = CIVIS_FUTURE_RUNNING;
    if (pthread_mutex_init(&f->lock, NULL) != 0) {
        civis__free(f->resource);
        civis__free(f->method);
        cJSON_Delete(f->args);
        civis__free(f);
        return civis__fail(err, CIVIS_ENOMEM, "", "cannot create the future's lock");
    }
    if (!init_cond(&f->cond)) {
        pthread_mutex_destroy(&f->lock);
        civis__free(f->resource);
        civis__free(f->method);
        cJSON_Delete(f->args);
        civis__free(f);
        return civis__fail(err, CIVIS_ENOMEM, "", "cannot create the future's condition");
    }
    *out = f;
    return CIVIS_OK;
}

civis_status civis_future_newv(civis_future **out, civis_client *client, const char *resource,
                               const char *method, const civis_future_options *opts,
                               civis_error *err, ...)
{
    if (out != NULL)
        *out = NULL;
    va_list ap;
    va_start(ap, err);
    const char *first = va_arg(ap, const char *);
    cJSON *args = NULL;
    civis_status st = civis__args_build(&args, first, ap, err);
    va_end(ap);
    if (st != CIVIS_OK)
        return st;
    st = civis_future_new(out, client, resource, method, args, opts, err);
    cJSON_Delete(args);
    return st;
}

civis_status civis_future_container(civis_future **out, civis_client *client, long long job_id,
                                    long long run_id, const civis_future_options *opts,
                                    civis_error *err)
{
    if (out != NULL)
        *out = NULL;
    /* Built by hand rather than with civis_args: out of memory must read
     * as out of memory, whatever the argument builder makes of it. */
    cJSON *args = cJSON_CreateObject();
    if (args == NULL || cJSON_AddNumberToObject(args, "id", (double)job_id) == NULL ||
        cJSON_AddNumberToObject(args, "run_id", (double)run_id) == NULL) {
        cJSON_Delete(args);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory creating a future");
    }
    civis_status st =
        civis_future_new(out, client, "scripts", "get_containers_runs", args, opts, err);
    cJSON_Delete(args);
    return st;
}

void civis__future_own(civis_future *f, void *data, void (*free_fn)(void *))
{
    f->owned = data;
    f->owned_free = free_fn;
}

void civis_future_free(civis_future *f)
{
    if (f == NULL)
        return;
    civis__future_cb *cb = f->cbs;
    while (cb != NULL) {
        civis__future_cb *next = cb->next;
        civis__free(cb);
        cb = next;
    }
    if (f->owned_free != NULL)
        f->owned_free(f->owned);
    civis_response_free(f->resp);
    civis__free(f->error_text);
    cJSON_Delete(f->args);
    civis__free(f->resource);
    civis__free(f->method);
    pthread_cond_destroy(&f->cond);
    pthread_mutex_destroy(&f->lock);
    civis__free(f);
}

/* ---- getters ------------------------------------------------------------------ */

civis_future_state civis_future_peek(const civis_future *f)
{
    if (f == NULL)
        return CIVIS_FUTURE_FAILED;
    lock(f);
    civis_future_state s = f->state;
    unlock(f);
    return s;
}

bool civis_future_done(civis_future *f)
{
    if (f == NULL)
        return true;
    (void)civis__future_poll(f, true);
    return civis_future_peek(f) != CIVIS_FUTURE_RUNNING;
}

long long civis_future_job_id(const civis_future *f)
{
    return f ? f->job_id : 0;
}

long long civis_future_run_id(const civis_future *f)
{
    return f ? f->run_id : 0;
}

int civis_future_polls(const civis_future *f)
{
    if (f == NULL)
        return 0;
    lock(f);
    int n = f->polls;
    unlock(f);
    return n;
}

civis_client *civis_future_client(const civis_future *f)
{
    return f ? f->client : NULL;
}

const civis_response *civis_future_response(const civis_future *f)
{
    if (f == NULL)
        return NULL;
    lock(f);
    const civis_response *r = f->resp;
    unlock(f);
    return r;
}

const char *civis_future_error_text(const civis_future *f)
{
    if (f == NULL)
        return NULL;
    lock(f);
    const char *t = f->state == CIVIS_FUTURE_RUNNING || f->state == CIVIS_FUTURE_SUCCEEDED
                        ? NULL
                        : (f->error_text ? f->error_text : f->error.message);
    unlock(f);
    return t;
}

/* ---- finishing and callbacks ---------------------------------------------------- */

/* Calls the pending callbacks in order. Called with f->lock held, by the
 * thread that set cb_running; returns with the lock held. */
static void run_callbacks_locked(civis_future *f)
{
    while (f->cbs != NULL) {
        civis__future_cb *cb = f->cbs;
        f->cbs = cb->next;
        if (f->cbs == NULL)
            f->cbs_tail = NULL;
        unlock(f);
        civis_error ce = CIVIS_ERROR_INIT;
        civis_status st = cb->cb(f, cb->data, &ce);
        civis__free(cb);
        lock(f);
        if (st != CIVIS_OK && f->cb_error.code == CIVIS_OK) {
            if (ce.code == CIVIS_OK)
                civis__fail(&ce, st, "", "a done callback returned %s", civis_strerror(st));
            f->cb_error = ce;
            f->cb_error.code = st;
        }
    }
}

/*
 * Makes f final, wakes everyone, and calls the done callbacks from this
 * thread. Called with f->lock held; returns with it released. `text`
 * (owned, may be NULL) is the whole error message.
 */
static void finish_and_unlock(civis_future *f, civis_future_state state, const civis_error *e,
                              char *text)
{
    f->state = state;
    if (e != NULL)
        f->error = *e;
    civis__free(f->error_text);
    f->error_text = text;
    f->cb_running = true;
    f->cb_thread = pthread_self();
    notify_wakes(f);
    pthread_cond_broadcast(&f->cond);
    run_callbacks_locked(f);
    f->cb_running = false;
    f->cb_done = true;
    pthread_cond_broadcast(&f->cond);
    unlock(f);
}

civis_status civis_future_add_done_callback(civis_future *f, civis_future_callback cb, void *data,
                                            civis_error *err)
{
    if (f == NULL || cb == NULL)
        return civis__fail(err, CIVIS_EINVAL, f == NULL ? "f" : "cb", "%s must not be NULL",
                           f == NULL ? "the future" : "the callback");
    civis__future_cb *node = civis__calloc(1, sizeof(*node));
    if (node == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory adding a done callback");
    node->cb = cb;
    node->data = data;
    lock(f);
    if (f->cb_done) {
        /* Finished and its callbacks have run: this one runs at once, here. */
        f->cb_running = true;
        f->cb_thread = pthread_self();
        f->cb_done = false;
        f->cbs = f->cbs_tail = node;
        run_callbacks_locked(f);
        f->cb_running = false;
        f->cb_done = true;
        pthread_cond_broadcast(&f->cond);
    } else {
        /* Running, or finishing in another thread that will pick it up. */
        if (f->cbs_tail != NULL)
            f->cbs_tail->next = node;
        else
            f->cbs = node;
        f->cbs_tail = node;
    }
    unlock(f);
    return CIVIS_OK;
}

void civis__future_wait_callbacks(civis_future *f)
{
    pthread_t self = pthread_self();
    lock(f);
    while (f->state != CIVIS_FUTURE_RUNNING && !f->cb_done &&
           !(f->cb_running && pthread_equal(f->cb_thread, self)))
        pthread_cond_wait(&f->cond, &f->lock);
    unlock(f);
}

/* ---- one poll -------------------------------------------------------------------- */

/* "job 12 / run 34" (or "job 12", or the operation) for messages. */
static void describe(const civis_future *f, char *buf, size_t len)
{
    if (f->job_id > 0 && f->run_id > 0)
        snprintf(buf, len, "job %lld / run %lld", f->job_id, f->run_id);
    else if (f->job_id > 0)
        snprintf(buf, len, "job %lld", f->job_id);
    else
        snprintf(buf, len, "%s.%s", f->resource, f->method);
}

/*
 * What a poll's answer means: the state it maps to, and for a final state
 * other than success the error (and its whole text for a failed run, which
 * may take one more request: the run's logs).
 */
static civis_future_state classify(civis_future *f, const civis_response *resp, civis_error *e,
                                   char **text)
{
    const cJSON *run = civis_response_json(resp);
    const cJSON *state =
        cJSON_IsObject(run) ? cJSON_GetObjectItemCaseSensitive(run, "state") : NULL;
    char who[96];
    describe(f, who, sizeof(who));
    size_t body_len = 0;
    if (run == NULL && civis_response_body(resp, &body_len) != NULL && body_len > 0) {
        /* A body the client accepted as JSON that still gives no value: the
         * parse ran out of memory. */
        civis__fail(e, CIVIS_ENOMEM, "", "%s: out of memory reading the poll answer", who);
        return CIVIS_FUTURE_FAILED;
    }
    if (!cJSON_IsObject(run)) {
        civis__fail(e, CIVIS_EPARSE, "state", "%s.%s answered %s, not a run object", f->resource,
                    f->method, run == NULL ? "an empty body" : "something else");
        return CIVIS_FUTURE_FAILED;
    }
    if (!cJSON_IsString(state)) {
        civis__fail(e, CIVIS_EPARSE, "state", "%s: the poll answer has no 'state' string (%s.%s)",
                    who, f->resource, f->method);
        return CIVIS_FUTURE_FAILED;
    }
    const char *s = state->valuestring;
    if (strcmp(s, "queued") == 0 || strcmp(s, "running") == 0)
        return CIVIS_FUTURE_RUNNING;
    if (strcmp(s, "succeeded") == 0 || strcmp(s, "success") == 0)
        return CIVIS_FUTURE_SUCCEEDED;
    if (strcmp(s, "cancelled") == 0) {
        civis__fail(e, CIVIS_ECANCELLED, "", "%s was cancelled", who);
        return CIVIS_FUTURE_CANCELLED;
    }
    if (strcmp(s, "failed") == 0) {
        *text = civis__future_failure_text(f, run);
        if (*text != NULL) {
            civis__fail(e, CIVIS_EJOB, "", "%s", *text);
        } else {
            const cJSON *msg = cJSON_GetObjectItemCaseSensitive(run, "error");
            civis__fail(e, CIVIS_EJOB, "", "(From %s) %s", who,
                        cJSON_IsString(msg) ? msg->valuestring : "the run failed");
        }
        return CIVIS_FUTURE_FAILED;
    }
    civis__fail(e, CIVIS_EPARSE, "state",
                "%s: unknown run state '%.64s' (expected queued, running, succeeded, success, "
                "failed or cancelled)",
                who, s);
    return CIVIS_FUTURE_FAILED;
}

bool civis__future_poll(civis_future *f, bool only_if_due)
{
    lock(f);
    if (f->state != CIVIS_FUTURE_RUNNING || f->polling ||
        (only_if_due && civis__now() < f->next_poll)) {
        unlock(f);
        return false;
    }
    f->polling = true;
    unlock(f);

    civis_response *resp = NULL;
    civis_error e = CIVIS_ERROR_INIT;
    civis_error fe = CIVIS_ERROR_INIT;
    char *text = NULL;
    civis_future_state next = CIVIS_FUTURE_RUNNING;
    civis_status st = civis_call(&resp, f->client, f->resource, f->method, f->args, &e);
    if (st == CIVIS_OK) {
        next = classify(f, resp, &fe, &text);
    } else if (st != CIVIS_ETRANSPORT) {
        /* A transport error is "not done yet" (the official client's
         * poller returning None); anything else is the future's answer. */
        next = CIVIS_FUTURE_FAILED;
        fe = e;
    }

    lock(f);
    f->polling = false;
    f->polls++;
    if (f->state != CIVIS_FUTURE_RUNNING) {
        /* Cancelled while this poll was out: the cancel's answer stands. */
        pthread_cond_broadcast(&f->cond);
        unlock(f);
        civis_response_free(resp);
        civis__free(text);
        return true;
    }
    if (resp != NULL) {
        civis_response_free(f->resp);
        f->resp = resp;
    }
    if (next == CIVIS_FUTURE_RUNNING) {
        f->next_poll = civis__now() + take_interval(f);
        pthread_cond_broadcast(&f->cond);
        unlock(f);
        return true;
    }
    finish_and_unlock(f, next, &fe, text);
    return true;
}

void civis__future_wake_add(civis_future *f, civis__wake_link *link)
{
    lock(f);
    link->prev = NULL;
    link->next = f->wakes;
    if (f->wakes != NULL)
        f->wakes->prev = link;
    f->wakes = link;
    unlock(f);
}

void civis__future_wake_remove(civis_future *f, civis__wake_link *link)
{
    lock(f);
    if (link->prev != NULL)
        link->prev->next = link->next;
    else if (f->wakes == link)
        f->wakes = link->next;
    if (link->next != NULL)
        link->next->prev = link->prev;
    link->prev = link->next = NULL;
    unlock(f);
}

/* ---- results ---------------------------------------------------------------------- */

civis_status civis_future_wait(civis_future *f, long timeout_ms, civis_error *err)
{
    if (f == NULL)
        return civis__fail(err, CIVIS_EINVAL, "f", "the future must not be NULL");
    civis_error we = CIVIS_ERROR_INIT;
    civis_status st = civis_futures_wait(NULL, NULL, &f, 1, CIVIS_WAIT_ALL, timeout_ms, &we);
    if (st == CIVIS_ETIMEOUT) {
        char who[96];
        describe(f, who, sizeof(who));
        return civis__fail(err, CIVIS_ETIMEOUT, "timeout_ms", "%s did not finish within %ld ms",
                           who, timeout_ms);
    }
    return st == CIVIS_OK ? CIVIS_OK : copy_error(err, &we);
}

civis_status civis_future_result(const civis_response **out, civis_future *f, civis_error *err)
{
    if (out != NULL)
        *out = NULL;
    civis_status st = civis_future_wait(f, -1, err);
    if (st != CIVIS_OK)
        return st;
    civis__future_wait_callbacks(f);
    lock(f);
    civis_error outcome = f->state == CIVIS_FUTURE_SUCCEEDED ? f->cb_error : f->error;
    const civis_response *resp = f->resp;
    unlock(f);
    if (outcome.code != CIVIS_OK)
        return copy_error(err, &outcome);
    if (out != NULL)
        *out = resp;
    return CIVIS_OK;
}

/* ---- cancel ----------------------------------------------------------------------- */

civis_status civis_future_cancel(bool *cancelled, civis_future *f, civis_error *err)
{
    if (cancelled != NULL)
        *cancelled = false;
    if (f == NULL)
        return civis__fail(err, CIVIS_EINVAL, "f", "the future must not be NULL");
    if (f->job_id <= 0)
        return civis__fail(err, CIVIS_EINVAL, "id",
                           "the future has no job id to cancel (its %s.%s call has no 'id')",
                           f->resource, f->method);
    lock(f);
    civis_future_state s = f->state;
    unlock(f);
    if (s != CIVIS_FUTURE_RUNNING) {
        if (cancelled != NULL)
            *cancelled = s == CIVIS_FUTURE_CANCELLED;
        return CIVIS_OK;
    }

    civis_response *resp = NULL;
    civis_error e = CIVIS_ERROR_INIT;
    civis_status st = civis_callv(&resp, f->client, "scripts", "post_cancel", &e, "id",
                                  CIVIS_INT(f->job_id), CIVIS_END);
    if (st == CIVIS_ENOTFOUND) {
        /* The run finished before the cancel arrived (the official client
         * returns False here). Look again at once to learn how it ended. */
        lock(f);
        f->next_poll = civis__now();
        notify_wakes(f);
        unlock(f);
        return CIVIS_OK;
    }
    if (st != CIVIS_OK)
        return copy_error(err, &e);

    lock(f);
    if (f->state != CIVIS_FUTURE_RUNNING) {
        bool was = f->state == CIVIS_FUTURE_CANCELLED;
        unlock(f);
        civis_response_free(resp);
        if (cancelled != NULL)
            *cancelled = was;
        return CIVIS_OK;
    }
    civis_response_free(f->resp);
    f->resp = resp;
    char who[96];
    describe(f, who, sizeof(who));
    civis_error ce = CIVIS_ERROR_INIT;
    civis__fail(&ce, CIVIS_ECANCELLED, "", "%s was cancelled", who);
    finish_and_unlock(f, CIVIS_FUTURE_CANCELLED, &ce, NULL);
    if (cancelled != NULL)
        *cancelled = true;
    return CIVIS_OK;
}
