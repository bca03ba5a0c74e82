// StorageEnvironment: open, create, recovery, transactions and the commit (journal) path.
// Flush, sync and the background thread are in flush_sync.cc.
#include "storage/environment.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "base/logging.h"
#include "storage/page_diff.h"
#include "storage/transaction.h"

namespace rookery::storage {
namespace {

constexpr const char* kDataFileName = "data.rookery";
constexpr const char* kJournalDirName = "journal";
constexpr const char* kLockFileName = "LOCK";

bool IsOwnFileName(const std::string& name) {
  return name == kDataFileName || name == kJournalDirName || name == kLockFileName ||
         name == "header.a" || name == "header.b" || name == "temp";
}

}  // namespace

StorageEnvironment::StorageEnvironment(platform::Env& env, std::string dir,
                                       EnvironmentOptions options)
    : env_(env),
      dir_(std::move(dir)),
      options_(std::move(options)),
      // A flush frees about a threshold's worth of page versions, which the next commits take
      // again: keep that much (within reason) instead of returning it to the allocator.
      scratch_(static_cast<size_t>(
          std::clamp<uint64_t>(options_.flush_threshold_bytes / kPageSize, 256, 32768))) {}

Result<std::unique_ptr<StorageEnvironment>> StorageEnvironment::Open(platform::Env& env,
                                                                     std::string dir,
                                                                     EnvironmentOptions options) {
  std::unique_ptr<StorageEnvironment> e(
      new StorageEnvironment(env, std::move(dir), std::move(options)));
  ROOKERY_RETURN_IF_ERROR(e->OpenFiles().WithContext("open storage environment " + e->dir_));
  e->journal_thread_ = std::thread([p = e.get()] { p->JournalLoop(); });
  if (e->options_.background_flush || e->options_.background_sync) {
    e->background_thread_ = std::thread([p = e.get()] { p->BackgroundLoop(); });
  }
  return e;
}

StorageEnvironment::~StorageEnvironment() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  background_cv_.notify_all();
  journal_cv_.notify_all();
  writer_cv_.notify_all();
  if (background_thread_.joinable()) background_thread_.join();
  if (journal_thread_.joinable()) journal_thread_.join();  // drains the queue first
  if (options_.sync_on_close && journal_ != nullptr && state() == EnvironmentState::kOk) {
    Status s = FlushNow();
    if (s.ok()) s = SyncNow();
    if (!s.ok()) log::Warn("storage: closing {}: {}", dir_, s.ToString());
  }
}

Status StorageEnvironment::OpenFiles() {
  ROOKERY_RETURN_IF_ERROR(env_.CreateDirs(dir_));
  ROOKERY_ASSIGN_OR_RETURN(lock_, env_.LockFile(platform::JoinPath(dir_, kLockFileName)));
  ROOKERY_ASSIGN_OR_RETURN(std::vector<std::string> names, env_.ListDir(dir_));
  HeaderFiles::Found found;
  ROOKERY_ASSIGN_OR_RETURN(headers_, HeaderFiles::Open(env_, dir_, &found));
  if (found == HeaderFiles::Found::kNone) {
    for (const std::string& name : names) {
      if (!IsOwnFileName(name)) {
        return Status::InvalidArgument(dir_ + " is not a Rookery storage environment (it holds " +
                                       name + " but no header); choose an empty directory");
      }
    }
    ROOKERY_RETURN_IF_ERROR(CreateNew());
  } else if (headers_->current().page_size != kPageSize) {
    return Status::NotSupported("page size " + std::to_string(headers_->current().page_size) +
                                " of " + dir_ + " differs from this build's " +
                                std::to_string(kPageSize));
  } else {
    const std::string data_path = platform::JoinPath(dir_, kDataFileName);
    ROOKERY_ASSIGN_OR_RETURN(bool exists, env_.Exists(data_path));
    if (!exists) {
      return Status::Corruption(data_path +
                                " is missing although the header says the environment exists; "
                                "restore the directory from a backup");
    }
    ROOKERY_ASSIGN_OR_RETURN(data_, DataFile::Open(env_, data_path));
  }
  ROOKERY_RETURN_IF_ERROR(Recover());
  return LoadFreeSpace();
}

