/*
 * test_spec_request.c: server-side request validation (spec/src/request.c and
 * the schema walk in spec/src/schema_check.c): every problem of a request
 * listed, lenient mode, and hostile bodies (deep nesting, random bytes,
 * invalid UTF-8) answered with problems, never a crash.
 */
#include <stdlib.h>
#include <string.h>

#include "civis/spec.h"
#include "specsuite.h"
#include "test.h"

static civis_spec *bundled;
static civis_spec *full; /* NULL when the full spec is not available */

static int suite_init(void)
{
    return civis_test_specs_load(&bundled, &full, "spec_request full-spec cases");
}

static int suite_cleanup(void)
{
    return civis_test_specs_free(&bundled, &full);
}

static const civis_operation *op_of(const civis_spec *spec, const char *dotted)
{
    const civis_operation *op = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_find_dotted(&op, spec, dotted, &err) != CIVIS_OK)
        fprintf(stderr, "\n  %s: %s\n", dotted, err.message);
    CU_ASSERT_PTR_NOT_NULL_FATAL(op);
    return op;
}

/* A route as the router would give it: the path parameters of op, in
 * parameter order, take the values of pathv (NULL-terminated, may be NULL). */
static void make_route(civis_route *r, const civis_operation *op, const char *const *pathv)
{
    memset(r, 0, sizeof(*r));
    r->op = op;
    for (size_t i = 0; i < op->n_params && pathv != NULL && pathv[r->n_params] != NULL; i++) {
        if (op->params[i].in != CIVIS_IN_PATH)
            continue;
        r->params[r->n_params].name = op->params[i].name;
        snprintf(r->params[r->n_params].value, sizeof(r->params[0].value), "%s",
                 pathv[r->n_params]);
        r->n_params++;
    }
}

typedef struct request {
    const char *op;           /* "resource.method" */
    const char *const *pathv; /* path values, NULL-terminated */
    const civis_kv *query;
    size_t n_query;
    const char *body; /* NUL-terminated, or NULL */
    bool lenient;
} request;

static civis_status validate(civis_problems *pr, cJSON **body_out, const civis_spec *spec,
                             const request *rq)
{
    civis_route route;
    make_route(&route, op_of(spec, rq->op), rq->pathv);
    civis_request_check chk = {
        .route = &route,
        .query = rq->query,
        .n_query = rq->n_query,
        .body = rq->body,
        .body_len = rq->body ? strlen(rq->body) : 0,
        .lenient = rq->lenient,
    };
    return civis_request_validate(pr, body_out, spec, &chk);
}

static void print_problems(const civis_problems *pr)
{
    for (size_t i = 0; i < pr->count; i++)
        fprintf(stderr, "\n    [%zu] %s '%s': %s (%s)", i, pr->items[i].location,
                pr->items[i].field, pr->items[i].problem, pr->items[i].suggestion);
}

static void expect_problem(const civis_problems *pr, size_t i, const char *location,
                           const char *field, const char *problem, const char *suggestion)
{
    CU_ASSERT_FATAL(i < pr->count);
    const civis_problem *p = &pr->items[i];
    int ok = strcmp(p->location, location) == 0 && strcmp(p->field, field) == 0 &&
             strcmp(p->problem, problem) == 0 && strcmp(p->suggestion, suggestion) == 0;
    if (!ok) {
        fprintf(stderr, "\n  problem %zu: want %s '%s': %s (%s); have:", i, location, field,
                problem, suggestion);
        print_problems(pr);
    }
    CU_ASSERT(ok);
}

/* ---- bodies ------------------------------------------------------------------ */

