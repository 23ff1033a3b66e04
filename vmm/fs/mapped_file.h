// MappedFile: a host file's bytes mapped read-only from the page cache: nothing is
// copied, and pages nobody looks at are never read. (If someone truncates the file
// on the host while it is mapped, touching it raises SIGBUS, which main() reports.)
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>

namespace burrow::fs {

class MappedFile {
 public:
  MappedFile() = default;
  // The first `size` bytes of `fd`; empty when size is 0 or mmap fails (errno says why).
  static MappedFile map(int fd, size_t size) {
    MappedFile m;
    if (size == 0) return m;
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) m.span_ = {static_cast<const uint8_t*>(p), size};
    return m;
  }
  MappedFile(MappedFile&& o) noexcept : span_(std::exchange(o.span_, {})) {}
  MappedFile& operator=(MappedFile&& o) noexcept {
    if (this != &o) {
      unmap();
      span_ = std::exchange(o.span_, {});
    }
    return *this;
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() { unmap(); }

  std::span<const uint8_t> bytes() const { return span_; }
  operator std::span<const uint8_t>() const { return span_; }
  size_t size() const { return span_.size(); }
  bool empty() const { return span_.empty(); }
  const uint8_t& operator[](size_t i) const { return span_[i]; }
  auto begin() const { return span_.begin(); }

 private:
  void unmap() {
    if (!span_.empty()) ::munmap(const_cast<uint8_t*>(span_.data()), span_.size());
    span_ = {};
  }
  std::span<const uint8_t> span_;
};

}  // namespace burrow::fs
