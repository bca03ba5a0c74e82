// Fixture of the revisions and revert tests: a database on MemEnv whose wall clock is manual, so
// revision ages and revert points are exact.
#pragma once

#include <map>
#include <string>

#include "documents/database_test_util.h"

namespace rookery::documents {

inline constexpr uint64_t kMinute = 60ull * 1000000;

// MemEnv with a wall clock that moves only when told (starts at 2024-01-01T00:00:00Z).
class ManualClockEnv final : public platform::EnvWrapper {
 public:
  explicit ManualClockEnv(std::unique_ptr<platform::Env> base)
      : EnvWrapper(*base), owned_(std::move(base)) {}
  uint64_t NowMicros() override { return now.load(); }
  void Advance(uint64_t micros) { now += micros; }

  std::atomic<uint64_t> now{1704067200ull * 1000000};

 private:
  std::unique_ptr<platform::Env> owned_;
};

// Every live document: id -> JSON without the metadata the server rewrites on each write, so two
// snapshots compare document content.
inline std::map<std::string, std::string> ContentSnapshot(Database& db) {
  std::map<std::string, std::string> out;
  StartsWithQuery q;
  q.page_size = 1u << 30;
  auto docs = db.GetStartingWith(q);
  EXPECT_TRUE(docs.ok()) << docs.status().ToString();
  if (!docs.ok()) return out;
  for (const Document& d : *docs) {
    auto v = json::Parse(d.json);
    EXPECT_TRUE(v.ok());
    if (json::Value* m = v->Find("@metadata")) {
      for (std::string_view k : {"@id", "@change-vector", "@last-modified", "@flags"}) {
        m->Remove(k);
      }
    }
    out[d.id] = json::Serialize(*v);
  }
  return out;
}

class RevisionsTest : public DatabaseTest {
 protected:
  void SetUp() override {
    auto clock = std::make_unique<ManualClockEnv>(platform::NewMemEnv());
    clock_ = clock.get();
    env_ = std::move(clock);
    Reopen();
  }
  void Configure(std::string_view json) {
    auto config = ParseRevisionsConfig(J(json));
    ASSERT_TRUE(config.ok()) << config.status().ToString();
    ASSERT_TRUE(db_->ConfigureRevisions(*config).ok());
  }
  RevisionsPage Revisions(std::string_view id) {
    auto page = db_->GetRevisions(id, 0, 1000);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? std::move(page).value() : RevisionsPage{};
  }
  // A top-level member of a JSON document, serialized ("" when absent).
  static std::string Field(std::string_view json, std::string_view key) {
    auto v = json::Parse(json);
    if (!v.ok()) return "<bad json>";
    const json::Value* f = v->Find(key);
    return f != nullptr ? json::Serialize(*f) : std::string();
  }
  std::map<std::string, std::string> Snapshot() { return ContentSnapshot(*db_); }

  ManualClockEnv* clock_ = nullptr;
};

}  // namespace rookery::documents
