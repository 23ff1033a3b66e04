// Connected AF_UNIX stream sockets (socketpair), for the generic read, write and poll
// paths: each end a pair of in-guest pipe ends.
#pragma once

#include <cstdint>

#include "fs/file.h"

namespace burrow::kernel {

// Bytes moved or -errno (ENOTCONN when never connected; EAGAIN, EPIPE as pipes say).
int64_t socket_read(fs::File* f, char* buf, uint64_t n, bool nonblock);
int64_t socket_write(fs::File* f, const char* buf, uint64_t n, bool nonblock);
// poll(2)'s events of a connected socket.
uint32_t socket_poll(const fs::File* f);

}  // namespace burrow::kernel
