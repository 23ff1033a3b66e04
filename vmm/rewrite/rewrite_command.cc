// The summary `burrow rewrite` prints: what was found, patched and skipped, and why.
#include "rewrite/rewrite_command.h"

#include <fmt/core.h>

#include "rewrite/static_rewrite.h"

namespace burrow::rewrite {
namespace {

void print_site(const Site& s) {
  if (s.cpuid) {
    if (s.kind == SiteKind::kSkipped)
      fmt::print("  {:#x}  cpuid      skipped, {}\n", s.syscall_vaddr, to_string(s.reason));
    else
      fmt::print("  {:#x}  cpuid      {} bytes, {} instruction(s) moved\n", s.syscall_vaddr, s.length, s.displaced.size());
    return;
  }
  switch (s.kind) {
    case SiteKind::kMovImm:
      fmt::print("  {:#x}  mov-imm    nr {}\n", s.syscall_vaddr, s.nr);
      break;
    case SiteKind::kDisplaced:
      fmt::print("  {:#x}  displaced  {} bytes, {} instruction(s) moved\n", s.syscall_vaddr, s.length,
                 s.displaced.size());
      break;
    case SiteKind::kSkipped:
      fmt::print("  {:#x}  skipped    {}\n", s.syscall_vaddr, to_string(s.reason));
      break;
  }
}

}  // namespace

int run_rewrite_command(const std::string& in, const std::string& out, bool verbose) {
  auto result = rewrite_static_elf_file(in, out);
  if (!result) {
    fmt::print(stderr, "burrow: rewrite: {}\n", result.error().message);
    return static_cast<int>(result.error().code);
  }
  const SiteCounts& c = result->counts;
  if (verbose)
    for (const Site& s : result->analysis.sites) print_site(s);
  fmt::print("{}: {} syscall sites: {} patched ({} mov-imm, {} displaced), {} left to trap\n", out, c.total(),
             c.patched(), c.mov_imm, c.displaced, c.skipped_total());
  for (size_t i = 1; i < kSkipReasonCount; ++i)
    if (c.skipped[i]) fmt::print("  skipped, {}: {}\n", to_string(static_cast<SkipReason>(i)), c.skipped[i]);
  if (c.cpuid_patched + c.cpuid_skipped)
    fmt::print("  cpuid sites: {} patched, {} left to trap\n", c.cpuid_patched, c.cpuid_skipped);
  fmt::print("  trampolines: {} bytes in a new segment at {:#x}\n", result->trampoline_bytes, result->segment_vaddr);
  fmt::print("{} runs only in Burrow (burrow run -- {}); natively it crashes at its first rewritten system call.\n",
             out, out);
  return 0;
}

}  // namespace burrow::rewrite
