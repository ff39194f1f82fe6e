/*
 * route.c: the server's request router. A segment trie built once at load
 * time from every operation (deprecated ones included: the live API still
 * answers them), so routing a request costs one walk down the path instead
 * of a scan of ~700 templates, and never allocates.
 *
 * Literal segments win over {param} segments ("/users/me" before
 * "/users/{id}"), with backtracking: if the literal branch dead-ends or lacks
 * the verb, the {param} branch is tried. HEAD is routed as GET (libmicrohttpd
 * drops the body of a HEAD reply by itself).
 */
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"
#include "urlenc.h"

#define N_VERBS 5
#define MAX_SEGMENTS 64

static const char *const verbs[N_VERBS] = {"GET", "POST", "PUT", "PATCH", "DELETE"};

struct civis_route_node {
    char *seg; /* literal text of this segment (NULL for a param) */
    size_t seg_len;
    struct civis_route_node **lits; /* literal children, sorted by seg after build */
    size_t n_lits;
    size_t cap_lits;
    struct civis_route_node *param;      /* the {param} child, any name */
    const civis_operation *ops[N_VERBS]; /* operation per verb ending here */
};

static int verb_index(const char *verb)
{
    for (int i = 0; i < N_VERBS; i++)
        if (strcmp(verb, verbs[i]) == 0)
            return i;
    if (strcmp(verb, "HEAD") == 0)
        return 0;
    return -1;
}

static struct civis_route_node *node_new(void)
{
    return calloc(1, sizeof(struct civis_route_node));
}

static void node_free(struct civis_route_node *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; i < n->n_lits; i++)
        node_free(n->lits[i]);
    free(n->lits);
    node_free(n->param);
    free(n->seg);
    free(n);
}

static struct civis_route_node *literal_child(struct civis_route_node *n, const char *seg,
                                              size_t len, bool create)
{
    for (size_t i = 0; i < n->n_lits; i++)
        if (n->lits[i]->seg_len == len && memcmp(n->lits[i]->seg, seg, len) == 0)
            return n->lits[i];
    if (!create)
        return NULL;
    if (n->n_lits == n->cap_lits) {
        size_t cap = n->cap_lits ? n->cap_lits * 2 : 4;
        struct civis_route_node **p = realloc(n->lits, cap * sizeof(*p));
        if (p == NULL)
            return NULL;
        n->lits = p;
        n->cap_lits = cap;
    }
    struct civis_route_node *c = node_new();
    if (c == NULL)
        return NULL;
    c->seg = malloc(len + 1);
    if (c->seg == NULL) {
        free(c);
        return NULL;
    }
    memcpy(c->seg, seg, len);
    c->seg[len] = '\0';
    c->seg_len = len;
    n->lits[n->n_lits++] = c;
    return c;
}

static int cmp_nodes(const void *a, const void *b)
{
    const struct civis_route_node *x = *(struct civis_route_node *const *)a;
    const struct civis_route_node *y = *(struct civis_route_node *const *)b;
    size_t n = x->seg_len < y->seg_len ? x->seg_len : y->seg_len;
    int c = memcmp(x->seg, y->seg, n);
    if (c != 0)
        return c;
    return (x->seg_len > y->seg_len) - (x->seg_len < y->seg_len);
}

static void sort_tree(struct civis_route_node *n)
{
    if (n->n_lits > 1)
        qsort(n->lits, n->n_lits, sizeof(*n->lits), cmp_nodes);
    for (size_t i = 0; i < n->n_lits; i++)
        sort_tree(n->lits[i]);
    if (n->param)
        sort_tree(n->param);
}

static civis_status insert(struct civis_route_node *root, const civis_operation *op,
                           civis_error *err)
{
    int v = verb_index(op->verb);
    if (v < 0)
        return CIVIS_OK; /* a verb we do not serve; the index already checked it */
    struct civis_route_node *n = root;
    const char *p = op->path;
    while (*p == '/')
        p++;
    while (*p != '\0') {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0) {
            if (p[0] == '{') {
                if (n->param == NULL && (n->param = node_new()) == NULL)
                    return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory building routes");
                n = n->param;
            } else if ((n = literal_child(n, p, len, true)) == NULL) {
                return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory building routes");
            }
        }
        p += len;
        while (*p == '/')
            p++;
    }
    /* "/files" and "/files/" are one route; the first operation declared wins. */
    if (n->ops[v] == NULL)
        n->ops[v] = op;
    return CIVIS_OK;
}

civis_status civis__route_build(civis_spec *spec, civis_error *err)
{
    spec->routes = node_new();
    if (spec->routes == NULL)
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory building routes");
    for (size_t i = 0; i < spec->n_ops; i++) {
        civis_status st = insert(spec->routes, &spec->ops[i], err);
        if (st != CIVIS_OK)
            return st;
    }
    sort_tree(spec->routes);
    return CIVIS_OK;
}

void civis__route_free(civis_spec *spec)
{
    node_free(spec->routes);
    spec->routes = NULL;
}

typedef struct segment {
    const char *s;
    size_t len;
} segment;

