// What `burrow run` was asked to do.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace burrow {

struct RunOptions {
  uint64_t memory = 256ull << 20;
  uint32_t cpus = 1;
  std::vector<std::string> env_overrides;  // K=V, applied in order
  bool clear_env = false;
  bool strace = false;
  bool stats = false;
  std::string program;             // as the user typed it
  std::vector<std::string> argv;   // argv[0] is `program`
};

}  // namespace burrow