Status StorageEnvironment::CreateNew() {
  // Leftovers of a creation that never wrote its header hold nothing acknowledged.
  const std::string data_path = platform::JoinPath(dir_, kDataFileName);
  const std::string journal_dir = platform::JoinPath(dir_, kJournalDirName);
  ROOKERY_RETURN_IF_ERROR(env_.RemoveAll(data_path));
  ROOKERY_RETURN_IF_ERROR(env_.RemoveAll(journal_dir));
  ROOKERY_ASSIGN_OR_RETURN(data_, DataFile::Open(env_, data_path));
  // Page 0 is the (empty) free-space root: it exists from the start.
  std::vector<uint8_t> page(kPageSize);
  EncodeFreeSpacePage(page.data(), kFreeSpaceRootPage, kInvalidPage, {});
  SealPage(page.data());
  ROOKERY_RETURN_IF_ERROR(data_->EnsurePages(1));
  ROOKERY_RETURN_IF_ERROR(data_->WritePages(kFreeSpaceRootPage, page.data(), 1));
  ROOKERY_RETURN_IF_ERROR(data_->Sync());
  ROOKERY_RETURN_IF_ERROR(env_.CreateDir(journal_dir));
  ROOKERY_RETURN_IF_ERROR(env_.SyncDir(dir_));
  FileHeader h;
  h.next_page = kFreeSpaceRootPage + 1;
  h.last_synced_tx = 0;
  h.last_synced_journal = 0;
  // Both copies, so that each holds a valid header from the start.
  ROOKERY_RETURN_IF_ERROR(headers_->Write(h));
  ROOKERY_RETURN_IF_ERROR(headers_->Write(h));
  // The environment exists durably only once its directory entry does, in every ancestor that
  // may have been created with it (a crash must not make a whole environment vanish after it
  // acknowledged commits). Creation is rare, so syncing the whole chain costs nothing that matters.
  for (std::string d = dir_;; d = platform::DirName(d)) {
    ROOKERY_RETURN_IF_ERROR(env_.SyncDir(d));
    if (d == "/" || d == "." || platform::DirName(d) == d) break;
  }
  log::Info("storage: created environment {}", dir_);
  return Status::Ok();
}

