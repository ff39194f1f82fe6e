/*
 * civis/mock.h: the in-process mock of the Civis API, for unit-testing code
 * that uses libcivis. No network, no API key.
 *
 * A civis_mock owns a real civis_client whose transport answers from
 * memory. Everything above the transport is libcivis' production code:
 * name resolution, argument validation (an unknown, misspelled or missing
 * argument fails with CIVIS_EINVAL and the real did-you-mean message),
 * placement on the wire, retries, error messages, response objects,
 * pagination and helpers. Hand civis_mock_client(mock) to the code under
 * test wherever it takes a civis_client *.
 *
 *     civis_mock *mock = NULL;
 *     civis_error err = CIVIS_ERROR_INIT;
 *     civis_mock_new(&mock, NULL, &err);
 *     civis_mock_return(mock, "scripts.post_sql", "{\"id\": 1}", &err);
 *     civis_mock_return_seq(mock, "scripts.get_sql_runs", &err,
 *                           "{\"state\": \"running\"}",
 *                           "{\"state\": \"succeeded\", \"output\": [{\"path\": \"s3://a\"}]}",
 *                           CIVIS_END);
 *     ... run the code under test with civis_mock_client(mock) ...
 *     CIVIS_ASSERT_CALLED_WITH(mock, "scripts.get_sql_runs", "{\"id\": 1}");
 *     civis_mock_free(mock);
 *
 * How a call is answered, first match wins:
 *   1. a behaviour set for its operation (civis_mock_on and the shorthands
 *      below): a behaviour whose `when` pattern matches the call's arguments
 *      beats one without a pattern; among equals the latest set wins;
 *   2. the fixtures loaded into the mock (fixtures/README.md, the format
 *      civis-mock reads), so one file serves both;
 *   3. the operation's first 2xx x-example in the spec;
 *   4. a body synthesized from the response schema (seeded, deterministic).
 * An array answer of a paginated operation is cut into pages by `limit` and
 * `page_num` (with X-Pagination-* headers), so a page past the end is empty
 * and civis_pager / civis_list_all stop.
 *
 * Operations are named "resource.method" as the official Python client
 * names them ("scripts.get_sql_runs"); legacy aliases name the same
 * operation. A name the spec does not have fails with CIVIS_EINVAL and a
 * did-you-mean.
 *
 * The journal records every call: accepted ones with their arguments as
 * passed and as placed on the wire, and the answer given; rejected ones
 * (refused by the client before sending) with the rejection message.
 *
 * Threading: the client may be used from several threads at once; the
 * behaviours and the journal are locked. Set behaviours and read the
 * journal from the test's thread; pointers into the journal stay valid
 * until civis_mock_journal_clear() or civis_mock_free().
 *
 * Two mocks share nothing. Strings passed in are copied.
 */
#ifndef CIVIS_MOCK_H
#define CIVIS_MOCK_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "civis/export.h"
#include "civis/client.h"
#include "civis/error.h"
#include "civis/io.h"
#include "civis/spec.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct civis_mock civis_mock;
/* A set of fixtures; loading and adding them: civis/sys/fixture.h. */
typedef struct civis_fixture_set civis_fixture_set;

/* ---- creating a mock -------------------------------------------------------- */

/*
 * Options for civis_mock_new(). Zero (or NULL) in any field is its default,
 * so NULL options are a complete choice: the bundled spec (or the one named
 * by $CIVIS_API_SPEC), no fixtures, seed 0, instant retries.
 */
typedef struct civis_mock_options {
    const civis_spec *spec;      /* borrowed, must outlive the mock; NULL: spec_path */
    const char *spec_path;       /* a spec file; NULL: $CIVIS_API_SPEC, else the bundled spec */
    const char *const *fixtures; /* fixture files or directories to preload,
                                    NULL-terminated; NULL for none */
    unsigned long long seed;     /* seed of synthesized bodies (same seed, same bodies) */
    civis_retry_policy retry;    /* the client's retry policy; all zero means instant
                                    retries (zero_wait and ignore_retry_after), any
                                    non-zero field: used as given */
    bool camel_case_keys;        /* the client sends camelCase body keys (see
                                    civis_client_options) */
} civis_mock_options;

