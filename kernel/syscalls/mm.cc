// Memory system calls, served entirely in the guest with Linux's semantics (checks in
// Linux's order, the same errnos, the same placement): areas in the VMA map, pages on
// demand (mm/fault.cc) or at once for MAP_POPULATE, freed memory back to the host.
#include "boot.h"
#include "fs/fdtable.h"
#include "fs/file.h"
#include "burrow/abi/layout.h"
#include "hypercall.h"
#include "mm/fault.h"
#include "mm/frames.h"
#include "mm/paging.h"
#include "mm/rewrite.h"
#include "mm/vma.h"
#include "syscalls/brk.h"
#include "syscalls/handlers.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

using abi::kLargePageSize;
using abi::kPageSize;
using abi::kUserEnd;
using mm::Vma;
using mm::VmaKind;
using mm::VmaMap;

// ABI: Linux's mmap flags (asm-generic/mman-common.h, asm/mman.h, linux/mman.h).
constexpr int kMapShared = 0x01, kMapPrivate = 0x02, kMapSharedValidate = 0x03, kMapDroppable = 0x08,
              kMapTypeMask = 0x0f, kMapFixed = 0x10, kMapAnonymous = 0x20, kMap32Bit = 0x40,
              kMapAbove4G = 0x80, kMapGrowsDown = 0x0100, kMapLocked = 0x2000, kMapNoReserve = 0x4000,
              kMapPopulate = 0x8000, kMapNonBlock = 0x10000, kMapStack = 0x20000, kMapHugeTlb = 0x40000,
              kMapFixedNoreplace = 0x100000;
constexpr int kProtSem = 0x8, kProtGrowsDown = 0x01000000, kProtGrowsUp = 0x02000000;
constexpr int kMremapMaymove = 1, kMremapFixed = 2, kMremapDontunmap = 4;
constexpr int kMsAsync = 1, kMsInvalidate = 2, kMsSync = 4;
constexpr int kMlockOnFault = 1;
constexpr int kMclCurrent = 1, kMclFuture = 2, kMclOnFault = 4;
enum Advice : int {
  kMadvNormal = 0, kMadvRandom = 1, kMadvSequential = 2, kMadvWillneed = 3, kMadvDontneed = 4,
  kMadvFree = 8, kMadvRemove = 9, kMadvDontfork = 10, kMadvDofork = 11, kMadvMergeable = 12,
  kMadvUnmergeable = 13, kMadvHugepage = 14, kMadvNohugepage = 15, kMadvDontdump = 16, kMadvDodump = 17,
  kMadvWipeonfork = 18, kMadvKeeponfork = 19, kMadvCold = 20, kMadvPageout = 21, kMadvPopulateRead = 22,
  kMadvPopulateWrite = 23, kMadvDontneedLocked = 24, kMadvCollapse = 25, kMadvHwpoison = 100,
  kMadvSoftOffline = 101, kMadvGuardInstall = 102, kMadvGuardRemove = 103,
};

// vm.mmap_min_addr as Debian sets it: MAP_FIXED below it is EPERM. Hints are raised to
// abi::kUserMinAddr, as the security module's minimum does on Linux.
constexpr uint64_t kMmapMinAddr = 0x1000;
// Linux's TASK_UNMAPPED_BASE, where placement goes bottom-up when top-down finds nothing.
constexpr uint64_t kUnmappedBase = (kUserEnd / 3 + kPageSize - 1) & ~(kPageSize - 1);
// A program break growth is mapped at once up to this much: malloc touches it soon,
// and one guest fault costs as much as mapping dozens of pages (measured: growing
// by 132 KiB and touching it, 3.3-3.6 µs per page this way, 4.0-7.1 on faults).
constexpr uint64_t kBrkPopulateBytes = 1 << 20;
// Small private read-write mappings are mapped at once too: allocators write to them
// right after mmap (headers, then the block), which would fault anyway (measured:
// mmap + touch + munmap of 1 page 113 -> 82 µs, of 16 pages 194 -> 127 µs).
constexpr uint64_t kSmallPopulateBytes = 64 * 1024;

