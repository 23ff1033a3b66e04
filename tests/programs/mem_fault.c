// Bad memory accesses end the program with SIGSEGV, as on Linux (status 139):
//   mem_fault ro        write to a read-only page
//   mem_fault unmapped  write to an address nothing is mapped at
//   mem_fault none      read a PROT_NONE page
//   mem_fault exec      jump into a page mapped without PROT_EXEC
//   mem_fault hole      write into a page punched out of a mapping by munmap
//   mem_fault stack     recurse until the stack is exhausted
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static volatile uintptr_t sink;

static uintptr_t recurse(uintptr_t n) {
    volatile char frame[512];
    frame[0] = (char)n;
    if (n == UINTPTR_MAX) return 0;   // never: the stack runs out long before
    return recurse(n + 1) + frame[0];  // not a tail call: frame is used after
}

int main(int argc, char** argv) {
    const char* what = argc > 1 ? argv[1] : "";
    printf("about to fault: %s\n", what);
    fflush(stdout);
    char* p = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 1;
    if (!strcmp(what, "ro")) {
        mprotect(p, 4096, PROT_READ);
        *(volatile char*)p = 1;
    } else if (!strcmp(what, "unmapped")) {
        munmap(p, 3 * 4096);
        *(volatile char*)(p + 4096) = 1;
    } else if (!strcmp(what, "none")) {
        mprotect(p, 4096, PROT_NONE);
        sink = *(volatile char*)p;
    } else if (!strcmp(what, "exec")) {
        p[0] = (char)0xC3;  // ret
        ((void (*)(void))(uintptr_t)p)();
    } else if (!strcmp(what, "hole")) {
        munmap(p + 4096, 4096);
        p[0] = p[2 * 4096] = 1;
        *(volatile char*)(p + 4096 + 100) = 1;
    } else if (!strcmp(what, "stack")) {
        sink = recurse(0);
    }
    printf("no fault\n");
    return 0;
}
