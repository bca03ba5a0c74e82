#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "json/reference_parser.h"
#include "json/value.h"

namespace rookery::json {
namespace {

using std::string_literals::operator""s;

struct Case {
  std::string name;
  std::string text;
};

std::string Nested(int depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

// Must-reject inputs, JSONTestSuite style ("n_" cases), written by hand.
std::vector<Case> RejectCases() {
  return {
      {"empty", ""},
      {"only_whitespace", " \n\t "},
      {"trailing_comma_array", "[1,2,]"},
      {"trailing_comma_object", R"({"a":1,})"},
      {"comma_only_array", "[,]"},
      {"leading_comma", "[,1]"},
      {"double_comma", "[1,,2]"},
      {"missing_comma", "[1 2]"},
      {"missing_colon", R"({"a" 1})"},
      {"missing_value", R"({"a":})"},
      {"single_quotes_string", "['a']"},
      {"single_quoted_key", "{'a':1}"},
      {"unquoted_key", "{a:1}"},
      {"numeric_key", "{1:1}"},
      {"leading_zero", "[01]"},
      {"leading_zeros_negative", "[-012]"},
      {"leading_plus", "[+1]"},
      {"dot_only_fraction", "[1.]"},
      {"leading_dot", "[.5]"},
      {"exponent_without_digits", "[1e]"},
      {"exponent_sign_only", "[1e+]"},
      {"minus_alone", "[-]"},
      {"hex_number", "[0x10]"},
      {"nan", "[NaN]"},
      {"infinity", "[Infinity]"},
      {"negative_infinity", "[-Infinity]"},
      {"overflowing_double", "[1e400]"},
      {"overflowing_huge_exponent", "[-1.5e999999999999999999]"},
      {"raw_newline_in_string", "[\"a\nb\"]"},
      {"raw_tab_in_string", "[\"a\tb\"]"},
      {"raw_nul_in_string", "[\"a\0b\"]"s},
      {"raw_0x1f_in_string", "[\"\x1f\"]"},
      {"invalid_escape", R"(["\x41"])"},
      {"escaped_apostrophe", R"(["\'"])"},
      {"short_unicode_escape", R"(["\u12"])"},
      {"non_hex_unicode_escape", R"(["\u12G4"])"},
      {"lone_high_surrogate", R"(["\ud800"])"},
      {"lone_low_surrogate", R"(["\udc00"])"},
      {"high_surrogate_then_letter", R"(["\ud800\u0041"])"},
      {"high_surrogate_then_high", R"(["\ud800\ud800"])"},
      {"high_surrogate_at_end", R"(["\uD834")"},
      {"unterminated_string", R"(["abc)"},
      {"unterminated_array", "[1,2"},
      {"unterminated_object", R"({"a":1)"},
      {"unterminated_key", R"({"a)"},
      {"truncated_true", "[tru]"},
      {"truncated_literal_eof", "nul"},
      {"capitalized_true", "[True]"},
      {"garbage_after_value", "[1] x"},
      {"two_values", "1 2"},
      {"two_objects", "{}{}"},
      {"extra_close", "[1]]"},
      {"mismatched_close", "[1}"},
      {"comment", "[1] // c"},
      {"block_comment", "/* c */ [1]"},
      {"invalid_utf8_continuation_alone", "[\"\x80\"]"},
      {"invalid_utf8_lead_ff", "[\"\xff\"]"},
      {"invalid_utf8_truncated_2byte", "[\"\xc3\"]"},
      {"invalid_utf8_overlong_slash", "[\"\xc0\xaf\"]"},
      {"invalid_utf8_overlong_3byte", "[\"\xe0\x80\xaf\"]"},
      {"invalid_utf8_encoded_surrogate", "[\"\xed\xa0\x80\"]"},
      {"invalid_utf8_above_10ffff", "[\"\xf4\x90\x80\x80\"]"},
      {"invalid_utf8_outside_string", "[\xc3\xa9]"},
      {"bom", "\xef\xbb\xbf[1]"},
      {"nul_after_value", "[1]\0"s},
      {"form_feed_whitespace", "[\f1]"},
      {"vertical_tab_whitespace", "[\v1]"},
      {"too_deep", Nested(513)},
      {"too_deep_objects", ""},  // filled in by the test
  };
}

std::vector<Case> AcceptCases() {
  return {
      {"null", "null"},
      {"true", "true"},
      {"false", "false"},
      {"zero", "0"},
      {"negative_zero", "-0"},
      {"negative_zero_double", "-0.0"},
      {"integer", "123"},
      {"exponent_upper", "1E2"},
      {"exponent_signs", "[1e+2,1e-2,-1.5E-3]"},
      {"underflow_to_zero", "1e-400"},
      {"denormal", "5e-324"},
      {"int64_min", "-9223372036854775808"},
      {"int64_max", "9223372036854775807"},
      {"uint64_max", "18446744073709551615"},
      {"beyond_uint64", "18446744073709551616"},
      {"below_int64", "-9223372036854775809"},
      {"huge_integer", "123456789012345678901234567890"},
      {"string", R"("hello")"},
      {"empty_string", R"("")"},
      {"all_escapes", R"("\" \\ \/ \b \f \n \r \t")"},
      {"unicode_escape", R"("\u00e9\u4e2d")"},
      {"unicode_escape_nul", R"("\u0000")"},
      {"surrogate_pair", R"("\ud83d\ude00")"},
      {"surrogate_pair_upper", R"("\uD834\uDD1E")"},
      {"raw_utf8", "\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\""},
      {"raw_del", "\"\x7f\""},
      {"empty_array", "[]"},
      {"empty_object", "{}"},
      {"nested_empty", R"([[],{},[{}],{"a":[]}])"},
      {"whitespace_everywhere", " \t\n\r[ 1 , { \"a\" : 2 } ] \r\n"},
      {"duplicate_keys", R"({"a":1,"b":2,"a":3})"},
      {"empty_key", R"({"":1})"},
      {"max_depth_exactly", Nested(512)},
      {"deep_mixed", R"({"a":[{"b":[{"c":[1]}]}]})"},
  };
}

TEST(ParseTest, RejectsMalformedInput) {
  auto cases = RejectCases();
  // Depth 513 made of objects: {"a":{"a":...}}.
  std::string deep_objects;
  for (int i = 0; i < 513; ++i) deep_objects += R"({"a":)";
  deep_objects += "1" + std::string(513, '}');
  cases.back().text = deep_objects;
  ASSERT_GE(cases.size(), 40u);
  for (const Case& c : cases) {
    auto fast = Parse(c.text);
    EXPECT_FALSE(fast.ok()) << c.name << " accepted: " << Serialize(*fast);
    if (fast.ok()) continue;
    EXPECT_EQ(fast.status().code(), Code::kInvalidArgument) << c.name;
    // Every rejection carries a position (the reference parser agrees it is an error).
    EXPECT_NE(fast.status().message().find("invalid JSON at line "), std::string_view::npos)
        << c.name << ": " << fast.status().ToString();
    auto slow = internal::ParseReference(c.text, 512);
    EXPECT_FALSE(slow.ok()) << c.name;
  }
}

TEST(ParseTest, AcceptsValidInput) {
  for (const Case& c : AcceptCases()) {
    auto fast = Parse(c.text);
    ASSERT_TRUE(fast.ok()) << c.name << ": " << fast.status().ToString();
    auto slow = internal::ParseReference(c.text, 512);
    ASSERT_TRUE(slow.ok()) << c.name << ": " << slow.status().ToString();
    EXPECT_EQ(*fast, *slow) << c.name << ": " << Serialize(*fast) << " vs " << Serialize(*slow);
  }
}

TEST(ParseTest, DecodesStrings) {
  auto v = Parse(R"(["\" \\ \/ \b \f \n \r \t", "\u00e9", "\ud83d\ude00", "\u0000x"])");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->items()[0].as_string(), "\" \\ / \b \f \n \r \t");
  EXPECT_EQ(v->items()[1].as_string(), "\xc3\xa9");
  EXPECT_EQ(v->items()[2].as_string(), "\xf0\x9f\x98\x80");
  EXPECT_EQ(v->items()[3].as_string(), "\0x"s);
}

TEST(ParseTest, NumberTypesAndBoundaries) {
  auto type_of = [](std::string_view text) {
    auto v = Parse(text);
    EXPECT_TRUE(v.ok()) << text;
    return v.ok() ? v->type() : Type::kNull;
  };
  EXPECT_EQ(type_of("0"), Type::kInt);
  EXPECT_EQ(type_of("-0"), Type::kInt);
  EXPECT_EQ(type_of("9223372036854775807"), Type::kInt);
  EXPECT_EQ(type_of("-9223372036854775808"), Type::kInt);
  EXPECT_EQ(type_of("9223372036854775808"), Type::kUint);
  EXPECT_EQ(type_of("18446744073709551615"), Type::kUint);
  EXPECT_EQ(type_of("18446744073709551616"), Type::kDouble);
  EXPECT_EQ(type_of("-9223372036854775809"), Type::kDouble);
  EXPECT_EQ(type_of("1.0"), Type::kDouble);
  EXPECT_EQ(type_of("1e2"), Type::kDouble);

  EXPECT_EQ(Parse("-9223372036854775808")->as_int(), INT64_MIN);
  EXPECT_EQ(Parse("9223372036854775807")->as_int(), INT64_MAX);
  EXPECT_EQ(Parse("18446744073709551615")->as_uint(), UINT64_MAX);
  EXPECT_EQ(Parse("18446744073709551616")->as_double(), 18446744073709551616.0);
  EXPECT_EQ(Parse("-9223372036854775809")->as_double(), -9223372036854775808.0);
  EXPECT_EQ(Parse("[1, 123456789012345678901234567890]")->items()[1].as_double(),
            1.2345678901234568e29);
  EXPECT_EQ(Parse("1e-400")->as_double(), 0.0);
  EXPECT_TRUE(std::signbit(Parse("-1e-400")->as_double()));
  EXPECT_EQ(Parse("0.1")->as_double(), 0.1);
  EXPECT_EQ(Parse("1.7976931348623157e308")->as_double(), 1.7976931348623157e308);
}

TEST(ParseTest, KeyOrderAndDuplicateKeys) {
  auto v = Parse(R"({"z":1,"a":2,"m":3,"a":4})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(Serialize(*v), R"({"z":1,"a":4,"m":3})");  // last wins, first position

  // Many members: the builder's hash index path.
  std::string text = "{";
  for (int i = 0; i < 100; ++i) text += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  text += R"("k5":"five","k99":"last"})";
  auto big = Parse(text);
  ASSERT_TRUE(big.ok());
  ASSERT_EQ(big->members().size(), 100u);
  EXPECT_EQ(big->members()[5].first, "k5");
  EXPECT_EQ(big->members()[5].second.as_string(), "five");
  EXPECT_EQ(big->members()[99].second.as_string(), "last");
  EXPECT_EQ(big->members()[98].second.as_int(), 98);
  EXPECT_EQ(*big, *internal::ParseReference(text, 512));
}

// The message of a failed parse.
std::string Error(std::string_view text, ParseOptions options = {}) {
  auto v = Parse(text, options);
  return v.ok() ? "accepted" : std::string(v.status().message());
}

TEST(ParseTest, ErrorPositions) {
  EXPECT_EQ(Error(""),
            "invalid JSON at line 1, column 1 (byte 0): expected a value, found end of input");
  EXPECT_EQ(Error("[1,2,]"),
            "invalid JSON at line 1, column 6 (byte 5): expected a value after ',', found ']'");
  EXPECT_EQ(
      Error("{\n  \"a\": 1,\n  \"b\" 2\n}"),
      "invalid JSON at line 3, column 7 (byte 18): expected ':' after an object key, found '2'");
  EXPECT_EQ(
      Error("{\"a\":1\n\"b\":2}"),
      "invalid JSON at line 2, column 1 (byte 7): expected ',' or '}' after an object member, "
      "found '\"'");
  EXPECT_EQ(Error("[\"\x01\"]"),
            "invalid JSON at line 1, column 3 (byte 2): control character U+0001 must be escaped "
            "in a string");
  EXPECT_EQ(
      Error("{\"a\":1}\xff"),
      "invalid JSON at line 1, column 8 (byte 7): unexpected data after the JSON value, found "
      "byte 0xFF");
  EXPECT_EQ(Error("[01]"),
            "invalid JSON at line 1, column 2 (byte 1): leading zeros are not allowed");
  EXPECT_EQ(Error("{'a':1}"),
            "invalid JSON at line 1, column 2 (byte 1): expected a string key or '}', found '''");
  EXPECT_EQ(
      Error("[1] x"),
      "invalid JSON at line 1, column 5 (byte 4): unexpected data after the JSON value, found 'x'");
  EXPECT_EQ(Error("[\"abc"),
            "invalid JSON at line 1, column 6 (byte 5): unterminated string (opened at byte 1)");
  EXPECT_EQ(Error("[\n\"a\tb\"]"),
            "invalid JSON at line 2, column 3 (byte 4): control character U+0009 must be escaped "
            "in a string");
  EXPECT_EQ(Error("[\"x\\ud800\"]"),
            "invalid JSON at line 1, column 4 (byte 3): unpaired surrogate in \\u escape (a high "
            "surrogate must be followed by a \\uDC00-\\uDFFF escape)");
  EXPECT_EQ(Error("[\"ab\xc3(\"]"),
            "invalid JSON at line 1, column 5 (byte 4): invalid UTF-8 in string");
  EXPECT_EQ(Error("[NaN]"),
            "invalid JSON at line 1, column 2 (byte 1): expected a value or ']', found 'N'");
  EXPECT_EQ(Error("[-Infinity]"),
            "invalid JSON at line 1, column 3 (byte 2): expected a digit after '-', found 'I'");
  EXPECT_EQ(
      Error("[1e400]"),
      "invalid JSON at line 1, column 2 (byte 1): number out of range (too large for a double)");
  EXPECT_EQ(
      Error("\r\n\r\n  tru"),
      "invalid JSON at line 3, column 3 (byte 6): invalid literal (expected true, false or null)");
  EXPECT_EQ(Error("[[[]]]", {.max_depth = 2}),
            "invalid JSON at line 1, column 3 (byte 2): nesting deeper than 2 levels");
}

TEST(ParseTest, DepthLimit) {
  EXPECT_TRUE(Parse(Nested(512)).ok());
  EXPECT_FALSE(Parse(Nested(513)).ok());
  EXPECT_TRUE(Parse("[[1]]", {.max_depth = 2}).ok());
  EXPECT_FALSE(Parse("[[1]]", {.max_depth = 1}).ok());
  EXPECT_TRUE(Parse("1", {.max_depth = 0}).ok());
  EXPECT_FALSE(Parse("[]", {.max_depth = 0}).ok());
  // The limit is clamped; very deep input is refused without exhausting the stack, by both parsers.
  const std::string deep = Nested(1'000'000);
  EXPECT_FALSE(Parse(deep, {.max_depth = UINT32_MAX}).ok());
  EXPECT_TRUE(Parse(Nested(kMaxParseDepth), {.max_depth = UINT32_MAX}).ok());
  EXPECT_FALSE(internal::ParseReference(deep, kMaxParseDepth).ok());
  const std::string unclosed(1'000'000, '[');
  EXPECT_FALSE(Parse(unclosed).ok());
}

TEST(ParseTest, LargeDocumentUsesOwnParser) {
  std::string text = "[";
  for (int i = 0; i < 300'000; ++i) text += std::to_string(i) + ",";
  text += "\"end\"]";
  ASSERT_GT(text.size(), size_t{1} << 20);
  auto v = Parse(text);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->items().size(), 300'001u);
  // And the reusable parser still works afterwards.
  EXPECT_EQ(Serialize(*Parse("[1]")), "[1]");
}

TEST(ParseTest, ThroughputSanityPrint) {
  // Not an assertion: prints MB/s for a ~1 KiB document parsed repeatedly.
  std::string doc =
      R"({"Name":"Rookery","Company":"companies/1-A","Address":{"Line1":"Main St. 1",)"
      R"("City":"Haifa","Country":"Israel","Location":{"Latitude":32.79,"Longitude":34.98}},)"
      R"("Tags":["a","b","c"],"Lines":[)";
  for (int i = 0; i < 8; ++i) {
    if (i) doc += ',';
    doc += R"({"Product":"products/)" + std::to_string(i) +
           R"(-A","ProductName":"Chai \"tea\"","PricePerUnit":18.5,"Quantity":)" +
           std::to_string(i * 3) + R"(,"Discount":0.15})";
  }
  doc += R"(],"@metadata":{"@collection":"Orders","Raven-Clr-Type":"Orders.Order"}})";
  ASSERT_TRUE(Parse(doc).ok());
#ifdef ROOKERY_SANITIZED
  constexpr int kIterations = 200;  // sanitizers make the number meaningless anyway
#else
  constexpr int kIterations = 20000;
#endif
  const auto start = std::chrono::steady_clock::now();
  size_t members = 0;
  for (int i = 0; i < kIterations; ++i) members += Parse(doc)->members().size();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("Parse throughput: %zu-byte document x %d: %.1f MB/s (%zu)\n", doc.size(),
              kIterations, doc.size() * double(kIterations) / seconds / 1e6, members);
}

}  // namespace
}  // namespace rookery::json

namespace rookery::json {
namespace {

TEST(ParseSelectedTest, OnlyTheNamedRootMembersAreConverted) {
  const std::vector<std::string_view> keys = {"Name", "Address"};
  ParseOptions options;
  options.only_root_keys = &keys;
  auto v =
      Parse(R"({"Name":"a","Pad":"xxxx","Address":{"City":"c"},"Name":"b","N":[1,2]})", options);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(Serialize(*v), R"({"Name":"b","Address":{"City":"c"}})");
  // The whole text is still validated.
  EXPECT_FALSE(Parse(R"({"Name":"a","Pad":[1,}")", options).ok());
  // A non-object root parses as usual.
  auto arr = Parse("[1,2]", options);
  ASSERT_TRUE(arr.ok());
  EXPECT_EQ(Serialize(*arr), "[1,2]");
}

}  // namespace
}  // namespace rookery::json
