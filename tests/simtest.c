/*
 * simtest.c: see simtest.h.
 */
#include "simtest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <zlib.h>

double civis_simtest_num(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

const char *civis_simtest_str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

long civis_simtest_post(cJSON **out, long *status, const civis_mockproc *mp, const char *key,
                        const char *path, const char *body)
{
    cJSON *j = NULL;
    long st = civis_mockproc_json(&j, mp, "POST", path, key, body ? body : "{}");
    if (status != NULL)
        *status = st;
    long id = -1;
    if (st >= 200 && st < 300) {
        id = (long)civis_simtest_num(j, "id");
        if (id < 0)
            id = (long)civis_simtest_num(j, "runId");
    }
    if (st < 200 || st >= 300)
        fprintf(stderr, "\n  POST %s -> %ld\n", path, st);
    if (out != NULL)
        *out = j;
    else
        cJSON_Delete(j);
    return id;
}

long civis_simtest_admin(cJSON **out, const civis_mockproc *mp, const char *method,
                         const char *path, const char *key, const char *content_type,
                         const char *body)
{
    char kh[256], ct[128];
    const char *hdrs[4];
    size_t n = 0;
    if (key != NULL) {
        snprintf(kh, sizeof(kh), "X-Civis-Mock-Key: %s", key);
        hdrs[n++] = kh;
    }
    snprintf(ct, sizeof(ct), "Content-Type: %s", content_type ? content_type : "application/json");
    hdrs[n++] = ct;
    hdrs[n++] = "Expect:";
    hdrs[n] = NULL;
    civis_http_reply r;
    civis_mockproc_request(&r, mp, method, path, hdrs, body, body ? strlen(body) : 0);
    long st = r.status;
    if (out != NULL)
        *out = civis_http_reply_json(&r);
    civis_http_reply_clear(&r);
    return st;
}

/* ---- plain HTTP on absolute URLs ---------------------------------------- */

typedef struct grow {
    char *buf;
    size_t len, cap;
    int failed;
} grow;

static size_t on_grow(char *data, size_t size, size_t n, void *cls)
{
    grow *g = cls;
    size_t add = size * n;
    if (g->len + add + 1 > g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 4096;
        while (cap < g->len + add + 1)
            cap *= 2;
        char *nb = realloc(g->buf, cap);
        if (nb == NULL) {
            g->failed = 1;
            return 0;
        }
        g->buf = nb;
        g->cap = cap;
    }
    memcpy(g->buf + g->len, data, add);
    g->len += add;
    g->buf[g->len] = '\0';
    return add;
}

long civis_simtest_get_url(char **body, size_t *len, const char *url)
{
    grow g = {0};
    long st = 0;
    CURL *c = curl_easy_init();
    if (c != NULL) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 120000L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_grow);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &g);
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
        curl_easy_cleanup(c);
    }
    if (g.buf == NULL)
        g.buf = calloc(1, 1);
    *body = g.buf;
    *len = g.len;
    return st;
}

/* splitmix64: the byte at position p of a seed's stream is byte p % 8 of
 * the (p / 8)-th output, so any window can be generated on its own. */
static uint64_t mix(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

void civis_simtest_bytes(uint64_t seed, uint64_t offset, unsigned char *buf, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint64_t p = offset + i;
        uint64_t word = mix(seed ^ (p / 8 * 0x100000001B3ull));
        for (unsigned b = (unsigned)(p % 8); b < 8 && i < len; b++, i++)
            buf[i] = (unsigned char)(word >> (b * 8));
    }
}

unsigned long civis_simtest_crc(uint64_t seed, uint64_t offset, uint64_t size)
{
    unsigned char buf[64 * 1024];
    unsigned long crc = crc32(0L, Z_NULL, 0);
    for (uint64_t done = 0; done < size;) {
        size_t n = size - done < sizeof(buf) ? (size_t)(size - done) : sizeof(buf);
        civis_simtest_bytes(seed, offset + done, buf, n);
        crc = crc32(crc, buf, (uInt)n);
        done += n;
    }
    return crc;
}

typedef struct stream {
    uint64_t seed, offset, size, sent;
    unsigned long crc;
} stream;

