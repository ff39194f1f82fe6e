/*
 * test_client_future.c: civis_future. First on the scripted transport (the
 * state mapping, unknown states, transient poll errors, failure messages
 * with and without log lines, the first poll's timing, callbacks, cancel),
 * then against civis-mock's run simulation: the container example's calls
 * under the instant, polls:3 and failing policies, cancel, a dropped poll,
 * and 200 futures driven at once by one thread.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "allocfail.h"
#include "test.h"
#include "test_client_support.h"
#include "civis/future.h"

static civis_mockproc mp;
static bool mock_up;

static int suite_init(void)
{
    static const char *const args[] = {"--run-policy", "instant", NULL};
    mock_up = civis_mockproc_start(&mp, args) == 0;
    return 0;
}

static int suite_cleanup(void)
{
    return mock_up && civis_mockproc_stop(&mp) != 0 ? 1 : 0;
}

/* Tiny intervals: the tests never wait on the official back-off. */
static const civis_future_options fast = {.interval_ms = 5};
static const civis_future_options now_opts = {.no_wait = true};

static void push_transport_error(fake_transport *ft)
{
    ft->replies[ft->n_replies++] = (fake_reply){0, NULL, NULL, CIVIS_ETRANSPORT, false};
}

static civis_future *container_future(civis_client *c, const civis_future_options *o)
{
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_future_container(&f, c, 1, 2, o, &err) != CIVIS_OK)
        fprintf(stderr, "\n  container_future: %s\n", err.message);
    return f;
}

/* ---- the scripted transport ---------------------------------------------------- */

static void test_future__maps_states_and_returns_the_final_run(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 200, NULL, "{\"id\": 2, \"state\": \"queued\"}");
    fake_push(&ft, 200, NULL, "{\"id\": 2, \"state\": \"running\"}");
    fake_push(&ft, 200, NULL, "{\"id\": 2, \"state\": \"succeeded\", \"finishedAt\": \"x\"}");
    civis_client *c = fake_client(&ft, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_future *f = container_future(c, &now_opts);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_RUNNING);
    CU_ASSERT_EQUAL(ft.n_requests, 0); /* creating sends nothing */
    CU_ASSERT_EQUAL(civis_future_job_id(f), 1);
    CU_ASSERT_EQUAL(civis_future_run_id(f), 2);

    CU_ASSERT_FALSE(civis_future_done(f)); /* queued */
    CU_ASSERT_FALSE(civis_future_done(f)); /* running */
    CU_ASSERT_TRUE(civis_future_done(f));  /* succeeded */
    CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_SUCCEEDED);
    const civis_response *run = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_future_result(&run, f, &err), err);
    CU_ASSERT_PTR_EQUAL(run, civis_future_response(f));
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(civis_response_get(run, "finished_at")), "x");
    CU_ASSERT_EQUAL(civis_future_polls(f), 3);
    CU_ASSERT_EQUAL(ft.n_requests, 3);
    CU_ASSERT_STRING_EQUAL(ft.requests[0].method, "GET");
    CU_ASSERT_STRING_EQUAL(ft.requests[0].path, "/scripts/containers/1/runs/2");
    CU_ASSERT_PTR_NULL(civis_future_error_text(f));
    /* finished: nothing more is sent */
    CU_ASSERT_TRUE(civis_future_done(f));
    ASSERT_CIVIS_OK(civis_future_wait(f, 0, &err), err);
    CU_ASSERT_EQUAL(ft.n_requests, 3);
    civis_future_free(f);
    civis_client_free(c);
    fake_clear(&ft);
}

static void test_future__success_is_a_final_state_too(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 200, NULL, "{\"state\": \"success\"}");
    civis_client *c = fake_client(&ft, NULL);
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_future_newv(&f, c, "jobs", "get_runs", &now_opts, &err, "id",
                                      CIVIS_INT(7), "run_id", CIVIS_INT(8), CIVIS_END),
                    err);
    ASSERT_CIVIS_OK(civis_future_result(NULL, f, &err), err);
    CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_SUCCEEDED);
    CU_ASSERT_STRING_EQUAL(ft.requests[0].path, "/jobs/7/runs/8");
    civis_future_free(f);
    civis_client_free(c);
    fake_clear(&ft);
}

static void test_future__unknown_or_missing_state_is_an_error(void)
{
    static const char *const bodies[] = {"{\"state\": \"idle\"}", "{\"id\": 2}", "[1, 2]"};
    static const char *const expect[] = {
        "job 1 / run 2: unknown run state 'idle' (expected queued, running, succeeded, "
        "success, failed or cancelled)",
        "job 1 / run 2: the poll answer has no 'state' string (scripts.get_containers_runs)",
        "scripts.get_containers_runs answered something else, not a run object"};
    for (size_t i = 0; i < 3; i++) {
        fake_transport ft;
        fake_init(&ft);
        fake_push(&ft, 200, NULL, bodies[i]);
        civis_client *c = fake_client(&ft, NULL);
        civis_future *f = container_future(c, &now_opts);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        civis_error err = CIVIS_ERROR_INIT;
        const civis_response *run = (const civis_response *)&err;
        CU_ASSERT_EQUAL(civis_future_result(&run, f, &err), CIVIS_EPARSE);
        CU_ASSERT_PTR_NULL(run);
        CU_ASSERT_STRING_EQUAL(err.message, expect[i]);
        CU_ASSERT_STRING_EQUAL(err.param, "state");
        CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_FAILED);
        CU_ASSERT_EQUAL(ft.n_requests, 1); /* it stopped; it did not poll forever */
        civis_future_free(f);
        civis_client_free(c);
        fake_clear(&ft);
    }
}

