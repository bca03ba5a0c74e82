// JavaScript indexes, phase D (docs/design/js-indexes.md): reference documents of output
// collections, AdditionalSources, errors and the errored state across restarts, and what
// deleting an output index leaves.
#include <gtest/gtest.h>

#include <random>

#include "indexing/js_index_test_util.h"

namespace rookery::indexing {
namespace {

// RavenDB's Orders_ProfitByProductAndOrderedAt (RavenDB_12932) in JavaScript.
constexpr const char* kProfitMap =
    "map('Orders', o => o.Lines.map(l => ({ Product: l.Product, OrderedAt: o.OrderedAt, "
    "Profit: l.Price })))";
constexpr const char* kProfitReduce =
    "groupBy(x => ({ OrderedAt: x.OrderedAt, Product: x.Product })).aggregate(g => ({ "
    "Product: g.key.Product, OrderedAt: g.key.OrderedAt, "
    "Profit: g.values.reduce((a, v) => a + v.Profit, 0) }))";

json::Value WithPattern(json::Value definition, std::string pattern) {
  definition.Set("PatternForOutputReduceToCollectionReferences",
                 json::Value::String(std::move(pattern)));
  return definition;
}

std::string Order(std::string date, std::vector<std::string> products) {
  std::string lines;
  for (const std::string& p : products) {
    lines += (lines.empty() ? "" : ",") + std::string(R"({"Product":")") + p + R"(","Price":2})";
  }
  return R"({"OrderedAt":")" + date + R"(T00:00:00.0000000","Lines":[)" + lines +
         R"(],"@metadata":{"@collection":"Orders"}})";
}

class JsReferencesTest : public JsOutputTest {
 protected:
  // A reference document's ReduceOutputs (sorted), or {"missing"}; checks what every reference
  // document must be.
  std::vector<std::string> Outputs(const std::string& id,
                                   const std::string& collection = "Profits/References") {
    auto doc = db_->Get(id);
    EXPECT_TRUE(doc.ok());
    if (!doc.ok() || !doc->has_value()) return {"missing"};
    const documents::Document& d = **doc;
    EXPECT_EQ(d.collection, collection);
    EXPECT_EQ(d.flags, "Artificial, FromIndex");
    json::Value body = J(d.json);
    const json::Value* outputs = body.Find("ReduceOutputs");
    EXPECT_TRUE(outputs != nullptr && outputs->is_array()) << d.json;
    std::vector<std::string> out;
    if (outputs == nullptr || !outputs->is_array()) return out;
    for (const json::Value& o : outputs->items()) {
      out.push_back(o.as_string());
      auto target = db_->Get(o.as_string());  // every listed output document exists
      EXPECT_TRUE(target.ok() && target->has_value()) << o.as_string();
    }
    std::sort(out.begin(), out.end());
    return out;
  }
};

TEST_F(JsReferencesTest, ReferenceDocumentsFollowTheOutputs) {
  Put("orders/1", Order("2019-10-26", {"products/1", "products/2"}));
  Put("orders/2", Order("2019-10-25", {"products/2"}));
  Put("orders/3", Order("2019-10-24", {"products/1"}));
  auto index = MustDefine(
      WithPattern(WithOutput(Definition("Profits", {kProfitMap}, kProfitReduce), "Profits"),
                  "reports/daily/{OrderedAt:yyyy-MM-dd}"));
  ASSERT_NE(index, nullptr);
  WaitNonStale(*index);
  EXPECT_EQ(Collection("Profits/").size(), 4u);
  EXPECT_EQ(Outputs("reports/daily/2019-10-26").size(), 2u);
  EXPECT_EQ(Outputs("reports/daily/2019-10-25").size(), 1u);
  const std::vector<std::string> day24 = Outputs("reports/daily/2019-10-24");
  ASSERT_EQ(day24.size(), 1u);
  const uint64_t day26_etag = (*db_->Get("reports/daily/2019-10-26"))->etag;

  // orders/3 moves to the 25th: the 24th loses its only output (deleted), the 25th gains one;
  // the 26th is untouched (no new write).
  Put("orders/3", Order("2019-10-25", {"products/1"}));
  WaitNonStale(*index);
  EXPECT_EQ(Outputs("reports/daily/2019-10-24"), std::vector<std::string>{"missing"});
  EXPECT_EQ(Outputs("reports/daily/2019-10-25").size(), 2u);
  EXPECT_EQ((*db_->Get("reports/daily/2019-10-26"))->etag, day26_etag);

  // An output whose value changes but whose reference stays: still listed once.
  Put("orders/4", Order("2019-10-26", {"products/1"}));
  WaitNonStale(*index);
  EXPECT_EQ(Outputs("reports/daily/2019-10-26").size(), 2u);

  // Everything deleted: no reference documents remain.
  for (const char* id : {"orders/1", "orders/2", "orders/3", "orders/4"}) Delete(id);
  WaitNonStale(*index);
  EXPECT_TRUE(Collection("Profits/").empty());
  for (const char* day : {"24", "25", "26"}) {
    EXPECT_EQ(Outputs(std::string("reports/daily/2019-10-") + day),
              std::vector<std::string>{"missing"});
  }
  EXPECT_EQ(index->stats().reduce_errors, 0u);
}

// Random order changes: after each round the reference documents are exactly what the output
// documents imply (every output listed under its day, no other reference documents).
TEST_F(JsReferencesTest, RandomChangesKeepReferencesExact) {
  auto index = MustDefine(
      WithPattern(WithOutput(Definition("Profits", {kProfitMap}, kProfitReduce), "Profits"),
                  "reports/daily/{OrderedAt:yyyy-MM-dd}"));
  ASSERT_NE(index, nullptr);
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int round = 0; round < 8; ++round) {
    for (int i = 0; i < 12; ++i) {
      const std::string id = "orders/" + std::to_string(rng() % 25);
      if (rng() % 4 == 0) {
        Delete(id);
        continue;
      }
      std::vector<std::string> products;
      for (uint32_t n = rng() % 3; n > 0; --n) products.push_back("p" + std::to_string(rng() % 4));
      Put(id, Order("2019-10-2" + std::to_string(rng() % 5), products));
    }
    WaitNonStale(*index);
    std::map<std::string, std::vector<std::string>> expected;  // reference id -> outputs
    for (const auto& [id, doc] : Collection("Profits/")) {
      const std::string day = J(doc.json).Find("OrderedAt")->as_string().substr(0, 10);
      expected["reports/daily/" + day].push_back(id);
    }
    std::map<std::string, std::vector<std::string>> actual;
    for (const auto& [id, doc] : Collection("reports/daily/")) actual[id] = Outputs(id);
    for (auto& [id, outputs] : expected) std::sort(outputs.begin(), outputs.end());
    ASSERT_EQ(actual, expected) << "round " << round;
  }
  EXPECT_EQ(index->stats().reduce_errors, 0u);
}

TEST_F(JsReferencesTest, CustomCollectionRebuildAndFieldErrors) {
  Put("orders/1", Order("2019-10-26", {"products/1", "products/2"}));
  auto definition =
      WithPattern(WithOutput(Definition("Profits", {kProfitMap}, kProfitReduce), "Profits"),
                  "reports/{OrderedAt:yyyy}/{Product}");
  definition.Set("PatternReferencesCollectionName", json::Value::String("Reports"));
  auto index = MustDefine(definition);
  ASSERT_NE(index, nullptr);
  WaitNonStale(*index);
  EXPECT_EQ(Outputs("reports/2019/products/1", "Reports").size(), 1u);
  // A user's document under a reference id, in another collection, is replaced.
  Put("reports/2019/products/3", R"({"Mine":1,"@metadata":{"@collection":"Notes"}})");
  Put("orders/2", Order("2019-03-01", {"products/3"}));
  WaitNonStale(*index);
  EXPECT_EQ(Outputs("reports/2019/products/3", "Reports").size(), 1u);

  // Redefined with a pattern naming a field the outputs lack: the rebuild removes the earlier
  // build's reference documents, writes the outputs, and records one reduce error per output.
  index.reset();
  auto broken = MustDefine(
      WithPattern(WithOutput(Definition("Profits", {kProfitMap}, kProfitReduce), "Profits"),
                  "reports/daily/{InvalidPropertyName:yyyy-MM-dd}"));
  ASSERT_NE(broken, nullptr);
  WaitNonStale(*broken);
  EXPECT_EQ(Collection("Profits/").size(), 3u);
  EXPECT_EQ(Outputs("reports/2019/products/1", "Reports"), std::vector<std::string>{"missing"});
  EXPECT_EQ(broken->stats().reduce_errors, 3u);
  const auto errors = broken->recent_errors();
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].action, "Reduce");
  EXPECT_EQ(errors[0].document.rfind("Profits/", 0), 0u);
  EXPECT_NE(errors[0].error.find("Expected to process 1 fields while it got 0"), std::string::npos);

