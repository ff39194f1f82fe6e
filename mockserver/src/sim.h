/*
 * sim.h: the stateful simulation of platform objects inside civis-mock.
 * Nothing outside mockserver/src includes this.
 *
 * The simulation is the answer source between fixtures and x-examples. It
 * keeps one object store per API key ("space"), inferred from the spec's
 * path templates at start-up (sim_index.c): every path whose last segment
 * is literal, that takes POST and has an item path (collection + /{id})
 * is a collection. On top of the generic CRUD (sim_store.c) sit runs of
 * every runnable job type (sim_runs.c), file storage with presigned-style
 * upload and download endpoints (sim_files.c, sim_blob.c) and the admin
 * endpoints under /__mock/sim/ (sim_admin.c).
 *
 * Threading: each space (API key) has its own mutex guarding its objects
 * and runs, so requests of different keys never wait for each other.
 * civis_sim.lock guards the table of spaces and the global settings (run
 * policy, default result set, token seed): a request takes it only to find
 * its space and lock that (civis__sim_space_lock), so it is held for a
 * lookup. The admin API and resets take it and then every space's lock
 * (civis__sim_lock_all). Lock order: sim->lock before a space's; never two
 * spaces otherwise. Only the byte streams of uploads and downloads run
 * outside the locks: an upload fills a private blob and attaches it under
 * its space's lock at the end; a download copies (memory) or dups (disk)
 * the blob under it.
 */
#ifndef CMOCK_SIM_H
#define CMOCK_SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "mock.h"

/* ---- what the rest of civis-mock calls ---------------------------------- */

#define CIVIS_SIM_DEFAULT_MEM_LIMIT (8u * 1024u * 1024u) /* bytes of one file kept in RAM */

typedef struct civis_sim civis_sim;

/* Ids (objects and runs) one API key may create before POSTs get 507. A
 * container script renders to a few KB, so this bounds a key's state to
 * tens of MB however long a load test runs. */
#define CIVIS_SIM_DEFAULT_MAX_OBJECTS 20000

/* Bytes one API key's state may hold (--state-max-bytes): objects (about
 * their JSON size each), runs, log lines and uploaded files. Past it,
 * creations get 507 naming the budget. */
#define CIVIS_SIM_DEFAULT_MAX_BYTES ((size_t)256 * 1024 * 1024)
/* What an object or a run costs beyond its JSON text: its node, its index
 * slots, its list keys. */
#define CIVIS_SIM_OBJ_OVERHEAD 256

typedef struct civis_sim_options {
    const char *run_policy;       /* --run-policy text; NULL means "instant" */
    size_t mem_limit;             /* --state-mem-limit; 0 means CIVIS_SIM_DEFAULT_MEM_LIMIT */
    size_t max_objects;           /* --state-max-objects; 0 means CIVIS_SIM_DEFAULT_MAX_OBJECTS */
    size_t max_bytes;             /* --state-max-bytes; 0 means CIVIS_SIM_DEFAULT_MAX_BYTES */
    const char *state_dir;        /* --state-dir; NULL: a fresh temporary directory, removed
                                     by civis__sim_free */
    uint64_t seed;                /* --seed, for the synthesized parts of objects */
    const char *const *databases; /* --database names offered besides the default (borrowed) */
    size_t n_databases;
} civis_sim_options;

/* Builds the simulation for `spec` (borrowed; must outlive the simulation).
 * CIVIS_EINVAL names a bad option ("run_policy"); CIVIS_EIO a state dir
 * that cannot be created. Release with civis__sim_free. */
civis_status civis__sim_new(civis_sim **out, const civis_spec *spec, const civis_sim_options *opts,
                            civis_error *err);
void civis__sim_free(civis_sim *sim);

/*
 * Creates the simulation from srv->config and installs it in srv->sim
 * (unless --stateless). Prints its own error. Returns -1 to go on, or an
 * exit status (2 for a bad flag value, 1 otherwise), as main.c's steps do.
 */
