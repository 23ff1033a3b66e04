#include "hypercalls/rewrite.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "burrow/abi/layout.h"
#include "rewrite/static_rewrite.h"

namespace burrow::hypercalls {
namespace {

// Files larger than this are not rewritten (their sites keep trapping).
constexpr uint64_t kMaxRewriteFile = 512ull << 20;

bool user_range(uint64_t start, uint64_t len) {
  return len <= abi::kUserEnd && start <= abi::kUserEnd - len;
}

}  // namespace

const RewriteService::Loaded* RewriteService::load(int fd) {
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
      static_cast<uint64_t>(st.st_size) > kMaxRewriteFile)
    return nullptr;
  rewrite::FileIdentity id = rewrite::identity_of(st);
  auto key = std::make_tuple(id.dev, id.ino, id.size, id.mtime_ns);
  if (auto it = loaded_.find(key); it != loaded_.end()) return it->second.analysis ? &it->second : nullptr;
  Loaded& l = loaded_[key];
  l.bytes = fs::MappedFile::map(fd, static_cast<size_t>(st.st_size));
  if (l.bytes.empty()) return nullptr;
  // A file `burrow rewrite` made is rewritten already.
  if (rewrite::is_rewritten(l.bytes)) return nullptr;
  auto analysis = cache_.get(l.bytes, &id);
  if (!analysis) return nullptr;  // not an ELF we can rewrite: remembered as such
  l.analysis = *analysis;
  return &l;
}

int64_t RewriteService::rewrite_mapping(uint64_t handle, uint64_t offset, uint64_t length, uint64_t map_addr,
                                        uint64_t tramp_addr, uint64_t tramp_capacity) {
  const Loaded* l = load(files_.host_fd(handle));
  if (!l) return files_.valid(handle) ? 0 : -EBADF;
  return rewrite_bytes(*l->analysis, l->bytes, offset, length, map_addr, tramp_addr, tramp_capacity, handle);
}

void RewriteService::apply(const Registration& r, uint64_t lo, uint64_t hi) {
  auto first = std::lower_bound(r.patches.begin(), r.patches.end(), lo > 16 ? lo - 16 : 0,
                                [](const rewrite::Patch& p, uint64_t a) { return p.addr < a; });
  for (auto it = first; it != r.patches.end() && it->addr < hi; ++it) {
    const rewrite::Patch& p = *it;
    if (p.addr + p.size <= lo) continue;
    // Page by page: a patch that straddles a page boundary gets each part when its
    // page is present, so both parts are there before the instruction can run.
    for (uint64_t at = p.addr; at < p.addr + p.size;) {
      uint64_t page_end = (at | (abi::kPageSize - 1)) + 1;
      uint64_t end = std::min(page_end, p.addr + p.size);
      size_t n = end - at, skip = at - p.addr;
      uint64_t file_at = r.offset + (at - (r.bias + r.offset));
      uint8_t current[16];
      if (file_at + n <= r.file.size() && memory::read_virtual(mem_, cr3_, at, current, n) &&
          std::memcmp(current, r.file.data() + file_at, n) == 0)
        memory::patch_virtual(mem_, cr3_, at, p.data.data() + skip, n);
      at = end;
    }
  }
}

void RewriteService::on_fill(uint64_t handle, uint64_t bias, std::pair<uint64_t, uint64_t> span) {
  for (const Registration& r : registrations_) {
    if (r.handle != handle || r.bias != bias) continue;
    uint64_t lo = std::max(span.first, r.offset), hi = std::min(span.second, r.offset + r.length);
    if (lo < hi) apply(r, bias + lo, bias + hi);
  }
}

int64_t RewriteService::rewrite_bytes(const rewrite::Analysis& analysis, std::span<const uint8_t> file,
                                      uint64_t offset, uint64_t length, uint64_t map_addr, uint64_t tramp_addr,
                                      uint64_t tramp_capacity, std::optional<uint64_t> handle) {
  // Everything here is guest-chosen: the ranges must be user addresses, and each
  // byte is written only through the guest's own page tables.
  if (!user_range(map_addr, length) || !user_range(tramp_addr, tramp_capacity) || offset > file.size()) return -EINVAL;
  if (tramp_capacity > abi::kTrampolineArenaSize) return -EINVAL;
  bool dry_run = tramp_capacity == 0;
  rewrite::Emitted e;
  bool same = last_.analysis == &analysis && last_.offset == offset && last_.length == length &&
              last_.map_addr == map_addr && last_.tramp_addr == tramp_addr;
  if (!dry_run && same && last_.emitted.trampolines.size() <= tramp_capacity) {
    // emit() with a capacity at least what it used gives the same bytes.
    e = std::move(last_.emitted);
    last_.analysis = nullptr;
  } else {
    e = rewrite::emit(analysis, offset, length, map_addr, tramp_addr,
                      dry_run ? abi::kTrampolineArenaSize : tramp_capacity);
  }
  if (e.trampolines.empty()) return 0;
  if (dry_run) {
    last_ = LastEmit{&analysis, offset, length, map_addr, tramp_addr, std::move(e)};
    return static_cast<int64_t>(last_.emitted.trampolines.size());
  }
  if (e.trampolines.size() > tramp_capacity) return -ENOSPC;
  if (!memory::patch_virtual(mem_, cr3_, tramp_addr, e.trampolines.data(), e.trampolines.size())) return -EFAULT;
  std::erase_if(e.patches, [&](const rewrite::Patch& p) { return p.addr < map_addr || p.addr + p.size > map_addr + length; });
  Registration r{handle.value_or(~0ull), offset, length, map_addr - offset, file, std::move(e.patches)};
  // What is present now gets its patches at once; the rest as it is filled.
  apply(r, map_addr, map_addr + length);
  if (handle) {
    // A new mapping of the same part of the file replaces the old one's patches.
    std::erase_if(registrations_, [&](const Registration& old) {
      return old.handle == *handle && old.offset < offset + length && offset < old.offset + old.length;
    });
    registrations_.push_back(std::move(r));
  }
  counts_ += e.counts;
  ++mappings_;
  return static_cast<int64_t>(e.trampolines.size());
}

}  // namespace burrow::hypercalls
