// What a program sees right after an open, where Burrow answers from what the open
// brought back (the first 64 KiB of a file, a directory's first records) and moves
// positions in the guest, and closes that ride along with the next exit: reads in
// pieces across the end of the read-ahead, lseek in every direction, a write through
// another descriptor between open and read, getdents64 in small buffers over a
// directory larger than the read-ahead (with rewind, telldir/seekdir), positions
// carried over execve, and locks released by close. Prints only what is the same on
// every host.
//   fs_ahead              the test (in a fresh, empty current directory)
//   fs_ahead child FD     the execve half: reads on from FD's position
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "report.h"

#ifndef F_OFD_SETLK
#define F_OFD_SETLK 37
#endif

// Byte i of the test file: a pattern whose every 64 KiB differ.
static unsigned char pattern(long i) { return (unsigned char)((i * 7 + i / 65536) & 0xff); }

// FNV-1a of a buffer, to print instead of the bytes.
static uint32_t hash(const unsigned char *p, long n) {
    uint32_t h = 2166136261u;
    for (long i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
    return h;
}

static void make_file(const char *name, long size) {
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    static unsigned char buf[1 << 16];
    for (long at = 0; at < size;) {
        long n = size - at < (long)sizeof buf ? size - at : (long)sizeof buf;
        for (long i = 0; i < n; ++i) buf[i] = pattern(at + i);
        if (write(fd, buf, n) != n) exit(2);
        at += n;
    }
    close(fd);
}

// Reads `n` bytes and prints how many came and whether they are the file's bytes
// at `expect_at`.
static void read_and_check(int fd, long n, long expect_at, const char *what) {
    static unsigned char buf[1 << 18];
    long got = read(fd, buf, n);
    int same = 1;
    for (long i = 0; i < got; ++i)
        if (buf[i] != pattern(expect_at + i)) same = 0;
    if (got < 0)
        printf("%s: read = -1 %s\n", what, errno_name(errno));
    else
        printf("%s: read %ld -> %ld bytes, %s, hash %08x\n", what, n, got, same ? "file bytes" : "DIFFERENT",
               hash(buf, got));
}

static void files(void) {
    make_file("big", 200000);
    make_file("small", 1000);

    int fd = open("big", O_RDONLY);
    struct stat st;
    SHOW(fstat(fd, &st));
    printf("size %ld\n", (long)st.st_size);
    SHOW(lseek(fd, 0, SEEK_CUR));
    read_and_check(fd, 10, 0, "first 10");
    SHOW(lseek(fd, 0, SEEK_CUR));
    read_and_check(fd, 65526, 10, "up to 64 KiB");
    read_and_check(fd, 100, 65536, "past the read-ahead");
    SHOW(lseek(fd, 0, SEEK_CUR));
    SHOW(lseek(fd, 5, SEEK_SET));
    read_and_check(fd, 20, 5, "after SEEK_SET 5");
    SHOW(lseek(fd, -10, SEEK_CUR));
    read_and_check(fd, 10, 15, "after SEEK_CUR -10");
    SHOW(lseek(fd, -100, SEEK_CUR));
    SHOW(lseek(fd, -1, SEEK_SET));
    SHOW(lseek(fd, 0, SEEK_CUR));
    SHOW(lseek(fd, -50, SEEK_END));
    read_and_check(fd, 1000, 199950, "the last 50");
    read_and_check(fd, 10, 200000, "at the end");
    SHOW(lseek(fd, 300000, SEEK_SET));
    read_and_check(fd, 10, 300000, "past the end");
    SHOW(close(fd));

    // Reads of regular files are never short before the end, whatever was read ahead.
    fd = open("big", O_RDONLY);
    read_and_check(fd, 5000, 0, "5000 of a big file");
    SHOW(close(fd));
    fd = open("big", O_RDONLY);
    read_and_check(fd, 150000, 0, "150000 of a big file");
    SHOW(close(fd));
    make_file("medium", 50000);
    fd = open("medium", O_RDONLY);
    read_and_check(fd, 30000, 0, "30000 of a medium file");
    read_and_check(fd, 30000, 30000, "then 30000 more");
    read_and_check(fd, 30000, 50000, "then at the end");
    SHOW(close(fd));

    // A whole small file, then the end, as interpreters read their sources.
    fd = open("small", O_RDONLY);
    read_and_check(fd, 1001, 0, "small whole");
    read_and_check(fd, 1, 1000, "small end");
    SHOW(lseek(fd, 0, SEEK_CUR));
    SHOW(close(fd));

    // dup shares the position; pread leaves it alone.
    fd = open("small", O_RDONLY);
    read_and_check(fd, 100, 0, "fd");
    int fd2 = dup(fd);
    read_and_check(fd2, 100, 100, "its dup");
    unsigned char b[16];
    SHOW(pread(fd, b, 16, 500));
    printf("pread bytes %s\n", b[0] == pattern(500) && b[15] == pattern(515) ? "file bytes" : "DIFFERENT");
    SHOW(lseek(fd, 0, SEEK_CUR));
    SHOW(close(fd));
    read_and_check(fd2, 50, 200, "dup after close");
    SHOW(close(fd2));

    // A write through another descriptor between the open and the read shows.
    fd = open("small", O_RDONLY);
    int w = open("small", O_WRONLY);
    SHOW(pwrite(w, "XYZ", 3, 0));
    SHOW(close(w));
    char text[8] = {0};
    SHOW(read(fd, text, 3));
    printf("read after another's write: %s\n", text);
    SHOW(close(fd));

    // A file that grows after the open: its new end shows.
    fd = open("small", O_RDONLY);
    read_and_check(fd, 2000, 0, "before growing");
    int a = open("small", O_WRONLY | O_APPEND);
    SHOW(write(a, "tail", 4));
    SHOW(close(a));
    SHOW(read(fd, text, 8));
    printf("grown by: %.4s\n", text);
    SHOW(close(fd));

    // FIONREAD counts from the position.
    fd = open("big", O_RDONLY);
    read_and_check(fd, 1000, 0, "before FIONREAD");
    int avail = -1;
    SHOW(ioctl(fd, FIONREAD, &avail));
    printf("FIONREAD %d\n", avail);
    SHOW(close(fd));

    // Read-only opens of a directory and of a file with O_PATH.
    SHOW(read(fd = open(".", O_RDONLY | O_DIRECTORY), text, 1));
    SHOW(close(fd));
    fd = open("small", O_PATH);
    SHOW(read(fd, text, 1));
    SHOW(lseek(fd, 0, SEEK_CUR));
    SHOW(close(fd));
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

// Lists the directory with getdents64 into `bufsize`-byte buffers; prints the count
// and a hash of the sorted names (the order is the file system's).
static void list_dir(int fd, int bufsize, const char *what) {
    static char buf[1 << 16];
    static char *names[4096];
    int n = 0;
    long calls = 0;
    for (;;) {
        long got = syscall(SYS_getdents64, fd, buf, bufsize);
        ++calls;
        if (got < 0) {
            printf("%s: getdents64 = -1 %s\n", what, errno_name(errno));
            break;
        }
        if (got == 0) break;
        for (long at = 0; at < got;) {
            unsigned short reclen;
            memcpy(&reclen, buf + at + 16, sizeof reclen);
            if (n < 4096) names[n++] = strdup(buf + at + 19);
            at += reclen;
        }
    }
    qsort(names, n, sizeof names[0], by_name);
    uint32_t h = 2166136261u;
    for (int i = 0; i < n; ++i) {
        h = hash((const unsigned char *)names[i], (long)strlen(names[i])) ^ (h * 31);
        free(names[i]);
    }
    printf("%s: %d entries, hash %08x\n", what, n, h);
}

static void dirs(void) {
    SHOW(mkdir("many", 0755));
    char name[128];
    for (int i = 0; i < 1500; ++i) {
        snprintf(name, sizeof name, "many/entry-%04d-with-a-long-name-to-fill-the-read-ahead", i);
        close(open(name, O_WRONLY | O_CREAT, 0644));
    }
    int fd = open("many", O_RDONLY | O_DIRECTORY);
    list_dir(fd, 1024, "1 KiB buffers");
    SHOW(syscall(SYS_getdents64, fd, name, sizeof name));
    SHOW(lseek(fd, 0, SEEK_SET));
    list_dir(fd, 65536, "after rewind, 64 KiB buffers");
    SHOW(close(fd));

    // A buffer too small for one record.
    fd = open("many", O_RDONLY | O_DIRECTORY);
    SHOW(syscall(SYS_getdents64, fd, name, 20));
    list_dir(fd, 4096, "after EINVAL");
    SHOW(close(fd));

    // telldir/seekdir through libc, part-way into the read-ahead.
    DIR *d = opendir("many");
    struct dirent *e = NULL;
    for (int i = 0; i < 10; ++i) e = readdir(d);
    long where = telldir(d);
    char tenth[256];
    snprintf(tenth, sizeof tenth, "%s", e->d_name);
    for (int i = 0; i < 700; ++i) readdir(d);
    seekdir(d, where);
    e = readdir(d);
    printf("seekdir back: %s\n", e && strcmp(e->d_name, tenth) != 0 ? "the entry after the tenth" : "WRONG");
    closedir(d);

    // An entry added between the open and the listing shows (or not) as natively:
    // the listing starts at the open's records only if nothing happened since.
    fd = open("many", O_RDONLY | O_DIRECTORY);
    close(open("many/zz-added-after-open", O_WRONLY | O_CREAT, 0644));
    list_dir(fd, 8192, "with an entry added after the open");
    SHOW(close(fd));

    // Emptied again, so the tree compared after the run stays small.
    for (int i = 0; i < 1500; ++i) {
        snprintf(name, sizeof name, "many/entry-%04d-with-a-long-name-to-fill-the-read-ahead", i);
        unlink(name);
    }
    SHOW(unlink("many/zz-added-after-open"));
}

static void closes(void) {
    // Thousands of open/close pairs: every close really happens.
    int last = -1;
    for (int i = 0; i < 3000; ++i) {
        int fd = open("small", O_RDONLY);
        if (fd < 0) {
            printf("open %d failed: %s\n", i, errno_name(errno));
            break;
        }
        last = fd;
        close(fd);
    }
    printf("after 3000 open/close pairs the next fd is the same: %s\n", last == open("small", O_RDONLY) ? "yes" : "no");

    // A lock goes away with the close of its description.
    int fd = open("small", O_RDWR);
    SHOW(flock(fd, LOCK_EX));
    SHOW(close(fd));
    fd = open("small", O_RDWR);
    SHOW(flock(fd, LOCK_EX | LOCK_NB));
    SHOW(close(fd));
    struct flock l = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    fd = open("small", O_RDWR);
    SHOW(fcntl(fd, F_OFD_SETLK, &l));
    int other = open("small", O_RDWR);
    SHOW(fcntl(other, F_OFD_SETLK, &l));
    SHOW(close(fd));
    SHOW(fcntl(other, F_OFD_SETLK, &l));
    SHOW(close(other));
}

static void exec_half(char **argv) {
    int fd = open("big", O_RDONLY);
    read_and_check(fd, 1234, 0, "before execve");
    SHOW(lseek(fd, 10, SEEK_CUR));
    char fdtext[16];
    snprintf(fdtext, sizeof fdtext, "%d", fd);
    fflush(stdout);
    execl(argv[0], argv[0], "child", fdtext, (char *)NULL);  // the tests pass an absolute path
    printf("execve = -1 %s\n", errno_name(errno));
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "child") == 0) {
        int fd = atoi(argv[2]);
        SHOW(lseek(fd, 0, SEEK_CUR));
        read_and_check(fd, 100, 1244, "after execve");
        return 0;
    }
    files();
    dirs();
    closes();
    exec_half(argv);
    return 1;
}
