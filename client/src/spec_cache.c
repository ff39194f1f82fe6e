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

/* GET {base}endpoints; on success the body is moved into *text. */
static civis_status download(char **text, size_t *len, civis_client *c, civis_error *err)
{
    civis_response *resp = NULL;
    civis_send s = {"GET", "/endpoints", "", NULL, 0, NULL, NULL, false, true, NULL};
    civis_error e = CIVIS_ERROR_INIT;
    civis_status st = civis__send(&resp, c, &s, true, &e);
    if (st != CIVIS_OK) {
        civis__fail(err, st, "spec", "%s", e.message);
        if (err != NULL && err->code == st)
            err->http_status = e.http_status;
        return st;
    }
    long status = civis_response_status(resp);
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
    *text = resp->body;
    *len = resp->body_len;
    resp->body = NULL;
    civis_response_free(resp);
    return CIVIS_OK;
}

static civis_status from_endpoints(civis_client *c, const civis_client_options *o, civis_error *err)
{
    char dir[4096], file[4200];
    bool cached = !o->no_spec_cache && cache_dir(dir, sizeof(dir), o) &&
                  civis__spec_cache_file(file, sizeof(file), dir, c->base_url);
    long ttl = o->spec_ttl_s > 0 ? o->spec_ttl_s : 86400;
    struct stat sb;
    if (cached && !o->force_refresh && stat(file, &sb) == 0 && S_ISREG(sb.st_mode) &&
        time(NULL) - sb.st_mtime < ttl) {
        civis_error e = CIVIS_ERROR_INIT;
        if (civis_spec_load_file(&c->owned_spec, file, &e) == CIVIS_OK) {
            c->spec_source = "cache";
            civis__log(c, CIVIS_LOG_INFO, "spec: read %s", file);
            return CIVIS_OK;
        }
        /* A damaged cache is not the caller's problem: fetch it again. */
        civis__log(c, CIVIS_LOG_WARN, "spec cache %s unusable (%s); downloading", file, e.message);
    }
    char *text = NULL;
    size_t len = 0;
    civis_status st = download(&text, &len, c, err);
    if (st != CIVIS_OK)
        return st;
    st = civis_spec_load_buffer(&c->owned_spec, text, len, err);
    if (st == CIVIS_OK) {
        c->spec_source = "download";
        civis__log(c, CIVIS_LOG_INFO, "spec: downloaded %zu bytes from %sendpoints", len,
                   c->base_url);
        if (cached)
            write_cache(c, dir, file, text, len);
    }
    civis__free(text);
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
        st = from_endpoints(c, o, err);
    }
    c->spec = c->owned_spec;
    return st;
}
