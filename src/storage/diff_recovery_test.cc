// Recovery of journal entries that hold page diffs (docs/formats/journal.md, "Replaying diffs"):
// diffs apply to the data file as synced, several entries patch the same page in order, a torn
// later flush is repaired, and a page reused from the free set is journalled as a full image.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "storage/environment.h"
#include "storage/journal.h"
#include "storage/journal_format.h"
#include "storage/storage_test_util.h"
#include "storage/transaction.h"

namespace rookery::storage {
namespace {

using testing::EnvKind;
using testing::FillPage;
using testing::ManualOptions;

class DiffRecoveryTest : public ::testing::TestWithParam<EnvKind> {
 protected:
  DiffRecoveryTest() : dir_(GetParam()) {}

  std::unique_ptr<StorageEnvironment> Open() {
    auto e = StorageEnvironment::Open(dir_.env(), dir_.path(), ManualOptions());
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(e).value() : nullptr;
  }
  std::string DataPath() const { return platform::JoinPath(dir_.path(), "data.rookery"); }
  std::string JournalDir() const { return platform::JoinPath(dir_.path(), "journal"); }

  std::vector<uint8_t> ReadDataPage(PageNumber n) {
    std::vector<uint8_t> page(kPageSize);
    auto file = dir_.env().OpenFile(DataPath(), platform::FileOptions{});
    EXPECT_TRUE(file.ok());
    auto got = (*file)->ReadAt(n * kPageSize, page.data(), kPageSize);
    EXPECT_TRUE(got.ok() && *got == kPageSize);
    return page;
  }
  void WriteDataPage(PageNumber n, const std::vector<uint8_t>& page) {
    platform::FileOptions opts;
    opts.write = true;
    auto file = dir_.env().OpenFile(DataPath(), opts);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->WriteAt(n * kPageSize, page.data(), kPageSize).ok());
  }

  // The committed bytes of page n as a reader sees them.
  std::vector<uint8_t> Committed(StorageEnvironment& e, PageNumber n) {
    auto r = e.BeginRead();
    EXPECT_TRUE(r.ok());
    auto p = (*r)->GetPage(n);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::vector<uint8_t>(*p, *p + kPageSize) : std::vector<uint8_t>();
  }

  // Runs `body` in one write transaction and commits it.
  template <typename F>
  void Write(StorageEnvironment& e, F body) {
    auto tx = e.BeginWrite();
    ASSERT_TRUE(tx.ok());
    body(**tx);
    ASSERT_TRUE((*tx)->Commit().ok());
  }

