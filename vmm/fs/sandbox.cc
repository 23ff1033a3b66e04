// Sandbox: guest path validation, resolution confined to one mount, the refusal of host
// objects the guest must never hold, and one function per operation that makes its
// checks in the order Linux makes them, so the first error is the one Linux reports.
#include "fs/sandbox.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <optional>

namespace burrow::fs {
namespace {

// ABI: Linux's MAXSYMLINKS.
constexpr int kMaxLinks = 40;
// openat2 fails with EAGAIN when a rename or mount raced with a scoped ".."; retrying is
// what the kernel asks for, bounded so that a guest renaming in a loop cannot pin us.
constexpr int kResolveAttempts = 64;

// ABI: the kernel's O_LARGEFILE (glibc's is 0 on x86-64) and __O_TMPFILE (glibc's
// includes O_DIRECTORY).
constexpr int kLinuxLargeFile = 0100000;
constexpr int kLinuxTmpfile = 020000000;
// The Linux open flags the host open is given again; the rest is dropped, as Linux
// ignores unknown open flags.
constexpr int kReopenFlags = O_ACCMODE | O_APPEND | O_TRUNC | O_NONBLOCK | O_SYNC | O_DSYNC | O_DIRECT |
                             O_NOATIME | O_DIRECTORY | O_TMPFILE | kLinuxLargeFile;

// ABI: pseudo-filesystems missing from <linux/magic.h>.
constexpr long kConfigfsMagic = 0x62656570;
constexpr long kFusectlMagic = 0x65735543;
constexpr long kMqueueMagic = 0x19800202;

struct GuestPath {
  std::string_view path;  // "/" or "/a/b": the trailing slash is in trailing_slash
  bool trailing_slash = false;
};

// Accepts only what the guest kernel sends: absolute, no "." or ".." or empty
// component, at most one trailing slash, no NUL.
std::optional<GuestPath> parse_guest_path(std::string_view s) {
  if (!s.starts_with('/') || s.find('\0') != std::string_view::npos) return std::nullopt;
  GuestPath p{s, false};
  if (s.size() > 1 && s.ends_with('/')) {
    p.path.remove_suffix(1);
    p.trailing_slash = true;
  }
  if (p.path == "/") return p.trailing_slash ? std::nullopt : std::optional(p);
  for (std::string_view rest = p.path.substr(1);;) {
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (part.empty() || part == "." || part == "..") return std::nullopt;
    if (slash == std::string_view::npos) return p;
    rest.remove_prefix(slash + 1);
  }
}

bool is_at_or_under(std::string_view path, std::string_view base) {
  return base == "/" || path == base || (path.starts_with(base) && path[base.size()] == '/');
}

// `p` relative to the mount at `mount` (which covers it), for openat2 from its root.
std::string relative(const GuestPath& p, std::string_view mount) {
  std::string rel = p.path.size() == mount.size() ? "." : std::string(p.path.substr(mount == "/" ? 1 : mount.size() + 1));
  if (p.trailing_slash) rel += '/';
  return rel;
}

int64_t errno_result(long r) { return r < 0 ? -errno : r; }

// An O_PATH fd for `rel` resolved inside the tree of `root_fd` only: ".." stops at the
// root, absolute symlinks start from it, magic links fail with ELOOP.
int confined_open(int root_fd, const std::string& rel, int flags) {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC | flags;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0; attempt < kResolveAttempts; ++attempt) {
    long fd = syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    // EXDEV: a directory on the way was moved out of the tree while we walked it; for
    // the guest it no longer exists.
    if (errno == EXDEV) return -ENOENT;
    if (errno != EAGAIN) return -errno;
  }
  return -EAGAIN;
}

// The monitor's own procfs names the very inode an fd holds: reopening through it
// cannot be redirected by a rename or a swapped symlink.
std::string proc_fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

// The host's kernel interfaces: /proc/self/mem alone would give the guest the monitor.
bool on_pseudo_fs(int fd) {
  struct statfs fs;
  if (fstatfs(fd, &fs) != 0) return true;
  switch (static_cast<long>(fs.f_type)) {
    case PROC_SUPER_MAGIC: case SYSFS_MAGIC: case DEBUGFS_MAGIC: case TRACEFS_MAGIC:
    case SECURITYFS_MAGIC: case CGROUP_SUPER_MAGIC: case CGROUP2_SUPER_MAGIC:
    case DEVPTS_SUPER_MAGIC: case BPF_FS_MAGIC: case PSTOREFS_MAGIC: case EFIVARFS_MAGIC:
    case SELINUX_MAGIC: case SMACK_MAGIC: case BINFMTFS_MAGIC: case NSFS_MAGIC:
    case kConfigfsMagic: case kFusectlMagic: case kMqueueMagic:
      return true;
    default:
      return false;
  }
}

bool is_special(mode_t mode) { return S_ISCHR(mode) || S_ISBLK(mode) || S_ISFIFO(mode) || S_ISSOCK(mode); }

bool may_chown_to(uid_t uid, gid_t gid, const struct stat& st) {
  if (uid != static_cast<uid_t>(-1) && uid != st.st_uid && uid != geteuid()) return false;
  if (gid == static_cast<gid_t>(-1) || gid == st.st_gid || gid == getegid()) return true;
  std::vector<gid_t> groups(std::max(getgroups(0, nullptr), 0));
  groups.resize(std::max(getgroups(static_cast<int>(groups.size()), groups.data()), 0));
  return std::find(groups.begin(), groups.end(), gid) != groups.end();
}

bool valid_time(const struct timespec& t) {
  return t.tv_nsec == UTIME_NOW || t.tv_nsec == UTIME_OMIT || (t.tv_nsec >= 0 && t.tv_nsec < 1'000'000'000);
}

Error fail(std::string message) { return make_error(ExitCode::kMonitorFailed, std::move(message)); }

}  // namespace

// An object found by lookup(): an O_PATH fd of it and the mount it lies in.
struct Sandbox::Object {
  const Root* root = nullptr;
  UniqueFd fd;
};

// The last component of a path, for the operations that create, remove or rename it.
struct Sandbox::Entry {
  enum Kind { kName, kMountPoint, kRoot };  // kRoot: the path is "/"
  Kind kind = kName;
  const Root* root = nullptr;  // the mount of the parent directory: decides EROFS and EXDEV
  UniqueFd parent;             // kName: O_PATH of the parent directory
  std::string name;            // kName
  bool trailing_slash = false;

