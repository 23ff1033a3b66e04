// Memory system calls, served entirely in the guest: areas in the VMA table, pages
// on demand (or now, for MAP_POPULATE).
#include "burrow/abi/layout.h"
#include "mm/fault.h"
#include "mm/paging.h"
#include "mm/vma.h"
#include "syscalls/brk.h"
#include "syscalls/handlers.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

using abi::kPageSize;

// ABI: Linux's mmap flags (asm-generic/mman-common.h, asm/mman.h).
constexpr int kMapShared = 0x01, kMapPrivate = 0x02, kMapSharedValidate = 0x03, kMapTypeMask = 0x0f,
              kMapFixed = 0x10, kMapAnonymous = 0x20, kMapPopulate = 0x8000, kMapFixedNoreplace = 0x100000;
constexpr int kProtMask = 0x7;  // PROT_READ | PROT_WRITE | PROT_EXEC
constexpr int kProtGrowsDown = 0x01000000, kProtGrowsUp = 0x02000000;
constexpr int kMremapMaymove = 1, kMremapFixed = 2, kMremapDontunmap = 4;
constexpr int kMadvDontneed = 4, kMadvFree = 8;

constinit uint64_t g_brk_start = 0;
constinit uint64_t g_brk = 0;

constexpr uint64_t page_up(uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }
constexpr bool page_aligned(uint64_t v) { return (v & (kPageSize - 1)) == 0; }

bool populate(uint64_t start, uint64_t end, uint32_t prot) {
  for (uint64_t va = start; va < end; va += kPageSize)
    if (!mm::populate_page(va, prot)) return false;
  return true;
}

}  // namespace

void brk_init(uint64_t start) { g_brk_start = g_brk = start; }

int64_t sys_brk(uint64_t addr) {
  if (addr < g_brk_start) return static_cast<int64_t>(g_brk);
  uint64_t old_top = page_up(g_brk), new_top = page_up(addr);
  if (new_top > old_top) {
    if (new_top > abi::kUserEnd || !mm::vma_range_free(old_top, new_top)) return static_cast<int64_t>(g_brk);
    if (!mm::vma_insert(old_top, new_top, 3, mm::VmaKind::kBrk)) return static_cast<int64_t>(g_brk);
  } else if (new_top < old_top) {
    mm::vma_remove(new_top, old_top);
  }
  g_brk = addr;
  return static_cast<int64_t>(g_brk);
}

int64_t sys_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, int64_t offset) {
  if (len == 0 || !page_aligned(static_cast<uint64_t>(offset))) return -EINVAL;
  int type = flags & kMapTypeMask;
  if (type != kMapShared && type != kMapPrivate && type != kMapSharedValidate) return -EINVAL;
  if (prot & ~(kProtMask | kProtGrowsDown | kProtGrowsUp)) return -EINVAL;
  if (!(flags & kMapAnonymous)) {
    (void)fd;
    return unsupported("mmap of a file (files arrive with the filesystem work)");
  }
  uint64_t size = page_up(len);
  if (size == 0 || size > abi::kUserEnd) return -ENOMEM;
  bool fixed = flags & (kMapFixed | kMapFixedNoreplace);
  uint64_t start;
  if (fixed) {
    if (!page_aligned(addr)) return -EINVAL;
    if (addr < abi::kUserMinAddr || addr > abi::kUserEnd - size) return -ENOMEM;
    start = addr;
    if (!mm::vma_range_free(start, start + size)) {
      if (!(flags & kMapFixed)) return -EEXIST;
      if (!mm::vma_remove(start, start + size)) return -ENOMEM;
    }
  } else {
    uint64_t hint = page_up(addr);
    if (hint >= abi::kUserMinAddr && hint <= abi::kUserEnd - size && mm::vma_range_free(hint, hint + size)) {
      start = hint;
    } else {
      start = mm::vma_find_gap_topdown(size, abi::kUserMmapTop, abi::kUserMinAddr);
      if (!start) return -ENOMEM;
    }
  }
  uint32_t p = static_cast<uint32_t>(prot & kProtMask);
  if (!mm::vma_insert(start, start + size, p, mm::VmaKind::kAnon)) return -ENOMEM;
  if ((flags & kMapPopulate) && p && !populate(start, start + size, p)) {
    mm::vma_remove(start, start + size);
    return -ENOMEM;
  }
  return static_cast<int64_t>(start);
}

