/*
 * test_mockclient_transport.c: the transport's presigned hook, the way the
 * in-process mock serves storage, seen from a test transport: what an
 * upload and a download hand it (method, URL, form fields in order, file
 * name, size and bytes), and how its answers come back to the caller (a
 * refusal as CIVIS_EHTTP with the storage's message and no signature, no
 * answer as CIVIS_ETRANSPORT, a consumer that stops as its own error).
 */
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "test_client_support.h"
#include "civis.h"
#include "civis/files.h"

typedef struct hook_ctx {
    fake_transport ft; /* answers the API calls */
    /* what the hook was handed, last call */
    char method[8];
    char url[256];
    char fields[256];
    char filename[64];
    unsigned long long size;
    char body[64];
    size_t body_len;
    /* what it answers */
    long status;
    const char *message;
    civis_status fail;
    const char *download; /* bytes for a GET, in two chunks */
} hook_ctx;

static civis_status hook_send(void *ctx, const civis_http_request *req, civis_http_response *resp,
                              civis_error *err)
{
    return fake_transport_table.send(&((hook_ctx *)ctx)->ft, req, resp, err);
}

static civis_status hook_presigned(void *vctx, const civis_presigned_request *req,
                                   civis_presigned_response *resp, civis_error *err)
{
    hook_ctx *h = vctx;
    snprintf(h->method, sizeof(h->method), "%s", req->method);
    snprintf(h->url, sizeof(h->url), "%s", req->url);
    char *fields = req->fields ? cJSON_PrintUnformatted(req->fields) : NULL;
    snprintf(h->fields, sizeof(h->fields), "%s", fields ? fields : "");
    cJSON_free(fields);
    snprintf(h->filename, sizeof(h->filename), "%s", req->filename ? req->filename : "");
    h->size = req->size;
    h->body_len = 0;
    size_t got;
    while (req->read != NULL &&
           (got = req->read(h->body + h->body_len, sizeof(h->body) - 1 - h->body_len,
                            req->read_data)) > 0 &&
           got != (size_t)-1)
        h->body_len += got;
    h->body[h->body_len] = '\0';
    if (h->fail != CIVIS_OK) {
        snprintf(err->message, sizeof(err->message), "connection reset by the test");
        err->code = h->fail;
        return h->fail;
    }
    resp->status = h->status;
    snprintf(resp->message, sizeof(resp->message), "%s", h->message ? h->message : "");
    if (h->download != NULL && req->write != NULL && h->status < 300) {
        size_t n = strlen(h->download), half = n / 2;
        if (!req->write(h->download, half, req->write_data) ||
            !req->write(h->download + half, n - half, req->write_data)) {
            snprintf(err->message, sizeof(err->message), "the consumer stopped");
            err->code = CIVIS_EIO;
            return CIVIS_EIO;
        }
    }
    return CIVIS_OK;
}

static const civis_transport hook_table = {
    .name = "test",
    .send = hook_send,
    .presigned = hook_presigned,
};

static civis_client *hook_client(hook_ctx *h)
{
    memset(h, 0, sizeof(*h));
    fake_init(&h->ft);
    h->status = 200;
    civis_client_options o = {.api_key = "k",
                              .base_url = "http://civis.test/",
                              .bundled_spec = true,
                              .transport = &hook_table,
                              .transport_ctx = h};
    civis_client *c = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_client_new(&c, &o, &err), err);
    return c;
}

static void hook_done(hook_ctx *h, civis_client *c)
{
    civis_client_free(c);
    fake_clear(&h->ft);
    pthread_mutex_destroy(&h->ft.lock);
}

static void test_hook__an_upload_hands_over_the_form_and_the_bytes(void)
{
    hook_ctx h;
    civis_client *c = hook_client(&h);
    fake_push(&h.ft, 201, NULL,
              "{\"id\": 5, \"uploadUrl\": \"https://storage.test/up?X-Sig=secret\", "
              "\"uploadFields\": {\"policy\": \"p\", \"key\": \"files/5\"}}");
    h.status = 204;
    long long id = 0;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_buffer_to_civis(&id, c, "a,b\n1,2\n", 8, "t.csv", NULL, &err), err);
    CU_ASSERT_EQUAL(id, 5);
    CU_ASSERT_STRING_EQUAL(h.method, "POST");
    CU_ASSERT_STRING_EQUAL(h.url, "https://storage.test/up?X-Sig=secret");
    CU_ASSERT_STRING_EQUAL(h.fields, "{\"policy\":\"p\",\"key\":\"files/5\"}");
    CU_ASSERT_STRING_EQUAL(h.filename, "t.csv");
    CU_ASSERT_EQUAL(h.size, 8);
    CU_ASSERT_STRING_EQUAL(h.body, "a,b\n1,2\n");
    CU_ASSERT_EQUAL(h.ft.n_requests, 1); /* files.post only: the bytes went to the hook */
    hook_done(&h, c);
}