static void test_request__valid_body_in_either_case_passes(void)
{
    static const char *const id7[] = {"7", NULL};
    const char *bodies[] = {
        "{\"docker_command\": \"run\", \"required_resources\": {\"cpu\": 1, \"memory\": 2}}",
        "{\"dockerCommand\": \"run\", \"requiredResources\": {\"cpu\": 1, \"memory\": 2}, "
        "\"schedule\": {\"scheduledDays\": [1, 2], \"scheduled_hours\": []}, \"params\": "
        "[{\"name\": \"a\", \"type\": \"string\", \"allowed_values\": [{\"x\": 1}]}], "
        "\"arguments\": {\"anything\": [1, \"two\", {\"Three\": null}]}}",
    };
    for (size_t i = 0; i < 2; i++) {
        civis_problems pr = {0};
        cJSON *body = NULL;
        request rq = {.op = "scripts.post_containers", .body = bodies[i]};
        civis_status st = validate(&pr, &body, bundled, &rq);
        if (st != CIVIS_OK)
            print_problems(&pr);
        CU_ASSERT_EQUAL(st, CIVIS_OK);
        CU_ASSERT_EQUAL(pr.count, 0);
        /* The parsed body is handed over. */
        CU_ASSERT_PTR_NOT_NULL(
            cJSON_GetObjectItemCaseSensitive(body, i ? "dockerCommand" : "docker_command"));
        cJSON_Delete(body);
        civis_problems_clear(&pr);
    }
    /* A PATCH with only a path parameter and an optional property. */
    civis_problems pr = {0};
    request rq = {
        .op = "scripts.patch_containers", .pathv = id7, .body = "{\"docker_image_tag\": null}"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_OK);
    civis_problems_clear(&pr);
}

static void test_request__nested_problems_are_all_listed(void)
{
    civis_problems pr = {0};
    request rq = {
        .op = "scripts.post_containers",
        .body = "{\"docker_comand\": \"x\", \"requiredResources\": {\"cpu\": \"1\", "
                "\"memory\": 2}, \"schedule\": {\"scheduled_days\": [1, \"x\"], "
                "\"scheduledHourz\": [1]}, \"params\": [{\"name\": \"a\", \"type\": \"s\"}, "
                "{\"name\": 5, \"type\": \"s\", \"lable\": \"x\"}], \"hidden\": \"yes\"}",
    };
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 7);
    CU_ASSERT_EQUAL(pr.unknown, 3);
    expect_problem(&pr, 0, "body", "docker_comand", "unknown property", "docker_command");
    expect_problem(&pr, 1, "body", "requiredResources.cpu", "must be integer, got string", "");
    expect_problem(&pr, 2, "body", "schedule.scheduled_days[1]", "must be integer, got string", "");
    expect_problem(&pr, 3, "body", "schedule.scheduledHourz", "unknown property", "scheduledHours");
    expect_problem(&pr, 4, "body", "params[1].name", "must be string, got integer", "");
    expect_problem(&pr, 5, "body", "params[1].lable", "unknown property", "label");
    expect_problem(&pr, 6, "body", "hidden", "must be boolean, got string", "");
    civis_problems_clear(&pr);
    CU_ASSERT_PTR_NULL(pr.items);
    CU_ASSERT_EQUAL(pr.count, 0);
}

static void test_request__missing_required_properties_in_caller_style(void)
{
    civis_problems pr = {0};
    request snake = {.op = "scripts.post_sql", .body = "{\"sql\": \"select 1\"}"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &snake), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 3);
    expect_problem(&pr, 0, "body", "name", "missing required property", "");
    expect_problem(&pr, 1, "body", "remote_host_id", "missing required property", "");
    expect_problem(&pr, 2, "body", "credential_id", "missing required property", "");
    /* The same list reused: counts start again. */
    request camel = {.op = "scripts.post_sql", .body = "{\"remoteHostId\": 1}"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &camel), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 3);
    expect_problem(&pr, 0, "body", "name", "missing required property", "");
    expect_problem(&pr, 1, "body", "sql", "missing required property", "");
    expect_problem(&pr, 2, "body", "credentialId", "missing required property", "");
    /* An empty body is "{}": everything required is missing. */
    request empty = {.op = "scripts.post_sql", .body = " \r\n"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &empty), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 4);
    request none = {.op = "scripts.post_sql"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &none), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 4);
    /* A required property sent as null. */
    request nul = {.op = "scripts.post_sql",
                   .body = "{\"name\": null, \"sql\": \"s\", \"remote_host_id\": 1, "
                           "\"credential_id\": 2}"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &nul), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 1);
    expect_problem(&pr, 0, "body", "name", "must be string, got null", "");
    civis_problems_clear(&pr);
}

