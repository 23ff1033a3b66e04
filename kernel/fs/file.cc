// Open file descriptions: creation, sharing, closing.
#include "fs/file.h"

#include "fs/stat.h"

#include "fs/pipe.h"
#include "burrow/abi/boot_info.h"
#include "burrow/abi/hypercall.h"
#include "hypercall.h"
#include "percpu.h"
#include "lib/heap.h"
#include "lib/string.h"
#include "mm/fault.h"

namespace burrow::kernel::fs {

struct Chunk {
  static constexpr uint64_t kBytes = 4096 - 8;
  Chunk* next = nullptr;
  char bytes[kBytes];
};

namespace {

char* copy_path(const char* path) {
  if (!path) return nullptr;
  size_t n = strlen(path) + 1;
  auto* p = static_cast<char*>(kmalloc(n));
  if (p) memcpy(p, path, n);
  return p;
}

}  // namespace

File* file_new(FileKind kind, uint32_t flags, const char* path) {
  File* f = knew<File>();
  if (!f) return nullptr;
  f->kind = kind;
  f->flags = flags;
  if (path && !(f->path = copy_path(path))) {
    kdelete(f);
    return nullptr;
  }
  return f;
}

namespace {
constinit const File* g_open_file = nullptr;
constinit uint64_t g_open_epoch = 0;
constinit bool g_open_stat_valid = false;
constinit Stat g_open_stat = {};
constinit bool g_open_ahead_valid = false;
alignas(16) constinit uint8_t g_open_ahead[sizeof(abi::OpenAhead) + abi::kOpenAheadMax + abi::kMaxPageProfileBytes] = {};

// Closes cost no exit of their own: the handle rides along with the next exit
// (abi::HypercallRequest::close_handles), or goes now when the list is full.
void close_handle(uint64_t handle) {
  auto* req = reinterpret_cast<volatile abi::HypercallRequest*>(this_cpu()->hypercall);
  uint64_t n = req->close_count;
  if (n < abi::kMaxDeferredCloses) {
    req->close_handles[n] = handle;
    req->close_count = n + 1;
    return;
  }
  hypercall(abi::Hypercall::kClose, handle);
}
}  // namespace

void* open_ahead_buffer() { return g_open_ahead; }
uint64_t open_ahead_capacity() { return abi::kOpenAheadMax; }

void file_set_profile(File* f, const uint8_t* bits, uint64_t bytes) {
  f->profile_fetched = true;
  if (!bytes || bytes > abi::kMaxPageProfileBytes || !(f->profile = static_cast<uint8_t*>(kmalloc(bytes)))) return;
  memcpy(f->profile, bits, bytes);
  f->profile_bytes = static_cast<uint32_t>(bytes);
}

void note_open(File* f, const Stat* st, bool ahead) {
  if (ahead) {
    // An ELF file's page profile, for the first fault in a mapping of it.
    abi::OpenAhead header;
    memcpy(&header, g_open_ahead, sizeof(header));
    if ((header.flags & abi::kAheadProfile) && header.length <= abi::kOpenAheadMax &&
        header.profile_bytes <= abi::kMaxPageProfileBytes) {
      file_set_profile(f, g_open_ahead + sizeof(header) + header.length, header.profile_bytes);
      // A file read whole at the open: one fault maps all of it, no profile needed.
      f->profile_unwanted = (header.flags & abi::kAheadEnd) && !header.profile_bytes;
    }
  }
  g_open_file = f;
  g_open_epoch = hypercall_epoch();
  g_open_stat_valid = st != nullptr;
  if (st) g_open_stat = *st;
  g_open_ahead_valid = ahead;
}

bool just_opened(const File* f) { return f == g_open_file && hypercall_epoch() == g_open_epoch; }

bool recall_open_stat(const File* f, Stat* out) {
  if (!just_opened(f) || !g_open_stat_valid) return false;
  *out = g_open_stat;
  return true;
}

const uint8_t* open_ahead(const File* f, uint64_t* length, bool* end) {
  if (!just_opened(f) || !g_open_ahead_valid) return nullptr;
  abi::OpenAhead header;
  memcpy(&header, g_open_ahead, sizeof(header));
  if (header.length > abi::kOpenAheadMax) return nullptr;
  *length = header.length;
  *end = header.flags & abi::kAheadEnd;
  return g_open_ahead + sizeof(abi::OpenAhead);
}

int64_t sync_position(File* f) {
  if (!f->pos_local) return 0;
  f->pos_local = false;
  int64_t r = hypercall(abi::Hypercall::kSeek, f->handle, f->pos, 0 /* SEEK_SET */);
  return r < 0 ? r : 0;
}

void file_get(File* f) { ++f->refs; }

void file_put(File* f) {
  if (--f->refs) return;
  if (f->kind == FileKind::kHost) {
    // Its address may be reused by the next File: it must not pass for the latest open.
    if (g_open_file == f) g_open_file = nullptr;
    close_handle(f->handle);
  }
  if (f->kind == FileKind::kPipe) pipe_release(f->pipe, f->write_end);
  if (f->kind == FileKind::kEpoll) epoll_release(f->epoll);
  if (f->kind == FileKind::kSocket) {
    if (f->rx) file_put(f->rx);
    if (f->tx) file_put(f->tx);
  }
  if (f->path) kfree(f->path, strlen(f->path) + 1);
  if (f->profile) kfree(f->profile, f->profile_bytes);
  for (Chunk* c = f->data; c;) {
    Chunk* next = c->next;
    kdelete(c);
    c = next;
  }
  kdelete(f);
}

bool file_append(File* f, const char* bytes, uint64_t n) {
  while (n) {
    Chunk** link = &f->data;
    uint64_t base = 0;
    while (*link && base + Chunk::kBytes <= f->size) {
      base += Chunk::kBytes;
      link = &(*link)->next;
    }
    if (!*link && !(*link = knew<Chunk>())) return false;
    uint64_t at = f->size - base;
    uint64_t take = n < Chunk::kBytes - at ? n : Chunk::kBytes - at;
    memcpy((*link)->bytes + at, bytes, take);
    f->size += take;
    bytes += take;
    n -= take;
  }
  return true;
}

int64_t file_generate(File* f) {
  if (!f->generate) return 0;
  bool ok = f->generate(f);
  f->generate = nullptr;
  return ok ? 0 : -12 /* ENOMEM */;
}

uint64_t file_read_synthetic(const File* f, uint64_t offset, char* out, uint64_t n) {
  if (offset >= f->size) return 0;
  if (n > f->size - offset) n = f->size - offset;
  const Chunk* c = f->data;
  uint64_t base = 0;
  while (base + Chunk::kBytes <= offset) {
    base += Chunk::kBytes;
    c = c->next;
  }
  uint64_t done = 0;
  while (done < n) {
    uint64_t at = offset + done - base;
    uint64_t take = n - done < Chunk::kBytes - at ? n - done : Chunk::kBytes - at;
    memcpy(out + done, c->bytes + at, take);
    done += take;
    base += Chunk::kBytes;
    c = c->next;
  }
  return n;
}

}  // namespace burrow::kernel::fs

