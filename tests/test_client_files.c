/*
 * test_client_files.c: file_to_civis and civis_to_file. The part-size rule
 * as a pure function; round trips through civis-mock's file storage (a
 * small buffer, a file by path, a ~60 MiB multipart upload compared by
 * checksum after download); the expired-file error; and the presigned side
 * seen from a tiny local HTTP server that records what arrives and answers
 * as scripted (form field order, no credentials, retries that rewind,
 * refusals with the storage's text, a part that fails the whole upload).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <zlib.h>

#include "test.h"
#include "test_client_support.h"
#include "civis/files.h"

#define MiB (1024ull * 1024ull)

static civis_mockproc mp;
static bool mock_up;

static int suite_init(void)
{
    mock_up = civis_mockproc_start(&mp, NULL) == 0;
    return 0;
}

static int suite_cleanup(void)
{
    return mock_up && civis_mockproc_stop(&mp) != 0 ? 1 : 0;
}

static bool under_valgrind(void)
{
    const char *v = getenv("CIVIS_UNDER_VALGRIND");
    return v != NULL && strcmp(v, "1") == 0;
}

/* Fast retries: the tests never sit in a back-off. */
static const civis_file_options quick = {.no_retry_wait = true, .max_attempts = 3};

/* ---- a tiny scripted HTTP server ------------------------------------------------------ */

typedef enum act_kind {
    ACT_RESPOND = 0, /* send status and body */
    ACT_DROP,        /* read the request, close without a word */
    ACT_PARTIAL      /* announce the body, send half of it, close */
} act_kind;

typedef struct act {
    act_kind kind;
    int status;
    const char *body;
} act;

typedef struct seen_req {
    char *head; /* request line and headers */
    char *body;
    size_t body_len;
} seen_req;

#define TINY_MAX 16

typedef struct tiny {
    int fd;
    int port;
    pthread_t thread;
    pthread_mutex_t lock;
    act acts[TINY_MAX]; /* one per connection, in order; the last repeats */
    size_t n_acts;
    seen_req reqs[TINY_MAX];
    size_t n_reqs;
    size_t conns;
    volatile int stop;
} tiny;

static bool read_request(int c, seen_req *r)
{
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap + 1);
    char *end = NULL;
    while (buf != NULL && end == NULL) {
        if (len == cap) {
            free(buf);
            return false;
        }
        ssize_t n = recv(c, buf + len, cap - len, 0);
        if (n <= 0) {
            free(buf);
            return false;
        }
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    if (buf == NULL)
        return false;
    size_t head_len = (size_t)(end - buf) + 4;
    size_t want = 0;
    for (char *h = buf; h < end; h = strstr(h, "\r\n") + 2) {
        if (strncasecmp(h, "Content-Length:", 15) == 0)
            want = (size_t)strtoull(h + 15, NULL, 10);
        if (strstr(h, "\r\n") == NULL)
            break;
    }
    r->head = strndup(buf, head_len);
    r->body = malloc(want + 1);
    r->body_len = len - head_len < want ? len - head_len : want;
    if (r->head == NULL || r->body == NULL) {
        free(buf);
        return false;
    }
    memcpy(r->body, buf + head_len, r->body_len);
    free(buf);
    while (r->body_len < want) {
        ssize_t n = recv(c, r->body + r->body_len, want - r->body_len, 0);
        if (n <= 0)
            break;
        r->body_len += (size_t)n;
    }
    r->body[r->body_len] = '\0';
    return true;
}

