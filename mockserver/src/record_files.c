/*
 * record_files.c: presigned URLs and the bytes behind them.
 *
 * While recording, every presigned URL of an upstream answer (uploadUrl,
 * uploadUrls[], fileUrl, downloadUrl, output[].path) is replaced by
 * http://HOST/__record/files/TOKEN on this server, so the upload or download
 * that follows comes here: it is forwarded to the real URL (kept in memory
 * only: it carries credentials) and its bytes are stored as
 * files/SHA256 beside the cassette, with files/TOKEN.METHOD.json saying
 * what answered (status, headers, which bytes). The cassette itself holds
 * CMOCK_RECORD_ORIGIN/__record/files/TOKEN, which replay turns into its own
 * address, and serves from files/ with no upstream.
 *
 * TOKEN is the first 16 hex digits of the SHA-256 of the URL with its
 * credentials redacted: stable for one object, distinct for each part of a
 * multipart upload.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

#include "mock.h"
#include "record.h"

/* cmock__reply_header as a civis_answer_header_fn. */
static bool add_header(void *reply, const char *name, const char *value)
{
    return cmock__reply_header(reply, name, value);
}

#define TOKEN_LEN 16

typedef struct token_url {
    char token[TOKEN_LEN + 1];
    char *url; /* the real presigned URL (owned) */
} token_url;

struct cmock_record_files {
    char *dir; /* cassette/files */
    bool forward;
    pthread_mutex_t mu;
    token_url *map;
    size_t n, cap;
};

void cmock__record_sha256(const void *data, size_t len, char out[65])
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, sizeof(digest), digest);
    for (size_t i = 0; i < sizeof(digest); i++)
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

bool cmock__record_write_file(const char *dir, const char *name, const char *data, size_t len)
{
    size_t n = strlen(dir) + strlen(name) + 48;
    char *path = malloc(n), *tmp = malloc(n);
    bool ok = path != NULL && tmp != NULL;
    if (ok) {
        snprintf(path, n, "%s/%s", dir, name);
        snprintf(tmp, n, "%s/.%s.tmp.%ld", dir, name, (long)getpid());
        FILE *f = fopen(tmp, "wb");
        ok = f != NULL && fwrite(data, 1, len, f) == len;
        if (f != NULL)
            ok = fclose(f) == 0 && ok;
        ok = ok && rename(tmp, path) == 0;
        if (!ok)
            unlink(tmp);
    }
    free(path);
    free(tmp);
    return ok;
}

/* The whole file, NUL-terminated; NULL when it cannot be read. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *data = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            size_t ncap = cap ? cap * 2 : 65536 + 1;
            char *nd = realloc(data, ncap);
            if (nd == NULL) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = nd;
            cap = ncap;
        }
        size_t got = fread(data + n, 1, 65536, f);
        n += got;
        if (got < 65536)
            break;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        free(data);
        return NULL;
    }
    data[n] = '\0';
    *len = n;
    return data;
}

civis_status cmock__record_files_new(cmock_record_files **out, const char *dir, bool forward,
                                     civis_error *err)
{
    *out = NULL;
    cmock_record_files *files = calloc(1, sizeof(*files));
    if (files == NULL)
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory opening the cassette");
    size_t n = strlen(dir) + 8;
    files->dir = malloc(n);
    if (files->dir == NULL || pthread_mutex_init(&files->mu, NULL) != 0) {
        free(files->dir);
        free(files);
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory opening the cassette");
    }
    snprintf(files->dir, n, "%s/files", dir);
    files->forward = forward;
    if (forward && mkdir(files->dir, 0777) != 0 && errno != EEXIST) {
        civis_status st = civis__fail(err, CIVIS_EIO, "cassette", "cannot create %s: %s",
                                      files->dir, strerror(errno));
        cmock__record_files_free(files);
        return st;
    }
    *out = files;
    return CIVIS_OK;
}

void cmock__record_files_free(cmock_record_files *files)
{
    if (files == NULL)
        return;
    for (size_t i = 0; i < files->n; i++)
        free(files->map[i].url);
    free(files->map);
    free(files->dir);
    pthread_mutex_destroy(&files->mu);
    free(files);
}

/* ---- rewriting answers ---------------------------------------------------- */

static bool is_url(const cJSON *v)
{
    return cJSON_IsString(v) && v->valuestring != NULL &&
           (strncmp(v->valuestring, "http://", 7) == 0 ||
            strncmp(v->valuestring, "https://", 8) == 0);
}

