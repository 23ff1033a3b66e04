// Guest memory, page-table building and guest-virtual access for the monitor.
#include "memory/guest_memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "burrow/abi/layout.h"

namespace burrow::memory {

using abi::kPageSize;

Result<GuestMemory> GuestMemory::create(uint64_t size) {
  // Aligned to 2 MiB so the host can back the guest's 2 MiB pages with huge pages:
  // reserve one large page more, then trim both ends.
  constexpr uint64_t kAlign = abi::kLargePageSize;
  void* p = mmap(nullptr, size + kAlign, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return make_error(ExitCode::kMonitorFailed,
                      fmt::format("cannot reserve {} MiB of guest memory: {}", size >> 20, std::strerror(errno)));
  auto raw = reinterpret_cast<uint64_t>(p);
  uint64_t base = (raw + kAlign - 1) & ~(kAlign - 1);
  if (base > raw) munmap(p, base - raw);
  if (uint64_t tail = raw + size + kAlign - (base + size); tail) munmap(reinterpret_cast<void*>(base + size), tail);
  return GuestMemory(reinterpret_cast<uint8_t*>(base), size);
}

GuestMemory::GuestMemory(GuestMemory&& o) noexcept : base_(o.base_), size_(o.size_), cursor_(o.cursor_) {
  o.base_ = nullptr;
}

GuestMemory::~GuestMemory() {
  if (base_) munmap(base_, size_);
}

void GuestMemory::reset() {
  ::madvise(base_, size_, MADV_DONTNEED);
  cursor_ = 0;
}

uint8_t* GuestMemory::at(uint64_t phys, uint64_t len) const {
  if (phys > size_ || len > size_ - phys) return nullptr;
  return base_ + phys;
}

Result<uint64_t> GuestMemory::alloc_frames(uint64_t count) {
  uint64_t bytes = count * kPageSize;
  if (count > size_ / kPageSize || cursor_ + bytes > size_)
    return make_error(ExitCode::kMonitorFailed,
                      fmt::format("guest memory too small: the program does not fit in --memory={}M", size_ >> 20));
  uint64_t phys = cursor_;
  cursor_ += bytes;
  return phys;
}

Result<uint64_t> PageTableBuilder::create_root() { return mem_.alloc_frames(1); }

Result<uint64_t*> PageTableBuilder::entry(uint64_t root, uint64_t va, int leaf_level) {
  uint64_t table = root;
  for (int level = 4; level > leaf_level; --level) {
    auto* t = reinterpret_cast<uint64_t*>(mem_.at(table, kPageSize));
    uint64_t& e = t[(va >> (12 + 9 * (level - 1))) & 511];
    if (!(e & kPtePresent)) {
      auto frame = mem_.alloc_frames(1);
      if (!frame) return frame.error();
      // Intermediate levels allow everything; leaves decide. Accessed is set up front:
      // the CPU would set it on first use, which under shadow paging costs an exit.
      e = *frame | kPtePresent | kPteWrite | kPteUser | kPteAccessed;
    }
    table = e & kPteAddrMask;
  }
  auto* t = reinterpret_cast<uint64_t*>(mem_.at(table, kPageSize));
  return &t[(va >> (12 + 9 * (leaf_level - 1))) & 511];
}

Result<void> PageTableBuilder::map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags,
                                   bool large) {
  uint64_t step = large ? abi::kLargePageSize : kPageSize;
  for (uint64_t off = 0; off < size; off += step) {
    auto e = entry(root, va + off, large ? 2 : 1);
    if (!e) return e.error();
    **e = (pa + off) | flags | kPtePresent | (large ? kPteLarge : 0);
  }
  return {};
}

namespace {

// Translates one guest virtual address; 0 and false when not mapped as required.
bool translate(const GuestMemory& mem, uint64_t cr3, uint64_t va, bool write, uint64_t* phys) {
  // A non-canonical address faults on the CPU; the walk below would ignore bits 48..63
  // and alias it to a canonical one.
  if (static_cast<uint64_t>(static_cast<int64_t>(va << 16) >> 16) != va) return false;
  uint64_t table = cr3 & kPteAddrMask;
  for (int level = 4; level >= 1; --level) {
    auto* t = reinterpret_cast<const uint64_t*>(mem.at(table, kPageSize));
    if (!t) return false;
    uint64_t e = t[(va >> (12 + 9 * (level - 1))) & 511];
    if (!(e & kPtePresent) || !(e & kPteUser) || (write && !(e & kPteWrite))) return false;
    if (level == 1 || (level <= 3 && (e & kPteLarge))) {
      uint64_t page = 1ull << (12 + 9 * (level - 1));
      *phys = (e & kPteAddrMask & ~(page - 1)) + (va & (page - 1));
      return mem.at(*phys, 1) != nullptr;
    }
    table = e & kPteAddrMask;
  }
  return false;
}

template <class Fn>
bool for_each_chunk(const GuestMemory& mem, uint64_t cr3, uint64_t va, size_t len, bool write, Fn fn) {
  // A range that wraps past the top of the address space does not continue at 0.
  if (len != 0 && va + (len - 1) < va) return false;
  size_t done = 0;
  while (done < len) {
    uint64_t phys;
    if (!translate(mem, cr3, va + done, write, &phys)) return false;
    size_t chunk = std::min<size_t>(len - done, kPageSize - ((va + done) & (kPageSize - 1)));
    uint8_t* host = mem.at(phys, chunk);
    if (!host) return false;
    fn(host, done, chunk);
    done += chunk;
  }
  return true;
}

}  // namespace

bool read_virtual(const GuestMemory& mem, uint64_t cr3, uint64_t va, void* dst, size_t len) {
  auto* out = static_cast<uint8_t*>(dst);
  return for_each_chunk(mem, cr3, va, len, false,
                        [&](uint8_t* host, size_t off, size_t n) { std::memcpy(out + off, host, n); });
}

bool write_virtual(const GuestMemory& mem, uint64_t cr3, uint64_t va, const void* src, size_t len) {
  auto* in = static_cast<const uint8_t*>(src);
  return for_each_chunk(mem, cr3, va, len, true,
                        [&](uint8_t* host, size_t off, size_t n) { std::memcpy(host, in + off, n); });
}

bool patch_virtual(const GuestMemory& mem, uint64_t cr3, uint64_t va, const void* src, size_t len) {
  auto* in = static_cast<const uint8_t*>(src);
  return for_each_chunk(mem, cr3, va, len, false,
                        [&](uint8_t* host, size_t off, size_t n) { std::memcpy(host, in + off, n); });
}

bool guest_iovecs(const GuestMemory& mem, uint64_t cr3, uint64_t va, size_t len, bool write,
                  std::vector<iovec>* out) {
  out->clear();
  bool ok = for_each_chunk(mem, cr3, va, len, write, [&](uint8_t* host, size_t, size_t n) {
    if (!out->empty() && static_cast<uint8_t*>(out->back().iov_base) + out->back().iov_len == host)
      out->back().iov_len += n;
    else
      out->push_back({host, n});
  });
  if (!ok) out->clear();
  return ok;
}

}  // namespace burrow::memory
