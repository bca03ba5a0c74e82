// JavaScript map and map/reduce indexes end to end on MemEnv (docs/design/js-indexes.md):
// definitions, fan-out, multi-map, errors and limits, incremental per-group reduce, load()
// reference tracking, restart, and a randomized incremental-versus-rebuild comparison.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "base/checksum.h"
#include "indexing/js_index_test_util.h"

namespace rookery::indexing {
namespace {

TEST(StaticDefinitionTest, ParsesDetectsAndRefuses) {
  auto d = StaticDefinitionFromRavenJson(J(
      R"js({"Name":"A","Maps":["map('Users', u => ({N: u.N}))"],"Fields":{"N":{"Indexing":"Exact"}}})js"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->type, IndexType::kJavaScriptMap);  // detected: no IndexType given
  EXPECT_EQ(json::Serialize(d->field_options), R"({"N":{"Indexing":"Exact"}})");
  auto mr = StaticDefinitionFromRavenJson(J(
      R"js({"Name":"B","IndexType":"JavaScriptMapReduce","Maps":["map('U', u => u)"],"Reduce":"groupBy(x => x.A).aggregate(g => g.values[0])"})js"));
  ASSERT_TRUE(mr.ok());
  EXPECT_EQ(mr->type, IndexType::kJavaScriptMapReduce);
  auto round = IndexDefinition::FromJson(mr->ToJson());
  ASSERT_TRUE(round.ok());
  EXPECT_TRUE(SameStaticDefinition(*round, *mr));

  auto csharp = StaticDefinitionFromRavenJson(
      J(R"({"Name":"C","Maps":["// c\nfrom u in docs.Users select new { u.Name }"]})"));
  EXPECT_EQ(csharp.status().code(), Code::kNotSupported);
  auto output = StaticDefinitionFromRavenJson(J(
      R"js({"Name":"D","Maps":["map('U', u => u)"],"Reduce":"groupBy(x => x.A).aggregate(g => g.values[0])","OutputReduceToCollection":"Out"})js"));
  ASSERT_TRUE(output.ok()) << output.status().ToString();
  EXPECT_EQ(output->output_collection, "Out");
  auto output_round = IndexDefinition::FromJson(output->ToJson());
  ASSERT_TRUE(output_round.ok());
  EXPECT_EQ(output_round->output_collection, "Out");
  auto map_output = StaticDefinitionFromRavenJson(
      J(R"js({"Name":"D2","Maps":["map('U', u => u)"],"OutputReduceToCollection":"Out"})js"));
  EXPECT_EQ(map_output.status().code(), Code::kInvalidArgument);
  auto pattern = StaticDefinitionFromRavenJson(J(
      R"js({"Name":"D3","Maps":["map('U', u => u)"],"Reduce":"groupBy(x => x.A).aggregate(g => g.values[0])","OutputReduceToCollection":"Out","PatternForOutputReduceToCollectionReferences":"x/{A}","PatternReferencesCollectionName":"Refs","AdditionalSources":{"h":"function h() {}"}})js"));
  ASSERT_TRUE(pattern.ok()) << pattern.status().ToString();
  auto pattern_round = IndexDefinition::FromJson(pattern->ToJson());
  ASSERT_TRUE(pattern_round.ok());
  EXPECT_TRUE(SameStaticDefinition(*pattern_round, *pattern));
  EXPECT_EQ(pattern_round->reference_pattern, "x/{A}");
  EXPECT_EQ(ReferencesCollection(*pattern_round), "Refs");
  ASSERT_EQ(pattern_round->additional_sources.size(), 1u);
  EXPECT_EQ(pattern_round->additional_sources[0].second, "function h() {}");
  auto no_field = StaticDefinitionFromRavenJson(J(
      R"js({"Name":"D4","Maps":["map('U', u => u)"],"Reduce":"groupBy(x => x.A).aggregate(g => g.values[0])","OutputReduceToCollection":"Out","PatternForOutputReduceToCollectionReferences":"x/y"})js"));
  EXPECT_EQ(no_field.status().code(), Code::kInvalidArgument);
  EXPECT_NE(no_field.status().message().find("Provided pattern is not supported: x/y"),
            std::string::npos);
  auto no_output = StaticDefinitionFromRavenJson(J(
      R"js({"Name":"D5","Maps":["map('U', u => u)"],"Reduce":"groupBy(x => x.A).aggregate(g => g.values[0])","PatternForOutputReduceToCollectionReferences":"x/{A}"})js"));
  EXPECT_EQ(no_output.status().code(), Code::kInvalidArgument);
  auto no_maps = StaticDefinitionFromRavenJson(J(R"({"Name":"E","Maps":[]})"));
  EXPECT_EQ(no_maps.status().code(), Code::kInvalidArgument);
}

TEST_F(JsIndexTest, SyntaxErrorCreatesNothing) {
  auto index = Define(Definition("Bad", {"map('Users', u => ({ N: u.N )"}));
  ASSERT_EQ(index.status().code(), Code::kInvalidArgument);
  EXPECT_NE(index.status().message().find("Maps[0]"), std::string::npos)
      << index.status().ToString();
  EXPECT_TRUE(manager_->List().empty());
  auto files = env_->ListDir("/db/Indexes");
  ASSERT_TRUE(files.ok());
  EXPECT_TRUE(files->empty());
}

TEST_F(JsIndexTest, MapFanOutMultiMapUpdatesDeletesAndRestart) {
  Put("users/1", R"({"Name":"Ann","Tags":["a","b"],"@metadata":{"@collection":"Users"}})");
  Put("dogs/1", R"({"Name":"Rex","@metadata":{"@collection":"Dogs"}})");
  Put("cats/1", R"({"Name":"Tom","@metadata":{"@collection":"Cats"}})");
  auto index = MustDefine(
      Definition("Names", {"map('Users', u => u.Tags.map(t => ({ Name: u.Name, Tag: t })))",
                           "map('Dogs', d => ({ Name: d.Name, Tag: 'dog' }))"}));
  ASSERT_NE(index, nullptr);
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index), (Lines{R"(dogs/1 -> {"Name":"Rex","Tag":"dog"})",
                                     R"(users/1 -> {"Name":"Ann","Tag":"a"})",
                                     R"(users/1 -> {"Name":"Ann","Tag":"b"})"}));
  Put("users/1", R"({"Name":"Ann","Tags":["c"],"@metadata":{"@collection":"Users"}})");
  Delete("dogs/1");
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index), (Lines{R"(users/1 -> {"Name":"Ann","Tag":"c"})"}));

