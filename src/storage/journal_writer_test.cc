#include <gtest/gtest.h>

#include <mutex>
#include <random>
#include <thread>

#include "storage/journal.h"
#include "storage/journal_format.h"
#include "storage/journal_test_util.h"

namespace rookery::storage {
namespace {

using testing::EntryLocation;
using testing::EnvKind;
using testing::HookEnv;
using testing::JournalEnvTest;
using testing::LocateEntries;
using testing::MakeRecord;
using testing::OwnedRecord;
using testing::RecoverAll;
using testing::SeenEntry;

class JournalWriterTest : public JournalEnvTest {
 protected:
  std::unique_ptr<JournalWriter> Open(platform::Env& env, const JournalOptions& options,
                                      uint64_t next_journal = 0, uint64_t next_tx = 1) {
    auto w = OpenJournalWriter(env, dir_, options, next_journal, next_tx);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    return w.ok() ? std::move(w).value() : nullptr;
  }
  static Status Write(JournalWriter& w, const std::vector<OwnedRecord>& records, size_t begin,
                      size_t end) {
    std::vector<const CommitRecord*> ptrs;
    for (size_t i = begin; i < end; ++i) ptrs.push_back(&records[i].record);
    return w.WriteEntries(ptrs);
  }
};

TEST_P(JournalWriterTest, RoundTripManyEntriesAcrossRotations) {
  const uint64_t seed = 20240601;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  JournalOptions options;
  options.initial_file_size = 64 << 10;
  options.max_file_size = 1 << 20;
  options.compress_above_bytes = 64 << 10;
  auto writer = Open(*env_, options);
  ASSERT_NE(writer, nullptr);

  std::vector<OwnedRecord> records;
  for (uint64_t tx = 1; tx <= 60; ++tx) {
    std::vector<uint32_t> runs;
    switch (rng() % 6) {
      case 0:  // one page
        runs = {1};
        break;
      case 1:  // a few pages
        runs = {1, 1, 1, 1};
        break;
      case 2:  // an overflow run
        runs = {1, static_cast<uint32_t>(2 + rng() % 6)};
        break;
      case 3:  // several MiB, more than max_file_size
        runs = {static_cast<uint32_t>(200 + rng() % 200), 1};
        break;
      default:  // ~100 KiB to 1 MiB
        runs = std::vector<uint32_t>(static_cast<size_t>(12 + rng() % 100), 1);
        break;
    }
    records.push_back(MakeRecord(tx, runs, rng() % 2 == 0, rng, 10 * tx));
  }
  for (size_t i = 0; i < records.size();) {
    const size_t n = std::min<size_t>(1 + rng() % 4, records.size() - i);
    ASSERT_TRUE(Write(*writer, records, i, i + n).ok());
    i += n;
  }
  const uint64_t current = writer->current_journal();
  EXPECT_GT(current, 3u);
  std::vector<uint64_t> last_tx;
  for (uint64_t n = 0; n <= current; ++n) last_tx.push_back(writer->LastTxInJournal(n));
  writer.reset();  // waits for the file being prepared ahead

  // Compressed and raw entries were both written.
  size_t compressed = 0;
  size_t raw_large = 0;
  for (const EntryLocation& e : LocateEntries(*env_, dir_)) {
    if (e.header.flags & journal::kEntryCompressed) {
      ++compressed;
      EXPECT_LT(e.header.stored_size, e.header.uncompressed_size);
    } else if (e.header.uncompressed_size > options.compress_above_bytes) {
      ++raw_large;
    }
  }
  EXPECT_GT(compressed, 0u);
  EXPECT_GT(raw_large, 0u);

  std::vector<SeenEntry> seen;
  RecoveryResult result;
  ASSERT_TRUE(RecoverAll(*env_, dir_, 0, 0, &seen, &result).ok());
  testing::ExpectSame(records, seen);
  EXPECT_EQ(result.last_tx_id, 60u);
  EXPECT_EQ(result.entries_replayed, 60u);
  EXPECT_FALSE(result.torn_tail_truncated);
  EXPECT_EQ(result.next_journal, current + 2);  // one file was prepared ahead
  for (const SeenEntry& s : seen) {
    ASSERT_LE(s.journal, current);
    EXPECT_GE(last_tx[s.journal], s.tx);
  }
}

// A large body whose middle is incompressible is stored raw without trying the whole (the 64 KiB
// sample decides), even when its start would compress; a compressible one is compressed.
TEST_P(JournalWriterTest, LargeBodiesAreCompressedOnlyWhenASampleShrinks) {
  std::mt19937_64 rng(7);
  JournalOptions options;
  options.compress_above_bytes = 64 << 10;
  auto writer = Open(*env_, options);
  ASSERT_NE(writer, nullptr);
  std::vector<OwnedRecord> records;
  records.push_back(MakeRecord(1, std::vector<uint32_t>(40, 1), /*compressible=*/true, rng));
  // 20 compressible pages, then 40 random ones: the middle of the body is incompressible.
  OwnedRecord mixed = MakeRecord(2, std::vector<uint32_t>(20, 1), true, rng, 100);
  OwnedRecord noise = MakeRecord(2, std::vector<uint32_t>(40, 1), false, rng, 120);
  for (auto& b : noise.buffers) mixed.buffers.push_back(std::move(b));
  mixed.record.pages.clear();
  for (auto& b : mixed.buffers)
    mixed.record.pages.push_back(JournalPage{PageNumberOf(b.data()), 1, b.data()});
  mixed.record.next_page = 200;
  records.push_back(std::move(mixed));
  ASSERT_TRUE(Write(*writer, records, 0, 2).ok());
  writer.reset();
  auto entries = LocateEntries(*env_, dir_);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(entries[0].header.flags & journal::kEntryCompressed);
  EXPECT_FALSE(entries[1].header.flags & journal::kEntryCompressed);
  std::vector<SeenEntry> seen;
  RecoveryResult result;
  ASSERT_TRUE(RecoverAll(*env_, dir_, 0, 0, &seen, &result).ok());
  ASSERT_EQ(seen.size(), 2u);
}

TEST_P(JournalWriterTest, GroupCommitIsOneWrite) {
  std::mt19937_64 rng(7);
  HookEnv env(*env_);
  JournalOptions options;
  options.initial_file_size = 64 << 10;
  options.prepare_next_journal = false;  // every write below comes from this thread
  auto writer = Open(env, options);
  ASSERT_NE(writer, nullptr);
  std::vector<OwnedRecord> records;
  for (uint64_t tx = 1; tx <= 9; ++tx) records.push_back(MakeRecord(tx, {1}, true, rng));

  env.writes.clear();
  ASSERT_TRUE(Write(*writer, records, 0, 4).ok());  // 4 x 12 KiB fit in the 64 KiB file
  EXPECT_EQ(env.writes.size(), 1u);
  EXPECT_EQ(env.writes[0].size, 4u * 12288);
  EXPECT_EQ(env.writes[0].offset, journal::kFileHeaderSize);

  // 5 more do not fit in the rest of the first file: a new file, then one write into it.
  env.writes.clear();
  ASSERT_TRUE(Write(*writer, records, 4, 9).ok());
  EXPECT_EQ(env.EntryWrites(), 1u);
  EXPECT_EQ(writer->current_journal(), 1u);
  ASSERT_FALSE(env.writes.empty());
  EXPECT_EQ(env.writes.back().size, 5u * 12288);
  EXPECT_EQ(env.writes.back().offset, journal::kFileHeaderSize);
  EXPECT_EQ(writer->LastTxInJournal(0), 4u);
  EXPECT_EQ(writer->LastTxInJournal(1), 9u);

  std::vector<SeenEntry> seen;
  RecoveryResult result;
  ASSERT_TRUE(RecoverAll(*env_, dir_, 0, 0, &seen, &result).ok());
  testing::ExpectSame(records, seen);
}

TEST_P(JournalWriterTest, RotationDoublesCapsAndFitsOversizedEntries) {
  std::mt19937_64 rng(11);
  JournalOptions options;
  options.initial_file_size = 64 << 10;
  options.max_file_size = 256 << 10;
  auto writer = Open(*env_, options);
  ASSERT_NE(writer, nullptr);
  // Each one-page entry takes 12 KiB: 5 per 64 KiB file (after the 4 KiB header), 10 per 128 KiB.
  std::vector<OwnedRecord> records;
  uint64_t tx = 1;
  for (; tx <= 60; ++tx) {
    records.push_back(MakeRecord(tx, {1}, false, rng));
    ASSERT_TRUE(Write(*writer, records, records.size() - 1, records.size()).ok());
  }
  // 60 entries: 5 + 10 + 21 + 21 + 3 → files 0..4.
  EXPECT_EQ(writer->current_journal(), 4u);
  const uint64_t expected_sizes[] = {64 << 10, 128 << 10, 256 << 10, 256 << 10, 256 << 10};
  for (uint64_t n = 0; n <= 4; ++n) {
    auto size = env_->FileSize(Path(n));
    ASSERT_TRUE(size.ok());
    EXPECT_EQ(*size, expected_sizes[n]) << "journal " << n;
  }
  // An entry larger than max_file_size gets a file of its own size.
  records.push_back(MakeRecord(tx++, {40}, false, rng));  // 320 KiB + table + header
  ASSERT_TRUE(Write(*writer, records, records.size() - 1, records.size()).ok());
  EXPECT_EQ(writer->current_journal(), 5u);
  const uint64_t entry = journal::RoundUpToBlock(journal::kEntryHeaderSize + 16 + 40 * kPageSize);
  auto size = env_->FileSize(Path(5));
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, entry + journal::kFileHeaderSize);
  // The next file goes back to the cap.
  records.push_back(MakeRecord(tx++, {1}, false, rng));
  ASSERT_TRUE(Write(*writer, records, records.size() - 1, records.size()).ok());
  EXPECT_EQ(writer->current_journal(), 6u);
  EXPECT_EQ(*env_->FileSize(Path(6)), uint64_t{256} << 10);

