/*
 * test_spec_args.c: call-argument validation and placement (spec/src/args.c)
 * and the percent-encoding helpers under it (spec/src/urlenc.c), on the
 * bundled spec and, where the bundled subset lacks a case, the full one.
 */
#include <stdlib.h>
#include <string.h>

#include "../spec/src/urlenc.h"
#include "civis/spec.h"
#include "specsuite.h"
#include "test.h"

static civis_spec *bundled;
static civis_spec *full; /* NULL when the full spec is not available */

static int suite_init(void)
{
    return civis_test_specs_load(&bundled, &full, "spec_args full-spec cases");
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

static cJSON *json(const char *text)
{
    cJSON *v = cJSON_Parse(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    return v;
}

/* Validates text as the arguments of dotted and checks the whole error. */
static void expect_einval(const civis_spec *spec, const char *dotted, const char *args,
                          const char *param, const char *message)
{
    cJSON *a = json(args);
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = civis_args_validate(spec, op_of(spec, dotted), a, &err);
    CU_ASSERT_EQUAL(st, CIVIS_EINVAL);
    CU_ASSERT_EQUAL(err.code, CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, param);
    CU_ASSERT_STRING_EQUAL(err.message, message);
    if (strcmp(err.message, message) != 0)
        fprintf(stderr, "\n  got:  %s\n  want: %s\n", err.message, message);
    /* Placement validates first and leaves nothing behind. */
    civis_placed pl = {(char *)"x", (char *)"y", NULL};
    civis_error err2 = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_args_place(&pl, spec, op_of(spec, dotted), a, CIVIS_KEYS_WIRE, &err2),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err2.message, message);
    CU_ASSERT_PTR_NULL(pl.path);
    CU_ASSERT_PTR_NULL(pl.query);
    CU_ASSERT_PTR_NULL(pl.body);
    cJSON_Delete(a);
}

/* Places text as the arguments of dotted and checks path, query and body
 * (body NULL means the placed body must be NULL). */
static void expect_placed(const civis_spec *spec, const char *dotted, const char *args,
                          civis_key_style style, const char *path, const char *query,
                          const char *body)
{
    cJSON *a = args ? json(args) : NULL;
    civis_placed pl = {0};
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_args_place(&pl, spec, op_of(spec, dotted), a, style, &err), err);
    CU_ASSERT_STRING_EQUAL(pl.path, path);
    CU_ASSERT_STRING_EQUAL(pl.query, query);
    if (strcmp(pl.query, query) != 0)
        fprintf(stderr, "\n  query got:  %s\n  query want: %s\n", pl.query, query);
    if (body == NULL) {
        CU_ASSERT_PTR_NULL(pl.body);
    } else {
        CU_ASSERT_PTR_NOT_NULL_FATAL(pl.body);
        char *text = cJSON_PrintUnformatted(pl.body);
        CU_ASSERT_STRING_EQUAL(text, body);
        if (strcmp(text, body) != 0)
            fprintf(stderr, "\n  body got:  %s\n  body want: %s\n", text, body);
        cJSON_free(text);
    }
    civis_placed_clear(&pl);
    CU_ASSERT_PTR_NULL(pl.path);
    cJSON_Delete(a);
}

/* ---- validation --------------------------------------------------------------- */

static void test_args__unknown_argument_suggests_nearest_name(void)
{
    expect_einval(bundled, "scripts.post_containers",
                  "{\"docker_comand\": \"run\", \"required_resources\": {}}", "docker_comand",
                  "unknown argument 'docker_comand' for scripts.post_containers "
                  "(did you mean 'docker_command'?)");
    /* A misspelt wire name is matched once converted to snake_case. */
    expect_einval(bundled, "scripts.post_containers", "{\"dockerComand\": \"run\"}", "dockerComand",
                  "unknown argument 'dockerComand' for scripts.post_containers "
                  "(did you mean 'docker_command'?)");
}

static void test_args__unknown_argument_without_neighbour_has_no_hint(void)
{
    expect_einval(bundled, "scripts.post_containers", "{\"zzzzzzzzzz\": 1}", "zzzzzzzzzz",
                  "unknown argument 'zzzzzzzzzz' for scripts.post_containers");
    /* A query parameter of another operation is unknown here. */
    expect_einval(bundled, "scripts.get_sql_runs", "{\"id\": 1, \"run_id\": 2, \"limit\": 5}",
                  "limit", "unknown argument 'limit' for scripts.get_sql_runs");
}

