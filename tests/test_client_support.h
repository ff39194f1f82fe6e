/*
 * test_client_support.h: what the libcivis suites share. A scripted
 * transport that answers from a list of canned replies and records every
 * request it was given (the client's logic runs for real, no sockets), and
 * helpers to build a client on it or on a running civis-mock.
 */
#ifndef CIVIS_TEST_CLIENT_SUPPORT_H
#define CIVIS_TEST_CLIENT_SUPPORT_H

#include <pthread.h>
#include <stdbool.h>

#include "civis.h"
#include "civis/sys/transport.h"
#include "mockproc.h"

#define FAKE_MAX_REPLIES 32
#define FAKE_MAX_REQUESTS 64

/* One canned reply. */
typedef struct fake_reply {
    long status;         /* HTTP status; 0 with fail set */
    const char *headers; /* "Name: value\n" lines, or NULL */
    const char *body;    /* NULL for no body */
    civis_status fail;   /* CIVIS_ETRANSPORT: no reply at all */
    bool connect_failed; /* with fail: nothing was sent */
} fake_reply;

/* One request as the transport saw it (copies). */
typedef struct fake_request {
    char method[16];
    char *url;
    char *path;
    char *query;
    char *body; /* NULL when no body was sent */
    size_t body_len;
    char *headers; /* "Name: value\n" lines */
    const civis_operation *op;
    int attempt;
} fake_request;

typedef struct fake_transport {
    pthread_mutex_t lock;
    fake_reply replies[FAKE_MAX_REPLIES]; /* served in turn; the last repeats */
    size_t n_replies;
    size_t served;
    fake_request requests[FAKE_MAX_REQUESTS];
    size_t n_requests;
    bool forbid; /* any send is a test failure (checks before traffic) */
} fake_transport;

extern const civis_transport fake_transport_table;

void fake_init(fake_transport *ft);
void fake_clear(fake_transport *ft); /* frees the recorded requests */
void fake_push(fake_transport *ft, long status, const char *headers, const char *body);
/* The value of a header the client sent on request i, or NULL. */
const char *fake_header(const fake_transport *ft, size_t i, const char *name, char *buf,
                        size_t len);

/* A client on the fake transport with the bundled spec and instant retries. */
civis_client *fake_client(fake_transport *ft, const civis_client_options *extra);

/* A client on civis-mock (spec downloaded, no disk cache), instant retries. */
civis_client *mock_client(const civis_mockproc *mp, const char *key,
                          const civis_client_options *extra);

/* POST /__mock/reset; true on 200. */
bool mock_reset(const civis_mockproc *mp);
/* POST a JSON document to an admin path; returns the status. */
long mock_admin(const civis_mockproc *mp, const char *path, const char *json);
/* The journal entries (optionally ?query), owned by the caller. */
cJSON *mock_journal(const civis_mockproc *mp, const char *query);
/* The same without the spec downloads (GET /endpoints) of mock_client(). */
cJSON *mock_calls(const civis_mockproc *mp, const char *query);

#endif
