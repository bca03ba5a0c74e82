// Flush, sync and journal release; the postmortem invariant (storage.md §9): a journal file is
// deleted only when the DURABLE header says every transaction in it is flushed and synced.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "storage/environment.h"
#include "storage/header_file.h"
#include "storage/storage_fault_env.h"
#include "storage/storage_test_util.h"
#include "storage/transaction.h"

namespace rookery::storage {
namespace {

using testing::EnvKind;
using testing::FillPage;
using testing::ManualOptions;
using testing::PageValue;

class FlushSyncTest : public ::testing::TestWithParam<EnvKind> {
 protected:
  FlushSyncTest() : dir_(GetParam()), fault_(dir_.env()) { fault_.TrackDurability("data.rookery"); }

  EnvironmentOptions SmallJournals() {
    EnvironmentOptions o = ManualOptions();
    o.journal.initial_file_size = 64 << 10;
    o.journal.max_file_size = 64 << 10;
    o.test_hook = [this](std::string_view point) { OnHook(point); };
    return o;
  }
  std::unique_ptr<StorageEnvironment> Open(EnvironmentOptions o) {
    auto e = StorageEnvironment::Open(fault_, dir_.path(), std::move(o));
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(e).value() : nullptr;
  }

  void OnHook(std::string_view point) {
    hooks_.push_back(std::string(point));
    if (point == "sync.after_release") CheckNoJournalReleasedEarly();
    auto it = actions_.find(std::string(point));
    if (it != actions_.end() && !it->second.empty()) {
      auto action = std::move(it->second.front());
      it->second.erase(it->second.begin());
      action();
    }
  }

  // Commits one transaction writing value `tx id` into one of kPages pages.
  void CommitOne() {
    auto tx = env_->BeginWrite();
    ASSERT_TRUE(tx.ok()) << tx.status().ToString();
    const uint64_t id = (*tx)->tx_id();
    PageNumber n;
    if (pages_.size() < kPages) {
      auto p = (*tx)->AllocatePages(1);
      ASSERT_TRUE(p.ok());
      n = PageNumberOf(*p);
      FillPage(*p, n, id);
      pages_.push_back(n);
    } else {
      n = pages_[id % kPages];
      auto p = (*tx)->ModifyPage(n);
      ASSERT_TRUE(p.ok());
      FillPage(*p, n, id);
    }
    ASSERT_TRUE((*tx)->Commit().ok());
    oracle_[n] = id;
    journal_of_tx_[id] = env_->Report().current_journal;
  }

  FileHeader DurableHeader() {
    FileHeader best;
    for (const char* name : {"header.a", "header.b"}) {
      auto text = platform::ReadFileToString(fault_, platform::JoinPath(dir_.path(), name));
      if (!text.ok()) continue;
      FileHeader h;
      uint32_t version;
      if (DecodeHeader(reinterpret_cast<const uint8_t*>(text->data()), text->size(), &h,
                       &version) == HeaderDecode::kValid &&
          h.revision >= best.revision) {
        best = h;
      }
    }
    return best;
  }

  std::set<uint64_t> JournalFiles() {
    std::set<uint64_t> out;
    auto names = fault_.ListDir(platform::JoinPath(dir_.path(), "journal"));
    if (names.ok()) {
      for (const auto& n : *names) out.insert(std::strtoull(n.c_str(), nullptr, 10));
    }
    return out;
  }

  // Every transaction the durable header does not cover must still be in a journal file.
  void CheckNoJournalReleasedEarly() {
    const FileHeader h = DurableHeader();
    const std::set<uint64_t> files = JournalFiles();
    ++invariant_checks_;
    for (const auto& [tx, journal] : journal_of_tx_) {
      if (tx > h.last_synced_tx) {
        EXPECT_TRUE(files.count(journal))
            << "journal " << journal << " holding tx " << tx
            << " was released but the durable header only covers " << h.last_synced_tx;
      }
    }
    EXPECT_TRUE(h.last_synced_tx == 0 || files.count(h.last_synced_journal))
        << "the journal the header points at is gone";
  }

  void CheckOracle(StorageEnvironment& e) {
    auto r = e.BeginRead();
    ASSERT_TRUE(r.ok());
    for (const auto& [n, v] : oracle_) {
      auto p = (*r)->GetPage(n);
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      EXPECT_EQ(PageValue(*p, n), v) << "page " << n;
    }
  }

