/*
 * errors.c: the message of a non-2xx reply, in the official client's shape
 * "(404) The requested resource could not be found. (GET /scripts/sql/7)",
 * chosen by its rules: the body's errorDescription; "No Error Message
 * Available" when a JSON body has none; "No Response Content from Civis
 * API" when the body is not JSON from its first byte; "Response Content:
 * <body>" when it goes wrong later; the reason phrase for an empty body.
 */
#include <stdio.h>
#include <string.h>

#include "client_internal.h"

/* Copies s into buf as one line: control characters become spaces. */
static void one_line(char *buf, size_t len, const char *s, size_t n)
{
    size_t j = 0;
    for (size_t i = 0; i < n && j + 1 < len; i++)
        buf[j++] = ((unsigned char)s[i] < 0x20) ? ' ' : s[i];
    if (len > 0)
        buf[j] = '\0';
}

static void describe(char *buf, size_t len, const civis_http_response *resp)
{
    if (resp->body == NULL || resp->body_len == 0) {
        const char *reason = resp->reason[0] ? resp->reason : civis_answer_reason(resp->status);
        one_line(buf, len, reason, strlen(reason));
        return;
    }
    size_t off = 0;
    bool oom = false;
    cJSON *doc = civis__parse_body(resp->body, resp->body_len, &off, &oom);
    if (doc == NULL && !oom) {
        /* Python's json says "Expecting value ... (char 0)" only when the
         * very first byte cannot start a value. */
        if (off == 0) {
            snprintf(buf, len, "No Response Content from Civis API");
        } else {
            static const char prefix[] = "Response Content: ";
            snprintf(buf, len, "%s", prefix);
            size_t used = strlen(buf);
            one_line(buf + used, len - used, resp->body, resp->body_len);
        }
        return;
    }
    /* (Out of memory: no description can be read; say so generically.) */
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(doc, "errorDescription");
    if (cJSON_IsString(d) && d->valuestring[0] != '\0')
        one_line(buf, len, d->valuestring, strlen(d->valuestring));
    else
        snprintf(buf, len, "No Error Message Available");
    cJSON_Delete(doc);
}

civis_status civis__http_error(civis_error *err, const char *method, const char *path_url,
                               const civis_http_response *resp)
{
    civis_status code = resp->status == 404   ? CIVIS_ENOTFOUND
                        : resp->status == 401 ? CIVIS_EAUTH
                                              : CIVIS_EHTTP;
    if (err == NULL || err->code != CIVIS_OK)
        return code;
    char desc[sizeof(err->message)];
    describe(desc, sizeof(desc), resp);
    char tail[sizeof(err->message)];
    if (resp->status == 401) {
        const char *www = civis_http_response_header(resp, "WWW-Authenticate");
        snprintf(tail, sizeof(tail), " (%s %.200s); WWW-Authenticate: %.150s", method, path_url,
                 www ? www : "(none sent)");
    } else {
        snprintf(tail, sizeof(tail), " (%s %.300s)", method, path_url);
    }
    /* Cut the description, never the request, when the line is too long. */
    char head[24];
    snprintf(head, sizeof(head), "(%ld) ", resp->status);
    size_t room = sizeof(err->message) - strlen(head) - strlen(tail) - 1;
    civis__fail(err, code, "", "%s%.*s%s", head, (int)room, desc, tail);
    err->http_status = resp->status;
    return code;
}
