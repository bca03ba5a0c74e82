#include "storage/btree_iterator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "storage/testing_page_store.h"

namespace rookery::storage {
namespace {

std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "k%06d", i);
  return buf;
}

// Even keys k000000, k000002, ... over many leaves; every 50th value is an overflow value.
class IteratorTest : public ::testing::Test {
 protected:
  static constexpr int kCount = 3000;
  static std::string ValueOf(int i) {
    return i % 50 == 0 ? std::string(5000 + i, static_cast<char>('A' + i % 26))
                       : "v" + std::to_string(i) + std::string(40, '.');
  }
  void SetUp() override {
    auto created = Tree::Create(store_);
    ASSERT_TRUE(created.ok());
    state_ = *created;
    Tree tree(store_, &state_);
    for (int i = 0; i < kCount; ++i) ASSERT_TRUE(tree.Put(Key(2 * i), ValueOf(i)).ok());
    ASSERT_TRUE(store_.Commit().ok());
    ASSERT_GE(state_.leaf_pages, 10u);
  }
  TestingPageStore store_;
  TreeState state_;
};

TEST_F(IteratorTest, SeekLandsOnFirstKeyAtOrAfter) {
  TreeIterator it(store_, state_);
  for (int i = 0; i < kCount; i += 37) {
    it.Seek(Key(2 * i));
    ASSERT_TRUE(it.Valid());
    EXPECT_EQ(it.key(), Key(2 * i));
    EXPECT_EQ(it.value(), ValueOf(i));
    it.Seek(Key(2 * i + 1));  // between keys
    if (i + 1 < kCount) {
      ASSERT_TRUE(it.Valid());
      EXPECT_EQ(it.key(), Key(2 * i + 2));
    } else {
      EXPECT_FALSE(it.Valid());
    }
  }
  it.Seek("a");
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), Key(0));
  it.Seek("z");
  EXPECT_FALSE(it.Valid());
  EXPECT_TRUE(it.status().ok());
}

TEST_F(IteratorTest, SeekForPrevLandsOnLastKeyAtOrBefore) {
  TreeIterator it(store_, state_);
  for (int i = 0; i < kCount; i += 41) {
    it.SeekForPrev(Key(2 * i));
    ASSERT_TRUE(it.Valid());
    EXPECT_EQ(it.key(), Key(2 * i));
    it.SeekForPrev(Key(2 * i + 1));
    ASSERT_TRUE(it.Valid());
    EXPECT_EQ(it.key(), Key(2 * i));
  }
  it.SeekForPrev("a");
  EXPECT_FALSE(it.Valid());
  it.SeekForPrev("z");
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), Key(2 * (kCount - 1)));
}

TEST_F(IteratorTest, NextAndPrevAlternateAcrossLeafBoundaries) {
  TreeIterator it(store_, state_);
  it.SeekToFirst();
  int i = 0;
  // Two steps forward, one back, through the whole tree.
  while (it.Valid()) {
    ASSERT_EQ(it.key(), Key(2 * i));
    it.Next();
    if (!it.Valid()) break;
    it.Next();
    if (!it.Valid()) break;
    it.Prev();
    ASSERT_TRUE(it.Valid());
    ++i;
  }
  EXPECT_EQ(i, kCount - 2);  // stopped when two steps ahead ran off the end
  it.SeekToLast();
  ASSERT_TRUE(it.Valid());
  it.Next();
  EXPECT_FALSE(it.Valid());
  it.SeekToFirst();
  it.Prev();
  EXPECT_FALSE(it.Valid());
}

TEST_F(IteratorTest, RangeAndPrefixScans) {
  std::vector<std::string> seen;
  auto collect = [&](std::string_view k, std::string_view) {
    seen.emplace_back(k);
    return true;
  };
  ASSERT_TRUE(ForEachInRange(store_, state_, Key(100), Key(200), collect).ok());
  ASSERT_EQ(seen.size(), 50u);  // 100, 102, ..., 198
  EXPECT_EQ(seen.front(), Key(100));
  EXPECT_EQ(seen.back(), Key(198));
  seen.clear();
  ASSERT_TRUE(ForEachInRange(store_, state_, Key(5001), std::nullopt, collect).ok());
  EXPECT_EQ(seen.size(), static_cast<size_t>(kCount - 2501));
  seen.clear();
  // Stop early.
  ASSERT_TRUE(ForEachInRange(store_, state_, "", std::nullopt, [&](std::string_view k, auto) {
                seen.emplace_back(k);
                return seen.size() < 3;
              }).ok());
  EXPECT_EQ(seen.size(), 3u);
  seen.clear();
  ASSERT_TRUE(ForEachWithPrefix(store_, state_, "k0012", collect).ok());
  ASSERT_EQ(seen.size(), 50u);  // k001200 .. k001298
  EXPECT_EQ(seen.front(), "k001200");
  EXPECT_EQ(seen.back(), "k001298");
  seen.clear();
  ASSERT_TRUE(ForEachWithPrefix(store_, state_, "x", collect).ok());
  EXPECT_TRUE(seen.empty());
  // Overflow values come through the scan intact.
  std::string value;
  ASSERT_TRUE(ForEachWithPrefix(store_, state_, Key(100), [&](auto, std::string_view v) {
                value = v;
                return true;
              }).ok());
  EXPECT_EQ(value, ValueOf(50));
}

