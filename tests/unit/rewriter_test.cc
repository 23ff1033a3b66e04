// The syscall-site rewriter on hand-written code: each site is either patched so
// that the trampoline (decoded back with Zydis) does exactly what the original
// bytes did, or left alone with the reason. Then malformed ELF files, the analysis
// cache, real binaries (libc.so.6, busybox, the test programs) and `burrow rewrite`.
#include <Zydis/Zydis.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include <gtest/gtest.h>

#include "burrow/abi/layout.h"
#include "loader/elf.h"
#include "rewrite/analysis_cache.h"
#include "rewrite/rewriter.h"
#include "rewrite/sha256.h"
#include "rewrite/static_rewrite.h"

namespace burrow::rewrite {
namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint64_t kText = 0x401000;
constexpr uint64_t kTramp = 0x500000;

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// ---- Decoding what emit() produced ----

struct Insn {
  uint64_t addr;
  ZydisDecodedInstruction in;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  // Branch target, RIP-relative memory address, or 0.
  uint64_t target() const {
    for (size_t i = 0; i < in.operand_count_visible; ++i) {
      uint64_t t;
      if ((ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && ops[i].imm.is_relative) ||
          (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[i].mem.base == ZYDIS_REGISTER_RIP)) {
        if (ZYAN_SUCCESS(ZydisCalcAbsoluteAddress(&in, &ops[i], addr, &t))) return t;
      }
    }
    return 0;
  }
};

std::vector<Insn> decode(std::span<const uint8_t> bytes, uint64_t addr, size_t max = 64) {
  ZydisDecoder d;
  ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  std::vector<Insn> out;
  size_t pos = 0;
  while (pos < bytes.size() && out.size() < max) {
    Insn i;
    i.addr = addr + pos;
    if (ZYAN_FAILED(ZydisDecoderDecodeFull(&d, bytes.data() + pos, bytes.size() - pos, &i.in, i.ops))) break;
    pos += i.in.length;
    out.push_back(i);
  }
  return out;
}

// The trampoline `patch` jumps to, decoded up to and including its final jump back
// (or the jmp *0(%rip) of a MovImm one).
struct Decoded {
  uint64_t tramp;
  std::vector<Insn> insns;
  uint64_t fast_entry;  // the quad after jmp *0(%rip)
};

Decoded follow(const Patch& patch, const Emitted& e, uint64_t tramp_base) {
  Decoded out{};
  const auto jump = decode(patch.bytes(), patch.addr, 1);
  EXPECT_EQ(jump.size(), 1u);
  if (jump.empty()) return out;
  EXPECT_EQ(jump[0].in.mnemonic, ZYDIS_MNEMONIC_JMP);
  EXPECT_EQ(jump[0].in.length, 5);
  for (size_t i = 5; i < patch.size; ++i) EXPECT_EQ(patch.data[i], 0xCC) << "padding byte " << i;
  out.tramp = jump[0].target();
  EXPECT_GE(out.tramp, tramp_base);
  EXPECT_LT(out.tramp, tramp_base + e.trampolines.size());
  if (out.tramp < tramp_base || out.tramp >= tramp_base + e.trampolines.size()) return out;
  EXPECT_EQ((out.tramp - tramp_base) % kTrampolineAlign, 0u);
  const auto blob = std::span<const uint8_t>(e.trampolines).subspan(out.tramp - tramp_base);
  ZydisDecoder d;
  ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  size_t pos = 0;
  while (pos < blob.size()) {
    Insn i;
    i.addr = out.tramp + pos;
    if (ZYAN_FAILED(ZydisDecoderDecodeFull(&d, blob.data() + pos, blob.size() - pos, &i.in, i.ops))) break;
    pos += i.in.length;
    out.insns.push_back(i);
    if (i.in.mnemonic == ZYDIS_MNEMONIC_JMP && i.ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY) {
      EXPECT_LE(pos + 8, blob.size());
      if (pos + 8 <= blob.size()) std::memcpy(&out.fast_entry, blob.data() + pos, 8);
      pos += 8;
      if (out.insns.size() == 3) break;  // MovImm: lea, mov, jmp *
    } else if (i.in.mnemonic == ZYDIS_MNEMONIC_JMP) {
      break;  // the jump back
    }
  }
  return out;
}

// Checks the MovImm trampoline shape: lea site_end(%rip),%rcx; mov $nr,%eax; jmp *fast.
void expect_mov_imm_trampoline(const Decoded& t, uint64_t site_end, uint32_t nr) {
  ASSERT_EQ(t.insns.size(), 3u);
  EXPECT_EQ(t.insns[0].in.mnemonic, ZYDIS_MNEMONIC_LEA);
  EXPECT_EQ(t.insns[0].ops[0].reg.value, ZYDIS_REGISTER_RCX);
  EXPECT_EQ(t.insns[0].target(), site_end);
  EXPECT_EQ(t.insns[1].in.mnemonic, ZYDIS_MNEMONIC_MOV);
  EXPECT_EQ(t.insns[1].ops[0].reg.value, ZYDIS_REGISTER_EAX);
  EXPECT_EQ(t.insns[1].ops[1].imm.value.u, nr);
  EXPECT_EQ(t.insns[2].in.mnemonic, ZYDIS_MNEMONIC_JMP);
  EXPECT_EQ(t.fast_entry, abi::kFastSyscallEntry);
}

// Checks the Displaced shape: lea cont(%rip),%rcx; jmp *fast; cont: ...; jmp region_end.
// Returns the relocated instructions (between cont and the jump back).
std::vector<Insn> expect_displaced_trampoline(const Decoded& t, uint64_t region_end) {
  EXPECT_GE(t.insns.size(), 3u);
  if (t.insns.size() < 3) return {};
  EXPECT_EQ(t.insns[0].in.mnemonic, ZYDIS_MNEMONIC_LEA);
  EXPECT_EQ(t.insns[0].ops[0].reg.value, ZYDIS_REGISTER_RCX);
  EXPECT_EQ(t.insns[1].in.mnemonic, ZYDIS_MNEMONIC_JMP);
  EXPECT_EQ(t.fast_entry, abi::kFastSyscallEntry);
  EXPECT_EQ(t.insns[0].target(), t.insns[2].addr) << "syscall must resume at the relocated code";
  EXPECT_EQ(t.insns.back().in.mnemonic, ZYDIS_MNEMONIC_JMP);
  EXPECT_EQ(t.insns.back().target(), region_end);
  return {t.insns.begin() + 2, t.insns.end() - 1};
}

const Site& only_site(const Analysis& a) {
  EXPECT_EQ(a.sites.size(), 1u);
  return a.sites.at(0);
}

Emitted emit_code(const Analysis& a, size_t size, uint64_t tramp = kTramp, size_t capacity = 1 << 20) {
  return emit(a, 0, size, kText, tramp, capacity);
}

// ---- MovImm ----

TEST(Rewriter, MovImmPatchesOnlyTheMov) {
  const Bytes code = {
      0x55,                          // 401000: push %rbp
      0xb8, 0x27, 0x00, 0x00, 0x00,  // 401001: mov $39, %eax   (getpid)
      0x0f, 0x05,                    // 401006: syscall
      0x5d,                          // 401008: pop %rbp
      0xc3,                          // 401009: ret
  };
  const Analysis a = analyze_code(code, kText);
  const Site& s = only_site(a);
  EXPECT_EQ(s.kind, SiteKind::kMovImm);
  EXPECT_EQ(s.nr, 39);
  EXPECT_EQ(s.vaddr, kText + 1);
  EXPECT_EQ(s.offset, 1u);
  EXPECT_EQ(s.length, 5);
  EXPECT_EQ(s.syscall_vaddr, kText + 6);
  EXPECT_EQ(a.counts.mov_imm, 1u);

  const Emitted e = emit_code(a, code.size());
  ASSERT_EQ(e.patches.size(), 1u);
  EXPECT_EQ(e.patches[0].addr, kText + 1);
  EXPECT_EQ(e.patches[0].size, 5);  // the syscall bytes stay
  EXPECT_EQ(e.counts.mov_imm, 1u);
  expect_mov_imm_trampoline(follow(e.patches[0], e, kTramp), kText + 8, 39);
}

TEST(Rewriter, SyscallAtBranchTargetWithMovIsPatchedAndKeepsTheSyscall) {
  const Bytes code = {
      0xb8, 0x3c, 0x00, 0x00, 0x00,  // 401000: mov $60, %eax
      0x0f, 0x05,                    // 401005: syscall          <- also a branch target
      0xc3,                          // 401007: ret
  };
  const uint64_t targets[] = {kText + 5};
  const Analysis a = analyze_code(code, kText, targets);
  EXPECT_EQ(only_site(a).kind, SiteKind::kMovImm);
  const Emitted e = emit_code(a, code.size());
  ASSERT_EQ(e.patches.size(), 1u);
  // A jump to 401005 still finds `syscall` there (the trapped path, eax set by its caller).
  EXPECT_LE(e.patches[0].addr + e.patches[0].size, kText + 5);
}

TEST(Rewriter, BranchTargetInsideTheMovIsSkipped) {
  const Bytes code = {0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3};
  const uint64_t targets[] = {kText + 2};  // only a decoding mistake could jump there
  const Analysis a = analyze_code(code, kText, targets);
  EXPECT_EQ(only_site(a).kind, SiteKind::kSkipped);
  EXPECT_EQ(only_site(a).reason, SkipReason::kBranchTargetInside);
  EXPECT_TRUE(emit_code(a, code.size()).patches.empty());
}

// ---- Displaced ----

// mov %edi,%eax; syscall; cmp $-4095,%rax; ret
const Bytes kPlainSite = {
    0x89, 0xf8,                          // 401000: mov %edi, %eax
    0x0f, 0x05,                          // 401002: syscall
    0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff,  // 401004: cmp $-4095, %rax
    0xc3,                                // 40100a: ret
};

TEST(Rewriter, DisplacedSiteReexecutesTheNextInstruction) {
  const Analysis a = analyze_code(kPlainSite, kText);
  const Site& s = only_site(a);
  ASSERT_EQ(s.kind, SiteKind::kDisplaced);
  EXPECT_EQ(s.nr, -1);
  EXPECT_EQ(s.vaddr, kText + 2);
  EXPECT_EQ(s.length, 8);
  ASSERT_EQ(s.displaced.size(), 1u);
  EXPECT_EQ(s.displaced[0].vaddr, kText + 4);

  const Emitted e = emit_code(a, kPlainSite.size());
  ASSERT_EQ(e.patches.size(), 1u);
  EXPECT_EQ(e.patches[0].addr, kText + 2);
  EXPECT_EQ(e.patches[0].size, 8);  // jmp rel32 + 3 x int3
  const auto moved = expect_displaced_trampoline(follow(e.patches[0], e, kTramp), kText + 10);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].in.mnemonic, ZYDIS_MNEMONIC_CMP);
  EXPECT_EQ(std::memcmp(&e.trampolines[moved[0].addr - kTramp], &kPlainSite[4], 6), 0);
}

