#include <gtest/gtest.h>

#include <random>

#include "base/checksum.h"
#include "platform/fault_env.h"
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
using testing::PeekByte;
using testing::RecoverAll;
using testing::SeenEntry;

class JournalRecoveryTest : public JournalEnvTest {
 protected:
  // Options that make small files, so a few entries span several journals.
  static JournalOptions SmallFiles() {
    JournalOptions options;
    options.initial_file_size = 64 << 10;
    options.max_file_size = 64 << 10;
    return options;
  }

  // Writes records [first_tx, last_tx] (one call per `batch` entries) with a new writer that
  // continues at `next_journal`; appends them to records_.
  void WriteTx(uint64_t first_tx, uint64_t last_tx, uint64_t next_journal = 0, size_t batch = 1,
               JournalOptions options = SmallFiles(), std::vector<uint32_t> runs = {1}) {
    auto writer = OpenJournalWriter(*env_, dir_, options, next_journal, first_tx);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    for (uint64_t tx = first_tx; tx <= last_tx;) {
      std::vector<const CommitRecord*> ptrs;
      const size_t begin = records_.size();
      for (size_t k = 0; k < batch && tx <= last_tx; ++k, ++tx) {
        records_.push_back(MakeRecord(tx, runs, tx % 2 == 0, rng_, tx * 3));
      }
      for (size_t k = begin; k < records_.size(); ++k) ptrs.push_back(&records_[k].record);
      ASSERT_TRUE((*writer)->WriteEntries(ptrs).ok());
    }
  }
  std::vector<OwnedRecord> Slice(uint64_t first_tx, uint64_t last_tx) const {
    std::vector<OwnedRecord> out;
    for (const OwnedRecord& r : records_) {
      if (r.record.tx_id >= first_tx && r.record.tx_id <= last_tx) {
        OwnedRecord copy;
        copy.record = r.record;  // pages still point into records_
        out.push_back(std::move(copy));
      }
    }
    return out;
  }
  Status Recover(uint64_t first_journal, uint64_t last_synced) {
    return RecoverAll(*env_, dir_, first_journal, last_synced, &seen_, &result_);
  }

  std::mt19937_64 rng_{1234};
  std::vector<OwnedRecord> records_;
  std::vector<SeenEntry> seen_;
  RecoveryResult result_;
};

TEST_P(JournalRecoveryTest, EmptyDirectory) {
  ASSERT_TRUE(Recover(0, 0).ok());
  EXPECT_EQ(result_.entries_replayed, 0u);
  EXPECT_EQ(result_.next_journal, 0u);
  // With a synced transaction, the journal holding it must exist.
  Status s = Recover(4, 17);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find(journal::JournalFileName(4)), std::string::npos) << s.ToString();
}

TEST_P(JournalRecoveryTest, SkipsAlreadySyncedTransactions) {
  WriteTx(1, 20);  // 5 per file: journals 0..3
  ASSERT_TRUE(Recover(0, 7).ok());
  testing::ExpectSame(Slice(8, 20), seen_);
  EXPECT_EQ(result_.last_tx_id, 20u);
  // From the journal that holds tx 13 (journal 2 holds 11..15).
  ASSERT_TRUE(Recover(2, 12).ok());
  testing::ExpectSame(Slice(13, 20), seen_);
  // Everything synced: nothing to replay.
  ASSERT_TRUE(Recover(3, 20).ok());
  EXPECT_TRUE(seen_.empty());
  EXPECT_EQ(result_.last_tx_id, 20u);
  EXPECT_EQ(result_.next_journal, 5u);  // journal 4 was prepared ahead, empty
}

TEST_P(JournalRecoveryTest, MissingFirstOrMiddleJournalIsAnError) {
  WriteTx(1, 20);
  ASSERT_TRUE(env_->RemoveFile(Path(2)).ok());
  Status s = Recover(0, 0);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find(Path(2)), std::string::npos) << s.ToString();
  EXPECT_TRUE(seen_.empty()) << "nothing may be applied before the file check";

  ASSERT_TRUE(env_->RemoveFile(Path(0)).ok());
  ASSERT_TRUE(env_->RemoveFile(Path(1)).ok());
  s = Recover(1, 7);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find(Path(1)), std::string::npos) << s.ToString();
}

