/*
 * sim_files.c: files and their bytes.
 *
 * POST /files answers uploadUrl and uploadFields that point at civis-mock's
 * own storage, a presigned-POST lookalike; POST /files/multipart answers
 * uploadUrls, one per part, that take a raw PUT each, and
 * POST /files/multipart/{id}/complete joins the parts in order (a missing
 * part is a 400 that names it). Once the bytes are in, GET /files/{id} has
 * fileUrl and fileSize; before, fileUrl is null.
 *
 * The storage endpoints need no auth, as presigned URLs do not. Their
 * addresses carry the owning space, the file id and a random token:
 *
 *   POST /__storage/upload/{key}       multipart/form-data: key, ..., file
 *                                      -> 204 (or success_action_status 200/201)
 *   PUT  /__storage/part/{key}/{n}     raw bytes of part n (1-based) -> 200
 *   GET  /__storage/download/{key}     the bytes (HEAD too)
 *
 * Bodies stream: form data goes through MHD's post processor straight into
 * a blob (sim_blob.c: memory up to --state-mem-limit, then disk), parts the
 * same way, and a download of a large file streams from disk. The sim lock
 * is held only to look a file up and to attach the finished blob.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "sim.h"
#include "sim_sql_internal.h"

#define MAX_PARTS 10000 /* as S3 */
#define POST_BUFFER (64 * 1024)

/* ---- file objects ----------------------------------------------------------- */

/*
 * 128 bits from the operating system's random source. A storage URL needs
 * no auth, as a presigned URL does not, so its token is all that keeps one
 * key from reading or overwriting another key's file: it must not be
 * predictable from tokens seen before, as a seeded generator's output is.
 */
static bool new_token(char *out, size_t len)
{
    unsigned char raw[CIVIS_SIM_TOKEN_LEN / 2];
    size_t got = 0;
    while (got < sizeof(raw)) {
        ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        got += (size_t)n;
    }
    static const char hex[] = "0123456789abcdef";
    if (len < 2 * sizeof(raw) + 1)
        return false;
    for (size_t i = 0; i < sizeof(raw); i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * sizeof(raw)] = '\0';
    return true;
}

void civis__sim_file_free(sim_file *file)
{
    if (file == NULL)
        return;
    civis__sim_blob_free(file->blob);
    for (unsigned i = 0; file->parts != NULL && i < file->n_parts; i++)
        civis__sim_blob_free(file->parts[i]);
    free(file->parts);
    free(file->content_type);
    free(file);
}

bool civis__sim_file_init(sim_req *r, sim_obj *obj)
{
    (void)r; /* the token depends on nothing the request holds */
    obj->file = calloc(1, sizeof(*obj->file));
    if (obj->file == NULL)
        return false;
    return new_token(obj->file->token, sizeof(obj->file->token));
}

/* "{space}.{id}.{token}": what a storage URL names. */
static void storage_key(const sim_req *r, const sim_obj *obj, char *buf, size_t len)
{
    snprintf(buf, len, "%zu.%ld.%s", r->space->index, obj->id, obj->file->token);
}

void civis__sim_file_url(const sim_req *r, const sim_obj *obj, char *buf, size_t len)
{
    char key[96];
    storage_key(r, obj, key, sizeof(key));
    snprintf(buf, len, "%s/__storage/download/%s", r->base, key);
}

