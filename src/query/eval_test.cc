// Where-clause evaluation: one test per operator and per semantic rule of eval.h.
#include "query/eval.h"

#include <gtest/gtest.h>

#include "query/ast_test_util.h"

namespace rookery::query {
namespace {

using namespace rookery::query::testing;  // NOLINT: test builders

// Evaluates `expr` on a document; fails the test on an error.
bool Match(const ExprPtr& expr, std::string_view doc_json, std::string_view params_json = "null",
           std::string_view id = "users/1-A") {
  const json::Value doc = J(doc_json);
  const json::Value params = J(params_json);
  DocumentFieldSource source(doc, id);
  Result<bool> result = Evaluate(*expr, source, params);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() && *result;
}

// The error Evaluate reports (fails the test when it succeeds).
Status Error(const ExprPtr& expr, std::string_view doc_json, std::string_view params_json) {
  const json::Value doc = J(doc_json);
  const json::Value params = J(params_json);
  DocumentFieldSource source(doc, "users/1-A");
  Result<bool> result = Evaluate(*expr, source, params);
  EXPECT_FALSE(result.ok());
  return result.ok() ? Status::Ok() : result.status();
}

TEST(EvalTest, StringEqualityIgnoresCase) {
  const char* doc = R"({"Name":"John","City":"ÉCOLE","Ru":"Москва","Gr":"ΑΘΉΝΑ"})";
  EXPECT_TRUE(Match(Eq(F("Name"), S("john")), doc));
  EXPECT_TRUE(Match(Eq(F("Name"), S("JOHN")), doc));
  EXPECT_FALSE(Match(Eq(F("Name"), S("johnny")), doc));
  EXPECT_TRUE(Match(Eq(F("City"), S("école")), doc));
  EXPECT_TRUE(Match(Eq(F("Ru"), S("МОСКВА")), doc));
  EXPECT_TRUE(Match(Eq(F("Gr"), S("αθήνα")), doc));
  EXPECT_TRUE(Match(Ne(F("Name"), S("jim")), doc));
  EXPECT_FALSE(Match(Ne(F("Name"), S("JOHN")), doc));
}

TEST(EvalTest, ExactIsCaseSensitive) {
  const char* doc = R"({"Name":"John","Tags":["Red"]})";
  EXPECT_FALSE(Match(Exact(Eq(F("Name"), S("john"))), doc));
  EXPECT_TRUE(Match(Exact(Eq(F("Name"), S("John"))), doc));
  EXPECT_TRUE(Match(Exact(Ne(F("Name"), S("john"))), doc));
  EXPECT_FALSE(Match(Exact(In(F("Tags"), {S("red")})), doc));
  EXPECT_TRUE(Match(Exact(In(F("Tags"), {S("Red")})), doc));
  EXPECT_FALSE(Match(Exact(StartsWith(F("Name"), S("jo"))), doc));
  EXPECT_TRUE(Match(Exact(StartsWith(F("Name"), S("Jo"))), doc));
  // exact() ranges compare bytes: 'J' (0x4A) < 'j' (0x6A).
  EXPECT_TRUE(Match(Exact(Lt(F("Name"), S("j"))), doc));
  EXPECT_FALSE(Match(Lt(F("Name"), S("j")), doc));
}

TEST(EvalTest, NumbersCompareAcrossIntUintDouble) {
  const char* doc = R"({"I":31,"D":31.0,"U":18446744073709551615,"Big":9007199254740993,"F":2.5})";
  EXPECT_TRUE(Match(Eq(F("I"), Lit("31.0")), doc));
  EXPECT_TRUE(Match(Eq(F("D"), Lit("31")), doc));
  EXPECT_TRUE(Match(Eq(F("U"), Lit("18446744073709551615")), doc));
  EXPECT_FALSE(Match(Eq(F("U"), Lit("-1")), doc));
  EXPECT_TRUE(Match(Gt(F("U"), Lit("9223372036854775807")), doc));
  EXPECT_TRUE(Match(Gt(F("U"), Lit("-5")), doc));
  // Exact beyond 2^53: 9007199254740993 is not the double 9007199254740992.0.
  EXPECT_FALSE(Match(Eq(F("Big"), Lit("9007199254740992.0")), doc));
  EXPECT_TRUE(Match(Gt(F("Big"), Lit("9007199254740992.0")), doc));
  EXPECT_TRUE(Match(Gt(F("I"), Lit("30.5")), doc));
  EXPECT_TRUE(Match(Le(F("F"), Lit("2.5")), doc));
  EXPECT_FALSE(Match(Lt(F("F"), Lit("2.5")), doc));
  EXPECT_TRUE(Match(Ge(F("F"), Lit("2")), doc));
}

TEST(EvalTest, NumberAgainstString) {
  const char* doc = R"({"Age":31,"Price":2.5,"Code":"31","Name":"x"})";
  // A document number matches the query string holding its canonical text...
  EXPECT_TRUE(Match(Eq(F("Age"), S("31")), doc));
  EXPECT_TRUE(Match(Eq(F("Price"), S("2.5")), doc));
  EXPECT_TRUE(Match(In(F("Age"), {S("30"), S("31")}), doc));
  EXPECT_FALSE(Match(Eq(F("Age"), S("31.0")), doc));  // not its canonical text
  EXPECT_FALSE(Match(Ne(F("Age"), S("31")), doc));
  // ...but a document string never equals a query number.
  EXPECT_FALSE(Match(Eq(F("Code"), Lit("31")), doc));
  EXPECT_TRUE(Match(Ne(F("Code"), Lit("31")), doc));
  // Ranges never mix kinds.
  EXPECT_FALSE(Match(Gt(F("Age"), S("30")), doc));
  EXPECT_FALSE(Match(Lt(F("Code"), Lit("40")), doc));
  EXPECT_FALSE(Match(Gt(F("Name"), Lit("0")), doc));
}

TEST(EvalTest, BooleansEqualBooleansOnly) {
  const char* doc = R"({"Active":true,"Text":"true"})";
  EXPECT_TRUE(Match(Eq(F("Active"), Lit("true")), doc));
  EXPECT_FALSE(Match(Eq(F("Active"), Lit("false")), doc));
  EXPECT_FALSE(Match(Eq(F("Active"), S("true")), doc));
  EXPECT_FALSE(Match(Eq(F("Text"), Lit("true")), doc));
  EXPECT_FALSE(Match(Gt(F("Active"), Lit("false")), doc));
}

TEST(EvalTest, NullAndMissing) {
  const char* with_null = R"({"Email":null,"Tags":[]})";
  const char* with_value = R"({"Email":"a@b.c"})";
  const char* without = R"({"Name":"x"})";
  EXPECT_TRUE(Match(Eq(F("Email"), Lit("null")), with_null));
  EXPECT_TRUE(Match(Eq(F("Email"), Lit("null")), without));
  EXPECT_FALSE(Match(Eq(F("Email"), Lit("null")), with_value));
  EXPECT_FALSE(Match(Ne(F("Email"), Lit("null")), with_null));
  EXPECT_FALSE(Match(Ne(F("Email"), Lit("null")), without));
  EXPECT_TRUE(Match(Ne(F("Email"), Lit("null")), with_value));
  EXPECT_FALSE(Match(Eq(F("Tags"), Lit("null")), with_null));  // an empty array is present
  EXPECT_TRUE(Match(Eq(F("Tags"), Lit("null")), R"({"Tags":["a",null]})"));
  // A missing field is != any value but null, and never in a range.
  EXPECT_TRUE(Match(Ne(F("Email"), S("a@b.c")), without));
  EXPECT_FALSE(Match(Gt(F("Email"), S("")), without));
  EXPECT_FALSE(Match(Gt(F("Email"), Lit("null")), with_value));
  EXPECT_FALSE(Match(Eq(F("Email"), S("null")), with_null));  // the string 'null' is not null
  EXPECT_TRUE(Match(In(F("Email"), {S("x"), Lit("null")}), without));
}

TEST(EvalTest, ExistsCountsNullAndEmptyArrays) {
  EXPECT_TRUE(Match(Exists(F("Email")), R"({"Email":"x"})"));
  EXPECT_TRUE(Match(Exists(F("Email")), R"({"Email":null})"));
  EXPECT_TRUE(Match(Exists(F("Tags")), R"({"Tags":[]})"));
  EXPECT_FALSE(Match(Exists(F("Email")), R"({"Name":"x"})"));
  EXPECT_TRUE(Match(Exists(F("Address.City")), R"({"Address":{"City":"Haifa"}})"));
  EXPECT_FALSE(Match(Exists(F("Address.Zip")), R"({"Address":{"City":"Haifa"}})"));
  EXPECT_TRUE(Match(Not(Exists(F("Email"))), R"({"Name":"x"})"));
}

TEST(EvalTest, ArraysMatchAnyElement) {
  const char* doc = R"({"Tags":["red","Blue"],"Nums":[1,5,9],"Grid":[["a","b"],["c"]]})";
  EXPECT_TRUE(Match(Eq(F("Tags"), S("blue")), doc));
  EXPECT_TRUE(Match(Eq(F("Tags[]"), S("RED")), doc));
  EXPECT_FALSE(Match(Eq(F("Tags"), S("green")), doc));
  EXPECT_FALSE(Match(Ne(F("Tags"), S("blue")), doc));  // != is not(=): no element may equal
  EXPECT_TRUE(Match(Ne(F("Tags"), S("green")), doc));
  EXPECT_TRUE(Match(Gt(F("Nums"), Lit("8")), doc));
  EXPECT_FALSE(Match(Gt(F("Nums"), Lit("9")), doc));
  EXPECT_TRUE(Match(And(Gt(F("Nums"), Lit("4")), Lt(F("Nums"), Lit("2"))), doc));  // any, each
  EXPECT_TRUE(Match(Eq(F("Grid"), S("c")), doc));                                  // nested arrays
  EXPECT_FALSE(Match(Eq(F("Tags"), S("red,Blue")), doc));
}

TEST(EvalTest, NestedPathsAndArrayPaths) {
  const char* doc = R"({"Address":{"City":"Haifa","Geo":{"Lat":32.8}},
      "Lines":[{"Product":"products/1","Price":5},{"Product":"products/2","Price":12}]})";
  EXPECT_TRUE(Match(Eq(F("Address.City"), S("HAIFA")), doc));
  EXPECT_TRUE(Match(Gt(F("Address.Geo.Lat"), Lit("32")), doc));
  EXPECT_TRUE(Match(Eq(F("Lines[].Product"), S("products/2")), doc));
  EXPECT_TRUE(Match(Eq(F("Lines.Product"), S("Products/1")), doc));
  EXPECT_FALSE(Match(Eq(F("Lines[].Product"), S("products/3")), doc));
  EXPECT_TRUE(Match(Gt(F("Lines[].Price"), Lit("10")), doc));
  EXPECT_FALSE(Match(Gt(F("Lines[].Price"), Lit("12")), doc));
  EXPECT_FALSE(Match(Eq(F("Address"), S("Haifa")), doc));  // an object equals nothing
  EXPECT_TRUE(Match(Eq(F("Address.Missing.Deep"), Lit("null")), doc));
}

