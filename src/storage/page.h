// Pages: the unit of storage, and the contract between the B+tree code and the pager.
//
// Every page is kPageSize bytes and starts with a 64-byte header (docs/formats/page.md):
//
//   offset size  owner   field
//   0      8     pager   page number (a misdirected write fails the checksum, seeded by it)
//   8      4     pager   overflow size: payload bytes of an overflow run (first page only), else 0
//   12     1     both    flags (PageFlags)
//   13     1     pager   checksum algorithm (kChecksumXxh64)
//   14     18    tree    type-specific (B+tree: slot bounds, counts)
//   32     8     pager   checksum: XXH64, seed = page number, over the page (the whole run for an
//                        overflow run) with these 8 bytes left out
//   40     24    tree    type-specific
//
// The pager owns the page number, overflow size, algorithm and checksum bytes and sets them;
// page formats built on top (B+tree nodes, overflow payloads, free-space maps) own the rest.
// All integers are little-endian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "base/result.h"
#include "base/status.h"

namespace rookery::storage {

using PageNumber = uint64_t;
inline constexpr PageNumber kInvalidPage = ~PageNumber{0};

inline constexpr size_t kPageSize = 8192;
inline constexpr size_t kPageHeaderSize = 64;

inline constexpr size_t kOffPageNumber = 0;
inline constexpr size_t kOffOverflowSize = 8;
inline constexpr size_t kOffFlags = 12;
inline constexpr size_t kOffChecksumAlgo = 13;
inline constexpr size_t kOffChecksum = 32;
// Bytes 14..31 and 40..63 belong to the page's format (see the table above).
inline constexpr size_t kOffTypeSpecificA = 14;
inline constexpr size_t kTypeSpecificASize = 18;
inline constexpr size_t kOffTypeSpecificB = 40;
inline constexpr size_t kTypeSpecificBSize = 24;

inline constexpr uint8_t kChecksumXxh64 = 1;

enum PageFlags : uint8_t {
  kPageBranch = 1 << 0,     // B+tree branch (interior) node
  kPageLeaf = 1 << 1,       // B+tree leaf node
  kPageOverflow = 1 << 2,   // first page of a run holding one large value
  kPageFreeSpace = 1 << 3,  // free-space bookkeeping
  kPageMeta = 1 << 4,       // other engine metadata
};

// Little-endian loads and stores at any alignment (x86-64 and the formats are little-endian).
inline uint16_t LoadU16(const void* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
inline uint32_t LoadU32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t LoadU64(const void* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline void StoreU16(void* p, uint16_t v) {
  std::memcpy(p, &v, 2);
}
inline void StoreU32(void* p, uint32_t v) {
  std::memcpy(p, &v, 4);
}
inline void StoreU64(void* p, uint64_t v) {
  std::memcpy(p, &v, 8);
}

inline PageNumber PageNumberOf(const uint8_t* page) {
  return LoadU64(page + kOffPageNumber);
}
inline uint8_t PageFlagsOf(const uint8_t* page) {
  return page[kOffFlags];
}
inline uint32_t OverflowSizeOf(const uint8_t* page) {
  return LoadU32(page + kOffOverflowSize);
}

// How many pages a run needs to hold `payload` bytes after the first page's header.
inline uint32_t PagesForOverflow(uint64_t payload) {
  return static_cast<uint32_t>((payload + kPageHeaderSize + kPageSize - 1) / kPageSize);
}
// The number of pages that the page at `page` spans (1 unless it starts an overflow run).
inline uint32_t PageRunLength(const uint8_t* page) {
  return (PageFlagsOf(page) & kPageOverflow) ? PagesForOverflow(OverflowSizeOf(page)) : 1;
}

// The checksum of a page or run as stored at kOffChecksum (see the header comment).
uint64_t ComputePageChecksum(const uint8_t* page, size_t run_bytes);
// Sets the algorithm byte and the checksum of a page or run.
void SealPage(uint8_t* page);
// OK if the stored checksum matches; otherwise kCorruption naming `file`, the page and both
// hashes. Also refuses a page whose stored number differs from `expected` (misdirected write).
Status VerifyPage(const uint8_t* page, PageNumber expected, const std::string& file);

// The transaction view of pages that page formats (B+trees, overflow runs) are written against.
// A read transaction implements the read half; a write transaction all of it. Pointers returned
// stay valid until the transaction ends, except that ModifyPage may return a new address for a
// page the first time it is called (copy-on-write): re-fetch after modifying.
//
// Threads: a PageAccess belongs to one transaction and is used by one thread at a time.
class PageAccess {
 public:
  virtual ~PageAccess() = default;

  // The version of page `n` this transaction sees. For the first page of an overflow run the
  // whole run is contiguous in memory. Corrupt pages are never returned (kCorruption instead).
  virtual Result<const uint8_t*> GetPage(PageNumber n) = 0;
  // A writable version of page `n` (or of the whole run it starts), private to this transaction
  // until commit. kFailedState/kInvalidArgument in a read transaction.
  virtual Result<uint8_t*> ModifyPage(PageNumber n) = 0;
  // Allocates a run of `count` contiguous pages, zeroed except the page number in the first
  // header. Returns the writable memory of the whole run; its first page number is
  // PageNumberOf(result).
  virtual Result<uint8_t*> AllocatePages(uint32_t count) = 0;
  // Frees page `n` (the whole run if it starts an overflow run). The pages become reusable once no
  // reader can see them.
  virtual Status FreePage(PageNumber n) = 0;
  virtual bool IsWriteTransaction() const = 0;
};

}  // namespace rookery::storage