  uint64_t total = 0;
  for (uint64_t n = 0; n <= 6; ++n) total += *env_->FileSize(Path(n));
  EXPECT_EQ(writer->bytes_on_disk(), total);
  writer.reset();

  std::vector<SeenEntry> seen;
  RecoveryResult result;
  ASSERT_TRUE(RecoverAll(*env_, dir_, 0, 0, &seen, &result).ok());
  testing::ExpectSame(records, seen);
  EXPECT_EQ(result.next_journal, 8u);  // journal 7 was prepared ahead
}

TEST_P(JournalWriterTest, BatchLargerThanMaxFileIsSplitAcrossFiles) {
  std::mt19937_64 rng(12);
  JournalOptions options;
  options.initial_file_size = 64 << 10;
  options.max_file_size = 128 << 10;
  options.prepare_next_journal = false;  // count only this thread's writes
  HookEnv env(*env_);
  auto writer = Open(env, options);
  ASSERT_NE(writer, nullptr);
  std::vector<OwnedRecord> records;
  for (uint64_t tx = 1; tx <= 30; ++tx) records.push_back(MakeRecord(tx, {1}, false, rng));
  env.writes.clear();
  ASSERT_TRUE(Write(*writer, records, 0, records.size()).ok());  // 360 KiB in one call
  EXPECT_GE(env.EntryWrites(), 3u);
  std::vector<SeenEntry> seen;
  RecoveryResult result;
  ASSERT_TRUE(RecoverAll(*env_, dir_, 0, 0, &seen, &result).ok());
  testing::ExpectSame(records, seen);
}

TEST_P(JournalWriterTest, OutOfSequenceIsRejectedWithoutFailing) {
  std::mt19937_64 rng(13);
  auto writer = Open(*env_, JournalOptions{}, 0, 5);
  ASSERT_NE(writer, nullptr);
  std::vector<OwnedRecord> records;
  records.push_back(MakeRecord(6, {1}, false, rng));
  Status s = Write(*writer, records, 0, 1);
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
  records.clear();
  records.push_back(MakeRecord(5, {1}, false, rng));
  records.push_back(MakeRecord(6, {1}, false, rng));
  EXPECT_TRUE(Write(*writer, records, 0, 2).ok());
  std::vector<SeenEntry> seen;
  RecoveryResult result;
  ASSERT_TRUE(RecoverAll(*env_, dir_, 0, 4, &seen, &result).ok());
  testing::ExpectSame(records, seen);
}

TEST_P(JournalWriterTest, DirectIoRefusedFallsBackToDsync) {
  std::mt19937_64 rng(14);
  HookEnv env(*env_);
  env.refuse_direct_io = true;
  auto writer = Open(env, JournalOptions{});
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->write_mode(), JournalWriteMode::kDsync);
  EXPECT_EQ(JournalWriteModeName(writer->write_mode()), "O_DSYNC");
  std::vector<OwnedRecord> records;
  records.push_back(MakeRecord(1, {1, 3}, false, rng));
  ASSERT_TRUE(Write(*writer, records, 0, 1).ok());
  std::vector<SeenEntry> seen;
  RecoveryResult result;
  ASSERT_TRUE(RecoverAll(*env_, dir_, 0, 0, &seen, &result).ok());
  testing::ExpectSame(records, seen);