  index.reset();
  Open();
  index = manager_->Find("names");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->definition().type, IndexType::kJavaScriptMap);
  EXPECT_EQ(index->definition().collections, (std::vector<std::string>{"Users", "Dogs"}));
  Put("dogs/2", R"({"Name":"Fido","@metadata":{"@collection":"Dogs"}})");
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index), (Lines{R"(dogs/2 -> {"Name":"Fido","Tag":"dog"})",
                                     R"(users/1 -> {"Name":"Ann","Tag":"c"})"}));
}

TEST_F(JsIndexTest, UserErrorsAreRecordedAndIndexingContinues) {
  Put("users/1", R"({"Name":"Ann","@metadata":{"@collection":"Users"}})");
  Put("users/2", R"({"Name":"Bob","Loop":true,"@metadata":{"@collection":"Users"}})");
  Put("users/3", R"({"@metadata":{"@collection":"Users"}})");
  auto index = MustDefine(Definition(
      "Limited",
      {"map('Users', u => { if (u.Loop) { for (;;) {} } return { L: u.Name.length }; })"}, "",
      R"({"Indexing.JavaScript.TimeLimitInMs":"100"})"));
  ASSERT_NE(index, nullptr);
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index), (Lines{R"(users/1 -> {"L":3})"}));
  const auto errors = index->recent_errors();
  ASSERT_EQ(errors.size(), 2u);
  std::vector<std::string> docs = {errors[0].document, errors[1].document};
  std::sort(docs.begin(), docs.end());
  EXPECT_EQ(docs, (std::vector<std::string>{"users/2", "users/3"}));
  for (const IndexError& e : errors) {
    EXPECT_EQ(e.action, "Map");
    const char* expected = e.document == "users/2" ? "time limit of 100 ms" : "TypeError";
    EXPECT_NE(e.error.find(expected), std::string::npos) << e.error;
  }
  EXPECT_EQ(index->stats().map_errors, 2u);
  EXPECT_EQ(index->stats().map_attempts, 3u);
  // The failing document fixed: its entry appears.
  Put("users/3", R"({"Name":"Cy","@metadata":{"@collection":"Users"}})");
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index), (Lines{R"(users/1 -> {"L":3})", R"(users/3 -> {"L":2})"}));
}

