// The kernel's small-object heap: power-of-two size classes up to a page, carved
// from frames and kept on free lists. For objects the personality owns (open
// files, paths); program memory never comes from here.
#pragma once

#include <cstddef>

namespace burrow::kernel {

// nullptr when guest memory is exhausted. Memory is zeroed.
void* kmalloc(size_t size);
void kfree(void* p, size_t size);

template <class T, class... Args>
T* knew(Args&&... args);
template <class T>
void kdelete(T* p);

}  // namespace burrow::kernel

#include <new>
#include <utility>

template <class T, class... Args>
T* burrow::kernel::knew(Args&&... args) {
  void* p = kmalloc(sizeof(T));
  return p ? new (p) T(std::forward<Args>(args)...) : nullptr;
}

template <class T>
void burrow::kernel::kdelete(T* p) {
  if (!p) return;
  p->~T();
  kfree(p, sizeof(T));
}