constinit uint64_t g_brk_start = 0;
constinit uint64_t g_brk = 0;

constexpr uint64_t page_up(uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }
constexpr bool page_aligned(uint64_t v) { return (v & (kPageSize - 1)) == 0; }

VmaMap& vmas() { return mm::program_vmas(); }

// Linux's heuristic overcommit (vm.overcommit_memory=0): one request for more than
// all of memory is refused; anything smaller is granted and served on demand.
bool may_commit(uint64_t bytes) { return bytes / kPageSize <= mm::frames_total_count(); }

// A mapped file holds one reference (fs::file_get) while any area maps it.
bool file_mapped(uint64_t file) {
  for (uint32_t i = 0; i < vmas().size(); ++i)
    if (vmas()[i].file == file) return true;
  return false;
}

// Removes [start, end) from the areas and the page tables (munmap's core), and lets
// go of files no area maps any more.
bool unmap(uint64_t start, uint64_t end) {
  constexpr uint32_t kMaxFiles = 16;
  uint64_t files[kMaxFiles];
  uint32_t n = 0;
  for (const Vma* v = vmas().find_next(start); v && v->start < end && n < kMaxFiles; v = vmas().find_next(v->end)) {
    bool seen = false;
    for (uint32_t i = 0; i < n; ++i) seen = seen || files[i] == v->file;
    if (v->file && !seen) files[n++] = v->file;
  }
  mm::write_back(start, end);
  if (!vmas().remove(start, end)) return false;
  mm::unmap_range(start, end);
  // NOTE: a single munmap over more than kMaxFiles mapped files keeps the extra ones
  // referenced (open on the host) until the program exits.
  for (uint32_t i = 0; i < n; ++i)
    if (!file_mapped(files[i])) fs::file_put(reinterpret_cast<fs::File*>(files[i]));
  return true;
}

// The checks mmap makes of a file descriptor; *file is the description to map.
int64_t check_file_mapping(int fd, int type, int prot, uint64_t* file) {
  fs::File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  constexpr uint32_t kAccMode = 3, kWrOnly = 1, kRdWr = 2, kPathFlag = 010000000;
  if (f->flags & kPathFlag) return -EBADF;
  if (f->kind != fs::FileKind::kHost || f->is_dir) return -ENODEV;
  uint32_t mode = f->flags & kAccMode;
  if (mode == kWrOnly) return -EACCES;
  if (type != kMapShared && type != kMapPrivate && type != kMapSharedValidate) return -EINVAL;
  if (type != kMapPrivate && (prot & mm::kProtWrite) && mode != kRdWr) return -EACCES;
  *file = reinterpret_cast<uint64_t>(f);
  return 0;
}

