/*
 * record.c: record and replay, the part server.c calls. Decides per request
 * whether the cassette answers, the upstream does (and the exchange is
 * recorded), or the request is refused for want of a recording; parses the
 * recorder's flags.
 *
 * One lock guards the cassette: lookups, sequence positions and writes. The
 * forwarding itself happens outside it, so slow upstream answers do not
 * hold other requests up.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <microhttpd.h>

#include "mock.h"
#include "record.h"

/* cmock__reply_header as a civis_answer_header_fn. */
static bool add_header(void *reply, const char *name, const char *value)
{
    return cmock__reply_header(reply, name, value);
}
#include "record_cassette.h"

#define UNMATCHED_KEPT 1000 /* refused requests listed at exit */

struct cmock_record {
    cmock_record_mode mode;
    bool records; /* this session forwards unmatched requests (all, new, once on empty) */
    bool replays; /* this session answers from the cassette (none, new, once on non-empty) */
    const cmock_record_config *cfg;
    char *upstream; /* --record-from without its trailing slash */
    cmock_cassette cassette;
    cmock_record_files *files;
    cmock_forwarder *fw;
    pthread_mutex_t mu;
    char **unmatched; /* refused requests, for the report at exit */
    size_t n_unmatched;
    size_t refused; /* all of them, listed or not */
};

/* ---- flags --------------------------------------------------------------------- */

const char *const cmock__record_flags[] = {"--record-from",  "--cassette",
                                           "--record-mode",  "--redact",
                                           "--match-ignore", "--fail-on-unmatched"};
const size_t cmock__record_n_flags = sizeof(cmock__record_flags) / sizeof(cmock__record_flags[0]);

bool cmock__record_is_flag(const char *name, bool *takes_value)
{
    for (size_t i = 0; i < cmock__record_n_flags; i++)
        if (strcmp(name, cmock__record_flags[i]) == 0) {
            *takes_value = strcmp(name, "--fail-on-unmatched") != 0;
            return true;
        }
    return false;
}

static cmock_record_mode parse_mode(const char *s)
{
    if (s == NULL)
        return CMOCK_RECORD_OFF;
    if (strcmp(s, "all") == 0)
        return CMOCK_RECORD_ALL;
    if (strcmp(s, "none") == 0)
        return CMOCK_RECORD_NONE;
    if (strcmp(s, "once") == 0)
        return CMOCK_RECORD_ONCE;
    if (strcmp(s, "new") == 0)
        return CMOCK_RECORD_NEW;
    return CMOCK_RECORD_OFF;
}

static bool push_name(const char ***list, size_t *n, int argc, const char *value)
{
    if (*list == NULL) {
        *list = calloc((size_t)argc + 1, sizeof(**list));
        if (*list == NULL)
            return false;
    }
    (*list)[(*n)++] = value;
    return true;
}

bool cmock__record_flag(cmock_record_config *cfg, int argc, const char *name, const char *value,
                        char *why, size_t whylen)
{
    if (strcmp(name, "--fail-on-unmatched") == 0) {
        cfg->fail_on_unmatched = true;
        return true;
    }
    if (strcmp(name, "--record-from") == 0) {
        if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0) {
            snprintf(why, whylen, "'--record-from' must be an http:// or https:// URL, got '%s'",
                     value);
            return false;
        }
        cfg->from = value;
    } else if (strcmp(name, "--cassette") == 0) {
        if (*value == '\0') {
            snprintf(why, whylen, "'--cassette' needs a directory");
            return false;
        }
        cfg->cassette = value;
    } else if (strcmp(name, "--record-mode") == 0) {
        if (parse_mode(value) == CMOCK_RECORD_OFF) {
            snprintf(why, whylen, "'--record-mode' must be all, none, once or new, got '%s'",
                     value);
            return false;
        }
        cfg->mode = value;
    } else if (strcmp(name, "--redact") == 0 || strcmp(name, "--match-ignore") == 0) {
        if (*value == '\0') {
            snprintf(why, whylen, "'%s' needs a field name", name);
            return false;
        }
        bool ok = strcmp(name, "--redact") == 0
                      ? push_name(&cfg->redact, &cfg->n_redact, argc, value)
                      : push_name(&cfg->ignore, &cfg->n_ignore, argc, value);
        if (!ok) {
            snprintf(why, whylen, "out of memory");
            return false;
        }
    }
    return true;
}