static const struct civis_route_node *find_literal(const struct civis_route_node *n,
                                                   const segment *seg)
{
    size_t lo = 0, hi = n->n_lits;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const struct civis_route_node *c = n->lits[mid];
        size_t m = c->seg_len < seg->len ? c->seg_len : seg->len;
        int cmp = memcmp(c->seg, seg->s, m);
        if (cmp == 0)
            cmp = (c->seg_len > seg->len) - (c->seg_len < seg->len);
        if (cmp == 0)
            return c;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static bool has_ops(const struct civis_route_node *n)
{
    for (int i = 0; i < N_VERBS; i++)
        if (n->ops[i] != NULL)
            return true;
    return false;
}

/* Depth-first, literal before param. Returns the node that has the verb;
 * remembers in *any the first node that ends the path with other verbs. */
static const struct civis_route_node *match(const struct civis_route_node *n, const segment *segs,
                                            size_t i, size_t count, int v,
                                            const struct civis_route_node **any)
{
    if (i == count) {
        if (n->ops[v] != NULL)
            return n;
        if (*any == NULL && has_ops(n))
            *any = n;
        return NULL;
    }
    const struct civis_route_node *lit = find_literal(n, &segs[i]);
    if (lit != NULL) {
        const struct civis_route_node *r = match(lit, segs, i + 1, count, v, any);
        if (r != NULL)
            return r;
    }
    if (n->param != NULL)
        return match(n->param, segs, i + 1, count, v, any);
    return NULL;
}

/* Pairs the {name} segments of op's template with the concrete segments. */
static bool fill_params(civis_route *out, const civis_operation *op, const segment *segs,
                        size_t count)
{
    const char *p = op->path;
    size_t i = 0;
    out->n_params = 0;
    while (*p == '/')
        p++;
    while (*p != '\0' && i < count) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 2 && p[0] == '{' && p[len - 1] == '}') {
            const char *name = NULL;
            for (size_t k = 0; k < op->n_params; k++) {
                const civis_param *prm = &op->params[k];
                if (prm->in == CIVIS_IN_PATH && strlen(prm->name) == len - 2 &&
                    memcmp(prm->name, p + 1, len - 2) == 0) {
                    name = prm->name;
                    break;
                }
            }
            if (out->n_params == CIVIS_ROUTE_MAX_PARAMS)
                return false;
            /* Decoding never lengthens, so a segment that fits decodes in place. */
            if (segs[i].len >= sizeof(out->params[0].value))
                return false;
            civis__urldecode(out->params[out->n_params].value, segs[i].s, segs[i].len, false);
            out->params[out->n_params].name = name != NULL ? name : "";
            out->n_params++;
        }
        if (len > 0)
            i++;
        p += len;
        while (*p == '/')
            p++;
    }
    return true;
}

civis_status civis_spec_route(civis_route *out, const civis_spec *spec, const char *verb,
                              const char *path, civis_error *err)
{
    memset(out, 0, sizeof(*out));
    if (spec == NULL || verb == NULL || path == NULL || path[0] != '/')
        return civis__fail(err, CIVIS_ENOTFOUND, "path", "no operation at %s",
                           path ? path : "(null)");
    segment segs[MAX_SEGMENTS];
    size_t count = 0;
    const char *p = path + 1;
    size_t total = strlen(p);
    /* One trailing slash is allowed ("/files/"); any other empty segment is not. */
    if (total > 0 && p[total - 1] == '/')
        total--;
    size_t pos = 0;
    while (pos < total) {
        const char *s = p + pos;
        const char *slash = memchr(s, '/', total - pos);
        size_t len = slash ? (size_t)(slash - s) : total - pos;
        if (len == 0 || count == MAX_SEGMENTS)
            return civis__fail(err, CIVIS_ENOTFOUND, "path", "no operation at %s", path);
        segs[count].s = s;
        segs[count].len = len;
        count++;
        pos += len + (slash ? 1 : 0);
        if (slash && pos == total)
            return civis__fail(err, CIVIS_ENOTFOUND, "path", "no operation at %s", path);
    }
    if (count == 0)
        return civis__fail(err, CIVIS_ENOTFOUND, "path", "no operation at %s", path);

    int v = verb_index(verb);
    const struct civis_route_node *any = NULL;
    const struct civis_route_node *hit =
        v >= 0 ? match(spec->routes, segs, 0, count, v, &any) : NULL;
    if (hit != NULL) {
        out->op = hit->ops[v];
        if (!fill_params(out, out->op, segs, count)) {
            memset(out, 0, sizeof(*out));
            return civis__fail(err, CIVIS_ENOTFOUND, "path",
                               "no operation at %s (a path segment is too long or badly encoded)",
                               path);
        }
        return CIVIS_OK;
    }
    if (v < 0) {
        /* An unknown verb: find whether the path exists with any verb. */
        for (int k = 0; k < N_VERBS && any == NULL; k++) {
            const struct civis_route_node *h = match(spec->routes, segs, 0, count, k, &any);
            if (h != NULL)
                any = h;
        }
    }
    if (any == NULL)
        return civis__fail(err, CIVIS_ENOTFOUND, "path", "no operation at %s", path);
    size_t used = 0;
    for (int k = 0; k < N_VERBS; k++) {
        if (any->ops[k] == NULL)
            continue;
        size_t need = strlen(verbs[k]) + (used ? 2 : 0);
        if (used + need + 1 > sizeof(out->allow))
            break;
        if (used) {
            memcpy(out->allow + used, ", ", 2);
            used += 2;
        }
        memcpy(out->allow + used, verbs[k], strlen(verbs[k]));
        used += strlen(verbs[k]);
    }
    out->allow[used] = '\0';
    return civis__fail(err, CIVIS_EMETHOD, "method", "%s is not allowed on %s (allowed: %s)", verb,
                       path, out->allow);
}
