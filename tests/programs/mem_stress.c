// malloc/free stress: a million blocks of mixed sizes through a working set of 4096
// slots, each filled with a pattern (a stride of it in big blocks) checked before it is
// freed, then a checksum.
// Exercises brk growth and trimming and mmap/munmap of large blocks.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { kSlots = 4096, kBlocks = 1000000 };

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint64_t next(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static size_t pick_size(void) {
    uint64_t r = next();
    switch (r % 64) {
    case 0: return 128 * 1024 + r % (512 * 1024);  // mmap'd by malloc
    case 1: case 2: case 3: return 4096 + r % 32768;
    default: return 8 + r % 256;
    }
}

struct Slot {
    unsigned char* p;
    size_t size;
    unsigned char seed;
};

int main(void) {
    static struct Slot slots[kSlots];
    uint64_t sum = 0;
    size_t bad = 0, live_max = 0, live = 0;
    for (long n = 0; n < kBlocks; n++) {
        struct Slot* s = &slots[next() % kSlots];
        if (s->p) {
            // Check the head, the tail and a stride through the middle.
            for (size_t i = 0; i < s->size; i += (s->size > 4096 ? 97 : 1))
                bad += s->p[i] != (unsigned char)(s->seed + i);
            bad += s->p[s->size - 1] != (unsigned char)(s->seed + s->size - 1);
            size_t stride = s->size > 4096 ? 97 : 1, mid = s->size / 2 / stride * stride;  // a written byte
            sum = sum * 31 + s->p[mid] + s->size;
            free(s->p);
            live -= s->size;
        }
        s->size = pick_size();
        s->seed = (unsigned char)next();
        s->p = malloc(s->size);
        if (!s->p) {
            printf("malloc failed at block %ld\n", n);
            return 1;
        }
        // Every byte of small blocks; a stride through big ones (and their last byte).
        for (size_t i = 0; i < s->size; i += (s->size > 4096 ? 97 : 1)) s->p[i] = (unsigned char)(s->seed + i);
        s->p[s->size - 1] = (unsigned char)(s->seed + s->size - 1);
        live += s->size;
        if (live > live_max) live_max = live;
    }
    for (int i = 0; i < kSlots; i++) free(slots[i].p);
    printf("blocks=%d corrupted=%zu checksum=%016llx peak_live_kib=%zu\n", kBlocks, bad, (unsigned long long)sum,
           live_max >> 10);
    return bad != 0;
}
