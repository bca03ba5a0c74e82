// DatabaseServices: one open database and what serves it: its index manager (and indexing
// thread), its query engine and its operations. Opened together on first use by the registry,
// closed together: operations first, then queries and indexes, the database storage last.
//
// Threads: the members are thread-safe; the struct itself is immutable after Open.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "documents/database.h"
#include "indexing/index_manager.h"
#include "platform/env.h"
#include "query/executor.h"
#include "server/operations.h"

namespace rookery::server {

struct DatabaseServices {
  static Result<std::shared_ptr<DatabaseServices>> Open(platform::Env& env, const std::string& dir,
                                                        const documents::DatabaseOptions& options);
  ~DatabaseServices();

  std::shared_ptr<documents::Database> db;
  std::unique_ptr<indexing::IndexManager> indexes;
  std::unique_ptr<query::QueryEngine> queries;
  std::unique_ptr<Operations> operations;
};

}  // namespace rookery::server
