// Rewritten system calls for the files a program maps executable (issue 6): the
// monitor finds the `syscall` sites and writes the patches; the guest gives it
// present pages and trampoline space near them.
#pragma once

#include <cstdint>

namespace burrow::kernel::mm {

void rewrite_init(uint64_t trampoline_next);
// [start, start+size) now maps [offset, offset+size) of the monitor's file `handle`,
// private and executable. Best effort: a site the monitor cannot rewrite, or space
// that runs out, leaves the trapped path, which is always correct.
void rewrite_mapping(uint64_t start, uint64_t size, uint64_t handle, uint64_t offset);

}  // namespace burrow::kernel::mm