static void test_args__missing_required_argument(void)
{
    expect_einval(bundled, "scripts.post_sql",
                  "{\"sql\": \"select 1\", \"remote_host_id\": 1, \"credential_id\": 2}", "name",
                  "missing required argument 'name' for scripts.post_sql");
    expect_einval(bundled, "scripts.post_containers", "{\"docker_command\": \"x\"}",
                  "required_resources",
                  "missing required argument 'required_resources' for scripts.post_containers");
    /* Path parameters are always required. */
    expect_einval(bundled, "scripts.get_sql_runs", "{\"id\": 7}", "run_id",
                  "missing required argument 'run_id' for scripts.get_sql_runs");
    /* Unknown names are reported before missing ones, as the official client binds. */
    expect_einval(bundled, "scripts.get_sql_runs", "{\"idd\": 7}", "idd",
                  "unknown argument 'idd' for scripts.get_sql_runs (did you mean 'id'?)");
}

static void test_args__wrong_type_names_expected_and_given(void)
{
    expect_einval(bundled, "scripts.get_sql_runs", "{\"id\": \"7\", \"run_id\": 8}", "id",
                  "argument 'id' of scripts.get_sql_runs must be integer, got string");
    expect_einval(bundled, "scripts.get_sql_runs", "{\"id\": 7.5, \"run_id\": 8}", "id",
                  "argument 'id' of scripts.get_sql_runs must be integer, got number");
    expect_einval(bundled, "credentials.list", "{\"default\": 1}", "default",
                  "argument 'default' of credentials.list must be boolean, got integer");
    expect_einval(bundled, "credentials.list", "{\"type\": [\"a\"]}", "type",
                  "argument 'type' of credentials.list must be string, got array");
    expect_einval(bundled, "scripts.post_containers", "{\"required_resources\": [1]}",
                  "required_resources",
                  "argument 'required_resources' of scripts.post_containers must be object, "
                  "got array");
    expect_einval(bundled, "tables.list", "{\"table_tag_ids\": [3, \"4\"]}", "table_tag_ids",
                  "argument 'table_tag_ids[1]' of tables.list must be integer, got string");
    expect_einval(bundled, "tables.list", "{\"table_tag_ids\": 3}", "table_tag_ids",
                  "argument 'table_tag_ids' of tables.list must be array, got integer");
}

static void test_args__camel_case_names_are_accepted(void)
{
    cJSON *a = json("{\"dockerCommand\": \"run\", \"requiredResources\": {\"cpu\": 1}, "
                    "\"docker_image_name\": \"img\"}");
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(
        civis_args_validate(bundled, op_of(bundled, "scripts.post_containers"), a, &err), err);
    cJSON_Delete(a);
    expect_einval(bundled, "scripts.post_containers",
                  "{\"docker_command\": \"a\", \"dockerCommand\": \"b\"}", "docker_command",
                  "argument 'docker_command' given twice for scripts.post_containers "
                  "(as 'docker_command' and 'dockerCommand')");
}

static void test_args__null_is_accepted_only_for_optional_arguments(void)
{
    expect_placed(bundled, "credentials.list", "{\"type\": null, \"default\": false}",
                  CIVIS_KEYS_WIRE, "/credentials", "default=False", NULL);
    expect_placed(bundled, "scripts.patch_sql", "{\"id\": 3, \"credential_id\": null}",
                  CIVIS_KEYS_WIRE, "/scripts/sql/3", "", "{\"credentialId\":null}");
    expect_einval(bundled, "scripts.get_sql_runs", "{\"id\": null, \"run_id\": 8}", "id",
                  "argument 'id' of scripts.get_sql_runs must be integer, got null");
    expect_einval(bundled, "scripts.post_sql",
                  "{\"name\": null, \"sql\": \"s\", \"remote_host_id\": 1, \"credential_id\": 2}",
                  "name", "argument 'name' of scripts.post_sql must be string, got null");
}

static void test_args__arguments_must_be_an_object(void)
{
    cJSON *a = json("[1]");
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_args_validate(bundled, op_of(bundled, "users.get_me"), a, &err),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "args");
    CU_ASSERT_STRING_EQUAL(err.message, "arguments for users.get_me must be a JSON object, "
                                        "got array");
    cJSON_Delete(a);
    civis_error err2 = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_args_validate(bundled, NULL, NULL, &err2), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err2.param, "op");
    /* No arguments at all is fine where nothing is required. */
    ASSERT_CIVIS_OK(civis_args_validate(bundled, op_of(bundled, "users.get_me"), NULL, NULL), err2);
}

