/* rss: touches SIZE MiB (default 100) in one mapping, frees it, prints "freed", then
   stays alive SECONDS (default 1) without touching memory, so that the caller can
   read the host RSS of the process after the free. Usage: rss [SIZE_MIB [SECONDS]] */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    size_t bytes = (argc > 1 ? strtoul(argv[1], NULL, 0) : 100) << 20;
    double hold = argc > 2 ? strtod(argv[2], NULL) : 1.0;
    char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memset(p, 1, bytes);
    printf("touched\n");
    fflush(stdout);
    munmap(p, bytes);
    printf("freed\n");
    fflush(stdout);
    for (double end = now_s() + hold; now_s() < end;) {
    }
    return 0;
}
