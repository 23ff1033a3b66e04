// Signal dispositions, masks, and delivery to handlers. A signal the program sends
// itself (kill, tgkill, raise, SIGPIPE from a write) or a fault it takes (SIGSEGV,
// SIGBUS, SIGFPE, SIGILL, SIGTRAP) reaches its handler the way Linux delivers it:
// on the way back to the program, an rt_sigframe on its stack (or sigaltstack)
// holding the interrupted registers and FPU state, the handler entered with rdi =
// signal, rsi = siginfo, rdx = ucontext and sa_restorer as its return address, which
// calls rt_sigreturn. Signals from outside the VM are not delivered (the monitor has
// no way yet to interrupt the program).
#include "boot.h"
#include "burrow/abi/hypercall.h"
#include "hypercall.h"
#include "percpu.h"
#include "uaccess.h"
#include "syscalls/handlers.h"
#include "syscalls/signals.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

constexpr int kNsig = 64;
constexpr uint64_t kSigDfl = 0, kSigIgn = 1;
constexpr int kSigKill = 9, kSigStop = 19, kSigSegv = 11;

struct SigAction {  // ABI: struct kernel_sigaction on x86-64
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};

constinit SigAction g_actions[kNsig + 1] = {};
constinit uint64_t g_blocked = 0;
constinit uint64_t g_pending = 0;  // raised while blocked
// Raised, not blocked, with a handler: entered on the way back to the program.
constinit uint64_t g_deliver = 0;
// What the handler's siginfo says, per signal waiting in g_deliver.
struct Origin {
  int code;        // si_code
  uint64_t addr;   // si_addr (faults)
};
constinit Origin g_origin[kNsig + 1] = {};
constinit uint64_t g_altstack[3] = {0, 2 /* SS_DISABLE */, 0};

uint64_t bit(int sig) { return 1ull << (sig - 1); }

// Signals whose default action is to do nothing.
bool default_ignored(int sig) {
  return sig == 17 /* SIGCHLD */ || sig == 18 /* SIGCONT */ || sig == 23 /* SIGURG */ || sig == 28 /* SIGWINCH */;
}

}  // namespace

uint64_t signals_ignored() {
  uint64_t mask = 0;
  for (int sig = 1; sig <= kNsig; ++sig)
    if (g_actions[sig].handler == kSigIgn) mask |= bit(sig);
  return mask;
}

uint64_t signals_blocked() { return g_blocked; }

void signals_init(const abi::BootInfo& boot) {
  if (!(boot.flags & abi::kBootExec)) return;
  for (int sig = 1; sig <= kNsig; ++sig)
    if ((boot.sig_ignored & bit(sig)) && sig != kSigKill && sig != kSigStop) g_actions[sig].handler = kSigIgn;
  g_blocked = boot.sig_blocked & ~(bit(kSigKill) | bit(kSigStop));
}

int64_t raise_signal(int sig) { return raise_signal_from(sig, kSiUser, 0); }

namespace {

// `sig` goes to its handler on the way back to the program.
void queue_for_handler(int sig, int code, uint64_t addr) {
  g_deliver |= bit(sig);
  g_origin[sig] = {code, addr};
  this_cpu()->signal_pending = 1;
}

}  // namespace

int64_t raise_signal_from(int sig, int code, uint64_t addr) {
  if (sig == 0) return 0;
  if (sig < 0 || sig > kNsig) return -EINVAL;
  const SigAction& a = g_actions[sig];
  if (sig != kSigKill && sig != kSigStop) {
    if (a.handler == kSigIgn || (a.handler == kSigDfl && default_ignored(sig))) return 0;
    if (g_blocked & bit(sig)) {
      g_pending |= bit(sig);
      g_origin[sig] = {code, addr};
      return 0;
    }
    if (a.handler != kSigDfl) {
      queue_for_handler(sig, code, addr);
      return 0;
    }
  }
  kill_program(sig, addr, 0, 0);
}

