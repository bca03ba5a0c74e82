#include "storage/btree_fixed.h"
#include "storage/btree_fixed_page.h"

namespace rookery::storage {

using namespace btree;         // NOLINT: this file implements the btree namespace's iterator
using namespace btree::fixed;  // NOLINT

bool FixedSizeIterator::Start() {
  stack_.clear();
  valid_ = false;
  status_ = Status::Ok();
  if (state_.root == kInvalidPage || state_.kind != TreeKind::kFixed) {
    status_ = Status::InvalidArgument("not a live fixed-size tree");
    return false;
  }
  return Push(state_.root);
}

bool FixedSizeIterator::Push(PageNumber n) {
  Result<const uint8_t*> p = pages_.GetPage(n);
  Status s = p.ok() ? CheckFixedPage(*p, n, state_.fixed_value_size) : p.status();
  const bool leaf = s.ok() && (PageFlagsOf(*p) & kPageLeaf) != 0;
  if (s.ok() && (stack_.size() >= state_.depth || leaf != (stack_.size() + 1 == state_.depth))) {
    s = Status::Corruption("fixed-size B+tree page " + std::to_string(n) + " at wrong depth");
  }
  if (!s.ok()) {
    valid_ = false;
    status_ = std::move(s);
    return false;
  }
  stack_.push_back({*p, 0});
  return true;
}

void FixedSizeIterator::DescendEdge(bool first) {
  for (;;) {
    Frame& top = stack_.back();
    if (PageFlagsOf(top.data) & kPageLeaf) {
      if (Count(top.data) == 0) return AdvanceLeaf(first);
      top.slot = first ? 0 : Count(top.data) - 1;
      valid_ = true;
      return;
    }
    if (!Push(ChildAt(top.data, top.slot))) return;
    stack_.back().slot = first ? 0 : Count(stack_.back().data) - 1;
  }
}

void FixedSizeIterator::AdvanceLeaf(bool forward) {
  valid_ = false;
  stack_.pop_back();
  while (!stack_.empty()) {
    Frame& f = stack_.back();
    if (forward ? f.slot + 1 < Count(f.data) : f.slot > 0) {
      f.slot = forward ? f.slot + 1 : f.slot - 1;
      return DescendEdge(forward);
    }
    stack_.pop_back();
  }
}

void FixedSizeIterator::SeekToFirst() {
  if (!Start()) return;
  stack_.back().slot = 0;
  DescendEdge(true);
}

void FixedSizeIterator::SeekToLast() {
  if (!Start()) return;
  stack_.back().slot = Count(stack_.back().data) - 1;
  DescendEdge(false);
}

void FixedSizeIterator::Seek(int64_t key) {
  if (!Start()) return;
  while (!(PageFlagsOf(stack_.back().data) & kPageLeaf)) {
    Frame& f = stack_.back();
    f.slot = ChildIndex(f.data, key);
    if (!Push(ChildAt(f.data, f.slot))) return;
  }
  Frame& leaf = stack_.back();
  bool exact = false;
  leaf.slot = LowerBound(leaf.data, key, &exact);
  if (leaf.slot < Count(leaf.data)) {
    valid_ = true;
  } else {
    AdvanceLeaf(true);
  }
}

void FixedSizeIterator::SeekForPrev(int64_t key) {
  if (!Start()) return;
  while (!(PageFlagsOf(stack_.back().data) & kPageLeaf)) {
    Frame& f = stack_.back();
    f.slot = ChildIndex(f.data, key);
    if (!Push(ChildAt(f.data, f.slot))) return;
  }
  Frame& leaf = stack_.back();
  bool exact = false;
  const size_t i = LowerBound(leaf.data, key, &exact);
  if (exact || i > 0) {
    leaf.slot = exact ? i : i - 1;
    valid_ = true;
  } else {
    AdvanceLeaf(false);
  }
}

void FixedSizeIterator::Next() {
  if (!valid_) return;
  Frame& leaf = stack_.back();
  if (leaf.slot + 1 < Count(leaf.data)) {
    ++leaf.slot;
  } else {
    AdvanceLeaf(true);
  }
}

void FixedSizeIterator::Prev() {
  if (!valid_) return;
  Frame& leaf = stack_.back();
  if (leaf.slot > 0) {
    --leaf.slot;
  } else {
    AdvanceLeaf(false);
  }
}

int64_t FixedSizeIterator::key() const {
  return KeyAt(stack_.back().data, stack_.back().slot);
}

std::string_view FixedSizeIterator::value() const {
  const Frame& leaf = stack_.back();
  return {reinterpret_cast<const char*>(Rec(leaf.data, leaf.slot) + 8), RecSize(leaf.data) - 8};
}

}  // namespace rookery::storage
