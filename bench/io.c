/*
 * bench/io: a table of ROWS rows x 10 columns (default 1,000,000, about
 * 75 MB of CSV; CIVIS_BENCH_IO_ROWS overrides) generated here, uploaded
 * to civis-mock and imported with civis_csv_to_civis, then read back with
 * the streaming civis_read_civis_sql_rows; beside it, SQLite's own load
 * (libcsv + prepared INSERTs in one transaction) and export (SELECT to
 * CSV) of the same file in the same run. Prints both times, their ratio,
 * civis-mock's peak memory and this process's peak memory (which the
 * streaming read must keep small whatever the table size).
 *
 * The argument (the spec path `make bench` passes) is not used.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <csv.h>
#include <sqlite3.h>

#include "bench.h"
#include "civis.h"

static long proc_kb(pid_t pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    size_t n = strlen(field);
    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = atol(line + n + 1);
    if (f != NULL)
        fclose(f);
    return kb;
}

static pid_t start_mock(int *port)
{
    char pf[] = "/tmp/civis-bench-port-XXXXXX";
    int fd = mkstemp(pf);
    if (fd < 0)
        return -1;
    close(fd);
    unlink(pf);
    const char *bin = getenv("CIVIS_MOCK_BIN");
    if (bin == NULL || *bin == '\0')
        bin = "build/bin/civis-mock";
    pid_t pid = fork();
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0)
            dup2(devnull, STDOUT_FILENO);
        execl(bin, bin, "--host", "127.0.0.1", "--port", "0", "--port-file", pf, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    double t0 = bench_now_s();
    *port = 0;
    while (bench_now_s() - t0 < 10.0 && *port == 0) {
        FILE *f = fopen(pf, "r");
        if (f != NULL) {
            if (fscanf(f, "%d", port) != 1)
                *port = 0;
            fclose(f);
        }
        if (*port == 0) {
            struct timespec ts = {0, 2000000L};
            nanosleep(&ts, NULL);
        }
    }
    unlink(pf);
    if (*port == 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return -1;
    }
    return pid;
}

/* ---- SQLite's own load and export ------------------------------------------- */

typedef struct sq {
    sqlite3_stmt *ins;
    int col;
    long rows;
    bool header_done;
} sq;

static void sq_field(void *s, size_t len, void *data)
{
    sq *q = data;
    if (q->header_done)
        sqlite3_bind_text(q->ins, ++q->col, s, (int)len, SQLITE_TRANSIENT);
}

static void sq_row(int c, void *data)
{
    (void)c;
    sq *q = data;
    if (q->header_done) {
        sqlite3_step(q->ins);
        sqlite3_reset(q->ins);
        q->rows++;
    }
    q->header_done = true;
    q->col = 0;
}

static double sqlite_round(const char *path, long *rows_out)
{
    double t0 = bench_now_s();
    sqlite3 *db = NULL;
    sqlite3_open(":memory:", &db);
    sqlite3_exec(db,
                 "CREATE TABLE t (id INT, a INT, b INT, c BIGINT, x DOUBLE PRECISION, y DOUBLE "
                 "PRECISION, z DOUBLE PRECISION, s VARCHAR(16), u VARCHAR(16), v VARCHAR(40));"
                 "BEGIN",
                 NULL, NULL, NULL);
    sq q = {0};
    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?,?)", -1, &q.ins, NULL);
    struct csv_parser p;
    csv_init(&p, CSV_STRICT);
    FILE *f = fopen(path, "rb");
    char buf[256 * 1024];
    size_t n;
    while (f != NULL && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        csv_parse(&p, buf, n, sq_field, sq_row, &q);
    csv_fini(&p, sq_field, sq_row, &q);
    csv_free(&p);
    if (f != NULL)
        fclose(f);
    sqlite3_finalize(q.ins);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    /* export: every row as CSV text */
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "SELECT * FROM t", -1, &st, NULL);
    FILE *out = fopen("/dev/null", "w");
    long rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < 10; i++)
            fprintf(out, "%s%s", i ? "," : "", (const char *)sqlite3_column_text(st, i));
        fputc('\n', out);
        rows++;
    }
    fclose(out);
    sqlite3_finalize(st);
    sqlite3_close(db);
    *rows_out = rows;
    return bench_now_s() - t0;
}

/* ---- through civis-mock ------------------------------------------------------- */

typedef struct tally {
    long rows;
} tally;

