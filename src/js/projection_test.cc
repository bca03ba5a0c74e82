// projection.h: which map sources may be handed only the members they read, and the projection
// of a document's text.
#include "js/projection.h"

#include <gtest/gtest.h>

namespace rookery::js::internal {
namespace {

using Names = std::vector<std::string>;

TEST(JsProjection, ReadsPropertiesOfPlainParameterUses) {
  EXPECT_EQ(ReadProperties("o => ({ Company: o.Company, Count: 1, Total: o.Total })"),
            (Names{"Company", "Total"}));
  EXPECT_EQ(ReadProperties("(o) => (o.Lines || []).map(l => ({ C: o.Company, Q: l.Q }))"),
            (Names{"Lines", "Company"}));
  EXPECT_EQ(ReadProperties("function (o) { return { A: o . A, B: o.B.x, a: o.A }; }"),
            (Names{"A", "B"}));
  EXPECT_EQ(ReadProperties("function named(doc) { return { N: doc.N, x: y.doc }; }"), (Names{"N"}));
  EXPECT_EQ(ReadProperties("o => `${o.First} ${o.Last}`"), (Names{"First", "Last"}));
  EXPECT_EQ(ReadProperties("o => ({ N: 1 })"), Names{});
  EXPECT_EQ(ReadProperties("o => ({ S: o.Lines.length, foo_o: 1 })"), Names{"Lines"});
}

TEST(JsProjection, AnyOtherUseOfTheDocumentIsRefused) {
  for (const char* source : {
           "o => o",
           "o => id(o)",
           "o => o['A']",
           "o => o?.A",
           "o => ({ ...o })",
           "o => o.hasOwnProperty('A') ? 1 : 0",
           "o => o.A`x`",
           "o => Object.keys(o)",
           "o => { /* o */ return { A: o.A }; }",
           "o => ({ K: 'o' })",
           "o => o.Lines.map(o => o.Q)",
           "({ A }) => ({ A })",
           "(o = {}) => o.A",
           "(...o) => o",
           "async o => o.A",
           "async function (o) { return o.A; }",
           "function* (o) { yield o.A; }",
           "function (o) { return arguments[0].A; }",
           "o => eval('o.A')",
           "o => \\u006f.A",
           "(o, p) => o.A",
           "o => o.",
           "o => o..A",
       }) {
    EXPECT_EQ(ReadProperties(source), std::nullopt) << source;
  }
}

TEST(JsProjection, ProjectKeepsTheNamedMembersInOrder) {
  const std::string doc =
      R"( { "A" : 1, "B":{"x":"}{][\"","y":[1,{"z":"]"}]}, "C":"q\"}", "D":[], "A":-2.5e3,
      "@metadata":{"@id":"x"} } )";
  EXPECT_EQ(Project(doc, {"A", "C"}), R"({"A":1,"C":"q\"}","A":-2.5e3})");
  EXPECT_EQ(Project(doc, {"B", "D"}), R"({"B":{"x":"}{][\"","y":[1,{"z":"]"}]},"D":[]})");
  EXPECT_EQ(Project(doc, {}), "{}");
  EXPECT_EQ(Project("{}", {"A"}), "{}");
  EXPECT_EQ(Project(R"({"A":true,"E":null})", {"E"}), R"({"E":null})");
  EXPECT_EQ(Project(R"({"A":"a\\","B":"\\\"}","C":1})", {"B", "C"}), R"({"B":"\\\"}","C":1})");
}

TEST(JsProjection, ProjectLeavesWhatItCannotReadPlainly) {
  for (const char* doc : {R"({"\u0041":1})", R"([1])", R"({"A":1)", R"({"A" 1})", R"({"A":})",
                          R"({"A":"x})", R"({"A":1} x)", R"({"A":{"b":1})", R"(nope)"}) {
    EXPECT_EQ(Project(doc, {"A"}), std::nullopt) << doc;
  }
}

}  // namespace
}  // namespace rookery::js::internal
