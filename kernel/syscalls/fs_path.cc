// System calls on names. The guest resolves every path to an absolute, normalized
// guest path (cwd and dirfds are guest state); its own files (/dev, /proc) are
// answered here, everything else by the monitor inside the VM's sandbox.
#include "boot.h"
#include "fs/fdtable.h"
#include "fs/file.h"
#include "fs/path.h"
#include "fs/special.h"
#include "fs/stat.h"
#include "hypercall.h"
#include "lib/string.h"
#include "syscalls/handlers.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

using abi::Hypercall;
using abi::PathOp;
using fs::File;
using fs::FileKind;
using fs::LastComponent;
using fs::ResolvedPath;

// ABI: asm-generic/fcntl.h, linux/fcntl.h
constexpr int kAtFdcwd = -100;
constexpr int kAtSymlinkNofollow = 0x100, kAtRemovedir = 0x200, kAtSymlinkFollow = 0x400, kAtEaccess = 0x200,
              kAtNoAutomount = 0x800, kAtEmptyPath = 0x1000, kAtStatxSyncMask = 0x6000;
constexpr uint32_t kCreat = 0100, kExcl = 0200, kNoctty = 0400, kTrunc = 01000, kDirectory = 0200000,
                   kCloexec = 02000000, kLargeFile = 0100000, kTmpFile = 020000000, kPath = 010000000;

constinit uint32_t g_umask = 022;
constinit bool g_umask_loaded = false;

uint32_t umask_value() {
  if (!g_umask_loaded) {
    g_umask = boot_info().umask & 0777;
    g_umask_loaded = true;
  }
  return g_umask;
}

uint64_t va(const void* p) { return reinterpret_cast<uint64_t>(p); }

int64_t path_op(PathOp op, const ResolvedPath& p, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0) {
  return hypercall(Hypercall::kPathOp, static_cast<uint64_t>(op), va(p.path), p.length, 0, 0, a, b, c);
}

int64_t path_op2(PathOp op, const char* p1, uint64_t len1, const ResolvedPath& p2, uint64_t a = 0) {
  return hypercall(Hypercall::kPathOp, static_cast<uint64_t>(op), va(p1), len1, va(p2.path), p2.length, a);
}

// stat or lstat of a resolved path into a kernel Stat.
int64_t stat_path(ResolvedPath& p, bool follow, fs::Stat* st) {
  int64_t r = follow ? 0 : fs::lstat_special_link(p, st);
  if (r != 0) return r < 0 ? r : 0;
  r = fs::stat_special(p, st);
  if (r == 0) r = path_op(follow ? PathOp::kStat : PathOp::kLstat, p, va(st));
  if (r < 0) return r;
  if (p.trailing_slash && (st->mode & fs::kIfMt) != fs::kIfDir) return -ENOTDIR;
  return 0;
}

int64_t stat_to_user(const fs::Stat& st, uint64_t buf) { return UserPtr<fs::Stat>(buf).write(st) ? 0 : -EFAULT; }

int64_t fstat_fd(int fd, fs::Stat* st) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  int64_t r = fs::fstat_special(f, st);
  if (r != 0) return r < 0 ? r : 0;
  if (fs::recall_open_stat(f, st)) return 0;
  return hypercall(Hypercall::kFstat, f->handle, va(st));
}

// A stat-family call: dirfd + path + AT_* flags.
int64_t stat_at(int dirfd, uint64_t path, int flags, fs::Stat* st) {
  if (flags & ~(kAtSymlinkNofollow | kAtEmptyPath | kAtNoAutomount | kAtStatxSyncMask)) return -EINVAL;
  ResolvedPath p;
  int64_t r = fs::resolve_user_path(dirfd, path, &p, flags & kAtEmptyPath);
  if (r == -EBADF && (flags & kAtEmptyPath)) return fstat_fd(dirfd, st);
  if (r < 0) return r;
  // AT_EMPTY_PATH with "": the descriptor itself (which may have no path).
  char first;
  if ((flags & kAtEmptyPath) && UserPtr<char>(path).read(&first) && first == '\0')
    return dirfd == kAtFdcwd ? stat_path(p, true, st) : fstat_fd(dirfd, st);
  return stat_path(p, !(flags & kAtSymlinkNofollow), st);
}

}  // namespace