// ---- cpuid ----

const Bytes kCpuidSite = {
    0x31, 0xc0,                          // 401000: xor %eax, %eax
    0x0f, 0xa2,                          // 401002: cpuid
    0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff,  // 401004: cmp $-4095, %rax
    0xc3,                                // 40100a: ret
};

TEST(Rewriter, CpuidIsDisplacedIntoATrampolineThatReachesTheCpuidEntry) {
  const Analysis a = analyze_code(kCpuidSite, kText);
  const Site& s = only_site(a);
  EXPECT_TRUE(s.cpuid);
  ASSERT_EQ(s.kind, SiteKind::kDisplaced);
  EXPECT_EQ(s.syscall_vaddr, kText + 2);
  EXPECT_EQ(s.length, 8);
  // Counted apart from system call sites.
  EXPECT_EQ(a.counts.cpuid_patched, 1u);
  EXPECT_EQ(a.counts.total(), 0u);

  const Emitted e = emit_code(a, kCpuidSite.size());
  ASSERT_EQ(e.patches.size(), 1u);
  EXPECT_EQ(e.counts.cpuid_patched, 1u);
  const Decoded t = follow(e.patches[0], e, kTramp);
  // lea cont(%rip), %rbx; jmp *kFastCpuidEntry; cont: cmp; jmp back.
  ASSERT_EQ(t.insns.size(), 4u);
  EXPECT_EQ(t.insns[0].in.mnemonic, ZYDIS_MNEMONIC_LEA);
  EXPECT_EQ(t.insns[0].ops[0].reg.value, ZYDIS_REGISTER_RBX);
  EXPECT_EQ(t.insns[0].target(), t.insns[2].addr);
  EXPECT_EQ(t.fast_entry, abi::kFastCpuidEntry);
  EXPECT_EQ(t.insns[2].in.mnemonic, ZYDIS_MNEMONIC_CMP);
  EXPECT_EQ(t.insns[3].target(), kText + 10);
}

