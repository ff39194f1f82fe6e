/*
 * main.c: the `civis` command. Reads the global flags, builds the client
 * from the environment as the official CLI does (CIVIS_API_KEY,
 * CIVIS_API_ENDPOINT, the spec from GET /endpoints through libcivis's disk
 * cache), and hands the rest of the words to a generated command or a
 * workflow. See cli/README.md.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

int civis__cli_exit_for(const civis_error *err)
{
    /* EINVAL with no HTTP status is the library refusing the arguments
     * before sending anything: the command line was wrong. */
    return err->code == CIVIS_EINVAL && err->http_status == 0 ? CLI_USAGE : CLI_FAIL;
}

static void on_log(void *data, civis_log_level level, const char *line)
{
    bool debug = *(const bool *)data;
    if (level == CIVIS_LOG_WARN || debug)
        fprintf(stderr, "civis: %s%s\n", level == CIVIS_LOG_WARN ? "warning: " : "", line);
}

/* Sends one generated command. Operations the library gives no method
 * (deprecated ones) are placed by the spec engine and sent as a request. */
static int run_command(civis_client *client, const cli_command *cmd, int argc, char **argv,
                       cli_format fmt)
{
    cJSON *args = civis__cli_parse_args(cmd, argc, argv);
    if (args == NULL)
        return CLI_USAGE;
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st;
    if (cmd->op->method != NULL) {
        st = civis_call(&resp, client, cmd->op->resource, cmd->op->method, args, &err);
    } else {
        civis_placed placed = {0};
        st = civis_args_place(&placed, civis_client_spec(client), cmd->op, args, CIVIS_KEYS_WIRE,
                              &err);
        if (st == CIVIS_OK) {
            size_t len = strlen(placed.path) + strlen(placed.query) + 2;
            char *pq = malloc(len);
            if (pq == NULL) {
                st = CIVIS_ENOMEM;
                snprintf(err.message, sizeof err.message, "out of memory");
            } else {
                snprintf(pq, len, "%s%s%s", placed.path, *placed.query ? "?" : "", placed.query);
                st = civis_request(&resp, client, cmd->op->verb, pq, placed.body, &err);
                free(pq);
            }
        }
        civis_placed_clear(&placed);
    }
    cJSON_Delete(args);
    if (st != CIVIS_OK) {
        civis__cli_error("%s", err.message);
        return civis__cli_exit_for(&err);
    }
    int rc = CLI_OK;
    const cJSON *json = civis_response_json(resp);
    if (json != NULL && !civis__cli_print(stdout, json, fmt)) {
        civis__cli_error("cannot write the answer to stdout");
        rc = CLI_FAIL;
    }
    civis_response_free(resp);
    return rc;
}

/* Removes the global flags from argv wherever they stand (before "--"). */
static int take_globals(int argc, char **argv, cli_format *fmt, bool *help, bool *version)
{
    int out = 0;
    bool done = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!done && strcmp(a, "--") == 0)
            done = true;
        if (!done && strcmp(a, "--compact") == 0)
            *fmt = CLI_COMPACT;
        else if (!done && strcmp(a, "--yaml") == 0)
            *fmt = CLI_YAML;
        else if (!done && strcmp(a, "--json") == 0)
            *fmt = CLI_JSON;
        else if (!done && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0))
            *help = true;
        else if (!done && strcmp(a, "--version") == 0)
            *version = true;
        else
            argv[out++] = argv[i];
    }
    argv[out] = NULL;
    return out;
}

