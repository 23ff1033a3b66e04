// ELF64 executable headers: parse_elf reads and validates an x86-64 program's ELF
// header and program headers without trusting anything in the file. What it returns
// is safe to map: every range is inside the file and the user address space.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "result.h"

namespace burrow::loader {

struct ElfSegment {
  uint64_t vaddr;
  uint64_t memsz;
  uint64_t offset;
  uint64_t filesz;  // <= memsz; [offset, offset + filesz) lies inside the file
  uint64_t align;
  uint32_t flags;  // PF_R = 4, PF_W = 2, PF_X = 1, as in ELF
};

struct ElfImage {
  uint16_t type;  // ET_EXEC (2) or ET_DYN (3)
  uint64_t entry;
  uint64_t phoff;
  uint16_t phentsize;
  uint16_t phnum;
  // PT_LOADs in ascending vaddr order, not overlapping (two may share a page).
  std::vector<ElfSegment> loads;
  std::optional<std::string> interp;  // PT_INTERP path, without its NUL
  // PT_PHDR's vaddr, else the vaddr where phoff falls inside a PT_LOAD's file range,
  // else 0. For ET_DYN, add the load bias.
  uint64_t phdr_vaddr;
  bool exec_stack;  // PT_GNU_STACK has PF_X; true without PT_GNU_STACK
  // Page-aligned span of all loads: floor(min vaddr), ceil(max vaddr + memsz).
  uint64_t min_vaddr;
  uint64_t max_vaddr;
};

// Every error is ExitCode::kCannotExecute with a one-line message that does not
// name the file (the caller prefixes "burrow: <path>: ").
Result<ElfImage> parse_elf(std::span<const uint8_t> file);

}  // namespace burrow::loader
