// The embedded vDSO image (kernel/vdso, vmm/vdso_image.S) is what the C libraries
// and the monitor expect: a shared object linked at 0 in one read + execute PT_LOAD,
// never relocated, with DT_HASH (musl reads only that), DT_GNU_HASH, the soname
// linux-vdso.so.1 and each __vdso_* function defined at version LINUX_2.6.
#include <elf.h>

#include <cstring>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "burrow/abi/layout.h"

extern "C" const uint8_t burrow_vdso_image[];
extern "C" const uint8_t burrow_vdso_image_end[];

namespace {

struct Image {
  const uint8_t* data = burrow_vdso_image;
  size_t size = static_cast<size_t>(burrow_vdso_image_end - burrow_vdso_image);

  template <class T>
  T at(uint64_t offset) const {
    T v;
    EXPECT_LE(offset + sizeof(T), size);
    if (offset + sizeof(T) > size) return T{};
    std::memcpy(&v, data + offset, sizeof(T));
    return v;
  }
  const char* str(uint64_t offset) const { return reinterpret_cast<const char*>(data + offset); }
};

TEST(VdsoImage, OneReadExecuteLoadAtZero) {
  Image img;
  ASSERT_GE(img.size, sizeof(Elf64_Ehdr));
  EXPECT_LE(img.size, burrow::abi::kVdsoMaxSize);
  auto eh = img.at<Elf64_Ehdr>(0);
  EXPECT_EQ(std::memcmp(eh.e_ident, ELFMAG, SELFMAG), 0);
  EXPECT_EQ(eh.e_ident[EI_CLASS], ELFCLASS64);
  EXPECT_EQ(eh.e_type, ET_DYN);
  EXPECT_EQ(eh.e_machine, EM_X86_64);
  int loads = 0, dynamics = 0;
  for (int i = 0; i < eh.e_phnum; ++i) {
    auto ph = img.at<Elf64_Phdr>(eh.e_phoff + i * sizeof(Elf64_Phdr));
    if (ph.p_type == PT_LOAD) {
      ++loads;
      EXPECT_EQ(ph.p_vaddr, 0u);
      EXPECT_EQ(ph.p_offset, 0u);
      EXPECT_EQ(ph.p_filesz, ph.p_memsz);
      EXPECT_EQ(ph.p_flags, PF_R | PF_X);
    }
    if (ph.p_type == PT_DYNAMIC) ++dynamics;
  }
  EXPECT_EQ(loads, 1);
  EXPECT_EQ(dynamics, 1);
}

TEST(VdsoImage, SymbolsAtLinux26WithoutRelocations) {
  Image img;
  auto eh = img.at<Elf64_Ehdr>(0);
  uint64_t dyn_off = 0;
  for (int i = 0; i < eh.e_phnum; ++i) {
    auto ph = img.at<Elf64_Phdr>(eh.e_phoff + i * sizeof(Elf64_Phdr));
    if (ph.p_type == PT_DYNAMIC) dyn_off = ph.p_offset;
  }
  ASSERT_NE(dyn_off, 0u);
  std::map<int64_t, uint64_t> dyn;
  for (uint64_t o = dyn_off;; o += sizeof(Elf64_Dyn)) {
    auto d = img.at<Elf64_Dyn>(o);
    if (d.d_tag == DT_NULL) break;
    dyn[d.d_tag] = d.d_un.d_val;
  }
  for (int64_t tag : {DT_HASH, DT_GNU_HASH, DT_SYMTAB, DT_STRTAB, DT_VERSYM, DT_VERDEF, DT_SONAME})
    EXPECT_TRUE(dyn.count(tag)) << "dynamic tag " << tag;
  for (int64_t tag : {DT_REL, DT_RELA, DT_JMPREL, DT_TEXTREL, DT_NEEDED, DT_INIT, DT_INIT_ARRAY})
    EXPECT_FALSE(dyn.count(tag)) << "dynamic tag " << tag;
  const uint64_t strtab = dyn[DT_STRTAB];
  EXPECT_STREQ(img.str(strtab + dyn[DT_SONAME]), "linux-vdso.so.1");

  // Version index -> name, from the version definitions.
  std::map<uint16_t, std::string> versions;
  for (uint64_t o = dyn[DT_VERDEF];;) {
    auto d = img.at<Elf64_Verdef>(o);
    auto aux = img.at<Elf64_Verdaux>(o + d.vd_aux);
    versions[d.vd_ndx] = img.str(strtab + aux.vda_name);
    if (!d.vd_next) break;
    o += d.vd_next;
  }
  const uint32_t nsyms = img.at<uint32_t>(dyn[DT_HASH] + 4);  // nchain
  std::map<std::string, std::string> defined;                  // name -> version
  for (uint32_t i = 1; i < nsyms; ++i) {
    auto s = img.at<Elf64_Sym>(dyn[DT_SYMTAB] + i * sizeof(Elf64_Sym));
    if (s.st_shndx == SHN_UNDEF) {
      ADD_FAILURE() << "undefined symbol " << img.str(strtab + s.st_name);
      continue;
    }
    if (ELF64_ST_TYPE(s.st_info) != STT_FUNC) continue;
    EXPECT_LT(s.st_value + s.st_size, img.size);
    uint16_t v = img.at<uint16_t>(dyn[DT_VERSYM] + 2 * i) & 0x7fff;
    defined[img.str(strtab + s.st_name)] = versions[v];
  }
  for (const char* name : {"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time", "__vdso_getcpu",
                           "__vdso_clock_getres", "clock_gettime", "gettimeofday", "time", "getcpu", "clock_getres"})
    EXPECT_EQ(defined[name], "LINUX_2.6") << name;
}

}  // namespace
