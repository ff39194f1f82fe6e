/*
 * load.c: from bytes to a loaded spec. Reads the file, parses it with cJSON,
 * checks that it is a Swagger 2.0 document, then runs the load steps: $ref
 * checks (refs.c), the operation index (index.c) and the request router
 * (route.c). Any step that fails frees everything built so far.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "etag.h"
#include "spec_internal.h"

/* Generated at build time from spec/civis-api.json (spec/tools/embed.c):
 * the bytes, and the same document as a static cJSON tree. */
extern const unsigned char civis__bundled_spec[];
extern const size_t civis__bundled_spec_len;
extern cJSON *const civis__bundled_spec_doc;
extern const char civis__bundled_spec_etag[];

const char *civis_spec_bundled_text(size_t *len)
{
    if (len != NULL)
        *len = civis__bundled_spec_len;
    return (const char *)civis__bundled_spec;
}

/* Where a parse stopped, as "byte 812 (line 14, column 9)". Counting lines
 * costs a pass over the text, paid only on the error path. */
static void describe_offset(char *out, size_t outlen, const char *text, size_t offset)
{
    size_t line = 1, col = 1;
    for (size_t i = 0; i < offset; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    snprintf(out, outlen, "byte %zu (line %zu, column %zu)", offset, line, col);
}

/*
 * Whether JSON text stops early: it ends with brackets or a string still
 * open, and the parse failed on the text's last token (cJSON reports a
 * failure at the very end as the last byte, and a failed string or literal
 * at its start). Checked only on the error path.
 */
static bool ends_early(const char *text, size_t len, size_t err_offset)
{
    size_t depth = 0, string_start = 0;
    bool in_string = false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
            string_start = i;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    if (!in_string && depth == 0)
        return false;
    if (err_offset + 1 >= len || (in_string && err_offset >= string_start))
        return true;
    /* A literal or number cut short: "tru", "12.": only token characters
     * (or whitespace) from the failure to the end. */
    for (size_t i = err_offset; i < len; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+- \t\r\n",
                    text[i]) ||
            text[i] == '\0')
            return false;
    return true;
}

static bool is_json_space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/*
 * Parses len bytes (no NUL needed) into spec->doc. The error position comes
 * back through `end`, never through the process-global cJSON_GetErrorPtr.
 * Trailing bytes after the value are checked here rather than by cJSON's
 * require_null_terminated, which needs a terminator inside the buffer.
 */
static civis_status parse_text(civis_spec *spec, const char *text, size_t len, civis_error *err)
{
    if (len == 0)
        return civis__fail(err, CIVIS_EPARSE, NULL, "empty document (0 bytes), expected JSON");
    const char *end = NULL;
    spec->doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    size_t offset = end != NULL && end >= text ? (size_t)(end - text) : 0;
    if (offset > len)
        offset = len;
    size_t rest = offset;
    while (rest < len && is_json_space(text[rest]))
        rest++;
    char where[96];
    if (spec->doc != NULL) {
        if (rest == len)
            return CIVIS_OK;
        cJSON_Delete(spec->doc);
        spec->doc = NULL;
        describe_offset(where, sizeof(where), text, rest);
        return civis__fail(err, CIVIS_EPARSE, NULL,
                           "not valid JSON: unexpected data after the document at %s", where);
    }
    if (ends_early(text, len, offset)) {
        describe_offset(where, sizeof(where), text, len);
        return civis__fail(err, CIVIS_EPARSE, NULL,
                           "not valid JSON: document ends early at %s (truncated?)", where);
    }
    describe_offset(where, sizeof(where), text, offset);
    return civis__fail(err, CIVIS_EPARSE, NULL, "not valid JSON at %s", where);
}

