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

/* Rebuilds the heap from the futures that still run; counts the others. */
static void rebuild(heap *h, civis_future *const *fs, size_t n, size_t *done, size_t *first)
{
    double now = civis__now();
    h->n = 0;
    *done = 0;
    *first = n;
    for (size_t i = 0; i < n; i++) {
        bool polling;
        double next;
        if (look(fs[i], &polling, &next) != CIVIS_FUTURE_RUNNING) {
            if (*done == 0)
                *first = i;
            (*done)++;
            continue;
        }
        h->e[h->n++] = (entry){polling ? now + BUSY_RECHECK_S : next, i};
    }
    for (size_t i = h->n / 2; i-- > 0;)
        sift_down(h, i);
}

/*
 * Polls each future whose time has come, at most once each. Returns whether
 * one of them finished (then the caller recounts); with `stop_at_first` it
 * returns as soon as one does.
 */
static bool poll_due(heap *h, civis_future *const *fs, size_t n, bool stop_at_first)
{
    bool finished = false;
    size_t polled = 0;
    double now = civis__now();
    while (h->n > 0 && h->e[0].at <= now && polled < n) {
        entry e = pop(h);
        civis_future *f = fs[e.idx];
        bool polling;
        double next;
        if (look(f, &polling, &next) != CIVIS_FUTURE_RUNNING) {
            finished = true; /* another thread finished it */
            continue;
        }
        if (polling || next > now) {
            push(h, polling ? now + BUSY_RECHECK_S : next, e.idx);
            continue;
        }
        bool did = civis__future_poll(f, true);
        polled++;
        civis_future_state s = look(f, &polling, &next);
        now = civis__now();
        if (s != CIVIS_FUTURE_RUNNING) {
            finished = true;
            if (stop_at_first)
                break;
            continue;
        }
        /* Not polled (someone else got there first): do not spin on it. */
        push(h, did || next > now ? next : now + BUSY_RECHECK_S, e.idx);
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
    return ok;
}

civis_status civis_futures_wait(size_t *n_done, size_t *first_done, civis_future *const *futures,
                                size_t n, civis_wait_mode mode, long timeout_ms, civis_error *err)
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
    if (n == 0)
        return CIVIS_OK;

    const double start = civis__now();
    const double deadline = timeout_ms < 0 ? INFINITY : start + (double)timeout_ms / 1000.0;
    heap h = {civis__calloc(n, sizeof(entry)), 0};
    civis__wake_link *links = civis__calloc(n, sizeof(*links));
    civis__wake wake;
    if (h.e == NULL || links == NULL || !init_wake(&wake)) {
        civis__free(h.e);
        civis__free(links);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory waiting on %zu futures", n);
    }
    for (size_t i = 0; i < n; i++) {
        links[i].wake = &wake;
        civis__future_wake_add(futures[i], &links[i]);
    }

    civis_status st = CIVIS_OK;
    size_t done = 0, first = n;
    bool recount = true;
    unsigned long seen = 0; /* wake.seq as of the last look */
    for (;;) {
        if (recount) {
            pthread_mutex_lock(&wake.lock);
            seen = wake.seq;
            pthread_mutex_unlock(&wake.lock);
            rebuild(&h, futures, n, &done, &first);
            recount = false;
        }
        if ((mode == CIVIS_WAIT_ANY && done > 0) || done == n)
            break;
        if (poll_due(&h, futures, n, mode == CIVIS_WAIT_ANY)) {
            recount = true;
            continue;
        }
        double now = civis__now();
        if (now >= deadline) {
            st = civis__fail(err, CIVIS_ETIMEOUT, "timeout_ms",
                             "%zu of %zu futures finished within %ld ms", done, n, timeout_ms);
            break;
        }
        double until = h.n > 0 && h.e[0].at < deadline ? h.e[0].at : deadline;
        if (until <= now)
            continue;
        pthread_mutex_lock(&wake.lock);
        if (wake.seq == seen) {
            if (isinf(until)) {
                pthread_cond_wait(&wake.cond, &wake.lock);
            } else {
                struct timespec ts = civis__future_abstime(until);
                (void)pthread_cond_timedwait(&wake.cond, &wake.lock, &ts);
            }
        }
        if (wake.seq != seen)
            recount = true;
        pthread_mutex_unlock(&wake.lock);
    }

    for (size_t i = 0; i < n; i++)
        civis__future_wake_remove(futures[i], &links[i]);
    pthread_cond_destroy(&wake.cond);
    pthread_mutex_destroy(&wake.lock);
    civis__free(links);
    civis__free(h.e);
    if (n_done != NULL)
        *n_done = done;
    if (first_done != NULL)
        *first_done = first;
    return st;
}
