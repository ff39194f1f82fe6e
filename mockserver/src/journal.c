/*
 * journal.c: every request civis-mock answered, for tests to read back
 * through GET /__mock/journal.
 *
 * Memory stays bounded however long the server runs: a ring of
 * CMOCK_JOURNAL_CAP entries, each keeping at most
 * CMOCK_JOURNAL_BODY_CAP body bytes, and the oldest entries also go
 * when the bodies kept pass JOURNAL_BYTES. Keys are stored for filtering
 * but only ever shown masked.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "mock.h"

#define JOURNAL_BYTES (32u * 1024u * 1024u)

typedef struct entry {
    long seq;            /* 1, 2, ... since start-up or the last reset */
    struct timeval when; /* arrival of the answer */
    char *method;
    char *path;
    char *query;
    char *body;        /* valid UTF-8, at most BODY_CAP bytes, or NULL */
    size_t body_bytes; /* the size that arrived */
    bool body_truncated;
    char *api_key;      /* in clear, for ?api_key= filtering only */
    char *operation;    /* "resource.method", or NULL */
    const char *source; /* static */
    int status;
    char *reason;       /* why a 4xx was sent, or NULL */
    char *nearest;      /* closest operation on a routing miss, or NULL */
    char *nearest_path; /* its "VERB /template", or NULL */
    char *unknown;      /* JSON array text of unknown names (lenient), or NULL */
} entry;

struct cmock_journal {
    pthread_mutex_t lock;
    entry *ring; /* CMOCK_JOURNAL_CAP slots */
    size_t head; /* oldest entry */
    size_t count;
    size_t bytes; /* body bytes kept */
    long next_seq;
};

