/*
 * mock_client: what the in-process mock costs a test.
 *
 *   mock_client FULL_SPEC.json
 *
 * 1. Creating a mock from the full spec file (civis_mock_new with
 *    spec_path, then civis_mock_free), beside loading the spec alone
 *    (civis_spec_load_file + free) in the same loop, and creating a mock on
 *    a spec that is already loaded. Medians of 20. Target: < 30 ms.
 * 2. One mocked call: civis_callv of scripts.get_sql_runs with a return
 *    value set, through the whole client (validation, placement, body,
 *    transport, journal, response), beside the spec engine's validation
 *    alone (civis_args_validate on the same arguments), alternating in
 *    batches so both see the same noise. Medians of per-call time over the
 *    batches. Target: < 5 us a call.
 * 3. One validated mocked call with a 10-field body (scripts.post_containers,
 *    nested required_resources): the client's argument checks, then the
 *    answering core's routing and full request validation, as civis-mock
 *    would do it, then the canned answer; beside civis_args_validate alone
 *    on the same arguments. Target: < 5 us a call.
 * 4. Creating a mock on the bundled spec (civis_mock_new with no options),
 *    the common case in a test.
 * Without a readable spec it prints SKIP and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "civis.h"
#include "civis/mock.h"

#include "bench.h"

#define CREATE_RUNS 20
#define BATCHES 21
#define CALLS_PER_BATCH 5000

static int bench_create(const char *path)
{
    double load[CREATE_RUNS], create[CREATE_RUNS], borrowed[CREATE_RUNS];
    civis_spec *shared = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_load_file(&shared, path, &err) != CIVIS_OK) {
        fprintf(stderr, "mock_client: %s\n", err.message);
        return 1;
    }
    for (int i = 0; i < CREATE_RUNS; i++) {
        double t0 = bench_now_s() * 1e6;
        civis_spec *s = NULL;
        civis_status st = civis_spec_load_file(&s, path, &err);
        civis_spec_free(s);
        double t1 = bench_now_s() * 1e6;
        civis_mock *m = NULL;
        if (st == CIVIS_OK)
            st = civis_mock_new(&m, &(civis_mock_options){.spec_path = path}, &err);
        civis_mock_free(m);
        double t2 = bench_now_s() * 1e6;
        m = NULL;
        if (st == CIVIS_OK)
            st = civis_mock_new(&m, &(civis_mock_options){.spec = shared}, &err);
        civis_mock_free(m);
        double t3 = bench_now_s() * 1e6;
        if (st != CIVIS_OK) {
            fprintf(stderr, "mock_client: run %d: %s\n", i, err.message);
            civis_spec_free(shared);
            return 1;
        }
        load[i] = (t1 - t0) / 1e3;
        create[i] = (t2 - t1) / 1e3;
        borrowed[i] = (t3 - t2) / 1e3;
    }
    civis_spec_free(shared);
    double ml = bench_median(load, CREATE_RUNS), mc = bench_median(create, CREATE_RUNS);
    double mbw = bench_median(borrowed, CREATE_RUNS);
    printf("  create a mock (spec file)           %8.2f ms (target < 30 ms) %s\n", mc,
           mc < 30.0 ? "ok" : "OVER");
    printf("  baseline: load the spec file alone  %8.2f ms (mock / load %.2f)\n", ml, mc / ml);
    printf("  create a mock on a loaded spec      %8.3f ms\n", mbw);
    return 0;
}

static int bench_calls(const char *path)
{
    civis_mock *mock = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_mock_new(&mock, &(civis_mock_options){.spec_path = path}, &err) != CIVIS_OK ||
        civis_mock_return(mock, "scripts.get_sql_runs",
                          "{\"id\": 8, \"sqlId\": 7, \"state\": \"succeeded\", \"output\": "
                          "[{\"outputName\": \"o\", \"fileId\": 3, \"path\": \"s3://b/k\"}]}",
                          &err) != CIVIS_OK) {
        fprintf(stderr, "mock_client: %s\n", err.message);
        civis_mock_free(mock);
        return 1;
    }
    civis_client *client = civis_mock_client(mock);
    const civis_spec *spec = civis_mock_spec(mock);
    const civis_operation *op = NULL;
    cJSON *args = civis_args("id", CIVIS_INT(7), "run_id", CIVIS_INT(8), CIVIS_END);
    if (civis_spec_find(&op, spec, "scripts", "get_sql_runs", &err) != CIVIS_OK || args == NULL) {
        fprintf(stderr, "mock_client: %s\n", err.message);
        cJSON_Delete(args);
        civis_mock_free(mock);
        return 1;
    }
    double call_us[BATCHES], validate_us[BATCHES];
    unsigned sink = 0;
    for (int b = 0; b < BATCHES; b++) {
        double t0 = bench_now_s() * 1e6;
        for (int i = 0; i < CALLS_PER_BATCH; i++) {
            civis_response *resp = NULL;
            if (civis_callv(&resp, client, "scripts", "get_sql_runs", &err, "id", CIVIS_INT(7),
                            "run_id", CIVIS_INT(8), CIVIS_END) != CIVIS_OK) {
                fprintf(stderr, "mock_client: call: %s\n", err.message);
                cJSON_Delete(args);
                civis_mock_free(mock);
                return 1;
            }
            sink += (unsigned)civis_response_status(resp);
            civis_response_free(resp);
        }
        double t1 = bench_now_s() * 1e6;
        for (int i = 0; i < CALLS_PER_BATCH; i++)
            sink += (unsigned)civis_args_validate(spec, op, args, NULL);
        double t2 = bench_now_s() * 1e6;
        call_us[b] = (t1 - t0) / CALLS_PER_BATCH;
        validate_us[b] = (t2 - t1) / CALLS_PER_BATCH;
        civis_mock_journal_clear(mock); /* outside the timing: memory stays flat */
    }
    double mc = bench_median(call_us, BATCHES), mv = bench_median(validate_us, BATCHES);
    printf("  mocked scripts.get_sql_runs call    %8.3f us (target < 5 us) %s\n", mc,
           mc < 5.0 ? "ok" : "OVER");
    printf("  baseline: civis_args_validate alone %8.3f us (call / validate %.1f)\n", mv, mc / mv);
    if (sink == 0)
        printf("  (no calls)\n");
    cJSON_Delete(args);
    civis_mock_free(mock);
    return 0;
}

