// Sandbox: guest path validation, path resolution in the guest's view of the mounts, the
// refusal of host objects the guest must never hold, and one function per operation that
// makes its checks in the order Linux makes them, so the first error is the one Linux
// reports.
#include "fs/sandbox.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
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
// Bounded retries: of openat2, which may fail with EAGAIN when a rename raced with it,
// and of O_CREAT when a name appears between the look and the create. A guest renaming
// in a loop cannot pin the monitor.
constexpr int kResolveAttempts = 64;

// What step() is asked to do with the last name.
constexpr int kFollow = 1;     // follow a symlink there
constexpr int kDirectory = 2;  // the object must be a directory (-ENOTDIR)
constexpr int kCreate = 4;     // open(O_CREAT): a trailing slash is -EISDIR, a missing name is 1

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

int64_t errno_result(long r) { return r < 0 ? -errno : r; }

// `name` in the directory at the canonical guest path `dir`.
std::string join(std::string_view dir, std::string_view name) {
  std::string path(dir == "/" ? "" : dir);
  return path.append("/").append(name);
}

// `path` (relative, without "..") from `dir_fd`, with O_PATH and `flags`: beneath it,
// through no symlink, or nothing.
int open_beneath(int dir_fd, const std::string& path, int flags = O_DIRECTORY) {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC | flags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0; attempt < kResolveAttempts; ++attempt) {
    long fd = syscall(SYS_openat2, dir_fd, path.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != EAGAIN) return -errno;
  }
  return -EAGAIN;
}

// The text of a symlink: `name` in `dir_fd`, or with an empty name the O_PATH fd of the
// link itself (then it is the very link that was looked at, whatever races).
int64_t read_link(int dir_fd, const char* name, std::string* body) {
  body->resize(PATH_MAX);
  ssize_t n = readlinkat(dir_fd, name, body->data(), body->size());
  if (n < 0) return -errno;
  if (static_cast<size_t>(n) == body->size()) return -ENAMETOOLONG;
  body->resize(static_cast<size_t>(n));
  return 0;
}

// A magic link (/proc/PID/root, /proc/PID/fd/N, ...) names an object, not a path: its
// text must never be taken for a path. openat2 tells it from procfs's plain symlinks
// (/proc/self); RESOLVE_BENEATH keeps the probe itself from following anything far.
bool is_magic_link(int dir_fd, const std::string& name) {
  open_how how{};
  how.flags = O_PATH | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  long fd = syscall(SYS_openat2, dir_fd, name.c_str(), &how, sizeof how);
  if (fd >= 0) ::close(static_cast<int>(fd));
  return fd < 0 && errno == ELOOP;
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

// The same for an object whose status is known: those file systems all live on
// anonymous devices (major 0), so a file on a block device is never one of them
// (no statfs needed: most lookups are on the host's disk).
bool on_pseudo_fs(int fd, const struct stat& st) { return major(st.st_dev) == 0 && on_pseudo_fs(fd); }

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

// A place in the guest's view: a directory a walk is in, or the object it found.
struct Sandbox::Node {
  const Root* root = nullptr;  // the mount it lies in
  UniqueFd owned;
  // O_PATH: owned's, or a mount root's. -1: a directory that is only on the way to a
  // mount point (the mount under it has nothing there); only walks go through it.
  int fd = -1;
  std::string path;  // canonical guest path
};

// The last component of a path, as a walk leaves it; "", "." or ".." when a symlink's
// text ends so ("/", "..").
struct Sandbox::Last {
  std::string name;
  bool trailing_slash = false;  // as in Linux: follow it, and it must be a directory
};

struct Sandbox::Walk {
  Node dir;       // the directory the walk is in
  Last last;      // the component left to resolve in it
  int links = 0;  // symlinks followed: past kMaxLinks, -ELOOP
};

// An object found by lookup() and its stat.
struct Sandbox::Object {
  Node node;
  struct stat st {};
};

// The last component of a path, for the operations that create, remove or rename it.
struct Sandbox::Entry {
  enum Kind { kName, kMountPoint, kRoot };  // kRoot: the path is "/"
  Kind kind = kName;
  const Root* root = nullptr;  // the mount of the parent directory: decides EROFS and EXDEV
  Node parent;                 // kName: the parent directory
  std::string name;            // kName
  std::string path;            // canonical guest path of the name (not kRoot)
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
    UniqueFd probe(open_beneath(roots.front().fd.get(), "."));
    if (probe.get() == -ENOSYS) return fail("the host kernel has no openat2: Burrow needs Linux 5.6 or later");
  }
  return Sandbox(std::move(roots));
}

