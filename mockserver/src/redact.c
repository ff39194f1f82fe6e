/*
 * redact.c: what civis-mock writes about a request must never show an API
 * key in clear, nor hand a terminal the raw bytes of a hostile request line.
 *
 * Keys reach the admin API in three places: a top-level "api_key" field of
 * a stub or fault body, the ?api_key= filter of journal and simulation
 * reads, and (by mistake) an Authorization header with no scheme. auth.c
 * never echoes the last; the first two are replaced here by the masked form
 * cmock__key_mask gives ("ab…#1f2e3d4c") before a body or query is
 * journaled or logged.
 */
#include <stdlib.h>
#include <string.h>

#include "../../spec/src/urlenc.h"
#include "mock.h"

/* From libcivis_spec (spec/src/schema_check.c): the length of the
 * well-formed UTF-8 sequence at s (n > 0 bytes left), 1 to 4, or 0. */
size_t civis__utf8_seq(const unsigned char *s, size_t n);

/* The spec engine's growable string (spec/src/urlenc.h): appends after a
 * failed allocation are no-ops and civis__urlbuf_take then gives NULL. */
static void put(civis_urlbuf *b, const char *s, size_t n)
{
    civis__urlbuf_append(b, s, n);
}

static void put_mask(civis_urlbuf *b, const char *key, size_t n)
{
    char *k = strndup(key, n);
    if (k == NULL) {
        b->oom = true;
        return;
    }
    char mask[64];
    cmock__key_mask(mask, sizeof(mask), k);
    free(k);
    put(b, mask, strlen(mask));
}

char *cmock__redact_query(const char *query)
{
    civis_urlbuf b = {0};
    const char *p = query;
    while (*p != '\0') {
        size_t n = strcspn(p, "&;");
        const char *eq = memchr(p, '=', n);
        static const char name[] = "api_key";
        if (eq != NULL && (size_t)(eq - p) == sizeof(name) - 1 &&
            memcmp(p, name, sizeof(name) - 1) == 0 && eq + 1 < p + n) {
            put(&b, p, (size_t)(eq + 1 - p));
            put_mask(&b, eq + 1, (size_t)(p + n - eq - 1));
        } else {
            put(&b, p, n);
        }
        p += n;
        if (*p != '\0')
            put(&b, p++, 1);
    }
    return civis__urlbuf_take(&b);
}

/* The end of the JSON string whose opening quote is at s[0]: the index of
 * its closing quote, or 0 when it does not close within n bytes. */
static size_t string_end(const char *s, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"')
            return i;
    }
    return 0;
}

char *cmock__redact_body(const char *body, size_t len)
{
    static const char name[] = "\"api_key\"";
    const size_t nl = sizeof(name) - 1;
    civis_urlbuf b = {0};
    size_t i = 0, copied = 0;
    while (i + nl <= len) {
        if (memcmp(body + i, name, nl) != 0) {
            i++;
            continue;
        }
        size_t j = i + nl;
        while (j < len && (body[j] == ' ' || body[j] == '\t' || body[j] == '\n' || body[j] == '\r'))
            j++;
        if (j >= len || body[j] != ':') {
            i = j;
            continue;
        }
        j++;
        while (j < len && (body[j] == ' ' || body[j] == '\t' || body[j] == '\n' || body[j] == '\r'))
            j++;
        if (j >= len || body[j] != '"') {
            i = j;
            continue;
        }
        size_t end = string_end(body + j, len - j);
        /* A value cut off by the journal's body cap is masked to the end. */
        size_t vlen = end ? end - 1 : len - j - 1;
        put(&b, body + copied, j + 1 - copied);
        put_mask(&b, body + j + 1, vlen);
        if (end) {
            put(&b, "\"", 1);
            copied = j + end + 1;
        } else {
            copied = len;
        }
        i = copied;
    }
    put(&b, body + copied, len - copied);
    return civis__urlbuf_take(&b);
}

char *cmock__log_escape(const char *s)
{
    static const char hex[] = "0123456789abcdef";
    civis_urlbuf b = {0};
    const unsigned char *p = (const unsigned char *)s;
    size_t left = strlen(s);
    while (left > 0) {
        size_t n = 0;
        if (*p >= 0x80)
            n = civis__utf8_seq(p, left); /* whole UTF-8 characters pass, stray bytes do not */
        else if (*p >= 0x20 && *p != 0x7f && *p != '\\')
            n = 1;
        if (n > 0) {
            put(&b, (const char *)p, n);
        } else if (*p == '\\') {
            put(&b, "\\\\", 2);
            n = 1;
        } else {
            char esc[4] = {'\\', 'x', hex[*p >> 4], hex[*p & 15]};
            put(&b, esc, 4);
            n = 1;
        }
        p += n;
        left -= n;
    }
    return civis__urlbuf_take(&b);
}
