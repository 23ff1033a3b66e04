// CPU-bound: fills 64 MiB with an LCG and hashes it with FNV-1a several times.
// Tuned to take a few tenths of a second natively; prints only the hash.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { kBufferBytes = 64 << 20, kPasses = 3 };

int main(void) {
    uint64_t *buf = malloc(kBufferBytes);
    if (buf == NULL) {
        perror("malloc");
        return 1;
    }
    uint64_t lcg = 0x2545f4914f6cdd1dULL;
    for (size_t i = 0; i < kBufferBytes / sizeof *buf; i++) {
        lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
        buf[i] = lcg;
    }
    uint64_t hash = 0xcbf29ce484222325ULL;
    const unsigned char *bytes = (const unsigned char *)buf;
    for (int pass = 0; pass < kPasses; pass++)
        for (size_t i = 0; i < kBufferBytes; i++)
            hash = (hash ^ bytes[i]) * 0x100000001b3ULL;
    printf("fnv1a(64 MiB x %d)=%016llx\n", kPasses, (unsigned long long)hash);
    free(buf);
    return 0;
}