  // Reference documents may go neither to the output collection nor to a mapped collection.
  auto into_output = WithPattern(
      WithOutput(Definition("Loop1", {kProfitMap}, kProfitReduce), "Loop1Out"), "r/{Product}");
  into_output.Set("PatternReferencesCollectionName", json::Value::String("loop1out"));
  EXPECT_EQ(Define(into_output).status().code(), Code::kInvalidArgument);
  auto into_orders = WithPattern(
      WithOutput(Definition("Loop2", {kProfitMap}, kProfitReduce), "Loop2Out"), "r/{Product}");
  into_orders.Set("PatternReferencesCollectionName", json::Value::String("Orders"));
  auto refused = Define(into_orders);
  EXPECT_EQ(refused.status().code(), Code::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("forbidden"), std::string::npos);
  EXPECT_EQ(manager_->Find("Loop2"), nullptr);
}

TEST_F(JsIndexTest, AdditionalSourcesAreCallableFromMapsAndReduce) {
  Put("users/1", R"({"Name":"ada","Age":36,"@metadata":{"@collection":"Users"}})");
  Put("users/2", R"({"Name":"bob","Age":41,"@metadata":{"@collection":"Users"}})");
  auto definition = Definition("Decades", {"map('Users', u => ({ Decade: decade(u.Age), N: 1 }))"},
                               "groupBy(x => x.Decade).aggregate(g => ({ Decade: g.key, "
                               "N: total(g.values) }))");
  definition.Set("AdditionalSources",
                 J(R"({"math":"function decade(n) { return Math.floor(n / 10) * 10; }",)"
                   R"("sums":"const total = vs => vs.reduce((a, v) => a + v.N, 0);"})"));
  auto index = MustDefine(definition);
  ASSERT_NE(index, nullptr);
  WaitNonStale(*index);
  EXPECT_EQ(Contents(*index), (Lines{R"({"Decade":30,"N":1})", R"({"Decade":40,"N":1})"}));

  // A syntax error in an additional source names it; nothing is created.
  auto bad = Definition("BadSource", {"map('Users', u => ({ N: helper(u) }))"});
  bad.Set("AdditionalSources", J(R"({"helpers":"function helper(u) { return u.N +; }"})"));
  auto refused = Define(bad);
  EXPECT_EQ(refused.status().code(), Code::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("AdditionalSources['helpers']"), std::string::npos)
      << refused.status().ToString();
  EXPECT_EQ(manager_->Find("BadSource"), nullptr);
}