bool fault_to_handler(int sig, int code, uint64_t addr) {
  const SigAction& a = g_actions[sig];
  // Linux's force_sig: a fault that is blocked or ignored kills (default action).
  if (a.handler == kSigDfl || a.handler == kSigIgn || (g_blocked & bit(sig))) return false;
  queue_for_handler(sig, code, addr);
  return true;
}

namespace {

// ABI (x86-64): struct sigcontext, struct ucontext (the kernel's), siginfo, and the
// rt_sigframe the handler finds at its rsp.
struct SigContext {
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
  uint16_t cs, gs, fs, ss;
  uint64_t err, trapno, oldmask, cr2;
  uint64_t fpstate;
  uint64_t reserved1[8];
};
static_assert(sizeof(SigContext) == 256);
struct UContext {
  uint64_t flags;
  uint64_t link;
  uint64_t ss_sp;
  int32_t ss_flags;
  int32_t pad;
  uint64_t ss_size;
  SigContext mcontext;
  uint64_t sigmask;
};
static_assert(sizeof(UContext) == 304);
struct SigInfo {
  int32_t signo, errno_, code, pad;
  union {
    struct {
      int32_t pid;
      uint32_t uid;
    } kill;
    uint64_t addr;
  };
  uint8_t rest[128 - 24];
};
static_assert(sizeof(SigInfo) == 128);
struct RtSigframe {
  uint64_t pretcode;
  UContext uc;
  SigInfo info;
};
static_assert(sizeof(RtSigframe) == 440);

constexpr uint64_t kSaSiginfo = 0x4, kSaOnstack = 0x08000000, kSaRestart = 0x10000000, kSaNodefer = 0x40000000,
                   kSaResethand = 0x80000000, kSaRestorer = 0x04000000;
constexpr uint64_t kUcFpXstate = 1, kUcSigcontextSs = 2, kUcStrictRestoreSs = 4;
constexpr int kSsOnstack = 1, kSsDisable = 2;
// FPU state in the frame: XSAVE (legacy area, header, extended state) with the
// software bytes glibc and the kernel check; FXSAVE where XSAVE is not enabled.
constexpr uint32_t kFpXstateMagic1 = 0x46505853, kFpXstateMagic2 = 0x46505845;
constexpr uint64_t kFlagsUser = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x40000 | 0x200000;
//                               CF    PF    AF    ZF    SF    TF     DF     OF     AC       ID

struct FpuLayout {
  bool xsave;
  uint32_t size;      // bytes XSAVE writes for XCR0 (or 512)
  uint64_t features;  // XCR0
};

FpuLayout fpu_layout() {
  static constinit FpuLayout layout = {false, 0, 0};
  if (layout.size) return layout;
  uint32_t a, b, c, d;
  asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
  bool osxsave = c & (1u << 27);
  if (osxsave) {
    // The components the CPUID the program sees offers, of those XCR0 enables: on
    // PVM XCR0 is the host's and may hold more (AMX tiles, 8 KiB) than CPUID sizes,
    // and XSAVE of everything would write past the frame.
    asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(0));
    uint32_t lo, hi;
    asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    // PKRU (bit 9) stays out: the handler runs with the program's keys anyway, and
    // restoring it with XRSTOR hangs the vCPU on PVM.
    layout = {true, b, ((uint64_t{hi} << 32) | lo) & ((uint64_t{d} << 32) | a) & ~(uint64_t{1} << 9)};
  } else {
    layout = {false, 512, 3};
  }
  return layout;
}

void save_fpu(uint8_t* area, const FpuLayout& l) {
  if (l.xsave) {
    memset(area + 512, 0, 64);  // XRSTOR insists on a clean header
    asm volatile("xsave64 (%0)" : : "r"(area), "a"(static_cast<uint32_t>(l.features)),
                 "d"(static_cast<uint32_t>(l.features >> 32))
                 : "memory");
    uint32_t sw[5] = {kFpXstateMagic1, l.size + 4, static_cast<uint32_t>(l.features),
                      static_cast<uint32_t>(l.features >> 32), l.size};
    memcpy(area + 464, sw, sizeof(sw));  // struct _fpx_sw_bytes
    memcpy(area + l.size, &kFpXstateMagic2, 4);
  } else {
    asm volatile("fxsave64 (%0)" : : "r"(area) : "memory");
  }
}

