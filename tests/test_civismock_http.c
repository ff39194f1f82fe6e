/*
 * test_civismock_http.c: civis-mock over HTTP, the answer side: auth, routing
 * errors, GET /endpoints, and each answer source (x-example, synthesized,
 * fixture file, stub) with its status, headers and pagination.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "civis/spec.h"
#include "mockproc.h"
#include "test.h"

/* --stateless: these tests check the spec-driven answer sources (stubs,
 * fixtures, x-examples, synthesis); the simulation has suites of its own. */
/* The small hand-written spec (tests/specs/subset.json): these tests check
 * synthesized answers, which the full spec's x-examples would shadow. */
static char subset[1024];

static civis_mockproc mp;
static civis_spec *spec;

static int suite_init(void)
{
    civis_error err = CIVIS_ERROR_INIT;
    civis_test_data(subset, sizeof(subset), "specs/subset.json");
    if (civis_spec_load_file(&spec, subset, &err) != CIVIS_OK) {
        fprintf(stderr, "%s: %s\n", subset, err.message);
        return 1;
    }
    const char *const stateless[] = {"--stateless", "--spec", subset, NULL};
    return civis_mockproc_start(&mp, stateless) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    int rc = civis_mockproc_stop(&mp);
    civis_spec_free(spec);
    spec = NULL;
    return rc == 0 ? 0 : 1;
}

static const civis_operation *find_op(const char *dotted)
{
    const civis_operation *op = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_find_dotted(&op, spec, dotted, &err) != CIVIS_OK)
        fprintf(stderr, "\n  %s: %s\n", dotted, err.message);
    return op;
}

static void reset(void)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/reset", NULL, NULL), 200);
}

static const char *str_field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double num_field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* ---- auth ------------------------------------------------------------- */

static void test_auth__basic_with_key_as_user_name_is_accepted(void)
{
    char auth[128];
    /* The official client's header for key "k" is "Basic azo=". */
    CU_ASSERT_STRING_EQUAL(civis_mockproc_basic_header(auth, sizeof(auth), "k"),
                           "Authorization: Basic azo=");
    const char *hdrs[] = {civis_mockproc_basic_header(auth, sizeof(auth), "basic-key-1"), NULL};
    civis_http_reply r;
    CU_ASSERT_EQUAL(civis_mockproc_request(&r, &mp, "GET", "/users/me", hdrs, NULL, 0), 0);
    CU_ASSERT_EQUAL(r.status, 200);
    civis_http_reply_clear(&r);
}

static void test_auth__bearer_is_accepted(void)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/users/me", "bearer-key", NULL), 200);
}

static void check_401(const char *const *hdrs, const char *expect_in_description)
{
    civis_http_reply r;
    CU_ASSERT_EQUAL(civis_mockproc_request(&r, &mp, "GET", "/users/me", hdrs, NULL, 0), 0);
    CU_ASSERT_EQUAL(r.status, 401);
    const char *wa = civis_http_reply_header(&r, "WWW-Authenticate");
    CU_ASSERT_PTR_NOT_NULL(wa);
    if (wa != NULL)
        CU_ASSERT_STRING_EQUAL(wa, "Basic realm=\"Civis\"");
    cJSON *j = civis_http_reply_json(&r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_STRING_EQUAL(str_field(j, "error"), "unauthorized");
    CU_ASSERT_EQUAL(num_field(j, "code"), 401);
    const char *desc = str_field(j, "errorDescription");
    CU_ASSERT_PTR_NOT_NULL(desc);
    if (desc != NULL && strstr(desc, expect_in_description) == NULL)
        CU_FAIL_FATAL("errorDescription does not say why");
    cJSON_Delete(j);
    civis_http_reply_clear(&r);
}

static void test_auth__missing_or_wrong_credentials_get_401(void)
{
    check_401(NULL, "No API key");
    const char *digest[] = {"Authorization: Digest abc", NULL};
    check_401(digest, "Digest");
    /* base64("key:secret"): a password is not how the key is sent */
    const char *password[] = {"Authorization: Basic a2V5OnNlY3JldA==", NULL};
    check_401(password, "password");
    const char *empty_bearer[] = {"Authorization: Bearer ", NULL};
    check_401(empty_bearer, "Bearer");
    const char *junk[] = {"Authorization: Basic !!!", NULL};
    check_401(junk, "Basic");
}

/* ---- routing ----------------------------------------------------------- */

static void test_route__unknown_path_is_404_in_the_api_shape(void)
{
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "GET", "/scripts/nope/1", "k", NULL);
    CU_ASSERT_EQUAL(r.status, 404);
    CU_ASSERT_STRING_EQUAL(r.body, "{\"error\":\"not_found\",\"errorDescription\":\"The requested "
                                   "resource could not be found.\",\"code\":404}");
    const char *ct = civis_http_reply_header(&r, "Content-Type");
    CU_ASSERT(ct != NULL && strcmp(ct, "application/json; charset=utf-8") == 0);
    civis_http_reply_clear(&r);
}

