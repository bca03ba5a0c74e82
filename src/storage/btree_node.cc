#include "storage/btree_node.h"

#include <cinttypes>
#include <cstdio>

namespace rookery::storage::btree {

size_t NodeSize(const uint8_t* node, bool leaf) {
  const size_t key_size = LoadU16(node + 1);
  if (!leaf) return kBranchNodeHeaderSize + key_size;
  const size_t value = (node[0] & kNodeOverflow) ? sizeof(PageNumber) : LoadU32(node + 3);
  return kLeafNodeHeaderSize + key_size + value;
}

LeafValue LeafValueAt(const uint8_t* page, size_t i) {
  const uint8_t* node = NodeAt(page, i);
  LeafValue v;
  v.overflow = (node[0] & kNodeOverflow) != 0;
  v.size = LoadU32(node + 3);
  const uint8_t* data = node + kLeafNodeHeaderSize + LoadU16(node + 1);
  if (v.overflow) {
    v.overflow_page = LoadU64(data);
  } else {
    v.inline_data = data;
  }
  return v;
}

size_t LeafLowerBound(const uint8_t* page, std::string_view key, bool* exact) {
  size_t lo = 0;
  size_t hi = EntryCount(page);
  *exact = false;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const int c = CompareKeys(NodeKey(page, mid), key);
    if (c < 0) {
      lo = mid + 1;
    } else {
      if (c == 0) *exact = true;
      hi = mid;
    }
  }
  if (*exact && lo < EntryCount(page)) *exact = CompareKeys(NodeKey(page, lo), key) == 0;
  return lo;
}

size_t BranchChildIndex(const uint8_t* page, std::string_view key) {
  // Find the first slot >= 1 whose key is > key; the child before it covers key.
  size_t lo = 1;
  size_t hi = EntryCount(page);
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (CompareKeys(NodeKey(page, mid), key) <= 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo - 1;
}

namespace {
Status PageCorrupt(PageNumber n, const char* what, uint64_t a, uint64_t b) {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "B+tree page %" PRIu64 " is malformed: %s (%" PRIu64 ", %" PRIu64
                "); run the verifier or restore from a backup",
                n, what, a, b);
  return Status::Corruption(buf);
}
}  // namespace

Status CheckNodePage(const uint8_t* page, PageNumber n, bool deep) {
  const uint8_t flags = PageFlagsOf(page);
  const bool leaf = (flags & kPageLeaf) != 0;
  const bool branch = (flags & kPageBranch) != 0;
  if (leaf == branch) return PageCorrupt(n, "flags are neither leaf nor branch", flags, 0);
  if (page[kOffNodeVersion] != kNodeFormatVersion) {
    return PageCorrupt(n, "unknown node format version (found, expected)", page[kOffNodeVersion],
                       kNodeFormatVersion);
  }
  if (page[kOffTreeKind] != static_cast<uint8_t>(TreeKind::kVariable)) {
    return PageCorrupt(n, "page of another tree kind (found, expected)", page[kOffTreeKind], 0);
  }
  const size_t count = EntryCount(page);
  const size_t upper = Upper(page);
  if (Lower(page) > upper || upper > kPageSize) {
    return PageCorrupt(n, "slot array overlaps nodes (entries, upper)", count, upper);
  }
  if (DeadBytes(page) > kPageSize - upper) {
    return PageCorrupt(n, "dead bytes exceed node area (dead, upper)", DeadBytes(page), upper);
  }
  if (branch && count == 0) return PageCorrupt(n, "branch page without entries", 0, 0);
  if (!deep) return Status::Ok();
  size_t live = 0;
  for (size_t i = 0; i < count; ++i) {
    const size_t off = SlotOffset(page, i);
    if (off < upper || off + (leaf ? kLeafNodeHeaderSize : kBranchNodeHeaderSize) > kPageSize) {
      return PageCorrupt(n, "slot offset out of range (slot, offset)", i, off);
    }
    const size_t size = NodeSize(page + off, leaf);
    if (off + size > kPageSize)
      return PageCorrupt(n, "node runs past page end (slot, size)", i, size);
    if (leaf && !(page[off] & kNodeOverflow) && LoadU32(page + off + 3) > kMaxInlineValueSize) {
      return PageCorrupt(n, "inline value too large (slot, size)", i, LoadU32(page + off + 3));
    }
    live += size;
  }
  if (live + DeadBytes(page) != kPageSize - upper) {
    return PageCorrupt(n, "node bytes do not add up (live+dead, area)", live + DeadBytes(page),
                       kPageSize - upper);
  }
  return Status::Ok();
}

void EncodeLeafInline(std::string* out, std::string_view key, std::string_view value) {
  out->resize(LeafInlineNodeSize(key, value));
  EncodeLeafInlineAt(reinterpret_cast<uint8_t*>(out->data()), key, value);
}

void EncodeLeafInlineAt(uint8_t* p, std::string_view key, std::string_view value) {
  p[0] = 0;
  StoreU16(p + 1, static_cast<uint16_t>(key.size()));
  StoreU32(p + 3, static_cast<uint32_t>(value.size()));
  std::memcpy(p + kLeafNodeHeaderSize, key.data(), key.size());
  if (!value.empty()) std::memcpy(p + kLeafNodeHeaderSize + key.size(), value.data(), value.size());
}

void EncodeLeafOverflow(std::string* out, std::string_view key, uint32_t size, PageNumber first) {
  out->resize(kLeafNodeHeaderSize + key.size() + sizeof(PageNumber));
  uint8_t* p = reinterpret_cast<uint8_t*>(out->data());
  p[0] = kNodeOverflow;
  StoreU16(p + 1, static_cast<uint16_t>(key.size()));
  StoreU32(p + 3, size);
  std::memcpy(p + kLeafNodeHeaderSize, key.data(), key.size());
  StoreU64(p + kLeafNodeHeaderSize + key.size(), first);
}

