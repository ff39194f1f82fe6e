/*
 * json_error.c: reply building blocks and the error bodies civis-mock sends,
 * shaped like the real API's: {"error", "errorDescription", "code"}.
 */
#include <stdlib.h>
#include <string.h>

#include "mock.h"

/* Used when even the error body cannot be allocated. */
static const char oom_body[] =
    "{\"error\":\"internal\",\"errorDescription\":\"civis-mock ran out of memory\",\"code\":500}";

void cmock__reply_clear(cmock_reply *reply)
{
    if (reply == NULL)
        return;
    free(reply->body);
    for (size_t i = 0; i < reply->n_headers; i++) {
        free(reply->headers[i].name);
        free(reply->headers[i].value);
    }
    free(reply->headers);
    memset(reply, 0, sizeof(*reply));
}

void cmock__outcome_clear(cmock_outcome *outcome)
{
    if (outcome == NULL)
        return;
    free(outcome->api_key);
    free(outcome->reason);
    cJSON_Delete(outcome->unknown);
    memset(outcome, 0, sizeof(*outcome));
}

bool cmock__reply_header(cmock_reply *reply, const char *name, const char *value)
{
    cmock_header *nh = realloc(reply->headers, (reply->n_headers + 1) * sizeof(*nh));
    if (nh == NULL)
        return false;
    reply->headers = nh;
    char *n = strdup(name);
    char *v = strdup(value);
    if (n == NULL || v == NULL) {
        free(n);
        free(v);
        return false;
    }
    reply->headers[reply->n_headers].name = n;
    reply->headers[reply->n_headers].value = v;
    reply->n_headers++;
    return true;
}

bool cmock__reply_add(void *reply, const char *name, const char *value)
{
    return cmock__reply_header(reply, name, value);
}

void cmock__reply_body_take(cmock_reply *reply, char *body, size_t len)
{
    free(reply->body);
    reply->body = body;
    reply->body_len = len;
}

static void reply_oom(cmock_reply *reply)
{
    /* The fixed text goes out through the same owned-body path; if even that
     * copy fails the server sends an empty 500. */
    reply->status = 500;
    char *copy = strdup(oom_body);
    cmock__reply_body_take(reply, copy, copy ? strlen(copy) : 0);
}

bool cmock__reply_json(cmock_reply *reply, int status, const cJSON *json)
{
    char *text = cJSON_PrintUnformatted(json);
    if (text == NULL) {
        reply_oom(reply);
        return false;
    }
    /* Request bytes end up in our JSON (paths, names, bodies); cJSON copies
     * them unchecked, so the printed text is made valid UTF-8 here. */
    size_t len = 0;
    char *clean = cmock__utf8_clean(text, strlen(text), &len);
    cJSON_free(text);
    if (clean == NULL) {
        reply_oom(reply);
        return false;
    }
    reply->status = status;
    cmock__reply_body_take(reply, clean, len);
    return true;
}

bool cmock__error(cmock_reply *reply, int status, const char *kind, const char *description)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && cJSON_AddStringToObject(o, "error", kind) != NULL &&
              cJSON_AddStringToObject(o, "errorDescription", description) != NULL &&
              cJSON_AddNumberToObject(o, "code", status) != NULL;
    if (ok)
        ok = cmock__reply_json(reply, status, o);
    else
        reply_oom(reply);
    cJSON_Delete(o);
    return ok;
}

/* Appends to a growing string; false on allocation failure. */
static bool cat(char **buf, size_t *len, size_t *cap, const char *s)
{
    size_t n = strlen(s);
    if (*len + n + 1 > *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        while (nc < *len + n + 1)
            nc *= 2;
        char *nb = realloc(*buf, nc);
        if (nb == NULL)
            return false;
        *buf = nb;
        *cap = nc;
    }
    memcpy(*buf + *len, s, n + 1);
    *len += n;
    return true;
}

/* One problem as a phrase: "body 'dockerComand': unknown property (did you
 * mean 'docker_command'?)", or "body: not valid JSON" for the whole body. */
static bool cat_problem(char **buf, size_t *len, size_t *cap, const civis_problem *p)
{
    bool ok = cat(buf, len, cap, p->location);
    if (ok && p->field[0] != '\0')
        ok = cat(buf, len, cap, " '") && cat(buf, len, cap, p->field) && cat(buf, len, cap, "'");
    ok = ok && cat(buf, len, cap, ": ") && cat(buf, len, cap, p->problem);
    if (ok && p->suggestion[0] != '\0')
        ok = cat(buf, len, cap, " (did you mean '") && cat(buf, len, cap, p->suggestion) &&
             cat(buf, len, cap, "'?)");
    return ok;
}

