/*
 * test_civismock_record.c: record and replay. A second civis-mock with its
 * simulation (runs that take two polls) stands in for the live API; a
 * civis-mock with --record-from records a session through it: auth, a
 * validation error, a container run polled to success, pagination to the
 * end, a file upload and download (libcivis), and a SQL export whose output
 * is downloaded. The upstream is stopped and the same session replays from
 * the cassette with --record-mode none: every answer equal (the address of
 * the server and the redacted upload-form values aside), files byte-exact.
 * The cassette holds no API key, no Basic-auth form of it, no presigned
 * signature; it loads with --fixtures and in the in-process mock. Then each
 * record mode, --redact and --fail-on-unmatched on a smaller scenario.
 */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "civis/files.h"
#include "civis/mock.h"
#include "mockproc.h"
#include "test.h"
#include "test_client_support.h"

#define KEY "rec-secret-key-7d1f2a9c"

static civis_mockproc upstream;
static bool upstream_up;
static char upstream_url[96]; /* "http://127.0.0.1:PORT/" */

static int suite_init(void)
{
    const char *args[] = {"--run-policy", "polls:2", NULL};
    upstream_up = civis_mockproc_start(&upstream, args) == 0;
    snprintf(upstream_url, sizeof(upstream_url), "%s", upstream.base_url);
    return 0;
}

static int suite_cleanup(void)
{
    return upstream_up && civis_mockproc_stop(&upstream) != 0 ? 1 : 0;
}

/* ---- temporary cassettes ---------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb; /* required by the nftw callback signature */
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void new_cassette(char *buf, size_t len)
{
    snprintf(buf, len, "/tmp/civis-record-XXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(buf));
}

/* Every file of the cassette, read whole, searched for needles. */
static const char *const *grep_needles;
static size_t grep_hits;
static char grep_where[512];

static int grep_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)ftw; /* required by the nftw callback signature */
    if (flag != FTW_F)
        return 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return 0;
    size_t n = (size_t)sb->st_size;
    char *data = malloc(n + 1);
    size_t got = data ? fread(data, 1, n, f) : 0;
    fclose(f);
    if (data == NULL)
        return 0;
    for (size_t i = 0; i < got; i++)
        if (data[i] == '\0')
            data[i] = ' '; /* binary blobs: search them as text too */
    data[got] = '\0';
    for (size_t k = 0; grep_needles[k] != NULL; k++)
        if (grep_needles[k][0] != '\0' && strstr(data, grep_needles[k]) != NULL) {
            grep_hits++;
            snprintf(grep_where, sizeof(grep_where), "'%s' in %s", grep_needles[k], path);
        }
    free(data);
    return 0;
}

/* How many files of dir hold one of the needles; `secret` prints where. */
static size_t grep_cassette(const char *dir, const char *const *needles, bool secret)
{
    grep_needles = needles;
    grep_hits = 0;
    grep_where[0] = '\0';
    nftw(dir, grep_one, 16, FTW_PHYS);
    if (secret && grep_hits > 0)
        fprintf(stderr, "\n  secret on disk: %s\n", grep_where);
    return grep_hits;
}

/* Whether dir holds a file named by 64 hex digits with exactly these bytes. */
static const char *blob_want;
static size_t blob_len;
static bool blob_found;

static int blob_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    const char *name = path + ftw->base;
    if (flag != FTW_F || strlen(name) != 64 || strspn(name, "0123456789abcdef") != 64 ||
        (size_t)sb->st_size != blob_len)
        return 0;
    FILE *f = fopen(path, "rb");
    char *data = malloc(blob_len + 1);
    size_t got = f && data ? fread(data, 1, blob_len, f) : 0;
    if (f != NULL)
        fclose(f);
    if (got == blob_len && memcmp(data, blob_want, blob_len) == 0)
        blob_found = true;
    free(data);
    return 0;
}

static bool has_blob(const char *dir, const char *bytes, size_t len)
{
    blob_want = bytes;
    blob_len = len;
    blob_found = false;
    if (bytes != NULL)
        nftw(dir, blob_one, 16, FTW_PHYS);
    return blob_found;
}

/* ---- recorder processes ------------------------------------------------------------ */

/* Starts civis-mock on the cassette with the extra flags (NULL-terminated). */
static bool start_mock(civis_mockproc *mp, const char *cassette, const char *const *extra)
{
    const char *args[24];
    size_t n = 0;
    args[n++] = "--cassette";
    args[n++] = cassette;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 22; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    return civis_mockproc_start(mp, args) == 0;
}

