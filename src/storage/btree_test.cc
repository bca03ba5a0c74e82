#include "storage/btree.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "storage/btree_iterator.h"
#include "storage/testing_page_store.h"

namespace rookery::storage {
namespace {

using btree::kMaxInlineValueSize;
using btree::kMaxKeySize;

std::string Key(int i, size_t width = 8) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%0*d", static_cast<int>(width), i);
  return buf;
}

class BtreeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto state = Tree::Create(store_);
    ASSERT_TRUE(state.ok()) << state.status().ToString();
    state_ = *state;
  }
  void Commit() { ASSERT_TRUE(store_.Commit().ok()); }
  void Verify() {
    Tree tree(store_, &state_);
    const Status s = tree.Verify();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  std::string MustGet(std::string_view key) {
    Tree tree(store_, &state_);
    std::string value;
    auto found = tree.Get(key, &value);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    EXPECT_TRUE(found.ok() && *found) << "missing key " << key;
    return value;
  }
  void MustPut(std::string_view key, std::string_view value) {
    Tree tree(store_, &state_);
    const Status s = tree.Put(key, value);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  bool MustDelete(std::string_view key) {
    Tree tree(store_, &state_);
    auto r = tree.Delete(key);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  }

  TestingPageStore store_;
  TreeState state_;
};

TEST_F(BtreeTest, EmptyTree) {
  EXPECT_EQ(state_.depth, 1u);
  EXPECT_EQ(state_.leaf_pages, 1u);
  EXPECT_EQ(state_.entries, 0u);
  Tree tree(store_, &state_);
  std::string v;
  auto r = tree.Get("a", &v);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  TreeIterator it(store_, state_);
  it.SeekToFirst();
  EXPECT_FALSE(it.Valid());
  it.SeekToLast();
  EXPECT_FALSE(it.Valid());
  it.Seek("a");
  EXPECT_FALSE(it.Valid());
  EXPECT_TRUE(it.status().ok());
  Verify();
}

TEST_F(BtreeTest, PutGetReplaceDelete) {
  MustPut("b", "2");
  MustPut("a", "1");
  MustPut("c", "");
  EXPECT_EQ(MustGet("a"), "1");
  EXPECT_EQ(MustGet("b"), "2");
  EXPECT_EQ(MustGet("c"), "");
  MustPut("b", "two");
  EXPECT_EQ(MustGet("b"), "two");
  MustPut("b", "TWO");  // same size: in place
  EXPECT_EQ(MustGet("b"), "TWO");
  EXPECT_EQ(state_.entries, 3u);
  EXPECT_TRUE(MustDelete("b"));
  EXPECT_FALSE(MustDelete("b"));
  EXPECT_EQ(state_.entries, 2u);
  Tree tree(store_, &state_);
  std::string_view view;
  auto r = tree.GetView("a", &view);
  ASSERT_TRUE(r.ok() && *r);
  EXPECT_EQ(view, "1");
  r = tree.GetView("b", &view);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  Verify();
}

TEST_F(BtreeTest, RejectsBadKeys) {
  Tree tree(store_, &state_);
  EXPECT_EQ(tree.Put("", "v").code(), Code::kInvalidArgument);
  EXPECT_EQ(tree.Put(std::string(kMaxKeySize + 1, 'k'), "v").code(), Code::kInvalidArgument);
  std::string v;
  EXPECT_EQ(tree.Get("", &v).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(tree.Delete(std::string(kMaxKeySize + 1, 'k')).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(tree.Put(std::string(kMaxKeySize, 'k'), "v").ok());
  EXPECT_EQ(state_.entries, 1u);
}

TEST_F(BtreeTest, SplitsGrowDepthAndKeepOrder) {
  const int n = 5000;
  for (int i = 0; i < n; ++i) MustPut(Key((i * 7919) % n), "value-" + std::to_string(i));
  Commit();
  EXPECT_EQ(state_.entries, static_cast<uint64_t>(n));
  EXPECT_GE(state_.depth, 2u);
  EXPECT_GT(state_.leaf_pages, 10u);
  Verify();
  TreeIterator it(store_, state_);
  int i = 0;
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++i) ASSERT_EQ(it.key(), Key(i));
  EXPECT_EQ(i, n);
  i = n - 1;
  for (it.SeekToLast(); it.Valid(); it.Prev(), --i) ASSERT_EQ(it.key(), Key(i));
  EXPECT_EQ(i, -1);
  EXPECT_TRUE(it.status().ok());
}

TEST_F(BtreeTest, AscendingInsertsFillPages) {
  const int n = 20000;
  for (int i = 0; i < n; ++i) MustPut(Key(i), "v");
  Verify();
  // Each entry takes 2 + 7 + 8 + 1 = 18 bytes: a full page holds 451. Appending splits leave
  // the old page full.
  const uint64_t per_page = btree::kPageBodySize / 18;
  EXPECT_LE(state_.leaf_pages, n / per_page + 2) << state_.leaf_pages;
}

TEST_F(BtreeTest, LargeKeysIntoFullPages) {
  // Max-size keys with max-size inline values: two per page, every insert splits.
  const std::string value(kMaxInlineValueSize, 'v');
  for (int i = 0; i < 60; ++i) {
    std::string key(kMaxKeySize, static_cast<char>('a' + (i * 7) % 26));
    key.replace(kMaxKeySize - 8, 8, Key(i));
    MustPut(key, value);
    // A small key between big ones too.
    MustPut(Key(i, 3), value);
  }
  Verify();
  EXPECT_EQ(state_.entries, 120u);
  EXPECT_GE(state_.depth, 3u);
}

TEST_F(BtreeTest, OverflowValuesRoundTripAndFreeOnReplaceAndDelete) {
  const uint64_t base = store_.live_pages();
  std::string big(100 * 1024, 'x');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + 7);
  MustPut("big", big);
  const uint64_t run = PagesForOverflow(big.size());
  EXPECT_EQ(state_.overflow_pages, run);
  EXPECT_EQ(store_.live_pages(), base + run);
  EXPECT_EQ(MustGet("big"), big);
  {
    // Zero-copy view points straight into the run.
    Tree tree(store_, &state_);
    std::string_view view;
    ASSERT_TRUE(*tree.GetView("big", &view));
    EXPECT_EQ(view, big);
  }
  // Just over the inline limit goes to a one-page... two-page run; at the limit stays inline.
  MustPut("edge", std::string(kMaxInlineValueSize, 'e'));
  EXPECT_EQ(state_.overflow_pages, run);
  MustPut("edge", std::string(kMaxInlineValueSize + 1, 'e'));
  EXPECT_EQ(state_.overflow_pages, run + 1);
  // Replace a big value by a small one: the run is freed.
  MustPut("big", "small");
  EXPECT_EQ(state_.overflow_pages, 1u);
  EXPECT_EQ(store_.live_pages(), base + 1);
  EXPECT_EQ(MustGet("big"), "small");
  // Replace small by big and big by big.
  MustPut("big", big);
  MustPut("big", big.substr(0, 50000));
  EXPECT_EQ(MustGet("big"), big.substr(0, 50000));
  EXPECT_EQ(state_.overflow_pages, 1u + PagesForOverflow(50000));
  Verify();
  Commit();
  EXPECT_TRUE(MustDelete("big"));
  EXPECT_TRUE(MustDelete("edge"));
  EXPECT_EQ(state_.overflow_pages, 0u);
  EXPECT_EQ(store_.live_pages(), base);
  Verify();
}

TEST_F(BtreeTest, SixtyFourMebibyteValue) {
  std::string huge(64u << 20, '\0');
  for (size_t i = 0; i < huge.size(); i += 4096) huge[i] = static_cast<char>(i >> 12);
  huge.back() = 'z';
  MustPut("huge", huge);
  MustPut("after", "x");
  Commit();
  EXPECT_EQ(state_.overflow_pages, PagesForOverflow(huge.size()));
  {
    Tree tree(store_, &state_);
    std::string_view view;
    ASSERT_TRUE(*tree.GetView("huge", &view));
    ASSERT_EQ(view.size(), huge.size());
    EXPECT_TRUE(view == huge);
  }
  EXPECT_TRUE(MustDelete("huge"));
  EXPECT_EQ(state_.overflow_pages, 0u);
  EXPECT_EQ(store_.live_pages(), 1u);
}

TEST_F(BtreeTest, DeletingEverythingShrinksToOneLeaf) {
  const int n = 8000;
  for (int i = 0; i < n; ++i) MustPut(Key(i), std::string(40, 'v'));
  Commit();
  ASSERT_GE(state_.depth, 2u);
  // Delete in an order that hits every position in pages.
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(MustDelete(Key((i * 7919) % n)));
    if (i % 997 == 0) Verify();
  }
  Verify();
  EXPECT_EQ(state_.entries, 0u);
  EXPECT_EQ(state_.depth, 1u);
  EXPECT_EQ(state_.leaf_pages, 1u);
  EXPECT_EQ(state_.branch_pages, 0u);
  EXPECT_EQ(store_.live_pages(), 1u);
}

