#include "storage/btree_fixed.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>

namespace rookery::storage {

using namespace btree;  // NOLINT: this file implements the btree namespace's fixed-size tree

namespace {

// Fixed-size page header fields (after the shared ones: count @14, version @20, kind @21).
constexpr size_t kOffRecordValueSize = 16;  // u16: leaf value size, or 8 (child) in a branch

size_t Count(const uint8_t* p) {
  return LoadU16(p + kOffEntryCount);
}
size_t RecSize(const uint8_t* p) {
  return 8 + LoadU16(p + kOffRecordValueSize);
}
size_t Capacity(const uint8_t* p) {
  return kPageBodySize / RecSize(p);
}
const uint8_t* Rec(const uint8_t* p, size_t i) {
  return p + kPageHeaderSize + i * RecSize(p);
}
int64_t KeyAt(const uint8_t* p, size_t i) {
  return static_cast<int64_t>(LoadU64(Rec(p, i)));
}
PageNumber ChildAt(const uint8_t* p, size_t i) {
  return LoadU64(Rec(p, i) + 8);
}

void InitFixedPage(uint8_t* p, bool leaf, uint16_t value_size) {
  InitNodePage(p, leaf ? kPageLeaf : kPageBranch);
  StoreU16(p + kOffUpper, 0);  // unused by fixed pages
  StoreU16(p + kOffRecordValueSize, leaf ? value_size : 8);
  p[kOffTreeKind] = static_cast<uint8_t>(TreeKind::kFixed);
}

size_t LowerBound(const uint8_t* p, int64_t key, bool* exact) {
  size_t lo = 0;
  size_t hi = Count(p);
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (KeyAt(p, mid) < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *exact = lo < Count(p) && KeyAt(p, lo) == key;
  return lo;
}

// The child covering key: the last slot with key(i) <= key; slot 0's key is ignored (-inf).
size_t ChildIndex(const uint8_t* p, int64_t key) {
  size_t lo = 1;
  size_t hi = Count(p);
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (KeyAt(p, mid) <= key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo - 1;
}

bool InsertRec(uint8_t* p, size_t index, std::string_view rec) {
  const size_t count = Count(p);
  if (count >= Capacity(p)) return false;
  const size_t size = RecSize(p);
  uint8_t* at = p + kPageHeaderSize + index * size;
  std::memmove(at + size, at, (count - index) * size);
  std::memcpy(at, rec.data(), size);
  StoreU16(p + kOffEntryCount, static_cast<uint16_t>(count + 1));
  return true;
}

void RemoveRec(uint8_t* p, size_t index) {
  const size_t count = Count(p);
  const size_t size = RecSize(p);
  uint8_t* at = p + kPageHeaderSize + index * size;
  std::memmove(at, at + size, (count - index - 1) * size);
  std::memset(p + kPageHeaderSize + (count - 1) * size, 0, size);
  StoreU16(p + kOffEntryCount, static_cast<uint16_t>(count - 1));
}

std::string MakeRec(int64_t key, std::string_view payload) {
  std::string rec(8 + payload.size(), '\0');
  StoreU64(rec.data(), static_cast<uint64_t>(key));
  if (!payload.empty()) std::memcpy(rec.data() + 8, payload.data(), payload.size());
  return rec;
}

std::string MakeBranchRec(int64_t key, PageNumber child) {
  char buf[8];
  StoreU64(buf, child);
  return MakeRec(key, std::string_view(buf, 8));
}

void CollectRecs(const uint8_t* p, std::vector<std::string>* out) {
  for (size_t i = 0; i < Count(p); ++i) {
    out->emplace_back(reinterpret_cast<const char*>(Rec(p, i)), RecSize(p));
  }
}

void Rebuild(uint8_t* p, bool leaf, uint16_t value_size, const std::vector<std::string>& recs,
             size_t begin, size_t end) {
  InitFixedPage(p, leaf, value_size);
  for (size_t i = begin; i < end; ++i) {
    std::memcpy(p + kPageHeaderSize + (i - begin) * RecSize(p), recs[i].data(), recs[i].size());
  }
  StoreU16(p + kOffEntryCount, static_cast<uint16_t>(end - begin));
}

Status CheckFixedPage(const uint8_t* p, PageNumber n, uint16_t value_size) {
  const bool leaf = (PageFlagsOf(p) & kPageLeaf) != 0;
  const bool branch = (PageFlagsOf(p) & kPageBranch) != 0;
  char buf[256];
  const char* what = nullptr;
  if (leaf == branch) {
    what = "flags are neither leaf nor branch";
  } else if (p[kOffNodeVersion] != kNodeFormatVersion ||
             p[kOffTreeKind] != static_cast<uint8_t>(TreeKind::kFixed)) {
    what = "not a fixed-size tree page of a known version";
  } else if (LoadU16(p + kOffRecordValueSize) != (leaf ? value_size : 8)) {
    what = "record size differs from the tree's";
  } else if (Count(p) > Capacity(p) || (branch && Count(p) == 0)) {
    what = "record count out of range";
  }
  if (what == nullptr) return Status::Ok();
  std::snprintf(buf, sizeof(buf),
                "fixed-size B+tree page %" PRIu64
                " is malformed: %s (count %zu); run the verifier or restore from a backup",
                n, what, Count(p));
  return Status::Corruption(buf);
}

}  // namespace

Result<TreeState> FixedSizeTree::Create(PageAccess& pages, uint16_t value_size) {
  if (value_size > kMaxFixedValueSize) {
    return Status::InvalidArgument("fixed-size tree values are at most " +
                                   std::to_string(kMaxFixedValueSize) + " bytes, not " +
                                   std::to_string(value_size));
  }
  TreeState state;
  state.kind = TreeKind::kFixed;
  state.fixed_value_size = value_size;
  FixedSizeTree tree(pages, &state);
  ROOKERY_ASSIGN_OR_RETURN(state.root, tree.AllocatePage(/*leaf=*/true));
  state.depth = 1;
  return state;
}

Status FixedSizeTree::CheckUsable() const {
  if (state_->root == kInvalidPage) return Status::FailedState("the B+tree was dropped");
  if (state_->kind != TreeKind::kFixed) {
    return Status::InvalidArgument("a variable-size tree must be used through Tree");
  }
  return Status::Ok();
}

Result<const uint8_t*> FixedSizeTree::ReadPage(PageNumber n) {
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* p, pages_.GetPage(n));
  ROOKERY_RETURN_IF_ERROR(CheckFixedPage(p, n, state_->fixed_value_size));
  return p;
}

Result<PageNumber> FixedSizeTree::AllocatePage(bool leaf) {
  ROOKERY_ASSIGN_OR_RETURN(uint8_t * p, pages_.AllocatePages(1));
  InitFixedPage(p, leaf, state_->fixed_value_size);
  ++(leaf ? state_->leaf_pages : state_->branch_pages);
  return PageNumberOf(p);
}

Status FixedSizeTree::FreeCounted(PageNumber n, bool leaf) {
  ROOKERY_RETURN_IF_ERROR(pages_.FreePage(n));
  --(leaf ? state_->leaf_pages : state_->branch_pages);
  return Status::Ok();
}

Result<PageNumber> FixedSizeTree::FindLeaf(int64_t key, std::vector<PathStep>* path) {
  ROOKERY_RETURN_IF_ERROR(CheckUsable());
  PageNumber n = state_->root;
  for (uint32_t level = 0;; ++level) {
    ROOKERY_ASSIGN_OR_RETURN(const uint8_t* p, ReadPage(n));
    const bool leaf = (PageFlagsOf(p) & kPageLeaf) != 0;
    if (leaf != (level + 1 == state_->depth)) {
      return Status::Corruption("fixed-size B+tree page " + std::to_string(n) +
                                " is at the wrong depth " + std::to_string(level + 1) + " of " +
                                std::to_string(state_->depth));
    }
    if (leaf) return n;
    const size_t slot = ChildIndex(p, key);
    if (path) path->push_back({n, slot});
    n = ChildAt(p, slot);
  }
}

Result<bool> FixedSizeTree::GetView(int64_t key, std::string_view* value) {
  ROOKERY_ASSIGN_OR_RETURN(PageNumber leaf, FindLeaf(key, nullptr));
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* p, ReadPage(leaf));
  bool exact = false;
  const size_t i = LowerBound(p, key, &exact);
  if (!exact) return false;
  *value = std::string_view(reinterpret_cast<const char*>(Rec(p, i) + 8), RecSize(p) - 8);
  return true;
}

Result<bool> FixedSizeTree::Get(int64_t key, std::string* value) {
  std::string_view view;
  ROOKERY_ASSIGN_OR_RETURN(bool found, GetView(key, &view));
  if (found) value->assign(view.data(), view.size());
  return found;
}

Status FixedSizeTree::Put(int64_t key, std::string_view value) {
  if (value.size() != state_->fixed_value_size) {
    return Status::InvalidArgument("fixed-size tree values are " +
                                   std::to_string(state_->fixed_value_size) + " bytes, not " +
                                   std::to_string(value.size()));
  }
  std::vector<PathStep> path;
  ROOKERY_ASSIGN_OR_RETURN(PageNumber leaf, FindLeaf(key, &path));
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* p, ReadPage(leaf));
  bool exact = false;
  const size_t index = LowerBound(p, key, &exact);
  if (exact) {
    ROOKERY_ASSIGN_OR_RETURN(uint8_t * w, pages_.ModifyPage(leaf));
    uint8_t* dst = w + kPageHeaderSize + index * RecSize(w) + 8;
    if (!value.empty()) std::memcpy(dst, value.data(), value.size());
    return Status::Ok();
  }
  ++state_->entries;
  return InsertAt(path, path.size(), leaf, index, MakeRec(key, value));
}

