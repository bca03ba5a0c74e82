#include "storage/btree_node.h"

#include <gtest/gtest.h>

#include <vector>

namespace rookery::storage::btree {
namespace {

struct PageBuf {
  std::vector<uint8_t> mem = std::vector<uint8_t>(kPageSize, 0);
  explicit PageBuf(uint8_t flag, PageNumber n = 5) {
    StoreU64(mem.data(), n);
    mem[kOffChecksumAlgo] = kChecksumXxh64;
    StoreU64(mem.data() + kOffChecksum, 0x1122334455667788ull);
    InitNodePage(mem.data(), flag);
  }
  uint8_t* p() { return mem.data(); }
};

std::string Leaf(std::string_view key, std::string_view value) {
  std::string out;
  EncodeLeafInline(&out, key, value);
  return out;
}

TEST(BtreeNodeTest, InitKeepsPagerBytesAndSetsEmptyLayout) {
  PageBuf page(kPageLeaf, 77);
  EXPECT_EQ(PageNumberOf(page.p()), 77u);
  EXPECT_EQ(page.p()[kOffChecksumAlgo], kChecksumXxh64);
  EXPECT_EQ(LoadU64(page.p() + kOffChecksum), 0x1122334455667788ull);
  EXPECT_TRUE(IsLeaf(page.p()));
  EXPECT_EQ(EntryCount(page.p()), 0u);
  EXPECT_EQ(Upper(page.p()), kPageSize);
  EXPECT_EQ(FreeTotal(page.p()), kPageBodySize);
  EXPECT_TRUE(CheckNodePage(page.p(), 77, true).ok());
}

TEST(BtreeNodeTest, InsertKeepsSlotsInOrderAndNodesPackedFromEnd) {
  PageBuf page(kPageLeaf);
  ASSERT_TRUE(InsertNode(page.p(), 0, Leaf("b", "2")));
  ASSERT_TRUE(InsertNode(page.p(), 0, Leaf("a", "1")));
  ASSERT_TRUE(InsertNode(page.p(), 2, Leaf("c", "333")));
  ASSERT_EQ(EntryCount(page.p()), 3u);
  EXPECT_EQ(NodeKey(page.p(), 0), "a");
  EXPECT_EQ(NodeKey(page.p(), 1), "b");
  EXPECT_EQ(NodeKey(page.p(), 2), "c");
  const LeafValue v = LeafValueAt(page.p(), 2);
  EXPECT_FALSE(v.overflow);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(v.inline_data), v.size), "333");
  // The first node inserted sits at the very end of the page.
  EXPECT_EQ(SlotOffset(page.p(), 1), kPageSize - (kLeafNodeHeaderSize + 2));
  EXPECT_EQ(Lower(page.p()), kPageHeaderSize + 3 * kSlotSize);
  EXPECT_TRUE(CheckNodePage(page.p(), 5, true).ok());
}

TEST(BtreeNodeTest, ReserveNodeEncodedInPlaceEqualsInsertNode) {
  // Tree::Put's common path encodes a leaf entry straight into the page; the page must come out
  // byte for byte as if the encoded node had been inserted.
  PageBuf by_insert(kPageLeaf);
  PageBuf by_reserve(kPageLeaf);
  const std::string value(1000, 'v');
  for (int i = 0; i < 8; ++i) {  // eight entries of 1,014 bytes fill the 8,128-byte body
    const std::string key = "key/" + std::to_string((i * 5) % 8);
    bool exact = false;
    const size_t at = LeafLowerBound(by_insert.p(), key, &exact);
    ASSERT_TRUE(InsertNode(by_insert.p(), at, Leaf(key, value)));
    uint8_t* node = ReserveNode(by_reserve.p(), at, LeafInlineNodeSize(key, value));
    ASSERT_NE(node, nullptr);
    EncodeLeafInlineAt(node, key, value);
    ASSERT_EQ(by_insert.mem, by_reserve.mem) << "after " << i + 1 << " inserts";
  }
  EXPECT_TRUE(CheckNodePage(by_reserve.p(), 5, true).ok());
  // A full page refuses the reservation and stays unchanged.
  const std::vector<uint8_t> before = by_reserve.mem;
  EXPECT_EQ(ReserveNode(by_reserve.p(), 0, LeafInlineNodeSize("key/x", value)), nullptr);
  EXPECT_EQ(by_reserve.mem, before);
}

