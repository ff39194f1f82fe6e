/*
 * synth.c: response bodies from the spec. civis_spec_example() finds a
 * recorded 2xx exchange; civis_synthesize() makes a deterministic,
 * schema-valid value when there is none, so every operation answers with a
 * realistic shape.
 *
 * Determinism: one splitmix64 stream per call, seeded by opts->seed and
 * consumed in schema order, so the same seed and schema give the same bytes
 * on every run and machine. The one self-referencing schema of the public
 * spec (JobNestedJob.children) is cut at max_depth: objects there become {}
 * and arrays [], which the schema allows.
 */
#include <stdio.h>
#include <string.h>

#include "spec_internal.h"

typedef struct synth {
    const civis_spec *spec;
    uint64_t state;
    int array_len;
    int max_depth;
} synth;

static uint64_t next(synth *s)
{
    uint64_t z = (s->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* A plausible string for a field, by format first and then by name. The
 * public spec types ~300 timestamps as format "time" although the live API
 * sends ISO 8601 date-times, so both get date-times. */
static cJSON *make_string(synth *s, const char *field, const cJSON *schema)
{
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(schema, "format");
    const char *f = cJSON_IsString(fmt) ? fmt->valuestring : "";
    char buf[160];
    uint64_t r = next(s);
    if (strcmp(f, "date-time") == 0 || strcmp(f, "time") == 0 || ends_with(field, "At")) {
        snprintf(buf, sizeof(buf), "2026-%02u-%02uT%02u:%02u:%02u.000Z", (unsigned)(r % 12) + 1,
                 (unsigned)(r / 12 % 28) + 1, (unsigned)(r / 400 % 24), (unsigned)(r / 9600 % 60),
                 (unsigned)(r / 576000 % 60));
    } else if (strcmp(f, "date") == 0) {
        snprintf(buf, sizeof(buf), "2026-%02u-%02u", (unsigned)(r % 12) + 1,
                 (unsigned)(r / 12 % 28) + 1);
    } else if (strcmp(field, "state") == 0) {
        snprintf(buf, sizeof(buf), "succeeded");
    } else if (ends_with(field, "Url") || ends_with(field, "url") || ends_with(field, "Uri")) {
        snprintf(buf, sizeof(buf), "https://example.civis.test/%s/%u", field,
                 (unsigned)(r % 100000));
    } else if (strcmp(field, "email") == 0 || ends_with(field, "Email")) {
        snprintf(buf, sizeof(buf), "user%u@example.civis.test", (unsigned)(r % 1000));
    } else {
        snprintf(buf, sizeof(buf), "%s-%u", field[0] ? field : "value", (unsigned)(r % 1000));
    }
    return cJSON_CreateString(buf);
}

static cJSON *make(synth *s, const cJSON *schema, const char *field, int depth);

static cJSON *make_array(synth *s, const cJSON *schema, const char *field, int depth)
{
    cJSON *arr = cJSON_CreateArray();
    if (arr == NULL || depth >= s->max_depth)
        return arr;
    const cJSON *items =
        civis_spec_deref(s->spec, cJSON_GetObjectItemCaseSensitive(schema, "items"));
    for (int i = 0; i < s->array_len; i++) {
        cJSON *v = make(s, items, field, depth + 1);
        if (v == NULL || !cJSON_AddItemToArray(arr, v)) {
            cJSON_Delete(v);
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

static cJSON *make_object(synth *s, const cJSON *schema, int depth)
{
    cJSON *obj = cJSON_CreateObject();
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    if (obj == NULL || depth >= s->max_depth || !cJSON_IsObject(props))
        return obj; /* free-form objects ("arguments") stay empty */
    for (const cJSON *p = props->child; p != NULL; p = p->next) {
        cJSON *v = make(s, civis_spec_deref(s->spec, p), p->string, depth + 1);
        if (v == NULL || !cJSON_AddItemToObject(obj, p->string, v)) {
            cJSON_Delete(v);
            cJSON_Delete(obj);
            return NULL;
        }
    }
    return obj;
}

static cJSON *make(synth *s, const cJSON *schema, const char *field, int depth)
{
    schema = civis_spec_deref(s->spec, schema);
    if (schema == NULL)
        return cJSON_CreateNull();
    switch (civis_schema_type(schema)) {
    case CIVIS_TYPE_STRING: return make_string(s, field, schema);
    case CIVIS_TYPE_INTEGER: return cJSON_CreateNumber((double)(next(s) % 1000 + 1));
    case CIVIS_TYPE_NUMBER: return cJSON_CreateNumber((double)(next(s) % 100000) / 100.0);
    case CIVIS_TYPE_BOOLEAN: return cJSON_CreateBool(next(s) & 1);
    case CIVIS_TYPE_ARRAY: return make_array(s, schema, field, depth);
    case CIVIS_TYPE_OBJECT: return make_object(s, schema, depth);
    case CIVIS_TYPE_ANY: break;
    }
    if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(schema, "properties")))
        return make_object(s, schema, depth);
    return cJSON_CreateNull(); /* no type declared: null is a valid value */
}

static void synth_init(synth *s, const civis_spec *spec, const civis_synth_options *opts)
{
    s->spec = spec;
    s->state = opts ? opts->seed : 0;
    s->array_len = opts && opts->array_len > 0 ? opts->array_len : 2;
    s->max_depth = opts && opts->max_depth > 0 ? opts->max_depth : 6;
}

cJSON *civis_synthesize(const civis_spec *spec, const cJSON *schema,
                        const civis_synth_options *opts)
{
    if (spec == NULL || schema == NULL)
        return NULL;
    synth s;
    synth_init(&s, spec, opts);
    return make(&s, schema, "", 0);
}

cJSON *civis_synthesize_response(const civis_spec *spec, const civis_operation *op,
                                 const civis_synth_options *opts)
{
    if (spec == NULL || op == NULL || op->response_schema == NULL || op->response_status == 204)
        return NULL;
    synth s;
    synth_init(&s, spec, opts);
    const cJSON *schema = civis_spec_deref(spec, op->response_schema);
    if (op->returns_array && civis_schema_type(schema) != CIVIS_TYPE_ARRAY) {
        /* The official client's list of paths that return arrays although
         * the spec says object: answer what the live API answers. */
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; arr != NULL && i < s.array_len; i++) {
            cJSON *v = make(&s, schema, "", 1);
            if (v == NULL || !cJSON_AddItemToArray(arr, v)) {
                cJSON_Delete(v);
                cJSON_Delete(arr);
                return NULL;
            }
        }
        return arr;
    }
    return make(&s, schema, "", 0);
}

bool civis_spec_example(const civis_operation *op, int *status, const cJSON **headers,
                        const char **body_text)
{
    if (op == NULL || !cJSON_IsArray(op->examples))
        return false;
    const cJSON *ex;
    cJSON_ArrayForEach(ex, op->examples)
    {
        const cJSON *reqs = cJSON_GetObjectItemCaseSensitive(ex, "requests");
        const cJSON *r;
        cJSON_ArrayForEach(r, reqs)
        {
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(r, "response_status");
            if (!cJSON_IsNumber(st) || st->valueint < 200 || st->valueint > 299)
                continue;
            const cJSON *h = cJSON_GetObjectItemCaseSensitive(r, "response_headers");
            const cJSON *b = cJSON_GetObjectItemCaseSensitive(r, "response_body");
            if (status)
                *status = st->valueint;
            if (headers)
                *headers = cJSON_IsObject(h) ? h : NULL;
            if (body_text)
                *body_text = cJSON_IsString(b) ? b->valuestring : NULL;
            return true;
        }
    }
    return false;
}
