/*
 * test_civismock_sim_files.c: simulated files. POST /files hands out a
 * presigned-POST lookalike pointing at civis-mock's own storage; the
 * multipart form (key first, file last) stores the bytes; GET /files/{id}
 * then has fileUrl and fileSize, and the download needs no auth.
 * Multipart uploads join their parts in order and name a missing one. A
 * 100 MB multipart round trip checks the bytes by crc32 and the server's
 * memory by VmRSS: bodies stream to disk past --state-mem-limit and past
 * --max-body. Test data comes from a PRNG, chunk by chunk.
 */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "mockproc.h"
#include "simtest.h"
#include "test.h"

static civis_mockproc mp;

static int suite_init(void)
{
    return civis_mockproc_start(&mp, NULL) == 0 ? 0 : 1;
}

static int suite_cleanup(void)
{
    return civis_mockproc_stop(&mp) == 0 ? 0 : 1;
}

#define num civis_simtest_num
#define str civis_simtest_str

#define MB (1024ull * 1024ull)

/* ---- the presigned POST --------------------------------------------------------- */

typedef struct gen {
    uint64_t seed, size, pos;
} gen;

static size_t gen_read(char *buf, size_t size, size_t n, void *arg)
{
    gen *g = arg;
    size_t want = size * n;
    if (want > g->size - g->pos)
        want = (size_t)(g->size - g->pos);
    civis_simtest_bytes(g->seed, g->pos, (unsigned char *)buf, want);
    g->pos += want;
    return want;
}

static int gen_seek(void *arg, curl_off_t offset, int origin)
{
    gen *g = arg;
    if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > g->size)
        return CURL_SEEKFUNC_FAIL;
    g->pos = (uint64_t)offset;
    return CURL_SEEKFUNC_OK;
}

/*
 * Posts the form the official client sends: `key` first, the other
 * uploadFields next, `file` last, every value a part. `size` bytes of the
 * seed's stream go in as the file (generated while sending). `extra` is one
 * more "name=value" field, or NULL; `with_file` false leaves the file out.
 * Returns the status; *body (may be NULL) the answer.
 */
static long post_form_data(const char *url, const cJSON *fields, const char *data, uint64_t seed,
                           uint64_t size, const char *extra, bool with_file, char **body)
{
    CURL *c = curl_easy_init();
    curl_mime *mime = curl_mime_init(c);
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(fields, "key");
    if (cJSON_IsString(key)) {
        curl_mimepart *p = curl_mime_addpart(mime);
        curl_mime_name(p, "key");
        curl_mime_data(p, key->valuestring, CURL_ZERO_TERMINATED);
    }
    for (const cJSON *f = fields ? fields->child : NULL; f != NULL; f = f->next) {
        if (strcmp(f->string, "key") == 0 || !cJSON_IsString(f))
            continue;
        curl_mimepart *p = curl_mime_addpart(mime);
        curl_mime_name(p, f->string);
        curl_mime_data(p, f->valuestring, CURL_ZERO_TERMINATED);
    }
    if (extra != NULL) {
        char name[64];
        const char *eq = strchr(extra, '=');
        snprintf(name, sizeof(name), "%.*s", (int)(eq - extra), extra);
        curl_mimepart *p = curl_mime_addpart(mime);
        curl_mime_name(p, name);
        curl_mime_data(p, eq + 1, CURL_ZERO_TERMINATED);
    }
    gen g = {seed, size, 0};
    if (with_file) {
        curl_mimepart *p = curl_mime_addpart(mime);
        curl_mime_name(p, "file");
        curl_mime_filename(p, "data.bin");
        curl_mime_type(p, "application/octet-stream");
        if (data != NULL)
            curl_mime_data(p, data, (size_t)size);
        else
            curl_mime_data_cb(p, (curl_off_t)size, gen_read, gen_seek, NULL, &g);
    }
    struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
    char *resp = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&resp, &len);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 300000L);
    curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, mem);
    long st = 0;
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
    fclose(mem);
    if (body != NULL)
        *body = resp;
    else
        free(resp);
    curl_slist_free_all(hl);
    curl_mime_free(mime);
    curl_easy_cleanup(c);
    return st;
}

