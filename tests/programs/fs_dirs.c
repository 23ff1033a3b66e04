// Directories, names and metadata in the current directory: mkdir/rmdir, rename
// and renameat2, hard and symbolic links, stat/lstat/statx, getdents64, chdir/
// fchdir/getcwd, *at calls with a dirfd, the errors of open, access, chmod,
// umask, utimensat, truncate, fcntl, dup*, close_range, flock and POSIX locks.
// Prints only what is the same on every host (no inode numbers, no real times,
// no absolute paths); leaves a tree behind for compare.sh --tree.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

// musl's headers may lack these; the numbers are the x86-64 ABI.
#ifndef SYS_renameat2
#define SYS_renameat2 316
#endif
#ifndef SYS_statx
#define SYS_statx 332
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef F_OFD_SETLK
#define F_OFD_SETLK 37
#endif

// ABI: struct statx from <linux/stat.h>, which musl's include path lacks.
struct statx_timestamp_abi {
    int64_t tv_sec;
    uint32_t tv_nsec;
    int32_t reserved;
};
struct statx_abi {
    uint32_t stx_mask, stx_blksize;
    uint64_t stx_attributes;
    uint32_t stx_nlink, stx_uid, stx_gid;
    uint16_t stx_mode, spare0;
    uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct statx_timestamp_abi stx_atime, stx_btime, stx_ctime, stx_mtime;
    uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    uint64_t spare2[14];
};
enum { kStatxBasicStats = 0x7ff, kStatxMtime = 0x40 };



static const char *type_name(mode_t mode) {
    switch (mode & S_IFMT) {
    case S_IFREG: return "file";
    case S_IFDIR: return "dir";
    case S_IFLNK: return "symlink";
    case S_IFIFO: return "fifo";
    case S_IFCHR: return "chr";
    case S_IFBLK: return "blk";
    case S_IFSOCK: return "socket";
    }
    return "?";
}

// Directory sizes differ between file systems and are left out.
static void print_stat(const char *what, const struct stat *st) {
    printf("%s: %s mode=%04o nlink=%lu", what, type_name(st->st_mode),
           (unsigned)(st->st_mode & 07777), (unsigned long)st->st_nlink);
    if (!S_ISDIR(st->st_mode))
        printf(" size=%lld", (long long)st->st_size);
    printf(" own=%s\n", st->st_uid == getuid() && st->st_gid == getgid() ? "me" : "other");
}

static void show_stat(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("stat(%s) = -1 %s\n", path, errno_name(errno));
        return;
    }
    char what[300];
    snprintf(what, sizeof what, "stat(%s)", path);
    print_stat(what, &st);
}

static void show_lstat(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) {
        printf("lstat(%s) = -1 %s\n", path, errno_name(errno));
        return;
    }
    char what[300];
    snprintf(what, sizeof what, "lstat(%s)", path);
    print_stat(what, &st);
}

static void show_times(const char *path, int flags) {
    struct stat st;
    if (fstatat(AT_FDCWD, path, &st, flags) != 0) {
        printf("times(%s) = -1 %s\n", path, errno_name(errno));
        return;
    }
    printf("times(%s): atime=%lld.%09ld mtime=%lld.%09ld\n", path, (long long)st.st_atim.tv_sec,
           st.st_atim.tv_nsec, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void show_readlink(const char *path, size_t size) {
    char buf[256];
    long n = readlink(path, buf, size);
    if (n < 0) {
        printf("readlink(%s, %zu) = -1 %s\n", path, size, errno_name(errno));
        return;
    }
    printf("readlink(%s, %zu) = %ld \"%.*s\"\n", path, size, n, (int)n, buf);
}

static void write_file(const char *path, const char *text) {
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) {
        printf("create %s: %s\n", path, errno_name(errno));
        return;
    }
    if (write(fd, text, strlen(text)) != (long)strlen(text))
        printf("write %s: %s\n", path, errno_name(errno));
    close(fd);
}

static void show_file(const char *path) {
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("read %s: -1 %s\n", path, errno_name(errno));
        return;
    }
    long n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) {
        printf("read %s: -1 %s\n", path, errno_name(errno));
        return;
    }
    buf[n] = 0;
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
    printf("content(%s) = \"%s\"\n", path, buf);
}

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