static void test_future__transport_error_is_not_done_yet(void)
{
    fake_transport ft;
    fake_init(&ft);
    push_transport_error(&ft);
    fake_push(&ft, 200, NULL, "{\"state\": \"running\"}");
    push_transport_error(&ft);
    fake_push(&ft, 200, NULL, "{\"state\": \"succeeded\"}");
    civis_client *c = fake_client(&ft, NULL);
    civis_future *f = container_future(c, &fast);
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_future_result(NULL, f, &err), err);
    CU_ASSERT_EQUAL(civis_future_polls(f), 4);
    CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_SUCCEEDED);
    civis_future_free(f);
    civis_client_free(c);
    fake_clear(&ft);
}

static void test_future__other_poll_errors_end_the_future(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 404, NULL, "{\"error\": \"not_found\", \"errorDescription\": \"gone\"}");
    civis_client *c = fake_client(&ft, NULL);
    civis_future *f = container_future(c, &fast);
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_ENOTFOUND);
    CU_ASSERT_EQUAL(err.http_status, 404);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "/scripts/containers/1/runs/2"));
    CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_FAILED);
    CU_ASSERT_STRING_EQUAL(civis_future_error_text(f), err.message);
    CU_ASSERT_EQUAL(ft.n_requests, 1);
    civis_future_free(f);
    civis_client_free(c);
    fake_clear(&ft);
}

static void test_future__failed_run_message_names_job_and_run(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 200, NULL, "{\"state\": \"failed\", \"error\": \"boom\"}");
    civis_client *c = fake_client(&ft, NULL);
    civis_future *f = container_future(c, &fast);
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EJOB);
    CU_ASSERT_STRING_EQUAL(err.message, "(From job 1 / run 2) boom");
    CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_FAILED);
    /* the final run stays readable */
    CU_ASSERT_STRING_EQUAL(
        cJSON_GetStringValue(civis_response_get(civis_future_response(f), "state")), "failed");
    CU_ASSERT_EQUAL(ft.n_requests, 1); /* an error text needs no logs */
    civis_future_free(f);
    civis_client_free(c);
    fake_clear(&ft);
}

static const char logs_newest_first[] =
    "[{\"id\": 9, \"createdAt\": \"2024-01-01T00:00:03Z\", \"message\": \"Traceback: oops\", "
    "\"level\": \"error\"},"
    " {\"id\": 8, \"createdAt\": \"2024-01-01T00:00:02Z\", \"message\": \"working\", "
    "\"level\": \"info\"},"
    " {\"id\": 7, \"createdAt\": \"2024-01-01T00:00:01Z\", \"message\": \"starting\", "
    "\"level\": \"info\"}]";

static void test_future__failed_run_without_error_text_reads_the_logs(void)
{
    static const char *const runs[] = {
        "{\"state\": \"failed\", \"error\": null}", "{\"state\": \"failed\", \"error\": \"\"}",
        "{\"state\": \"failed\", \"error\": \"None\"}", "{\"state\": \"failed\"}"};
    for (size_t i = 0; i < 4; i++) {
        fake_transport ft;
        fake_init(&ft);
        fake_push(&ft, 200, NULL, runs[i]);
        fake_push(&ft, 200, NULL, logs_newest_first);
        civis_client *c = fake_client(&ft, NULL);
        civis_future *f = container_future(c, &fast);
        civis_error err = CIVIS_ERROR_INIT;
        CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EJOB);
        CU_ASSERT_STRING_EQUAL(err.message,
                               "(From job 1 / run 2) starting\nworking\nTraceback: oops");
        CU_ASSERT_STRING_EQUAL(civis_future_error_text(f), err.message);
        CU_ASSERT_EQUAL_FATAL(ft.n_requests, 2);
        CU_ASSERT_STRING_EQUAL(ft.requests[1].path, "/jobs/1/runs/2/logs");
        CU_ASSERT_STRING_EQUAL(ft.requests[1].query, "limit=15");
        civis_future_free(f);
        civis_client_free(c);
        fake_clear(&ft);
    }
}

static void test_future__out_of_memory_line_and_no_logs(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 200, NULL, "{\"state\": \"failed\", \"error\": null}");
    fake_push(&ft, 200, NULL,
              "[{\"id\": 3, \"message\": \"Process ran out of its allowed 512 MiB of memory\", "
              "\"level\": \"error\"}, {\"id\": 2, \"message\": \"loading\", \"level\": "
              "\"info\"}]");
    civis_client *c = fake_client(&ft, NULL);
    civis_future *f = container_future(c, &fast);
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EJOB);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "(From job 1 / run 2) Process ran out of its allowed 512 MiB of memory");
    civis_future_free(f);
    fake_clear(&ft);

    fake_push(&ft, 200, NULL, "{\"state\": \"failed\", \"error\": null}");
    fake_push(&ft, 200, NULL, "[]");
    f = container_future(c, &fast);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EJOB);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "(From job 1 / run 2) the run failed without an error message or logs");
    civis_future_free(f);
    fake_clear(&ft);

    /* no_failure_logs: the message stays as the run gave it, no request */
    civis_future_options o = fast;
    o.no_failure_logs = true;
    fake_push(&ft, 200, NULL, "{\"state\": \"failed\", \"error\": null}");
    f = container_future(c, &o);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EJOB);
    CU_ASSERT_EQUAL(ft.n_requests, 1);
    civis_future_free(f);
    civis_client_free(c);
    fake_clear(&ft);
}

