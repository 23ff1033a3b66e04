// TSC → nanoseconds with a multiply and a shift (no division on the hot path).
#include "clock.h"

#include "burrow/abi/vdso.h"
#include "vdso/vvar.h"

namespace burrow::kernel {
namespace {

constexpr int kShift = 24;
constinit uint64_t g_mult = 0;
constinit uint64_t g_tsc_ref = 0;
constinit int64_t g_realtime_ref = 0;
constinit int64_t g_monotonic_ref = 0;
constinit int64_t g_boot_monotonic = 0;

int64_t since_ref_ns() {
  // The vDSO computes the same (kernel/vdso/image/vdso.cc).
  return abi::clock_elapsed_ns(rdtsc(), g_tsc_ref, g_mult, kShift);
}

}  // namespace

void time_init(const abi::BootInfo& boot) {
  g_mult = (1'000'000'000ull << kShift) / (boot.tsc_hz ? boot.tsc_hz : 1'000'000'000ull);
  g_tsc_ref = boot.tsc_ref;
  g_realtime_ref = boot.realtime_ref_ns;
  g_monotonic_ref = boot.monotonic_ref_ns;
  g_boot_monotonic = monotonic_ns();
  vvar_publish_clock(g_tsc_ref, g_mult, kShift, g_realtime_ref, g_monotonic_ref);
}

int64_t monotonic_ns() { return g_monotonic_ref + since_ref_ns(); }
int64_t realtime_ns() { return g_realtime_ref + since_ref_ns(); }
int64_t boot_monotonic_ns() { return g_boot_monotonic; }

}  // namespace burrow::kernel
