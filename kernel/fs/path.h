// Program paths → absolute, normalized guest paths, which is all the monitor ever
// sees. The current directory lives here.
#pragma once

#include <cstddef>
#include <cstdint>

namespace burrow::kernel::fs {

inline constexpr size_t kPathMax = 4096;  // PATH_MAX, including the NUL

// What the program's last component was: rmdir("d/.") and unlink("d/..") fail in
// ways that depend on it, after the name itself has been resolved away.
enum class LastComponent : uint8_t { kName, kDot, kDotDot, kRoot };

struct ResolvedPath {
  char path[kPathMax];  // absolute; ends with "/" when the program's path did
  size_t length;
  bool trailing_slash;  // "dir/": the object must be a directory
  LastComponent last;
};

void path_init(const char* cwd);
const char* cwd();
// The program's path (a user pointer) resolved against dirfd (AT_FDCWD or a
// directory descriptor). 0 or -errno (EFAULT, ENOENT for "", ENAMETOOLONG, EBADF,
// ENOTDIR). With `allow_empty`, "" names dirfd itself (AT_EMPTY_PATH).
int64_t resolve_user_path(int dirfd, uint64_t user_path, ResolvedPath* out, bool allow_empty = false);
// Joins base (absolute, normalized) and rel, removing ".", ".." and "//" lexically.
int64_t normalize(const char* base, const char* rel, ResolvedPath* out);
int64_t set_cwd(const char* absolute);

}  // namespace burrow::kernel::fs
