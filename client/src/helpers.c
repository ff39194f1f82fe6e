/*
 * helpers.c: the official client's lookup helpers, memoised per client for
 * the client's lifetime as its lru_cache does. The memo is a short list
 * behind a mutex; the network call happens outside the lock, so two
 * threads asking at once may both fetch, and the first answer stored wins.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client_internal.h"

typedef struct memo_entry {
    char *key;
    long long id;
    cJSON *json; /* for the user object; NULL otherwise */
    struct memo_entry *next;
} memo_entry;

struct civis_memo {
    memo_entry *head;
};

void civis__memo_free(civis_memo *memo)
{
    if (memo == NULL)
        return;
    for (memo_entry *e = memo->head; e != NULL;) {
        memo_entry *next = e->next;
        civis__free(e->key);
        cJSON_Delete(e->json);
        civis__free(e);
        e = next;
    }
    civis__free(memo);
}

/* Looks key up; on a hit fills *id / *json and returns true. */
static bool memo_get(civis_client *c, const char *key, long long *id, const cJSON **json)
{
    bool hit = false;
    pthread_mutex_lock(&c->memo_lock);
    for (memo_entry *e = c->memo ? c->memo->head : NULL; e != NULL; e = e->next)
        if (strcmp(e->key, key) == 0) {
            if (id != NULL)
                *id = e->id;
            if (json != NULL)
                *json = e->json;
            hit = true;
            break;
        }
    pthread_mutex_unlock(&c->memo_lock);
    return hit;
}

/*
 * Stores a value (json is taken over). When another thread stored the key
 * first, its value is kept and returned through *stored; failing to
 * allocate only costs the memo, never the answer.
 */
static void memo_put(civis_client *c, const char *key, long long id, cJSON *json,
                     const cJSON **stored)
{
    pthread_mutex_lock(&c->memo_lock);
    memo_entry *e = NULL;
    for (e = c->memo ? c->memo->head : NULL; e != NULL; e = e->next)
        if (strcmp(e->key, key) == 0)
            break;
    if (e == NULL) {
        if (c->memo == NULL)
            c->memo = civis__calloc(1, sizeof(*c->memo));
        e = c->memo ? civis__calloc(1, sizeof(*e)) : NULL;
        char *k = e ? civis__strdup(key) : NULL;
        if (k != NULL) {
            e->key = k;
            e->id = id;
            e->json = json;
            json = NULL;
            e->next = c->memo->head;
            c->memo->head = e;
        } else {
            civis__free(e);
            e = NULL;
        }
    }
    if (stored != NULL)
        *stored = e ? e->json : NULL;
    pthread_mutex_unlock(&c->memo_lock);
    cJSON_Delete(json);
}

