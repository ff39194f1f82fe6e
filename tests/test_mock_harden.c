/*
 * test_mock_harden.c: the faults of the hostile-input and isolation audit,
 * each as the attack that found it, against the real civis-mock:
 *
 *   1. one key predicting another key's storage URL from its own token;
 *   3. a delay fault of one key stalling every other key;
 *   6. API keys in clear in admin journal bodies, --log lines and 401s;
 *   7. float-to-integer casts of absurd numbers (4e49, 1e300);
 *   9. control bytes in --log, storage uploads past --state-max-bytes.
 *
 * (2 and 4 are in test_mock_hostile.c, 5 and 8 in test_client_harden.c.)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "civis.h"
#include "mockproc.h"
#include "simtest.h"
#include "test.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* "{space}.{id}.{token}" out of a storage URL; false when it has no such tail. */
static bool url_token(const char *url, char *token, size_t len)
{
    const char *slash = url ? strrchr(url, '/') : NULL;
    const char *dot = slash ? strrchr(slash, '.') : NULL;
    if (dot == NULL)
        return false;
    snprintf(token, len, "%s", dot + 1);
    return true;
}

/* ---- 1: storage tokens ---------------------------------------------------------- */

/* The generator the tokens used to come from (xorshift64*), run forward
 * from what one token reveals: the attack of the audit. */
static uint64_t predict_next(uint64_t token)
{
    /* x * C = token (mod 2^64): C is odd, so it has an inverse (Newton). */
    const uint64_t c = 0x2545F4914F6CDD1Dull;
    uint64_t inv = c;
    for (int i = 0; i < 6; i++)
        inv *= 2 - c * inv;
    uint64_t x = token * inv;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    return x * c;
}

static void test_harden__storage_token_is_not_predictable(void)
{
    civis_mockproc mp;
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&mp, NULL), 0);
    cJSON *a = NULL, *b = NULL;
    CU_ASSERT(civis_simtest_post(&a, NULL, &mp, "key-a", "/files", "{\"name\":\"a.csv\"}") > 0);
    CU_ASSERT(civis_simtest_post(&b, NULL, &mp, "key-b", "/files", "{\"name\":\"b.csv\"}") > 0);
    const char *ua = civis_simtest_str(a, "uploadUrl"), *ub = civis_simtest_str(b, "uploadUrl");
    char ta[80] = "", tb[80] = "";
    CU_ASSERT_FATAL(url_token(ua, ta, sizeof(ta)) && url_token(ub, tb, sizeof(tb)));
    /* 128 bits, in hex */
    CU_ASSERT_EQUAL(strlen(ta), 32);
    CU_ASSERT_EQUAL(strspn(ta, "0123456789abcdef"), strlen(ta));
    /* A's token does not give B's */
    char predicted[40];
    snprintf(predicted, sizeof(predicted), "%016llx",
             (unsigned long long)predict_next(strtoull(ta, NULL, 16)));
    CU_ASSERT_STRING_NOT_EQUAL(predicted, tb);
    CU_ASSERT_STRING_NOT_EQUAL(ta, tb);

    /* B's address with A's token (what a guess would be) is nobody's file */
    unsigned long crc = 0;
    char forged[512];
    snprintf(forged, sizeof(forged), "%.*s%s", (int)(strlen(ub) - strlen(tb)), ub, ta);
    long st = civis_simtest_put_stream(forged, "POST", 1, 0, 10, &crc);
    CU_ASSERT_EQUAL(st, 404);
    char *body = NULL;
    size_t len = 0;
    char dl[512];
    snprintf(dl, sizeof(dl), "%s", forged);
    char *up = strstr(dl, "/upload/");
    CU_ASSERT_PTR_NOT_NULL_FATAL(up);
    memmove(up + 10, up + 8, strlen(up + 8) + 1);
    memcpy(up, "/download/", 10);
    CU_ASSERT_EQUAL(civis_simtest_get_url(&body, &len, dl), 404);
    free(body);
    cJSON_Delete(a);
    cJSON_Delete(b);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
}

/* ---- 3: delays hold no worker ------------------------------------------------------ */

typedef struct slow_call {
    const civis_mockproc *mp;
    long status;
    double ms;
} slow_call;

