// Page faults, stack growth and user-pointer validation over the program's areas.
//
// On PVM a guest page fault costs 20-40 µs (bench/mm.sh), native first touch ~2 µs,
// so one fault maps as much as it can without changing what the program sees: a
// whole 2 MiB page when its area covers the aligned block (then ~1 µs per 4 KiB
// touched), else 4 KiB pages around the fault, more of them for sequential touches.
#include "mm/fault.h"

#include "boot.h"
#include "lib/heap.h"
#include "burrow/abi/layout.h"
#include "burrow/abi/hypercall.h"
#include "hypercall.h"
#include "mm/frames.h"
#include "mm/paging.h"
#include "mm/vma.h"

namespace burrow::kernel::mm {
namespace {

using abi::kLargePageSize;
using abi::kPageSize;

constexpr uint64_t kErrWrite = 1u << 1;
constexpr uint64_t kErrReserved = 1u << 3;
constexpr uint64_t kErrFetch = 1u << 4;
// Small pages: a fault maps the 16 pages around it (Linux's fault_around_bytes); a
// fault right where the previous one's pages ended is a sequential toucher, whose
// window doubles up to a page table's worth, like readahead.
constexpr uint64_t kFaultAroundPages = 16;
constexpr uint64_t kFileFaultAroundPages = 256;
constexpr uint64_t kFaultAheadMaxPages = 512;
constexpr int kRlimitStack = 3;  // ABI: RLIMIT_STACK

constinit Vma g_vma_storage[kMaxVmas] = {};
constinit VmaMap g_vmas(g_vma_storage, kMaxVmas);

// A fault on a page that is mapped as the area allows repeats only if the TLB held a
// stale entry; more than a few in a row at one address is a bug, not a retry.
constinit uint64_t g_spurious_addr = 0;
constinit uint32_t g_spurious_count = 0;

// Where the last fault's pages ended, and how many pages it mapped.
constinit uint64_t g_sequential_next = 0;
constinit uint64_t g_sequential_pages = 0;

constinit uint64_t g_profiled_pages = 0;
constexpr uint64_t kProfilePages = abi::kMaxPageProfileBytes * 8;
constexpr uint64_t kShadowPrefetchPages = 8;  // KVM's PTE_PREFETCH_NUM

uint64_t page_of(uint64_t va) { return va & ~(kPageSize - 1); }
uint64_t min64(uint64_t a, uint64_t b) { return a < b ? a : b; }
uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

bool allows(const Vma& v, bool write, bool fetch) {
  if (write) return v.prot & kProtWrite;
  if (fetch) return v.prot & kProtExec;
  return v.prot & kProtMask;  // x86: write and exec imply read
}

bool large_allowed(const Vma& v, uint64_t block) {
  // File-backed pages come from the file, 4 KiB at a time.
  return v.file == 0 && !(v.flags & kVmaNoHugePage) && block >= v.start && block + kLargePageSize <= v.end;
}

uint64_t stack_limit() { return boot_info().rlimits[kRlimitStack][0]; }

// Linux's expand_stack: an access below a grows-down area extends it, within
// RLIMIT_STACK and never closer than the guard gap to the area below.
const Vma* grow_down_to(uint64_t addr) {
  const Vma* next = g_vmas.find_next(addr);
  if (!next || !(next->flags & kVmaGrowsDown)) return nullptr;
  uint64_t page = page_of(addr);
  if (page < abi::kUserMinAddr || next->end - page > stack_limit()) return nullptr;
  const Vma* prev = g_vmas.find_prev(addr);
  if (prev && !(prev->flags & kVmaGrowsDown) && (prev->prot & kProtMask) && page - prev->end < kStackGuardGap)
    return nullptr;
  if (!g_vmas.grow_down(next->start, page)) return nullptr;
  return g_vmas.find(addr);
}

// Adds one page to a list of runs, extending the last run when the frame, the file
// offset and the mapping all continue it.
void add_page_run(abi::FileFill* runs, uint32_t& n, uint64_t frame, uint64_t offset, uint64_t bias = 0) {
  abi::FileFill* last = n ? &runs[n - 1] : nullptr;
  if (last && last->phys + last->len == frame && last->offset + last->len == offset && last->bias == bias &&
      last->len < kLargePageSize)
    last->len += kPageSize;
  else
    runs[n++] = {frame, offset, kPageSize, bias};
}

// The pages of one file to read, from any of its areas, sent in as few hypercalls as
// fit.
class FileFillBatch {
 public:
  explicit FileFillBatch(uint64_t file) : file_(file) {}
  ~FileFillBatch() { flush(); }
  void add(const Vma& v, uint64_t va, uint64_t frame) {
    // A full list goes before it could need one more run.
    if (runs_ == abi::kMaxFileFills) flush();
    add_page_run(fills_, runs_, frame, v.file_offset + (va - v.start), v.start - v.file_offset);
  }
  void flush() {
    // NOTE: a read error leaves zeros where Linux would raise SIGBUS on access.
    if (runs_) fill_from_file(file_, fills_, runs_);
    runs_ = 0;
  }

