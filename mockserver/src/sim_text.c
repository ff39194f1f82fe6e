/*
 * sim_text.c: the request's own bytes of a top-level member, as raw JSON.
 *
 * A large value the simulation stores as text (sim_store.c) already came
 * in as text: the request body the answering core parsed. Cutting the
 * member's bytes out of the body is one cheap scan and a copy, where
 * printing the parsed tree again would cost another parse's worth.
 *
 * The scan is strict JSON, stricter than cJSON (which lets through
 * leading '+' and zeros, bare control bytes as whitespace and more): a
 * value outside the grammar is reported, and the caller prints the parsed
 * tree instead, so the text stored is always valid JSON.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define MAX_DEPTH 64

typedef struct scan {
    const unsigned char *p, *end;
    bool ws; /* whitespace seen between tokens: the copy must drop it */
} scan;

/* Bytes <= ' ' between tokens: what cJSON skips (JSON's four, and more). */
static void skip_ws(scan *s)
{
    const unsigned char *p = s->p;
    while (p < s->end && *p <= ' ')
        p++;
    if (p != s->p)
        s->ws = true;
    s->p = p;
}

/* A byte of every word lane is zero (the classic SWAR test). */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
static uint64_t zero_lanes(uint64_t w)
{
    return (w - ONES) & ~w & HIGHS;
}

/* A string from its opening quote; escapes checked, control bytes refused.
 * Runs of plain bytes go eight at a time. */
static bool string(scan *s)
{
    const unsigned char *p = s->p + 1, *end = s->end;
    for (;;) {
        while (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            /* '"', '\\' or a byte below 0x20 in any lane */
            if (zero_lanes(w ^ (ONES * '"')) | zero_lanes(w ^ (ONES * '\\')) |
                zero_lanes(w & (ONES * 0xE0)))
                break;
            p += 8;
        }
        if (p >= end)
            return false;
        unsigned char c = *p;
        if (c == '"') {
            s->p = p + 1;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c != '\\') {
            p++;
            continue;
        }
        if (end - p < 2)
            return false;
        c = p[1];
        if (c == 'u') {
            if (end - p < 6)
                return false;
            for (int i = 2; i < 6; i++) {
                unsigned char h = p[i];
                if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
                    return false;
            }
            p += 6;
        } else if (strchr("\"\\/bfnrt", c) != NULL && c != '\0') {
            p += 2;
        } else {
            return false;
        }
    }
}

static bool digits(scan *s)
{
    const unsigned char *p = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
        s->p++;
    return s->p != p;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool number(scan *s)
{
    if (*s->p == '-')
        s->p++;
    if (s->p >= s->end)
        return false;
    if (*s->p == '0')
        s->p++;
    else if (!digits(s))
        return false;
    if (s->p < s->end && *s->p == '.') {
        s->p++;
        if (!digits(s))
            return false;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        if (!digits(s))
            return false;
    }
    return true;
}

static bool literal(scan *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return false;
    s->p += n;
    return true;
}

static bool value(scan *s, int depth);

/* An object or array from its opening bracket. */
static bool container(scan *s, int depth)
{
    bool object = *s->p == '{';
    unsigned char close = object ? '}' : ']';
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return true;
    }
    for (;;) {
        if (object) {
            if (s->p >= s->end || *s->p != '"' || !string(s))
                return false;
            skip_ws(s);
            if (s->p >= s->end || *s->p != ':')
                return false;
            s->p++;
            skip_ws(s);
        }
        if (!value(s, depth + 1))
            return false;
        skip_ws(s);
        if (s->p >= s->end)
            return false;
        if (*s->p == close) {
            s->p++;
            return true;
        }
        if (*s->p != ',')
            return false;
        s->p++;
        skip_ws(s);
    }
}

static bool value(scan *s, int depth)
{
    if (s->p >= s->end || depth > MAX_DEPTH)
        return false;
    switch (*s->p) {
    case '"': return string(s);
    case '{':
    case '[': return container(s, depth);
    case 't': return literal(s, "true");
    case 'f': return literal(s, "false");
    case 'n': return literal(s, "null");
    default: return number(s);
    }
}

void civis__sim_members_init(sim_members *m, const char *text, size_t len)
{
    memset(m, 0, sizeof(*m));
    if (text == NULL)
        return;
    scan s = {(const unsigned char *)text, (const unsigned char *)text + len, false};
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{')
        return;
    s.p++;
    m->text = text;
    m->len = len;
    m->pos = (size_t)((const char *)s.p - text);
    m->ok = true;
}

bool civis__sim_members_next(sim_members *m, const char *key)
{
    if (!m->ok || key == NULL)
        return false;
    scan s = {(const unsigned char *)m->text + m->pos, (const unsigned char *)m->text + m->len,
              false};
    m->ok = false;
    skip_ws(&s);
    if (m->count > 0) {
        if (s.p >= s.end || *s.p != ',')
            return false;
        s.p++;
        skip_ws(&s);
    }
    if (s.p >= s.end || *s.p != '"')
        return false;
    const unsigned char *name = s.p + 1;
    if (!string(&s))
        return false;
    /* The member must be the child the caller holds: the same name, where
     * it is written without escapes. */
    size_t n = (size_t)(s.p - 1 - name);
    if (memchr(name, '\\', n) == NULL && (strlen(key) != n || memcmp(name, key, n) != 0))
        return false;
    skip_ws(&s);
    if (s.p >= s.end || *s.p != ':')
        return false;
    s.p++;
    skip_ws(&s);
    const unsigned char *start = s.p;
    s.ws = false;
    if (!value(&s, 1))
        return false;
    m->off = (size_t)((const char *)start - m->text);
    m->vlen = (size_t)(s.p - start);
    m->ws = s.ws;
    m->pos = (size_t)((const char *)s.p - m->text);
    m->count++;
    m->ok = true;
    return true;
}

cJSON *civis__sim_raw_text(const char *text, size_t len, bool ws)
{
    char *buf = cJSON_malloc(len + 1);
    cJSON *raw = buf ? cJSON_CreateRaw("") : NULL;
    if (raw == NULL) {
        cJSON_free(buf);
        return NULL;
    }
    size_t o = 0;
    if (!ws) {
        memcpy(buf, text, len);
        o = len;
    } else {
        /* Whitespace between tokens goes, as a printed value has none;
         * inside strings every byte stays. */
        bool in_string = false;
        for (size_t i = 0; i < len; i++) {
            char c = text[i];
            if (in_string) {
                buf[o++] = c;
                if (c == '\\' && i + 1 < len)
                    buf[o++] = text[++i];
                else if (c == '"')
                    in_string = false;
            } else if ((unsigned char)c > ' ') {
                buf[o++] = c;
                in_string = c == '"';
            }
        }
    }
    buf[o] = '\0';
    cJSON_free(raw->valuestring);
    raw->valuestring = buf;
    return raw;
}
