/*
 * mock_storage.c: the in-process mock's presigned storage. The mock's
 * transport serves presigned transfers (civis_transport.presigned) from
 * memory: a GET of a URL the mock handed out (a declared result's output
 * path) gets its bytes, any other URL a 404 as S3 gives; a form POST to an
 * uploadUrl is read to the end and kept, so that a test can check what its
 * code uploaded. Nothing leaves the process.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "mock_internal.h"

/* Bytes handed to the consumer at a time, as a network read would. */
#define CHUNK (64 * 1024)

struct mock_blob {
    char *url;
    char *bytes;
    size_t len;
};

struct mock_upload {
    char *url;
    char *filename;
    char *bytes;
    size_t len;
};

mock_store *civis__mock_store(civis_mock *mock)
{
    if (mock->store == NULL) {
        mock->store = civis__calloc(1, sizeof(*mock->store));
        if (mock->store != NULL)
            mock->store->next_id = 1;
    }
    return mock->store;
}

void civis__mock_store_free(mock_store *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_decls; i++) {
        civis__free(s->decls[i].database);
        civis__free(s->decls[i].query);
        civis__free(s->decls[i].error);
        civis_table_free(s->decls[i].rows);
    }
    civis__free(s->decls);
    for (size_t i = 0; i < s->n_databases; i++)
        civis__free(s->databases[i]);
    civis__free(s->databases);
    for (size_t i = 0; i < s->n_scripts; i++) {
        civis__free(s->scripts[i].sql);
        cJSON_Delete(s->scripts[i].csv_settings);
        civis__free(s->scripts[i].error);
        civis__free(s->scripts[i].url);
        civis__free(s->scripts[i].part_url);
        cJSON_Delete(s->scripts[i].query);
    }
    civis__free(s->scripts);
    for (size_t i = 0; i < s->n_blobs; i++) {
        civis__free(s->blobs[i].url);
        civis__free(s->blobs[i].bytes);
    }
    civis__free(s->blobs);
    for (size_t i = 0; i < s->n_uploads; i++) {
        civis__free(s->uploads[i].url);
        civis__free(s->uploads[i].filename);
        civis__free(s->uploads[i].bytes);
    }
    civis__free(s->uploads);
    civis__free(s);
}

bool civis__mock_grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 8;
    void *g = civis__realloc(*arr, c * size);
    if (g == NULL)
        return false;
    *arr = g;
    *cap = c;
    return true;
}

bool civis__mock_store_put(mock_store *s, const char *url, char *bytes, size_t len)
{
    char *u = civis__strdup(url);
    if (u == NULL ||
        !civis__mock_grow((void **)&s->blobs, &s->blobs_cap, s->n_blobs, sizeof(*s->blobs))) {
        civis__free(u);
        civis__free(bytes);
        return false;
    }
    s->blobs[s->n_blobs++] = (struct mock_blob){u, bytes, len};
    return true;
}

/* A GET: the bytes stored at the URL, the latest first. The bytes stay
 * put until the mock is freed, so they are handed out without the lock. */
static civis_status serve(civis_mock *mock, const civis_presigned_request *req,
                          civis_presigned_response *resp, civis_error *err)
{
    const char *bytes = NULL;
    size_t len = 0;
    civis__mock_lock(mock);
    for (size_t i = mock->store ? mock->store->n_blobs : 0; i-- > 0;)
        if (strcmp(mock->store->blobs[i].url, req->url) == 0) {
            bytes = mock->store->blobs[i].bytes;
            len = mock->store->blobs[i].len;
            break;
        }
    civis__mock_unlock(mock);
    if (bytes == NULL) {
        resp->status = 404;
        snprintf(resp->message, sizeof(resp->message),
                 "<Error><Code>NoSuchKey</Code><Message>The mock stored nothing at this "
                 "URL</Message></Error>");
        return CIVIS_OK;
    }
    resp->status = 200;
    for (size_t at = 0; at < len; at += CHUNK) {
        size_t n = len - at < CHUNK ? len - at : CHUNK;
        if (req->write == NULL || !req->write(bytes + at, n, req->write_data))
            return civis__fail(err, CIVIS_EIO, "", "the download's consumer stopped it");
    }
    return CIVIS_OK;
}

/* A form POST: read to the end and recorded. */
static civis_status receive(civis_mock *mock, const civis_presigned_request *req,
                            civis_presigned_response *resp, civis_error *err)
{
    size_t cap = req->size < CHUNK ? CHUNK : (size_t)req->size + 1;
    char *bytes = civis__malloc(cap);
    size_t len = 0;
    if (bytes == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory receiving an upload");
    for (;;) {
        if (len + CHUNK > cap) {
            char *g = civis__realloc(bytes, cap * 2);
            if (g == NULL) {
                civis__free(bytes);
                return civis__fail(err, CIVIS_ENOMEM, "", "out of memory receiving an upload");
            }
            bytes = g;
            cap *= 2;
        }
        size_t got = req->read ? req->read(bytes + len, CHUNK, req->read_data) : 0;
        if (got == (size_t)-1) {
            civis__free(bytes);
            return civis__fail(err, CIVIS_EIO, "", "the upload's source failed");
        }
        if (got == 0)
            break;
        len += got;
    }
    bytes[len] = '\0'; /* for a test that reads text; len < cap by the loop above */
    char *url = civis__strdup(req->url);
    char *name = civis__strdup(req->filename ? req->filename : "");
    civis__mock_lock(mock);
    mock_store *s = civis__mock_store(mock);
    bool ok =
        s != NULL && url != NULL && name != NULL &&
        civis__mock_grow((void **)&s->uploads, &s->uploads_cap, s->n_uploads, sizeof(*s->uploads));
    if (ok)
        s->uploads[s->n_uploads++] = (struct mock_upload){url, name, bytes, len};
    civis__mock_unlock(mock);
    if (!ok) {
        civis__free(url);
        civis__free(name);
        civis__free(bytes);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory recording an upload");
    }
    resp->status = 204; /* what S3 answers a form POST without success_action_status */
    return CIVIS_OK;
}

civis_status civis__mock_presigned(void *ctx, const civis_presigned_request *req,
                                   civis_presigned_response *resp, civis_error *err)
{
    if (req->method != NULL && strcmp(req->method, "GET") == 0)
        return serve(ctx, req, resp, err);
    if (req->method != NULL && strcmp(req->method, "POST") == 0)
        return receive(ctx, req, resp, err);
    resp->status = 405;
    snprintf(resp->message, sizeof(resp->message), "the mock's storage takes GET and POST only");
    return CIVIS_OK;
}

/* ---- what a test reads back ------------------------------------------------------- */

size_t civis_mock_upload_count(const civis_mock *mock)
{
    if (mock == NULL)
        return 0;
    civis__mock_lock(mock);
    size_t n = mock->store ? mock->store->n_uploads : 0;
    civis__mock_unlock(mock);
    return n;
}

const char *civis_mock_upload_bytes(const civis_mock *mock, size_t i, size_t *len,
                                    const char **filename)
{
    if (len != NULL)
        *len = 0;
    if (filename != NULL)
        *filename = NULL;
    if (mock == NULL)
        return NULL;
    const char *bytes = NULL;
    civis__mock_lock(mock);
    if (mock->store != NULL && i < mock->store->n_uploads) {
        const struct mock_upload *u = &mock->store->uploads[i];
        bytes = u->bytes;
        if (len != NULL)
            *len = u->len;
        if (filename != NULL)
            *filename = u->filename;
    }
    civis__mock_unlock(mock);
    return bytes;
}