 private:
  static constinit inline abi::FileFill fills_[abi::kMaxFileFills] = {};
  uint64_t file_;
  uint32_t runs_ = 0;
};

// map_small for an area backed by a file; the pages that get frames are read from
// the file through `fill`. Pages besides `required` are marked untouched unless
// `others_accessed`. Returns the pages mapped, or -1 as map_small's false (the pages
// it did map before running out are filled all the same: none stays zero).
int64_t map_file_run(const Vma& v, uint64_t lo, uint64_t hi, uint64_t required, bool all, bool others_accessed,
                     FileFillBatch& fill) {
  static constinit uint64_t missing[kFaultAheadMaxPages] = {};
  uint32_t n = 0;
  for (uint64_t p = lo; p < hi; p += kPageSize)
    if (!leaf_for(p).frame()) missing[n++] = p;
  bool ok = map_small(lo, hi, required, v.prot, all, others_accessed);
  int64_t mapped = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t frame = leaf_for(missing[i]).frame();
    if (!frame) continue;  // a best-effort page that did not get one
    fill.add(v, missing[i], frame);
    ++mapped;
  }
  return ok ? mapped : -1;
}

// The same, read in one hypercall.
bool map_file_pages(const Vma& v, uint64_t lo, uint64_t hi, uint64_t required, bool all,
                    bool others_accessed = true) {
  FileFillBatch fill(v.file);
  return map_file_run(v, lo, hi, required, all, others_accessed, fill) >= 0;
}

// Page profiles (vmm/fs/page_profiles.h). The first fault in a file fills every page
// that earlier runs touched in all the areas mapping it, in one exit, instead
// of faulting through windows of pages the program mostly never reads. The pages a
// window maps beyond that get no Accessed bit: the CPU (under shadow paging, KVM) sets
// it when the program touches one, and at exit those join the profile. KVM prefetches
// only accessed guest entries, so each such page costs a shadow fault when first
// touched: once, until the profile has it.
bool profiled(const uint8_t* bits, uint64_t bytes, uint64_t index) {
  return index < bytes * 8 && (bits[index / 8] >> (index % 8)) & 1;
}

// Whether prefetch_area fills page va of area v. KVM's shadow MMU, on a fault,
// prefetches the entries of the fault's aligned group of kShadowPrefetchPages from its
// first, up to the first one that is not present and accessed. So a group with two or
// more profiled pages is filled from its start to its last profiled page (one shadow
// fault, ~8 µs on PVM, instead of one per page: cheaper than copying the few extra
// pages); a lone page alone.
bool prefetch_wanted(const Vma& v, const uint8_t* bits, uint64_t bytes, uint64_t va) {
  uint64_t first = v.file_offset / kPageSize;
  uint64_t end = min64(v.end, v.start + (bytes * 8 > first ? (bytes * 8 - first) * kPageSize : 0));
  uint64_t group = va & ~(kShadowPrefetchPages * kPageSize - 1);
  uint64_t count = 0, last = 0;
  for (uint64_t p = max64(group, v.start); p < min64(group + kShadowPrefetchPages * kPageSize, end); p += kPageSize)
    if (profiled(bits, bytes, first + (p - v.start) / kPageSize)) ++count, last = p;
  return count > 1 ? va <= last : count == 1 && va == last;
}

// Maps the profiled pages of area v that have none, to be filled through `fill`;
// stops quietly when memory runs short (the fault itself then reports it).
void prefetch_area(const Vma& v, const uint8_t* bits, uint64_t bytes, FileFillBatch& fill) {
  uint64_t first = v.file_offset / kPageSize;
  if (first >= bytes * 8) return;
  uint64_t end = min64(v.end, v.start + (bytes * 8 - first) * kPageSize);
  auto wanted = [&](uint64_t va) { return prefetch_wanted(v, bits, bytes, va); };
  for (uint64_t va = v.start; va < end;) {
    if (!wanted(va)) {
      va += kPageSize;
      continue;
    }
    // A run of wanted pages inside one 2 MiB block (map_small's unit).
    uint64_t block_end = (va & ~(kLargePageSize - 1)) + kLargePageSize;
    uint64_t run_end = va + kPageSize;
    while (run_end < min64(end, block_end) && wanted(run_end)) run_end += kPageSize;
    int64_t mapped = map_file_run(v, va, run_end, va, false, true, fill);
    if (mapped < 0) return;
    g_profiled_pages += mapped;
    va = run_end;
  }
}

// Shared mappings are written back page by page: nothing goes there untouched.
bool prefetchable(const Vma& v, uint64_t file) {
  return v.file == file && (v.prot & kProtMask) && !(v.flags & kVmaShared);
}

}  // namespace