static bool start_recorder(civis_mockproc *mp, const char *cassette, const char *mode,
                           const char *const *extra)
{
    const char *args[24];
    size_t n = 0;
    args[n++] = "--record-from";
    args[n++] = upstream_url;
    args[n++] = "--record-mode";
    args[n++] = mode;
    for (size_t i = 0; extra != NULL && extra[i] != NULL && n < 22; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    return start_mock(mp, cassette, args);
}

/* How many requests of an operation the upstream has answered. */
static int upstream_calls(const char *operation)
{
    char path[160];
    snprintf(path, sizeof(path), "/__mock/journal?operation=%s", operation);
    cJSON *j = NULL;
    long st = civis_mockproc_json(&j, &upstream, "GET", path, NULL, NULL);
    int n = st == 200 ? cJSON_GetArraySize(j) : -1;
    cJSON_Delete(j);
    return n;
}

/* ---- the session --------------------------------------------------------------------- */

typedef struct session {
    cJSON *log; /* [{step, status, body, pages}] */
    char origin[64];
    char *upload; /* bytes uploaded (owned) */
    size_t upload_len;
    char *download; /* bytes downloaded back (owned) */
    size_t download_len;
    char *export_csv; /* the SQL export's output (owned) */
    size_t export_len;
    char signature[128];  /* x-amz-signature the client was handed (recording only) */
    char credential[160]; /* x-amz-credential */
} session;

/* Strings that name this server's address read "ORIGIN", so that a
 * recording and its replay (on another port) compare. */
static void normalise(cJSON *v, const char *origin)
{
    if (cJSON_IsString(v) && strncmp(v->valuestring, origin, strlen(origin)) == 0) {
        char buf[512];
        snprintf(buf, sizeof(buf), "ORIGIN%s", v->valuestring + strlen(origin));
        cJSON_SetValuestring(v, buf);
    }
    for (cJSON *c = v->child; c != NULL; c = c->next)
        normalise(c, origin);
}

static cJSON *step(session *s, const civis_mockproc *mp, const char *name, const char *method,
                   const char *path, const char *key, const char *body)
{
    char auth[256];
    const char *headers[3] = {NULL, NULL, NULL};
    size_t h = 0;
    if (key != NULL)
        headers[h++] = civis_mockproc_basic_header(auth, sizeof(auth), key);
    if (body != NULL)
        headers[h++] = "Content-Type: application/json";
    civis_http_reply r;
    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(
        civis_mockproc_request(&r, mp, method, path, headers, body, body ? strlen(body) : 0), 0);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "step", name);
    cJSON_AddNumberToObject(e, "status", (double)r.status);
    cJSON *json = civis_http_reply_json(&r);
    if (json != NULL) {
        cJSON *copy = cJSON_Duplicate(json, true);
        normalise(copy, s->origin);
        cJSON_DeleteItemFromObjectCaseSensitive(copy, "uploadFields");
        cJSON_AddItemToObject(e, "body", copy);
    }
    const char *pages = civis_http_reply_header(&r, "X-Pagination-Total-Pages");
    if (pages != NULL)
        cJSON_AddStringToObject(e, "pages", pages);
    cJSON_AddItemToArray(s->log, e);
    civis_http_reply_clear(&r);
    return json; /* the caller's, with this server's own URLs */
}

static long num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

static const char *str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* Polls a run until it leaves queued/running (at most 10 polls). */
static cJSON *poll_run(session *s, const civis_mockproc *mp, const char *path)
{
    cJSON *run = NULL;
    for (int i = 0; i < 10; i++) {
        cJSON_Delete(run);
        run = step(s, mp, "poll", "GET", path, KEY, NULL);
        const char *state = str(run, "state");
        if (strcmp(state, "queued") != 0 && strcmp(state, "running") != 0)
            break;
    }
    return run;
}

static size_t sink(char *data, size_t size, size_t n, void *arg)
{
    session *s = arg;
    char *nb = realloc(s->export_csv, s->export_len + size * n + 1);
    if (nb == NULL)
        return 0;
    memcpy(nb + s->export_len, data, size * n);
    s->export_len += size * n;
    nb[s->export_len] = '\0';
    s->export_csv = nb;
    return size * n;
}