bool cmock__record_check(const cmock_record_config *cfg, char *why, size_t whylen)
{
    cmock_record_mode mode = parse_mode(cfg->mode);
    if (cfg->cassette == NULL) {
        const char *needs = cfg->from                ? "--record-from"
                            : cfg->mode              ? "--record-mode"
                            : cfg->n_redact          ? "--redact"
                            : cfg->n_ignore          ? "--match-ignore"
                            : cfg->fail_on_unmatched ? "--fail-on-unmatched"
                                                     : NULL;
        if (needs != NULL) {
            snprintf(why, whylen, "'%s' needs '--cassette DIR'", needs);
            return false;
        }
        return true;
    }
    if (cfg->from == NULL && mode != CMOCK_RECORD_OFF && mode != CMOCK_RECORD_NONE) {
        snprintf(why, whylen, "'--record-mode %s' records, so it needs '--record-from URL'",
                 cfg->mode);
        return false;
    }
    return true;
}

unsigned cmock__record_threads(unsigned cpus)
{
    /* API requests wait on the upstream without a worker (record_forward.c);
     * a stored file's transfer still holds one, hence a few spare. */
    unsigned n = cpus * 2;
    return n < 4 ? 4 : (n > 64 ? 64 : n);
}

void cmock__record_config_free(cmock_record_config *cfg)
{
    free(cfg->redact);
    free(cfg->ignore);
    cfg->redact = cfg->ignore = NULL;
}

/* ---- lifecycle --------------------------------------------------------------------- */

civis_status cmock__record_new(cmock_record **out, const cmock_record_config *cfg,
                               const civis_spec *spec, civis_error *err)
{
    *out = NULL;
    if (cfg->cassette == NULL)
        return CIVIS_OK;
    cmock_record *rec = calloc(1, sizeof(*rec));
    if (rec == NULL || pthread_mutex_init(&rec->mu, NULL) != 0) {
        free(rec);
        return civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory opening the cassette");
    }
    rec->cfg = cfg;
    rec->cassette.dir = cfg->cassette;
    rec->cassette.spec = spec;
    rec->cassette.next_number = 1;
    /* Recording defaults to VCR's "once"; without --record-from, replay. */
    rec->mode = parse_mode(cfg->mode);
    if (rec->mode == CMOCK_RECORD_OFF)
        rec->mode = cfg->from ? CMOCK_RECORD_ONCE : CMOCK_RECORD_NONE;
    civis_status st = civis_fixtures_new(&rec->cassette.check, spec, err);
    if (st == CIVIS_OK && cfg->from != NULL) {
        rec->upstream = strdup(cfg->from);
        if (rec->upstream == NULL)
            st = civis__fail(err, CIVIS_ENOMEM, NULL, "out of memory opening the cassette");
        else {
            size_t n = strlen(rec->upstream);
            while (n > 0 && rec->upstream[n - 1] == '/')
                rec->upstream[--n] = '\0';
        }
    }
    struct stat sb;
    bool exists = stat(cfg->cassette, &sb) == 0 && S_ISDIR(sb.st_mode);
    if (st == CIVIS_OK && !exists) {
        if (cfg->from == NULL)
            st = civis__fail(err, CIVIS_EIO, "cassette",
                             "cannot replay --cassette %s: no such directory", cfg->cassette);
        else if (mkdir(cfg->cassette, 0777) != 0 && errno != EEXIST)
            st = civis__fail(err, CIVIS_EIO, "cassette", "cannot create --cassette %s: %s",
                             cfg->cassette, strerror(errno));
    }
    cmock_redactor red;
    cmock__record_redactor_init(&red, cfg, NULL);
    if (st == CIVIS_OK && rec->mode == CMOCK_RECORD_ALL)
        cmock__cassette_wipe(&rec->cassette);
    else if (st == CIVIS_OK)
        st = cmock__cassette_load(&rec->cassette, &red, err);
    if (st == CIVIS_OK) {
        rec->records = rec->mode == CMOCK_RECORD_ALL || rec->mode == CMOCK_RECORD_NEW ||
                       (rec->mode == CMOCK_RECORD_ONCE && rec->cassette.n == 0);
        rec->replays = !rec->records || rec->mode == CMOCK_RECORD_NEW;
        if (rec->mode == CMOCK_RECORD_ONCE && rec->records)
            rec->replays = true; /* repeats within the recording session replay nothing new */
        st = cmock__record_files_new(&rec->files, cfg->cassette, rec->records, err);
    }
    if (st == CIVIS_OK && rec->records)
        st = cmock__record_forwarder_new(&rec->fw, err);
    if (st != CIVIS_OK) {
        cmock__record_free(rec);
        return st;
    }
    *out = rec;
    return CIVIS_OK;
}

