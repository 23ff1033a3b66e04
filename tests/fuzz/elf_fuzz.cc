// libFuzzer target for parse_elf: every input is either rejected with a one-line
// kCannotExecute error or yields an image that keeps the promises the loader relies on.
#include <elf.h>

#include <cstdint>
#include <span>

#include "burrow/abi/layout.h"
#include "loader/elf.h"

namespace {

using burrow::abi::kPageSize;
using burrow::abi::kUserEnd;
using burrow::abi::kUserMinAddr;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_image(const burrow::loader::ElfImage& image, std::span<const uint8_t> file) {
  check(image.type == ET_EXEC || image.type == ET_DYN);
  check(!image.loads.empty());
  check(image.min_vaddr % kPageSize == 0 && image.max_vaddr % kPageSize == 0);
  check(image.min_vaddr < image.max_vaddr && image.max_vaddr - image.min_vaddr < kUserEnd);
  if (image.type == ET_EXEC) check(image.min_vaddr >= kUserMinAddr && image.max_vaddr <= kUserEnd);

  bool entry_ok = false;
  uint64_t prev_end = 0;
  for (const auto& s : image.loads) {
    uint64_t end, file_end;
    check(!__builtin_add_overflow(s.vaddr, s.memsz, &end));
    check(s.filesz <= s.memsz);
    check(s.filesz == 0 || (!__builtin_add_overflow(s.offset, s.filesz, &file_end) && file_end <= file.size()));
    check(s.align <= 1 || s.vaddr % kPageSize == s.offset % kPageSize);
    check(s.vaddr >= prev_end && image.min_vaddr <= s.vaddr && end <= image.max_vaddr);
    prev_end = end;
    if ((s.flags & PF_X) && s.vaddr <= image.entry && image.entry < end) entry_ok = true;
  }
  check(entry_ok);
  if (image.interp) {
    check(!image.interp->empty() && image.interp->size() < 4096);
    check(image.interp->find('\0') == std::string::npos);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> file(data, size);
  auto result = burrow::loader::parse_elf(file);
  if (result) {
    check_image(*result, file);
  } else {
    check(result.error().code == burrow::ExitCode::kCannotExecute);
    check(!result.error().message.empty() && result.error().message.find('\n') == std::string::npos);
  }
  return 0;
}