TEST(BtreeNodeTest, SearchFindsLowerBoundAndBranchChild) {
  PageBuf leaf(kPageLeaf);
  for (const char* k : {"b", "d", "f"}) {
    bool exact;
    ASSERT_TRUE(InsertNode(leaf.p(), LeafLowerBound(leaf.p(), k, &exact), Leaf(k, "")));
  }
  bool exact = false;
  EXPECT_EQ(LeafLowerBound(leaf.p(), "a", &exact), 0u);
  EXPECT_FALSE(exact);
  EXPECT_EQ(LeafLowerBound(leaf.p(), "d", &exact), 1u);
  EXPECT_TRUE(exact);
  EXPECT_EQ(LeafLowerBound(leaf.p(), "dd", &exact), 2u);
  EXPECT_FALSE(exact);
  EXPECT_EQ(LeafLowerBound(leaf.p(), "z", &exact), 3u);

  PageBuf branch(kPageBranch);
  std::string node;
  EncodeBranch(&node, "", 100);
  ASSERT_TRUE(InsertNode(branch.p(), 0, node));
  EncodeBranch(&node, "m", 101);
  ASSERT_TRUE(InsertNode(branch.p(), 1, node));
  EncodeBranch(&node, "t", 102);
  ASSERT_TRUE(InsertNode(branch.p(), 2, node));
  EXPECT_EQ(BranchChildIndex(branch.p(), "a"), 0u);
  EXPECT_EQ(BranchChildIndex(branch.p(), "l\xff"), 0u);
  EXPECT_EQ(BranchChildIndex(branch.p(), "m"), 1u);
  EXPECT_EQ(BranchChildIndex(branch.p(), "s"), 1u);
  EXPECT_EQ(BranchChildIndex(branch.p(), "t"), 2u);
  EXPECT_EQ(BranchChild(branch.p(), 2), 102u);
  EXPECT_TRUE(CheckNodePage(branch.p(), 5, true).ok());
}

TEST(BtreeNodeTest, KeysCompareAsMemcmpWithShorterPrefixFirst) {
  EXPECT_LT(CompareKeys("ab", "abc"), 0);
  EXPECT_LT(CompareKeys("abc", "abd"), 0);
  EXPECT_GT(CompareKeys(std::string_view("\xff", 1), "a"), 0);  // unsigned bytes
  EXPECT_EQ(CompareKeys("x", "x"), 0);
}

TEST(BtreeNodeTest, RemoveMakesDeadBytesAndDefragmentReclaimsThem) {
  PageBuf page(kPageLeaf);
  const std::string value(500, 'v');
  size_t n = 0;
  while (InsertNode(page.p(), n, Leaf("k" + std::to_string(100 + n), value))) ++n;
  ASSERT_GT(n, 10u);
  EXPECT_LT(FreeTotal(page.p()), 500u + kLeafNodeHeaderSize + 4 + kSlotSize);
  // Remove every other entry: lots of free space, but in holes.
  for (int i = static_cast<int>(n) - 1; i > 0; i -= 2) RemoveNode(page.p(), static_cast<size_t>(i));
  EXPECT_GT(DeadBytes(page.p()), 0u);
  const size_t free_total = FreeTotal(page.p());
  EXPECT_TRUE(CheckNodePage(page.p(), 5, true).ok());
  const std::string big = Leaf("zzz", std::string(1500, 'w'));
  ASSERT_LT(FreeContiguous(page.p()), big.size() + kSlotSize);
  ASSERT_TRUE(InsertNode(page.p(), EntryCount(page.p()), big));  // defragments first
  EXPECT_EQ(DeadBytes(page.p()), 0u);
  EXPECT_EQ(FreeTotal(page.p()), free_total - big.size() - kSlotSize);
  EXPECT_TRUE(CheckNodePage(page.p(), 5, true).ok());
  EXPECT_EQ(NodeKey(page.p(), EntryCount(page.p()) - 1), "zzz");
  EXPECT_EQ(NodeKey(page.p(), 0), "k100");
}