static long post_form(const char *url, const cJSON *fields, uint64_t seed, uint64_t size,
                      const char *extra, bool with_file, char **body)
{
    return post_form_data(url, fields, NULL, seed, size, extra, with_file, body);
}

static long new_file(const civis_mockproc *m, const char *key, const char *name, cJSON **out)
{
    char body[128];
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
    long st = 0;
    long id = civis_simtest_post(out, &st, m, key, "/files", body);
    CU_ASSERT_EQUAL(st, 201);
    return id;
}

static void test_files__single_upload_then_download_without_auth(void)
{
    cJSON *f = NULL;
    long id = new_file(&mp, "up", "data.bin", &f);
    CU_ASSERT_FATAL(id > 0);
    char prefix[96];
    snprintf(prefix, sizeof(prefix), "http://127.0.0.1:%d/__storage/upload/", mp.port);
    const char *url = str(f, "uploadUrl");
    CU_ASSERT_FATAL(url != NULL);
    CU_ASSERT_EQUAL(strncmp(url, prefix, strlen(prefix)), 0);
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(f, "uploadFields");
    CU_ASSERT_PTR_NOT_NULL(str(fields, "key"));

    /* before the upload: no fileUrl */
    char item[64];
    snprintf(item, sizeof(item), "/files/%ld", id);
    cJSON *g = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&g, &mp, "GET", item, "up", NULL), 200);
    CU_ASSERT(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(g, "fileUrl")));
    cJSON_Delete(g);

    const uint64_t size = 3 * MB + 17;
    CU_ASSERT_EQUAL(post_form(url, fields, 42, size, NULL, true, NULL), 204);
    CU_ASSERT_EQUAL(civis_mockproc_json(&g, &mp, "GET", item, "up", NULL), 200);
    CU_ASSERT_EQUAL((uint64_t)num(g, "fileSize"), size);
    const char *file_url = str(g, "fileUrl");
    CU_ASSERT_FATAL(file_url != NULL);
    uint64_t got = 0;
    unsigned long crc = 0;
    CU_ASSERT_EQUAL(civis_simtest_download_crc(file_url, &got, &crc), 200);
    CU_ASSERT_EQUAL(got, size);
    CU_ASSERT_EQUAL(crc, civis_simtest_crc(42, 0, size));
    /* another key cannot see the file, but the address itself needs no key */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "GET", item, "someone-else", NULL), 404);
    cJSON_Delete(g);

    /* success_action_status 201 gets a 201 with the key */
    char *resp = NULL;
    CU_ASSERT_EQUAL(post_form(url, fields, 43, 10, "success_action_status=201", true, &resp), 201);
    CU_ASSERT(resp != NULL && strstr(resp, "<Key>") != NULL);
    free(resp);
    cJSON_Delete(f);
}

static void test_files__bad_uploads_are_refused(void)
{
    cJSON *f = NULL;
    long id = new_file(&mp, "bad", "x", &f);
    CU_ASSERT_FATAL(id > 0);
    const char *url = str(f, "uploadUrl");
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(f, "uploadFields");
    char *resp = NULL;
    /* no file part */
    CU_ASSERT_EQUAL(post_form(url, fields, 1, 0, NULL, false, &resp), 400);
    CU_ASSERT(resp != NULL && strstr(resp, "exactly one file") != NULL);
    free(resp);
    /* a key that does not match the address */
    cJSON *wrong = cJSON_Duplicate(fields, true);
    cJSON_ReplaceItemInObjectCaseSensitive(wrong, "key", cJSON_CreateString("0.1.ffff"));
    CU_ASSERT_EQUAL(post_form(url, wrong, 1, 5, NULL, true, NULL), 400);
    cJSON_Delete(wrong);
    /* an address nobody handed out */
    char bogus[160];
    snprintf(bogus, sizeof(bogus), "http://127.0.0.1:%d/__storage/upload/0.%ld.0123456789abcdef",
             mp.port, id);
    CU_ASSERT_EQUAL(post_form(bogus, fields, 1, 5, NULL, true, NULL), 404);
    /* nothing uploaded yet: the download address is a 404; GET on upload a 405 */
    char down[256];
    const char *tail = strstr(url, "/upload/");
    snprintf(down, sizeof(down), "%.*s/download/%s", (int)(tail - url), url, tail + 8);
    char *b = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL(civis_simtest_get_url(&b, &len, down), 404);
    free(b);
    CU_ASSERT_EQUAL(civis_simtest_get_url(&b, &len, url), 405);
    free(b);
    cJSON_Delete(f);
}

