// The vDSO: clock_gettime, gettimeofday, time, clock_getres and getcpu run in the
// program's own context with no system call, as Linux's vDSO does
// (arch/x86/entry/vdso). Time is the TSC scaled by the parameters the guest kernel
// put in [vvar] at boot: the very values and formula its clock_gettime uses
// (abi/burrow/abi/vdso.h), so both give the same clock. Clocks served here are
// those the kernel derives from realtime or monotonic; the others (CPU time, the
// alarm clocks, unknown ids) take the real system call, as Linux's vDSO does.
//
// Built on its own as a freestanding shared object (kernel/vdso/CMakeLists.txt,
// vdso.lds), linked at 0 and never relocated: nothing here may need a relocation,
// a library function or writable data. The monitor maps it at abi::kVdsoVirt and
// names it in AT_SYSINFO_EHDR; glibc and musl look the symbols up at LINUX_2.6.
#include <asm/unistd_64.h>

#include <cstdint>

#include "burrow/abi/layout.h"
#include "burrow/abi/vdso.h"

namespace {

using burrow::abi::VvarData;

// ABI: Linux's clock ids, struct timespec, timeval and timezone (x86-64).
constexpr int kClockRealtime = 0, kClockMonotonic = 1, kClockMonotonicRaw = 4, kClockRealtimeCoarse = 5,
              kClockMonotonicCoarse = 6, kClockBoottime = 7, kClockTai = 11;
struct Timespec {
  int64_t sec, nsec;
};
struct Timeval {
  int64_t sec, usec;
};
struct Timezone {
  int32_t minuteswest, dsttime;
};

constexpr int64_t kNsPerSec = 1'000'000'000;

enum class Base { kNone, kRealtime, kMonotonic };

// Which reference a clock counts from, exactly as kernel/syscalls/time.cc does.
Base base_of(int clock) {
  switch (clock) {
    case kClockRealtime:
    case kClockRealtimeCoarse:
    case kClockTai:
      return Base::kRealtime;
    case kClockMonotonic:
    case kClockMonotonicRaw:
    case kClockMonotonicCoarse:
    case kClockBoottime:
      return Base::kMonotonic;
    default:
      return Base::kNone;
  }
}

// The linker defines this at the image's first byte (its ELF header).
extern "C" const char __ehdr_start[] __attribute__((visibility("hidden")));

const volatile VvarData* vvar() {
  // [vvar] lies a fixed distance below the image (layout.h).
  auto image = reinterpret_cast<uintptr_t>(__ehdr_start);
  return reinterpret_cast<const volatile VvarData*>(image - (burrow::abi::kVdsoVirt - burrow::abi::kVvarVirt));
}

inline uint64_t rdtsc() {
  uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t{hi} << 32) | lo;
}

inline void barrier() { asm volatile("" ::: "memory"); }

// The clock's value in ns, or false when [vvar] holds no clock (then the caller asks
// the kernel). A seqlock read: the kernel makes seq odd while it rewrites the page.
bool now_ns(Base base, int64_t* ns) {
  const volatile VvarData* v = vvar();
  for (;;) {
    uint32_t seq = v->seq;
    barrier();
    if (v->clock_mode != burrow::abi::kVclockTsc) return false;
    if (seq & 1) {
      asm volatile("pause");
      continue;
    }
    uint64_t tsc_ref = v->tsc_ref, mult = v->mult;
    uint32_t shift = v->shift;
    int64_t ref = base == Base::kRealtime ? v->realtime_ref_ns : v->monotonic_ref_ns;
    uint64_t tsc = rdtsc();
    barrier();
    if (v->seq != seq) continue;
    *ns = ref + burrow::abi::clock_elapsed_ns(tsc, tsc_ref, mult, shift);
    return true;
  }
}

// ABI: the system call, for what is not served here; returns -errno like the kernel.
long syscall2(long nr, long a, long b) {
  long ret;
  asm volatile("syscall" : "=a"(ret) : "0"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
  return ret;
}

}  // namespace

extern "C" {

int __vdso_clock_gettime(int clock, Timespec* ts) {
  int64_t ns;
  Base base = base_of(clock);
  if (base == Base::kNone || !now_ns(base, &ns))
    return static_cast<int>(syscall2(__NR_clock_gettime, clock, reinterpret_cast<long>(ts)));
  ts->sec = ns / kNsPerSec;
  ts->nsec = ns % kNsPerSec;
  return 0;
}

int __vdso_gettimeofday(Timeval* tv, Timezone* tz) {
  int64_t ns;
  if (!now_ns(Base::kRealtime, &ns))
    return static_cast<int>(syscall2(__NR_gettimeofday, reinterpret_cast<long>(tv), reinterpret_cast<long>(tz)));
  if (tv) {
    tv->sec = ns / kNsPerSec;
    tv->usec = (ns % kNsPerSec) / 1000;
  }
  if (tz) {
    const volatile VvarData* v = vvar();
    tz->minuteswest = v->tz_minuteswest;
    tz->dsttime = v->tz_dsttime;
  }
  return 0;
}

long __vdso_time(long* t) {
  int64_t ns;
  if (!now_ns(Base::kRealtime, &ns)) return syscall2(__NR_time, reinterpret_cast<long>(t), 0);
  long sec = ns / kNsPerSec;
  if (t) *t = sec;
  return sec;
}

int __vdso_clock_getres(int clock, Timespec* res) {
  // The kernel's clocks all tick in nanoseconds (kernel/syscalls/time.cc).
  if (base_of(clock) == Base::kNone || vvar()->clock_mode != burrow::abi::kVclockTsc)
    return static_cast<int>(syscall2(__NR_clock_getres, clock, reinterpret_cast<long>(res)));
  if (res) {
    res->sec = 0;
    res->nsec = 1;
  }
  return 0;
}

// NOTE: one vCPU runs the program today, so it is always on CPU 0, node 0. With
// more, the monitor would give each vCPU its index (Linux: TSC_AUX for RDPID, or a
// per-CPU segment limit for LSL) and this would read it.
long __vdso_getcpu(unsigned* cpu, unsigned* node, void* /*cache*/) {
  if (cpu) *cpu = 0;
  if (node) *node = 0;
  return 0;
}

// ABI: Linux's vDSO also exports the plain names, weak.
int clock_gettime(int, Timespec*) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(Timeval*, Timezone*) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long*) __attribute__((weak, alias("__vdso_time")));
int clock_getres(int, Timespec*) __attribute__((weak, alias("__vdso_clock_getres")));
long getcpu(unsigned*, unsigned*, void*) __attribute__((weak, alias("__vdso_getcpu")));

}  // extern "C"
