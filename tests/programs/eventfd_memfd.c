// eventfd (counter and semaphore modes, non-blocking, poll and epoll, its errors) and
// memfd_create (read, write, pread, ftruncate, a shared mapping, its name in
// /proc/self/fd, FD_CLOEXEC, its errors). Prints only what is the same on every host.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"

static void show_read(const char *what, int fd) {
    uint64_t v = 0;
    ssize_t n = read(fd, &v, sizeof v);
    if (n < 0)
        printf("%s: read = -1 %s\n", what, errno_name(errno));
    else
        printf("%s: read = %zd, value %llu\n", what, n, (unsigned long long)v);
}

static unsigned revents(int fd) {
    struct pollfd p = {fd, POLLIN | POLLOUT, 0};
    poll(&p, 1, 0);
    return (unsigned)p.revents;
}

int main(void) {
    int e = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    printf("eventfd: %s, cloexec %d, poll %#x\n", e >= 0 ? "a descriptor" : errno_name(errno),
           fcntl(e, F_GETFD), revents(e));
    show_read("counter 3", e);
    show_read("at zero", e);
    printf("poll at zero %#x\n", revents(e));
    uint64_t v = 5;
    SHOW(write(e, &v, 8));
    v = 2;
    SHOW(write(e, &v, 8));
    show_read("5 + 2", e);
    v = UINT64_MAX;
    SHOW(write(e, &v, 8));
    v = UINT64_MAX - 1;
    SHOW(write(e, &v, 8));
    printf("poll full %#x\n", revents(e));
    v = 1;
    SHOW(write(e, &v, 8));
    show_read("drain", e);
    char small[4];
    SHOW(read(e, small, 4));
    SHOW(write(e, small, 4));
    SHOW(lseek(e, 0, SEEK_SET));
    SHOW(pread(e, &v, 8, 0));
    char link[64] = {0};
    char path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", e);
    SHOW(readlink(path, link, sizeof link - 1));
    printf("link: %s\n", link);
    close(e);

    int s = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
    show_read("semaphore", s);
    show_read("semaphore", s);
    show_read("semaphore at zero", s);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 9};
    SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
    struct epoll_event out[1];
    SHOW(epoll_wait(ep, out, 1, 0));
    v = 1;
    write(s, &v, 8);
    SHOW(epoll_wait(ep, out, 1, 0));
    close(ep);
    close(s);
    SHOW(eventfd(0, 0x100));

    int m = memfd_create("burrow-test", MFD_CLOEXEC);
    printf("memfd: %s, cloexec %d\n", m >= 0 ? "a descriptor" : errno_name(errno), fcntl(m, F_GETFD));
    snprintf(path, sizeof path, "/proc/self/fd/%d", m);
    memset(link, 0, sizeof link);
    SHOW(readlink(path, link, sizeof link - 1));
    printf("link: %s\n", link);
    SHOW(write(m, "hello memfd", 11));
    char buf[32] = {0};
    SHOW(pread(m, buf, 5, 6));
    printf("pread: %s\n", buf);
    SHOW(ftruncate(m, 8192));
    struct stat st;
    SHOW(fstat(m, &st));
    printf("size %ld, regular %d\n", (long)st.st_size, S_ISREG(st.st_mode));
    char *map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, m, 0);
    printf("mapped: %s, first bytes %.5s\n", map != MAP_FAILED ? "yes" : "no", map);
    memcpy(map + 4096, "page two", 8);
    SHOW(msync(map, 8192, MS_SYNC));
    memset(buf, 0, sizeof buf);
    SHOW(pread(m, buf, 8, 4096));
    printf("written through the mapping: %s\n", buf);
    munmap(map, 8192);
    close(m);
    SHOW(memfd_create("x", 0x1000));
    char longname[300];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    SHOW(memfd_create(longname, 0));
    SHOW(memfd_create(NULL, 0));
    return 0;
}
