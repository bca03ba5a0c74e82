// Commit path: group commit, concurrency of readers and writers, failed state after I/O errors.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "storage/environment.h"
#include "storage/storage_fault_env.h"
#include "storage/storage_test_util.h"
#include "storage/transaction.h"

namespace rookery::storage {
namespace {

using testing::EnvKind;
using testing::FillPage;
using testing::ManualOptions;
using testing::PageValue;
using testing::Root;

class CommitTest : public ::testing::TestWithParam<EnvKind> {
 protected:
  CommitTest() : dir_(GetParam()), fault_(dir_.env()) {}
  std::unique_ptr<StorageEnvironment> Open(EnvironmentOptions o = ManualOptions()) {
    auto e = StorageEnvironment::Open(fault_, dir_.path(), std::move(o));
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(e).value() : nullptr;
  }
  testing::TempEnvDir dir_;
  testing::FaultEnv fault_;
};

// Each writer thread owns one page and commits increasing values into it.
TEST_P(CommitTest, GroupCommitSharesJournalWrites) {
  constexpr int kThreads = 4;
  constexpr int kCommits = 30;
  EnvironmentOptions o = ManualOptions();
  // Hold the first journal write of the writer threads until three transactions are on their
  // way, so that sharing is certain rather than timing-dependent.
  std::atomic<bool> first{false};  // armed once the writer threads start
  StorageEnvironment* env_ptr = nullptr;
  o.test_hook = [&](std::string_view point) {
    if (point != "journal.before_write" || !first.exchange(false)) return;
    // Three transactions not yet durable: either this write carries two or more of them, or
    // the next one will.
    for (int i = 0; i < 20000; ++i) {
      const StorageReport r = env_ptr->Report();
      if (r.last_committed_tx - r.last_durable_tx >= 3) break;
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  };
  auto e = Open(o);
  ASSERT_NE(e, nullptr);
  env_ptr = e.get();
  std::vector<PageNumber> pages;
  {
    auto tx = e->BeginWrite();
    for (int t = 0; t < kThreads; ++t) {
      auto p = (*tx)->AllocatePages(1);
      FillPage(*p, PageNumberOf(*p), 0);
      pages.push_back(PageNumberOf(*p));
    }
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  std::atomic<int> failures{0};
  first = true;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 1; i <= kCommits; ++i) {
        auto tx = e->BeginWrite();
        if (!tx.ok()) {
          ++failures;
          return;
        }
        auto p = (*tx)->ModifyPage(pages[t]);
        if (!p.ok()) ++failures;
        FillPage(*p, pages[t], i);
        if (!(*tx)->Commit().ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  StorageReport rep = e->Report();
  EXPECT_EQ(rep.journal_entries, 1u + kThreads * kCommits);
  EXPECT_GE(rep.max_entries_per_write, 2u);
  EXPECT_LT(rep.journal_writes, rep.journal_entries);
  std::printf("group commit: %llu transactions in %llu journal writes (%.2f per write, max %llu)\n",
              static_cast<unsigned long long>(rep.journal_entries),
              static_cast<unsigned long long>(rep.journal_writes),
              double(rep.journal_entries) / double(rep.journal_writes),
              static_cast<unsigned long long>(rep.max_entries_per_write));
  auto r = e->BeginRead();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(PageValue(*(*r)->GetPage(pages[t]), pages[t]), uint64_t{kCommits});
  }
}

// One writer keeps every page equal to the root record's value; readers check that every snapshot
// is consistent while the background thread flushes and syncs.
TEST_P(CommitTest, ReadersAndWriterRunConcurrently) {
  EnvironmentOptions o;
  o.flush_threshold_bytes = 64 << 10;
  o.flush_idle_micros = 1000;
  o.sync_threshold_bytes = 128 << 10;
  o.sync_interval_micros = 2000;
  o.background_poll_micros = 500;
  auto e = Open(o);
  ASSERT_NE(e, nullptr);
  constexpr int kPages = 6;
  std::vector<PageNumber> pages;
  {
    auto tx = e->BeginWrite();
    for (int i = 0; i < kPages; ++i) {
      auto p = (*tx)->AllocatePages(1);
      FillPage(*p, PageNumberOf(*p), 0);
      pages.push_back(PageNumberOf(*p));
    }
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::atomic<uint64_t> reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto r = e->BeginRead();
        if (!r.ok()) {
          ++errors;
          return;
        }
        const uint64_t v = LoadU64((*r)->root_record().data());
        for (PageNumber n : pages) {
          auto p = (*r)->GetPage(n);
          if (!p.ok() || PageValue(*p, n) != v) ++errors;
        }
        ++reads;
      }
    });
  }
  for (uint64_t v = 1; v <= 200; ++v) {
    auto tx = e->BeginWrite();
    ASSERT_TRUE(tx.ok());
    for (PageNumber n : pages) {
      auto p = (*tx)->ModifyPage(n);
      ASSERT_TRUE(p.ok());
      FillPage(*p, n, v);
    }
    (*tx)->set_root_record(Root(v));
    ASSERT_TRUE((*tx)->Commit().ok());
  }
  stop = true;
  for (auto& th : readers) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(reads.load(), 0u);
  EXPECT_EQ(e->state(), EnvironmentState::kOk);
}

TEST_P(CommitTest, JournalWriteFailureFailsEnvironmentAndReopenRecovers) {
  std::vector<PageNumber> pages;
  {
    auto e = Open();
    ASSERT_NE(e, nullptr);
    auto tx = e->BeginWrite();
    for (int i = 0; i < 3; ++i) {
      auto p = (*tx)->AllocatePages(1);
      FillPage(*p, PageNumberOf(*p), 10 + i);
      pages.push_back(PageNumberOf(*p));
    }
    ASSERT_TRUE((*tx)->Commit().ok());
    auto reader = e->BeginRead();
    fault_.FailWritesAfter("/journal/", 1);
    auto w = e->BeginWrite();
    auto p = (*w)->ModifyPage(pages[0]);
    FillPage(*p, pages[0], 99);
    Status s = (*w)->Commit();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.code(), Code::kFailedState);
    EXPECT_NE(std::string(s.message()).find("injected write failure"), std::string::npos)
        << s.ToString();
    EXPECT_EQ(e->state(), EnvironmentState::kFailed);
    auto w2 = e->BeginWrite();
    ASSERT_FALSE(w2.ok());
    EXPECT_EQ(w2.status().code(), Code::kFailedState);
    EXPECT_NE(std::string(w2.status().message()).find("injected write failure"), std::string::npos);
    // Durable data stays readable, for old and new readers.
    EXPECT_EQ(PageValue(*(*reader)->GetPage(pages[0]), pages[0]), 10u);
    auto r2 = e->BeginRead();
    ASSERT_TRUE(r2.ok());
    EXPECT_EQ((*r2)->tx_id(), 1u);
    EXPECT_EQ(PageValue(*(*r2)->GetPage(pages[0]), pages[0]), 10u);
    EXPECT_EQ(e->Report().state, EnvironmentState::kFailed);
    EXPECT_FALSE(e->Report().failure.empty());
  }
  fault_.Disarm();
  auto e = Open();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->state(), EnvironmentState::kOk);
  auto r = e->BeginRead();
  EXPECT_EQ((*r)->tx_id(), 1u);
  EXPECT_EQ(PageValue(*(*r)->GetPage(pages[0]), pages[0]), 10u);
  r->reset();
  auto w = e->BeginWrite();
  ASSERT_TRUE(w.ok());
  auto p = (*w)->ModifyPage(pages[0]);
  FillPage(*p, pages[0], 55);
  ASSERT_TRUE((*w)->Commit().ok());
}

