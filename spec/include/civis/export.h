/*
 * civis/export.h: which functions libcivis.so exports.
 *
 * The library is built with -fvisibility=hidden, so only a declaration
 * marked CIVIS_EXTERN (the documented civis_ functions of the public
 * headers) is visible to programs; the civis__ internals shared between
 * source files stay inside the library. `make check-exports` holds this.
 */
#ifndef CIVIS_EXPORT_H
#define CIVIS_EXPORT_H

#if defined(__GNUC__) && __GNUC__ >= 4
#define CIVIS_EXTERN __attribute__((visibility("default")))
#else
#define CIVIS_EXTERN
#endif

#endif /* CIVIS_EXPORT_H */
