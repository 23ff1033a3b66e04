// parse_elf: acceptance of minimal and real executables, and each rejection a
// hostile file can trigger, built by mutating a minimal valid ELF in memory.
#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

#include "burrow/abi/layout.h"
#include "loader/elf.h"

namespace burrow::loader {
namespace {

using abi::kUserEnd;

constexpr uint64_t kBase = 0x400000;
constexpr uint64_t kPage = 0x1000;

// A minimal valid ET_EXEC: load i maps file page i at kBase + i pages; load 0 is
// R+X and holds the headers and the entry point, the others are R+W.
struct TestElf {
  Elf64_Ehdr eh{};
  std::vector<Elf64_Phdr> phdrs;
  std::vector<std::pair<uint64_t, std::string>> blobs;  // file contents at offsets
  uint64_t file_size = 0;

  explicit TestElf(int loads = 1) {
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_EXEC;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_entry = kBase + 0x800;
    eh.e_phoff = sizeof(Elf64_Ehdr);
    eh.e_ehsize = sizeof(Elf64_Ehdr);
    eh.e_phentsize = sizeof(Elf64_Phdr);
    for (int i = 0; i < loads; ++i) {
      const uint32_t flags = i == 0 ? PF_R | PF_X : PF_R | PF_W;
      phdrs.push_back(load(kBase + i * kPage, i * kPage, kPage, kPage, flags));
    }
    file_size = std::max(loads, 1) * kPage;
  }

  static Elf64_Phdr load(uint64_t vaddr, uint64_t offset, uint64_t filesz, uint64_t memsz, uint32_t flags) {
    return {.p_type = PT_LOAD, .p_flags = flags, .p_offset = offset, .p_vaddr = vaddr, .p_paddr = vaddr,
            .p_filesz = filesz, .p_memsz = memsz, .p_align = kPage};
  }

  static Elf64_Phdr header(uint32_t type, uint32_t flags = PF_R) {
    Elf64_Phdr ph{};
    ph.p_type = type;
    ph.p_flags = flags;
    return ph;
  }

  // Adds a PT_INTERP whose bytes are `contents` placed at file offset 0xC00.
  void add_interp(const std::string& contents) {
    Elf64_Phdr ph = header(PT_INTERP);
    ph.p_offset = 0xC00;
    ph.p_filesz = contents.size();
    phdrs.push_back(ph);
    blobs.emplace_back(0xC00, contents);
  }

  // The file, with e_phnum = phdrs.size() and the table at offset 64.
  std::vector<uint8_t> bytes() const {
    const uint64_t table_end = sizeof(Elf64_Ehdr) + phdrs.size() * sizeof(Elf64_Phdr);
    std::vector<uint8_t> out(std::max(file_size, table_end));
    Elf64_Ehdr h = eh;
    h.e_phnum = static_cast<uint16_t>(phdrs.size());
    std::memcpy(out.data(), &h, sizeof h);
    if (!phdrs.empty()) std::memcpy(out.data() + sizeof h, phdrs.data(), phdrs.size() * sizeof(Elf64_Phdr));
    for (const auto& [offset, data] : blobs) std::memcpy(out.data() + offset, data.data(), data.size());
    return out;
  }
};

template <class T>
void poke(std::vector<uint8_t>& file, size_t offset, T value) {
  std::memcpy(file.data() + offset, &value, sizeof value);
}

Result<ElfImage> parse(const std::vector<uint8_t>& file) { return parse_elf(file); }
Result<ElfImage> parse(const TestElf& elf) { return parse_elf(elf.bytes()); }

void expect_rejected(const Result<ElfImage>& r, const std::string& message) {
  ASSERT_FALSE(r.ok()) << "expected: " << message;
  EXPECT_EQ(r.error().code, ExitCode::kCannotExecute);
  EXPECT_NE(r.error().message.find(message), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
}

TEST(ElfTest, AcceptsMinimalExecutable) {
  auto r = parse(TestElf(2));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->type, ET_EXEC);
  EXPECT_EQ(r->entry, kBase + 0x800);
  EXPECT_EQ(r->phoff, 64u);
  EXPECT_EQ(r->phentsize, 56);
  EXPECT_EQ(r->phnum, 2);
  ASSERT_EQ(r->loads.size(), 2u);
  EXPECT_EQ(r->loads[1].vaddr, kBase + kPage);
  EXPECT_EQ(r->loads[1].offset, kPage);
  EXPECT_EQ(r->loads[1].flags, uint32_t{PF_R | PF_W});
  EXPECT_FALSE(r->interp);
  EXPECT_EQ(r->phdr_vaddr, kBase + 64);  // e_phoff inside load 0's file range
  EXPECT_TRUE(r->exec_stack);            // no PT_GNU_STACK
  EXPECT_EQ(r->min_vaddr, kBase);
  EXPECT_EQ(r->max_vaddr, kBase + 2 * kPage);
}

TEST(ElfTest, SpanIsPageAligned) {
  TestElf elf(2);
  elf.phdrs[0] = TestElf::load(kBase + 0x123, 0x123, 0x800, 0x800, PF_R | PF_X);
  elf.phdrs[1] = TestElf::load(kBase + 0x1456, 0x1456, 0x10, 0x3000, PF_R | PF_W);
  auto r = parse(elf);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->min_vaddr, kBase);
  EXPECT_EQ(r->max_vaddr, kBase + 0x5000);
}

TEST(ElfTest, ReadsGnuStackPhdrAndInterp) {
  TestElf elf;
  elf.phdrs.push_back(TestElf::header(PT_GNU_STACK, PF_R | PF_W));
  elf.phdrs.push_back(TestElf::header(PT_PHDR));
  elf.phdrs.back().p_vaddr = 0x1234;
  elf.add_interp(std::string("/lib64/ld-linux-x86-64.so.2\0", 28));
  auto r = parse(elf);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->exec_stack);
  EXPECT_EQ(r->phdr_vaddr, 0x1234u);
  EXPECT_EQ(r->interp, "/lib64/ld-linux-x86-64.so.2");

