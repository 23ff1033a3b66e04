// Signals the personality sends the program itself (SIGPIPE, kill of oneself).
#pragma once

#include <cstdint>

#include "burrow/abi/boot_info.h"
#include "burrow/abi/hypercall.h"

namespace burrow::kernel {

// Linux's action for `sig` sent to this process: nothing if ignored, pending if
// blocked, death if default-fatal; 0 or -errno.
int64_t raise_signal(int sig);
// The same with siginfo's si_code and si_addr.
inline constexpr int kSiUser = 0, kSiTkill = -6;
int64_t raise_signal_from(int sig, int code, uint64_t addr);
// A fault's signal goes to the program's handler (true) on the way back, or, with
// none or while blocked or ignored, the caller kills the program.
bool fault_to_handler(int sig, int code, uint64_t addr);
// On the way back to the program: enters the handlers of the signals raised and not
// blocked (PerCpu::signal_pending), rewriting `f`.
void deliver_signals(abi::TrapFrame* f);
// Whether the system call a signal just interrupted (EINTR) is to be restarted once
// its handler returns: the first signal to deliver has SA_RESTART.
bool signal_restarts_call();
// rt_sigreturn: `f` becomes what the handler's frame saved.
void sigreturn(abi::TrapFrame* f);

// execve: ignored signals stay ignored and the mask stays; handlers are reset.
uint64_t signals_ignored();
uint64_t signals_blocked();
void signals_init(const abi::BootInfo& boot);

}  // namespace burrow::kernel
