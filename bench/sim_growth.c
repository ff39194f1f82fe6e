/*
 * sim_growth.c: what the simulation's answers cost as one key's state grows.
 *
 *   sim_growth FULL_SPEC
 *
 * Starts civis-mock with the simulation on (the default) and fills one API
 * key with small projects (POST /projects/, 8 connections). At 0, 1,000,
 * 20,000 and 100,000 objects it measures, on one keep-alive connection,
 * the median latency of a GET by id, a list page (GET /projects/?limit=20,
 * and ordered by name) and a POST, and the server's resident memory.
 * Targets: 1,000 -> 20,000 objects costs at most 2x per GET and list page;
 * RSS at 20,000 under 120 MB; a list page at 100,000 under 10 ms. The last
 * step is a reset: RSS must come back to within 20% of start-up.
 * $SIM_GROWTH_MAX caps the largest level (for quick runs).
 */
#include "mockrun.h"

#define TRIALS_GET 400
#define TRIALS_LIST 60
#define TRIALS_POST 200

static const char post_fmt[] = "{\"name\":\"project %ld\",\"description\":\"a small project\"}";

/* Median latency in ms of `trials` requests on one keep-alive handle. */
static double median_ms(CURL *c, int port, const char *method, const char *path, const char *body,
                        int trials, long *errors)
{
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    } else {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    double *v = malloc((size_t)trials * sizeof(double));
    if (v == NULL)
        return -1;
    for (int i = 0; i < trials; i++) {
        double t0 = bench_now_s();
        long status = 0;
        if (curl_easy_perform(c) != CURLE_OK ||
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status >= 300)
            (*errors)++;
        v[i] = (bench_now_s() - t0) * 1e3;
    }
    double m = bench_median(v, (size_t)trials);
    free(v);
    return m;
}

int main(int argc, char **argv)
{
    if (argc < 2 || access(argv[1], R_OK) != 0) {
        printf("SKIP sim_growth: full spec not found (%s)\n", argc > 1 ? argv[1] : "no path");
        return 0;
    }
    if (access(mockrun_bin(), X_OK) != 0) {
        printf("SKIP sim_growth: %s not built\n", mockrun_bin());
        return 0;
    }
    long levels[] = {0, 1000, 20000, 100000};
    size_t n_levels = sizeof(levels) / sizeof(levels[0]);
    const char *cap = getenv("SIM_GROWTH_MAX");
    long max = cap != NULL && *cap != '\0' ? strtol(cap, NULL, 10) : 100000;
    curl_global_init(CURL_GLOBAL_ALL);
    const char *const extra[] = {"--state-max-objects", "1000000", "--state-max-bytes", "4G", NULL};
    int port = 0;
    pid_t mock = mockrun_start(argv[1], extra, &port, NULL);
    if (mock < 0) {
        fprintf(stderr, "sim_growth: civis-mock did not start\n");
        return 1;
    }
    long rss_start = mockrun_rss_kb(mock);
    CURL *c = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Authorization: Bearer bench");
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, mockrun_discard);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);

    printf("sim_growth: one key, small projects; median ms on one keep-alive connection\n");
    printf("%9s %10s %10s %12s %10s %9s %10s\n", "objects", "GET id", "list p1", "list name",
           "POST", "RSS MB", "fill s");
    double get_at[4] = {0}, list_at[4] = {0}, name_at[4] = {0};
    long rss_at[4] = {0};
    long have = 0, errors = 0;
    char body[128];
    int done = 0;
    for (size_t i = 0; i < n_levels && levels[i] <= max; i++) {
        double t0 = bench_now_s();
        if (levels[i] > have) {
            mockrun_load l = {.method = "POST",
                              .path = "/projects/",
                              .body = NULL,
                              .conns = 8,
                              .count = levels[i] - have,
                              .next = NULL};
            snprintf(body, sizeof(body), post_fmt, have);
            l.body = body;
            mockrun_result res;
            mockrun_drive(&res, port, &l);
            errors += res.errors;
            have = levels[i];
        }
        double fill = bench_now_s() - t0;
        char path[96];
        /* ids start at 1; the POSTs measured below add TRIALS_POST per level */
        snprintf(path, sizeof(path), "/projects/%ld", have > 0 ? have / 2 + 1 : 1);
        double get = have > 0 ? median_ms(c, port, "GET", path, NULL, TRIALS_GET, &errors) : 0;
        double list = median_ms(c, port, "GET", "/projects/?limit=20", NULL, TRIALS_LIST, &errors);
        double byname = median_ms(c, port, "GET", "/projects/?limit=20&order=name&order_dir=asc",
                                  NULL, TRIALS_LIST, &errors);
        snprintf(body, sizeof(body), post_fmt, -1L);
        double post = median_ms(c, port, "POST", "/projects/", body, TRIALS_POST, &errors);
        have += TRIALS_POST;
        long rss = mockrun_rss_kb(mock);
        printf("%9ld %10.3f %10.3f %12.3f %10.3f %9.1f %10.1f\n", levels[i], get, list, byname,
               post, (double)rss / 1024.0, fill);
        fflush(stdout);
        get_at[i] = get;
        list_at[i] = list;
        name_at[i] = byname;
        rss_at[i] = rss;
        done = (int)i + 1;
    }
    if (done >= 3) {
        printf("1,000 -> 20,000 objects: GET by id %.2fx, list page %.2fx, by name %.2fx "
               "(target <= 2x); RSS at 20,000 %.1f MB (target < 120)\n",
               get_at[1] > 0 ? get_at[2] / get_at[1] : 0,
               list_at[1] > 0 ? list_at[2] / list_at[1] : 0,
               name_at[1] > 0 ? name_at[2] / name_at[1] : 0, (double)rss_at[2] / 1024.0);
    }
    if (done >= 4)
        printf("100,000 objects: list page %.3f ms, by name %.3f ms (target < 10 ms)\n", list_at[3],
               name_at[3]);
    long reset = mockrun_request(port, "POST", "/__mock/reset", NULL);
    mockrun_sleep_ms(200);
    long rss_reset = mockrun_rss_kb(mock);
    printf("RSS: %.1f MB at start-up, %.1f MB after POST /__mock/reset (%ld; target within 20%%)\n",
           (double)rss_start / 1024.0, (double)rss_reset / 1024.0, reset);
    if (errors > 0)
        printf("errors: %ld requests failed\n", errors);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    int st = mockrun_stop(mock);
    curl_global_cleanup();
    return (errors > 0 || st != 0) ? 1 : 0;
}
