#include "base/checksum.h"

#include <gtest/gtest.h>

#include <string>

namespace rookery {
namespace {

TEST(ChecksumTest, KnownXxh64Vectors) {
  // Reference values of XXH64 (xxHash specification test vectors).
  EXPECT_EQ(Hash64("", 0), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(Hash64("a", 0), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(Hash64("abc", 0), 0x44BC2CF5AD770999ULL);
}

TEST(ChecksumTest, SeedChangesHash) {
  std::string page(8192, 'x');
  EXPECT_NE(Hash64(page, 1), Hash64(page, 2));
  EXPECT_EQ(Hash64(page, 7), Hash64(page, 7));
}

TEST(ChecksumTest, SingleBitFlipDetected) {
  std::string page(8192, '\0');
  for (size_t i = 0; i < page.size(); i += 97) page[i] = static_cast<char>(i);
  const uint64_t before = Hash64(page, 42);
  page[4000] ^= 0x10;
  EXPECT_NE(Hash64(page, 42), before);
}

TEST(ChecksumTest, IncrementalEqualsOneShot) {
  std::string data;
  for (int i = 0; i < 10000; ++i) data.push_back(static_cast<char>(i * 31));
  Hasher64 h(99);
  h.Update(data.data(), 1);
  h.Update(data.data() + 1, 4000);
  h.Update(data.data() + 4001, data.size() - 4001);
  EXPECT_EQ(h.Digest(), Hash64(data, 99));
}

TEST(ChecksumTest, FastHashIsDeterministic) {
  EXPECT_EQ(FastHash64("rookery", 7, 3), FastHash64("rookery", 7, 3));
  EXPECT_NE(FastHash64("rookery", 7, 3), FastHash64("rookerz", 7, 3));
}

}  // namespace
}  // namespace rookery
