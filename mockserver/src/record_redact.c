/*
 * record_redact.c: what never reaches a cassette. The caller's API key (and
 * its HTTP Basic form) wherever it appears in a string, presigned-URL
 * credentials in query strings, and the values of secret fields (the
 * built-in list below and --redact NAME) are replaced by
 * CMOCK_RECORD_REDACTED. Request patterns drop those fields instead, and
 * the --match-ignore ones too, so that matching ignores them.
 *
 * Names compare without case, '_' or '-' (x-amz-signature, X_Amz_Signature,
 * xAmzSignature are one name), as the API's snake_case and camelCase are.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mock.h"
#include "../../spec/src/urlenc.h"
#include "record.h"

/* Presigned-URL and upload-form credentials (normalised). */
static const char *const builtin_secrets[] = {
    "xamzsignature",  "xamzcredential", "xamzsecuritytoken", "signature",
    "awsaccesskeyid", "policy",         "authorization",     "apikey",
};

/* Keys shorter than this are not searched for inside strings: every
 * occurrence of a two-letter test key would mangle the recording, and real
 * API keys are far longer. */
#define MIN_KEY_LEN 6

static void b64(const unsigned char *in, size_t n, char *out, size_t outlen)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if ((n + 2) / 3 * 4 + 1 > outlen) {
        out[0] = '\0';
        return;
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tbl[v & 63] : '=';
    }
    out[o] = '\0';
}

void cmock__record_redactor_init(cmock_redactor *r, const cmock_record_config *cfg, const char *key)
{
    memset(r, 0, sizeof(*r));
    r->key = key != NULL && strlen(key) >= MIN_KEY_LEN ? key : NULL;
    if (r->key != NULL) {
        char user[400];
        int n = snprintf(user, sizeof(user), "%s:", key);
        if (n > 0 && (size_t)n < sizeof(user))
            b64((const unsigned char *)user, (size_t)n, r->basic, sizeof(r->basic));
    }
    if (cfg != NULL) {
        r->names = cfg->redact;
        r->n_names = cfg->n_redact;
        r->ignore = cfg->ignore;
        r->n_ignore = cfg->n_ignore;
    }
}

/* Lower case without '_' and '-' into buf; false when it does not fit. */
static bool norm(const char *name, size_t n, char *buf, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c == '_' || c == '-')
            continue;
        if (o + 1 >= len)
            return false;
        buf[o++] = (char)tolower((unsigned char)c);
    }
    buf[o] = '\0';
    return true;
}

static bool listed(const char *name, size_t n, const char *const *list, size_t count)
{
    char a[128], b[128];
    if (!norm(name, n, a, sizeof(a)))
        return false;
    for (size_t i = 0; i < count; i++)
        if (norm(list[i], strlen(list[i]), b, sizeof(b)) && strcmp(a, b) == 0)
            return true;
    return false;
}

static bool secret_n(const cmock_redactor *r, const char *name, size_t n)
{
    char a[128];
    if (!norm(name, n, a, sizeof(a)))
        return false;
    /* The built-in names are written normalised: one pass over the name. */
    for (size_t i = 0; i < sizeof(builtin_secrets) / sizeof(builtin_secrets[0]); i++)
        if (strcmp(a, builtin_secrets[i]) == 0)
            return true;
    return r->n_names > 0 && listed(name, n, r->names, r->n_names);
}

bool cmock__record_secret_name(const cmock_redactor *r, const char *name)
{
    return secret_n(r, name, strlen(name));
}

bool cmock__record_ignored_name(const cmock_redactor *r, const char *name)
{
    return cmock__record_secret_name(r, name) ||
           (r->n_ignore > 0 && listed(name, strlen(name), r->ignore, r->n_ignore));
}

static void put(civis_urlbuf *b, const char *s, size_t n)
{
    civis__urlbuf_append(b, s, n);
}

static bool name_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.' || c == '%';
}