void cmock__record_free(cmock_record *rec)
{
    if (rec == NULL)
        return;
    cmock__cassette_clear(&rec->cassette);
    civis_fixtures_free(rec->cassette.check);
    cmock__record_files_free(rec->files);
    cmock__record_forwarder_free(rec->fw);
    for (size_t i = 0; i < rec->n_unmatched; i++)
        free(rec->unmatched[i]);
    free(rec->unmatched);
    free(rec->upstream);
    pthread_mutex_destroy(&rec->mu);
    free(rec);
}

void cmock__record_rewind(cmock_record *rec)
{
    if (rec == NULL)
        return;
    pthread_mutex_lock(&rec->mu);
    cmock__cassette_rewind(&rec->cassette);
    pthread_mutex_unlock(&rec->mu);
}

bool cmock__record_unmatched_report(cmock_record *rec, FILE *out)
{
    if (rec == NULL)
        return false;
    pthread_mutex_lock(&rec->mu);
    size_t refused = rec->refused;
    if (out != NULL && refused > 0) {
        fprintf(out, "civis-mock: %zu request(s) had no recording in --cassette %s:\n", refused,
                rec->cfg->cassette);
        for (size_t i = 0; i < rec->n_unmatched; i++)
            fprintf(out, "  %s\n", rec->unmatched[i]);
    }
    pthread_mutex_unlock(&rec->mu);
    return refused > 0;
}

/* ---- answering ------------------------------------------------------------------- */

static void note_unmatched(cmock_record *rec, const char *what)
{
    pthread_mutex_lock(&rec->mu);
    rec->refused++;
    if (rec->n_unmatched < UNMATCHED_KEPT) {
        if (rec->unmatched == NULL)
            rec->unmatched = calloc(UNMATCHED_KEPT, sizeof(*rec->unmatched));
        if (rec->unmatched != NULL) {
            rec->unmatched[rec->n_unmatched] = strdup(what);
            if (rec->unmatched[rec->n_unmatched] != NULL)
                rec->n_unmatched++;
        }
    }
    pthread_mutex_unlock(&rec->mu);
}

/* "http://HOST" as the client addressed us. */
static void origin_of(char *buf, size_t len, const char *host)
{
    bool ok = host != NULL && *host != '\0' && strlen(host) < len - 8;
    for (const char *p = host; ok && *p; p++)
        ok = *p > ' ' && *p != '/' && *p != '"' && *p != '\\' && (unsigned char)*p < 0x7f;
    snprintf(buf, len, "http://%s", ok ? host : "127.0.0.1");
}

/* The refusal: a status the API never sends, and a body that says what
 * happened and what was recorded nearest. The caller holds rec->mu. */
static void refuse(cmock_record *rec, const char *key, cmock_reply *reply, cmock_outcome *oc,
                   char *what, size_t whatlen)
{
    const cmock_cass_ex *near = cmock__cassette_nearest(&rec->cassette, key);
    char desc[1400];
    snprintf(desc, sizeof(desc),
             "civis-mock cassette: no recording for %.500s; nearest recorded: %.500s (%.200s)", key,
             near ? near->key : "none, the cassette is empty", near ? near->file : "-");
    cmock__error(reply, CMOCK_RECORD_UNMATCHED_STATUS, "civis_mock_unrecorded", desc);
    cmock__reply_header(reply, "X-Civis-Mock-Unrecorded", "true");
    oc->source = "cassette";
    free(oc->reason);
    oc->reason = strdup(desc);
    snprintf(what, whatlen, "%.500s (nearest: %.500s)", key, near ? near->key : "none");
}