TEST(Rewriter, CpuidSitesSurviveTheCacheAndAreCheckedAgainstTheFile) {
  Bytes code = kCpuidSite;
  code.insert(code.end(), kPlainSite.begin(), kPlainSite.end());
  const Analysis a = analyze_code(code, kText);
  ASSERT_EQ(a.sites.size(), 2u);
  EXPECT_TRUE(a.sites[0].cpuid);
  EXPECT_FALSE(a.sites[1].cpuid);
  auto back = deserialize(serialize(a));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(back->sites[0].cpuid);
  EXPECT_FALSE(back->sites[1].cpuid);
  EXPECT_EQ(back->counts.cpuid_patched, 1u);
  EXPECT_TRUE(consistent(*back, code));
  // The same analysis over bytes where the cpuid became a syscall does not fit.
  Bytes other = code;
  other[3] = 0x05;
  EXPECT_FALSE(consistent(*back, other));
}

TEST(Rewriter, SyscallAtBranchTargetWithoutMov) {
  // A target at the syscall itself is the start of the patch: jumping there runs
  // the trampoline, which does what the original bytes did. Safe, so patched.
  const uint64_t at_syscall[] = {kText + 2};
  EXPECT_EQ(only_site(analyze_code(kPlainSite, kText, at_syscall)).kind, SiteKind::kDisplaced);
  // A target at the instruction after it would land in the int3 padding: skipped.
  const uint64_t after[] = {kText + 4};
  const Analysis a = analyze_code(kPlainSite, kText, after);
  EXPECT_EQ(only_site(a).kind, SiteKind::kSkipped);
  EXPECT_EQ(only_site(a).reason, SkipReason::kBranchTargetInside);
  EXPECT_EQ(a.counts.skipped[static_cast<size_t>(SkipReason::kBranchTargetInside)], 1u);
  EXPECT_TRUE(emit_code(a, kPlainSite.size()).patches.empty());
  // So would one in the middle of an instruction to displace.
  const uint64_t mid[] = {kText + 6};
  EXPECT_EQ(only_site(analyze_code(kPlainSite, kText, mid)).reason, SkipReason::kBranchTargetInside);
}

TEST(Rewriter, SyscallAtEndOfFunction) {
  const Bytes code = {
      0x89, 0xf8,  // 401000: mov %edi, %eax
      0x0f, 0x05,  // 401002: syscall
      0xc3,        // 401004: ret
      0x55,        // 401005: next_function: push %rbp
      0x48, 0x89, 0xe5,  //                  mov %rsp, %rbp
      0x5d, 0xc3,        //                  pop %rbp; ret
  };
  // With the next function's symbol: its first byte would be displaced.
  const uint64_t symbol[] = {kText + 5};
  const Analysis with_symbol = analyze_code(code, kText, symbol);
  EXPECT_EQ(only_site(with_symbol).reason, SkipReason::kBranchTargetInside);
  // Stripped: nothing says 401005 is a function, but it follows a ret.
  const Analysis stripped = analyze_code(code, kText);
  EXPECT_EQ(only_site(stripped).reason, SkipReason::kCrossesBlockEnd);
  // The code ends right after the ret.
  const Analysis at_end = analyze_code(std::span(code).first(5), kText);
  EXPECT_EQ(only_site(at_end).reason, SkipReason::kTooShortAtEnd);
}

TEST(Rewriter, SyscallRetThenAlignmentPaddingIsDisplaced) {
  const Bytes code = {
      0x89, 0xf8,        // 401000: mov %edi, %eax
      0x0f, 0x05,        // 401002: syscall
      0xc3,              // 401004: ret
      0x0f, 0x1f, 0x00,  // 401005: nopl (%rax)   (padding, not at a 16-byte boundary)
  };
  const Analysis a = analyze_code(code, kText);
  const Site& s = only_site(a);
  ASSERT_EQ(s.kind, SiteKind::kDisplaced);
  EXPECT_EQ(s.length, 6);
  const Emitted e = emit_code(a, code.size());
  ASSERT_EQ(e.patches.size(), 1u);
  const auto moved = expect_displaced_trampoline(follow(e.patches[0], e, kTramp), kText + 8);
  ASSERT_EQ(moved.size(), 2u);
  EXPECT_EQ(moved[0].in.mnemonic, ZYDIS_MNEMONIC_RET);
  EXPECT_EQ(moved[1].in.mnemonic, ZYDIS_MNEMONIC_NOP);
}

TEST(Rewriter, ShortBlockFollowedByRelativeBranchIsRelocated) {
  const Bytes code = {
      0x89, 0xf8,  // 401000: mov %edi, %eax
      0x0f, 0x05,  // 401002: syscall
      0x85, 0xc0,  // 401004: test %eax, %eax
      0x78, 0x10,  // 401006: js 401018
      0xc3,        // 401008: ret
      0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90,
      0xc3,  // 401018: ret
  };
  const Analysis a = analyze_code(code, kText);
  const Site& s = only_site(a);
  ASSERT_EQ(s.kind, SiteKind::kDisplaced);
  EXPECT_EQ(s.length, 6);
  // Mapped elsewhere than its link address (like a library): the branch must keep
  // reaching the same instruction of the mapping.
  const uint64_t map = 0x7fff'f000'0000, tramp = map + 0x100000;
  const Emitted e = emit(a, 0, code.size(), map, tramp, 4096);
  ASSERT_EQ(e.patches.size(), 1u);
  EXPECT_EQ(e.patches[0].addr, map + 2);
  const auto moved = expect_displaced_trampoline(follow(e.patches[0], e, tramp), map + 8);
  ASSERT_EQ(moved.size(), 2u);
  EXPECT_EQ(moved[0].in.mnemonic, ZYDIS_MNEMONIC_TEST);
  EXPECT_EQ(moved[1].in.mnemonic, ZYDIS_MNEMONIC_JS);
  EXPECT_EQ(moved[1].in.length, 6);  // re-encoded as jcc rel32
  EXPECT_EQ(moved[1].target(), map + 0x18);
}

