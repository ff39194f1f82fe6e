/*
 * sim_sql_translate.c: Redshift SQL into SQLite SQL, token by token.
 *
 * The translation covers the idioms people write most and nothing more;
 * anything it knows SQLite would run differently fails with the construct
 * named, so a test never passes on a wrong answer:
 *
 *   x::type                CAST(x AS type); ::date -> date(x),
 *                          ::timestamp -> datetime(x), ::boolean -> civis_bool(x)
 *   a ILIKE b              a LIKE b (SQLite's LIKE ignores ASCII case)
 *   GETDATE(), SYSDATE     datetime('now')
 *   NVL(a, b), LEN(s)      coalesce(a, b), length(s)
 *   TRUNCATE [TABLE] t     DELETE FROM t
 *   public.t               main.t (the default schema)
 *   CREATE SCHEMA [IF NOT EXISTS] s   attaches s (the statement itself runs nothing)
 *
 * VARCHAR(n), DOUBLE PRECISION, BOOLEAN, TIMESTAMP, DATE, CREATE TABLE ... AS
 * need no translation: SQLite takes them as they are.
 *
 * Refused with the construct named: DISTKEY, SORTKEY, DISTSTYLE, ENCODE,
 * INTERLEAVED, LISTAGG, and statements starting with UNLOAD, COPY, GRANT,
 * REVOKE, SET, VACUUM, DROP SCHEMA.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sim_sql.h"

typedef enum tok_kind { T_WS, T_STR, T_QIDENT, T_NUM, T_IDENT, T_PUNCT } tok_kind;

typedef struct tok {
    tok_kind kind;
    const char *s;
    size_t n;
    const char *repl; /* replaces the token's text when set (static) */
    char pre[48];     /* text before the token ("CAST(") */
    char post[16];    /* text after it (")") */
    long group;       /* the first token of the operand this token closes, or -1 */
} tok;

typedef struct toks {
    tok *v;
    size_t n, cap;
} toks;

static bool push(toks *t, tok_kind kind, const char *s, size_t n)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        tok *v = realloc(t->v, cap * sizeof(*v));
        if (v == NULL)
            return false;
        t->v = v;
        t->cap = cap;
    }
    tok *k = &t->v[t->n++];
    memset(k, 0, sizeof(*k));
    k->kind = kind;
    k->s = s;
    k->n = n;
    k->group = -1;
    return true;
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* Splits `sql` into tokens; comments count as white space. */
static bool tokenize(toks *t, const char *sql)
{
    const char *p = sql;
    while (*p != '\0') {
        const char *b = p;
        tok_kind k;
        if (isspace((unsigned char)*p)) {
            while (isspace((unsigned char)*p))
                p++;
            k = T_WS;
        } else if (p[0] == '-' && p[1] == '-') {
            while (*p != '\0' && *p != '\n')
                p++;
            k = T_WS;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
            k = T_WS;
        } else if (*p == '\'' || *p == '"') {
            char q = *p++;
            while (*p != '\0' && !(*p == q && p[1] != q)) {
                if (*p == q)
                    p++; /* a doubled quote */
                p++;
            }
            if (*p == q)
                p++;
            k = q == '\'' ? T_STR : T_QIDENT;
        } else if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
            while (isalnum((unsigned char)*p) || *p == '.')
                p++;
            k = T_NUM;
        } else if (ident_char(*p)) {
            while (ident_char(*p))
                p++;
            k = T_IDENT;
        } else {
            p += p[0] == ':' && p[1] == ':' ? 2 : 1;
            k = T_PUNCT;
        }
        if (!push(t, k, b, (size_t)(p - b)))
            return false;
    }
    return true;
}

static bool is(const tok *k, const char *word)
{
    return (k->kind == T_IDENT || k->kind == T_PUNCT) && strlen(word) == k->n &&
           strncasecmp(k->s, word, k->n) == 0;
}

static long next_sig(const toks *t, long i)
{
    for (i++; i < (long)t->n; i++)
        if (t->v[i].kind != T_WS)
            return i;
    return -1;
}

static long prev_sig(const toks *t, long i)
{
    for (i--; i >= 0; i--)
        if (t->v[i].kind != T_WS)
            return i;
    return -1;
}

/* Words before "(" that make it a parenthesized expression, not a call. */
static bool keyword(const tok *k)
{
    static const char *const words[] = {"select", "from",  "where", "and",    "or",    "not",
                                        "in",     "on",    "as",    "by",     "when",  "then",
                                        "else",   "case",  "join",  "having", "is",    "like",
                                        "values", "using", "all",   "any",    "exists"};
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (is(k, words[i]))
            return true;
    return false;
}

/* Prepends or appends text; false when the token has no room left (casts
 * nested deeper than anyone writes). */
