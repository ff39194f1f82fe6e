/*
 * test_spec_fixtures.c: the fixture format (every field's error, exact text),
 * atomic adds, every matching rule, sequences, scopes, ids, directory
 * loading, the shipped fixtures/examples, and one sequence shared by four
 * threads.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civis/sys/fixture.h"
#include "civis/spec.h"
#include "test.h"

static civis_spec *spec;

static int setup(void)
{
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_load_bundled(&spec, &err) != CIVIS_OK) {
        fprintf(stderr, "bundled spec: %s\n", err.message);
        return 1;
    }
    return 0;
}

static int teardown(void)
{
    civis_spec_free(spec);
    return 0;
}

static civis_fixture_set *new_set(void)
{
    civis_fixture_set *set = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_fixtures_new(&set, spec, &err), err);
    return set;
}

static civis_status add(civis_fixture_set *set, const char *text, const char *source,
                        const char *scope, civis_error *err)
{
    return civis_fixtures_add_text(set, text, strlen(text), source, scope, NULL, err);
}

static void add_ok(civis_fixture_set *set, const char *text)
{
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(add(set, text, "t.json", NULL, &err), err);
}

/* Adds `text` to a fresh set and checks the exact error it gives. */
static void expect_error(const char *text, civis_status code, const char *param,
                         const char *message)
{
    civis_fixture_set *set = new_set();
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = add(set, text, "x.json", NULL, &err);
    CU_ASSERT_EQUAL(st, code);
    if (strcmp(err.message, message) != 0 || strcmp(err.param, param) != 0)
        fprintf(stderr, "\n  for %s\n  got      [%s] %s\n  expected [%s] %s\n", text, err.param,
                err.message, param, message);
    CU_ASSERT_STRING_EQUAL(err.message, message);
    CU_ASSERT_STRING_EQUAL(err.param, param);
    CU_ASSERT_EQUAL(civis_fixtures_count(set), 0);
    civis_fixtures_free(set);
}

typedef struct req_args {
    const char *method;
    const char *path;
    const civis_kv *query;
    size_t n_query;
    const char *body; /* JSON text or NULL */
    const char *key;
    bool route; /* fill req.op from the router, as the servers do */
} req_args;

/* Matches a request; returns the response's status (0 for no match) and
 * the body in *body (malloc'd copy, may be NULL). */
static int match(civis_fixture_set *set, const req_args *a, char **body)
{
    civis_fixture_request req = {
        .method = a->method,
        .path = a->path,
        .query = a->query,
        .n_query = a->n_query,
        .api_key = a->key,
    };
    civis_route r;
    if (a->route && civis_spec_route(&r, spec, a->method, a->path, NULL) == CIVIS_OK)
        req.op = r.op;
    cJSON *parsed = a->body ? cJSON_Parse(a->body) : NULL;
    if (a->body != NULL)
        CU_ASSERT_PTR_NOT_NULL_FATAL(parsed);
    req.body = parsed;
    civis_fixture_response out;
    bool hit = civis_fixtures_match(set, &req, &out);
    cJSON_Delete(parsed);
    if (body != NULL)
        *body = NULL;
    if (!hit)
        return 0;
    if (body != NULL && out.body != NULL)
        *body = strdup(out.body);
    int status = out.status;
    civis_fixture_response_clear(&out);
    return status;
}

/* The body a GET of `path` answers with, or "" when nothing matches. */
static char last_body[256];
static const char *get_body(civis_fixture_set *set, const char *path)
{
    req_args a = {.method = "GET", .path = path, .route = true};
    char *b = NULL;
    int st = match(set, &a, &b);
    snprintf(last_body, sizeof(last_body), "%s", st == 0 ? "" : (b ? b : "(none)"));
    free(b);
    return last_body;
}

/* ---- format errors ------------------------------------------------------------ */

static void test_fixtures__unknown_keys_are_errors_with_suggestions(void)
{
    expect_error("[{\"request\":{\"method\":\"GET\",\"path\":\"/users/me\"},\"respons\":{}}]",
                 CIVIS_EINVAL, "[0]",
                 "x.json: [0]: unknown key 'respons' (did you mean 'response'?)");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/users/me\",\"qurey\":{}},"
                 "\"response\":{}}",
                 CIVIS_EINVAL, "[0].request",
                 "x.json: [0].request: unknown key 'qurey' (did you mean 'query'?)");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/users/me\"},"
                 "\"response\":{\"stauts\":200}}",
                 CIVIS_EINVAL, "[0].response",
                 "x.json: [0].response: unknown key 'stauts' (did you mean 'status'?)");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/users/me\"},"
                 "\"responses\":[{},{\"bdy\":1}]}",
                 CIVIS_EINVAL, "[0].responses[1]",
                 "x.json: [0].responses[1]: unknown key 'bdy' (did you mean 'body'?)");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/users/me\"},\"response\":{},"
                 "\"zzzzzzzzzz\":1}",
                 CIVIS_EINVAL, "[0]",
                 "x.json: [0]: unknown key 'zzzzzzzzzz' (expected name, operation, request, "
                 "response, responses)");
    expect_error("{\"fixtures\":[],\"fixturez\":1}", CIVIS_EINVAL, "fixture",
                 "x.json: unknown key 'fixturez' (did you mean 'fixtures'?)");
}

