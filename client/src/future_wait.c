/*
 * future_wait.c: civis_futures_wait, a poll scheduler that runs in the
 * calling thread.
 *
 * The futures sit in a min-heap keyed by the time their next poll is due.
 * The loop polls whatever is due (each future at most once per round, so a
 * future with no interval cannot starve the deadline check), then sleeps
 * until the earliest next poll or the deadline. Nothing else runs: a
 * thousand futures cost a heap entry each, not a thread each.
 *
 * The sleep is a timed wait on a condition variable (a "wake") that every
 * held future signals when it finishes, is cancelled, or has its next poll
 * moved earlier, so a change made by another thread is seen at once. After
 * such a signal (and after any future finished) the heap is rebuilt from
 * the futures' own next-poll times: the rebuild is O(n) and happens at most
 * once per finished future or outside event, so a whole wait stays
 * O(n^2) in the worst case and O(polls log n) in the usual one.
 *
 * With a worker pool (civis_futures_wait_opts, future_pool.c) the loop
 * stays the same but hands each due future to the pool instead of polling
 * it; a future in the pool's hands is off the heap until a worker gives it
 * back (wake->polled tells the loop to collect).
 */
#include <math.h>
#include <time.h>

#include "future_internal.h"

/* How long to look away from a future that another thread is polling. */
#define BUSY_RECHECK_S 0.005

typedef struct entry {
    double at;  /* when its poll is due (civis__now() seconds) */
    size_t idx; /* index into the caller's array */
} entry;

typedef struct heap {
    entry *e;
    size_t n;
} heap;

static void sift_down(heap *h, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->n && h->e[l].at < h->e[m].at)
            m = l;
        if (r < h->n && h->e[r].at < h->e[m].at)
            m = r;
        if (m == i)
            return;
        entry t = h->e[i];
        h->e[i] = h->e[m];
        h->e[m] = t;
        i = m;
    }
}

static void push(heap *h, double at, size_t idx)
{
    size_t i = h->n++;
    h->e[i] = (entry){at, idx};
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h->e[p].at <= h->e[i].at)
            break;
        entry t = h->e[i];
        h->e[i] = h->e[p];
        h->e[p] = t;
        i = p;
    }
}

static entry pop(heap *h)
{
    entry top = h->e[0];
    h->e[0] = h->e[--h->n];
    sift_down(h, 0);
    return top;
}

