/*
 * test_civismock_full.c: civis-mock serving the full public spec (--spec), when
 * civis_test_full_spec() finds it: the key behaviours again, and a sweep
 * that calls every operation with a request built from the spec and expects
 * its declared answer.
 */
#include <stdlib.h>
#include <string.h>

#include "civis/spec.h"
#include "mockproc.h"
#include "test.h"

static civis_mockproc mp;
static civis_spec *spec;
static const char *full_path;

static int suite_init(void)
{
    full_path = civis_test_full_spec("mock_full");
    if (full_path == NULL)
        return 0;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_load_file(&spec, full_path, &err) != CIVIS_OK) {
        fprintf(stderr, "%s: %s\n", full_path, err.message);
        return 1;
    }
    const char *args[] = {"--stateless", "--spec", full_path, NULL};
    return civis_mockproc_start(&mp, args) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    if (full_path == NULL)
        return 0;
    civis_spec_free(spec);
    spec = NULL;
    return civis_mockproc_stop(&mp) == 0 ? 0 : 1;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf != NULL)
        *len = fread(buf, 1, (size_t)n, f);
    fclose(f);
    return buf;
}

static void test_full__endpoints_and_auth(void)
{
    if (full_path == NULL)
        return;
    size_t len = 0;
    char *want = read_file(full_path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "GET", "/endpoints", "k", NULL);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT(r.body_len == len && memcmp(r.body, want, len) == 0);
    civis_http_reply_clear(&r);
    free(want);

    char auth[128];
    const char *basic[] = {civis_mockproc_basic_header(auth, sizeof(auth), "full-key"), NULL};
    civis_mockproc_request(&r, &mp, "GET", "/users/me", basic, NULL, 0);
    CU_ASSERT_EQUAL(r.status, 200);
    civis_http_reply_clear(&r);
    civis_mockproc_call(&r, &mp, "GET", "/users/me", NULL, NULL);
    CU_ASSERT_EQUAL(r.status, 401);
    CU_ASSERT_PTR_NOT_NULL(civis_http_reply_header(&r, "WWW-Authenticate"));
    civis_http_reply_clear(&r);
}

static void test_full__route_errors(void)
{
    if (full_path == NULL)
        return;
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/scripts/nope/x/y", "k", NULL), 404);
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "DELETE", "/users/me", "k", NULL);
    CU_ASSERT_EQUAL(r.status, 405);
    const char *allow = civis_http_reply_header(&r, "Allow");
    CU_ASSERT(allow != NULL && strstr(allow, "GET") != NULL && strstr(allow, "DELETE") == NULL);
    civis_http_reply_clear(&r);
}

static void test_full__validation_suggests(void)
{
    if (full_path == NULL)
        return;
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "POST", "/scripts/containers", "k",
                                        "{\"name\":\"n\",\"docker_image_name\":\"i\","
                                        "\"docker_comand\":\"x\",\"required_resources\":"
                                        "{\"cpu\":1,\"memory\":1}}"),
                    400);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "errorDescription");
    CU_ASSERT(cJSON_IsString(d) && strstr(d->valuestring, "docker_comand") != NULL &&
              strstr(d->valuestring, "ocker") != NULL);
    cJSON_Delete(j);
}

static void test_full__pages_walk_to_an_empty_page(void)
{
    if (full_path == NULL)
        return;
    /* whatever the source (example or synthesized), limit=1 pages through
     * the whole collection one entry at a time and ends with an empty page */
    civis_http_reply r;
    civis_mockproc_call(&r, &mp, "GET", "/scripts/sql/1/runs?limit=1&page_num=1", "k", NULL);
    CU_ASSERT_EQUAL_FATAL(r.status, 200);
    const char *total_h = civis_http_reply_header(&r, "X-Pagination-Total-Entries");
    const char *per_h = civis_http_reply_header(&r, "X-Pagination-Per-Page");
    CU_ASSERT_PTR_NOT_NULL_FATAL(total_h);
    CU_ASSERT(per_h != NULL && strcmp(per_h, "1") == 0);
    int total = atoi(total_h);
    civis_http_reply_clear(&r);
    CU_ASSERT(total > 0);
    int seen = 0;
    for (int page = 1; page <= total + 1 && page < 100; page++) {
        char path[96];
        snprintf(path, sizeof(path), "/scripts/sql/1/runs?limit=1&page_num=%d", page);
        cJSON *j = NULL;
        CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "GET", path, "k", NULL), 200);
        CU_ASSERT(cJSON_IsArray(j));
        seen += cJSON_GetArraySize(j);
        if (page == total + 1)
            CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 0);
        cJSON_Delete(j);
    }
    CU_ASSERT_EQUAL(seen, total);
}