/* Serves a recorded response (borrowed) as the reply. */
static bool serve(const cJSON *resp, const char *origin, cmock_reply *reply)
{
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(resp, "status");
    reply->status = cJSON_IsNumber(st) ? st->valueint : 200;
    if (!civis_answer_copy_headers(cJSON_GetObjectItemCaseSensitive(resp, "headers"), add_header,
                                   reply))
        return false;
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(resp, "body");
    if (b == NULL || cJSON_IsNull(b))
        return true;
    cJSON *copy = cJSON_Duplicate(b, true);
    bool ok = copy != NULL && cmock__record_files_localize(copy, origin);
    char *text = ok ? cJSON_PrintUnformatted(copy) : NULL;
    cJSON_Delete(copy);
    if (text == NULL)
        return false;
    cmock__reply_body_take(reply, text, strlen(text));
    return true;
}

/* What goes to disk for an upstream answer; the reply gets the client's
 * version. Returns the response object (owned), NULL on allocation failure. */
static cJSON *take_answer(cmock_record *rec, const cmock_redactor *red, cmock_forward_result *res,
                          const char *origin, cmock_reply *reply)
{
    cJSON *resp = cJSON_CreateObject();
    if (resp == NULL || cJSON_AddNumberToObject(resp, "status", (double)res->status) == NULL) {
        cJSON_Delete(resp);
        return NULL;
    }
    reply->status = (int)res->status;
    for (cJSON *h = res->headers ? res->headers->child : NULL; h != NULL; h = h->next)
        if (cJSON_IsString(h) && !cmock__reply_header(reply, h->string, h->valuestring)) {
            cJSON_Delete(resp);
            return NULL;
        }
    if (res->headers != NULL && res->headers->child != NULL) {
        cJSON *hd = cJSON_Duplicate(res->headers, true);
        cmock__record_sort_keys(hd);
        if (hd == NULL || !cmock__record_redact_json(red, hd, false) ||
            !cJSON_AddItemToObject(resp, "headers", hd)) {
            cJSON_Delete(hd);
            cJSON_Delete(resp);
            return NULL;
        }
    }
    if (res->body_len == 0)
        return resp;
    cJSON *client = cmock__parse(res->body, res->body_len, NULL);
    cJSON *disk = NULL;
    bool ok = true;
    if (client == NULL) {
        /* Not JSON: kept as a string, passed on as it came. */
        char *clean = cmock__utf8_clean(res->body, res->body_len, NULL);
        char *text = clean ? cmock__record_redact_text(red, clean) : NULL;
        disk = text ? cJSON_CreateString(text) : NULL;
        free(clean);
        free(text);
        ok = disk != NULL;
        cmock__reply_body_take(reply, res->body, res->body_len);
        res->body = NULL;
    } else {
        disk = cJSON_Duplicate(client, true);
        ok = disk != NULL;
        /* Only an answer that names a URL can need rewriting: the rest go
         * out byte for byte, which keeps the proxy cheap. */
        if (ok && strstr(res->body, "http") != NULL) {
            ok = cmock__record_files_rewrite(rec->files, red, client, disk, origin);
            char *text = ok ? cJSON_PrintUnformatted(client) : NULL;
            ok = text != NULL;
            if (ok)
                cmock__reply_body_take(reply, text, strlen(text));
        } else if (ok) {
            cmock__reply_body_take(reply, res->body, res->body_len);
            res->body = NULL;
        }
        ok = ok && cmock__record_redact_json(red, disk, false);
        cmock__record_sort_keys(disk);
    }
    cJSON_Delete(client);
    if (!ok || !cJSON_AddItemToObject(resp, "body", disk)) {
        cJSON_Delete(disk);
        cJSON_Delete(resp);
        return NULL;
    }
    return resp;
}

/* The upstream answered exactly as it did last time to this request: the
 * recording already ends with that answer, so the reply is the raw answer
 * and nothing is parsed or written. An answer naming a URL always takes the
 * long way (its presigned URLs need rewriting for this client). */
