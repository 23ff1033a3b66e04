// In-guest pipes: a ring buffer with a reader end and a writer end.
#pragma once

#include <cstdint>

namespace burrow::kernel::fs {

struct Pipe;
struct File;

// Linux's default pipe size (16 pages).
inline constexpr uint64_t kPipeCapacity = 65536;

// Makes both ends (O_NONBLOCK and O_CLOEXEC-free status flags in `flags`); -errno.
int64_t pipe_create(uint32_t flags, File** read_end, File** write_end);
// Bytes moved, or -EAGAIN (empty/full and non-blocking), -EPIPE (no reader), or 0
// at end of file (no writer left). A blocking call that could never complete
// (one thread: nobody else can fill or drain the pipe) is reported, not hung.
int64_t pipe_read(File* f, char* buf, uint64_t n);
int64_t pipe_write(File* f, const char* buf, uint64_t n);
uint64_t pipe_available(const File* f);
// poll(2)'s view of one end: readable (POLLIN) or writable (POLLOUT) now, POLLHUP on a
// read end whose writers are gone, POLLERR on a write end whose readers are.
uint32_t pipe_poll(const File* f);
void pipe_release(Pipe* p, bool write_end);

}  // namespace burrow::kernel::fs
