// The host side of every hypercall: validate, serve with the host's own system
// calls, answer. A malformed request is answered with -EFAULT/-EINVAL, never trusted.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "burrow/abi/hypercall.h"
#include "hypercalls/files.h"
#include "memory/guest_memory.h"
#include "run/options.h"

namespace burrow::hypercalls {

struct Stats {
  uint64_t exits = 0;
  uint64_t hypercalls[64] = {};
  // What the guest reported at exit (kStat), by abi::StatId; only shown, never trusted.
  uint64_t guest[8] = {};
};

// What the run loop does after a hypercall.
struct Outcome {
  std::optional<int> exit_status;  // set: the VM is done, `burrow run` exits with it
};

class Handler {
 public:
  Handler(const memory::GuestMemory& mem, uint64_t cr3, const RunOptions& options, FileService& files,
          Stats& stats)
      : mem_(mem), cr3_(cr3), options_(options), files_(files), stats_(stats) {}

  // Serves the request of the vCPU whose PerCpu block is at `per_cpu_phys`.
  Outcome handle(uint64_t per_cpu_phys);

 private:
  int64_t random(uint64_t buf, uint64_t len);
  std::string guest_string(uint64_t va, uint64_t len, uint64_t max);
  Outcome fatal_signal(const uint64_t* args);
  Outcome kernel_fault(uint64_t frame_va);

  const memory::GuestMemory& mem_;
  uint64_t cr3_;
  const RunOptions& options_;
  FileService& files_;
  Stats& stats_;
  std::set<std::string> noted_;
};

}  // namespace burrow::hypercalls
