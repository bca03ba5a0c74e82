// The index-definition surface: map, multi-map, fan-out, groupBy/aggregate, load, id, modern JS.
#include "js/runtime.h"

#include <gtest/gtest.h>

#include "js/js_test_util.h"

namespace rookery::js {
namespace {

using Strings = std::vector<std::string>;

TEST(JsRuntime, MapReturnsOneEntryPerDocument) {
  auto runtime = MakeRuntime();
  auto program =
      MustCompile(runtime.get(), {{"map('Users', u => ({ Name: u.Name, Age: u.Age + 1 }))"}, ""});
  ASSERT_NE(program, nullptr);
  EXPECT_EQ(program->collections(), Strings{"Users"});
  EXPECT_FALSE(program->has_reduce());
  EXPECT_EQ(MapJson(program.get(), "Users", R"({"Name":"Ann","Age":41})"),
            Strings{R"({"Name":"Ann","Age":42})"});
  // Collections match case-insensitively, as RavenDB's do; other collections have no map.
  EXPECT_EQ(MapJson(program.get(), "users", R"({"Name":"Bo","Age":1})"),
            Strings{R"({"Name":"Bo","Age":2})"});
  EXPECT_TRUE(MapJson(program.get(), "Orders", R"({"Name":"x"})").empty());
}

TEST(JsRuntime, MapFanOutAndNoEntries) {
  auto runtime = MakeRuntime();
  auto program = MustCompile(runtime.get(), {{R"(
    map('Orders', o => {
      if (o.Skip) return;                     // undefined: no entry
      if (o.Null) return null;                // null: no entry
      if (o.Scalar) return 42;                // not an object: no entry
      return o.Lines.map(l => ({ Product: l.Product, Qty: l.Qty }));
    }))"},
                                             ""});
  ASSERT_NE(program, nullptr);
  EXPECT_EQ(MapJson(program.get(), "Orders",
                    R"({"Lines":[{"Product":"a","Qty":1},{"Product":"b","Qty":2}]})"),
            (Strings{R"({"Product":"a","Qty":1})", R"({"Product":"b","Qty":2})"}));
  EXPECT_TRUE(MapJson(program.get(), "Orders", R"({"Lines":[]})").empty());
  EXPECT_TRUE(MapJson(program.get(), "Orders", R"({"Skip":true})").empty());
  EXPECT_TRUE(MapJson(program.get(), "Orders", R"({"Null":true})").empty());
  EXPECT_TRUE(MapJson(program.get(), "Orders", R"({"Scalar":true})").empty());
}

TEST(JsRuntime, MultiMapRunsEveryMapOfTheCollection) {
  auto runtime = MakeRuntime();
  auto program =
      MustCompile(runtime.get(), {{"map('Dogs', d => ({ Name: d.Name, Kind: 'dog' }))",
                                   "map('Cats', c => ({ Name: c.Name, Kind: 'cat' }));\n"
                                   "map('Dogs', d => ({ Name: d.Name, Kind: 'animal' }))"},
                                  ""});
  ASSERT_NE(program, nullptr);
  EXPECT_EQ(program->collections(), (Strings{"Dogs", "Cats"}));
  EXPECT_EQ(MapJson(program.get(), "Dogs", R"({"Name":"Rex"})"),
            (Strings{R"({"Name":"Rex","Kind":"dog"})", R"({"Name":"Rex","Kind":"animal"})"}));
  EXPECT_EQ(MapJson(program.get(), "Cats", R"({"Name":"Tom"})"),
            Strings{R"({"Name":"Tom","Kind":"cat"})"});
}

TEST(JsRuntime, GroupByAggregateReduces) {
  auto runtime = MakeRuntime();
  auto program = MustCompile(
      runtime.get(),
      {{"map('Orders', o => ({ Company: o.Company, Count: 1, Total: o.Total }))"},
       "groupBy(x => x.Company).aggregate(g => ({ Company: g.key, Count: g.values.length,"
       " Total: g.values.reduce((s, v) => s + v.Total, 0) }))"});
  ASSERT_NE(program, nullptr);
  EXPECT_TRUE(program->has_reduce());
  Result<json::Value> key = program->ReduceKey(J(R"({"Company":"c/1","Count":1,"Total":5})"));
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(*key, json::Value::String("c/1"));
  Result<std::vector<json::Value>> reduced =
      program->RunReduce({J(R"({"Company":"c/1","Count":1,"Total":5})"),
                          J(R"({"Company":"c/1","Count":1,"Total":2.5})")});
  ASSERT_TRUE(reduced.ok()) << reduced.status().ToString();
  ASSERT_EQ(reduced->size(), 1u);
  EXPECT_EQ((*reduced)[0], J(R"({"Company":"c/1","Count":2,"Total":7.5})"));
}

TEST(JsRuntime, CompositeKeyAndTopNPerGroup) {
  // The Reddit example: the 5 most recent posts per community (aggregation plus fan-out inside).
  auto runtime = MakeRuntime();
  auto program = MustCompile(
      runtime.get(),
      {{"map('Posts', p => ({ Community: p.Community, Year: new Date(p.Date).getUTCFullYear(),"
        " Recent: [{ Id: id(p), Date: p.Date }] }))"},
       R"(groupBy(x => ({ Community: x.Community, Year: x.Year })).aggregate(g => ({
            Community: g.key.Community, Year: g.key.Year,
            Recent: g.values.flatMap(v => v.Recent)
              .sort((a, b) => b.Date.localeCompare(a.Date)).slice(0, 2) })))"});
  ASSERT_NE(program, nullptr);
  std::vector<json::Value> values;
  for (int day = 1; day <= 4; ++day) {
    std::string doc = R"({"Community":"cpp","Date":"2024-01-0)" + std::to_string(day) +
                      R"(T00:00:00.0000000Z","@metadata":{"@id":"posts/)" + std::to_string(day) +
                      R"("}})";
    Result<MapOutput> out = program->RunMap({"Posts", "ignored", doc}, nullptr);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->entries.size(), 1u);
    values.push_back(out->entries[0]);
  }
  Result<json::Value> key = program->ReduceKey(values[0]);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(*key, J(R"({"Community":"cpp","Year":2024})"));
  Result<std::vector<json::Value>> reduced = program->RunReduce(values);
  ASSERT_TRUE(reduced.ok()) << reduced.status().ToString();
  ASSERT_EQ(reduced->size(), 1u);
  EXPECT_EQ((*reduced)[0], J(R"({"Community":"cpp","Year":2024,"Recent":[
                 {"Id":"posts/4","Date":"2024-01-04T00:00:00.0000000Z"},
                 {"Id":"posts/3","Date":"2024-01-03T00:00:00.0000000Z"}]})"));
}