// Linux's get_unmapped_area for anonymous memory: the hint if it is free, else the
// highest free range below the mmap base (2 MiB-aligned for a private request of a
// whole number of 2 MiB without a hint, as Linux does for transparent huge pages),
// else bottom-up from TASK_UNMAPPED_BASE. Returns the address or -ENOMEM.
int64_t place(uint64_t hint, uint64_t size, int flags) {
  if (size > kUserEnd) return -ENOMEM;
  if (flags & kMap32Bit) {
    // x86-64 MAP_32BIT: bottom-up in the second GiB.
    constexpr uint64_t kBegin = 0x40000000, kEnd = 0x80000000;
    if (size > kEnd) return -ENOMEM;
    if (hint) {
      hint = page_up(hint);
      const Vma* next = vmas().find_next(hint);
      if (kEnd - size >= hint && (!next || hint + size <= VmaMap::start_gap(*next))) return static_cast<int64_t>(hint);
    }
    uint64_t a = vmas().find_gap_bottomup(size, kBegin, kEnd);
    return a ? static_cast<int64_t>(a) : -ENOMEM;
  }
  if (hint) {
    hint &= ~(kPageSize - 1);
    if (hint < abi::kUserMinAddr) hint = abi::kUserMinAddr;
    const Vma* next = vmas().find_next(hint);
    if (size <= kUserEnd - hint && (!next || hint + size <= VmaMap::start_gap(*next)))
      return static_cast<int64_t>(hint);
  }
  uint64_t low = (flags & kMapAbove4G) ? (1ull << 32) : abi::kUserMinAddr;
  // Only without a hint (a refused hint searches unaligned).
  bool thp_align = !hint && !(flags & kMapShared) && size % kLargePageSize == 0;
  if (thp_align && size <= kUserEnd - kLargePageSize) {
    uint64_t a = vmas().find_gap_topdown(size + kLargePageSize, low, abi::kUserMmapTop);
    if (a) {
      // ABI: Linux's __thp_get_unmapped_area, top-down flavour.
      uint64_t off = (0 - a) & (kLargePageSize - 1);
      return static_cast<int64_t>(off ? a + off : a + kLargePageSize);
    }
  }
  uint64_t a = vmas().find_gap_topdown(size, low, abi::kUserMmapTop);
  if (!a) a = vmas().find_gap_bottomup(size, low > kUnmappedBase ? low : kUnmappedBase, kUserEnd);
  return a ? static_cast<int64_t>(a) : -ENOMEM;
}

// Moves [addr, addr+old_size) of the area containing addr to the free range at dst,
// new_size long (Linux's move_vma): the frames move, not the bytes.
int64_t move_mapping(uint64_t addr, uint64_t old_size, uint64_t dst, uint64_t new_size, bool dontunmap) {
  const Vma* src = vmas().find(addr);
  if (!src) return -EFAULT;
  Vma moved = *src;
  moved.file_offset = src->file_offset + (addr - src->start);
  moved.start = dst;
  moved.end = dst + new_size;
  // Moved away, it is no longer the [stack] or the [heap] (its flags stay, as Linux's).
  if (moved.kind == VmaKind::kStack || moved.kind == VmaKind::kBrk) moved.kind = VmaKind::kAnon;
  if (vmas().size() + 2 > vmas().capacity()) return -ENOMEM;
  if (!mm::move_range(addr, dst, old_size)) return -ENOMEM;
  if (!vmas().insert(moved)) panic("mremap: destination not free");
  // DONTUNMAP leaves the old range mapped and empty: it reads as zeros.
  if (!dontunmap) unmap(addr, addr + old_size);
  mm::frames_release_idle();
  return static_cast<int64_t>(dst);
}

// The size checks of Linux's vma_to_resize, for the area v holding addr.
int64_t check_resize(const Vma& v, uint64_t addr, uint64_t old_size, uint64_t new_size) {
  if (old_size == 0) {
    if (!(v.flags & mm::kVmaShared)) return -EINVAL;
    return unsupported("mremap with old_size 0 (duplicating a shared mapping)");
  }
  if (old_size > v.end - addr) return -EFAULT;
  if (new_size > old_size && (v.flags & mm::kVmaAccount) && !may_commit(new_size - old_size)) return -ENOMEM;
  return 0;
}