int civis__sim_install(cmock_server *srv);
/* Frees what civis__sim_install installed (after the server stopped). */
void civis__sim_uninstall(cmock_server *srv);

/* The cmock_simulation callbacks; ctx is the civis_sim. */
bool civis__sim_handle(void *ctx, const civis_spec *spec, const civis_route *route,
                       const cmock_request *req, const cJSON *body, cJSON *parsed,
                       const char *api_key, cmock_reply *reply, cmock_outcome *outcome);
void civis__sim_reset(void *ctx);

/* Checks a --run-policy text; false with the reason in `why`. */
bool civis__sim_policy_check(const char *text, char *why, size_t whylen);

/* Answers /__mock/sim/... (`path` is the part after "/__mock"). `sim` may
 * be NULL (--stateless): then every such path is a 404. */
void civis__sim_admin(civis_sim *sim, const cmock_request *req, const char *path,
                      cmock_reply *reply, cmock_outcome *outcome);

/* GET and POST /__mock/tables: seeded SQL tables (sim_sql_seed.c); a 404
 * with --stateless. */
void civis__sim_tables_admin(cmock_server *srv, const cmock_request *req, cmock_reply *reply);

/* The presigned-style storage endpoints under /__storage/ (no auth). They
 * are MHD access handlers of their own because their bodies stream: an
 * upload of any size never sits in memory whole. `*cls` is per-request
 * state, released by civis__sim_storage_done from NOTIFY_COMPLETED. */
#define CIVIS_SIM_STORAGE_PREFIX "/__storage/"
bool civis__sim_is_storage(const char *path);
enum MHD_Result civis__sim_storage(cmock_server *srv, struct MHD_Connection *con, const char *path,
                                   const char *method, const char *upload_data,
                                   size_t *upload_data_size, void **cls);
void civis__sim_storage_done(void *cls);

/* ---- inside the simulation ----------------------------------------------- */

typedef enum sim_state {
    SIM_QUEUED = 0, /* created, nobody has looked yet */
    SIM_RUNNING,    /* looked at, not finished */
    SIM_SUCCEEDED,
    SIM_FAILED,
    SIM_CANCELLED
} sim_state;

typedef enum sim_policy_mode {
    SIM_POLICY_INSTANT = 0, /* finished by the first read */
    SIM_POLICY_POLLS,       /* finished on the n-th read */
    SIM_POLICY_MS           /* finished n milliseconds after creation */
} sim_policy_mode;

typedef struct sim_policy {
    sim_policy_mode mode;
    unsigned long n; /* reads (POLLS) or milliseconds (MS) */
    bool fail;       /* ends in failed instead of succeeded */
    char error[256]; /* the failed run's error text */
} sim_policy;

/* Bytes of one file: in memory up to the limit, then in an unlinked file
 * under the state dir (sim_blob.c). */
/* Storage tokens: 128 bits from the OS random source, in hex. */
#define CIVIS_SIM_TOKEN_LEN 32

typedef struct sim_blob {
    char *mem;     /* the bytes while small, or NULL */
    size_t cap;    /* allocated bytes of mem */
    int fd;        /* the spill file once large, else -1 */
    uint64_t size; /* bytes written */
} sim_blob;

typedef struct sim_log {
    long id;
    long long at_ms; /* creation time, ms since the epoch */
    char *message;
    char *level;
} sim_log;

typedef struct sim_run {
    long id;
    sim_state state;
    sim_policy policy; /* copied at creation */
    unsigned long reads;
    long long created_ms, started_ms, finished_ms; /* 0: not yet */
    char *error;                                   /* failed runs, else NULL */
    bool cancel_requested;
    cJSON *outputs; /* array of RunOutput objects as stored (wire names) */
    sim_log *logs;  /* oldest first */
    size_t n_logs, cap_logs;
    long output_file_id; /* SQL runs: the File holding the result, or 0 */
    cJSON *preview;      /* queries run by the SQL engine: {resultColumns, resultRows}, or NULL */
} sim_run;

