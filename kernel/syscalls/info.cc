// What the program may ask about its world: uname, limits, randomness, its own path.
#include "boot.h"
#include "clock.h"
#include "mm/frames.h"
#include "hypercall.h"
#include "lib/string.h"
#include "syscalls/handlers.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

constinit uint64_t g_rlimits[abi::kRlimitCount][2] = {};
constinit bool g_rlimits_loaded = false;

uint64_t (*rlimits())[2] {
  if (!g_rlimits_loaded) {
    memcpy(g_rlimits, boot_info().rlimits, sizeof(g_rlimits));
    g_rlimits_loaded = true;
  }
  return g_rlimits;
}

}  // namespace

uint64_t rlimit_current(int resource) {
  return resource >= 0 && resource < static_cast<int>(abi::kRlimitCount) ? rlimits()[resource][0] : ~0ull;
}

int64_t sys_uname(UserPtr<char> buf) {
  constexpr uint64_t kField = 65;
  const abi::BootInfo& b = boot_info();
  const char* fields[6] = {b.uts_sysname, b.uts_nodename, b.uts_release, b.uts_version, b.uts_machine,
                           b.uts_domainname};
  for (int i = 0; i < 6; ++i)
    if (!(buf + i * kField).write(fields[i], kField)) return -EFAULT;
  return 0;
}

int64_t sys_sysinfo(uint64_t info) {
  struct SysInfo {  // ABI: struct sysinfo on x86-64
    int64_t uptime;
    uint64_t loads[3];
    uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    uint16_t procs, pad;
    uint32_t pad2;
    uint64_t totalhigh, freehigh;
    uint32_t mem_unit;
    char reserved[4];
  };
  static_assert(sizeof(SysInfo) == 112);
  // The VM's own view: its memory, its one process, its time since boot.
  SysInfo s = {};
  s.uptime = (monotonic_ns() - boot_monotonic_ns()) / 1'000'000'000;
  s.totalram = boot_info().memory_size;
  s.freeram = mm::frames_free_count() * abi::kPageSize;
  s.procs = 1;
  s.mem_unit = 1;
  return UserPtr<SysInfo>(info).write(s) ? 0 : -EFAULT;
}

int64_t sys_getrusage(int who, uint64_t usage) {
  constexpr int kSelf = 0, kChildren = -1, kThread = 1;
  struct Rusage {  // ABI: struct rusage on x86-64
    int64_t utime_sec, utime_usec, stime_sec, stime_usec;
    int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals,
        nvcsw, nivcsw;
  };
  static_assert(sizeof(Rusage) == 144);
  if (who != kSelf && who != kChildren && who != kThread) return -EINVAL;
  Rusage r = {};
  if (who != kChildren) {  // no children, ever
    // NOTE: like the CPU-time clocks: the program has its vCPU to itself, so its
    // user time is its time since boot; the guest kernel's share is not told apart.
    int64_t us = (monotonic_ns() - boot_monotonic_ns()) / 1000;
    r.utime_sec = us / 1'000'000;
    r.utime_usec = us % 1'000'000;
    // Memory in use now (a lower bound of the peak), in KiB as Linux reports it.
    r.maxrss = static_cast<int64_t>((mm::frames_total_count() - mm::frames_free_count()) * abi::kPageSize / 1024);
  }
  return UserPtr<Rusage>(usage).write(r) ? 0 : -EFAULT;
}

// One NUMA node: every policy is the default one.
int64_t sys_get_mempolicy(uint64_t mode, uint64_t nodemask, uint64_t maxnode, uint64_t addr, uint64_t flags) {
  (void)addr;
  constexpr uint64_t kMpolFNode = 1, kMpolFAddr = 2, kMpolFMemsAllowed = 4;
  if (flags & ~(kMpolFNode | kMpolFAddr | kMpolFMemsAllowed)) return -EINVAL;
  if (flags & kMpolFNode) return unsupported("get_mempolicy(MPOL_F_NODE)");
  if (mode && !UserPtr<int32_t>(mode).write(0 /* MPOL_DEFAULT */)) return -EFAULT;
  if (nodemask && maxnode) {
    // ABI: a bitmap of maxnode bits in unsigned longs; node 0 only when asked which
    // nodes are allowed, empty for the default policy.
    uint64_t words = (maxnode + 63) / 64;
    for (uint64_t i = 0; i < words; ++i) {
      uint64_t bits = (i == 0 && (flags & kMpolFMemsAllowed)) ? 1 : 0;
      if (!UserPtr<uint64_t>(nodemask + 8 * i).write(bits)) return -EFAULT;
    }
  }
  return 0;
}

int64_t sys_getrandom(UserPtr<char> buf, uint64_t len, uint32_t flags) {
  constexpr uint32_t kKnownFlags = 0x1 | 0x2 | 0x4;  // GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE
  if (flags & ~kKnownFlags) return -EINVAL;
  if (len == 0) return 0;
  constexpr uint64_t kMaxChunk = 1 << 20;
  if (len > kMaxChunk) len = kMaxChunk;
  if (!buf.prepare(len, true)) return -EFAULT;
  return hypercall(abi::Hypercall::kRandom, buf.addr(), len);
}

int64_t sys_prlimit64(int pid, int resource, uint64_t new_limit, uint64_t old_limit) {
  if (pid != 0 && static_cast<uint32_t>(pid) != boot_info().pid) return -ESRCH;
  if (resource < 0 || static_cast<uint32_t>(resource) >= abi::kRlimitCount) return -EINVAL;
  uint64_t* slot = rlimits()[resource];
  uint64_t next[2];
  if (new_limit) {
    if (!UserPtr<uint64_t>(new_limit).read(next, 2)) return -EFAULT;
    if (next[0] > next[1]) return -EINVAL;
    // Raising the hard limit needs CAP_SYS_RESOURCE, which the program has only if
    // it runs as root.
    if (next[1] > slot[1] && boot_info().euid != 0) return -EPERM;
  }
  if (old_limit && !UserPtr<uint64_t>(old_limit).write(slot, 2)) return -EFAULT;
  if (new_limit) {
    slot[0] = next[0];
    slot[1] = next[1];
  }
  return 0;
}

int64_t sys_getrlimit(int resource, uint64_t rlim) { return sys_prlimit64(0, resource, 0, rlim); }
int64_t sys_setrlimit(int resource, uint64_t rlim) { return sys_prlimit64(0, resource, rlim, 0); }

}  // namespace burrow::kernel
