/*
 * embed.c: compiles the bundled spec into the binaries, so the tools run
 * with no files present and a unit-test mock costs next to nothing to make.
 *
 *   civis-embed FILE PREFIX > out.c
 *
 * defines
 *   const unsigned char PREFIX[]        the file's bytes, NUL-terminated
 *   const size_t PREFIX_len             their length (without the NUL)
 *   const char PREFIX_etag[]            its validator (etag.h), as civis-mock sends it
 *   cJSON *const PREFIX_doc             the same document as a cJSON tree
 *                                       laid out as static data: no parse,
 *                                       no allocation, never freed
 *
 * The tree is what cJSON_Parse would build (same types, numbers, strings,
 * key order, and cJSON's convention that a first child's prev points at the
 * last one), so every cJSON reader works on it unchanged. It must never be
 * passed to cJSON_Delete or modified. Strings are pooled: each distinct one
 * is stored once.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../src/etag.h"

/* ---- string pool: each distinct string once, found by hash --------------- */

typedef struct {
    char **strs;
    size_t *offs;
    size_t n, cap;   /* table slots */
    size_t pool_len; /* bytes written to the pool so far, NULs included */
    char **order;    /* strings in pool order */
    size_t n_order, cap_order;
} pool;

static size_t hash_str(const char *s)
{
    size_t h = (size_t)14695981039346656037ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= (size_t)1099511628211ULL;
    }
    return h;
}

static bool pool_grow(pool *p)
{
    size_t cap = p->cap ? p->cap * 2 : 1 << 16;
    char **strs = calloc(cap, sizeof(*strs));
    size_t *offs = calloc(cap, sizeof(*offs));
    if (strs == NULL || offs == NULL) {
        free(strs);
        free(offs);
        return false;
    }
    for (size_t i = 0; i < p->cap; i++) {
        if (p->strs[i] == NULL)
            continue;
        size_t j = hash_str(p->strs[i]) & (cap - 1);
        while (strs[j] != NULL)
            j = (j + 1) & (cap - 1);
        strs[j] = p->strs[i];
        offs[j] = p->offs[i];
    }
    free(p->strs);
    free(p->offs);
    p->strs = strs;
    p->offs = offs;
    p->cap = cap;
    return true;
}

/* The pool offset of s, adding it when new; SIZE_MAX when out of memory. */
static size_t pool_add(pool *p, char *s)
{
    if (2 * (p->n + 1) > p->cap && !pool_grow(p))
        return SIZE_MAX;
    size_t j = hash_str(s) & (p->cap - 1);
    while (p->strs[j] != NULL) {
        if (strcmp(p->strs[j], s) == 0)
            return p->offs[j];
        j = (j + 1) & (p->cap - 1);
    }
    if (p->n_order == p->cap_order) {
        size_t c = p->cap_order ? p->cap_order * 2 : 1 << 16;
        char **o = realloc(p->order, c * sizeof(*o));
        if (o == NULL)
            return SIZE_MAX;
        p->order = o;
        p->cap_order = c;
    }
    p->order[p->n_order++] = s;
    p->strs[j] = s;
    p->offs[j] = p->pool_len;
    p->n++;
    p->pool_len += strlen(s) + 1;
    return p->offs[j];
}

/* ---- output --------------------------------------------------------------- */

/* Writes bytes as C string literal pieces, 96 source bytes a line. Octal
 * escapes are always three digits (no digit can join them); '?' is escaped
 * against trigraphs, which -std=c11 honours. */
static void put_literal(const unsigned char *s, size_t n)
{
    size_t col = 0;
    fputs("\"", stdout);
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c == '"' || c == '\\' || c == '?')
            col += (size_t)printf("\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            col += (size_t)(putchar((int)c) != EOF);
        else
            col += (size_t)printf("\\%03o", c);
        if (col >= 96 && i + 1 < n) {
            fputs("\"\n\"", stdout);
            col = 0;
        }
    }
    fputs("\"", stdout);
}

typedef struct {
    const cJSON **nodes; /* every node, in the order they are numbered */
    size_t n, cap;
    const cJSON **later; /* nodes whose children are numbered after the rest */
    size_t n_later, cap_later;
} node_list;

static bool push(const cJSON ***arr, size_t *n, size_t *cap, const cJSON *node)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 1 << 12;
        const cJSON **bigger = realloc(*arr, c * sizeof(*bigger));
        if (bigger == NULL)
            return false;
        *arr = bigger;
        *cap = c;
    }
    (*arr)[(*n)++] = node;
    return true;
}

/* What loading the spec walks (paths, parameters, responses) is numbered
 * first and lies together in memory; the recorded examples and the
 * definitions, read only on demand, come after. A first load then touches
 * a compact block instead of one strewn between the examples. */
static bool deferred(const cJSON *node)
{
    return node->string != NULL &&
           (strcmp(node->string, "x-examples") == 0 || strcmp(node->string, "definitions") == 0);
}

static bool number_nodes(node_list *l, const cJSON *node)
{
    for (const cJSON *it = node; it != NULL; it = it->next) {
        if (!push(&l->nodes, &l->n, &l->cap, it))
            return false;
        if (it->child == NULL)
            continue;
        if (deferred(it)) {
            if (!push(&l->later, &l->n_later, &l->cap_later, it))
                return false;
        } else if (!number_nodes(l, it->child)) {
            return false;
        }
    }
    return true;
}

