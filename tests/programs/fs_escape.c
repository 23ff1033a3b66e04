// Tries to reach, from inside Burrow, what the sandbox must hide or protect, and
// prints the outcome of each attempt. Natively these attempts often succeed, so
// the tests assert Burrow's exact output instead of comparing with a native run.
//
//   fs_escape root             in `--root ROOT` (ROOT laid out by the test setup:
//                              etc/passwd, evil -> /etc/passwd, a/b/up -> ../../..)
//   fs_escape race N           in `--root ROOT` while the host keeps swapping
//                              ROOT/race between -> real and -> /etc
//   fs_escape default          in the default mode, from a fresh directory whose
//                              parent holds a file "stdin"
//   fs_escape readonly DIR     DIR is a read-only volume holding f (14 bytes) and d/
//   fs_escape exdev DIR1 DIR2  two volumes: DIR1 holds f and sub/, DIR2 holds g
//
// In the last two modes paths are printed relative to the DIRs, so the output
// does not depend on where the volumes are (natively: read-only bind mounts).
//
// NOTE: run natively, many attempts succeed and really happen (as root: chown,
// truncating ../stdin). Whatever it opens by surprise it closes unwritten, and it
// never writes to an fd it did not open, but do not run it natively outside a
// throwaway directory or mount namespace.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

#ifndef SYS_renameat2
#define SYS_renameat2 316
#endif
#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif



// For an open that should fail: if it succeeds anyway the fd is closed at once,
// so that nothing later in the program can write through it.
static void show_open_result(const char *what, long fd) {
    show_result(what, fd);
    if (fd >= 0)
        close((int)fd);
}
#define SHOW_OPEN(expr) show_open_result(#expr, (long)(expr))

// Volume paths: P("f") is "<argv dir>/f". Up to four live at a time.
static const char *volume[2];
static const char *path_in(int which, const char *name) {
    static char bufs[4][4096];
    static int next;
    char *buf = bufs[next++ % 4];
    snprintf(buf, sizeof bufs[0], "%s/%s", volume[which], name);
    return buf;
}
#define P(name) path_in(0, name)
#define Q(name) path_in(1, name)

