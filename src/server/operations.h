// Operations: long-running work of one database that clients poll (protocol.md §8.5):
// delete by query today. Each operation gets an id from the database's sequence
// (`/operations/next-operation-id` shares it), runs on its own thread, and keeps its final state
// (Completed with a result, or Faulted with an error) for clients polling
// `/operations/state?id=`. States live in memory: a restart forgets them, as in RavenDB.
//
// Threads: all methods are thread-safe. The destructor waits for running operations.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/result.h"
#include "json/value.h"

namespace rookery::server {

class Operations {
 public:
  Operations() = default;
  ~Operations();
  Operations(const Operations&) = delete;
  Operations& operator=(const Operations&) = delete;

  uint64_t NextId();
  // Starts `work` as operation `id` (from NextId, or 0 for a new one); returns the id.
  uint64_t Start(uint64_t id, std::string description, std::function<Result<json::Value>()> work);
  // Replaces the progress document of a running operation (ignored for unknown ids).
  void SetProgress(uint64_t id, json::Value progress);
  // The state document: {"Status":"InProgress"|"Completed"|"Faulted","Result":..,"Progress":..}
  // (Progress null until the operation reports one); nullopt for an unknown id.
  std::optional<std::string> StateJson(uint64_t id) const;

 private:
  struct State {
    std::string description;
    bool done = false;
    Status status;
    json::Value result;
    json::Value progress;
  };
  mutable std::mutex mu_;
  uint64_t last_id_ = 0;
  std::map<uint64_t, State> states_;
  std::vector<std::thread> threads_;
};

}  // namespace rookery::server