static bool upload_fields(const sim_req *r, const sim_obj *obj, cJSON *out)
{
    char key[96], date[40], cred[96];
    storage_key(r, obj, key, sizeof(key));
    time_t now = (time_t)(civis__sim_now_ms() / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", &tm);
    snprintf(cred, sizeof(cred), "CIVISMOCK/%.8s/us-east-1/s3/aws4_request", date);
    cJSON *f = cJSON_CreateObject();
    bool ok = f != NULL && civis__sim_set_str(f, "key", key) &&
              civis__sim_set_str(f, "policy", "Y2l2aXMtbW9jayBwb2xpY3k=") &&
              civis__sim_set_str(f, "x-amz-algorithm", "AWS4-HMAC-SHA256") &&
              civis__sim_set_str(f, "x-amz-credential", cred) &&
              civis__sim_set_str(f, "x-amz-date", date) &&
              civis__sim_set_str(f, "x-amz-signature", obj->file->token);
    if (!ok) {
        cJSON_Delete(f);
        return false;
    }
    return civis__sim_set(out, "uploadFields", f);
}

static bool part_urls(const sim_req *r, const sim_obj *obj, cJSON *out)
{
    char key[96], url[384];
    storage_key(r, obj, key, sizeof(key));
    cJSON *arr = cJSON_CreateArray();
    for (unsigned i = 1; arr != NULL && i <= obj->file->n_parts; i++) {
        snprintf(url, sizeof(url), "%s/__storage/part/%s/%u", r->base, key, i);
        cJSON *s = cJSON_CreateString(url);
        if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            cJSON_Delete(arr);
            arr = NULL;
        }
    }
    return civis__sim_set(out, "uploadUrls", arr);
}

bool civis__sim_file_overlay(sim_req *r, sim_obj *obj, const cJSON *schema, cJSON *out)
{
    const civis_spec *spec = r->sim->spec;
    const sim_file *f = obj->file;
    char url[384];
    civis__sim_file_url(r, obj, url, sizeof(url));
    bool ok = true;
    if (civis__sim_schema_has(spec, schema, "fileUrl"))
        ok = civis__sim_set_str(out, "fileUrl", f->blob ? url : NULL);
    if (ok && civis__sim_schema_has(spec, schema, "downloadUrl"))
        ok = civis__sim_set_str(out, "downloadUrl", f->blob ? url : NULL);
    if (ok && civis__sim_schema_has(spec, schema, "fileSize"))
        ok = civis__sim_set_num(out, "fileSize", f->blob ? (double)f->blob->size : 0);
    if (ok && civis__sim_schema_has(spec, schema, "uploadUrl")) {
        char key[96], up[384];
        storage_key(r, obj, key, sizeof(key));
        snprintf(up, sizeof(up), "%s/__storage/upload/%s", r->base, key);
        ok = civis__sim_set_str(out, "uploadUrl", up);
    }
    if (ok && civis__sim_schema_has(spec, schema, "uploadFields"))
        ok = upload_fields(r, obj, out);
    if (ok && f->n_parts > 0 && civis__sim_schema_has(spec, schema, "uploadUrls"))
        ok = part_urls(r, obj, out);
    return ok;
}

/* A File object (fields as the /files collection renders them) in the
 * caller's space. */
static sim_obj *file_obj(sim_req *r, const cJSON *schema, const cJSON *given)
{
    sim_obj *obj = civis__sim_obj_new(r->space, r->sim->files_coll, 0);
    if (obj == NULL)
        return NULL;
    cJSON *data = civis__sim_render(r->sim, schema, given, civis__sim_obj_seed(r->sim, obj->id));
    long long now = civis__sim_now_ms();
    bool ok = data != NULL;
    if (ok) {
        cJSON_Delete(obj->data);
        obj->data = data;
        ok = civis__sim_set_num(data, "id", (double)obj->id) &&
             civis__sim_set_time(data, "createdAt", now) &&
             civis__sim_set_time(data, "updatedAt", now) && civis__sim_file_init(r, obj) &&
             civis__sim_order_add(r->sim, r->space, obj);
    }
    if (!ok) {
        civis__sim_obj_drop(r->space, obj);
        return NULL;
    }
    return obj;
}