// mremap with MREMAP_FIXED or MREMAP_DONTUNMAP (Linux's mremap_to).
int64_t mremap_to(uint64_t addr, uint64_t old_size, uint64_t new_addr, uint64_t new_size, int flags) {
  if (!page_aligned(new_addr)) return -EINVAL;
  if (new_size > kUserEnd || new_addr > kUserEnd - new_size) return -EINVAL;
  if (addr + old_size > new_addr && new_addr + new_size > addr) return -EINVAL;
  if (vmas().size() + 2 >= mm::kMaxVmas - 3) return -ENOMEM;
  if (flags & kMremapFixed) {
    if (!unmap(new_addr, new_addr + new_size)) return -ENOMEM;
  }
  if (old_size > new_size) {
    if (!unmap(addr + new_size, addr + old_size)) return -ENOMEM;
    old_size = new_size;
  }
  const Vma* v = vmas().find(addr);
  if (!v) return -EFAULT;
  if (int64_t r = check_resize(*v, addr, old_size, new_size); r < 0) return r;
  uint64_t dst = new_addr;
  if (!(flags & kMremapFixed)) {
    int64_t r = place(new_addr, new_size, (v->flags & mm::kVmaShared) ? kMapShared : 0);
    if (r < 0) return r;
    dst = static_cast<uint64_t>(r);
  }
  return move_mapping(addr, old_size, dst, new_size, flags & kMremapDontunmap);
}

}  // namespace

void brk_init(uint64_t start) { g_brk_start = g_brk = start; }

int64_t sys_brk(uint64_t brk) {
  uint64_t orig = g_brk;
  if (brk < g_brk_start || brk > kUserEnd) return static_cast<int64_t>(orig);
  uint64_t newbrk = page_up(brk), oldbrk = page_up(g_brk);
  if (newbrk == oldbrk) {
    g_brk = brk;
    return static_cast<int64_t>(brk);
  }
  if (brk <= g_brk) {
    // Shrinking is always allowed, if the heap is still there.
    const Vma* heap = vmas().find_next(newbrk);
    if (!heap || heap->start >= oldbrk || !unmap(newbrk, oldbrk)) return static_cast<int64_t>(orig);
    g_brk = brk;
    mm::frames_release_idle();
    return static_cast<int64_t>(brk);
  }
  // Growing: leave a page (and any guard gap) before the next area, as Linux does.
  const Vma* next = vmas().find_next(oldbrk);
  if (next && newbrk + kPageSize > VmaMap::start_gap(*next)) return static_cast<int64_t>(orig);
  if (!may_commit(newbrk - oldbrk)) return static_cast<int64_t>(orig);
  Vma heap{oldbrk, newbrk, 0, oldbrk, mm::kProtRead | mm::kProtWrite, mm::kVmaAccount, VmaKind::kBrk};
  if (!vmas().insert(heap)) return static_cast<int64_t>(orig);
  g_brk = brk;
  if (kBrkPopulateBytes)
    mm::populate(oldbrk, newbrk - oldbrk > kBrkPopulateBytes ? oldbrk + kBrkPopulateBytes : newbrk);
  return static_cast<int64_t>(brk);
}

