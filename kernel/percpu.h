// This vCPU's PerCpu block, found from the stack: the personality always runs on the
// kernel stack inside its vCPU's block.
#pragma once

#include <cstdint>

#include "burrow/abi/percpu.h"

namespace burrow::kernel {

inline abi::PerCpu* this_cpu() {
  auto sp = reinterpret_cast<uint64_t>(__builtin_frame_address(0));
  return reinterpret_cast<abi::PerCpu*>(sp & ~(abi::kPerCpuSize - 1));
}

}  // namespace burrow::kernel