namespace {

// The description of a handle the monitor just opened for this VM (kOpen, kMemfd:
// bit 32 a directory, bit 33 a regular file); nobody else shares it. nullptr (and
// the handle closed) when the kernel heap is exhausted.
File* host_file(int64_t answer, uint32_t status, const char* path) {
  uint64_t h = static_cast<uint64_t>(answer);
  File* f = fs::file_new(FileKind::kHost, status, path);
  if (!f) {
    hypercall(Hypercall::kClose, h & 0xFFFFFFFF);
    return nullptr;
  }
  f->handle = h & 0xFFFFFFFF;
  f->is_dir = (h >> 32) & 1;
  f->is_regular = (h >> 33) & 1;
  f->private_description = true;
  return f;
}

}  // namespace

int64_t sys_openat(int dirfd, uint64_t path, int flags_in, uint32_t mode) {
  auto flags = static_cast<uint32_t>(flags_in);
  ResolvedPath p;
  if (int64_t r = fs::resolve_user_path(dirfd, path, &p); r < 0) return r;
  if (p.trailing_slash || p.last != LastComponent::kName) {
    if (flags & kCreat) return -EISDIR;
    if (p.trailing_slash) flags |= kDirectory;
  }
  if (flags & (kCreat | kTmpFile)) mode = mode & 07777 & ~umask_value();
  // 64-bit opens always carry O_LARGEFILE; F_GETFL shows it.
  uint32_t status = (flags & ~(kCreat | kExcl | kNoctty | kTrunc | kCloexec)) | kLargeFile;
  File* f = nullptr;
  int64_t r = fs::open_special(p, status, &f);
  if (r < 0) return r;
  if (r == 0) {
    // The running program's own file cannot be opened for writing.
    if ((flags & 3) != 0 && !(flags & kPath) && strcmp_eq(p.path, boot_info().exe_path)) return -ETXTBSY;
    // For a directory the monitor overwrites the path with its canonical form,
    // which is what later dirfd-relative lookups and getcwd must start from.
    static constinit fs::Stat opened_stat = {};
    int64_t h = hypercall(Hypercall::kOpen, va(p.path), p.length, flags & ~kCloexec, mode, va(p.path),
                          va(&opened_stat), va(fs::open_ahead_buffer()), fs::open_ahead_capacity());
    if (h < 0) return h;
    if (!(f = host_file(h, status, p.path))) return -ENOMEM;
    fs::note_open(f, (static_cast<uint64_t>(h) >> 34) & 1 ? &opened_stat : nullptr, (static_cast<uint64_t>(h) >> 35) & 1);
  }
  return fs::fd_install(f, flags & kCloexec);
}

// An anonymous file in the monitor's memory, a host file like any other for reads,
// writes and mappings; /proc/self/fd shows it as Linux does.
int64_t sys_memfd_create(uint64_t name, uint32_t flags) {
  constexpr uint32_t kCloexec = 1, kAllowSealing = 2, kHugetlb = 4, kNoexecSeal = 8, kExec = 0x10;
  if (flags & ~(kCloexec | kAllowSealing | kHugetlb | kNoexecSeal | kExec | (0x3fu << 26))) return -EINVAL;
  if (flags & kHugetlb) return unsupported("memfd_create with MFD_HUGETLB");
  static constinit char buf[256] = {};
  int64_t len = mm::user_strnlen(name, 250);
  if (len < 0) return -EFAULT;
  if (len >= 250) return -EINVAL;
  // SAFETY: user_strnlen checked the string is readable.
  memcpy(buf, reinterpret_cast<const char*>(name), static_cast<size_t>(len));
  buf[len] = '\0';
  int64_t h = hypercall(Hypercall::kMemfd, va(buf), static_cast<uint64_t>(len), flags & kAllowSealing);
  if (h < 0) return h;
  static constinit char shown[256 + 24] = {};
  memcpy(shown, "/memfd:", 7);
  memcpy(shown + 7, buf, static_cast<size_t>(len));
  memcpy(shown + 7 + len, " (deleted)", 11);
  File* f = host_file(h, 2 /* O_RDWR */, shown);
  if (!f) return -ENOMEM;
  return fs::fd_install(f, flags & kCloexec);
}

int64_t sys_open(uint64_t path, int flags, uint32_t mode) { return sys_openat(kAtFdcwd, path, flags, mode); }

int64_t sys_creat(uint64_t path, uint32_t mode) {
  return sys_openat(kAtFdcwd, path, static_cast<int>(kCreat | 1 /* O_WRONLY */ | kTrunc), mode);
}

