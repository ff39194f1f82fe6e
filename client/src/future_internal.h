/*
 * future_internal.h: the layout of a civis_future and what future.c (the
 * object, one poll, cancel, callbacks), future_wait.c (the poll scheduler)
 * and future_failure.c (failure messages) share. Nothing outside client/src
 * includes this.
 *
 * Locking: f->lock guards every field below it. A poll or a cancel request
 * runs without the lock (f->polling keeps a second poll out), and so do
 * the done callbacks. Lock order: a future's lock, then a wake's lock;
 * nobody takes a future's lock while holding a wake's.
 */
#ifndef CIVIS_FUTURE_INTERNAL_H
#define CIVIS_FUTURE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "client_internal.h"
#include "civis/future.h"

/* What a waiting scheduler sleeps on: any future it holds that polls,
 * finishes or is cancelled bumps seq and signals. */
typedef struct civis__wake {
    pthread_mutex_t lock;
    pthread_cond_t cond;  /* CLOCK_MONOTONIC */
    unsigned long seq;    /* bumped by futures: finished, cancelled, next poll moved */
    unsigned long polled; /* bumped by pool workers: a poll came back */
} civis__wake;

/* One scheduler registered on one future (a list per future). */
typedef struct civis__wake_link {
    civis__wake *wake;
    struct civis__wake_link *prev, *next;
} civis__wake_link;

typedef struct civis__future_cb {
    civis_future_callback cb;
    void *data;
    struct civis__future_cb *next;
} civis__future_cb;

struct civis_future {
    civis_client *client;
    char *resource;
    char *method;
    cJSON *args;       /* the poll's arguments (a copy) */
    long long job_id;  /* args "id", or 0 */
    long long run_id;  /* args "run_id", or 0 */
    bool geometric;    /* the interval grows; else it is fixed */
    double interval_s; /* the interval before the next poll */
    double growth;
    double max_interval_s;
    bool no_failure_logs;

    pthread_mutex_t lock;
    pthread_cond_t cond; /* a poll or the callbacks ended (CLOCK_MONOTONIC) */
    civis_future_state state;
    bool polling;     /* a poll or cancel request is in flight */
    double next_poll; /* civis__now() seconds when the next poll is due */
    int polls;
    civis_response *resp;  /* the last answer, owned */
    civis_error error;     /* why the future ended, once it has (not for success) */
    char *error_text;      /* the whole message, owned, or NULL */
    civis__future_cb *cbs; /* callbacks not yet called, in order */
    civis__future_cb *cbs_tail;
    bool cb_running;      /* a thread is calling the callbacks */
    pthread_t cb_thread;  /* that thread */
    bool cb_done;         /* the future finished and every callback returned */
    civis_error cb_error; /* the first callback error */
    void *owned;          /* state a helper tied to this future (civis__future_own), or NULL */
    void (*owned_free)(void *);
    civis__wake_link *wakes; /* schedulers waiting on this future */
};

/*
 * future_pool.c: the optional worker threads of one civis_futures_wait_opts
 * call. The scheduler submits the index of a due future; a worker polls it
 * and puts the index on the finished list, then bumps wake->polled. Both
 * lists hold each index at most once (the scheduler never submits a future
 * that is in flight), so rings of n entries suffice.
 */
typedef struct civis__pool {
    pthread_mutex_t lock;
    pthread_cond_t work; /* something was submitted, or stop */
    pthread_t threads[CIVIS_WAIT_MAX_THREADS];
    int n_threads;
    civis_future *const *futures;
    civis__wake *wake;
    size_t *queue, queue_head, queue_len; /* submitted, not yet taken */
    size_t *done, done_head, done_len;    /* polled, not yet collected */
    size_t cap;
    bool stop;
} civis__pool;

/* Starts `threads` workers (2..CIVIS_WAIT_MAX_THREADS). CIVIS_ENOMEM when
 * memory or a thread cannot be had (then nothing is left running). */
civis_status civis__pool_start(civis__pool *p, civis_future *const *futures, size_t n, int threads,
                               civis__wake *wake, civis_error *err);
void civis__pool_submit(civis__pool *p, size_t idx);
/* Moves up to `max` finished indexes into out; returns how many. */
size_t civis__pool_collect(civis__pool *p, size_t *out, size_t max);
/* Stops the workers (a poll in flight is finished first) and frees the pool. */
void civis__pool_stop(civis__pool *p);

/* future.c: polls f once if it is running and nobody else is polling it.
 * With `only_if_due`, only when its next poll is due. Returns whether a
 * poll was made. */
bool civis__future_poll(civis_future *f, bool only_if_due);

/* future.c: registers / removes a scheduler's wake on f. */
void civis__future_wake_add(civis_future *f, civis__wake_link *link);
void civis__future_wake_remove(civis_future *f, civis__wake_link *link);

/* future.c: hands `data` to the future, released with free_fn by
 * civis_future_free (io helpers keep their done callback's state there). */
void civis__future_own(civis_future *f, void *data, void (*free_fn)(void *));

/* future.c: waits on f->cond until the done callbacks have returned,
 * unless the caller is the thread calling them. */
void civis__future_wait_callbacks(civis_future *f);

/*
 * future_failure.c: the message of a failed run, "(From job J / run R)
 * <error>", with the run's last log lines when it gave no error text.
 * `run` is the final run object (borrowed). Returns a new string
 * (civis__free) or NULL when memory runs out.
 */
char *civis__future_failure_text(const civis_future *f, const cJSON *run);

/* future_wait.c: absolute CLOCK_MONOTONIC time for a timed wait. */
struct timespec civis__future_abstime(double at);

#endif /* CIVIS_FUTURE_INTERNAL_H */
