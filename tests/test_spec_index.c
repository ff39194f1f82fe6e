/*
 * test_spec_index.c: the operation index (spec/src/index.c): the official
 * client's method names, legacy aliases and skipped operations, arguments
 * (body expanded, required first), responses, lookups with did-you-mean.
 *
 * Expectations for the full public spec were derived by hand from the
 * naming rules (CIVIS_API_NOTES.md 1.3 and Appendix A) and cross-checked
 * against the document; they are written out here, never recomputed.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "civis/spec.h"
#include "specsuite.h"
#include "test.h"

static civis_spec *full;    /* the full public spec, or NULL (tests SKIP) */
static civis_spec *bundled; /* the bundled spec */

static int suite_init(void)
{
    return civis_test_specs_load(&bundled, &full, "spec_index full-spec tests");
}

static int suite_cleanup(void)
{
    return civis_test_specs_free(&bundled, &full);
}

static const civis_operation *find(const civis_spec *spec, const char *resource, const char *method)
{
    const civis_operation *op = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_find(&op, spec, resource, method, &err) != CIVIS_OK)
        fprintf(stderr, "\n  %s.%s: %s\n", resource, method, err.message);
    return op;
}

static const cJSON *definition(const civis_spec *spec, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(civis_spec_document(spec), "definitions"), name);
}

/* ---- counts on the full spec ------------------------------------------------- */

static void test_full__counts(void)
{
    if (full == NULL)
        return;
    CU_ASSERT_EQUAL(civis_spec_operation_count(full), 910);
    CU_ASSERT_EQUAL(civis_spec_method_count(full), 909);
    size_t no_method = 0, aliases = 0, paginated_ops = 0, paginated_methods = 0, warnings = 0,
           examples = 0;
    for (size_t i = 0; i < civis_spec_operation_count(full); i++) {
        const civis_operation *op = civis_spec_operation_at(full, i);
        no_method += op->method == NULL;
        aliases += op->alias != NULL;
        paginated_ops += op->paginated;
        warnings += op->deprecation_warning != NULL;
        examples += op->examples != NULL;
    }
    CU_ASSERT_EQUAL(no_method, 20);
    CU_ASSERT_EQUAL(aliases, 19);
    CU_ASSERT_EQUAL(paginated_ops, 71);
    CU_ASSERT_EQUAL(warnings, 5);
    CU_ASSERT_EQUAL(examples, 306);
    size_t resources = 0, alias_entries = 0;
    const char *prev = NULL;
    for (size_t i = 0; i < civis_spec_method_count(full); i++) {
        const char *res = NULL, *name = NULL;
        bool is_alias = false;
        const civis_operation *op = civis_spec_method_at(full, i, &res, &name, &is_alias);
        paginated_methods += op->paginated;
        alias_entries += is_alias;
        if (prev == NULL || strcmp(prev, res) != 0)
            resources++;
        prev = res;
    }
    CU_ASSERT_EQUAL(paginated_methods, 70);
    CU_ASSERT_EQUAL(alias_entries, 19);
    CU_ASSERT_EQUAL(resources, 41);
}

/* The 20 operations whose summary says deprecated: no method. */
static const char *const skipped_ops[][2] = {
    {"GET", "/databases/{id}/tables"},
    {"GET", "/databases/{id}/tables-search"},
    {"DELETE", "/files/preprocess/csv/{id}"},
    {"DELETE", "/groups/{id}"},
    {"DELETE", "/imports/files/csv/{id}"},
    {"DELETE", "/imports/{id}/syncs/{sync_id}"},
    {"DELETE", "/notebooks/{id}"},
    {"DELETE", "/projects/{project_id}"},
    {"DELETE", "/scripts/{id}"},
    {"DELETE", "/scripts/containers/{id}"},
    {"DELETE", "/scripts/sql/{id}"},
    {"DELETE", "/scripts/python3/{id}"},
    {"DELETE", "/scripts/r/{id}"},
    {"DELETE", "/scripts/dbt/{id}"},
    {"DELETE", "/scripts/javascript/{id}"},
    {"DELETE", "/scripts/custom/{id}"},
    {"DELETE", "/services/{id}"},
    {"DELETE", "/storage_hosts/{id}"},
    {"DELETE", "/templates/reports/{id}"},
    {"DELETE", "/templates/scripts/{id}"},
};

static void test_full__skips_exactly_the_deprecated_summaries(void)
{
    if (full == NULL)
        return;
    size_t n = sizeof(skipped_ops) / sizeof(skipped_ops[0]);
    size_t found = 0;
    for (size_t i = 0; i < civis_spec_operation_count(full); i++) {
        const civis_operation *op = civis_spec_operation_at(full, i);
        if (op->method != NULL)
            continue;
        CU_ASSERT_PTR_NULL(op->alias);
        bool listed = false;
        for (size_t k = 0; k < n; k++)
            listed |= strcmp(op->verb, skipped_ops[k][0]) == 0 &&
                      strcmp(op->path, skipped_ops[k][1]) == 0;
        if (!listed)
            fprintf(stderr, "\n  unexpected skip: %s %s\n", op->verb, op->path);
        CU_ASSERT(listed);
        found++;
    }
    CU_ASSERT_EQUAL(found, n);
}

/* Appendix A: the 19 legacy aliases of the current spec. */
static const char *const alias_pairs[][3] = {
    {"clusters", "get_kubernetes_instance_configs_historical_graphs",
     "list_kubernetes_instance_configs_historical_graphs"},
    {"clusters", "get_kubernetes_instance_configs_historical_metrics",
     "list_kubernetes_instance_configs_historical_metrics"},
    {"databases", "get_advanced_settings", "list_advanced_settings"},
    {"endpoints", "get", "list"},
    {"git_repos", "get_refs", "list_refs"},
    {"groups", "get_child_groups", "list_child_groups"},
    {"models", "get_schedules", "list_schedules"},
    {"notebooks", "get_git", "list_git"},
    {"notebooks", "get_update_links", "list_update_links"},
    {"notifications", "get", "list"},
    {"predictions", "get_schedules", "list_schedules"},
    {"reports", "get_git", "list_git"},
    {"scripts", "get_javascript_git", "list_javascript_git"},
    {"scripts", "get_python3_git", "list_python3_git"},
    {"scripts", "get_r_git", "list_r_git"},
    {"scripts", "get_sql_git", "list_sql_git"},
    {"usage", "get_llm_organization_summary", "list_llm_organization_summary"},
    {"users", "get_me", "list_me"},
    {"workflows", "get_git", "list_git"},
};