namespace burrow::kernel::mm {

bool fill_from_file(uint64_t file, const void* fills, uint32_t count) {
  const auto* f = reinterpret_cast<const fs::File*>(file);
  return hypercall(abi::Hypercall::kFillFromFile, f->handle, reinterpret_cast<uint64_t>(fills), count) >= 0;
}

const uint8_t* file_page_profile(uint64_t file, uint64_t* bytes, bool* first) {
  auto* f = reinterpret_cast<fs::File*>(file);
  *first = !f->profile_used;
  f->profile_used = true;
  if (!f->profile_fetched && f->kind == fs::FileKind::kHost && f->is_regular) {
    alignas(8) static constinit uint8_t buf[abi::kMaxPageProfileBytes] = {};
    int64_t n = hypercall(abi::Hypercall::kPageProfile, f->handle, reinterpret_cast<uint64_t>(buf), sizeof(buf));
    fs::file_set_profile(f, buf, n > 0 ? static_cast<uint64_t>(n) : 0);
  }
  *bytes = f->profile_bytes;
  return f->profile;
}

const uint8_t* file_known_page_profile(uint64_t file, uint64_t* bytes) {
  const auto* f = reinterpret_cast<const fs::File*>(file);
  *bytes = f->profile_bytes;
  return f->profile;
}

uint64_t file_profile_handle(uint64_t file) {
  const auto* f = reinterpret_cast<const fs::File*>(file);
  // Files opened read-only: images and libraries. Those written (through mappings or
  // not) change identity, and each version would leave a profile behind.
  bool profiled = f->kind == fs::FileKind::kHost && f->is_regular && (f->flags & 3) == 0 && !f->profile_unwanted;
  return profiled ? f->handle : abi::kNoHandle;
}

bool file_writable(uint64_t file) {
  const auto* f = reinterpret_cast<const fs::File*>(file);
  return (f->flags & 3) != 0;  // O_ACCMODE: O_RDONLY is 0
}

bool write_to_file(uint64_t file, const void* fills, uint32_t count) {
  const auto* f = reinterpret_cast<const fs::File*>(file);
  return hypercall(abi::Hypercall::kWriteToFile, f->handle, reinterpret_cast<uint64_t>(fills), count) >= 0;
}

}  // namespace burrow::kernel::mm
