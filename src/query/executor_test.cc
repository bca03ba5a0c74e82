// QueryEngine on MemEnv: the ordered range path (one term-tree scan for a numeric range ordered
// by the same field) must give exactly what the general path gives (collect every match, stable
// sort, page), TotalResults included, for every data shape; and it must step aside when the
// index has irregular entries.
#include "query/executor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "indexing/index_manager.h"
#include "indexing/term.h"
#include "query/parser.h"
#include "query/planner.h"

namespace rookery::query {
namespace {

json::Value J(std::string_view text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? std::move(v).value() : json::Value();
}

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = platform::NewMemEnv();
    auto db = documents::Database::Open(*env_, "/db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto m = indexing::IndexManager::Open(*env_, "/db", *db_);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    manager_ = std::move(m).value();
    engine_ = std::make_unique<QueryEngine>(*env_, *db_, *manager_);
  }
  void Put(std::string id, const std::string& json) {
    std::vector<documents::Command> c;
    c.push_back(documents::PutCommand{std::move(id), J(json), std::nullopt});
    auto r = db_->Execute(std::move(c));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  QueryResult Run(const std::string& rql, const std::string& parameters) {
    QueryRequest request;
    request.text = rql;
    request.parameters = J(parameters);
    request.wait_for_non_stale = true;
    auto r = engine_->Run(request);
    EXPECT_TRUE(r.ok()) << rql << ": " << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_FALSE(r->is_stale) << rql;
    return std::move(r).value();
  }
  // The same range and order through the ordered path and through the general one (`and true`
  // makes the where clause a conjunction, which the ordered path does not take).
  void ExpectSame(const std::string& condition, const std::string& order,
                  const std::string& parameters, const std::string& paging) {
    const std::string fast = "from Items where " + condition + " order by " + order + paging;
    const std::string general =
        "from Items where (" + condition + ") and true order by " + order + paging;
    const QueryResult a = Run(fast, parameters);
    const QueryResult b = Run(general, parameters);
    EXPECT_EQ(a.total_results, b.total_results) << fast << " " << parameters;
    EXPECT_EQ(a.results, b.results) << fast << " " << parameters;
  }

  std::unique_ptr<platform::Env> env_;
  std::unique_ptr<documents::Database> db_;
  std::unique_ptr<indexing::IndexManager> manager_;
  std::unique_ptr<QueryEngine> engine_;
};

// Values with repeats, fractions (ties under `as long`), negatives, -0, strings, numeric strings
// and missing fields; ids inserted out of lower-id order.
TEST_F(ExecutorTest, OrderedRangeMatchesTheGeneralPath) {
  const uint32_t seed = ::testing::UnitTest::GetInstance()->random_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  const char* const kOdd[] = {"\"7\"", "\"abc\"", "null", "true", "-0.0", "2.5", "-2.5"};
  for (int i = 0; i < 300; ++i) {
    std::string score;
    const int kind = static_cast<int>(rng() % 10);
    if (kind < 5) {
      score = std::to_string(static_cast<int>(rng() % 60) - 20);
    } else if (kind < 8) {
      score = std::to_string(static_cast<int>(rng() % 40) - 20) + "." + std::to_string(rng() % 10);
    } else {
      score = kOdd[rng() % 7];
    }
    const std::string body = i % 13 == 0 ? "" : "\"Score\":" + score + ",";
    // Mixed-case ids: projections must return each id's original casing.
    Put((i % 3 == 0 ? "Items/X" : "items/") + std::to_string(rng() % 100000) + "-" +
            std::to_string(i),
        "{" + body + "\"N\":" + std::to_string(i) + ",\"@metadata\":{\"@collection\":\"Items\"}}");
  }
  for (const std::string order :
       {"Score as long", "Score as double", "Score as long select id() as Id, Score, N"}) {
    for (const std::string paging : {"", " limit 5", " limit 7, 11", " limit 290, 25"}) {
      ExpectSame("Score between $a and $b", order, R"({"a":-5,"b":12})", paging);
      ExpectSame("Score between $a and $b", order, R"({"a":-2.5,"b":2.5})", paging);
      ExpectSame("Score > $a", order, R"({"a":3})", paging);
      ExpectSame("Score >= $a", order, R"({"a":3})", paging);
      ExpectSame("Score < $a", order, R"({"a":0})", paging);
      ExpectSame("Score <= $a", order, R"({"a":0})", paging);
      ExpectSame("Score between $a and $b", order, R"({"a":100,"b":200})", paging);
    }
  }
  // The projected ids keep their casing on the ordered path.
  const QueryResult p = Run(
      "from Items where Score between -100 and 100 order by Score as long select id() as Id", "{}");
  EXPECT_TRUE(std::any_of(p.results.begin(), p.results.end(), [](const std::string& r) {
    return r.find("\"Items/X") != std::string::npos;
  }));
}

// Arrays and integers beyond 2^53 make entries irregular: the ordered path must not be used
// (a document would be counted twice, or ordered by a value other than its first), and results
// still agree with the general path.
TEST_F(ExecutorTest, IrregularEntriesFallBackToTheGeneralPath) {
  for (int i = 0; i < 40; ++i) {
    Put("items/" + std::to_string(i),
        "{\"Score\":" + std::to_string(i % 17) + ",\"@metadata\":{\"@collection\":\"Items\"}}");
  }
  Put("items/a", R"({"Score":[15,3,4],"@metadata":{"@collection":"Items"}})");
  Put("items/b", R"({"Score":9007199254740993,"@metadata":{"@collection":"Items"}})");
  for (const std::string paging : {"", " limit 3", " limit 10, 10"}) {
    ExpectSame("Score between $a and $b", "Score as long", R"({"a":2,"b":10})", paging);
    ExpectSame("Score >= $a", "Score as double", R"({"a":9007199254740992})", paging);
  }
  const QueryResult r =
      Run("from Items where Score between $a and $b order by Score as long", R"({"a":3,"b":4})");
  EXPECT_EQ(r.total_results, 2u * 3 + 1);  // 3 and 4 twice each in 0..39 % 17, items/a once
}

// A string equality takes its term-tree candidates without evaluating their entries
// (CandidatesAreMatches): it must give exactly what evaluation gives (`and true` forces it), for
// case variants, arrays (nested too), numbers, numeric texts, nulls and missing fields.
TEST_F(ExecutorTest, ExactCandidatesMatchEvaluation) {
  const uint32_t seed = ::testing::UnitTest::GetInstance()->random_seed();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  const char* const kValues[] = {"\"abc\"",
                                 "\"ABC\"",
                                 "\"Abc\"",
                                 "\"x\"",
                                 "\"\\u00c9t\u00e9\"",
                                 "\"\u00e9T\u00c9\"",
                                 "31",
                                 "31.0",
                                 "\"31\"",
                                 "\"31.0\"",
                                 "null",
                                 "true",
                                 "[\"abc\",1]",
                                 "[[\"X\"]]",
                                 "[]",
                                 "{\"a\":\"abc\"}"};
  for (int i = 0; i < 200; ++i) {
    const std::string value = kValues[rng() % std::size(kValues)];
    const std::string body = i % 11 == 0 ? "" : "\"Tag\":" + value + ",";
    Put((i % 2 ? "Items/T" : "items/t") + std::to_string(i),
        "{" + body + "\"@metadata\":{\"@collection\":\"Items\"}}");
  }
  for (const char* wanted : {"abc", "ABC", "x", "X", "\u00e9t\u00e9", "31", "31.0", "nope", ""}) {
    const std::string parameters =
        json::Serialize(json::Value::Object({json::Member("t", json::Value::String(wanted))}));
    const QueryResult fast = Run("from Items where Tag = $t", parameters);
    const QueryResult evaluated = Run("from Items where Tag = $t and true", parameters);
    EXPECT_EQ(fast.total_results, evaluated.total_results) << wanted;
    EXPECT_EQ(fast.results, evaluated.results) << wanted;
  }
  EXPECT_GT(Run("from Items where Tag = 'abc'", "{}").total_results, 0u);
}

// AnswersQuickly: only queries that need no wait and no new index, with a bounded number of
// entries to read; the probe itself creates nothing.
TEST_F(ExecutorTest, AnswersQuicklyOnlyBoundedQueriesOnExistingIndexes) {
  for (int i = 0; i < 300; ++i) {
    Put("items/" + std::to_string(i), "{\"Category\":\"c" + std::to_string(i / 10) +
                                          "\",\"Kind\":\"all\",\"Score\":" + std::to_string(i) +
                                          ",\"@metadata\":{\"@collection\":\"Items\"}}");
  }
  auto quick = [&](const std::string& rql, const std::string& parameters, bool wait = false) {
    QueryRequest request;
    request.text = rql;
    request.parameters = J(parameters);
    request.wait_for_non_stale = wait;
    const bool answers = engine_->AnswersQuickly(request);
    // RunIfQuick runs exactly the queries AnswersQuickly accepts, with Run's results.
    auto ran = engine_->RunIfQuick(request);
    EXPECT_TRUE(ran.ok()) << rql;
    if (ran.ok()) {
      EXPECT_EQ(ran->has_value(), answers) << rql << " " << parameters;
      if (ran->has_value()) {
        auto full = engine_->Run(request);
        EXPECT_TRUE(full.ok()) << rql;
        if (full.ok()) {
          EXPECT_EQ((*ran)->results, full->results) << rql << " " << parameters;
          EXPECT_EQ((*ran)->total_results, full->total_results) << rql << " " << parameters;
          EXPECT_EQ((*ran)->index_name, full->index_name) << rql;
        }
      }
    }
    return answers;
  };
  const std::string eq = "from Items where Category = $c";
  const std::string range =
      "from Items where Score between $a and $b order by Score as long limit $o, $n";
  EXPECT_FALSE(quick(eq, R"({"c":"c3"})"));  // would create the index
  EXPECT_TRUE(manager_->List().empty());
  EXPECT_EQ(Run(eq, R"({"c":"c3"})").results.size(), 10u);
  EXPECT_TRUE(quick(eq, R"({"c":"c3"})"));
  EXPECT_TRUE(quick(eq, R"({"c":"nothing"})"));
  EXPECT_FALSE(quick(eq, R"({"c":"c3"})", /*wait=*/true));
  EXPECT_FALSE(quick(eq, R"({})"));                            // missing parameter: Run reports it
  EXPECT_FALSE(quick("from Items where", R"({})"));            // malformed: Run reports it
  EXPECT_FALSE(quick("from Items where Kind = 'all'", "{}"));  // would widen the index
  EXPECT_EQ(manager_->Find("Auto/Items/ByCategoryAndKind"), nullptr);
  EXPECT_FALSE(quick(range, R"({"a":0,"b":299,"o":0,"n":25})"));  // likewise
  EXPECT_EQ(Run(range, R"({"a":0,"b":299,"o":0,"n":25})").total_results, 300u);
  EXPECT_EQ(Run("from Items where Kind = 'all' and Score >= 0", "{}").total_results, 300u);
  // More candidates than kQuickEntries: not quick, unless an ordered range reads only its page.
  EXPECT_FALSE(quick("from Items where Kind = 'all'", "{}"));
  EXPECT_TRUE(quick(range, R"({"a":0,"b":299,"o":0,"n":25})"));
  EXPECT_FALSE(quick(range, R"({"a":0,"b":299,"o":0,"n":1000})"));
  EXPECT_FALSE(quick(range, R"({"a":0,"b":299,"o":250,"n":25})"));
  EXPECT_TRUE(quick(range, R"({"a":5,"b":20,"o":null,"n":null})"));  // 16 candidates
  EXPECT_FALSE(quick("from Items where Score >= 0 order by Score as long", "{}"));
  // Scans, group by and unknown indexes are never quick; direct loads by id are.
  EXPECT_FALSE(quick("from Items", "{}"));
  EXPECT_FALSE(quick("from Items group by Category", "{}"));
  EXPECT_FALSE(quick("from index 'Nope' where Category = 'c1'", "{}"));
  EXPECT_TRUE(quick("from Items where id() = 'items/1'", "{}"));
  // An index behind the database is not quick (its staleness check reads changes).
  manager_->StopIndexing();
  Put("other/1", R"({"@metadata":{"@collection":"Other"}})");
  EXPECT_FALSE(quick(eq, R"({"c":"c3"})"));
  manager_->StartIndexing();
  EXPECT_EQ(Run(eq, R"({"c":"c3"})").results.size(), 10u);  // not stale: nothing of Items
  // The worker records the other collection's change as covered, and the query is quick again.
  for (int i = 0; i < 3000 && !quick(eq, R"({"c":"c3"})"); ++i) env_->SleepMicros(1000);
  EXPECT_TRUE(quick(eq, R"({"c":"c3"})"));
  // Cached parses answer each parameter set on its own.
  EXPECT_EQ(Run(eq, R"({"c":"c4"})").results, Run(eq, R"({"c":"c4"})").results);
  EXPECT_NE(Run(eq, R"({"c":"c4"})").results, Run(eq, R"({"c":"c5"})").results);
}

TEST(OrderedRangeForTest, OnlySingleNumericRangesOrderedByTheSameFieldAscending) {
  indexing::IndexDefinition d;
  d.collection = "Items";
  d.fields = {"Score", "Name"};
  auto plan = [&](const std::string& rql, const std::string& params) {
    auto q = ParseQuery(rql);
    EXPECT_TRUE(q.ok()) << rql;
    auto r = OrderedRangeFor(*q, d, J(params));
    EXPECT_TRUE(r.ok()) << rql;
    return r.ok() ? *r : std::nullopt;
  };
  const std::string p = R"({"a":1,"b":5,"big":9007199254740993,"s":"x"})";
  auto r = plan("from Items where Score between $a and $b order by Score as long", p);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->path, "Score");
  EXPECT_TRUE(r->truncate);
  EXPECT_EQ(r->lo, indexing::EncodeNumberTerm(1));
  EXPECT_EQ(r->hi, indexing::EncodeNumberTerm(5) + "\xFF");
  EXPECT_DOUBLE_EQ(DecodeNumberTermKey(r->lo + "items/1"), 1.0);
  EXPECT_DOUBLE_EQ(DecodeNumberTermKey(indexing::EncodeNumberTerm(-2.75)), -2.75);
  r = plan("from Items where Score > $a order by Score as double limit 3", p);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->truncate);
  EXPECT_EQ(r->lo, indexing::EncodeNumberTerm(1) + "\xFF");