/* Storage state of a File object. */
typedef struct sim_file {
    char token[CIVIS_SIM_TOKEN_LEN + 1]; /* random part of every storage URL of this file */
    sim_blob *blob;                      /* the uploaded bytes, NULL before upload */
    char *content_type;                  /* as uploaded, or NULL */
    unsigned n_parts;                    /* multipart uploads: parts announced, else 0 */
    sim_blob **parts;                    /* n_parts slots; NULL until that part arrived */
    bool completing;                     /* a complete call is assembling the parts */
    size_t bytes;                        /* uploaded bytes charged to the space's budget */
} sim_file;

typedef struct sim_obj {
    long id;
    int coll;       /* index into civis_sim.colls, -1 for internal files */
    long parent_id; /* nested collections: the id of the enclosing object, else 0 */
    cJSON *data;    /* the object's own fields under their wire names: what the requests
                       gave (shared with given) and the system fields; the rest of its
                       schema is the operation's synthesized template, shared by every
                       read (sim_store.c), so an object costs about the JSON it was sent */
    cJSON *given;   /* the fields the requests gave (wire names), or NULL: behaviour
                       (csvSettings, previewRows) reads these, never synthesized values;
                       data shares their values (references), so each is stored once */
    /* list keys (sim_order.c), copied from data while the object is indexed */
    bool indexed;
    bool archived, hidden;
    char *name_key;       /* "name", or NULL */
    char updated_key[40]; /* "updatedAt" */
    size_t bytes;         /* charged to the space's byte budget */
    /* jobs */
    sim_run **runs; /* oldest first */
    size_t n_runs, cap_runs;
    bool has_policy;
    sim_policy policy;   /* per-job policy (admin), when has_policy */
    cJSON *next_outputs; /* outputs every future run starts with, or NULL */
    cJSON *next_logs;    /* [{message, level}] every future run starts with, or NULL */
    char *csv;           /* SQL result set (admin), or NULL */
    size_t csv_len;
    /* files */
    sim_file *file; /* File objects (and run result files), else NULL */
} sim_obj;

/* Orders a list may ask for; created_at follows id (ids and creation
 * times grow together). */
typedef enum sim_order { SIM_ORD_ID = 0, SIM_ORD_NAME, SIM_ORD_UPDATED, SIM_ORD_N } sim_order;

/* One collection's objects of a space, sorted in every order (sim_order.c):
 * a list page walks the order asked for and renders only the page. */
typedef struct sim_list {
    sim_obj **by[SIM_ORD_N]; /* each holds the same n objects */
    size_t n, cap;
    size_t flagged[4]; /* objects by archived * 2 + hidden: a page's total without a walk */
} sim_list;

typedef struct sim_space {
    pthread_mutex_t lock; /* guards everything below but key and index */
    char *key;            /* the API key this state belongs to */
    sim_list *lists;      /* by collection (civis_sim.n_colls), or NULL before the first object */
    size_t bytes;         /* charged so far against --state-max-bytes (civis__sim_charge) */
    size_t index;         /* position in civis_sim.spaces (storage URLs carry it) */
    long next_id;         /* ids are unique across the space: objects and runs */
    long next_log_id;     /* log line ids */
    sim_obj **objs;       /* objs[id - 1]; NULL for run ids and removed objects */
    size_t n_objs, cap_objs;
    char *csv; /* default result set of SQL runs and queries (admin) */
    size_t csv_len;
    struct sim_sqldb *sqldb; /* the key's SQL database (sim_sql.c), NULL until used */
} sim_space;

