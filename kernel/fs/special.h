// Files the guest serves itself: /dev/null and friends, the console, and the parts
// of /proc that describe this VM and its one process. The host's /dev and /proc are
// never visible (the monitor refuses them).
#pragma once

#include <cstdint>

#include "fs/file.h"
#include "fs/path.h"

namespace burrow::kernel::fs {

// Opens a special path. Returns 1 with *out set (a new reference), 0 when the path
// is not special (ask the monitor), or -errno.
int64_t open_special(const ResolvedPath& p, uint32_t flags, File** out);
// readlink of a special path: 1 with the target in out (NUL-terminated), 0 when not
// special, or -errno.
int64_t readlink_special(const ResolvedPath& p, char* out, uint64_t cap);
// stat of a special path or a special open file: 1 and *st filled, 0 when not
// special, or -errno. `st` is a struct stat (144 bytes).
int64_t stat_special(const ResolvedPath& p, void* st);
int64_t fstat_special(const File* f, void* st);

}  // namespace burrow::kernel::fs
