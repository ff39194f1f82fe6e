/*
 * complete.c: shell completion. `civis completion bash` prints a script
 * that asks `civis __complete WORDS...` for the candidates of the next
 * word: resources and top-level commands, then a resource's commands, then
 * a command's options. Completion never touches the network: it reads the
 * spec named by $CIVIS_API_SPEC, else the bundled one.
 */
#include <string.h>

#include "cli.h"

static const char bash_script[] =
    "# civis bash completion: eval \"$(civis completion bash)\"\n"
    "_civis_complete() {\n"
    "    local cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
    "    local IFS=$'\\n'\n"
    "    COMPREPLY=($(compgen -W \"$(civis __complete \"${COMP_WORDS[@]:1:COMP_CWORD-1}\" "
    "2>/dev/null)\" -- \"$cur\"))\n"
    "}\n"
    "complete -o default -F _civis_complete civis\n";

int civis__cli_completion(int argc, char **argv)
{
    if (argc != 1 || strcmp(argv[0], "bash") != 0) {
        civis__cli_error("usage: civis completion bash (the one shell supported)");
        return CLI_USAGE;
    }
    fputs(bash_script, stdout);
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

static void put_globals(void)
{
    puts("--compact\n--yaml\n--help");
}

int civis__cli_complete(const cli_table *t, int argc, char **argv)
{
    if (argc == 0) {
        for (size_t i = 0; i < t->n_resources; i++)
            puts(t->resources[i]);
        for (const cli_custom *c = civis__cli_customs(); c->name != NULL; c++)
            if (c->resource == NULL)
                puts(c->name);
        puts("completion\n--version");
        put_globals();
        return CLI_OK;
    }
    const char *suggest = NULL;
    const char *resource = civis__cli_find_resource(t, argv[0], &suggest);
    if (resource == NULL)
        return CLI_OK; /* nothing to offer after an unknown word */
    if (argc == 1) {
        for (size_t i = 0; i < t->n; i++)
            if (strcmp(t->cmds[i].resource, resource) == 0)
                puts(t->cmds[i].name);
        for (const cli_custom *c = civis__cli_customs(); c->name != NULL; c++)
            if (c->resource != NULL && strcmp(c->resource, resource) == 0)
                puts(c->name);
        return CLI_OK;
    }
    const cli_command *cmd = civis__cli_find_command(t, resource, argv[1], &suggest);
    if (cmd != NULL) {
        char name[128];
        for (size_t i = 0; i < cmd->op->n_params; i++) {
            if (cmd->op->params[i].required)
                continue;
            civis__cli_option_name(name, sizeof name, cmd->op->params[i].name);
            printf("--%s\n", name);
        }
    }
    put_globals();
    return CLI_OK;
}
