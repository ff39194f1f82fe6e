/*
 * clitest.h: running the built `civis` command in tests. A clitest holds a
 * civis-mock started on a free port (with the full public spec when the
 * suite has it, else the bundled one), an API key of its own (so the
 * simulation state and the journal are the test's), and a private cache
 * folder for the spec the command downloads from GET /endpoints.
 *
 * With memcheck set (and $CIVIS_UNDER_VALGRIND=1, as `make valgrind` sets),
 * the command runs under valgrind and any error or leak makes it exit 3.
 */
#ifndef CIVIS_TEST_CLITEST_H
#define CIVIS_TEST_CLITEST_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "mockproc.h"

typedef struct civis_clitest {
    civis_mockproc mock; /* the server */
    char key[32];        /* this test's API key */
    char dir[64];        /* a private temporary folder (cache, files) */
    const char *spec;    /* the spec file the server loaded, or NULL (bundled) */
    bool memcheck;       /* run the command under valgrind when the suite is under valgrind */
} civis_clitest;

/* The outcome of one run of the command. */
typedef struct civis_clirun {
    int rc;    /* exit status; -1 when it could not run or did not finish in 60 s */
    char *out; /* stdout, NUL-terminated, malloc'd (never NULL after a run) */
    char *err; /* stderr, likewise */
} civis_clirun;

/* Starts the server; 0 on success. `key` names the test's API key. */
int civis_clitest_start(civis_clitest *t, const char *key);
void civis_clitest_stop(civis_clitest *t);

/*
 * Runs `civis ARGS...` (NULL-terminated) with CIVIS_API_ENDPOINT,
 * CIVIS_API_KEY (unless no_key) and the private cache. `stdin_text` (may
 * be NULL: /dev/null) is the command's standard input. Release with
 * civis_clirun_clear().
 */
void civis_clitest_run(civis_clirun *r, const civis_clitest *t, const char *stdin_text, bool no_key,
                       ...);
void civis_clirun_clear(civis_clirun *r);

/* A path inside the test's folder into buf; returns buf. */
const char *civis_clitest_path(char *buf, size_t len, const civis_clitest *t, const char *name);

/* The test key's journal entries of one operation ("scripts.post_containers"),
 * owned by the caller (cJSON_Delete); NULL on failure. */
cJSON *civis_clitest_journal(const civis_clitest *t, const char *operation);

/* An admin request scoped to the test's key; returns the HTTP status. */
long civis_clitest_admin(const civis_clitest *t, const char *method, const char *path,
                         const char *content_type, const char *body);

#endif
