// Projections (select lists) and distinct keys.
#include <gtest/gtest.h>

#include <set>

#include "query/ast_test_util.h"
#include "query/eval.h"

namespace rookery::query {
namespace {

using namespace rookery::query::testing;  // NOLINT: test builders

Query SelectQuery(std::initializer_list<Projection> projections) {
  Query query;
  query.has_select = true;
  query.select.assign(projections.begin(), projections.end());
  return query;
}

// Serialized projection of `doc` (id "orders/1-A", collection "Orders").
std::string ProjectJson(const Query& query, const FieldSource& source,
                        std::string_view collection = "Orders") {
  Result<json::Value> result = Project(query, source, "orders/1-A", collection);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? json::Serialize(*result) : "";
}

std::string ProjectJson(const Query& query, std::string_view doc_json,
                        std::string_view collection = "Orders") {
  const json::Value doc = J(doc_json);
  DocumentFieldSource source(doc, "orders/1-A");
  return ProjectJson(query, source, collection);
}

constexpr char kOrder[] = R"({"Company":"companies/1","Freight":3.5,
  "ShipTo":{"City":"Haifa","Zip":null},
  "Lines":[{"Product":"products/1","Qty":2},{"Product":"products/2","Qty":1}],
  "Tags":["a","b"],
  "@metadata":{"@collection":"Orders","@nested-object-types":{"ShipTo":"Address"}}})";

constexpr char kMeta[] =
    R"("@metadata":{"@projection":true,"@id":"orders/1-A","@collection":"Orders"})";

TEST(ProjectTest, FieldsAndAliases) {
  EXPECT_EQ(ProjectJson(SelectQuery({Select(F("Company")), Select(F("Freight"), "F")}), kOrder),
            std::string(R"({"Company":"companies/1","F":3.5,)") + kMeta + "}");
}

TEST(ProjectTest, NestedPathKeepsItsDottedName) {
  EXPECT_EQ(ProjectJson(SelectQuery({Select(F("ShipTo.City")), Select(F("ShipTo.City"), "City"),
                                     Select(F("ShipTo"))}),
                        kOrder),
            std::string(R"({"ShipTo.City":"Haifa","City":"Haifa",)") +
                R"("ShipTo":{"City":"Haifa","Zip":null},)" + kMeta + "}");
}

TEST(ProjectTest, ArraysAndArrayPaths) {
  EXPECT_EQ(ProjectJson(SelectQuery({Select(F("Lines[].Product")), Select(F("Tags")),
                                     Select(F("Lines.Qty"), "Q"), Select(F("Tags[]"), "T")}),
                        kOrder),
            std::string(R"({"Lines[].Product":["products/1","products/2"],"Tags":["a","b"],)") +
                R"("Q":[2,1],"T":["a","b"],)" + kMeta + "}");
  // A "[]" path stays a list with one element, and with none.
  EXPECT_EQ(ProjectJson(SelectQuery({Select(F("Lines[].Product"), "P")}),
                        R"({"Lines":[{"Product":"p/1"}]})", ""),
            R"({"P":["p/1"],"@metadata":{"@projection":true,"@id":"orders/1-A"}})");
  EXPECT_EQ(ProjectJson(SelectQuery({Select(F("Lines[].Product"), "P")}), R"({"Lines":[]})", ""),
            R"({"P":[],"@metadata":{"@projection":true,"@id":"orders/1-A"}})");
  // A plain path through an array with one element gives the value itself.
  EXPECT_EQ(ProjectJson(SelectQuery({Select(F("Lines.Product"), "P")}),
                        R"({"Lines":[{"Product":"p/1"}]})", ""),
            R"({"P":"p/1","@metadata":{"@projection":true,"@id":"orders/1-A"}})");
}

TEST(ProjectTest, MissingFieldsAreNull) {
  EXPECT_EQ(
      ProjectJson(SelectQuery({Select(F("Nope")), Select(F("ShipTo.Zip")),
                               Select(F("Missing[].X"), "M"), Select(F("ShipTo.A.B"))}),
                  kOrder),
      std::string(R"({"Nope":null,"ShipTo.Zip":null,"M":null,"ShipTo.A.B":null,)") + kMeta + "}");
}

TEST(ProjectTest, IdProjection) {
  EXPECT_EQ(ProjectJson(SelectQuery({Select(Id()), Select(Id(), "OrderId")}), kOrder),
            std::string(R"x({"id()":"orders/1-A","OrderId":"orders/1-A",)x") + kMeta + "}");
}

TEST(ProjectTest, NestedObjectTypesForTheNodeClient) {
  EXPECT_EQ(
      ProjectJson(SelectQuery({Select(F("Freight")), Select(F("@metadata.@nested-object-types"),
                                                            "__PROJECTED_NESTED_OBJECT_TYPES__")}),
                  kOrder),
      std::string(R"({"Freight":3.5,"__PROJECTED_NESTED_OBJECT_TYPES__":{"ShipTo":"Address"},)") +
          kMeta + "}");
  EXPECT_EQ(
      ProjectJson(SelectQuery({Select(F("@metadata.@nested-object-types"),
                                      "__PROJECTED_NESTED_OBJECT_TYPES__")}),
                  R"({"A":1})", ""),
      R"({"__PROJECTED_NESTED_OBJECT_TYPES__":null,"@metadata":{"@projection":true,"@id":"orders/1-A"}})");
}