static void *slow_thread(void *arg)
{
    slow_call *c = arg;
    double t0 = now_ms();
    c->status = civis_mockproc_json(NULL, c->mp, "GET", "/users/me", "slow-key", NULL);
    c->ms = now_ms() - t0;
    return NULL;
}

static void test_harden__delay_of_one_key_does_not_stall_another(void)
{
    civis_mockproc mp;
    const char *args[] = {"--threads", "2", NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&mp, args), 0);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/faults", NULL,
                                        "{\"operation\":\"*\",\"delay_ms\":2000,"
                                        "\"api_key\":\"slow-key\"}"),
                    201);
    enum { SLOW = 8 };
    pthread_t th[SLOW];
    slow_call calls[SLOW];
    for (int i = 0; i < SLOW; i++) {
        calls[i] = (slow_call){&mp, 0, 0};
        pthread_create(&th[i], NULL, slow_thread, &calls[i]);
    }
    usleep(300 * 1000); /* the slow calls are all waiting now */
    double worst = 0;
    for (int i = 0; i < 10; i++) {
        double t0 = now_ms();
        CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/users/me", "fast-key", NULL), 200);
        double ms = now_ms() - t0;
        worst = ms > worst ? ms : worst;
    }
    printf("\n  fast key beside %d delayed calls: slowest of 10 in %.1f ms", SLOW, worst);
    /* 2 workers, 8 delayed requests: a held worker would make this ~2 s */
    CU_ASSERT(worst < 500);
    for (int i = 0; i < SLOW; i++) {
        pthread_join(th[i], NULL);
        CU_ASSERT_EQUAL(calls[i].status, 200);
        CU_ASSERT(calls[i].ms >= 1900);
    }
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
}

static void test_harden__stop_during_a_delay_answers_it(void)
{
    civis_mockproc mp;
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&mp, NULL), 0);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/faults", NULL,
                                        "{\"operation\":\"*\",\"delay_ms\":60000}"),
                    201);
    slow_call c = {&mp, 0, 0};
    pthread_t th;
    pthread_create(&th, NULL, slow_thread, &c);
    usleep(300 * 1000);
    double t0 = now_ms();
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
    pthread_join(th, NULL);
    /* SIGTERM sends the delayed answer at once instead of waiting a minute */
    CU_ASSERT(now_ms() - t0 < 10000);
    CU_ASSERT_EQUAL(c.status, 200);
}

/* ---- 6: no key in clear -------------------------------------------------------------- */

#define SECRET "sk-live-ABCDEFGH12345678"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    (void)n;
    fclose(f);
    return buf;
}

static void test_harden__no_key_in_clear(void)
{
    char log[] = "/tmp/civis-harden-log-XXXXXX";
    int fd = mkstemp(log);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    civis_mockproc mp;
    const char *args[] = {"--log", log, NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&mp, args), 0);

    /* admin bodies naming a key */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/stubs", NULL,
                                        "{\"api_key\": \"" SECRET "\", \"request\": {\"method\":"
                                        "\"GET\",\"path\":\"/jobs/3\"},\"response\":{\"status\":"
                                        "200,\"body\":{\"id\":3}}}"),
                    201);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/faults", NULL,
                                        "{\"operation\":\"*\",\"status\":503,\"count\":1,"
                                        "\"api_key\":\"" SECRET "\"}"),
                    201);
    /* an Authorization header with no scheme: the bare key */
    civis_http_reply r;
    const char *bare[] = {"Authorization: " SECRET, NULL};
    civis_mockproc_request(&r, &mp, "GET", "/users/me", bare, NULL, 0);
    CU_ASSERT_EQUAL(r.status, 401);
    CU_ASSERT_PTR_NULL(strstr(r.body, "sk-live"));
    CU_ASSERT_PTR_NULL(strstr(r.body, "12345678"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "no Basic or Bearer scheme"));
    civis_http_reply_clear(&r);
    /* a real scheme is still named */
    const char *digest[] = {"Authorization: Digest username=x", NULL};
    civis_mockproc_request(&r, &mp, "GET", "/users/me", digest, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "'Digest'"));
    civis_http_reply_clear(&r);
    /* admin reads with the key in the query */
    CU_ASSERT_EQUAL(
        civis_mockproc_json(NULL, &mp, "GET", "/__mock/journal?api_key=" SECRET, NULL, NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", "/jobs/3", SECRET, NULL), 503);

    civis_mockproc_call(&r, &mp, "GET", "/__mock/journal", NULL, NULL);
    CU_ASSERT_EQUAL(r.status, 200);
    CU_ASSERT_PTR_NULL(strstr(r.body, "ABCDEFGH"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "sk\xE2\x80\xA6#")); /* the masked form is there */
    civis_http_reply_clear(&r);
    civis_mockproc_call(&r, &mp, "GET", "/__mock/faults", NULL, NULL);
    CU_ASSERT_PTR_NULL(strstr(r.body, "ABCDEFGH"));
    civis_http_reply_clear(&r);

    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
    char *text = slurp(log);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "/__mock/journal?api_key=sk"));
    CU_ASSERT_PTR_NULL(strstr(text, "ABCDEFGH"));
    free(text);
    unlink(log);
}

