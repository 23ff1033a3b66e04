/* seqio: sequential write and cached sequential read throughput of one file.
   Usage: seqio DIR MIB [w|wr]   (default wr)
   Writes DIR/seqio.dat as MIB 1 MiB write()s followed by one fsync(), timed
   together; with "wr" then reads it back once untimed (so it is in the host page
   cache) and once timed, in 1 MiB read()s up to EOF. Times are taken with
   clock_gettime(CLOCK_MONOTONIC) around the loops only, so process start-up (and
   Burrow's boot) are excluded. Prints on one line, in a single write:
     "write_mibs=X read_mibs=Y writes=W reads=R"
   (read_mibs=0 in "w" mode; W and R count every write()/read() call made, EOF
   reads included, for per-call exit accounting). The file is left in place in
   "w" mode (the caller removes it: removing it here would add calls) and
   unlinked in "wr" mode. Exits 1 on any error. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

/* One pass reading fd from offset 0 to EOF; adds the calls made to *calls and
   returns the bytes read. */
static long long read_all(int fd, char *buf, long *calls) {
    long long total = 0;
    if (lseek(fd, 0, SEEK_SET) != 0) die("lseek");
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        ++*calls;
        if (n < 0) die("read");
        if (n == 0) return total;
        total += n;
    }
}

int main(int argc, char **argv) {
    if (argc < 3 || atol(argv[2]) < 1 || (argc > 3 && strcmp(argv[3], "w") && strcmp(argv[3], "wr"))) {
        fprintf(stderr, "usage: %s DIR MIB [w|wr]\n", argv[0]);
        return 2;
    }
    long mib = atol(argv[2]);
    int do_read = argc <= 3 || strcmp(argv[3], "wr") == 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/seqio.dat", argv[1]);

    char *buf = malloc(CHUNK);
    if (!buf) die("malloc");
    memset(buf, 0xa5, CHUNK);  /* touch every page before timing */

    int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0) die(path);
    long writes = 0, reads = 0;
    double t0 = now_s();
    for (long i = 0; i < mib; i++) {
        /* A short write to a regular file would mean a full disk: treat as error. */
        if (write(fd, buf, CHUNK) != CHUNK) die("write");
        writes++;
    }
    if (fsync(fd) != 0) die("fsync");
    double write_s = now_s() - t0;

    double read_s = 0;
    if (do_read) {
        long untimed = 0;
        if (read_all(fd, buf, &untimed) != (long long)mib * CHUNK) die("short read (warm-up)");
        reads += untimed;
        t0 = now_s();
        long long got = read_all(fd, buf, &reads);
        read_s = now_s() - t0;
        if (got != (long long)mib * CHUNK) die("short read");
        if (unlink(path) != 0) die("unlink");
    }
    if (close(fd) != 0) die("close");

    char line[256];
    int len = snprintf(line, sizeof line, "write_mibs=%.1f read_mibs=%.1f writes=%ld reads=%ld\n",
                       mib / write_s, do_read ? mib / read_s : 0.0, writes, reads);
    if (write(1, line, len) != len) return 1;
    return 0;
}
