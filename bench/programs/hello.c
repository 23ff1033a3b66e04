/* hello: the boot-to-exit benchmark's guest — one line on stdout, exit 0. */
#include <stdio.h>

int main(void) {
    puts("hello, world");
    return 0;
}