static void test_fixtures__request_errors_name_the_field(void)
{
    expect_error(
        "[{\"operation\":\"users.get_me\",\"response\":{}},"
        "{\"request\":{\"method\":\"GET\",\"path\":\"/no_such_resource/nope\"},\"response\":{}}]",
        CIVIS_EINVAL, "[1].request.path",
        "x.json: [1].request.path: no operation matches GET /no_such_resource/nope");
    /* a path that exists with other verbs is no operation for this one */
    expect_error("{\"request\":{\"method\":\"DELETE\",\"path\":\"/users/me\"},\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.path",
                 "x.json: [0].request.path: no operation matches DELETE /users/me");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/scripts/{id}/nope\"},"
                 "\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.path",
                 "x.json: [0].request.path: no operation matches GET /scripts/{id}/nope");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"users/me\"},\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.path",
                 "x.json: [0].request.path: must start with '/', got 'users/me'");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/users/me?x=1\"},\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.path",
                 "x.json: [0].request.path: must not contain a query string; put the values "
                 "in request.query");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/scripts/sql/{id\"},\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.path",
                 "x.json: [0].request.path: segment '{id' must be a whole {name} placeholder");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/scripts//sql\"},\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.path",
                 "x.json: [0].request.path: has an empty segment: '/scripts//sql'");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":7},\"response\":{}}", CIVIS_EINVAL,
                 "[0].request.path", "x.json: [0].request.path: must be a string, got number");
    expect_error("{\"request\":{\"method\":\"FETCH\",\"path\":\"/users/me\"},\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.method",
                 "x.json: [0].request.method: must be GET, POST, PUT, PATCH or DELETE, got "
                 "'FETCH'");
    expect_error("{\"request\":{\"method\":\"HEAD\",\"path\":\"/users/me\"},\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.method",
                 "x.json: [0].request.method: must be GET, POST, PUT, PATCH or DELETE, got "
                 "'HEAD'");
    expect_error("{\"request\":{\"path\":\"/users/me\"},\"response\":{}}", CIVIS_EINVAL,
                 "[0].request.method",
                 "x.json: [0].request.method: missing (GET, POST, PUT, PATCH or DELETE)");
    expect_error("{\"request\":{\"method\":\"GET\"},\"response\":{}}", CIVIS_EINVAL,
                 "[0].request.path",
                 "x.json: [0].request.path: missing (give request.path, or operation, or both)");
    expect_error("{\"response\":{}}", CIVIS_EINVAL, "[0]",
                 "x.json: [0]: missing 'request' (or 'operation')");
    expect_error("{\"request\":[],\"response\":{}}", CIVIS_EINVAL, "[0].request",
                 "x.json: [0].request: must be an object (method, path, query, body, api_key), "
                 "got array");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/users/me\",\"api_key\":\"\"},"
                 "\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.api_key",
                 "x.json: [0].request.api_key: must be a non-empty string");
    expect_error("{\"name\":5,\"operation\":\"users.get_me\",\"response\":{}}", CIVIS_EINVAL,
                 "[0].name", "x.json: [0].name: must be a string, got number");
}

static void test_fixtures__operation_errors_and_agreement(void)
{
    expect_error("[{\"operation\":\"scripts.get_sql_run\",\"response\":{}}]", CIVIS_EINVAL,
                 "[0].operation",
                 "x.json: [0].operation: no method 'get_sql_run' on resource 'scripts' (did you "
                 "mean 'get_sql_runs'?)");
    expect_error("{\"operation\":\"scirpts.get_sql\",\"response\":{}}", CIVIS_EINVAL,
                 "[0].operation",
                 "x.json: [0].operation: no resource 'scirpts' (did you mean 'scripts'?)");
    expect_error("{\"operation\":\"users\",\"response\":{}}", CIVIS_EINVAL, "[0].operation",
                 "x.json: [0].operation: 'users' is not of the form resource.method");
    expect_error("{\"operation\":5,\"response\":{}}", CIVIS_EINVAL, "[0].operation",
                 "x.json: [0].operation: must be a string \"resource.method\", got number");
    expect_error("{\"operation\":\"scripts.get_containers\",\"request\":{\"method\":\"GET\","
                 "\"path\":\"/scripts/sql/7\"},\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.path",
                 "x.json: [0].request.path: GET /scripts/sql/7 is scripts.get_sql, not the "
                 "operation scripts.get_containers");
    expect_error("{\"operation\":\"scripts.get_sql\",\"request\":{\"method\":\"PATCH\"},"
                 "\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.method",
                 "x.json: [0].request.method: scripts.get_sql is GET /scripts/sql/{id}, not "
                 "PATCH");
}

static void test_fixtures__query_errors(void)
{
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/scripts/sql/7/runs\","
                 "\"query\":{\"limt\":2}},\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.query.limt",
                 "x.json: [0].request.query.limt: no query parameter 'limt' on "
                 "scripts.list_sql_runs (did you mean 'limit'?)");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/scripts/sql/7/runs\","
                 "\"query\":{\"limit\":{}}},\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.query.limit",
                 "x.json: [0].request.query.limit: must be a string, number, boolean or an "
                 "array of them, got object");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/tables\","
                 "\"query\":{\"table_tag_ids\":[1,[2]]}},\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.query.table_tag_ids",
                 "x.json: [0].request.query.table_tag_ids: must be a string, number, boolean or "
                 "an array of them, got array");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/tables\","
                 "\"query\":{\"table_tag_ids\":[1],\"table_tag_ids[]\":[2]}},\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.query.table_tag_ids[]",
                 "x.json: [0].request.query.table_tag_ids[]: 'table_tag_ids' is given twice");
    expect_error("{\"request\":{\"method\":\"GET\",\"path\":\"/users/me\",\"query\":[]},"
                 "\"response\":{}}",
                 CIVIS_EINVAL, "[0].request.query",
                 "x.json: [0].request.query: must be an object of name -> value, got array");
}