TEST(EvalTest, QuotedSegmentWithSpace) {
  EXPECT_TRUE(Match(Eq(F("first name"), S("ann")), R"({"first name":"Ann"})"));
}

TEST(EvalTest, InWithLiteralsAndParameterArrays) {
  const char* doc = R"({"Name":"Bob","Tags":["a","b"]})";
  EXPECT_TRUE(Match(In(F("Name"), {S("alice"), S("BOB")}), doc));
  EXPECT_FALSE(Match(In(F("Name"), {S("alice")}), doc));
  EXPECT_TRUE(Match(In(F("Name"), {P("names")}), doc, R"({"names":["x","bob"]})"));
  EXPECT_FALSE(Match(In(F("Name"), {P("names")}), doc, R"({"names":[]})"));
  EXPECT_TRUE(Match(In(F("Name"), {P("one")}), doc, R"({"one":"Bob"})"));
  EXPECT_TRUE(Match(In(F("Name"), {S("x"), P("names")}), doc, R"({"names":["bob"]})"));
  EXPECT_TRUE(Match(In(F("Tags"), {S("z"), S("B")}), doc));  // any field value, any listed value
  EXPECT_TRUE(Match(Not(In(F("Name"), {S("x")})), doc));
}

TEST(EvalTest, AllIn) {
  const char* doc = R"({"Tags":["a","B","c"],"One":"x"})";
  EXPECT_TRUE(Match(AllIn(F("Tags"), {S("a"), S("b")}), doc));
  EXPECT_TRUE(Match(AllIn(F("Tags"), {S("C")}), doc));
  EXPECT_FALSE(Match(AllIn(F("Tags"), {S("a"), S("z")}), doc));
  EXPECT_TRUE(Match(AllIn(F("Tags"), {P("t")}), doc, R"({"t":["c","a","b"]})"));
  EXPECT_FALSE(Match(AllIn(F("Tags"), {P("t")}), doc, R"({"t":["c","d"]})"));
  EXPECT_FALSE(Match(AllIn(F("Tags"), {P("t")}), doc, R"({"t":[]})"));  // empty: nothing
  EXPECT_TRUE(Match(AllIn(F("One"), {S("x")}), doc));                   // a scalar field
  EXPECT_FALSE(Match(AllIn(F("Missing"), {S("x")}), doc));
  EXPECT_TRUE(Match(Exact(AllIn(F("Tags"), {S("B")})), doc));
  EXPECT_FALSE(Match(Exact(AllIn(F("Tags"), {S("b")})), doc));
}

