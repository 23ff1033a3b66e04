// Signal dispositions and masks. Delivery to handlers comes with the signals work;
// until then a signal the program sends itself takes Linux's default action.
#include "boot.h"
#include "syscalls/handlers.h"
#include "syscalls/signals.h"
#include "syscalls/syscall.h"

namespace burrow::kernel {
namespace {

constexpr int kNsig = 64;
constexpr uint64_t kSigDfl = 0, kSigIgn = 1;
constexpr int kSigKill = 9, kSigStop = 19;

struct SigAction {  // ABI: struct kernel_sigaction on x86-64
  uint64_t handler;
  uint64_t flags;
  uint64_t restorer;
  uint64_t mask;
};

constinit SigAction g_actions[kNsig + 1] = {};
constinit uint64_t g_blocked = 0;
constinit uint64_t g_pending = 0;
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

int64_t raise_signal(int sig) {
  if (sig == 0) return 0;
  if (sig < 0 || sig > kNsig) return -EINVAL;
  const SigAction& a = g_actions[sig];
  if (sig != kSigKill && sig != kSigStop) {
    if (a.handler == kSigIgn || (a.handler == kSigDfl && default_ignored(sig))) return 0;
    if (g_blocked & bit(sig)) {
      g_pending |= bit(sig);
      return 0;
    }
    if (a.handler != kSigDfl) return unsupported("delivering a signal to a handler");
  }
  kill_program(sig, 0, 0, 0);
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
      raise_signal(sig);
    }
  }
  return 0;
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
  return raise_signal(sig);
}

int64_t sys_tgkill(int tgid, int tid, int sig) {
  if (tgid != static_cast<int>(boot_info().pid) || tid != static_cast<int>(boot_info().pid)) return -ESRCH;
  return raise_signal(sig);
}

}  // namespace burrow::kernel