TEST_P(CommitTest, DataFileSyncFailureIsFatalNeverRetried) {
  std::vector<PageNumber> pages;
  {
    auto e = Open();
    ASSERT_NE(e, nullptr);
    for (int round = 0; round < 3; ++round) {
      auto tx = e->BeginWrite();
      auto p = (*tx)->AllocatePages(1);
      FillPage(*p, PageNumberOf(*p), round);
      pages.push_back(PageNumberOf(*p));
      ASSERT_TRUE((*tx)->Commit().ok());
    }
    ASSERT_TRUE(e->FlushNow().ok());
    fault_.FailSyncsAfter("data.rookery", 1);
    Status s = e->SyncNow();
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(e->state(), EnvironmentState::kFailed);
    EXPECT_EQ(e->SyncNow().code(), Code::kFailedState);  // no retry into success
    EXPECT_EQ(e->BeginWrite().status().code(), Code::kFailedState);
    EXPECT_EQ(e->Report().last_synced_tx, 0u);
  }
  fault_.Disarm();
  auto e = Open();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->Report().recovered_entries, 3u);
  auto r = e->BeginRead();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(PageValue(*(*r)->GetPage(pages[i]), pages[i]), uint64_t(i));
}

TEST_P(CommitTest, HeaderWriteFailureIsFatalAndNothingIsReleased) {
  EnvironmentOptions o = ManualOptions();
  o.journal.initial_file_size = 64 << 10;
  o.journal.max_file_size = 64 << 10;
  // The journal counts below must not change under the test: no file prepared ahead on the
  // journal's helper thread.
  o.journal.prepare_next_journal = false;
  std::vector<PageNumber> pages;
  uint64_t journal_files = 0;
  {
    auto e = Open(o);
    ASSERT_NE(e, nullptr);
    for (int round = 0; round < 12; ++round) {
      auto tx = e->BeginWrite();
      auto p = (*tx)->AllocatePages(1);
      FillPage(*p, PageNumberOf(*p), round);
      pages.push_back(PageNumberOf(*p));
      ASSERT_TRUE((*tx)->Commit().ok());
    }
    ASSERT_TRUE(e->FlushNow().ok());
    journal_files = e->Report().journal_files;
    ASSERT_GE(journal_files, 2u);
    fault_.FailSyncsAfter("header.", 1);
    ASSERT_FALSE(e->SyncNow().ok());
    EXPECT_EQ(e->state(), EnvironmentState::kFailed);
    EXPECT_EQ(e->Report().journal_files, journal_files);  // nothing released
    EXPECT_EQ(e->Report().last_synced_tx, 0u);
  }
  fault_.Disarm();
  auto e = Open(o);
  ASSERT_NE(e, nullptr);
  auto r = e->BeginRead();
  EXPECT_EQ((*r)->tx_id(), 12u);
  for (int i = 0; i < 12; ++i)
    EXPECT_EQ(PageValue(*(*r)->GetPage(pages[i]), pages[i]), uint64_t(i));
}

INSTANTIATE_TEST_SUITE_P(Envs, CommitTest, ::testing::Values(EnvKind::kMem, EnvKind::kPosix),
                         testing::EnvKindName);

}  // namespace
}  // namespace rookery::storage