static void test_fixtures__response_errors(void)
{
    const char *bad_status[] = {"600", "99", "\"200\"", "200.5", "null"};
    for (size_t i = 0; i < sizeof(bad_status) / sizeof(bad_status[0]); i++) {
        char doc[160];
        snprintf(doc, sizeof(doc),
                 "[{\"operation\":\"users.get_me\",\"response\":{\"status\":%s}}]", bad_status[i]);
        expect_error(doc, CIVIS_EINVAL, "[0].response.status",
                     "x.json: [0].response.status: must be an integer from 100 to 599");
    }
    expect_error("{\"operation\":\"users.get_me\",\"responses\":[{},{\"status\":1000}]}",
                 CIVIS_EINVAL, "[0].responses[1].status",
                 "x.json: [0].responses[1].status: must be an integer from 100 to 599");
    expect_error("{\"operation\":\"users.get_me\",\"response\":{\"headers\":{\"X-A\":1}}}",
                 CIVIS_EINVAL, "[0].response.headers.X-A",
                 "x.json: [0].response.headers.X-A: must be a string, got number");
    expect_error("{\"operation\":\"users.get_me\",\"response\":{\"headers\":{\"X A\":\"1\"}}}",
                 CIVIS_EINVAL, "[0].response.headers.X A",
                 "x.json: [0].response.headers.X A: is not a valid header (name without ':' or "
                 "spaces, value on one line)");
    expect_error("{\"operation\":\"users.get_me\",\"response\":{\"headers\":[]}}", CIVIS_EINVAL,
                 "[0].response.headers",
                 "x.json: [0].response.headers: must be an object of name -> string, got array");
    expect_error("{\"operation\":\"users.get_me\",\"response\":5}", CIVIS_EINVAL, "[0].response",
                 "x.json: [0].response: must be an object (status, headers, body), got number");
    expect_error("{\"operation\":\"users.get_me\",\"response\":{},\"responses\":[{}]}",
                 CIVIS_EINVAL, "[0]",
                 "x.json: [0]: give either 'response' or 'responses', not both");
    expect_error("{\"operation\":\"users.get_me\"}", CIVIS_EINVAL, "[0]",
                 "x.json: [0]: missing 'response' (or 'responses', a sequence)");
    expect_error("{\"operation\":\"users.get_me\",\"responses\":[]}", CIVIS_EINVAL, "[0].responses",
                 "x.json: [0].responses: must be a non-empty array of responses, got an empty "
                 "array");
}

static void test_fixtures__document_errors(void)
{
    expect_error("\"hi\"", CIVIS_EINVAL, "fixture",
                 "x.json: must be an exchange object, an array of them or {\"fixtures\": [...]}, "
                 "got string");
    expect_error("{\"fixtures\":{}}", CIVIS_EINVAL, "fixtures",
                 "x.json: fixtures: must be an array of exchanges, got object");
    expect_error("[{\"operation\":\"users.get_me\",\"response\":{}}, 3]", CIVIS_EINVAL, "[1]",
                 "x.json: [1]: must be an exchange object (request, response), got number");
    expect_error("[{\"operation\":\"users.get_me\",\n  \"response\":{,}}]", CIVIS_EPARSE, "fixture",
                 "x.json: not valid JSON near byte 45 (line 2, column 16)");
    expect_error("{} {}", CIVIS_EPARSE, "fixture",
                 "x.json: not valid JSON near byte 3 (line 1, column 4)");
    expect_error("  ", CIVIS_EPARSE, "fixture", "x.json: empty document, expected JSON");

    /* NULL arguments are errors, not crashes */
    civis_fixture_set *set = new_set();
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_fixtures_add_json(set, NULL, "s", NULL, NULL, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "s: no document (NULL)");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_fixtures_add_text(NULL, "{}", 2, "s", NULL, NULL, &err), CIVIS_EINVAL);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_fixtures_load_path(set, NULL, &err), CIVIS_EINVAL);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(add(set, "{\"operation\":\"users.get_me\",\"response\":{}}", "s", "", &err),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "s: the scope key must be NULL or a non-empty string");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(add(set,
                        "{\"request\":{\"method\":\"GET\",\"path\":\"/users/me\","
                        "\"api_key\":\"k1\"},\"response\":{}}",
                        "s", "k2", &err),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "s: [0].request.api_key: differs from the API key these fixtures are "
                           "added for");
    CU_ASSERT_EQUAL(civis_fixtures_count(set), 0);
    CU_ASSERT_FALSE(civis_fixtures_match(set, NULL, NULL));
    CU_ASSERT_EQUAL(civis_fixtures_count(NULL), 0);
    civis_fixtures_free(set);
    civis_fixtures_free(NULL);
    civis_fixture_response_clear(NULL);
}

static void test_fixtures__a_failing_document_adds_nothing(void)
{
    civis_fixture_set *set = new_set();
    civis_error err = CIVIS_ERROR_INIT;
    int first = -1;
    const char *doc = "[{\"operation\":\"users.get_me\",\"response\":{\"body\":{\"id\":1}}},"
                      "{\"operation\":\"scripts.get_sql\",\"response\":{}},"
                      "{\"operation\":\"users.get_me\",\"response\":{\"status\":0}}]";
    CU_ASSERT_EQUAL(civis_fixtures_add_text(set, doc, strlen(doc), "a.json", NULL, &first, &err),
                    CIVIS_EINVAL);
    CU_ASSERT_EQUAL(first, 0);
    CU_ASSERT_EQUAL(civis_fixtures_count(set), 0);
    CU_ASSERT_STRING_EQUAL(get_body(set, "/users/me"), "");

    /* ids are handed out from 1, consecutive within a document */
    doc = "[{\"operation\":\"users.get_me\",\"response\":{}},"
          "{\"operation\":\"scripts.get_sql\",\"response\":{}}]";
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_fixtures_add_text(set, doc, strlen(doc), "a.json", NULL, &first, &err),
                    err);
    CU_ASSERT_EQUAL(first, 1);
    CU_ASSERT_EQUAL(civis_fixtures_count(set), 2);
    ASSERT_CIVIS_OK(civis_fixtures_add_text(set, doc, strlen(doc), "b.json", NULL, &first, &err),
                    err);
    CU_ASSERT_EQUAL(first, 3);
    /* an empty list is valid and adds nothing */
    ASSERT_CIVIS_OK(civis_fixtures_add_text(set, "{\"fixtures\":[]}", 15, "c", NULL, &first, &err),
                    err);
    CU_ASSERT_EQUAL(first, 0);
    CU_ASSERT_EQUAL(civis_fixtures_count(set), 4);
    civis_fixtures_free(set);
}

/* ---- matching ------------------------------------------------------------------ */