TEST_F(JsIndexTest, MapReduceReReducesOnlyTouchedGroups) {
  for (int i = 0; i < 30; ++i) {
    Put("orders/" + std::to_string(i), R"({"Company":"c)" + std::to_string(i % 10) +
                                           R"(","Total":)" + std::to_string(i) +
                                           R"(,"@metadata":{"@collection":"Orders"}})");
  }
  auto index = MustDefine(Definition(
      "Totals", {"map('Orders', o => ({ Company: o.Company, Count: 1, Total: o.Total }))"},
      kCountByCompany));
  ASSERT_NE(index, nullptr);
  WaitNonStale(*index);
  auto contents = Contents(*index);
  ASSERT_EQ(contents.size(), 10u);
  EXPECT_EQ(contents[0], R"({"Company":"c0","Count":3,"Total":30})");
  const uint64_t reduced = index->stats().reduce_attempts;

  // Moving one order from c1 to c2 re-reduces exactly those two groups.
  Put("orders/1", R"({"Company":"c2","Total":100,"@metadata":{"@collection":"Orders"}})");
  WaitNonStale(*index);
  EXPECT_EQ(index->stats().reduce_attempts, reduced + 2);
  contents = Contents(*index);
  EXPECT_EQ(contents[1], R"({"Company":"c1","Count":2,"Total":32})");
  EXPECT_EQ(contents[2], R"({"Company":"c2","Count":4,"Total":136})");

  // Deleting every order of c0 removes the group (no reduce call for an empty group).
  manager_->StopIndexing();  // one batch: the group is seen empty, not reduced on the way
  for (int i : {0, 10, 20}) Delete("orders/" + std::to_string(i));
  manager_->StartIndexing();
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index).size(), 9u);
  EXPECT_EQ(index->stats().reduce_attempts, reduced + 2);
}

TEST_F(JsIndexTest, ReduceMayReturnSeveralResults) {
  for (int i = 0; i < 8; ++i) {
    Put("posts/" + std::to_string(i), R"({"Community":"x","Date":")" + std::to_string(2000 + i) +
                                          R"(","@metadata":{"@collection":"Posts"}})");
  }
  auto index = MustDefine(Definition(
      "Recent", {"map('Posts', p => ({ Community: p.Community, Post: id(p), Date: p.Date }))"},
      "groupBy(x => x.Community).aggregate(g => g.values.sort((a, b) => a.Date < b.Date ? 1 : "
      "-1).slice(0, 3).map(v => ({ Community: g.key, Post: v.Post, Date: v.Date })))"));
  ASSERT_NE(index, nullptr);
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index), (Lines{R"({"Community":"x","Post":"posts/5","Date":"2005"})",
                                     R"({"Community":"x","Post":"posts/6","Date":"2006"})",
                                     R"({"Community":"x","Post":"posts/7","Date":"2007"})"}));
}

