/*
 * auth.c: the API key of a request. The official client sends HTTP Basic
 * with the key as user name and an empty password; the spec's examples use
 * "Bearer KEY". Both are accepted; any key is valid, because the key only
 * partitions state between tests.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mock.h"

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+' || c == '-')
        return 62;
    if (c == '/' || c == '_')
        return 63;
    return -1;
}

/* Decodes base64, standard or URL-safe, padding optional. NULL when
 * malformed, or out of memory (then *oom is set). */
static char *b64_decode(const char *in, size_t n, size_t *out_len, bool *oom)
{
    while (n > 0 && in[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return NULL;
    char *out = malloc(n / 4 * 3 + 3);
    if (out == NULL) {
        *oom = true;
        return NULL;
    }
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value((unsigned char)in[i]);
        if (v < 0) {
            free(out);
            return NULL;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
}

static const char *skip_ws(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static size_t trimmed_len(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return n;
}

char *cmock__auth_key(const char *authorization, char *why, size_t whylen)
{
    if (authorization == NULL || *skip_ws(authorization) == '\0') {
        snprintf(why, whylen,
                 "No API key given: send HTTP Basic auth with the key as user name and an "
                 "empty password, or 'Authorization: Bearer KEY'.");
        return NULL;
    }
    const char *a = skip_ws(authorization);
    if (strncasecmp(a, "Bearer ", 7) == 0) {
        const char *k = skip_ws(a + 7);
        size_t n = trimmed_len(k);
        if (n == 0) {
            snprintf(why, whylen, "Empty Bearer token.");
            return NULL;
        }
        char *key = strndup(k, n);
        if (key == NULL)
            snprintf(why, whylen, "Out of memory.");
        return key;
    }
    if (strncasecmp(a, "Basic ", 6) == 0) {
        const char *enc = skip_ws(a + 6);
        size_t dlen = 0;
        bool oom = false;
        char *dec = b64_decode(enc, trimmed_len(enc), &dlen, &oom);
        if (dec == NULL) {
            snprintf(why, whylen, oom ? "Out of memory." : "Malformed Basic credentials.");
            return NULL;
        }
        char *colon = memchr(dec, ':', dlen);
        if (colon == NULL || colon == dec || memchr(dec, '\0', dlen) != NULL) {
            snprintf(why, whylen, "Basic credentials must be 'API_KEY:' (the key as user name).");
            free(dec);
            return NULL;
        }
        if ((size_t)(colon - dec) + 1 != dlen) {
            snprintf(why, whylen,
                     "Basic credentials carry a password; the API key goes in the user name "
                     "and the password must be empty.");
            free(dec);
            return NULL;
        }
        *colon = '\0';
        return dec;
    }
    /* Only a registered scheme name is echoed: a header with no scheme at
     * all is most likely the bare key, and the reason goes into the 401
     * body and the journal. */
    static const char *const schemes[] = {"Digest",
                                          "Negotiate",
                                          "NTLM",
                                          "Token",
                                          "OAuth",
                                          "HOBA",
                                          "Mutual",
                                          "vapid",
                                          "SCRAM-SHA-1",
                                          "SCRAM-SHA-256",
                                          "AWS4-HMAC-SHA256",
                                          "DPoP"};
    size_t scheme = strcspn(a, " \t");
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        if (strlen(schemes[i]) == scheme && strncasecmp(a, schemes[i], scheme) == 0) {
            snprintf(why, whylen, "Unsupported authorization scheme '%s': use Basic or Bearer.",
                     schemes[i]);
            return NULL;
        }
    }
    snprintf(why, whylen,
             "The Authorization header has no Basic or Bearer scheme (its value is not shown): "
             "send 'Basic base64(KEY:)' or 'Bearer KEY'.");
    return NULL;
}