Status StorageEnvironment::Recover() {
  const FileHeader h = headers_->current();
  last_synced_ = last_flushed_ = last_durable_ = last_committed_ = h.last_synced_tx;
  std::memcpy(committed_root_, h.root, kRootRecordSize);
  std::memcpy(durable_root_, h.root, kRootRecordSize);
  committed_next_page_ = h.next_page;

  // Page (or run) starts written by recovery and still intact: a later write overlapping an
  // earlier run replaces it (the earlier run was freed before its pages were reused).
  std::map<PageNumber, uint32_t> touched;
  auto touch = [&touched](PageNumber n, uint32_t run) {
    auto it = touched.lower_bound(n);
    if (it != touched.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second > n) it = prev;
    }
    while (it != touched.end() && it->first < n + run) it = touched.erase(it);
    touched.emplace(n, run);
  };
  RecoveryResult result;
  std::vector<uint8_t> patched;
  const std::string journal_dir = platform::JoinPath(dir_, kJournalDirName);
  auto apply = [&](const RecoveredEntry& e) -> Status {
    const CommitRecord& r = e.record;
    PageNumber end = 0;
    for (const JournalPage& p : r.pages) end = std::max<PageNumber>(end, p.number + p.run_pages);
    ROOKERY_RETURN_IF_ERROR(data_->EnsurePages(end));
    for (const JournalPage& p : r.pages) {
      const uint8_t* image = p.data;
      if (p.diff_bytes != 0) {
        // A diff patches the page as the data file holds it: the synced content plus earlier
        // replayed entries (and possibly torn later flushes, which only touch bytes some replayed
        // entry rewrites). Its checksum holds only after the last entry (journal.md, "Replaying
        // diffs"), verified below with every touched page.
        patched.resize(size_t{p.run_pages} * kPageSize);
        ROOKERY_RETURN_IF_ERROR(data_->ReadPagesUnverified(p.number, p.run_pages, patched.data()));
        ApplyPageDiff(std::span<const uint8_t>(p.data, p.diff_bytes), patched.data());
        image = patched.data();
      }
      ROOKERY_RETURN_IF_ERROR(data_->WritePages(p.number, image, p.run_pages));
      touch(p.number, p.run_pages);
    }
    TxMeta meta;
    meta.journal = e.journal_number;
    meta.next_page = r.next_page;
    std::memcpy(meta.root, r.root, kRootRecordSize);
    tx_meta_[r.tx_id] = meta;
    last_flushed_ = last_durable_ = last_committed_ = r.tx_id;
    std::memcpy(committed_root_, r.root, kRootRecordSize);
    std::memcpy(durable_root_, r.root, kRootRecordSize);
    committed_next_page_ = r.next_page;
    return Status::Ok();
  };
  ROOKERY_RETURN_IF_ERROR(
      RecoverJournals(env_, journal_dir, h.last_synced_journal, h.last_synced_tx, apply, &result)
          .WithContext("journal recovery"));
  // Later transactions may have overwritten pages of earlier ones: verify what is there now.
  for (const auto& [n, run] : touched) {
    ROOKERY_RETURN_IF_ERROR(data_->VerifyStoredPage(n).WithContext("after journal recovery"));
  }
  recovered_entries_ = result.entries_replayed;
  if (result.entries_replayed > 0 && result.last_tx_id != last_committed_) {
    return Status::Internal("journal recovery reported last transaction " +
                            std::to_string(result.last_tx_id) + " but replayed up to " +
                            std::to_string(last_committed_));
  }
  if (result.torn_tail_truncated) {
    log::Warn("storage: {}: a torn journal tail (never acknowledged) was truncated", dir_);
  }
  ROOKERY_ASSIGN_OR_RETURN(journal_, OpenJournalWriter(env_, journal_dir, options_.journal,
                                                       result.next_journal, last_committed_ + 1));
  if (result.entries_replayed > 0) {
    log::Info("storage: {}: replayed {} journal entries up to transaction {}", dir_,
              result.entries_replayed, last_committed_);
    // Make the replay durable; release nothing (storage.md §8 rule 6): the first normal sync
    // releases the journals.
    ROOKERY_RETURN_IF_ERROR(SyncInternal(/*release_journals=*/false));
  }
  return Status::Ok();
}

Status StorageEnvironment::LoadFreeSpace() {
  std::vector<PageNumber> chain;
  std::vector<FreeExtent> extents;
  MapPins pins;
  PageNumber n = kFreeSpaceRootPage;
  while (n != kInvalidPage) {
    if (chain.size() > committed_next_page_ || n >= committed_next_page_) {
      return Status::Corruption("free-space chain of " + data_->path() +
                                " is cyclic or points past the last page (at page " +
                                std::to_string(n) + ")");
    }
    chain.push_back(n);
    ROOKERY_ASSIGN_OR_RETURN(const uint8_t* page, data_->ReadPage(n, &pins));
    ROOKERY_RETURN_IF_ERROR(DecodeFreeSpacePage(page, &n, &extents));
  }
  std::vector<PageNumber> pages;
  for (const FreeExtent& e : extents) {
    if (e.first + e.count > committed_next_page_) {
      return Status::Corruption("free-space chain of " + data_->path() + " lists pages " +
                                std::to_string(e.first) + ".." +
                                std::to_string(e.first + e.count - 1) + " past the last page");
    }
    for (uint32_t i = 0; i < e.count; ++i) pages.push_back(e.first + i);
  }
  free_space_.Reset(pages);
  chain_ = std::move(chain);
  return Status::Ok();
}

