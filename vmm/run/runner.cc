// Assembles a VM in one explicit order (program file, KVM, memory, address space,
// vCPU state, clock) and runs its vCPU loop until the program exits.
#include "run/runner.h"

#include <cpuid.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <span>

#include <fmt/format.h>

#include "burrow/abi/boot_info.h"
#include "burrow/abi/layout.h"
#include "burrow/abi/percpu.h"
#include "hypercalls/hypercalls.h"
#include "hypercalls/poller.h"
#include "hypercalls/rewrite.h"
#include "rewrite/analysis_cache.h"
#include "rewrite/cache_dir.h"
#include "rewrite/static_rewrite.h"
#include "kvm/kvm.h"
#include "loader/elf.h"
#include "memory/guest_memory.h"
#include "fs/mapped_file.h"
#include "fs/mounts.h"
#include "fs/realpath.h"
#include "fs/sandbox.h"
#include "fs/unique_fd.h"
#include "run/address_space.h"

extern "C" const uint8_t burrow_kernel_image[];
extern "C" const uint8_t burrow_kernel_image_end[];
extern char** environ;

namespace burrow::run {
namespace {

// Polled hypercalls: the poller watches this long after the last request before it
// sleeps; the guest waits this long for the poller before it kicks with an exit.
constexpr int64_t kPollerIdleNs = 2'000'000;
constexpr uint64_t kGuestPollSpinNs = 50'000;

// Signals sent to burrow (Ctrl-C, kill, timeout) go to the program, as docker run
// forwards them: the handler only records them; the run loop hands them to the guest.
constexpr int kForwardedSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

void on_host_signal(int sig) {
  hypercalls::g_host_signals.fetch_or(uint64_t{1} << (sig - 1), std::memory_order_relaxed);
}

void forward_host_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_host_signal;  // no SA_RESTART: KVM_RUN and blocking calls return EINTR
  sigemptyset(&sa.sa_mask);
  for (int sig : kForwardedSignals) ::sigaction(sig, &sa, nullptr);
}

// Hands the signals recorded since the last exit to the guest (PerCpu::host_signals).
// A vCPU that KVM_RUN left in the program's own code is sent to the personality's
// host_signal_entry with the program's state in a TrapFrame, as an interrupt would;
// elsewhere (inside the personality) the signal waits for its next way back to the
// program. A signal the guest did not take since the last one of its kind means it
// cannot (stuck): that one ends burrow, with the signal's default action.
void take_host_signals(kvm::Vcpu& vcpu, memory::GuestMemory& mem, uint64_t per_cpu_phys, bool stopped_in_guest) {
  uint64_t bits = hypercalls::g_host_signals.exchange(0, std::memory_order_relaxed);
  if (!bits) return;
  // SAFETY: the PerCpu block lies in guest memory (checked); the guest may have
  // written anything into it, so every value read is checked before use.
  auto* pc = reinterpret_cast<abi::PerCpu*>(mem.at(per_cpu_phys, sizeof(abi::PerCpu)));
  if (!pc) return;
  if (uint64_t stuck = pc->host_signals & bits)
    for (int sig = 1; sig <= 64; ++sig)
      if (stuck & (uint64_t{1} << (sig - 1))) {
        ::signal(sig, SIG_DFL);
        ::raise(sig);
      }
  pc->host_signals |= bits;
  pc->signal_pending = 1;
  if (!stopped_in_guest) return;
  auto regs = vcpu.regs();
  auto sregs = vcpu.sregs();
  uint64_t entry = pc->host_signal_entry;
  if (!regs || !sregs || sregs->cs.selector != abi::kUserCs || regs->rip >= abi::kUserEnd || pc->in_kernel ||
      entry < abi::kKernelBase || entry >= abi::kKernelBase + abi::kKernelMaxSize)
    return;
  uint64_t frame_offset = abi::kKernelStackTop - abi::kTrapFrameFromTop;
  auto* f = reinterpret_cast<abi::TrapFrame*>(mem.at(per_cpu_phys + frame_offset, sizeof(abi::TrapFrame)));
  if (!f) return;
  const kvm_regs& r = *regs;
  *f = abi::TrapFrame{r.r15, r.r14, r.r13, r.r12, r.r11, r.r10, r.r9, r.r8, r.rbp, r.rdi, r.rsi, r.rdx, r.rcx,
                      r.rbx, r.rax, abi::kHostSignalVector, 0, 0, r.rip, abi::kUserCs, r.rflags, r.rsp, abi::kUserSs};
  kvm_regs next = r;
  uint64_t frame_va = abi::kPerCpuBase + vcpu.index() * abi::kPerCpuSize + frame_offset;
  next.rip = entry;
  next.rsp = frame_va;
  next.rdi = frame_va;
  (void)vcpu.set_regs(next);
}

struct ProgramFile {
  std::string host_path;
  fs::MappedFile bytes;
  rewrite::FileIdentity identity;  // for the rewriter's cache
  fs::UniqueFd fd;  // the very file read, from which the guest reads untouched pages
};

// `sys_errno`: what execve says for the same failure (0: not a system call's).
Error file_error(const std::string& name, ExitCode code, const std::string& what, int sys_errno = 0) {
  Error e = make_error(code, fmt::format("{}: {}", name, what));
  e.sys_errno = sys_errno;
  return e;
}

// Finds the program inside the VM's file system as execvp would (a PATH search
// when the name has no slash) and reads it whole.
Result<ProgramFile> read_program(const fs::Sandbox& sandbox, const std::string& name, const std::string& cwd,
                                 const std::string& search_path, uint64_t limit) {
  if (name.empty()) return file_error("''", ExitCode::kNotFound, "No such file or directory", ENOENT);
  std::string path;
  if (name.find('/') != std::string::npos) {
    path = fs::normalize(cwd, name);
  } else {
    for (size_t pos = 0; pos <= search_path.size();) {
      size_t end = search_path.find(':', pos);
      if (end == std::string::npos) end = search_path.size();
      std::string dir = search_path.substr(pos, end - pos);
      std::string candidate = fs::normalize(cwd, (dir.empty() ? "." : dir) + "/" + name);
      struct stat st {};
      if (sandbox.stat(candidate, true, &st) == 0 && S_ISREG(st.st_mode) && sandbox.access(candidate, X_OK, 0) == 0) {
        path = candidate;
        break;
      }
      pos = end + 1;
    }
    if (path.empty()) return file_error(name, ExitCode::kNotFound, "executable file not found in $PATH", ENOENT);
  }
  fs::Opened opened;
  if (int64_t r = sandbox.open(path, O_RDONLY, 0, &opened); r < 0) {
    int e = static_cast<int>(-r);
    return file_error(name, e == ENOENT || e == ENOTDIR ? ExitCode::kNotFound : ExitCode::kCannotExecute,
                      std::strerror(e), e);
  }
  int fd = opened.host_fd;
  struct stat st {};
  ::fstat(fd, &st);
  auto fail = [&](ExitCode code, const std::string& what, int err = EACCES) {
    ::close(fd);
    return file_error(name, code, what, err);
  };
  if (S_ISDIR(st.st_mode)) return fail(ExitCode::kCannotExecute, "Is a directory");
  if (!S_ISREG(st.st_mode)) return fail(ExitCode::kCannotExecute, "Permission denied (not a regular file)");
  if (sandbox.access(path, X_OK, 0) != 0) return fail(ExitCode::kCannotExecute, "Permission denied");
  if (static_cast<uint64_t>(st.st_size) > limit)
    return fail(ExitCode::kCannotExecute, fmt::format("the file is larger than guest memory (--memory={}M)", limit >> 20),
                ENOMEM);
  ProgramFile out;
  out.identity = rewrite::identity_of(st);
  out.bytes = fs::MappedFile::map(fd, static_cast<size_t>(st.st_size));
  if (st.st_size > 0 && out.bytes.empty()) return fail(ExitCode::kCannotExecute, std::strerror(errno), errno);
  out.fd = fs::UniqueFd(fd);
  out.host_path = fs::real_path(sandbox, path);
  return out;
}

std::vector<std::string> build_environment(const RunOptions& options) {
  std::vector<std::string> env;
  if (!options.clear_env)
    for (char** e = environ; *e; ++e) env.emplace_back(*e);
  for (const auto& kv : options.env_overrides) {
    std::string entry = kv;
    size_t eq = kv.find('=');
    std::string key = kv.substr(0, eq);
    if (eq == std::string::npos) {
      // docker's `-e NAME`: pass the caller's value through, or nothing.
      const char* v = std::getenv(key.c_str());
      if (!v) continue;
      entry = key + "=" + v;
    }
    std::erase_if(env, [&](const std::string& e) { return e.compare(0, key.size() + 1, key + "=") == 0; });
    env.push_back(entry);
  }
  return env;
}

const kvm_cpuid_entry2* find_cpuid(const std::vector<kvm_cpuid_entry2>& c, uint32_t fn, uint32_t index) {
  for (const auto& e : c)
    if (e.function == fn && e.index == index) return &e;
  return nullptr;
}

// XSAVE components the guest enables: x87, SSE, AVX, AVX-512 (opmask, ZMM_Hi256,
// Hi16_ZMM). AMX needs Linux's per-process permission dance and is left out.
constexpr uint64_t kXcr0Allowed = 0xE7;

struct CpuSetup {
  std::vector<kvm_cpuid_entry2> cpuid;
  std::optional<std::vector<kvm_cpuid_entry2>> effective;  // KVM_GET_CPUID2 after set-up
  uint64_t xcr0 = 0;
  bool fsgsbase = false;
};

// Instruction-set extensions that need nothing from a kernel but XSAVE state
// (which PVM keeps for the guest like the host does for a process): leaf 1 ECX,
// leaf 7.0 EBX/ECX/EDX and leaf 0x80000001 ECX bits.
constexpr uint32_t kUserIsa1Ecx = 1u << 0 | 1u << 1 | 1u << 9 | 1u << 12 | 1u << 13 | 1u << 19 | 1u << 20 |
                                  1u << 22 | 1u << 23 | 1u << 25 | 1u << 26 | 1u << 28 | 1u << 29 | 1u << 30;
constexpr uint32_t kUserIsa7Ebx = 1u << 3 | 1u << 5 | 1u << 8 | 1u << 9 | 1u << 16 | 1u << 17 | 1u << 18 |
                                  1u << 19 | 1u << 21 | 1u << 23 | 1u << 24 | 1u << 28 | 1u << 29 | 1u << 30 | 1u << 31;
constexpr uint32_t kUserIsa7Ecx = 1u << 1 | 1u << 6 | 1u << 8 | 1u << 9 | 1u << 10 | 1u << 11 | 1u << 12 | 1u << 14;
constexpr uint32_t kUserIsa7Edx = 1u << 4 | 1u << 8 | 1u << 14 | 1u << 23;
constexpr uint32_t kUserIsaExtEcx = 1u << 0 | 1u << 5 | 1u << 8;

CpuSetup plan_cpu(const kvm::System& sys) {
  CpuSetup s;
  s.cpuid = sys.supported_cpuid();
  // NOTE: on PVM the program runs natively at CPL 3 on the host's CPU and in the
  // host's XCR0, so AVX/AVX2/AVX-512 execute whatever CPUID says, and PVM answers
  // leaves 1 and 7 with the host's ISA bits anyway. But KVM_GET_SUPPORTED_CPUID
  // is minimal there (no XSAVE), which would leave CR4.OSXSAVE off: programs then
  // see AVX without OSXSAVE and glibc falls back to SSE2 routines. Offer what the
  // CPU runs at CPL 3, so CPUID, XCR0 and /proc/cpuinfo agree with a native run.
  uint32_t host_xcr0 = 0;
  if (sys.is_pvm()) {
    uint32_t a, b, c, d;
    __cpuid(1, a, b, c, d);
    if (c & (1u << 27)) {  // the host has XSAVE on: its XCR0 is the one the guest runs in
      uint32_t hi;
      asm volatile("xgetbv" : "=a"(host_xcr0), "=d"(hi) : "c"(0));
    }
    for (auto& e : s.cpuid) {
      // Only the leaves merged below: a cpuid costs ~1.5 µs in a VM like this host.
      bool merged = e.function == 1 || (e.function == 7 && e.index == 0) ||
                    (e.function >= 0x80000001 && e.function <= 0x80000004);
      if (!merged) continue;
      __cpuid_count(e.function, e.index, a, b, c, d);
      if (e.function == 1) e.ecx |= c & kUserIsa1Ecx;
      if (e.function == 7 && e.index == 0) {
        e.ebx |= b & kUserIsa7Ebx;
        e.ecx |= c & kUserIsa7Ecx;
        e.edx |= d & kUserIsa7Edx;
      }
      if (e.function == 0x80000001) e.ecx |= c & kUserIsaExtEcx;
      if (e.function >= 0x80000002 && e.function <= 0x80000004) e.eax = a, e.ebx = b, e.ecx = c, e.edx = d;
    }
    if (!host_xcr0)
      for (auto& e : s.cpuid)
        if (e.function == 1) e.ecx &= ~(1u << 26 | 1u << 28);  // no XSAVE, no AVX
  }
  for (auto& e : s.cpuid) {
    if (e.function == 7 && e.index == 0) {
      e.edx &= ~((1u << 22) | (1u << 24) | (1u << 25));  // AMX
      s.fsgsbase = e.ebx & 1;
    }
    if (e.function == 0xD && e.index == 0) {
      uint64_t supported = e.eax | (uint64_t{e.edx} << 32);
      s.xcr0 = supported & kXcr0Allowed;
      if (sys.is_pvm()) s.xcr0 &= host_xcr0;
      e.eax = static_cast<uint32_t>(s.xcr0);
      e.edx = static_cast<uint32_t>(s.xcr0 >> 32);
    }
  }
  if (const auto* leaf1 = find_cpuid(s.cpuid, 1, 0)) {
    if (!(leaf1->ecx & (1u << 26))) s.xcr0 = 0;  // no XSAVE at all
  }
  return s;
}

kvm_segment segment(uint16_t selector, bool code) {
  kvm_segment s{};
  s.base = 0;
  s.limit = 0xFFFFFFFF;
  s.selector = selector;
  s.type = code ? 11 : 3;
  s.present = 1;
  s.dpl = selector & 3;
  s.s = 1;
  s.l = code ? 1 : 0;
  s.db = code ? 0 : 1;
  s.g = 1;
  return s;
}

// `again`: after an execve. KVM refuses a second KVM_SET_CPUID2 once the vCPU has run
// (the CPUID is the same anyway).
Result<void> setup_vcpu(kvm::Vcpu& vcpu, const CpuSetup& cpu, const AddressSpace& as, uint32_t index, bool again) {
  if (!again)
    if (auto r = vcpu.set_cpuid(cpu.cpuid); !r) return r;
  auto sregs = vcpu.sregs();
  if (!sregs) return sregs.error();
  kvm_sregs s = *sregs;
  s.cs = segment(abi::kUserCs, true);
  s.ds = s.es = s.fs = s.gs = s.ss = segment(abi::kUserSs, false);
  s.gs.base = abi::per_cpu_virt(index);
  s.tr = kvm_segment{};
  s.tr.base = as.tss_virt[index];
  s.tr.limit = 103;
  s.tr.selector = static_cast<uint16_t>(abi::kTssSelector + 16 * index);
  s.tr.type = 11;
  s.tr.present = 1;
  s.ldt = kvm_segment{};
  s.ldt.unusable = 1;
  s.gdt.base = as.gdt_virt;
  s.gdt.limit = as.gdt_limit;
  s.idt.base = as.idt_virt;
  s.idt.limit = 256 * 16 - 1;
  s.cr3 = as.cr3;
  constexpr uint64_t kCr0 = 0x80050033;  // PG AM WP NE ET MP PE
  s.cr0 = kCr0;
  uint64_t cr4 = (1u << 5) | (1u << 9) | (1u << 10);  // PAE OSFXSR OSXMMEXCPT
  if (cpu.fsgsbase) cr4 |= 1u << 16;
  if (cpu.xcr0) cr4 |= 1u << 18;  // OSXSAVE
  s.cr4 = cr4;
  s.efer = (1u << 0) | (1u << 8) | (1u << 10) | (1u << 11);  // SCE LME LMA NXE
  if (auto r = vcpu.set_sregs(s); !r) return r;
  if (cpu.xcr0)
    if (auto r = vcpu.set_xcr0(cpu.xcr0); !r) return r;

  constexpr uint32_t kMsrStar = 0xC0000081, kMsrLstar = 0xC0000082, kMsrSfmask = 0xC0000084,
                     kMsrFsBase = 0xC0000100, kMsrGsBase = 0xC0000101, kMsrKernelGsBase = 0xC0000102;
  std::vector<kvm_msr_entry> msrs = {
      {kMsrStar, 0, (uint64_t{abi::kKernelSs} << 48) | (uint64_t{abi::kKernelCs} << 32)},
      {kMsrLstar, 0, abi::kShimSyscallStubs + uint64_t{index} * abi::kSyscallStubStride},
      // Entering the shim clears IF, TF, DF, AC and NT, as Linux's entry does.
      {kMsrSfmask, 0, 0x47700},
      {kMsrFsBase, 0, 0},
      // GS base = this vCPU's PerCpu block: rewritten system calls find their
      // kernel stack through it (abi::kFastSyscallEntry). Programs get no GS of
      // their own (arch_prctl(ARCH_SET_GS) is ENOSYS).
      {kMsrGsBase, 0, abi::per_cpu_virt(index)},
      {kMsrKernelGsBase, 0, 0},
  };
  if (auto r = vcpu.set_msrs(msrs); !r) return r;

  kvm_regs regs{};
  regs.rip = as.kernel_entry;
  regs.rsp = abi::per_cpu_virt(index) + abi::kKernelStackTop;
  regs.rdi = abi::kDirectMapBase + abi::kBootInfoPhys;
  regs.rsi = index;
  regs.rflags = 0x202;
  return vcpu.set_regs(regs);
}

int64_t ns_of(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

Result<void> calibrate_clock(kvm::Vcpu& vcpu, abi::BootInfo& boot) {
  uint64_t khz = vcpu.tsc_khz();
  if (!khz) return make_error(ExitCode::kMonitorFailed, "KVM does not report the TSC frequency (KVM_GET_TSC_KHZ)");
  boot.tsc_hz = khz * 1000;
  int64_t mono0 = ns_of(CLOCK_MONOTONIC), real0 = ns_of(CLOCK_REALTIME);
  auto tsc = vcpu.msr(0x10);  // IA32_TIME_STAMP_COUNTER
  if (!tsc) return tsc.error();
  int64_t mono1 = ns_of(CLOCK_MONOTONIC);
  boot.tsc_ref = *tsc;
  boot.monotonic_ref_ns = (mono0 + mono1) / 2;
  boot.realtime_ref_ns = real0 + (mono1 - mono0) / 2;
  return {};
}

// /proc/cpuinfo's vendor, model name and flags, from the CPUID the guest sees.
void describe_cpu(const std::vector<kvm_cpuid_entry2>& cpuid, abi::BootInfo& boot) {
  struct Bit {
    uint32_t leaf;
    char reg;  // 'b', 'c' or 'd'
    uint32_t bit;
    const char* name;
  };
  // Linux's names, in its order, for the features programs look for.
  static const Bit kFlags[] = {
      {1, 'd', 0, "fpu"}, {1, 'd', 1, "vme"}, {1, 'd', 2, "de"}, {1, 'd', 3, "pse"}, {1, 'd', 4, "tsc"},
      {1, 'd', 5, "msr"}, {1, 'd', 6, "pae"}, {1, 'd', 7, "mce"}, {1, 'd', 8, "cx8"}, {1, 'd', 9, "apic"},
      {1, 'd', 11, "sep"}, {1, 'd', 12, "mtrr"}, {1, 'd', 13, "pge"}, {1, 'd', 14, "mca"}, {1, 'd', 15, "cmov"},
      {1, 'd', 16, "pat"}, {1, 'd', 17, "pse36"}, {1, 'd', 19, "clflush"}, {1, 'd', 23, "mmx"},
      {1, 'd', 24, "fxsr"}, {1, 'd', 25, "sse"}, {1, 'd', 26, "sse2"}, {1, 'd', 27, "ss"}, {1, 'd', 28, "ht"},
      {0x80000001, 'd', 11, "syscall"}, {0x80000001, 'd', 20, "nx"}, {0x80000001, 'd', 26, "pdpe1gb"},
      {0x80000001, 'd', 27, "rdtscp"}, {0x80000001, 'd', 29, "lm"}, {1, 'c', 0, "pni"}, {1, 'c', 1, "pclmulqdq"},
      {1, 'c', 9, "ssse3"}, {1, 'c', 12, "fma"}, {1, 'c', 13, "cx16"}, {1, 'c', 19, "sse4_1"},
      {1, 'c', 20, "sse4_2"}, {1, 'c', 21, "x2apic"}, {1, 'c', 22, "movbe"}, {1, 'c', 23, "popcnt"},
      {1, 'c', 25, "aes"}, {1, 'c', 26, "xsave"}, {1, 'c', 28, "avx"}, {1, 'c', 29, "f16c"}, {1, 'c', 30, "rdrand"},
      {1, 'c', 31, "hypervisor"}, {0x80000001, 'c', 0, "lahf_lm"}, {0x80000001, 'c', 5, "abm"},
      {7, 'b', 0, "fsgsbase"}, {7, 'b', 3, "bmi1"}, {7, 'b', 5, "avx2"}, {7, 'b', 7, "smep"}, {7, 'b', 8, "bmi2"},
      {7, 'b', 9, "erms"}, {7, 'b', 16, "avx512f"}, {7, 'b', 17, "avx512dq"}, {7, 'b', 18, "rdseed"},
      {7, 'b', 19, "adx"}, {7, 'b', 20, "smap"}, {7, 'b', 28, "avx512cd"}, {7, 'b', 29, "sha_ni"},
      {7, 'b', 30, "avx512bw"}, {7, 'b', 31, "avx512vl"}, {7, 'c', 1, "avx512vbmi"}, {7, 'c', 8, "gfni"},
      {7, 'c', 9, "vaes"}, {7, 'c', 10, "vpclmulqdq"}, {7, 'c', 22, "rdpid"}, {7, 'd', 4, "fsrm"},
  };
  auto reg = [&](uint32_t leaf, char r) -> uint32_t {
    const kvm_cpuid_entry2* e = find_cpuid(cpuid, leaf, 0);
    if (!e) return 0;
    return r == 'b' ? e->ebx : r == 'c' ? e->ecx : e->edx;
  };
  std::string flags;
  for (const auto& f : kFlags)
    if (reg(f.leaf, f.reg) & (1u << f.bit)) flags += (flags.empty() ? "" : " ") + std::string(f.name);
  std::snprintf(boot.cpu_flags, sizeof(boot.cpu_flags), "%s", flags.c_str());
  if (const kvm_cpuid_entry2* v = find_cpuid(cpuid, 0, 0)) {
    uint32_t words[3] = {v->ebx, v->edx, v->ecx};
    std::memcpy(boot.cpu_vendor, words, 12);
  }
  // The brand string is the host CPU's: KVM passes leaves 0x80000002-4 through.
  uint32_t brand[12] = {};
  for (uint32_t i = 0; i < 3; ++i) __cpuid(0x80000002 + i, brand[4 * i], brand[4 * i + 1], brand[4 * i + 2], brand[4 * i + 3]);
  std::string model(reinterpret_cast<const char*>(brand), sizeof(brand));
  model = model.substr(0, model.find('\0'));
  model.erase(0, model.find_first_not_of(' '));
  std::snprintf(boot.cpu_model, sizeof(boot.cpu_model), "%s", model.c_str());
}

const char* exit_reason_name(uint32_t reason) {
  switch (reason) {
    case KVM_EXIT_HLT: return "hlt";
    case KVM_EXIT_SHUTDOWN: return "shutdown (triple fault)";
    case KVM_EXIT_FAIL_ENTRY: return "entry failed";
    case KVM_EXIT_INTERNAL_ERROR: return "KVM internal error";
    case KVM_EXIT_IO: return "port I/O";
    case KVM_EXIT_MMIO: return "MMIO";
    default: return "unexpected exit";
  }
}

// A program ready to be laid out: its file and interpreter parsed, and its
// arguments as the kernel passes them (a "#!" script runs its interpreter).
struct LoadedProgram {
  ProgramFile file;
  loader::ElfImage elf;
  std::optional<ProgramFile> interp_file;
  std::optional<loader::ElfImage> interp_elf;
  std::vector<std::string> argv;
};

// Linux's limits: the "#!" line it reads (BINPRM_BUF_SIZE) and how many scripts
// may name each other as interpreters before execve says ELOOP.
constexpr size_t kShebangMax = 256;
constexpr int kMaxScriptDepth = 4;

Result<LoadedProgram> load_program(const fs::Sandbox& sandbox, std::string name, std::vector<std::string> argv,
                                   const std::string& cwd, const std::string& search_path, uint64_t limit) {
  std::string shown = name;  // the name the user gave, for messages
  for (int depth = 0;; ++depth) {
    auto file = read_program(sandbox, name, cwd, search_path, limit);
    if (!file && depth > 0)
      return file_error(shown, file.error().code, "cannot run its interpreter " + file.error().message,
                        file.error().sys_errno);
    if (!file) return file.error();
    const auto& b = file->bytes;
    if (b.size() >= 2 && b[0] == '#' && b[1] == '!') {
      if (depth == kMaxScriptDepth)
        return file_error(shown, ExitCode::kCannotExecute, "too many levels of #! interpreters", ELOOP);
      size_t n = std::min(b.size(), kShebangMax);
      std::string line(b.begin() + 2, b.begin() + static_cast<std::ptrdiff_t>(n));
      size_t eol = line.find('\n');
      if (eol == std::string::npos && b.size() > kShebangMax)
        return file_error(shown, ExitCode::kCannotExecute, "its #! line is too long", ENOEXEC);
      line = line.substr(0, eol);
      auto blank = [](char c) { return c == ' ' || c == '\t'; };
      while (!line.empty() && blank(line.back())) line.pop_back();
      size_t start = 0;
      while (start < line.size() && blank(line[start])) ++start;
      size_t end = start;
      while (end < line.size() && !blank(line[end])) ++end;
      std::string interp = line.substr(start, end - start);
      while (end < line.size() && blank(line[end])) ++end;
      std::string arg = line.substr(end);
      if (interp.empty())
        return file_error(shown, ExitCode::kCannotExecute, "its #! line names no interpreter", ENOEXEC);
      // argv becomes: interpreter [arg] script-path original-argv[1..]
      std::vector<std::string> next{interp};
      if (!arg.empty()) next.push_back(arg);
      next.push_back(name);
      next.insert(next.end(), argv.size() > 1 ? argv.begin() + 1 : argv.end(), argv.end());
      argv = std::move(next);
      name = interp;
      continue;
    }
    auto elf = loader::parse_elf(file->bytes);
    if (!elf) return file_error(shown, elf.error().code, elf.error().message, ENOEXEC);
    LoadedProgram out{std::move(*file), std::move(*elf), std::nullopt, std::nullopt, std::move(argv)};
    // A dynamically linked program: its interpreter comes from the VM's file system.
    if (out.elf.interp) {
      auto f = read_program(sandbox, *out.elf.interp, "/", search_path, limit);
      if (!f) {
        // What execve says when the interpreter is missing (bash: "required file not found").
        // f's message already names the interpreter: "cannot run its interpreter X: why".
        return file_error(shown, f.error().code, "cannot run its interpreter " + f.error().message,
                          f.error().sys_errno ? f.error().sys_errno : ENOENT);
      }
      auto ie = loader::parse_elf(f->bytes);
      if (!ie) return file_error(*out.elf.interp, ie.error().code, ie.error().message, ELIBBAD);
      if (ie->interp || ie->type != ET_DYN)
        return file_error(shown, ExitCode::kCannotExecute,
                          fmt::format("its interpreter {} is not a shared object", *out.elf.interp), ELIBBAD);
      out.interp_file = std::move(*f);
      out.interp_elf = std::move(*ie);
    }
    return out;
  }
}

// --fast: rewrites the syscall sites of the images the monitor just loaded (the
// program and its interpreter). The program's trampolines go in pages just below
// it; the interpreter's at the start of the trampoline arena (it sits right below
// kUserMmapTop), whose rest the guest hands out to the libraries it maps.
Result<void> rewrite_images(memory::GuestMemory& mem, const AddressSpace& as, const LoadedProgram& program,
                            const ProgramSpec& spec, hypercalls::RewriteService& rewriter) {
  abi::BootInfo& boot = *as.boot;
  memory::PageTableBuilder pt(mem);
  mem.set_frame_cursor(boot.first_free_phys);
  auto add_region = [&](uint64_t start, uint64_t end) {
    if (boot.region_count < abi::kMaxBootRegions)
      boot.regions[boot.region_count++] = {start, end, abi::kProtRead | abi::kProtExec,
                                           static_cast<uint32_t>(abi::RegionKind::kTrampolines)};
  };
  // Rewrites every executable segment of one image into [tramp, tramp + capacity).
  // Pages present now are patched at once; the others as the guest reads them from
  // the file through `handle`.
  auto rewrite_image = [&](const ProgramFile& file, const loader::ElfImage& elf, uint64_t bias, uint64_t tramp,
                           uint64_t capacity, uint64_t handle) -> uint64_t {
    std::span<const uint8_t> bytes = file.bytes;
    if (rewrite::is_rewritten(bytes)) return 0;  // `burrow rewrite` did it already
    auto analysis = rewriter.cache().get(bytes, &file.identity);
    if (!analysis) return 0;
    uint64_t used = 0;
    for (const auto& seg : elf.loads) {
      if (!(seg.flags & PF_X) || seg.filesz == 0) continue;
      int64_t n = rewriter.rewrite_bytes(
          **analysis, bytes, seg.offset, seg.filesz, seg.vaddr + bias, tramp + used, capacity ? capacity - used : 0,
          capacity && handle != abi::kNoHandle ? std::optional<uint64_t>(handle) : std::nullopt);
      if (n > 0) used += (static_cast<uint64_t>(n) + 63) & ~uint64_t{63};
    }
    return used;
  };
  auto map_arena = [&](uint64_t start, uint64_t size) -> Result<void> {
    auto frames = mem.alloc_frames(size / abi::kPageSize);
    if (!frames) return frames.error();
    return pt.map(as.cr3, start, *frames, size, abi::kPtePresent | abi::kPteUser);
  };

  // The program: a dry run sizes its trampolines, which then go right below it.
  uint64_t bias = as.program_bias;
  uint64_t low = program.elf.min_vaddr + bias;
  uint64_t need = (rewrite_image(program.file, program.elf, bias, low - (1u << 20), 0, spec.file_handle) + abi::kPageSize - 1) &
                  ~(abi::kPageSize - 1);
  if (need && low >= abi::kUserMinAddr + need) {
    if (auto r = map_arena(low - need, need); !r) return r.error();
    rewrite_image(program.file, program.elf, bias, low - need, need, spec.file_handle);
    add_region(low - need, low);
  }
  // The arena: the interpreter's trampolines first.
  uint64_t next = abi::kTrampolineArena;
  if (program.interp_elf) {
    uint64_t ibias = as.interp_bias;
    uint64_t ineed = rewrite_image(*program.interp_file, *program.interp_elf, ibias, next, 0, spec.interp_handle);
    uint64_t pages = (ineed + abi::kPageSize - 1) & ~(abi::kPageSize - 1);
    if (pages && pages <= abi::kTrampolineArenaSize) {
      if (auto r = map_arena(next, pages); !r) return r.error();
      next += rewrite_image(*program.interp_file, *program.interp_elf, ibias, next, pages, spec.interp_handle);
    }
  }
  add_region(abi::kTrampolineArena, abi::kTrampolineArena + abi::kTrampolineArenaSize);
  boot.trampoline_next = next;
  boot.first_free_phys = mem.frame_cursor();
  return {};
}

// What one program image inherits from the one that called execve.
struct Inherited {
  std::vector<hypercalls::ExecPlan::Fd> fds;
  uint64_t sig_ignored = 0, sig_blocked = 0;
  int32_t nice = 0;
};

}  // namespace

Result<int> run(const RunOptions& options) {
  if (options.memory < abi::kMinMemory || options.memory > abi::kMaxMemory)
    return make_error(ExitCode::kMonitorFailed, fmt::format("--memory must be between {}M and {}G",
                                                            abi::kMinMemory >> 20, abi::kMaxMemory >> 30));
  if (options.cpus != 1) return make_error(ExitCode::kMonitorFailed, "--cpus: only 1 vCPU is supported so far");
  // The caches' directories: what they hold steers how programs load, so a directory
  // given with --cache must be the user's alone, like the default one.
  std::filesystem::path rewrite_cache = rewrite::AnalysisCache::default_dir();
  std::filesystem::path profile_cache = fs::PageProfiles::default_dir();
  if (options.no_cache) {
    rewrite_cache.clear();
    profile_cache.clear();
  } else if (options.cache_dir) {
    std::filesystem::path dir = std::filesystem::absolute(*options.cache_dir);
    if (!rewrite::private_cache_dir(dir))
      return make_error(ExitCode::kMonitorFailed,
                        fmt::format("--cache {}: not a directory that is yours alone (owned by you, writable by "
                                    "nobody else, and so are the directories above it)",
                                    *options.cache_dir));
    rewrite_cache = dir / "rewrite";
    profile_cache = dir / "pages";
  }
  int64_t t_start = ns_of(CLOCK_MONOTONIC);
  forward_host_signals();

  char host_cwd[PATH_MAX];
  if (!::getcwd(host_cwd, sizeof(host_cwd)))
    return make_error(ExitCode::kMonitorFailed, fmt::format("getcwd: {}", std::strerror(errno)));
  auto mounts = fs::default_mounts(options.root, options.volumes, host_cwd);
  if (!mounts) return mounts.error();
  auto sandbox = fs::Sandbox::create(std::move(*mounts));
  if (!sandbox) return sandbox.error();
  // docker's habit: -w sets the directory; with --root the default is "/"; otherwise
  // the program starts where the user is (mounted read-write at the same path).
  std::string cwd = options.workdir ? fs::normalize("/", *options.workdir) : options.root ? "/" : host_cwd;
  std::vector<std::string> envp = build_environment(options);
  std::string search_path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& e : envp)
    if (e.rfind("PATH=", 0) == 0) search_path = e.substr(5);

