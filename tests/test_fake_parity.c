/*
 * test_fake_parity.c: the in-process mock and civis-mock are two faces of
 * one fake Civis API. Each request of the table goes to civis-mock over
 * HTTP and through the in-process mock's transport (the bytes libcivis
 * would send), and both must answer the expected status with the same
 * `error`, the same problems (location, field, problem, suggestion), the
 * same Allow header and, for a success, the same body.
 *
 * Then the null cases through libcivis itself, to both: the official
 * client's CSV-import body, scripts.post_sql with credential_id null, and a
 * required field sent as null.
 */
#include <stdlib.h>
#include <string.h>

#include "../client/src/client_internal.h"
#include "civis/mock.h"
#include "mockproc.h"
#include "test.h"

/* --stateless: the simulation is civis-mock's own hook; parity is about
 * what both answer with nothing set up. */
static const char *const stateless[] = {"--stateless", NULL};

static civis_mockproc mp;
static civis_mock *mock;

static int suite_init(void)
{
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_mock_new(&mock, NULL, &err) != CIVIS_OK) {
        fprintf(stderr, "civis_mock_new: %s\n", err.message);
        return 1;
    }
    return civis_mockproc_start(&mp, stateless) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    civis_mock_free(mock);
    mock = NULL;
    return civis_mockproc_stop(&mp) == 0 ? 0 : 1;
}

typedef struct row {
    const char *method;
    const char *target; /* path and query */
    const char *body;   /* raw bytes, or NULL */
    long status;        /* what both must answer */
} row;

#define CSV_BODY                                                                                   \
    "{\"source\": {\"file_ids\": [5]}, \"destination\": {\"schema\": \"s\", \"table\": \"t\","     \
    " \"remote_host_id\": 1, \"credential_id\": null, \"primary_keys\": null,"                     \
    " \"last_modified_keys\": null}, \"first_row_is_header\": true, \"column_delimiter\":"         \
    " \"comma\", \"escaped\": false, \"compression\": \"none\", \"existing_table_rows\": "         \
    "\"fail\","                                                                                    \
    " \"max_errors\": null, \"table_columns\": null, \"loosen_types\": false, \"execution\":"      \
    " \"immediate\", \"redshift_destination_options\": {\"diststyle\": null, \"distkey\": null,"   \
    " \"sortkeys\": [null, null]}, \"hidden\": true}"

#define SQL_OK "\"name\": \"n\", \"sql\": \"select 1\", \"remote_host_id\": 1"