static bool add_pre(tok *k, const char *text)
{
    size_t a = strlen(text), b = strlen(k->pre);
    if (a + b + 1 > sizeof(k->pre))
        return false;
    memmove(k->pre + a, k->pre, b + 1);
    memcpy(k->pre, text, a);
    return true;
}

static bool add_post(tok *k, const char *text)
{
    size_t a = strlen(text), b = strlen(k->post);
    if (a + b + 1 > sizeof(k->post))
        return false;
    memcpy(k->post + b, text, a + 1);
    return true;
}

/* Matches parentheses: each ")" gets the index of its "(" in `group`. */
static bool match_parens(toks *t, char *error, size_t errlen)
{
    long *stack = malloc((t->n + 1) * sizeof(long));
    if (stack == NULL) {
        snprintf(error, errlen, "out of memory");
        return false;
    }
    size_t depth = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (is(&t->v[i], "("))
            stack[depth++] = (long)i;
        else if (is(&t->v[i], ")") && depth > 0)
            t->v[i].group = stack[--depth];
    }
    free(stack);
    return true;
}

/* Rewrites the cast at index c ("::"). */
static bool cast(toks *t, long c, char *error, size_t errlen)
{
    long p = prev_sig(t, c);
    if (p < 0) {
        snprintf(error, errlen, "cannot translate '::' with nothing before it");
        return false;
    }
    long start = p;
    tok *pk = &t->v[p];
    if (pk->group >= 0) {
        start = pk->group;
        long f = prev_sig(t, start);
        if (is(&t->v[start], "(") && f >= 0 && t->v[f].kind == T_IDENT && !keyword(&t->v[f]))
            start = f;
    } else if (pk->kind == T_IDENT || pk->kind == T_QIDENT) {
        for (;;) {
            long dot = prev_sig(t, start);
            long before = dot >= 0 ? prev_sig(t, dot) : -1;
            if (dot < 0 || before < 0 || !is(&t->v[dot], ".") ||
                (t->v[before].kind != T_IDENT && t->v[before].kind != T_QIDENT))
                break;
            start = before;
        }
    } else if (pk->kind != T_STR && pk->kind != T_NUM) {
        snprintf(error, errlen, "cannot translate the cast '::' after '%.*s'", (int)pk->n, pk->s);
        return false;
    }
    long ty = next_sig(t, c);
    if (ty < 0 || t->v[ty].kind != T_IDENT) {
        snprintf(error, errlen, "cannot translate '::' without a type name after it");
        return false;
    }
    long end = ty;
    for (long nx = next_sig(t, end); nx >= 0; nx = next_sig(t, end)) {
        static const char *const more[] = {"precision", "varying", "without",
                                           "with",      "time",    "zone"};
        bool word = false;
        for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
            word = word || is(&t->v[nx], more[i]);
        if (word) {
            end = nx;
            continue;
        }
        if (is(&t->v[nx], "(")) {
            long close = nx;
            while (close < (long)t->n && t->v[close].group != nx)
                close++;
            if (close < (long)t->n)
                end = close;
        }
        break;
    }
    const tok *tn = &t->v[ty];
    const char *fn = NULL;
    if (is(tn, "date"))
        fn = "date(";
    else if (is(tn, "timestamp") || is(tn, "timestamptz"))
        fn = "datetime(";
    else if (is(tn, "boolean") || is(tn, "bool"))
        fn = "civis_bool(";
    bool room;
    if (fn != NULL) {
        room = add_pre(&t->v[start], fn);
        for (long i = c; i <= end; i++)
            t->v[i].repl = "";
    } else {
        room = add_pre(&t->v[start], "CAST(");
        t->v[c].repl = " AS ";
    }
    if (!room || !add_post(&t->v[end], ")")) {
        snprintf(error, errlen, "casts with '::' nested too deeply");
        return false;
    }
    t->v[end].group = start;
    return true;
}

static bool refuse(const tok *k, char *error, size_t errlen, const char *why)
{
    snprintf(error, errlen, "civis-mock cannot run the Redshift construct %.*s (%s)", (int)k->n,
             k->s, why);
    return false;
}

