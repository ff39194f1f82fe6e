/*
 * civis/helpers.h: the lookups the official client offers on its APIClient
 * (database, table and storage host ids, the default database credential,
 * the current user). Each answer is memoised per client and per argument,
 * for the client's lifetime, as the official client's lru_cache does: the
 * second lookup of the same name sends nothing. The memo is mutex-protected,
 * so the helpers may be called from several threads at once.
 */
#ifndef CIVIS_HELPERS_H
#define CIVIS_HELPERS_H

#include <cjson/cJSON.h>

#include "civis/export.h"
#include "civis/client.h"
#include "civis/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The id of a database given its name, or its id as a numeric string
 * ("32" -> 32, no request). Otherwise GET /databases and the entry whose
 * name is equal. Not there: CIVIS_ENOTFOUND "Database X not found.", param
 * "database". Errors of the call pass through.
 */
CIVIS_EXTERN civis_status civis_get_database_id(long long *out, civis_client *client,
                                                const char *database, civis_error *err);

/*
 * The id of a table "schema.table" (or "table") in a database (name or
 * numeric string): GET /tables?database_id=&schema=&name= and the first
 * result. The table name is split as civis_split_schema_tablename does.
 * No result: CIVIS_ENOTFOUND "Table schema.table not found.", param "table".
 */
CIVIS_EXTERN civis_status civis_get_table_id(long long *out, civis_client *client,
                                             const char *table, const char *database,
                                             civis_error *err);

/* The id of a storage host given its name or numeric string: GET
 * /storage_hosts and the entry whose name is equal; CIVIS_ENOTFOUND
 * "Storage Host X not found.", param "storage_host". */
CIVIS_EXTERN civis_status civis_get_storage_host_id(long long *out, civis_client *client,
                                                    const char *storage_host, civis_error *err);

/* The id of the caller's default database credential: GET
 * /credentials?type=Database&default=True and the first id. None:
 * CIVIS_EEMPTY "no default database credential", param "credential". */
CIVIS_EXTERN civis_status civis_default_database_credential_id(long long *out, civis_client *client,
                                                               civis_error *err);

/* The caller's user object (GET /users/me), borrowed from the client's memo:
 * valid until civis_client_free(). */
CIVIS_EXTERN civis_status civis_current_user(const cJSON **out, civis_client *client,
                                             civis_error *err);

/*
 * Splits "schema.table" as the official client does: '.' separates, '"'
 * quotes (a doubled quote is a literal quote), more than two parts is
 * CIVIS_EINVAL (param "table"). '"sch.ema"."t.able"' -> sch.ema / t.able,
 * 'schema."tab""le."' -> schema / tab"le. ; "table" alone -> *schema NULL.
 * *schema and *table are owned by the caller (free with civis_free).
 */
CIVIS_EXTERN civis_status civis_split_schema_tablename(char **schema, char **table,
                                                       const char *name, civis_error *err);

/* Frees memory that libcivis handed out as plain bytes (the strings of
 * civis_split_schema_tablename). NULL allowed. */
CIVIS_EXTERN void civis_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* CIVIS_HELPERS_H */
