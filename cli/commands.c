/*
 * commands.c: the command table. One command per operation of the spec,
 * named as the official CLI names it (its make_operation_name: the
 * library's rule with legacy naming, so a GET whose last path segment is
 * literal is always list-*, and deprecated operations are kept), in
 * kebab-case. Where the library names the operation otherwise (get_me for
 * list-me) that name is accepted too, so every method of libcivis is also a
 * command.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void civis__cli_kebab(char *buf, size_t len, const char *snake)
{
    size_t i = 0;
    for (; snake[i] != '\0' && i + 1 < len; i++)
        buf[i] = snake[i] == '_' ? '-' : snake[i];
    buf[i] = '\0';
}

/* Appends `part` (n bytes) to buf with a '-' before it unless buf is empty. */
static void add_part(char *buf, size_t len, const char *part, size_t n)
{
    size_t used = strlen(buf);
    if (used > 0 && used + 1 < len)
        buf[used++] = '-';
    for (size_t i = 0; i < n && used + 1 < len; i++)
        buf[used++] = (part[i] == '_') ? '-' : part[i];
    buf[used] = '\0';
}

/*
 * parse_method_name with legacy naming: walk the segments after the
 * resource, keep literal ones and a {param} only when the segment before it
 * was a {param} too; the verb prefix is the verb, except GET: get when the
 * path ends in {param}, list otherwise.
 */
void civis__cli_op_name(char *buf, size_t len, const civis_operation *op)
{
    char parts[256] = "";
    const char *p = op->path;
    while (*p == '/')
        p++;
    const char *seg_end = strchr(p, '/'); /* skip the resource segment */
    bool prev_param = false, last_param = false;
    p = seg_end != NULL ? seg_end : p + strlen(p);
    while (*p != '\0') {
        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        const char *end = strchr(p, '/');
        size_t n = end != NULL ? (size_t)(end - p) : strlen(p);
        bool is_param = n >= 2 && p[0] == '{' && p[n - 1] == '}';
        if (!is_param)
            add_part(parts, sizeof parts, p, n);
        else if (prev_param)
            add_part(parts, sizeof parts, p + 1, n - 2);
        prev_param = last_param = is_param;
        p += n;
    }
    char verb[8] = "";
    if (strcmp(op->verb, "GET") == 0) {
        strcpy(verb, last_param ? "get" : "list");
    } else {
        size_t i = 0;
        for (; op->verb[i] != '\0' && i + 1 < sizeof verb; i++)
            verb[i] = (char)(op->verb[i] | 0x20); /* ASCII lower case */
        verb[i] = '\0';
    }
    buf[0] = '\0';
    add_part(buf, len, verb, strlen(verb));
    if (parts[0] != '\0')
        add_part(buf, len, parts, strlen(parts));
}

static int cmp_cmd(const void *a, const void *b)
{
    const cli_command *x = a, *y = b;
    int c = strcmp(x->resource, y->resource);
    return c != 0 ? c : strcmp(x->name, y->name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The table's own copy of a resource name, added once. */
static const char *intern_resource(cli_table *t, const char *kebab)
{
    for (size_t i = 0; i < t->n_resources; i++)
        if (strcmp(t->resources[i], kebab) == 0)
            return t->resources[i];
    char *copy = strdup(kebab);
    if (copy == NULL)
        return NULL;
    t->resources[t->n_resources++] = copy;
    return copy;
}

/* A library name kept as an alternative when it differs from the command's. */
static bool add_alt(cli_command *c, const char *snake)
{
    if (snake == NULL)
        return true;
    char kebab[256];
    civis__cli_kebab(kebab, sizeof kebab, snake);
    if (strcmp(kebab, c->name) == 0 || (c->alt[0] != NULL && strcmp(kebab, c->alt[0]) == 0))
        return true;
    char *copy = strdup(kebab);
    if (copy == NULL)
        return false;
    c->alt[c->alt[0] == NULL ? 0 : 1] = copy;
    return true;
}

bool civis__cli_table_build(cli_table *t, const civis_spec *spec)
{
    memset(t, 0, sizeof *t);
    size_t n = civis_spec_operation_count(spec);
    t->cmds = calloc(n ? n : 1, sizeof *t->cmds);
    t->resources = calloc(n ? n : 1, sizeof *t->resources);
    if (t->cmds == NULL || t->resources == NULL)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        const civis_operation *op = civis_spec_operation_at(spec, i);
        char buf[256];
        civis__cli_kebab(buf, sizeof buf, op->resource);
        cli_command *c = &t->cmds[t->n++];
        c->op = op;
        if ((c->resource = intern_resource(t, buf)) == NULL)
            goto fail;
        civis__cli_op_name(buf, sizeof buf, op);
        if ((c->name = strdup(buf)) == NULL || !add_alt(c, op->method) || !add_alt(c, op->alias))
            goto fail;
    }
    qsort(t->cmds, t->n, sizeof *t->cmds, cmp_cmd);
    qsort(t->resources, t->n_resources, sizeof *t->resources, cmp_str);
    return true;
fail:
    civis__cli_table_clear(t);
    return false;
}

void civis__cli_table_clear(cli_table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->cmds[i].name);
        free(t->cmds[i].alt[0]);
        free(t->cmds[i].alt[1]);
    }
    for (size_t i = 0; i < t->n_resources; i++)
        free(t->resources[i]);
    free(t->cmds);
    free(t->resources);
    memset(t, 0, sizeof *t);
}