/* ---- 9: control bytes in --log --------------------------------------------------------- */

static void test_harden__log_escapes_control_bytes(void)
{
    char log[] = "/tmp/civis-harden-log-XXXXXX";
    int fd = mkstemp(log);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    civis_mockproc mp;
    const char *args[] = {"--log", log, NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&mp, args), 0);
    const char req[] = "GET /users/\x1b[2J\x1b]0;pwned\x07?q=\x01\x7f HTTP/1.1\r\nHost: x\r\n"
                       "Authorization: Bearer k\r\nConnection: close\r\n\r\n";
    int s = civis_mockproc_connect(&mp);
    CU_ASSERT_FATAL(s >= 0);
    CU_ASSERT(send(s, req, sizeof(req) - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof(req) - 1));
    char buf[4096];
    struct timeval tv = {5, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    while (recv(s, buf, sizeof(buf), 0) > 0)
        ;
    close(s);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
    char *text = slurp(log);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    /* no byte below 0x20 but the newlines ending each line, no DEL */
    bool clean = true;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        clean = clean && ((*p >= 0x20 && *p != 0x7f) || *p == '\n');
    CU_ASSERT(clean);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "/users/\\x1b[2J\\x1b]0;pwned\\x07?q=\\x01\\x7f"));
    free(text);
    unlink(log);
}

/* ---- 7: absurd numbers ------------------------------------------------------------------- */

static void test_harden__absurd_numbers_are_refused_not_cast(void)
{
    civis_mockproc mp;
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&mp, NULL), 0);
    static const char *const statuses[] = {"4e49", "-4e49", "1e300", "99.5", "2147483648"};
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        char body[256];
        snprintf(body, sizeof(body),
                 "{\"request\":{\"method\":\"GET\",\"path\":\"/jobs/3\"},"
                 "\"response\":{\"status\":%s}}",
                 statuses[i]);
        civis_http_reply r;
        civis_mockproc_call(&r, &mp, "POST", "/__mock/stubs", NULL, body);
        CU_ASSERT_EQUAL(r.status, 400);
        CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "response.status"));
        CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "100 to 599"));
        civis_http_reply_clear(&r);
    }
    /* previewRows far past any long: clamped, the run still renders */
    long id = civis_simtest_post(NULL, NULL, &mp, "num", "/scripts/sql",
                                 "{\"name\":\"q\",\"sql\":\"select 1\",\"remoteHostId\":1,"
                                 "\"credentialId\":1,\"previewRows\":1e300}");
    if (id > 0) {
        char path[128];
        snprintf(path, sizeof(path), "/scripts/sql/%ld/runs", id);
        long run = civis_simtest_post(NULL, NULL, &mp, "num", path, NULL);
        CU_ASSERT(run > 0);
        snprintf(path, sizeof(path), "/scripts/sql/%ld/runs/%ld", id, run);
        CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", path, "num", NULL), 200);
    }
    /* a preprocess job naming file 1e300 */
    CU_ASSERT(civis_mockproc_json(NULL, &mp, "POST", "/files/preprocess/csv", "num",
                                  "{\"fileId\":1e300}") < 500);
    CU_ASSERT(civis_mockproc_healthy(&mp));
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
}

