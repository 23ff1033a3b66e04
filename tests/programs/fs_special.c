// Special files and fd plumbing: /dev/null, /dev/zero, /dev/full, /dev/urandom,
// /dev/random, /dev/tty, /dev/stdin and /dev/fd, /proc/self/{exe,fd,cwd,cmdline,
// environ,auxv}, /proc/meminfo and /proc/cpuinfo, pipe2 (EOF, FIONREAD,
// O_NONBLOCK, capacity), sendfile and copy_file_range between files in the
// current directory. Prints only what is the same on every host.
#define _GNU_SOURCE
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "report.h"

#ifndef SYS_copy_file_range
#define SYS_copy_file_range 326
#endif
#ifndef F_GETPIPE_SZ
#define F_GETPIPE_SZ 1032
#endif

extern char **environ;



static const char *yes(int condition) { return condition ? "yes" : "no"; }

static void show_device(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("stat(%s) = -1 %s\n", path, errno_name(errno));
        return;
    }
    printf("stat(%s): %s %u:%u mode=%04o\n", path, S_ISCHR(st.st_mode) ? "chr" : "not chr",
           major(st.st_rdev), minor(st.st_rdev), (unsigned)(st.st_mode & 07777));
}

// Reads all of PATH (up to SIZE bytes) into BUF; returns the length or -1.
static long slurp(const char *path, char *buf, long size) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    long total = 0;
    for (;;) {
        long n = read(fd, buf + total, size - total);
        if (n <= 0)
            break;
        total += n;
    }
    close(fd);
    return total;
}

static void write_file(const char *path, const char *data, long len) {
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0 || write(fd, data, len) != len)
        printf("write %s: %s\n", path, errno_name(errno));
    close(fd);
}

// Natively a program may inherit more than fds 0-2 (a test harness's, a shell's);
// the fd numbers it prints must not depend on that.
static void close_inherited_fds(void) {
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
}

static void devices(void) {
    printf("-- /dev\n");
    char buf[4096];
    int fd;
    SHOW(fd = open("/dev/null", O_RDWR));
    SHOW(write(fd, "gone", 4));
    SHOW(read(fd, buf, sizeof buf));
    SHOW(lseek(fd, 100, SEEK_SET));
    SHOW(close(fd));
    show_device("/dev/null");

    SHOW(fd = open("/dev/zero", O_RDWR));
    memset(buf, 0x55, sizeof buf);
    long n;
    SHOW(n = read(fd, buf, sizeof buf));
    int zeros = 1;
    for (long i = 0; i < n; i++)
        zeros &= buf[i] == 0;
    printf("all zeros: %s\n", yes(zeros));
    SHOW(write(fd, "gone", 4));
    SHOW(close(fd));
    show_device("/dev/zero");

    SHOW(fd = open("/dev/full", O_RDWR));
    SHOW(write(fd, "x", 1));
    buf[0] = 1;
    SHOW(read(fd, buf, 16));
    printf("reads zeros: %s\n", yes(buf[0] == 0));
    SHOW(close(fd));
    show_device("/dev/full");

    SHOW(fd = open("/dev/urandom", O_RDONLY));
    SHOW(read(fd, buf, 32));
    SHOW(close(fd));
    show_device("/dev/urandom");
    SHOW(fd = open("/dev/random", O_RDONLY));
    SHOW(read(fd, buf, 16));
    SHOW(close(fd));
    show_device("/dev/random");

    // /dev/tty is the controlling terminal, which a test run usually lacks (ENXIO).
    fd = open("/dev/tty", O_RDWR);
    printf("open(/dev/tty) = %s\n", fd >= 0 ? "ok" : errno_name(errno));
    if (fd >= 0)
        close(fd);

    char link[256];
    n = readlink("/dev/stdin", link, sizeof link);
    printf("readlink(/dev/stdin) = \"%.*s\"\n", n < 0 ? 0 : (int)n, link);
    n = readlink("/dev/fd", link, sizeof link);
    printf("readlink(/dev/fd) = \"%.*s\"\n", n < 0 ? 0 : (int)n, link);
    // stdin is /dev/null in the tests: reopening it reads EOF.
    SHOW(fd = open("/dev/stdin", O_RDONLY));
    SHOW(read(fd, buf, sizeof buf));
    SHOW(close(fd));
    struct stat st;
    SHOW(fstat(0, &st));
    printf("fstat(0): chr %s\n", yes(S_ISCHR(st.st_mode)));
    // Opening /dev/fd/N of a regular file opens the file again: a new offset.
    write_file("reopen.txt", "0123456789", 10);
    int first, second;
    SHOW(first = open("reopen.txt", O_RDONLY));
    SHOW(read(first, buf, 4));
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", first);
    SHOW(second = open(path, O_RDONLY));
    SHOW(lseek(second, 0, SEEK_CUR));
    SHOW(read(second, buf, 2));
    SHOW(lseek(first, 0, SEEK_CUR));
    SHOW(close(second));
    SHOW(close(first));
    SHOW(open("/dev/fd/77", O_RDONLY));
    SHOW(ioctl(1, TIOCGWINSZ, buf));  // stdout is a file in the tests
    struct termios t;
    SHOW(tcgetattr(0, &t));
    SHOW(isatty(0));
}

