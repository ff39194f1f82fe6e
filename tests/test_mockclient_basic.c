/*
 * test_mockclient_basic.c: creating an in-process mock (no network, no
 * key), its client being the production client, every operation of the
 * spec answering, rejections with the real client's messages (and in the
 * journal), independence of two mocks, spec and seed options.
 */
#include <stdlib.h>
#include <string.h>

#include "allocfail.h"
#include "test.h"
#include "civis.h"
#include "civis/mock.h"

/* A spec with one operation and no x-examples, so answers are synthesized. */
static const char tiny_spec[] =
    "{\"swagger\":\"2.0\",\"info\":{\"title\":\"t\",\"version\":\"1\"},"
    "\"paths\":{\"/widgets/{id}\":{\"get\":{\"summary\":\"Get a widget\","
    "\"parameters\":[{\"name\":\"id\",\"in\":\"path\",\"required\":true,\"type\":\"integer\"}],"
    "\"responses\":{\"200\":{\"description\":\"ok\",\"schema\":{\"$ref\":\"#/definitions/W\"}}}}}},"
    "\"definitions\":{\"W\":{\"type\":\"object\",\"properties\":{\"id\":{\"type\":\"integer\"},"
    "\"name\":{\"type\":\"string\"},\"createdAt\":{\"type\":\"string\",\"format\":\"date-time\"}}}}"
    "}";

static civis_mock *new_mock(const civis_mock_options *opts)
{
    civis_mock *mock = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = civis_mock_new(&mock, opts, &err);
    if (st != CIVIS_OK)
        fprintf(stderr, "\n  civis_mock_new: %s\n", err.message);
    return mock;
}

/* Saves, changes and restores one environment variable around a test. */
typedef struct saved_env {
    const char *name;
    char *value;
} saved_env;

static saved_env env_set(const char *name, const char *value)
{
    const char *old = getenv(name);
    saved_env s = {name, old ? strdup(old) : NULL};
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
    return s;
}

static void env_restore(saved_env s)
{
    if (s.value) {
        setenv(s.name, s.value, 1);
        free(s.value);
    } else {
        unsetenv(s.name);
    }
}

static void test_basic__needs_no_key_no_network(void)
{
    /* No key in the environment and an endpoint nobody listens on: the mock
     * must not care about either. */
    saved_env k = env_set("CIVIS_API_KEY", NULL);
    saved_env e = env_set("CIVIS_API_ENDPOINT", "http://127.0.0.1:9/");
    civis_mock *mock = new_mock(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    civis_client *client = civis_mock_client(mock);
    CU_ASSERT_PTR_NOT_NULL_FATAL(client);
    /* the spec was handed over, not downloaded */
    CU_ASSERT_STRING_EQUAL(civis_client_spec_source(client), "option");
    CU_ASSERT_PTR_EQUAL(civis_client_spec(client), civis_mock_spec(mock));
    civis_response *me = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_call(&me, client, "users", "get_me", NULL, &err), err);
    CU_ASSERT_EQUAL(civis_response_status(me), 200);
    CU_ASSERT_PTR_NOT_NULL(civis_response_get(me, "username"));
    civis_response_free(me);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "users.get_me"), 1);
    civis_mock_free(mock);
    env_restore(e);
    env_restore(k);
}

/* Arguments that pass validation: every required parameter with a value of
 * its declared type. */
static cJSON *required_args(const civis_operation *op)
{
    cJSON *a = cJSON_CreateObject();
    for (size_t i = 0; a != NULL && i < op->n_params; i++) {
        const civis_param *p = &op->params[i];
        if (!p->required)
            continue;
        cJSON *v = NULL;
        switch (p->type) {
        case CIVIS_TYPE_INTEGER: v = cJSON_CreateNumber(1); break;
        case CIVIS_TYPE_NUMBER: v = cJSON_CreateNumber(1.5); break;
        case CIVIS_TYPE_BOOLEAN: v = cJSON_CreateTrue(); break;
        case CIVIS_TYPE_ARRAY: v = cJSON_CreateArray(); break;
        case CIVIS_TYPE_OBJECT: v = cJSON_CreateObject(); break;
        default: v = cJSON_CreateString("x"); break;
        }
        cJSON_AddItemToObject(a, p->name, v);
    }
    return a;
}