static void test_full__legacy_aliases(void)
{
    if (full == NULL)
        return;
    size_t n = sizeof(alias_pairs) / sizeof(alias_pairs[0]);
    for (size_t k = 0; k < n; k++) {
        const civis_operation *preferred = find(full, alias_pairs[k][0], alias_pairs[k][1]);
        const civis_operation *legacy = find(full, alias_pairs[k][0], alias_pairs[k][2]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(preferred);
        CU_ASSERT_PTR_EQUAL(preferred, legacy);
        CU_ASSERT_STRING_EQUAL(preferred->method, alias_pairs[k][1]);
        CU_ASSERT_STRING_EQUAL(preferred->alias, alias_pairs[k][2]);
        CU_ASSERT_STRING_EQUAL(preferred->verb, "GET");
        CU_ASSERT_FALSE(preferred->returns_array);
    }
    /* Renamed without an alias: not in the legacy list. */
    const civis_operation *op = find(full, "jobs", "get_runs_inputs");
    CU_ASSERT_PTR_NOT_NULL_FATAL(op);
    CU_ASSERT_PTR_NULL(op->alias);
    const civis_operation *none = NULL;
    CU_ASSERT_EQUAL(civis_spec_find(&none, full, "jobs", "list_runs_inputs", NULL), CIVIS_EINVAL);
}

/* Method names checked against the verb and path they must call. */
static const char *const known[][4] = {
    {"users", "get_me", "GET", "/users/me"},
    {"users", "list_me", "GET", "/users/me"},
    {"users", "list", "GET", "/users/"},
    {"users", "get", "GET", "/users/{id}"},
    {"users", "patch", "PATCH", "/users/{id}"},
    {"users", "list_api_keys", "GET", "/users/{id}/api_keys"},
    {"users", "get_api_keys", "GET", "/users/{id}/api_keys/{key_id}"},
    {"users", "delete_me_favorites", "DELETE", "/users/me/favorites/{id}"},
    {"users", "patch_me_favorites_ranking_top", "PATCH", "/users/me/favorites/{id}/ranking/top"},
    {"scripts", "list", "GET", "/scripts/"},
    {"scripts", "get_sql_runs", "GET", "/scripts/sql/{id}/runs/{run_id}"},
    {"scripts", "list_sql_runs", "GET", "/scripts/sql/{id}/runs"},
    {"scripts", "get_sql_runs_inputs", "GET", "/scripts/sql/{id}/runs/{run_id}/inputs"},
    {"scripts", "list_sql_git", "GET", "/scripts/sql/{id}/git"},
    {"scripts", "get_sql_git", "GET", "/scripts/sql/{id}/git"},
    {"scripts", "get_containers_runs", "GET", "/scripts/containers/{id}/runs/{run_id}"},
    {"scripts", "post_containers_runs", "POST", "/scripts/containers/{id}/runs"},
    {"scripts", "list_containers_runs", "GET", "/scripts/containers/{id}/runs"},
    {"scripts", "post_containers", "POST", "/scripts/containers"},
    {"scripts", "patch_containers", "PATCH", "/scripts/containers/{id}"},
    {"scripts", "post_cancel", "POST", "/scripts/{id}/cancel"},
    {"scripts", "list_history", "GET", "/scripts/{id}/history"},
    {"scripts", "post_custom_clone", "POST", "/scripts/custom/{id}/clone"},
    {"scripts", "list_custom_projects", "GET", "/scripts/custom/{id}/projects"},
    {"scripts", "list_custom_runs_outputs", "GET", "/scripts/custom/{id}/runs/{run_id}/outputs"},
    {"scripts", "get_r_git_commits", "GET", "/scripts/r/{id}/git/commits/{commit_hash}"},
    {"scripts", "delete_python3_shares_users", "DELETE",
     "/scripts/python3/{id}/shares/users/{user_id}"},
    {"scripts", "patch_dbt_runs", "PATCH", "/scripts/dbt/{id}/runs/{run_id}"},
    {"scripts", "get_dbt", "GET", "/scripts/dbt/{id}"},
    {"files", "post", "POST", "/files/"},
    {"files", "get", "GET", "/files/{id}"},
    {"files", "post_multipart_complete", "POST", "/files/multipart/{id}/complete"},
    {"workflows", "list", "GET", "/workflows/"},
    {"workflows", "get", "GET", "/workflows/{id}"},
    {"workflows", "list_executions", "GET", "/workflows/{id}/executions"},
    {"workflows", "get_executions", "GET", "/workflows/{id}/executions/{execution_id}"},
    {"workflows", "delete_shares_users", "DELETE", "/workflows/{id}/shares/users/{user_id}"},
    {"databases", "get_schemas_tables", "GET",
     "/databases/{id}/schemas/{schema_name}/tables/{table_name}"},
    {"databases", "get_table_privileges_schema_name", "GET",
     "/databases/{id}/table_privileges/{schema_name}/{table_name}"},
    {"databases", "get_advanced_settings", "GET", "/databases/{id}/advanced-settings"},
    {"databases", "list_advanced_settings", "GET", "/databases/{id}/advanced-settings"},
    {"databases", "list_schemas_tables_projects", "GET",
     "/databases/{id}/schemas/{schema_name}/tables/{table_name}/projects"},
    {"databases", "delete_schemas_tables_projects", "DELETE",
     "/databases/{id}/schemas/{schema_name}/tables/{table_name}/projects/{project_id}"},
    {"databases", "list_groups", "GET", "/databases/{id}/groups"},
    {"aliases", "get_object_type", "GET", "/aliases/{object_type}/{alias}"},
    {"aliases", "list", "GET", "/aliases/"},
    {"credentials", "list_types", "GET", "/credentials/types"},
    {"credentials", "list", "GET", "/credentials/"},
    {"credentials", "put_transfer", "PUT", "/credentials/{id}/transfer"},
    {"jobs", "list_children", "GET", "/jobs/{id}/children"},
    {"jobs", "list_parents", "GET", "/jobs/{id}/parents"},
    {"jobs", "get_runs_inputs", "GET", "/jobs/{id}/runs/{run_id}/inputs"},
    {"endpoints", "get", "GET", "/endpoints/"},
    {"endpoints", "list", "GET", "/endpoints/"},
    {"notifications", "get", "GET", "/notifications/"},
    {"groups", "list_child_groups", "GET", "/groups/{id}/child_groups"},
    {"groups", "put", "PUT", "/groups/{id}"},
    {"notebooks", "list_git_commits", "GET", "/notebooks/{id}/git/commits"},
    {"notebooks", "get_deployments", "GET", "/notebooks/{notebook_id}/deployments/{deployment_id}"},
    {"tables", "post_refresh", "POST", "/tables/{id}/refresh"},
    {"enhancements", "put_civis_data_match_shares_groups", "PUT",
     "/enhancements/civis-data-match/{id}/shares/groups"},
    {"enhancements", "delete_cass_ncoa_runs", "DELETE",
     "/enhancements/cass-ncoa/{id}/runs/{run_id}"},
    {"enhancements", "get_geocode_runs", "GET", "/enhancements/geocode/{id}/runs/{run_id}"},
    {"enhancements", "delete_identity_resolution_shares_users", "DELETE",
     "/enhancements/identity-resolution/{id}/shares/users/{user_id}"},
    {"enhancements", "list_types", "GET", "/enhancements/types"},
    {"media", "patch_optimizations", "PATCH", "/media/optimizations/{id}"},
    {"organizations", "list_favorites", "GET", "/organizations/favorites"},
    {"templates", "put_scripts_projects", "PUT", "/templates/scripts/{id}/projects/{project_id}"},
    {"reports", "put_services_transfer", "PUT", "/reports/services/{id}/transfer"},
    {"projects", "put", "PUT", "/projects/{project_id}"},
    {"projects", "delete_parent_projects", "DELETE",
     "/projects/{id}/parent_projects/{parent_project_id}"},
    {"permission_sets", "put_shares_users", "PUT", "/permission_sets/{id}/shares/users"},
    {"permission_sets", "delete_resources", "DELETE", "/permission_sets/{id}/resources/{name}"},
    {"imports", "patch_files_csv", "PATCH", "/imports/files/csv/{id}"},
    {"imports", "get", "GET", "/imports/{id}"},
    {"imports", "post_files_csv", "POST", "/imports/files/csv"},
    {"queries", "post", "POST", "/queries/"},
    {"usage", "list_llm", "GET", "/usage/llm"},
    {"admin", "list_organizations", "GET", "/admin/organizations"},
};

static void test_full__known_method_names(void)
{
    if (full == NULL)
        return;
    size_t n = sizeof(known) / sizeof(known[0]);
    CU_ASSERT(n >= 60);
    for (size_t k = 0; k < n; k++) {
        const civis_operation *op = find(full, known[k][0], known[k][1]);
        CU_ASSERT_PTR_NOT_NULL(op);
        if (op == NULL)
            continue;
        if (strcmp(op->verb, known[k][2]) != 0 || strcmp(op->path, known[k][3]) != 0)
            fprintf(stderr, "\n  %s.%s -> %s %s, want %s %s\n", known[k][0], known[k][1], op->verb,
                    op->path, known[k][2], known[k][3]);
        CU_ASSERT_STRING_EQUAL(op->verb, known[k][2]);
        CU_ASSERT_STRING_EQUAL(op->path, known[k][3]);
        CU_ASSERT_STRING_EQUAL(op->resource, known[k][0]);
    }
}

/* The method table is sorted, unique, and every entry finds itself. */
static void check_method_table(const civis_spec *spec)
{
    const char *pres = NULL, *pname = NULL;
    for (size_t i = 0; i < civis_spec_method_count(spec); i++) {
        const char *res = NULL, *name = NULL;
        bool is_alias = true;
        const civis_operation *op = civis_spec_method_at(spec, i, &res, &name, &is_alias);
        CU_ASSERT_PTR_NOT_NULL_FATAL(op);
        if (pres != NULL) {
            int c = strcmp(pres, res);
            CU_ASSERT(c < 0 || (c == 0 && strcmp(pname, name) < 0)); /* no duplicates */
        }
        CU_ASSERT_STRING_EQUAL(op->resource, res);
        CU_ASSERT_STRING_EQUAL(is_alias ? op->alias : op->method, name);
        if (is_alias) {
            CU_ASSERT_EQUAL(strncmp(op->method, "get", 3), 0);
            CU_ASSERT_EQUAL(strncmp(name, "list", 4), 0);
            CU_ASSERT_STRING_EQUAL(op->method + 3, name + 4);
        }
        const civis_operation *found = NULL;
        civis_error err = CIVIS_ERROR_INIT;
        ASSERT_CIVIS_OK(civis_spec_find(&found, spec, res, name, &err), err);
        CU_ASSERT_PTR_EQUAL(found, op);
        char dotted[256];
        snprintf(dotted, sizeof(dotted), "%s.%s", res, name);
        ASSERT_CIVIS_OK(civis_spec_find_dotted(&found, spec, dotted, &err), err);
        CU_ASSERT_PTR_EQUAL(found, op);
        pres = res;
        pname = name;
    }
    CU_ASSERT_PTR_NULL(civis_spec_method_at(spec, civis_spec_method_count(spec), NULL, NULL, NULL));
}

/* Per-operation invariants: index, resource, verb, arguments in order. */
static void check_operations(const civis_spec *spec)
{
    for (size_t i = 0; i < civis_spec_operation_count(spec); i++) {
        const civis_operation *op = civis_spec_operation_at(spec, i);
        CU_ASSERT_EQUAL(op->index, i);
        CU_ASSERT_PTR_NOT_NULL(op->summary);
        CU_ASSERT(op->path[0] == '/');
        CU_ASSERT(strchr(op->resource, '-') == NULL);
        bool seen_optional = false;
        for (size_t k = 0; k < op->n_params; k++) {
            const civis_param *p = &op->params[k];
            if (!p->required)
                seen_optional = true;
            CU_ASSERT(!(p->required && seen_optional)); /* required ones first */
            if (p->in == CIVIS_IN_PATH)
                CU_ASSERT(p->required);
            if (p->in != CIVIS_IN_BODY)
                CU_ASSERT_STRING_EQUAL(p->name, p->wire);
            CU_ASSERT_PTR_EQUAL(civis_operation_param(op, p->name), p);
            CU_ASSERT(p->in == CIVIS_IN_BODY ? op->body_schema != NULL : 1);
        }
        if (op->paginated)
            CU_ASSERT_STRING_EQUAL(op->verb, "GET");
    }
    CU_ASSERT_PTR_NULL(civis_spec_operation_at(spec, civis_spec_operation_count(spec)));
}

static void test_full__method_table_and_operations(void)
{
    if (full == NULL)
        return;
    check_method_table(full);
    check_operations(full);
}

static void test_bundled__method_table_and_operations(void)
{
    CU_ASSERT(civis_spec_method_count(bundled) > 0);
    check_method_table(bundled);
    check_operations(bundled);
    /* The quirks the bundled spec keeps on purpose (spec/README.md). */
    const civis_operation *types = find(bundled, "credentials", "list_types");
    CU_ASSERT_PTR_NOT_NULL_FATAL(types);
    CU_ASSERT_TRUE(types->returns_array);
    const civis_operation *me = find(bundled, "users", "list_me");
    CU_ASSERT_PTR_NOT_NULL_FATAL(me);
    CU_ASSERT_STRING_EQUAL(me->method, "get_me");
    size_t skipped = 0;
    for (size_t i = 0; i < civis_spec_operation_count(bundled); i++)
        skipped += civis_spec_operation_at(bundled, i)->method == NULL;
    CU_ASSERT(skipped >= 1);
}

/* ---- descriptors ------------------------------------------------------------------- */

static void test_full__returns_array(void)
{
    if (full == NULL)
        return;
    /* Schema says object; the official list says array. */
    CU_ASSERT_TRUE(find(full, "credentials", "list_types")->returns_array);
    CU_ASSERT_TRUE(find(full, "jobs", "list_children")->returns_array);
    CU_ASSERT_TRUE(find(full, "scripts", "list_history")->returns_array);
    /* Schema says array. */
    CU_ASSERT_TRUE(find(full, "scripts", "list")->returns_array);
    CU_ASSERT_TRUE(find(full, "workflows", "list_executions")->returns_array);
    /* Objects. */
    CU_ASSERT_FALSE(find(full, "users", "get_me")->returns_array);
    CU_ASSERT_FALSE(find(full, "files", "post")->returns_array);
    CU_ASSERT_FALSE(find(full, "scripts", "get_sql_runs")->returns_array);
}

static void test_full__body_params_expanded_required_first(void)
{
    if (full == NULL)
        return;
    const civis_operation *op = find(full, "scripts", "post_containers");
    CU_ASSERT_PTR_NOT_NULL_FATAL(op);
    CU_ASSERT_EQUAL(op->n_params, 22);
    CU_ASSERT_TRUE(op->body_required);
    /* The body schema is the definition node itself: refs are followed, never copied. */
    CU_ASSERT_PTR_EQUAL(op->body_schema, definition(full, "ContainerScriptCreateRequest"));
    CU_ASSERT_STRING_EQUAL(op->params[0].name, "required_resources");
    CU_ASSERT_TRUE(op->params[0].required);
    CU_ASSERT_STRING_EQUAL(op->params[1].name, "name");
    CU_ASSERT_FALSE(op->params[1].required);

    const civis_param *dc = civis_operation_param(op, "docker_command");
    CU_ASSERT_PTR_NOT_NULL_FATAL(dc);
    CU_ASSERT_PTR_EQUAL(civis_operation_param(op, "dockerCommand"), dc);
    CU_ASSERT_STRING_EQUAL(dc->wire, "dockerCommand");
    CU_ASSERT_EQUAL(dc->in, CIVIS_IN_BODY);
    CU_ASSERT_EQUAL(dc->type, CIVIS_TYPE_STRING);
    CU_ASSERT_FALSE(dc->required);
    CU_ASSERT_PTR_NULL(dc->format);
    CU_ASSERT_PTR_EQUAL(
        dc->schema,
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(op->body_schema, "properties"), "dockerCommand"));

    const civis_param *params = civis_operation_param(op, "params");
    CU_ASSERT_EQUAL(params->type, CIVIS_TYPE_ARRAY);
    CU_ASSERT_EQUAL(params->item_type, CIVIS_TYPE_OBJECT); /* items are a $ref */
    const civis_param *schedule = civis_operation_param(op, "schedule");
    CU_ASSERT_EQUAL(schedule->type, CIVIS_TYPE_OBJECT); /* $ref with a description */
    CU_ASSERT_PTR_NOT_NULL(cJSON_GetObjectItemCaseSensitive(schedule->schema, "$ref"));
    CU_ASSERT_EQUAL(civis_operation_param(op, "time_zone")->type, CIVIS_TYPE_STRING);
    CU_ASSERT_PTR_NULL(civis_operation_param(op, "docker_comand"));
    CU_ASSERT_PTR_NULL(civis_operation_param(op, NULL));
    CU_ASSERT_PTR_NULL(civis_operation_param(NULL, "name"));

    /* The official positional orders (CIVIS_API_NOTES.md 1.3). */
    static const char *const sql[] = {"name", "sql", "remote_host_id", "credential_id",
                                      "parent_id"};
    op = find(full, "scripts", "post_sql");
    for (size_t i = 0; i < 5; i++)
        CU_ASSERT_STRING_EQUAL(op->params[i].name, sql[i]);
    CU_ASSERT_TRUE(op->params[3].required);
    CU_ASSERT_FALSE(op->params[4].required);
    static const char *const csv[] = {"source", "destination", "first_row_is_header", "name"};
    op = find(full, "imports", "post_files_csv");
    for (size_t i = 0; i < 4; i++)
        CU_ASSERT_STRING_EQUAL(op->params[i].name, csv[i]);
    static const char *const q[] = {"database", "sql", "preview_rows", "credential"};
    op = find(full, "queries", "post");
    for (size_t i = 0; i < 4; i++)
        CU_ASSERT_STRING_EQUAL(op->params[i].name, q[i]);
    CU_ASSERT_STRING_EQUAL(civis_operation_param(op, "previewRows")->name, "preview_rows");

    /* Path parameter, then the body's required, then the rest. */
    op = find(full, "aliases", "put_transfer");
    CU_ASSERT_EQUAL(op->params[0].in, CIVIS_IN_PATH);
    CU_ASSERT_STRING_EQUAL(op->params[0].name, "id");
    CU_ASSERT_STRING_EQUAL(op->params[1].name, "user_id");
    CU_ASSERT_STRING_EQUAL(op->params[1].wire, "userId");
    CU_ASSERT_STRING_EQUAL(op->params[2].name, "include_dependencies");
    CU_ASSERT_STRING_EQUAL(op->params[3].name, "email_body");
    CU_ASSERT_FALSE(op->params[3].required);
}

