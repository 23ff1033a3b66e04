// eventfd and eventfd2: a 64-bit counter in the guest that read takes (all of it, or
// one in EFD_SEMAPHORE mode) and write adds to. With one thread a read at zero or a
// write that would overflow can never complete, so blocking ones are reported, not
// hung.
#include "syscalls/eventfd.h"

#include "fs/fdtable.h"
#include "lib/string.h"
#include "syscalls/errno.h"
#include "syscalls/handlers.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

using fs::File;
using fs::FileKind;

// The counter stops one below UINT64_MAX.
constexpr uint64_t kEventfdMax = ~uint64_t{0} - 1;

}  // namespace

uint32_t eventfd_poll(const File* f) {
  // ABI: POLLIN 0x1, POLLOUT 0x4, POLLRDNORM 0x40, POLLWRNORM 0x100.
  return (f->count ? 0x1 | 0x40 : 0) | (f->count < kEventfdMax ? 0x4 | 0x100 : 0);
}

int64_t sys_eventfd2(uint32_t initval, int flags) {
  constexpr int kSemaphore = 1, kNonblock = 04000, kCloexec = 02000000;
  if (flags & ~(kSemaphore | kNonblock | kCloexec)) return -EINVAL;
  File* f = fs::file_new(FileKind::kEventfd, 2 /* O_RDWR */ | (flags & kNonblock), nullptr);
  if (!f) return -ENOMEM;
  f->count = initval;
  f->semaphore = flags & kSemaphore;
  return fs::fd_install(f, flags & kCloexec);
}

int64_t sys_eventfd(uint32_t initval) { return sys_eventfd2(initval, 0); }

int64_t eventfd_read(File* f, char* out, uint64_t n) {
  if (n < 8) return -EINVAL;
  if (!f->count) {
    if (f->flags & 04000) return -EAGAIN;
    return unsupported("a blocking read of an eventfd at zero (one thread: nobody else can add to it)");
  }
  uint64_t v = f->semaphore ? 1 : f->count;
  f->count -= v;
  memcpy(out, &v, 8);
  return 8;
}

int64_t eventfd_write(File* f, const char* in, uint64_t n) {
  if (n < 8) return -EINVAL;
  uint64_t v;
  memcpy(&v, in, 8);
  if (v == ~uint64_t{0}) return -EINVAL;
  if (v > kEventfdMax - f->count) {
    if (f->flags & 04000) return -EAGAIN;
    return unsupported("a blocking write to a full eventfd (one thread: nobody else can read it)");
  }
  f->count += v;
  return 8;
}

}  // namespace burrow::kernel