static void test_args__empty_path_segment_is_refused(void)
{
    expect_einval(bundled, "databases.get_schemas_tables",
                  "{\"id\": 1, \"schema_name\": \"\", \"table_name\": \"t\"}", "schema_name",
                  "argument 'schema_name' of databases.get_schemas_tables must not be empty");
}

/* ---- placement ------------------------------------------------------------- */

static void test_args__path_is_filled_and_loses_trailing_slash(void)
{
    expect_placed(bundled, "scripts.get_sql_runs", "{\"id\": 7, \"run_id\": 8}", CIVIS_KEYS_WIRE,
                  "/scripts/sql/7/runs/8", "", NULL);
    /* camelCase-free path names given in any order; large ids stay integral. */
    expect_placed(bundled, "scripts.get_sql_runs", "{\"run_id\": 8, \"id\": 123456789012}",
                  CIVIS_KEYS_WIRE, "/scripts/sql/123456789012/runs/8", "", NULL);
    expect_placed(bundled, "credentials.list", NULL, CIVIS_KEYS_WIRE, "/credentials", "", NULL);
    expect_placed(bundled, "databases.get_schemas_tables",
                  "{\"id\": 1, \"schema_name\": \"my schema/x\", \"table_name\": \"t\u00e9~.-_\"}",
                  CIVIS_KEYS_WIRE, "/databases/1/schemas/my%20schema%2Fx/tables/t%C3%A9~.-_", "",
                  NULL);
}

static void test_args__query_matches_the_official_client_bytes(void)
{
    /* observed: ?type=Database&default=True */
    expect_placed(bundled, "credentials.list", "{\"type\": \"Database\", \"default\": true}",
                  CIVIS_KEYS_WIRE, "/credentials", "type=Database&default=True", NULL);
    /* Spec order, whatever the caller's order. */
    expect_placed(bundled, "credentials.list", "{\"default\": true, \"type\": \"Database\"}",
                  CIVIS_KEYS_WIRE, "/credentials", "type=Database&default=True", NULL);
    /* observed: table_tag_ids=[3,4] */
    expect_placed(bundled, "tables.list", "{\"table_tag_ids\": [3, 4]}", CIVIS_KEYS_WIRE, "/tables",
                  "table_tag_ids%5B%5D=3&table_tag_ids%5B%5D=4", NULL);
    expect_placed(bundled, "tables.list", "{\"table_tag_ids\": [], \"limit\": 20.0}",
                  CIVIS_KEYS_WIRE, "/tables", "limit=20", NULL);
    /* urlencode: space as '+', unreserved kept, the rest %XX. */
    expect_placed(bundled, "tables.list",
                  "{\"name\": \"a b&c=d/e+f\u00e9~\", \"database_id\": -3, \"page_num\": 2}",
                  CIVIS_KEYS_WIRE, "/tables",
                  "database_id=-3&name=a+b%26c%3Dd%2Fe%2Bf%C3%A9~&page_num=2", NULL);
    expect_placed(bundled, "scripts.list_sql_runs_logs",
                  "{\"id\": 1, \"run_id\": 2, \"last_id\": 10, \"limit\": 50}", CIVIS_KEYS_WIRE,
                  "/scripts/sql/1/runs/2/logs", "last_id=10&limit=50", NULL);
}

static void test_args__body_keys_follow_the_style_and_caller_order(void)
{
    const char *args = "{\"required_resources\": {\"cpu\": 1, \"memory_mb\": 2}, "
                       "\"docker_command\": \"run\", \"hidden\": true, \"arguments\": "
                       "{\"MY_ARG\": [1, {\"x_y\": null}]}}";
    expect_placed(bundled, "scripts.post_containers", args, CIVIS_KEYS_WIRE, "/scripts/containers",
                  "",
                  "{\"requiredResources\":{\"cpu\":1,\"memory_mb\":2},\"dockerCommand\":\"run\","
                  "\"hidden\":true,\"arguments\":{\"MY_ARG\":[1,{\"x_y\":null}]}}");
    expect_placed(bundled, "scripts.post_containers", args, CIVIS_KEYS_SNAKE, "/scripts/containers",
                  "",
                  "{\"required_resources\":{\"cpu\":1,\"memory_mb\":2},\"docker_command\":\"run\","
                  "\"hidden\":true,\"arguments\":{\"MY_ARG\":[1,{\"x_y\":null}]}}");
    /* Path arguments stay out of the body. */
    expect_placed(bundled, "scripts.patch_sql", "{\"id\": 9, \"sql\": \"select 1\"}",
                  CIVIS_KEYS_SNAKE, "/scripts/sql/9", "", "{\"sql\":\"select 1\"}");
}

