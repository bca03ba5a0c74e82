// The write-ahead journal: the only thing on the commit path (storage.md §1, §5).
//
// A journal is a sequence of files journal/<19-digit number>.journal in an environment directory.
// Each committed transaction is one entry: a header (transaction id, page count, sizes, XXH64 of
// the body seeded by the transaction id, the file's incarnation) and a body of full page images
// or diffs against each page's previous content (page_diff.h), LZ4-compressed when it pays. Every
// entry starts on a 4 KiB boundary. Files are preallocated, written once when created, and written
// with O_DIRECT|O_DSYNC where the file system allows it (detected at open, falling back to O_DSYNC,
// then write + fdatasync; a fallback is logged once as a warning). Byte layout and recovery rules:
// docs/formats/journal.md.
//
// Durability: WriteEntries returns OK only when every byte of the entries is durable, and a file
// name is durable (directory synced) before any entry in it is acknowledged.
// Threads: a JournalWriter is used by one thread at a time (the pager's commit path serialises).
// Internally it may prepare the next file on a helper thread
// (JournalOptions::prepare_next_journal); destroying the writer waits for that thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/status.h"
#include "platform/env.h"
#include "storage/page.h"

namespace rookery::storage {

inline constexpr size_t kRootRecordSize = 64;

// What a page's journal diff is taken against (docs/formats/journal.md, "Which base").
enum class DiffBase : uint8_t {
  kNone,      // always a full image (e.g. a page reused from the free set: stale old bytes)
  kZeros,     // a page allocated at the end of the file in this transaction
  kPrevious,  // `previous`: the page's committed content this transaction started from
};

// One page (or overflow run) as committed. Writer side: `data` points at run_pages * kPageSize
// bytes, already sealed (SealPage) by the pager, and diff_base/previous say what the writer may
// store a diff against (it stores a full image when the diff would not be much smaller).
// Recovery side: `data` is the full image when diff_bytes is 0, else the diff payload of
// diff_bytes bytes (validated; apply it with ApplyPageDiff to the page's current bytes).
struct JournalPage {
  PageNumber number = 0;
  uint32_t run_pages = 1;
  const uint8_t* data = nullptr;
  DiffBase diff_base = DiffBase::kNone;
  const uint8_t* previous = nullptr;  // kPrevious: run_pages * kPageSize bytes
  uint32_t diff_bytes = 0;
};

// What one transaction contributes to the journal.
struct CommitRecord {
  uint64_t tx_id = 0;
  // One past the highest page number allocated as of this transaction (the data file's logical
  // size in pages).
  PageNumber next_page = 0;
  // Opaque engine state replaced atomically by the transaction (the pager stores the catalog
  // tree's state and the free-list head here).
  uint8_t root[kRootRecordSize] = {};
  uint64_t timestamp_micros = 0;
  std::vector<JournalPage> pages;
};

struct JournalOptions {
  // A journal file is rotated when the next entry would not fit; a single entry larger than this
  // gets a file of its own size.
  uint64_t max_file_size = uint64_t{256} << 20;
  // Size of the first file; each new file doubles the previous size up to max_file_size.
  uint64_t initial_file_size = uint64_t{64} << 10;
  // Bodies larger than this are LZ4-compressed (kept raw if compression does not shrink them).
  uint64_t compress_above_bytes = uint64_t{512} << 10;
  // Store a page as a diff against its previous content where the record allows it and the diff
  // is under 7/8 of the page (off: full images only, the version-1 body).
  bool page_diffs = true;
  // Try O_DIRECT|O_DSYNC first (falls back automatically when refused).
  bool use_direct_io = true;
  // Create, fill and sync the next journal file on a helper thread as soon as a file becomes
  // current, so that a rotation on the commit path only switches files (storage.md §1). Off:
  // the file is prepared inside the WriteEntries call that needs it (deterministic I/O order,
  // for tests that count or fail I/O calls).
  bool prepare_next_journal = true;
};

// What a writer has written since it was opened (for reports and benchmarks).
struct JournalStats {
  uint64_t entry_bytes = 0;  // entries as written: headers, bodies and padding
  uint64_t image_bytes = 0;  // what the entries' pages take as full images
  uint64_t pages = 0;
  uint64_t diff_pages = 0;  // of those, stored as diffs
};

// How the journal makes a write durable on this file system (reported at open).
enum class JournalWriteMode { kDirectDsync, kDsync, kWriteFdatasync };
// "O_DIRECT|O_DSYNC", "O_DSYNC", "write+fdatasync".
std::string_view JournalWriteModeName(JournalWriteMode mode);

class JournalWriter {
 public:
  virtual ~JournalWriter() = default;