static void test_full__path_and_query_params(void)
{
    if (full == NULL)
        return;
    const civis_operation *op = find(full, "scripts", "list_sql_runs");
    CU_ASSERT_PTR_NOT_NULL_FATAL(op);
    CU_ASSERT_TRUE(op->paginated);
    CU_ASSERT_PTR_NULL(op->body_schema);
    CU_ASSERT_FALSE(op->body_required);
    static const char *const names[] = {"id", "limit", "page_num", "order", "order_dir"};
    CU_ASSERT_EQUAL_FATAL(op->n_params, 5);
    for (size_t i = 0; i < 5; i++)
        CU_ASSERT_STRING_EQUAL(op->params[i].name, names[i]);
    CU_ASSERT_EQUAL(op->params[0].in, CIVIS_IN_PATH);
    CU_ASSERT_EQUAL(op->params[0].type, CIVIS_TYPE_INTEGER);
    CU_ASSERT_TRUE(op->params[0].required);
    CU_ASSERT_EQUAL(op->params[1].in, CIVIS_IN_QUERY);
    CU_ASSERT_EQUAL(op->params[1].type, CIVIS_TYPE_INTEGER);
    CU_ASSERT_FALSE(op->params[1].required);
    CU_ASSERT_EQUAL(op->params[3].type, CIVIS_TYPE_STRING);

    /* Array query parameter with its item type. */
    op = find(full, "admin", "list_organizations");
    const civis_param *status = civis_operation_param(op, "status");
    CU_ASSERT_PTR_NOT_NULL_FATAL(status);
    CU_ASSERT_EQUAL(status->type, CIVIS_TYPE_ARRAY);
    CU_ASSERT_EQUAL(status->item_type, CIVIS_TYPE_STRING);
    CU_ASSERT_FALSE(find(full, "scripts", "get_sql_runs")->paginated);
}

