// The program break: growth (zero-filled, writable), shrinking (the pages go: they
// read zero when the break grows back), refusals, and sbrk. Also MAP_GROWSDOWN areas
// growing on touches below them, and a deep (but bounded) recursion on the stack.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { kPage = 4096 };

static const char* yes(int b) { return b ? "yes" : "no"; }
static char* sys_brk(void* p) { return (char*)syscall(SYS_brk, p); }
static int zero(const char* p, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (p[i]) return 0;
    return 1;
}
static int mapped(void* p) {
    unsigned char v;
    return mincore((void*)((uintptr_t)p & ~(uintptr_t)(kPage - 1)), kPage, &v) == 0;
}

// Recursion that uses ~1 KiB of stack per level and returns a checksum.
static unsigned long deep(int n) {
    volatile char frame[1000];
    for (int i = 0; i < (int)sizeof frame; i += 64) frame[i] = (char)(n + i);
    if (n == 0) return frame[0];
    return deep(n - 1) + frame[64];
}

int main(void) {
    char* start = sys_brk(NULL);
    printf("brk(NULL) is page-aligned: %s\n", yes(((uintptr_t)start & (kPage - 1)) == 0));

    // Grow by 1 MiB plus a bit: new memory reads zero and takes writes.
    char* want = start + (1 << 20) + 123;
    char* got = sys_brk(want);
    printf("grow 1 MiB: %s\n", yes(got == want));
    printf("  zero: %s\n", yes(zero(start, (1 << 20) + 123)));
    memset(start, 'h', (1 << 20) + 123);
    printf("  the page after the unaligned break is usable too: %s\n", yes(mapped(want)));

    // Shrink to 64 KiB: the rest goes away.
    got = sys_brk(start + 65536);
    printf("shrink to 64 KiB: %s, kept: %s, beyond unmapped: %s\n", yes(got == start + 65536),
           yes(start[65535] == 'h'), yes(!mapped(start + 65536 + kPage)));
    got = sys_brk(start + (1 << 20));
    printf("grow back: %s, old bytes gone: %s\n", yes(got == start + (1 << 20)), yes(zero(start + 65536, (1 << 20) - 65536)));

    // Refusals return the current break.
    char* cur = sys_brk(NULL);
    printf("below the start: %s\n", yes(sys_brk(start - kPage) == cur));
    printf("absurd size: %s\n", yes(sys_brk(start + (1ull << 46)) == cur));
    // A mapping just above blocks growth into it (Linux also keeps a page free).
    char* blocker = mmap(cur + 16 * kPage, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (blocker != MAP_FAILED) {
        printf("into a mapping: %s\n", yes(sys_brk(cur + 20 * kPage) == cur));
        printf("up to a page below it: %s\n", yes(sys_brk(cur + 15 * kPage) == cur + 15 * kPage));
        printf("touching it: %s\n", yes(sys_brk(cur + 16 * kPage) == cur + 15 * kPage));
        munmap(blocker, kPage);
    }
    // sbrk on top of brk (the libc wrapper, so that libc's idea of the break is right;
    // musl refuses brk() and sbrk() with an increment).
    if (brk(start) == 0) {
        void* a = sbrk(10000);
        void* b = sbrk(0);
        printf("sbrk: %s\n", yes(a == start && b == start + 10000));
        sbrk(-10000);
        printf("sbrk back: %s\n", yes(sbrk(0) == start));
    } else {
        sys_brk(start);
        printf("libc brk: %s\n", strerror(errno));
    }

    // MAP_GROWSDOWN: touching below the area grows it.
    char* top = mmap(NULL, 4 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
    if (top == MAP_FAILED) return 1;
    printf("below a grows-down area before the touch: %s\n", mapped(top - kPage) ? "mapped" : "unmapped");
    top[-3 * kPage] = 'g';
    printf("after a touch 3 pages below: mapped %s, value kept %s\n", yes(mapped(top - 3 * kPage)),
           yes(top[-3 * kPage] == 'g'));

    // A deep recursion (about 4 MiB of stack) grows the main stack.
    printf("recursion checksum: %lu\n", deep(4000));
    return 0;
}
