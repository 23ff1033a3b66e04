/* timeit: run a command N times (fork + execvp, stdout to /dev/null) after one
   untimed warm-up run, and print on one line the median / min / max wall time
   (clock_gettime(CLOCK_MONOTONIC) around fork..wait4) and the median / max peak
   RSS of the child (wait4's rusage ru_maxrss).
   Usage: timeit N COMMAND [ARGS...]    Exits 1 if any run fails. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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
        fprintf(stderr, "usage: %s N COMMAND [ARGS...]\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    char **cmd = argv + 2;
    double *wall = calloc(n, sizeof *wall), *rss = calloc(n, sizeof *rss), w, r;
    if (run_once(cmd, &w, &r) != 0) return 1; /* warm-up: page cache, binary loading */
    for (int i = 0; i < n; i++)
        if (run_once(cmd, &wall[i], &rss[i]) != 0) return 1;
    qsort(wall, n, sizeof *wall, cmp_double);
    qsort(rss, n, sizeof *rss, cmp_double);
    /* Median of an even count: the mean of the two middle values. */
    double wall_med = (wall[(n - 1) / 2] + wall[n / 2]) / 2;
    double rss_med = (rss[(n - 1) / 2] + rss[n / 2]) / 2;
    printf("runs=%d median_us=%.1f min_us=%.1f max_us=%.1f maxrss_kb_median=%.0f maxrss_kb_max=%.0f\n",
           n, wall_med, wall[0], wall[n - 1], rss_med, rss[n - 1]);
    return 0;
}