/* ---- 9: --state-max-bytes --------------------------------------------------------------- */

static void test_harden__storage_uploads_count_against_state_max_bytes(void)
{
    civis_mockproc mp;
    const char *args[] = {"--state-max-bytes", "64K", NULL};
    unsigned long crc = 0;
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&mp, args), 0);
    cJSON *f = NULL;
    CU_ASSERT(civis_simtest_post(&f, NULL, &mp, "quota", "/files/multipart",
                                 "{\"name\":\"big.bin\",\"numParts\":3}") > 0);
    const cJSON *urls = cJSON_GetObjectItemCaseSensitive(f, "uploadUrls");
    CU_ASSERT_FATAL(cJSON_GetArraySize(urls) == 3);
    const char *p1 = cJSON_GetArrayItem(urls, 0)->valuestring;
    const char *p2 = cJSON_GetArrayItem(urls, 1)->valuestring;
    CU_ASSERT_EQUAL(civis_simtest_put_stream(p1, "PUT", 1, 0, 30000, &crc), 200);
    /* 30000 + 40000 > 65536 */
    CU_ASSERT_EQUAL(civis_simtest_put_stream(p2, "PUT", 2, 0, 40000, &crc), 507);
    /* a part that replaces an earlier one gets its bytes back */
    CU_ASSERT_EQUAL(civis_simtest_put_stream(p1, "PUT", 3, 0, 10000, &crc), 200);
    CU_ASSERT_EQUAL(civis_simtest_put_stream(p2, "PUT", 2, 0, 40000, &crc), 200);
    /* another key has its own budget */
    cJSON *g = NULL;
    CU_ASSERT(civis_simtest_post(&g, NULL, &mp, "other", "/files/multipart",
                                 "{\"name\":\"o.bin\",\"numParts\":1}") > 0);
    const cJSON *ou = cJSON_GetObjectItemCaseSensitive(g, "uploadUrls");
    CU_ASSERT_EQUAL(
        civis_simtest_put_stream(cJSON_GetArrayItem(ou, 0)->valuestring, "PUT", 4, 0, 60000, &crc),
        200);
    /* a 1 MB part is cut off once it passes the budget, and answered 507 */
    CU_ASSERT_EQUAL(civis_simtest_put_stream(cJSON_GetArrayItem(urls, 2)->valuestring, "PUT", 5, 0,
                                             1 << 20, &crc),
                    507);
    cJSON_Delete(f);
    cJSON_Delete(g);
    /* the form upload of POST /files too, through libcivis */
    civis_client *client = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    civis_client_options o = {.api_key = "quota2", .base_url = mp.base_url, .bundled_spec = true};
    ASSERT_CIVIS_OK(civis_client_new(&client, &o, &err), err);
    static char data[100000];
    memset(data, 'x', sizeof(data));
    long long id = 0;
    civis_file_options fo = {.no_retry_wait = true, .max_attempts = 1};
    CU_ASSERT_EQUAL(civis_buffer_to_civis(&id, client, data, sizeof(data), "d.txt", &fo, &err),
                    CIVIS_EHTTP);
    CU_ASSERT_EQUAL(err.http_status, 507);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "--state-max-bytes"));
    err = (civis_error)CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_buffer_to_civis(&id, client, data, 10000, "d.txt", &fo, &err), err);
    civis_client_free(client);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
}

static CU_TestInfo tests[] = {
    {"1: storage token not predictable, not transferable",
     test_harden__storage_token_is_not_predictable},
    {"3: a delay of one key does not stall another",
     test_harden__delay_of_one_key_does_not_stall_another},
    {"3: stop during a delay answers it", test_harden__stop_during_a_delay_answers_it},
    {"6: no key in clear", test_harden__no_key_in_clear},
    {"7: absurd numbers are refused, not cast", test_harden__absurd_numbers_are_refused_not_cast},
    {"9: --log escapes control bytes", test_harden__log_escapes_control_bytes},
    {"9: uploads count against --state-max-bytes",
     test_harden__storage_uploads_count_against_state_max_bytes},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_harden, tests, NULL, NULL)