struct timespec civis__future_abstime(double at)
{
    struct timespec ts;
    if (!(at > 0))
        at = 0;
    ts.tv_sec = (time_t)at;
    ts.tv_nsec = (long)((at - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* What one future looks like right now. */
static civis_future_state look(civis_future *f, bool *polling, double *next)
{
    pthread_mutex_lock(&f->lock);
    civis_future_state s = f->state;
    *polling = f->polling;
    *next = f->next_poll;
    pthread_mutex_unlock(&f->lock);
    return s;
}

/* One wait call's state. */
typedef struct sched {
    civis_future *const *fs;
    size_t n;
    heap h;
    bool *inflight;     /* submitted to the pool, not yet collected */
    bool *finished;     /* seen finished */
    size_t *collected;  /* scratch for civis__pool_collect */
    civis__pool *pool;  /* NULL: polls run in the calling thread */
    size_t done, first; /* how many have finished, the lowest index among them */
    unsigned long own;  /* futures our polls finished since the last rebuild: each
                           bumped the wake's seq once, which is no news */
    bool need_rebuild;  /* something happened that only a full look explains */
} sched;

static void mark_finished(sched *s, size_t idx)
{
    if (s->finished[idx])
        return;
    s->finished[idx] = true;
    s->done++;
    if (idx < s->first)
        s->first = idx;
}

/* Rebuilds the heap from the futures that still run (those in the pool's
 * hands come back through it) and recounts the finished ones. */
static void rebuild(sched *s)
{
    double now = civis__now();
    s->h.n = 0;
    s->done = 0;
    s->first = s->n;
    for (size_t i = 0; i < s->n; i++) {
        bool polling;
        double next;
        s->finished[i] = false;
        if (look(s->fs[i], &polling, &next) != CIVIS_FUTURE_RUNNING) {
            mark_finished(s, i);
            continue;
        }
        if (!s->inflight[i])
            s->h.e[s->h.n++] = (entry){polling ? now + BUSY_RECHECK_S : next, i};
    }
    for (size_t i = s->h.n / 2; i-- > 0;)
        sift_down(&s->h, i);
}

/* Puts a future back on the schedule after our poll (or an attempt at one);
 * returns whether it has finished instead. */
static bool reschedule(sched *s, size_t idx, bool did)
{
    bool polling;
    double next;
    if (look(s->fs[idx], &polling, &next) != CIVIS_FUTURE_RUNNING) {
        if (did && !s->finished[idx])
            s->own++;
        else
            s->need_rebuild = true; /* finished by someone else: count afresh */
        mark_finished(s, idx);
        return true;
    }
    double now = civis__now();
    /* Not polled because someone else was at it: look again shortly, do not spin. */
    push(&s->h, !did && (polling || next <= now) ? now + BUSY_RECHECK_S : next, idx);
    return false;
}

/*
 * Polls (or hands to the pool) each future whose time has come, at most
 * once each. Returns whether one of them finished; with `stop_at_first` it
 * returns as soon as one does.
 */
static bool poll_due(sched *s, bool stop_at_first)
{
    bool finished = false;
    size_t polled = 0;
    double now = civis__now();
    while (s->h.n > 0 && s->h.e[0].at <= now && polled < s->n) {
        entry e = pop(&s->h);
        civis_future *f = s->fs[e.idx];
        bool polling;
        double next;
        if (look(f, &polling, &next) != CIVIS_FUTURE_RUNNING) {
            s->need_rebuild = true; /* another thread finished it */
            finished = true;
            continue;
        }
        if (polling || next > now) {
            push(&s->h, polling ? now + BUSY_RECHECK_S : next, e.idx);
            continue;
        }
        polled++;
        if (s->pool != NULL) {
            s->inflight[e.idx] = true;
            civis__pool_submit(s->pool, e.idx);
            continue;
        }
        bool did = civis__future_poll(f, true);
        now = civis__now();
        if (reschedule(s, e.idx, did)) {
            finished = true;
            if (stop_at_first)
                break;
        }
    }
    return finished;
}

/* Takes back what the pool's workers have polled; true when one finished. */
static bool collect(sched *s)
{
    bool finished = false;
    size_t k = civis__pool_collect(s->pool, s->collected, s->n);
    for (size_t i = 0; i < k; i++) {
        s->inflight[s->collected[i]] = false;
        if (reschedule(s, s->collected[i], true))
            finished = true;
    }
    return finished;
}

static bool init_wake(civis__wake *w)
{
    pthread_condattr_t attr;
    if (pthread_mutex_init(&w->lock, NULL) != 0)
        return false;
    bool ok = pthread_condattr_init(&attr) == 0;
    if (ok) {
        ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
             pthread_cond_init(&w->cond, &attr) == 0;
        pthread_condattr_destroy(&attr);
    }
    if (!ok)
        pthread_mutex_destroy(&w->lock);
    w->seq = 0;
    w->polled = 0;
    return ok;
}

/* The scheduler's loop; the futures are registered on `wake`. */
static civis_status run(sched *s, civis__wake *wake, civis_wait_mode mode, double deadline,
                        long timeout_ms, civis_error *err)
{
    unsigned long seen = 0, seen_polled = 0; /* the wake's counters as of the last look */
    s->need_rebuild = true;
    for (;;) {
        if (s->need_rebuild) {
            pthread_mutex_lock(&wake->lock);
            seen = wake->seq;
            pthread_mutex_unlock(&wake->lock);
            s->own = 0;
            rebuild(s);
            s->need_rebuild = false;
        }
        if ((mode == CIVIS_WAIT_ANY && s->done > 0) || s->done == s->n)
            return CIVIS_OK;
        bool moved = s->pool != NULL && collect(s);
        if (poll_due(s, mode == CIVIS_WAIT_ANY) || moved)
            continue;
        double now = civis__now();
        if (now >= deadline)
            return civis__fail(err, CIVIS_ETIMEOUT, "timeout_ms",
                               "%zu of %zu futures finished within %ld ms", s->done, s->n,
                               timeout_ms);
        double until = s->h.n > 0 && s->h.e[0].at < deadline ? s->h.e[0].at : deadline;
        if (until <= now)
            continue;
        pthread_mutex_lock(&wake->lock);
        if (wake->seq == seen + s->own && wake->polled == seen_polled) {
            if (isinf(until)) {
                pthread_cond_wait(&wake->cond, &wake->lock);
            } else {
                struct timespec ts = civis__future_abstime(until);
                (void)pthread_cond_timedwait(&wake->cond, &wake->lock, &ts);
            }
        }
        /* Our own finished polls explain `own` bumps; anything more came from
         * elsewhere (a cancel, another waiter, a moved poll time). */
        if (wake->seq != seen + s->own)
            s->need_rebuild = true;
        seen_polled = wake->polled;
        pthread_mutex_unlock(&wake->lock);
    }
}

civis_status civis_futures_wait_opts(size_t *n_done, size_t *first_done,
                                     civis_future *const *futures, size_t n, civis_wait_mode mode,
                                     long timeout_ms, const civis_wait_options *opts,
                                     civis_error *err)
{
    if (n_done != NULL)
        *n_done = 0;
    if (first_done != NULL)
        *first_done = n;
    if (futures == NULL && n > 0)
        return civis__fail(err, CIVIS_EINVAL, "futures", "futures must not be NULL");
    for (size_t i = 0; i < n; i++)
        if (futures[i] == NULL)
            return civis__fail(err, CIVIS_EINVAL, "futures", "futures[%zu] is NULL", i);
    if (mode != CIVIS_WAIT_ANY && mode != CIVIS_WAIT_ALL)
        return civis__fail(err, CIVIS_EINVAL, "mode",
                           "mode must be CIVIS_WAIT_ANY or CIVIS_WAIT_ALL, got %d", (int)mode);
    int threads = opts ? opts->threads : 0;
    if (threads < 0 || threads > CIVIS_WAIT_MAX_THREADS)
        return civis__fail(err, CIVIS_EINVAL, "threads", "threads must be 0 to %d, got %d",
                           CIVIS_WAIT_MAX_THREADS, threads);
    if (n == 0)
        return CIVIS_OK;

    const double deadline = timeout_ms < 0 ? INFINITY : civis__now() + (double)timeout_ms / 1000.0;
    sched s = {.fs = futures,
               .n = n,
               .h = {civis__calloc(n, sizeof(entry)), 0},
               .inflight = civis__calloc(n, sizeof(bool)),
               .finished = civis__calloc(n, sizeof(bool)),
               .collected = civis__calloc(n, sizeof(size_t)),
               .first = n};
    civis__wake_link *links = civis__calloc(n, sizeof(*links));
    civis__wake wake;
    civis__pool pool;
    if (s.h.e == NULL || s.inflight == NULL || s.finished == NULL || s.collected == NULL ||
        links == NULL || !init_wake(&wake)) {
        civis__free(s.h.e);
        civis__free(s.inflight);
        civis__free(s.finished);
        civis__free(s.collected);
        civis__free(links);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory waiting on %zu futures", n);
    }
    civis_status st = CIVIS_OK;
    if (threads > 1) {
        st = civis__pool_start(&pool, futures, n, threads, &wake, err);
        s.pool = st == CIVIS_OK ? &pool : NULL;
    }
    if (st == CIVIS_OK) {
        for (size_t i = 0; i < n; i++) {
            links[i].wake = &wake;
            civis__future_wake_add(futures[i], &links[i]);
        }
        st = run(&s, &wake, mode, deadline, timeout_ms, err);
        /* The workers finish the polls they hold before the futures are let go. */
        if (s.pool != NULL)
            civis__pool_stop(s.pool);
        for (size_t i = 0; i < n; i++)
            civis__future_wake_remove(futures[i], &links[i]);
    }
    pthread_cond_destroy(&wake.cond);
    pthread_mutex_destroy(&wake.lock);
    civis__free(links);
    civis__free(s.h.e);
    civis__free(s.inflight);
    civis__free(s.finished);
    civis__free(s.collected);
    if (n_done != NULL)
        *n_done = s.done;
    if (first_done != NULL)
        *first_done = s.first;
    return st;
}

civis_status civis_futures_wait(size_t *n_done, size_t *first_done, civis_future *const *futures,
                                size_t n, civis_wait_mode mode, long timeout_ms, civis_error *err)
{
    return civis_futures_wait_opts(n_done, first_done, futures, n, mode, timeout_ms, NULL, err);
}
