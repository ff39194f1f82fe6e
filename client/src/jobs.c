/*
 * jobs.c: run_job, run_template and run outputs, the call sequences of the
 * official client's civis.utils (CIVIS_API_NOTES section 5). Following a
 * run's log is job_logs.c.
 */
#include <string.h>

#include "client_internal.h"
#include "civis/future.h"
#include "civis/jobs.h"

/* The integer `id` of an answer (a created run or script). */
static civis_status answer_id(long long *id, const civis_response *resp, const char *what,
                              civis_error *err)
{
    civis_error e = CIVIS_ERROR_INIT;
    if (civis_response_int(id, resp, "id", &e) != CIVIS_OK || *id <= 0)
        return civis__fail(err, CIVIS_EPARSE, "id", "%s answered without an integer 'id' (%s)",
                           what, e.code != CIVIS_OK ? e.message : "not positive");
    return CIVIS_OK;
}

civis_status civis_run_job(civis_future **out, civis_client *client, long long job_id,
                           const civis_future_options *opts, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    if (job_id <= 0)
        return civis__fail(err, CIVIS_EINVAL, "job_id", "job_id must be > 0, got %lld", job_id);
    civis_response *run = NULL;
    long long run_id = 0;
    civis_status st =
        civis_callv(&run, client, "jobs", "post_runs", err, "id", CIVIS_INT(job_id), CIVIS_END);
    if (st == CIVIS_OK)
        st = answer_id(&run_id, run, "jobs.post_runs", err);
    civis_response_free(run);
    if (st != CIVIS_OK)
        return st;
    /* The official run_job uses poll_on_creation=False: the run was just
     * created, there is nothing to learn by looking at once. */
    civis_future_options o = opts ? *opts : (civis_future_options){0};
    o.delay_first_poll = true;
    return civis_future_newv(out, client, "jobs", "get_runs", &o, err, "id", CIVIS_INT(job_id),
                             "run_id", CIVIS_INT(run_id), CIVIS_END);
}

civis_status civis_run_template(civis_future **out, civis_client *client, long long template_id,
                                const cJSON *arguments, const cJSON *extra,
                                const civis_future_options *opts, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    if (template_id <= 0)
        return civis__fail(err, CIVIS_EINVAL, "template_id", "template_id must be > 0, got %lld",
                           template_id);
    if (extra != NULL && !cJSON_IsObject(extra))
        return civis__fail(err, CIVIS_EINVAL, "extra", "extra must be a JSON object");
    cJSON *args = extra ? cJSON_Duplicate(extra, true) : cJSON_CreateObject();
    cJSON *a = arguments ? cJSON_Duplicate(arguments, true) : NULL;
    bool ok = args != NULL && (arguments == NULL || a != NULL);
    if (ok) {
        cJSON_DeleteItemFromObjectCaseSensitive(args, "from_template_id");
        ok = cJSON_AddNumberToObject(args, "from_template_id", (double)template_id) != NULL;
    }
    if (ok && a != NULL) {
        cJSON_DeleteItemFromObjectCaseSensitive(args, "arguments");
        ok = cJSON_AddItemToObject(args, "arguments", a);
        if (ok)
            a = NULL;
    }
    cJSON_Delete(a);
    if (!ok) {
        cJSON_Delete(args);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory building scripts.post_custom");
    }
    civis_response *script = NULL, *run = NULL;
    long long script_id = 0, run_id = 0;
    civis_status st = civis_call(&script, client, "scripts", "post_custom", args, err);
    cJSON_Delete(args);
    if (st == CIVIS_OK)
        st = answer_id(&script_id, script, "scripts.post_custom", err);
    if (st == CIVIS_OK)
        st = civis_callv(&run, client, "scripts", "post_custom_runs", err, "id",
                         CIVIS_INT(script_id), CIVIS_END);
    if (st == CIVIS_OK)
        st = answer_id(&run_id, run, "scripts.post_custom_runs", err);
    civis_response_free(script);
    civis_response_free(run);
    if (st != CIVIS_OK)
        return st;
    return civis_future_newv(out, client, "scripts", "get_custom_runs", opts, err, "id",
                             CIVIS_INT(script_id), "run_id", CIVIS_INT(run_id), CIVIS_END);
}