/* ---- multipart -------------------------------------------------------------------- */

static cJSON *new_multipart(const civis_mockproc *m, const char *key, int parts, long *id)
{
    char body[96];
    snprintf(body, sizeof(body), "{\"name\":\"big.bin\",\"num_parts\":%d}", parts);
    cJSON *f = NULL;
    long st = 0;
    *id = civis_simtest_post(&f, &st, m, key, "/files/multipart", body);
    CU_ASSERT_EQUAL(st, 201);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(f, "uploadUrls")), parts);
    return f;
}

static const char *part_url(const cJSON *f, int i)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(f, "uploadUrls"), i)->valuestring;
}

static void test_files__multipart_joins_parts_in_order_and_names_a_missing_one(void)
{
    long id = 0;
    cJSON *f = new_multipart(&mp, "mp", 3, &id);
    CU_ASSERT_FATAL(id > 0);
    const uint64_t sizes[3] = {1000, 2 * MB, 333};
    uint64_t offs[3] = {0, 1000, 1000 + 2 * MB};
    unsigned long crc = 0;
    /* out of order, and part 2 not yet */
    CU_ASSERT_EQUAL(civis_simtest_put_stream(part_url(f, 2), "PUT", 7, offs[2], sizes[2], &crc),
                    200);
    CU_ASSERT_EQUAL(civis_simtest_put_stream(part_url(f, 0), "PUT", 7, offs[0], sizes[0], &crc),
                    200);
    char complete[96];
    snprintf(complete, sizeof(complete), "/files/multipart/%ld/complete", id);
    cJSON *e = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&e, &mp, "POST", complete, "mp", NULL), 400);
    CU_ASSERT_PTR_NOT_NULL(strstr(str(e, "errorDescription"), "Part 2 of 3"));
    cJSON_Delete(e);
    CU_ASSERT_EQUAL(civis_simtest_put_stream(part_url(f, 1), "PUT", 7, offs[1], sizes[1], &crc),
                    200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", complete, "mp", NULL), 204);
    /* parts are closed once complete */
    CU_ASSERT_EQUAL(civis_simtest_put_stream(part_url(f, 1), "PUT", 7, 0, 10, &crc), 404);

    char item[64];
    snprintf(item, sizeof(item), "/files/%ld", id);
    cJSON *g = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&g, &mp, "GET", item, "mp", NULL), 200);
    uint64_t total = sizes[0] + sizes[1] + sizes[2];
    CU_ASSERT_EQUAL((uint64_t)num(g, "fileSize"), total);
    uint64_t got = 0;
    CU_ASSERT_EQUAL(civis_simtest_download_crc(str(g, "fileUrl"), &got, &crc), 200);
    CU_ASSERT_EQUAL(got, total);
    CU_ASSERT_EQUAL(crc, civis_simtest_crc(7, 0, total));
    cJSON_Delete(g);
    cJSON_Delete(f);
    /* numParts out of range */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/files/multipart", "mp",
                                        "{\"name\":\"x\",\"num_parts\":0}"),
                    400);
}

/* 100 MB in four streamed parts through a server that keeps 8 MB of a file
 * in memory and accepts 1 MB API bodies: the bytes go to disk, the server's
 * resident memory stays far below the file's size. */
