/*
 * fixture_write.c: prints a fixture document the way people read and diff
 * them: two-space indentation, one key per line, keys in the order the
 * document holds them, scalars exactly as cJSON prints them (so the text
 * parses back to the same values).
 */
#include <stdlib.h>
#include <string.h>

#include "civis/sys/fixture.h"

typedef struct out {
    char *s;
    size_t n, cap;
    bool oom;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->oom)
        return;
    if (o->n + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 1024;
        while (cap < o->n + n + 1)
            cap *= 2;
        char *ns = realloc(o->s, cap);
        if (ns == NULL) {
            o->oom = true;
            return;
        }
        o->s = ns;
        o->cap = cap;
    }
    memcpy(o->s + o->n, s, n);
    o->n += n;
    o->s[o->n] = '\0';
}

static void puts_(out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void indent(out *o, int depth)
{
    for (int i = 0; i < depth; i++)
        put(o, "  ", 2);
}

/* A scalar, or an object key, as cJSON prints it. */
static void scalar(out *o, const cJSON *v)
{
    char *t = cJSON_PrintUnformatted(v);
    if (t == NULL) {
        o->oom = true;
        return;
    }
    puts_(o, t);
    free(t);
}

static void key(out *o, const char *name)
{
    cJSON *k = cJSON_CreateString(name);
    if (k == NULL) {
        o->oom = true;
        return;
    }
    scalar(o, k);
    cJSON_Delete(k);
    put(o, ": ", 2);
}

static void value(out *o, const cJSON *v, int depth)
{
    bool obj = cJSON_IsObject(v);
    if (!obj && !cJSON_IsArray(v)) {
        scalar(o, v);
        return;
    }
    if (v->child == NULL) {
        puts_(o, obj ? "{}" : "[]");
        return;
    }
    puts_(o, obj ? "{\n" : "[\n");
    for (const cJSON *c = v->child; c != NULL && !o->oom; c = c->next) {
        indent(o, depth + 1);
        if (obj)
            key(o, c->string ? c->string : "");
        value(o, c, depth + 1);
        puts_(o, c->next != NULL ? ",\n" : "\n");
    }
    indent(o, depth);
    puts_(o, obj ? "}" : "]");
}

char *civis_fixture_print(const cJSON *doc)
{
    if (doc == NULL)
        return NULL;
    out o = {0};
    value(&o, doc, 0);
    puts_(&o, "\n");
    if (o.oom) {
        free(o.s);
        return NULL;
    }
    return o.s;
}
