#include "storage/journal_format.h"

#include <lz4.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "base/checksum.h"
#include "platform/env.h"
#include "storage/page_diff.h"

namespace rookery::storage::journal {
namespace {

// File header field offsets.
constexpr size_t kFhMagic = 0;
constexpr size_t kFhVersion = 8;
constexpr size_t kFhBlockSize = 12;
constexpr size_t kFhNumber = 16;
constexpr size_t kFhIncarnation = 24;
constexpr size_t kFhCreated = 32;
constexpr size_t kFhFileSize = 40;
constexpr size_t kFhHash = 48;

// Entry header field offsets.
constexpr size_t kEhMarker = 0;
constexpr size_t kEhTxId = 8;
constexpr size_t kEhIncarnation = 16;
constexpr size_t kEhBatchFirst = 24;
constexpr size_t kEhNextPage = 32;
constexpr size_t kEhPageCount = 40;
constexpr size_t kEhFlags = 44;
constexpr size_t kEhBodyHash = 48;
constexpr size_t kEhStoredSize = 56;
constexpr size_t kEhUncompressed = 64;
constexpr size_t kEhTimestamp = 72;
constexpr size_t kEhHeaderSize = 80;
constexpr size_t kEhRoot = 128;
constexpr size_t kEhHash = 248;

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, v);
  return buf;
}

}  // namespace

std::string JournalFileName(uint64_t number) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%019" PRIu64 ".journal", number);
  return buf;
}

std::string JournalPath(const std::string& dir, uint64_t number) {
  return platform::JoinPath(dir, JournalFileName(number));
}

bool ParseJournalFileName(const std::string& name, uint64_t* number) {
  static constexpr std::string_view kSuffix = ".journal";
  if (name.size() != 19 + kSuffix.size()) return false;
  if (name.compare(19, kSuffix.size(), kSuffix) != 0) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < 19; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9') return false;
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *number = v;
  return true;
}

void EncodeFileHeader(const FileHeader& header, uint8_t* out) {
  std::memset(out, 0, kFileHeaderSize);
  StoreU64(out + kFhMagic, kFileMagic);
  StoreU32(out + kFhVersion, kFormatVersion);
  StoreU32(out + kFhBlockSize, static_cast<uint32_t>(kBlockSize));
  StoreU64(out + kFhNumber, header.file_number);
  StoreU64(out + kFhIncarnation, header.incarnation);
  StoreU64(out + kFhCreated, header.created_micros);
  StoreU64(out + kFhFileSize, header.file_size);
  StoreU64(out + kFhHash, Hash64(out, kFhHash, 0));
}

Status DecodeFileHeader(std::span<const uint8_t> bytes, const std::string& what, FileHeader* out) {
  if (bytes.size() < kFhHash + 8) {
    return Status::Corruption(what + ": file is " + std::to_string(bytes.size()) +
                              " bytes, too short for a journal file header");
  }
  const uint8_t* p = bytes.data();
  if (LoadU64(p + kFhMagic) != kFileMagic) {
    return Status::Corruption(what +
                              ": no journal file magic (not a journal file, or its "
                              "header was never written)");
  }
  const uint64_t stored = LoadU64(p + kFhHash);
  const uint64_t actual = Hash64(p, kFhHash, 0);
  if (stored != actual) {
    return Status::Corruption(what + ": journal file header hash mismatch: expected " +
                              Hex(stored) + ", actual " + Hex(actual));
  }
  const uint32_t version = LoadU32(p + kFhVersion);
  if (version < kOldestReadableVersion || version > kFormatVersion) {
    return Status::Corruption(what + ": unknown journal format version " + std::to_string(version) +
                              " (this build reads versions " +
                              std::to_string(kOldestReadableVersion) + " to " +
                              std::to_string(kFormatVersion) + ")");
  }
  if (LoadU32(p + kFhBlockSize) != kBlockSize) {
    return Status::Corruption(what + ": unsupported journal block size " +
                              std::to_string(LoadU32(p + kFhBlockSize)));
  }
  out->file_number = LoadU64(p + kFhNumber);
  out->incarnation = LoadU64(p + kFhIncarnation);
  out->created_micros = LoadU64(p + kFhCreated);
  out->file_size = LoadU64(p + kFhFileSize);
  out->format_version = version;
  return Status::Ok();
}