TEST_P(JournalRecoveryTest, FirstEntryMustFollowLastSynced) {
  WriteTx(1, 20);
  ASSERT_TRUE(env_->RemoveFile(Path(0)).ok());
  Status s = Recover(1, 3);  // journal 1 starts at tx 6
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("starts at tx 6 but the data file is synced only to 3; "
                              "transactions 4..5 are missing"),
            std::string::npos)
      << s.ToString();
  EXPECT_TRUE(seen_.empty());
  ASSERT_TRUE(Recover(1, 5).ok());
  testing::ExpectSame(Slice(6, 20), seen_);
}

TEST_P(JournalRecoveryTest, GapInIdsIsAnError) {
  WriteTx(1, 7);  // journals 0, 1
  ASSERT_TRUE(Recover(0, 0).ok());
  const uint64_t second = result_.next_journal;
  WriteTx(10, 12, second);  // 8 and 9 never written
  Status s = Recover(0, 0);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("8..9 are missing"), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find(journal::JournalFileName(second)), std::string::npos) << s.ToString();
}

TEST_P(JournalRecoveryTest, RepeatedIdsAreAnError) {
  WriteTx(1, 7);
  ASSERT_TRUE(Recover(0, 0).ok());
  WriteTx(5, 9, result_.next_journal);  // 5..7 again
  Status s = Recover(0, 0);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("repeat"), std::string::npos) << s.ToString();
}

TEST_P(JournalRecoveryTest, TruncatedTailIsTornAndWritingContinuesCleanly) {
  WriteTx(1, 8, 0, 1, SmallFiles(), {1, 2});  // 28 KiB entries: 2 per file, journals 0..3
  const std::vector<EntryLocation> entries = LocateEntries(*env_, dir_);
  ASSERT_EQ(entries.size(), 8u);
  const EntryLocation& last = entries.back();
  // Cut the last entry in half (its file is journal 3).
  {
    platform::FileOptions opts;
    opts.write = true;
    auto f = env_->OpenFile(last.path, opts);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Truncate(last.offset + last.header.EntryLength() / 2).ok());
  }
  ASSERT_TRUE(Recover(0, 0).ok());
  testing::ExpectSame(Slice(1, 7), seen_);
  EXPECT_TRUE(result_.torn_tail_truncated);
  EXPECT_EQ(result_.torn_tail_offset, last.offset);
  EXPECT_EQ(result_.last_tx_id, 7u);
  EXPECT_EQ(result_.next_journal, 5u);

  // The pager continues with tx 8 (new content) in a fresh file.
  records_.pop_back();
  WriteTx(8, 11, result_.next_journal);
  ASSERT_TRUE(Recover(0, 0).ok());
  testing::ExpectSame(Slice(1, 11), seen_);
  EXPECT_FALSE(result_.torn_tail_truncated);
  // And again, synced past the torn entry.
  ASSERT_TRUE(Recover(3, 8).ok());
  testing::ExpectSame(Slice(9, 11), seen_);
}

TEST_P(JournalRecoveryTest, CorruptLastBodyIsTornAndWritingContinuesCleanly) {
  WriteTx(1, 6);
  const std::vector<EntryLocation> entries = LocateEntries(*env_, dir_);
  ASSERT_EQ(entries.size(), 6u);
  const EntryLocation& last = entries.back();
  const uint64_t at = last.offset + journal::kEntryHeaderSize + 5000;
  const uint8_t flipped = PeekByte(*env_, last.path, at) ^ 0x40;
  testing::PokeFile(*env_, last.path, at, &flipped, 1);
  ASSERT_TRUE(Recover(0, 0).ok());
  testing::ExpectSame(Slice(1, 5), seen_);
  EXPECT_TRUE(result_.torn_tail_truncated);

  records_.pop_back();
  WriteTx(6, 9, result_.next_journal);
  ASSERT_TRUE(Recover(0, 0).ok());
  testing::ExpectSame(Slice(1, 9), seen_);
  // A torn rewrite after a torn tail is again a torn tail.
  const EntryLocation again = LocateEntries(*env_, dir_).back();
  const uint8_t b = PeekByte(*env_, again.path, again.offset + 300) ^ 1;
  testing::PokeFile(*env_, again.path, again.offset + 300, &b, 1);
  ASSERT_TRUE(Recover(0, 0).ok());
  testing::ExpectSame(Slice(1, 8), seen_);
  EXPECT_TRUE(result_.torn_tail_truncated);
}

