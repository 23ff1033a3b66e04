// System calls on descriptors. Data for host files moves by hypercall straight
// between the host fd and the program's pages; the guest's own files (pipes,
// /dev/null, /proc) never leave the VM.
#include "boot.h"
#include "fs/fdtable.h"
#include "fs/file.h"
#include "fs/stat.h"
#include "fs/pipe.h"
#include "fs/special.h"
#include "hypercall.h"
#include "lib/heap.h"
#include "lib/string.h"
#include "syscalls/handlers.h"
#include "syscalls/eventfd.h"
#include "syscalls/socket.h"
#include "syscalls/signals.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

using abi::FileOp;
using abi::Hypercall;
using fs::File;
using fs::FileKind;

// ABI: asm-generic/fcntl.h
constexpr uint32_t kAccMode = 3, kRdOnly = 0, kWrOnly = 1, kNonBlock = 04000, kAppend = 02000,
                   kCloexec = 02000000, kPath = 010000000;
constexpr int kSigPipe = 13;

// A read prepares (maps) at most this much of the program's buffer per call, so a
// small read into a huge buffer does not populate it all. Short reads are normal.
constexpr uint64_t kMaxChunk = 1 << 20;
constexpr uint64_t kMaxRw = 0x7ffff000;  // MAX_RW_COUNT

// An O_PATH descriptor only names a file: no data moves through it.
bool readable(const File* f) { return !(f->flags & kPath) && (f->flags & kAccMode) != kWrOnly; }
bool writable(const File* f) { return !(f->flags & kPath) && (f->flags & kAccMode) != kRdOnly; }

int64_t host_op(FileOp op, const File* f, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0) {
  auto n = static_cast<uint64_t>(op);
  return abi::file_op_never_blocks(n, a) ? hypercall_polled(Hypercall::kFileOp, n, f->handle, a, b, c)
                                         : hypercall(Hypercall::kFileOp, n, f->handle, a, b, c);
}

// Reads into the program's buffer at `offset` (-1: the file position).
int64_t read_file(File* f, uint64_t buf, uint64_t n, int64_t offset) {
  if (!readable(f)) return -EBADF;
  if (f->is_dir) return -EISDIR;
  if (n == 0) return 0;
  if (f->kind == FileKind::kHost && f->null_sink) return 0;  // Linux's read_null: never touches buf
  if (n > kMaxChunk) n = kMaxChunk;
  if (!UserPtr<char>(buf).prepare(n, true)) return -EFAULT;
  // SAFETY: prepare() checked and mapped [buf, buf+n) for writing.
  char* out = reinterpret_cast<char*>(buf);
  switch (f->kind) {
    case FileKind::kHost: {
      if (offset >= 0) return hypercall(Hypercall::kPread, f->handle, buf, n, static_cast<uint64_t>(offset));
      // Right after the open, the first bytes are here already (kOpen's read-ahead):
      // a read they answer whole, or up to the end of the file. (Not a part: a read
      // of a regular file returns all it asked for unless the file ends, and programs
      // count on it.)
      uint64_t length;
      bool end;
      if (const uint8_t* ahead = fs::open_ahead(f, &length, &end)) {
        uint64_t at = f->pos_local ? f->pos : 0;
        if (end || (at <= length && n <= length - at)) {
          uint64_t got = at < length ? (n < length - at ? n : length - at) : 0;
          memcpy(out, ahead + at, got);
          f->pos = at + got;
          f->pos_local = true;
          return static_cast<int64_t>(got);
        }
      }
      if (int64_t e = fs::sync_position(f); e < 0) return e;
      // A regular file's read never blocks for long: the poller may serve it.
      return f->is_regular ? hypercall_polled(Hypercall::kRead, f->handle, buf, n)
                           : hypercall(Hypercall::kRead, f->handle, buf, n);
    }
    case FileKind::kNull:
      return 0;
    case FileKind::kZero:
    case FileKind::kFull:
      memset(out, 0, n);
      return static_cast<int64_t>(n);
    case FileKind::kRandom:
      return hypercall(Hypercall::kRandom, buf, n);
    case FileKind::kPipe:
      if (offset >= 0) return -ESPIPE;
      return fs::pipe_read(f, out, n);
    case FileKind::kSocket:
      if (offset >= 0) return -ESPIPE;
      return socket_read(f, out, n, f->flags & kNonBlock);
    case FileKind::kEpoll:
      return -EINVAL;
    case FileKind::kEventfd:
      return offset >= 0 ? -ESPIPE : eventfd_read(f, out, n);
    case FileKind::kSynthetic: {
      if (int64_t e = fs::file_generate(f); e < 0) return e;
      uint64_t at = offset < 0 ? f->offset : static_cast<uint64_t>(offset);
      uint64_t got = fs::file_read_synthetic(f, at, out, n);
      if (offset < 0) f->offset += got;
      return static_cast<int64_t>(got);
    }
  }
  return -EINVAL;
}