/* What an operation means to the simulation (sim_index.c). */
typedef enum sim_role_kind {
    SIM_R_NONE = 0,
    SIM_R_CREATE,            /* POST collection */
    SIM_R_LIST,              /* GET collection */
    SIM_R_GET,               /* GET collection/{id} */
    SIM_R_PATCH,             /* PATCH collection/{id} */
    SIM_R_PUT,               /* PUT collection/{id} */
    SIM_R_DELETE,            /* DELETE collection/{id} */
    SIM_R_ARCHIVE,           /* PUT collection/{id}/archive */
    SIM_R_RUN_CREATE,        /* POST X/{id}/runs */
    SIM_R_RUN_LIST,          /* GET X/{id}/runs */
    SIM_R_RUN_GET,           /* GET X/{id}/runs/{run_id} */
    SIM_R_RUN_CANCEL,        /* DELETE X/{id}/runs/{run_id} */
    SIM_R_RUN_OUTPUTS,       /* GET X/{id}/runs/{run_id}/outputs */
    SIM_R_RUN_OUTPUT_ADD,    /* POST X/{id}/runs/{run_id}/outputs */
    SIM_R_RUN_LOGS,          /* GET X/{id}/runs/{run_id}/logs */
    SIM_R_RUN_LOG_ADD,       /* POST X/{id}/runs/{run_id}/logs */
    SIM_R_JOB_CANCEL,        /* POST X/{id}/cancel */
    SIM_R_JOB_GET,           /* GET /jobs/{id} */
    SIM_R_MULTIPART_CREATE,  /* POST /files/multipart */
    SIM_R_MULTIPART_COMPLETE /* POST /files/multipart/{id}/complete */
} sim_role_kind;

typedef struct sim_role {
    sim_role_kind kind;
    int coll;     /* the collection the path names (or its parent for run paths); -1: any job */
    int id_param; /* position among the path parameters of the object's id (item and run
                     paths; the run id follows it) or of the enclosing object's id
                     (collection paths); -1 for none */
} sim_role;

typedef struct sim_coll {
    char *key;            /* template with "{}" for parameters: "/notebooks/{}/deployments" */
    int parent;           /* collection of the enclosing object, or -1 */
    bool nested;          /* the key holds a path parameter */
    bool job;             /* runnable: X/{id}/runs exists (or a known job type) */
    bool sql;             /* runs produce a CSV result file */
    bool starts_run;      /* creating it starts a run (queries) */
    bool preprocess;      /* runs produce a cleaned copy of a File (/files/preprocess/csv) */
    const char *job_type; /* "JobTypes::SqlRunner", ... (static) */
    char id_field[64];    /* the field holding the id: "id", or the item parameter's
                             name ("deploymentId") when the schema has no "id" */
    const civis_operation *create, *list, *get, *patch, *put, *del;
} sim_coll;

struct civis_sim {
    const civis_spec *spec;
    size_t max_objects;      /* ids (objects and runs) one key may hold */
    size_t max_bytes;        /* bytes one key's state may hold (civis__sim_charge) */
    pthread_mutex_t lock;    /* the spaces table and the settings below (see the top) */
    bool all_locked;         /* civis__sim_lock_all holds every space */
    sim_policy policy;       /* global run policy (admin may change it) */
    sim_policy start_policy; /* --run-policy, restored by a reset */
    size_t mem_limit;
    char *state_dir;
    bool own_dir; /* created by us, removed at free */
    uint64_t seed;
    sim_coll *colls;
    size_t n_colls;
    sim_role *roles; /* by civis_operation.index */
    size_t n_ops;    /* operations of the spec: roles[] and tmpl[] */
    cJSON **tmpl;    /* by operation index: its item schema synthesized once,
                        the nested parts every read of an object shares (built
                        on first use under tmpl_lock, read without it) */
    pthread_mutex_t tmpl_lock;
    int files_coll;             /* the "/files" collection, or -1 */
    const cJSON *output_schema; /* RunOutput item schema, or NULL */
    sim_space **spaces;
    size_t n_spaces, cap_spaces;
    char *csv; /* default result set for every key (admin), or NULL */
    size_t csv_len;
    const char *const *databases; /* --database names (borrowed), besides the default */
    size_t n_databases;
    struct sql_seeds *seeds; /* seeded tables (sim_sql_seed.c), or NULL before the first */
};