int64_t sys_mmap(uint64_t addr, uint64_t len, int prot, int flags, int fd, int64_t offset) {
  if (!page_aligned(static_cast<uint64_t>(offset))) return -EINVAL;
  if (len == 0) return -EINVAL;
  uint64_t size = page_up(len);
  if (size == 0) return -ENOMEM;
  int type = flags & kMapTypeMask;
  uint64_t file = 0;
  if (!(flags & kMapAnonymous)) {
    if (int64_t r = check_file_mapping(fd, type, prot, &file); r < 0) return r;
    if (type == kMapSharedValidate) type = kMapShared;
  } else if (type == kMapShared) {
    // Anonymous memory: MAP_SHARED_VALIDATE is refused, unknown flags are ignored.
    if (flags & kMapGrowsDown) return -EINVAL;
  } else if (type != kMapPrivate && type != kMapDroppable) {
    return -EINVAL;
  }
  if (flags & kMapHugeTlb) {
    // Linux needs reserved huge pages (vm.nr_hugepages); there are none here.
    unsupported("mmap with MAP_HUGETLB");
    return -ENOMEM;
  }
  if (vmas().size() + 2 > vmas().capacity()) return -ENOMEM;

  uint32_t p = static_cast<uint32_t>(prot) & mm::kProtMask;  // other bits are ignored by mmap
  uint16_t vflags = 0;
  if (type == kMapShared) vflags |= mm::kVmaShared;
  if (flags & kMapGrowsDown) vflags |= mm::kVmaGrowsDown;
  if (flags & kMapStack) vflags |= mm::kVmaNoHugePage;  // as Linux 6.7+ does
  if (flags & kMapNoReserve) vflags |= mm::kVmaNoReserve;
  // Linux charges private writable memory (VM_ACCOUNT) unless MAP_NORESERVE.
  if (type != kMapShared && (p & mm::kProtWrite) && !(flags & kMapNoReserve)) {
    if (!may_commit(size)) return -ENOMEM;
    vflags |= mm::kVmaAccount;
  } else if (type == kMapShared && !may_commit(size)) {
    return -ENOMEM;  // shared memory is always charged
  }

  uint64_t start;
  if (flags & (kMapFixed | kMapFixedNoreplace)) {
    if (!page_aligned(addr)) return -EINVAL;
    if (size > kUserEnd || addr > kUserEnd - size) return -ENOMEM;
    if (addr < kMmapMinAddr) return -EPERM;
    start = addr;
    if (!vmas().range_free(start, start + size)) {
      if (flags & kMapFixedNoreplace) return -EEXIST;
      if (!unmap(start, start + size)) return -ENOMEM;
    }
  } else {
    int64_t r = place(addr, size, flags);
    if (r < 0) return r;
    start = static_cast<uint64_t>(r);
  }
  Vma v{start, start + size, file, file ? static_cast<uint64_t>(offset) : start, p, vflags, VmaKind::kAnon};
  bool new_reference = file && !file_mapped(file);
  if (!vmas().insert(v)) return -ENOMEM;
  if (new_reference) fs::file_get(reinterpret_cast<fs::File*>(file));
  bool want_pages = (flags & kMapLocked) || ((flags & kMapPopulate) && !(flags & kMapNonBlock));
  if (want_pages && p && !mm::populate(start, start + size)) {
    // Burrow refuses what it cannot back, rather than killing the program later.
    unmap(start, start + size);
    mm::frames_release_idle();
    return -ENOMEM;
  }
  if (file && (p & mm::kProtExec) && type == kMapPrivate && reinterpret_cast<fs::File*>(file)->kind == fs::FileKind::kHost)
    mm::rewrite_mapping(start, size, reinterpret_cast<fs::File*>(file)->handle, static_cast<uint64_t>(offset));
  if (!want_pages && size <= kSmallPopulateBytes && p == (mm::kProtRead | mm::kProtWrite) && type != kMapShared &&
      !(flags & (kMapNoReserve | kMapGrowsDown)))
    mm::populate(start, start + size);  // best effort: faults serve what this could not
  return static_cast<int64_t>(start);
}

int64_t sys_munmap(uint64_t addr, uint64_t len) {
  if (!page_aligned(addr) || addr > kUserEnd || len > kUserEnd - addr) return -EINVAL;
  uint64_t size = page_up(len);
  if (size == 0) return -EINVAL;
  if (!unmap(addr, addr + size)) return -ENOMEM;
  mm::frames_release_idle();
  return 0;
}

