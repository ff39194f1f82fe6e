/*
 * args.c: the words of a generated command become libcivis arguments.
 * Required parameters are positional in the order the spec gives them
 * (civis_operation.params lists them first); optional ones are
 * --kebab-name VALUE or --kebab-name=VALUE. Values are converted by the
 * parameter's declared type here, so a typo is a usage error (exit 2)
 * before the client is asked to send anything.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

void civis__cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("civis: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void civis__cli_option_name(char *buf, size_t len, const char *snake)
{
    civis__cli_kebab(buf, len, snake);
}

void civis__cli_placeholder(char *buf, size_t len, const char *snake)
{
    size_t i = 0;
    for (; snake[i] != '\0' && i + 1 < len; i++)
        buf[i] = snake[i] == '-'
                     ? '_'
                     : (char)(snake[i] >= 'a' && snake[i] <= 'z' ? snake[i] - 32 : snake[i]);
    buf[i] = '\0';
}

/* Reads a whole file named after '@' (borrowed name); NULL with a message. */
static char *slurp(const char *what, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        civis__cli_error("%s: cannot read '%s': %s", what, path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len - 1, fp);
        len += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(fp) != 0;
    fclose(fp);
    if (buf == NULL || bad) {
        civis__cli_error("%s: cannot read '%s'%s", what, path,
                         buf == NULL ? ": out of memory" : "");
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* A JSON document from text or @FILE; NULL with a message naming the place. */
static cJSON *parse_json(const char *what, const char *word)
{
    char *owned = NULL;
    const char *text = word;
    if (word[0] == '@') {
        if ((owned = slurp(what, word + 1)) == NULL)
            return NULL;
        text = owned;
    }
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithOpts(text, &end, 1);
    if (json == NULL) {
        size_t at = end != NULL ? (size_t)(end - text) : 0;
        civis__cli_error("%s: not valid JSON%s%s near byte %zu", what, owned ? " in " : "",
                         owned ? word + 1 : "", at);
    }
    free(owned);
    return json;
}

const char *civis__cli_type_name(civis_type type)
{
    switch (type) {
    case CIVIS_TYPE_STRING: return "string";
    case CIVIS_TYPE_INTEGER: return "integer";
    case CIVIS_TYPE_NUMBER: return "number";
    case CIVIS_TYPE_BOOLEAN: return "boolean";
    case CIVIS_TYPE_ARRAY: return "array";
    case CIVIS_TYPE_OBJECT: return "object";
    default: return "any";
    }
}

/* A scalar of the given type from one word; NULL (with a message) when it does not fit. */
static cJSON *scalar(const char *what, civis_type type, const char *word)
{
    char *end = NULL;
    switch (type) {
    case CIVIS_TYPE_INTEGER: {
        errno = 0;
        long long v = strtoll(word, &end, 10);
        if (*word == '\0' || *end != '\0' || errno != 0) {
            civis__cli_error("%s must be an integer, got '%s'", what, word);
            return NULL;
        }
        /* cJSON keeps numbers as doubles: beyond 2^53 the id would change. */
        if (v > 9007199254740992LL || v < -9007199254740992LL) {
            civis__cli_error("%s: %s is too large for a JSON number", what, word);
            return NULL;
        }
        return cJSON_CreateNumber((double)v);
    }
    case CIVIS_TYPE_NUMBER: {
        errno = 0;
        double v = strtod(word, &end);
        if (*word == '\0' || *end != '\0' || errno != 0) {
            civis__cli_error("%s must be a number, got '%s'", what, word);
            return NULL;
        }
        return cJSON_CreateNumber(v);
    }
    case CIVIS_TYPE_BOOLEAN:
        if (strcasecmp(word, "true") == 0)
            return cJSON_CreateTrue();
        if (strcasecmp(word, "false") == 0)
            return cJSON_CreateFalse();
        civis__cli_error("%s must be true or false, got '%s'", what, word);
        return NULL;
    case CIVIS_TYPE_STRING: return cJSON_CreateString(word);
    default: /* no declared type: JSON when it parses, else the text */
    {
        cJSON *j = cJSON_Parse(word);
        return j != NULL ? j : cJSON_CreateString(word);
    }
    }
}

cJSON *civis__cli_value(const char *what, civis_type type, civis_type item_type, const char *word)
{
    if (type == CIVIS_TYPE_OBJECT || type == CIVIS_TYPE_ARRAY) {
        /* An array of scalars also takes one bare value: --state running. */
        bool json_like = word[0] == '@' || word[0] == '[' || word[0] == '{';
        if (type == CIVIS_TYPE_ARRAY && !json_like && item_type != CIVIS_TYPE_OBJECT &&
            item_type != CIVIS_TYPE_ARRAY) {
            cJSON *arr = cJSON_CreateArray();
            cJSON *item = arr != NULL ? scalar(what, item_type, word) : NULL;
            if (item == NULL || !cJSON_AddItemToArray(arr, item)) {
                cJSON_Delete(item);
                cJSON_Delete(arr);
                return NULL;
            }
            return arr;
        }
        cJSON *j = parse_json(what, word);
        if (j == NULL)
            return NULL;
        bool ok = type == CIVIS_TYPE_OBJECT ? cJSON_IsObject(j) : cJSON_IsArray(j);
        if (!ok) {
            civis__cli_error("%s must be a JSON %s (text or @FILE)", what,
                             civis__cli_type_name(type));
            cJSON_Delete(j);
            return NULL;
        }
        return j;
    }
    return scalar(what, type, word);
}

/* Adds one value; a repeated array option appends, any other repeat is a usage error. */
static bool put(cJSON *args, const civis_param *p, const char *what, const char *word)
{
    cJSON *v = civis__cli_value(what, p->type, p->item_type, word);
    if (v == NULL)
        return false;
    cJSON *old = cJSON_GetObjectItemCaseSensitive(args, p->name);
    if (old != NULL && cJSON_IsArray(old) && cJSON_IsArray(v)) {
        cJSON *item;
        while ((item = cJSON_DetachItemFromArray(v, 0)) != NULL)
            cJSON_AddItemToArray(old, item);
        cJSON_Delete(v);
        return true;
    }
    if (old != NULL) {
        civis__cli_error("%s given twice", what);
        cJSON_Delete(v);
        return false;
    }
    if (!cJSON_AddItemToObject(args, p->name, v)) {
        cJSON_Delete(v);
        civis__cli_error("out of memory");
        return false;
    }
    return true;
}

/* The optional parameter an option names (kebab or snake, with or without
 * the leading dashes stripped), or NULL with a did-you-mean. */
static const civis_param *find_option(const civis_operation *op, const char *name, size_t n,
                                      char *suggest, size_t suggest_len)
{
    char want[160];
    if (n >= sizeof want)
        n = sizeof want - 1;
    for (size_t i = 0; i < n; i++)
        want[i] = name[i] == '-' ? '_' : name[i];
    want[n] = '\0';
    const char *cands[512];
    char kebabs[512][80];
    size_t m = 0;
    for (size_t i = 0; i < op->n_params; i++) {
        const civis_param *p = &op->params[i];
        if (strcmp(p->name, want) == 0)
            return p;
        if (m < 512) {
            civis__cli_option_name(kebabs[m], sizeof kebabs[m], p->name);
            cands[m] = kebabs[m];
            m++;
        }
    }
    char kebab[160];
    civis__cli_option_name(kebab, sizeof kebab, want);
    const char *s = civis_suggest(kebab, cands, m);
    snprintf(suggest, suggest_len, "%s", s != NULL ? s : "");
    return NULL;
}

cJSON *civis__cli_parse_args(const cli_command *cmd, int argc, char **argv)
{
    const civis_operation *op = cmd->op;
    cJSON *args = cJSON_CreateObject();
    if (args == NULL) {
        civis__cli_error("out of memory");
        return NULL;
    }
    size_t next_pos = 0; /* index into op->params of the next required one */
    bool options_done = false;
    char what[200];
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (!options_done && strcmp(w, "--") == 0) {
            options_done = true;
            continue;
        }
        if (!options_done && w[0] == '-' && w[1] == '-') {
            const char *name = w + 2;
            const char *eq = strchr(name, '=');
            size_t n = eq != NULL ? (size_t)(eq - name) : strlen(name);
            char suggest[80];
            const civis_param *p = find_option(op, name, n, suggest, sizeof suggest);
            if (p == NULL) {
                civis__cli_error("unknown option '--%.*s' for %s %s%s%s%s", (int)n, name,
                                 cmd->resource, cmd->name, *suggest ? " (did you mean '--" : "",
                                 suggest, *suggest ? "'?)" : "");
                goto usage;
            }
            char opt[100];
            civis__cli_option_name(opt, sizeof opt, p->name);
            snprintf(what, sizeof what, "--%s", opt);
            const char *value = eq != NULL ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (value == NULL) {
                civis__cli_error("option --%s needs a value (%s)", opt,
                                 civis__cli_type_name(p->type));
                goto usage;
            }
            if (!put(args, p, what, value))
                goto usage;
            continue;
        }
        /* A positional: the next required parameter not given as an option. */
        while (next_pos < op->n_params && op->params[next_pos].required &&
               cJSON_GetObjectItemCaseSensitive(args, op->params[next_pos].name) != NULL)
            next_pos++;
        if (next_pos >= op->n_params || !op->params[next_pos].required) {
            civis__cli_error("unexpected argument '%s' for %s %s (see civis %s %s --help)", w,
                             cmd->resource, cmd->name, cmd->resource, cmd->name);
            goto usage;
        }
        const civis_param *p = &op->params[next_pos++];
        char ph[100];
        civis__cli_placeholder(ph, sizeof ph, p->name);
        snprintf(what, sizeof what, "%s", ph);
        if (!put(args, p, what, w))
            goto usage;
    }
    for (size_t k = 0; k < op->n_params; k++) {
        const civis_param *p = &op->params[k];
        if (p->required && cJSON_GetObjectItemCaseSensitive(args, p->name) == NULL) {
            char ph[100];
            civis__cli_placeholder(ph, sizeof ph, p->name);
            civis__cli_error("missing argument %s (%s) for %s %s", ph,
                             civis__cli_type_name(p->type), cmd->resource, cmd->name);
            goto usage;
        }
    }
    return args;
usage:
    cJSON_Delete(args);
    return NULL;
}
