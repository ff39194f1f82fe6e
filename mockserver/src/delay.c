/*
 * delay.c: a fault's delay_ms without holding a worker thread.
 *
 * The request's connection is suspended (MHD_suspend_connection) and this
 * file's one timer thread resumes it when its time has come; MHD then calls
 * the access handler again, which sends the reply it kept. Meanwhile the
 * worker serves other connections, so a delay scoped to one key never slows
 * another key down, however many delayed requests are waiting.
 *
 * At shutdown cmock__delayer_flush resumes everything at once (MHD
 * must not be stopped with suspended connections) and refuses new entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <microhttpd.h>

#include "mock.h"

typedef struct waiting {
    struct MHD_Connection *con;
    struct timespec due; /* CLOCK_MONOTONIC */
} waiting;

struct cmock_delayer {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* on CLOCK_MONOTONIC */
    pthread_t thread;
    waiting *items;
    size_t n, cap;
    bool flushing; /* stop: resume everything now, take nothing new */
    bool quit;
};

static bool before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void *run(void *arg)
{
    cmock_delayer *d = arg;
    pthread_mutex_lock(&d->lock);
    while (!d->quit) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        struct timespec next = {0, 0};
        bool any = false;
        /* Resume what is due; MHD_resume_connection only flags the
         * connection and wakes its worker, so calling it under our lock
         * is cheap and keeps the list and the resumes in step. */
        for (size_t i = 0; i < d->n;) {
            if (d->flushing || !before(&now, &d->items[i].due)) {
                MHD_resume_connection(d->items[i].con);
                d->items[i] = d->items[--d->n];
                continue;
            }
            if (!any || before(&d->items[i].due, &next))
                next = d->items[i].due;
            any = true;
            i++;
        }
        if (any)
            pthread_cond_timedwait(&d->wake, &d->lock, &next);
        else
            pthread_cond_wait(&d->wake, &d->lock);
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

civis_status cmock__delayer_new(cmock_delayer **out, civis_error *err)
{
    *out = NULL;
    cmock_delayer *d = calloc(1, sizeof(*d));
    if (d == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for the delay timer");
    pthread_condattr_t attr;
    bool ok = pthread_condattr_init(&attr) == 0;
    ok = ok && pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0;
    ok = ok && pthread_cond_init(&d->wake, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!ok || pthread_mutex_init(&d->lock, NULL) != 0) {
        free(d);
        return civis__fail(err, CIVIS_ENOMEM, "", "cannot set up the delay timer");
    }
    if (pthread_create(&d->thread, NULL, run, d) != 0) {
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return civis__fail(err, CIVIS_ENOMEM, "", "cannot start the delay timer thread");
    }
    *out = d;
    return CIVIS_OK;
}

bool cmock__delayer_add(cmock_delayer *d, struct MHD_Connection *con, unsigned ms)
{
    if (d == NULL)
        return false;
    pthread_mutex_lock(&d->lock);
    bool ok = !d->flushing;
    if (ok && d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        waiting *ni = realloc(d->items, cap * sizeof(*ni));
        if (ni == NULL) {
            ok = false;
        } else {
            d->items = ni;
            d->cap = cap;
        }
    }
    if (ok) {
        waiting *w = &d->items[d->n++];
        clock_gettime(CLOCK_MONOTONIC, &w->due);
        w->due.tv_sec += (time_t)(ms / 1000);
        w->due.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (w->due.tv_nsec >= 1000000000L) {
            w->due.tv_sec++;
            w->due.tv_nsec -= 1000000000L;
        }
        w->con = con;
        /* Suspended under the lock, so the timer cannot resume it first. */
        MHD_suspend_connection(con);
        pthread_cond_signal(&d->wake);
    }
    pthread_mutex_unlock(&d->lock);
    return ok;
}

void cmock__delayer_flush(cmock_delayer *d)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->lock);
    d->flushing = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
}

void cmock__delayer_free(cmock_delayer *d)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->lock);
    d->quit = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d->items);
    free(d);
}
