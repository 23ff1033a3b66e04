// mmap, munmap and mprotect with Linux's semantics: splitting by partial munmap and
// mprotect, merging back, MAP_FIXED over existing mappings, MAP_FIXED_NOREPLACE,
// PROT_NONE keeping contents, and the errors. Prints what it observes, page by page
// (W writable, R read-only, N no access, - unmapped), never an address.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

enum { kPage = 4096, kPages = 16 };

static int pipe_fds[2], zero_fd;

// A byte the kernel can read (a write() from it succeeds).
static int readable(const char* p) {
    if (write(pipe_fds[1], p, 1) != 1) return 0;
    char c;
    return read(pipe_fds[0], &c, 1) == 1;
}
// A byte the kernel can write (a read() from /dev/zero into it succeeds); restored.
static int writable(char* p) {
    if (!readable(p)) return 0;
    char saved = *p;
    if (read(zero_fd, p, 1) != 1) return 0;
    *p = saved;
    return 1;
}
static int mapped(char* p) {
    unsigned char v;
    return mincore(p, kPage, &v) == 0;
}

static void show(const char* what, char* base, int pages) {
    char line[kPages + 1];
    for (int i = 0; i < pages; i++) {
        char* p = base + (size_t)i * kPage;
        line[i] = !mapped(p) ? '-' : writable(p) ? 'W' : readable(p) ? 'R' : 'N';
    }
    line[pages] = '\0';
    printf("%-40s %s\n", what, line);
}

static void fill(char* base, int first, int count, char tag) {
    for (int i = first; i < first + count; i++) memset(base + (size_t)i * kPage, tag + i, kPage);
}

static int intact(const char* base, int first, int count, char tag) {
    for (int i = first; i < first + count; i++)
        for (int j = 0; j < kPage; j++)
            if (base[(size_t)i * kPage + j] != (char)(tag + i)) return 0;
    return 1;
}

static const char* err(long r) { return r == 0 ? "ok" : strerror(errno); }
static const char* map_err(void* p) { return p == MAP_FAILED ? strerror(errno) : "mapped"; }