static void send_all(int c, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(c, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void *tiny_main(void *arg)
{
    tiny *t = arg;
    while (!t->stop) {
        struct pollfd pf = {t->fd, POLLIN, 0};
        if (poll(&pf, 1, 50) <= 0)
            continue;
        int c = accept(t->fd, NULL, NULL);
        if (c < 0)
            continue;
        seen_req r = {NULL, NULL, 0};
        bool ok = read_request(c, &r);
        pthread_mutex_lock(&t->lock);
        act a = t->acts[t->conns < t->n_acts ? t->conns : t->n_acts - 1];
        t->conns++;
        if (ok && t->n_reqs < TINY_MAX) {
            t->reqs[t->n_reqs++] = r;
        } else {
            free(r.head);
            free(r.body);
        }
        pthread_mutex_unlock(&t->lock);
        if (ok && a.kind != ACT_DROP) {
            const char *body = a.body ? a.body : "";
            size_t blen = strlen(body);
            char head[256];
            int hl = snprintf(head, sizeof(head),
                              "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                              a.status, blen);
            send_all(c, head, (size_t)hl);
            send_all(c, body, a.kind == ACT_PARTIAL ? blen / 2 : blen);
        }
        close(c);
    }
    return NULL;
}

static bool tiny_start(tiny *t, const act *acts, size_t n)
{
    memset(t, 0, sizeof(*t));
    memcpy(t->acts, acts, n * sizeof(*acts));
    t->n_acts = n;
    pthread_mutex_init(&t->lock, NULL);
    t->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(sa);
    if (t->fd < 0 || bind(t->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        listen(t->fd, 16) != 0 || getsockname(t->fd, (struct sockaddr *)&sa, &sl) != 0)
        return false;
    t->port = ntohs(sa.sin_port);
    return pthread_create(&t->thread, NULL, tiny_main, t) == 0;
}

/* Stops the server; what it recorded stays readable until tiny_free. */
static void tiny_stop(tiny *t)
{
    t->stop = 1;
    pthread_join(t->thread, NULL);
    close(t->fd);
    pthread_mutex_destroy(&t->lock);
}

static void tiny_free(tiny *t)
{
    for (size_t i = 0; i < t->n_reqs; i++) {
        free(t->reqs[i].head);
        free(t->reqs[i].body);
    }
    t->n_reqs = 0;
}

/* A port nothing listens on. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(sa);
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* ---- helpers ----------------------------------------------------------------------- */

/* strstr, ASCII case-insensitive (header names). */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

/* Declares a civis-mock stub for one key. */
static long stub(const char *key, const char *method, const char *path, int status,
                 const char *body_json)
{
    char *doc = malloc(strlen(body_json) + 512);
    sprintf(doc,
            "{\"api_key\": \"%s\", \"request\": {\"method\": \"%s\", \"path\": \"%s\"}, "
            "\"response\": {\"status\": %d, \"body\": %s}}",
            key, method, path, status, body_json);
    long st = mock_admin(&mp, "/__mock/stubs", doc);
    free(doc);
    return st;
}

static size_t journal_count(const char *key, const char *operation)
{
    char q[160];
    snprintf(q, sizeof(q), "api_key=%s&operation=%s", key, operation);
    cJSON *j = mock_journal(&mp, q);
    size_t n = (size_t)cJSON_GetArraySize(j);
    cJSON_Delete(j);
    return n;
}

/* The body of the last journaled call of `operation` (owned). */
static cJSON *journal_body(const char *key, const char *operation)
{
    char q[160];
    snprintf(q, sizeof(q), "api_key=%s&operation=%s", key, operation);
    cJSON *j = mock_journal(&mp, q);
    int n = cJSON_GetArraySize(j);
    cJSON *b = n > 0 ? cJSON_DetachItemFromObject(cJSON_GetArrayItem(j, n - 1), "body") : NULL;
    cJSON_Delete(j);
    return b;
}

/* Deterministic test bytes. */
static void fill(unsigned char *p, size_t n, uint64_t seed)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (unsigned char)(x >> 24);
    }
}

/* Writes `size` deterministic bytes to a new temporary file; its path in
 * `path` (>= 64 bytes) and its crc32 in *crc. */
static bool make_file(char *path, uint64_t size, unsigned long *crc)
{
    snprintf(path, 64, "/tmp/civis-files-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        return false;
    unsigned char *buf = malloc(MiB);
    *crc = crc32(0L, Z_NULL, 0);
    uint64_t left = size, seed = 1;
    bool ok = buf != NULL;
    while (ok && left > 0) {
        size_t n = left < MiB ? (size_t)left : (size_t)MiB;
        fill(buf, n, seed++);
        *crc = crc32(*crc, buf, (uInt)n);
        ok = write(fd, buf, n) == (ssize_t)n;
        left -= n;
    }
    free(buf);
    close(fd);
    return ok;
}

static bool file_crc(const char *path, uint64_t *size, unsigned long *crc)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return false;
    unsigned char *buf = malloc(MiB);
    *crc = crc32(0L, Z_NULL, 0);
    *size = 0;
    size_t n;
    while (buf != NULL && (n = fread(buf, 1, MiB, fp)) > 0) {
        *crc = crc32(*crc, buf, (uInt)n);
        *size += n;
    }
    free(buf);
    fclose(fp);
    return true;
}

/* ---- the part rule ------------------------------------------------------------------- */

static void test_files__part_plan_follows_the_official_rule(void)
{
    unsigned long long ps = 0, np = 0;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_file_part_plan(&ps, &np, 12 * MiB, &err), err);
    CU_ASSERT_EQUAL(ps, 8122234);
    CU_ASSERT_EQUAL(np, 2);
    CU_ASSERT_EQUAL(12 * MiB - ps, 4460678);
    ASSERT_CIVIS_OK(civis_file_part_plan(&ps, &np, 60 * MiB, &err), err);
    CU_ASSERT_EQUAL(ps, 18161869);
    CU_ASSERT_EQUAL(np, 4);
    ASSERT_CIVIS_OK(civis_file_part_plan(&ps, &np, 1000, &err), err); /* the floor */
    CU_ASSERT_EQUAL(ps, 5 * MiB);
    CU_ASSERT_EQUAL(np, 1);
    ASSERT_CIVIS_OK(civis_file_part_plan(&ps, &np, CIVIS_UPLOAD_MAX_SIZE, &err), err);
    CU_ASSERT_EQUAL(ps, 5368709120ull);
    CU_ASSERT_EQUAL(np, 1024);
    CU_ASSERT_EQUAL(civis_file_part_plan(&ps, &np, 0, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "size");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_file_part_plan(&ps, &np, CIVIS_UPLOAD_MAX_SIZE + 1, &err), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(ps, 0);
    CU_ASSERT_EQUAL(np, 0);
}

static void test_files__bad_arguments_send_nothing(void)
{
    fake_transport ft;
    fake_init(&ft);
    ft.forbid = true;
    civis_client *c = fake_client(&ft, NULL);
    long long id = 7;
    civis_error err = CIVIS_ERROR_INIT;
    char desc[600];
    memset(desc, 'd', sizeof(desc) - 1);
    desc[sizeof(desc) - 1] = '\0';
    civis_file_options o = {.description = desc};
    CU_ASSERT_EQUAL(civis_buffer_to_civis(&id, c, "x", 1, "x.txt", &o, &err), CIVIS_EINVAL);
    CU_ASSERT_EQUAL(id, 0);
    CU_ASSERT_STRING_EQUAL(err.param, "description");
    CU_ASSERT_STRING_EQUAL(err.message, "description must be at most 512 characters, got 599");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_buffer_to_civis(&id, c, "x", 1, NULL, NULL, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "name");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_file_to_civis(&id, c, "/nonexistent/civis/x.csv", NULL, NULL, &err),
                    CIVIS_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "cannot open /nonexistent/civis/x.csv"));
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_file_to_civis(&id, c, "/tmp", NULL, NULL, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "/tmp is not a regular file (its size must be known)");
    civis_error_clear(&err);
    o = (civis_file_options){.max_attempts = -1};
    CU_ASSERT_EQUAL(civis_buffer_to_civis(&id, c, "x", 1, "x", &o, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "max_attempts");
    civis_client_free(c);
    fake_clear(&ft);
}

/* ---- round trips through civis-mock ----------------------------------------------------- */

static void test_files__small_round_trips(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "files-small";
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    static const char text[] = "id,name\n1,ada\n2,grace\n";
    long long id = 0;
    civis_error err = CIVIS_ERROR_INIT;
    civis_file_options o = {.never_expires = true, .description = "two rows"};
    ASSERT_CIVIS_OK(civis_buffer_to_civis(&id, c, text, strlen(text), "people.csv", &o, &err), err);
    CU_ASSERT(id > 0);
    cJSON *body = journal_body(key, "files.post");
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(body, "name")), "people.csv");
    CU_ASSERT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(body, "expires_at")));
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(body, "description")),
                           "two rows");
    cJSON_Delete(body);

    char *data = NULL;
    size_t len = 0;
    ASSERT_CIVIS_OK(civis_civis_to_buffer(&data, &len, c, id, NULL, &err), err);
    CU_ASSERT_EQUAL(len, strlen(text));
    CU_ASSERT_STRING_EQUAL(data, text);
    civis_free(data);

    /* by path: the name defaults to the last component; to a path and a stream */
    char src[64], dst[80];
    unsigned long crc = 0, crc2 = 0;
    uint64_t size = 0;
    CU_ASSERT_FATAL(make_file(src, 100000, &crc));
    ASSERT_CIVIS_OK(civis_file_to_civis(&id, c, src, NULL, NULL, &err), err);
    civis_response *meta = NULL;
    ASSERT_CIVIS_OK(civis_callv(&meta, c, "files", "get", &err, "id", CIVIS_INT(id), CIVIS_END),
                    err);
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(civis_response_get(meta, "name")),
                           strrchr(src, '/') + 1);
    civis_response_free(meta);
    body = journal_body(key, "files.post");
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItem(body, "expires_at")); /* "DEFAULT": left out */
    cJSON_Delete(body);
    snprintf(dst, sizeof(dst), "%s.out", src);
    ASSERT_CIVIS_OK(civis_civis_to_file(c, id, dst, NULL, &err), err);
    CU_ASSERT_TRUE(file_crc(dst, &size, &crc2));
    CU_ASSERT_EQUAL(size, 100000);
    CU_ASSERT_EQUAL(crc2, crc);
    FILE *fp = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fputs("header\n", fp);
    ASSERT_CIVIS_OK(civis_civis_to_stream(c, id, fp, NULL, &err), err);
    CU_ASSERT_EQUAL(ftell(fp), 100007);
    fclose(fp);
    unlink(src);
    unlink(dst);
    civis_client_free(c);
}

