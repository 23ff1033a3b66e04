// Exercises malloc/realloc/free (brk and mmap paths) and checks every byte.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kSlots = 512, kRounds = 4000 };

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_random(void) {  // xorshift64
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t random_size(void) {
    uint64_t r = next_random();
    switch (r % 16) {
    case 0: return 128 * 1024 + r % (1024 * 1024);  // above the mmap threshold
    case 1: case 2: return 4096 + r % 65536;
    default: return 1 + r % 512;
    }
}

struct Block {
    unsigned char *data;
    size_t size;
    unsigned char seed;
};

static int check(const struct Block *b) {
    for (size_t i = 0; i < b->size; i++)
        if (b->data[i] != (unsigned char)(b->seed + i * 31))
            return 0;
    return 1;
}

static void fill(struct Block *b, size_t from) {
    for (size_t i = from; i < b->size; i++)
        b->data[i] = (unsigned char)(b->seed + i * 31);
}

int main(void) {
    static struct Block slots[kSlots];
    uint64_t checksum = 0;
    size_t allocations = 0, reallocs = 0, frees = 0, bad = 0;
    for (int round = 0; round < kRounds; round++) {
        struct Block *b = &slots[next_random() % kSlots];
        if (b->data == NULL) {
            b->size = random_size();
            b->seed = (unsigned char)next_random();
            b->data = malloc(b->size);
            if (b->data == NULL) {
                perror("malloc");
                return 1;
            }
            fill(b, 0);
            allocations++;
        } else if (next_random() % 3 == 0) {
            bad += !check(b);
            size_t old = b->size;
            b->size = random_size();
            unsigned char *p = realloc(b->data, b->size);
            if (p == NULL) {
                perror("realloc");
                return 1;
            }
            b->data = p;
            // The common prefix must have survived the move.
            size_t keep = old < b->size ? old : b->size;
            for (size_t i = 0; i < keep; i++)
                bad += p[i] != (unsigned char)(b->seed + i * 31);
            fill(b, keep);
            reallocs++;
        } else {
            bad += !check(b);
            for (size_t i = 0; i < b->size; i += 7)
                checksum = checksum * 1099511628211ULL + b->data[i];
            free(b->data);
            b->data = NULL;
            frees++;
        }
    }
    for (int i = 0; i < kSlots; i++) {
        if (slots[i].data != NULL) {
            bad += !check(&slots[i]);
            checksum = checksum * 1099511628211ULL + slots[i].size;
            free(slots[i].data);
        }
    }
    printf("allocations=%zu reallocs=%zu frees=%zu\n", allocations, reallocs, frees);
    printf("corrupted=%zu\n", bad);
    printf("checksum=%016llx\n", (unsigned long long)checksum);
    return bad != 0;
}