TEST(EvalTest, BetweenIsInclusive) {
  const char* doc = R"({"Age":30,"Price":9.99,"Born":"1990-05-17T00:00:00.0000000Z"})";
  EXPECT_TRUE(Match(Between(F("Age"), Lit("30"), Lit("40")), doc));
  EXPECT_TRUE(Match(Between(F("Age"), Lit("20"), Lit("30")), doc));
  EXPECT_TRUE(Match(Between(F("Age"), Lit("29.5"), Lit("30.5")), doc));
  EXPECT_FALSE(Match(Between(F("Age"), Lit("31"), Lit("40")), doc));
  EXPECT_FALSE(Match(Between(F("Age"), Lit("40"), Lit("20")), doc));  // empty range
  EXPECT_TRUE(Match(Between(F("Price"), P("lo"), P("hi")), doc, R"({"lo":9,"hi":10})"));
  EXPECT_TRUE(Match(
      Between(F("Born"), S("1990-01-01T00:00:00.0000000Z"), S("1990-12-31T23:59:59.9999999Z")),
      doc));
  EXPECT_TRUE(Match(
      Between(F("Born"), S("1990-05-17T00:00:00.0000000Z"), S("1990-05-17T00:00:00.0000000Z")),
      doc));
  EXPECT_FALSE(Match(Between(F("Born"), S("1991-01-01"), S("1999-01-01")), doc));
  EXPECT_FALSE(Match(Between(F("Age"), S("20"), S("40")), doc));  // string bounds, number field
  EXPECT_TRUE(Match(Between(F("Nums"), Lit("4"), Lit("6")), R"({"Nums":[1,5,9]})"));
}