static void test_future__bad_names_arguments_and_options(void)
{
    fake_transport ft;
    fake_init(&ft);
    ft.forbid = true;
    civis_client *c = fake_client(&ft, NULL);
    civis_future *f = (civis_future *)&ft;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_future_newv(&f, c, "scripts", "get_container_runs", NULL, &err, "id",
                                      CIVIS_INT(1), CIVIS_END),
                    CIVIS_EINVAL);
    CU_ASSERT_PTR_NULL(f);
    CU_ASSERT_STRING_EQUAL(err.param, "method");
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "did you mean 'get_containers_runs'?"));
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_future_newv(&f, c, "scripts", "get_containers_runs", NULL, &err, "id",
                                      CIVIS_INT(1), "runid", CIVIS_INT(2), CIVIS_END),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "runid");
    civis_future_options o = {.interval_ms = -1};
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_future_container(&f, c, 1, 2, &o, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "interval_ms");
    o = (civis_future_options){.growth = 0.5};
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_future_container(&f, c, 1, 2, &o, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "growth");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_future_wait(NULL, 0, &err), CIVIS_EINVAL);
    civis_future *arr[2] = {NULL, NULL};
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_futures_wait(NULL, NULL, arr, 2, CIVIS_WAIT_ALL, 0, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "futures[0] is NULL");
    size_t nd = 7, first = 7;
    ASSERT_CIVIS_OK(civis_futures_wait(&nd, &first, NULL, 0, CIVIS_WAIT_ANY, -1, &err), err);
    CU_ASSERT_EQUAL(nd, 0);
    CU_ASSERT_EQUAL(first, 0);
    civis_future_free(NULL);
    civis_client_free(c);
    fake_clear(&ft);
}

static void test_future__first_poll_timing(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 200, NULL, "{\"state\": \"running\"}");
    civis_client *c = fake_client(&ft, NULL);
    /* The official defaults: the first poll is due at once, the next 1 s later. */
    civis_future *f = container_future(c, NULL);
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_future_wait(f, 0, &err), CIVIS_ETIMEOUT);
    CU_ASSERT_STRING_EQUAL(err.message, "job 1 / run 2 did not finish within 0 ms");
    CU_ASSERT_EQUAL(civis_future_polls(f), 1);
    CU_ASSERT_FALSE(civis_future_done(f)); /* not due yet: no request */
    CU_ASSERT_EQUAL(ft.n_requests, 1);
    civis_future_free(f);

    /* delay_first_poll (poll_on_creation=False): nothing is due at first */
    civis_future_options o = {.delay_first_poll = true};
    f = container_future(c, &o);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_future_wait(f, 0, &err), CIVIS_ETIMEOUT);
    CU_ASSERT_FALSE(civis_future_done(f));
    CU_ASSERT_EQUAL(civis_future_polls(f), 0);
    CU_ASSERT_EQUAL(ft.n_requests, 1);
    civis_future_free(f);
    civis_client_free(c);
    fake_clear(&ft);
}

/* ---- allocation failures --------------------------------------------------------- */

static civis_status noop_cb(civis_future *f, void *data, civis_error *err)
{
    (void)f; /* only registered, to exercise the callback list */
    (void)data;
    (void)err;
    return CIVIS_OK;
}

/* A scripted transport of its own for the allocation test: it reports its
 * own allocation failures as CIVIS_ENOMEM with a message, as a transport must. */
typedef struct seq_transport {
    const char *const *bodies;
    size_t n, next;
} seq_transport;

static civis_status seq_send(void *ctx, const civis_http_request *req, civis_http_response *resp,
                             civis_error *err)
{
    (void)req; /* answers in order, whatever was asked */
    seq_transport *t = ctx;
    const char *body = t->bodies[t->next < t->n ? t->next : t->n - 1];
    t->next++;
    resp->status = 200;
    if (civis_http_response_append_body(resp, body, strlen(body)) != CIVIS_OK) {
        err->code = CIVIS_ENOMEM;
        snprintf(err->message, sizeof(err->message), "out of memory in the transport");
        return CIVIS_ENOMEM;
    }
    return CIVIS_OK;
}

static const civis_transport seq_table = {.name = "seq", .send = seq_send};

/* A whole failed run (a poll, the log lines, a callback) with the Nth
 * allocation failing; true once everything worked. */
static bool failing_run(seq_transport *t, civis_client *c)
{
    t->next = 0;
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = civis_future_container(&f, c, 1, 2, &now_opts, &err);
    if (st == CIVIS_OK)
        st = civis_future_add_done_callback(f, noop_cb, NULL, &err);
    if (st == CIVIS_OK)
        st = civis_future_result(NULL, f, &err);
    bool whole =
        st == CIVIS_EJOB &&
        strcmp(err.message, "(From job 1 / run 2) starting\nworking\nTraceback: oops") == 0;
    /* anything short of that is out of memory, or the run's failure told with less
     * detail (its log lines could not be read) */
    bool fine = whole || st == CIVIS_ENOMEM ||
                (st == CIVIS_EJOB && strncmp(err.message, "(From job 1 / run 2) ", 21) == 0);
    CU_ASSERT(fine);
    if (!fine)
        fprintf(stderr, "\n  failing_run: %s: %s\n", civis_strerror(st), err.message);
    civis_future_free(f);
    return whole;
}

typedef struct run_ctx {
    seq_transport *t;
    civis_client *c;
} run_ctx;

static civis_status failing_run_op(void *ctx)
{
    run_ctx *rc = ctx;
    return failing_run(rc->t, rc->c) ? CIVIS_OK : CIVIS_ENOMEM;
}

static void test_future__allocation_failures_are_reported_not_fatal(void)
{
    static const char *const bodies[] = {
        "{\"state\": \"running\"}", "{\"state\": \"failed\", \"error\": null}", logs_newest_first};
    seq_transport t = {bodies, 3, 0};
    civis_client_options o = {.api_key = "k",
                              .base_url = "http://civis.test/",
                              .bundled_spec = true,
                              .retry = {.max_attempts = 1},
                              .transport = &seq_table,
                              .transport_ctx = &t};
    civis_client *c = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    run_ctx rc = {&t, c};
    long n = civis_test_alloc_walk(failing_run_op, &rc, 2000);
    CU_ASSERT(n > 0 && n < 2000);
    civis_client_free(c);
}

/* ---- callbacks -------------------------------------------------------------- */

typedef struct cb_log {
    pthread_mutex_t lock;
    int calls[4];
    char order[8];
    size_t n_order;
    pthread_t thread;
    civis_status ret;
    civis_future_state seen;
    civis_status nested;
} cb_log;

