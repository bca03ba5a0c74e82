// The two header copies of a storage environment (header.a, header.b): the durable record of
// what the data file holds as of the last sync (storage.md §7, docs/formats/header.md).
//
// Each copy is one 512-byte block holding a packed little-endian struct and its XXH64. Updates
// bump the revision and go to the copy chosen by the revision's parity, followed by fdatasync,
// so one intact copy always exists even if the machine dies in the middle of a header write.
//
// Durability: a header written by Write() is durable when Write() returns OK. A failed write or
// sync leaves the object failed (every later Write returns kFailedState): the caller must treat
// the environment as failed, never retry into "success".
// Threads: one thread at a time (the environment's syncer serialises header writes).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/result.h"
#include "platform/env.h"
#include "storage/journal.h"
#include "storage/page.h"

namespace rookery::storage {

inline constexpr uint32_t kHeaderFormatVersion = 1;
inline constexpr size_t kHeaderBlockSize = 512;
inline constexpr size_t kHeaderStructSize = 128;

// The decoded header (what the current copy says).
struct FileHeader {
  uint64_t revision = 0;
  // Every transaction <= last_synced_tx is in the data file and the data file was fdatasync'ed
  // after it was written there.
  uint64_t last_synced_tx = 0;
  // The journal file that holds last_synced_tx (recovery starts scanning there; it and every later
  // journal must exist).
  uint64_t last_synced_journal = 0;
  // One past the highest allocated page as of last_synced_tx.
  PageNumber next_page = 0;
  // The root record as of last_synced_tx.
  uint8_t root[kRootRecordSize] = {};
  uint32_t page_size = kPageSize;
};

// Encodes `h` into a 512-byte block (format version, magic and hash filled in).
void EncodeHeader(const FileHeader& h, uint8_t* block);
enum class HeaderDecode { kValid, kNoMagic, kBadHash, kUnknownVersion };
// Decodes one copy; `out` is set only for kValid. `version` receives the stored format version
// when the magic is present.
HeaderDecode DecodeHeader(const uint8_t* block, size_t size, FileHeader* out, uint32_t* version);

class HeaderFiles {
 public:
  // What Open found.
  enum class Found {
    kNone,      // neither copy carries the magic: a new (or never finished) environment
    kExisting,  // at least one valid copy; current() is the newest
  };

  // Reads header.a and header.b in `dir` (creating empty files if missing). Neither valid but one
  // with the magic -> kCorruption; an unknown format version -> kNotSupported naming it; one bad
  // copy -> rewritten from the good one (and synced) before returning.
  static Result<std::unique_ptr<HeaderFiles>> Open(platform::Env& env, const std::string& dir,
                                                   Found* found);

  // The newest durable header (revision 0 when none was ever written).
  const FileHeader& current() const { return current_; }

  // Writes `h` with revision current().revision + 1 to the copy of that parity and syncs it.
  Status Write(const FileHeader& h);

 private:
  HeaderFiles() = default;
  std::string path_[2];
  std::unique_ptr<platform::File> file_[2];
  FileHeader current_;
  Status failed_;
};

}  // namespace rookery::storage