int64_t write_file(File* f, uint64_t buf, uint64_t n, int64_t offset) {
  if (!writable(f)) return -EBADF;
  if (n == 0) return 0;
  if (n > kMaxRw) n = kMaxRw;
  if (f->kind == FileKind::kHost && f->null_sink) return static_cast<int64_t>(n);  // write_null: never reads buf
  if (!UserPtr<const char>(buf).prepare(n, false)) return -EFAULT;
  int64_t r;
  switch (f->kind) {
    case FileKind::kHost:
      if (offset < 0) {
        if (int64_t e = fs::sync_position(f); e < 0) return e;
        r = f->is_regular ? hypercall_polled(Hypercall::kWrite, f->handle, buf, n)
                          : hypercall(Hypercall::kWrite, f->handle, buf, n);
      } else {
        r = hypercall(Hypercall::kPwrite, f->handle, buf, n, static_cast<uint64_t>(offset));
      }
      break;
    case FileKind::kNull:
    case FileKind::kZero:
    case FileKind::kRandom:
      return static_cast<int64_t>(n);
    case FileKind::kFull:
      return -ENOSPC;
    case FileKind::kPipe:
      if (offset >= 0) return -ESPIPE;
      // SAFETY: prepare() checked [buf, buf+n).
      r = fs::pipe_write(f, reinterpret_cast<const char*>(buf), n);
      break;
    case FileKind::kSynthetic:
      return -EINVAL;
    case FileKind::kEventfd:
      if (offset >= 0) return -ESPIPE;
      // SAFETY: prepare() checked [buf, buf+n).
      return eventfd_write(f, reinterpret_cast<const char*>(buf), n);
    case FileKind::kSocket:
      if (offset >= 0) return -ESPIPE;
      // SAFETY: prepare() checked [buf, buf+n).
      r = socket_write(f, reinterpret_cast<const char*>(buf), n, f->flags & kNonBlock);
      break;
    default:
      return -EINVAL;
  }
  // Like Linux: writing where nobody can read raises SIGPIPE (by default fatal).
  if (r == -EPIPE) raise_signal(kSigPipe);
  return r;
}

constexpr int kMaxIov = 1024;  // UIO_MAXIOV

template <class Fn>
int64_t vectored(int fd, UserPtr<const IoVec> iov, int iovcnt, int64_t offset, Fn op) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (iovcnt < 0 || iovcnt > kMaxIov) return -EINVAL;
  int64_t total = 0;
  for (int i = 0; i < iovcnt; ++i) {
    IoVec v;
    if (!(iov + i).read(&v)) return total ? total : -EFAULT;
    if (v.len == 0) continue;
    int64_t n = op(f, v.base, v.len, offset < 0 ? -1 : offset + total);
    if (n < 0) return total ? total : n;
    total += n;
    if (static_cast<uint64_t>(n) < v.len) break;
  }
  return total;
}

bool is_seekable(const File* f) { return f->kind != FileKind::kPipe && f->kind != FileKind::kSocket; }

}  // namespace

int64_t sys_read(int fd, uint64_t buf, uint64_t count) {
  File* f = fs::fd_get(fd);
  return f ? read_file(f, buf, count, -1) : -EBADF;
}

int64_t sys_write(int fd, uint64_t buf, uint64_t count) {
  File* f = fs::fd_get(fd);
  return f ? write_file(f, buf, count, -1) : -EBADF;
}

