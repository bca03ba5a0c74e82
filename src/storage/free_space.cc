#include "storage/free_space.h"

#include <algorithm>
#include <cstring>

namespace rookery::storage {

void EncodeFreeSpacePage(uint8_t* page, PageNumber n, PageNumber next,
                         std::span<const FreeExtent> extents) {
  std::memset(page, 0, kPageSize);
  StoreU64(page + kOffPageNumber, n);
  page[kOffFlags] = kPageFreeSpace;
  StoreU64(page + kOffFreeNext, next);
  StoreU32(page + kOffFreeCount, static_cast<uint32_t>(extents.size()));
  uint8_t* p = page + kPageHeaderSize;
  for (const FreeExtent& e : extents) {
    StoreU64(p, e.first);
    StoreU32(p + 8, e.count);
    p += kFreeExtentSize;
  }
}

Status DecodeFreeSpacePage(const uint8_t* page, PageNumber* next, std::vector<FreeExtent>* out) {
  const PageNumber n = PageNumberOf(page);
  if (!(PageFlagsOf(page) & kPageFreeSpace)) {
    return Status::Corruption("page " + std::to_string(n) +
                              " is in the free-space chain but is not a free-space page");
  }
  const uint32_t count = LoadU32(page + kOffFreeCount);
  if (count > kFreeExtentsPerPage) {
    return Status::Corruption("free-space page " + std::to_string(n) + " claims " +
                              std::to_string(count) + " extents");
  }
  *next = LoadU64(page + kOffFreeNext);
  const uint8_t* p = page + kPageHeaderSize;
  for (uint32_t i = 0; i < count; ++i, p += kFreeExtentSize) {
    out->push_back(FreeExtent{LoadU64(p), LoadU32(p + 8)});
  }
  return Status::Ok();
}

std::vector<FreeExtent> ToExtents(const std::vector<PageNumber>& sorted) {
  std::vector<FreeExtent> out;
  for (PageNumber n : sorted) {
    if (!out.empty() && out.back().first + out.back().count == n && out.back().count < UINT32_MAX) {
      ++out.back().count;
    } else {
      out.push_back(FreeExtent{n, 1});
    }
  }
  return out;
}

void FreeSpace::Reset(const std::vector<PageNumber>& pages) {
  std::lock_guard<std::mutex> lock(mu_);
  reusable_ = std::set<PageNumber>(pages.begin(), pages.end());
  pending_.clear();
  pending_set_.clear();
  pending_count_ = 0;
  taken_in_tx_.clear();
  freed_in_tx_.clear();
}

void FreeSpace::Release(uint64_t horizon) {
  std::lock_guard<std::mutex> lock(mu_);
  auto end = pending_.upper_bound(horizon);
  for (auto it = pending_.begin(); it != end; ++it) {
    for (PageNumber n : it->second) {
      pending_set_.erase(n);
      reusable_.insert(n);
    }
    pending_count_ -= it->second.size();
  }
  pending_.erase(pending_.begin(), end);
}

void FreeSpace::BeginTx(uint64_t tx) {
  std::lock_guard<std::mutex> lock(mu_);
  tx_ = tx;
  taken_in_tx_.clear();
  freed_in_tx_.clear();
}

PageNumber FreeSpace::Take(uint32_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  if (count == 0 || reusable_.empty()) return kInvalidPage;
  PageNumber run_start = kInvalidPage;
  uint32_t run_len = 0;
  PageNumber prev = kInvalidPage;
  for (PageNumber n : reusable_) {
    if (run_len > 0 && n == prev + 1) {
      ++run_len;
    } else {
      run_start = n;
      run_len = 1;
    }
    prev = n;
    if (run_len == count) break;
  }
  if (run_len < count) return kInvalidPage;
  for (uint32_t i = 0; i < count; ++i) {
    reusable_.erase(run_start + i);
    taken_in_tx_.push_back(run_start + i);
  }
  return run_start;
}

Status FreeSpace::Free(PageNumber first, uint32_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  for (uint32_t i = 0; i < count; ++i) {
    const PageNumber n = first + i;
    if (reusable_.count(n) || pending_set_.count(n)) {
      return Status::InvalidArgument("page " + std::to_string(n) + " is freed twice");
    }
  }
  auto& list = pending_[tx_];
  for (uint32_t i = 0; i < count; ++i) {
    list.push_back(first + i);
    pending_set_.insert(first + i);
    freed_in_tx_.push_back(first + i);
  }
  pending_count_ += count;
  return Status::Ok();
}

void FreeSpace::Rollback() {
  std::lock_guard<std::mutex> lock(mu_);
  for (PageNumber n : taken_in_tx_) reusable_.insert(n);
  auto it = pending_.find(tx_);
  if (it != pending_.end()) {
    for (PageNumber n : it->second) pending_set_.erase(n);
    pending_count_ -= it->second.size();
    pending_.erase(it);
  }
  taken_in_tx_.clear();
  freed_in_tx_.clear();
}

bool FreeSpace::EndTx() {
  std::lock_guard<std::mutex> lock(mu_);
  const bool changed = !taken_in_tx_.empty() || !freed_in_tx_.empty();
  taken_in_tx_.clear();
  freed_in_tx_.clear();
  return changed;
}

bool FreeSpace::changed_in_tx() const {
  std::lock_guard<std::mutex> lock(mu_);
  return !taken_in_tx_.empty() || !freed_in_tx_.empty();
}

bool FreeSpace::IsFree(PageNumber n) const {
  std::lock_guard<std::mutex> lock(mu_);
  return reusable_.count(n) > 0 || pending_set_.count(n) > 0;
}

std::vector<PageNumber> FreeSpace::AllFree() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<PageNumber> out(reusable_.begin(), reusable_.end());
  out.insert(out.end(), pending_set_.begin(), pending_set_.end());
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t FreeSpace::free_pages() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reusable_.size() + pending_count_;
}

uint64_t FreeSpace::reusable_pages() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reusable_.size();
}

}  // namespace rookery::storage
