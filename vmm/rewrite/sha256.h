// SHA-256 (FIPS 180-4): the content hash that keys cached rewriter analyses.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace burrow::rewrite {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  // Uses the CPU's SHA extensions when it has them (10x faster: libc.so.6 in ~1.5
  // ms), unless `use_sha_ni` is false (tests compare both).
  explicit Sha256(bool use_sha_ni = true);
  void update(std::span<const uint8_t> data);
  Sha256Digest finish();

 private:
  void blocks(const uint8_t* p, size_t count);

  bool sha_ni_;
  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  uint64_t total_ = 0;  // bytes fed so far
};

Sha256Digest sha256(std::span<const uint8_t> data);
// Lower-case hex, 64 characters.
std::string to_hex(const Sha256Digest& digest);

}  // namespace burrow::rewrite
