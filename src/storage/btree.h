// B+tree: an ordered map from byte-string keys to byte-string values stored in pages reached
// through a PageAccess (one transaction's view). Modelled on Voron's trees; the byte format is
// Rookery's own (docs/formats/btree.md).
//
// Ownership: the caller owns the TreeState (usually decoded from the catalog of named trees or
// the root record) and the PageAccess. A Tree borrows both, reads and updates the state in
// place; the caller stores the updated state back (EncodeTreeState) before commit.
//
// Keys: 1..kMaxKeySize (2048) bytes, compared by memcmp with the shorter prefix first. Values:
// 0..kMaxValueSize bytes; values over kMaxInlineValueSize go to an overflow run.
//
// Page numbers are stable under copy-on-write: modifying a page never moves it to a different
// page number, so a tree never rewrites a parent because a child changed. Addresses do move:
// every pointer into a page is re-fetched after ModifyPage/AllocatePages.
//
// Errors: a failed Put/Delete/Drop (I/O, corruption, no space) may leave the tree half-changed
// in this transaction's pages and state; the caller must abort the transaction.
//
// Threads: a Tree is used by the one thread that owns its transaction. Read-only calls (Get,
// iteration) work on a read transaction; Put/Delete/Drop need a write transaction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "storage/btree_node.h"
#include "storage/btree_overflow.h"
#include "storage/page.h"

namespace rookery::storage {

// Where a tree lives and what it holds. Encoded in 48 bytes (docs/formats/btree.md).
struct TreeState {
  PageNumber root = kInvalidPage;
  uint32_t depth = 0;  // 1 = the root is a leaf
  uint64_t entries = 0;
  uint64_t branch_pages = 0;
  uint64_t leaf_pages = 0;
  uint64_t overflow_pages = 0;  // pages in overflow runs (not runs)
  btree::TreeKind kind = btree::TreeKind::kVariable;
  uint16_t fixed_value_size = 0;  // value size of a kFixed tree; 0 for kVariable

  bool operator==(const TreeState&) const = default;
};

inline constexpr size_t kTreeStateSize = 48;
inline constexpr uint8_t kTreeStateVersion = 1;

void EncodeTreeState(const TreeState& state, uint8_t out[kTreeStateSize]);
// kCorruption if the version or kind is unknown or the fields are inconsistent.
Result<TreeState> DecodeTreeState(const uint8_t in[kTreeStateSize]);

class Tree {
 public:
  // Allocates an empty root leaf and returns the state of the new tree.
  static Result<TreeState> Create(PageAccess& pages);

  // Borrows `pages` and `state` for the lifetime of the Tree.
  Tree(PageAccess& pages, TreeState* state) : pages_(pages), state_(state) {}

  // Copies the value of `key` into *value; false if absent.
  Result<bool> Get(std::string_view key, std::string* value);
  // Zero-copy: *value views the page (or, for a large value, straight into its overflow run).
  // Valid until the next modification of this tree in this transaction or the end of the
  // transaction. If the pager may move pages on any allocation, the next write through the same
  // PageAccess (to any tree) ends it too; callers that write must copy first.
  Result<bool> GetView(std::string_view key, std::string_view* value);

  // Inserts or replaces. A replaced overflow run is freed.
  Status Put(std::string_view key, std::string_view value);
  // Removes `key`; false if it was absent. Frees the value's overflow run and rebalances.
  Result<bool> Delete(std::string_view key);
  // Frees every page of the tree, overflow runs included. The state is reset (root invalid);
  // the Tree must not be used afterwards except through a fresh Create.
  Status Drop();

  const TreeState& stats() const { return *state_; }

  // Walks the whole tree and checks every invariant (docs/formats/btree.md): page structure,
  // key order within and across pages, separator bounds, equal leaf depth, no empty non-root
  // page, overflow run headers, and that the counts in the state match. For tests and the
  // verifier; O(size of the tree).
  Status Verify();

  static Status ValidateKey(std::string_view key);

 private:
  // One step of the path from the root to a leaf: the page and the slot followed in it.
  struct PathStep {
    PageNumber page;
    size_t slot;
  };

  Result<const uint8_t*> ReadNodePage(PageNumber n);
  Result<uint8_t*> WriteNodePage(PageNumber n);
  // Descends to the leaf covering `key`; fills `path` with the branch steps (root first) when
  // non-null. Returns the leaf page number, and its (checked) page in *leaf_page when non-null.
  Result<PageNumber> FindLeaf(std::string_view key, std::vector<PathStep>* path,
                              const uint8_t** leaf_page = nullptr);

  Result<std::string> EncodeLeafEntry(std::string_view key, std::string_view value);
  Status FreeValue(const btree::LeafValue& v);
  Status FreePageCounted(PageNumber n, bool leaf);
  Result<PageNumber> AllocateNodePage(uint8_t page_flag);

  // Inserts `node` at `index` of page `n` at depth `level` of `path` (path.size() = leaf),
  // splitting up the path as needed.
  Status InsertAt(std::vector<PathStep>& path, size_t level, PageNumber n, size_t index,
                  std::string node);
  // Rebalances page `n` at `level` of `path` after a removal (btree_delete.cc).
  Status Rebalance(std::vector<PathStep>& path, size_t level, PageNumber n);
  Status CollapseRoot();
  Status RemoveChildFromParent(std::vector<PathStep>& path, size_t parent_level, size_t slot);
  // Merges the underfull page at `level` of `path` with a sibling if the two fit in one page.
  Status TryMerge(std::vector<PathStep>& path, size_t level, bool* merged);
  // Merges the children at `left_slot` and `left_slot + 1` of the parent at `level - 1`.
  Status MergePair(std::vector<PathStep>& path, size_t level, size_t left_slot, bool* merged);
  Status DropPage(PageNumber n, uint32_t level);
  Status VerifyPage(PageNumber n, uint32_t level, const std::string* lo, const std::string* hi,
                    TreeState* counted);

  PageAccess& pages_;
  TreeState* state_;
  std::vector<PathStep> path_;  // Put's path, kept to save an allocation per insert
};

}  // namespace rookery::storage