TEST(EvalTest, BetweenNeedsMatchingBoundKinds) {
  Status s = Error(Between(F("Age"), Lit("1"), S("x")), R"({"Age":1})", "null");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("'Age'"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("a number and a string"), std::string::npos) << s.ToString();
  EXPECT_FALSE(Error(Between(F("Age"), Lit("null"), Lit("3")), R"({"Age":1})", "null").ok());
}

TEST(EvalTest, StartsWithEndsWith) {
  const char* doc = R"({"Name":"Ñandú Grande","Ru":"Санкт-Петербург","Age":31,"Tags":["xa","yb"]})";
  EXPECT_TRUE(Match(StartsWith(F("Name"), S("ñAN")), doc));
  EXPECT_TRUE(Match(EndsWith(F("Name"), S("GRANDE")), doc));
  EXPECT_TRUE(Match(StartsWith(F("Ru"), S("САНКТ")), doc));
  EXPECT_TRUE(Match(EndsWith(F("Ru"), S("бург")), doc));
  EXPECT_FALSE(Match(StartsWith(F("Name"), S("grande")), doc));
  EXPECT_FALSE(Match(EndsWith(F("Name"), S("ñandú")), doc));
  EXPECT_TRUE(Match(StartsWith(F("Name"), S("")), doc));
  EXPECT_TRUE(Match(StartsWith(F("Age"), S("3")), doc));  // numbers by their text
  EXPECT_TRUE(Match(StartsWith(F("Tags"), S("y")), doc));
  EXPECT_FALSE(Match(StartsWith(F("Missing"), S("")), doc));
  EXPECT_TRUE(Match(StartsWith(F("Name"), P("p")), doc, R"({"p":"ÑA"})"));
  EXPECT_EQ(Error(StartsWith(F("Name"), Lit("null")), doc, "null").code(), Code::kInvalidArgument);
}

