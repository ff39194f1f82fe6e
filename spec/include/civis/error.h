/*
 * civis/error.h: the status codes and the per-call error record shared by
 * every layer of civis-c (spec engine, libcivis, the in-process mock and
 * civis-mock).
 *
 * The caller owns the error, one per call, and may pass NULL. The buffers
 * have fixed sizes so that reporting out-of-memory never allocates. The
 * first error wins: a later failure during cleanup does not overwrite it.
 */
#ifndef CIVIS_ERROR_H
#define CIVIS_ERROR_H

#include <stddef.h>

#include "civis/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum civis_status {
    CIVIS_OK = 0,     /* success */
    CIVIS_EINVAL,     /* bad argument; err->param names it */
    CIVIS_ENOMEM,     /* an allocation failed */
    CIVIS_ETRANSPORT, /* connect, TLS, timeout or dropped connection */
    CIVIS_EHTTP,      /* non-2xx reply; err->http_status is set */
    CIVIS_ENOTFOUND,  /* 404, or a name that is not in the spec */
    CIVIS_EPARSE,     /* a body or document was not the JSON we expected */
    CIVIS_EAUTH,      /* no API key, or a 401 from the server */
    CIVIS_ESPEC,      /* the API spec is malformed */
    CIVIS_EMETHOD,    /* the path exists but not with this HTTP method (405) */
    CIVIS_EJOB,       /* a run finished in state failed */
    CIVIS_ETIMEOUT,   /* a wait ran out of time */
    CIVIS_EEMPTY,     /* an expected output or file is missing */
    CIVIS_EIO,        /* a local file could not be read or written */
    CIVIS_ECANCELLED  /* the run was cancelled */
    /* append only: never renumber, never remove */
} civis_status;

typedef struct civis_error {
    civis_status code; /* CIVIS_OK until something fails */
    long http_status;  /* 0 when no reply arrived */
    char param[64];    /* the offending parameter or field, or "" */
    char message[512]; /* one line, no trailing newline */
} civis_error;

#define CIVIS_ERROR_INIT                                                                           \
    {                                                                                              \
        CIVIS_OK, 0, "", ""                                                                        \
    }

/* A short constant description of a status code. Never returns NULL. */
CIVIS_EXTERN const char *civis_strerror(civis_status code);

/* Resets *err to CIVIS_ERROR_INIT. NULL is allowed. */
CIVIS_EXTERN void civis_error_clear(civis_error *err);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_ERROR_H */
