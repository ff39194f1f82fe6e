/*
 * mock_behaviour.c: what tests tell the mock to answer, per operation.
 *
 * A behaviour is checked completely when it is set (operation name,
 * pattern argument names, reply bodies), so that a typo fails at the line
 * that made it, with a did-you-mean, instead of silently never matching.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mock_internal.h"

static void reply_clear(mock_reply *r)
{
    civis__free(r->body);
    for (size_t i = 0; i < r->n_headers; i++) {
        civis__free(r->headers[i].name);
        civis__free(r->headers[i].value);
    }
    civis__free(r->headers);
    memset(r, 0, sizeof(*r));
}

void civis__mock_rule_clear(mock_rule *rule)
{
    if (rule == NULL)
        return;
    cJSON_Delete(rule->when);
    civis__free(rule->when_text);
    for (size_t i = 0; i < rule->n_replies; i++)
        reply_clear(&rule->replies[i]);
    civis__free(rule->replies);
    memset(rule, 0, sizeof(*rule));
}

/* The pattern's keys must be arguments of the operation: a misspelled key
 * would never match anything. */
static civis_status check_when(cJSON **out, const civis_operation *op, const char *name,
                               const char *text, civis_error *err)
{
    *out = NULL;
    const char *end = NULL;
    cJSON *when =
        cJSON_ParseWithLengthOpts(text, strlen(text) + 1, &end, 1); /* + 1: the NUL ends it */
    if (when == NULL)
        return civis__fail(err, CIVIS_EINVAL, "when",
                           "the pattern for %s is not JSON (at byte %zu): %.80s", name,
                           end ? (size_t)(end - text) : 0, text);
    if (!cJSON_IsObject(when)) {
        cJSON_Delete(when);
        return civis__fail(err, CIVIS_EINVAL, "when",
                           "the pattern for %s must be a JSON object of arguments, got %.80s", name,
                           text);
    }
    for (const cJSON *k = when->child; k != NULL; k = k->next) {
        /* matching takes "runId" for "run_id": so does this check */
        bool known = false;
        for (size_t i = 0; i < op->n_params && !known; i++)
            known = civis_key_equal(k->string, op->params[i].name) ||
                    civis_key_equal(k->string, op->params[i].wire);
        if (known)
            continue;
        const char *near = civis_operation_suggest(op, k->string, -1);
        char hint[96] = "";
        if (near != NULL)
            snprintf(hint, sizeof(hint), " (did you mean '%s'?)", near);
        civis__fail(err, CIVIS_EINVAL, "when", "unknown argument '%.60s' in the pattern for %s%s",
                    k->string, name, hint);
        cJSON_Delete(when);
        return CIVIS_EINVAL;
    }
    *out = when;
    return CIVIS_OK;
}

static civis_status copy_headers(mock_reply *r, const char *const *lines, const char *name,
                                 size_t which, civis_error *err)
{
    size_t n = 0;
    while (lines != NULL && lines[n] != NULL)
        n++;
    if (n == 0)
        return CIVIS_OK;
    r->headers = civis__calloc(n, sizeof(*r->headers));
    if (r->headers == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *colon = strchr(lines[i], ':');
        if (colon == NULL || colon == lines[i])
            return civis__fail(err, CIVIS_EINVAL, "headers",
                               "reply %zu of %s: header '%.80s' is not \"Name: value\"", which + 1,
                               name, lines[i]);
        const char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        r->headers[i].name = civis__strndup(lines[i], (size_t)(colon - lines[i]));
        r->headers[i].value = civis__strdup(v);
        r->n_headers = i + 1;
        if (r->headers[i].name == NULL || r->headers[i].value == NULL)
            return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    }
    return CIVIS_OK;
}

static civis_status copy_reply(mock_reply *r, const civis_mock_reply *in, const char *name,
                               size_t which, civis_error *err)
{
    memset(r, 0, sizeof(*r));
    if (in->status != 0 && (in->status < 100 || in->status > 599))
        return civis__fail(err, CIVIS_EINVAL, "status",
                           "reply %zu of %s: status must be 100..599 (or 0 for the "
                           "operation's own), got %ld",
                           which + 1, name, in->status);
    r->status = in->status;
    if (in->body != NULL) {
        const char *end = NULL;
        size_t len = strlen(in->body);
        cJSON *doc = cJSON_ParseWithLengthOpts(in->body, len + 1, &end, 1); /* + 1: the NUL */
        if (doc == NULL)
            return civis__fail(err, CIVIS_EINVAL, "body",
                               "reply %zu of %s is not JSON (at byte %zu): %.80s", which + 1, name,
                               end ? (size_t)(end - in->body) : 0, in->body);
        cJSON_Delete(doc);
        if ((r->body = civis__strndup(in->body, len)) == NULL)
            return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
        r->body_len = len;
    }
    return copy_headers(r, in->headers, name, which, err);
}

