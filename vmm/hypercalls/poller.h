// The poller: a second monitor thread that serves polled hypercalls (abi/hypercall.h)
// while the vCPU runs, so that a stat, an open or a fill costs the guest no VM exit
// (~20 µs each on PVM). It watches the vCPU's doorbell for a while after each request
// and sleeps when the program stops making them; a kicked request that the poller
// could have served wakes it again.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <thread>

#include "hypercalls/hypercalls.h"
#include "memory/guest_memory.h"

namespace burrow::hypercalls {

class Poller {
 public:
  // `lock` is held by whoever serves a hypercall: the vCPU thread holds it whenever it
  // is outside KVM_RUN, the poller while it serves one. `idle_ns`: how long the
  // poller watches without a request before it sleeps.
  Poller(Handler& handler, const memory::GuestMemory& mem, std::mutex& lock, Stats& stats, int64_t idle_ns,
         bool timing);
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Starts the thread (host signals stay with the vCPU thread).
  void start();
  // The PerCpu block to watch: set at each boot, before the vCPU runs.
  void watch(uint64_t per_cpu_phys) { per_cpu_phys_.store(per_cpu_phys, std::memory_order_release); }
  // The vCPU thread served a kicked request the poller could have served: the program
  // is making them again.
  void wake();

  // Whether polling pays here: another host CPU for the poller (in the affinity mask
  // and in the cgroup's CPU quota), and exits that cost more than a request served
  // across CPUs (PVM).
  static bool worthwhile(bool pvm);
  // The CPUs a cgroup v2 `cpu.max` line ("QUOTA PERIOD", or "max PERIOD") allows;
  // a negative number when unlimited or unreadable.
  static double cpus_of_cpu_max(std::string_view line);

 private:
  void run();
  void set_awake(uint64_t per_cpu_phys, uint64_t value);

  Handler& handler_;
  const memory::GuestMemory& mem_;
  std::mutex& lock_;
  Stats& stats_;
  const int64_t idle_ns_;
  const bool timing_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint32_t> wakes_{0};
  std::atomic<uint64_t> per_cpu_phys_{~uint64_t{0}};
};

}  // namespace burrow::hypercalls
