// FixedSizeTree: a compact B+tree from int64 keys to values of one fixed size (counters,
// etag -> id maps, page bitmaps), modelled on Voron's FixedSizeTree (docs/formats/btree.md §6).
//
// Pages hold a sorted array of fixed-size records with no slots and no per-record headers: a
// leaf record is key (8) + value; a branch record key (8) + child page (8). With 8-byte values
// a leaf holds 508 records, against ~325 in a variable-size Tree.
//
// Ownership and threads as for Tree (btree.h): the caller owns the TreeState (kind kFixed,
// value size fixed at Create) and the PageAccess; one thread at a time. Page numbers are stable
// under copy-on-write; addresses are re-fetched after ModifyPage/AllocatePages.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "storage/btree.h"

namespace rookery::storage {

class FixedSizeTree {
 public:
  // An empty tree whose values are all `value_size` bytes (0..kMaxFixedValueSize).
  static Result<TreeState> Create(PageAccess& pages, uint16_t value_size);

  FixedSizeTree(PageAccess& pages, TreeState* state) : pages_(pages), state_(state) {}

  Result<bool> Get(int64_t key, std::string* value);
  // Zero-copy; same validity as Tree::GetView.
  Result<bool> GetView(int64_t key, std::string_view* value);
  // Inserts or replaces; kInvalidArgument unless value.size() is the tree's value size.
  Status Put(int64_t key, std::string_view value);
  Result<bool> Delete(int64_t key);
  Status Drop();
  Status Verify();
  const TreeState& stats() const { return *state_; }

 private:
  struct PathStep {
    PageNumber page;
    size_t slot;
  };
  Status CheckUsable() const;
  Result<const uint8_t*> ReadPage(PageNumber n);
  Result<PageNumber> AllocatePage(bool leaf);
  Status FreeCounted(PageNumber n, bool leaf);
  Result<PageNumber> FindLeaf(int64_t key, std::vector<PathStep>* path);
  Status InsertAt(std::vector<PathStep>& path, size_t level, PageNumber n, size_t index,
                  std::string record);
  Status Rebalance(std::vector<PathStep>& path, size_t level, PageNumber n);
  Status MergePair(std::vector<PathStep>& path, size_t level, size_t left_slot, bool* merged);
  Status RemoveFromParent(std::vector<PathStep>& path, size_t parent_level, size_t slot);
  Status DropPage(PageNumber n);
  Status VerifyPage(PageNumber n, uint32_t level, const int64_t* lo, const int64_t* hi,
                    TreeState* counted);

  PageAccess& pages_;
  TreeState* state_;
};

// Ordered iteration over a FixedSizeTree with a cursor stack, like TreeIterator (same validity
// rules: invalidated by modifications of the tree).
class FixedSizeIterator {
 public:
  FixedSizeIterator(PageAccess& pages, const TreeState& state) : pages_(pages), state_(state) {}
  void SeekToFirst();
  void SeekToLast();
  void Seek(int64_t key);         // first key >= key
  void SeekForPrev(int64_t key);  // last key <= key
  void Next();
  void Prev();
  bool Valid() const { return valid_; }
  int64_t key() const;
  std::string_view value() const;
  const Status& status() const { return status_; }

 private:
  struct Frame {
    const uint8_t* data;
    size_t slot;
  };
  bool Start();
  bool Push(PageNumber n);
  void DescendEdge(bool first);
  void AdvanceLeaf(bool forward);

  PageAccess& pages_;
  const TreeState& state_;
  std::vector<Frame> stack_;
  bool valid_ = false;
  Status status_;
};

}  // namespace rookery::storage
