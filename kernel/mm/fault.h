// Demand paging, and the checks every program pointer goes through.
#pragma once

#include <cstdint>

namespace burrow::kernel::mm {

enum class FaultResult { kHandled, kMapError, kAccessError };

// A #PF from the program: map the page if an area allows the access.
FaultResult handle_page_fault(uint64_t addr, uint64_t error_code);

// Ensures [addr, addr+len) lies in areas that allow the access and is mapped, so the
// personality and the monitor can touch it; false means -EFAULT.
bool user_prepare(uint64_t addr, uint64_t len, bool write);
// Length of the NUL-terminated string at addr (at most max); -1 for EFAULT, max when
// no NUL was found within max bytes.
int64_t user_strnlen(uint64_t addr, uint64_t max);

}  // namespace burrow::kernel::mm
