// Tree::Verify: a full structural check of a tree (tests, the storage verifier).
#include "storage/btree.h"

namespace rookery::storage {

using namespace btree;  // NOLINT: this file implements the btree namespace's tree

namespace {
Status Broken(PageNumber n, const std::string& what) {
  return Status::Corruption("B+tree page " + std::to_string(n) + ": " + what);
}
}  // namespace

Status Tree::Verify() {
  if (state_->root == kInvalidPage) {
    if (*state_ == TreeState{}) return Status::Ok();
    return Status::Corruption("dropped B+tree has non-zero counts");
  }
  TreeState counted;
  counted.root = state_->root;
  counted.depth = state_->depth;
  ROOKERY_RETURN_IF_ERROR(VerifyPage(state_->root, 0, nullptr, nullptr, &counted));
  if (!(counted == *state_)) {
    return Status::Corruption(
        "B+tree counts differ from its state: entries " + std::to_string(counted.entries) + " vs " +
        std::to_string(state_->entries) + ", leaf pages " + std::to_string(counted.leaf_pages) +
        " vs " + std::to_string(state_->leaf_pages) + ", branch pages " +
        std::to_string(counted.branch_pages) + " vs " + std::to_string(state_->branch_pages) +
        ", overflow pages " + std::to_string(counted.overflow_pages) + " vs " +
        std::to_string(state_->overflow_pages));
  }
  return Status::Ok();
}

// Checks page `n` at `level` (0 = root) and its subtree; every key k must satisfy
// *lo <= k < *hi (a null bound is open).
Status Tree::VerifyPage(PageNumber n, uint32_t level, const std::string* lo, const std::string* hi,
                        TreeState* counted) {
  ROOKERY_ASSIGN_OR_RETURN(const uint8_t* page, pages_.GetPage(n));
  ROOKERY_RETURN_IF_ERROR(CheckNodePage(page, n, /*deep=*/true));
  const bool leaf = IsLeaf(page);
  if (leaf != (level + 1 == state_->depth)) {
    return Broken(n, "leaf/branch kind does not match level " + std::to_string(level));
  }
  const size_t count = EntryCount(page);
  if (level > 0 && count == 0) return Broken(n, "empty non-root page");
  if (level == 0 && !leaf && count < 2) return Broken(n, "root branch with fewer than 2 children");
  for (size_t i = 0; i < count; ++i) {
    const std::string_view key = NodeKey(page, i);
    const bool implicit = !leaf && i == 0;
    if (implicit) {
      if (!key.empty()) return Broken(n, "first branch key is not empty");
    } else {
      if (key.empty() || key.size() > kMaxKeySize) return Broken(n, "key size out of range");
      if (lo && CompareKeys(key, *lo) < 0) return Broken(n, "key below its lower bound");
      if (hi && CompareKeys(key, *hi) >= 0) return Broken(n, "key at or above its upper bound");
      if (i > (leaf ? 0u : 1u) && CompareKeys(NodeKey(page, i - 1), key) >= 0) {
        return Broken(n, "keys out of order at slot " + std::to_string(i));
      }
    }
  }
  if (leaf) {
    ++counted->leaf_pages;
    counted->entries += count;
    for (size_t i = 0; i < count; ++i) {
      const LeafValue v = LeafValueAt(page, i);
      if (!v.overflow) continue;
      if (v.size <= kMaxInlineValueSize) return Broken(n, "small value in an overflow run");
      ROOKERY_RETURN_IF_ERROR(ReadOverflow(pages_, v.overflow_page, v.size).status());
      counted->overflow_pages += PagesForOverflow(v.size);
    }
    return Status::Ok();
  }
  ++counted->branch_pages;
  std::vector<std::pair<PageNumber, std::string>> children;
  for (size_t i = 0; i < count; ++i) {
    children.emplace_back(BranchChild(page, i), std::string(NodeKey(page, i)));
  }
  for (size_t i = 0; i < count; ++i) {
    const std::string* child_lo = i == 0 ? lo : &children[i].second;
    const std::string* child_hi = i + 1 < count ? &children[i + 1].second : hi;
    ROOKERY_RETURN_IF_ERROR(VerifyPage(children[i].first, level + 1, child_lo, child_hi, counted));
  }
  return Status::Ok();
}

}  // namespace rookery::storage
