/* arena.c: see arena.h. */
#include "arena.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK 65536

struct civis_arena_block {
    civis_arena_block *next;
    size_t used;
    size_t cap;
    max_align_t data[]; /* flexible array aligned for any type */
};

void *civis__arena_alloc(civis_arena *arena, size_t size)
{
    const size_t align = sizeof(max_align_t);
    size = (size + align - 1) / align * align;
    civis_arena_block *b = arena->head;
    if (b == NULL || b->cap - b->used < size) {
        /* Oversized requests get a block of their own so the common block
         * size stays small. */
        size_t cap = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        b = malloc(sizeof(*b) + cap);
        if (b == NULL)
            return NULL;
        b->cap = cap;
        b->used = 0;
        b->next = arena->head;
        arena->head = b;
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

char *civis__arena_strndup(civis_arena *arena, const char *s, size_t len)
{
    char *p = civis__arena_alloc(arena, len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *civis__arena_strdup(civis_arena *arena, const char *s)
{
    return civis__arena_strndup(arena, s, strlen(s));
}

void civis__arena_free(civis_arena *arena)
{
    civis_arena_block *b = arena->head;
    while (b != NULL) {
        civis_arena_block *next = b->next;
        free(b);
        b = next;
    }
    arena->head = NULL;
}