static void test_full__responses(void)
{
    if (full == NULL)
        return;
    const civis_operation *op = find(full, "files", "post");
    CU_ASSERT_EQUAL(op->response_status, 201);
    /* The declared schema as written: the $ref is not followed. */
    CU_ASSERT_STRING_EQUAL(
        cJSON_GetObjectItemCaseSensitive(op->response_schema, "$ref")->valuestring,
        "#/definitions/FilePost");
    CU_ASSERT_PTR_EQUAL(civis_spec_deref(full, op->response_schema), definition(full, "FilePost"));
    CU_ASSERT_EQUAL(find(full, "scripts", "post_cancel")->response_status, 202);
    CU_ASSERT_EQUAL(find(full, "scripts", "post_containers_runs")->response_status, 202);
    op = find(full, "endpoints", "get");
    CU_ASSERT_EQUAL(op->response_status, 200);
    CU_ASSERT_PTR_NULL(op->response_schema);
    for (size_t i = 0; i < civis_spec_operation_count(full); i++) {
        op = civis_spec_operation_at(full, i);
        if (strcmp(op->path, "/scripts/containers/{id}") == 0 && strcmp(op->verb, "DELETE") == 0) {
            CU_ASSERT_EQUAL(op->response_status, 204);
            CU_ASSERT_PTR_NULL(op->response_schema);
            CU_ASSERT_PTR_NULL(op->method);
        }
    }
}