bool on_altstack(uint64_t sp) {
  return !(g_altstack[1] & kSsDisable) && sp > g_altstack[0] && sp <= g_altstack[0] + g_altstack[2];
}

// Builds the frame for `sig` on the program's stack and points `f` at its handler;
// false when the frame cannot be written (then Linux kills with SIGSEGV).
bool setup_frame(abi::TrapFrame* f, int sig) {
  const SigAction& a = g_actions[sig];
  FpuLayout l = fpu_layout();
  uint64_t sp = f->rsp;
  bool onstack = on_altstack(sp);
  if ((a.flags & kSaOnstack) && !(g_altstack[1] & kSsDisable) && !onstack) {
    sp = g_altstack[0] + g_altstack[2];
  } else {
    sp -= 128;  // the red zone
  }
  sp = (sp - (l.size + 4)) & ~uint64_t{63};
  uint64_t fp = sp;
  sp = ((sp - sizeof(RtSigframe)) & ~uint64_t{15}) - 8;  // as if called: rsp + 8 aligned
  if (!UserPtr<uint8_t>(sp).prepare(fp + l.size + 4 - sp, true)) return false;
  // SAFETY: prepare() mapped [sp, fp + size + 4) for writing.
  save_fpu(reinterpret_cast<uint8_t*>(fp), l);
  RtSigframe frame{};
  frame.pretcode = a.restorer;
  frame.uc.flags = (l.xsave ? kUcFpXstate : 0) | kUcSigcontextSs | kUcStrictRestoreSs;
  frame.uc.ss_sp = g_altstack[0];
  frame.uc.ss_flags = (g_altstack[1] & kSsDisable) ? kSsDisable : onstack ? kSsOnstack : 0;
  frame.uc.ss_size = g_altstack[2];
  SigContext& m = frame.uc.mcontext;
  m = {f->r8, f->r9, f->r10, f->r11, f->r12, f->r13, f->r14, f->r15, f->rdi, f->rsi, f->rbp, f->rbx, f->rdx, f->rax,
       f->rcx, f->rsp, f->rip, f->rflags, static_cast<uint16_t>(f->cs), 0, 0, static_cast<uint16_t>(f->ss),
       f->vector < 32 ? f->error : 0, f->vector < 32 ? f->vector : 0, g_blocked, f->vector < 32 ? f->cr2 : 0, fp, {}};
  frame.uc.sigmask = g_blocked;
  frame.info.signo = sig;
  frame.info.code = g_origin[sig].code;
  if (g_origin[sig].code <= 0) {  // sent: SI_USER, SI_TKILL
    frame.info.kill.pid = static_cast<int32_t>(boot_info().pid);
    frame.info.kill.uid = boot_info().uid;
  } else {
    frame.info.addr = g_origin[sig].addr;
  }
  memcpy(reinterpret_cast<void*>(sp), &frame, sizeof(frame));
  if (boot_info().flags & abi::kBootStrace)
    hypercall(abi::Hypercall::kStrace, abi::kStraceSignal | static_cast<uint64_t>(sig),
              static_cast<uint64_t>(static_cast<int64_t>(frame.info.code)),
              frame.info.code <= 0 ? static_cast<uint64_t>(frame.info.kill.pid) : 0,
              frame.info.code <= 0 ? frame.info.kill.uid : 0, frame.info.code > 0 ? frame.info.addr : 0);
  f->rsp = sp;
  f->rip = a.handler;
  f->rcx = a.handler;  // as if entered by SYSRET, the path back from a system call
  f->rdi = static_cast<uint64_t>(sig);
  f->rsi = sp + offsetof(RtSigframe, info);
  f->rdx = sp + offsetof(RtSigframe, uc);
  f->rax = 0;
  f->rflags &= ~uint64_t{0x400 | 0x100 | 0x10000};  // DF, TF, RF
  g_blocked |= a.mask | ((a.flags & kSaNodefer) ? 0 : bit(sig));
  g_blocked &= ~(bit(kSigKill) | bit(kSigStop));
  if (a.flags & kSaResethand) g_actions[sig] = SigAction{};
  return true;
}

}  // namespace

