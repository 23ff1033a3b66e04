// Running out of guest memory: requests larger than all memory are refused with
// ENOMEM (Linux's overcommit heuristic refuses them too), MAP_POPULATE that cannot be
// backed is refused with ENOMEM, and touching memory 1 MiB at a time until none is
// left ends the VM with "out of guest memory" (status 137). Natively this would run
// the host out of memory: a Burrow-only test, run with --memory=64M.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static const char* outcome(void* p) {
    if (p != MAP_FAILED) return "mapped";
    return errno == ENOMEM ? "ENOMEM" : strerror(errno);
}

int main(void) {
    void* big = mmap(NULL, 1ull << 30, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap 1 GiB: %s\n", outcome(big));
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE;
    printf("mmap 32 MiB MAP_POPULATE: %s\n", outcome(mmap(NULL, 32 << 20, PROT_READ | PROT_WRITE, flags, -1, 0)));
    printf("mmap 32 MiB MAP_POPULATE again: %s\n", outcome(mmap(NULL, 32 << 20, PROT_READ | PROT_WRITE, flags, -1, 0)));
    printf("malloc 1 GiB: %s\n", malloc(1ull << 30) ? "got it" : "NULL");
    fflush(stdout);
    for (size_t mib = 1;; mib++) {
        char* p = malloc(1 << 20);
        if (!p) {
            printf("malloc failed after %zu MiB\n", mib);
            return 1;
        }
        memset(p, 1, 1 << 20);
    }
}
