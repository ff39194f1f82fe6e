/*
 * help.c: help texts, generated from the spec. The bundled spec carries no
 * prose (no descriptions or summaries), so help shows facts: verbs, paths,
 * parameters, their types, where they go and which are required.
 */
#include <string.h>

#include "cli.h"

void civis__cli_help_top(FILE *out, const cli_table *t)
{
    fputs("usage: civis [--compact | --yaml] RESOURCE COMMAND [ARGUMENTS] [--OPTION VALUE ...]\n"
          "       civis RESOURCE --help          the commands of a resource\n"
          "       civis RESOURCE COMMAND --help  a command's arguments\n"
          "       civis sql -d DATABASE (-c SQL | -f FILE) [-o OUT.csv] [-n ROWS]\n"
          "\n"
          "Every operation of the Civis API is a command, named as the official CLI names it.\n"
          "Required parameters are positional, in the spec's order; optional ones are\n"
          "--kebab-name VALUE. Objects and arrays take JSON text or @FILE; booleans true/false.\n"
          "Answers print as indented JSON on stdout; errors go to stderr. Exit status: 0 done,\n"
          "1 the API or a transfer failed, 2 a usage error (nothing was sent).\n"
          "\n"
          "Options:\n"
          "  --compact   print answers as one line of JSON\n"
          "  --yaml      print answers as YAML with sorted keys (the official CLI's format)\n"
          "  --version   print the version and exit\n"
          "  --help      this text\n"
          "\n"
          "Shell completion: eval \"$(civis completion bash)\"\n"
          "\n"
          "Environment: CIVIS_API_KEY (required), CIVIS_API_ENDPOINT (default\n"
          "https://api.civisanalytics.com/), CIVIS_API_SPEC (a spec file instead of\n"
          "GET /endpoints, which is cached for 24 hours), CIVIS_LOG_LEVEL=debug.\n"
          "\n",
          out);
    fprintf(out, "Resources (%zu commands):\n", t->n);
    for (size_t r = 0; r < t->n_resources; r++) {
        size_t n = 0;
        for (size_t i = 0; i < t->n; i++)
            n += strcmp(t->cmds[i].resource, t->resources[r]) == 0;
        fprintf(out, "  %-22s %zu command%s\n", t->resources[r], n, n == 1 ? "" : "s");
    }
    fputs("\nOther commands:\n", out);
    for (const cli_custom *c = civis__cli_customs(); c->name != NULL; c++) {
        char full[64];
        snprintf(full, sizeof full, "%s%s%s", c->resource ? c->resource : "",
                 c->resource ? " " : "", c->name);
        fprintf(out, "  %-22s %s\n", full, c->usage);
    }
}

bool civis__cli_help_resource(FILE *out, const cli_table *t, const char *resource)
{
    size_t shown = 0;
    fprintf(out, "usage: civis %s COMMAND [ARGUMENTS] [--OPTION VALUE ...]\n\nCommands:\n",
            resource);
    for (size_t i = 0; i < t->n; i++) {
        const cli_command *c = &t->cmds[i];
        if (strcmp(c->resource, resource) != 0)
            continue;
        shown++;
        fprintf(out, "  %-36s %-6s %s", c->name, c->op->verb, c->op->path);
        if (c->alt[0] != NULL)
            fprintf(out, "  (also %s%s%s)", c->alt[0], c->alt[1] ? ", " : "",
                    c->alt[1] ? c->alt[1] : "");
        if (c->op->method == NULL)
            fputs("  [deprecated]", out);
        fputc('\n', out);
    }
    for (const cli_custom *c = civis__cli_customs(); c->name != NULL; c++)
        if (c->resource != NULL && strcmp(c->resource, resource) == 0)
            fprintf(out, "  %-36s %s\n", c->name, c->usage);
    fprintf(out, "\n'civis %s COMMAND --help' shows a command's arguments.\n", resource);
    return shown > 0;
}

/* "integer", "array of string", "object". */
static void type_text(char *buf, size_t len, const civis_param *p)
{
    if (p->type == CIVIS_TYPE_ARRAY && p->item_type != CIVIS_TYPE_ANY)
        snprintf(buf, len, "array of %s", civis__cli_type_name(p->item_type));
    else
        snprintf(buf, len, "%s", civis__cli_type_name(p->type));
    if (p->format != NULL) {
        size_t n = strlen(buf);
        snprintf(buf + n, len - n, " (%s)", p->format);
    }
}

static const char *where(const civis_param *p)
{
    return p->in == CIVIS_IN_PATH ? "path" : p->in == CIVIS_IN_QUERY ? "query" : "body";
}

void civis__cli_help_command(FILE *out, const cli_command *cmd)
{
    const civis_operation *op = cmd->op;
    char name[100], type[80];
    fprintf(out, "usage: civis %s %s", cmd->resource, cmd->name);
    size_t n_opt = 0;
    for (size_t i = 0; i < op->n_params; i++) {
        if (op->params[i].required) {
            civis__cli_placeholder(name, sizeof name, op->params[i].name);
            fprintf(out, " %s", name);
        } else {
            n_opt++;
        }
    }
    fprintf(out, "%s\n\n%s %s\n", n_opt ? " [options]" : "", op->verb, op->path);
    if (cmd->alt[0] != NULL)
        fprintf(out, "Also callable as: %s%s%s (libcivis: %s.%s)\n", cmd->alt[0],
                cmd->alt[1] ? ", " : "", cmd->alt[1] ? cmd->alt[1] : "", op->resource,
                op->method ? op->method : "-");
    if (op->method == NULL)
        fputs("Deprecated: the API marks this operation deprecated; libcivis gives it no method.\n",
              out);
    if (op->deprecation_warning != NULL)
        fprintf(out, "Warning: %s\n", op->deprecation_warning);
    if (op->paginated)
        fputs("Paginated: --limit and --page-num choose one page.\n", out);
    if (op->n_params > n_opt) {
        fputs("\nArguments (required, in this order):\n", out);
        for (size_t i = 0; i < op->n_params; i++) {
            const civis_param *p = &op->params[i];
            if (!p->required)
                continue;
            civis__cli_placeholder(name, sizeof name, p->name);
            type_text(type, sizeof type, p);
            fprintf(out, "  %-34s %-26s %s\n", name, type, where(p));
        }
    }
    if (n_opt > 0) {
        fputs("\nOptions:\n", out);
        for (size_t i = 0; i < op->n_params; i++) {
            const civis_param *p = &op->params[i];
            if (p->required)
                continue;
            civis__cli_option_name(name, sizeof name, p->name);
            type_text(type, sizeof type, p);
            char opt[110];
            snprintf(opt, sizeof opt, "--%s", name);
            fprintf(out, "  %-34s %-26s %s\n", opt, type, where(p));
        }
    }
    fputs("\nObjects and arrays take JSON text or @FILE; booleans true or false.\n", out);
}

void civis__cli_help_custom(FILE *out, const cli_custom *c)
{
    fprintf(out, "usage: civis %s%s%s %s\n\n%s\n", c->resource ? c->resource : "",
            c->resource ? " " : "", c->name, c->usage, c->help);
}
