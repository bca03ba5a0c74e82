// DatabaseRegistry: the databases of one server, each on its own storage environment.
//
// Layout under the data directory (docs/design/databases.md):
//   Databases/<name>/              the database's storage (documents::Database::Open)
//   Databases/<name>.record.json   its database record: the JSON body of the create call, with
//                                  DatabaseName set; written with WriteFileAtomically
// The record file is the commit point: a database exists exactly when its record exists. Create
// writes the storage first and the record last; delete removes the record first and the storage
// after, so a crash in between leaves only an orphan directory, removed at the next start.
//
// Names are validated like RavenDB's (letters, digits, '_', '-', '.'; at most 128 characters; not
// "." or ".."), compared case-insensitively and kept with their original casing. Databases are
// opened on first use and stay open until deleted or CloseAll().
//
// Threads: all methods are thread-safe. A Database handed out by Get() stays usable by its holder
// after a concurrent Delete(); Delete() waits (bounded) for such holders before removing files.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "documents/database.h"
#include "json/value.h"
#include "platform/env.h"
#include "server/database_services.h"

namespace rookery::server {

class DatabaseRegistry {
 public:
  DatabaseRegistry(platform::Env& env, std::string data_dir,
                   documents::DatabaseOptions options = {});
  ~DatabaseRegistry();

  // Creates <data-dir>/Databases, loads the records there and removes orphan directories.
  Status Init();

  // kInvalidArgument with a message saying what is wrong with the name.
  static Status ValidateName(std::string_view name);

  // Creates a database; `record` is an object (the create call's body). kAlreadyExists with
  // RavenDB's message "Database 'x' already exists!". Durable when it returns.
  Status Create(std::string_view name, json::Value record);
  // Closes and removes a database with everything in it; kNotFound if there is none.
  Status Delete(std::string_view name);
  // Names in their original casing, sorted case-insensitively.
  std::vector<std::string> List() const;
  bool Exists(std::string_view name) const;
  // The stored record; kNotFound if there is no such database.
  Result<json::Value> Record(std::string_view name) const;
  // The open database (opening it on first use); kNotFound if there is no such database.
  Result<std::shared_ptr<documents::Database>> Get(std::string_view name);
  // The open database with its indexes, query engine and operations (opened on first use).
  Result<std::shared_ptr<DatabaseServices>> Services(std::string_view name);
  // The services of a database that is open already; nullptr otherwise. Never opens one (for
  // callers that must not wait for storage, such as the choice of requests answered inline).
  std::shared_ptr<DatabaseServices> OpenServices(std::string_view name);
  // A monotonically increasing number standing in for RavenDB's Raft command index.
  uint64_t NextCommandIndex();

  // Closes every open database (server shutdown). Later Get() calls reopen them.
  void CloseAll();

 private:
  struct Entry {
    std::string name;  // original casing
    json::Value record;
    std::shared_ptr<DatabaseServices> services;  // null until first use
  };
  static std::string Key(std::string_view name);
  std::string Dir(std::string_view name) const;
  std::string RecordPath(std::string_view name) const;

  platform::Env& env_;
  const std::string root_;  // <data-dir>/Databases
  const documents::DatabaseOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;  // by lower-cased name
  uint64_t command_index_ = 0;
};

}  // namespace rookery::server