static bool remember(cmock_record_files *files, const char *token, const char *url)
{
    bool ok = true;
    pthread_mutex_lock(&files->mu);
    size_t i = 0;
    while (i < files->n && strcmp(files->map[i].token, token) != 0)
        i++;
    if (i == files->n) {
        if (files->n == files->cap) {
            size_t cap = files->cap ? files->cap * 2 : 16;
            token_url *m = realloc(files->map, cap * sizeof(*m));
            ok = m != NULL;
            if (ok) {
                files->map = m;
                files->cap = cap;
            }
        }
        if (ok) {
            memset(&files->map[i], 0, sizeof(files->map[i]));
            memcpy(files->map[i].token, token, TOKEN_LEN);
            files->map[i].token[TOKEN_LEN] = '\0';
            files->n++;
        }
    }
    if (ok) {
        char *copy = strdup(url); /* the newest signature is the one that works */
        ok = copy != NULL;
        if (ok) {
            free(files->map[i].url);
            files->map[i].url = copy;
        }
    }
    pthread_mutex_unlock(&files->mu);
    return ok;
}

static bool set_string(cJSON *v, const char *s)
{
    char *copy = strdup(s);
    if (copy == NULL)
        return false;
    free(v->valuestring);
    v->valuestring = copy;
    return true;
}

/* One presigned URL: client and disk copies point here, the real URL is
 * remembered under its token. */
static bool rewrite_url(cmock_record_files *files, const cmock_redactor *red, cJSON *client,
                        cJSON *disk, const char *origin)
{
    char *clean = cmock__record_redact_text(red, client->valuestring);
    if (clean == NULL)
        return false;
    char hash[65], url[512];
    cmock__record_sha256(clean, strlen(clean), hash);
    free(clean);
    hash[TOKEN_LEN] = '\0';
    if (!remember(files, hash, client->valuestring))
        return false;
    snprintf(url, sizeof(url), "%s%s%s", CMOCK_RECORD_ORIGIN, CMOCK_RECORD_FILES_PREFIX, hash);
    if (!set_string(disk, url))
        return false;
    snprintf(url, sizeof(url), "%s%s%s", origin, CMOCK_RECORD_FILES_PREFIX, hash);
    return set_string(client, url);
}

/* Upload form fields that are no secret and that a reader of the cassette
 * may want to see; every other value (policy, signature, credential, the
 * upstream's object key) is redacted on disk. */
static bool plain_form_field(const char *name)
{
    static const char *const plain[] = {"x-amz-algorithm", "x-amz-date", "success_action_status",
                                        "content-type", "acl"};
    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
        if (strcasecmp(name, plain[i]) == 0)
            return true;
    return false;
}

static bool redact_form(cJSON *fields)
{
    for (cJSON *c = fields->child; c != NULL; c = c->next) {
        if (c->string == NULL || plain_form_field(c->string) || !cJSON_IsString(c))
            continue;
        if (!set_string(c, CMOCK_RECORD_REDACTED))
            return false;
    }
    return true;
}

static bool url_key(const char *k)
{
    return strcmp(k, "uploadUrl") == 0 || strcmp(k, "fileUrl") == 0 ||
           strcmp(k, "downloadUrl") == 0 || strcmp(k, "upload_url") == 0 ||
           strcmp(k, "file_url") == 0 || strcmp(k, "download_url") == 0;
}

/* Walks client and disk (a deep copy of client) side by side. */
static bool walk(cmock_record_files *files, const cmock_redactor *red, cJSON *c, cJSON *d,
                 const char *origin, bool in_output)
{
    bool obj = cJSON_IsObject(c);
    if (!obj && !cJSON_IsArray(c))
        return true;
    for (cJSON *ci = c->child, *di = d->child; ci != NULL && di != NULL;
         ci = ci->next, di = di->next) {
        const char *k = obj ? ci->string : NULL;
        bool ok = true;
        if (k != NULL && is_url(ci) && (url_key(k) || (in_output && strcmp(k, "path") == 0))) {
            ok = rewrite_url(files, red, ci, di, origin);
        } else if (k != NULL && (strcmp(k, "uploadUrls") == 0 || strcmp(k, "upload_urls") == 0) &&
                   cJSON_IsArray(ci)) {
            for (cJSON *cu = ci->child, *du = di->child; ok && cu != NULL && du != NULL;
                 cu = cu->next, du = du->next)
                if (is_url(cu))
                    ok = rewrite_url(files, red, cu, du, origin);
        } else if (k != NULL &&
                   (strcmp(k, "uploadFields") == 0 || strcmp(k, "upload_fields") == 0) &&
                   cJSON_IsObject(di)) {
            ok = redact_form(di);
        } else {
            /* output[] elements are objects whose "path" is a download URL. */
            bool out =
                (k != NULL && strcmp(k, "output") == 0 && cJSON_IsArray(ci)) || (in_output && !obj);
            ok = walk(files, red, ci, di, origin, out);
        }
        if (!ok)
            return false;
    }
    return true;
}

