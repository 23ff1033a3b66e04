// mremap: growth in place and by moving (contents kept, new pages zero), shrinking,
// MREMAP_FIXED over an existing mapping, MREMAP_DONTUNMAP, large moves of 2 MiB
// pages, and the errors. Prints outcomes and checks, never an address.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

enum { kPage = 4096 };

static void fill(char* p, size_t len, unsigned seed) {
    for (size_t i = 0; i < len; i++) p[i] = (char)(seed + i * 7 + (i >> 12));
}
static int same(const char* p, size_t len, unsigned seed) {
    for (size_t i = 0; i < len; i++)
        if (p[i] != (char)(seed + i * 7 + (i >> 12))) return 0;
    return 1;
}
static int zero(const char* p, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (p[i]) return 0;
    return 1;
}
static int mapped(void* p, size_t len) {
    unsigned char v[1024];
    return len / kPage <= sizeof v && mincore(p, len, v) == 0;
}
static const char* yes(int b) { return b ? "yes" : "no"; }
static const char* where(void* r, void* old) { return r == MAP_FAILED ? strerror(errno) : r == old ? "in place" : "moved"; }

int main(void) {
    // Room above a 4-page mapping: it grows in place.
    char* area = mmap(NULL, 64 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) return 1;
    munmap(area + 4 * kPage, 60 * kPage);
    fill(area, 4 * kPage, 1);
    char* r = mremap(area, 4 * kPage, 16 * kPage, 0);
    printf("grow into free space without MAYMOVE: %s\n", where(r, area));
    printf("  contents kept: %s, new pages zero: %s\n", yes(same(area, 4 * kPage, 1)), yes(zero(area + 4 * kPage, 12 * kPage)));

    // Blocked above: without MAYMOVE it fails, with MAYMOVE it moves and keeps contents.
    char* blocker = mmap(area + 16 * kPage, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    fill(area, 16 * kPage, 2);
    r = mremap(area, 16 * kPage, 32 * kPage, 0);
    printf("grow blocked without MAYMOVE: %s\n", where(r, area));
    r = mremap(area, 16 * kPage, 32 * kPage, MREMAP_MAYMOVE);
    printf("grow blocked with MAYMOVE: %s\n", where(r, area));
    printf("  contents kept: %s, new pages zero: %s, old range unmapped: %s\n", yes(same(r, 16 * kPage, 2)),
           yes(zero(r + 16 * kPage, 16 * kPage)), yes(!mapped(area, 16 * kPage)));
    area = r;

    // Shrinking unmaps the tail and stays in place.
    r = mremap(area, 32 * kPage, 8 * kPage, 0);
    printf("shrink: %s, tail unmapped: %s, head kept: %s\n", where(r, area), yes(!mapped(area + 8 * kPage, 24 * kPage)),
           yes(same(area, 8 * kPage, 2)));

    // Growing from the middle of a mapping must move (old_len ends before the area does).
    r = mremap(area, 4 * kPage, 6 * kPage, 0);
    printf("grow a prefix without MAYMOVE: %s\n", where(r, area));
    r = mremap(area + 4 * kPage, 8 * kPage, 9 * kPage, MREMAP_MAYMOVE);
    printf("old range crossing the end of its mapping: %s\n", where(r, area));

    // MREMAP_FIXED onto an existing mapping replaces it.
    char* target = mmap(NULL, 8 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(target, 'x', 8 * kPage);
    r = mremap(area, 8 * kPage, 8 * kPage, MREMAP_MAYMOVE | MREMAP_FIXED, target);
    printf("MREMAP_FIXED over a mapping: %s\n", r == target ? "at the target" : r == MAP_FAILED ? strerror(errno) : "elsewhere");
    printf("  contents kept: %s, source unmapped: %s\n", yes(same(target, 8 * kPage, 2)), yes(!mapped(area, 8 * kPage)));

    // MREMAP_DONTUNMAP: the pages move, the old range stays mapped and reads zero.
    r = mremap(target, 8 * kPage, 8 * kPage, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
    printf("MREMAP_DONTUNMAP: %s\n", where(r, target));
    if (r != MAP_FAILED)
        printf("  moved contents kept: %s, old range mapped: %s and zero: %s\n", yes(same(r, 8 * kPage, 2)),
               yes(mapped(target, 8 * kPage)), yes(zero(target, 8 * kPage)));

    // A large mapping with 2 MiB pages, moved whole and then by an odd page offset.
    size_t big = 8u << 20;
    char* b = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    fill(b, big, 3);
    char* b2 = mremap(b, big, 2 * big, MREMAP_MAYMOVE);
    printf("large grow: %s, contents kept: %s, tail zero: %s\n", where(b2, b), yes(same(b2, big, 3)),
           yes(zero(b2 + big, big)));
    char* spot = mmap(NULL, 3 * big, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char* odd = spot + 5 * kPage;
    char* b3 = mremap(b2, big, big, MREMAP_MAYMOVE | MREMAP_FIXED, odd);
    printf("large move to an unaligned place: %s, contents kept: %s, rest unmapped: %s\n",
           b3 == odd ? "at the target" : "elsewhere", yes(same(b3, big, 3)), yes(!mapped(b2, kPage)));
    memset(b3, 0, big);
    printf("  and writable: %s\n", yes(zero(b3, big)));

    // Errors.
    printf("unaligned address: %s\n", where(mremap(area + 1, kPage, 2 * kPage, MREMAP_MAYMOVE), area));
    printf("new length 0: %s\n", where(mremap(b3, kPage, 0, MREMAP_MAYMOVE), b3));
    printf("unknown flag: %s\n", where(mremap(b3, kPage, kPage, 8), b3));
    printf("FIXED without MAYMOVE: %s\n", where(mremap(b3, kPage, kPage, MREMAP_FIXED, spot), b3));
    printf("DONTUNMAP at an unaligned hint: %s\n",
           where(mremap(b3, kPage, kPage, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, spot + 1), b3));
    printf("DONTUNMAP resizing: %s\n", where(mremap(b3, kPage, 2 * kPage, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL), b3));
    printf("unmapped address: %s\n", where(mremap((void*)0x10000, kPage, 2 * kPage, MREMAP_MAYMOVE), area));
    printf("old_len 0 of a private mapping: %s\n", where(mremap(b3, 0, kPage, MREMAP_MAYMOVE), b3));
    printf("overlapping FIXED target: %s\n", where(mremap(b3, 4 * kPage, 4 * kPage, MREMAP_MAYMOVE | MREMAP_FIXED, b3 + kPage), b3));
    (void)blocker;
    return 0;
}
