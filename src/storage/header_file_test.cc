#include "storage/header_file.h"

#include <gtest/gtest.h>

#include "base/checksum.h"
#include "platform/env.h"

namespace rookery::storage {
namespace {

class HeaderFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = platform::NewMemEnv();
    ASSERT_TRUE(env_->CreateDirs("/h").ok());
  }
  std::unique_ptr<HeaderFiles> Open(HeaderFiles::Found* found) {
    auto hf = HeaderFiles::Open(*env_, "/h", found);
    EXPECT_TRUE(hf.ok()) << hf.status().ToString();
    return hf.ok() ? std::move(hf).value() : nullptr;
  }
  void Corrupt(const std::string& name, size_t offset) {
    platform::FileOptions o;
    o.write = true;
    auto f = env_->OpenFile("/h/" + name, o);
    ASSERT_TRUE(f.ok());
    uint8_t b = 0;
    ASSERT_TRUE((*f)->ReadAt(offset, &b, 1).ok());
    b ^= 0x40;
    ASSERT_TRUE((*f)->WriteAt(offset, &b, 1).ok());
  }
  std::unique_ptr<platform::Env> env_;
};

TEST_F(HeaderFileTest, EncodeDecodeRoundTrip) {
  FileHeader h;
  h.revision = 9;
  h.last_synced_tx = 1234;
  h.last_synced_journal = 7;
  h.next_page = 99;
  h.root[0] = 5;
  h.root[63] = 6;
  uint8_t block[kHeaderBlockSize];
  EncodeHeader(h, block);
  FileHeader out;
  uint32_t version = 0;
  ASSERT_EQ(DecodeHeader(block, sizeof(block), &out, &version), HeaderDecode::kValid);
  EXPECT_EQ(out.revision, 9u);
  EXPECT_EQ(out.last_synced_tx, 1234u);
  EXPECT_EQ(out.last_synced_journal, 7u);
  EXPECT_EQ(out.next_page, 99u);
  EXPECT_EQ(out.root[0], 5);
  EXPECT_EQ(out.root[63], 6);
  EXPECT_EQ(out.page_size, kPageSize);
  block[30] ^= 1;
  EXPECT_EQ(DecodeHeader(block, sizeof(block), &out, &version), HeaderDecode::kBadHash);
}

TEST_F(HeaderFileTest, NewDirectoryHasNoHeaderThenWritesAlternate) {
  HeaderFiles::Found found;
  auto hf = Open(&found);
  ASSERT_NE(hf, nullptr);
  EXPECT_EQ(found, HeaderFiles::Found::kNone);
  FileHeader h;
  for (uint64_t tx = 1; tx <= 5; ++tx) {
    h.last_synced_tx = tx;
    ASSERT_TRUE(hf->Write(h).ok());
    EXPECT_EQ(hf->current().revision, tx);
  }
  hf.reset();
  auto again = Open(&found);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(found, HeaderFiles::Found::kExisting);
  EXPECT_EQ(again->current().revision, 5u);  // the higher revision wins
  EXPECT_EQ(again->current().last_synced_tx, 5u);
}

TEST_F(HeaderFileTest, OneBadCopyIsRepairedFromTheOther) {
  HeaderFiles::Found found;
  auto hf = Open(&found);
  FileHeader h;
  h.last_synced_tx = 1;
  ASSERT_TRUE(hf->Write(h).ok());  // revision 1 -> header.b
  h.last_synced_tx = 2;
  ASSERT_TRUE(hf->Write(h).ok());  // revision 2 -> header.a
  hf.reset();
  Corrupt("header.a", 30);  // the newest copy is torn: fall back to revision 1
  auto again = Open(&found);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->current().revision, 1u);
  EXPECT_EQ(again->current().last_synced_tx, 1u);
  again.reset();
  // Repaired: both copies now valid (decode header.a directly).
  auto text = platform::ReadFileToString(*env_, "/h/header.a");
  ASSERT_TRUE(text.ok());
  FileHeader out;
  uint32_t version;
  EXPECT_EQ(
      DecodeHeader(reinterpret_cast<const uint8_t*>(text->data()), text->size(), &out, &version),
      HeaderDecode::kValid);
}

TEST_F(HeaderFileTest, BothBadIsCorruption) {
  HeaderFiles::Found found;
  auto hf = Open(&found);
  FileHeader h;
  ASSERT_TRUE(hf->Write(h).ok());
  ASSERT_TRUE(hf->Write(h).ok());
  hf.reset();
  Corrupt("header.a", 20);
  Corrupt("header.b", 20);
  auto again = HeaderFiles::Open(*env_, "/h", &found);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.status().IsCorruption()) << again.status().ToString();
}

TEST_F(HeaderFileTest, UnknownVersionIsAClearError) {
  FileHeader h;
  uint8_t block[kHeaderBlockSize];
  EncodeHeader(h, block);
  StoreU32(block + 8, 77);  // format version
  StoreU64(block + 120, Hash64(block, 120, 0));
  platform::FileOptions o;
  o.create = true;
  auto f = env_->OpenFile("/h/header.a", o);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->WriteAt(0, block, sizeof(block)).ok());
  HeaderFiles::Found found;
  auto hf = HeaderFiles::Open(*env_, "/h", &found);
  ASSERT_FALSE(hf.ok());
  EXPECT_EQ(hf.status().code(), Code::kNotSupported);
  EXPECT_NE(std::string(hf.status().message()).find("version 77"), std::string::npos)
      << hf.status().ToString();
}

}  // namespace
}  // namespace rookery::storage
