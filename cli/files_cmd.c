/*
 * files_cmd.c: `civis files upload` and `civis files download`, the
 * official CLI's two file commands, on libcivis's civis_file_to_civis and
 * civis_civis_to_file (presigned transfers, multipart above 50 MiB).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The value of option `name` at argv[*i] ("--name V" or "--name=V"), or
 * NULL when argv[*i] is not that option. *missing is set when the value
 * is absent. */
static const char *option(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* A positive id from a word; 0 with a message when it is not one. */
static long long parse_id(const char *what, const char *word)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(word, &end, 10);
    if (*word == '\0' || *end != '\0' || errno != 0 || v <= 0) {
        civis__cli_error("%s must be a positive integer, got '%s'", what, word);
        return 0;
    }
    return v;
}

int civis__cli_files_upload(civis_client *client, int argc, char **argv, cli_format fmt)
{
    (void)fmt; /* the id prints as a bare number, as the official CLI prints it */
    const char *path = NULL, *name = NULL;
    civis_file_options opts = {0};
    for (int i = 0; i < argc; i++) {
        bool missing = false;
        const char *v;
        if ((v = option(argc, argv, &i, "--name", &missing)) != NULL) {
            name = v;
        } else if ((v = option(argc, argv, &i, "--expires-at", &missing)) != NULL) {
            if (strcmp(v, "never") == 0)
                opts.never_expires = true;
            else
                opts.expires_at = v;
        } else if ((v = option(argc, argv, &i, "--description", &missing)) != NULL) {
            opts.description = v;
        } else if (missing) {
            civis__cli_error("option %s needs a value", argv[i]);
            return CLI_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            const char *known[] = {"--name", "--expires-at", "--description"};
            const char *s = civis_suggest(argv[i], known, 3);
            civis__cli_error("unknown option '%s' for files upload%s%s%s", argv[i],
                             s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
            return CLI_USAGE;
        } else if (path == NULL) {
            path = argv[i];
        } else {
            civis__cli_error("unexpected argument '%s' for files upload", argv[i]);
            return CLI_USAGE;
        }
    }
    if (path == NULL) {
        civis__cli_error("missing argument PATH for files upload");
        return CLI_USAGE;
    }
    long long id = 0;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_file_to_civis(&id, client, path, name, &opts, &err) != CIVIS_OK) {
        civis__cli_error("%s", err.message);
        return civis__cli_exit_for(&err);
    }
    printf("%lld\n", id);
    return fflush(stdout) == 0 ? CLI_OK : CLI_FAIL;
}

int civis__cli_files_download(civis_client *client, int argc, char **argv, cli_format fmt)
{
    (void)fmt; /* nothing is printed */
    if (argc < 2) {
        civis__cli_error("missing argument %s for files download", argc == 0 ? "FILE_ID" : "PATH");
        return CLI_USAGE;
    }
    if (argc > 2) {
        civis__cli_error("unexpected argument '%s' for files download", argv[2]);
        return CLI_USAGE;
    }
    long long id = parse_id("FILE_ID", argv[0]);
    if (id == 0)
        return CLI_USAGE;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_civis_to_file(client, id, argv[1], NULL, &err) != CIVIS_OK) {
        civis__cli_error("%s", err.message);
        return civis__cli_exit_for(&err);
    }
    return CLI_OK;
}

/* ---- jobs follow-log / follow-run-log ------------------------------------ */

/* Streams the lines of one run until the log is complete. */
static int follow(civis_client *client, long long job_id, long long run_id, long interval_ms)
{
    civis_job_logs_options o = {.run_id = run_id, .poll_interval_ms = interval_ms};
    civis_job_logs *logs = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_job_logs_new(&logs, client, job_id, &o, &err) != CIVIS_OK) {
        civis__cli_error("%s", err.message);
        return civis__cli_exit_for(&err);
    }
    if (run_id == 0) {
        printf("Run ID: %lld\n", civis_job_logs_run_id(logs));
        fflush(stdout);
    }
    int rc = CLI_OK;
    for (;;) {
        const cJSON *line = NULL;
        if (civis_job_logs_next(&line, logs, &err) != CIVIS_OK) {
            civis__cli_error("%s", err.message);
            rc = CLI_FAIL;
            break;
        }
        if (line == NULL)
            break;
        /* The iterator's lines keep the API's camelCase keys; reading them
         * by snake_case path works either way (the official CLI's KeyError). */
        const char *at = "", *msg = "";
        civis_json_string(&at, line, "created_at", NULL);
        civis_json_string(&msg, line, "message", NULL);
        if (printf("%s %s\n", at, msg) < 0 || fflush(stdout) != 0) {
            rc = CLI_FAIL;
            break;
        }
    }
    civis_job_logs_free(logs);
    return rc;
}

/* Positional ids and --poll-interval SECONDS for the two log commands. */
static int follow_cmd(civis_client *client, int argc, char **argv, int n_ids, const char *cmd)
{
    const char *names[2] = {"ID", "RUN_ID"};
    long long ids[2] = {0, 0};
    int got = 0;
    long interval_ms = 0;
    for (int i = 0; i < argc; i++) {
        bool missing = false;
        const char *v = option(argc, argv, &i, "--poll-interval", &missing);
        if (v != NULL) {
            char *end = NULL;
            double s = strtod(v, &end);
            if (*v == '\0' || *end != '\0' || !(s > 0) || s > 3600) {
                civis__cli_error("--poll-interval must be seconds between 0 and 3600, got '%s'", v);
                return CLI_USAGE;
            }
            interval_ms = (long)(s * 1000.0 + 0.5);
            if (interval_ms == 0)
                interval_ms = 1;
        } else if (missing) {
            civis__cli_error("option --poll-interval needs a value");
            return CLI_USAGE;
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            const char *known[] = {"--poll-interval"};
            const char *s = civis_suggest(argv[i], known, 1);
            civis__cli_error("unknown option '%s' for jobs %s%s%s%s", argv[i], cmd,
                             s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
            return CLI_USAGE;
        } else if (got < n_ids) {
            if ((ids[got] = parse_id(names[got], argv[i])) == 0)
                return CLI_USAGE;
            got++;
        } else {
            civis__cli_error("unexpected argument '%s' for jobs %s", argv[i], cmd);
            return CLI_USAGE;
        }
    }
    if (got < n_ids) {
        civis__cli_error("missing argument %s for jobs %s", names[got], cmd);
        return CLI_USAGE;
    }
    return follow(client, ids[0], ids[1], interval_ms);
}

int civis__cli_follow_log(civis_client *client, int argc, char **argv, cli_format fmt)
{
    (void)fmt; /* log lines are text */
    return follow_cmd(client, argc, argv, 1, "follow-log");
}

int civis__cli_follow_run_log(civis_client *client, int argc, char **argv, cli_format fmt)
{
    (void)fmt; /* log lines are text */
    return follow_cmd(client, argc, argv, 2, "follow-run-log");
}
