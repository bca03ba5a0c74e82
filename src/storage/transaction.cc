#include "storage/transaction.h"

#include <algorithm>
#include <cstring>

#include "storage/environment.h"

namespace rookery::storage {

// ---- SnapshotView ----

Result<const uint8_t*> SnapshotView::Get(PageNumber n) {
  // Only scratch versions are remembered (so that a page read again is not pinned again); a
  // data-file page needs no cache: the pinned map keeps the pointer valid, and its bytes cannot
  // change under this snapshot (flush writes only versions this snapshot already sees, and freed
  // pages are reused only when no reader can see them).
  auto it = cache_.find(n);
  if (it != cache_.end()) return it->second;
  if (PageBufferPtr buffer = env_->table_.Lookup(n, snapshot_)) {
    const uint8_t* page = buffer->data();
    buffer_pins_.push_back(std::move(buffer));
    cache_.emplace(n, page);
    return page;
  }
  return env_->data_->ReadPage(n, &map_pins_);
}

void SnapshotView::MovePinsTo(std::vector<PageBufferPtr>* buffers, MapPins* maps) {
  cache_.clear();
  buffers->insert(buffers->end(), std::make_move_iterator(buffer_pins_.begin()),
                  std::make_move_iterator(buffer_pins_.end()));
  maps->insert(maps->end(), std::make_move_iterator(map_pins_.begin()),
               std::make_move_iterator(map_pins_.end()));
  buffer_pins_.clear();
  map_pins_.clear();
}

void SnapshotView::Clear() {
  cache_.clear();
  buffer_pins_.clear();
  map_pins_.clear();
}

// ---- ReadTransaction ----

ReadTransaction::ReadTransaction(StorageEnvironment* env, uint64_t snapshot, const uint8_t* root)
    : env_(env), view_(env, snapshot) {
  std::memcpy(root_, root, kRootRecordSize);
}

ReadTransaction::~ReadTransaction() {
  view_.Clear();
  env_->EndRead(view_.snapshot());
}

Result<uint8_t*> ReadTransaction::ModifyPage(PageNumber) {
  return Status::InvalidArgument("ModifyPage in a read transaction");
}
Result<uint8_t*> ReadTransaction::AllocatePages(uint32_t) {
  return Status::InvalidArgument("AllocatePages in a read transaction");
}
Status ReadTransaction::FreePage(PageNumber) {
  return Status::InvalidArgument("FreePage in a read transaction");
}

// ---- WriteTransaction ----

WriteTransaction::WriteTransaction(StorageEnvironment* env, uint64_t tx_id, const uint8_t* root,
                                   PageNumber next_page, std::vector<PageNumber> chain)
    : env_(env),
      tx_id_(tx_id),
      view_(env, tx_id - 1),
      next_page_(next_page),
      start_next_page_(next_page),
      chain_(std::move(chain)) {
  std::memcpy(root_, root, kRootRecordSize);
}

WriteTransaction::~WriteTransaction() {
  Abort();
}

Status WriteTransaction::CheckActive() const {
  if (done_) return Status::FailedState("write transaction " + std::to_string(tx_id_) + " ended");
  return Status::Ok();
}

void WriteTransaction::set_root_record(std::span<const uint8_t, kRootRecordSize> root) {
  std::memcpy(root_, root.data(), kRootRecordSize);
  root_changed_ = true;
}

Result<const uint8_t*> WriteTransaction::GetPage(PageNumber n) {
  ROOKERY_RETURN_IF_ERROR(CheckActive());
  auto it = dirty_.find(n);
  if (it != dirty_.end()) return static_cast<const uint8_t*>(it->second->data());
  return view_.Get(n);
}

Result<uint8_t*> WriteTransaction::ModifyPage(PageNumber n) {
  ROOKERY_RETURN_IF_ERROR(CheckActive());
  auto it = dirty_.find(n);
  if (it != dirty_.end()) return it->second->data();
  if (n >= next_page_) {
    return Status::InvalidArgument("ModifyPage(" + std::to_string(n) +
                                   "): page was never allocated (next page " +
                                   std::to_string(next_page_) + ")");
  }
  if (env_->free_space_.IsFree(n)) {
    return Status::InvalidArgument("ModifyPage(" + std::to_string(n) + "): the page is free");
  }
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* src, view_.Get(n));
  const uint32_t run = PageRunLength(src);
  PageBufferPtr copy = env_->scratch_.Allocate(run, /*zero=*/false);
  std::memcpy(copy->data(), src, copy->bytes());
  uint8_t* data = copy->data();
  dirty_.emplace(n, std::move(copy));
  bases_[n] = Base{DiffBase::kPrevious, src};
  return data;
}

Result<uint8_t*> WriteTransaction::AllocatePages(uint32_t count) {
  ROOKERY_RETURN_IF_ERROR(CheckActive());
  if (count == 0) return Status::InvalidArgument("AllocatePages(0)");
  PageNumber n = env_->free_space_.Take(count);
  // A reused page has stale bytes of an older life in the data file: journal a full image. A page
  // at the end of the file never held committed content: diff it against zeros.
  Base base;
  if (n == kInvalidPage) {
    n = next_page_;
    next_page_ += count;
    base.kind = DiffBase::kZeros;
  }
  bases_[n] = base;
  PageBufferPtr buffer = env_->scratch_.Allocate(count, /*zero=*/true);
  StoreU64(buffer->data() + kOffPageNumber, n);
  uint8_t* data = buffer->data();
  dirty_[n] = std::move(buffer);
  return data;
}