static void test_files__multipart_round_trip_by_checksum(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "files-multi";
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    /* ~60 MiB takes the official plan (4 parts); under valgrind 6 MiB in forced
     * 2 MiB parts still goes through every step of a multipart upload */
    bool small = under_valgrind();
    uint64_t size = small ? 6 * MiB + 12345 : 60 * MiB + 12345;
    civis_file_options o = {0};
    if (small) {
        o.multipart_threshold = 1 * MiB;
        o.part_size = 2 * MiB;
    }
    char src[64], dst[80];
    unsigned long crc = 0, crc2 = 0;
    CU_ASSERT_FATAL(make_file(src, size, &crc));
    long long id = 0;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_file_to_civis(&id, c, src, "big.bin", &o, &err), err);
    CU_ASSERT_EQUAL(journal_count(key, "files.post"), 0);
    CU_ASSERT_EQUAL(journal_count(key, "files.post_multipart"), 1);
    CU_ASSERT_EQUAL(journal_count(key, "files.post_multipart_complete"), 1);
    cJSON *body = journal_body(key, "files.post_multipart");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(body, "num_parts")->valuedouble, 4);
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(body, "name")), "big.bin");
    cJSON_Delete(body);

    snprintf(dst, sizeof(dst), "%s.out", src);
    ASSERT_CIVIS_OK(civis_civis_to_file(c, id, dst, NULL, &err), err);
    uint64_t got = 0;
    CU_ASSERT_TRUE(file_crc(dst, &got, &crc2));
    CU_ASSERT_EQUAL(got, size);
    CU_ASSERT_EQUAL(crc2, crc);
    unlink(src);
    unlink(dst);

    /* from memory, with an uneven last part */
    size_t n = 1000003;
    unsigned char *buf = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    fill(buf, n, 99);
    o = (civis_file_options){.multipart_threshold = 512 * 1024, .part_size = 300000, .parallel = 2};
    ASSERT_CIVIS_OK(civis_buffer_to_civis(&id, c, buf, n, "mem.bin", &o, &err), err);
    body = journal_body(key, "files.post_multipart");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(body, "num_parts")->valuedouble, 4);
    cJSON_Delete(body);
    char *data = NULL;
    size_t len = 0;
    ASSERT_CIVIS_OK(civis_civis_to_buffer(&data, &len, c, id, NULL, &err), err);
    CU_ASSERT_EQUAL_FATAL(len, n);
    CU_ASSERT_EQUAL(memcmp(data, buf, n), 0);
    civis_free(data);
    free(buf);
    civis_client_free(c);
}