static bool repeat(cmock_record *rec, const char *mkey, cmock_forward_result *res,
                   civis_fake_reply *reply)
{
    const char *end = res->body + res->body_len;
    for (const char *p = res->body; (p = memchr(p, 'h', (size_t)(end - p))) != NULL; p++)
        if (end - p >= 4 && memcmp(p, "http", 4) == 0)
            return false;
    pthread_mutex_lock(&rec->mu);
    bool same = cmock__cassette_same_raw(&rec->cassette, mkey, res->status, res->body,
                                         res->body_len, res->headers);
    pthread_mutex_unlock(&rec->mu);
    if (!same)
        return false;
    reply->status = (int)res->status;
    for (cJSON *h = res->headers ? res->headers->child : NULL; h != NULL; h = h->next)
        if (cJSON_IsString(h) && !cmock__reply_header(reply, h->string, h->valuestring)) {
            cmock__reply_clear(reply);
            return false;
        }
    if (res->body_len > 0) {
        cmock__reply_body_take(reply, res->body, res->body_len);
        res->body = NULL;
    }
    return true;
}

static void upstream_failed(cmock_reply *reply, cmock_outcome *oc, const char *url, const char *why)
{
    char desc[900];
    snprintf(desc, sizeof(desc), "civis-mock recorder: the upstream did not answer %.400s: %.300s",
             url, why);
    cmock__error(reply, 502, "civis_mock_upstream", desc);
    oc->source = "upstream";
    free(oc->reason);
    oc->reason = strdup(desc);
}

struct cmock_record_job {
    cmock_record *rec;
    struct MHD_Connection *con;
    char *key; /* the caller's API key; goes to the outcome at the end */
    cmock_redactor red;
    char origin[300];
    cJSON *query, *body; /* the request's pattern, for the recording */
    char *rpath, *mkey, *url;
    bool answered; /* the upstream answered: `res` holds it */
    cmock_forward_result res;
};

static void job_free(cmock_record_job *job)
{
    if (job == NULL)
        return;
    free(job->key);
    cJSON_Delete(job->query);
    cJSON_Delete(job->body);
    free(job->rpath);
    free(job->mkey);
    free(job->url);
    cmock__record_forward_result_clear(&job->res);
    free(job);
}

/* The job ends with its answer in the reply: the outcome keeps the key
 * (the journal masks it), the rest goes. */
static bool job_end(cmock_record_job *job, cmock_outcome *oc)
{
    oc->api_key = job->key;
    job->key = NULL;
    job_free(job);
    return true;
}

static bool job_out_of_memory(cmock_record_job *job, cmock_outcome *oc, cmock_reply *reply)
{
    oc->source = "internal";
    cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
    return job_end(job, oc);
}

bool cmock__record_answer(cmock_record *rec, const cmock_request *req, cmock_reply *reply,
                          cmock_outcome *oc, cmock_record_job **jobp)
{
    *jobp = NULL;
    if (rec == NULL)
        return false;
    if (strncmp(req->path, CMOCK_RECORD_FILES_PREFIX, strlen(CMOCK_RECORD_FILES_PREFIX)) == 0) {
        oc->source = "cassette";
        if (!cmock__record_files_serve(rec->files, rec->fw, req, reply)) {
            char what[600];
            snprintf(what, sizeof(what), "%.16s %.500s", req->method, req->path);
            note_unmatched(rec, what);
            free(oc->reason);
            oc->reason = strdup("no recording of this stored file");
        }
        return true;
    }
    char why[256];
    char *key = cmock__auth_key(req->authorization, why, sizeof(why));
    if (key == NULL)
        return false; /* the pipeline's auth answers 401, as the API would */
    cmock_record_job *job = calloc(1, sizeof(*job));
    if (job == NULL) {
        oc->api_key = key;
        oc->source = "internal";
        cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
        return true;
    }
    job->rec = rec;
    job->key = key;
    cmock__record_redactor_init(&job->red, rec->cfg, key);
    origin_of(job->origin, sizeof(job->origin), req->host);

    job->query = cmock__cassette_query(&job->red, req->query_kv, req->n_query);
    job->body = cmock__cassette_body(&job->red, req->body, req->body_len);
    /* The path too: a key in it must not reach a file name. */
    job->rpath = cmock__record_redact_text(&job->red, req->path);
    job->mkey = job->query && job->rpath
                    ? cmock__cassette_key(req->method, job->rpath, job->query, job->body)
                    : NULL;
    if (job->mkey == NULL)
        return job_out_of_memory(job, oc, reply);

    if (rec->replays) {
        pthread_mutex_lock(&rec->mu);
        cmock_cass_ex *ex = cmock__cassette_find(&rec->cassette, job->mkey);
        /* "all" and "once" while recording never replay: each answer is new. */
        bool use = ex != NULL && (rec->mode == CMOCK_RECORD_NEW || !rec->records);
        if (use) {
            if (!serve(cmock__cassette_next(ex), job->origin, reply)) {
                cmock__reply_clear(reply);
                cmock__error(reply, 500, "internal", "civis-mock ran out of memory");
            }
            oc->source = "cassette";
        } else if (!rec->records) {
            char what[1100];
            refuse(rec, job->mkey, reply, oc, what, sizeof(what));
            pthread_mutex_unlock(&rec->mu);
            note_unmatched(rec, what);
            pthread_mutex_lock(&rec->mu);
        }
        pthread_mutex_unlock(&rec->mu);
        if (use || !rec->records)
            return job_end(job, oc);
    }

    /* Forward and record: the connection waits, the worker goes on. */
    size_t ulen = strlen(rec->upstream) + strlen(req->path) + strlen(req->query) + 2;
    job->url = malloc(ulen);
    if (job->url == NULL)
        return job_out_of_memory(job, oc, reply);
    snprintf(job->url, ulen, "%s%s%s%s", rec->upstream, req->path, req->query[0] ? "?" : "",
             req->query);
    *jobp = job;
    return true;
}