// Flips one byte of entry k (header or body) for every k < n-1: always a hard error.
TEST_P(JournalRecoveryTest, MidLogCorruptionIsAlwaysDetected) {
  const uint64_t n = 9;
  WriteTx(1, n);
  const std::vector<EntryLocation> entries = LocateEntries(*env_, dir_);
  ASSERT_EQ(entries.size(), n);
  const uint64_t header_offsets[] = {0, 3, 8, 16, 30, 44, 50, 60, 72, 130, 250};
  const uint64_t body_offsets[] = {journal::kEntryHeaderSize, journal::kEntryHeaderSize + 17,
                                   journal::kEntryHeaderSize + 16 + 40,
                                   journal::kEntryHeaderSize + 16 + 8191};
  for (uint64_t k = 0; k + 1 < n; ++k) {
    const EntryLocation& e = entries[k];
    std::vector<uint64_t> offsets(std::begin(header_offsets), std::end(header_offsets));
    offsets.insert(offsets.end(), std::begin(body_offsets), std::end(body_offsets));
    for (uint64_t rel : offsets) {
      SCOPED_TRACE("entry " + std::to_string(k) + " byte " + std::to_string(rel));
      const uint8_t original = PeekByte(*env_, e.path, e.offset + rel);
      const uint8_t flipped = original ^ 0x10;
      testing::PokeFile(*env_, e.path, e.offset + rel, &flipped, 1);
      for (uint64_t synced : {uint64_t{0}, k}) {
        Status s = Recover(0, synced);
        EXPECT_TRUE(s.IsCorruption()) << s.ToString();
        EXPECT_NE(s.ToString().find(e.path), std::string::npos) << s.ToString();
        for (const SeenEntry& seen : seen_) EXPECT_LT(seen.tx, e.header.tx_id);
      }
      testing::PokeFile(*env_, e.path, e.offset + rel, &original, 1);
    }
  }
  ASSERT_TRUE(Recover(0, 0).ok());
  testing::ExpectSame(records_, seen_);
}

TEST_P(JournalRecoveryTest, MidLogCorruptionInEarlierBatchIsDetected) {
  WriteTx(1, 12, 0, 3, SmallFiles(), {1});  // batches of 3 (36 KiB): one batch per file
  const std::vector<EntryLocation> entries = LocateEntries(*env_, dir_);
  ASSERT_EQ(entries.size(), 12u);
  for (size_t k = 0; k < 9; ++k) {  // every entry outside the last batch
    const EntryLocation& e = entries[k];
    const uint64_t at = e.offset + journal::kEntryHeaderSize + 100;
    const uint8_t original = PeekByte(*env_, e.path, at);
    const uint8_t flipped = original ^ 0x01;
    testing::PokeFile(*env_, e.path, at, &flipped, 1);
    Status s = Recover(0, 0);
    EXPECT_TRUE(s.IsCorruption()) << "entry " << k << ": " << s.ToString();
    testing::PokeFile(*env_, e.path, at, &original, 1);
  }
}

