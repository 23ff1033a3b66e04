// Physical frames in 2 MiB chunks. A chunk is kFree (on one of two stacks: `dirty`
// chunks may hold old data, `clean` ones read as zero), kLarge (one 2 MiB frame) or
// kSplit (512 small frames with a free bitmap and a dirty bitmap; those with free
// frames are on the doubly-linked `partial` list). Small frames come from partial
// chunks first, then from a whole free chunk; a split chunk whose frames are all free
// again becomes a whole free chunk, so 2 MiB frames come back after small ones churn.
#include "mm/frames.h"

#include "burrow/abi/hypercall.h"
#include "hypercall.h"
#include "lib/string.h"

namespace burrow::kernel::mm {
namespace {

using abi::kLargePageSize;
using abi::kPageSize;

constexpr uint32_t kFramesPerChunk = kLargePageSize / kPageSize;  // 512
constexpr uint32_t kNone = ~0u;

enum ChunkState : uint8_t { kReserved = 0, kFree = 1, kLarge = 2, kSplit = 3 };

struct Chunk {
  uint64_t free[8];   // kSplit: bit set = frame free
  uint64_t dirty[8];  // kSplit: bit set = free frame that may hold old data
  uint32_t prev, next;  // the partial list
  uint16_t free_count;  // kSplit
  uint8_t state;
  uint8_t dirty_whole;  // kFree: may hold old data
  uint8_t advised;      // the host was asked for a huge page behind it
  uint8_t reserved[3];
};
static_assert(sizeof(Chunk) == 144);

// The bookkeeping, in frames taken from the start of free memory at init.
constinit Chunk* g_chunks = nullptr;
constinit uint32_t* g_dirty_stack = nullptr;  // kFree chunks that may hold old data
constinit uint32_t* g_clean_stack = nullptr;  // kFree chunks that read as zero
constinit uint32_t g_dirty_top = 0, g_clean_top = 0;
constinit uint32_t g_partial = kNone;  // head of the partial list
constinit uint64_t g_total = 0;        // frames managed
constinit uint64_t g_free = 0;         // free frames
constinit uint64_t g_dirty = 0;        // free frames that may hold old data
constinit uint64_t g_large_reserve = 0;  // below this many free frames, no large frames
constinit uint64_t g_usable = 0;         // frames below this were handed out before boot

// The monitor serves kReleaseMemory and kAdviseLarge (vmm/hypercalls/memory.cc); off,
// freed memory would stay in the guest and large pages would get no host huge pages.
constexpr bool kHostMemoryHypercalls = true;

// Release freed memory to the host once this much of it waits (and then all of it):
// below it, recycling frames in the guest (zeroing them) is cheaper than a hypercall
// and host page faults, and the host RSS stays within this of what is in use.
constexpr uint64_t kReleaseMinBytes = 16ull << 20;
// Runs of free small frames shorter than this stay (an madvise per 4 KiB costs more
// than it returns).
constexpr uint32_t kReleaseMinRun = 16;

uint64_t chunk_phys(uint32_t c) { return uint64_t{c} * kLargePageSize; }

void partial_link(uint32_t c) {
  Chunk& k = g_chunks[c];
  k.prev = kNone;
  k.next = g_partial;
  if (g_partial != kNone) g_chunks[g_partial].prev = c;
  g_partial = c;
}

void partial_unlink(uint32_t c) {
  Chunk& k = g_chunks[c];
  if (k.prev != kNone)
    g_chunks[k.prev].next = k.next;
  else
    g_partial = k.next;
  if (k.next != kNone) g_chunks[k.next].prev = k.prev;
  k.prev = k.next = kNone;
}

void push_free_chunk(uint32_t c, bool dirty) {
  Chunk& k = g_chunks[c];
  k.state = kFree;
  k.dirty_whole = dirty;
  if (dirty)
    g_dirty_stack[g_dirty_top++] = c;
  else
    g_clean_stack[g_clean_top++] = c;
}

// A whole free chunk (recycled ones first: they are already host memory); kNone if none.
uint32_t pop_free_chunk() {
  if (g_dirty_top) return g_dirty_stack[--g_dirty_top];
  if (g_clean_top) return g_clean_stack[--g_clean_top];
  return kNone;
}

// Turns a free chunk into a split one with all frames free (and on the partial list).
void split_free_chunk(uint32_t c) {
  Chunk& k = g_chunks[c];
  bool dirty = k.dirty_whole;
  for (int w = 0; w < 8; ++w) {
    k.free[w] = ~0ull;
    k.dirty[w] = dirty ? ~0ull : 0;
  }
  k.free_count = kFramesPerChunk;
  k.state = kSplit;
  partial_link(c);
}

// A split chunk whose frames are all free becomes a whole free chunk.
void join_if_free(uint32_t c) {
  Chunk& k = g_chunks[c];
  if (k.free_count != kFramesPerChunk) return;
  partial_unlink(c);
  uint32_t dirty = 0;
  for (int w = 0; w < 8; ++w)
    for (uint64_t bits = k.dirty[w]; bits; bits &= bits - 1) ++dirty;  // no popcnt: libgcc is not linked
  // A whole chunk is dirty or clean as one: any old data makes all of it count.
  if (dirty) g_dirty += kFramesPerChunk - dirty;
  push_free_chunk(c, dirty != 0);
}

// One hypercall per batch of ranges handed back to the host.
struct ReleaseBatch {
  static constexpr uint32_t kCapacity = abi::kMaxMemoryRanges;
  abi::MemoryRange ranges[kCapacity];
  uint32_t count = 0;

