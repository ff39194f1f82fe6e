/*
 * validate.c: what checking a request body costs against parsing it.
 *
 *   validate FULL_SPEC
 *
 * Valid POST /scripts/containers bodies of about 1 KB, 100 KB, 1 MB and
 * 5 MB (params[] items checked against their schema, a free-form
 * `arguments` object, long strings). For each, the medians of:
 *   bare       cJSON_ParseWithLength + cJSON_Delete (the floor)
 *   validate   civis_request_validate (parse + the schema walk), in process
 *   stored     POST to civis-mock with the simulation on (the default):
 *              transfer, validation, storing and the reply, as users see it
 *   stateless  the same POST to civis-mock --stateless
 * and the ratios to the bare parse (target: stored <= 3x at 1 MB).
 */
#include "civis/spec.h"

#include "mockrun.h"

#define RUNS_SMALL 200
#define RUNS_LARGE 9

static char *make_body(size_t target, size_t *len)
{
    size_t cap = target + 4096;
    char *b = malloc(cap);
    if (b == NULL)
        return NULL;
    size_t n = (size_t)snprintf(b, cap,
                                "{\"name\":\"validate\",\"docker_image_name\":\"civisanalytics/"
                                "datascience-python\",\"docker_command\":\"python run.py\","
                                "\"required_resources\":{\"cpu\":1000,\"memory\":2048},"
                                "\"params\":[");
    /* Three quarters in schema-checked params, the rest free-form. */
    for (int i = 0; n < target * 3 / 4 || i == 0; i++)
        n += (size_t)snprintf(b + n, cap - n,
                              "%s{\"name\":\"param_%d\",\"label\":\"Parameter %d\",\"type\":"
                              "\"string\",\"required\":false,\"description\":\"a parameter "
                              "used by the benchmark, with some text\"}",
                              i ? "," : "", i, i);
    n += (size_t)snprintf(b + n, cap - n, "],\"arguments\":{");
    for (int i = 0; n < target - 40 || i == 0; i++)
        n += (size_t)snprintf(b + n, cap - n, "%s\"param_%d\":\"value %d of the run\"",
                              i ? "," : "", i, i);
    n += (size_t)snprintf(b + n, cap - n, "}}");
    *len = n;
    return b;
}

static double median_parse(const char *body, size_t len, int runs)
{
    double *v = malloc((size_t)runs * sizeof(double));
    for (int i = 0; v != NULL && i < runs; i++) {
        double t0 = bench_now_s();
        cJSON *j = cJSON_ParseWithLength(body, len);
        cJSON_Delete(j);
        v[i] = (bench_now_s() - t0) * 1e3;
    }
    double m = v ? bench_median(v, (size_t)runs) : -1;
    free(v);
    return m;
}

static double median_validate(const civis_spec *spec, const civis_route *rt, const char *body,
                              size_t len, int runs, bool *ok)
{
    double *v = malloc((size_t)runs * sizeof(double));
    for (int i = 0; v != NULL && i < runs; i++) {
        civis_problems problems = {0};
        cJSON *parsed = NULL;
        civis_request_check check = {.route = rt, .body = body, .body_len = len};
        double t0 = bench_now_s();
        civis_status st = civis_request_validate(&problems, &parsed, spec, &check);
        cJSON_Delete(parsed);
        v[i] = (bench_now_s() - t0) * 1e3;
        if (st != CIVIS_OK) {
            *ok = false;
            if (problems.count > 0)
                fprintf(stderr, "validate: %s: %s\n", problems.items[0].field,
                        problems.items[0].problem);
        }
        civis_problems_clear(&problems);
    }
    double m = v ? bench_median(v, (size_t)runs) : -1;
    free(v);
    return m;
}

static double median_post(CURL *c, int port, const char *body, size_t len, int runs, long *errors)
{
    char url[96];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/scripts/containers", port);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    double *v = malloc((size_t)runs * sizeof(double));
    for (int i = 0; v != NULL && i < runs; i++) {
        double t0 = bench_now_s();
        long status = 0;
        if (curl_easy_perform(c) != CURLE_OK ||
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 201)
            (*errors)++;
        v[i] = (bench_now_s() - t0) * 1e3;
    }
    double m = v ? bench_median(v, (size_t)runs) : -1;
    free(v);
    return m;
}

int main(int argc, char **argv)
{
    size_t spec_len = 0;
    char *spec_text = argc > 1 ? bench_slurp(argv[1], &spec_len) : NULL;
    if (spec_text == NULL) {
        printf("SKIP validate: full spec not found (%s)\n", argc > 1 ? argv[1] : "no path");
        return 0;
    }
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_route rt;
    if (civis_spec_load_buffer(&spec, spec_text, spec_len, &err) != CIVIS_OK ||
        civis_spec_route(&rt, spec, "POST", "/scripts/containers", &err) != CIVIS_OK) {
        fprintf(stderr, "validate: %s\n", err.message);
        return 1;
    }
    bool served = access(mockrun_bin(), X_OK) == 0;
    curl_global_init(CURL_GLOBAL_ALL);
    const char *const stateless[] = {"--stateless", "--max-body", "64M", NULL};
    const char *const sim[] = {"--max-body", "64M", "--state-max-bytes", "1G", NULL};
    int port_sim = 0, port_sl = 0;
    pid_t p_sim = served ? mockrun_start(argv[1], sim, &port_sim, NULL) : -1;
    pid_t p_sl = served ? mockrun_start(argv[1], stateless, &port_sl, NULL) : -1;
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer validate");
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mockrun_discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);

    const size_t sizes[] = {1024, 100 * 1024, 1024 * 1024, 5 * 1024 * 1024};
    printf("validate: medians in ms; ratios to the bare cJSON parse of the same bytes\n");
    printf("%9s %9s %10s %6s %10s %6s %10s %6s\n", "body", "bare", "validate", "x", "stored", "x",
           "stateless", "x");
    bool ok = true;
    long errors = 0;
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t len = 0;
        char *body = make_body(sizes[i], &len);
        if (body == NULL)
            return 1;
        int runs = len > 200000 ? RUNS_LARGE : RUNS_SMALL;
        double bare = median_parse(body, len, runs);
        double val = median_validate(spec, &rt, body, len, runs, &ok);
        double st = p_sim > 0 ? median_post(c, port_sim, body, len, runs, &errors) : 0;
        double sl = p_sl > 0 ? median_post(c, port_sl, body, len, runs, &errors) : 0;
        printf("%8.0fK %9.3f %10.3f %6.2f %10.3f %6.2f %10.3f %6.2f\n", (double)len / 1024.0, bare,
               val, val / bare, st, st / bare, sl, sl / bare);
        fflush(stdout);
        free(body);
    }
    printf("target: a 1 MB body validated and stored in at most 3x the bare parse\n");
    if (!ok)
        printf("error: a body failed validation\n");
    if (errors > 0)
        printf("errors: %ld POSTs failed\n", errors);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    int st = 0;
    if (p_sim > 0)
        st |= mockrun_stop(p_sim);
    if (p_sl > 0)
        st |= mockrun_stop(p_sl);
    civis_spec_free(spec);
    free(spec_text);
    curl_global_cleanup();
    return (!ok || errors > 0 || st != 0) ? 1 : 0;
}