static void test_fixtures__response_fields_are_copied_out(void)
{
    civis_fixture_set *set = new_set();
    civis_error err = CIVIS_ERROR_INIT;
    int first = 0;
    const char *doc = "[{\"operation\":\"users.get_me\",\"response\":{\"status\":203,"
                      "\"headers\":{\"X-A\":\"1\"},\"body\":{\"id\": 5, \"name\": \"x\"}}},"
                      "{\"operation\":\"scripts.post_sql\",\"response\":{\"body\":null}},"
                      "{\"operation\":\"scripts.get_sql\",\"response\":{\"body\":[1, 2]}}]";
    ASSERT_CIVIS_OK(
        civis_fixtures_add_text(set, doc, strlen(doc), "dir/r.json", NULL, &first, &err), err);
    civis_fixture_request req = {.method = "GET", .path = "/users/me"};
    civis_fixture_response out;
    CU_ASSERT_FATAL(civis_fixtures_match(set, &req, &out));
    CU_ASSERT_EQUAL(out.status, 203);
    CU_ASSERT_STRING_EQUAL(out.body, "{\"id\":5,\"name\":\"x\"}");
    CU_ASSERT_EQUAL(out.body_len, strlen("{\"id\":5,\"name\":\"x\"}"));
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(out.headers, "X-A");
    CU_ASSERT(cJSON_IsString(h) && strcmp(h->valuestring, "1") == 0);
    CU_ASSERT_EQUAL(out.fixture_id, first);
    CU_ASSERT_STRING_EQUAL(out.source, "dir/r.json#0");
    civis_fixture_response_clear(&out);
    CU_ASSERT_PTR_NULL(out.body);
    CU_ASSERT_PTR_NULL(out.headers);

    /* status defaults to the operation's declared one; null body is no body */
    req = (civis_fixture_request){.method = "POST", .path = "/scripts/sql"};
    CU_ASSERT_FATAL(civis_fixtures_match(set, &req, &out));
    CU_ASSERT_EQUAL(out.status, 201);
    CU_ASSERT_PTR_NULL(out.body);
    CU_ASSERT_PTR_NULL(out.headers);
    CU_ASSERT_EQUAL(out.fixture_id, first + 1);
    CU_ASSERT_STRING_EQUAL(out.source, "dir/r.json#1");
    civis_fixture_response_clear(&out);
    req = (civis_fixture_request){.method = "GET", .path = "/scripts/sql/3"};
    CU_ASSERT_FATAL(civis_fixtures_match(set, &req, &out));
    CU_ASSERT_EQUAL(out.status, 200);
    CU_ASSERT_STRING_EQUAL(out.body, "[1,2]");
    civis_fixture_response_clear(&out);
    civis_fixtures_free(set);
}

static void test_fixtures__method_and_concrete_path(void)
{
    civis_fixture_set *set = new_set();
    add_ok(set, "{\"request\":{\"method\":\"get\",\"path\":\"/scripts/sql/7/\"},"
                "\"response\":{\"body\":\"seven\"}}");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/scripts/sql/7"), "\"seven\"");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/scripts/sql/7/"), "\"seven\"");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/scripts/sql/8"), "");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/scripts/sql/77"), "");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/scripts/sql/7/runs"), "");
    req_args a = {.method = "PATCH", .path = "/scripts/sql/7"};
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    a.method = "HEAD";
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    a.method = "get"; /* the method compares without regard to case */
    CU_ASSERT_EQUAL(match(set, &a, NULL), 200);
    civis_fixtures_free(set);
}

static void test_fixtures__template_paths_match_any_segment(void)
{
    civis_fixture_set *set = new_set();
    add_ok(set, "[{\"request\":{\"method\":\"GET\",\"path\":\"/scripts/containers/{x}/runs/{y}\"},"
                "\"response\":{\"body\":\"any\"}},"
                "{\"request\":{\"method\":\"GET\",\"path\":\"/scripts/containers/7/runs/{y}\"},"
                "\"response\":{\"body\":\"seven\"}}]");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/scripts/containers/7/runs/1"), "\"seven\"");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/scripts/containers/8/runs/1"), "\"any\"");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/scripts/containers/8/runs/abc/"), "\"any\"");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/scripts/containers/8/runs"), "");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/scripts/containers/8/runs/1/logs"), "");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/scripts/sql/8/runs/1"), "");
    civis_fixtures_free(set);

    /* an operation alone stands for its template */
    set = new_set();
    add_ok(set, "{\"operation\":\"scripts.get_sql_runs\",\"response\":{\"body\":1}}");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/scripts/sql/1/runs/2"), "1");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/scripts/sql/1/runs"), "");
    /* a deprecated alias names the same operation */
    add_ok(set, "{\"operation\":\"users.list_me\",\"response\":{\"body\":2}}");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/users/me"), "2");
    civis_fixtures_free(set);
}

static void test_fixtures__routed_operation_must_be_the_fixtures(void)
{
    civis_fixture_set *set = new_set();
    add_ok(set, "{\"operation\":\"scripts.get_sql\",\"response\":{\"body\":1}}");
    const civis_operation *other = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_find_dotted(&other, spec, "scripts.get_containers", &err), err);
    civis_fixture_request req = {.method = "GET", .path = "/scripts/sql/4", .op = other};
    civis_fixture_response out;
    CU_ASSERT_FALSE(civis_fixtures_match(set, &req, &out));
    req.op = NULL; /* no routed operation: the path decides */
    CU_ASSERT_TRUE(civis_fixtures_match(set, &req, &out));
    civis_fixture_response_clear(&out);
    civis_fixtures_free(set);
}

static void test_fixtures__query_values_must_be_present_and_equal(void)
{
    civis_fixture_set *set = new_set();
    add_ok(set, "{\"request\":{\"method\":\"GET\",\"path\":\"/scripts/sql/7/runs\","
                "\"query\":{\"limit\":2,\"order\":\"id\"}},\"response\":{\"body\":1}}");
    civis_kv q1[] = {{"order", "id"}, {"limit", "2"}, {"page_num", "3"}};
    req_args a = {.method = "GET", .path = "/scripts/sql/7/runs", .query = q1, .n_query = 3};
    CU_ASSERT_EQUAL(match(set, &a, NULL), 200); /* extra values do not matter */
    civis_kv q2[] = {{"limit", "2.0"}, {"order", "id"}};
    a.query = q2;
    a.n_query = 2;
    CU_ASSERT_EQUAL(match(set, &a, NULL), 200); /* numbers by value */
    civis_kv q3[] = {{"limit", "3"}, {"order", "id"}};
    a.query = q3;
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    civis_kv q4[] = {{"limit", "2"}};
    a.query = q4;
    a.n_query = 1;
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0); /* a missing value */
    civis_kv q5[] = {{"limit", "2"}, {"order", "ID"}};
    a.query = q5;
    a.n_query = 2;
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0); /* strings exactly */
    civis_kv q6[] = {{"limit", ""}, {"order", "id"}};
    a.query = q6;
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    civis_fixtures_free(set);
}

