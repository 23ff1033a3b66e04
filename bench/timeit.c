/* timeit: run a command N times (fork + execvp, stdout to /dev/null) after one
   untimed warm-up run, and print on one line the median / min / max wall time
   (clock_gettime(CLOCK_MONOTONIC) around fork..wait4) and the median / max peak
   RSS of the child (wait4's rusage ru_maxrss).
   With several commands separated by ":::", each of N rounds runs every command
   once, in a shuffled order (fixed seed), and one line is printed per command: on
   a shared, noisy machine, commands compared this way see the same conditions
   (run in blocks, drift between the blocks shows up as a difference).
   Usage: timeit N COMMAND [ARGS...] [::: COMMAND [ARGS...]]...
   Exits 1 if any run fails. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* One run: returns 0 on success, fills wall time (µs) and peak RSS (KiB). */
static int run_once(char **argv, double *wall_us, double *rss_kb) {
    double start = now_us();
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); exit(1); }
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null < 0 || dup2(null, STDOUT_FILENO) < 0) _exit(126);
        execvp(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0) { perror("wait4"); exit(1); }
    *wall_us = now_us() - start;
    *rss_kb = ru.ru_maxrss;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "timeit: %s failed (status 0x%x)\n", argv[0], status);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3 || atoi(argv[1]) < 1) {
        fprintf(stderr, "usage: %s N COMMAND [ARGS...] [::: COMMAND [ARGS...]]...\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    enum { kMaxCommands = 8 };
    char **cmds[kMaxCommands];
    int count = 0;
    cmds[count++] = argv + 2;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], ":::") != 0) continue;
        argv[i] = NULL;
        if (count == kMaxCommands || i + 1 >= argc) {
            fprintf(stderr, "timeit: at most %d commands, none empty\n", kMaxCommands);
            return 2;
        }
        cmds[count++] = argv + i + 1;
    }
    double *wall[kMaxCommands], *rss[kMaxCommands], w, r;
    for (int c = 0; c < count; c++) {
        wall[c] = calloc(n, sizeof(double));
        rss[c] = calloc(n, sizeof(double));
        if (run_once(cmds[c], &w, &r) != 0) return 1; /* warm-up: page cache, binary loading */
    }
    srand(1);
    for (int i = 0; i < n; i++) {
        int order[kMaxCommands];
        for (int c = 0; c < count; c++) order[c] = c;
        for (int c = count - 1; c > 0; c--) {
            int j = rand() % (c + 1), t = order[c];
            order[c] = order[j];
            order[j] = t;
        }
        for (int k = 0; k < count; k++)
            if (run_once(cmds[order[k]], &wall[order[k]][i], &rss[order[k]][i]) != 0) return 1;
    }
    for (int c = 0; c < count; c++) {
        qsort(wall[c], n, sizeof(double), cmp_double);
        qsort(rss[c], n, sizeof(double), cmp_double);
        /* Median of an even count: the mean of the two middle values. */
        double wall_med = (wall[c][(n - 1) / 2] + wall[c][n / 2]) / 2;
        double rss_med = (rss[c][(n - 1) / 2] + rss[c][n / 2]) / 2;
        printf("runs=%d median_us=%.1f min_us=%.1f max_us=%.1f maxrss_kb_median=%.0f maxrss_kb_max=%.0f\n",
               n, wall_med, wall[c][0], wall[c][n - 1], rss_med, rss[c][n - 1]);
    }
    return 0;
}
