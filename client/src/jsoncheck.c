/*
 * jsoncheck.c: a JSON syntax check that allocates nothing. cJSON returns
 * NULL both for bad JSON and for a failed allocation; checking first tells
 * the two apart (CIVIS_EPARSE vs CIVIS_ENOMEM) and gives the byte where
 * the text stops being JSON, where Python's json would point.
 *
 * It accepts what cJSON accepts and no more: RFC 8259 grammar, at most
 * 1000 levels of nesting (cJSON's limit), \u escapes with paired
 * surrogates.
 */
#include <string.h>

#include "client_internal.h"

#define MAX_DEPTH 1000

/* Byte classes for the two hot loops. The body always has a NUL after its
 * last byte (the response helpers keep one), and NUL is in neither class,
 * so the loops need no length check: they stop at the end by themselves. */
static const unsigned char is_ws[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};

/* 1 for a byte that may stand in a string as it is. */
/* clang-format off */
static const unsigned char plain[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    R16(0), R16(0),                                 /* control characters, NUL included */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20..0x2F: '"' stops */
    R16(1), R16(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50..0x5F: '\\' stops */
    R16(1), R16(1), R16(1), R16(1), R16(1), R16(1), R16(1), R16(1), R16(1), R16(1),
#undef R16
};
/* clang-format on */

typedef struct scan {
    const char *s;
    size_t len;
    size_t pos;
} scan;

static void skip_ws(scan *k)
{
    const unsigned char *p = (const unsigned char *)k->s;
    size_t i = k->pos;
    while (is_ws[p[i]])
        i++;
    k->pos = i < k->len ? i : k->len;
}

static bool at(const scan *k, char c)
{
    return k->pos < k->len && k->s[k->pos] == c;
}

static bool digits(scan *k)
{
    size_t start = k->pos;
    while (k->pos < k->len && k->s[k->pos] >= '0' && k->s[k->pos] <= '9')
        k->pos++;
    return k->pos > start;
}

static bool number(scan *k)
{
    if (at(k, '-'))
        k->pos++;
    if (at(k, '0'))
        k->pos++;
    else if (!digits(k))
        return false;
    if (at(k, '.')) {
        k->pos++;
        if (!digits(k))
            return false;
    }
    if (at(k, 'e') || at(k, 'E')) {
        k->pos++;
        if (at(k, '+') || at(k, '-'))
            k->pos++;
        if (!digits(k))
            return false;
    }
    return true;
}

static int hex4(const scan *k, size_t p)
{
    if (p + 4 > k->len)
        return -1;
    int v = 0;
    for (size_t i = p; i < p + 4; i++) {
        char c = k->s[i];
        int d = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static bool string(scan *k)
{
    k->pos++; /* the opening quote */
    const unsigned char *p = (const unsigned char *)k->s;
    while (k->pos < k->len) {
        /* the common case first: plain characters (stops at the NUL) */
        size_t i = k->pos;
        while (plain[p[i]])
            i++;
        k->pos = i;
        if (k->pos >= k->len)
            return false;
        unsigned char c = p[k->pos];
        if (c == '"') {
            k->pos++;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c != '\\') {
            k->pos++;
            continue;
        }
        if (k->pos + 1 >= k->len)
            return false;
        char e = k->s[k->pos + 1];
        if (e == 'u') {
            /* On failure pos stays at the backslash that starts the escape. */
            size_t esc = k->pos;
            int u = hex4(k, esc + 2);
            if (u < 0 || (u >= 0xDC00 && u <= 0xDFFF))
                return false;
            if (u >= 0xD800 && u <= 0xDBFF) {
                /* a high surrogate needs its low half right after */
                size_t lo_at = esc + 6;
                if (lo_at + 1 >= k->len || k->s[lo_at] != '\\' || k->s[lo_at + 1] != 'u')
                    return false;
                int lo = hex4(k, lo_at + 2);
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return false;
                k->pos = lo_at + 6;
            } else {
                k->pos = esc + 6;
            }
        } else if (strchr("\"\\/bfnrt", e) != NULL && e != '\0') {
            k->pos += 2;
        } else {
            return false;
        }
    }
    return false;
}

static bool literal(scan *k, const char *word)
{
    size_t n = strlen(word);
    if (k->len - k->pos < n || memcmp(k->s + k->pos, word, n) != 0)
        return false;
    k->pos += n;
    return true;
}

static bool value(scan *k, int depth);

static bool container(scan *k, int depth, char close, bool object)
{
    if (depth >= MAX_DEPTH)
        return false;
    k->pos++;
    skip_ws(k);
    if (at(k, close)) {
        k->pos++;
        return true;
    }
    for (;;) {
        if (object) {
            if (!at(k, '"') || !string(k))
                return false;
            skip_ws(k);
            if (!at(k, ':'))
                return false;
            k->pos++;
            skip_ws(k);
        }
        if (!value(k, depth + 1))
            return false;
        skip_ws(k);
        if (at(k, ',')) {
            k->pos++;
            skip_ws(k);
            continue;
        }
        if (at(k, close)) {
            k->pos++;
            return true;
        }
        return false;
    }
}

static bool value(scan *k, int depth)
{
    if (k->pos >= k->len)
        return false;
    size_t start = k->pos;
    bool ok;
    switch (k->s[k->pos]) {
    case '{': return container(k, depth, '}', true);
    case '[': return container(k, depth, ']', false);
    case '"': return string(k);
    case 't': ok = literal(k, "true"); break;
    case 'f': ok = literal(k, "false"); break;
    case 'n': ok = literal(k, "null"); break;
    default: return number(k);
    }
    if (!ok)
        k->pos = start; /* Python points at the start of a bad literal */
    return ok;
}

bool civis__json_check(const char *s, size_t len, size_t *err_offset)
{
    /* The scanner relies on a NUL right after the text (see the tables). */
    if (s[len] != '\0')
        return false;
    scan k = {s, len, 0};
    skip_ws(&k);
    bool ok = value(&k, 0);
    if (ok) {
        skip_ws(&k);
        ok = k.pos == len;
    }
    if (!ok && err_offset != NULL)
        *err_offset = k.pos;
    return ok;
}
