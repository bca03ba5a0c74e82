// Values across the JavaScript boundary, both bridges (JSON text and C++-built objects): numbers
// (integers beyond 2^53 as RavenDB does), strings, dates, null / undefined / missing, nesting.
#include <gtest/gtest.h>

#include "js/js_test_util.h"
#include "js/v8_program.h"

namespace rookery::js {
namespace {

// Maps one document through the identity-ish map `body` with both bridges; both must agree.
class Bridge : public ::testing::Test {
 protected:
  json::Value Map(const std::string& body, const std::string& doc) {
    auto program = MustCompile(runtime_.get(), {{"map('C', d => " + body + ")"}, ""});
    if (program == nullptr) return {};
    Result<MapOutput> text = program->RunMap({"C", "c/1", doc}, nullptr);
    EXPECT_TRUE(text.ok()) << text.status().ToString();
    auto* v8_program = static_cast<internal::V8IndexProgram*>(program.get());
    Result<MapOutput> objects = v8_program->RunMapObjects("C", J(doc));
    EXPECT_TRUE(objects.ok()) << objects.status().ToString();
    if (!text.ok() || !objects.ok()) return {};
    EXPECT_EQ(text->entries.size(), 1u) << body;
    if (text->entries.size() != 1) return {};
    EXPECT_EQ(objects->entries, text->entries)
        << "object bridge: " << json::Serialize(json::Value::Array(objects->entries))
        << "\ntext bridge: " << json::Serialize(json::Value::Array(text->entries));
    return text->entries[0];
  }

  std::unique_ptr<Runtime> runtime_ = MakeRuntime();
};

TEST_F(Bridge, NestedValuesRoundTrip) {
  const std::string doc =
      R"({"s":"text","t":true,"f":false,"n":null,"i":-42,"d":2.5,"e":1e-7,)"
      R"("a":[1,[2,[3,[]]],{"k":[{}]}],"o":{"p":{"q":{"r":"deep"}}},"empty":{}})";
  EXPECT_EQ(Map("d", doc), J(doc));
}

TEST_F(Bridge, IntegersBeyond2To53AreRoundedAsInRavenDB) {
  // RavenDB hands a long to JavaScript as a double: 2^53 + 1 reads back as 2^53. Exactly
  // representable integers stay exact and come back as integers.
  const json::Value out =
      Map("({ big: d.big, max: d.max, neg: d.neg, safe: d.safe, "
          "isExact: d.big === 9007199254740993, "
          "sum: d.safe + 1, frac: d.big / 2 + 0.5 })",
          R"({"big":9007199254740993,"max":9223372036854775807,)"
          R"("neg":-9007199254740993,"safe":9007199254740991})");
  EXPECT_EQ(*out.Find("big"), json::Value::Int(9007199254740992));
  EXPECT_EQ(*out.Find("neg"), json::Value::Int(-9007199254740992));
  EXPECT_EQ(*out.Find("safe"), json::Value::Int(9007199254740991));
  EXPECT_EQ(*out.Find("sum"), json::Value::Int(9007199254740992));
  // INT64_MAX rounds to 2^63, outside int64: a double.
  EXPECT_EQ(*out.Find("max"), json::Value::Double(9223372036854775808.0));
  EXPECT_EQ(*out.Find("isExact"), json::Value::Bool(true));  // JS sees the rounded value
  EXPECT_EQ(*out.Find("frac"), json::Value::Int(4503599627370496));
}

TEST_F(Bridge, LargeIntegralNumbersKeepTheirExactValue) {
  // JSON.stringify prints 2^62 as 4611686018427388000 (shortest form); the result must still be
  // the number JavaScript held, 4611686018427387904, as RavenDB's (long)d writes it.
  const json::Value out =
      Map("({ p62: 2 ** 62, n62: -(2 ** 62), p60: 2 ** 60 + 2 ** 10, "
          "p64: 2 ** 64, big: 1e21 })",
          "{}");
  EXPECT_EQ(*out.Find("p62"), json::Value::Int(int64_t{1} << 62));
  EXPECT_EQ(*out.Find("n62"), json::Value::Int(-(int64_t{1} << 62)));
  EXPECT_EQ(*out.Find("p60"), json::Value::Int((int64_t{1} << 60) + 1024));
  EXPECT_EQ(*out.Find("p64"), json::Value::Double(18446744073709551616.0));
  EXPECT_EQ(*out.Find("big"), json::Value::Double(1e21));
}

TEST_F(Bridge, DoublesAndIntegralDoubles) {
  const json::Value out =
      Map("({ half: d.x / 2, third: 1 / 3, whole: d.y * 2, negZero: -0, tiny: 5e-324, "
          "huge: 1e300, nan: NaN, inf: Infinity })",
          R"({"x":3,"y":1.5})");
  EXPECT_EQ(*out.Find("half"), json::Value::Double(1.5));
  EXPECT_EQ(*out.Find("third"), json::Value::Double(1.0 / 3));
  EXPECT_EQ(*out.Find("whole"), json::Value::Int(3));  // integral: an integer, as RavenDB
  EXPECT_EQ(*out.Find("negZero"), json::Value::Int(0));
  EXPECT_EQ(*out.Find("tiny"), json::Value::Double(5e-324));
  EXPECT_EQ(*out.Find("huge"), json::Value::Double(1e300));
  EXPECT_EQ(*out.Find("nan"), json::Value::Null());  // no JSON form
  EXPECT_EQ(*out.Find("inf"), json::Value::Null());
}

TEST_F(Bridge, UnicodeStrings) {
  const std::string doc = R"({"s":"h\u00e9llo \u4e16\u754c \ud83d\ude00 \"q\" \\ \n\t\u0001"})";
  const json::Value out =
      Map("({ s: d.s, len: d.s.length, up: d.s.toUpperCase(), "
          "emoji: String.fromCodePoint(0x1F600), cut: d.s.slice(0, 5) })",
          doc);
  EXPECT_EQ(*out.Find("s"), *J(doc).Find("s"));
  EXPECT_EQ(*out.Find("len"), json::Value::Int(21));  // UTF-16 code units: the emoji counts 2
  EXPECT_EQ(*out.Find("up"), json::Value::String("HÉLLO 世界 😀 \"Q\" \\ \n\t\x01"));
  EXPECT_EQ(*out.Find("emoji"), json::Value::String("😀"));
  EXPECT_EQ(*out.Find("cut"), json::Value::String("héllo"));
}