TEST(JsRuntime, IdOfADocument) {
  auto runtime = MakeRuntime();
  auto program = MustCompile(runtime.get(), {{"map('Users', u => ({ Id: id(u) }))"}, ""});
  ASSERT_NE(program, nullptr);
  // @metadata.@id wins (RavenDB's id()); without it, the id the document was handed over with.
  EXPECT_EQ(MapJson(program.get(), "Users", R"({"@metadata":{"@id":"users/1-A"}})", "other"),
            Strings{R"({"Id":"users/1-A"})"});
  EXPECT_EQ(MapJson(program.get(), "Users", R"({"Name":"x"})", "users/2"),
            Strings{R"({"Id":"users/2"})"});
}

TEST(JsRuntime, LoadReadsThroughTheSourceAndRecordsReferences) {
  auto runtime = MakeRuntime();
  auto program = MustCompile(runtime.get(), {{R"(
    map('Orders', o => {
      const company = load(o.Company, 'Companies');
      const missing = load('companies/404', 'Companies');
      const again = load(o.Company, 'Companies');
      const none = load(null, 'Companies');
      return { Name: company.Name, CompanyId: id(company), Missing: missing,
               Same: again.Name === company.Name, None: none === undefined };
    }))"},
                                             ""});
  ASSERT_NE(program, nullptr);
  FakeSource source;
  source.Put("companies/1", "Companies", R"({"Name":"Acme"})");
  Result<MapOutput> out =
      program->RunMap({"Orders", "orders/1", R"({"Company":"companies/1"})"}, &source);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->entries.size(), 1u);
  EXPECT_EQ(
      out->entries[0],
      J(R"({"Name":"Acme","CompanyId":"companies/1","Missing":null,"Same":true,"None":true})"));
  EXPECT_EQ(out->references, (std::vector<LoadedReference>{{"companies/1", "Companies", true},
                                                           {"companies/404", "Companies", false}}));
  EXPECT_EQ(source.loads, 3);

  // A failing source fails the call with its own status, even if the script catches the error.
  auto catching =
      MustCompile(runtime.get(), {{"map('Orders', o => { try { load('a', 'B'); } catch (e) {} "
                                   "return { ok: 1 }; })"},
                                  ""});
  ASSERT_NE(catching, nullptr);
  source.fail = true;
  Result<MapOutput> failed = catching->RunMap({"Orders", "orders/1", "{}"}, &source);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), Code::kIOError) << failed.status().ToString();

  Result<MapOutput> bad_args = program->RunMap({"Orders", "orders/1", R"({"Company":7})"}, &source);
  ASSERT_FALSE(bad_args.ok());
  EXPECT_NE(bad_args.status().ToString().find("load(id, collection) expects two strings"),
            std::string::npos)
      << bad_args.status().ToString();
}

