// A tiny text formatter for generated files (/proc) and messages: appends to a
// caller's buffer, truncating (and remembering it) when full.
#pragma once

#include <cstddef>
#include <cstdint>

namespace burrow::kernel {

class Writer {
 public:
  Writer(char* buf, size_t cap) : buf_(buf), cap_(cap) {}
  Writer& str(const char* s);
  Writer& str(const char* s, size_t n);
  Writer& ch(char c) { return str(&c, 1); }
  Writer& dec(uint64_t v, int width = 0, char pad = ' ');
  Writer& sdec(int64_t v);
  Writer& hex(uint64_t v, int width = 0);
  size_t size() const { return len_; }
  bool truncated() const { return truncated_; }
  const char* data() const { return buf_; }

 private:
  char* buf_;
  size_t cap_;
  size_t len_ = 0;
  bool truncated_ = false;
};

}  // namespace burrow::kernel