TEST(ProjectTest, LoadAliasFieldsAndEmbedding) {
  const json::Value order = J(kOrder);
  const json::Value company = J(
      R"({"Name":"Acme","Phone":"555","@metadata":{"@id":"companies/1","@collection":"Companies"}})");
  DocumentFieldSource source(order, "orders/1-A");
  source.AddLoaded("c", &company);
  // A field of the loaded document is named without the alias.
  EXPECT_EQ(ProjectJson(SelectQuery({Select(F("Name", "c")), Select(F("Phone", "c"), "Tel"),
                                     Select(Id("c"), "CompanyId"), Select(F("Freight"))}),
                        source),
            std::string(R"({"Name":"Acme","Tel":"555","CompanyId":"companies/1","Freight":3.5,)") +
                kMeta + "}");
  // `select c, Freight`: the whole loaded document under the alias.
  EXPECT_EQ(ProjectJson(SelectQuery({Select(F("", "c")), Select(F("Freight"))}), source),
            std::string(R"({"c":{"Name":"Acme","Phone":"555","@metadata":{"@id":"companies/1",)") +
                R"("@collection":"Companies"}},"Freight":3.5,)" + kMeta + "}");
  // `select c` alone: the loaded document is the result.
  EXPECT_EQ(
      ProjectJson(SelectQuery({Select(F("", "c"))}), source, ""),
      R"({"Name":"Acme","Phone":"555","@metadata":{"@projection":true,"@id":"companies/1"}})");
  // `select c as company` alone is an ordinary member.
  EXPECT_EQ(
      ProjectJson(SelectQuery({Select(F("Name", "c"), "n"), Select(F("", "c"), "company")}), source,
                  ""),
      R"({"n":"Acme","company":{"Name":"Acme","Phone":"555","@metadata":{"@id":"companies/1",)"
      R"("@collection":"Companies"}},"@metadata":{"@projection":true,"@id":"orders/1-A"}})");
}

TEST(ProjectTest, MissingLoadTarget) {
  const json::Value order = J(kOrder);
  DocumentFieldSource source(order, "orders/1-A");
  source.AddLoaded("c", nullptr);
  EXPECT_EQ(
      ProjectJson(SelectQuery({Select(F("Name", "c")), Select(F("", "c"), "co")}), source, ""),
      R"({"Name":null,"co":null,"@metadata":{"@projection":true,"@id":"orders/1-A"}})");
}

TEST(ProjectTest, SeveralLoadedDocumentsGiveAnArray) {
  const json::Value order = J(kOrder);
  const json::Value p1 = J(R"({"Name":"Chai"})");
  const json::Value p2 = J(R"({"Name":"Tofu"})");
  DocumentFieldSource source(order, "orders/1-A");
  source.AddLoaded("p", &p1);
  source.AddLoaded("p", &p2);
  EXPECT_EQ(ProjectJson(SelectQuery({Select(F("Name", "p"), "Products")}), source, ""),
            R"({"Products":["Chai","Tofu"],"@metadata":{"@projection":true,"@id":"orders/1-A"}})");
}

TEST(ProjectTest, ProjectionNames) {
  EXPECT_EQ(ProjectionName(Select(F("A.B"))), "A.B");
  EXPECT_EQ(ProjectionName(Select(F("A.B"), "x")), "x");
  EXPECT_EQ(ProjectionName(Select(F("Name", "c"))), "Name");
  EXPECT_EQ(ProjectionName(Select(F("", "c"))), "c");
  EXPECT_EQ(ProjectionName(Select(Id())), "id()");
}

TEST(ProjectTest, GroupByProjectionsAreRefused) {
  Query query = SelectQuery({Select(F("Name"))});
  Projection count;
  count.kind = Projection::Kind::kCount;
  query.select.push_back(count);
  const json::Value doc = J("{}");
  DocumentFieldSource source(doc, "x");
  Result<json::Value> result = Project(query, source, "x", "");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kInvalidArgument);
  EXPECT_NE(result.status().message().find("group by"), std::string::npos);
}

TEST(ProjectTest, DistinctKeysIgnoreMetadata) {
  const Query query = SelectQuery({Select(F("City")), Select(F("Tags"))});
  const json::Value d1 = J(R"({"City":"Haifa","Tags":["a"],"X":1})");
  const json::Value d2 = J(R"({"City":"Haifa","Tags":["a"],"X":2})");
  const json::Value d3 = J(R"({"City":"haifa","Tags":["a"]})");
  const json::Value d4 = J(R"({"City":"Haifa","Tags":["a","b"]})");
  std::vector<json::Value> rows;
  int n = 0;
  for (const json::Value* doc : {&d1, &d2, &d3, &d4}) {
    DocumentFieldSource source(*doc, "docs/" + std::to_string(++n));
    rows.push_back(*Project(query, source, "docs/" + std::to_string(n), ""));
  }
  EXPECT_TRUE(SameProjection(rows[0], rows[1]));   // differ only in @metadata.@id
  EXPECT_FALSE(SameProjection(rows[0], rows[2]));  // case-sensitive
  EXPECT_FALSE(SameProjection(rows[0], rows[3]));
  EXPECT_EQ(DistinctKey(rows[0]), DistinctKey(rows[1]));
  std::set<std::string> keys;
  for (const json::Value& row : rows) keys.insert(DistinctKey(row));
  EXPECT_EQ(keys.size(), 3u);
  // Numbers: 1 and 1.0 differ, 1 (int) and 1 (uint) agree.
  EXPECT_FALSE(SameProjection(J(R"({"a":1})"), J(R"({"a":1.0})")));
  EXPECT_NE(DistinctKey(J(R"({"a":1})")), DistinctKey(J(R"({"a":1.0})")));
  EXPECT_TRUE(SameProjection(J(R"({"a":1,"@metadata":{}})"), J(R"({"a":1})")));
  EXPECT_FALSE(SameProjection(J(R"({"a":1})"), J(R"({"a":1,"b":null})")));
  EXPECT_NE(DistinctKey(J(R"({"a":1})")), DistinctKey(J(R"({"a":1,"b":null})")));
}

}  // namespace
}  // namespace rookery::query