TEST_P(JournalRecoveryTest, TornGroupWriteIsATailAndItsSurvivorsAreNotReplayed) {
  WriteTx(1, 9, 0, 3, JournalOptions{}, {1});  // three writes of three entries
  std::vector<EntryLocation> entries = LocateEntries(*env_, dir_);
  ASSERT_EQ(entries.size(), 9u);
  ASSERT_EQ(entries[8].header.batch_first_tx, 7u);
  // The last write was torn: its first entry is damaged, tx 8 and 9 landed intact.
  const EntryLocation& torn = entries[6];
  const uint8_t b = PeekByte(*env_, torn.path, torn.offset + 1000) ^ 4;
  testing::PokeFile(*env_, torn.path, torn.offset + 1000, &b, 1);
  ASSERT_TRUE(Recover(0, 0).ok());
  testing::ExpectSame(Slice(1, 6), seen_);
  EXPECT_TRUE(result_.torn_tail_truncated);
  EXPECT_EQ(result_.torn_tail_offset, torn.offset);

  // New, different transactions 7..10; the old tx 8 and 9 must never come back.
  records_.resize(6);
  const uint64_t next = result_.next_journal;
  WriteTx(7, 10, next);
  ASSERT_TRUE(Recover(0, 0).ok());
  testing::ExpectSame(Slice(1, 10), seen_);
  EXPECT_EQ(seen_[6].journal, next);
  EXPECT_EQ(seen_[7].journal, next);
}

TEST_P(JournalRecoveryTest, DamageBeforeTheSyncedPointIsHarmless) {
  WriteTx(1, 8);
  const std::vector<EntryLocation> entries = LocateEntries(*env_, dir_);
  const EntryLocation& e = entries[2];  // tx 3
  const uint8_t b = PeekByte(*env_, e.path, e.offset + 700) ^ 8;
  testing::PokeFile(*env_, e.path, e.offset + 700, &b, 1);
  ASSERT_TRUE(Recover(0, 5).ok());
  testing::ExpectSame(Slice(6, 8), seen_);
  ASSERT_TRUE(Recover(0, 3).ok());
  testing::ExpectSame(Slice(4, 8), seen_);
  EXPECT_TRUE(Recover(0, 2).IsCorruption());
}

TEST_P(JournalRecoveryTest, MidLogCorruptionMessageNamesFileOffsetTxAndHashes) {
  WriteTx(1, 4);
  const std::vector<EntryLocation> entries = LocateEntries(*env_, dir_);
  const EntryLocation& e = entries[1];
  const uint64_t at = e.offset + journal::kEntryHeaderSize + 64;
  const uint8_t flipped = PeekByte(*env_, e.path, at) ^ 0xff;
  testing::PokeFile(*env_, e.path, at, &flipped, 1);
  Status s = Recover(0, 0);
  ASSERT_TRUE(s.IsCorruption());
  const std::string text = s.ToString();
  EXPECT_NE(text.find(e.path), std::string::npos) << text;
  EXPECT_NE(text.find("offset " + std::to_string(e.offset)), std::string::npos) << text;
  EXPECT_NE(text.find("tx 2"), std::string::npos) << text;
  char hash[24];
  std::snprintf(hash, sizeof(hash), "%016llx", static_cast<unsigned long long>(e.header.body_hash));
  EXPECT_NE(text.find(std::string("expected ") + hash), std::string::npos) << text;
  EXPECT_NE(text.find("actual"), std::string::npos) << text;
  ASSERT_EQ(seen_.size(), 1u);  // tx 1 was applied before the scan stopped
}

TEST_P(JournalRecoveryTest, BadPageChecksumWithValidHashIsCorruption) {
  // A pager bug (an unsealed page) must be caught before apply.
  auto writer = OpenJournalWriter(*env_, dir_, JournalOptions{}, 0, 1);
  ASSERT_TRUE(writer.ok());
  OwnedRecord r = MakeRecord(1, {1, 2}, false, rng_);
  r.buffers[1][kPageHeaderSize + 5] ^= 1;  // after sealing
  const CommitRecord* ptr = &r.record;
  ASSERT_TRUE((*writer)->WriteEntries({&ptr, 1}).ok());
  Status s = Recover(0, 0);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find("checksum"), std::string::npos) << s.ToString();
  EXPECT_TRUE(seen_.empty());
}