static void test_files__expired_file_is_empty_and_leaves_the_destination(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "files-expired";
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_response *r = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    long long id = 0;
    ASSERT_CIVIS_OK(
        civis_callv(&r, c, "files", "post", &err, "name", CIVIS_STR("never.csv"), CIVIS_END), err);
    ASSERT_CIVIS_OK(civis_response_int(&id, r, "id", &err), err);
    civis_response_free(r);
    char dst[64] = "/tmp/civis-files-XXXXXX";
    int fd = mkstemp(dst);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_EQUAL(write(fd, "keep", 4), 4);
    close(fd);
    CU_ASSERT_EQUAL(civis_civis_to_file(c, id, dst, NULL, &err), CIVIS_EEMPTY);
    char want[160];
    snprintf(want, sizeof(want),
             "Unable to locate file %lld. If it previously existed, it may have expired.", id);
    CU_ASSERT_STRING_EQUAL(err.message, want);
    CU_ASSERT_STRING_EQUAL(err.param, "file_id");
    uint64_t size = 0;
    unsigned long crc = 0;
    CU_ASSERT_TRUE(file_crc(dst, &size, &crc));
    CU_ASSERT_EQUAL(size, 4);
    unlink(dst);
    char *data = (char *)&err;
    size_t len = 9;
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_civis_to_buffer(&data, &len, c, id, NULL, &err), CIVIS_EEMPTY);
    CU_ASSERT_PTR_NULL(data);
    CU_ASSERT_EQUAL(len, 0);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_civis_to_buffer(&data, &len, c, 987654, NULL, &err), CIVIS_ENOTFOUND);
    civis_client_free(c);
}

