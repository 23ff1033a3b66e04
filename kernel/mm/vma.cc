// The area map: binary search to find, memmove to insert and erase, split at
// boundaries, merge compatible neighbours. Host-buildable (see vma.h).
#include "vma.h"

namespace burrow::kernel::mm {

uint32_t VmaMap::lower_bound(uint64_t addr) const {
  uint32_t lo = 0, hi = n_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (v_[mid].end <= addr)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

const Vma* VmaMap::find(uint64_t addr) const {
  uint32_t i = lower_bound(addr);
  return i < n_ && v_[i].start <= addr ? &v_[i] : nullptr;
}

const Vma* VmaMap::find_next(uint64_t addr) const {
  uint32_t i = lower_bound(addr);
  return i < n_ ? &v_[i] : nullptr;
}

const Vma* VmaMap::find_prev(uint64_t addr) const {
  uint32_t i = lower_bound(addr);
  // v_[i] (if any) ends above addr; the one before it ends at or below addr.
  if (i < n_ && v_[i].start < addr) return &v_[i];
  return i > 0 ? &v_[i - 1] : nullptr;
}

bool VmaMap::range_free(uint64_t start, uint64_t end) const {
  uint32_t i = lower_bound(start);
  return i == n_ || v_[i].start >= end;
}

bool VmaMap::range_mapped(uint64_t start, uint64_t end) const {
  uint64_t covered = start;
  for (uint32_t i = lower_bound(start); i < n_ && covered < end; ++i) {
    if (v_[i].start > covered) return false;
    covered = v_[i].end;
  }
  return covered >= end;
}

uint64_t VmaMap::start_gap(const Vma& v) {
  if (!(v.flags & kVmaGrowsDown)) return v.start;
  return v.start > kStackGuardGap ? v.start - kStackGuardGap : 0;
}

bool VmaMap::mergeable(const Vma& a, const Vma& b) {
  return a.end == b.start && a.prot == b.prot && a.flags == b.flags && a.kind == b.kind && a.file == b.file &&
         b.file_offset == a.file_offset + (a.end - a.start);
}

void VmaMap::insert_at(uint32_t i, const Vma& v) {
  __builtin_memmove(&v_[i + 1], &v_[i], (n_ - i) * sizeof(Vma));
  v_[i] = v;
  ++n_;
}

void VmaMap::erase(uint32_t i, uint32_t count) {
  __builtin_memmove(&v_[i], &v_[i + count], (n_ - i - count) * sizeof(Vma));
  n_ -= count;
}

bool VmaMap::try_merge(uint32_t i) {
  if (i + 1 >= n_ || !mergeable(v_[i], v_[i + 1])) return false;
  v_[i].end = v_[i + 1].end;
  erase(i + 1, 1);
  return true;
}

uint32_t VmaMap::splits_needed(uint64_t addr) const {
  const Vma* v = find(addr);
  return v && v->start < addr ? 1 : 0;
}

void VmaMap::split_at(uint64_t addr) {
  uint32_t i = lower_bound(addr);
  if (i == n_ || v_[i].start >= addr) return;
  Vma right = v_[i];
  // Both parts keep describing the same file bytes: the right one starts further in.
  right.file_offset += addr - right.start;
  right.start = addr;
  v_[i].end = addr;
  insert_at(i + 1, right);
}

bool VmaMap::insert(const Vma& v) {
  if (v.start >= v.end || !range_free(v.start, v.end)) return false;
  uint32_t i = lower_bound(v.start);
  bool with_prev = i > 0 && mergeable(v_[i - 1], v);
  bool with_next = i < n_ && mergeable(v, v_[i]);
  if (with_prev && with_next) {
    v_[i - 1].end = v_[i].end;
    erase(i, 1);
  } else if (with_prev) {
    v_[i - 1].end = v.end;
  } else if (with_next) {
    v_[i].start = v.start;
    v_[i].file_offset = v.file_offset;
  } else {
    if (n_ == cap_) return false;
    insert_at(i, v);
  }
  return true;
}

bool VmaMap::remove(uint64_t start, uint64_t end) {
  if (start >= end) return true;
  uint32_t i = lower_bound(start);
  if (i == n_ || v_[i].start >= end) return true;
  Vma& first = v_[i];
  if (first.start < start && first.end > end) {
    // The hole is strictly inside one area: it becomes two.
    if (n_ == cap_) return false;
    Vma right = first;
    right.file_offset += end - right.start;
    right.start = end;
    first.end = start;
    insert_at(i + 1, right);
    return true;
  }
  if (first.start < start) {
    first.end = start;  // keep its head
    ++i;
  }
  uint32_t j = i;
  while (j < n_ && v_[j].end <= end) ++j;
  if (j < n_ && v_[j].start < end) {
    // Keep the tail of the last area touched.
    v_[j].file_offset += end - v_[j].start;
    v_[j].start = end;
  }
  erase(i, j - i);
  return true;
}

bool VmaMap::grow_down(uint64_t area_start, uint64_t new_start) {
  uint32_t i = lower_bound(area_start);
  if (i == n_ || v_[i].start != area_start || new_start >= area_start) return false;
  if (i > 0 && v_[i - 1].end > new_start) return false;
  v_[i].file_offset -= area_start - new_start;
  v_[i].start = new_start;
  if (i > 0) try_merge(i - 1);
  return true;
}

uint64_t VmaMap::find_gap_topdown(uint64_t size, uint64_t low, uint64_t high) const {
  if (size == 0 || high < low || high - low < size) return 0;
  // Walk the gaps from the one just below `high` downwards.
  uint32_t i = lower_bound(high);  // areas from i on end above high
  uint64_t upper = high;
  if (i < n_) {
    uint64_t g = start_gap(v_[i]);
    if (g < upper) upper = g;
  }
  for (;;) {
    uint64_t lower = i > 0 ? v_[i - 1].end : 0;
    if (lower < low) lower = low;
    if (upper > lower && upper - lower >= size) return upper - size;
    if (i == 0 || v_[i - 1].end <= low) return 0;
    --i;
    upper = start_gap(v_[i]);
    if (upper > high) upper = high;
  }
}

uint64_t VmaMap::find_gap_bottomup(uint64_t size, uint64_t low, uint64_t high) const {
  if (size == 0 || high < low || high - low < size) return 0;
  uint32_t i = lower_bound(low);  // the first area ending above low
  uint64_t lower = low;
  if (i > 0 && v_[i - 1].end > lower) lower = v_[i - 1].end;
  for (;;) {
    uint64_t upper = i < n_ ? start_gap(v_[i]) : high;
    if (upper > high) upper = high;
    if (upper > lower && upper - lower >= size) return lower;
    if (i == n_ || v_[i].end >= high) return 0;
    if (v_[i].end > lower) lower = v_[i].end;
    ++i;
  }
}

}  // namespace burrow::kernel::mm
