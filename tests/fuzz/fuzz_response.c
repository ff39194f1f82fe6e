/*
 * fuzz_response.c: the client's reading of an API answer
 * (client/src/response.c, jsoncheck.c, jsonpath.c, pyjson.c). The input
 * is a response body. The allocation-free JSON check must agree with
 * cJSON on every input (the check decides CIVIS_EPARSE before cJSON ever
 * runs); a parsed body is read by a few paths, typed, and printed back as
 * the official client would send it, and that text must parse again.
 */
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "fuzz.h"

static const char *const paths[] = {"id",    "name",      "arguments.x",  "file_url", "0.id",
                                    "state", "value.a.b", "runs.1.state", "",         "."};

static void read_paths(const civis_response *r)
{
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        long long n;
        double d;
        bool b;
        const char *s;
        civis_error err = CIVIS_ERROR_INIT;
        civis_response_get(r, paths[i]);
        civis_response_int(&n, r, paths[i], &err);
        civis_response_double(&d, r, paths[i], &err);
        civis_response_bool(&b, r, paths[i], &err);
        civis_response_string(&s, r, paths[i], &err);
        civis_response_len(r, paths[i]);
        civis_response_at(r, paths[i], 0);
    }
}

static void reprint(const cJSON *doc)
{
    char *text = NULL;
    size_t len = 0;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis__pyjson(&text, &len, doc, &err) == CIVIS_OK) {
        size_t off = 0;
        if (!civis__json_check(text, len, &off))
            abort(); /* we would send text the API cannot read */
        civis__free(text);
    }
}

int fuzz_response_one(const uint8_t *data, size_t size)
{
    char *body = fuzz_strndup(data, size);
    if (body == NULL)
        return 0;
    size_t off = 0;
    bool ok = civis__json_check(body, size, &off);
    bool oom = false;
    size_t off2 = 0;
    cJSON *doc = civis__parse_body(body, size, &off2, &oom);
    if (!oom && ok != (doc != NULL))
        abort(); /* the check and cJSON disagree */
    if (!ok && off > size)
        abort();
    if (doc != NULL)
        reprint(doc);
    cJSON_Delete(doc);
    free(body);

    for (int json_values = 0; json_values < 2; json_values++) {
        civis_http_response hr = {.status = 200};
        if (civis_http_response_append_body(&hr, (const char *)data, size) != CIVIS_OK) {
            civis_http_response_clear(&hr);
            continue;
        }
        civis_http_response_add_header(&hr, "X-RateLimit-Limit", 17, "1000", 4);
        civis_response *r = NULL;
        civis_error err = CIVIS_ERROR_INIT;
        if (civis__response_new(&r, &hr, "GET", "/fuzz", 0, json_values != 0, true, &err) ==
            CIVIS_OK) {
            read_paths(r);
            civis_response_rate_limit(r);
            cJSON *taken = civis_response_take_json(r);
            cJSON_Delete(taken);
        } else if (ok && size > 0 && err.code == CIVIS_EPARSE) {
            abort(); /* a body the check accepts is not refused as unparsable */
        }
        civis_response_free(r);
    }
    return 0;
}