/*
 * Creates a mock and its client. Needs no network and no API key: the
 * client gets a dummy key, the mock's spec, and the mock as its transport.
 * Errors: CIVIS_ESPEC / CIVIS_EPARSE / CIVIS_EIO from loading the spec;
 * CIVIS_EINVAL for a fixture file that does not follow the format (the
 * message names the file and the field) or a bad retry policy;
 * CIVIS_ENOMEM. On failure *out is NULL. Release with civis_mock_free().
 */
CIVIS_EXTERN civis_status civis_mock_new(civis_mock **out, const civis_mock_options *opts,
                                         civis_error *err);

/* Frees the mock, its client, behaviours, fixtures and journal. NULL allowed. */
CIVIS_EXTERN void civis_mock_free(civis_mock *mock);

/* The client to hand to the code under test; borrowed, lives until
 * civis_mock_free(). Do not free it. */
CIVIS_EXTERN civis_client *civis_mock_client(const civis_mock *mock);

/* The mock's spec (borrowed) and its fixture set (borrowed: add exchanges
 * with civis_fixtures_add_text and friends, civis/sys/fixture.h). */
CIVIS_EXTERN const civis_spec *civis_mock_spec(const civis_mock *mock);
CIVIS_EXTERN civis_fixture_set *civis_mock_fixtures(const civis_mock *mock);

/* ---- behaviours ------------------------------------------------------------- */

/* One canned answer. */
typedef struct civis_mock_reply {
    long status;                /* 0: the operation's success status (200, 201, 202, 204) */
    const char *body;           /* JSON text (copied), or NULL: no body for a success,
                                   the API's error body {"error", "errorDescription",
                                   "code"} for an error status */
    const char *const *headers; /* extra "Name: value" lines, NULL-terminated; NULL for
                                   none. A 401 gets WWW-Authenticate and a 429
                                   Retry-After unless given here */
} civis_mock_reply;

/* One recorded call (see the journal below). */
typedef struct civis_mock_call civis_mock_call;

/*
 * Computes the answer to one call (Python's side_effect). `call` is the
 * journal entry of this call (borrowed; its answer fields are not filled
 * yet). *status arrives set to the operation's success status; set it to an
 * error status (>= 400) to fail the call. Returns the body, which the mock
 * takes over (NULL: no body, or the default error body for an error status).
 * Called without the mock's lock held, so it may set behaviours; it may be
 * called from several threads at once when the client is.
 */
typedef cJSON *(*civis_mock_fn)(void *data, const civis_mock_call *call, long *status);

/* A behaviour for one operation: canned replies or a callback. */
typedef struct civis_mock_rule {
    const char *when;                /* JSON object the call's arguments must contain
                                        (partial match, see civis_mock_match), or NULL
                                        for every call */
    const civis_mock_reply *replies; /* served in turn, one per call; the last one
                                        repeats. Copied */
    size_t n_replies;
    civis_mock_fn callback; /* used when n_replies is 0 */
    void *callback_data;    /* given to callback; borrowed, must outlive the mock */
} civis_mock_rule;

/*
 * Sets a behaviour for `operation` ("scripts.get_sql_runs"). A behaviour
 * with the same operation and the same `when` (or both NULL) replaces the
 * earlier one, as assigning a return_value does in Python. Errors, all
 * CIVIS_EINVAL with err->param set: an unknown operation (did-you-mean),
 * a `when` that is not a JSON object or names an argument the operation does
 * not have (did-you-mean), a reply body that is not JSON (byte offset), a
 * status outside 100..599, a header line without ':', a rule with neither
 * replies nor callback. CIVIS_ENOMEM. Nothing changes on failure.
 */
CIVIS_EXTERN civis_status civis_mock_on(civis_mock *mock, const char *operation,
                                        const civis_mock_rule *rule, civis_error *err);

/* Every call of `operation` returns `json` (a JSON text) with the
 * operation's success status. */
CIVIS_EXTERN civis_status civis_mock_return(civis_mock *mock, const char *operation,
                                            const char *json, civis_error *err);
/* The same with a cJSON value (borrowed; printed and kept as text). */
CIVIS_EXTERN civis_status civis_mock_return_json(civis_mock *mock, const char *operation,
                                                 const cJSON *value, civis_error *err);