TEST(EvalTest, LogicalOperators) {
  const char* doc = R"({"A":1,"B":2})";
  EXPECT_TRUE(Match(True(), doc));
  EXPECT_TRUE(Match(And(Eq(F("A"), Lit("1")), Eq(F("B"), Lit("2"))), doc));
  EXPECT_FALSE(Match(And(Eq(F("A"), Lit("1")), Eq(F("B"), Lit("3"))), doc));
  EXPECT_TRUE(Match(Or(Eq(F("A"), Lit("9")), Eq(F("B"), Lit("2"))), doc));
  EXPECT_FALSE(Match(Or(Eq(F("A"), Lit("9")), Eq(F("B"), Lit("9"))), doc));
  EXPECT_TRUE(Match(Not(Eq(F("A"), Lit("9"))), doc));
  EXPECT_TRUE(Match(And(True(), Not(Eq(F("A"), Lit("9")))), doc));  // where true and not ...
  EXPECT_FALSE(Match(Not(Or(Eq(F("A"), Lit("1")), Eq(F("A"), Lit("9")))), doc));
}

TEST(EvalTest, IdField) {
  const char* doc = R"({"Name":"x"})";
  EXPECT_TRUE(Match(Eq(Id(), S("users/1-A")), doc));
  EXPECT_TRUE(Match(Eq(Id(), S("USERS/1-a")), doc));  // ids ignore case
  EXPECT_FALSE(Match(Exact(Eq(Id(), S("USERS/1-a"))), doc));
  EXPECT_TRUE(Match(In(Id(), {P("ids")}), doc, R"({"ids":["users/2-A","users/1-A"]})"));
  EXPECT_TRUE(Match(StartsWith(Id(), S("Users/")), doc));
  EXPECT_FALSE(Match(StartsWith(Id(), S("orders/")), doc));
  EXPECT_TRUE(Match(Gt(Id(), S("users/0")), doc));
  EXPECT_TRUE(Match(Exists(Id()), doc));
}