TEST_F(BtreeTest, DeleteHeavyWorkloadReclaimsSpace) {
  const int n = 10000;
  for (int i = 0; i < n; ++i) MustPut(Key(i), std::string(100, 'v'));
  const uint64_t full_leaves = state_.leaf_pages;
  // Keep one key in 20: pages must merge, not stay at 5 % fill.
  for (int i = 0; i < n; ++i) {
    if (i % 20 != 0) {
      ASSERT_TRUE(MustDelete(Key(i)));
    }
  }
  Verify();
  EXPECT_EQ(state_.entries, static_cast<uint64_t>(n / 20));
  EXPECT_LT(state_.leaf_pages, full_leaves / 4) << full_leaves << " -> " << state_.leaf_pages;
  EXPECT_EQ(store_.live_pages(), state_.leaf_pages + state_.branch_pages);
}

TEST_F(BtreeTest, DropFreesEveryPage) {
  for (int i = 0; i < 3000; ++i) {
    MustPut(Key(i), i % 100 == 0 ? std::string(20000, 'o') : std::string(i % 50, 's'));
  }
  Commit();
  EXPECT_GT(state_.overflow_pages, 0u);
  Tree tree(store_, &state_);
  ASSERT_TRUE(tree.Drop().ok());
  EXPECT_EQ(store_.live_pages(), 0u);
  EXPECT_EQ(store_.allocated_pages(), store_.freed_pages());
  EXPECT_EQ(state_.root, kInvalidPage);
  EXPECT_TRUE(tree.Verify().ok());
  std::string v;
  EXPECT_EQ(tree.Get("a", &v).status().code(), Code::kFailedState);
}