namespace {

// Takes the signals sent from outside (PerCpu::host_signals) into this process.
void take_host_signals() {
  abi::PerCpu* cpu = this_cpu();
  if (uint64_t host = cpu->host_signals) {
    cpu->host_signals = 0;
    for (int sig = 1; sig <= kNsig; ++sig)
      if (host & bit(sig)) raise_signal_from(sig, kSiUser, 0);
  }
}

}  // namespace

bool signal_restarts_call() {
  take_host_signals();
  uint64_t ready = g_deliver & ~g_blocked;
  if (!ready) return false;
  int sig = __builtin_ctzll(ready) + 1;
  return g_actions[sig].flags & kSaRestart;
}

void deliver_signals(abi::TrapFrame* f) {
  // Signals sent to burrow from outside take Linux's course here: handler, ignored,
  // blocked, or the default action (death).
  take_host_signals();
  this_cpu()->signal_pending = 0;
  // Linux's order: one signal at a time, lowest first, each frame on top of the
  // previous one (so the last set up runs first); each handler's mask applies to
  // the next.
  while (uint64_t ready = g_deliver & ~g_blocked) {
    int sig = __builtin_ctzll(ready) + 1;
    g_deliver &= ~bit(sig);
    const SigAction& a = g_actions[sig];
    if (a.handler == kSigDfl || a.handler == kSigIgn) continue;  // changed meanwhile
    if (!(a.flags & kSaRestorer)) kill_program(kSigSegv, 0, f->rip, 0);  // no way back: Linux faults
    if (!setup_frame(f, sig)) kill_program(kSigSegv, 0, f->rip, 0x80 /* SI_KERNEL */);
  }
  // Still blocked ones wait for the mask to let them through.
  g_pending |= g_deliver;
  g_deliver = 0;
}

void sigreturn(abi::TrapFrame* f) {
  uint64_t at = f->rsp;  // the restorer's `ret` popped pretcode: the ucontext is here
  UContext uc;
  if (!UserPtr<UContext>(at).read(&uc)) kill_program(kSigSegv, 0, f->rip, 0x80);
  const SigContext& m = uc.mcontext;
  f->r8 = m.r8, f->r9 = m.r9, f->r10 = m.r10, f->r11 = m.r11, f->r12 = m.r12, f->r13 = m.r13, f->r14 = m.r14;
  f->r15 = m.r15, f->rdi = m.rdi, f->rsi = m.rsi, f->rbp = m.rbp, f->rbx = m.rbx, f->rdx = m.rdx, f->rax = m.rax;
  f->rcx = m.rcx, f->rsp = m.rsp, f->rip = m.rip;
  f->rflags = (f->rflags & ~kFlagsUser) | (m.eflags & kFlagsUser);
  if (m.fpstate) {
    FpuLayout l = fpu_layout();
    if (!UserPtr<uint8_t>(m.fpstate).prepare(l.size, false) || (m.fpstate & 63))
      kill_program(kSigSegv, 0, f->rip, 0x80);
    // A corrupt XSAVE header would fault XRSTOR inside the personality: check it.
    const auto* area = reinterpret_cast<const uint8_t*>(m.fpstate);
    uint64_t header[8];
    memcpy(header, area + 512, sizeof(header));
    bool bad = l.xsave && ((header[0] & ~l.features) || header[1] || header[2] || header[3] || header[4] ||
                           header[5] || header[6] || header[7]);
    uint32_t mxcsr;
    memcpy(&mxcsr, area + 24, 4);
    if (bad || (mxcsr & 0xFFFF0000u)) kill_program(kSigSegv, 0, f->rip, 0x80);
    if (l.xsave)
      asm volatile("xrstor64 (%0)" : : "r"(area), "a"(static_cast<uint32_t>(l.features)),
                   "d"(static_cast<uint32_t>(l.features >> 32))
                   : "memory");
    else
      asm volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
  }
  g_blocked = uc.sigmask & ~(bit(kSigKill) | bit(kSigStop));
  // Signals the restored mask lets through go now.
  if (uint64_t ready = g_pending & ~g_blocked) {
    g_pending &= ~ready;
    g_deliver |= ready;
    deliver_signals(f);
  }
}

