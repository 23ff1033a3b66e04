// Hypercalls: the guest fills its vCPU's HypercallRequest (in its PerCpu block),
// numbers it (1, 2, ...) in PerCpu::poll_doorbell and writes that number to
// kMmioPhys; the write is the VM exit. The monitor validates every argument, serves
// the call, stores `result`, copies the number to PerCpu::poll_done and resumes. A
// kick with the number of the request served last (by the poller, below) is only a
// resume.
//
// Polled hypercalls: a VM exit costs ~20 µs on PVM. While PerCpu::poll_awake is set,
// a monitor thread (the poller) watches the doorbell from another host CPU and
// serves the calls BootInfo::poll_hypercalls names (those that never block: file
// metadata, opens, fills, positioned reads) while the vCPU goes on running; the guest
// makes such a call by ringing the doorbell alone and waits for poll_done to reach
// it; if the poller has not taken it (PerCpu::poll_taken) within
// BootInfo::poll_spin_ns, the guest kicks as above. Doorbell before awake
// (guest) and awake before doorbell (poller, as it stops watching), each with a full
// fence between: one of the two sees the other, so no request is left unserved.
// The monitor serves a request once, whoever sees it first. A polled request the
// poller finds it must not serve after all (it could wait: an open of the user's
// terminal) is answered kPollRetry: the guest then kicks with the same request.
#pragma once

#include <cstddef>
#include <cstdint>

#include "burrow/abi/layout.h"

