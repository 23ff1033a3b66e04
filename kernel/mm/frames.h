// The guest's physical frame allocator: never-used frames from a bump pointer (they
// read as zero: the host backs them lazily), recycled ones from a free list threaded
// through the direct map (zeroed again when reused).
#pragma once

#include <cstdint>

namespace burrow::kernel::mm {

void frames_init(uint64_t first_free, uint64_t end);
// A zeroed 4 KiB frame, or 0 when guest memory is exhausted.
uint64_t frame_alloc();
void frame_free(uint64_t phys);
uint64_t frames_free_count();

template <class T = uint8_t>
inline T* phys_to_virt(uint64_t phys);

}  // namespace burrow::kernel::mm

#include "burrow/abi/layout.h"

template <class T>
inline T* burrow::kernel::mm::phys_to_virt(uint64_t phys) {
  return reinterpret_cast<T*>(abi::kDirectMapBase + phys);
}