/* One API request being answered by the simulation. */
typedef struct sim_req {
    civis_sim *sim;
    sim_space *space;
    const civis_route *route;
    const civis_operation *op;
    const sim_role *role;
    const cmock_request *req;
    const cJSON *body; /* validated JSON body, or NULL */
    cJSON *body_owned; /* the same when the caller handed it over: parts of
                          it may be taken instead of copied, or NULL */
    cmock_reply *reply;
    cmock_outcome *oc;
    char base[160]; /* "http://host:port" the client used */
    bool snapshot;  /* render runs as they are, without counting a read */
} sim_req;

/* sim_index.c */
civis_status civis__sim_index_build(civis_sim *sim, civis_error *err);
void civis__sim_index_free(civis_sim *sim);
/* Whether an object of collection `obj_coll` answers at an item path of
 * `path_coll` ("/scripts/{id}" names a script of any type). */
bool civis__sim_coll_accepts(const civis_sim *sim, int path_coll, int obj_coll);

/* sim_store.c: spaces, objects, rendering, generic CRUD */
/* The key's space (created on demand), or NULL. Call with sim->lock held. */
sim_space *civis__sim_space(civis_sim *sim, const char *key, bool create);
/* The key's space (or the one at `index`), locked, or NULL; the lookup
 * takes sim->lock for its duration only. */
sim_space *civis__sim_space_lock(civis_sim *sim, const char *key, bool create);
sim_space *civis__sim_space_lock_at(civis_sim *sim, size_t index);
void civis__sim_space_unlock(sim_space *space); /* NULL is a no-op */
/* sim->lock and every space's lock: the admin API. */
void civis__sim_lock_all(civis_sim *sim);
void civis__sim_unlock_all(civis_sim *sim);
sim_obj *civis__sim_obj_new(sim_space *space, int coll, long parent_id);
sim_obj *civis__sim_obj_get(const sim_space *space, long id);
long civis__sim_take_id(sim_space *space);
void civis__sim_obj_free(sim_obj *obj);
/* Removes an object from its space (index, slot, byte budget) and frees it. */
void civis__sim_obj_drop(sim_space *space, sim_obj *obj);
/* The stored value of a field the requests gave, or NULL (absent, or only
 * synthesized). */
const cJSON *civis__sim_given(const sim_obj *obj, const char *name);
/* Takes the request's fields (wire names; emptied, still the caller's):
 * they go into obj->given, and obj->data shares their values. False on
 * allocation failure. */
bool civis__sim_adopt(sim_obj *obj, cJSON *fields);
/*
 * The byte budget of a key (--state-max-bytes), kept in this one place for
 * objects, runs and files: sets what `*held` (the charge of one object or
 * blob, updated here; NULL for a new one) costs to `now`. Shrinking always
 * succeeds; growing past the budget returns false and changes nothing.
 */
bool civis__sim_charge(const civis_sim *sim, sim_space *space, size_t *held, size_t now);
/* What storing an object with these fields, sent as body_len bytes, costs. */
size_t civis__sim_obj_cost(const cJSON *data, size_t body_len);
/* 507 naming the budget that is spent: bytes, or objects. */
void civis__sim_budget_full(cmock_reply *reply, const civis_sim *sim, bool bytes);
long long civis__sim_now_ms(void);
/* The synthesis seed of an object: its fields not stored stay the same
 * from one read to the next. */
uint64_t civis__sim_obj_seed(const civis_sim *sim, long id);
/* Case-insensitive substring test. */
bool civis__sim_contains_ci(const char *hay, const char *needle);
/* "2026-11-29T04:14:27.123Z" into buf (>= 32 bytes); ms 0 gives "". */
void civis__sim_iso(char *buf, size_t len, long long ms);
/* Deep copy of `value` with object keys renamed to the wire names `schema`
 * gives them (snake_case or camelCase in, camelCase out). */