  static constexpr size_t kPages = 4;
  testing::TempEnvDir dir_;
  testing::FaultEnv fault_;
  std::unique_ptr<StorageEnvironment> env_;
  std::vector<PageNumber> pages_;
  std::map<PageNumber, uint64_t> oracle_;
  std::map<uint64_t, uint64_t> journal_of_tx_;
  std::map<std::string, std::vector<std::function<void()>>> actions_;
  std::vector<std::string> hooks_;
  int invariant_checks_ = 0;
};

TEST_P(FlushSyncTest, FlushSyncReleasesJournalsAndReportTracksIt) {
  env_ = Open(SmallJournals());
  ASSERT_NE(env_, nullptr);
  for (int i = 0; i < 20; ++i) CommitOne();
  StorageReport before = env_->Report();
  EXPECT_GE(before.journal_files, 3u);
  EXPECT_EQ(before.last_committed_tx, 20u);
  EXPECT_EQ(before.last_durable_tx, 20u);
  EXPECT_EQ(before.last_flushed_tx, 0u);
  EXPECT_EQ(before.last_synced_tx, 0u);
  EXPECT_GT(before.scratch_bytes, 0u);
  EXPECT_GT(before.journal_bytes, 0u);
  EXPECT_EQ(before.used_pages, 1u + kPages);  // free-space root + the test's pages
  ASSERT_TRUE(env_->FlushNow().ok());
  StorageReport flushed = env_->Report();
  EXPECT_EQ(flushed.last_flushed_tx, 20u);
  EXPECT_EQ(flushed.page_versions, 0u);
  EXPECT_EQ(flushed.scratch_bytes, 0u);
  // Flush alone releases nothing (the count may grow: the next file is prepared in the background).
  EXPECT_GE(flushed.journal_files, before.journal_files);
  ASSERT_TRUE(env_->SyncNow().ok());
  StorageReport synced = env_->Report();
  EXPECT_EQ(synced.last_synced_tx, 20u);
  EXPECT_EQ(synced.syncs, 1u);
  EXPECT_LT(synced.journal_files, before.journal_files);
  EXPECT_GE(synced.data_file_bytes, (1 + kPages) * kPageSize);
  EXPECT_EQ(DurableHeader().last_synced_tx, 20u);
  EXPECT_GT(invariant_checks_, 0);
  CheckOracle(*env_);
}

// The three-race scenario of the postmortem, made deterministic with hooks: journals rotate while
// a flush is in progress, a sync completes in the middle of it, a second flush moves on, and the
// process dies before the next sync. Every committed transaction must survive.
TEST_P(FlushSyncTest, PostmortemNoJournalReleasedBeforeFlushedAndSynced) {
  env_ = Open(SmallJournals());
  ASSERT_NE(env_, nullptr);
  for (int i = 0; i < 6; ++i) CommitOne();
  ASSERT_TRUE(env_->FlushNow().ok());
  ASSERT_TRUE(env_->SyncNow().ok());
  for (int i = 0; i < 6; ++i) CommitOne();  // 7..12
  const uint64_t journal_before = env_->Report().current_journal;

  // First flush (7..12): after collecting, more commits rotate the journal, then a sync runs.
  actions_["flush.after_collect"].push_back([&] {
    for (int i = 0; i < 12; ++i) CommitOne();  // 13..24
    EXPECT_GT(env_->Report().current_journal, journal_before + 1);
    ASSERT_TRUE(env_->SyncNow().ok());
    EXPECT_EQ(DurableHeader().last_synced_tx, 6u);  // 7..12 are not written yet
    CheckNoJournalReleasedEarly();
  });
  // After the pages are written but before the flush is recorded, a sync must not run ahead.
  actions_["flush.after_write"].push_back([&] {
    ASSERT_TRUE(env_->SyncNow().ok());
    EXPECT_EQ(DurableHeader().last_synced_tx, 6u);
  });
  ASSERT_TRUE(env_->FlushNow().ok());
  EXPECT_EQ(env_->Report().last_flushed_tx, 12u);

  // Second flush (13..24) with a sync of 7..12 completing in the middle of it.
  actions_["flush.after_collect"].push_back([&] {
    ASSERT_TRUE(env_->SyncNow().ok());
    EXPECT_EQ(DurableHeader().last_synced_tx, 12u);
    CheckNoJournalReleasedEarly();
    CommitOne();  // 25
  });
  ASSERT_TRUE(env_->FlushNow().ok());
  EXPECT_EQ(env_->Report().last_flushed_tx, 24u);
  CheckNoJournalReleasedEarly();

  // Power loss: the data file loses everything written since its last fdatasync (13..24).
  env_.reset();
  ASSERT_TRUE(fault_.Crash().ok());
  env_ = Open(SmallJournals());
  ASSERT_NE(env_, nullptr);
  StorageReport rep = env_->Report();
  EXPECT_EQ(rep.last_durable_tx, 25u);
  EXPECT_EQ(rep.recovered_entries, 13u);  // 13..25 replayed from the journal
  CheckOracle(*env_);
  // The first normal sync after recovery releases what recovery kept.
  const uint64_t files_after_recovery = rep.journal_files;
  CommitOne();
  ASSERT_TRUE(env_->FlushNow().ok());
  ASSERT_TRUE(env_->SyncNow().ok());
  EXPECT_LT(env_->Report().journal_files, files_after_recovery);
  CheckOracle(*env_);
  EXPECT_GE(invariant_checks_, 4);
}

// A reader pinned on an old snapshot holds the flush back (it must keep finding its version of
// each page); once it leaves, flush, sync and release proceed.
TEST_P(FlushSyncTest, OldReaderHoldsFlushBack) {
  env_ = Open(SmallJournals());
  ASSERT_NE(env_, nullptr);
  for (int i = 0; i < 4; ++i) CommitOne();
  auto reader = env_->BeginRead();
  const std::map<PageNumber, uint64_t> seen = oracle_;
  for (int i = 0; i < 12; ++i) CommitOne();
  ASSERT_TRUE(env_->FlushNow().ok());
  EXPECT_EQ(env_->Report().last_flushed_tx, 4u);
  for (const auto& [n, v] : seen) EXPECT_EQ(PageValue(*(*reader)->GetPage(n), n), v);
  reader->reset();
  ASSERT_TRUE(env_->FlushNow().ok());
  ASSERT_TRUE(env_->SyncNow().ok());
  EXPECT_EQ(env_->Report().last_synced_tx, 16u);
  CheckOracle(*env_);
}

TEST_P(FlushSyncTest, CorruptPageInDataFileIsDetectedOnFirstRead) {
  {
    EnvironmentOptions o = SmallJournals();
    o.sync_on_close = true;
    env_ = Open(o);
    ASSERT_NE(env_, nullptr);
    for (int i = 0; i < 4; ++i) CommitOne();
    env_.reset();
  }
  const PageNumber victim = pages_[2];
  {
    platform::FileOptions o;
    o.write = true;
    auto f = fault_.OpenFile(platform::JoinPath(dir_.path(), "data.rookery"), o);
    ASSERT_TRUE(f.ok());
    uint8_t b = 0;
    ASSERT_TRUE((*f)->ReadAt(victim * kPageSize + 3000, &b, 1).ok());
    b ^= 0x10;
    ASSERT_TRUE((*f)->WriteAt(victim * kPageSize + 3000, &b, 1).ok());
  }
  env_ = Open(SmallJournals());
  ASSERT_NE(env_, nullptr);
  auto r = env_->BeginRead();
  auto p = (*r)->GetPage(victim);
  ASSERT_FALSE(p.ok());
  EXPECT_TRUE(p.status().IsCorruption());
  const std::string msg(p.status().message());
  EXPECT_NE(msg.find("page " + std::to_string(victim)), std::string::npos) << msg;
  EXPECT_NE(msg.find("data.rookery"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected"), std::string::npos) << msg;
  EXPECT_NE(msg.find("actual"), std::string::npos) << msg;
  // Other pages are fine, and the corrupt one stays refused.
  EXPECT_TRUE((*r)->GetPage(pages_[1]).ok());
  auto r2 = env_->BeginRead();
  EXPECT_TRUE((*r2)->GetPage(victim).status().IsCorruption());
}

INSTANTIATE_TEST_SUITE_P(Envs, FlushSyncTest, ::testing::Values(EnvKind::kMem, EnvKind::kPosix),
                         testing::EnvKindName);

}  // namespace
}  // namespace rookery::storage
