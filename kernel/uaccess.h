// UserPtr<T>: a program pointer as a handler receives it. Every access is checked
// against the program's areas (and maps what is missing) first; a failed check is
// the handler's -EFAULT.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "lib/string.h"
#include "mm/fault.h"

namespace burrow::kernel {

template <class T>
class UserPtr {
 public:
  explicit UserPtr(uint64_t addr) : addr_(addr) {}
  uint64_t addr() const { return addr_; }
  bool is_null() const { return addr_ == 0; }
  UserPtr operator+(size_t n) const { return UserPtr(addr_ + n * sizeof(T)); }

  bool read(std::remove_const_t<T>* out, size_t n = 1) const {
    if (!mm::user_prepare(addr_, n * sizeof(T), false)) return false;
    // SAFETY: user_prepare checked the range is mapped and readable.
    memcpy(out, reinterpret_cast<const void*>(addr_), n * sizeof(T));
    return true;
  }
  bool write(const T* in, size_t n = 1) const {
    if (!mm::user_prepare(addr_, n * sizeof(T), true)) return false;
    // SAFETY: user_prepare checked the range is mapped and writable.
    memcpy(reinterpret_cast<void*>(addr_), in, n * sizeof(T));
    return true;
  }
  bool write(const T& v) const { return write(&v, 1); }
  // Makes the whole range accessible without copying (for hypercalls that pass it on).
  bool prepare(size_t n, bool for_write) const { return mm::user_prepare(addr_, n * sizeof(T), for_write); }

 private:
  uint64_t addr_;
};

// Copies a NUL-terminated program string into buf (capacity cap, including the NUL).
// Returns its length, -EFAULT, or -ENAMETOOLONG.
int64_t copy_user_string(uint64_t addr, char* buf, size_t cap);

}  // namespace burrow::kernel
