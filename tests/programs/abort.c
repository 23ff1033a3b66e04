// Prints, flushes, then calls abort(): dies of SIGABRT (134).
#include <stdio.h>
#include <stdlib.h>

int main(void) {
    puts("about to abort");
    fflush(stdout);
    abort();
}