TEST_F(Bridge, DatesBecomeIsoStringsWithSevenDigits) {
  const json::Value out =
      Map("({ parsed: new Date(d.when), built: new Date(Date.UTC(2024, 1, 29, 23, 59, 58, 7)), "
          "ms: new Date(d.when).getTime(), bad: new Date('not a date'), inArray: [new Date(0)], "
          "kept: d.when })",
          R"({"when":"2024-05-01T10:20:30.1234567Z"})");
  EXPECT_EQ(*out.Find("parsed"), json::Value::String("2024-05-01T10:20:30.1230000Z"));
  EXPECT_EQ(*out.Find("built"), json::Value::String("2024-02-29T23:59:58.0070000Z"));
  EXPECT_EQ(*out.Find("ms"), json::Value::Int(1714558830123));
  EXPECT_EQ(*out.Find("bad"), json::Value::Null());
  EXPECT_EQ(*out.Find("inArray"), J(R"(["1970-01-01T00:00:00.0000000Z"])"));
  EXPECT_EQ(*out.Find("kept"), json::Value::String("2024-05-01T10:20:30.1234567Z"));
}

TEST_F(Bridge, NullUndefinedAndMissing) {
  // null is kept; undefined (explicit, or a missing field) is omitted from objects and null in
  // arrays, as JSON.stringify does. (RavenDB writes null for undefined: docs/design/js.md.)
  const json::Value out =
      Map("({ n: d.n, missing: d.nothing, undef: undefined, fn: () => 1, sym: Symbol('s'), "
          "arr: [d.n, d.nothing, undefined, 1], isNull: d.n === null, "
          "isUndef: d.nothing === undefined, has: 'n' in d, hasNot: 'nothing' in d })",
          R"({"n":null})");
  EXPECT_EQ(out, J(R"({"n":null,"arr":[null,null,null,1],"isNull":true,"isUndef":true,)"
                   R"("has":true,"hasNot":false})"));
}

TEST(BridgeErrors, CycleIsAnErrorNotACrash) {
  auto runtime = MakeRuntime();
  auto program =
      MustCompile(runtime.get(), {{"map('C', d => { const o = {}; o.o = o; return o; })"}, ""});
  ASSERT_NE(program, nullptr);
  Result<MapOutput> out = program->RunMap({"C", "c/1", "{}"}, nullptr);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().ToString().find("circular"), std::string::npos) << out.status().ToString();
  auto* v8_program = static_cast<internal::V8IndexProgram*>(program.get());
  EXPECT_FALSE(v8_program->RunMapObjects("C", J("{}")).ok());
}

}  // namespace
}  // namespace rookery::js
