// `burrow rewrite IN -o OUT`: a static x86-64 executable with its syscall sites
// patched ahead of time. The trampolines go in a new R+X PT_LOAD after the highest
// segment, which also holds the moved program header table and a marker saying the
// file was rewritten. The result jumps to abi::kFastSyscallEntry, a guest-kernel
// address: it runs only inside Burrow.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "result.h"
#include "rewrite/rewriter.h"

namespace burrow::rewrite {

// ABI: the first bytes of the trampoline segment of a rewritten file.
inline constexpr char kRewrittenMarker[] = "BURROW-REWRITTEN: this program runs only in Burrow\n";

struct StaticRewrite {
  std::vector<uint8_t> file;  // the rewritten ELF
  Analysis analysis;          // of the input
  SiteCounts counts;          // what was patched, over all executable segments
  uint64_t segment_vaddr = 0; // the new PT_LOAD
  uint64_t segment_size = 0;
  uint64_t trampoline_bytes = 0;
};

// Errors: ExitCode::kCannotExecute, one line, without the file name.
Result<StaticRewrite> rewrite_static_elf(std::span<const uint8_t> in);

// Reads in_path, writes out_path atomically (temp file + rename, mode of the input
// with u+x); refuses out_path naming the input. Errors name the offending path.
Result<StaticRewrite> rewrite_static_elf_file(const std::string& in_path, const std::string& out_path);

// Whether `elf` carries the marker of a file produced by rewrite_static_elf.
bool is_rewritten(std::span<const uint8_t> elf);

}  // namespace burrow::rewrite
