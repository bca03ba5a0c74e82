// KvEngine adapter for LMDB with its default, durable flags: every mdb_txn_commit syncs the data
// file (fdatasync) before returning. One unnamed database; no MDB_NOSYNC, MDB_NOMETASYNC,
// MDB_WRITEMAP or MDB_MAPASYNC.
#include <lmdb.h>

#include <algorithm>
#include <string>

#include "bench/engines.h"

namespace rookery::bench {
namespace {

Status LmdbError(int rc, std::string_view what) {
  std::string msg = "LMDB " + std::string(what) + ": " + mdb_strerror(rc);
  if (rc == MDB_NOTFOUND) return Status::NotFound(std::move(msg));
  if (rc == MDB_MAP_FULL) return Status::NoSpace(msg + " (raise the map size in lmdb_engine.cc)");
  return Status::IOError(std::move(msg));
}

MDB_val Val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

class LmdbWriteTxn final : public WriteBatchTxn {
 public:
  LmdbWriteTxn(MDB_txn* txn, MDB_dbi dbi) : txn_(txn), dbi_(dbi) {}
  ~LmdbWriteTxn() override {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }
  Status Put(std::string_view key, std::string_view value) override {
    MDB_val k = Val(key), v = Val(value);
    int rc = mdb_put(txn_, dbi_, &k, &v, 0);
    return rc == 0 ? Status::Ok() : LmdbError(rc, "mdb_put");
  }
  Status Commit() override {
    int rc = mdb_txn_commit(txn_);
    txn_ = nullptr;  // committed or not, LMDB has freed the transaction
    return rc == 0 ? Status::Ok() : LmdbError(rc, "mdb_txn_commit");
  }

 private:
  MDB_txn* txn_;
  MDB_dbi dbi_;
};

class LmdbReadTxn final : public ReadTxn {
 public:
  LmdbReadTxn(MDB_txn* txn, MDB_dbi dbi) : txn_(txn), dbi_(dbi) {}
  ~LmdbReadTxn() override { mdb_txn_abort(txn_); }

  Status Get(std::string_view key, std::string* out) override {
    MDB_val k = Val(key), v;
    int rc = mdb_get(txn_, dbi_, &k, &v);
    if (rc != 0) return LmdbError(rc, "mdb_get");
    out->assign(static_cast<const char*>(v.mv_data), v.mv_size);
    return Status::Ok();
  }

  Status Scan(const ScanFn& fn) override {
    MDB_cursor* cursor = nullptr;
    int rc = mdb_cursor_open(txn_, dbi_, &cursor);
    if (rc != 0) return LmdbError(rc, "mdb_cursor_open");
    MDB_val k, v;
    for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      if (!fn(std::string_view(static_cast<const char*>(k.mv_data), k.mv_size),
              std::string_view(static_cast<const char*>(v.mv_data), v.mv_size))) {
        rc = MDB_NOTFOUND;
        break;
      }
    }
    mdb_cursor_close(cursor);
    return rc == MDB_NOTFOUND ? Status::Ok() : LmdbError(rc, "mdb_cursor_get");
  }

 private:
  MDB_txn* txn_;
  MDB_dbi dbi_;
};

class LmdbEngine final : public KvEngine {
 public:
  ~LmdbEngine() override { (void)Close(); }

  std::string name() const override { return "LMDB"; }
  std::string Description() const override {
    return std::to_string(MDB_VERSION_MAJOR) + "." + std::to_string(MDB_VERSION_MINOR) + "." +
           std::to_string(MDB_VERSION_PATCH) +
           ": default flags (fdatasync on every commit), 1 database, map size " +
           std::to_string(kMapSize >> 30) + " GiB (virtual; the file grows as pages are used)";
  }

  Status Open(const std::string& dir) override {
    if (env_ != nullptr) return Status::FailedState("LMDB engine already open");
    dir_ = dir;
    int rc = mdb_env_create(&env_);
    if (rc != 0) return LmdbError(rc, "mdb_env_create");
    if ((rc = mdb_env_set_mapsize(env_, kMapSize)) != 0 ||
        (rc = mdb_env_open(env_, dir.c_str(), 0, 0644)) != 0) {
      mdb_env_close(env_);
      env_ = nullptr;
      return LmdbError(rc, "open " + dir);
    }
    MDB_txn* txn = nullptr;
    if ((rc = mdb_txn_begin(env_, nullptr, 0, &txn)) != 0) return LmdbError(rc, "mdb_txn_begin");
    if ((rc = mdb_dbi_open(txn, nullptr, 0, &dbi_)) != 0) {
      mdb_txn_abort(txn);
      return LmdbError(rc, "mdb_dbi_open");
    }
    if ((rc = mdb_txn_commit(txn)) != 0) return LmdbError(rc, "mdb_txn_commit (open)");
    return Status::Ok();
  }

  Status Close() override {
    if (env_ != nullptr) mdb_env_close(env_);  // mdb_env_close has no failure to report
    env_ = nullptr;
    return Status::Ok();
  }

  Result<std::unique_ptr<WriteBatchTxn>> BeginWrite() override {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &txn);
    if (rc != 0) return LmdbError(rc, "mdb_txn_begin");
    return std::unique_ptr<WriteBatchTxn>(new LmdbWriteTxn(txn, dbi_));
  }

  Result<std::unique_ptr<ReadTxn>> BeginRead() override {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
    if (rc != 0) return LmdbError(rc, "mdb_txn_begin (read)");
    return std::unique_ptr<ReadTxn>(new LmdbReadTxn(txn, dbi_));
  }

  uint64_t DiskBytes() const override { return AllocatedBytesUnder(dir_); }

 private:
  // Address space only: on Linux LMDB does not preallocate the file without MDB_WRITEMAP.
  static constexpr size_t kMapSize = size_t{256} << 30;

  std::string dir_;
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
};

}  // namespace

std::unique_ptr<KvEngine> NewLmdbEngine() {
  return std::make_unique<LmdbEngine>();
}

}  // namespace rookery::bench