const Sandbox::Root* Sandbox::covering(std::string_view path) const {
  for (const Root& root : roots_)
    if (is_at_or_under(path, root.guest_path)) return &root;
  return nullptr;
}

const Sandbox::Root* Sandbox::mount_at(std::string_view path) const {
  for (const Root& root : roots_)
    if (root.guest_path == path) return &root;
  return nullptr;
}

// A mount point lies strictly under `path`.
bool Sandbox::holds_mount_point(std::string_view path) const {
  return std::any_of(roots_.begin(), roots_.end(),
                     [&](const Root& r) { return r.guest_path != path && is_at_or_under(r.guest_path, path); });
}

// The directory at the canonical guest path `path` again, for "..": from the mount that
// covers it, which no other mount point and (the path being canonical) no symlink
// separates from it.
int64_t Sandbox::reach(std::string path, Node* out) const {
  const Root* root = covering(path);
  if (!root) {
    if (!holds_mount_point(path)) return -ENOENT;
    *out = Node{nullptr, UniqueFd(), -1, std::move(path)};  // "/" when nothing is mounted there
    return 0;
  }
  if (path == root->guest_path) {
    *out = Node{root, UniqueFd(), root->fd.get(), std::move(path)};
    return 0;
  }
  int fd = open_beneath(root->fd.get(), path.substr(root->guest_path == "/" ? 1 : root->guest_path.size() + 1));
  if (fd < 0 && holds_mount_point(path)) {
    *out = Node{root, UniqueFd(), -1, std::move(path)};
    return 0;
  }
  // ELOOP: a directory on the way was replaced by a symlink meanwhile.
  if (fd < 0) return fd == -ELOOP ? -ENOENT : fd;
  *out = Node{root, UniqueFd(fd), fd, std::move(path)};
  return 0;
}

// Walks `path` up to its last component, which it leaves in w->last with w->dir the
// directory holding it: from w->dir, or from the guest's / when `path` is absolute.
// Every symlink on the way is followed.
int64_t Sandbox::walk(Walk* w, std::string_view path) const {
  if (path.starts_with('/')) {
    // The deepest mount that the directory part names literally: a mount point's
    // ancestors are directories on the way to it. Saves walking down to it, too.
    std::string_view trimmed = path.substr(0, path.find_last_not_of('/') + 1);  // npos + 1 == 0
    const size_t last_start = trimmed.rfind('/') + 1;
    const Root* root = covering(last_start <= 1 ? "/" : trimmed.substr(0, last_start - 1));
    if (!root) {
      if (int64_t r = reach("/", &w->dir); r < 0) return r;
    } else {
      w->dir = Node{root, UniqueFd(), root->fd.get(), root->guest_path};
      if (root->guest_path != "/") path.remove_prefix(root->guest_path.size());
    }
  }
  for (size_t pos = 0;;) {
    pos = path.find_first_not_of('/', pos);
    if (pos == std::string_view::npos) {
      w->last = Last{};  // "/": the directory itself
      return 0;
    }
    pos = skip_plain_run(w, path, pos);
    const size_t slash = path.find('/', pos);
    const size_t next = path.find_first_not_of('/', slash);
    w->last = Last{std::string(path.substr(pos, slash - pos)), slash != std::string_view::npos};
    if (next == std::string_view::npos) return 0;
    w->last.trailing_slash = false;
    Node dir;
    if (int64_t r = step(w, kFollow | kDirectory, &dir, nullptr); r != 0) return r < 0 ? r : -ENOENT;
    w->dir = std::move(dir);
    pos = next;
  }
}

// The fast path of walk(): directories named by two or more plain components from `pos`
// (no "." or "..", no mount point, not the last component) are opened in one openat2
// with RESOLVE_NO_SYMLINKS, the same walk as one name at a time when none of them is a
// symlink. Returns where the walk goes on: after them, or at `pos` when anything (a
// symlink, a missing name, ...) needs the walk one name at a time.
size_t Sandbox::skip_plain_run(Walk* w, std::string_view path, size_t pos) const {
  if (w->dir.fd < 0) return pos;
  std::string guest = w->dir.path;
  size_t end = pos, resume = pos, count = 0;
  for (size_t at = pos;;) {
    const size_t slash = path.find('/', at);
    const size_t next = path.find_first_not_of('/', slash);
    if (next == std::string_view::npos) break;  // the last component is step()'s
    const std::string_view name = path.substr(at, slash - at);
    if (name == "." || name == "..") break;
    const size_t size = guest.size();
    guest.append(guest == "/" ? "" : "/").append(name);
    if (mount_at(guest)) {
      guest.resize(size);
      break;
    }
    end = slash;
    resume = at = next;
    ++count;
  }
  if (count < 2) return pos;
  int fd = open_beneath(w->dir.fd, std::string(path.substr(pos, end - pos)));
  if (fd < 0) return pos;
  w->dir = Node{w->dir.root, UniqueFd(fd), fd, std::move(guest)};
  return resume;
}

