/*
 * test_spec_load.c: loading a spec (spec/src/load.c, refs.c): the bundled
 * and the full public spec load; every kind of malformed document gives its
 * own clear error and no crash.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "civis/spec.h"
#include "test.h"

/* ---- helpers ------------------------------------------------------------------ */

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = size >= 0 ? malloc((size_t)size + 1) : NULL;
    if (buf != NULL && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf != NULL) {
        buf[size] = '\0';
        *len = (size_t)size;
    }
    return buf;
}

/* Writes bytes to a fresh temporary file; the caller unlinks it. */
static void write_temp(char *path, size_t pathlen, const char *bytes, size_t len)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, pathlen, "%s/civis_spec_test_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    CU_ASSERT_FATAL(write(fd, bytes, len) == (ssize_t)len);
    close(fd);
}

/* Loads a document from a string; returns the status, err filled. */
static civis_status load_str(const char *json, civis_error *err)
{
    civis_spec *spec = NULL;
    civis_error_clear(err);
    civis_status st = civis_spec_load_buffer(&spec, json, strlen(json), err);
    CU_ASSERT((st == CIVIS_OK) == (spec != NULL));
    civis_spec_free(spec);
    return st;
}

static void expect_error(const char *json, civis_status code, const char *message)
{
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = load_str(json, &err);
    if (st != code || strcmp(err.message, message) != 0)
        fprintf(stderr, "\n  got %s: %s\n  want %s: %s\n", civis_strerror(st), err.message,
                civis_strerror(code), message);
    CU_ASSERT_EQUAL(st, code);
    CU_ASSERT_EQUAL(err.code, code);
    CU_ASSERT_STRING_EQUAL(err.message, message);
}

#define MINI_HEAD "{\"swagger\": \"2.0\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, "

/* ---- the real specs --------------------------------------------------------- */

static void test_bundled__loads_and_keeps_its_bytes(void)
{
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_load_bundled(&spec, &err), err);
    size_t blen = 0, tlen = 0;
    const char *btext = civis_spec_bundled_text(&blen);
    const char *text = civis_spec_text(spec, &tlen);
    CU_ASSERT(blen > 0);
    CU_ASSERT_EQUAL(tlen, blen);
    CU_ASSERT_EQUAL(memcmp(text, btext, blen), 0);
    CU_ASSERT_EQUAL(btext[blen], '\0'); /* embedded NUL-terminated */
    const cJSON *doc = civis_spec_document(spec);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItemCaseSensitive(doc, "swagger")->valuestring, "2.0");
    CU_ASSERT(civis_spec_operation_count(spec) > 0);
    CU_ASSERT(civis_spec_method_count(spec) > 0);
    CU_ASSERT_PTR_EQUAL(civis_spec_bundled_text(NULL), btext);
    civis_spec_free(spec);
}

static void test_default__uses_env_else_bundled(void)
{
    const char *full = civis_test_full_spec("spec_load default from CIVIS_API_SPEC");
    char *saved = getenv("CIVIS_API_SPEC") ? strdup(getenv("CIVIS_API_SPEC")) : NULL;
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;

    unsetenv("CIVIS_API_SPEC");
    ASSERT_CIVIS_OK(civis_spec_load_default(&spec, &err), err);
    size_t blen = 0, tlen = 0;
    civis_spec_bundled_text(&blen);
    civis_spec_text(spec, &tlen);
    CU_ASSERT_EQUAL(tlen, blen);
    civis_spec_free(spec);

    if (full != NULL) {
        setenv("CIVIS_API_SPEC", full, 1);
        ASSERT_CIVIS_OK(civis_spec_load_default(&spec, &err), err);
        CU_ASSERT_EQUAL(civis_spec_operation_count(spec), 910);
        civis_spec_free(spec);
    }
    setenv("CIVIS_API_SPEC", "/nonexistent/civis-spec.json", 1);
    CU_ASSERT_EQUAL(civis_spec_load_default(&spec, &err), CIVIS_EIO);
    CU_ASSERT_PTR_NULL(spec);
    CU_ASSERT_STRING_EQUAL(err.message, "cannot open spec '/nonexistent/civis-spec.json': No "
                                        "such file or directory");
    CU_ASSERT_STRING_EQUAL(err.param, "path");

    if (saved != NULL)
        setenv("CIVIS_API_SPEC", saved, 1);
    else
        unsetenv("CIVIS_API_SPEC");
    free(saved);
}

