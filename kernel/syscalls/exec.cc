// execve and the process-creation calls a unikernel does not offer. execve replaces
// the whole VM image: the monitor loads the new program as it loaded the first one,
// and the descriptors without FD_CLOEXEC, the signal mask, ignored signals, the
// working directory and the umask travel in the new BootInfo.
#include "boot.h"
#include "burrow/abi/boot_info.h"
#include "burrow/abi/hypercall.h"
#include "fs/fdtable.h"
#include "fs/file.h"
#include "fs/path.h"
#include "hypercall.h"
#include "lib/string.h"
#include "mm/fault.h"
#include "syscalls/handlers.h"
#include "syscalls/signals.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

constexpr int kAtFdCwd = -100;
constexpr int kAtEmptyPath = 0x1000, kAtSymlinkNofollow = 0x100;
constexpr uint64_t kCloneVm = 0x100, kCloneVfork = 0x4000, kCloneThread = 0x10000;

// Linux's limits on one argument string (MAX_ARG_STRLEN) and on how many there are
// before the total could not fit anyway.
constexpr uint64_t kMaxArgStrlen = 32 * 4096;
constexpr uint64_t kMaxArgStrings = 1 << 20;

// The monitor reads argv and envp straight from the program's memory, which it can
// only do for pages that are present: fault in every pointer and string first
// (string literals of a lazily loaded image may never have been touched).
int64_t prefault_vector(uint64_t array) {
  for (uint64_t i = 0; array; ++i) {
    if (i == kMaxArgStrings) return -E2BIG;
    uint64_t p;
    if (!UserPtr<uint64_t>(array + 8 * i).read(&p)) return -EFAULT;
    if (!p) return 0;
    if (mm::user_strnlen(p, kMaxArgStrlen + 1) < 0) return -EFAULT;
  }
  return 0;
}

// One execve at a time (one thread): its buffers need not live on the small stack.
constinit fs::ResolvedPath g_path{};
constinit abi::InheritedFd g_fds[abi::kMaxInheritedFds] = {};

int64_t do_execve(int dirfd, uint64_t user_path, uint64_t argv, uint64_t envp, int flags) {
  if (flags & ~(kAtEmptyPath | kAtSymlinkNofollow)) return -EINVAL;
  if (int64_t r = fs::resolve_user_path(dirfd, user_path, &g_path, flags & kAtEmptyPath); r < 0) return r;
  if (flags & kAtSymlinkNofollow) return unsupported("execveat with AT_SYMLINK_NOFOLLOW");
  if (int64_t r = prefault_vector(argv); r < 0) return r;
  if (int64_t r = prefault_vector(envp); r < 0) return r;

  uint32_t count = 0;
  for (int fd = 0; fd < fs::fd_limit(); ++fd) {
    fs::File* f = fs::fd_get(fd);
    if (!f || fs::fd_cloexec(fd)) continue;
    // In-guest objects do not survive the VM's memory being replaced.
    if (f->kind == fs::FileKind::kPipe || f->kind == fs::FileKind::kSynthetic || f->kind == fs::FileKind::kSocket ||
        f->kind == fs::FileKind::kEpoll || f->kind == fs::FileKind::kEventfd)
      return unsupported("execve while a pipe, socket, epoll, eventfd or /proc file is open without FD_CLOEXEC");
    if (count == abi::kMaxInheritedFds) return unsupported("execve with more than 256 inherited descriptors");
    // The next program reads on from where this one left the position.
    if (f->kind == fs::FileKind::kHost)
      if (int64_t e = fs::sync_position(f); e < 0) return e;
    abi::InheritedFd& out = g_fds[count++];
    out = abi::InheritedFd{};
    out.fd = fd;
    out.kind = static_cast<uint32_t>(f->kind);
    out.flags = f->flags;
    out.is_dir = f->is_dir;
    out.handle = f->handle;
    if (f->path) {
      out.path = reinterpret_cast<uint64_t>(f->path);
      out.path_len = static_cast<uint32_t>(strlen(f->path));
    }
  }
  const char* cwd = fs::cwd();
  abi::ExecRequest req{};
  req.path = reinterpret_cast<uint64_t>(g_path.path);
  req.path_len = g_path.length;
  req.execfn = user_path;
  req.argv = argv;
  req.envp = envp;
  req.cwd = reinterpret_cast<uint64_t>(cwd);
  req.cwd_len = strlen(cwd);
  req.fds = reinterpret_cast<uint64_t>(g_fds);
  req.fd_count = count;
  req.sig_ignored = signals_ignored();
  req.sig_blocked = signals_blocked();
  uint32_t mask = static_cast<uint32_t>(sys_umask(0));
  sys_umask(mask);
  req.umask = mask;
  req.nice = 20 - sys_getpriority(0, 0);
  // The files of shared mappings get their pages before the memory goes away.
  mm::write_back(0, abi::kUserEnd);
  mm::record_page_profiles();
  report_stats();
  // Returns only on failure: the program's execve says why.
  return hypercall(abi::Hypercall::kExec, reinterpret_cast<uint64_t>(&req));
}

}  // namespace

int64_t sys_execve(uint64_t path, uint64_t argv, uint64_t envp) { return do_execve(kAtFdCwd, path, argv, envp, 0); }

int64_t sys_execveat(int dirfd, uint64_t path, uint64_t argv, uint64_t envp, int flags) {
  return do_execve(dirfd, path, argv, envp, flags);
}

// One process per VM: a new process, or a thread sharing this one, is not offered
// yet. The program hears ENOSYS, and the user hears once what it asked for.
int64_t sys_fork() { return unsupported("fork (a unikernel runs one process)"); }
int64_t sys_vfork() { return unsupported("vfork (a unikernel runs one process)"); }

int64_t sys_clone(uint64_t flags, uint64_t, uint64_t, uint64_t, uint64_t) {
  if (flags & kCloneThread) return unsupported("threads (clone with CLONE_THREAD)");
  if ((flags & kCloneVm) && (flags & kCloneVfork)) return unsupported("vfork-style clone (posix_spawn, system)");
  return unsupported("fork (clone of a new process: a unikernel runs one process)");
}

// glibc tries clone3 first and falls back to clone on ENOSYS, which then names
// what the program wanted.
int64_t sys_clone3(uint64_t, uint64_t) { return -ENOSYS; }

}  // namespace burrow::kernel