static void test_route__wrong_verb_is_405_with_allow(void)
{
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "DELETE", "/users/me", "k", NULL);
    CU_ASSERT_EQUAL(r.status, 405);
    const char *allow = civis_http_reply_header(&r, "Allow");
    CU_ASSERT_PTR_NOT_NULL_FATAL(allow);
    CU_ASSERT_PTR_NOT_NULL(strstr(allow, "GET"));
    CU_ASSERT_PTR_NULL(strstr(allow, "DELETE"));
    cJSON *j = civis_http_reply_json(&r);
    CU_ASSERT_EQUAL(num_field(j, "code"), 405);
    cJSON_Delete(j);
    civis_http_reply_clear(&r);
}

static void test_route__trailing_slash_paths_work_both_ways(void)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/databases", "k", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/databases/", "k", NULL), 200);
}

/* ---- GET /endpoints ------------------------------------------------------ */

static void test_endpoints__returns_the_loaded_spec_bytes(void)
{
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "GET", "/endpoints", "k", NULL);
    CU_ASSERT_EQUAL(r.status, 200);
    size_t len = 0;
    const char *text = civis_spec_text(spec, &len); /* the file it was started with */
    CU_ASSERT_EQUAL(r.body_len, len);
    CU_ASSERT(r.body_len == len && memcmp(r.body, text, len) == 0);
    civis_http_reply_clear(&r);
    /* and it needs a key like every API path */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/endpoints", NULL, NULL), 401);
}

/* ---- answers --------------------------------------------------------------- */

/* Headers of an example that the server must pass through. */
static void check_example_headers(const civis_http_reply *r, const cJSON *headers)
{
    for (const cJSON *h = headers ? headers->child : NULL; h != NULL; h = h->next) {
        if (!cJSON_IsString(h) || strcasecmp(h->string, "Content-Length") == 0 ||
            strcasecmp(h->string, "Transfer-Encoding") == 0 ||
            strcasecmp(h->string, "Connection") == 0 || strcasecmp(h->string, "Date") == 0 ||
            strcasecmp(h->string, "Server") == 0 || strcasecmp(h->string, "Keep-Alive") == 0 ||
            strcasecmp(h->string, "Content-Encoding") == 0)
            continue;
        const char *got = civis_http_reply_header(r, h->string);
        if (got == NULL || strcmp(got, h->valuestring) != 0) {
            fprintf(stderr, "\n  example header %s: want '%s', got '%s'\n", h->string,
                    h->valuestring, got ? got : "(none)");
            CU_FAIL("example header not passed through");
        }
    }
}

