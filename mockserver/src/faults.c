/*
 * faults.c: injected failures (POST /__mock/faults). A rule names an
 * operation ("scripts.get_sql_runs" or "*"), optionally one API key, and
 * what happens: an HTTP error status, a 429 with Retry-After, a dropped
 * connection, and/or a delay; it fires always, `count` times, or with a
 * `probability` drawn from a generator seeded by --seed, so runs repeat.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mock.h"

typedef struct rule {
    int id;
    const civis_operation *op; /* NULL: every operation ("*") */
    char *api_key;             /* scope, or NULL for every key */
    int status;                /* 0: no error status (delay or drop only) */
    long count;                /* fires left; -1 without a count */
    double probability;        /* < 0 without a probability */
    unsigned delay_ms;
    int retry_after; /* seconds, -1 when not set */
    bool drop;
    long fired; /* times it fired, for the listing */
} rule;

struct cmock_faults {
    pthread_mutex_t lock;
    rule *rules; /* oldest first; the newest matching rule decides */
    size_t n, cap;
    int next_id;
    uint64_t rng; /* xorshift64* state */
    uint64_t seed;
};

civis_status cmock__faults_new(cmock_faults **out, uint64_t seed, civis_error *err)
{
    *out = NULL;
    cmock_faults *f = calloc(1, sizeof(*f));
    if (f == NULL || pthread_mutex_init(&f->lock, NULL) != 0) {
        free(f);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for the fault table");
    }
    f->next_id = 1;
    f->seed = seed;
    f->rng = seed ? seed : 0x9E3779B97F4A7C15ull; /* xorshift must not start at 0 */
    *out = f;
    return CIVIS_OK;
}

void cmock__faults_clear(cmock_faults *faults)
{
    if (faults == NULL)
        return;
    pthread_mutex_lock(&faults->lock);
    for (size_t i = 0; i < faults->n; i++)
        free(faults->rules[i].api_key);
    faults->n = 0;
    faults->next_id = 1;
    faults->rng = faults->seed ? faults->seed : 0x9E3779B97F4A7C15ull;
    pthread_mutex_unlock(&faults->lock);
}

void cmock__faults_free(cmock_faults *faults)
{
    if (faults == NULL)
        return;
    cmock__faults_clear(faults);
    pthread_mutex_destroy(&faults->lock);
    free(faults->rules);
    free(faults);
}

static const char *const rule_fields[] = {"operation", "status",      "count", "probability",
                                          "delay_ms",  "retry_after", "drop",  "api_key"};
#define N_RULE_FIELDS (sizeof(rule_fields) / sizeof(rule_fields[0]))

/* An integer field within [lo, hi]; absent leaves *out alone. */
static civis_status int_field(long *out, const cJSON *obj, const char *name, long lo, long hi,
                              civis_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    if (v == NULL || cJSON_IsNull(v))
        return CIVIS_OK;
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble))
        return civis__fail(err, CIVIS_EINVAL, name, "fault field '%s' must be an integer", name);
    if (v->valuedouble < (double)lo || v->valuedouble > (double)hi)
        return civis__fail(err, CIVIS_EINVAL, name, "fault field '%s' must be in %ld..%ld, got %g",
                           name, lo, hi, v->valuedouble);
    *out = (long)v->valuedouble;
    return CIVIS_OK;
}

