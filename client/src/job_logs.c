/*
 * job_logs.c: following a run's log as the official client's
 * civis.utils.job_logs does (CIVIS_API_NOTES section 5).
 *
 * Each request asks for the lines after the newest id seen (last_id); the
 * server says in Civis-Max-Id how far its log goes and in
 * Civis-Cache-Control whether it can still grow ("no-store"). Lines can
 * arrive late and out of order, so once we have caught up with the server
 * the next request does not start from our newest id but from an
 * "effective" one further back (0 while the newest line is recent and the
 * batch short, the id 100 lines from the end of a long batch, our newest id
 * once the log has been quiet for 5 minutes); lines already given are
 * skipped by id, so each line is given once.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client_internal.h"
#include "civis/jobs.h"

#define DEFAULT_POLL_MS 5000
#define DEFAULT_LIMIT 250
#define QUIET_S 300.0   /* a log with no line for this long is taken as settled */
#define LATE_WINDOW 100 /* how many lines back late arrivals are looked for */

/* A set of log ids (open addressing, 0 never stored: ids start at 1). */
typedef struct idset {
    long long *slot;
    size_t cap, n;
} idset;

struct civis_job_logs {
    civis_client *client;
    long long job_id, run_id;
    double poll_s;
    double finished_timeout_s;
    int limit;
    long long last_id; /* what the next request sends as last_id */
    idset seen;
    cJSON *batch;  /* the lines to give, sorted, or NULL */
    cJSON *cursor; /* the next one in batch */
    bool more_now; /* the server has more right now: ask without sleeping */
    bool done;     /* the log is complete */
    int requests;
};

static size_t id_hash(long long id, size_t cap)
{
    unsigned long long x = (unsigned long long)id * 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 17) & (cap - 1);
}

static bool idset_has(const idset *s, long long id)
{
    if (s->cap == 0)
        return false;
    for (size_t i = id_hash(id, s->cap);; i = (i + 1) & (s->cap - 1)) {
        if (s->slot[i] == 0)
            return false;
        if (s->slot[i] == id)
            return true;
    }
}

static bool idset_add(idset *s, long long id)
{
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        long long *slot = civis__calloc(cap, sizeof(*slot));
        if (slot == NULL)
            return false;
        for (size_t i = 0; i < s->cap; i++) {
            if (s->slot[i] == 0)
                continue;
            size_t j = id_hash(s->slot[i], cap);
            while (slot[j] != 0)
                j = (j + 1) & (cap - 1);
            slot[j] = s->slot[i];
        }
        civis__free(s->slot);
        s->slot = slot;
        s->cap = cap;
    }
    size_t i = id_hash(id, s->cap);
    while (s->slot[i] != 0 && s->slot[i] != id)
        i = (i + 1) & (s->cap - 1);
    if (s->slot[i] == 0) {
        s->slot[i] = id;
        s->n++;
    }
    return true;
}

static long long line_id(const cJSON *line)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(line, "id");
    /* The range on the double first: casting 1e300 is undefined behaviour. */
    return cJSON_IsNumber(id) && fabs(id->valuedouble) < 9.2e18 ? (long long)id->valuedouble : 0;
}

static const char *line_time(const cJSON *line)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(line, "createdAt");
    if (t == NULL)
        t = cJSON_GetObjectItemCaseSensitive(line, "created_at");
    return cJSON_IsString(t) ? t->valuestring : "";
}

/* Python sorts by (createdAt, id): ISO 8601 strings of one format sort as times. */
static int by_time_then_id(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    int c = strcmp(line_time(x), line_time(y));
    if (c != 0)
        return c;
    long long i = line_id(x), j = line_id(y);
    return (i > j) - (i < j);
}

static int by_id(const void *a, const void *b)
{
    long long i = *(const long long *)a, j = *(const long long *)b;
    return (i > j) - (i < j);
}