static int compare_ints(const void *a, const void *b) {
    return *(const int *)a - *(const int *)b;
}

static void proc_self(const char *argv0, int argc, char **argv) {
    printf("-- /proc\n");
    char buf[65536];
    char cwd[4096];
    long n;
    if (getcwd(cwd, sizeof cwd) == NULL)
        printf("getcwd failed: %s\n", errno_name(errno));

    n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    const char *base = strrchr(argv0, '/');
    base = base ? base : argv0;
    size_t blen = strlen(base), elen = strlen(buf);
    printf("readlink(/proc/self/exe) is absolute and ends with /%s: %s\n", base[0] == '/' ? base + 1 : base,
           yes(buf[0] == '/' && elen >= blen && strcmp(buf + elen - blen, base) == 0));
    struct stat exe, arg;
    int same = stat("/proc/self/exe", &exe) == 0 && stat(argv0, &arg) == 0 && exe.st_size == arg.st_size;
    printf("stat(/proc/self/exe) has argv[0]'s size: %s\n", yes(same));
    // The links among them are links to lstat (realpath walks them).
    const char *links[] = {"/proc/self", "/proc/self/exe", "/proc/self/cwd", "/proc/self/fd/1", "/dev/stdin", "/dev/fd"};
    for (size_t i = 0; i < sizeof links / sizeof links[0]; ++i) {
        struct stat l;
        int r = lstat(links[i], &l);
        printf("lstat(%s): %s\n", links[i], r != 0 ? errno_name(errno) : S_ISLNK(l.st_mode) ? "a symbolic link" : "not a link");
    }
    char *real = realpath("/proc/self/exe", NULL);
    printf("realpath(/proc/self/exe) is the program: %s\n", yes(real && realpath(argv0, NULL) && strcmp(real, realpath(argv0, NULL)) == 0));

    n = readlink("/proc/self/cwd", buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    printf("readlink(/proc/self/cwd) == getcwd(): %s\n", yes(strcmp(buf, cwd) == 0));

    write_file("opened.txt", "x", 1);
    int fd;
    SHOW(fd = open("opened.txt", O_RDONLY));
    char path[64], want[4200];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    n = readlink(path, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    snprintf(want, sizeof want, "%s/opened.txt", cwd);
    printf("readlink(/proc/self/fd/%d) == cwd + /opened.txt: %s\n", fd, yes(strcmp(buf, want) == 0));
    // The listing includes the fd of the directory being listed.
    DIR *dir = opendir("/proc/self/fd");
    if (dir == NULL) {
        printf("opendir(/proc/self/fd) = NULL %s\n", errno_name(errno));
    } else {
        int fds[64], count = 0;
        struct dirent *e;
        while ((e = readdir(dir)) != NULL)
            if (e->d_name[0] != '.' && count < 64)
                fds[count++] = atoi(e->d_name);
        qsort(fds, count, sizeof fds[0], compare_ints);
        printf("/proc/self/fd:");
        for (int i = 0; i < count; i++)
            printf(" %d", fds[i]);
        printf(" (the directory's own fd is %d)\n", dirfd(dir));
        closedir(dir);
    }
    SHOW(close(fd));
    n = readlink("/proc/self/fd/77", buf, sizeof buf);
    printf("readlink(/proc/self/fd/77) = %s\n", n >= 0 ? "ok" : errno_name(errno));

    // cmdline: argv, each NUL-terminated.
    n = slurp("/proc/self/cmdline", buf, sizeof buf);
    char *expect = malloc(sizeof buf);
    long elen2 = 0;
    for (int i = 0; i < argc; i++) {
        size_t len = strlen(argv[i]) + 1;
        memcpy(expect + elen2, argv[i], len);
        elen2 += len;
    }
    printf("/proc/self/cmdline == argv: %s (%d arguments)\n", yes(n == elen2 && memcmp(buf, expect, n) == 0), argc);
    n = slurp("/proc/self/environ", buf, sizeof buf);
    elen2 = 0;
    int envc = 0;
    for (char **e = environ; *e; e++, envc++) {
        size_t len = strlen(*e) + 1;
        memcpy(expect + elen2, *e, len);
        elen2 += len;
    }
    printf("/proc/self/environ == environ: %s (%d variables)\n", yes(n == elen2 && memcmp(buf, expect, n) == 0), envc);
    free(expect);

    n = slurp("/proc/self/auxv", buf, sizeof buf);
    long pagesz = -1, last_type = -1;
    for (long off = 0; off + 16 <= n; off += 16) {
        Elf64_auxv_t a;
        memcpy(&a, buf + off, sizeof a);
        if (a.a_type == AT_PAGESZ)
            pagesz = (long)a.a_un.a_val;
        last_type = (long)a.a_type;
    }
    printf("/proc/self/auxv: whole entries %s, AT_PAGESZ=%ld, ends with AT_NULL: %s\n", yes(n > 0 && n % 16 == 0),
           pagesz, yes(last_type == AT_NULL));

    n = slurp("/proc/meminfo", buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    printf("/proc/meminfo starts with MemTotal: %s\n", yes(strncmp(buf, "MemTotal:", 9) == 0));
    printf("/proc/meminfo has MemFree: and MemAvailable: %s\n",
           yes(strstr(buf, "\nMemFree:") && strstr(buf, "\nMemAvailable:")));
    n = slurp("/proc/cpuinfo", buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    printf("/proc/cpuinfo starts with processor\\t: 0: %s\n", yes(strncmp(buf, "processor\t: 0", 13) == 0));
    printf("/proc/cpuinfo has flags: %s\n", yes(strstr(buf, "\nflags\t\t:") != NULL));
    SHOW(open("/proc/self/exe", O_WRONLY));
}

static void pipes(void) {
    printf("-- pipe2\n");
    int p[2];
    char buf[64];
    int avail = -1;
    SHOW(pipe2(p, 0));
    printf("fds %d %d\n", p[0], p[1]);
    SHOW(write(p[1], "hello", 5));
    SHOW(ioctl(p[0], FIONREAD, &avail));
    printf("FIONREAD = %d\n", avail);
    SHOW(read(p[0], buf, 3));
    SHOW(ioctl(p[0], FIONREAD, &avail));
    printf("FIONREAD = %d\n", avail);
    SHOW(lseek(p[0], 0, SEEK_CUR));
    struct stat st;
    SHOW(fstat(p[0], &st));
    printf("fifo: %s\n", yes(S_ISFIFO(st.st_mode)));
    char link[64];
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
    long n = readlink(path, link, sizeof link - 1);
    link[n < 0 ? 0 : n] = 0;
    printf("readlink(/proc/self/fd/%d) starts with pipe:[ : %s\n", p[0], yes(strncmp(link, "pipe:[", 6) == 0));
    SHOW(read(p[1], buf, 1));        // the write end
    SHOW(write(p[0], "x", 1));       // the read end
    SHOW(fcntl(p[0], F_GETFL) & O_ACCMODE);
    SHOW(fcntl(p[1], F_GETFL) & O_ACCMODE);
    SHOW(close(p[1]));
    SHOW(read(p[0], buf, sizeof buf));  // the rest
    SHOW(read(p[0], buf, sizeof buf));  // EOF: no writer left
    SHOW(close(p[0]));

    SHOW(pipe2(p, O_NONBLOCK | O_CLOEXEC));
    SHOW(read(p[0], buf, sizeof buf));
    SHOW(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    SHOW(fcntl(p[1], F_GETFD));
    SHOW(fcntl(p[0], F_GETPIPE_SZ));
    // The capacity is 64 KiB: a non-blocking write of 1 MiB writes 65536 bytes.
    char *big = calloc(1, 1 << 20);
    SHOW(write(p[1], big, 1 << 20));
    SHOW(write(p[1], big, 1));
    SHOW(ioctl(p[0], FIONREAD, &avail));
    printf("FIONREAD = %d\n", avail);
    long total = 0;
    while ((n = read(p[0], big, 1 << 20)) > 0)
        total += n;
    printf("drained %ld, then %s\n", total, n < 0 ? errno_name(errno) : "EOF");
    free(big);
    SHOW(fcntl(p[0], F_SETFL, 0));
    SHOW(fcntl(p[0], F_GETFL) & O_NONBLOCK);
    SHOW(close(p[0]));
    SHOW(close(p[1]));
    SHOW(pipe2(p, O_APPEND));
    SHOW(pipe(p));
    SHOW(close(p[0]));
    SHOW(close(p[1]));
}

static void copies(void) {
    printf("-- sendfile, copy_file_range\n");
    enum { kSize = 100000 };
    char *data = malloc(kSize);
    for (int i = 0; i < kSize; i++)
        data[i] = (char)('a' + i % 26 + (i / 26) % 3);
    write_file("src.bin", data, kSize);
    int in, out;
    SHOW(in = open("src.bin", O_RDONLY));
    SHOW(out = open("sent.bin", O_CREAT | O_WRONLY | O_TRUNC, 0644));
    off_t off = 100;
    SHOW(sendfile(out, in, &off, 50000));
    printf("offset after = %lld\n", (long long)off);
    SHOW(lseek(in, 0, SEEK_CUR));  // unchanged with an offset pointer
    SHOW(sendfile(out, in, NULL, 1000));  // from the file offset, which moves
    SHOW(lseek(in, 0, SEEK_CUR));
    off = kSize - 10;
    SHOW(sendfile(out, in, &off, 1000));  // short at EOF
    SHOW(sendfile(in, out, NULL, 10));    // in is not writable, out not readable
    SHOW(sendfile(out, 77, NULL, 10));
    SHOW(close(out));
    char *back = malloc(kSize);
    long n = slurp("sent.bin", back, kSize);
    printf("sent.bin: %ld bytes, matches: %s\n", n,
           yes(n == 51010 && memcmp(back, data + 100, 50000) == 0 && memcmp(back + 50000, data, 1000) == 0 &&
               memcmp(back + 51000, data + kSize - 10, 10) == 0));

    SHOW(out = open("copied.bin", O_CREAT | O_RDWR | O_TRUNC, 0644));
    loff_t off_in = 0;
    SHOW(syscall(SYS_copy_file_range, in, &off_in, out, NULL, (size_t)kSize, 0));
    printf("off_in after = %lld\n", (long long)off_in);
    SHOW(lseek(out, 0, SEEK_CUR));
    loff_t off_out = 10;
    off_in = 0;
    SHOW(syscall(SYS_copy_file_range, in, &off_in, out, &off_out, (size_t)5, 0));
    SHOW(syscall(SYS_copy_file_range, in, NULL, out, NULL, (size_t)5, 1));  // flags must be 0
    SHOW(syscall(SYS_copy_file_range, out, NULL, in, NULL, (size_t)5, 0));  // in is read-only
    SHOW(close(out));
    n = slurp("copied.bin", back, kSize);
    printf("copied.bin: %ld bytes, matches: %s\n", n,
           yes(n == kSize && memcmp(back, data, 10) == 0 && memcmp(back + 10, data, 5) == 0 &&
               memcmp(back + 15, data + 15, kSize - 15) == 0));
    SHOW(close(in));
    free(data);
    free(back);
}

int main(int argc, char **argv) {
    close_inherited_fds();
    setvbuf(stdout, NULL, _IOLBF, 0);
    devices();
    proc_self(argv[0], argc, argv);
    pipes();
    copies();
    return 0;
}