/* Statement-level rules at the first token of a statement. */
static bool statement(toks *t, long first, char *error, size_t errlen, char (*schemas)[64],
                      size_t max_schemas, size_t *n_schemas)
{
    tok *k = &t->v[first];
    static const char *const refused[] = {"unload", "copy", "grant", "revoke", "set", "vacuum"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        if (is(k, refused[i]))
            return refuse(k, error, errlen, "statement not supported by its SQL engine");
    long second = next_sig(t, first);
    if (is(k, "truncate")) {
        k->repl = "DELETE FROM";
        if (second >= 0 && is(&t->v[second], "table"))
            t->v[second].repl = "";
        return true;
    }
    if (second < 0 || !is(&t->v[second], "schema"))
        return true;
    if (is(k, "drop"))
        return refuse(&t->v[second], error, errlen, "DROP SCHEMA is not supported");
    if (!is(k, "create"))
        return true;
    long name = next_sig(t, second);
    if (name >= 0 && is(&t->v[name], "if")) {
        long n2 = next_sig(t, name);
        long n3 = n2 >= 0 ? next_sig(t, n2) : -1;
        name = n3 >= 0 ? next_sig(t, n3) : -1;
    }
    if (name < 0 || (t->v[name].kind != T_IDENT && t->v[name].kind != T_QIDENT)) {
        snprintf(error, errlen, "CREATE SCHEMA needs a schema name");
        return false;
    }
    if (*n_schemas < max_schemas) {
        const tok *nk = &t->v[name];
        size_t off = nk->kind == T_QIDENT ? 1 : 0;
        size_t len = nk->n - 2 * off;
        snprintf(schemas[*n_schemas], 64, "%.*s", (int)(len < 63 ? len : 63), nk->s + off);
        for (char *c = schemas[*n_schemas]; *c; c++)
            *c = nk->kind == T_QIDENT ? *c : (char)tolower((unsigned char)*c);
        (*n_schemas)++;
    }
    /* The statement becomes empty: the schema is attached before the script runs. */
    for (long i = first; i < (long)t->n && !is(&t->v[i], ";"); i++)
        t->v[i].repl = "";
    return true;
}

static char *render(const toks *t)
{
    size_t len = 1;
    for (size_t i = 0; i < t->n; i++)
        len += strlen(t->v[i].pre) + strlen(t->v[i].post) +
               (t->v[i].repl ? strlen(t->v[i].repl) : t->v[i].n);
    char *out = malloc(len);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < t->n; i++) {
        const tok *k = &t->v[i];
        size_t a = strlen(k->pre);
        memcpy(out + o, k->pre, a);
        o += a;
        const char *body = k->repl ? k->repl : k->s;
        size_t b = k->repl ? strlen(k->repl) : k->n;
        memcpy(out + o, body, b);
        o += b;
        size_t c = strlen(k->post);
        memcpy(out + o, k->post, c);
        o += c;
    }
    out[o] = '\0';
    return out;
}

char *cmock__sql_translate(const char *sql, char *error, size_t errlen, char (*schemas)[64],
                           size_t max_schemas, size_t *n_schemas)
{
    toks t = {0};
    *n_schemas = 0;
    char *out = NULL;
    if (!tokenize(&t, sql)) {
        snprintf(error, errlen, "out of memory");
        goto done;
    }
    if (!match_parens(&t, error, errlen))
        goto done;
    bool at_start = true;
    for (long i = 0; i < (long)t.n; i++) {
        tok *k = &t.v[i];
        if (k->kind == T_WS)
            continue;
        if (at_start && !is(k, ";")) {
            at_start = false;
            if (!statement(&t, i, error, errlen, schemas, max_schemas, n_schemas))
                goto done;
        }
        if (is(k, ";")) {
            at_start = true;
        } else if (is(k, "::")) {
            if (!cast(&t, i, error, errlen))
                goto done;
        } else if (is(k, "ilike")) {
            k->repl = "LIKE";
        } else if (is(k, "sysdate")) {
            k->repl = "datetime('now')";
        } else if (is(k, "getdate")) {
            long open = next_sig(&t, i);
            long close = open >= 0 ? next_sig(&t, open) : -1;
            if (open < 0 || close < 0 || !is(&t.v[open], "(") || !is(&t.v[close], ")")) {
                snprintf(error, errlen, "GETDATE takes no arguments: GETDATE()");
                goto done;
            }
            k->repl = "datetime";
            (void)add_post(&t.v[open], "'now'"); /* "(" has no other text */
        } else if (is(k, "nvl")) {
            k->repl = "coalesce";
        } else if (is(k, "len")) {
            long open = next_sig(&t, i);
            if (open >= 0 && is(&t.v[open], "("))
                k->repl = "length";
        } else if (is(k, "public")) {
            long dot = next_sig(&t, i);
            if (dot >= 0 && is(&t.v[dot], "."))
                k->repl = "main";
        } else if (k->kind == T_QIDENT && k->n == 8 && strncmp(k->s, "\"public\"", 8) == 0) {
            long dot = next_sig(&t, i);
            if (dot >= 0 && is(&t.v[dot], "."))
                k->repl = "main";
        } else {
            static const char *const refused[] = {"distkey", "sortkey",     "diststyle",
                                                  "encode",  "interleaved", "listagg"};
            for (size_t r = 0; r < sizeof(refused) / sizeof(refused[0]); r++)
                if (is(k, refused[r])) {
                    refuse(k, error, errlen, "not supported by its SQL engine");
                    goto done;
                }
        }
    }
    out = render(&t);
    if (out == NULL)
        snprintf(error, errlen, "out of memory");
done:
    free(t.v);
    return out;
}
