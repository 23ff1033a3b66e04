// The guest's VMA map (kernel/mm/vma.cc, built here on the host): split and merge as
// Linux does, atomic failure at capacity, placement top-down and bottom-up with guard
// gaps, and file offsets that stay consistent across splits.
#include "../../kernel/mm/vma.h"

#include <gtest/gtest.h>

#include <vector>

namespace burrow::kernel::mm {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint32_t kRw = kProtRead | kProtWrite;

Vma anon(uint64_t start, uint64_t end, uint32_t prot = kRw, uint16_t flags = 0) {
  return Vma{start, end, 0, start, prot, flags, VmaKind::kAnon};
}

class VmaMapTest : public ::testing::Test {
 protected:
  explicit VmaMapTest(uint32_t capacity = 64) : storage_(capacity), map_(storage_.data(), capacity) {}

  // The areas as [start, end) pairs, for compact expectations.
  std::vector<std::pair<uint64_t, uint64_t>> ranges() const {
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (uint32_t i = 0; i < map_.size(); ++i) out.emplace_back(map_[i].start, map_[i].end);
    return out;
  }
  using R = std::vector<std::pair<uint64_t, uint64_t>>;

  std::vector<Vma> storage_;
  VmaMap map_;
};

TEST_F(VmaMapTest, InsertMergesAdjacentCompatibleAreas) {
  ASSERT_TRUE(map_.insert(anon(0x10000, 0x20000)));
  ASSERT_TRUE(map_.insert(anon(0x30000, 0x40000)));
  EXPECT_EQ(ranges(), (R{{0x10000, 0x20000}, {0x30000, 0x40000}}));
  // Filling the hole joins all three.
  ASSERT_TRUE(map_.insert(anon(0x20000, 0x30000)));
  EXPECT_EQ(ranges(), (R{{0x10000, 0x40000}}));
}

TEST_F(VmaMapTest, InsertKeepsDifferentAreasApart) {
  ASSERT_TRUE(map_.insert(anon(0x10000, 0x20000)));
  ASSERT_TRUE(map_.insert(anon(0x20000, 0x30000, kProtRead)));                    // protection
  ASSERT_TRUE(map_.insert(anon(0x30000, 0x40000, kProtRead, kVmaNoHugePage)));  // flags
  Vma heap = anon(0x40000, 0x50000, kProtRead, kVmaNoHugePage);
  heap.kind = VmaKind::kBrk;
  ASSERT_TRUE(map_.insert(heap));  // kind
  EXPECT_EQ(map_.size(), 4u);
}

TEST_F(VmaMapTest, InsertRefusesOverlap) {
  ASSERT_TRUE(map_.insert(anon(0x10000, 0x20000)));
  EXPECT_FALSE(map_.insert(anon(0x1F000, 0x21000)));
  EXPECT_FALSE(map_.insert(anon(0x0F000, 0x11000)));
  EXPECT_EQ(map_.size(), 1u);
}

TEST_F(VmaMapTest, FindAndNeighbours) {
  ASSERT_TRUE(map_.insert(anon(0x10000, 0x20000)));
  ASSERT_TRUE(map_.insert(anon(0x30000, 0x40000, kProtRead)));
  EXPECT_EQ(map_.find(0x10000)->start, 0x10000u);
  EXPECT_EQ(map_.find(0x1FFFF)->start, 0x10000u);
  EXPECT_EQ(map_.find(0x20000), nullptr);
  EXPECT_EQ(map_.find(0xFFFF), nullptr);
  EXPECT_EQ(map_.find_next(0x20000)->start, 0x30000u);
  EXPECT_EQ(map_.find_next(0x40000), nullptr);
  EXPECT_EQ(map_.find_prev(0x25000)->start, 0x10000u);
  EXPECT_EQ(map_.find_prev(0x10000), nullptr);
  EXPECT_TRUE(map_.range_free(0x20000, 0x30000));
  EXPECT_FALSE(map_.range_free(0x20000, 0x30001));
  EXPECT_TRUE(map_.range_mapped(0x10000, 0x20000));
  EXPECT_FALSE(map_.range_mapped(0x10000, 0x30001));
}

TEST_F(VmaMapTest, PartialRemoveSplitsOneArea) {
  ASSERT_TRUE(map_.insert(anon(0x10000, 0x20000)));
  ASSERT_TRUE(map_.remove(0x14000, 0x15000));
  EXPECT_EQ(ranges(), (R{{0x10000, 0x14000}, {0x15000, 0x20000}}));
  // The right part keeps describing the same bytes: its offset moved with its start.
  EXPECT_EQ(map_[1].file_offset, 0x15000u);
  // Re-inserting the hole merges everything back (offsets are contiguous again).
  ASSERT_TRUE(map_.insert(anon(0x14000, 0x15000)));
  EXPECT_EQ(ranges(), (R{{0x10000, 0x20000}}));
}

TEST_F(VmaMapTest, RemoveAcrossAreasTrimsEnds) {
  ASSERT_TRUE(map_.insert(anon(0x10000, 0x20000)));
  ASSERT_TRUE(map_.insert(anon(0x20000, 0x30000, kProtRead)));
  ASSERT_TRUE(map_.insert(anon(0x30000, 0x40000)));
  ASSERT_TRUE(map_.remove(0x18000, 0x38000));
  EXPECT_EQ(ranges(), (R{{0x10000, 0x18000}, {0x38000, 0x40000}}));
  // Removing nothing mapped is fine.
  ASSERT_TRUE(map_.remove(0x20000, 0x30000));
  ASSERT_TRUE(map_.remove(0x50000, 0x60000));
  EXPECT_EQ(map_.size(), 2u);
  ASSERT_TRUE(map_.remove(0, 0x100000));
  EXPECT_EQ(map_.size(), 0u);
}

TEST_F(VmaMapTest, FileOffsetsFollowSplitsAndBlockMerges) {
  Vma f{0x10000, 0x20000, 7, 0x3000, kProtRead, 0, VmaKind::kAnon};
  ASSERT_TRUE(map_.insert(f));
  ASSERT_TRUE(map_.modify(0x12000, 0x13000, [](Vma& v) { v.prot = kRw; }));
  ASSERT_EQ(map_.size(), 3u);
  EXPECT_EQ(map_[1].file_offset, 0x5000u);
  EXPECT_EQ(map_[2].file_offset, 0x6000u);
  // Back to read-only: the three parts merge, offsets contiguous.
  ASSERT_TRUE(map_.modify(0x12000, 0x13000, [](Vma& v) { v.prot = kProtRead; }));
  ASSERT_EQ(map_.size(), 1u);
  EXPECT_EQ(map_[0].file_offset, 0x3000u);
  // Same file next door but not contiguous in it: no merge. Another file: no merge.
  ASSERT_TRUE(map_.insert(Vma{0x20000, 0x21000, 7, 0x9000, kProtRead, 0, VmaKind::kAnon}));
  ASSERT_TRUE(map_.insert(Vma{0x21000, 0x22000, 8, 0xA000, kProtRead, 0, VmaKind::kAnon}));
  EXPECT_EQ(map_.size(), 3u);
  // Contiguous in the same file: merges.
  ASSERT_TRUE(map_.insert(Vma{0x0F000, 0x10000, 7, 0x2000, kProtRead, 0, VmaKind::kAnon}));
  EXPECT_EQ(map_.size(), 3u);
  EXPECT_EQ(map_[0].start, 0x0F000u);
}

TEST_F(VmaMapTest, ModifySplitsAppliesAndMerges) {
  ASSERT_TRUE(map_.insert(anon(0x10000, 0x40000)));
  // mprotect of the middle: three areas.
  ASSERT_TRUE(map_.modify(0x20000, 0x30000, [](Vma& v) { v.prot = kProtRead; }));
  EXPECT_EQ(ranges(), (R{{0x10000, 0x20000}, {0x20000, 0x30000}, {0x30000, 0x40000}}));
  EXPECT_EQ(map_[1].prot, kProtRead);
  // Across a hole: only mapped parts change.
  ASSERT_TRUE(map_.insert(anon(0x50000, 0x60000)));
  ASSERT_TRUE(map_.modify(0x38000, 0x58000, [](Vma& v) { v.prot = kProtRead; }));
  EXPECT_EQ(ranges(),
            (R{{0x10000, 0x20000}, {0x20000, 0x30000}, {0x30000, 0x38000}, {0x38000, 0x40000}, {0x50000, 0x58000},
               {0x58000, 0x60000}}));
  // Everything read-write again: neighbours merge (the hole stays).
  ASSERT_TRUE(map_.modify(0x10000, 0x60000, [](Vma& v) { v.prot = kRw; }));
  EXPECT_EQ(ranges(), (R{{0x10000, 0x40000}, {0x50000, 0x60000}}));
}

class SmallMapTest : public VmaMapTest {
 protected:
  SmallMapTest() : VmaMapTest(3) {}
};

TEST_F(SmallMapTest, OperationsFailWholeAtCapacity) {
  ASSERT_TRUE(map_.insert(anon(0x10000, 0x20000)));
  ASSERT_TRUE(map_.insert(anon(0x30000, 0x40000)));
  ASSERT_TRUE(map_.insert(anon(0x50000, 0x60000)));
  EXPECT_FALSE(map_.insert(anon(0x70000, 0x80000)));
  // A merging insert needs no slot.
  EXPECT_TRUE(map_.insert(anon(0x60000, 0x61000)));
  // A hole inside one area needs one more: refused, nothing changed.
  EXPECT_FALSE(map_.remove(0x14000, 0x15000));
  EXPECT_EQ(ranges(), (R{{0x10000, 0x20000}, {0x30000, 0x40000}, {0x50000, 0x61000}}));
  // Trimming ends needs none.
  EXPECT_TRUE(map_.remove(0x1F000, 0x31000));
  EXPECT_EQ(ranges(), (R{{0x10000, 0x1F000}, {0x31000, 0x40000}, {0x50000, 0x61000}}));
  // A modify that splits is refused whole.
  EXPECT_FALSE(map_.can_modify(0x12000, 0x13000));
  EXPECT_FALSE(map_.modify(0x12000, 0x13000, [](Vma& v) { v.prot = kProtRead; }));
  EXPECT_EQ(map_[0].prot, kRw);
  EXPECT_EQ(map_.size(), 3u);
}

TEST_F(VmaMapTest, TopDownPlacementTakesTheHighestGap) {
  constexpr uint64_t kLow = 0x10000, kHigh = 0x100000;
  EXPECT_EQ(map_.find_gap_topdown(0x1000, kLow, kHigh), kHigh - 0x1000);
  ASSERT_TRUE(map_.insert(anon(0xF0000, 0x100000)));
  ASSERT_TRUE(map_.insert(anon(0xC0000, 0xE0000)));
  EXPECT_EQ(map_.find_gap_topdown(0x10000, kLow, kHigh), 0xE0000u);  // fits exactly between
  EXPECT_EQ(map_.find_gap_topdown(0x10001, kLow, kHigh), 0xC0000u - 0x10001);
  EXPECT_EQ(map_.find_gap_topdown(0xB0000, kLow, kHigh), kLow);  // the whole bottom gap
  EXPECT_EQ(map_.find_gap_topdown(0xB0001, kLow, kHigh), 0u);    // nowhere
  // An area straddling `high` bounds the first gap.
  EXPECT_EQ(map_.find_gap_topdown(0x1000, kLow, 0xF8000), 0xEF000u);
}

TEST_F(VmaMapTest, BottomUpPlacementTakesTheLowestGap) {
  constexpr uint64_t kLow = 0x10000, kHigh = 0x100000;
  ASSERT_TRUE(map_.insert(anon(0x10000, 0x20000)));
  ASSERT_TRUE(map_.insert(anon(0x30000, 0x40000)));
  EXPECT_EQ(map_.find_gap_bottomup(0x10000, kLow, kHigh), 0x20000u);
  EXPECT_EQ(map_.find_gap_bottomup(0x10001, kLow, kHigh), 0x40000u);
  EXPECT_EQ(map_.find_gap_bottomup(0xC0000, kLow, kHigh), 0x40000u);
  EXPECT_EQ(map_.find_gap_bottomup(0xC0001, kLow, kHigh), 0u);
  EXPECT_EQ(map_.find_gap_bottomup(0x1000, 0x18000, kHigh), 0x20000u);  // low inside an area
}

TEST_F(VmaMapTest, GrowsDownAreasKeepTheirGuardGapFree) {
  constexpr uint64_t kTop = 0x10000000;
  Vma stack = anon(kTop - 0x20000, kTop, kRw, kVmaGrowsDown);
  stack.kind = VmaKind::kStack;
  ASSERT_TRUE(map_.insert(stack));
  EXPECT_EQ(VmaMap::start_gap(map_[0]), kTop - 0x20000 - kStackGuardGap);
  // Placement below it stops a guard gap short.
  EXPECT_EQ(map_.find_gap_topdown(kPage, 0x10000, kTop), kTop - 0x20000 - kStackGuardGap - kPage);
  // Growing down: the new start must be free; neighbours merge if compatible.
  EXPECT_TRUE(map_.grow_down(kTop - 0x20000, kTop - 0x30000));
  EXPECT_EQ(map_[0].start, kTop - 0x30000);
  EXPECT_EQ(map_[0].file_offset, kTop - 0x30000);
  ASSERT_TRUE(map_.insert(anon(kTop - 0x50000, kTop - 0x40000)));
  EXPECT_FALSE(map_.grow_down(kTop - 0x30000, kTop - 0x48000));  // would overlap
  EXPECT_FALSE(map_.grow_down(kTop - 0x1000, kTop - 0x2000));     // not an area start
}

TEST_F(VmaMapTest, ManyRandomEditsKeepTheMapSortedAndDisjoint) {
  VmaMap big(storage_.data(), static_cast<uint32_t>(storage_.size()));
  uint64_t rng = 12345;
  auto next = [&] {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  };
  // A shadow page array tells what every page should be.
  constexpr uint64_t kPages = 256, kBase = 0x100000;
  std::vector<int> want(kPages, -1);  // -1 unmapped, else prot
  for (int round = 0; round < 5000; ++round) {
    uint64_t a = next() % kPages, b = a + 1 + next() % 16;
    if (b > kPages) b = kPages;
    uint64_t start = kBase + a * kPage, end = kBase + b * kPage;
    switch (next() % 3) {
      case 0:
        if (big.range_free(start, end) && big.insert(anon(start, end)))
          for (uint64_t p = a; p < b; ++p) want[p] = kRw;
        break;
      case 1:
        if (big.remove(start, end))
          for (uint64_t p = a; p < b; ++p) want[p] = -1;
        break;
      case 2: {
        uint32_t prot = static_cast<uint32_t>(next() % 4);
        if (big.modify(start, end, [&](Vma& v) { v.prot = prot; }))
          for (uint64_t p = a; p < b; ++p)
            if (want[p] >= 0) want[p] = static_cast<int>(prot);
        break;
      }
    }
    for (uint32_t i = 0; i < big.size(); ++i) {
      ASSERT_LT(big[i].start, big[i].end);
      if (i) {
        ASSERT_LE(big[i - 1].end, big[i].start);
        ASSERT_FALSE(VmaMap::mergeable(big[i - 1], big[i])) << "unmerged neighbours at " << i;
      }
    }
    for (uint64_t p = 0; p < kPages; ++p) {
      const Vma* v = big.find(kBase + p * kPage);
      ASSERT_EQ(v ? static_cast<int>(v->prot) : -1, want[p]) << "page " << p << " round " << round;
    }
  }
}

}  // namespace
}  // namespace burrow::kernel::mm