/* Calls every method name (aliases included) of the mock's spec. */
static void call_every_method(civis_mock *mock)
{
    const civis_spec *spec = civis_mock_spec(mock);
    size_t n = civis_spec_method_count(spec), ok = 0;
    CU_ASSERT_TRUE_FATAL(n > 0);
    for (size_t i = 0; i < n; i++) {
        const char *resource = NULL, *name = NULL;
        bool alias = false;
        const civis_operation *op = civis_spec_method_at(spec, i, &resource, &name, &alias);
        cJSON *args = required_args(op);
        civis_response *resp = NULL;
        civis_error err = CIVIS_ERROR_INIT;
        civis_status st = civis_call(&resp, civis_mock_client(mock), resource, name, args, &err);
        if (st == CIVIS_OK) {
            ok++;
            long want = op->response_status ? op->response_status : 200;
            if (civis_response_status(resp) != want)
                fprintf(stderr, "\n  %s.%s: status %ld, spec says %ld\n", resource, name,
                        civis_response_status(resp), want);
            CU_ASSERT_EQUAL(civis_response_status(resp), want);
        } else {
            fprintf(stderr, "\n  %s.%s: %s\n", resource, name, err.message);
        }
        civis_response_free(resp);
        cJSON_Delete(args);
    }
    CU_ASSERT_EQUAL(ok, n);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, NULL), n);
    CU_ASSERT_EQUAL(civis_mock_rejected_count(mock), 0);
}

static void test_basic__every_operation_of_the_bundled_spec_answers(void)
{
    civis_mock *mock = new_mock(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    call_every_method(mock);
    civis_mock_free(mock);
}

static void test_basic__every_operation_of_the_full_spec_answers(void)
{
    const char *full = civis_test_full_spec("mockclient_basic every operation");
    if (full == NULL)
        return;
    civis_mock *mock = new_mock(&(civis_mock_options){.spec_path = full});
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    CU_ASSERT_EQUAL(civis_spec_operation_count(civis_mock_spec(mock)), 910);
    call_every_method(mock);
    civis_mock_free(mock);
}

/* A call the mock's client rejects: same code, param and message as a
 * real libcurl client on the same spec (which never connects for it), and a
 * rejected journal entry with that message. */
static void expect_rejected(civis_mock *mock, civis_client *real, const char *resource,
                            const char *method, const char *args_json, const char *param,
                            const char *message)
{
    cJSON *args = args_json ? cJSON_Parse(args_json) : NULL;
    size_t before = civis_mock_journal_count(mock);
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT, rerr = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_call(&resp, civis_mock_client(mock), resource, method, args, &err),
                    CIVIS_EINVAL);
    CU_ASSERT_PTR_NULL(resp);
    CU_ASSERT_STRING_EQUAL(err.param, param);
    CU_ASSERT_STRING_EQUAL(err.message, message);
    if (strcmp(err.message, message) != 0)
        fprintf(stderr, "\n  got: %s\n", err.message);
    CU_ASSERT_EQUAL(civis_call(&resp, real, resource, method, args, &rerr), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(rerr.message, err.message);
    CU_ASSERT_STRING_EQUAL(rerr.param, err.param);

    CU_ASSERT_EQUAL_FATAL(civis_mock_journal_count(mock), before + 1);
    const civis_mock_call *c = civis_mock_journal_at(mock, before);
    CU_ASSERT_TRUE(c->rejected);
    CU_ASSERT_EQUAL(c->reject_code, CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(c->message, message);
    CU_ASSERT_STRING_EQUAL(c->reject_param, param);
    CU_ASSERT_EQUAL(c->status, 0);
    CU_ASSERT_STRING_EQUAL(c->http_method, "");
    if (args != NULL)
        CU_ASSERT_TRUE(cJSON_Compare(c->args, args, 1));
    cJSON_Delete(args);
}

static void test_basic__rejections_carry_the_clients_messages(void)
{
    civis_mock *mock = new_mock(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    civis_client *real = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_client_options ro = {
        .api_key = "k", .base_url = "http://127.0.0.1:9/", .spec = civis_mock_spec(mock)};
    ASSERT_CIVIS_OK(civis_client_new(&real, &ro, &err), err);

    expect_rejected(mock, real, "scirpts", "get_sql", NULL, "resource",
                    "no resource 'scirpts' (did you mean 'scripts'?)");
    expect_rejected(mock, real, "scripts", "get_sql_run", "{\"id\":1,\"run_id\":2}", "method",
                    "no method 'get_sql_run' on resource 'scripts' (did you mean 'get_sql_runs'?)");
    expect_rejected(mock, real, "scripts", "post_containers",
                    "{\"name\":\"n\",\"required_resources\":{},\"docker_image_name\":\"i\","
                    "\"docker_comand\":\"echo\"}",
                    "docker_comand",
                    "unknown argument 'docker_comand' for scripts.post_containers "
                    "(did you mean 'docker_command'?)");
    expect_rejected(mock, real, "scripts", "get_sql_runs", "{\"id\":7}", "run_id",
                    "missing required argument 'run_id' for scripts.get_sql_runs");
    expect_rejected(mock, real, "scripts", "get_sql_runs", "{\"id\":\"7\",\"run_id\":8}", "id",
                    "argument 'id' of scripts.get_sql_runs must be integer, got string");

    /* a rejected call with a known operation names it canonically; an
     * unknown name is kept as written */
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, 0)->operation, "scirpts.get_sql");
    CU_ASSERT_PTR_NULL(civis_mock_journal_at(mock, 0)->op);
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, 3)->operation, "scripts.get_sql_runs");
    CU_ASSERT_PTR_NOT_NULL(civis_mock_journal_at(mock, 3)->op);
    /* rejected calls are journaled but not counted as calls */
    CU_ASSERT_EQUAL(civis_mock_rejected_count(mock), 5);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, NULL), 0);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "scripts.get_sql_runs"), 0);
    civis_client_free(real);
    civis_mock_free(mock);
}

