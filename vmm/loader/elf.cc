// parse_elf: every check a hostile or foreign file can fail, with a message that says
// which. Fields are copied out with memcpy (the file may be unaligned) and every
// offset and address sum is checked for overflow before it is used.
#include "loader/elf.h"

#include <elf.h>

#include <cstdio>
#include <cstring>
#include <string_view>

#include "burrow/abi/layout.h"

namespace burrow::loader {
namespace {

using abi::kPageSize;
using abi::kUserEnd;
using abi::kUserMinAddr;

// ABI: Linux's load_elf_phdrs caps the program header table at 64 KiB, and
// load_elf_binary caps PT_INTERP at PATH_MAX including its NUL.
constexpr uint64_t kMaxPhdrTableSize = 65536;
constexpr uint64_t kMaxInterpSize = 4096;

Error fail(std::string message) { return make_error(ExitCode::kCannotExecute, std::move(message)); }

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

bool checked_add(uint64_t a, uint64_t b, uint64_t* sum) { return !__builtin_add_overflow(a, b, sum); }

bool in_file(uint64_t offset, uint64_t size, std::span<const uint8_t> file) {
  uint64_t end;
  return checked_add(offset, size, &end) && end <= file.size();
}

uint64_t page_down(uint64_t v) { return v & ~(kPageSize - 1); }

const char* machine_name(uint16_t machine) {
  switch (machine) {
    case EM_386: return "i386";
    case EM_ARM: return "arm";
    case EM_AARCH64: return "aarch64";
    case EM_RISCV: return "riscv";
    case EM_PPC: return "ppc";
    case EM_PPC64: return "ppc64";
    case EM_S390: return "s390";
    case EM_MIPS: return "mips";
    case EM_SPARCV9: return "sparc64";
    case EM_IA_64: return "ia64";
    case EM_LOONGARCH: return "loongarch";
    default: return nullptr;
  }
}

std::string type_name(uint16_t type) {
  switch (type) {
    case ET_NONE: return "none";
    case ET_REL: return "relocatable";
    case ET_CORE: return "core";
    default: return hex(type);
  }
}

Result<void> check_header(const Elf64_Ehdr& eh) {
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return fail("not an ELF file");
  if (eh.e_ident[EI_CLASS] == ELFCLASS32)
    return fail("32-bit ELF is not supported: Burrow runs x86-64 programs");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64) return fail("invalid ELF class " + std::to_string(eh.e_ident[EI_CLASS]));
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return fail("ELF is not little-endian");
  if (eh.e_ident[EI_VERSION] != EV_CURRENT)
    return fail("unsupported ELF version " + std::to_string(eh.e_ident[EI_VERSION]));
  if (eh.e_machine != EM_X86_64) {
    const char* name = machine_name(eh.e_machine);
    return fail("ELF for " + (name ? std::string(name) : "machine " + hex(eh.e_machine)) + ", not x86-64");
  }
  if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) return fail("not an executable: ELF type " + type_name(eh.e_type));
  if (eh.e_phentsize != sizeof(Elf64_Phdr))
    return fail("program header size " + std::to_string(eh.e_phentsize) + ", expected 56");
  if (eh.e_phnum == 0) return fail("no program headers");
  if (uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr) > kMaxPhdrTableSize)
    return fail("too many program headers (" + std::to_string(eh.e_phnum) + ")");
  return {};
}

// Checks one PT_LOAD on its own and against the one before it (`prev`, if any).
Result<void> check_load(const Elf64_Phdr& ph, size_t index, uint16_t type, const ElfSegment* prev,
                        std::span<const uint8_t> file) {
  const std::string what = "PT_LOAD segment " + std::to_string(index);
  if (ph.p_filesz > ph.p_memsz) return fail(what + ": file size exceeds memory size");
  // An empty file part maps nothing, so Linux ignores its offset; so do we.
  if (ph.p_filesz != 0 && !in_file(ph.p_offset, ph.p_filesz, file)) return fail(what + " extends past end of file");
  uint64_t end;
  if (!checked_add(ph.p_vaddr, ph.p_memsz, &end) || end > UINT64_MAX - (kPageSize - 1))
    return fail(what + ": address range overflows");
  if (type == ET_EXEC && end > kUserEnd) return fail(what + " lies above the user address space");
  if (type == ET_EXEC && page_down(ph.p_vaddr) < kUserMinAddr) return fail(what + " lies below mmap_min_addr");
  if (ph.p_align > 1 && ph.p_vaddr % kPageSize != ph.p_offset % kPageSize)
    return fail(what + ": vaddr and offset differ modulo the page size");
  if (prev && ph.p_vaddr < prev->vaddr) return fail(what + ": not in ascending address order");
  if (prev && ph.p_vaddr < prev->vaddr + prev->memsz) return fail(what + " overlaps the previous PT_LOAD");
  return {};
}