static void test_files__100mb_multipart_round_trip_under_a_memory_cap(void)
{
    civis_mockproc big;
    const char *args[] = {"--state-mem-limit", "8M", "--max-body", "1M", NULL};
    CU_ASSERT_EQUAL_FATAL(civis_mockproc_start(&big, args), 0);
    /* memcheck (of the server or of this binary) runs everything ~50x slower:
     * a smaller file makes the same point */
    const char *vg = getenv("CIVIS_UNDER_VALGRIND");
    const bool slow = big.valgrind || (vg != NULL && strcmp(vg, "1") == 0);
    const uint64_t total = slow ? 12 * MB : 100 * MB;
    const int parts = 4;
    long id = 0;
    cJSON *f = new_multipart(&big, "big", parts, &id);
    CU_ASSERT_FATAL(id > 0);
    uint64_t part = total / parts;
    for (int i = 0; i < parts; i++) {
        unsigned long crc = 0;
        uint64_t size = i == parts - 1 ? total - part * (uint64_t)(parts - 1) : part;
        CU_ASSERT_EQUAL(
            civis_simtest_put_stream(part_url(f, i), "PUT", 99, part * (uint64_t)i, size, &crc),
            200);
        CU_ASSERT_EQUAL(crc, civis_simtest_crc(99, part * (uint64_t)i, size));
    }
    char complete[96];
    snprintf(complete, sizeof(complete), "/files/multipart/%ld/complete", id);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &big, "POST", complete, "big", NULL), 204);
    long rss_kb = civis_simtest_proc_kb((long)big.pid, "VmRSS");

    char item[64];
    snprintf(item, sizeof(item), "/files/%ld", id);
    cJSON *g = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&g, &big, "GET", item, "big", NULL), 200);
    CU_ASSERT_EQUAL((uint64_t)num(g, "fileSize"), total);
    uint64_t got = 0;
    unsigned long crc = 0;
    CU_ASSERT_EQUAL(civis_simtest_download_crc(str(g, "fileUrl"), &got, &crc), 200);
    CU_ASSERT_EQUAL(got, total);
    CU_ASSERT_EQUAL(crc, civis_simtest_crc(99, 0, total));
    cJSON_Delete(g);
    cJSON_Delete(f);

    /* a single presigned POST far above --max-body streams as well */
    cJSON *one = NULL;
    long sid = new_file(&big, "big", "single.bin", &one);
    uint64_t single = slow ? 3 * MB : 24 * MB;
    CU_ASSERT_EQUAL(post_form(str(one, "uploadUrl"),
                              cJSON_GetObjectItemCaseSensitive(one, "uploadFields"), 5, single,
                              NULL, true, NULL),
                    204);
    snprintf(item, sizeof(item), "/files/%ld", sid);
    CU_ASSERT_EQUAL(civis_mockproc_json(&g, &big, "GET", item, "big", NULL), 200);
    CU_ASSERT_EQUAL(civis_simtest_download_crc(str(g, "fileUrl"), &got, &crc), 200);
    CU_ASSERT_EQUAL(got, single);
    CU_ASSERT_EQUAL(crc, civis_simtest_crc(5, 0, single));
    cJSON_Delete(g);
    cJSON_Delete(one);
    long hwm_kb = civis_simtest_proc_kb((long)big.pid, "VmHWM");

    if (!big.valgrind) {
#if defined(__SANITIZE_ADDRESS__)
        const long cap_kb = 200 * 1024; /* shadow memory and the allocator's quarantine */
#else
        const long cap_kb = 48 * 1024; /* "well under" the 100 MB that went through */
#endif
        if (rss_kb < 0 || rss_kb > cap_kb || hwm_kb > cap_kb)
            fprintf(stderr, "\n  server VmRSS %ld kB, VmHWM %ld kB (cap %ld kB)\n", rss_kb, hwm_kb,
                    cap_kb);
        CU_ASSERT(rss_kb > 0 && rss_kb < cap_kb);
        CU_ASSERT(hwm_kb > 0 && hwm_kb < cap_kb);
    }
    CU_ASSERT_EQUAL(civis_mockproc_stop(&big), 0);
}

static void test_files__storage_requests_are_journaled(void)
{
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/__mock/reset", NULL, NULL), 200);
    cJSON *f = NULL;
    new_file(&mp, "j", "j.txt", &f);
    CU_ASSERT_EQUAL(post_form(str(f, "uploadUrl"),
                              cJSON_GetObjectItemCaseSensitive(f, "uploadFields"), 3, 100, NULL,
                              true, NULL),
                    204);
    cJSON_Delete(f);
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(
        civis_mockproc_json(&j, &mp, "GET", "/__mock/journal?source=storage", NULL, NULL), 200);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 1);
    const cJSON *e = cJSON_GetArrayItem(j, 0);
    CU_ASSERT_STRING_EQUAL(str(e, "method"), "POST");
    CU_ASSERT_EQUAL(num(e, "status"), 204);
    cJSON_Delete(j);
}