sim_obj *civis__sim_file_from_bytes(sim_req *r, const char *name, const char *content_type,
                                    const char *bytes, size_t len)
{
    const sim_coll *fc = r->sim->files_coll >= 0 ? &r->sim->colls[r->sim->files_coll] : NULL;
    const cJSON *schema = fc ? civis__sim_item_schema(r->sim->spec, fc->get) : NULL;
    cJSON *given = cJSON_CreateObject();
    if (given == NULL || !civis__sim_set_str(given, "name", name)) {
        cJSON_Delete(given);
        return NULL;
    }
    sim_obj *obj = file_obj(r, schema, given);
    cJSON_Delete(given);
    if (obj == NULL)
        return NULL;
    sim_file *f = obj->file;
    f->blob = civis__sim_blob_new();
    f->content_type = strdup(content_type);
    if (f->blob == NULL || f->content_type == NULL ||
        !civis__sim_blob_write(f->blob, bytes, len, r->sim->mem_limit, r->sim->state_dir)) {
        civis__sim_obj_drop(r->space, obj);
        return NULL;
    }
    return obj;
}

/* ---- multipart uploads (API side) --------------------------------------------- */

static void multipart_create(sim_req *r)
{
    const cJSON *np = r->body ? cJSON_GetObjectItemCaseSensitive(r->body, "numParts") : NULL;
    if (np == NULL && r->body != NULL)
        np = cJSON_GetObjectItemCaseSensitive(r->body, "num_parts");
    if (!cJSON_IsNumber(np) || np->valuedouble < 1 || np->valuedouble > MAX_PARTS ||
        np->valuedouble != (double)(long)np->valuedouble) {
        char desc[128];
        snprintf(desc, sizeof(desc), "numParts must be an integer from 1 to %d.", MAX_PARTS);
        cmock__error(r->reply, 400, "invalid", desc);
        return;
    }
    cJSON *given = civis__sim_to_wire(r->sim->spec, r->op->body_schema, r->body);
    sim_obj *obj = given ? file_obj(r, civis__sim_item_schema(r->sim->spec, r->op), given) : NULL;
    cJSON_Delete(given);
    if (obj == NULL) {
        civis__sim_oom(r->reply);
        return;
    }
    obj->file->n_parts = (unsigned)np->valuedouble;
    obj->file->parts = calloc(obj->file->n_parts, sizeof(*obj->file->parts));
    if (obj->file->parts == NULL) {
        civis__sim_obj_drop(r->space, obj);
        civis__sim_oom(r->reply);
        return;
    }
    int status = r->op->response_status ? r->op->response_status : 201;
    civis__sim_reply_take(r->reply, status, civis__sim_render_obj(r, obj, r->op));
}

static sim_obj *find_file(const sim_space *space, long id, const char *token)
{
    sim_obj *obj = civis__sim_obj_get(space, id);
    if (obj == NULL || obj->file == NULL || (token && strcmp(obj->file->token, token) != 0))
        return NULL;
    return obj;
}

/*
 * Joins the parts in order into the file's blob. The copy runs without the
 * sim lock (it may be gigabytes on disk); the parts are taken out of the
 * file first and the file is looked up again afterwards, in case a reset
 * or a delete came in between.
 */
