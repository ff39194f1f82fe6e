/*
 * test_civismock_validate.c: civis-mock's request validation over HTTP. Every
 * problem of a request is reported at once, each with its location, field,
 * problem and did-you-mean suggestion; --lenient lets unknown names through
 * but journals them.
 */
#include <stdlib.h>
#include <string.h>

#include "civis/spec.h"
#include "mockproc.h"
#include "test.h"

/* --stateless: these tests check the spec-driven answer sources (stubs,
 * fixtures, x-examples, synthesis); the simulation has suites of its own. */
static const char *const stateless[] = {"--stateless", NULL};

static civis_mockproc mp;

static int suite_init(void)
{
    return civis_mockproc_start(&mp, stateless) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    return civis_mockproc_stop(&mp) == 0 ? 0 : 1;
}

static const char *str_field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* The problem about `field`, or NULL. */
static const cJSON *problem_for(const cJSON *reply, const char *location, const char *field)
{
    const cJSON *probs = cJSON_GetObjectItemCaseSensitive(reply, "problems");
    for (const cJSON *p = probs ? probs->child : NULL; p != NULL; p = p->next)
        if (strcmp(str_field(p, "location"), location) == 0 &&
            strcmp(str_field(p, "field"), field) == 0)
            return p;
    char *text = cJSON_PrintUnformatted(reply);
    fprintf(stderr, "\n  no %s problem for '%s' in %s\n", location, field, text ? text : "?");
    cJSON_free(text);
    return NULL;
}

/* Sends and expects a 400 in the invalid shape; returns the parsed body. */
static cJSON *expect_400(const char *method, const char *path, const char *body)
{
    cJSON *j = NULL;
    long st = civis_mockproc_json(&j, &mp, method, path, "val-key", body);
    CU_ASSERT_EQUAL(st, 400);
    CU_ASSERT_STRING_EQUAL(str_field(j, "error"), "invalid");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "code");
    CU_ASSERT(cJSON_IsNumber(code) && code->valueint == 400);
    const char *desc = str_field(j, "errorDescription");
    CU_ASSERT(desc[0] != '\0');
    CU_ASSERT_PTR_NULL(strchr(desc, '\n'));
    CU_ASSERT(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "problems")));
    return j;
}

#define VALID_CONTAINER                                                                            \
    "\"name\":\"n\",\"docker_image_name\":\"img\",\"docker_command\":\"run\","                     \
    "\"required_resources\":{\"cpu\":100,\"memory\":512}"

static void test_validate__misspelled_property_gets_a_suggestion(void)
{
    cJSON *j = expect_400("POST", "/scripts/containers",
                          "{\"name\":\"n\",\"docker_image_name\":\"img\",\"docker_comand\":\"run\","
                          "\"required_resources\":{\"cpu\":100,\"memory\":512}}");
    const cJSON *p = problem_for(j, "body", "docker_comand");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    const char *sugg = str_field(p, "suggestion");
    CU_ASSERT(strcmp(sugg, "docker_command") == 0 || strcmp(sugg, "dockerCommand") == 0);
    CU_ASSERT(str_field(p, "problem")[0] != '\0');
    /* the one-line description names the field and the suggestion */
    const char *desc = str_field(j, "errorDescription");
    CU_ASSERT_PTR_NOT_NULL(strstr(desc, "docker_comand"));
    CU_ASSERT_PTR_NOT_NULL(strstr(desc, sugg));
    CU_ASSERT_PTR_NOT_NULL(strstr(desc, "scripts.post_containers"));
    cJSON_Delete(j);
}

