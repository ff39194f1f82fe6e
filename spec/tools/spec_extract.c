/*
 * civis-spec-extract: turns a Civis API spec document (the public one, or a
 * user's own `GET /endpoints` download) into the spec civis-c bundles.
 *
 *   civis-spec-extract [--date YYYY-MM-DD] IN.json OUT.json
 *
 * It keeps the API's facts: paths, verbs, parameters (names, places, types,
 * formats, required flags), schemas and $refs, required lists, enums,
 * response statuses, schemas and headers, and the recorded x-examples
 * (their requests and answers). It leaves out the prose: descriptions,
 * summaries and titles are sentences written by others, and so are the
 * examples' explanations and the deprecation warnings' wording. Recorded
 * credentials (request headers, curl command lines) go too.
 *
 * Where behaviour reads the prose, a machine-readable marker takes its
 * place:
 *   x-civis-deprecated: true         the summary says the operation is
 *                                    deprecated (the official client gives it
 *                                    no method)
 *   x-civis-deprecation-warning: true  the operation carries a deprecation
 *                                    warning (the client logs one)
 *   x-civis-delete: "archive"|"hide" what a DELETE does to the object (the
 *                                    summary says "archive" or "hidden")
 *   limit parameter: default, maximum the page-size rules its description
 *                                    states in words
 *   x-civis-extract: {date, operations, definitions}  at the top
 *
 * Exit status: 0 written, 1 I/O or memory failure, 2 usage or a document
 * that is not a Swagger 2.0 spec.
 */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "../src/spec_internal.h" /* the prose rules, shared with the index (prose.c) */

static const char *const verbs[] = {"get", "put", "post", "delete", "options", "head", "patch"};

static bool is_verb(const char *k)
{
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(k, verbs[i]) == 0)
            return true;
    return false;
}