static void test_hook__a_download_streams_what_the_hook_writes(void)
{
    hook_ctx h;
    civis_client *c = hook_client(&h);
    fake_push(&h.ft, 200, NULL, "{\"id\": 9, \"fileUrl\": \"https://storage.test/f/9?sig=s\"}");
    h.download = "hello, storage";
    char *bytes = NULL;
    size_t len = 0;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_civis_to_buffer(&bytes, &len, c, 9, NULL, &err), err);
    CU_ASSERT_STRING_EQUAL(h.method, "GET");
    CU_ASSERT_STRING_EQUAL(h.url, "https://storage.test/f/9?sig=s");
    CU_ASSERT_STRING_EQUAL(h.fields, "");
    CU_ASSERT(bytes != NULL && len == 14 && strcmp(bytes, "hello, storage") == 0);
    civis_free(bytes);
    hook_done(&h, c);
}

static void test_hook__refusals_and_failures_reach_the_caller(void)
{
    hook_ctx h;
    civis_client *c = hook_client(&h);
    fake_push(&h.ft, 200, NULL, "{\"id\": 9, \"fileUrl\": \"https://storage.test/f/9?sig=s\"}");
    h.status = 403;
    h.message = "<Error><Code>AccessDenied</Code></Error>";
    char *bytes = NULL;
    size_t len = 0;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_civis_to_buffer(&bytes, &len, c, 9, NULL, &err), CIVIS_EHTTP);
    CU_ASSERT_EQUAL(err.http_status, 403);
    CU_ASSERT_STRING_EQUAL(err.message, "(403) download of file 9 was refused by the storage at "
                                        "https://storage.test: "
                                        "<Error><Code>AccessDenied</Code></Error>");
    CU_ASSERT_PTR_NULL(bytes);
    civis_error_clear(&err);
    h.fail = CIVIS_ETRANSPORT;
    CU_ASSERT_EQUAL(civis_civis_to_buffer(&bytes, &len, c, 9, NULL, &err), CIVIS_ETRANSPORT);
    CU_ASSERT_STRING_EQUAL(err.message, "download of file 9 failed: connection reset by the test");
    hook_done(&h, c);
}

/* A consumer that takes nothing: the download stops with its reason. */
static civis_status refuse_rows(size_t row, const char *const *values, size_t n, void *data,
                                civis_error *err)
{
    (void)row; /* every row is refused alike */
    (void)values;
    (void)n;
    (void)data;
    err->code = CIVIS_EINVAL;
    snprintf(err->message, sizeof(err->message), "no rows wanted");
    return CIVIS_EINVAL;
}

static void test_hook__a_consumer_that_stops_keeps_its_reason(void)
{
    hook_ctx h;
    civis_client *c = hook_client(&h);
    fake_push(&h.ft, 200, NULL, "[{\"id\": 3, \"name\": \"db\"}]");
    fake_push(&h.ft, 200, NULL, "[{\"id\": 4}]");
    fake_push(&h.ft, 201, NULL, "{\"id\": 10}");
    fake_push(&h.ft, 202, NULL, "{\"id\": 11, \"state\": \"queued\"}");
    fake_push(&h.ft, 200, NULL,
              "{\"id\": 11, \"state\": \"succeeded\", \"output\": [{\"path\": "
              "\"https://storage.test/r\"}]}");
    h.download = "a\n1\n2\n";
    civis_future_options fast = {.no_wait = true};
    civis_io_options io = {.polling = &fast};
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_read_civis_sql_rows(c, "select a", "db", refuse_rows, NULL, &io, &err),
                    CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "no rows wanted");
    CU_ASSERT_STRING_EQUAL(h.url, "https://storage.test/r");
    hook_done(&h, c);
}

static CU_TestInfo tests[] = {
    {"upload through the hook", test_hook__an_upload_hands_over_the_form_and_the_bytes},
    {"download through the hook", test_hook__a_download_streams_what_the_hook_writes},
    {"refusals and failures", test_hook__refusals_and_failures_reach_the_caller},
    {"consumer stops", test_hook__a_consumer_that_stops_keeps_its_reason},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mockclient_transport, tests, NULL, NULL)
