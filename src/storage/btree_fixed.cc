#include "storage/btree_fixed.h"

#include <algorithm>
#include <limits>

#include "storage/btree_fixed_page.h"

namespace rookery::storage {

using namespace btree;         // NOLINT: this file implements the btree namespace's fixed tree
using namespace btree::fixed;  // NOLINT

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

}  // namespace rookery::storage