/* Puts rule at the end (the latest set), replacing the one with the same
 * operation and pattern. Takes the rule's contents either way. */
static civis_status install(civis_mock *mock, mock_rule *rule, civis_error *err)
{
    civis__mock_lock(mock);
    for (size_t i = 0; i < mock->n_rules; i++) {
        mock_rule *r = &mock->rules[i];
        bool same_when = (r->when_text == NULL && rule->when_text == NULL) ||
                         (r->when_text != NULL && rule->when_text != NULL &&
                          strcmp(r->when_text, rule->when_text) == 0);
        if (r->op == rule->op && same_when) {
            civis__mock_rule_clear(r);
            memmove(r, r + 1, (mock->n_rules - i - 1) * sizeof(*r));
            mock->n_rules--;
            break;
        }
    }
    if (mock->n_rules == mock->rules_cap) {
        size_t cap = mock->rules_cap ? mock->rules_cap * 2 : 8;
        mock_rule *nr = civis__realloc(mock->rules, cap * sizeof(*nr));
        if (nr == NULL) {
            civis__mock_unlock(mock);
            civis__mock_rule_clear(rule);
            return civis__fail(err, CIVIS_ENOMEM, "", "out of memory for a behaviour");
        }
        mock->rules = nr;
        mock->rules_cap = cap;
    }
    mock->rules[mock->n_rules++] = *rule;
    civis__mock_unlock(mock);
    return CIVIS_OK;
}

civis_status civis_mock_on(civis_mock *mock, const char *operation, const civis_mock_rule *rule,
                           civis_error *err)
{
    if (mock == NULL)
        return civis__fail(err, CIVIS_EINVAL, "mock", "no mock given");
    if (rule == NULL)
        return civis__fail(err, CIVIS_EINVAL, "rule", "no behaviour given");
    const civis_operation *op = civis__mock_find(mock, operation, err);
    if (op == NULL)
        return CIVIS_EINVAL;
    char name[160];
    civis_operation_name(op, name, sizeof(name));
    if (rule->n_replies == 0 && rule->callback == NULL)
        return civis__fail(err, CIVIS_EINVAL, "rule",
                           "the behaviour for %s has neither replies nor a callback", name);
    if (rule->n_replies > 0 && rule->replies == NULL)
        return civis__fail(err, CIVIS_EINVAL, "replies",
                           "the behaviour for %s counts %zu replies but gives none", name,
                           rule->n_replies);

    mock_rule r = {.op = op, .callback = rule->callback, .callback_data = rule->callback_data};
    civis_status st = CIVIS_OK;
    if (rule->when != NULL && (st = check_when(&r.when, op, name, rule->when, err)) == CIVIS_OK &&
        (r.when_text = cJSON_PrintUnformatted(r.when)) == NULL)
        st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    if (st == CIVIS_OK && rule->n_replies > 0) {
        r.replies = civis__calloc(rule->n_replies, sizeof(*r.replies));
        if (r.replies == NULL)
            st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
        for (size_t i = 0; st == CIVIS_OK && i < rule->n_replies; i++) {
            st = copy_reply(&r.replies[i], &rule->replies[i], name, i, err);
            r.n_replies = i + 1;
        }
    }
    if (st != CIVIS_OK) {
        /* when_text came from cJSON's allocator; the clear below frees it
         * through libcivis' one, which is the same heap (alloc.c). */
        civis__mock_rule_clear(&r);
        return st;
    }
    return install(mock, &r, err);
}

civis_status civis_mock_return(civis_mock *mock, const char *operation, const char *json,
                               civis_error *err)
{
    civis_mock_reply reply = {0, json, NULL};
    civis_mock_rule rule = {.replies = &reply, .n_replies = 1};
    return civis_mock_on(mock, operation, &rule, err);
}

