/*
 * fuzz_fake.c: request validation and routing through the fake answering
 * core (spec/src/fake*.c) on the bundled spec, as civis-mock and the
 * in-process mock use it. Input: "METHOD PATH[?QUERY]\n" then the body.
 * Whatever the request, the core must answer with a status between 100
 * and 599 and, when there is a body, body_len bytes ending in a NUL.
 */
#include <stdlib.h>
#include <string.h>

#include "civis/sys/fake.h"
#include "fuzz.h"

int fuzz_fake_one(const uint8_t *data, size_t size)
{
    char *in = fuzz_strndup(data, size);
    if (in == NULL)
        return 0;
    /* The request line is split at the first newline, the method at the
     * first space; a missing part is the empty string. */
    char *nl = memchr(in, '\n', size);
    const char *body = NULL;
    size_t body_len = 0;
    if (nl != NULL) {
        *nl = '\0';
        body = nl + 1;
        body_len = size - (size_t)(body - in);
    }
    char *method = in;
    char *path = strchr(in, ' ');
    if (path != NULL)
        *path++ = '\0';
    else
        path = method + strlen(method);
    char *query = strchr(path, '?');
    if (query != NULL)
        *query++ = '\0';

    civis_fake_config cfg = {.spec = fuzz_spec(), .seed = 1};
    civis_fake_request req = {.method = method,
                              .path = path,
                              .query = query,
                              .body = body,
                              .body_len = body_len,
                              .api_key = "fuzz"};
    for (int lenient = 0; lenient < 2; lenient++) {
        cfg.lenient = lenient != 0;
        civis_fake_exchange x;
        civis_fake_reply reply = {0};
        civis_fake_handle(&x, &cfg, &req, &reply);
        if (reply.status < 100 || reply.status > 599)
            abort();
        if (reply.body != NULL && reply.body[reply.body_len] != '\0')
            abort();
        civis_fake_reply_clear(&reply);
        civis_fake_exchange_clear(&x);
    }
    free(in);
    return 0;
}
