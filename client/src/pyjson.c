/*
 * pyjson.c: JSON text exactly as the official client puts it on the wire
 * (Python's json.dumps defaults, which requests uses): ", " and ": "
 * separators, non-ASCII characters as \uXXXX escapes (surrogate pairs
 * above U+FFFF), integral numbers without a fraction. Sending the same
 * bytes keeps recorded fixtures and server journals interchangeable with
 * the official client's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

typedef struct buf {
    char *data;
    size_t len, cap;
    bool oom; /* an allocation failed */
    bool bad; /* NaN / infinity, or nesting too deep */
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = civis__realloc(b->data, cap);
        if (d == NULL) {
            b->oom = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Decodes one UTF-8 sequence; invalid bytes come back as U+FFFD. */
static unsigned long utf8_next(const unsigned char **p)
{
    const unsigned char *s = *p;
    unsigned long cp;
    int extra;
    if (s[0] < 0x80) {
        *p = s + 1;
        return s[0];
    } else if ((s[0] & 0xE0) == 0xC0) {
        cp = s[0] & 0x1F;
        extra = 1;
    } else if ((s[0] & 0xF0) == 0xE0) {
        cp = s[0] & 0x0F;
        extra = 2;
    } else if ((s[0] & 0xF8) == 0xF0) {
        cp = s[0] & 0x07;
        extra = 3;
    } else {
        *p = s + 1;
        return 0xFFFD;
    }
    for (int i = 1; i <= extra; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *p = s + 1;
            return 0xFFFD;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    *p = s + 1 + extra;
    /* UTF-8 never encodes a surrogate (ED A0 80 is U+D800 only in CESU-8);
     * passed through, it would go out as a lone "\ud800", which neither
     * cJSON nor our JSON check reads back. */
    return cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFD : cp;
}

static void put_string(buf *b, const char *str)
{
    put(b, "\"", 1);
    const unsigned char *p = (const unsigned char *)str;
    char esc[16];
    while (*p) {
        /* A run of printable ASCII that needs no escape goes in at once. */
        const unsigned char *run = p;
        while (*p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\')
            p++;
        if (p > run)
            put(b, (const char *)run, (size_t)(p - run));
        if (*p == '\0')
            break;
        unsigned long c = utf8_next(&p);
        switch (c) {
        case '"': puts_(b, "\\\""); continue;
        case '\\': puts_(b, "\\\\"); continue;
        case '\n': puts_(b, "\\n"); continue;
        case '\r': puts_(b, "\\r"); continue;
        case '\t': puts_(b, "\\t"); continue;
        case '\b': puts_(b, "\\b"); continue;
        case '\f': puts_(b, "\\f"); continue;
        default: break;
        }
        if (c < 0x20 || (c >= 0x7F && c < 0x10000)) {
            snprintf(esc, sizeof(esc), "\\u%04lx", c);
            puts_(b, esc);
        } else if (c >= 0x10000) {
            c -= 0x10000;
            snprintf(esc, sizeof(esc), "\\u%04lx\\u%04lx", 0xD800 + (c >> 10),
                     0xDC00 + (c & 0x3FF));
            puts_(b, esc);
        } else {
            char ch = (char)c;
            put(b, &ch, 1);
        }
    }
    put(b, "\"", 1);
}

static void put_number(buf *b, double d)
{
    char num[40];
    if (!isfinite(d)) {
        /* allow_nan=False in requests: such a body cannot be sent. */
        b->bad = true;
        return;
    }
    if (floor(d) == d && fabs(d) < 9e15) {
        snprintf(num, sizeof(num), "%lld", (long long)d);
    } else {
        /* Python's repr: the shortest text that reads back the same. */
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(num, sizeof(num), "%.*g", prec, d);
            if (strtod(num, NULL) == d)
                break;
        }
    }
    puts_(b, num);
}

static void put_value(buf *b, const cJSON *v, int depth)
{
    if (depth > 512) {
        b->bad = true;
        return;
    }
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        bool obj = cJSON_IsObject(v);
        put(b, obj ? "{" : "[", 1);
        for (const cJSON *c = v->child; c != NULL; c = c->next) {
            if (c != v->child)
                put(b, ", ", 2);
            if (obj) {
                put_string(b, c->string ? c->string : "");
                put(b, ": ", 2);
            }
            put_value(b, c, depth + 1);
        }
        put(b, obj ? "}" : "]", 1);
    } else if (cJSON_IsString(v)) {
        put_string(b, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        put_number(b, v->valuedouble);
    } else if (cJSON_IsTrue(v)) {
        puts_(b, "true");
    } else if (cJSON_IsFalse(v)) {
        puts_(b, "false");
    } else if (cJSON_IsRaw(v)) {
        puts_(b, v->valuestring ? v->valuestring : "null");
    } else {
        puts_(b, "null");
    }
}

civis_status civis__pyjson(char **out, size_t *len, const cJSON *v, civis_error *err)
{
    buf b = {0};
    *out = NULL;
    put_value(&b, v, 0);
    if (b.bad || b.oom || b.data == NULL) {
        civis__free(b.data);
        if (b.bad)
            return civis__fail(err, CIVIS_EINVAL, "body",
                               "the body holds a number JSON cannot carry (NaN or infinity) or "
                               "nests deeper than 512 levels");
        return civis__fail(err, CIVIS_ENOMEM, "body", "out of memory printing the body");
    }
    *out = b.data;
    *len = b.len;
    return CIVIS_OK;
}
