/*
 * main.c: the civis-mock command line. Parses the flags, loads the spec and
 * the fixtures, starts the server, reports where it listens, and waits for
 * SIGINT or SIGTERM to stop cleanly.
 *
 * Exit status: 0 after a clean stop, 2 for a bad flag or an unreadable spec
 * or fixture (the message names it), 1 when the server cannot start.
 */
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mock.h"
#include "sim.h"

static const char usage[] =
    "Usage: civis-mock [OPTIONS]\n"
    "\n"
    "A spec-driven fake Civis API server for tests. Every request is checked against the\n"
    "API spec and answered from stubs, fixtures, the spec's examples or synthesized bodies.\n"
    "\n"
    "Options:\n"
    "  --spec FILE          Swagger 2.0 spec to serve (default: $CIVIS_API_SPEC, else the\n"
    "                       spec compiled into the binary)\n"
    "  --fixtures PATH      fixture file, or directory of *.json fixtures; repeatable\n"
    "  --host ADDR          address to bind, and only that one (default 127.0.0.1)\n"
    "  --port N             TCP port (default 8080; 0 picks a free port)\n"
    "  --port-file FILE     write the bound port to FILE once listening (atomically)\n"
    "  --seed N             seed for synthesized bodies and fault probabilities (default 0)\n"
    "  --threads N          worker threads (default: the number of CPUs)\n"
    "  --log FILE|-         one line per request to FILE, or stdout with '-'\n"
    "  --max-body BYTES     largest request body accepted, K/M/G suffixes allowed\n"
    "                       (default 10M); larger bodies get 413\n"
    "  --lenient            accept unknown parameter and property names (they are still\n"
    "                       recorded in the journal)\n"
    "  --run-policy P       how simulated runs progress: instant (default), polls:N,\n"
    "                       ms:T or fail:MESSAGE\n"
    "  --state-dir DIR      where large simulated files spill to disk and the SQL\n"
    "                       databases live (default: a temporary directory removed at\n"
    "                       exit, and databases in memory)\n"
    "  --database NAME      offer a database NAME besides the default 'civis-mock';\n"
    "                       repeatable\n"
    "  --table [DB:]SCHEMA.NAME=FILE  seed a table every API key sees from a CSV file\n"
    "                       whose header names the columns (types detected); in the\n"
    "                       default database unless DB: names another; repeatable\n"
    "  --state-mem-limit B  bytes of one simulated file kept in memory (default 8M)\n"
    "  --state-max-objects N  objects and runs one API key may create (default 20000);\n"
    "                       further creations get 507 until a reset\n"
    "  --state-max-bytes B  bytes of objects, runs and files one API key may hold, K/M/G\n"
    "                       suffixes allowed (default 256M); further creations get 507\n"
    "  --stateless          no simulation of platform state\n"
    "  --cassette DIR       record and replay: a directory of fixtures, one per exchange\n"
    "                       (without --record-from: replay it)\n"
    "  --record-from URL    forward requests to URL (the live API, or any Civis-compatible\n"
    "                       server) and record its answers in the cassette\n"
    "  --record-mode M      all (record everything), none (replay only), once (record\n"
    "                       into an empty cassette, else replay; the default with\n"
    "                       --record-from) or new (replay what is recorded, record the rest)\n"
    "  --redact NAME        also replace this field's values by [REDACTED]; repeatable\n"
    "  --match-ignore NAME  leave this field out of request matching; repeatable\n"
    "  --fail-on-unmatched  exit 4 at shutdown if a request had no recording\n"
    "  --conn-timeout S     seconds an idle connection is kept open (default 15)\n"
    "  --max-conns-per-ip N connections one client address may hold open (default 256);\n"
    "                       more are closed at once\n"
    "  --help               show this help and exit\n"
    "\n"
    "Requests need an API key: HTTP Basic with the key as user name and an empty password,\n"
    "or 'Authorization: Bearer KEY'. GET /endpoints returns the loaded spec. The admin API\n"
    "under /__mock/ (no auth) manages stubs, faults, the journal and resets; see\n"
    "mockserver/README.md.\n";

static const char *const flag_names[] = {"--spec",
                                         "--fixtures",
                                         "--host",
                                         "--port",
                                         "--port-file",
                                         "--seed",
                                         "--threads",
                                         "--log",
                                         "--max-body",
                                         "--lenient",
                                         "--help",
                                         "--run-policy",
                                         "--state-dir",
                                         "--state-mem-limit",
                                         "--state-max-objects",
                                         "--state-max-bytes",
                                         "--stateless",
                                         "--database",
                                         "--table",
                                         "--conn-timeout",
                                         "--max-conns-per-ip"};