static void multipart_complete(sim_req *r)
{
    long id = civis__sim_param_id(r->route, 0);
    sim_obj *obj = find_file(r->space, id, NULL);
    int status = r->op->response_status ? r->op->response_status : 204;
    if (obj == NULL || obj->file->n_parts == 0) {
        civis__sim_not_found(r->reply);
        return;
    }
    sim_file *f = obj->file;
    if (f->completing) {
        cmock__error(r->reply, 409, "conflict", "The upload is already being completed.");
        return;
    }
    if (f->parts == NULL) { /* completed before: nothing left to do */
        r->reply->status = status;
        return;
    }
    for (unsigned i = 0; i < f->n_parts; i++) {
        if (f->parts[i] == NULL) {
            char desc[160];
            snprintf(desc, sizeof(desc),
                     "Part %u of %u was never uploaded; the file was not assembled.", i + 1,
                     f->n_parts);
            cmock__error(r->reply, 400, "invalid", desc);
            return;
        }
    }
    sim_blob **parts = f->parts;
    unsigned n = f->n_parts;
    char token[sizeof(f->token)];
    memcpy(token, f->token, sizeof(token));
    char *key = strdup(r->space->key);
    if (key == NULL) {
        civis__sim_oom(r->reply);
        return;
    }
    f->parts = NULL;
    f->completing = true;

    civis_sim *sim = r->sim;
    civis__sim_space_unlock(r->space);
    sim_blob *blob = civis__sim_blob_new();
    bool ok = blob != NULL;
    for (unsigned i = 0; ok && i < n; i++)
        ok = civis__sim_blob_append(blob, parts[i], sim->mem_limit, sim->state_dir);
    /* A reset may have come in the meantime: find the space again. */
    r->space = civis__sim_space_lock(sim, key, false);
    free(key);
    obj = r->space ? find_file(r->space, id, token) : NULL;
    if (obj != NULL)
        obj->file->completing = false;
    if (ok && obj != NULL) {
        civis__sim_blob_free(obj->file->blob);
        obj->file->blob = blob;
        blob = NULL;
        r->reply->status = status;
    } else if (obj != NULL) {
        obj->file->parts = parts; /* a retry can complete it */
        parts = NULL;
        cmock__error(r->reply, 500, "internal",
                     "civis-mock could not assemble the parts (out of memory or disk).");
    } else {
        civis__sim_not_found(r->reply);
    }
    civis__sim_blob_free(blob);
    for (unsigned i = 0; parts != NULL && i < n; i++)
        civis__sim_blob_free(parts[i]);
    free(parts);
}

void civis__sim_files(sim_req *r)
{
    if (r->role->kind == SIM_R_MULTIPART_CREATE)
        multipart_create(r);
    else
        multipart_complete(r);
}

/* ---- the storage endpoints (MHD side) ---------------------------------------- */

typedef enum storage_kind { ST_BAD = 0, ST_UPLOAD, ST_PART, ST_DOWNLOAD } storage_kind;

typedef struct storage_req {
    cmock_server *srv;
    civis_sim *sim;
    storage_kind kind;
    char *method;
    char *path;
    size_t space_index;
    long id;
    char token[CIVIS_SIM_TOKEN_LEN + 1];
    unsigned part;                /* 1-based part number */
    size_t budget;                /* bytes this upload may store (--state-max-bytes) */
    size_t received;              /* file bytes that arrived */
    struct MHD_PostProcessor *pp; /* uploads */
    sim_blob *blob;               /* bytes received */
    char *content_type;           /* the file part's type */
    char key_field[128];          /* the form's "key" */
    size_t key_len;
    char status_field[8]; /* success_action_status */
    size_t status_len;
    bool saw_file;
    int fail_status; /* 0 while all is well */
    const char *fail_code;
    char fail_msg[256];
} storage_req;

bool civis__sim_is_storage(const char *path)
{
    return strncmp(path, CIVIS_SIM_STORAGE_PREFIX, strlen(CIVIS_SIM_STORAGE_PREFIX)) == 0;
}

static void fail(storage_req *s, int status, const char *code, const char *msg)
{
    if (s->fail_status != 0)
        return;
    s->fail_status = status;
    s->fail_code = code;
    snprintf(s->fail_msg, sizeof(s->fail_msg), "%s", msg);
}

/* "{space}.{id}.{token}" (then "/{n}" for parts). */
static bool parse_key(storage_req *s, const char *p, bool with_part)
{
    char *end = NULL;
    unsigned long sp = strtoul(p, &end, 10);
    if (end == p || *end != '.')
        return false;
    p = end + 1;
    long id = strtol(p, &end, 10);
    if (end == p || *end != '.' || id < 1)
        return false;
    p = end + 1;
    size_t tl = strspn(p, "0123456789abcdef");
    if (tl == 0 || tl >= sizeof(s->token))
        return false;
    memcpy(s->token, p, tl);
    s->token[tl] = '\0';
    p += tl;
    s->space_index = sp;
    s->id = id;
    if (!with_part)
        return *p == '\0';
    if (*p != '/')
        return false;
    p++;
    unsigned long n = strtoul(p, &end, 10);
    if (end == p || *end != '\0' || n < 1 || n > MAX_PARTS)
        return false;
    s->part = (unsigned)n;
    return true;
}