TEST(Rewriter, RipRelativeInstructionIsRelocated) {
  const Bytes code = {
      0x89, 0xf8,                                // 401000: mov %edi, %eax
      0x0f, 0x05,                                // 401002: syscall
      0x48, 0x89, 0x05, 0xf5, 0x0f, 0x00, 0x00,  // 401004: mov %rax, 0xff5(%rip)  -> 402000
      0xc3,                                      // 40100b: ret
  };
  const Analysis a = analyze_code(code, kText);
  const Site& s = only_site(a);
  ASSERT_EQ(s.kind, SiteKind::kDisplaced);
  ASSERT_EQ(s.displaced.size(), 1u);
  EXPECT_EQ(s.displaced[0].fixup, DisplacedInsn::Fixup::kRipRelative);
  EXPECT_EQ(s.displaced[0].target, 0x402000u);
  const Emitted e = emit_code(a, code.size());
  ASSERT_EQ(e.patches.size(), 1u);
  EXPECT_EQ(e.patches[0].size, 9);
  const auto moved = expect_displaced_trampoline(follow(e.patches[0], e, kTramp), kText + 11);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].in.mnemonic, ZYDIS_MNEMONIC_MOV);
  EXPECT_EQ(moved[0].target(), 0x402000u);
  EXPECT_EQ(moved[0].ops[1].reg.value, ZYDIS_REGISTER_RAX);
}

TEST(Rewriter, InstructionsThatDependOnWhereTheyRunAreNotDisplaced) {
  const Bytes call = {
      0x89, 0xf8,                    // mov %edi, %eax
      0x0f, 0x05,                    // syscall
      0xe8, 0x00, 0x00, 0x00, 0x00,  // call .+5: would push the trampoline's address
  };
  EXPECT_EQ(only_site(analyze_code(call, kText)).reason, SkipReason::kNotRelocatable);
  const Bytes loop = {
      0x89, 0xf8,  // mov %edi, %eax
      0x0f, 0x05,  // syscall
      0xe3, 0x00,  // jrcxz .+2: rel8 only
      0xc3,
  };
  EXPECT_EQ(only_site(analyze_code(loop, kText)).reason, SkipReason::kNotRelocatable);
  const Bytes two = {
      0x89, 0xf8,  // mov %edi, %eax
      0x0f, 0x05,  // syscall
      0x0f, 0x05,  // syscall
      0xc3,
  };
  const Analysis a = analyze_code(two, kText);
  ASSERT_EQ(a.sites.size(), 2u);
  EXPECT_EQ(a.sites[0].reason, SkipReason::kNotRelocatable);
}

TEST(Rewriter, UndecodableBytesJustBeforeMakeASiteUncertain) {
  const Bytes code = {
      0x06,                          // (invalid in 64-bit mode)
      0xb8, 0x3c, 0x00, 0x00, 0x00,  // mov $60, %eax
      0x0f, 0x05,                    // syscall
      0xc3,
  };
  EXPECT_EQ(only_site(analyze_code(code, kText)).reason, SkipReason::kDecodeUncertain);
}

// ---- emit-time refusals ----

TEST(Rewriter, TrampolineOutOfRangeIsSkipped) {
  const Bytes code = {0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3};
  const Analysis a = analyze_code(code, kText);
  const Emitted far = emit_code(a, code.size(), kText + (4ull << 30));
  EXPECT_TRUE(far.patches.empty());
  EXPECT_TRUE(far.trampolines.empty());
  EXPECT_EQ(far.counts.skipped[static_cast<size_t>(SkipReason::kOutOfRange)], 1u);
  // Just within rel32 of the jump (which ends at 401005).
  const uint64_t edge = (kText + 5 + INT32_MAX) / kTrampolineAlign * kTrampolineAlign;
  EXPECT_EQ(emit_code(a, code.size(), edge).patches.size(), 1u);
}

TEST(Rewriter, RipRelativeTargetOutOfRangeOfTheTrampolineIsSkipped) {
  const uint64_t base = 0x1'0000'0000;
  const Bytes code = {
      0x89, 0xf8,                                // mov %edi, %eax
      0x0f, 0x05,                                // syscall
      0x48, 0x89, 0x05, 0x00, 0x00, 0x00, 0x90,  // mov %rax, -0x70000000(%rip)
      0xc3,
  };
  const Analysis a = analyze_code(code, base);
  ASSERT_EQ(only_site(a).kind, SiteKind::kDisplaced);
  // The trampoline is in reach of the site, but not of the data.
  const Emitted e = emit(a, 0, code.size(), base, base + 0x20000000, 4096);
  EXPECT_TRUE(e.patches.empty());
  EXPECT_EQ(e.counts.skipped[static_cast<size_t>(SkipReason::kOutOfRange)], 1u);
}

TEST(Rewriter, CapacityAndMappingLimits) {
  const Bytes code = {0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3};
  const Analysis a = analyze_code(code, kText);
  const Emitted full = emit_code(a, code.size(), kTramp, 16);
  EXPECT_TRUE(full.patches.empty());
  EXPECT_EQ(full.counts.skipped[static_cast<size_t>(SkipReason::kNoTrampolineSpace)], 1u);
  // Mapping [0, 4) holds the start of the mov only.
  const Emitted cut = emit(a, 0, 4, kText, kTramp, 4096);
  EXPECT_TRUE(cut.patches.empty());
  EXPECT_EQ(cut.counts.skipped[static_cast<size_t>(SkipReason::kCrossesMapping)], 1u);
  // A mapping that does not contain the site counts nothing.
  EXPECT_EQ(emit(a, 8, 100, kText, kTramp, 4096).counts.total(), 0u);
}

// ---- Minimal ELF files ----

struct Section {
  std::string name;
  uint32_t type = SHT_PROGBITS;
  uint64_t flags = SHF_ALLOC;
  uint64_t addr = 0;
  Bytes data;
  uint32_t link = 0;
  uint64_t entsize = 0;
};

