// Free-page bookkeeping (storage.md §4; on-disk format in docs/formats/free-space.md).
//
// In memory: pages freed by transaction t stay "pending" until no reader can see them any more
// (every active reader's snapshot >= t, and t is durable); Release(horizon) then makes them
// reusable. The single writer takes pages from the reusable set (Take) and frees pages (Free);
// everything it does inside one transaction can be rolled back (Rollback) when it aborts.
//
// On disk: the set of ALL free pages (pending and reusable; after a restart no reader exists, so
// all of them are reusable) is stored as sorted extents in a chain of kPageFreeSpace pages that
// starts at page 0 (kFreeSpaceRootPage). The chain is rewritten by the committing writer when the
// set changed, through the normal copy-on-write path, so it is journaled with the transaction.
//
// Threads: mutating calls come from the current writer only; counters may be read from any
// thread (an internal mutex guards the state).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <vector>

#include "base/result.h"
#include "storage/page.h"

namespace rookery::storage {

inline constexpr PageNumber kFreeSpaceRootPage = 0;
// Page header bytes of a free-space page (type-specific area A of page.h).
inline constexpr size_t kOffFreeNext = kOffTypeSpecificA;       // u64: next chain page or ~0
inline constexpr size_t kOffFreeCount = kOffTypeSpecificA + 8;  // u32: extents in this page
inline constexpr size_t kFreeExtentSize = 12;                   // u64 first + u32 count
inline constexpr size_t kFreeExtentsPerPage = (kPageSize - kPageHeaderSize) / kFreeExtentSize;

struct FreeExtent {
  PageNumber first = 0;
  uint32_t count = 0;
  bool operator==(const FreeExtent&) const = default;
};

// Encodes one chain page (page number n, next link, extents <= kFreeExtentsPerPage); not sealed.
void EncodeFreeSpacePage(uint8_t* page, PageNumber n, PageNumber next,
                         std::span<const FreeExtent> extents);
// Decodes a (verified) chain page; kCorruption when it is not a free-space page or inconsistent.
Status DecodeFreeSpacePage(const uint8_t* page, PageNumber* next, std::vector<FreeExtent>* out);
// Sorted pages -> maximal extents.
std::vector<FreeExtent> ToExtents(const std::vector<PageNumber>& sorted_pages);

class FreeSpace {
 public:
  // Replaces the state: every page in `pages` is reusable.
  void Reset(const std::vector<PageNumber>& pages);
  // Makes pages freed by transactions <= horizon reusable.
  void Release(uint64_t horizon);

  // Starts the writer's transaction `tx` (for Free's bookkeeping and Rollback).
  void BeginTx(uint64_t tx);
  // Takes `count` contiguous reusable pages (lowest first); kInvalidPage if there are none.
  PageNumber Take(uint32_t count);
  // Frees [first, first + count) in the current transaction. kInvalidArgument on a double free.
  Status Free(PageNumber first, uint32_t count);
  // Undoes every Take and Free of the current transaction.
  void Rollback();
  // Keeps them; returns whether the free set changed in this transaction.
  bool EndTx();
  bool changed_in_tx() const;

  bool IsFree(PageNumber n) const;
  // Every free page (pending and reusable), sorted.
  std::vector<PageNumber> AllFree() const;
  uint64_t free_pages() const;
  uint64_t reusable_pages() const;

 private:
  mutable std::mutex mu_;
  std::set<PageNumber> reusable_;
  std::map<uint64_t, std::vector<PageNumber>> pending_;  // freeing tx -> pages
  uint64_t pending_count_ = 0;
  std::set<PageNumber> pending_set_;
  uint64_t tx_ = 0;
  std::vector<PageNumber> taken_in_tx_;
  std::vector<PageNumber> freed_in_tx_;
};

}  // namespace rookery::storage
