/*
 * civis/sys/transport.h: how libcivis talks to a server. A transport is a small
 * table of function pointers that sends one HTTP request and fills in one
 * response. libcurl is the default transport; the in-process mock and test
 * doubles are others. Everything above the transport (name resolution,
 * argument validation and placement, retries, error messages, response
 * objects, pagination, helpers) is the same code for every transport.
 *
 * Ownership: the client builds each civis_http_request and owns every
 * pointer in it; a transport only reads it during send(). The transport
 * fills the civis_http_response through the civis_http_response_* helpers
 * below (they use the libcivis allocator), and the client releases it with
 * civis_http_response_clear().
 *
 * Threading: one client may call send() from several threads at once with
 * the same ctx, so a transport must be thread-safe (or lock internally).
 */
#ifndef CIVIS_SYS_TRANSPORT_H
#define CIVIS_SYS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "civis/export.h"
#include "civis/error.h"
#include "civis/client.h"
#include "civis/spec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One request, as the client hands it to a transport. Everything borrowed. */
typedef struct civis_http_request {
    const char *method;          /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *url;             /* full URL: base URL + path + ("?" query when not "") */
    const char *path;            /* "/scripts/sql/7": leading '/', no query, encoded */
    const char *query;           /* "type=Database&default=True", "" when none */
    const civis_header *headers; /* Authorization, User-Agent, Content-Type, X-Civis-* */
    size_t n_headers;
    const char *body; /* body bytes ("{}" for a call with no arguments),
                         or NULL for no body at all */
    size_t body_len;
    long timeout_ms;           /* whole-request limit; > 0 */
    long connect_timeout_ms;   /* connection set-up limit; > 0 */
    const civis_operation *op; /* the operation being called, or NULL for a request
                                  that is not an operation call (GET /endpoints) */
    const cJSON *args;         /* the call's arguments as given (snake_case names),
                                  or NULL; for transports that answer by operation */
    int attempt;               /* 1 for the first try, 2 for the first retry, ... */
    const cJSON *body_json;    /* the body as the client built it from the arguments
                                  (`body` is its printing), or NULL; lets a transport
                                  that answers in-process skip parsing it again */
    size_t max_body_bytes;     /* refuse a response body larger than this; 0: no limit */
} civis_http_request;

/*
 * One response, filled by a transport. The client zeroes it before send()
 * and releases it with civis_http_response_clear() whatever send() returned.
 */
typedef struct civis_http_response {
    long status;           /* HTTP status of the final response; 0 when none arrived */
    char reason[64];       /* reason phrase ("Not Found"), "" when unknown */
    civis_header *headers; /* of the final response (interim 1xx dropped); owned */
    size_t n_headers;
    size_t headers_cap; /* private to the helpers */
    char *body;         /* body bytes, NUL-terminated for convenience; owned; NULL
                           when the body is empty */
    size_t body_len;
    size_t body_cap;     /* private to the helpers */
    char *header_block;  /* private: when set, every header string points into this one
                            block (the libcurl transport's), freed with it */
    bool connect_failed; /* with CIVIS_ETRANSPORT: no byte of the request left this
                            machine (connection refused), so retrying an idempotent
                            verb is safe */
} civis_http_response;

/*
 * One transfer to or from a presigned storage URL (a file's uploadUrl or
 * fileUrl, a SQL run's output path). Not an API call: no credentials, no
 * JSON, no API retry rules; the bytes stream through the callbacks instead
 * of sitting in the request. Everything borrowed for the call.
 */
typedef struct civis_presigned_request {
    const char *method;      /* "GET" (a download) or "POST" (a form upload) */
    const char *url;         /* the presigned URL, signature included */
    const cJSON *fields;     /* POST: the form fields before the file, in order;
                                NULL for GET */
    const char *filename;    /* POST: the file part's filename; NULL for GET */
    unsigned long long size; /* POST: bytes read() will give */
    /* POST: copies up to n upload bytes into buf; returns how many, 0 at the
     * end, (size_t)-1 when the source failed (the transfer is then over). */
    size_t (*read)(char *buf, size_t n, void *data);
    void *read_data;
    /* GET: takes the bytes of a 2xx answer as they arrive; false stops the
     * transfer (the consumer failed and has said why). */
    bool (*write)(const char *bytes, size_t n, void *data);
    void *write_data;
} civis_presigned_request;

/* The storage's answer to a presigned transfer. */
typedef struct civis_presigned_response {
    long status;       /* HTTP status; 0 when none arrived */
    char message[256]; /* the first bytes of an error answer, "" when none */
} civis_presigned_response;

/*
 * The transport table. Copied by civis_client_new().
 *
 * send(): performs one exchange. Returns CIVIS_OK when a response arrived,
 *   whatever its status (a 404 or 503 is a response, not a failure), or
 *   CIVIS_ETRANSPORT (err->message says why, e.g. libcurl's text) / CIVIS_ENOMEM
 *   when none did. Must not retry by itself: the client applies the retry
 *   rules. May be called from several threads at once.
 * destroy(): releases ctx; may be NULL. Called exactly once, by
 *   civis_client_free(), or by civis_client_new() when it fails: a context
 *   passed to civis_client_new() belongs to the client from then on.
 */
struct civis_transport {
    const char *name; /* for messages and logs ("curl", "mock"); static storage */
    civis_status (*send)(void *ctx, const civis_http_request *req, civis_http_response *resp,
                         civis_error *err);
    void (*destroy)(void *ctx);
    /* Optional (NULL for none): told of each operation call the client
     * refused before sending anything (unknown resource or method, bad
     * arguments), so that a test transport can record it. `resource`,
     * `method` and `args` (may be NULL) as the caller gave them, `st` and
     * `err` (may be NULL) the rejection; all borrowed for the call. */
    void (*rejected)(void *ctx, const char *resource, const char *method, const cJSON *args,
                     civis_status st, const civis_error *err);
    /* Optional: performs one presigned transfer (see civis_presigned_request)
     * and fills `resp`. Returns CIVIS_OK when the storage answered, whatever
     * the status; CIVIS_ETRANSPORT / CIVIS_ENOMEM when it did not, or
     * CIVIS_EIO when read() or write() stopped it. Must not retry. NULL (the
     * libcurl transport): libcivis sends it with libcurl itself, streaming
     * the bytes, with the transfer's size caps, stall limit and deadline
     * (civis_file_options) and its retries. The in-process mock answers
     * from memory. */
    civis_status (*presigned)(void *ctx, const civis_presigned_request *req,
                              civis_presigned_response *resp, civis_error *err);
};

/* Appends a header to resp (both copied; the value is trimmed). Returns
 * CIVIS_OK or CIVIS_ENOMEM. */
CIVIS_EXTERN civis_status civis_http_response_add_header(civis_http_response *resp,
                                                         const char *name, size_t name_len,
                                                         const char *value, size_t value_len);
/* Appends bytes to resp's body (copied; the body stays NUL-terminated).
 * Returns CIVIS_OK or CIVIS_ENOMEM. */
CIVIS_EXTERN civis_status civis_http_response_append_body(civis_http_response *resp,
                                                          const char *data, size_t len);
/* The value of the first header named `name` (ASCII case-insensitive),
 * borrowed from resp; NULL when absent. */
CIVIS_EXTERN const char *civis_http_response_header(const civis_http_response *resp,
                                                    const char *name);
/* Frees everything resp owns and zeroes it. NULL allowed. */
CIVIS_EXTERN void civis_http_response_clear(civis_http_response *resp);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_SYS_TRANSPORT_H */