/* The file a storage URL names; call with the sim lock held. */
/* The file a storage address names, with its space locked in *space
 * (release with civis__sim_space_unlock), or NULL. */
static sim_obj *storage_file(const storage_req *s, sim_space **space)
{
    *space = s->sim ? civis__sim_space_lock_at(s->sim, s->space_index) : NULL;
    return *space ? find_file(*space, s->id, s->token) : NULL;
}

static void budget_fail(storage_req *s)
{
    char msg[200];
    snprintf(msg, sizeof(msg),
             "civis-mock keeps at most %zu bytes of objects, runs and files per API key "
             "(--state-max-bytes); POST /__mock/reset clears them",
             s->sim->max_bytes);
    fail(s, 507, "InsufficientStorage", msg);
}

/* Counts n more bytes; past what the key's budget had left when the upload
 * began, it fails with 507 at once and what arrived so far is let go, so
 * an endless upload never fills memory or disk first. */
static bool over_budget(storage_req *s, size_t n)
{
    s->received += n;
    if (s->received <= s->budget)
        return false;
    budget_fail(s);
    civis__sim_blob_free(s->blob);
    s->blob = NULL;
    return true;
}

static enum MHD_Result on_form(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *filename, const char *content_type,
                               const char *transfer_encoding, const char *data, uint64_t off,
                               size_t size)
{
    storage_req *s = cls;
    (void)kind; /* required by the MHD post iterator signature */
    (void)filename;
    (void)transfer_encoding;
    if (s->fail_status != 0 || key == NULL)
        return MHD_YES;
    if (strcmp(key, "file") == 0) {
        if (!s->saw_file) {
            s->saw_file = true;
            s->blob = civis__sim_blob_new();
            if (s->blob == NULL) {
                fail(s, 500, "InternalError", "out of memory");
                return MHD_YES;
            }
            if (content_type != NULL)
                s->content_type = strdup(content_type);
        }
        if (size > 0 && over_budget(s, size))
            return MHD_YES;
        if (size > 0 &&
            !civis__sim_blob_write(s->blob, data, size, s->sim->mem_limit, s->sim->state_dir))
            fail(s, 500, "InternalError", "civis-mock could not store the bytes (memory or disk)");
        return MHD_YES;
    }
    if (s->saw_file) /* S3 ignores everything after the file */
        return MHD_YES;
    char *buf = NULL;
    size_t *len = NULL, cap = 0;
    if (strcmp(key, "key") == 0) {
        buf = s->key_field;
        len = &s->key_len;
        cap = sizeof(s->key_field);
    } else if (strcmp(key, "success_action_status") == 0) {
        buf = s->status_field;
        len = &s->status_len;
        cap = sizeof(s->status_field);
    }
    if (buf != NULL && off == *len && *len + size < cap) {
        memcpy(buf + *len, data, size);
        *len += size;
        buf[*len] = '\0';
    }
    return MHD_YES;
}