civis_status civis_mock_return_json(civis_mock *mock, const char *operation, const cJSON *value,
                                    civis_error *err)
{
    if (value == NULL)
        return civis__fail(err, CIVIS_EINVAL, "value", "no JSON value given");
    char *text = cJSON_PrintUnformatted(value);
    if (text == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory printing the value");
    civis_status st = civis_mock_return(mock, operation, text, err);
    cJSON_free(text);
    return st;
}

civis_status civis_mock_return_when(civis_mock *mock, const char *operation, const char *when,
                                    const char *json, civis_error *err)
{
    if (when == NULL)
        return civis__fail(err, CIVIS_EINVAL, "when", "no pattern given");
    civis_mock_reply reply = {0, json, NULL};
    civis_mock_rule rule = {.when = when, .replies = &reply, .n_replies = 1};
    return civis_mock_on(mock, operation, &rule, err);
}

civis_status civis_mock_return_seq(civis_mock *mock, const char *operation, civis_error *err, ...)
{
    va_list ap;
    va_start(ap, err);
    size_t n = 0;
    while (va_arg(ap, const char *) != NULL)
        n++;
    va_end(ap);
    if (n == 0)
        return civis__fail(err, CIVIS_EINVAL, "replies", "an empty sequence for %s",
                           operation ? operation : "(null)");
    civis_mock_reply *replies = civis__calloc(n, sizeof(*replies));
    if (replies == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory");
    va_start(ap, err);
    for (size_t i = 0; i < n; i++)
        replies[i].body = va_arg(ap, const char *);
    va_end(ap);
    civis_mock_rule rule = {.replies = replies, .n_replies = n};
    civis_status st = civis_mock_on(mock, operation, &rule, err);
    civis__free(replies);
    return st;
}

civis_status civis_mock_return_error(civis_mock *mock, const char *operation, long status,
                                     const char *body_json, civis_error *err)
{
    if (status < 400 || status > 599)
        return civis__fail(err, CIVIS_EINVAL, "status", "an error status must be 400..599, got %ld",
                           status);
    civis_mock_reply reply = {status, body_json, NULL};
    civis_mock_rule rule = {.replies = &reply, .n_replies = 1};
    return civis_mock_on(mock, operation, &rule, err);
}

civis_status civis_mock_side_effect(civis_mock *mock, const char *operation, civis_mock_fn fn,
                                    void *data, civis_error *err)
{
    if (fn == NULL)
        return civis__fail(err, CIVIS_EINVAL, "fn", "no callback given");
    civis_mock_rule rule = {.callback = fn, .callback_data = data};
    return civis_mock_on(mock, operation, &rule, err);
}

civis_status civis_mock_clear(civis_mock *mock, const char *operation, civis_error *err)
{
    if (mock == NULL)
        return civis__fail(err, CIVIS_EINVAL, "mock", "no mock given");
    const civis_operation *op = NULL;
    if (operation != NULL && (op = civis__mock_find(mock, operation, err)) == NULL)
        return CIVIS_EINVAL;
    civis__mock_lock(mock);
    size_t k = 0;
    for (size_t i = 0; i < mock->n_rules; i++) {
        if (op == NULL || mock->rules[i].op == op)
            civis__mock_rule_clear(&mock->rules[i]);
        else
            mock->rules[k++] = mock->rules[i];
    }
    mock->n_rules = k;
    civis__mock_unlock(mock);
    return CIVIS_OK;
}

/* A reply that says which page it is has been cut by the test's author. */
static bool own_pages(const mock_reply *r)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strncasecmp(r->headers[i].name, "X-Pagination-", 13) == 0)
            return true;
    return false;
}

bool civis__mock_rule_serve(civis_mock *mock, civis_fake_exchange *x, const cJSON *args,
                            civis_fake_reply *reply, civis_mock_fn *fn, void **data)
{
    const civis_operation *op = x->op;
    mock_rule *pattern_hit = NULL, *plain_hit = NULL;
    for (size_t i = mock->n_rules; i-- > 0 && pattern_hit == NULL;) {
        mock_rule *r = &mock->rules[i];
        if (r->op != op)
            continue;
        if (r->when == NULL) {
            if (plain_hit == NULL)
                plain_hit = r;
        } else if (civis_mock_match(args, r->when, NULL, 0)) {
            pattern_hit = r;
        }
    }
    mock_rule *r = pattern_hit ? pattern_hit : plain_hit;
    if (r == NULL)
        return false;
    if (r->n_replies == 0) {
        *fn = r->callback;
        *data = r->callback_data;
        return true;
    }
    /* The last reply repeats once the sequence is used up. */
    const mock_reply *canned = &r->replies[r->next < r->n_replies ? r->next : r->n_replies - 1];
    if (r->next < r->n_replies)
        r->next++;
    long status = canned->status ? canned->status : op->response_status ? op->response_status : 200;
    bool ok = true;
    for (size_t i = 0; ok && i < canned->n_headers; i++)
        ok = civis_fake_reply_header(reply, canned->headers[i].name, canned->headers[i].value);
    if (!ok || !civis_fake_reply_recorded(
                   reply, x, (int)status, NULL, canned->body, canned->body_len,
                   own_pages(canned) ? CIVIS_FAKE_PAGE_NEVER : CIVIS_FAKE_PAGE_ASKED, true)) {
        x->source = "internal"; /* the transport reports CIVIS_ENOMEM */
        civis_fake_reply_error(reply, 500, "internal", "the fake API ran out of memory");
    }
    return true;
}
