/* strmem: glibc's string and memory routines in a dynamically linked program,
   so the variants glibc's IFUNCs pick for the CPU features they see are the
   ones timed. Prints one line, NAME_ns=... per workload (ns per call, median of
   ROUNDS rounds), e.g. "memcpy_64_ns=3.1 memcpy_4k_ns=40.2 ...".
   Usage: strmem [ROUNDS]   (default 5; one round is ~50 ms natively) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

enum { kMiB = 1 << 20 };
static char *src, *dst, *str_a, *str_b;
static volatile size_t sink;

/* One workload: NAME, calls per round, and the call (i is the call's index). */
#define WORKLOAD(name, calls, body)                                      \
    do {                                                                 \
        double t[64];                                                    \
        for (int r = 0; r < rounds; r++) {                               \
            double start = now_ns();                                     \
            for (long i = 0; i < (calls); i++) { body; }                 \
            t[r] = (now_ns() - start) / (calls);                         \
        }                                                                \
        qsort(t, rounds, sizeof t[0], cmp_double);                       \
        printf("%s%s_ns=%.2f", first ? "" : " ", name,                   \
               (t[(rounds - 1) / 2] + t[rounds / 2]) / 2);               \
        first = 0;                                                       \
    } while (0)

int main(int argc, char **argv) {
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    if (rounds < 1 || rounds > 64) rounds = 5;
    src = malloc(4 * kMiB);
    dst = malloc(4 * kMiB);
    str_a = malloc(64 * 1024);
    str_b = malloc(64 * 1024);
    if (!src || !dst || !str_a || !str_b) return 1;
    memset(src, 'x', 4 * kMiB);
    memset(dst, 'y', 4 * kMiB);
    memset(str_a, 'a', 64 * 1024);
    str_a[64 * 1024 - 1] = 0;
    memcpy(str_b, str_a, 64 * 1024);
    int first = 1;
    /* Offsets vary a little so no call is a copy of the previous one. */
    WORKLOAD("memcpy_64", 2000000, memcpy(dst + (i & 63), src + (i & 127), 64));
    WORKLOAD("memcpy_4k", 200000, memcpy(dst + (i & 63), src + (i & 127), 4096));
    WORKLOAD("memcpy_1m", 200, memcpy(dst + (i & 63), src + kMiB + (i & 127), kMiB));
    WORKLOAD("memset_4k", 200000, memset(dst + (i & 63), (int)i, 4096));
    WORKLOAD("strlen_1k", 200000, sink += strlen(str_a + 64 * 1024 - 1025 + (i & 63)));
    WORKLOAD("strlen_64k", 2000, sink += strlen(str_a + (i & 63)));
    WORKLOAD("memchr_4k", 200000, sink += (size_t)memchr(src + (i & 63), 'z', 4096));
    WORKLOAD("strcmp_4k", 100000, sink += strcmp(str_a + 60 * 1024 + (i & 7), str_b + 60 * 1024 + (i & 7)));
    WORKLOAD("memcmp_4k", 200000, sink += memcmp(src + (i & 63), src + 8192 + (i & 63), 4096));
    printf("\n");
    return 0;
}
