// BootInfo: everything the monitor tells the guest kernel before its first
// instruction. Written by the monitor at kBootInfoPhys; read-only for the guest.
#pragma once

#include <cstddef>
#include <cstdint>

#include "burrow/abi/layout.h"

namespace burrow::abi {

inline constexpr uint32_t kBootInfoMagic = 0x42525257;  // "WRRB"
inline constexpr uint32_t kAbiVersion = 1;

// BootInfo::flags
inline constexpr uint32_t kBootStrace = 1u << 0;
inline constexpr uint32_t kBootStats = 1u << 1;
inline constexpr uint32_t kBootFsGsBase = 1u << 2;  // CR4.FSGSBASE is on: wrfsbase works at CPL 3
inline constexpr uint32_t kBootRewrite = 1u << 3;   // rewrite syscall sites of executable file mappings
inline constexpr uint32_t kBootExec = 1u << 4;      // started by execve: descriptors come from inherited_fds

// An area of the program's address space that the loader established.
// kVvar and kVdso: the vDSO's data page and image (layout.h), shown as [vvar] and
// [vdso].
// kTrampolines: rewritten system call sites' trampolines (issue 6), shown as
// anonymous memory.
enum class RegionKind : uint32_t { kImage = 1, kStack = 2, kBrk = 3, kVvar = 4, kVdso = 5, kTrampolines = 6 };
// BootRegion::prot, Linux's PROT_* values.
inline constexpr uint32_t kProtRead = 1;
inline constexpr uint32_t kProtWrite = 2;
inline constexpr uint32_t kProtExec = 4;

inline constexpr uint64_t kNoHandle = ~0ull;

struct BootRegion {
  uint64_t start;  // page-aligned
  uint64_t end;    // page-aligned, exclusive
  uint32_t prot;   // kProt* bits
  uint32_t kind;   // RegionKind
  // kImage pages still to be read from the file (private mapping of the monitor's
  // handle at file_offset); kNoHandle: anonymous, or already present.
  uint64_t handle = kNoHandle;
  uint64_t file_offset = 0;
};
static_assert(sizeof(BootRegion) == 40);

inline constexpr uint32_t kMaxBootRegions = 32;

// A file descriptor that survives execve (no FD_CLOEXEC), as the new kernel
// recreates it. Descriptors sharing an open file description share `handle`.
struct InheritedFd {
  int32_t fd;
  uint32_t kind;    // the kernel's fs::FileKind
  uint32_t flags;   // open status flags
  uint32_t is_dir;
  uint64_t handle;  // kind kHost: the monitor's handle
  uint64_t path;    // ExecRequest: guest virtual address of its path (0: none);
  uint32_t path_len;
  uint32_t path_offset;  // BootInfo: offset into fd_paths, or kNoPath
};
static_assert(sizeof(InheritedFd) == 40);
inline constexpr uint32_t kMaxInheritedFds = 256;
inline constexpr uint32_t kNoPath = ~0u;
inline constexpr uint32_t kFdPathsSize = 16384;
inline constexpr uint32_t kRlimitCount = 16;  // RLIM_NLIMITS
inline constexpr uint32_t kMaxAuxv = 32;
inline constexpr uint32_t kMaxGroups = 64;

inline constexpr uint8_t kStdioNotTty = 1;
inline constexpr uint8_t kStdioPipe = 2;
inline constexpr uint8_t kStdioNull = 4;

// One CPUID leaf as KVM keeps it (struct kvm_cpuid_entry2 without its padding).
struct CpuidEntry {
  uint32_t function, index;
  uint32_t flags;  // kCpuidSignificantIndex: `index` selects the subleaf
  uint32_t eax, ebx, ecx, edx;
  uint32_t reserved;
};
static_assert(sizeof(CpuidEntry) == 32);
inline constexpr uint32_t kCpuidSignificantIndex = 1;  // KVM_CPUID_FLAG_SIGNIFCANT_INDEX
inline constexpr uint32_t kMaxCpuidEntries = 128;

struct BootInfo {
  uint32_t magic;
  uint32_t version;
  uint32_t flags;  // kBoot* bits
  uint32_t cpu_count;
  uint64_t memory_size;      // bytes of guest-physical memory from 0
  uint64_t first_free_phys;  // the guest's frame allocator owns [this, memory_size)
  uint64_t cr3;
  uint64_t per_cpu_phys[kMaxCpus];  // where each vCPU's PerCpu block lives

  // The program, as loaded.
  uint64_t entry;
  uint64_t initial_rsp;
  uint64_t brk_start;
  uint64_t stack_top;
  uint32_t region_count;
  uint32_t reserved0;
  BootRegion regions[kMaxBootRegions];