static void test_full__loads_from_file_and_buffer(void)
{
    const char *full = civis_test_full_spec("spec_load full spec");
    if (full == NULL)
        return;
    size_t len = 0;
    char *bytes = read_all(full, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);

    civis_spec *a = NULL, *b = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_load_file(&a, full, &err), err);
    ASSERT_CIVIS_OK(civis_spec_load_buffer(&b, bytes, len, &err), err);
    size_t la = 0, lb = 0;
    const char *ta = civis_spec_text(a, &la), *tb = civis_spec_text(b, &lb);
    CU_ASSERT_EQUAL(la, len);
    CU_ASSERT_EQUAL(lb, len);
    CU_ASSERT_EQUAL(memcmp(ta, bytes, len), 0);
    CU_ASSERT_PTR_NOT_EQUAL(tb, bytes); /* the buffer is copied, not kept */
    CU_ASSERT_EQUAL(civis_spec_operation_count(a), civis_spec_operation_count(b));
    CU_ASSERT_EQUAL(civis_spec_method_count(a), civis_spec_method_count(b));
    civis_spec_free(a);
    civis_spec_free(b);
    free(bytes);
}

static void test_full__truncated_is_a_parse_error(void)
{
    const char *full = civis_test_full_spec("spec_load truncated full spec");
    if (full == NULL)
        return;
    size_t len = 0;
    char *bytes = read_all(full, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(bytes);
    char path[256];
    write_temp(path, sizeof(path), bytes, len / 2);
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_spec_load_file(&spec, path, &err), CIVIS_EPARSE);
    CU_ASSERT_PTR_NULL(spec);
    /* "<path>: not valid JSON: document ends early at byte N (line L, column C) (truncated?)" */
    CU_ASSERT_EQUAL(strncmp(err.message, path, strlen(path)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, ": not valid JSON: document ends early at byte "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "(truncated?)"));
    unlink(path);
    free(bytes);
}

/* ---- documents that are not JSON ---------------------------------------------- */

static void test_empty_file__is_reported_as_empty(void)
{
    char path[256];
    write_temp(path, sizeof(path), "", 0);
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_spec_load_file(&spec, path, &err), CIVIS_EPARSE);
    CU_ASSERT_PTR_NULL(spec);
    char want[512];
    snprintf(want, sizeof(want), "%s: empty document (0 bytes), expected JSON", path);
    CU_ASSERT_STRING_EQUAL(err.message, want);
    unlink(path);

    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_spec_load_buffer(&spec, "", 0, &err), CIVIS_EPARSE);
    CU_ASSERT_STRING_EQUAL(err.message, "empty document (0 bytes), expected JSON");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_spec_load_buffer(&spec, NULL, 0, &err), CIVIS_EPARSE);
}

static void test_not_json__names_byte_line_and_column(void)
{
    expect_error("hello", CIVIS_EPARSE, "not valid JSON at byte 0 (line 1, column 1)");
    expect_error("{\n  \"swagger\": \"2.0\",\n  \"paths\": {,}\n}", CIVIS_EPARSE,
                 "not valid JSON at byte 35 (line 3, column 14)");
    expect_error("{\"swagger\": \"2.0\", \"paths\": {}} trailing", CIVIS_EPARSE,
                 "not valid JSON: unexpected data after the document at byte 32 (line 1, "
                 "column 33)");
    expect_error("{\"swagger\": \"2.0\",\n \"paths\": {\"/a\"", CIVIS_EPARSE,
                 "not valid JSON: document ends early at byte 34 (line 2, column 16) "
                 "(truncated?)");
    /* A wrong bracket on the last byte is an error, not a truncation. */
    expect_error("{\"a\": 1]", CIVIS_EPARSE, "not valid JSON at byte 7 (line 1, column 8)");
    expect_error("\"abc", CIVIS_EPARSE,
                 "not valid JSON: document ends early at byte 4 (line 1, column 5) (truncated?)");
    expect_error("{\"a\": tru", CIVIS_EPARSE,
                 "not valid JSON: document ends early at byte 9 (line 1, column 10) (truncated?)");
    expect_error("{\"a\": {}", CIVIS_EPARSE,
                 "not valid JSON: document ends early at byte 8 (line 1, column 9) (truncated?)");
    expect_error("{\"a\": [1, 2,", CIVIS_EPARSE,
                 "not valid JSON: document ends early at byte 12 (line 1, column 13) "
                 "(truncated?)");
    /* Trailing whitespace is fine. */
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(load_str("{\"swagger\": \"2.0\", \"paths\": {}}\n\n  ", &err), CIVIS_OK);
}

