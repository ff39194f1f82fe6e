/*
 * driver.c: concurrent traffic for civis-mock built with ThreadSanitizer
 * (make tsan). Client threads, each with its own API key, create, read,
 * replace, patch, list and delete SQL scripts and upload and download
 * files through libcivis, while an admin thread adds and removes stubs and
 * fault rules, reads the journal and the stats, and resets the server.
 * Every loop is bounded in count; the server runs on 127.0.0.1 port 0 and
 * is stopped here.
 *
 * usage: driver LOGDIR. TSAN_OPTIONS (set by make tsan) makes any report
 * end the process with exit code 66 and write its text under LOGDIR; the
 * run fails on that exit code or on any report file, the driver's own
 * included (it is built with ThreadSanitizer too).
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "../mockproc.h"
#include "civis.h"

#define CLIENTS 4
#define ROUNDS 100
#define ADMIN_ROUNDS 120

static civis_mockproc mp;
static long requests[CLIENTS + 1]; /* per thread, summed at the end */
static long failures[CLIENTS + 1]; /* replies that make no sense (5xx not asked for, none) */
static long files_done[CLIENTS];   /* uploads read back whole */

static long call(int who, const char *method, const char *path, const char *key, const char *body)
{
    long st = civis_mockproc_json(NULL, &mp, method, path, key, body);
    requests[who]++;
    if (st == 0 || (st >= 500 && st != 503))
        failures[who]++;
    return st;
}

static void file_round_trip(int who, civis_client *c)
{
    char data[3000];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)('a' + (i + (size_t)who) % 26);
    civis_file_options fo = {.no_retry_wait = true};
    long long id = 0;
    civis_error err = CIVIS_ERROR_INIT;
    requests[who] += 4; /* POST /files, the storage POST, GET /files/{id}, the download */
    if (civis_buffer_to_civis(&id, c, data, sizeof(data), "t.bin", &fo, &err) != CIVIS_OK)
        return; /* a concurrent reset may remove it: not a failure */
    char *back = NULL;
    size_t len = 0;
    if (civis_civis_to_buffer(&back, &len, c, id, &fo, &err) == CIVIS_OK) {
        if (len != sizeof(data) || memcmp(back, data, len) != 0)
            failures[who]++; /* the bytes came back different */
        else
            files_done[who]++;
    }
    free(back);
}

static void *client_thread(void *arg)
{
    int who = (int)(long)arg;
    char key[16], path[96];
    snprintf(key, sizeof(key), "tsan-%d", who);
    civis_client_options o = {
        .api_key = key, .base_url = mp.base_url, .no_spec_cache = true, .bundled_spec = true};
    civis_client *c = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_client_new(&c, &o, &err) != CIVIS_OK) {
        failures[who]++;
        return NULL;
    }
    static const char sql[] =
        "{\"name\": \"q\", \"sql\": \"select 1\", \"remoteHostId\": 1, \"credentialId\": 2}";
    for (int r = 0; r < ROUNDS; r++) {
        cJSON *made = NULL;
        long st = civis_mockproc_json(&made, &mp, "POST", "/scripts/sql", key, sql);
        requests[who]++;
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(made, "id");
        long n = cJSON_IsNumber(id) ? (long)id->valuedouble : 1;
        cJSON_Delete(made);
        if (st != 200 && st != 201 && st != 503)
            failures[who]++;
        snprintf(path, sizeof(path), "/scripts/sql/%ld", n);
        call(who, "GET", path, key, NULL);
        call(who, "PUT", path, key, sql);
        call(who, "PATCH", path, key, "{\"name\": \"renamed\"}");
        call(who, "GET", "/scripts?limit=5", key, NULL);
        call(who, "GET", "/jobs?limit=3&page_num=2", key, NULL);
        call(who, "DELETE", path, key, NULL);
        if (r % 5 == 0)
            file_round_trip(who, c);
    }
    civis_client_free(c);
    return NULL;
}

static void *admin_thread(void *arg)
{
    int who = (int)(long)arg;
    for (int r = 0; r < ADMIN_ROUNDS; r++) {
        call(who, "POST", "/__mock/stubs", NULL,
             "{\"operation\": \"users.get_me\", \"response\": {\"status\": 200, \"body\": {\"id\": "
             "7}}}");
        call(who, "GET", "/users/me", "tsan-0", NULL);
        call(who, "POST", "/__mock/faults", NULL,
             "{\"operation\": \"jobs.list\", \"status\": 503, \"count\": 1, \"api_key\": "
             "\"tsan-1\"}");
        call(who, "GET", "/__mock/faults", NULL, NULL);
        call(who, "GET", "/__mock/journal?api_key=tsan-2", NULL, NULL);
        call(who, "GET", "/__mock/journal/unmatched", NULL, NULL);
        call(who, "GET", "/__mock/stats", NULL, NULL);
        call(who, "DELETE", "/__mock/faults", NULL, NULL);
        call(who, "DELETE", "/__mock/stubs", NULL, NULL);
        if (r % 10 == 9)
            call(who, "POST", "/__mock/reset", NULL, NULL);
    }
    return NULL;
}

/* The report files ThreadSanitizer left under dir (log_path=dir/tsan). */
static int reports(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "tsan", 4) != 0)
            continue;
        n++;
        char path[1024], line[512];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *fp = fopen(path, "r");
        fprintf(stderr, "tsan: report %s\n", path);
        for (int i = 0; fp != NULL && i < 60 && fgets(line, sizeof(line), fp) != NULL; i++)
            fputs(line, stderr);
        if (fp != NULL)
            fclose(fp);
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s LOGDIR\n", argv[0]);
        return 2;
    }
    curl_global_init(CURL_GLOBAL_ALL);
    if (civis_mockproc_start(&mp, NULL) != 0) {
        curl_global_cleanup();
        return 1;
    }
    pthread_t th[CLIENTS + 1];
    for (long i = 0; i < CLIENTS; i++)
        pthread_create(&th[i], NULL, client_thread, (void *)i);
    pthread_create(&th[CLIENTS], NULL, admin_thread, (void *)(long)CLIENTS);
    for (int i = 0; i <= CLIENTS; i++)
        pthread_join(th[i], NULL);
    int status = civis_mockproc_stop(&mp);
    curl_global_cleanup();
    long total = 0, bad = 0, files = 0;
    for (int i = 0; i <= CLIENTS; i++) {
        total += requests[i];
        bad += failures[i];
        files += i < CLIENTS ? files_done[i] : 0;
    }
    int found = reports(argv[1]);
    printf("tsan: %ld requests from %d client threads and 1 admin thread (%ld file round "
           "trips); civis-mock exit %d; %d ThreadSanitizer reports; %ld failed requests\n",
           total, CLIENTS, files, status, found, bad);
    /* no file made it back: the upload path was not exercised at all */
    return status == 0 && found == 0 && bad == 0 && files > 0 ? 0 : 1;
}