// ehdr | phdrs (one PT_LOAD per SHF_ALLOC section) | section contents, each at a
// page offset matching its address | .shstrtab | section headers.
Bytes build_elf(const std::vector<Section>& sections, uint64_t entry, uint16_t type = ET_EXEC) {
  std::vector<Elf64_Phdr> phdrs;
  for (const Section& s : sections)
    if (s.flags & SHF_ALLOC) phdrs.push_back({});
  Bytes file(sizeof(Elf64_Ehdr) + phdrs.size() * sizeof(Elf64_Phdr), 0);
  std::vector<Elf64_Shdr> shdrs(1);
  std::string shstrtab(1, '\0');
  size_t ph = 0;
  for (const Section& s : sections) {
    uint64_t off = file.size();
    if (s.flags & SHF_ALLOC) off = (off + 0xfff) / 0x1000 * 0x1000 + s.addr % 0x1000;
    file.resize(off, 0);
    file.insert(file.end(), s.data.begin(), s.data.end());
    Elf64_Shdr sh{};
    sh.sh_name = static_cast<uint32_t>(shstrtab.size());
    shstrtab += s.name + '\0';
    sh.sh_type = s.type;
    sh.sh_flags = s.flags;
    sh.sh_addr = s.addr;
    sh.sh_offset = off;
    sh.sh_size = s.data.size();
    sh.sh_link = s.link;
    sh.sh_entsize = s.entsize;
    sh.sh_addralign = 1;
    shdrs.push_back(sh);
    if (s.flags & SHF_ALLOC) {
      Elf64_Phdr& p = phdrs[ph++];
      p.p_type = PT_LOAD;
      p.p_flags = PF_R | ((s.flags & SHF_EXECINSTR) ? PF_X : 0) | ((s.flags & SHF_WRITE) ? PF_W : 0);
      p.p_offset = off;
      p.p_vaddr = p.p_paddr = s.addr;
      p.p_filesz = p.p_memsz = s.data.size();
      p.p_align = 0x1000;
    }
  }
  Elf64_Shdr names{};
  names.sh_name = static_cast<uint32_t>(shstrtab.size());
  shstrtab += std::string(".shstrtab") + '\0';
  names.sh_type = SHT_STRTAB;
  names.sh_offset = file.size();
  names.sh_size = shstrtab.size();
  file.insert(file.end(), shstrtab.begin(), shstrtab.end());
  shdrs.push_back(names);
  file.resize((file.size() + 7) / 8 * 8, 0);

  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = type;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_entry = entry;
  eh.e_phoff = sizeof(Elf64_Ehdr);
  eh.e_shoff = file.size();
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = static_cast<uint16_t>(phdrs.size());
  eh.e_shentsize = sizeof(Elf64_Shdr);
  eh.e_shnum = static_cast<uint16_t>(shdrs.size());
  eh.e_shstrndx = static_cast<uint16_t>(shdrs.size() - 1);
  const auto* sp = reinterpret_cast<const uint8_t*>(shdrs.data());
  file.insert(file.end(), sp, sp + shdrs.size() * sizeof(Elf64_Shdr));
  std::memcpy(file.data(), &eh, sizeof eh);
  std::memcpy(file.data() + sizeof eh, phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr));
  return file;
}

Bytes le32s(std::initializer_list<int32_t> values) {
  Bytes out;
  for (int32_t v : values)
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(static_cast<uint32_t>(v) >> (8 * i)));
  return out;
}

// A switch through a relative jump table in .rodata; case 0 is a syscall site.
Bytes jump_table_elf(int32_t second_case) {
  const Bytes text = {
      0x48, 0x8d, 0x05, 0xf9, 0x0f, 0x00, 0x00,  // 401000: lea 0x402000(%rip), %rax
      0x48, 0x63, 0x0c, 0xb8,                    // 401007: movslq (%rax,%rdi,4), %rcx
      0x48, 0x01, 0xc8,                          // 40100b: add %rcx, %rax
      0xff, 0xe0,                                // 40100e: jmp *%rax
      0x89, 0xf0,                                // 401010: case 0: mov %esi, %eax
      0x0f, 0x05,                                // 401012: syscall
      0x31, 0xc0,                                // 401014: xor %eax, %eax
      0xc3,                                      // 401016: ret
  };
  const Bytes rodata = le32s({0x401010 - 0x402000, second_case - 0x402000, 0x40000000});
  return build_elf({{.name = ".text", .flags = SHF_ALLOC | SHF_EXECINSTR, .addr = 0x401000, .data = text},
                    {.name = ".rodata", .addr = 0x402000, .data = rodata}},
                   0x401000);
}

TEST(Rewriter, SyscallInsideJumpTableRegionIsSkipped) {
  // Both cases jump to 401010: the region 401012..401017 has no target inside.
  auto plain = analyze(jump_table_elf(0x401010));
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(only_site(*plain).kind, SiteKind::kDisplaced);
  // Case 1 jumps to the xor after the syscall: found through the table only.
  auto inside = analyze(jump_table_elf(0x401014));
  ASSERT_TRUE(inside.ok()) << inside.error().message;
  EXPECT_EQ(only_site(*inside).kind, SiteKind::kSkipped);
  EXPECT_EQ(only_site(*inside).reason, SkipReason::kBranchTargetInside);
}

TEST(Rewriter, SymbolsOfTheElfAreBranchTargets) {
  const Bytes text = {
      0x89, 0xf8,                          // 401000: mov %edi, %eax
      0x0f, 0x05,                          // 401002: syscall
      0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff,  // 401004: cmp $-4095, %rax   <- symbol "inner"
      0xc3,                                // 40100a: ret
  };
  Elf64_Sym sym[2] = {};
  sym[1].st_name = 1;
  sym[1].st_info = ELF64_ST_INFO(STB_LOCAL, STT_FUNC);
  sym[1].st_shndx = 1;
  sym[1].st_value = 0x401004;
  Bytes symtab(sizeof sym);
  std::memcpy(symtab.data(), sym, sizeof sym);
  const std::string names = std::string("\0inner\0", 7);
  const Bytes elf = build_elf({{.name = ".text", .flags = SHF_ALLOC | SHF_EXECINSTR, .addr = 0x401000, .data = text},
                               {.name = ".symtab", .type = SHT_SYMTAB, .flags = 0, .data = symtab, .link = 3,
                                .entsize = sizeof(Elf64_Sym)},
                               {.name = ".strtab", .type = SHT_STRTAB, .flags = 0, .data = Bytes(names.begin(), names.end())}},
                              0x401000);
  auto a = analyze(elf);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(only_site(*a).reason, SkipReason::kBranchTargetInside);
  EXPECT_EQ(a->hash, sha256(elf));
}

