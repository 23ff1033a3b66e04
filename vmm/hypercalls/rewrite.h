// The monitor's side of rewritten system calls (issue 6): analyses files with the
// rewriter (cached by content hash) and writes patches and trampolines into guest
// memory, for the images the monitor loads and for the files the guest maps
// executable (Hypercall::kRewrite).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <tuple>

#include "fs/mapped_file.h"
#include "hypercalls/files.h"
#include "memory/guest_memory.h"
#include "rewrite/analysis_cache.h"
#include "rewrite/rewriter.h"

namespace burrow::hypercalls {

class RewriteService {
 public:
  RewriteService(const memory::GuestMemory& mem, FileService& files, rewrite::AnalysisCache& cache)
      : mem_(mem), files_(files), cache_(cache) {}
  void set_cr3(uint64_t cr3) { cr3_ = cr3; }
  // The handle was closed: its mappings are gone. After execve: all of them.
  void forget(uint64_t handle) {
    std::erase_if(registrations_, [&](const Registration& r) { return r.handle == handle; });
  }
  void forget_all() { registrations_.clear(); }

  // Hypercall::kRewrite (see abi/hypercall.h).
  int64_t rewrite_mapping(uint64_t handle, uint64_t offset, uint64_t length, uint64_t map_addr, uint64_t tramp_addr,
                          uint64_t tramp_capacity);
  // The same for bytes the monitor has (a loaded image): with capacity 0, only how
  // many trampoline bytes it needs.
  // With `handle`, the patches are also registered for kFillFromFile.
  int64_t rewrite_bytes(const rewrite::Analysis& analysis, std::span<const uint8_t> file, uint64_t offset,
                        uint64_t length, uint64_t map_addr, uint64_t tramp_addr, uint64_t tramp_capacity,
                        std::optional<uint64_t> handle = std::nullopt);

  // Hypercall::kFillFromFile filled file offsets [span.first, span.second) of
  // `handle` into a mapping placed at `bias` + offset: the patches registered for it
  // go onto those pages.
  void on_fill(uint64_t handle, uint64_t bias, std::pair<uint64_t, uint64_t> span);

  // For --stats: sites over every mapping rewritten, files analysed.
  const rewrite::SiteCounts& counts() const { return counts_; }
  uint64_t mappings() const { return mappings_; }
  rewrite::AnalysisCache& cache() { return cache_; }

 private:
  struct Loaded {
    fs::MappedFile bytes;
    std::shared_ptr<const rewrite::Analysis> analysis;
  };
  const Loaded* load(int fd);
  // One executable mapping of a file whose pages get patches as they are filled.
  struct Registration {
    uint64_t handle, offset, length, bias;
    std::span<const uint8_t> file;      // the file's bytes (owned by loaded_)
    std::vector<rewrite::Patch> patches;  // ascending address
  };
  // Writes the parts of `patches` in [lo, hi) that lie on present pages still
  // holding the file's bytes.
  void apply(const Registration& r, uint64_t lo, uint64_t hi);
  std::vector<Registration> registrations_;
  // The guest asks twice for each mapping (how many trampoline bytes, then with
  // room for them): the first answer's work is kept for the second.
  struct LastEmit {
    const rewrite::Analysis* analysis = nullptr;
    uint64_t offset = 0, length = 0, map_addr = 0, tramp_addr = 0;
    rewrite::Emitted emitted;
  };
  LastEmit last_;

  const memory::GuestMemory& mem_;
  FileService& files_;
  rewrite::AnalysisCache& cache_;
  uint64_t cr3_ = 0;
  // Files already read this run, by identity (device, inode, size, mtime).
  std::map<std::tuple<dev_t, ino_t, off_t, int64_t>, Loaded> loaded_;
  rewrite::SiteCounts counts_;
  uint64_t mappings_ = 0;
};

}  // namespace burrow::hypercalls
