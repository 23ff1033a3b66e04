// alarm, setitimer and getitimer (ITIMER_REAL): SIGALRM when the monotonic clock
// passes the deadline. The personality cannot be interrupted, so the deadline is
// checked where the program comes to it: every system call and fault while a timer
// is armed (the rewritten sites then take the full path, which checks), and the
// waits (nanosleep, poll, select, epoll) end at it. A program that computes without
// a system call past its deadline gets SIGALRM at its next call, and a blocking read
// of a host stream is not cut short.
#include "syscalls/timer.h"

#include "clock.h"
#include "syscalls/errno.h"
#include "syscalls/handlers.h"
#include "syscalls/signals.h"
#include "syscalls/syscall.h"
#include "uaccess.h"

namespace burrow::kernel {
namespace {

constexpr int kItimerReal = 0;
constexpr int kSigAlrm = 14;
constexpr int kSiKernel = 0x80;

constinit int64_t g_deadline = 0;  // monotonic ns; 0: disarmed
constinit int64_t g_interval = 0;

void arm(int64_t value_ns, int64_t interval_ns) {
  g_deadline = value_ns > 0 ? monotonic_ns() + value_ns : 0;
  g_interval = value_ns > 0 ? interval_ns : 0;
  // While armed, every call goes through the path that checks the deadline.
  light_path_enable(g_deadline == 0);
}

// The time left and the interval, as Linux reports them (a timer about to fire
// still has a microsecond left).
void current(int64_t* value, int64_t* interval) {
  *interval = g_interval;
  *value = 0;
  if (!g_deadline) return;
  int64_t left = g_deadline - monotonic_ns();
  *value = left > 1000 ? left : 1000;
}

struct TimeVal {  // ABI: struct timeval
  int64_t sec, usec;
};

int64_t to_ns(const TimeVal& t) { return t.sec * 1'000'000'000 + t.usec * 1000; }
TimeVal to_timeval(int64_t ns) { return {ns / 1'000'000'000, (ns % 1'000'000'000 + 999) / 1000}; }

}  // namespace

int64_t timer_deadline() { return g_deadline; }

bool timer_expire() {
  if (!g_deadline || monotonic_ns() < g_deadline) return false;
  if (g_interval) {
    // Overruns are one signal, as on Linux: the next deadline is the first one ahead.
    g_deadline += ((monotonic_ns() - g_deadline) / g_interval + 1) * g_interval;
  } else {
    arm(0, 0);
  }
  raise_signal_from(kSigAlrm, kSiKernel, 0);
  return true;
}

int64_t sys_alarm(uint32_t seconds) {
  int64_t value, interval;
  current(&value, &interval);
  arm(int64_t{seconds} * 1'000'000'000, 0);
  // Linux rounds the time left to the nearest second, and never says 0 for a timer
  // still running.
  int64_t left = (value + 500'000'000) / 1'000'000'000;
  return value && !left ? 1 : left;
}

int64_t sys_setitimer(int which, uint64_t new_value, uint64_t old_value) {
  if (which != kItimerReal) {
    if (which == 1 || which == 2) return unsupported("setitimer of ITIMER_VIRTUAL or ITIMER_PROF");
    return -EINVAL;
  }
  TimeVal next[2] = {};
  if (new_value && !UserPtr<TimeVal>(new_value).read(next, 2)) return -EFAULT;
  for (const TimeVal& t : next)
    if (t.sec < 0 || t.usec < 0 || t.usec >= 1'000'000) return -EINVAL;
  if (old_value) {
    int64_t value, interval;
    current(&value, &interval);
    TimeVal old[2] = {to_timeval(interval), to_timeval(value)};
    if (!UserPtr<TimeVal>(old_value).write(old, 2)) return -EFAULT;
  }
  if (new_value) arm(to_ns(next[1]), to_ns(next[0]));
  return 0;
}

int64_t sys_getitimer(int which, uint64_t value) {
  if (which != kItimerReal) return which == 1 || which == 2 ? unsupported("getitimer of ITIMER_VIRTUAL or ITIMER_PROF")
                                                             : -EINVAL;
  int64_t v, interval;
  current(&v, &interval);
  TimeVal out[2] = {to_timeval(interval), to_timeval(v)};
  return UserPtr<TimeVal>(value).write(out, 2) ? 0 : -EFAULT;
}

}  // namespace burrow::kernel
