// B+tree node pages: the slotted page format shared by branch and leaf pages
// (docs/formats/btree.md).
//
// A node page is one kPageSize page. After the 64-byte page header comes the slot array: one
// 2-byte offset per entry, in key order, growing up. Entries ("nodes") are packed down from the
// end of the page. Bytes between the end of the slot array ("lower") and the lowest node byte
// ("upper") are free; bytes of removed nodes above upper are "dead" until the page is
// defragmented.
//
//   leaf node:   flags u8 | key size u16 | value size u32 | key | value (inline) or
//                                                                 first overflow page u64
//   branch node: flags u8 | key size u16 | child page u64 | key
//
// The key of slot 0 of a branch page is empty and means "below every key": child i holds the
// keys k with key(i) <= k < key(i+1).
//
// These are plain functions over page memory. Reading functions take `const uint8_t*` from
// PageAccess::GetPage; mutating ones take the writable address from ModifyPage/AllocatePages.
// They never touch the pager-owned header bytes (0..13 except the flags bits, and 32..39).
// Not thread-safe; a page belongs to one transaction at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/page.h"

namespace rookery::storage::btree {

// Tree-owned header fields (page.h: bytes 14..31 and 40..63 belong to the page format).
inline constexpr size_t kOffEntryCount = 14;   // u16: number of slots
inline constexpr size_t kOffUpper = 16;        // u16: offset of the lowest node byte
inline constexpr size_t kOffDeadBytes = 18;    // u16: bytes of removed nodes at or above upper
inline constexpr size_t kOffNodeVersion = 20;  // u8: kNodeFormatVersion
inline constexpr size_t kOffTreeKind = 21;     // u8: TreeKind

inline constexpr uint8_t kNodeFormatVersion = 1;
enum class TreeKind : uint8_t {
  kVariable = 0,  // byte-string keys and values (Tree)
  kFixed = 1,     // int64 keys, fixed-size values (FixedSizeTree, btree_fixed.h)
};

inline constexpr size_t kSlotSize = 2;
inline constexpr size_t kPageBodySize = kPageSize - kPageHeaderSize;
inline constexpr size_t kLeafNodeHeaderSize = 7;
inline constexpr size_t kBranchNodeHeaderSize = 11;

// Leaf node flags.
inline constexpr uint8_t kNodeOverflow = 1 << 0;  // value lives in an overflow run

// Key limits. Every page must hold at least two of the largest possible entries (as in Voron),
// which is what makes a split of any full page into two always succeed.
inline constexpr size_t kMaxKeySize = 2048;
// Values above this many bytes go to an overflow run (about a quarter of a page).
inline constexpr size_t kMaxInlineValueSize = 2000;
// Largest node + slot on any page.
inline constexpr size_t kMaxLeafEntrySize =
    kSlotSize + kLeafNodeHeaderSize + kMaxKeySize + kMaxInlineValueSize;
inline constexpr size_t kMaxBranchEntrySize = kSlotSize + kBranchNodeHeaderSize + kMaxKeySize;
static_assert(2 * kMaxLeafEntrySize <= kPageBodySize, "a leaf must hold two max-size entries");
static_assert(2 * kMaxBranchEntrySize <= kPageBodySize, "a branch must hold two max-size entries");
static_assert(kPageSize <= 65535, "slot offsets are 16 bits");
// Fixed-size trees (btree_fixed.h): a leaf record is an 8-byte key and the value; at least two
// records per page.
inline constexpr size_t kMaxFixedValueSize = kPageBodySize / 2 - 8;

// ---- reading ----

inline bool IsLeaf(const uint8_t* page) {
  return (PageFlagsOf(page) & kPageLeaf) != 0;
}
inline bool IsBranch(const uint8_t* page) {
  return (PageFlagsOf(page) & kPageBranch) != 0;
}
inline size_t EntryCount(const uint8_t* page) {
  return LoadU16(page + kOffEntryCount);
}
inline size_t Upper(const uint8_t* page) {
  return LoadU16(page + kOffUpper);
}
inline size_t DeadBytes(const uint8_t* page) {
  return LoadU16(page + kOffDeadBytes);
}
inline size_t Lower(const uint8_t* page) {
  return kPageHeaderSize + EntryCount(page) * kSlotSize;
}
inline size_t FreeContiguous(const uint8_t* page) {
  return Upper(page) - Lower(page);
}
inline size_t FreeTotal(const uint8_t* page) {
  return FreeContiguous(page) + DeadBytes(page);
}
// Bytes of the body in use by slots and live nodes.
inline size_t UsedBytes(const uint8_t* page) {
  return kPageBodySize - FreeTotal(page);
}
inline size_t SlotOffset(const uint8_t* page, size_t i) {
  return LoadU16(page + kPageHeaderSize + i * kSlotSize);
}
inline const uint8_t* NodeAt(const uint8_t* page, size_t i) {
  return page + SlotOffset(page, i);
}

// Size of a node's bytes (without its slot), given the kind of page it sits on.
size_t NodeSize(const uint8_t* node, bool leaf);
inline size_t NodeSizeAt(const uint8_t* page, size_t i) {
  return NodeSize(NodeAt(page, i), IsLeaf(page));
}

inline std::string_view NodeKey(const uint8_t* page, size_t i) {
  const uint8_t* node = NodeAt(page, i);
  const size_t header = IsLeaf(page) ? kLeafNodeHeaderSize : kBranchNodeHeaderSize;
  return {reinterpret_cast<const char*>(node + header), LoadU16(node + 1)};
}
inline PageNumber BranchChild(const uint8_t* page, size_t i) {
  return LoadU64(NodeAt(page, i) + 3);
}

// Where a leaf entry's value lives.
struct LeafValue {
  bool overflow = false;
  uint32_t size = 0;
  const uint8_t* inline_data = nullptr;     // when !overflow
  PageNumber overflow_page = kInvalidPage;  // when overflow
};
LeafValue LeafValueAt(const uint8_t* page, size_t i);

// Three-way memcmp order, shorter prefix first.
inline int CompareKeys(std::string_view a, std::string_view b) {
  return a.compare(b);
}

// Leaf: the first slot whose key is >= key (EntryCount if none); `*exact` tells whether equal.
size_t LeafLowerBound(const uint8_t* page, std::string_view key, bool* exact);
// Branch: the slot whose child covers key (the last slot with key(i) <= key; slot 0 is -inf).
size_t BranchChildIndex(const uint8_t* page, std::string_view key);

// Structural check of a page reached through a tree: right kind, sane counts and bounds, every
// node inside the page. kCorruption naming the page otherwise. `deep` also checks every node.
Status CheckNodePage(const uint8_t* page, PageNumber n, bool deep);

// ---- encoding nodes ----

void EncodeLeafInline(std::string* out, std::string_view key, std::string_view value);
inline size_t LeafInlineNodeSize(std::string_view key, std::string_view value) {
  return kLeafNodeHeaderSize + key.size() + value.size();
}
// Writes an inline leaf node into `out` (LeafInlineNodeSize bytes).
void EncodeLeafInlineAt(uint8_t* out, std::string_view key, std::string_view value);
void EncodeLeafOverflow(std::string* out, std::string_view key, uint32_t size, PageNumber first);
void EncodeBranch(std::string* out, std::string_view key, PageNumber child);
// Re-encodes a branch node with a different key (same child).
std::string BranchNodeWithKey(const uint8_t* node, std::string_view key);

// ---- mutating ----

// Initializes an empty leaf or branch page (flags kPageLeaf or kPageBranch). Keeps the
// pager-owned header bytes; clears the tree-owned ones and the body.
void InitNodePage(uint8_t* page, uint8_t page_flag);
// Inserts `node` at slot `index`, defragmenting first if the free space is not contiguous.
// Returns false (page unchanged) if the page lacks room.
bool InsertNode(uint8_t* page, size_t index, std::string_view node);
// As InsertNode, but leaves the `size` node bytes for the caller to write (through the returned
// pointer, before anything else reads the page); nullptr (page unchanged) if the page lacks room.
uint8_t* ReserveNode(uint8_t* page, size_t index, size_t size);
inline bool Fits(const uint8_t* page, size_t node_size) {
  return FreeTotal(page) >= node_size + kSlotSize;
}
// Removes slot `index`; its node bytes become dead.
void RemoveNode(uint8_t* page, size_t index);
// Packs all live nodes against the page end so that all free space is contiguous.
void Defragment(uint8_t* page);
// Copies every node of `page` (in slot order) into `out`.
void CollectNodes(const uint8_t* page, std::vector<std::string>* out);
// Re-initializes `page` and fills it with `nodes` in order. The caller guarantees they fit.
void RebuildPage(uint8_t* page, uint8_t page_flag, const std::vector<std::string>& nodes,
                 size_t begin, size_t end);

// The shortest key s with left < s <= right (used as a leaf split separator). Requires left <
// right.
std::string ShortestSeparator(std::string_view left, std::string_view right);

}  // namespace rookery::storage::btree