static civis_status record(cb_log *l, int which, civis_future *f)
{
    pthread_mutex_lock(&l->lock);
    l->calls[which]++;
    if (l->n_order < sizeof(l->order) - 1)
        l->order[l->n_order++] = (char)('a' + which);
    l->thread = pthread_self();
    l->seen = civis_future_peek(f);
    pthread_mutex_unlock(&l->lock);
    return CIVIS_OK;
}

static civis_status cb_a(civis_future *f, void *data, civis_error *err)
{
    (void)err; /* this one never fails */
    return record(data, 0, f);
}

static civis_status cb_b(civis_future *f, void *data, civis_error *err)
{
    cb_log *l = data;
    record(l, 1, f);
    /* result() from inside a callback must not wait for the callbacks */
    civis_error inner = CIVIS_ERROR_INIT;
    l->nested = civis_future_result(NULL, f, &inner);
    if (l->ret == CIVIS_EIO) {
        snprintf(err->message, sizeof(err->message), "could not write the report");
        err->code = CIVIS_EIO;
    }
    return l->ret;
}

static civis_status cb_c(civis_future *f, void *data, civis_error *err)
{
    (void)err; /* never fails */
    return record(data, 2, f);
}

static void test_future__callbacks_run_once_in_order(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 200, NULL, "{\"state\": \"running\"}");
    fake_push(&ft, 200, NULL, "{\"state\": \"succeeded\"}");
    civis_client *c = fake_client(&ft, NULL);
    civis_future *f = container_future(c, &fast);
    cb_log l;
    memset(&l, 0, sizeof(l));
    pthread_mutex_init(&l.lock, NULL);
    l.ret = CIVIS_EIO;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_future_add_done_callback(f, cb_a, &l, &err), err);
    ASSERT_CIVIS_OK(civis_future_add_done_callback(f, cb_b, &l, &err), err);
    CU_ASSERT_EQUAL(civis_future_add_done_callback(f, NULL, &l, &err), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(l.calls[0] + l.calls[1], 0);
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_future_wait(f, -1, &err), err);
    CU_ASSERT_EQUAL(l.calls[0], 1);
    CU_ASSERT_EQUAL(l.calls[1], 1);
    CU_ASSERT_STRING_EQUAL(l.order, "ab");
    CU_ASSERT(pthread_equal(l.thread, pthread_self()));
    CU_ASSERT_EQUAL(l.seen, CIVIS_FUTURE_SUCCEEDED);
    CU_ASSERT_EQUAL(l.nested, CIVIS_OK); /* no deadlock, and no error recorded yet */
    /* the run succeeded but a callback failed: result() reports the callback */
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EIO);
    CU_ASSERT_STRING_EQUAL(err.message, "could not write the report");
    /* added after the end: called at once, here, once */
    ASSERT_CIVIS_OK(civis_future_add_done_callback(f, cb_c, &l, &err), err);
    CU_ASSERT_EQUAL(l.calls[2], 1);
    CU_ASSERT_STRING_EQUAL(l.order, "abc");
    /* more waiting calls nothing again */
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EIO);
    CU_ASSERT_EQUAL(l.calls[0] + l.calls[1] + l.calls[2], 3);
    civis_future_free(f);
    fake_clear(&ft);

    /* a callback that returns a status without a message */
    fake_push(&ft, 200, NULL, "{\"state\": \"succeeded\"}");
    f = container_future(c, &fast);
    memset(l.calls, 0, sizeof(l.calls));
    l.ret = CIVIS_EHTTP;
    ASSERT_CIVIS_OK(civis_future_add_done_callback(f, cb_b, &l, &err), err);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EHTTP);
    CU_ASSERT_STRING_EQUAL(err.message, "a done callback returned HTTP error");
    civis_future_free(f);
    fake_clear(&ft);

    /* a failed run: its own error wins over the callback's */
    fake_push(&ft, 200, NULL, "{\"state\": \"failed\", \"error\": \"boom\"}");
    f = container_future(c, &fast);
    ASSERT_CIVIS_OK(civis_future_add_done_callback(f, cb_b, &l, &err), err);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EJOB);
    CU_ASSERT_STRING_EQUAL(err.message, "(From job 1 / run 2) boom");
    civis_future_free(f);
    pthread_mutex_destroy(&l.lock);
    civis_client_free(c);
    fake_clear(&ft);
}

/* Another thread waits on the same future: the callbacks still run once,
 * and result() in the other thread returns only after they have. */
typedef struct waiter_arg {
    civis_future *f;
    civis_status st;
    int calls_seen;
    cb_log *log;
} waiter_arg;

static void *waiter(void *p)
{
    waiter_arg *a = p;
    civis_error err = CIVIS_ERROR_INIT;
    a->st = civis_future_result(NULL, a->f, &err);
    pthread_mutex_lock(&a->log->lock);
    a->calls_seen = a->log->calls[0];
    pthread_mutex_unlock(&a->log->lock);
    return NULL;
}