static void test_request__property_given_twice_is_refused(void)
{
    civis_problems pr = {0};
    request rq = {.op = "scripts.post_containers",
                  .body = "{\"required_resources\": {\"cpu\": 1}, \"docker_command\": \"a\", "
                          "\"dockerCommand\": \"b\"}"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 1);
    expect_problem(&pr, 0, "body", "dockerCommand",
                   "given twice (as 'docker_command' and 'dockerCommand')", "");
    civis_problems_clear(&pr);
}

static void test_request__body_that_is_not_json_or_not_an_object(void)
{
    civis_problems pr = {0};
    cJSON *body = (cJSON *)1;
    request bad = {.op = "scripts.post_sql", .body = "{\"name\": x}"};
    CU_ASSERT_EQUAL(validate(&pr, &body, bundled, &bad), CIVIS_EINVAL);
    CU_ASSERT_PTR_NULL(body);
    CU_ASSERT_EQUAL(pr.count, 1);
    expect_problem(&pr, 0, "body", "", "body is not valid JSON (at byte 9)", "");
    request trailing = {.op = "scripts.post_sql", .body = "{} x"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &trailing), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 1);
    expect_problem(&pr, 0, "body", "", "body is not valid JSON (at byte 3)", "");
    request arr = {.op = "scripts.post_sql", .body = "[1, 2]"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &arr), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 1);
    expect_problem(&pr, 0, "body", "", "body must be a JSON object, got array", "");
    /* A body that stops early: its length, not a NUL, ends it. */
    const char text[] = "{\"name\": \"abc\"}";
    civis_route route;
    make_route(&route, op_of(bundled, "scripts.post_sql"), NULL);
    civis_request_check chk = {.route = &route, .body = text, .body_len = 9};
    CU_ASSERT_EQUAL(civis_request_validate(&pr, NULL, bundled, &chk), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 1);
    CU_ASSERT_STRING_EQUAL(pr.items[0].location, "body");
    CU_ASSERT(strncmp(pr.items[0].problem, "body is not valid JSON (at byte ", 32) == 0);
    /* An embedded NUL after the value is not whitespace. */
    chk.body = "{}\0{}";
    chk.body_len = 5;
    CU_ASSERT_EQUAL(civis_request_validate(&pr, NULL, bundled, &chk), CIVIS_EINVAL);
    expect_problem(&pr, 0, "body", "", "body is not valid JSON (at byte 2)", "");
    civis_problems_clear(&pr);
}

/* civis-mock's upload buffer ends in a NUL, so it is parsed where it is
 * (body_terminated) rather than copied: every answer must be the same as
 * from the copy, the parsed body and each problem's byte offset included. */
static void test_request__terminated_body_parses_like_a_copy(void)
{
    static const struct {
        const char *text;
        size_t len;
    } bodies[] = {
        {"{\"name\": \"q\", \"sql\": \"select 1\", \"remote_host_id\": 1}", 53},
        {"{\"name\": x}", 11},
        {"{} x", 4},
        {"{}\0{}", 5},
        {"[1, 2]", 6},
        {"  {\"name\": 7}  ", 15},
    };
    civis_route route;
    make_route(&route, op_of(bundled, "scripts.post_sql"), NULL);
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        CU_ASSERT_FATAL(bodies[i].text[bodies[i].len] == '\0');
        civis_problems copied = {0}, in_place = {0};
        cJSON *a = NULL, *b = NULL;
        civis_request_check chk = {
            .route = &route, .body = bodies[i].text, .body_len = bodies[i].len};
        civis_status sa = civis_request_validate(&copied, &a, bundled, &chk);
        chk.body_terminated = true;
        civis_status sb = civis_request_validate(&in_place, &b, bundled, &chk);
        CU_ASSERT_EQUAL(sa, sb);
        CU_ASSERT(cJSON_Compare(a, b, true) || (a == NULL && b == NULL));
        CU_ASSERT_EQUAL_FATAL(copied.count, in_place.count);
        for (size_t k = 0; k < copied.count; k++) {
            CU_ASSERT_STRING_EQUAL(copied.items[k].location, in_place.items[k].location);
            CU_ASSERT_STRING_EQUAL(copied.items[k].field, in_place.items[k].field);
            CU_ASSERT_STRING_EQUAL(copied.items[k].problem, in_place.items[k].problem);
        }
        cJSON_Delete(a);
        cJSON_Delete(b);
        civis_problems_clear(&copied);
        civis_problems_clear(&in_place);
    }
}