/* Only calls whose arguments contain `when` (partial JSON match) return
 * `json`: civis_mock_return_when(m, "scripts.get_sql_runs", "{\"id\": 7}", "{...}", &err). */
CIVIS_EXTERN civis_status civis_mock_return_when(civis_mock *mock, const char *operation,
                                                 const char *when, const char *json,
                                                 civis_error *err);
/* Successive calls return the JSON texts in turn; once they run out the
 * last one repeats. The list ends with CIVIS_END (NULL). */
CIVIS_EXTERN civis_status civis_mock_return_seq(civis_mock *mock, const char *operation,
                                                civis_error *err, ...)
#if defined(__GNUC__)
    __attribute__((sentinel))
#endif
    ;
/* Every call fails with HTTP `status` (>= 400) and `body_json` (NULL: the
 * API's error body for that status). 401 comes with WWW-Authenticate, 429
 * with Retry-After (so the client's retry path runs: with the mock's default
 * policy every retry gets the same 429 at once until attempts run out). */
CIVIS_EXTERN civis_status civis_mock_return_error(civis_mock *mock, const char *operation,
                                                  long status, const char *body_json,
                                                  civis_error *err);
/* Every call is answered by `fn` (see civis_mock_fn). */
CIVIS_EXTERN civis_status civis_mock_side_effect(civis_mock *mock, const char *operation,
                                                 civis_mock_fn fn, void *data, civis_error *err);

/* Removes the behaviours of `operation` (NULL: of every operation), so its
 * calls fall back to fixtures, examples and synthesis. Returns CIVIS_OK or
 * CIVIS_EINVAL for an unknown operation. */
CIVIS_EXTERN civis_status civis_mock_clear(civis_mock *mock, const char *operation,
                                           civis_error *err);

/* ---- the journal -------------------------------------------------------------- */

/* One call as the mock saw it. Every pointer is borrowed from the mock. */
struct civis_mock_call {
    size_t index;              /* position in the journal, 0-based */
    const char *operation;     /* "scripts.get_sql_runs"; a rejected call with an
                                  unknown name: "resource.method" as named; a request
                                  no operation matches: "" */
    const civis_operation *op; /* NULL when no operation was resolved */
    const cJSON *args;         /* the arguments as passed (snake_case as given); an
                                  empty object when none */
    bool rejected;             /* the client refused the call before sending */
    civis_status reject_code;  /* CIVIS_OK, or the rejection's code */
    const char *reject_param;  /* the offending parameter, "" when none */
    const char *message;       /* the rejection message, "" when accepted */

    /* On the wire (accepted calls; "" / NULL for rejected ones). */
    const char *http_method; /* "GET" */
    const char *path;        /* "/scripts/sql/7/runs/8" */
    const char *query;       /* "limit=2&page_num=1", "" when none */
    const cJSON *body;       /* the JSON body as sent, NULL when none */

    /* The answer (of the last attempt when the client retried). */
    int attempts;              /* requests sent for this call, retries included */
    long status;               /* HTTP status; 0 for a rejected call */
    const char *response_body; /* body text, NULL when none */
    const char *source;        /* "return", "callback", "fixture", "example",
                                  "synthesized", "route" (404, 405) or "validation"
                                  (400), as civis-mock journals them; "" for a
                                  rejected call */
};

/* Every entry in order, rejected calls included. civis_mock_journal_at
 * returns NULL when i is out of range. */
CIVIS_EXTERN size_t civis_mock_journal_count(const civis_mock *mock);
CIVIS_EXTERN const civis_mock_call *civis_mock_journal_at(const civis_mock *mock, size_t i);
/* Empties the journal (behaviours and their sequences stay). Not while
 * calls are in flight on other threads. */
CIVIS_EXTERN void civis_mock_journal_clear(civis_mock *mock);

/* Accepted calls of `operation` (NULL: of every operation); rejected calls
 * are not counted. An unknown operation counts 0. */