namespace burrow::abi {

inline constexpr int64_t kPollRetry = -4096 - 1;  // outside -errno's range

enum class Hypercall : uint64_t {
  // Files. A `handle` names one of the monitor's host fds for this VM; handles 0-2
  // are the monitor's standard input, output and error. Buffers are guest virtual.
  // args: handle, buf, len → bytes written or -errno.
  kWrite = 1,
  // args: handle, buf, len → bytes read or -errno.
  kRead = 2,
  // args: exit status (0..255) → does not return.
  kExit = 3,
  // args: signal number, fault address, rip, si_code → does not return.
  // The monitor reports the death and exits with 128 + signal.
  kFatalSignal = 4,
  // args: syscall number → 0. The monitor names it on stderr, once per number.
  kUnknownSyscall = 5,
  // args: syscall number, its six arguments, its result → 0. Used by --strace. With
  // kStraceSignal in the number: a signal delivered to a handler, number | signal,
  // args si_code, si_pid, si_uid, si_addr.
  kStrace = 6,
  // args: guest virtual buf, len → bytes filled from the host's random source.
  kRandom = 7,
  // args: handle, request, guest virtual arg → result or -errno. Only requests the
  // monitor knows the argument size of (TCGETS, TIOCGWINSZ, FIONREAD).
  kIoctl = 8,
  // args: guest virtual NUL-terminated message, length → does not return.
  // A guest kernel invariant broke (VERIFY); the monitor prints it and exits 125.
  kPanic = 9,
  // args: guest virtual TrapFrame (see below) → does not return.
  // An exception the guest kernel could not handle (in itself, or in the shim).
  kKernelFault = 10,
  // args: name id (StatId), value → 0. Counters for --stats at exit.
  kStat = 11,
  // args: handle, guest virtual struct stat → 0 or -errno.
  kFstat = 12,
  // args: guest virtual message, length → 0. Something the program asked for is not
  // implemented (it got ENOSYS); the monitor prints the message once.
  kUnsupported = 13,
  // args: none → does not return. A page fault could not be served: the monitor
  // reports "out of guest memory" and exits 137, like the host's OOM killer.
  kOutOfMemory = 14,
  // args: handle → the host file's status flags (fcntl F_GETFL) or -errno.
  kGetFileFlags = 15,
  // args: guest path, path length, open flags, mode, canonical-path buffer →
  // new handle, with bit 32 set when it is a directory, bit 33 when it is a
  // regular file, and bit 34 when the sixth argument, a guest virtual struct stat
  // (0: none), was filled with the file's status at the open; or -errno. The path is
  // absolute and normalized (the guest resolves cwd and dirfds). For a directory
  // the monitor writes its canonical path (symlinks resolved, NUL-terminated, at
  // most kPathMax bytes) into the buffer when it is not 0. "/dev/tty" is the
  // user's terminal, if the monitor has one. Seventh and eighth arguments (0, 0:
  // none): a guest virtual OpenAhead and the capacity of its data (at most
  // kOpenAheadMax; bit 35 of the result says it was filled): for a regular file
  // opened read-only, the monitor reads its first
  // bytes there (pread: the file position stays 0) and takes the status (bit 34)
  // after that read; for a directory, its first linux_dirent64 records (the
  // directory's position stays at its start). The guest serves the program's first
  // reads from them while no hypercall has happened since: nothing can have changed
  // the file through the monitor in between.
  kOpen = 16,
  // args: handle → 0 or -errno.
  kClose = 17,
  // args: handle, buf, len, offset → bytes or -errno (pread64 / pwrite64).
  kPread = 18,
  kPwrite = 19,
  // args: handle, offset, whence → new offset or -errno.
  kSeek = 20,
  // args: handle, buf, len → bytes of linux_dirent64 records or -errno.
  kGetdents = 21,
  // args: FileOp, handle, a, b, c, d → result or -errno.
  kFileOp = 22,
  // args: PathOp, path, path length, path2, path2 length, a, b, c → result or -errno.
  kPathOp = 23,
  // args: handle, guest virtual FileFill array, count (at most kMaxFileFills) → bytes
  // read or -errno. Fills guest-physical frames (fresh, zeroed) from the file: pages
  // of the file's mappings, each run already mapped at its bias + offset (one call
  // may fill runs of several mappings). Pages of a mapping the monitor rewrote
  // (kRewrite) get their patches as they are filled.
  kFillFromFile = 24,
  // args: handle, guest virtual FileFill array, count → bytes written or -errno.
  // Writes guest-physical frames back to the file (a shared file mapping), never
  // past its current end (a mapping does not grow its file).
  kWriteToFile = 25,
  // args: handle, file offset, length, mapping address, trampoline address,
  // trampoline capacity → trampoline bytes used (needed, when the capacity is 0) or
  // -errno. The program mapped [offset, offset+length) of the file, executable and
  // private, at the mapping address, and the trampoline space is present: the
  // monitor writes the trampolines of the `syscall` sites it finds there (issue 6)
  // and patches the sites on the pages already present; the others are patched
  // when kFillFromFile fills them. Bytes that differ from the file are left alone.
  // 0: nothing to rewrite.
  kRewrite = 26,
  // args: guest virtual ExecRequest → -errno, or does not return: the monitor
  // replaces the whole VM's memory with the new program (execve), the descriptors
  // listed carried over (BootInfo::inherited_fds); every other handle is closed.
  kExec = 27,
  // args: nanoseconds → 0. The program sleeps (nanosleep): the monitor blocks the
  // vCPU's thread that long on the host, so the VM uses no CPU meanwhile.
  kSleep = 28,
  // args: guest virtual PollEntry array, count (at most kMaxPollEntries), timeout in
  // ns (negative: none) → how many entries got a non-zero revents, or -errno. The
  // monitor polls the host fds behind the handles (poll(2) semantics: POLLHUP, POLLERR
  // and POLLNVAL are always reported) and blocks the vCPU's thread meanwhile.
  kPoll = 29,
  // args: guest virtual name, name length (at most 249), MFD_ALLOW_SEALING (2) or 0 →
  // a new handle (bit 33 set: a regular file) or -errno. An anonymous file in the
  // monitor's memory (memfd_create(2)), read and written like any host file.
  kMemfd = 30,
  // args: handle, guest virtual buffer, capacity (at most kMaxPageProfileBytes) →
  // bytes of the file's page profile written there (0: none known), or -errno. Bit i
  // (LSB first) of byte i / 8: earlier runs touched page i of this version of the
  // file through a mapping. A hint for which pages to fill together, never trusted
  // for contents.
  kPageProfile = 31,
  // args: guest virtual PageProfileUpdate array, count (at most
  // kMaxPageProfileUpdates) → 0 or -errno. Pages this run touched, added to the
  // files' profiles (sent at exit and execve).
  kAddPageProfiles = 32,