int main(void) {
    if (pipe(pipe_fds) != 0 || (zero_fd = open("/dev/zero", O_RDONLY)) < 0) {
        perror("setup");
        return 1;
    }
    char* base = mmap(NULL, kPages * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    show("fresh", base, kPages);
    printf("fresh mapping reads zero: %s\n", base[0] == 0 && base[kPages * kPage - 1] == 0 ? "yes" : "no");
    fill(base, 0, kPages, 'a');

    printf("munmap pages 4-5: %s\n", err(munmap(base + 4 * kPage, 2 * kPage)));
    show("after partial munmap", base, kPages);
    printf("contents around the hole intact: %s\n", intact(base, 0, 4, 'a') && intact(base, 6, 10, 'a') ? "yes" : "no");

    printf("mprotect pages 8-9 read-only: %s\n", err(mprotect(base + 8 * kPage, 2 * kPage, PROT_READ)));
    show("after partial mprotect", base, kPages);
    printf("mprotect pages 8-9 back: %s\n", err(mprotect(base + 8 * kPage, 2 * kPage, PROT_READ | PROT_WRITE)));
    show("merged back", base, kPages);
    printf("contents intact: %s\n", intact(base, 6, 10, 'a') ? "yes" : "no");

    // Across the hole: Linux changes the pages before it, then says ENOMEM.
    printf("mprotect pages 2-7 across the hole: %s\n", err(mprotect(base + 2 * kPage, 6 * kPage, PROT_READ)));
    show("after mprotect across a hole", base, kPages);
    mprotect(base, 4 * kPage, PROT_READ | PROT_WRITE);

    printf("mprotect PROT_NONE pages 10-11: %s\n", err(mprotect(base + 10 * kPage, 2 * kPage, PROT_NONE)));
    show("with PROT_NONE", base, kPages);
    mprotect(base + 10 * kPage, 2 * kPage, PROT_READ | PROT_WRITE);
    printf("PROT_NONE kept the contents: %s\n", intact(base, 10, 2, 'a') ? "yes" : "no");

    // MAP_FIXED replaces what is there: new pages read zero, neighbours stay.
    char* fixed = mmap(base + 12 * kPage, 2 * kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED over pages 12-13: %s\n", fixed == base + 12 * kPage ? "same address" : "moved");
    show("after MAP_FIXED", base, kPages);
    printf("replaced pages read zero: %s, neighbours intact: %s\n",
           fixed[0] == 0 && fixed[2 * kPage - 1] == 0 ? "yes" : "no",
           intact(base, 11, 1, 'a') && intact(base, 14, 2, 'a') ? "yes" : "no");

    // MAP_FIXED_NOREPLACE fails on anything mapped, succeeds in the hole.
    char* p = mmap(base + 3 * kPage, 2 * kPage, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("MAP_FIXED_NOREPLACE over pages 3-4: %s\n", map_err(p));
    p = mmap(base + 4 * kPage, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
             -1, 0);
    printf("MAP_FIXED_NOREPLACE into the hole: %s\n", p == base + 4 * kPage ? "mapped there" : strerror(errno));
    show("hole filled", base, kPages);

    // A free hint is taken; MAP_FIXED at an unaligned address is refused.
    printf("munmap pages 6-7: %s\n", err(munmap(base + 6 * kPage, 2 * kPage)));
    p = mmap(base + 6 * kPage, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("free hint taken: %s\n", p == base + 6 * kPage ? "yes" : "no");
    p = mmap(base + 7 * kPage + 1, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("MAP_FIXED unaligned: %s\n", map_err(p));
    show("final", base, kPages);

    // Errors, as Linux reports them.
    printf("mmap length 0: %s\n", map_err(mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)));
    printf("mmap without a type: %s\n", map_err(mmap(NULL, kPage, PROT_READ, MAP_ANONYMOUS, -1, 0)));
    printf("mmap MAP_SHARED_VALIDATE anonymous: %s\n",
           map_err(mmap(NULL, kPage, PROT_READ, MAP_SHARED_VALIDATE | MAP_ANONYMOUS, -1, 0)));
    printf("mmap unaligned offset: %s\n", map_err(mmap(NULL, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1)));
    printf("mmap huge length: %s\n",
           map_err(mmap(NULL, (size_t)-4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)));
    printf("mmap MAP_FIXED past the top: %s\n",
           map_err(mmap((void*)0x7ffffffff000, 2 * kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)));
    printf("mmap MAP_GROWSDOWN shared: %s\n",
           map_err(mmap(NULL, kPage, PROT_READ, MAP_SHARED | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0)));
    p = mmap(NULL, kPage, PROT_READ | 0x100, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("mmap with an unknown prot bit: %s\n", map_err(p));
    printf("mprotect with an unknown prot bit: %s\n", err(mprotect(p, kPage, PROT_READ | 0x100)));
    printf("mprotect unaligned: %s\n", err(mprotect(base + 1, kPage, PROT_READ)));
    printf("mprotect length 0: %s\n", err(mprotect(base, 0, PROT_READ)));
    printf("mprotect unmapped: %s\n", err(mprotect((void*)0x10000, kPage, PROT_READ)));
    printf("mprotect GROWSDOWN on a plain mapping: %s\n", err(mprotect(base, kPage, PROT_READ | PROT_GROWSDOWN)));
    printf("munmap unaligned: %s\n", err(munmap(base + 1, kPage)));
    printf("munmap length 0: %s\n", err(munmap(base, 0)));
    printf("munmap where nothing is mapped: %s\n", err(munmap((void*)0x10000, kPage)));
    printf("munmap everything: %s\n", err(munmap(base, kPages * kPage)));
    show("gone", base, kPages);
    return 0;
}
