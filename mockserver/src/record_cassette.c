/*
 * record_cassette.c: the exchanges of a cassette, in memory and on disk.
 *
 * Each distinct request (method, path, query in any order, JSON body, less
 * redacted and --match-ignore fields) is one exchange and one file,
 * "NNNN-VERB-path-words.json", numbered in the order first seen; repeated
 * requests add to its "responses" sequence (an answer equal to the last one
 * recorded adds nothing: replay repeats the last one anyway). A request is
 * matched by a key string built the same way from a live request and from a
 * file, so what was recorded is what replays.
 *
 * Not thread-safe: record.c holds its lock around every call.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mock.h"
#include "record.h"
#include "record_cassette.h"

#define OUTSIDE_DIR "outside-spec"

/* ---- match keys -------------------------------------------------------------- */

/* "name[]" and "name" are one query name. */
static void query_name(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s", name);
    size_t n = strlen(buf);
    if (n > 2 && strcmp(buf + n - 2, "[]") == 0)
        buf[n - 2] = '\0';
}

cJSON *cmock__cassette_query(const cmock_redactor *red, const civis_kv *kv, size_t n)
{
    cJSON *q = cJSON_CreateObject();
    for (size_t i = 0; q != NULL && i < n; i++) {
        char name[256];
        query_name(name, sizeof(name), kv[i].key);
        if (cmock__record_ignored_name(red, name))
            continue;
        char *value = cmock__record_redact_text(red, kv[i].value ? kv[i].value : "");
        cJSON *v = value ? cJSON_CreateString(value) : NULL;
        free(value);
        cJSON *have = cJSON_GetObjectItemCaseSensitive(q, name);
        bool ok = v != NULL;
        if (ok && have == NULL) {
            ok = cJSON_AddItemToObject(q, name, v);
        } else if (ok && cJSON_IsArray(have)) {
            ok = cJSON_AddItemToArray(have, v);
        } else if (ok) {
            /* A repeated name becomes an array of its values, in order. */
            cJSON *arr = cJSON_CreateArray();
            cJSON *first = cJSON_DetachItemViaPointer(q, have);
            ok = arr != NULL && cJSON_AddItemToArray(arr, first) && cJSON_AddItemToArray(arr, v) &&
                 cJSON_AddItemToObject(q, name, arr);
            if (!ok && arr == NULL)
                cJSON_Delete(first);
        }
        if (!ok) {
            cJSON_Delete(v);
            cJSON_Delete(q);
            q = NULL;
        }
    }
    cmock__record_sort_keys(q);
    return q;
}

cJSON *cmock__cassette_body(const cmock_redactor *red, const char *body, size_t len)
{
    if (body == NULL || len == 0)
        return NULL;
    cJSON *b = cmock__parse(body, len, NULL);
    if (b == NULL) {
        char *clean = cmock__utf8_clean(body, len, NULL);
        char *text = clean ? cmock__record_redact_text(red, clean) : NULL;
        b = text ? cJSON_CreateString(text) : NULL;
        free(clean);
        free(text);
        return b;
    }
    if (cJSON_IsNull(b) || (cJSON_IsObject(b) && b->child == NULL)) {
        cJSON_Delete(b); /* no body and {} are one request, as for fixtures */
        return NULL;
    }
    if (!cmock__record_redact_json(red, b, true)) {
        cJSON_Delete(b);
        return NULL;
    }
    cmock__record_sort_keys(b);
    return b;
}

static void path_trim(char *buf, size_t len, const char *path)
{
    snprintf(buf, len, "%s", path);
    size_t n = strlen(buf);
    if (n > 1 && buf[n - 1] == '/')
        buf[n - 1] = '\0';
}

