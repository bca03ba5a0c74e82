#include "json/dom.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "json/value.h"

namespace rookery::json {
namespace {

// What json::Serialize(json::Parse(text)) gives; the Dom must write the same bytes.
std::string ViaValue(std::string_view text) {
  auto v = Parse(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  return v.ok() ? Serialize(*v) : std::string();
}

std::string ViaDom(std::string_view text) {
  Dom dom;
  EXPECT_TRUE(dom.Parse(text)) << text;
  std::string out;
  dom.root().SerializeTo(&out);
  return out;
}

TEST(DomTest, SerializesExactlyAsParseThenSerialize) {
  const std::vector<std::string> texts = {
      "null",
      "true",
      " [ 1 , -2 , 18446744073709551615 , 9223372036854775807 , -9223372036854775808 ] ",
      R"([1.0, 1e3, -0.0, 0.1, 2.5e-300, 1E+2, 123456789012345678901234.5])",
      R"({"a":"x\"y\\z\n\t\u0001\u00e9\ud83d\ude00","b":{"c":[{},[],""]}})",
      R"({"Company":"companies/1-A","Freight":12.30,"Lines":[{"Quantity":3,"Discount":0.05}],)"
      R"("@metadata":{"@collection":"Orders","Raven-Node-Type":null}})",
      "\"\xc3\xa9t\xc3\xa9\"",
  };
  for (const std::string& text : texts) {
    EXPECT_EQ(ViaDom(text), ViaValue(text)) << text;
  }
}

TEST(DomTest, ReadsMembersItemsAndStrings) {
  Dom dom;
  ASSERT_TRUE(dom.Parse(R"({"Type":"PUT","Id":"a\/b","N":null,"L":[1,"x",{}],"O":{"k":true}})"));
  const Node root = dom.root();
  EXPECT_TRUE(root.is_object());
  ASSERT_TRUE(root.Find("Id").has_value());
  EXPECT_EQ(root.Find("Id")->as_string(), "a/b");  // unescaped
  EXPECT_TRUE(root.Find("N")->is_null());
  EXPECT_FALSE(root.Find("missing").has_value());
  EXPECT_FALSE(root.Find("L")->Find("x").has_value());  // not an object
  EXPECT_EQ(root.Find("O")->Find("k")->type(), Type::kBool);
  EXPECT_EQ(root.Find("Type")->as_string(), "PUT");
  EXPECT_EQ(root.Find("L")->as_string(), "");  // not a string

  std::vector<std::string> keys;
  root.ForEachMember([&](std::string_view key, Node) { keys.emplace_back(key); });
  EXPECT_EQ(keys, (std::vector<std::string>{"Type", "Id", "N", "L", "O"}));
  std::vector<Type> types;
  root.Find("L")->ForEachItem([&](Node item) { types.push_back(item.type()); });
  EXPECT_EQ(types, (std::vector<Type>{Type::kInt, Type::kString, Type::kObject}));
  std::string out;
  root.Find("L")->SerializeTo(&out);
  EXPECT_EQ(out, R"([1,"x",{}])");
}

TEST(DomTest, RefusesWhatNeedsTheGeneralParser) {
  Dom dom;
  EXPECT_FALSE(dom.Parse(R"({"a":1,"a":2})"));                // duplicate key: last wins in Parse
  EXPECT_FALSE(dom.Parse(R"([{"x":{"b":1,"c":2,"b":3}}])"));  // nested duplicate
  EXPECT_FALSE(dom.Parse("[184467440737095516150]"));         // beyond uint64: a double in Parse
  EXPECT_FALSE(dom.Parse("{\"a\":"));                         // malformed
  EXPECT_FALSE(dom.Parse(""));
  EXPECT_FALSE(dom.Parse("[[[1]]]", /*max_depth=*/2));
  EXPECT_TRUE(dom.Parse("[[[1]]]", /*max_depth=*/3));
  // A large object's duplicates are found too (sorted, not pairwise).
  std::string big = "{";
  for (int i = 0; i < 40; ++i) big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  EXPECT_TRUE(dom.Parse(big + "\"last\":0}"));
  EXPECT_FALSE(dom.Parse(big + "\"k7\":0}"));
}

TEST(DomTest, ReparseAndMoveKeepTheRightText) {
  Dom a;
  ASSERT_TRUE(a.Parse(R"({"v":1})"));
  ASSERT_TRUE(a.Parse(R"({"v":2})"));
  Dom b = std::move(a);
  std::string out;
  b.root().SerializeTo(&out);
  EXPECT_EQ(out, R"({"v":2})");
  // Parsers go back to the pool and come out again: many Doms in turn stay correct.
  for (int i = 0; i < 10; ++i) {
    Dom d;
    const std::string text = "[" + std::to_string(i) + "]";
    ASSERT_TRUE(d.Parse(text));
    std::string s;
    d.root().SerializeTo(&s);
    EXPECT_EQ(s, text);
  }
}

}  // namespace
}  // namespace rookery::json