#define N_FLAGS (sizeof(flag_names) / sizeof(flag_names[0]))

static int usage_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Prints "civis-mock: <message>; see civis-mock --help" and gives exit 2. */
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("civis-mock: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("; see civis-mock --help\n", stderr);
    va_end(ap);
    return 2;
}

static bool parse_u64(const char *s, uint64_t *out, uint64_t max)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max)
        return false;
    *out = v;
    return true;
}

/* "10M" -> 10485760. */
static bool parse_size(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    if (*end == 'K' || *end == 'k')
        shift = 10;
    else if (*end == 'M' || *end == 'm')
        shift = 20;
    else if (*end == 'G' || *end == 'g')
        shift = 30;
    if (shift != 0)
        end++;
    if (errno != 0 || *end != '\0' || v == 0 || v > (1ull << 40) >> shift)
        return false;
    *out = v << shift;
    return true;
}

static unsigned cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (n > 64 ? 64 : (unsigned)n);
}

/* Fills cfg from argv. Returns -1 to go on, or an exit status. */
static int parse_args(cmock_config *cfg, int argc, char **argv)
{
    cfg->host = "127.0.0.1";
    cfg->port = CMOCK_DEFAULT_PORT;
    cfg->threads = cpu_count();
    bool threads_given = false;
    cfg->max_body = CMOCK_DEFAULT_MAX_BODY;
    cfg->conn_timeout_s = CMOCK_DEFAULT_CONN_TIMEOUT_S;
    cfg->conns_per_ip = CMOCK_DEFAULT_CONNS_PER_IP;
    const char *env_spec = getenv("CIVIS_API_SPEC");
    if (env_spec != NULL && *env_spec != '\0')
        cfg->spec_path = env_spec;
    cfg->fixtures = calloc((size_t)argc, sizeof(char *));
    cfg->databases = calloc((size_t)argc, sizeof(char *));
    cfg->tables = calloc((size_t)argc, sizeof(char *));
    if (cfg->fixtures == NULL || cfg->databases == NULL || cfg->tables == NULL) {
        fputs("civis-mock: out of memory\n", stderr);
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        const char *value = NULL;
        char name[64];
        char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        if (eq != NULL) {
            snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
            value = eq + 1;
        } else {
            snprintf(name, sizeof(name), "%s", arg);
        }
        bool known = false;
        for (size_t k = 0; k < N_FLAGS; k++)
            known = known || strcmp(name, flag_names[k]) == 0;
        bool rec_value = false;
        if (!known && cmock__record_is_flag(name, &rec_value)) {
            if (!rec_value && value != NULL)
                return usage_error("option '%s' takes no value", name);
            if (rec_value && value == NULL) {
                if (i + 1 >= argc)
                    return usage_error("option '%s' needs a value", name);
                value = argv[++i];
            }
            char why[256];
            if (!cmock__record_flag(&cfg->record, argc, name, value, why, sizeof(why)))
                return usage_error("option %s", why);
            continue;
        }
        if (!known) {
            if (strncmp(arg, "-", 1) != 0)
                return usage_error("unexpected argument '%s'", arg);
            const char *all[N_FLAGS + 8];
            size_t n_all = 0;
            for (size_t k = 0; k < N_FLAGS; k++)
                all[n_all++] = flag_names[k];
            for (size_t k = 0; k < cmock__record_n_flags && n_all < N_FLAGS + 8; k++)
                all[n_all++] = cmock__record_flags[k];
            const char *s = civis_suggest(name, all, n_all);
            if (s != NULL)
                return usage_error("unknown option '%s' (did you mean '%s'?)", name, s);
            return usage_error("unknown option '%s'", name);
        }
        if (strcmp(name, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        if (strcmp(name, "--lenient") == 0 || strcmp(name, "--stateless") == 0) {
            if (value != NULL)
                return usage_error("option '%s' takes no value", name);
            if (strcmp(name, "--lenient") == 0)
                cfg->lenient = true;
            else
                cfg->stateless = true;
            continue;
        }
        if (value == NULL) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a value", name);
            value = argv[++i];
        }
        uint64_t n = 0;
        if (strcmp(name, "--spec") == 0) {
            cfg->spec_path = value;
        } else if (strcmp(name, "--fixtures") == 0) {
            cfg->fixtures[cfg->n_fixtures++] = value;
        } else if (strcmp(name, "--host") == 0) {
            if (*value == '\0')
                return usage_error("option '%s' needs an address", name);
            cfg->host = value;
        } else if (strcmp(name, "--port") == 0) {
            if (!parse_u64(value, &n, 65535))
                return usage_error("option '--port' must be 0..65535, got '%s'", value);
            cfg->port = (int)n;
        } else if (strcmp(name, "--port-file") == 0) {
            cfg->port_file = value;
        } else if (strcmp(name, "--seed") == 0) {
            if (!parse_u64(value, &n, UINT64_MAX))
                return usage_error("option '--seed' must be a non-negative integer, got '%s'",
                                   value);
            cfg->seed = n;
        } else if (strcmp(name, "--threads") == 0) {
            if (!parse_u64(value, &n, 256) || n == 0)
                return usage_error("option '--threads' must be 1..256, got '%s'", value);
            cfg->threads = (unsigned)n;
            threads_given = true;
        } else if (strcmp(name, "--log") == 0) {
            cfg->log_path = value;
        } else if (strcmp(name, "--max-body") == 0) {
            if (!parse_size(value, &n))
                return usage_error("option '--max-body' must be a positive size in bytes "
                                   "(K/M/G suffixes allowed), got '%s'",
                                   value);
            cfg->max_body = (size_t)n;
        } else if (strcmp(name, "--run-policy") == 0) {
            char why[128];
            if (!civis__sim_policy_check(value, why, sizeof(why)))
                return usage_error("option '--run-policy' %s, got '%s'", why, value);
            cfg->run_policy = value;
        } else if (strcmp(name, "--database") == 0) {
            if (*value == '\0' || strlen(value) > 200)
                return usage_error("option '--database' needs a name of 1 to 200 bytes");
            cfg->databases[cfg->n_databases++] = value;
        } else if (strcmp(name, "--table") == 0) {
            const char *eqs = strchr(value, '=');
            if (eqs == NULL || eqs == value || eqs[1] == '\0')
                return usage_error("option '--table' needs SCHEMA.NAME=FILE, got '%s'", value);
            cfg->tables[cfg->n_tables++] = value;
        } else if (strcmp(name, "--state-dir") == 0) {
            cfg->state_dir = value;
        } else if (strcmp(name, "--state-mem-limit") == 0) {
            if (!parse_size(value, &n))
                return usage_error("option '--state-mem-limit' must be a positive size in bytes "
                                   "(K/M/G suffixes allowed), got '%s'",
                                   value);
            cfg->state_mem_limit = (size_t)n;
        } else if (strcmp(name, "--state-max-objects") == 0) {
            if (!parse_size(value, &n))
                return usage_error(
                    "option '--state-max-objects' must be a positive count, got '%s'", value);
            cfg->state_max_objects = (size_t)n;
        } else if (strcmp(name, "--state-max-bytes") == 0) {
            if (!parse_size(value, &n))
                return usage_error("option '--state-max-bytes' must be a positive size in bytes "
                                   "(K/M/G suffixes allowed), got '%s'",
                                   value);
            cfg->state_max_bytes = (size_t)n;
        } else if (strcmp(name, "--conn-timeout") == 0) {
            if (!parse_u64(value, &n, 3600) || n == 0)
                return usage_error("option '--conn-timeout' must be 1..3600 seconds, got '%s'",
                                   value);
            cfg->conn_timeout_s = (unsigned)n;
        } else if (strcmp(name, "--max-conns-per-ip") == 0) {
            if (!parse_u64(value, &n, 4096) || n == 0)
                return usage_error("option '--max-conns-per-ip' must be 1..4096, got '%s'", value);
            cfg->conns_per_ip = (unsigned)n;
        }
    }
    char why[256];
    if (!cmock__record_check(&cfg->record, why, sizeof(why)))
        return usage_error("option %s", why);
    /* A recorder's worker waits while it forwards a stored file: a few
     * more of them keep the CPUs busy. */
    if (cfg->record.from != NULL && !threads_given)
        cfg->threads = cmock__record_threads(cfg->threads);
    return -1;
}

static int load(cmock_server *srv)
{
    civis_error err = CIVIS_ERROR_INIT;
    civis_status st = srv->config.spec_path
                          ? civis_spec_load_file(&srv->spec, srv->config.spec_path, &err)
                          : civis_spec_load_bundled(&srv->spec, &err);
    if (st != CIVIS_OK) {
        fprintf(stderr, "civis-mock: cannot load the spec %s: %s\n",
                srv->config.spec_path ? srv->config.spec_path : "(bundled)", err.message);
        return 2;
    }
    /* A client that cached the spec revalidates it with this (If-None-Match)
     * and learns at once when civis-mock was restarted with another spec. */
    civis_spec_etag(srv->spec_etag, sizeof(srv->spec_etag), srv->spec);
    if (civis_fixtures_new(&srv->stubs, srv->spec, &err) != CIVIS_OK ||
        cmock__journal_new(&srv->journal, &err) != CIVIS_OK ||
        cmock__faults_new(&srv->faults, srv->config.seed, &err) != CIVIS_OK) {
        fprintf(stderr, "civis-mock: %s\n", err.message);
        return 1;
    }
    if (srv->config.n_fixtures > 0) {
        if (civis_fixtures_new(&srv->fixtures, srv->spec, &err) != CIVIS_OK) {
            fprintf(stderr, "civis-mock: %s\n", err.message);
            return 1;
        }
        for (size_t i = 0; i < srv->config.n_fixtures; i++) {
            if (civis_fixtures_load_path(srv->fixtures, srv->config.fixtures[i], &err) !=
                CIVIS_OK) {
                fprintf(stderr, "civis-mock: cannot load fixtures %s: %s\n",
                        srv->config.fixtures[i], err.message);
                return 2;
            }
        }
    }
    if (srv->config.log_path != NULL) {
        if (strcmp(srv->config.log_path, "-") == 0) {
            srv->log = stdout;
        } else {
            srv->log = fopen(srv->config.log_path, "a");
            if (srv->log == NULL) {
                fprintf(stderr, "civis-mock: cannot open --log %s: %s\n", srv->config.log_path,
                        strerror(errno));
                return 2;
            }
            srv->log_owned = true;
        }
    }
    if (cmock__record_new(&srv->record, &srv->config.record, srv->spec, &err) != CIVIS_OK) {
        fprintf(stderr, "civis-mock: %s\n", err.message);
        return 2;
    }
    return civis__sim_install(srv);
}

/* Writes the port to a temporary file beside `path` and renames it over
 * `path`, so a reader polling for the file never sees half of it. */
static int write_port_file(const char *path, int port)
{
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (tmp == NULL)
        return -1;
    snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    int rc = -1;
    if (f != NULL) {
        bool ok = fprintf(f, "%d\n", port) > 0;
        ok = (fclose(f) == 0) && ok;
        if (ok && rename(tmp, path) == 0)
            rc = 0;
        else
            unlink(tmp);
    }
    if (rc != 0)
        fprintf(stderr, "civis-mock: cannot write --port-file %s: %s\n", path, strerror(errno));
    free(tmp);
    return rc;
}

static void release(cmock_server *srv)
{
    cmock__server_stop(srv);
    civis__sim_uninstall(srv);
    cmock__record_free(srv->record);
    cmock__record_config_free(&srv->config.record);
    civis_fixtures_free(srv->stubs);
    civis_fixtures_free(srv->fixtures);
    cmock__journal_free(srv->journal);
    cmock__faults_free(srv->faults);
    civis_spec_free(srv->spec);
    if (srv->log_owned)
        fclose(srv->log);
    free(srv->config.fixtures);
    free(srv->config.databases);
    free(srv->config.tables);
    pthread_mutex_destroy(&srv->log_lock);
    pthread_mutex_destroy(&srv->inflight_lock);
}

/* The soft descriptor limit (often 1024) up to the hard one, so the
 * connection limits (server.c) are what bounds connections, not EMFILE. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    cmock_server srv;
    memset(&srv, 0, sizeof(srv));
    pthread_mutex_init(&srv.log_lock, NULL);
    pthread_mutex_init(&srv.inflight_lock, NULL);
    srv.sim.handle = NULL; /* until the simulation installs itself: no hook */

    /* SIGINT/SIGTERM are blocked from the start: MHD's threads inherit the
     * mask, so the signal is taken only by sigwait() below, and one that
     * arrives while the spec loads waits for it instead of killing us. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();

    int rc = parse_args(&srv.config, argc, argv);
    if (rc < 0)
        rc = load(&srv);
    if (rc >= 0) {
        release(&srv);
        return rc;
    }

    civis_error err = CIVIS_ERROR_INIT;
    if (cmock__server_start(&srv, &err) != CIVIS_OK) {
        fprintf(stderr, "civis-mock: %s\n", err.message);
        release(&srv);
        return 1;
    }
    if (srv.config.port_file != NULL && write_port_file(srv.config.port_file, srv.port) != 0) {
        release(&srv);
        return 1;
    }
    bool v6 = strchr(srv.config.host, ':') != NULL;
    printf("civis-mock listening on http://%s%s%s:%d/\n", v6 ? "[" : "", srv.config.host,
           v6 ? "]" : "", srv.port);
    fflush(stdout);

    int sig = 0;
    while (sigwait(&stop, &sig) != 0)
        ;
    cmock__log(&srv, "civis-mock: signal %d, stopping\n", sig);
    cmock__server_stop(&srv);
    bool gaps = cmock__record_unmatched_report(srv.record, stderr);
    rc = gaps && srv.config.record.fail_on_unmatched ? CMOCK_RECORD_EXIT_UNMATCHED : 0;
    release(&srv);
    return rc;
}
