// Integration: B+trees (btree.h) over real environment transactions — snapshots, flush, sync,
// and reopen after a simulated power loss, checked against a std::map model.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "storage/btree.h"
#include "storage/environment.h"
#include "storage/storage_fault_env.h"
#include "storage/storage_test_util.h"
#include "storage/transaction.h"

namespace rookery::storage {
namespace {

using testing::EnvKind;
using testing::ManualOptions;
using KV = std::map<std::string, std::string>;

class EnvironmentBtreeTest : public ::testing::TestWithParam<EnvKind> {
 protected:
  EnvironmentBtreeTest() : dir_(GetParam()), fault_(dir_.env()) {
    fault_.TrackDurability("data.rookery");
  }
  std::unique_ptr<StorageEnvironment> Open() {
    auto e = StorageEnvironment::Open(fault_, dir_.path(), ManualOptions());
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(e).value() : nullptr;
  }
  static TreeState StateOf(std::span<const uint8_t, kRootRecordSize> root) {
    auto s = DecodeTreeState(root.data());
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : TreeState{};
  }
  void CheckTree(PageAccess& tx, TreeState state, const KV& model) {
    Tree tree(tx, &state);
    Status v = tree.Verify();
    ASSERT_TRUE(v.ok()) << v.ToString();
    EXPECT_EQ(state.entries, model.size());
    for (const auto& [k, v] : model) {
      std::string got;
      auto found = tree.Get(k, &got);
      ASSERT_TRUE(found.ok()) << found.status().ToString();
      ASSERT_TRUE(*found) << k;
      ASSERT_EQ(got, v) << k;
    }
  }
  testing::TempEnvDir dir_;
  testing::FaultEnv fault_;
};

TEST_P(EnvironmentBtreeTest, TreeSurvivesSnapshotsFlushesAndPowerLoss) {
  std::mt19937_64 rng(20261121);
  auto e = Open();
  ASSERT_NE(e, nullptr);
  {
    auto w = e->BeginWrite();
    auto state = Tree::Create(**w);
    ASSERT_TRUE(state.ok());
    std::array<uint8_t, kRootRecordSize> root{};
    EncodeTreeState(*state, root.data());
    (*w)->set_root_record(root);
    ASSERT_TRUE((*w)->Commit().ok());
  }
  KV model;
  std::unique_ptr<ReadTransaction> old_reader;
  KV old_model;
  for (int round = 0; round < 24; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto w = e->BeginWrite();
    ASSERT_TRUE(w.ok());
    TreeState state = StateOf((*w)->root_record());
    Tree tree(**w, &state);
    KV next = model;
    for (int i = 0; i < 150; ++i) {
      const std::string key = "key/" + std::to_string(rng() % 3000);
      if (rng() % 4 == 0 && !next.empty()) {
        ASSERT_TRUE(tree.Delete(key).ok());
        next.erase(key);
      } else {
        // Mostly small values, sometimes large ones (overflow runs).
        const size_t size = rng() % 10 == 0 ? 9000 + rng() % 20000 : 10 + rng() % 300;
        std::string value(size, static_cast<char>('a' + rng() % 26));
        value[0] = static_cast<char>(round);
        ASSERT_TRUE(tree.Put(key, value).ok());
        next[key] = value;
      }
    }
    std::array<uint8_t, kRootRecordSize> root{};
    EncodeTreeState(state, root.data());
    (*w)->set_root_record(root);
    if (round % 5 == 4) {
      (*w)->Abort();
    } else {
      ASSERT_TRUE((*w)->Commit().ok());
      model = std::move(next);
    }
    if (round == 6) {
      old_reader = std::move(e->BeginRead()).value();
      old_model = model;
    }
    if (round % 3 == 0) {
      ASSERT_TRUE(e->FlushNow().ok());
    }
    if (round % 7 == 0) {
      ASSERT_TRUE(e->SyncNow().ok());
    }
    if (old_reader != nullptr && round % 4 == 0) {
      CheckTree(*old_reader, StateOf(old_reader->root_record()), old_model);
    }
    if (round == 15) old_reader.reset();
    if (HasFatalFailure()) return;
  }
  {
    SCOPED_TRACE("before power loss, before flush");
    auto r = e->BeginRead();
    CheckTree(**r, StateOf((*r)->root_record()), model);
  }
  ASSERT_TRUE(e->FlushNow().ok());
  {
    SCOPED_TRACE("before power loss, after flush");
    auto r = e->BeginRead();
    CheckTree(**r, StateOf((*r)->root_record()), model);
  }
  SCOPED_TRACE("after power loss");
  e.reset();
  ASSERT_TRUE(fault_.Crash().ok());  // loses every flush since the last sync
  e = Open();
  ASSERT_NE(e, nullptr);
  auto r = e->BeginRead();
  CheckTree(**r, StateOf((*r)->root_record()), model);
  const StorageReport rep = e->Report();
  TreeState state = StateOf((*r)->root_record());
  EXPECT_EQ(state.branch_pages + state.leaf_pages + state.overflow_pages + rep.free_pages +
                rep.free_space_pages,
            rep.next_page)
      << "page leak";
}

INSTANTIATE_TEST_SUITE_P(Envs, EnvironmentBtreeTest,
                         ::testing::Values(EnvKind::kMem, EnvKind::kPosix), testing::EnvKindName);

}  // namespace
}  // namespace rookery::storage