static void test_validate__every_missing_required_property_is_listed(void)
{
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    const civis_operation *op = NULL;
    ASSERT_CIVIS_OK(civis_spec_load_bundled(&spec, &err), err);
    ASSERT_CIVIS_OK(civis_spec_find_dotted(&op, spec, "scripts.post_containers", &err), err);
    cJSON *j = expect_400("POST", "/scripts/containers", "{}");
    const cJSON *probs = cJSON_GetObjectItemCaseSensitive(j, "problems");
    const char *desc = str_field(j, "errorDescription");
    int required = 0;
    for (size_t i = 0; i < op->n_params; i++) {
        const civis_param *p = &op->params[i];
        if (p->in != CIVIS_IN_BODY || !p->required)
            continue;
        required++;
        /* named by snake_case or wire name, in the list and the description */
        const cJSON *pr = NULL;
        for (const cJSON *x = probs ? probs->child : NULL; x != NULL && pr == NULL; x = x->next)
            if (strcmp(str_field(x, "field"), p->name) == 0 ||
                strcmp(str_field(x, "field"), p->wire) == 0)
                pr = x;
        CU_ASSERT_PTR_NOT_NULL(pr);
        if (pr != NULL) {
            CU_ASSERT_STRING_EQUAL(str_field(pr, "location"), "body");
            CU_ASSERT_PTR_NOT_NULL(strstr(desc, str_field(pr, "field")));
        }
    }
    CU_ASSERT(required >= 1);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(probs), required);
    cJSON_Delete(j);
    civis_spec_free(spec);
}

static void test_validate__wrong_type_in_body(void)
{
    cJSON *j = expect_400("POST", "/scripts/containers",
                          "{\"name\":5,\"docker_image_name\":\"img\",\"docker_command\":\"run\","
                          "\"required_resources\":{\"cpu\":100,\"memory\":512}}");
    const cJSON *p = problem_for(j, "body", "name");
    CU_ASSERT_PTR_NOT_NULL(p);
    if (p != NULL)
        CU_ASSERT_PTR_NOT_NULL(strstr(str_field(p, "problem"), "string"));
    cJSON_Delete(j);
}

static void test_validate__query_type_and_unknown_name(void)
{
    cJSON *j = expect_400("GET", "/scripts/sql/1/runs?limit=abc", NULL);
    const cJSON *p = problem_for(j, "query", "limit");
    CU_ASSERT_PTR_NOT_NULL(p);
    if (p != NULL)
        CU_ASSERT_PTR_NOT_NULL(strstr(str_field(p, "problem"), "integer"));
    cJSON_Delete(j);

    j = expect_400("GET", "/scripts/sql/1/runs?limitt=2", NULL);
    p = problem_for(j, "query", "limitt");
    CU_ASSERT_PTR_NOT_NULL(p);
    if (p != NULL)
        CU_ASSERT_STRING_EQUAL(str_field(p, "suggestion"), "limit");
    cJSON_Delete(j);
}

static void test_validate__path_parameter_type(void)
{
    cJSON *j = expect_400("GET", "/scripts/sql/abc", NULL);
    CU_ASSERT_PTR_NOT_NULL(problem_for(j, "path", "id"));
    cJSON_Delete(j);
}

static void test_validate__body_not_json_or_not_object(void)
{
    cJSON *j = expect_400("POST", "/scripts/containers", "{\"name\": ");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "problems")), 1);
    CU_ASSERT_STRING_EQUAL(
        str_field(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "problems"), 0),
                  "location"),
        "body");
    cJSON_Delete(j);
    cJSON_Delete(expect_400("POST", "/scripts/containers", "[1,2]"));
    cJSON_Delete(expect_400("POST", "/scripts/containers", "\"text\""));
}

static void test_validate__problems_from_all_locations_at_once(void)
{
    cJSON *j = expect_400("PATCH", "/scripts/sql/abc?bogus=1", "{\"nmae\":\"x\",\"sql\":5}");
    CU_ASSERT_PTR_NOT_NULL(problem_for(j, "path", "id"));
    CU_ASSERT_PTR_NOT_NULL(problem_for(j, "query", "bogus"));
    CU_ASSERT_PTR_NOT_NULL(problem_for(j, "body", "nmae"));
    CU_ASSERT_PTR_NOT_NULL(problem_for(j, "body", "sql"));
    /* one line, problems separated by "; " */
    CU_ASSERT_PTR_NOT_NULL(strstr(str_field(j, "errorDescription"), "; "));
    cJSON_Delete(j);
}

static void test_validate__valid_body_in_snake_and_camel_case(void)
{
    CU_ASSERT_EQUAL(
        civis_mockproc_json(NULL, &mp, "POST", "/scripts/containers", "k", "{" VALID_CONTAINER "}"),
        201);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/scripts/containers", "k",
                                        "{\"name\":\"n\",\"dockerImageName\":\"img\","
                                        "\"dockerCommand\":\"run\",\"requiredResources\":"
                                        "{\"cpu\":100,\"memory\":512}}"),
                    201);
    /* the official client sends {} with every GET */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/users/me", "k", "{}"), 200);
    CU_ASSERT_EQUAL(
        civis_mockproc_json(NULL, &mp, "GET", "/scripts/sql/1/runs?limit=2&page_num=1", "k", NULL),
        200);
}