void prefetch_file(uint64_t file) {
  bool mapped = false;
  for (uint32_t i = 0; i < g_vmas.size() && !mapped; ++i) mapped = prefetchable(g_vmas[i], file);
  if (!mapped) return;
  uint64_t bytes = 0;
  bool first = false;
  const uint8_t* bits = file_page_profile(file, &bytes, &first);
  if (!first || !bits) return;
  FileFillBatch fill(file);
  for (uint32_t i = 0; i < g_vmas.size(); ++i)
    if (prefetchable(g_vmas[i], file)) prefetch_area(g_vmas[i], bits, bytes, fill);
}

namespace {

// Gives the page a frame (the area allows the access); false when out of memory.
bool fault_in(uint64_t page, const Vma& v) {
  if (leaf_for(page).entry) {
    // It has a frame: the fault came from a stale TLB entry (rights were raised
    // without a flush) or stale rights; rewrite and invalidate.
    if (g_spurious_addr == page && ++g_spurious_count > 8) panic("page fault repeats on a mapped page");
    if (g_spurious_addr != page) g_spurious_count = 0;
    g_spurious_addr = page;
    refresh(page, v.prot);
    return true;
  }
  uint64_t block = page & ~(kLargePageSize - 1);
  if (large_allowed(v, block) && map_large(block, v.prot)) return true;
  if (v.file) {
    prefetch_file(v.file);
    if (leaf_for(page).frame()) return true;
  }
  uint64_t lo, hi;
  if (page == g_sequential_next) {
    g_sequential_pages = min64(g_sequential_pages * 2, kFaultAheadMaxPages);
    lo = page;
    hi = page + g_sequential_pages * kPageSize;
  } else {
    // File pages come from the host's page cache in one exit however many there
    // are: a wider window there saves faults (each costs tens of µs on PVM).
    uint64_t around = v.file ? kFileFaultAroundPages : kFaultAroundPages;
    g_sequential_pages = around;
    lo = page & ~(around * kPageSize - 1);
    hi = lo + around * kPageSize;
  }
  lo = max64(max64(lo, v.start), block);
  hi = min64(min64(hi, v.end), block + kLargePageSize);
  g_sequential_next = hi;
  if (v.file) return map_file_pages(v, lo, hi, page, false, /*others_accessed=*/false);
  return map_small(lo, hi, page, v.prot, false);
}

}  // namespace

