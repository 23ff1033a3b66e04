// Signals the personality sends the program itself (SIGPIPE, kill of oneself).
#pragma once

#include <cstdint>

namespace burrow::kernel {

// Linux's action for `sig` sent to this process: nothing if ignored, pending if
// blocked, death if default-fatal; 0 or -errno.
int64_t raise_signal(int sig);

}  // namespace burrow::kernel