static void begin(storage_req *s, struct MHD_Connection *con)
{
    const char *p = s->path + strlen(CIVIS_SIM_STORAGE_PREFIX);
    if (strncmp(p, "upload/", 7) == 0 && parse_key(s, p + 7, false))
        s->kind = ST_UPLOAD;
    else if (strncmp(p, "part/", 5) == 0 && parse_key(s, p + 5, true))
        s->kind = ST_PART;
    else if (strncmp(p, "download/", 9) == 0 && parse_key(s, p + 9, false))
        s->kind = ST_DOWNLOAD;
    if (s->kind == ST_BAD || s->sim == NULL) {
        fail(s, 404, "NoSuchKey", "No such storage address.");
        return;
    }
    static const char *const want[] = {"", "POST", "PUT", "GET"};
    bool head = s->kind == ST_DOWNLOAD && strcmp(s->method, "HEAD") == 0;
    if (strcmp(s->method, want[s->kind]) != 0 && !head) {
        fail(s, 405, "MethodNotAllowed", "The method is not allowed on this address.");
        return;
    }
    sim_space *space = NULL;
    sim_obj *obj = storage_file(s, &space);
    bool ok = obj != NULL;
    if (ok && s->kind == ST_PART)
        ok = obj->file->parts != NULL && s->part <= obj->file->n_parts;
    if (ok && s->kind != ST_DOWNLOAD) {
        /* What the bytes this upload replaces hold comes back to it. */
        const sim_blob *old =
            s->kind == ST_UPLOAD ? obj->file->blob : obj->file->parts[s->part - 1];
        size_t had = s->kind == ST_UPLOAD ? obj->file->bytes : (old ? (size_t)old->size : 0);
        size_t used = space->bytes - (had < space->bytes ? had : space->bytes);
        s->budget = used < s->sim->max_bytes ? s->sim->max_bytes - used : 0;
    }
    civis__sim_space_unlock(space);
    if (!ok) {
        fail(s, 404, "NoSuchUpload", "The upload address is unknown or the upload is complete.");
        return;
    }
    if (s->kind == ST_UPLOAD) {
        s->pp = MHD_create_post_processor(con, POST_BUFFER, on_form, s);
        if (s->pp == NULL)
            fail(s, 400, "MalformedPOSTRequest",
                 "The body must be multipart/form-data with a 'file' field.");
    } else if (s->kind == ST_PART) {
        s->blob = civis__sim_blob_new();
        if (s->blob == NULL)
            fail(s, 500, "InternalError", "out of memory");
    }
}

static void consume(storage_req *s, const char *data, size_t len)
{
    if (s->fail_status != 0)
        return;
    if (s->kind == ST_UPLOAD) {
        if (MHD_post_process(s->pp, data, len) != MHD_YES)
            fail(s, 400, "MalformedPOSTRequest", "The multipart/form-data body is malformed.");
    } else if (s->kind == ST_PART) {
        if (over_budget(s, len))
            return;
        if (!civis__sim_blob_write(s->blob, data, len, s->sim->mem_limit, s->sim->state_dir))
            fail(s, 500, "InternalError", "civis-mock could not store the bytes (memory or disk)");
    }
}

static struct MHD_Response *text_response(const char *text, const char *type)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY);
    if (resp != NULL && type != NULL)
        MHD_add_response_header(resp, "Content-Type", type);
    return resp;
}

static struct MHD_Response *error_response(const storage_req *s)
{
    char xml[512];
    snprintf(xml, sizeof(xml),
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<Error><Code>%s</Code><Message>%s</Message></Error>\n",
             s->fail_code, s->fail_msg);
    return text_response(xml, "application/xml");
}

/* The bytes a multipart file holds in every part but `part` (1-based): a
 * part uploaded again replaces its earlier bytes, it does not add to them. */
static size_t parts_but(const sim_file *f, unsigned part)
{
    size_t total = 0;
    for (unsigned i = 0; f->parts != NULL && i < f->n_parts; i++)
        if (i + 1 != part && f->parts[i] != NULL)
            total += (size_t)f->parts[i]->size;
    return total;
}

