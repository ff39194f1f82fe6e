/*
 * test_civismock_sim_scale.c: the simulation's state as it grows: the per-key
 * byte budget (--state-max-bytes) and its 507, memory given back by a
 * reset, and list orders and pages kept by the index over many objects
 * and updates.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "mockproc.h"
#include "simtest.h"
#include "test.h"

#define BIG 65536 /* bytes of description in a large project */

/* Starts civis-mock on the full spec (where /projects lives) with `extra`
 * arguments (up to 4); false (and a SKIP line) without the full spec. */
static bool start_full(civis_mockproc *m, const char *who, const char *a, const char *b)
{
    const char *path = civis_test_full_spec(who);
    if (path == NULL)
        return false;
    const char *args[] = {"--spec", path, a, b, NULL};
    return civis_mockproc_start(m, args) == 0;
}

/* {"name": NAME, "description": <len x's>} (malloc'd). */
static char *project_body(const char *name, size_t len)
{
    char *b = malloc(len + 128);
    if (b == NULL)
        return NULL;
    int n = snprintf(b, 128, "{\"name\":\"%s\",\"description\":\"", name);
    memset(b + n, 'x', len);
    snprintf(b + n + len, 64, "\"}");
    return b;
}

static void test_scale__byte_budget_answers_507_naming_it(void)
{
    civis_mockproc sm;
    if (!start_full(&sm, "mock_sim_scale byte budget", "--state-max-bytes", "1M"))
        return;
    char *body = project_body("big", BIG);
    CU_ASSERT_FATAL(body != NULL);
    int made = 0;
    long status = 0;
    cJSON *out = NULL;
    for (int i = 0; i < 40; i++) {
        cJSON_Delete(out);
        out = NULL;
        if (civis_simtest_post(&out, &status, &sm, "full", "/projects", body) < 0)
            break;
        made++;
    }
    /* An object costs about its JSON size: 1 MB holds most of sixteen
     * 64 KB projects, never more. */
    CU_ASSERT(made >= 12 && made <= 16);
    CU_ASSERT_EQUAL(status, 507);
    const char *why = civis_simtest_str(out, "errorDescription");
    CU_ASSERT_PTR_NOT_NULL(why);
    CU_ASSERT_PTR_NOT_NULL(why ? strstr(why, "--state-max-bytes") : NULL);
    CU_ASSERT_PTR_NOT_NULL(why ? strstr(why, "1048576 bytes") : NULL);
    CU_ASSERT_STRING_EQUAL(civis_simtest_str(out, "error"), "insufficient_storage");
    cJSON_Delete(out);
    /* what is stored still reads; another key has its own budget */
    cJSON *got = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&got, &sm, "GET", "/projects/1", "full", NULL), 200);
    const char *desc = civis_simtest_str(got, "description");
    CU_ASSERT(desc != NULL && strlen(desc) == BIG);
    cJSON_Delete(got);
    CU_ASSERT(civis_simtest_post(NULL, NULL, &sm, "other", "/projects", body) > 0);
    /* a reset gives the whole budget back */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &sm, "POST", "/__mock/reset", NULL, NULL), 200);
    int again = 0;
    while (again < 40 && civis_simtest_post(NULL, NULL, &sm, "full", "/projects", body) > 0)
        again++;
    CU_ASSERT_EQUAL(again, made);
    free(body);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&sm), 0);
}

static void test_scale__bad_byte_budget_flag_is_refused(void)
{
    char *err_text = NULL;
    const char *args[] = {"--state-max-bytes", "lots", NULL};
    int rc = civis_mockproc_run(args, NULL, NULL, &err_text);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(err_text ? strstr(err_text, "--state-max-bytes") : NULL);
    free(err_text);
}

