// Page diffs (page_diff.h) on their own, and journal entries holding diffs written by the journal
// writer and read back by recovery (docs/formats/journal.md, "Body", "Versions").
#include "storage/page_diff.h"

#include <gtest/gtest.h>

#include <random>

#include "base/checksum.h"
#include "storage/journal.h"
#include "storage/journal_format.h"
#include "storage/journal_test_util.h"

namespace rookery::storage {
namespace {

using testing::EnvKind;
using testing::JournalEnvTest;
using testing::RecoverAll;
using testing::SeenEntry;

std::vector<uint8_t> RandomPage(std::mt19937_64& rng, size_t bytes = kPageSize) {
  std::vector<uint8_t> page(bytes);
  for (auto& b : page) b = static_cast<uint8_t>(rng());
  return page;
}

struct DiffRun {
  uint32_t offset;
  uint32_t length;
};

// The runs of an encoded diff (which must be valid).
std::vector<DiffRun> RunsOf(const std::vector<uint8_t>& diff, size_t bytes) {
  EXPECT_TRUE(ValidatePageDiff(diff, bytes, "test").ok());
  std::vector<DiffRun> runs;
  size_t pos = 4;
  for (uint32_t i = 0; i < LoadU32(diff.data()); ++i) {
    runs.push_back(DiffRun{LoadU32(&diff[pos]), LoadU32(&diff[pos + 4])});
    pos += 8 + runs.back().length;
  }
  return runs;
}

// Encodes `page` against `base` (null: zeros) with the given limit; empty when it gave up.
std::vector<uint8_t> Encode(const uint8_t* base, const std::vector<uint8_t>& page,
                            size_t limit = kPageSize) {
  std::vector<uint8_t> out(limit);
  const size_t n = EncodePageDiff(base, page.data(), page.size(), limit, out.data());
  out.resize(n);
  return out;
}

TEST(PageDiffTest, RandomChangesRoundTrip) {
  const uint64_t seed = 777;
  std::mt19937_64 rng(seed);
  for (int it = 0; it < 300; ++it) {
    SCOPED_TRACE("seed " + std::to_string(seed) + " iteration " + std::to_string(it));
    const size_t bytes = (it % 10 == 0 ? 3 : 1) * kPageSize;  // some overflow runs
    std::vector<uint8_t> base = RandomPage(rng, bytes);
    std::vector<uint8_t> page = base;
    const int changes = static_cast<int>(rng() % 40);
    for (int c = 0; c < changes; ++c) {
      const size_t at = rng() % bytes;
      const size_t len = 1 + rng() % (rng() % 4 == 0 ? 300 : 12);
      for (size_t i = at; i < std::min(bytes, at + len); ++i) page[i] = static_cast<uint8_t>(rng());
    }
    const std::vector<uint8_t> diff = Encode(base.data(), page, bytes);
    ASSERT_FALSE(diff.empty());
    ASSERT_TRUE(ValidatePageDiff(diff, bytes, "test").ok());
    std::vector<uint8_t> applied = base;
    ApplyPageDiff(diff, applied.data());
    EXPECT_EQ(applied, page);
    // Every run covers changed bytes only where merging allows it: a run starts and ends on a
    // changed 8-byte word.
    for (const DiffRun& r : RunsOf(diff, bytes)) {
      EXPECT_EQ(r.offset % 8, 0u);
      EXPECT_NE(0, std::memcmp(&base[r.offset], &page[r.offset], 8));
      EXPECT_NE(0, std::memcmp(&base[r.offset + r.length - 8], &page[r.offset + r.length - 8], 8));
    }
  }
}

TEST(PageDiffTest, IdenticalPageIsAnEmptyDiff) {
  std::mt19937_64 rng(1);
  const std::vector<uint8_t> page = RandomPage(rng);
  const std::vector<uint8_t> diff = Encode(page.data(), page);
  ASSERT_EQ(diff.size(), kMinPageDiffSize);
  EXPECT_EQ(LoadU32(diff.data()), 0u);
  std::vector<uint8_t> applied = page;
  ApplyPageDiff(diff, applied.data());
  EXPECT_EQ(applied, page);
  // Against zeros: an all-zero page is empty too.
  EXPECT_EQ(Encode(nullptr, std::vector<uint8_t>(kPageSize)).size(), kMinPageDiffSize);
}

TEST(PageDiffTest, AllDifferentGivesUpAtTheLimit) {
  std::mt19937_64 rng(2);
  const std::vector<uint8_t> base = RandomPage(rng);
  const std::vector<uint8_t> page = RandomPage(rng);
  EXPECT_TRUE(Encode(base.data(), page, kPageSize / 2).empty());
  EXPECT_TRUE(Encode(nullptr, page, kPageSize / 2).empty());
  // With room enough it is one run over the whole page.
  const std::vector<uint8_t> diff = Encode(base.data(), page, kPageSize + 64);
  const std::vector<DiffRun> runs = RunsOf(diff, kPageSize);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].offset, 0u);
  EXPECT_EQ(runs[0].length, kPageSize);
  // The limit is exclusive: a diff exactly as large as the limit is refused.
  EXPECT_TRUE(Encode(base.data(), page, diff.size()).empty());
  EXPECT_EQ(Encode(base.data(), page, diff.size() + 1).size(), diff.size());
}