static void test_args__body_is_empty_object_or_null(void)
{
    expect_placed(bundled, "scripts.patch_sql", "{\"id\": 3}", CIVIS_KEYS_WIRE, "/scripts/sql/3",
                  "", "{}");
    expect_placed(bundled, "files.post_multipart_complete", "{\"id\": 42}", CIVIS_KEYS_WIRE,
                  "/files/multipart/42/complete", "", NULL);
    expect_placed(bundled, "users.get_me", "{}", CIVIS_KEYS_SNAKE, "/users/me", "", NULL);
}

static void test_args__acronym_properties_keep_their_wire_spelling(void)
{
    if (full == NULL)
        return;
    expect_placed(full, "reports.post", "{\"provide_api_key\": true, \"script_id\": 4}",
                  CIVIS_KEYS_WIRE, "/reports", "", "{\"provideAPIKey\":true,\"scriptId\":4}");
    expect_placed(full, "reports.post", "{\"provide_api_key\": true}", CIVIS_KEYS_SNAKE, "/reports",
                  "", "{\"provide_api_key\":true}");
    /* The wire name and the naive camelCase both find the argument. */
    expect_placed(full, "reports.post", "{\"provideAPIKey\": false}", CIVIS_KEYS_SNAKE, "/reports",
                  "", "{\"provide_api_key\":false}");
    expect_placed(full, "reports.post", "{\"provideApiKey\": false}", CIVIS_KEYS_WIRE, "/reports",
                  "", "{\"provideAPIKey\":false}");
    expect_einval(full, "reports.post", "{\"provide_api_kee\": true}", "provide_api_kee",
                  "unknown argument 'provide_api_kee' for reports.post "
                  "(did you mean 'provide_api_key'?)");
}

static void test_args__full_spec_array_and_boolean_query_params(void)
{
    if (full == NULL)
        return;
    expect_placed(full, "queries.list",
                  "{\"state\": [\"running\", \"queued up\"], "
                  "\"exclude_results\": true}",
                  CIVIS_KEYS_WIRE, "/queries",
                  "state%5B%5D=running&state%5B%5D=queued+up&exclude_results=True", NULL);
    expect_placed(full, "groups.list", "{\"user_ids\": [1, 2]}", CIVIS_KEYS_WIRE, "/groups",
                  "user_ids%5B%5D=1&user_ids%5B%5D=2", NULL);
}

/* Numbers the spec engine can only meet in a spec of its own: a number query
 * parameter prints in the shortest form that reads back, as Python's str(). */
static void test_args__numbers_print_like_python_str(void)
{
    static const char doc[] =
        "{\"swagger\": \"2.0\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, "
        "\"paths\": {\"/things/{name}\": {\"get\": {\"summary\": \"\", \"parameters\": ["
        "{\"name\": \"name\", \"in\": \"path\", \"required\": true, \"type\": \"string\"}, "
        "{\"name\": \"ratio\", \"in\": \"query\", \"type\": \"number\"}, "
        "{\"name\": \"weights\", \"in\": \"query\", \"type\": \"array\", "
        "\"items\": {\"type\": \"number\"}}], "
        "\"responses\": {\"200\": {\"description\": \"ok\"}}}}}, \"definitions\": {}}";
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_load_buffer(&spec, doc, sizeof(doc) - 1, &err), err);
    expect_placed(spec, "things.get",
                  "{\"name\": \"a\", \"ratio\": 0.1, \"weights\": [2.5, -3, 1e-7, 1e22, 1e20]}",
                  CIVIS_KEYS_WIRE, "/things/a",
                  "ratio=0.1&weights%5B%5D=2.5&weights%5B%5D=-3&weights%5B%5D=1e-07&"
                  "weights%5B%5D=1e%2B22&weights%5B%5D=100000000000000000000",
                  NULL);
    expect_placed(spec, "things.get", "{\"name\": \"a\", \"ratio\": 0.30000000000000004}",
                  CIVIS_KEYS_WIRE, "/things/a", "ratio=0.30000000000000004", NULL);
    expect_einval(spec, "things.get", "{\"name\": \"a\", \"weights\": [1, true]}", "weights",
                  "argument 'weights[1]' of things.get must be number, got boolean");
    civis_spec_free(spec);
}