int64_t sys_pread64(int fd, uint64_t buf, uint64_t count, int64_t offset) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (offset < 0) return -EINVAL;
  if (!is_seekable(f)) return -ESPIPE;
  return read_file(f, buf, count, offset);
}

int64_t sys_pwrite64(int fd, uint64_t buf, uint64_t count, int64_t offset) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (offset < 0) return -EINVAL;
  if (!is_seekable(f)) return -ESPIPE;
  return write_file(f, buf, count, offset);
}

int64_t sys_readv(int fd, UserPtr<const IoVec> iov, int iovcnt) { return vectored(fd, iov, iovcnt, -1, read_file); }
int64_t sys_writev(int fd, UserPtr<const IoVec> iov, int iovcnt) { return vectored(fd, iov, iovcnt, -1, write_file); }

int64_t sys_preadv(int fd, UserPtr<const IoVec> iov, int iovcnt, int64_t offset) {
  if (offset < 0) return -EINVAL;
  return vectored(fd, iov, iovcnt, offset, read_file);
}

int64_t sys_pwritev(int fd, UserPtr<const IoVec> iov, int iovcnt, int64_t offset) {
  if (offset < 0) return -EINVAL;
  return vectored(fd, iov, iovcnt, offset, write_file);
}

int64_t sys_preadv2(int fd, UserPtr<const IoVec> iov, int iovcnt, int64_t offset, int64_t, int flags) {
  if (flags) return unsupported("preadv2 flags (RWF_*)");
  return vectored(fd, iov, iovcnt, offset, read_file);
}

int64_t sys_pwritev2(int fd, UserPtr<const IoVec> iov, int iovcnt, int64_t offset, int64_t, int flags) {
  if (flags) return unsupported("pwritev2 flags (RWF_*)");
  return vectored(fd, iov, iovcnt, offset, write_file);
}

int64_t sys_lseek(int fd, int64_t offset, int whence) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (static_cast<unsigned>(whence) > 4) return -EINVAL;  // SEEK_MAX, before the file has a say
  switch (f->kind) {
    case FileKind::kHost: {
      if (f->pipe_like) return -ESPIPE;
      if (f->null_sink) return 0;  // null_lseek
      // A regular file's position is only a number: on a description no other
      // process shares, SEEK_SET and SEEK_CUR move it in the guest (a pipe or
      // terminal says ESPIPE, an O_PATH descriptor EBADF: those go to the host).
      // Far positions go to the host too, which knows the file system's limit.
      constexpr uint32_t kOPath = 010000000;
      constexpr int64_t kLocalLimit = int64_t{1} << 40;
      if (f->private_description && f->is_regular && !(f->flags & kOPath) && (whence == 0 || whence == 1) &&
          (whence == 0 || f->pos_local || fs::just_opened(f))) {
        int64_t base = whence == 0 ? 0 : f->pos_local ? static_cast<int64_t>(f->pos) : 0;
        if (offset < -base) return -EINVAL;
        if (offset <= kLocalLimit - base) {
          f->pos = static_cast<uint64_t>(base + offset);
          f->pos_local = true;
          return base + offset;
        }
      }
      if (int64_t e = fs::sync_position(f); e < 0) return e;
      return hypercall(Hypercall::kSeek, f->handle, static_cast<uint64_t>(offset), static_cast<uint64_t>(whence));
    }
    case FileKind::kPipe:
    case FileKind::kSocket:
      return -ESPIPE;
    case FileKind::kEpoll:
    case FileKind::kEventfd:
      return 0;  // Linux: noop_llseek
    case FileKind::kSynthetic: {
      int64_t base = whence == 0 ? 0 : whence == 1 ? static_cast<int64_t>(f->offset)
                                   : whence == 2 ? static_cast<int64_t>(f->size) : -1;
      if (base < 0) return -EINVAL;
      int64_t next = base + offset;
      if (next < 0) return -EINVAL;
      f->offset = static_cast<uint64_t>(next);
      return next;
    }
    default:
      // Character devices ignore the position, as Linux's do.
      return whence >= 0 && whence <= 2 ? 0 : -EINVAL;
  }
}