  elf.phdrs[1].p_flags |= PF_X;
  EXPECT_TRUE(parse(elf)->exec_stack);
}

TEST(ElfTest, PhdrVaddrIsZeroWhenTableIsNotLoaded) {
  TestElf elf;
  elf.phdrs[0] = TestElf::load(kBase + kPage, kPage, 0x100, 0x100, PF_R | PF_X);
  elf.eh.e_entry = kBase + kPage;
  elf.file_size = 2 * kPage;
  auto r = parse(elf);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->phdr_vaddr, 0u);
}

TEST(ElfTest, AcceptsPositionIndependentExecutable) {
  TestElf elf;
  elf.eh.e_type = ET_DYN;
  elf.phdrs[0] = TestElf::load(0, 0, kPage, kPage, PF_R | PF_X);
  elf.eh.e_entry = 0x800;
  auto r = parse(elf);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->type, ET_DYN);
  EXPECT_EQ(r->phdr_vaddr, 64u);
  EXPECT_EQ(r->min_vaddr, 0u);
}

TEST(ElfTest, InterpIsCutAtFirstNul) {
  TestElf elf;
  elf.add_interp(std::string("/ld\0junk\0", 9));
  EXPECT_EQ(parse(elf)->interp, "/ld");
}

TEST(ElfTest, AcceptsLimits) {
  TestElf elf;
  elf.add_interp(std::string(4095, 'a') + '\0');  // PATH_MAX with its NUL
  elf.file_size = 0xC00 + 4096;
  EXPECT_TRUE(parse(elf).ok());

  TestElf many;  // 1170 * 56 bytes is the largest table under 64 KiB
  many.phdrs.resize(1170);
  many.file_size = 64 + 1170 * sizeof(Elf64_Phdr);
  EXPECT_TRUE(parse(many).ok());

  TestElf top(2);  // a load may end exactly at the top of user space
  top.phdrs[1] = TestElf::load(kUserEnd - kPage, kPage, kPage, kPage, PF_R | PF_W);
  EXPECT_TRUE(parse(top).ok());

  TestElf unaligned(2);  // p_align <= 1 asks for no congruence
  unaligned.phdrs[1] = TestElf::load(kBase + 0x1010, kPage, 0x10, 0x10, PF_R);
  unaligned.phdrs[1].p_align = 1;
  EXPECT_TRUE(parse(unaligned).ok());
}

TEST(ElfTest, RejectsBadHeader) {
  const auto good = TestElf().bytes();
  expect_rejected(parse(std::vector<uint8_t>(good.begin(), good.begin() + 63)), "truncated ELF header");
  expect_rejected(parse(std::vector<uint8_t>{}), "truncated ELF header");

  auto bad = good;
  bad[1] = 'F';
  expect_rejected(parse(bad), "not an ELF file");
  bad = good;
  bad[EI_CLASS] = ELFCLASS32;
  expect_rejected(parse(bad), "32-bit ELF is not supported: Burrow runs x86-64 programs");
  bad[EI_CLASS] = 7;
  expect_rejected(parse(bad), "invalid ELF class 7");
  bad = good;
  bad[EI_DATA] = ELFDATA2MSB;
  expect_rejected(parse(bad), "ELF is not little-endian");
  bad = good;
  bad[EI_VERSION] = 0;
  expect_rejected(parse(bad), "unsupported ELF version 0");
}

