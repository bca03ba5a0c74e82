#include "storage/btree_fixed.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>

#include "storage/testing_page_store.h"

namespace rookery::storage {
namespace {

std::string U64Value(uint64_t v) {
  std::string out(8, '\0');
  StoreU64(out.data(), v);
  return out;
}

TEST(FixedSizeTreeTest, CountersIncrementInPlace) {
  TestingPageStore store;
  auto created = FixedSizeTree::Create(store, 8);
  ASSERT_TRUE(created.ok());
  TreeState state = *created;
  EXPECT_EQ(state.kind, btree::TreeKind::kFixed);
  FixedSizeTree tree(store, &state);
  for (int round = 0; round < 3; ++round) {
    for (int64_t k = -500; k < 500; ++k) {
      std::string v;
      auto found = tree.Get(k * 1000, &v);
      ASSERT_TRUE(found.ok());
      const uint64_t count = *found ? LoadU64(v.data()) : 0;
      ASSERT_TRUE(tree.Put(k * 1000, U64Value(count + 1)).ok());
    }
    ASSERT_TRUE(store.Commit().ok());
  }
  ASSERT_TRUE(tree.Verify().ok());
  EXPECT_EQ(state.entries, 1000u);
  // 1000 records of 16 bytes fit in 2 leaves (508 per page).
  EXPECT_LE(state.leaf_pages, 3u);
  FixedSizeIterator it(store, state);
  int64_t expected = -500 * 1000;
  for (it.SeekToFirst(); it.Valid(); it.Next(), expected += 1000) {
    ASSERT_EQ(it.key(), expected);  // signed order: negatives first
    ASSERT_EQ(LoadU64(it.value().data()), 3u);
  }
  EXPECT_EQ(expected, 500 * 1000);
}

TEST(FixedSizeTreeTest, RejectsWrongValueSizeAndVariableTreeState) {
  TestingPageStore store;
  TreeState state = *FixedSizeTree::Create(store, 4);
  FixedSizeTree tree(store, &state);
  EXPECT_EQ(tree.Put(1, "12345").code(), Code::kInvalidArgument);
  EXPECT_TRUE(tree.Put(1, "1234").ok());
  EXPECT_EQ(FixedSizeTree::Create(store, btree::kMaxFixedValueSize + 1).status().code(),
            Code::kInvalidArgument);
  Tree as_variable(store, &state);
  std::string v;
  EXPECT_EQ(as_variable.Get("k", &v).status().code(), Code::kInvalidArgument);
  uint8_t buf[kTreeStateSize];
  EncodeTreeState(state, buf);
  auto decoded = DecodeTreeState(buf);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, state);
  EXPECT_EQ(decoded->fixed_value_size, 4u);
}

TEST(FixedSizeTreeTest, ZeroSizeValuesMakeASet) {
  TestingPageStore store;
  TreeState state = *FixedSizeTree::Create(store, 0);
  FixedSizeTree tree(store, &state);
  for (int64_t k = 0; k < 5000; ++k) ASSERT_TRUE(tree.Put(k * 3, "").ok());
  ASSERT_TRUE(tree.Verify().ok());
  std::string_view v;
  EXPECT_TRUE(*tree.GetView(300, &v));
  EXPECT_TRUE(v.empty());
  EXPECT_FALSE(*tree.GetView(301, &v));
  ASSERT_TRUE(tree.Drop().ok());
  EXPECT_EQ(store.live_pages(), 0u);
}

// Model test against std::map with random keys, 8-byte values, through a relocating store.
TEST(FixedSizeTreeTest, RandomMatchesModel) {
  uint64_t seed = 0xf1fedull;
  if (const char* env = std::getenv("ROOKERY_BTREE_SEED")) seed = std::strtoull(env, nullptr, 10);
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  TestingPageStore store({.copy_on_write = true, .relocate_on_allocate = true});
  // A large value size makes pages hold few records, so the tree gets deep quickly.
  const uint16_t value_size = 1000;
  TreeState state = *FixedSizeTree::Create(store, value_size);
  std::map<int64_t, std::string> model;
#ifdef ROOKERY_SANITIZED
  const int ops = 15000;
#else
  const int ops = 40000;
#endif
  uint32_t max_depth = 0;
  for (int op = 0; op < ops; ++op) {
    FixedSizeTree tree(store, &state);
    const int64_t key = static_cast<int64_t>(rng() % 20000) - 10000;
    const int phase = (op / (ops / 4)) % 2;  // grow, shrink, grow, shrink
    const uint32_t r = rng() % 100;
    if (r < (phase == 0 ? 70u : 25u)) {
      std::string value(value_size, static_cast<char>(rng()));
      ASSERT_TRUE(tree.Put(key, value).ok()) << "op " << op;
      model[key] = value;
    } else {
      auto deleted = tree.Delete(key);
      ASSERT_TRUE(deleted.ok()) << "op " << op << ": " << deleted.status().ToString();
      ASSERT_EQ(*deleted, model.erase(key) == 1) << "op " << op;
    }
    if (op % 100 == 99) {
      ASSERT_TRUE(store.Commit().ok());
    }
    max_depth = std::max(max_depth, state.depth);
    if (op % 5000 == 4999 || op == ops - 1) {
      const Status s = tree.Verify();
      ASSERT_TRUE(s.ok()) << "op " << op << ": " << s.ToString();
      ASSERT_EQ(state.entries, model.size());
      ASSERT_EQ(store.live_pages(), state.leaf_pages + state.branch_pages);
      FixedSizeIterator it(store, state);
      auto m = model.begin();
      for (it.SeekToFirst(); it.Valid(); it.Next(), ++m) {
        ASSERT_NE(m, model.end());
        ASSERT_EQ(it.key(), m->first);
        ASSERT_EQ(it.value(), m->second);
      }
      ASSERT_EQ(m, model.end());
      auto rm = model.rbegin();
      for (it.SeekToLast(); it.Valid(); it.Prev(), ++rm) ASSERT_EQ(it.key(), rm->first);
      ASSERT_EQ(rm, model.rend());
      for (int i = 0; i < 50; ++i) {
        const int64_t probe = static_cast<int64_t>(rng() % 22000) - 11000;
        it.Seek(probe);
        auto lb = model.lower_bound(probe);
        ASSERT_EQ(it.Valid(), lb != model.end());
        if (it.Valid()) {
          ASSERT_EQ(it.key(), lb->first);
        }
        it.SeekForPrev(probe);
        auto ub = model.upper_bound(probe);
        ASSERT_EQ(it.Valid(), ub != model.begin());
        if (it.Valid()) {
          ASSERT_EQ(it.key(), std::prev(ub)->first);
        }
      }
    }
  }
  EXPECT_GE(max_depth, 3u);
  FixedSizeTree tree(store, &state);
  for (const auto& [k, v] : model) ASSERT_TRUE(*tree.Delete(k));
  ASSERT_TRUE(tree.Verify().ok());
  EXPECT_EQ(state.depth, 1u);
  EXPECT_EQ(store.live_pages(), 1u);
  ASSERT_TRUE(tree.Drop().ok());
  EXPECT_EQ(store.allocated_pages(), store.freed_pages());
}

}  // namespace
}  // namespace rookery::storage