/* ---- the presigned side, seen from the storage -------------------------------------------- */

static void test_files__form_order_no_credentials_and_rewound_retry(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "files-form";
    act acts[] = {{ACT_DROP, 0, NULL}, {ACT_RESPOND, 204, NULL}};
    tiny t;
    CU_ASSERT_FATAL(tiny_start(&t, acts, 2));
    char resp[512];
    snprintf(resp, sizeof(resp),
             "{\"id\": 7001, \"uploadUrl\": \"http://127.0.0.1:%d/bucket\", \"uploadFields\": "
             "{\"policy\": \"cG9s\", \"key\": \"u/7001/data.csv\", \"successActionStatus\": "
             "\"201\", \"Content-Type\": \"text/csv\", \"x-amz-signature\": \"abc\"}}",
             t.port);
    CU_ASSERT_EQUAL(stub(key, "POST", "/files", 201, resp), 201);
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    static const char text[] = "a,b\n1,2\n";
    long long id = 0;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_buffer_to_civis(&id, c, text, strlen(text), "data.csv", &quick, &err),
                    err);
    CU_ASSERT_EQUAL(id, 7001);
    tiny_stop(&t);
    CU_ASSERT_EQUAL_FATAL(t.n_reqs, 2);
    for (size_t i = 0; i < 2; i++) {
        const seen_req *r = &t.reqs[i];
        CU_ASSERT_EQUAL(strncmp(r->head, "POST /bucket HTTP/1.1\r\n", 23), 0);
        CU_ASSERT_PTR_NULL(find_ci(r->head, "\r\nAuthorization:"));
        CU_ASSERT_PTR_NOT_NULL(find_ci(r->head, "\r\nUser-Agent: civis-c"));
        CU_ASSERT_PTR_NOT_NULL(find_ci(r->head, "multipart/form-data"));
        const char *order[] = {"name=\"key\"",
                               "name=\"policy\"",
                               "name=\"successActionStatus\"",
                               "name=\"Content-Type\"",
                               "name=\"x-amz-signature\"",
                               "name=\"file\"; filename=\"data.csv\""};
        const char *prev = r->body;
        for (size_t k = 0; k < 6; k++) {
            const char *at = strstr(r->body, order[k]);
            CU_ASSERT_PTR_NOT_NULL(at);
            CU_ASSERT(at == NULL || at > prev);
            if (at != NULL)
                prev = at;
        }
        /* the bytes once, whole, on each attempt (the retry rewound them) */
        const char *bytes = strstr(r->body, text);
        CU_ASSERT_PTR_NOT_NULL(bytes);
        CU_ASSERT(bytes == NULL || strstr(bytes + 1, text) == NULL);
        CU_ASSERT_PTR_NOT_NULL(strstr(r->body, "u/7001/data.csv"));
    }
    CU_ASSERT_EQUAL(t.reqs[0].body_len, t.reqs[1].body_len);
    tiny_free(&t);
    civis_client_free(c);
}

