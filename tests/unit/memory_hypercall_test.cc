// The memory hypercalls' host side (vmm/hypercalls/memory.cc) with hostile
// arguments: a small guest memory with hand-built page tables, ranges the guest may
// and may not give back, and checks that a refused request released nothing.
#include "hypercalls/memory.h"

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <optional>

#include <gtest/gtest.h>

#include "burrow/abi/hypercall.h"
#include "burrow/abi/layout.h"
#include "memory/guest_memory.h"

namespace burrow::hypercalls {
namespace {

using abi::kLargePageSize;
using abi::kPageSize;
using abi::MemoryRange;

constexpr uint64_t kMemorySize = 16ull << 20;
constexpr uint64_t kTablesPhys = 0x100000;
constexpr uint64_t kArrayVa = 0x400000;    // user page holding the MemoryRange array
constexpr uint64_t kArrayPhys = 0x200000;
constexpr uint64_t kSupervisorVa = 0x500000;  // the same frame, supervisor-only
constexpr uint64_t kDataPhys = 0x800000;   // frames the tests give back (2 MiB)

class MemoryHypercallTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = memory::GuestMemory::create(kMemorySize);
    ASSERT_TRUE(m);
    mem_.emplace(std::move(*m));
    mem_->set_frame_cursor(kTablesPhys);
    memory::PageTableBuilder pt(*mem_);
    auto root = pt.create_root();
    ASSERT_TRUE(root);
    cr3_ = *root;
    ASSERT_TRUE(pt.map(cr3_, kArrayVa, kArrayPhys, kPageSize, memory::kPteUser | memory::kPteWrite));
    ASSERT_TRUE(pt.map(cr3_, kSupervisorVa, kArrayPhys, kPageSize, memory::kPteWrite));
    std::memset(mem_->at(kDataPhys, kLargePageSize), 0xAB, kLargePageSize);
  }

  // Writes the ranges where the guest would, and calls the service.
  int64_t release(std::initializer_list<MemoryRange> ranges, uint64_t count = ~0ull, uint64_t va = kArrayVa) {
    std::memcpy(mem_->at(kArrayPhys, kPageSize), ranges.begin(), ranges.size() * sizeof(MemoryRange));
    return release_memory(*mem_, cr3_, va, count == ~0ull ? ranges.size() : count);
  }
  uint8_t byte_at(uint64_t phys) { return *mem_->at(phys, 1); }

  std::optional<memory::GuestMemory> mem_;
  uint64_t cr3_ = 0;
};

TEST_F(MemoryHypercallTest, ReleasedRangesReadZeroAndOthersStay) {
  EXPECT_EQ(release({{kDataPhys, kPageSize}, {kDataPhys + 8 * kPageSize, 2 * kPageSize}}), 0);
  EXPECT_EQ(byte_at(kDataPhys), 0);
  EXPECT_EQ(byte_at(kDataPhys + kPageSize - 1), 0);
  EXPECT_EQ(byte_at(kDataPhys + kPageSize), 0xAB);
  EXPECT_EQ(byte_at(kDataPhys + 9 * kPageSize + 100), 0);
  EXPECT_EQ(byte_at(kDataPhys + 10 * kPageSize), 0xAB);
  EXPECT_EQ(release({}), 0);
}

TEST_F(MemoryHypercallTest, BadRangesReleaseNothing) {
  // One bad range anywhere in the list: nothing at all is released.
  EXPECT_EQ(release({{kDataPhys, kPageSize}, {kDataPhys + 1, kPageSize}}), -EINVAL);  // unaligned
  EXPECT_EQ(release({{kDataPhys, kPageSize}, {kDataPhys, 100}}), -EINVAL);            // partial page
  EXPECT_EQ(release({{kDataPhys, kPageSize}, {kDataPhys, 0}}), -EINVAL);              // empty
  EXPECT_EQ(release({{kDataPhys, kPageSize}, {kMemorySize, kPageSize}}), -EINVAL);    // beyond the end
  EXPECT_EQ(release({{kDataPhys, kPageSize}, {kMemorySize - kPageSize, 2 * kPageSize}}), -EINVAL);
  EXPECT_EQ(release({{kDataPhys, kPageSize}, {~0ull & ~(kPageSize - 1), kPageSize}}), -EINVAL);  // wraps
  EXPECT_EQ(release({{kDataPhys, kPageSize}, {kPageSize, ~0ull & ~(kPageSize - 1)}}), -EINVAL);
  EXPECT_EQ(byte_at(kDataPhys), 0xAB);
}

TEST_F(MemoryHypercallTest, TheArrayMustBeTheGuestsToGive) {
  EXPECT_EQ(release({{kDataPhys, kPageSize}}, abi::kMaxMemoryRanges + 1), -EINVAL);
  EXPECT_EQ(release({{kDataPhys, kPageSize}}, ~0ull >> 1), -EINVAL);
  EXPECT_EQ(release({{kDataPhys, kPageSize}}, 1, kSupervisorVa), -EFAULT);  // not user-accessible
  EXPECT_EQ(release({{kDataPhys, kPageSize}}, 1, 0x600000), -EFAULT);       // unmapped
  EXPECT_EQ(release({{kDataPhys, kPageSize}}, 1, kArrayVa + kPageSize - 8), -EFAULT);  // runs off the page
  EXPECT_EQ(byte_at(kDataPhys), 0xAB);
}

TEST_F(MemoryHypercallTest, AdviseLargeTakesWhole2MiBBlocksInsideMemory) {
  EXPECT_EQ(advise_large(*mem_, cr3_, kDataPhys, kLargePageSize), 0);
  EXPECT_EQ(advise_large(*mem_, cr3_, kDataPhys + kPageSize, kLargePageSize), -EINVAL);
  EXPECT_EQ(advise_large(*mem_, cr3_, kDataPhys, kPageSize), -EINVAL);
  EXPECT_EQ(advise_large(*mem_, cr3_, kDataPhys, 0), -EINVAL);
  EXPECT_EQ(advise_large(*mem_, cr3_, kMemorySize, kLargePageSize), -EINVAL);
  EXPECT_EQ(advise_large(*mem_, cr3_, kMemorySize - kLargePageSize, 2 * kLargePageSize), -EINVAL);
  EXPECT_EQ(byte_at(kDataPhys), 0xAB);  // advice changes no contents
}

}  // namespace
}  // namespace burrow::hypercalls
