// The personality's start and its two entry points from the shim: system calls
// and exceptions.
#include <asm/unistd_64.h>

#include "boot.h"
#include "burrow/abi/hypercall.h"
#include "burrow/abi/percpu.h"
#include "hypercall.h"
#include "mm/fault.h"
#include "mm/frames.h"
#include "mm/paging.h"
#include "mm/rewrite.h"
#include "mm/vma.h"
#include "percpu.h"
#include "syscalls/brk.h"
#include "syscalls/errno.h"
#include "syscalls/handlers.h"
#include "syscalls/signals.h"
#include "syscalls/timer.h"
#include "clock.h"
#include "fs/fdtable.h"
#include "fs/path.h"

namespace burrow::kernel {
namespace {

constinit const abi::BootInfo* g_boot = nullptr;
// System calls by path, for --stats.
constinit uint64_t g_trapped_calls = 0;
constinit uint64_t g_fast_calls = 0;
constinit uint64_t g_page_faults = 0;

// Linux signal numbers and si_codes used for exceptions.
constexpr int kSigIll = 4, kSigTrap = 5, kSigBus = 7, kSigFpe = 8, kSigSegv = 11;
constexpr int kSegvMapErr = 1, kSegvAccErr = 2;

void prepare_return(abi::TrapFrame* f) {
  abi::PerCpu* cpu = this_cpu();
  cpu->return_rip = f->rip;
  cpu->return_rsp = f->rsp;
  cpu->in_kernel = 0;
}

[[noreturn]] void kernel_fault(abi::TrapFrame* f) {
  hypercall(abi::Hypercall::kKernelFault, reinterpret_cast<uint64_t>(f));
  for (;;) asm volatile("ud2");
}

extern "C" char return_stubs[];
extern "C" char host_signal_entry[];
extern "C" char personality_exception_entry[];
extern "C" [[noreturn]] void enter_user(abi::TrapFrame* f);

}  // namespace

void report_stats() {
  if (!(g_boot->flags & abi::kBootStats)) return;
  g_fast_calls += take_light_calls();
  hypercall(abi::Hypercall::kStat, static_cast<uint64_t>(abi::StatId::kTrappedSyscalls), g_trapped_calls);
  hypercall(abi::Hypercall::kStat, static_cast<uint64_t>(abi::StatId::kFastSyscalls), g_fast_calls);
  hypercall(abi::Hypercall::kStat, static_cast<uint64_t>(abi::StatId::kPageFaults), g_page_faults);
  hypercall(abi::Hypercall::kStat, static_cast<uint64_t>(abi::StatId::kProfiledPages), mm::take_profiled_pages());
  g_trapped_calls = g_fast_calls = g_page_faults = 0;
}

const abi::BootInfo& boot_info() { return *g_boot; }

void exit_program(int status) {
  // The files of shared mappings get their pages, as the page cache would.
  mm::write_back(0, abi::kUserEnd);
  mm::record_page_profiles();
  report_stats();
  hypercall(abi::Hypercall::kExit, static_cast<uint64_t>(status & 0xff));
  for (;;) asm volatile("ud2");
}

void kill_program(int sig, uint64_t fault_addr, uint64_t rip, int si_code) {
  mm::write_back(0, abi::kUserEnd);
  mm::record_page_profiles();
  report_stats();
  hypercall(abi::Hypercall::kFatalSignal, static_cast<uint64_t>(sig), fault_addr, rip,
            static_cast<uint64_t>(si_code));
  for (;;) asm volatile("ud2");
}

extern "C" [[noreturn]] void kernel_main(const abi::BootInfo* boot, uint64_t cpu_index) {
  g_boot = boot;
  abi::PerCpu* cpu = this_cpu();
  cpu->self = reinterpret_cast<uint64_t>(cpu);
  cpu->cpu = cpu_index;
  cpu->return_stub = reinterpret_cast<uint64_t>(return_stubs) + 16 * cpu_index;
  cpu->in_kernel = 1;
  light_path_init(*boot);
  cpu->host_signal_entry = reinterpret_cast<uint64_t>(&host_signal_entry);
  // The shim enters the personality through this frame (shim.S exception_common).
  *reinterpret_cast<abi::ExceptionIretFrame*>(reinterpret_cast<uint8_t*>(cpu) + abi::kExceptionIretFrameOffset) = {
      reinterpret_cast<uint64_t>(&personality_exception_entry), abi::kUserCs, 0x202,
      reinterpret_cast<uint64_t>(cpu) + abi::kKernelStackTop, abi::kUserSs};
  VERIFY(boot->magic == abi::kBootInfoMagic && boot->version == abi::kAbiVersion);
  hypercall_init(*boot);

  mm::frames_init(boot->first_free_phys, boot->memory_size);
  mm::paging_init(boot->cr3);
  // The files the program's and interpreter's untouched pages come from: one
  // description each, which the areas share (as mmap's areas share a file).
  uint64_t image_handles[2] = {abi::kNoHandle, abi::kNoHandle};
  fs::File* image_files[2] = {nullptr, nullptr};
  auto image_file = [&](uint64_t handle) -> uint64_t {
    for (int i = 0; i < 2; ++i) {
      if (image_handles[i] == handle) return reinterpret_cast<uint64_t>(image_files[i]);
      if (image_handles[i] == abi::kNoHandle) {
        image_handles[i] = handle;
        const char* path = handle == boot->exe_handle      ? boot->exe_path
                           : handle == boot->interp_handle ? boot->interp_path
                                                           : nullptr;
        image_files[i] = fs::file_new(fs::FileKind::kHost, 0 /* O_RDONLY */, path);
        VERIFY(image_files[i]);
        image_files[i]->handle = handle;
        image_files[i]->is_regular = true;  // the monitor loaded an ELF file from it
        // Its page profile came with the boot information.
        bool exe = handle == boot->exe_handle;
        fs::file_set_profile(image_files[i], exe ? boot->exe_profile : boot->interp_profile,
                             exe ? boot->exe_profile_bytes : boot->interp_profile_bytes);
        return reinterpret_cast<uint64_t>(image_files[i]);
      }
    }
    panic("more than two image files");
  };
  for (uint32_t i = 0; i < boot->region_count; ++i) {
    const abi::BootRegion& r = boot->regions[i];
    auto kind = r.kind == static_cast<uint32_t>(abi::RegionKind::kStack)  ? mm::VmaKind::kStack
                : r.kind == static_cast<uint32_t>(abi::RegionKind::kVvar) ? mm::VmaKind::kVvar
                : r.kind == static_cast<uint32_t>(abi::RegionKind::kVdso) ? mm::VmaKind::kVdso
                : r.kind == static_cast<uint32_t>(abi::RegionKind::kTrampolines) ? mm::VmaKind::kAnon
                                                                          : mm::VmaKind::kImage;
    uint64_t file = r.handle == abi::kNoHandle ? 0 : image_file(r.handle);
    VERIFY(mm::vma_insert(r.start, r.end, r.prot, kind, file, r.file_offset));
  }
  // The images are mapped whole: their profiled pages now, not at their first faults.
  for (fs::File* f : image_files)
    if (f) mm::prefetch_file(reinterpret_cast<uint64_t>(f));
  brk_init(boot->brk_start);
  fs::fdtable_init(*boot);
  signals_init(*boot);
  process_init(*boot);
  fs::path_init(boot->cwd);
  time_init(*boot);
  mm::rewrite_init(boot->trampoline_next);

  // The program starts with every register zero but rsp (rdx = 0: no atexit hook).
  auto* f = reinterpret_cast<abi::TrapFrame*>(reinterpret_cast<uint64_t>(cpu) + abi::kKernelStackTop - abi::kTrapFrameFromTop);
  *f = abi::TrapFrame{};
  f->rip = boot->entry;
  f->rsp = boot->initial_rsp;
  f->rflags = 0x202;
  f->cs = abi::kUserCs;
  f->ss = abi::kUserSs;
  prepare_return(f);
  enter_user(f);
}

// Linux restarts these (ERESTARTSYS) when a handler with SA_RESTART interrupted them;
// the sleeps and polls say EINTR whatever the flag.
bool restartable(uint64_t nr) {
  switch (nr) {
    case __NR_read: case __NR_readv: case __NR_write: case __NR_writev: case __NR_pread64:
    case __NR_pwrite64: case __NR_preadv: case __NR_pwritev: case __NR_recvfrom: case __NR_sendto:
    case __NR_ioctl: case __NR_fcntl: case __NR_flock: case __NR_open: case __NR_openat:
      return true;
    default:
      return false;
  }
}

// A call a signal interrupted, to be restarted: the handler's frame saves a state that
// re-issues it through the fast entry (eax = number, rcx = where to resume, the
// argument registers as the call left them), so the call runs again once the handler
// returns.
void restart_if_asked(abi::TrapFrame* f, uint64_t nr, int64_t result) {
  if (result != -EINTR || !restartable(nr) || !signal_restarts_call()) return;
  f->rax = nr;
  f->rcx = f->rip;
  f->rip = abi::kFastSyscallEntry;
}

// Returns nonzero when `f` changed beyond rax (a handler entered, rt_sigreturn):
// then every register is restored from it (entry.S).
extern "C" int handle_syscall(abi::TrapFrame* f) {
  abi::PerCpu* cpu = this_cpu();
  if (cpu->in_kernel) kernel_fault(f);
  cpu->in_kernel = 1;
  ++(f->vector == abi::kFastSyscallVector ? g_fast_calls : g_trapped_calls);
  uint64_t nr = f->rax;
  if (nr == __NR_rt_sigreturn) {
    if (g_boot->flags & abi::kBootStrace) {
      uint64_t none[6] = {};
      trace_syscall(nr, none, 0);
    }
    sigreturn(f);
    prepare_return(f);
    return 1;
  }
  uint64_t args[6] = {f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9};
  if ((nr == __NR_exit_group || nr == __NR_exit) && (g_boot->flags & abi::kBootStrace)) trace_syscall(nr, args, 0);
  int64_t result = dispatch_syscall(nr, args);
  if (g_boot->flags & abi::kBootStrace) trace_syscall(nr, args, result);
  // ABI: like Linux, SYSCALL leaves rcx = rip and r11 = rflags.
  f->rax = static_cast<uint64_t>(result);
  f->rcx = f->rip;
  f->r11 = f->rflags;
  timer_expire();
  bool signal = cpu->signal_pending;
  if (signal) {
    restart_if_asked(f, nr, result);
    deliver_signals(f);
  }
  prepare_return(f);
  return signal;
}

// The monitor stopped the program for a signal from outside (entry.S
// host_signal_entry): `f` is where it was.
extern "C" void handle_host_signal(abi::TrapFrame* f) {
  abi::PerCpu* cpu = this_cpu();
  if (cpu->in_kernel) kernel_fault(f);
  cpu->in_kernel = 1;
  deliver_signals(f);
  prepare_return(f);
}

// A call on the light path (entry.S) raised a signal for a handler: `f` is the
// program's state after the call, rax its result.
extern "C" void deliver_after_light_call(abi::TrapFrame* f) {
  f->rcx = f->rip;
  f->r11 = f->rflags;
  restart_if_asked(f, this_cpu()->last_nr, static_cast<int64_t>(f->rax));
  deliver_signals(f);
  prepare_return(f);
}

// A fault the program takes: its handler, if it has one that may run now; else the
// default action, death.
// `code` is siginfo's si_code for the handler; the report of a death keeps `kill_code`.
void fault(abi::TrapFrame* f, int sig, uint64_t addr, int code, int kill_code) {
  if (!fault_to_handler(sig, code, addr)) kill_program(sig, addr, f->rip, kill_code);
}

extern "C" void handle_exception(abi::TrapFrame* f) {
  abi::PerCpu* cpu = this_cpu();
  if (cpu->in_kernel || (f->cs & 3) != 3) kernel_fault(f);
  cpu->in_kernel = 1;
  switch (f->vector) {
    case 14:  // #PF
      ++g_page_faults;
      switch (mm::handle_page_fault(f->cr2, f->error)) {
        case mm::FaultResult::kHandled:
          break;
        case mm::FaultResult::kMapError:
          fault(f, kSigSegv, f->cr2, kSegvMapErr, kSegvMapErr);
          break;
        case mm::FaultResult::kAccessError:
          fault(f, kSigSegv, f->cr2, kSegvAccErr, kSegvAccErr);
          break;
      }
      break;
    case 0:   // #DE
      fault(f, kSigFpe, f->rip, 1 /* FPE_INTDIV */, 0);
      break;
    case 16:  // #MF
    case 19:  // #XM
      fault(f, kSigFpe, f->rip, 0, 0);
      break;
    case 1:  // #DB
    case 3:  // #BP
      fault(f, kSigTrap, f->rip, 0x80 /* SI_KERNEL */, 0);
      break;
    case 6:  // #UD
      fault(f, kSigIll, f->rip, 2 /* ILL_ILLOPN */, 0);
      break;
    case 12:  // #SS
    case 17:  // #AC
      fault(f, kSigBus, f->rip, 0, 0);
      break;
    default:  // #GP and the rest: what Linux reports as SIGSEGV with si_addr 0
      fault(f, kSigSegv, 0, 0x80 /* SI_KERNEL */, 0x80);
      break;
  }
  timer_expire();
  if (cpu->signal_pending) deliver_signals(f);
  prepare_return(f);
}

}  // namespace burrow::kernel