static void test_basic__callv_and_pager_rejections_are_journaled(void)
{
    civis_mock *mock = new_mock(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    civis_response *resp = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_callv(&resp, civis_mock_client(mock), "tables", "list", &err, "db_id",
                                CIVIS_INT(1), CIVIS_END),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "db_id");
    civis_pager *pager = NULL;
    civis_error perr = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(
        civis_pager_new(&pager, civis_mock_client(mock), "scripts", "get_sql", NULL, &perr),
        CIVIS_EINVAL);
    CU_ASSERT_PTR_NULL(pager);
    CU_ASSERT_EQUAL_FATAL(civis_mock_journal_count(mock), 2);
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, 0)->message, err.message);
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, 0)->operation, "tables.list");
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, 1)->message, perr.message);
    CU_ASSERT_TRUE(civis_mock_journal_at(mock, 1)->rejected);
    civis_mock_free(mock);
}

static void test_basic__two_mocks_share_nothing(void)
{
    civis_mock *a = new_mock(NULL);
    civis_mock *b = new_mock(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_EQUAL(civis_mock_client(a), civis_mock_client(b));
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return(a, "users.get_me", "{\"id\":1,\"username\":\"a\"}", &err),
                    err);
    civis_response *ra = NULL, *rb = NULL;
    ASSERT_CIVIS_OK(civis_call(&ra, civis_mock_client(a), "users", "get_me", NULL, &err), err);
    ASSERT_CIVIS_OK(civis_call(&rb, civis_mock_client(b), "users", "get_me", NULL, &err), err);
    const char *ua = NULL, *ub = NULL;
    ASSERT_CIVIS_OK(civis_response_string(&ua, ra, "username", &err), err);
    ASSERT_CIVIS_OK(civis_response_string(&ub, rb, "username", &err), err);
    CU_ASSERT_STRING_EQUAL(ua, "a");
    CU_ASSERT_STRING_NOT_EQUAL(ub, "a"); /* b answers from the spec's example */
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(b, 0)->source, "example");
    CU_ASSERT_EQUAL(civis_mock_call_count(a, "users.get_me"), 1);
    CU_ASSERT_EQUAL(civis_mock_call_count(b, "users.get_me"), 1);
    civis_response_free(ra);
    civis_response_free(rb);
    civis_mock_free(a);
    /* b still works after a is gone */
    ASSERT_CIVIS_OK(civis_call(&rb, civis_mock_client(b), "users", "get_me", NULL, &err), err);
    civis_response_free(rb);
    CU_ASSERT_EQUAL(civis_mock_call_count(b, NULL), 2);
    civis_mock_free(b);
    civis_mock_free(NULL); /* allowed */
}