/* The 10 fields: what a container script is usually created with. */
static cJSON *ten_fields(void)
{
    return civis_args("name", CIVIS_STR("nightly"), "docker_image_name", CIVIS_STR("civis/py"),
                      "docker_image_tag", CIVIS_STR("latest"), "docker_command",
                      CIVIS_STR("python run.py"), "required_resources",
                      CIVIS_OBJ("cpu", CIVIS_INT(512), "memory", CIVIS_INT(1024), CIVIS_END),
                      "repo_http_uri", CIVIS_STR("https://example.com/r.git"), "repo_ref",
                      CIVIS_STR("main"), "cancel_timeout", CIVIS_INT(5), "time_zone",
                      CIVIS_STR("UTC"), "hidden", CIVIS_BOOL(true), CIVIS_END);
}

static int bench_body_calls(const char *path)
{
    civis_mock *mock = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_mock_new(&mock, &(civis_mock_options){.spec_path = path}, &err) != CIVIS_OK ||
        civis_mock_return(mock, "scripts.post_containers", "{\"id\": 9, \"name\": \"nightly\"}",
                          &err) != CIVIS_OK) {
        fprintf(stderr, "mock_client: %s\n", err.message);
        civis_mock_free(mock);
        return 1;
    }
    civis_client *client = civis_mock_client(mock);
    const civis_spec *spec = civis_mock_spec(mock);
    const civis_operation *op = NULL;
    cJSON *args = ten_fields();
    if (civis_spec_find(&op, spec, "scripts", "post_containers", &err) != CIVIS_OK ||
        args == NULL || cJSON_GetArraySize(args) != 10) {
        fprintf(stderr, "mock_client: %s\n", err.message);
        cJSON_Delete(args);
        civis_mock_free(mock);
        return 1;
    }
    /* The bare baseline: print the body and parse it back with cJSON, the
     * least any JSON exchange of it costs; nothing of ours in it. */
    char *body_text = cJSON_PrintUnformatted(args);
    double call_us[BATCHES], validate_us[BATCHES], bare_us[BATCHES];
    unsigned sink = 0;
    for (int b = 0; b < BATCHES; b++) {
        double tb = bench_now_s() * 1e6;
        for (int i = 0; i < CALLS_PER_BATCH; i++) {
            cJSON *doc = cJSON_Parse(body_text);
            char *again = cJSON_PrintUnformatted(doc);
            sink += again != NULL;
            cJSON_free(again);
            cJSON_Delete(doc);
        }
        bare_us[b] = (bench_now_s() * 1e6 - tb) / CALLS_PER_BATCH;
        double t0 = bench_now_s() * 1e6;
        for (int i = 0; i < CALLS_PER_BATCH; i++) {
            civis_response *resp = NULL;
            if (civis_call(&resp, client, "scripts", "post_containers", args, &err) != CIVIS_OK) {
                fprintf(stderr, "mock_client: call: %s\n", err.message);
                cJSON_Delete(args);
                civis_mock_free(mock);
                return 1;
            }
            sink += (unsigned)civis_response_status(resp);
            civis_response_free(resp);
        }
        double t1 = bench_now_s() * 1e6;
        for (int i = 0; i < CALLS_PER_BATCH; i++)
            sink += (unsigned)civis_args_validate(spec, op, args, NULL);
        double t2 = bench_now_s() * 1e6;
        call_us[b] = (t1 - t0) / CALLS_PER_BATCH;
        validate_us[b] = (t2 - t1) / CALLS_PER_BATCH;
        civis_mock_journal_clear(mock);
    }
    double mc = bench_median(call_us, BATCHES), mv = bench_median(validate_us, BATCHES);
    double mb = bench_median(bare_us, BATCHES);
    printf("  validated call, 10-field body       %8.3f us (target < 5 us) %s\n", mc,
           mc < 5.0 ? "ok" : "OVER");
    printf("  baseline: civis_args_validate alone %8.3f us (call / validate %.1f)\n", mv, mc / mv);
    printf("  bare: cJSON parse + print the body  %8.3f us (call / bare %.1f)\n", mb, mc / mb);
    if (sink == 0)
        printf("  (no calls)\n");
    cJSON_free(body_text);
    cJSON_Delete(args);
    civis_mock_free(mock);
    return 0;
}

static int bench_create_bundled(void)
{
    double t[CREATE_RUNS];
    civis_error err = CIVIS_ERROR_INIT;
    for (int i = 0; i < CREATE_RUNS; i++) {
        double t0 = bench_now_s() * 1e6;
        civis_mock *m = NULL;
        civis_status st = civis_mock_new(&m, NULL, &err);
        civis_mock_free(m);
        t[i] = (bench_now_s() * 1e6 - t0) / 1000.0;
        if (st != CIVIS_OK) {
            fprintf(stderr, "mock_client: %s\n", err.message);
            return 1;
        }
    }
    printf("  create a mock (bundled spec)        %8.3f ms\n", bench_median(t, CREATE_RUNS));
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : NULL;
    if (path == NULL || access(path, R_OK) != 0) {
        printf("SKIP mock_client: no readable spec given (%s)\n", path ? path : "no argument");
        return 0;
    }
    printf("mock_client: %s (medians: %d creations, %d batches of %d calls)\n", path, CREATE_RUNS,
           BATCHES, CALLS_PER_BATCH);
    if (bench_create(path) != 0 || bench_create_bundled() != 0 || bench_calls(path) != 0 ||
        bench_body_calls(path) != 0)
        return 1;
    return 0;
}