VmaMap& program_vmas() { return g_vmas; }

bool vma_insert(uint64_t start, uint64_t end, uint32_t prot, VmaKind kind, uint64_t file, uint64_t file_offset) {
  Vma v{start, end, file, file ? file_offset : start, prot, 0, kind};
  if (kind == VmaKind::kStack) v.flags = kVmaGrowsDown | kVmaAccount;
  else if (prot & kProtWrite) v.flags = kVmaAccount;
  return g_vmas.insert(v);
}

void out_of_memory() {
  hypercall(abi::Hypercall::kOutOfMemory);
  for (;;) asm volatile("ud2");
}

FaultResult handle_page_fault(uint64_t addr, uint64_t error_code) {
  if (error_code & kErrReserved) panic("page fault on a reserved bit: corrupt page tables");
  if (addr >= abi::kUserEnd) return FaultResult::kMapError;
  const Vma* v = g_vmas.find(addr);
  if (!v && !(v = grow_down_to(addr))) return FaultResult::kMapError;
  if (!allows(*v, error_code & kErrWrite, error_code & kErrFetch)) return FaultResult::kAccessError;
  if (!fault_in(page_of(addr), *v)) out_of_memory();
  return FaultResult::kHandled;
}

bool populate(uint64_t start, uint64_t end) {
  for (uint64_t va = start; va < end;) {
    const Vma* v = g_vmas.find_next(va);
    if (!v || v->start >= end) return true;
    if (va < v->start) va = v->start;
    uint64_t stop = min64(end, v->end);
    if (!(v->prot & kProtMask)) {
      va = stop;
      continue;
    }
    while (va < stop) {
      uint64_t block = va & ~(kLargePageSize - 1), block_end = block + kLargePageSize;
      if (va == block && block_end <= stop && large_allowed(*v, block) && map_large(block, v->prot)) {
        va = block_end;
        continue;
      }
      uint64_t seg_end = min64(stop, block_end);
      if (!(v->file ? map_file_pages(*v, va, seg_end, va, true) : map_small(va, seg_end, va, v->prot, true)))
        return false;
      va = seg_end;
    }
  }
  return true;
}

void write_back(uint64_t start, uint64_t end) {
  static constinit abi::FileFill runs[abi::kMaxFileFills] = {};
  for (const Vma* v = g_vmas.find_next(start); v && v->start < end; v = g_vmas.find_next(v->end)) {
    if (!v->file || !(v->flags & kVmaShared) || !file_writable(v->file)) continue;
    uint32_t n = 0;
    auto flush = [&] {
      if (n) write_to_file(v->file, runs, n);
      n = 0;
    };
    for (uint64_t p = max64(start, v->start); p < min64(end, v->end); p += kPageSize) {
      Leaf leaf = leaf_for(p);
      uint64_t frame = leaf.frame();
      if (!frame) continue;
      // Mapped around a fault and never touched since (the Accessed bit stays clear
      // until the program uses the page): its bytes are the file's as they were
      // then, and writing them back would undo later writes to the file.
      if (leaf.present() && !(*leaf.entry & kPteAccessed)) continue;
      // A full list is sent before it could need one more run.
      if (n == abi::kMaxFileFills) flush();
      add_page_run(runs, n, frame, v->file_offset + (p - v->start));
    }
    flush();
  }
}

