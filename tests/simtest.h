/*
 * simtest.h: helpers shared by the simulation suites (test_civismock_sim_*.c):
 * JSON field access, creating objects, the /__mock/sim admin calls, and
 * plain HTTP against the absolute addresses the server hands out (presigned
 * uploads and downloads), streamed so that large files never sit in the
 * test's memory.
 */
#ifndef CIVIS_TEST_SIMTEST_H
#define CIVIS_TEST_SIMTEST_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "mockproc.h"

/* A number field, or -1 when absent or not a number. */
double civis_simtest_num(const cJSON *o, const char *name);
/* A string field (borrowed), or NULL. */
const char *civis_simtest_str(const cJSON *o, const char *name);

/* POSTs `body` to `path` with `key` and returns the new object's id (or
 * its runId), -1 when the status is not 2xx. *out (may be NULL) gets the
 * parsed answer, owned by the caller; *status (may be NULL) the status. */
long civis_simtest_post(cJSON **out, long *status, const civis_mockproc *mp, const char *key,
                        const char *path, const char *body);

/* An admin call with X-Civis-Mock-Key: key (when not NULL) and the given
 * content type; returns the status, *out (may be NULL) the JSON answer. */
long civis_simtest_admin(cJSON **out, const civis_mockproc *mp, const char *method,
                         const char *path, const char *key, const char *content_type,
                         const char *body);

/* GET of an absolute URL without auth; the body (NUL-terminated, malloc'd)
 * in *body, its length in *len. Returns the status (0: no reply). */
long civis_simtest_get_url(char **body, size_t *len, const char *url);

/* Creates a File of `key` named `name` and uploads `len` bytes of `data`
 * through its presigned form; returns its id, -1 on any failure. */
long civis_simtest_upload(const civis_mockproc *m, const char *key, const char *name,
                          const char *data, size_t len);

/* Deterministic bytes: fills buf with the stream of `seed` from `offset`. */
void civis_simtest_bytes(uint64_t seed, uint64_t offset, unsigned char *buf, size_t len);

/* Sends `size` bytes of the seed's stream as the body of `method` to `url`
 * (no auth), generated chunk by chunk. *crc gets their zlib crc32.
 * Returns the status. */
long civis_simtest_put_stream(const char *url, const char *method, uint64_t seed, uint64_t offset,
                              uint64_t size, unsigned long *crc);

/* Downloads `url` (no auth) chunk by chunk; *size and *crc describe what
 * arrived. Returns the status. */
long civis_simtest_download_crc(const char *url, uint64_t *size, unsigned long *crc);

/* The crc32 of `size` bytes of the seed's stream from `offset`. */
unsigned long civis_simtest_crc(uint64_t seed, uint64_t offset, uint64_t size);

/* A field of /proc/PID/status in kB ("VmRSS", "VmHWM"), or -1. */
long civis_simtest_proc_kb(long pid, const char *field);

/* The path with every "{}" of a collection key replaced by `id`. */
void civis_simtest_fill(char *out, size_t len, const char *key, long id);

#endif
