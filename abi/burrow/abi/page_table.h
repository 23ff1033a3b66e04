// x86-64 page-table entry bits: the monitor builds the first tables, the guest
// kernel edits them, so both name the bits from here.
#pragma once

#include <cstdint>

namespace burrow::abi {

inline constexpr uint64_t kPtePresent = 1ull << 0;
inline constexpr uint64_t kPteWrite = 1ull << 1;
inline constexpr uint64_t kPteUser = 1ull << 2;
inline constexpr uint64_t kPteAccessed = 1ull << 5;
inline constexpr uint64_t kPteDirty = 1ull << 6;
inline constexpr uint64_t kPteLarge = 1ull << 7;
inline constexpr uint64_t kPteNoExec = 1ull << 63;
inline constexpr uint64_t kPteAddrMask = 0x000F'FFFF'FFFF'F000ull;

}  // namespace burrow::abi
