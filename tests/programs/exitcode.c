// Exits with the status given as argv[1] (the kernel keeps the low 8 bits).
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: exitcode STATUS\n");
        return 2;
    }
    exit(atoi(argv[1]));
}
