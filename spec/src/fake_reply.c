/*
 * fake_reply.c: building the replies of a fake Civis API (civis/sys/fake.h):
 * headers, JSON bodies, the API's error bodies, the 400 that lists every
 * problem, and pages of a collection. civis-mock, its simulation and the
 * in-process mock all write their answers through these.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "civis/sys/answer.h"
#include "civis/sys/fake.h"
#include "schema_check.h"
#include "spec_internal.h"

/* Used when even an error body cannot be allocated. */
static const char oom_body[] =
    "{\"error\":\"internal\",\"errorDescription\":\"the fake API ran out of memory\",\"code\":500}";

void civis_fake_reply_clear(civis_fake_reply *reply)
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

bool civis_fake_reply_header(civis_fake_reply *reply, const char *name, const char *value)
{
    civis_fake_header *nh = realloc(reply->headers, (reply->n_headers + 1) * sizeof(*nh));
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

static bool has_header(const civis_fake_reply *reply, const char *name)
{
    for (size_t i = 0; i < reply->n_headers; i++)
        if (strcasecmp(reply->headers[i].name, name) == 0)
            return true;
    return false;
}

/* Removes the headers `drop` selects. */
static void unset_where(civis_fake_reply *reply, bool (*drop)(const char *, const void *),
                        const void *arg)
{
    size_t k = 0;
    for (size_t i = 0; i < reply->n_headers; i++) {
        if (drop(reply->headers[i].name, arg)) {
            free(reply->headers[i].name);
            free(reply->headers[i].value);
        } else {
            reply->headers[k++] = reply->headers[i];
        }
    }
    reply->n_headers = k;
}

static bool named(const char *header, const void *name)
{
    return strcasecmp(header, name) == 0;
}

static bool pagination(const char *header, const void *unused)
{
    (void)unused; /* the unset_where signature */
    return civis_answer_is_pagination_header(header);
}

void civis_fake_reply_unset(civis_fake_reply *reply, const char *name)
{
    unset_where(reply, named, name);
}

/* civis_fake_reply_header as a civis_answer_header_fn. */
static bool add_cb(void *reply, const char *name, const char *value)
{
    return civis_fake_reply_header(reply, name, value);
}

void civis_fake_reply_body_take(civis_fake_reply *reply, char *body, size_t len)
{
    free(reply->body);
    reply->body = body;
    reply->body_len = len;
}

static void reply_oom(civis_fake_reply *reply)
{
    /* The fixed text goes out through the same owned-body path; if even that
     * copy fails the answer is an empty 500. */
    reply->status = 500;
    char *copy = strdup(oom_body);
    civis_fake_reply_body_take(reply, copy, copy ? strlen(copy) : 0);
}

char *civis_fake_utf8_clean(const char *s, size_t len, size_t *out_len)
{
    /* A clean text (the common case) costs one check, ASCII a word at a time. */
    if (civis__utf8_valid(s, len)) {
        /* The common case: one checking pass and one copy, no slack. */
        char *copy = malloc(len + 1);
        if (copy != NULL) {
            memcpy(copy, s, len);
            copy[len] = '\0';
            if (out_len != NULL)
                *out_len = len;
        }
        return copy;
    }
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

/* Bytes of raw text in the top levels of an answer: stored bodies keep
 * their large members as raw text (civis-mock's simulation), and then
 * they are nearly all of it. */
static size_t raw_bytes(const cJSON *json, int depth)
{
    size_t n = 0;
    for (const cJSON *c = json; c != NULL; c = depth > 0 ? c->next : NULL) {
        if (cJSON_IsRaw(c) && c->valuestring != NULL)
            n += strlen(c->valuestring);
        else if (c->child != NULL && depth < 3)
            n += raw_bytes(c->child, depth + 1);
    }
    return n;
}

#define RAW_DIRECT (64 * 1024) /* raw bytes from which an answer is printed in place */

/* An answer that is mostly raw text, printed straight into the buffer the
 * reply keeps: no second copy of its bytes. NULL when it did not fit (or
 * out of memory): the caller prints it the ordinary way. */
static char *print_direct(const cJSON *json, size_t *len)
{
    size_t raw = raw_bytes(json, 0);
    if (raw < RAW_DIRECT || raw > (SIZE_MAX - RAW_DIRECT) / 2)
        return NULL;
    size_t cap = raw + raw / 8 + RAW_DIRECT;
    char *buf = malloc(cap);
    if (buf == NULL)
        return NULL;
    if (!cJSON_PrintPreallocated((cJSON *)json, buf, (int)(cap < INT32_MAX ? cap : INT32_MAX),
                                 false)) {
        free(buf);
        return NULL;
    }
    *len = strlen(buf);
    return buf;
}

bool civis_fake_reply_json(civis_fake_reply *reply, int status, const cJSON *json)
{
    size_t len = 0;
    char *direct = print_direct(json, &len);
    char *text = direct != NULL ? direct : cJSON_PrintUnformatted(json);
    if (text == NULL) {
        reply_oom(reply);
        return false;
    }
    /* Request bytes end up in our JSON (paths, names, bodies); cJSON copies
     * them unchecked, so the printed text is made valid UTF-8 here. */
    if (direct == NULL)
        len = strlen(text);
    char *clean = NULL;
    if (!civis__utf8_valid(text, len))
        clean = civis_fake_utf8_clean(text, len, &len);
    else if (direct != NULL)
        clean = direct; /* already ours: handed over as it is */
    else if ((clean = malloc(len + 1)) != NULL)
        memcpy(clean, text, len + 1); /* cJSON's allocator may not be ours */
    if (clean != direct) {
        if (direct != NULL)
            free(direct);
        else
            cJSON_free(text);
    }
    if (clean == NULL) {
        reply_oom(reply);
        return false;
    }
    reply->status = status;
    civis_fake_reply_body_take(reply, clean, len);
    return true;
}

/* The headers the API sends with some statuses, unless already there. */
static bool status_headers(civis_fake_reply *reply, int status)
{
    if (status == 401 && !has_header(reply, "WWW-Authenticate"))
        return civis_fake_reply_header(reply, "WWW-Authenticate", "Basic realm=\"Civis\"");
    if (status == 429 && !has_header(reply, "Retry-After"))
        return civis_fake_reply_header(reply, "Retry-After", "1");
    return true;
}

bool civis_fake_reply_error(civis_fake_reply *reply, int status, const char *kind,
                            const char *description)
{
    const char *desc = NULL;
    const char *k = civis_answer_error_kind(status, &desc);
    if (kind != NULL)
        k = kind;
    if (description != NULL)
        desc = description;
    if (desc == NULL)
        desc = *civis_answer_reason(status) ? civis_answer_reason(status) : "Error";
    cJSON *o = cJSON_CreateObject();
    bool ok = o != NULL && cJSON_AddStringToObject(o, "error", k) != NULL &&
              cJSON_AddStringToObject(o, "errorDescription", desc) != NULL &&
              cJSON_AddNumberToObject(o, "code", status) != NULL;
    if (ok)
        ok = civis_fake_reply_json(reply, status, o);
    else
        reply_oom(reply);
    cJSON_Delete(o);
    return ok;
}

/* ---- the 400 of a failed validation --------------------------------------- */

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

static bool add_problem(cJSON *arr, const civis_problem *p)
{
    cJSON *e = cJSON_CreateObject();
    if (e == NULL || !cJSON_AddItemToArray(arr, e)) {
        cJSON_Delete(e);
        return false;
    }
    return cJSON_AddStringToObject(e, "location", p->location) != NULL &&
           cJSON_AddStringToObject(e, "field", p->field) != NULL &&
           cJSON_AddStringToObject(e, "problem", p->problem) != NULL &&
           (p->suggestion[0] == '\0'
                ? cJSON_AddNullToObject(e, "suggestion") != NULL
                : cJSON_AddStringToObject(e, "suggestion", p->suggestion) != NULL);
}

bool civis_fake_reply_problems(civis_fake_reply *reply, const civis_operation *op,
                               const civis_problems *problems, char **description_out)
{
    char *desc = NULL;
    size_t len = 0, cap = 0;
    char name[160];
    bool ok = cat(&desc, &len, &cap, "Invalid request for ") &&
              cat(&desc, &len, &cap, civis_operation_name(op, name, sizeof(name))) &&
              cat(&desc, &len, &cap, ": ");
    for (size_t i = 0; ok && i < problems->count; i++) {
        if (i > 0)
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
    for (size_t i = 0; ok && i < problems->count; i++)
        ok = add_problem(arr, &problems->items[i]);
    if (ok)
        ok = civis_fake_reply_json(reply, 400, o);
    else
        reply_oom(reply);
    cJSON_Delete(o);
    if (ok && description_out != NULL)
        *description_out = desc;
    else
        free(desc);
    return ok;
}

/* ---- pages and recorded answers --------------------------------------------- */

bool civis_fake_reply_page(civis_fake_reply *reply, const civis_operation *op,
                           const civis_kv *query, size_t n_query, cJSON *collection, bool always)
{
    if (!always && !civis_answer_page_asked(query, n_query)) {
        bool ok = civis_fake_reply_json(reply, reply->status, collection);
        cJSON_Delete(collection);
        return ok;
    }
    civis_answer_page page;
    cJSON *slice = civis_answer_paginate(&page, op, query, n_query, collection);
    unset_where(reply, pagination, NULL);
    bool ok = slice != NULL && civis_answer_page_headers(&page, add_cb, reply) &&
              civis_fake_reply_json(reply, reply->status, slice);
    if (slice == NULL)
        reply_oom(reply);
    cJSON_Delete(slice);
    return ok;
}

static bool looks_like_array(const char *text, size_t len)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
        i++;
    return i < len && text[i] == '[';
}

bool civis_fake_reply_recorded(civis_fake_reply *reply, const civis_fake_exchange *x, int status,
                               const cJSON *headers, const char *text, size_t len,
                               civis_fake_paging paging, bool error_body)
{
    reply->status = status;
    if (!civis_answer_copy_headers(headers, add_cb, reply)) {
        reply_oom(reply);
        return false;
    }
    if (text == NULL) {
        if (error_body && status >= 400 && !civis_fake_reply_error(reply, status, NULL, NULL))
            return false;
        return status_headers(reply, status);
    }
    if (civis_answer_no_body(status))
        return status_headers(reply, status);
    /* A recorded page (its own X-Pagination-*) is re-cut only when asked. */
    if (paging == CIVIS_FAKE_PAGE_ALWAYS && civis_answer_has_pagination(headers))
        paging = CIVIS_FAKE_PAGE_ASKED;
    const civis_operation *op = x->op;
    if (op != NULL && op->paginated && paging != CIVIS_FAKE_PAGE_NEVER &&
        looks_like_array(text, len) &&
        (paging == CIVIS_FAKE_PAGE_ALWAYS || civis_answer_page_asked(x->query, x->n_query))) {
        cJSON *doc = civis_fake_parse(text, len, NULL);
        if (cJSON_IsArray(doc))
            return civis_fake_reply_page(reply, op, x->query, x->n_query, doc, true) &&
                   status_headers(reply, status);
        cJSON_Delete(doc);
    }
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        reply_oom(reply);
        return false;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    civis_fake_reply_body_take(reply, copy, len);
    return status_headers(reply, status);
}

cJSON *civis_fake_parse(const char *buf, size_t len, size_t *err_offset)
{
    size_t at = 0;
    bool oom = false;
    cJSON *doc = buf != NULL && len > 0 ? civis__json_parse_exact(buf, len, &at, &oom) : NULL;
    if (err_offset != NULL)
        *err_offset = at;
    return doc;
}
