// Prints, flushes, then stores through a null pointer: dies of SIGSEGV (139).
#include <stdint.h>
#include <stdio.h>

int main(void) {
    puts("about to write to NULL");
    fflush(stdout);
    fputs("stderr before the fault\n", stderr);
    // NOTE: the address comes through a volatile integer so GCC can neither
    // delete the store (null dereference is UB) nor turn it into ud2 (SIGILL).
    volatile uintptr_t address = 0;
    *(volatile int *)address = 42;
    puts("unreachable");
    return 0;
}
