// The process's file descriptor table.
#pragma once

#include <cstdint>

#include "burrow/abi/boot_info.h"

#include "fs/file.h"

namespace burrow::kernel::fs {

inline constexpr int kMaxFds = 4096;

// Standard input, output and error; after execve, what the old program left open.
void fdtable_init(const abi::BootInfo& boot);
// Installs f at the lowest free descriptor >= min_fd (takes the caller's reference);
// -EMFILE when the table (or RLIMIT_NOFILE) is full.
int fd_install(File* f, bool cloexec, int min_fd = 0);
// The description behind fd (borrowed), or nullptr.
File* fd_get(int fd);
int fd_close(int fd);
// dup2/dup3: newfd now refers to oldfd's description.
int fd_dup_to(int oldfd, int newfd, bool cloexec);
bool fd_cloexec(int fd);
void fd_set_cloexec(int fd, bool on);
// Closes [first, last] (close_range); with `cloexec_only` marks them instead.
void fd_close_range(uint32_t first, uint32_t last, bool cloexec_only);
// Largest descriptor in use + 1 (for /proc/self/fd listings).
int fd_limit();

}  // namespace burrow::kernel::fs