  // For every journalled transaction after `last_synced`: page -> payload size (0 = full image).
  std::map<uint64_t, std::map<PageNumber, uint32_t>> JournalPages(uint64_t last_synced) {
    std::map<uint64_t, std::map<PageNumber, uint32_t>> out;
    auto names = dir_.env().ListDir(JournalDir());
    EXPECT_TRUE(names.ok());
    uint64_t first = UINT64_MAX;
    for (const std::string& name : *names) {
      uint64_t n = 0;
      if (journal::ParseJournalFileName(name, &n)) first = std::min(first, n);
    }
    RecoveryResult result;
    Status s = RecoverJournals(
        dir_.env(), JournalDir(), first, last_synced,
        [&](const RecoveredEntry& entry) {
          for (const JournalPage& p : entry.record.pages) {
            out[entry.record.tx_id][p.number] = p.diff_bytes;
          }
          return Status::Ok();
        },
        &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  testing::TempEnvDir dir_;
};

// Synced at tx 1; tx 2..4 patch page A by diffs (tx 3 is flushed, not synced), tx 2 creates page
// C by a diff against zeros and tx 4 patches it. Bytes the unsynced flush changed are then
// garbled (a torn flush leaves old or new sectors; garbage is harsher and still within what replay
// rewrites, since every byte changed after the sync lies in a replayed diff). Replay must rebuild
// both pages exactly.
TEST_P(DiffRecoveryTest, ReplayAppliesDiffsInOrderAndRepairsATornFlush) {
  PageNumber a = 0, b = 0, c = 0;
  std::vector<uint8_t> want_a, want_c, synced_a;
  {
    auto e = Open();
    ASSERT_NE(e, nullptr);
    Write(*e, [&](WriteTransaction& tx) {
      auto pa = tx.AllocatePages(1);
      auto pb = tx.AllocatePages(1);
      ASSERT_TRUE(pa.ok() && pb.ok());
      a = PageNumberOf(*pa);
      b = PageNumberOf(*pb);
      FillPage(*pa, a, 10);
      FillPage(*pb, b, 20);
    });
    ASSERT_TRUE(e->FlushNow().ok());
    ASSERT_TRUE(e->SyncNow().ok());
    synced_a = ReadDataPage(a);
    Write(*e, [&](WriteTransaction& tx) {
      auto pa = tx.ModifyPage(a);
      ASSERT_TRUE(pa.ok());
      StoreU64(*pa + 200, 1);
      auto pc = tx.AllocatePages(1);
      ASSERT_TRUE(pc.ok());
      c = PageNumberOf(*pc);
      (*pc)[kOffFlags] = kPageLeaf;
      StoreU64(*pc + 3000, 0xC0FFEE);
    });
    Write(*e, [&](WriteTransaction& tx) {
      auto pa = tx.ModifyPage(a);
      ASSERT_TRUE(pa.ok());
      StoreU64(*pa + 4000, 2);
      StoreU64(*pa + kPageSize - 8, 3);
    });
    ASSERT_TRUE(e->FlushNow().ok());  // tx 3's A and tx 2's C reach the data file, unsynced
    Write(*e, [&](WriteTransaction& tx) {
      auto pa = tx.ModifyPage(a);
      auto pc = tx.ModifyPage(c);
      ASSERT_TRUE(pa.ok() && pc.ok());
      StoreU64(*pa + 200, 4);
      StoreU64(*pc + 3008, 5);
    });
    want_a = Committed(*e, a);
    want_c = Committed(*e, c);
    EXPECT_EQ(e->Report().last_synced_tx, 1u);
  }  // closed without a sync: recovery starts after tx 1

  // The journal holds A as a diff in each of tx 2..4 and C as a diff (against zeros) in tx 2.
  auto pages = JournalPages(1);
  ASSERT_EQ(pages.size(), 3u);
  for (uint64_t tx = 2; tx <= 4; ++tx) {
    ASSERT_TRUE(pages[tx].count(a)) << "tx " << tx;
    EXPECT_GT(pages[tx][a], 0u) << "tx " << tx;
    EXPECT_LT(pages[tx][a], 200u) << "tx " << tx;
  }
  EXPECT_GT(pages[2][c], 0u);
  EXPECT_GT(pages[4][c], 0u);

  // Garble every byte the unsynced flush changed in A (the checksum included) and C's content.
  std::mt19937_64 rng(99);
  std::vector<uint8_t> torn_a = ReadDataPage(a);
  size_t garbled = 0;
  for (size_t i = 0; i < kPageSize; ++i) {
    if (torn_a[i] != synced_a[i]) {
      torn_a[i] = static_cast<uint8_t>(rng());
      ++garbled;
    }
  }
  EXPECT_GE(garbled, 10u);
  WriteDataPage(a, torn_a);
  // C's first version was diffed against zeros: its non-zero words (value, page number, flags,
  // checksum) are what replay rewrites; its zero bytes stay as the file holds them.
  std::vector<uint8_t> torn_c = ReadDataPage(c);
  for (size_t i : {size_t{3000}, size_t{3001}, size_t{3002}, kOffChecksum, kOffChecksum + 5}) {
    torn_c[i] = static_cast<uint8_t>(rng() | 1);
  }
  WriteDataPage(c, torn_c);
  ASSERT_FALSE(VerifyPage(torn_a.data(), a, "test").ok());
  ASSERT_FALSE(VerifyPage(torn_c.data(), c, "test").ok());

  auto e = Open();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->Report().recovered_entries, 3u);
  EXPECT_EQ(ReadDataPage(a), want_a);
  EXPECT_EQ(ReadDataPage(c), want_c);
  EXPECT_EQ(Committed(*e, a), want_a);
  EXPECT_EQ(LoadU64(want_a.data() + 200), 4u);
  EXPECT_EQ(LoadU64(want_c.data() + 3008), 5u);
  const std::vector<uint8_t> page_b = Committed(*e, b);
  EXPECT_EQ(testing::PageValue(page_b.data(), b), 20u);
}

// Pages freed after the last sync and reused within the replayed range: the data file still holds
// their old life's bytes, so the reusing transaction must journal a full image (a diff against
// zeros would leave those bytes behind). A later change to the reused page is a diff again.
TEST_P(DiffRecoveryTest, FreedPageReusedWithinTheReplayedRange) {
  std::vector<PageNumber> pages;
  PageNumber reused = 0;
  std::vector<uint8_t> want;
  {
    auto e = Open();
    ASSERT_NE(e, nullptr);
    Write(*e, [&](WriteTransaction& tx) {
      for (int i = 0; i < 4; ++i) {
        auto p = tx.AllocatePages(1);
        ASSERT_TRUE(p.ok());
        pages.push_back(PageNumberOf(*p));
        FillPage(*p, pages.back(), 100 + i);
      }
    });
    ASSERT_TRUE(e->FlushNow().ok());
    ASSERT_TRUE(e->SyncNow().ok());
    Write(*e, [&](WriteTransaction& tx) {
      ASSERT_TRUE(tx.FreePage(pages[1]).ok());
      ASSERT_TRUE(tx.FreePage(pages[2]).ok());
    });
    Write(*e, [&](WriteTransaction& tx) {
      auto p = tx.AllocatePages(1);  // a sparse page: a diff against zeros would be tiny
      ASSERT_TRUE(p.ok());
      reused = PageNumberOf(*p);
      (*p)[kOffFlags] = kPageLeaf;
      StoreU64(*p + 1000, 7);
    });
    ASSERT_TRUE(reused == pages[1] || reused == pages[2]) << "page " << reused << " not reused";
    Write(*e, [&](WriteTransaction& tx) {
      auto p = tx.ModifyPage(reused);
      ASSERT_TRUE(p.ok());
      StoreU64(*p + 2000, 8);
    });
    want = Committed(*e, reused);
  }

  auto journalled = JournalPages(1);
  ASSERT_EQ(journalled.size(), 3u);
  ASSERT_TRUE(journalled[3].count(reused));
  EXPECT_EQ(journalled[3][reused], 0u) << "a reused page must be a full image";
  ASSERT_TRUE(journalled[4].count(reused));
  EXPECT_GT(journalled[4][reused], 0u);

  auto e = Open();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->Report().recovered_entries, 3u);
  EXPECT_EQ(Committed(*e, reused), want);
  EXPECT_EQ(LoadU64(want.data() + 1000), 7u);
  EXPECT_EQ(LoadU64(want.data() + 2000), 8u);
  EXPECT_EQ(LoadU64(want.data() + 3000), 0u);  // nothing of the page's old life
}

INSTANTIATE_TEST_SUITE_P(Envs, DiffRecoveryTest, ::testing::Values(EnvKind::kMem, EnvKind::kPosix),
                         testing::EnvKindName);

}  // namespace
}  // namespace rookery::storage
