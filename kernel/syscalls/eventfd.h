// eventfd objects for the generic read, write and poll paths (syscalls/eventfd.cc).
#pragma once

#include <cstdint>

#include "fs/file.h"

namespace burrow::kernel {

// Read and write move 8 bytes; -errno as Linux says (EINVAL, EAGAIN).
int64_t eventfd_read(fs::File* f, char* out, uint64_t n);
int64_t eventfd_write(fs::File* f, const char* in, uint64_t n);
// poll(2)'s events: readable while the counter is above zero, writable below its top.
uint32_t eventfd_poll(const fs::File* f);

}  // namespace burrow::kernel