  // Time: guest TSC `tsc_ref` was read when the host clocks said these values.
  uint64_t tsc_hz;
  uint64_t tsc_ref;
  int64_t realtime_ref_ns;
  int64_t monotonic_ref_ns;

  // Identity the program sees (the host's own, as a native run would).
  uint32_t uid, euid, gid, egid;
  uint32_t pid, ppid;
  // Supplementary groups (getgroups), the monitor's own.
  uint32_t group_count;
  uint32_t groups[kMaxGroups];
  // getrlimit(2) for every resource, as the host gave them to the monitor.
  uint64_t rlimits[kRlimitCount][2];

  // uname(2) fields, NUL-terminated (struct utsname has 65-byte fields).
  char uts_sysname[65];
  char uts_nodename[65];
  char uts_release[65];
  char uts_version[65];
  char uts_machine[65];
  char uts_domainname[65];
  char reserved1[2];

  // The task's name (prctl PR_GET_NAME): the basename of the executed path, as
  // Linux takes it, at most 15 bytes.
  char comm[16];

  // Where execve left the argument and environment strings on the stack
  // (/proc/self/cmdline and environ), and the auxiliary vector (/proc/self/auxv).
  uint64_t arg_start, arg_end, env_start, env_end;
  uint32_t auxv_count;
  uint32_t umask;  // the caller's umask: the monitor itself runs with 0
  uint64_t auxv[kMaxAuxv][2];

  // The CPU as /proc/cpuinfo shows it (vendor, brand string, flag names).
  char cpu_vendor[16];
  char cpu_model[64];
  char cpu_flags[1024];

  // The initial working directory (guest path, absolute).
  char cwd[4096];

  // readlink("/proc/self/exe"): the program's absolute host path.
  char exe_path[4096];

  // Rewritten system calls (kBootRewrite): the first free byte of the trampoline
  // arena (abi::kTrampolineArena) after what the monitor used for the images it
  // loaded; the guest hands out the rest for libraries it maps.
  uint64_t trampoline_next;

  // The vDSO's data page (abi::kVvarVirt, read-only for the program): the guest kernel
  // fills it at boot, through the direct map, with its clock parameters (vdso.h).
  uint64_t vvar_phys;

  // kBootExec: what the program that called execve hands on to its successor.
  uint64_t sig_ignored;  // signals set to SIG_IGN (they stay ignored)
  uint64_t sig_blocked;  // the signal mask
  uint32_t inherited_fd_count;
  int32_t nice;  // setpriority's value survives execve
  InheritedFd inherited_fds[kMaxInheritedFds];
  char fd_paths[kFdPathsSize];  // NUL-terminated paths, at InheritedFd::path_offset

  // The images' files (BootRegion::handle) and what /proc/self/maps calls them.
  uint64_t exe_handle, interp_handle;
  char interp_path[4096];

  // What the vCPU's CPUID answers (KVM_GET_CPUID2 once the vCPU is set up), for
  // rewritten `cpuid` sites (abi::kFastCpuidEntry): a trapped cpuid costs ~10 µs
  // on PVM, and glibc's start-up runs ~70 of them.
  uint32_t cpuid_count;
  uint32_t cpuid_reserved;
  CpuidEntry cpuid[kMaxCpuidEntries];

  // Polled hypercalls (see abi/hypercall.h): the numbers the monitor's poller serves
  // (bit nr of the 128; none: no poller), and how long the guest waits for the poller
  // to take a request before it kicks with a VM exit after all.
  uint64_t poll_hypercalls[2];
  uint64_t poll_spin_ns;

  // The page profiles (Hypercall::kPageProfile) of the program's and the
  // interpreter's files, looked up by the monitor as it loaded them.
  uint32_t exe_profile_bytes, interp_profile_bytes;
  // What never changes about the monitor's standard input, output and error (handles
  // 0-2), so the guest answers for them without an exit: kStdioNotTty (terminal
  // ioctls say ENOTTY), kStdioPipe (a pipe or socket: seeking says ESPIPE),
  // kStdioNull (the null device: reads end at once, writes take everything, seeks
  // land at 0, as Linux's /dev/null does without looking at the buffer).
  uint8_t stdio_traits[3];
  uint8_t stdio_reserved[5];
  uint8_t exe_profile[kMaxPageProfileBytes];
  uint8_t interp_profile[kMaxPageProfileBytes];
};
static_assert(sizeof(BootInfo) < kBootInfoSize);
static_assert(offsetof(BootInfo, regions) % 8 == 0);
static_assert(offsetof(BootInfo, tsc_hz) % 8 == 0);

}  // namespace burrow::abi
