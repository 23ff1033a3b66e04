// The smallest useful program: one line on stdout, exit 0.
#include <stdio.h>

int main(void) {
    puts("hello, world");
    return 0;
}