static void test_fixtures__query_booleans_ignore_case(void)
{
    civis_fixture_set *set = new_set();
    add_ok(set, "{\"request\":{\"method\":\"GET\",\"path\":\"/credentials\","
                "\"query\":{\"default\":true}},\"response\":{\"body\":1}}");
    const char *yes[] = {"True", "true", "TRUE"};
    const char *no[] = {"False", "1", "yes", ""};
    for (size_t i = 0; i < 3; i++) {
        civis_kv q[] = {{"default", yes[i]}};
        req_args a = {.method = "GET", .path = "/credentials/", .query = q, .n_query = 1};
        CU_ASSERT_EQUAL(match(set, &a, NULL), 200);
    }
    for (size_t i = 0; i < 4; i++) {
        civis_kv q[] = {{"default", no[i]}};
        req_args a = {.method = "GET", .path = "/credentials/", .query = q, .n_query = 1};
        CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    }
    civis_fixtures_free(set);
}

static void test_fixtures__query_arrays_match_repeated_values(void)
{
    civis_fixture_set *set = new_set();
    add_ok(set, "{\"request\":{\"method\":\"GET\",\"path\":\"/tables\","
                "\"query\":{\"table_tag_ids\":[1,2]}},\"response\":{\"body\":1}}");
    civis_kv both[] = {{"table_tag_ids[]", "1"}, {"limit", "5"}, {"table_tag_ids[]", "2"}};
    req_args a = {.method = "GET", .path = "/tables", .query = both, .n_query = 3};
    CU_ASSERT_EQUAL(match(set, &a, NULL), 200);
    civis_kv plain[] = {{"table_tag_ids", "1"}, {"table_tag_ids", "2"}};
    a.query = plain;
    a.n_query = 2;
    CU_ASSERT_EQUAL(match(set, &a, NULL), 200);
    civis_kv one[] = {{"table_tag_ids[]", "1"}};
    a.query = one;
    a.n_query = 1;
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    civis_kv three[] = {
        {"table_tag_ids[]", "1"}, {"table_tag_ids[]", "2"}, {"table_tag_ids[]", "3"}};
    a.query = three;
    a.n_query = 3;
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    civis_kv swapped[] = {{"table_tag_ids[]", "2"}, {"table_tag_ids[]", "1"}};
    a.query = swapped;
    a.n_query = 2;
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    civis_kv other[] = {{"table_tag_idsx[]", "1"}, {"table_tag_idsx[]", "2"}};
    a.query = other;
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    civis_fixtures_free(set);
}

static void test_fixtures__body_containment_modulo_snake_and_camel(void)
{
    civis_fixture_set *set = new_set();
    add_ok(set, "{\"operation\":\"scripts.post_sql\",\"request\":{\"body\":{\"name\":\"n\","
                "\"remote_host_id\":3,\"csvSettings\":{\"include_header\":true},"
                "\"params\":[{\"name\":\"a\"},{}]}},\"response\":{\"body\":1}}");
    req_args a = {.method = "POST", .path = "/scripts/sql", .route = true};
    a.body = "{\"name\":\"n\",\"remoteHostId\":3,\"sql\":\"select 1\","
             "\"csv_settings\":{\"includeHeader\":true,\"compression\":\"gzip\"},"
             "\"params\":[{\"name\":\"a\",\"type\":\"string\"},{\"name\":\"b\"}]}";
    CU_ASSERT_EQUAL(match(set, &a, NULL), 201);
    a.body = "{\"name\":\"n\",\"remote_host_id\":3,\"csvSettings\":{\"include_header\":true},"
             "\"params\":[{\"name\":\"a\"},{}]}";
    CU_ASSERT_EQUAL(match(set, &a, NULL), 201);
    /* a different value, a missing key, a nested difference, another array length */
    a.body = "{\"name\":\"n\",\"remoteHostId\":4,\"csvSettings\":{\"includeHeader\":true},"
             "\"params\":[{\"name\":\"a\"},{}]}";
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    a.body = "{\"name\":\"n\",\"csvSettings\":{\"includeHeader\":true},"
             "\"params\":[{\"name\":\"a\"},{}]}";
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    a.body = "{\"name\":\"n\",\"remoteHostId\":3,\"csvSettings\":{\"includeHeader\":false},"
             "\"params\":[{\"name\":\"a\"},{}]}";
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    a.body = "{\"name\":\"n\",\"remoteHostId\":3,\"csvSettings\":{\"includeHeader\":true},"
             "\"params\":[{\"name\":\"a\"}]}";
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    /* types must agree: "3" is not 3, 1 is not true */
    a.body = "{\"name\":\"n\",\"remoteHostId\":\"3\",\"csvSettings\":{\"includeHeader\":true},"
             "\"params\":[{\"name\":\"a\"},{}]}";
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    a.body = "{\"name\":\"n\",\"remoteHostId\":3,\"csvSettings\":{\"includeHeader\":1},"
             "\"params\":[{\"name\":\"a\"},{}]}";
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    a.body = NULL;
    CU_ASSERT_EQUAL(match(set, &a, NULL), 0);
    civis_fixtures_free(set);

    /* an empty object pattern accepts no body and "{}" alike; null needs null */
    set = new_set();
    add_ok(set, "[{\"operation\":\"scripts.post_sql\",\"request\":{\"body\":{}},"
                "\"response\":{\"body\":\"empty\"}},"
                "{\"operation\":\"scripts.patch_sql\",\"request\":{\"body\":{\"name\":null}},"
                "\"response\":{\"body\":\"null\"}}]");
    req_args b = {.method = "POST", .path = "/scripts/sql"};
    CU_ASSERT_EQUAL(match(set, &b, NULL), 201);
    b.body = "{}";
    CU_ASSERT_EQUAL(match(set, &b, NULL), 201);
    req_args c = {.method = "PATCH", .path = "/scripts/sql/1", .body = "{\"name\":null}"};
    CU_ASSERT_EQUAL(match(set, &c, NULL), 200);
    c.body = "{\"name\":\"x\"}";
    CU_ASSERT_EQUAL(match(set, &c, NULL), 0);
    civis_fixtures_free(set);
}