CIVIS_EXTERN size_t civis_mock_call_count(const civis_mock *mock, const char *operation);
/* Rejected calls, whatever their name. */
CIVIS_EXTERN size_t civis_mock_rejected_count(const civis_mock *mock);
/* The n-th (0-based) accepted call of `operation`, or NULL. */
CIVIS_EXTERN const civis_mock_call *civis_mock_nth_call(const civis_mock *mock,
                                                        const char *operation, size_t n);
/* Its arguments as passed, or NULL when there is no such call. */
CIVIS_EXTERN const cJSON *civis_mock_call_args(const civis_mock *mock, const char *operation,
                                               size_t n);
/* Whether some accepted call of `operation` had arguments containing the
 * JSON object `pattern` (partial match). False for bad JSON. */
CIVIS_EXTERN bool civis_mock_called_with(const civis_mock *mock, const char *operation,
                                         const char *pattern);

/*
 * The operations that have a behaviour but were never called (an accepted
 * call), as a new array of "resource.method" strings in the order the
 * behaviours were set; owned by the caller (cJSON_Delete). CIVIS_ENOMEM.
 */
CIVIS_EXTERN civis_status civis_mock_uncalled(cJSON **out, const civis_mock *mock,
                                              civis_error *err);

/*
 * Partial match: true when `value` contains `pattern`. Objects: every key of
 * the pattern is present (snake_case and camelCase names are the same key)
 * with a matching value, recursively; other keys are ignored. Arrays: same
 * length, elements matched in order. Numbers by value (7 matches 7.0),
 * everything else by equality. When it fails and `why` is not NULL, a
 * one-line reason is written there ("id: expected 7, got 8").
 */
CIVIS_EXTERN bool civis_mock_match(const cJSON *value, const cJSON *pattern, char *why,
                                   size_t why_len);

/* Writes the journal as text, one call a line ("#0 scripts.post_sql
 * {\"name\":\"q\"} -> 201 (return)"), cut to len bytes. Returns buf. */
CIVIS_EXTERN char *civis_mock_journal_format(char *buf, size_t len, const civis_mock *mock);

/* ---- checks behind the CUnit assertions (civis/mock_assert.h) ---------------- */

/*
 * Each returns whether the expectation holds and writes into msg (len bytes,
 * always NUL-terminated) what was expected and the journal: the calls of the
 * operation with their arguments (and, for called_with, why each one does
 * not match), then every call made. An unknown operation name is a failure
 * with a did-you-mean, never a silent "not called".
 */
CIVIS_EXTERN bool civis_mock_check_called(const civis_mock *mock, const char *operation, char *msg,
                                          size_t len);
CIVIS_EXTERN bool civis_mock_check_not_called(const civis_mock *mock, const char *operation,
                                              char *msg, size_t len);
CIVIS_EXTERN bool civis_mock_check_called_with(const civis_mock *mock, const char *operation,
                                               const char *pattern, char *msg, size_t len);
CIVIS_EXTERN bool civis_mock_check_call_count(const civis_mock *mock, const char *operation,
                                              size_t count, char *msg, size_t len);

/* ---- tables and SQL: declared results --------------------------------------- */

