#include "storage/page.h"

#include <gtest/gtest.h>

#include <vector>

namespace rookery::storage {
namespace {

std::vector<uint8_t> MakePage(PageNumber n, uint32_t pages = 1) {
  std::vector<uint8_t> page(kPageSize * pages, 0);
  StoreU64(page.data() + kOffPageNumber, n);
  for (size_t i = kPageHeaderSize; i < page.size(); ++i) page[i] = static_cast<uint8_t>(i * 7);
  return page;
}

TEST(PageTest, SealedPageVerifies) {
  auto page = MakePage(42);
  page[kOffFlags] = kPageLeaf;
  SealPage(page.data());
  EXPECT_TRUE(VerifyPage(page.data(), 42, "data.rookery").ok());
}

TEST(PageTest, BitFlipIsCorruptionNamingFilePageAndHashes) {
  auto page = MakePage(7);
  SealPage(page.data());
  page[5000] ^= 1;
  Status s = VerifyPage(page.data(), 7, "data.rookery");
  ASSERT_TRUE(s.IsCorruption());
  const std::string msg(s.message());
  EXPECT_NE(msg.find("page 7"), std::string::npos) << msg;
  EXPECT_NE(msg.find("data.rookery"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected"), std::string::npos) << msg;
  EXPECT_NE(msg.find("actual"), std::string::npos) << msg;
}

TEST(PageTest, MisdirectedWriteDetected) {
  auto page = MakePage(9);
  SealPage(page.data());
  EXPECT_TRUE(VerifyPage(page.data(), 10, "f").IsCorruption());
}

TEST(PageTest, ZeroPageIsNotValid) {
  std::vector<uint8_t> zero(kPageSize, 0);
  EXPECT_TRUE(VerifyPage(zero.data(), 0, "f").IsCorruption());
}

TEST(PageTest, OverflowRunChecksumCoversEveryPage) {
  const uint32_t payload = 3 * kPageSize;
  const uint32_t pages = PagesForOverflow(payload);
  EXPECT_EQ(pages, 4u);
  auto run = MakePage(100, pages);
  run[kOffFlags] = kPageOverflow;
  StoreU32(run.data() + kOffOverflowSize, payload);
  EXPECT_EQ(PageRunLength(run.data()), pages);
  SealPage(run.data());
  EXPECT_TRUE(VerifyPage(run.data(), 100, "f").ok());
  run[kPageSize * 3 + 10] ^= 0x80;  // a byte in the last page of the run
  EXPECT_TRUE(VerifyPage(run.data(), 100, "f").IsCorruption());
}

TEST(PageTest, OverflowPageCounts) {
  EXPECT_EQ(PagesForOverflow(1), 1u);
  EXPECT_EQ(PagesForOverflow(kPageSize - kPageHeaderSize), 1u);
  EXPECT_EQ(PagesForOverflow(kPageSize - kPageHeaderSize + 1), 2u);
}

}  // namespace
}  // namespace rookery::storage