int64_t sys_mprotect(uint64_t start, uint64_t len, int prot_in) {
  uint32_t prot = static_cast<uint32_t>(prot_in);
  uint32_t grows = prot & (kProtGrowsDown | kProtGrowsUp);
  prot &= ~grows;
  if (grows == (kProtGrowsDown | kProtGrowsUp)) return -EINVAL;
  if (!page_aligned(start)) return -EINVAL;
  if (len == 0) return 0;
  uint64_t end = start + page_up(len);
  if (end <= start) return -ENOMEM;
  if (prot & ~(mm::kProtMask | kProtSem)) return -EINVAL;
  prot &= mm::kProtMask;

  const Vma* v = vmas().find_next(start);
  if (!v || v->start >= end) return -ENOMEM;
  if (grows & kProtGrowsDown) {
    start = v->start;
    if (!(v->flags & mm::kVmaGrowsDown)) return -EINVAL;
  } else {
    if (v->start > start) return -ENOMEM;
    if (grows & kProtGrowsUp) return -EINVAL;
  }
  // Linux changes the areas in order and stops at a hole (or a refused charge) with
  // ENOMEM, keeping what it already changed: find where that is first.
  int64_t error = 0;
  uint64_t stop = start;
  for (const Vma* a = v; a && a->start < end; a = vmas().find_next(a->end)) {
    if (a->start > stop) {
      error = -ENOMEM;
      break;
    }
    // [vvar] can never become writable or executable (Linux: no VM_MAYWRITE/MAYEXEC).
    if (a->kind == mm::VmaKind::kVvar && (prot & (mm::kProtWrite | mm::kProtExec))) {
      error = -EACCES;
      break;
    }
    // A shared mapping of a file opened read-only can never be written (Linux: no
    // VM_MAYWRITE).
    if (a->file && (a->flags & mm::kVmaShared) && (prot & mm::kProtWrite) && !mm::file_writable(a->file)) {
      error = -EACCES;
      break;
    }
    uint64_t part_end = a->end < end ? a->end : end;
    bool charge = (prot & mm::kProtWrite) && !(a->prot & mm::kProtWrite) &&
                  !(a->flags & (mm::kVmaAccount | mm::kVmaNoReserve | mm::kVmaShared));
    if (charge && !may_commit(part_end - (stop > a->start ? stop : a->start))) {
      error = -ENOMEM;
      break;
    }
    stop = part_end;
    if (a->end >= end) break;
  }
  if (!error && stop < end) error = -ENOMEM;
  if (stop > start) {
    if (!vmas().can_modify(start, stop) || !mm::protect_range(start, stop, prot)) return -ENOMEM;
    vmas().modify(start, stop, [&](Vma& a) {
      bool charge = (prot & mm::kProtWrite) && !(a.prot & mm::kProtWrite) &&
                    !(a.flags & (mm::kVmaNoReserve | mm::kVmaShared));
      if (charge) a.flags |= mm::kVmaAccount;
      a.prot = prot;
    });
  }
  return error;
}

