/*
 * output.c: how an answer is printed. JSON keeps the API's key order and
 * camelCase names (as the official CLI's --json-output), indented by two
 * spaces or on one line; YAML is the official CLI's default rendering:
 * block style, keys sorted, strings quoted only where YAML would read them
 * as something else. cJSON prints the scalars, so numbers and string
 * escapes are the same in both.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

/* A scalar as cJSON prints it (numbers, escaped strings, true, null). */
static bool put_scalar(FILE *out, const cJSON *v)
{
    char *s = cJSON_PrintUnformatted(v);
    if (s == NULL)
        return false;
    bool ok = fputs(s, out) >= 0;
    cJSON_free(s);
    return ok;
}

static void indent(FILE *out, int n)
{
    for (int i = 0; i < n; i++)
        fputc(' ', out);
}

static bool put_json(FILE *out, const cJSON *v, int depth)
{
    bool is_obj = cJSON_IsObject(v);
    if (!is_obj && !cJSON_IsArray(v))
        return put_scalar(out, v);
    if (v->child == NULL)
        return fputs(is_obj ? "{}" : "[]", out) >= 0;
    fputc(is_obj ? '{' : '[', out);
    for (const cJSON *c = v->child; c != NULL; c = c->next) {
        fputc('\n', out);
        indent(out, (depth + 1) * 2);
        if (is_obj) {
            cJSON key = {.type = cJSON_String, .valuestring = c->string};
            if (!put_scalar(out, &key))
                return false;
            fputs(": ", out);
        }
        if (!put_json(out, c, depth + 1))
            return false;
        if (c->next != NULL)
            fputc(',', out);
    }
    fputc('\n', out);
    indent(out, depth * 2);
    return fputc(is_obj ? '}' : ']', out) != EOF;
}

/* ---- YAML ------------------------------------------------------------------ */

/* Whether a string can go unquoted: it must not read as another type or
 * hold a character YAML gives a meaning to. Everything else is written as
 * a JSON string, which is a valid YAML double-quoted scalar. */
static bool yaml_plain(const char *s)
{
    static const char *const words[] = {"true", "false", "yes", "no", "on",
                                        "off",  "null",  "~",   "y",  "n"};
    if (*s == '\0' || s[0] == ' ' || s[strlen(s) - 1] == ' ')
        return false;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcasecmp(s, words[i]) == 0)
            return false;
    char *end = NULL;
    strtod(s, &end);
    if (end != s)
        return false; /* starts like a number: 7, 1e3, 0x1f, .5 */
    if (strchr("-?:,[]{}#&*!|>'\"%@`.+=", s[0]) != NULL)
        return false;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c < 0x20 || c == 0x7f || c == '#' || c == '"' || c == '\\')
            return false;
        if (c == ':' && (p[1] == ' ' || p[1] == '\0'))
            return false;
    }
    return true;
}

static bool yaml_scalar(FILE *out, const cJSON *v)
{
    if (cJSON_IsString(v) && yaml_plain(v->valuestring))
        return fputs(v->valuestring, out) >= 0;
    return put_scalar(out, v);
}

static bool yaml_key(FILE *out, const char *k)
{
    cJSON key = {.type = cJSON_String, .valuestring = (char *)(uintptr_t)k};
    return yaml_scalar(out, &key);
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

static bool yaml_node(FILE *out, const cJSON *v, int ind, bool inline_first);

/* A mapping at column `ind`; with inline_first the first key continues the
 * current line (after "- "). */
static bool yaml_map(FILE *out, const cJSON *v, int ind, bool inline_first)
{
    size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
    const cJSON **items = malloc(n * sizeof *items);
    if (items == NULL)
        return false;
    for (const cJSON *c = v->child; c != NULL; c = c->next)
        items[i++] = c;
    qsort(items, n, sizeof *items, cmp_key);
    bool ok = true;
    for (i = 0; i < n && ok; i++) {
        const cJSON *c = items[i];
        if (i > 0 || !inline_first)
            indent(out, ind);
        ok = yaml_key(out, c->string) && fputc(':', out) != EOF;
        if (!ok)
            break;
        if (cJSON_IsObject(c) && c->child != NULL) {
            fputc('\n', out);
            ok = yaml_map(out, c, ind + 2, false);
        } else if (cJSON_IsArray(c) && c->child != NULL) {
            fputc('\n', out);
            ok = yaml_node(out, c, ind, false);
        } else {
            fputc(' ', out);
            ok = yaml_node(out, c, ind, false);
        }
    }
    free(items);
    return ok;
}

static bool yaml_node(FILE *out, const cJSON *v, int ind, bool inline_first)
{
    if (cJSON_IsObject(v) && v->child != NULL)
        return yaml_map(out, v, ind, inline_first);
    if (cJSON_IsArray(v) && v->child != NULL) {
        bool first = true;
        for (const cJSON *c = v->child; c != NULL; c = c->next) {
            if (!first || !inline_first)
                indent(out, ind);
            first = false;
            fputs("- ", out);
            if (!yaml_node(out, c, ind + 2, true))
                return false;
        }
        return true;
    }
    if (!yaml_scalar(out, v))
        return false;
    return fputc('\n', out) != EOF;
}

bool civis__cli_print(FILE *out, const cJSON *json, cli_format fmt)
{
    bool ok;
    if (fmt == CLI_YAML) {
        ok = yaml_node(out, json, 0, false);
    } else if (fmt == CLI_COMPACT) {
        ok = put_scalar(out, json) && fputc('\n', out) != EOF;
    } else {
        ok = put_json(out, json, 0) && fputc('\n', out) != EOF;
    }
    return ok && fflush(out) == 0;
}
