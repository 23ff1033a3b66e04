// build_initial_stack: the image is parsed back the way a libc's _start reads it, and
// one small case is checked address by address against Linux's layout.
#include <elf.h>

#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "burrow/abi/layout.h"
#include "loader/initial_stack.h"

namespace burrow::loader {
namespace {

using namespace std::string_literals;

constexpr uint64_t kTop = abi::kUserStackTop;
constexpr uint64_t kMax = abi::kUserStackMax;

// Reads the image as the guest would see it at [base, kTop).
struct GuestView {
  const StackImage& image;

  uint64_t word(uint64_t addr) const {
    EXPECT_GE(addr, image.base);
    EXPECT_LE(addr + 8, kTop);
    uint64_t v;
    std::memcpy(&v, image.bytes.data() + (addr - image.base), sizeof v);
    return v;
  }
  std::string str(uint64_t addr) const {
    EXPECT_GE(addr, image.base);
    EXPECT_LT(addr, kTop);
    return reinterpret_cast<const char*>(image.bytes.data() + (addr - image.base));
  }
};

// What _start finds at sp.
struct Parsed {
  std::vector<std::string> argv, envp;
  std::vector<AuxEntry> auxv;
};

Parsed parse_back(const StackImage& image) {
  GuestView g{image};
  Parsed out;
  uint64_t w = image.sp;
  const uint64_t argc = g.word(w);
  w += 8;
  for (uint64_t i = 0; i < argc; ++i, w += 8) out.argv.push_back(g.str(g.word(w)));
  EXPECT_EQ(g.word(w), 0u) << "argv NULL terminator";
  for (w += 8; g.word(w) != 0; w += 8) out.envp.push_back(g.str(g.word(w)));
  for (w += 8;; w += 16) {
    out.auxv.push_back({g.word(w), g.word(w + 8)});
    if (out.auxv.back().type == AT_NULL) break;
  }
  return out;
}

uint64_t aux_value(const std::vector<AuxEntry>& auxv, uint64_t type) {
  for (const AuxEntry& e : auxv)
    if (e.type == type) return e.value;
  ADD_FAILURE() << "no auxv entry " << type;
  return 0;
}

StackInput sample_input() {
  StackInput in;
  in.argv = {"/bin/prog", "-v", "hello world"};
  in.envp = {"HOME=/root", "PATH=/bin", "EMPTY="};
  in.execfn = "/bin/prog";
  for (int i = 0; i < 16; ++i) in.random[i] = static_cast<uint8_t>(0xA0 + i);
  in.auxv = {{AT_PAGESZ, 4096}, {AT_ENTRY, 0x401000}};
  return in;
}

TEST(InitialStackTest, ParsesBackAsStart) {
  const StackInput in = sample_input();
  auto r = build_initial_stack(kTop, in, kMax);
  ASSERT_TRUE(r.ok()) << r.error().message;
  const StackImage& image = *r;
  EXPECT_EQ(image.sp % 16, 0u);
  EXPECT_EQ(image.base % 4096, 0u);
  EXPECT_LE(image.base, image.sp);
  EXPECT_EQ(image.bytes.size(), kTop - image.base);

  const Parsed p = parse_back(image);
  EXPECT_EQ(p.argv, in.argv);
  EXPECT_EQ(p.envp, in.envp);
  ASSERT_EQ(p.auxv.size(), 6u);
  EXPECT_EQ(p.auxv[0].type, uint64_t{AT_PAGESZ});
  EXPECT_EQ(p.auxv[0].value, 4096u);
  EXPECT_EQ(p.auxv[1].type, uint64_t{AT_ENTRY});
  EXPECT_EQ(p.auxv[2].type, uint64_t{AT_RANDOM});
  EXPECT_EQ(p.auxv[3].type, uint64_t{AT_EXECFN});
  EXPECT_EQ(p.auxv[4].type, uint64_t{AT_PLATFORM});
  EXPECT_EQ(p.auxv[5].type, uint64_t{AT_NULL});
  ASSERT_EQ(image.auxv.size(), p.auxv.size());
  for (size_t i = 0; i < p.auxv.size(); ++i) {
    EXPECT_EQ(image.auxv[i].type, p.auxv[i].type);
    EXPECT_EQ(image.auxv[i].value, p.auxv[i].value);
  }

  GuestView g{image};
  const uint64_t random = aux_value(p.auxv, AT_RANDOM);
  ASSERT_GE(random, image.base);
  EXPECT_EQ(std::memcmp(image.bytes.data() + (random - image.base), in.random.data(), 16), 0);
  EXPECT_EQ(g.str(aux_value(p.auxv, AT_EXECFN)), "/bin/prog");
  EXPECT_EQ(g.str(aux_value(p.auxv, AT_PLATFORM)), "x86_64");
}

TEST(InitialStackTest, StringsSitWhereExecvePutsThem) {
  auto r = build_initial_stack(kTop, sample_input(), kMax);
  ASSERT_TRUE(r.ok());
  GuestView g{*r};
  const uint64_t argv0 = g.word(r->sp + 8);
  const uint64_t envp0 = g.word(r->sp + 8 * 5);
  const uint64_t execfn = aux_value(r->auxv, AT_EXECFN);
  // Top down: a NULL word, execfn, the environment, the arguments, each in order
  // and packed; then (aligned) the platform string and the random bytes.
  EXPECT_EQ(g.word(kTop - 8), 0u);
  EXPECT_EQ(execfn + sizeof("/bin/prog"), kTop - 8);
  EXPECT_EQ(envp0 + sizeof("HOME=/root") + sizeof("PATH=/bin") + sizeof("EMPTY="), execfn);
  EXPECT_EQ(g.word(r->sp + 8 * 6), envp0 + sizeof("HOME=/root"));
  EXPECT_EQ(argv0 + sizeof("/bin/prog") + sizeof("-v") + sizeof("hello world"), envp0);
  EXPECT_EQ(g.word(r->sp + 16), argv0 + sizeof("/bin/prog"));
  const uint64_t platform = aux_value(r->auxv, AT_PLATFORM);
  EXPECT_EQ(platform + sizeof("x86_64"), argv0 & ~uint64_t{15});
  EXPECT_EQ(aux_value(r->auxv, AT_RANDOM) + 16, platform);
}

// Worked by hand from fs/exec.c and create_elf_tables for argv {"a"}, execfn "/a".
TEST(InitialStackTest, MatchesLinuxAddressForAddress) {
  StackInput in;
  in.argv = {"a"};
  in.execfn = "/a";
  auto r = build_initial_stack(kTop, in, kMax);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(aux_value(r->auxv, AT_EXECFN), kTop - 8 - 3);
  EXPECT_EQ(GuestView{*r}.word(r->sp + 8), kTop - 8 - 3 - 2);  // argv[0]
  EXPECT_EQ(aux_value(r->auxv, AT_PLATFORM), kTop - 16 - 7);   // below the aligned p
  EXPECT_EQ(aux_value(r->auxv, AT_RANDOM), kTop - 16 - 7 - 16);
  // 4 auxv pairs + argc, argv[0], NULL, NULL = 12 words below the random bytes, rounded.
  EXPECT_EQ(r->sp, (kTop - 16 - 7 - 16 - 12 * 8) & ~uint64_t{15});
  EXPECT_EQ(r->sp, kTop - 0x90);
  EXPECT_EQ(r->base, kTop - 0x1000);
}

TEST(InitialStackTest, FillsCallerPlaceholdersInPlace) {
  StackInput in = sample_input();
  in.auxv = {{AT_EXECFN, 0}, {AT_PAGESZ, 4096}, {AT_RANDOM, 0}};
  auto r = build_initial_stack(kTop, in, kMax);
  ASSERT_TRUE(r.ok());
  const Parsed p = parse_back(*r);
  ASSERT_EQ(p.auxv.size(), 5u);
  EXPECT_EQ(p.auxv[0].type, uint64_t{AT_EXECFN});
  EXPECT_EQ(GuestView{*r}.str(p.auxv[0].value), "/bin/prog");
  EXPECT_EQ(p.auxv[2].type, uint64_t{AT_RANDOM});
  EXPECT_NE(p.auxv[2].value, 0u);
  EXPECT_EQ(p.auxv[3].type, uint64_t{AT_PLATFORM});
  EXPECT_EQ(p.auxv[4].type, uint64_t{AT_NULL});
}

TEST(InitialStackTest, CutsStringsAtNul) {
  StackInput in = sample_input();
  in.argv = {"ab\0cd"s, "next"};
  in.envp = {"K=v\0hidden"s};
  in.execfn = "/x\0y"s;
  auto r = build_initial_stack(kTop, in, kMax);
  ASSERT_TRUE(r.ok());
  const Parsed p = parse_back(*r);
  EXPECT_EQ(p.argv, (std::vector<std::string>{"ab", "next"}));
  EXPECT_EQ(p.envp, (std::vector<std::string>{"K=v"}));
  GuestView g{*r};
  EXPECT_EQ(g.word(r->sp + 16), g.word(r->sp + 8) + 3);  // "ab\0" then "next"
  EXPECT_EQ(g.str(aux_value(r->auxv, AT_EXECFN)), "/x");
}

TEST(InitialStackTest, EmptyArgvBecomesOneEmptyString) {
  StackInput in = sample_input();
  in.argv.clear();
  in.envp.clear();
  auto r = build_initial_stack(kTop, in, kMax);
  ASSERT_TRUE(r.ok());
  const Parsed p = parse_back(*r);
  EXPECT_EQ(p.argv, (std::vector<std::string>{""}));
  EXPECT_TRUE(p.envp.empty());
}

TEST(InitialStackTest, ManyStringsSpanPages) {
  StackInput in = sample_input();
  for (int i = 0; i < 2000; ++i) in.envp.push_back("VAR" + std::to_string(i) + "=" + std::string(i % 50, 'x'));
  auto r = build_initial_stack(kTop, in, kMax);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(parse_back(*r).envp, in.envp);
  EXPECT_EQ(r->sp % 16, 0u);
  EXPECT_EQ(r->bytes.size(), kTop - r->base);
}

void expect_too_long(const Result<StackImage>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ExitCode::kCannotExecute);
  EXPECT_EQ(r.error().message, "argument list too long");
}

TEST(InitialStackTest, TooLongIsExact) {
  const StackInput in = sample_input();
  auto r = build_initial_stack(kTop, in, kMax);
  ASSERT_TRUE(r.ok());
  const uint64_t size = kTop - r->sp;
  EXPECT_TRUE(build_initial_stack(kTop, in, size).ok());
  expect_too_long(build_initial_stack(kTop, in, size - 1));
}

TEST(InitialStackTest, RejectsHugeArgumentsAndTinyStacks) {
  StackInput in = sample_input();
  in.argv.push_back(std::string(128 * 1024 - 1, 'a'));  // MAX_ARG_STRLEN with its NUL
  EXPECT_TRUE(build_initial_stack(kTop, in, kMax).ok());
  in.argv.back() += 'a';
  expect_too_long(build_initial_stack(kTop, in, kMax));

  in = sample_input();
  in.envp.assign(1 << 20, "");  // 1 MiB of pointers and NULs
  expect_too_long(build_initial_stack(kTop, in, 1 << 20));
  expect_too_long(build_initial_stack(64, sample_input(), ~uint64_t{0}));
}

}  // namespace
}  // namespace burrow::loader
