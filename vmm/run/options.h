// What `burrow run` was asked to do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace burrow {

// Polled hypercalls (abi/hypercall.h): kAuto where they pay (PVM, a second host CPU).
enum class PollMode { kAuto, kOn, kOff };

struct RunOptions {
  uint64_t memory = 256ull << 20;
  uint32_t cpus = 1;
  std::vector<std::string> env_overrides;  // K=V, applied in order
  bool clear_env = false;
  bool strace = false;
  bool stats = false;
  bool rewrite = true;  // rewrite syscall sites (issue 6); --no-rewrite: every call traps
  PollMode poll = PollMode::kAuto;  // --poll
  std::optional<std::string> root;     // --root: the guest's whole /
  std::vector<std::string> volumes;    // -v HOST:GUEST[:ro]
  std::optional<std::string> workdir;  // -w: the initial working directory
  // Where rewriter analyses and page profiles persist between runs: --cache DIR, else
  // $XDG_CACHE_HOME/burrow; --no-cache: nowhere (kept in memory for one run).
  std::optional<std::string> cache_dir;
  bool no_cache = false;
  // run() ends the process with the program's status instead of returning (`burrow
  // run`), leaving the VM's teardown to the kernel.
  bool exit_when_done = false;
  uint32_t umask = 022;                // the caller's umask, which the program inherits
  std::string program;             // as the user typed it
  std::vector<std::string> argv;   // argv[0] is `program`
};

}  // namespace burrow