static void test_request__operation_without_body_takes_empty_or_braces(void)
{
    static const char *const id7[] = {"7", NULL};
    civis_problems pr = {0};
    cJSON *body = NULL;
    request empty = {.op = "databases.get", .pathv = id7, .body = ""};
    CU_ASSERT_EQUAL(validate(&pr, &body, bundled, &empty), CIVIS_OK);
    CU_ASSERT_PTR_NULL(body);
    request braces = {.op = "databases.get", .pathv = id7, .body = "{}"};
    CU_ASSERT_EQUAL(validate(&pr, &body, bundled, &braces), CIVIS_OK);
    CU_ASSERT_EQUAL(pr.count, 0);
    cJSON_Delete(body);
    body = NULL;
    request extra = {.op = "databases.get", .pathv = id7, .body = "{\"a\": 1}"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &extra), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.unknown, 1);
    expect_problem(&pr, 0, "body", "a", "unknown property (this operation takes no body)", "");
    extra.lenient = true;
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &extra), CIVIS_OK);
    CU_ASSERT_EQUAL(pr.count, 1);
    request arr = {.op = "databases.get", .pathv = id7, .body = "[1]", .lenient = true};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &arr), CIVIS_EINVAL);
    expect_problem(&pr, 0, "body", "", "this operation takes no body, got array", "");
    /* An operation with a body but none sent gets an empty object back. */
    request patch = {.op = "scripts.patch_sql", .pathv = id7};
    CU_ASSERT_EQUAL(validate(&pr, &body, bundled, &patch), CIVIS_OK);
    CU_ASSERT(cJSON_IsObject(body) && body->child == NULL);
    cJSON_Delete(body);
    civis_problems_clear(&pr);
}

/* ---- path and query ------------------------------------------------------------ */

static void test_request__path_parameters_are_typed(void)
{
    static const char *const bad[] = {"abc", "1.5", NULL};
    static const char *const good[] = {"-5", "0012", NULL};
    civis_problems pr = {0};
    request rq = {.op = "scripts.get_sql_runs", .pathv = bad};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 2);
    expect_problem(&pr, 0, "path", "id", "must be integer, got 'abc'", "");
    expect_problem(&pr, 1, "path", "run_id", "must be integer, got '1.5'", "");
    rq.pathv = good;
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_OK);
    /* String segments take anything but nothing. */
    static const char *const names[] = {"1", "my schema", "", NULL};
    request tbl = {.op = "databases.get_schemas_tables", .pathv = names};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &tbl), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 1);
    expect_problem(&pr, 0, "path", "table_name", "must not be empty", "");
    civis_problems_clear(&pr);
}

static void test_request__query_types_names_and_lenient_mode(void)
{
    civis_problems pr = {0};
    static const civis_kv ok[] = {{"type", "Database"},
                                  {"default", "True"},
                                  {"system_credentials", "FALSE"},
                                  {"limit", "20"},
                                  {"remoteHostId", "3"}};
    request good = {.op = "credentials.list", .query = ok, .n_query = 5};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &good), CIVIS_OK);
    CU_ASSERT_EQUAL(pr.count, 0);

    static const civis_kv bad[] = {
        {"default", "yes"}, {"limt", "5"}, {"limit", "five"}, {"page_num", ""}};
    request rq = {.op = "credentials.list", .query = bad, .n_query = 4};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 4);
    CU_ASSERT_EQUAL(pr.unknown, 1);
    expect_problem(&pr, 0, "query", "default", "must be boolean, got 'yes'", "");
    expect_problem(&pr, 1, "query", "limt", "unknown parameter", "limit");
    expect_problem(&pr, 2, "query", "limit", "must be integer, got 'five'", "");
    expect_problem(&pr, 3, "query", "page_num", "must be integer, got ''", "");

    /* Lenient: unknown names are listed but do not fail the request... */
    static const civis_kv unknown[] = {{"limt", "5"}, {"zzzzzzzz", "1"}};
    request len = {.op = "credentials.list", .query = unknown, .n_query = 2, .lenient = true};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &len), CIVIS_OK);
    CU_ASSERT_EQUAL(pr.count, 2);
    CU_ASSERT_EQUAL(pr.unknown, 2);
    expect_problem(&pr, 1, "query", "zzzzzzzz", "unknown parameter", "");
    /* ...wrong types still do. */
    rq.lenient = true;
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 4);
    civis_problems_clear(&pr);
}

