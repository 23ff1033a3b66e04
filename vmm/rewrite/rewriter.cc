// analyze(): linear sweep of the executable code with Zydis, branch-target
// collection, and per-site classification. emit(): patch bytes and trampolines.
//
// What counts as a branch target is deliberately generous: a spurious target only
// costs a Displaced site (it stays on the trapped path); a missed one could let the
// program jump into the middle of a patch. Known targets: direct jmp/jcc/call
// targets, return addresses, symbols, relocation targets. Guessed targets, kept only
// where the sweep decoded an instruction start (real code pointers always land on
// one; random data mostly does not): relative jump-table entries, code addresses
// taken with a RIP-relative lea/mov, and, in position-dependent executables,
// absolute immediates and 8-byte data words that point into code.
#include "rewrite/rewriter.h"

#include <Zydis/Zydis.h>

#include <algorithm>
#include <cstring>

#include "burrow/abi/layout.h"
#include "rewrite/elf_file.h"

#ifndef SHT_RELR
#define SHT_RELR 19
#endif
#ifndef DT_RELR
#define DT_RELR 36
#define DT_RELRSZ 35
#endif

namespace burrow::rewrite {

const char* to_string(SiteKind kind) {
  switch (kind) {
    case SiteKind::kMovImm: return "mov-imm";
    case SiteKind::kDisplaced: return "displaced";
    case SiteKind::kSkipped: return "skipped";
  }
  return "?";
}

const char* to_string(SkipReason reason) {
  switch (reason) {
    case SkipReason::kNone: return "none";
    case SkipReason::kBranchTargetInside: return "branch target inside";
    case SkipReason::kNotRelocatable: return "not relocatable";
    case SkipReason::kTooShortAtEnd: return "too short at end of code";
    case SkipReason::kCrossesBlockEnd: return "would displace past jmp/ret";
    case SkipReason::kDecodeUncertain: return "after undecodable bytes";
    case SkipReason::kOverlapsSite: return "overlaps another site";
    case SkipReason::kOutOfRange: return "out of rel32 range";
    case SkipReason::kNoTrampolineSpace: return "no trampoline space";
    case SkipReason::kCrossesMapping: return "crosses the mapping's end";
    case SkipReason::kCount: break;
  }
  return "?";
}

void SiteCounts::add(SiteKind kind, SkipReason reason, bool cpuid) {
  if (cpuid) {
    ++(kind == SiteKind::kSkipped ? cpuid_skipped : cpuid_patched);
    return;
  }
  switch (kind) {
    case SiteKind::kMovImm: ++mov_imm; break;
    case SiteKind::kDisplaced: ++displaced; break;
    case SiteKind::kSkipped: ++skipped[static_cast<size_t>(reason)]; break;
  }
}

uint64_t SiteCounts::skipped_total() const {
  uint64_t n = 0;
  for (uint64_t c : skipped) n += c;
  return n;
}

SiteCounts& SiteCounts::operator+=(const SiteCounts& other) {
  mov_imm += other.mov_imm;
  displaced += other.displaced;
  cpuid_patched += other.cpuid_patched;
  cpuid_skipped += other.cpuid_skipped;
  for (size_t i = 0; i < kSkipReasonCount; ++i) skipped[i] += other.skipped[i];
  return *this;
}

namespace {

constexpr uint8_t kJmpRel32 = 0xE9;
constexpr uint8_t kInt3 = 0xCC;
constexpr uint8_t kMovEaxImm32 = 0xB8;
constexpr size_t kPatchSize = 5;   // jmp rel32
constexpr size_t kMaxRegion = 16;  // Patch::data
// A site this close after bytes the sweep could not decode may sit on a wrong
// instruction boundary.
constexpr uint64_t kUncertainWindow = 32;
constexpr uint64_t kMaxJumpTableEntries = 1u << 16;

struct CodeRange {
  uint64_t vaddr;
  uint64_t offset;
  std::span<const uint8_t> bytes;
  std::vector<bool> starts;  // instruction starts found by the sweep
  uint64_t end() const { return vaddr + bytes.size(); }
};

struct DataRange {
  uint64_t vaddr;
  std::span<const uint8_t> bytes;
};

struct Candidate {
  size_t range;
  uint64_t pos;  // of the syscall, inside its range
  uint8_t length;
  bool mov_before;  // the contiguous instruction before is `b8 imm32`
  uint32_t imm;
  bool uncertain;
  bool cpuid;  // a cpuid, not a syscall
};

bool is_rip_relative(const ZydisDecodedInstruction& in) {
  return (in.attributes & ZYDIS_ATTRIB_HAS_MODRM) && in.raw.modrm.mod == 0 && in.raw.modrm.rm == 5 &&
         in.address_width == 64;
}

bool is_unconditional_end(const ZydisDecodedInstruction& in) {
  return in.meta.category == ZYDIS_CATEGORY_UNCOND_BR || in.meta.category == ZYDIS_CATEGORY_RET ||
         in.mnemonic == ZYDIS_MNEMONIC_UD2 || in.mnemonic == ZYDIS_MNEMONIC_HLT ||
         in.mnemonic == ZYDIS_MNEMONIC_JMP;
}

bool is_padding(const ZydisDecodedInstruction& in) {
  return in.mnemonic == ZYDIS_MNEMONIC_NOP || in.mnemonic == ZYDIS_MNEMONIC_INT3;
}

// Whether `in` can run at another address with the same effect, and how to fix it
// up. Calls are refused: they would push the trampoline's address.
std::optional<DisplacedInsn> relocatable(const ZydisDecodedInstruction& in, const ZydisDecodedOperand* ops,
                                         const uint8_t* bytes, uint64_t addr) {
  switch (in.meta.category) {
    case ZYDIS_CATEGORY_CALL:
    case ZYDIS_CATEGORY_SYSCALL:
    case ZYDIS_CATEGORY_SYSRET:
    case ZYDIS_CATEGORY_INTERRUPT:
    case ZYDIS_CATEGORY_SYSTEM:
      return std::nullopt;
    default:
      break;
  }
  if (in.mnemonic == ZYDIS_MNEMONIC_UD0 || in.mnemonic == ZYDIS_MNEMONIC_UD1 || in.mnemonic == ZYDIS_MNEMONIC_UD2 ||
      in.mnemonic == ZYDIS_MNEMONIC_HLT)
    return std::nullopt;

  DisplacedInsn d;
  d.vaddr = addr;
  d.length = in.length;
  std::memcpy(d.bytes.data(), bytes, in.length);
  const uint64_t next = addr + in.length;

  // (ZYDIS_ATTRIB_IS_RELATIVE also marks RIP-relative memory operands.)
  if (in.raw.imm[0].is_relative || in.raw.imm[1].is_relative) {
    // Only plain jmp/jcc (bnd, branch-hint and REX prefixes are dropped when re-encoded).
    for (size_t i = 0; i < in.raw.prefix_count; ++i) {
      const uint8_t p = in.raw.prefixes[i].value;
      if (p != 0xF2 && p != 0x2E && p != 0x3E && (p & 0xF0) != 0x40) return std::nullopt;
    }
    if (!in.raw.imm[0].is_relative) return std::nullopt;
    d.target = next + static_cast<uint64_t>(in.raw.imm[0].value.s);
    const bool legacy = in.encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY;
    if (legacy && in.mnemonic == ZYDIS_MNEMONIC_JMP && in.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT &&
        (in.opcode == 0xEB || in.opcode == 0xE9)) {
      d.fixup = DisplacedInsn::Fixup::kJmp;
      return d;
    }
    const bool jcc8 = in.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && (in.opcode & 0xF0) == 0x70;
    const bool jcc32 = in.opcode_map == ZYDIS_OPCODE_MAP_0F && (in.opcode & 0xF0) == 0x80;
    if (legacy && in.meta.category == ZYDIS_CATEGORY_COND_BR && (jcc8 || jcc32)) {
      d.fixup = DisplacedInsn::Fixup::kJcc;
      d.cond = in.opcode & 0x0F;
      return d;
    }
    return std::nullopt;  // loop, jrcxz, xbegin, ...: rel8-only or with side effects
  }

  const bool control = in.meta.category == ZYDIS_CATEGORY_UNCOND_BR || in.meta.category == ZYDIS_CATEGORY_RET;
  for (size_t i = 0; i < in.operand_count; ++i) {
    const ZydisDecodedOperand& op = ops[i];
    if (op.type == ZYDIS_OPERAND_TYPE_MEMORY) {
      if (op.mem.base == ZYDIS_REGISTER_RIP && op.mem.index == ZYDIS_REGISTER_NONE) {
        if (in.raw.disp.size != 32 || d.fixup != DisplacedInsn::Fixup::kNone) return std::nullopt;
        d.fixup = DisplacedInsn::Fixup::kRipRelative;
        d.disp_offset = in.raw.disp.offset;
        d.target = next + static_cast<uint64_t>(in.raw.disp.value);
      } else if (op.mem.base == ZYDIS_REGISTER_RIP || op.mem.base == ZYDIS_REGISTER_EIP ||
                 op.mem.index == ZYDIS_REGISTER_RIP || op.mem.index == ZYDIS_REGISTER_EIP) {
        return std::nullopt;
      }
    } else if (op.type == ZYDIS_OPERAND_TYPE_REGISTER &&
               (op.reg.value == ZYDIS_REGISTER_RIP || op.reg.value == ZYDIS_REGISTER_EIP ||
                op.reg.value == ZYDIS_REGISTER_IP)) {
      // An indirect jmp or a ret writes RIP wherever it runs; anything else that
      // names RIP depends on where it is.
      if (!control) return std::nullopt;
    }
  }
  if (d.fixup == DisplacedInsn::Fixup::kNone && is_rip_relative(in)) return std::nullopt;  // disagreeing decode
  return d;
}

class Analyzer {
 public:
  explicit Analyzer(bool absolute_addresses) : absolute_(absolute_addresses) {
    ZydisDecoderInit(&decoder_, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  }

  void add_code(uint64_t vaddr, uint64_t offset, std::span<const uint8_t> bytes) {
    uint64_t end;
    if (bytes.empty() || __builtin_add_overflow(vaddr, bytes.size(), &end)) return;
    code_.push_back({vaddr, offset, bytes, {}});
  }
  void add_data(uint64_t vaddr, std::span<const uint8_t> bytes) {
    uint64_t end;
    if (bytes.empty() || __builtin_add_overflow(vaddr, bytes.size(), &end)) return;
    data_.push_back({vaddr, bytes});
  }
  void add_target(uint64_t addr) { targets_.push_back(addr); }

  Analysis run() {
    std::sort(code_.begin(), code_.end(), [](const CodeRange& a, const CodeRange& b) { return a.vaddr < b.vaddr; });
    std::sort(data_.begin(), data_.end(), [](const DataRange& a, const DataRange& b) { return a.vaddr < b.vaddr; });
    Analysis out;
    for (size_t i = 0; i < code_.size(); ++i) {
      sweep(i);
      out.code_bytes += code_[i].bytes.size();
    }
    out.instructions = instructions_;
    scan_jump_tables();
    if (absolute_) scan_data_words();
    for (uint64_t t : guesses_)
      if (at_instruction_start(t)) targets_.push_back(t);
    std::erase_if(targets_, [this](uint64_t t) { return !in_code(t); });
    std::sort(targets_.begin(), targets_.end());
    targets_.erase(std::unique(targets_.begin(), targets_.end()), targets_.end());
    out.branch_targets = targets_.size();

    uint64_t last_end = 0;  // end of the last patched region (vaddr)
    bool any = false;
    for (const Candidate& c : candidates_) {
      Site site = classify(c);
      if (site.kind != SiteKind::kSkipped) {
        if (any && site.vaddr < last_end) {
          site = skipped(c, SkipReason::kOverlapsSite);
        } else {
          last_end = site.vaddr + site.length;
          any = true;
        }
      }
      out.counts.add(site.kind, site.reason, site.cpuid);
      out.sites.push_back(std::move(site));
    }
    std::stable_sort(out.sites.begin(), out.sites.end(),
                     [](const Site& a, const Site& b) { return a.offset < b.offset; });
    return out;
  }

 private:
  const CodeRange* code_at(uint64_t addr) const {
    auto it = std::upper_bound(code_.begin(), code_.end(), addr,
                               [](uint64_t a, const CodeRange& r) { return a < r.vaddr; });
    return it != code_.begin() && addr < std::prev(it)->end() ? &*std::prev(it) : nullptr;
  }
  bool in_code(uint64_t addr) const { return code_at(addr) != nullptr; }
  bool at_instruction_start(uint64_t addr) const {
    const CodeRange* r = code_at(addr);
    return r && r->starts[addr - r->vaddr];
  }

  // Any branch target t with lo < t < hi.
  bool target_strictly_inside(uint64_t lo, uint64_t hi) const {
    auto it = std::upper_bound(targets_.begin(), targets_.end(), lo);
    return it != targets_.end() && *it < hi;
  }

  const DataRange* data_at(uint64_t addr) const {
    auto it = std::upper_bound(data_.begin(), data_.end(), addr,
                               [](uint64_t a, const DataRange& r) { return a < r.vaddr; });
    if (it == data_.begin()) return nullptr;
    --it;
    return addr - it->vaddr < it->bytes.size() ? &*it : nullptr;
  }

  void guess(uint64_t addr) {
    if (in_code(addr)) guesses_.push_back(addr);
  }

  void sweep(size_t index) {
    CodeRange& range = code_[index];
    range.starts.assign(range.bytes.size(), false);
    const uint8_t* base = range.bytes.data();
    const uint64_t size = range.bytes.size();
    uint64_t pos = 0;
    bool failed_ever = false;
    uint64_t last_failure = 0;
    uint64_t prev_pos = 0;
    uint8_t prev_len = 0;
    ZydisDecoderContext ctx;
    ZydisDecodedInstruction in;
    while (pos < size) {
      if (ZYAN_FAILED(ZydisDecoderDecodeInstruction(&decoder_, &ctx, base + pos, size - pos, &in))) {
        failed_ever = true;
        last_failure = pos;
        prev_len = 0;
        ++pos;
        continue;
      }
      ++instructions_;
      range.starts[pos] = true;
      const uint64_t addr = range.vaddr + pos;
      const uint64_t next = addr + in.length;
      if (in.mnemonic == ZYDIS_MNEMONIC_SYSCALL) {
        const bool mov = prev_len == kPatchSize && prev_pos + kPatchSize == pos && base[prev_pos] == kMovEaxImm32;
        candidates_.push_back({index, pos, in.length, mov, mov ? load<uint32_t>(base + prev_pos + 1) : 0,
                               failed_ever && pos - last_failure <= kUncertainWindow, false});
      } else if (in.mnemonic == ZYDIS_MNEMONIC_CPUID) {
        candidates_.push_back({index, pos, in.length, false, 0, failed_ever && pos - last_failure <= kUncertainWindow,
                               true});
      }
      if (in.attributes & ZYDIS_ATTRIB_IS_RELATIVE) {
        for (const auto& imm : in.raw.imm)
          if (imm.is_relative) targets_.push_back(next + static_cast<uint64_t>(imm.value.s));
      }
      if (in.meta.category == ZYDIS_CATEGORY_CALL) targets_.push_back(next);
      if (is_rip_relative(in)) {
        const uint64_t target = next + static_cast<uint64_t>(in.raw.disp.value);
        if (in_code(target)) {
          guesses_.push_back(target);
        } else if (in.mnemonic == ZYDIS_MNEMONIC_LEA) {
          table_bases_.push_back(target);
        }
      } else if (absolute_) {
        for (const auto& imm : in.raw.imm) {
          if (imm.size == 32 && !imm.is_relative) guess(imm.value.u & 0xFFFF'FFFFu);
          if (imm.size == 64) guess(imm.value.u);
        }
        if ((in.attributes & ZYDIS_ATTRIB_HAS_MODRM) && in.raw.disp.size == 32)
          guess(static_cast<uint64_t>(in.raw.disp.value));
      }
      prev_pos = pos;
      prev_len = in.length;
      pos += in.length;
    }
  }

  // Relative jump tables (`lea table(%rip), %rX; movslq (%rX,%rI,4), %rY; add %rX, %rY;
  // jmp *%rY`): consecutive int32 entries v with table + v an instruction start.
  void scan_jump_tables() {
    std::sort(table_bases_.begin(), table_bases_.end());
    table_bases_.erase(std::unique(table_bases_.begin(), table_bases_.end()), table_bases_.end());
    for (uint64_t table : table_bases_) {
      const DataRange* data = data_at(table);
      if (!data) continue;
      uint64_t pos = table - data->vaddr;
      for (uint64_t n = 0; n < kMaxJumpTableEntries && pos + 4 <= data->bytes.size(); ++n, pos += 4) {
        const auto v = static_cast<int64_t>(load<int32_t>(data->bytes.data() + pos));
        const uint64_t target = table + static_cast<uint64_t>(v);
        if (!at_instruction_start(target)) break;
        targets_.push_back(target);
      }
    }
  }

  // Position-dependent code keeps function pointers and absolute jump tables as
  // plain 8-byte words in its data.
  void scan_data_words() {
    for (const DataRange& d : data_) {
      for (uint64_t pos = (8 - d.vaddr % 8) % 8; pos + 8 <= d.bytes.size(); pos += 8)
        guess(load<uint64_t>(d.bytes.data() + pos));
    }
  }

  Site skipped(const Candidate& c, SkipReason reason) const {
    const CodeRange& r = code_[c.range];
    Site s;
    s.offset = r.offset + c.pos;
    s.vaddr = r.vaddr + c.pos;
    s.length = c.length;
    s.syscall_vaddr = s.vaddr;
    s.syscall_length = c.length;
    s.cpuid = c.cpuid;
    s.kind = SiteKind::kSkipped;
    s.reason = reason;
    return s;
  }

  Site classify(const Candidate& c) const {
    const CodeRange& r = code_[c.range];
    const uint64_t syscall = r.vaddr + c.pos;
    if (c.uncertain) return skipped(c, SkipReason::kDecodeUncertain);

    if (c.mov_before) {
      const uint64_t start = syscall - kPatchSize;
      if (target_strictly_inside(start, syscall)) return skipped(c, SkipReason::kBranchTargetInside);
      Site s = skipped(c, SkipReason::kNone);
      s.offset -= kPatchSize;
      s.vaddr = start;
      s.length = kPatchSize;
      s.kind = SiteKind::kMovImm;
      s.nr = c.imm;
      return s;
    }

    std::vector<DisplacedInsn> displaced;
    uint64_t pos = c.pos + c.length;
    bool after_end = false;
    ZydisDecodedInstruction in;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    while (pos - c.pos < kPatchSize) {
      if (pos >= r.bytes.size()) return skipped(c, SkipReason::kTooShortAtEnd);
      const uint64_t addr = r.vaddr + pos;
      if (std::binary_search(targets_.begin(), targets_.end(), addr))
        return skipped(c, SkipReason::kBranchTargetInside);
      if (ZYAN_FAILED(
              ZydisDecoderDecodeFull(&decoder_, r.bytes.data() + pos, r.bytes.size() - pos, &in, ops)))
        return skipped(c, SkipReason::kNotRelocatable);
      // Past a jmp/ret only alignment padding is surely not a target (a function or
      // block may start right there without a symbol saying so).
      if (after_end && (!is_padding(in) || addr % 16 == 0)) return skipped(c, SkipReason::kCrossesBlockEnd);
      auto d = relocatable(in, ops, r.bytes.data() + pos, addr);
      if (!d) return skipped(c, SkipReason::kNotRelocatable);
      displaced.push_back(*d);
      after_end = after_end || is_unconditional_end(in);
      pos += in.length;
    }
    const uint64_t length = pos - c.pos;
    if (length > kMaxRegion) return skipped(c, SkipReason::kNotRelocatable);
    if (target_strictly_inside(syscall, syscall + length)) return skipped(c, SkipReason::kBranchTargetInside);
    Site s = skipped(c, SkipReason::kNone);
    s.length = static_cast<uint8_t>(length);
    s.kind = SiteKind::kDisplaced;
    s.displaced = std::move(displaced);
    return s;
  }

  ZydisDecoder decoder_;
  bool absolute_;
  std::vector<CodeRange> code_;
  std::vector<DataRange> data_;
  std::vector<uint64_t> targets_;
  std::vector<uint64_t> guesses_;  // become targets if they are instruction starts
  std::vector<uint64_t> table_bases_;
  std::vector<Candidate> candidates_;
  uint64_t instructions_ = 0;
};

// ---- ELF: where the code is, and what points into it ----

void add_symbols(const ElfFile& elf, const Elf64_Shdr& sh, Analyzer& an) {
  if (sh.sh_entsize != sizeof(Elf64_Sym)) return;
  const auto bytes = elf.section_bytes(sh);
  for (uint64_t pos = 0; pos + sizeof(Elf64_Sym) <= bytes.size(); pos += sizeof(Elf64_Sym)) {
    const auto sym = load<Elf64_Sym>(bytes.data() + pos);
    const auto type = ELF64_ST_TYPE(sym.st_info);
    if (sym.st_shndx == SHN_UNDEF || type == STT_SECTION || type == STT_FILE || type == STT_TLS) continue;
    an.add_target(sym.st_value);
  }
}

// The value of symbol `index` of the symbol table at section `link`, if defined.
std::optional<uint64_t> symbol_value(const ElfFile& elf, uint32_t link, uint64_t index) {
  if (link >= elf.shdrs.size()) return std::nullopt;
  const Elf64_Shdr& sh = elf.shdrs[link];
  if ((sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) || sh.sh_entsize != sizeof(Elf64_Sym))
    return std::nullopt;
  const auto bytes = elf.section_bytes(sh);
  if (index >= bytes.size() / sizeof(Elf64_Sym)) return std::nullopt;
  const auto sym = load<Elf64_Sym>(bytes.data() + index * sizeof(Elf64_Sym));
  if (sym.st_shndx == SHN_UNDEF) return std::nullopt;
  return sym.st_value;
}

void add_rela(const ElfFile& elf, std::span<const uint8_t> bytes, std::optional<uint32_t> symtab, Analyzer& an) {
  for (uint64_t pos = 0; pos + sizeof(Elf64_Rela) <= bytes.size(); pos += sizeof(Elf64_Rela)) {
    const auto rela = load<Elf64_Rela>(bytes.data() + pos);
    switch (ELF64_R_TYPE(rela.r_info)) {
      case R_X86_64_RELATIVE:
      case R_X86_64_IRELATIVE:
        an.add_target(static_cast<uint64_t>(rela.r_addend));
        break;
      case R_X86_64_64:
      case R_X86_64_GLOB_DAT:
      case R_X86_64_JUMP_SLOT:
        if (symtab) {
          if (auto v = symbol_value(elf, *symtab, ELF64_R_SYM(rela.r_info)))
            an.add_target(*v + static_cast<uint64_t>(rela.r_addend));
        }
        break;
    }
  }
}

// ABI: RELR (DT_RELR): an even entry is an address to relocate; an odd one a bitmap
// of the 63 words after the last address. The addend is the word in the file.
void add_relr(const ElfFile& elf, std::span<const uint8_t> bytes, Analyzer& an) {
  auto word_at = [&](uint64_t where) {
    if (auto off = elf.offset_of(where, 8)) an.add_target(load<uint64_t>(elf.bytes.data() + *off));
  };
  uint64_t where = 0;
  for (uint64_t pos = 0; pos + 8 <= bytes.size(); pos += 8) {
    uint64_t entry = load<uint64_t>(bytes.data() + pos);
    if ((entry & 1) == 0) {
      word_at(entry);
      where = entry + 8;
    } else {
      for (uint64_t i = 0; (entry >>= 1) != 0; ++i)
        if (entry & 1) word_at(where + i * 8);
      where += 63 * 8;
    }
  }
}

// PT_DYNAMIC: DT_INIT/DT_FINI always; relocation tables only when there are no
// section headers to find them by.
void add_dynamic(const ElfFile& elf, Analyzer& an) {
  for (const Elf64_Phdr& ph : elf.phdrs) {
    if (ph.p_type != PT_DYNAMIC) continue;
    uint64_t end;
    if (__builtin_add_overflow(ph.p_offset, ph.p_filesz, &end) || end > elf.bytes.size()) return;
    uint64_t rela = 0, relasz = 0, relr = 0, relrsz = 0, jmprel = 0, pltrelsz = 0;
    for (uint64_t pos = 0; pos + sizeof(Elf64_Dyn) <= ph.p_filesz; pos += sizeof(Elf64_Dyn)) {
      const auto dyn = load<Elf64_Dyn>(elf.bytes.data() + ph.p_offset + pos);
      if (dyn.d_tag == DT_NULL) break;
      switch (dyn.d_tag) {
        case DT_INIT:
        case DT_FINI: an.add_target(dyn.d_un.d_ptr); break;
        case DT_RELA: rela = dyn.d_un.d_ptr; break;
        case DT_RELASZ: relasz = dyn.d_un.d_val; break;
        case DT_RELR: relr = dyn.d_un.d_ptr; break;
        case DT_RELRSZ: relrsz = dyn.d_un.d_val; break;
        case DT_JMPREL: jmprel = dyn.d_un.d_ptr; break;
        case DT_PLTRELSZ: pltrelsz = dyn.d_un.d_val; break;
      }
    }
    if (!elf.shdrs.empty()) return;
    auto table = [&](uint64_t vaddr, uint64_t size) -> std::span<const uint8_t> {
      auto off = elf.offset_of(vaddr, size);
      return off ? elf.bytes.subspan(*off, size) : std::span<const uint8_t>{};
    };
    add_rela(elf, table(rela, relasz), std::nullopt, an);
    add_rela(elf, table(jmprel, pltrelsz), std::nullopt, an);
    add_relr(elf, table(relr, relrsz), an);
    return;
  }
}

}  // namespace

Result<Analysis> analyze(std::span<const uint8_t> elf_file) {
  auto parsed = read_elf_file(elf_file);
  if (!parsed) return parsed.error();
  const ElfFile& elf = *parsed;
  Analyzer an(elf.ehdr.e_type == ET_EXEC);

  std::vector<Elf64_Phdr> xloads;
  for (const Elf64_Phdr& ph : elf.phdrs)
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) && ph.p_filesz) xloads.push_back(ph);