int64_t sys_close(int fd) { return fs::fd_close(fd); }

int64_t sys_close_range(uint32_t first, uint32_t last, uint32_t flags) {
  constexpr uint32_t kCloseRangeUnshare = 1u << 1, kCloseRangeCloexec = 1u << 2;
  if (flags & ~(kCloseRangeUnshare | kCloseRangeCloexec)) return -EINVAL;
  if (first > last) return -EINVAL;
  fs::fd_close_range(first, last, flags & kCloseRangeCloexec);
  return 0;
}

int64_t sys_dup(int fd) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  fs::file_get(f);
  return fs::fd_install(f, false);
}

int64_t sys_dup2(int oldfd, int newfd) {
  if (!fs::fd_get(oldfd)) return -EBADF;
  return fs::fd_dup_to(oldfd, newfd, false);
}

int64_t sys_dup3(int oldfd, int newfd, int flags) {
  if (flags & ~static_cast<int>(kCloexec)) return -EINVAL;
  if (oldfd == newfd) return -EINVAL;
  return fs::fd_dup_to(oldfd, newfd, flags & kCloexec);
}

int64_t sys_pipe2(UserPtr<int32_t> fds, int flags) {
  if (flags & ~static_cast<int>(kCloexec | kNonBlock)) return -EINVAL;
  File *r, *w;
  if (int64_t e = fs::pipe_create(static_cast<uint32_t>(flags), &r, &w); e < 0) return e;
  bool cloexec = flags & kCloexec;
  int rfd = fs::fd_install(r, cloexec);
  if (rfd < 0) {
    fs::file_put(w);
    return rfd;
  }
  int wfd = fs::fd_install(w, cloexec);
  if (wfd < 0) {
    fs::fd_close(rfd);
    return wfd;
  }
  int32_t pair[2] = {rfd, wfd};
  if (!fds.write(pair, 2)) {
    fs::fd_close(rfd);
    fs::fd_close(wfd);
    return -EFAULT;
  }
  return 0;
}

int64_t sys_pipe(UserPtr<int32_t> fds) { return sys_pipe2(fds, 0); }

int64_t sys_fcntl(int fd, int cmd, uint64_t arg) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  // ABI: asm-generic/fcntl.h and linux/fcntl.h
  constexpr int kDupFd = 0, kGetFd = 1, kSetFd = 2, kGetFl = 3, kSetFl = 4, kGetLk = 5, kSetLk = 6, kSetLkw = 7,
                kOfdGetLk = 36, kOfdSetLk = 37, kOfdSetLkw = 38, kDupFdCloexec = 1030, kSetPipeSz = 1031,
                kGetPipeSz = 1032;
  constexpr uint32_t kSettable = kAppend | kNonBlock | 020000 /* O_ASYNC */ | 040000 /* O_DIRECT */ |
                                 01000000 /* O_NOATIME */;
  switch (cmd) {
    case kDupFd:
    case kDupFdCloexec:
      if (arg >= static_cast<uint64_t>(fs::kMaxFds)) return -EINVAL;
      fs::file_get(f);
      return fs::fd_install(f, cmd == kDupFdCloexec, static_cast<int>(arg));
    case kGetFd:
      return fs::fd_cloexec(fd) ? 1 : 0;
    case kSetFd:
      fs::fd_set_cloexec(fd, arg & 1);
      return 0;
    case kGetFl:
      if (f->kind == FileKind::kHost) return hypercall(Hypercall::kGetFileFlags, f->handle);
      return f->flags & ~kCloexec;
    case kSetFl: {
      uint32_t next = (f->flags & ~kSettable) | (static_cast<uint32_t>(arg) & kSettable);
      if (f->kind == FileKind::kHost) {
        int64_t r = host_op(FileOp::kSetFlags, f, static_cast<uint32_t>(arg) & kSettable);
        if (r < 0) return r;
      }
      f->flags = next;
      return 0;
    }
    case kGetLk:
    case kSetLk:
    case kSetLkw:
    case kOfdGetLk:
    case kOfdSetLk:
    case kOfdSetLkw:
      if (f->kind != FileKind::kHost) return -EINVAL;
      if (!UserPtr<char>(arg).prepare(32 /* struct flock */, cmd == kGetLk || cmd == kOfdGetLk)) return -EFAULT;
      // A lock's l_whence may be SEEK_CUR: the position must be the host's.
      if (int64_t e = fs::sync_position(f); e < 0) return e;
      return host_op(FileOp::kLock, f, static_cast<uint64_t>(cmd), arg);
    case kGetPipeSz:
      return f->kind == FileKind::kPipe ? static_cast<int64_t>(fs::kPipeCapacity) : -EBADF;
    case kSetPipeSz:
      return f->kind == FileKind::kPipe ? unsupported("F_SETPIPE_SZ") : -EBADF;
    default:
      return -EINVAL;
  }
}