static void test_full__warnings_and_examples(void)
{
    if (full == NULL)
        return;
    const civis_operation *op = find(full, "tables", "post_refresh");
    CU_ASSERT_PTR_NOT_NULL_FATAL(op);
    CU_ASSERT_PTR_NOT_NULL_FATAL(op->deprecation_warning);
    /* the bundled spec keeps the marker, not the wording */
    CU_ASSERT_PTR_NOT_NULL(strstr(op->deprecation_warning, "deprecated"));
    CU_ASSERT_PTR_NOT_NULL(op->method); /* warned, not skipped */
    CU_ASSERT_PTR_NULL(find(full, "users", "get_me")->deprecation_warning);

    op = find(full, "users", "get_me");
    CU_ASSERT_TRUE(cJSON_IsArray(op->examples));
    const cJSON *doc_ex = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(civis_spec_document(full), "paths"), "/users/me"),
            "get"),
        "x-examples");
    CU_ASSERT_PTR_EQUAL(op->examples, doc_ex);
    CU_ASSERT_PTR_NULL(find(full, "scripts", "post_cancel")->examples);
}

static void test_full__the_one_cycle_resolves_in_place(void)
{
    if (full == NULL)
        return;
    const cJSON *job = definition(full, "JobNestedJob");
    CU_ASSERT_PTR_NOT_NULL_FATAL(job);
    const cJSON *children = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(job, "properties"), "children");
    CU_ASSERT_PTR_EQUAL(civis_spec_deref(full, cJSON_GetObjectItemCaseSensitive(children, "items")),
                        job);
    CU_ASSERT_PTR_EQUAL(civis_spec_deref(full, job), job);
    CU_ASSERT_PTR_NULL(civis_spec_deref(full, NULL));
    CU_ASSERT_PTR_NULL(civis_spec_deref(NULL, job));
}

/* ---- lookups ------------------------------------------------------------------------ */

static void expect_find_error(const civis_spec *spec, const char *resource, const char *method,
                              const char *param, const char *message)
{
    const civis_operation *op = (const civis_operation *)&op;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_spec_find(&op, spec, resource, method, &err), CIVIS_EINVAL);
    CU_ASSERT_PTR_NULL(op);
    CU_ASSERT_EQUAL(err.code, CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, param);
    if (strcmp(err.message, message) != 0)
        fprintf(stderr, "\n  got:  %s\n  want: %s\n", err.message, message);
    CU_ASSERT_STRING_EQUAL(err.message, message);
}

static void test_find__did_you_mean(void)
{
    /* The bundled spec has scripts.get_sql_runs too, so this runs without
     * the full spec. */
    civis_spec *specs[] = {bundled, full};
    for (size_t i = 0; i < 2; i++) {
        if (specs[i] == NULL)
            continue;
        expect_find_error(specs[i], "scripts", "get_sql_run", "method",
                          "no method 'get_sql_run' on resource 'scripts' (did you mean "
                          "'get_sql_runs'?)");
        expect_find_error(specs[i], "scirpts", "get_sql_runs", "resource",
                          "no resource 'scirpts' (did you mean 'scripts'?)");
        /* no close name: the message says which spec was searched */
        char want[512];
        snprintf(want, sizeof(want), "no resource 'nothing_like_it' in %s",
                 civis_spec_origin(specs[i]));
        expect_find_error(specs[i], "nothing_like_it", "get", "resource", want);
        snprintf(want, sizeof(want),
                 "no method 'frobnicate_everything_now' on resource 'scripts' in %s",
                 civis_spec_origin(specs[i]));
        expect_find_error(specs[i], "scripts", "frobnicate_everything_now", "method", want);
        expect_find_error(specs[i], "", "get", "resource", "no resource given");
        expect_find_error(specs[i], "scripts", "", "method",
                          "no method given for resource 'scripts'");
        expect_find_error(specs[i], "users", "get_mee", "method",
                          "no method 'get_mee' on resource 'users' (did you mean 'get_me'?)");
    }
    /* where each came from, with the extract's date and the count */
    const cJSON *date = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(civis_spec_document(bundled), "x-civis-extract"), "date");
    CU_ASSERT_FATAL(cJSON_IsString(date));
    char origin[128];
    snprintf(origin, sizeof(origin), "the bundled spec (%s, 910 operations)", date->valuestring);
    CU_ASSERT_STRING_EQUAL(civis_spec_origin(bundled), origin);
    CU_ASSERT_EQUAL(strncmp(civis_spec_origin(full), "spec file '", 11), 0);
    const char *full_path = civis_test_full_spec("spec_index origin");
    CU_ASSERT(full_path != NULL && strstr(civis_spec_origin(full), full_path) != NULL);
    /* a real resource of the API is not steered to a look-alike */
    civis_spec *small = NULL;
    civis_error e = CIVIS_ERROR_INIT;
    char subset[1024];
    ASSERT_CIVIS_OK(civis_spec_load_file(
                        &small, civis_test_data(subset, sizeof(subset), "specs/subset.json"), &e),
                    e);
    const civis_operation *op = NULL;
    CU_ASSERT_EQUAL(civis_spec_find(&op, small, "exports", "post_files_csv", &e), CIVIS_EINVAL);
    CU_ASSERT_PTR_NULL(strstr(e.message, "did you mean"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "no resource 'exports' in spec file '"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.message, "subset.json' ("));
    civis_spec_free(small);
    if (full != NULL)
        expect_find_error(full, "workflows", "list_execution", "method",
                          "no method 'list_execution' on resource 'workflows' (did you mean "
                          "'list_executions'?)");
}

