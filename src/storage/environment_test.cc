#include "storage/environment.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "storage/storage_test_util.h"
#include "storage/transaction.h"

namespace rookery::storage {
namespace {

using testing::EnvKind;
using testing::FillPage;
using testing::ManualOptions;
using testing::PageValue;
using testing::Root;

class EnvironmentTest : public ::testing::TestWithParam<EnvKind> {
 protected:
  EnvironmentTest() : dir_(GetParam()) {}

  std::unique_ptr<StorageEnvironment> Open(EnvironmentOptions o = ManualOptions()) {
    auto e = StorageEnvironment::Open(dir_.env(), dir_.path(), std::move(o));
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(e).value() : nullptr;
  }

  // Allocates `count` pages with values base, base+1, ... and commits; returns their numbers.
  std::vector<PageNumber> CommitNew(StorageEnvironment& e, int count, uint64_t base) {
    auto tx = e.BeginWrite();
    EXPECT_TRUE(tx.ok());
    std::vector<PageNumber> pages;
    for (int i = 0; i < count; ++i) {
      auto p = (*tx)->AllocatePages(1);
      EXPECT_TRUE(p.ok());
      const PageNumber n = PageNumberOf(*p);
      FillPage(*p, n, base + i);
      pages.push_back(n);
    }
    EXPECT_TRUE((*tx)->Commit().ok());
    return pages;
  }

  void Modify(StorageEnvironment& e, PageNumber n, uint64_t value) {
    auto tx = e.BeginWrite();
    ASSERT_TRUE(tx.ok());
    auto p = (*tx)->ModifyPage(n);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    FillPage(*p, n, value);
    ASSERT_TRUE((*tx)->Commit().ok());
  }

  uint64_t Read(PageAccess& tx, PageNumber n) {
    auto p = tx.GetPage(n);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? PageValue(*p, n) : ~uint64_t{0};
  }

  testing::TempEnvDir dir_;
};

TEST_P(EnvironmentTest, CommitThenReadThenReopenWithCleanClose) {
  std::vector<PageNumber> pages;
  {
    EnvironmentOptions o = ManualOptions();
    o.sync_on_close = true;
    auto e = Open(o);
    ASSERT_NE(e, nullptr);
    {
      auto tx = e->BeginWrite();
      ASSERT_TRUE(tx.ok());
      EXPECT_EQ((*tx)->tx_id(), 1u);
      (*tx)->set_root_record(Root(77));
      (*tx)->Abort();
    }
    pages = CommitNew(*e, 3, 100);
    EXPECT_EQ(pages, (std::vector<PageNumber>{1, 2, 3}));
    auto r = e->BeginRead();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)->tx_id(), 1u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(Read(**r, pages[i]), 100u + i);
  }
  auto e = Open();
  ASSERT_NE(e, nullptr);
  StorageReport rep = e->Report();
  EXPECT_EQ(rep.recovered_entries, 0u);  // clean close synced everything
  EXPECT_EQ(rep.last_synced_tx, 1u);
  auto r = e->BeginRead();
  ASSERT_TRUE(r.ok());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Read(**r, pages[i]), 100u + i);
}

TEST_P(EnvironmentTest, ReopenWithoutSyncRecoversFromJournal) {
  std::vector<PageNumber> pages;
  {
    auto e = Open();
    ASSERT_NE(e, nullptr);
    pages = CommitNew(*e, 4, 10);
    Modify(*e, pages[1], 999);
    auto tx = e->BeginWrite();
    ASSERT_TRUE(tx.ok());
    (*tx)->set_root_record(Root(4242));
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  auto e = Open();
  ASSERT_NE(e, nullptr);
  StorageReport rep = e->Report();
  EXPECT_EQ(rep.recovered_entries, 3u);
  EXPECT_EQ(rep.last_durable_tx, 3u);
  EXPECT_EQ(rep.last_synced_tx, 3u);  // recovery syncs once
  auto r = e->BeginRead();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->tx_id(), 3u);
  EXPECT_EQ(LoadU64((*r)->root_record().data()), 4242u);
  EXPECT_EQ(Read(**r, pages[0]), 10u);
  EXPECT_EQ(Read(**r, pages[1]), 999u);
  EXPECT_EQ(Read(**r, pages[3]), 13u);
  // The next writer continues the id sequence.
  auto w = e->BeginWrite();
  ASSERT_TRUE(w.ok());
  EXPECT_EQ((*w)->tx_id(), 4u);
}