/* "GET /users?a=1&b=x&b=y {json}". Owned by the caller; NULL on OOM. */
char *cmock__cassette_key(const char *method, const char *path, const cJSON *query,
                          const cJSON *body)
{
    char p[2048];
    path_trim(p, sizeof(p), path);
    size_t cap = strlen(p) + 64;
    char *qs = malloc(cap);
    if (qs == NULL)
        return NULL;
    size_t n = 0;
    qs[0] = '\0';
    for (const cJSON *c = query ? query->child : NULL; c != NULL; c = c->next) {
        const cJSON *one = cJSON_IsArray(c) ? c->child : c;
        for (; one != NULL; one = cJSON_IsArray(c) ? one->next : NULL) {
            char *val = cJSON_IsString(one) ? NULL : cJSON_PrintUnformatted(one);
            const char *v = cJSON_IsString(one) ? one->valuestring : (val ? val : "");
            size_t need = n + strlen(c->string) + strlen(v) + 3;
            if (need > cap) {
                cap = need * 2;
                char *nq = realloc(qs, cap);
                if (nq == NULL) {
                    free(val);
                    free(qs);
                    return NULL;
                }
                qs = nq;
            }
            n += (size_t)snprintf(qs + n, cap - n, "%s%s=%s", n ? "&" : "", c->string, v);
            free(val);
        }
    }
    char *b = body ? cJSON_PrintUnformatted(body) : NULL;
    size_t len = strlen(method) + strlen(p) + n + (b ? strlen(b) : 0) + 8;
    char *key = malloc(len);
    if (key != NULL)
        snprintf(key, len, "%s %s%s%s%s%s", method, p, n ? "?" : "", qs, b ? " " : "", b ? b : "");
    free(b);
    free(qs);
    return key;
}

/* ---- the set ----------------------------------------------------------------- */

void cmock__cassette_clear(cmock_cassette *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].file);
        free(c->items[i].key);
        cJSON_Delete(c->items[i].doc);
        free(c->items[i].last_raw);
        cJSON_Delete(c->items[i].last_headers);
    }
    free(c->items);
    c->items = NULL;
    c->n = c->cap = 0;
}

static cmock_cass_ex *push(cmock_cassette *c)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        cmock_cass_ex *items = realloc(c->items, cap * sizeof(*items));
        if (items == NULL)
            return NULL;
        c->items = items;
        c->cap = cap;
    }
    cmock_cass_ex *ex = &c->items[c->n];
    memset(ex, 0, sizeof(*ex));
    return ex;
}

cmock_cass_ex *cmock__cassette_find(cmock_cassette *c, const char *key)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->items[i].key, key) == 0)
            return &c->items[i];
    return NULL;
}

const cmock_cass_ex *cmock__cassette_nearest(const cmock_cassette *c, const char *key)
{
    const cmock_cass_ex *best = NULL;
    size_t best_n = 0;
    for (size_t i = 0; i < c->n; i++) {
        const char *a = c->items[i].key;
        size_t n = 0;
        while (a[n] != '\0' && a[n] == key[n])
            n++;
        if (best == NULL || n > best_n) {
            best = &c->items[i];
            best_n = n;
        }
    }
    return best;
}

/* The responses of an exchange document, as an array (a lone "response"
 * counts as one). Borrowed. */
static const cJSON *responses(const cJSON *doc, const cJSON **single)
{
    *single = cJSON_GetObjectItemCaseSensitive(doc, "response");
    return cJSON_GetObjectItemCaseSensitive(doc, "responses");
}

const cJSON *cmock__cassette_next(cmock_cass_ex *ex)
{
    const cJSON *single = NULL;
    const cJSON *seq = responses(ex->doc, &single);
    if (cJSON_IsObject(single))
        return single;
    int n = cJSON_GetArraySize(seq);
    if (n <= 0)
        return NULL;
    const cJSON *r = cJSON_GetArrayItem(seq, ex->next < (size_t)n ? (int)ex->next : n - 1);
    if (ex->next + 1 < (size_t)n)
        ex->next++;
    return r;
}

void cmock__cassette_rewind(cmock_cassette *c)
{
    for (size_t i = 0; i < c->n; i++)
        c->items[i].next = 0;
}

/* ---- loading ------------------------------------------------------------------ */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool numbered_json(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* The *.json names of dir, sorted; *n_out 0 when the directory is missing. */
static char **list_json(const char *dir, size_t *n_out, bool *oom)
{
    *n_out = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return NULL;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!numbered_json(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (nn == NULL) {
                *oom = true;
                break;
            }
            names = nn;
        }
        names[n] = strdup(e->d_name);
        if (names[n] == NULL) {
            *oom = true;
            break;
        }
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), by_name);
    *n_out = n;
    return names;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *data = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *nd = realloc(data, cap);
            if (nd == NULL) {
                free(data);
                fclose(f);
                return NULL;
            }
            data = nd;
        }
        size_t got = fread(data + n, 1, 4096, f);
        n += got;
        if (got < 4096)
            break;
    }
    fclose(f);
    data[n] = '\0';
    *len = n;
    return data;
}