  // Code: SHF_EXECINSTR sections inside an executable PT_LOAD (their vaddr agreeing
  // with it), else the executable PT_LOADs themselves minus the ELF headers.
  bool has_exec_sections = false;
  for (const Elf64_Shdr& sh : elf.shdrs) {
    if (sh.sh_type != SHT_PROGBITS || !(sh.sh_flags & SHF_EXECINSTR) || !(sh.sh_flags & SHF_ALLOC) || !sh.sh_size)
      continue;
    has_exec_sections = true;
    for (const Elf64_Phdr& ph : xloads) {
      if (sh.sh_offset < ph.p_offset || sh.sh_offset - ph.p_offset > ph.p_filesz ||
          sh.sh_size > ph.p_filesz - (sh.sh_offset - ph.p_offset) || sh.sh_addr - ph.p_vaddr != sh.sh_offset - ph.p_offset)
        continue;
      an.add_code(sh.sh_addr, sh.sh_offset, elf.section_bytes(sh));
      break;
    }
  }
  if (!has_exec_sections) {
    const uint64_t headers_end = std::max<uint64_t>(sizeof(Elf64_Ehdr), elf.ehdr.e_phoff + elf.ehdr.e_phnum * sizeof(Elf64_Phdr));
    for (const Elf64_Phdr& ph : xloads) {
      uint64_t skip = 0;
      if (ph.p_offset < headers_end) skip = std::min(ph.p_filesz, headers_end - ph.p_offset);
      an.add_code(ph.p_vaddr + skip, ph.p_offset + skip, elf.bytes.subspan(ph.p_offset + skip, ph.p_filesz - skip));
    }
  }

