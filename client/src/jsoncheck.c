/*
 * jsoncheck.c: a JSON syntax check that allocates nothing. cJSON returns
 * NULL both for bad JSON and for a failed allocation; checking first tells
 * the two apart (CIVIS_EPARSE vs CIVIS_ENOMEM) and gives the byte where
 * the text stops being JSON, where Python's json would point.
 *
 * It accepts what cJSON accepts and no more: RFC 8259 grammar, at most
 * 1000 levels of nesting (cJSON's limit), \u escapes with paired
 * surrogates. It runs on every response, so it is one loop with an
 * explicit stack rather than a recursive descent, and it leans on the NUL
 * that always follows a body: NUL belongs to no byte class below, so every
 * scan stops at the end without a length check.
 */
#include <string.h>

#include "client_internal.h"

#define MAX_DEPTH 1000

static const unsigned char is_ws[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};
static const unsigned char is_digit[256] = {['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1,
                                            ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1};

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

static int hex4(const unsigned char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        int d = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (d < 0)
            return -1; /* also stops at the NUL: never reads past it */
        v = v * 16 + d;
    }
    return v;
}

/* Scans a string whose opening quote is at *i; on failure *i is where. */
static bool string(const unsigned char *p, size_t *i)
{
    size_t k = *i + 1;
    for (;;) {
        while (plain[p[k]])
            k++;
        if (p[k] == '"') {
            *i = k + 1;
            return true;
        }
        if (p[k] != '\\') { /* a control character, or the end */
            *i = k;
            return false;
        }
        unsigned char e = p[k + 1];
        if (e == 'u') {
            int u = hex4(p + k + 2);
            if (u < 0 || (u >= 0xDC00 && u <= 0xDFFF)) {
                *i = k;
                return false;
            }
            if (u >= 0xD800 && u <= 0xDBFF) {
                /* a high surrogate needs its low half right after */
                int lo = (p[k + 6] == '\\' && p[k + 7] == 'u') ? hex4(p + k + 8) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    *i = k;
                    return false;
                }
                k += 12;
            } else {
                k += 6;
            }
        } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                   e == 'r' || e == 't') {
            k += 2;
        } else {
            *i = k;
            return false;
        }
    }
}

static bool number(const unsigned char *p, size_t *i)
{
    size_t k = *i;
    if (p[k] == '-')
        k++;
    if (p[k] == '0') {
        k++;
    } else if (is_digit[p[k]]) {
        while (is_digit[p[k]])
            k++;
    } else {
        *i = k;
        return false;
    }
    if (p[k] == '.') {
        k++;
        if (!is_digit[p[k]]) {
            *i = k;
            return false;
        }
        while (is_digit[p[k]])
            k++;
    }
    if (p[k] == 'e' || p[k] == 'E') {
        k++;
        if (p[k] == '+' || p[k] == '-')
            k++;
        if (!is_digit[p[k]]) {
            *i = k;
            return false;
        }
        while (is_digit[p[k]])
            k++;
    }
    *i = k;
    return true;
}

static bool literal(const unsigned char *p, size_t *i, const char *word, size_t n)
{
    /* Python points at the start of a bad literal; so does this. strncmp,
     * not memcmp: a body ending in "nu" is followed only by its NUL, and
     * memcmp may read all n bytes whatever the first ones were. */
    if (strncmp((const char *)p + *i, word, n) != 0)
        return false;
    *i += n;
    return true;
}

bool civis__json_check(const char *s, size_t len, size_t *err_offset)
{
    const unsigned char *p = (const unsigned char *)s;
    char stack[MAX_DEPTH]; /* '{' or '[' for each open container */
    size_t depth = 0;
    size_t i = 0;
    bool ok = false;
    /* The scanner relies on a NUL right after the text (see above). */
    if (s[len] != '\0')
        goto done;
    while (is_ws[p[i]])
        i++;
    for (;;) {
        /* a value starts at i */
        switch (p[i]) {
        case '{':
        case '[':
            if (depth == MAX_DEPTH)
                goto done;
            stack[depth++] = (char)p[i++];
            while (is_ws[p[i]])
                i++;
            if (p[i] == (stack[depth - 1] == '{' ? '}' : ']')) {
                i++;
                depth--;
                break; /* an empty container is a whole value */
            }
            if (stack[depth - 1] == '{')
                goto key;
            continue; /* the first element */
        case '"':
            if (!string(p, &i))
                goto done;
            break;
        case 't':
            if (!literal(p, &i, "true", 4))
                goto done;
            break;
        case 'f':
            if (!literal(p, &i, "false", 5))
                goto done;
            break;
        case 'n':
            if (!literal(p, &i, "null", 4))
                goto done;
            break;
        default:
            if (!number(p, &i))
                goto done;
            break;
        }
        /* after a value: close containers, or move to the next element */
        for (;;) {
            while (is_ws[p[i]])
                i++;
            if (depth == 0) {
                ok = i == len;
                goto done;
            }
            char close = stack[depth - 1] == '{' ? '}' : ']';
            if (p[i] == close) {
                i++;
                depth--;
                continue;
            }
            if (p[i] != ',')
                goto done;
            i++;
            while (is_ws[p[i]])
                i++;
            break;
        }
        if (stack[depth - 1] == '[')
            continue;
    key:
        if (p[i] != '"' || !string(p, &i))
            goto done;
        while (is_ws[p[i]])
            i++;
        if (p[i] != ':')
            goto done;
        i++;
        while (is_ws[p[i]])
            i++;
    }
done:
    if (!ok && err_offset != NULL)
        *err_offset = i < len ? i : len;
    return ok;
}