// Resolves w->last in w->dir into *out, and its stat into *st unless st is null. A
// symlink there is followed with kFollow: its text is walked from w->dir, which moves
// w->dir and w->last on. Returns 1 (only with kCreate) when the name does not exist,
// with w->dir and w->last naming it.
int64_t Sandbox::step(Walk* w, int how, Node* out, struct stat* st) const {
  for (;;) {
    if (w->last.trailing_slash) {
      if (how & kCreate) return -EISDIR;
      how |= kFollow | kDirectory;
    }
    const std::string& name = w->last.name;
    if (name.empty() || name == "." || name == "..") {
      // As Linux, "." and ".." need search permission on the directory they are in.
      if (!name.empty() && w->dir.fd >= 0 &&
          syscall(SYS_faccessat2, w->dir.fd, "", X_OK, AT_EACCESS | AT_EMPTY_PATH) != 0)
        return -errno;
      if (name == "..") {
        const size_t slash = w->dir.path.rfind('/');
        if (int64_t r = reach(slash == 0 ? "/" : w->dir.path.substr(0, slash), &w->dir); r < 0) return r;
      }
      *out = std::exchange(w->dir, Node{});
      return out->fd >= 0 && st && fstat(out->fd, st) != 0 ? -errno : 0;
    }
    std::string path = join(w->dir.path, name);
    if (const Root* mount = mount_at(path)) {
      *out = Node{mount, UniqueFd(), mount->fd.get(), std::move(path)};
      return st && fstat(out->fd, st) != 0 ? -errno : 0;
    }
    auto on_the_way = [&] {
      *out = Node{w->dir.root, UniqueFd(), -1, std::move(path)};
      return 0;
    };
    if (w->dir.fd < 0) return holds_mount_point(path) ? on_the_way() : -ENOENT;

    // A symlink is followed and anything else must be a directory: one call says both.
    const bool dir_only = (how & (kFollow | kDirectory)) == (kFollow | kDirectory);
    std::string body;
    int fd = openat(w->dir.fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC | (dir_only ? O_DIRECTORY : 0));
    const int error = errno;
    if (fd >= 0) {
      UniqueFd object(fd);
      struct stat s;
      if (!dir_only) {
        if (fstat(fd, &s) != 0) return -errno;
        if (S_ISLNK(s.st_mode) && (how & kFollow)) {
          if (int64_t r = read_link(fd, "", &body); r < 0) return r;
          fd = -1;
        } else if ((how & kDirectory) && !S_ISDIR(s.st_mode)) {
          return -ENOTDIR;
        } else if (st) {
          *st = s;
        }
      } else if (st && fstat(fd, st) != 0) {
        return -errno;
      }
      if (fd >= 0) {
        *out = Node{w->dir.root, std::move(object), fd, std::move(path)};
        return 0;
      }
    } else if (error == ENOENT) {
      if (holds_mount_point(path)) return on_the_way();
      return how & kCreate ? 1 : -ENOENT;
    } else if (dir_only && (error == ENOTDIR || error == ELOOP)) {
      // A symlink, or not a directory. The link read may be another one than the
      // name held a moment ago: its text is walked in the guest's view all the same.
      if (int64_t r = read_link(w->dir.fd, name.c_str(), &body); r < 0) {
        if (r != -EINVAL) return r;
        return holds_mount_point(path) ? on_the_way() : -ENOTDIR;
      }
    } else {
      return -error;
    }

    if (++w->links > kMaxLinks) return -ELOOP;
    if (on_pseudo_fs(w->dir.fd) && is_magic_link(w->dir.fd, name)) return -ELOOP;
    if (body.empty()) return -ENOENT;
    if (int64_t r = walk(w, body); r < 0) return r;
    how |= kFollow;  // the last component of a symlink's text is always followed
  }
}

