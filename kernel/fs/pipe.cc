// Pipes served in the guest: no VM exit to move bytes between two descriptors.
#include "fs/pipe.h"

#include "fs/file.h"
#include "lib/heap.h"
#include "lib/string.h"
#include "syscalls/errno.h"
#include "syscalls/syscall.h"

namespace burrow::kernel::fs {

struct Pipe {
  static constexpr uint64_t kCapacity = 4096 - 64;  // one heap page: PIPE_BUF fits
  uint32_t readers = 1;
  uint32_t writers = 1;
  uint64_t head = 0;  // next byte to read
  uint64_t used = 0;
  char ring[kCapacity];
};

namespace {
constexpr uint32_t kNonBlock = 04000;
}  // namespace

int64_t pipe_create(uint32_t flags, File** read_end, File** write_end) {
  Pipe* p = knew<Pipe>();
  if (!p) return -ENOMEM;
  File* r = file_new(FileKind::kPipe, 0 /* O_RDONLY */ | (flags & kNonBlock), nullptr);
  File* w = file_new(FileKind::kPipe, 1 /* O_WRONLY */ | (flags & kNonBlock), nullptr);
  if (!r || !w) {
    if (r) kdelete(r);
    if (w) kdelete(w);
    kdelete(p);
    return -ENOMEM;
  }
  r->pipe = w->pipe = p;
  w->write_end = true;
  *read_end = r;
  *write_end = w;
  return 0;
}

int64_t pipe_read(File* f, char* buf, uint64_t n) {
  Pipe* p = f->pipe;
  if (n == 0) return 0;
  if (p->used == 0) {
    if (p->writers == 0) return 0;
    if (f->flags & kNonBlock) return -EAGAIN;
    return unsupported("a blocking read of an empty pipe whose writer is open (one thread: it would wait forever)");
  }
  uint64_t done = 0;
  while (done < n && p->used) {
    uint64_t chunk = Pipe::kCapacity - p->head;
    if (chunk > p->used) chunk = p->used;
    if (chunk > n - done) chunk = n - done;
    memcpy(buf + done, p->ring + p->head, chunk);
    p->head = (p->head + chunk) % Pipe::kCapacity;
    p->used -= chunk;
    done += chunk;
  }
  return static_cast<int64_t>(done);
}

int64_t pipe_write(File* f, const char* buf, uint64_t n) {
  Pipe* p = f->pipe;
  if (p->readers == 0) return -EPIPE;
  if (n == 0) return 0;
  if (p->used == Pipe::kCapacity) {
    if (f->flags & kNonBlock) return -EAGAIN;
    return unsupported("a blocking write to a full pipe (one thread: nobody would ever drain it)");
  }
  uint64_t done = 0;
  while (done < n && p->used < Pipe::kCapacity) {
    uint64_t tail = (p->head + p->used) % Pipe::kCapacity;
    // Free space runs to the end of the ring, or up to the unread bytes if wrapped.
    uint64_t chunk = tail >= p->head ? Pipe::kCapacity - tail : p->head - tail;
    if (chunk > n - done) chunk = n - done;
    memcpy(p->ring + tail, buf + done, chunk);
    p->used += chunk;
    done += chunk;
  }
  return static_cast<int64_t>(done);
}

uint64_t pipe_available(const File* f) { return f->pipe->used; }

void pipe_release(Pipe* p, bool write_end) {
  if (write_end)
    --p->writers;
  else
    --p->readers;
  if (p->readers == 0 && p->writers == 0) kdelete(p);
}

}  // namespace burrow::kernel::fs
