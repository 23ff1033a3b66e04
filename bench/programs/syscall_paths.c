/* syscall_paths: the cost of three system calls as a program makes them, through
   libc (dynamically linked: under `burrow run --fast` libc's own syscall sites are
   the ones rewritten): getppid(), clock_gettime(CLOCK_MONOTONIC) (the vDSO where
   there is one) and a 1-byte write(2) to /dev/null.
   Usage: syscall_paths ITERS  →  "getppid_ns=X clock_gettime_ns=Y write_ns=Z" */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    long iters = argc > 1 ? atol(argv[1]) : 100000;
    int fd = open("/dev/null", O_WRONLY);
    if (iters < 1 || fd < 0) {
        fprintf(stderr, "usage: %s ITERS (and /dev/null must open)\n", argv[0]);
        return 2;
    }
    long sink = 0;
    double t0 = now_ns();
    for (long i = 0; i < iters; i++) sink += getppid();
    double t1 = now_ns();
    struct timespec ts;
    for (long i = 0; i < iters; i++) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        sink += ts.tv_nsec;
    }
    double t2 = now_ns();
    for (long i = 0; i < iters; i++) sink += write(fd, "x", 1);
    double t3 = now_ns();
    printf("getppid_ns=%.1f clock_gettime_ns=%.1f write_ns=%.1f sink=%ld\n", (t1 - t0) / iters, (t2 - t1) / iters,
           (t3 - t2) / iters, sink & 1);
    return 0;
}