static void test_basic__spec_options(void)
{
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock *mock = NULL;
    /* a file that is not there */
    CU_ASSERT_EQUAL(
        civis_mock_new(&mock, &(civis_mock_options){.spec_path = "/nonexistent/x.json"}, &err),
        CIVIS_EIO);
    CU_ASSERT_PTR_NULL(mock);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "/nonexistent/x.json"));

    /* a borrowed spec is used as is */
    civis_spec *spec = NULL;
    civis_error serr = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_load_buffer(&spec, tiny_spec, strlen(tiny_spec), &serr), serr);
    mock = new_mock(&(civis_mock_options){.spec = spec});
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    CU_ASSERT_PTR_EQUAL(civis_mock_spec(mock), spec);
    civis_response *resp = NULL;
    civis_error cerr = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_callv(&resp, civis_mock_client(mock), "scripts", "get_sql", &cerr, "id",
                                CIVIS_INT(1), CIVIS_END),
                    CIVIS_EINVAL); /* this spec has widgets only */
    ASSERT_CIVIS_OK(civis_callv(&resp, civis_mock_client(mock), "widgets", "get", &cerr, "id",
                                CIVIS_INT(42), CIVIS_END),
                    cerr);
    long long id = 0;
    ASSERT_CIVIS_OK(civis_response_int(&id, resp, "id", &cerr), cerr);
    CU_ASSERT_EQUAL(id, 42); /* the object a path names carries its id */
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, 1)->source, "synthesized");
    civis_response_free(resp);
    civis_mock_free(mock);
    civis_spec_free(spec);

    /* $CIVIS_API_SPEC is the default when given */
    const char *full = civis_test_full_spec("mockclient_basic CIVIS_API_SPEC");
    if (full == NULL)
        return;
    saved_env s = env_set("CIVIS_API_SPEC", full);
    mock = new_mock(NULL);
    env_restore(s);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    CU_ASSERT_EQUAL(civis_spec_operation_count(civis_mock_spec(mock)), 910);
    civis_mock_free(mock);
}

static char *synthesized_name(unsigned long long seed)
{
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_load_buffer(&spec, tiny_spec, strlen(tiny_spec), &err) != CIVIS_OK)
        return NULL;
    civis_mock *mock = new_mock(&(civis_mock_options){.spec = spec, .seed = seed});
    civis_response *resp = NULL;
    char *out = NULL;
    if (mock != NULL && civis_callv(&resp, civis_mock_client(mock), "widgets", "get", &err, "id",
                                    CIVIS_INT(1), CIVIS_END) == CIVIS_OK) {
        const char *body = civis_response_body(resp, NULL);
        out = body ? strdup(body) : NULL;
    }
    civis_response_free(resp);
    civis_mock_free(mock);
    civis_spec_free(spec);
    return out;
}

static void test_basic__seed_makes_synthesis_repeatable(void)
{
    char *a1 = synthesized_name(7), *a2 = synthesized_name(7), *b = synthesized_name(8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_STRING_EQUAL(a1, a2);
    CU_ASSERT_STRING_NOT_EQUAL(a1, b);
    /* realistic shape: every declared field, date-times as ISO 8601 */
    cJSON *doc = cJSON_Parse(a1);
    CU_ASSERT_TRUE(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(doc, "name")));
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(doc, "createdAt");
    CU_ASSERT_TRUE(cJSON_IsString(ts) && strlen(ts->valuestring) >= 20 &&
                   ts->valuestring[4] == '-');
    cJSON_Delete(doc);
    free(a1);
    free(a2);
    free(b);
}

static void test_basic__lists_end_with_nothing_set(void)
{
    civis_mock *mock = new_mock(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    civis_error err = CIVIS_ERROR_INIT;
    /* the example of tables.list, walked page by page, ends */
    cJSON *all = NULL;
    ASSERT_CIVIS_OK(civis_list_all(&all, civis_mock_client(mock), "tables", "list", NULL, &err),
                    err);
    CU_ASSERT_TRUE(cJSON_GetArraySize(all) > 0);
    cJSON_Delete(all);
    /* the pages carry X-Pagination-Total-Pages, so the pager stops after the
     * last one without asking for an empty page */
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "tables.list"), 1);
    CU_ASSERT_STRING_EQUAL(civis_mock_journal_at(mock, 0)->query, "page_num=1");
    civis_mock_free(mock);

    /* a synthesized list on the full spec, two per page, ends too */
    const char *full = civis_test_full_spec("mockclient_basic synthesized list");
    if (full == NULL)
        return;
    mock = new_mock(&(civis_mock_options){.spec_path = full});
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    cJSON *args = civis_args("limit", CIVIS_INT(2), CIVIS_END);
    ASSERT_CIVIS_OK(civis_list_all(&all, civis_mock_client(mock), "scripts", "list", args, &err),
                    err);
    int n = cJSON_GetArraySize(all);
    CU_ASSERT_TRUE(n > 0);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "scripts.list"), (size_t)((n + 1) / 2));
    cJSON_Delete(all);
    cJSON_Delete(args);
    civis_mock_free(mock);
}

