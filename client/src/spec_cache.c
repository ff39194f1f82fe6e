/*
 * spec_cache.c: where a client's API spec comes from. An explicit spec,
 * buffer, file, the bundled one or $CIVIS_API_SPEC win; otherwise the spec
 * is downloaded from GET {base}endpoints, as the official client does, and
 * kept on disk for a day so that the next program start sends nothing.
 *
 * The cache lives in $XDG_CACHE_HOME/civis-c (else ~/.cache/civis-c), one
 * file per base URL named by a 64-bit FNV-1a hash of it, so two endpoints
 * never mix. It is written to a temporary file in the same folder and
 * renamed into place, so a reader never sees half a spec even when several
 * programs start at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "client_internal.h"

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

bool civis__spec_cache_file(char *buf, size_t len, const char *dir, const char *base_url)
{
    int n = snprintf(buf, len, "%s/spec-%016llx.json", dir, (unsigned long long)fnv1a(base_url));
    return n > 0 && (size_t)n < len;
}

/* The cache folder, or false when there is none to use. */
static bool cache_dir(char *buf, size_t len, const civis_client_options *o)
{
    int n;
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    if (o->cache_dir != NULL && *o->cache_dir)
        n = snprintf(buf, len, "%s", o->cache_dir);
    else if (xdg != NULL && xdg[0] == '/')
        n = snprintf(buf, len, "%s/civis-c", xdg);
    else if (home != NULL && *home)
        n = snprintf(buf, len, "%s/.cache/civis-c", home);
    else
        return false;
    return n > 0 && (size_t)n < len;
}

/* mkdir -p, private to the user (the spec is not secret, but the folder is theirs). */
static bool make_dirs(const char *dir)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
        return false;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return false;
        *p = '/';
    }
    return mkdir(tmp, 0700) == 0 || errno == EEXIST;
}

static void write_cache(civis_client *c, const char *dir, const char *file, const char *text,
                        size_t len)
{
    char tmp[4200];
    if (!make_dirs(dir) || snprintf(tmp, sizeof(tmp), "%s/.spec-XXXXXX", dir) >= (int)sizeof(tmp)) {
        civis__log(c, CIVIS_LOG_WARN, "spec cache: cannot create %s: %s", dir, strerror(errno));
        return;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        civis__log(c, CIVIS_LOG_WARN, "spec cache: cannot write in %s: %s", dir, strerror(errno));
        return;
    }
    bool ok = true;
    for (size_t off = 0; ok && off < len;) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        off += ok ? (size_t)w : 0;
    }
    ok = ok && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, file) != 0) {
        civis__log(c, CIVIS_LOG_WARN, "spec cache: cannot write %s: %s", file, strerror(errno));
        unlink(tmp);
        return;
    }
    civis__log(c, CIVIS_LOG_INFO, "spec cache: wrote %s (%zu bytes)", file, len);
}

