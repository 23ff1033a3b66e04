// Hypercalls: the guest fills its vCPU's HypercallRequest (in its PerCpu block) and
// writes the request's guest-physical address to kMmioPhys; the write is the VM exit.
// The monitor validates every argument, serves the call, stores `result` and resumes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace burrow::abi {

enum class Hypercall : uint64_t {
  // args: fd (0..2), guest virtual buf, len → bytes written or -errno.
  kWrite = 1,
  // args: fd (0..2), guest virtual buf, len → bytes read or -errno.
  kRead = 2,
  // args: exit status (0..255) → does not return.
  kExit = 3,
  // args: signal number, fault address, rip, si_code → does not return.
  // The monitor reports the death and exits with 128 + signal.
  kFatalSignal = 4,
  // args: syscall number → 0. The monitor names it on stderr, once per number.
  kUnknownSyscall = 5,
  // args: syscall number, its six arguments, its result → 0. Used by --strace.
  kStrace = 6,
  // args: guest virtual buf, len → bytes filled from the host's random source.
  kRandom = 7,
  // args: fd (0..2), request (TCGETS/TIOCGWINSZ), guest virtual arg → result or -errno.
  kIoctl = 8,
  // args: guest virtual NUL-terminated message, length → does not return.
  // A guest kernel invariant broke (VERIFY); the monitor prints it and exits 125.
  kPanic = 9,
  // args: guest virtual TrapFrame (see below) → does not return.
  // An exception the guest kernel could not handle (in itself, or in the shim).
  kKernelFault = 10,
  // args: name id (StatId), value → 0. Counters for --stats at exit.
  kStat = 11,
  // args: fd (0..2), guest virtual struct stat → 0 or -errno (fstat of the host fd).
  kFstat = 12,
  // args: guest virtual message, length → 0. Something the program asked for is not
  // implemented (it got ENOSYS); the monitor prints the message once.
  kUnsupported = 13,
  // args: none → does not return. A page fault could not be served: the monitor
  // reports "out of guest memory" and exits 137, like the host's OOM killer.
  kOutOfMemory = 14,
  // args: fd (0..2) → the host fd's file status flags (fcntl F_GETFL) or -errno.
  kGetFileFlags = 15,
};

// The MMIO write that kicks a hypercall carries its number; the request itself is
// always the calling vCPU's PerCpu::hypercall, whose location the monitor knows.

struct HypercallRequest {
  uint64_t nr;       // Hypercall
  uint64_t args[8];
  int64_t result;
};
static_assert(sizeof(HypercallRequest) == 80);
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

enum class StatId : uint64_t {
  kTrappedSyscalls = 1,
  kPageFaults = 2,
  kHypercalls = 3,
};

}  // namespace burrow::abi
