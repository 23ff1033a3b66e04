// clock_gettime and friends, from the TSC.
#include "clock.h"

#include "burrow/abi/hypercall.h"
#include "hypercall.h"
#include "percpu.h"
#include "syscalls/errno.h"
#include "syscalls/timer.h"
#include "uaccess.h"
#include "syscalls/handlers.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

constexpr int kClockRealtime = 0, kClockMonotonic = 1, kClockProcessCputime = 2, kClockThreadCputime = 3,
              kClockMonotonicRaw = 4, kClockRealtimeCoarse = 5, kClockMonotonicCoarse = 6, kClockBoottime = 7,
              kClockRealtimeAlarm = 8, kClockBoottimeAlarm = 9, kClockTai = 11;

bool clock_now(int clock, int64_t* ns) {
  switch (clock) {
    case kClockRealtime:
    case kClockRealtimeCoarse:
    case kClockRealtimeAlarm:
    case kClockTai:
      *ns = realtime_ns();
      return true;
    case kClockMonotonic:
    case kClockMonotonicRaw:
    case kClockMonotonicCoarse:
    case kClockBoottime:
    case kClockBoottimeAlarm:
      *ns = monotonic_ns();
      return true;
    case kClockProcessCputime:
    case kClockThreadCputime:
      // NOTE: one program on its own vCPU: its CPU time is the time since it booted.
      *ns = monotonic_ns() - boot_monotonic_ns();
      return true;
    default:
      return false;
  }
}

// A struct timespec from the program: -EFAULT, -EINVAL (out of range) or 0.
int64_t read_timespec(uint64_t addr, int64_t* ns) {
  int64_t ts[2];
  if (!UserPtr<int64_t>(addr).read(ts, 2)) return -EFAULT;
  if (ts[0] < 0 || ts[1] < 0 || ts[1] >= 1'000'000'000) return -EINVAL;
  constexpr int64_t kMaxSeconds = INT64_MAX / 1'000'000'000 - 1;
  *ns = (ts[0] > kMaxSeconds ? kMaxSeconds : ts[0]) * 1'000'000'000 + ts[1];
  return 0;
}

}  // namespace

// With one thread only the interval timer can end a sleep early: then SIGALRM goes to
// its handler and the call says EINTR with the time left in `rem` (relative sleeps).
int64_t sys_clock_nanosleep(int clock, int flags, uint64_t req, uint64_t rem) {
  constexpr int kTimerAbstime = 1;
  if (clock == kClockThreadCputime) return -EINVAL;
  int64_t now;
  if (!clock_now(clock, &now)) return -EINVAL;
  int64_t ns;
  if (int64_t r = read_timespec(req, &ns); r < 0) return r;
  // ABI: clock_nanosleep returns the error number itself, not -1 and errno; the
  // C library turns our -errno into that.
  int64_t relative = (flags & kTimerAbstime) ? ns - now : ns;
  int64_t wake = monotonic_ns() + relative;
  while (relative > 0) {
    int64_t deadline = timer_deadline();
    bool timer_first = deadline && deadline < wake;
    int64_t until = (timer_first ? deadline : wake) - monotonic_ns();
    if (until > 0) hypercall(abi::Hypercall::kSleep, static_cast<uint64_t>(until));
    if (timer_first) timer_expire();
    relative = wake - monotonic_ns();
    // SIGALRM for a handler, or a signal from outside that cut the sleep short (the
    // monitor said so): EINTR, with the time left.
    if (this_cpu()->signal_pending && relative > 0) {
      int64_t t[2] = {relative / 1'000'000'000, relative % 1'000'000'000};
      if (rem && !(flags & kTimerAbstime) && !UserPtr<int64_t>(rem).write(t, 2)) return -EFAULT;
      return -EINTR;
    }
  }
  return 0;
}

// Linux measures nanosleep on CLOCK_MONOTONIC.
int64_t sys_nanosleep(uint64_t req, uint64_t rem) { return sys_clock_nanosleep(kClockMonotonic, 0, req, rem); }

int64_t sys_clock_gettime(int clock, UserPtr<int64_t> ts) {
  int64_t ns;
  if (!clock_now(clock, &ns)) return -EINVAL;
  int64_t v[2] = {ns / 1'000'000'000, ns % 1'000'000'000};
  return ts.write(v, 2) ? 0 : -EFAULT;
}

int64_t sys_clock_getres(int clock, uint64_t ts) {
  int64_t ns;
  if (!clock_now(clock, &ns)) return -EINVAL;
  int64_t v[2] = {0, 1};
  if (ts && !UserPtr<int64_t>(ts).write(v, 2)) return -EFAULT;
  return 0;
}

int64_t sys_gettimeofday(UserPtr<int64_t> tv, uint64_t tz) {
  int64_t ns = realtime_ns();
  if (!tv.is_null()) {
    int64_t v[2] = {ns / 1'000'000'000, (ns % 1'000'000'000) / 1000};
    if (!tv.write(v, 2)) return -EFAULT;
  }
  if (tz) {
    int32_t zone[2] = {0, 0};  // the kernel's timezone is UTC unless settimeofday set it
    if (!UserPtr<int32_t>(tz).write(zone, 2)) return -EFAULT;
  }
  return 0;
}

int64_t sys_time(uint64_t tloc) {
  int64_t t = realtime_ns() / 1'000'000'000;
  if (tloc && !UserPtr<int64_t>(tloc).write(t)) return -EFAULT;
  return t;
}

}  // namespace burrow::kernel