int64_t sys_madvise(uint64_t start, uint64_t len_in, int advice) {
  switch (advice) {
    case kMadvNormal: case kMadvRandom: case kMadvSequential: case kMadvWillneed: case kMadvDontneed:
    case kMadvFree: case kMadvRemove: case kMadvDontfork: case kMadvDofork: case kMadvMergeable:
    case kMadvUnmergeable: case kMadvHugepage: case kMadvNohugepage: case kMadvDontdump: case kMadvDodump:
    case kMadvWipeonfork: case kMadvKeeponfork: case kMadvCold: case kMadvPageout: case kMadvPopulateRead:
    case kMadvPopulateWrite: case kMadvDontneedLocked: case kMadvCollapse: case kMadvHwpoison:
    case kMadvSoftOffline: case kMadvGuardInstall: case kMadvGuardRemove:
      break;
    default:
      return -EINVAL;
  }
  if (!page_aligned(start)) return -EINVAL;
  uint64_t len = page_up(len_in);
  if (len_in && !len) return -EINVAL;
  uint64_t end = start + len;
  if (end < start) return -EINVAL;
  if (advice == kMadvHwpoison || advice == kMadvSoftOffline) return -EPERM;  // CAP_SYS_ADMIN
  if (advice == kMadvGuardInstall || advice == kMadvGuardRemove) {
    unsupported("madvise MADV_GUARD_INSTALL/MADV_GUARD_REMOVE");
    return -EINVAL;
  }
  if (end == start) return 0;
  if (advice == kMadvPopulateRead || advice == kMadvPopulateWrite) {
    bool write = advice == kMadvPopulateWrite;
    for (uint64_t va = start; va < end;) {
      const Vma* v = vmas().find(va);
      if (!v) return -ENOMEM;
      if (!(v->prot & mm::kProtMask) || (write && !(v->prot & mm::kProtWrite))) return -EINVAL;
      uint64_t part_end = v->end < end ? v->end : end;
      if (!mm::populate(va, part_end)) return -ENOMEM;
      va = part_end;
    }
    return 0;
  }
  // The rest apply to the mapped parts; a hole makes the result ENOMEM.
  int64_t unmapped = vmas().range_mapped(start, end) ? 0 : -ENOMEM;
  const Vma* first = vmas().find_next(start);
  if (!first || first->start >= end) return -ENOMEM;
  switch (advice) {
    case kMadvDontneed:
    case kMadvDontneedLocked:
    case kMadvFree:
    case kMadvRemove:
      for (uint64_t va = start; va < end;) {
        const Vma* v = vmas().find_next(va);
        if (!v || v->start >= end) break;
        uint64_t part_start = v->start > va ? v->start : va;
        uint64_t part_end = v->end < end ? v->end : end;
        bool shared = v->flags & mm::kVmaShared;
        // FREE is for private anonymous memory only, REMOVE for shared memory only.
        if ((advice == kMadvFree && (shared || v->file)) || (advice == kMadvRemove && !shared)) return -EINVAL;
        // Private pages read as zeros again. Shared anonymous memory keeps its contents
        // under DONTNEED: only its mappings go, and in one address space they would be
        // back at the next touch. FREE lets the pages go whenever memory is wanted,
        // keeping them as they are until then (as Linux does without memory pressure):
        // here that is now if memory is short, else never. Dropping them at once made
        // musl's malloc, which frees with MADV_FREE, fault them all back in.
        bool drop = !shared || advice == kMadvRemove;
        if (advice == kMadvFree) drop = mm::frames_free_count() < mm::frames_total_count() / 4;
        if (drop) mm::unmap_range(part_start, part_end);
        va = part_end;
      }
      mm::frames_release_idle();
      return unmapped;
    case kMadvHugepage:
    case kMadvNohugepage:
      if (!vmas().can_modify(start, end)) return -ENOMEM;
      vmas().modify(start, end, [&](Vma& v) {
        if (advice == kMadvNohugepage)
          v.flags |= mm::kVmaNoHugePage;
        else
          v.flags &= static_cast<uint16_t>(~mm::kVmaNoHugePage);
      });
      return unmapped;
    default:
      // Hints about access patterns, forking, merging, dumping and paging out:
      // nothing to do in a VM without swap or fork.
      return unmapped;
  }
}

int64_t sys_mremap(uint64_t addr, uint64_t old_len, uint64_t new_len, int flags, uint64_t new_addr) {
  if (flags & ~(kMremapMaymove | kMremapFixed | kMremapDontunmap)) return -EINVAL;
  if ((flags & kMremapFixed) && !(flags & kMremapMaymove)) return -EINVAL;
  if ((flags & kMremapDontunmap) && (!(flags & kMremapMaymove) || old_len != new_len)) return -EINVAL;
  if (!page_aligned(addr)) return -EINVAL;
  uint64_t old_size = page_up(old_len), new_size = page_up(new_len);
  if (new_size == 0) return -EINVAL;
  const Vma* v = vmas().find(addr);
  if (!v) return -EFAULT;
  if (flags & (kMremapFixed | kMremapDontunmap)) return mremap_to(addr, old_size, new_addr, new_size, flags);
  if (old_size >= new_size) {
    // Shrinking just unmaps the tail (across areas, as Linux allows).
    if (old_size > new_size && !unmap(addr + new_size, addr + old_size)) return -ENOMEM;
    mm::frames_release_idle();
    return static_cast<int64_t>(addr);
  }
  if (int64_t r = check_resize(*v, addr, old_size, new_size); r < 0) return r;
  uint64_t delta = new_size - old_size;
  if (addr + old_size == v->end && delta <= kUserEnd - v->end && vmas().range_free(v->end, v->end + delta)) {
    Vma tail = *v;
    tail.file_offset = v->file_offset + (v->end - v->start);
    tail.start = v->end;
    tail.end = v->end + delta;
    if (!vmas().insert(tail)) return -ENOMEM;  // it merges into v
    return static_cast<int64_t>(addr);
  }
  if (!(flags & kMremapMaymove)) return -ENOMEM;
  int64_t dst = place(0, new_size, (v->flags & mm::kVmaShared) ? kMapShared : 0);
  if (dst < 0) return dst;
  return move_mapping(addr, old_size, static_cast<uint64_t>(dst), new_size, false);
}

