// Rewriter analyses kept across loads: in memory for the monitor's lifetime and, if
// a directory is given, on disk ($XDG_CACHE_HOME/burrow/rewrite), keyed by the
// SHA-256 of the analyzed file. A cache file that is corrupt, truncated or from
// another format version is ignored and rewritten, never trusted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "result.h"
#include "rewrite/rewriter.h"

namespace burrow::rewrite {

// Bump whenever analyze() may classify any file differently.
inline constexpr uint32_t kAnalysisFormatVersion = 1;

std::vector<uint8_t> serialize(const Analysis& analysis);
// Checks everything (checksum, bounds, enum values, ordering); kMonitorFailed errors.
Result<Analysis> deserialize(std::span<const uint8_t> bytes);

class AnalysisCache {
 public:
  struct Stats {
    uint64_t memory_hits = 0;
    uint64_t disk_hits = 0;
    uint64_t analyzed = 0;
    uint64_t disk_errors = 0;  // unreadable/corrupt cache files and failed writes
  };

  // An empty `dir` keeps analyses in memory only.
  explicit AnalysisCache(std::filesystem::path dir = {});
  // $XDG_CACHE_HOME/burrow/rewrite, else $HOME/.cache/burrow/rewrite, else empty.
  static std::filesystem::path default_dir();

  // The analysis of `elf_file` (analyze()'s errors pass through).
  Result<std::shared_ptr<const Analysis>> get(std::span<const uint8_t> elf_file);
  Stats stats() const;

 private:
  std::filesystem::path path_for(const Sha256Digest& hash) const;
  std::shared_ptr<const Analysis> load_from_disk(const Sha256Digest& hash);
  void store_to_disk(const Analysis& analysis);

  std::filesystem::path dir_;
  mutable std::mutex mutex_;
  std::map<Sha256Digest, std::shared_ptr<const Analysis>> memory_;
  Stats stats_;
};

}  // namespace burrow::rewrite
