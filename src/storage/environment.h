// StorageEnvironment: one storage environment (a directory) with MVCC transactions over pages.
//
// Files (storage.md §2): data.rookery (pages, read through a read-only map), journal/ (the
// write-ahead journal, through JournalWriter), header.a / header.b (HeaderFiles), LOCK (held while
// open: a second open of the same directory fails with kBusy).
//
// Transactions: any number of ReadTransactions (snapshot = the last durable transaction) and one
// WriteTransaction at a time (BeginWrite blocks while another writer is active). Readers never
// block the writer and the writer never blocks readers. Page numbers are stable: a write copies a
// page into scratch, and readers find the version they may see through the PageTable.
//
// Commit (WriteTransaction::Commit): the writer seals its pages, publishes them to the next
// writer, queues a CommitRecord and lets the next writer start; the journal thread writes every
// queued record with ONE JournalWriter::WriteEntries call (group commit), then makes them visible
// to new readers in order and wakes their committers. Commit returns OK only once durable. If a
// journal write fails the environment enters the failed state: that transaction and every later
// one fail with kFailedState (message names the original error); readers of durable data go on.
//
// Flush copies committed page versions into the data file (up to the oldest active reader's
// snapshot); sync fdatasyncs the data file, writes the next header copy, and only then releases
// journal files that the DURABLE header says are entirely flushed and synced (postmortem rule,
// storage.md §9). Both run on a background thread or on demand (FlushNow/SyncNow).
//
// Recovery at Open replays the journal from the header's last synced transaction into the data
// file, re-verifies every touched page, then syncs once (releasing nothing).
//
// Threads: every public method is thread-safe. Transactions are used by one thread at a time and
// must end before the environment is destroyed.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/result.h"
#include "platform/env.h"
#include "storage/data_file.h"
#include "storage/free_space.h"
#include "storage/header_file.h"
#include "storage/journal.h"
#include "storage/page_table.h"
#include "storage/scratch.h"

namespace rookery::storage {

class ReadTransaction;
class WriteTransaction;

// A committed transaction on its way to the journal (owned by its waiting committer).
struct PendingCommit {
  CommitRecord record;
  PageTable::PageVersions buffers;  // keeps record.pages alive
  // Keep the previous versions that record.pages' diffs are taken against alive.
  std::vector<PageBufferPtr> base_buffers;
  MapPins base_maps;
  bool done = false;  // guarded by the environment's mutex
  Status status;
};

struct EnvironmentOptions {
  JournalOptions journal;
  // Background flusher/syncer thread; tests turn these off and call FlushNow/SyncNow.
  bool background_flush = true;
  bool background_sync = true;
  // Flush when unflushed page images reach this many bytes, or when there are some and no commit
  // happened for flush_idle_micros. The unflushed versions live in scratch memory, so this bounds
  // it (plus what arrives during a flush and what readers pin); a larger threshold writes a page
  // re-dirtied between two flushes once (128 MiB: 24% fewer data-file bytes than 32 MiB on a
  // 200 k-key random load, docs/performance.md).
  uint64_t flush_threshold_bytes = uint64_t{128} << 20;
  uint64_t flush_idle_micros = uint64_t{30} * 1000 * 1000;
  // Sync when this many bytes were flushed since the last sync, or sync_interval_micros after the
  // last flush activity.
  uint64_t sync_threshold_bytes = uint64_t{64} << 20;
  uint64_t sync_interval_micros = uint64_t{5} * 1000 * 1000;
  // How often the background thread looks at the thresholds.
  uint64_t background_poll_micros = 100 * 1000;
  // Flush and sync everything when the environment is closed cleanly (tests that simulate a crash
  // turn this off).
  bool sync_on_close = true;
  // Test hook called at named points ("flush.after_collect", "flush.after_write",
  // "sync.after_record", "sync.after_fsync", "sync.after_header", "sync.after_release",
  // "journal.before_write", "journal.after_write", "journal.rotated") on the thread doing the work,
  // with no state lock held, so a test can interleave steps deterministically (commit, read,
  // report, or sync from inside a flush hook). Only the step's own serialisation is held: a flush
  // hook must not call FlushNow, a sync hook must not call SyncNow.
  std::function<void(std::string_view point)> test_hook;
};

enum class EnvironmentState { kOk, kFailed };

struct StorageReport {
  uint64_t data_file_bytes = 0;
  uint64_t next_page = 0;   // as of the last committed transaction
  uint64_t used_pages = 0;  // next_page - free_pages (includes free-space pages)
  uint64_t free_pages = 0;  // freed pages, reusable or waiting for readers to leave
  uint64_t reusable_pages = 0;
  uint64_t free_space_pages = 0;  // pages of the free-space chain
  uint64_t journal_files = 0;
  uint64_t journal_bytes = 0;
  uint64_t current_journal = 0;
  uint64_t scratch_bytes = 0;
  uint64_t scratch_buffers = 0;
  uint64_t page_versions = 0;  // versions in the page translation table
  uint64_t last_committed_tx = 0;
  uint64_t last_durable_tx = 0;
  uint64_t last_flushed_tx = 0;
  uint64_t last_synced_tx = 0;  // as the durable header says
  uint64_t journal_writes = 0;  // WriteEntries calls
  uint64_t journal_entries = 0;
  uint64_t max_entries_per_write = 0;
  // Journal entry bytes written by this open, and what the same pages take as full images
  // (page diffs make the first smaller; docs/formats/journal.md).
  uint64_t journal_bytes_written = 0;
  uint64_t journal_image_bytes = 0;
  uint64_t journal_pages = 0;
  uint64_t journal_diff_pages = 0;
  uint64_t queued_commits = 0;  // committed, waiting for the journal thread
  uint64_t flushes = 0;
  uint64_t pages_flushed = 0;
  uint64_t syncs = 0;
  uint64_t active_readers = 0;
  uint64_t recovered_entries = 0;
  JournalWriteMode write_mode = JournalWriteMode::kWriteFdatasync;
  EnvironmentState state = EnvironmentState::kOk;
  std::string failure;  // the error that failed the environment
};

class StorageEnvironment {
 public:
  // Opens (creating if needed) the environment in `dir`, recovering from the journal.
  static Result<std::unique_ptr<StorageEnvironment>> Open(platform::Env& env, std::string dir,
                                                          EnvironmentOptions options = {});
  ~StorageEnvironment();
  StorageEnvironment(const StorageEnvironment&) = delete;
  StorageEnvironment& operator=(const StorageEnvironment&) = delete;

