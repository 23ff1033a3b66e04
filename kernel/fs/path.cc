// Lexical path resolution. NOTE: ".." is resolved by name, not through symlinks,
// which differs from Linux only when a directory symlink is followed by "..".
#include "fs/path.h"

#include "fs/fdtable.h"
#include "fs/special.h"
#include "lib/string.h"
#include "syscalls/errno.h"
#include "uaccess.h"

namespace burrow::kernel::fs {
namespace {

constinit char g_cwd[kPathMax] = "/";
constexpr int kAtFdcwd = -100;

}  // namespace

void path_init(const char* cwd) {
  ResolvedPath r;
  if (normalize("/", cwd, &r) == 0) memcpy(g_cwd, r.path, r.length + 1);
}

const char* cwd() { return g_cwd; }

int64_t set_cwd(const char* absolute) {
  size_t n = strlen(absolute);
  while (n > 1 && absolute[n - 1] == '/') --n;
  if (n + 1 > kPathMax) return -ENAMETOOLONG;
  memcpy(g_cwd, absolute, n);
  g_cwd[n] = '\0';
  return 0;
}

int64_t normalize(const char* base, const char* rel, ResolvedPath* out) {
  char* p = out->path;
  size_t len = 0;
  auto append_components = [&](const char* s) -> bool {
    while (*s) {
      while (*s == '/') ++s;
      const char* start = s;
      while (*s && *s != '/') ++s;
      size_t n = static_cast<size_t>(s - start);
      if (n == 0 || (n == 1 && start[0] == '.')) continue;
      if (n == 2 && start[0] == '.' && start[1] == '.') {
        while (len > 0 && p[len - 1] != '/') --len;
        if (len > 0) --len;  // drop the separator too
        continue;
      }
      if (len + 1 + n + 1 > kPathMax) return false;
      p[len++] = '/';
      memcpy(p + len, start, n);
      len += n;
      // A link the guest serves itself (/proc/self/cwd, /proc/self/root, the fd of
      // a directory) followed by more components is entered here, so that ".."
      // after it climbs from its target, as Linux does.
      while (*s == '/') ++s;
      if (*s) {
        p[len] = '\0';
        if (const char* target = special_dir_link(p)) {
          size_t t = strlen(target);
          if (t + 1 > kPathMax) return false;
          memmove(p, target, t);
          len = t == 1 ? 0 : t;  // "/" is the empty prefix
        }
      }
    }
    return true;
  };
  if (rel[0] != '/' && !append_components(base)) return -ENAMETOOLONG;
  if (!append_components(rel)) return -ENAMETOOLONG;
  size_t rl = strlen(rel);
  out->trailing_slash = rl > 0 && rel[rl - 1] == '/';
  // The monitor gets the trailing slash too: it keeps Linux's meaning there
  // (the name must be a directory, and a symlink is followed).
  if (len == 0) {
    p[len++] = '/';
  } else if (out->trailing_slash) {
    if (len + 2 > kPathMax) return -ENAMETOOLONG;
    p[len++] = '/';
  }
  p[len] = '\0';
  out->length = len;
  // The last component as written: "x/." and "x/.." (with or without a final "/").
  size_t end = rl;
  while (end > 0 && rel[end - 1] == '/') --end;
  size_t start = end;
  while (start > 0 && rel[start - 1] != '/') --start;
  size_t n = end - start;
  out->last = (rl > 0 && end == 0)                                   ? LastComponent::kRoot
              : (n == 1 && rel[start] == '.')                        ? LastComponent::kDot
              : (n == 2 && rel[start] == '.' && rel[start + 1] == '.') ? LastComponent::kDotDot
                                                                     : LastComponent::kName;
  if (len == 1 && rl == 0) out->last = LastComponent::kRoot;
  return 0;
}

int64_t resolve_user_path(int dirfd, uint64_t user_path, ResolvedPath* out, bool allow_empty) {
  char rel[kPathMax];
  int64_t n = copy_user_string(user_path, rel, sizeof(rel));
  if (n < 0) return n;
  const char* base = g_cwd;
  if (n == 0 || rel[0] != '/') {
    if (dirfd != kAtFdcwd) {
      File* f = fd_get(dirfd);
      if (!f) return -EBADF;
      if (n > 0 && !f->is_dir) return -ENOTDIR;
      if (!f->path) return n == 0 && allow_empty ? -EBADF : -ENOTDIR;
      base = f->path;
    }
    if (n == 0) {
      if (!allow_empty) return -ENOENT;
      return normalize(base, "", out);
    }
  }
  return normalize(base, rel, out);
}

}  // namespace burrow::kernel::fs
