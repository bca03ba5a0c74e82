// The benchmark's data is what storage.md §13 specifies: 16-byte keys in numeric order, JSON-like
// values of exact size that compress about 2:1, identical for a given seed; random orders are
// permutations; Zipf choices are skewed.
#include <gtest/gtest.h>
#include <lz4.h>

#include <algorithm>
#include <set>
#include <vector>

#include "bench/workload_data.h"

namespace rookery::bench {
namespace {

TEST(MakeKey, SixteenBytesInNumericOrder) {
  EXPECT_EQ(MakeKey(0), "doc/000000000000");
  EXPECT_EQ(MakeKey(1234567), "doc/000001234567");
  EXPECT_EQ(MakeKey(999999999999ULL), "doc/999999999999");
  for (uint64_t i : {0ULL, 9ULL, 99ULL, 1000ULL, 999999ULL}) {
    EXPECT_EQ(MakeKey(i).size(), kKeySize);
    EXPECT_LT(MakeKey(i), MakeKey(i + 1)) << i;
  }
}

TEST(MakeValue, ExactSizeJsonLikeAndDeterministic) {
  std::string a, b, c;
  for (size_t size : {size_t{1024}, size_t{16384}, size_t{600}}) {
    MakeValue(42, 17, size, &a);
    MakeValue(42, 17, size, &b);
    EXPECT_EQ(a.size(), size);
    EXPECT_EQ(a, b) << "same seed and index must give the same bytes";
    EXPECT_EQ(a.front(), '{');
    EXPECT_EQ(a.substr(a.size() - 2), "\"}");
    EXPECT_NE(a.find("\"Lines\":[{\"Discount\""), std::string::npos) << a;
  }
  MakeValue(42, 18, 1024, &b);
  MakeValue(43, 17, 1024, &c);
  MakeValue(42, 17, 1024, &a);
  EXPECT_NE(a, b) << "different keys get different values";
  EXPECT_NE(a, c) << "different seeds give different values";
  MakeValue(42, 17, 100, &a);
  EXPECT_EQ(a.size(), 100u) << "tiny sizes are truncated, never longer";
}

// Compressed size of 4 KiB blocks of values, as a block-compressing engine (RocksDB) sees them,
// and of each value alone, as a per-document compressor would (LZ4 finds few repeats in 1 KiB).
TEST(MakeValue, CompressesAboutTwoToOneWithLz4) {
  std::string value, block;
  size_t raw = 0, packed = 0, block_packed = 0;
  std::vector<char> out(LZ4_compressBound(1 << 20));
  for (uint64_t i = 0; i < 2000; ++i) {
    MakeValue(42, i, 1024, &value);
    raw += value.size();
    packed += LZ4_compress_default(value.data(), out.data(), static_cast<int>(value.size()),
                                   static_cast<int>(out.size()));
    block += value;
    if (block.size() >= 4096) {
      block_packed += LZ4_compress_default(block.data(), out.data(), static_cast<int>(block.size()),
                                           static_cast<int>(out.size()));
      block.clear();
    }
  }
  const double per_value = static_cast<double>(raw) / packed;
  const double per_block = static_cast<double>(raw) / block_packed;
  EXPECT_GT(per_block, 1.7);
  EXPECT_LT(per_block, 2.3);
  EXPECT_GT(per_value, 1.2);
  EXPECT_LT(per_value, per_block);
  std::printf("LZ4 ratio: %.2f per 1 KiB value, %.2f per 4 KiB block\n", per_value, per_block);
}

TEST(Permutation, IsAPermutationAndDependsOnTheSeed) {
  auto p = Permutation(10000, 1);
  auto sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (uint32_t i = 0; i < 10000; ++i) ASSERT_EQ(sorted[i], i);
  EXPECT_NE(p, Permutation(10000, 2));
  EXPECT_EQ(p, Permutation(10000, 1));
  // Shuffled, not (nearly) ascending: few elements stay in place.
  size_t fixed = 0;
  for (uint32_t i = 0; i < 10000; ++i) fixed += p[i] == i;
  EXPECT_LT(fixed, 20u);
}

TEST(UniformChoices, CoverTheRangeEvenly) {
  auto c = UniformChoices(100, 100000, 5);
  std::vector<int> counts(100);
  for (uint32_t x : c) {
    ASSERT_LT(x, 100u);
    ++counts[x];
  }
  for (int n : counts) {
    EXPECT_GT(n, 700);
    EXPECT_LT(n, 1300);
  }
}

TEST(Zipf, SkewedTowardsLowRanksAndScrambled) {
  const uint32_t n = 100000;
  ZipfGenerator zipf(n, 0.99, 9);
  std::vector<int> rank_counts(n);
  const int draws = 200000;
  for (int i = 0; i < draws; ++i) {
    uint32_t r = zipf.NextRank();
    ASSERT_LT(r, n);
    ++rank_counts[r];
  }
  // With theta 0.99 over 100k items, rank 0 draws ~8 % and the top 1 % of ranks over half.
  EXPECT_GT(rank_counts[0], draws / 20);
  EXPECT_GT(rank_counts[0], rank_counts[1]);
  EXPECT_GT(rank_counts[1], rank_counts[10]);
  long top = 0;
  for (uint32_t r = 0; r < n / 100; ++r) top += rank_counts[r];
  EXPECT_GT(top, draws / 2);
  // Scrambled: the hottest keys are not the first key numbers.
  auto keys = ZipfChoices(n, 0.99, 50000, 9);
  std::set<uint32_t> distinct(keys.begin(), keys.end());
  EXPECT_LT(distinct.size(), 30000u) << "skewed choices repeat keys";
  for (uint32_t k : keys) ASSERT_LT(k, n);
  EXPECT_EQ(keys, ZipfChoices(n, 0.99, 50000, 9));
}

}  // namespace
}  // namespace rookery::bench
