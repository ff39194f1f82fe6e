/* error.c: status texts and the first-error-wins recorder. */
#include <stdio.h>
#include <string.h>

#include "spec_internal.h"

const char *civis_strerror(civis_status code)
{
    switch (code) {
    case CIVIS_OK: return "success";
    case CIVIS_EINVAL: return "invalid argument";
    case CIVIS_ENOMEM: return "out of memory";
    case CIVIS_ETRANSPORT: return "transport error";
    case CIVIS_EHTTP: return "HTTP error";
    case CIVIS_ENOTFOUND: return "not found";
    case CIVIS_EPARSE: return "parse error";
    case CIVIS_EAUTH: return "authentication error";
    case CIVIS_ESPEC: return "malformed API spec";
    case CIVIS_EMETHOD: return "method not allowed";
    case CIVIS_EJOB: return "job failed";
    case CIVIS_ETIMEOUT: return "timed out";
    case CIVIS_EEMPTY: return "empty result";
    case CIVIS_EIO: return "I/O error";
    case CIVIS_ECANCELLED: return "cancelled";
    }
    return "unknown error";
}

void civis_error_clear(civis_error *err)
{
    if (err == NULL)
        return;
    err->code = CIVIS_OK;
    err->http_status = 0;
    err->param[0] = '\0';
    err->message[0] = '\0';
}

civis_status civis__vfail(civis_error *err, civis_status code, const char *param, const char *fmt,
                          va_list ap)
{
    /* The first error wins: a failure during cleanup must not hide the
     * root cause. */
    if (err == NULL || err->code != CIVIS_OK)
        return code;
    err->code = code;
    snprintf(err->param, sizeof(err->param), "%s", param ? param : "");
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    return code;
}

civis_status civis__fail(civis_error *err, civis_status code, const char *param, const char *fmt,
                         ...)
{
    va_list ap;
    va_start(ap, fmt);
    civis__vfail(err, code, param, fmt, ap);
    va_end(ap);
    return code;
}