static civis_status count(size_t row, const char *const *values, size_t n, void *data,
                          civis_error *err)
{
    (void)values;
    (void)err;
    if (row > 0 && n == 10)
        ((tally *)data)->rows++;
    return CIVIS_OK;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    long rows = 1000000;
    const char *env = getenv("CIVIS_BENCH_IO_ROWS");
    if (env != NULL && atol(env) > 0)
        rows = atol(env);
    char path[] = "/tmp/civis-bench-io-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (f == NULL) {
        fprintf(stderr, "io: cannot create a temporary file\n");
        return 1;
    }
    fputs("id,a,b,c,x,y,z,s,u,v\n", f);
    unsigned long long r = 88172645463325252ull;
    for (long i = 0; i < rows; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        fprintf(f, "%ld,%d,%d,%llu,%.3f,%.6f,%.2f,name%05d,\"x, %d\",\"line %llu of the table\"\n",
                i, (int)(r % 1000), (int)(r >> 20) % 100000, r >> 12, (double)(r % 100000) / 7.0,
                (double)(r % 977) / 977.0, (double)(r % 1000003) / 3.0, (int)(r % 100000),
                (int)(r >> 40) % 1000, r % 1000000ull);
    }
    fclose(f);
    FILE *sz = fopen(path, "rb");
    fseek(sz, 0, SEEK_END);
    long bytes = ftell(sz);
    fclose(sz);
    printf("io: %ld rows x 10 columns, %.1f MB of CSV\n", rows, (double)bytes / 1e6);

    long sq_rows = 0;
    double t_sqlite = sqlite_round(path, &sq_rows);
    printf("  sqlite (libcsv + INSERT, SELECT to CSV): %.2f s (%ld rows)\n", t_sqlite, sq_rows);

    int port = 0;
    pid_t mock = start_mock(&port);
    if (mock < 0) {
        fprintf(stderr, "io: cannot start civis-mock\n");
        unlink(path);
        return 1;
    }
    civis_global_init();
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d/", port);
    civis_client_options o = {.api_key = "bench", .base_url = base, .no_spec_cache = true};
    civis_client *client = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    int rc = 0;
    civis_future_options fast = {.interval_ms = 50};
    civis_io_options io = {.polling = &fast};
    double t0 = bench_now_s(), t_up = 0, t_read = 0;
    civis_future *fut = NULL;
    tally k = {0};
    long rss_before_read = 0, upload_peak = 0;
    if (civis_client_new(&client, &o, &err) != CIVIS_OK ||
        civis_csv_to_civis(&fut, client, path, "civis-mock", "bench.t", NULL, &io, &err) !=
            CIVIS_OK ||
        civis_future_result(NULL, fut, &err) != CIVIS_OK) {
        fprintf(stderr, "io: upload: %s\n", err.message);
        rc = 1;
    } else {
        t_up = bench_now_s() - t0;
        rss_before_read = proc_kb(getpid(), "VmRSS");
        upload_peak = proc_kb(getpid(), "VmHWM");
        /* The upload's parts are in memory at once; reset the peak so what
         * follows is the read's alone. */
        FILE *cr = fopen("/proc/self/clear_refs", "w");
        if (cr != NULL) {
            fputs("5", cr);
            fclose(cr);
        }
        t0 = bench_now_s();
        if (civis_read_civis_sql_rows(client, "select * from bench.t", "civis-mock", count, &k, &io,
                                      &err) != CIVIS_OK) {
            fprintf(stderr, "io: read: %s\n", err.message);
            rc = 1;
        }
        t_read = bench_now_s() - t0;
    }
    civis_future_free(fut);
    long mock_peak = proc_kb(mock, "VmHWM");
    long self_peak = proc_kb(getpid(), "VmHWM");
    if (rc == 0) {
        double t_civis = t_up + t_read;
        printf("  civis-mock + libcivis: upload+import %.2f s, streamed read %.2f s (%ld rows), "
               "total %.2f s\n",
               t_up, t_read, k.rows, t_civis);
        printf("  ratio civis / sqlite: %.2f (target <= 3)\n", t_civis / t_sqlite);
        printf("  civis-mock peak memory: %.1f MB\n", (double)mock_peak / 1024.0);
        printf("  client peak memory during the streamed read: %.1f MB (%.1f MB when it started; "
               "target < 50); during the upload: %.1f MB (multipart parts in flight)\n",
               (double)self_peak / 1024.0, (double)rss_before_read / 1024.0,
               (double)upload_peak / 1024.0);
        if (k.rows != rows || sq_rows != rows) {
            fprintf(stderr, "io: row counts differ: %ld read, %ld sqlite, %ld written\n", k.rows,
                    sq_rows, rows);
            rc = 1;
        }
    }
    civis_client_free(client);
    civis_global_cleanup();
    kill(mock, SIGTERM);
    waitpid(mock, NULL, 0);
    unlink(path);
    return rc;
}