static void test_files__storage_refusal_carries_its_text(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "files-refused";
    act acts[] = {{ACT_RESPOND, 403, "<Error><Code>AccessDenied</Code></Error>"}};
    tiny t;
    CU_ASSERT_FATAL(tiny_start(&t, acts, 1));
    char resp[256];
    snprintf(resp, sizeof(resp),
             "{\"id\": 7002, \"uploadUrl\": \"http://127.0.0.1:%d/b\", \"uploadFields\": "
             "{\"key\": \"k\"}}",
             t.port);
    CU_ASSERT_EQUAL(stub(key, "POST", "/files", 201, resp), 201);
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    long long id = 0;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_buffer_to_civis(&id, c, "x", 1, "x.txt", &quick, &err), CIVIS_EHTTP);
    CU_ASSERT_EQUAL(id, 0);
    CU_ASSERT_EQUAL(err.http_status, 403);
    char want[256];
    snprintf(want, sizeof(want),
             "(403) upload of x.txt was refused by the storage at http://127.0.0.1:%d: "
             "<Error><Code>AccessDenied</Code></Error>",
             t.port);
    CU_ASSERT_STRING_EQUAL(err.message, want);
    tiny_stop(&t);
    CU_ASSERT_EQUAL(t.n_reqs, 1); /* a 4xx is not retried */
    tiny_free(&t);
    civis_client_free(c);
}

