/*
 * multipart.c: uploads above the multipart threshold (CIVIS_API_NOTES
 * 4.12). files.post_multipart hands out one presigned URL per part; each
 * part is a raw PUT of its bytes (no Content-Type: the URL is signed
 * without one), read straight from the source at part_size * i; then
 * files.post_multipart_complete joins them.
 *
 * The parts go through one libcurl multi handle, up to `parallel` at once,
 * all in the calling thread: no worker threads, and the multi handle's
 * connection cache reuses connections between parts. A part that fails is
 * put back with a back-off time and retried from its first byte; a part
 * that runs out of attempts stops the upload, which is then NOT completed
 * (the official client completes it anyway and loses the failure).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "files_internal.h"

civis_status civis_file_part_plan(unsigned long long *part_size, unsigned long long *num_parts,
                                  unsigned long long size, civis_error *err)
{
    if (part_size == NULL || num_parts == NULL)
        return civis__fail(err, CIVIS_EINVAL, part_size == NULL ? "part_size" : "num_parts",
                           "output pointers must not be NULL");
    *part_size = *num_parts = 0;
    if (size == 0 || size > CIVIS_UPLOAD_MAX_SIZE)
        return civis__fail(err, CIVIS_EINVAL, "size",
                           "a multipart upload holds 1 byte to 5 TiB, got %llu bytes", size);
    /* int(math.sqrt(MIN_PART_SIZE) * math.sqrt(size)): the same IEEE
     * operations in the same order, so the same bytes per part. */
    double p = sqrt((double)CIVIS_PART_MIN_SIZE) * sqrt((double)size);
    unsigned long long ps = (unsigned long long)p;
    if (ps < CIVIS_PART_MIN_SIZE)
        ps = CIVIS_PART_MIN_SIZE;
    *part_size = ps;
    *num_parts = (size + ps - 1) / ps;
    return CIVIS_OK;
}

typedef enum part_state { PART_WAITING = 0, PART_ACTIVE, PART_DONE } part_state;

typedef struct part {
    unsigned idx;    /* 0-based */
    const char *url; /* borrowed from the post_multipart answer */
    civis__cursor cur;
    part_state state;
    int attempts;
    double ready_at; /* civis__now() time it may start (after a back-off) */
    CURL *h;
    struct curl_slist *hdrs;
    char errbuf[CURL_ERROR_SIZE];
    civis__errbody body;
} part;

static void part_release(part *p, CURLM *multi)
{
    if (p->h != NULL) {
        curl_multi_remove_handle(multi, p->h);
        curl_easy_cleanup(p->h);
        p->h = NULL;
    }
    curl_slist_free_all(p->hdrs);
    p->hdrs = NULL;
}

static civis_status part_start(part *p, CURLM *multi, const civis__xfer *x, civis_error *err)
{
    p->h = curl_easy_init();
    if (p->h == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "cannot create a libcurl handle");
    civis_status st = civis__presigned_setup(p->h, x, p->url, true, p->errbuf, &p->hdrs, err);
    if (st != CIVIS_OK) {
        curl_easy_cleanup(p->h);
        p->h = NULL;
        return st;
    }
    p->cur.pos = 0;
    p->cur.read_errno = 0;
    p->body.len = 0;
    p->body.text[0] = '\0';
    curl_easy_setopt(p->h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(p->h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)p->cur.len);
    curl_easy_setopt(p->h, CURLOPT_READFUNCTION, civis__cursor_read);
    curl_easy_setopt(p->h, CURLOPT_READDATA, &p->cur);
    curl_easy_setopt(p->h, CURLOPT_SEEKFUNCTION, civis__cursor_seek);
    curl_easy_setopt(p->h, CURLOPT_SEEKDATA, &p->cur);
    curl_easy_setopt(p->h, CURLOPT_WRITEFUNCTION, civis__errbody_write);
    curl_easy_setopt(p->h, CURLOPT_WRITEDATA, &p->body);
    curl_easy_setopt(p->h, CURLOPT_PRIVATE, p);
    if (curl_multi_add_handle(multi, p->h) != CURLM_OK) {
        part_release(p, multi);
        return civis__fail(err, CIVIS_ENOMEM, "", "cannot queue the upload of part %u", p->idx + 1);
    }
    p->state = PART_ACTIVE;
    p->attempts++;
    return CIVIS_OK;
}

/* Starts waiting parts whose time has come, up to `parallel` active. */
static civis_status start_ready(part *parts, unsigned n, unsigned *active, CURLM *multi,
                                const civis__xfer *x, civis_error *err)
{
    double now = civis__now();
    for (unsigned i = 0; i < n && *active < (unsigned)x->parallel; i++) {
        if (parts[i].state != PART_WAITING || parts[i].ready_at > now)
            continue;
        civis_status st = part_start(&parts[i], multi, x, err);
        if (st != CIVIS_OK)
            return st;
        (*active)++;
    }
    return CIVIS_OK;
}

/* Milliseconds until the next waiting part may start (capped), for curl_multi_poll. */
static int next_wait_ms(const part *parts, unsigned n, unsigned active, int parallel)
{
    if (active >= (unsigned)parallel)
        return 1000;
    double now = civis__now(), soonest = now + 1.0;
    for (unsigned i = 0; i < n; i++)
        if (parts[i].state == PART_WAITING && parts[i].ready_at < soonest)
            soonest = parts[i].ready_at;
    double ms = (soonest - now) * 1000.0;
    return ms <= 0 ? 0 : (int)ms + 1;
}

