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
  kEpoll,      // an epoll instance (syscalls/poll.cc)
  kEventfd,    // an eventfd counter (syscalls/poll.cc)
};

struct Pipe;
struct Chunk;
struct EpollSet;

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
  // kSocket: SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET. One of a socketpair: the
  // pipe ends it receives from (rx) and sends into (tx); nullptr once shut down
  // that way (or never connected).
  uint32_t socket_type = 0;
  File* rx = nullptr;
  File* tx = nullptr;
  bool connected = false;
  // kHost opened by this VM (kOpen): no other process shares the description, so
  // the guest may move its position itself. Then, with pos_local, the position is
  // `pos` (a directory's: the d_off of the last record returned) and the host
  // description's is stale until sync_position(). ahead_used: bytes of a
  // directory's read-ahead already returned.
  // kEpoll: its interest list.
  EpollSet* epoll = nullptr;
  // kEventfd: the counter, and EFD_SEMAPHORE.
  uint64_t count = 0;
  bool semaphore = false;
  // kHost regular files: the page profile (abi Hypercall::kPageProfile; kmalloc'd,
  // profile_bytes long; nullptr when none is known), which came with the open (ELF
  // files) or the boot information (the program's images), or else is asked for at
  // the first fault in a mapping of the file (profile_used: that fault was taken).
  uint8_t* profile = nullptr;
  uint32_t profile_bytes = 0;
  bool profile_fetched = false;
  bool profile_used = false;
  bool profile_unwanted = false;  // read whole at the open: nothing to learn
  // kHost: the monitor's standard streams, from BootInfo::stdio_traits.
  bool not_tty = false;
  bool pipe_like = false;
  bool null_sink = false;  // the host's /dev/null
  bool private_description = false;
  bool pos_local = false;
  uint64_t pos = 0;
  uint64_t ahead_used = 0;
};

// `f`'s page profile is known: `bytes` of `bits` (kept in a copy; none when 0, longer
// than a profile can be, or the heap is out).
void file_set_profile(File* f, const uint8_t* bits, uint64_t bytes);
// Frees an epoll instance's interest list (syscalls/poll.cc).
void epoll_release(EpollSet* set);

// A new description with one reference; nullptr when the kernel heap is exhausted.
File* file_new(FileKind kind, uint32_t flags, const char* path);
void file_get(File* f);
// Drops a reference; the last one closes the host handle or pipe end.
void file_put(File* f);

// What the latest open brought back with the handle (abi Hypercall::kOpen): the
// file's status and its first bytes (a directory's first records), for the fstat and
// reads programs make right after. Valid only while no hypercall has been made since,
// so nothing can have changed the file through the monitor. One slot: only the latest
// open can qualify anyway.
struct Stat;
// The buffer kOpen's read-ahead goes to (an abi::OpenAhead, then its data), and how
// much data it can take.
void* open_ahead_buffer();
uint64_t open_ahead_capacity();
// `f` was just opened; `st` (or nullptr) its status, `ahead`: the buffer was filled.
void note_open(File* f, const Stat* st, bool ahead);
bool recall_open_stat(const File* f, Stat* out);
// Whether `f` is that latest open, with nothing sent to the monitor since (its host
// position is still 0).
bool just_opened(const File* f);
// The read-ahead of `f` while valid (nullptr otherwise): `length` bytes, `end` when
// they reach the end of the file (the whole directory).
const uint8_t* open_ahead(const File* f, uint64_t* length, bool* end);
// Brings the host description's position to where the guest moved it (pos_local);
// 0 or -errno. Every host operation that uses or moves the position calls it first.
int64_t sync_position(File* f);

// Synthetic contents: append (false when out of memory), generate if not yet
// done (-ENOMEM), and read at an offset.
bool file_append(File* f, const char* bytes, uint64_t n);
int64_t file_generate(File* f);
uint64_t file_read_synthetic(const File* f, uint64_t offset, char* out, uint64_t n);

}  // namespace burrow::kernel::fs