TEST(PageDiffTest, RunsAtBothEnds) {
  std::vector<uint8_t> base(kPageSize, 0xAB);
  std::vector<uint8_t> page = base;
  page[0] = 1;
  page[kPageSize - 1] = 2;
  const std::vector<uint8_t> diff = Encode(base.data(), page);
  const std::vector<DiffRun> runs = RunsOf(diff, kPageSize);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].offset, 0u);
  EXPECT_EQ(runs[0].length, 8u);
  EXPECT_EQ(runs[1].offset, kPageSize - 8);
  EXPECT_EQ(runs[1].length, 8u);
  EXPECT_EQ(diff.size(), 4u + 2 * (8 + 8));
  std::vector<uint8_t> applied = base;
  ApplyPageDiff(diff, applied.data());
  EXPECT_EQ(applied, page);
}

TEST(PageDiffTest, SmallGapsAreMergedLargeOnesSplit) {
  std::vector<uint8_t> base(kPageSize, 0);
  auto changed_words = [&](std::initializer_list<size_t> words) {
    std::vector<uint8_t> page = base;
    for (size_t w : words) page[w * 8 + 3] = 0x5A;
    return RunsOf(Encode(nullptr, page), kPageSize);
  };
  // Gap of one and of two unchanged words (8, 16 bytes <= kMaxMergeGap): one run.
  auto runs = changed_words({100, 102});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].offset, 800u);
  EXPECT_EQ(runs[0].length, 24u);
  runs = changed_words({100, 103, 106});
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].length, 56u);
  // Gap of three words (24 bytes): two runs.
  runs = changed_words({100, 104});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].offset, 800u);
  EXPECT_EQ(runs[1].offset, 832u);
  // A change in the 64-byte block after a long equal stretch is still found.
  runs = changed_words({0, 1023});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].offset, 1023u * 8);
}

TEST(PageDiffTest, ValidateRejectsMalformedDiffs) {
  auto diff_of = [](std::initializer_list<uint32_t> words, size_t payload = 0) {
    std::vector<uint8_t> d(words.size() * 4 + payload);
    size_t i = 0;
    for (uint32_t w : words) StoreU32(&d[4 * i++], w);
    return d;
  };
  const std::string where = "test";
  EXPECT_TRUE(ValidatePageDiff(diff_of({0}), kPageSize, where).ok());
  EXPECT_TRUE(ValidatePageDiff(diff_of({1, 16, 8}, 8), kPageSize, where).ok());
  EXPECT_TRUE(ValidatePageDiff(diff_of({}), kPageSize, where).IsCorruption());  // too short
  EXPECT_TRUE(ValidatePageDiff(diff_of({1, 16, 8}, 7), kPageSize, where).IsCorruption());
  EXPECT_TRUE(ValidatePageDiff(diff_of({1, 16, 8}, 9), kPageSize, where).IsCorruption());
  EXPECT_TRUE(ValidatePageDiff(diff_of({1, 16, 0}), kPageSize, where).IsCorruption());  // empty
  EXPECT_TRUE(ValidatePageDiff(diff_of({1, kPageSize - 4, 8}, 8), kPageSize, where).IsCorruption());
  EXPECT_TRUE(ValidatePageDiff(diff_of({1, 0xFFFFFFF8u, 16}, 16), kPageSize, where)
                  .IsCorruption());  // offset + length overflows 32 bits
  // Out of order and overlapping runs.
  std::vector<uint8_t> two = diff_of({2, 64, 8, 0, 0, 32, 8, 0, 0});
  EXPECT_TRUE(ValidatePageDiff(two, kPageSize, where).IsCorruption());
  StoreU32(&two[20], 68);  // second run starts inside the first
  EXPECT_TRUE(ValidatePageDiff(two, kPageSize, where).IsCorruption());
  StoreU32(&two[20], 72);  // right after it: fine
  EXPECT_TRUE(ValidatePageDiff(two, kPageSize, where).ok());
  // A run count larger than the bytes present.
  EXPECT_TRUE(ValidatePageDiff(diff_of({0xFFFFFFFFu}), kPageSize, where).IsCorruption());
  // Random bytes never pass as something ApplyPageDiff would write outside the page with.
  std::mt19937_64 rng(3);
  for (int it = 0; it < 2000; ++it) {
    std::vector<uint8_t> d(rng() % 64);
    for (auto& b : d) b = static_cast<uint8_t>(rng() % 4 == 0 ? rng() : rng() % 24);
    if (ValidatePageDiff(d, 64, where).ok()) {
      std::vector<uint8_t> page(64);
      ApplyPageDiff(d, page.data());  // ASan would flag a write outside
    }
  }
}

