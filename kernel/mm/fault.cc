// Page faults and user-pointer validation.
#include "mm/fault.h"

#include "burrow/abi/layout.h"
#include "hypercall.h"
#include "mm/paging.h"
#include "mm/vma.h"

namespace burrow::kernel::mm {
namespace {

constexpr uint64_t kErrPresent = 1u << 0;
constexpr uint64_t kErrWrite = 1u << 1;
constexpr uint64_t kErrFetch = 1u << 4;
constexpr uint32_t kProtRead = 1, kProtWrite = 2, kProtExec = 4;

bool allows(const Vma& v, bool write, bool fetch) {
  if (write) return v.prot & kProtWrite;
  if (fetch) return v.prot & kProtExec;
  return v.prot & (kProtRead | kProtWrite | kProtExec);
}

[[noreturn]] void out_of_memory() {
  hypercall(abi::Hypercall::kOutOfMemory);
  for (;;) asm volatile("ud2");
}

// Maps the page holding addr (inside v) if it has no frame yet.
void ensure_mapped(uint64_t addr, const Vma& v) {
  if (!populate_page(addr & ~(abi::kPageSize - 1), v.prot)) out_of_memory();
}

}  // namespace

FaultResult handle_page_fault(uint64_t addr, uint64_t error_code) {
  const Vma* v = vma_find(addr);
  if (!v) return FaultResult::kMapError;
  if (!allows(*v, error_code & kErrWrite, error_code & kErrFetch)) return FaultResult::kAccessError;
  if (error_code & kErrPresent) {
    // The area allows it but the page refused: a stale translation; retry after a flush.
    tlb_flush_page(addr);
    return FaultResult::kHandled;
  }
  ensure_mapped(addr, *v);
  return FaultResult::kHandled;
}

bool user_prepare(uint64_t addr, uint64_t len, bool write) {
  if (len == 0) return true;
  if (addr >= abi::kUserEnd || len > abi::kUserEnd - addr) return false;
  uint64_t end = addr + len;
  for (uint64_t page = addr & ~(abi::kPageSize - 1); page < end; page += abi::kPageSize) {
    const Vma* v = vma_find(page < addr ? addr : page);
    if (!v || !allows(*v, write, false) || !(write || (v->prot & kProtRead))) return false;
    ensure_mapped(page, *v);
  }
  return true;
}

int64_t user_strnlen(uint64_t addr, uint64_t max) {
  uint64_t n = 0;
  while (n < max) {
    uint64_t page_left = abi::kPageSize - ((addr + n) & (abi::kPageSize - 1));
    if (!user_prepare(addr + n, 1, false)) return -1;
    const char* p = reinterpret_cast<const char*>(addr + n);
    for (uint64_t i = 0; i < page_left && n < max; ++i, ++n)
      if (p[i] == '\0') return static_cast<int64_t>(n);
  }
  return static_cast<int64_t>(max);
}

}  // namespace burrow::kernel::mm
