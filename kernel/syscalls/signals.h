// Signals the personality sends the program itself (SIGPIPE, kill of oneself).
#pragma once

#include <cstdint>

#include "burrow/abi/boot_info.h"

namespace burrow::kernel {

// Linux's action for `sig` sent to this process: nothing if ignored, pending if
// blocked, death if default-fatal; 0 or -errno.
int64_t raise_signal(int sig);

// execve: ignored signals stay ignored and the mask stays; handlers are reset.
uint64_t signals_ignored();
uint64_t signals_blocked();
void signals_init(const abi::BootInfo& boot);

}  // namespace burrow::kernel