static void run_session(session *s, const civis_mockproc *mp)
{
    memset(s, 0, sizeof(*s));
    s->log = cJSON_CreateArray();
    snprintf(s->origin, sizeof(s->origin), "%.*s", (int)strlen(mp->base_url) - 1, mp->base_url);
    char path[256], body[512];

    /* auth: the key works; no key is a 401 */
    cJSON_Delete(step(s, mp, "me", "GET", "/users/me", KEY, NULL));
    cJSON_Delete(step(s, mp, "no key", "GET", "/users/me", NULL, NULL));
    /* a validation error */
    cJSON_Delete(step(s, mp, "invalid", "POST", "/scripts/containers", KEY, "{\"name\": \"x\"}"));

    /* a container script run polled to success */
    snprintf(body, sizeof(body),
             "{\"name\": \"job\", \"docker_image_name\": \"img\", \"docker_command\": "
             "\"run\", \"required_resources\": {\"cpu\": 100, \"memory\": 256}}");
    cJSON *job = step(s, mp, "create", "POST", "/scripts/containers", KEY, body);
    long jid = num(job, "id");
    cJSON_Delete(job);
    CU_ASSERT_TRUE(jid > 0);
    snprintf(path, sizeof(path), "/scripts/containers/%ld/runs", jid);
    cJSON *run = step(s, mp, "run", "POST", path, KEY, NULL);
    snprintf(path, sizeof(path), "/scripts/containers/%ld/runs/%ld", jid, num(run, "id"));
    cJSON_Delete(run);
    run = poll_run(s, mp, path);
    CU_ASSERT_STRING_EQUAL(str(run, "state"), "succeeded");
    cJSON_Delete(run);

    /* pagination to the end: three scripts, two a page */
    for (int i = 0; i < 2; i++) {
        snprintf(body, sizeof(body),
                 "{\"name\": \"job %d\", \"docker_image_name\": \"img\", \"docker_command\": "
                 "\"run\", \"required_resources\": {\"cpu\": 100, \"memory\": 256}}",
                 i);
        cJSON_Delete(step(s, mp, "create", "POST", "/scripts/containers", KEY, body));
    }
    int pages = 0;
    for (int page = 1; page <= 6; page++) {
        snprintf(path, sizeof(path), "/scripts?limit=2&page_num=%d", page);
        cJSON *list = step(s, mp, "page", "GET", path, KEY, NULL);
        bool empty = !cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0;
        cJSON_Delete(list);
        if (empty)
            break;
        pages++;
    }
    CU_ASSERT_EQUAL(pages, 2);

    /* a file upload and download through libcivis */
    civis_client *client = mock_client(mp, KEY, &(civis_client_options){.bundled_spec = true});
    CU_ASSERT_PTR_NOT_NULL(client);
    s->upload_len = 3000;
    s->upload = malloc(s->upload_len);
    for (size_t i = 0; s->upload != NULL && i < s->upload_len; i++)
        s->upload[i] = (char)((i * 7 + 3) % 251);
    civis_file_options fo = {.no_retry_wait = true, .max_attempts = 1};
    civis_error err = CIVIS_ERROR_INIT;
    long long fid = 0;
    /* Not fatal: the servers must be stopped whatever happens here. */
    civis_status st1 = client ? civis_buffer_to_civis(&fid, client, s->upload, s->upload_len,
                                                      "data.bin", &fo, &err)
                              : CIVIS_EINVAL;
    civis_status st2 = st1 == CIVIS_OK ? civis_civis_to_buffer(&s->download, &s->download_len,
                                                               client, fid, &fo, &err)
                                       : st1;
    if (st2 != CIVIS_OK)
        fprintf(stderr, "\n  file round trip: %s\n", err.message);
    CU_ASSERT_EQUAL(st1, CIVIS_OK);
    CU_ASSERT_EQUAL(st2, CIVIS_OK);
    civis_client_free(client);
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "step", "file id");
    cJSON_AddNumberToObject(e, "id", (double)fid);
    cJSON_AddItemToArray(s->log, e);

    /* the upload form as the client is handed it (secrets it must not record) */
    cJSON *f = step(s, mp, "file", "POST", "/files", KEY, "{\"name\": \"form.csv\"}");
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(f, "uploadFields");
    snprintf(s->signature, sizeof(s->signature), "%s", str(fields, "x-amz-signature"));
    snprintf(s->credential, sizeof(s->credential), "%s", str(fields, "x-amz-credential"));
    cJSON_Delete(f);

    /* a SQL export: run, poll, download output[0].path */
    cJSON *sql = step(s, mp, "sql", "POST", "/scripts/sql", KEY,
                      "{\"name\": \"export\", \"sql\": \"select 1\", \"remote_host_id\": 1, "
                      "\"credential_id\": 2, \"csv_settings\": {\"compression\": \"none\"}}");
    long sid = num(sql, "id");
    cJSON_Delete(sql);
    snprintf(path, sizeof(path), "/scripts/sql/%ld/runs", sid);
    run = step(s, mp, "sql run", "POST", path, KEY, NULL);
    snprintf(path, sizeof(path), "/scripts/sql/%ld/runs/%ld", sid, num(run, "id"));
    cJSON_Delete(run);
    run = poll_run(s, mp, path);
    CU_ASSERT_STRING_EQUAL(str(run, "state"), "succeeded");
    const cJSON *out0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(run, "output"), 0);
    const char *url = str(out0, "path");
    CU_ASSERT_EQUAL(strncmp(url, s->origin, strlen(s->origin)), 0); /* through civis-mock */
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    CU_ASSERT_EQUAL(curl_easy_perform(c), CURLE_OK);
    long st = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
    CU_ASSERT_EQUAL(st, 200);
    curl_easy_cleanup(c);
    cJSON_Delete(run);
}

