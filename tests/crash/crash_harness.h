// Crash harness: runs a scripted storage workload on a FaultEnv, cuts the power (or injects an I/O
// error) at a chosen I/O operation, recovers, and checks the result against an oracle.
//
// The oracle knows every acknowledged transaction (Commit returned OK) and the one in flight. After
// recovery the store must hold exactly the state after the last acknowledged transaction, or that
// state plus the whole in-flight transaction — never a part of one, never less (testing.md §2.2).
// Every tree must pass its structural check (which reads every page, so every checksum).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/fault_env.h"
#include "storage/store.h"

namespace rookery::crash {

using Model = std::map<std::string, std::map<std::string, std::string>>;

// What a scenario does, step by step, through this interface. Every call returns the first error
// (after the power is cut every I/O fails), and the scenario stops at it.
class Workload {
 public:
  Workload(platform::Env& env, storage::EnvironmentOptions options);
  ~Workload();

  Status Open();
  Status Begin();
  Status Put(const std::string& tree, const std::string& key, const std::string& value);
  Status Delete(const std::string& tree, const std::string& key);
  Status DropTree(const std::string& tree);
  Status Commit();
  void Abort();
  Status Flush();
  Status Sync();
  // Clean close and reopen.
  Status Reopen();
  void Close();

  // The state after the last acknowledged commit, and the in-flight one (if Commit was called and
  // did not return OK).
  const Model& acknowledged() const { return acknowledged_; }
  const Model* in_flight() const { return in_flight_valid_ ? &in_flight_ : nullptr; }
  int commits() const { return commits_; }

 private:
  platform::Env& env_;
  storage::EnvironmentOptions options_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::StoreWriteTransaction> txn_;
  Model acknowledged_;
  Model pending_;
  Model in_flight_;
  bool in_flight_valid_ = false;
  int commits_ = 0;
};

using Scenario = std::function<Status(Workload&)>;

// Reads every tree of the store at `dir` into a model and verifies each tree's structure.
Result<Model> ReadStore(platform::Env& env, const storage::EnvironmentOptions& options);

// Compares what recovery produced with the oracle; an empty string means it is correct.
std::string CheckRecovered(const Model& recovered, const Model& acknowledged,
                           const Model* in_flight);

inline constexpr const char* kDir = "/env";

}  // namespace rookery::crash
