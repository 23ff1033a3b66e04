// The vDSO's data page ([vvar] at kVvarVirt, see layout.h): the clock parameters the
// vDSO (kernel/vdso/image) reads in the program's own context, written by the guest
// kernel (kernel/vdso/vvar.cc) at boot from the very values its clock_gettime uses,
// so both give the same clock. Also the arithmetic both sides share.
#pragma once

#include <cstddef>
#include <cstdint>

#include "burrow/abi/layout.h"

namespace burrow::abi {

// VvarData::clock_mode
inline constexpr uint32_t kVclockNone = 0;  // nothing published: the vDSO makes the system call
inline constexpr uint32_t kVclockTsc = 1;   // ns = clock_elapsed_ns(rdtsc, ...) + a reference

// ABI: shared by the kernel and the vDSO image; fields only ever appended.
struct VvarData {
  uint32_t seq;         // odd while the kernel rewrites the fields below (a seqlock)
  uint32_t clock_mode;  // kVclock*
  uint64_t tsc_ref;     // the TSC when the clocks said realtime_ref_ns / monotonic_ref_ns
  uint64_t mult;        // ns since tsc_ref = (tsc - tsc_ref) * mult >> shift
  uint32_t shift;
  int32_t tz_minuteswest;  // gettimeofday's struct timezone
  int64_t realtime_ref_ns;
  int64_t monotonic_ref_ns;
  int32_t tz_dsttime;
  uint32_t reserved;
};
static_assert(offsetof(VvarData, tsc_ref) == 8);
static_assert(offsetof(VvarData, realtime_ref_ns) == 32);
static_assert(sizeof(VvarData) == 56);
static_assert(sizeof(VvarData) <= kVvarSize);

// Nanoseconds since tsc_ref; a TSC that reads behind tsc_ref counts as 0. The one
// formula the kernel's clocks and the vDSO use.
inline int64_t clock_elapsed_ns(uint64_t tsc, uint64_t tsc_ref, uint64_t mult, uint32_t shift) {
  uint64_t delta = tsc - tsc_ref;
  if (static_cast<int64_t>(delta) < 0) delta = 0;
  return static_cast<int64_t>((static_cast<unsigned __int128>(delta) * mult) >> shift);
}

}  // namespace burrow::abi
