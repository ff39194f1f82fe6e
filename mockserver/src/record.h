/*
 * record.h: record and replay (--record-from, --cassette). Nothing outside
 * mockserver/src includes this.
 *
 * The recorder sits in front of the answering pipeline: server.c hands it
 * every non-admin request first (cmock__record_answer). It either answers
 * from the cassette, forwards to the upstream and records the exchange, or
 * refuses a request it has no recording for; it returns false only when
 * recording is off or the request carries no usable API key (the pipeline's
 * auth then answers 401, as the upstream would).
 *
 * A cassette is a directory of fixtures (fixtures/README.md): one file per
 * distinct request, a "responses" sequence for repeated ones, secrets
 * replaced by CMOCK_RECORD_REDACTED. Exchanges the fixture format cannot
 * express against the spec (a path with no route, an unknown query name) go
 * to outside-spec/; file bytes go to files/, named by their SHA-256.
 */
#ifndef CMOCK_RECORD_H
#define CMOCK_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "civis/error.h"
#include "civis/spec.h"
#include "civis/sys/fake.h"

#define CMOCK_RECORD_REDACTED "[REDACTED]"
/* Storage URLs in a cassette use this origin; replay puts its own in. */
#define CMOCK_RECORD_ORIGIN "http://civis-mock.invalid"
#define CMOCK_RECORD_FILES_PREFIX "/__record/files/"
/* Status of a refused unrecorded request: one the API never sends. */
#define CMOCK_RECORD_UNMATCHED_STATUS 599
/* civis-mock's exit status when --fail-on-unmatched and a request was refused. */
#define CMOCK_RECORD_EXIT_UNMATCHED 4

typedef enum cmock_record_mode {
    CMOCK_RECORD_OFF = 0, /* no --cassette */
    CMOCK_RECORD_ALL,     /* forward and record everything (the cassette starts empty) */
    CMOCK_RECORD_NONE,    /* replay only */
    CMOCK_RECORD_ONCE,    /* all when the cassette is empty, else none */
    CMOCK_RECORD_NEW      /* replay what is recorded, forward and record the rest */
} cmock_record_mode;

/* The command line's part (main.c fills it through cmock__record_flag). */
typedef struct cmock_record_config {
    const char *from;     /* --record-from URL, or NULL */
    const char *cassette; /* --cassette DIR, or NULL */
    const char *mode;     /* --record-mode, or NULL for the default */
    const char **redact;  /* --redact names (borrowed from argv) */
    size_t n_redact;
    const char **ignore; /* --match-ignore names */
    size_t n_ignore;
    bool fail_on_unmatched;
} cmock_record_config;

typedef struct cmock_record cmock_record;
struct cmock_request;
struct cmock_outcome;

/* Whether `name` is one of the recorder's flags; *takes_value says whether
 * it needs a value. */
bool cmock__record_is_flag(const char *name, bool *takes_value);
/* The recorder's flag names, for did-you-mean. */
extern const char *const cmock__record_flags[];
extern const size_t cmock__record_n_flags;
/* Stores one flag. `argc` sizes the repeatable lists on first use. Returns
 * false with a message in why (for "option ... <why>") on a bad value or
 * out of memory. */
bool cmock__record_flag(cmock_record_config *cfg, int argc, const char *name, const char *value,
                        char *why, size_t whylen);
/* Checks the flags together (a mode that records needs --record-from, ...). */
bool cmock__record_check(const cmock_record_config *cfg, char *why, size_t whylen);
void cmock__record_config_free(cmock_record_config *cfg);
/* The default worker threads of a recorder with `cpus` processors: a
 * stored file's transfer holds its worker, so more than one per CPU. */
unsigned cmock__record_threads(unsigned cpus);

/* Opens the cassette (creating the directory when recording) and loads what
 * is recorded. *out is NULL when no --cassette was given. */
civis_status cmock__record_new(cmock_record **out, const cmock_record_config *cfg,
                               const civis_spec *spec, civis_error *err);
void cmock__record_free(cmock_record *rec);

/* A request on its way to the upstream (record.c). */
typedef struct cmock_record_job cmock_record_job;
struct MHD_Connection;

/* The hook into the request path: true when the recorder answered, or
 * took the request on: then *job is set and the reply comes later. The
 * caller hands the job to cmock__record_start and, when MHD calls it again
 * for the connection, to cmock__record_finish. */
bool cmock__record_answer(cmock_record *rec, const struct cmock_request *req,
                          civis_fake_reply *reply, struct cmock_outcome *outcome,
                          cmock_record_job **job);
/* Suspends the connection and forwards the request; the connection is
 * resumed when the upstream has answered (or failed, or civis-mock stops). */
void cmock__record_start(cmock_record *rec, cmock_record_job *job, const struct cmock_request *req,
                         struct MHD_Connection *con);
/* Builds the reply from the upstream's answer, records the exchange and
 * frees the job. `req` is the request the job was made for. */
void cmock__record_finish(cmock_record *rec, cmock_record_job *job, const struct cmock_request *req,
                          civis_fake_reply *reply, struct cmock_outcome *outcome);
