#include "storage/page_table.h"

#include <algorithm>
#include <mutex>
#include <set>

namespace rookery::storage {

void PageTable::AddTransaction(uint64_t tx, const PageVersions& pages) {
  std::unique_lock lock(mu_);
  TxInfo& info = by_tx_[tx];
  for (const auto& [n, buffer] : pages) {
    versions_[n].push_back(Version{tx, buffer});
    info.pages.push_back(n);
    info.bytes += buffer->bytes();
    ++version_count_;
  }
  live_versions_.store(version_count_, std::memory_order_release);
}

PageBufferPtr PageTable::Lookup(PageNumber n, uint64_t snapshot) const {
  // Safe without the lock: a reader's snapshot was published after every version it may see was
  // added (AddTransaction happens-before the commit is published), and versions are only dropped
  // once flushed and invisible to every reader, so an empty table means "read the data file".
  if (live_versions_.load(std::memory_order_acquire) == 0) return nullptr;
  std::shared_lock lock(mu_);
  auto it = versions_.find(n);
  if (it == versions_.end()) return nullptr;
  const auto& list = it->second;
  for (auto v = list.rbegin(); v != list.rend(); ++v) {
    if (v->tx <= snapshot) return v->buffer;
  }
  return nullptr;
}

std::vector<PageTable::FlushItem> PageTable::CollectForFlush(uint64_t after, uint64_t upto) const {
  std::shared_lock lock(mu_);
  std::vector<PageNumber> pages;
  for (auto it = by_tx_.upper_bound(after); it != by_tx_.end() && it->first <= upto; ++it) {
    pages.insert(pages.end(), it->second.pages.begin(), it->second.pages.end());
  }
  std::sort(pages.begin(), pages.end());
  pages.erase(std::unique(pages.begin(), pages.end()), pages.end());
  std::vector<FlushItem> newest;
  newest.reserve(pages.size());
  for (PageNumber n : pages) {
    const auto& list = versions_.at(n);
    for (auto v = list.rbegin(); v != list.rend(); ++v) {
      if (v->tx <= upto) {
        newest.push_back(FlushItem{n, v->tx, v->buffer});
        break;
      }
    }
  }
  lock.unlock();
  // Newest first: skip a version when newer ones cover all of its pages.
  std::stable_sort(newest.begin(), newest.end(),
                   [](const FlushItem& a, const FlushItem& b) { return a.tx > b.tx; });
  std::set<PageNumber> covered;
  std::vector<FlushItem> out;
  out.reserve(newest.size());
  for (FlushItem& item : newest) {
    const uint32_t run = item.buffer->run_pages();
    bool all_covered = true;
    for (uint32_t i = 0; i < run && all_covered; ++i) all_covered = covered.count(item.page + i);
    if (all_covered) continue;
    for (uint32_t i = 0; i < run; ++i) covered.insert(item.page + i);
    out.push_back(std::move(item));
  }
  std::reverse(out.begin(), out.end());  // oldest first: newer bytes land last
  return out;
}

void PageTable::DropUpTo(uint64_t upto) {
  std::unique_lock lock(mu_);
  auto end = by_tx_.upper_bound(upto);
  for (auto it = by_tx_.begin(); it != end; ++it) {
    for (PageNumber n : it->second.pages) {
      auto vit = versions_.find(n);
      if (vit == versions_.end()) continue;  // already dropped through an earlier transaction
      auto& list = vit->second;
      auto keep =
          std::find_if(list.begin(), list.end(), [upto](const Version& v) { return v.tx > upto; });
      version_count_ -= static_cast<uint64_t>(keep - list.begin());
      list.erase(list.begin(), keep);
      if (list.empty()) versions_.erase(vit);
    }
  }
  by_tx_.erase(by_tx_.begin(), end);
  live_versions_.store(version_count_, std::memory_order_release);
}

uint64_t PageTable::BytesAfter(uint64_t after) const {
  std::shared_lock lock(mu_);
  uint64_t bytes = 0;
  for (auto it = by_tx_.upper_bound(after); it != by_tx_.end(); ++it) bytes += it->second.bytes;
  return bytes;
}

uint64_t PageTable::version_count() const {
  std::shared_lock lock(mu_);
  return version_count_;
}

}  // namespace rookery::storage