static const row rows[] = {
    /* routing */
    {"GET", "/users/me", NULL, 200},
    {"GET", "/users/me/", NULL, 200},
    {"DELETE", "/users/me", NULL, 405},
    {"POST", "/users/me", "{}", 405},
    {"GET", "/nowhere/1", NULL, 404},
    {"GET", "/scripts/sqll/7", NULL, 404},
    /* path and query types, unknown query names */
    {"GET", "/scripts/sql/abc", NULL, 400},
    {"GET", "/scripts/sql/7", NULL, 200},
    {"GET", "/scripts/sql/7?bogus=1", NULL, 400},
    {"GET", "/scripts?limit=abc", NULL, 400},
    {"GET", "/scripts?limt=5", NULL, 400},
    {"GET", "/scripts?limit=2&page_num=2", NULL, 200},
    {"GET", "/scripts?limit=2&page_num=999", NULL, 200},
    {"GET", "/scripts?limit=2&page_num=x", NULL, 400},
    {"GET", "/files/abc", NULL, 400},
    /* bodies that are not JSON or not objects */
    {"POST", "/scripts/sql", "not json", 400},
    {"POST", "/scripts/sql", "[1, 2]", 400},
    {"POST", "/scripts/sql", "\"text\"", 400},
    {"POST", "/scripts/sql", "{\"name\": \"n\"} trailing", 400},
    {"POST", "/scripts/sql", NULL, 400},
    /* top level: unknown, mistyped, missing, given twice */
    {"POST", "/scripts/sql", "{" SQL_OK ", \"credential_id\": 2}", 201},
    {"POST", "/scripts/sql", "{" SQL_OK ", \"credential_id\": 2, \"bogusField\": 1}", 400},
    {"POST", "/scripts/sql", "{" SQL_OK ", \"credential_id\": 2, \"remoteHostId\": 3}", 400},
    {"POST", "/scripts/sql",
     "{\"name\": \"n\", \"sql\": \"s\", \"remoteHostId\": \"notanint\", \"credentialId\": 2}", 400},
    {"POST", "/scripts/sql", "{\"sql\": \"s\", \"remote_host_id\": 1, \"credential_id\": 2}", 400},
    {"POST", "/scripts/sql", "{}", 400},
    {"POST", "/scripts/sql", "{" SQL_OK ", \"credential_id\": 2, \"nmae\": \"x\"}", 400},
    /* nulls: optional, required, credential defaulted by the API */
    {"POST", "/scripts/sql", "{" SQL_OK ", \"credential_id\": null}", 201},
    {"POST", "/scripts/sql", "{" SQL_OK ", \"credential_id\": 2, \"parent_id\": null}", 201},
    {"POST", "/scripts/sql",
     "{\"name\": null, \"sql\": \"s\", \"remote_host_id\": 1, \"credential_id\": 2}", 400},
    {"POST", "/scripts/sql",
     "{\"name\": \"n\", \"sql\": \"s\", \"remote_host_id\": null, \"credential_id\": 2}", 400},
    {"POST", "/imports/files/csv", CSV_BODY, 201},
    {"POST", "/imports/files/csv",
     "{\"source\": {\"file_ids\": [5]}, \"destination\": null, \"first_row_is_header\": true}",
     400},
    {"POST", "/imports/files/csv", "{\"source\": {\"file_ids\": [5]}, \"destination\": {}}", 400},
    /* nested: type errors and unknown properties at several depths */
    {"POST", "/scripts/containers",
     "{\"required_resources\": {\"cpu\": \"many\", \"memory\": 1024}}", 400},
    {"POST", "/scripts/containers", "{\"required_resources\": {\"cpu\": 512, \"memroy\": 1024}}",
     400},
    {"POST", "/scripts/containers", "{\"required_resources\": \"big\"}", 400},
    {"POST", "/scripts/containers",
     "{\"required_resources\": {\"cpu\": 1, \"memory\": 2}, \"params\": [{\"nmae\": \"a\"}]}", 400},
    {"POST", "/scripts/containers",
     "{\"required_resources\": {\"cpu\": 1, \"memory\": 2}, \"schedule\": {\"scheduledDays\":"
     " [\"mon\"]}}",
     400},
    {"POST", "/scripts/containers",
     "{\"required_resources\": {\"cpu\": 1, \"memory\": 2}, \"docker_command\": \"x\","
     " \"docker_image_name\": \"i\"}",
     201},
    {"POST", "/scripts/containers", "{\"docker_command\": \"x\"}", 400},
    {"PATCH", "/scripts/sql/7", "{\"name\": 5}", 400},
    {"PATCH", "/scripts/sql/7", "{\"name\": null}", 200},
    {"PATCH", "/scripts/sql/7", "{\"nam\": \"x\"}", 400},
    /* answers with nothing canned: runs that end, lists and pages */
    {"GET", "/scripts/sql/7/runs/8", NULL, 200},
    {"GET", "/scripts/sql/7/runs?limit=1", NULL, 200},
    {"GET", "/jobs/7", NULL, 200},
    {"GET", "/databases", NULL, 200},
};

static const char *str_field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

typedef struct answer {
    long status;
    char *allow; /* Allow header, or NULL */
    cJSON *body; /* parsed body, or NULL */
} answer;

static void answer_clear(answer *a)
{
    free(a->allow);
    cJSON_Delete(a->body);
    memset(a, 0, sizeof(*a));
}

static void over_http(answer *a, const row *r)
{
    civis_http_reply rep;
    civis_mockproc_call(&rep, &mp, r->method, r->target, "parity-key", r->body);
    a->status = rep.status;
    const char *allow = civis_http_reply_header(&rep, "Allow");
    a->allow = allow ? strdup(allow) : NULL;
    a->body = civis_http_reply_json(&rep);
    civis_http_reply_clear(&rep);
}