  // A snapshot of the last durable transaction.
  Result<std::unique_ptr<ReadTransaction>> BeginRead();
  // Blocks while another write transaction is active. kFailedState in the failed state.
  Result<std::unique_ptr<WriteTransaction>> BeginWrite();

  // Flushes committed versions into the data file (up to the oldest reader's snapshot).
  Status FlushNow();
  // fdatasync + header + journal release for what was flushed.
  Status SyncNow();

  StorageReport Report();
  EnvironmentState state();
  const std::string& dir() const { return dir_; }

 private:
  friend class ReadTransaction;
  friend class WriteTransaction;
  friend class SnapshotView;
  struct TxMeta {
    uint64_t journal = 0;
    PageNumber next_page = 0;
    uint8_t root[kRootRecordSize] = {};
  };

  StorageEnvironment(platform::Env& env, std::string dir, EnvironmentOptions options);
  Status OpenFiles();
  Status CreateNew();
  Status Recover();
  Status LoadFreeSpace();
  Status SyncInternal(bool release_journals);
  Status ReleaseJournals();
  void Fail(const Status& s);  // mu_ held
  void Hook(std::string_view point);
  void JournalLoop();
  void BackgroundLoop();
  void EndRead(uint64_t snapshot);
  uint64_t ReaderHorizonLocked() const;  // min(last durable, oldest reader)
  // Called by WriteTransaction: publish to the next writer and queue for the journal (releases
  // the writer slot), or give the slot up after an abort.
  Status Enqueue(PendingCommit* pending, const PageTable::PageVersions& versions, uint64_t tx,
                 const uint8_t* root, PageNumber next_page, std::vector<PageNumber> chain);
  void EndWrite();
  Status WaitDurable(PendingCommit* pending);

  platform::Env& env_;
  const std::string dir_;
  const EnvironmentOptions options_;
  std::unique_ptr<platform::FileLock> lock_;
  std::unique_ptr<HeaderFiles> headers_;
  std::unique_ptr<DataFile> data_;
  std::unique_ptr<JournalWriter> journal_;
  std::mutex journal_mu_;  // serialises JournalWriter calls (it is single-threaded)
  Scratch scratch_;
  PageTable table_;
  FreeSpace free_space_;

  std::mutex mu_;
  std::condition_variable writer_cv_;   // writer_active_ changed
  std::condition_variable commit_cv_;   // a pending commit completed
  std::condition_variable journal_cv_;  // queue_ grew or stopping_
  std::condition_variable background_cv_;
  bool writer_active_ = false;
  uint64_t last_committed_ = 0;
  uint8_t committed_root_[kRootRecordSize] = {};
  PageNumber committed_next_page_ = 1;
  std::vector<PageNumber> chain_{kFreeSpaceRootPage};  // free-space chain as of last_committed_
  uint64_t last_durable_ = 0;
  uint8_t durable_root_[kRootRecordSize] = {};
  uint64_t last_flushed_ = 0;
  uint64_t last_synced_ = 0;
  std::map<uint64_t, TxMeta> tx_meta_;  // durable transactions > last_synced_
  std::multiset<uint64_t> readers_;
  std::deque<PendingCommit*> queue_;
  Status failed_;
  bool stopping_ = false;
  uint64_t last_commit_nanos_ = 0;
  uint64_t last_flush_nanos_ = 0;
  uint64_t flushed_bytes_since_sync_ = 0;
  uint64_t journal_writes_ = 0, journal_entries_ = 0, max_batch_ = 0;
  uint64_t flushes_ = 0, pages_flushed_ = 0, syncs_ = 0, recovered_entries_ = 0;

  std::mutex flush_mu_;  // one flush at a time
  std::mutex sync_mu_;   // one sync at a time
  std::thread journal_thread_;
  std::thread background_thread_;
};

}  // namespace rookery::storage