// Lists a directory with raw getdents64 and a small buffer (several calls),
// sorted, since the order of entries belongs to the file system.
static void list_dir(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        printf("list %s: open -1 %s\n", path, errno_name(errno));
        return;
    }
    char *names[64];
    int count = 0, calls = 0;
    char buf[128] __attribute__((aligned(8)));
    for (;;) {
        long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
        if (n < 0) {
            printf("list %s: getdents64 -1 %s\n", path, errno_name(errno));
            break;
        }
        if (n == 0)
            break;
        calls++;
        for (long off = 0; off < n;) {
            // ABI: struct linux_dirent64 { u64 ino; s64 off; u16 reclen; u8 type; char name[]; }
            unsigned short reclen;
            memcpy(&reclen, buf + off + 16, sizeof reclen);
            unsigned char type = (unsigned char)buf[off + 18];
            const char *name = buf + off + 19;
            const char *tname = type == DT_DIR ? "dir" : type == DT_REG ? "file" : type == DT_LNK ? "symlink"
                              : type == DT_UNKNOWN ? "unknown" : "other";
            if (count < 64) {
                size_t len = strlen(name) + strlen(tname) + 2;
                names[count] = malloc(len);
                snprintf(names[count], len, "%s:%s", name, tname);
                count++;
            }
            off += reclen;
        }
    }
    close(fd);
    qsort(names, count, sizeof names[0], compare_strings);
    printf("list %s (%d entries, %s):", path, count, calls > 1 ? "several calls" : "one call");
    for (int i = 0; i < count; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

// Prints the current directory relative to where the program started.
static char start_dir[4096];
static void show_cwd(void) {
    char buf[4096];
    if (getcwd(buf, sizeof buf) == NULL) {
        printf("getcwd = NULL %s\n", errno_name(errno));
        return;
    }
    size_t len = strlen(start_dir);
    if (strncmp(buf, start_dir, len) == 0 && (buf[len] == '/' || buf[len] == 0))
        printf("getcwd = <start>%s\n", buf + len);
    else
        printf("getcwd = outside the start directory\n");
}

// Natively a program may inherit more than fds 0-2 (a test harness's, a shell's);
// the fd numbers it prints must not depend on that.
static void close_inherited_fds(void) {
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
}

static void umask_and_modes(void) {
    printf("-- umask, chmod\n");
    mode_t inherited = umask(027);
    printf("inherited umask = %04o\n", (unsigned)inherited);
    write_file("umask027.txt", "u\n");
    SHOW(mkdir("umask027.dir", 0777));
    show_stat("umask027.txt");
    show_stat("umask027.dir");
    // With umask 0 the requested mode is the mode: nothing else may mask it.
    printf("umask(0) = %04o\n", (unsigned)umask(0));
    int fd;
    SHOW(fd = open("umask0.txt", O_CREAT | O_WRONLY, 0666));
    SHOW(close(fd));
    SHOW(mkdir("umask0.dir", 0777));
    show_stat("umask0.txt");
    show_stat("umask0.dir");
    printf("umask(022) = %04o\n", (unsigned)umask(022));

    write_file("modes.txt", "m\n");
    SHOW(chmod("modes.txt", 0600));
    show_stat("modes.txt");
    SHOW(chmod("modes.txt", 04751));
    show_stat("modes.txt");
    SHOW(chmod("modes.txt", 01777 | 0170000));  // file-type bits are ignored
    show_stat("modes.txt");
    SHOW(fd = open("modes.txt", O_RDONLY));
    SHOW(fchmod(fd, 0640));
    SHOW(close(fd));
    show_stat("modes.txt");
    SHOW(fchmodat(AT_FDCWD, "modes.txt", 0644, 0));
    show_stat("modes.txt");
    SHOW(chmod("missing", 0644));
}

static void directories(void) {
    printf("-- mkdir, mkdirat, rmdir\n");
    SHOW(mkdir("d", 0755));
    SHOW(mkdir("d", 0755));
    SHOW(mkdir("missing/x", 0755));
    SHOW(mkdir("modes.txt/x", 0755));
    SHOW(mkdir("", 0755));
    int dfd;
    SHOW(dfd = open("d", O_RDONLY | O_DIRECTORY));
    SHOW(mkdirat(dfd, "sub", 0700));
    SHOW(mkdirat(dfd, "sub2", 0755));
    SHOW(mkdirat(dfd, "sub2/deeper", 0755));
    SHOW(mkdirat(77, "x", 0755));
    show_stat("d");
    show_stat("d/sub");
    show_stat("d/sub2");
    SHOW(rmdir("d"));
    SHOW(rmdir("d/sub2"));
    SHOW(rmdir("modes.txt"));
    SHOW(rmdir("missing"));
    SHOW(rmdir("d/sub/."));
    SHOW(rmdir("d/sub"));
    show_stat("d");
    SHOW(unlink("d/sub2"));  // Linux says EISDIR where POSIX says EPERM
    SHOW(unlinkat(dfd, "sub2", 0));
    SHOW(unlinkat(dfd, "sub2/deeper", AT_REMOVEDIR));
    SHOW(unlinkat(dfd, "sub2", AT_REMOVEDIR));
    SHOW(mkdirat(dfd, "kept", 0750));
    SHOW(close(dfd));
    list_dir("d");
}

static void renames(void) {
    printf("-- rename, renameat2\n");
    write_file("r1.txt", "first\n");
    write_file("r2.txt", "second\n");
    SHOW(rename("r1.txt", "r2.txt"));  // replaces
    show_file("r2.txt");
    SHOW(rename("r1.txt", "r3.txt"));
    SHOW(rename("r2.txt", "r2.txt"));
    SHOW(mkdir("rd", 0755));
    SHOW(mkdir("rd2", 0755));
    write_file("rd2/inside.txt", "inside\n");
    SHOW(rename("r2.txt", "rd"));       // file over directory
    SHOW(rename("rd", "r2.txt"));       // directory over file
    SHOW(rename("rd", "rd2"));          // over a non-empty directory
    SHOW(rename("rd", "rd/sub"));       // into itself
    SHOW(rename("rd2", "rd"));          // over an empty directory: replaces it
    show_file("rd/inside.txt");
    SHOW(rename("r2.txt", "rd/moved.txt"));
    SHOW(rename("rd/moved.txt", "missing/x.txt"));
    list_dir("rd");

    write_file("a.txt", "A\n");
    write_file("b.txt", "B\n");
    SHOW(syscall(SYS_renameat2, AT_FDCWD, "a.txt", AT_FDCWD, "b.txt", RENAME_NOREPLACE));
    SHOW(syscall(SYS_renameat2, AT_FDCWD, "a.txt", AT_FDCWD, "c.txt", RENAME_NOREPLACE));
    SHOW(syscall(SYS_renameat2, AT_FDCWD, "b.txt", AT_FDCWD, "c.txt", RENAME_EXCHANGE));
    show_file("b.txt");
    show_file("c.txt");
    SHOW(syscall(SYS_renameat2, AT_FDCWD, "b.txt", AT_FDCWD, "nothing.txt", RENAME_EXCHANGE));
    SHOW(syscall(SYS_renameat2, AT_FDCWD, "b.txt", AT_FDCWD, "c.txt",
                 RENAME_EXCHANGE | RENAME_NOREPLACE));
    int dfd;
    SHOW(dfd = open("rd", O_RDONLY | O_DIRECTORY));
    SHOW(renameat(AT_FDCWD, "c.txt", dfd, "c-moved.txt"));
    SHOW(renameat(dfd, "c-moved.txt", AT_FDCWD, "c.txt"));
    SHOW(close(dfd));
}

static void links(void) {
    printf("-- link, symlink, readlink, lstat\n");
    write_file("target.txt", "target\n");
    SHOW(link("target.txt", "hard.txt"));
    show_stat("target.txt");
    SHOW(link("target.txt", "hard.txt"));
    SHOW(link("missing", "hard2.txt"));
    SHOW(link("d", "dir-link"));  // no hard links to directories
    SHOW(linkat(AT_FDCWD, "target.txt", AT_FDCWD, "hard2.txt", 0));
    show_stat("hard.txt");
    SHOW(unlink("hard2.txt"));
    show_stat("target.txt");

    SHOW(symlink("target.txt", "sym"));
    SHOW(symlink("target.txt", "sym"));
    SHOW(symlink("does-not-exist", "dangling"));
    SHOW(symlink("loop2", "loop1"));
    SHOW(symlink("loop1", "loop2"));
    SHOW(symlink("d", "dirsym"));
    SHOW(symlinkat("../target.txt", AT_FDCWD, "d/up"));
    show_readlink("sym", 256);
    show_readlink("sym", 3);  // truncated, no NUL, no error
    show_readlink("dangling", 256);
    show_readlink("d/up", 256);
    show_readlink("target.txt", 256);
    show_readlink("missing", 256);
    show_readlink("sym/", 256);
    char buf[64];
    // Raw: musl's readlinkat() substitutes a 1-byte buffer for a 0-byte one.
    SHOW(syscall(SYS_readlinkat, AT_FDCWD, "sym", buf, 0));
    show_stat("sym");
    show_lstat("sym");
    show_stat("dangling");
    show_lstat("dangling");
    show_stat("loop1");
    show_stat("dirsym");
    show_lstat("dirsym");
    show_lstat("dirsym/");  // a trailing slash follows the link
    show_file("d/up");
    show_file("dirsym/../target.txt");
    // A symlink to a hard-linked file: the link count is the file's.
    show_stat("d/up");
    int fd;
    SHOW(fd = open("dangling", O_CREAT | O_WRONLY, 0600));  // creates the target
    SHOW(close(fd));
    show_lstat("does-not-exist");
    SHOW(open("sym", O_CREAT | O_EXCL | O_WRONLY, 0600));
    SHOW(open("loop1", O_RDONLY));
    SHOW(unlink("sym"));
    SHOW(symlink("target.txt", "sym"));
    show_stat("target.txt");
}

// getdents64 on something that is not a directory.
static long getdents64_on(int fd) {
    char buf[512] __attribute__((aligned(8)));
    return syscall(SYS_getdents64, fd, buf, sizeof buf);
}

static void errors_of_open(void) {
    printf("-- open flags and errors\n");
    SHOW(open("target.txt", O_RDONLY | O_DIRECTORY));
    SHOW(open("sym", O_RDONLY | O_NOFOLLOW));
    SHOW(open("dirsym", O_RDONLY | O_NOFOLLOW | O_DIRECTORY));
    SHOW(open("d", O_WRONLY));
    SHOW(open("d", O_RDWR));
    SHOW(open("d", O_CREAT | O_RDONLY, 0644));
    SHOW(open("target.txt/x", O_RDONLY));
    SHOW(open("missing/x", O_RDONLY));
    int fd;
    SHOW(fd = open("d/", O_RDONLY));
    SHOW(close(fd));
    SHOW(open("target.txt/", O_RDONLY));
    SHOW(open("newfile/", O_CREAT | O_WRONLY, 0644));
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    SHOW(open(longname, O_RDONLY));
    SHOW(open(longname, O_CREAT | O_WRONLY, 0644));
    SHOW(fd = open("d", O_RDONLY));
    char buf[16];
    SHOW(read(fd, buf, sizeof buf));
    SHOW(write(fd, "x", 1));
    SHOW(lseek(fd, 0, SEEK_SET));
    SHOW(close(fd));
    SHOW(fd = open("sym", O_PATH | O_NOFOLLOW));
    struct stat st;
    SHOW(fstat(fd, &st));
    print_stat("fstat(O_PATH|O_NOFOLLOW sym)", &st);
    SHOW(read(fd, buf, sizeof buf));  // O_PATH fds do no I/O
    SHOW(close(fd));
    SHOW(fd = open("target.txt", O_RDONLY));
    SHOW(getdents64_on(fd));
    SHOW(close(fd));
}

static void at_calls(void) {
    printf("-- openat, fstatat, dirfd\n");
    int dfd, fd, filefd;
    SHOW(dfd = open("d", O_RDONLY | O_DIRECTORY));
    SHOW(fd = openat(dfd, "rel.txt", O_CREAT | O_WRONLY, 0640));
    SHOW(write(fd, "relative\n", 9));
    SHOW(close(fd));
    show_file("d/rel.txt");
    SHOW(filefd = open("target.txt", O_RDONLY));
    SHOW(openat(filefd, "x", O_RDONLY));
    SHOW(openat(77, "x", O_RDONLY));
    SHOW(fd = openat(77, "target.txt", O_RDONLY));  // relative with a bad dirfd
    SHOW(fd = openat(AT_FDCWD, "target.txt", O_RDONLY));
    SHOW(close(fd));
    struct stat st;
    SHOW(fstatat(dfd, "rel.txt", &st, 0));
    print_stat("fstatat(d, rel.txt)", &st);
    SHOW(fstatat(dfd, "up", &st, AT_SYMLINK_NOFOLLOW));
    print_stat("fstatat(d, up, NOFOLLOW)", &st);
    SHOW(fstatat(dfd, "", &st, AT_EMPTY_PATH));
    print_stat("fstatat(d, \"\", AT_EMPTY_PATH)", &st);
    SHOW(fstatat(dfd, "", &st, 0));
    SHOW(fstatat(filefd, "x", &st, 0));
    SHOW(faccessat(dfd, "rel.txt", F_OK, 0));
    SHOW(unlinkat(dfd, "rel.txt", AT_REMOVEDIR));
    SHOW(readlinkat(dfd, "up", (char[64]){0}, 64));
    SHOW(close(filefd));
    SHOW(close(dfd));
}

static void working_directory(void) {
    printf("-- chdir, fchdir, getcwd\n");
    int home;
    SHOW(home = open(".", O_RDONLY | O_DIRECTORY));
    show_cwd();
    SHOW(chdir("d"));
    show_cwd();
    show_file("up");
    SHOW(chdir("kept"));
    show_cwd();
    SHOW(chdir(".."));
    show_cwd();
    SHOW(chdir("missing"));
    SHOW(chdir("up"));  // a symlink to a file
    SHOW(fchdir(home));
    show_cwd();
    SHOW(chdir("dirsym"));  // getcwd gives the real path
    show_cwd();
    SHOW(fchdir(home));
    int fd;
    SHOW(fd = open("target.txt", O_RDONLY));
    SHOW(fchdir(fd));
    SHOW(fchdir(77));
    SHOW(close(fd));
    char small[4];
    errno = 0;
    const char *got = getcwd(small, sizeof small);
    printf("getcwd(small, 4) = %s %s\n", got ? "ok" : "NULL", errno_name(errno));
    SHOW(close(home));
}

static void access_checks(void) {
    printf("-- access\n");
    write_file("ro.txt", "read only\n");
    SHOW(chmod("ro.txt", 0444));
    SHOW(access("ro.txt", F_OK));
    SHOW(access("ro.txt", R_OK));
    SHOW(access("ro.txt", W_OK));  // root may write it anyway
    SHOW(access("ro.txt", X_OK));  // but root may not execute it: no x bit at all
    SHOW(access("missing", F_OK));
    SHOW(access("d", R_OK | W_OK | X_OK));
    SHOW(access("dangling", F_OK));
    SHOW(access("ro.txt", 0777));
    SHOW(faccessat(AT_FDCWD, "sym", R_OK, AT_SYMLINK_NOFOLLOW));
    SHOW(faccessat(AT_FDCWD, "ro.txt", R_OK, AT_EACCESS));
    SHOW(syscall(SYS_faccessat2, AT_FDCWD, "ro.txt", R_OK, AT_EACCESS));
    SHOW(syscall(SYS_faccessat2, AT_FDCWD, "ro.txt", R_OK, 0x1234));
}

static void times(void) {
    printf("-- utimensat\n");
    write_file("timed.txt", "t\n");
    struct timespec fixed[2] = {{1000000000, 123456789}, {1234567890, 500000000}};
    SHOW(utimensat(AT_FDCWD, "timed.txt", fixed, 0));
    show_times("timed.txt", 0);
    struct timespec omit_atime[2] = {{0, UTIME_OMIT}, {1500000000, 0}};
    SHOW(utimensat(AT_FDCWD, "timed.txt", omit_atime, 0));
    show_times("timed.txt", 0);
    // The symlink's own times, not its target's.
    struct timespec link_times[2] = {{946684800, 0}, {946684800, 1}};
    SHOW(utimensat(AT_FDCWD, "sym", link_times, AT_SYMLINK_NOFOLLOW));
    show_times("sym", AT_SYMLINK_NOFOLLOW);
    int fd;
    SHOW(fd = open("timed.txt", O_RDONLY));
    struct timespec via_fd[2] = {{2000000000, 999999999}, {0, 0}};
    SHOW(futimens(fd, via_fd));
    SHOW(close(fd));
    show_times("timed.txt", 0);
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    SHOW(utimensat(AT_FDCWD, "timed.txt", bad, 0));
    SHOW(utimensat(AT_FDCWD, "missing", fixed, 0));
    // UTIME_NOW: only check that the time moved to about now.
    struct timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    SHOW(utimensat(AT_FDCWD, "timed.txt", now, 0));
    struct stat st;
    stat("timed.txt", &st);
    time_t t = time(NULL);
    printf("UTIME_NOW within 60 s of time(): %s\n",
           st.st_mtim.tv_sec <= t + 60 && st.st_mtim.tv_sec >= t - 60 ? "yes" : "no");
    SHOW(utimensat(AT_FDCWD, "timed.txt", fixed, 0));
    show_times("timed.txt", 0);
}

static void statx_fields(void) {
    printf("-- statx\n");
    struct statx_abi sx;
    memset(&sx, 0, sizeof sx);
    SHOW(syscall(SYS_statx, AT_FDCWD, "timed.txt", 0, kStatxBasicStats, &sx));
    printf("statx(timed.txt): basic=%s mode=%06o nlink=%u size=%llu own=%s mtime=%lld.%09u\n",
           (sx.stx_mask & kStatxBasicStats) == kStatxBasicStats ? "all" : "some missing",
           sx.stx_mode, sx.stx_nlink, (unsigned long long)sx.stx_size,
           sx.stx_uid == getuid() && sx.stx_gid == getgid() ? "me" : "other",
           (long long)sx.stx_mtime.tv_sec, sx.stx_mtime.tv_nsec);
    memset(&sx, 0, sizeof sx);
    SHOW(syscall(SYS_statx, AT_FDCWD, "sym", AT_SYMLINK_NOFOLLOW, kStatxBasicStats, &sx));
    printf("statx(sym, NOFOLLOW): mode=%06o size=%llu\n", sx.stx_mode, (unsigned long long)sx.stx_size);
    memset(&sx, 0, sizeof sx);
    SHOW(syscall(SYS_statx, AT_FDCWD, "sym", 0, kStatxBasicStats, &sx));
    printf("statx(sym): mode=%06o size=%llu\n", sx.stx_mode, (unsigned long long)sx.stx_size);
    int fd;
    SHOW(fd = open("target.txt", O_RDONLY));
    memset(&sx, 0, sizeof sx);
    SHOW(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, kStatxMtime, &sx));
    printf("statx(fd, \"\", AT_EMPTY_PATH): has mtime=%s mode=%06o size=%llu\n",
           sx.stx_mask & kStatxMtime ? "yes" : "no", sx.stx_mode, (unsigned long long)sx.stx_size);
    SHOW(close(fd));
    SHOW(syscall(SYS_statx, AT_FDCWD, "missing", 0, kStatxBasicStats, &sx));
    SHOW(syscall(SYS_statx, AT_FDCWD, "timed.txt", 0, 0x80000000u, &sx));  // reserved mask bit
    SHOW(syscall(SYS_statx, AT_FDCWD, "timed.txt", 0x12345678, kStatxBasicStats, &sx));
    struct statfs a, b;
    SHOW(statfs(".", &a));
    SHOW(fd = open(".", O_RDONLY));
    SHOW(fstatfs(fd, &b));
    SHOW(close(fd));
    printf("statfs and fstatfs agree on the type: %s\n", a.f_type == b.f_type ? "yes" : "no");
    SHOW(statfs("missing", &a));
}