Result<std::string> read_interp(const Elf64_Phdr& ph, std::span<const uint8_t> file) {
  if (ph.p_filesz > kMaxInterpSize) return fail("PT_INTERP longer than 4095 bytes");
  if (!in_file(ph.p_offset, ph.p_filesz, file)) return fail("PT_INTERP extends past end of file");
  std::string_view raw(reinterpret_cast<const char*>(file.data() + ph.p_offset), ph.p_filesz);
  if (raw.empty() || raw.front() == '\0') return fail("empty PT_INTERP");
  if (raw.back() != '\0') return fail("PT_INTERP is not NUL-terminated");
  return std::string(raw.substr(0, raw.find('\0')));
}

}  // namespace

Result<ElfImage> parse_elf(std::span<const uint8_t> file) {
  Elf64_Ehdr eh;
  if (file.size() < sizeof eh) return fail("truncated ELF header");
  std::memcpy(&eh, file.data(), sizeof eh);
  if (auto r = check_header(eh); !r) return r.error();
  const uint64_t table_size = uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr);
  if (!in_file(eh.e_phoff, table_size, file)) return fail("program header table extends past end of file");

  ElfImage image{.type = eh.e_type,
                 .entry = eh.e_entry,
                 .phoff = eh.e_phoff,
                 .phentsize = eh.e_phentsize,
                 .phnum = eh.e_phnum,
                 .loads = {},
                 .interp = std::nullopt,
                 .phdr_vaddr = 0,
                 .exec_stack = true,
                 .min_vaddr = 0,
                 .max_vaddr = 0};
  std::optional<uint64_t> pt_phdr;
  for (size_t i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, file.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
    switch (ph.p_type) {
      case PT_LOAD: {
        const ElfSegment* prev = image.loads.empty() ? nullptr : &image.loads.back();
        if (auto r = check_load(ph, i, eh.e_type, prev, file); !r) return r.error();
        image.loads.push_back({ph.p_vaddr, ph.p_memsz, ph.p_offset, ph.p_filesz, ph.p_align, ph.p_flags});
        break;
      }
      case PT_INTERP: {
        if (image.interp) return fail("more than one PT_INTERP");
        auto path = read_interp(ph, file);
        if (!path) return path.error();
        image.interp = std::move(*path);
        break;
      }
      case PT_PHDR:
        if (!pt_phdr) pt_phdr = ph.p_vaddr;
        break;
      case PT_GNU_STACK:
        image.exec_stack = (ph.p_flags & PF_X) != 0;
        break;
    }
  }
  if (image.loads.empty()) return fail("no PT_LOAD segments");

  // Ascending and disjoint: the first load starts lowest and the last ends highest.
  const ElfSegment& last = image.loads.back();
  image.min_vaddr = page_down(image.loads.front().vaddr);
  image.max_vaddr = page_down(last.vaddr + last.memsz + kPageSize - 1);
  if (image.max_vaddr - image.min_vaddr >= kUserEnd)
    return fail("PT_LOAD segments span more than the user address space");

  bool entry_ok = false;
  for (const ElfSegment& s : image.loads) {
    if ((s.flags & PF_X) && s.vaddr <= eh.e_entry && eh.e_entry - s.vaddr < s.memsz) entry_ok = true;
    // ABI: Linux derives AT_PHDR from the load whose file range holds e_phoff.
    if (!pt_phdr && s.offset <= eh.e_phoff && eh.e_phoff - s.offset < s.filesz)
      pt_phdr = s.vaddr + (eh.e_phoff - s.offset);
  }
  if (!entry_ok) return fail("entry point " + hex(eh.e_entry) + " is not in an executable segment");
  image.phdr_vaddr = pt_phdr.value_or(0);
  return image;
}

}  // namespace burrow::loader