// The fast path of a whole lookup: when nothing but plain directories lies between the
// mount a path starts in and its object, one openat2 that refuses symlinks finds what
// the walk would, and the path is canonical as it is. False: take the walk, which gives
// the exact answer (a symlink, a missing name, a mount point, an error).
// `path` as parse_guest_path() leaves it, without its trailing slash.
bool Sandbox::resolve_plain(std::string_view path, bool trailing_slash, int how, Object* out,
                            int64_t* missing) const {
  if (trailing_slash) {
    if (how & kCreate) return false;
    how |= kFollow | kDirectory;
  }
  const size_t slash = path.rfind('/');
  const Root* root = covering(slash == 0 ? "/" : path.substr(0, slash));
  if (!root || mount_at(path)) return false;
  std::string rel(path.substr(root->guest_path == "/" ? 1 : root->guest_path.size() + 1));
  int fd = open_beneath(root->fd.get(), rel, (how & kFollow ? 0 : O_NOFOLLOW) | (how & kDirectory ? O_DIRECTORY : 0));
  // ENOENT with no symlink on the way (RESOLVE_NO_SYMLINKS says ELOOP at the first
  // one) and no mount point at or under the path: the walk would say so too.
  if (fd == -ENOENT && missing && !(how & kCreate) && !holds_mount_point(path)) *missing = -ENOENT;
  if (fd < 0) return false;
  out->node = Node{root, UniqueFd(fd), fd, std::string(path)};
  return fstat(fd, &out->st) == 0;
}

// What `path` names (how: kFollow, kDirectory), for the operations on an object.
int64_t Sandbox::lookup(std::string_view path, int how, Object* out) const {
  auto p = parse_guest_path(path);
  if (!p) return -EINVAL;
  int64_t missing = 0;
  if (!resolve_plain(p->path, p->trailing_slash, how, out, &missing)) {
    if (missing) return missing;
    Walk w;
    if (int64_t r = walk(&w, path); r < 0) return r;
    if (int64_t r = step(&w, how, &out->node, &out->st); r < 0) return r;
    if (out->node.fd < 0) return -ENOENT;
  }
  return on_pseudo_fs(out->node.fd, out->st) ? -ENOENT : 0;
}

