// Files the guest serves itself: /dev/null and friends, the console, and the parts
// of /proc that describe this VM and its one process. The host's /dev and /proc are
// never visible (the monitor refuses them).
#pragma once

#include <cstdint>

#include "fs/file.h"
#include "fs/path.h"

namespace burrow::kernel::fs {

// Opens a special path. Returns 1 with *out set (a new reference), 0 when the path
// is not special (ask the monitor), or -errno. Links into the real file system
// (/proc/self/exe, /proc/self/cwd, /proc/self/fd/N of a file) rewrite `p` to their
// target and return 0, so the file is opened afresh as Linux does.
int64_t open_special(ResolvedPath& p, uint32_t flags, File** out);
// The directory a guest-served link names (/proc/self/cwd, /proc/self/root,
// /proc/self/fd/N of a directory), for resolving the components after it; nullptr
// when `path` is not such a link.
const char* special_dir_link(const char* path);

// Follows a guest-served link into the real file system (/proc/self/exe, cwd,
// root, fd/N of a file) by rewriting `p` to its target; false when `p` is not one.
bool follow_special(ResolvedPath& p);

// readlink of a special path: 1 with the target in out (NUL-terminated), 0 when not
// special, or -errno.
int64_t readlink_special(const ResolvedPath& p, char* out, uint64_t cap);
// stat of a special path or a special open file: 1 and *st filled, 0 when not
// special (possibly after rewriting `p` as open_special does), or -errno. `st` is
// a struct stat (144 bytes).
// lstat of a special path that is a symbolic link on Linux (/proc/self, its exe, cwd,
// root and fd/N, /dev/stdin, /dev/fd, ...): 1 with st filled, 0 when it is not one,
// or -errno.
int64_t lstat_special_link(const ResolvedPath& p, void* st);
int64_t stat_special(ResolvedPath& p, void* st);
int64_t fstat_special(const File* f, void* st);

}  // namespace burrow::kernel::fs
