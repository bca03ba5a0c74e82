// Rookery's KvEngine adapter: the storage engine (src/storage, Store over StorageEnvironment) in
// safe mode — Commit returns only once the journal write is durable — with one named tree holding
// every key, journal compression off (as for the peers), through platform::PosixEnv.
#include <cstdio>
#include <limits>

#include "bench/engines.h"
#include "bench/kv_engine.h"
#include "platform/env.h"
#include "storage/store.h"

namespace rookery::bench {
namespace {

constexpr std::string_view kTreeName = "kv";

class RookeryWriteTxn final : public WriteBatchTxn {
 public:
  RookeryWriteTxn(std::unique_ptr<storage::StoreWriteTransaction> txn, storage::Tree* tree)
      : txn_(std::move(txn)), tree_(tree) {}
  Status Put(std::string_view key, std::string_view value) override {
    return tree_->Put(key, value);
  }
  Status Commit() override { return txn_->Commit(); }

 private:
  std::unique_ptr<storage::StoreWriteTransaction> txn_;
  storage::Tree* tree_;
};

class RookeryReadTxn final : public ReadTxn {
 public:
  RookeryReadTxn(std::unique_ptr<storage::StoreReadTransaction> txn, storage::Tree* tree)
      : txn_(std::move(txn)), tree_(tree) {}

  Status Get(std::string_view key, std::string* out) override {
    if (tree_ == nullptr) return Status::NotFound("empty store");
    std::string_view view;
    ROOKERY_ASSIGN_OR_RETURN(bool found, tree_->GetView(key, &view));
    if (!found) return Status::NotFound("no such key");
    out->assign(view.data(), view.size());
    return Status::Ok();
  }

  Status Scan(const ScanFn& fn) override {
    if (tree_ == nullptr) return Status::Ok();
    auto it = txn_->Iterate(tree_);
    for (it.SeekToFirst(); it.Valid(); it.Next()) {
      if (!fn(it.key(), it.value())) break;
    }
    return it.status();
  }

 private:
  std::unique_ptr<storage::StoreReadTransaction> txn_;
  storage::Tree* tree_;
};

class RookeryEngine final : public KvEngine {
 public:
  std::string name() const override { return "Rookery"; }
  std::string Description() const override {
    return "Rookery storage engine: safe mode (commit durable when it returns: journal written "
           "with O_DIRECT|O_DSYNC or a detected fallback), journal page diffs on, journal "
           "compression off, "
           "background flush and sync";
  }

  Status Open(const std::string& dir) override {
    dir_ = dir;
    env_ = platform::NewPosixEnv();
    storage::EnvironmentOptions options;
    options.journal.compress_above_bytes = std::numeric_limits<uint64_t>::max();
    ROOKERY_ASSIGN_OR_RETURN(store_, storage::Store::Open(*env_, dir, options));
    return Status::Ok();
  }

  Status Close() override {
    if (store_ != nullptr) {
      // Where the device bytes go: the journal (page diffs vs full images) and the data file.
      const storage::StorageReport r = store_->environment().Report();
      std::fprintf(stderr,
                   "rookery %s: journal %.1f MB written for %.1f MB of page images (%llu of %llu "
                   "pages as diffs); data file %.1f MB flushed in %llu flushes\n",
                   dir_.c_str(), r.journal_bytes_written / 1e6, r.journal_image_bytes / 1e6,
                   static_cast<unsigned long long>(r.journal_diff_pages),
                   static_cast<unsigned long long>(r.journal_pages),
                   static_cast<double>(r.pages_flushed) * storage::kPageSize / 1e6,
                   static_cast<unsigned long long>(r.flushes));
    }
    store_.reset();
    env_.reset();
    return Status::Ok();
  }

  Result<std::unique_ptr<WriteBatchTxn>> BeginWrite() override {
    ROOKERY_ASSIGN_OR_RETURN(auto txn, store_->BeginWrite());
    ROOKERY_ASSIGN_OR_RETURN(storage::Tree * tree, txn->OpenOrCreateTree(kTreeName));
    return std::unique_ptr<WriteBatchTxn>(new RookeryWriteTxn(std::move(txn), tree));
  }

  Result<std::unique_ptr<ReadTxn>> BeginRead() override {
    ROOKERY_ASSIGN_OR_RETURN(auto txn, store_->BeginRead());
    storage::Tree* tree = nullptr;
    auto opened = txn->OpenTree(kTreeName);
    if (opened.ok()) {
      tree = *opened;
    } else if (!opened.status().IsNotFound()) {
      return opened.status();
    }
    return std::unique_ptr<ReadTxn>(new RookeryReadTxn(std::move(txn), tree));
  }

  // Flushing journaled pages into the data file is the deferred work of a load (as compaction is
  // RocksDB's): settle it so that reads measure the steady state and its cost is reported.
  Status WaitForBackgroundWork() override {
    ROOKERY_RETURN_IF_ERROR(store_->environment().FlushNow());
    return store_->environment().SyncNow();
  }

  uint64_t DiskBytes() const override { return AllocatedBytesUnder(dir_); }

 private:
  std::string dir_;
  std::unique_ptr<platform::Env> env_;
  std::unique_ptr<storage::Store> store_;
};

}  // namespace

std::unique_ptr<KvEngine> NewRookeryEngine() {
  return std::make_unique<RookeryEngine>();
}

}  // namespace rookery::bench
