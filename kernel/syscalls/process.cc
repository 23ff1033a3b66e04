// The process: identity, exit, the thread pointer, CPU affinity.
#include "boot.h"
#include "lib/string.h"
#include "burrow/abi/layout.h"
#include "shim_call.h"
#include "syscalls/handlers.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

constinit uint64_t g_fs_base = 0;
constinit uint64_t g_gs_base = 0;
constinit uint64_t g_clear_child_tid = 0;

// ABI: asm/prctl.h
constexpr int kArchSetGs = 0x1001, kArchSetFs = 0x1002, kArchGetFs = 0x1003, kArchGetGs = 0x1004;

void write_fs_base(uint64_t base) {
  if (boot_info().flags & abi::kBootFsGsBase) {
    asm volatile("wrfsbase %0" : : "r"(base) : "memory");
  } else {
    shim_call(static_cast<uint64_t>(abi::ShimOp::kWriteFsBase), base);
  }
}

}  // namespace

int64_t sys_exit(int status) { exit_program(status); }
int64_t sys_exit_group(int status) { exit_program(status); }
int64_t sys_getpid() { return boot_info().pid; }
int64_t sys_gettid() { return boot_info().pid; }
int64_t sys_getppid() { return boot_info().ppid; }
int64_t sys_getuid() { return boot_info().uid; }
int64_t sys_geteuid() { return boot_info().euid; }
int64_t sys_getgid() { return boot_info().gid; }
int64_t sys_getegid() { return boot_info().egid; }
int64_t sys_getpgrp() { return boot_info().pid; }

// The nice value of the one process (and its user's and group's: nobody else here).
constinit int g_nice = 0;

void process_init(const abi::BootInfo& boot) {
  if (boot.flags & abi::kBootExec) g_nice = boot.nice < -20 ? -20 : boot.nice > 19 ? 19 : boot.nice;
}

int64_t sys_getpriority(int which, int who) {
  constexpr int kPrioProcess = 0, kPrioUser = 2;
  if (which < kPrioProcess || which > kPrioUser) return -EINVAL;
  if (who != 0 && static_cast<uint32_t>(who) != (which == kPrioUser ? boot_info().uid : boot_info().pid)) return -ESRCH;
  return 20 - g_nice;  // ABI: the system call returns 20 - nice, never negative
}

int64_t sys_setpriority(int which, int who, int prio) {
  if (int64_t r = sys_getpriority(which, who); r < 0) return r;
  int nice = prio < -20 ? -20 : prio > 19 ? 19 : prio;
  // Raising priority needs CAP_SYS_NICE (root, for this sketch of credentials).
  if (nice < g_nice && boot_info().euid != 0) return -EACCES;
  g_nice = nice;
  return 0;
}

int64_t sys_getgroups(int size, UserPtr<uint32_t> list) {
  const abi::BootInfo& b = boot_info();
  if (size < 0) return -EINVAL;
  if (size == 0) return b.group_count;
  if (static_cast<uint32_t>(size) < b.group_count) return -EINVAL;
  return list.write(b.groups, b.group_count) ? static_cast<int64_t>(b.group_count) : -EFAULT;
}

int64_t sys_set_tid_address(uint64_t tidptr) {
  g_clear_child_tid = tidptr;
  return boot_info().pid;
}

int64_t sys_set_robust_list(uint64_t, uint64_t len) {
  constexpr uint64_t kRobustListHeadSize = 24;
  return len == kRobustListHeadSize ? 0 : -EINVAL;
}

// Restartable sequences are not offered: ENOSYS is what a Linux kernel built without
// CONFIG_RSEQ answers, and glibc and musl carry on without them.
int64_t sys_rseq(uint64_t, uint32_t, int, uint32_t) { return -ENOSYS; }

int64_t sys_arch_prctl(int code, uint64_t addr) {
  switch (code) {
    case kArchSetFs:
      if (addr >= abi::kUserEnd) return -EPERM;
      g_fs_base = addr;
      write_fs_base(addr);
      return 0;
    case kArchGetFs:
      return UserPtr<uint64_t>(addr).write(g_fs_base) ? 0 : -EFAULT;
    case kArchSetGs:
      return unsupported("arch_prctl(ARCH_SET_GS)");
    case kArchGetGs:
      return UserPtr<uint64_t>(addr).write(g_gs_base) ? 0 : -EFAULT;
    default:
      return -EINVAL;
  }
}