void EncodeEntryHeader(const EntryHeader& h, uint8_t* out) {
  std::memset(out, 0, kEntryHeaderSize);
  StoreU64(out + kEhMarker, kEntryMarker);
  StoreU64(out + kEhTxId, h.tx_id);
  StoreU64(out + kEhIncarnation, h.incarnation);
  StoreU64(out + kEhBatchFirst, h.batch_first_tx);
  StoreU64(out + kEhNextPage, h.next_page);
  StoreU32(out + kEhPageCount, h.page_count);
  StoreU32(out + kEhFlags, h.flags);
  StoreU64(out + kEhBodyHash, h.body_hash);
  StoreU64(out + kEhStoredSize, h.stored_size);
  StoreU64(out + kEhUncompressed, h.uncompressed_size);
  StoreU64(out + kEhTimestamp, h.timestamp_micros);
  StoreU32(out + kEhHeaderSize, static_cast<uint32_t>(kEntryHeaderSize));
  std::memcpy(out + kEhRoot, h.root, kRootRecordSize);
  StoreU64(out + kEhHash, Hash64(out, kEhHash, 0));
}

SlotHeader DecodeEntryHeader(std::span<const uint8_t> bytes) {
  SlotHeader slot;
  if (bytes.size() < 8 || LoadU64(bytes.data() + kEhMarker) != kEntryMarker) {
    slot.kind = SlotKind::kNoMarker;
    return slot;
  }
  if (bytes.size() < kEntryHeaderSize) {
    slot.kind = SlotKind::kBadHeader;  // a marker cut off by the end of the file
    return slot;
  }
  const uint8_t* p = bytes.data();
  slot.stored_hash = LoadU64(p + kEhHash);
  slot.computed_hash = Hash64(p, kEhHash, 0);
  if (slot.stored_hash != slot.computed_hash || LoadU32(p + kEhHeaderSize) != kEntryHeaderSize) {
    slot.kind = SlotKind::kBadHeader;
    return slot;
  }
  EntryHeader& h = slot.header;
  h.tx_id = LoadU64(p + kEhTxId);
  h.incarnation = LoadU64(p + kEhIncarnation);
  h.batch_first_tx = LoadU64(p + kEhBatchFirst);
  h.next_page = LoadU64(p + kEhNextPage);
  h.page_count = LoadU32(p + kEhPageCount);
  h.flags = LoadU32(p + kEhFlags);
  h.body_hash = LoadU64(p + kEhBodyHash);
  h.stored_size = LoadU64(p + kEhStoredSize);
  h.uncompressed_size = LoadU64(p + kEhUncompressed);
  h.timestamp_micros = LoadU64(p + kEhTimestamp);
  std::memcpy(h.root, p + kEhRoot, kRootRecordSize);
  slot.kind = SlotKind::kValid;
  return slot;
}

size_t MaxBodySize(const CommitRecord& record) {
  size_t size = record.pages.size() * kPageRecordSize;
  for (const JournalPage& page : record.pages) size += size_t{page.run_pages} * kPageSize;
  return size;
}

size_t EncodeBody(const CommitRecord& record, bool diffs, uint8_t* out, uint64_t* diff_pages) {
  uint8_t* table = out;
  uint8_t* payload = out + record.pages.size() * kPageRecordSize;
  for (const JournalPage& page : record.pages) {
    const size_t bytes = size_t{page.run_pages} * kPageSize;
    size_t diff = 0;
    if (diffs && page.diff_base != DiffBase::kNone && bytes <= kMaxUncompressedBody) {
      // Store the image unless the diff saves at least an eighth of it (1 KiB per page). A limit
      // of half a page left 30 % of the pages of a random-key load as images, 7/8 leaves 5 %
      // (docs/performance.md, issue 3); applying a diff costs about what copying an image does.
      const uint8_t* base = page.diff_base == DiffBase::kPrevious ? page.previous : nullptr;
      if (page.diff_base == DiffBase::kZeros || base != nullptr) {
        diff = EncodePageDiff(base, page.data, bytes, bytes - bytes / 8, payload);
      }
    }
    StoreU64(table, page.number);
    StoreU32(table + 8, page.run_pages);
    StoreU32(table + 12, static_cast<uint32_t>(diff));
    table += kPageRecordSize;
    if (diff == 0) {
      std::memcpy(payload, page.data, bytes);
      payload += bytes;
    } else {
      payload += diff;
      if (diff_pages != nullptr) ++*diff_pages;
    }
  }
  return static_cast<size_t>(payload - out);
}

