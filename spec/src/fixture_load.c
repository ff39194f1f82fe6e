/*
 * fixture_load.c: fixture text and files. Parses JSON text with errors that
 * say where (byte, line, column), reads one file or every *.json file of a
 * directory in name order, and adds them all or, when any file fails,
 * none of them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture_internal.h"
#include "spec_internal.h"

static bool json_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Parses text as one JSON value; errors say where, by byte, line and column. */
civis_status civis__fx_parse_text(cJSON **out, const char *text, size_t len, const char *source,
                                  civis_error *err)
{
    *out = NULL;
    size_t at = 0;
    while (at < len && json_space(text[at]))
        at++;
    if (at == len)
        return civis__fail(err, CIVIS_EPARSE, "fixture", "%s: empty document, expected JSON",
                           source);
    bool oom = false;
    cJSON *doc = civis__json_parse_exact(text, len, &at, &oom);
    if (oom)
        return civis__fail(err, CIVIS_ENOMEM, NULL, "%s: out of memory reading fixtures", source);
    if (doc == NULL) {
        size_t line = 1, col = 1;
        for (size_t i = 0; i < at; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return civis__fail(err, CIVIS_EPARSE, "fixture",
                           "%s: not valid JSON near byte %zu (line %zu, column %zu)", source, at,
                           line, col);
    }
    *out = doc;
    return CIVIS_OK;
}
/* ---- files and directories ----------------------------------------------------- */

static civis_status read_file(char **text, size_t *len, const char *path, civis_error *err)
{
    *text = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return civis__fail(err, CIVIS_EIO, "path", "cannot open fixture file '%s': %s", path,
                           strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    civis_status st = CIVIS_OK;
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (ferror(f)) {
            st = civis__fail(err, CIVIS_EIO, "path", "cannot read fixture file '%s': %s", path,
                             strerror(errno));
            break;
        }
        if (feof(f))
            break;
        if (n == cap) {
            char *nbuf = cap * 2 > cap ? realloc(buf, cap * 2) : NULL;
            if (nbuf == NULL)
                free(buf);
            buf = nbuf;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf == NULL)
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory reading fixture file '%s'",
                           path);
    if (st != CIVIS_OK) {
        free(buf);
        return st;
    }
    *text = buf;
    *len = n;
    return CIVIS_OK;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Reads, parses and validates one file into p. */
static civis_status load_file(civis_fixture_set *set, const char *path, civis_fx_pending *p,
                              civis_error *err)
{
    char *text = NULL;
    size_t len = 0;
    civis_status st = read_file(&text, &len, path, err);
    if (st != CIVIS_OK)
        return st;
    cJSON *doc = NULL;
    st = civis__fx_parse_text(&doc, text, len, path, err);
    free(text);
    if (st != CIVIS_OK)
        return st;
    st = civis__fx_parse_document(p, set->spec, doc, path, base_name(path), NULL, err);
    cJSON_Delete(doc);
    return st;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_json_name(const char *name)
{
    size_t n = strlen(name);
    return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* The *.json regular files of a directory, sorted by name, into p. */
static civis_status load_dir(civis_fixture_set *set, const char *dir, civis_fx_pending *p,
                             civis_error *err)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return civis__fail(err, CIVIS_EIO, "path", "cannot open fixture directory '%s': %s", dir,
                           strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    civis_status st = CIVIS_OK;
    struct dirent *e;
    while (st == CIVIS_OK && (e = readdir(d)) != NULL) {
        if (!is_json_name(e->d_name))
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nn = realloc(names, ncap * sizeof(*nn));
            if (nn == NULL) {
                st = civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory listing '%s'", dir);
                break;
            }
            names = nn;
            cap = ncap;
        }
        if ((names[n] = strdup(e->d_name)) == NULL)
            st = civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory listing '%s'", dir);
        else
            n++;
    }
    closedir(d);
    if (st == CIVIS_OK && n > 1)
        qsort(names, n, sizeof(*names), cmp_names);
    size_t dlen = strlen(dir);
    while (dlen > 1 && dir[dlen - 1] == '/')
        dlen--;
    for (size_t i = 0; st == CIVIS_OK && i < n; i++) {
        size_t plen = dlen + strlen(names[i]) + 2;
        char *full = malloc(plen);
        if (full == NULL) {
            st = civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory listing '%s'", dir);
            break;
        }
        snprintf(full, plen, "%.*s/%s", (int)dlen, dir, names[i]);
        struct stat sb;
        /* Only regular files (or links to them): a directory named x.json is skipped. */
        if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode))
            st = load_file(set, full, p, err);
        free(full);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}

civis_status civis_fixtures_load_path(civis_fixture_set *set, const char *path, civis_error *err)
{
    if (set == NULL)
        return civis__fail(err, CIVIS_EINVAL, "set", "invalid argument 'set': must not be NULL");
    if (path == NULL)
        return civis__fail(err, CIVIS_EINVAL, "path", "invalid argument 'path': must not be NULL");
    struct stat sb;
    if (stat(path, &sb) != 0)
        return civis__fail(err, CIVIS_EIO, "path", "cannot open fixtures '%s': %s", path,
                           strerror(errno));
    civis_fx_pending p = {0};
    civis_status st =
        S_ISDIR(sb.st_mode) ? load_dir(set, path, &p, err) : load_file(set, path, &p, err);
    if (st == CIVIS_OK)
        st = civis__fx_commit(set, &p, NULL, err);
    civis__fx_pending_free(&p);
    return st;
}
