// The descriptor table: a flat array, lowest-free allocation as POSIX requires.
#include "fs/fdtable.h"

#include "boot.h"
#include "hypercall.h"
#include "syscalls/errno.h"

namespace burrow::kernel::fs {
namespace {

constinit File* g_fds[kMaxFds] = {};
constinit bool g_cloexec[kMaxFds] = {};

// RLIMIT_NOFILE's soft limit, capped by the table.
int limit() {
  uint64_t soft = boot_info().rlimits[7][0];  // RLIMIT_NOFILE
  return soft < static_cast<uint64_t>(kMaxFds) ? static_cast<int>(soft) : kMaxFds;
}

bool valid(int fd) { return fd >= 0 && fd < kMaxFds; }

}  // namespace

namespace {
// A description of the monitor's handle 0, 1 or 2 learns what cannot change about it.
void stdio_traits(const abi::BootInfo& boot, File* f) {
  if (f->handle >= 3) return;
  f->not_tty = boot.stdio_traits[f->handle] & abi::kStdioNotTty;
  f->pipe_like = boot.stdio_traits[f->handle] & abi::kStdioPipe;
  f->null_sink = boot.stdio_traits[f->handle] & abi::kStdioNull;
}
}  // namespace

void fdtable_init(const abi::BootInfo& boot) {
  if (!(boot.flags & abi::kBootExec)) {
    // Standard input, output and error are the monitor's handles 0, 1 and 2.
    for (int fd = 0; fd < 3; ++fd) {
      File* f = file_new(FileKind::kHost, fd == 0 ? 0 /* O_RDONLY */ : 1 /* O_WRONLY */, nullptr);
      f->handle = static_cast<uint64_t>(fd);
      stdio_traits(boot, f);
      g_fds[fd] = f;
    }
    return;
  }
  // Descriptors that shared a description (dup) share it again: same host handle.
  uint32_t count = boot.inherited_fd_count < abi::kMaxInheritedFds ? boot.inherited_fd_count : abi::kMaxInheritedFds;
  for (uint32_t i = 0; i < count; ++i) {
    const abi::InheritedFd& in = boot.inherited_fds[i];
    if (in.fd < 0 || in.fd >= kMaxFds || g_fds[in.fd]) continue;
    auto kind = static_cast<FileKind>(in.kind);
    File* shared = nullptr;
    for (uint32_t j = 0; kind == FileKind::kHost && j < i && !shared; ++j) {
      const abi::InheritedFd& prev = boot.inherited_fds[j];
      if (prev.kind == in.kind && prev.handle == in.handle && prev.fd >= 0 && prev.fd < kMaxFds) shared = g_fds[prev.fd];
    }
    if (shared) {
      file_get(shared);
      g_fds[in.fd] = shared;
      continue;
    }
    const char* path = nullptr;
    if (in.path_offset < abi::kFdPathsSize) path = boot.fd_paths + in.path_offset;  // the monitor NUL-terminated it
    File* f = file_new(kind, in.flags, path);
    VERIFY(f);
    f->handle = in.handle;
    f->is_dir = in.is_dir != 0;
    if (kind == FileKind::kHost) stdio_traits(boot, f);
    g_fds[in.fd] = f;
  }
}

int fd_install(File* f, bool cloexec, int min_fd) {
  int max = limit();
  for (int fd = min_fd < 0 ? 0 : min_fd; fd < max; ++fd) {
    if (!g_fds[fd]) {
      g_fds[fd] = f;
      g_cloexec[fd] = cloexec;
      return fd;
    }
  }
  file_put(f);
  return min_fd >= max ? -EINVAL : -EMFILE;
}

File* fd_get(int fd) { return valid(fd) ? g_fds[fd] : nullptr; }

int fd_close(int fd) {
  File* f = fd_get(fd);
  if (!f) return -EBADF;
  g_fds[fd] = nullptr;
  g_cloexec[fd] = false;
  file_put(f);
  return 0;
}

int fd_dup_to(int oldfd, int newfd, bool cloexec) {
  File* f = fd_get(oldfd);
  if (!f) return -EBADF;
  if (!valid(newfd) || newfd >= limit()) return -EBADF;
  if (oldfd == newfd) return newfd;
  file_get(f);
  if (g_fds[newfd]) file_put(g_fds[newfd]);
  g_fds[newfd] = f;
  g_cloexec[newfd] = cloexec;
  return newfd;
}

bool fd_cloexec(int fd) { return valid(fd) && g_cloexec[fd]; }
void fd_set_cloexec(int fd, bool on) {
  if (valid(fd)) g_cloexec[fd] = on;
}

void fd_close_range(uint32_t first, uint32_t last, bool cloexec_only) {
  for (uint64_t fd = first; fd <= last && fd < static_cast<uint64_t>(kMaxFds); ++fd) {
    if (!g_fds[fd]) continue;
    if (cloexec_only)
      g_cloexec[fd] = true;
    else
      fd_close(static_cast<int>(fd));
  }
}

int fd_limit() {
  int n = kMaxFds;
  while (n > 0 && !g_fds[n - 1]) --n;
  return n;
}

}  // namespace burrow::kernel::fs
