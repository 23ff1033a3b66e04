/* syscall_lat: latency of a null system call and of clock_gettime.
   Usage: syscall_lat [GETPPID_ITERS (100000)] [CLOCK_ITERS (1000000)]
   Times GETPPID_ITERS raw `syscall` instructions for getppid (inline asm, so libc
   cannot cache or short-cut them) and CLOCK_ITERS clock_gettime(CLOCK_MONOTONIC)
   calls (through libc, i.e. the vDSO where there is one), and prints
   "getppid_ns=X clock_gettime_ns=Y" — nanoseconds per call — in one write. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static long raw_getppid(void) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"((long)SYS_getppid) : "rcx", "r11", "memory");
    return ret;
}

int main(int argc, char **argv) {
    long ppid_iters = argc > 1 ? atol(argv[1]) : 100000;
    long clock_iters = argc > 2 ? atol(argv[2]) : 1000000;
    if (ppid_iters < 1 || clock_iters < 1) {
        fprintf(stderr, "usage: %s [GETPPID_ITERS] [CLOCK_ITERS]\n", argv[0]);
        return 2;
    }

    long sink = 0;
    double start = now_ns();
    for (long i = 0; i < ppid_iters; i++) sink += raw_getppid();
    double ppid_ns = (now_ns() - start) / ppid_iters;

    struct timespec ts;
    start = now_ns();
    for (long i = 0; i < clock_iters; i++) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        sink += ts.tv_nsec;
    }
    double clock_ns = (now_ns() - start) / clock_iters;

    printf("getppid_ns=%.1f clock_gettime_ns=%.1f sink=%ld\n", ppid_ns, clock_ns, sink & 1);
    return 0;
}