static void test_validate__failures_are_in_the_unmatched_journal(void)
{
    civis_mockproc_json(NULL, &mp, "POST", "/__mock/reset", NULL, NULL);
    cJSON *bad = expect_400("POST", "/scripts/containers", "{\"nmae\":1}");
    civis_mockproc_json(NULL, &mp, "GET", "/scripts/sqll/1", "val-key", NULL);
    civis_mockproc_json(NULL, &mp, "GET", "/users/me", "val-key", NULL);
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "GET", "/__mock/journal/unmatched", NULL, NULL),
                    200);
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(j), 2);
    const cJSON *v = cJSON_GetArrayItem(j, 0);
    CU_ASSERT_STRING_EQUAL(str_field(v, "source"), "validation");
    CU_ASSERT_STRING_EQUAL(str_field(v, "operation"), "scripts.post_containers");
    CU_ASSERT_STRING_EQUAL(str_field(v, "reason"), str_field(bad, "errorDescription"));
    const cJSON *r = cJSON_GetArrayItem(j, 1);
    CU_ASSERT_STRING_EQUAL(str_field(r, "source"), "route");
    CU_ASSERT_EQUAL(cJSON_GetObjectItemCaseSensitive(r, "status")->valueint, 404);
    /* the nearest operation to the typo */
    CU_ASSERT_STRING_EQUAL(str_field(r, "nearest_path"), "GET /scripts/sql/{id}");
    CU_ASSERT_PTR_NOT_NULL(strstr(str_field(r, "reason"), "/scripts/sqll/1"));
    cJSON_Delete(j);
    cJSON_Delete(bad);
}

static void test_validate__lenient_accepts_unknown_names_and_journals_them(void)
{
    civis_mockproc lenient;
    const char *args[] = {"--stateless", "--lenient", NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&lenient, args), 0);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &lenient, "POST", "/scripts/containers", "len",
                                        "{" VALID_CONTAINER ",\"fooBar\":1}"),
                    201);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &lenient, "GET", "/users/me?extra=1", "len", NULL),
                    200);
    /* a wrong type is still an error */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &lenient, "POST", "/scripts/containers", "len",
                                        "{\"name\":5,\"docker_image_name\":\"img\","
                                        "\"docker_command\":\"run\",\"required_resources\":"
                                        "{\"cpu\":100,\"memory\":512}}"),
                    400);
    cJSON *j = NULL;
    civis_mockproc_json(&j, &lenient, "GET", "/__mock/journal?api_key=len", NULL, NULL);
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(j), 3);
    const cJSON *u = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 0), "unknown");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(u), 1);
    CU_ASSERT(cJSON_IsString(cJSON_GetArrayItem(u, 0)) &&
              strstr(cJSON_GetArrayItem(u, 0)->valuestring, "fooBar") != NULL);
    u = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(j, 1), "unknown");
    CU_ASSERT(cJSON_IsString(cJSON_GetArrayItem(u, 0)) &&
              strstr(cJSON_GetArrayItem(u, 0)->valuestring, "extra") != NULL);
    cJSON_Delete(j);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&lenient), 0);
}

static CU_TestInfo tests[] = {
    {"misspelled property: suggestion", test_validate__misspelled_property_gets_a_suggestion},
    {"missing required: all listed", test_validate__every_missing_required_property_is_listed},
    {"wrong type in body", test_validate__wrong_type_in_body},
    {"query: type and unknown name", test_validate__query_type_and_unknown_name},
    {"path parameter type", test_validate__path_parameter_type},
    {"body not JSON / not object", test_validate__body_not_json_or_not_object},
    {"problems from every location", test_validate__problems_from_all_locations_at_once},
    {"valid snake and camel bodies", test_validate__valid_body_in_snake_and_camel_case},
    {"unmatched journal", test_validate__failures_are_in_the_unmatched_journal},
    {"--lenient", test_validate__lenient_accepts_unknown_names_and_journals_them},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_validate, tests, suite_init, suite_cleanup)
