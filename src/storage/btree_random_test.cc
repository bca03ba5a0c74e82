// Randomized model test: a B+tree against std::map over many operations, with random key lengths
// (1..2048), mostly small values and some overflow values (up to 100 KiB), through a page store
// that moves pages on copy-on-write. Deterministic from the printed seed (ROOKERY_BTREE_SEED
// overrides it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <vector>

#include "storage/btree.h"
#include "storage/btree_iterator.h"
#include "storage/testing_page_store.h"

namespace rookery::storage {
namespace {

#ifdef ROOKERY_SANITIZED
constexpr int kOps = 12000;
#else
constexpr int kOps = 40000;
#endif
constexpr int kCheckEvery = 2000;
constexpr int kCommitEvery = 64;

class RandomTreeTest : public ::testing::TestWithParam<int> {
 protected:
  uint64_t Seed() const {
    if (const char* env = std::getenv("ROOKERY_BTREE_SEED")) return std::strtoull(env, nullptr, 10);
    return 0x5eed0000u + static_cast<uint64_t>(GetParam());
  }

  // Mode 0: mostly short keys. Mode 1: mostly long keys sharing long prefixes, so separators
  // are long too and branch pages split and merge (a deeper tree from fewer entries).
  bool LongKeyMode() const { return GetParam() % 2 == 1; }

  std::string RandomKey() {
    if (LongKeyMode() && rng_() % 10 < 8) {
      const std::string& prefix = prefixes_[rng_() % prefixes_.size()];
      std::string key = prefix + RandomShortKey(1 + rng_() % 40);
      if (key.size() > btree::kMaxKeySize) key.resize(btree::kMaxKeySize);
      return key;
    }
    // Keys from a small alphabet share prefixes; lengths are mostly short, some up to the max.
    const uint32_t r = rng_() % 100;
    size_t len;
    if (r < 70) {
      len = 1 + rng_() % 12;
    } else if (r < 95) {
      len = 1 + rng_() % 200;
    } else {
      len = 1 + rng_() % btree::kMaxKeySize;
    }
    return RandomShortKey(len);
  }

  std::string RandomShortKey(size_t len) {
    std::string key(len, 'a');
    for (char& c : key) c = "abcd\x00\xff"[rng_() % 6];
    return key;
  }

  std::string RandomValue() {
    const uint32_t r = rng_() % 1000;
    size_t len;
    if (r < 850) {
      len = rng_() % 64;
    } else if (r < 980) {
      len = rng_() % 3000;
    } else {
      len = rng_() % (100 * 1024 + 1);
    }
    std::string value(len, '\0');
    const char fill = static_cast<char>(rng_());
    for (size_t i = 0; i < len; ++i) value[i] = static_cast<char>(fill + i * 31);
    return value;
  }

  // A key that exists in the model (for replaces and deletes), or a random one.
  std::string PickKey() {
    if (!model_.empty() && rng_() % 3 == 0) {
      auto it = model_.lower_bound(RandomKey());
      if (it == model_.end()) it = model_.begin();
      return it->first;
    }
    return RandomKey();
  }

  void CheckAll(int op) {
    SCOPED_TRACE("after op " + std::to_string(op));
    Tree tree(store_, &state_);
    const Status verified = tree.Verify();
    ASSERT_TRUE(verified.ok()) << verified.ToString();
    ASSERT_EQ(state_.entries, model_.size());
    ASSERT_EQ(store_.live_pages(), state_.leaf_pages + state_.branch_pages + state_.overflow_pages);
    TreeIterator it(store_, state_);
    auto m = model_.begin();
    for (it.SeekToFirst(); it.Valid(); it.Next(), ++m) {
      ASSERT_NE(m, model_.end());
      ASSERT_EQ(it.key(), m->first);
      ASSERT_EQ(it.value(), m->second);
    }
    ASSERT_TRUE(it.status().ok()) << it.status().ToString();
    ASSERT_EQ(m, model_.end());
    auto r = model_.rbegin();
    for (it.SeekToLast(); it.Valid(); it.Prev(), ++r) {
      ASSERT_NE(r, model_.rend());
      ASSERT_EQ(it.key(), r->first);
    }
    ASSERT_EQ(r, model_.rend());
  }

