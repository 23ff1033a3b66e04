// execve (issue 5): the program re-executes itself and checks what survives, as
// Linux defines it: descriptors without FD_CLOEXEC (sharing one file position),
// the working directory, the umask, ignored signals and the signal mask, and the
// argument and environment vectors it passed. Also the errors of a failed execve,
// after which the program carries on. argv[1]: the stage ("start" by default).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

static void try_exec(const char *path, char *const argv[], char *const envp[]) {
    errno = 0;
    int r = execve(path, argv, envp);
    printf("execve(%s) = %d %s\n", path, r, strerror(errno));
}

static int second(int argc, char **argv) {
    printf("argc=%d", argc);
    for (int i = 0; i < argc; i++) printf(" [%s]", argv[i]);
    printf("\n");
    for (char **e = environ; *e; e++) printf("env %s\n", *e);
    char buf[8] = {0};
    ssize_t n = read(5, buf, 4);  // continues where the first program left off
    printf("fd 5: read %zd '%s'\n", n, buf);
    printf("fd 6 (dup of 5): %s, position %ld\n", fcntl(6, F_GETFD) >= 0 ? "open" : "closed", (long)lseek(6, 0, SEEK_CUR));
    printf("fd 7 (FD_CLOEXEC): %s\n", fcntl(7, F_GETFD) >= 0 ? "open" : strerror(errno));
    printf("fd 8 (O_CLOEXEC): %s\n", fcntl(8, F_GETFD) >= 0 ? "open" : strerror(errno));
    char cwd[256];
    printf("cwd %s\n", getcwd(cwd, sizeof cwd));
    mode_t m = umask(0);
    printf("umask %03o\n", (unsigned)m);
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    printf("SIGUSR1 %s\n", sa.sa_handler == SIG_IGN ? "ignored" : "default");
    sigaction(SIGUSR2, NULL, &sa);
    printf("SIGUSR2 handler reset: %s\n", sa.sa_handler == SIG_DFL ? "yes" : "no");
    sigset_t set;
    sigprocmask(SIG_BLOCK, NULL, &set);
    printf("SIGTERM blocked: %d, SIGUSR2 blocked: %d\n", sigismember(&set, SIGTERM), sigismember(&set, SIGUSR2));
    return 3;
}

static void on_usr2(int sig) { (void)sig; }

// An argument string on a page of the image the program never touches: the kernel
// reads it from wherever it is (Burrow loads image pages on first touch).
static const char far_away[4 << 20] = {[2000000] = 'u', 'n', 't', 'o', 'u', 'c', 'h', 'e', 'd'};

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "second") == 0) return second(argc, argv);

    int fd = open("/etc/passwd", O_RDONLY);
    if (fd < 0 || dup2(fd, 5) < 0 || dup2(fd, 6) < 0 || dup2(fd, 7) < 0) return 100;
    fcntl(7, F_SETFD, FD_CLOEXEC);
    int c = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
    if (c < 0 || (c != 8 && dup3(c, 8, O_CLOEXEC) < 0)) return 101;
    char skip[4];
    if (read(5, skip, 4) != 4) return 102;  // position 4, shared by 5, 6 and 7
    if (chdir("/usr") != 0) return 103;
    umask(027);
    signal(SIGUSR1, SIG_IGN);
    signal(SIGUSR2, on_usr2);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, NULL);

    char *args[] = {"renamed", "second", "with space", "", (char *)far_away + 2000000, NULL};
    char *env[] = {"ONLY=this", "EMPTY=", NULL};
    try_exec("/nonexistent/program", args, env);
    try_exec("/usr", args, env);            // a directory
    try_exec("/etc/passwd", args, env);     // not executable
    try_exec("", args, env);
    fflush(stdout);
    // Relative to the new working directory: argv[0] was absolute or relative to
    // the old one, so use /proc-free means: the path the test passed in EXEC_SELF.
    const char *self = getenv("EXEC_SELF");
    if (!self) return 104;
    execve(self, args, env);
    printf("execve(self) failed: %s\n", strerror(errno));
    return 1;
}
