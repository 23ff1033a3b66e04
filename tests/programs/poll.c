// poll, ppoll, select, pselect6 and epoll over what a program has without forking:
// pipes in every state, /dev/null, a regular file, stdin (whatever the test gives
// both runs), bad and negative descriptors, timeouts (the time left written back),
// and epoll's interest list (EPERM on files, EEXIST, ENOENT, EPOLLONESHOT re-armed by
// EPOLL_CTL_MOD, entries of closed descriptors dropped). Prints only what is the same
// on every host.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void show_poll(const char *what, struct pollfd *p, int n, int timeout) {
    int r = poll(p, n, timeout);
    printf("%s: poll = %d%s%s", what, r, r < 0 ? " " : "", r < 0 ? errno_name(errno) : "");
    for (int i = 0; i < n; ++i) printf(" [%s: %#x]", p[i].fd < 0 ? "-1" : p[i].fd == 999 ? "999" : "fd", p[i].revents);
    printf("\n");
}

static void polls(void) {
    int pp[2];
    SHOW(pipe(pp));
    struct pollfd p[2] = {{pp[0], POLLIN, 0}, {pp[1], POLLOUT, 0}};
    show_poll("empty pipe", p, 2, 0);
    SHOW(write(pp[1], "x", 1));
    show_poll("one byte in", p, 2, 0);
    p[0].events = POLLIN | POLLOUT | POLLPRI;
    show_poll("asking for more", p, 1, 0);
    SHOW(close(pp[1]));
    p[0].events = POLLIN;
    show_poll("writer closed, data left", p, 1, 0);
    char c;
    SHOW(read(pp[0], &c, 1));
    show_poll("writer closed, drained", p, 1, 0);
    SHOW(close(pp[0]));
    SHOW(pipe(pp));
    SHOW(close(pp[0]));
    p[0] = (struct pollfd){pp[1], POLLOUT, 0};
    show_poll("reader closed", p, 1, 0);
    SHOW(close(pp[1]));

    int null = open("/dev/null", O_RDWR);
    int file = open("polled.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    struct pollfd q[4] = {{null, POLLIN | POLLOUT, 0}, {file, POLLIN | POLLOUT, 0}, {-1, POLLIN, 0}, {999, POLLIN, 0}};
    show_poll("null, file, -1, 999", q, 4, 0);
    q[0] = (struct pollfd){0, POLLIN, 0};
    show_poll("stdin", q, 1, 0);
    show_poll("no descriptors", q, 0, 0);

    // A wait that times out takes its time.
    SHOW(pipe(pp));
    p[0] = (struct pollfd){pp[0], POLLIN, 0};
    long start = now_ms();
    show_poll("empty pipe, 80 ms", p, 1, 80);
    printf("waited at least 70 ms: %s\n", now_ms() - start >= 70 ? "yes" : "no");
    struct timespec ts = {0, 30 * 1000000};
    int r = ppoll(p, 1, &ts, NULL);
    printf("ppoll 30 ms = %d, time left written back: %s\n", r, ts.tv_sec == 0 && ts.tv_nsec < 30 * 1000000 ? "yes" : "no");
    ts = (struct timespec){0, 1000000000};
    SHOW(ppoll(p, 1, &ts, NULL));

    // select: the same through bitmaps.
    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(pp[0], &rd);
    FD_SET(pp[1], &wr);
    FD_SET(file, &rd);
    struct timeval tv = {0, 0};
    r = select(pp[1] > file ? pp[1] + 1 : file + 1, &rd, &wr, NULL, &tv);
    printf("select = %d: pipe readable %d, pipe writable %d, file readable %d\n", r, FD_ISSET(pp[0], &rd),
           FD_ISSET(pp[1], &wr), FD_ISSET(file, &rd));
    FD_ZERO(&rd);
    FD_SET(pp[0], &rd);
    tv = (struct timeval){0, 40000};
    start = now_ms();
    r = select(pp[0] + 1, &rd, NULL, NULL, &tv);
    printf("select 40 ms on an empty pipe = %d, waited %s, time left %s\n", r, now_ms() - start >= 30 ? "yes" : "no",
           tv.tv_sec == 0 && tv.tv_usec < 40000 ? "written back" : "not written");
    FD_ZERO(&rd);
    FD_SET(60, &rd);  // not open, within the descriptor table Linux starts with
    tv = (struct timeval){0, 0};
    SHOW(select(61, &rd, NULL, NULL, &tv));
    SHOW(poll(NULL, 1000, 0) < 0 ? -1 : 0);
    struct pollfd many[200];
    for (int i = 0; i < 200; ++i) many[i] = (struct pollfd){-1, POLLIN, 0};
    SHOW(poll(many, 200, 0));
    tv = (struct timeval){0, 200000};
    SHOW(select(1, NULL, NULL, NULL, &tv));
    tv = (struct timeval){-1, 0};
    SHOW(select(1, NULL, NULL, NULL, &tv));
    struct timespec pts = {0, 0};
    FD_ZERO(&wr);
    FD_SET(pp[1], &wr);
    SHOW(pselect(pp[1] + 1, NULL, &wr, NULL, &pts, NULL));
    close(pp[0]);
    close(pp[1]);
    close(null);
    close(file);
}

static void show_wait(const char *what, int ep, int timeout) {
    struct epoll_event ev[8];
    int r = epoll_wait(ep, ev, 8, timeout);
    printf("%s: epoll_wait = %d%s%s", what, r, r < 0 ? " " : "", r < 0 ? errno_name(errno) : "");
    for (int i = 0; i < r; ++i) printf(" [data %llu: %#x]", (unsigned long long)ev[i].data.u64, ev[i].events);
    printf("\n");
}

static void epolls(void) {
    int ep = epoll_create1(EPOLL_CLOEXEC);
    printf("epoll_create1: %s\n", ep >= 0 ? "a descriptor" : errno_name(errno));
    SHOW(epoll_create1(12345));
    int e0 = epoll_create(0);  // glibc: EINVAL; musl: an instance (it drops the size)
    printf("epoll_create(0): %s\n", e0 >= 0 ? "a descriptor" : errno_name(errno));
    if (e0 >= 0) close(e0);
    int pp[2];
    SHOW(pipe(pp));
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
    SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, pp[0], &ev));
    SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, pp[0], &ev));
    ev = (struct epoll_event){.events = EPOLLOUT, .data.u64 = 8};
    SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, pp[1], &ev));
    show_wait("empty pipe", ep, 0);
    SHOW(write(pp[1], "ab", 2));
    show_wait("two bytes in", ep, 0);
    ev = (struct epoll_event){.events = EPOLLIN | EPOLLONESHOT, .data.u64 = 9};
    SHOW(epoll_ctl(ep, EPOLL_CTL_MOD, pp[0], &ev));
    show_wait("oneshot", ep, 0);
    show_wait("oneshot again", ep, 0);
    SHOW(epoll_ctl(ep, EPOLL_CTL_MOD, pp[0], &ev));
    show_wait("re-armed", ep, 0);
    SHOW(epoll_ctl(ep, EPOLL_CTL_DEL, pp[1], NULL));
    SHOW(epoll_ctl(ep, EPOLL_CTL_DEL, pp[1], NULL));
    SHOW(epoll_ctl(ep, EPOLL_CTL_MOD, pp[1], &ev));
    int file = open("epolled.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
    SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, file, &ev));
    int null = open("/dev/null", O_RDONLY);
    SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, null, &ev));
    SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, 555, &ev));
    SHOW(epoll_ctl(file, EPOLL_CTL_ADD, pp[0], &ev));
    SHOW(epoll_ctl(ep, 99, pp[0], &ev));
    struct epoll_event out[1];
    SHOW(epoll_wait(ep, out, 0, 0));
    SHOW(epoll_wait(file, out, 1, 0));
    char b[4];
    SHOW(read(ep, b, 4));
    SHOW(lseek(ep, 0, SEEK_SET));
    // The reader's entry goes with its descriptor; the writer closed: a hang-up.
    ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = 10};
    int r2 = dup(pp[0]);
    SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, r2, &ev));
    SHOW(close(pp[0]));
    SHOW(close(pp[1]));
    show_wait("writer closed", ep, 0);
    SHOW(close(r2));
    long start = now_ms();
    show_wait("nothing left, 50 ms", ep, 50);
    printf("waited at least 40 ms: %s\n", now_ms() - start >= 40 ? "yes" : "no");
    close(file);
    close(null);
    SHOW(close(ep));
}

int main(void) {
    polls();
    epolls();
    return 0;
}
