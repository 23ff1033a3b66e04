// Hypercalls from the personality to the monitor, and the kernel's fatal paths.
#pragma once

#include <cstdint>

#include "burrow/abi/boot_info.h"
#include "burrow/abi/hypercall.h"

namespace burrow::kernel {

int64_t hypercall(abi::Hypercall nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                  uint64_t a4 = 0, uint64_t a5 = 0, uint64_t a6 = 0, uint64_t a7 = 0);

// The same for a call the poller may serve whatever its number (a read or write of a
// regular file, a file operation that does not wait: the monitor checks).
int64_t hypercall_polled(abi::Hypercall nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                         uint64_t a4 = 0);
// Takes the polled hypercalls' parameters from the boot information (none before).
void hypercall_init(const abi::BootInfo& boot);
// A broken kernel invariant: the monitor prints the message and stops the VM.
[[noreturn]] void panic(const char* message);
// Counts hypercalls: nothing reached the host between two equal readings.
uint64_t hypercall_epoch();

}  // namespace burrow::kernel

#define BURROW_STR2(x) #x
#define BURROW_STR(x) BURROW_STR2(x)
// VERIFY(cond): an invariant of the guest kernel; its failure stops the VM with a report.
#define VERIFY(cond)                                                                        \
  do {                                                                                      \
    if (!(cond)) ::burrow::kernel::panic(__FILE__ ":" BURROW_STR(__LINE__) ": VERIFY(" #cond ") failed"); \
  } while (0)
