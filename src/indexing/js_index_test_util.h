// Test fixtures shared by the JavaScript index tests (js_index_test.cc, js_output_test.cc): a
// MemEnv database with its index manager, RavenDB-style definitions, and readers of index
// contents and collections.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "documents/database.h"
#include "indexing/index_manager.h"

namespace rookery::indexing {

inline json::Value J(std::string_view text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? std::move(v).value() : json::Value();
}

// A RavenDB-style definition: {"Name":..,"Maps":[..],"Reduce":..}.
inline json::Value Definition(std::string name, std::vector<std::string> maps,
                              std::string reduce = "", std::string configuration = "{}") {
  std::vector<json::Value> m;
  for (auto& s : maps) m.push_back(json::Value::String(std::move(s)));
  std::vector<json::Member> d;
  d.emplace_back("Name", json::Value::String(std::move(name)));
  d.emplace_back("Maps", json::Value::Array(std::move(m)));
  if (!reduce.empty()) d.emplace_back("Reduce", json::Value::String(std::move(reduce)));
  d.emplace_back("Configuration", J(configuration));
  return json::Value::Object(std::move(d));
}

inline constexpr const char* kCountByCompany =
    "groupBy(x => x.Company).aggregate(g => ({ Company: g.key, "
    "Count: g.values.reduce((a, v) => a + v.Count, 0), "
    "Total: g.values.reduce((a, v) => a + v.Total, 0) }))";

class JsIndexTest : public ::testing::Test {
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
    auto m = IndexManager::Open(*env_, "/db", *db_, options_);
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
  Result<std::shared_ptr<Index>> Define(const json::Value& raven) {
    ROOKERY_ASSIGN_OR_RETURN(auto d, StaticDefinitionFromRavenJson(raven));
    return manager_->PutStatic(std::move(d));
  }
  std::shared_ptr<Index> MustDefine(const json::Value& raven) {
    auto index = Define(raven);
    EXPECT_TRUE(index.ok()) << index.status().ToString();
    return index.ok() ? *index : nullptr;
  }
  void WaitNonStale(Index& index) {
    auto ok = manager_->WaitForNonStale(index, 30 * 1000 * 1000);
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    ASSERT_TRUE(*ok) << index.name() << " still stale";
    ASSERT_EQ(manager_->ErrorOf(index.name()), "");
  }
  // Map index: "id -> entry" lines, sorted. Map-reduce: result JSON texts, sorted.
  std::vector<std::string> Contents(Index& index) {
    std::vector<std::string> out;
    auto snapshot = index.Snapshot();
    EXPECT_TRUE(snapshot.ok());
    Status s;
    if (index.definition().type == IndexType::kJavaScriptMap) {
      s = (*snapshot)->ForEachEntry([&](IndexEntry& e) {
        out.push_back(e.id + " -> " + json::Serialize(e.fields));
        return true;
      });
    } else {
      s = (*snapshot)->ForEachJsResult([&](json::Value& v) {
        out.push_back(json::Serialize(v));
        return true;
      });
    }
    EXPECT_TRUE(s.ok()) << s.ToString();
    std::sort(out.begin(), out.end());
    return out;
  }

  IndexingOptions options_;
  std::unique_ptr<platform::Env> env_;
  std::unique_ptr<documents::Database> db_;
  std::unique_ptr<IndexManager> manager_;
};

using Lines = std::vector<std::string>;

inline json::Value WithOutput(json::Value definition, std::string collection) {
  definition.Set("OutputReduceToCollection", json::Value::String(std::move(collection)));
  return definition;
}

inline constexpr const char* kOrderTotals =
    "map('Orders', o => ({ Company: o.Company, Count: 1, Total: o.Total }))";

class JsOutputTest : public JsIndexTest {
 protected:
  // The documents of a collection: id -> document (as stored).
  std::map<std::string, documents::Document> Collection(std::string prefix) {
    documents::StartsWithQuery q;
    q.prefix = std::move(prefix);
    q.page_size = 100000;
    auto docs = db_->GetStartingWith(q);
    EXPECT_TRUE(docs.ok()) << docs.status().ToString();
    std::map<std::string, documents::Document> out;
    if (docs.ok()) {
      for (auto& d : *docs) out.emplace(d.id, std::move(d));
    }
    return out;
  }
};

}  // namespace rookery::indexing
