/*
 * client.c: a client's life: global set-up, creation (settings, transport,
 * spec), getters, logging and release.
 */
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "client_internal.h"

/* curl_global_init is process-wide by nature; the count lets nested
 * init/cleanup pairs (a library and its caller) coexist. */
static pthread_mutex_t global_lock = PTHREAD_MUTEX_INITIALIZER;
static int global_count;

civis_status civis_global_init(void)
{
    civis_status st = CIVIS_OK;
    pthread_mutex_lock(&global_lock);
    if (global_count == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        st = CIVIS_ETRANSPORT;
    else
        global_count++;
    pthread_mutex_unlock(&global_lock);
    return st;
}

void civis_global_cleanup(void)
{
    pthread_mutex_lock(&global_lock);
    if (global_count > 0 && --global_count == 0)
        curl_global_cleanup();
    pthread_mutex_unlock(&global_lock);
}

void civis__log(const civis_client *client, civis_log_level level, const char *fmt, ...)
{
    if (client == NULL || client->log == NULL)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    client->log(client->hook_data, level, line);
}

civis_status civis_client_new(civis_client **out, const civis_client_options *opts,
                              civis_error *err)
{
    static const civis_client_options defaults = {0};
    const civis_client_options *o = opts ? opts : &defaults;
    if (out == NULL) {
        if (o->transport != NULL && o->transport->destroy != NULL)
            o->transport->destroy(o->transport_ctx);
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    }
    *out = NULL;
    civis_client *c = civis__calloc(1, sizeof(*c));
    if (c == NULL) {
        if (o->transport != NULL && o->transport->destroy != NULL)
            o->transport->destroy(o->transport_ctx);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for the client");
    }
    /* The caller's transport context is ours from here on, even on failure. */
    if (o->transport != NULL) {
        c->transport = *o->transport;
        c->transport_ctx = o->transport_ctx;
        c->transport_ready = true;
    }
    civis_status st = CIVIS_OK;
    if (pthread_mutex_init(&c->rng_lock, NULL) != 0) {
        st = civis__fail(err, CIVIS_ENOMEM, "", "cannot create a mutex");
    } else if (pthread_mutex_init(&c->memo_lock, NULL) != 0) {
        pthread_mutex_destroy(&c->rng_lock);
        st = civis__fail(err, CIVIS_ENOMEM, "", "cannot create a mutex");
    } else if (pthread_mutex_init(&c->spec_lock, NULL) != 0) {
        pthread_mutex_destroy(&c->rng_lock);
        pthread_mutex_destroy(&c->memo_lock);
        st = civis__fail(err, CIVIS_ENOMEM, "", "cannot create a mutex");
    } else if (pthread_mutex_init(&c->refresh_lock, NULL) != 0) {
        pthread_mutex_destroy(&c->rng_lock);
        pthread_mutex_destroy(&c->memo_lock);
        pthread_mutex_destroy(&c->spec_lock);
        st = civis__fail(err, CIVIS_ENOMEM, "", "cannot create a mutex");
    } else {
        c->locks_ready = true;
    }
    if (st == CIVIS_OK && o->transport != NULL && o->transport->send == NULL)
        st = civis__fail(err, CIVIS_EINVAL, "transport", "the transport has no send function");
    if (st == CIVIS_OK)
        st = civis__options_apply(c, o, err);
    if (st == CIVIS_OK && o->transport == NULL) {
        st = civis__curl_transport_new(&c->transport, &c->transport_ctx, o, err);
        c->transport_ready = st == CIVIS_OK;
    }
    if (st == CIVIS_OK)
        st = civis__spec_obtain(c, o, err);
    if (st != CIVIS_OK) {
        civis_client_free(c);
        return st;
    }
    *out = c;
    return CIVIS_OK;
}

void civis_client_free(civis_client *c)
{
    if (c == NULL)
        return;
    if (c->transport_ready && c->transport.destroy != NULL)
        c->transport.destroy(c->transport_ctx);
    civis_spec_free(c->owned_spec);
    civis_spec_free(c->fresh_spec);
    civis__free(c->spec_cache_file);
    civis__memo_free(c->memo);
    if (c->locks_ready) {
        pthread_mutex_destroy(&c->rng_lock);
        pthread_mutex_destroy(&c->memo_lock);
        pthread_mutex_destroy(&c->spec_lock);
        pthread_mutex_destroy(&c->refresh_lock);
    }
    if (c->api_key != NULL) /* wipe the key before the memory goes back */
        memset(c->api_key, 0, strlen(c->api_key));
    if (c->auth_value != NULL)
        memset(c->auth_value, 0, strlen(c->auth_value));
    civis__free(c->api_key);
    civis__free(c->auth_value);
    civis__free(c->base_url);
    civis__free(c->user_agent);
    civis__free(c->job_id);
    civis__free(c->run_id);
    civis__free(c);
}

const civis_spec *civis_client_spec(const civis_client *client)
{
    return client ? civis__client_spec(client) : NULL;
}

const char *civis_client_base_url(const civis_client *client)
{
    return client ? client->base_url : NULL;
}

const char *civis_client_user_agent(const civis_client *client)
{
    return client ? client->user_agent : NULL;
}

const char *civis_client_spec_source(const civis_client *client)
{
    return client && client->spec_source ? client->spec_source : "";
}