  // Data that may hold jump tables and code pointers.
  bool has_data_sections = false;
  for (const Elf64_Shdr& sh : elf.shdrs) {
    if (!(sh.sh_flags & SHF_ALLOC) || (sh.sh_flags & SHF_EXECINSTR) || sh.sh_type == SHT_NOBITS || !sh.sh_size)
      continue;
    has_data_sections = true;
    an.add_data(sh.sh_addr, elf.section_bytes(sh));
  }
  if (!has_data_sections) {
    for (const Elf64_Phdr& ph : elf.phdrs)
      if (ph.p_type == PT_LOAD && !(ph.p_flags & PF_X) && ph.p_filesz)
        an.add_data(ph.p_vaddr, elf.bytes.subspan(ph.p_offset, ph.p_filesz));
  }

  an.add_target(elf.ehdr.e_entry);
  for (const Elf64_Shdr& sh : elf.shdrs) {
    if (sh.sh_type == SHT_SYMTAB || sh.sh_type == SHT_DYNSYM) add_symbols(elf, sh, an);
    if (sh.sh_type == SHT_RELA && sh.sh_entsize == sizeof(Elf64_Rela))
      add_rela(elf, elf.section_bytes(sh), sh.sh_link, an);
    if (sh.sh_type == SHT_RELR && sh.sh_entsize == 8) add_relr(elf, elf.section_bytes(sh), an);
  }
  add_dynamic(elf, an);