/* "32" -> 32; false when s is not a plain decimal number. */
static bool numeric(const char *s, long long *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

/* GET a list, then the id of the entry named `name`. */
static civis_status id_by_name(long long *out, civis_client *c, const char *resource,
                               const char *what, const char *param, const char *name,
                               civis_error *err)
{
    civis_response *resp = NULL;
    civis_status st = civis_call(&resp, c, resource, "list", NULL, err);
    if (st != CIVIS_OK)
        return st;
    const cJSON *hit =
        civis_find_onev(civis_response_json(resp), "name", CIVIS_STR(name), CIVIS_END);
    if (hit == NULL)
        st = civis__fail(err, CIVIS_ENOTFOUND, param, "%s %s not found.", what, name);
    else
        st = civis_json_int(out, hit, "id", err);
    civis_response_free(resp);
    return st;
}

static civis_status named_id(long long *out, civis_client *c, const char *name,
                             const char *resource, const char *what, const char *param,
                             civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    if (c == NULL)
        return civis__fail(err, CIVIS_EINVAL, "client", "no client given");
    if (name == NULL || *name == '\0')
        return civis__fail(err, CIVIS_EINVAL, param, "invalid argument '%s': must not be empty",
                           param);
    if (numeric(name, out))
        return CIVIS_OK;
    char key[512];
    snprintf(key, sizeof(key), "%s\x1f%s", resource, name);
    if (strlen(key) < sizeof(key) - 1 && memo_get(c, key, out, NULL))
        return CIVIS_OK;
    long long id = 0;
    civis_status st = id_by_name(&id, c, resource, what, param, name, err);
    if (st != CIVIS_OK)
        return st;
    if (strlen(key) < sizeof(key) - 1)
        memo_put(c, key, id, NULL, NULL);
    *out = id;
    return CIVIS_OK;
}

civis_status civis_get_database_id(long long *out, civis_client *client, const char *database,
                                   civis_error *err)
{
    return named_id(out, client, database, "databases", "Database", "database", err);
}

civis_status civis_get_storage_host_id(long long *out, civis_client *client,
                                       const char *storage_host, civis_error *err)
{
    return named_id(out, client, storage_host, "storage_hosts", "Storage Host", "storage_host",
                    err);
}

civis_status civis_get_table_id(long long *out, civis_client *client, const char *table,
                                const char *database, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    if (client == NULL)
        return civis__fail(err, CIVIS_EINVAL, "client", "no client given");
    char *schema = NULL, *name = NULL;
    civis_status st = civis_split_schema_tablename(&schema, &name, table, err);
    long long db = 0;
    if (st == CIVIS_OK)
        st = civis_get_database_id(&db, client, database, err);
    char key[600];
    bool memo_ok = false;
    if (st == CIVIS_OK) {
        int n = snprintf(key, sizeof(key), "tables\x1f%lld\x1f%s", db, table);
        memo_ok = n > 0 && (size_t)n < sizeof(key);
        if (memo_ok && memo_get(client, key, out, NULL))
            goto done;
    }
    civis_response *resp = NULL;
    if (st == CIVIS_OK)
        st = civis_callv(&resp, client, "tables", "list", err, "database_id", CIVIS_INT(db),
                         "schema", schema ? CIVIS_STR(schema) : CIVIS_NULL, "name", CIVIS_STR(name),
                         CIVIS_END);
    if (st == CIVIS_OK) {
        if (civis_response_len(resp, NULL) == 0)
            st = civis__fail(err, CIVIS_ENOTFOUND, "table", "Table %s not found.", table);
        else
            st = civis_json_int(out, civis_response_at(resp, NULL, 0), "id", err);
        if (st == CIVIS_OK && memo_ok)
            memo_put(client, key, *out, NULL, NULL);
    }
    civis_response_free(resp);
done:
    civis__free(schema);
    civis__free(name);
    return st;
}

civis_status civis_default_database_credential_id(long long *out, civis_client *client,
                                                  civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    if (client == NULL)
        return civis__fail(err, CIVIS_EINVAL, "client", "no client given");
    static const char key[] = "credentials\x1f"
                              "default database";
    if (memo_get(client, key, out, NULL))
        return CIVIS_OK;
    civis_response *resp = NULL;
    civis_status st = civis_callv(&resp, client, "credentials", "list", err, "type",
                                  CIVIS_STR("Database"), "default", CIVIS_BOOL(1), CIVIS_END);
    if (st == CIVIS_OK) {
        if (civis_response_len(resp, NULL) == 0)
            st = civis__fail(err, CIVIS_EEMPTY, "credential", "no default database credential");
        else
            st = civis_json_int(out, civis_response_at(resp, NULL, 0), "id", err);
        if (st == CIVIS_OK)
            memo_put(client, key, *out, NULL, NULL);
    }
    civis_response_free(resp);
    return st;
}

civis_status civis_current_user(const cJSON **out, civis_client *client, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    *out = NULL;
    if (client == NULL)
        return civis__fail(err, CIVIS_EINVAL, "client", "no client given");
    static const char key[] = "users\x1fme";
    const cJSON *json = NULL;
    if (memo_get(client, key, NULL, &json) && json != NULL) {
        *out = json;
        return CIVIS_OK;
    }
    civis_response *resp = NULL;
    civis_status st = civis_call(&resp, client, "users", "get_me", NULL, err);
    if (st != CIVIS_OK)
        return st;
    cJSON *me = civis_response_take_json(resp);
    civis_response_free(resp);
    if (!cJSON_IsObject(me)) {
        cJSON_Delete(me);
        return civis__fail(err, CIVIS_EPARSE, "body", "GET /users/me did not return an object");
    }
    /* Keep our own copy when the memo cannot take it, so the caller still
     * gets an answer that lives as long as the client. */
    memo_put(client, key, 0, me, &json);
    if (json == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory keeping the user object");
    *out = json;
    return CIVIS_OK;
}

/* ---- "schema.table" --------------------------------------------------------- */

typedef struct part {
    char *s;
    size_t len, cap;
} part;

static bool part_put(part *p, char c)
{
    if (p->len + 2 > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        char *s = civis__realloc(p->s, cap);
        if (s == NULL)
            return false;
        p->s = s;
        p->cap = cap;
    }
    p->s[p->len++] = c;
    p->s[p->len] = '\0';
    return true;
}

civis_status civis_split_schema_tablename(char **schema, char **table, const char *name,
                                          civis_error *err)
{
    if (schema == NULL || table == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    *schema = *table = NULL;
    if (name == NULL || *name == '\0')
        return civis__fail(err, CIVIS_EINVAL, "table",
                           "invalid argument 'table': must not be empty");
    /* Python's csv reader with '.' as the delimiter and '"' as the quote:
     * a quote opens a quoted field only at the start of a field, "" inside
     * one is a literal quote, and text after the closing quote is kept. */
    enum { START, FIELD, QUOTED, QUOTE_IN_QUOTED } state = START;
    part parts[3] = {{0}};
    size_t n = 0;
    bool ok = true;
    for (const char *c = name; *c && ok; c++) {
        if (n == 3) {
            ok = false;
            break;
        }
        part *p = &parts[n];
        switch (state) {
        case START:
        case FIELD:
            if (*c == '"' && state == START)
                state = QUOTED;
            else if (*c == '.') {
                n++;
                state = START;
            } else {
                ok = part_put(p, *c);
                state = FIELD;
            }
            break;
        case QUOTED:
            if (*c == '"')
                state = QUOTE_IN_QUOTED;
            else
                ok = part_put(p, *c);
            break;
        case QUOTE_IN_QUOTED:
            if (*c == '"') {
                ok = part_put(p, '"');
                state = QUOTED;
            } else if (*c == '.') {
                n++;
                state = START;
            } else {
                ok = part_put(p, *c);
                state = FIELD;
            }
            break;
        }
    }
    if (ok)
        n++;
    civis_status st = CIVIS_OK;
    if (!ok && n < 3) {
        st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    } else if (n > 2 || !ok) {
        st = civis__fail(err, CIVIS_EINVAL, "table",
                         "Cannot parse schema and table. Does '%s' follow the pattern "
                         "'schema.table'?",
                         name);
    } else {
        for (size_t i = 0; i < n && st == CIVIS_OK; i++)
            if (parts[i].s == NULL && (parts[i].s = civis__strdup("")) == NULL)
                st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    }
    if (st != CIVIS_OK) {
        for (size_t i = 0; i < 3; i++)
            civis__free(parts[i].s);
        return st;
    }
    if (n == 1) {
        *table = parts[0].s;
    } else {
        *schema = parts[0].s;
        *table = parts[1].s;
    }
    return CIVIS_OK;
}
