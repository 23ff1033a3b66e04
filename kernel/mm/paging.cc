// Page-table edits for the program's half of the address space. Invariants: a 2 MiB
// leaf never straddles a free range (munmap and mprotect split it first), page tables
// left empty by an unmap of their whole block are freed, and a present entry is only
// weakened or removed with a TLB invalidation after it (shadow paging relies on it).
#include "mm/paging.h"

#include "burrow/abi/layout.h"
#include "hypercall.h"
#include "mm/frames.h"
#include "shim_call.h"

namespace burrow::kernel::mm {
namespace {

using abi::kLargePageSize;
using abi::kPageSize;

constinit uint64_t g_cr3 = 0;

constexpr uint64_t kTableFlags = kPtePresent | kPteWrite | kPteUser | kPteAccessed;
constexpr uint64_t kLargeAddrMask = kPteAddrMask & ~(kLargePageSize - 1);
constexpr uint64_t kLeafFlagMask = 0xFFFull | kPteNoExec;

inline uint64_t* table_of(uint64_t entry) { return phys_to_virt<uint64_t>(entry & kPteAddrMask); }
inline uint32_t index_at(uint64_t va, int level) { return (va >> (12 + 9 * (level - 1))) & 511; }
inline uint64_t block_of(uint64_t va) { return va & ~(kLargePageSize - 1); }
inline bool is_large(uint64_t pde) { return pde & kPteLarge; }
inline bool is_table(uint64_t pde) { return (pde & kPtePresent) && !(pde & kPteLarge); }

// Leaf bits for a protection: Accessed and Dirty preset; PROT_NONE is "not present".
uint64_t leaf_flags(uint32_t prot) {
  if (!(prot & 7)) return 0;
  uint64_t f = kPtePresent | kPteUser | kPteAccessed | kPteDirty;
  if (prot & 2) f |= kPteWrite;    // PROT_WRITE
  if (!(prot & 4)) f |= kPteNoExec;  // PROT_EXEC
  return f;
}

// True when the TLB may hold `from`, which is about to become `to`. Raising rights
// would not strictly need it, but a flush per change keeps a fault on a mapped page
// from ever being a stale entry (the fault path treats repeats as a bug).
bool needs_flush(uint64_t from, uint64_t to) { return (from & kPtePresent) && from != to; }

inline void shim_op(abi::ShimOp op, uint64_t arg) { shim_call(static_cast<uint64_t>(op), arg); }

// Collects the pages to invalidate. Each invalidation is a trap into the shim, on PVM
// as dear as a system call (~25 µs), so more than one page is one full flush
// (measured: mmap + touch + munmap of 16 pages, 598 µs with an invlpg per page, 167
// with one flush).
class Flush {
 public:
  void page(uint64_t va) {
    if (n_ < kMax) pages_[n_] = va;
    ++n_;
  }
  void done() {
    if (n_ > kMax)
      tlb_flush_all();
    else
      for (uint32_t i = 0; i < n_; ++i) tlb_flush_page(pages_[i]);
    n_ = 0;
  }

