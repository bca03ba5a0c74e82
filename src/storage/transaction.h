// Read and write transactions of a StorageEnvironment (see environment.h for the model).
//
// ReadTransaction: a snapshot of the last durable transaction; pages come from the page table
// (the newest version <= the snapshot) or from the data file. Pointers stay valid until the
// transaction ends: the transaction pins every scratch buffer and data-file map it handed out.
//
// WriteTransaction: sees the last committed transaction (possibly still on its way to the
// journal) plus its own changes. ModifyPage copies a page into scratch the first time;
// AllocatePages takes reusable free pages first, else extends the file; FreePage defers reuse
// until no reader can see the page. Commit() returns OK only when the transaction is durable;
// Abort() (or the destructor) discards everything. The root record (kRootRecordSize bytes) is
// opaque engine state replaced atomically by the transaction.
//
// Threads: a transaction is used by one thread at a time and must end before its environment.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "storage/data_file.h"
#include "storage/journal.h"
#include "storage/page.h"
#include "storage/scratch.h"

namespace rookery::storage {

class StorageEnvironment;

// Snapshot reads shared by both kinds of transaction.
class SnapshotView {
 public:
  SnapshotView(StorageEnvironment* env, uint64_t snapshot) : env_(env), snapshot_(snapshot) {}
  Result<const uint8_t*> Get(PageNumber n);
  uint64_t snapshot() const { return snapshot_; }
  void Clear();
  // Hands every pin over to the caller (the pointers returned so far stay valid as long as the
  // caller keeps them) and forgets the cache.
  void MovePinsTo(std::vector<PageBufferPtr>* buffers, MapPins* maps);

 private:
  StorageEnvironment* env_;
  uint64_t snapshot_;
  std::unordered_map<PageNumber, const uint8_t*> cache_;
  std::vector<PageBufferPtr> buffer_pins_;
  MapPins map_pins_;
};

class ReadTransaction final : public PageAccess {
 public:
  ~ReadTransaction() override;
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

  uint64_t tx_id() const { return view_.snapshot(); }
  std::span<const uint8_t, kRootRecordSize> root_record() const { return root_; }

  Result<const uint8_t*> GetPage(PageNumber n) override { return view_.Get(n); }
  Result<uint8_t*> ModifyPage(PageNumber n) override;
  Result<uint8_t*> AllocatePages(uint32_t count) override;
  Status FreePage(PageNumber n) override;
  bool IsWriteTransaction() const override { return false; }

 private:
  friend class StorageEnvironment;
  ReadTransaction(StorageEnvironment* env, uint64_t snapshot, const uint8_t* root);
  StorageEnvironment* env_;
  SnapshotView view_;
  uint8_t root_[kRootRecordSize];
};

class WriteTransaction final : public PageAccess {
 public:
  ~WriteTransaction() override;
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;

  // The id this transaction commits as.
  uint64_t tx_id() const { return tx_id_; }
  std::span<const uint8_t, kRootRecordSize> root_record() const { return root_; }
  void set_root_record(std::span<const uint8_t, kRootRecordSize> root);

  Result<const uint8_t*> GetPage(PageNumber n) override;
  Result<uint8_t*> ModifyPage(PageNumber n) override;
  Result<uint8_t*> AllocatePages(uint32_t count) override;
  Status FreePage(PageNumber n) override;
  bool IsWriteTransaction() const override { return true; }

  // Durable on OK. On error nothing of the transaction is visible; kFailedState when the
  // environment failed. The transaction is finished either way.
  Status Commit();
  void Abort();

 private:
  friend class StorageEnvironment;
  WriteTransaction(StorageEnvironment* env, uint64_t tx_id, const uint8_t* root,
                   PageNumber next_page, std::vector<PageNumber> chain);
  Status CheckActive() const;
  Status StoreFreeSpace();
  Status SealDirtyPages();

  StorageEnvironment* env_;
  uint64_t tx_id_;
  SnapshotView view_;  // at tx_id_ - 1 (the last committed transaction)
  uint8_t root_[kRootRecordSize];
  bool root_changed_ = false;
  PageNumber next_page_;
  PageNumber start_next_page_;
  std::vector<PageNumber> chain_;  // free-space chain pages
  std::unordered_map<PageNumber, PageBufferPtr> dirty_;
  // What each dirty page's journal diff may be taken against (absent: full image). A kPrevious
  // base points into a version pinned by view_ (docs/formats/journal.md, "Which base").
  struct Base {
    DiffBase kind = DiffBase::kNone;
    const uint8_t* previous = nullptr;
  };
  std::unordered_map<PageNumber, Base> bases_;
  bool done_ = false;
};

}  // namespace rookery::storage