static void test_fixtures__sequences_repeat_their_last_response(void)
{
    civis_fixture_set *set = new_set();
    add_ok(set, "{\"request\":{\"method\":\"GET\",\"path\":\"/jobs/{id}\"},"
                "\"responses\":[{\"body\":1},{\"status\":500,\"body\":2},{\"body\":3}]}");
    req_args a = {.method = "GET", .path = "/jobs/5"};
    char *b = NULL;
    CU_ASSERT_EQUAL(match(set, &a, &b), 200);
    CU_ASSERT_STRING_EQUAL(b, "1");
    free(b);
    CU_ASSERT_EQUAL(match(set, &a, &b), 500);
    CU_ASSERT_STRING_EQUAL(b, "2");
    free(b);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(match(set, &a, &b), 200);
        CU_ASSERT_STRING_EQUAL(b, "3");
        free(b);
    }
    civis_fixtures_rewind(set);
    CU_ASSERT_STRING_EQUAL(get_body(set, "/jobs/6"), "1");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/jobs/6"), "2");
    /* a request that does not match does not move the sequence */
    CU_ASSERT_STRING_EQUAL(get_body(set, "/jobs/6/runs"), "");
    CU_ASSERT_STRING_EQUAL(get_body(set, "/jobs/6"), "3");
    civis_fixtures_free(set);
}

static void test_fixtures__scopes_limit_exchanges_to_one_key(void)
{
    civis_fixture_set *set = new_set();
    civis_error err = CIVIS_ERROR_INIT;
    add_ok(set, "{\"operation\":\"users.get_me\",\"response\":{\"body\":\"any\"}}");
    ASSERT_CIVIS_OK(add(set, "{\"operation\":\"users.get_me\",\"response\":{\"body\":\"a\"}}", "s",
                        "key-a", &err),
                    err);
    add_ok(set, "{\"request\":{\"method\":\"GET\",\"path\":\"/users/me\",\"api_key\":\"key-b\"},"
                "\"response\":{\"body\":\"b\"}}");
    char *b = NULL;
    req_args a = {.method = "GET", .path = "/users/me", .key = "key-a"};
    match(set, &a, &b);
    CU_ASSERT_STRING_EQUAL(b, "\"a\"");
    free(b);
    a.key = "key-b";
    match(set, &a, &b);
    CU_ASSERT_STRING_EQUAL(b, "\"b\"");
    free(b);
    a.key = "key-c";
    match(set, &a, &b);
    CU_ASSERT_STRING_EQUAL(b, "\"any\"");
    free(b);
    a.key = NULL; /* no key: only unscoped exchanges */
    match(set, &a, &b);
    CU_ASSERT_STRING_EQUAL(b, "\"any\"");
    free(b);
    a.key = "key-a-longer";
    match(set, &a, &b);
    CU_ASSERT_STRING_EQUAL(b, "\"any\"");
    free(b);
    civis_fixtures_free(set);
}

static void test_fixtures__newest_wins_remove_clear_and_ids(void)
{
    civis_fixture_set *set = new_set();
    civis_error err = CIVIS_ERROR_INIT;
    int id1 = 0, id2 = 0, id3 = 0;
    const char *d1 = "{\"operation\":\"users.get_me\",\"response\":{\"body\":1}}";
    const char *d2 = "{\"operation\":\"users.get_me\",\"response\":{\"body\":2}}";
    const char *d3 = "{\"request\":{\"method\":\"GET\",\"path\":\"/users/me\"},"
                     "\"response\":{\"body\":3}}";
    ASSERT_CIVIS_OK(civis_fixtures_add_text(set, d1, strlen(d1), "s", NULL, &id1, &err), err);
    ASSERT_CIVIS_OK(civis_fixtures_add_text(set, d2, strlen(d2), "s", NULL, &id2, &err), err);
    ASSERT_CIVIS_OK(civis_fixtures_add_text(set, d3, strlen(d3), "s", NULL, &id3, &err), err);
    CU_ASSERT(id1 == 1 && id2 == 2 && id3 == 3);
    CU_ASSERT_STRING_EQUAL(get_body(set, "/users/me"), "3");
    CU_ASSERT_EQUAL(civis_fixtures_remove(set, id3), CIVIS_OK);
    CU_ASSERT_STRING_EQUAL(get_body(set, "/users/me"), "2");
    CU_ASSERT_EQUAL(civis_fixtures_remove(set, id3), CIVIS_ENOTFOUND);
    CU_ASSERT_EQUAL(civis_fixtures_remove(set, 99), CIVIS_ENOTFOUND);
    CU_ASSERT_EQUAL(civis_fixtures_remove(set, id1), CIVIS_OK);
    CU_ASSERT_STRING_EQUAL(get_body(set, "/users/me"), "2");
    CU_ASSERT_EQUAL(civis_fixtures_count(set), 1);
    civis_fixtures_clear(set);
    CU_ASSERT_EQUAL(civis_fixtures_count(set), 0);
    CU_ASSERT_STRING_EQUAL(get_body(set, "/users/me"), "");
    /* ids keep growing across the set's life */
    ASSERT_CIVIS_OK(civis_fixtures_add_text(set, d1, strlen(d1), "s", NULL, &id1, &err), err);
    CU_ASSERT_EQUAL(id1, 4);
    CU_ASSERT_EQUAL(civis_fixtures_remove(NULL, 4), CIVIS_EINVAL);
    civis_fixtures_free(set);
}

/* ---- files and directories ------------------------------------------------------ */

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

static void remove_file(const char *dir, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
}