static const char *str_of(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- schemas ------------------------------------------------------------ */

/* Prose keywords of a JSON schema; everything else in a schema is a fact. */
static bool schema_prose(const char *k)
{
    return strcmp(k, "description") == 0 || strcmp(k, "title") == 0 || strcmp(k, "summary") == 0 ||
           strcmp(k, "example") == 0;
}

static void strip_schema(cJSON *schema);

/* A map whose keys are names, not keywords ("properties", "definitions"):
 * a property called "description" is kept, its schema stripped. */
static void strip_schema_map(cJSON *map)
{
    cJSON *it = NULL;
    cJSON_ArrayForEach(it, map) strip_schema(it);
}

static void strip_schema(cJSON *schema)
{
    if (cJSON_IsArray(schema)) { /* allOf/anyOf/items as a list */
        cJSON *it = NULL;
        cJSON_ArrayForEach(it, schema) strip_schema(it);
        return;
    }
    if (!cJSON_IsObject(schema))
        return;
    cJSON *it = schema->child;
    while (it != NULL) {
        cJSON *next = it->next;
        const char *k = it->string;
        if (schema_prose(k))
            cJSON_Delete(cJSON_DetachItemViaPointer(schema, it));
        else if (strcmp(k, "properties") == 0 || strcmp(k, "patternProperties") == 0)
            strip_schema_map(it);
        else if (strcmp(k, "items") == 0 || strcmp(k, "additionalProperties") == 0 ||
                 strcmp(k, "allOf") == 0 || strcmp(k, "anyOf") == 0 || strcmp(k, "oneOf") == 0 ||
                 strcmp(k, "not") == 0)
            strip_schema(it);
        it = next;
    }
}

/* ---- parameters ----------------------------------------------------------- */

/* The page-size rules of a limit parameter, from its words into the
 * Swagger keywords made for them. A spec that states them already keeps
 * its own. */
static bool limit_rules(cJSON *param, const char *desc)
{
    long def = 0, max = 0;
    civis__prose_page_rules(desc, &def, &max);
    if (def > 0 && !cJSON_HasObjectItem(param, "default") &&
        cJSON_AddNumberToObject(param, "default", (double)def) == NULL)
        return false;
    if (max > 0 && !cJSON_HasObjectItem(param, "maximum") &&
        cJSON_AddNumberToObject(param, "maximum", (double)max) == NULL)
        return false;
    return true;
}

static bool strip_param(cJSON *param)
{
    const char *name = str_of(param, "name");
    const char *desc = str_of(param, "description");
    if (name != NULL && desc != NULL && strcmp(name, "limit") == 0 && !limit_rules(param, desc))
        return false;
    cJSON_DeleteItemFromObjectCaseSensitive(param, "description");
    cJSON_DeleteItemFromObjectCaseSensitive(param, "title");
    strip_schema(cJSON_GetObjectItemCaseSensitive(param, "schema"));
    strip_schema(cJSON_GetObjectItemCaseSensitive(param, "items"));
    return true;
}

/* ---- recorded examples ---------------------------------------------------- */

/* Answer headers worth replaying: the API's own, not the web server's
 * security boilerplate or per-request values (ids, timings, dates, sizes
 * that the server recomputes). */
static bool keep_answer_header(const char *name)
{
    static const char *const keep[] = {"Content-Type", "Location", "ETag",
                                       "Access-Control-Expose-Headers"};
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
        if (strcmp(name, keep[i]) == 0)
            return true;
    return strncmp(name, "X-Pagination-", 13) == 0 || strncmp(name, "Civis-", 6) == 0;
}

static bool keep_from(cJSON *obj, const char *const *keys, size_t n)
{
    cJSON *it = obj->child;
    while (it != NULL) {
        cJSON *next = it->next;
        bool keep = false;
        for (size_t i = 0; i < n && !keep; i++)
            keep = strcmp(it->string, keys[i]) == 0;
        if (!keep)
            cJSON_Delete(cJSON_DetachItemViaPointer(obj, it));
        it = next;
    }
    return true;
}

static void strip_examples(cJSON *examples)
{
    static const char *const example_keys[] = {"http_method", "route", "requests"};
    static const char *const exchange_keys[] = {
        "request_method",       "request_path",    "request_body",  "request_query_parameters",
        "request_content_type", "response_status", "response_body", "response_headers",
        "response_content_type"};
    cJSON *ex = NULL;
    cJSON_ArrayForEach(ex, examples)
    {
        if (!cJSON_IsObject(ex))
            continue;
        keep_from(ex, example_keys, sizeof(example_keys) / sizeof(example_keys[0]));
        cJSON *xch = NULL;
        cJSON_ArrayForEach(xch, cJSON_GetObjectItemCaseSensitive(ex, "requests"))
        {
            if (!cJSON_IsObject(xch))
                continue;
            keep_from(xch, exchange_keys, sizeof(exchange_keys) / sizeof(exchange_keys[0]));
            cJSON *hs = cJSON_GetObjectItemCaseSensitive(xch, "response_headers");
            cJSON *h = hs != NULL ? hs->child : NULL;
            while (h != NULL) {
                cJSON *next = h->next;
                if (!keep_answer_header(h->string))
                    cJSON_Delete(cJSON_DetachItemViaPointer(hs, h));
                h = next;
            }
        }
    }
}

/* ---- operations ------------------------------------------------------------ */

static bool add_true(cJSON *o, const char *key)
{
    return cJSON_AddTrueToObject(o, key) != NULL;
}

static bool strip_operation(cJSON *op, const char *verb)
{
    const char *summary = str_of(op, "summary");
    const char *warning = str_of(op, "x-deprecation-warning");
    bool ok = true;
    if (civis__prose_says(summary, "deprecated"))
        ok = ok && add_true(op, "x-civis-deprecated");
    if (warning != NULL && warning[0] != '\0')
        ok = ok && add_true(op, "x-civis-deprecation-warning");
    civis_delete_effect effect = civis__prose_delete_effect(summary);
    if (strcmp(verb, "delete") == 0 && effect != CIVIS_DELETE_REMOVES)
        ok = ok &&
             cJSON_AddStringToObject(op, "x-civis-delete",
                                     effect == CIVIS_DELETE_ARCHIVES ? "archive" : "hide") != NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(op, "summary");
    cJSON_DeleteItemFromObjectCaseSensitive(op, "description");
    cJSON_DeleteItemFromObjectCaseSensitive(op, "x-deprecation-warning");
    cJSON *p = NULL;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(op, "parameters")) ok =
        ok && strip_param(p);
    cJSON *r = NULL;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(op, "responses"))
    {
        cJSON_DeleteItemFromObjectCaseSensitive(r, "description");
        strip_schema(cJSON_GetObjectItemCaseSensitive(r, "schema"));
        cJSON *h = NULL;
        cJSON_ArrayForEach(h, cJSON_GetObjectItemCaseSensitive(r, "headers"))
            cJSON_DeleteItemFromObjectCaseSensitive(h, "description");
    }
    cJSON *ex = cJSON_GetObjectItemCaseSensitive(op, "x-examples");
    if (cJSON_IsArray(ex))
        strip_examples(ex);
    return ok;
}

