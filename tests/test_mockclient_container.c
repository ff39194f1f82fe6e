/*
 * test_mockclient_container.c: civis_mock_container_setup driving the kind
 * of code it is for: start a container script, poll its run until it ends,
 * read outputs and logs, cancel.
 */
#include <string.h>

#include "test.h"
#include "civis.h"
#include "civis/future.h"
#include "civis/mock_assert.h"

/* What code under test does with a container script. */
typedef struct container_result {
    long long script_id;
    long long run_id;
    char state[32];
    char error[64];
    int polls;
} container_result;

static bool finished(const char *state)
{
    return strcmp(state, "succeeded") == 0 || strcmp(state, "failed") == 0 ||
           strcmp(state, "cancelled") == 0;
}

/* Starts the script and polls until the run ends, cancelling it after
 * `cancel_after` polls when that is > 0. */
static civis_status run_container(container_result *out, civis_client *client, int cancel_after,
                                  civis_error *err)
{
    memset(out, 0, sizeof(*out));
    civis_response *resp = NULL;
    civis_status st =
        civis_callv(&resp, client, "scripts", "post_containers", err, "name", CIVIS_STR("job"),
                    "docker_image_name", CIVIS_STR("python"), "required_resources",
                    CIVIS_OBJ("cpu", CIVIS_INT(256), CIVIS_END), CIVIS_END);
    if (st == CIVIS_OK)
        st = civis_response_int(&out->script_id, resp, "id", err);
    civis_response_free(resp);
    resp = NULL;
    if (st == CIVIS_OK)
        st = civis_callv(&resp, client, "scripts", "post_containers_runs", err, "id",
                         CIVIS_INT(out->script_id), CIVIS_END);
    if (st == CIVIS_OK)
        st = civis_response_int(&out->run_id, resp, "id", err);
    civis_response_free(resp);
    while (st == CIVIS_OK && out->polls < 100) {
        resp = NULL;
        st = civis_callv(&resp, client, "scripts", "get_containers_runs", err, "id",
                         CIVIS_INT(out->script_id), "run_id", CIVIS_INT(out->run_id), CIVIS_END);
        out->polls++;
        const char *state = NULL, *error = NULL;
        if (st == CIVIS_OK && (st = civis_response_string(&state, resp, "state", err)) == CIVIS_OK)
            snprintf(out->state, sizeof(out->state), "%s", state);
        if (st == CIVIS_OK && civis_response_string(&error, resp, "error", NULL) == CIVIS_OK)
            snprintf(out->error, sizeof(out->error), "%s", error);
        civis_response_free(resp);
        if (st != CIVIS_OK || finished(out->state))
            break;
        if (out->polls == cancel_after) {
            resp = NULL;
            st = civis_callv(&resp, client, "scripts", "post_cancel", err, "id",
                             CIVIS_INT(out->script_id), CIVIS_END);
            civis_response_free(resp);
        }
    }
    return st;
}

static civis_mock *new_mock(void)
{
    civis_mock *mock = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    return civis_mock_new(&mock, NULL, &err) == CIVIS_OK ? mock : NULL;
}

static void test_container__defaults_drive_a_run_to_success(void)
{
    civis_mock *mock = new_mock();
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_container_setup(mock, NULL, &err), err);
    container_result r;
    ASSERT_CIVIS_OK(run_container(&r, civis_mock_client(mock), 0, &err), err);
    CU_ASSERT_EQUAL(r.script_id, -10);
    CU_ASSERT_EQUAL(r.run_id, 100);
    CU_ASSERT_STRING_EQUAL(r.state, "succeeded");
    CU_ASSERT_STRING_EQUAL(r.error, "");
    CU_ASSERT_EQUAL(r.polls, 1);
    /* the run was queued when started */
    const civis_mock_call *start = civis_mock_nth_call(mock, "scripts.post_containers_runs", 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(start);
    CU_ASSERT_STRING_EQUAL(start->response_body,
                           "{\"id\":100,\"container_id\":-10,\"state\":\"queued\"}");
    CIVIS_ASSERT_CALLED_WITH(mock, "scripts.post_containers_runs", "{\"id\": -10}");
    CIVIS_ASSERT_CALLED_WITH(mock, "scripts.get_containers_runs", "{\"id\": -10, \"run_id\": 100}");
    CIVIS_ASSERT_NOT_CALLED(mock, "scripts.post_cancel");
    /* outputs and logs are empty lists */
    cJSON *outs = NULL;
    cJSON *args = civis_args("id", CIVIS_INT(-10), "run_id", CIVIS_INT(100), CIVIS_END);
    ASSERT_CIVIS_OK(civis_list_all(&outs, civis_mock_client(mock), "scripts",
                                   "list_containers_runs_outputs", args, &err),
                    err);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(outs), 0);
    cJSON_Delete(outs);
    civis_response *logs = NULL;
    ASSERT_CIVIS_OK(
        civis_call(&logs, civis_mock_client(mock), "jobs", "list_runs_logs", args, &err), err);
    CU_ASSERT_EQUAL(civis_response_len(logs, NULL), 0);
    civis_response_free(logs);
    cJSON_Delete(args);
    /* everything preset but cancel and the jobs outputs was used */
    cJSON *u = NULL;
    ASSERT_CIVIS_OK(civis_mock_uncalled(&u, mock, &err), err);
    char *text = cJSON_PrintUnformatted(u);
    CU_ASSERT_STRING_EQUAL(text, "[\"jobs.list_runs_outputs\",\"scripts.post_cancel\"]");
    cJSON_free(text);
    cJSON_Delete(u);
    civis_mock_free(mock);
}