  auto program = load_program(*sandbox, options.program, options.argv, cwd, search_path, options.memory);
  if (!program) return program.error();
  std::string execfn = options.program;
  uint32_t umask = options.umask;
  std::optional<Inherited> inherited;  // set once the first program called execve

  auto sys = kvm::System::open();
  if (!sys) return sys.error();
  auto vm = kvm::Vm::create(*sys);
  if (!vm) return vm.error();
  uint64_t mem_size = options.memory & ~(abi::kLargePageSize - 1);
  auto mem = memory::GuestMemory::create(mem_size);
  if (!mem) return mem.error();
  if (auto r = vm->add_memory(0, 0, mem->size(), mem->host_base()); !r) return r.error();
  CpuSetup cpu = plan_cpu(*sys);
  auto vcpu = vm->create_vcpu(*sys, 0);
  if (!vcpu) return vcpu.error();

  hypercalls::Stats stats;
  hypercalls::FileService files(*mem, 0, *sandbox);
  fs::PageProfiles page_profiles(profile_cache);
  files.set_page_profiles(&page_profiles);
  hypercalls::Handler handler(*mem, 0, options, files, stats);
  rewrite::AnalysisCache analysis_cache(rewrite_cache);
  hypercalls::RewriteService rewriter(*mem, files, analysis_cache);
  if (options.rewrite) handler.set_rewriter(&rewriter);
  std::optional<LoadedProgram> next_program;
  hypercalls::ExecPlan next_plan;
  handler.set_exec_hook([&](const hypercalls::ExecPlan& plan) -> int64_t {
    auto loaded = load_program(*sandbox, plan.path, plan.argv, plan.cwd, search_path, options.memory);
    if (!loaded) return -(loaded.error().sys_errno ? loaded.error().sys_errno : ENOEXEC);
    next_program = std::move(*loaded);
    next_plan = plan;
    return 0;
  });