/* Runs the template, waits, and lists the outputs of its run. */
static civis_status template_outputs(cJSON **outputs, civis_future **fut, civis_client *client,
                                     long long template_id, const cJSON *arguments,
                                     const cJSON *extra, const civis_future_options *opts,
                                     civis_error *err)
{
    civis_status st = civis_run_template(fut, client, template_id, arguments, extra, opts, err);
    if (st == CIVIS_OK)
        st = civis_future_result(NULL, *fut, err);
    if (st != CIVIS_OK)
        return st;
    cJSON *args = civis_args("id", CIVIS_INT(civis_future_job_id(*fut)), "run_id",
                             CIVIS_INT(civis_future_run_id(*fut)), CIVIS_END);
    if (args == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory listing run outputs");
    st = civis_list_all(outputs, client, "scripts", "list_custom_runs_outputs", args, err);
    cJSON_Delete(args);
    return st;
}

civis_status civis_run_template_files(cJSON **out, civis_client *client, long long template_id,
                                      const cJSON *arguments, const cJSON *extra,
                                      const civis_future_options *opts, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    civis_future *f = NULL;
    cJSON *outputs = NULL;
    civis_status st =
        template_outputs(&outputs, &f, client, template_id, arguments, extra, opts, err);
    civis_future_free(f);
    if (st != CIVIS_OK)
        return st;
    cJSON *files = cJSON_CreateObject();
    bool ok = files != NULL;
    for (const cJSON *o = outputs->child; ok && o != NULL; o = o->next) {
        const cJSON *name = civis_json_get(o, "name");
        const cJSON *id = civis_json_get(o, "object_id");
        if (!cJSON_IsString(name))
            continue;
        /* A repeated name keeps the last, as a Python dict comprehension does. */
        cJSON_DeleteItemFromObjectCaseSensitive(files, name->valuestring);
        cJSON *v = cJSON_IsNumber(id) ? cJSON_CreateNumber(id->valuedouble) : cJSON_CreateNull();
        ok = v != NULL && cJSON_AddItemToObject(files, name->valuestring, v);
        if (!ok)
            cJSON_Delete(v);
    }
    cJSON_Delete(outputs);
    if (!ok) {
        cJSON_Delete(files);
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory building the outputs map");
    }
    *out = files;
    return CIVIS_OK;
}

civis_status civis_run_template_json_value(cJSON **out, civis_client *client, long long template_id,
                                           const cJSON *arguments, const cJSON *extra,
                                           const civis_future_options *opts, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    civis_future *f = NULL;
    cJSON *outputs = NULL;
    civis_status st =
        template_outputs(&outputs, &f, client, template_id, arguments, extra, opts, err);
    if (st == CIVIS_OK) {
        const cJSON *found = NULL;
        for (const cJSON *o = outputs->child; o != NULL && found == NULL; o = o->next) {
            const cJSON *type = civis_json_get(o, "object_type");
            if (cJSON_IsString(type) && strcmp(type->valuestring, "JSONValue") == 0)
                found = o;
        }
        /* `value` of a JSONValue is kept as sent: read it by its exact key. */
        const cJSON *value = found ? cJSON_GetObjectItemCaseSensitive(found, "value") : NULL;
        if (found == NULL)
            st = civis__fail(err, CIVIS_EEMPTY, "",
                             "run %lld of template script %lld has no "
                             "JSONValue output",
                             civis_future_run_id(f), civis_future_job_id(f));
        else if ((*out = value ? cJSON_Duplicate(value, true) : cJSON_CreateNull()) == NULL)
            st = civis__fail(err, CIVIS_ENOMEM, "", "out of memory copying the JSONValue");
    }
    cJSON_Delete(outputs);
    civis_future_free(f);
    return st;
}

civis_status civis_future_outputs(cJSON **out, civis_future *f, civis_error *err)
{
    if (out == NULL)
        return civis__fail(err, CIVIS_EINVAL, "out", "out must not be NULL");
    *out = NULL;
    if (f == NULL)
        return civis__fail(err, CIVIS_EINVAL, "f", "the future must not be NULL");
    if (civis_future_job_id(f) <= 0 || civis_future_run_id(f) <= 0)
        return civis__fail(err, CIVIS_EINVAL, "run_id",
                           "the future has no job and run id to list outputs of");
    civis_status st = civis_future_result(NULL, f, err);
    if (st != CIVIS_OK)
        return st;
    cJSON *args = civis_args("id", CIVIS_INT(civis_future_job_id(f)), "run_id",
                             CIVIS_INT(civis_future_run_id(f)), CIVIS_END);
    if (args == NULL)
        return civis__fail(err, CIVIS_ENOMEM, "", "out of memory listing run outputs");
    st = civis_list_all(out, civis_future_client(f), "jobs", "list_runs_outputs", args, err);
    cJSON_Delete(args);
    return st;
}
