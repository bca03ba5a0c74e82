// Behaviour of every compiled-in KvEngine adapter against the contract in kv_engine.h: what is
// committed is readable (copied out), survives Close and reopen, is scanned in key order;
// uncommitted writes vanish; absent keys are NotFound; snapshots do not see later commits.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "bench/engines.h"
#include "bench/workload_data.h"

namespace rookery::bench {
namespace {

class KvEngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    for (const auto& f : CompiledEngines()) {
      if (f.id == GetParam()) factory_ = &f;
    }
    ASSERT_NE(factory_, nullptr);
    dir_ = (std::filesystem::temp_directory_path() /
            ("kv_engine_test_" + GetParam() + "_" + std::to_string(::getpid())))
               .string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    engine_ = factory_->make();
    ASSERT_TRUE(engine_->Open(dir_).ok());
  }
  void TearDown() override {
    if (engine_) {
      EXPECT_TRUE(engine_->Close().ok());
    }
    std::filesystem::remove_all(dir_);
  }

  void PutAll(const std::map<std::string, std::string>& kv) {
    auto txn = engine_->BeginWrite();
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    for (const auto& [k, v] : kv) ASSERT_TRUE((*txn)->Put(k, v).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }

  std::map<std::string, std::string> ScanAll() {
    std::map<std::string, std::string> seen;
    std::string previous;
    auto txn = engine_->BeginRead();
    EXPECT_TRUE(txn.ok());
    if (!txn.ok()) return seen;
    Status s = (*txn)->Scan([&](std::string_view k, std::string_view v) {
      EXPECT_LT(previous, std::string(k)) << "scan out of order";
      previous = std::string(k);
      seen.emplace(k, v);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return seen;
  }

  const EngineFactory* factory_ = nullptr;
  std::string dir_;
  std::unique_ptr<KvEngine> engine_;
};

TEST_P(KvEngineTest, CommittedValuesAreCopiedOutAndAbsentKeysAreNotFound) {
  std::string big;
  MakeValue(7, 1, 1024, &big);
  PutAll({{MakeKey(2), "two"}, {MakeKey(1), big}, {MakeKey(3), std::string(5000, 'x')}});
  auto txn = engine_->BeginRead();
  ASSERT_TRUE(txn.ok());
  std::string out = "stale contents that must be replaced";
  ASSERT_TRUE((*txn)->Get(MakeKey(1), &out).ok());
  EXPECT_EQ(out, big);
  ASSERT_TRUE((*txn)->Get(MakeKey(2), &out).ok());
  EXPECT_EQ(out, "two");
  ASSERT_TRUE((*txn)->Get(MakeKey(3), &out).ok());
  EXPECT_EQ(out, std::string(5000, 'x'));
  Status missing = (*txn)->Get(MakeKey(4), &out);
  EXPECT_TRUE(missing.IsNotFound()) << missing.ToString();
}

TEST_P(KvEngineTest, PutOverwritesAndUncommittedWritesVanish) {
  PutAll({{"a", "1"}});
  PutAll({{"a", "2"}});
  {
    auto txn = engine_->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE((*txn)->Put("a", "3").ok());
    ASSERT_TRUE((*txn)->Put("b", "never committed").ok());
  }  // destroyed without Commit
  auto seen = ScanAll();
  EXPECT_EQ(seen, (std::map<std::string, std::string>{{"a", "2"}}));
}

TEST_P(KvEngineTest, ScanVisitsEveryKeyInByteOrderAndCanStop) {
  std::map<std::string, std::string> kv;
  for (uint32_t i : Permutation(500, 3)) kv[MakeKey(i)] = "v" + std::to_string(i);
  kv[std::string("\xff\x01", 2)] = "high byte sorts last (unsigned order)";
  kv[std::string("\x01", 1)] = "low";
  PutAll(kv);
  EXPECT_EQ(ScanAll(), kv);

  auto txn = engine_->BeginRead();
  ASSERT_TRUE(txn.ok());
  int visited = 0;
  ASSERT_TRUE(
      (*txn)->Scan([&](std::string_view, std::string_view) { return ++visited < 10; }).ok());
  EXPECT_EQ(visited, 10);
}

TEST_P(KvEngineTest, ReadTxnIsASnapshot) {
  PutAll({{"k", "old"}});
  auto reader = engine_->BeginRead();
  ASSERT_TRUE(reader.ok());
  // LMDB allows one writer alongside readers; RocksDB snapshots likewise.
  PutAll({{"k", "new"}, {"k2", "added"}});
  std::string out;
  ASSERT_TRUE((*reader)->Get("k", &out).ok());
  EXPECT_EQ(out, "old");
  EXPECT_TRUE((*reader)->Get("k2", &out).IsNotFound());
}

TEST_P(KvEngineTest, CommittedDataSurvivesCloseAndReopen) {
  std::map<std::string, std::string> kv;
  for (uint64_t i = 0; i < 300; ++i) MakeValue(11, i, 1024, &kv[MakeKey(i)]);
  PutAll(kv);
  ASSERT_TRUE(engine_->Close().ok());
  engine_ = factory_->make();
  ASSERT_TRUE(engine_->Open(dir_).ok());
  EXPECT_EQ(ScanAll(), kv);
  // 300 KiB of values must occupy real blocks on disk.
  EXPECT_GE(engine_->DiskBytes(), 300u * 1024u);
}

TEST_P(KvEngineTest, DescribesItself) {
  EXPECT_FALSE(engine_->name().empty());
  EXPECT_NE(engine_->Description().find("sync"), std::string::npos)
      << "the description must state the durability setting: " << engine_->Description();
}

std::vector<std::string> EngineIds() {
  std::vector<std::string> ids;
  for (const auto& f : CompiledEngines()) ids.push_back(f.id);
  return ids;
}

INSTANTIATE_TEST_SUITE_P(Engines, KvEngineTest, ::testing::ValuesIn(EngineIds()),
                         [](const auto& info) { return info.param; });

TEST(CompiledEngines, IncludeLmdbAndRocksDb) {
  auto ids = EngineIds();
  EXPECT_NE(std::find(ids.begin(), ids.end(), "lmdb"), ids.end());
  EXPECT_NE(std::find(ids.begin(), ids.end(), "rocksdb"), ids.end());
#ifdef ROOKERY_BENCH_WITH_ROOKERY
  EXPECT_EQ(ids.front(), "rookery");
#else
  EXPECT_EQ(std::find(ids.begin(), ids.end(), "rookery"), ids.end());
#endif
}

TEST(AllocatedBytesUnder, CountsRegularFilesRecursively) {
  auto dir = std::filesystem::temp_directory_path() / ("alloc_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "sub");
  EXPECT_EQ(AllocatedBytesUnder(dir.string()), 0u);
  {
    std::FILE* f = std::fopen((dir / "sub" / "f").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::string data(100000, 'z');
    std::fwrite(data.data(), 1, data.size(), f);
    std::fclose(f);
  }
  EXPECT_GE(AllocatedBytesUnder(dir.string()), 100000u);
  EXPECT_EQ(AllocatedBytesUnder((dir / "missing").string()), 0u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace rookery::bench
