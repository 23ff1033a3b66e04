// Program strings.
#include "uaccess.h"

#include "syscalls/errno.h"

namespace burrow::kernel {

int64_t copy_user_string(uint64_t addr, char* buf, size_t cap) {
  int64_t n = mm::user_strnlen(addr, cap);
  if (n < 0) return -EFAULT;
  if (static_cast<size_t>(n) >= cap) return -ENAMETOOLONG;
  // SAFETY: user_strnlen mapped and checked every byte up to and including the NUL.
  memcpy(buf, reinterpret_cast<const void*>(addr), static_cast<size_t>(n) + 1);
  return n;
}

}  // namespace burrow::kernel