static void test_files__download_retry_rewinds_the_destination(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "files-dl";
    static const char payload[] = "0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN"
                                  "OPQRSTUVWXYZ-the-end";
    act acts[] = {
        {ACT_PARTIAL, 200, payload}, {ACT_RESPOND, 503, "slow down"}, {ACT_RESPOND, 200, payload}};
    tiny t;
    CU_ASSERT_FATAL(tiny_start(&t, acts, 3));
    char resp[256];
    snprintf(resp, sizeof(resp),
             "{\"id\": 7003, \"name\": \"p.txt\", \"fileUrl\": \"http://127.0.0.1:%d/f?sig=1\"}",
             t.port);
    CU_ASSERT_EQUAL(stub(key, "GET", "/files/7003", 200, resp), 201);
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    FILE *fp = tmpfile();
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fputs("keep:", fp);
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_civis_to_stream(c, 7003, fp, &quick, &err), err);
    rewind(fp);
    char got[256] = "";
    size_t n = fread(got, 1, sizeof(got) - 1, fp);
    got[n] = '\0';
    char want[256];
    snprintf(want, sizeof(want), "keep:%s", payload);
    CU_ASSERT_STRING_EQUAL(got, want); /* the half from try 1 was cut, nothing doubled */
    fclose(fp);
    tiny_stop(&t);
    CU_ASSERT_EQUAL(t.n_reqs, 3);
    CU_ASSERT_PTR_NULL(find_ci(t.reqs[0].head, "\r\nAuthorization:"));
    tiny_free(&t);

    /* out of attempts: the last failure, the signed query left out of the message */
    act fail[] = {{ACT_RESPOND, 500, "oops"}};
    CU_ASSERT_FATAL(tiny_start(&t, fail, 1));
    snprintf(resp, sizeof(resp),
             "{\"id\": 7004, \"name\": \"p.txt\", \"fileUrl\": \"http://127.0.0.1:%d/f?sig=1\"}",
             t.port);
    CU_ASSERT_EQUAL(stub(key, "GET", "/files/7004", 200, resp), 201);
    char *data = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL(civis_civis_to_buffer(&data, &len, c, 7004, &quick, &err), CIVIS_EHTTP);
    snprintf(want, sizeof(want),
             "(500) download of file 7004 was refused by the storage at http://127.0.0.1:%d "
             "(after 3 attempts): oops",
             t.port);
    CU_ASSERT_STRING_EQUAL(err.message, want);
    CU_ASSERT_PTR_NULL(data);
    tiny_stop(&t);
    CU_ASSERT_EQUAL(t.n_reqs, 3);
    tiny_free(&t);
    civis_client_free(c);
}

static void test_files__parts_are_retried_and_sent_raw(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "files-parts";
    act acts[] = {{ACT_RESPOND, 503, "busy"}, {ACT_RESPOND, 200, NULL}};
    tiny t;
    CU_ASSERT_FATAL(tiny_start(&t, acts, 2));
    char resp[256];
    snprintf(resp, sizeof(resp),
             "{\"id\": 9003, \"uploadUrls\": [\"http://127.0.0.1:%d/p/1?s=a\", "
             "\"http://127.0.0.1:%d/p/2?s=b\"]}",
             t.port, t.port);
    CU_ASSERT_EQUAL(stub(key, "POST", "/files/multipart", 201, resp), 201);
    CU_ASSERT_EQUAL(stub(key, "POST", "/files/multipart/9003/complete", 204, "null"), 201);
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    size_t n = 5000;
    unsigned char *buf = malloc(n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    fill(buf, n, 5);
    civis_file_options o = quick;
    o.multipart_threshold = 1000;
    o.part_size = 3000;
    long long id = 0;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_buffer_to_civis(&id, c, buf, n, "parts.bin", &o, &err), err);
    CU_ASSERT_EQUAL(id, 9003);
    tiny_stop(&t);
    CU_ASSERT_EQUAL_FATAL(t.n_reqs, 3);
    bool saw[2] = {false, false};
    for (size_t i = 0; i < 3; i++) {
        const seen_req *r = &t.reqs[i];
        CU_ASSERT_EQUAL(strncmp(r->head, "PUT /p/", 7), 0);
        CU_ASSERT_PTR_NULL(find_ci(r->head, "\r\nAuthorization:"));
        CU_ASSERT_PTR_NULL(find_ci(r->head, "\r\nContent-Type:"));
        int part = r->head[7] - '1';
        CU_ASSERT_FATAL(part == 0 || part == 1);
        size_t off = (size_t)part * 3000, want = part == 0 ? 3000 : 2000;
        CU_ASSERT_EQUAL(r->body_len, want);
        CU_ASSERT(r->body_len == want && memcmp(r->body, buf + off, want) == 0);
        saw[part] = true;
    }
    CU_ASSERT_TRUE(saw[0] && saw[1]);
    CU_ASSERT_EQUAL(journal_count(key, "files.post_multipart_complete"), 1);
    tiny_free(&t);
    free(buf);
    civis_client_free(c);
}

