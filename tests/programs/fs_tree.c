// Prints the tree under DIR (default "."), sorted: for each entry its path, type,
// permission bits, link count, and for files the size and an FNV-1a hash of the
// contents, for symlinks the target. Walks with openat/fdopendir/fstatat/readlinkat
// relative to directory fds. Used as /bin/app of a --root test, where natively it
// runs in the rootfs directory and in Burrow in the guest's /.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int compare_strings(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static uint64_t hash_file(int dirfd, const char *name, long *size) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    *size = 0;
    int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    unsigned char buf[65536];
    long n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        for (long i = 0; i < n; i++)
            hash = (hash ^ buf[i]) * 0x100000001b3ULL;
        *size += n;
    }
    close(fd);
    return hash;
}

static int walk(int dirfd, const char *prefix);

// Prints one entry of DIRFD; returns the number of failures under it.
static int show_entry(int dirfd, const char *name, const char *prefix) {
    char path[4096];
    snprintf(path, sizeof path, "%s%s", prefix, name);
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        printf("%s: fstatat failed: errno %d\n", path, errno);
        return 1;
    }
    unsigned mode = st.st_mode & 07777;
    if (S_ISDIR(st.st_mode)) {
        printf("%s/ dir %04o nlink=%lu\n", path, mode, (unsigned long)st.st_nlink);
        int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (sub < 0) {
            printf("%s: openat failed: errno %d\n", path, errno);
            return 1;
        }
        char sub_prefix[sizeof path + 1];
        snprintf(sub_prefix, sizeof sub_prefix, "%s/", path);
        return walk(sub, sub_prefix);
    } else if (S_ISLNK(st.st_mode)) {
        char target[4096];
        long n = readlinkat(dirfd, name, target, sizeof target - 1);
        target[n < 0 ? 0 : n] = 0;
        printf("%s symlink -> %s\n", path, target);
    } else if (S_ISREG(st.st_mode)) {
        long size;
        uint64_t hash = hash_file(dirfd, name, &size);
        printf("%s file %04o nlink=%lu size=%lld read=%ld fnv1a=%016llx\n", path, mode,
               (unsigned long)st.st_nlink, (long long)st.st_size, size, (unsigned long long)hash);
    } else {
        printf("%s other %04o\n", path, mode);
    }
    return 0;
}

static int walk(int dirfd, const char *prefix) {
    DIR *dir = fdopendir(dirfd);
    if (dir == NULL) {
        printf("%s: fdopendir failed: errno %d\n", prefix, errno);
        close(dirfd);
        return 1;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (count == cap) {
            cap = cap ? 2 * cap : 16;
            names = realloc(names, cap * sizeof *names);
        }
        names[count++] = strdup(e->d_name);
    }
    qsort(names, count, sizeof *names, compare_strings);
    int failures = 0;
    for (size_t i = 0; i < count; i++) {
        failures += show_entry(dirfd, names[i], prefix);
        free(names[i]);
    }
    free(names);
    closedir(dir);
    return failures;
}



int main(int argc, char **argv) {
    const char *top = argc > 1 ? argv[1] : ".";
    int fd = open(top, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        printf("open %s: errno %d\n", top, errno);
        return 2;
    }
    return walk(fd, "") ? 1 : 0;
}
