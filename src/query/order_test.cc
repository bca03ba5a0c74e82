// `order by`: per-type comparison, alphanumeric order, multi-key and random ordering.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "query/ast_test_util.h"
#include "query/eval.h"

namespace rookery::query {
namespace {

using namespace rookery::query::testing;  // NOLINT: test builders

int Cmp(std::string_view a, std::string_view b, OrderType type) {
  const json::Value va = J(a);
  const json::Value vb = J(b);
  return CompareForOrder(&va, &vb, type);
}

TEST(OrderTest, DefaultAndStringCompareTextIgnoringCase) {
  for (OrderType type : {OrderType::kDefault, OrderType::kString}) {
    EXPECT_LT(Cmp(R"("apple")", R"("Banana")", type), 0);
    EXPECT_EQ(Cmp(R"("ABC")", R"("abc")", type), 0);
    EXPECT_GT(Cmp(R"("b")", R"("A")", type), 0);
    EXPECT_LT(Cmp(R"("Ärger")", R"("ästhetik")", type), 0);
    EXPECT_LT(Cmp("10", "9", type), 0);  // numbers by their text: lexicographical
    EXPECT_LT(Cmp("10", R"("9")", type), 0);
    EXPECT_LT(Cmp(R"("2020-01-01T00:00:00.0000000Z")", R"("2021-01-01T00:00:00.0000000Z")", type),
              0);
  }
}

TEST(OrderTest, MissingAndNullSortFirst) {
  const json::Value null_value;
  const json::Value empty = J(R"("")");
  const json::Value number = J("-5");
  for (OrderType type : {OrderType::kDefault, OrderType::kString, OrderType::kLong,
                         OrderType::kDouble, OrderType::kAlphaNumeric}) {
    EXPECT_EQ(CompareForOrder(nullptr, nullptr, type), 0);
    EXPECT_EQ(CompareForOrder(nullptr, &null_value, type), 0);
    EXPECT_LT(CompareForOrder(nullptr, &empty, type), 0);
    EXPECT_LT(CompareForOrder(&null_value, &empty, type), 0);
    EXPECT_GT(CompareForOrder(&number, nullptr, type), 0);
  }
}

TEST(OrderTest, LongAndDoubleCompareNumerically) {
  EXPECT_LT(Cmp("9", "10", OrderType::kLong), 0);
  EXPECT_LT(Cmp("-3", "2", OrderType::kDouble), 0);
  EXPECT_LT(Cmp("9", R"("10")", OrderType::kLong), 0);  // numeric strings count
  EXPECT_LT(Cmp(R"("2.5")", "3", OrderType::kDouble), 0);
  EXPECT_EQ(Cmp("2.2", "2.7", OrderType::kLong), 0);  // long truncates
  EXPECT_LT(Cmp("2.2", "2.7", OrderType::kDouble), 0);
  EXPECT_EQ(Cmp("-2.7", "-2", OrderType::kLong), 0);
  EXPECT_LT(Cmp("18446744073709551614", "18446744073709551615", OrderType::kLong), 0);
  EXPECT_LT(Cmp("-1", "18446744073709551615", OrderType::kLong), 0);
  EXPECT_LT(Cmp("9007199254740992", "9007199254740993", OrderType::kDouble), 0);
  // Values without a number sort after null and before every number.
  EXPECT_LT(Cmp(R"("abc")", "-1000", OrderType::kLong), 0);
  EXPECT_LT(Cmp(R"(" 5")", "1", OrderType::kLong), 0);  // not a number: leading space
  EXPECT_LT(Cmp(R"("5x")", "1", OrderType::kDouble), 0);
  EXPECT_LT(Cmp("true", "1", OrderType::kDouble), 0);
  EXPECT_LT(Cmp(R"("abc")", R"("ABD")", OrderType::kLong), 0);
  const json::Value text = J(R"("abc")");
  EXPECT_GT(CompareForOrder(&text, nullptr, OrderType::kLong), 0);
}

TEST(OrderTest, AlphaNumeric) {
  EXPECT_LT(CompareAlphaNumeric("file2", "file10"), 0);
  EXPECT_GT(CompareAlphaNumeric("file10", "file2"), 0);
  EXPECT_LT(CompareAlphaNumeric("file10", "File11"), 0);
  EXPECT_LT(CompareAlphaNumeric("File11", "fileA"), 0);   // a digit run before text
  EXPECT_EQ(CompareAlphaNumeric("FILE7", "file007"), 0);  // leading zeros ignored
  EXPECT_LT(CompareAlphaNumeric("a", "ab"), 0);
  EXPECT_LT(CompareAlphaNumeric("1", "a"), 0);
  EXPECT_LT(CompareAlphaNumeric("x9y", "x10a"), 0);
  EXPECT_LT(CompareAlphaNumeric("v1.2", "v1.10"), 0);
  EXPECT_LT(CompareAlphaNumeric("99999999999999999999999", "100000000000000000000000"), 0);
  EXPECT_LT(CompareAlphaNumeric("Ωmega2", "ωMEGA10"), 0);
  EXPECT_EQ(CompareAlphaNumeric("", ""), 0);
  EXPECT_LT(CompareAlphaNumeric("", "a"), 0);
  std::vector<std::string> names = {"file10", "File1", "file2", "file1b", "fileA", "file02"};
  std::stable_sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return CompareAlphaNumeric(a, b) < 0;
  });
  EXPECT_EQ(names,
            (std::vector<std::string>{"File1", "file1b", "file2", "file02", "file10", "fileA"}));
  EXPECT_LT(Cmp(R"("file2")", R"("file10")", OrderType::kAlphaNumeric), 0);
  EXPECT_LT(Cmp("9", "10", OrderType::kAlphaNumeric), 0);
}