static void session_free(session *s)
{
    cJSON_Delete(s->log);
    free(s->upload);
    free(s->download);
    free(s->export_csv);
}

/* ---- the whole session, recorded then replayed -------------------------------------- */

static void test_record_then_replay(void)
{
    if (!upstream_up) {
        CU_FAIL("the upstream civis-mock did not start");
        return;
    }
    char cas[64];
    new_cassette(cas, sizeof(cas));
    civis_mockproc rec;
    CU_ASSERT_TRUE_FATAL(start_recorder(&rec, cas, "all", NULL));
    session a;
    run_session(&a, &rec);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&rec), 0);

    /* what was recorded is what the client got */
    CU_ASSERT_EQUAL(a.download_len, a.upload_len);
    CU_ASSERT_TRUE(a.download != NULL && memcmp(a.download, a.upload, a.upload_len) == 0);
    CU_ASSERT_TRUE(a.export_len > 0);
    CU_ASSERT_TRUE(a.signature[0] != '\0');

    /* no secret on disk */
    char basic[256], b64[256];
    civis_mockproc_basic_header(basic, sizeof(basic), KEY);
    snprintf(b64, sizeof(b64), "%s", strchr(basic, ' ') ? strrchr(basic, ' ') + 1 : basic);
    const char *needles[] = {
        KEY, b64, a.signature, a.credential, "Y2l2aXMtbW9jayBwb2xpY3k=", "/__storage/", NULL};
    CU_ASSERT_EQUAL(grep_cassette(cas, needles, true), 0);

    /* the bytes sit beside the cassette, named by content */
    char blob[200];
    snprintf(blob, sizeof(blob), "%s/files", cas);
    CU_ASSERT_TRUE(has_blob(blob, a.upload, a.upload_len));
    CU_ASSERT_TRUE(has_blob(blob, a.export_csv, a.export_len));

    /* offline: the upstream is stopped (started again for the next tests), and the same
     * session replays in each mode that replays a recorded cassette; a request sent on to
     * the stopped upstream would answer 502 and differ */
    CU_ASSERT_EQUAL(civis_mockproc_stop(&upstream), 0);
    upstream_up = false;
    const char *modes[] = {"none", "once", "new"};
    for (size_t m = 0; m < 3; m++) {
        civis_mockproc rep;
        const char *replay_args[] = {"--record-mode", modes[m], "--fail-on-unmatched", NULL};
        bool up = m == 0 ? start_mock(&rep, cas, replay_args)
                         : start_recorder(&rep, cas, modes[m], replay_args + 2);
        CU_ASSERT_TRUE(up);
        if (!up)
            continue;
        session b;
        run_session(&b, &rep);
        CU_ASSERT_EQUAL(civis_mockproc_stop(&rep), 0); /* nothing unmatched */
        CU_ASSERT_EQUAL(cJSON_GetArraySize(b.log), cJSON_GetArraySize(a.log));
        for (int i = 0; i < cJSON_GetArraySize(a.log); i++) {
            const cJSON *x = cJSON_GetArrayItem(a.log, i), *y = cJSON_GetArrayItem(b.log, i);
            if (!cJSON_Compare(x, y, true)) {
                char *tx = cJSON_PrintUnformatted(x), *ty = cJSON_PrintUnformatted(y);
                fprintf(stderr, "\n  %s: recorded: %.400s\n  replayed: %.400s\n", modes[m], tx, ty);
                free(tx);
                free(ty);
                CU_FAIL("a replayed answer differs from the recorded one");
            }
        }
        CU_ASSERT_EQUAL(b.download_len, a.upload_len);
        CU_ASSERT_TRUE(b.download != NULL && memcmp(b.download, a.upload, a.upload_len) == 0);
        CU_ASSERT_EQUAL(b.export_len, a.export_len);
        CU_ASSERT_TRUE(b.export_csv != NULL && a.export_csv != NULL &&
                       memcmp(b.export_csv, a.export_csv, a.export_len) == 0);
        session_free(&b);
    }
    suite_init();

    /* the cassette is fixtures: civis-mock --fixtures loads it unchanged */
    civis_mockproc fx;
    const char *fargs[] = {"--fixtures", cas, NULL};
    CU_ASSERT_TRUE_FATAL(civis_mockproc_start(&fx, fargs) == 0);
    cJSON *me = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&me, &fx, "GET", "/users/me", "another-key", NULL), 200);
    const cJSON *rec_me = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(a.log, 0), "body");
    CU_ASSERT_TRUE(cJSON_Compare(me, rec_me, true));
    cJSON_Delete(me);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&fx), 0);

    /* ... and so does the in-process mock: the run replays its states in order */
    civis_mock *m = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    const char *fixtures[] = {cas, NULL};
    civis_mock_options mo = {.fixtures = fixtures};
    ASSERT_CIVIS_OK(civis_mock_new(&m, &mo, &err), err);
    civis_response *resp = NULL;
    ASSERT_CIVIS_OK(civis_callv(&resp, civis_mock_client(m), "users", "get_me", &err, CIVIS_END),
                    err);
    CU_ASSERT_TRUE(cJSON_Compare(civis_response_json(resp), rec_me, true));
    civis_response_free(resp);
    int polls = 0;
    const char *states[12];
    for (int i = 0; i < cJSON_GetArraySize(a.log) && polls < 12; i++) {
        const cJSON *e = cJSON_GetArrayItem(a.log, i);
        const cJSON *body = cJSON_GetObjectItemCaseSensitive(e, "body");
        if (strcmp(str(e, "step"), "poll") == 0 && num(body, "containerId") > 0)
            states[polls++] = str(body, "state");
    }
    CU_ASSERT_TRUE(polls >= 2);
    const cJSON *first_poll = NULL;
    for (int i = 0; i < cJSON_GetArraySize(a.log) && first_poll == NULL; i++) {
        const cJSON *e = cJSON_GetArrayItem(a.log, i);
        if (strcmp(str(e, "step"), "poll") == 0)
            first_poll = cJSON_GetObjectItemCaseSensitive(e, "body");
    }
    for (int i = 0; i < polls; i++) {
        resp = NULL;
        ASSERT_CIVIS_OK(civis_callv(&resp, civis_mock_client(m), "scripts", "get_containers_runs",
                                    &err, "id", CIVIS_INT(num(first_poll, "containerId")), "run_id",
                                    CIVIS_INT(num(first_poll, "id")), CIVIS_END),
                        err);
        CU_ASSERT_STRING_EQUAL(str(civis_response_json(resp), "state"), states[i]);
        civis_response_free(resp);
    }
    civis_mock_free(m);

    session_free(&a);
    rm_rf(cas);
}