TEST(ElfTest, RejectsOtherMachines) {
  const std::pair<uint16_t, const char*> cases[] = {
      {EM_AARCH64, "ELF for aarch64, not x86-64"}, {EM_386, "ELF for i386, not x86-64"},
      {EM_ARM, "ELF for arm, not x86-64"},         {EM_RISCV, "ELF for riscv, not x86-64"},
      {EM_PPC64, "ELF for ppc64, not x86-64"},     {EM_S390, "ELF for s390, not x86-64"},
      {0x1234, "ELF for machine 0x1234, not x86-64"},
  };
  for (const auto& [machine, message] : cases) {
    TestElf elf;
    elf.eh.e_machine = machine;
    expect_rejected(parse(elf), message);
  }
}

TEST(ElfTest, RejectsNonExecutableTypes) {
  const std::pair<uint16_t, const char*> cases[] = {
      {ET_REL, "not an executable: ELF type relocatable"},
      {ET_CORE, "not an executable: ELF type core"},
      {ET_NONE, "not an executable: ELF type none"},
      {0xfe00, "not an executable: ELF type 0xfe00"},
  };
  for (const auto& [type, message] : cases) {
    TestElf elf;
    elf.eh.e_type = type;
    expect_rejected(parse(elf), message);
  }
}

TEST(ElfTest, RejectsBadProgramHeaderTable) {
  TestElf elf;
  elf.eh.e_phentsize = 32;
  expect_rejected(parse(elf), "program header size 32, expected 56");

  auto file = TestElf().bytes();
  poke<uint16_t>(file, offsetof(Elf64_Ehdr, e_phnum), 0);
  expect_rejected(parse(file), "no program headers");
  poke<uint16_t>(file, offsetof(Elf64_Ehdr, e_phnum), 1171);
  expect_rejected(parse(file), "too many program headers (1171)");
  poke<uint16_t>(file, offsetof(Elf64_Ehdr, e_phnum), 0xffff);  // PN_XNUM
  expect_rejected(parse(file), "too many program headers (65535)");

  for (uint64_t phoff : {uint64_t{kPage - 10}, uint64_t{kPage}, ~uint64_t{0} - 10}) {
    elf = TestElf();
    elf.eh.e_phoff = phoff;
    expect_rejected(parse(elf), "program header table extends past end of file");
  }
}

TEST(ElfTest, RejectsBadLoadRanges) {
  TestElf elf(2);
  elf.phdrs[1].p_filesz = elf.phdrs[1].p_memsz + 1;
  expect_rejected(parse(elf), "PT_LOAD segment 1: file size exceeds memory size");

  elf = TestElf(2);
  elf.phdrs[1].p_memsz = elf.phdrs[1].p_filesz = kPage + 1;
  expect_rejected(parse(elf), "PT_LOAD segment 1 extends past end of file");

  elf = TestElf(2);
  elf.phdrs[1].p_offset = ~uint64_t{0} - kPage + 1;  // offset + filesz wraps to 0
  expect_rejected(parse(elf), "PT_LOAD segment 1 extends past end of file");

  elf = TestElf(2);
  elf.phdrs[1] = TestElf::load(~uint64_t{0} - kPage + 1, 0, 0, 2 * kPage, PF_R);
  expect_rejected(parse(elf), "PT_LOAD segment 1: address range overflows");

  elf = TestElf(2);  // the end fits, but rounding it up to a page does not
  elf.eh.e_type = ET_DYN;
  elf.phdrs[1] = TestElf::load(~uint64_t{0} - kPage + 1, 0, 0, 1, PF_R);
  expect_rejected(parse(elf), "PT_LOAD segment 1: address range overflows");

  elf = TestElf(2);
  elf.phdrs[1] = TestElf::load(kUserEnd - kPage, kPage, kPage, kPage + 1, PF_R);
  expect_rejected(parse(elf), "PT_LOAD segment 1 lies above the user address space");

  elf = TestElf();
  elf.phdrs[0].p_vaddr = 0xF000;
  elf.eh.e_entry = 0xF800;
  expect_rejected(parse(elf), "PT_LOAD segment 0 lies below mmap_min_addr");

  elf = TestElf(2);
  elf.phdrs[1].p_vaddr += 0x10;
  expect_rejected(parse(elf), "PT_LOAD segment 1: vaddr and offset differ modulo the page size");
}

