#include "documents/ids.h"

#include <gtest/gtest.h>

#include <regex>

namespace rookery::documents {
namespace {

TEST(Ids, LowerIsAsciiOnly) {
  EXPECT_EQ(Lower("Users/1-A"), "users/1-a");
  EXPECT_EQ(Lower("\xC3\x84/1"), "\xC3\x84/1");  // Ä stays
  EXPECT_TRUE(EqualsIgnoreCase("USERS/1", "users/1"));
  EXPECT_FALSE(EqualsIgnoreCase("users/1", "users/10"));
}

TEST(Ids, GuidShape) {
  std::regex shape("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  EXPECT_TRUE(std::regex_match(FormatGuid(0, 0), shape)) << FormatGuid(0, 0);
  EXPECT_TRUE(std::regex_match(FormatGuid(~0ull, ~0ull), shape)) << FormatGuid(~0ull, ~0ull);
  EXPECT_EQ(FormatGuid(0x0123456789abcdefull, 0xfedcba9876543210ull),
            "01234567-89ab-4def-bedc-ba9876543210");
}

TEST(Ids, DatabaseIdIs22UrlSafeCharacters) {
  EXPECT_EQ(FormatDatabaseId(0, 0), "AAAAAAAAAAAAAAAAAAAAAA");
  std::string all = FormatDatabaseId(~0ull, ~0ull);
  EXPECT_EQ(all, "_____________________w");  // 128 one-bits, last sextet has 2 bits
  std::regex shape("^[A-Za-z0-9_-]{22}$");
  EXPECT_TRUE(
      std::regex_match(FormatDatabaseId(0x123456789abcdef0ull, 0x0fedcba987654321ull), shape));
}

TEST(Ids, ChangeVectorAndEtagId) {
  EXPECT_EQ(FormatChangeVector("A", 5, "dbid"), "A:5-dbid");
  EXPECT_EQ(FormatEtagId(1), "0000000000000000001");
  EXPECT_EQ(FormatEtagId(18446744073709551615ull).size(), 20u);  // wider than 19 is kept
}

TEST(Ids, DatesRoundTrip) {
  EXPECT_EQ(FormatDate(0), "1970-01-01T00:00:00.0000000Z");
  // 2024-05-01T10:20:30.123456Z
  const uint64_t t = 1714558830123456ull;
  EXPECT_EQ(FormatDate(t), "2024-05-01T10:20:30.1234560Z");
  EXPECT_EQ(ParseDate("2024-05-01T10:20:30.1234560Z"), static_cast<int64_t>(t));
  EXPECT_EQ(ParseDate("2024-05-01T10:20:30.1234567Z"), static_cast<int64_t>(t));
  EXPECT_EQ(ParseDate("2024-05-01T10:20:30Z"), static_cast<int64_t>(t - 123456));
  EXPECT_EQ(ParseDate("2024-05-01T10:20:30.5"), static_cast<int64_t>(t - 123456 + 500000));
  EXPECT_EQ(ParseDate("1970-01-01T00:00:00.0000000Z"), 0);
  EXPECT_EQ(ParseDate("1969-12-31T23:59:59Z"), -1000000);
  EXPECT_EQ(FormatDate(951782400000000ull), "2000-02-29T00:00:00.0000000Z");
  for (const char* bad :
       {"", "garbage", "2024-13-01T00:00:00Z", "2024-05-01T10:20:30.Z",
        "2024-05-01T10:20:30.12345678Z", "2024-05-01T10:20:30Zx", "2024-05-01 10:20"}) {
    EXPECT_FALSE(ParseDate(bad).has_value()) << bad;
  }
}

TEST(Ids, Wildcards) {
  EXPECT_TRUE(WildcardMatch("*", ""));
  EXPECT_TRUE(WildcardMatch("1*", "10"));
  EXPECT_TRUE(WildcardMatch("?0", "10"));
  EXPECT_FALSE(WildcardMatch("?0", "100"));
  EXPECT_TRUE(WildcardMatch("a*b*c", "AxxBxxC"));
  EXPECT_FALSE(WildcardMatch("a*b*c", "axxbxx"));
  EXPECT_TRUE(WildcardMatch("*x*", "aaxaa"));
  EXPECT_TRUE(MatchesAny("1*|2*", "22", false));
  EXPECT_FALSE(MatchesAny("1*|2*", "32", false));
  EXPECT_TRUE(MatchesAny("", "32", true));
  EXPECT_FALSE(MatchesAny("||", "32", false));
}

}  // namespace
}  // namespace rookery::documents
