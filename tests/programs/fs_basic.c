// Regular files in the current directory: create, write, read back, append,
// O_TRUNC, O_EXCL, lseek, pread/pwrite, readv/writev, ftruncate, fallocate,
// fsync, O_TMPFILE, unlink. Prints only what is the same on every host (no
// inode numbers, times or paths); leaves a small tree behind for compare.sh --tree.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "report.h"



// Prints LEN bytes of BUF as a C string literal, so NULs and newlines are visible.
static void show_bytes(const char *what, const char *buf, long len) {
    printf("%s: \"", what);
    for (long i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\n')
            printf("\\n");
        else if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 32 || c > 126)
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf("\" (%ld bytes)\n", len);
}

static void show_file(const char *path) {
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: open failed: %s\n", path, errno_name(errno));
        return;
    }
    long n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0) {
        printf("%s: read failed: %s\n", path, errno_name(errno));
        return;
    }
    show_bytes(path, buf, n);
}

static void show_stat(const char *what, int fd) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
        printf("fstat(%s) = -1 %s\n", what, errno_name(errno));
        return;
    }
    printf("fstat(%s): mode=%06o nlink=%lu size=%lld\n", what, (unsigned)st.st_mode,
           (unsigned long)st.st_nlink, (long long)st.st_size);
}

// Natively a program may inherit more than fds 0-2 (a test harness's, a shell's);
// the fd numbers it prints must not depend on that.
static void close_inherited_fds(void) {
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
}

