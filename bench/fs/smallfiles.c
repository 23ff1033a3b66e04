/* smallfiles: a small-file metadata workload in one directory.
   Usage: smallfiles DIR N [c|cs|csu]   (default csu)
   Phases, each timed with clock_gettime(CLOCK_MONOTONIC) around its loop only:
     c  create: N x (open(O_CREAT|O_WRONLY|O_TRUNC) + write 100 bytes + close)
     s  stat:   N x stat()
     u  unlink: N x unlink()
   on files DIR/f000000, DIR/f000001, ... (DIR must exist). Prints on one line, in
   a single write, microseconds per operation of each phase run:
     "create_us=X stat_us=Y unlink_us=Z files=N"
   (0 for a phase not run). A run without "u" leaves its files for the caller to
   remove: that is what lets a caller count one phase's VM exits by difference.
   Exits 1 on any error. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

int main(int argc, char **argv) {
    const char *phases = argc > 3 ? argv[3] : "csu";
    if (argc < 3 || atol(argv[2]) < 1 ||
        (strcmp(phases, "c") && strcmp(phases, "cs") && strcmp(phases, "csu"))) {
        fprintf(stderr, "usage: %s DIR N [c|cs|csu]\n", argv[0]);
        return 2;
    }
    long n = atol(argv[2]);
    /* Names are made up front so the timed loops do only the file system calls. */
    size_t dirlen = strlen(argv[1]);
    size_t stride = dirlen + sizeof "/f000000";
    char *names = malloc(stride * n);
    if (!names) die("malloc");
    for (long i = 0; i < n; i++) snprintf(names + i * stride, stride, "%s/f%06ld", argv[1], i);
#define NAME(i) (names + (i) * stride)

    char data[100];
    memset(data, 'x', sizeof data);
    double create_us = 0, stat_us = 0, unlink_us = 0;

    double t0 = now_us();
    for (long i = 0; i < n; i++) {
        int fd = open(NAME(i), O_CREAT | O_WRONLY | O_TRUNC, 0644);
        if (fd < 0) die(NAME(i));
        if (write(fd, data, sizeof data) != sizeof data) die("write");
        if (close(fd) != 0) die("close");
    }
    create_us = (now_us() - t0) / n;

    if (strchr(phases, 's')) {
        struct stat st;
        t0 = now_us();
        for (long i = 0; i < n; i++) {
            if (stat(NAME(i), &st) != 0) die(NAME(i));
            if (st.st_size != sizeof data) { fprintf(stderr, "%s: wrong size\n", NAME(i)); return 1; }
        }
        stat_us = (now_us() - t0) / n;
    }

    if (strchr(phases, 'u')) {
        t0 = now_us();
        for (long i = 0; i < n; i++)
            if (unlink(NAME(i)) != 0) die(NAME(i));
        unlink_us = (now_us() - t0) / n;
    }

    char line[256];
    int len = snprintf(line, sizeof line, "create_us=%.2f stat_us=%.2f unlink_us=%.2f files=%ld\n",
                       create_us, stat_us, unlink_us, n);
    if (write(1, line, len) != len) return 1;
    return 0;
}