static void test_scale__reset_gives_memory_back(void)
{
    civis_mockproc sm;
    if (!start_full(&sm, "mock_sim_scale reset", NULL, NULL))
        return;
    if (sm.valgrind || getenv("CIVIS_SANITIZED") != NULL) {
        /* memcheck's own heap hides the server's, and AddressSanitizer's
         * quarantine keeps freed memory: RSS says nothing under either */
        civis_test_skip("RSS after reset under %s", sm.valgrind ? "valgrind" : "sanitizers");
        CU_ASSERT_EQUAL(civis_mockproc_stop(&sm), 0);
        return;
    }
    char *body = project_body("p", BIG);
    CU_ASSERT_FATAL(body != NULL);
    /* a warm server: spec loaded, every thread has answered */
    for (int i = 0; i < 8; i++)
        civis_mockproc_json(NULL, &sm, "GET", "/projects", "warm", NULL);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &sm, "POST", "/__mock/reset", NULL, NULL), 200);
    long start = civis_simtest_proc_kb((long)sm.pid, "VmRSS");
    /* about 40 MB over 8 keys */
    for (int k = 0; k < 8; k++) {
        char key[16];
        snprintf(key, sizeof(key), "key%d", k);
        for (int i = 0; i < 80; i++)
            CU_ASSERT(civis_simtest_post(NULL, NULL, &sm, key, "/projects", body) > 0);
    }
    long full = civis_simtest_proc_kb((long)sm.pid, "VmRSS");
    CU_ASSERT(full > start + 20 * 1024);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &sm, "POST", "/__mock/reset", NULL, NULL), 200);
    long after = civis_simtest_proc_kb((long)sm.pid, "VmRSS");
    if (after > start * 12 / 10)
        fprintf(stderr, "\n  RSS %ld kB at start, %ld kB full, %ld kB after reset\n", start, full,
                after);
    CU_ASSERT(start > 0 && after <= start * 12 / 10);
    free(body);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&sm), 0);
}

/* ---- orders over many objects ------------------------------------------------ */

#define MANY 240

typedef struct expect {
    long id;
    char name[32];
} expect;

static int by_name(const void *a, const void *b)
{
    const expect *x = a, *y = b;
    int c = strcasecmp(x->name, y->name);
    return c != 0 ? c : (x->id > y->id) - (x->id < y->id);
}

/* Every page of `query` concatenated: the ids in order; checks the
 * pagination headers on the way. */
static size_t walk_pages(long *ids, size_t cap, const civis_mockproc *m, const char *query,
                         long total)
{
    size_t n = 0;
    for (int page = 1; page <= 100; page++) {
        char path[256];
        snprintf(path, sizeof(path), "/projects?%s&limit=25&page_num=%d", query, page);
        civis_http_reply r;
        civis_mockproc_call(&r, m, "GET", path, "many", NULL);
        CU_ASSERT_EQUAL(r.status, 200);
        const char *te = civis_http_reply_header(&r, "X-Pagination-Total-Entries");
        const char *tp = civis_http_reply_header(&r, "X-Pagination-Total-Pages");
        CU_ASSERT(te != NULL && strtol(te, NULL, 10) == total);
        CU_ASSERT(tp != NULL && strtol(tp, NULL, 10) == (total + 24) / 25);
        cJSON *arr = civis_http_reply_json(&r);
        civis_http_reply_clear(&r);
        int size = cJSON_GetArraySize(arr);
        for (const cJSON *x = arr ? arr->child : NULL; x != NULL && n < cap; x = x->next)
            ids[n++] = (long)civis_simtest_num(x, "id");
        cJSON_Delete(arr);
        if (size == 0)
            break;
        CU_ASSERT(size == 25 || (long)n == total);
    }
    return n;
}