civis_status cmock__journal_new(cmock_journal **out, civis_error *err)
{
    *out = NULL;
    cmock_journal *j = calloc(1, sizeof(*j));
    if (j == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for the journal");
    j->ring = calloc(CMOCK_JOURNAL_CAP, sizeof(entry));
    if (j->ring == NULL || pthread_mutex_init(&j->lock, NULL) != 0) {
        free(j->ring);
        free(j);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for the journal");
    }
    j->next_seq = 1;
    *out = j;
    return CIVIS_OK;
}

static void entry_clear(entry *e)
{
    free(e->method);
    free(e->path);
    free(e->query);
    free(e->body);
    free(e->api_key);
    free(e->operation);
    free(e->reason);
    free(e->nearest);
    free(e->nearest_path);
    free(e->unknown);
    memset(e, 0, sizeof(*e));
}

static void drop_oldest(cmock_journal *j)
{
    entry *e = &j->ring[j->head];
    j->bytes -= e->body ? strlen(e->body) : 0;
    entry_clear(e);
    j->head = (j->head + 1) % CMOCK_JOURNAL_CAP;
    j->count--;
}

void cmock__journal_clear(cmock_journal *journal)
{
    if (journal == NULL)
        return;
    pthread_mutex_lock(&journal->lock);
    while (journal->count > 0)
        drop_oldest(journal);
    journal->head = 0;
    journal->next_seq = 1;
    pthread_mutex_unlock(&journal->lock);
}

void cmock__journal_free(cmock_journal *journal)
{
    if (journal == NULL)
        return;
    cmock__journal_clear(journal);
    pthread_mutex_destroy(&journal->lock);
    free(journal->ring);
    free(journal);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void cmock__key_mask(char *out, size_t outlen, const char *key)
{
    /* FNV-1a: enough to tell keys apart in a journal, never the key itself. */
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    size_t n = strlen(key);
    int prefix = n >= 8 ? 2 : (n >= 4 ? 1 : 0);
    snprintf(out, outlen, "%.*s\xE2\x80\xA6#%08x", prefix, key, (unsigned)h);
}

/* Copies what the entry keeps; on allocation failure the entry keeps less
 * (a journal must never fail a request). */
static void entry_fill(entry *e, const cmock_request *req, const cmock_outcome *oc, int status)
{
    gettimeofday(&e->when, NULL);
    e->method = cmock__utf8_clean(req->method, strlen(req->method), NULL);
    e->path = cmock__utf8_clean(req->path, strlen(req->path), NULL);
    char *query = cmock__redact_query(req->query);
    if (query != NULL)
        e->query = cmock__utf8_clean(query, strlen(query), NULL);
    free(query);
    if (req->body != NULL && req->body_len > 0) {
        size_t keep = req->body_len;
        if (keep > CMOCK_JOURNAL_BODY_CAP) {
            keep = CMOCK_JOURNAL_BODY_CAP;
            e->body_truncated = true;
        }
        /* Admin bodies name keys ("api_key" of a stub or fault): only the
         * masked form is kept. */
        bool admin = strncmp(req->path, "/__mock/", 8) == 0;
        char *masked = admin ? cmock__redact_body(req->body, keep) : NULL;
        if (!admin || masked != NULL)
            e->body =
                cmock__utf8_clean(admin ? masked : req->body, admin ? strlen(masked) : keep, NULL);
        free(masked);
        e->body_bytes = req->body_len;
    }
    e->api_key = dup_or_null(oc->api_key);
    if (oc->op != NULL) {
        char name[192];
        e->operation = strdup(civis_operation_name(oc->op, name, sizeof(name)));
    }
    e->source = oc->source ? oc->source : "unknown";
    e->status = status;
    if (oc->reason != NULL)
        e->reason = cmock__utf8_clean(oc->reason, strlen(oc->reason), NULL);
    if (oc->nearest != NULL) {
        char name[192], where[512];
        e->nearest = strdup(civis_operation_name(oc->nearest, name, sizeof(name)));
        snprintf(where, sizeof(where), "%s %s", oc->nearest->verb, oc->nearest->path);
        e->nearest_path = strdup(where);
    }
    if (oc->unknown != NULL && cJSON_GetArraySize(oc->unknown) > 0)
        e->unknown = cJSON_PrintUnformatted(oc->unknown);
}

void cmock__journal_add(cmock_journal *journal, const cmock_request *req,
                        const cmock_outcome *outcome, int status)
{
    entry e;
    memset(&e, 0, sizeof(e));
    /* Copy outside the lock: the lock is held only to link the entry in. */
    entry_fill(&e, req, outcome, status);
    size_t kept = e.body ? strlen(e.body) : 0;

    pthread_mutex_lock(&journal->lock);
    if (journal->count == CMOCK_JOURNAL_CAP)
        drop_oldest(journal);
    while (journal->count > 0 && journal->bytes + kept > JOURNAL_BYTES)
        drop_oldest(journal);
    e.seq = journal->next_seq++;
    journal->ring[(journal->head + journal->count) % CMOCK_JOURNAL_CAP] = e;
    journal->count++;
    journal->bytes += kept;
    pthread_mutex_unlock(&journal->lock);
}

static bool is_unmatched(const entry *e)
{
    /* A request a cassette had no recording for is unmatched too. */
    if (strcmp(e->source, "cassette") == 0)
        return e->status == CMOCK_RECORD_UNMATCHED_STATUS;
    return e->status >= 400 && e->status < 500 &&
           (strcmp(e->source, "route") == 0 || strcmp(e->source, "validation") == 0);
}

static bool wanted(const entry *e, const cmock_journal_filter *f)
{
    if (f == NULL)
        return true;
    if (e->seq <= f->since)
        return false;
    if (f->unmatched_only && !is_unmatched(e))
        return false;
    if (f->operation != NULL && (e->operation == NULL || strcmp(e->operation, f->operation) != 0))
        return false;
    if (f->api_key != NULL && (e->api_key == NULL || strcmp(e->api_key, f->api_key) != 0))
        return false;
    if (f->source != NULL && strcmp(e->source, f->source) != 0)
        return false;
    return true;
}

static bool add_str_or_null(cJSON *o, const char *name, const char *s)
{
    return (s ? cJSON_AddStringToObject(o, name, s) : cJSON_AddNullToObject(o, name)) != NULL;
}

/* The body as the journal shows it: parsed JSON when it is JSON, else text. */
static bool add_body(cJSON *o, const entry *e)
{
    if (e->body == NULL)
        return cJSON_AddNullToObject(o, "body") != NULL;
    if (!e->body_truncated) {
        cJSON *parsed = cmock__parse(e->body, strlen(e->body), NULL);
        if (parsed != NULL) {
            if (cJSON_AddItemToObject(o, "body", parsed))
                return true;
            cJSON_Delete(parsed);
            return false;
        }
    }
    if (cJSON_AddStringToObject(o, "body", e->body) == NULL)
        return false;
    if (e->body_truncated)
        return cJSON_AddBoolToObject(o, "body_truncated", 1) != NULL &&
               cJSON_AddNumberToObject(o, "body_bytes", (double)e->body_bytes) != NULL;
    return true;
}

static cJSON *render(const entry *e)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    char when[64], mask[64];
    struct tm tm;
    gmtime_r(&e->when.tv_sec, &tm);
    size_t n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(when + n, sizeof(when) - n, ".%03ldZ", (long)(e->when.tv_usec / 1000));
    if (e->api_key != NULL)
        cmock__key_mask(mask, sizeof(mask), e->api_key);
    bool ok = cJSON_AddNumberToObject(o, "seq", (double)e->seq) != NULL &&
              cJSON_AddStringToObject(o, "time", when) != NULL &&
              add_str_or_null(o, "method", e->method) && add_str_or_null(o, "path", e->path) &&
              add_str_or_null(o, "query", e->query) && add_body(o, e) &&
              add_str_or_null(o, "api_key", e->api_key ? mask : NULL) &&
              add_str_or_null(o, "operation", e->operation) &&
              cJSON_AddStringToObject(o, "source", e->source) != NULL &&
              cJSON_AddNumberToObject(o, "status", e->status) != NULL;
    if (ok && e->reason != NULL)
        ok = cJSON_AddStringToObject(o, "reason", e->reason) != NULL;
    if (ok && e->nearest != NULL)
        ok = cJSON_AddStringToObject(o, "nearest", e->nearest) != NULL &&
             add_str_or_null(o, "nearest_path", e->nearest_path);
    if (ok && e->unknown != NULL) {
        cJSON *u = cJSON_Parse(e->unknown);
        ok = u != NULL && cJSON_AddItemToObject(o, "unknown", u);
        if (!ok)
            cJSON_Delete(u);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

cJSON *cmock__journal_query(cmock_journal *journal, const cmock_journal_filter *filter)
{
    cJSON *arr = cJSON_CreateArray();
    if (arr == NULL)
        return NULL;
    pthread_mutex_lock(&journal->lock);
    for (size_t i = 0; i < journal->count; i++) {
        const entry *e = &journal->ring[(journal->head + i) % CMOCK_JOURNAL_CAP];
        if (!wanted(e, filter))
            continue;
        cJSON *o = render(e);
        if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            cJSON_Delete(arr);
            arr = NULL;
            break;
        }
    }
    pthread_mutex_unlock(&journal->lock);
    return arr;
}
