// Sandbox: the host side of every path-based file operation of the guest. It serves
// absolute guest paths with the host's own system calls, confined to the mounts the user
// chose, and answers exactly what Linux would answer for the same tree: a value or
// -errno. It is the security boundary for files: the guest is untrusted and every path
// is checked here again.
//
// Resolution happens in the guest's view, as Linux walks a path: one component at a
// time from an O_PATH directory fd, each name opened with O_NOFOLLOW so that the host
// kernel never follows a symlink or ".." for us. A symlink is read and its text walked
// in the guest's view (an absolute one from the guest's /, whichever mount that is), ".."
// goes up the canonical guest path (from a mount root to the guest directory above it,
// and "/.." is "/"), and reaching the guest path of a mount point switches to that
// mount. A path that names a mount point literally starts at it: a mount's ancestors
// are directories on the way to it even where the mount under them has nothing there.
// Where no symlink, "." or ".." is met, one openat2 that refuses symlinks
// (RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH) does the same walk in one call, so plain paths
// cost what a single host lookup costs; anything else falls back to the walk.
// So no symlink race, "..", absolute symlink or /proc magic link leaves the mounts, and
// whether a write is allowed is decided by the mount where the object lies in the
// guest's view (for an operation on a name, the mount of its parent directory). A mount
// point, and a directory above one, cannot be renamed (-EBUSY): mounts stay at their
// guest paths.
//
// Never handed to the guest, whatever the mount: host devices (-EACCES, as on a nodev
// mount), FIFOs and sockets (-ENXIO, open's answer for a socket; a FIFO could block the
// monitor), and anything on a pseudo-filesystem such as procfs, sysfs, cgroupfs or
// devpts (-ENOENT: the guest kernel serves its own /proc and /dev). A magic link
// (/proc/PID/root, /proc/PID/fd/N) is never followed (-ELOOP).
//
// Thread-safe: all methods are const and keep no state between calls.
#pragma once

#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "fs/mounts.h"
#include "fs/unique_fd.h"
#include "result.h"

namespace burrow::fs {

struct Opened {
  int host_fd;  // O_CLOEXEC; the caller owns it
  // Fd-based writes the host would allow (fchmod, fchown, futimens, fsetxattr on an fd
  // opened for reading) must be refused with -EROFS by the caller.
  bool read_only_mount;
};

class Sandbox {
 public:
  // Opens every mount root. Mounts are in mount order: a later mount hides earlier ones
  // at or under its guest path.
  static Result<Sandbox> create(std::vector<Mount> mounts);

  // Every `path` must be absolute and normalized by the guest kernel: no "." or ".."
  // component, no "//", at most one trailing slash (which keeps its Linux meaning), no
  // NUL. Anything else is -EINVAL.

  // `flags` are Linux open flags; O_CLOEXEC is ignored (the guest owns close-on-exec).
  // The guest kernel applies its umask to `mode` (the monitor's applies as well).
  int64_t open(std::string_view path, int flags, mode_t mode, Opened* out) const;
  int64_t stat(std::string_view path, bool follow, struct stat* out) const;
  int64_t statfs(std::string_view path, struct statfs* out) const;
  // `at_flags`: AT_EACCESS, AT_SYMLINK_NOFOLLOW.
  int64_t access(std::string_view path, int mode, int at_flags) const;
  int64_t mkdir(std::string_view path, mode_t mode) const;
  // Regular files, FIFOs and sockets; device nodes are -EPERM, as for an unprivileged user.
  int64_t mknod(std::string_view path, mode_t mode) const;
  int64_t rmdir(std::string_view path) const;
  int64_t unlink(std::string_view path) const;
  // `flags`: renameat2's RENAME_NOREPLACE, RENAME_EXCHANGE (RENAME_WHITEOUT is -EPERM).
  int64_t rename(std::string_view old_path, std::string_view new_path, unsigned flags) const;
  // Does not follow a symlink at `old_path`, as link(2).
  int64_t link(std::string_view old_path, std::string_view new_path) const;
  // `target` is stored verbatim; it is only ever interpreted inside the sandbox.
  int64_t symlink(std::string_view target, std::string_view link_path) const;
  // Returns the length of *target.
  int64_t readlink(std::string_view path, std::string* target) const;
  int64_t chmod(std::string_view path, mode_t mode, bool follow) const;
  // Only to the file's current owner or group, or to the monitor's own uid or gids;
  // anything else is -EPERM even when the monitor could (it may run as root).
  int64_t chown(std::string_view path, uid_t uid, gid_t gid, bool follow) const;
  // `times` as utimensat's (null: now).
  int64_t utimens(std::string_view path, const struct timespec* times, bool follow) const;
  int64_t truncate(std::string_view path, off_t length) const;
  // The canonical guest path of what `path` names, every symlink followed (as realpath):
  // getcwd's and /proc/self/exe's answer.
  int64_t canonical(std::string_view path, std::string* out) const;

 private:
  struct Root {
    std::string guest_path;
    UniqueFd fd;  // O_PATH | O_DIRECTORY
    bool read_only;
  };
  struct Node;
  struct Last;
  struct Walk;
  struct Object;
  struct Entry;

  explicit Sandbox(std::vector<Root> roots) : roots_(std::move(roots)) {}

  const Root* covering(std::string_view path) const;
  const Root* mount_at(std::string_view path) const;
  bool holds_mount_point(std::string_view path) const;
  int64_t reach(std::string path, Node* out) const;
  int64_t walk(Walk* w, std::string_view path) const;
  size_t skip_plain_run(Walk* w, std::string_view path, size_t pos) const;
  int64_t step(Walk* w, int how, Node* out, struct stat* st) const;
  // `missing` (if given) is set to -ENOENT when that answer is already certain.
  bool resolve_plain(std::string_view path, bool trailing_slash, int how, Object* out,
                     int64_t* missing = nullptr) const;
  int64_t lookup(std::string_view path, int how, Object* out) const;
  int64_t entry(std::string_view path, Entry* out) const;
  int64_t open_existing(Object object, int flags, mode_t mode, Opened* out) const;
  template <class Make>
  int64_t create(std::string_view path, bool directory, Make make) const;

  std::vector<Root> roots_;  // longest guest path first
};

}  // namespace burrow::fs
