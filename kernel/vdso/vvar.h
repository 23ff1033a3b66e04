// The guest kernel's side of the vDSO: it publishes its clock parameters in the
// [vvar] page the monitor mapped read-only into the program (abi/burrow/abi/vdso.h),
// so the vDSO (kernel/vdso/image) computes exactly the clock the kernel does.
#pragma once

#include <cstdint>

namespace burrow::kernel {

// Called by time_init with the values its clocks use: ns since tsc_ref =
// abi::clock_elapsed_ns(tsc, tsc_ref, mult, shift). No-op when there is no [vvar].
void vvar_publish_clock(uint64_t tsc_ref, uint64_t mult, uint32_t shift, int64_t realtime_ref_ns,
                        int64_t monotonic_ref_ns);

}  // namespace burrow::kernel