  // For the *at() calls that never follow the last component, where a trailing slash
  // keeps its Linux meaning ("must be a directory").
  std::string at_name() const { return trailing_slash ? name + "/" : name; }
};

Result<Sandbox> Sandbox::create(std::vector<Mount> mounts) {
  struct statfs proc;
  if (::statfs("/proc/self/fd", &proc) != 0 || proc.f_type != PROC_SUPER_MAGIC)
    return fail("the file sandbox needs the host's /proc mounted: it reopens files through /proc/self/fd");
  std::vector<Root> roots;
  for (Mount& mount : mounts) {
    auto guest = parse_guest_path(mount.guest_path);
    if (!guest || guest->trailing_slash)
      return fail(fmt::format("mount {}: the guest path must be absolute and normalized", mount.guest_path));
    std::erase_if(roots, [&](const Root& r) { return is_at_or_under(r.guest_path, mount.guest_path); });
    int fd = ::open(mount.host_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(fmt::format("mount {} at {}: {}", mount.host_path, mount.guest_path, std::strerror(errno)));
    roots.push_back({std::move(mount.guest_path), UniqueFd(fd), mount.read_only});
  }
  std::stable_sort(roots.begin(), roots.end(),
                   [](const Root& a, const Root& b) { return a.guest_path.size() > b.guest_path.size(); });
  if (!roots.empty()) {
    UniqueFd probe(confined_open(roots.front().fd.get(), ".", 0));
    if (probe.get() == -ENOSYS) return fail("the host kernel has no openat2: Burrow needs Linux 5.6 or later");
  }
  return Sandbox(std::move(roots));
}

const Sandbox::Root* Sandbox::covering(std::string_view path) const {
  for (const Root& root : roots_)
    if (is_at_or_under(path, root.guest_path)) return &root;
  return nullptr;
}

bool Sandbox::is_mount_point(std::string_view path) const {
  return std::any_of(roots_.begin(), roots_.end(), [&](const Root& r) { return r.guest_path == path; });
}

int64_t Sandbox::lookup(std::string_view path, bool follow, Object* out) const {
  auto p = parse_guest_path(path);
  if (!p) return -EINVAL;
  const Root* root = covering(p->path);
  if (!root) return -ENOENT;
  int fd = confined_open(root->fd.get(), relative(*p, root->guest_path), follow ? 0 : O_NOFOLLOW);
  if (fd < 0) return fd;
  *out = Object{root, UniqueFd(fd)};
  return on_pseudo_fs(fd) ? -ENOENT : 0;
}

// As Linux: the parent's mount owns the name, and a mount point is a name in it that
// exists (its underlying host directory is never looked at).
int64_t Sandbox::entry(std::string_view path, Entry* out) const {
  auto p = parse_guest_path(path);
  if (!p) return -EINVAL;
  out->trailing_slash = p->trailing_slash;
  if (p->path == "/") {
    out->kind = Entry::kRoot;
    out->root = covering("/");
    return out->root ? 0 : -ENOENT;
  }
  size_t slash = p->path.rfind('/');
  GuestPath parent{slash == 0 ? "/" : p->path.substr(0, slash)};
  out->root = covering(parent.path);
  if (!out->root) return -ENOENT;
  if (is_mount_point(p->path)) {
    out->kind = Entry::kMountPoint;
    return 0;
  }
  int fd = confined_open(out->root->fd.get(), relative(parent, out->root->guest_path), O_DIRECTORY);
  if (fd < 0) return fd;
  out->parent = UniqueFd(fd);
  out->name = p->path.substr(slash + 1);
  return on_pseudo_fs(fd) ? -ENOENT : 0;
}

// mkdir, mknod, symlink and link's new name. As Linux's filename_create: EEXIST first,
// then ENOENT for a trailing slash on anything but a directory, then EROFS; `make` may
// still refuse (EXDEV, EPERM) before it asks the host.
template <class Make>
int64_t Sandbox::create(std::string_view path, bool directory, Make make) const {
  Entry e;
  if (int64_t r = entry(path, &e); r < 0) return r;
  if (e.kind != Entry::kName) return -EEXIST;
  struct stat st;
  if (fstatat(e.parent.get(), e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return -EEXIST;
  if (errno != ENOENT) return -errno;
  if (e.trailing_slash && !directory) return -ENOENT;
  if (e.root->read_only) return -EROFS;
  return make(e);
}

int64_t Sandbox::open(std::string_view path, int flags, mode_t mode, Opened* out) const {
  auto p = parse_guest_path(path);
  if (!p) return -EINVAL;
  // Linux's build_open_flags, before any lookup.
  if (flags & kLinuxTmpfile) {
    if ((flags & (O_TMPFILE | O_CREAT)) != O_TMPFILE || (flags & O_ACCMODE) == O_RDONLY) return -EINVAL;
  } else if (flags & O_PATH) {
    flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW;
  } else if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY)) {
    return -EINVAL;
  }
  const bool create = flags & O_CREAT;
  if (create && p->trailing_slash) {
    Entry e;
    int64_t r = entry(path, &e);
    return r < 0 ? r : -EISDIR;
  }
  const Root* root = covering(p->path);
  if (!root) return -ENOENT;
  // O_CREAT|O_EXCL never follows a symlink in the last component.
  const int nofollow = (flags & O_NOFOLLOW) || (create && (flags & O_EXCL)) ? O_NOFOLLOW : 0;
  std::string rel = relative(*p, root->guest_path);
  // Each round either opens what is there or creates it with O_EXCL, so a host object is
  // never opened for real before its type is checked. A dangling symlink leads to
  // another round at its target; a name that appears meanwhile, to another look.
  for (int round = 0; round <= kMaxLinks; ++round) {
    int fd = confined_open(root->fd.get(), rel, nofollow | (flags & O_DIRECTORY));
    if (fd >= 0) return open_existing(Object{root, UniqueFd(fd)}, flags, mode, out);
    if (fd != -ENOENT || !create) return fd;

    const size_t slash = rel.rfind('/');  // npos + 1 == 0
    const std::string dir = rel.substr(0, slash + 1);
    const std::string name = rel.substr(slash + 1);
    if (name.empty() || name == "." || name == "..") return -EISDIR;  // a symlink's target said so
    UniqueFd parent(confined_open(root->fd.get(), dir.empty() ? "." : dir, O_DIRECTORY));
    if (parent.get() < 0) return parent.release();
    if (on_pseudo_fs(parent.get())) return -ENOENT;
    int64_t made;
    if (root->read_only) {
      struct stat st;
      made = fstatat(parent.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 ? -EEXIST : -errno;
      if (made == -ENOENT) return -EROFS;
    } else {
      made = errno_result(openat(parent.get(), name.c_str(), (flags & kReopenFlags) | O_CREAT | O_EXCL | O_CLOEXEC,
                                 mode & 07777));
      if (made >= 0) {
        *out = {static_cast<int>(made), false};
        return 0;
      }
    }
    if (made != -EEXIST || (flags & O_EXCL)) return made;
    char target[PATH_MAX];
    ssize_t n = readlinkat(parent.get(), name.c_str(), target, sizeof target);
    if (n > 0) rel = target[0] == '/' ? std::string(target, n) : dir + std::string(target, n);
  }
  return -ELOOP;
}

// Linux's do_open and may_open checks, then the refusals, then the real open.
int64_t Sandbox::open_existing(Object object, int flags, mode_t mode, Opened* out) const {
  struct stat st;
  if (on_pseudo_fs(object.fd.get())) return -ENOENT;
  if (fstat(object.fd.get(), &st) != 0) return -errno;
  const bool writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
  if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return -EEXIST;
  if (S_ISLNK(st.st_mode) && !(flags & O_PATH)) return -ELOOP;  // only found with O_NOFOLLOW
  if (S_ISDIR(st.st_mode) && ((flags & O_CREAT) || (writes && !(flags & kLinuxTmpfile)))) return -EISDIR;
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return -EACCES;
  if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) return -ENXIO;
  const bool read_only = object.root->read_only;
  if (read_only && writes) return -EROFS;
  if (flags & O_PATH) {
    *out = {object.fd.release(), read_only};
    return 0;
  }
  int fd = ::open(proc_fd_path(object.fd.get()).c_str(), (flags & kReopenFlags) | O_CLOEXEC, mode & 07777);
  if (fd < 0) return -errno;
  *out = {fd, read_only};
  return 0;
}

int64_t Sandbox::stat(std::string_view path, bool follow, struct stat* out) const {
  Object o;
  if (int64_t r = lookup(path, follow, &o); r < 0) return r;
  return errno_result(fstat(o.fd.get(), out));
}

int64_t Sandbox::statfs(std::string_view path, struct statfs* out) const {
  Object o;
  if (int64_t r = lookup(path, true, &o); r < 0) return r;
  if (fstatfs(o.fd.get(), out) != 0) return -errno;
  if (o.root->read_only) out->f_flags |= ST_RDONLY;
  return 0;
}

// The host decides with the monitor's credentials; a read-only mount then refuses W_OK
// as Linux does, after the permission check and never for device-like files.
int64_t Sandbox::access(std::string_view path, int mode, int at_flags) const {
  if (mode & ~(R_OK | W_OK | X_OK) || at_flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW)) return -EINVAL;
  Object o;
  if (int64_t r = lookup(path, !(at_flags & AT_SYMLINK_NOFOLLOW), &o); r < 0) return r;
  if (syscall(SYS_faccessat2, o.fd.get(), "", mode, (at_flags & AT_EACCESS) | AT_EMPTY_PATH) != 0) return -errno;
  if (!(mode & W_OK) || !o.root->read_only) return 0;
  struct stat st;
  if (fstat(o.fd.get(), &st) != 0) return -errno;
  return is_special(st.st_mode) ? 0 : -EROFS;
}

int64_t Sandbox::mkdir(std::string_view path, mode_t mode) const {
  return create(path, true, [&](const Entry& e) {
    return errno_result(mkdirat(e.parent.get(), e.at_name().c_str(), mode & 07777));
  });
}

int64_t Sandbox::mknod(std::string_view path, mode_t mode) const {
  const mode_t type = mode & S_IFMT;
  if (type == S_IFDIR) return -EPERM;
  if (type != 0 && type != S_IFREG && type != S_IFIFO && type != S_IFSOCK && type != S_IFCHR && type != S_IFBLK)
    return -EINVAL;
  return create(path, false, [&](const Entry& e) -> int64_t {
    if (type == S_IFCHR || type == S_IFBLK) return -EPERM;  // needs CAP_MKNOD
    return errno_result(mknodat(e.parent.get(), e.at_name().c_str(), mode & (S_IFMT | 07777), 0));
  });
}

int64_t Sandbox::rmdir(std::string_view path) const {
  Entry e;
  if (int64_t r = entry(path, &e); r < 0) return r;
  if (e.kind == Entry::kRoot) return -EBUSY;
  if (e.root->read_only) return -EROFS;
  if (e.kind == Entry::kMountPoint) return -EBUSY;
  return errno_result(unlinkat(e.parent.get(), e.at_name().c_str(), AT_REMOVEDIR));
}

int64_t Sandbox::unlink(std::string_view path) const {
  Entry e;
  if (int64_t r = entry(path, &e); r < 0) return r;
  if (e.kind == Entry::kRoot) return -EISDIR;
  if (e.root->read_only) return -EROFS;
  if (e.kind == Entry::kMountPoint) return -EISDIR;
  return errno_result(unlinkat(e.parent.get(), e.at_name().c_str(), 0));
}

int64_t Sandbox::rename(std::string_view old_path, std::string_view new_path, unsigned flags) const {
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return -EINVAL;
  if ((flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) && (flags & RENAME_EXCHANGE)) return -EINVAL;
  if (flags & RENAME_WHITEOUT) return -EPERM;  // needs CAP_MKNOD
  Entry from, to;
  if (int64_t r = entry(old_path, &from); r < 0) return r;
  if (int64_t r = entry(new_path, &to); r < 0) return r;
  if (from.root != to.root) return -EXDEV;
  if (from.kind == Entry::kRoot || to.kind == Entry::kRoot) return -EBUSY;
  if (from.root->read_only) return -EROFS;
  if (from.kind == Entry::kMountPoint || to.kind == Entry::kMountPoint) return -EBUSY;
  return errno_result(
      renameat2(from.parent.get(), from.at_name().c_str(), to.parent.get(), to.at_name().c_str(), flags));
}

int64_t Sandbox::link(std::string_view old_path, std::string_view new_path) const {
  Object from;
  if (int64_t r = lookup(old_path, false, &from); r < 0) return r;
  return create(new_path, false, [&](const Entry& e) -> int64_t {
    if (e.root != from.root) return -EXDEV;
    // Follows the magic link to the inode `from` holds (a symlink stays a symlink).
    return errno_result(
        linkat(AT_FDCWD, proc_fd_path(from.fd.get()).c_str(), e.parent.get(), e.at_name().c_str(), AT_SYMLINK_FOLLOW));
  });
}

int64_t Sandbox::symlink(std::string_view target, std::string_view link_path) const {
  if (target.empty()) return -ENOENT;
  if (target.find('\0') != std::string_view::npos) return -EINVAL;
  if (target.size() >= PATH_MAX) return -ENAMETOOLONG;
  const std::string stored(target);
  return create(link_path, false, [&](const Entry& e) {
    return errno_result(symlinkat(stored.c_str(), e.parent.get(), e.at_name().c_str()));
  });
}

int64_t Sandbox::readlink(std::string_view path, std::string* target) const {
  Object o;
  if (int64_t r = lookup(path, false, &o); r < 0) return r;
  struct stat st;
  if (fstat(o.fd.get(), &st) != 0) return -errno;
  if (!S_ISLNK(st.st_mode)) return -EINVAL;
  char buf[PATH_MAX];
  ssize_t n = readlinkat(o.fd.get(), "", buf, sizeof buf);
  if (n < 0) return -errno;
  target->assign(buf, n);
  return n;
}

int64_t Sandbox::chmod(std::string_view path, mode_t mode, bool follow) const {
  Object o;
  if (int64_t r = lookup(path, follow, &o); r < 0) return r;
  if (o.root->read_only) return -EROFS;
  return errno_result(::chmod(proc_fd_path(o.fd.get()).c_str(), mode & 07777));
}

int64_t Sandbox::chown(std::string_view path, uid_t uid, gid_t gid, bool follow) const {
  Object o;
  if (int64_t r = lookup(path, follow, &o); r < 0) return r;
  if (o.root->read_only) return -EROFS;
  struct stat st;
  if (fstat(o.fd.get(), &st) != 0) return -errno;
  if (!may_chown_to(uid, gid, st)) return -EPERM;
  return errno_result(fchownat(o.fd.get(), "", uid, gid, AT_EMPTY_PATH));
}

int64_t Sandbox::utimens(std::string_view path, const struct timespec* times, bool follow) const {
  if (times && !(valid_time(times[0]) && valid_time(times[1]))) return -EINVAL;
  Object o;
  if (int64_t r = lookup(path, follow, &o); r < 0) return r;
  if (o.root->read_only) return -EROFS;
  return errno_result(utimensat(o.fd.get(), "", times, AT_EMPTY_PATH));
}

int64_t Sandbox::truncate(std::string_view path, off_t length) const {
  if (length < 0) return -EINVAL;
  Object o;
  if (int64_t r = lookup(path, true, &o); r < 0) return r;
  struct stat st;
  if (fstat(o.fd.get(), &st) != 0) return -errno;
  if (S_ISDIR(st.st_mode)) return -EISDIR;
  if (!S_ISREG(st.st_mode)) return -EINVAL;
  if (o.root->read_only) return -EROFS;
  return errno_result(::truncate(proc_fd_path(o.fd.get()).c_str(), length));
}

}  // namespace burrow::fs
