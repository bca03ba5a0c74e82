#include "crash_harness.h"

namespace rookery::crash {

Workload::Workload(platform::Env& env, storage::EnvironmentOptions options)
    : env_(env), options_(std::move(options)) {}

Workload::~Workload() {
  Close();
}

Status Workload::Open() {
  ROOKERY_RETURN_IF_ERROR(env_.CreateDirs(kDir));
  ROOKERY_ASSIGN_OR_RETURN(store_, storage::Store::Open(env_, kDir, options_));
  return Status::Ok();
}

Status Workload::Begin() {
  pending_ = acknowledged_;
  ROOKERY_ASSIGN_OR_RETURN(txn_, store_->BeginWrite());
  return Status::Ok();
}

Status Workload::Put(const std::string& tree, const std::string& key, const std::string& value) {
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * t, txn_->OpenOrCreateTree(tree));
  ROOKERY_RETURN_IF_ERROR(t->Put(key, value));
  pending_[tree][key] = value;
  return Status::Ok();
}

Status Workload::Delete(const std::string& tree, const std::string& key) {
  ROOKERY_ASSIGN_OR_RETURN(storage::Tree * t, txn_->OpenOrCreateTree(tree));
  ROOKERY_ASSIGN_OR_RETURN(bool removed, t->Delete(key));
  if (removed != (pending_[tree].erase(key) == 1)) {
    return Status::Internal("delete of " + key + " disagrees with the model");
  }
  return Status::Ok();
}

Status Workload::DropTree(const std::string& tree) {
  ROOKERY_RETURN_IF_ERROR(txn_->DropTree(tree));
  pending_.erase(tree);
  return Status::Ok();
}

Status Workload::Commit() {
  in_flight_ = pending_;
  in_flight_valid_ = true;
  // An empty tree is invisible in a model read back from the store only if it was never created;
  // trees created by Put exist, so keep them (even if every key was deleted) in the model.
  Status s = txn_->Commit();
  txn_.reset();
  if (!s.ok()) return s;
  acknowledged_ = std::move(pending_);
  in_flight_valid_ = false;
  ++commits_;
  return Status::Ok();
}

void Workload::Abort() {
  if (txn_) txn_->Abort();
  txn_.reset();
}

Status Workload::Flush() {
  return store_->environment().FlushNow();
}
Status Workload::Sync() {
  return store_->environment().SyncNow();
}

Status Workload::Reopen() {
  Close();
  return Open();
}

void Workload::Close() {
  Abort();
  store_.reset();
}

Result<Model> ReadStore(platform::Env& env, const storage::EnvironmentOptions& options) {
  ROOKERY_ASSIGN_OR_RETURN(auto store, storage::Store::Open(env, kDir, options));
  ROOKERY_ASSIGN_OR_RETURN(auto txn, store->BeginRead());
  ROOKERY_ASSIGN_OR_RETURN(auto names, txn->ListTrees());
  Model model;
  for (const auto& name : names) {
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * tree, txn->OpenTree(name));
    ROOKERY_RETURN_IF_ERROR(tree->Verify().WithContext("tree " + name));
    auto& entries = model[name];
    auto it = txn->Iterate(tree);
    for (it.SeekToFirst(); it.Valid(); it.Next()) entries[std::string(it.key())] = it.value();
    ROOKERY_RETURN_IF_ERROR(it.status());
  }
  return model;
}

namespace {
std::string Describe(const Model& m) {
  std::string out;
  for (const auto& [tree, entries] : m) out += tree + ":" + std::to_string(entries.size()) + " ";
  return out.empty() ? "(empty)" : out;
}
}  // namespace

std::string CheckRecovered(const Model& recovered, const Model& acknowledged,
                           const Model* in_flight) {
  if (recovered == acknowledged) return "";
  if (in_flight != nullptr && recovered == *in_flight) return "";
  return "recovered state " + Describe(recovered) + " is neither the acknowledged state " +
         Describe(acknowledged) +
         (in_flight ? " nor acknowledged + in-flight " + Describe(*in_flight) : "");
}

}  // namespace rookery::crash