bool cmock__record_files_rewrite(cmock_record_files *files, const cmock_redactor *red,
                                 cJSON *client, cJSON *disk, const char *origin)
{
    return walk(files, red, client, disk, origin, false);
}

bool cmock__record_files_localize(cJSON *v, const char *origin)
{
    if (v == NULL)
        return true;
    if (cJSON_IsString(v) && v->valuestring != NULL) {
        size_t n = strlen(CMOCK_RECORD_ORIGIN);
        if (strncmp(v->valuestring, CMOCK_RECORD_ORIGIN, n) != 0 ||
            strncmp(v->valuestring + n, CMOCK_RECORD_FILES_PREFIX,
                    strlen(CMOCK_RECORD_FILES_PREFIX)) != 0)
            return true;
        size_t len = strlen(origin) + strlen(v->valuestring + n) + 1;
        char *s = malloc(len);
        if (s == NULL)
            return false;
        snprintf(s, len, "%s%s", origin, v->valuestring + n);
        free(v->valuestring);
        v->valuestring = s;
        return true;
    }
    for (cJSON *c = v->child; c != NULL; c = c->next)
        if (!cmock__record_files_localize(c, origin))
            return false;
    return true;
}

/* ---- serving and forwarding storage requests ----------------------------- */

/* The file part of a multipart/form-data body (the boundary is its first
 * line); NULL when there is none. */
static const char *form_file(const char *body, size_t len, size_t *flen)
{
    if (body == NULL || len < 4 || strncmp(body, "--", 2) != 0)
        return NULL;
    const char *eol = memchr(body, '\r', len);
    if (eol == NULL)
        return NULL;
    size_t blen = (size_t)(eol - body); /* "--boundary" */
    const char *p = body;
    const char *end = body + len;
    while (p < end) {
        const char *hdr_end = NULL;
        for (const char *q = p; q + 4 <= end; q++)
            if (memcmp(q, "\r\n\r\n", 4) == 0) {
                hdr_end = q;
                break;
            }
        if (hdr_end == NULL)
            return NULL;
        const char *data = hdr_end + 4;
        const char *next = NULL;
        for (const char *q = data; q + 2 + blen <= end; q++)
            if (q[0] == '\r' && q[1] == '\n' && memcmp(q + 2, body, blen) == 0) {
                next = q;
                break;
            }
        if (next == NULL)
            return NULL;
        size_t hl = (size_t)(hdr_end - p);
        bool is_file = false;
        for (size_t i = 0; i + 11 <= hl; i++)
            if (strncasecmp(p + i, "name=\"file\"", 11) == 0)
                is_file = true;
        if (is_file) {
            *flen = (size_t)(next - data);
            return data;
        }
        p = next + 2;
    }
    return NULL;
}

static void lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

static bool valid_token(const char *t)
{
    if (strlen(t) != TOKEN_LEN)
        return false;
    for (; *t; t++)
        if (!((*t >= '0' && *t <= '9') || (*t >= 'a' && *t <= 'f')))
            return false;
    return true;
}

static void refuse(cmock_reply *reply, const cmock_request *req, const char *why)
{
    char desc[512];
    snprintf(desc, sizeof(desc), "civis-mock cassette: %s for %.16s %.200s", why, req->method,
             req->path);
    cmock__error(reply, CMOCK_RECORD_UNMATCHED_STATUS, "civis_mock_unrecorded", desc);
}

/* Stores what the upstream answered to a storage request. */
static void store(cmock_record_files *files, const char *token, const char *verb,
                  const cmock_request *req, const cmock_forward_result *res)
{
    const char *bytes = NULL;
    size_t n = 0;
    if (strcmp(verb, "get") == 0 && res->status >= 200 && res->status < 300) {
        bytes = res->body;
        n = res->body_len;
    } else if (strcmp(verb, "put") == 0) {
        bytes = req->body;
        n = req->body_len;
    } else if (strcmp(verb, "post") == 0) {
        bytes = form_file(req->body, req->body_len, &n);
    }
    char hash[65] = "";
    if (bytes != NULL) {
        cmock__record_sha256(bytes, n, hash);
        if (!cmock__record_write_file(files->dir, hash, bytes, n))
            hash[0] = '\0';
    }
    cJSON *meta = cJSON_CreateObject();
    cJSON *hdrs = cJSON_Duplicate(res->headers, true);
    bool ok = meta != NULL && hdrs != NULL &&
              cJSON_AddStringToObject(meta, "method", req->method) != NULL &&
              cJSON_AddNumberToObject(meta, "status", (double)res->status) != NULL &&
              cJSON_AddItemToObject(meta, "headers", hdrs);
    if (!ok)
        cJSON_Delete(hdrs);
    if (ok && hash[0] != '\0')
        ok = cJSON_AddStringToObject(meta, "sha256", hash) != NULL &&
             cJSON_AddNumberToObject(meta, "size", (double)n) != NULL;
    char *text = ok ? civis_fixture_print(meta) : NULL;
    char name[64];
    snprintf(name, sizeof(name), "%s.%s.json", token, verb);
    if (text != NULL)
        (void)cmock__record_write_file(files->dir, name, text, strlen(text));
    free(text);
    cJSON_Delete(meta);
}

