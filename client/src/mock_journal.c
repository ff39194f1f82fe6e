/*
 * mock_journal.c: what the mock saw. One entry per call, not per HTTP
 * attempt: the retries of a call (same arguments object, same request, the
 * next attempt number) update its entry, so "called once" means what the
 * test's author means even when a 429 was retried.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_internal.h"

const civis_operation *civis__mock_find(const civis_mock *mock, const char *operation,
                                        civis_error *err)
{
    if (operation == NULL) {
        civis__fail(err, CIVIS_EINVAL, "operation",
                    "no operation given (expected \"resource.method\")");
        return NULL;
    }
    const civis_operation *op = NULL;
    if (civis_spec_find_dotted(&op, mock->spec, operation, err) != CIVIS_OK)
        return NULL;
    return op;
}

static void entry_free(mock_entry *e)
{
    if (e == NULL)
        return;
    civis__free(e->operation);
    cJSON_Delete(e->args);
    civis__free(e->message);
    civis__free(e->reject_param);
    civis__free(e->http_method);
    civis__free(e->path);
    civis__free(e->query);
    cJSON_Delete(e->body);
    civis__free(e->body_text);
    civis__free(e->response_body);
    civis__free(e);
}

void civis__mock_journal_free(civis_mock *mock)
{
    for (size_t i = 0; i < mock->n_entries; i++)
        entry_free(mock->entries[i]);
    civis__free(mock->entries);
    mock->entries = NULL;
    mock->n_entries = mock->entries_cap = 0;
}

static bool append(civis_mock *mock, mock_entry *e)
{
    if (mock->n_entries == mock->entries_cap) {
        size_t cap = mock->entries_cap ? mock->entries_cap * 2 : 16;
        mock_entry **ne = civis__realloc(mock->entries, cap * sizeof(*ne));
        if (ne == NULL)
            return false;
        mock->entries = ne;
        mock->entries_cap = cap;
    }
    e->pub.index = mock->n_entries;
    mock->entries[mock->n_entries++] = e;
    return true;
}

/* Points the public view at the entry's storage ("" for what is missing). */
static void publish(mock_entry *e)
{
    e->pub.operation = e->operation ? e->operation : "";
    e->pub.args = e->args;
    e->pub.reject_param = e->reject_param ? e->reject_param : "";
    e->pub.message = e->message ? e->message : "";
    e->pub.http_method = e->http_method ? e->http_method : "";
    e->pub.path = e->path ? e->path : "";
    e->pub.query = e->query ? e->query : "";
    e->pub.body = e->body;
    e->pub.response_body = e->response_body;
    if (e->pub.source == NULL)
        e->pub.source = "";
}

/* A raw request (civis_request) carries no arguments object; its path
 * parameters and body stand in for one, so patterns can still match it. */
static cJSON *args_from_request(const civis_mock *mock, const civis_operation *op,
                                const civis_http_request *req, const cJSON *body)
{
    cJSON *args = cJSON_IsObject(body) ? cJSON_Duplicate(body, 1) : cJSON_CreateObject();
    civis_route route;
    if (args == NULL || op == NULL ||
        civis_spec_route(&route, mock->spec, req->method, req->path, NULL) != CIVIS_OK)
        return args;
    for (size_t i = 0; i < route.n_params; i++) {
        const civis_param *p = civis_operation_param(op, route.params[i].name);
        const char *v = route.params[i].value;
        char *end = NULL;
        double d = strtod(v, &end);
        cJSON *item = (p && p->type == CIVIS_TYPE_INTEGER && end != v && *end == '\0')
                          ? cJSON_CreateNumber(d)
                          : cJSON_CreateString(v);
        if (item == NULL || !cJSON_AddItemToObject(args, route.params[i].name, item)) {
            cJSON_Delete(item);
            cJSON_Delete(args);
            return NULL;
        }
    }
    return args;
}

static mock_entry *find_first_attempt(civis_mock *mock, const civis_operation *op,
                                      const civis_http_request *req)
{
    for (size_t i = mock->n_entries; i-- > 0;) {
        mock_entry *e = mock->entries[i];
        if (!e->pub.rejected && e->pub.op == op && e->token == (const void *)req->args &&
            e->pub.attempts == req->attempt - 1 && strcmp(e->pub.http_method, req->method) == 0 &&
            strcmp(e->pub.path, req->path) == 0 && strcmp(e->pub.query, req->query) == 0)
            return e;
    }
    return NULL;
}