int64_t sys_sched_getaffinity(int pid, uint64_t len, UserPtr<uint8_t> mask) {
  if (pid != 0 && static_cast<uint32_t>(pid) != boot_info().pid) return -ESRCH;
  // ABI: the kernel's cpumask is a whole number of longs; shorter buffers are EINVAL.
  constexpr uint64_t kMaskBytes = 8;
  if (len < kMaskBytes || (len & 7)) return -EINVAL;
  uint8_t bytes[kMaskBytes] = {};
  for (uint32_t i = 0; i < boot_info().cpu_count && i < 64; ++i) bytes[i / 8] |= 1u << (i % 8);
  return mask.write(bytes, kMaskBytes) ? static_cast<int64_t>(kMaskBytes) : -EFAULT;
}

int64_t sys_sched_yield() { return 0; }

// Futexes with one thread: nobody else can be waiting, so a wake finds no waiter,
// and a wait whose value matches could only end by its timeout.
int64_t sys_futex(uint64_t uaddr, int op, uint32_t val, uint64_t timeout, uint64_t, uint32_t) {
  constexpr int kWait = 0, kWake = 1, kWaitBitset = 9, kWakeBitset = 10;
  constexpr int kCmdMask = ~(128 | 256);  // FUTEX_PRIVATE_FLAG, FUTEX_CLOCK_REALTIME
  if (uaddr & 3) return -EINVAL;
  switch (op & kCmdMask) {
    case kWake:
    case kWakeBitset:
      return UserPtr<uint32_t>(uaddr).prepare(1, false) ? 0 : -EFAULT;
    case kWait:
    case kWaitBitset: {
      uint32_t current;
      if (!UserPtr<uint32_t>(uaddr).read(&current)) return -EFAULT;
      if (current != val) return -EAGAIN;
      if (timeout) return -ETIMEDOUT;
      return unsupported("futex wait with no other thread to wake it (threads arrive later)");
    }
    default:
      return unsupported("futex operation (threads arrive later)");
  }
}

// A unikernel process never has children (fork is not offered), so every wait
// finds none, exactly as on Linux for a process without children.
int64_t sys_wait4(int, uint64_t, int options, uint64_t) {
  constexpr int kKnown = 0x1 | 0x2 | 0x8 | 0x40000000 | 0x20000000 | 0x80000000;  // WNOHANG WUNTRACED WCONTINUED __W*
  return (options & ~kKnown) ? -EINVAL : -ECHILD;
}

int64_t sys_waitid(int which, int, uint64_t, int options, uint64_t) {
  if (which < 0 || which > 3) return -EINVAL;  // P_ALL P_PID P_PGID P_PIDFD
  constexpr int kKnown = 0x1 | 0x2 | 0x4 | 0x8 | 0x01000000 | 0x40000000 | 0x20000000 | 0x80000000;
  if ((options & ~kKnown) || !(options & (0x2 | 0x4 | 0x8))) return -EINVAL;  // needs WEXITED/WSTOPPED/WCONTINUED
  return -ECHILD;
}

int64_t sys_prctl(int option, uint64_t arg2, uint64_t, uint64_t, uint64_t) {
  // ABI: linux/prctl.h
  constexpr int kSetPdeathsig = 1, kGetPdeathsig = 2, kGetDumpable = 3, kSetDumpable = 4, kSetName = 15,
                kGetName = 16, kSetNoNewPrivs = 38, kGetNoNewPrivs = 39;
  constexpr uint64_t kCommSize = 16;
  static constinit char comm[kCommSize] = {};
  static constinit uint64_t pdeathsig = 0, dumpable = 1, no_new_privs = 0;
  if (!comm[0]) memcpy(comm, boot_info().comm, kCommSize);
  switch (option) {
    case kSetName: {
      char next[kCommSize] = {};
      for (uint64_t i = 0; i + 1 < kCommSize; ++i) {
        if (!UserPtr<char>(arg2 + i).read(&next[i])) return -EFAULT;
        if (!next[i]) break;
      }
      memcpy(comm, next, kCommSize);
      return 0;
    }
    case kGetName:
      return UserPtr<char>(arg2).write(comm, kCommSize) ? 0 : -EFAULT;
    case kSetPdeathsig:
      if (arg2 > 64) return -EINVAL;
      pdeathsig = arg2;
      return 0;
    case kGetPdeathsig:
      return UserPtr<int32_t>(arg2).write(static_cast<int32_t>(pdeathsig)) ? 0 : -EFAULT;
    case kGetDumpable:
      return static_cast<int64_t>(dumpable);
    case kSetDumpable:
      if (arg2 > 1) return -EINVAL;
      dumpable = arg2;
      return 0;
    case kSetNoNewPrivs:
      if (arg2 != 1) return -EINVAL;
      no_new_privs = 1;
      return 0;
    case kGetNoNewPrivs:
      return static_cast<int64_t>(no_new_privs);
    default:
      // Linux answers EINVAL for options it does not know.
      return -EINVAL;
  }
}

}  // namespace burrow::kernel
