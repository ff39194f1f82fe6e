/*
 * test_cli_help.c: the `civis` command's help and names. Help comes from
 * the spec at three levels; the commands are exactly the spec's
 * operations (one each, as the official CLI has them), every method that
 * civis-spec lists is callable under its library name too, and every
 * command name follows the official CLI's naming rule, checked here by an
 * independent reading of the rule (CIVIS_API_NOTES section 7.2) and by
 * names quoted from the official CLI's documentation.
 */
#include <stdlib.h>
#include <string.h>

#include "clitest.h"
#include "test.h"

static civis_clitest T;

static int suite_init(void)
{
    return civis_clitest_start(&T, "cli-help-key");
}

static int suite_cleanup(void)
{
    civis_clitest_stop(&T);
    return 0;
}

static void expect_in(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL) {
        fprintf(stderr, "\n  '%s' not found in:\n%s\n", needle, text);
        CU_FAIL("help text lacks an expected line");
    }
}

static void test_cli_help__top_resource_and_command(void)
{
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "--help", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    expect_in(r.out, "usage: civis");
    expect_in(r.out, "\n  scripts ");
    expect_in(r.out, "\n  storage-hosts ");
    expect_in(r.out, "\n  files upload ");
    expect_in(r.out, "\n  sql ");
    civis_clirun_clear(&r);

    civis_clitest_run(&r, &T, NULL, false, "files", "--help", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    expect_in(r.out, "usage: civis files COMMAND");
    expect_in(r.out, "\n  get                                  GET    /files/{id}\n");
    expect_in(r.out, "\n  upload ");
    expect_in(r.out, "\n  download ");
    civis_clirun_clear(&r);

    civis_clitest_run(&r, &T, NULL, false, "scripts", "get-sql-runs", "--help", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    expect_in(r.out, "usage: civis scripts get-sql-runs ID RUN_ID\n");
    expect_in(r.out, "\nGET /scripts/sql/{id}/runs/{run_id}\n");
    expect_in(r.out, "Arguments (required, in this order):\n"
                     "  ID                                 integer                    path\n"
                     "  RUN_ID                             integer                    path\n");
    civis_clirun_clear(&r);

    civis_clitest_run(&r, &T, NULL, false, "credentials", "list", "--help", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    expect_in(r.out, "usage: civis credentials list [options]\n");
    expect_in(r.out, "  --default                          boolean                    query\n");
    civis_clirun_clear(&r);

    civis_clitest_run(&r, &T, NULL, false, "users", "list-me", "--help", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    expect_in(r.out, "Also callable as: get-me (libcivis: users.get_me)");
    civis_clirun_clear(&r);

    /* Help needs no key: the bundled spec answers then. */
    civis_clitest_run(&r, &T, NULL, true, "users", "--help", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    expect_in(r.out, "\n  list-me ");
    civis_clirun_clear(&r);

    /* A resource without a command is a usage error that shows the list. */
    civis_clitest_run(&r, &T, NULL, false, "files", NULL);
    CU_ASSERT_EQUAL(r.rc, 2);
    expect_in(r.err, "usage: civis files COMMAND");
    civis_clirun_clear(&r);
}

/* ---- the naming rule, read independently ----------------------------------- */

/* The official CLI's command name for VERB /path (legacy naming). */
static void official_name(char *out, size_t len, const char *verb, const char *path)
{
    char segs[16][96];
    size_t n = 0;
    const char *p = path;
    while (*p && n < 16) {
        while (*p == '/')
            p++;
        size_t k = strcspn(p, "/");
        if (k == 0)
            break;
        snprintf(segs[n++], sizeof segs[0], "%.*s", (int)k, p);
        p += k;
    }
    char name[256] = "";
    bool last_is_param = false;
    for (size_t i = 1; i < n; i++) {
        bool param = segs[i][0] == '{';
        bool prev_param = segs[i - 1][0] == '{';
        if (!param || prev_param) {
            char part[96];
            snprintf(part, sizeof part, "%s", param ? segs[i] + 1 : segs[i]);
            if (param)
                part[strlen(part) - 1] = '\0';
            strcat(name, "_");
            strcat(name, part);
        }
        last_is_param = param;
    }
    const char *prefix = strcmp(verb, "GET") == 0     ? (last_is_param ? "get" : "list")
                         : strcmp(verb, "POST") == 0  ? "post"
                         : strcmp(verb, "PUT") == 0   ? "put"
                         : strcmp(verb, "PATCH") == 0 ? "patch"
                                                      : "delete";
    snprintf(out, len, "%s%s", prefix, name);
    for (char *c = out; *c; c++)
        if (*c == '_')
            *c = '-';
}

typedef struct listed {
    char resource[64];
    char name[96];
    char verb[8];
    char path[160];
    char also[2][96];
} listed;

/* Reads the command lines of `civis RESOURCE --help`. */
static size_t parse_listing(listed *out, size_t cap, const char *resource, const char *text)
{
    size_t n = 0;
    const char *line = text;
    while (*line && n < cap) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s", (int)len, line);
        listed l;
        memset(&l, 0, sizeof l);
        char extra[3][96] = {"", "", ""};
        int got = sscanf(buf, " %95s %7s %159s (also %95[^,)], %95[^)])", l.name, l.verb, l.path,
                         extra[0], extra[1]);
        if (got >= 3 && (strcmp(l.verb, "GET") == 0 || strcmp(l.verb, "POST") == 0 ||
                         strcmp(l.verb, "PUT") == 0 || strcmp(l.verb, "PATCH") == 0 ||
                         strcmp(l.verb, "DELETE") == 0)) {
            snprintf(l.resource, sizeof l.resource, "%s", resource);
            snprintf(l.also[0], sizeof l.also[0], "%s", extra[0]);
            snprintf(l.also[1], sizeof l.also[1], "%s", extra[1]);
            out[n++] = l;
        }
        line += len + (nl != NULL);
    }
    return n;
}

#define MAX_LISTED 2000

/* Every command of every resource, from the help listings. */
static size_t list_all(listed *all)
{
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, false, "--help", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    size_t total_claimed = 0;
    const char *res = strstr(r.out, "Resources (");
    CU_ASSERT_PTR_NOT_NULL(res);
    if (res != NULL)
        total_claimed = strtoul(res + strlen("Resources ("), NULL, 10);
    size_t n = 0;
    const char *line = res ? strchr(res, '\n') + 1 : "";
    while (*line == ' ' && n < MAX_LISTED) {
        char name[64];
        if (sscanf(line, " %63s", name) == 1) {
            civis_clirun rr;
            civis_clitest_run(&rr, &T, NULL, false, name, "--help", NULL);
            CU_ASSERT_EQUAL(rr.rc, 0);
            n += parse_listing(all + n, MAX_LISTED - n, name, rr.out);
            civis_clirun_clear(&rr);
        }
        line = strchr(line, '\n');
        line = line ? line + 1 : "";
    }
    CU_ASSERT_EQUAL(n, total_claimed);
    civis_clirun_clear(&r);
    return n;
}

/* What civis-spec --all prints for the suite's spec, one line each. */
static char *civis_spec_listing(void)
{
    const char *bin = getenv("CIVIS_SPEC_BIN");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s %s%s --all", bin ? bin : "build/bin/civis-spec",
             T.spec ? "--spec " : "", T.spec ? T.spec : "");
    FILE *p = popen(cmd, "r");
    if (p == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += got;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    pclose(p);
    if (buf != NULL)
        buf[len] = '\0';
    return buf;
}

static void kebab(char *s)
{
    for (; *s; s++)
        if (*s == '_')
            *s = '-';
}

static void test_cli_help__one_command_per_operation_and_every_method_callable(void)
{
    listed *all = calloc(MAX_LISTED, sizeof *all);
    CU_ASSERT_PTR_NOT_NULL_FATAL(all);
    size_t n = list_all(all);
    char *spec = civis_spec_listing();
    CU_ASSERT_PTR_NOT_NULL_FATAL(spec);
    size_t operations = 0, methods = 0, found = 0;
    for (char *line = strtok(spec, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        char res[64], name[96], verb[8], path[160];
        if (sscanf(line, "%63s %95s %7s %159s", res, name, verb, path) != 4)
            continue;
        bool alias = strstr(line, "[deprecated: alias of") != NULL;
        operations += !alias;
        kebab(res);
        /* The operation is listed exactly once, under its resource. */
        if (!alias) {
            size_t times = 0;
            for (size_t i = 0; i < n; i++)
                times += strcmp(all[i].resource, res) == 0 && strcmp(all[i].verb, verb) == 0 &&
                         strcmp(all[i].path, path) == 0;
            if (times != 1)
                fprintf(stderr, "\n  %s %s listed %zu times\n", verb, path, times);
            CU_ASSERT_EQUAL(times, 1);
        }
        if (strcmp(name, "-") == 0)
            continue; /* deprecated: a command, but no library method */
        methods++;
        kebab(name);
        bool callable = false;
        for (size_t i = 0; i < n && !callable; i++)
            callable = strcmp(all[i].resource, res) == 0 &&
                       (strcmp(all[i].name, name) == 0 || strcmp(all[i].also[0], name) == 0 ||
                        strcmp(all[i].also[1], name) == 0) &&
                       strcmp(all[i].path, path) == 0;
        if (!callable)
            fprintf(stderr, "\n  library method %s %s is not a command\n", res, name);
        found += callable;
    }
    CU_ASSERT_EQUAL(n, operations);
    CU_ASSERT_EQUAL(found, methods);
    if (T.spec != NULL) {
        /* The full public spec: 910 operations, 909 library methods. */
        CU_ASSERT_EQUAL(n, 910);
        CU_ASSERT_EQUAL(methods, 909);
    }
    free(spec);

    /* Every name follows the naming rule; none repeats within its resource. */
    size_t misnamed = 0, repeated = 0;
    for (size_t i = 0; i < n; i++) {
        char want[320];
        official_name(want, sizeof want, all[i].verb, all[i].path);
        if (strcmp(want, all[i].name) != 0) {
            fprintf(stderr, "\n  %s %s %s: named %s, rule gives %s\n", all[i].resource, all[i].verb,
                    all[i].path, all[i].name, want);
            misnamed++;
        }
        for (size_t k = i + 1; k < n && strcmp(all[k].resource, all[i].resource) == 0; k++)
            repeated += strcmp(all[i].name, all[k].name) == 0;
    }
    CU_ASSERT_EQUAL(misnamed, 0);
    CU_ASSERT_EQUAL(repeated, 0);
    free(all);
}

static void test_cli_help__names_quoted_from_the_official_cli(void)
{
    /* Each must be callable (its help answers) and show this verb and path. */
    static const char *const cases[][4] = {
        {"users", "list-me", "GET", "/users/me"},
        {"scripts", "list-containers-runs", "GET", "/scripts/containers/{id}/runs"},
        {"scripts", "post-containers-runs", "POST", "/scripts/containers/{id}/runs"},
        {"files", "get", "GET", "/files/{id}"},
        {"imports", "get-files-runs", "GET", "/imports/files/{id}/runs/{run_id}"},
        {"workflows", "list-executions", "GET", "/workflows/{id}/executions"},
        {"workflows", "get-executions", "GET", "/workflows/{id}/executions/{execution_id}"},
        {"storage-hosts", "list", "GET", "/storage_hosts/"},
        {"jobs", "list-runs-logs", "GET", "/jobs/{id}/runs/{run_id}/logs"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        civis_clirun r;
        civis_clitest_run(&r, &T, NULL, false, cases[i][0], cases[i][1], "--help", NULL);
        char want[320];
        snprintf(want, sizeof want, "\n%s %s\n", cases[i][2], cases[i][3]);
        if (r.rc != 0 || strstr(r.out, want) == NULL)
            fprintf(stderr, "\n  civis %s %s --help: exit %d, no '%s'\n", cases[i][0], cases[i][1],
                    r.rc, want + 1);
        CU_ASSERT_EQUAL(r.rc, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.out, want));
        civis_clirun_clear(&r);
    }
}

static void test_cli_help__bash_completion(void)
{
    civis_clirun r;
    civis_clitest_run(&r, &T, NULL, true, "__complete", NULL);
    CU_ASSERT_EQUAL(r.rc, 0);
    expect_in(r.out, "\nstorage-hosts\n");
    expect_in(r.out, "\nsql\n");
    civis_clirun_clear(&r);
    civis_clitest_run(&r, &T, NULL, true, "__complete", "jobs", NULL);
    expect_in(r.out, "\nfollow-log\n");
    expect_in(r.out, "\nlist-runs-logs\n");
    civis_clirun_clear(&r);
    civis_clitest_run(&r, &T, NULL, true, "__complete", "scripts", "post-containers", NULL);
    expect_in(r.out, "--docker-command\n");
    CU_ASSERT_PTR_NULL(strstr(r.out, "--required-resources")); /* positional, not an option */
    civis_clirun_clear(&r);

    /* The script itself, in bash, with civis on the PATH. */
    const char *bin = getenv("CIVIS_CLI_BIN");
    char dir[256];
    snprintf(dir, sizeof dir, "%s", bin && *bin ? bin : "build/bin/civis");
    char *slash = strrchr(dir, '/');
    if (slash != NULL)
        *slash = '\0';
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "env -i PATH='%s':/usr/bin:/bin HOME=/nonexistent bash -c '"
             "eval \"$(civis completion bash)\"; "
             "COMP_WORDS=(civis scripts post-containers --docker-i); COMP_CWORD=3; "
             "_civis_complete; echo \"${COMPREPLY[*]}\"' 2>&1",
             dir);
    FILE *p = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    char line[512] = "";
    if (fgets(line, sizeof line, p) == NULL)
        line[0] = '\0';
    CU_ASSERT_EQUAL(pclose(p), 0);
    CU_ASSERT_STRING_EQUAL(line, "--docker-image-name --docker-image-tag\n");
}

static CU_TestInfo tests[] = {
    {"help: top, resource, command", test_cli_help__top_resource_and_command},
    {"one command per operation; every library method callable",
     test_cli_help__one_command_per_operation_and_every_method_callable},
    {"names quoted from the official CLI", test_cli_help__names_quoted_from_the_official_cli},
    {"bash completion", test_cli_help__bash_completion},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(cli_help, tests, suite_init, suite_cleanup)
