/*
 * options.c: turns civis_client_options and the environment into the
 * client's settings, the way the official client reads them at
 * construction: the key from the option or $CIVIS_API_KEY, the endpoint
 * from the option, $CIVIS_API_ENDPOINT or the public API (with a trailing
 * slash), the job headers from $CIVIS_JOB_ID / $CIVIS_RUN_ID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "client_internal.h"

#define DEFAULT_BASE_URL "https://api.civisanalytics.com/"

static const char *env(const char *name)
{
    const char *v = getenv(name);
    return (v != NULL && *v != '\0') ? v : NULL;
}

/* "Basic " + base64(key + ":"): HTTP Basic with the key as the user name
 * and an empty password, as the official client authenticates. */
static char *basic_auth(const char *key)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(key) + 1;
    char *out = civis__malloc(6 + 4 * ((n + 2) / 3) + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, "Basic ", 6);
    char *o = out + 6;
    for (size_t i = 0; i < n; i += 3) {
        unsigned char b[3] = {0, 0, 0};
        size_t k = n - i < 3 ? n - i : 3;
        for (size_t j = 0; j < k; j++)
            b[j] = (unsigned char)(i + j < n - 1 ? key[i + j] : ':');
        *o++ = tbl[b[0] >> 2];
        *o++ = tbl[((b[0] & 3) << 4) | (b[1] >> 4)];
        *o++ = k > 1 ? tbl[((b[1] & 15) << 2) | (b[2] >> 6)] : '=';
        *o++ = k > 2 ? tbl[b[2] & 63] : '=';
    }
    *o = '\0';
    return out;
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

static civis_status apply_retry(civis_retry_policy *out, const civis_retry_policy *in,
                                civis_error *err)
{
    if (in->max_attempts < 0)
        return civis__fail(err, CIVIS_EINVAL, "retry.max_attempts", "must be >= 0, got %d",
                           in->max_attempts);
    if (!(in->max_elapsed_s >= 0) || !(in->multiplier >= 0) || !(in->max_wait_s >= 0) ||
        !(in->min_wait_s >= 0))
        return civis__fail(err, CIVIS_EINVAL, "retry",
                           "wait times and the multiplier must be >= 0");
    *out = *in;
    if (out->max_attempts == 0)
        out->max_attempts = 10;
    if (out->max_elapsed_s == 0)
        out->max_elapsed_s = 600;
    if (out->multiplier == 0)
        out->multiplier = 2;
    if (out->max_wait_s == 0)
        out->max_wait_s = 60;
    if (out->min_wait_s > out->max_wait_s)
        return civis__fail(err, CIVIS_EINVAL, "retry.min_wait_s",
                           "must not exceed max_wait_s (%g > %g)", out->min_wait_s,
                           out->max_wait_s);
    return CIVIS_OK;
}

civis_status civis__options_apply(civis_client *c, const civis_client_options *o, civis_error *err)
{
    const char *key = o->api_key ? o->api_key : env("CIVIS_API_KEY");
    if (key == NULL || *key == '\0')
        return civis__fail(err, CIVIS_EAUTH, "api_key",
                           "no Civis API key: set CIVIS_API_KEY or civis_client_options.api_key");
    if (has_control(key))
        return civis__fail(err, CIVIS_EINVAL, "api_key",
                           "the API key contains a control character");

    const char *base = o->base_url ? o->base_url : env("CIVIS_API_ENDPOINT");
    if (base == NULL)
        base = DEFAULT_BASE_URL;
    if ((strncasecmp(base, "http://", 7) != 0 && strncasecmp(base, "https://", 8) != 0) ||
        has_control(base) || strchr(base, ' ') != NULL)
        return civis__fail(err, CIVIS_EINVAL, "base_url",
                           "base URL must start with http:// or https:// and hold no spaces, "
                           "got '%.200s'",
                           base);
    size_t blen = strlen(base);
    bool slash = blen > 0 && base[blen - 1] == '/';

    const char *prefix = o->user_agent ? o->user_agent : "civis-c";
    if (has_control(prefix))
        return civis__fail(err, CIVIS_EINVAL, "user_agent",
                           "the user agent contains a control character");
    if (o->timeout_ms < 0 || o->connect_timeout_ms < 0)
        return civis__fail(err, CIVIS_EINVAL,
                           o->timeout_ms < 0 ? "timeout_ms" : "connect_timeout_ms",
                           "timeouts must be >= 0 (0 means the default)");
    civis_status st = apply_retry(&c->retry, &o->retry, err);
    if (st != CIVIS_OK)
        return st;

    const char *job = env("CIVIS_JOB_ID");
    const char *run = env("CIVIS_RUN_ID");
    if ((job && has_control(job)) || (run && has_control(run)))
        return civis__fail(err, CIVIS_EINVAL, "CIVIS_JOB_ID",
                           "CIVIS_JOB_ID / CIVIS_RUN_ID contain a control character");

    c->api_key = civis__strdup(key);
    c->base_url = civis__sprintf("%s%s", base, slash ? "" : "/");
    c->user_agent =
        civis__sprintf("%s (civis-c %s; libcurl %s)", prefix, CIVIS_VERSION, civis__curl_version());
    c->auth_value = basic_auth(key);
    /* Only sent when CIVIS_JOB_ID is set, as the official client does. */
    c->job_id = job ? civis__strdup(job) : NULL;
    c->run_id = (job && run) ? civis__strdup(run) : NULL;
    if (c->api_key == NULL || c->base_url == NULL || c->user_agent == NULL ||
        c->auth_value == NULL || (job && c->job_id == NULL) || (job && run && c->run_id == NULL))
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for the client settings");

    c->timeout_ms = o->timeout_ms ? o->timeout_ms : 60000;
    c->connect_timeout_ms = o->connect_timeout_ms ? o->connect_timeout_ms : 10000;
    c->max_response_bytes =
        o->max_response_bytes ? o->max_response_bytes : CIVIS_DEFAULT_MAX_RESPONSE_BYTES;
    c->camel_keys = o->camel_case_keys;
    c->log = o->log;
    c->on_retry = o->on_retry;
    c->hook_data = o->hook_data;
    uint64_t seed = o->seed;
    if (seed == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        seed = ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)c;
    }
    c->rng = seed ? seed : 0x9E3779B97F4A7C15ULL; /* xorshift must not start at 0 */
    return CIVIS_OK;
}