TEST_F(JsIndexTest, ErrorsAndTheErroredStateSurviveARestart) {
  for (int i = 0; i < 10; ++i) {
    Put("users/" + std::to_string(i),
        R"({"N":)" + std::to_string(i) + R"(,"@metadata":{"@collection":"Users"}})");
  }
  auto fine = MustDefine(Definition("Fine", {"map('Users', u => { if (u.N === 3) throw new "
                                             "Error('bad three'); return { N: u.N }; })"}));
  auto bad = MustDefine(Definition("Bad", {"map('Users', u => u.Missing.N)"}));
  ASSERT_TRUE(fine != nullptr && bad != nullptr);
  WaitNonStale(*fine);
  auto done = manager_->WaitForNonStale(*bad, 30 * 1000 * 1000);
  ASSERT_TRUE(done.ok() && *done);
  // The errored state is committed with the batch that crossed the failure rate.
  const std::string reason = bad->errored();
  EXPECT_NE(reason.find("Index Bad is invalid, out of 10 map attempts, 10 has failed"),
            std::string::npos)
      << reason;
  EXPECT_EQ(manager_->ErrorOf("Bad"), reason);
  EXPECT_EQ(fine->errored(), "");
  fine.reset();
  bad.reset();

  Open();  // restart
  fine = manager_->Find("Fine");
  bad = manager_->Find("Bad");
  ASSERT_TRUE(fine != nullptr && bad != nullptr);
  IndexStats st = fine->stats();
  EXPECT_EQ(st.map_attempts, 10u);
  EXPECT_EQ(st.map_errors, 1u);
  auto errors = fine->recent_errors();
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].document, "users/3");
  EXPECT_EQ(errors[0].action, "Map");
  EXPECT_NE(errors[0].error.find("bad three"), std::string::npos);
  EXPECT_GT(errors[0].micros, 0u);
  EXPECT_EQ(bad->errored(), reason);
  EXPECT_EQ(bad->recent_errors().size(), 10u);
  EXPECT_EQ(bad->stats().map_errors, 10u);

  // Still errored: new documents are not indexed by it; the fine index goes on counting.
  for (int i = 10; i < 14; ++i) {
    Put("users/" + std::to_string(i),
        R"({"N":)" + std::to_string(i) + R"(,"@metadata":{"@collection":"Users"}})");
  }
  Put("users/3", R"({"N":3,"@metadata":{"@collection":"Users"}})");
  WaitNonStale(*fine);  // 2 errors in 15 attempts: under 15%
  EXPECT_EQ(fine->stats().map_attempts, 15u);
  EXPECT_EQ(fine->stats().map_errors, 2u);
  EXPECT_EQ(bad->stats().map_attempts, 10u);

  // Reset starts over (an errored index indexes nothing, a new one all 14 documents), and the
  // same code errs the same way again.
  bad.reset();
  ASSERT_TRUE(manager_->Reset("Bad").ok());
  bad = manager_->Find("Bad");
  ASSERT_NE(bad, nullptr);
  done = manager_->WaitForNonStale(*bad, 30 * 1000 * 1000);
  ASSERT_TRUE(done.ok() && *done);
  EXPECT_EQ(bad->stats().map_attempts, 14u);
  EXPECT_NE(bad->errored().find("out of 14 map attempts, 14 has failed"), std::string::npos);
}

