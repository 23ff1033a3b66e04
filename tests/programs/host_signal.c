// Signals sent to the process from outside (Ctrl-C, kill), as a test script sends
// them after each "ready" line: a handler interrupting a loop that makes no system
// call, a sleep and a blocking read of stdin (both end with EINTR), a blocked signal
// delivered when unblocked, a read restarted after an SA_RESTART handler, and at last
// the default action of SIGTERM. Run by
// tests/integration/host_signal.sh natively and in Burrow.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_signal(int sig) { got = sig; }

static void ready(int n) {
    printf("ready %d\n", n);
    fflush(stdout);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;  // no SA_RESTART: blocking calls end with EINTR
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    ready(1);
    volatile unsigned long spins = 0;
    while (!got) ++spins;  // no system call in this loop
    printf("loop interrupted by signal %d\n", (int)got);

    got = 0;
    ready(2);
    struct timespec ts = {30, 0}, rem = {0, 0};
    int r = nanosleep(&ts, &rem);
    printf("nanosleep = %d %s, signal %d, time left > 20 s: %d\n", r, r ? strerror(errno) : "", (int)got,
           rem.tv_sec > 20);

    got = 0;
    ready(3);
    char buf[8];
    ssize_t n = read(0, buf, sizeof buf);
    printf("read = %zd %s, signal %d\n", n, n < 0 ? strerror(errno) : "", (int)got);

    got = 0;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    ready(4);
    while (1) {
        sigset_t pending;
        sigpending(&pending);
        if (sigismember(&pending, SIGUSR1)) break;
        usleep(1000);
    }
    printf("pending while blocked, handler not run: %d\n", got == 0);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("after unblocking: signal %d\n", (int)got);

    // SA_RESTART: the read goes on after the handler, and gets what arrives next.
    got = 0;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR2, &sa, NULL);
    ready(5);
    n = read(0, buf, sizeof buf);
    printf("read after a restarting handler = %zd, signal %d\n", n, (int)got);

    signal(SIGTERM, SIG_DFL);
    ready(6);
    for (;;) usleep(1000);
    return 0;
}