static void test_future__two_threads_waiting_share_one_completion(void)
{
    fake_transport ft;
    fake_init(&ft);
    for (int i = 0; i < 5; i++)
        fake_push(&ft, 200, NULL, "{\"state\": \"running\"}");
    fake_push(&ft, 200, NULL, "{\"state\": \"succeeded\"}");
    civis_client *c = fake_client(&ft, NULL);
    civis_future *f = container_future(c, &fast);
    cb_log l;
    memset(&l, 0, sizeof(l));
    pthread_mutex_init(&l.lock, NULL);
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_future_add_done_callback(f, cb_a, &l, &err), err);
    waiter_arg a = {f, CIVIS_EINVAL, -1, &l}, b = {f, CIVIS_EINVAL, -1, &l};
    pthread_t ta, tb;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&ta, NULL, waiter, &a), 0);
    CU_ASSERT_EQUAL_FATAL(pthread_create(&tb, NULL, waiter, &b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CU_ASSERT_EQUAL(a.st, CIVIS_OK);
    CU_ASSERT_EQUAL(b.st, CIVIS_OK);
    CU_ASSERT_EQUAL(l.calls[0], 1);
    CU_ASSERT_EQUAL(a.calls_seen, 1);
    CU_ASSERT_EQUAL(b.calls_seen, 1);
    CU_ASSERT_EQUAL(civis_future_polls(f), 6); /* polls were never doubled up */
    CU_ASSERT_EQUAL(ft.n_requests, 6);
    civis_future_free(f);
    pthread_mutex_destroy(&l.lock);
    civis_client_free(c);
    fake_clear(&ft);
}

/* ---- cancel ------------------------------------------------------------------- */

static void test_future__cancel(void)
{
    fake_transport ft;
    fake_init(&ft);
    fake_push(&ft, 200, NULL, "{\"state\": \"running\"}");
    fake_push(&ft, 202, NULL, "{\"id\": 1, \"state\": \"cancelled\", \"isCancelRequested\": true}");
    civis_client *c = fake_client(&ft, NULL);
    civis_future *f = container_future(c, NULL);
    cb_log l;
    memset(&l, 0, sizeof(l));
    pthread_mutex_init(&l.lock, NULL);
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_future_add_done_callback(f, cb_a, &l, &err), err);
    CU_ASSERT_FALSE(civis_future_done(f));
    bool cancelled = false;
    ASSERT_CIVIS_OK(civis_future_cancel(&cancelled, f, &err), err);
    CU_ASSERT_TRUE(cancelled);
    CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_CANCELLED);
    CU_ASSERT_EQUAL(l.calls[0], 1);
    CU_ASSERT_EQUAL_FATAL(ft.n_requests, 2);
    CU_ASSERT_STRING_EQUAL(ft.requests[1].method, "POST");
    CU_ASSERT_STRING_EQUAL(ft.requests[1].path, "/scripts/1/cancel");
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_ECANCELLED);
    CU_ASSERT_STRING_EQUAL(err.message, "job 1 / run 2 was cancelled");
    CU_ASSERT_TRUE(civis_response_get(civis_future_response(f), "is_cancel_requested") != NULL);
    /* again: already cancelled, nothing sent, callbacks not called again */
    cancelled = false;
    ASSERT_CIVIS_OK(civis_future_cancel(&cancelled, f, NULL), err);
    CU_ASSERT_TRUE(cancelled);
    CU_ASSERT_EQUAL(ft.n_requests, 2);
    CU_ASSERT_EQUAL(l.calls[0], 1);
    civis_future_free(f);
    fake_clear(&ft);

    /* a finished future: false, nothing sent */
    fake_push(&ft, 200, NULL, "{\"state\": \"succeeded\"}");
    f = container_future(c, &fast);
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_future_result(NULL, f, &err), err);
    cancelled = true;
    ASSERT_CIVIS_OK(civis_future_cancel(&cancelled, f, &err), err);
    CU_ASSERT_FALSE(cancelled);
    CU_ASSERT_EQUAL(ft.n_requests, 1);
    civis_future_free(f);
    fake_clear(&ft);

    /* a 404: the run already finished; false, and the next poll tells how */
    fake_push(&ft, 404, NULL, NULL);
    fake_push(&ft, 200, NULL, "{\"state\": \"succeeded\"}");
    civis_future_options o = {.delay_first_poll = true};
    f = container_future(c, &o);
    cancelled = true;
    ASSERT_CIVIS_OK(civis_future_cancel(&cancelled, f, &err), err);
    CU_ASSERT_FALSE(cancelled);
    CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_RUNNING);
    CU_ASSERT_TRUE(civis_future_done(f)); /* due at once after the 404 */
    CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_SUCCEEDED);
    civis_future_free(f);
    fake_clear(&ft);

    /* other errors come back; a future without a job id cannot cancel */
    fake_push(&ft, 403, NULL, NULL);
    f = container_future(c, &fast);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_future_cancel(&cancelled, f, &err), CIVIS_EHTTP);
    CU_ASSERT_EQUAL(err.http_status, 403);
    civis_future_free(f);
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_future_newv(&f, c, "users", "get_me", NULL, &err, CIVIS_END), err);
    CU_ASSERT_EQUAL(civis_future_cancel(&cancelled, f, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "id");
    civis_future_free(f);
    pthread_mutex_destroy(&l.lock);
    civis_client_free(c);
    fake_clear(&ft);
}

/* ---- against civis-mock ---------------------------------------------------------- */

static long long create_container(civis_client *c)
{
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    long long id = 0;
    if (civis_callv(&r, c, "scripts", "post_containers", &err, "name", CIVIS_STR("future test"),
                    "docker_image_name", CIVIS_STR("python"), "docker_command",
                    CIVIS_STR("echo hi"), "required_resources",
                    CIVIS_OBJ("cpu", CIVIS_INT(256), "memory", CIVIS_INT(512), CIVIS_END),
                    CIVIS_END) != CIVIS_OK ||
        civis_response_int(&id, r, "id", &err) != CIVIS_OK)
        fprintf(stderr, "\n  create_container: %s\n", err.message);
    civis_response_free(r);
    return id;
}

static long long start_run(civis_client *c, long long job)
{
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    long long id = 0;
    if (civis_callv(&r, c, "scripts", "post_containers_runs", &err, "id", CIVIS_INT(job),
                    CIVIS_END) != CIVIS_OK ||
        civis_response_int(&id, r, "id", &err) != CIVIS_OK)
        fprintf(stderr, "\n  start_run: %s\n", err.message);
    civis_response_free(r);
    return id;
}

