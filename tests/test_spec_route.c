/* test_spec_route.c: the server's router, on the bundled and the full spec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civis/spec.h"
#include "specsuite.h"
#include "test.h"

static civis_spec *bundled;
static civis_spec *full;

static int setup(void)
{
    return civis_test_specs_load(&bundled, &full, "spec_route (full spec part)");
}

static int teardown(void)
{
    return civis_test_specs_free(&bundled, &full);
}

static const char *param(const civis_route *r, const char *name)
{
    for (size_t i = 0; i < r->n_params; i++)
        if (strcmp(r->params[i].name, name) == 0)
            return r->params[i].value;
    return NULL;
}

static void test_route__concrete_path_finds_operation_and_params(void)
{
    civis_route r;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_route(&r, bundled, "GET", "/scripts/sql/7/runs/8", &err), err);
    CU_ASSERT_STRING_EQUAL(r.op->resource, "scripts");
    CU_ASSERT_STRING_EQUAL(r.op->method, "get_sql_runs");
    CU_ASSERT_EQUAL(r.n_params, 2);
    CU_ASSERT_STRING_EQUAL(param(&r, "id"), "7");
    CU_ASSERT_STRING_EQUAL(param(&r, "run_id"), "8");
}

static void test_route__literal_beats_param(void)
{
    civis_route r;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_route(&r, bundled, "GET", "/users/me", &err), err);
    CU_ASSERT_STRING_EQUAL(r.op->path, "/users/me");
    CU_ASSERT_EQUAL(r.n_params, 0);
}

static void test_route__trailing_slash_either_way(void)
{
    civis_route r;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_route(&r, bundled, "POST", "/files", &err), err);
    CU_ASSERT_STRING_EQUAL(r.op->path, "/files/");
    ASSERT_CIVIS_OK(civis_spec_route(&r, bundled, "POST", "/files/", &err), err);
    CU_ASSERT_STRING_EQUAL(r.op->path, "/files/");
    ASSERT_CIVIS_OK(civis_spec_route(&r, bundled, "POST", "/scripts/containers/", &err), err);
    CU_ASSERT_STRING_EQUAL(r.op->method, "post_containers");
}

static void test_route__unknown_path_is_enotfound(void)
{
    civis_route r;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_spec_route(&r, bundled, "GET", "/scripts/nope/1", &err), CIVIS_ENOTFOUND);
    CU_ASSERT_STRING_EQUAL(err.message, "no operation at /scripts/nope/1");
    CU_ASSERT_PTR_NULL(r.op);
    const char *bad[] = {"", "users/me", "/", "//users", "/users//me", "/users/me//"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        civis_error e = CIVIS_ERROR_INIT;
        CU_ASSERT_EQUAL(civis_spec_route(&r, bundled, "GET", bad[i], &e), CIVIS_ENOTFOUND);
    }
}

static void test_route__known_path_other_verb_is_emethod_with_allow(void)
{
    civis_route r;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_spec_route(&r, bundled, "DELETE", "/users/me", &err), CIVIS_EMETHOD);
    CU_ASSERT_STRING_EQUAL(r.allow, "GET, PATCH");
    CU_ASSERT_STRING_EQUAL(err.param, "method");
    civis_error e2 = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_spec_route(&r, bundled, "PUT", "/files", &e2), CIVIS_EMETHOD);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.allow, "POST"));
    civis_error e3 = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_spec_route(&r, bundled, "BREW", "/users/me", &e3), CIVIS_EMETHOD);
    CU_ASSERT_STRING_EQUAL(r.allow, "GET, PATCH");
}

static void test_route__head_is_routed_as_get(void)
{
    civis_route r;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_route(&r, bundled, "HEAD", "/users/me", &err), err);
    CU_ASSERT_STRING_EQUAL(r.op->verb, "GET");
}

static void test_route__segments_are_percent_decoded(void)
{
    civis_route r;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_route(&r, bundled, "GET", "/scripts/sql/a%20b", &err), err);
    CU_ASSERT_STRING_EQUAL(param(&r, "id"), "a b");
    char longp[300] = "/scripts/sql/";
    memset(longp + strlen(longp), '9', 200);
    longp[213] = '\0';
    civis_error e2 = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_spec_route(&r, bundled, "GET", longp, &e2), CIVIS_ENOTFOUND);
}

/* Fills a template with a sample value per {param}. */
static void fill(char *out, size_t len, const char *tmpl)
{
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 4 < len; p++) {
        if (*p == '{') {
            const char *e = strchr(p, '}');
            out[o++] = '4';
            out[o++] = '2';
            p = e;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

static void test_route__every_full_spec_operation_routes_back_to_itself(void)
{
    if (full == NULL)
        return;
    size_t n = civis_spec_operation_count(full), self = 0, shadowed = 0;
    for (size_t i = 0; i < n; i++) {
        const civis_operation *op = civis_spec_operation_at(full, i);
        char path[512];
        fill(path, sizeof(path), op->path);
        civis_route r;
        civis_error err = CIVIS_ERROR_INIT;
        civis_status st = civis_spec_route(&r, full, op->verb, path, &err);
        CU_ASSERT_EQUAL(st, CIVIS_OK);
        if (st != CIVIS_OK)
            continue;
        if (r.op == op)
            self++;
        else if (strcmp(r.op->verb, op->verb) == 0)
            shadowed++; /* e.g. "/x/" and "/x" declared as two paths */
    }
    CU_ASSERT_EQUAL(self + shadowed, n);
    /* Two templates may differ only by a trailing slash; none does in the
     * public spec, so every operation routes to itself. */
    CU_ASSERT_EQUAL(shadowed, 0);
    CU_ASSERT_EQUAL(self, 910);
}

static void test_route__param_names_follow_each_template(void)
{
    civis_route r;
    civis_error err = CIVIS_ERROR_INIT;
    /* Same trie position, different parameter names per operation. */
    ASSERT_CIVIS_OK(civis_spec_route(&r, bundled, "GET", "/notebooks/5", &err), err);
    CU_ASSERT_STRING_EQUAL(param(&r, "id"), "5");
    ASSERT_CIVIS_OK(civis_spec_route(&r, bundled, "POST", "/notebooks/5/deployments", &err), err);
    CU_ASSERT_STRING_EQUAL(param(&r, "notebook_id"), "5");
}

static CU_TestInfo route_tests[] = {
    {"concrete path finds operation and params",
     test_route__concrete_path_finds_operation_and_params},
    {"literal beats param", test_route__literal_beats_param},
    {"trailing slash either way", test_route__trailing_slash_either_way},
    {"unknown path is ENOTFOUND", test_route__unknown_path_is_enotfound},
    {"other verb is EMETHOD with Allow", test_route__known_path_other_verb_is_emethod_with_allow},
    {"HEAD is routed as GET", test_route__head_is_routed_as_get},
    {"segments are percent-decoded", test_route__segments_are_percent_decoded},
    {"param names follow each template", test_route__param_names_follow_each_template},
    {"every full-spec operation routes back to itself",
     test_route__every_full_spec_operation_routes_back_to_itself},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(spec_route, route_tests, setup, teardown)
