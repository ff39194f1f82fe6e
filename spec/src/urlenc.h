/*
 * urlenc.h: percent-encoding for paths and query strings, and the small
 * growable byte buffer the encoders write into. Internal to the spec engine
 * and the layers that link it (the client builds URLs, the server decodes
 * them).
 */
#ifndef CIVIS_URLENC_H
#define CIVIS_URLENC_H

#include <stdbool.h>
#include <stddef.h>

/* A growable NUL-terminated byte string. Zero-initialise it; once an
 * allocation fails every later append is a no-op and oom stays set, so a
 * caller can append a whole sequence and check once at the end. */
typedef struct civis_urlbuf {
    char *data; /* owned; NULL until the first append */
    size_t len; /* bytes used, not counting the NUL */
    size_t cap; /* bytes allocated */
    bool oom;   /* an allocation failed; data holds what fit before it */
} civis_urlbuf;

typedef enum civis_urlenc_mode {
    CIVIS_URLENC_PATH = 0, /* one path segment: space -> %20, '/' -> %2F */
    CIVIS_URLENC_QUERY     /* a query key or value as Python's urlencode does it:
                              space -> '+' */
} civis_urlenc_mode;

/* Appends n bytes of s. Returns false (and sets b->oom) on allocation failure. */
bool civis__urlbuf_append(civis_urlbuf *b, const char *s, size_t n);
/* Appends a NUL-terminated string. */
bool civis__urlbuf_puts(civis_urlbuf *b, const char *s);
/* Hands over the bytes (never NULL on success: "" when nothing was
 * appended) and resets b. Returns NULL when b->oom is set or the empty
 * string cannot be allocated; the caller frees the result with free(). */
char *civis__urlbuf_take(civis_urlbuf *b);
/* Releases the bytes and resets b. */
void civis__urlbuf_free(civis_urlbuf *b);

/*
 * Appends s[0..n) percent-encoded: the RFC 3986 unreserved characters
 * A-Z a-z 0-9 - . _ ~ are kept, every other byte becomes %XX (uppercase
 * hex), except a space in CIVIS_URLENC_QUERY mode, which becomes '+'.
 */
bool civis__urlenc_append(civis_urlbuf *b, const char *s, size_t n, civis_urlenc_mode mode);

/*
 * Decodes s[0..n) into out (at least n + 1 bytes; out == s is allowed, the
 * decoded text is never longer). %XX with two hex digits becomes the byte; a
 * '%' not followed by two hex digits is kept as it is; '+' becomes a space
 * when plus_is_space. Returns the decoded length; out is NUL-terminated.
 * The result may contain NUL or invalid UTF-8 bytes: callers validate.
 */
size_t civis__urldecode(char *out, const char *s, size_t n, bool plus_is_space);

#endif /* CIVIS_URLENC_H */