TEST_F(JsIndexTest, LoadTracksReferences) {
  Put("companies/1", R"({"Name":"Acme","@metadata":{"@collection":"Companies"}})");
  Put("orders/1", R"({"Company":"companies/1","@metadata":{"@collection":"Orders"}})");
  Put("orders/2", R"({"Company":"companies/2","@metadata":{"@collection":"Orders"}})");
  auto index = MustDefine(Definition(
      "OrdersByCompanyName", {"map('Orders', o => { const c = load(o.Company, 'Companies'); "
                              "return { Name: c ? c.Name : null }; })"}));
  ASSERT_NE(index, nullptr);
  EXPECT_TRUE(index->definition().uses_load);
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index),
            (Lines{R"(orders/1 -> {"Name":"Acme"})", R"(orders/2 -> {"Name":null})"}));
  Put("companies/1", R"({"Name":"Acme 2","@metadata":{"@collection":"Companies"}})");
  Put("companies/2", R"({"Name":"Beta","@metadata":{"@collection":"Companies"}})");  // was missing
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index),
            (Lines{R"(orders/1 -> {"Name":"Acme 2"})", R"(orders/2 -> {"Name":"Beta"})"}));
  Delete("companies/1");
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index),
            (Lines{R"(orders/1 -> {"Name":null})", R"(orders/2 -> {"Name":"Beta"})"}));
}

TEST_F(JsIndexTest, RedefiningRebuildsAndSameDefinitionKeepsTheIndex) {
  Put("users/1", R"({"Name":"Ann","@metadata":{"@collection":"Users"}})");
  auto a = MustDefine(Definition("U", {"map('Users', u => ({ N: u.Name }))"}));
  ASSERT_NE(a, nullptr);
  WaitNonStale(*a);
  auto same = MustDefine(Definition("U", {"map('Users', u => ({ N: u.Name }))"}));
  EXPECT_EQ(same.get(), a.get());
  // Replacing deletes the old index, which waits for its holders to let go.
  a.reset();
  same.reset();
  auto changed = MustDefine(Definition("U", {"map('Users', u => ({ M: u.Name + '!' }))"}));
  ASSERT_NE(changed, nullptr);
  EXPECT_EQ(manager_->List().size(), 1u);
  WaitNonStale(*changed);
  EXPECT_EQ(Contents(*changed), (Lines{R"(users/1 -> {"M":"Ann!"})"}));
  changed.reset();
  ASSERT_TRUE(manager_->Reset("u").ok());
  auto reset = manager_->Find("U");
  ASSERT_NE(reset, nullptr);
  WaitNonStale(*reset);
  EXPECT_EQ(Contents(*reset), (Lines{R"(users/1 -> {"M":"Ann!"})"}));
}

// Random puts, updates and deletes in batches; after each batch the incrementally maintained
// index equals a from-scratch rebuild (a new index with the same definition). Run with the
// default flat-group limit (groups here stay small: always reduced flat) and with a limit of 2,
// where most groups are large and every batch that only adds to them re-reduces additively.
class JsIncrementalTest : public JsIndexTest, public ::testing::WithParamInterface<size_t> {};

INSTANTIATE_TEST_SUITE_P(FlatGroupLimit, JsIncrementalTest, ::testing::Values(64, 2));

TEST_P(JsIncrementalTest, RandomizedIncrementalEqualsRebuild) {
  options_.flat_group_limit = GetParam();
  Open();
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const std::vector<std::string> maps = {
      // Fan-out: one entry per line, grouped by company; some documents produce nothing.
      "map('Orders', o => (o.Lines || []).map(l => ({ Company: o.Company, Count: 1, Total: "
      "l.Qty })))"};
  auto live = MustDefine(Definition("Live", maps, kCountByCompany));
  ASSERT_NE(live, nullptr);
  for (int round = 0; round < 8; ++round) {
    // Some rounds only add documents (the additive path for large groups), others mix in
    // updates and deletes.
    const bool adds_only = round % 2 == 1;
    for (int op = 0; op < 40; ++op) {
      const std::string id = "orders/" + std::to_string(adds_only ? 1000 + round * 40 + op
                                                                  : static_cast<int>(rng() % 60));
      if (!adds_only && rng() % 4 == 0) {
        Delete(id);
        continue;
      }
      std::string lines;
      const int n = static_cast<int>(rng() % 4);
      for (int l = 0; l < n; ++l) {
        lines += (l ? "," : "") + std::string(R"({"Qty":)") + std::to_string(rng() % 50) + "}";
      }
      Put(id, R"({"Company":"c)" + std::to_string(rng() % 7) + R"(","Lines":[)" + lines +
                  R"(],"@metadata":{"@collection":"Orders"}})");
    }
    WaitNonStale(*live);
    auto rebuilt = MustDefine(Definition("Rebuilt" + std::to_string(round), maps, kCountByCompany));
    ASSERT_NE(rebuilt, nullptr);
    WaitNonStale(*rebuilt);
    ASSERT_FALSE(Contents(*live).empty());
    ASSERT_EQ(Contents(*live), Contents(*rebuilt)) << "round " << round;
    const std::string name = rebuilt->name();
    rebuilt.reset();
    ASSERT_TRUE(manager_->Delete(name).ok());
  }
}

