// Feeds random and garbled bytes to the journal decoders and to recovery: the only acceptable
// outcomes are OK and kCorruption, never a crash or an out-of-bounds read (run under ASan).
#include <gtest/gtest.h>
#include <lz4.h>

#include <random>

#include "base/checksum.h"
#include "storage/journal.h"
#include "storage/journal_format.h"
#include "storage/journal_test_util.h"
#include "storage/page_diff.h"

namespace rookery::storage {
namespace {

using testing::MakeRecord;
using testing::OwnedRecord;

// A header whose hash is right but whose fields are random (or nearly right), with a body whose
// hash is right: the path into DecodeBody that only a crafted file can reach.
std::vector<uint8_t> CraftedEntry(std::mt19937_64& rng, uint64_t tx, uint64_t incarnation) {
  std::vector<uint8_t> body(rng() % 3 == 0 ? rng() % 20000 : 16 + rng() % 9000);
  for (auto& b : body) b = static_cast<uint8_t>(rng());
  journal::EntryHeader h;
  h.tx_id = tx;
  h.incarnation = incarnation;
  h.batch_first_tx = tx;
  h.next_page = rng() % 3 == 0 ? rng() : rng() % 100;
  h.page_count = rng() % 2 ? static_cast<uint32_t>(rng() % 4) : static_cast<uint32_t>(rng());
  h.flags = rng() % 4 == 0 ? static_cast<uint32_t>(rng()) : static_cast<uint32_t>(rng() % 2);
  if (h.flags == journal::kEntryCompressed && rng() % 2 == 0) {
    // Real LZ4 of a random "body" so decompression succeeds and the table parser is reached.
    std::vector<uint8_t> plain(16 + rng() % 20000);
    for (auto& b : plain) b = static_cast<uint8_t>(rng() % 3);
    if (plain.size() >= 16) {
      StoreU64(plain.data(), rng() % 50);
      StoreU32(plain.data() + 8, static_cast<uint32_t>(1 + rng() % 2));
    }
    body.resize(LZ4_compressBound(static_cast<int>(plain.size())));
    const int n = LZ4_compress_default(
        reinterpret_cast<const char*>(plain.data()), reinterpret_cast<char*>(body.data()),
        static_cast<int>(plain.size()), static_cast<int>(body.size()));
    body.resize(static_cast<size_t>(n));
    h.uncompressed_size = rng() % 4 == 0 ? rng() % 100000 : plain.size();
  } else {
    h.uncompressed_size = rng() % 4 == 0 ? rng() : body.size();
  }
  h.stored_size = rng() % 8 == 0 ? rng() : body.size();
  h.body_hash = Hash64(body.data(), body.size(), tx);
  std::vector<uint8_t> out(journal::kEntryHeaderSize + body.size());
  journal::EncodeEntryHeader(h, out.data());
  std::memcpy(out.data() + journal::kEntryHeaderSize, body.data(), body.size());
  out.resize(journal::RoundUpToBlock(out.size()));
  return out;
}

void ExpectOkOrCorruption(const Status& s, uint64_t seed, int iteration) {
  EXPECT_TRUE(s.ok() || s.IsCorruption())
      << "seed " << seed << " iteration " << iteration << ": " << s.ToString();
}

TEST(JournalFuzzTest, RandomAndGarbledFilesNeverCrashRecovery) {
  const uint64_t seed = 977;
  std::mt19937_64 rng(seed);
  auto env = platform::NewMemEnv();
  const std::string dir = "/j";

  // A valid journal to garble.
  ASSERT_TRUE(env->CreateDirs(dir).ok());
  std::vector<OwnedRecord> records;
  {
    JournalOptions options;
    options.initial_file_size = 64 << 10;
    options.max_file_size = 64 << 10;
    options.compress_above_bytes = 4096;
    auto writer = OpenJournalWriter(*env, "/valid", options, 0, 1);
    ASSERT_TRUE(writer.ok());
    for (uint64_t tx = 1; tx <= 8; ++tx) {
      records.push_back(MakeRecord(tx, {1, 2}, tx % 2 == 0, rng));
      const CommitRecord* p = &records.back().record;
      ASSERT_TRUE((*writer)->WriteEntries({&p, 1}).ok());
    }
  }
  std::vector<std::string> valid_files;
  for (uint64_t n = 0;; ++n) {
    auto bytes = platform::ReadFileToString(*env, journal::JournalPath("/valid", n));
    if (!bytes.ok()) break;
    valid_files.push_back(*bytes);
  }
  ASSERT_GE(valid_files.size(), 3u);

  for (int it = 0; it < 300; ++it) {
    ASSERT_TRUE(env->RemoveAll(dir).ok());
    ASSERT_TRUE(env->CreateDirs(dir).ok());
    const int files = 1 + static_cast<int>(rng() % 3);
    for (int n = 0; n < files; ++n) {
      std::string bytes;
      switch (rng() % 4) {
        case 0: {  // pure noise, sometimes behind a valid file header
          bytes.resize(rng() % 40000);
          for (auto& c : bytes) c = static_cast<char>(rng());
          if (rng() % 2 && bytes.size() >= journal::kFileHeaderSize) {
            journal::FileHeader fh{static_cast<uint64_t>(n), rng(), 1, bytes.size()};
            journal::EncodeFileHeader(fh, reinterpret_cast<uint8_t*>(bytes.data()));
          }
          break;
        }
        case 1: {  // a valid file, garbled: flips, zeroed runs, truncation
          bytes = valid_files[static_cast<size_t>(n) % valid_files.size()];
          const int edits = 1 + static_cast<int>(rng() % 6);
          for (int e = 0; e < edits && !bytes.empty(); ++e) {
            const size_t at = rng() % bytes.size();
            switch (rng() % 3) {
              case 0:
                bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
                break;
              case 1:
                std::memset(&bytes[at], 0, std::min<size_t>(bytes.size() - at, rng() % 5000));
                break;
              default:
                bytes.resize(at);
                break;
            }
          }
          break;
        }
        default: {  // valid file header + crafted entries with valid hashes
          const uint64_t incarnation = rng();
          bytes.resize(journal::kFileHeaderSize);
          journal::FileHeader fh{static_cast<uint64_t>(n), incarnation, 1, 0};
          journal::EncodeFileHeader(fh, reinterpret_cast<uint8_t*>(bytes.data()));
          const int entries = 1 + static_cast<int>(rng() % 4);
          for (int e = 0; e < entries; ++e) {
            auto entry = CraftedEntry(rng, 1 + static_cast<uint64_t>(n * 4 + e), incarnation);
            bytes.append(reinterpret_cast<const char*>(entry.data()), entry.size());
          }
          if (rng() % 3 == 0) bytes.resize(rng() % (bytes.size() + 1));
          break;
        }
      }
      platform::FileOptions opts;
      opts.create = true;
      auto f = env->OpenFile(journal::JournalPath(dir, static_cast<uint64_t>(n)), opts);
      ASSERT_TRUE(f.ok());
      ASSERT_TRUE((*f)->WriteAt(0, bytes.data(), bytes.size()).ok());
    }
    RecoveryResult result;
    uint64_t applied = 0;
    Status s = RecoverJournals(
        *env, dir, 0, rng() % 3,
        [&](const RecoveredEntry& e) {
          // Every handed-over image is whole and verified; every diff is well formed.
          for (const JournalPage& p : e.record.pages) {
            if (p.diff_bytes != 0) {
              EXPECT_TRUE(ValidatePageDiff(std::span<const uint8_t>(p.data, p.diff_bytes),
                                           size_t{p.run_pages} * kPageSize, "fuzz")
                              .ok());
            } else {
              EXPECT_TRUE(VerifyPage(p.data, p.number, "fuzz").ok());
            }
          }
          ++applied;
          return Status::Ok();
        },
        &result);
    ExpectOkOrCorruption(s, seed, it);
    if (s.ok()) {
      EXPECT_EQ(applied, result.entries_replayed);
    }
  }
}

TEST(JournalFuzzTest, DecodersNeverReadOutOfBounds) {
  const uint64_t seed = 4242;
  std::mt19937_64 rng(seed);
  for (int it = 0; it < 2000; ++it) {
    // Exactly-sized heap copies so ASan flags any read past the end.
    std::vector<uint8_t> raw(rng() % 300);
    for (auto& b : raw) b = static_cast<uint8_t>(rng());
    if (raw.size() >= 8 && rng() % 2) StoreU64(raw.data(), journal::kEntryMarker);
    journal::SlotHeader slot = journal::DecodeEntryHeader(raw);
    (void)slot;
    journal::FileHeader fh;
    Status s = journal::DecodeFileHeader(raw, "fuzz", &fh);
    ExpectOkOrCorruption(s, seed, it);

    const std::vector<uint8_t> entry = CraftedEntry(rng, 7, 1);
    journal::SlotHeader decoded = journal::DecodeEntryHeader(
        std::span<const uint8_t>(entry.data(), journal::kEntryHeaderSize));
    ASSERT_EQ(decoded.kind, journal::SlotKind::kValid);
    const uint64_t available = entry.size() - journal::kEntryHeaderSize;
    if (decoded.header.stored_size > available) continue;  // recovery's length check
    std::vector<uint8_t> body(entry.begin() + journal::kEntryHeaderSize,
                              entry.begin() + journal::kEntryHeaderSize +
                                  static_cast<ptrdiff_t>(decoded.header.stored_size));
    std::vector<uint8_t> scratch;
    CommitRecord record;
    s = journal::DecodeBody(decoded.header, body, "fuzz", &scratch, &record);
    ExpectOkOrCorruption(s, seed, it);
  }
}

}  // namespace
}  // namespace rookery::storage