/* ---- modes ------------------------------------------------------------------------------ */

static long get(const civis_mockproc *mp, const char *path, cJSON **json)
{
    return civis_mockproc_json(json, mp, "GET", path, KEY, NULL);
}

static void test_none_refuses_unrecorded(void)
{
    char cas[64];
    new_cassette(cas, sizeof(cas));
    civis_mockproc mp;
    const char *args[] = {"--record-mode", "none", "--fail-on-unmatched", NULL};
    CU_ASSERT_TRUE_FATAL(start_mock(&mp, cas, args));
    civis_http_reply r;
    memset(&r, 0, sizeof(r));
    CU_ASSERT_EQUAL(civis_mockproc_call(&r, &mp, "GET", "/users/me", KEY, NULL), 0);
    CU_ASSERT_EQUAL(r.status, 599); /* no status the API sends */
    CU_ASSERT_PTR_NOT_NULL(civis_http_reply_header(&r, "X-Civis-Mock-Unrecorded"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "no recording for GET /users/me"));
    civis_http_reply_clear(&r);
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &mp, "GET", "/__mock/journal/unmatched", NULL, NULL),
                    200);
    CU_ASSERT_EQUAL(cJSON_GetArraySize(j), 1);
    const cJSON *e = cJSON_GetArrayItem(j, 0);
    CU_ASSERT_STRING_EQUAL(str(e, "source"), "cassette");
    CU_ASSERT_STRING_EQUAL(str(e, "path"), "/users/me");
    cJSON_Delete(j);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 4); /* --fail-on-unmatched */

    /* without the flag the same gap exits 0 */
    const char *quiet[] = {"--record-mode", "none", NULL};
    CU_ASSERT_TRUE_FATAL(start_mock(&mp, cas, quiet));
    CU_ASSERT_EQUAL(get(&mp, "/users/me", NULL), 599);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
    rm_rf(cas);
}

