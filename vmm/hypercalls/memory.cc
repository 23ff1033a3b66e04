// Memory hypercalls: returning freed guest frames to the host, huge pages behind
// the guest's large ones.
#include "hypercalls/memory.h"

#include <sys/mman.h>

#include <cerrno>

#include "burrow/abi/hypercall.h"
#include "burrow/abi/layout.h"

namespace burrow::hypercalls {

int64_t release_memory(const memory::GuestMemory& mem, uint64_t cr3, uint64_t ranges_va, uint64_t count) {
  if (count > abi::kMaxMemoryRanges) return -EINVAL;
  abi::MemoryRange ranges[abi::kMaxMemoryRanges];
  if (!memory::read_virtual(mem, cr3, ranges_va, ranges, count * sizeof(abi::MemoryRange))) return -EFAULT;
  for (uint64_t i = 0; i < count; ++i) {
    const abi::MemoryRange& r = ranges[i];
    if ((r.phys | r.bytes) % abi::kPageSize || r.bytes == 0 || !mem.at(r.phys, r.bytes)) return -EINVAL;
  }
  for (uint64_t i = 0; i < count; ++i) {
    // SAFETY: checked above to lie inside guest memory, page-aligned; the guest
    // gave these frames up, and a guest that lies only zeroes its own memory.
    if (::madvise(mem.at(ranges[i].phys, ranges[i].bytes), ranges[i].bytes, MADV_DONTNEED) != 0) return -errno;
  }
  return 0;
}

int64_t advise_large(const memory::GuestMemory& mem, uint64_t /*cr3*/, uint64_t phys, uint64_t bytes) {
  if ((phys | bytes) % abi::kLargePageSize || bytes == 0 || !mem.at(phys, bytes)) return -EINVAL;
  // SAFETY: inside guest memory (checked); advice changes no contents.
  if (::madvise(mem.at(phys, bytes), bytes, MADV_HUGEPAGE) != 0) return -errno;
  return 0;
}

}  // namespace burrow::hypercalls