static void test_answer__x_example_with_its_status_and_headers(void)
{
    reset();
    const civis_operation *op = find_op("users.get_me");
    CU_ASSERT_PTR_NOT_NULL_FATAL(op);
    int status = 0;
    const cJSON *headers = NULL;
    const char *text = NULL;
    CU_ASSERT_FATAL(civis_spec_example(op, &status, &headers, &text));
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "GET", "/users/me", "ex-key", NULL);
    CU_ASSERT_EQUAL(r.status, status);
    CU_ASSERT_STRING_EQUAL(r.body, text ? text : "");
    check_example_headers(&r, headers);
    civis_http_reply_clear(&r);

    cJSON *j = NULL;
    civis_mockproc_json(&j, &mp, "GET", "/__mock/journal?api_key=ex-key", NULL, NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 1);
    CU_ASSERT_STRING_EQUAL(str_field(cJSON_GetArrayItem(j, 0), "source"), "example");
    cJSON_Delete(j);
}

static void test_answer__x_example_of_a_post_keeps_its_201(void)
{
    const civis_operation *op = find_op("scripts.post_containers");
    CU_ASSERT_PTR_NOT_NULL_FATAL(op);
    int status = 0;
    const cJSON *headers = NULL;
    const char *text = NULL;
    CU_ASSERT_FATAL(civis_spec_example(op, &status, &headers, &text));
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "POST", "/scripts/containers", "k",
                        "{\"name\":\"n\",\"docker_image_name\":\"img\",\"docker_command\":\"run\","
                        "\"required_resources\":{\"cpu\":100,\"memory\":512}}");
    CU_ASSERT_EQUAL(r.status, status);
    CU_ASSERT_EQUAL(r.status, 201);
    CU_ASSERT_STRING_EQUAL(r.body, text ? text : "");
    civis_http_reply_clear(&r);
}

static void test_answer__synthesized_object_is_schema_shaped_and_repeatable(void)
{
    const civis_operation *op = find_op("scripts.get_sql");
    CU_ASSERT_PTR_NOT_NULL_FATAL(op);
    CU_ASSERT_PTR_NULL_FATAL(op->examples); /* the test needs an operation without examples */
    civis_http_reply a, b;
    civis_mockproc_call(&a, &mp, "GET", "/scripts/sql/7", "k", NULL);
    civis_mockproc_call(&b, &mp, "GET", "/scripts/sql/7", "k", NULL);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_STRING_EQUAL(a.body, b.body);
    cJSON *j = civis_http_reply_json(&a);
    CU_ASSERT_FATAL(cJSON_IsObject(j));
    /* every top-level property of the response schema is there */
    const cJSON *schema = civis_spec_deref(spec, op->response_schema);
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    CU_ASSERT_PTR_NOT_NULL_FATAL(props);
    for (const cJSON *p = props->child; p != NULL; p = p->next)
        CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItemCaseSensitive(j, p->string));
    /* the object a path names carries that id */
    CU_ASSERT_EQUAL(num_field(j, "id"), 7);
    cJSON_Delete(j);
    civis_http_reply_clear(&a);
    civis_http_reply_clear(&b);
}

static void test_answer__declared_status_202_and_204_without_body(void)
{
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "POST", "/scripts/sql/3/runs", "k", NULL);
    CU_ASSERT_EQUAL(r.status, find_op("scripts.post_sql_runs")->response_status);
    CU_ASSERT_EQUAL(r.status, 202);
    civis_http_reply_clear(&r);

    civis_mockproc_call(&r, &mp, "DELETE", "/storage_hosts/4", "k", NULL);
    CU_ASSERT_EQUAL(r.status, 204);
    CU_ASSERT_EQUAL(r.body_len, 0);
    civis_http_reply_clear(&r);
}

static void check_page(const char *path, int per_page, int page, int pages, int total, int items)
{
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "GET", path, "k", NULL);
    CU_ASSERT_EQUAL(r.status, 200);
    const char *h[4] = {civis_http_reply_header(&r, "X-Pagination-Per-Page"),
                        civis_http_reply_header(&r, "X-Pagination-Current-Page"),
                        civis_http_reply_header(&r, "X-Pagination-Total-Pages"),
                        civis_http_reply_header(&r, "X-Pagination-Total-Entries")};
    int want[4] = {per_page, page, pages, total};
    for (int i = 0; i < 4; i++) {
        CU_ASSERT_PTR_NOT_NULL(h[i]);
        if (h[i] != NULL)
            CU_ASSERT_EQUAL(atoi(h[i]), want[i]);
    }
    cJSON *j = civis_http_reply_json(&r);
    CU_ASSERT(cJSON_IsArray(j));
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), items);
    cJSON_Delete(j);
    civis_http_reply_clear(&r);
}