TEST_P(JournalRecoveryTest, StaleIncarnationEntriesAreNotReplayed) {
  WriteTx(1, 5, 0, 1, JournalOptions{});  // all in journal 0 (64 KiB initial, 5 x 12 KiB)
  const std::vector<EntryLocation> entries = LocateEntries(*env_, dir_);
  ASSERT_EQ(entries.size(), 5u);
  // Re-stamp the file and its first two entries with a new incarnation, as if the file had been
  // recycled and tx 1..2 rewritten into it: tx 3..5 are leftovers of the old incarnation whose ids
  // happen to continue the sequence. They must not be replayed.
  auto bytes = platform::ReadFileToString(*env_, Path(0));
  ASSERT_TRUE(bytes.ok());
  journal::FileHeader fh;
  ASSERT_TRUE(
      journal::DecodeFileHeader(
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()),
          "test", &fh)
          .ok());
  fh.incarnation ^= 0x5555;
  std::vector<uint8_t> block(journal::kFileHeaderSize);
  journal::EncodeFileHeader(fh, block.data());
  testing::PokeFile(*env_, Path(0), 0, block.data(), block.size());
  for (size_t k = 0; k < 2; ++k) {
    journal::EntryHeader h = entries[k].header;
    h.incarnation = fh.incarnation;
    uint8_t raw[journal::kEntryHeaderSize];
    journal::EncodeEntryHeader(h, raw);
    testing::PokeFile(*env_, Path(0), entries[k].offset, raw, sizeof(raw));
  }
  ASSERT_TRUE(Recover(0, 0).ok());
  testing::ExpectSame(Slice(1, 2), seen_);
  EXPECT_FALSE(result_.torn_tail_truncated);
  EXPECT_EQ(result_.last_tx_id, 2u);
}

TEST_P(JournalRecoveryTest, DamagedFileHeaderOverNeededEntriesIsAnError) {
  WriteTx(1, 8);  // journal 0: 1..5, journal 1: 6..8
  const uint8_t b = PeekByte(*env_, Path(1), 20) ^ 1;
  testing::PokeFile(*env_, Path(1), 20, &b, 1);
  Status s = Recover(0, 0);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.ToString().find(Path(1)), std::string::npos) << s.ToString();
  EXPECT_NE(s.ToString().find("tx 6"), std::string::npos) << s.ToString();
  // Once everything in it is synced, the file is no longer needed.
  ASSERT_TRUE(Recover(0, 8).ok());
  EXPECT_TRUE(seen_.empty());
}

TEST_P(JournalRecoveryTest, StaleFileAfterTornTailIsIgnored) {
  WriteTx(1, 4);
  // A later file whose header never became durable (crash while creating it).
  std::vector<uint8_t> junk(journal::kFileHeaderSize * 2, 0xab);
  {
    platform::FileOptions opts;
    opts.create = true;
    auto f = env_->OpenFile(Path(1), opts);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->WriteAt(0, junk.data(), junk.size()).ok());
  }
  ASSERT_TRUE(Recover(0, 0).ok());
  testing::ExpectSame(Slice(1, 4), seen_);
  EXPECT_EQ(result_.next_journal, 2u);
  WriteTx(5, 6, result_.next_journal);
  ASSERT_TRUE(Recover(0, 0).ok());
  testing::ExpectSame(Slice(1, 6), seen_);
}