/* POSTs an admin document about one job of `key`'s state. */
static long sim_job(const char *key, long long job, const char *what, const char *json)
{
    char path[256];
    snprintf(path, sizeof(path), "/__mock/sim/jobs/%lld/%s?api_key=%s", job, what, key);
    return mock_admin(&mp, path, json);
}

static civis_future *run_container(civis_client *c, const char *key, const char *policy,
                                   long long *job)
{
    *job = create_container(c);
    if (policy != NULL && sim_job(key, *job, "policy", policy) != 200)
        return NULL;
    long long run = start_run(c, *job);
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_future_container(&f, c, *job, run, &fast, &err) != CIVIS_OK)
        fprintf(stderr, "\n  run_container: %s\n", err.message);
    return f;
}

static void test_future__container_runs_under_each_policy(void)
{
    CU_ASSERT_FATAL(mock_up);
    civis_client *c = mock_client(&mp, "fut-policies", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    long long job = 0;
    civis_error err = CIVIS_ERROR_INIT;
    const civis_response *run = NULL;

    civis_future *f = run_container(c, "fut-policies", NULL, &job); /* instant */
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    ASSERT_CIVIS_OK(civis_future_result(&run, f, &err), err);
    CU_ASSERT_EQUAL(civis_future_polls(f), 1);
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(civis_response_get(run, "state")), "succeeded");
    civis_future_free(f);

    f = run_container(c, "fut-policies", "{\"policy\": \"polls\", \"n\": 3}", &job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    ASSERT_CIVIS_OK(civis_future_result(&run, f, &err), err);
    CU_ASSERT_EQUAL(civis_future_polls(f), 3); /* running, running, succeeded */
    long long rid = 0;
    ASSERT_CIVIS_OK(civis_response_int(&rid, run, "id", &err), err);
    CU_ASSERT_EQUAL(rid, civis_future_run_id(f));
    civis_future_free(f);

    f = run_container(c, "fut-policies", "{\"policy\": \"fail\", \"error\": \"boom\"}", &job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_EQUAL(civis_future_result(&run, f, &err), CIVIS_EJOB);
    char want[96];
    snprintf(want, sizeof(want), "(From job %lld / run %lld) boom", job, civis_future_run_id(f));
    CU_ASSERT_STRING_EQUAL(err.message, want);
    civis_future_free(f);
    civis_client_free(c);
}

static void test_future__failed_run_without_error_gets_its_log_lines(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "fut-logs";
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    long long job = create_container(c);
    CU_ASSERT_EQUAL(sim_job(key, job, "policy", "{\"policy\": \"polls\", \"n\": 1000}"), 200);
    CU_ASSERT_EQUAL(sim_job(key, job, "logs",
                            "[\"pip install\", {\"message\": \"Traceback (most recent call "
                            "last)\", \"level\": \"error\"}]"),
                    200);
    long long run = start_run(c, job);
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_future_container(&f, c, job, run, &fast, &err), err);
    CU_ASSERT_FALSE(civis_future_done(f));
    char path[128];
    snprintf(path, sizeof(path), "runs/%lld/state", run);
    CU_ASSERT_EQUAL(sim_job(key, job, path, "{\"state\": \"failed\", \"error\": \"\"}"), 200);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_EJOB);
    char want[160];
    snprintf(want, sizeof(want),
             "(From job %lld / run %lld) pip install\nTraceback (most recent "
             "call last)",
             job, run);
    CU_ASSERT_STRING_EQUAL(err.message, want);
    civis_future_free(f);
    civis_client_free(c);
}

static void test_future__cancel_against_the_mock(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "fut-cancel";
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    long long job = 0;
    civis_future *f = run_container(c, key, "{\"policy\": \"polls\", \"n\": 1000}", &job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_FALSE(civis_future_done(f));
    bool cancelled = false;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_future_cancel(&cancelled, f, &err), err);
    CU_ASSERT_TRUE(cancelled);
    CU_ASSERT_EQUAL(civis_future_result(NULL, f, &err), CIVIS_ECANCELLED);
    /* the platform agrees */
    civis_response *r = NULL;
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_callv(&r, c, "scripts", "get_containers_runs", &err, "id", CIVIS_INT(job),
                                "run_id", CIVIS_INT(civis_future_run_id(f)), CIVIS_END),
                    err);
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(civis_response_get(r, "state")), "cancelled");
    civis_response_free(r);
    civis_future_free(f);

    /* a run that finished before the cancel: 404 -> false, then the poll says succeeded */
    civis_future_options o = fast;
    o.delay_first_poll = true;
    job = create_container(c);
    long long run = start_run(c, job);
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_future_container(&f, c, job, run, &o, &err), err);
    cancelled = true;
    ASSERT_CIVIS_OK(civis_future_cancel(&cancelled, f, &err), err);
    CU_ASSERT_FALSE(cancelled);
    ASSERT_CIVIS_OK(civis_future_result(NULL, f, &err), err);
    civis_future_free(f);
    civis_client_free(c);
}

static void test_future__a_dropped_poll_is_retried(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "fut-drop";
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    char fault[256];
    snprintf(fault, sizeof(fault),
             "{\"operation\": \"scripts.get_containers_runs\", \"drop\": true, \"count\": 2, "
             "\"api_key\": \"%s\"}",
             key);
    CU_ASSERT_EQUAL(mock_admin(&mp, "/__mock/faults", fault), 201);
    long long job = 0;
    civis_future *f = run_container(c, key, NULL, &job);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_future_result(NULL, f, &err), err);
    /* At least one poll came back with nothing and counted as "not yet" (libcurl
     * itself may resend once on a kept-alive connection that died, so the two
     * drops can cost one poll or two). */
    CU_ASSERT(civis_future_polls(f) >= 2);
    CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_SUCCEEDED);
    char q[96];
    snprintf(q, sizeof(q), "api_key=%s&source=fault", key);
    cJSON *j = mock_journal(&mp, q);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 2);
    cJSON_Delete(j);
    civis_future_free(f);
    civis_client_free(c);
}

