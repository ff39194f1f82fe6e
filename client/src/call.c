/*
 * call.c: from "resource.method + arguments" to a response. Names and
 * arguments are checked by the spec engine before anything is sent; the
 * request then goes through the retry loop, and the reply becomes a
 * civis_response or an error in the official client's words.
 */
#include <stdio.h>
#include <string.h>

#include "client_internal.h"

/* The path part of the base URL ("/" for "https://host/", "/v1/" for
 * "https://host/v1/"), for the "(GET /path)" of messages. */
static const char *base_path(const char *base_url)
{
    const char *s = strstr(base_url, "://");
    s = s ? s + 3 : base_url;
    const char *slash = strchr(s, '/');
    return slash ? slash : "/";
}

/* prefix + rel + ("?" + query when not empty), without printf's parsing:
 * this runs on every call. */
static char *join(const char *prefix, const char *rel, const char *query)
{
    size_t a = strlen(prefix), b = strlen(rel), q = strlen(query);
    char *s = civis__malloc(a + b + q + 2);
    if (s == NULL)
        return NULL;
    memcpy(s, prefix, a);
    memcpy(s + a, rel, b);
    char *p = s + a + b;
    if (q > 0) {
        *p++ = '?';
        memcpy(p, query, q);
        p += q;
    }
    *p = '\0';
    return s;
}

static void report_retry(civis_client *c, const civis_send *s, const char *path_url, int attempt,
                         long status, double wait, double retry_after)
{
    if (c->on_retry != NULL) {
        civis_retry_event ev = {s->method, path_url, attempt, status, wait, retry_after};
        c->on_retry(c->hook_data, &ev);
    }
    civis__log(c, CIVIS_LOG_WARN, "%s %s -> %ld; retry %d in %.3f s", s->method, path_url, status,
               attempt, wait);
}

civis_status civis__send(civis_response **out, civis_client *c, const civis_send *s,
                         bool raw_errors, civis_error *err)
{
    *out = NULL;
    const char *rel = s->path[0] == '/' ? s->path + 1 : s->path;
    const char *q = s->query ? s->query : "";
    char *url = join(c->base_url, rel, q);
    char *path_url = join(base_path(c->base_url), rel, q);
    if (url == NULL || path_url == NULL) {
        civis__free(url);
        civis__free(path_url);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory building the URL");
    }
    civis_header hdrs[7];
    size_t nh = 0;
    hdrs[nh++] = (civis_header){"Authorization", c->auth_value};
    hdrs[nh++] = (civis_header){"User-Agent", c->user_agent};
    if (s->body != NULL)
        hdrs[nh++] = (civis_header){"Content-Type", "application/json"};
    if (c->job_id != NULL)
        hdrs[nh++] = (civis_header){"X-Civis-Job-ID", c->job_id};
    if (c->run_id != NULL)
        hdrs[nh++] = (civis_header){"X-Civis-Run-ID", c->run_id};
    if (s->if_none_match != NULL)
        hdrs[nh++] = (civis_header){"If-None-Match", s->if_none_match};

    civis_http_request req = {
        .method = s->method,
        .url = url,
        .path = s->path,
        .query = q,
        .headers = hdrs,
        .n_headers = nh,
        .body = s->body,
        .body_len = s->body_len,
        .timeout_ms = c->timeout_ms,
        .connect_timeout_ms = c->connect_timeout_ms,
        .max_body_bytes = c->max_response_bytes,
        .op = s->op,
        .args = s->args,
        .body_json = s->body_json,
    };
    const double start = civis__now();
    civis_status st;
    for (int attempt = 1;; attempt++) {
        civis_http_response resp = {0};
        civis_error terr = CIVIS_ERROR_INIT;
        req.attempt = attempt;
        double t0 = civis__now();
        st = c->transport.send(c->transport_ctx, &req, &resp, &terr);
        if (st == CIVIS_OK && resp.status == 0)
            st = civis__fail(&terr, CIVIS_ETRANSPORT, "", "%s %s: the transport gave no status",
                             s->method, path_url);
        double retry_after = 0;
        bool again = false;
        if (st == CIVIS_OK) {
            civis__log(c, CIVIS_LOG_DEBUG, "%s %s -> %ld (%.0f ms)", s->method, path_url,
                       resp.status, (civis__now() - t0) * 1000);
            if (civis__retry_status(s->method, resp.status)) {
                again = true;
                retry_after = civis__retry_after(civis_http_response_header(&resp, "Retry-After"));
            }
        } else if (st == CIVIS_ETRANSPORT && resp.connect_failed &&
                   civis__retry_idempotent(s->method)) {
            again = true; /* nothing was sent, so nothing can be done twice */
        }
        if (again && attempt < c->retry.max_attempts &&
            civis__now() - start < c->retry.max_elapsed_s) {
            double wait = civis__retry_wait(civis__retry_backoff(c, attempt), retry_after,
                                            civis__now() - start, &c->retry);
            report_retry(c, s, path_url, attempt, st == CIVIS_OK ? resp.status : 0, wait,
                         retry_after);
            civis_http_response_clear(&resp);
            civis__sleep(wait);
            continue;
        }
        if (st != CIVIS_OK) {
            civis_http_response_clear(&resp);
            if (attempt > 1)
                st = civis__fail(err, terr.code, terr.param, "%.440s (after %d attempts)",
                                 terr.message, attempt);
            else
                st = civis__fail(err, terr.code, terr.param, "%s", terr.message);
            break;
        }
        if ((resp.status >= 200 && resp.status < 300) || raw_errors) {
            st = civis__response_new(out, &resp, s->method, path_url, attempt - 1, s->json_values,
                                     !s->raw_body && resp.status >= 200 && resp.status < 300, err);
        } else {
            st = civis__http_error(err, s->method, path_url, &resp);
            civis_http_response_clear(&resp);
        }
        break;
    }
    civis__free(url);
    civis__free(path_url);
    return st;
}

