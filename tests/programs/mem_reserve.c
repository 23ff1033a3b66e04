// A runtime's pattern: reserve 64 GiB of address space PROT_NONE (costs nothing), then
// commit pieces with mprotect, use 100 MiB, decommit with MADV_DONTNEED + PROT_NONE,
// and commit again. Runs in Burrow with --memory=256M: only what is used needs memory.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static const char* err(long r) { return r == 0 ? "ok" : strerror(errno); }

static uint64_t fnv(const unsigned char* p, size_t len, uint64_t h) {
    for (size_t i = 0; i < len; i += 64) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

int main(void) {
    const size_t reserve = 64ull << 30, commit = 100ull << 20, chunk = 4ull << 20;
    unsigned char* base = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
        perror("reserve 64 GiB");
        return 1;
    }
    printf("reserved 64 GiB PROT_NONE\n");
    // Commit and fill 100 MiB in 4 MiB pieces spread over the reservation.
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t stride = reserve / (commit / chunk) & ~(chunk - 1);
    for (size_t off = 0, n = 0; n < commit / chunk; off += stride, n++) {
        unsigned char* p = base + off;
        if (mprotect(p, chunk, PROT_READ | PROT_WRITE) != 0) {
            printf("commit %zu: %s\n", n, strerror(errno));
            return 1;
        }
        for (size_t i = 0; i < chunk; i += 64) p[i] = (unsigned char)(i * 31 + n);
        h = fnv(p, chunk, h);
    }
    printf("committed and filled 100 MiB: checksum %016llx\n", (unsigned long long)h);
    // Decommit the first half, as a GC returning memory would.
    for (size_t off = 0, n = 0; n < commit / chunk / 2; off += stride, n++) {
        if (madvise(base + off, chunk, MADV_DONTNEED) != 0 || mprotect(base + off, chunk, PROT_NONE) != 0) {
            printf("decommit %zu: %s\n", n, strerror(errno));
            return 1;
        }
    }
    // Commit it again: it reads zero.
    int zero = 1;
    for (size_t off = 0, n = 0; n < commit / chunk / 2; off += stride, n++) {
        unsigned char* p = base + off;
        mprotect(p, chunk, PROT_READ | PROT_WRITE);
        for (size_t i = 0; i < chunk; i += 4096) zero &= p[i] == 0;
        memset(p, 1, chunk);
    }
    printf("recommitted memory reads zero: %s\n", zero ? "yes" : "no");
    // The second half is untouched by all this.
    uint64_t h2 = 0xcbf29ce484222325ULL, want = 0xcbf29ce484222325ULL;
    for (size_t n = commit / chunk / 2; n < commit / chunk; n++) {
        unsigned char* p = base + n * stride;
        h2 = fnv(p, chunk, h2);
        for (size_t i = 0; i < chunk; i += 64) want = (want ^ (unsigned char)(i * 31 + n)) * 0x100000001b3ULL;
    }
    printf("second half intact: %s\n", h2 == want ? "yes" : "no");
    printf("munmap the reservation: %s\n", err(munmap(base, reserve)));
    return 0;
}