TEST(BtreeNodeTest, FullPageRefusesInsertUnchanged) {
  PageBuf page(kPageLeaf);
  size_t n = 0;
  while (InsertNode(page.p(), n, Leaf("key" + std::to_string(1000 + n), std::string(1000, 'x')))) {
    ++n;
  }
  const std::vector<uint8_t> before = page.mem;
  EXPECT_FALSE(InsertNode(page.p(), 0, Leaf("a", std::string(1000, 'x'))));
  EXPECT_EQ(page.mem, before);
}

TEST(BtreeNodeTest, TwoMaxSizeEntriesFitInOnePage) {
  PageBuf leaf(kPageLeaf);
  const std::string value(kMaxInlineValueSize, 'v');
  ASSERT_TRUE(InsertNode(leaf.p(), 0, Leaf(std::string(kMaxKeySize, 'a'), value)));
  ASSERT_TRUE(InsertNode(leaf.p(), 1, Leaf(std::string(kMaxKeySize, 'b'), value)));
  PageBuf branch(kPageBranch);
  std::string node;
  EncodeBranch(&node, std::string(kMaxKeySize, 'a'), 1);
  ASSERT_TRUE(InsertNode(branch.p(), 0, node));
  ASSERT_TRUE(InsertNode(branch.p(), 1, node));
}

TEST(BtreeNodeTest, OverflowNodeStoresSizeAndPage) {
  PageBuf page(kPageLeaf);
  std::string node;
  EncodeLeafOverflow(&node, "big", 123456, 4242);
  EXPECT_EQ(node.size(), kLeafNodeHeaderSize + 3 + 8);
  ASSERT_TRUE(InsertNode(page.p(), 0, node));
  const LeafValue v = LeafValueAt(page.p(), 0);
  EXPECT_TRUE(v.overflow);
  EXPECT_EQ(v.size, 123456u);
  EXPECT_EQ(v.overflow_page, 4242u);
  EXPECT_EQ(NodeSizeAt(page.p(), 0), node.size());
}

TEST(BtreeNodeTest, ShortestSeparatorIsBetweenItsInputs) {
  EXPECT_EQ(ShortestSeparator("abc", "abd"), "abd");
  EXPECT_EQ(ShortestSeparator("abc", "b"), "b");
  EXPECT_EQ(ShortestSeparator("apple", "banana"), "b");
  EXPECT_EQ(ShortestSeparator("ab", "abc"), "abc");
  EXPECT_EQ(ShortestSeparator("ab", "abcdef"), "abc");
}

TEST(BtreeNodeTest, CheckNodePageRejectsGarbage) {
  PageBuf page(kPageLeaf);
  ASSERT_TRUE(InsertNode(page.p(), 0, Leaf("a", "1")));
  std::vector<uint8_t> bad = page.mem;
  bad[kOffFlags] = kPageLeaf | kPageBranch;
  EXPECT_TRUE(CheckNodePage(bad.data(), 5, false).IsCorruption());
  bad = page.mem;
  StoreU16(bad.data() + kOffEntryCount, 5000);
  EXPECT_TRUE(CheckNodePage(bad.data(), 5, false).IsCorruption());
  bad = page.mem;
  StoreU16(bad.data() + kPageHeaderSize, 10);  // slot points into the header
  EXPECT_TRUE(CheckNodePage(bad.data(), 5, true).IsCorruption());
  bad = page.mem;
  StoreU32(bad.data() + SlotOffset(bad.data(), 0) + 3, 60000);  // value runs past page end
  const Status s = CheckNodePage(bad.data(), 5, true);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(std::string(s.message()).find("page 5"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace rookery::storage::btree