Status FixedSizeTree::InsertAt(std::vector<PathStep>& path, size_t level, PageNumber n,
                               size_t index, std::string record) {
  for (;;) {
    ROOKERY_ASSIGN_OR_RETURN(uint8_t * w, pages_.ModifyPage(n));
    if (InsertRec(w, index, record)) return Status::Ok();
    const bool leaf = (PageFlagsOf(w) & kPageLeaf) != 0;
    std::vector<std::string> recs;
    CollectRecs(w, &recs);
    recs.insert(recs.begin() + static_cast<ptrdiff_t>(index), std::move(record));
    // Appends (ascending keys) and prepends keep the old page full, as in Tree.
    const size_t total = recs.size();
    const size_t m = index == total - 1 ? total - 1 : (index == 0 && leaf) ? 1 : total / 2;
    const int64_t separator = static_cast<int64_t>(LoadU64(recs[m].data()));
    ROOKERY_ASSIGN_OR_RETURN(PageNumber right, AllocatePage(leaf));
    ROOKERY_ASSIGN_OR_RETURN(uint8_t * left_page, pages_.ModifyPage(n));
    Rebuild(left_page, leaf, state_->fixed_value_size, recs, 0, m);
    ROOKERY_ASSIGN_OR_RETURN(uint8_t * right_page, pages_.ModifyPage(right));
    Rebuild(right_page, leaf, state_->fixed_value_size, recs, m, total);
    std::string up = MakeBranchRec(separator, right);
    if (level == 0) {
      ROOKERY_ASSIGN_OR_RETURN(PageNumber root, AllocatePage(/*leaf=*/false));
      ROOKERY_ASSIGN_OR_RETURN(uint8_t * root_page, pages_.ModifyPage(root));
      if (!InsertRec(root_page, 0, MakeBranchRec(std::numeric_limits<int64_t>::min(), n)) ||
          !InsertRec(root_page, 1, up)) {
        return Status::Internal("a new fixed-size tree root cannot hold two records");
      }
      state_->root = root;
      ++state_->depth;
      return Status::Ok();
    }
    --level;
    n = path[level].page;
    index = path[level].slot + 1;
    record = std::move(up);
  }
}