static void test_once_then_new_then_all(void)
{
    if (!upstream_up) {
        CU_FAIL("the upstream civis-mock did not start");
        return;
    }
    char cas[64];
    new_cassette(cas, sizeof(cas));
    civis_mockproc mp;
    /* once, empty cassette: records */
    int me0 = upstream_calls("users.get_me");
    CU_ASSERT_TRUE_FATAL(start_recorder(&mp, cas, "once", NULL));
    CU_ASSERT_EQUAL(get(&mp, "/users/me", NULL), 200);
    CU_ASSERT_EQUAL(get(&mp, "/users/me", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
    CU_ASSERT_EQUAL(upstream_calls("users.get_me"), me0 + 2);

    /* once, recorded cassette: replays, refuses the rest, asks no upstream */
    CU_ASSERT_TRUE_FATAL(start_recorder(&mp, cas, "once", NULL));
    CU_ASSERT_EQUAL(get(&mp, "/users/me", NULL), 200);
    CU_ASSERT_EQUAL(get(&mp, "/scripts/sql/404", NULL), 599);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
    CU_ASSERT_EQUAL(upstream_calls("users.get_me"), me0 + 2);
    CU_ASSERT_EQUAL(upstream_calls("scripts.get_sql"), 0);

    /* new: replays what is there, records the rest */
    CU_ASSERT_TRUE_FATAL(start_recorder(&mp, cas, "new", NULL));
    CU_ASSERT_EQUAL(get(&mp, "/users/me", NULL), 200);
    CU_ASSERT_EQUAL(get(&mp, "/scripts/sql/404", NULL), 404);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
    CU_ASSERT_EQUAL(upstream_calls("users.get_me"), me0 + 2);
    CU_ASSERT_EQUAL(upstream_calls("scripts.get_sql"), 1);
    char p[200];
    struct stat sb;
    snprintf(p, sizeof(p), "%s/0002-GET-scripts-sql-404.json", cas);
    CU_ASSERT_EQUAL(stat(p, &sb), 0);

    /* ... and the 404 now replays offline */
    const char *none[] = {"--record-mode", "none", "--fail-on-unmatched", NULL};
    CU_ASSERT_TRUE_FATAL(start_mock(&mp, cas, none));
    CU_ASSERT_EQUAL(get(&mp, "/scripts/sql/404", NULL), 404);
    CU_ASSERT_EQUAL(get(&mp, "/users/me", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);

    /* all: records everything afresh; the earlier recording goes */
    CU_ASSERT_TRUE_FATAL(start_recorder(&mp, cas, "all", NULL));
    CU_ASSERT_EQUAL(get(&mp, "/users/me", NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
    CU_ASSERT_EQUAL(upstream_calls("users.get_me"), me0 + 3);
    CU_ASSERT_NOT_EQUAL(stat(p, &sb), 0);
    snprintf(p, sizeof(p), "%s/0001-GET-users-me.json", cas);
    CU_ASSERT_EQUAL(stat(p, &sb), 0);
    rm_rf(cas);
}

static void test_redact_and_match_ignore(void)
{
    if (!upstream_up) {
        CU_FAIL("the upstream civis-mock did not start");
        return;
    }
    char cas[64];
    new_cassette(cas, sizeof(cas));
    civis_mockproc mp;
    const char *args[] = {"--redact", "email", "--match-ignore", "name", NULL};
    CU_ASSERT_TRUE_FATAL(start_recorder(&mp, cas, "all", args));
    cJSON *me = NULL;
    CU_ASSERT_EQUAL(get(&mp, "/users/me", &me), 200);
    char email[200];
    snprintf(email, sizeof(email), "%s", str(me, "email"));
    CU_ASSERT_TRUE(strchr(email, '@') != NULL); /* the client saw the real value */
    cJSON_Delete(me);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/scripts/sql", KEY,
                                        "{\"name\": \"gen-81731\", \"sql\": \"select 2\", "
                                        "\"remote_host_id\": 1, \"credential_id\": 2}"),
                    201);
    /* the key where a careless caller puts it: a body, a query, a path */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/scripts/sql", KEY,
                                        "{\"name\": \"k\", \"sql\": \"select '" KEY "'\", "
                                        "\"remote_host_id\": 1, \"credential_id\": 2}"),
                    201);
    CU_ASSERT_EQUAL(get(&mp, "/users/me?note=" KEY, NULL), 400);
    CU_ASSERT_EQUAL(get(&mp, "/scripts/sql/" KEY, NULL), 400);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 0);
    const char *needles[] = {email, KEY, NULL};
    CU_ASSERT_EQUAL(grep_cassette(cas, needles, true), 0);
    const char *placeholder[] = {"\"email\": \"[REDACTED]\"", NULL};
    CU_ASSERT_EQUAL(grep_cassette(cas, placeholder, false), 1);

    /* replay: a generated name does not stop the match */
    const char *none[] = {
        "--record-mode",       "none", "--redact", "email", "--match-ignore", "name",
        "--fail-on-unmatched", NULL};
    CU_ASSERT_TRUE_FATAL(start_mock(&mp, cas, none));
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/scripts/sql", KEY,
                                        "{\"name\": \"gen-99999\", \"sql\": \"select 2\", "
                                        "\"remote_host_id\": 1, \"credential_id\": 2}"),
                    201);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/scripts/sql", KEY,
                                        "{\"name\": \"gen-99999\", \"sql\": \"select 3\", "
                                        "\"remote_host_id\": 1, \"credential_id\": 2}"),
                    599); /* a different query is another request */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &mp, "POST", "/scripts/sql", KEY,
                                        "{\"name\": \"k\", \"sql\": \"select '" KEY "'\", "
                                        "\"remote_host_id\": 1, \"credential_id\": 2}"),
                    201);
    CU_ASSERT_EQUAL(get(&mp, "/users/me?note=" KEY, NULL), 400);
    CU_ASSERT_EQUAL(get(&mp, "/scripts/sql/" KEY, NULL), 400);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&mp), 4);
    rm_rf(cas);
}