static void create_write_read(void) {
    printf("-- create, write, read back\n");
    int fd;
    SHOW(fd = open("basic.txt", O_CREAT | O_WRONLY | O_TRUNC, 0644));
    SHOW(write(fd, "hello, world\n", 13));
    SHOW(write(fd, "", 0));
    show_stat("basic.txt", fd);
    char buf[64];
    SHOW(read(fd, buf, sizeof buf));  // EBADF: write-only
    SHOW(close(fd));
    SHOW(close(fd));  // EBADF: already closed

    SHOW(fd = open("basic.txt", O_RDONLY));
    long n;
    SHOW(n = read(fd, buf, sizeof buf));
    show_bytes("read", buf, n);
    SHOW(read(fd, buf, sizeof buf));  // EOF
    SHOW(write(fd, "x", 1));          // EBADF: read-only
    SHOW(close(fd));

    SHOW(open("missing.txt", O_RDONLY));
    SHOW(open("missing-dir/file.txt", O_CREAT | O_WRONLY, 0644));
    SHOW(open("basic.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
    SHOW(open("", O_RDONLY));
}

static void append(void) {
    printf("-- O_APPEND\n");
    int fd;
    SHOW(fd = open("basic.txt", O_WRONLY | O_APPEND));
    SHOW(lseek(fd, 0, SEEK_CUR));
    SHOW(write(fd, "second line\n", 12));
    SHOW(lseek(fd, 0, SEEK_CUR));
    SHOW(lseek(fd, 0, SEEK_SET));
    SHOW(write(fd, "third\n", 6));  // appends anyway
    SHOW(lseek(fd, 0, SEEK_CUR));
    // NOTE: Linux ignores pwrite's offset on an O_APPEND file (see pwrite(2), BUGS).
    SHOW(pwrite(fd, "pwrite\n", 7, 0));
    SHOW(lseek(fd, 0, SEEK_CUR));
    show_stat("appended", fd);
    SHOW(close(fd));
    show_file("basic.txt");
}

static void truncate_and_excl(void) {
    printf("-- O_TRUNC, O_EXCL, creat\n");
    int fd;
    SHOW(fd = open("trunc.txt", O_CREAT | O_WRONLY, 0600));
    SHOW(write(fd, "this text goes away\n", 20));
    SHOW(close(fd));
    SHOW(fd = open("trunc.txt", O_WRONLY | O_TRUNC));
    show_stat("trunc.txt after O_TRUNC", fd);
    SHOW(write(fd, "short\n", 6));
    SHOW(close(fd));
    show_file("trunc.txt");
    // O_TRUNC on an O_RDONLY open still truncates on Linux.
    SHOW(fd = open("trunc.txt", O_RDONLY | O_TRUNC));
    show_stat("trunc.txt after O_RDONLY|O_TRUNC", fd);
    SHOW(close(fd));

    SHOW(fd = open("excl.txt", O_CREAT | O_EXCL | O_RDWR, 0640));
    show_stat("excl.txt", fd);
    SHOW(close(fd));
    SHOW(open("excl.txt", O_CREAT | O_EXCL | O_RDWR, 0640));
    SHOW(fd = open("excl.txt", O_CREAT | O_RDWR, 0600));  // exists: mode unchanged
    show_stat("excl.txt reopened", fd);
    SHOW(close(fd));

    SHOW(fd = creat("creat.txt", 0640));
    SHOW(write(fd, "made by creat\n", 14));
    SHOW(lseek(fd, 0, SEEK_SET));
    char c;
    SHOW(read(fd, &c, 1));  // creat is O_WRONLY
    show_stat("creat.txt", fd);
    SHOW(close(fd));
    SHOW(fd = open("rdonly-created.txt", O_CREAT | O_RDONLY, 0444));
    show_stat("rdonly-created.txt", fd);
    SHOW(close(fd));
}

static void seeking(void) {
    printf("-- lseek\n");
    char buf[64];
    int fd;
    long n;
    SHOW(fd = open("seek.txt", O_CREAT | O_RDWR | O_TRUNC, 0644));
    SHOW(write(fd, "0123456789", 10));
    SHOW(lseek(fd, 3, SEEK_SET));
    SHOW(n = read(fd, buf, 2));
    show_bytes("read at 3", buf, n);
    SHOW(lseek(fd, 2, SEEK_CUR));
    SHOW(lseek(fd, -3, SEEK_CUR));
    SHOW(lseek(fd, 0, SEEK_END));
    SHOW(lseek(fd, -4, SEEK_END));
    SHOW(n = read(fd, buf, sizeof buf));
    show_bytes("read at END-4", buf, n);
    SHOW(lseek(fd, -1, SEEK_SET));
    SHOW(lseek(fd, -100, SEEK_END));
    SHOW(lseek(fd, 0, 42));
    SHOW(lseek(fd, 0, SEEK_CUR));  // unchanged by the failures
    // A write past the end leaves a hole that reads as zeros.
    SHOW(lseek(fd, 20, SEEK_SET));
    SHOW(write(fd, "Z", 1));
    show_stat("seek.txt", fd);
    SHOW(lseek(fd, 8, SEEK_SET));
    SHOW(n = read(fd, buf, sizeof buf));
    show_bytes("read across the hole", buf, n);
    SHOW(lseek(77, 0, SEEK_SET));
    SHOW(close(fd));
}

static void positional(void) {
    printf("-- pread, pwrite\n");
    char buf[64];
    int fd;
    long n;
    SHOW(fd = open("seek.txt", O_RDWR));
    SHOW(lseek(fd, 5, SEEK_SET));
    SHOW(pwrite(fd, "ab", 2, 1));
    SHOW(n = pread(fd, buf, 4, 0));
    show_bytes("pread 4 at 0", buf, n);
    SHOW(lseek(fd, 0, SEEK_CUR));  // still 5
    SHOW(pread(fd, buf, sizeof buf, 1000));
    SHOW(pread(fd, buf, 4, -1));
    SHOW(pwrite(fd, "x", 1, -1));
    SHOW(n = read(fd, buf, 3));
    show_bytes("read at 5", buf, n);
    SHOW(close(fd));
    show_file("seek.txt");
}

static void vectored(void) {
    printf("-- readv, writev, preadv, pwritev\n");
    int fd;
    long n;
    SHOW(fd = open("vec.txt", O_CREAT | O_RDWR | O_TRUNC, 0644));
    struct iovec out[3] = {{"one ", 4}, {"two ", 4}, {"three\n", 6}};
    SHOW(writev(fd, out, 3));
    struct iovec empty[2] = {{"", 0}, {"four\n", 5}};
    SHOW(writev(fd, empty, 2));
    SHOW(lseek(fd, 0, SEEK_SET));
    char a[3], b[5], c[100];
    struct iovec in[3] = {{a, sizeof a}, {b, sizeof b}, {c, sizeof c}};
    SHOW(n = readv(fd, in, 3));
    show_bytes("iov[0]", a, sizeof a);
    show_bytes("iov[1]", b, sizeof b);
    show_bytes("iov[2]", c, n - 8);
    struct iovec patch[2] = {{"ON", 2}, {"E", 1}};
    SHOW(pwritev(fd, patch, 2, 0));
    char d[4], e[4];
    struct iovec in2[2] = {{d, sizeof d}, {e, sizeof e}};
    SHOW(n = preadv(fd, in2, 2, 2));
    show_bytes("preadv[0]", d, sizeof d);
    show_bytes("preadv[1]", e, sizeof e);
    SHOW(lseek(fd, 0, SEEK_CUR));  // preadv/pwritev leave the offset alone
    volatile int negative = -1;  // volatile: the compiler rejects a literal -1
    SHOW(writev(fd, out, negative));
    SHOW(close(fd));
    show_file("vec.txt");
}

static void truncating(void) {
    printf("-- ftruncate, fallocate, fsync, fdatasync\n");
    int fd;
    SHOW(fd = open("vec.txt", O_RDWR));
    SHOW(ftruncate(fd, 5));
    show_stat("ftruncate 5", fd);
    SHOW(ftruncate(fd, 12));
    show_stat("ftruncate 12", fd);
    SHOW(ftruncate(fd, -1));
    SHOW(fsync(fd));
    SHOW(fdatasync(fd));
    SHOW(close(fd));
    show_file("vec.txt");
    SHOW(fd = open("vec.txt", O_RDONLY));
    SHOW(ftruncate(fd, 0));  // not open for writing
    SHOW(fsync(fd));         // fine on a read-only fd
    SHOW(close(fd));
    SHOW(fsync(77));

    SHOW(fd = open("alloc.bin", O_CREAT | O_RDWR | O_TRUNC, 0644));
    SHOW(fallocate(fd, 0, 0, 8192));
    show_stat("fallocate 8192", fd);
    SHOW(fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 8192));
    show_stat("fallocate KEEP_SIZE", fd);
    SHOW(fallocate(fd, 0, -1, 10));
    SHOW(close(fd));
    sync();
}

// FNV-1a, to check big contents without printing them.
static uint64_t fnv1a(uint64_t hash, const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        hash = (hash ^ p[i]) * 0x100000001b3ULL;
    return hash;
}

static void big_file(void) {
    printf("-- a 3 MB file in odd-sized pieces\n");
    enum { kSize = 3000001, kWriteChunk = 100003, kReadChunk = 65537 };
    unsigned char *data = malloc(kSize);
    unsigned char *back = malloc(kSize);
    uint32_t x = 12345;
    for (size_t i = 0; i < kSize; i++) {
        x = x * 1103515245 + 12345;
        data[i] = (unsigned char)(x >> 16);
    }
    int fd = open("big.bin", O_CREAT | O_RDWR | O_TRUNC, 0644);
    long written = 0;
    while (written < kSize) {
        long chunk = kSize - written < kWriteChunk ? kSize - written : kWriteChunk;
        long r = write(fd, data + written, chunk);
        if (r <= 0) {
            printf("write failed at %ld: %s\n", written, r < 0 ? errno_name(errno) : "0");
            break;
        }
        written += r;
    }
    printf("written %ld\n", written);
    show_stat("big.bin", fd);
    lseek(fd, 0, SEEK_SET);
    long got = 0;
    for (;;) {
        long r = read(fd, back + got, kSize - got < kReadChunk ? kSize - got : kReadChunk);
        if (r <= 0)
            break;
        got += r;
    }
    printf("read back %ld, identical: %s, fnv1a %016llx\n", got,
           got == kSize && memcmp(data, back, kSize) == 0 ? "yes" : "no",
           (unsigned long long)fnv1a(0xcbf29ce484222325ULL, back, got));
    // One read larger than the file returns what is there.
    long r = pread(fd, back, kSize, kSize - 10);
    printf("pread 3 MB at size-10 = %ld\n", r);
    close(fd);
    free(data);
    free(back);
}

static void unlinking(void) {
    printf("-- unlink, O_TMPFILE, O_CLOEXEC\n");
    int fd;
    SHOW(unlink("excl.txt"));
    SHOW(unlink("excl.txt"));
    SHOW(unlink("missing-dir/x"));
    SHOW(unlink(""));
    // An unlinked file stays readable through an open fd.
    SHOW(fd = open("doomed.txt", O_CREAT | O_RDWR | O_TRUNC, 0644));
    SHOW(write(fd, "still here\n", 11));
    SHOW(unlink("doomed.txt"));
    show_stat("unlinked doomed.txt", fd);
    char buf[32];
    long n;
    SHOW(n = pread(fd, buf, sizeof buf, 0));
    show_bytes("read unlinked", buf, n);
    SHOW(open("doomed.txt", O_RDONLY));
    SHOW(close(fd));

    SHOW(fd = open(".", O_TMPFILE | O_RDWR, 0600));
    SHOW(write(fd, "anonymous\n", 10));
    show_stat("O_TMPFILE", fd);
    SHOW(n = pread(fd, buf, sizeof buf, 0));
    show_bytes("read O_TMPFILE", buf, n);
    SHOW(close(fd));
    SHOW(open("basic.txt", O_TMPFILE | O_RDWR, 0600));  // not a directory

    SHOW(fd = open("basic.txt", O_RDONLY | O_CLOEXEC));
    SHOW(fcntl(fd, F_GETFD));
    SHOW(close(fd));
    SHOW(fd = open("basic.txt", O_RDONLY));
    SHOW(fcntl(fd, F_GETFD));
    SHOW(close(fd));
}

int main(void) {
    close_inherited_fds();
    setvbuf(stdout, NULL, _IOLBF, 0);
    create_write_read();
    append();
    truncate_and_excl();
    seeking();
    positional();
    vectored();
    truncating();
    big_file();
    unlinking();
    return 0;
}
