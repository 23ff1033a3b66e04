// read_elf_file: the checks that make every later read of the file a bounds-checked one.
#include "rewrite/elf_file.h"

#include <cstring>

namespace burrow::rewrite {
namespace {

Error fail(std::string message) { return make_error(ExitCode::kCannotExecute, std::move(message)); }

bool in_file(uint64_t offset, uint64_t size, uint64_t file_size) {
  uint64_t end;
  return !__builtin_add_overflow(offset, size, &end) && end <= file_size;
}

}  // namespace

std::optional<uint64_t> ElfFile::offset_of(uint64_t vaddr, uint64_t size) const {
  for (const Elf64_Phdr& ph : phdrs) {
    if (ph.p_type != PT_LOAD || vaddr < ph.p_vaddr) continue;
    const uint64_t delta = vaddr - ph.p_vaddr;
    if (delta > ph.p_filesz || size > ph.p_filesz - delta) continue;
    return ph.p_offset + delta;
  }
  return std::nullopt;
}

std::span<const uint8_t> ElfFile::section_bytes(const Elf64_Shdr& sh) const {
  if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL) return {};
  return bytes.subspan(sh.sh_offset, sh.sh_size);
}

Result<ElfFile> read_elf_file(std::span<const uint8_t> bytes) {
  ElfFile elf;
  elf.bytes = bytes;
  Elf64_Ehdr& eh = elf.ehdr;
  if (bytes.size() < sizeof eh) return fail("truncated ELF header");
  std::memcpy(&eh, bytes.data(), sizeof eh);
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return fail("not an ELF file");
  if (eh.e_ident[EI_CLASS] != ELFCLASS64) return fail("not a 64-bit ELF file");
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return fail("ELF is not little-endian");
  if (eh.e_machine != EM_X86_64) return fail("ELF is not for x86-64");
  if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) return fail("ELF is neither an executable nor a shared object");
  if (eh.e_phnum == 0) return fail("no program headers");
  if (eh.e_phentsize != sizeof(Elf64_Phdr)) return fail("unexpected program header size");
  if (!in_file(eh.e_phoff, uint64_t{eh.e_phnum} * sizeof(Elf64_Phdr), bytes.size()))
    return fail("program header table extends past end of file");
  elf.phdrs.resize(eh.e_phnum);
  std::memcpy(elf.phdrs.data(), bytes.data() + eh.e_phoff, eh.e_phnum * sizeof(Elf64_Phdr));
  for (size_t i = 0; i < elf.phdrs.size(); ++i) {
    const Elf64_Phdr& ph = elf.phdrs[i];
    if (ph.p_type != PT_LOAD) continue;
    if (ph.p_filesz > ph.p_memsz) return fail("PT_LOAD segment " + std::to_string(i) + ": file size exceeds memory size");
    if (ph.p_filesz && !in_file(ph.p_offset, ph.p_filesz, bytes.size()))
      return fail("PT_LOAD segment " + std::to_string(i) + " extends past end of file");
    uint64_t end;
    if (__builtin_add_overflow(ph.p_vaddr, ph.p_memsz, &end))
      return fail("PT_LOAD segment " + std::to_string(i) + ": address range overflows");
  }

  // Section headers are optional (a stripped-of-sections file has e_shoff = 0).
  if (eh.e_shoff == 0) return elf;
  if (eh.e_shentsize != sizeof(Elf64_Shdr)) return fail("unexpected section header size");
  uint64_t count = eh.e_shnum;
  if (count == 0) {  // ABI: extended numbering keeps the real count in section 0's sh_size.
    if (!in_file(eh.e_shoff, sizeof(Elf64_Shdr), bytes.size())) return fail("section header table extends past end of file");
    count = load<Elf64_Shdr>(bytes.data() + eh.e_shoff).sh_size;
    if (count > 1u << 20) return fail("too many section headers");
  }
  if (!in_file(eh.e_shoff, count * sizeof(Elf64_Shdr), bytes.size()))
    return fail("section header table extends past end of file");
  elf.shdrs.resize(count);
  std::memcpy(elf.shdrs.data(), bytes.data() + eh.e_shoff, count * sizeof(Elf64_Shdr));
  for (size_t i = 0; i < elf.shdrs.size(); ++i) {
    const Elf64_Shdr& sh = elf.shdrs[i];
    if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL && !in_file(sh.sh_offset, sh.sh_size, bytes.size()))
      return fail("section " + std::to_string(i) + " extends past end of file");
  }
  return elf;
}

}  // namespace burrow::rewrite