  if (GetParam() == EnvKind::kMem) {  // MemEnv honours direct_io, so no fallback there
    auto direct = OpenJournalWriter(*env_, root_ + "/other", JournalOptions{}, 0, 1);
    ASSERT_TRUE(direct.ok());
    EXPECT_EQ((*direct)->write_mode(), JournalWriteMode::kDirectDsync);
  }
}

TEST_P(JournalWriterTest, CreatesDirectoryAndSyncsBeforeUse) {
  HookEnv env(*env_);
  const std::string nested = root_ + "/a/journal";
  auto writer = OpenJournalWriter(env, nested, JournalOptions{}, 3, 1);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_TRUE(*env_->IsDirectory(nested));
  EXPECT_GE(env.dir_syncs, 2);  // parent after mkdir, directory after creating the file
  EXPECT_EQ((*writer)->current_journal(), 3u);
  EXPECT_EQ(*env_->FileSize(journal::JournalPath(nested, 3)), JournalOptions{}.initial_file_size);
  // A writer must never reuse an existing file.
  auto again = OpenJournalWriter(*env_, nested, JournalOptions{}, 3, 1);
  EXPECT_EQ(again.status().code(), Code::kInvalidArgument);
}

TEST_P(JournalWriterTest, ReleaseDeletesOlderFilesButNeverCurrent) {
  std::mt19937_64 rng(15);
  JournalOptions options;
  options.initial_file_size = 64 << 10;
  options.max_file_size = 64 << 10;
  auto writer = Open(*env_, options);
  ASSERT_NE(writer, nullptr);
  std::vector<OwnedRecord> records;
  for (uint64_t tx = 1; tx <= 12; ++tx) {
    records.push_back(MakeRecord(tx, {1}, false, rng));
    ASSERT_TRUE(Write(*writer, records, tx - 1, tx).ok());
  }
  ASSERT_EQ(writer->current_journal(), 2u);  // 5 + 5 + 2
  EXPECT_EQ(writer->LastTxInJournal(0), 5u);
  EXPECT_EQ(writer->LastTxInJournal(1), 10u);
  EXPECT_EQ(writer->LastTxInJournal(2), 12u);
  EXPECT_EQ(writer->LastTxInJournal(9), 0u);
  ASSERT_TRUE(writer->ReleaseJournalsBefore(1).ok());
  EXPECT_FALSE(*env_->Exists(Path(0)));
  EXPECT_TRUE(*env_->Exists(Path(1)));
  ASSERT_TRUE(writer->ReleaseJournalsBefore(100).ok());
  EXPECT_FALSE(*env_->Exists(Path(1)));
  EXPECT_TRUE(*env_->Exists(Path(2)));
  EXPECT_EQ(writer->bytes_on_disk(), uint64_t{64} << 10);
  writer.reset();

  // Recovery from the surviving journal, synced to 10.
  std::vector<SeenEntry> seen;
  RecoveryResult result;
  ASSERT_TRUE(RecoverAll(*env_, dir_, 2, 10, &seen, &result).ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].tx, 11u);
  EXPECT_EQ(result.next_journal, 4u);  // journal 3 was prepared ahead

  // A reopened writer knows the old files with a safe upper bound.
  auto reopened = Open(*env_, options, result.next_journal, result.last_tx_id + 1);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(reopened->LastTxInJournal(2), 12u);
  ASSERT_TRUE(reopened->ReleaseJournalsBefore(reopened->current_journal()).ok());
  EXPECT_FALSE(*env_->Exists(Path(2)));
  EXPECT_FALSE(*env_->Exists(Path(3)));
  EXPECT_TRUE(*env_->Exists(Path(4)));
}

