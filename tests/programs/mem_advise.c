// madvise (DONTNEED zeroes private memory, FREE, WILLNEED, POPULATE_*, NOHUGEPAGE,
// holes, bad advice), mincore (residency of touched and untouched pages, holes),
// msync and mlock. Residency is only asserted where Linux and Burrow must agree: a
// touched page is resident, a never-touched mapping is not, a dropped one is not.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#ifndef MADV_POPULATE_READ  // musl's headers predate them (Linux 5.14)
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

enum { kPage = 4096 };

static const char* err(long r) { return r == 0 ? "ok" : strerror(errno); }
static const char* yes(int b) { return b ? "yes" : "no"; }
static int zero(const char* p, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (p[i]) return 0;
    return 1;
}
static int resident(void* p) {
    unsigned char v = 0xff;
    if (mincore(p, kPage, &v) != 0) return -1;
    return v & 1;
}

int main(void) {
    size_t len = 64 * kPage;
    char* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 1;
    printf("untouched mapping resident: %d\n", resident(p));
    memset(p, 'q', len);
    printf("touched page resident: %d\n", resident(p + 10 * kPage));

    // DONTNEED: private anonymous pages read as zero again and leave memory.
    printf("DONTNEED pages 8-15: %s\n", err(madvise(p + 8 * kPage, 8 * kPage, MADV_DONTNEED)));
    printf("  dropped pages zero: %s, resident: %d; others kept: %s\n", yes(zero(p + 8 * kPage, 8 * kPage)),
           resident(p + 8 * kPage), yes(p[7 * kPage] == 'q' && p[16 * kPage] == 'q'));
    // FREE: the contents may go (Linux keeps them until memory is short); writes stay.
    printf("FREE pages 16-23: %s\n", err(madvise(p + 16 * kPage, 8 * kPage, MADV_FREE)));
    int kept_or_zero = 1;
    for (size_t i = 16 * kPage; i < 24 * kPage; i++) kept_or_zero &= p[i] == 'q' || p[i] == 0;
    printf("  each byte old or zero: %s\n", yes(kept_or_zero));
    p[16 * kPage] = 'w';
    printf("  a write after FREE stays: %s\n", yes(p[16 * kPage] == 'w'));
    // DONTNEED on a PROT_NONE range still drops it.
    mprotect(p + 24 * kPage, 4 * kPage, PROT_NONE);
    printf("DONTNEED on PROT_NONE: %s\n", err(madvise(p + 24 * kPage, 4 * kPage, MADV_DONTNEED)));
    mprotect(p + 24 * kPage, 4 * kPage, PROT_READ | PROT_WRITE);
    printf("  reads zero after: %s\n", yes(zero(p + 24 * kPage, 4 * kPage)));

    // Hints are accepted; a hole makes the result ENOMEM but the rest is applied.
    printf("WILLNEED: %s\n", err(madvise(p, len, MADV_WILLNEED)));
    printf("SEQUENTIAL: %s\n", err(madvise(p, len, MADV_SEQUENTIAL)));
    printf("NOHUGEPAGE: %s\n", err(madvise(p, len, MADV_NOHUGEPAGE)));
    printf("HUGEPAGE: %s\n", err(madvise(p, len, MADV_HUGEPAGE)));
    printf("DONTFORK: %s\n", err(madvise(p, len, MADV_DONTFORK)));
    munmap(p + 40 * kPage, 4 * kPage);
    printf("DONTNEED across a hole: %s\n", err(madvise(p + 32 * kPage, 16 * kPage, MADV_DONTNEED)));
    printf("  applied before and after the hole: %s\n", yes(zero(p + 32 * kPage, 8 * kPage) && zero(p + 44 * kPage, 4 * kPage)));
    printf("madvise where nothing is mapped: %s\n", err(madvise((void*)0x10000, kPage, MADV_DONTNEED)));
    printf("madvise bad advice: %s\n", err(madvise(p, kPage, 999)));
    printf("madvise unaligned: %s\n", err(madvise(p + 1, kPage, MADV_DONTNEED)));
    printf("madvise length 0: %s\n", err(madvise(p, 0, MADV_DONTNEED)));
    printf("madvise REMOVE on private memory: %s\n", err(madvise(p, kPage, MADV_REMOVE)));

    // POPULATE_*: pages become resident; PROT_NONE and read-only are refused as Linux does.
    char* q = mmap(NULL, 16 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    const char* e = err(madvise(q, 16 * kPage, MADV_POPULATE_WRITE));
    printf("POPULATE_WRITE: %s, last page resident: %d\n", e, resident(q + 15 * kPage));
    mprotect(q, 4 * kPage, PROT_READ);
    printf("POPULATE_WRITE on read-only: %s\n", err(madvise(q, 4 * kPage, MADV_POPULATE_WRITE)));
    printf("POPULATE_READ on read-only: %s\n", err(madvise(q, 4 * kPage, MADV_POPULATE_READ)));
    mprotect(q, 4 * kPage, PROT_NONE);
    printf("POPULATE_READ on PROT_NONE: %s\n", err(madvise(q, 4 * kPage, MADV_POPULATE_READ)));
    printf("POPULATE_READ over a hole: %s\n", err(madvise(p + 36 * kPage, 8 * kPage, MADV_POPULATE_READ)));

    // MAP_POPULATE makes a mapping resident at once.
    char* r = mmap(NULL, 16 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    printf("MAP_POPULATE: first and last page resident: %d %d, zero: %s\n", resident(r), resident(r + 15 * kPage),
           yes(zero(r, 16 * kPage)));

    // mincore errors.
    unsigned char vec[64];
    printf("mincore unaligned: %s\n", err(mincore(p + 1, kPage, vec)));
    printf("mincore over a hole: %s\n", err(mincore(p + 36 * kPage, 8 * kPage, vec)));
    printf("mincore bad vector: %s\n", err(mincore(p, kPage, (unsigned char*)8)));
    printf("mincore partial page length: %s\n", err(mincore(p, 1, vec)));

    // msync: anonymous memory has nothing to write back; holes and flags as Linux.
    printf("msync MS_SYNC: %s\n", err(msync(p, 8 * kPage, MS_SYNC)));
    printf("msync MS_ASYNC|MS_INVALIDATE: %s\n", err(msync(p, 8 * kPage, MS_ASYNC | MS_INVALIDATE)));
    printf("msync across a hole: %s\n", err(msync(p + 32 * kPage, 16 * kPage, MS_SYNC)));
    printf("msync MS_ASYNC across a hole: %s\n", err(msync(p + 32 * kPage, 16 * kPage, MS_ASYNC)));
    printf("msync unmapped: %s\n", err(msync((void*)0x10000, kPage, MS_SYNC)));
    printf("msync both SYNC and ASYNC: %s\n", err(msync(p, kPage, MS_SYNC | MS_ASYNC)));
    printf("msync bad flag: %s\n", err(msync(p, kPage, 8)));
    printf("msync unaligned: %s\n", err(msync(p + 1, kPage, MS_SYNC)));

    // mlock makes pages resident; holes are ENOMEM.
    char* l = mmap(NULL, 8 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    e = err(mlock(l, 8 * kPage));
    printf("mlock: %s, resident: %d\n", e, resident(l + 7 * kPage));
    printf("munlock: %s\n", err(munlock(l, 8 * kPage)));
    printf("mlock over a hole: %s\n", err(mlock(p + 36 * kPage, 8 * kPage)));
    printf("mlockall bad flags: %s\n", err(mlockall(0)));
    return 0;
}