// ---- Entries with diffs through the journal writer and recovery ----

class JournalDiffTest : public JournalEnvTest {};

// A sealed page `n` with a pattern; `salt` changes a few words only.
std::vector<uint8_t> Sealed(PageNumber n, uint64_t pattern, uint64_t salt) {
  std::vector<uint8_t> page(kPageSize);
  StoreU64(page.data() + kOffPageNumber, n);
  page[kOffFlags] = kPageLeaf;
  for (size_t i = kPageHeaderSize; i < kPageSize; i += 8) StoreU64(&page[i], pattern * 977 + i);
  for (size_t i = 0; i < 5; ++i)
    StoreU64(&page[kPageHeaderSize + ((salt + i * 131) % 1000) * 8], salt);
  SealPage(page.data());
  return page;
}

TEST_P(JournalDiffTest, DiffsRoundTripThroughRecoveryAndShrinkTheEntry) {
  for (bool compress : {false, true}) {
    SCOPED_TRACE(compress ? "compressed" : "raw");
    (void)env_->RemoveAll(dir_);
    JournalOptions options;
    options.compress_above_bytes = compress ? 4096 : uint64_t{1} << 30;
    auto writer = OpenJournalWriter(*env_, dir_, options, 0, 1);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();

    // Page 5: previous version -> a few words changed (diff). Page 6: new, sparse (diff
    // against zeros). Page 7: previous version, all changed (full image). Page 8: reuse (full).
    std::vector<uint8_t> prev5 = Sealed(5, 1, 0), next5 = Sealed(5, 1, 17);
    std::vector<uint8_t> new6(kPageSize);
    StoreU64(new6.data(), 6);
    new6[kOffFlags] = kPageLeaf;
    StoreU64(&new6[4000], 0x1234);
    SealPage(new6.data());
    std::vector<uint8_t> prev7 = Sealed(7, 1, 0), next7 = Sealed(7, 2, 0);
    std::vector<uint8_t> reused8 = Sealed(8, 3, 0);
    CommitRecord r;
    r.tx_id = 1;
    r.next_page = 20;
    r.pages = {JournalPage{5, 1, next5.data(), DiffBase::kPrevious, prev5.data()},
               JournalPage{6, 1, new6.data(), DiffBase::kZeros, nullptr},
               JournalPage{7, 1, next7.data(), DiffBase::kPrevious, prev7.data()},
               JournalPage{8, 1, reused8.data(), DiffBase::kNone, prev7.data()}};
    const CommitRecord* ptrs[] = {&r};
    ASSERT_TRUE((*writer)->WriteEntries(ptrs).ok());
    const JournalStats stats = (*writer)->stats();
    EXPECT_EQ(stats.pages, 4u);
    EXPECT_EQ(stats.diff_pages, 2u);
    EXPECT_EQ(stats.image_bytes, 4 * kPageSize);
    writer->reset();

    const std::vector<testing::EntryLocation> entries = testing::LocateEntries(*env_, dir_);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(stats.entry_bytes, entries[0].header.EntryLength());
    EXPECT_LT(stats.entry_bytes, stats.image_bytes);
    // Two full images (7, 8) plus two small diffs, far below four images.
    EXPECT_LT(entries[0].header.uncompressed_size, 2 * kPageSize + 1024);
    EXPECT_GE(entries[0].header.uncompressed_size, 2 * kPageSize);
    EXPECT_EQ(compress, (entries[0].header.flags & journal::kEntryCompressed) != 0);

    std::vector<SeenEntry> seen;
    RecoveryResult result;
    ASSERT_TRUE(RecoverAll(*env_, dir_, 0, 0, &seen, &result).ok());
    ASSERT_EQ(seen.size(), 1u);
    ASSERT_EQ(seen[0].pages.size(), 4u);
    const std::vector<uint8_t>* bases[] = {&prev5, nullptr, &prev7, nullptr};
    const std::vector<uint8_t>* want[] = {&next5, &new6, &next7, &reused8};
    const bool is_diff[] = {true, true, false, false};
    for (size_t i = 0; i < 4; ++i) {
      const auto& [page, bytes] = seen[0].pages[i];
      SCOPED_TRACE("page " + std::to_string(page.number));
      EXPECT_EQ(page.diff_bytes != 0, is_diff[i]);
      std::vector<uint8_t> rebuilt;
      if (page.diff_bytes != 0) {
        rebuilt = bases[i] != nullptr ? *bases[i] : std::vector<uint8_t>(kPageSize);
        ApplyPageDiff(bytes, rebuilt.data());
      } else {
        rebuilt = bytes;
      }
      EXPECT_EQ(rebuilt, *want[i]);
    }
  }
}

