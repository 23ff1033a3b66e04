// The interval timer (ITIMER_REAL, alarm) as the rest of the personality sees it.
#pragma once

#include <cstdint>

namespace burrow::kernel {

// The monotonic deadline of the armed timer, 0 when none.
int64_t timer_deadline();
// Raises SIGALRM if the deadline has passed (and re-arms an interval timer); true
// when it did.
bool timer_expire();

}  // namespace burrow::kernel
