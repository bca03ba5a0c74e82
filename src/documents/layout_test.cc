#include "documents/layout.h"

#include <gtest/gtest.h>

namespace rookery::documents::layout {
namespace {

TEST(Layout, DocumentRecordRoundTrip) {
  DocumentRecord r{7, 1234, "Users/1", "Users", "A:7-x", "HasRevisions", R"({"a":1})"};
  std::string bytes = EncodeDocument(r);
  auto d = DecodeDocument(bytes, "users/1");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->etag, 7u);
  EXPECT_EQ(d->last_modified_micros, 1234u);
  EXPECT_EQ(d->id, "Users/1");
  EXPECT_EQ(d->collection, "Users");
  EXPECT_EQ(d->change_vector, "A:7-x");
  EXPECT_EQ(d->flags, "HasRevisions");
  EXPECT_EQ(d->json, R"({"a":1})");

  // The head alone, with the JSON appended by the caller, is the same record.
  DocumentRecord no_json = r;
  no_json.json = "ignored";
  EXPECT_EQ(EncodeDocumentHead(no_json, 7) + R"({"a":1})", bytes);
}

TEST(Layout, MalformedRecordsAreCorruption) {
  std::string bytes = EncodeDocument({7, 1, "id", "c", "cv", "", "{}"});
  EXPECT_EQ(DecodeDocument(bytes.substr(0, 20), "k").status().code(), Code::kCorruption);
  std::string wrong_version = bytes;
  wrong_version[0] = 9;
  EXPECT_EQ(DecodeDocument(wrong_version, "k").status().code(), Code::kCorruption);
  std::string long_len = bytes;
  long_len[17] = 100;  // id length beyond the record
  EXPECT_EQ(DecodeDocument(long_len, "k").status().code(), Code::kCorruption);
  EXPECT_NE(DecodeDocument(long_len, "k").status().message().find("'k'"), std::string::npos);
}

TEST(Layout, TombstoneRoundTrip) {
  std::string bytes = EncodeTombstone({9, 55, "Users/1", "Users", "A:9-x"});
  auto t = DecodeTombstone(bytes, "users/1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->etag, 9u);
  EXPECT_EQ(t->deleted_micros, 55u);
  EXPECT_EQ(t->id, "Users/1");
  EXPECT_EQ(t->collection, "Users");
  EXPECT_EQ(t->change_vector, "A:9-x");
  EXPECT_FALSE(DecodeTombstone(bytes + "x", "k").ok());
}

TEST(Layout, EtagKeysSortNumerically) {
  EXPECT_LT(EtagKey(255), EtagKey(256));
  EXPECT_LT(EtagKey(1), EtagKey(uint64_t{1} << 40));
  EXPECT_EQ(DecodeEtagKey(EtagKey(0x0102030405060708ull)).value(), 0x0102030405060708ull);
  EXPECT_FALSE(DecodeEtagKey("abc").ok());
  EXPECT_EQ(DecodeU64(EncodeU64(42), "x").value(), 42u);
  EXPECT_FALSE(DecodeU64("1234", "x").ok());
  const std::string encoded = EncodeCollection(3, "Users");  // the result views it
  auto c = DecodeCollection(encoded, "users");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->first, 3u);
  EXPECT_EQ(c->second, "Users");
}

}  // namespace
}  // namespace rookery::documents::layout