static void test_basic__helpers_run_on_the_mock(void)
{
    civis_mock *mock = new_mock(NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_return(mock, "databases.list",
                                      "[{\"id\":32,\"name\":\"redshift-general\"},"
                                      "{\"id\":33,\"name\":\"other\"}]",
                                      &err),
                    err);
    long long id = 0;
    ASSERT_CIVIS_OK(civis_get_database_id(&id, civis_mock_client(mock), "other", &err), err);
    CU_ASSERT_EQUAL(id, 33);
    /* memoised by the production helper: the second lookup sends nothing */
    ASSERT_CIVIS_OK(civis_get_database_id(&id, civis_mock_client(mock), "other", &err), err);
    CU_ASSERT_EQUAL(civis_mock_call_count(mock, "databases.list"), 1);
    civis_error nerr = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_get_database_id(&id, civis_mock_client(mock), "nope", &nerr),
                    CIVIS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(nerr.message, "Database nope not found.");
    civis_mock_free(mock);
}

/* ---- out of memory ---------------------------------------------------------- */

/* A whole test's life on the mock: create, set behaviours, call (rejected
 * and accepted, canned and synthesized), query, free. */
static civis_status mock_life(const civis_spec *spec)
{
    civis_mock *m = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_response *resp = NULL;
    cJSON *u = NULL;
    civis_status st = civis_mock_new(&m, &(civis_mock_options){.spec = spec}, &err);
    if (st == CIVIS_OK)
        st = civis_mock_return_when(m, "scripts.get_sql_runs", "{\"id\": 7}",
                                    "{\"state\": \"succeeded\"}", &err);
    if (st == CIVIS_OK)
        st = civis_mock_container_setup(m, NULL, &err);
    if (st == CIVIS_OK) {
        civis_error e = CIVIS_ERROR_INIT;
        civis_call(&resp, civis_mock_client(m), "scripts", "get_sql_run", NULL, &e);
        st = civis_callv(&resp, civis_mock_client(m), "scripts", "get_sql_runs", &err, "id",
                         CIVIS_INT(7), "run_id", CIVIS_INT(1), CIVIS_END);
    }
    const char *state = NULL;
    if (st == CIVIS_OK)
        st = civis_response_string(&state, resp, "state", &err);
    civis_response_free(resp);
    resp = NULL;
    if (st == CIVIS_OK)
        st = civis_callv(&resp, civis_mock_client(m), "scripts", "get_containers_runs", &err, "id",
                         CIVIS_INT(1), "run_id", CIVIS_INT(2), CIVIS_END);
    civis_response_free(resp);
    resp = NULL;
    if (st == CIVIS_OK)
        st = civis_callv(&resp, civis_mock_client(m), "users", "get_me", &err, CIVIS_END);
    civis_response_free(resp);
    if (st == CIVIS_OK)
        st = civis_mock_uncalled(&u, m, &err);
    cJSON_Delete(u);
    char msg[512];
    if (st == CIVIS_OK && !civis_mock_check_called(m, "users.get_me", msg, sizeof(msg)))
        st = CIVIS_ENOMEM; /* the journal lost the call */
    civis_mock_free(m);
    return st;
}

static civis_status mock_life_op(void *spec)
{
    return mock_life(spec);
}

static void test_basic__survives_every_allocation_failure(void)
{
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_load_bundled(&spec, &err), err);
    long n = civis_test_alloc_walk(mock_life_op, spec, 5000);
    CU_ASSERT_TRUE(n > 10 && n < 5000);
    civis_spec_free(spec);
}

static CU_TestInfo basic_tests[] = {
    {"needs no key and no network", test_basic__needs_no_key_no_network},
    {"every operation of the bundled spec answers",
     test_basic__every_operation_of_the_bundled_spec_answers},
    {"every operation of the full spec answers",
     test_basic__every_operation_of_the_full_spec_answers},
    {"rejections carry the client's messages", test_basic__rejections_carry_the_clients_messages},
    {"callv and pager rejections are journaled",
     test_basic__callv_and_pager_rejections_are_journaled},
    {"two mocks share nothing", test_basic__two_mocks_share_nothing},
    {"spec options", test_basic__spec_options},
    {"seed makes synthesis repeatable", test_basic__seed_makes_synthesis_repeatable},
    {"lists end with nothing set", test_basic__lists_end_with_nothing_set},
    {"helpers run on the mock", test_basic__helpers_run_on_the_mock},
    {"survives every allocation failure", test_basic__survives_every_allocation_failure},
    CU_TEST_INFO_NULL};

CIVIS_SUITE(mockclient_basic, basic_tests, NULL, NULL)