TEST_F(BtreeTest, TreeStateRoundTripsAndRejectsGarbage) {
  TreeState s{.root = 0x0102030405060708ull,
              .depth = 3,
              .entries = 1000,
              .branch_pages = 4,
              .leaf_pages = 40,
              .overflow_pages = 7};
  uint8_t buf[kTreeStateSize];
  EncodeTreeState(s, buf);
  EXPECT_EQ(LoadU64(buf), s.root);  // documented layout: root at 0, depth at 8, ...
  EXPECT_EQ(LoadU32(buf + 8), 3u);
  EXPECT_EQ(buf[12], kTreeStateVersion);
  EXPECT_EQ(buf[13], 0);  // kind: variable
  EXPECT_EQ(LoadU64(buf + 16), 1000u);
  EXPECT_EQ(LoadU64(buf + 40), 7u);
  auto d = DecodeTreeState(buf);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, s);
  buf[12] = 9;  // unknown version
  EXPECT_TRUE(DecodeTreeState(buf).status().IsCorruption());
  EncodeTreeState(s, buf);
  StoreU64(buf + 32, 0);  // no leaves
  EXPECT_TRUE(DecodeTreeState(buf).status().IsCorruption());
  EncodeTreeState(state_, buf);
  EXPECT_EQ(*DecodeTreeState(buf), state_);
}

TEST_F(BtreeTest, ReadTransactionCannotModify) {
  MustPut("a", "1");
  Commit();
  store_.SetWrite(false);
  Tree tree(store_, &state_);
  EXPECT_EQ(MustGet("a"), "1");
  EXPECT_FALSE(tree.Put("b", "2").ok());
  store_.SetWrite(true);
}

TEST(BtreeCowTest, RelocatingStoreCatchesNoStalePointers) {
  // Every AllocatePages moves every page modified in the transaction: a tree that kept an
  // address across an allocation would read freed memory (ASan) or poison.
  TestingPageStore store({.copy_on_write = true, .relocate_on_allocate = true});
  auto created = Tree::Create(store);
  ASSERT_TRUE(created.ok());
  TreeState state = *created;
  Tree tree(store, &state);
  std::map<std::string, std::string> model;
  for (int i = 0; i < 3000; ++i) {
    const std::string key = Key((i * 613) % 2000, 1 + i % 40);
    const std::string value(i % 13 == 0 ? 3000 : i % 200, static_cast<char>('a' + i % 26));
    ASSERT_TRUE(tree.Put(key, value).ok());
    model[key] = value;
    if (i % 3 == 0) {
      const std::string victim = Key((i * 37) % 2000, 1 + (i / 3) % 40);
      auto r = tree.Delete(victim);
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(*r, model.erase(victim) == 1);
    }
    if (i % 50 == 0) {
      ASSERT_TRUE(store.Commit().ok());
    }
  }
  ASSERT_TRUE(tree.Verify().ok());
  TreeIterator it(store, state);
  auto m = model.begin();
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(it.key(), m->first);
    ASSERT_EQ(it.value(), m->second);
  }
  EXPECT_EQ(m, model.end());
}

}  // namespace
}  // namespace rookery::storage