int64_t sys_newfstatat(int dirfd, uint64_t path, uint64_t statbuf, int flags) {
  fs::Stat st;
  int64_t r = stat_at(dirfd, path, flags, &st);
  return r < 0 ? r : stat_to_user(st, statbuf);
}

int64_t sys_stat(uint64_t path, uint64_t statbuf) { return sys_newfstatat(kAtFdcwd, path, statbuf, 0); }
int64_t sys_lstat(uint64_t path, uint64_t statbuf) {
  return sys_newfstatat(kAtFdcwd, path, statbuf, kAtSymlinkNofollow);
}

int64_t sys_statx(int dirfd, uint64_t path, int flags, uint32_t mask, uint64_t buf) {
  constexpr uint32_t kStatxReserved = 0x80000000u;
  if (mask & kStatxReserved) return -EINVAL;
  fs::Stat st;
  int64_t r = stat_at(dirfd, path, flags, &st);
  if (r < 0) return r;
  fs::Statx sx = fs::statx_from_stat(st);
  return UserPtr<fs::Statx>(buf).write(sx) ? 0 : -EFAULT;
}

int64_t sys_statfs(uint64_t path, uint64_t buf) {
  ResolvedPath p;
  if (int64_t r = fs::resolve_user_path(kAtFdcwd, path, &p); r < 0) return r;
  if (!UserPtr<char>(buf).prepare(120 /* struct statfs */, true)) return -EFAULT;
  return path_op(PathOp::kStatfs, p, buf);
}

int64_t sys_faccessat2(int dirfd, uint64_t path, int mode, int flags) {
  if (mode & ~7) return -EINVAL;
  if (flags & ~(kAtEaccess | kAtSymlinkNofollow | kAtEmptyPath)) return -EINVAL;
  ResolvedPath p;
  if (int64_t r = fs::resolve_user_path(dirfd, path, &p, flags & kAtEmptyPath); r < 0) return r;
  fs::Stat st;
  int64_t special = fs::stat_special(p, &st);
  if (special < 0) return special;
  if (special > 0) return (mode & 2) && (st.mode & 0222) == 0 ? -EACCES : 0;
  return path_op(PathOp::kAccess, p, static_cast<uint64_t>(mode), static_cast<uint64_t>(flags));
}

int64_t sys_faccessat(int dirfd, uint64_t path, int mode) { return sys_faccessat2(dirfd, path, mode, 0); }
int64_t sys_access(uint64_t path, int mode) { return sys_faccessat2(kAtFdcwd, path, mode, 0); }

int64_t sys_readlinkat(int dirfd, uint64_t path, uint64_t buf, uint64_t size) {
  if (static_cast<int64_t>(size) <= 0) return -EINVAL;
  ResolvedPath p;
  if (int64_t r = fs::resolve_user_path(dirfd, path, &p, true); r < 0) return r;
  char target[fs::kPathMax];
  int64_t r = fs::readlink_special(p, target, sizeof(target));
  if (r < 0) return r;
  if (r > 0) {
    uint64_t n = strlen(target);
    if (n > size) n = size;
    return UserPtr<char>(buf).write(target, n) ? static_cast<int64_t>(n) : -EFAULT;
  }
  if (!UserPtr<char>(buf).prepare(size, true)) return -EFAULT;
  return path_op(PathOp::kReadlink, p, buf, size);
}

int64_t sys_readlink(uint64_t path, uint64_t buf, uint64_t size) { return sys_readlinkat(kAtFdcwd, path, buf, size); }

int64_t sys_mkdirat(int dirfd, uint64_t path, uint32_t mode) {
  ResolvedPath p;
  if (int64_t r = fs::resolve_user_path(dirfd, path, &p); r < 0) return r;
  fs::Stat st;
  if (p.last != LastComponent::kName || fs::stat_special(p, &st) != 0) return -EEXIST;
  return path_op(PathOp::kMkdir, p, mode & 07777 & ~umask_value());
}

int64_t sys_mkdir(uint64_t path, uint32_t mode) { return sys_mkdirat(kAtFdcwd, path, mode); }