static void test_request__array_query_parameters(void)
{
    civis_problems pr = {0};
    static const civis_kv ok[] = {
        {"table_tag_ids[]", "3"}, {"table_tag_ids[]", "4"}, {"databaseId", "5"}};
    request good = {.op = "tables.list", .query = ok, .n_query = 3};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &good), CIVIS_OK);
    /* The documented comma-separated form. */
    static const civis_kv csv[] = {{"table_tag_ids", "3,4"}};
    request list = {.op = "tables.list", .query = csv, .n_query = 1};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &list), CIVIS_OK);
    static const civis_kv bad[] = {
        {"table_tag_ids[]", "x"}, {"table_tag_ids", "3,y"}, {"limit[]", "3"}};
    request rq = {.op = "tables.list", .query = bad, .n_query = 3};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 3);
    expect_problem(&pr, 0, "query", "table_tag_ids[]", "must be integer, got 'x'", "");
    expect_problem(&pr, 1, "query", "table_tag_ids", "must be integer, got 'y'", "");
    expect_problem(&pr, 2, "query", "limit[]", "is not an array; send limit=value", "");
    civis_problems_clear(&pr);
}

/* ---- hostile input ----------------------------------------------------------------- */

static char *nested(const char *prefix, const char *open, const char *close, size_t depth,
                    const char *suffix)
{
    size_t n = strlen(prefix) + depth * (strlen(open) + strlen(close)) + strlen(suffix) + 1;
    char *s = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    char *o = s;
    o += sprintf(o, "%s", prefix);
    for (size_t i = 0; i < depth; i++)
        o += sprintf(o, "%s", open);
    for (size_t i = 0; i < depth; i++)
        o += sprintf(o, "%s", close);
    sprintf(o, "%s", suffix);
    return s;
}

static void test_request__deep_nesting_is_a_problem_not_a_crash(void)
{
    civis_problems pr = {0};
    /* Past cJSON's own limit: refused while parsing. */
    char *deep = nested("{\"arguments\": ", "[", "]", 10000, "}");
    request rq = {
        .op = "scripts.patch_sql", .pathv = (const char *const[]){"1", NULL}, .body = deep};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 1);
    CU_ASSERT(strncmp(pr.items[0].problem, "body is not valid JSON (at byte ", 32) == 0);
    free(deep);
    /* Within cJSON's limit but past the walk's: one problem, at the cut. */
    deep = nested("{\"arguments\": ", "{\"a\": [", "]}", 200, "}");
    rq.body = deep;
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 1);
    CU_ASSERT_STRING_EQUAL(pr.items[0].problem, "nested deeper than 64 levels");
    CU_ASSERT(strncmp(pr.items[0].field, "arguments.a[0].a[0].a", 21) == 0);
    free(deep);
    /* Lenient mode does not forgive it. */
    deep = nested("{\"zzz\": ", "[", "]", 500, "}");
    rq.body = deep;
    rq.lenient = true;
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 2);
    expect_problem(&pr, 0, "body", "zzz", "unknown property", "");
    CU_ASSERT_STRING_EQUAL(pr.items[1].problem, "nested deeper than 64 levels");
    free(deep);
    civis_problems_clear(&pr);
}