TEST_P(EnvironmentTest, AbortDiscardsEverything) {
  auto e = Open();
  ASSERT_NE(e, nullptr);
  auto pages = CommitNew(*e, 2, 5);
  {
    auto tx = e->BeginWrite();
    ASSERT_TRUE(tx.ok());
    auto p = (*tx)->ModifyPage(pages[0]);
    ASSERT_TRUE(p.ok());
    FillPage(*p, pages[0], 123);
    EXPECT_EQ(Read(**tx, pages[0]), 123u);
    ASSERT_TRUE((*tx)->AllocatePages(1).ok());
    ASSERT_TRUE((*tx)->FreePage(pages[1]).ok());
    (*tx)->set_root_record(Root(9));
    // destroyed without Commit: aborts
  }
  StorageReport rep = e->Report();
  EXPECT_EQ(rep.last_committed_tx, 1u);
  EXPECT_EQ(rep.next_page, 3u);
  EXPECT_EQ(rep.free_pages, 0u);
  auto tx = e->BeginWrite();
  ASSERT_TRUE(tx.ok());
  EXPECT_EQ((*tx)->tx_id(), 2u);
  EXPECT_EQ(Read(**tx, pages[0]), 5u);
  EXPECT_EQ(Read(**tx, pages[1]), 6u);
  EXPECT_EQ(LoadU64((*tx)->root_record().data()), 0u);
}

TEST_P(EnvironmentTest, SnapshotIsolationAcrossManyCommitsAndFlushes) {
  auto e = Open();
  ASSERT_NE(e, nullptr);
  auto pages = CommitNew(*e, 3, 0);
  std::vector<std::unique_ptr<ReadTransaction>> readers;
  std::vector<std::vector<uint64_t>> expected;
  std::vector<uint64_t> current = {0, 1, 2};
  for (int round = 1; round <= 20; ++round) {
    auto r = e->BeginRead();
    ASSERT_TRUE(r.ok());
    readers.push_back(std::move(r).value());
    expected.push_back(current);
    const PageNumber n = pages[round % 3];
    Modify(*e, n, 1000 + round);
    current[round % 3] = 1000 + round;
    if (round % 4 == 0) {
      ASSERT_TRUE(e->FlushNow().ok());
    }
    if (round % 7 == 0) {
      ASSERT_TRUE(e->SyncNow().ok());
    }
    if (round % 5 == 0) {  // some readers leave, letting flush move on
      readers.erase(readers.begin());
      expected.erase(expected.begin());
    }
    for (size_t i = 0; i < readers.size(); ++i) {
      for (int k = 0; k < 3; ++k) {
        EXPECT_EQ(Read(*readers[i], pages[k]), expected[i][k]) << "round " << round;
      }
    }
  }
  readers.clear();
  ASSERT_TRUE(e->FlushNow().ok());
  auto r = e->BeginRead();
  ASSERT_TRUE(r.ok());
  for (int k = 0; k < 3; ++k) EXPECT_EQ(Read(**r, pages[k]), current[k]);
  EXPECT_EQ(e->Report().page_versions, 0u);
}

TEST_P(EnvironmentTest, SecondOpenOfSameDirectoryIsBusy) {
  auto e = Open();
  ASSERT_NE(e, nullptr);
  auto second = StorageEnvironment::Open(dir_.env(), dir_.path(), ManualOptions());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kBusy) << second.status().ToString();
}