static civis_status check_shape(civis_spec *spec, civis_error *err)
{
    const cJSON *doc = spec->doc;
    if (!cJSON_IsObject(doc))
        return civis__fail(err, CIVIS_ESPEC, NULL,
                           "$: expected a JSON object (a Swagger 2.0 document)");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "swagger");
    if (version == NULL) {
        const cJSON *openapi = cJSON_GetObjectItemCaseSensitive(doc, "openapi");
        if (cJSON_IsString(openapi))
            return civis__fail(err, CIVIS_ESPEC, "swagger",
                               "$.swagger: missing; this is OpenAPI %s, only Swagger "
                               "2.0 is supported",
                               openapi->valuestring);
        return civis__fail(err, CIVIS_ESPEC, "swagger",
                           "$.swagger: missing (not a Swagger 2.0 document)");
    }
    if (!cJSON_IsString(version) || strcmp(version->valuestring, "2.0") != 0) {
        char got[64];
        if (cJSON_IsString(version))
            snprintf(got, sizeof(got), "\"%.40s\"", version->valuestring);
        else
            snprintf(got, sizeof(got), "a non-string value");
        return civis__fail(err, CIVIS_ESPEC, "swagger", "$.swagger: expected \"2.0\", got %s", got);
    }
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
    if (paths == NULL)
        return civis__fail(err, CIVIS_ESPEC, "paths",
                           "$.paths: missing (a Swagger 2.0 document needs a paths object)");
    if (!cJSON_IsObject(paths))
        return civis__fail(err, CIVIS_ESPEC, "paths", "$.paths: expected an object");
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(doc, "definitions");
    if (defs != NULL && !cJSON_IsObject(defs))
        return civis__fail(err, CIVIS_ESPEC, "definitions", "$.definitions: expected an object");
    spec->definitions = defs;
    return CIVIS_OK;
}

/*
 * Prefixes the error a load produced with where the document came from
 * ("spec.json: $.paths...."), so a message read in a log names the file.
 * Only an error this load recorded is touched (err may hold an earlier one:
 * the first error wins).
 */
static void prefix_origin(civis_error *err, bool was_clear, const char *origin)
{
    if (err == NULL || !was_clear || err->code == CIVIS_OK || origin == NULL || !origin[0])
        return;
    size_t cap = sizeof(err->message) - 1, ol = strlen(origin), ml = strlen(err->message);
    if (ol + 2 >= cap)
        return; /* a path that long would leave no room for the message */
    size_t keep = ml < cap - ol - 2 ? ml : cap - ol - 2;
    memmove(err->message + ol + 2, err->message, keep);
    memcpy(err->message, origin, ol);
    memcpy(err->message + ol, ": ", 2);
    err->message[ol + 2 + keep] = '\0';
}

/* "spec file 'x.json'" becomes "spec file 'x.json' (2026-12-04, 910
 * operations)": the date civis-spec-extract stamped, when there is one. */
static void describe_origin(civis_spec *spec, const char *place)
{
    char where[sizeof(spec->origin)]; /* place may be spec->origin itself */
    snprintf(where, sizeof(where), "%s", place);
    const cJSON *stamp = cJSON_GetObjectItemCaseSensitive(spec->doc, "x-civis-extract");
    const cJSON *date = cJSON_GetObjectItemCaseSensitive(stamp, "date");
    snprintf(spec->origin, sizeof(spec->origin), "%.200s (%s%s%zu operations)", where,
             cJSON_IsString(date) ? date->valuestring : "", cJSON_IsString(date) ? ", " : "",
             spec->n_ops);
}

/* Shape checks and the load steps on a parsed document; frees the spec on
 * failure. */
static civis_status finish_load(civis_spec **out, civis_spec *spec, civis_error *err)
{
    civis_status st;
    if ((st = check_shape(spec, err)) != CIVIS_OK ||
        (st = civis__refs_build(spec, !spec->is_bundled, err)) != CIVIS_OK ||
        (st = civis__index_build(spec, err)) != CIVIS_OK ||
        (st = civis__route_build(spec, err)) != CIVIS_OK) {
        civis_spec_free(spec);
        return st;
    }
    describe_origin(spec, spec->origin[0] ? spec->origin : "a spec given as a buffer");
    *out = spec;
    return CIVIS_OK;
}

/* Parses spec->text, then finishes the load; errors name `origin`. */
static civis_status load_text(civis_spec **out, civis_spec *spec, const char *origin,
                              civis_error *err)
{
    bool was_clear = err != NULL && err->code == CIVIS_OK;
    civis_status st = parse_text(spec, spec->text, spec->text_len, err);
    if (st != CIVIS_OK)
        civis_spec_free(spec);
    else
        st = finish_load(out, spec, err);
    if (st != CIVIS_OK)
        prefix_origin(err, was_clear, origin);
    return st;
}

