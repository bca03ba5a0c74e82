// The page translation table (storage.md §4): which committed page versions live in scratch.
//
// Page numbers are stable under copy-on-write: a committed transaction t that wrote page n adds
// the version (t, buffer) to n's list. A reader at snapshot S takes the newest version with
// id <= S; with none, the page comes from the data file. The table also keeps each transaction's
// page set so the flusher can collect "the newest version of every page written in (a, b]".
//
// Dropping: once the flusher has written every version <= F into the data file, and every active
// reader (and every future one) has a snapshot >= F, versions <= F are redundant: for any such
// reader the newest version <= S is either newer than F (kept) or the newest <= F, which the
// data file now holds. DropUpTo(F) removes them; buffers die when no transaction pins them.
//
// Threads: thread-safe. Lookups take a shared lock; Add/Drop an exclusive one.
#pragma once

#include <atomic>

#include <cstdint>
#include <map>
#include <shared_mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "storage/page.h"
#include "storage/scratch.h"

namespace rookery::storage {

class PageTable {
 public:
  using PageVersions = std::vector<std::pair<PageNumber, PageBufferPtr>>;
  struct FlushItem {
    PageNumber page;
    uint64_t tx;
    PageBufferPtr buffer;
  };

  // Adds the page images of committed transaction `tx` (ids must increase).
  void AddTransaction(uint64_t tx, const PageVersions& pages);
  // The newest version of page n with id <= snapshot, or null.
  PageBufferPtr Lookup(PageNumber n, uint64_t snapshot) const;
  // What to write into the data file so that it holds, for every page position, the newest
  // version <= upto written by a transaction in (after, upto]: the newest version of each page
  // number, minus versions whose every page a newer version covers (a page reused inside a newer
  // overflow run), in increasing transaction order so that where a newer run or page overlaps an
  // older one (the older one was freed), the newer bytes are written last.
  std::vector<FlushItem> CollectForFlush(uint64_t after, uint64_t upto) const;
  // Drops every version with id <= upto (see the header comment for when this is allowed).
  void DropUpTo(uint64_t upto);

  // Bytes of page images of transactions > after (the unflushed volume when after = last flushed).
  uint64_t BytesAfter(uint64_t after) const;
  uint64_t version_count() const;

 private:
  struct Version {
    uint64_t tx;
    PageBufferPtr buffer;
  };
  struct TxInfo {
    std::vector<PageNumber> pages;
    uint64_t bytes = 0;
  };
  mutable std::shared_mutex mu_;
  std::unordered_map<PageNumber, std::vector<Version>> versions_;  // oldest first
  std::map<uint64_t, TxInfo> by_tx_;
  uint64_t version_count_ = 0;
  // Mirrors version_count_ for the lock-free fast path of Lookup: when no page has a version in
  // the table (the common state after a flush), readers go straight to the data file.
  std::atomic<uint64_t> live_versions_{0};
};

}  // namespace rookery::storage
