// The host side of the memory hypercalls (abi::Hypercall 64 and up). Free functions
// over the guest's memory; the dispatcher in hypercalls.cc calls them.
#pragma once

#include <cstdint>

#include "memory/guest_memory.h"

namespace burrow::hypercalls {

// kReleaseMemory: drops the host pages behind guest-physical ranges the guest freed
// (madvise MADV_DONTNEED: they read as zeros after and cost no host memory until
// touched again). The array is guest virtual, `count` MemoryRange entries; every range
// is checked before any is released. Returns 0, -EFAULT or -EINVAL.
int64_t release_memory(const memory::GuestMemory& mem, uint64_t cr3, uint64_t ranges_va, uint64_t count);

// kAdviseLarge: asks the host for transparent huge pages behind [phys, phys+bytes),
// which the guest maps with 2 MiB pages. Returns 0 or -EINVAL (or the host's errno).
int64_t advise_large(const memory::GuestMemory& mem, uint64_t cr3, uint64_t phys, uint64_t bytes);

}  // namespace burrow::hypercalls