Status WriteTransaction::FreePage(PageNumber n) {
  ROOKERY_RETURN_IF_ERROR(CheckActive());
  if (n == kFreeSpaceRootPage || n >= next_page_ ||
      std::find(chain_.begin(), chain_.end(), n) != chain_.end()) {
    return Status::InvalidArgument("FreePage(" + std::to_string(n) +
                                   "): not an allocated page (next page " +
                                   std::to_string(next_page_) + ")");
  }
  uint32_t run = 1;
  auto it = dirty_.find(n);
  if (it != dirty_.end()) {
    run = it->second->run_pages();
  } else {
    ROOKERY_ASSIGN_OR_RETURN(const uint8_t* page, view_.Get(n));
    run = PageRunLength(page);
  }
  ROOKERY_RETURN_IF_ERROR(env_->free_space_.Free(n, run));
  if (it != dirty_.end()) dirty_.erase(it);  // a freed page needs no journal image
  bases_.erase(n);
  return Status::Ok();
}

Status WriteTransaction::StoreFreeSpace() {
  if (!env_->free_space_.changed_in_tx()) return Status::Ok();
  const std::vector<FreeExtent> extents = ToExtents(env_->free_space_.AllFree());
  const size_t needed =
      std::max<size_t>(1, (extents.size() + kFreeExtentsPerPage - 1) / kFreeExtentsPerPage);
  // Chain pages come from the end of the file, never from the free set they describe.
  while (chain_.size() < needed) chain_.push_back(next_page_++);
  std::vector<uint8_t> image(kPageSize);
  for (size_t i = 0; i < chain_.size(); ++i) {
    const PageNumber n = chain_[i];
    const size_t begin = std::min(extents.size(), i * kFreeExtentsPerPage);
    const size_t end = std::min(extents.size(), begin + kFreeExtentsPerPage);
    const PageNumber next = i + 1 < chain_.size() ? chain_[i + 1] : kInvalidPage;
    EncodeFreeSpacePage(image.data(), n, next,
                        std::span<const FreeExtent>(extents.data() + begin, end - begin));
    SealPage(image.data());
    auto it = dirty_.find(n);
    Base base{DiffBase::kZeros, nullptr};  // a chain page taken from the end of the file
    if (it == dirty_.end() && n < start_next_page_) {
      ROOKERY_ASSIGN_OR_RETURN(const uint8_t* current, view_.Get(n));
      if (std::memcmp(current, image.data(), kPageSize) == 0) continue;  // unchanged
      base = Base{DiffBase::kPrevious, current};
    }
    if (it == dirty_.end()) {
      it = dirty_.emplace(n, env_->scratch_.Allocate(1, false)).first;
      bases_[n] = base;
    }
    std::memcpy(it->second->data(), image.data(), kPageSize);
  }
  return Status::Ok();
}

Status WriteTransaction::SealDirtyPages() {
  for (auto& [n, buffer] : dirty_) {
    uint8_t* page = buffer->data();
    StoreU64(page + kOffPageNumber, n);
    const uint32_t run = PageRunLength(page);
    if (run != buffer->run_pages()) {
      return Status::InvalidArgument(
          "page " + std::to_string(n) + ": its header describes a run of " + std::to_string(run) +
          " pages but the transaction holds " + std::to_string(buffer->run_pages()) +
          " (set kPageOverflow and the overflow size to match AllocatePages)");
    }
    SealPage(page);
  }
  return Status::Ok();
}

Status WriteTransaction::Commit() {
  ROOKERY_RETURN_IF_ERROR(CheckActive());
  Status s = StoreFreeSpace();
  if (s.ok() && dirty_.empty() && !root_changed_ && next_page_ == start_next_page_) {
    Abort();  // nothing to make durable; the id is not consumed
    return Status::Ok();
  }
  if (s.ok()) s = SealDirtyPages();
  if (!s.ok()) {
    Abort();
    return s;
  }
  auto pending = std::make_unique<PendingCommit>();
  CommitRecord& record = pending->record;
  record.tx_id = tx_id_;
  record.next_page = next_page_;
  std::memcpy(record.root, root_, kRootRecordSize);
  record.timestamp_micros = env_->env_.NowMicros();
  PageTable::PageVersions versions(dirty_.begin(), dirty_.end());
  std::sort(versions.begin(), versions.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  record.pages.reserve(versions.size());
  for (const auto& [n, buffer] : versions) {
    JournalPage page{n, buffer->run_pages(), buffer->data()};
    auto base = bases_.find(n);
    if (base != bases_.end()) {
      page.diff_base = base->second.kind;
      page.previous = base->second.previous;
    }
    record.pages.push_back(page);
  }
  pending->buffers = versions;
  // The previous versions that diffs are taken against stay pinned until the journal wrote them.
  view_.MovePinsTo(&pending->base_buffers, &pending->base_maps);
  done_ = true;
  dirty_.clear();
  bases_.clear();
  s = env_->Enqueue(pending.get(), versions, tx_id_, root_, next_page_, std::move(chain_));
  view_.Clear();
  if (!s.ok()) return s;
  return env_->WaitDurable(pending.get());
}

void WriteTransaction::Abort() {
  if (done_) return;
  done_ = true;
  dirty_.clear();
  bases_.clear();
  view_.Clear();
  env_->EndWrite();
}

}  // namespace rookery::storage
