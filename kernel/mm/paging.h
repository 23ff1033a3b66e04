// The program's page tables, edited by the personality through the direct map.
#pragma once

#include <cstdint>

namespace burrow::kernel::mm {

inline constexpr uint64_t kPtePresent = 1ull << 0;
inline constexpr uint64_t kPteWrite = 1ull << 1;
inline constexpr uint64_t kPteUser = 1ull << 2;
inline constexpr uint64_t kPteLarge = 1ull << 7;
inline constexpr uint64_t kPteNoExec = 1ull << 63;
inline constexpr uint64_t kPteAddrMask = 0x000F'FFFF'FFFF'F000ull;

void paging_init(uint64_t cr3);
// The level-1 entry for `va`, creating tables on the way if `create`; nullptr when
// absent (or when a table cannot be allocated).
uint64_t* pte_for(uint64_t va, bool create);
// PTE bits for a protection (PROT_* from Linux).
uint64_t pte_flags_for(uint32_t prot);
// Unmaps [start, end): frees the frames and flushes the TLB.
void unmap_range(uint64_t start, uint64_t end);
// Rewrites the protection of present pages in [start, end).
void protect_range(uint64_t start, uint64_t end, uint32_t prot);
// Maps a fresh zeroed frame at `va`; false when out of memory.
bool populate_page(uint64_t va, uint32_t prot);

void tlb_flush_page(uint64_t va);
void tlb_flush_all();

}  // namespace burrow::kernel::mm
