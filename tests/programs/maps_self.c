// /proc/self/maps for the program's own image: permissions, file offset and path of
// every line naming the executable, as Linux shows them (addresses, device and
// inode differ by design; they are left out).
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return 1;
    self[n] = '\0';
    FILE* f = fopen("/proc/self/maps", "r");
    if (!f) return 2;
    char line[PATH_MAX + 256];
    int lines = 0;
    while (fgets(line, sizeof line, f)) {
        char perms[8], path[PATH_MAX];
        unsigned long start, end, offset;
        path[0] = '\0';
        if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %s", &start, &end, perms, &offset, path) < 4) return 3;
        if (strcmp(path, self) != 0) continue;
        printf("%s %08lx %lu pages self\n", perms, offset, (end - start) / 4096);
        lines++;
    }
    printf("%d lines\n", lines);
    return 0;
}
