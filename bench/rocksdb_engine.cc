// KvEngine adapter for RocksDB in its durable configuration: WAL on and WriteOptions::sync=true
// (every Write of a batch fsyncs the WAL before returning), no compression at any level, a 1 GiB
// LRU block cache and a 10-bits-per-key Bloom filter. Everything else is RocksDB's default.
// A transaction is a rocksdb::WriteBatch applied atomically by DB::Write; reads use a snapshot.
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/version.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <string>
#include <thread>

#include "bench/engines.h"

namespace rookery::bench {
namespace {

Status RocksError(const rocksdb::Status& s, std::string_view what) {
  std::string msg = "RocksDB " + std::string(what) + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(std::move(msg));
  if (s.IsCorruption()) return Status::Corruption(std::move(msg));
  if (s.IsNoSpace()) return Status::NoSpace(std::move(msg));
  return Status::IOError(std::move(msg));
}

rocksdb::Slice Sl(std::string_view s) {
  return rocksdb::Slice(s.data(), s.size());
}

class RocksWriteTxn final : public WriteBatchTxn {
 public:
  explicit RocksWriteTxn(rocksdb::DB* db) : db_(db) {}
  Status Put(std::string_view key, std::string_view value) override {
    rocksdb::Status s = batch_.Put(Sl(key), Sl(value));
    return s.ok() ? Status::Ok() : RocksError(s, "WriteBatch::Put");
  }
  Status Commit() override {
    rocksdb::WriteOptions options;
    options.sync = true;  // fsync the WAL before acknowledging: the durable row
    options.disableWAL = false;
    rocksdb::Status s = db_->Write(options, &batch_);
    return s.ok() ? Status::Ok() : RocksError(s, "DB::Write");
  }

 private:
  rocksdb::DB* db_;
  rocksdb::WriteBatch batch_;
};

class RocksReadTxn final : public ReadTxn {
 public:
  explicit RocksReadTxn(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {
    options_.snapshot = snapshot_;
  }
  ~RocksReadTxn() override { db_->ReleaseSnapshot(snapshot_); }

  Status Get(std::string_view key, std::string* out) override {
    rocksdb::Status s = db_->Get(options_, Sl(key), out);
    return s.ok() ? Status::Ok() : RocksError(s, "DB::Get");
  }

  Status Scan(const ScanFn& fn) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options_));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      rocksdb::Slice k = it->key(), v = it->value();
      if (!fn(std::string_view(k.data(), k.size()), std::string_view(v.data(), v.size()))) break;
    }
    rocksdb::Status s = it->status();
    return s.ok() ? Status::Ok() : RocksError(s, "Iterator");
  }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
  rocksdb::ReadOptions options_;
};

class RocksDbEngine final : public KvEngine {
 public:
  ~RocksDbEngine() override { (void)Close(); }

  std::string name() const override { return "RocksDB"; }
  std::string Description() const override {
    return std::to_string(ROCKSDB_MAJOR) + "." + std::to_string(ROCKSDB_MINOR) + "." +
           std::to_string(ROCKSDB_PATCH) + ": WAL on, WriteOptions.sync=true, no compression, " +
           std::to_string(cache_bytes_ >> 20) +
           " MiB LRU block cache, Bloom filter 10 bits/key, other options default";
  }

  Status Open(const std::string& dir) override {
    if (db_ != nullptr) return Status::FailedState("RocksDB engine already open");
    dir_ = dir;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = rocksdb::NewLRUCache(cache_bytes_);
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    rocksdb::Options options;
    options.create_if_missing = true;
    options.compression = rocksdb::kNoCompression;
    options.bottommost_compression = rocksdb::kNoCompression;
    options.compression_per_level.clear();
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    rocksdb::Status s = rocksdb::DB::Open(options, dir, &db_);
    if (!s.ok()) {
      db_ = nullptr;
      return RocksError(s, "DB::Open " + dir);
    }
    return Status::Ok();
  }

  Status Close() override {
    if (db_ == nullptr) return Status::Ok();
    rocksdb::Status s = db_->Close();
    delete db_;
    db_ = nullptr;
    return s.ok() ? Status::Ok() : RocksError(s, "DB::Close");
  }

  Result<std::unique_ptr<WriteBatchTxn>> BeginWrite() override {
    return std::unique_ptr<WriteBatchTxn>(new RocksWriteTxn(db_));
  }
  Result<std::unique_ptr<ReadTxn>> BeginRead() override {
    return std::unique_ptr<ReadTxn>(new RocksReadTxn(db_));
  }

  // Polls until no flush or compaction is running or pending.
  Status WaitForBackgroundWork() override {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(30);
    for (;;) {
      uint64_t busy = 0;
      for (const char* property :
           {"rocksdb.num-running-flushes", "rocksdb.num-running-compactions",
            "rocksdb.mem-table-flush-pending", "rocksdb.compaction-pending"}) {
        uint64_t value = 0;
        if (!db_->GetIntProperty(property, &value)) {
          return Status::Internal(std::string("RocksDB property ") + property + " unavailable");
        }
        busy += value;
      }
      if (busy == 0) return Status::Ok();
      if (std::chrono::steady_clock::now() > deadline) {
        return Status::Timeout("RocksDB background work still running after 30 minutes");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  uint64_t DiskBytes() const override { return AllocatedBytesUnder(dir_); }

 private:
  const size_t cache_bytes_ = MutableEngineTuning().rocksdb_block_cache_bytes;
  std::string dir_;
  rocksdb::DB* db_ = nullptr;
};

}  // namespace

std::unique_ptr<KvEngine> NewRocksDbEngine() {
  return std::make_unique<RocksDbEngine>();
}

}  // namespace rookery::bench