/* ---- the document -------------------------------------------------------- */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap + 1);
    while (buf != NULL) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *bigger = realloc(buf, cap * 2 + 1);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (buf == NULL || bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Counts the operations and strips them; false on allocation failure. */
static bool strip_paths(cJSON *paths, int *n_ops)
{
    cJSON *item = NULL;
    cJSON_ArrayForEach(item, paths)
    {
        cJSON *op = NULL;
        cJSON_ArrayForEach(op, item)
        {
            if (strcmp(op->string, "parameters") == 0) {
                cJSON *p = NULL;
                cJSON_ArrayForEach(p, op) if (!strip_param(p)) return false;
            } else if (is_verb(op->string) && cJSON_IsObject(op)) {
                if (!strip_operation(op, op->string))
                    return false;
                (*n_ops)++;
            }
        }
    }
    return true;
}

/* The top level: facts kept, info reduced to the version, a stamp added. */
static bool strip_document(cJSON *doc, const char *date)
{
    static const char *const top[] = {"swagger",
                                      "info",
                                      "host",
                                      "basePath",
                                      "schemes",
                                      "consumes",
                                      "produces",
                                      "paths",
                                      "definitions",
                                      "parameters",
                                      "securityDefinitions",
                                      "security"};
    keep_from(doc, top, sizeof(top) / sizeof(top[0]));
    cJSON *info = cJSON_GetObjectItemCaseSensitive(doc, "info");
    if (cJSON_IsObject(info)) {
        static const char *const info_keys[] = {"version"};
        keep_from(info, info_keys, 1);
        if (cJSON_AddStringToObject(info, "title", "Civis Analytics API") == NULL)
            return false;
    }
    cJSON *sd = NULL;
    cJSON_ArrayForEach(sd, cJSON_GetObjectItemCaseSensitive(doc, "securityDefinitions"))
        cJSON_DeleteItemFromObjectCaseSensitive(sd, "description");
    cJSON *p = NULL;
    cJSON_ArrayForEach(
        p, cJSON_GetObjectItemCaseSensitive(doc, "parameters")) if (!strip_param(p)) return false;
    strip_schema_map(cJSON_GetObjectItemCaseSensitive(doc, "definitions"));
    int n_ops = 0;
    if (!strip_paths(cJSON_GetObjectItemCaseSensitive(doc, "paths"), &n_ops))
        return false;
    cJSON *stamp = cJSON_AddObjectToObject(doc, "x-civis-extract");
    return stamp != NULL && cJSON_AddStringToObject(stamp, "date", date) != NULL &&
           cJSON_AddNumberToObject(stamp, "operations", n_ops) != NULL &&
           cJSON_AddNumberToObject(
               stamp, "definitions",
               cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "definitions"))) != NULL;
}

static bool valid_date(const char *d)
{
    return strlen(d) == 10 && isdigit((unsigned char)d[0]) && d[4] == '-' && d[7] == '-';
}

int main(int argc, char **argv)
{
    char today[16];
    time_t now = time(NULL);
    struct tm tm;
    strftime(today, sizeof(today), "%Y-%m-%d", gmtime_r(&now, &tm));
    const char *date = today;
    int a = 1;
    if (a + 1 < argc && strcmp(argv[a], "--date") == 0) {
        date = argv[a + 1];
        a += 2;
    }
    if (argc - a != 2 || !valid_date(date)) {
        fprintf(stderr, "usage: civis-spec-extract [--date YYYY-MM-DD] IN.json OUT.json\n");
        return 2;
    }
    size_t len = 0;
    char *text = read_all(argv[a], &len);
    if (text == NULL) {
        perror(argv[a]);
        return 1;
    }
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (doc == NULL) {
        fprintf(stderr, "%s: not JSON (at byte %ld)\n", argv[a], end ? (long)(end - text) : 0L);
        free(text);
        return 2;
    }
    free(text);
    if (!cJSON_IsObject(doc) || str_of(doc, "swagger") == NULL ||
        strcmp(str_of(doc, "swagger"), "2.0") != 0 ||
        !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "paths"))) {
        fprintf(stderr, "%s: not a Swagger 2.0 document (no \"swagger\": \"2.0\" and paths)\n",
                argv[a]);
        cJSON_Delete(doc);
        return 2;
    }
    if (!strip_document(doc, date)) {
        fprintf(stderr, "civis-spec-extract: out of memory\n");
        cJSON_Delete(doc);
        return 1;
    }
    char *out = cJSON_Print(doc);
    cJSON_Delete(doc);
    FILE *f = out != NULL ? fopen(argv[a + 1], "wb") : NULL;
    bool ok = f != NULL && fputs(out, f) >= 0 && fputc('\n', f) != EOF;
    if (f != NULL && fclose(f) != 0)
        ok = false;
    free(out);
    if (!ok) {
        perror(argv[a + 1]);
        return 1;
    }
    return 0;
}