/* A concrete path for an operation: integers 1, strings "x". */
static void build_path(char *out, size_t len, const civis_operation *op)
{
    size_t o = 0;
    for (const char *p = op->path; *p != '\0' && o + 2 < len;) {
        if (*p != '{') {
            out[o++] = *p++;
            continue;
        }
        const char *end = strchr(p, '}');
        if (end == NULL)
            break;
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
        const civis_param *prm = civis_operation_param(op, name);
        const char *v = (prm != NULL && prm->type == CIVIS_TYPE_STRING) ? "x" : "1";
        o += (size_t)snprintf(out + o, len - o, "%s", v);
        p = end + 1;
    }
    out[o < len ? o : len - 1] = '\0';
    /* the official client strips trailing slashes */
    while (o > 1 && out[o - 1] == '/')
        out[--o] = '\0';
}

static void test_full__every_operation_answers_as_declared(void)
{
    if (full_path == NULL)
        return;
    int tried = 0, wrong = 0;
    for (size_t i = 0; i < civis_spec_operation_count(spec); i++) {
        const civis_operation *op = civis_spec_operation_at(spec, i);
        if (op->method == NULL || strcmp(op->path, "/endpoints/") == 0)
            continue;
        char path[512];
        build_path(path, sizeof(path), op);
        /* required query parameters get a schema-valid value */
        size_t n = strlen(path);
        char sep = '?';
        for (size_t k = 0; k < op->n_params; k++) {
            const civis_param *p = &op->params[k];
            if (p->in != CIVIS_IN_QUERY || !p->required)
                continue;
            n += (size_t)snprintf(path + n, sizeof(path) - n, "%c%s=%s", sep, p->name,
                                  p->type == CIVIS_TYPE_STRING ? "x" : "1");
            sep = '&';
        }
        char *body = NULL;
        if (op->body_schema != NULL) {
            civis_synth_options so = {.seed = 7};
            cJSON *b = civis_synthesize(spec, op->body_schema, &so);
            body = b ? cJSON_PrintUnformatted(b) : NULL;
            cJSON_Delete(b);
        }
        int want = op->response_status;
        int ex_status = 0;
        const cJSON *ex_headers = NULL;
        const char *ex_body = NULL;
        if (civis_spec_example(op, &ex_status, &ex_headers, &ex_body))
            want = ex_status;
        cJSON *j = NULL;
        long got = civis_mockproc_json(&j, &mp, op->verb, path, "sweep", body);
        tried++;
        if (got != want) {
            if (wrong++ < 5) {
                char *text = j ? cJSON_PrintUnformatted(j) : NULL;
                fprintf(stderr, "\n  %s.%s %s %s: want %d, got %ld %.300s\n", op->resource,
                        op->method, op->verb, path, want, got, text ? text : "");
                cJSON_free(text);
            }
        }
        cJSON_Delete(j);
        cJSON_free(body);
    }
    printf("\n  mock_full: %d operations called, %d answered otherwise than declared\n", tried,
           wrong);
    CU_ASSERT(tried > 800);
    CU_ASSERT_EQUAL(wrong, 0);
}

static CU_TestInfo tests[] = {
    {"endpoints and auth", test_full__endpoints_and_auth},
    {"route errors", test_full__route_errors},
    {"validation suggests", test_full__validation_suggests},
    {"pages walk to an empty page", test_full__pages_walk_to_an_empty_page},
    {"every operation answers as declared", test_full__every_operation_answers_as_declared},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_full, tests, suite_init, suite_cleanup)
