// libFuzzer target for the rewriter: analyze() on any bytes either fails with a
// one-line kCannotExecute error or gives sites that keep their promises; emit(),
// the cache format and rewrite_static_elf() are run on whatever it accepts.
#include <cstdint>
#include <span>

#include "rewrite/analysis_cache.h"
#include "rewrite/elf_file.h"
#include "rewrite/rewriter.h"
#include "rewrite/static_rewrite.h"

namespace {

using namespace burrow::rewrite;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_analysis(const Analysis& a) {
  uint64_t prev = 0;
  SiteCounts counts;
  for (const Site& s : a.sites) {
    check(s.offset >= prev);
    prev = s.offset;
    check(s.length >= 1 && s.length <= 16);
    check((s.kind == SiteKind::kSkipped) == (s.reason != SkipReason::kNone));
    check(s.kind != SiteKind::kMovImm || (s.length == 5 && s.nr >= 0));
    check((s.kind == SiteKind::kDisplaced) == !s.displaced.empty());
    for (const DisplacedInsn& d : s.displaced) check(d.length >= 1 && d.length <= 15);
    counts.add(s.kind, s.reason);
  }
  check(counts.total() == a.counts.total() && counts.patched() == a.counts.patched());
}

void check_emitted(const Emitted& e, size_t capacity) {
  check(e.trampolines.size() <= capacity);
  check(e.patches.size() == e.counts.patched());
  uint64_t end = 0;
  for (const Patch& p : e.patches) {
    check(p.addr >= end && p.size >= 5 && p.size <= 16 && p.data[0] == 0xE9);
    end = p.addr + p.size;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> file(data, size);
  (void)deserialize(file);  // the cache parser sees untrusted bytes too
  auto a = analyze(file);
  if (!a) {
    check(a.error().code == burrow::ExitCode::kCannotExecute);
    check(!a.error().message.empty() && a.error().message.find('\n') == std::string::npos);
    return 0;
  }
  check_analysis(*a);
  auto back = deserialize(serialize(*a));
  check(back.ok() && back->sites.size() == a->sites.size());
  constexpr size_t kCapacity = 1 << 16;
  check_emitted(emit(*a, 0, size, 0x400000, 0x40000000, kCapacity), kCapacity);
  check_emitted(emit(*a, size / 3, size / 2, 0x7fff00000000, 0x7fff00000000 - 0x100000, 4096), 4096);
  auto rewritten = rewrite_static_elf(file);
  if (rewritten) {
    check(is_rewritten(rewritten->file));
    check(read_elf_file(rewritten->file).ok());
  }
  return 0;
}