static void test_find_dotted(void)
{
    const civis_operation *op = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_find_dotted(&op, bundled, "users.get_me", &err), err);
    CU_ASSERT_STRING_EQUAL(op->path, "/users/me");
    CU_ASSERT_EQUAL(civis_spec_find_dotted(&op, bundled, "users", &err), CIVIS_EINVAL);
    CU_ASSERT_PTR_NULL(op);
    CU_ASSERT_STRING_EQUAL(err.param, "method");
    CU_ASSERT_STRING_EQUAL(err.message, "'users' is not of the form resource.method");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_spec_find_dotted(&op, bundled, "scirpts.get", &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.message, "no resource 'scirpts' (did you mean 'scripts'?)");
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_spec_find_dotted(&op, bundled, NULL, &err), CIVIS_EINVAL);
    civis_error_clear(&err);
    CU_ASSERT_EQUAL(civis_spec_find(NULL, bundled, "users", "get_me", &err), CIVIS_EINVAL);
    CU_ASSERT_STRING_EQUAL(err.param, "out");
}

static void test_schema_type(void)
{
    static const struct {
        const char *json;
        civis_type type;
    } cases[] = {
        {"{\"type\": \"string\"}", CIVIS_TYPE_STRING},
        {"{\"type\": \"integer\"}", CIVIS_TYPE_INTEGER},
        {"{\"type\": \"number\"}", CIVIS_TYPE_NUMBER},
        {"{\"type\": \"boolean\"}", CIVIS_TYPE_BOOLEAN},
        {"{\"type\": \"array\", \"items\": {}}", CIVIS_TYPE_ARRAY},
        {"{\"type\": \"object\"}", CIVIS_TYPE_OBJECT},
        {"{\"description\": \"no type\"}", CIVIS_TYPE_ANY},
        {"{\"type\": \"file\"}", CIVIS_TYPE_ANY},
        {"{\"type\": 3}", CIVIS_TYPE_ANY},
        {"[1]", CIVIS_TYPE_ANY},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *node = cJSON_Parse(cases[i].json);
        CU_ASSERT_PTR_NOT_NULL_FATAL(node);
        CU_ASSERT_EQUAL(civis_schema_type(node), cases[i].type);
        cJSON_Delete(node);
    }
    CU_ASSERT_EQUAL(civis_schema_type(NULL), CIVIS_TYPE_ANY);
}

/* ---- the naming rules on a small spec written for them ------------------------------- */

#define HEAD "{\"swagger\": \"2.0\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, "
#define OBJ "{\"200\": {\"description\": \"ok\", \"schema\": {\"$ref\": \"#/definitions/W\"}}}"
#define ARR                                                                                        \
    "{\"200\": {\"description\": \"ok\", \"schema\": {\"type\": \"array\", \"items\": "            \
    "{\"$ref\": \"#/definitions/W\"}}}}"
#define IDP "{\"name\": \"id\", \"in\": \"path\", \"required\": true, \"type\": \"integer\"}"

static const char rules_doc[] = HEAD
    "\"paths\": {"
    "\"/widgets/\": {"
    "  \"get\": {\"summary\": \"List\", \"parameters\": [{\"name\": \"limit\", \"in\": "
    "\"query\", \"type\": \"integer\"}, {\"name\": \"page_num\", \"in\": \"query\", "
    "\"type\": \"integer\"}], \"responses\": " ARR "},"
    "  \"post\": {\"summary\": \"Create\", \"parameters\": [{\"name\": \"dry_run\", \"in\": "
    "\"query\", \"type\": \"boolean\"}, {\"name\": \"body\", \"in\": \"body\", \"required\": "
    "true, \"schema\": {\"$ref\": \"#/definitions/WidgetCreate\"}}], \"responses\": "
    "{\"201\": {\"description\": \"made\", \"schema\": {\"$ref\": \"#/definitions/W\"}}}}},"
    "\"/widgets/{id}\": {"
    "  \"get\": {\"summary\": \"Get\", \"parameters\": [" IDP "], \"responses\": " OBJ "},"
    "  \"delete\": {\"summary\": \"Delete a widget (DEPRECATED)\", \"parameters\": [" IDP
    "], \"responses\": {\"204\": {\"description\": \"gone\"}}}},"
    "\"/widgets/{id}/parts/{part_id}\": {\"get\": {\"summary\": \"g\", \"responses\": " OBJ "}},"
    "\"/widgets/{a}/{b}/{c}\": {\"get\": {\"summary\": \"g\", \"responses\": " OBJ "}},"
    "\"/widgets/{id}/sub-items\": {\"get\": {\"summary\": \"g\", \"responses\": " OBJ "}},"
    "\"/widgets/{id}/notes\": {\"parameters\": [" IDP "], \"get\": {\"summary\": \"g\", "
    "\"parameters\": [{\"name\": \"q\", \"in\": \"query\", \"type\": \"string\"}], "
    "\"responses\": " OBJ ", \"x-deprecation-warning\": \"use something else\"}},"
    "\"/users/me\": {\"get\": {\"summary\": \"Me\", \"responses\": " OBJ "}},"
    "\"/credentials/types\": {\"get\": {\"summary\": \"Types\", \"responses\": " OBJ "}},"
    "\"/feature_flags/{flag}\": {\"get\": {\"summary\": \"Flag\", \"responses\": " OBJ "}},"
    "\"/Big-Things/x-y\": {\"put\": {\"summary\": \"p\", \"responses\": {\"204\": "
    "{\"description\": \"ok\"}}}}"
    "}, \"definitions\": {"
    "\"W\": {\"type\": \"object\", \"properties\": {\"id\": {\"type\": \"integer\"}}},"
    "\"WidgetCreate\": {\"type\": \"object\", \"required\": [\"ownerID\", \"name\"], "
    "\"properties\": {\"name\": {\"type\": \"string\"}, \"sizeInCM\": {\"type\": "
    "\"number\"}, \"ownerID\": {\"type\": \"integer\"}, \"tags\": {\"type\": \"array\", "
    "\"items\": {\"type\": \"string\"}}, \"startsAt\": {\"type\": \"string\", \"format\": "
    "\"date-time\"}}}}}";

