// build_initial_stack: chooses every address from the top down in the order Linux
// does (strings as execve copies them, then what create_elf_tables adds), then writes
// the image in one pass.
#include "loader/initial_stack.h"

#include <elf.h>

#include <cstring>
#include <string_view>

namespace burrow::loader {
namespace {

// ABI: fs/exec.c refuses any one string longer than MAX_ARG_STRLEN, NUL included.
constexpr uint64_t kMaxArgStrlen = 32 * 4096;

Error too_long() { return make_error(ExitCode::kCannotExecute, "argument list too long"); }

uint64_t strings_size(const std::vector<std::string_view>& list) {
  uint64_t size = 0;
  for (std::string_view s : list) size += s.size() + 1;
  return size;
}

// Places `list` just below *p, first string lowest, and returns each string's address.
std::vector<uint64_t> place_strings(const std::vector<std::string_view>& list, uint64_t* p) {
  *p -= strings_size(list);
  std::vector<uint64_t> addrs;
  for (uint64_t a = *p; std::string_view s : list) {
    addrs.push_back(a);
    a += s.size() + 1;
  }
  return addrs;
}

}  // namespace

Result<StackImage> build_initial_stack(uint64_t stack_top, const StackInput& in, uint64_t max_size) {
  // std::string_view(const char*) stops at the first NUL, which is what execve sees.
  std::vector<std::string_view> argv, envp;
  for (const std::string& s : in.argv) argv.emplace_back(s.c_str());
  for (const std::string& s : in.envp) envp.emplace_back(s.c_str());
  if (argv.empty()) argv.emplace_back("");
  std::vector<std::string_view> execfn{in.execfn.c_str()};
  std::vector<std::string_view> platform{in.platform.c_str()};

  for (const auto* list : {&argv, &envp, &execfn})
    for (std::string_view s : *list)
      if (s.size() + 1 > kMaxArgStrlen) return too_long();
  // An upper bound on the image (alignment slack included) keeps the address
  // arithmetic below from wrapping; any real stack_top is far above it.
  const uint64_t items = (argv.size() + 1) + (envp.size() + 1) + 1;
  const uint64_t max_words = items + 2 * (in.auxv.size() + 4);
  const uint64_t bound = 8 + strings_size(argv) + strings_size(envp) + strings_size(execfn) + 15 +
                         strings_size(platform) + 16 + 8 * max_words + 15;
  if (bound > stack_top) return too_long();

  // ABI: execve leaves one NULL pointer at the very top, then copies execfn, the
  // environment and the arguments downwards.
  uint64_t p = stack_top - 8;
  const uint64_t execfn_addr = place_strings(execfn, &p)[0];
  const std::vector<uint64_t> envp_addrs = place_strings(envp, &p);
  const std::vector<uint64_t> argv_addrs = place_strings(argv, &p);
  // create_elf_tables: arch_align_stack (no randomization), platform, random bytes.
  p &= ~uint64_t{15};
  const uint64_t platform_addr = place_strings(platform, &p)[0];
  p -= in.random.size();
  const uint64_t random_addr = p;

  std::vector<AuxEntry> auxv = in.auxv;
  auto set_aux = [&auxv](uint64_t type, uint64_t value) {
    for (AuxEntry& e : auxv) {
      if (e.type == type) {
        e.value = value;
        return;
      }
    }
    auxv.push_back({type, value});
  };
  set_aux(AT_RANDOM, random_addr);
  set_aux(AT_EXECFN, execfn_addr);
  set_aux(AT_PLATFORM, platform_addr);
  auxv.push_back({AT_NULL, 0});

  // ABI: STACK_ROUND — argc, argv, envp and auxv sit contiguously from a 16-byte
  // aligned sp; the slack, if any, lies between auxv and the random bytes.
  const uint64_t sp = (p - 8 * (items + 2 * auxv.size())) & ~uint64_t{15};
  if (stack_top - sp > max_size) return too_long();

  StackImage image{.sp = sp, .base = sp & ~uint64_t{4095}, .bytes = {}, .auxv = auxv};
  image.bytes.assign(stack_top - image.base, 0);
  auto put = [&image](uint64_t addr, const void* data, size_t size) {
    std::memcpy(image.bytes.data() + (addr - image.base), data, size);
  };
  auto put_strings = [&put](const std::vector<std::string_view>& list, const std::vector<uint64_t>& addrs) {
    for (size_t i = 0; i < list.size(); ++i) put(addrs[i], list[i].data(), list[i].size());
  };
  put_strings(execfn, {execfn_addr});
  put_strings(envp, envp_addrs);
  put_strings(argv, argv_addrs);
  put_strings(platform, {platform_addr});
  put(random_addr, in.random.data(), in.random.size());

  // The NUL terminators, the NULL pointers and AT_NULL are the zeroes already there.
  uint64_t w = sp;
  auto put_word = [&](uint64_t v) {
    put(w, &v, sizeof v);
    w += sizeof v;
  };
  put_word(argv.size());
  for (uint64_t a : argv_addrs) put_word(a);
  w += 8;
  for (uint64_t a : envp_addrs) put_word(a);
  w += 8;
  for (const AuxEntry& e : auxv) {
    put_word(e.type);
    put_word(e.value);
  }
  return image;
}

}  // namespace burrow::loader
