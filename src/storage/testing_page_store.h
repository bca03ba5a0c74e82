// TestingPageStore: an in-memory PageAccess for tests of page formats (B+trees, overflow runs).
//
// Test-only. It is deliberately hostile to stale pointers:
//  * copy-on-write: the first ModifyPage of a page in a "transaction" copies it to a new buffer
//    and frees the old one (poisoned first), so a pointer from GetPage used after ModifyPage
//    reads freed memory (ASan reports it; without ASan it reads poison);
//  * optionally every AllocatePages also moves every page modified in the transaction;
//  * freed pages are poisoned and released, and their numbers are never reused, so a tree that
//    reads a page it freed gets a clear error instead of stale data.
// It counts allocations and frees so tests can assert that nothing leaks. Commit() ends a
// transaction: it checks that the page format left the pager-owned header bytes alone and seals
// checksums of the modified pages, as the pager does.
// Single-threaded.
#pragma once

#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "storage/page.h"

namespace rookery::storage {

class TestingPageStore final : public PageAccess {
 public:
  struct Options {
    bool copy_on_write = true;
    bool relocate_on_allocate = false;
  };
  static constexpr uint8_t kPoison = 0xDB;

  TestingPageStore() = default;
  explicit TestingPageStore(Options options) : options_(options) {}

  Result<const uint8_t*> GetPage(PageNumber n) override {
    auto it = live_.find(n);
    if (it == live_.end()) return Missing(n);
    return static_cast<const uint8_t*>(it->second.mem.get());
  }

  Result<uint8_t*> ModifyPage(PageNumber n) override {
    if (!write_) return Status::FailedState("ModifyPage in a read transaction");
    auto it = live_.find(n);
    if (it == live_.end()) return Missing(n);
    if (options_.copy_on_write && dirty_.insert(n).second) Move(it->second);
    return it->second.mem.get();
  }

  Result<uint8_t*> AllocatePages(uint32_t count) override {
    if (!write_) return Status::FailedState("AllocatePages in a read transaction");
    if (count == 0) return Status::InvalidArgument("AllocatePages(0)");
    if (options_.relocate_on_allocate) {
      for (PageNumber d : dirty_) Move(live_.at(d));
    }
    const PageNumber n = next_;
    next_ += count;
    Run run{std::make_unique<uint8_t[]>(size_t{count} * kPageSize), count};
    std::memset(run.mem.get(), 0, size_t{count} * kPageSize);
    StoreU64(run.mem.get() + kOffPageNumber, n);
    uint8_t* mem = run.mem.get();
    live_.emplace(n, std::move(run));
    dirty_.insert(n);
    allocated_pages_ += count;
    return mem;
  }

  Status FreePage(PageNumber n) override {
    if (!write_) return Status::FailedState("FreePage in a read transaction");
    auto it = live_.find(n);
    if (it == live_.end()) return Missing(n);
    const uint32_t run_length = PageRunLength(it->second.mem.get());
    if (run_length != it->second.count) {
      return Status::Internal("page " + std::to_string(n) + " was allocated as a run of " +
                              std::to_string(it->second.count) + " pages but its header says " +
                              std::to_string(run_length));
    }
    std::memset(it->second.mem.get(), kPoison, size_t{it->second.count} * kPageSize);
    freed_pages_ += it->second.count;
    freed_.insert(n);
    dirty_.erase(n);
    live_.erase(it);
    return Status::Ok();
  }

  bool IsWriteTransaction() const override { return write_; }

  // Ends the transaction: checks the pager-owned header bytes of modified pages and seals them.
  Status Commit() {
    for (PageNumber n : dirty_) {
      uint8_t* page = live_.at(n).mem.get();
      if (PageNumberOf(page) != n) {
        return Status::Internal("page " + std::to_string(n) + " has its page number overwritten");
      }
      const uint32_t run_length = PageRunLength(page);
      if (run_length != live_.at(n).count) {
        return Status::Internal("page " + std::to_string(n) + " run length header mismatch");
      }
      SealPage(page);
      ROOKERY_RETURN_IF_ERROR(VerifyPage(page, n, "testing store"));
    }
    dirty_.clear();
    return Status::Ok();
  }
  void SetWrite(bool write) { write_ = write; }

  uint64_t allocated_pages() const { return allocated_pages_; }
  uint64_t freed_pages() const { return freed_pages_; }
  uint64_t live_pages() const { return allocated_pages_ - freed_pages_; }

 private:
  struct Run {
    std::unique_ptr<uint8_t[]> mem;
    uint32_t count;
  };

  // Gives the run a new address and poisons and frees the old one.
  static void Move(Run& run) {
    const size_t bytes = size_t{run.count} * kPageSize;
    auto copy = std::make_unique<uint8_t[]>(bytes);
    std::memcpy(copy.get(), run.mem.get(), bytes);
    std::memset(run.mem.get(), kPoison, bytes);
    run.mem = std::move(copy);
  }

  Status Missing(PageNumber n) const {
    if (freed_.count(n)) {
      return Status::Internal("page " + std::to_string(n) + " is used after it was freed");
    }
    return Status::Internal("page " + std::to_string(n) + " was never allocated");
  }

  Options options_;
  bool write_ = true;
  PageNumber next_ = 1;  // page 0 is the environment's header page in the real engine
  std::map<PageNumber, Run> live_;
  std::set<PageNumber> dirty_;
  std::set<PageNumber> freed_;
  uint64_t allocated_pages_ = 0;
  uint64_t freed_pages_ = 0;
};

}  // namespace rookery::storage
