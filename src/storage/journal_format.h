// The journal's byte format (docs/formats/journal.md): file header, entry header, entry body.
//
// Pure functions over memory: encoding for the writer, decoding for recovery. Decoding is safe on
// arbitrary bytes (it never reads outside the span it is given and never trusts a length field
// before checking it), because recovery feeds it whatever a crash or a bad disk left behind.
// Safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/journal.h"

namespace rookery::storage::journal {

// Every file header and every entry starts on a multiple of this.
inline constexpr uint64_t kBlockSize = 4096;
inline constexpr uint64_t kFileHeaderSize = kBlockSize;
inline constexpr uint64_t kEntryHeaderSize = 256;
inline constexpr uint64_t kPageRecordSize = 16;
// Written into every new file; files of kOldestReadableVersion..kFormatVersion are read
// (version 1 bodies hold only full images, which version 2 reads the same way).
inline constexpr uint32_t kFormatVersion = 2;
inline constexpr uint32_t kOldestReadableVersion = 1;

// "RKJOURNL" and "RKJENTRY" read as little-endian integers.
inline constexpr uint64_t kFileMagic = 0x4c4e52554f4a4b52ull;
inline constexpr uint64_t kEntryMarker = 0x5952544e454a4b52ull;

// Entry flag bits.
inline constexpr uint32_t kEntryCompressed = 1u << 0;
inline constexpr uint32_t kKnownEntryFlags = kEntryCompressed;

// Largest body (uncompressed) an entry may have; LZ4's block limit, and a bound recovery uses
// before allocating anything a length field asks for.
inline constexpr uint64_t kMaxUncompressedBody = 0x7E000000;  // LZ4_MAX_INPUT_SIZE

inline uint64_t RoundUpToBlock(uint64_t n) {
  return (n + kBlockSize - 1) / kBlockSize * kBlockSize;
}

// "<dir>/<19-digit number>.journal"
std::string JournalFileName(uint64_t number);
std::string JournalPath(const std::string& dir, uint64_t number);
// Parses a name made by JournalFileName; false for anything else.
bool ParseJournalFileName(const std::string& name, uint64_t* number);

struct FileHeader {
  uint64_t file_number = 0;
  uint64_t incarnation = 0;
  uint64_t created_micros = 0;
  uint64_t file_size = 0;
  uint32_t format_version = kFormatVersion;  // as decoded; EncodeFileHeader writes kFormatVersion
};

// Writes the kFileHeaderSize-byte header block (zero-padded) into `out`.
void EncodeFileHeader(const FileHeader& header, uint8_t* out);
// Decodes and checks the header block: magic, version, hash. `bytes` may be shorter than a block
// (a truncated file), which is reported as corruption. `what` names the file in messages.
Status DecodeFileHeader(std::span<const uint8_t> bytes, const std::string& what, FileHeader* out);

struct EntryHeader {
  uint64_t tx_id = 0;
  uint64_t incarnation = 0;
  uint64_t batch_first_tx = 0;
  uint64_t next_page = 0;
  uint32_t page_count = 0;
  uint32_t flags = 0;
  uint64_t body_hash = 0;
  uint64_t stored_size = 0;
  uint64_t uncompressed_size = 0;
  uint64_t timestamp_micros = 0;
  uint8_t root[kRootRecordSize] = {};
  // Bytes the entry occupies in the file, header and padding included.
  uint64_t EntryLength() const { return RoundUpToBlock(kEntryHeaderSize + stored_size); }
};

// Writes the kEntryHeaderSize-byte header (hash included) into `out`.
void EncodeEntryHeader(const EntryHeader& header, uint8_t* out);

// What a slot (a 4 KiB-aligned position) holds.
enum class SlotKind {
  kNoMarker,   // no entry marker: never written (end of data)
  kBadHeader,  // marker present, header hash wrong (torn or corrupt); nothing else is known
  kValid,      // header hash right; fields below are trustworthy as written
};
struct SlotHeader {
  SlotKind kind = SlotKind::kNoMarker;
  EntryHeader header;
  uint64_t stored_hash = 0;    // the header hash field as found
  uint64_t computed_hash = 0;  // the hash of the header bytes as found
};
// Classifies the bytes at a slot; `bytes` may be shorter than kEntryHeaderSize (end of file).
SlotHeader DecodeEntryHeader(std::span<const uint8_t> bytes);

// The body in memory: page table then payloads (full images or diffs). MaxBodySize is the size
// with every page a full image, an upper bound for EncodeBody, which writes the body into `out`
// (MaxBodySize bytes available) and returns its size. With `diffs` false every page is a full
// image; otherwise a page whose diff_base allows it is stored as a diff when the diff is smaller
// than 7/8 of the page (run).
size_t MaxBodySize(const CommitRecord& record);
// `diff_pages`, when given, is increased by the number of pages stored as diffs.
size_t EncodeBody(const CommitRecord& record, bool diffs, uint8_t* out,
                  uint64_t* diff_pages = nullptr);

// Decodes a body whose stored bytes have passed the body hash: decompresses it into `scratch`
// when flagged, parses the page table and checks every length, and fills `record` (pages point
// into `scratch` or `stored`). Any inconsistency is kCorruption with `what` in the message; full
// images' checksums are verified here too (VerifyPage), after the run length recorded in the table
// is checked against the page's own header so that verification never reads past the body; a
// diff's structure is validated (ValidatePageDiff), its result is verified by the caller.
Status DecodeBody(const EntryHeader& header, std::span<const uint8_t> stored,
                  const std::string& what, std::vector<uint8_t>* scratch, CommitRecord* record);

}  // namespace rookery::storage::journal