TEST(Rewriter, MalformedElfIsRejected) {
  const Bytes good = jump_table_elf(0x401010);
  ASSERT_TRUE(analyze(good).ok());
  auto expect_rejected = [](const Bytes& file, const char* what) {
    auto r = analyze(file);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, ExitCode::kCannotExecute) << what;
    EXPECT_FALSE(r.error().message.empty());
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  };
  auto patched = [&](size_t offset, std::initializer_list<uint8_t> bytes) {
    Bytes f = good;
    std::copy(bytes.begin(), bytes.end(), f.begin() + offset);
    return f;
  };
  auto with_ehdr = [&](auto change) {
    Bytes f = good;
    Elf64_Ehdr eh;
    std::memcpy(&eh, f.data(), sizeof eh);
    change(eh);
    std::memcpy(f.data(), &eh, sizeof eh);
    return f;
  };
  expect_rejected({}, "empty");
  expect_rejected(Bytes(good.begin(), good.begin() + 40), "truncated header");
  expect_rejected(patched(0, {0x7f, 'E', 'L', 'G'}), "magic");
  expect_rejected(patched(EI_CLASS, {ELFCLASS32}), "32-bit");
  expect_rejected(patched(EI_DATA, {ELFDATA2MSB}), "big-endian");
  expect_rejected(with_ehdr([](Elf64_Ehdr& e) { e.e_machine = EM_AARCH64; }), "machine");
  expect_rejected(with_ehdr([](Elf64_Ehdr& e) { e.e_type = ET_REL; }), "type");
  expect_rejected(with_ehdr([](Elf64_Ehdr& e) { e.e_phoff = ~0ull - 8; }), "phoff overflow");
  expect_rejected(with_ehdr([](Elf64_Ehdr& e) { e.e_phnum = 0xffff; }), "phnum");
  expect_rejected(with_ehdr([](Elf64_Ehdr& e) { e.e_phentsize = 32; }), "phentsize");
  expect_rejected(with_ehdr([](Elf64_Ehdr& e) { e.e_shoff = 1ull << 40; }), "shoff");
  expect_rejected(with_ehdr([](Elf64_Ehdr& e) { e.e_shnum = 0xfff0; }), "shnum");
  expect_rejected(with_ehdr([](Elf64_Ehdr& e) { e.e_shentsize = 40; }), "shentsize");
  {
    Bytes f = good;  // .text's sh_size far past the end of the file
    Elf64_Ehdr eh;
    std::memcpy(&eh, f.data(), sizeof eh);
    Elf64_Shdr sh;
    std::memcpy(&sh, f.data() + eh.e_shoff + sizeof sh, sizeof sh);
    sh.sh_size = ~0ull;
    std::memcpy(f.data() + eh.e_shoff + sizeof sh, &sh, sizeof sh);
    expect_rejected(f, "section size");
  }
  {
    Bytes f = good;  // PT_LOAD filesz > memsz, then past the end of the file
    Elf64_Phdr ph;
    std::memcpy(&ph, f.data() + sizeof(Elf64_Ehdr), sizeof ph);
    ph.p_filesz = ph.p_memsz + 1;
    std::memcpy(f.data() + sizeof(Elf64_Ehdr), &ph, sizeof ph);
    expect_rejected(f, "filesz > memsz");
    ph.p_memsz = ph.p_filesz = 1ull << 40;
    std::memcpy(f.data() + sizeof(Elf64_Ehdr), &ph, sizeof ph);
    expect_rejected(f, "load past end");
  }
}

TEST(Rewriter, RandomlyCorruptedElfNeverCrashes) {
  const Bytes good = jump_table_elf(0x401014);
  std::mt19937_64 rng(6);
  for (int round = 0; round < 3000; ++round) {
    Bytes f = good;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < flips; ++i) {
      // Mostly the headers and tables, where the pointers are.
      const size_t at = rng() % 2 ? rng() % 0x200 : rng() % f.size();
      f[at] = static_cast<uint8_t>(rng());
    }
    if (rng() % 8 == 0) f.resize(rng() % f.size());
    auto r = analyze(f);
    if (r.ok()) {
      const Emitted e = emit(*r, 0, f.size(), 0x400000, 0x600000, 1 << 16);
      EXPECT_LE(e.trampolines.size(), 1u << 16);
    }
  }
}

// ---- SHA-256 and the analysis cache ----