int64_t sys_ioctl(int fd, uint64_t request, uint64_t arg) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  // ABI: asm-generic/ioctls.h
  constexpr uint64_t kTcgets = 0x5401, kTiocgwinsz = 0x5413, kFionread = 0x541B, kFionbio = 0x5421,
                     kFionclex = 0x5450, kFioclex = 0x5451;
  switch (request) {
    case kFioclex:
    case kFionclex:
      fs::fd_set_cloexec(fd, request == kFioclex);
      return 0;
    case kFionbio: {
      int32_t on;
      if (!UserPtr<int32_t>(arg).read(&on)) return -EFAULT;
      return sys_fcntl(fd, 4 /* F_SETFL */, on ? (f->flags | kNonBlock) : (f->flags & ~kNonBlock));
    }
    case kFionread:
      if (f->kind == FileKind::kPipe) {
        int32_t n = static_cast<int32_t>(fs::pipe_available(f));
        return UserPtr<int32_t>(arg).write(n) ? 0 : -EFAULT;
      }
      break;
    default:
      break;
  }
  if (f->kind != FileKind::kHost) return -ENOTTY;
  // A terminal request to a regular file or directory: Linux's answer, no exit.
  if ((request == kTcgets || request == kTiocgwinsz) && (f->is_regular || f->is_dir || f->not_tty)) return -ENOTTY;
  // ABI: TCGETS fills the kernel's 36-byte struct termios; TIOCGWINSZ a winsize.
  uint64_t size = request == kTcgets ? 36 : request == kTiocgwinsz ? 8 : request == kFionread ? 4 : 0;
  if (size == 0) return -ENOTTY;
  if (!UserPtr<char>(arg).prepare(size, true)) return -EFAULT;
  if (int64_t e = fs::sync_position(f); e < 0) return e;  // FIONREAD counts from the position
  return hypercall(Hypercall::kIoctl, f->handle, request, arg);
}

int64_t sys_flock(int fd, int operation) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (f->kind != FileKind::kHost) return -EINVAL;
  return host_op(FileOp::kFlock, f, static_cast<uint64_t>(operation));
}

int64_t sys_fsync(int fd) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (f->kind == FileKind::kHost) return host_op(FileOp::kSync, f);
  return f->kind == FileKind::kPipe ? -EINVAL : 0;
}

int64_t sys_fdatasync(int fd) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (f->kind == FileKind::kHost) return host_op(FileOp::kDataSync, f);
  return f->kind == FileKind::kPipe ? -EINVAL : 0;
}

int64_t sys_sync() {
  hypercall(Hypercall::kFileOp, static_cast<uint64_t>(FileOp::kSyncAll), 0);
  return 0;
}

int64_t sys_syncfs(int fd) {
  if (!fs::fd_get(fd)) return -EBADF;
  return sys_sync();
}

int64_t sys_ftruncate(int fd, int64_t length) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (length < 0) return -EINVAL;
  if (f->kind != FileKind::kHost || !writable(f)) return -EINVAL;
  return host_op(FileOp::kTruncate, f, static_cast<uint64_t>(length));
}

int64_t sys_fallocate(int fd, int mode, int64_t offset, int64_t len) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (offset < 0 || len <= 0) return -EINVAL;
  if (f->kind == FileKind::kPipe) return -ESPIPE;
  if (f->kind != FileKind::kHost) return -ENODEV;
  return host_op(FileOp::kAllocate, f, static_cast<uint64_t>(mode), static_cast<uint64_t>(offset),
                 static_cast<uint64_t>(len));
}

