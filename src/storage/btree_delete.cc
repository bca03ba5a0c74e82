// Deletes, rebalancing (free empty pages, merge underfull siblings, collapse the root) and Drop.
#include <algorithm>

#include "storage/btree.h"

namespace rookery::storage {

using namespace btree;  // NOLINT: this file implements the btree namespace's tree

namespace {
// A page using less than a quarter of its body is merged with a sibling when both fit in one
// page (as in Voron, only underfull pages trigger a merge, so ordinary deletes cost nothing
// extra, while delete-heavy workloads still give space back).
constexpr size_t kMergeThreshold = kPageBodySize / 4;
}  // namespace

Result<bool> Tree::Delete(std::string_view key) {
  ROOKERY_RETURN_IF_ERROR(ValidateKey(key));
  std::vector<PathStep> path;
  ROOKERY_ASSIGN_OR_RETURN(PageNumber leaf, FindLeaf(key, &path));
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* page, ReadNodePage(leaf));
  bool exact = false;
  const size_t index = LeafLowerBound(page, key, &exact);
  if (!exact) return false;
  ROOKERY_RETURN_IF_ERROR(FreeValue(LeafValueAt(page, index)));
  ROOKERY_ASSIGN_OR_RETURN(uint8_t * w, WriteNodePage(leaf));
  RemoveNode(w, index);
  --state_->entries;
  ROOKERY_RETURN_IF_ERROR(Rebalance(path, path.size(), leaf));
  return true;
}

Status Tree::Rebalance(std::vector<PathStep>& path, size_t level, PageNumber n) {
  for (;;) {
    if (level == 0) return CollapseRoot();
    // Not ReadNodePage: a branch that just lost its only child is empty, which the structural
    // check rightly refuses everywhere else.
    ROOKERY_ASSIGN_OR_RETURN(const uint8_t* page, pages_.GetPage(n));
    if (EntryCount(page) == 0) {
      // Only the root may be empty: free the page and drop it from its parent.
      ROOKERY_RETURN_IF_ERROR(FreePageCounted(n, IsLeaf(page)));
      ROOKERY_RETURN_IF_ERROR(RemoveChildFromParent(path, level - 1, path[level - 1].slot));
    } else {
      const bool underfull =
          UsedBytes(page) < kMergeThreshold || (IsBranch(page) && EntryCount(page) < 2);
      if (!underfull) return Status::Ok();
      bool merged = false;
      ROOKERY_RETURN_IF_ERROR(TryMerge(path, level, &merged));
      if (!merged) return Status::Ok();
    }
    // The parent lost an entry: it may need rebalancing in turn.
    --level;
    n = path[level].page;
  }
}

Status Tree::CollapseRoot() {
  for (;;) {
    ROOKERY_ASSIGN_OR_RETURN(const uint8_t* page, ReadNodePage(state_->root));
    if (!IsBranch(page) || EntryCount(page) > 1) return Status::Ok();
    // A root branch with a single child is replaced by that child.
    const PageNumber child = BranchChild(page, 0);
    ROOKERY_RETURN_IF_ERROR(FreePageCounted(state_->root, /*leaf=*/false));
    state_->root = child;
    --state_->depth;
  }
}

Status Tree::RemoveChildFromParent(std::vector<PathStep>& path, size_t parent_level, size_t slot) {
  ROOKERY_ASSIGN_OR_RETURN(uint8_t * w, WriteNodePage(path[parent_level].page));
  if (slot == 0 && EntryCount(w) > 1) {
    // Slot 1 becomes the leftmost child; the leftmost key is implicit (empty).
    const std::string node = BranchNodeWithKey(NodeAt(w, 1), {});
    RemoveNode(w, 1);
    RemoveNode(w, 0);
    if (!InsertNode(w, 0, node)) return Status::Internal("shrinking a branch entry did not fit");
  } else {
    RemoveNode(w, slot);
  }
  return Status::Ok();
}

Status Tree::TryMerge(std::vector<PathStep>& path, size_t level, bool* merged) {
  *merged = false;
  const PathStep& up = path[level - 1];
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* parent, ReadNodePage(up.page));
  const size_t siblings = EntryCount(parent);
  // Try the right sibling, then the left one. The left page of a merged pair survives, so the
  // parent loses the right page's entry (never its implicit slot 0).
  if (up.slot + 1 < siblings) {
    ROOKERY_RETURN_IF_ERROR(MergePair(path, level, up.slot, merged));
    if (*merged) return Status::Ok();
  }
  if (up.slot > 0) ROOKERY_RETURN_IF_ERROR(MergePair(path, level, up.slot - 1, merged));
  return Status::Ok();
}

Status Tree::MergePair(std::vector<PathStep>& path, size_t level, size_t left_slot, bool* merged) {
  *merged = false;
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* parent, ReadNodePage(path[level - 1].page));
  const size_t right_slot = left_slot + 1;
  const PageNumber left = BranchChild(parent, left_slot);
  const PageNumber right = BranchChild(parent, right_slot);
  const std::string separator(NodeKey(parent, right_slot));

  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* lp, ReadNodePage(left));
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* rp, ReadNodePage(right));
  const bool leaf = IsLeaf(lp);
  if (IsLeaf(rp) != leaf) {
    return Status::Corruption("B+tree siblings " + std::to_string(left) + " and " +
                              std::to_string(right) + " are of different kinds");
  }
  // A branch merge gives the right page's implicit first key the parent's separator.
  const size_t needed = UsedBytes(lp) + UsedBytes(rp) + (leaf ? 0 : separator.size());
  if (needed > kPageBodySize) return Status::Ok();

  std::vector<std::string> nodes;
  nodes.reserve(EntryCount(lp) + EntryCount(rp));
  CollectNodes(lp, &nodes);
  const size_t left_count = nodes.size();
  CollectNodes(rp, &nodes);
  if (!leaf) {
    nodes[left_count] =
        BranchNodeWithKey(reinterpret_cast<const uint8_t*>(nodes[left_count].data()), separator);
  }
  ROOKERY_ASSIGN_OR_RETURN(uint8_t * lw, WriteNodePage(left));
  RebuildPage(lw, leaf ? kPageLeaf : kPageBranch, nodes, 0, nodes.size());
  ROOKERY_RETURN_IF_ERROR(FreePageCounted(right, leaf));
  ROOKERY_RETURN_IF_ERROR(RemoveChildFromParent(path, level - 1, right_slot));
  *merged = true;
  return Status::Ok();
}

Status Tree::DropPage(PageNumber n, uint32_t level) {
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* page, ReadNodePage(n));
  const bool leaf = IsLeaf(page);
  if (leaf) {
    std::vector<LeafValue> runs;
    for (size_t i = 0; i < EntryCount(page); ++i) {
      const LeafValue v = LeafValueAt(page, i);
      if (v.overflow) runs.push_back(v);
    }
    for (const LeafValue& v : runs) ROOKERY_RETURN_IF_ERROR(FreeValue(v));
  } else {
    std::vector<PageNumber> children;
    for (size_t i = 0; i < EntryCount(page); ++i) children.push_back(BranchChild(page, i));
    for (PageNumber child : children) ROOKERY_RETURN_IF_ERROR(DropPage(child, level + 1));
  }
  return FreePageCounted(n, leaf);
}

Status Tree::Drop() {
  if (state_->root == kInvalidPage) return Status::Ok();
  ROOKERY_RETURN_IF_ERROR(DropPage(state_->root, 0));
  *state_ = TreeState{};
  return Status::Ok();
}

}  // namespace rookery::storage