int64_t sys_mknodat(int dirfd, uint64_t path, uint32_t mode, uint64_t dev) {
  uint32_t type = mode & fs::kIfMt;
  if (type != 0 && type != fs::kIfReg && type != fs::kIfIfo) return -EPERM;  // devices need CAP_MKNOD
  ResolvedPath p;
  if (int64_t r = fs::resolve_user_path(dirfd, path, &p); r < 0) return r;
  if (p.last != LastComponent::kName) return -EEXIST;
  return path_op(PathOp::kMknod, p, type | (mode & 07777 & ~umask_value()), dev);
}

int64_t sys_mknod(uint64_t path, uint32_t mode, uint64_t dev) { return sys_mknodat(kAtFdcwd, path, mode, dev); }

int64_t sys_unlinkat(int dirfd, uint64_t path, int flags) {
  if (flags & ~kAtRemovedir) return -EINVAL;
  ResolvedPath p;
  if (int64_t r = fs::resolve_user_path(dirfd, path, &p); r < 0) return r;
  // Linux refuses "." and ".." by what was written, before looking anything up.
  if (flags & kAtRemovedir) {
    if (p.last == LastComponent::kDot) return -EINVAL;
    if (p.last == LastComponent::kDotDot) return -ENOTEMPTY;
    if (p.last == LastComponent::kRoot) return -EBUSY;
  } else if (p.last != LastComponent::kName) {
    return -EISDIR;
  }
  return path_op((flags & kAtRemovedir) ? PathOp::kRmdir : PathOp::kUnlink, p);
}

int64_t sys_unlink(uint64_t path) { return sys_unlinkat(kAtFdcwd, path, 0); }
int64_t sys_rmdir(uint64_t path) { return sys_unlinkat(kAtFdcwd, path, kAtRemovedir); }

int64_t sys_renameat2(int olddirfd, uint64_t oldpath, int newdirfd, uint64_t newpath, uint32_t flags) {
  ResolvedPath from, to;
  if (int64_t r = fs::resolve_user_path(olddirfd, oldpath, &from); r < 0) return r;
  if (int64_t r = fs::resolve_user_path(newdirfd, newpath, &to); r < 0) return r;
  if (from.last != LastComponent::kName || to.last != LastComponent::kName) return -EBUSY;
  return path_op2(PathOp::kRename, from.path, from.length, to, flags);
}

int64_t sys_renameat(int olddirfd, uint64_t oldpath, int newdirfd, uint64_t newpath) {
  return sys_renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}
int64_t sys_rename(uint64_t oldpath, uint64_t newpath) { return sys_renameat2(kAtFdcwd, oldpath, kAtFdcwd, newpath, 0); }

int64_t sys_linkat(int olddirfd, uint64_t oldpath, int newdirfd, uint64_t newpath, int flags) {
  if (flags & ~(kAtSymlinkFollow | kAtEmptyPath)) return -EINVAL;
  if (flags & kAtEmptyPath) return unsupported("linkat with AT_EMPTY_PATH");
  ResolvedPath from, to;
  if (int64_t r = fs::resolve_user_path(olddirfd, oldpath, &from); r < 0) return r;
  if (int64_t r = fs::resolve_user_path(newdirfd, newpath, &to); r < 0) return r;
  if (to.last != LastComponent::kName) return -EEXIST;
  return path_op2(PathOp::kLink, from.path, from.length, to, static_cast<uint64_t>(flags));
}

int64_t sys_link(uint64_t oldpath, uint64_t newpath) { return sys_linkat(kAtFdcwd, oldpath, kAtFdcwd, newpath, 0); }

int64_t sys_symlinkat(uint64_t target, int newdirfd, uint64_t linkpath) {
  char raw[fs::kPathMax];
  int64_t n = copy_user_string(target, raw, sizeof(raw));
  if (n < 0) return n;
  if (n == 0) return -ENOENT;
  ResolvedPath to;
  if (int64_t r = fs::resolve_user_path(newdirfd, linkpath, &to); r < 0) return r;
  if (to.last != LastComponent::kName) return -EEXIST;
  return path_op2(PathOp::kSymlink, raw, static_cast<uint64_t>(n), to);
}

int64_t sys_symlink(uint64_t target, uint64_t linkpath) { return sys_symlinkat(target, kAtFdcwd, linkpath); }

int64_t sys_fchmodat(int dirfd, uint64_t path, uint32_t mode) {
  ResolvedPath p;
  if (int64_t r = fs::resolve_user_path(dirfd, path, &p); r < 0) return r;
  // glibc's fchmodat(AT_SYMLINK_NOFOLLOW) goes through /proc/self/fd/N of an O_PATH
  // descriptor: follow it to the file itself.
  fs::follow_special(p);
  return path_op(PathOp::kChmod, p, mode & 07777);
}