TEST(OrderTest, FirstValueFlattensArrays) {
  const json::Value doc = J(R"({"Tags":[[],["b","a"]],"Empty":[],"N":null})");
  DocumentFieldSource source(doc, "d/1");
  std::vector<const json::Value*> holder;
  const json::Value* tag = FirstValue(source, F("Tags"), &holder);
  ASSERT_NE(tag, nullptr);
  EXPECT_EQ(tag->as_string(), "b");
  EXPECT_EQ(FirstValue(source, F("Empty"), &holder), nullptr);
  EXPECT_EQ(FirstValue(source, F("Missing"), &holder), nullptr);
  ASSERT_NE(FirstValue(source, F("N"), &holder), nullptr);
  EXPECT_EQ(FirstValue(source, Id(), &holder)->as_string(), "d/1");
}

// Documents with ids, ordered by OrderResults; returns the ids in result order.
class OrderResultsTest : public ::testing::Test {
 protected:
  void Add(std::string id, std::string_view doc) {
    docs_.push_back(std::make_unique<json::Value>(J(doc)));
    sources_.push_back(std::make_unique<DocumentFieldSource>(*docs_.back(), id));
  }
  std::vector<std::string> Ids(const std::vector<OrderBy>& order_by,
                               std::string_view params = "null", uint64_t unseeded = 7) {
    std::vector<const FieldSource*> sources;
    for (const auto& s : sources_) sources.push_back(s.get());
    Result<std::vector<size_t>> perm = OrderResults(order_by, sources, J(params), unseeded);
    EXPECT_TRUE(perm.ok()) << perm.status().ToString();
    std::vector<std::string> ids;
    if (!perm.ok()) return ids;
    std::vector<const json::Value*> holder;
    for (size_t i : *perm) ids.push_back(FirstValue(*sources[i], Id(), &holder)->as_string());
    return ids;
  }
  std::vector<std::unique_ptr<json::Value>> docs_;
  std::vector<std::unique_ptr<DocumentFieldSource>> sources_;
};

using IdList = std::vector<std::string>;

TEST_F(OrderResultsTest, SingleKeyAscendingAndDescending) {
  Add("a", R"({"Age":30})");
  Add("b", R"({"Age":4})");
  Add("c", R"({})");
  Add("d", R"({"Age":null})");
  Add("e", R"({"Age":100})");
  EXPECT_EQ(Ids({Order(F("Age"), OrderType::kLong)}), (IdList{"c", "d", "b", "a", "e"}));
  EXPECT_EQ(Ids({Order(F("Age"), OrderType::kLong, true)}), (IdList{"e", "a", "b", "c", "d"}));
  // Default order is lexicographical on the text: "100" < "30" < "4".
  EXPECT_EQ(Ids({Order(F("Age"))}), (IdList{"c", "d", "e", "a", "b"}));
}