cJSON *civis__sim_to_wire(const civis_spec *spec, const cJSON *schema, const cJSON *value);
/* The same for storing: free-form objects below the top level (arguments)
 * become raw JSON text, one allocation each, printed back byte for byte. */
cJSON *civis__sim_to_stored(const civis_spec *spec, const cJSON *schema, const cJSON *value);
/* The same, taking what it can of `value` (the request's parsed body,
 * owned by the caller and emptied of what was taken) instead of copying
 * it; `text` (may be NULL) holds the bytes `value` was parsed from, whose
 * large members are stored as the text they came in (sim_text.c). */
cJSON *civis__sim_to_stored_take(const civis_spec *spec, const cJSON *schema, cJSON *value,
                                 const char *text, size_t len);

/* sim_text.c: the top-level members of a JSON object's text, one at a
 * time, in order (the order of cJSON's children when it parsed them). */
typedef struct sim_members {
    const char *text;
    size_t len, pos, count;
    bool ok;          /* false once the text ran out or left strict JSON */
    size_t off, vlen; /* the last member's value: text[off, off + vlen) */
    bool ws;          /* whitespace between its tokens */
} sim_members;
void civis__sim_members_init(sim_members *m, const char *text, size_t len);
/* Steps to the next member, named `key` (as cJSON decoded it), setting
 * off, vlen and ws. False at the end, on another name, or when the text is
 * not strict JSON (cJSON lets more through): then for good. */
bool civis__sim_members_next(sim_members *m, const char *key);
/* A raw node of those bytes, whitespace between tokens dropped; NULL when
 * out of memory. */
cJSON *civis__sim_raw_text(const char *text, size_t len, bool ws);
/* A synthesized value for `schema` overlaid with `data`'s top-level fields
 * (the ones the schema declares; all of them when it declares none). */
cJSON *civis__sim_render(const civis_sim *sim, const cJSON *schema, const cJSON *data,
                         uint64_t seed);
/* The item schema of an operation's response (arrays unwrapped). */
const cJSON *civis__sim_item_schema(const civis_spec *spec, const civis_operation *op);
bool civis__sim_schema_has(const civis_spec *spec, const cJSON *schema, const char *prop);
/* Sets a field (replacing it); false on allocation failure. */
bool civis__sim_set(cJSON *obj, const char *name, cJSON *value);
bool civis__sim_set_str(cJSON *obj, const char *name, const char *s);
bool civis__sim_set_num(cJSON *obj, const char *name, double v);
bool civis__sim_set_time(cJSON *obj, const char *name, long long ms);
/* The integer path parameter at position i (0-based, path order); -1 when absent. */
long civis__sim_param_id(const civis_route *route, size_t i);
/* The query value of `name`, or NULL. */
const char *civis__sim_query(const cmock_request *req, const char *name);
void civis__sim_not_found(cmock_reply *reply);
void civis__sim_oom(cmock_reply *reply);
/* Sends `json` (taken) as the body with `status`; NULL means out of memory. */
void civis__sim_reply_take(cmock_reply *reply, int status, cJSON *json);
/* Sends a list (taken; NULL means out of memory) with the operation's
 * status, cut into the requested page when the operation is paginated. */
void civis__sim_reply_list(sim_req *r, cJSON *list);
/* Renders an object for the request's operation (the response schema,
 * with run and file state added for jobs and files). Owned by the caller;
 * it shares the object's stored strings, so print and free it before the
 * object changes or goes. */
cJSON *civis__sim_render_obj(sim_req *r, sim_obj *obj, const civis_operation *op);
/* The object rendered for `op` without run and file state (*schema: the
 * schema used, for civis__sim_render_overlay). Shares the object's stored
 * strings, as civis__sim_render_obj does. */
cJSON *civis__sim_render_base(sim_req *r, sim_obj *obj, const civis_operation *op,
                              const cJSON **schema);
/* Adds run and file state to a rendered object. False on allocation failure. */
bool civis__sim_render_overlay(sim_req *r, sim_obj *obj, const cJSON *schema, cJSON *out);