int64_t sys_fchmod(int fd, uint32_t mode) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (f->kind != FileKind::kHost) return unsupported("fchmod of a pipe or device");
  return host_op(FileOp::kChmod, f, mode & 07777);
}

int64_t sys_fchown(int fd, uint32_t uid, uint32_t gid) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (f->kind != FileKind::kHost) return unsupported("fchown of a pipe or device");
  return host_op(FileOp::kChown, f, uid, gid);
}

int64_t sys_fstat(int fd, uint64_t statbuf) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  constexpr uint64_t kStatSize = 144;  // ABI: struct stat on x86-64
  if (!UserPtr<char>(statbuf).prepare(kStatSize, true)) return -EFAULT;
  // SAFETY: prepare() checked the buffer.
  int64_t r = fs::fstat_special(f, reinterpret_cast<void*>(statbuf));
  if (r != 0) return r < 0 ? r : 0;
  fs::Stat st;
  if (fs::recall_open_stat(f, &st)) return UserPtr<fs::Stat>(statbuf).write(st) ? 0 : -EFAULT;
  return hypercall(Hypercall::kFstat, f->handle, statbuf);
}

int64_t sys_fstatfs(int fd, uint64_t buf) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (f->kind != FileKind::kHost) return unsupported("fstatfs of a pipe, device or /proc file");
  if (!UserPtr<char>(buf).prepare(120 /* struct statfs */, true)) return -EFAULT;
  return host_op(FileOp::kStatfs, f, buf);
}

namespace {

// linux_dirent64 records for a synthetic directory: ".", "..", then its names.
int64_t getdents_synthetic(File* f, uint64_t buf, uint64_t count) {
  if (int64_t e = fs::file_generate(f); e < 0) return e;
  if (!UserPtr<char>(buf).prepare(count, true)) return -EFAULT;
  // SAFETY: prepare() checked [buf, buf+count).
  char* out = reinterpret_cast<char*>(buf);
  uint64_t used = 0;
  uint64_t index = 0;  // the entry f->offset counts
  auto emit = [&](const char* name, uint64_t len, uint8_t type) -> bool {
    if (index++ < f->offset) return true;
    uint64_t reclen = (19 + len + 1 + 7) & ~uint64_t{7};
    if (used + reclen > count) return false;
    char* d = out + used;
    memset(d, 0, reclen);
    uint64_t ino = 1000 + index, next = index;
    memcpy(d, &ino, 8);
    memcpy(d + 8, &next, 8);
    uint16_t rl = static_cast<uint16_t>(reclen);
    memcpy(d + 16, &rl, 2);
    d[18] = static_cast<char>(type);
    memcpy(d + 19, name, len);
    used += reclen;
    ++f->offset;
    return true;
  };
  constexpr uint8_t kDtDir = 4, kDtLnk = 10;
  if (!emit(".", 1, kDtDir) || !emit("..", 2, kDtDir)) return used ? static_cast<int64_t>(used) : -EINVAL;
  char name[32];
  for (uint64_t at = 0; at < f->size;) {
    uint64_t n = 0;
    while (at + n < f->size && n < sizeof(name)) {
      fs::file_read_synthetic(f, at + n, &name[n], 1);
      if (name[n] == '\0') break;
      ++n;
    }
    at += n + 1;
    if (!emit(name, n, kDtLnk)) return used ? static_cast<int64_t>(used) : -EINVAL;
  }
  return static_cast<int64_t>(used);
}

}  // namespace

