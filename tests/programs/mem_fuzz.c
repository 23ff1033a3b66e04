// Random mmap(MAP_FIXED)/munmap/mprotect/madvise(DONTNEED)/write sequences over a
// 64 MiB region (2 MiB-aligned, so 2 MiB pages get split and rebuilt), checked after
// every step against a page-by-page model of what each page must hold. Prints the
// number of mismatches and a checksum of the final contents.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

enum { kPage = 4096, kPages = 16384, kSteps = 4000 };

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

// Per page: -1 unmapped, else its protection; and the seed of its contents (0: zero).
static signed char prot_of[kPages];
static uint32_t seed_of[kPages];
static unsigned char* base;

static uint64_t word(uint32_t seed, size_t i) { return seed ? (uint64_t)seed * 0x9E3779B97F4A7C15ULL + i : 0; }

static void fill(size_t page, uint32_t seed) {
    uint64_t* w = (uint64_t*)(base + page * kPage);
    for (size_t i = 0; i < kPage / 8; i++) w[i] = word(seed, i);
    seed_of[page] = seed;
}

static int check(size_t page) {
    const uint64_t* w = (const uint64_t*)(base + page * kPage);
    for (size_t i = 0; i < kPage / 8; i += 61)
        if (w[i] != word(seed_of[page], i)) return 0;
    return w[kPage / 8 - 1] == word(seed_of[page], kPage / 8 - 1);
}

int main(void) {
    // A 2 MiB-aligned home: reserve more, then trim.
    unsigned char* r = mmap(NULL, (kPages + 512) * (size_t)kPage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) return 1;
    base = (unsigned char*)(((uintptr_t)r + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1));
    if (mmap(base, (size_t)kPages * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != base)
        return 1;
    for (size_t p = 0; p < kPages; p++) prot_of[p] = PROT_READ | PROT_WRITE;

    size_t bad = 0, ops[5] = {0};
    for (int step = 0; step < kSteps; step++) {
        // Ranges of 1-64 pages, or whole 2 MiB blocks, at random places.
        size_t a, n;
        if (next() % 4 == 0) {
            a = (next() % (kPages / 512)) * 512;
            n = 512 * (1 + next() % 2);
        } else {
            a = next() % kPages;
            n = 1 + next() % 64;
        }
        if (a + n > kPages) n = kPages - a;
        unsigned char* p = base + a * kPage;
        int op = (int)(next() % 5);
        int all_mapped = 1;
        for (size_t i = a; i < a + n; i++) all_mapped &= prot_of[i] >= 0;
        switch (op) {
        case 0:  // map fresh
            if (mmap(p, n * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != p) bad++;
            for (size_t i = a; i < a + n; i++) prot_of[i] = PROT_READ | PROT_WRITE, seed_of[i] = 0;
            break;
        case 1:  // unmap
            if (munmap(p, n * kPage) != 0) bad++;
            for (size_t i = a; i < a + n; i++) prot_of[i] = -1;
            break;
        case 2: {  // change rights (only fully mapped ranges: holes make Linux stop half-way)
            if (!all_mapped) break;
            static const int prots[] = {PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE};
            int prot = prots[next() % 3];
            if (mprotect(p, n * kPage, prot) != 0) bad++;
            for (size_t i = a; i < a + n; i++) prot_of[i] = (signed char)prot;
            break;
        }
        case 3:  // drop contents
            if (!all_mapped) break;
            if (madvise(p, n * kPage, MADV_DONTNEED) != 0) bad++;
            for (size_t i = a; i < a + n; i++) seed_of[i] = 0;
            break;
        case 4:  // write where writable
            for (size_t i = a; i < a + n; i++)
                if (prot_of[i] == (PROT_READ | PROT_WRITE)) fill(i, (uint32_t)(next() | 1));
            break;
        }
        ops[op]++;
        // Check a sample of readable pages, and everything this step touched.
        for (size_t i = a; i < a + n; i++)
            if (prot_of[i] > 0 && !check(i)) bad++;
        for (int k = 0; k < 32; k++) {
            size_t i = next() % kPages;
            if (prot_of[i] > 0 && !check(i)) bad++;
        }
    }
    uint64_t sum = 0;
    size_t readable = 0;
    for (size_t i = 0; i < kPages; i++) {
        if (prot_of[i] <= 0) continue;
        readable++;
        bad += !check(i);
        sum = sum * 31 + seed_of[i];
    }
    printf("steps=%d map=%zu unmap=%zu protect=%zu dontneed=%zu write=%zu\n", kSteps, ops[0], ops[1], ops[2], ops[3],
           ops[4]);
    printf("readable pages=%zu mismatches=%zu checksum=%016llx\n", readable, bad, (unsigned long long)sum);
    return bad != 0;
}