/* The validator stored beside a cached spec ("spec-HASH.etag"), or "". */
static void read_etag(char *buf, size_t len, const char *file)
{
    char path[4300];
    buf[0] = '\0';
    snprintf(path, sizeof(path), "%.4200s.etag", file);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return;
    size_t n = fread(buf, 1, len - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
}

static void write_etag(const char *file, const char *etag)
{
    char path[4300];
    snprintf(path, sizeof(path), "%.4200s.etag", file);
    if (etag == NULL || etag[0] == '\0' || strlen(etag) > 200) {
        unlink(path); /* no validator: the cache falls back to its age */
        return;
    }
    FILE *f = fopen(path, "wb");
    if (f != NULL) {
        fputs(etag, f);
        fclose(f);
    }
}

/* What a GET {base}endpoints gave: a spec's bytes, or "not modified". */
typedef struct fetched {
    char *text; /* owned (civis__free); NULL when not modified */
    size_t len;
    char etag[208]; /* the server's validator, "" when it sent none */
    bool not_modified;
} fetched;

/* GET {base}endpoints, conditional on `etag` when given. */
static civis_status download(fetched *out, civis_client *c, const char *etag, civis_error *err)
{
    civis_response *resp = NULL;
    civis_send s = {.method = "GET",
                    .path = "/endpoints",
                    .query = "",
                    .raw_body = true,
                    .if_none_match = etag != NULL && etag[0] ? etag : NULL};
    civis_error e = CIVIS_ERROR_INIT;
    civis_status st = civis__send(&resp, c, &s, true, &e);
    if (st != CIVIS_OK) {
        civis__fail(err, st, "spec", "%s", e.message);
        if (err != NULL && err->code == st)
            err->http_status = e.http_status;
        return st;
    }
    long status = civis_response_status(resp);
    const char *tag = civis_response_header(resp, "ETag");
    snprintf(out->etag, sizeof(out->etag), "%s", tag != NULL && strlen(tag) < 200 ? tag : "");
    if (status == 304 && s.if_none_match != NULL) {
        out->not_modified = true;
        civis_response_free(resp);
        return CIVIS_OK;
    }
    if (status == 401 || status == 403) {
        civis_response_free(resp);
        st = civis__fail(err, CIVIS_EAUTH, "api_key",
                         "(%ld) error downloading API specification. API key may be expired.",
                         status);
        if (err != NULL && err->code == CIVIS_EAUTH)
            err->http_status = status;
        return st;
    }
    if (status < 200 || status >= 300) {
        civis_http_response hr = {.status = status,
                                  .body = resp->body,
                                  .body_len = resp->body_len,
                                  .headers = resp->headers,
                                  .n_headers = resp->n_headers};
        st = civis__http_error(err, "GET", resp->path, &hr);
        civis_response_free(resp);
        return st;
    }
    if (resp->body == NULL || resp->body_len == 0) {
        civis_response_free(resp);
        return civis__fail(err, CIVIS_ESPEC, "spec", "GET /endpoints answered %ld with no body",
                           status);
    }
    out->text = resp->body;
    out->len = resp->body_len;
    resp->body = NULL;
    civis_response_free(resp);
    return CIVIS_OK;
}

/*
 * Loads spec bytes that came from the server or its cache. Bytes identical
 * to the bundled spec (civis-mock serves exactly those) are the bundled
 * spec: the process's shared index is used instead of parsing and indexing
 * the same 1.7 MB again, which made every program start pay for it.
 */
static civis_status load_bytes(civis_spec **out, const char *text, size_t len, const char *origin,
                               civis_error *err)
{
    size_t blen = 0;
    const char *bundled = civis_spec_bundled_text(&blen);
    if (len == blen && memcmp(text, bundled, len) == 0)
        return civis_spec_load_bundled(out, err);
    return civis_spec_load_buffer_from(out, text, len, origin, err);
}

/* The whole file, NUL-terminated, in *text (civis__free); false on failure. */
static bool read_whole(char **text, size_t *len, const char *path)
{
    FILE *f = fopen(path, "rb");
    struct stat sb;
    *text = NULL;
    if (f == NULL)
        return false;
    bool ok = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size >= 0;
    size_t n = ok ? (size_t)sb.st_size : 0;
    char *buf = ok ? civis__malloc(n + 1) : NULL;
    ok = buf != NULL && fread(buf, 1, n, f) == n;
    fclose(f);
    if (!ok) {
        civis__free(buf);
        return false;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return true;
}

static civis_status load_cached(civis_client *c, const char *file, civis_error *err)
{
    char *text = NULL;
    size_t len = 0;
    if (!read_whole(&text, &len, file))
        return civis__fail(err, CIVIS_EIO, "spec", "cannot read the cached spec %s", file);
    char origin[4400];
    snprintf(origin, sizeof(origin), "the spec cached from %.4000sendpoints", c->base_url);
    civis_status st = load_bytes(&c->owned_spec, text, len, origin, err);
    civis__free(text);
    if (st == CIVIS_OK) {
        c->spec_source = "cache";
        civis__log(c, CIVIS_LOG_INFO, "spec: read %s", file);
    }
    return st;
}

/*
 * The spec from GET {base}endpoints, through the cache:
 *  - a cached copy with the server's validator (ETag) is revalidated with a
 *    conditional request on every client start: 304 keeps it, 200 replaces
 *    it, so a server whose spec changed is never answered from a stale copy;
 *  - a cached copy without one (the server offers none) is used while it is
 *    younger than spec_ttl_s, as the official client does;
 *  - when the server cannot be reached, a cached copy within its age is
 *    still used.
 */
static civis_status from_endpoints(civis_client *c, const civis_client_options *o, bool force,
                                   civis_error *err)
{
    char dir[4096], file[4200], etag[208] = "";
    bool cached = !o->no_spec_cache && cache_dir(dir, sizeof(dir), o) &&
                  civis__spec_cache_file(file, sizeof(file), dir, c->base_url);
    long ttl = o->spec_ttl_s > 0 ? o->spec_ttl_s : 86400;
    struct stat sb;
    bool have = cached && stat(file, &sb) == 0 && S_ISREG(sb.st_mode);
    bool young = have && time(NULL) - sb.st_mtime < ttl;
    if (have && !force && !o->force_refresh)
        read_etag(etag, sizeof(etag), file);
    if (have && young && !force && !o->force_refresh && etag[0] == '\0') {
        civis_error e = CIVIS_ERROR_INIT;
        if (load_cached(c, file, &e) == CIVIS_OK)
            return CIVIS_OK;
        /* A damaged cache is not the caller's problem: fetch it again. */
        civis__log(c, CIVIS_LOG_WARN, "spec cache %s unusable (%s); downloading", file, e.message);
    }
    fetched f = {0};
    civis_error derr = CIVIS_ERROR_INIT;
    civis_status st = download(&f, c, etag, &derr);
    if (st != CIVIS_OK) {
        if (have && young && !force && load_cached(c, file, NULL) == CIVIS_OK) {
            civis__log(c, CIVIS_LOG_WARN, "spec: %s; using the cached copy", derr.message);
            return CIVIS_OK;
        }
        if (err != NULL && err->code == CIVIS_OK) /* the first error wins */
            *err = derr;
        return st;
    }
    if (f.not_modified) {
        civis_error e = CIVIS_ERROR_INIT;
        /* The server vouches that our copy is current, and its validator is
         * the bundled spec's: no need to read 1.7 MB back to find that out. */
        if (strcmp(etag, civis_spec_bundled_etag()) == 0 &&
            civis_spec_load_bundled(&c->owned_spec, &e) == CIVIS_OK) {
            c->spec_source = "cache";
            utime(file, NULL);
            return CIVIS_OK;
        }
        if (load_cached(c, file, &e) == CIVIS_OK) {
            utime(file, NULL); /* revalidated: as good as new */
            return CIVIS_OK;
        }
        civis__log(c, CIVIS_LOG_WARN, "spec cache %s unusable (%s); downloading", file, e.message);
        return from_endpoints(c, o, true, err);
    }
    char origin[4200];
    snprintf(origin, sizeof(origin), "the spec downloaded from %.4000sendpoints", c->base_url);
    st = load_bytes(&c->owned_spec, f.text, f.len, origin, err);
    if (st == CIVIS_OK) {
        c->spec_source = "download";
        civis__log(c, CIVIS_LOG_INFO, "spec: downloaded %zu bytes from %sendpoints", f.len,
                   c->base_url);
        if (cached) {
            write_cache(c, dir, file, f.text, f.len);
            write_etag(file, f.etag);
        }
    }
    civis__free(f.text);
    if (st == CIVIS_OK && cached && c->spec_cache_file == NULL)
        c->spec_cache_file = civis__strdup(file); /* for a later refresh; none if no memory */
    return st;
}

const civis_spec *civis__client_spec(const civis_client *client)
{
    civis_client *c = (civis_client *)client; /* the lock, not the client, changes */
    pthread_mutex_lock(&c->spec_lock);
    const civis_spec *spec = c->spec;
    pthread_mutex_unlock(&c->spec_lock);
    return spec;
}

/* Downloads the spec again (no validator: the cached copy is what lacked
 * the name) and makes it the client's. The old spec stays alive until the
 * client is freed: other threads may hold its operations. */
static void refresh(civis_client *c)
{
    fetched f = {0};
    civis_error e = CIVIS_ERROR_INIT;
    civis_spec *fresh = NULL;
    if (download(&f, c, NULL, &e) != CIVIS_OK) {
        civis__log(c, CIVIS_LOG_WARN, "spec refresh: %s", e.message);
        return;
    }
    char origin[4200];
    snprintf(origin, sizeof(origin), "the spec downloaded from %.4000sendpoints", c->base_url);
    if (load_bytes(&fresh, f.text, f.len, origin, &e) != CIVIS_OK) {
        civis__log(c, CIVIS_LOG_WARN, "spec refresh: %s", e.message);
        civis__free(f.text);
        return;
    }
    civis__log(c, CIVIS_LOG_INFO, "spec: refreshed from %sendpoints (%zu bytes)", c->base_url,
               f.len);
    if (c->spec_cache_file != NULL) {
        char dir[4200];
        snprintf(dir, sizeof(dir), "%s", c->spec_cache_file);
        char *slash = strrchr(dir, '/');
        if (slash != NULL) {
            *slash = '\0';
            write_cache(c, dir, c->spec_cache_file, f.text, f.len);
            write_etag(c->spec_cache_file, f.etag);
        }
    }
    civis__free(f.text);
    pthread_mutex_lock(&c->spec_lock);
    c->fresh_spec = fresh;
    c->spec = fresh;
    c->spec_source = "download";
    pthread_mutex_unlock(&c->spec_lock);
}

civis_status civis__client_find(const civis_operation **op, const civis_spec **spec_out,
                                civis_client *c, const char *resource, const char *method,
                                civis_error *err)
{
    const civis_spec *spec = civis__client_spec(c);
    civis_error e = CIVIS_ERROR_INIT;
    civis_status st = civis_spec_find(op, spec, resource, method, &e);
    bool unknown_name = st == CIVIS_EINVAL && resource != NULL && *resource && method != NULL &&
                        *method &&
                        (strcmp(e.param, "resource") == 0 || strcmp(e.param, "method") == 0);
    if (unknown_name && c->spec_refreshable) {
        pthread_mutex_lock(&c->refresh_lock);
        if (!c->spec_refreshed) {
            c->spec_refreshed = true;
            refresh(c);
        }
        pthread_mutex_unlock(&c->refresh_lock);
        const civis_spec *now = civis__client_spec(c);
        if (now != spec) {
            spec = now;
            civis_error_clear(&e);
            st = civis_spec_find(op, spec, resource, method, &e);
        }
    }
    if (st != CIVIS_OK && err != NULL && err->code == CIVIS_OK) /* the first error wins */
        *err = e;
    *spec_out = spec;
    return st;
}

civis_status civis__spec_obtain(civis_client *c, const civis_client_options *o, civis_error *err)
{
    civis_status st;
    const char *env = getenv("CIVIS_API_SPEC");
    if (o->spec != NULL) {
        c->spec = o->spec;
        c->spec_source = "option";
        return CIVIS_OK;
    } else if (o->spec_buffer != NULL) {
        st = civis_spec_load_buffer(&c->owned_spec, o->spec_buffer, o->spec_len, err);
        c->spec_source = "buffer";
    } else if (o->spec_path != NULL) {
        st = civis_spec_load_file(&c->owned_spec, o->spec_path, err);
        c->spec_source = "file";
    } else if (o->bundled_spec) {
        st = civis_spec_load_bundled(&c->owned_spec, err);
        c->spec_source = "bundled";
    } else if (env != NULL && *env != '\0') {
        st = civis_spec_load_file(&c->owned_spec, env, err);
        c->spec_source = "env";
    } else {
        st = from_endpoints(c, o, false, err);
        c->spec_refreshable = true;
    }
    c->spec = c->owned_spec;
    return st;
}