void StorageEnvironment::Fail(const Status& s) {
  if (!failed_.ok()) return;
  failed_ = s;
  log::Error("storage: environment {} failed: {}. Reopen it to recover from the journal", dir_,
             s.ToString());
  writer_cv_.notify_all();
}

void StorageEnvironment::Hook(std::string_view point) {
  if (options_.test_hook) options_.test_hook(point);
}

EnvironmentState StorageEnvironment::state() {
  std::lock_guard<std::mutex> lock(mu_);
  return failed_.ok() ? EnvironmentState::kOk : EnvironmentState::kFailed;
}

uint64_t StorageEnvironment::ReaderHorizonLocked() const {
  uint64_t horizon = last_durable_;
  if (!readers_.empty()) horizon = std::min(horizon, *readers_.begin());
  return horizon;
}

Result<std::unique_ptr<ReadTransaction>> StorageEnvironment::BeginRead() {
  std::lock_guard<std::mutex> lock(mu_);
  readers_.insert(last_durable_);
  return std::unique_ptr<ReadTransaction>(new ReadTransaction(this, last_durable_, durable_root_));
}

void StorageEnvironment::EndRead(uint64_t snapshot) {
  std::lock_guard<std::mutex> lock(mu_);
  readers_.erase(readers_.find(snapshot));
}

Result<std::unique_ptr<WriteTransaction>> StorageEnvironment::BeginWrite() {
  std::unique_lock<std::mutex> lock(mu_);
  writer_cv_.wait(lock, [&] { return !writer_active_ || !failed_.ok() || stopping_; });
  if (!failed_.ok()) {
    return Status::FailedState("storage environment " + dir_ + " failed: " + failed_.ToString());
  }
  if (stopping_) return Status::FailedState("storage environment " + dir_ + " is closing");
  writer_active_ = true;
  free_space_.Release(ReaderHorizonLocked());
  free_space_.BeginTx(last_committed_ + 1);
  return std::unique_ptr<WriteTransaction>(new WriteTransaction(
      this, last_committed_ + 1, committed_root_, committed_next_page_, chain_));
}

void StorageEnvironment::EndWrite() {
  std::lock_guard<std::mutex> lock(mu_);
  free_space_.Rollback();
  writer_active_ = false;
  writer_cv_.notify_one();
}

Status StorageEnvironment::Enqueue(PendingCommit* pending, const PageTable::PageVersions& versions,
                                   uint64_t tx, const uint8_t* root, PageNumber next_page,
                                   std::vector<PageNumber> chain) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failed_.ok()) {
    free_space_.Rollback();
    writer_active_ = false;
    writer_cv_.notify_one();
    return Status::FailedState("storage environment " + dir_ + " failed: " + failed_.ToString());
  }
  // The next writer builds on this transaction before it is durable; readers do not see it
  // until the journal thread publishes it.
  table_.AddTransaction(tx, versions);
  last_committed_ = tx;
  std::memcpy(committed_root_, root, kRootRecordSize);
  committed_next_page_ = next_page;
  chain_ = std::move(chain);
  (void)free_space_.EndTx();
  queue_.push_back(pending);
  last_commit_nanos_ = env_.MonotonicNanos();
  writer_active_ = false;
  journal_cv_.notify_one();
  writer_cv_.notify_one();
  return Status::Ok();
}

Status StorageEnvironment::WaitDurable(PendingCommit* pending) {
  std::unique_lock<std::mutex> lock(mu_);
  commit_cv_.wait(lock, [&] { return pending->done; });
  return pending->status;
}

