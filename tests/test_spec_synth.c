/* test_spec_synth.c: x-example lookup and deterministic schema-valid synthesis. */
#include <stdlib.h>
#include <string.h>

#include "civis/spec.h"
#include "specsuite.h"
#include "test.h"

static civis_spec *bundled;
static civis_spec *full;

static int setup(void)
{
    return civis_test_specs_load(&bundled, &full, "spec_synth (full spec part)");
}

static int teardown(void)
{
    return civis_test_specs_free(&bundled, &full);
}

/* Checks a value against a schema: declared types, every property known,
 * every required property present. Returns the number of violations. */
static int check(const civis_spec *spec, const cJSON *schema, const cJSON *v, int depth)
{
    schema = civis_spec_deref(spec, schema);
    if (schema == NULL || cJSON_IsNull(v) || depth > 40)
        return 0;
    switch (civis_schema_type(schema)) {
    case CIVIS_TYPE_STRING: return cJSON_IsString(v) ? 0 : 1;
    case CIVIS_TYPE_INTEGER:
        return cJSON_IsNumber(v) && v->valuedouble == (double)(long long)v->valuedouble ? 0 : 1;
    case CIVIS_TYPE_NUMBER: return cJSON_IsNumber(v) ? 0 : 1;
    case CIVIS_TYPE_BOOLEAN: return cJSON_IsBool(v) ? 0 : 1;
    case CIVIS_TYPE_ARRAY: {
        if (!cJSON_IsArray(v))
            return 1;
        int bad = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, v) bad +=
            check(spec, cJSON_GetObjectItemCaseSensitive(schema, "items"), e, depth + 1);
        return bad;
    }
    case CIVIS_TYPE_OBJECT:
    case CIVIS_TYPE_ANY: break;
    }
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    if (!cJSON_IsObject(props))
        return 0;
    if (!cJSON_IsObject(v))
        return 1;
    int bad = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, v)
    {
        const cJSON *ps = cJSON_GetObjectItemCaseSensitive(props, e->string);
        bad += ps == NULL ? 1 : check(spec, ps, e, depth + 1);
    }
    /* A cut-off object ({} at max depth) is the one place fields may lack. */
    if (v->child == NULL)
        return bad;
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required");
    cJSON_ArrayForEach(e, req) if (cJSON_IsString(e) && !cJSON_HasObjectItem(v, e->valuestring))
        bad++;
    return bad;
}

static char *synth_text(const civis_spec *spec, const char *dotted, uint64_t seed)
{
    const civis_operation *op = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_find_dotted(&op, spec, dotted, &err) != CIVIS_OK)
        return NULL;
    civis_synth_options o = {.seed = seed};
    cJSON *v = civis_synthesize_response(spec, op, &o);
    char *s = v ? cJSON_PrintUnformatted(v) : NULL;
    cJSON_Delete(v);
    return s;
}

static void test_synth__same_seed_same_bytes_other_seed_other_bytes(void)
{
    char *a = synth_text(bundled, "scripts.get_containers_runs", 7);
    char *b = synth_text(bundled, "scripts.get_containers_runs", 7);
    char *c = synth_text(bundled, "scripts.get_containers_runs", 8);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(a, b);
    CU_ASSERT_STRING_NOT_EQUAL(a, c);
    free(a);
    free(b);
    free(c);
}

static void test_synth__time_format_fields_are_iso_date_times(void)
{
    const civis_operation *op = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_find_dotted(&op, bundled, "scripts.get_containers_runs", &err), err);
    cJSON *v = civis_synthesize_response(bundled, op, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    const cJSON *created = cJSON_GetObjectItemCaseSensitive(v, "createdAt");
    CU_ASSERT_TRUE_FATAL(cJSON_IsString(created));
    /* 2026-MM-DDTHH:MM:SS.000Z */
    CU_ASSERT_EQUAL(strlen(created->valuestring), 24);
    CU_ASSERT_EQUAL(created->valuestring[10], 'T');
    CU_ASSERT_EQUAL(created->valuestring[23], 'Z');
    cJSON_Delete(v);
}