int64_t sys_chmod(uint64_t path, uint32_t mode) { return sys_fchmodat(kAtFdcwd, path, mode); }

int64_t sys_fchownat(int dirfd, uint64_t path, uint32_t uid, uint32_t gid, int flags) {
  if (flags & ~(kAtSymlinkNofollow | kAtEmptyPath)) return -EINVAL;
  ResolvedPath p;
  int64_t r = fs::resolve_user_path(dirfd, path, &p, flags & kAtEmptyPath);
  if (r < 0) return r;
  char first;
  if ((flags & kAtEmptyPath) && UserPtr<char>(path).read(&first) && first == '\0' && dirfd != kAtFdcwd)
    return sys_fchown(dirfd, uid, gid);
  if (!(flags & kAtSymlinkNofollow)) fs::follow_special(p);
  return path_op((flags & kAtSymlinkNofollow) ? PathOp::kLchown : PathOp::kChown, p, uid, gid);
}

int64_t sys_chown(uint64_t path, uint32_t uid, uint32_t gid) { return sys_fchownat(kAtFdcwd, path, uid, gid, 0); }
int64_t sys_lchown(uint64_t path, uint32_t uid, uint32_t gid) {
  return sys_fchownat(kAtFdcwd, path, uid, gid, kAtSymlinkNofollow);
}

int64_t sys_utimensat(int dirfd, uint64_t path, uint64_t times, int flags) {
  if (flags & ~(kAtSymlinkNofollow | kAtEmptyPath)) return -EINVAL;
  if (times && !UserPtr<int64_t>(times).prepare(4, false)) return -EFAULT;
  if (path == 0) {
    // futimens(fd, times): glibc passes a NULL path.
    File* f = fs::fd_get(dirfd);
    if (!f) return -EBADF;
    if (f->kind != FileKind::kHost) return unsupported("futimens of a pipe or device");
    return hypercall(Hypercall::kFileOp, static_cast<uint64_t>(abi::FileOp::kUtimens), f->handle, times);
  }
  ResolvedPath p;
  if (int64_t r = fs::resolve_user_path(dirfd, path, &p); r < 0) return r;
  if (!(flags & kAtSymlinkNofollow)) fs::follow_special(p);
  return path_op(PathOp::kUtimens, p, times, (flags & kAtSymlinkNofollow) ? 0 : 1);
}

int64_t sys_truncate(uint64_t path, int64_t length) {
  if (length < 0) return -EINVAL;
  ResolvedPath p;
  if (int64_t r = fs::resolve_user_path(kAtFdcwd, path, &p); r < 0) return r;
  fs::follow_special(p);
  return path_op(PathOp::kTruncate, p, static_cast<uint64_t>(length));
}

int64_t sys_getcwd(uint64_t buf, uint64_t size) {
  const char* c = fs::cwd();
  uint64_t n = strlen(c) + 1;
  if (size < n) return -ERANGE;
  return UserPtr<char>(buf).write(c, n) ? static_cast<int64_t>(n) : -EFAULT;
}

int64_t sys_chdir(uint64_t path) {
  ResolvedPath p;
  if (int64_t r = fs::resolve_user_path(kAtFdcwd, path, &p); r < 0) return r;
  fs::Stat st;
  int64_t special = fs::stat_special(p, &st);
  if (special < 0) return special;
  if (special > 0) {
    if ((st.mode & fs::kIfMt) != fs::kIfDir) return -ENOTDIR;
    return fs::set_cwd(p.path);
  }
  // The monitor checks it is a directory we may search and answers with its
  // canonical path (symlinks resolved), which is what getcwd shows.
  char canonical[fs::kPathMax];
  if (int64_t r = path_op(PathOp::kChdir, p, va(canonical)); r < 0) return r;
  return fs::set_cwd(canonical);
}

int64_t sys_fchdir(int fd) {
  File* f = fs::fd_get(fd);
  if (!f) return -EBADF;
  if (!f->is_dir || !f->path) return -ENOTDIR;
  return fs::set_cwd(f->path);
}

int64_t sys_umask(uint32_t mask) {
  uint32_t old = umask_value();
  g_umask = mask & 0777;
  return old;
}

}  // namespace burrow::kernel