static void test_bad_flags(void)
{
    char *out = NULL, *errt = NULL;
    const char *a1[] = {"--record-mode", "sometimes", "--cassette", "/nonexistent", NULL};
    CU_ASSERT_EQUAL(civis_mockproc_run(a1, NULL, &out, &errt), 2);
    CU_ASSERT_PTR_NOT_NULL(errt && strstr(errt, "all, none, once or new"));
    free(out);
    free(errt);
    const char *a2[] = {"--record-from", "http://127.0.0.1:1/", NULL};
    CU_ASSERT_EQUAL(civis_mockproc_run(a2, NULL, &out, &errt), 2);
    CU_ASSERT_PTR_NOT_NULL(errt && strstr(errt, "needs '--cassette DIR'"));
    free(out);
    free(errt);
    const char *a3[] = {"--cassette", "/nonexistent-cassette-dir", NULL};
    CU_ASSERT_EQUAL(civis_mockproc_run(a3, NULL, &out, &errt), 2);
    CU_ASSERT_PTR_NOT_NULL(errt && strstr(errt, "no such directory"));
    free(out);
    free(errt);
}

/* Sends raw bytes on a fresh connection to mp; the socket, or -1. */
static int send_raw(const civis_mockproc *mp, const char *text)
{
    int fd = civis_mockproc_connect(mp);
    if (fd < 0)
        return -1;
    size_t n = strlen(text);
    if (write(fd, text, n) != (ssize_t)n) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Whether the socket has bytes to read now (without waiting). */
static bool readable_now(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1;
}

/* A recorder with one worker thread: while the upstream sits on one answer
 * (a fault's delay), another request is forwarded and answered, and the slow
 * one still arrives and is recorded. With forwarding that blocked its
 * worker, the second request would wait behind the first. */
static void test_slow_upstream_holds_no_worker(void)
{
    CU_ASSERT_TRUE_FATAL(upstream_up);
    char cas[64];
    new_cassette(cas, sizeof(cas));
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &upstream, "POST", "/__mock/reset", NULL, NULL), 200);
    cJSON *f = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&f, &upstream, "POST", "/__mock/faults", NULL,
                                        "{\"operation\":\"users.get_me\",\"delay_ms\":5000,"
                                        "\"count\":1}"),
                    201);
    cJSON_Delete(f);
    civis_mockproc rec;
    const char *extra[] = {"--threads", "1", NULL};
    CU_ASSERT_TRUE_FATAL(start_recorder(&rec, cas, "all", extra));

    int slow = send_raw(&rec, "GET /users/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " KEY
                              "\r\n\r\n");
    CU_ASSERT_TRUE(slow >= 0);
    /* The slow request reaches the upstream (its journal shows it) first. */
    for (int i = 0; i < 2000 && upstream_calls("users.get_me") == 0; i++)
        nanosleep(&(struct timespec){0, 1000000L}, NULL);
    CU_ASSERT_EQUAL(upstream_calls("users.get_me"), 1);
    cJSON *j = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&j, &rec, "GET", "/scripts/sql/404", KEY, NULL), 404);
    cJSON_Delete(j);
    CU_ASSERT_FALSE(readable_now(slow)); /* still waiting on the upstream */

    char buf[4096];
    ssize_t got = slow >= 0 ? read(slow, buf, sizeof(buf)) : -1;
    CU_ASSERT_TRUE(got >= 12 && memcmp(buf, "HTTP/1.1 200", 12) == 0);
    if (slow >= 0)
        close(slow);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&rec), 0);

    /* both exchanges were recorded: they replay with the upstream out of the way */
    const char *none[] = {"--record-mode", "none", "--fail-on-unmatched", NULL};
    CU_ASSERT_TRUE_FATAL(start_mock(&rec, cas, none));
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &rec, "GET", "/users/me", KEY, NULL), 200);
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &rec, "GET", "/scripts/sql/404", KEY, NULL), 404);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&rec), 0);
    rm_rf(cas);
}