static void test_answer__synthesized_list_is_paginated(void)
{
    const civis_operation *op = find_op("scripts.list_sql_runs");
    CU_ASSERT_PTR_NOT_NULL_FATAL(op);
    CU_ASSERT_FATAL(op->paginated);
    /* 5 entries in all (documented); limit=2 gives 3 pages and an empty 4th */
    check_page("/scripts/sql/1/runs?limit=2&page_num=1", 2, 1, 3, 5, 2);
    check_page("/scripts/sql/1/runs?limit=2&page_num=2", 2, 2, 3, 5, 2);
    check_page("/scripts/sql/1/runs?limit=2&page_num=3", 2, 3, 3, 5, 1);
    check_page("/scripts/sql/1/runs?limit=2&page_num=4", 2, 4, 3, 5, 0);
    check_page("/scripts/sql/1/runs", 20, 1, 1, 5, 5);

    /* pages are slices of one collection */
    cJSON *all = NULL, *p2 = NULL;
    civis_mockproc_json(&all, &mp, "GET", "/scripts/sql/1/runs", "k", NULL);
    civis_mockproc_json(&p2, &mp, "GET", "/scripts/sql/1/runs?limit=2&page_num=2", "k", NULL);
    CU_ASSERT_FATAL(cJSON_IsArray(all) && cJSON_IsArray(p2));
    CU_ASSERT(cJSON_Compare(cJSON_GetArrayItem(all, 2), cJSON_GetArrayItem(p2, 0), 1));
    CU_ASSERT(cJSON_Compare(cJSON_GetArrayItem(all, 3), cJSON_GetArrayItem(p2, 1), 1));
    cJSON_Delete(all);
    cJSON_Delete(p2);
}

static void test_answer__stub_wins_and_is_removable(void)
{
    reset();
    cJSON *j = NULL;
    long st = civis_mockproc_json(
        &j, &mp, "POST", "/__mock/stubs", NULL,
        "{\"request\":{\"method\":\"GET\",\"path\":\"/users/me\"},"
        "\"response\":{\"status\":200,\"headers\":{\"X-Stub\":\"yes\"},\"body\":{\"id\":4242}}}");
    CU_ASSERT_EQUAL(st, 201);
    int id = (int)num_field(j, "id");
    CU_ASSERT(id > 0);
    cJSON_Delete(j);

    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "GET", "/users/me", "stub-key", NULL);
    CU_ASSERT_EQUAL(r.status, 200);
    j = civis_http_reply_json(&r);
    CU_ASSERT_EQUAL(num_field(j, "id"), 4242);
    const char *xs = civis_http_reply_header(&r, "X-Stub");
    CU_ASSERT(xs != NULL && strcmp(xs, "yes") == 0);
    cJSON_Delete(j);
    civis_http_reply_clear(&r);

    char path[64];
    snprintf(path, sizeof(path), "/__mock/stubs/%d", id);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "DELETE", path, NULL, NULL), 204);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "DELETE", path, NULL, NULL), 404);
    civis_mockproc_json(&j, &mp, "GET", "/users/me", "stub-key", NULL);
    CU_ASSERT_NOT_EQUAL(num_field(j, "id"), 4242);
    cJSON_Delete(j);

    civis_mockproc_json(&j, &mp, "GET", "/__mock/journal?api_key=stub-key", NULL, NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 2);
    CU_ASSERT_STRING_EQUAL(str_field(cJSON_GetArrayItem(j, 0), "source"), "stub");
    CU_ASSERT_STRING_EQUAL(str_field(cJSON_GetArrayItem(j, 1), "source"), "example");
    cJSON_Delete(j);
}

