// getrusage: the program's own usage is positive where Linux's is (user time after
// some work, resident memory), its children's is zero (it has none), and a bad
// `who` is EINVAL. get_mempolicy: the default policy, as on a host without numactl.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < 50000000; i++) x += i;  // some user time
    struct rusage self, children;
    int a = getrusage(RUSAGE_SELF, &self);
    int b = getrusage(RUSAGE_CHILDREN, &children);
    printf("getrusage(SELF) = %d, user time > 0: %s, maxrss > 0: %s\n", a,
           self.ru_utime.tv_sec > 0 || self.ru_utime.tv_usec > 0 ? "yes" : "no", self.ru_maxrss > 0 ? "yes" : "no");
    printf("getrusage(CHILDREN) = %d, all zero: %s\n", b,
           children.ru_utime.tv_sec == 0 && children.ru_utime.tv_usec == 0 && children.ru_maxrss == 0 ? "yes" : "no");
    errno = 0;
    int c = getrusage(42, &self);
    printf("getrusage(42) = %d %s\n", c, strerror(errno));
    int mode = -1;
    long r = syscall(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0);
    printf("get_mempolicy = %ld, mode %d\n", r, mode);
    return 0;
}
