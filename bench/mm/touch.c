/* touch: first-touch page-fault cost. Maps SIZE MiB of anonymous memory, writes one
   byte to every 4 KiB page in order, and prints the time per page. With "small", the
   mapping is MADV_NOHUGEPAGE: 4 KiB pages only, natively and in Burrow.
   Usage: touch [SIZE_MIB [small]]   (default 1024)
   Output: pages=N ns_per_page=X total_ms=Y */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 0) : 1024;
    size_t bytes = mib << 20, pages = bytes / 4096;
    volatile char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    if (argc > 2 && madvise((void *)p, bytes, MADV_NOHUGEPAGE) != 0) {
        perror("madvise");
        return 1;
    }
    double t0 = now_ns();
    for (size_t i = 0; i < pages; i++) p[i * 4096] = (char)i;
    double t1 = now_ns();
    printf("pages=%zu ns_per_page=%.1f total_ms=%.2f\n", pages, (t1 - t0) / pages, (t1 - t0) / 1e6);
    return 0;
}
