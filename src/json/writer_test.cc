#include "json/writer.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <limits>

namespace rookery::json {
namespace {

TEST(JsonWriterTest, NestedStructureWithCommas) {
  JsonWriter w;
  w.BeginObject()
      .Field("Name", "db1")
      .Key("Nodes")
      .BeginArray()
      .BeginObject()
      .Field("Tag", "A")
      .EndObject()
      .Int(-3)
      .Null()
      .EndArray()
      .Field("Ok", true)
      .EndObject();
  EXPECT_EQ(w.str(), R"({"Name":"db1","Nodes":[{"Tag":"A"},-3,null],"Ok":true})");
}

TEST(JsonWriterTest, EscapesControlAndQuoteCharacters) {
  JsonWriter w;
  w.String(std::string("a\"b\\c\n\x01\x1f", 8));
  EXPECT_EQ(w.str(), R"("a\"b\\c\n\u0001\u001f")");
  JsonWriter utf8;
  utf8.String("h\xC3\xA9llo");  // UTF-8 passes through unchanged
  EXPECT_EQ(utf8.str(), "\"h\xC3\xA9llo\"");
}

// AppendQuoted copies runs of plain characters in one piece: escapes at either end, back to back,
// and between long runs must all come out in place.
TEST(JsonWriterTest, AppendQuotedEscapesAtRunBoundaries) {
  std::string out = "x";
  AppendQuoted(&out, std::string("\"\t\r\b\f") + std::string(300, 'a') + "\\" +
                         std::string(5, 'b') + std::string("\x00", 1) + "\x7f\n");
  EXPECT_EQ(out, "x\"\\\"\\t\\r\\b\\f" + std::string(300, 'a') + "\\\\bbbbb\\u0000\x7f\\n\"");
  out.clear();
  AppendQuoted(&out, "");
  EXPECT_EQ(out, "\"\"");
  out.clear();
  AppendQuoted(&out, "plain");
  EXPECT_EQ(out, "\"plain\"");
}

// The scan checks 16 (or 8) bytes at a time: every escape-worthy byte at every offset of a block
// and of the tail, beside bytes that must pass through (0x20, 0x7f, 0x80, 0xff, UTF-8), is found.
TEST(JsonWriterTest, AppendQuotedFindsEscapesAtEveryOffset) {
  const std::string plain = "ab \x7f\xc3\xa9 xyz0123456789-\x80\xff ABCDEFGHIJKLMNOPQRSTUVWXYZ!";
  for (const char special : {'"', '\\', '\n', '\x01', '\x1f', '\0'}) {
    for (size_t at = 0; at <= 50; ++at) {
      std::string value = plain;
      value.insert(value.begin() + static_cast<std::ptrdiff_t>(at), special);
      std::string expected = "\"";
      for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"') {
          expected += "\\\"";
        } else if (c == '\\') {
          expected += "\\\\";
        } else if (c == '\n') {
          expected += "\\n";
        } else if (u < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", u);
          expected += buf;
        } else {
          expected += c;
        }
      }
      expected += "\"";
      std::string out;
      AppendQuoted(&out, value);
      EXPECT_EQ(out, expected) << "byte " << static_cast<int>(special) << " at " << at;
    }
  }
}

TEST(JsonWriterTest, Numbers) {
  JsonWriter w;
  w.BeginArray()
      .Uint(std::numeric_limits<uint64_t>::max())
      .Int(std::numeric_limits<int64_t>::min())
      .Double(0.1)
      .Double(1e300)
      .Double(std::numeric_limits<double>::quiet_NaN())
      .EndArray();
  EXPECT_EQ(w.str(), "[18446744073709551615,-9223372036854775808,0.1,1e+300,null]");
}

TEST(JsonWriterTest, RawAndExternalBuffer) {
  std::string out = "prefix:";
  JsonWriter w(&out);
  w.BeginObject().Key("Doc").Raw(R"({"x":1})").Field("N", 2).EndObject();
  EXPECT_EQ(out, R"(prefix:{"Doc":{"x":1},"N":2})");
}

TEST(JsonWriterTest, EmptyContainers) {
  JsonWriter w;
  w.BeginObject().Key("A").BeginArray().EndArray().Key("O").BeginObject().EndObject().EndObject();
  EXPECT_EQ(w.str(), R"({"A":[],"O":{}})");
}

}  // namespace
}  // namespace rookery::json