static void test_fixtures__directories_load_in_name_order_all_or_nothing(void)
{
    char dir[] = "/tmp/civis-fixtures-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    /* b.json is added after a.json, so it wins; other files are skipped */
    write_file(dir, "b.json", "{\"operation\":\"users.get_me\",\"response\":{\"body\":\"b\"}}");
    write_file(dir, "a.json",
               "[{\"operation\":\"users.get_me\",\"response\":{\"body\":\"a\"}},"
               "{\"operation\":\"jobs.get\",\"response\":{\"body\":\"a1\"}}]");
    write_file(dir, "c.txt", "not json");
    write_file(dir, ".hidden.json", "not json");
    char sub[300];
    snprintf(sub, sizeof(sub), "%s/d.json", dir);
    CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0700), 0);

    civis_fixture_set *set = new_set();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_fixtures_load_path(set, dir, &err), err);
    CU_ASSERT_EQUAL(civis_fixtures_count(set), 3);
    CU_ASSERT_STRING_EQUAL(get_body(set, "/users/me"), "\"b\"");
    civis_fixture_request req = {.method = "GET", .path = "/jobs/1"};
    civis_fixture_response out;
    CU_ASSERT_FATAL(civis_fixtures_match(set, &req, &out));
    CU_ASSERT_STRING_EQUAL(out.source, "a.json#1");
    civis_fixture_response_clear(&out);

    /* one bad file: nothing of the directory is added, the error names the file */
    write_file(dir, "c.json", "{\"operation\":\"users.get_me\",\"response\":{\"status\":7}}");
    civis_fixtures_clear(set);
    CU_ASSERT_EQUAL(civis_fixtures_load_path(set, dir, &err), CIVIS_EINVAL);
    char want[512];
    snprintf(want, sizeof(want),
             "%s/c.json: [0].response.status: must be an integer from 100 to 599", dir);
    CU_ASSERT_STRING_EQUAL(err.message, want);
    CU_ASSERT_EQUAL(civis_fixtures_count(set), 0);

    /* bad JSON names the file and the byte */
    write_file(dir, "c.json", "[1,");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_fixtures_load_path(set, dir, &err), CIVIS_EPARSE);
    /* (where exactly is cJSON's to say; the document-errors test pins it) */
    snprintf(want, sizeof(want), "%s/c.json: not valid JSON near byte ", dir);
    CU_ASSERT_NSTRING_EQUAL(err.message, want, strlen(want));
    CU_ASSERT_EQUAL(civis_fixtures_count(set), 0);

    /* a single file */
    char file[300];
    snprintf(file, sizeof(file), "%s/b.json", dir);
    civis_error_clear(&err);
    ASSERT_CIVIS_OK(civis_fixtures_load_path(set, file, &err), err);
    CU_ASSERT_EQUAL(civis_fixtures_count(set), 1);

    /* a missing path */
    snprintf(file, sizeof(file), "%s/missing.json", dir);
    CU_ASSERT_EQUAL(civis_fixtures_load_path(set, file, &err), CIVIS_EIO);
    snprintf(want, sizeof(want), "cannot open fixtures '%s': No such file or directory", file);
    CU_ASSERT_STRING_EQUAL(err.message, want);
    civis_fixtures_free(set);

    remove_file(dir, "a.json");
    remove_file(dir, "b.json");
    remove_file(dir, "c.json");
    remove_file(dir, "c.txt");
    remove_file(dir, ".hidden.json");
    rmdir(sub);
    rmdir(dir);
}

/* The shipped examples are documentation: they must load on the bundled
 * spec and answer what fixtures/README.md says they answer. */
static void test_fixtures__shipped_examples_load_and_answer(void)
{
    civis_fixture_set *set = new_set();
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_fixtures_load_path(set, "fixtures/examples", &err), err);
    CU_ASSERT(civis_fixtures_count(set) >= 4);

    char *b = NULL;
    req_args me = {.method = "GET", .path = "/users/me", .route = true, .key = "k"};
    CU_ASSERT_EQUAL(match(set, &me, &b), 200);
    cJSON *j = cJSON_Parse(b);
    CU_ASSERT_EQUAL(cJSON_GetObjectItemCaseSensitive(j, "id")->valueint, 1);
    cJSON_Delete(j);
    free(b);

    req_args sql = {.method = "GET", .path = "/scripts/sql/404", .route = true};
    CU_ASSERT_EQUAL(match(set, &sql, &b), 404);
    j = cJSON_Parse(b);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItemCaseSensitive(j, "error")->valuestring, "not_found");
    cJSON_Delete(j);
    free(b);
    sql.path = "/scripts/sql/405";
    CU_ASSERT_EQUAL(match(set, &sql, NULL), 0);

    const char *states[] = {"queued", "running", "succeeded", "succeeded"};
    for (size_t i = 0; i < 4; i++) {
        req_args run = {.method = "GET", .path = "/scripts/containers/7/runs/21", .route = true};
        CU_ASSERT_EQUAL(match(set, &run, &b), 200);
        j = cJSON_Parse(b);
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(j, "state");
        CU_ASSERT(cJSON_IsString(state) && strcmp(state->valuestring, states[i]) == 0);
        cJSON_Delete(j);
        free(b);
    }

    req_args post = {.method = "POST",
                     .path = "/scripts/sql",
                     .route = true,
                     .body = "{\"name\":\"nightly\",\"remoteHostId\":3,\"sql\":\"select 1\","
                             "\"credentialId\":1}"};
    CU_ASSERT_EQUAL(match(set, &post, NULL), 201);
    civis_kv q[] = {{"limit", "2"}, {"page_num", "1"}};
    req_args runs = {
        .method = "GET", .path = "/scripts/sql/7/runs", .route = true, .query = q, .n_query = 2};
    CU_ASSERT_EQUAL(match(set, &runs, &b), 200);
    j = cJSON_Parse(b);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 2);
    cJSON_Delete(j);
    free(b);
    civis_fixtures_free(set);
}

/* Every operation of the full spec: its own template with its name loads
 * (the template routes back to it) and answers a concrete path routed to it. */