static void test_rules__names_on_a_small_spec(void)
{
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    ASSERT_CIVIS_OK(civis_spec_load_buffer(&spec, rules_doc, strlen(rules_doc), &err), err);
    CU_ASSERT_EQUAL(civis_spec_operation_count(spec), 12);
    static const char *const names[][3] = {
        {"widgets", "list", "/widgets/"},    /* array response, trailing slash */
        {"widgets", "post", "/widgets/"},    /* just the verb */
        {"widgets", "get", "/widgets/{id}"}, /* GET ending in {param} */
        {"widgets", "get_parts", "/widgets/{id}/parts/{part_id}"},
        {"widgets", "get_a_b", "/widgets/{a}/{b}/{c}"}, /* a {param} after a {param} */
        {"widgets", "get_sub_items", "/widgets/{id}/sub-items"},
        {"widgets", "get_notes", "/widgets/{id}/notes"}, /* object, not legacy: no alias */
        {"users", "get_me", "/users/me"},
        {"users", "list_me", "/users/me"},                   /* legacy alias */
        {"credentials", "list_types", "/credentials/types"}, /* the array-path list */
        {"big_things", "put_x_y", "/Big-Things/x-y"},        /* lowercase, '-' -> '_' */
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const civis_operation *op = find(spec, names[i][0], names[i][1]);
        CU_ASSERT_PTR_NOT_NULL(op);
        if (op != NULL)
            CU_ASSERT_STRING_EQUAL(op->path, names[i][2]);
    }
    CU_ASSERT_EQUAL(civis_spec_method_count(spec), 11);
    const civis_operation *notes = find(spec, "widgets", "get_notes");
    CU_ASSERT_PTR_NULL(notes->alias);
    CU_ASSERT_STRING_EQUAL(notes->deprecation_warning, "use something else");
    /* Path-level parameters come with the operation's own. */
    CU_ASSERT_EQUAL(notes->n_params, 2);
    CU_ASSERT_STRING_EQUAL(notes->params[0].name, "id");
    CU_ASSERT_EQUAL(notes->params[0].in, CIVIS_IN_PATH);
    CU_ASSERT_STRING_EQUAL(notes->params[1].name, "q");
    CU_ASSERT_TRUE(find(spec, "widgets", "list")->paginated);
    CU_ASSERT_TRUE(find(spec, "credentials", "list_types")->returns_array);

    /* Skipped: a deprecated summary (any case) and the excluded resource. */
    for (size_t i = 0; i < civis_spec_operation_count(spec); i++) {
        const civis_operation *op = civis_spec_operation_at(spec, i);
        if (strcmp(op->verb, "DELETE") == 0 || strcmp(op->resource, "feature_flags") == 0)
            CU_ASSERT_PTR_NULL(op->method);
    }
    char no_method[256];
    snprintf(no_method, sizeof(no_method), "no method 'get' on resource 'feature_flags' in %s",
             civis_spec_origin(spec));
    CU_ASSERT_EQUAL(strncmp(civis_spec_origin(spec), "a spec given as a buffer (", 26), 0);
    expect_find_error(spec, "feature_flags", "get", "method", no_method);

    /* Body properties: snake names, required first in schema order, then
     * the optional query parameter and the optional properties. */
    const civis_operation *post = find(spec, "widgets", "post");
    static const struct {
        const char *name, *wire;
        civis_param_in in;
        bool required;
        civis_type type;
    } want[] = {
        {"name", "name", CIVIS_IN_BODY, true, CIVIS_TYPE_STRING},
        {"owner_id", "ownerID", CIVIS_IN_BODY, true, CIVIS_TYPE_INTEGER},
        {"dry_run", "dry_run", CIVIS_IN_QUERY, false, CIVIS_TYPE_BOOLEAN},
        {"size_in_cm", "sizeInCM", CIVIS_IN_BODY, false, CIVIS_TYPE_NUMBER},
        {"tags", "tags", CIVIS_IN_BODY, false, CIVIS_TYPE_ARRAY},
        {"starts_at", "startsAt", CIVIS_IN_BODY, false, CIVIS_TYPE_STRING},
    };
    CU_ASSERT_EQUAL_FATAL(post->n_params, 6);
    for (size_t i = 0; i < 6; i++) {
        CU_ASSERT_STRING_EQUAL(post->params[i].name, want[i].name);
        CU_ASSERT_STRING_EQUAL(post->params[i].wire, want[i].wire);
        CU_ASSERT_EQUAL(post->params[i].in, want[i].in);
        CU_ASSERT_EQUAL(post->params[i].required, want[i].required);
        CU_ASSERT_EQUAL(post->params[i].type, want[i].type);
    }
    CU_ASSERT_EQUAL(post->params[4].item_type, CIVIS_TYPE_STRING);
    CU_ASSERT_STRING_EQUAL(post->params[5].format, "date-time");
    CU_ASSERT_EQUAL(post->response_status, 201);
    CU_ASSERT_TRUE(post->body_required);
    civis_spec_free(spec);
}

static void expect_load_error(const char *json, const char *message)
{
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    CU_ASSERT_EQUAL(civis_spec_load_buffer(&spec, json, strlen(json), &err), CIVIS_ESPEC);
    CU_ASSERT_PTR_NULL(spec);
    if (strcmp(err.message, message) != 0)
        fprintf(stderr, "\n  got:  %s\n  want: %s\n", err.message, message);
    CU_ASSERT_STRING_EQUAL(err.message, message);
}