  // Memory (64 and up).
  // args: guest virtual array of MemoryRange, count (at most kMaxMemoryRanges) → 0 or
  // -errno. Guest-physical ranges the guest no longer uses: the monitor drops their
  // host pages (madvise MADV_DONTNEED), so they read as zeros and cost no host memory.
  kReleaseMemory = 64,
  // args: guest-physical address, bytes (both multiples of 2 MiB) → 0 or -errno. The
  // guest maps these with 2 MiB pages: the monitor asks the host for huge pages behind
  // them (madvise MADV_HUGEPAGE), so first touches cost one exit per 2 MiB, not 512.
  kAdviseLarge = 65,
};

struct ExecRequest {
  uint64_t path;      // guest virtual, absolute and normalized; not NUL-terminated
  uint64_t path_len;
  uint64_t execfn;    // guest virtual: the name execve was given (AT_EXECFN)
  uint64_t execfn_len;
  uint64_t argv;      // guest virtual char*[], NULL-terminated (0: empty)
  uint64_t envp;      // guest virtual char*[], NULL-terminated (0: empty)
  uint64_t cwd;       // guest virtual, absolute
  uint64_t cwd_len;
  uint64_t fds;       // guest virtual InheritedFd[fd_count] (boot_info.h)
  uint64_t fd_count;
  uint64_t sig_ignored, sig_blocked;
  uint64_t umask;
  int64_t nice;
};
static_assert(sizeof(ExecRequest) == 112);

struct MemoryRange {
  uint64_t phys;   // page-aligned guest-physical address
  uint64_t bytes;  // page-aligned length
};
static_assert(sizeof(MemoryRange) == 16);
inline constexpr uint64_t kMaxMemoryRanges = 64;

// One run of a kFillFromFile request: `len` bytes at guest-physical `phys` from
// file offset `offset`; whatever lies beyond the end of the file stays zero. `bias`:
// the virtual address file offset 0 has in the run's mapping (its start minus its
// file offset), which says whose patches apply; kWriteToFile ignores it.
struct FileFill {
  uint64_t phys;
  uint64_t offset;
  uint64_t len;
  uint64_t bias;
};
static_assert(sizeof(FileFill) == 32);
inline constexpr uint64_t kMaxFileFills = 512;

// One file of a kAddPageProfiles request: `bytes` of bitmap (as kPageProfile's) at
// guest virtual `bitmap`.
struct PageProfileUpdate {
  uint64_t handle;
  uint64_t bitmap;
  uint64_t bytes;
};
static_assert(sizeof(PageProfileUpdate) == 24);
inline constexpr uint64_t kMaxPageProfileUpdates = 64;

// One descriptor of a kPoll request.
struct PollEntry {
  uint64_t handle;
  uint32_t events;   // POLLIN, POLLOUT, ... as poll(2)
  uint32_t revents;  // written by the monitor
};
static_assert(sizeof(PollEntry) == 16);
inline constexpr uint64_t kMaxPollEntries = 4096;

// kOpen's read-ahead (see kOpen): the monitor writes the header, then `length` bytes
// of data right after it. For an ELF file (the data starts with its magic), the file's
// page profile (kPageProfile) follows the data: `profile_bytes` of it, with
// kAheadProfile set, so the first fault in a mapping of it costs no exit to ask; a
// file read whole (kAheadEnd) has kAheadProfile with none (and gets none). The
// buffer must hold kMaxPageProfileBytes more than the capacity kOpen is given.
struct OpenAhead {
  uint64_t length;  // bytes of data
  uint64_t flags;   // kAheadEnd, kAheadProfile
  uint64_t profile_bytes;
};
static_assert(sizeof(OpenAhead) == 24);
// The data reaches the end of the file, or holds the whole directory.
inline constexpr uint64_t kAheadEnd = 1;
// The page profile was looked up (and is profile_bytes long, maybe 0).
inline constexpr uint64_t kAheadProfile = 2;
inline constexpr uint64_t kOpenAheadMax = 64 * 1024;

// Operations on an open handle (kFileOp). Pointers are guest virtual.
enum class FileOp : uint64_t {
  kChmod = 1,     // a = mode
  kChown = 2,     // a = uid, b = gid (-1: unchanged)
  kUtimens = 3,   // a = struct timespec[2] or 0 (now)
  kTruncate = 4,  // a = length
  kAllocate = 5,  // a = mode, b = offset, c = length
  kSync = 6,
  kDataSync = 7,
  kStatfs = 8,    // a = struct statfs
  kFlock = 9,     // a = operation
  kSetFlags = 10, // a = status flags (O_APPEND | O_NONBLOCK ...)
  kLock = 11,     // a = fcntl command (F_GETLK, F_SETLK, F_SETLKW, F_OFD_*), b = struct flock
  kSendfile = 12, // a = source handle, b = guest loff_t* or 0, c = count → bytes
  kCopyRange = 13,// a = source handle, b = guest off_in* or 0, c = count,
                  // d = guest off_out* or 0 → bytes
  kSyncAll = 14,  // sync(2): flush every file system the VM can see
};

// Whether a kFileOp never blocks for long, so that the poller may serve it: not a
// lock that waits (flock without LOCK_NB, F_SETLKW, F_OFD_SETLKW), not sendfile from
// what may be a pipe, not copy_file_range or sync(2) (long), nothing unknown.
constexpr bool file_op_never_blocks(uint64_t op, uint64_t a) {
  constexpr uint64_t kLockNb = 4, kLockUn = 8;                       // flock(2)
  constexpr uint64_t kGetLk = 5, kSetLk = 6, kOfdGetLk = 36, kOfdSetLk = 37;  // fcntl(2)
  switch (static_cast<FileOp>(op)) {
    case FileOp::kChmod: case FileOp::kChown: case FileOp::kUtimens: case FileOp::kTruncate:
    case FileOp::kAllocate: case FileOp::kSync: case FileOp::kDataSync: case FileOp::kStatfs:
    case FileOp::kSetFlags:
      return true;
    case FileOp::kFlock:
      return (a & kLockNb) || (a & kLockUn);
    case FileOp::kLock:
      return a == kGetLk || a == kSetLk || a == kOfdGetLk || a == kOfdSetLk;
    default:
      return false;
  }
}

// Operations on paths (kPathOp). Paths are absolute and normalized.
enum class PathOp : uint64_t {
  kStat = 1,      // a = struct stat; follows symlinks
  kLstat = 2,     // a = struct stat
  kAccess = 3,    // a = mode, b = AT_EACCESS
  kMkdir = 4,     // a = mode
  kRmdir = 5,
  kUnlink = 6,
  kRename = 7,    // path2 = new path, a = RENAME_* flags
  kLink = 8,      // path2 = new path
  kSymlink = 9,   // path = target (stored verbatim), path2 = link path
  kReadlink = 10, // a = buf, b = size → length
  kChmod = 11,    // a = mode
  kChown = 12,    // a = uid, b = gid; follows symlinks
  kLchown = 13,   // a = uid, b = gid
  kUtimens = 14,  // a = struct timespec[2] or 0, b = follow symlinks
  kTruncate = 15, // a = length
  kStatfs = 16,   // a = struct statfs
  kMknod = 17,    // a = mode, b = dev
  kChdir = 18,    // a = buffer for the canonical path (kPathMax bytes); the path
                  // must be a directory the program may search
};

inline constexpr uint64_t kPathMax = 4096;

inline constexpr uint64_t kMaxDeferredCloses = 16;
inline constexpr uint64_t kStraceSignal = 1ull << 32;

// The MMIO write that kicks a hypercall carries its number; the request itself is
// always the calling vCPU's PerCpu::hypercall, whose location the monitor knows.

struct HypercallRequest {
  uint64_t nr;       // Hypercall
  uint64_t args[8];
  int64_t result;
  // Handles the guest closed since the last exit (close() of a file needs no answer):
  // the monitor closes them before it serves `nr`, in order, and sets close_count
  // back to 0. So a close costs no exit of its own, and takes effect at the next one,
  // before anything the program does afterwards can be seen outside the VM.
  uint64_t close_count;
  uint64_t close_handles[kMaxDeferredCloses];
};
static_assert(sizeof(HypercallRequest) == 88 + 8 * kMaxDeferredCloses);
static_assert(sizeof(HypercallRequest) <= 256);  // PerCpu::hypercall
static_assert(offsetof(HypercallRequest, args) == 8);
static_assert(offsetof(HypercallRequest, result) == 72);

// The full register state at a trap, as the personality saves it.
// ABI: laid out for the entry assembly; the monitor prints it in fault reports.
struct TrapFrame {
  uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
  uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
  uint64_t vector, error, cr2;
  uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(TrapFrame) == 23 * 8);
// TrapFrame::vector for system calls: beyond the CPU's exception vectors.
inline constexpr uint64_t kSyscallVector = 0x100;      // a `syscall` instruction (trapped)
inline constexpr uint64_t kFastSyscallVector = 0x101;  // a rewritten site (no trap)
inline constexpr uint64_t kHostSignalVector = 0x102;   // stopped by the monitor for a host signal

enum class StatId : uint64_t {
  kTrappedSyscalls = 1,
  kPageFaults = 2,
  kHypercalls = 3,
  kFastSyscalls = 4,
  kProfiledPages = 5,  // pages filled ahead because a page profile named them
};

}  // namespace burrow::abi