char *cmock__record_redact_text(const cmock_redactor *r, const char *s)
{
    civis_urlbuf b = {0};
    size_t klen = r->key ? strlen(r->key) : 0, blen = strlen(r->basic);
    bool in_query = false;
    for (size_t i = 0; s[i] != '\0';) {
        if (klen > 0 && strncmp(s + i, r->key, klen) == 0) {
            put(&b, CMOCK_RECORD_REDACTED, strlen(CMOCK_RECORD_REDACTED));
            i += klen;
            continue;
        }
        if (blen > 0 && strncmp(s + i, r->basic, blen) == 0) {
            put(&b, CMOCK_RECORD_REDACTED, strlen(CMOCK_RECORD_REDACTED));
            i += blen;
            continue;
        }
        char c = s[i];
        if (c == '?')
            in_query = true;
        else if (c == ' ' || c == '#' || c == '"')
            in_query = false;
        put(&b, s + i, 1);
        i++;
        if (!in_query || (c != '?' && c != '&'))
            continue;
        /* name=value of a query string: a credential's value goes. */
        size_t j = i;
        while (name_char(s[j]))
            j++;
        if (s[j] != '=' || j == i || !secret_n(r, s + i, j - i))
            continue;
        put(&b, s + i, j - i + 1);
        put(&b, CMOCK_RECORD_REDACTED, strlen(CMOCK_RECORD_REDACTED));
        i = j + 1;
        while (s[i] != '\0' && s[i] != '&' && s[i] != '#' && s[i] != ' ' && s[i] != '"')
            i++;
    }
    return civis__urlbuf_take(&b); /* "" for an empty text, NULL out of memory */
}

static bool redact_string(const cmock_redactor *r, cJSON *v)
{
    char *red = cmock__record_redact_text(r, v->valuestring);
    if (red == NULL)
        return false;
    if (strcmp(red, v->valuestring) != 0) {
        free(v->valuestring);
        v->valuestring = red; /* cJSON frees it with the item */
        return true;
    }
    free(red);
    return true;
}

bool cmock__record_redact_json(const cmock_redactor *r, cJSON *v, bool drop)
{
    if (v == NULL)
        return true;
    if (cJSON_IsString(v) && v->valuestring != NULL)
        return redact_string(r, v);
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
        return true;
    for (cJSON *c = v->child, *next = NULL; c != NULL; c = next) {
        next = c->next;
        if (cJSON_IsObject(v) && c->string != NULL) {
            bool secret = cmock__record_secret_name(r, c->string);
            if (drop && (secret || cmock__record_ignored_name(r, c->string))) {
                cJSON_Delete(cJSON_DetachItemViaPointer(v, c));
                continue;
            }
            if (secret && !cJSON_IsNull(c)) {
                cJSON *p = cJSON_CreateString(CMOCK_RECORD_REDACTED);
                char *name = p ? strdup(c->string) : NULL;
                if (name == NULL) {
                    cJSON_Delete(p);
                    return false;
                }
                p->string = name; /* ReplaceItemViaPointer keeps no name of its own */
                if (!cJSON_ReplaceItemViaPointer(v, c, p)) {
                    cJSON_Delete(p);
                    return false;
                }
                continue;
            }
        }
        if (!cmock__record_redact_json(r, c, drop))
            return false;
    }
    return true;
}

static int by_name(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string ? x->string : "", y->string ? y->string : "");
}

void cmock__record_sort_keys(cJSON *v)
{
    if (v == NULL || (!cJSON_IsObject(v) && !cJSON_IsArray(v)))
        return;
    size_t n = 0;
    for (cJSON *c = v->child; c != NULL; c = c->next) {
        cmock__record_sort_keys(c);
        n++;
    }
    if (!cJSON_IsObject(v) || n < 2)
        return;
    cJSON **items = malloc(n * sizeof(*items));
    if (items == NULL)
        return; /* left in the upstream's order: still valid, only less stable */
    size_t i = 0;
    for (cJSON *c = v->child; c != NULL; c = c->next)
        items[i++] = c;
    qsort(items, n, sizeof(*items), by_name);
    for (i = 0; i < n; i++) {
        items[i]->prev = i > 0 ? items[i - 1] : items[n - 1]; /* cJSON: head->prev is the tail */
        items[i]->next = i + 1 < n ? items[i + 1] : NULL;
    }
    v->child = items[0];
    free(items);
}