  // Whoever serves a hypercall holds serve_lock: this thread whenever it is outside
  // KVM_RUN, the poller (polled hypercalls, abi/hypercall.h) while it serves one.
  // Declared in this order so that a return from anywhere below releases the lock
  // before the poller is stopped and joined (it may be waiting for the lock).
  std::mutex serve_lock;
  const bool polling = options.poll == PollMode::kOn ||
                       (options.poll == PollMode::kAuto && hypercalls::Poller::worthwhile(sys->is_pvm()));
  hypercalls::Poller poller(handler, *mem, serve_lock, stats, kPollerIdleNs, options.stats);
  std::unique_lock<std::mutex> held(serve_lock);
  if (polling) poller.start();

  std::map<uint32_t, uint64_t> exits;
  std::optional<int> status;
  int64_t t_boot = 0;
  for (;;) {
    ProgramSpec spec;
    spec.host_path = program->file.host_path;
    page_profiles.set_program(program->file.identity);
    auto profile_of = [&](const ProgramFile& f, uint8_t* out, uint32_t* bytes) {
      std::vector<uint8_t> bits = page_profiles.get(f.fd.get());
      *bytes = static_cast<uint32_t>(std::min<size_t>(bits.size(), abi::kMaxPageProfileBytes));
      if (*bytes) std::memcpy(out, bits.data(), *bytes);
    };
    spec.execfn = execfn;
    spec.file = program->file.bytes;
    spec.elf = &program->elf;
    spec.argv = program->argv;
    spec.shim_user = sys->is_pvm();
    if (program->interp_elf) {
      spec.interp_file = program->interp_file->bytes;
      spec.interp_elf = &*program->interp_elf;
    }
    spec.envp = envp;
    // The guest reads the images' untouched pages from the files the monitor parsed.
    auto adopt = [&](const ProgramFile& f) -> uint64_t {
      int copy = ::fcntl(f.fd.get(), F_DUPFD_CLOEXEC, 3);
      if (copy < 0) return abi::kNoHandle;
      int64_t h = files.adopt(copy);
      return h < 0 ? abi::kNoHandle : static_cast<uint64_t>(h);
    };
    spec.file_handle = adopt(program->file);
    if (program->interp_file) {
      spec.interp_handle = adopt(*program->interp_file);
      spec.interp_host_path = program->interp_file->host_path;
    }
    // AT_HWCAP is CPUID.1:EDX of the CPU the program's code really runs on (it runs
    // natively at CPL 3): the host's own value, as a native run sees it.
    uint32_t eax, ebx, ecx, edx;
    __cpuid(1, eax, ebx, ecx, edx);
    spec.cpu_auxv = {{AT_HWCAP, edx},
                     {AT_HWCAP2, cpu.fsgsbase ? 2u : 0u},
                     {AT_MINSIGSTKSZ, getauxval(AT_MINSIGSTKSZ)}};
    auto as = build_address_space(*mem, {burrow_kernel_image, burrow_kernel_image_end}, options.cpus, spec);
    if (!as) {
      const Error& e = as.error();
      return file_error(execfn, e.code, e.message);
    }
    rewriter.set_cr3(as->cr3);
    if (options.rewrite)
      if (auto r = rewrite_images(*mem, *as, *program, spec, rewriter); !r) return r.error();
    if (auto r = setup_vcpu(*vcpu, cpu, *as, 0, inherited.has_value()); !r) return r.error();

    abi::BootInfo& boot = *as->boot;
    boot.flags = (options.strace ? abi::kBootStrace : 0) | (options.stats ? abi::kBootStats : 0) |
                 (cpu.fsgsbase ? abi::kBootFsGsBase : 0) | (inherited ? abi::kBootExec : 0) |
                 (options.rewrite ? abi::kBootRewrite : 0);
    describe_cpu(cpu.cpuid, boot);
    profile_of(program->file, boot.exe_profile, &boot.exe_profile_bytes);
    if (program->interp_file) profile_of(*program->interp_file, boot.interp_profile, &boot.interp_profile_bytes);
    // What rewritten cpuid sites answer: the vCPU's own table, read back once it is
    // set up. Without one (more leaves than BootInfo holds) they ask the CPU.
    if (!cpu.effective) {
      auto effective = vcpu->cpuid(abi::kMaxCpuidEntries);
      cpu.effective = effective ? std::move(*effective) : std::vector<kvm_cpuid_entry2>{};
    }
    boot.cpuid_count = static_cast<uint32_t>(cpu.effective->size());
    for (uint32_t i = 0; i < boot.cpuid_count; ++i) {
      const kvm_cpuid_entry2& e = (*cpu.effective)[i];
      boot.cpuid[i] = {e.function, e.index, e.flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX ? abi::kCpuidSignificantIndex : 0,
                       e.eax, e.ebx, e.ecx, e.edx, 0};
    }
    std::snprintf(boot.cwd, sizeof(boot.cwd), "%s", cwd.c_str());
    boot.umask = umask;
    boot.pid = static_cast<uint32_t>(getpid());
    for (int fd = 0; fd < 3; ++fd) {
      struct stat st;
      bool open = ::fstat(fd, &st) == 0;
      bool tty = open && ::isatty(fd);
      bool null = open && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
      boot.stdio_traits[fd] = static_cast<uint8_t>((open && !tty ? abi::kStdioNotTty : 0) |
                                                   (open && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)) ? abi::kStdioPipe : 0) |
                                                   (null ? abi::kStdioNull : 0));
    }
    gid_t groups[abi::kMaxGroups];
    int ngroups = ::getgroups(abi::kMaxGroups, groups);
    for (int i = 0; i < ngroups; ++i) boot.groups[boot.group_count++] = groups[i];
    boot.ppid = static_cast<uint32_t>(getppid());
    for (uint32_t i = 0; i < abi::kRlimitCount; ++i) {
      rlimit rl{};
      getrlimit(static_cast<__rlimit_resource>(i), &rl);
      boot.rlimits[i][0] = rl.rlim_cur;
      boot.rlimits[i][1] = rl.rlim_max;
    }
    if (inherited) {
      boot.sig_ignored = inherited->sig_ignored;
      boot.sig_blocked = inherited->sig_blocked;
      boot.nice = inherited->nice;
      uint32_t used = 0;
      for (const auto& fd : inherited->fds) {
        abi::InheritedFd& out = boot.inherited_fds[boot.inherited_fd_count++];
        out = fd.fd;
        out.path = 0;
        out.path_offset = abi::kNoPath;
        if (!fd.path.empty() && used + fd.path.size() + 1 <= abi::kFdPathsSize) {
          std::memcpy(boot.fd_paths + used, fd.path.c_str(), fd.path.size() + 1);
          out.path_offset = used;
          used += static_cast<uint32_t>(fd.path.size() + 1);
        }
      }
    }
    if (polling) {
      hypercalls::poll_hypercalls(boot.poll_hypercalls);
      boot.poll_spin_ns = kGuestPollSpinNs;
    }
    handler.reset_doorbell();  // a new image numbers its requests from 1
    poller.watch(as->per_cpu_phys[vcpu->index()]);
    if (auto r = calibrate_clock(*vcpu, boot); !r) return r.error();
    files.set_cr3(as->cr3);
    handler.set_cr3(as->cr3);
    if (!t_boot) t_boot = ns_of(CLOCK_MONOTONIC);

    bool exec = false;
    while (!status && !exec) {
      int64_t t_run = options.stats ? ns_of(CLOCK_MONOTONIC) : 0;
      held.unlock();
      int rc = vcpu->run();
      held.lock();
      int64_t t_exit = options.stats ? ns_of(CLOCK_MONOTONIC) : 0;
      stats.in_kvm_run_ns += t_exit - t_run;
      if (rc == -EINTR || rc == -EAGAIN) {
        take_host_signals(*vcpu, *mem, as->per_cpu_phys[vcpu->index()], true);
        continue;
      }
      if (rc < 0) return make_error(ExitCode::kMonitorFailed, fmt::format("KVM_RUN: {}", std::strerror(-rc)));
      kvm_run* run = vcpu->run_state();
      ++exits[run->exit_reason];
      ++stats.exits;
      if (run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write && run->mmio.phys_addr >= abi::kMmioPhys &&
          run->mmio.phys_addr < abi::kMmioPhys + abi::kPageSize) {
        uint64_t kick = 0;
        std::memcpy(&kick, run->mmio.data, std::min<size_t>(run->mmio.len, sizeof(kick)));
        hypercalls::Outcome out = handler.handle(as->per_cpu_phys[vcpu->index()], kick);
        take_host_signals(*vcpu, *mem, as->per_cpu_phys[vcpu->index()], false);
        if (options.stats) {
          int64_t spent = ns_of(CLOCK_MONOTONIC) - t_exit;
          stats.in_handler_ns += spent;
          if (stats.last_hypercall < std::size(stats.hypercall_ns)) stats.hypercall_ns[stats.last_hypercall] += spent;
        }
        status = out.exit_status;
        exec = out.exec;
        if (polling && out.pollable) poller.wake();
        continue;
      }
      auto regs = vcpu->regs();
      std::string where = regs ? fmt::format(" at rip {:#x} rsp {:#x}", regs->rip, regs->rsp) : "";
      if (run->exit_reason == KVM_EXIT_IO && run->io.port == abi::kShimPanicPort)
        return make_error(ExitCode::kMonitorFailed, "guest double fault" + where);
      if (run->exit_reason == KVM_EXIT_MMIO)
        return make_error(ExitCode::kMonitorFailed,
                          fmt::format("guest touched unbacked address {:#x}{}", run->mmio.phys_addr, where));
      if (run->exit_reason == KVM_EXIT_INTERNAL_ERROR)
        return make_error(ExitCode::kMonitorFailed,
                          fmt::format("KVM internal error (suberror {}){}", run->internal.suberror, where));
      return make_error(ExitCode::kMonitorFailed,
                        fmt::format("the VM stopped: {} (exit reason {}){}", exit_reason_name(run->exit_reason),
                                    run->exit_reason, where));
    }
    if (status) break;
    // execve: the new program replaces everything in guest memory; what it
    // inherits travels in its BootInfo.
    rewriter.forget_all();  // its registrations point into the old program's bytes
    program = std::move(*next_program);
    next_program.reset();
    execfn = next_plan.execfn;
    envp = next_plan.envp;
    cwd = next_plan.cwd;
    umask = next_plan.umask;
    inherited = Inherited{next_plan.fds, next_plan.sig_ignored, next_plan.sig_blocked, next_plan.nice};
    rewriter.forget_all();
    mem->reset();
  }
  if (options.stats) {
    int64_t t_end = ns_of(CLOCK_MONOTONIC);
    std::string line = fmt::format(
        "burrow: stats: {} VM exits ({} hypercalls kicked, {} more polled without an exit, "
        "{} kicks found their call polled), set-up {:.2f} ms, run "
        "{:.2f} ms ({:.2f} ms in KVM_RUN, {:.2f} ms serving hypercalls), KVM {}\n",
        stats.exits, exits[KVM_EXIT_MMIO] - stats.kicks_after_poll, stats.polled, stats.kicks_after_poll, (t_boot - t_start) / 1e6, (t_end - t_boot) / 1e6,
        stats.in_kvm_run_ns / 1e6, stats.in_handler_ns / 1e6, sys->is_pvm() ? "PVM" : "hardware");
    // What KVM itself counted: on PVM its MMU's faults (shadow paging) and the CPL 0
    // instructions it emulated are where much of the run's time goes.
    if (auto k = vcpu->kvm_counters(); !k.empty()) {
      line += fmt::format(
          "burrow: stats: KVM: {} exits ({} MMIO), {} page faults its MMU fixed ({} taken), {} passed to the "
          "guest, {} instructions emulated, {} TLB flushes\n",
          k["exits"], k["mmio_exits"], k["pf_fixed"], k["pf_taken"], k["pf_guest"], k["insn_emulation"],
          k["tlb_flush"]);
    }
    uint64_t trapped = stats.guest[static_cast<size_t>(abi::StatId::kTrappedSyscalls)];
    uint64_t fast = stats.guest[static_cast<size_t>(abi::StatId::kFastSyscalls)];
    line += fmt::format(
        "burrow: stats: {} system calls: {} trapped, {} through rewritten sites; {} page faults; {} pages filled "
        "ahead from page profiles; {} closes sent with other exits\n",
        trapped + fast, trapped, fast, stats.guest[static_cast<size_t>(abi::StatId::kPageFaults)],
        stats.guest[static_cast<size_t>(abi::StatId::kProfiledPages)], stats.deferred_closes);
    // Where the exits went, most first: the lever for start-up and I/O costs.
    static constexpr std::pair<abi::Hypercall, const char*> kNames[] = {
        {abi::Hypercall::kWrite, "write"},     {abi::Hypercall::kRead, "read"},
        {abi::Hypercall::kIoctl, "ioctl"},     {abi::Hypercall::kFstat, "fstat"},
        {abi::Hypercall::kGetFileFlags, "getfl"}, {abi::Hypercall::kOpen, "open"},
        {abi::Hypercall::kClose, "close"},     {abi::Hypercall::kPread, "pread"},
        {abi::Hypercall::kPwrite, "pwrite"},   {abi::Hypercall::kSeek, "seek"},
        {abi::Hypercall::kGetdents, "getdents"}, {abi::Hypercall::kFileOp, "file-op"},
        {abi::Hypercall::kPathOp, "path-op (stat, access, readlink, ...)"},
        {abi::Hypercall::kFillFromFile, "fill from file"}, {abi::Hypercall::kWriteToFile, "write to file"},
        {abi::Hypercall::kRewrite, "rewrite"}, {abi::Hypercall::kPoll, "poll"}, {abi::Hypercall::kMemfd, "memfd"}, {abi::Hypercall::kExec, "exec"},
        {abi::Hypercall::kPageProfile, "page profile"}, {abi::Hypercall::kAddPageProfiles, "page profile update"},
        {abi::Hypercall::kRandom, "random"},   {abi::Hypercall::kStrace, "strace"},
        {abi::Hypercall::kStat, "stats"},      {abi::Hypercall::kUnsupported, "notes"},
        {abi::Hypercall::kUnknownSyscall, "notes"}};
    std::vector<std::tuple<uint64_t, const char*, int64_t>> by_kind;
    for (const auto& [nr, name] : kNames) {
      uint64_t n = stats.hypercalls[static_cast<size_t>(nr)];
      if (n) by_kind.emplace_back(n, name, stats.hypercall_ns[static_cast<size_t>(nr)]);
    }
    std::sort(by_kind.begin(), by_kind.end(),
              [](const auto& a, const auto& b) { return std::get<0>(a) > std::get<0>(b); });
    std::string kinds;
    for (const auto& [n, name, ns] : by_kind)
      kinds += fmt::format("{}{} {} ({:.2f} ms)", kinds.empty() ? "" : ", ", n, name, ns / 1e6);
    if (!kinds.empty()) line += "burrow: stats: hypercalls: " + kinds + "\n";
    if (options.rewrite) {
      const rewrite::SiteCounts& c = rewriter.counts();
      line += fmt::format("burrow: stats: rewrite: {} mappings, {} syscall sites: {} patched ({} mov-imm, {} displaced), "
                          "{} left to trap",
                          rewriter.mappings(), c.total(), c.patched(), c.mov_imm, c.displaced, c.skipped_total());
      std::string reasons;
      for (size_t i = 1; i < rewrite::kSkipReasonCount; ++i)
        if (c.skipped[i])
          reasons += fmt::format("{}{} {}", reasons.empty() ? ": " : ", ", c.skipped[i],
                                 rewrite::to_string(static_cast<rewrite::SkipReason>(i)));
      line += reasons;
      if (c.cpuid_patched + c.cpuid_skipped)
        line += fmt::format("; {} cpuid sites: {} answered in the guest, {} left to trap", c.cpuid_patched + c.cpuid_skipped,
                            c.cpuid_patched, c.cpuid_skipped);
      line += "\n";
    }
    (void)!::write(STDERR_FILENO, line.data(), line.size());
  }
  if (options.exit_when_done) {
    // The VM, its memory and the host fds are left to the kernel's process exit,
    // which unmaps guest memory before it closes the VM: cheaper than tearing them
    // down in the other order here (PVM: 0.2-0.5 ms less per run).
    std::fflush(nullptr);
    ::_exit(*status);
  }
  return *status;
}

}  // namespace burrow::run