/* The part of the run that needs a spec: help and dispatch. */
static int dispatch(civis_client *client, const civis_spec *spec, int argc, char **argv,
                    cli_format fmt, bool help)
{
    cli_table table;
    if (!civis__cli_table_build(&table, spec)) {
        civis__cli_error("out of memory");
        return CLI_FAIL;
    }
    int rc = CLI_USAGE;
    const char *suggest = NULL;
    if (argc == 0) {
        civis__cli_help_top(help ? stdout : stderr, &table);
        rc = help ? CLI_OK : CLI_USAGE;
        goto done;
    }
    const cli_custom *custom = civis__cli_find_custom(NULL, argv[0]);
    if (custom != NULL) {
        if (help) {
            civis__cli_help_custom(stdout, custom);
            rc = CLI_OK;
        } else {
            rc = custom->run(client, argc - 1, argv + 1, fmt);
        }
        goto done;
    }
    const char *resource = civis__cli_find_resource(&table, argv[0], &suggest);
    if (resource == NULL) {
        civis__cli_error("no resource '%s'%s%s%s (civis --help lists them)", argv[0],
                         suggest ? " (did you mean '" : "", suggest ? suggest : "",
                         suggest ? "'?)" : "");
        goto done;
    }
    if (argc == 1) {
        civis__cli_help_resource(help ? stdout : stderr, &table, resource);
        rc = help ? CLI_OK : CLI_USAGE;
        goto done;
    }
    char kebab[256];
    civis__cli_kebab(kebab, sizeof kebab, argv[1]);
    custom = civis__cli_find_custom(resource, kebab);
    if (custom != NULL) {
        if (help) {
            civis__cli_help_custom(stdout, custom);
            rc = CLI_OK;
        } else {
            rc = custom->run(client, argc - 2, argv + 2, fmt);
        }
        goto done;
    }
    const cli_command *cmd = civis__cli_find_command(&table, resource, argv[1], &suggest);
    if (cmd == NULL) {
        civis__cli_error("no command '%s' for %s%s%s%s (civis %s --help lists them)", argv[1],
                         resource, suggest ? " (did you mean '" : "", suggest ? suggest : "",
                         suggest ? "'?)" : "", resource);
        goto done;
    }
    if (help) {
        civis__cli_help_command(stdout, cmd);
        rc = CLI_OK;
        goto done;
    }
    rc = run_command(client, cmd, argc - 2, argv + 2, fmt);
done:
    civis__cli_table_clear(&table);
    return rc;
}

/* Completion reads the spec without the network: each TAB press must be instant. */
static int complete(int argc, char **argv)
{
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_load_default(&spec, &err) != CIVIS_OK) {
        civis__cli_error("%s", err.message);
        return CLI_FAIL;
    }
    cli_table table;
    int rc = CLI_FAIL;
    if (civis__cli_table_build(&table, spec)) {
        rc = civis__cli_complete(&table, argc, argv);
        civis__cli_table_clear(&table);
    }
    civis_spec_free(spec);
    return rc;
}

int main(int argc, char **argv)
{
    cli_format fmt = CLI_JSON;
    bool help = false, version = false;
    argc = take_globals(argc - 1, argv + 1, &fmt, &help, &version);
    argv = argv + 1;
    if (version) {
        printf("civis %s (libcivis %s)\n", CIVIS_VERSION, CIVIS_VERSION);
        return CLI_OK;
    }
    if (argc > 0 && strcmp(argv[0], "completion") == 0)
        return civis__cli_completion(argc - 1, argv + 1);
    if (argc > 0 && strcmp(argv[0], "__complete") == 0)
        return complete(argc - 1, argv + 1);
    const char *key = getenv("CIVIS_API_KEY");
    bool have_key = key != NULL && *key != '\0';
    if (!have_key && !help) {
        civis__cli_error("no Civis API key found: set the environment variable CIVIS_API_KEY");
        return CLI_FAIL;
    }
    if (civis_global_init() != CIVIS_OK) {
        civis__cli_error("cannot initialise libcurl");
        return CLI_FAIL;
    }
    const char *level = getenv("CIVIS_LOG_LEVEL");
    bool debug = level != NULL && strcasecmp(level, "debug") == 0;
    civis_client_options opts = {
        .user_agent = "civis-cli",
        .camel_case_keys = true, /* the official CLI sends the spec's names */
        .log = on_log,
        .hook_data = &debug,
    };
    civis_client *client = NULL;
    civis_spec *own_spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    int rc;
    /* Help works without a key: then the spec is $CIVIS_API_SPEC or the bundled one. */
    civis_status st = have_key ? civis_client_new(&client, &opts, &err)
                               : civis_spec_load_default(&own_spec, &err);
    if (st != CIVIS_OK) {
        civis__cli_error("%s", err.message);
        rc = CLI_FAIL;
    } else {
        rc = dispatch(client, client ? civis_client_spec(client) : own_spec, argc, argv, fmt, help);
    }
    civis_client_free(client);
    civis_spec_free(own_spec);
    civis_global_cleanup();
    return rc;
}
