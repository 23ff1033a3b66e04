// nanosleep and clock_nanosleep (relative and absolute, both clocks): each sleeps at
// least as long as asked and not absurdly longer; bad arguments fail as on Linux.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static long long now_ns(clockid_t c) {
    struct timespec ts;
    clock_gettime(c, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void check(const char* what, long long start, clockid_t c, long long want_ns) {
    long long took = now_ns(c) - start;
    printf("%s: at least %lld ms: %s, under 2 s: %s\n", what, want_ns / 1000000, took >= want_ns ? "yes" : "no",
           took < 2000000000LL ? "yes" : "no");
}

int main(void) {
    struct timespec req = {0, 30 * 1000000};
    long long t = now_ns(CLOCK_MONOTONIC);
    printf("nanosleep = %d\n", nanosleep(&req, NULL));
    check("nanosleep 30 ms", t, CLOCK_MONOTONIC, 30000000);

    t = now_ns(CLOCK_MONOTONIC);
    printf("clock_nanosleep(MONOTONIC) = %d\n", clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL));
    check("relative 30 ms", t, CLOCK_MONOTONIC, 30000000);

    t = now_ns(CLOCK_REALTIME);
    struct timespec until = {(t + 40000000) / 1000000000, (t + 40000000) % 1000000000};
    printf("clock_nanosleep(REALTIME, ABSTIME) = %d\n", clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &until, NULL));
    check("absolute +40 ms", t, CLOCK_REALTIME, 40000000);

    struct timespec past = {1, 0};
    printf("absolute in the past = %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &past, NULL));
    struct timespec bad = {0, 1000000000};
    errno = 0;
    printf("nanosleep(tv_nsec = 1e9) = %d %s\n", nanosleep(&bad, NULL), strerror(errno));
    struct timespec negative = {-1, 0};
    errno = 0;
    printf("nanosleep(tv_sec = -1) = %d %s\n", nanosleep(&negative, NULL), strerror(errno));
    printf("clock_nanosleep(bad clock) = %d\n", clock_nanosleep(12345, 0, &req, NULL));
    printf("clock_nanosleep(THREAD_CPUTIME) = %d\n", clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL));
    errno = 0;
    printf("nanosleep(NULL) = %d %s\n", nanosleep(NULL, NULL), strerror(errno));
    return 0;
}