/* Threads of this process, from /proc/self/task; -1 when unknown. */
static int thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    if (d == NULL)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* The thread count once it is back to `want`, or what it is after a
 * second. pthread_join returns as soon as the kernel clears the thread's
 * id, a moment before its /proc/self/task entry goes: a thread that was
 * joined leaves within that moment, a thread that leaked never does. */
static int thread_count_settled(int want)
{
    int n = thread_count();
    for (int i = 0; i < 200 && n != want; i++) {
        usleep(5000);
        n = thread_count();
    }
    return n;
}

typedef struct many_log {
    int max_threads;
} many_log;

typedef struct many_slot {
    many_log *log;
    int calls;
} many_slot;

static civis_status count_threads(civis_future *f, void *data, civis_error *err)
{
    (void)f;   /* the slot says which future */
    (void)err; /* never fails */
    many_slot *s = data;
    int t = thread_count();
    if (t > s->log->max_threads)
        s->log->max_threads = t;
    s->calls++;
    return CIVIS_OK;
}

static void test_future__two_hundred_futures_one_thread(void)
{
    CU_ASSERT_FATAL(mock_up);
    enum { N = 200, STUCK = 10 };
    const char *key = "fut-many";
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_future **fs = calloc(N, sizeof(*fs));
    many_slot *slots = calloc(N, sizeof(*slots));
    many_log m = {0};
    CU_ASSERT_FATAL(fs != NULL && slots != NULL);
    civis_error err = CIVIS_ERROR_INIT;
    civis_future_options o = {.interval_ms = 10};
    for (int i = 0; i < N; i++) {
        long long job = create_container(c);
        /* the last STUCK never finish; the others take 3 polls, a few of them 1 */
        const char *policy = i >= N - STUCK ? "{\"policy\": \"polls\", \"n\": 1000000}"
                             : i % 50 == 7  ? "{\"policy\": \"instant\"}"
                                            : "{\"policy\": \"polls\", \"n\": 3}";
        CU_ASSERT_EQUAL_FATAL(sim_job(key, job, "policy", policy), 200);
        long long run = start_run(c, job);
        slots[i].log = &m;
        ASSERT_CIVIS_OK(civis_future_container(&fs[i], c, job, run, &o, &err), err);
        ASSERT_CIVIS_OK(civis_future_add_done_callback(fs[i], count_threads, &slots[i], &err), err);
    }
    int before = thread_count();

    /* ANY: the futures are first due in the order they were made, and the
     * instant run at index 7 is the first that can finish on a first poll */
    size_t n_done = 0, first = 0;
    ASSERT_CIVIS_OK(civis_futures_wait(&n_done, &first, fs, N, CIVIS_WAIT_ANY, -1, &err), err);
    CU_ASSERT(n_done >= 1);
    CU_ASSERT_EQUAL(first, 7);
    CU_ASSERT_EQUAL(civis_future_peek(fs[7]), CIVIS_FUTURE_SUCCEEDED);

    /* ALL of those that can finish */
    ASSERT_CIVIS_OK(civis_futures_wait(&n_done, &first, fs, N - STUCK, CIVIS_WAIT_ALL, -1, &err),
                    err);
    CU_ASSERT_EQUAL(n_done, N - STUCK);
    CU_ASSERT_EQUAL(first, 0);
    for (int i = 0; i < N - STUCK; i++) {
        CU_ASSERT_EQUAL(civis_future_peek(fs[i]), CIVIS_FUTURE_SUCCEEDED);
        CU_ASSERT_EQUAL(civis_future_polls(fs[i]), i % 50 == 7 ? 1 : 3);
        CU_ASSERT_EQUAL(slots[i].calls, 1);
    }

    /* ALL of them, with a timeout: the stuck ones keep it from holding */
    CU_ASSERT_EQUAL(civis_futures_wait(&n_done, &first, fs, N, CIVIS_WAIT_ALL, 50, &err),
                    CIVIS_ETIMEOUT);
    CU_ASSERT_EQUAL(n_done, N - STUCK);
    CU_ASSERT_EQUAL(first, 0);
    char want[96];
    snprintf(want, sizeof(want), "%d of %d futures finished within 50 ms", N - STUCK, N);
    CU_ASSERT_STRING_EQUAL(err.message, want);
    CU_ASSERT_STRING_EQUAL(err.param, "timeout_ms");

    /* cancel the stuck ones; then ALL holds */
    for (int i = N - STUCK; i < N; i++) {
        bool cancelled = false;
        civis_error_clear(&err);
        ASSERT_CIVIS_OK(civis_future_cancel(&cancelled, fs[i], &err), err);
        CU_ASSERT_TRUE(cancelled);
    }
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_futures_wait(&n_done, NULL, fs, N, CIVIS_WAIT_ALL, -1, &err), err);
    CU_ASSERT_EQUAL(n_done, N);

    /* one thread did it all: no thread per future was ever started */
    if (before > 0) {
        CU_ASSERT(m.max_threads <= before);
        CU_ASSERT_EQUAL(thread_count_settled(before), before);
    }
    for (int i = 0; i < N; i++) {
        CU_ASSERT_EQUAL(slots[i].calls, 1); /* each callback ran exactly once */
        civis_future_free(fs[i]);
    }
    free(fs);
    free(slots);
    civis_client_free(c);
}