static void test_fixtures__every_full_spec_operation_by_template(void)
{
    const char *path = civis_test_full_spec("fixtures (full spec part)");
    if (path == NULL)
        return;
    civis_spec *full = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_load_file(&full, path, &err), err);
    civis_fixture_set *set = NULL;
    ASSERT_CIVIS_OK(civis_fixtures_new(&set, full, &err), err);
    size_t n = civis_spec_operation_count(full), named = 0, answered = 0;
    for (size_t i = 0; i < n; i++) {
        const civis_operation *op = civis_spec_operation_at(full, i);
        if (op->method == NULL)
            continue;
        named++;
        char doc[1024];
        snprintf(doc, sizeof(doc),
                 "{\"operation\":\"%s.%s\",\"request\":{\"method\":\"%s\",\"path\":\"%s\"},"
                 "\"response\":{\"status\":299}}",
                 op->resource, op->method, op->verb, op->path);
        civis_error e = CIVIS_ERROR_INIT;
        civis_fixtures_clear(set);
        if (add(set, doc, "full.json", NULL, &e) != CIVIS_OK) {
            fprintf(stderr, "\n  %s\n", e.message);
            CU_FAIL("an operation's own template did not load");
            continue;
        }
        /* the concrete path: every {x} segment becomes "12" */
        char concrete[512];
        size_t k = 0;
        for (const char *p = op->path; *p != '\0' && k + 3 < sizeof(concrete);) {
            if (*p == '{') {
                const char *close = strchr(p, '}');
                memcpy(concrete + k, "12", 2);
                k += 2;
                p = close ? close + 1 : p + strlen(p);
            } else {
                concrete[k++] = *p++;
            }
        }
        concrete[k] = '\0';
        civis_route r;
        if (civis_spec_route(&r, full, op->verb, concrete, NULL) != CIVIS_OK || r.op != op)
            continue; /* a literal sibling takes the concrete path: not this operation's */
        civis_fixture_request req = {.method = op->verb, .path = concrete, .op = r.op};
        civis_fixture_response out;
        if (civis_fixtures_match(set, &req, &out) && out.status == 299)
            answered++;
        else
            CU_FAIL("a concrete path routed to the operation was not answered");
        civis_fixture_response_clear(&out);
    }
    CU_ASSERT(named > 800);
    CU_ASSERT_EQUAL(civis_fixtures_count(set), 1);
    CU_ASSERT(answered > 800);
    civis_fixtures_free(set);
    civis_spec_free(full);
}

/* ---- threads ----------------------------------------------------------------------- */

#define N_THREADS 4
#define N_CALLS 250
#define N_STEPS 5

typedef struct worker {
    civis_fixture_set *set;
    int seen[N_STEPS + 1]; /* how often each body 0..N_STEPS-1 came back; [N_STEPS]: misses */
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    civis_fixture_request req = {.method = "GET", .path = "/jobs/1"};
    for (int i = 0; i < N_CALLS; i++) {
        civis_fixture_response out;
        if (!civis_fixtures_match(w->set, &req, &out)) {
            w->seen[N_STEPS]++;
            continue;
        }
        int v = out.body ? atoi(out.body) : -1;
        w->seen[v >= 0 && v < N_STEPS ? v : N_STEPS]++;
        civis_fixture_response_clear(&out);
    }
    return NULL;
}

static void test_fixtures__one_sequence_shared_by_four_threads(void)
{
    civis_fixture_set *set = new_set();
    add_ok(set, "{\"operation\":\"jobs.get\",\"responses\":[{\"body\":0},{\"body\":1},"
                "{\"body\":2},{\"body\":3},{\"body\":4}]}");
    worker w[N_THREADS];
    pthread_t t[N_THREADS];
    memset(w, 0, sizeof(w));
    for (int i = 0; i < N_THREADS; i++) {
        w[i].set = set;
        CU_ASSERT_EQUAL_FATAL(pthread_create(&t[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++)
        pthread_join(t[i], NULL);
    int total[N_STEPS + 1] = {0};
    for (int i = 0; i < N_THREADS; i++)
        for (int k = 0; k <= N_STEPS; k++)
            total[k] += w[i].seen[k];
    /* every step but the last exactly once, the last one for the rest */
    for (int k = 0; k < N_STEPS - 1; k++)
        CU_ASSERT_EQUAL(total[k], 1);
    CU_ASSERT_EQUAL(total[N_STEPS - 1], N_THREADS * N_CALLS - (N_STEPS - 1));
    CU_ASSERT_EQUAL(total[N_STEPS], 0);
    civis_fixtures_free(set);
}

static CU_TestInfo fixture_tests[] = {
    {"unknown keys are errors with suggestions",
     test_fixtures__unknown_keys_are_errors_with_suggestions},
    {"request errors name the field", test_fixtures__request_errors_name_the_field},
    {"operation errors and agreement", test_fixtures__operation_errors_and_agreement},
    {"query errors", test_fixtures__query_errors},
    {"response errors", test_fixtures__response_errors},
    {"document errors", test_fixtures__document_errors},
    {"a failing document adds nothing", test_fixtures__a_failing_document_adds_nothing},
    {"response fields are copied out", test_fixtures__response_fields_are_copied_out},
    {"method and concrete path", test_fixtures__method_and_concrete_path},
    {"template paths match any segment", test_fixtures__template_paths_match_any_segment},
    {"routed operation must be the fixture's",
     test_fixtures__routed_operation_must_be_the_fixtures},
    {"query values must be present and equal",
     test_fixtures__query_values_must_be_present_and_equal},
    {"query booleans ignore case", test_fixtures__query_booleans_ignore_case},
    {"query arrays match repeated values", test_fixtures__query_arrays_match_repeated_values},
    {"body containment modulo snake and camel",
     test_fixtures__body_containment_modulo_snake_and_camel},
    {"sequences repeat their last response", test_fixtures__sequences_repeat_their_last_response},
    {"scopes limit exchanges to one key", test_fixtures__scopes_limit_exchanges_to_one_key},
    {"newest wins, remove, clear and ids", test_fixtures__newest_wins_remove_clear_and_ids},
    {"directories load in name order, all or nothing",
     test_fixtures__directories_load_in_name_order_all_or_nothing},
    {"shipped examples load and answer", test_fixtures__shipped_examples_load_and_answer},
    {"every full-spec operation by template", test_fixtures__every_full_spec_operation_by_template},
    {"one sequence shared by four threads", test_fixtures__one_sequence_shared_by_four_threads},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(fixtures, fixture_tests, setup, teardown)