  Analysis analysis = an.run();
  analysis.hash = sha256(elf_file);
  return analysis;
}

Analysis analyze_code(std::span<const uint8_t> code, uint64_t vaddr, std::span<const uint64_t> extra_targets) {
  Analyzer an(false);
  an.add_code(vaddr, 0, code);
  for (uint64_t t : extra_targets) an.add_target(t);
  Analysis analysis = an.run();
  analysis.hash = sha256(code);
  return analysis;
}

// ---- emit ----

namespace {

// Writes into a buffer of its own (no allocation: emit() runs it twice per site,
// for every library a program maps, on its start-up path).
class Assembler {
 public:
  explicit Assembler(uint64_t addr) : start_(addr) {}
  uint64_t here() const { return start_ + size_; }
  std::span<const uint8_t> bytes() const { return {buf_.data(), size_}; }
  bool ok() const { return ok_; }

  void raw(std::span<const uint8_t> b) {
    if (b.size() > buf_.size() - size_) {
      ok_ = false;
      return;
    }
    std::memcpy(buf_.data() + size_, b.data(), b.size());
    size_ += b.size();
  }
  void u8(uint8_t v) { raw({&v, 1}); }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  // A rel32 field ending at `end` that must reach `target`.
  uint32_t rel32(uint64_t end, uint64_t target) {
    const auto delta = static_cast<int64_t>(target - end);
    if (delta < INT32_MIN || delta > INT32_MAX) ok_ = false;
    return static_cast<uint32_t>(delta);
  }