static civis_spec *spec_new(void)
{
    civis_spec *spec = calloc(1, sizeof(*spec));
    return spec;
}

civis_status civis_spec_load_buffer(civis_spec **out, const char *buf, size_t len, civis_error *err)
{
    return civis_spec_load_buffer_from(out, buf, len, NULL, err);
}

civis_status civis_spec_load_buffer_from(civis_spec **out, const char *buf, size_t len,
                                         const char *origin, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "invalid argument 'out': must not be NULL");
    *out = NULL;
    if (buf == NULL && len > 0)
        return civis__fail(err, CIVIS_EINVAL, "buf", "invalid argument 'buf': NULL with length %zu",
                           len);
    civis_spec *spec = spec_new();
    if (spec == NULL)
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory loading a spec");
    if (origin != NULL)
        snprintf(spec->origin, sizeof(spec->origin), "%s", origin);
    /* Parse the caller's bytes first and copy them afterwards: the parse
     * then reuses the small blocks a previous spec just freed, instead of
     * the big copy forcing the allocator to consolidate them all first
     * (which doubled the cost of reloading a spec). */
    civis_status st = parse_text(spec, buf, len, err);
    if (st != CIVIS_OK) {
        civis_spec_free(spec);
        return st;
    }
    char *text = len + 1 > len ? malloc(len + 1) : NULL;
    if (text == NULL) {
        civis_spec_free(spec);
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory copying a %zu-byte spec", len);
    }
    memcpy(text, buf, len);
    text[len] = '\0';
    spec->text = text;
    spec->text_len = len;
    spec->owns_text = true;
    return finish_load(out, spec, err);
}

/* Reads a whole file into a NUL-terminated malloc'd buffer. */
static civis_status read_file(char **text, size_t *len, const char *path, civis_error *err)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return civis__fail(err, CIVIS_EIO, "path", "cannot open spec '%s': %s", path,
                           strerror(errno));
    civis_status st = CIVIS_OK;
    char *buf = NULL;
    struct stat sb;
    size_t cap = 65536, n = 0; /* pipes and the like: grow as we go */
    if (fstat(fileno(f), &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            st = civis__fail(err, CIVIS_EIO, "path", "cannot read spec '%s': %s", path,
                             strerror(EISDIR));
            goto done;
        }
        /* A regular file is read in one go: asking for one byte more than
         * its size makes the read come up short and set EOF. */
        if (S_ISREG(sb.st_mode) && (uintmax_t)sb.st_size < SIZE_MAX - 2)
            cap = (size_t)sb.st_size + 2;
    }
    buf = malloc(cap);
    for (;;) {
        if (buf == NULL) {
            st = civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory reading spec '%s'", path);
            goto done;
        }
        n += fread(buf + n, 1, cap - 1 - n, f);
        if (ferror(f)) {
            st = civis__fail(err, CIVIS_EIO, "path", "cannot read spec '%s': %s", path,
                             strerror(errno));
            goto done;
        }
        if (feof(f))
            break;
        if (n + 1 >= cap) {
            char *nbuf = cap * 2 > cap ? realloc(buf, cap * 2) : NULL;
            if (nbuf == NULL)
                free(buf);
            buf = nbuf;
            cap *= 2;
        }
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    buf = NULL;
done:
    free(buf);
    fclose(f);
    return st;
}

civis_status civis_spec_load_file(civis_spec **out, const char *path, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "invalid argument 'out': must not be NULL");
    *out = NULL;
    if (path == NULL)
        return civis__fail(err, CIVIS_EINVAL, "path", "invalid argument 'path': must not be NULL");
    civis_spec *spec = spec_new();
    if (spec == NULL)
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory loading spec '%s'", path);
    snprintf(spec->origin, sizeof(spec->origin), "spec file '%.200s'", path);
    civis_status st = read_file(&spec->text, &spec->text_len, path, err);
    if (st != CIVIS_OK) {
        free(spec);
        return st;
    }
    spec->owns_text = true;
    return load_text(out, spec, path, err);
}

