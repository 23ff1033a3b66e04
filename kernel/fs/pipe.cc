// Pipes served in the guest: no VM exit to move bytes between two descriptors.
#include "fs/pipe.h"

#include "fs/file.h"
#include "lib/heap.h"
#include "lib/string.h"
#include "syscalls/errno.h"
#include "syscalls/syscall.h"

namespace burrow::kernel::fs {

struct Pipe {
  static constexpr uint64_t kCapacity = kPipeCapacity;
  static constexpr uint64_t kPage = 4096;
  uint32_t readers = 1;
  uint32_t writers = 1;
  uint64_t head = 0;  // next byte to read
  uint64_t used = 0;
  // The ring, a heap page at a time (the heap hands out at most a page).
  char* pages[kCapacity / kPage] = {};
};

namespace {

// The longest run of the ring starting at `pos` that stays inside one page.
uint64_t page_run(uint64_t pos, uint64_t n) {
  uint64_t left = Pipe::kPage - pos % Pipe::kPage;
  return n < left ? n : left;
}

char* at(Pipe* p, uint64_t pos) { return p->pages[pos / Pipe::kPage] + pos % Pipe::kPage; }

void free_pages(Pipe* p) {
  for (char* page : p->pages)
    if (page) kfree(page, Pipe::kPage);
}

}  // namespace

namespace {
constexpr uint32_t kNonBlock = 04000;
}  // namespace

int64_t pipe_create(uint32_t flags, File** read_end, File** write_end) {
  Pipe* p = knew<Pipe>();
  if (!p) return -ENOMEM;
  for (char*& page : p->pages) {
    if (!(page = static_cast<char*>(kmalloc(Pipe::kPage)))) {
      free_pages(p);
      kdelete(p);
      return -ENOMEM;
    }
  }
  File* r = file_new(FileKind::kPipe, 0 /* O_RDONLY */ | (flags & kNonBlock), nullptr);
  File* w = file_new(FileKind::kPipe, 1 /* O_WRONLY */ | (flags & kNonBlock), nullptr);
  if (!r || !w) {
    if (r) kdelete(r);
    if (w) kdelete(w);
    free_pages(p);
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
    uint64_t chunk = page_run(p->head, p->used < n - done ? p->used : n - done);
    memcpy(buf + done, at(p, p->head), chunk);
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
    uint64_t space = Pipe::kCapacity - p->used;
    uint64_t chunk = page_run(tail, space < n - done ? space : n - done);
    memcpy(at(p, tail), buf + done, chunk);
    p->used += chunk;
    done += chunk;
  }
  return static_cast<int64_t>(done);
}

uint64_t pipe_available(const File* f) { return f->pipe->used; }

uint32_t pipe_poll(const File* f) {
  // ABI: POLLIN 0x1, POLLOUT 0x4, POLLERR 0x8, POLLHUP 0x10, POLLRDNORM 0x40, POLLWRNORM 0x100.
  const Pipe* p = f->pipe;
  if (f->write_end) return (p->used < Pipe::kCapacity ? 0x4 | 0x100 : 0) | (p->readers ? 0 : 0x8);
  return (p->used ? 0x1 | 0x40 : 0) | (p->writers ? 0 : 0x10);
}

void pipe_release(Pipe* p, bool write_end) {
  if (write_end)
    --p->writers;
  else
    --p->readers;
  if (p->readers == 0 && p->writers == 0) {
    free_pages(p);
    kdelete(p);
  }
}

}  // namespace burrow::kernel::fs
