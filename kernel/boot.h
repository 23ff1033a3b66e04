// What the monitor told us at boot, and the program's fatal exits.
#pragma once

#include <cstdint>

#include "burrow/abi/boot_info.h"

namespace burrow::kernel {

const abi::BootInfo& boot_info();

[[noreturn]] void exit_program(int status);
// The program dies of `sig` (Linux's default action): `burrow run` exits 128+sig.
[[noreturn]] void kill_program(int sig, uint64_t fault_addr, uint64_t rip, int si_code);

// --stats: hands the system call counts to the monitor (which sums them over
// execve) and starts counting again.
void report_stats();

int64_t dispatch_syscall(uint64_t nr, const uint64_t* args);
// How rewritten sites' calls are served: the full (traced) path under --strace,
// counted under --stats. take_light_calls: the count so far, restarted.
void light_path_init(const abi::BootInfo& boot);
uint64_t take_light_calls();
void trace_syscall(uint64_t nr, const uint64_t* args, int64_t result);

}  // namespace burrow::kernel