// Fails the n-th entry write (EIO, ENOSPC, half written) or a sync: the error comes back with its
// code, the writer stays failed, and recovery finds exactly the acknowledged entries, plus at most
// the one in-flight call's entries whole (never a part of an entry).
TEST_P(JournalRecoveryTest, WriteFaultFailsWriterAndKeepsAcknowledgedEntries) {
  struct Case {
    const char* name;
    Code code;
    bool partial;
    bool on_sync;
  };
  const Case cases[] = {{"eio", Code::kIOError, false, false},
                        {"enospc", Code::kNoSpace, false, false},
                        {"torn", Code::kIOError, true, false},
                        {"sync", Code::kIOError, false, true}};
  for (const Case& c : cases) {
    for (int fail_at : {1, 3, 6}) {
      SCOPED_TRACE(std::string(c.name) + " at " + std::to_string(fail_at));
      ASSERT_TRUE(env_->RemoveAll(dir_).ok());
      records_.clear();
      HookEnv env(*env_);
      int entry_writes = 0;
      int syncs = 0;
      const Status error(c.code, "injected");
      if (c.on_sync) {
        // Without O_DSYNC the writer syncs after every write, so every write has a sync to fail.
        env.refuse_direct_io = true;
        env.refuse_data_sync = true;
        env.on_sync = [&]() { return ++syncs == fail_at + 1 ? error : Status::Ok(); };
      } else {
        env.on_write = [&](const testing::WriteEvent& ev, bool* partial) {
          if (!ev.entry || ++entry_writes != fail_at) return Status::Ok();
          *partial = c.partial;
          return error;
        };
      }
      JournalOptions options = SmallFiles();
      options.prepare_next_journal = false;  // deterministic order of I/O calls
      auto writer = OpenJournalWriter(env, dir_, options, 0, 1);
      ASSERT_TRUE(writer.ok());
      if (c.on_sync) {
        EXPECT_EQ((*writer)->write_mode(), JournalWriteMode::kWriteFdatasync);
      }
      uint64_t acknowledged = 0;
      Status failure;
      for (uint64_t tx = 1; tx <= 12; tx += 2) {
        records_.push_back(MakeRecord(tx, {1}, false, rng_));
        records_.push_back(MakeRecord(tx + 1, {1}, false, rng_));
        const CommitRecord* ptrs[] = {&records_[tx - 1].record, &records_[tx].record};
        Status s = (*writer)->WriteEntries(ptrs);
        if (!failure.ok()) {
          EXPECT_EQ(s.code(), Code::kFailedState) << s.ToString();
          EXPECT_NE(s.ToString().find("injected"), std::string::npos) << s.ToString();
        } else if (s.ok()) {
          acknowledged = tx + 1;
        } else {
          EXPECT_EQ(s.code(), c.code) << s.ToString();
          failure = s;
        }
      }
      ASSERT_FALSE(failure.ok()) << "fault never fired";
      writer->reset();
      ASSERT_TRUE(Recover(0, 0).ok());
      ASSERT_GE(seen_.size(), acknowledged);
      if (!c.partial && !c.on_sync) {
        // The failed write put nothing on disk: exactly the acknowledged entries come back.
        ASSERT_EQ(seen_.size(), acknowledged);
        EXPECT_FALSE(result_.torn_tail_truncated);
      } else {
        // Bytes of the failed call may have landed: its entries may come back, each whole.
        ASSERT_LE(seen_.size(), acknowledged + 2);
      }
      testing::ExpectSame(Slice(1, seen_.size()), seen_);
      // A new writer continues cleanly after whatever recovery found.
      const uint64_t next = result_.last_tx_id + 1;
      records_.resize(result_.last_tx_id);
      WriteTx(next, next + 2, result_.next_journal);
      ASSERT_TRUE(Recover(0, 0).ok());
      testing::ExpectSame(Slice(1, next + 2), seen_);
    }
  }
}