static void test_answer__stub_status_and_array_paging(void)
{
    reset();
    /* a stub's list on a paginated operation is the whole collection */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/stubs", NULL,
                                        "{\"request\":{\"method\":\"GET\",\"path\":\"/jobs/5/"
                                        "runs\"},\"response\":{\"status\":200,\"body\":"
                                        "[{\"id\":1},{\"id\":2},{\"id\":3}]}}"),
                    201);
    check_page("/jobs/5/runs?limit=2&page_num=2", 2, 2, 2, 3, 1);
    cJSON *j = NULL;
    civis_mockproc_json(&j, &mp, "GET", "/jobs/5/runs?limit=2&page_num=2", "k", NULL);
    CU_ASSERT_EQUAL(num_field(cJSON_GetArrayItem(j, 0), "id"), 3);
    cJSON_Delete(j);

    /* a stub's error status goes out as declared */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/stubs", NULL,
                                        "{\"request\":{\"method\":\"GET\",\"path\":\"/jobs/999\"},"
                                        "\"response\":{\"status\":404,\"body\":{\"error\":"
                                        "\"not_found\"}}}"),
                    201);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/jobs/999", "k", NULL), 404);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/jobs/998", "k", NULL), 200);
    reset();
}

static void test_answer__fixture_file_loaded_at_start_up(void)
{
    char dir[] = "/tmp/civis-mock-fx-XXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char file[128];
    snprintf(file, sizeof(file), "%s/jobs.json", dir);
    FILE *f = fopen(file, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("[{\"request\":{\"method\":\"GET\",\"path\":\"/jobs/77\"},"
          "\"response\":{\"status\":200,\"body\":{\"id\":77,\"name\":\"from fixture\"}}}]",
          f);
    fclose(f);

    civis_mockproc fx;
    const char *args[] = {"--stateless", "--fixtures", dir, NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&fx, args), 0);
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &fx, "GET", "/jobs/77", "k", NULL), 200);
    CU_ASSERT_STRING_EQUAL(str_field(j, "name"), "from fixture");
    cJSON_Delete(j);
    /* a stub beats the fixture */
    civis_mockproc_json(NULL, &fx, "POST", "/__mock/stubs", NULL,
                        "{\"request\":{\"method\":\"GET\",\"path\":\"/jobs/77\"},"
                        "\"response\":{\"status\":200,\"body\":{\"id\":77,\"name\":\"stub\"}}}");
    civis_mockproc_json(&j, &fx, "GET", "/jobs/77", "k", NULL);
    CU_ASSERT_STRING_EQUAL(str_field(j, "name"), "stub");
    cJSON_Delete(j);
    civis_mockproc_json(&j, &fx, "GET", "/__mock/journal?operation=jobs.get", NULL, NULL);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 2);
    CU_ASSERT_STRING_EQUAL(str_field(cJSON_GetArrayItem(j, 0), "source"), "fixture");
    CU_ASSERT_STRING_EQUAL(str_field(cJSON_GetArrayItem(j, 1), "source"), "stub");
    cJSON_Delete(j);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&fx), 0);
    unlink(file);
    rmdir(dir);
}

static const char *run_state(const civis_mockproc *m)
{
    static char state[32];
    cJSON *j = NULL;
    civis_mockproc_json(&j, m, "GET", "/scripts/containers/7/runs/21", "k", NULL);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "state");
    snprintf(state, sizeof(state), "%s", cJSON_IsString(s) ? s->valuestring : "?");
    cJSON_Delete(j);
    return state;
}

