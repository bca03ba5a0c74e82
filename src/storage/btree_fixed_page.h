// Fixed-size B+tree pages (docs/formats/btree.md §6): a sorted array of fixed-size records
// after the 64-byte header. Internal to btree_fixed*.cc; plain functions over page memory, as in
// btree_node.h.
#pragma once

#include <cinttypes>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/btree_node.h"

namespace rookery::storage::btree::fixed {

// Fixed-size page header fields (after the shared ones: count @14, version @20, kind @21).
inline constexpr size_t kOffRecordValueSize = 16;  // u16: leaf value size, or 8 (child) in a branch

inline size_t Count(const uint8_t* p) {
  return LoadU16(p + kOffEntryCount);
}
inline size_t RecSize(const uint8_t* p) {
  return 8 + LoadU16(p + kOffRecordValueSize);
}
inline size_t Capacity(const uint8_t* p) {
  return kPageBodySize / RecSize(p);
}
inline const uint8_t* Rec(const uint8_t* p, size_t i) {
  return p + kPageHeaderSize + i * RecSize(p);
}
inline int64_t KeyAt(const uint8_t* p, size_t i) {
  return static_cast<int64_t>(LoadU64(Rec(p, i)));
}
inline PageNumber ChildAt(const uint8_t* p, size_t i) {
  return LoadU64(Rec(p, i) + 8);
}

inline void InitFixedPage(uint8_t* p, bool leaf, uint16_t value_size) {
  InitNodePage(p, leaf ? kPageLeaf : kPageBranch);
  StoreU16(p + kOffUpper, 0);  // unused by fixed pages
  StoreU16(p + kOffRecordValueSize, leaf ? value_size : 8);
  p[kOffTreeKind] = static_cast<uint8_t>(TreeKind::kFixed);
}

inline size_t LowerBound(const uint8_t* p, int64_t key, bool* exact) {
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
inline size_t ChildIndex(const uint8_t* p, int64_t key) {
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

inline bool InsertRec(uint8_t* p, size_t index, std::string_view rec) {
  const size_t count = Count(p);
  if (count >= Capacity(p)) return false;
  const size_t size = RecSize(p);
  uint8_t* at = p + kPageHeaderSize + index * size;
  std::memmove(at + size, at, (count - index) * size);
  std::memcpy(at, rec.data(), size);
  StoreU16(p + kOffEntryCount, static_cast<uint16_t>(count + 1));
  return true;
}

inline void RemoveRec(uint8_t* p, size_t index) {
  const size_t count = Count(p);
  const size_t size = RecSize(p);
  uint8_t* at = p + kPageHeaderSize + index * size;
  std::memmove(at, at + size, (count - index - 1) * size);
  std::memset(p + kPageHeaderSize + (count - 1) * size, 0, size);
  StoreU16(p + kOffEntryCount, static_cast<uint16_t>(count - 1));
}

inline std::string MakeRec(int64_t key, std::string_view payload) {
  std::string rec(8 + payload.size(), '\0');
  StoreU64(rec.data(), static_cast<uint64_t>(key));
  if (!payload.empty()) std::memcpy(rec.data() + 8, payload.data(), payload.size());
  return rec;
}

inline std::string MakeBranchRec(int64_t key, PageNumber child) {
  char buf[8];
  StoreU64(buf, child);
  return MakeRec(key, std::string_view(buf, 8));
}

inline void CollectRecs(const uint8_t* p, std::vector<std::string>* out) {
  for (size_t i = 0; i < Count(p); ++i) {
    out->emplace_back(reinterpret_cast<const char*>(Rec(p, i)), RecSize(p));
  }
}

inline void Rebuild(uint8_t* p, bool leaf, uint16_t value_size,
                    const std::vector<std::string>& recs, size_t begin, size_t end) {
  InitFixedPage(p, leaf, value_size);
  for (size_t i = begin; i < end; ++i) {
    std::memcpy(p + kPageHeaderSize + (i - begin) * RecSize(p), recs[i].data(), recs[i].size());
  }
  StoreU16(p + kOffEntryCount, static_cast<uint16_t>(end - begin));
}

inline Status CheckFixedPage(const uint8_t* p, PageNumber n, uint16_t value_size) {
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

}  // namespace rookery::storage::btree::fixed
