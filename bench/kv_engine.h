// KvEngine: the engine-neutral key/value interface that the storage benchmark (storage_bench)
// drives, so that Rookery's storage engine, LMDB and RocksDB run the same workloads in the same
// process, on the same machine, in the same run.
//
// Contract every adapter must honour (otherwise the comparison is not like with like):
//   * Durability: WriteBatchTxn::Commit returns OK only once every Put of the transaction
//     survives a crash or power loss (given a file system and device that honour fsync). No
//     relaxed modes here: LMDB default flags, RocksDB sync=true with its WAL, Rookery safe mode.
//   * Atomicity: a transaction's Puts become visible to later ReadTxns together, at Commit.
//   * Keys are compared as unsigned bytes (memcmp order); Scan visits them in that order.
//   * Compression, if the engine has any, is off unless the engine's Description() says
//     otherwise.
//
// Ownership: a KvEngine owns its files under the directory given to Open. Transactions borrow
// the engine: destroy every transaction before Close() or before the engine is destroyed.
//
// Threads: at most one WriteBatchTxn exists at a time, used by one thread. Any number of
// ReadTxns may exist at once, each created and used by a single thread (LMDB binds a read
// transaction to its thread). Open, Close and DiskBytes are called with no transaction open.
//
// The Rookery adapter lives in bench/rookery_adapter.cc (see there); LMDB and RocksDB in
// lmdb_engine.cc and rocksdb_engine.cc. engines.h lists the adapters compiled in.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "base/status.h"

namespace rookery::bench {

// One write transaction. Destroying it without a successful Commit discards its Puts.
class WriteBatchTxn {
 public:
  virtual ~WriteBatchTxn() = default;
  // Stages key -> value (insert, or overwrite if the key exists). The engine copies both.
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  // Makes every staged Put visible and durable (see the contract above). Call at most once.
  virtual Status Commit() = 0;
};

// One read transaction: a consistent snapshot as of BeginRead.
class ReadTxn {
 public:
  virtual ~ReadTxn() = default;
  // Copies the value of `key` into *out, replacing its contents (the string's capacity is reused,
  // so a caller that passes the same string each time measures the copy, not an allocation).
  // Returns NotFound when the key is absent.
  virtual Status Get(std::string_view key, std::string* out) = 0;

  // Called once per key, in ascending key order; return false to stop. The views are valid only
  // for the duration of the call.
  using ScanFn = std::function<bool(std::string_view key, std::string_view value)>;
  // Full ordered scan of the snapshot.
  virtual Status Scan(const ScanFn& fn) = 0;
};

class KvEngine {
 public:
  virtual ~KvEngine() = default;

  // Short display name used as a column header: "LMDB", "RocksDB", "Rookery".
  virtual std::string name() const = 0;
  // One line for the report: library version and the settings that matter for the comparison
  // (durability, cache size, compression, filters).
  virtual std::string Description() const = 0;

  // Opens (creating if empty) the engine's data in `dir`, which must exist.
  virtual Status Open(const std::string& dir) = 0;
  // Closes the engine; everything committed stays on disk. Safe to call when not open.
  virtual Status Close() = 0;

  virtual Result<std::unique_ptr<WriteBatchTxn>> BeginWrite() = 0;
  virtual Result<std::unique_ptr<ReadTxn>> BeginRead() = 0;

  // Returns once the background work that earlier commits left behind (RocksDB: memtable flushes
  // and compactions) is finished, so that reads measure a settled database and the load's
  // deferred cost can be reported. Engines that do all their work inside Commit return at once.
  virtual Status WaitForBackgroundWork() { return Status::Ok(); }

  // Bytes the engine's files occupy on disk now (allocated blocks, not apparent sizes, so that
  // sparse or preallocated files count as what they really cost).
  virtual uint64_t DiskBytes() const = 0;
};

}  // namespace rookery::bench
