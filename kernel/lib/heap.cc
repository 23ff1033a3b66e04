// Size-class heap over whole frames.
#include "lib/heap.h"

#include <cstdint>

#include "burrow/abi/layout.h"
#include "lib/string.h"
#include "mm/frames.h"

namespace burrow::kernel {
namespace {

constexpr size_t kMinShift = 5;  // 32 bytes
constexpr size_t kMaxShift = 12;  // a page
constexpr size_t kClasses = kMaxShift - kMinShift + 1;

struct FreeObject {
  FreeObject* next;
};

constinit FreeObject* g_free[kClasses] = {};

size_t class_of(size_t size) {
  size_t shift = kMinShift;
  while ((size_t{1} << shift) < size) ++shift;
  return shift - kMinShift;
}

}  // namespace

void* kmalloc(size_t size) {
  if (size == 0 || size > abi::kPageSize) return nullptr;
  size_t c = class_of(size);
  size_t object = size_t{1} << (c + kMinShift);
  if (!g_free[c]) {
    uint64_t frame = mm::frame_alloc();
    if (!frame) return nullptr;
    auto* base = mm::phys_to_virt(frame);
    for (size_t off = 0; off < abi::kPageSize; off += object) {
      auto* o = reinterpret_cast<FreeObject*>(base + off);
      o->next = g_free[c];
      g_free[c] = o;
    }
  }
  FreeObject* o = g_free[c];
  g_free[c] = o->next;
  memset(o, 0, object);
  return o;
}

void kfree(void* p, size_t size) {
  if (!p) return;
  size_t c = class_of(size);
  auto* o = static_cast<FreeObject*>(p);
  o->next = g_free[c];
  g_free[c] = o;
}

}  // namespace burrow::kernel