/* xorshift: deterministic bytes, so a failure can be replayed. */
static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void test_request__random_bytes_are_answered_with_problems(void)
{
    civis_problems pr = {0};
    civis_route route;
    make_route(&route, op_of(bundled, "scripts.post_containers"), NULL);
    uint64_t seed = 0x9e3779b97f4a7c15u;
    char buf[512];
    for (int round = 0; round < 200; round++) {
        size_t len = 1 + next_rand(&seed) % sizeof(buf);
        for (size_t i = 0; i < len; i++)
            buf[i] = (char)(next_rand(&seed) & 0xff);
        buf[0] = (char)(0x80 | buf[0]); /* never whitespace, never valid JSON */
        civis_request_check chk = {.route = &route, .body = buf, .body_len = len};
        cJSON *body = NULL;
        CU_ASSERT_EQUAL(civis_request_validate(&pr, &body, bundled, &chk), CIVIS_EINVAL);
        CU_ASSERT_PTR_NULL(body);
        CU_ASSERT_EQUAL(pr.count, 1);
        CU_ASSERT_STRING_EQUAL(pr.items[0].location, "body");
    }
    /* Mutations of a valid body: any verdict is fine, a crash or leak is not. */
    const char valid[] = "{\"required_resources\": {\"cpu\": 1, \"memory\": 2}, \"params\": "
                         "[{\"name\": \"a\", \"type\": \"s\"}], \"schedule\": "
                         "{\"scheduled_days\": [1]}, \"arguments\": {\"k\": \"v\"}}";
    for (int round = 0; round < 2000; round++) {
        memcpy(buf, valid, sizeof(valid));
        for (int k = 0; k < 3; k++)
            buf[next_rand(&seed) % (sizeof(valid) - 1)] = (char)(next_rand(&seed) & 0xff);
        civis_request_check chk = {.route = &route, .body = buf, .body_len = sizeof(valid) - 1};
        cJSON *body = NULL;
        civis_status st = civis_request_validate(&pr, &body, bundled, &chk);
        CU_ASSERT(st == CIVIS_OK || (st == CIVIS_EINVAL && pr.count > 0));
        CU_ASSERT((st == CIVIS_OK) == (body != NULL));
        cJSON_Delete(body);
    }
    civis_problems_clear(&pr);
}

static void test_request__invalid_utf8_is_reported(void)
{
    civis_problems pr = {0};
    request rq = {.op = "scripts.post_containers",
                  .body = "{\"required_resources\": {\"cpu\": 1}, \"docker_command\": "
                          "\"a\xff\", \"arguments\": {\"k\": [\"\xed\xa0\x80\"]}, "
                          "\"\xc3\x28\": 1, \"name\": \"ok \xc3\xa9\"}"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 3);
    expect_problem(&pr, 0, "body", "docker_command", "string is not valid UTF-8", "");
    expect_problem(&pr, 1, "body", "arguments.k[0]", "string is not valid UTF-8", "");
    expect_problem(&pr, 2, "body", "?(", "property name is not valid UTF-8", "");
    /* Query values too. */
    static const civis_kv q[] = {{"name", "x\xc0\xaf"}};
    request qr = {.op = "tables.list", .query = q, .n_query = 1};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &qr), CIVIS_EINVAL);
    expect_problem(&pr, 0, "query", "name", "is not valid UTF-8", "");
    civis_problems_clear(&pr);
}

/* The body's bytes are checked whole when they are valid UTF-8; escapes
 * decode to valid text or fail the parse; a problem deep in a long array
 * (the same item schema checked hundreds of times) names its own item. */