/* The forwarder's thread: the answer is in, the connection goes on. */
static void job_done(void *arg)
{
    cmock_record_job *job = arg;
    job->answered = job->res.error[0] == '\0';
    MHD_resume_connection(job->con);
}

void cmock__record_start(cmock_record *rec, cmock_record_job *job, const cmock_request *req,
                         struct MHD_Connection *con)
{
    job->con = con;
    MHD_suspend_connection(con);
    /* The request's body lives in the connection's state until the reply
     * is sent, so the forwarder may borrow it. */
    if (!cmock__record_forward_async(rec->fw, job->url, req->method, req->authorization,
                                     req->body_len > 0 ? "application/json" : NULL, req->body,
                                     req->body_len, &job->res, job_done, job)) {
        job->answered = false;
        MHD_resume_connection(con);
    }
}

void cmock__record_finish(cmock_record *rec, cmock_record_job *job, const cmock_request *req,
                          cmock_reply *reply, cmock_outcome *oc)
{
    oc->api_key = job->key;
    job->key = NULL;
    cmock_forward_result *res = &job->res;
    if (!job->answered) {
        upstream_failed(reply, oc, rec->upstream, res->error);
    } else if (repeat(rec, job->mkey, res, reply)) {
        oc->source = "upstream";
    } else {
        oc->source = "upstream";
        char *raw = malloc(res->body_len + 1);
        if (raw != NULL)
            memcpy(raw, res->body, res->body_len + 1);
        long raw_status = res->status;
        cJSON *raw_headers = cJSON_Duplicate(res->headers, true);
        cJSON *resp = take_answer(rec, &job->red, res, job->origin, reply);
        civis_error err = CIVIS_ERROR_INIT;
        civis_status st = CIVIS_ENOMEM;
        if (resp != NULL) {
            pthread_mutex_lock(&rec->mu);
            /* The cassette takes the pattern and the answer. */
            st = cmock__cassette_record(&rec->cassette, job->mkey, req->method, job->rpath,
                                        job->query, job->body, resp, &err);
            job->query = job->body = NULL;
            if (st == CIVIS_OK) {
                cmock__cassette_keep_raw(&rec->cassette, job->mkey, raw_status, raw, res->body_len,
                                         raw_headers);
                raw = NULL;
            }
            pthread_mutex_unlock(&rec->mu);
        }
        free(raw);
        cJSON_Delete(raw_headers);
        if (st != CIVIS_OK) {
            /* The caller still gets the upstream's answer; the gap is loud. */
            fprintf(stderr, "civis-mock: not recorded: %s %s: %s\n", req->method, req->path,
                    resp ? err.message : "out of memory");
        }
    }
    job_free(job);
}

void cmock__record_stop(cmock_record *rec)
{
    if (rec != NULL)
        cmock__record_forwarder_stop(rec->fw);
}