static void test_future__a_small_pool_never_a_thread_per_future(void)
{
    CU_ASSERT_FATAL(mock_up);
    enum { N = 120, THREADS = 4 };
    const char *key = "fut-pool";
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_future **fs = calloc(N, sizeof(*fs));
    many_slot *slots = calloc(N, sizeof(*slots));
    many_log m = {0};
    CU_ASSERT_FATAL(fs != NULL && slots != NULL);
    civis_error err = CIVIS_ERROR_INIT;
    civis_future_options o = {.interval_ms = 5};
    for (int i = 0; i < N; i++) {
        long long job = create_container(c);
        CU_ASSERT_EQUAL_FATAL(sim_job(key, job, "policy", "{\"policy\": \"polls\", \"n\": 3}"),
                              200);
        slots[i].log = &m;
        ASSERT_CIVIS_OK(civis_future_container(&fs[i], c, job, start_run(c, job), &o, &err), err);
        ASSERT_CIVIS_OK(civis_future_add_done_callback(fs[i], count_threads, &slots[i], &err), err);
    }
    civis_wait_options w = {.threads = CIVIS_WAIT_MAX_THREADS + 1};
    size_t n_done = 0, first = 0;
    CU_ASSERT_EQUAL(civis_futures_wait_opts(&n_done, &first, fs, N, CIVIS_WAIT_ALL, -1, &w, &err),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "threads");
    CU_ASSERT_EQUAL(civis_future_polls(fs[0]), 0); /* refused before anything ran */

    int before = thread_count();
    w.threads = THREADS;
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_futures_wait_opts(&n_done, &first, fs, N, CIVIS_WAIT_ANY, -1, &w, &err),
                    err);
    CU_ASSERT(n_done >= 1 && first < N);
    CU_ASSERT_EQUAL(civis_future_peek(fs[first]), CIVIS_FUTURE_SUCCEEDED);
    ASSERT_CIVIS_OK(civis_futures_wait_opts(&n_done, &first, fs, N, CIVIS_WAIT_ALL, -1, &w, &err),
                    err);
    CU_ASSERT_EQUAL(n_done, N);
    CU_ASSERT_EQUAL(first, 0);
    if (before > 0) {
        /* the callbacks ran in the pool's threads: a few, never one per future */
        CU_ASSERT(m.max_threads > 0 && m.max_threads <= before + THREADS);
        CU_ASSERT_EQUAL(thread_count_settled(before), before); /* joined on return */
    }
    for (int i = 0; i < N; i++) {
        CU_ASSERT_EQUAL(civis_future_peek(fs[i]), CIVIS_FUTURE_SUCCEEDED);
        CU_ASSERT_EQUAL(civis_future_polls(fs[i]), 3);
        CU_ASSERT_EQUAL(slots[i].calls, 1);
        civis_future_free(fs[i]);
    }
    free(fs);
    free(slots);
    civis_client_free(c);
}

/* A cancel from another thread wakes a waiting scheduler at once. */
typedef struct canceller_arg {
    civis_future *f;
    civis_status st;
} canceller_arg;

static void *canceller(void *p)
{
    canceller_arg *a = p;
    struct timespec ts = {0, 50 * 1000000L};
    nanosleep(&ts, NULL);
    bool cancelled = false;
    a->st = civis_future_cancel(&cancelled, a->f, NULL);
    return NULL;
}

static void test_future__cancel_from_another_thread_wakes_the_wait(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "fut-wake";
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    long long job = create_container(c);
    CU_ASSERT_EQUAL(sim_job(key, job, "policy", "{\"policy\": \"polls\", \"n\": 1000}"), 200);
    long long run = start_run(c, job);
    civis_future *f = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    /* an hour between polls: only the cancel can end this wait */
    civis_future_options o = {.interval_ms = 3600 * 1000L};
    ASSERT_CIVIS_OK(civis_future_container(&f, c, job, run, &o, &err), err);
    canceller_arg a = {f, CIVIS_EINVAL};
    pthread_t t;
    CU_ASSERT_EQUAL_FATAL(pthread_create(&t, NULL, canceller, &a), 0);
    size_t first = 9;
    ASSERT_CIVIS_OK(civis_futures_wait(NULL, &first, &f, 1, CIVIS_WAIT_ANY, -1, &err), err);
    pthread_join(t, NULL);
    CU_ASSERT_EQUAL(a.st, CIVIS_OK);
    CU_ASSERT_EQUAL(first, 0);
    CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_CANCELLED);
    CU_ASSERT_EQUAL(civis_future_polls(f), 1);
    civis_future_free(f);
    civis_client_free(c);
}

static CU_TestInfo tests[] = {
    {"maps states and returns the final run", test_future__maps_states_and_returns_the_final_run},
    {"success is a final state too", test_future__success_is_a_final_state_too},
    {"unknown or missing state is an error", test_future__unknown_or_missing_state_is_an_error},
    {"transport error is not done yet", test_future__transport_error_is_not_done_yet},
    {"other poll errors end the future", test_future__other_poll_errors_end_the_future},
    {"failed run message names job and run", test_future__failed_run_message_names_job_and_run},
    {"failed run without error text reads the logs",
     test_future__failed_run_without_error_text_reads_the_logs},
    {"out-of-memory line and no logs", test_future__out_of_memory_line_and_no_logs},
    {"bad names, arguments and options", test_future__bad_names_arguments_and_options},
    {"first poll timing", test_future__first_poll_timing},
    {"allocation failures are reported, not fatal",
     test_future__allocation_failures_are_reported_not_fatal},
    {"callbacks run once in order", test_future__callbacks_run_once_in_order},
    {"two threads waiting share one completion",
     test_future__two_threads_waiting_share_one_completion},
    {"cancel", test_future__cancel},
    {"container runs under each policy", test_future__container_runs_under_each_policy},
    {"failed run without error gets its log lines",
     test_future__failed_run_without_error_gets_its_log_lines},
    {"cancel against the mock", test_future__cancel_against_the_mock},
    {"a dropped poll is retried", test_future__a_dropped_poll_is_retried},
    {"200 futures, one thread", test_future__two_hundred_futures_one_thread},
    {"a small pool, never a thread per future",
     test_future__a_small_pool_never_a_thread_per_future},
    {"cancel from another thread wakes the wait",
     test_future__cancel_from_another_thread_wakes_the_wait},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_future, tests, suite_init, suite_cleanup)