static void test_files__a_failed_part_fails_the_upload(void)
{
    CU_ASSERT_FATAL(mock_up);
    const char *key = "files-badpart";
    int port = closed_port();
    CU_ASSERT_FATAL(port > 0);
    char resp[256];
    snprintf(resp, sizeof(resp),
             "{\"id\": 9001, \"uploadUrls\": [\"http://127.0.0.1:%d/p1\", "
             "\"http://127.0.0.1:%d/p2\"]}",
             port, port);
    CU_ASSERT_EQUAL(stub(key, "POST", "/files/multipart", 201, resp), 201);
    civis_client *c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    civis_file_options o = quick;
    o.multipart_threshold = 1000;
    o.part_size = 3000;
    o.max_attempts = 2;
    static char buf[5000];
    long long id = 5;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_buffer_to_civis(&id, c, buf, sizeof(buf), "lost.bin", &o, &err),
                    CIVIS_ETRANSPORT);
    CU_ASSERT_EQUAL(id, 0);
    CU_ASSERT_STRING_EQUAL(err.param, "part");
    CU_ASSERT_EQUAL(strncmp(err.message, "part ", 5), 0);
    char where[64];
    snprintf(where, sizeof(where), " of 2 to http://127.0.0.1:%d failed: ", port);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, where));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "(after 2 attempts)"));
    /* never completed: a file missing a part must not come to exist */
    CU_ASSERT_EQUAL(journal_count(key, "files.post_multipart"), 1);
    CU_ASSERT_EQUAL(journal_count(key, "files.post_multipart_complete"), 0);

    civis_client_free(c);

    /* a URL count that does not match the parts asked for */
    key = "files-badcount";
    c = mock_client(&mp, key, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    snprintf(
        resp, sizeof(resp),
        "{\"id\": 9002, \"uploadUrls\": [\"http://127.0.0.1:%d/1\", \"http://127.0.0.1:%d/2\", "
        "\"http://127.0.0.1:%d/3\"]}",
        port, port, port);
    CU_ASSERT_EQUAL(stub(key, "POST", "/files/multipart", 201, resp), 201);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_buffer_to_civis(&id, c, buf, sizeof(buf), "lost.bin", &o, &err),
                    CIVIS_EPARSE);
    CU_ASSERT_STRING_EQUAL(err.message,
                           "files.post_multipart for file 9002 gave 3 upload URLs for 2 parts");
    CU_ASSERT_EQUAL(journal_count(key, "files.post_multipart_complete"), 0);
    civis_client_free(c);
}

static CU_TestInfo tests[] = {
    {"part plan follows the official rule", test_files__part_plan_follows_the_official_rule},
    {"bad arguments send nothing", test_files__bad_arguments_send_nothing},
    {"small round trips", test_files__small_round_trips},
    {"multipart round trip by checksum", test_files__multipart_round_trip_by_checksum},
    {"expired file is empty and leaves the destination",
     test_files__expired_file_is_empty_and_leaves_the_destination},
    {"form order, no credentials, rewound retry",
     test_files__form_order_no_credentials_and_rewound_retry},
    {"storage refusal carries its text", test_files__storage_refusal_carries_its_text},
    {"download retry rewinds the destination", test_files__download_retry_rewinds_the_destination},
    {"parts are retried and sent raw", test_files__parts_are_retried_and_sent_raw},
    {"a failed part fails the upload", test_files__a_failed_part_fails_the_upload},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(client_files, tests, suite_init, suite_cleanup)