void EncodeBranch(std::string* out, std::string_view key, PageNumber child) {
  out->resize(kBranchNodeHeaderSize + key.size());
  uint8_t* p = reinterpret_cast<uint8_t*>(out->data());
  p[0] = 0;
  StoreU16(p + 1, static_cast<uint16_t>(key.size()));
  StoreU64(p + 3, child);
  if (!key.empty()) std::memcpy(p + kBranchNodeHeaderSize, key.data(), key.size());
}

std::string BranchNodeWithKey(const uint8_t* node, std::string_view key) {
  std::string out;
  EncodeBranch(&out, key, LoadU64(node + 3));
  return out;
}

void InitNodePage(uint8_t* page, uint8_t page_flag) {
  page[kOffFlags] = static_cast<uint8_t>(
      (page[kOffFlags] & ~(kPageLeaf | kPageBranch | kPageOverflow)) | page_flag);
  std::memset(page + kOffTypeSpecificA, 0, kTypeSpecificASize);
  std::memset(page + kOffTypeSpecificB, 0, kTypeSpecificBSize);
  std::memset(page + kPageHeaderSize, 0, kPageBodySize);
  StoreU16(page + kOffEntryCount, 0);
  StoreU16(page + kOffUpper, static_cast<uint16_t>(kPageSize));
  StoreU16(page + kOffDeadBytes, 0);
  page[kOffNodeVersion] = kNodeFormatVersion;
  page[kOffTreeKind] = static_cast<uint8_t>(TreeKind::kVariable);
}

bool InsertNode(uint8_t* page, size_t index, std::string_view node) {
  uint8_t* at = ReserveNode(page, index, node.size());
  if (at == nullptr) return false;
  std::memcpy(at, node.data(), node.size());
  return true;
}

uint8_t* ReserveNode(uint8_t* page, size_t index, size_t size) {
  if (!Fits(page, size)) return nullptr;
  if (FreeContiguous(page) < size + kSlotSize) Defragment(page);
  const size_t count = EntryCount(page);
  const size_t upper = Upper(page) - size;
  uint8_t* slots = page + kPageHeaderSize;
  std::memmove(slots + (index + 1) * kSlotSize, slots + index * kSlotSize,
               (count - index) * kSlotSize);
  StoreU16(slots + index * kSlotSize, static_cast<uint16_t>(upper));
  StoreU16(page + kOffUpper, static_cast<uint16_t>(upper));
  StoreU16(page + kOffEntryCount, static_cast<uint16_t>(count + 1));
  return page + upper;
}

void RemoveNode(uint8_t* page, size_t index) {
  const size_t count = EntryCount(page);
  const size_t off = SlotOffset(page, index);
  const size_t size = NodeSize(page + off, IsLeaf(page));
  std::memset(page + off, 0, size);  // no stale bytes survive in the page
  uint8_t* slots = page + kPageHeaderSize;
  std::memmove(slots + index * kSlotSize, slots + (index + 1) * kSlotSize,
               (count - index - 1) * kSlotSize);
  StoreU16(slots + (count - 1) * kSlotSize, 0);
  StoreU16(page + kOffEntryCount, static_cast<uint16_t>(count - 1));
  if (off == Upper(page)) {
    // The lowest node: give its bytes straight back to the contiguous free space.
    StoreU16(page + kOffUpper, static_cast<uint16_t>(off + size));
  } else {
    StoreU16(page + kOffDeadBytes, static_cast<uint16_t>(DeadBytes(page) + size));
  }
}

void Defragment(uint8_t* page) {
  if (DeadBytes(page) == 0) return;
  uint8_t copy[kPageSize];
  std::memcpy(copy, page, kPageSize);
  const bool leaf = IsLeaf(page);
  const size_t count = EntryCount(page);
  size_t upper = kPageSize;
  std::memset(page + Lower(page), 0, kPageSize - Lower(page));
  for (size_t i = 0; i < count; ++i) {
    const size_t off = SlotOffset(copy, i);
    const size_t size = NodeSize(copy + off, leaf);
    upper -= size;
    std::memcpy(page + upper, copy + off, size);
    StoreU16(page + kPageHeaderSize + i * kSlotSize, static_cast<uint16_t>(upper));
  }
  StoreU16(page + kOffUpper, static_cast<uint16_t>(upper));
  StoreU16(page + kOffDeadBytes, 0);
}

void CollectNodes(const uint8_t* page, std::vector<std::string>* out) {
  const size_t count = EntryCount(page);
  const bool leaf = IsLeaf(page);
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* node = NodeAt(page, i);
    out->emplace_back(reinterpret_cast<const char*>(node), NodeSize(node, leaf));
  }
}

void RebuildPage(uint8_t* page, uint8_t page_flag, const std::vector<std::string>& nodes,
                 size_t begin, size_t end) {
  InitNodePage(page, page_flag);
  for (size_t i = begin; i < end; ++i) {
    const bool ok = InsertNode(page, i - begin, nodes[i]);
    (void)ok;  // callers size the ranges; Tree::Verify checks the result in tests
  }
}

std::string ShortestSeparator(std::string_view left, std::string_view right) {
  size_t p = 0;
  while (p < left.size() && p < right.size() && left[p] == right[p]) ++p;
  return std::string(right.substr(0, p + 1));
}

}  // namespace rookery::storage::btree