TEST_F(IteratorTest, CountUntilCountsWholeLeavesAndStopsOnTheBound) {
  TreeIterator it(store_, state_);
  // Every (from, to) pair on a grid crossing many leaves, bounds on and between keys.
  for (int from = 0; from < 2 * kCount; from += 97) {
    for (int to = from; to <= 2 * kCount + 1; to += 131) {
      it.Seek(Key(from));
      // Keys are 2i for i < kCount: the first at or after `to` is i = ceil(to / 2).
      const int first = std::min((to + 1) / 2, kCount);
      ASSERT_EQ(it.CountUntil(Key(to)), static_cast<uint64_t>(first - (from + 1) / 2))
          << from << " " << to;
      if (first < kCount) {
        ASSERT_TRUE(it.Valid());
        EXPECT_EQ(it.key(), Key(2 * first));
      } else {
        EXPECT_FALSE(it.Valid());
      }
    }
  }
  it.SeekToFirst();
  EXPECT_EQ(it.CountUntil(std::nullopt), static_cast<uint64_t>(kCount));
  EXPECT_FALSE(it.Valid());
  EXPECT_EQ(it.CountUntil(std::nullopt), 0u);
  it.Seek(Key(10));
  EXPECT_EQ(it.CountUntil(Key(4)), 0u);  // already past the bound: stays put
  ASSERT_TRUE(it.Valid());
  EXPECT_EQ(it.key(), Key(10));
  EXPECT_TRUE(it.status().ok());
}

TEST_F(IteratorTest, CorruptPageIsReportedNotFollowed) {
  // Damage the root's flags: lookups and iteration report corruption naming the page.
  auto root = store_.ModifyPage(state_.root);
  ASSERT_TRUE(root.ok());
  (*root)[kOffFlags] = 0;
  Tree tree(store_, &state_);
  std::string v;
  auto r = tree.Get(Key(0), &v);
  ASSERT_TRUE(r.status().IsCorruption());
  EXPECT_NE(std::string(r.status().message()).find(std::to_string(state_.root)), std::string::npos);
  TreeIterator it(store_, state_);
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  EXPECT_TRUE(it.status().IsCorruption());
  EXPECT_TRUE(tree.Put(Key(1), "x").IsCorruption());
}

TEST(TestingPageStoreTest, CopyOnWriteMovesPagesOncePerTransaction) {
  TestingPageStore store;
  auto run = store.AllocatePages(1);
  ASSERT_TRUE(run.ok());
  const PageNumber n = PageNumberOf(*run);
  (*run)[kOffFlags] = kPageLeaf;
  ASSERT_TRUE(store.Commit().ok());
  const uint8_t* before = *store.GetPage(n);
  uint8_t* first = *store.ModifyPage(n);
  EXPECT_NE(first, before);  // the old address is now freed memory
  EXPECT_EQ(*store.ModifyPage(n), first);
  ASSERT_TRUE(store.Commit().ok());
  EXPECT_NE(*store.ModifyPage(n), first);
  ASSERT_TRUE(store.FreePage(n).ok());
  EXPECT_FALSE(store.GetPage(n).ok());
  EXPECT_EQ(store.live_pages(), 0u);
}

TEST(TestingPageStoreTest, FreeChecksRunLengthHeader) {
  TestingPageStore store;
  auto run = store.AllocatePages(3);
  ASSERT_TRUE(run.ok());
  const PageNumber n = PageNumberOf(*run);
  // Without kPageOverflow and the size, the pager would think this is a single page.
  EXPECT_EQ(store.FreePage(n).code(), Code::kInternal);
  (*run)[kOffFlags] = kPageOverflow;
  StoreU32(*run + kOffOverflowSize, 2 * kPageSize);
  EXPECT_TRUE(store.FreePage(n).ok());
  EXPECT_EQ(store.allocated_pages(), store.freed_pages());
}

}  // namespace
}  // namespace rookery::storage