int64_t sys_munmap(uint64_t addr, uint64_t len) {
  if (!page_aligned(addr) || len == 0) return -EINVAL;
  uint64_t size = page_up(len);
  if (addr > abi::kUserEnd || size > abi::kUserEnd - addr) return -EINVAL;
  return mm::vma_remove(addr, addr + size) ? 0 : -ENOMEM;
}

int64_t sys_mprotect(uint64_t addr, uint64_t len, int prot) {
  if (!page_aligned(addr)) return -EINVAL;
  if (prot & ~(kProtMask | kProtGrowsDown | kProtGrowsUp)) return -EINVAL;
  uint64_t size = page_up(len);
  if (size < len || addr + size < addr) return -ENOMEM;
  if (size == 0) return 0;
  return mm::vma_protect(addr, addr + size, static_cast<uint32_t>(prot & kProtMask)) ? 0 : -ENOMEM;
}

int64_t sys_madvise(uint64_t addr, uint64_t len, int advice) {
  if (!page_aligned(addr)) return -EINVAL;
  uint64_t size = page_up(len);
  if (advice == kMadvDontneed || advice == kMadvFree) {
    // Private anonymous memory reads as zero afterwards: drop the frames.
    for (uint64_t a = addr; a < addr + size;) {
      const mm::Vma* v = mm::vma_find(a);
      if (!v) return -ENOMEM;
      uint64_t end = v->end < addr + size ? v->end : addr + size;
      mm::unmap_range(a, end);
      a = end;
    }
  }
  return 0;
}

int64_t sys_mremap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, int flags, uint64_t new_addr) {
  if (!page_aligned(old_addr) || (flags & ~(kMremapMaymove | kMremapFixed | kMremapDontunmap))) return -EINVAL;
  if ((flags & (kMremapFixed | kMremapDontunmap)) != 0) return unsupported("mremap with MREMAP_FIXED or MREMAP_DONTUNMAP");
  (void)new_addr;
  uint64_t old_size = page_up(old_len), new_size = page_up(new_len);
  if (new_size == 0) return -EINVAL;
  const mm::Vma* v = mm::vma_find(old_addr);
  if (!v || old_size == 0 || old_addr + old_size > v->end) return -EFAULT;
  uint32_t prot = v->prot;
  mm::VmaKind kind = v->kind;
  if (new_size <= old_size) {
    if (new_size < old_size) mm::vma_remove(old_addr + new_size, old_addr + old_size);
    return static_cast<int64_t>(old_addr);
  }
  uint64_t grow_start = old_addr + old_size;
  if (grow_start + (new_size - old_size) <= abi::kUserEnd &&
      mm::vma_range_free(grow_start, grow_start + (new_size - old_size))) {
    if (!mm::vma_insert(grow_start, old_addr + new_size, prot, kind)) return -ENOMEM;
    return static_cast<int64_t>(old_addr);
  }
  if (!(flags & kMremapMaymove)) return -ENOMEM;
  uint64_t dst = mm::vma_find_gap_topdown(new_size, abi::kUserMmapTop, abi::kUserMinAddr);
  if (!dst || !mm::vma_insert(dst, dst + new_size, prot, kind)) return -ENOMEM;
  // Move the frames, not the bytes: each present page's entry goes to its new place.
  for (uint64_t off = 0; off < old_size; off += kPageSize) {
    uint64_t* from = mm::pte_for(old_addr + off, false);
    if (!from || !(*from & mm::kPteAddrMask)) continue;
    uint64_t* to = mm::pte_for(dst + off, true);
    if (!to) return -ENOMEM;
    *to = *from;
    *from = 0;
  }
  mm::tlb_flush_all();
  mm::vma_remove(old_addr, old_addr + old_size);
  return static_cast<int64_t>(dst);
}

}  // namespace burrow::kernel