static void test_synth__no_body_for_204_and_schemaless(void)
{
    const civis_operation *op = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_find_dotted(&op, bundled, "files.post_multipart_complete", &err),
                    err);
    CU_ASSERT_EQUAL(op->response_status, 204);
    CU_ASSERT_PTR_NULL(civis_synthesize_response(bundled, op, NULL));
}

static void test_synth__array_paths_answer_arrays_of_array_len(void)
{
    const civis_operation *op = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_find_dotted(&op, bundled, "credentials.list_types", &err), err);
    civis_synth_options o = {.seed = 1, .array_len = 3};
    cJSON *v = civis_synthesize_response(bundled, op, &o);
    CU_ASSERT_TRUE(cJSON_IsArray(v));
    CU_ASSERT_EQUAL(cJSON_GetArraySize(v), 3);
    cJSON_Delete(v);
}

static void test_synth__every_full_spec_response_is_schema_valid(void)
{
    const civis_spec *spec = full ? full : bundled;
    size_t n = civis_spec_operation_count(spec), made = 0;
    for (size_t i = 0; i < n; i++) {
        const civis_operation *op = civis_spec_operation_at(spec, i);
        civis_synth_options o = {.seed = i};
        cJSON *v = civis_synthesize_response(spec, op, &o);
        if (v == NULL)
            continue;
        made++;
        const cJSON *schema = civis_spec_deref(spec, op->response_schema);
        int bad = 0;
        if (op->returns_array && civis_schema_type(schema) != CIVIS_TYPE_ARRAY) {
            const cJSON *e;
            cJSON_ArrayForEach(e, v) bad += check(spec, schema, e, 0);
        } else {
            bad = check(spec, schema, v, 0);
        }
        if (bad)
            fprintf(stderr, "\n  %s %s: %d violations\n", op->verb, op->path, bad);
        CU_ASSERT_EQUAL(bad, 0);
        cJSON_Delete(v);
    }
    CU_ASSERT_TRUE(made > n / 2);
}

static void test_synth__self_referencing_schema_terminates(void)
{
    if (full == NULL)
        return;
    const civis_operation *op = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_find_dotted(&op, full, "jobs.list_children", &err), err);
    civis_synth_options o = {.seed = 3, .max_depth = 4};
    cJSON *v = civis_synthesize_response(full, op, &o);
    CU_ASSERT_PTR_NOT_NULL(v);
    cJSON_Delete(v);
}

static void test_example__first_2xx_with_headers(void)
{
    const civis_operation *op = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_find_dotted(&op, bundled, "credentials.list", &err), err);
    int status = 0;
    const cJSON *headers = NULL;
    const char *body = NULL;
    CU_ASSERT_TRUE_FATAL(civis_spec_example(op, &status, &headers, &body));
    CU_ASSERT_EQUAL(status, 200);
    CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItemCaseSensitive(headers, "X-Pagination-Total-Pages"));
    cJSON *parsed = cJSON_Parse(body);
    CU_ASSERT_TRUE(cJSON_IsArray(parsed));
    cJSON_Delete(parsed);
    /* an operation the spec recorded no example for */
    ASSERT_CIVIS_OK(civis_spec_find_dotted(&op, bundled, "scripts.list_sql_runs_logs", &err), err);
    CU_ASSERT_FALSE(civis_spec_example(op, &status, &headers, &body));
}

static CU_TestInfo synth_tests[] = {
    {"same seed same bytes, other seed other bytes",
     test_synth__same_seed_same_bytes_other_seed_other_bytes},
    {"format time fields are ISO date-times", test_synth__time_format_fields_are_iso_date_times},
    {"no body for 204", test_synth__no_body_for_204_and_schemaless},
    {"array paths answer arrays of array_len", test_synth__array_paths_answer_arrays_of_array_len},
    {"every response schema-valid", test_synth__every_full_spec_response_is_schema_valid},
    {"self-referencing schema terminates", test_synth__self_referencing_schema_terminates},
    {"x-example: first 2xx with headers", test_example__first_2xx_with_headers},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(spec_synth, synth_tests, setup, teardown)