  // Appends the entries, in order, as one write where they fit in the current file (group
  // commit), rotating to a new file first when they do not (a batch larger than max_file_size
  // is split over several files, one write each). Entries' tx_id must continue the sequence
  // without a gap: a record out of sequence (or with a null page) is kInvalidArgument, nothing is
  // written and the writer stays usable. On any I/O error the error is returned with its code
  // (kNoSpace, kIOError, ...), nothing is acknowledged and the writer is failed: every later call
  // returns kFailedState naming the original error. Entries of a failed call may or may not be
  // found by recovery (each whole or not at all).
  virtual Status WriteEntries(std::span<const CommitRecord* const> entries) = 0;

  // The number of the file the next entry goes to, and the last transaction id written to each
  // live journal file (for the release rule: a file may be deleted only when the durable header's
  // last synced transaction is >= the last transaction in it). For files that existed before this
  // writer was opened the answer is next_tx_id - 1 (a safe upper bound); for a file without
  // entries, or a number the writer does not know, 0.
  virtual uint64_t current_journal() const = 0;
  virtual uint64_t LastTxInJournal(uint64_t journal_number) const = 0;
  // Deletes journal files numbered below `journal_number` (never the current one) and syncs
  // the directory. The files known are those present at open plus those created since.
  virtual Status ReleaseJournalsBefore(uint64_t journal_number) = 0;

  virtual JournalWriteMode write_mode() const = 0;
  virtual JournalStats stats() const = 0;
  // Total allocated size of the live journal files.
  virtual uint64_t bytes_on_disk() const = 0;
};

// Opens the journal directory for appending after recovery. `next_journal` is the number of the
// file to write next (recovery's result), `next_tx_id` the id the next entry must carry.
// Creates the directory if missing (and syncs its parent), then creates, preallocates, fills,
// syncs and directory-syncs journal `next_journal` (which must not exist: the writer never
// appends to a file written before, which is what makes a truncated torn tail harmless), probing
// O_DIRECT on the way. Existing journal files numbered >= next_journal are kInvalidArgument.
Result<std::unique_ptr<JournalWriter>> OpenJournalWriter(platform::Env& env, const std::string& dir,
                                                         const JournalOptions& options,
                                                         uint64_t next_journal,
                                                         uint64_t next_tx_id);

// A decoded entry handed to recovery. `pages` point into a buffer valid during the callback;
// they are not aligned to any boundary. A page with diff_bytes > 0 is a diff: the caller applies
// the entries' diffs in order to the page's bytes as of the last synced transaction and verifies
// the page's checksum only after the last one (docs/formats/journal.md, "Replaying diffs").
struct RecoveredEntry {
  uint64_t journal_number = 0;
  CommitRecord record;
};

struct RecoveryResult {
  uint64_t last_tx_id = 0;    // last transaction replayed (or last_synced_tx if none)
  uint64_t next_journal = 0;  // the file number the writer should continue with
  uint64_t entries_replayed = 0;
  // A damaged entry ended the log with nothing valid after it (a write that never completed and
  // so was never acknowledged). The bytes stay where they are; see RecoverJournals.
  bool torn_tail_truncated = false;
  uint64_t torn_tail_journal = 0;
  uint64_t torn_tail_offset = 0;
  // Every journal file number in the directory (also those below first_journal), ascending.
  std::vector<uint64_t> journals_found;
};

// Scans journal files from `first_journal` on (storage.md §8): skips transactions with
// id <= last_synced_tx; requires the first replayed id to be last_synced_tx + 1 and every later
// one to follow without a gap; verifies each entry's hash, every full image's checksum and every
// diff's structure before handing it to `apply`; truncates a torn tail (bad entry with nothing
// valid after it) and reports it; returns kCorruption, naming files and ids, for mid-log
// corruption, a gap, or a missing journal file between first_journal and the newest one. Deletes
// nothing and writes nothing; it syncs each file before handing over the first entry replayed
// from it, so that whatever `apply` puts into the data file stays in the journal too.
//
// Torn tails are "truncated" logically: next_journal is always one past the newest file present,
// so the writer continues in a fresh file and the next recovery recognises the rewritten
// transaction (same id, first entry of a later file) as the continuation. Files after a torn tail
// (holding no valid entry) are ignored and released later like any other. If no journal file
// numbered >= first_journal exists, the result is OK with nothing replayed when
// last_synced_tx == 0 (a new environment) and kCorruption (missing journal) otherwise.
// An error returned by `apply` stops the scan and is returned as is.
Status RecoverJournals(platform::Env& env, const std::string& dir, uint64_t first_journal,
                       uint64_t last_synced_tx,
                       const std::function<Status(const RecoveredEntry&)>& apply,
                       RecoveryResult* result);

}  // namespace rookery::storage