static void test_container__failed_run_with_outputs_and_logs(void)
{
    civis_mock *mock = new_mock();
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock_container_opts o = {
        .script_id = 5,
        .run_id = 6,
        .state = "failed",
        .run_outputs_json = "[{\"objectType\": \"File\", \"objectId\": 41, \"name\": \"a.csv\"},"
                            " {\"objectType\": \"File\", \"objectId\": 42, \"name\": \"b.csv\"}]",
        .logs_json = "[{\"id\": 1, \"message\": \"Traceback: boom\", \"level\": \"error\"}]",
    };
    ASSERT_CIVIS_OK(civis_mock_container_setup(mock, &o, &err), err);
    container_result r;
    ASSERT_CIVIS_OK(run_container(&r, civis_mock_client(mock), 0, &err), err);
    CU_ASSERT_EQUAL(r.script_id, 5);
    CU_ASSERT_EQUAL(r.run_id, 6);
    CU_ASSERT_STRING_EQUAL(r.state, "failed");
    CU_ASSERT_STRING_EQUAL(r.error, "None"); /* sends a future to the logs for the reason */

    cJSON *args = civis_args("id", CIVIS_INT(5), "run_id", CIVIS_INT(6), CIVIS_END);
    cJSON *outs = NULL;
    ASSERT_CIVIS_OK(
        civis_list_all(&outs, civis_mock_client(mock), "jobs", "list_runs_outputs", args, &err),
        err);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(outs), 2);
    const cJSON *b = civis_find_onev(outs, "name", CIVIS_STR("b.csv"), CIVIS_END);
    long long file_id = 0;
    ASSERT_CIVIS_OK(civis_json_int(&file_id, b, "object_id", &err), err);
    CU_ASSERT_EQUAL(file_id, 42);
    cJSON_Delete(outs);
    civis_response *logs = NULL;
    ASSERT_CIVIS_OK(
        civis_call(&logs, civis_mock_client(mock), "jobs", "list_runs_logs", args, &err), err);
    const char *line = NULL;
    ASSERT_CIVIS_OK(civis_response_string(&line, logs, "0.message", &err), err);
    CU_ASSERT_STRING_EQUAL(line, "Traceback: boom");
    civis_response_free(logs);
    cJSON_Delete(args);
    civis_mock_free(mock);
}

static void test_container__cancel_moves_the_run_to_cancelled(void)
{
    civis_mock *mock = new_mock();
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    civis_error err = CIVIS_ERROR_INIT;
    civis_mock_container_opts o = {.state = "running"};
    ASSERT_CIVIS_OK(civis_mock_container_setup(mock, &o, &err), err);
    container_result r;
    ASSERT_CIVIS_OK(run_container(&r, civis_mock_client(mock), 3, &err), err);
    CU_ASSERT_STRING_EQUAL(r.state, "cancelled");
    CU_ASSERT_EQUAL(r.polls, 4); /* three times running, then cancelled */
    CIVIS_ASSERT_CALL_COUNT(mock, "scripts.post_cancel", 1);
    CIVIS_ASSERT_CALLED_WITH(mock, "scripts.post_cancel", "{\"id\": -10}");
    const civis_mock_call *c = civis_mock_nth_call(mock, "scripts.post_cancel", 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->status, 202);
    CU_ASSERT_STRING_EQUAL(c->response_body,
                           "{\"id\":100,\"container_id\":-10,\"state\":\"cancelled\"}");
    civis_mock_free(mock);
}