static const cli_custom customs[] = {
    {"files", "upload", "PATH [--name NAME] [--expires-at ISO8601|never] [--description TEXT]",
     "Uploads the file at PATH as a new Civis file and prints its id.\n"
     "--expires-at never keeps it for ever; without it the server's default (30 days) applies.",
     civis__cli_files_upload},
    {"files", "download", "FILE_ID PATH", "Writes the bytes of Civis file FILE_ID to PATH.",
     civis__cli_files_download},
    {"jobs", "follow-log", "ID [--poll-interval SECONDS]",
     "Prints the newest run's id, then its log lines as they arrive, until the run finishes.",
     civis__cli_follow_log},
    {"jobs", "follow-run-log", "ID RUN_ID [--poll-interval SECONDS]",
     "Prints the log lines of run RUN_ID of job ID as they arrive, until the run finishes.",
     civis__cli_follow_run_log},
    {NULL, "sql", "-d DATABASE (-c SQL | -f FILE | SQL on stdin) [-o OUT.csv] [-n ROWS]",
     "Runs SQL on DATABASE (a name or an id). With -o the result set is written to OUT.csv;\n"
     "otherwise the first ROWS rows (default 100) are printed as a table.\n"
     "Without -c and -f the SQL is read from stdin up to a blank line or the end.",
     civis__cli_sql},
    {NULL, NULL, NULL, NULL, NULL},
};

const cli_custom *civis__cli_customs(void)
{
    return customs;
}

const cli_custom *civis__cli_find_custom(const char *resource, const char *name)
{
    for (const cli_custom *c = customs; c->name != NULL; c++) {
        bool same_res =
            (resource == NULL && c->resource == NULL) ||
            (resource != NULL && c->resource != NULL && strcmp(resource, c->resource) == 0);
        if (same_res && strcmp(name, c->name) == 0)
            return c;
    }
    return NULL;
}

const char *civis__cli_find_resource(const cli_table *t, const char *name, const char **suggest)
{
    char kebab[256];
    civis__cli_kebab(kebab, sizeof kebab, name);
    *suggest = NULL;
    for (size_t i = 0; i < t->n_resources; i++)
        if (strcmp(t->resources[i], kebab) == 0)
            return t->resources[i];
    *suggest = civis_suggest(kebab, (const char *const *)t->resources, t->n_resources);
    return NULL;
}

const cli_command *civis__cli_find_command(const cli_table *t, const char *resource,
                                           const char *name, const char **suggest)
{
    char kebab[256];
    civis__cli_kebab(kebab, sizeof kebab, name);
    *suggest = NULL;
    size_t first = t->n, count = 0;
    for (size_t i = 0; i < t->n; i++) {
        const cli_command *c = &t->cmds[i];
        if (c->resource != resource && strcmp(c->resource, resource) != 0)
            continue;
        if (first == t->n)
            first = i;
        count++;
    }
    /* The official name first: a library name of one operation never
     * shadows the official name of another. */
    for (size_t i = first; i < first + count; i++)
        if (strcmp(t->cmds[i].name, kebab) == 0)
            return &t->cmds[i];
    for (size_t i = first; i < first + count; i++)
        for (int k = 0; k < 2; k++)
            if (t->cmds[i].alt[k] != NULL && strcmp(t->cmds[i].alt[k], kebab) == 0)
                return &t->cmds[i];
    const char **names = calloc(count * 3 + 4, sizeof *names);
    if (names == NULL)
        return NULL;
    size_t m = 0;
    for (size_t i = first; i < first + count; i++) {
        names[m++] = t->cmds[i].name;
        for (int k = 0; k < 2; k++)
            if (t->cmds[i].alt[k] != NULL)
                names[m++] = t->cmds[i].alt[k];
    }
    for (const cli_custom *c = customs; c->name != NULL; c++)
        if (c->resource != NULL && strcmp(c->resource, resource) == 0)
            names[m++] = c->name;
    *suggest = civis_suggest(kebab, names, m);
    free(names);
    return NULL;
}