Status DecodeBody(const EntryHeader& header, std::span<const uint8_t> stored,
                  const std::string& what, std::vector<uint8_t>* scratch, CommitRecord* record) {
  const std::string where = what + " (tx " + std::to_string(header.tx_id) + ")";
  if ((header.flags & ~kKnownEntryFlags) != 0) {
    return Status::Corruption(where + ": unknown entry flags " + std::to_string(header.flags));
  }
  if (stored.size() != header.stored_size) {
    return Status::Internal(where + ": body span does not match the stored size");
  }
  std::span<const uint8_t> body = stored;
  if (header.flags & kEntryCompressed) {
    // LZ4 expands at most ~255x; anything beyond is a lie we must not allocate for.
    const uint64_t bound = header.stored_size * 255 + 64;
    if (header.uncompressed_size > kMaxUncompressedBody || header.uncompressed_size > bound ||
        header.stored_size > kMaxUncompressedBody) {
      return Status::Corruption(where + ": implausible sizes, compressed " +
                                std::to_string(header.stored_size) + " -> uncompressed " +
                                std::to_string(header.uncompressed_size));
    }
    scratch->resize(header.uncompressed_size);
    const int got = LZ4_decompress_safe(
        reinterpret_cast<const char*>(stored.data()), reinterpret_cast<char*>(scratch->data()),
        static_cast<int>(header.stored_size), static_cast<int>(header.uncompressed_size));
    if (got < 0 || static_cast<uint64_t>(got) != header.uncompressed_size) {
      return Status::Corruption(where + ": LZ4 body does not decompress to the recorded " +
                                std::to_string(header.uncompressed_size) + " bytes (result " +
                                std::to_string(got) + ")");
    }
    body = std::span<const uint8_t>(scratch->data(), scratch->size());
  } else if (header.uncompressed_size != header.stored_size) {
    return Status::Corruption(where + ": raw body of " + std::to_string(header.stored_size) +
                              " bytes records uncompressed size " +
                              std::to_string(header.uncompressed_size));
  }

  const uint64_t table_bytes = uint64_t{header.page_count} * kPageRecordSize;
  if (table_bytes > body.size()) {
    return Status::Corruption(where + ": page table of " + std::to_string(header.page_count) +
                              " records exceeds the " + std::to_string(body.size()) + "-byte body");
  }
  // First pass: every length is checked before any payload is touched.
  uint64_t payload_bytes = 0;
  const uint64_t room = body.size() - table_bytes;
  const uint64_t max_pages = room / kPageSize;
  for (uint32_t i = 0; i < header.page_count; ++i) {
    const uint8_t* rec = body.data() + i * kPageRecordSize;
    const PageNumber number = LoadU64(rec);
    const uint32_t run = LoadU32(rec + 8);
    const uint32_t diff = LoadU32(rec + 12);
    if (run == 0 || (diff == 0 && run > max_pages) || number >= header.next_page ||
        header.next_page - number < run) {
      return Status::Corruption(where + ": page record " + std::to_string(i) + " (page " +
                                std::to_string(number) + ", " + std::to_string(run) +
                                " pages) is out of range (next page " +
                                std::to_string(header.next_page) + ")");
    }
    if (diff != 0 && (diff < kMinPageDiffSize || diff >= uint64_t{run} * kPageSize)) {
      return Status::Corruption(where + ": page record " + std::to_string(i) + " (page " +
                                std::to_string(number) + ") has a " + std::to_string(diff) +
                                "-byte diff, impossible for a " + std::to_string(run) +
                                "-page run");
    }
    payload_bytes += diff != 0 ? diff : uint64_t{run} * kPageSize;
    if (payload_bytes > room) break;  // reported below
  }
  if (table_bytes + payload_bytes != body.size()) {
    return Status::Corruption(where + ": page table describes " +
                              std::to_string(table_bytes + payload_bytes) +
                              " bytes but the body holds " + std::to_string(body.size()));
  }
  record->tx_id = header.tx_id;
  record->next_page = header.next_page;
  record->timestamp_micros = header.timestamp_micros;
  std::memcpy(record->root, header.root, kRootRecordSize);
  record->pages.clear();
  record->pages.reserve(header.page_count);
  const uint8_t* payload = body.data() + table_bytes;
  for (uint32_t i = 0; i < header.page_count; ++i) {
    const uint8_t* rec = body.data() + i * kPageRecordSize;
    JournalPage page;
    page.number = LoadU64(rec);
    page.run_pages = LoadU32(rec + 8);
    page.diff_bytes = LoadU32(rec + 12);
    page.data = payload;
    const size_t bytes = size_t{page.run_pages} * kPageSize;
    if (page.diff_bytes != 0) {
      ROOKERY_RETURN_IF_ERROR(ValidatePageDiff(std::span<const uint8_t>(payload, page.diff_bytes),
                                               bytes,
                                               where + ", page " + std::to_string(page.number)));
      record->pages.push_back(page);
      payload += page.diff_bytes;
      continue;
    }
    // VerifyPage trusts the page's own run length; make sure it equals the table's so that it
    // reads exactly the bytes we have.
    if (PageRunLength(payload) != page.run_pages) {
      return Status::Corruption(where + ": page " + std::to_string(page.number) + " spans " +
                                std::to_string(PageRunLength(payload)) +
                                " pages by its header but " + std::to_string(page.run_pages) +
                                " by the entry's page table");
    }
    ROOKERY_RETURN_IF_ERROR(VerifyPage(payload, page.number, where));
    record->pages.push_back(page);
    payload += bytes;
  }
  return Status::Ok();
}

}  // namespace rookery::storage::journal