TEST_P(JournalRecoveryTest, FailureWhilePreparingANewFileFailsTheWriter) {
  for (bool ahead : {false, true}) {
    SCOPED_TRACE(ahead ? "prepared ahead" : "prepared on demand");
    ASSERT_TRUE(env_->RemoveAll(dir_).ok());
    records_.clear();
    HookEnv env(*env_);
    JournalOptions options = SmallFiles();
    options.prepare_next_journal = ahead;
    env.on_write = [&](const testing::WriteEvent& ev, bool*) {
      const bool second_file = ev.path.find(journal::JournalFileName(1)) != std::string::npos;
      return !ev.entry && second_file ? Status::NoSpace("injected: device full") : Status::Ok();
    };
    auto writer = OpenJournalWriter(env, dir_, options, 0, 1);
    ASSERT_TRUE(writer.ok());
    Status failure;
    uint64_t acknowledged = 0;
    for (uint64_t tx = 1; tx <= 7; ++tx) {
      records_.push_back(MakeRecord(tx, {1}, false, rng_));
      const CommitRecord* p = &records_.back().record;
      Status s = (*writer)->WriteEntries({&p, 1});
      if (s.ok()) {
        acknowledged = tx;
      } else if (failure.ok()) {
        EXPECT_EQ(s.code(), Code::kNoSpace) << s.ToString();
        failure = s;
      } else {
        EXPECT_EQ(s.code(), Code::kFailedState) << s.ToString();
      }
    }
    EXPECT_EQ(acknowledged, 5u);  // the sixth needed journal 1
    writer->reset();
    ASSERT_TRUE(Recover(0, 0).ok());
    testing::ExpectSame(Slice(1, 5), seen_);
    EXPECT_EQ(result_.next_journal, 2u);
    records_.resize(5);
    WriteTx(6, 8, result_.next_journal);
    ASSERT_TRUE(Recover(0, 0).ok());
    testing::ExpectSame(Slice(1, 8), seen_);
  }
}

INSTANTIATE_TEST_SUITE_P(Envs, JournalRecoveryTest,
                         ::testing::Values(EnvKind::kPosix, EnvKind::kMem), testing::EnvKindName);

}  // namespace
}  // namespace rookery::storage

namespace rookery::storage {
namespace {

// An entry that recovery hands over may be in the page cache only (the tail of a write that failed
// after its bytes landed). Recovery applies it to the data file, so it must make the entry durable
// first: after a power loss that keeps no unsynced byte, the next recovery still finds it.
TEST(JournalRecoveryDurabilityTest, ReplayedEntriesAreMadeDurable) {
  // Build two entries with a writer on a MemEnv, then lay the file out on a FaultEnv with only
  // the first entry synced.
  auto mem = platform::NewMemEnv();
  std::mt19937_64 rng(11);
  std::vector<OwnedRecord> records;
  {
    JournalOptions options;
    options.prepare_next_journal = false;
    auto writer = OpenJournalWriter(*mem, "/j", options, 0, 1);
    ASSERT_TRUE(writer.ok());
    for (uint64_t tx = 1; tx <= 2; ++tx) {
      records.push_back(MakeRecord(tx, {1}, false, rng));
      const CommitRecord* ptrs[] = {&records.back().record};
      ASSERT_TRUE((*writer)->WriteEntries(ptrs).ok());
    }
  }
  auto bytes = platform::ReadFileToString(*mem, journal::JournalPath("/j", 0));
  ASSERT_TRUE(bytes.ok());
  const std::vector<EntryLocation> entries = LocateEntries(*mem, "/j");
  ASSERT_EQ(entries.size(), 2u);
  const uint64_t second = entries[1].offset;

  platform::FaultEnv env(3);
  ASSERT_TRUE(env.CreateDirs("/j").ok());
  ASSERT_TRUE(env.SyncDir("/").ok());
  {
    platform::FileOptions opts;
    opts.write = opts.create = true;
    auto file = env.OpenFile(journal::JournalPath("/j", 0), opts);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->WriteAt(0, bytes->data(), second).ok());
    ASSERT_TRUE((*file)->Sync().ok());
    ASSERT_TRUE(env.SyncDir("/j").ok());
    ASSERT_TRUE((*file)->WriteAt(second, bytes->data() + second, bytes->size() - second).ok());
  }
  std::vector<SeenEntry> seen;
  RecoveryResult result;
  ASSERT_TRUE(RecoverAll(env, "/j", 0, 0, &seen, &result).ok());
  ASSERT_EQ(seen.size(), 2u);  // the unsynced entry is visible, and handed over

  platform::CrashOptions crash;
  crash.keep_no_unsynced = true;
  env.SimulatePowerLoss(crash);
  ASSERT_TRUE(RecoverAll(env, "/j", 0, 0, &seen, &result).ok());
  testing::ExpectSame(records, seen);
}

}  // namespace
}  // namespace rookery::storage
