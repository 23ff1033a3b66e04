// The area table: split at boundaries, operate on whole areas, merge neighbours.
#include "mm/vma.h"

#include "lib/string.h"
#include "mm/paging.h"

namespace burrow::kernel::mm {
namespace {

constinit Vma g_vmas[kMaxVmas] = {};
constinit uint32_t g_count = 0;

// Index of the first area whose end is above addr (g_count if none).
uint32_t first_ending_above(uint64_t addr) {
  uint32_t lo = 0, hi = g_count;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (g_vmas[mid].end <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

bool insert_at(uint32_t i, const Vma& v) {
  if (g_count == kMaxVmas) return false;
  memmove(&g_vmas[i + 1], &g_vmas[i], (g_count - i) * sizeof(Vma));
  g_vmas[i] = v;
  ++g_count;
  return true;
}

void erase_at(uint32_t i, uint32_t n = 1) {
  memmove(&g_vmas[i], &g_vmas[i + n], (g_count - i - n) * sizeof(Vma));
  g_count -= n;
}

// Makes `addr` an area boundary; false when the table is full.
bool split_at(uint64_t addr) {
  uint32_t i = first_ending_above(addr);
  if (i == g_count || g_vmas[i].start >= addr) return true;
  Vma right = g_vmas[i];
  right.start = addr;
  if (!insert_at(i + 1, right)) return false;
  g_vmas[i].end = addr;
  return true;
}

void merge_all() {
  for (uint32_t i = 0; i + 1 < g_count;) {
    Vma& a = g_vmas[i];
    const Vma& b = g_vmas[i + 1];
    if (a.end == b.start && a.prot == b.prot && a.kind == b.kind) {
      a.end = b.end;
      erase_at(i + 1);
    } else {
      ++i;
    }
  }
}

}  // namespace

const Vma* vma_find(uint64_t addr) {
  uint32_t i = first_ending_above(addr);
  if (i < g_count && g_vmas[i].start <= addr) return &g_vmas[i];
  return nullptr;
}

bool vma_range_free(uint64_t start, uint64_t end) {
  uint32_t i = first_ending_above(start);
  return i == g_count || g_vmas[i].start >= end;
}

bool vma_insert(uint64_t start, uint64_t end, uint32_t prot, VmaKind kind) {
  if (!insert_at(first_ending_above(start), Vma{start, end, prot, kind})) return false;
  merge_all();
  return true;
}

bool vma_remove(uint64_t start, uint64_t end) {
  if (!split_at(start) || !split_at(end)) return false;
  uint32_t i = first_ending_above(start);
  uint32_t j = i;
  while (j < g_count && g_vmas[j].end <= end) ++j;
  erase_at(i, j - i);
  unmap_range(start, end);
  return true;
}

bool vma_protect(uint64_t start, uint64_t end, uint32_t prot) {
  uint64_t covered = start;
  for (uint32_t i = first_ending_above(start); i < g_count && covered < end; ++i) {
    if (g_vmas[i].start > covered) break;
    covered = g_vmas[i].end;
  }
  if (covered < end) return false;
  if (!split_at(start) || !split_at(end)) return false;
  for (uint32_t i = first_ending_above(start); i < g_count && g_vmas[i].start < end; ++i) g_vmas[i].prot = prot;
  merge_all();
  protect_range(start, end, prot);
  return true;
}

uint64_t vma_find_gap_topdown(uint64_t size, uint64_t below, uint64_t above) {
  uint64_t top = below;
  for (uint32_t i = g_count; i-- > 0;) {
    const Vma& v = g_vmas[i];
    if (v.start >= top) continue;
    if (v.end <= top && top - v.end >= size && top - size >= above) return top - size;
    if (v.start < top) top = v.start;
  }
  if (top >= above + size) return top - size;
  return 0;
}

uint32_t vma_count() { return g_count; }

}  // namespace burrow::kernel::mm