/* The bytes libcivis would send, through the in-process mock's transport. */
static void in_process(answer *a, const row *r)
{
    civis_client *client = civis_mock_client(mock);
    char path[512];
    snprintf(path, sizeof(path), "%s", r->target);
    char *q = strchr(path, '?');
    const char *query = "";
    if (q != NULL) {
        *q = '\0';
        query = q + 1;
    }
    civis_http_request req = {
        .method = r->method,
        .url = "",
        .path = path,
        .query = query,
        .body = r->body,
        .body_len = r->body ? strlen(r->body) : 0,
        .timeout_ms = 1000,
        .connect_timeout_ms = 1000,
        .attempt = 1,
    };
    civis_http_response resp;
    memset(&resp, 0, sizeof(resp));
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = client->transport.send(client->transport_ctx, &req, &resp, &err);
    CU_ASSERT_EQUAL(st, CIVIS_OK);
    a->status = resp.status;
    const char *allow = civis_http_response_header(&resp, "Allow");
    a->allow = allow ? strdup(allow) : NULL;
    a->body = resp.body ? cJSON_ParseWithLength(resp.body, resp.body_len) : NULL;
    civis_http_response_clear(&resp);
}

static bool same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void report(const row *r, const char *what, const answer *h, const answer *m)
{
    char *hb = h->body ? cJSON_PrintUnformatted(h->body) : NULL;
    char *mb = m->body ? cJSON_PrintUnformatted(m->body) : NULL;
    fprintf(stderr, "\n  %s %s: %s\n    civis-mock (%ld): %.400s\n    in-process (%ld): %.400s\n",
            r->method, r->target, what, h->status, hb ? hb : "(none)", m->status,
            mb ? mb : "(none)");
    cJSON_free(hb);
    cJSON_free(mb);
}

static void test_parity__every_request_gets_one_answer_from_both(void)
{
    size_t n = sizeof(rows) / sizeof(rows[0]);
    CU_ASSERT(n >= 40);
    size_t problems_seen = 0;
    for (size_t i = 0; i < n; i++) {
        const row *r = &rows[i];
        answer h = {0}, m = {0};
        over_http(&h, r);
        in_process(&m, r);
        if (h.status != r->status || m.status != r->status)
            report(r, "unexpected status", &h, &m);
        CU_ASSERT_EQUAL(h.status, r->status);
        CU_ASSERT_EQUAL(m.status, r->status);
        if (!same_text(h.allow, m.allow))
            report(r, "Allow differs", &h, &m);
        CU_ASSERT(same_text(h.allow, m.allow));
        if (r->status == 405)
            CU_ASSERT_PTR_NOT_NULL(h.allow);
        if (r->status >= 400) {
            CU_ASSERT_PTR_NOT_NULL(str_field(h.body, "error"));
            CU_ASSERT(same_text(str_field(h.body, "error"), str_field(m.body, "error")));
            CU_ASSERT(same_text(str_field(h.body, "errorDescription"),
                                str_field(m.body, "errorDescription")));
        }
        /* the whole body: problems (location, field, problem, suggestion)
         * in order, or the same synthesized answer */
        const cJSON *hp = cJSON_GetObjectItemCaseSensitive(h.body, "problems");
        if (r->status == 400) {
            CU_ASSERT(cJSON_GetArraySize(hp) > 0);
            problems_seen += (size_t)cJSON_GetArraySize(hp);
        }
        bool equal = cJSON_Compare(h.body, m.body, 1) || (h.body == NULL && m.body == NULL);
        if (!equal)
            report(r, "bodies differ", &h, &m);
        CU_ASSERT(equal);
        answer_clear(&h);
        answer_clear(&m);
    }
    CU_ASSERT(problems_seen >= 25);
}

/* The problem list of a civis-mock answer names what was wrong. */
static void test_parity__problems_name_the_field_and_suggest(void)
{
    answer h = {0};
    row r = {"POST", "/scripts/containers",
             "{\"required_resources\": {\"cpu\": 512, \"memroy\": 1024}}", 400};
    over_http(&h, &r);
    const cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(h.body, "problems"), 0);
    CU_ASSERT(same_text(str_field(p, "location"), "body"));
    CU_ASSERT(same_text(str_field(p, "field"), "required_resources.memroy"));
    CU_ASSERT(same_text(str_field(p, "problem"), "unknown property"));
    CU_ASSERT(same_text(str_field(p, "suggestion"), "memory"));
    answer_clear(&h);

    row nul = {"POST", "/scripts/sql",
               "{\"name\": null, \"sql\": \"s\", \"remote_host_id\": 1, \"credential_id\": 2}",
               400};
    over_http(&h, &nul);
    p = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(h.body, "problems"), 0);
    CU_ASSERT(same_text(str_field(p, "field"), "name"));
    CU_ASSERT(same_text(str_field(p, "problem"), "must be string, got null"));
    answer_clear(&h);
}