static void test_scale__orders_and_pages_hold_over_many_objects(void)
{
    civis_mockproc sm;
    if (!start_full(&sm, "mock_sim_scale orders", NULL, NULL))
        return;
    expect *e = calloc(MANY, sizeof(*e));
    long *ids = calloc(MANY + 10, sizeof(*ids));
    CU_ASSERT_FATAL(e != NULL && ids != NULL);
    uint64_t x = 12345;
    for (int i = 0; i < MANY; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        /* names repeat and differ in case, so ties fall to the id */
        snprintf(e[i].name, sizeof(e[i].name), "%c%s-%u", (x >> 40) & 1 ? 'P' : 'p',
                 (x >> 41) & 1 ? "roj" : "ROJ", (unsigned)((x >> 33) % 60));
        char body[96];
        snprintf(body, sizeof(body), "{\"name\":\"%s\",\"description\":\"d\",\"auto_share\":%s}",
                 e[i].name, i % 3 == 0 ? "true" : "false");
        e[i].id = civis_simtest_post(NULL, NULL, &sm, "many", "/projects", body);
        CU_ASSERT_FATAL(e[i].id > 0);
    }
    /* archive one: it leaves the default lists and their totals */
    char apath[64];
    snprintf(apath, sizeof(apath), "/projects/%ld", e[10].id);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &sm, "DELETE", apath, "many", NULL), 204);
    /* a filter on a stored field (autoShare): one in three, with the archived one left out */
    long thirds = 0;
    for (int i = 0; i < MANY; i++)
        thirds += i % 3 == 0 && i != 10;
    size_t n = walk_pages(ids, MANY + 10, &sm, "order=id&auto_share=true", thirds);
    CU_ASSERT_EQUAL((long)n, thirds);
    /* rename a few (PUT): they move to their new place by name and to the end by update */
    const int renamed[] = {5, 77, 151};
    for (size_t k = 0; k < 3; k++) {
        int i = renamed[k];
        snprintf(e[i].name, sizeof(e[i].name), "renamed-%zu", k);
        char path[64], body[96];
        snprintf(path, sizeof(path), "/projects/%ld", e[i].id);
        snprintf(body, sizeof(body), "{\"name\":\"%s\",\"description\":\"d\"}", e[i].name);
        /* a millisecond apart, so that updatedAt orders them */
        struct timespec ms = {0, 3 * 1000 * 1000};
        nanosleep(&ms, NULL);
        CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &sm, "PUT", path, "many", body), 200);
    }
    expect *live = calloc(MANY, sizeof(*live));
    size_t n_live = 0;
    for (int i = 0; i < MANY; i++)
        if (i != 10)
            live[n_live++] = e[i];

    /* default: newest first */
    n = walk_pages(ids, MANY + 10, &sm, "order=id", (long)n_live);
    CU_ASSERT_EQUAL(n, n_live);
    for (size_t i = 0; i < n && i < n_live; i++)
        CU_ASSERT_EQUAL(ids[i], live[n_live - 1 - i].id);
    /* by name, ascending (case-insensitive, ties by id) */
    qsort(live, n_live, sizeof(*live), by_name);
    n = walk_pages(ids, MANY + 10, &sm, "order=name&order_dir=asc", (long)n_live);
    CU_ASSERT_EQUAL(n, n_live);
    size_t bad = 0;
    for (size_t i = 0; i < n && i < n_live; i++)
        bad += ids[i] != live[i].id;
    CU_ASSERT_EQUAL(bad, 0);
    /* by update, newest first: the renamed ones lead, latest first */
    n = walk_pages(ids, MANY + 10, &sm, "order=updated_at&order_dir=desc", (long)n_live);
    CU_ASSERT_EQUAL(n, n_live);
    CU_ASSERT_EQUAL(ids[0], e[151].id);
    CU_ASSERT_EQUAL(ids[1], e[77].id);
    CU_ASSERT_EQUAL(ids[2], e[5].id);
    /* archived=true shows just the archived one */
    n = walk_pages(ids, MANY + 10, &sm, "archived=true", 1);
    CU_ASSERT(n == 1 && ids[0] == e[10].id);
    free(live);
    free(ids);
    free(e);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&sm), 0);
}

/* A container script with `n` params; `snake` spells one key snake_case. */
static char *container_body(int n, bool snake)
{
    size_t cap = (size_t)n * 200 + 512;
    char *b = malloc(cap);
    if (b == NULL)
        return NULL;
    size_t o = (size_t)snprintf(b, cap,
                                "{\"name\":\"c\",\"docker_image_name\":\"img\","
                                "\"docker_command\":\"run\",\"required_resources\":"
                                "{\"cpu\":1,\"memory\":2},\"params\":[");
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(
            b + o, cap - o,
            "%s{\"name\":\"p%d\",\"type\":\"string\",\"%s\":[{\"label\":\"A\",\"value\":\"a\"}]}",
            i ? "," : "", i, snake && i == n - 1 ? "allowed_values" : "allowedValues");
    snprintf(b + o, cap - o, "]}");
    return b;
}

/* Large fields are stored as text: they read back the same, and a
 * snake_case key inside still comes back under its wire name. */
static void test_scale__large_fields_read_back_as_sent(void)
{
    civis_mockproc sm;
    if (!start_full(&sm, "mock_sim_scale large fields", NULL, NULL))
        return;
    for (int snake = 0; snake < 2; snake++) {
        char *body = container_body(300, snake);
        CU_ASSERT_FATAL(body != NULL);
        long id = civis_simtest_post(NULL, NULL, &sm, "big", "/scripts/containers", body);
        CU_ASSERT_FATAL(id > 0);
        char path[64];
        snprintf(path, sizeof(path), "/scripts/containers/%ld", id);
        cJSON *got = NULL;
        CU_ASSERT_EQUAL(civis_mockproc_json(&got, &sm, "GET", path, "big", NULL), 200);
        const cJSON *params = cJSON_GetObjectItemCaseSensitive(got, "params");
        CU_ASSERT_EQUAL(cJSON_GetArraySize(params), 300);
        int good = 0;
        int i = 0;
        for (const cJSON *p = params ? params->child : NULL; p != NULL; p = p->next, i++) {
            char want[16];
            snprintf(want, sizeof(want), "p%d", i);
            const cJSON *av = cJSON_GetObjectItemCaseSensitive(p, "allowedValues");
            good += strcmp(civis_simtest_str(p, "name") ? civis_simtest_str(p, "name") : "",
                           want) == 0 &&
                    cJSON_GetArraySize(av) == 1 &&
                    cJSON_GetObjectItemCaseSensitive(p, "allowed_values") == NULL;
        }
        CU_ASSERT_EQUAL(good, 300);
        cJSON_Delete(got);
        free(body);
    }
    CU_ASSERT_EQUAL(civis_mockproc_stop(&sm), 0);
}

