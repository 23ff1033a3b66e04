// fstat right after open is answered from the status the open brought back, but
// only when nothing else happened in between: a write through another descriptor
// of the same file must show in the next fstat, as on Linux.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
    const char* name = "fstat_open.tmp";
    int w = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    int r = open(name, O_RDONLY);
    if (w < 0 || r < 0) return 1;
    struct stat st;
    fstat(r, &st);
    printf("right after open: size %ld, mode %o, regular %d\n", (long)st.st_size, st.st_mode & 0777, S_ISREG(st.st_mode));
    int r2 = open(name, O_RDONLY);
    if (write(w, "hello", 5) != 5) return 2;
    fstat(r2, &st);
    printf("after a write through another descriptor: size %ld\n", (long)st.st_size);
    int r3 = open(name, O_RDONLY);
    fstat(r3, &st);
    printf("a fresh open: size %ld, position %ld\n", (long)st.st_size, (long)lseek(r3, 0, SEEK_CUR));
    char two[2];
    if (read(r3, two, 2) != 2) return 4;
    printf("after reading 2 bytes: position %ld\n", (long)lseek(r3, 0, SEEK_CUR));
    int a = open(name, O_WRONLY | O_APPEND);
    printf("O_APPEND, right after open: position %ld\n", (long)lseek(a, 0, SEEK_CUR));
    int d = open(".", O_RDONLY | O_DIRECTORY);
    printf("a directory: position %ld\n", (long)lseek(d, 0, SEEK_CUR));
    if (ftruncate(w, 2) != 0) return 3;
    fstat(r3, &st);
    printf("after ftruncate: size %ld\n", (long)st.st_size);
    fchmod(w, 0600);
    int r4 = open(name, O_RDONLY);
    fstat(r4, &st);
    printf("after fchmod, a fresh open: mode %o\n", st.st_mode & 0777);
    unlink(name);
    return 0;
}
