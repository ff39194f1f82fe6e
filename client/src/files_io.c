/*
 * files_io.c: file_to_civis and civis_to_file (CIVIS_API_NOTES 4.12, 4.13).
 * An upload is described once (a byte source and the files.post
 * arguments) and then goes either as one presigned form POST (here) or in
 * parts (multipart.c). A download resolves fileUrl and streams it into a
 * sink: a stream, or memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "files_internal.h"

#define MAX_DESCRIPTION 512

/* ---- what every upload shares ---------------------------------------------------- */

/* Characters, not bytes, as Python's len() counts them. */
static size_t utf8_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* The files.post / files.post_multipart arguments: name, then expires_at
 * and description only when given (the official client leaves them out). */
static civis_status upload_args(cJSON **out, const char *name, const civis_file_options *o,
                                civis_error *err)
{
    *out = NULL;
    if (name == NULL || name[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "name", "the file needs a name");
    const char *desc = o && o->description && o->description[0] ? o->description : NULL;
    if (desc != NULL && utf8_len(desc) > MAX_DESCRIPTION)
        return civis__fail(err, CIVIS_EINVAL, "description",
                           "description must be at most %d characters, got %zu", MAX_DESCRIPTION,
                           utf8_len(desc));
    cJSON *a = civis_args("name", CIVIS_STR(name), CIVIS_END);
    bool ok = a != NULL;
    if (ok && o != NULL && o->never_expires)
        ok = cJSON_AddNullToObject(a, "expires_at") != NULL;
    else if (ok && o != NULL && o->expires_at != NULL)
        ok = cJSON_AddStringToObject(a, "expires_at", o->expires_at) != NULL;
    if (ok && desc != NULL)
        ok = cJSON_AddStringToObject(a, "description", desc) != NULL;
    if (!ok) {
        cJSON_Delete(a);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory preparing an upload");
    }
    *out = a;
    return CIVIS_OK;
}

/* Adds one text field to the form. */
static bool form_field(curl_mime *mime, const char *name, const cJSON *value)
{
    curl_mimepart *part = curl_mime_addpart(mime);
    if (part == NULL || curl_mime_name(part, name) != CURLE_OK)
        return false;
    if (cJSON_IsString(value))
        return curl_mime_data(part, value->valuestring, CURL_ZERO_TERMINATED) == CURLE_OK;
    /* Storage fields are strings; anything else is sent as its JSON text. */
    char *text = cJSON_PrintUnformatted(value);
    bool ok = text != NULL && curl_mime_data(part, text, CURL_ZERO_TERMINATED) == CURLE_OK;
    cJSON_free(text);
    return ok;
}

/*
 * The presigned form: `key` first, then the other fields in the order
 * given and under the names given (the official client snake-cases them,
 * which only works because S3's names are lower case already), the bytes
 * last as `file`.
 */
static curl_mime *build_form(CURL *h, const cJSON *fields, const char *name, civis__cursor *cur)
{
    curl_mime *mime = curl_mime_init(h);
    if (mime == NULL)
        return NULL;
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(fields, "key");
    bool ok = key == NULL || form_field(mime, "key", key);
    for (const cJSON *f = fields->child; ok && f != NULL; f = f->next)
        if (strcmp(f->string, "key") != 0)
            ok = form_field(mime, f->string, f);
    curl_mimepart *part = ok ? curl_mime_addpart(mime) : NULL;
    ok = part != NULL && curl_mime_name(part, "file") == CURLE_OK &&
         curl_mime_filename(part, name) == CURLE_OK &&
         curl_mime_data_cb(part, (curl_off_t)cur->len, civis__cursor_read, civis__cursor_seek, NULL,
                           cur) == CURLE_OK;
    if (!ok) {
        curl_mime_free(mime);
        return NULL;
    }
    return mime;
}

/* civis__cursor_read for a transport's read(): (size_t)-1 when the source
 * failed. */
static size_t cursor_pull(char *buf, size_t n, void *data)
{
    size_t got = civis__cursor_read(buf, 1, n, data);
    return got == CURL_READFUNC_ABORT ? (size_t)-1 : got;
}

/* One POST of the form to uploadUrl, retried from the first byte. */
static civis_status post_form(const char *url, const cJSON *fields, const char *name,
                              const civis__src *src, const civis__xfer *x, civis_error *err)
{
    char what[200];
    snprintf(what, sizeof(what), "upload of %.160s", name);
    if (civis__presigned_by_transport(x)) {
        civis__cursor cur = {src, 0, src->size, 0, 0};
        civis_presigned_request req = {
            .method = "POST",
            .url = url,
            .fields = fields,
            .filename = name,
            .size = src->size,
            .read = cursor_pull,
            .read_data = &cur,
        };
        return civis__presigned_via_transport(x, what, &req, &cur.read_errno, err);
    }
    for (int attempt = 1;; attempt++) {
        char errbuf[CURL_ERROR_SIZE];
        civis__errbody body = {.len = 0};
        civis__cursor cur = {src, 0, src->size, 0, 0};
        struct curl_slist *hdrs = NULL;
        CURL *h = curl_easy_init();
        if (h == NULL)
            return civis__fail(err, CIVIS_ENOMEM, "", "cannot create a libcurl handle");
        civis_status st = civis__presigned_setup(h, x, url, false, errbuf, &hdrs, err);
        curl_mime *mime = st == CIVIS_OK ? build_form(h, fields, name, &cur) : NULL;
        if (st == CIVIS_OK && mime == NULL)
            st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory building the upload form");
        if (st != CIVIS_OK) {
            curl_slist_free_all(hdrs);
            curl_easy_cleanup(h);
            return st;
        }
        curl_easy_setopt(h, CURLOPT_MIMEPOST, mime);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, civis__errbody_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
        CURLcode rc = curl_easy_perform(h);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_mime_free(mime);
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(h);
        if (rc == CURLE_OK && status >= 200 && status < 300)
            return CIVIS_OK;
        if (cur.read_errno == 0 && civis__presigned_retryable(rc, status) &&
            attempt < x->max_attempts && !civis__xfer_expired(x)) {
            civis__sleep(civis__presigned_backoff(x, attempt));
            continue;
        }
        return civis__presigned_fail(err, x, what, url, rc, status, errbuf, &body, attempt,
                                     cur.read_errno);
    }
}

/* files.post, then the form POST; the single-request upload. */
static civis_status single_upload(long long *file_id, civis_client *client, const civis__src *src,
                                  const cJSON *args, const char *name, const civis__xfer *x,
                                  civis_error *err)
{
    civis_response *resp = NULL;
    long long id = 0;
    civis_status st = civis_call(&resp, client, "files", "post", args, err);
    if (st != CIVIS_OK)
        return st;
    civis_error e = CIVIS_ERROR_INIT;
    const cJSON *url = civis_response_get(resp, "upload_url");
    const cJSON *fields = civis_response_get(resp, "upload_fields");
    if (civis_response_int(&id, resp, "id", &e) != CIVIS_OK)
        st = civis__fail(err, CIVIS_EPARSE, "id", "files.post answered without an id: %s",
                         e.message);
    else if (!cJSON_IsString(url) || !cJSON_IsObject(fields))
        st = civis__fail(err, CIVIS_EPARSE, cJSON_IsString(url) ? "uploadFields" : "uploadUrl",
                         "files.post for file %lld answered without %s", id,
                         cJSON_IsString(url) ? "an uploadFields object" : "an uploadUrl");
    else
        st = post_form(url->valuestring, fields, name, src, x, err);
    civis_response_free(resp);
    if (st == CIVIS_OK)
        *file_id = id;
    return st;
}

static civis_status upload(long long *file_id, civis_client *client, const civis__src *src,
                           const char *name, const civis_file_options *opts, civis_error *err)
{
    if (client == NULL)
        return civis__fail(err, CIVIS_EINVAL, "client", "client must not be NULL");
    if (src->size > CIVIS_UPLOAD_MAX_SIZE)
        return civis__fail(err, CIVIS_EINVAL, "size",
                           "%s is %llu bytes; a Civis file holds at most 5 TiB", src->what,
                           (unsigned long long)src->size);
    civis__xfer x;
    cJSON *args = NULL;
    civis_status st = civis__xfer_init(&x, client, opts, err);
    if (st == CIVIS_OK)
        st = upload_args(&args, name, opts, err);
    if (st != CIVIS_OK)
        return st;
    unsigned long long threshold =
        opts && opts->multipart_threshold ? opts->multipart_threshold : CIVIS_MULTIPART_MIN_SIZE;
    if (src->size > threshold && civis__presigned_by_transport(&x))
        /* parts go out in parallel through libcurl's multi interface, which
         * a transport's one-request hook cannot carry */
        st = civis__fail(err, CIVIS_EINVAL, "size",
                         "%s is %llu bytes, above the multipart threshold (%llu); the client's "
                         "transport (%s) serves single-request uploads only",
                         src->what, (unsigned long long)src->size, threshold,
                         client->transport.name ? client->transport.name : "custom");
    else if (src->size > threshold)
        st = civis__multipart_upload(file_id, client, src, args, opts, &x, err);
    else
        st = single_upload(file_id, client, src, args, name, &x, err);
    cJSON_Delete(args);
    return st;
}

civis_status civis_file_to_civis(long long *file_id, civis_client *client, const char *path,
                                 const char *name, const civis_file_options *opts, civis_error *err)
{
    if (file_id == NULL)
        return civis__fail(err, CIVIS_EINVAL, "file_id", "file_id must not be NULL");
    *file_id = 0;
    if (path == NULL || path[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "path", "path must not be empty");
    if (name == NULL) {
        const char *slash = strrchr(path, '/');
        name = slash ? slash + 1 : path;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return civis__fail(err, CIVIS_EIO, "path", "cannot open %.300s: %s", path, strerror(errno));
    struct stat sb;
    civis_status st = CIVIS_OK;
    if (fstat(fd, &sb) != 0)
        st = civis__fail(err, CIVIS_EIO, "path", "cannot stat %.300s: %s", path, strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        st = civis__fail(err, CIVIS_EINVAL, "path",
                         "%.300s is not a regular file (its size must be known)", path);
    if (st == CIVIS_OK) {
        civis__src src = {NULL, fd, (uint64_t)sb.st_size, path};
        st = upload(file_id, client, &src, name, opts, err);
    }
    close(fd);
    return st;
}

civis_status civis_buffer_to_civis(long long *file_id, civis_client *client, const void *data,
                                   size_t len, const char *name, const civis_file_options *opts,
                                   civis_error *err)
{
    if (file_id == NULL)
        return civis__fail(err, CIVIS_EINVAL, "file_id", "file_id must not be NULL");
    *file_id = 0;
    if (data == NULL && len > 0)
        return civis__fail(err, CIVIS_EINVAL, "data", "data must not be NULL");
    if (name == NULL)
        return civis__fail(err, CIVIS_EINVAL, "name", "an upload from memory needs a name");
    static const unsigned char empty[1] = {0};
    civis__src src = {data ? data : empty, -1, (uint64_t)len, "buffer"};
    return upload(file_id, client, &src, name, opts, err);
}

/* ---- downloads -------------------------------------------------------------------- */

/* Where downloaded bytes go. */
typedef struct sink {
    civis__write_fn fn; /* a consumer, or NULL */
    void *fn_data;
    FILE *fp;    /* a stream, or NULL for memory */
    off_t start; /* where the stream started, -1 when it cannot seek */
    char *mem;   /* memory: the bytes */
    size_t len, cap;
    bool wrote;   /* something reached the destination this attempt */
    int io_errno; /* the destination failed */
    CURL *h;
    civis__errbody body; /* an error reply is kept here, not written */
} sink;

/* Bytes of a 2xx answer into the sink; false (io_errno set) when the
 * destination failed. */
static bool sink_put(const char *data, size_t n, void *arg)
{
    sink *s = arg;
    if (n == 0)
        return true;
    s->wrote = true;
    if (s->fn != NULL) {
        if (!s->fn(data, n, s->fn_data)) {
            s->io_errno = ECANCELED;
            return false;
        }
        return true;
    }
    if (s->fp != NULL) {
        if (fwrite(data, 1, n, s->fp) != n) {
            s->io_errno = errno ? errno : EIO;
            return false;
        }
        return true;
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 64 * 1024;
        while (cap < s->len + n + 1)
            cap *= 2;
        char *grown = civis__realloc(s->mem, cap);
        if (grown == NULL) {
            s->io_errno = ENOMEM;
            return false;
        }
        s->mem = grown;
        s->cap = cap;
    }
    memcpy(s->mem + s->len, data, n);
    s->len += n;
    s->mem[s->len] = '\0';
    return true;
}

static size_t sink_write(char *data, size_t size, size_t nmemb, void *arg)
{
    sink *s = arg;
    size_t n = size * nmemb;
    long status = 0;
    curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300)
        return civis__errbody_write(data, size, nmemb, &s->body);
    if (n == 0)
        return 0;
    return sink_put(data, n, s) ? n : 0;
}

/* Back to where the destination started, for another attempt. */
static bool sink_rewind(sink *s)
{
    s->body.len = 0;
    s->body.text[0] = '\0';
    if (s->fn != NULL)
        return !s->wrote; /* a consumer cannot take its bytes back */
    if (s->fp == NULL) {
        s->len = 0;
        return true;
    }
    if (!s->wrote)
        return true;
    if (s->start < 0 || fflush(s->fp) != 0 || ftruncate(fileno(s->fp), s->start) != 0 ||
        fseeko(s->fp, s->start, SEEK_SET) != 0)
        return false;
    s->wrote = false;
    return true;
}

/* fileUrl of a file, or CIVIS_EEMPTY when it has none (expired). */
static civis_status file_url(char **url, civis_client *client, long long file_id, civis_error *err)
{
    *url = NULL;
    if (client == NULL)
        return civis__fail(err, CIVIS_EINVAL, "client", "client must not be NULL");
    civis_response *resp = NULL;
    civis_status st =
        civis_callv(&resp, client, "files", "get", err, "id", CIVIS_INT(file_id), CIVIS_END);
    if (st != CIVIS_OK)
        return st;
    const cJSON *u = civis_response_get(resp, "file_url");
    if (!cJSON_IsString(u) || u->valuestring[0] == '\0')
        st = civis__fail(err, CIVIS_EEMPTY, "file_id",
                         "Unable to locate file %lld. If it previously existed, it may have "
                         "expired.",
                         file_id);
    else if ((*url = civis__strdup(u->valuestring)) == NULL)
        st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    civis_response_free(resp);
    return st;
}

/* Streams `url` into the sink, retried from the start. */
static civis_status download(const char *url, long long file_id, sink *s, const civis__xfer *x,
                             civis_error *err)
{
    char what[64];
    snprintf(what, sizeof(what), "download of file %lld", file_id);
    if (civis__presigned_by_transport(x)) {
        civis_presigned_request req = {
            .method = "GET",
            .url = url,
            .write = sink_put,
            .write_data = s,
        };
        civis_status st = civis__presigned_via_transport(x, what, &req, &s->io_errno, err);
        if (st == CIVIS_OK && s->fp != NULL && fflush(s->fp) != 0)
            return civis__fail(err, CIVIS_EIO, "", "%s: %s", what, strerror(errno));
        return st;
    }
    for (int attempt = 1;; attempt++) {
        char errbuf[CURL_ERROR_SIZE];
        struct curl_slist *hdrs = NULL;
        CURL *h = curl_easy_init();
        if (h == NULL)
            return civis__fail(err, CIVIS_ENOMEM, "", "cannot create a libcurl handle");
        s->h = h;
        civis_status st = civis__presigned_setup(h, x, url, false, errbuf, &hdrs, err);
        if (st != CIVIS_OK) {
            curl_easy_cleanup(h);
            return st;
        }
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
        CURLcode rc = curl_easy_perform(h);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(h);
        s->h = NULL;
        if (rc == CURLE_OK && status >= 200 && status < 300) {
            if (s->fp != NULL && fflush(s->fp) != 0)
                return civis__fail(err, CIVIS_EIO, "", "%s: %s", what, strerror(errno));
            return CIVIS_OK;
        }
        if (s->io_errno == 0 && civis__presigned_retryable(rc, status) &&
            attempt < x->max_attempts && !civis__xfer_expired(x) && sink_rewind(s)) {
            civis__sleep(civis__presigned_backoff(x, attempt));
            continue;
        }
        return civis__presigned_fail(err, x, what, url, rc, status, errbuf, &s->body, attempt,
                                     s->io_errno);
    }
}

/* The options and fileUrl every download starts from. */
static civis_status prepare(char **url, civis__xfer *x, civis_client *client, long long file_id,
                            const civis_file_options *opts, civis_error *err)
{
    *url = NULL;
    civis_status st = civis__xfer_init(x, client, opts, err);
    return st == CIVIS_OK ? file_url(url, client, file_id, err) : st;
}

civis_status civis_civis_to_stream(civis_client *client, long long file_id, FILE *fp,
                                   const civis_file_options *opts, civis_error *err)
{
    if (fp == NULL)
        return civis__fail(err, CIVIS_EINVAL, "fp", "the stream must not be NULL");
    civis__xfer x;
    char *url = NULL;
    civis_status st = prepare(&url, &x, client, file_id, opts, err);
    if (st == CIVIS_OK) {
        sink s = {.fp = fp, .start = ftello(fp)};
        st = download(url, file_id, &s, &x, err);
    }
    civis__free(url);
    return st;
}

civis_status civis_civis_to_file(civis_client *client, long long file_id, const char *path,
                                 const civis_file_options *opts, civis_error *err)
{
    if (path == NULL || path[0] == '\0')
        return civis__fail(err, CIVIS_EINVAL, "path", "path must not be empty");
    /* The URL first: an expired file must not truncate the destination. */
    civis__xfer x;
    char *url = NULL;
    civis_status st = prepare(&url, &x, client, file_id, opts, err);
    if (st != CIVIS_OK)
        return st;
    FILE *fp = fopen(path, "wb");
    if (fp == NULL) {
        civis__free(url);
        return civis__fail(err, CIVIS_EIO, "path", "cannot open %.300s for writing: %s", path,
                           strerror(errno));
    }
    sink s = {.fp = fp, .start = 0};
    st = download(url, file_id, &s, &x, err);
    if (fclose(fp) != 0 && st == CIVIS_OK)
        st = civis__fail(err, CIVIS_EIO, "path", "cannot write %.300s: %s", path, strerror(errno));
    civis__free(url);
    return st;
}

civis_status civis_civis_to_buffer(char **data, size_t *len, civis_client *client,
                                   long long file_id, const civis_file_options *opts,
                                   civis_error *err)
{
    if (data == NULL || len == NULL)
        return civis__fail(err, CIVIS_EINVAL, data == NULL ? "data" : "len",
                           "output pointers must not be NULL");
    *data = NULL;
    *len = 0;
    civis__xfer x;
    char *url = NULL;
    civis_status st = prepare(&url, &x, client, file_id, opts, err);
    sink s = {.fp = NULL, .start = 0};
    if (st == CIVIS_OK)
        st = download(url, file_id, &s, &x, err);
    civis__free(url);
    if (st == CIVIS_OK && s.mem == NULL && (s.mem = civis__malloc(1)) == NULL)
        st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    if (st != CIVIS_OK) {
        civis__free(s.mem);
        return st;
    }
    s.mem[s.len] = '\0';
    *data = s.mem;
    *len = s.len;
    return CIVIS_OK;
}

civis_status civis__download_url(const char *url, const char *what, civis__write_fn fn, void *data,
                                 const civis_client *client, const civis_file_options *opts,
                                 civis_error *err)
{
    civis__xfer x;
    civis_status st = civis__xfer_init(&x, client, opts, err);
    if (st != CIVIS_OK)
        return st;
    sink s = {.fn = fn, .fn_data = data, .start = -1};
    (void)what;
    return download(url, 0, &s, &x, err);
}
