// The program's memory areas: an ordered array of page-granular, non-overlapping
// areas with Linux protections. Small and simple; the memory issue replaces it.
#pragma once

#include <cstdint>

namespace burrow::kernel::mm {

enum class VmaKind : uint32_t { kImage = 1, kStack = 2, kBrk = 3, kAnon = 4 };

struct Vma {
  uint64_t start;
  uint64_t end;
  uint32_t prot;  // PROT_READ | PROT_WRITE | PROT_EXEC
  VmaKind kind;
};

inline constexpr uint32_t kMaxVmas = 4096;

const Vma* vma_find(uint64_t addr);
// True when [start, end) intersects no area.
bool vma_range_free(uint64_t start, uint64_t end);
// Adds an area over a free range; false when the table is full.
bool vma_insert(uint64_t start, uint64_t end, uint32_t prot, VmaKind kind);
// Removes [start, end) from every area it touches, splitting them; unmaps the pages.
bool vma_remove(uint64_t start, uint64_t end);
// Changes the protection of [start, end), which must be fully covered (else false).
bool vma_protect(uint64_t start, uint64_t end, uint32_t prot);
// The highest free gap of `size` bytes that ends at or below `below`; 0 if none.
uint64_t vma_find_gap_topdown(uint64_t size, uint64_t below, uint64_t above);
uint32_t vma_count();

}  // namespace burrow::kernel::mm