static void send_forwarded(cmock_reply *reply, cmock_forward_result *res)
{
    reply->status = (int)res->status;
    if (res->body_len > 0 || res->status != 204) {
        cmock__reply_body_take(reply, res->body, res->body_len);
        res->body = NULL;
    }
    for (cJSON *h = res->headers ? res->headers->child : NULL; h != NULL; h = h->next)
        if (cJSON_IsString(h))
            (void)cmock__reply_header(reply, h->string, h->valuestring);
}

/* Serves a recorded storage answer; false when there is none. */
static bool replay(cmock_record_files *files, const char *token, const char *verb,
                   const cmock_request *req, cmock_reply *reply)
{
    const char *lookup = strcmp(verb, "head") == 0 ? "get" : verb;
    size_t n = strlen(files->dir) + 96; /* "/" + a token or a SHA-256 + ".method.json" */
    char *path = malloc(n);
    if (path == NULL)
        return false;
    snprintf(path, n, "%s/%s.%s.json", files->dir, token, lookup);
    size_t len = 0;
    char *text = read_all(path, &len);
    cJSON *meta = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(meta, "status");
    const cJSON *hash = cJSON_GetObjectItemCaseSensitive(meta, "sha256");
    bool ok = cJSON_IsNumber(st);
    if (ok) {
        reply->status = st->valueint;
        civis_answer_copy_headers(cJSON_GetObjectItemCaseSensitive(meta, "headers"), add_header,
                                  reply);
    }
    if (ok && strcmp(lookup, "get") == 0 && cJSON_IsString(hash)) {
        snprintf(path, n, "%s/%s", files->dir, hash->valuestring);
        char *bytes = strchr(hash->valuestring, '/') ? NULL : read_all(path, &len);
        if (bytes == NULL) {
            cmock__reply_clear(reply);
            refuse(reply, req, "the recorded bytes are missing from files/");
        } else if (strcmp(verb, "head") == 0) {
            free(bytes);
            cmock__reply_body_take(reply, NULL, 0);
        } else {
            cmock__reply_body_take(reply, bytes, len);
        }
    }
    cJSON_Delete(meta);
    free(path);
    return ok;
}

bool cmock__record_files_serve(cmock_record_files *files, cmock_forwarder *fw,
                               const cmock_request *req, cmock_reply *reply)
{
    const char *token = req->path + strlen(CMOCK_RECORD_FILES_PREFIX);
    char verb[8];
    snprintf(verb, sizeof(verb), "%s", req->method);
    lower(verb);
    if (!valid_token(token)) {
        refuse(reply, req, "no such recorded file");
        return false;
    }
    char *url = NULL;
    if (files->forward) {
        pthread_mutex_lock(&files->mu);
        for (size_t i = 0; i < files->n && url == NULL; i++)
            if (strcmp(files->map[i].token, token) == 0)
                url = strdup(files->map[i].url);
        pthread_mutex_unlock(&files->mu);
    }
    if (url != NULL) {
        char ctype[160];
        const char *ct = NULL;
        if (strcmp(verb, "post") == 0 && req->body != NULL && req->body_len > 2 &&
            strncmp(req->body, "--", 2) == 0) {
            size_t bl = strcspn(req->body + 2, "\r\n");
            if (bl < 100) {
                snprintf(ctype, sizeof(ctype), "multipart/form-data; boundary=%.*s", (int)bl,
                         req->body + 2);
                ct = ctype;
            }
        }
        cmock_forward_result res;
        bool ok = cmock__record_forward(fw, url, req->method, NULL, ct, req->body, req->body_len,
                                        true, &res);
        free(url);
        if (!ok) {
            char desc[400];
            snprintf(desc, sizeof(desc),
                     "civis-mock recorder: the storage upstream did not answer: %s", res.error);
            cmock__error(reply, 502, "civis_mock_upstream", desc);
        } else {
            store(files, token, verb, req, &res);
            send_forwarded(reply, &res);
        }
        cmock__record_forward_result_clear(&res);
        return true;
    }
    if (replay(files, token, verb, req, reply))
        return true;
    refuse(reply, req, "no recording");
    return false;
}