static void test_every_truncation__fails_cleanly(void)
{
    /* Each prefix of a small valid spec either loads (only the whole) or
     * fails with a parse error; none may crash or leak. */
    static const char doc[] =
        MINI_HEAD "\"paths\": {\"/widgets/{id}\": {\"get\": {\"summary\": \"Get\", "
                  "\"parameters\": [{\"name\": \"id\", \"in\": \"path\", \"required\": true, "
                  "\"type\": \"integer\"}], \"responses\": {\"200\": {\"description\": \"ok\", "
                  "\"schema\": {\"$ref\": \"#/definitions/W\"}}}}}}, \"definitions\": {\"W\": "
                  "{\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\"}}}}}";
    size_t len = strlen(doc);
    for (size_t cut = 0; cut < len; cut++) {
        civis_spec *spec = NULL;
        civis_error err = CIVIS_ERROR_INIT;
        civis_status st = civis_spec_load_buffer(&spec, doc, cut, &err);
        CU_ASSERT_EQUAL(st, CIVIS_EPARSE);
        CU_ASSERT_PTR_NULL(spec);
        /* Every cut is recognised as a truncation, wherever it falls:
         * inside a string, a number, a literal, between tokens. */
        if (cut > 0 && strstr(err.message, "ends early") == NULL)
            fprintf(stderr, "\n  cut %zu: %s\n", cut, err.message);
        CU_ASSERT(cut == 0 || strstr(err.message, "ends early") != NULL);
    }
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_load_buffer(&spec, doc, len, &err), err);
    CU_ASSERT_EQUAL(civis_spec_operation_count(spec), 1);
    civis_spec_free(spec);
}

static void test_missing_file__is_an_io_error(void)
{
    civis_spec *spec = (civis_spec *)&spec; /* must be reset to NULL */
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_spec_load_file(&spec, "/nonexistent/dir/spec.json", &err), CIVIS_EIO);
    CU_ASSERT_PTR_NULL(spec);
    CU_ASSERT_STRING_EQUAL(err.param, "path");
    CU_ASSERT_STRING_EQUAL(err.message, "cannot open spec '/nonexistent/dir/spec.json': No such "
                                        "file or directory");
    /* A directory opens but cannot be read as a file. */
    civis_error_clear(&err);
    CU_ASSERT_NOT_EQUAL(civis_spec_load_file(&spec, "/", &err), CIVIS_OK);
    CU_ASSERT_PTR_NULL(spec);
    CU_ASSERT(err.message[0] != '\0');
}

static void test_bad_arguments__einval(void)
{
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_spec_load_file(NULL, "x", &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "out");
    civis_spec *spec = NULL;
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_spec_load_file(&spec, NULL, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "path");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_spec_load_buffer(&spec, NULL, 5, &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "buf");
    CU_ASSERT_EQUAL(civis_spec_load_bundled(NULL, NULL), CIVIS_EINVAL); /* NULL err is fine */
    civis_spec_free(NULL);
    CU_ASSERT_PTR_NULL(civis_spec_document(NULL));
    size_t len = 7;
    CU_ASSERT_PTR_NULL(civis_spec_text(NULL, &len));
    CU_ASSERT_EQUAL(len, 0);
}

/* ---- JSON that is not a usable Swagger 2.0 document ------------------------------ */