/* Reads and checks a rule; r->api_key is malloc'd on success. */
static civis_status parse_rule(rule *r, const civis_spec *spec, const cJSON *j, civis_error *err)
{
    memset(r, 0, sizeof(*r));
    r->count = -1;
    r->probability = -1;
    r->retry_after = -1;
    if (!cJSON_IsObject(j))
        return civis__fail(err, CIVIS_EINVAL, "", "a fault must be a JSON object");
    for (const cJSON *it = j->child; it != NULL; it = it->next) {
        bool known = false;
        for (size_t i = 0; i < N_RULE_FIELDS; i++)
            known = known || strcmp(it->string, rule_fields[i]) == 0;
        if (!known) {
            const char *s = civis_suggest(it->string, rule_fields, N_RULE_FIELDS);
            if (s != NULL)
                return civis__fail(err, CIVIS_EINVAL, it->string,
                                   "unknown fault field '%s' (did you mean '%s'?)", it->string, s);
            return civis__fail(err, CIVIS_EINVAL, it->string, "unknown fault field '%s'",
                               it->string);
        }
    }

    const cJSON *op = cJSON_GetObjectItemCaseSensitive(j, "operation");
    if (op != NULL && !cJSON_IsString(op))
        return civis__fail(err, CIVIS_EINVAL, "operation",
                           "fault field 'operation' must be a string like "
                           "\"scripts.get_sql_runs\" or \"*\"");
    if (op != NULL && strcmp(op->valuestring, "*") != 0) {
        civis_error ferr = CIVIS_ERROR_INIT;
        if (civis_spec_find_dotted(&r->op, spec, op->valuestring, &ferr) != CIVIS_OK)
            return civis__fail(err, CIVIS_EINVAL, "operation",
                               "fault field 'operation' is '%.100s': %s", op->valuestring,
                               ferr.message);
    }

    long status = 0, count = -1, delay = 0, retry = -1;
    civis_status st;
    if ((st = int_field(&status, j, "status", 400, 599, err)) != CIVIS_OK ||
        (st = int_field(&count, j, "count", 1, 1000000000L, err)) != CIVIS_OK ||
        (st = int_field(&delay, j, "delay_ms", 0, CMOCK_MAX_DELAY_MS, err)) != CIVIS_OK ||
        (st = int_field(&retry, j, "retry_after", 0, 86400, err)) != CIVIS_OK)
        return st;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "probability");
    if (p != NULL && !cJSON_IsNull(p)) {
        if (!cJSON_IsNumber(p) || p->valuedouble < 0 || p->valuedouble > 1)
            return civis__fail(err, CIVIS_EINVAL, "probability",
                               "fault field 'probability' must be a number in 0..1");
        if (count >= 0)
            return civis__fail(err, CIVIS_EINVAL, "probability",
                               "give either 'count' or 'probability', not both");
        r->probability = p->valuedouble;
    }
    const cJSON *drop = cJSON_GetObjectItemCaseSensitive(j, "drop");
    if (drop != NULL && !cJSON_IsNull(drop) && !cJSON_IsBool(drop))
        return civis__fail(err, CIVIS_EINVAL, "drop", "fault field 'drop' must be a boolean");
    r->drop = cJSON_IsTrue(drop);
    if (retry >= 0 && status == 0)
        status = 429; /* a Retry-After alone means rate limiting */
    if (status == 0 && !r->drop && delay == 0)
        return civis__fail(err, CIVIS_EINVAL, "status",
                           "a fault needs at least one of 'status', 'retry_after', 'drop' "
                           "or 'delay_ms'");
    if (r->drop && status != 0)
        return civis__fail(err, CIVIS_EINVAL, "drop",
                           "a dropped connection sends no status: give 'drop' or "
                           "'status'/'retry_after', not both");
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(j, "api_key");
    if (key != NULL && !cJSON_IsNull(key) && (!cJSON_IsString(key) || key->valuestring[0] == 0))
        return civis__fail(err, CIVIS_EINVAL, "api_key",
                           "fault field 'api_key' must be a non-empty string");
    r->status = (int)status;
    r->count = count;
    r->delay_ms = (unsigned)delay;
    r->retry_after = (int)retry;
    if (cJSON_IsString(key) && (r->api_key = strdup(key->valuestring)) == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    return CIVIS_OK;
}

civis_status cmock__faults_add(cmock_faults *faults, const civis_spec *spec, const cJSON *json,
                               int *id_out, civis_error *err)
{
    rule r;
    civis_status st = parse_rule(&r, spec, json, err);
    if (st != CIVIS_OK)
        return st;
    pthread_mutex_lock(&faults->lock);
    if (faults->n == faults->cap) {
        size_t nc = faults->cap ? faults->cap * 2 : 8;
        rule *nr = realloc(faults->rules, nc * sizeof(*nr));
        if (nr == NULL) {
            pthread_mutex_unlock(&faults->lock);
            free(r.api_key);
            return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
        }
        faults->rules = nr;
        faults->cap = nc;
    }
    r.id = faults->next_id++;
    faults->rules[faults->n++] = r;
    pthread_mutex_unlock(&faults->lock);
    *id_out = r.id;
    return CIVIS_OK;
}

static void remove_at(cmock_faults *faults, size_t i)
{
    free(faults->rules[i].api_key);
    memmove(&faults->rules[i], &faults->rules[i + 1], (faults->n - i - 1) * sizeof(rule));
    faults->n--;
}

