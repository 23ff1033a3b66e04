// Writer: decimal and hexadecimal without a C library.
#include "lib/writer.h"

#include "lib/string.h"

namespace burrow::kernel {

Writer& Writer::str(const char* s, size_t n) {
  if (n > cap_ - len_) {
    n = cap_ - len_;
    truncated_ = true;
  }
  memcpy(buf_ + len_, s, n);
  len_ += n;
  return *this;
}

Writer& Writer::str(const char* s) { return str(s, strlen(s)); }

Writer& Writer::dec(uint64_t v, int width, char pad) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v);
  for (int i = n; i < width; ++i) ch(pad);
  while (n) ch(tmp[--n]);
  return *this;
}

Writer& Writer::sdec(int64_t v) {
  if (v < 0) {
    ch('-');
    return dec(static_cast<uint64_t>(-(v + 1)) + 1);
  }
  return dec(static_cast<uint64_t>(v));
}

Writer& Writer::hex(uint64_t v, int width) {
  char tmp[16];
  int n = 0;
  do {
    tmp[n++] = "0123456789abcdef"[v & 15];
    v >>= 4;
  } while (v);
  for (int i = n; i < width; ++i) ch('0');
  while (n) ch(tmp[--n]);
  return *this;
}

}  // namespace burrow::kernel