TEST(EvalTest, LoadAliases) {
  const json::Value order = J(R"({"Company":"companies/1","Freight":3})");
  const json::Value company =
      J(R"({"Name":"Acme","Address":{"Country":"Israel"},"@metadata":{"@id":"companies/1"}})");
  DocumentFieldSource source(order, "orders/1");
  source.AddLoaded("c", &company);
  const json::Value none;
  auto eval = [&](const ExprPtr& e) {
    Result<bool> r = Evaluate(*e, source, none);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  };
  EXPECT_TRUE(eval(Eq(F("Name", "c"), S("acme"))));
  EXPECT_TRUE(eval(Eq(F("Address.Country", "c"), S("ISRAEL"))));
  EXPECT_FALSE(eval(Eq(F("Name"), S("acme"))));  // the order has no Name
  EXPECT_TRUE(eval(Eq(Id("c"), S("companies/1"))));
  EXPECT_TRUE(eval(And(Eq(F("Freight"), Lit("3")), Exists(F("Name", "c")))));
  // A load target that does not exist yields nothing.
  DocumentFieldSource missing(order, "orders/1");
  missing.AddLoaded("c", nullptr);
  EXPECT_TRUE(*Evaluate(*Eq(F("Name", "c"), Lit("null")), missing, none));
  EXPECT_FALSE(*Evaluate(*Exists(F("Name", "c")), missing, none));
  EXPECT_FALSE(*Evaluate(*Exists(Id("c")), missing, none));
}

TEST(EvalTest, SeveralDocumentsUnderOneLoadAlias) {
  const json::Value order = J(R"({"Lines":[{"Product":"p/1"},{"Product":"p/2"}]})");
  const json::Value p1 = J(R"({"Name":"Chai"})");
  const json::Value p2 = J(R"({"Name":"Tofu"})");
  DocumentFieldSource source(order, "orders/1");
  source.AddLoaded("p", &p1);
  source.AddLoaded("p", &p2);
  EXPECT_TRUE(*Evaluate(*Eq(F("Name", "p"), S("tofu")), source, json::Value()));
  EXPECT_TRUE(*Evaluate(*AllIn(F("Name", "p"), {S("chai"), S("tofu")}), source, json::Value()));
}

TEST(EvalTest, MissingParameterIsNamed) {
  Status s = Error(Eq(F("Name"), P("p0")), R"({"Name":"x"})", R"({"p1":1})");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "Parameter '$p0' is not defined in QueryParameters");
  // No parameters object at all.
  EXPECT_EQ(Error(In(F("Name"), {P("names")}), R"({"Name":"x"})", "null").message(),
            "Parameter '$names' is not defined in QueryParameters");
  // A parameter holding null is defined.
  EXPECT_TRUE(Match(Eq(F("Email"), P("p0")), R"({"Name":"x"})", R"({"p0":null})"));
}

TEST(EvalTest, CheckParametersFindsParametersEvaluationSkips) {
  Query query;
  query.where = Or(Eq(F("A"), Lit("1")), Eq(F("B"), P("later")));
  const json::Value doc = J(R"({"A":1})");
  DocumentFieldSource source(doc, "x/1");
  // Evaluation stops at the first true operand of `or`...
  EXPECT_TRUE(*Evaluate(*query.where, source, json::Value()));
  // ...so the executor checks every parameter once up front.
  Status s = CheckParameters(query, json::Value());
  EXPECT_EQ(s.message(), "Parameter '$later' is not defined in QueryParameters");
  EXPECT_TRUE(CheckParameters(query, J(R"({"later":2})")).ok());
  query.limit = P("lim");
  EXPECT_EQ(CheckParameters(query, J(R"({"later":2})")).message(),
            "Parameter '$lim' is not defined in QueryParameters");
  query.order_by.push_back(Random(P("seed")));
  EXPECT_FALSE(CheckParameters(query, J(R"({"later":2,"lim":1})")).ok());
  EXPECT_TRUE(CheckParameters(query, J(R"({"later":2,"lim":1,"seed":"s"})")).ok());
}

TEST(EvalTest, ListParameterOutsideInIsAnError) {
  Status s = Error(Eq(F("Name"), P("p0")), R"({"Name":"x"})", R"({"p0":["x"]})");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("parameter '$p0' is an array"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("'Name'"), std::string::npos) << s.ToString();
  EXPECT_FALSE(Error(Gt(F("Age"), P("p0")), R"({"Age":1})", R"({"p0":{"a":1}})").ok());
}

}  // namespace
}  // namespace rookery::query
