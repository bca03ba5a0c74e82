// Shared fixture of the Database tests: a database on MemEnv, reopenable, with helpers that parse
// JSON text into commands.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "documents/database_impl.h"
#include "json/value.h"

namespace rookery::documents {

inline json::Value J(std::string_view text) {
  auto v = json::Parse(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString() << " in " << text;
  return v.ok() ? std::move(v).value() : json::Value();
}

inline Command Put(std::string id, std::string_view json, ExpectedChangeVector cv = std::nullopt) {
  return PutCommand{std::move(id), J(json), std::move(cv)};
}
inline Command Del(std::string id, ExpectedChangeVector cv = std::nullopt) {
  return DeleteCommand{std::move(id), std::move(cv)};
}

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = platform::NewMemEnv();
    Reopen();
  }
  void Reopen() {
    db_.reset();
    auto db = DatabaseImpl::OpenImpl(*env_, "/dbs/db1", {});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }
  // Executes and expects success.
  std::vector<CommandResult> Run(std::vector<Command> commands) {
    auto r = db_->Execute(std::move(commands));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : std::vector<CommandResult>{};
  }
  PutResult PutOne(std::string id, std::string_view json, ExpectedChangeVector cv = std::nullopt) {
    auto r = Run({Put(std::move(id), json, std::move(cv))});
    return r.empty() ? PutResult{} : std::get<PutResult>(r[0]);
  }
  std::optional<Document> Get(std::string_view id) {
    auto d = db_->Get(id);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return d.ok() ? *d : std::nullopt;
  }
  DatabaseStats Stats() {
    auto s = db_->Stats();
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : DatabaseStats{};
  }

  std::unique_ptr<platform::Env> env_;
  std::unique_ptr<DatabaseImpl> db_;
};

}  // namespace rookery::documents
