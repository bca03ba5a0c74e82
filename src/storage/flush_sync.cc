// Flush (page versions -> data file), sync (fdatasync + header + journal release) and the
// background thread that runs them (storage.md §6, §9).
#include <algorithm>
#include <cstring>

#include "base/logging.h"
#include "storage/environment.h"

namespace rookery::storage {

Status StorageEnvironment::FlushNow() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  uint64_t from = 0;
  uint64_t upto = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failed_.ok()) {
      return Status::FailedState("storage environment " + dir_ + " failed: " + failed_.ToString());
    }
    from = last_flushed_;
    // Never past a durable transaction, and never past the oldest reader: a reader that reads a
    // page from the data file must keep finding the version it is entitled to there.
    upto = ReaderHorizonLocked();
  }
  if (upto <= from) return Status::Ok();
  const std::vector<PageTable::FlushItem> versions = table_.CollectForFlush(from, upto);
  Hook("flush.after_collect");
  PageNumber end = 0;
  uint64_t bytes = 0;
  Status s;
  for (const auto& [n, tx, buffer] : versions) {
    // Every version in the table was sealed by a committing writer of this process moments ago,
    // so hashing it again here would only re-check our own arithmetic (it was ~5% of a random
    // load's CPU, docs/performance.md). A page is still checked where bytes come from outside
    // the process: when first read after open, and by recovery. What stays is the cheap check
    // that the version is the page it claims to be, of the length the table holds.
    const uint8_t* page = buffer->data();
    if (PageNumberOf(page) != n || PageRunLength(page) != buffer->run_pages()) {
      s = Status::Internal(
          "scratch version of page " + std::to_string(n) + " (tx " + std::to_string(tx) +
          ") holds page number " + std::to_string(PageNumberOf(page)) + " and a run of " +
          std::to_string(PageRunLength(page)) + " pages, expected " +
          std::to_string(buffer->run_pages()) + "; not flushing it into " + data_->path());
      break;
    }
    end = std::max<PageNumber>(end, n + buffer->run_pages());
    bytes += buffer->bytes();
  }
  if (s.ok()) s = data_->EnsurePages(end);
  for (size_t i = 0; s.ok() && i < versions.size(); ++i) {
    s = data_->WritePages(versions[i].page, versions[i].buffer->data(),
                          versions[i].buffer->run_pages());
  }
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    Fail(s.WithContext("flush"));
    return s;
  }
  Hook("flush.after_write");
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_flushed_ = upto;
    ++flushes_;
    pages_flushed_ += versions.size();
    flushed_bytes_since_sync_ += bytes;
    last_flush_nanos_ = env_.MonotonicNanos();
  }
  // Every reader (and every future one) has a snapshot >= upto: versions <= upto are redundant.
  table_.DropUpTo(upto);
  return Status::Ok();
}

Status StorageEnvironment::SyncNow() {
  return SyncInternal(/*release_journals=*/true);
}

Status StorageEnvironment::SyncInternal(bool release_journals) {
  std::lock_guard<std::mutex> sync_lock(sync_mu_);
  uint64_t synced = 0;
  TxMeta meta;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failed_.ok()) {
      return Status::FailedState("storage environment " + dir_ + " failed: " + failed_.ToString());
    }
    synced = last_flushed_;
    if (synced > last_synced_) meta = tx_meta_.at(synced);
  }
  if (synced > headers_->current().last_synced_tx) {
    Hook("sync.after_record");
    Status s = data_->Sync();
    if (!s.ok()) {
      // Never retried into success (storage.md §1.8): the journal still has everything.
      std::lock_guard<std::mutex> lock(mu_);
      Fail(s);
      return s;
    }
    Hook("sync.after_fsync");
    FileHeader h = headers_->current();
    h.last_synced_tx = synced;
    h.last_synced_journal = meta.journal;
    h.next_page = meta.next_page;
    std::memcpy(h.root, meta.root, kRootRecordSize);
    s = headers_->Write(h);
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      Fail(s);
      return s;
    }
    Hook("sync.after_header");
    std::lock_guard<std::mutex> lock(mu_);
    last_synced_ = synced;
    tx_meta_.erase(tx_meta_.begin(), tx_meta_.upper_bound(synced));
    ++syncs_;
    flushed_bytes_since_sync_ = 0;
  }
  return release_journals ? ReleaseJournals() : Status::Ok();
}

Status StorageEnvironment::ReleaseJournals() {
  // Decided from the DURABLE header only (postmortem rule, storage.md §9): journals before the one
  // holding the last synced transaction contain only transactions that are flushed and synced.
  const FileHeader durable = headers_->current();
  const uint64_t keep_from = durable.last_synced_journal;
  if (keep_from == 0) return Status::Ok();
  {
    std::lock_guard<std::mutex> lock(journal_mu_);
    const uint64_t last_before = journal_->LastTxInJournal(keep_from - 1);
    if (last_before > durable.last_synced_tx) {
      return Status::Internal("journal " + std::to_string(keep_from - 1) + " holds transaction " +
                              std::to_string(last_before) + " beyond the synced " +
                              std::to_string(durable.last_synced_tx) + "; not releasing it");
    }
    Status s = journal_->ReleaseJournalsBefore(keep_from);
    if (!s.ok()) return s.WithContext("release journals of " + dir_);
  }
  Hook("sync.after_release");  // no lock held (hooks may call back into the environment)
  return Status::Ok();
}

void StorageEnvironment::BackgroundLoop() {
  const auto poll =
      std::chrono::microseconds(std::max<uint64_t>(1, options_.background_poll_micros));
  for (;;) {
    bool want_flush = false;
    bool want_sync = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      background_cv_.wait_for(lock, poll, [&] { return stopping_; });
      if (stopping_) return;
      if (!failed_.ok()) continue;
      const uint64_t now = env_.MonotonicNanos();
      if (options_.background_flush && last_durable_ > last_flushed_) {
        const bool idle = now - last_commit_nanos_ >= options_.flush_idle_micros * 1000;
        want_flush = idle || table_.BytesAfter(last_flushed_) >= options_.flush_threshold_bytes;
      }
      if (options_.background_sync && last_flushed_ > last_synced_) {
        want_sync = flushed_bytes_since_sync_ >= options_.sync_threshold_bytes ||
                    now - last_flush_nanos_ >= options_.sync_interval_micros * 1000;
      }
    }
    if (want_flush) {
      Status s = FlushNow();
      if (!s.ok()) log::Warn("storage: background flush of {}: {}", dir_, s.ToString());
    }
    if (want_sync) {
      Status s = SyncNow();
      if (!s.ok()) log::Warn("storage: background sync of {}: {}", dir_, s.ToString());
    }
  }
}

}  // namespace rookery::storage