int64_t sys_getdents64(int fd, uint64_t buf, uint64_t count) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (!f->is_dir) return -ENOTDIR;
  if (count > kMaxChunk) count = kMaxChunk;
  if (f->kind == FileKind::kSynthetic) return getdents_synthetic(f, buf, count);
  if (f->kind != FileKind::kHost) return -ENOTDIR;
  if (!UserPtr<char>(buf).prepare(count, true)) return -EFAULT;
  // Right after the open, the first records are here already (kOpen's read-ahead):
  // whole records, as many as fit.
  uint64_t length;
  bool end;
  if (const uint8_t* ahead = fs::open_ahead(f, &length, &end)) {
    uint64_t at = f->pos_local ? f->ahead_used : 0;
    if (at < length || end) {
      // ABI: linux_dirent64 is d_ino (8), d_off (8), d_reclen (2), d_type, name.
      uint64_t took = 0;
      int64_t last_off = 0;
      while (at + took + 19 <= length) {
        uint16_t reclen;
        memcpy(&reclen, ahead + at + took + 16, sizeof(reclen));
        if (reclen < 19 || at + took + reclen > length || took + reclen > count) break;
        memcpy(&last_off, ahead + at + took + 8, sizeof(last_off));
        took += reclen;
      }
      if (took == 0 && at < length) return -EINVAL;  // the next record does not fit
      // SAFETY: prepare() checked and mapped [buf, buf+count) for writing.
      memcpy(reinterpret_cast<char*>(buf), ahead + at, took);
      if (took) {
        f->ahead_used = at + took;
        f->pos = static_cast<uint64_t>(last_off);
        f->pos_local = true;
      }
      return static_cast<int64_t>(took);
    }
  }
  if (int64_t e = fs::sync_position(f); e < 0) return e;
  return hypercall(Hypercall::kGetdents, f->handle, buf, count);
}

namespace {

// Copies through a kernel bounce page, for descriptors the host cannot splice.
int64_t copy_loop(File* in, File* out, uint64_t count, int64_t* in_offset) {
  constexpr uint64_t kBounce = 4096;
  if (in->kind == FileKind::kSynthetic)
    if (int64_t e = fs::file_generate(in); e < 0) return e;
  if (in->kind == FileKind::kHost && *in_offset < 0)
    if (int64_t e = fs::sync_position(in); e < 0) return e;
  if (out->kind == FileKind::kHost)
    if (int64_t e = fs::sync_position(out); e < 0) return e;
  char* page = static_cast<char*>(kmalloc(kBounce));
  if (!page) return -ENOMEM;
  int64_t total = 0;
  // The bounce page lives in the kernel half, so the host-file paths take it as a
  // guest virtual buffer like any other.
  while (static_cast<uint64_t>(total) < count) {
    uint64_t want = count - static_cast<uint64_t>(total) < kBounce ? count - static_cast<uint64_t>(total) : kBounce;
    int64_t got;
    if (in->kind == FileKind::kHost)
      got = *in_offset < 0 ? hypercall(Hypercall::kRead, in->handle, reinterpret_cast<uint64_t>(page), want)
                           : hypercall(Hypercall::kPread, in->handle, reinterpret_cast<uint64_t>(page), want,
                                       static_cast<uint64_t>(*in_offset));
    else if (in->kind == FileKind::kPipe)
      got = fs::pipe_read(in, page, want);
    else if (in->kind == FileKind::kSynthetic)
      got = static_cast<int64_t>(fs::file_read_synthetic(in, *in_offset < 0 ? in->offset : static_cast<uint64_t>(*in_offset), page, want));
    else if (in->kind == FileKind::kNull)
      got = 0;
    else {
      memset(page, 0, want);
      got = static_cast<int64_t>(want);
    }
    if (got <= 0) {
      if (got < 0 && total == 0) total = got;
      break;
    }
    if (*in_offset >= 0) *in_offset += got;
    else if (in->kind == FileKind::kSynthetic) in->offset += static_cast<uint64_t>(got);
    int64_t put;
    if (out->kind == FileKind::kHost)
      put = hypercall(Hypercall::kWrite, out->handle, reinterpret_cast<uint64_t>(page), static_cast<uint64_t>(got));
    else if (out->kind == FileKind::kPipe)
      put = fs::pipe_write(out, page, static_cast<uint64_t>(got));
    else
      put = out->kind == FileKind::kFull ? -ENOSPC : got;
    if (put < 0) {
      if (total == 0) total = put;
      break;
    }
    total += put;
    if (put < got) break;
  }
  kfree(page, kBounce);
  return total;
}

}  // namespace