  void add(uint64_t phys, uint64_t bytes) {
    if (count && ranges[count - 1].phys + ranges[count - 1].bytes == phys) {
      ranges[count - 1].bytes += bytes;
      return;
    }
    if (count == kCapacity) flush();
    ranges[count++] = {phys, bytes};
  }
  void flush() {
    if (count && kHostMemoryHypercalls)
      hypercall(abi::Hypercall::kReleaseMemory, reinterpret_cast<uint64_t>(ranges), count);
    count = 0;
  }
};
constinit ReleaseBatch g_release = {};

void advise_large(uint32_t c);

}  // namespace

void frames_init(uint64_t first_free, uint64_t end) {
  end &= ~(kPageSize - 1);
  uint32_t chunks = static_cast<uint32_t>((end + kLargePageSize - 1) / kLargePageSize);
  // The table and the two stacks, from the first free frames.
  uint64_t meta = (first_free + kPageSize - 1) & ~(kPageSize - 1);
  uint64_t meta_bytes = uint64_t{chunks} * (sizeof(Chunk) + 2 * sizeof(uint32_t));
  uint64_t usable = (meta + meta_bytes + kPageSize - 1) & ~(kPageSize - 1);
  g_usable = usable;
  g_chunks = phys_to_virt<Chunk>(meta);
  g_dirty_stack = reinterpret_cast<uint32_t*>(g_chunks + chunks);
  g_clean_stack = g_dirty_stack + chunks;
  memset(g_chunks, 0, meta_bytes);

  // Highest chunks first on the stack, so the lowest is used first.
  for (uint32_t c = chunks; c-- > 0;) {
    Chunk& k = g_chunks[c];
    k.prev = k.next = kNone;
    uint64_t lo = chunk_phys(c), hi = lo + kLargePageSize;
    if (lo >= end) continue;  // kReserved: no memory there
    if (hi <= usable) {
      // The kernel's and the monitor's frames: all in use, but the program's image and
      // stack pages among them come back here if it unmaps them.
      k.state = kSplit;
      continue;
    }
    if (lo >= usable && hi <= end) {
      push_free_chunk(c, false);
      g_total += kFramesPerChunk;
      continue;
    }
    // A chunk only partly ours (the monitor's frames end inside it, or memory does).
    k.state = kSplit;
    for (uint64_t f = lo; f < hi; f += kPageSize) {
      if (f < usable || f >= end) continue;
      uint32_t i = static_cast<uint32_t>((f - lo) / kPageSize);
      k.free[i / 64] |= 1ull << (i % 64);
      ++k.free_count;
    }
    g_total += k.free_count;
    if (k.free_count) partial_link(c);
  }
  g_free = g_total;
  // Keep 1/32 of memory (at least 4 MiB) for small frames before refusing large ones.
  g_large_reserve = g_total / 32;
  if (g_large_reserve < 1024) g_large_reserve = 1024;
}

uint64_t frame_alloc() {
  if (g_partial == kNone) {
    uint32_t c = pop_free_chunk();
    if (c == kNone) return 0;
    if (!g_chunks[c].advised) advise_large(c);
    split_free_chunk(c);
  }
  uint32_t c = g_partial;
  Chunk& k = g_chunks[c];
  uint32_t w = 0;
  while (k.free[w] == 0) ++w;
  uint32_t bit = static_cast<uint32_t>(__builtin_ctzll(k.free[w]));
  uint64_t mask = 1ull << bit;
  k.free[w] &= ~mask;
  uint64_t phys = chunk_phys(c) + (uint64_t{w} * 64 + bit) * kPageSize;
  if (k.dirty[w] & mask) {
    k.dirty[w] &= ~mask;
    --g_dirty;
    memset(phys_to_virt(phys), 0, kPageSize);
  }
  if (--k.free_count == 0) partial_unlink(c);
  --g_free;
  return phys;
}

void frame_free(uint64_t phys) {
  uint32_t c = static_cast<uint32_t>(phys / kLargePageSize);
  uint32_t i = static_cast<uint32_t>((phys % kLargePageSize) / kPageSize);
  Chunk& k = g_chunks[c];
  uint64_t mask = 1ull << (i % 64);
  if (k.state != kSplit || (k.free[i / 64] & mask)) panic("frame_free: not an allocated small frame");
  k.free[i / 64] |= mask;
  k.dirty[i / 64] |= mask;
  if (phys < g_usable) ++g_total;  // a boot-time frame joins the pool
  ++g_free;
  ++g_dirty;
  if (k.free_count++ == 0) partial_link(c);
  join_if_free(c);
}

// Host huge pages behind the chunks the allocator hands out (bench/mm.sh, PVM): with
// the host busy, first touches of a 2 MiB page cost 2.4 µs per 4 KiB with them and
// 8.5 µs without (one host fault per 2 MiB instead of 512), small pages 7-8 µs instead
// of 12-14; on an idle host ~0.7 and ~3 µs either way. Asked per chunk when it is
// first handed out (with the next few), never for the kernel's and the monitor's
// memory, so a small program's RSS barely moves (hello: 6.0 -> 6.4 MB, where huge
// pages behind all of guest memory made it 11 MB).
namespace {
void advise_large(uint32_t c) {
  constexpr uint32_t kBatch = 4;
  uint32_t n = 1;
  while (n < kBatch && g_clean_top >= n) {
    uint32_t next = g_clean_stack[g_clean_top - n];
    if (next != c + n || g_chunks[next].advised) break;
    ++n;
  }
  for (uint32_t i = 0; i < n; ++i) g_chunks[c + i].advised = 1;
  if (kHostMemoryHypercalls) hypercall(abi::Hypercall::kAdviseLarge, chunk_phys(c), uint64_t{n} * kLargePageSize);
}
}  // namespace

uint64_t frame_alloc_large() {
  if (g_free < g_large_reserve + kFramesPerChunk) return 0;
  uint32_t c = pop_free_chunk();
  if (c == kNone) return 0;
  Chunk& k = g_chunks[c];
  uint64_t phys = chunk_phys(c);
  if (!k.advised) advise_large(c);
  if (k.dirty_whole) {
    // Recycled: zero it here rather than fault fresh host memory in.
    memset(phys_to_virt(phys), 0, kLargePageSize);
    g_dirty -= kFramesPerChunk;
  }
  k.state = kLarge;
  k.dirty_whole = 0;
  g_free -= kFramesPerChunk;
  return phys;
}

void frame_free_large(uint64_t phys) {
  uint32_t c = static_cast<uint32_t>(phys / kLargePageSize);
  if (phys % kLargePageSize || g_chunks[c].state != kLarge) panic("frame_free_large: not a large frame");
  push_free_chunk(c, true);
  g_free += kFramesPerChunk;
  g_dirty += kFramesPerChunk;
}

void frame_split_large(uint64_t phys) {
  uint32_t c = static_cast<uint32_t>(phys / kLargePageSize);
  Chunk& k = g_chunks[c];
  if (phys % kLargePageSize || k.state != kLarge) panic("frame_split_large: not a large frame");
  for (int w = 0; w < 8; ++w) k.free[w] = k.dirty[w] = 0;
  k.free_count = 0;
  k.state = kSplit;
}

uint64_t frames_free_count() { return g_free; }
uint64_t frames_total_count() { return g_total; }

void frames_release_idle() {
  if (!kHostMemoryHypercalls) return;  // the frames must stay dirty: nobody zeroes them
  if (g_dirty < kReleaseMinBytes / kPageSize) return;
  // Whole chunks: straight to the clean stack.
  while (g_dirty_top) {
    uint32_t c = g_dirty_stack[--g_dirty_top];
    g_release.add(chunk_phys(c), kLargePageSize);
    push_free_chunk(c, false);
    g_dirty -= kFramesPerChunk;
  }
  // Long runs of free small frames in split chunks.
  for (uint32_t c = g_partial; c != kNone; c = g_chunks[c].next) {
    Chunk& k = g_chunks[c];
    uint32_t run = 0;
    for (uint32_t i = 0; i <= kFramesPerChunk; ++i) {
      bool idle = i < kFramesPerChunk && (k.dirty[i / 64] >> (i % 64)) & 1;
      if (idle) {
        ++run;
        continue;
      }
      if (run >= kReleaseMinRun) {
        uint32_t first = i - run;
        g_release.add(chunk_phys(c) + uint64_t{first} * kPageSize, uint64_t{run} * kPageSize);
        for (uint32_t j = first; j < i; ++j) k.dirty[j / 64] &= ~(1ull << (j % 64));
        g_dirty -= run;
      }
      run = 0;
    }
  }
  g_release.flush();
}

}  // namespace burrow::kernel::mm
