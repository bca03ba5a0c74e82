// Automatic indexes end to end on MemEnv: background indexing, term lookups, updates and
// deletes, restart without re-indexing, widening, map-reduce counts and sums, staleness.
#include <gtest/gtest.h>

#include <algorithm>

#include "documents/database.h"
#include "indexing/index_manager.h"
#include "indexing/term.h"

namespace rookery::indexing {
namespace {

json::Value J(std::string_view text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? std::move(v).value() : json::Value();
}

class IndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = platform::NewMemEnv();
    Open();
  }
  void Open() {
    manager_.reset();
    db_.reset();
    auto db = documents::Database::Open(*env_, "/db");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto m = IndexManager::Open(*env_, "/db", *db_);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    manager_ = std::move(m).value();
  }
  void Put(std::string id, std::string_view json) {
    std::vector<documents::Command> c;
    c.push_back(documents::PutCommand{std::move(id), J(json), std::nullopt});
    auto r = db_->Execute(std::move(c));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  void Delete(std::string id) {
    std::vector<documents::Command> c;
    c.push_back(documents::DeleteCommand{std::move(id), std::nullopt});
    ASSERT_TRUE(db_->Execute(std::move(c)).ok());
  }
  std::shared_ptr<Index> Auto(std::vector<std::string> fields, std::string collection = "Users") {
    IndexDefinition d;
    d.collection = std::move(collection);
    d.fields = std::move(fields);
    auto index = manager_->GetOrCreateAuto(d);
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    return index.ok() ? *index : nullptr;
  }
  void WaitNonStale(Index& index) {
    auto ok = manager_->WaitForNonStale(index, 30 * 1000 * 1000);
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    ASSERT_TRUE(*ok) << index.name() << " still stale";
  }
  // Lower ids whose term for `path` equals the value's term.
  std::vector<std::string> Lookup(Index& index, std::string path, const json::Value& value) {
    std::string term = *EncodeTerm(value);
    std::vector<std::string> ids;
    auto snapshot = index.Snapshot();
    EXPECT_TRUE(snapshot.ok());
    std::string hi = term + "\xFF";
    Status s = (*snapshot)->ForEachTerm(path, term, std::string_view(hi), [&](std::string_view id) {
      ids.emplace_back(id);
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  std::unique_ptr<platform::Env> env_;
  std::unique_ptr<documents::Database> db_;
  std::unique_ptr<IndexManager> manager_;
};

TEST(IndexDefinitionTest, NamesFollowRavenDb) {
  IndexDefinition d;
  d.collection = "Users";
  d.fields = {"Name", "age", "Name"};
  d.Normalize();
  EXPECT_EQ(d.name, "Auto/Users/ByageAndName");
  d.fields.clear();
  d.Normalize();
  EXPECT_EQ(d.name, "Auto/Users/ById");
  IndexDefinition r;
  r.type = IndexType::kAutoMapReduce;
  r.collection = "Orders";
  r.group_by = {"Company"};
  r.sums = {"Total"};
  r.Normalize();
  EXPECT_EQ(r.name, "Auto/Orders/ByCountAndTotalReducedByCompany");
  d.collection = "@all_docs";
  d.fields = {"Name"};
  d.Normalize();
  EXPECT_EQ(d.name, "Auto/AllDocs/ByName");
  auto back = IndexDefinition::FromJson(r.ToJson());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->name, r.name);
  EXPECT_EQ(back->sums, r.sums);
  EXPECT_NE(IndexDirectoryName("Auto/Users/ByName"), IndexDirectoryName("Auto_Users_ByName"));
}

TEST(TermTest, OrderAndPrefixes) {
  EXPECT_LT(EncodeNumberTerm(-5), EncodeNumberTerm(-1));
  EXPECT_LT(EncodeNumberTerm(-1), EncodeNumberTerm(0));
  EXPECT_LT(EncodeNumberTerm(0), EncodeNumberTerm(2.5));
  EXPECT_LT(EncodeNumberTerm(2.5), EncodeNumberTerm(1e300));
  EXPECT_EQ(EncodeNumberTerm(-0.0), EncodeNumberTerm(0.0));
  EXPECT_EQ(*EncodeTerm(J("3")), *EncodeTerm(J("3.0")));
  EXPECT_LT(EncodeStringTerm("a"), EncodeStringTerm(std::string("a\0", 2)));
  EXPECT_LT(EncodeStringTerm(std::string("a\0", 2)), EncodeStringTerm("ab"));
  EXPECT_EQ(EncodeStringTerm("John"), EncodeStringTerm("jOHN"));
  EXPECT_EQ(EncodeStringTerm("Johnny").rfind(EncodeStringPrefix("JOHN"), 0), 0u);
  EXPECT_LT(*EncodeTerm(J("null")), *EncodeTerm(J("false")));
  EXPECT_LT(*EncodeTerm(J("true")), *EncodeTerm(J("-1e9")));
  EXPECT_LT(*EncodeTerm(J("1e9")), *EncodeTerm(J("\"\"")));
  EXPECT_FALSE(EncodeTerm(J("[1]")).has_value());
}

TEST_F(IndexTest, IndexesInBackgroundAndFollowsUpdatesAndDeletes) {
  Put("users/1",
      R"({"Name":"John","Age":30,"Tags":["a","B"],"@metadata":{"@collection":"Users"}})");
  Put("users/2", R"({"Name":"jane","Age":25,"@metadata":{"@collection":"Users"}})");
  Put("orders/1", R"({"Name":"John","@metadata":{"@collection":"Orders"}})");
  auto index = Auto({"Name", "Tags"});
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->name(), "Auto/Users/ByNameAndTags");
  WaitNonStale(*index);
  EXPECT_GT(index->last_indexing_micros(), 0u);
  EXPECT_EQ(index->last_indexing_micros(), index->stats().last_indexing_micros);
  EXPECT_EQ(Lookup(*index, "Name", J(R"("JOHN")")), (std::vector<std::string>{"users/1"}));
  EXPECT_EQ(Lookup(*index, "Tags", J(R"("b")")), (std::vector<std::string>{"users/1"}));

  auto snapshot = index->Snapshot();
  ASSERT_TRUE(snapshot.ok());
  auto entry = (*snapshot)->GetEntry("users/1");
  ASSERT_TRUE(entry.ok() && entry->has_value());
  EXPECT_EQ((*entry)->id, "users/1");
  EXPECT_EQ(json::Serialize((*entry)->fields), R"({"Name":["John"],"Tags":[["a","B"]]})");
  EXPECT_EQ((*snapshot)->entry_count(), 2u);
  snapshot->reset();

  Put("users/2", R"({"Name":"John","@metadata":{"@collection":"Users"}})");
  Delete("users/1");
  WaitNonStale(*index);
  EXPECT_EQ(Lookup(*index, "Name", J(R"("john")")), (std::vector<std::string>{"users/2"}));
  EXPECT_TRUE(Lookup(*index, "Name", J(R"("jane")")).empty());
  EXPECT_TRUE(Lookup(*index, "Tags", J(R"("a")")).empty());
  EXPECT_EQ(index->stats().entries, 1u);
}

TEST_F(IndexTest, StalenessIsTruthfulAndRestartResumes) {
  auto index = Auto({"Name"});
  WaitNonStale(*index);
  auto stale = manager_->IsStale(*index);
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(*stale);
  // A write to another collection never makes the index stale.
  Put("orders/1", R"({"@metadata":{"@collection":"Orders"}})");
  stale = manager_->IsStale(*index);
  ASSERT_TRUE(stale.ok());
  EXPECT_FALSE(*stale);

  for (int i = 0; i < 50; ++i) {
    Put("users/" + std::to_string(i), R"({"Name":"n","@metadata":{"@collection":"Users"}})");
  }
  WaitNonStale(*index);
  const uint64_t covered = index->covered_etag();
  EXPECT_EQ(covered, db_->LastEtag());
  index.reset();
  Open();  // restart: the index resumes from its covered etag
  auto again = manager_->Find("auto/users/byname");
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->covered_etag(), covered);
  EXPECT_EQ(again->stats().map_attempts, 0u);  // nothing re-indexed
  EXPECT_EQ(Lookup(*again, "Name", J(R"("n")")).size(), 50u);
}

TEST_F(IndexTest, StaleWhileIndexingIsStoppedAndWaitTimesOut) {
  auto index = Auto({"Name"});
  WaitNonStale(*index);
  manager_->StopIndexing();
  Put("users/1", R"({"Name":"x","@metadata":{"@collection":"Users"}})");
  auto stale = manager_->IsStale(*index);
  ASSERT_TRUE(stale.ok());
  EXPECT_TRUE(*stale);
  auto waited = manager_->WaitForNonStale(*index, 50 * 1000);  // times out: nothing indexes
  ASSERT_TRUE(waited.ok());
  EXPECT_FALSE(*waited);
  EXPECT_TRUE(Lookup(*index, "Name", J(R"("x")")).empty());
  manager_->StartIndexing();
  WaitNonStale(*index);
  EXPECT_EQ(Lookup(*index, "Name", J(R"("x")")), (std::vector<std::string>{"users/1"}));
}

TEST_F(IndexTest, WideningReplacesTheNarrowerIndex) {
  Put("users/1", R"({"Name":"a","Age":1,"@metadata":{"@collection":"Users"}})");
  auto by_name = Auto({"Name"});
  WaitNonStale(*by_name);
  auto same = Auto({"Name"});
  EXPECT_EQ(same.get(), by_name.get());
  // FindAuto finds what GetOrCreateAuto would return, and never creates or widens.
  IndexDefinition wanted;
  wanted.collection = "Users";
  wanted.fields = {"Age"};
  EXPECT_EQ(manager_->FindAuto(wanted), nullptr);
  EXPECT_EQ(manager_->List().size(), 1u);
  wanted.fields = {"Name"};
  EXPECT_EQ(manager_->FindAuto(wanted).get(), by_name.get());
  auto wide = Auto({"Age"});
  ASSERT_NE(wide, nullptr);
  EXPECT_EQ(wide->name(), "Auto/Users/ByAgeAndName");
  WaitNonStale(*wide);
  by_name.reset();
  same.reset();
  // The narrower index goes once the wider one has caught up.
  for (int i = 0; i < 3000 && manager_->Find("Auto/Users/ByName") != nullptr; ++i) {
    env_->SleepMicros(1000);
  }
  EXPECT_EQ(manager_->Find("Auto/Users/ByName"), nullptr);
  EXPECT_EQ(manager_->List().size(), 1u);
  // A later query for Name alone uses the wide index.
  EXPECT_EQ(Auto({"Name"}).get(), wide.get());
  EXPECT_EQ(manager_->FindAuto(wanted).get(), wide.get());
}

// More documents than one batch (the worker reads each next batch while the previous commits):
// every document is indexed exactly once, and updates made meanwhile are caught up.
TEST_F(IndexTest, IndexesAcrossSeveralPipelinedBatches) {
  constexpr int kDocs = 9000;
  std::vector<documents::Command> c;
  for (int i = 0; i < kDocs; ++i) {
    c.push_back(documents::PutCommand{"users/" + std::to_string(i),
                                      J("{\"Name\":\"n" + std::to_string(i % 7) +
                                        "\",\"@metadata\":{\"@collection\":\"Users\"}}"),
                                      std::nullopt});
  }
  ASSERT_TRUE(db_->Execute(std::move(c)).ok());
  auto index = Auto({"Name"});
  ASSERT_NE(index, nullptr);
  Put("users/5", R"({"Name":"changed","@metadata":{"@collection":"Users"}})");
  WaitNonStale(*index);
  EXPECT_EQ(index->stats().entries, static_cast<uint64_t>(kDocs));
  // 9000 = 7 * 1285 + 5: residues 0-4 have 1286 documents, 5 and 6 have 1285.
  EXPECT_EQ(Lookup(*index, "Name", J(R"("n3")")).size(), 1286u);
  EXPECT_EQ(Lookup(*index, "Name", J(R"("n6")")).size(), 1285u);
  EXPECT_EQ(Lookup(*index, "Name", J(R"("changed")")), (std::vector<std::string>{"users/5"}));
  EXPECT_EQ(Lookup(*index, "Name", J(R"("n5")")).size(), 1284u);
}

TEST_F(IndexTest, CountsIrregularEntriesPerPath) {
  auto index = Auto({"Score", "Tags"});
  ASSERT_NE(index, nullptr);
  auto irregular = [&](std::string_view path) -> std::optional<uint64_t> {
    WaitNonStale(*index);
    auto snapshot = index->Snapshot();
    EXPECT_TRUE(snapshot.ok());
    auto n = (*snapshot)->IrregularEntries(path);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? *n : std::nullopt;
  };
  EXPECT_EQ(irregular("Score"), 0u);
  Put("users/1", R"({"Score":5,"Tags":["a"],"@metadata":{"@collection":"Users"}})");
  Put("users/2", R"({"Score":[1],"Tags":[],"@metadata":{"@collection":"Users"}})");
  Put("users/3", R"({"Tags":"x","@metadata":{"@collection":"Users"}})");
  EXPECT_EQ(irregular("Score"), 0u);  // one value each (or none), arrays flattened
  EXPECT_EQ(irregular("Tags"), 0u);
  Put("users/4", R"({"Score":[1,2],"Tags":["a","b"],"@metadata":{"@collection":"Users"}})");
  Put("users/5", R"({"Score":9007199254740993,"@metadata":{"@collection":"Users"}})");
  Put("users/6", R"({"Score":-9007199254740992,"@metadata":{"@collection":"Users"}})");
  EXPECT_EQ(irregular("Score"), 2u);  // the array and the integer a double cannot hold
  EXPECT_EQ(irregular("Tags"), 1u);
  Put("users/4", R"({"Score":3,"Tags":["a","b"],"@metadata":{"@collection":"Users"}})");
  Delete("users/5");
  EXPECT_EQ(irregular("Score"), 0u);
  EXPECT_EQ(irregular("Tags"), 1u);
  EXPECT_EQ(irregular("Other"), std::nullopt);  // not kept for paths the index lacks

  EXPECT_FALSE(IsIrregular(J("[]"), 5));
  EXPECT_FALSE(IsIrregular(J("[[7]]"), 5));
  EXPECT_TRUE(IsIrregular(J("[[7],8]"), 5));
  EXPECT_TRUE(IsIrregular(J("[18446744073709551615]"), 5));
  EXPECT_TRUE(IsIrregular(J(R"(["x"])"), storage::btree::kMaxKeySize));  // term too long
}

TEST_F(IndexTest, MapReduceCountsAndSumsIncrementally) {
  Put("orders/1", R"({"Company":"c1","Total":10,"@metadata":{"@collection":"Orders"}})");
  Put("orders/2", R"({"Company":"c1","Total":2.5,"@metadata":{"@collection":"Orders"}})");
  Put("orders/3", R"({"Company":"c2","Total":7,"@metadata":{"@collection":"Orders"}})");
  IndexDefinition d;
  d.type = IndexType::kAutoMapReduce;
  d.collection = "Orders";
  d.group_by = {"Company"};
  d.sums = {"Total"};
  auto created = manager_->GetOrCreateAuto(d);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto index = std::move(created).value();
  auto groups = [&] {
    WaitNonStale(*index);
    std::vector<std::string> out;
    auto snapshot = index->Snapshot();
    EXPECT_TRUE(snapshot.ok());
    Status s = (*snapshot)->ForEachReduceResult([&](ReduceResult& r) {
      out.push_back(json::Serialize(r.keys[0]) + ":" + std::to_string(r.count) + ":" +
                    json::Serialize(r.sums[0]));
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  };
  EXPECT_EQ(groups(), (std::vector<std::string>{R"("c1":2:12.5)", R"("c2":1:7)"}));
  Put("orders/2", R"({"Company":"c2","Total":1,"@metadata":{"@collection":"Orders"}})");
  EXPECT_EQ(groups(), (std::vector<std::string>{R"("c1":1:10.0)", R"("c2":2:8)"}));
  Delete("orders/1");
  EXPECT_EQ(groups(), (std::vector<std::string>{R"("c2":2:8)"}));
  index.reset();
  Open();
  index = manager_->Find("Auto/Orders/ByCountAndTotalReducedByCompany");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(groups(), (std::vector<std::string>{R"("c2":2:8)"}));
}

TEST_F(IndexTest, DeleteRemovesTheDirectory) {
  auto index = Auto({"Name"});
  const std::string dir = index->dir();
  index.reset();
  ASSERT_TRUE(manager_->Delete("AUTO/users/byname").ok());
  auto exists = env_->Exists(dir);
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists);
  EXPECT_EQ(manager_->Delete("Auto/Users/ByName").code(), Code::kNotFound);
}

}  // namespace
}  // namespace rookery::indexing