/* `arguments` of n members, spread over lines, with escapes a printer
 * would rewrite (\u00e9, \/), or with a number JSON does not allow
 * (`lenient`: cJSON reads 01 as 1). Malloc'd. */
static char *spaced_body(int n, bool lenient)
{
    size_t cap = (size_t)n * 64 + 256;
    char *b = malloc(cap);
    if (b == NULL)
        return NULL;
    size_t o = (size_t)snprintf(b, cap,
                                "{\"name\": \"s\", \"docker_image_name\": \"img\",\n"
                                " \"docker_command\": \"run\",\n"
                                " \"required_resources\": {\"cpu\": 1, \"memory\": 2},\n"
                                " \"arguments\": {\n");
    for (int i = 0; i < n; i++)
        o += (size_t)snprintf(b + o, cap - o, "%s  \"k%d\" : \"caf\\u00e9 a\\/b %d\"",
                              i ? ",\n" : "", i, i);
    snprintf(b + o, cap - o, ",\n  \"n\": %s\n }\n}", lenient ? "01" : "[1, 2.5e3, -0]");
    return b;
}

/* A large member is kept as the bytes it was sent in, whitespace between
 * tokens aside (not printed again from the parsed body); one outside
 * strict JSON is printed instead, so every answer stays JSON. */
static void test_scale__large_fields_keep_their_bytes(void)
{
    civis_mockproc sm;
    if (!start_full(&sm, "mock_sim_scale bytes kept", NULL, NULL))
        return;
    for (int lenient = 0; lenient < 2; lenient++) {
        char *body = spaced_body(400, lenient);
        CU_ASSERT_FATAL(body != NULL);
        civis_http_reply r;
        CU_ASSERT_FATAL(
            civis_mockproc_call(&r, &sm, "POST", "/scripts/containers", "bytes", body) == 0);
        cJSON *created = civis_http_reply_json(&r);
        civis_http_reply_clear(&r);
        if (lenient && created == NULL) {
            /* refused before it was stored: nothing more to see */
            free(body);
            continue;
        }
        long id = (long)civis_simtest_num(created, "id");
        CU_ASSERT_FATAL(id > 0);
        char path[64];
        snprintf(path, sizeof(path), "/scripts/containers/%ld", id);
        CU_ASSERT_FATAL(civis_mockproc_call(&r, &sm, "GET", path, "bytes", NULL) == 0);
        CU_ASSERT_EQUAL(r.status, 200);
        cJSON *got = civis_http_reply_json(&r);
        CU_ASSERT_FATAL(got != NULL);
        const cJSON *args = cJSON_GetObjectItemCaseSensitive(got, "arguments");
        CU_ASSERT_EQUAL(cJSON_GetArraySize(args), 401);
        CU_ASSERT_STRING_EQUAL(civis_simtest_str(args, "k399"), "caf\xc3\xa9 a/b 399");
        if (!lenient) {
            /* the escapes as sent, the whitespace between tokens gone */
            CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"k7\":\"caf\\u00e9 a\\/b 7\""));
            CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "\"n\":[1,2.5e3,-0]"));
        } else {
            CU_ASSERT_EQUAL(civis_simtest_num(args, "n"), 1);
        }
        civis_http_reply_clear(&r);
        cJSON_Delete(got);
        cJSON_Delete(created);
        free(body);
    }
    CU_ASSERT_EQUAL(civis_mockproc_stop(&sm), 0);
}

static CU_TestInfo tests[] = {
    {"large fields read back as sent", test_scale__large_fields_read_back_as_sent},
    {"large fields keep their bytes", test_scale__large_fields_keep_their_bytes},
    {"byte budget: 507 naming it", test_scale__byte_budget_answers_507_naming_it},
    {"bad --state-max-bytes", test_scale__bad_byte_budget_flag_is_refused},
    {"reset gives memory back", test_scale__reset_gives_memory_back},
    {"orders and pages over many objects", test_scale__orders_and_pages_hold_over_many_objects},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_sim_scale, tests, NULL, NULL)
