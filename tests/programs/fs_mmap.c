// File-backed mmap: private mappings read the file, keep their own writes (copy on
// write), see zeros past the end of the file within the last page; MADV_DONTNEED
// rereads the file; shared mappings read it and write back on msync, munmap and
// exit, never growing the file; bad descriptors and access modes fail as Linux's do.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "report.h"

static uint32_t checksum(const unsigned char *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
    return h;
}

int main(void) {
    const size_t kSize = 3 * 4096 * 100 + 123;  // not a whole number of pages
    int fd = open("mapped.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    static unsigned char data[3 * 4096 * 100 + 123];
    for (size_t i = 0; i < kSize; ++i) data[i] = (unsigned char)(i * 7 + i / 4096);
    if (write(fd, data, kSize) != (ssize_t)kSize) return 1;
    close(fd);

    fd = open("mapped.bin", O_RDONLY);
    unsigned char *p = mmap(NULL, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
        printf("mmap private = -1 %s\n", errno_name(errno));
        return 1;
    }
    printf("private: checksum matches file: %s\n", checksum(p, kSize) == checksum(data, kSize) ? "yes" : "no");
    size_t page_end = (kSize + 4095) & ~(size_t)4095;
    int zeros = 1;
    for (size_t i = kSize; i < page_end; ++i) zeros &= p[i] == 0;
    printf("private: bytes past the end of the file in the last page are zero: %s\n", zeros ? "yes" : "no");
    p[5000] = 0xAB;
    unsigned char back;
    pread(fd, &back, 1, 5000);
    printf("private: write stays in memory: %s, file unchanged: %s\n", p[5000] == 0xAB ? "yes" : "no",
           back == data[5000] ? "yes" : "no");
    SHOW(madvise(p, 8192, MADV_DONTNEED));
    printf("private: after MADV_DONTNEED the file's byte is back: %s\n", p[5000] == data[5000] ? "yes" : "no");

    // An offset into the file, and a read-only shared mapping.
    unsigned char *q = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 4096 * 2);
    printf("shared read-only at offset 8192: first byte matches: %s\n",
           q != MAP_FAILED && q[0] == data[8192] && q[4095] == data[8192 + 4095] ? "yes" : "no");
    // It can never become writable (the file was opened read-only); a private one can.
    SHOW(mprotect(q, 8192, PROT_READ | PROT_WRITE));
    SHOW(mprotect(p, 4096, PROT_READ | PROT_WRITE | PROT_EXEC));
    SHOW(munmap(q, 8192));
    SHOW(munmap(p, kSize));

    // Errors, as Linux gives them.
    SHOW((long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 77, 0) == -1 ? -1 : 0);
    SHOW((long)mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == -1 ? -1 : 0);
    SHOW((long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 100) == -1 ? -1 : 0);
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    SHOW((long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, dir, 0) == -1 ? -1 : 0);
    int wr = open("mapped.bin", O_WRONLY);
    SHOW((long)mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, wr, 0) == -1 ? -1 : 0);
    // The mapping outlives the descriptor.
    unsigned char *r = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    printf("after close: still readable: %s\n", r != MAP_FAILED && r[100] == data[100] ? "yes" : "no");
    unlink("mapped.bin");

    // Shared and writable: the file sees the writes (after msync, munmap, and at exit;
    // the harness compares the file left behind). Writes past the end of the file in
    // its last page never reach it.
    int sfd = open("shared.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (write(sfd, data, 10000) != 10000) return 1;
    unsigned char *m = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 0);
    if (m == MAP_FAILED) {
        printf("mmap shared = -1 %s\n", errno_name(errno));
        return 1;
    }
    m[10] = 'A';
    SHOW(msync(m, 4096, MS_SYNC));
    pread(sfd, &back, 1, 10);
    printf("shared: after msync the file has the write: %s\n", back == 'A' ? "yes" : "no");
    m[5000] = 'B';
    m[11000] = 'Z';  // past the end of the file: stays in memory only
    SHOW(munmap(m, 12288));
    pread(sfd, &back, 1, 5000);
    printf("shared: after munmap the file has the write: %s\n", back == 'B' ? "yes" : "no");
    printf("shared: the file did not grow: %s\n", lseek(sfd, 0, SEEK_END) == 10000 ? "yes" : "no");
    m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, sfd, 4096);
    m[1] = 'C';  // written back when the program exits
    return 0;
}