int64_t sys_fadvise64(int fd, int64_t, int64_t len, int advice) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (f->kind == FileKind::kPipe) return -ESPIPE;
  if (advice < 0 || advice > 5 || len < 0) return -EINVAL;  // POSIX_FADV_NORMAL..NOREUSE
  // Advice only: the host's page cache does its own readahead.
  return 0;
}

// Extended attributes are not part of the VM's view of files: it answers as a file
// system without them does.
int64_t sys_getxattr(uint64_t, uint64_t, uint64_t, uint64_t) { return -EOPNOTSUPP; }
int64_t sys_lgetxattr(uint64_t, uint64_t, uint64_t, uint64_t) { return -EOPNOTSUPP; }
int64_t sys_fgetxattr(int fd, uint64_t, uint64_t, uint64_t) { return fs::fd_get(fd) ? -EOPNOTSUPP : -EBADF; }
int64_t sys_listxattr(uint64_t, uint64_t, uint64_t) { return -EOPNOTSUPP; }
int64_t sys_setxattr(uint64_t, uint64_t, uint64_t, uint64_t, int) { return -EOPNOTSUPP; }
int64_t sys_lsetxattr(uint64_t, uint64_t, uint64_t, uint64_t, int) { return -EOPNOTSUPP; }
int64_t sys_fsetxattr(int fd, uint64_t, uint64_t, uint64_t, int) { return fs::fd_get(fd) ? -EOPNOTSUPP : -EBADF; }
int64_t sys_removexattr(uint64_t, uint64_t) { return -EOPNOTSUPP; }
int64_t sys_lremovexattr(uint64_t, uint64_t) { return -EOPNOTSUPP; }
int64_t sys_fremovexattr(int fd, uint64_t) { return fs::fd_get(fd) ? -EOPNOTSUPP : -EBADF; }

int64_t sys_llistxattr(uint64_t, uint64_t, uint64_t) { return -EOPNOTSUPP; }
int64_t sys_flistxattr(int fd, uint64_t, uint64_t) { return fs::fd_get(fd) ? -EOPNOTSUPP : -EBADF; }

int64_t sys_sendfile(int out_fd, int in_fd, uint64_t offset, uint64_t count) {
  File* out = fs::fd_get(out_fd);
  File* in = fs::fd_get(in_fd);
  if (!out || !in) return -EBADF;
  if (!readable(in) || !writable(out)) return -EBADF;
  if (count > kMaxRw) count = kMaxRw;
  if (in->kind == FileKind::kHost && out->kind == FileKind::kHost) {
    if (offset && !UserPtr<int64_t>(offset).prepare(1, true)) return -EFAULT;
    if (int64_t e = fs::sync_position(in); e < 0) return e;
    if (int64_t e = fs::sync_position(out); e < 0) return e;
    return host_op(FileOp::kSendfile, out, in->handle, offset, count);
  }
  int64_t pos = -1;
  if (offset && !UserPtr<int64_t>(offset).read(&pos)) return -EFAULT;
  int64_t r = copy_loop(in, out, count, &pos);
  if (offset && r > 0 && !UserPtr<int64_t>(offset).write(pos)) return -EFAULT;
  return r;
}

int64_t sys_copy_file_range(int fd_in, uint64_t off_in, int fd_out, uint64_t off_out, uint64_t len, uint32_t flags) {
  File* in = fs::fd_get(fd_in);
  File* out = fs::fd_get(fd_out);
  if (!in || !out) return -EBADF;
  if (flags) return -EINVAL;
  if (!readable(in) || !writable(out)) return -EBADF;
  if (in->kind != FileKind::kHost || out->kind != FileKind::kHost) return -EINVAL;
  if (off_in && !UserPtr<int64_t>(off_in).prepare(1, true)) return -EFAULT;
  if (off_out && !UserPtr<int64_t>(off_out).prepare(1, true)) return -EFAULT;
  if (int64_t e = fs::sync_position(in); e < 0) return e;
  if (int64_t e = fs::sync_position(out); e < 0) return e;
  return hypercall(Hypercall::kFileOp, static_cast<uint64_t>(FileOp::kCopyRange), out->handle, in->handle, off_in,
                   len, off_out);
}

}  // namespace burrow::kernel