bool cmock__faults_remove(cmock_faults *faults, int id)
{
    bool found = false;
    pthread_mutex_lock(&faults->lock);
    for (size_t i = 0; i < faults->n && !found; i++)
        if (faults->rules[i].id == id) {
            remove_at(faults, i);
            found = true;
        }
    pthread_mutex_unlock(&faults->lock);
    return found;
}

static double roll(cmock_faults *f)
{
    f->rng ^= f->rng >> 12;
    f->rng ^= f->rng << 25;
    f->rng ^= f->rng >> 27;
    return (double)((f->rng * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

bool cmock__faults_apply(cmock_faults *faults, const civis_operation *op, const char *api_key,
                         cmock_reply *reply)
{
    rule hit;
    memset(&hit, 0, sizeof(hit));
    bool fired = false;
    pthread_mutex_lock(&faults->lock);
    for (size_t k = faults->n; k-- > 0 && !fired;) {
        rule *r = &faults->rules[k];
        if (r->op != NULL && r->op != op)
            continue;
        if (r->api_key != NULL && (api_key == NULL || strcmp(r->api_key, api_key) != 0))
            continue;
        if (r->probability >= 0 && roll(faults) >= r->probability)
            continue;
        fired = true;
        r->fired++;
        hit = *r;
        hit.api_key = NULL; /* not needed outside the lock */
        if (r->count > 0 && --r->count == 0)
            remove_at(faults, k);
    }
    pthread_mutex_unlock(&faults->lock);
    if (!fired)
        return false;

    reply->delay_ms = hit.delay_ms;
    if (hit.drop) {
        reply->drop = true;
        return true;
    }
    if (hit.status == 0)
        return false; /* latency only: answer normally after the pause */
    char desc[160];
    if (hit.status == 429)
        snprintf(desc, sizeof(desc), "Rate limit exceeded (civis-mock fault %d).", hit.id);
    else
        snprintf(desc, sizeof(desc), "Injected failure (civis-mock fault %d).", hit.id);
    cmock__error(reply, hit.status, civis_answer_error_kind(hit.status, NULL), desc);
    if (hit.retry_after >= 0) {
        char ra[24];
        snprintf(ra, sizeof(ra), "%d", hit.retry_after);
        cmock__reply_header(reply, "Retry-After", ra);
    }
    return true;
}

cJSON *cmock__faults_list(cmock_faults *faults)
{
    cJSON *arr = cJSON_CreateArray();
    if (arr == NULL)
        return NULL;
    bool ok = true;
    pthread_mutex_lock(&faults->lock);
    for (size_t i = 0; ok && i < faults->n; i++) {
        const rule *r = &faults->rules[i];
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            ok = false;
            break;
        }
        char name[192], mask[64];
        if (r->api_key != NULL)
            cmock__key_mask(mask, sizeof(mask), r->api_key);
        ok = cJSON_AddNumberToObject(o, "id", r->id) != NULL &&
             cJSON_AddStringToObject(o, "operation",
                                     r->op ? civis_operation_name(r->op, name, sizeof(name))
                                           : "*") != NULL &&
             (r->status ? cJSON_AddNumberToObject(o, "status", r->status)
                        : cJSON_AddNullToObject(o, "status")) != NULL &&
             (r->count >= 0 ? cJSON_AddNumberToObject(o, "count", (double)r->count)
                            : cJSON_AddNullToObject(o, "count")) != NULL &&
             (r->probability >= 0 ? cJSON_AddNumberToObject(o, "probability", r->probability)
                                  : cJSON_AddNullToObject(o, "probability")) != NULL &&
             cJSON_AddNumberToObject(o, "delay_ms", r->delay_ms) != NULL &&
             (r->retry_after >= 0 ? cJSON_AddNumberToObject(o, "retry_after", r->retry_after)
                                  : cJSON_AddNullToObject(o, "retry_after")) != NULL &&
             cJSON_AddBoolToObject(o, "drop", r->drop) != NULL &&
             (r->api_key ? cJSON_AddStringToObject(o, "api_key", mask)
                         : cJSON_AddNullToObject(o, "api_key")) != NULL &&
             cJSON_AddNumberToObject(o, "fired", (double)r->fired) != NULL;
    }
    pthread_mutex_unlock(&faults->lock);
    if (!ok) {
        cJSON_Delete(arr);
        return NULL;
    }
    return arr;
}