TEST_P(EnvironmentTest, RefusesDirectoryThatIsNotAnEnvironment) {
  ASSERT_TRUE(dir_.env().CreateDirs(dir_.path()).ok());
  ASSERT_TRUE(platform::WriteFileAtomically(dir_.env(),
                                            platform::JoinPath(dir_.path(), "notes.txt"), "hello")
                  .ok());
  auto e = StorageEnvironment::Open(dir_.env(), dir_.path(), ManualOptions());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(std::string(e.status().message()).find("not a Rookery"), std::string::npos)
      << e.status().ToString();
}

TEST_P(EnvironmentTest, OneWriterAtATime) {
  auto e = Open();
  ASSERT_NE(e, nullptr);
  auto first = e->BeginWrite();
  ASSERT_TRUE(first.ok());
  std::atomic<bool> second_started{false};
  std::atomic<uint64_t> second_id{0};
  std::thread t([&] {
    auto second = e->BeginWrite();  // blocks until `first` has committed
    second_started = true;
    second_id = (*second)->tx_id();
  });
  auto p = (*first)->AllocatePages(1);
  FillPage(*p, PageNumberOf(*p), 1);
  // The second writer cannot have started while the first is active.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(second_started.load());
  ASSERT_TRUE((*first)->Commit().ok());
  t.join();
  EXPECT_TRUE(second_started.load());
  EXPECT_EQ(second_id.load(), 2u);  // it builds on the first transaction
}

TEST_P(EnvironmentTest, PagePointersSurviveDataFileGrowthAndRemap) {
  auto e = Open();
  ASSERT_NE(e, nullptr);
  auto pages = CommitNew(*e, 2, 40);
  ASSERT_TRUE(e->FlushNow().ok());
  const uint64_t size_before = e->Report().data_file_bytes;
  CommitNew(*e, 400, 1000);  // 3+ MiB: the next flush grows the file and maps it anew
  auto r = e->BeginRead();
  auto p = (*r)->GetPage(pages[0]);  // points into the current data-file map
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(e->FlushNow().ok());
  EXPECT_GT(e->Report().data_file_bytes, size_before);
  EXPECT_EQ(PageValue(*p, pages[0]), 40u);
  EXPECT_EQ(Read(**r, pages[1]), 41u);
}

TEST_P(EnvironmentTest, BackgroundThreadFlushesAndSyncs) {
  EnvironmentOptions o;
  o.flush_idle_micros = 1000;
  o.sync_interval_micros = 1000;
  o.background_poll_micros = 1000;
  o.sync_on_close = false;
  auto e = Open(o);
  ASSERT_NE(e, nullptr);
  auto pages = CommitNew(*e, 5, 7);
  // Bounded wait for background progress (not a timing assertion: the bound is generous).
  for (int i = 0; i < 20000 && e->Report().last_synced_tx < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  StorageReport rep = e->Report();
  EXPECT_EQ(rep.last_flushed_tx, 1u);
  EXPECT_EQ(rep.last_synced_tx, 1u);
  EXPECT_GE(rep.flushes, 1u);
  EXPECT_GE(rep.syncs, 1u);
}

TEST_P(EnvironmentTest, MissingDataFileIsCorruption) {
  {
    auto e = Open();
    ASSERT_NE(e, nullptr);
    CommitNew(*e, 1, 1);
  }
  ASSERT_TRUE(dir_.env().RemoveFile(platform::JoinPath(dir_.path(), "data.rookery")).ok());
  auto e = StorageEnvironment::Open(dir_.env(), dir_.path(), ManualOptions());
  ASSERT_FALSE(e.ok());
  EXPECT_TRUE(e.status().IsCorruption()) << e.status().ToString();
  EXPECT_NE(std::string(e.status().message()).find("data.rookery is missing"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Envs, EnvironmentTest, ::testing::Values(EnvKind::kMem, EnvKind::kPosix),
                         testing::EnvKindName);

}  // namespace
}  // namespace rookery::storage