static bool number_all(node_list *l, const cJSON *doc)
{
    if (!number_nodes(l, doc))
        return false;
    for (size_t i = 0; i < l->n_later; i++) /* may grow while we go: nested deferrals */
        if (!number_nodes(l, l->later[i]->child))
            return false;
    return true;
}

/* Node numbers, looked up by address through a sorted copy. */
typedef struct {
    const cJSON *node;
    size_t index;
} node_ref;

static int cmp_ref(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const node_ref *)a)->node,
              y = (uintptr_t)((const node_ref *)b)->node;
    return x < y ? -1 : x > y;
}

static size_t index_of(const node_ref *refs, size_t n, const cJSON *node)
{
    node_ref key = {node, 0};
    const node_ref *r = bsearch(&key, refs, n, sizeof(*refs), cmp_ref);
    return r != NULL ? r->index : SIZE_MAX;
}

static void put_ptr(const char *field, const node_ref *refs, size_t n, const cJSON *node)
{
    if (node != NULL)
        printf(".%s = &N[%zu], ", field, index_of(refs, n, node));
}

static int fail(const char *what)
{
    fprintf(stderr, "civis-embed: %s\n", what);
    return 1;
}

static int emit(const char *file, const char *prefix, const unsigned char *text, size_t len)
{
    cJSON *doc = cJSON_ParseWithLength((const char *)text, len);
    if (doc == NULL)
        return fail("the bundled spec is not valid JSON");
    node_list l = {0};
    pool p = {0};
    node_ref *refs = NULL;
    int rc = 1;
    if (!number_all(&l, doc) || (refs = malloc(l.n * sizeof(*refs))) == NULL) {
        rc = fail("out of memory");
        goto done;
    }
    for (size_t i = 0; i < l.n; i++)
        refs[i] = (node_ref){l.nodes[i], i};
    qsort(refs, l.n, sizeof(*refs), cmp_ref);
    for (size_t i = 0; i < l.n; i++) {
        const cJSON *c = l.nodes[i];
        if ((c->string && pool_add(&p, c->string) == SIZE_MAX) ||
            (c->valuestring && pool_add(&p, c->valuestring) == SIZE_MAX)) {
            rc = fail("out of memory");
            goto done;
        }
    }

    printf("/* generated from %s by civis-embed; do not edit */\n", file);
    printf("#include <stddef.h>\n#include <cjson/cJSON.h>\n\n");
    printf("const unsigned char %s[] =\n", prefix);
    put_literal(text, len);
    char etag[CIVIS_ETAG_LEN];
    civis__etag_of(etag, text, len);
    printf(";\nconst size_t %s_len = %zu;\n", prefix, len);
    printf("const char %s_etag[] = \"\\\"%.16s\\\"\";\n\n", prefix, etag + 1);
    printf("static char S[] =\n");
    /* The pool as one literal: the strings back to back, each with its NUL. */
    char *bytes = malloc(p.pool_len ? p.pool_len : 1);
    if (bytes == NULL) {
        rc = fail("out of memory");
        goto done;
    }
    size_t at = 0;
    for (size_t i = 0; i < p.n_order; i++) {
        size_t k = strlen(p.order[i]) + 1;
        memcpy(bytes + at, p.order[i], k);
        at += k;
    }
    /* The literal adds a NUL of its own after the last string's. */
    put_literal((const unsigned char *)bytes, p.pool_len ? p.pool_len - 1 : 0);
    free(bytes);
    printf(";\n\nstatic cJSON N[%zu] = {\n", l.n);
    for (size_t i = 0; i < l.n; i++) {
        const cJSON *c = l.nodes[i];
        fputs("{", stdout);
        put_ptr("next", refs, l.n, c->next);
        put_ptr("prev", refs, l.n, c->prev);
        put_ptr("child", refs, l.n, c->child);
        printf(".type = %d", c->type);
        if (c->valuestring != NULL)
            printf(", .valuestring = S + %zu", pool_add(&p, c->valuestring));
        if (c->valueint != 0)
            printf(", .valueint = %d", c->valueint);
        if (c->valuedouble != 0)
            printf(", .valuedouble = %.17g", c->valuedouble);
        if (c->string != NULL)
            printf(", .string = S + %zu", pool_add(&p, c->string));
        fputs("},\n", stdout);
    }
    printf("};\n\ncJSON *const %s_doc = &N[0];\n", prefix);
    rc = ferror(stdout) ? fail("write failed") : 0;
done:
    free(refs);
    free(l.nodes);
    free(l.later);
    free(p.strs);
    free(p.offs);
    free(p.order);
    cJSON_Delete(doc);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: civis-embed FILE PREFIX\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (in == NULL) {
        perror(argv[1]);
        return 2;
    }
    size_t cap = 1 << 20, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, in);
        if (n < cap)
            break;
        unsigned char *bigger = realloc(buf, cap * 2);
        if (bigger == NULL)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    bool bad = ferror(in) != 0;
    fclose(in);
    if (buf == NULL || bad) {
        free(buf);
        return fail("cannot read the spec");
    }
    int rc = emit(argv[1], argv[2], buf, n);
    free(buf);
    return rc;
}