mock_entry *civis__mock_journal_begin(civis_mock *mock, const civis_operation *op,
                                      const civis_http_request *req, const cJSON *body)
{
    if (req->attempt > 1) {
        mock_entry *e = find_first_attempt(mock, op, req);
        if (e != NULL) {
            cJSON_Delete((cJSON *)body); /* the first attempt's copy is kept */
            e->pub.attempts = req->attempt;
            return e;
        }
    }
    mock_entry *e = civis__calloc(1, sizeof(*e));
    if (e == NULL) {
        cJSON_Delete((cJSON *)body);
        return NULL;
    }
    e->body = (cJSON *)body;
    if (body == NULL && req->body != NULL && req->body_len > 0 &&
        (e->body_text = civis__strndup(req->body, req->body_len)) == NULL) {
        entry_free(e);
        return NULL;
    }
    e->body_len = req->body_len;
    char name[160];
    e->operation = civis__strdup(op ? civis_operation_name(op, name, sizeof(name)) : "");
    e->args = req->args ? cJSON_Duplicate(req->args, 1) : args_from_request(mock, op, req, body);
    e->http_method = civis__strdup(req->method);
    e->path = civis__strdup(req->path);
    e->query = civis__strdup(req->query ? req->query : "");
    e->token = req->args;
    e->pub.op = op;
    e->pub.attempts = req->attempt > 0 ? req->attempt : 1;
    if (e->operation == NULL || e->args == NULL || e->http_method == NULL || e->path == NULL ||
        e->query == NULL || !append(mock, e)) {
        entry_free(e);
        return NULL;
    }
    publish(e);
    return e;
}

void civis__mock_journal_body(mock_entry *e)
{
    if (e->body != NULL || e->body_text == NULL)
        return;
    /* NULL when memory runs out: the entry then shows no body */
    e->body = cJSON_ParseWithLength(e->body_text, e->body_len);
    e->pub.body = e->body;
}

void civis__mock_journal_answer(mock_entry *e, const civis_http_response *resp, const char *source)
{
    civis__free(e->response_body);
    e->response_body = NULL;
    e->pub.status = resp ? resp->status : 0;
    if (resp != NULL && resp->body != NULL)
        e->response_body = civis__strndup(resp->body, resp->body_len); /* NULL on OOM: no body */
    e->pub.source = source ? source : "";
    publish(e);
}

void civis__mock_journal_rejected(civis_mock *mock, const char *resource, const char *method,
                                  const cJSON *args, civis_status st, const civis_error *err)
{
    mock_entry *e = civis__calloc(1, sizeof(*e));
    if (e == NULL)
        return; /* the call fails anyway; the journal just misses it */
    const civis_operation *op = NULL;
    char name[160];
    if (resource != NULL && method != NULL &&
        civis_spec_find(&op, mock->spec, resource, method, NULL) == CIVIS_OK)
        civis_operation_name(op, name, sizeof(name));
    else
        snprintf(name, sizeof(name), "%s.%s", resource ? resource : "(null)",
                 method ? method : "(null)");
    e->pub.op = op;
    e->pub.rejected = true;
    e->pub.reject_code = st;
    e->operation = civis__strdup(name);
    e->args = args ? cJSON_Duplicate(args, 1) : cJSON_CreateObject();
    e->message = civis__strdup(err && err->message[0] ? err->message : civis_strerror(st));
    e->reject_param = civis__strdup(err ? err->param : "");
    civis__mock_lock(mock);
    if (e->operation == NULL || e->args == NULL || e->message == NULL || e->reject_param == NULL ||
        !append(mock, e)) {
        civis__mock_unlock(mock);
        entry_free(e);
        return;
    }
    publish(e);
    civis__mock_unlock(mock);
}

/* ---- queries ---------------------------------------------------------------------- */

size_t civis_mock_journal_count(const civis_mock *mock)
{
    if (mock == NULL)
        return 0;
    civis__mock_lock(mock);
    size_t n = mock->n_entries;
    civis__mock_unlock(mock);
    return n;
}