// A large group that only gains entries is reduced from its stored output and the new entries:
// a reduce that is not re-reducible (g.values.length) shows it. Small groups are reduced flat.
TEST_F(JsIndexTest, LargeGroupsReReduceAdditively) {
  options_.flat_group_limit = 3;
  Open();
  const char* reduce = "groupBy(x => x.C).aggregate(g => ({ C: g.key, N: g.values.length }))";
  auto index = MustDefine(Definition("N", {"map('Orders', o => ({ C: o.C }))"}, reduce));
  ASSERT_NE(index, nullptr);
  for (int i = 0; i < 3; ++i) {
    Put("orders/" + std::to_string(i), R"({"C":"a","@metadata":{"@collection":"Orders"}})");
  }
  Put("orders/9", R"({"C":"b","@metadata":{"@collection":"Orders"}})");
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index), (Lines{R"({"C":"a","N":3})", R"({"C":"b","N":1})"}));
  // "a" has 3 entries (the limit): reduce([its output, the new entry]) has 2 values. "b" has 1:
  // flat, 2 values.
  Put("orders/3", R"({"C":"a","@metadata":{"@collection":"Orders"}})");
  Put("orders/10", R"({"C":"b","@metadata":{"@collection":"Orders"}})");
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index), (Lines{R"({"C":"a","N":2})", R"({"C":"b","N":2})"}));
  // A removal re-reduces flat from every entry.
  Delete("orders/0");
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index), (Lines{R"({"C":"a","N":3})", R"({"C":"b","N":2})"}));
}

}  // namespace
}  // namespace rookery::indexing