/* "2026-11-29T04:14:27.123Z" as seconds since the epoch; false when unreadable. */
static bool parse_iso(const char *s, double *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    double sec = 0;
    int n = sscanf(s, "%4d-%2d-%2dT%2d:%2d:%lf", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                   &tm.tm_min, &sec);
    if (n != 6)
        return false;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_sec = 0;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return false;
    *out = (double)t + sec;
    return true;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The last_id to ask from once caught up (the official client's
 * _compute_effective_max_log_id), over the whole batch the server sent. */
static long long effective_max(const cJSON *batch)
{
    int n = cJSON_GetArraySize(batch);
    if (n == 0)
        return 0;
    long long *ids = civis__calloc((size_t)n, sizeof(*ids));
    if (ids == NULL)
        return 0; /* from the start: more requests, never a lost line */
    const char *newest = "";
    int k = 0;
    for (const cJSON *l = batch->child; l != NULL; l = l->next) {
        ids[k++] = line_id(l);
        if (strcmp(line_time(l), newest) > 0)
            newest = line_time(l);
    }
    qsort(ids, (size_t)k, sizeof(*ids), by_id);
    double t = 0;
    long long out = 0;
    if (parse_iso(newest, &t) && wall_now() - t > QUIET_S)
        out = ids[k - 1];
    else if (k >= LATE_WINDOW)
        out = ids[k - LATE_WINDOW];
    civis__free(ids);
    return out;
}

/* Whether the run finished more than finished_timeout_s ago. */
static bool finished_long_ago(civis_job_logs *lg)
{
    civis_response *run = NULL;
    civis_error e = CIVIS_ERROR_INIT;
    if (civis_callv(&run, lg->client, "jobs", "get_runs", &e, "id", CIVIS_INT(lg->job_id), "run_id",
                    CIVIS_INT(lg->run_id), CIVIS_END) != CIVIS_OK)
        return false;
    const cJSON *at = civis_response_get(run, "finished_at");
    double t = 0;
    bool old = cJSON_IsString(at) && parse_iso(at->valuestring, &t) &&
               wall_now() - t > lg->finished_timeout_s;
    civis_response_free(run);
    return old;
}

/* One request; on success lg->batch holds the new lines in order. */
static civis_status fetch(civis_job_logs *lg, civis_error *err)
{
    civis_response *resp = NULL;
    civis_status st = civis_callv(&resp, lg->client, "jobs", "list_runs_logs", err, "id",
                                  CIVIS_INT(lg->job_id), "run_id", CIVIS_INT(lg->run_id), "last_id",
                                  CIVIS_INT(lg->last_id), "limit", CIVIS_INT(lg->limit), CIVIS_END);
    if (st != CIVIS_OK)
        return st;
    lg->requests++;
    const char *max_h = civis_response_header(resp, "Civis-Max-Id");
    const char *cache = civis_response_header(resp, "Civis-Cache-Control");
    char *end = NULL;
    long long remote_max = max_h ? strtoll(max_h, &end, 10) : -1;
    if (max_h != NULL && (end == max_h || *end != '\0'))
        remote_max = -1;
    /* Anything but no-store (a missing header too) means the log is final. */
    bool final = cache == NULL || strcmp(cache, "no-store") != 0;
    cJSON *lines = civis_response_take_json(resp);
    civis_response_free(resp);
    if (!cJSON_IsArray(lines)) {
        cJSON_Delete(lines);
        return civis__fail(err, CIVIS_EPARSE, "",
                           "jobs.list_runs_logs for job %lld / run %lld "
                           "did not answer an array",
                           lg->job_id, lg->run_id);
    }

    int n = cJSON_GetArraySize(lines);
    cJSON **sorted = n > 0 ? civis__calloc((size_t)n, sizeof(*sorted)) : NULL;
    cJSON *batch = cJSON_CreateArray();
    if ((n > 0 && sorted == NULL) || batch == NULL) {
        civis__free(sorted);
        cJSON_Delete(batch);
        cJSON_Delete(lines);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory reading a log batch");
    }
    long long local_max = lg->last_id;
    int k = 0;
    for (cJSON *l = lines->child; l != NULL; l = l->next) {
        sorted[k++] = l;
        if (line_id(l) > local_max)
            local_max = line_id(l);
    }
    if (k > 0)
        qsort(sorted, (size_t)k, sizeof(*sorted), by_time_then_id);
    bool ok = true;
    for (int i = 0; ok && i < k; i++) {
        long long id = line_id(sorted[i]);
        if (id != 0 && idset_has(&lg->seen, id))
            continue;
        cJSON *copy = cJSON_Duplicate(sorted[i], true);
        ok = copy != NULL && (id == 0 || idset_add(&lg->seen, id)) &&
             cJSON_AddItemToArray(batch, copy);
        if (!ok)
            cJSON_Delete(copy);
    }
    civis__free(sorted);
    if (!ok) {
        cJSON_Delete(batch);
        cJSON_Delete(lines);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory reading a log batch");
    }
    cJSON_Delete(lg->batch);
    lg->batch = batch;
    lg->cursor = batch->child;
    lg->last_id = local_max;

    if (remote_max < 0) {
        /* Nothing logged yet. The official client would wait forever on a
         * finished run that never logged; a final log has nothing to wait for. */
        lg->more_now = false;
        lg->done = final;
    } else if (local_max >= remote_max) {
        lg->more_now = false;
        lg->last_id = effective_max(lines);
        lg->done = final || (lg->finished_timeout_s > 0 && finished_long_ago(lg));
    } else {
        lg->more_now = true;
    }
    cJSON_Delete(lines);
    return CIVIS_OK;
}

civis_status civis_job_logs_new(civis_job_logs **out, civis_client *client, long long job_id,
                                const civis_job_logs_options *opts, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    civis_job_logs_options o = opts ? *opts : (civis_job_logs_options){0};
    if (client == NULL)
        return civis__fail(err, CIVIS_EINVAL, "client", "client must not be NULL");
    if (job_id <= 0)
        return civis__fail(err, CIVIS_EINVAL, "job_id", "job_id must be > 0, got %lld", job_id);
    if (o.run_id < 0)
        return civis__fail(err, CIVIS_EINVAL, "run_id", "run_id must be >= 0, got %lld", o.run_id);
    if (o.poll_interval_ms < 0)
        return civis__fail(err, CIVIS_EINVAL, "poll_interval_ms",
                           "poll_interval_ms must be >= 0, got %ld", o.poll_interval_ms);
    if (o.limit < 0)
        return civis__fail(err, CIVIS_EINVAL, "limit", "limit must be >= 0, got %d", o.limit);
    if (!(o.finished_timeout_s >= 0))
        return civis__fail(err, CIVIS_EINVAL, "finished_timeout_s",
                           "finished_timeout_s must be >= 0");
    long long run_id = o.run_id;
    if (run_id == 0) {
        civis_response *runs = NULL;
        civis_status st = civis_callv(&runs, client, "jobs", "list_runs", err, "id",
                                      CIVIS_INT(job_id), "limit", CIVIS_INT(1), "order",
                                      CIVIS_STR("id"), "order_dir", CIVIS_STR("desc"), CIVIS_END);
        if (st != CIVIS_OK)
            return st;
        civis_error e = CIVIS_ERROR_INIT;
        st = civis_response_int(&run_id, runs, "0.id", &e);
        civis_response_free(runs);
        if (st != CIVIS_OK)
            return civis__fail(err, CIVIS_EEMPTY, "run_id", "job %lld has no runs", job_id);
    }
    civis_job_logs *lg = civis__calloc(1, sizeof(*lg));
    if (lg == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory following a log");
    lg->client = client;
    lg->job_id = job_id;
    lg->run_id = run_id;
    lg->poll_s = (double)(o.poll_interval_ms ? o.poll_interval_ms : DEFAULT_POLL_MS) / 1000.0;
    lg->finished_timeout_s = o.finished_timeout_s;
    lg->limit = o.limit ? o.limit : DEFAULT_LIMIT;
    lg->more_now = true; /* the first request goes out at once */
    *out = lg;
    return CIVIS_OK;
}

civis_status civis_job_logs_next(const cJSON **line, civis_job_logs *lg, civis_error *err)
{
    if (line == NULL || lg == NULL)
        return civis__fail(err, CIVIS_EINVAL, line == NULL ? "line" : "logs", "%s must not be NULL",
                           line == NULL ? "line" : "logs");
    *line = NULL;
    for (;;) {
        if (lg->cursor != NULL) {
            *line = lg->cursor;
            lg->cursor = lg->cursor->next;
            return CIVIS_OK;
        }
        if (lg->done)
            return CIVIS_OK;
        if (!lg->more_now)
            civis__sleep(lg->poll_s);
        civis_status st = fetch(lg, err);
        if (st != CIVIS_OK) {
            lg->more_now = true; /* a retry should not sleep again */
            return st;
        }
    }
}

long long civis_job_logs_run_id(const civis_job_logs *logs)
{
    return logs ? logs->run_id : 0;
}

int civis_job_logs_requests(const civis_job_logs *logs)
{
    return logs ? logs->requests : 0;
}

void civis_job_logs_free(civis_job_logs *logs)
{
    if (logs == NULL)
        return;
    cJSON_Delete(logs->batch);
    civis__free(logs->seen.slot);
    civis__free(logs);
}