int64_t sys_rt_sigaction(int sig, uint64_t act, uint64_t oldact, uint64_t sigsetsize) {
  if (sigsetsize != 8) return -EINVAL;
  if (sig < 1 || sig > kNsig) return -EINVAL;
  if (act && (sig == kSigKill || sig == kSigStop)) return -EINVAL;
  SigAction next;
  if (act && !UserPtr<SigAction>(act).read(&next)) return -EFAULT;
  if (oldact && !UserPtr<SigAction>(oldact).write(g_actions[sig])) return -EFAULT;
  if (act) g_actions[sig] = next;
  return 0;
}

int64_t sys_rt_sigprocmask(int how, uint64_t set, uint64_t oldset, uint64_t sigsetsize) {
  if (sigsetsize != 8) return -EINVAL;
  uint64_t next = 0;
  if (set && !UserPtr<uint64_t>(set).read(&next)) return -EFAULT;
  uint64_t old = g_blocked;
  if (set) {
    switch (how) {
      case 0: g_blocked |= next; break;   // SIG_BLOCK
      case 1: g_blocked &= ~next; break;  // SIG_UNBLOCK
      case 2: g_blocked = next; break;    // SIG_SETMASK
      default: return -EINVAL;
    }
    g_blocked &= ~(bit(kSigKill) | bit(kSigStop));
  }
  if (oldset && !UserPtr<uint64_t>(oldset).write(old)) return -EFAULT;
  // A pending signal that is now unblocked takes effect.
  uint64_t ready = g_pending & ~g_blocked;
  for (int sig = 1; ready && sig <= kNsig; ++sig) {
    if (ready & bit(sig)) {
      g_pending &= ~bit(sig);
      ready &= ~bit(sig);
      raise_signal_from(sig, g_origin[sig].code, g_origin[sig].addr);
    }
  }
  return 0;
}

int64_t sys_rt_sigpending(uint64_t set, uint64_t sigsetsize) {
  if (sigsetsize > 8) return -EINVAL;
  uint64_t pending = g_pending & g_blocked;
  return UserPtr<uint8_t>(set).write(reinterpret_cast<const uint8_t*>(&pending), sigsetsize) ? 0 : -EFAULT;
}

int64_t sys_sigaltstack(uint64_t ss, uint64_t old_ss) {
  uint64_t next[3];
  if (ss && !UserPtr<uint64_t>(ss).read(next, 3)) return -EFAULT;
  if (old_ss && !UserPtr<uint64_t>(old_ss).write(g_altstack, 3)) return -EFAULT;
  if (ss) {
    g_altstack[0] = next[0];
    g_altstack[1] = next[1];
    g_altstack[2] = next[2];
  }
  return 0;
}

int64_t sys_kill(int pid, int sig) {
  if (pid != static_cast<int>(boot_info().pid) && pid != 0 && pid != -1) return -ESRCH;
  return raise_signal(sig);
}

int64_t sys_tkill(int tid, int sig) {
  if (tid != static_cast<int>(boot_info().pid)) return -ESRCH;
  return raise_signal_from(sig, kSiTkill, 0);
}

int64_t sys_tgkill(int tgid, int tid, int sig) {
  if (tgid != static_cast<int>(boot_info().pid) || tid != static_cast<int>(boot_info().pid)) return -ESRCH;
  return raise_signal_from(sig, kSiTkill, 0);
}

}  // namespace burrow::kernel