TEST(ElfTest, RejectsPieSpanningUserSpace) {
  TestElf elf(2);
  elf.eh.e_type = ET_DYN;
  elf.phdrs[0] = TestElf::load(0, 0, kPage, kPage, PF_R | PF_X);
  elf.eh.e_entry = 0x800;
  elf.phdrs[1] = TestElf::load(kUserEnd - 2 * kPage, kPage, kPage, kPage, PF_R);
  EXPECT_TRUE(parse(elf).ok());
  elf.phdrs[1].p_vaddr += kPage;
  expect_rejected(parse(elf), "PT_LOAD segments span more than the user address space");
}

TEST(ElfTest, RejectsMisorderedLoads) {
  TestElf elf(3);
  std::swap(elf.phdrs[1], elf.phdrs[2]);
  expect_rejected(parse(elf), "PT_LOAD segment 2: not in ascending address order");

  elf = TestElf(2);
  elf.phdrs[1] = TestElf::load(kBase + 0x800, 0x800, 0x10, 0x10, PF_R);
  expect_rejected(parse(elf), "PT_LOAD segment 1 overlaps the previous PT_LOAD");

  elf = TestElf();
  elf.phdrs[0].p_type = PT_NULL;
  expect_rejected(parse(elf), "no PT_LOAD segments");
}

TEST(ElfTest, RejectsBadInterp) {
  TestElf elf;
  elf.add_interp(std::string("/ld\0", 4));
  elf.add_interp(std::string("/ld\0", 4));
  expect_rejected(parse(elf), "more than one PT_INTERP");

  const std::pair<std::string, const char*> cases[] = {
      {"/ld", "PT_INTERP is not NUL-terminated"},
      {"", "empty PT_INTERP"},
      {std::string(1, '\0'), "empty PT_INTERP"},
      {std::string(4096, 'a') + '\0', "PT_INTERP longer than 4095 bytes"},
  };
  for (const auto& [contents, message] : cases) {
    elf = TestElf();
    elf.add_interp(contents);
    elf.file_size = std::max(kPage, 0xC00 + contents.size());
    expect_rejected(parse(elf), message);
  }

  elf = TestElf();
  elf.add_interp(std::string("/ld\0", 4));
  elf.phdrs[1].p_offset = kPage - 2;
  expect_rejected(parse(elf), "PT_INTERP extends past end of file");
  elf.phdrs[1].p_offset = ~uint64_t{0} - 1;
  expect_rejected(parse(elf), "PT_INTERP extends past end of file");
}

TEST(ElfTest, RejectsEntryOutsideExecutableLoad) {
  TestElf elf(2);
  elf.eh.e_entry = kBase + kPage + 0x10;  // inside the R+W load
  expect_rejected(parse(elf), "entry point 0x401010 is not in an executable segment");
  elf.eh.e_entry = kBase + 2 * kPage;
  expect_rejected(parse(elf), "entry point 0x402000 is not in an executable segment");

  TestElf pie;  // for ET_DYN the entry is checked relative to a load bias of 0
  pie.eh.e_type = ET_DYN;
  pie.phdrs[0] = TestElf::load(0, 0, kPage, kPage, PF_R | PF_X);
  expect_rejected(parse(pie), "entry point 0x400800 is not in an executable segment");
}

TEST(ElfTest, NeverReadsPastATruncatedFile) {
  TestElf elf(2);
  elf.add_interp(std::string("/ld\0", 4));
  const auto file = elf.bytes();
  for (size_t n = 0; n < file.size(); ++n)
    EXPECT_FALSE(parse_elf(std::span(file.data(), n)).ok()) << n;
}

std::vector<uint8_t> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ElfTest, AcceptsBusybox) {
  const auto file = read_file("/bin/busybox");
  if (file.empty()) GTEST_SKIP() << "/bin/busybox not installed (Debian: busybox-static)";
  auto r = parse_elf(file);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->loads.empty());
  EXPECT_FALSE(r->exec_stack);
  EXPECT_NE(r->phdr_vaddr, 0u);
  if (r->type == ET_EXEC) {  // busybox-static: no interpreter
    EXPECT_FALSE(r->interp);
    EXPECT_EQ(r->phdr_vaddr, r->loads[0].vaddr - r->loads[0].offset + r->phoff);
  }
}

TEST(ElfTest, AcceptsDynamicExecutable) {
  const auto file = read_file("/bin/ls");
  if (file.empty()) GTEST_SKIP() << "/bin/ls not found";
  auto r = parse_elf(file);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->interp);
  EXPECT_EQ(r->interp->front(), '/');
}

}  // namespace
}  // namespace burrow::loader
