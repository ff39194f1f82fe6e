/*
 * civis-spec: lists the methods a spec gives, one line each, as the official
 * client names them.
 *
 *   civis-spec [--spec FILE] [--all] [RESOURCE]
 *
 *   users get_me GET /users/me
 *   users list_me GET /users/me [deprecated: alias of get_me]
 *   users list GET /users/ [paginated]
 *
 * --all also lists the operations that get no method:
 *   scripts - DELETE /scripts/{id} [skipped: deprecated]
 *
 * The spec is FILE, else $CIVIS_API_SPEC, else the bundled one. Exit status:
 * 0 listed, 1 output failed, 2 bad flag, unknown resource or unloadable spec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civis/spec.h"

static void usage(FILE *out)
{
    fputs("usage: civis-spec [--spec FILE] [--all] [RESOURCE]\n"
          "\n"
          "Lists the methods of the Civis API as the official client names them,\n"
          "one per line: resource method VERB /path, with markers\n"
          "  [paginated]                   GET with limit and page_num\n"
          "  [deprecated: alias of NAME]   legacy list_* name kept for NAME\n"
          "  [warning]                     the spec attaches a deprecation warning\n"
          "\n"
          "  --spec FILE  read FILE (default: $CIVIS_API_SPEC, else the bundled spec)\n"
          "  --all        also list operations that get no method, as\n"
          "               resource - VERB /path [skipped: REASON]\n"
          "  --help       show this text\n"
          "  RESOURCE     list only this resource (e.g. scripts)\n",
          out);
}

static void print_method(const char *resource, const char *name, bool is_alias,
                         const civis_operation *op)
{
    printf("%s %s %s %s", resource, name, op->verb, op->path);
    if (op->paginated)
        printf(" [paginated]");
    if (is_alias)
        printf(" [deprecated: alias of %s]", op->method);
    if (op->deprecation_warning != NULL)
        printf(" [warning]");
    putchar('\n');
}

/* Why the official client gives an operation no method. */
static const char *skip_reason(const civis_operation *op)
{
    return strncmp(op->path + (op->path[0] == '/'), "feature_flags", 13) == 0 ? "excluded resource"
                                                                              : "deprecated";
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Operations without a method, by resource then document order. */
static int cmp_op(const void *a, const void *b)
{
    const civis_operation *x = *(const civis_operation *const *)a;
    const civis_operation *y = *(const civis_operation *const *)b;
    int c = strcmp(x->resource, y->resource);
    return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

/*
 * Prints the listing. The method table is sorted by resource, so one cursor
 * walks it alongside the sorted resource list; with --all each resource's
 * skipped operations follow its methods.
 */
static int list(const civis_spec *spec, const char *only, bool all)
{
    size_t n_ops = civis_spec_operation_count(spec);
    const char **resources = malloc((n_ops ? n_ops : 1) * sizeof(*resources));
    const civis_operation **skipped = malloc((n_ops ? n_ops : 1) * sizeof(*skipped));
    if (resources == NULL || skipped == NULL) {
        free(resources);
        free(skipped);
        fprintf(stderr, "civis-spec: out of memory\n");
        return 2;
    }
    size_t n_res = 0, n_skipped = 0;
    for (size_t i = 0; i < n_ops; i++) {
        const civis_operation *op = civis_spec_operation_at(spec, i);
        resources[n_res++] = op->resource;
        if (op->method == NULL)
            skipped[n_skipped++] = op;
    }
    qsort(resources, n_res, sizeof(*resources), cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < n_res; i++)
        if (u == 0 || strcmp(resources[u - 1], resources[i]) != 0)
            resources[u++] = resources[i];
    n_res = u;
    qsort(skipped, n_skipped, sizeof(*skipped), cmp_op);

    int rc = 0;
    if (only != NULL && bsearch(&only, resources, n_res, sizeof(*resources), cmp_str) == NULL) {
        const char *hint = civis_suggest(only, resources, n_res);
        if (hint != NULL)
            fprintf(stderr, "civis-spec: no resource '%s' (did you mean '%s'?)\n", only, hint);
        else
            fprintf(stderr, "civis-spec: no resource '%s'\n", only);
        rc = 2;
        goto done;
    }
    size_t m = 0, k = 0, n_methods = civis_spec_method_count(spec);
    for (size_t r = 0; r < n_res; r++) {
        const char *res = resources[r];
        bool show = only == NULL || strcmp(only, res) == 0;
        for (; m < n_methods; m++) {
            const char *mres = NULL, *name = NULL;
            bool is_alias = false;
            const civis_operation *op = civis_spec_method_at(spec, m, &mres, &name, &is_alias);
            if (strcmp(mres, res) != 0)
                break;
            if (show)
                print_method(mres, name, is_alias, op);
        }
        for (; k < n_skipped && strcmp(skipped[k]->resource, res) == 0; k++)
            if (show && all)
                printf("%s - %s %s [skipped: %s]\n", res, skipped[k]->verb, skipped[k]->path,
                       skip_reason(skipped[k]));
    }
done:
    free(resources);
    free(skipped);
    return rc;
}

int main(int argc, char **argv)
{
    const char *spec_path = NULL, *only = NULL;
    bool all = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--all") == 0) {
            all = true;
        } else if (strcmp(a, "--spec") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "civis-spec: --spec needs a FILE argument\n");
                return 2;
            }
            spec_path = argv[++i];
        } else if (strncmp(a, "--spec=", 7) == 0) {
            spec_path = a + 7;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "civis-spec: unknown option '%s' (try --help)\n", a);
            return 2;
        } else if (only != NULL) {
            fprintf(stderr, "civis-spec: one RESOURCE at most, got '%s' and '%s'\n", only, a);
            return 2;
        } else {
            only = a;
        }
    }

    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = spec_path != NULL ? civis_spec_load_file(&spec, spec_path, &err)
                                        : civis_spec_load_default(&spec, &err);
    if (st != CIVIS_OK) {
        fprintf(stderr, "civis-spec: %s\n", err.message);
        return 2;
    }
    int rc = list(spec, only, all);
    if (rc == 0 && (fflush(stdout) != 0 || ferror(stdout))) {
        fprintf(stderr, "civis-spec: cannot write the listing\n");
        rc = 1;
    }
    civis_spec_free(spec);
    return rc;
}