bool cmock__error_problems(cmock_reply *reply, const civis_operation *op,
                           const civis_problems *problems, char **description_out)
{
    char *desc = NULL;
    size_t len = 0, cap = 0;
    char name[160];
    bool ok = cat(&desc, &len, &cap, "Invalid request for ") &&
              cat(&desc, &len, &cap, cmock__op_name(op, name, sizeof(name))) &&
              cat(&desc, &len, &cap, ": ");
    size_t listed = 0;
    for (size_t i = 0; ok && i < problems->count; i++) {
        if (listed++ > 0)
            ok = cat(&desc, &len, &cap, "; ");
        if (ok)
            ok = cat_problem(&desc, &len, &cap, &problems->items[i]);
    }
    /* "all problems in one line": a stray newline from a field name must not
     * break it. */
    for (size_t i = 0; ok && i < len; i++)
        if (desc[i] == '\n' || desc[i] == '\r')
            desc[i] = ' ';

    cJSON *o = ok ? cJSON_CreateObject() : NULL;
    cJSON *arr = NULL;
    ok = o != NULL && cJSON_AddStringToObject(o, "error", "invalid") != NULL &&
         cJSON_AddStringToObject(o, "errorDescription", desc) != NULL &&
         cJSON_AddNumberToObject(o, "code", 400) != NULL &&
         (arr = cJSON_AddArrayToObject(o, "problems")) != NULL;
    for (size_t i = 0; ok && i < problems->count; i++) {
        const civis_problem *p = &problems->items[i];
        cJSON *e = cJSON_CreateObject();
        ok = e != NULL && cJSON_AddItemToArray(arr, e) &&
             cJSON_AddStringToObject(e, "location", p->location) != NULL &&
             cJSON_AddStringToObject(e, "field", p->field) != NULL &&
             cJSON_AddStringToObject(e, "problem", p->problem) != NULL &&
             (p->suggestion[0] == '\0'
                  ? cJSON_AddNullToObject(e, "suggestion") != NULL
                  : cJSON_AddStringToObject(e, "suggestion", p->suggestion) != NULL);
    }
    if (ok)
        ok = cmock__reply_json(reply, 400, o);
    else
        reply_oom(reply);
    cJSON_Delete(o);
    if (ok && description_out != NULL)
        *description_out = desc;
    else
        free(desc);
    return ok;
}

char *cmock__utf8_clean(const char *s, size_t len, size_t *out_len)
{
    /* Worst case every byte becomes the 3-byte U+FFFD. */
    if (len > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = malloc(len * 3 + 1);
    if (out == NULL)
        return NULL;
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t k = civis__utf8_seq(u + i, len - i);
        if (k == 0) {
            out[o++] = (char)0xEF;
            out[o++] = (char)0xBF;
            out[o++] = (char)0xBD;
            i++;
        } else {
            memcpy(out + o, s + i, k);
            o += k;
            i += k;
        }
    }
    out[o] = '\0';
    if (out_len != NULL)
        *out_len = o;
    /* Most text is already clean: give back the slack. */
    char *shrunk = realloc(out, o + 1);
    return shrunk != NULL ? shrunk : out;
}

cJSON *cmock__parse(const char *buf, size_t len, size_t *err_offset)
{
    if (err_offset != NULL)
        *err_offset = 0;
    if (buf == NULL || len == 0)
        return NULL;
    /* Not require_null_terminated: with an explicit length cJSON wants the
     * NUL inside it, and a NUL inside a body must not end the document
     * early. The trailing check below does the job for any bytes. */
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
    if (doc == NULL) {
        if (err_offset != NULL && end != NULL && end >= buf)
            *err_offset = (size_t)(end - buf);
        return NULL;
    }
    size_t off = (size_t)(end - buf);
    while (off < len &&
           (buf[off] == ' ' || buf[off] == '\t' || buf[off] == '\n' || buf[off] == '\r'))
        off++;
    if (off != len) {
        cJSON_Delete(doc);
        if (err_offset != NULL)
            *err_offset = off;
        return NULL;
    }
    return doc;
}

const char *cmock__op_name(const civis_operation *op, char *buf, size_t len)
{
    if (op == NULL) {
        snprintf(buf, len, "(none)");
        return buf;
    }
    /* Operations the official client gives no method (deprecated) still
     * route; they are named by their alias or verb. */
    const char *m = op->method ? op->method : op->alias;
    if (m != NULL)
        snprintf(buf, len, "%s.%s", op->resource, m);
    else
        snprintf(buf, len, "%s.%s %s", op->resource, op->verb, op->path);
    return buf;
}
