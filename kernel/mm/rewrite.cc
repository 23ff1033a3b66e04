// The trampoline arena is handed out upwards and never reused: trampolines of an
// unmapped library stay behind, unreachable (a dlopen/dlclose loop ends up on the
// trapped path once the arena is full).
#include "mm/rewrite.h"

#include "boot.h"
#include "burrow/abi/hypercall.h"
#include "burrow/abi/layout.h"
#include "hypercall.h"
#include "mm/fault.h"

namespace burrow::kernel::mm {
namespace {

constinit uint64_t g_next = 0;
constexpr uint64_t kArenaEnd = abi::kTrampolineArena + abi::kTrampolineArenaSize;

uint64_t page_down(uint64_t v) { return v & ~(abi::kPageSize - 1); }
uint64_t page_up(uint64_t v) { return (v + abi::kPageSize - 1) & ~(abi::kPageSize - 1); }

}  // namespace

void rewrite_init(uint64_t trampoline_next) {
  if (trampoline_next >= abi::kTrampolineArena && trampoline_next <= kArenaEnd) g_next = trampoline_next;
}

void rewrite_mapping(uint64_t start, uint64_t size, uint64_t handle, uint64_t offset) {
  if (!(boot_info().flags & abi::kBootRewrite) || g_next == 0) return;
  int64_t need = hypercall(abi::Hypercall::kRewrite, handle, offset, size, start, g_next, 0);
  if (need <= 0 || static_cast<uint64_t>(need) > kArenaEnd - g_next) return;
  uint64_t end = g_next + static_cast<uint64_t>(need);
  // The mapping's own pages get their patches as they are filled.
  if (!populate(page_down(g_next), page_up(end))) return;
  int64_t used = hypercall(abi::Hypercall::kRewrite, handle, offset, size, start, g_next,
                           static_cast<uint64_t>(need));
  if (used > 0) g_next = (g_next + static_cast<uint64_t>(used) + 63) & ~uint64_t{63};
}

}  // namespace burrow::kernel::mm
