/*
 * user_code.h: a small piece of "your code", the kind the user guide's
 * "Testing your code" section tests: it runs a SQL query on Civis Platform
 * and returns where the result went. Written against civis_client *, so a
 * test can hand it the in-process mock's client (test_example.c).
 */
#ifndef USER_CODE_H
#define USER_CODE_H

#include "civis.h"

/*
 * Runs "SELECT DISTINCT timestamp FROM <table>" on the database
 * `database_id` with the credential `credential_id`: creates the SQL script
 * (scripts.post_sql), starts a run (scripts.post_sql_runs), polls the run
 * (scripts.get_sql_runs, every `poll_ms` milliseconds) until it succeeds or
 * fails, and gives the path of its first output.
 *
 * *path is owned by the caller (free()). Errors: those of the calls;
 * CIVIS_EJOB "(From job J / run R) <the run's error>" when the run fails;
 * CIVIS_EEMPTY when it succeeds without output; CIVIS_ETIMEOUT after
 * `max_polls` polls.
 */
civis_status get_timestamps_from_table(char **path, civis_client *client, const char *table,
                                       long long database_id, long long credential_id, long poll_ms,
                                       int max_polls, civis_error *err);

#endif