static void truncation(void) {
    printf("-- truncate\n");
    write_file("cut.txt", "0123456789\n");
    SHOW(truncate("cut.txt", 3));
    show_stat("cut.txt");
    SHOW(truncate("cut.txt", 1000));
    show_stat("cut.txt");
    SHOW(truncate("cut.txt", 4));
    SHOW(truncate("missing", 3));
    SHOW(truncate("d", 3));
    SHOW(truncate("cut.txt", -1));
    SHOW(truncate("sym", 2));  // follows the link: target.txt becomes "ta"
    show_file("target.txt");
    show_file("cut.txt");
}

static void fcntl_and_dup(void) {
    printf("-- fcntl, dup, dup2, dup3, close_range\n");
    write_file("fl.txt", "start\n");
    int fd;
    SHOW(fd = open("fl.txt", O_RDWR));
    // NOTE: F_GETFL shows O_LARGEFILE (0100000), which the kernel sets on x86-64.
    printf("F_GETFL = %#o\n", (unsigned)fcntl(fd, F_GETFL));
    SHOW(fcntl(fd, F_SETFL, O_APPEND | O_RDONLY));  // the access mode is not changed
    printf("F_GETFL = %#o\n", (unsigned)fcntl(fd, F_GETFL));
    SHOW(write(fd, "appended\n", 9));
    SHOW(fcntl(fd, F_SETFL, 0));
    printf("F_GETFL = %#o\n", (unsigned)fcntl(fd, F_GETFL));
    SHOW(pwrite(fd, "S", 1, 0));
    show_file("fl.txt");
    SHOW(fcntl(fd, F_DUPFD_CLOEXEC, 10));
    SHOW(fcntl(10, F_GETFD));
    SHOW(fcntl(fd, F_DUPFD, 10));
    SHOW(fcntl(11, F_GETFD));
    SHOW(fcntl(11, F_SETFD, FD_CLOEXEC));
    SHOW(fcntl(11, F_GETFD));
    SHOW(fcntl(77, F_GETFD));
    SHOW(fcntl(fd, F_DUPFD, -1));
    SHOW(fcntl(fd, 9999));
    int d;
    SHOW(d = dup(fd));  // lowest free
    SHOW(lseek(fd, 2, SEEK_SET));
    SHOW(lseek(d, 0, SEEK_CUR));  // the offset is shared
    SHOW(fcntl(d, F_GETFD));
    SHOW(dup(77));
    SHOW(dup2(fd, 20));
    SHOW(dup2(fd, fd));
    SHOW(dup2(77, 21));
    SHOW(dup2(77, 77));
    SHOW(dup2(fd, -1));
    SHOW(dup3(fd, fd, 0));
    SHOW(dup3(fd, 21, O_CLOEXEC));
    SHOW(fcntl(21, F_GETFD));
    SHOW(syscall(SYS_dup3, fd, 22, O_APPEND));  // raw: musl's dup3() differs
    SHOW(dup2(fd, 10));  // replaces an open fd silently
    SHOW(fcntl(10, F_GETFD));
    SHOW(syscall(SYS_close_range, 20, 21, 0));
    SHOW(fcntl(20, F_GETFD));
    SHOW(fcntl(21, F_GETFD));
    SHOW(syscall(SYS_close_range, 10, ~0U, CLOSE_RANGE_CLOEXEC));
    SHOW(fcntl(10, F_GETFD));
    SHOW(fcntl(11, F_GETFD));
    SHOW(syscall(SYS_close_range, 5, 4, 0));
    SHOW(syscall(SYS_close_range, 10, ~0U, 0));
    SHOW(fcntl(10, F_GETFD));
    SHOW(fcntl(11, F_GETFD));
    SHOW(close(d));
    SHOW(close(fd));
    SHOW(dup(0));  // the lowest free is 3 again
    SHOW(close(3));
}