TEST(Rewriter, Sha256KnownAnswers) {
  EXPECT_EQ(to_hex(sha256({})), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string abc = "abc";
  EXPECT_EQ(to_hex(sha256({reinterpret_cast<const uint8_t*>(abc.data()), abc.size()})),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(to_hex(sha256({reinterpret_cast<const uint8_t*>(two.data()), two.size()})),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // Fed in odd pieces, the same as at once; with and without the SHA extensions.
  Bytes million(1000000, 'a');
  for (bool sha_ni : {true, false}) {
    Sha256 h(sha_ni);
    for (size_t pos = 0, step = 1; pos < million.size(); pos += step, step = step * 3 % 1000 + 1)
      h.update(std::span(million).subspan(pos, std::min(step, million.size() - pos)));
    EXPECT_EQ(to_hex(h.finish()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0") << sha_ni;
  }
  std::mt19937_64 rng(256);
  for (size_t n : {55, 56, 63, 64, 65, 119, 120, 1000, 4099}) {
    Bytes data(n);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    Sha256 fast(true), portable(false);
    fast.update(data);
    portable.update(data);
    EXPECT_EQ(fast.finish(), portable.finish()) << n;
  }
}

Analysis sample_analysis() {
  Bytes code = kPlainSite;
  code.insert(code.end(), {0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xc3});
  code.insert(code.end(), {0x89, 0xf8, 0x0f, 0x05, 0x31, 0xc0, 0xc3});
  const uint64_t after[] = {kText + 0x17};  // the xor after the third syscall
  return analyze_code(code, kText, after);
}

TEST(Rewriter, AnalysisSerializationRoundTripsAndDetectsCorruption) {
  const Analysis a = sample_analysis();
  ASSERT_EQ(a.sites.size(), 3u);
  const Bytes bytes = serialize(a);
  auto back = deserialize(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(serialize(*back), bytes);
  EXPECT_EQ(back->counts.mov_imm, a.counts.mov_imm);
  EXPECT_EQ(back->counts.displaced, a.counts.displaced);
  EXPECT_EQ(back->counts.skipped_total(), a.counts.skipped_total());
  const Emitted e1 = emit(a, 0, 100, kText, kTramp, 4096), e2 = emit(*back, 0, 100, kText, kTramp, 4096);
  EXPECT_EQ(e1.trampolines, e2.trampolines);

  for (size_t i = 0; i < bytes.size(); i += 7) {
    Bytes bad = bytes;
    bad[i] ^= 0x40;
    EXPECT_FALSE(deserialize(bad).ok()) << "flipped byte " << i;
  }
  for (size_t n : {size_t{0}, size_t{10}, bytes.size() / 2, bytes.size() - 1})
    EXPECT_FALSE(deserialize(std::span(bytes).first(n)).ok()) << "truncated to " << n;
}

struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/burrow-rewriter-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

TEST(Rewriter, CacheKeepsAnalysesInMemoryAndOnDisk) {
  TempDir dir;
  const Bytes elf = jump_table_elf(0x401010);
  {
    AnalysisCache cache(dir.path);
    auto first = cache.get(elf);
    ASSERT_TRUE(first.ok());
    auto second = cache.get(elf);
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(first->get(), second->get());
    EXPECT_EQ(cache.stats().analyzed, 1u);
    EXPECT_EQ(cache.stats().memory_hits, 1u);
  }
  const auto file = dir.path / (to_hex(sha256(elf)) + ".v" + std::to_string(kAnalysisFormatVersion));
  ASSERT_TRUE(std::filesystem::exists(file));
  {
    AnalysisCache cache(dir.path);  // a new run
    auto a = cache.get(elf);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(cache.stats().disk_hits, 1u);
    EXPECT_EQ(cache.stats().analyzed, 0u);
    EXPECT_EQ((*a)->sites.size(), 1u);
  }
  {
    std::filesystem::resize_file(file, std::filesystem::file_size(file) - 3);  // torn write
    AnalysisCache cache(dir.path);
    auto a = cache.get(elf);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(cache.stats().disk_errors, 1u);
    EXPECT_EQ(cache.stats().analyzed, 1u);
    EXPECT_EQ((*a)->sites.size(), 1u);
  }
  {
    AnalysisCache cache(dir.path);  // and it was rewritten whole
    ASSERT_TRUE(cache.get(elf).ok());
    EXPECT_EQ(cache.stats().disk_hits, 1u);
  }
  AnalysisCache memory_only;
  EXPECT_FALSE(memory_only.get(Bytes{1, 2, 3}).ok());
}

TEST(Rewriter, CacheFindsKnownFilesByIdentityButChecksTheirBytes) {
  TempDir dir;
  const Bytes elf = jump_table_elf(0x401010);
  const FileIdentity id{1, 2, elf.size(), 3, 4};
  {
    AnalysisCache cache(dir.path);
    ASSERT_TRUE(cache.get(elf, &id).ok());
  }
  {
    AnalysisCache cache(dir.path);  // a new run: no hashing
    ASSERT_TRUE(cache.get(elf, &id).ok());
    EXPECT_EQ(cache.stats().identity_hits, 1u);
  }
  {
    // The same identity on different bytes (a file changed behind the identity's
    // back): the analysis does not describe them, so it is hashed and analysed anew.
    Bytes other = elf;
    auto sites = analyze(elf);
    ASSERT_TRUE(sites.ok());
    ASSERT_FALSE(sites->sites.empty());
    other[sites->sites[0].offset] ^= 0xFF;
    EXPECT_FALSE(consistent(*sites, other));
    EXPECT_TRUE(consistent(*sites, elf));
    AnalysisCache cache(dir.path);
    auto a = cache.get(other, &id);
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(cache.stats().identity_hits, 0u);
    EXPECT_EQ((*a)->hash, sha256(other));
  }
}

TEST(Rewriter, CacheRefusesADirectoryOthersMayWrite) {
  TempDir dir;
  const Bytes elf = jump_table_elf(0x401010);
  std::filesystem::permissions(dir.path, std::filesystem::perms::all);  // 0777
  {
    AnalysisCache cache(dir.path);
    ASSERT_TRUE(cache.get(elf).ok());
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path)) << "nothing is written into a world-writable cache";
  // A missing cache directory is made private.
  const auto fresh = dir.path / "a" / "b";
  std::filesystem::permissions(dir.path, std::filesystem::perms::owner_all);
  {
    AnalysisCache cache(fresh);
    ASSERT_TRUE(cache.get(elf).ok());
  }
  EXPECT_EQ(std::filesystem::status(fresh).permissions(), std::filesystem::perms::owner_all);
  EXPECT_FALSE(std::filesystem::is_empty(fresh));
  // A private directory under one others may write (and rename in) is refused too.
  const auto under_open = dir.path / "open" / "cache";
  std::filesystem::create_directories(under_open);
  std::filesystem::permissions(dir.path / "open", std::filesystem::perms::all);  // 0777, not sticky
  std::filesystem::permissions(under_open, std::filesystem::perms::owner_all);
  {
    AnalysisCache cache(under_open);
    ASSERT_TRUE(cache.get(elf).ok());
  }
  EXPECT_TRUE(std::filesystem::is_empty(under_open));
}

// ---- Real binaries ----

// Emits every executable PT_LOAD of `file` as a loader would map it at `bias`, with
// trampolines in the arena above the mmap area; checks every patch and trampoline.
SiteCounts emit_and_check(const Analysis& a, const Bytes& file, uint64_t bias) {
  auto image = loader::parse_elf(file);
  EXPECT_TRUE(image.ok());
  SiteCounts counts;
  if (!image.ok()) return counts;
  uint64_t tramp = abi::kTrampolineArena;
  for (const auto& seg : image->loads) {
    if (!(seg.flags & PF_X)) continue;
    const Emitted e = emit(a, seg.offset, seg.filesz, bias + seg.vaddr, tramp, abi::kTrampolineArenaSize);
    counts += e.counts;
    EXPECT_EQ(e.patches.size(), e.counts.patched());
    uint64_t prev_end = 0;
    for (const Patch& p : e.patches) {
      EXPECT_GE(p.addr, prev_end);
      prev_end = p.addr + p.size;
      const Bytes original(file.begin() + seg.offset + (p.addr - bias - seg.vaddr),
                           file.begin() + seg.offset + (p.addr - bias - seg.vaddr) + p.size);
      const Decoded t = follow(p, e, tramp);
      if (original[0] == 0xb8) {
        uint32_t nr;
        std::memcpy(&nr, &original[1], 4);
        EXPECT_EQ(p.size, 5);
        expect_mov_imm_trampoline(t, p.addr + 7, nr);
      } else {
        EXPECT_EQ(original[0], 0x0f);
        EXPECT_EQ(original[1], 0x05);
        expect_displaced_trampoline(t, p.addr + p.size);
      }
      if (::testing::Test::HasFailure()) return counts;
    }
    tramp += (e.trampolines.size() + 4095) / 4096 * 4096;
  }
  return counts;
}

TEST(Rewriter, LibcHasManyMovImmSitesAndEveryPatchJumpsToItsTrampoline) {
  const Bytes libc = read_file("/lib/x86_64-linux-gnu/libc.so.6");
  if (libc.empty()) GTEST_SKIP() << "no /lib/x86_64-linux-gnu/libc.so.6";
  auto a = analyze(libc);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_GT(a->counts.mov_imm, 400u);  // Debian 12's glibc 2.36: 436
  EXPECT_GT(a->counts.patched(), a->counts.total() * 9 / 10);
  // Where ld.so would put it: just below the trampoline arena.
  const SiteCounts emitted = emit_and_check(*a, libc, abi::kTrampolineArena - (16ull << 20));
  EXPECT_EQ(emitted.patched(), a->counts.patched());
}

TEST(Rewriter, BusyboxSitesAreEmittedAndChecked) {
  const Bytes busybox = read_file("/usr/bin/busybox");
  if (busybox.empty()) GTEST_SKIP() << "no /usr/bin/busybox (Debian: busybox-static)";
  auto a = analyze(busybox);
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_GT(a->counts.patched(), 0u);
  // Trampolines in the arena are out of rel32 range of a non-PIE binary at 4 MiB.
  auto image = loader::parse_elf(busybox);
  ASSERT_TRUE(image.ok());
  if (image->type == ET_EXEC) {
    for (const auto& seg : image->loads)
      if (seg.flags & PF_X)
        EXPECT_EQ(emit(*a, seg.offset, seg.filesz, seg.vaddr, abi::kTrampolineArena, 1 << 20).patches.size(), 0u);
  }
}

// ---- burrow rewrite ----

std::vector<std::string> static_programs() {
  std::vector<std::string> out;
  for (const char* name : {"hello", "fs_basic", "mem_map"})
    for (const char* variant : {"glibc", "musl", "pie"}) {
      const std::string path = std::string(BURROW_SOURCE_DIR) + "/tests/programs/" + name + "-static-" + variant;
      if (::access(path.c_str(), R_OK) == 0) out.push_back(path);
    }
  if (::access("/usr/bin/busybox", R_OK) == 0) out.push_back("/usr/bin/busybox");
  return out;
}

TEST(Rewriter, StaticRewriteAddsATrampolineSegmentTheLoaderAccepts) {
  const auto programs = static_programs();
  if (programs.empty()) GTEST_SKIP() << "test programs not built";
  for (const std::string& path : programs) {
    SCOPED_TRACE(path);
    const Bytes in = read_file(path);
    auto r = rewrite_static_elf(in);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_GT(r->counts.patched(), 0u);
    EXPECT_EQ(r->counts.total(), r->analysis.counts.total());
    EXPECT_TRUE(is_rewritten(r->file));
    EXPECT_FALSE(is_rewritten(in));

    auto before = loader::parse_elf(in);
    auto after = loader::parse_elf(r->file);
    ASSERT_TRUE(after.ok()) << after.error().message;
    EXPECT_EQ(after->loads.size(), before->loads.size() + 1);
    const auto& seg = after->loads.back();
    EXPECT_EQ(seg.vaddr, r->segment_vaddr);
    EXPECT_EQ(seg.flags, uint32_t{PF_R | PF_X});
    EXPECT_EQ(seg.vaddr % abi::kPageSize, 0u);
    EXPECT_GE(seg.vaddr, before->max_vaddr);
    EXPECT_EQ(after->entry, before->entry);
    EXPECT_TRUE(after->interp == std::nullopt);
    // AT_PHDR will point at the moved table, inside the new segment.
    EXPECT_GE(after->phdr_vaddr, seg.vaddr);
    EXPECT_LT(after->phdr_vaddr, seg.vaddr + seg.memsz);
    EXPECT_EQ(after->phnum, before->phnum + 1);

    // Only patch regions changed inside the original bytes (plus the ELF header).
    size_t changed = 0;
    for (size_t i = sizeof(Elf64_Ehdr); i < in.size(); ++i) changed += in[i] != r->file[i];
    EXPECT_LE(changed, r->counts.patched() * 16);
    EXPECT_GT(changed, 0u);
    // Rewriting the result again is refused.
    auto again = rewrite_static_elf(r->file);
    ASSERT_FALSE(again.ok());
    EXPECT_NE(again.error().message.find("already rewritten"), std::string::npos);
  }
}

TEST(Rewriter, StaticRewriteRefusesWhatItCannotRewrite) {
  for (const char* path : {"/usr/bin/ls", "/lib/x86_64-linux-gnu/libc.so.6"}) {
    const Bytes dynamic = read_file(path);
    if (dynamic.empty()) continue;
    auto r = rewrite_static_elf(dynamic);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.error().code, ExitCode::kCannotExecute);
    EXPECT_NE(r.error().message.find("PT_INTERP"), std::string::npos) << r.error().message;
  }
  const Bytes libm = read_file("/lib/x86_64-linux-gnu/libm.so.6");
  if (!libm.empty()) {
    auto r = rewrite_static_elf(libm);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("shared library"), std::string::npos) << r.error().message;
  }
  EXPECT_FALSE(rewrite_static_elf(Bytes{0x7f, 'E', 'L', 'F'}).ok());
}

TEST(Rewriter, StaticRewriteFileIsAtomicAndNeverClobbersTheInput) {
  const auto programs = static_programs();
  if (programs.empty()) GTEST_SKIP() << "test programs not built";
  TempDir dir;
  const auto in = dir.path / "prog";
  std::filesystem::copy_file(programs.front(), in);
  ::chmod(in.c_str(), 0750);
  const Bytes original = read_file(in);

  auto same = rewrite_static_elf_file(in, in);
  ASSERT_FALSE(same.ok());
  const auto link = dir.path / "alias";
  std::filesystem::create_hard_link(in, link);
  EXPECT_FALSE(rewrite_static_elf_file(in, link).ok());
  EXPECT_EQ(read_file(in), original);

  const auto out = dir.path / "prog.fast";
  auto r = rewrite_static_elf_file(in, out);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(read_file(out), r->file);
  struct stat st;
  ASSERT_EQ(::stat(out.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0750u);
  EXPECT_EQ(read_file(in), original);
  // No temporary file left behind.
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) entries += e.exists();
  EXPECT_EQ(entries, 3u);

  auto missing = rewrite_static_elf_file(dir.path / "nope", dir.path / "out");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ExitCode::kNotFound);
}

}  // namespace
}  // namespace burrow::rewrite