int64_t sys_mincore(uint64_t start, uint64_t len, UserPtr<uint8_t> vec) {
  if (!page_aligned(start)) return -EINVAL;
  if (start > kUserEnd || len > kUserEnd - start) return -ENOMEM;
  uint64_t pages = len / kPageSize + (len % kPageSize != 0);
  if (!vec.prepare(pages, true)) return -EFAULT;
  uint8_t batch[256];
  for (uint64_t done = 0; done < pages;) {
    uint64_t n = pages - done < sizeof(batch) ? pages - done : sizeof(batch);
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t va = start + (done + i) * kPageSize;
      if (!vmas().find(va)) return -ENOMEM;
      batch[i] = mm::resident(va) ? 1 : 0;
    }
    if (!(vec + done).write(batch, n)) return -EFAULT;
    done += n;
  }
  return 0;
}

int64_t sys_msync(uint64_t start, uint64_t len, int flags) {
  if (flags & ~(kMsAsync | kMsInvalidate | kMsSync)) return -EINVAL;
  if (!page_aligned(start)) return -EINVAL;
  if ((flags & kMsAsync) && (flags & kMsSync)) return -EINVAL;
  uint64_t end = start + page_up(len);
  if (end < start) return -ENOMEM;
  if (end == start) return 0;
  // Linux's loop: holes are skipped but make the result ENOMEM (plain MS_ASYNC stops
  // at the first one).
  int64_t unmapped = 0;
  for (;;) {
    const Vma* v = vmas().find_next(start);
    if (!v) return -ENOMEM;
    if (start < v->start) {
      if (flags == kMsAsync) return -ENOMEM;
      start = v->start;
      if (start >= end) return -ENOMEM;
      unmapped = -ENOMEM;
    }
    mm::write_back(start, v->end < end ? v->end : end);
    start = v->end;
    if (start >= end) return unmapped;
  }
}

int64_t sys_mlock(uint64_t start, uint64_t len) { return sys_mlock2(start, len, 0); }

int64_t sys_mlock2(uint64_t start, uint64_t len, int flags) {
  if (flags & ~kMlockOnFault) return -EINVAL;
  // Nothing is ever swapped out here: locking is making the pages present.
  uint64_t end = page_up(start + len);
  start &= ~(kPageSize - 1);
  if (end < start) return -EINVAL;
  if (end == start) return 0;
  if (!vmas().range_mapped(start, end)) return -ENOMEM;
  if (!(flags & kMlockOnFault) && !mm::populate(start, end)) return -ENOMEM;
  return 0;
}

int64_t sys_munlock(uint64_t start, uint64_t len) {
  uint64_t end = page_up(start + len);
  start &= ~(kPageSize - 1);
  if (end < start) return -EINVAL;
  if (end != start && !vmas().range_mapped(start, end)) return -ENOMEM;
  return 0;
}

int64_t sys_mlockall(int flags) {
  if (!flags || (flags & ~(kMclCurrent | kMclFuture | kMclOnFault)) || flags == kMclOnFault) return -EINVAL;
  return 0;  // nothing is ever swapped out; pages stay where the program put them
}

int64_t sys_munlockall() { return 0; }

}  // namespace burrow::kernel
