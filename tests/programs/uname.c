// Prints the uname fields a VM must fake identically, and isatty() of fds 0-2.
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(void) {
    struct utsname u;
    if (uname(&u) != 0) {
        perror("uname");
        return 1;
    }
    printf("sysname=%s\n", u.sysname);
    printf("machine=%s\n", u.machine);
    for (int fd = 0; fd <= 2; fd++)
        printf("isatty(%d)=%d\n", fd, isatty(fd));
    return 0;
}
