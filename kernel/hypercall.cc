// The hypercall kick: fill this vCPU's request, write its number to the MMIO page.
#include "hypercall.h"

#include "burrow/abi/layout.h"
#include "lib/string.h"
#include "percpu.h"

namespace burrow::kernel {

constinit uint64_t g_hypercall_epoch = 0;

uint64_t hypercall_epoch() { return g_hypercall_epoch; }

int64_t hypercall(abi::Hypercall nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                  uint64_t a5, uint64_t a6, uint64_t a7) {
  ++g_hypercall_epoch;
  auto* req = reinterpret_cast<volatile abi::HypercallRequest*>(this_cpu()->hypercall);
  req->nr = static_cast<uint64_t>(nr);
  uint64_t args[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
  for (int i = 0; i < 8; ++i) req->args[i] = args[i];
  req->result = 0;
  // The store is the VM exit; the monitor has written `result` when it completes.
  asm volatile("movq %0, (%1)" : : "r"(static_cast<uint64_t>(nr)), "r"(abi::kMmioVirt) : "memory");
  return req->result;
}

void panic(const char* message) {
  hypercall(abi::Hypercall::kPanic, reinterpret_cast<uint64_t>(message), strlen(message));
  for (;;) asm volatile("ud2");
}

}  // namespace burrow::kernel