/*
 * The bundled spec is built once per process and shared: every
 * civis_spec_load_bundled() returns the same immutable index, and
 * civis_spec_free() leaves it alone, so a test suite that makes a mock per
 * test pays for the index once. Its document is the static tree embed.c
 * wrote (nothing parsed, nothing to free), and its $refs were checked when
 * the file was generated and are checked again by the test suite, which
 * loads spec/civis-api.json as a file; only the index and the router are
 * built here. A failed build (out of memory) is retried by the next call.
 */
static pthread_mutex_t bundled_lock = PTHREAD_MUTEX_INITIALIZER;
static civis_spec *bundled;

static civis_status build_bundled(civis_spec **out, civis_error *err)
{
    civis_spec *spec = spec_new();
    if (spec == NULL)
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory loading the bundled spec");
    /* The bytes are static and NUL-terminated (embed.c): borrow, not copy. */
    spec->text = (char *)civis__bundled_spec;
    spec->text_len = civis__bundled_spec_len;
    spec->owns_text = false;
    spec->doc = civis__bundled_spec_doc;
    spec->is_bundled = true;
    snprintf(spec->origin, sizeof(spec->origin), "the bundled spec");
    bool was_clear = err != NULL && err->code == CIVIS_OK;
    civis_status st = finish_load(out, spec, err);
    if (st != CIVIS_OK)
        prefix_origin(err, was_clear, "bundled spec");
    return st;
}

civis_status civis_spec_load_bundled(civis_spec **out, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "invalid argument 'out': must not be NULL");
    *out = NULL;
    civis_status st = CIVIS_OK;
    pthread_mutex_lock(&bundled_lock);
    if (bundled == NULL)
        st = build_bundled(&bundled, err);
    *out = bundled;
    pthread_mutex_unlock(&bundled_lock);
    return st;
}

/* The shared index lives until the program (or, for libcivis.so, the
 * library) goes away; freeing it then keeps leak checkers quiet. */
#if defined(__GNUC__)
__attribute__((destructor)) static void free_bundled(void)
{
    civis_spec *spec = bundled;
    bundled = NULL;
    if (spec != NULL) {
        spec->is_bundled = false;
        spec->doc = NULL; /* static: not ours to delete */
        civis_spec_free(spec);
    }
}
#endif

civis_status civis_spec_load_default(civis_spec **out, civis_error *err)
{
    const char *path = getenv("CIVIS_API_SPEC");
    if (path != NULL && path[0] != '\0')
        return civis_spec_load_file(out, path, err);
    return civis_spec_load_bundled(out, err);
}

void civis_spec_free(civis_spec *spec)
{
    if (spec == NULL || spec->is_bundled)
        return; /* the shared bundled index (see civis_spec_load_bundled) */
    /* Big blocks first, the document's many small nodes last: freeing a
     * big block while lots of small ones sit freed makes glibc consolidate
     * them all on the spot, which made free cost as much as a parse. */
    if (spec->owns_text)
        free(spec->text);
    civis__route_free(spec);
    civis__arena_free(&spec->arena);
    cJSON_Delete(spec->doc);
    free(spec);
}

void civis_spec_etag(char *out, size_t len, const civis_spec *spec)
{
    if (len == 0)
        return;
    if (spec != NULL && spec->is_bundled) { /* computed when it was compiled in */
        snprintf(out, len, "%s", civis__bundled_spec_etag);
        return;
    }
    char etag[CIVIS_ETAG_LEN];
    civis__etag_of(etag, (const unsigned char *)(spec ? spec->text : ""),
                   spec ? spec->text_len : 0);
    snprintf(out, len, "%s", etag);
}

const char *civis_spec_bundled_etag(void)
{
    return civis__bundled_spec_etag;
}

const char *civis_spec_origin(const civis_spec *spec)
{
    return spec != NULL ? spec->origin : "";
}

const cJSON *civis_spec_document(const civis_spec *spec)
{
    return spec != NULL ? spec->doc : NULL;
}

const char *civis_spec_text(const civis_spec *spec, size_t *len)
{
    if (len != NULL)
        *len = spec != NULL ? spec->text_len : 0;
    return spec != NULL ? spec->text : NULL;
}