/* PUTs every part; the first part that fails for good is the error. */
static civis_status put_parts(part *parts, unsigned n, const civis__xfer *x, civis_error *err)
{
    CURLM *multi = curl_multi_init();
    if (multi == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "cannot create a libcurl multi handle");
    unsigned active = 0, done = 0;
    civis_status st = CIVIS_OK;
    while (st == CIVIS_OK && done < n) {
        st = start_ready(parts, n, &active, multi, x, err);
        if (st != CIVIS_OK)
            break;
        int running = 0;
        CURLMcode mc = curl_multi_perform(multi, &running);
        if (mc == CURLM_OK)
            mc = curl_multi_poll(multi, NULL, 0, next_wait_ms(parts, n, active, x->parallel), NULL);
        if (mc == CURLM_OK)
            mc = curl_multi_perform(multi, &running);
        if (mc != CURLM_OK) {
            st = civis__fail(err, mc == CURLM_OUT_OF_MEMORY ? CIVIS_ENOMEM : CIVIS_ETRANSPORT, "",
                             "multipart upload: %s", curl_multi_strerror(mc));
            break;
        }
        CURLMsg *msg;
        int left = 0;
        while (st == CIVIS_OK && (msg = curl_multi_info_read(multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            part *p = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&p);
            CURLcode rc = msg->data.result;
            long status = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            active--;
            if (rc == CURLE_OK && status >= 200 && status < 300) {
                part_release(p, multi);
                p->state = PART_DONE;
                done++;
            } else if (p->cur.read_errno == 0 && civis__presigned_retryable(rc, status) &&
                       p->attempts < x->max_attempts && !civis__xfer_expired(x)) {
                part_release(p, multi);
                p->state = PART_WAITING;
                p->ready_at = civis__now() + civis__presigned_backoff(x, p->attempts);
            } else {
                char what[64];
                snprintf(what, sizeof(what), "part %u of %u", p->idx + 1, n);
                bool fresh = err != NULL && err->code == CIVIS_OK &&
                             !(rc == CURLE_OPERATION_TIMEDOUT && civis__xfer_expired(x));
                st = civis__presigned_fail(err, x, what, p->url, rc, status, p->errbuf, &p->body,
                                           p->attempts, p->cur.read_errno);
                if (fresh)
                    snprintf(err->param, sizeof(err->param), "part");
                part_release(p, multi);
            }
        }
    }
    for (unsigned i = 0; i < n; i++)
        part_release(&parts[i], multi);
    curl_multi_cleanup(multi);
    return st;
}

civis_status civis__multipart_upload(long long *file_id, civis_client *client,
                                     const civis__src *src, const cJSON *args,
                                     const civis_file_options *opts, const civis__xfer *x,
                                     civis_error *err)
{
    unsigned long long part_size = 0, num_parts = 0;
    civis_status st;
    if (opts != NULL && opts->part_size > 0) {
        part_size = opts->part_size;
        num_parts = (src->size + part_size - 1) / part_size;
    } else if ((st = civis_file_part_plan(&part_size, &num_parts, src->size, err)) != CIVIS_OK) {
        return st;
    }
    if (num_parts == 0 || num_parts > 10000)
        return civis__fail(err, CIVIS_EINVAL, "part_size",
                           "%llu bytes in parts of %llu make %llu parts; storage takes 1 to "
                           "10000",
                           (unsigned long long)src->size, part_size, num_parts);
    cJSON *a = cJSON_Duplicate(args, true);
    if (a == NULL || cJSON_AddNumberToObject(a, "num_parts", (double)num_parts) == NULL) {
        cJSON_Delete(a);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory preparing a multipart upload");
    }
    civis_response *resp = NULL;
    st = civis_call(&resp, client, "files", "post_multipart", a, err);
    cJSON_Delete(a);
    if (st != CIVIS_OK)
        return st;

    long long id = 0;
    civis_error e = CIVIS_ERROR_INIT;
    const cJSON *urls = civis_response_get(resp, "upload_urls");
    part *parts = NULL;
    if (civis_response_int(&id, resp, "id", &e) != CIVIS_OK) {
        st = civis__fail(err, CIVIS_EPARSE, "id",
                         "files.post_multipart answered without an "
                         "id: %s",
                         e.message);
    } else if (!cJSON_IsArray(urls) || (unsigned long long)cJSON_GetArraySize(urls) != num_parts) {
        st = civis__fail(err, CIVIS_EPARSE, "uploadUrls",
                         "files.post_multipart for file %lld gave %d upload URLs for %llu parts",
                         id, cJSON_IsArray(urls) ? cJSON_GetArraySize(urls) : 0, num_parts);
    } else if ((parts = civis__calloc((size_t)num_parts, sizeof(*parts))) == NULL) {
        st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory for %llu parts", num_parts);
    } else {
        unsigned i = 0;
        for (const cJSON *u = urls->child; st == CIVIS_OK && u != NULL; u = u->next, i++) {
            if (!cJSON_IsString(u)) {
                st = civis__fail(err, CIVIS_EPARSE, "uploadUrls",
                                 "files.post_multipart: upload URL %u is not a string", i + 1);
                break;
            }
            uint64_t off = (uint64_t)part_size * i;
            uint64_t len = src->size - off < part_size ? src->size - off : part_size;
            parts[i] = (part){.idx = i, .url = u->valuestring, .cur = {src, off, len, 0, 0}};
        }
        if (st == CIVIS_OK)
            st = put_parts(parts, (unsigned)num_parts, x, err);
    }
    civis__free(parts);
    civis_response_free(resp);
    if (st != CIVIS_OK)
        return st;
    civis_response *done = NULL;
    st = civis_callv(&done, client, "files", "post_multipart_complete", err, "id", CIVIS_INT(id),
                     CIVIS_END);
    civis_response_free(done);
    if (st == CIVIS_OK)
        *file_id = id;
    return st;
}