namespace rookery::indexing {
namespace {

TEST_F(JsOutputTest, ResultsBecomeArtificialDocuments) {
  auto index = MustDefine(
      WithOutput(Definition("Totals", {kOrderTotals}, kCountByCompany), "CompanyTotals"));
  ASSERT_NE(index, nullptr);
  Put("orders/1", R"({"Company":"c1","Total":10,"@metadata":{"@collection":"Orders"}})");
  Put("orders/2", R"({"Company":"c1","Total":5,"@metadata":{"@collection":"Orders"}})");
  Put("orders/3", R"({"Company":"c2","Total":7,"@metadata":{"@collection":"Orders"}})");
  WaitNonStale(*index);
  // Ids: collection + "/" + XXH64 (seed 0) of the reduce key's JSON text, in decimal.
  const std::string c1 = "CompanyTotals/" + std::to_string(Hash64(R"("c1")"));
  const std::string c2 = "CompanyTotals/" + std::to_string(Hash64(R"("c2")"));
  auto docs = Collection("CompanyTotals/");
  ASSERT_EQ(docs.size(), 2u);
  ASSERT_EQ(docs.count(c1), 1u);
  const documents::Document& d1 = docs.at(c1);
  EXPECT_EQ(d1.collection, "CompanyTotals");
  EXPECT_EQ(d1.flags, "Artificial, FromIndex");
  auto body = J(d1.json);
  EXPECT_EQ(json::Serialize(*body.Find("Total")), "15");
  EXPECT_EQ(json::Serialize(*body.Find("Count")), "2");
  const uint64_t c2_etag = docs.at(c2).etag;

  // An update changes only its group's document; deleting a group's last source removes it.
  Put("orders/2", R"({"Company":"c1","Total":6,"@metadata":{"@collection":"Orders"}})");
  Delete("orders/3");
  WaitNonStale(*index);
  docs = Collection("CompanyTotals/");
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(json::Serialize(*J(docs.at(c1).json).Find("Total")), "16");
  EXPECT_EQ(docs.count(c2), 0u);
  Put("orders/3", R"({"Company":"c2","Total":7,"@metadata":{"@collection":"Orders"}})");
  WaitNonStale(*index);
  docs = Collection("CompanyTotals/");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_GT(docs.at(c2).etag, c2_etag);  // written anew through the database's write path

  // A user's write of an output document is an ordinary document: no Artificial flag. The index
  // overwrites it when its group next changes.
  Put(c1, R"({"Company":"c1","Total":-1,"@metadata":{"@collection":"CompanyTotals"}})");
  auto user = db_->Get(c1);
  ASSERT_TRUE(user.ok() && user->has_value());
  EXPECT_EQ((*user)->flags, "");
  Put("orders/4", R"({"Company":"c1","Total":1,"@metadata":{"@collection":"Orders"}})");
  WaitNonStale(*index);
  docs = Collection("CompanyTotals/");
  EXPECT_EQ(json::Serialize(*J(docs.at(c1).json).Find("Total")), "17");
  EXPECT_EQ(docs.at(c1).flags, "Artificial, FromIndex");

  // A changed definition rebuilds the index; outputs of groups that no longer exist go, user
  // documents of the collection stay.
  Put("CompanyTotals/mine", R"({"Note":"user","@metadata":{"@collection":"CompanyTotals"}})");
  index.reset();  // Delete (of the replaced index) waits for every holder
  auto regrouped = MustDefine(WithOutput(
      Definition("Totals", {kOrderTotals},
                 "groupBy(x => 'all').aggregate(g => ({ Company: 'all', Count: g.values.length, "
                 "Total: g.values.reduce((a, v) => a + v.Total, 0) }))"),
      "CompanyTotals"));
  ASSERT_NE(regrouped, nullptr);
  WaitNonStale(*regrouped);
  docs = Collection("CompanyTotals/");
  ASSERT_EQ(docs.size(), 2u);
  const std::string all = "CompanyTotals/" + std::to_string(Hash64(R"("all")"));
  ASSERT_EQ(docs.count(all), 1u);
  EXPECT_EQ(json::Serialize(*J(docs.at(all).json).Find("Total")), "24");
  EXPECT_EQ(docs.count("CompanyTotals/mine"), 1u);
}

TEST_F(JsOutputTest, RefusesOutputCollisions) {
  auto own = Define(WithOutput(Definition("Self", {kOrderTotals}, kCountByCompany), "orders"));
  EXPECT_EQ(own.status().code(), Code::kInvalidArgument);
  EXPECT_NE(own.status().message().find("forbidden"), std::string::npos);
  ASSERT_NE(MustDefine(WithOutput(Definition("A", {kOrderTotals}, kCountByCompany), "Out")),
            nullptr);
  auto twice = Define(WithOutput(Definition("B", {kOrderTotals}, kCountByCompany), "out"));
  EXPECT_EQ(twice.status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(manager_->Find("B") == nullptr);
}

// A second index over the first one's output collection stays equal to what the source
// documents imply through random updates and deletes.
TEST_F(JsOutputTest, ChainedIndexFollowsSourceChanges) {
  auto first = MustDefine(
      WithOutput(Definition("Totals", {kOrderTotals}, kCountByCompany), "CompanyTotals"));
  auto second = MustDefine(Definition(
      "Sizes", {"map('CompanyTotals', t => ({ Size: t.Total >= 100 ? 'big' : 'small', N: 1 }))"},
      "groupBy(x => x.Size).aggregate(g => ({ Size: g.key, "
      "N: g.values.reduce((a, v) => a + v.N, 0) }))"));
  ASSERT_TRUE(first != nullptr && second != nullptr);
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::map<std::string, std::pair<int, int>> orders;  // id -> (company, total)
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 15; ++i) {
      const std::string id = "orders/" + std::to_string(rng() % 30);
      if (rng() % 4 == 0) {
        Delete(id);
        orders.erase(id);
      } else {
        const int company = static_cast<int>(rng() % 8), total = static_cast<int>(rng() % 60);
        Put(id, R"({"Company":"c)" + std::to_string(company) + R"(","Total":)" +
                    std::to_string(total) + R"(,"@metadata":{"@collection":"Orders"}})");
        orders[id] = {company, total};
      }
    }
    WaitNonStale(*second);
    std::map<int, int> totals;
    for (const auto& [id, o] : orders) totals[o.first] += o.second;
    std::map<std::string, int> sizes;
    for (const auto& [company, total] : totals) ++sizes[total >= 100 ? "big" : "small"];
    Lines expected;
    for (const auto& [size, n] : sizes)
      expected.push_back(R"({"Size":")" + size + R"(","N":)" + std::to_string(n) + "}");
    ASSERT_EQ(Contents(*second), expected) << "round " << round;
    ASSERT_EQ(Collection("CompanyTotals/").size(), totals.size()) << "round " << round;
  }
}

TEST(InvalidIndexTest, RavenDbFailureRateRule) {
  IndexStats st;
  EXPECT_EQ(InvalidIndexMessage("I", st, false), "");  // nothing attempted
  st.map_attempts = 5;
  st.map_errors = 4;
  EXPECT_EQ(InvalidIndexMessage("I", st, false), "");  // too few attempts to judge
  st.map_errors = 5;
  EXPECT_EQ(InvalidIndexMessage("I", st, true), "");   // all failed, but still indexing
  EXPECT_NE(InvalidIndexMessage("I", st, false), "");  // all failed and done
  st.map_attempts = 20;
  st.map_errors = 3;
  EXPECT_EQ(InvalidIndexMessage("I", st, false), "");  // 15%: not above the threshold
  st.map_errors = 4;
  EXPECT_EQ(InvalidIndexMessage("I", st, false),
            "Index I is invalid, out of 20 map attempts, 4 has failed. Error rate of 20.00% "
            "exceeds allowed 15% error rate");
  EXPECT_EQ(InvalidIndexMessage("I", st, true), "");  // under 100 attempts and stale: wait
  st.map_attempts = 101;
  st.map_errors = 16;
  st.reduce_attempts = 9;
  st.reduce_errors = 1;
  EXPECT_NE(InvalidIndexMessage("I", st, true).find("101 map attempts and 9 reduce attempts"),
            std::string::npos);  // over 100 attempts: judged even while stale
}

TEST_F(JsOutputTest, HighErrorRateMarksTheIndexErrored) {
  for (int i = 0; i < 10; ++i) {
    Put("users/" + std::to_string(i),
        R"({"N":)" + std::to_string(i) + R"(,"@metadata":{"@collection":"Users"}})");
  }
  // One failing document in ten: 10% stays under RavenDB's 15%.
  auto fine = MustDefine(Definition("Fine", {"map('Users', u => { if (u.N === 3) throw new "
                                             "Error('bad'); return { N: u.N }; })"}));
  auto bad = MustDefine(Definition("Bad", {"map('Users', u => u.Missing.N)"}));
  ASSERT_TRUE(fine != nullptr && bad != nullptr);
  WaitNonStale(*fine);
  EXPECT_EQ(fine->stats().map_errors, 1u);
  auto done = manager_->WaitForNonStale(*bad, 30 * 1000 * 1000);
  ASSERT_TRUE(done.ok() && *done);
  // The state is set right after the batch that made the index non-stale commits.
  std::string error;
  for (int i = 0; i < 30000 && (error = manager_->ErrorOf("Bad")).empty(); ++i) {
    env_->SleepMicros(1000);
  }
  EXPECT_NE(error.find("Index Bad is invalid, out of 10 map attempts, 10 has failed"),
            std::string::npos)
      << error;
  // An errored index is not indexed any more.
  Put("users/10", R"({"N":10,"@metadata":{"@collection":"Users"}})");
  WaitNonStale(*fine);
  EXPECT_EQ(bad->stats().map_attempts, 10u);
}

}  // namespace
}  // namespace rookery::indexing