Result<bool> FixedSizeTree::Delete(int64_t key) {
  std::vector<PathStep> path;
  ROOKERY_ASSIGN_OR_RETURN(PageNumber leaf, FindLeaf(key, &path));
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* p, ReadPage(leaf));
  bool exact = false;
  const size_t index = LowerBound(p, key, &exact);
  if (!exact) return false;
  ROOKERY_ASSIGN_OR_RETURN(uint8_t * w, pages_.ModifyPage(leaf));
  RemoveRec(w, index);
  --state_->entries;
  ROOKERY_RETURN_IF_ERROR(Rebalance(path, path.size(), leaf));
  return true;
}

Status FixedSizeTree::Rebalance(std::vector<PathStep>& path, size_t level, PageNumber n) {
  for (; level > 0; --level, n = path[level].page) {
    ROOKERY_ASSIGN_OR_RETURN(const uint8_t* p, pages_.GetPage(n));  // may be an empty branch
    const bool leaf = (PageFlagsOf(p) & kPageLeaf) != 0;
    if (Count(p) == 0) {
      ROOKERY_RETURN_IF_ERROR(FreeCounted(n, leaf));
      ROOKERY_RETURN_IF_ERROR(RemoveFromParent(path, level - 1, path[level - 1].slot));
      continue;
    }
    if (Count(p) >= Capacity(p) / 4 && (leaf || Count(p) >= 2)) break;
    const PathStep& up = path[level - 1];
    ROOKERY_ASSIGN_OR_RETURN(const uint8_t* parent, ReadPage(up.page));
    bool merged = false;
    if (up.slot + 1 < Count(parent)) {
      ROOKERY_RETURN_IF_ERROR(MergePair(path, level, up.slot, &merged));
    }
    if (!merged && up.slot > 0) {
      ROOKERY_RETURN_IF_ERROR(MergePair(path, level, up.slot - 1, &merged));
    }
    if (!merged) break;
  }
  // A root branch with one child is replaced by the child.
  for (;;) {
    ROOKERY_ASSIGN_OR_RETURN(const uint8_t* root, ReadPage(state_->root));
    if (!(PageFlagsOf(root) & kPageBranch) || Count(root) > 1) return Status::Ok();
    const PageNumber child = ChildAt(root, 0);
    ROOKERY_RETURN_IF_ERROR(FreeCounted(state_->root, /*leaf=*/false));
    state_->root = child;
    --state_->depth;
  }
}