static void test_wrong_shape__names_the_field(void)
{
    expect_error("[1, 2]", CIVIS_ESPEC, "$: expected a JSON object (a Swagger 2.0 document)");
    expect_error("{\"paths\": {}}", CIVIS_ESPEC, "$.swagger: missing (not a Swagger 2.0 document)");
    expect_error("{\"openapi\": \"3.0.1\", \"paths\": {}}", CIVIS_ESPEC,
                 "$.swagger: missing; this is OpenAPI 3.0.1, only Swagger 2.0 is supported");
    expect_error("{\"swagger\": \"3.0\", \"paths\": {}}", CIVIS_ESPEC,
                 "$.swagger: expected \"2.0\", got \"3.0\"");
    expect_error("{\"swagger\": 2.0, \"paths\": {}}", CIVIS_ESPEC,
                 "$.swagger: expected \"2.0\", got a non-string value");
    expect_error("{\"swagger\": \"2.0\"}", CIVIS_ESPEC,
                 "$.paths: missing (a Swagger 2.0 document needs a paths object)");
    expect_error("{\"swagger\": \"2.0\", \"paths\": []}", CIVIS_ESPEC,
                 "$.paths: expected an object");
    expect_error("{\"swagger\": \"2.0\", \"paths\": {}, \"definitions\": 3}", CIVIS_ESPEC,
                 "$.definitions: expected an object");
    civis_error err = CIVIS_ERROR_INIT;
    load_str("{\"swagger\": \"3.0\", \"paths\": {}}", &err);
    CU_ASSERT_STRING_EQUAL(err.param, "swagger");
    /* An empty paths object is a valid (if useless) spec. */
    CU_ASSERT_EQUAL(load_str("{\"swagger\": \"2.0\", \"paths\": {}}", &err), CIVIS_OK);
}

static void test_file_errors__carry_the_file_name(void)
{
    const char doc[] = "{\"swagger\": \"1.2\", \"paths\": {}}";
    char path[256];
    write_temp(path, sizeof(path), doc, sizeof(doc) - 1);
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_spec_load_file(&spec, path, &err), CIVIS_ESPEC);
    char want[512];
    snprintf(want, sizeof(want), "%s: $.swagger: expected \"2.0\", got \"1.2\"", path);
    CU_ASSERT_STRING_EQUAL(err.message, want);
    unlink(path);
}

/* ---- $ref checks ------------------------------------------------------------------ */

static void test_dangling_ref__names_the_place(void)
{
    expect_error(MINI_HEAD "\"paths\": {\"/scripts\": {\"post\": {\"summary\": \"s\", "
                           "\"parameters\": [{\"name\": \"b\", \"in\": \"body\", \"schema\": "
                           "{\"$ref\": \"#/definitions/Nope\"}}], \"responses\": {\"201\": "
                           "{\"description\": \"ok\"}}}}}, \"definitions\": {}}",
                 CIVIS_ESPEC,
                 "$.paths./scripts.post.parameters[0].schema: unresolved $ref "
                 "'#/definitions/Nope'");
    /* In a definition's property, and with no definitions object at all. */
    expect_error(MINI_HEAD "\"paths\": {}, \"definitions\": {\"A\": {\"type\": \"object\", "
                           "\"properties\": {\"b\": {\"type\": \"array\", \"items\": {\"$ref\": "
                           "\"#/definitions/B\"}}}}}}",
                 CIVIS_ESPEC,
                 "$.definitions.A.properties.b.items: unresolved $ref '#/definitions/B'");
    expect_error(MINI_HEAD "\"paths\": {\"/a\": {\"get\": {\"responses\": {\"200\": {\"schema\": "
                           "{\"$ref\": \"#/definitions/A\"}}}}}}}",
                 CIVIS_ESPEC,
                 "$.paths./a.get.responses.200.schema: unresolved $ref "
                 "'#/definitions/A'");
}

static void test_non_local_ref__is_refused(void)
{
    expect_error(MINI_HEAD "\"paths\": {}, \"definitions\": {\"A\": {\"type\": \"object\", "
                           "\"properties\": {\"b\": {\"$ref\": \"other.json#/definitions/B\"}}}}}",
                 CIVIS_ESPEC,
                 "$.definitions.A.properties.b: unsupported $ref 'other.json#/definitions/B' "
                 "(only local '#/definitions/NAME' refs)");
    expect_error(MINI_HEAD "\"paths\": {\"/a\": {\"get\": {\"parameters\": [{\"$ref\": "
                           "\"#/parameters/limit\"}], \"responses\": {}}}}}",
                 CIVIS_ESPEC,
                 "$.paths./a.get.parameters[0]: unsupported $ref '#/parameters/limit' (only "
                 "local '#/definitions/NAME' refs)");
    expect_error(MINI_HEAD "\"paths\": {}, \"definitions\": {\"A\": {\"$ref\": 7}}}", CIVIS_ESPEC,
                 "$.definitions.A: $ref must be a string");
}

