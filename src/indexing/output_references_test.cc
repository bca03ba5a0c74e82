// Reference-document patterns (PatternForOutputReduceToCollectionReferences): parsing, value
// formatting and RavenDB's errors (docs/formats/index.md, "Reference documents").
#include "indexing/output_references.h"

#include <gtest/gtest.h>

namespace rookery::indexing {
namespace {

json::Value J(std::string_view text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? std::move(v).value() : json::Value();
}

std::string Id(std::string_view pattern, std::string_view output) {
  auto p = ParseReferencePattern(pattern);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  if (!p.ok()) return "";
  auto id = BuildReferenceId(*p, J(output));
  return id.ok() ? *id : "error: " + std::string(id.status().message());
}

TEST(ReferencePatternTest, ParsesFieldsAndRefusesRavenDbsCases) {
  auto p = ParseReferencePattern("reports/daily/{OrderedAt:yyyy-MM-dd}/{Product}");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->parts.size(), 4u);
  EXPECT_EQ(p->parts[0].text, "reports/daily/");
  EXPECT_TRUE(p->parts[1].is_field);
  EXPECT_EQ(p->parts[1].text, "OrderedAt");
  EXPECT_EQ(p->parts[1].format, "yyyy-MM-dd");
  EXPECT_EQ(p->parts[3].text, "Product");
  EXPECT_EQ(p->parts[3].format, "");

  auto none = ParseReferencePattern("reports/daily");
  EXPECT_EQ(none.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(none.status().message(), "Provided pattern is not supported: reports/daily");
  auto twice = ParseReferencePattern("a/{X}/{X:yyyy}");
  EXPECT_EQ(twice.status().message(),
            "Pattern should contain unique fields only. Duplicated field: 'X'");
}

TEST(ReferencePatternTest, FillsInValuesAsRavenDbFormatsThem) {
  // RavenDB's own examples (RavenDB_12932.OutputReferencesPatternTests).
  EXPECT_EQ(Id("reports/daily/{OrderedAt:yyyy-MM-dd}",
               R"({"OrderedAt":"2019-10-26T00:00:00.0000000Z","Profit":3})"),
            "reports/daily/2019-10-26");
  EXPECT_EQ(Id("output/{UserId}/{Date:yyyy-MM-dd}", R"({"Date":"2019-10-26","UserId":"arek"})"),
            "output/arek/2019-10-26");
  EXPECT_EQ(Id("reports/monthly/{OrderedAt:yyyy-MM}", R"({"OrderedAt":"2019-10-26T10:20:30Z"})"),
            "reports/monthly/2019-10");
  EXPECT_EQ(Id("r/{D:MM/dd/yyyy}", R"({"D":"2019-10-26"})"), "r/10/26/2019");
  EXPECT_EQ(Id("r/{D:d}", R"({"D":"2019-10-06"})"), "r/10/06/2019");
  EXPECT_EQ(Id("r/{D:ddd dd MMM yy HH:mm:ss.fff tt}", R"({"D":"2019-10-26T13:05:09.1234567"})"),
            "r/Sat 26 Oct 19 13:05:09.123 PM");
  EXPECT_EQ(Id("r/{D:'y'yyyy}", R"({"D":"2019-10-26"})"), "r/y2019");
  // Without a format, or a string that is no date: the value as it is.
  EXPECT_EQ(Id("r/{D}", R"({"D":"2019-10-26T00:00:00.0000000Z"})"),
            "r/2019-10-26T00:00:00.0000000Z");
  EXPECT_EQ(Id("r/{S:yyyy}", R"({"S":"north"})"), "r/north");
  // Numbers and booleans as .NET writes them.
  EXPECT_EQ(Id("n/{N}/{B}/{F}", R"({"N":42,"B":true,"F":2.5})"), "n/42/True/2.5");
  EXPECT_EQ(Id("n/{N:D5}/{F:F1}", R"({"N":42,"F":2.26})"), "n/00042/2.3");
  EXPECT_EQ(Id("n/{N:D3}", R"({"N":-7})"), "n/-007");
}

TEST(ReferencePatternTest, MissingNullAndBadIdsAreErrors) {
  EXPECT_EQ(Id("reports/daily/{InvalidPropertyName:yyyy-MM-dd}", R"({"OrderedAt":"2019-10-26"})"),
            "error: Failed to build document ID based on provided pattern for output to "
            "collection references. Cannot create identifier for reference document of reduce "
            "outputs. Expected to process 1 fields while it got 0. Pattern: "
            "'reports/daily/{InvalidPropertyName:yyyy-MM-dd}'");
  EXPECT_EQ(Id("r/{A}", R"({"A":null})"),
            "error: Failed to build document ID based on provided pattern for output to "
            "collection references. Invalid pattern reference document ID. Field 'A' was null");
  EXPECT_EQ(Id("r/{A}", R"({"A":"x/"})"),
            "error: Failed to build document ID based on provided pattern for output to "
            "collection references. Invalid pattern reference document ID: 'r/x/'. Error: "
            "reference ID must not end with '/' character");
  EXPECT_NE(Id("r/{A}", R"({"A":"x|"})").find("must not end with '|'"), std::string::npos);
  EXPECT_NE(Id("r/{A}", R"({"A":[1]})").find("error: "), std::string::npos);
  EXPECT_NE(Id("r/{N:X4}", R"({"N":1})").find("is not supported"), std::string::npos);
  EXPECT_NE(Id("r/{D:zzz}", R"({"D":"2019-10-26"})").find("cannot be formatted"),
            std::string::npos);
}

}  // namespace
}  // namespace rookery::indexing