TEST(JsRuntime, ModernJavaScript) {
  auto runtime = MakeRuntime();
  auto program = MustCompile(runtime.get(), {{R"(
    const label = (first, last) => `${last.toUpperCase()}, ${first}`;
    class Money { constructor(v) { this.v = v; } twice() { return this.v * 2; } }
    map('People', ({ First, Last, Tags = [], Address: { City } = {}, ...rest }) => {
      const [firstTag, ...otherTags] = Tags;
      const born = new Date(rest.Born);
      return {
        Label: label(First, Last),
        City: City ?? 'nowhere',
        FirstTag: firstTag,
        OtherTags: otherTags.filter(t => t.length > 1).map(t => t + '!'),
        Sum: [1, 2, 3].reduce((a, b) => a + b, 0),
        HasX: Tags.includes('x'),
        Keys: Object.keys(rest).sort(),
        Year: born.getUTCFullYear(), Month: born.getUTCMonth() + 1,
        Doubled: new Money(21).twice(),
        Spread: { ...{ a: 1 }, b: 2 },
        Optional: rest.Nope?.deeper,
      };
    }))"},
                                             ""});
  ASSERT_NE(program, nullptr);
  EXPECT_EQ(MapJson(program.get(), "People",
                    R"({"First":"Ada","Last":"Lovelace","Tags":["x","yy","zz"],
                        "Born":"1815-12-10T00:00:00.0000000Z","Extra":1})"),
            Strings{R"({"Label":"LOVELACE, Ada","City":"nowhere","FirstTag":"x",)"
                    R"("OtherTags":["yy!","zz!"],"Sum":6,"HasX":true,"Keys":["Born","Extra"],)"
                    R"("Year":1815,"Month":12,"Doubled":42,"Spread":{"a":1,"b":2}})"});
}

TEST(JsRuntime, ProgramsDoNotShareGlobals) {
  auto runtime = MakeRuntime();
  auto a = MustCompile(runtime.get(), {{"var shared = 1; map('A', d => ({ v: shared }))"}, ""});
  auto b = MustCompile(
      runtime.get(),
      {{"map('A', d => ({ v: typeof shared === 'undefined' ? 'none' : shared }))"}, ""});
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(MapJson(a.get(), "A", "{}"), Strings{R"({"v":1})"});
  EXPECT_EQ(MapJson(b.get(), "A", "{}"), Strings{R"({"v":"none"})"});
}

TEST(JsRuntime, DefinitionErrorsNameTheSourceAndPosition) {
  auto runtime = MakeRuntime();
  Result<std::unique_ptr<IndexProgram>> syntax = runtime->Compile(
      {{"map('A', d => ({ a: 1 }))", "map('B', d => {\n  return { a: ; };\n})"}, ""});
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().code(), Code::kInvalidArgument);
  EXPECT_NE(syntax.status().ToString().find("Maps[1] line 2, column"), std::string::npos)
      << syntax.status().ToString();
  EXPECT_NE(syntax.status().ToString().find("SyntaxError"), std::string::npos);

  Result<std::unique_ptr<IndexProgram>> no_map = runtime->Compile({{"const x = 1;"}, ""});
  ASSERT_FALSE(no_map.ok());
  EXPECT_NE(no_map.status().ToString().find("Maps[0] defines no map"), std::string::npos);

  Result<std::unique_ptr<IndexProgram>> bad_reduce =
      runtime->Compile({{"map('A', d => d)"}, "groupBy(x => x.A)"});
  ASSERT_FALSE(bad_reduce.ok());
  EXPECT_NE(bad_reduce.status().ToString().find("groupBy(x => key).aggregate"), std::string::npos);

  Result<std::unique_ptr<IndexProgram>> bad_map = runtime->Compile({{"map(42, d => d)"}, ""});
  ASSERT_FALSE(bad_map.ok());
  EXPECT_NE(bad_map.status().ToString().find("collection must be a non-empty string"),
            std::string::npos);

  // The runtime still compiles good definitions afterwards.
  EXPECT_NE(MustCompile(runtime.get(), {{"map('A', d => ({ x: 1 }))"}, ""}), nullptr);
}

TEST(JsRuntime, RuntimeErrorOnOneDocumentDoesNotBreakTheNext) {
  auto runtime = MakeRuntime();
  auto program = MustCompile(runtime.get(), {{"map('A', d => ({\n  City: d.Address.City }))"}, ""});
  ASSERT_NE(program, nullptr);
  Result<MapOutput> bad = program->RunMap({"A", "a/1", R"({"Name":"no address"})"}, nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  const std::string message = bad.status().ToString();
  EXPECT_NE(message.find("map of 'A'"), std::string::npos) << message;
  EXPECT_NE(message.find("Maps[0] line 2"), std::string::npos) << message;
  EXPECT_NE(message.find("TypeError"), std::string::npos) << message;
  EXPECT_EQ(MapJson(program.get(), "A", R"({"Address":{"City":"Oslo"}})"),
            Strings{R"({"City":"Oslo"})"});

  auto thrower =
      MustCompile(runtime.get(), {{"map('A', d => { if (d.bad) throw new Error('bad doc ' + d.n); "
                                   "return { n: d.n }; })"},
                                  ""});
  ASSERT_NE(thrower, nullptr);
  Result<MapOutput> thrown = thrower->RunMap({"A", "a/1", R"({"bad":true,"n":7})"}, nullptr);
  ASSERT_FALSE(thrown.ok());
  EXPECT_NE(thrown.status().ToString().find("Error: bad doc 7"), std::string::npos)
      << thrown.status().ToString();
  EXPECT_EQ(MapJson(thrower.get(), "A", R"({"n":8})"), Strings{R"({"n":8})"});
}

}  // namespace
}  // namespace rookery::js