TEST_P(JournalDiffTest, DiffsOffWritesFullImagesOnly) {
  JournalOptions options;
  options.page_diffs = false;
  auto writer = OpenJournalWriter(*env_, dir_, options, 0, 1);
  ASSERT_TRUE(writer.ok());
  std::vector<uint8_t> prev = Sealed(5, 1, 0), next = Sealed(5, 1, 17);
  CommitRecord r;
  r.tx_id = 1;
  r.next_page = 6;
  r.pages = {JournalPage{5, 1, next.data(), DiffBase::kPrevious, prev.data()}};
  const CommitRecord* ptrs[] = {&r};
  ASSERT_TRUE((*writer)->WriteEntries(ptrs).ok());
  writer->reset();
  std::vector<SeenEntry> seen;
  RecoveryResult result;
  ASSERT_TRUE(RecoverAll(*env_, dir_, 0, 0, &seen, &result).ok());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].pages[0].first.diff_bytes, 0u);
  EXPECT_EQ(seen[0].pages[0].second, next);
}

// A version-1 file (full images, payload field zero) is read by this build; a future version is
// refused with a message naming it.
TEST_P(JournalDiffTest, ReadsVersionOneFilesAndRefusesUnknownVersions) {
  JournalOptions options;
  options.page_diffs = false;
  std::mt19937_64 rng(9);
  std::vector<testing::OwnedRecord> records;
  {
    auto writer = OpenJournalWriter(*env_, dir_, options, 0, 1);
    ASSERT_TRUE(writer.ok());
    for (uint64_t tx = 1; tx <= 3; ++tx) {
      records.push_back(testing::MakeRecord(tx, {1, 2}, tx == 2, rng));
      const CommitRecord* ptrs[] = {&records.back().record};
      ASSERT_TRUE((*writer)->WriteEntries(ptrs).ok());
    }
  }
  auto stamp = [&](uint32_t version) {
    auto bytes = platform::ReadFileToString(*env_, Path(0));
    ASSERT_TRUE(bytes.ok());
    std::vector<uint8_t> block(bytes->begin(), bytes->begin() + journal::kFileHeaderSize);
    StoreU32(&block[8], version);
    StoreU64(&block[48], Hash64(block.data(), 48, 0));
    testing::PokeFile(*env_, Path(0), 0, block.data(), block.size());
  };
  stamp(1);
  std::vector<SeenEntry> seen;
  RecoveryResult result;
  ASSERT_TRUE(RecoverAll(*env_, dir_, 0, 0, &seen, &result).ok());
  testing::ExpectSame(records, seen);

  stamp(journal::kFormatVersion + 1);
  Status s = RecoverAll(*env_, dir_, 0, 0, &seen, &result);
  // The file header is unreadable; its entries are then judged without it.
  journal::FileHeader fh;
  auto bytes = platform::ReadFileToString(*env_, Path(0));
  ASSERT_TRUE(bytes.ok());
  Status h = journal::DecodeFileHeader(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()), "f",
      &fh);
  EXPECT_TRUE(h.IsCorruption());
  EXPECT_NE(h.ToString().find("unknown journal format version 3"), std::string::npos)
      << h.ToString();
  EXPECT_FALSE(s.ok());
}

INSTANTIATE_TEST_SUITE_P(Envs, JournalDiffTest, ::testing::Values(EnvKind::kPosix, EnvKind::kMem),
                         testing::EnvKindName);

}  // namespace
}  // namespace rookery::storage
