// Rewriter analyses kept across loads: in memory for the monitor's lifetime and, if
// a directory is given, on disk ($XDG_CACHE_HOME/burrow/rewrite), keyed by the
// SHA-256 of the analyzed file. A cache file that is corrupt, truncated or from
// another format version is ignored and rewritten, never trusted.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "result.h"
#include "rewrite/rewriter.h"

namespace burrow::rewrite {

// Bump whenever analyze() may classify any file differently.
inline constexpr uint32_t kAnalysisFormatVersion = 2;  // 2: cpuid sites

std::vector<uint8_t> serialize(const Analysis& analysis);
bool consistent(const Analysis& analysis, std::span<const uint8_t> file);
// Checks everything (checksum, bounds, enum values, ordering); kMonitorFailed errors.
Result<Analysis> deserialize(std::span<const uint8_t> bytes);

// What identifies one version of a file without reading it: Linux updates ctime on
// every change of contents, and nobody can set it back.
struct FileIdentity {
  uint64_t dev = 0, ino = 0, size = 0;
  int64_t mtime_ns = 0, ctime_ns = 0;
  auto operator<=>(const FileIdentity&) const = default;
};

// The identity of the file behind `st`.
inline FileIdentity identity_of(const struct stat& st) {
  return {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size),
          int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec,
          int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec};
}

class AnalysisCache {
 public:
  struct Stats {
    uint64_t memory_hits = 0;
    uint64_t disk_hits = 0;
    uint64_t analyzed = 0;
    uint64_t disk_errors = 0;  // unreadable/corrupt cache files and failed writes
    uint64_t identity_hits = 0;  // found by file identity, without hashing
  };

  // An empty `dir` keeps analyses in memory only.
  explicit AnalysisCache(std::filesystem::path dir = {});
  // $XDG_CACHE_HOME/burrow/rewrite, else $HOME/.cache/burrow/rewrite, else empty.
  static std::filesystem::path default_dir();

  // The analysis of `elf_file` (analyze()'s errors pass through). With `id`, the
  // file's identity maps to its hash (in memory and on disk), so a file seen before
  // is not hashed again.
  Result<std::shared_ptr<const Analysis>> get(std::span<const uint8_t> elf_file, const FileIdentity* id = nullptr);
  Stats stats() const;

 private:
  std::filesystem::path path_for(const Sha256Digest& hash) const;
  std::filesystem::path identity_path(const FileIdentity& id) const;
  bool private_dir();
  std::optional<Sha256Digest> known_hash(const FileIdentity& id);
  void remember_hash(const FileIdentity& id, const Sha256Digest& hash);
  std::shared_ptr<const Analysis> load_from_disk(const Sha256Digest& hash);
  void store_to_disk(const Analysis& analysis);

  std::filesystem::path dir_;
  bool dir_ok_ = false;
  mutable std::mutex mutex_;
  std::map<Sha256Digest, std::shared_ptr<const Analysis>> memory_;
  std::map<FileIdentity, Sha256Digest> identities_;
  Stats stats_;
};

}  // namespace burrow::rewrite