/* Attaches the received bytes to the file; returns the HTTP status. */
static int attach(storage_req *s)
{
    if (s->kind == ST_UPLOAD) {
        if (MHD_destroy_post_processor(s->pp) != MHD_YES)
            fail(s, 400, "MalformedPOSTRequest", "The multipart/form-data body is incomplete.");
        s->pp = NULL;
        if (s->fail_status == 0 && !s->saw_file)
            fail(s, 400, "InvalidArgument", "POST requires exactly one file upload per request.");
        char want[96];
        snprintf(want, sizeof(want), "%zu.%ld.%s", s->space_index, s->id, s->token);
        if (s->fail_status == 0 && s->key_len > 0 && strcmp(s->key_field, want) != 0)
            fail(s, 400, "InvalidArgument", "The form's key does not match the upload address.");
    }
    if (s->fail_status != 0)
        return s->fail_status;
    sim_space *space = NULL;
    sim_obj *obj = storage_file(s, &space);
    int status = 0;
    if (obj == NULL) {
        fail(s, 404, "NoSuchUpload", "The file went away during the upload.");
    } else if (!civis__sim_charge(s->sim, space, &obj->file->bytes,
                                  (s->blob ? (size_t)s->blob->size : 0) +
                                      (s->kind == ST_PART ? parts_but(obj->file, s->part) : 0))) {
        /* Uploads running side by side each fit alone, not together. */
        budget_fail(s);
    } else if (s->kind == ST_UPLOAD) {
        sim_file *f = obj->file;
        civis__sim_blob_free(f->blob);
        f->blob = s->blob;
        s->blob = NULL;
        free(f->content_type);
        f->content_type = s->content_type;
        s->content_type = NULL;
        long want = s->status_len > 0 ? strtol(s->status_field, NULL, 10) : 204;
        status = want == 200 || want == 201 ? (int)want : 204;
    } else {
        sim_file *f = obj->file;
        if (f->parts == NULL || f->completing || s->part > f->n_parts) {
            fail(s, 409, "InvalidPart", "The multipart upload is complete or being completed.");
        } else {
            civis__sim_blob_free(f->parts[s->part - 1]);
            f->parts[s->part - 1] = s->blob;
            s->blob = NULL;
            status = 200;
        }
    }
    civis__sim_space_unlock(space);
    return s->fail_status ? s->fail_status : status;
}

static struct MHD_Response *download(storage_req *s, int *status)
{
    sim_space *space = NULL;
    sim_obj *obj = storage_file(s, &space);
    const sim_blob *b = obj ? obj->file->blob : NULL;
    struct MHD_Response *resp = NULL;
    char type[128];
    snprintf(type, sizeof(type), "%s",
             obj && obj->file->content_type ? obj->file->content_type : "application/octet-stream");
    if (b != NULL && b->fd >= 0) {
        /* MHD closes its own descriptor; the blob keeps its one. */
        int fd = dup(b->fd);
        if (fd >= 0 && (resp = MHD_create_response_from_fd64(b->size, fd)) == NULL)
            close(fd);
    } else if (b != NULL) {
        resp = MHD_create_response_from_buffer((size_t)b->size, b->mem, MHD_RESPMEM_MUST_COPY);
    }
    civis__sim_space_unlock(space);
    if (b == NULL) {
        fail(s, 404, "NoSuchKey", "The file has no bytes yet.");
        *status = 404;
        return error_response(s);
    }
    if (resp == NULL) {
        fail(s, 500, "InternalError", "civis-mock could not open the file");
        *status = 500;
        return error_response(s);
    }
    MHD_add_response_header(resp, "Content-Type", type);
    *status = 200;
    return resp;
}

static enum MHD_Result respond(storage_req *s, struct MHD_Connection *con)
{
    int status = 0;
    struct MHD_Response *resp = NULL;
    if (s->fail_status == 0 && s->kind == ST_DOWNLOAD) {
        resp = download(s, &status);
    } else {
        status = s->fail_status ? s->fail_status : attach(s);
        if (s->fail_status != 0) {
            resp = error_response(s);
        } else if (status == 201) {
            char xml[512];
            snprintf(xml, sizeof(xml),
                     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<PostResponse><Key>%zu.%ld.%s"
                     "</Key></PostResponse>\n",
                     s->space_index, s->id, s->token);
            resp = text_response(xml, "application/xml");
        } else {
            resp = text_response("", NULL);
            if (resp != NULL && s->kind == ST_PART) {
                char etag[40];
                snprintf(etag, sizeof(etag), "\"part-%u\"", s->part);
                MHD_add_response_header(resp, "ETag", etag);
            }
        }
    }
    if (resp == NULL)
        return MHD_NO;
    enum MHD_Result rc = MHD_queue_response(con, (unsigned)status, resp);
    MHD_destroy_response(resp);

