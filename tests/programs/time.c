// Sanity-checks the clocks without printing anything time-dependent.
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static const char *yes_no(int b) { return b ? "yes" : "no"; }

static long long ns(struct timespec t) { return t.tv_sec * 1000000000LL + t.tv_nsec; }

int main(void) {
    struct timespec m1, m2, r1, r2;
    clock_gettime(CLOCK_MONOTONIC, &m1);
    clock_gettime(CLOCK_REALTIME, &r1);
    // Burn a little time so a coarse clock still has to move.
    volatile unsigned long spin = 0;
    for (unsigned long i = 0; i < 20000000; i++)
        spin += i;
    clock_gettime(CLOCK_MONOTONIC, &m2);
    clock_gettime(CLOCK_REALTIME, &r2);
    time_t now = time(NULL);

    printf("monotonic moved forward: %s\n", yes_no(ns(m2) > ns(m1)));
    printf("realtime moved forward: %s\n", yes_no(ns(r2) > ns(r1)));
    printf("tv_nsec in range: %s\n", yes_no(m1.tv_nsec >= 0 && m1.tv_nsec < 1000000000L &&
                                            r2.tv_nsec >= 0 && r2.tv_nsec < 1000000000L));
    long long diff = (long long)r2.tv_sec - (long long)now;
    printf("realtime within 60s of time(): %s\n", yes_no(diff > -60 && diff < 60));
    printf("realtime after 2020: %s\n", yes_no(r2.tv_sec > 1577836800LL));

    struct timeval tv;
    int rc = gettimeofday(&tv, NULL);
    long long tdiff = (long long)tv.tv_sec - (long long)now;
    printf("gettimeofday ok: %s\n", yes_no(rc == 0 && tv.tv_usec >= 0 && tv.tv_usec < 1000000 &&
                                           tdiff > -60 && tdiff < 60));
    return 0;
}