/* sim_order.c: the sorted lists of a space's collections */
int civis__sim_order_cmp(sim_order order, const sim_obj *a, const sim_obj *b);
/* Indexes an object (no-op for internal ones and those already in); reads
 * its list keys from data. False on allocation failure. */
bool civis__sim_order_add(const civis_sim *sim, sim_space *space, sim_obj *obj);
/* Takes an object out of its collection's lists (before its data changes). */
void civis__sim_order_remove(sim_space *space, sim_obj *obj);
void civis__sim_order_free(const civis_sim *sim, sim_space *space);

/* sim_crud.c: every collection and item role */
void civis__sim_crud(sim_req *r);
/* The object an item path names, or NULL (unknown id, other collection,
 * other enclosing object). `id_param` is the position of its id. */
sim_obj *civis__sim_find_item(sim_req *r, int coll, int id_param);

/* sim_runs.c */
bool civis__sim_policy_parse(sim_policy *out, const char *text, char *why, size_t whylen);
bool civis__sim_policy_from_json(sim_policy *out, const cJSON *json, char *why, size_t whylen);
void civis__sim_runs(sim_req *r); /* every SIM_R_RUN_* and JOB_* role */
/* Starts a run of `job` (no 409 check); NULL on allocation failure. */
sim_run *civis__sim_run_start(sim_req *r, sim_obj *job);
/* Advances a run by its policy; `read` counts as one poll. */
void civis__sim_run_observe(sim_req *r, sim_obj *job, sim_run *run, bool read);
/* Moves an unfinished run to `to` now (admin); `error` for failed runs. */
void civis__sim_run_force(sim_req *r, sim_obj *job, sim_run *run, sim_state to, const char *error);
/* Adds job state (state, lastRun, runs, ...) that `schema` declares to `out`. */
bool civis__sim_job_overlay(sim_req *r, sim_obj *job, const cJSON *schema, cJSON *out);
sim_run *civis__sim_run_find(const sim_obj *job, long run_id);
bool civis__sim_run_log(sim_space *space, sim_run *run, const char *level, const char *message);
/* Appends `outputs` (one RunOutput object or an array of them; snake_case
 * or camelCase keys) to the array `dst`. False with the reason in why. */
bool civis__sim_outputs_add(cJSON *dst, const cJSON *outputs, const civis_sim *sim, char *why,
                            size_t whylen);
void civis__sim_run_free(sim_run *run);

/* sim_files.c */
void civis__sim_files(sim_req *r);                   /* SIM_R_MULTIPART_* */
bool civis__sim_file_init(sim_req *r, sim_obj *obj); /* a new File object */
bool civis__sim_file_overlay(sim_req *r, sim_obj *obj, const cJSON *schema, cJSON *out);
/* "http://host:port/__storage/download/..." for a stored file into buf. */
void civis__sim_file_url(const sim_req *r, const sim_obj *obj, char *buf, size_t len);
void civis__sim_file_free(sim_file *file);
/* The output of a finished /files/preprocess/csv run: the cleaned File
 * (a copy, or the input itself with inPlace) with its detectedInfo. */
bool civis__sim_preprocess_output(sim_req *r, sim_obj *job, sim_run *run);
/* Creates a File object holding `len` bytes (copied), name `name`. */
sim_obj *civis__sim_file_from_bytes(sim_req *r, const char *name, const char *content_type,
                                    const char *bytes, size_t len);

/* sim_blob.c */
sim_blob *civis__sim_blob_new(void);
void civis__sim_blob_free(sim_blob *blob);
/* Appends bytes; spills to an unlinked file under `dir` past `limit`. */
bool civis__sim_blob_write(sim_blob *blob, const char *data, size_t len, size_t limit,
                           const char *dir);
/* Appends all of src to dst. */
bool civis__sim_blob_append(sim_blob *dst, const sim_blob *src, size_t limit, const char *dir);

#endif /* CMOCK_SIM_H */
