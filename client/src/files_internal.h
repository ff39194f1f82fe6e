/*
 * files_internal.h: what the file transfer sources share. presigned.c
 * holds the libcurl plumbing for presigned URLs (options, the byte source
 * and its read cursor, retries, messages), files_io.c the public upload and
 * download functions, multipart.c the multipart upload. Nothing outside
 * client/src includes this.
 */
#ifndef CIVIS_FILES_INTERNAL_H
#define CIVIS_FILES_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "client_internal.h"
#include "civis/files.h"

/* The transfer options with their defaults filled in. */
typedef struct civis__xfer {
    int max_attempts;
    double wait_s; /* first back-off */
    bool no_wait;
    long connect_ms;
    long stall_s;    /* CURLOPT_LOW_SPEED_TIME */
    long timeout_ms; /* the whole transfer's deadline, as given */
    double deadline; /* civis__now() by which it must be over */
    int parallel;
    const char *user_agent;     /* borrowed from the client */
    const civis_client *client; /* whose transport may serve presigned URLs, or NULL */
} civis__xfer;

civis_status civis__xfer_init(civis__xfer *x, const civis_client *client,
                              const civis_file_options *o, civis_error *err);

/* Where upload bytes come from: memory (buf) or a file (fd, read with
 * pread so that parts can be read concurrently). */
typedef struct civis__src {
    const unsigned char *buf; /* memory, or NULL */
    int fd;                   /* file, or -1 */
    uint64_t size;
    const char *what; /* the path (or "buffer") for messages */
} civis__src;

/* A window [base, base + len) of a source being sent; pos is relative. */
typedef struct civis__cursor {
    const civis__src *src;
    uint64_t base, len, pos;
    int read_errno; /* set when pread failed (the transfer is then aborted) */
} civis__cursor;

/* libcurl read / seek callbacks over a civis__cursor (CURLOPT_READFUNCTION,
 * CURLOPT_SEEKFUNCTION, curl_mime_data_cb). */
size_t civis__cursor_read(char *buf, size_t size, size_t nitems, void *arg);
int civis__cursor_seek(void *arg, curl_off_t offset, int origin);

/* The first bytes of an error reply, for messages. */
typedef struct civis__errbody {
    char text[320];
    size_t len;
} civis__errbody;

/*
 * Sets up `h` for one presigned request to `url`: no credentials, the
 * client's User-Agent, the timeouts, http(s) only, `errbuf`
 * (CURL_ERROR_SIZE) for libcurl's text. `*hdrs` receives the header list to
 * free after the transfer (curl_slist_free_all): it removes Expect, and
 * with `raw` (a part PUT) Content-Type, which a presigned PUT must not
 * carry unless it was signed with one.
 */
civis_status civis__presigned_setup(CURL *h, const civis__xfer *x, const char *url, bool raw,
                                    char *errbuf, struct curl_slist **hdrs, civis_error *err);

/*
 * Whether the client's transport serves presigned transfers itself (the
 * in-process mock does; libcurl's leaves them to the code here). When it
 * does, civis__presigned_via_transport sends `req` through it once and
 * turns a failure into the same errors as a libcurl transfer: `what` and
 * `io_errno` (the source or destination failed) as for
 * civis__presigned_fail.
 */
bool civis__presigned_by_transport(const civis__xfer *x);
civis_status civis__presigned_via_transport(const civis__xfer *x, const char *what,
                                            const civis_presigned_request *req, const int *io_errno,
                                            civis_error *err);

/* Whether an attempt that ended so is worth another try. */
bool civis__presigned_retryable(CURLcode rc, long status);
/* The wait before retry `attempt` (1-based) in seconds. */
double civis__presigned_backoff(const civis__xfer *x, int attempt);

/*
 * Records the failure of a presigned transfer: CIVIS_ETRANSPORT with
 * libcurl's text, CIVIS_EIO when the source could not be read or the
 * destination written, or CIVIS_EHTTP "(403) <what> was refused by the
 * storage: <body>". `what` says which transfer ("upload of report.csv",
 * "part 2 of 4"), `host` where it went (never the signed query).
 */
civis_status civis__presigned_fail(civis_error *err, const civis__xfer *x, const char *what,
                                   const char *url, CURLcode rc, long status, const char *errbuf,
                                   const civis__errbody *body, int attempts, int io_errno);
/* Whether the transfer's deadline (civis_file_options.timeout_ms) passed:
 * then nothing is retried. */
bool civis__xfer_expired(const civis__xfer *x);

/* CURLOPT_WRITEFUNCTION that keeps the first bytes of an error reply. */
size_t civis__errbody_write(char *data, size_t size, size_t nmemb, void *arg);

/* multipart.c: the multipart upload of `src` (name, expires and
 * description in `args`, a files.post_multipart argument object without
 * num_parts, borrowed). */
civis_status civis__multipart_upload(long long *file_id, civis_client *client,
                                     const civis__src *src, const cJSON *args,
                                     const civis_file_options *opts, const civis__xfer *x,
                                     civis_error *err);

/* Takes n downloaded bytes; false stops the transfer (the consumer failed
 * and has said why). */
typedef bool (*civis__write_fn)(const char *bytes, size_t n, void *data);

/* Streams a presigned `url` (no Civis credentials) into `fn`, retried as
 * the other presigned transfers while no byte has reached `fn`. When fn
 * stopped it, the error is CIVIS_EIO with errno ECANCELED's text: callers
 * replace it with their own. */
civis_status civis__download_url(const char *url, const char *what, civis__write_fn fn, void *data,
                                 const civis_client *client, const civis_file_options *opts,
                                 civis_error *err);

#endif /* CIVIS_FILES_INTERNAL_H */
