#include "storage/page_diff.h"

#include <cstring>

#include "storage/page.h"

namespace rookery::storage {
namespace {

constexpr size_t kWord = 8;
constexpr size_t kBlockWords = 8;  // 64 bytes compared at once while skipping equal stretches
constexpr size_t kRunHeader = 8;

// Word i of the base: the base page's, or zero.
template <bool kZeroBase>
inline bool WordDiffers(const uint8_t* base, const uint8_t* page, size_t i) {
  if constexpr (kZeroBase) {
    return LoadU64(page + i * kWord) != 0;
  } else {
    return LoadU64(page + i * kWord) != LoadU64(base + i * kWord);
  }
}

template <bool kZeroBase>
inline bool BlockEqual(const uint8_t* base, const uint8_t* page, size_t i) {
  if constexpr (kZeroBase) {
    uint64_t any = 0;
    for (size_t k = 0; k < kBlockWords; ++k) any |= LoadU64(page + (i + k) * kWord);
    return any == 0;
  } else {
    // XOR-OR over the block instead of a memcmp call: no call per 64 bytes, and the loop
    // vectorises (the diff of a random-key load compares ~1.2 pages per key).
    uint64_t any = 0;
    for (size_t k = 0; k < kBlockWords; ++k) {
      any |= LoadU64(page + (i + k) * kWord) ^ LoadU64(base + (i + k) * kWord);
    }
    return any == 0;
  }
}

template <bool kZeroBase>
size_t Encode(const uint8_t* base, const uint8_t* page, size_t bytes, size_t limit, uint8_t* out) {
  const size_t words = bytes / kWord;
  constexpr size_t kGapWords = kMaxMergeGap / kWord;
  if (limit < kMinPageDiffSize + 1) return 0;
  size_t pos = kMinPageDiffSize;
  uint32_t count = 0;
  size_t i = 0;
  while (i < words) {
    // Skip the unchanged stretch, a block at a time where aligned.
    while (i < words) {
      if (i % kBlockWords == 0) {
        while (i + kBlockWords <= words && BlockEqual<kZeroBase>(base, page, i)) i += kBlockWords;
        if (i == words) break;
      }
      if (WordDiffers<kZeroBase>(base, page, i)) break;
      ++i;
    }
    if (i == words) break;
    const size_t start = i;
    size_t end = i + 1;  // one past the last differing word of the run
    for (size_t j = end;;) {
      while (j < words && WordDiffers<kZeroBase>(base, page, j)) ++j;
      end = j;
      // Look past a short unchanged gap for another change to merge.
      size_t g = j;
      while (g < words && g - end < kGapWords && !WordDiffers<kZeroBase>(base, page, g)) ++g;
      if (g < words && g - end <= kGapWords && g > end && WordDiffers<kZeroBase>(base, page, g)) {
        j = g;
        continue;
      }
      break;
    }
    const size_t run_bytes = (end - start) * kWord;
    if (pos + kRunHeader + run_bytes >= limit) return 0;
    StoreU32(out + pos, static_cast<uint32_t>(start * kWord));
    StoreU32(out + pos + 4, static_cast<uint32_t>(run_bytes));
    std::memcpy(out + pos + kRunHeader, page + start * kWord, run_bytes);
    pos += kRunHeader + run_bytes;
    ++count;
    i = end;
  }
  StoreU32(out, count);
  return pos;
}

}  // namespace

size_t EncodePageDiff(const uint8_t* base, const uint8_t* page, size_t bytes, size_t limit,
                      uint8_t* out) {
  if (bytes % kWord != 0 || bytes > UINT32_MAX) return 0;
  return base == nullptr ? Encode<true>(nullptr, page, bytes, limit, out)
                         : Encode<false>(base, page, bytes, limit, out);
}

Status ValidatePageDiff(std::span<const uint8_t> diff, size_t bytes, const std::string& where) {
  if (diff.size() < kMinPageDiffSize) {
    return Status::Corruption(where + ": page diff of " + std::to_string(diff.size()) +
                              " bytes is shorter than its run count");
  }
  const uint32_t count = LoadU32(diff.data());
  size_t pos = kMinPageDiffSize;
  uint64_t prev_end = 0;
  for (uint32_t r = 0; r < count; ++r) {
    if (diff.size() - pos < kRunHeader) {
      return Status::Corruption(where + ": page diff ends inside the header of run " +
                                std::to_string(r) + " of " + std::to_string(count));
    }
    const uint64_t offset = LoadU32(diff.data() + pos);
    const uint64_t length = LoadU32(diff.data() + pos + 4);
    if (length == 0 || offset < prev_end || offset + length > bytes ||
        diff.size() - pos - kRunHeader < length) {
      return Status::Corruption(where + ": page diff run " + std::to_string(r) + " (offset " +
                                std::to_string(offset) + ", " + std::to_string(length) +
                                " bytes) is empty, out of order, outside the " +
                                std::to_string(bytes) + "-byte page or past the diff's end");
    }
    prev_end = offset + length;
    pos += kRunHeader + length;
  }
  if (pos != diff.size()) {
    return Status::Corruption(where + ": page diff of " + std::to_string(diff.size()) +
                              " bytes holds " + std::to_string(pos) + " bytes of runs");
  }
  return Status::Ok();
}

void ApplyPageDiff(std::span<const uint8_t> diff, uint8_t* page) {
  const uint32_t count = LoadU32(diff.data());
  size_t pos = kMinPageDiffSize;
  for (uint32_t r = 0; r < count; ++r) {
    const uint32_t offset = LoadU32(diff.data() + pos);
    const uint32_t length = LoadU32(diff.data() + pos + 4);
    std::memcpy(page + offset, diff.data() + pos + kRunHeader, length);
    pos += kRunHeader + length;
  }
}

}  // namespace rookery::storage