Status FixedSizeTree::RemoveFromParent(std::vector<PathStep>& path, size_t parent_level,
                                       size_t slot) {
  // Slot 0's key is ignored, so removing slot 0 needs no key rewrite.
  ROOKERY_ASSIGN_OR_RETURN(uint8_t * w, pages_.ModifyPage(path[parent_level].page));
  RemoveRec(w, slot);
  return Status::Ok();
}

Status FixedSizeTree::MergePair(std::vector<PathStep>& path, size_t level, size_t left_slot,
                                bool* merged) {
  *merged = false;
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* parent, ReadPage(path[level - 1].page));
  const PageNumber left = ChildAt(parent, left_slot);
  const PageNumber right = ChildAt(parent, left_slot + 1);
  const int64_t separator = KeyAt(parent, left_slot + 1);
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* lp, ReadPage(left));
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* rp, ReadPage(right));
  const bool leaf = (PageFlagsOf(lp) & kPageLeaf) != 0;
  if (leaf != ((PageFlagsOf(rp) & kPageLeaf) != 0)) {
    return Status::Corruption("fixed-size B+tree siblings " + std::to_string(left) + " and " +
                              std::to_string(right) + " are of different kinds");
  }
  if (Count(lp) + Count(rp) > Capacity(lp)) return Status::Ok();
  std::vector<std::string> recs;
  CollectRecs(lp, &recs);
  const size_t left_count = recs.size();
  CollectRecs(rp, &recs);
  // The right page's first key was ignored (slot 0); in the merged page it is a real bound.
  if (!leaf) StoreU64(recs[left_count].data(), static_cast<uint64_t>(separator));
  ROOKERY_ASSIGN_OR_RETURN(uint8_t * lw, pages_.ModifyPage(left));
  Rebuild(lw, leaf, state_->fixed_value_size, recs, 0, recs.size());
  ROOKERY_RETURN_IF_ERROR(FreeCounted(right, leaf));
  ROOKERY_RETURN_IF_ERROR(RemoveFromParent(path, level - 1, left_slot + 1));
  *merged = true;
  return Status::Ok();
}