static void test_container__bad_presets_set_nothing(void)
{
    civis_mock *mock = new_mock();
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    civis_error e = CIVIS_ERROR_INIT;
    civis_mock_container_opts o = {.run_outputs_json = "{\"not\": \"a list\"}"};
    CU_ASSERT_EQUAL(civis_mock_container_setup(mock, &o, &e), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.param, "run_outputs_json");
    CU_ASSERT_STRING_EQUAL(e.message, "run_outputs_json must be a JSON array, got {\"not\": \"a "
                                      "list\"}");
    civis_error e2 = CIVIS_ERROR_INIT;
    o = (civis_mock_container_opts){.logs_json = "[oops"};
    CU_ASSERT_EQUAL(civis_mock_container_setup(mock, &o, &e2), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(e2.param, "logs_json");
    cJSON *u = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_mock_uncalled(&u, mock, &err), err);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(u), 0);
    cJSON_Delete(u);
    civis_mock_free(mock);

    /* a spec without container scripts */
    static const char spec_text[] = "{\"swagger\":\"2.0\",\"info\":{\"title\":\"t\",\"version\":"
                                    "\"1\"},\"paths\":{\"/users/me\":"
                                    "{\"get\":{\"responses\":{\"200\":{\"description\":\"ok\","
                                    "\"schema\":{\"type\":\"object\"}}}"
                                    "}}}}";
    civis_spec *spec = NULL;
    ASSERT_CIVIS_OK(civis_spec_load_buffer(&spec, spec_text, strlen(spec_text), &err), err);
    civis_mock *m = NULL;
    ASSERT_CIVIS_OK(civis_mock_new(&m, &(civis_mock_options){.spec = spec}, &err), err);
    civis_error e3 = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_mock_container_setup(m, NULL, &e3), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(e3.param, "resource");
    CU_ASSERT_PTR_NOT_NULL(strstr(e3.message, "'scripts'"));
    civis_mock_free(m);
    civis_spec_free(spec);
}

/* The library's own future (the official ContainerFuture) on the presets:
 * a failed run with no error text gets its reason from the logs. */
static void test_container__a_future_reads_the_logs_of_a_failed_run(void)
{
    civis_mock *mock = new_mock();
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    civis_error err = CIVIS_ERROR_INIT;
    /* a positive script id: the library's futures take ids <= 0 for "unknown" */
    civis_mock_container_opts o = {
        .script_id = 10,
        .state = "failed",
        .logs_json = "[{\"id\": 2, \"message\": \"Traceback: boom\", \"level\": \"error\","
                     " \"createdAt\": \"2024-01-02T03:04:06.000Z\"},"
                     " {\"id\": 1, \"message\": \"starting\", \"level\": \"info\","
                     " \"createdAt\": \"2024-01-02T03:04:05.000Z\"}]"};
    ASSERT_CIVIS_OK(civis_mock_container_setup(mock, &o, &err), err);
    civis_future *f = NULL;
    civis_future_options fo = {.no_wait = true};
    ASSERT_CIVIS_OK(civis_future_container(&f, civis_mock_client(mock), 10, 100, &fo, &err), err);
    const civis_response *run = NULL;
    civis_error e = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_future_result(&run, f, &e), CIVIS_EJOB);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "(From job 10 / run 100) "));
    if (strstr(e.message, "Traceback: boom") == NULL)
        fprintf(stderr, "\n  got: %s\n", e.message);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "Traceback: boom"));
    CIVIS_ASSERT_CALLED_WITH(mock, "scripts.get_containers_runs", "{\"id\": 10, \"run_id\": 100}");
    CIVIS_ASSERT_CALLED_WITH(mock, "jobs.list_runs_logs", "{\"id\": 10, \"run_id\": 100}");
    civis_future_free(f);
    civis_mock_free(mock);
}

static void test_container__a_future_cancels_a_running_run(void)
{
    civis_mock *mock = new_mock();
    CU_ASSERT_PTR_NOT_NULL_FATAL(mock);
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(
        civis_mock_container_setup(mock, &(civis_mock_container_opts){.state = "running"}, &err),
        err);
    civis_future *f = NULL;
    civis_future_options fo = {.no_wait = true};
    ASSERT_CIVIS_OK(civis_future_container(&f, civis_mock_client(mock), 10, 100, &fo, &err), err);
    CU_ASSERT_FALSE(civis_future_done(f));
    bool cancelled = false;
    ASSERT_CIVIS_OK(civis_future_cancel(&cancelled, f, &err), err);
    CU_ASSERT_TRUE(cancelled);
    CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_CANCELLED);
    CIVIS_ASSERT_CALLED_WITH(mock, "scripts.post_cancel", "{\"id\": 10}");
    civis_future_free(f);
    /* a new look at the run sees the cancellation */
    ASSERT_CIVIS_OK(civis_future_container(&f, civis_mock_client(mock), 10, 100, &fo, &err), err);
    CU_ASSERT_TRUE(civis_future_done(f));
    CU_ASSERT_EQUAL(civis_future_peek(f), CIVIS_FUTURE_CANCELLED);
    civis_future_free(f);
    civis_mock_free(mock);
}

static CU_TestInfo container_tests[] = {
    {"defaults drive a run to success", test_container__defaults_drive_a_run_to_success},
    {"failed run with outputs and logs", test_container__failed_run_with_outputs_and_logs},
    {"cancel moves the run to cancelled", test_container__cancel_moves_the_run_to_cancelled},
    {"bad presets set nothing", test_container__bad_presets_set_nothing},
    {"a future reads the logs of a failed run",
     test_container__a_future_reads_the_logs_of_a_failed_run},
    {"a future cancels a running run", test_container__a_future_cancels_a_running_run},
    CU_TEST_INFO_NULL};

CIVIS_SUITE(mockclient_container, container_tests, NULL, NULL)