 private:
  static constexpr uint32_t kMax = 1;
  uint64_t pages_[kMax];
  uint32_t n_ = 0;
};

// The directory entry (level 2) for va, creating the upper tables when `create`.
// nullptr when absent (then *skip_to, if given, is the next address worth a look) or
// when a table cannot be allocated.
uint64_t* pde_slot(uint64_t va, bool create, uint64_t* skip_to = nullptr) {
  uint64_t* t = phys_to_virt<uint64_t>(g_cr3);
  for (int level = 4; level > 2; --level) {
    uint64_t& e = t[index_at(va, level)];
    if (!(e & kPtePresent)) {
      if (!create) {
        if (skip_to) {
          uint64_t span = 1ull << (12 + 9 * (level - 1));
          *skip_to = (va & ~(span - 1)) + span;
        }
        return nullptr;
      }
      uint64_t frame = frame_alloc();
      if (!frame) return nullptr;
      e = frame | kTableFlags;
    }
    t = table_of(e);
  }
  return &t[index_at(va, 2)];
}

// The leaf slot for a small page, creating tables on the way; nullptr when out of
// memory or when a 2 MiB leaf covers va.
uint64_t* pte_slot(uint64_t va) {
  uint64_t* pde = pde_slot(va, true);
  if (!pde || is_large(*pde)) return nullptr;
  if (!*pde) {
    uint64_t frame = frame_alloc();
    if (!frame) return nullptr;
    *pde = frame | kTableFlags;
  }
  return &table_of(*pde)[index_at(va, 1)];
}

// Turns the 2 MiB leaf *pde (of `block`) into a table of 512 small leaves with the
// same frames and rights. The table's frame is allocated, or else `spare` (a frame of
// the large page that the caller is unmapping) becomes the table; false if neither.
bool split_large(uint64_t* pde, uint64_t block, uint64_t spare, Flush& flush) {
  uint64_t e = *pde;
  uint64_t base = e & kLargeAddrMask;
  uint64_t flags = e & kLeafFlagMask & ~kPteLarge;
  uint64_t table = frame_alloc();
  if (!table && !spare) return false;
  frame_split_large(base);
  if (!table) table = spare;
  uint64_t* t = phys_to_virt<uint64_t>(table);
  for (uint32_t i = 0; i < 512; ++i) t[i] = (base + i * kPageSize) | flags;
  if (table == spare) t[(spare - base) / kPageSize] = 0;
  *pde = table | kTableFlags;
  if (e & kPtePresent) flush.page(block);
  return true;
}

// Splits the 2 MiB leaf around `edge` unless edge is a block boundary.
bool split_at_edge(uint64_t edge, Flush& flush) {
  if (edge % kLargePageSize == 0) return true;
  uint64_t* pde = pde_slot(edge, false);
  if (!pde || !is_large(*pde)) return true;
  return split_large(pde, block_of(edge), 0, flush);
}

// Calls fn(va, seg_end, pde) for every block of [start, end) that has a directory entry,
// with [va, seg_end) the part of the range in that block.
template <class Fn>
void for_each_block(uint64_t start, uint64_t end, Fn fn) {
  for (uint64_t va = start; va < end;) {
    uint64_t block_end = block_of(va) + kLargePageSize;
    uint64_t seg_end = end < block_end ? end : block_end;
    uint64_t skip = seg_end;
    uint64_t* pde = pde_slot(va, false, &skip);
    if (pde && *pde) fn(va, seg_end, pde);
    va = pde ? seg_end : skip;
  }
}

}  // namespace

void paging_init(uint64_t cr3) { g_cr3 = cr3; }

void tlb_flush_page(uint64_t va) { shim_op(abi::ShimOp::kInvlpg, va); }
void tlb_flush_all() { shim_op(abi::ShimOp::kFlushTlb, 0); }

uint64_t Leaf::frame() const {
  if (!entry) return 0;
  return *entry & (large ? kLargeAddrMask : kPteAddrMask);
}

Leaf leaf_for(uint64_t va) {
  Leaf leaf;
  uint64_t* pde = pde_slot(va, false);
  if (!pde || !*pde) return leaf;
  if (is_large(*pde)) {
    leaf.entry = pde;
    leaf.large = true;
    return leaf;
  }
  uint64_t* pte = &table_of(*pde)[index_at(va, 1)];
  if (*pte) leaf.entry = pte;
  return leaf;
}

bool map_large(uint64_t va, uint32_t prot) {
  uint64_t* pde = pde_slot(va, true);
  if (!pde) return false;
  uint64_t old = *pde;
  if (old) {
    if (!is_table(old)) return false;
    // A table left empty by earlier unmaps can give way to a large page.
    const uint64_t* t = table_of(old);
    for (uint32_t i = 0; i < 512; ++i)
      if (t[i]) return false;
  }
  uint64_t frame = frame_alloc_large();
  if (!frame) return false;
  *pde = frame | leaf_flags(prot) | kPteLarge;
  if (old) {
    frame_free(old & kPteAddrMask);
    tlb_flush_page(va);
  }
  return true;
}

bool map_small(uint64_t start, uint64_t end, uint64_t required, uint32_t prot, bool all, bool others_accessed) {
  uint64_t* pde = pde_slot(required, true);
  if (!pde) return false;
  if (is_large(*pde)) return true;  // the block is mapped already
  if (!*pde) {
    uint64_t frame = frame_alloc();
    if (!frame) return false;
    *pde = frame | kTableFlags;
  }
  uint64_t* t = table_of(*pde);
  uint64_t flags = leaf_flags(prot);
  auto map_one = [&](uint64_t va) {
    uint64_t& e = t[index_at(va, 1)];
    if (e) return true;
    uint64_t frame = frame_alloc();
    if (!frame) return false;
    e = frame | (others_accessed || va == required ? flags : flags & ~kPteAccessed);
    return true;
  };
  if (!map_one(required)) return false;
  for (uint64_t va = start; va < end; va += kPageSize)
    if (va != required && !map_one(va)) return !all;
  return true;
}

void refresh(uint64_t va, uint32_t prot) {
  Leaf leaf = leaf_for(va);
  if (!leaf.entry) return;
  uint64_t want = (leaf.large ? (*leaf.entry & kLargeAddrMask) | kPteLarge : *leaf.entry & kPteAddrMask) |
                  leaf_flags(prot);
  if (*leaf.entry != want) *leaf.entry = want;
  tlb_flush_page(va);
}

void for_each_accessed(uint64_t start, uint64_t end, void (*fn)(void* ctx, uint64_t va), void* ctx) {
  for_each_block(start, end, [&](uint64_t va, uint64_t seg_end, uint64_t* pde) {
    if (!is_table(*pde)) return;
    const uint64_t* t = table_of(*pde);
    for (uint64_t p = va; p < seg_end; p += kPageSize) {
      uint64_t pte = t[index_at(p, 1)];
      if ((pte & kPtePresent) && (pte & kPteAccessed)) fn(ctx, p);
    }
  });
}

void unmap_range(uint64_t start, uint64_t end) {
  Flush flush;
  for_each_block(start, end, [&](uint64_t va, uint64_t seg_end, uint64_t* pde) {
    uint64_t block = block_of(va);
    bool whole = va == block && seg_end == block + kLargePageSize;
    uint64_t e = *pde;
    if (is_large(e)) {
      if (whole) {
        *pde = 0;
        frame_free_large(e & kLargeAddrMask);
        if (e & kPtePresent) flush.page(block);
        return;
      }
      // Cannot fail: the first page going away is a frame for the table.
      split_large(pde, block, (e & kLargeAddrMask) + (va - block), flush);
      e = *pde;
    }
    if (!is_table(e)) return;
    uint64_t* t = table_of(e);
    for (uint64_t p = va; p < seg_end; p += kPageSize) {
      uint64_t& pte = t[index_at(p, 1)];
      if (!pte) continue;
      uint64_t old = pte;
      pte = 0;
      frame_free(old & kPteAddrMask);
      if (old & kPtePresent) flush.page(p);
    }
    if (whole) {
      *pde = 0;
      frame_free(e & kPteAddrMask);
      flush.page(block);
    }
  });
  flush.done();
}

bool protect_range(uint64_t start, uint64_t end, uint32_t prot) {
  Flush flush;
  bool ok = split_at_edge(start, flush) && split_at_edge(end, flush);
  if (ok) {
    uint64_t flags = leaf_flags(prot);
    for_each_block(start, end, [&](uint64_t va, uint64_t seg_end, uint64_t* pde) {
      uint64_t e = *pde;
      if (is_large(e)) {
        uint64_t want = (e & kLargeAddrMask) | flags | kPteLarge;
        if (want == e) return;
        *pde = want;
        if (needs_flush(e, want)) flush.page(block_of(va));
        return;
      }
      uint64_t* t = table_of(e);
      for (uint64_t p = va; p < seg_end; p += kPageSize) {
        uint64_t& pte = t[index_at(p, 1)];
        if (!pte) continue;
        uint64_t want = (pte & kPteAddrMask) | flags;
        // An untouched page stays so (for_each_accessed).
        if ((pte & kPtePresent) && !(pte & kPteAccessed)) want &= ~kPteAccessed;
        if (want == pte) continue;
        uint64_t old = pte;
        pte = want;
        if (needs_flush(old, want)) flush.page(p);
      }
    });
  }
  flush.done();
  return ok;
}

bool move_range(uint64_t from, uint64_t to, uint64_t len) {
  // Enough frames for every table the move may need (destination tables, upper
  // levels, source splits), so that it never stops half-way.
  if (frames_free_count() < 2 * (len / kLargePageSize) + (len >> 29) + 16) return false;
  Flush flush;
  bool ok = true;
  for_each_block(from, from + len, [&](uint64_t va, uint64_t seg_end, uint64_t* spde) {
    if (!ok) return;
    uint64_t block = block_of(va);
    uint64_t dst = to + (va - from);
    uint64_t e = *spde;
    if (is_large(e)) {
      if (va == block && seg_end == block + kLargePageSize && dst % kLargePageSize == 0) {
        uint64_t* dpde = pde_slot(dst, true);
        if (!dpde) {
          ok = false;
          return;
        }
        if (*dpde) {
          // Only an empty table can be there: the destination is unmapped.
          frame_free(*dpde & kPteAddrMask);
          flush.page(dst);
        }
        *dpde = e;
        *spde = 0;
        if (e & kPtePresent) flush.page(block);
        return;
      }
      if (!split_large(spde, block, 0, flush)) {
        ok = false;
        return;
      }
      e = *spde;
    }
    uint64_t* t = table_of(e);
    for (uint64_t p = va; p < seg_end; p += kPageSize) {
      uint64_t& pte = t[index_at(p, 1)];
      if (!pte) continue;
      uint64_t* d = pte_slot(to + (p - from));
      if (!d) {
        ok = false;
        return;
      }
      *d = pte;
      uint64_t old = pte;
      pte = 0;
      if (old & kPtePresent) flush.page(p);
    }
  });
  flush.done();
  if (!ok) panic("move_range: out of page-table frames after the check");
  return true;
}

}  // namespace burrow::kernel::mm