TEST_F(JsIndexTest, OnlyTheLastErrorsAreKept) {
  for (int i = 0; i < 60; ++i) {
    Put("users/" + std::to_string(i),
        R"({"N":)" + std::to_string(i) + R"(,"@metadata":{"@collection":"Users"}})");
  }
  auto index = MustDefine(Definition("Many", {"map('Users', u => u.Missing.N)"}));
  ASSERT_NE(index, nullptr);
  auto done = manager_->WaitForNonStale(*index, 30 * 1000 * 1000);
  ASSERT_TRUE(done.ok() && *done);
  ASSERT_EQ(index->recent_errors().size(), Index::kMaxRecentErrors);
  EXPECT_EQ(index->recent_errors().front().document, "users/10");  // the last 50, etag order
  const std::string last = index->recent_errors().back().document;
  index.reset();
  Open();
  index = manager_->Find("Many");
  ASSERT_NE(index, nullptr);
  const auto errors = index->recent_errors();
  ASSERT_EQ(errors.size(), Index::kMaxRecentErrors);
  EXPECT_EQ(errors.back().document, last);
  EXPECT_EQ(errors.front().document, "users/10");
  EXPECT_EQ(index->stats().map_errors, 60u);
}

TEST_F(JsOutputTest, DeletingAnOutputIndexKeepsItsDocuments) {
  Put("orders/1", R"({"Company":"c1","Total":10,"@metadata":{"@collection":"Orders"}})");
  auto index = MustDefine(
      WithOutput(Definition("Totals", {kOrderTotals}, kCountByCompany), "CompanyTotals"));
  ASSERT_NE(index, nullptr);
  WaitNonStale(*index);
  index.reset();
  ASSERT_TRUE(manager_->Delete("Totals").ok());
  // RavenDB leaves the output documents (and reference documents) of a deleted index.
  EXPECT_EQ(Collection("CompanyTotals/").size(), 1u);
  // A new index cannot output into a collection that holds documents (RavenDB's rule).
  auto again =
      Define(WithOutput(Definition("Totals2", {kOrderTotals}, kCountByCompany), "CompanyTotals"));
  EXPECT_EQ(again.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(again.status().message(),
            "Index 'Totals2' is defined to output the Reduce results to documents in Collection "
            "'CompanyTotals'. This collection currently has 1 document . All documents in "
            "Collection 'CompanyTotals' must be deleted first.");
  for (auto& [id, doc] : Collection("CompanyTotals/")) Delete(id);
  EXPECT_NE(MustDefine(WithOutput(Definition("Totals2", {kOrderTotals}, kCountByCompany),
                                  "CompanyTotals")),
            nullptr);
}

}  // namespace
}  // namespace rookery::indexing
