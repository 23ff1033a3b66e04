// The guest's physical frame allocator, in 2 MiB chunks: a chunk is free, one large
// (2 MiB) frame, or split into 512 small (4 KiB) frames tracked by bitmaps. All the
// bookkeeping lives in a table of its own, never in the free frames, so that freed
// memory can go back to the host untouched. Frames that were never used, or that went
// back to the host, read as zero; recycled ones are zeroed when reused.
#pragma once

#include <cstdint>

#include "burrow/abi/layout.h"

namespace burrow::kernel::mm {

// Takes [first_free, end) of guest-physical memory.
void frames_init(uint64_t first_free, uint64_t end);
// A zeroed 4 KiB frame, or 0 when guest memory is exhausted.
uint64_t frame_alloc();
void frame_free(uint64_t phys);
// A zeroed 2 MiB frame, or 0 when no whole chunk is free or memory is getting low
// (then small frames serve, so nothing fails early for want of a large one).
uint64_t frame_alloc_large();
void frame_free_large(uint64_t phys);
// A large frame becomes 512 small frames, all in use (a 2 MiB page split in parts).
void frame_split_large(uint64_t phys);

uint64_t frames_free_count();   // in 4 KiB frames
uint64_t frames_total_count();  // all the frames the allocator manages

// Gives freed memory back to the host (one hypercall for many ranges) once enough of
// it waits, so the monitor's RSS follows what the program really uses. Cheap when
// there is nothing to do; called after the system calls that free memory.
void frames_release_idle();

template <class T = uint8_t>
inline T* phys_to_virt(uint64_t phys) {
  return reinterpret_cast<T*>(abi::kDirectMapBase + phys);
}

}  // namespace burrow::kernel::mm