  void lea_rcx(uint64_t target) {  // lea target(%rip), %rcx
    raw(std::array<uint8_t, 3>{0x48, 0x8D, 0x0D});
    u32(rel32(here() + 4, target));
  }
  void lea_rbx(uint64_t target) {  // lea target(%rip), %rbx
    raw(std::array<uint8_t, 3>{0x48, 0x8D, 0x1D});
    u32(rel32(here() + 4, target));
  }
  void jmp_abs(uint64_t target) {  // jmp *0(%rip); .quad target
    raw(std::array<uint8_t, 6>{0xFF, 0x25, 0, 0, 0, 0});
    u64(target);
  }
  void jmp_fast_entry() { jmp_abs(abi::kFastSyscallEntry); }
  void jmp(uint64_t target) {
    u8(kJmpRel32);
    u32(rel32(here() + 4, target));
  }
  void jcc(uint8_t cond, uint64_t target) {
    u8(0x0F);
    u8(static_cast<uint8_t>(0x80 | cond));
    u32(rel32(here() + 4, target));
  }

 private:
  uint64_t start_;
  std::array<uint8_t, kMaxTrampolineSize> buf_{};
  size_t size_ = 0;
  bool ok_ = true;
};

// The trampoline of `site` at `at`; `bias` moves link-time addresses to guest ones.
Assembler build_trampoline(const Site& site, uint64_t guest, uint64_t bias, uint64_t at) {
  Assembler a(at);
  if (site.kind == SiteKind::kMovImm) {
    a.lea_rcx(guest + site.length + site.syscall_length);
    a.u8(kMovEaxImm32);
    a.u32(static_cast<uint32_t>(site.nr));
    a.jmp_fast_entry();
    return a;
  }
  // lea (7) + jmp (6) + address (8): the displaced instructions follow. A cpuid's
  // way back goes in rbx, which the instruction overwrites anyway (rcx is its input).
  if (site.cpuid) {
    a.lea_rbx(at + 21);
    a.jmp_abs(abi::kFastCpuidEntry);
  } else {
    a.lea_rcx(at + 21);
    a.jmp_fast_entry();
  }
  for (const DisplacedInsn& d : site.displaced) {
    switch (d.fixup) {
      case DisplacedInsn::Fixup::kNone:
        a.raw({d.bytes.data(), d.length});
        break;
      case DisplacedInsn::Fixup::kRipRelative: {
        std::array<uint8_t, 15> b = d.bytes;
        const uint32_t disp = a.rel32(a.here() + d.length, d.target + bias);
        std::memcpy(b.data() + d.disp_offset, &disp, 4);
        a.raw({b.data(), d.length});
        break;
      }
      case DisplacedInsn::Fixup::kJmp: a.jmp(d.target + bias); break;
      case DisplacedInsn::Fixup::kJcc: a.jcc(d.cond, d.target + bias); break;
    }
  }
  a.jmp(guest + site.length);
  return a;
}

}  // namespace

Emitted emit(const Analysis& analysis, uint64_t file_offset, uint64_t length, uint64_t map_addr, uint64_t tramp_addr,
             size_t tramp_capacity) {
  Emitted out;
  out.patches.reserve(analysis.sites.size());
  out.trampolines.reserve(std::min<size_t>(tramp_capacity, analysis.sites.size() * 64));
  uint64_t range_end;
  if (__builtin_add_overflow(file_offset, length, &range_end)) range_end = UINT64_MAX;
  uint64_t patched_end = 0;  // guest address after the last patch
  for (const Site& site : analysis.sites) {
    if (site.offset < file_offset || site.offset >= range_end) continue;
    auto skip = [&](SkipReason reason) { out.counts.add(SiteKind::kSkipped, reason, site.cpuid); };
    if (site.kind == SiteKind::kSkipped) {
      skip(site.reason);
      continue;
    }
    if (site.length < kPatchSize || site.length > kMaxRegion) {  // a corrupt analysis
      skip(SkipReason::kNotRelocatable);
      continue;
    }
    const uint64_t needed = site.length + (site.kind == SiteKind::kMovImm ? site.syscall_length : 0u);
    if (range_end - site.offset < needed) {
      skip(SkipReason::kCrossesMapping);
      continue;
    }
    const uint64_t guest = map_addr + (site.offset - file_offset);
    const uint64_t bias = guest - site.vaddr;
    if (!out.patches.empty() && guest < patched_end) {
      skip(SkipReason::kOverlapsSite);
      continue;
    }
    const size_t at = (out.trampolines.size() + kTrampolineAlign - 1) / kTrampolineAlign * kTrampolineAlign;
    Assembler tramp = build_trampoline(site, guest, bias, tramp_addr + at);
    if (at + tramp.bytes().size() > tramp_capacity) {
      skip(SkipReason::kNoTrampolineSpace);
      continue;
    }
    Patch patch;
    patch.addr = guest;
    patch.size = site.length;
    Assembler jump(guest);
    jump.jmp(tramp_addr + at);
    if (!tramp.ok() || !jump.ok()) {
      skip(SkipReason::kOutOfRange);
      continue;
    }
    std::memcpy(patch.data.data(), jump.bytes().data(), kPatchSize);
    std::memset(patch.data.data() + kPatchSize, kInt3, site.length - kPatchSize);
    out.trampolines.resize(at, kInt3);
    out.trampolines.insert(out.trampolines.end(), tramp.bytes().begin(), tramp.bytes().end());
    out.patches.push_back(patch);
    patched_end = guest + site.length;
    out.counts.add(site.kind, SkipReason::kNone, site.cpuid);
  }
  return out;
}

}  // namespace burrow::rewrite
