// Standard input, output and error: the only files until the filesystem work. Data
// moves by hypercall; the monitor writes to or reads from its own fds 0-2.
#include "boot.h"
#include "hypercall.h"
#include "syscalls/handlers.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

constexpr int kStdioCount = 3;
constinit bool g_closed[kStdioCount] = {};
constinit bool g_cloexec[kStdioCount] = {};

// Reads prepare at most this much of the buffer per call (pages are populated on
// demand; a huge buffer for a small read would map it all). Short reads are normal.
constexpr uint64_t kMaxReadChunk = 1 << 20;
constexpr uint64_t kMaxCount = 0x7ffff000;  // MAX_RW_COUNT

bool open_stdio(int fd) { return fd >= 0 && fd < kStdioCount && !g_closed[fd]; }

int64_t write_chunk(int fd, uint64_t buf, uint64_t count) {
  if (count > kMaxCount) count = kMaxCount;
  if (!UserPtr<char>(buf).prepare(count, false)) return -EFAULT;
  return hypercall(abi::Hypercall::kWrite, static_cast<uint64_t>(fd), buf, count);
}

int64_t read_chunk(int fd, uint64_t buf, uint64_t count) {
  if (count > kMaxReadChunk) count = kMaxReadChunk;
  if (!UserPtr<char>(buf).prepare(count, true)) return -EFAULT;
  return hypercall(abi::Hypercall::kRead, static_cast<uint64_t>(fd), buf, count);
}

constexpr int kMaxIov = 1024;  // UIO_MAXIOV

template <class Fn>
int64_t vectored(int fd, UserPtr<const IoVec> iov, int iovcnt, Fn chunk) {
  if (!open_stdio(fd)) return -EBADF;
  if (iovcnt < 0 || iovcnt > kMaxIov) return -EINVAL;
  int64_t total = 0;
  for (int i = 0; i < iovcnt; ++i) {
    IoVec v;
    if (!(iov + i).read(&v)) return total ? total : -EFAULT;
    if (v.len == 0) continue;
    int64_t n = chunk(fd, v.base, v.len);
    if (n < 0) return total ? total : n;
    total += n;
    if (static_cast<uint64_t>(n) < v.len) break;
  }
  return total;
}

}  // namespace

int64_t sys_write(int fd, UserPtr<const char> buf, uint64_t count) {
  if (!open_stdio(fd)) return -EBADF;
  if (count == 0) return 0;
  return write_chunk(fd, buf.addr(), count);
}

int64_t sys_read(int fd, UserPtr<char> buf, uint64_t count) {
  if (!open_stdio(fd)) return -EBADF;
  if (count == 0) return 0;
  return read_chunk(fd, buf.addr(), count);
}

int64_t sys_writev(int fd, UserPtr<const IoVec> iov, int iovcnt) { return vectored(fd, iov, iovcnt, write_chunk); }
int64_t sys_readv(int fd, UserPtr<const IoVec> iov, int iovcnt) { return vectored(fd, iov, iovcnt, read_chunk); }

int64_t sys_close(int fd) {
  if (!open_stdio(fd)) return -EBADF;
  g_closed[fd] = true;
  return 0;
}

int64_t sys_ioctl(int fd, uint64_t request, uint64_t arg) {
  if (!open_stdio(fd)) return -EBADF;
  constexpr uint64_t kTcgets = 0x5401, kTiocgwinsz = 0x5413;
  // ABI: TCGETS fills the kernel's 36-byte struct termios; TIOCGWINSZ a winsize.
  uint64_t size = request == kTcgets ? 36 : request == kTiocgwinsz ? 8 : 0;
  // NOTE: other requests on a terminal or pipe are answered as Linux answers an
  // ioctl the file does not support.
  if (size == 0) return -ENOTTY;
  if (!UserPtr<char>(arg).prepare(size, true)) return -EFAULT;
  return hypercall(abi::Hypercall::kIoctl, static_cast<uint64_t>(fd), request, arg);
}

int64_t sys_fstat(int fd, UserPtr<char> statbuf) {
  if (!open_stdio(fd)) return -EBADF;
  constexpr uint64_t kStatSize = 144;  // ABI: struct stat on x86-64
  if (!statbuf.prepare(kStatSize, true)) return -EFAULT;
  return hypercall(abi::Hypercall::kFstat, static_cast<uint64_t>(fd), statbuf.addr());
}

int64_t sys_newfstatat(int dirfd, uint64_t path, UserPtr<char> statbuf, int flags) {
  constexpr int kAtEmptyPath = 0x1000;
  char name[2];
  int64_t n = copy_user_string(path, name, sizeof(name));
  if (n == -EFAULT) return -EFAULT;
  if (n == 0) return (flags & kAtEmptyPath) ? sys_fstat(dirfd, statbuf) : -ENOENT;
  return unsupported("stat of a path (files arrive with the filesystem work)");
}

int64_t sys_fcntl(int fd, int cmd, uint64_t arg) {
  if (!open_stdio(fd)) return -EBADF;
  constexpr int kDupFd = 0, kGetFd = 1, kSetFd = 2, kGetFl = 3, kSetFl = 4, kDupFdCloexec = 1030;
  constexpr uint64_t kFdCloexec = 1;
  switch (cmd) {
    case kGetFd:
      return g_cloexec[fd] ? kFdCloexec : 0;
    case kSetFd:
      g_cloexec[fd] = arg & kFdCloexec;
      return 0;
    case kGetFl:
      return hypercall(abi::Hypercall::kGetFileFlags, static_cast<uint64_t>(fd));
    case kSetFl:
      return unsupported("fcntl(F_SETFL) on standard input/output");
    case kDupFd:
    case kDupFdCloexec:
      return unsupported("duplicating file descriptors (arrives with the filesystem work)");
    default:
      return unsupported("fcntl command on standard input/output");
  }
}

int64_t sys_lseek(int fd, int64_t, int) {
  if (!open_stdio(fd)) return -EBADF;
  return unsupported("lseek on standard input/output");
}

}  // namespace burrow::kernel
