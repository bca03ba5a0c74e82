#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "json/value.h"

namespace rookery::json {
namespace {

// The serialized values CollectPath finds, joined by spaces.
std::string Collect(std::string_view doc, std::string_view path) {
  auto v = Parse(doc);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  std::vector<const Value*> found;
  CollectPath(*v, path, &found);
  std::string out;
  for (const Value* f : found) {
    if (!out.empty()) out += ' ';
    out += Serialize(*f);
  }
  return out;
}

TEST(PathTest, NestedObjects) {
  const char* doc = R"({"Name":"n","Address":{"City":"Haifa","Geo":{"Lat":1.5}}})";
  EXPECT_EQ(Collect(doc, "Name"), R"("n")");
  EXPECT_EQ(Collect(doc, "Address.City"), R"("Haifa")");
  EXPECT_EQ(Collect(doc, "Address.Geo.Lat"), "1.5");
  EXPECT_EQ(Collect(doc, "Address"), R"({"City":"Haifa","Geo":{"Lat":1.5}})");
  EXPECT_EQ(Collect(doc, ""), doc);
}

TEST(PathTest, MissingFindsNothing) {
  const char* doc = R"({"Address":{"City":"Haifa"},"N":null,"S":"str"})";
  EXPECT_EQ(Collect(doc, "Missing"), "");
  EXPECT_EQ(Collect(doc, "Address.Zip"), "");
  EXPECT_EQ(Collect(doc, "Address.City.Deeper"), "");
  EXPECT_EQ(Collect(doc, "S.x"), "");
  EXPECT_EQ(Collect(doc, "N"), "null");  // present null is found
  EXPECT_EQ(Collect(doc, "N.x"), "");
}

TEST(PathTest, ArrayFanOut) {
  const char* doc =
      R"({"Lines":[{"Product":"p1","Qty":1},{"Product":"p2"},{"Qty":3},5],"Tags":["a","b"]})";
  EXPECT_EQ(Collect(doc, "Lines[].Product"), R"("p1" "p2")");
  EXPECT_EQ(Collect(doc, "Lines.Product"), R"("p1" "p2")");  // plain name on an array
  EXPECT_EQ(Collect(doc, "Lines[].Qty"), "1 3");
  EXPECT_EQ(Collect(doc, "Tags[]"), R"("a" "b")");
  EXPECT_EQ(Collect(doc, "Tags"), R"(["a","b"])");
  EXPECT_EQ(Collect(doc, "Lines[].Missing"), "");
}

TEST(PathTest, NestedArrays) {
  const char* doc = R"({"M":[[1,2],[3,[4]]],"O":[[{"x":1}],[{"x":2},{"x":3}]]})";
  EXPECT_EQ(Collect(doc, "M[]"), "[1,2] [3,[4]]");
  EXPECT_EQ(Collect(doc, "M[][]"), "1 2 3 [4]");
  EXPECT_EQ(Collect(doc, "M[][][]"), "1 2 3 4");  // [] on a non-array: the value itself
  EXPECT_EQ(Collect(doc, "O[][].x"), "1 2 3");
  EXPECT_EQ(Collect(doc, "O.x"), "1 2 3");
  EXPECT_EQ(Collect(doc, "O[].x"), "1 2 3");
}

TEST(PathTest, RootArrayAndBareBrackets) {
  EXPECT_EQ(Collect(R"([{"a":1},{"a":2}])", "a"), "1 2");
  EXPECT_EQ(Collect(R"([[1,2],3])", "[]"), "[1,2] 3");
  EXPECT_EQ(Collect(R"({"T":[1,2]})", "T.[]"), "1 2");
}

TEST(PathTest, PointersIntoRoot) {
  auto v = Parse(R"({"a":{"b":7}})");
  ASSERT_TRUE(v.ok());
  std::vector<const Value*> found;
  CollectPath(*v, "a.b", &found);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0], v->Find("a")->Find("b"));
}

}  // namespace
}  // namespace rookery::json