Status FixedSizeTree::DropPage(PageNumber n) {
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* p, ReadPage(n));
  const bool leaf = (PageFlagsOf(p) & kPageLeaf) != 0;
  if (!leaf) {
    std::vector<PageNumber> children;
    for (size_t i = 0; i < Count(p); ++i) children.push_back(ChildAt(p, i));
    for (PageNumber child : children) ROOKERY_RETURN_IF_ERROR(DropPage(child));
  }
  return FreeCounted(n, leaf);
}

Status FixedSizeTree::Drop() {
  if (state_->root == kInvalidPage) return Status::Ok();
  ROOKERY_RETURN_IF_ERROR(CheckUsable());
  ROOKERY_RETURN_IF_ERROR(DropPage(state_->root));
  *state_ = TreeState{};
  return Status::Ok();
}

Status FixedSizeTree::Verify() {
  if (state_->root == kInvalidPage) return Status::Ok();
  ROOKERY_RETURN_IF_ERROR(CheckUsable());
  TreeState counted = *state_;
  counted.entries = counted.leaf_pages = counted.branch_pages = 0;
  ROOKERY_RETURN_IF_ERROR(VerifyPage(state_->root, 0, nullptr, nullptr, &counted));
  if (!(counted == *state_)) {
    return Status::Corruption(
        "fixed-size B+tree counts differ from its state: entries " +
        std::to_string(counted.entries) + " vs " + std::to_string(state_->entries) +
        ", leaf pages " + std::to_string(counted.leaf_pages) + " vs " +
        std::to_string(state_->leaf_pages) + ", branch pages " +
        std::to_string(counted.branch_pages) + " vs " + std::to_string(state_->branch_pages));
  }
  return Status::Ok();
}

Status FixedSizeTree::VerifyPage(PageNumber n, uint32_t level, const int64_t* lo, const int64_t* hi,
                                 TreeState* counted) {
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* p, ReadPage(n));
  const bool leaf = (PageFlagsOf(p) & kPageLeaf) != 0;
  const size_t count = Count(p);
  auto broken = [n](const std::string& what) {
    return Status::Corruption("fixed-size B+tree page " + std::to_string(n) + ": " + what);
  };
  if (leaf != (level + 1 == state_->depth)) return broken("wrong kind for its level");
  if (level > 0 && count == 0) return broken("empty non-root page");
  if (level == 0 && !leaf && count < 2) return broken("root branch with fewer than 2 children");
  for (size_t i = leaf ? 0 : 1; i < count; ++i) {
    const int64_t key = KeyAt(p, i);
    if ((lo && key < *lo) || (hi && key >= *hi)) return broken("key outside its bounds");
    if (i > (leaf ? 0u : 1u) && KeyAt(p, i - 1) >= key) return broken("keys out of order");
  }
  if (leaf) {
    ++counted->leaf_pages;
    counted->entries += count;
    return Status::Ok();
  }
  ++counted->branch_pages;
  std::vector<std::pair<PageNumber, int64_t>> children;
  for (size_t i = 0; i < count; ++i) children.emplace_back(ChildAt(p, i), KeyAt(p, i));
  for (size_t i = 0; i < count; ++i) {
    const int64_t* child_lo = i == 0 ? lo : &children[i].second;
    const int64_t* child_hi = i + 1 < count ? &children[i + 1].second : hi;
    ROOKERY_RETURN_IF_ERROR(VerifyPage(children[i].first, level + 1, child_lo, child_hi, counted));
  }
  return Status::Ok();
}

// ---- iterator ----

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
