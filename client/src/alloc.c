/*
 * alloc.c: the one place libcivis allocates, so that tests can make
 * allocations fail (as hiredis' hiredisSetAllocators and jansson's
 * json_set_alloc_funcs allow). cJSON is pointed at the same functions, so
 * the cJSON values libcivis hands out and the ones you build with cJSON
 * come from one heap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

static civis_allocator current = {malloc, realloc, free};

void civis_set_allocator(const civis_allocator *allocator)
{
    if (allocator == NULL || allocator->malloc_fn == NULL || allocator->realloc_fn == NULL ||
        allocator->free_fn == NULL) {
        current = (civis_allocator){malloc, realloc, free};
        cJSON_InitHooks(NULL);
        return;
    }
    current = *allocator;
    cJSON_Hooks hooks = {allocator->malloc_fn, allocator->free_fn};
    cJSON_InitHooks(&hooks);
}

void *civis__malloc(size_t size)
{
    return current.malloc_fn(size ? size : 1);
}

void *civis__calloc(size_t n, size_t size)
{
    if (size != 0 && n > (size_t)-1 / size)
        return NULL;
    void *p = civis__malloc(n * size);
    if (p != NULL)
        memset(p, 0, (n * size) != 0 ? n * size : 1);
    return p;
}

void *civis__realloc(void *ptr, size_t size)
{
    return current.realloc_fn(ptr, size ? size : 1);
}

void civis__free(void *ptr)
{
    if (ptr != NULL)
        current.free_fn(ptr);
}

void civis_free(void *ptr)
{
    civis__free(ptr);
}

char *civis__strndup(const char *s, size_t n)
{
    if (s == NULL)
        return NULL;
    char *d = civis__malloc(n + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *civis__strdup(const char *s)
{
    return s ? civis__strndup(s, strlen(s)) : NULL;
}

char *civis__sprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = civis__malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}
