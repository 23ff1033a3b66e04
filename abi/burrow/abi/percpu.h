// The per-vCPU block: where the CPL 0 shim leaves the interrupted state for the
// personality, the shim's interrupt stacks, and the personality's own stack.
// Shared by the shim's assembly (offsets below), the personality and the monitor.
#pragma once

#include <cstddef>
#include <cstdint>

#include "burrow/abi/layout.h"

namespace burrow::abi {

// ABI: offsets are used from assembly; the static_asserts keep them honest.
struct PerCpu {
  uint64_t user_rsp;        // 0x00: RSP at the SYSCALL instruction
  uint64_t return_rip;      // 0x08: where the personality returns to
  uint64_t return_rsp;      // 0x10
  uint64_t self;            // 0x18: this block's virtual address
  uint64_t cpu;             // 0x20
  uint64_t return_stub;     // 0x28: this CPU's return trampoline
  uint64_t in_kernel;       // 0x30: nonzero while the personality runs
  uint64_t signal_pending;  // 0x38: a signal waits for delivery to a handler
  // 0x40: signals sent to burrow from outside (Ctrl-C, kill), by bit (1 << (sig - 1)),
  // set by the monitor while the vCPU is stopped, taken by the personality.
  uint64_t host_signals;
  // 0x48: where the monitor sends a vCPU it stopped in the program's code to take
  // them (the personality's host_signal_entry, set at boot): a TrapFrame of the
  // program's state is then at the kernel stack's frame slot, and rsp/rdi point at it.
  uint64_t host_signal_entry;
  uint64_t last_nr;         // 0x50: the number of the latest system call (rewritten sites' path)
  uint64_t cpuid_resume;    // 0x58: kFastCpuidEntry's way back to the program
  uint64_t cpuid_rsp;       // 0x60: and the program's stack pointer
  // Polled hypercalls (Hypercall::kPoll*: see hypercall.h): the guest numbers each
  // request it makes; the monitor says which it served and whether its poller spins.
  uint64_t poll_doorbell;   // 0x68: guest: the number of the request it just made
  uint64_t poll_done;       // 0x70: monitor: the number of the last request served
  uint64_t poll_awake;      // 0x78: monitor: nonzero while its poller watches the doorbell
  uint64_t poll_taken;      // 0x80: monitor: the number of the request the poller is serving
  uint64_t reserved[15];
  uint8_t hypercall[256];   // 0x100: this CPU's HypercallRequest
};
static_assert(offsetof(PerCpu, user_rsp) == 0x00);
static_assert(offsetof(PerCpu, return_rip) == 0x08);
static_assert(offsetof(PerCpu, return_rsp) == 0x10);
static_assert(offsetof(PerCpu, return_stub) == 0x28);
static_assert(offsetof(PerCpu, in_kernel) == 0x30);
static_assert(offsetof(PerCpu, signal_pending) == 0x38);
static_assert(offsetof(PerCpu, host_signals) == 0x40);
static_assert(offsetof(PerCpu, host_signal_entry) == 0x48);
static_assert(offsetof(PerCpu, last_nr) == 0x50);
static_assert(offsetof(PerCpu, cpuid_resume) == 0x58);
static_assert(offsetof(PerCpu, cpuid_rsp) == 0x60);
static_assert(offsetof(PerCpu, poll_doorbell) == 0x68);
static_assert(offsetof(PerCpu, poll_done) == 0x70);
static_assert(offsetof(PerCpu, poll_awake) == 0x78);
static_assert(offsetof(PerCpu, poll_taken) == 0x80);
static_assert(offsetof(PerCpu, hypercall) == 0x100);
static_assert(sizeof(PerCpu) == 0x200);

// Inside a kPerCpuSize block: the PerCpu struct at 0, the IST stacks (exceptions on
// IST1, double fault on IST2), then the personality's stack up to the block's end.
inline constexpr uint64_t kIst1Top = 0x1000;
inline constexpr uint64_t kIst2Top = 0x1800;
inline constexpr uint64_t kKernelStackTop = kPerCpuSize;
// The TrapFrame of an entry sits this far below the kernel stack's top.
inline constexpr uint64_t kTrapFrameFromTop = 192;

// The frame the exception shim leaves at the top of IST1 (growing down):
// ss, rsp, rflags, cs, rip (CPU), error code, vector, rax, cr2 (shim).
struct TrapFrameHw {
  uint64_t cr2;
  uint64_t rax;
  uint64_t vector;
  uint64_t error;
  uint64_t rip;
  uint64_t cs;
  uint64_t rflags;
  uint64_t rsp;
  uint64_t ss;
};
static_assert(sizeof(TrapFrameHw) == 72);
inline constexpr uint64_t kTrapFrameHwOffset = kIst1Top - sizeof(TrapFrameHw);
// Right below it, the iretq frame the shim returns through into the personality
// (rip = its exception entry, CPL 3, rsp = the kernel stack's top): always the same,
// so the personality writes it once at boot and the shim only points rsp at it (on
// PVM each CPL 0 instruction is emulated, ~1 µs: five pushes saved per fault).
struct ExceptionIretFrame {
  uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(ExceptionIretFrame) == 40);
inline constexpr uint64_t kExceptionIretFrameOffset = kTrapFrameHwOffset - sizeof(ExceptionIretFrame);

constexpr uint64_t per_cpu_virt(uint32_t cpu) { return kPerCpuBase + uint64_t{cpu} * kPerCpuSize; }

}  // namespace burrow::abi
