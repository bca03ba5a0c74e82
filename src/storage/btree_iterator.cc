#include "storage/btree_iterator.h"

#include <algorithm>

namespace rookery::storage {

using namespace btree;  // NOLINT: this file implements the btree namespace's iterator

void TreeIterator::Reset() {
  stack_.clear();
  valid_ = false;
  status_ = Status::Ok();
  if (state_.root == kInvalidPage) Fail(Status::FailedState("the B+tree was dropped"));
  if (state_.kind != TreeKind::kVariable) {
    Fail(Status::InvalidArgument("a fixed-size tree must be iterated with FixedSizeIterator"));
  }
}

void TreeIterator::Fail(Status s) const {
  valid_ = false;
  status_ = std::move(s);
}

bool TreeIterator::Push(PageNumber n) {
  Result<const uint8_t*> page = pages_.GetPage(n);
  if (!page.ok()) {
    Fail(page.status());
    return false;
  }
  Status s = CheckNodePage(*page, n, /*deep=*/false);
  if (!s.ok()) {
    Fail(std::move(s));
    return false;
  }
  if (stack_.size() >= state_.depth || (IsLeaf(*page) != (stack_.size() + 1 == state_.depth))) {
    Fail(Status::Corruption("B+tree page " + std::to_string(n) + " is at the wrong depth " +
                            std::to_string(stack_.size() + 1) + " of " +
                            std::to_string(state_.depth)));
    return false;
  }
  stack_.push_back({n, *page, 0});
  return true;
}

void TreeIterator::DescendEdge(bool first) {
  for (;;) {
    Frame& top = stack_.back();
    if (IsLeaf(top.data)) {
      const size_t count = EntryCount(top.data);
      if (count == 0) {
        // Only an empty root leaf is empty; be robust anyway and move on.
        AdvanceLeaf(first);
        return;
      }
      top.slot = first ? 0 : count - 1;
      valid_ = true;
      return;
    }
    if (!Push(BranchChild(top.data, top.slot))) return;
    Frame& child = stack_.back();
    child.slot = first ? 0 : EntryCount(child.data) - 1;
  }
}

void TreeIterator::AdvanceLeaf(bool forward) {
  valid_ = false;
  stack_.pop_back();  // the leaf
  while (!stack_.empty()) {
    Frame& f = stack_.back();
    if (forward ? f.slot + 1 < EntryCount(f.data) : f.slot > 0) {
      f.slot = forward ? f.slot + 1 : f.slot - 1;
      DescendEdge(forward);
      return;
    }
    stack_.pop_back();
  }
}

void TreeIterator::SeekToFirst() {
  Reset();
  if (!status_.ok() || !Push(state_.root)) return;
  stack_.back().slot = 0;
  DescendEdge(true);
}

void TreeIterator::SeekToLast() {
  Reset();
  if (!status_.ok() || !Push(state_.root)) return;
  stack_.back().slot = EntryCount(stack_.back().data) - 1;
  DescendEdge(false);
}

void TreeIterator::Seek(std::string_view key) {
  Reset();
  if (!status_.ok() || !Push(state_.root)) return;
  while (!IsLeaf(stack_.back().data)) {
    Frame& f = stack_.back();
    f.slot = BranchChildIndex(f.data, key);
    if (!Push(BranchChild(f.data, f.slot))) return;
  }
  Frame& leaf = stack_.back();
  bool exact = false;
  leaf.slot = LeafLowerBound(leaf.data, key, &exact);
  if (leaf.slot < EntryCount(leaf.data)) {
    valid_ = true;
  } else {
    AdvanceLeaf(true);
  }
}

void TreeIterator::SeekForPrev(std::string_view key) {
  Reset();
  if (!status_.ok() || !Push(state_.root)) return;
  while (!IsLeaf(stack_.back().data)) {
    Frame& f = stack_.back();
    f.slot = BranchChildIndex(f.data, key);
    if (!Push(BranchChild(f.data, f.slot))) return;
  }
  Frame& leaf = stack_.back();
  bool exact = false;
  const size_t i = LeafLowerBound(leaf.data, key, &exact);
  if (exact) {
    leaf.slot = i;
    valid_ = true;
  } else if (i > 0) {
    leaf.slot = i - 1;
    valid_ = true;
  } else {
    AdvanceLeaf(false);
  }
}

void TreeIterator::Next() {
  if (!valid_) return;
  Frame& leaf = stack_.back();
  if (leaf.slot + 1 < EntryCount(leaf.data)) {
    ++leaf.slot;
  } else {
    AdvanceLeaf(true);
  }
}

void TreeIterator::Prev() {
  if (!valid_) return;
  Frame& leaf = stack_.back();
  if (leaf.slot > 0) {
    --leaf.slot;
  } else {
    AdvanceLeaf(false);
  }
}

uint64_t TreeIterator::CountUntil(std::optional<std::string_view> hi) {
  uint64_t n = 0;
  while (valid_) {
    Frame& leaf = stack_.back();
    const size_t count = EntryCount(leaf.data);
    if (hi && NodeKey(leaf.data, count - 1).compare(*hi) >= 0) {
      bool exact = false;
      const size_t end = std::max(leaf.slot, LeafLowerBound(leaf.data, *hi, &exact));
      n += end - leaf.slot;
      leaf.slot = end;  // a key >= hi: the leaf's last key is one
      return n;
    }
    n += count - leaf.slot;
    AdvanceLeaf(true);
  }
  return n;
}

std::string_view TreeIterator::key() const {
  const Frame& leaf = stack_.back();
  return NodeKey(leaf.data, leaf.slot);
}

uint32_t TreeIterator::value_size() const {
  const Frame& leaf = stack_.back();
  return LeafValueAt(leaf.data, leaf.slot).size;
}

std::string_view TreeIterator::value() const {
  const Frame& leaf = stack_.back();
  const LeafValue v = LeafValueAt(leaf.data, leaf.slot);
  if (!v.overflow) return {reinterpret_cast<const char*>(v.inline_data), v.size};
  Result<std::string_view> run = ReadOverflow(pages_, v.overflow_page, v.size);
  if (!run.ok()) {
    Fail(run.status());
    return {};
  }
  return *run;
}

Status ForEachInRange(PageAccess& pages, const TreeState& state, std::string_view lo,
                      std::optional<std::string_view> hi, const EntryVisitor& fn) {
  TreeIterator it(pages, state);
  for (it.Seek(lo); it.Valid(); it.Next()) {
    const std::string_view key = it.key();
    if (hi && key.compare(*hi) >= 0) break;
    const std::string_view value = it.value();
    if (!it.status().ok()) break;
    if (!fn(key, value)) break;
  }
  return it.status();
}

Status ForEachWithPrefix(PageAccess& pages, const TreeState& state, std::string_view prefix,
                         const EntryVisitor& fn) {
  TreeIterator it(pages, state);
  for (it.Seek(prefix); it.Valid(); it.Next()) {
    const std::string_view key = it.key();
    if (key.substr(0, prefix.size()) != prefix) break;
    const std::string_view value = it.value();
    if (!it.status().ok()) break;
    if (!fn(key, value)) break;
  }
  return it.status();
}

}  // namespace rookery::storage
