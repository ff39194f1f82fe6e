/*
 * retry.c: the official client's retry rules (its _retries.py). Which
 * replies are retried depends on the verb only; how long to wait is random
 * exponential back-off, never shorter than the server's Retry-After.
 *
 * The randomness comes from a per-client xorshift generator behind a
 * mutex: rand() is not thread-safe and a global generator would be shared
 * mutable state.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "client_internal.h"

static bool verb_in(const char *method, const char *const *verbs)
{
    for (; *verbs != NULL; verbs++)
        if (strcasecmp(method, *verbs) == 0)
            return true;
    return false;
}

static const char *const idempotent_verbs[] = {"GET",     "PUT",   "DELETE", "HEAD",
                                               "OPTIONS", "TRACE", NULL};

bool civis__retry_idempotent(const char *method)
{
    return method != NULL && verb_in(method, idempotent_verbs);
}

bool civis__retry_status(const char *method, long status)
{
    if (method == NULL)
        return false;
    if (strcasecmp(method, "POST") == 0)
        return status == 429 || status == 503;
    if (civis__retry_idempotent(method))
        return status == 429 || status == 502 || status == 503 || status == 504;
    return false; /* PATCH and anything else: sent once */
}

/* Uniform in [0, 1). */
static double next_unit(civis_client *client)
{
    pthread_mutex_lock(&client->rng_lock);
    uint64_t x = client->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    client->rng = x;
    pthread_mutex_unlock(&client->rng_lock);
    return (double)((x * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0;
}

double civis__retry_backoff(civis_client *client, int attempt)
{
    const civis_retry_policy *p = &client->retry;
    if (p->zero_wait)
        return 0.0;
    /* tenacity's wait_random_exponential: uniform(min, clip(mult * 2^(n-1))). */
    double high = p->multiplier * pow(2.0, attempt > 1 ? attempt - 1 : 0);
    if (high > p->max_wait_s)
        high = p->max_wait_s;
    if (high < p->min_wait_s)
        high = p->min_wait_s;
    return p->min_wait_s + (high - p->min_wait_s) * next_unit(client);
}

double civis__retry_after(const char *value)
{
    /* Seconds as a float, as the official client reads it; an HTTP date or
     * garbage counts as 0. A number too large for a double ("1e999",
     * "inf") is HUGE_VAL: civis__retry_wait caps it like any other. */
    if (value == NULL)
        return 0.0;
    char *end = NULL;
    errno = 0;
    double s = strtod(value, &end);
    while (end && (*end == ' ' || *end == '\t'))
        end++;
    if (end == value || *end != '\0' || isnan(s) || s < 0)
        return 0.0;
    if (errno == ERANGE && s > 1.0)
        return HUGE_VAL;
    if (errno != 0)
        return 0.0;
    return s;
}

double civis__retry_wait(double backoff, double retry_after, double elapsed_s,
                         const civis_retry_policy *p)
{
    double wait = backoff;
    if (!(p->zero_wait && p->ignore_retry_after) && retry_after > wait)
        wait = retry_after;
    /* Retry-After is the server's word, and the official client waits it
     * out whatever it says; but "Retry-After: 86400" on a call allowed
     * max_elapsed_s = 5 must not block for a day. The wait never outlasts
     * the time the policy has left, and that also bounds 1e300 or inf. */
    double left = p->max_elapsed_s - elapsed_s;
    if (!(wait <= left))
        wait = left > 0 ? left : 0.0;
    return wait;
}

void civis__sleep(double seconds)
{
    if (!(seconds > 0))
        return;
    if (seconds > 1e9) /* about 31 years: the time_t cast below stays defined */
        seconds = 1e9;
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

double civis__now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
