/*
 * arena.h: a bump allocator for the spec index. Everything built while
 * indexing lives exactly as long as the spec, so one free releases it all
 * and indexing 900 operations costs a handful of mallocs, not thousands.
 */
#ifndef CIVIS_ARENA_H
#define CIVIS_ARENA_H

#include <stddef.h>

typedef struct civis_arena_block civis_arena_block;

typedef struct civis_arena {
    civis_arena_block *head; /* newest block first */
} civis_arena;

/* size bytes aligned for any type, zeroed; NULL on allocation failure. */
void *civis__arena_alloc(civis_arena *arena, size_t size);
/* A copy of s (len bytes, NUL added); NULL on allocation failure. */
char *civis__arena_strndup(civis_arena *arena, const char *s, size_t len);
char *civis__arena_strdup(civis_arena *arena, const char *s);
void civis__arena_free(civis_arena *arena);

#endif /* CIVIS_ARENA_H */
