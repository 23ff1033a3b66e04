// Fills the vDSO's data page through the direct map (the program's mapping of it is
// read-only). Boot only: the program may munmap [vvar] later, and its frame then goes
// back to the allocator, so nothing here keeps writing to it.
#include "vdso/vvar.h"

#include "boot.h"
#include "burrow/abi/layout.h"
#include "burrow/abi/vdso.h"
#include "mm/frames.h"

namespace burrow::kernel {

void vvar_publish_clock(uint64_t tsc_ref, uint64_t mult, uint32_t shift, int64_t realtime_ref_ns,
                        int64_t monotonic_ref_ns) {
  uint64_t phys = boot_info().vvar_phys;
  if (!phys || phys + abi::kVvarSize > boot_info().memory_size) return;
  // SAFETY: the monitor gave this frame to [vvar] alone; the direct map covers it.
  volatile abi::VvarData* v = mm::phys_to_virt<abi::VvarData>(phys);
  // A seqlock write, so that a reader never mixes old and new fields.
  v->seq = v->seq + 1;
  asm volatile("" ::: "memory");
  v->tsc_ref = tsc_ref;
  v->mult = mult;
  v->shift = shift;
  v->realtime_ref_ns = realtime_ref_ns;
  v->monotonic_ref_ns = monotonic_ref_ns;
  v->tz_minuteswest = 0;  // the kernel's timezone is UTC (sys_gettimeofday)
  v->tz_dsttime = 0;
  v->clock_mode = abi::kVclockTsc;
  asm volatile("" ::: "memory");
  v->seq = v->seq + 1;
}

}  // namespace burrow::kernel
