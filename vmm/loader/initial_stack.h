// The initial process stack: argc, argv, envp, the auxiliary vector and the strings
// they point to, laid out byte for byte as Linux's execve leaves them (fs/exec.c and
// create_elf_tables in fs/binfmt_elf.c), ready to copy below the stack top.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "result.h"

namespace burrow::loader {

// ABI: an Elf64_auxv_t; `type` is one of <elf.h>'s AT_* values.
struct AuxEntry {
  uint64_t type;
  uint64_t value;
};

struct StackInput {
  std::vector<std::string> argv;  // empty becomes {""}, as Linux 5.18+ does
  std::vector<std::string> envp;
  std::string execfn;  // AT_EXECFN: the path given to execve
  std::string platform = "x86_64";  // AT_PLATFORM
  std::array<uint8_t, 16> random{};  // the bytes AT_RANDOM points at
  // The caller's entries in order, without AT_NULL. The builder sets AT_RANDOM,
  // AT_EXECFN and AT_PLATFORM to the addresses it chose: in place where the caller
  // has the entry (value 0 by convention), else appended in that order.
  std::vector<AuxEntry> auxv;
};

struct StackImage {
  uint64_t sp;  // 16-byte aligned; points at argc
  uint64_t base;  // lowest byte written, rounded down to a page
  std::vector<uint8_t> bytes;  // exactly [base, stack_top)
  std::vector<AuxEntry> auxv;  // as written, ending with AT_NULL
};

// Strings are cut at their first NUL, as execve's are. Fails with kCannotExecute,
// "argument list too long" (Linux's E2BIG) when stack_top - sp would exceed max_size
// or one string, NUL included, exceeds Linux's MAX_ARG_STRLEN (128 KiB).
Result<StackImage> build_initial_stack(uint64_t stack_top, const StackInput& in, uint64_t max_size);

}  // namespace burrow::loader