/* Stops forwarding: requests on their way fail with 502 at once and new
 * ones too, so that no connection stays suspended (server stop). */
void cmock__record_stop(cmock_record *rec);
/* Starts every replayed sequence again (POST /__mock/reset). */
void cmock__record_rewind(cmock_record *rec);
/* Whether a request was refused for want of a recording; the refused ones
 * are printed to `out` (may be NULL). */
bool cmock__record_unmatched_report(cmock_record *rec, FILE *out);

/* ---- shared between the record*.c files ------------------------------------ */

/* record_redact.c */
typedef struct cmock_redactor {
    const char *key;    /* the caller's API key */
    char basic[512];    /* its Basic-auth base64 form ("" when too long) */
    const char **names; /* --redact names */
    size_t n_names;
    const char **ignore; /* --match-ignore names */
    size_t n_ignore;
} cmock_redactor;

void cmock__record_redactor_init(cmock_redactor *r, const cmock_record_config *cfg,
                                 const char *key);
/* Whether a field or query name holds a secret (built-in list or --redact). */
bool cmock__record_secret_name(const cmock_redactor *r, const char *name);
/* Whether matching leaves the name out (a secret or --match-ignore). */
bool cmock__record_ignored_name(const cmock_redactor *r, const char *name);
/* A copy of s with the key, its Basic form and URL credentials replaced;
 * NULL on allocation failure. */
char *cmock__record_redact_text(const cmock_redactor *r, const char *s);
/* Redacts a JSON value in place: secret fields' values, and the key and URL
 * credentials inside strings. `drop` removes secret and ignored fields
 * instead (request patterns). Returns false on allocation failure. */
bool cmock__record_redact_json(const cmock_redactor *r, cJSON *v, bool drop);
/* Sorts every object's keys, recursively, so a recording diffs cleanly. */
void cmock__record_sort_keys(cJSON *v);

/* record_files.c: presigned URLs and the bytes behind them. */
typedef struct cmock_record_files cmock_record_files;
civis_status cmock__record_files_new(cmock_record_files **out, const char *dir, bool forward,
                                     civis_error *err);
void cmock__record_files_free(cmock_record_files *files);
/* Rewrites the presigned URLs of an upstream answer: `client` gets the
 * address of this server (origin "http://HOST"), `disk` (a deep copy of
 * client, written to the cassette) CMOCK_RECORD_ORIGIN, and its upload form
 * values are redacted. Remembers where each token leads. */
bool cmock__record_files_rewrite(cmock_record_files *files, const cmock_redactor *red,
                                 cJSON *client, cJSON *disk, const char *origin);
/* Replaces CMOCK_RECORD_ORIGIN with `origin` in every string of v. */
bool cmock__record_files_localize(cJSON *v, const char *origin);
struct cmock_forwarder;
/* Answers a request under CMOCK_RECORD_FILES_PREFIX: forwards it when its
 * token was handed out while recording, else replays files/. Returns false
 * when it refused the request for want of a recording. */
bool cmock__record_files_serve(cmock_record_files *files, struct cmock_forwarder *fw,
                               const struct cmock_request *req, civis_fake_reply *reply);

/* record_forward.c: libcurl towards the upstream, handles kept alive. */
typedef struct cmock_forwarder cmock_forwarder;
typedef struct cmock_forward_result {
    long status; /* 0 when no answer came */
    char *body;  /* owned, NUL-terminated (never NULL after success) */
    size_t body_len;
    cJSON *headers; /* owned object name -> value of the kept headers */
    char error[256];
} cmock_forward_result;

civis_status cmock__record_forwarder_new(cmock_forwarder **out, civis_error *err);
void cmock__record_forwarder_free(cmock_forwarder *fw);
/* Sends one request to `url`; the request's Authorization, Content-Type and
 * Accept go along. `all_headers` keeps every response header the storage
 * answer needs (ETag, Content-Type) besides the API's. Returns false with
 * res->error set when no answer came. */
bool cmock__record_forward(cmock_forwarder *fw, const char *url, const char *method,
                           const char *authorization, const char *content_type, const char *body,
                           size_t body_len, bool storage, cmock_forward_result *res);
/* The same without waiting: the request goes to the forwarder's one
 * curl-multi thread, which calls done(arg) when it is over (answered or
 * not: res->error says). `res`, `body` and `arg` must live until then.
 * Returns false with res->error set, and done never called, when it could
 * not be sent. */
bool cmock__record_forward_async(cmock_forwarder *fw, const char *url, const char *method,
                                 const char *authorization, const char *content_type,
                                 const char *body, size_t body_len, cmock_forward_result *res,
                                 void (*done)(void *arg), void *arg);
/* Fails what is under way and whatever comes later (server stop). */
void cmock__record_forwarder_stop(cmock_forwarder *fw);
void cmock__record_forward_result_clear(cmock_forward_result *res);

/* record_files.c: "sha256 hex" of bytes into out[65]. */
void cmock__record_sha256(const void *data, size_t len, char out[65]);
/* Writes `len` bytes to dir/name through a temporary file and a rename. */
bool cmock__record_write_file(const char *dir, const char *name, const char *data, size_t len);

#endif /* CMOCK_RECORD_H */