static void test_request__escapes_and_long_arrays_keep_their_fields(void)
{
    civis_problems pr = {0};
    request ok = {.op = "scripts.post_containers",
                  .body = "{\"required_resources\": {\"cpu\": 1}, \"docker_command\": "
                          "\"caf\\u00e9 \\ud83d\\ude00\", \"name\": \"\\u0041\"}"};
    cJSON *parsed = NULL;
    CU_ASSERT_EQUAL(validate(&pr, &parsed, bundled, &ok), CIVIS_OK);
    const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(parsed, "docker_command");
    CU_ASSERT(cJSON_IsString(cmd) && strcmp(cmd->valuestring, "caf\xc3\xa9 \xf0\x9f\x98\x80") == 0);
    cJSON_Delete(parsed);
    request lone = {.op = "scripts.post_containers",
                    .body = "{\"required_resources\": {\"cpu\": 1}, \"name\": \"\\udc00\"}"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &lone), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 1);
    CU_ASSERT(strncmp(pr.items[0].problem, "body is not valid JSON", 22) == 0);

    size_t n = 300;
    char *body = malloc(n * 64 + 128);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    char *o = body + sprintf(body, "{\"required_resources\": {\"cpu\": 1}, \"params\": [");
    for (size_t i = 0; i < n; i++) {
        const char *name = i == 250 ? "7" : "\"p\"";
        const char *label = i == 299 ? "\"bad \xc3\"" : "\"L\"";
        o += sprintf(o, "%s{\"name\": %s, \"label\": %s, \"type\": \"string\"}", i ? ", " : "",
                     name, label);
    }
    sprintf(o, "]}");
    request big = {.op = "scripts.post_containers", .body = body};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &big), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 2);
    expect_problem(&pr, 0, "body", "params[250].name", "must be string, got integer", "");
    expect_problem(&pr, 1, "body", "params[299].label", "string is not valid UTF-8", "");
    free(body);
    civis_problems_clear(&pr);
}

static void test_request__problem_list_is_capped(void)
{
    civis_problems pr = {0};
    size_t n = 500;
    char *body = malloc(n * 16 + 8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    char *o = body;
    *o++ = '{';
    for (size_t i = 0; i < n; i++)
        o += sprintf(o, "%s\"zz%zu\": 1", i ? ", " : "", i);
    sprintf(o, "}");
    request rq = {
        .op = "scripts.patch_sql", .pathv = (const char *const[]){"1", NULL}, .body = body};
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 100);
    CU_ASSERT_EQUAL(pr.unknown, 100);
    CU_ASSERT(pr.cap <= 100);
    rq.lenient = true;
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_OK);
    /* A real problem past the cap still fails a lenient request. */
    sprintf(o - 0, ", \"sql\": 5}");
    CU_ASSERT_EQUAL(validate(&pr, NULL, bundled, &rq), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 100);
    free(body);
    civis_problems_clear(&pr);
    civis_problems_clear(NULL);
}

/* ---- the full spec --------------------------------------------------------------- */

static void test_request__acronyms_and_maps_on_the_full_spec(void)
{
    if (full == NULL)
        return;
    civis_problems pr = {0};
    const char *ok[] = {"{\"provide_api_key\": true}", "{\"provideAPIKey\": true}",
                        "{\"provideApiKey\": true}"};
    for (size_t i = 0; i < 3; i++) {
        request rq = {.op = "reports.post", .body = ok[i]};
        CU_ASSERT_EQUAL(validate(&pr, NULL, full, &rq), CIVIS_OK);
    }
    request snake = {.op = "reports.post", .body = "{\"provide_api_kee\": true}"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, full, &snake), CIVIS_EINVAL);
    expect_problem(&pr, 0, "body", "provide_api_kee", "unknown property", "provide_api_key");
    request camel = {.op = "reports.post", .body = "{\"provideAPIKee\": true}"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, full, &camel), CIVIS_EINVAL);
    expect_problem(&pr, 0, "body", "provideAPIKee", "unknown property", "provideAPIKey");
    /* A map keeps its keys as data and types its values. */
    request env = {.op = "notebooks.post",
                   .body = "{\"environmentVariables\": {\"MY_VAR\": \"x\", \"otherVar\": 1}}"};
    CU_ASSERT_EQUAL(validate(&pr, NULL, full, &env), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(pr.count, 1);
    expect_problem(&pr, 0, "body", "environmentVariables.otherVar", "must be string, got integer",
                   "");
    civis_problems_clear(&pr);
}

/* Every operation of the full spec: the body civis_args_place builds from
 * its required arguments validates in both key styles, and "{}" misses
 * exactly the schema's required properties. */
