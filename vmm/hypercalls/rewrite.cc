#include "hypercalls/rewrite.h"

#include <sys/stat.h>
#include <unistd.h>

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
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) > kMaxRewriteFile)
    return nullptr;
  auto key = std::make_tuple(st.st_dev, st.st_ino, st.st_size, int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec);
  if (auto it = loaded_.find(key); it != loaded_.end()) return it->second.analysis ? &it->second : nullptr;
  Loaded& l = loaded_[key];
  l.bytes.resize(static_cast<size_t>(st.st_size));
  for (size_t done = 0; done < l.bytes.size();) {
    ssize_t n = ::pread(fd, l.bytes.data() + done, l.bytes.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      l.bytes.clear();
      return nullptr;
    }
    done += static_cast<size_t>(n);
  }
  // A file `burrow rewrite` made is rewritten already.
  if (rewrite::is_rewritten(l.bytes)) {
    l.bytes.clear();
    return nullptr;
  }
  rewrite::FileIdentity id{st.st_dev, st.st_ino, static_cast<uint64_t>(st.st_size),
                           int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec,
                           int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec};
  auto analysis = cache_.get(l.bytes, &id);
  if (!analysis) {
    l.bytes.clear();  // not an ELF we can rewrite: remembered as such
    return nullptr;
  }
  l.analysis = *analysis;
  return &l;
}

int64_t RewriteService::rewrite_mapping(uint64_t handle, uint64_t offset, uint64_t length, uint64_t map_addr,
                                        uint64_t tramp_addr, uint64_t tramp_capacity) {
  const Loaded* l = load(files_.host_fd(handle));
  if (!l) return files_.valid(handle) ? 0 : -EBADF;
  return rewrite_bytes(*l->analysis, l->bytes, offset, length, map_addr, tramp_addr, tramp_capacity);
}

int64_t RewriteService::rewrite_bytes(const rewrite::Analysis& analysis, std::span<const uint8_t> file,
                                      uint64_t offset, uint64_t length, uint64_t map_addr, uint64_t tramp_addr,
                                      uint64_t tramp_capacity) {
  // Everything here is guest-chosen: the ranges must be user addresses, and each
  // byte is written only through the guest's own page tables.
  if (!user_range(map_addr, length) || !user_range(tramp_addr, tramp_capacity) || offset > file.size()) return -EINVAL;
  if (tramp_capacity > abi::kTrampolineArenaSize) return -EINVAL;
  bool dry_run = tramp_capacity == 0;
  rewrite::Emitted e = rewrite::emit(analysis, offset, length, map_addr, tramp_addr,
                                     dry_run ? abi::kTrampolineArenaSize : tramp_capacity);
  if (e.trampolines.empty()) return 0;
  if (dry_run) return static_cast<int64_t>(e.trampolines.size());
  if (e.trampolines.size() > tramp_capacity) return -ENOSPC;
  if (!memory::patch_virtual(mem_, cr3_, tramp_addr, e.trampolines.data(), e.trampolines.size())) return -EFAULT;
  for (const auto& p : e.patches) {
    if (p.addr < map_addr || p.addr + p.size > map_addr + length) continue;
    // Only where the guest's bytes are still the file's: a page the program or
    // loader changed keeps its own bytes (and its site keeps trapping).
    uint64_t at = offset + (p.addr - map_addr);
    if (at + p.size > file.size()) continue;
    uint8_t current[16];
    if (!memory::read_virtual(mem_, cr3_, p.addr, current, p.size)) continue;
    if (std::memcmp(current, file.data() + at, p.size) != 0) continue;
    memory::patch_virtual(mem_, cr3_, p.addr, p.data.data(), p.size);
  }
  counts_ += e.counts;
  ++mappings_;
  return static_cast<int64_t>(e.trampolines.size());
}

}  // namespace burrow::hypercalls