// As Linux: the parent's mount owns the name, and a mount point is a name in it that
// exists (the host directory under it is never looked at).
int64_t Sandbox::entry(std::string_view path, Entry* out) const {
  auto p = parse_guest_path(path);
  if (!p) return -EINVAL;
  out->trailing_slash = p->trailing_slash;
  if (p->path == "/") {
    out->kind = Entry::kRoot;
    out->root = covering("/");
    return out->root ? 0 : -ENOENT;
  }
  Walk w;
  if (int64_t r = walk(&w, path); r < 0) return r;
  out->root = w.dir.root;
  if (!out->root) return -ENOENT;
  out->path = join(w.dir.path, w.last.name);
  if (mount_at(out->path)) {
    out->kind = Entry::kMountPoint;
    return 0;
  }
  if (w.dir.fd < 0) return -ENOENT;
  out->parent = std::move(w.dir);
  out->name = std::move(w.last.name);
  return on_pseudo_fs(out->parent.fd) ? -ENOENT : 0;
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
  if (fstatat(e.parent.fd, e.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return -EEXIST;
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
  // O_CREAT|O_EXCL never follows a symlink in the last component; a dangling one is
  // followed to where its target would be.
  const bool create = flags & O_CREAT;
  const bool exclusive = create && (flags & O_EXCL);
  const int how = (create ? kCreate : 0) | ((flags & O_NOFOLLOW) || exclusive ? 0 : kFollow) |
                  (flags & O_DIRECTORY ? kDirectory : 0);
  int64_t missing = 0;
  if (Object o; resolve_plain(p->path, p->trailing_slash, how, &o, &missing))
    return open_existing(std::move(o), flags, mode, out);
  if (missing) return missing;
  Walk w;
  if (int64_t r = walk(&w, path); r < 0) return r;
  if (!create) {
    Object o;
    if (int64_t r = step(&w, how, &o.node, &o.st); r < 0) return r;
    if (o.node.fd < 0) return -ENOENT;
    return open_existing(std::move(o), flags, mode, out);
  }
  // Each round either opens what is there or creates it with O_EXCL, so a host object
  // is never opened for real before its type is checked; a name that appears meanwhile
  // leads to another look.
  for (int round = 0;; ++round) {
    Object o;
    int64_t r = step(&w, how, &o.node, &o.st);
    if (r < 0) return r;
    if (r == 0) return o.node.fd < 0 ? -ENOENT : open_existing(std::move(o), flags, mode, out);
    if (on_pseudo_fs(w.dir.fd)) return -ENOENT;
    if (w.dir.root->read_only) return -EROFS;
    int fd = openat(w.dir.fd, w.last.name.c_str(), (flags & kReopenFlags) | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    mode & 07777);
    if (fd >= 0) {
      *out = {fd, false};
      return 0;
    }
    if (errno != EEXIST || exclusive || round == kResolveAttempts) return -errno;
  }
}

// Linux's do_open and may_open checks, then the refusals, then the real open.
int64_t Sandbox::open_existing(Object object, int flags, mode_t mode, Opened* out) const {
  const struct stat& st = object.st;
  if (on_pseudo_fs(object.node.fd, st)) return -ENOENT;
  const bool writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
  if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return -EEXIST;
  if (S_ISLNK(st.st_mode) && !(flags & O_PATH)) return -ELOOP;  // only found with O_NOFOLLOW
  if (S_ISDIR(st.st_mode) && ((flags & O_CREAT) || (writes && !(flags & kLinuxTmpfile)))) return -EISDIR;
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return -EACCES;
  if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) return -ENXIO;
  const bool read_only = object.node.root->read_only;
  if (read_only && writes) return -EROFS;
  if (flags & O_PATH) {
    // A mount root's fd stays the sandbox's: the caller gets its own.
    int fd = object.node.owned.get() >= 0 ? object.node.owned.release()
                                          : fcntl(object.node.fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return -errno;
    *out = {fd, read_only};
    return 0;
  }
  int fd = ::open(proc_fd_path(object.node.fd).c_str(), (flags & kReopenFlags) | O_CLOEXEC, mode & 07777);
  if (fd < 0) return -errno;
  *out = {fd, read_only};
  return 0;
}

int64_t Sandbox::stat(std::string_view path, bool follow, struct stat* out) const {
  Object o;
  if (int64_t r = lookup(path, follow ? kFollow : 0, &o); r < 0) return r;
  *out = o.st;
  return 0;
}

int64_t Sandbox::statfs(std::string_view path, struct statfs* out) const {
  Object o;
  if (int64_t r = lookup(path, kFollow, &o); r < 0) return r;
  if (fstatfs(o.node.fd, out) != 0) return -errno;
  if (o.node.root->read_only) out->f_flags |= ST_RDONLY;
  return 0;
}

// The host decides with the monitor's credentials; a read-only mount then refuses W_OK
// as Linux does, after the permission check and never for device-like files.
int64_t Sandbox::access(std::string_view path, int mode, int at_flags) const {
  if ((mode & ~(R_OK | W_OK | X_OK)) || (at_flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW))) return -EINVAL;
  Object o;
  if (int64_t r = lookup(path, at_flags & AT_SYMLINK_NOFOLLOW ? 0 : kFollow, &o); r < 0) return r;
  if (syscall(SYS_faccessat2, o.node.fd, "", mode, (at_flags & AT_EACCESS) | AT_EMPTY_PATH) != 0) return -errno;
  if (!(mode & W_OK) || !o.node.root->read_only) return 0;
  return is_special(o.st.st_mode) ? 0 : -EROFS;
}

int64_t Sandbox::mkdir(std::string_view path, mode_t mode) const {
  return create(path, true, [&](const Entry& e) {
    return errno_result(mkdirat(e.parent.fd, e.at_name().c_str(), mode & 07777));
  });
}

int64_t Sandbox::mknod(std::string_view path, mode_t mode) const {
  const mode_t type = mode & S_IFMT;
  if (type == S_IFDIR) return -EPERM;
  if (type != 0 && type != S_IFREG && type != S_IFIFO && type != S_IFSOCK && type != S_IFCHR && type != S_IFBLK)
    return -EINVAL;
  return create(path, false, [&](const Entry& e) -> int64_t {
    if (type == S_IFCHR || type == S_IFBLK) return -EPERM;  // needs CAP_MKNOD
    return errno_result(mknodat(e.parent.fd, e.at_name().c_str(), mode & (S_IFMT | 07777), 0));
  });
}

int64_t Sandbox::rmdir(std::string_view path) const {
  Entry e;
  if (int64_t r = entry(path, &e); r < 0) return r;
  if (e.kind == Entry::kRoot) return -EBUSY;
  if (e.root->read_only) return -EROFS;
  if (e.kind == Entry::kMountPoint) return -EBUSY;
  return errno_result(unlinkat(e.parent.fd, e.at_name().c_str(), AT_REMOVEDIR));
}

int64_t Sandbox::unlink(std::string_view path) const {
  Entry e;
  if (int64_t r = entry(path, &e); r < 0) return r;
  if (e.kind == Entry::kRoot) return -EISDIR;
  if (e.root->read_only) return -EROFS;
  if (e.kind == Entry::kMountPoint) return -EISDIR;
  return errno_result(unlinkat(e.parent.fd, e.at_name().c_str(), 0));
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
  // A mount point cannot move, nor can a directory above one: the mount stays at its
  // guest path, so the host directory under it would appear, writable, at the new name.
  if (from.kind == Entry::kMountPoint || to.kind == Entry::kMountPoint || holds_mount_point(from.path) ||
      holds_mount_point(to.path))
    return -EBUSY;
  return errno_result(
      renameat2(from.parent.fd, from.at_name().c_str(), to.parent.fd, to.at_name().c_str(), flags));
}

int64_t Sandbox::link(std::string_view old_path, std::string_view new_path) const {
  Object from;
  if (int64_t r = lookup(old_path, 0, &from); r < 0) return r;
  return create(new_path, false, [&](const Entry& e) -> int64_t {
    if (e.root != from.node.root) return -EXDEV;
    // Follows the magic link to the inode `from` holds (a symlink stays a symlink).
    return errno_result(
        linkat(AT_FDCWD, proc_fd_path(from.node.fd).c_str(), e.parent.fd, e.at_name().c_str(), AT_SYMLINK_FOLLOW));
  });
}

int64_t Sandbox::symlink(std::string_view target, std::string_view link_path) const {
  if (target.empty()) return -ENOENT;
  if (target.find('\0') != std::string_view::npos) return -EINVAL;
  if (target.size() >= PATH_MAX) return -ENAMETOOLONG;
  const std::string stored(target);
  return create(link_path, false, [&](const Entry& e) {
    return errno_result(symlinkat(stored.c_str(), e.parent.fd, e.at_name().c_str()));
  });
}

int64_t Sandbox::readlink(std::string_view path, std::string* target) const {
  Object o;
  if (int64_t r = lookup(path, 0, &o); r < 0) return r;
  if (!S_ISLNK(o.st.st_mode)) return -EINVAL;
  char buf[PATH_MAX];
  ssize_t n = readlinkat(o.node.fd, "", buf, sizeof buf);
  if (n < 0) return -errno;
  target->assign(buf, n);
  return n;
}

int64_t Sandbox::chmod(std::string_view path, mode_t mode, bool follow) const {
  Object o;
  if (int64_t r = lookup(path, follow ? kFollow : 0, &o); r < 0) return r;
  if (o.node.root->read_only) return -EROFS;
  return errno_result(::chmod(proc_fd_path(o.node.fd).c_str(), mode & 07777));
}

int64_t Sandbox::chown(std::string_view path, uid_t uid, gid_t gid, bool follow) const {
  Object o;
  if (int64_t r = lookup(path, follow ? kFollow : 0, &o); r < 0) return r;
  if (o.node.root->read_only) return -EROFS;
  if (!may_chown_to(uid, gid, o.st)) return -EPERM;
  return errno_result(fchownat(o.node.fd, "", uid, gid, AT_EMPTY_PATH));
}

int64_t Sandbox::utimens(std::string_view path, const struct timespec* times, bool follow) const {
  if (times && !(valid_time(times[0]) && valid_time(times[1]))) return -EINVAL;
  Object o;
  if (int64_t r = lookup(path, follow ? kFollow : 0, &o); r < 0) return r;
  if (o.node.root->read_only) return -EROFS;
  return errno_result(utimensat(o.node.fd, "", times, AT_EMPTY_PATH));
}

int64_t Sandbox::truncate(std::string_view path, off_t length) const {
  if (length < 0) return -EINVAL;
  Object o;
  if (int64_t r = lookup(path, kFollow, &o); r < 0) return r;
  if (S_ISDIR(o.st.st_mode)) return -EISDIR;
  if (!S_ISREG(o.st.st_mode)) return -EINVAL;
  if (o.node.root->read_only) return -EROFS;
  return errno_result(::truncate(proc_fd_path(o.node.fd).c_str(), length));
}

int64_t Sandbox::canonical(std::string_view path, std::string* out) const {
  Object o;
  if (int64_t r = lookup(path, kFollow, &o); r < 0) return r;
  *out = std::move(o.node.path);
  return 0;
}

}  // namespace burrow::fs