static void test_request__placed_bodies_validate_for_every_operation(void)
{
    const civis_spec *spec = full ? full : bundled;
    civis_problems pr = {0};
    size_t checked = 0;
    for (size_t i = 0; i < civis_spec_operation_count(spec); i++) {
        const civis_operation *op = civis_spec_operation_at(spec, i);
        cJSON *args = cJSON_CreateObject();
        const char *pathv[CIVIS_ROUTE_MAX_PARAMS + 1] = {0};
        size_t np = 0;
        for (size_t k = 0; k < op->n_params; k++) {
            const civis_param *p = &op->params[k];
            if (p->in == CIVIS_IN_PATH && np < CIVIS_ROUTE_MAX_PARAMS)
                pathv[np++] = p->type == CIVIS_TYPE_INTEGER ? "12" : "seg";
            if (!p->required)
                continue;
            cJSON *v = p->type == CIVIS_TYPE_INTEGER   ? cJSON_CreateNumber(12)
                       : p->type == CIVIS_TYPE_NUMBER  ? cJSON_CreateNumber(0.5)
                       : p->type == CIVIS_TYPE_BOOLEAN ? cJSON_CreateFalse()
                       : p->type == CIVIS_TYPE_ARRAY   ? cJSON_CreateArray()
                       : p->type == CIVIS_TYPE_OBJECT  ? cJSON_CreateObject()
                                                       : cJSON_CreateString("seg");
            cJSON_AddItemToObject(args, p->name, v);
        }
        civis_route route;
        make_route(&route, op, pathv);
        for (int style = 0; style < 2; style++) {
            civis_placed pl = {0};
            civis_error err = CIVIS_ERROR_INIT;
            ASSERT_CIVIS_OK(civis_args_place(&pl, spec, op, args, (civis_key_style)style, &err),
                            err);
            char *text = pl.body ? cJSON_PrintUnformatted(pl.body) : NULL;
            civis_request_check chk = {
                .route = &route, .body = text, .body_len = text ? strlen(text) : 0};
            civis_status st = civis_request_validate(&pr, NULL, spec, &chk);
            if (st != CIVIS_OK) {
                fprintf(stderr, "\n  %s %s %s:", op->verb, op->path, text ? text : "");
                print_problems(&pr);
            }
            CU_ASSERT_EQUAL(st, CIVIS_OK);
            cJSON_free(text);
            civis_placed_clear(&pl);
        }
        if (op->body_schema != NULL) {
            civis_request_check chk = {.route = &route, .body = "{}", .body_len = 2};
            civis_request_validate(&pr, NULL, spec, &chk);
            const cJSON *req = cJSON_GetObjectItemCaseSensitive(op->body_schema, "required");
            CU_ASSERT_EQUAL(pr.count, (size_t)cJSON_GetArraySize(req));
            checked++;
        }
        cJSON_Delete(args);
    }
    CU_ASSERT(checked > 0);
    civis_problems_clear(&pr);
}

static CU_TestInfo spec_request_tests[] = {
    {"valid body in either case passes", test_request__valid_body_in_either_case_passes},
    {"nested problems are all listed", test_request__nested_problems_are_all_listed},
    {"missing required properties in caller style",
     test_request__missing_required_properties_in_caller_style},
    {"property given twice is refused", test_request__property_given_twice_is_refused},
    {"body not JSON or not an object", test_request__body_that_is_not_json_or_not_an_object},
    {"terminated body parses like a copy", test_request__terminated_body_parses_like_a_copy},
    {"operation without body takes empty or {}",
     test_request__operation_without_body_takes_empty_or_braces},
    {"path parameters are typed", test_request__path_parameters_are_typed},
    {"query types, names and lenient mode", test_request__query_types_names_and_lenient_mode},
    {"array query parameters", test_request__array_query_parameters},
    {"deep nesting is a problem not a crash", test_request__deep_nesting_is_a_problem_not_a_crash},
    {"random bytes are answered with problems",
     test_request__random_bytes_are_answered_with_problems},
    {"invalid UTF-8 is reported", test_request__invalid_utf8_is_reported},
    {"escapes and long arrays keep their fields",
     test_request__escapes_and_long_arrays_keep_their_fields},
    {"problem list is capped", test_request__problem_list_is_capped},
    {"acronyms and maps on the full spec", test_request__acronyms_and_maps_on_the_full_spec},
    {"placed bodies validate for every operation",
     test_request__placed_bodies_validate_for_every_operation},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(spec_request, spec_request_tests, suite_init, suite_cleanup)
