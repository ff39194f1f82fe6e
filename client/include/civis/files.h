/*
 * civis/files.h: moving bytes in and out of Civis files, as the official
 * client's civis.io.file_to_civis and civis_to_file do.
 *
 *     long long id = 0;
 *     civis_error err = CIVIS_ERROR_INIT;
 *     if (civis_file_to_civis(&id, client, "report.csv", NULL, NULL, &err) != CIVIS_OK ||
 *         civis_civis_to_file(client, id, "copy.csv", NULL, &err) != CIVIS_OK)
 *         fprintf(stderr, "civis: %s\n", err.message);
 *
 * Uploads of at most 50 MiB are one presigned POST: POST /files gives an
 * uploadUrl and uploadFields, and the bytes go to uploadUrl as
 * multipart/form-data with the field `key` first, the other fields as
 * given (names sent verbatim) and `file` last. Larger uploads go in parts:
 * POST /files/multipart gives one URL per part, each part is a raw PUT (up
 * to 4 at once, in this thread, through one libcurl multi handle), and
 * POST /files/multipart/{id}/complete joins them. Downloads read fileUrl
 * from GET /files/{id} and stream it to the destination.
 *
 * Presigned URLs get no Civis credentials (no Authorization header), only
 * the client's User-Agent. Each presigned transfer is retried when no reply
 * arrived or the reply was 429 or 5xx, from the beginning of its bytes
 * (the source read again from its start, the destination rewound and cut).
 * Another 4xx fails at once, with the storage's answer in the message.
 *
 * Unlike the official client, a part that still fails after its retries
 * fails the whole upload: the upload is not completed (a completed upload
 * with a missing part would be a corrupt file) and the error names the part.
 */
#ifndef CIVIS_FILES_H
#define CIVIS_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "civis/export.h"
#include "civis/client.h"
#include "civis/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CIVIS_MULTIPART_MIN_SIZE (50ull * 1024 * 1024)           /* larger uploads go in parts */
#define CIVIS_PART_MIN_SIZE (5ull * 1024 * 1024)                 /* the smallest part (S3's) */
#define CIVIS_UPLOAD_MAX_SIZE (5ull * 1024 * 1024 * 1024 * 1024) /* 5 TiB */

/* Options of the transfer functions; all zero (or NULL options) is the
 * official client's behaviour. The upload fields are ignored by downloads. */
typedef struct civis_file_options {
    const char *expires_at;  /* upload: when the file expires (ISO 8601); NULL: the
                                server's default, 30 days */
    bool never_expires;      /* upload: send expires_at null, the file never expires */
    const char *description; /* upload: at most 512 characters; NULL or "": none */
    unsigned long long multipart_threshold; /* upload: sizes above it go in parts; 0 means
                                               CIVIS_MULTIPART_MIN_SIZE */
    unsigned long long part_size;           /* upload: bytes per part; 0: the official rule
                                               (civis_file_part_plan). Set it only to exercise
                                               multipart on small data: storage rejects parts
                                               below 5 MiB other than the last */
    int parallel;                           /* upload: parts in flight at once; 0 means 4 */
    int max_attempts;        /* tries per presigned transfer, first included; 0 means 5 */
    long retry_wait_ms;      /* wait before the first retry, doubled for each next one
                                (at most 30 s); 0 means 1000 */
    bool no_retry_wait;      /* retry at once (tests) */
    long connect_timeout_ms; /* per presigned transfer; 0 means 60000 */
    long stall_timeout_ms;   /* a presigned transfer that moves no byte for this long
                                fails (and is retried); 0 means 60000 */
    long timeout_ms;         /* the whole transfer (every part and retry) must end within
                                this; 0 means 3600000 (1 h). Past it the call fails with
                                CIVIS_ETRANSPORT naming timeout_ms */
} civis_file_options;

/*
 * How an upload of `size` bytes is cut, the official client's rule:
 * part_size = max(int(sqrt(5 MiB) * sqrt(size)), 5 MiB) and
 * num_parts = ceil(size / part_size). 12 MiB gives 2 parts, 8,122,234 bytes
 * and the rest (4,460,678). Errors: CIVIS_EINVAL for 0 or more than 5 TiB
 * (param "size").
 */
CIVIS_EXTERN civis_status civis_file_part_plan(unsigned long long *part_size,
                                               unsigned long long *num_parts,
                                               unsigned long long size, civis_error *err);

/*
 * Uploads the file at `path` as a new Civis file named `name` (NULL: the
 * path's last component) and sets *file_id. `opts` may be NULL.
 * Errors: CIVIS_EINVAL (a description over 512 characters, a path that is
 * not a regular file, a file over 5 TiB; param names it); CIVIS_EIO (the
 * file cannot be opened or read); those of the API calls; CIVIS_ETRANSPORT
 * or CIVIS_EHTTP from the presigned transfers ("part 2 of 4: ..."); CIVIS_EPARSE
 * when an answer lacks uploadUrl, uploadFields or the right number of
 * uploadUrls. On failure *file_id is 0.
 */
CIVIS_EXTERN civis_status civis_file_to_civis(long long *file_id, civis_client *client,
                                              const char *path, const char *name,
                                              const civis_file_options *opts, civis_error *err);

/* The same from `len` bytes at `data` (borrowed for the call). `name` is
 * required (CIVIS_EINVAL, param "name"). */
CIVIS_EXTERN civis_status civis_buffer_to_civis(long long *file_id, civis_client *client,
                                                const void *data, size_t len, const char *name,
                                                const civis_file_options *opts, civis_error *err);

/*
 * Downloads Civis file `file_id` into the file at `path` (created or
 * truncated). A file whose fileUrl is null gives CIVIS_EEMPTY "Unable to
 * locate file X. If it previously existed, it may have expired." (param
 * "file_id"); CIVIS_EIO when `path` cannot be written; the errors of
 * GET /files/{id} and of the transfer. On failure the file at `path` may
 * hold part of the data.
 */
CIVIS_EXTERN civis_status civis_civis_to_file(civis_client *client, long long file_id,
                                              const char *path, const civis_file_options *opts,
                                              civis_error *err);

/* The same into an open stream (borrowed; written from its current
 * position, flushed, not closed). A retry rewinds a seekable stream to
 * where it started and cuts it there; on a pipe a transfer that already
 * wrote something is not retried. */
CIVIS_EXTERN civis_status civis_civis_to_stream(civis_client *client, long long file_id, FILE *fp,
                                                const civis_file_options *opts, civis_error *err);

/* The same into memory: *data (NUL-terminated for convenience, owned by
 * the caller: civis_free) and *len. On failure *data is NULL. */
CIVIS_EXTERN civis_status civis_civis_to_buffer(char **data, size_t *len, civis_client *client,
                                                long long file_id, const civis_file_options *opts,
                                                civis_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_FILES_H */