    cmock_request jr = {.method = s->method, .path = s->path, .query = (char *)""};
    cmock_outcome oc = {.source = "storage"};
    if (s->fail_status != 0)
        oc.reason = s->fail_msg;
    cmock__journal_add(s->srv->journal, &jr, &oc, status);
    char *shown = cmock__log_escape(s->path);
    cmock__log(s->srv, "%s %s %d storage\n", s->method, shown ? shown : "?", status);
    free(shown);
    return rc;
}

enum MHD_Result civis__sim_storage(cmock_server *srv, struct MHD_Connection *con, const char *path,
                                   const char *method, const char *upload_data,
                                   size_t *upload_data_size, void **cls)
{
    storage_req *s = *cls;
    if (s == NULL) {
        s = calloc(1, sizeof(*s));
        if (s == NULL)
            return MHD_NO;
        *cls = s;
        s->srv = srv;
        s->sim = srv->sim.handle == civis__sim_handle ? srv->sim.ctx : NULL;
        s->method = strdup(method);
        size_t plen = strcspn(path, "?");
        s->path = strndup(path, plen);
        if (s->method == NULL || s->path == NULL)
            return MHD_NO;
        begin(s, con);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        consume(s, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    return respond(s, con);
}

void civis__sim_storage_done(void *cls)
{
    storage_req *s = cls;
    if (s == NULL)
        return;
    if (s->pp != NULL)
        MHD_destroy_post_processor(s->pp);
    civis__sim_blob_free(s->blob);
    free(s->content_type);
    free(s->method);
    free(s->path);
    free(s);
}

/* ---- /files/preprocess/csv --------------------------------------------------- */

/* detectedInfo comes from the SQL engine's CSV scan (sim_sql_csv.c). */

bool civis__sim_preprocess_output(sim_req *r, sim_obj *job, sim_run *run)
{
    const cJSON *fid = civis__sim_given(job, "fileId");
    bool in_range =
        cJSON_IsNumber(fid) && fid->valuedouble >= 1 && fid->valuedouble <= (double)LONG_MAX / 2;
    sim_obj *src = in_range ? find_file(r->space, (long)fid->valuedouble, NULL) : NULL;
    if (src == NULL || src->file->blob == NULL)
        return false; /* nothing to clean: the run succeeds without output */
    sim_obj *out = src;
    if (!cJSON_IsTrue(civis__sim_given(job, "inPlace"))) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(src->data, "name");
        const sim_coll *fc = r->sim->files_coll >= 0 ? &r->sim->colls[r->sim->files_coll] : NULL;
        cJSON *given = cJSON_CreateObject();
        if (given == NULL ||
            !civis__sim_set_str(given, "name",
                                cJSON_IsString(name) ? name->valuestring : "cleaned.csv")) {
            cJSON_Delete(given);
            return false;
        }
        out = file_obj(r, fc ? civis__sim_item_schema(r->sim->spec, fc->get) : NULL, given);
        cJSON_Delete(given);
        if (out == NULL)
            return false;
        out->file->blob = civis__sim_blob_new();
        if (out->file->blob == NULL ||
            !civis__sim_blob_append(out->file->blob, src->file->blob, r->sim->mem_limit,
                                    r->sim->state_dir)) {
            civis__sim_obj_drop(r->space, out);
            return false;
        }
        if (src->file->content_type != NULL)
            out->file->content_type = strdup(src->file->content_type);
    }
    char why[256];
    cJSON *info = cmock__sql_detect(out->file->blob, job->given, why, sizeof(why));
    if (info == NULL || !civis__sim_set(out->data, "detectedInfo", info))
        return false;
    cJSON *o = cJSON_CreateObject();
    const cJSON *oname = cJSON_GetObjectItemCaseSensitive(out->data, "name");
    bool ok = o != NULL && civis__sim_set_str(o, "objectType", "File") &&
              civis__sim_set_num(o, "objectId", (double)out->id) &&
              civis__sim_set_str(o, "name", cJSON_IsString(oname) ? oname->valuestring : NULL) &&
              cJSON_AddItemToArray(run->outputs, o);
    if (!ok)
        cJSON_Delete(o);
    return ok;
}
