// Guest-physical memory as the monitor sees it: one host mapping reserved with
// MAP_NORESERVE (host pages appear only when touched), bounds-checked access, a bump
// allocator for the frames the monitor fills before boot, and walks of the guest's
// page tables for hypercalls that pass guest virtual addresses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <sys/uio.h>

#include "burrow/abi/page_table.h"
#include "result.h"

namespace burrow::memory {

using abi::kPteAccessed;
using abi::kPteAddrMask;
using abi::kPteDirty;
using abi::kPteLarge;
using abi::kPteNoExec;
using abi::kPtePresent;
using abi::kPteUser;
using abi::kPteWrite;

class GuestMemory {
 public:
  static Result<GuestMemory> create(uint64_t size);
  GuestMemory(GuestMemory&& o) noexcept;
  GuestMemory(const GuestMemory&) = delete;
  ~GuestMemory();

  uint64_t size() const { return size_; }
  uint8_t* host_base() const { return base_; }

  // SAFETY: the only way to touch guest memory: nullptr unless [phys, phys+len) is
  // entirely inside guest memory.
  uint8_t* at(uint64_t phys, uint64_t len) const;

  // Boot-time frames, handed out upwards from `start`; fresh memory reads as zero.
  void set_frame_cursor(uint64_t phys) { cursor_ = phys; }
  // execve: every byte back to zero and to the host, as at creation.
  void reset();
  Result<uint64_t> alloc_frames(uint64_t count);
  uint64_t frame_cursor() const { return cursor_; }

 private:
  GuestMemory(uint8_t* base, uint64_t size) : base_(base), size_(size) {}
  uint8_t* base_;
  uint64_t size_;
  uint64_t cursor_ = 0;
};

// Builds 4-level page tables in guest memory at host speed.
class PageTableBuilder {
 public:
  explicit PageTableBuilder(GuestMemory& mem) : mem_(mem) {}
  Result<uint64_t> create_root();
  // Maps [va, va+size) to [pa, pa+size) with 4 KiB pages (2 MiB ones with `large`).
  Result<void> map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t flags, bool large = false);

 private:
  Result<uint64_t*> entry(uint64_t root, uint64_t va, int leaf_level);
  GuestMemory& mem_;
};

// Reads and writes guest virtual memory through the page tables at `cr3`, checking
// every table entry lies inside guest memory and the leaf allows user access (and
// writing, for writes). Returns false on any hole: the caller answers -EFAULT.
bool read_virtual(const GuestMemory& mem, uint64_t cr3, uint64_t va, void* dst, size_t len);
bool write_virtual(const GuestMemory& mem, uint64_t cr3, uint64_t va, const void* src, size_t len);
// Writes where the program may only read and execute (present, user pages): the
// rewriter patching code and filling trampolines, as a loader writes text.
bool patch_virtual(const GuestMemory& mem, uint64_t cr3, uint64_t va, const void* src, size_t len);
// The host addresses behind [va, va+len), merged where contiguous, for readv/writev
// straight into or out of guest memory; false (and nothing filled) on any hole.
bool guest_iovecs(const GuestMemory& mem, uint64_t cr3, uint64_t va, size_t len, bool write,
                  std::vector<iovec>* out);

}  // namespace burrow::memory