// Prints the first line of PATH, or the error; LABEL is what the output shows.
static void show_read(const char *label, const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("read %s = -1 %s\n", label, errno_name(errno));
        return;
    }
    char buf[256];
    long n = read(fd, buf, sizeof buf - 1);
    int saved = errno;
    close(fd);
    if (n < 0) {
        printf("read %s = -1 %s (after open)\n", label, errno_name(saved));
        return;
    }
    buf[n] = 0;
    char *nl = strchr(buf, '\n');
    if (nl)
        *nl = 0;
    printf("read %s = \"%s\"\n", label, buf);
}
#define SHOW_READ(path) show_read(#path, path)

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void show_listing(const char *label, const char *path) {
    DIR *dir = opendir(path);
    if (dir == NULL) {
        printf("list %s = -1 %s\n", label, errno_name(errno));
        return;
    }
    char *names[64];
    int count = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL && count < 64)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            names[count++] = strdup(e->d_name);
    closedir(dir);
    qsort(names, count, sizeof names[0], compare_strings);
    printf("list %s =", label);
    for (int i = 0; i < count; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

static void show_cwd(void) {
    char buf[4096];
    if (getcwd(buf, sizeof buf) == NULL)
        printf("getcwd = NULL %s\n", errno_name(errno));
    else
        printf("getcwd = %s\n", buf);
}

static void show_readlink(const char *path) {
    char buf[4096];
    long n = readlink(path, buf, sizeof buf - 1);
    if (n < 0) {
        printf("readlink %s = -1 %s\n", path, errno_name(errno));
        return;
    }
    printf("readlink %s = %.*s\n", path, (int)n, buf);
}

// Host devices and kernel files: none may be reachable under any name. The
// exception is /proc/self/root, which Burrow serves as Linux does, as the guest's
// own / (the --root directory, or the host's / read-only): it leads nowhere new.
static void host_devices(void) {
    static const char *const kPaths[] = {
        "/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/loop0", "/dev/mem", "/dev/kmem", "/dev/port",
        "/dev/kvm", "/dev/console", "/dev/tty0", "/dev/kmsg", "/dev/vhost-net", "/proc/kcore",
        "/proc/sysrq-trigger", "/proc/self/mem", "/proc/self/root/etc/passwd", "/sys/kernel",
        "/sys/class/net", "/sys/firmware",
    };
    for (size_t i = 0; i < sizeof kPaths / sizeof kPaths[0]; i++) {
        int fd = open(kPaths[i], O_RDONLY | O_NONBLOCK);
        int saved = errno;
        struct stat st;
        int s = lstat(kPaths[i], &st);
        printf("open %s = %s, lstat = %s\n", kPaths[i], fd >= 0 ? "OPENED" : errno_name(saved),
               s == 0 ? "FOUND" : errno_name(errno));
        if (fd >= 0)
            close(fd);
    }
}

static void never_handed_out(void) {
    char buf[16];
    struct stat st;
    // The monitor's own fds (KVM, the VM, its files) are small numbers too.
    for (int fd = 3; fd <= 10; fd++) {
        if (fcntl(fd, F_GETFD) >= 0) {
            printf("fd %d: OPEN (not written to)\n", fd);
            continue;
        }
        errno = 0;
        long r = read(fd, buf, sizeof buf);
        int read_errno = errno;
        long w = write(fd, "x", 1);
        int write_errno = errno;
        long f = fstat(fd, &st);
        printf("fd %d: read %s, write %s, fstat %s\n", fd, r < 0 ? errno_name(read_errno) : "OK",
               w < 0 ? errno_name(write_errno) : "OK", f < 0 ? errno_name(errno) : "OK");
    }
    SHOW(read(77, buf, sizeof buf));
    SHOW(read(-1, buf, sizeof buf));
    SHOW(read(1 << 20, buf, sizeof buf));
    SHOW(write(77, "x", 1));
    SHOW(close(77));
    SHOW(dup2(77, 5));
    SHOW(fcntl(77, F_GETFL));
    SHOW(lseek(77, 0, SEEK_SET));
    SHOW_OPEN(openat(77, "x", O_RDONLY));
    SHOW(fchdir(77));
}

static int mode_root(void) {
    printf("-- --root: the guest's / is the test's directory\n");
    show_cwd();
    SHOW_READ("../../../../../../etc/shadow");
    SHOW_READ("/etc/shadow");
    SHOW_READ("/etc/passwd");
    SHOW_READ("/../../etc/passwd");
    SHOW_READ("/evil");
    SHOW_READ("/evil-shadow");
    SHOW_READ("/evil-dir/passwd");
    SHOW_READ("/evil-dir/shadow");
    SHOW_READ("/evil-dir/../etc/passwd");
    show_listing("/evil-dir", "/evil-dir");
    show_listing("/etc", "/etc");
    SHOW_READ("/a/b/up/etc/passwd");
    SHOW_READ("/a/b/up/etc/shadow");
    SHOW_READ("/chain1");
    SHOW_READ("/a/b/chain2");
    SHOW_READ("/proc/self/root/etc/passwd");
    SHOW_READ("/proc/self/cwd/../../etc/passwd");
    show_readlink("/proc/self/exe");
    show_readlink("/proc/self/cwd");
    show_readlink("/evil");
    int dfd;
    SHOW(dfd = open("/a", O_RDONLY | O_DIRECTORY));
    SHOW_OPEN(openat(dfd, "../../../../etc/shadow", O_RDONLY));
    int fd;
    SHOW(fd = openat(dfd, "../../../../etc/passwd", O_RDONLY));
    SHOW(close(fd));
    SHOW_OPEN(openat(dfd, "/etc/shadow", O_RDONLY));
    SHOW(close(dfd));
    SHOW(chdir("/a/b/up/../../.."));
    show_cwd();
    SHOW(chdir("../../.."));
    show_cwd();
    SHOW(chdir("/evil-dir"));
    show_cwd();
    SHOW(chdir("/"));
    struct stat st;
    SHOW(stat("/etc/shadow", &st));
    SHOW(access("/etc/shadow", F_OK));
    SHOW(fd = open("/dev/null", O_WRONLY));
    SHOW(write(fd, "x", 1));
    SHOW(close(fd));
    host_devices();
    return 0;
}

// Opens race/passwd N times while the host swaps race between a directory of
// the root and an absolute link to /etc (which inside the root is ROOT/etc).
static int mode_race(long n) {
    long escapes = 0, other_errors = 0;
    for (long i = 0; i < n; i++) {
        int fd = open("/race/passwd", O_RDONLY);
        if (fd < 0) {
            if (errno != ENOENT)
                other_errors++;
            continue;
        }
        char buf[64] = {0};
        long r = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (r < 0)
            other_errors++;
        else if (strcmp(buf, "sandbox passwd\n") != 0 && strcmp(buf, "real passwd\n") != 0)
            escapes++;
    }
    printf("escapes: %ld\n", escapes);
    printf("errors other than ENOENT: %ld\n", other_errors);
    return 0;
}

static int mode_default(void) {
    printf("-- default mode: / is the host's, read-only, the current directory writable\n");
    SHOW_READ("../stdin");
    SHOW_OPEN(open("../escape-created", O_CREAT | O_WRONLY, 0644));
    SHOW_OPEN(open("../stdin", O_WRONLY));
    SHOW_OPEN(open("../stdin", O_RDONLY | O_TRUNC));
    SHOW(mkdir("../escape-dir", 0755));
    SHOW(unlink("../stdin"));
    SHOW(rename("../stdin", "stolen"));  // across mounts: EXDEV wins over EROFS
    SHOW(link("../stdin", "linked"));
    SHOW(symlink("x", "../escape-link"));
    SHOW(chmod("../stdin", 0777));
    SHOW(truncate("../stdin", 0));
    SHOW(utimensat(AT_FDCWD, "../stdin", NULL, 0));
    SHOW(access("../stdin", W_OK));
    SHOW_OPEN(open("/etc/passwd", O_WRONLY | O_APPEND));
    SHOW_OPEN(open("/", O_RDWR | O_TMPFILE, 0600));
    SHOW_READ("../stdin");
    printf("-- chown\n");
    int fd;
    SHOW(fd = open("owned", O_CREAT | O_WRONLY, 0644));
    struct stat before, after;
    SHOW(fstat(fd, &before));
    SHOW(chown("owned", 12345, 12345));
    SHOW(chown("owned", 12345, -1));
    SHOW(chown("owned", -1, 12345));
    SHOW(lchown("owned", 12345, 12345));
    SHOW(fchown(fd, 12345, 12345));
    SHOW(fchownat(AT_FDCWD, "owned", 12345, 12345, 0));
    SHOW(chown("owned", -1, -1));
    SHOW(fchown(fd, -1, -1));
    SHOW(fstat(fd, &after));
    printf("owner unchanged: %s\n", before.st_uid == after.st_uid && before.st_gid == after.st_gid ? "yes" : "NO");
    SHOW(close(fd));
    printf("-- fds never handed out\n");
    never_handed_out();
    printf("-- host devices and kernel files\n");
    host_devices();
    return 0;
}

static int mode_readonly(void) {
    printf("-- a read-only volume\n");
    SHOW_READ(P("f"));
    SHOW_OPEN(open(P("f"), O_WRONLY));
    SHOW_OPEN(open(P("f"), O_RDWR));
    SHOW_OPEN(open(P("f"), O_WRONLY | O_APPEND));
    SHOW_OPEN(open(P("f"), O_RDONLY | O_TRUNC));
    SHOW_OPEN(open(P("new"), O_CREAT | O_WRONLY, 0644));
    SHOW_OPEN(open(P("new"), O_CREAT | O_RDONLY, 0644));
    int fd;
    SHOW(fd = open(P("f"), O_CREAT | O_RDONLY, 0644));  // exists: no write needed
    SHOW(close(fd));
    SHOW_OPEN(open(P("f"), O_CREAT | O_EXCL | O_RDONLY, 0644));
    SHOW_OPEN(open(P("d"), O_TMPFILE | O_RDWR, 0600));
    SHOW(mkdir(P("newdir"), 0755));
    SHOW(mkdir(P("d"), 0755));  // exists: EEXIST wins over EROFS
    SHOW(mknod(P("fifo"), S_IFIFO | 0644, 0));
    SHOW(rmdir(P("d")));
    SHOW(rmdir(P("missing")));
    SHOW(unlink(P("f")));
    SHOW(unlink(P("missing")));
    SHOW(rename(P("f"), P("g")));
    SHOW(rename(P("f"), "stolen"));  // to the writable current directory
    SHOW(rename("nothing-here", P("g")));
    SHOW(link(P("f"), P("h")));
    SHOW(symlink("f", P("s")));
    SHOW(chmod(P("f"), 0777));
    SHOW(chmod(P("d"), 0777));
    SHOW(chown(P("f"), -1, -1));
    struct timespec fixed[2] = {{1000000000, 0}, {1000000000, 0}};
    SHOW(utimensat(AT_FDCWD, P("f"), fixed, 0));
    SHOW(utimensat(AT_FDCWD, P("f"), NULL, 0));
    SHOW(truncate(P("f"), 0));
    SHOW(access(P("f"), W_OK));
    SHOW(access(P("f"), R_OK));
    SHOW(access(P("d"), W_OK));
    SHOW(fd = open(P("f"), O_RDONLY));
    SHOW(write(fd, "x", 1));
    SHOW(fchmod(fd, 0777));
    SHOW(fchown(fd, -1, -1));
    SHOW(futimens(fd, fixed));
    SHOW(ftruncate(fd, 0));
    SHOW(fallocate(fd, 0, 0, 4096));
    SHOW(flock(fd, LOCK_EX | LOCK_NB));  // locks are fine on a read-only file
    SHOW(flock(fd, LOCK_UN));
    SHOW(close(fd));
    struct statvfs vfs;
    SHOW(statvfs(P("d"), &vfs));
    printf("ST_RDONLY: %s\n", vfs.f_flag & ST_RDONLY ? "yes" : "no");
    struct stat st;
    SHOW(stat(P("f"), &st));
    printf("f: mode=%04o size=%lld\n", (unsigned)(st.st_mode & 07777), (long long)st.st_size);
    show_listing("P(\"d\")", P("d"));
    SHOW_READ(P("f"));
    return 0;
}

static int mode_exdev(void) {
    printf("-- two volumes\n");
    SHOW(rename(P("f"), Q("f")));
    SHOW(link(P("f"), Q("l")));
    SHOW(rename(P("sub"), Q("sub")));
    SHOW(syscall(SYS_renameat2, AT_FDCWD, P("f"), AT_FDCWD, Q("g"), RENAME_EXCHANGE));
    SHOW(rename(P("f"), "moved-here"));
    SHOW(rename(Q("g"), P("g")));
    SHOW(rename(P("f"), P("f2")));  // within one volume: fine
    SHOW(rename(P("f2"), P("f")));
    SHOW(link(P("f"), P("f-link")));
    SHOW(unlink(P("f-link")));
    int dfd, fd;
    SHOW(dfd = open(P("sub"), O_RDONLY | O_DIRECTORY));
    SHOW(renameat(dfd, "../f", AT_FDCWD, Q("f")));
    SHOW(close(dfd));
    SHOW(fd = open(P("made-here"), O_CREAT | O_WRONLY, 0644));
    SHOW(close(fd));
    SHOW(rename(P("made-here"), Q("made-here")));
    SHOW(unlink(P("made-here")));
    SHOW_READ(P("f"));
    SHOW_READ(Q("g"));
    show_listing("P(\".\")", volume[0]);
    show_listing("Q(\".\")", volume[1]);
    return 0;
}

int main(int argc, char **argv) {
    for (int fd = 3; fd < 1024; fd++)
        close(fd);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 2 && strcmp(argv[1], "root") == 0)
        return mode_root();
    if (argc == 3 && strcmp(argv[1], "race") == 0)
        return mode_race(atol(argv[2]));
    if (argc == 2 && strcmp(argv[1], "default") == 0)
        return mode_default();
    if (argc == 3 && strcmp(argv[1], "readonly") == 0) {
        volume[0] = argv[2];
        return mode_readonly();
    }
    if (argc == 4 && strcmp(argv[1], "exdev") == 0) {
        volume[0] = argv[2];
        volume[1] = argv[3];
        return mode_exdev();
    }
    fprintf(stderr, "usage: fs_escape root | race N | default | readonly DIR | exdev DIR1 DIR2\n");
    return 2;
}
