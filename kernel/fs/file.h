// Open file descriptions: what a file descriptor refers to. Shared (reference
// counted) between descriptors made by dup(); the host side of a kHost file is one
// of the monitor's fds, named by a handle.
#pragma once

#include <cstddef>
#include <cstdint>

namespace burrow::kernel::fs {

enum class FileKind : uint8_t {
  kHost,       // a file, directory or stdio stream on the host, served by the monitor
  kNull,       // /dev/null
  kZero,       // /dev/zero
  kFull,       // /dev/full
  kRandom,     // /dev/random, /dev/urandom
  kPipe,       // one end of an in-guest pipe
  kSynthetic,  // generated contents (/proc files), snapshotted at open
  kSocket,     // an AF_UNIX socket that never connected (no peer exists in this VM)
};

struct Pipe;
struct Chunk;

struct File {
  uint32_t refs = 1;
  FileKind kind = FileKind::kHost;
  bool is_dir = false;
  bool is_regular = false;  // kHost: a regular file (a file's type never changes)
  uint32_t flags = 0;    // status flags from open (O_ACCMODE, O_APPEND, O_NONBLOCK, ...)
  uint64_t handle = 0;   // kHost: the monitor's handle
  char* path = nullptr;  // the absolute guest path it was opened by (kmalloc'd)
  // kSynthetic: contents (a chain of heap chunks, generated on first use) and
  // position.
  bool (*generate)(File*) = nullptr;
  Chunk* data = nullptr;
  uint64_t size = 0;
  uint64_t offset = 0;
  // kPipe
  Pipe* pipe = nullptr;
  bool write_end = false;
  // kSocket: SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET
  uint32_t socket_type = 0;
};

// A new description with one reference; nullptr when the kernel heap is exhausted.
File* file_new(FileKind kind, uint32_t flags, const char* path);
void file_get(File* f);
// Drops a reference; the last one closes the host handle or pipe end.
void file_put(File* f);

// The status an open of `f` just brought back (abi Hypercall::kOpen), for the fstat
// programs make right after: valid only while no hypercall has been made since, so
// nothing can have changed the file through the monitor. One slot: only the latest
// open can qualify anyway.
struct Stat;
void remember_open_stat(const File* f, const Stat& st);
bool recall_open_stat(const File* f, Stat* out);
// Whether `f` is that latest open, with nothing sent to the monitor since: its
// position is still 0.
bool just_opened(const File* f);

// Synthetic contents: append (false when out of memory), generate if not yet
// done (-ENOMEM), and read at an offset.
bool file_append(File* f, const char* bytes, uint64_t n);
int64_t file_generate(File* f);
uint64_t file_read_synthetic(const File* f, uint64_t offset, char* out, uint64_t n);

}  // namespace burrow::kernel::fs