/* The key of a loaded exchange; NULL (with why) when it is not one. */
static char *doc_key(const cmock_redactor *red, const cJSON *doc, char *why, size_t whylen)
{
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(doc, "request");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(req, "method");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(req, "path");
    if (!cJSON_IsString(m) || !cJSON_IsString(p)) {
        snprintf(why, whylen, "request.method and request.path must be strings");
        return NULL;
    }
    const cJSON *single = NULL;
    const cJSON *seq = responses(doc, &single);
    if (!cJSON_IsObject(single) && cJSON_GetArraySize(seq) <= 0) {
        snprintf(why, whylen, "needs \"response\" or a non-empty \"responses\"");
        return NULL;
    }
    cJSON *q = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(req, "query"), true);
    for (cJSON *e = q ? q->child : NULL, *next = NULL; e != NULL; e = next) {
        next = e->next;
        if (e->string != NULL && cmock__record_ignored_name(red, e->string))
            cJSON_Delete(cJSON_DetachItemViaPointer(q, e));
    }
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(req, "body");
    cJSON *body = b && !cJSON_IsNull(b) ? cJSON_Duplicate(b, true) : NULL;
    char verb[16];
    snprintf(verb, sizeof(verb), "%s", m->valuestring);
    for (char *s = verb; *s; s++)
        if (*s >= 'a' && *s <= 'z')
            *s = (char)(*s - 'a' + 'A');
    /* The same normalisation a live request gets. */
    (void)cmock__record_redact_json(red, body, true);
    cmock__record_sort_keys(q);
    cmock__record_sort_keys(body);
    char *key = cmock__cassette_key(verb, p->valuestring, q, body);
    cJSON_Delete(q);
    cJSON_Delete(body);
    if (key == NULL)
        snprintf(why, whylen, "out of memory");
    return key;
}

static int file_number(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    int n = 0;
    for (; *base >= '0' && *base <= '9'; base++)
        n = n * 10 + (*base - '0');
    return n;
}

static civis_status load_dir(cmock_cassette *c, const cmock_redactor *red, const char *sub,
                             civis_error *err)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s%s%s", c->dir, sub ? "/" : "", sub ? sub : "");
    size_t n = 0;
    bool oom = false;
    char **names = list_json(dir, &n, &oom);
    civis_status st =
        oom ? civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory reading %s", dir) : CIVIS_OK;
    for (size_t i = 0; st == CIVIS_OK && i < n; i++) {
        char path[4400], rel[512], why[160];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        snprintf(rel, sizeof(rel), "%s%s%s", sub ? sub : "", sub ? "/" : "", names[i]);
        size_t len = 0;
        char *text = read_text(path, &len);
        cJSON *doc = text ? cmock__parse(text, len, NULL) : NULL;
        free(text);
        char *key = doc ? doc_key(red, doc, why, sizeof(why)) : NULL;
        if (doc == NULL)
            snprintf(why, sizeof(why), "not readable JSON");
        cmock_cass_ex *ex = key ? push(c) : NULL;
        char *file = ex ? strdup(rel) : NULL;
        if (file == NULL) {
            st = civis__fail(err, CIVIS_EINVAL, "cassette", "cassette %s: %s", path,
                             key && !ex ? "out of memory" : why);
            cJSON_Delete(doc);
            free(key);
            break;
        }
        ex->file = file;
        ex->key = key;
        ex->doc = doc;
        c->n++;
        int num = file_number(rel);
        if (num >= c->next_number)
            c->next_number = num + 1;
    }
    free_names(names, n);
    return st;
}

civis_status cmock__cassette_load(cmock_cassette *c, const cmock_redactor *red, civis_error *err)
{
    civis_status st = load_dir(c, red, NULL, err);
    if (st == CIVIS_OK)
        st = load_dir(c, red, OUTSIDE_DIR, err);
    return st;
}

