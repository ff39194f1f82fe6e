/*
 * mock_check.c: partial JSON matching and the checks behind the CUnit
 * assertions of civis/mock_assert.h.
 *
 * A failed check must let the reader fix the test without a debugger, so
 * its message lists the calls that were made, with their arguments and,
 * for called_with, the first difference of each candidate call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mock_internal.h"

void civis__mock_catf(char *buf, size_t len, const char *fmt, ...)
{
    if (buf == NULL || len == 0)
        return;
    size_t used = strnlen(buf, len - 1);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n >= len - used && len >= 4)
        memcpy(buf + len - 4, "...", 4); /* cut, and say so */
}

/* ---- partial match: the spec engine's containment rule ---------------------------- */

bool civis_mock_match(const cJSON *value, const cJSON *pattern, char *why, size_t why_len)
{
    return civis_json_contains(value, pattern, why, why_len);
}

/* ---- journal text ------------------------------------------------------------------- */

static void format_call(char *buf, size_t len, const civis_mock_call *c, const char *note)
{
    char args[512];
    civis_json_show(args, sizeof(args), c->args);
    if (c->rejected) {
        civis__mock_catf(buf, len, "  #%zu %s %s REJECTED: %s\n", c->index, c->operation, args,
                         c->message);
        return;
    }
    civis__mock_catf(buf, len, "  #%zu %s %s -> %ld (%s)%s%s%s\n", c->index,
                     c->operation[0] ? c->operation : c->path, args, c->status, c->source,
                     c->attempts > 1 ? ", retried" : "", note ? " " : "", note ? note : "");
}

/* Every call, lock held. */
static void format_journal(char *buf, size_t len, const civis_mock *mock)
{
    if (mock->n_entries == 0) {
        civis__mock_catf(buf, len, "no calls were made.\n");
        return;
    }
    civis__mock_catf(buf, len, "journal (%zu call%s):\n", mock->n_entries,
                     mock->n_entries == 1 ? "" : "s");
    for (size_t i = 0; i < mock->n_entries; i++)
        format_call(buf, len, &mock->entries[i]->pub, NULL);
}

