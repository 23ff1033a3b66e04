// The hypercall kick: fill this vCPU's request, write its number to the MMIO page.
#include "hypercall.h"

#include "burrow/abi/boot_info.h"
#include "burrow/abi/layout.h"
#include "clock.h"
#include "lib/string.h"
#include "percpu.h"

namespace burrow::kernel {

constinit uint64_t g_hypercall_epoch = 0;

namespace {

// BootInfo's poll_hypercalls and poll_spin_ns (in TSC ticks); none until hypercall_init.
constinit uint64_t g_pollable[2] = {0, 0};
constinit uint64_t g_poll_spin_tsc = 0;
// After the poller left a request untaken for the whole spin (its host CPU is busy
// with something else), the next few kick at once.
constinit uint32_t g_poll_backoff = 0;
constexpr uint32_t kPollBackoff = 16;

inline uint64_t load(const uint64_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

// The VM exit: the store of request number `seq` to the MMIO page; the monitor has
// written the request's `result` when it returns.
inline void kick(uint64_t seq) { asm volatile("movq %0, (%1)" : : "r"(seq), "r"(abi::kMmioVirt) : "memory"); }

bool pollable(abi::Hypercall nr) {
  auto n = static_cast<uint64_t>(nr);
  return n < 128 && (g_pollable[n / 64] >> (n % 64)) & 1;
}

// Waits for the poller to serve request `seq`: true when it did.
bool wait_for_poller(abi::PerCpu* cpu, uint64_t seq) {
  if (g_poll_backoff) {
    --g_poll_backoff;
    return false;
  }
  // The doorbell is out before poll_awake is read (hypercall.h: one of the two
  // sides sees the other).
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  if (!load(&cpu->poll_awake)) return false;
  // Once the poller has taken the request, it is its to finish (a kick would only
  // wait for it in the monitor).
  const uint64_t start = rdtsc();
  for (;;) {
    if (load(&cpu->poll_done) == seq) return true;
    if (load(&cpu->poll_taken) != seq && rdtsc() - start >= g_poll_spin_tsc) break;
    __builtin_ia32_pause();
  }
  g_poll_backoff = kPollBackoff;
  return load(&cpu->poll_done) == seq;
}

}  // namespace

uint64_t hypercall_epoch() { return g_hypercall_epoch; }

void hypercall_init(const abi::BootInfo& boot) {
  g_pollable[0] = boot.poll_hypercalls[0];
  g_pollable[1] = boot.poll_hypercalls[1];
  g_poll_spin_tsc = boot.poll_spin_ns * (boot.tsc_hz / 1000) / 1'000'000;
}

namespace {

int64_t make(bool may_poll, abi::Hypercall nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
             uint64_t a5, uint64_t a6, uint64_t a7) {
  ++g_hypercall_epoch;
  abi::PerCpu* cpu = this_cpu();
  auto* req = reinterpret_cast<volatile abi::HypercallRequest*>(cpu->hypercall);
  req->nr = static_cast<uint64_t>(nr);
  uint64_t args[8] = {a0, a1, a2, a3, a4, a5, a6, a7};
  for (int i = 0; i < 8; ++i) req->args[i] = args[i];
  req->result = 0;
  // Numbered after the doorbell's last number, whoever rang it.
  const uint64_t seq = __atomic_load_n(&cpu->poll_doorbell, __ATOMIC_RELAXED) + 1;
  __atomic_store_n(&cpu->poll_doorbell, seq, __ATOMIC_RELEASE);
  if ((may_poll || pollable(nr)) && (g_pollable[0] | g_pollable[1]) && wait_for_poller(cpu, seq)) {
    if (req->result != abi::kPollRetry) return req->result;
    // Served as "kick for it": the same request again, kicked under the next number
    // but without ringing it first (the poller would answer the same), which the
    // doorbell takes once the monitor has served it.
    req->result = 0;
    kick(seq + 1);
    __atomic_store_n(&cpu->poll_doorbell, seq + 1, __ATOMIC_RELEASE);
    return req->result;
  }
  kick(seq);
  return req->result;
}

}  // namespace

int64_t hypercall(abi::Hypercall nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                  uint64_t a5, uint64_t a6, uint64_t a7) {
  return make(false, nr, a0, a1, a2, a3, a4, a5, a6, a7);
}

int64_t hypercall_polled(abi::Hypercall nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4) {
  return make(true, nr, a0, a1, a2, a3, a4, 0, 0, 0);
}

void panic(const char* message) {
  hypercall(abi::Hypercall::kPanic, reinterpret_cast<uint64_t>(message), strlen(message));
  for (;;) asm volatile("ud2");
}

}  // namespace burrow::kernel