static void test_rules__malformed_operations(void)
{
    expect_load_error(HEAD "\"paths\": {\"/dups\": {\"get\": {\"responses\": " OBJ "}}, "
                           "\"/dups/\": {\"get\": {\"responses\": " OBJ "}}}, \"definitions\": "
                           "{\"W\": {\"type\": \"object\"}}}",
                      "$.paths./dups/: GET /dups and GET /dups/ both get the method name "
                      "dups.get");
    expect_load_error(HEAD "\"paths\": {\"/a\": {\"get\": {\"parameters\": [{\"name\": \"X-Key\", "
                           "\"in\": \"header\", \"type\": \"string\"}], \"responses\": {}}}}}",
                      "$.paths./a.get.parameters[0]: unsupported parameter location 'header' "
                      "(supported: path, query, body)");
    expect_load_error(HEAD "\"paths\": {\"/a\": {\"post\": {\"parameters\": [{\"name\": \"b1\", "
                           "\"in\": \"body\", \"schema\": {}}, {\"name\": \"b2\", \"in\": "
                           "\"body\", \"schema\": {}}], \"responses\": {}}}}}",
                      "$.paths./a.post.parameters[1]: more than one body parameter");
    expect_load_error(HEAD "\"paths\": {\"/a\": {\"get\": {\"parameters\": [{\"in\": \"query\"}], "
                           "\"responses\": {}}}}}",
                      "$.paths./a.get.parameters[0]: parameter has no 'name'");
    expect_load_error(HEAD "\"paths\": {\"/a\": {\"get\": {\"parameters\": [{\"name\": \"q\"}], "
                           "\"responses\": {}}}}}",
                      "$.paths./a.get.parameters[0]: parameter has no 'in' (path, query or "
                      "body)");
    expect_load_error(HEAD "\"paths\": {\"/a\": {\"get\": {\"parameters\": {}, \"responses\": "
                           "{}}}}}",
                      "$.paths./a.get.parameters: expected an array");
    expect_load_error(HEAD "\"paths\": {\"/a\": 7}}",
                      "$.paths./a: expected an object (a path item)");
    expect_load_error(HEAD "\"paths\": {\"/a\": {\"get\": []}}}",
                      "$.paths./a.get: expected an object (an operation)");
    expect_load_error(HEAD "\"paths\": {\"/\": {\"get\": {\"responses\": {}}}}}",
                      "$.paths./: path has no first segment to name its resource");
}

/* ---- the civis-spec tool ------------------------------------------------------------- */

/* Runs civis-spec with args (stderr folded into stdout); returns the exit
 * status and the output (caller frees), or -1 when the tool is not built. */
static int run_cli(char **out, const char *args)
{
    *out = NULL;
    const char *bin = getenv("CIVIS_SPEC_BIN");
    if (bin == NULL || access(bin, X_OK) != 0)
        return -1;
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "env -u CIVIS_API_SPEC '%s' %s 2>&1", bin, args);
    FILE *p = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            char *nb = realloc(buf, cap * 2);
            CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
            buf = nb;
            cap *= 2;
        }
    }
    buf[n] = '\0';
    int status = pclose(p);
    *out = buf;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void test_cli__lists_methods_with_markers(void)
{
    char *out = NULL;
    int rc = run_cli(&out, "users");
    if (rc < 0) {
        civis_test_skip("cli: civis-spec not built (CIVIS_SPEC_BIN)");
        return;
    }
    /* The bundled spec by default. */
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "users get_me GET /users/me\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out, "users list_me GET /users/me [deprecated: alias of get_me]\n"));
    free(out);

    CU_ASSERT_EQUAL(run_cli(&out, "--bogus"), 2);
    CU_ASSERT_STRING_EQUAL(out, "civis-spec: unknown option '--bogus' (try --help)\n");
    free(out);
    CU_ASSERT_EQUAL(run_cli(&out, "--spec /nonexistent/spec.json"), 2);
    CU_ASSERT_STRING_EQUAL(out, "civis-spec: cannot open spec '/nonexistent/spec.json': No such "
                                "file or directory\n");
    free(out);
    CU_ASSERT_EQUAL(run_cli(&out, "--help"), 0);
    CU_ASSERT_EQUAL(strncmp(out, "usage: civis-spec [--spec FILE] [--all] [RESOURCE]\n", 51), 0);
    free(out);
    CU_ASSERT_EQUAL(run_cli(&out, "scirpts"), 2);
    CU_ASSERT_STRING_EQUAL(out, "civis-spec: no resource 'scirpts' (did you mean 'scripts'?)\n");
    free(out);

    const char *path = civis_test_full_spec("spec_index civis-spec on the full spec");
    if (path == NULL)
        return;
    char args[512];
    snprintf(args, sizeof(args), "--spec '%s'", path);
    CU_ASSERT_EQUAL(run_cli(&out, args), 0);
    CU_ASSERT_EQUAL(count_lines(out), 909);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nusers list GET /users/ [paginated]\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out, "\ntables post_refresh POST /tables/{id}/refresh [warning]\n"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out, "\nendpoints list GET /endpoints/ [deprecated: alias of get]\n"));
    CU_ASSERT_EQUAL(strncmp(out, "admin list_organizations GET /admin/organizations\n", 49), 0);
    free(out);
    snprintf(args, sizeof(args), "--all --spec '%s'", path);
    CU_ASSERT_EQUAL(run_cli(&out, args), 0);
    CU_ASSERT_EQUAL(count_lines(out), 929);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\nscripts - DELETE /scripts/{id} [skipped: deprecated]\n"));
    free(out);
    snprintf(args, sizeof(args), "--spec '%s' --all databases", path);
    CU_ASSERT_EQUAL(run_cli(&out, args), 0);
    CU_ASSERT_EQUAL(count_lines(out), 23); /* 22 operations: 20 methods, 1 alias, 2 skipped */
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out, "databases - GET /databases/{id}/tables [skipped: deprecated]\n"));
    free(out);
}

static CU_TestInfo tests[] = {
    {"full__counts", test_full__counts},
    {"full__skips_exactly_the_deprecated_summaries",
     test_full__skips_exactly_the_deprecated_summaries},
    {"full__legacy_aliases", test_full__legacy_aliases},
    {"full__known_method_names", test_full__known_method_names},
    {"full__method_table_and_operations", test_full__method_table_and_operations},
    {"bundled__method_table_and_operations", test_bundled__method_table_and_operations},
    {"full__returns_array", test_full__returns_array},
    {"full__body_params_expanded_required_first", test_full__body_params_expanded_required_first},
    {"full__path_and_query_params", test_full__path_and_query_params},
    {"full__responses", test_full__responses},
    {"full__warnings_and_examples", test_full__warnings_and_examples},
    {"full__the_one_cycle_resolves_in_place", test_full__the_one_cycle_resolves_in_place},
    {"find__did_you_mean", test_find__did_you_mean},
    {"find_dotted", test_find_dotted},
    {"schema_type", test_schema_type},
    {"rules__names_on_a_small_spec", test_rules__names_on_a_small_spec},
    {"rules__malformed_operations", test_rules__malformed_operations},
    {"cli__lists_methods_with_markers", test_cli__lists_methods_with_markers},
    CU_TEST_INFO_NULL,
};

CIVIS_SUITE(spec_index, tests, suite_init, suite_cleanup)
