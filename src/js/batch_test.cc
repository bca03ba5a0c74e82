// RunMapBatch and RunReduceText (runtime.h): the batch forms give exactly what the one-document
// forms give, errors and limits included.
#include <gtest/gtest.h>

#include <random>

#include "js/js_test_util.h"

namespace rookery::js {
namespace {

// What RunMap + ReduceKey give for one document, in MappedDocument form.
MappedDocument OneByOne(IndexProgram* program, const MapInput& input) {
  MappedDocument out;
  auto mapped = program->RunMap(input, nullptr);
  if (!mapped.ok()) {
    out.status = mapped.status();
    return out;
  }
  for (const json::Value& e : mapped->entries) {
    if (program->has_reduce()) {
      auto key = program->ReduceKey(e);
      if (!key.ok()) return MappedDocument{key.status(), {}, {}};
      out.keys.push_back(json::Serialize(*key));
    }
    out.entries.push_back(json::Serialize(e));
  }
  return out;
}

// Entries compared as parsed JSON: the batch gives JavaScript's text, RunMap C++'s.
void ExpectSame(const MappedDocument& want, const MappedDocument& got, const std::string& what) {
  EXPECT_EQ(want.status.code(), got.status.code()) << what << ": " << got.status.ToString();
  EXPECT_EQ(want.status.ToString(), got.status.ToString()) << what;
  ASSERT_EQ(want.entries.size(), got.entries.size()) << what;
  for (size_t i = 0; i < want.entries.size(); ++i) {
    EXPECT_EQ(want.entries[i], json::Serialize(J(got.entries[i]))) << what << " entry " << i;
  }
  EXPECT_EQ(want.keys, got.keys) << what;
}

TEST(JsBatch, MapBatchEqualsMapAndKeyPerDocument) {
  auto runtime = MakeRuntime();
  auto program = MustCompile(
      runtime.get(),
      {{"map('Orders', o => (o.Lines || []).map(l => ({ Company: o.Company, Key: o.K, Qty: l.Q, "
        "At: new Date(Date.UTC(2024, 0, l.Q)), Big: 9007199254740993, Id: id(o) })))",
        "map('Orders', o => o.Skip ? null : { Company: o.Company, Key: o.K, Qty: -1 })",
        "map('Notes', n => { if (n.Throw) throw new Error('bad note ' + n.N); "
        "return { Company: n.C, Key: n.K, Qty: n.N }; })",
        // Handed only the members it reads (projection.h).
        "map('Items', i => (i.Lines || []).map(l => ({ Company: i.Company, Key: i.K, Qty: l.Q, "
        "Skip: i.Skip })))"},
       "groupBy(x => x.Key === 'composite' ? { C: x.Company, Q: x.Qty } : x.Company)"
       ".aggregate(g => ({ Company: g.key, Qty: g.values.length }))"});
  ASSERT_NE(program, nullptr);
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::vector<std::string> texts, ids, collections;
  const char* companies[] = {R"("c1")", R"("c\"q")", R"("é")",        "1",
                             "null",    "2.5",       R"({"a":[1,2]})"};
  for (int i = 0; i < 700; ++i) {  // several chunks of the batch
    const int kind = static_cast<int>(rng() % 6);
    std::string lines;
    for (int l = 0, n = static_cast<int>(rng() % 4); l < n; ++l) {
      lines += (l ? "," : "") + std::string(R"({"Q":)") + std::to_string(rng() % 30) + "}";
    }
    const std::string company = companies[rng() % 7];
    const std::string key = rng() % 3 == 0 ? R"("composite")" : R"("plain")";
    if (kind == 0) {
      collections.push_back("Notes");
      texts.push_back(R"({"C":)" + company + R"(,"K":)" + key + R"(,"N":)" + std::to_string(i) +
                      (rng() % 3 == 0 ? R"(,"Throw":true})" : "}"));
    } else if (kind == 1) {
      collections.push_back("Others");  // no map: no entries
      texts.push_back("{}");
    } else {
      collections.push_back(kind == 5 ? "Items" : "Orders");
      texts.push_back(R"({"Company":)" + company + R"(,"K":)" + key + R"(,"Lines":[)" + lines +
                      "]" + (rng() % 5 == 0 ? R"(,"Skip":true)" : "") + "}");
    }
    ids.push_back("docs/" + std::to_string(i));
  }
  std::vector<MapInput> inputs;
  for (size_t i = 0; i < texts.size(); ++i) inputs.push_back({collections[i], ids[i], texts[i]});
  auto batch = program->RunMapBatch(inputs);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  ASSERT_EQ(batch->size(), inputs.size());
  int errors = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    ExpectSame(OneByOne(program.get(), inputs[i]), (*batch)[i], ids[i] + " " + texts[i]);
    errors += !(*batch)[i].status.ok();
  }
  EXPECT_GT(errors, 0);  // the throwing notes
}

TEST(JsBatch, ALimitHitsOnlyItsDocument) {
  auto runtime = MakeRuntime({.time_limit = std::chrono::milliseconds(200)});
  auto program = MustCompile(
      runtime.get(),
      {{"map('Orders', o => { while (o.Spin) {} return { Company: o.Company, N: 1 }; })"}, ""});
  ASSERT_NE(program, nullptr);
  std::vector<std::string> texts = {R"({"Company":"a"})", R"({"Company":"b","Spin":true})",
                                    R"({"Company":"c"})", "not json"};
  std::vector<MapInput> inputs;
  for (const std::string& t : texts) inputs.push_back({"Orders", "orders/1", t});
  auto batch = program->RunMapBatch(inputs);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  EXPECT_EQ((*batch)[0].entries, std::vector<std::string>{R"({"Company":"a","N":1})"});
  EXPECT_EQ((*batch)[1].status.code(), Code::kTimeout) << (*batch)[1].status.ToString();
  EXPECT_TRUE((*batch)[1].entries.empty());
  EXPECT_EQ((*batch)[2].entries, std::vector<std::string>{R"({"Company":"c","N":1})"});
  EXPECT_EQ((*batch)[3].status.code(), Code::kInvalidArgument);
  EXPECT_TRUE((*batch)[0].keys.empty());  // no reduce: no keys
}

TEST(JsBatch, ReduceTextEqualsReduce) {
  auto runtime = MakeRuntime();
  auto program = MustCompile(
      runtime.get(),
      {{"map('Orders', o => o)"},
       "groupBy(x => x.C).aggregate(g => ({ C: g.key, N: g.values.reduce((a, v) => a + v.N, 0), "
       "Big: 9007199254740993 }))"});
  ASSERT_NE(program, nullptr);
  std::vector<json::Value> values = {J(R"({"C":"x","N":2})"), J(R"({"C":"x","N":5.5})")};
  auto flat = program->RunReduce(values);
  auto text = program->RunReduceText(R"([{"C":"x","N":2},{"C":"x","N":5.5}])");
  ASSERT_TRUE(flat.ok() && text.ok());
  ASSERT_EQ(flat->size(), 1u);
  EXPECT_EQ(json::Serialize((*flat)[0]), json::Serialize((*text)[0]));
  EXPECT_EQ(json::Serialize((*text)[0]), R"({"C":"x","N":7.5,"Big":9007199254740992})");
  EXPECT_EQ(program->RunReduceText("[]").status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace rookery::js
