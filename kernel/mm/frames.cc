// Physical frames: bump allocation of untouched memory, then a free list.
#include "mm/frames.h"

#include "lib/string.h"

namespace burrow::kernel::mm {
namespace {

constinit uint64_t g_bump = 0;
constinit uint64_t g_end = 0;
constinit uint64_t g_free_list = 0;  // physical address of the first free frame
constinit uint64_t g_free_count = 0;

}  // namespace

void frames_init(uint64_t first_free, uint64_t end) {
  g_bump = (first_free + abi::kPageSize - 1) & ~(abi::kPageSize - 1);
  g_end = end & ~(abi::kPageSize - 1);
}

uint64_t frame_alloc() {
  if (g_free_list) {
    uint64_t phys = g_free_list;
    g_free_list = *phys_to_virt<uint64_t>(phys);
    --g_free_count;
    memset(phys_to_virt(phys), 0, abi::kPageSize);
    return phys;
  }
  if (g_bump >= g_end) return 0;
  uint64_t phys = g_bump;
  g_bump += abi::kPageSize;
  return phys;
}

void frame_free(uint64_t phys) {
  *phys_to_virt<uint64_t>(phys) = g_free_list;
  g_free_list = phys;
  ++g_free_count;
}

uint64_t frames_free_count() { return g_free_count + (g_end - g_bump) / abi::kPageSize; }

}  // namespace burrow::kernel::mm