TEST_F(OrderResultsTest, MultiKeyBreaksTiesAndIsStable) {
  Add("u1", R"({"Last":"Smith","First":"Zed","Age":1})");
  Add("u2", R"({"Last":"adams","First":"Bob","Age":2})");
  Add("u3", R"({"Last":"SMITH","First":"anna","Age":3})");
  Add("u4", R"({"Last":"Adams","First":"bob","Age":4})");
  Add("u5", R"({"Last":"smith","First":"Anna","Age":5})");
  EXPECT_EQ(Ids({Order(F("Last")), Order(F("First"))}), (IdList{"u2", "u4", "u3", "u5", "u1"}));
  EXPECT_EQ(Ids({Order(F("Last")), Order(F("Age"), OrderType::kLong, true)}),
            (IdList{"u4", "u2", "u5", "u3", "u1"}));
  EXPECT_EQ(Ids({Order(F("Last"), OrderType::kString, true), Order(F("First"))}),
            (IdList{"u3", "u5", "u1", "u2", "u4"}));
  EXPECT_EQ(Ids({}), (IdList{"u1", "u2", "u3", "u4", "u5"}));  // no keys: input order
}

TEST_F(OrderResultsTest, AlphaNumericAndIdOrder) {
  Add("files/3", R"({"Name":"file10"})");
  Add("files/1", R"({"Name":"file2"})");
  Add("files/2", R"({"Name":"File1"})");
  EXPECT_EQ(Ids({Order(F("Name"), OrderType::kAlphaNumeric)}),
            (IdList{"files/2", "files/1", "files/3"}));
  EXPECT_EQ(Ids({Order(F("Name"))}), (IdList{"files/2", "files/3", "files/1"}));
  EXPECT_EQ(Ids({Order(Id(), OrderType::kDefault, true)}),
            (IdList{"files/3", "files/2", "files/1"}));
}

TEST_F(OrderResultsTest, RandomIsDeterministicPerSeed) {
  for (int i = 0; i < 20; ++i) Add("docs/" + std::to_string(i), R"({"G":1})");
  const IdList seeded = Ids({Random(S("abc"))});
  EXPECT_EQ(Ids({Random(S("abc"))}, "null", 99), seeded);  // the seed decides, not Env
  EXPECT_EQ(Ids({Random(P("s"))}, R"({"s":"abc"})"), seeded);
  EXPECT_NE(Ids({Random(S("other"))}), seeded);
  IdList sorted = seeded;
  std::sort(sorted.begin(), sorted.end());
  IdList all;
  for (int i = 0; i < 20; ++i) all.push_back("docs/" + std::to_string(i));
  std::sort(all.begin(), all.end());
  EXPECT_EQ(sorted, all);      // a permutation of every document
  EXPECT_NE(seeded, Ids({}));  // and not the input order
  // Independent of the scan order.
  std::reverse(sources_.begin(), sources_.end());
  EXPECT_EQ(Ids({Random(S("abc"))}), seeded);
  // Unseeded: the caller's randomness; the same value gives the same order.
  EXPECT_EQ(Ids({Random()}, "null", 5), Ids({Random()}, "null", 5));
  EXPECT_NE(Ids({Random()}, "null", 5), Ids({Random()}, "null", 6));
  // A random key after a field key only breaks ties.
  const IdList tie_break = Ids({Order(F("G")), Random(S("abc"))});
  EXPECT_EQ(tie_break, seeded);
}

TEST_F(OrderResultsTest, MissingSeedParameterIsAnError) {
  Add("a", "{}");
  std::vector<const FieldSource*> sources = {sources_[0].get()};
  Result<std::vector<size_t>> perm = OrderResults({Random(P("seed"))}, sources, J("{}"), 1);
  ASSERT_FALSE(perm.ok());
  EXPECT_EQ(perm.status().message(), "Parameter '$seed' is not defined in QueryParameters");
}

}  // namespace
}  // namespace rookery::query