static void test_refs_in_examples__are_data_not_refs(void)
{
    /* x-examples and example values are free-form: a "$ref" key there is
     * data, not a reference. */
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(load_str(MINI_HEAD "\"paths\": {\"/a\": {\"get\": {\"responses\": {}, "
                                       "\"x-examples\": [{\"$ref\": \"nowhere\"}]}}}, "
                                       "\"definitions\": {\"A\": {\"type\": \"object\", "
                                       "\"example\": {\"$ref\": \"#/definitions/Z\"}}}}",
                             &err),
                    CIVIS_OK);
}

static void test_ref_alias_cycle__is_an_error(void)
{
    expect_error(MINI_HEAD "\"paths\": {}, \"definitions\": {\"A\": {\"$ref\": "
                           "\"#/definitions/B\"}, \"B\": {\"$ref\": \"#/definitions/A\"}}}",
                 CIVIS_ESPEC, "$.definitions.A: $ref cycle A -> B -> A never reaches a schema");
    expect_error(MINI_HEAD "\"paths\": {}, \"definitions\": {\"Self\": {\"description\": \"d\", "
                           "\"$ref\": \"#/definitions/Self\"}}}",
                 CIVIS_ESPEC, "$.definitions.Self: $ref cycle Self -> Self never reaches a schema");
    /* A chain that enters a cycle further on. */
    expect_error(MINI_HEAD "\"paths\": {}, \"definitions\": {\"A\": {\"$ref\": "
                           "\"#/definitions/B\"}, \"B\": {\"$ref\": \"#/definitions/C\"}, \"C\": "
                           "{\"$ref\": \"#/definitions/B\"}}}",
                 CIVIS_ESPEC,
                 "$.definitions.A: $ref cycle A -> B -> C -> B never reaches a schema");
}

static void test_self_reference_through_properties__is_legal(void)
{
    /* The JobNestedJob shape: children is an array of the definition itself. */
    const char doc[] =
        MINI_HEAD "\"paths\": {\"/jobs/{id}\": {\"get\": {\"summary\": \"g\", \"parameters\": "
                  "[{\"name\": \"id\", \"in\": \"path\", \"required\": true, \"type\": "
                  "\"integer\"}], \"responses\": {\"200\": {\"description\": \"ok\", \"schema\": "
                  "{\"$ref\": \"#/definitions/Alias\"}}}}}}, \"definitions\": {\"Alias\": "
                  "{\"$ref\": \"#/definitions/Nested\"}, \"Nested\": {\"type\": \"object\", "
                  "\"properties\": {\"id\": {\"type\": \"integer\"}, \"children\": {\"type\": "
                  "\"array\", \"items\": {\"$ref\": \"#/definitions/Nested\"}}, \"parent\": "
                  "{\"$ref\": \"#/definitions/Nested\"}}}}}";
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_load_buffer(&spec, doc, strlen(doc), &err), err);
    const cJSON *nested = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(civis_spec_document(spec), "definitions"), "Nested");
    const civis_operation *op = civis_spec_operation_at(spec, 0);
    /* An alias chain is followed to the node inside the document itself. */
    CU_ASSERT_PTR_EQUAL(civis_spec_deref(spec, op->response_schema), nested);
    const cJSON *children = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(nested, "properties"), "children");
    CU_ASSERT_PTR_EQUAL(civis_spec_deref(spec, cJSON_GetObjectItemCaseSensitive(children, "items")),
                        nested);
    civis_spec_free(spec);
}

/* A definition nesting `levels` inline objects through properties. */
static char *nested_doc(int levels)
{
    size_t cap = 256 + (size_t)levels * 80;
    char *s = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    size_t n = (size_t)snprintf(s, cap, "%s\"paths\": {}, \"definitions\": {\"Deep\": ", MINI_HEAD);
    for (int i = 0; i < levels; i++)
        n += (size_t)snprintf(s + n, cap - n,
                              "{\"type\": \"object\", \"properties\": {\"l%d\": ", i + 1);
    n += (size_t)snprintf(s + n, cap - n, "{\"type\": \"string\"}");
    for (int i = 0; i < levels; i++)
        n += (size_t)snprintf(s + n, cap - n, "}}");
    snprintf(s + n, cap - n, "}}");
    return s;
}

