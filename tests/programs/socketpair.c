// socketpair(AF_UNIX, SOCK_STREAM): data both ways through send/recv and
// read/write, non-blocking modes (SOCK_NONBLOCK, fcntl, MSG_DONTWAIT), shutdown,
// a closed peer (end of file, EPIPE with and without SIGPIPE), poll and epoll on
// the ends, names, and the errors. Prints only what is the same on every host.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "report.h"

static void show_recv(const char *what, int fd, int flags) {
    char buf[64] = {0};
    ssize_t n = recv(fd, buf, sizeof buf - 1, flags);
    if (n < 0)
        printf("%s: recv = -1 %s\n", what, errno_name(errno));
    else
        printf("%s: recv = %zd \"%s\"\n", what, n, buf);
}

static unsigned revents(int fd) {
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
    poll(&p, 1, 0);
    return (unsigned)p.revents;
}

int main(void) {
    int sv[2];
    SHOW(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    printf("fresh: %#x %#x\n", revents(sv[0]), revents(sv[1]));
    SHOW(send(sv[0], "ping", 4, 0));
    printf("after send: %#x\n", revents(sv[1]));
    show_recv("other end", sv[1], 0);
    SHOW(write(sv[1], "pong!", 5));
    char buf[16] = {0};
    SHOW(read(sv[0], buf, 3));
    printf("read: %s\n", buf);
    show_recv("the rest", sv[0], 0);
    show_recv("nothing, MSG_DONTWAIT", sv[0], MSG_DONTWAIT);
    SHOW(fcntl(sv[0], F_SETFL, O_NONBLOCK));
    show_recv("nothing, O_NONBLOCK", sv[0], 0);

    int type = 0;
    socklen_t len = sizeof type;
    SHOW(getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len));
    printf("SO_TYPE %d\n", type);
    struct sockaddr_un peer;
    len = sizeof peer;
    SHOW(getpeername(sv[0], (struct sockaddr *)&peer, &len));
    printf("peer family %d, length %u\n", peer.sun_family, (unsigned)len);
    struct sockaddr_un to = {.sun_family = AF_UNIX};
    strcpy(to.sun_path, "/nonexistent-socket");
    SHOW(sendto(sv[0], "x", 1, 0, (struct sockaddr *)&to, sizeof to));

    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1};
    SHOW(epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev));
    struct epoll_event out[2];
    SHOW(epoll_wait(ep, out, 2, 0));
    SHOW(send(sv[0], "wake", 4, 0));
    int n = epoll_wait(ep, out, 2, 0);
    printf("epoll after send: %d, events %#x\n", n, n > 0 ? out[0].events : 0);
    show_recv("drained", sv[1], 0);
    close(ep);

    // shutdown(SHUT_WR): the other end reads end of file, then a hang-up.
    SHOW(shutdown(sv[0], SHUT_WR));
    show_recv("after the peer's SHUT_WR", sv[1], 0);
    printf("after SHUT_WR: %#x\n", revents(sv[1]));
    SHOW(send(sv[0], "x", 1, MSG_NOSIGNAL));
    SHOW(shutdown(sv[0], 7));

    // A closed peer: EPIPE, SIGPIPE unless ignored or MSG_NOSIGNAL.
    int p2[2];
    SHOW(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, p2));
    SHOW(fcntl(p2[0], F_GETFD));
    SHOW(close(p2[1]));
    printf("peer closed: %#x\n", revents(p2[0]));
    show_recv("peer closed", p2[0], 0);
    SHOW(send(p2[0], "x", 1, MSG_NOSIGNAL));
    signal(SIGPIPE, SIG_IGN);
    SHOW(write(p2[0], "x", 1));
    close(p2[0]);

    // Errors.
    SHOW(socketpair(AF_INET, SOCK_STREAM, 0, sv));
    SHOW(socketpair(AF_UNIX, 99, 0, sv));
    SHOW(socketpair(AF_UNIX, SOCK_STREAM, 5, sv));
    SHOW(socketpair(AF_UNIX, SOCK_STREAM, 0, NULL));
    SHOW(recv(0, buf, 1, 0));
    return 0;
}
