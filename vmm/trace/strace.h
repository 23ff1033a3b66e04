// --strace: formats the guest's syscalls the way strace(1) prints them, driven by the
// syscall list in burrow/abi/syscalls.h and reading the guest's memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace burrow::trace {

// The guest's virtual memory, as the tracer reads it.
class GuestReader {
 public:
  virtual ~GuestReader() = default;
  // Copies len bytes of guest virtual memory; false if any byte is unmapped.
  virtual bool read(uint64_t va, void* dst, size_t len) = 0;
};

// A NUL-terminated string of up to max + 1 bytes (so that the caller can tell it
// was cut), without the NUL; nullopt if unreadable. Reads a page at a time: a
// string that ends just before an unmapped page is still readable.
std::optional<std::string> read_cstring(GuestReader& mem, uint64_t va, size_t max);

// The syscall's name, or nullptr for a number not in the list.
const char* syscall_name(uint64_t nr);

// One strace line for a finished syscall, without the trailing newline:
//   write(1, "hello\n", 6)                  = 6
// The result is aligned at column 40 as strace does. Everything is read from `mem`
// when this is called, so call it as the syscall returns, before the guest runs on.
std::string format_syscall(uint64_t nr, const uint64_t args[6], int64_t ret, GuestReader& mem);

// strace's line for a signal delivered to a handler, without the newline:
//   --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=12, si_uid=0} ---
//   --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=0x8} ---
std::string format_signal(int sig, int code, int pid, uint32_t uid, uint64_t addr);

}  // namespace burrow::trace