static bool starts_with_json_values(const char *path)
{
    return strncmp(path, "/json_values", 12) == 0 && (path[12] == '\0' || path[12] == '/');
}

void civis__rejected(civis_client *c, const char *resource, const char *method, const cJSON *args,
                     civis_status st, const civis_error *err)
{
    if (c != NULL && c->transport.rejected != NULL)
        c->transport.rejected(c->transport_ctx, resource, method, args, st,
                              (err != NULL && err->code == st) ? err : NULL);
}

civis_status civis_call(civis_response **out, civis_client *client, const char *resource,
                        const char *method, const cJSON *args, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    *out = NULL;
    if (client == NULL)
        return civis__fail(err, CIVIS_EINVAL, "client", "no client given");
    const civis_operation *op = NULL;
    const civis_spec *spec = NULL;
    civis_placed placed = {0};
    civis_status st = civis__client_find(&op, &spec, client, resource, method, err);
    if (st == CIVIS_OK)
        st = civis__args_place(&placed, spec, op, args,
                               client->camel_keys ? CIVIS_KEYS_WIRE : CIVIS_KEYS_SNAKE, true, err);
    if (st != CIVIS_OK) {
        civis__rejected(client, resource, method, args, st, err);
        return st;
    }
    if (op->deprecation_warning != NULL)
        civis__log(client, CIVIS_LOG_WARN, "%s.%s: %s", resource, method, op->deprecation_warning);
    if (op->alias != NULL && strcmp(method, op->alias) == 0)
        civis__log(client, CIVIS_LOG_WARN, "%s.%s is deprecated; use %s.%s", resource, method,
                   resource, op->method);
    /* The official client always sends a JSON object, "{}" when empty. */
    char *body = NULL;
    size_t body_len = 0;
    if (placed.body != NULL)
        st = civis__pyjson(&body, &body_len, placed.body, err);
    else if ((body = civis__strdup("{}")) != NULL)
        body_len = 2;
    else
        st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    if (st == CIVIS_OK) {
        civis_send s = {.method = op->verb,
                        .path = placed.path,
                        .query = placed.query,
                        .body = body,
                        .body_len = body_len,
                        .op = op,
                        .args = args,
                        .json_values = starts_with_json_values(placed.path),
                        .body_json = placed.body};
        st = civis__send(out, client, &s, false, err);
    }
    civis__free(body);
    civis_placed_clear(&placed);
    return st;
}

civis_status civis_call_take(civis_response **out, civis_client *client, const char *resource,
                             const char *method, cJSON *args, civis_error *err)
{
    if (args == NULL) {
        if (out != NULL)
            *out = NULL;
        civis_status st = civis__fail(err, CIVIS_EINVAL, "args",
                                      "no arguments object (did civis_args fail? It returns NULL "
                                      "when memory runs out or a value is not a CIVIS_* macro)");
        civis__rejected(client, resource, method, NULL, st, err);
        return st;
    }
    civis_status st = civis_call(out, client, resource, method, args, err);
    cJSON_Delete(args);
    return st;
}

civis_status civis_callv(civis_response **out, civis_client *client, const char *resource,
                         const char *method, civis_error *err, ...)
{
    if (out != NULL)
        *out = NULL;
    va_list ap;
    va_start(ap, err);
    cJSON *args = NULL;
    const char *first = va_arg(ap, const char *);
    civis_status st = civis__args_build(&args, first, ap, err);
    va_end(ap);
    if (st != CIVIS_OK) {
        civis__rejected(client, resource, method, NULL, st, err);
        return st;
    }
    st = civis_call(out, client, resource, method, args, err);
    cJSON_Delete(args);
    return st;
}

civis_status civis_request(civis_response **out, civis_client *client, const char *method,
                           const char *path_and_query, const cJSON *body, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    *out = NULL;
    if (client == NULL)
        return civis__fail(err, CIVIS_EINVAL, "client", "no client given");
    if (method == NULL || *method == '\0' ||
        strspn(method, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(method))
        return civis__fail(err, CIVIS_EINVAL, "method",
                           "HTTP method must be an upper-case verb such as \"GET\", got '%s'",
                           method ? method : "(null)");
    if (path_and_query == NULL || path_and_query[0] != '/' ||
        strpbrk(path_and_query, " \r\n\t#") != NULL)
        return civis__fail(err, CIVIS_EINVAL, "path",
                           "path must start with '/' and hold no spaces or fragment, got '%.200s'",
                           path_and_query ? path_and_query : "(null)");
    const char *qm = strchr(path_and_query, '?');
    char *path =
        civis__strndup(path_and_query, qm ? (size_t)(qm - path_and_query) : strlen(path_and_query));
    if (path == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    char *text = NULL;
    size_t len = 0;
    civis_status st = body ? civis__pyjson(&text, &len, body, err) : CIVIS_OK;
    if (st == CIVIS_OK) {
        civis_send s = {.method = method,
                        .path = path,
                        .query = qm ? qm + 1 : "",
                        .body = text,
                        .body_len = len,
                        .json_values = starts_with_json_values(path),
                        .body_json = body};
        st = civis__send(out, client, &s, false, err);
    }
    civis__free(text);
    civis__free(path);
    return st;
}