/* Removes the exchange files of an earlier recording (record mode "all"). */
void cmock__cassette_wipe(const cmock_cassette *c)
{
    const char *subs[] = {NULL, OUTSIDE_DIR};
    for (size_t s = 0; s < 2; s++) {
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s%s%s", c->dir, subs[s] ? "/" : "", subs[s] ? subs[s] : "");
        size_t n = 0;
        bool oom = false;
        char **names = list_json(dir, &n, &oom);
        for (size_t i = 0; i < n; i++) {
            if (names[i][0] < '0' || names[i][0] > '9')
                continue; /* only what the recorder names */
            char path[4400];
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
            unlink(path);
        }
        free_names(names, n);
    }
}

/* ---- recording ------------------------------------------------------------------ */

/* "scripts-containers-7-runs-21-limit-2" from the path and query. */
static void slug(char *out, size_t len, const char *path, const cJSON *query)
{
    size_t o = 0;
    bool dash = true;
    char src[600];
    size_t n = (size_t)snprintf(src, sizeof(src), "%s", path);
    for (const cJSON *q = query ? query->child : NULL; q != NULL && n < sizeof(src); q = q->next) {
        const char *v = cJSON_IsString(q) ? q->valuestring : "";
        n += (size_t)snprintf(src + n, sizeof(src) - n, "-%s-%s", q->string, v);
    }
    for (const char *p = src; *p && o + 2 < len && o < 80; p++) {
        char ch = *p;
        bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.';
        if (keep) {
            out[o++] = ch;
            dash = false;
        } else if (!dash) {
            out[o++] = '-';
            dash = true;
        }
    }
    while (o > 0 && out[o - 1] == '-')
        o--;
    out[o] = '\0';
    if (o == 0)
        snprintf(out, len, "root");
}

static bool write_ex(const cmock_cassette *c, const cmock_cass_ex *ex)
{
    char *text = civis_fixture_print(ex->doc);
    if (text == NULL)
        return false;
    char dir[4096];
    const char *slash = strrchr(ex->file, '/');
    const char *name = slash ? slash + 1 : ex->file;
    if (slash != NULL)
        snprintf(dir, sizeof(dir), "%s/%.*s", c->dir, (int)(slash - ex->file), ex->file);
    else
        snprintf(dir, sizeof(dir), "%s", c->dir);
    bool ok = cmock__record_write_file(dir, name, text, strlen(text));
    free(text);
    return ok;
}

/* Whether the fixture loader takes the document on this spec: only then
 * does it go where --fixtures and the in-process mock read. */
static bool loadable(cmock_cassette *c, const cJSON *doc)
{
    if (c->check == NULL)
        return false;
    civis_error err = CIVIS_ERROR_INIT;
    bool ok = civis_fixtures_add_json(c->check, doc, "cassette", NULL, NULL, &err) == CIVIS_OK;
    civis_fixtures_clear(c->check);
    return ok;
}

