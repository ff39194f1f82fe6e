/*
 * names.c: the name rules shared by every layer: the official client's
 * camel_to_snake, a capped edit distance and the did-you-mean pick built on it.
 */
#include <stdlib.h>
#include <string.h>

#include "spec_internal.h"

static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static int is_lower_or_digit(char c)
{
    return is_lower(c) || (c >= '0' && c <= '9');
}

/* Appends one byte if it fits, always counting it, so the caller learns the
 * length needed even when out is too small. */
static void put(char *out, size_t outlen, size_t *n, char c)
{
    if (*n + 1 < outlen)
        out[*n] = c;
    (*n)++;
}

/*
 * The official client runs two regex substitutions, then lowercases:
 *   1. (.)([A-Z][a-z]+)  -> \1_\2   (a capital starting a lowercase word)
 *   2. ([a-z0-9])([A-Z]) -> \1_\2   (a lowercase letter or digit before a capital)
 * Both scan left to right without overlapping matches. Instead of building
 * the intermediate string, pass 1 only marks the positions that receive an
 * underscore, and pass 2 looks at the string as pass 1 would have left it.
 * Linear, and no intermediate buffer.
 *
 * Only ASCII letters count as cased, as in the regex classes; other bytes
 * (UTF-8 included) pass through unchanged.
 */
size_t civis_camel_to_snake(char *out, size_t outlen, const char *in)
{
    size_t n = 0;
    if (in == NULL)
        in = "";
    size_t len = strlen(in);
    size_t next_scan = 0;     /* pass 1 tries its next match here */
    size_t mark = (size_t)-1; /* the capital pass 1 puts an underscore before */
    char prev = '\0';         /* the previous character of the pass-1 output */
    for (size_t i = 0; i < len; i++) {
        /* Pass 1: a match at i is in[i] (any char but '\n'), a capital, then
         * one or more lowercase letters; the scan resumes after the run. */
        if (i >= next_scan && i + 2 < len && in[i] != '\n' && is_upper(in[i + 1]) &&
            is_lower(in[i + 2])) {
            size_t j = i + 3;
            while (j < len && is_lower(in[j]))
                j++;
            mark = i + 1;
            next_scan = j;
        }
        char c = in[i];
        if (i == mark) {
            put(out, outlen, &n, '_');
            prev = '_';
        }
        /* Pass 2 on the pass-1 output: its two classes are disjoint, so a
         * match can never consume the start of the next one and a pairwise
         * test is exact. */
        if (is_upper(c) && is_lower_or_digit(prev))
            put(out, outlen, &n, '_');
        put(out, outlen, &n, is_upper(c) ? (char)(c - 'A' + 'a') : c);
        prev = c;
    }
    if (outlen > 0)
        out[n < outlen ? n : outlen - 1] = '\0';
    return n;
}

size_t civis_edit_distance(const char *a, const char *b, size_t cap)
{
    if (a == NULL)
        a = "";
    if (b == NULL)
        b = "";
    size_t la = strlen(a), lb = strlen(b);
    /* The distance is at least the length difference: no table needed. */
    if ((la > lb ? la - lb : lb - la) > cap)
        return cap + 1;
    if (lb > la) { /* keep the rows as short as the shorter string */
        const char *t = a;
        a = b;
        b = t;
        size_t tl = la;
        la = lb;
        lb = tl;
    }
    /* Three rows: the one before last is needed for a swap of neighbours. */
    size_t stack_rows[3 * 128];
    size_t *rows = stack_rows;
    if (3 * (lb + 1) > sizeof(stack_rows) / sizeof(stack_rows[0])) {
        rows = malloc(3 * (lb + 1) * sizeof(*rows));
        if (rows == NULL)
            return cap + 1; /* no memory: report "too far", never a false match */
    }
    size_t *older = rows, *prev = rows + lb + 1, *row = rows + 2 * (lb + 1);
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    size_t result = 0;
    for (size_t i = 1; i <= la; i++) {
        row[0] = i;
        size_t row_min = row[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t best = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                older[j - 2] + 1 < best)
                best = older[j - 2] + 1;
            row[j] = best;
            if (best < row_min)
                row_min = best;
        }
        /* A later row can undercut this one's minimum by a swap only
         * through the previous row, so both must be past the cap. */
        size_t prev_min = prev[0];
        for (size_t j = 1; j <= lb; j++)
            prev_min = prev[j] < prev_min ? prev[j] : prev_min;
        if (row_min > cap && prev_min > cap) {
            result = cap + 1;
            goto done;
        }
        size_t *t = older;
        older = prev;
        prev = row;
        row = t;
    }
    result = prev[lb] > cap ? cap + 1 : prev[lb];
done:
    if (rows != stack_rows)
        free(rows);
    return result;
}

/*
 * A name is suggested only when it is close: a quarter of the name's length
 * in edits (at least one, at most three), where a swap of two neighbours is
 * one edit ("scirpts" -> "scripts"). A real name that happens to look like
 * another ("exports" beside "imports", two edits in seven) gets none: a
 * wrong hint is worse than no hint. Ties go to the candidate that sorts
 * first, so the answer never depends on table order.
 */
const char *civis_suggest(const char *name, const char *const *candidates, size_t n)
{
    if (name == NULL || candidates == NULL)
        return NULL;
    size_t len = strlen(name);
    size_t cap = len / 4 < 1 ? 1 : len / 4 > 3 ? 3 : len / 4;
    const char *best = NULL;
    size_t best_d = cap + 1;
    for (size_t i = 0; i < n; i++) {
        if (candidates[i] == NULL)
            continue;
        size_t d = civis_edit_distance(name, candidates[i], best_d < cap ? best_d : cap);
        if (d > cap)
            continue;
        if (d < best_d || (d == best_d && strcmp(candidates[i], best) < 0)) {
            best = candidates[i];
            best_d = d;
        }
    }
    return best;
}