/* Uploads `data` as a new file of key "pre"; returns its id. */
static long upload(const char *name, const char *data, size_t len)
{
    cJSON *f = NULL;
    long id = new_file(&mp, "pre", name, &f);
    CU_ASSERT_EQUAL(post_form_data(str(f, "uploadUrl"),
                                   cJSON_GetObjectItemCaseSensitive(f, "uploadFields"), data, 0,
                                   len, NULL, true, NULL),
                    204);
    cJSON_Delete(f);
    return id;
}

/* Runs a preprocess job on `file` and returns the cleaned File (owned). */
static cJSON *preprocess(long file, bool in_place, long *out_id)
{
    char body[256], p[96];
    snprintf(body, sizeof(body),
             "{\"file_id\":%ld,\"in_place\":%s,\"detect_table_columns\":true,"
             "\"force_character_set_conversion\":true,\"include_header\":true,"
             "\"column_delimiter\":\"comma\",\"hidden\":true}",
             file, in_place ? "true" : "false");
    long job = civis_simtest_post(NULL, NULL, &mp, "pre", "/files/preprocess/csv", body);
    snprintf(p, sizeof(p), "/jobs/%ld/runs", job);
    long run = civis_simtest_post(NULL, NULL, &mp, "pre", p, NULL);
    snprintf(p, sizeof(p), "/jobs/%ld/runs/%ld", job, run);
    cJSON *r = NULL;
    civis_mockproc_json(&r, &mp, "GET", p, "pre", NULL);
    CU_ASSERT_STRING_EQUAL(str(r, "state"), "succeeded");
    cJSON_Delete(r);
    snprintf(p, sizeof(p), "/jobs/%ld/runs/%ld/outputs", job, run);
    cJSON *outs = NULL;
    civis_mockproc_json(&outs, &mp, "GET", p, "pre", NULL);
    const cJSON *o = cJSON_GetArrayItem(outs, 0);
    CU_ASSERT_STRING_EQUAL(str(o, "objectType"), "File");
    *out_id = (long)num(o, "objectId");
    cJSON_Delete(outs);
    snprintf(p, sizeof(p), "/files/%ld", *out_id);
    cJSON *f = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&f, &mp, "GET", p, "pre", NULL), 200);
    return f;
}

static void test_files__preprocess_csv_cleans_a_copy_and_detects_columns(void)
{
    const char csv[] = "id,name,score\n1,\"Smith, J\",2.5\n2,Lee,3\n";
    long src = upload("people.csv", csv, strlen(csv));
    long out = 0;
    cJSON *f = preprocess(src, false, &out);
    CU_ASSERT(out > 0 && out != src);
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(f, "detectedInfo");
    CU_ASSERT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(info, "includeHeader")));
    CU_ASSERT_STRING_EQUAL(str(info, "columnDelimiter"), "comma");
    CU_ASSERT_STRING_EQUAL(str(info, "compression"), "none");
    const cJSON *cols = cJSON_GetObjectItemCaseSensitive(info, "tableColumns");
    CU_ASSERT_EQUAL_FATAL(cJSON_GetArraySize(cols), 3);
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(cols, 1), "name"), "name");
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(cols, 0), "sqlType"), "INT");
    CU_ASSERT_STRING_EQUAL(str(cJSON_GetArrayItem(cols, 2), "sqlType"), "DOUBLE PRECISION");
    char *b = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL(civis_simtest_get_url(&b, &len, str(f, "fileUrl")), 200);
    CU_ASSERT(len == strlen(csv) && memcmp(b, csv, len) == 0);
    free(b);
    cJSON_Delete(f);

    /* in place: the output is the input */
    f = preprocess(src, true, &out);
    CU_ASSERT_EQUAL(out, src);
    cJSON_Delete(f);
}

static CU_TestInfo tests[] = {
    {"single upload, download without auth", test_files__single_upload_then_download_without_auth},
    {"bad uploads", test_files__bad_uploads_are_refused},
    {"multipart order and missing part",
     test_files__multipart_joins_parts_in_order_and_names_a_missing_one},
    {"100 MB multipart under a memory cap",
     test_files__100mb_multipart_round_trip_under_a_memory_cap},
    {"storage in the journal", test_files__storage_requests_are_journaled},
    {"preprocess csv", test_files__preprocess_csv_cleans_a_copy_and_detects_columns},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_sim_files, tests, suite_init, suite_cleanup)
