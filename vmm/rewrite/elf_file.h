// A bounds-checked view of an x86-64 ELF file for the rewriter: headers, program and
// section headers, and helpers that read symbols and relocations. Unlike
// loader::parse_elf it accepts shared libraries at any address and keeps section
// headers; like it, it trusts nothing in the file.
#pragma once

#include <elf.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "result.h"

namespace burrow::rewrite {

struct ElfFile {
  std::span<const uint8_t> bytes;
  Elf64_Ehdr ehdr{};
  std::vector<Elf64_Phdr> phdrs;
  // Empty when the file has no section header table. Every non-NOBITS section's
  // [sh_offset, sh_offset + sh_size) lies inside the file.
  std::vector<Elf64_Shdr> shdrs;

  // The file offset holding [vaddr, vaddr + size), through the PT_LOAD whose file
  // part contains all of it.
  std::optional<uint64_t> offset_of(uint64_t vaddr, uint64_t size) const;
  // The bytes of a section (empty for NOBITS).
  std::span<const uint8_t> section_bytes(const Elf64_Shdr& sh) const;
};

// One-line errors with ExitCode::kCannotExecute.
Result<ElfFile> read_elf_file(std::span<const uint8_t> bytes);

// Little-endian reads of unaligned fields; callers check bounds first.
template <class T>
T load(const uint8_t* p) {
  T v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace burrow::rewrite
