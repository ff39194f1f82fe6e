/*
 * future_pool.c: the worker threads civis_futures_wait_opts may use to send
 * due polls concurrently. The scheduler (future_wait.c) keeps the heap and
 * decides what is due; the workers only poll. A pool lives for one wait
 * call: a fixed number of threads, whatever the number of futures.
 */
#include <string.h>

#include "future_internal.h"

static void *worker(void *arg)
{
    civis__pool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stop && p->queue_len == 0)
            pthread_cond_wait(&p->work, &p->lock);
        if (p->stop)
            break;
        size_t idx = p->queue[p->queue_head];
        p->queue_head = (p->queue_head + 1) % p->cap;
        p->queue_len--;
        pthread_mutex_unlock(&p->lock);

        /* Done callbacks, when this poll finishes the future, run here. */
        (void)civis__future_poll(p->futures[idx], true);

        pthread_mutex_lock(&p->lock);
        p->done[(p->done_head + p->done_len) % p->cap] = idx;
        p->done_len++;
        pthread_mutex_unlock(&p->lock);
        pthread_mutex_lock(&p->wake->lock);
        p->wake->polled++;
        pthread_cond_broadcast(&p->wake->cond);
        pthread_mutex_unlock(&p->wake->lock);
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

civis_status civis__pool_start(civis__pool *p, civis_future *const *futures, size_t n, int threads,
                               civis__wake *wake, civis_error *err)
{
    memset(p, 0, sizeof(*p));
    p->futures = futures;
    p->wake = wake;
    p->cap = n;
    p->queue = civis__calloc(n, sizeof(*p->queue));
    p->done = civis__calloc(n, sizeof(*p->done));
    if (p->queue == NULL || p->done == NULL) {
        civis__free(p->queue);
        civis__free(p->done);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for the wait's worker pool");
    }
    if (pthread_mutex_init(&p->lock, NULL) != 0) {
        civis__free(p->queue);
        civis__free(p->done);
        return civis__fail(err, CIVIS_ENOMEM, "", "cannot create the worker pool's lock");
    }
    if (pthread_cond_init(&p->work, NULL) != 0) {
        pthread_mutex_destroy(&p->lock);
        civis__free(p->queue);
        civis__free(p->done);
        return civis__fail(err, CIVIS_ENOMEM, "", "cannot create the worker pool's condition");
    }
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
            civis__pool_stop(p);
            return civis__fail(err, CIVIS_ENOMEM, "threads", "cannot start worker thread %d of %d",
                               i + 1, threads);
        }
        p->n_threads++;
    }
    return CIVIS_OK;
}

void civis__pool_submit(civis__pool *p, size_t idx)
{
    pthread_mutex_lock(&p->lock);
    p->queue[(p->queue_head + p->queue_len) % p->cap] = idx;
    p->queue_len++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->lock);
}

size_t civis__pool_collect(civis__pool *p, size_t *out, size_t max)
{
    pthread_mutex_lock(&p->lock);
    size_t k = 0;
    while (k < max && p->done_len > 0) {
        out[k++] = p->done[p->done_head];
        p->done_head = (p->done_head + 1) % p->cap;
        p->done_len--;
    }
    pthread_mutex_unlock(&p->lock);
    return k;
}

void civis__pool_stop(civis__pool *p)
{
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->lock);
    civis__free(p->queue);
    civis__free(p->done);
    p->queue = p->done = NULL;
    p->n_threads = 0;
}
