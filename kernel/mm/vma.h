// The program's memory areas (VMAs): an ordered array of page-granular,
// non-overlapping areas with Linux protections, flags and backing, split and merged
// as Linux does. Pure bookkeeping: no page tables and no kernel headers, so this file
// and vma.cc also build into the host unit tests (tests/unit/vma_test.cc). The
// caller changes the pages itself (mm/paging.h) after the areas changed.
#pragma once

#include <cstdint>

namespace burrow::kernel::mm {

// ABI: Linux's PROT_* bits.
inline constexpr uint32_t kProtRead = 1, kProtWrite = 2, kProtExec = 4;
inline constexpr uint32_t kProtMask = kProtRead | kProtWrite | kProtExec;

inline constexpr uint64_t kVmaPageSize = 4096;
// Linux's stack_guard_gap (256 pages): no mapping is placed, and no stack grows,
// closer than this below a grows-down area.
inline constexpr uint64_t kStackGuardGap = 256 * kVmaPageSize;

// What an area is for (Linux shows these as [heap], [stack] ...).
enum class VmaKind : uint8_t { kImage = 1, kStack = 2, kBrk = 3, kAnon = 4, kVvar = 5, kVdso = 6 };

// Vma::flags. Areas merge only when all flags agree, as Linux's vm_flags do.
inline constexpr uint16_t kVmaShared = 1u << 0;      // MAP_SHARED
inline constexpr uint16_t kVmaGrowsDown = 1u << 1;   // the stack, MAP_GROWSDOWN
inline constexpr uint16_t kVmaNoHugePage = 1u << 2;  // MAP_STACK, MADV_NOHUGEPAGE: 4 KiB pages only
inline constexpr uint16_t kVmaNoReserve = 1u << 3;   // MAP_NORESERVE: never charged
inline constexpr uint16_t kVmaAccount = 1u << 4;     // charged against memory (Linux's VM_ACCOUNT)

struct Vma {
  uint64_t start;        // page-aligned
  uint64_t end;          // page-aligned, exclusive
  uint64_t file;         // the mapped file, opaque here; 0 for anonymous memory
  uint64_t file_offset;  // offset of `start` in `file` (anonymous: Linux's pgoff, the address)
  uint32_t prot;         // kProt* bits
  uint16_t flags;        // kVma* bits
  VmaKind kind;
  uint8_t reserved = 0;

  uint64_t size() const { return end - start; }
  bool contains(uint64_t addr) const { return start <= addr && addr < end; }
};

// The sorted array of areas over caller-provided storage. Every operation either
// completes or changes nothing (false: the table would overflow, Linux's ENOMEM for
// max_map_count). Lookups are O(log n), edits O(n) moves: fine for the few hundred
// areas programs use; runtimes with tens of thousands would want a tree.
class VmaMap {
 public:
  constexpr VmaMap(Vma* storage, uint32_t capacity) : v_(storage), cap_(capacity) {}

  uint32_t size() const { return n_; }
  uint32_t capacity() const { return cap_; }
  const Vma& operator[](uint32_t i) const { return v_[i]; }

  // The area containing addr, or nullptr.
  const Vma* find(uint64_t addr) const;
  // The first area ending above addr (it may start above it), or nullptr: Linux's find_vma.
  const Vma* find_next(uint64_t addr) const;
  // The last area starting below addr, or nullptr.
  const Vma* find_prev(uint64_t addr) const;
  // True when [start, end) intersects no area.
  bool range_free(uint64_t start, uint64_t end) const;
  // True when every page of [start, end) lies in some area.
  bool range_mapped(uint64_t start, uint64_t end) const;

  // Where an area begins as far as placing others goes: a grows-down area keeps
  // kStackGuardGap free below itself (Linux's vm_start_gap).
  static uint64_t start_gap(const Vma& v);

  // Adds `v` over a free range, merging it with compatible neighbours.
  bool insert(const Vma& v);
  // Removes [start, end) from every area it touches, trimming and splitting them.
  bool remove(uint64_t start, uint64_t end);
  // Calls fn(Vma&) on each area part inside [start, end) (after splitting at start and
  // end), then merges what became compatible. Parts outside areas are skipped.
  template <class Fn>
  bool modify(uint64_t start, uint64_t end, Fn fn);
  // True when modify(start, end, ...) has the room it needs.
  bool can_modify(uint64_t start, uint64_t end) const {
    return n_ + splits_needed(start) + splits_needed(end) <= cap_;
  }
  // Moves the start of the area beginning at `area_start` down to `new_start` (a
  // grows-down area expanding); the range in between must be free.
  bool grow_down(uint64_t area_start, uint64_t new_start);

  // Placement: the highest (lowest) start of a free range of `size` bytes inside
  // [low, high), respecting guard gaps; 0 when there is none.
  uint64_t find_gap_topdown(uint64_t size, uint64_t low, uint64_t high) const;
  uint64_t find_gap_bottomup(uint64_t size, uint64_t low, uint64_t high) const;

  // True when b can be merged into a (a directly below b).
  static bool mergeable(const Vma& a, const Vma& b);

 private:
  // Index of the first area ending above addr (n_ if none).
  uint32_t lower_bound(uint64_t addr) const;
  // Splits the area containing addr so that addr becomes a boundary (needs a free slot).
  void split_at(uint64_t addr);
  void insert_at(uint32_t i, const Vma& v);
  void erase(uint32_t i, uint32_t count);
  // Merges areas i and i+1 if compatible; true if merged.
  bool try_merge(uint32_t i);
  // Number of entries a split at addr would add (0 or 1).
  uint32_t splits_needed(uint64_t addr) const;

  Vma* v_;
  uint32_t cap_;
  uint32_t n_ = 0;
};

template <class Fn>
bool VmaMap::modify(uint64_t start, uint64_t end, Fn fn) {
  if (start >= end) return true;
  if (n_ + splits_needed(start) + splits_needed(end) > cap_) return false;
  split_at(start);
  split_at(end);
  uint32_t first = lower_bound(start);
  uint32_t last = first;
  for (; last < n_ && v_[last].start < end; ++last) fn(v_[last]);
  if (last == first) return true;
  // Merge from the right so indices below stay valid: areas first-1 .. last may combine.
  uint32_t lo = first > 0 ? first - 1 : 0;
  for (uint32_t i = last < n_ ? last : n_ - 1; i-- > lo;) try_merge(i);
  return true;
}

}  // namespace burrow::kernel::mm

namespace burrow::kernel::mm {

// ---- Kernel only (defined in mm/fault.cc) ----
inline constexpr uint32_t kMaxVmas = 65530;  // Linux's default vm.max_map_count
// The program's areas.
VmaMap& program_vmas();
// Boot: an area the monitor set up (kImage, or kStack, which grows down).
// With `file` (opaque, as Vma::file): the pages not yet present are read from it
// at `file_offset` on first touch.
bool vma_insert(uint64_t start, uint64_t end, uint32_t prot, VmaKind kind, uint64_t file = 0,
                uint64_t file_offset = 0);

}  // namespace burrow::kernel::mm
