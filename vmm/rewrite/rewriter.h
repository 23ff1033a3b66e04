// The syscall-site rewriter (issue 6): finds every `syscall` instruction in an ELF
// file's executable code and decides, once per file, which sites can be replaced by
// a jump to a per-site trampoline that reaches the personality's fast entry
// (abi::kFastSyscallEntry) instead of trapping. analyze() works on file contents
// only (cacheable, keyed by the file's SHA-256); emit() turns an analysis into patch
// bytes and trampolines for one mapping of the file at a guest address.
//
// `cpuid` instructions are sites too (Site::cpuid): displaced like a syscall, their
// trampolines reach abi::kFastCpuidEntry, which answers from the vCPU's CPUID table
// without the ~10 µs trap (glibc's start-up runs ~70 of them).
//
// Safety rule: a site is patched only when the patch cannot change what any other
// path through the code sees. A `mov $NR, %eax; syscall` site patches only the mov
// (a branch to the syscall still traps correctly); any other site displaces the
// syscall and the whole instructions after it, and only when no known branch target
// falls inside them and each one can be re-executed elsewhere. Everything else is
// left alone: the trapped path is always correct.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "result.h"
#include "rewrite/sha256.h"

namespace burrow::rewrite {

enum class SiteKind : uint8_t {
  kMovImm,     // `mov $NR, %eax` (b8 imm32) right before: the mov becomes the jump
  kDisplaced,  // the syscall and what follows it become the jump; NR known at run time
  kSkipped,    // left to trap
};

enum class SkipReason : uint8_t {
  kNone,                // not skipped
  kBranchTargetInside,  // a known branch target lies inside the region to patch
  kNotRelocatable,      // an instruction to displace cannot run from elsewhere
  kTooShortAtEnd,       // the code ends before 5 bytes could be displaced
  kCrossesBlockEnd,     // 5 bytes would reach past a jmp/ret into code that may be a target
  kDecodeUncertain,     // undecodable bytes just before: instruction boundaries unsure
  kOverlapsSite,        // the region overlaps the region of the site before it
  kOutOfRange,          // (emit) trampoline or a relocated operand beyond rel32
  kNoTrampolineSpace,   // (emit) tramp_capacity exhausted
  kCrossesMapping,      // (emit) the region is only partly inside the mapped range
  kCount,
};
inline constexpr size_t kSkipReasonCount = static_cast<size_t>(SkipReason::kCount);

const char* to_string(SiteKind kind);
const char* to_string(SkipReason reason);

// One instruction displaced into a Displaced site's trampoline (never the syscall).
struct DisplacedInsn {
  enum class Fixup : uint8_t {
    kNone,         // position independent: copied as is
    kRipRelative,  // disp32 at disp_offset is relative to the next instruction
    kJmp,          // jmp rel8/rel32: re-encoded as jmp rel32 to `target`
    kJcc,          // jcc rel8/rel32: re-encoded as jcc rel32 (condition `cond`)
  };
  uint64_t vaddr = 0;
  uint8_t length = 0;
  std::array<uint8_t, 15> bytes{};
  Fixup fixup = Fixup::kNone;
  uint8_t disp_offset = 0;  // kRipRelative
  uint8_t cond = 0;         // kJcc: low nibble of the jcc opcode
  uint64_t target = 0;      // link-time address the fixup must keep reaching
};

struct Site {
  // The region the patch replaces: the mov for kMovImm, the syscall and the
  // displaced instructions for kDisplaced, the syscall alone for kSkipped.
  uint64_t offset = 0;  // file offset of the region
  uint64_t vaddr = 0;   // link-time address of the region
  uint8_t length = 0;   // bytes in the region (<= 16)
  uint64_t syscall_vaddr = 0;  // of the syscall (or cpuid) instruction itself
  uint8_t syscall_length = 0;  // 2, or more with prefixes
  bool cpuid = false;          // the instruction is cpuid (0f a2): kDisplaced or kSkipped
  SiteKind kind = SiteKind::kSkipped;
  SkipReason reason = SkipReason::kNone;
  int64_t nr = -1;  // kMovImm: the system call number; else -1
  std::vector<DisplacedInsn> displaced;  // kDisplaced only
};

// Syscall sites by kind and skip reason; cpuid sites apart.
struct SiteCounts {
  uint64_t mov_imm = 0;
  uint64_t displaced = 0;
  std::array<uint64_t, kSkipReasonCount> skipped{};
  uint64_t cpuid_patched = 0;
  uint64_t cpuid_skipped = 0;

  void add(SiteKind kind, SkipReason reason, bool cpuid = false);
  uint64_t patched() const { return mov_imm + displaced; }
  uint64_t skipped_total() const;
  uint64_t total() const { return patched() + skipped_total(); }
  SiteCounts& operator+=(const SiteCounts& other);
};

struct Analysis {
  Sha256Digest hash{};      // of the whole file analyzed
  std::vector<Site> sites;  // ascending file offset
  SiteCounts counts;        // over `sites`
  uint64_t code_bytes = 0;  // bytes swept
  uint64_t instructions = 0;
  uint64_t branch_targets = 0;
};

// Every error is ExitCode::kCannotExecute with a one-line message (no file name).
// `elf_file` is untrusted: any input gives an Analysis or an error.
Result<Analysis> analyze(std::span<const uint8_t> elf_file);

// For tests and tools: analyzes raw code placed at `vaddr` (file offset 0 is
// `vaddr`) with `extra_targets` as additional branch targets (e.g. symbols).
Analysis analyze_code(std::span<const uint8_t> code, uint64_t vaddr, std::span<const uint64_t> extra_targets = {});

struct Patch {
  uint64_t addr = 0;  // guest address of the first byte
  uint8_t size = 0;
  std::array<uint8_t, 16> data{};
  std::span<const uint8_t> bytes() const { return {data.data(), size}; }
};

struct Emitted {
  std::vector<Patch> patches;         // ascending addr, never overlapping
  std::vector<uint8_t> trampolines;   // to place at tramp_addr (R+X)
  SiteCounts counts;                  // sites whose region starts inside the range
};

// Trampolines are 32-byte aligned relative to tramp_addr (which should itself be
// 32-byte aligned). The file range [file_offset, file_offset + length) is mapped at
// map_addr; link-time addresses of that mapping's code are moved by the same bias
// (map_addr + (site.offset - file_offset) - site.vaddr), as a loader does.
Emitted emit(const Analysis& analysis, uint64_t file_offset, uint64_t length, uint64_t map_addr,
             uint64_t tramp_addr, size_t tramp_capacity);

// Trampoline sizes, for callers that size their arena (upper bounds, aligned).
inline constexpr size_t kTrampolineAlign = 32;
inline constexpr size_t kMaxTrampolineSize = 128;

}  // namespace burrow::rewrite