/* Stopping the recorder while the upstream sits on an answer: the waiting
 * client gets a 502 that says so, and civis-mock exits cleanly at once
 * instead of waiting out the upstream. */
static void test_stop_while_forwarding(void)
{
    CU_ASSERT_TRUE_FATAL(upstream_up);
    char cas[64];
    new_cassette(cas, sizeof(cas));
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &upstream, "POST", "/__mock/reset", NULL, NULL), 200);
    cJSON *f = NULL;
    CU_ASSERT_EQUAL(civis_mockproc_json(&f, &upstream, "POST", "/__mock/faults", NULL,
                                        "{\"operation\":\"users.get_me\",\"delay_ms\":60000,"
                                        "\"count\":1}"),
                    201);
    cJSON_Delete(f);
    civis_mockproc rec;
    CU_ASSERT_TRUE_FATAL(start_recorder(&rec, cas, "all", NULL));
    int slow = send_raw(&rec, "GET /users/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " KEY
                              "\r\n\r\n");
    CU_ASSERT_TRUE(slow >= 0);
    for (int i = 0; i < 2000 && upstream_calls("users.get_me") == 0; i++)
        nanosleep(&(struct timespec){0, 1000000L}, NULL);
    CU_ASSERT_EQUAL(upstream_calls("users.get_me"), 1);
    CU_ASSERT_EQUAL(civis_mockproc_stop(&rec), 0);
    char buf[4096];
    ssize_t got = slow >= 0 ? read(slow, buf, sizeof(buf) - 1) : -1;
    CU_ASSERT_TRUE(got >= 12 && memcmp(buf, "HTTP/1.1 502", 12) == 0);
    buf[got > 0 ? got : 0] = '\0';
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "stopping"));
    if (slow >= 0)
        close(slow);
    /* the delayed answer must not hold the next tests up */
    CU_ASSERT_EQUAL(civis_mockproc_json(NULL, &upstream, "POST", "/__mock/reset", NULL, NULL), 200);
    rm_rf(cas);
}

static CU_TestInfo tests[] = {
    {"record a session, replay it offline", test_record_then_replay},
    {"none refuses and journals unrecorded requests", test_none_refuses_unrecorded},
    {"once, new and all", test_once_then_new_then_all},
    {"--redact and --match-ignore", test_redact_and_match_ignore},
    {"bad recorder flags", test_bad_flags},
    {"a slow upstream holds no worker", test_slow_upstream_holds_no_worker},
    {"stopping while forwarding", test_stop_while_forwarding},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(mock_record, tests, suite_init, suite_cleanup)