  void CheckSeeks() {
    TreeIterator it(store_, state_);
    for (int i = 0; i < 20; ++i) {
      const std::string probe = PickKey();
      it.Seek(probe);
      auto lb = model_.lower_bound(probe);
      ASSERT_EQ(it.Valid(), lb != model_.end()) << "Seek";
      if (it.Valid()) {
        ASSERT_EQ(it.key(), lb->first);
        it.Prev();  // step back across a leaf boundary sometimes
        if (lb == model_.begin()) {
          ASSERT_FALSE(it.Valid());
        } else {
          ASSERT_TRUE(it.Valid());
          ASSERT_EQ(it.key(), std::prev(lb)->first);
        }
      }
      it.SeekForPrev(probe);
      auto ub = model_.upper_bound(probe);
      ASSERT_EQ(it.Valid(), ub != model_.begin()) << "SeekForPrev";
      if (it.Valid()) {
        ASSERT_EQ(it.key(), std::prev(ub)->first);
        it.Next();
        ASSERT_EQ(it.Valid(), ub != model_.end());
        if (it.Valid()) {
          ASSERT_EQ(it.key(), ub->first);
        }
      }
    }
  }

  std::mt19937_64 rng_;
  TestingPageStore store_{{.copy_on_write = true, .relocate_on_allocate = GetParam() >= 2}};
  TreeState state_;
  std::map<std::string, std::string> model_;
  std::vector<std::string> prefixes_;
};

TEST_P(RandomTreeTest, MatchesModel) {
  const uint64_t seed = Seed();
  SCOPED_TRACE("seed " + std::to_string(seed) +
               " (rerun with ROOKERY_BTREE_SEED=" + std::to_string(seed) + ")");
  rng_.seed(seed);
  for (int i = 0; i < 4; ++i) prefixes_.push_back(RandomShortKey(200 + rng_() % 1800));
  auto created = Tree::Create(store_);
  ASSERT_TRUE(created.ok());
  state_ = *created;
  std::string got;
  uint32_t max_depth = 0;
  uint64_t max_entries = 0;
  for (int op = 0; op < kOps; ++op) {
    Tree tree(store_, &state_);
    // Phases: grow, mixed, shrink, so that splits and merges both get exercised.
    const int phase = (op / (kOps / 6)) % 3;
    const uint32_t put_percent = phase == 0 ? 75 : phase == 1 ? 50 : 20;
    const uint32_t r = rng_() % 100;
    if (r < put_percent) {
      const std::string key = PickKey();
      const std::string value = RandomValue();
      const Status s = tree.Put(key, value);
      ASSERT_TRUE(s.ok()) << "op " << op << ": " << s.ToString();
      model_[key] = value;
    } else if (r < 90) {
      const std::string key = PickKey();
      auto deleted = tree.Delete(key);
      ASSERT_TRUE(deleted.ok()) << "op " << op << ": " << deleted.status().ToString();
      ASSERT_EQ(*deleted, model_.erase(key) == 1) << "op " << op;
    } else {
      const std::string key = PickKey();
      auto found = tree.Get(key, &got);
      ASSERT_TRUE(found.ok()) << "op " << op << ": " << found.status().ToString();
      auto m = model_.find(key);
      ASSERT_EQ(*found, m != model_.end()) << "op " << op;
      if (*found) {
        ASSERT_EQ(got, m->second) << "op " << op;
      }
    }
    if (op % kCommitEvery == kCommitEvery - 1) {
      const Status s = store_.Commit();
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    if (op % 500 == 499) {
      ASSERT_NO_FATAL_FAILURE(CheckSeeks()) << "op " << op;
    }
    if (op % kCheckEvery == kCheckEvery - 1) {
      ASSERT_NO_FATAL_FAILURE(CheckAll(op));
    }
    max_depth = std::max(max_depth, state_.depth);
    max_entries = std::max<uint64_t>(max_entries, state_.entries);
  }
  ASSERT_NO_FATAL_FAILURE(CheckAll(kOps));
  // The workload must have built a tree with branch levels, or it tested little.
  std::printf("seed %llu: max depth %u, max entries %llu\n", static_cast<unsigned long long>(seed),
              max_depth, static_cast<unsigned long long>(max_entries));
  EXPECT_GE(max_depth, LongKeyMode() ? 3u : 2u);
  // Delete everything, then drop: every page ever allocated has been freed.
  while (!model_.empty()) {
    Tree tree(store_, &state_);
    const std::string key = model_.begin()->first;
    auto deleted = tree.Delete(key);
    ASSERT_TRUE(deleted.ok() && *deleted);
    model_.erase(model_.begin());
  }
  ASSERT_NO_FATAL_FAILURE(CheckAll(-1));
  EXPECT_EQ(state_.depth, 1u);
  EXPECT_EQ(store_.live_pages(), 1u);
  Tree tree(store_, &state_);
  ASSERT_TRUE(tree.Drop().ok());
  EXPECT_EQ(store_.allocated_pages(), store_.freed_pages());
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomTreeTest, ::testing::Values(0, 1, 2, 3));

}  // namespace
}  // namespace rookery::storage