void record_page_profiles() {
  struct Fresh {
    uint64_t file;
    uint8_t* bits;  // kMaxPageProfileBytes, kmalloc'd
    uint64_t bytes;
  };
  static constinit Fresh fresh[abi::kMaxPageProfileUpdates] = {};
  static constinit abi::PageProfileUpdate updates[abi::kMaxPageProfileUpdates] = {};
  struct Walk {
    const Vma* v;
    Fresh* slot;
    const uint8_t* have;
    uint64_t have_bytes;
    uint32_t* count;
  };
  uint32_t count = 0;
  for (uint32_t i = 0; i < g_vmas.size(); ++i) {
    const Vma& v = g_vmas[i];
    if (!v.file || (v.flags & kVmaShared) || file_profile_handle(v.file) == abi::kNoHandle) continue;
    uint64_t first = v.file_offset / kPageSize;
    if (first >= kProfilePages) continue;
    Walk w{&v, nullptr, nullptr, 0, &count};
    w.have = file_known_page_profile(v.file, &w.have_bytes);
    for (uint32_t j = 0; j < count; ++j)
      if (fresh[j].file == v.file) w.slot = &fresh[j];
    uint64_t end = min64(v.end, v.start + (kProfilePages - first) * kPageSize);
    for_each_accessed(v.start, end, [](void* ctx, uint64_t va) {
      auto& w = *static_cast<Walk*>(ctx);
      uint64_t index = w.v->file_offset / kPageSize + (va - w.v->start) / kPageSize;
      if (profiled(w.have, w.have_bytes, index)) return;
      // Filled ahead around profiled pages, with the Accessed bit set up front: touched
      // or not, nobody knows, and it is filled again next time anyway.
      if (w.have && prefetch_wanted(*w.v, w.have, w.have_bytes, va)) return;
      if (!w.slot) {
        if (*w.count == abi::kMaxPageProfileUpdates) return;
        auto* bits = static_cast<uint8_t*>(kmalloc(abi::kMaxPageProfileBytes));
        if (!bits) return;
        w.slot = &fresh[(*w.count)++];
        *w.slot = {w.v->file, bits, 0};
      }
      w.slot->bits[index / 8] |= static_cast<uint8_t>(1u << (index % 8));
      w.slot->bytes = max64(w.slot->bytes, index / 8 + 1);
    }, &w);
  }
  for (uint32_t j = 0; j < count; ++j)
    updates[j] = {file_profile_handle(fresh[j].file), reinterpret_cast<uint64_t>(fresh[j].bits), fresh[j].bytes};
  if (count) hypercall(abi::Hypercall::kAddPageProfiles, reinterpret_cast<uint64_t>(updates), count);
  for (uint32_t j = 0; j < count; ++j) kfree(fresh[j].bits, abi::kMaxPageProfileBytes);
}

uint64_t take_profiled_pages() {
  uint64_t n = g_profiled_pages;
  g_profiled_pages = 0;
  return n;
}

bool resident(uint64_t va) { return leaf_for(va).frame() != 0; }

bool user_prepare(uint64_t addr, uint64_t len, bool write) {
  if (len == 0) return true;
  if (addr >= abi::kUserEnd || len > abi::kUserEnd - addr) return false;
  uint64_t end = addr + len;
  const Vma* v = nullptr;
  for (uint64_t page = page_of(addr); page < end; page += kPageSize) {
    uint64_t a = page < addr ? addr : page;
    if (!v || !v->contains(a)) {
      v = g_vmas.find(a);
      if (!v && !(v = grow_down_to(a))) return false;
      if (!allows(*v, write, false)) return false;
    }
    Leaf leaf = leaf_for(page);
    if (leaf.present() && (!write || leaf.writable())) continue;
    if (!fault_in(page, *v)) out_of_memory();
  }
  return true;
}

int64_t user_strnlen(uint64_t addr, uint64_t max) {
  uint64_t n = 0;
  while (n < max) {
    uint64_t page_left = kPageSize - ((addr + n) & (kPageSize - 1));
    if (!user_prepare(addr + n, 1, false)) return -1;
    const char* p = reinterpret_cast<const char*>(addr + n);
    for (uint64_t i = 0; i < page_left && n < max; ++i, ++n)
      if (p[i] == '\0') return static_cast<int64_t>(n);
  }
  return static_cast<int64_t>(max);
}

}  // namespace burrow::kernel::mm
