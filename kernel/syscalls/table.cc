// The dispatch table: Linux number → handler, and the path every call takes.
#include <asm/unistd_64.h>

#include "boot.h"
#include "hypercall.h"
#include "lib/string.h"
#include "syscalls/handlers.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

#define BURROW_IMPLEMENTED_SYSCALLS(X)                                                                   \
  /* fs_io.cc */                                                                                         \
  X(read) X(write) X(pread64) X(pwrite64) X(readv) X(writev) X(preadv) X(pwritev) X(preadv2)           \
  X(pwritev2) X(lseek) X(close) X(close_range) X(dup) X(dup2) X(dup3) X(pipe) X(pipe2) X(fcntl)        \
  X(ioctl) X(flock) X(fsync) X(fdatasync) X(sync) X(syncfs) X(ftruncate) X(fallocate) X(fchmod)        \
  X(fchown) X(fstat) X(fstatfs) X(getdents64) X(sendfile) X(copy_file_range) X(fadvise64) X(getxattr)   \
  X(lgetxattr) X(fgetxattr) X(listxattr) X(llistxattr) X(flistxattr) X(setxattr)   \
  X(lsetxattr) X(fsetxattr) X(removexattr) X(lremovexattr) X(fremovexattr) \
  /* net.cc */ \
  X(socket) X(connect) X(sendto) X(recvfrom) X(shutdown) X(getpeername) X(getsockname) X(getsockopt) \
  X(bind) X(listen) X(socketpair)                          \
  /* fs_path.cc */                                                                                       \
  X(open) X(openat) X(creat) X(stat) X(lstat) X(newfstatat) X(statx) X(statfs) X(access) X(faccessat) \
  X(faccessat2) X(readlink) X(readlinkat) X(mkdir) X(mkdirat) X(mknod) X(mknodat) X(rmdir) X(unlink)  \
  X(unlinkat) X(rename) X(renameat) X(renameat2) X(link) X(linkat) X(symlink) X(symlinkat) X(chmod)   \
  X(fchmodat) X(chown) X(lchown) X(fchownat) X(utimensat) X(truncate) X(getcwd) X(chdir) X(fchdir)    \
  X(umask) X(memfd_create)                                                                               \
  /* mm.cc */                                                                                            \
  X(brk) X(mmap) X(munmap) X(mprotect) X(madvise) X(mremap) X(mincore) X(msync) X(mlock) X(mlock2)    \
  X(munlock) X(mlockall) X(munlockall)                                                                   \
  /* process.cc */                                                                                       \
  X(exit) X(exit_group) X(getpid) X(gettid) X(getppid) X(getuid) X(geteuid) X(getgid) X(getegid)       \
  X(getpgrp) X(getpriority) X(setpriority) X(getgroups) X(set_tid_address) X(set_robust_list) X(rseq) X(arch_prctl) X(sched_getaffinity)          \
  X(sched_yield) X(prctl) X(wait4) X(waitid) X(futex)                                                  \
  /* exec.cc */                                                                                          \
  X(execve) X(execveat) X(fork) X(vfork) X(clone) X(clone3)                                                                                \
  /* signal.cc */                                                                                        \
  X(rt_sigaction) X(rt_sigprocmask) X(rt_sigpending) X(sigaltstack) X(kill) X(tkill) X(tgkill)                           \
  /* time.cc */                                                                                          \
  X(clock_gettime) X(clock_getres) X(gettimeofday) X(time) X(nanosleep) X(clock_nanosleep)                                              \
  /* timer.cc */                                                                                         \
  X(alarm) X(setitimer) X(getitimer)                                                                     \
  /* poll.cc */                                                                                          \
  X(poll) X(ppoll) X(select) X(pselect6) X(epoll_create) X(epoll_create1) X(epoll_ctl) X(epoll_wait)    \
  X(epoll_pwait) X(epoll_pwait2) X(eventfd) X(eventfd2)                                                  \
  /* info.cc */                                                                                          \
  X(uname) X(sysinfo) X(getrandom) X(prlimit64) X(getrlimit) X(setrlimit) X(getrusage) X(get_mempolicy)

constexpr uint32_t kTableSize = 512;

// Calls the light path served (--stats only: counting costs ~1 ns a call).
constinit uint64_t g_light_calls = 0;

template <SyscallFn F>
int64_t counted(const uint64_t* args) {
  ++g_light_calls;
  return F(args);
}

struct Table {
  SyscallFn fns[kTableSize] = {};
  constexpr explicit Table(bool count) {
#define BURROW_ENTRY(name) fns[__NR_##name] = count ? &counted<&adapt<&sys_##name>> : &adapt<&sys_##name>;
    BURROW_IMPLEMENTED_SYSCALLS(BURROW_ENTRY)
#undef BURROW_ENTRY
  }
};

constexpr Table kTable(false);
constexpr Table kCountingTable(true);

}  // namespace

// The rewritten sites' light path (entry.S) calls the handlers straight from here.
static_assert(kTableSize == 512, "entry.S: SYSCALL_TABLE_SIZE");
// Under --strace it is empty, so that every call takes the traced path; under
// --stats its entries count.
constexpr SyscallFn kNoFns[kTableSize] = {};
extern "C" constinit const SyscallFn* burrow_syscall_fns = kTable.fns;

constinit const SyscallFn* g_light_fns = kTable.fns;

void light_path_init(const abi::BootInfo& boot) {
  if (boot.flags & abi::kBootStrace)
    g_light_fns = kNoFns;
  else if (boot.flags & abi::kBootStats)
    g_light_fns = kCountingTable.fns;
  burrow_syscall_fns = g_light_fns;
}

void light_path_enable(bool on) { burrow_syscall_fns = on ? g_light_fns : kNoFns; }

uint64_t take_light_calls() {
  uint64_t n = g_light_calls;
  g_light_calls = 0;
  return n;
}

namespace {

constinit uint64_t g_reported[kTableSize / 64] = {};

int64_t unknown(uint64_t nr) {
  if (nr < kTableSize) {
    uint64_t bit = 1ull << (nr % 64);
    if (!(g_reported[nr / 64] & bit)) {
      g_reported[nr / 64] |= bit;
      hypercall(abi::Hypercall::kUnknownSyscall, nr);
    }
  } else {
    hypercall(abi::Hypercall::kUnknownSyscall, nr);
  }
  return -ENOSYS;
}

}  // namespace

int64_t dispatch_syscall(uint64_t nr, const uint64_t* args) {
  if (nr < kTableSize && kTable.fns[nr]) return kTable.fns[nr](args);
  return unknown(nr);
}

void trace_syscall(uint64_t nr, const uint64_t* args, int64_t result) {
  if (boot_info().flags & abi::kBootStrace)
    hypercall(abi::Hypercall::kStrace, nr, args[0], args[1], args[2], args[3], args[4], args[5],
              static_cast<uint64_t>(result));
}

namespace {
constexpr uint32_t kMaxUnsupportedNotes = 32;
constinit const char* g_noted[kMaxUnsupportedNotes] = {};
}  // namespace

int64_t unsupported(const char* what) {
  for (auto& slot : g_noted) {
    if (slot == what) return -ENOSYS;
    if (!slot) {
      slot = what;
      hypercall(abi::Hypercall::kUnsupported, reinterpret_cast<uint64_t>(what), strlen(what));
      return -ENOSYS;
    }
  }
  return -ENOSYS;
}

}  // namespace burrow::kernel
