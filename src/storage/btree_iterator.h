// TreeIterator: ordered iteration over a B+tree (btree.h), both directions.
//
// The iterator keeps a cursor stack of (page, slot) from the root down to the current leaf; it
// moves to a neighbouring leaf by climbing the stack and descending again. There are no sibling
// pointers in the pages (docs/formats/btree.md explains why).
//
// Validity: an iterator reads through the PageAccess it was given and caches page addresses, so
// it is invalidated by any modification of the tree (Put/Delete/Drop) in the same transaction;
// re-Seek after modifying. key() and value() views are valid until the iterator moves or the
// tree is modified. Errors (corruption, I/O) make the iterator invalid and are reported by
// status(). One thread at a time, like the transaction it belongs to.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/btree.h"

namespace rookery::storage {

class TreeIterator {
 public:
  TreeIterator(PageAccess& pages, const TreeState& state) : pages_(pages), state_(state) {}

  void SeekToFirst();
  void SeekToLast();
  // The first key >= key.
  void Seek(std::string_view key);
  // The last key <= key.
  void SeekForPrev(std::string_view key);
  void Next();  // requires Valid()
  void Prev();  // requires Valid()

  bool Valid() const { return valid_; }
  std::string_view key() const;
  // The value; an overflow value is a view straight into its run. On a read error, returns an
  // empty view, makes the iterator invalid and sets status().
  std::string_view value() const;
  // The value's size without touching an overflow run.
  uint32_t value_size() const;
  const Status& status() const { return status_; }
  // Counts the keys from the current one up to, not including, the first key >= hi (to the end
  // without hi), a whole leaf at a time (one binary search in the last leaf), and leaves the
  // iterator on that first key >= hi (invalid at the end). 0 when not Valid().
  uint64_t CountUntil(std::optional<std::string_view> hi);

 private:
  struct Frame {
    PageNumber page;
    const uint8_t* data;
    size_t slot;
  };
  bool Push(PageNumber n);
  // Descends from the top frame's current child to a leaf, always taking the first (or last)
  // entry, and positions on it. Skips empty leaves. False when the tree has no entry there.
  void DescendEdge(bool first);
  void AdvanceLeaf(bool forward);
  void Fail(Status s) const;
  void Reset();

  PageAccess& pages_;
  const TreeState& state_;
  std::vector<Frame> stack_;
  mutable bool valid_ = false;
  mutable Status status_;
};

using EntryVisitor = std::function<bool(std::string_view key, std::string_view value)>;

// Calls fn(key, value) for every key k with lo <= k < hi (no upper bound when hi is nullopt) in
// key order, until fn returns false.
Status ForEachInRange(PageAccess& pages, const TreeState& state, std::string_view lo,
                      std::optional<std::string_view> hi, const EntryVisitor& fn);
// Calls fn(key, value) for every key starting with `prefix`, in key order, until fn returns false.
Status ForEachWithPrefix(PageAccess& pages, const TreeState& state, std::string_view prefix,
                         const EntryVisitor& fn);

}  // namespace rookery::storage
