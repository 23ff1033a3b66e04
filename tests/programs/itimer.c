// alarm, setitimer and getitimer (ITIMER_REAL): SIGALRM ends a nanosleep (EINTR, time
// left in rem), a poll and a select early; an interval timer ticks while the program
// sleeps; alarm says how long the previous one had left; the values getitimer shows;
// and, with no handler, SIGALRM kills. Prints only what is the same on every host.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static void on_alarm(int sig) {
    (void)sig;
    ++ticks;
}

static long ms_since(const struct timespec *t0) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);

    // alarm: the time the previous one had left, rounded; 0 cancels.
    printf("alarm(5) = %u\n", alarm(5));
    printf("alarm(0) = %u\n", alarm(0));
    struct itimerval v;
    getitimer(ITIMER_REAL, &v);
    printf("after alarm(0): %ld.%06ld\n", (long)v.it_value.tv_sec, (long)v.it_value.tv_usec);

    // A one-shot timer ends a longer sleep early.
    struct itimerval once = {{0, 0}, {0, 100000}};
    setitimer(ITIMER_REAL, &once, NULL);
    getitimer(ITIMER_REAL, &v);
    printf("armed: under 0.1 s left: %d, interval %ld\n", v.it_value.tv_sec == 0 && v.it_value.tv_usec <= 100000,
           (long)v.it_interval.tv_usec);
    struct timespec t0, req = {2, 0}, rem = {0, 0};
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int r = nanosleep(&req, &rem);
    int e = errno;
    long took = ms_since(&t0);
    printf("nanosleep 2 s = %d %s after 80-1000 ms: %d, ticks %d, rem 1-2 s: %d\n", r, r ? strerror(e) : "",
           took >= 80 && took < 1000, (int)ticks, rem.tv_sec == 1 || (rem.tv_sec == 0 && rem.tv_nsec > 0));

    // An interval timer ticks through several sleeps.
    ticks = 0;
    struct itimerval every = {{0, 50000}, {0, 50000}};
    setitimer(ITIMER_REAL, &every, NULL);
    int sleeps = 0;
    while (ticks < 3 && sleeps < 100) {
        usleep(200000);
        ++sleeps;
    }
    struct itimerval off = {{0, 0}, {0, 0}}, old;
    setitimer(ITIMER_REAL, &off, &old);
    printf("interval: 3 ticks in %s sleeps, the old interval %ld us\n", sleeps <= 3 ? "at most 3" : "more than 3",
           (long)old.it_interval.tv_usec);

    // poll and select end with EINTR.
    int p[2];
    pipe(p);
    struct pollfd pfd = {p[0], POLLIN, 0};
    setitimer(ITIMER_REAL, &once, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r = poll(&pfd, 1, 3000);
    e = errno;
    printf("poll = %d %s, early: %d\n", r, r < 0 ? strerror(e) : "", ms_since(&t0) < 2000);
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    struct timeval tv = {3, 0};
    setitimer(ITIMER_REAL, &once, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r = select(p[0] + 1, &rd, NULL, NULL, &tv);
    e = errno;
    printf("select = %d %s, early: %d\n", r, r < 0 ? strerror(e) : "", ms_since(&t0) < 2000);

    // Errors.
    r = setitimer(99, &once, NULL);
    printf("setitimer(99) = %d %s\n", r, strerror(errno));
    struct itimerval bad = {{0, 0}, {0, 1000000}};
    r = setitimer(ITIMER_REAL, &bad, NULL);
    printf("setitimer(usec 1000000) = %d %s\n", r, strerror(errno));

    // No handler: the default action.
    signal(SIGALRM, SIG_DFL);
    alarm(1);
    sleep(3);
    printf("not reached\n");
    return 0;
}
