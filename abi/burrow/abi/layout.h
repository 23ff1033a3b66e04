// The guest's memory layout: the contract between the monitor, which builds the
// first address space, and the guest kernel, which lives in it.
#pragma once

#include <cstdint>

namespace burrow::abi {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kLargePageSize = 2ull << 20;

// ---- Guest physical memory ----
// BootInfo lives in its own 64 KiB; the kernel image is loaded at 2 MiB; the monitor
// hands out frames for page tables, the program image and the first stack from
// kMonitorFramesPhys upwards and tells the guest where it stopped (first_free_phys).
inline constexpr uint64_t kBootInfoPhys = 0x10000;
inline constexpr uint64_t kBootInfoSize = 0x10000;
inline constexpr uint64_t kKernelPhys = 0x200000;
inline constexpr uint64_t kKernelMaxSize = 0x600000;
inline constexpr uint64_t kMonitorFramesPhys = kKernelPhys + kKernelMaxSize;
// Guest-physical page with no memory behind it: a write there is a VM exit (MMIO),
// the one kick that works from any privilege level (see DESIGN.md, PVM).
inline constexpr uint64_t kMmioPhys = 0x40'0000'0000ull;  // 256 GiB
inline constexpr uint64_t kMaxMemory = 0x20'0000'0000ull;  // 128 GiB
inline constexpr uint64_t kMinMemory = 16ull << 20;

// ---- Guest virtual memory (upper half: kernel; lower half: Linux's user layout) ----
// The kernel image is linked at kKernelVirtOffset + its physical address, inside the
// top 2 GiB so that absolute 32-bit sign-extended addressing reaches it.
inline constexpr uint64_t kKernelVirtOffset = 0xFFFF'FFFF'8000'0000ull;
inline constexpr uint64_t kKernelBase = kKernelVirtOffset + kKernelPhys;
// The first pages of the image are the CPL 0 shim (supervisor-only); the rest, the
// Linux personality, runs at CPL 3.
inline constexpr uint64_t kShimSize = 0x2000;
// Every guest-physical byte, mapped with 2 MiB pages for the personality.
inline constexpr uint64_t kDirectMapBase = 0xFFFF'8880'0000'0000ull;
// GDT, IDT and TSSs (supervisor-only), built by the monitor.
inline constexpr uint64_t kSysTablesVirt = 0xFFFF'FFFF'FC00'0000ull;
inline constexpr uint64_t kMmioVirt = 0xFFFF'FFFF'FD00'0000ull;
// One PerCpu block per vCPU (see percpu.h).
inline constexpr uint64_t kPerCpuBase = 0xFFFF'FFFF'FE00'0000ull;
inline constexpr uint64_t kPerCpuSize = 0x10000;
inline constexpr uint32_t kMaxCpus = 16;

// Linux x86-64 user layout without address randomization.
inline constexpr uint64_t kUserStackTop = 0x7FFF'FFFF'F000ull;
inline constexpr uint64_t kUserStackMax = 8ull << 20;  // RLIMIT_STACK default
inline constexpr uint64_t kUserMmapTop = 0x7FFF'F7FF'F000ull;
inline constexpr uint64_t kUserEtDynBase = 0x5555'5555'4000ull;  // ELF_ET_DYN_BASE
inline constexpr uint64_t kUserEnd = 0x7FFF'FFFF'F000ull;
inline constexpr uint64_t kUserMinAddr = 0x10000;  // vm.mmap_min_addr

// ---- Rewritten system calls (issue 6) ----
// A rewritten `syscall` site reaches the personality by jumping (from its trampoline)
// to this fixed address, the first bytes of the personality's text (section
// .fast_entry): eax = system call number, rcx = where to resume, r11 free, every
// other register as the `syscall` instruction would have seen it. The result comes
// back in rax, rcx = resume address and r11 = RFLAGS, as after `syscall`. Files
// rewritten by `burrow rewrite` name this address, so it never moves.
inline constexpr uint64_t kFastSyscallEntry = 0xFFFF'FFFF'8020'2000ull;
static_assert(kFastSyscallEntry == kKernelBase + kShimSize);
// A rewritten `cpuid` site jumps (from its trampoline) here: eax = leaf, ecx =
// subleaf, rbx = where to resume. The answer comes back in eax, ebx, ecx and edx as
// the instruction gives it (BootInfo::cpuid); every other register and RFLAGS are
// kept. Fixed for the same reason as kFastSyscallEntry.
inline constexpr uint64_t kFastCpuidEntry = kFastSyscallEntry + 0x400;
// A page profile (Hypercall::kPageProfile) covers a file's first 128 MiB.
inline constexpr uint64_t kMaxPageProfileBytes = 4096;
// Trampolines of sites in libraries live between the mmap area and the stack,
// within a rel32 jump of everything mmap places below kUserMmapTop.
inline constexpr uint64_t kTrampolineArena = kUserMmapTop;
inline constexpr uint64_t kTrampolineArenaSize = 16ull << 20;

// ---- vDSO (issue 6) ----
// The vDSO image ([vdso], read + execute) and, one page below it, the clock
// parameters it reads ([vvar], read-only; see vdso.h). A fixed place in the gap Linux
// leaves between the mmap area and the stack, clear of both (and of the stack's
// guard gap at RLIMIT_STACK 8 MiB): programs find the vDSO through
// AT_SYSINFO_EHDR, never by its address. The vDSO reaches [vvar] at this fixed
// distance below its own ELF header.
inline constexpr uint64_t kVvarVirt = 0x7FFF'FC00'0000ull;
inline constexpr uint64_t kVvarSize = kPageSize;
inline constexpr uint64_t kVdsoVirt = kVvarVirt + kVvarSize;
inline constexpr uint64_t kVdsoMaxSize = 8 * kPageSize;
static_assert(kVvarVirt >= kUserMmapTop + (32ull << 20));
static_assert(kVdsoVirt + kVdsoMaxSize + (1ull << 20) <= kUserStackTop - kUserStackMax);

// ---- Segment selectors (GDT built by the monitor) ----
// Order follows what SYSCALL/SYSRET need: kernel CS, kernel SS, user SS (32-bit CS
// slot skipped), user CS.
inline constexpr uint16_t kKernelCs = 0x08;
inline constexpr uint16_t kKernelSs = 0x10;
inline constexpr uint16_t kUserSs = 0x1B;
inline constexpr uint16_t kUserCs = 0x23;
inline constexpr uint16_t kTssSelector = 0x28;

// ---- Interrupt vectors ----
// The personality asks the shim for a privileged operation by executing the `hlt`
// at its symbol shim_service_gate (rax = ShimOp, rdi = argument): the #GP stub
// recognises that address, performs the operation and resumes after the `hlt`.
// (PVM answers `int n` from CPL 3 with #UD, so a software-interrupt gate cannot be
// used; a #GP on a known instruction works on both kinds of KVM.)
inline constexpr uint32_t kShimStubStride = 16;  // IDT stub i at kKernelBase + i*16
inline constexpr uint32_t kShimVectorCount = 32;
// Per-CPU SYSCALL entry stubs follow the vector stubs, one kSyscallStubStride each.
inline constexpr uint64_t kShimSyscallStubs = kKernelBase + 0x400;
inline constexpr uint32_t kSyscallStubStride = 64;
inline constexpr uint64_t kShimGpStub = kKernelBase + 0x200;
inline constexpr uint64_t kShimDoubleFaultStub = kKernelBase + 0x300;

enum class ShimOp : uint64_t {
  kInvlpg = 1,      // rdi = virtual address
  kFlushTlb = 2,    // reload CR3
  kWriteFsBase = 3, // rdi = base (when CR4.FSGSBASE is not available)
  kHalt = 4,
};

// I/O port the shim uses when it cannot reach the personality (double fault).
inline constexpr uint16_t kShimPanicPort = 0xE9;

}  // namespace burrow::abi