static void locks(void) {
    printf("-- flock, fcntl locks\n");
    write_file("lock.txt", "lock\n");
    int a, b, c;
    SHOW(a = open("lock.txt", O_RDWR));
    SHOW(b = open("lock.txt", O_RDWR));
    SHOW(flock(a, LOCK_EX | LOCK_NB));
    // flock locks belong to the open file description: another open conflicts.
    SHOW(flock(b, LOCK_EX | LOCK_NB));
    SHOW(flock(b, LOCK_SH | LOCK_NB));
    SHOW(c = dup(a));
    SHOW(flock(c, LOCK_EX | LOCK_NB));  // same description: fine
    SHOW(flock(a, LOCK_UN));
    SHOW(flock(b, LOCK_SH | LOCK_NB));
    SHOW(flock(a, LOCK_SH | LOCK_NB));
    SHOW(flock(a, LOCK_EX | LOCK_NB));  // b holds a shared lock
    SHOW(flock(b, LOCK_UN));
    SHOW(flock(a, 0));
    SHOW(flock(77, LOCK_SH));
    SHOW(flock(a, LOCK_UN));

    // POSIX record locks belong to the process: its own locks never conflict.
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    SHOW(fcntl(a, F_SETLK, &lk));
    struct flock probe = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 10};
    SHOW(fcntl(b, F_GETLK, &probe));
    printf("F_GETLK type = %s\n", probe.l_type == F_UNLCK ? "F_UNLCK" : "locked");
    SHOW(fcntl(b, F_SETLK, &lk));
    // Open file description locks do conflict with the process's POSIX locks.
    struct flock ofd = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1};
    SHOW(fcntl(b, F_OFD_SETLK, &ofd));
    int ro;
    SHOW(ro = open("lock.txt", O_RDONLY));
    SHOW(fcntl(ro, F_SETLK, &lk));  // a write lock needs a writable fd
    struct flock bad = {.l_type = 42, .l_whence = SEEK_SET};
    SHOW(fcntl(a, F_SETLK, &bad));
    lk.l_type = F_UNLCK;
    SHOW(fcntl(a, F_SETLK, &lk));
    SHOW(close(ro));
    SHOW(close(c));
    SHOW(close(b));
    SHOW(close(a));
}

int main(void) {
    close_inherited_fds();
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (getcwd(start_dir, sizeof start_dir) == NULL) {
        printf("getcwd failed: %s\n", errno_name(errno));
        return 1;
    }
    umask_and_modes();
    directories();
    renames();
    links();
    errors_of_open();
    at_calls();
    working_directory();
    access_checks();
    times();
    statx_fields();
    truncation();
    fcntl_and_dup();
    locks();
    list_dir(".");
    return 0;
}
