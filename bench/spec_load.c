/*
 * spec_load: how much loading and indexing a spec costs over parsing it.
 *
 *   spec_load FULL_SPEC.json
 *
 * Reads the file once, then times N runs of each, alternating so that both
 * see the same machine noise, and prints the medians:
 *   baseline  cJSON_ParseWithLength + cJSON_Delete   (the floor: parsing alone)
 *   civis     civis_spec_load_buffer + civis_spec_free (parse, $ref checks,
 *             operation index, method table, router)
 * Targets: civis <= 2.0 x baseline and < 50 ms. Also prints the peak RSS
 * after one load. Without a readable spec it prints SKIP and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "civis/spec.h"

#include "bench.h"

#define RUNS 30

int main(int argc, char **argv)
{
    size_t len = 0;
    char *text = argc > 1 ? bench_slurp(argv[1], &len) : NULL;
    if (text == NULL) {
        printf("SKIP spec_load: no readable spec given (%s)\n", argc > 1 ? argv[1] : "no argument");
        return 0;
    }

    /* One load first: it must succeed, and it gives the peak RSS of a
     * loaded spec before the timing loop churns the heap. */
    civis_spec *spec = NULL;
    civis_error err = CIVIS_ERROR_INIT;
    if (civis_spec_load_buffer(&spec, text, len, &err) != CIVIS_OK) {
        fprintf(stderr, "spec_load: %s\n", err.message);
        free(text);
        return 1;
    }
    size_t n_ops = civis_spec_operation_count(spec);
    size_t n_methods = civis_spec_method_count(spec);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long rss_kb = ru.ru_maxrss;
    civis_spec_free(spec);

    double base[RUNS], ours[RUNS];
    for (int i = 0; i < RUNS; i++) {
        double t0 = bench_now_s() * 1e3;
        cJSON *doc = cJSON_ParseWithLength(text, len);
        cJSON_Delete(doc);
        double t1 = bench_now_s() * 1e3;
        civis_spec *s = NULL;
        civis_status st = civis_spec_load_buffer(&s, text, len, NULL);
        civis_spec_free(s);
        double t2 = bench_now_s() * 1e3;
        if (doc == NULL || st != CIVIS_OK) {
            fprintf(stderr, "spec_load: run %d failed\n", i);
            free(text);
            return 1;
        }
        base[i] = t1 - t0;
        ours[i] = t2 - t1;
    }
    double mb = bench_median(base, RUNS), mo = bench_median(ours, RUNS);
    double ratio = mo / mb;
    printf("spec_load: %zu bytes, %zu operations, %zu methods, %d runs (medians)\n", len, n_ops,
           n_methods, RUNS);
    printf("  baseline cJSON parse+delete     %8.2f ms\n", mb);
    printf("  civis_spec_load_buffer+free     %8.2f ms\n", mo);
    printf("  ratio                           %8.2f   (target <= 2.00) %s\n", ratio,
           ratio <= 2.0 ? "ok" : "OVER");
    printf("  absolute                        %8.2f ms (target < 50 ms) %s\n", mo,
           mo < 50.0 ? "ok" : "OVER");
    printf("  peak RSS after one load         %8ld KB\n", rss_kb);
    free(text);
    return 0;
}