civis_status cmock__cassette_record(cmock_cassette *c, const char *key, const char *method,
                                    const char *path, cJSON *query, cJSON *body, cJSON *response,
                                    civis_error *err)
{
    cmock_cass_ex *ex = cmock__cassette_find(c, key);
    if (ex != NULL) {
        const cJSON *single = NULL;
        cJSON *seq = (cJSON *)(uintptr_t)responses(ex->doc, &single);
        const cJSON *last = single ? single : cJSON_GetArrayItem(seq, cJSON_GetArraySize(seq) - 1);
        if (last != NULL && cJSON_Compare(last, response, true)) {
            cJSON_Delete(response); /* replay repeats the last answer anyway */
            cJSON_Delete(query);
            cJSON_Delete(body);
            return CIVIS_OK;
        }
        if (single != NULL) {
            cJSON *first = cJSON_DetachItemFromObjectCaseSensitive(ex->doc, "response");
            seq = cJSON_AddArrayToObject(ex->doc, "responses");
            if (seq == NULL || !cJSON_AddItemToArray(seq, first)) {
                cJSON_Delete(first);
                goto oom;
            }
        }
        if (!cJSON_AddItemToArray(seq, response))
            goto oom;
        response = NULL;
        cJSON_Delete(query);
        cJSON_Delete(body);
        if (!write_ex(c, ex))
            return civis__fail(err, CIVIS_EIO, "cassette", "cannot write %s/%s", c->dir, ex->file);
        return CIVIS_OK;
    }
    /* A new exchange: name, operation, request, response. */
    cJSON *doc = cJSON_CreateObject();
    cJSON *req = cJSON_CreateObject();
    civis_route route;
    civis_error rerr = CIVIS_ERROR_INIT;
    char opname[192] = "";
    if (civis_spec_route(&route, c->spec, method, path, &rerr) == CIVIS_OK && route.op != NULL)
        civis_operation_name(route.op, opname, sizeof(opname));
    char title[2400];
    char *k = strchr(key, ' ');
    snprintf(title, sizeof(title), "%s%s%s %.2048s", opname, opname[0] ? ": " : "", method,
             k ? k + 1 : path);
    bool ok = doc != NULL && req != NULL && cJSON_AddStringToObject(doc, "name", title) != NULL;
    if (ok && opname[0] != '\0')
        ok = cJSON_AddStringToObject(doc, "operation", opname) != NULL;
    ok = ok && cJSON_AddItemToObject(doc, "request", req);
    if (!ok)
        cJSON_Delete(req);
    ok = ok && cJSON_AddStringToObject(req, "method", method) != NULL &&
         cJSON_AddStringToObject(req, "path", path) != NULL;
    if (ok && query != NULL && query->child != NULL) {
        ok = cJSON_AddItemToObject(req, "query", query);
        query = ok ? NULL : query;
    }
    if (ok && body != NULL) {
        ok = cJSON_AddItemToObject(req, "body", body);
        body = ok ? NULL : body;
    }
    if (ok) {
        ok = cJSON_AddItemToObject(doc, "response", response);
        response = ok ? NULL : response;
    }
    cmock_cass_ex *slot = ok ? push(c) : NULL;
    if (slot == NULL) {
        cJSON_Delete(doc);
        goto oom;
    }
    char file[256], words[96];
    slug(words, sizeof(words), path, cJSON_GetObjectItemCaseSensitive(req, "query"));
    bool inside = loadable(c, doc);
    snprintf(file, sizeof(file), "%s%s%04d-%s-%s.json", inside ? "" : OUTSIDE_DIR,
             inside ? "" : "/", c->next_number, method, words);
    slot->file = strdup(file);
    slot->key = strdup(key);
    slot->doc = doc;
    if (slot->file == NULL || slot->key == NULL) {
        free(slot->file);
        free(slot->key);
        cJSON_Delete(doc);
        goto oom;
    }
    c->n++;
    c->next_number++;
    cJSON_Delete(query);
    cJSON_Delete(body);
    if (!inside) {
        char sub[4200];
        snprintf(sub, sizeof(sub), "%s/%s", c->dir, OUTSIDE_DIR);
        if (mkdir(sub, 0777) != 0 && errno != EEXIST)
            return civis__fail(err, CIVIS_EIO, "cassette", "cannot create %s: %s", sub,
                               strerror(errno));
    }
    if (!write_ex(c, slot))
        return civis__fail(err, CIVIS_EIO, "cassette", "cannot write %s/%s", c->dir, slot->file);
    return CIVIS_OK;
oom:
    cJSON_Delete(response);
    cJSON_Delete(query);
    cJSON_Delete(body);
    return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory recording an exchange");
}

bool cmock__cassette_same_raw(cmock_cassette *c, const char *key, long status, const char *body,
                              size_t len, const cJSON *headers)
{
    const cmock_cass_ex *ex = cmock__cassette_find(c, key);
    return ex != NULL && ex->last_raw != NULL && ex->last_status == status && ex->last_len == len &&
           memcmp(ex->last_raw, body, len) == 0 && cJSON_Compare(ex->last_headers, headers, true);
}

void cmock__cassette_keep_raw(cmock_cassette *c, const char *key, long status, char *raw,
                              size_t len, const cJSON *headers)
{
    cmock_cass_ex *ex = cmock__cassette_find(c, key);
    cJSON *h = headers ? cJSON_Duplicate(headers, true) : NULL;
    if (ex == NULL || raw == NULL || (headers != NULL && h == NULL)) {
        free(raw);
        cJSON_Delete(h);
        return; /* only an optimisation: the next answer takes the long way */
    }
    free(ex->last_raw);
    cJSON_Delete(ex->last_headers);
    ex->last_status = status;
    ex->last_raw = raw;
    ex->last_len = len;
    ex->last_headers = h;
}
