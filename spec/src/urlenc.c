/*
 * urlenc.c: percent-encoding and decoding, byte by byte, with no locale and
 * no allocation beyond the caller's buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "urlenc.h"

static bool grow(civis_urlbuf *b, size_t extra)
{
    if (b->oom)
        return false;
    if (extra > (size_t)-1 / 2 - b->len) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (p == NULL) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

bool civis__urlbuf_append(civis_urlbuf *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return false;
    if (n > 0)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

bool civis__urlbuf_puts(civis_urlbuf *b, const char *s)
{
    return civis__urlbuf_append(b, s, strlen(s));
}

char *civis__urlbuf_take(civis_urlbuf *b)
{
    if (!b->oom && b->data == NULL)
        grow(b, 0);
    if (b->oom) {
        civis__urlbuf_free(b);
        return NULL;
    }
    b->data[b->len] = '\0';
    char *out = b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return out;
}

void civis__urlbuf_free(civis_urlbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

static bool unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

bool civis__urlenc_append(civis_urlbuf *b, const char *s, size_t n, civis_urlenc_mode mode)
{
    static const char hex[] = "0123456789ABCDEF";
    /* Worst case triples the input: reserve once instead of per byte. */
    if (n > (size_t)-1 / 4 || !grow(b, n * 3)) {
        b->oom = true;
        return false;
    }
    char *o = b->data + b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c)) {
            *o++ = (char)c;
        } else if (c == ' ' && mode == CIVIS_URLENC_QUERY) {
            *o++ = '+';
        } else {
            *o++ = '%';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t civis__urldecode(char *out, const char *s, size_t n, bool plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < n) {
            int hi = hexval(s[i + 1]);
            int lo = hexval(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out[o++] = (char)(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out[o++] = (c == '+' && plus_is_space) ? ' ' : c;
    }
    out[o] = '\0';
    return o;
}
