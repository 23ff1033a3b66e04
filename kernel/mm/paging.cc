// Page-table edits. Each write to a page-table page is expensive on PVM (shadow
// paging traps it), so callers batch: flush once for a range, not once per page.
#include "mm/paging.h"

#include "burrow/abi/layout.h"
#include "mm/frames.h"
#include "shim_call.h"

namespace burrow::kernel::mm {
namespace {

constinit uint64_t g_cr3 = 0;

inline void shim_op(abi::ShimOp op, uint64_t arg) { shim_call(static_cast<uint64_t>(op), arg); }

}  // namespace

void paging_init(uint64_t cr3) { g_cr3 = cr3; }

uint64_t* pte_for(uint64_t va, bool create) {
  uint64_t table = g_cr3;
  for (int level = 4; level > 1; --level) {
    uint64_t* t = phys_to_virt<uint64_t>(table);
    uint64_t& e = t[(va >> (12 + 9 * (level - 1))) & 511];
    if (!(e & kPtePresent)) {
      if (!create) return nullptr;
      uint64_t frame = frame_alloc();
      if (!frame) return nullptr;
      e = frame | kPtePresent | kPteWrite | kPteUser;
    }
    table = e & kPteAddrMask;
  }
  return &phys_to_virt<uint64_t>(table)[(va >> 12) & 511];
}

uint64_t pte_flags_for(uint32_t prot) {
  uint64_t flags = kPtePresent | kPteUser;
  if (prot & 2) flags |= kPteWrite;   // PROT_WRITE
  if (!(prot & 4)) flags |= kPteNoExec;  // PROT_EXEC
  return flags;
}

void tlb_flush_page(uint64_t va) { shim_op(abi::ShimOp::kInvlpg, va); }
void tlb_flush_all() { shim_op(abi::ShimOp::kFlushTlb, 0); }

namespace {

// Beyond this many pages one full flush is cheaper than page-by-page invlpg.
constexpr uint64_t kFlushAllThreshold = 16;

template <class Fn>
uint64_t for_each_present(uint64_t start, uint64_t end, Fn fn) {
  uint64_t touched = 0;
  for (uint64_t va = start; va < end;) {
    // Skip whole missing page tables quickly.
    uint64_t* pte = pte_for(va, false);
    if (!pte) {
      va = (va + (2ull << 20)) & ~((2ull << 20) - 1);
      continue;
    }
    // A PROT_NONE page is not present but keeps its frame: it still counts.
    if (*pte & kPteAddrMask) {
      fn(va, pte);
      ++touched;
    }
    va += abi::kPageSize;
  }
  return touched;
}

void flush_range(uint64_t start, uint64_t end, uint64_t touched) {
  if (touched == 0) return;
  if (touched > kFlushAllThreshold) {
    tlb_flush_all();
    return;
  }
  for (uint64_t va = start; va < end; va += abi::kPageSize) tlb_flush_page(va);
}

}  // namespace

void unmap_range(uint64_t start, uint64_t end) {
  uint64_t n = for_each_present(start, end, [](uint64_t, uint64_t* pte) {
    frame_free(*pte & kPteAddrMask);
    *pte = 0;
  });
  flush_range(start, end, n);
}

void protect_range(uint64_t start, uint64_t end, uint32_t prot) {
  uint64_t flags = pte_flags_for(prot);
  uint64_t n = for_each_present(start, end, [&](uint64_t, uint64_t* pte) {
    if (prot == 0) {
      // PROT_NONE keeps the frame (the contents survive) but removes all access.
      *pte = (*pte & kPteAddrMask) | kPteNoExec;
    } else {
      *pte = (*pte & kPteAddrMask) | flags;
    }
  });
  flush_range(start, end, n);
}

bool populate_page(uint64_t va, uint32_t prot) {
  uint64_t* pte = pte_for(va, true);
  if (!pte) return false;
  if (*pte & kPteAddrMask) return true;
  uint64_t frame = frame_alloc();
  if (!frame) return false;
  *pte = frame | pte_flags_for(prot);
  return true;
}

}  // namespace burrow::kernel::mm
