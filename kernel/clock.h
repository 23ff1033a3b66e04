// Guest clocks: the TSC scaled by the monitor's calibration; no VM exit.
#pragma once

#include <cstdint>

#include "burrow/abi/boot_info.h"

namespace burrow::kernel {

// The guest's time stamp counter (rdtsc works at CPL 3 here).
inline uint64_t rdtsc() {
  uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t{hi} << 32) | lo;
}

void time_init(const abi::BootInfo& boot);
int64_t monotonic_ns();
int64_t realtime_ns();
// monotonic_ns() when the program started.
int64_t boot_monotonic_ns();

}  // namespace burrow::kernel