  EXPECT_FALSE(plan("from Items where Score between $a and $b order by Score", p));
  EXPECT_FALSE(plan("from Items where Score between $a and $b order by Score as long desc", p));
  EXPECT_FALSE(plan("from Items where Score between $a and $b order by Name as long", p));
  EXPECT_FALSE(plan("from Items where Score between $a and $b order by Score as long, Name", p));
  EXPECT_FALSE(plan("from Items where Score between $a and $big order by Score as long", p));
  EXPECT_FALSE(plan("from Items where Score > $s order by Score as long", p));
  EXPECT_FALSE(plan("from Items where Score = $a order by Score as long", p));
  EXPECT_FALSE(plan("from Items where Score > $a and Name = $s order by Score as long", p));
  EXPECT_FALSE(plan("from Items where Other > $a order by Other as long", p));
}

}  // namespace
}  // namespace rookery::query

namespace rookery::query {
namespace {

// `from index` over JavaScript indexes: map entries (where on entry fields, each document once
// despite fan-out) and map/reduce results (where, order, limit, include, load + select).
TEST_F(ExecutorTest, QueriesJavaScriptIndexes) {
  for (int i = 0; i < 12; ++i) {
    Put("posts/" + std::to_string(i),
        R"({"C":"c)" + std::to_string(i % 3) + R"(","D":)" + std::to_string(i) + R"(,"T":"t)" +
            std::to_string(i) + R"(","Tags":["x","y"],"@metadata":{"@collection":"Posts"}})");
  }
  auto define = [&](std::string_view raven) {
    auto d = indexing::StaticDefinitionFromRavenJson(J(raven));
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    ASSERT_TRUE(manager_->PutStatic(std::move(d).value()).ok());
  };
  define(
      R"js({"Name":"ByTag","Maps":["map('Posts', p => p.Tags.map(t => ({ Tag: t, C: p.C })))"]})js");
  define(R"js({"Name":"Top2","Maps":["map('Posts', p => ({ C: p.C, Post: id(p), D: p.D }))"],
    "Reduce":"groupBy(x => x.C).aggregate(g => g.values.sort((a, b) => b.D - a.D).slice(0, 2).map(v => ({ C: g.key, Post: v.Post, D: v.D })))"})js");

  QueryResult r = Run("from index 'ByTag' where C = 'c1'", "{}");
  EXPECT_EQ(r.total_results, 4u);  // posts 1, 4, 7, 10 once each (two tags)

  r = Run("from index 'Top2' where C in ($c) order by D as long desc include Post limit 3",
          R"({"c":["c0","c2"]})");
  ASSERT_EQ(r.results.size(), 3u);
  EXPECT_EQ(J(r.results[0]).Find("Post")->as_string(), "posts/11");
  EXPECT_EQ(J(r.results[1]).Find("Post")->as_string(), "posts/9");
  EXPECT_EQ(J(r.results[2]).Find("Post")->as_string(), "posts/8");
  EXPECT_EQ(r.total_results, 4u);
  std::vector<std::string> included;
  for (const auto& [id, json] : r.includes) included.push_back(id);
  std::sort(included.begin(), included.end());
  EXPECT_EQ(included, (std::vector<std::string>{"posts/11", "posts/8", "posts/9"}));

  r =
      Run("from index 'Top2' as r where r.C = 'c1' order by r.D as long load r.Post as p select "
          "p.T as T",
          "{}");
  ASSERT_EQ(r.results.size(), 2u);
  EXPECT_EQ(J(r.results[0]).Find("T")->as_string(), "t7");
  EXPECT_EQ(J(r.results[1]).Find("T")->as_string(), "t10") << r.results[0] << r.results[1];
}

// An errored index answers RavenDB's "Index 'X' is marked as errored. ..." instead of results.
TEST_F(ExecutorTest, ErroredIndexIsNotQueried) {
  for (int i = 0; i < 8; ++i) {
    Put("posts/" + std::to_string(i), R"({"@metadata":{"@collection":"Posts"}})");
  }
  auto d = indexing::StaticDefinitionFromRavenJson(
      J(R"js({"Name":"Broken","Maps":["map('Posts', p => ({ V: p.Missing.V }))"]})js"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  auto index = manager_->PutStatic(std::move(d).value());
  ASSERT_TRUE(index.ok());
  auto done = manager_->WaitForNonStale(**index, 30 * 1000 * 1000);
  ASSERT_TRUE(done.ok() && *done);
  ASSERT_FALSE((*index)->errored().empty());
  QueryRequest request;
  request.text = "from index 'Broken'";
  auto r = engine_->Run(request);
  ASSERT_EQ(r.status().code(), Code::kFailedState);
  EXPECT_EQ(r.status().message(),
            "Index 'Broken' is marked as errored. Index Broken is invalid, out of 8 map attempts, "
            "8 has failed. Error rate of 100.00% exceeds allowed 15% error rate");
}

}  // namespace
}  // namespace rookery::query
