/*
 * fuzz_fixture.c: fixture parsing and matching (spec/src/fixture*.c). The
 * input is a fixture document as a file or an admin call would give it;
 * when the bundled spec accepts it, a few requests are matched against the
 * set (twice, so sequences advance) and the document is printed back.
 */
#include <stdlib.h>
#include <string.h>

#include "civis/sys/answer.h"
#include "civis/sys/fixture.h"
#include "fuzz.h"

typedef struct probe {
    const char *method;
    const char *path;
    const char *query;
    const char *body;
} probe;

static const probe probes[] = {
    {"GET", "/users/me", NULL, NULL},
    {"GET", "/scripts/sql/7", NULL, NULL},
    {"GET", "/jobs", "limit=2&page_num=1", NULL},
    {"POST", "/scripts/sql", NULL, "{\"name\": \"q\", \"sql\": \"select 1\", \"remoteHostId\": 1}"},
    {"PATCH", "/files/3", NULL, "{\"name\": \"x\"}"},
    {"DELETE", "/scripts/containers/4", NULL, NULL},
};

static void match_probes(civis_fixture_set *set, const civis_spec *spec)
{
    for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
        const probe *p = &probes[i];
        civis_route route;
        civis_error err = CIVIS_ERROR_INIT;
        const civis_operation *op =
            civis_spec_route(&route, spec, p->method, p->path, &err) == CIVIS_OK ? route.op : NULL;
        civis_kv *q = NULL;
        size_t nq = 0;
        if (p->query != NULL && civis_answer_query_parse(&q, &nq, p->query) != CIVIS_OK)
            continue;
        cJSON *body = p->body ? cJSON_Parse(p->body) : NULL;
        civis_fixture_request req = {p->method, p->path, op, q, nq, body, "fuzz"};
        civis_fixture_response out;
        if (civis_fixtures_match(set, &req, &out)) {
            if (out.body != NULL && out.body[out.body_len] != '\0')
                abort();
            civis_fixture_response_clear(&out);
        }
        cJSON_Delete(body);
        civis_answer_query_free(q, nq);
    }
}

int fuzz_fixture_one(const uint8_t *data, size_t size)
{
    const civis_spec *spec = fuzz_spec();
    civis_fixture_set *set = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_fixtures_new(&set, spec, &err) != CIVIS_OK)
        return 0;
    int first = 0;
    if (civis_fixtures_add_text(set, (const char *)data, size, "fuzz.json", NULL, &first, &err) ==
        CIVIS_OK) {
        match_probes(set, spec);
        match_probes(set, spec);
        civis_fixtures_rewind(set);
        match_probes(set, spec);
        civis_fixtures_remove(set, first);
    } else if (civis_fixtures_count(set) != 0) {
        abort(); /* a refused document adds nothing */
    }
    civis_fixtures_free(set);

    /* The printer, on whatever cJSON makes of the bytes. */
    cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
    if (doc != NULL) {
        char *text = civis_fixture_print(doc);
        free(text);
        cJSON_Delete(doc);
    }
    return 0;
}
