// The program's page tables, edited by the personality through the direct map, with
// 2 MiB pages where an area allows them. On PVM every guest write to a page-table page
// may trap (shadow paging), so the operations here work on ranges and batch TLB
// invalidations; entries are written with their Accessed and Dirty bits already set,
// which spares the host from setting them on first touch (measured: 3x fewer exits).
//
// Encoding: a leaf with a frame but no access (PROT_NONE) is kept as the frame's
// address with the present bit clear, so mprotect back restores the contents; in a
// directory entry the large-page bit marks a 2 MiB leaf, present or not.
#pragma once

#include <cstdint>

#include "burrow/abi/page_table.h"

namespace burrow::kernel::mm {

using abi::kPteAccessed;
using abi::kPteAddrMask;
using abi::kPteDirty;
using abi::kPteLarge;
using abi::kPteNoExec;
using abi::kPtePresent;
using abi::kPteUser;
using abi::kPteWrite;

void paging_init(uint64_t cr3);

// The leaf entry for a page: its frame (0 if none), whether it is present and
// whether it is a 2 MiB leaf.
struct Leaf {
  uint64_t* entry = nullptr;  // nullptr when no table reaches the page
  bool large = false;
  uint64_t frame() const;  // the frame of the page itself (inside a large one too)
  bool present() const { return entry && (*entry & kPtePresent); }
  bool writable() const { return entry && (*entry & kPteWrite); }
};
Leaf leaf_for(uint64_t va);

// Maps a fresh zeroed 2 MiB frame at va (2 MiB-aligned) if nothing is mapped in that
// block; false when something is (or no large frame is available).
bool map_large(uint64_t va, uint32_t prot);
// Maps fresh zeroed 4 KiB frames on every unmapped page of [start, end), which lies in
// one 2 MiB block and contains `required`. False when out of memory for `required`,
// or for any page when `all`; otherwise the pages besides `required` are best effort.
// Without `others_accessed`, the pages besides `required` are mapped with their
// Accessed bit clear, so that for_each_accessed() tells which ones get touched.
bool map_small(uint64_t start, uint64_t end, uint64_t required, uint32_t prot, bool all,
               bool others_accessed = true);
// Calls fn(ctx, va) for every present small page of [start, end) whose Accessed bit
// is set (by the CPU, or under shadow paging by KVM, on the first access).
void for_each_accessed(uint64_t start, uint64_t end, void (*fn)(void* ctx, uint64_t va), void* ctx);
// Rewrites the entry of a page that has a frame to `prot` and invalidates it.
void refresh(uint64_t va, uint32_t prot);

// Unmaps [start, end): frees the frames (and page tables left empty) and flushes.
void unmap_range(uint64_t start, uint64_t end);
// Sets the protection of every page with a frame in [start, end). False (nothing
// changed) when a 2 MiB page must be split and no frame is left for its table.
bool protect_range(uint64_t start, uint64_t end, uint32_t prot);
// Moves the frames of [from, from+len) to [to, to+len) (mremap), which is unmapped.
// False (nothing changed) when page tables cannot be allocated.
bool move_range(uint64_t from, uint64_t to, uint64_t len);

void tlb_flush_page(uint64_t va);
void tlb_flush_all();

}  // namespace burrow::kernel::mm
