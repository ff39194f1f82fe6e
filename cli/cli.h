/*
 * cli.h: what the files of the `civis` command share. Nothing here is
 * public API: the command is a program on libcivis, and this header only
 * ties its pieces together (the command table, argument parsing, help,
 * output and the workflows).
 *
 * Exit codes, as the official CLI's: 0 success, 1 an API or I/O error (the
 * message on stderr), 2 a usage error (found before any request).
 */
#ifndef CIVIS_CLI_H
#define CIVIS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "civis.h"

#define CLI_OK 0    /* success */
#define CLI_FAIL 1  /* the API answered with an error, or a transfer or file failed */
#define CLI_USAGE 2 /* bad command line; nothing was sent */

/* Output format of API answers. */
typedef enum cli_format {
    CLI_JSON = 0, /* indented JSON, two spaces (the default) */
    CLI_COMPACT,  /* one line of JSON */
    CLI_YAML      /* block YAML with sorted keys, as the official CLI prints */
} cli_format;

/* One generated command: one operation of the spec. */
typedef struct cli_command {
    const char *resource;      /* kebab-case resource ("storage-hosts"), borrowed from the table */
    char *name;                /* the official CLI's name ("list-me"), owned by the table */
    char *alt[2];              /* the library's names where they differ ("get-me"), or NULL */
    const civis_operation *op; /* borrowed from the spec */
} cli_command;

/* Every command of a spec, sorted by resource then name. */
typedef struct cli_table {
    cli_command *cmds; /* owned */
    size_t n;
    char **resources; /* kebab-case resource names, sorted, owned */
    size_t n_resources;
} cli_table;

/* A hand-written command (files upload, sql, ...). */
typedef struct cli_custom {
    const char *resource; /* "files", or NULL for a top-level command ("sql") */
    const char *name;     /* "upload" */
    const char *usage;    /* the argument synopsis for help */
    const char *help;     /* a few lines on what it does */
    int (*run)(civis_client *client, int argc, char **argv, cli_format fmt);
} cli_custom;

/* ---- commands.c ----------------------------------------------------------- */

/* Builds the table over every operation of `spec`. false on allocation failure. */
bool civis__cli_table_build(cli_table *t, const civis_spec *spec);
void civis__cli_table_clear(cli_table *t);
/* The official CLI's name of an operation (legacy naming: a GET whose last
 * path segment is literal is list-*), kebab-case, into buf. */
void civis__cli_op_name(char *buf, size_t len, const civis_operation *op);
/* The kebab-case resource of an operation into buf ("storage_hosts" -> "storage-hosts"). */
void civis__cli_kebab(char *buf, size_t len, const char *snake);
/* The resource named `name` (kebab or snake), or NULL; *suggest gets a near one. */
const char *civis__cli_find_resource(const cli_table *t, const char *name, const char **suggest);
/* The command `name` (official name or a library name) of `resource`, or NULL. */
const cli_command *civis__cli_find_command(const cli_table *t, const char *resource,
                                           const char *name, const char **suggest);
/* The hand-written commands, NULL-terminated by a zero entry. */
const cli_custom *civis__cli_customs(void);
const cli_custom *civis__cli_find_custom(const char *resource, const char *name);

/* ---- args.c --------------------------------------------------------------- */

/*
 * Turns the words after `civis RESOURCE COMMAND` into libcivis arguments (a
 * JSON object keyed by snake_case names, owned by the caller): required
 * parameters positional, optional ones --kebab-name VALUE (or =VALUE). On a
 * usage error prints it and returns NULL.
 */
cJSON *civis__cli_parse_args(const cli_command *cmd, int argc, char **argv);
/* Converts one word to the JSON a parameter of `type` takes: integer,
 * number, true/false, JSON text or @FILE for objects and arrays. NULL with
 * a message on stderr naming `what` when it does not fit. */
cJSON *civis__cli_value(const char *what, civis_type type, civis_type item_type, const char *word);
/* A JSON type as help and messages name it ("integer", "object"). */
const char *civis__cli_type_name(civis_type type);
/* The kebab form of a snake_case parameter name into buf. */
void civis__cli_option_name(char *buf, size_t len, const char *snake);
/* The positional placeholder of a parameter ("run_id" -> "RUN_ID"). */
void civis__cli_placeholder(char *buf, size_t len, const char *snake);
/* Prints "civis: MESSAGE" to stderr. */
void civis__cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* ---- help.c --------------------------------------------------------------- */

void civis__cli_help_top(FILE *out, const cli_table *t);
/* false when the resource is unknown. */
bool civis__cli_help_resource(FILE *out, const cli_table *t, const char *resource);
void civis__cli_help_command(FILE *out, const cli_command *cmd);
void civis__cli_help_custom(FILE *out, const cli_custom *c);

/* ---- output.c ------------------------------------------------------------- */

/* Prints a JSON value to `out` in the format, with a final newline. false
 * when writing failed. */
bool civis__cli_print(FILE *out, const cJSON *json, cli_format fmt);

/* ---- complete.c ----------------------------------------------------------- */

/* `civis completion bash`: prints the completion script. */
int civis__cli_completion(int argc, char **argv);
/* `civis __complete WORDS...`: the candidates for the word after WORDS, one a line. */
int civis__cli_complete(const cli_table *t, int argc, char **argv);

/* ---- workflows ------------------------------------------------------------ */

int civis__cli_files_upload(civis_client *client, int argc, char **argv, cli_format fmt);
int civis__cli_files_download(civis_client *client, int argc, char **argv, cli_format fmt);
int civis__cli_sql(civis_client *client, int argc, char **argv, cli_format fmt);
int civis__cli_follow_log(civis_client *client, int argc, char **argv, cli_format fmt);
int civis__cli_follow_run_log(civis_client *client, int argc, char **argv, cli_format fmt);

/* ---- sql_run.c ------------------------------------------------------------- */

/*
 * Runs `sql` on `database` (name or id) and returns the result set as CSV
 * with a header line (*csv owned by the caller, free(); NUL-terminated).
 * Today: scripts.post_sql with gzip CSV output, a run and its future, then
 * the output file, gunzipped. One place to switch to the io layer later.
 */
civis_status civis__cli_sql_csv(char **csv, size_t *len, civis_client *client, const char *sql,
                                const char *database, civis_error *err);

/* The status of a libcivis error as an exit code: usage (EINVAL before any
 * request) or failure. */
int civis__cli_exit_for(const civis_error *err);

#endif
