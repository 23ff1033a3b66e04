/* cycle: the cost of an mmap / touch every page / munmap cycle, as allocators do for
   large blocks. Usage: cycle PAGES ITERATIONS
   Output: pages=N us_per_cycle=X */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
    size_t pages = argc > 1 ? strtoul(argv[1], NULL, 0) : 16;
    long iters = argc > 2 ? strtol(argv[2], NULL, 0) : 1000;
    size_t len = pages * 4096;
    double t0 = now_us();
    for (long i = 0; i < iters; i++) {
        volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("mmap");
            return 1;
        }
        for (size_t off = 0; off < len; off += 4096) p[off] = 1;
        munmap((void *)p, len);
    }
    double t1 = now_us();
    printf("pages=%zu us_per_cycle=%.2f\n", pages, (t1 - t0) / iters);
    return 0;
}