const civis_mock_call *civis_mock_journal_at(const civis_mock *mock, size_t i)
{
    if (mock == NULL)
        return NULL;
    civis__mock_lock(mock);
    const civis_mock_call *c = NULL;
    if (i < mock->n_entries) {
        civis__mock_journal_body(mock->entries[i]);
        c = &mock->entries[i]->pub;
    }
    civis__mock_unlock(mock);
    return c;
}

void civis_mock_journal_clear(civis_mock *mock)
{
    if (mock == NULL)
        return;
    civis__mock_lock(mock);
    civis__mock_journal_free(mock);
    civis__mock_unlock(mock);
}

size_t civis_mock_call_count(const civis_mock *mock, const char *operation)
{
    if (mock == NULL)
        return 0;
    const civis_operation *op = NULL;
    if (operation != NULL && (op = civis__mock_find(mock, operation, NULL)) == NULL)
        return 0;
    size_t n = 0;
    civis__mock_lock(mock);
    for (size_t i = 0; i < mock->n_entries; i++) {
        const civis_mock_call *c = &mock->entries[i]->pub;
        n += !c->rejected && (op == NULL || c->op == op);
    }
    civis__mock_unlock(mock);
    return n;
}

size_t civis_mock_rejected_count(const civis_mock *mock)
{
    if (mock == NULL)
        return 0;
    size_t n = 0;
    civis__mock_lock(mock);
    for (size_t i = 0; i < mock->n_entries; i++)
        n += mock->entries[i]->pub.rejected;
    civis__mock_unlock(mock);
    return n;
}

const civis_mock_call *civis_mock_nth_call(const civis_mock *mock, const char *operation, size_t n)
{
    const civis_operation *op = mock ? civis__mock_find(mock, operation, NULL) : NULL;
    if (op == NULL)
        return NULL;
    const civis_mock_call *hit = NULL;
    civis__mock_lock(mock);
    for (size_t i = 0; i < mock->n_entries && hit == NULL; i++) {
        const civis_mock_call *c = &mock->entries[i]->pub;
        if (!c->rejected && c->op == op && n-- == 0) {
            civis__mock_journal_body(mock->entries[i]);
            hit = c;
        }
    }
    civis__mock_unlock(mock);
    return hit;
}

const cJSON *civis_mock_call_args(const civis_mock *mock, const char *operation, size_t n)
{
    const civis_mock_call *c = civis_mock_nth_call(mock, operation, n);
    return c ? c->args : NULL;
}

bool civis_mock_called_with(const civis_mock *mock, const char *operation, const char *pattern)
{
    const civis_operation *op = mock ? civis__mock_find(mock, operation, NULL) : NULL;
    cJSON *pat = (op && pattern) ? cJSON_Parse(pattern) : NULL;
    if (!cJSON_IsObject(pat)) {
        cJSON_Delete(pat);
        return false;
    }
    bool hit = false;
    civis__mock_lock(mock);
    for (size_t i = 0; i < mock->n_entries && !hit; i++) {
        const civis_mock_call *c = &mock->entries[i]->pub;
        hit = !c->rejected && c->op == op && civis_mock_match(c->args, pat, NULL, 0);
    }
    civis__mock_unlock(mock);
    cJSON_Delete(pat);
    return hit;
}

civis_status civis_mock_uncalled(cJSON **out, const civis_mock *mock, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "no output given");
    *out = NULL;
    if (mock == NULL)
        return civis__fail(err, CIVIS_EINVAL, "mock", "no mock given");
    cJSON *list = cJSON_CreateArray();
    bool ok = list != NULL;
    civis__mock_lock(mock);
    for (size_t r = 0; ok && r < mock->n_rules; r++) {
        const civis_operation *op = mock->rules[r].op;
        bool seen = false;
        for (size_t k = 0; k < r && !seen; k++)
            seen = mock->rules[k].op == op; /* listed once per operation */
        for (size_t i = 0; i < mock->n_entries && !seen; i++)
            seen = !mock->entries[i]->pub.rejected && mock->entries[i]->pub.op == op;
        if (seen)
            continue;
        char name[160];
        cJSON *s = cJSON_CreateString(civis_operation_name(op, name, sizeof(name)));
        ok = s != NULL && cJSON_AddItemToArray(list, s);
        if (!ok)
            cJSON_Delete(s);
    }
    civis__mock_unlock(mock);
    if (!ok) {
        cJSON_Delete(list);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory listing uncalled operations");
    }
    *out = list;
    return CIVIS_OK;
}