char *civis_mock_journal_format(char *buf, size_t len, const civis_mock *mock)
{
    if (buf == NULL || len == 0)
        return buf;
    buf[0] = '\0';
    if (mock == NULL)
        return buf;
    civis__mock_lock(mock);
    format_journal(buf, len, mock);
    civis__mock_unlock(mock);
    /* one line per call: the last newline is the caller's business */
    size_t n = strlen(buf);
    if (n > 0 && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    return buf;
}

/* ---- checks ----------------------------------------------------------------------- */

static size_t count_calls(const civis_mock *mock, const civis_operation *op)
{
    size_t n = 0;
    for (size_t i = 0; i < mock->n_entries; i++)
        n += !mock->entries[i]->pub.rejected && mock->entries[i]->pub.op == op;
    return n;
}

/* The calls of one operation, then the whole journal (lock held). With a
 * pattern, each call says why it does not match. */
static void explain(char *msg, size_t len, const civis_mock *mock, const civis_operation *op,
                    const cJSON *pattern)
{
    size_t n = count_calls(mock, op);
    if (n > 0) {
        civis__mock_catf(msg, len, "its call%s:\n", n == 1 ? "" : "s");
        for (size_t i = 0; i < mock->n_entries; i++) {
            const civis_mock_call *c = &mock->entries[i]->pub;
            if (c->rejected || c->op != op)
                continue;
            char why[200] = "", note[208] = "";
            if (pattern != NULL && !civis_mock_match(c->args, pattern, why, sizeof(why)))
                snprintf(note, sizeof(note), "(%s)", why);
            format_call(msg, len, c, note[0] ? note : NULL);
        }
    }
    format_journal(msg, len, mock);
    size_t used = strlen(msg);
    if (used > 0 && msg[used - 1] == '\n')
        msg[used - 1] = '\0';
}

/* Resolves the operation or explains why not (an unknown name must fail
 * loudly: "not called" would be true of a typo). */
static const civis_operation *resolve(const civis_mock *mock, const char *operation, char *msg,
                                      size_t len)
{
    civis_error err = CIVIS_ERROR_INIT;
    const civis_operation *op = mock ? civis__mock_find(mock, operation, &err) : NULL;
    if (op == NULL)
        civis__mock_catf(msg, len, "cannot check %s: %s", operation ? operation : "(null)",
                         mock ? err.message : "no mock given");
    return op;
}

static void start(char *msg, size_t len)
{
    if (msg != NULL && len > 0)
        msg[0] = '\0';
}

bool civis_mock_check_called(const civis_mock *mock, const char *operation, char *msg, size_t len)
{
    start(msg, len);
    const civis_operation *op = resolve(mock, operation, msg, len);
    if (op == NULL)
        return false;
    civis__mock_lock(mock);
    size_t n = count_calls(mock, op);
    if (n > 0) {
        civis__mock_catf(msg, len, "%s was called %zu time%s", operation, n, n == 1 ? "" : "s");
    } else {
        civis__mock_catf(msg, len, "expected %s to be called, but it was not; ", operation);
        explain(msg, len, mock, op, NULL);
    }
    civis__mock_unlock(mock);
    return n > 0;
}

bool civis_mock_check_not_called(const civis_mock *mock, const char *operation, char *msg,
                                 size_t len)
{
    start(msg, len);
    const civis_operation *op = resolve(mock, operation, msg, len);
    if (op == NULL)
        return false;
    civis__mock_lock(mock);
    size_t n = count_calls(mock, op);
    if (n == 0) {
        civis__mock_catf(msg, len, "%s was not called", operation);
    } else {
        civis__mock_catf(msg, len, "expected %s not to be called, but it was called %zu time%s; ",
                         operation, n, n == 1 ? "" : "s");
        explain(msg, len, mock, op, NULL);
    }
    civis__mock_unlock(mock);
    return n == 0;
}

bool civis_mock_check_called_with(const civis_mock *mock, const char *operation,
                                  const char *pattern, char *msg, size_t len)
{
    start(msg, len);
    const civis_operation *op = resolve(mock, operation, msg, len);
    if (op == NULL)
        return false;
    cJSON *pat = pattern ? cJSON_Parse(pattern) : NULL;
    if (!cJSON_IsObject(pat)) {
        cJSON_Delete(pat);
        civis__mock_catf(msg, len, "cannot check %s: the pattern is not a JSON object: %.200s",
                         operation, pattern ? pattern : "(null)");
        return false;
    }
    char shown[256];
    civis_json_show(shown, sizeof(shown), pat);
    civis__mock_lock(mock);
    bool hit = false;
    size_t which = 0;
    for (size_t i = 0; i < mock->n_entries && !hit; i++) {
        const civis_mock_call *c = &mock->entries[i]->pub;
        if (!c->rejected && c->op == op && civis_mock_match(c->args, pat, NULL, 0)) {
            hit = true;
            which = c->index;
        }
    }
    if (hit) {
        civis__mock_catf(msg, len, "%s was called with %s (call #%zu)", operation, shown, which);
    } else {
        size_t n = count_calls(mock, op);
        civis__mock_catf(msg, len, "expected %s to be called with %s, but %s; ", operation, shown,
                         n == 0 ? "it was not called" : "no call matches");
        explain(msg, len, mock, op, pat);
    }
    civis__mock_unlock(mock);
    cJSON_Delete(pat);
    return hit;
}

bool civis_mock_check_call_count(const civis_mock *mock, const char *operation, size_t count,
                                 char *msg, size_t len)
{
    start(msg, len);
    const civis_operation *op = resolve(mock, operation, msg, len);
    if (op == NULL)
        return false;
    civis__mock_lock(mock);
    size_t n = count_calls(mock, op);
    if (n == count) {
        civis__mock_catf(msg, len, "%s was called %zu time%s", operation, n, n == 1 ? "" : "s");
    } else {
        civis__mock_catf(msg, len,
                         "expected %s to be called %zu time%s, but it was called %zu time%s; ",
                         operation, count, count == 1 ? "" : "s", n, n == 1 ? "" : "s");
        explain(msg, len, mock, op, NULL);
    }
    civis__mock_unlock(mock);
    return n == count;
}
