// Page profiles: which pages of a file earlier runs of a program touched through
// mappings, kept per version of the file and of the program ($XDG_CACHE_HOME/burrow/
// pages, keyed by both identities: libc's pages for `true` are not python3's). The
// guest fills those pages at the first fault in the file, in one exit, instead of
// faulting its way through windows of pages it mostly never reads (python3 -c pass:
// 9.5 MiB copied into guest memory where it touches 4). A profile is a hint: a
// wrong one costs time, never correctness, since every page still comes from the
// file itself. A guest can write junk into its own user's profiles, nothing more.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <vector>

#include "rewrite/analysis_cache.h"

namespace burrow::fs {

class PageProfiles {
 public:
  // An empty `dir` keeps profiles in memory only (for the monitor's lifetime).
  explicit PageProfiles(std::filesystem::path dir = {});
  // $XDG_CACHE_HOME/burrow/pages, else $HOME/.cache/burrow/pages, else empty.
  static std::filesystem::path default_dir();

  // The program whose runs the profiles are about (its identity): the program itself
  // and the libraries it maps get profiles of their own for it.
  void set_program(const rewrite::FileIdentity& program) { program_ = program; }

  // The profile of the regular file behind `fd`: bit i (LSB first) of byte i / 8 set
  // when page i was touched. Empty when none is known or fd is no regular file (or
  // one without a name: a memfd, a deleted file).
  std::vector<uint8_t> get(int fd);
  // ORs `bits` into the profile of fd's file (at most kMaxBytes of them count), and
  // writes it out when that added a page.
  void add(int fd, std::span<const uint8_t> bits);

  // Profiles cover a file's first 128 MiB (32768 pages).
  static constexpr size_t kMaxBytes = 4096;
  // File versions one monitor keeps profiles of (beyond: none, and none stored).
  static constexpr size_t kMaxProfiles = 4096;
  uint64_t disk_errors() const { return disk_errors_; }

 private:
  using Key = std::pair<rewrite::FileIdentity, rewrite::FileIdentity>;  // file, program
  // The profile in memory, loaded from disk on first use; nullptr past kMaxProfiles.
  std::vector<uint8_t>* lookup(const Key& key);
  std::filesystem::path path_for(const Key& key) const;
  bool private_dir();
  void store(const Key& key, const std::vector<uint8_t>& bits);

  std::filesystem::path dir_;
  bool dir_ok_ = false;
  rewrite::FileIdentity program_;
  std::map<Key, std::vector<uint8_t>> memory_;
  uint64_t disk_errors_ = 0;
};

}  // namespace burrow::fs