void StorageEnvironment::JournalLoop() {
  uint64_t journal_before = 0;
  {
    std::lock_guard<std::mutex> lock(journal_mu_);
    journal_before = journal_->current_journal();
  }
  std::vector<PendingCommit*> batch;
  std::vector<const CommitRecord*> records;
  for (;;) {
    batch.clear();
    records.clear();
    {
      std::unique_lock<std::mutex> lock(mu_);
      journal_cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty()) return;
      batch.assign(queue_.begin(), queue_.end());
      queue_.clear();
      if (!failed_.ok()) {
        for (PendingCommit* p : batch) {
          p->status =
              Status::FailedState("storage environment " + dir_ + " failed: " + failed_.ToString());
          p->done = true;
        }
        commit_cv_.notify_all();
        continue;
      }
    }
    for (PendingCommit* p : batch) records.push_back(&p->record);
    Hook("journal.before_write");
    Status s;
    uint64_t journal_after = 0;
    {
      std::lock_guard<std::mutex> lock(journal_mu_);
      s = journal_->WriteEntries(records);
      journal_after = journal_->current_journal();
    }
    if (s.ok()) {
      Hook("journal.after_write");
      if (journal_after != journal_before) Hook("journal.rotated");
      journal_before = journal_after;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (s.ok()) {
        for (PendingCommit* p : batch) {
          TxMeta meta;
          meta.journal = journal_after;
          meta.next_page = p->record.next_page;
          std::memcpy(meta.root, p->record.root, kRootRecordSize);
          tx_meta_[p->record.tx_id] = meta;
          last_durable_ = p->record.tx_id;
          std::memcpy(durable_root_, p->record.root, kRootRecordSize);
          p->status = Status::Ok();
        }
        ++journal_writes_;
        journal_entries_ += batch.size();
        max_batch_ = std::max<uint64_t>(max_batch_, batch.size());
      } else {
        Fail(s.WithContext("journal write of transactions " +
                           std::to_string(batch.front()->record.tx_id) + ".." +
                           std::to_string(batch.back()->record.tx_id)));
        for (PendingCommit* p : batch) {
          p->status =
              Status::FailedState("storage environment " + dir_ + " failed: " + failed_.ToString());
        }
      }
      for (PendingCommit* p : batch) p->done = true;
    }
    commit_cv_.notify_all();
    background_cv_.notify_one();
  }
}

StorageReport StorageEnvironment::Report() {
  StorageReport r;
  {
    std::lock_guard<std::mutex> lock(mu_);
    r.next_page = committed_next_page_;
    r.free_space_pages = chain_.size();
    r.last_committed_tx = last_committed_;
    r.last_durable_tx = last_durable_;
    r.last_flushed_tx = last_flushed_;
    r.last_synced_tx = last_synced_;
    r.journal_writes = journal_writes_;
    r.journal_entries = journal_entries_;
    r.max_entries_per_write = max_batch_;
    r.queued_commits = queue_.size();
    r.flushes = flushes_;
    r.pages_flushed = pages_flushed_;
    r.syncs = syncs_;
    r.active_readers = readers_.size();
    r.recovered_entries = recovered_entries_;
    r.state = failed_.ok() ? EnvironmentState::kOk : EnvironmentState::kFailed;
    r.failure = failed_.ok() ? "" : failed_.ToString();
  }
  r.data_file_bytes = data_->size_bytes();
  r.free_pages = free_space_.free_pages();
  r.reusable_pages = free_space_.reusable_pages();
  r.used_pages = r.next_page - r.free_pages;
  r.scratch_bytes = scratch_.bytes_in_use();
  r.scratch_buffers = scratch_.buffers_in_use();
  r.page_versions = table_.version_count();
  {
    std::lock_guard<std::mutex> lock(journal_mu_);
    r.current_journal = journal_->current_journal();
    r.journal_bytes = journal_->bytes_on_disk();
    r.write_mode = journal_->write_mode();
    const JournalStats js = journal_->stats();
    r.journal_bytes_written = js.entry_bytes;
    r.journal_image_bytes = js.image_bytes;
    r.journal_pages = js.pages;
    r.journal_diff_pages = js.diff_pages;
  }
  auto names = env_.ListDir(platform::JoinPath(dir_, kJournalDirName));
  if (names.ok()) {
    for (const std::string& name : *names) {
      if (name.size() > 8 && name.compare(name.size() - 8, 8, ".journal") == 0) ++r.journal_files;
    }
  }
  return r;
}

}  // namespace rookery::storage