static void test_answer__example_fixtures_directory(void)
{
    if (access("fixtures/examples", R_OK) != 0) {
        civis_test_skip("fixtures/examples not found (run from the repository root)");
        return;
    }
    civis_mockproc fx;
    const char *args[] = {"--stateless", "--fixtures", "fixtures/examples", NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&fx, args), 0);
    civis_http_reply r;
    civis_mockproc_call(&r, &fx, "GET", "/users/me", "k", NULL);
    CU_ASSERT_EQUAL(r.status, 200);
    const char *rl = civis_http_reply_header(&r, "X-RateLimit-Remaining");
    CU_ASSERT(rl != NULL && strcmp(rl, "999") == 0);
    cJSON *j = civis_http_reply_json(&r);
    CU_ASSERT_STRING_EQUAL(str_field(j, "name"), "Ada Lovelace");
    cJSON_Delete(j);
    civis_http_reply_clear(&r);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &fx, "GET", "/scripts/sql/404", "k", NULL), 404);
    /* a recorded page keeps its own X-Pagination headers */
    civis_mockproc_call(&r, &fx, "GET", "/scripts/sql/7/runs?limit=2&page_num=1", "k", NULL);
    const char *total = civis_http_reply_header(&r, "X-Pagination-Total-Entries");
    CU_ASSERT(total != NULL && strcmp(total, "2") == 0);
    civis_http_reply_clear(&r);
    /* a sequence is served in turn, its last answer repeats, a reset rewinds it */
    CU_ASSERT_STRING_EQUAL(run_state(&fx), "queued");
    CU_ASSERT_STRING_EQUAL(run_state(&fx), "running");
    CU_ASSERT_STRING_EQUAL(run_state(&fx), "succeeded");
    CU_ASSERT_STRING_EQUAL(run_state(&fx), "succeeded");
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &fx, "POST", "/__mock/reset", NULL, NULL), 200);
    CU_ASSERT_STRING_EQUAL(run_state(&fx), "queued");
    CU_ASSERT_EQUAL(civis_mockproc_stop(&fx), 0);
}

static void test_answer__seed_changes_synthesized_values(void)
{
    civis_mockproc other;
    const char *args[] = {"--stateless", "--spec", subset, "--seed", "12345", NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&other, args), 0);
    civis_http_reply a, b;
    civis_mockproc_call(&a, &mp, "GET", "/scripts/sql/7/runs/8", "k", NULL);
    civis_mockproc_call(&b, &other, "GET", "/scripts/sql/7/runs/8", "k", NULL);
    CU_ASSERT_EQUAL(a.status, 200);
    CU_ASSERT_EQUAL(b.status, 200);
    CU_ASSERT(strcmp(a.body, b.body) != 0);
    civis_http_reply_clear(&a);
    civis_http_reply_clear(&b);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&other), 0);
}

static CU_TestInfo tests[] = {
    {"auth: Basic with the key as user name", test_auth__basic_with_key_as_user_name_is_accepted},
    {"auth: Bearer", test_auth__bearer_is_accepted},
    {"auth: 401 with WWW-Authenticate", test_auth__missing_or_wrong_credentials_get_401},
    {"route: 404 body", test_route__unknown_path_is_404_in_the_api_shape},
    {"route: 405 with Allow", test_route__wrong_verb_is_405_with_allow},
    {"route: trailing slash", test_route__trailing_slash_paths_work_both_ways},
    {"endpoints: spec bytes", test_endpoints__returns_the_loaded_spec_bytes},
    {"answer: x-example", test_answer__x_example_with_its_status_and_headers},
    {"answer: x-example 201", test_answer__x_example_of_a_post_keeps_its_201},
    {"answer: synthesized object", test_answer__synthesized_object_is_schema_shaped_and_repeatable},
    {"answer: 202 and 204", test_answer__declared_status_202_and_204_without_body},
    {"answer: pagination", test_answer__synthesized_list_is_paginated},
    {"answer: stub", test_answer__stub_wins_and_is_removable},
    {"answer: stub status and paging", test_answer__stub_status_and_array_paging},
    {"answer: fixture file", test_answer__fixture_file_loaded_at_start_up},
    {"answer: fixtures/examples", test_answer__example_fixtures_directory},
    {"answer: --seed", test_answer__seed_changes_synthesized_values},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_http, tests, suite_init, suite_cleanup)