static size_t on_read(char *buf, size_t size, size_t n, void *cls)
{
    stream *s = cls;
    size_t want = size * n;
    if (want > s->size - s->sent)
        want = (size_t)(s->size - s->sent);
    civis_simtest_bytes(s->seed, s->offset + s->sent, (unsigned char *)buf, want);
    s->crc = crc32(s->crc, (const Bytef *)buf, (uInt)want);
    s->sent += want;
    return want;
}

static size_t on_discard(char *data, size_t size, size_t n, void *cls)
{
    (void)data; /* required by the libcurl write callback signature */
    (void)cls;
    return size * n;
}

long civis_simtest_put_stream(const char *url, const char *method, uint64_t seed, uint64_t offset,
                              uint64_t size, unsigned long *crc)
{
    stream s = {seed, offset, size, 0, crc32(0L, Z_NULL, 0)};
    long st = 0;
    CURL *c = curl_easy_init();
    struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
    if (c != NULL && hl != NULL) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 300000L);
        curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(c, CURLOPT_READDATA, &s);
        curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)size);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_discard);
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
    }
    curl_slist_free_all(hl);
    if (c != NULL)
        curl_easy_cleanup(c);
    *crc = s.crc;
    return st;
}

typedef struct sink {
    uint64_t size;
    unsigned long crc;
} sink;

static size_t on_sink(char *data, size_t size, size_t n, void *cls)
{
    sink *k = cls;
    k->crc = crc32(k->crc, (const Bytef *)data, (uInt)(size * n));
    k->size += size * n;
    return size * n;
}

long civis_simtest_download_crc(const char *url, uint64_t *size, unsigned long *crc)
{
    sink k = {0, crc32(0L, Z_NULL, 0)};
    long st = 0;
    CURL *c = curl_easy_init();
    if (c != NULL) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 300000L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_sink);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &k);
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
        curl_easy_cleanup(c);
    }
    *size = k.size;
    *crc = k.crc;
    return st;
}

long civis_simtest_proc_kb(long pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    long kb = -1;
    size_t fl = strlen(field);
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, field, fl) == 0 && line[fl] == ':')
            kb = strtol(line + fl + 1, NULL, 10);
    fclose(f);
    return kb;
}

void civis_simtest_fill(char *out, size_t len, const char *key, long id)
{
    size_t o = 0;
    for (const char *p = key; *p != '\0' && o + 24 < len; p++) {
        if (p[0] == '{' && p[1] == '}') {
            o += (size_t)snprintf(out + o, len - o, "%ld", id);
            p++;
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
}

long civis_simtest_upload(const civis_mockproc *m, const char *key, const char *name,
                          const char *data, size_t len)
{
    char body[300];
    snprintf(body, sizeof(body), "{\"name\":\"%s\"}", name);
    cJSON *f = NULL;
    long id = civis_simtest_post(&f, NULL, m, key, "/files", body);
    const cJSON *fields = cJSON_GetObjectItemCaseSensitive(f, "uploadFields");
    const char *url = civis_simtest_str(f, "uploadUrl");
    long st = 0;
    CURL *c = url ? curl_easy_init() : NULL;
    if (c != NULL) {
        curl_mime *mime = curl_mime_init(c);
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(fields, "key");
        curl_mimepart *p = curl_mime_addpart(mime);
        curl_mime_name(p, "key");
        curl_mime_data(p, cJSON_IsString(k) ? k->valuestring : "", CURL_ZERO_TERMINATED);
        for (const cJSON *x = fields ? fields->child : NULL; x != NULL; x = x->next) {
            if (strcmp(x->string, "key") == 0 || !cJSON_IsString(x))
                continue;
            p = curl_mime_addpart(mime);
            curl_mime_name(p, x->string);
            curl_mime_data(p, x->valuestring, CURL_ZERO_TERMINATED);
        }
        p = curl_mime_addpart(mime);
        curl_mime_name(p, "file");
        curl_mime_filename(p, name);
        curl_mime_data(p, data, len);
        struct curl_slist *hl = curl_slist_append(NULL, "Expect:");
        grow g = {0};
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 120000L);
        curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_grow);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &g);
        if (curl_easy_perform(c) == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
        free(g.buf);
        curl_slist_free_all(hl);
        curl_mime_free(mime);
        curl_easy_cleanup(c);
    }
    cJSON_Delete(f);
    return st >= 200 && st < 300 ? id : -1;
}