/* Defaults that end: with nothing canned, a run is finished in both, and so
 * is a job's last run, so a polling loop in a unit test ends. */
static void test_parity__runs_answer_finished_in_both(void)
{
    static const row runs[] = {
        {"GET", "/scripts/sql/7/runs/8", NULL, 200},
        {"GET", "/scripts/containers/7/runs/8", NULL, 200},
        {"POST", "/scripts/sql/7/runs", "{}", 202},
    };
    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        answer h = {0}, m = {0};
        over_http(&h, &runs[i]);
        in_process(&m, &runs[i]);
        CU_ASSERT(h.status >= 200 && h.status < 300);
        CU_ASSERT_EQUAL(h.status, m.status);
        CU_ASSERT(same_text(str_field(h.body, "state"), "succeeded"));
        CU_ASSERT(same_text(str_field(m.body, "state"), "succeeded"));
        answer_clear(&h);
        answer_clear(&m);
    }
    answer h = {0};
    row job = {"GET", "/jobs/7", NULL, 200};
    in_process(&h, &job);
    const cJSON *last = cJSON_GetObjectItemCaseSensitive(h.body, "lastRun");
    CU_ASSERT(same_text(str_field(last, "state"), "succeeded"));
    answer_clear(&h);

    /* through libcivis: the user guide's polling loop ends */
    civis_error err = CIVIS_ERROR_INIT;
    civis_response *run = NULL;
    ASSERT_CIVIS_OK(civis_callv(&run, civis_mock_client(mock), "scripts", "get_sql_runs", &err,
                                "id", CIVIS_INT(7), "run_id", CIVIS_INT(8), CIVIS_END),
                    err);
    const char *state = NULL;
    ASSERT_CIVIS_OK(civis_response_string(&state, run, "state", &err), err);
    CU_ASSERT_STRING_EQUAL(state, "succeeded");
    civis_response_free(run);
}

/* ---- the null cases through libcivis, to both -------------------------------- */

static civis_status post_through(civis_client *client, const char *resource, const char *method,
                                 const char *args_json, civis_error *err)
{
    cJSON *args = cJSON_Parse(args_json);
    CU_ASSERT_PTR_NOT_NULL_FATAL(args);
    civis_response *resp = NULL;
    civis_status st = civis_call_take(&resp, client, resource, method, args, err);
    civis_response_free(resp);
    return st;
}

static void nulls_through(civis_client *client)
{
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(post_through(client, "imports", "post_files_csv", CSV_BODY, &err), err);
    err = (civis_error)CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(
        post_through(client, "scripts", "post_sql", "{" SQL_OK ", \"credential_id\": null}", &err),
        err);
    err = (civis_error)CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(post_through(client, "scripts", "post_sql",
                                 "{\"name\": null, \"sql\": \"s\", \"remote_host_id\": 1,"
                                 " \"credential_id\": 2}",
                                 &err),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "name");
    CU_ASSERT_STRING_EQUAL(err.message,
                           "argument 'name' of scripts.post_sql must be string, got null");
}

static void test_parity__nulls_through_libcivis_to_civis_mock(void)
{
    civis_client_options o = {.base_url = mp.base_url, .api_key = "parity-key"};
    civis_client *client = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_client_new(&client, &o, &err), err);
    nulls_through(client);
    civis_client_free(client);
}

static void test_parity__nulls_through_libcivis_to_the_in_process_mock(void)
{
    nulls_through(civis_mock_client(mock));
}

static CU_TestInfo tests[] = {
    {"every request gets one answer from both",
     test_parity__every_request_gets_one_answer_from_both},
    {"problems name the field and suggest", test_parity__problems_name_the_field_and_suggest},
    {"runs answer finished in both", test_parity__runs_answer_finished_in_both},
    {"nulls through libcivis to civis-mock", test_parity__nulls_through_libcivis_to_civis_mock},
    {"nulls through libcivis to the in-process mock",
     test_parity__nulls_through_libcivis_to_the_in_process_mock},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(fake_parity, tests, suite_init, suite_cleanup)