/* A label for operations the client gives no method: "VERB /path". */
static void test_args__unnamed_operation_is_labelled_by_verb_and_path(void)
{
    if (full == NULL)
        return;
    const civis_operation *op = NULL;
    for (size_t i = 0; i < civis_spec_operation_count(full); i++) {
        const civis_operation *o = civis_spec_operation_at(full, i);
        if (strcmp(o->verb, "DELETE") == 0 && strcmp(o->path, "/scripts/{id}") == 0)
            op = o;
    }
    CU_ASSERT_PTR_NOT_NULL_FATAL(op);
    CU_ASSERT_PTR_NULL(op->method);
    cJSON *a = json("{\"di\": 1}");
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_args_validate(full, op, a, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "unknown argument 'di' for DELETE /scripts/{id} (did you mean 'id'?)");
    cJSON_Delete(a);
}

/* A value of the declared type for one parameter. */
static cJSON *sample(const civis_param *p)
{
    switch (p->type) {
    case CIVIS_TYPE_STRING: return cJSON_CreateString("s v");
    case CIVIS_TYPE_INTEGER: return cJSON_CreateNumber(12);
    case CIVIS_TYPE_NUMBER: return cJSON_CreateNumber(1.5);
    case CIVIS_TYPE_BOOLEAN: return cJSON_CreateTrue();
    case CIVIS_TYPE_ARRAY: return cJSON_CreateArray();
    case CIVIS_TYPE_OBJECT: return cJSON_CreateObject();
    case CIVIS_TYPE_ANY: return cJSON_CreateString("any");
    }
    return cJSON_CreateNull();
}

/* Every operation of the spec places its required arguments: no '{' left
 * in the path, one query pair per scalar query argument, a body exactly when
 * the operation declares one, holding every body argument. */
static void test_args__every_operation_places_its_required_arguments(void)
{
    const civis_spec *spec = full ? full : bundled;
    size_t n = civis_spec_operation_count(spec), body_ops = 0;
    CU_ASSERT(n > 0);
    for (size_t i = 0; i < n; i++) {
        const civis_operation *op = civis_spec_operation_at(spec, i);
        cJSON *args = cJSON_CreateObject();
        size_t n_body = 0, n_query = 0;
        for (size_t k = 0; k < op->n_params; k++) {
            const civis_param *p = &op->params[k];
            if (!p->required && p->in != CIVIS_IN_QUERY)
                continue;
            cJSON_AddItemToObject(args, p->name, sample(p));
            n_body += p->in == CIVIS_IN_BODY;
            n_query += p->in == CIVIS_IN_QUERY && p->type != CIVIS_TYPE_ARRAY;
        }
        civis_placed pl = {0};
        civis_error err = CIVIS_ERROR_INIT;
        civis_status st = civis_args_place(&pl, spec, op, args, CIVIS_KEYS_WIRE, &err);
        if (st != CIVIS_OK)
            fprintf(stderr, "\n  %s %s: %s\n", op->verb, op->path, err.message);
        CU_ASSERT_EQUAL_FATAL(st, CIVIS_OK);
        CU_ASSERT(pl.path[0] == '/' && strchr(pl.path, '{') == NULL);
        CU_ASSERT(strlen(pl.path) == 1 || pl.path[strlen(pl.path) - 1] != '/');
        size_t pairs = pl.query[0] ? 1 : 0;
        for (const char *q = pl.query; *q; q++)
            pairs += *q == '&';
        CU_ASSERT_EQUAL(pairs, n_query);
        CU_ASSERT_EQUAL(pl.body != NULL, op->body_schema != NULL);
        if (pl.body != NULL) {
            body_ops++;
            CU_ASSERT_EQUAL((size_t)cJSON_GetArraySize(pl.body), n_body);
        }
        civis_placed_clear(&pl);
        cJSON_Delete(args);
    }
    CU_ASSERT(body_ops > 0);
}

/* ---- percent-encoding ---------------------------------------------------------- */