/*
 * Declares what a table or a query holds, so that code reading it through
 * civis/io.h (civis_read_civis, civis_read_civis_sql(_rows),
 * civis_civis_to_csv, civis_export_to_civis_file, civis_query_civis,
 * civis_civis_to_multifile_csv) gets these rows with no server and no
 * network:
 *
 *     const char *cols[] = {"x", "y"};
 *     civis_table *t = NULL;
 *     civis_table_new(&t, cols, 2, &err);
 *     civis_table_add_row(t, (const char *[]){"1", "2"}, &err);
 *     civis_mock_declare_result(mock, "redshift", "scratch.points", t, &err);
 *     civis_table_free(t);  (the mock keeps a copy)
 *     ... civis_read_civis(&out, civis_mock_client(mock), "scratch.points",
 *                          NULL, 0, "redshift", NULL, &err) returns t's rows ...
 *
 * `query` is a table name ("schema.table") or SQL text. A table name
 * answers any "SELECT <columns> FROM <table>" (the listed columns, in that
 * order; "*" for all; a column the rows lack fails the run with
 * `column "z" does not exist`); SQL text answers that SQL. Both compare
 * ignoring case, runs of white space and a trailing ';'. `database` names
 * the database whose runs it answers (NULL: any); the named databases make
 * up databases.list (ids 1, 2, ... in order of first mention) unless the
 * test set a behaviour for databases.list, and credentials.list answers one
 * default database credential (id 1) unless the test set one. The latest
 * declaration that answers wins. Rows are copied; NULL values stay NULL
 * (an empty field in the CSV, "" is an empty quoted string).
 *
 * How the mock answers, as civis-mock does over HTTP: scripts.post_sql
 * keeps the SQL, its database and csv_settings; scripts.post_sql_runs runs
 * it at once; scripts.get_sql_runs reports "succeeded" with one output
 * file (include_header, column_delimiter and unquoted honoured; gzip, as
 * civis-mock writes it, unless compression is "none") at a URL the mock's
 * storage serves, and files.get of its fileId answers that URL (with
 * force_multifile the output is the manifest of one part, both files
 * served the same way); or "failed" with the error in the run's `error`;
 * queries.post / queries.get give
 * resultColumns and up to preview_rows resultRows. SQL that nothing
 * answers fails its run with a message naming this function. These
 * answers are ordinary behaviours installed by the first declaration:
 * the journal records the calls, and a behaviour the test sets afterwards
 * for one of these operations replaces the mock's.
 *
 * Presigned storage: the mock's transport serves the file URLs it handed
 * out and answers other URLs with 404; uploads (civis_file_to_civis,
 * civis_csv_to_civis, civis_table_to_civis) are kept for
 * civis_mock_upload_bytes. Uploads above the multipart threshold are not
 * served in-process.
 *
 * Errors: CIVIS_EINVAL (no query, no rows), CIVIS_ENOMEM. Strings and rows
 * are copied.
 */
CIVIS_EXTERN civis_status civis_mock_declare_result(civis_mock *mock, const char *database,
                                                    const char *query, const civis_table *rows,
                                                    civis_error *err);
/* The runs of `query` (as above) fail with `message` in the run's error,
 * which the io functions return (CIVIS_EJOB for a future's result). */
CIVIS_EXTERN civis_status civis_mock_declare_error(civis_mock *mock, const char *database,
                                                   const char *query, const char *message,
                                                   civis_error *err);

/* The uploads the mock's storage received (form POSTs to an uploadUrl), in
 * order. civis_mock_upload_bytes returns the i-th one's bytes (borrowed,
 * NUL-terminated, valid until civis_mock_free) with their length and the
 * file name the client gave, or NULL past the end. */
CIVIS_EXTERN size_t civis_mock_upload_count(const civis_mock *mock);
CIVIS_EXTERN const char *civis_mock_upload_bytes(const civis_mock *mock, size_t i, size_t *len,
                                                 const char **filename);

/* ---- container scripts --------------------------------------------------------- */

/*
 * Presets for code that runs container scripts, as the official client's
 * create_client_mock_for_container_tests does. Zero fields take the
 * defaults shown.
 */
typedef struct civis_mock_container_opts {
    long long script_id;          /* 0 means -10 */
    long long run_id;             /* 0 means 100 */
    const char *state;            /* the run's state; NULL means "succeeded" */
    const char *run_outputs_json; /* JSON array of run outputs; NULL means [] */
    const char *logs_json;        /* JSON array of log lines; NULL means [] */
} civis_mock_container_opts;

/*
 * Sets: scripts.post_containers -> {"id": script_id};
 * scripts.post_containers_runs -> {"id": run_id, "container_id": script_id,
 * "state": "queued"}; scripts.get_containers_runs -> {"id", "container_id",
 * "state": state} plus "error": "None" when the state is "failed";
 * scripts.list_containers_runs_outputs and jobs.list_runs_outputs -> the
 * outputs; jobs.list_runs_logs -> the logs; scripts.post_cancel -> the run
 * with state "cancelled", after which get_containers_runs answers
 * "cancelled" too. `opts` may be NULL. CIVIS_EINVAL when the spec lacks one
 * of these operations or a JSON text is not an array; CIVIS_ENOMEM.
 */
CIVIS_EXTERN civis_status civis_mock_container_setup(civis_mock *mock,
                                                     const civis_mock_container_opts *opts,
                                                     civis_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_MOCK_H */