TEST_P(JournalWriterTest, NextFileIsPreparedOffTheCommitThread) {
  std::mt19937_64 rng(16);
  HookEnv env(*env_);
  JournalOptions options;
  options.initial_file_size = 64 << 10;
  options.max_file_size = 64 << 10;
  auto writer = Open(env, options);
  ASSERT_NE(writer, nullptr);
  std::vector<OwnedRecord> records;
  for (uint64_t tx = 1; tx <= 12; ++tx) {
    records.push_back(MakeRecord(tx, {1}, false, rng));
    ASSERT_TRUE(Write(*writer, records, tx - 1, tx).ok());
  }
  ASSERT_EQ(writer->current_journal(), 2u);
  writer.reset();
  const std::string first = journal::JournalFileName(0);
  std::lock_guard<std::mutex> lock(env.mu);
  size_t prepared_writes = 0;
  for (const testing::WriteEvent& w : env.writes) {
    if (w.entry) {
      EXPECT_EQ(w.thread, std::this_thread::get_id());
    } else if (w.path.find(first) == std::string::npos) {
      // Creating journals 1, 2 and 3 happened on the helper thread, never inside a commit.
      EXPECT_NE(w.thread, std::this_thread::get_id()) << w.path;
      ++prepared_writes;
    }
  }
  EXPECT_GE(prepared_writes, 3u);
}

INSTANTIATE_TEST_SUITE_P(Envs, JournalWriterTest, ::testing::Values(EnvKind::kPosix, EnvKind::kMem),
                         testing::EnvKindName);

}  // namespace
}  // namespace rookery::storage