static void test_urlenc__encodes_like_python_urlencode(void)
{
    civis_urlbuf b = {0};
    const char in[] = "a b+c&d=e/f?g~h.i-j_k\xc3\xa9\x01";
    CU_ASSERT(civis__urlenc_append(&b, in, sizeof(in) - 1, CIVIS_URLENC_QUERY));
    CU_ASSERT_STRING_EQUAL(b.data, "a+b%2Bc%26d%3De%2Ff%3Fg~h.i-j_k%C3%A9%01");
    civis__urlbuf_free(&b);
    CU_ASSERT(civis__urlenc_append(&b, in, sizeof(in) - 1, CIVIS_URLENC_PATH));
    CU_ASSERT_STRING_EQUAL(b.data, "a%20b%2Bc%26d%3De%2Ff%3Fg~h.i-j_k%C3%A9%01");
    char *s = civis__urlbuf_take(&b);
    CU_ASSERT_PTR_NULL(b.data);
    free(s);
    /* An empty buffer hands over "", not NULL. */
    s = civis__urlbuf_take(&b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(s, "");
    free(s);
}

static void test_urlenc__decode_inverts_encode_and_keeps_stray_percent(void)
{
    char out[64];
    CU_ASSERT_EQUAL(civis__urldecode(out, "a+b%2Bc%c3%A9", 13, true), 7);
    CU_ASSERT_STRING_EQUAL(out, "a b+c\xc3\xa9");
    CU_ASSERT_EQUAL(civis__urldecode(out, "a+b", 3, false), 3);
    CU_ASSERT_STRING_EQUAL(out, "a+b");
    CU_ASSERT_EQUAL(civis__urldecode(out, "100%", 4, true), 4);
    CU_ASSERT_STRING_EQUAL(out, "100%");
    CU_ASSERT_EQUAL(civis__urldecode(out, "%zz%4", 5, true), 5);
    CU_ASSERT_STRING_EQUAL(out, "%zz%4");
    /* Every byte survives a round trip. */
    char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    civis_urlbuf b = {0};
    civis__urlenc_append(&b, all, sizeof(all), CIVIS_URLENC_QUERY);
    char back[1024];
    CU_ASSERT_EQUAL(civis__urldecode(back, b.data, b.len, true), 256);
    CU_ASSERT_EQUAL(memcmp(back, all, 256), 0);
    /* In place. */
    CU_ASSERT_EQUAL(civis__urldecode(b.data, b.data, b.len, true), 256);
    CU_ASSERT_EQUAL(memcmp(b.data, all, 256), 0);
    civis__urlbuf_free(&b);
}

static CU_TestInfo spec_args_tests[] = {
    {"unknown argument suggests nearest name", test_args__unknown_argument_suggests_nearest_name},
    {"unknown argument without neighbour has no hint",
     test_args__unknown_argument_without_neighbour_has_no_hint},
    {"missing required argument", test_args__missing_required_argument},
    {"wrong type names expected and given", test_args__wrong_type_names_expected_and_given},
    {"camelCase names are accepted", test_args__camel_case_names_are_accepted},
    {"null only for optional arguments", test_args__null_is_accepted_only_for_optional_arguments},
    {"arguments must be an object", test_args__arguments_must_be_an_object},
    {"empty path segment is refused", test_args__empty_path_segment_is_refused},
    {"path filled, trailing slash dropped", test_args__path_is_filled_and_loses_trailing_slash},
    {"query matches the official client bytes", test_args__query_matches_the_official_client_bytes},
    {"body keys follow style and caller order",
     test_args__body_keys_follow_the_style_and_caller_order},
    {"body is empty object or null", test_args__body_is_empty_object_or_null},
    {"acronym properties keep wire spelling",
     test_args__acronym_properties_keep_their_wire_spelling},
    {"full spec array and boolean query params",
     test_args__full_spec_array_and_boolean_query_params},
    {"numbers print like python str", test_args__numbers_print_like_python_str},
    {"unnamed operation labelled by verb and path",
     test_args__unnamed_operation_is_labelled_by_verb_and_path},
    {"every operation places its required arguments",
     test_args__every_operation_places_its_required_arguments},
    {"urlenc encodes like python urlencode", test_urlenc__encodes_like_python_urlencode},
    {"urldecode inverts encode, keeps stray percent",
     test_urlenc__decode_inverts_encode_and_keeps_stray_percent},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(spec_args, spec_args_tests, suite_init, suite_cleanup)
