// The host side of every hypercall: validate, serve with the host's own system
// calls, answer. A malformed request is answered with -EFAULT/-EINVAL, never trusted.
#pragma once

#include <atomic>

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>
#include <set>
#include <string>

#include "burrow/abi/boot_info.h"
#include "burrow/abi/hypercall.h"
#include "hypercalls/files.h"
#include "hypercalls/rewrite.h"
#include "memory/guest_memory.h"
#include "run/options.h"
#include "trace/strace.h"

namespace burrow::hypercalls {

// Signals sent to burrow itself (Ctrl-C, kill) that the program has not taken yet,
// by bit (1 << (sig - 1)); set by the monitor's signal handler. A blocking host call
// that such a signal interrupts returns EINTR to the program instead of going on.
extern std::atomic<uint64_t> g_host_signals;
inline bool host_signal_pending() { return g_host_signals.load(std::memory_order_relaxed) != 0; }

struct Stats {
  uint64_t exits = 0;
  int64_t in_kvm_run_ns = 0;      // inside KVM_RUN: the guest, its shadow page faults, exit round trips
  int64_t in_handler_ns = 0;      // in the monitor serving hypercalls
  uint64_t hypercalls[64] = {};
  int64_t hypercall_ns[64] = {};  // the same, by kind
  uint64_t last_hypercall = 0;    // the kind of the one just served
  uint64_t deferred_closes = 0;   // closes the guest sent along with other exits
  uint64_t polled = 0;            // hypercalls the poller served (no VM exit)
  uint64_t kicks_after_poll = 0;  // kicks that found their request served by the poller
  // What the guest reported at exit (kStat), by abi::StatId; only shown, never trusted.
  uint64_t guest[8] = {};
};

// The guest's virtual memory through its page tables, for the tracer's readers.
class GuestMemoryReader : public trace::GuestReader {
 public:
  GuestMemoryReader(const memory::GuestMemory& mem, uint64_t cr3) : mem_(mem), cr3_(cr3) {}
  bool read(uint64_t va, void* dst, size_t len) override { return memory::read_virtual(mem_, cr3_, va, dst, len); }

 private:
  const memory::GuestMemory& mem_;
  uint64_t cr3_;
};

// What the run loop does after a hypercall.
struct Outcome {
  std::optional<int> exit_status;  // set: the VM is done, `burrow run` exits with it
  bool exec = false;               // the program called execve: load Handler's exec plan
  bool pollable = false;           // the request was one the poller serves
};

// An execve, read out of guest memory and checked.
struct ExecPlan {
  std::string path;    // absolute, normalized guest path
  std::string execfn;  // the name as the program gave it (AT_EXECFN)
  std::vector<std::string> argv, envp;
  std::string cwd;
  struct Fd {
    abi::InheritedFd fd;
    std::string path;
  };
  std::vector<Fd> fds;
  uint64_t sig_ignored = 0, sig_blocked = 0;
  uint32_t umask = 022;
  int32_t nice = 0;
};
// Loads the plan's program (0), or says why it cannot run (-errno: the program's
// execve returns it).
using ExecHook = std::function<int64_t(const ExecPlan&)>;

class Handler {
 public:
  Handler(const memory::GuestMemory& mem, uint64_t cr3, const RunOptions& options, FileService& files,
          Stats& stats)
      : mem_(mem), cr3_(cr3), options_(options), files_(files), stats_(stats) {}

  // Serves the request of the vCPU whose PerCpu block is at `per_cpu_phys`, which
  // kicked with a VM exit writing `kick` (its doorbell number): unless the poller
  // served that one already.
  Outcome handle(uint64_t per_cpu_phys, uint64_t kick);
  // The poller's turn: serves the request waiting at the doorbell if it is one the
  // poller may serve (poll_hypercalls()); true when it did.
  bool handle_polled(uint64_t per_cpu_phys);
  // A new program image: its request numbers start again from 0.
  void reset_doorbell() { served_ = skipped_ = 0; }
  void set_exec_hook(ExecHook hook) { exec_hook_ = std::move(hook); }
  void set_cr3(uint64_t cr3) { cr3_ = cr3; }
  void set_rewriter(RewriteService* rewriter) { rewriter_ = rewriter; }

 private:
  // `taken`: the request as the caller copied it already (null: copy it here).
  Outcome serve(uint64_t per_cpu_phys, const abi::HypercallRequest* taken = nullptr);
  // Whether the poller may serve this request (poll_hypercalls(), or regular-file I/O).
  bool may_poll(const abi::HypercallRequest& r);
  // Marks doorbell `seq` served and tells the guest (after its result is written).
  void served(uint64_t per_cpu_phys, uint64_t seq);
  int64_t random(uint64_t buf, uint64_t len);
  std::string guest_string(uint64_t va, uint64_t len, uint64_t max);
  Outcome fatal_signal(const uint64_t* args);
  // kClose, and the closes that ride along with other hypercalls.
  int64_t close(uint64_t handle);
  Outcome kernel_fault(uint64_t frame_va);
  int64_t exec(uint64_t request, Outcome* outcome);

  const memory::GuestMemory& mem_;
  uint64_t cr3_;
  const RunOptions& options_;
  FileService& files_;
  Stats& stats_;
  std::set<std::string> noted_;
  ExecHook exec_hook_;
  RewriteService* rewriter_ = nullptr;
  std::vector<abi::FileFill> filled_;  // kFillFromFile's runs, for the rewriter
  uint64_t served_ = 0;   // the doorbell of the last request served
  uint64_t skipped_ = 0;  // a doorbell the poller left for the kick (not pollable)
};

// Hypercalls the poller may serve, by bit (BootInfo::poll_hypercalls): those that
// never block for long and never stop or reload the VM.
void poll_hypercalls(uint64_t out[2]);
// The word at `offset` in the PerCpu block at `per_cpu_phys` (the polling words), or
// null when it is not an aligned word of guest memory.
uint64_t* per_cpu_word(const memory::GuestMemory& mem, uint64_t per_cpu_phys, size_t offset);

}  // namespace burrow::hypercalls