static void test_deep_nesting__is_a_clear_error(void)
{
    char *ok = nested_doc(32);
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(load_str(ok, &err), CIVIS_OK);
    free(ok);

    char *deep = nested_doc(50);
    CU_ASSERT_EQUAL(load_str(deep, &err), CIVIS_ESPEC);
    /* The place keeps its head (the definition) and its tail (the key). */
    CU_ASSERT_EQUAL(strncmp(err.message, "$.definitions.Deep.properties.l1.properties.l2.", 47), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message,
                                  ".properties.l33: schema nested more than 32 levels deep "
                                  "(properties/items)"));
    free(deep);

    /* Through items as well. */
    CU_ASSERT_EQUAL(
        load_str(MINI_HEAD "\"paths\": {}, \"definitions\": {\"I\": {\"type\": \"array\", "
                           "\"items\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}}}}",
                 &err),
        CIVIS_OK);
    size_t cap = 200 + 40 * 40;
    char *items = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(items);
    size_t n =
        (size_t)snprintf(items, cap, "%s\"paths\": {}, \"definitions\": {\"I\": ", MINI_HEAD);
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(items + n, cap - n, "{\"type\": \"array\", \"items\": ");
    n += (size_t)snprintf(items + n, cap - n, "{}");
    for (int i = 0; i < 40; i++)
        n += (size_t)snprintf(items + n, cap - n, "}");
    snprintf(items + n, cap - n, "}}");
    CU_ASSERT_EQUAL(load_str(items, &err), CIVIS_ESPEC);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "schema nested more than 32 levels deep"));
    CU_ASSERT_EQUAL(strncmp(err.message, "$.definitions.I.items.items.", 28), 0);
    free(items);
}

static void test_deep_json__never_overflows(void)
{
    /* 5000 nested arrays: cJSON refuses it past its nesting limit, as a
     * parse error, long before any recursion of ours. */
    size_t depth = 5000;
    char *s = malloc(2 * depth + 64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    size_t n = (size_t)sprintf(s, "{\"swagger\": \"2.0\", \"paths\": {}, \"x\": ");
    for (size_t i = 0; i < depth; i++)
        s[n++] = '[';
    for (size_t i = 0; i < depth; i++)
        s[n++] = ']';
    s[n++] = '}';
    s[n] = '\0';
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(load_str(s, &err), CIVIS_EPARSE);
    free(s);
}

static CU_TestInfo tests[] = {
    {"bundled__loads_and_keeps_its_bytes", test_bundled__loads_and_keeps_its_bytes},
    {"default__uses_env_else_bundled", test_default__uses_env_else_bundled},
    {"full__loads_from_file_and_buffer", test_full__loads_from_file_and_buffer},
    {"full__truncated_is_a_parse_error", test_full__truncated_is_a_parse_error},
    {"empty_file__is_reported_as_empty", test_empty_file__is_reported_as_empty},
    {"not_json__names_byte_line_and_column", test_not_json__names_byte_line_and_column},
    {"every_truncation__fails_cleanly", test_every_truncation__fails_cleanly},
    {"missing_file__is_an_io_error", test_missing_file__is_an_io_error},
    {"bad_arguments__einval", test_bad_arguments__einval},
    {"wrong_shape__names_the_field", test_wrong_shape__names_the_field},
    {"file_errors__carry_the_file_name", test_file_errors__carry_the_file_name},
    {"dangling_ref__names_the_place", test_dangling_ref__names_the_place},
    {"non_local_ref__is_refused", test_non_local_ref__is_refused},
    {"refs_in_examples__are_data_not_refs", test_refs_in_examples__are_data_not_refs},
    {"ref_alias_cycle__is_an_error", test_ref_alias_cycle__is_an_error},
    {"self_reference_through_properties__is_legal",
     test_self_reference_through_properties__is_legal},
    {"deep_nesting__is_a_clear_error", test_deep_nesting__is_a_clear_error},
    {"deep_json__never_overflows", test_deep_json__never_overflows},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(spec_load, tests, NULL, NULL)
