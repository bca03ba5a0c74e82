// Journal recovery (journal.h, storage.md §8, docs/formats/journal.md "Recovery").
//
// The scan walks slots (4 KiB positions) from the first needed journal on. Every place where the
// log seems to stop (no marker, stale incarnation, bad header or body, an entry cut off by the end
// of the file, an older id) is examined the same way: look ahead for the first valid entry that
// was not part of the same (unacknowledged) group write, and decide from it:
//   * none: end of the log; a marker-bearing bad slot there is a torn tail;
//   * it carries the expected id and opens a later file: the log continues there (a normal file
//     change, or a writer that continued after a torn tail was truncated);
//   * it and everything before it is already in the synced data file: harmless, continue;
//   * anything else: transactions are missing or corrupt in the middle of the log: hard error.
#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "base/checksum.h"
#include "base/logging.h"
#include "storage/journal.h"
#include "storage/journal_format.h"

namespace rookery::storage {
namespace {

using journal::kBlockSize;
using journal::kEntryHeaderSize;
using journal::kFileHeaderSize;

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%016" PRIx64, v);
  return buf;
}

struct JFile {
  uint64_t number = 0;
  std::string path;
  std::unique_ptr<platform::File> file;
  uint64_t size = 0;
  bool header_ok = false;
  journal::FileHeader header;
  std::string header_problem;
  bool synced = false;  // made durable before its first entry was handed over
};

enum class SlotState {
  kNoMarker,   // nothing written
  kStale,      // a valid header from another incarnation of the file
  kBadHeader,  // marker, but the header hash fails
  kBadLength,  // valid header, but the entry extends past the end of the file
  kBadBody,    // valid header, body hash fails
  kValid,
};

struct Slot {
  SlotState state = SlotState::kNoMarker;
  journal::EntryHeader header;  // trustworthy unless kNoMarker / kBadHeader
  uint64_t expected_hash = 0;
  uint64_t actual_hash = 0;
  bool HeaderValid() const {
    return state == SlotState::kBadLength || state == SlotState::kBadBody ||
           state == SlotState::kValid || state == SlotState::kStale;
  }
};

struct Position {
  size_t file_index = 0;
  uint64_t offset = 0;
};

class Recovery {
 public:
  Recovery(platform::Env& env, const std::string& dir, uint64_t first_journal,
           uint64_t last_synced_tx, const std::function<Status(const RecoveredEntry&)>& apply,
           RecoveryResult* result)
      : env_(env),
        dir_(dir),
        first_journal_(first_journal),
        last_synced_(last_synced_tx),
        apply_(apply),
        result_(result) {}

  Status Run();

 private:
  Status ListAndOpenFiles();
  // Reads and classifies the slot at `offset` of file `fi`; for a valid header within the file
  // the body is read into body_ and its hash checked.
  Result<Slot> ReadSlot(size_t fi, uint64_t offset);
  // The first fully valid entry at or after `from` whose group write started after tx `e`
  // (entries of the group that contained the bad slot were never acknowledged).
  Status FindUnexplained(Position bad, uint64_t e, bool* found, Position* at, Slot* slot);
  Status Replay(size_t fi, uint64_t offset, const Slot& slot);
  // A file whose header does not verify may only be a file whose creation never completed: it
  // must not hold a valid entry that the data file still needs.
  Status CheckUnreadableFile(size_t fi);
  std::string Where(size_t fi, uint64_t offset) const {
    return files_[fi].path + " at offset " + std::to_string(offset);
  }
  std::string DescribeBadSlot(const Slot& s) const;
  std::string BadHeaderNote() const;

  platform::Env& env_;
  const std::string& dir_;
  const uint64_t first_journal_;
  const uint64_t last_synced_;
  const std::function<Status(const RecoveredEntry&)>& apply_;
  RecoveryResult* result_;

  std::vector<JFile> files_;
  std::vector<uint8_t> body_;
  std::vector<uint8_t> scratch_;
  static constexpr size_t kWindowSize = size_t{1} << 20;
  std::vector<uint8_t> window_;
  size_t window_file_ = SIZE_MAX;
  uint64_t window_start_ = 0;
  bool replaying_ = false;  // an entry with id > last_synced_ has been replayed
  uint64_t prev_ = 0;       // last replayed id
  bool seen_any_ = false;   // any valid entry seen (replayed or skipped)
  uint64_t last_seen_ = 0;
  size_t last_seen_file_ = 0;
};

Status Recovery::ListAndOpenFiles() {
  std::vector<std::string> names;
  auto listed = env_.ListDir(dir_);
  if (listed.ok()) {
    names = std::move(listed).value();
  } else if (!listed.status().IsNotFound()) {
    return listed.status();
  }
  std::vector<uint64_t> needed;
  for (const std::string& name : names) {
    uint64_t number = 0;
    if (!journal::ParseJournalFileName(name, &number)) continue;
    result_->journals_found.push_back(number);
    if (number >= first_journal_) needed.push_back(number);
  }
  if (needed.empty()) {
    if (last_synced_ != 0) {
      return Status::Corruption(
          "journal file " + journal::JournalPath(dir_, first_journal_) +
          " is missing: the data file is synced only to tx " + std::to_string(last_synced_) +
          " and later transactions must come from journal " + std::to_string(first_journal_) +
          " on. Restore the journal directory from a backup");
    }
    return Status::Ok();
  }
  for (uint64_t expect = first_journal_, i = 0; i < needed.size(); ++expect, ++i) {
    if (needed[i] != expect) {
      return Status::Corruption("journal file " + journal::JournalPath(dir_, expect) +
                                " is missing: journals " + std::to_string(first_journal_) + " to " +
                                std::to_string(needed.back()) + " are needed to recover past tx " +
                                std::to_string(last_synced_) +
                                ". Restore it from a backup; do not delete journal files by hand");
    }
  }
  for (uint64_t number : needed) {
    JFile f;
    f.number = number;
    f.path = journal::JournalPath(dir_, number);
    ROOKERY_ASSIGN_OR_RETURN(f.file, env_.OpenFile(f.path, platform::FileOptions{}));
    ROOKERY_ASSIGN_OR_RETURN(f.size, f.file->Size());
    std::vector<uint8_t> block(kFileHeaderSize);
    ROOKERY_ASSIGN_OR_RETURN(size_t got, f.file->ReadAt(0, block.data(), block.size()));
    Status s =
        journal::DecodeFileHeader(std::span<const uint8_t>(block.data(), got), f.path, &f.header);
    if (s.ok() && f.header.file_number != number) {
      s = Status::Corruption(f.path + ": header says journal " +
                             std::to_string(f.header.file_number));
    }
    if (s.ok()) {
      f.header_ok = true;
    } else {
      // A file whose header never became durable holds no acknowledged entries; one whose
      // header rotted shows up as a gap in the ids below, reported with this note.
      f.header_problem = std::string(s.message());
      log::Warn("journal recovery: {}; its entries cannot be read", s.message());
    }
    files_.push_back(std::move(f));
  }
  return Status::Ok();
}

Result<Slot> Recovery::ReadSlot(size_t fi, uint64_t offset) {
  JFile& f = files_[fi];
  Slot slot;
  // Slot headers are read through a window of kWindowSize bytes: scanning the unused tail of a
  // preallocated file then costs one read per window instead of one per 4 KiB slot.
  if (fi != window_file_ || offset < window_start_ ||
      offset + kEntryHeaderSize > window_start_ + window_.size()) {
    window_.resize(kWindowSize);
    window_file_ = fi;
    window_start_ = offset;
    ROOKERY_ASSIGN_OR_RETURN(size_t got, f.file->ReadAt(offset, window_.data(), window_.size()));
    window_.resize(got);
  }
  const uint64_t in_window = offset - window_start_;
  const size_t got = static_cast<size_t>(std::min<uint64_t>(
      kEntryHeaderSize, window_.size() - std::min<uint64_t>(in_window, window_.size())));
  const journal::SlotHeader sh =
      journal::DecodeEntryHeader(std::span<const uint8_t>(window_.data() + in_window, got));
  if (sh.kind == journal::SlotKind::kNoMarker) return slot;
  if (sh.kind == journal::SlotKind::kBadHeader) {
    slot.state = SlotState::kBadHeader;
    slot.expected_hash = sh.stored_hash;
    slot.actual_hash = sh.computed_hash;
    return slot;
  }
  slot.header = sh.header;
  // In a file whose header is unreadable the incarnation is unknown; entries are then judged by
  // their own hashes (version 1 never recycles files, so a valid entry there is a real one).
  if (f.header_ok && sh.header.incarnation != f.header.incarnation) {
    slot.state = SlotState::kStale;
    return slot;
  }
  // got == kEntryHeaderSize here, so offset + kEntryHeaderSize <= f.size.
  const uint64_t room = f.size - offset - kEntryHeaderSize;
  if (sh.header.stored_size > room) {
    slot.state = SlotState::kBadLength;
    return slot;
  }
  body_.resize(sh.header.stored_size);
  ROOKERY_ASSIGN_OR_RETURN(size_t body_got,
                           f.file->ReadAt(offset + kEntryHeaderSize, body_.data(), body_.size()));
  if (body_got != body_.size()) {
    slot.state = SlotState::kBadLength;
    return slot;
  }
  slot.expected_hash = sh.header.body_hash;
  slot.actual_hash = Hash64(body_.data(), body_.size(), sh.header.tx_id);
  slot.state = slot.expected_hash == slot.actual_hash ? SlotState::kValid : SlotState::kBadBody;
  return slot;
}

Status Recovery::FindUnexplained(Position bad, uint64_t e, bool* found, Position* at, Slot* slot) {
  *found = false;
  size_t fi = bad.file_index;
  uint64_t offset = bad.offset + kBlockSize;
  while (fi < files_.size()) {
    const JFile& f = files_[fi];
    if (offset >= f.size) {
      ++fi;
      offset = kFileHeaderSize;
      continue;
    }
    ROOKERY_ASSIGN_OR_RETURN(Slot s, ReadSlot(fi, offset));
    if (s.state != SlotState::kValid) {
      offset += kBlockSize;
      continue;
    }
    // A group write never spans files; its entries after a torn one were never acknowledged.
    if (fi == bad.file_index && s.header.batch_first_tx <= e) {
      offset += s.header.EntryLength();
      continue;
    }
    *found = true;
    *at = Position{fi, offset};
    *slot = s;
    return Status::Ok();
  }
  return Status::Ok();
}

std::string Recovery::DescribeBadSlot(const Slot& s) const {
  switch (s.state) {
    case SlotState::kNoMarker:
      return "holds no entry marker";
    case SlotState::kStale:
      return "holds an entry of another file incarnation (" + Hex(s.header.incarnation) + ")";
    case SlotState::kBadHeader:
      return "has an entry header hash mismatch: expected " + Hex(s.expected_hash) + ", actual " +
             Hex(s.actual_hash);
    case SlotState::kBadLength:
      return "holds tx " + std::to_string(s.header.tx_id) + " whose " +
             std::to_string(s.header.stored_size) + "-byte body extends past the end of the file";
    case SlotState::kBadBody:
      return "holds tx " + std::to_string(s.header.tx_id) +
             " with a body hash mismatch: expected " + Hex(s.expected_hash) + ", actual " +
             Hex(s.actual_hash);
    case SlotState::kValid:
      return "holds tx " + std::to_string(s.header.tx_id) + " out of sequence";
  }
  return "";
}

std::string Recovery::BadHeaderNote() const {
  std::string note;
  for (const JFile& f : files_) {
    if (!f.header_ok) note += " (note: " + f.header_problem + ")";
  }
  return note;
}

Status Recovery::Replay(size_t fi, uint64_t offset, const Slot& slot) {
  RecoveredEntry entry;
  entry.journal_number = files_[fi].number;
  const std::string what = Where(fi, offset);
  Status s = journal::DecodeBody(slot.header, std::span<const uint8_t>(body_.data(), body_.size()),
                                 what, &scratch_, &entry.record);
  if (!s.ok()) {
    return Status(s.code(), std::string(s.message()) +
                                ". The entry's hash is valid, so it was written this way; "
                                "restore from a backup");
  }
  // What the caller applies to the data file must stay findable by any later recovery: an entry
  // of a failed write may sit in the page cache only, and once its pages are in the data file a
  // power loss must not take the entry away (diff replay relies on it; journal.md). Syncing a
  // file changes no byte of it.
  if (!files_[fi].synced) {
    ROOKERY_RETURN_IF_ERROR(files_[fi].file->Sync().WithContext("make journal " + files_[fi].path +
                                                                " durable before replaying it"));
    files_[fi].synced = true;
  }
  ROOKERY_RETURN_IF_ERROR(apply_(entry));
  ++result_->entries_replayed;
  return Status::Ok();
}

Status Recovery::CheckUnreadableFile(size_t fi) {
  const JFile& f = files_[fi];
  for (uint64_t offset = kFileHeaderSize; offset < f.size; offset += kBlockSize) {
    ROOKERY_ASSIGN_OR_RETURN(Slot s, ReadSlot(fi, offset));
    if (s.state == SlotState::kValid && s.header.tx_id > last_synced_) {
      return Status::Corruption("journal " + f.path + " cannot be read (" + f.header_problem +
                                ") but holds tx " + std::to_string(s.header.tx_id) + " at offset " +
                                std::to_string(offset) + ", which the data file (synced to tx " +
                                std::to_string(last_synced_) +
                                ") still needs. Restore the journal from a backup");
    }
  }
  return Status::Ok();
}

Status Recovery::Run() {
  ROOKERY_RETURN_IF_ERROR(ListAndOpenFiles());
  size_t fi = 0;
  uint64_t offset = kFileHeaderSize;
  while (fi < files_.size()) {
    const JFile& f = files_[fi];
    if (offset >= f.size) {
      ++fi;
      offset = kFileHeaderSize;
      continue;
    }
    if (!f.header_ok) {
      ROOKERY_RETURN_IF_ERROR(CheckUnreadableFile(fi));
      ++fi;
      offset = kFileHeaderSize;
      continue;
    }
    ROOKERY_ASSIGN_OR_RETURN(Slot slot, ReadSlot(fi, offset));
    const uint64_t need = replaying_ ? prev_ + 1 : last_synced_ + 1;
    bool e_known = seen_any_;
    uint64_t e = seen_any_ ? last_seen_ + 1 : last_synced_ + 1;
    if (slot.HeaderValid() && slot.state != SlotState::kStale) {
      const uint64_t id = slot.header.tx_id;
      if (id > last_synced_ && id > need) {
        if (!replaying_) {
          return Status::Corruption("journal " + f.path + " starts at tx " + std::to_string(id) +
                                    " but the data file is synced only to " +
                                    std::to_string(last_synced_) + "; transactions " +
                                    std::to_string(last_synced_ + 1) + ".." +
                                    std::to_string(id - 1) + " are missing" + BadHeaderNote());
        }
        return Status::Corruption(
            "journal " + f.path + " holds tx " + std::to_string(id) + " at offset " +
            std::to_string(offset) + " after tx " + std::to_string(prev_) + " in journal " +
            files_[last_seen_file_].path + "; transactions " + std::to_string(need) + ".." +
            std::to_string(id - 1) + " are missing" + BadHeaderNote());
      }
      if (id > last_synced_ && id < need && offset == kFileHeaderSize) {
        return Status::Corruption(
            "journal " + f.path + " begins with tx " + std::to_string(id) + ", but tx " +
            std::to_string(prev_) + " was already replayed from journal " +
            files_[last_seen_file_].path + ": transaction ids repeat across journal files");
      }
      const bool in_sequence = id <= last_synced_ || id == need;
      if (in_sequence && slot.state == SlotState::kValid) {
        if (id > last_synced_) {
          ROOKERY_RETURN_IF_ERROR(Replay(fi, offset, slot));
          replaying_ = true;
          prev_ = id;
        }
        seen_any_ = true;
        last_seen_ = id;
        last_seen_file_ = fi;
        offset += slot.header.EntryLength();
        continue;
      }
      if (in_sequence) {  // the entry meant to be here is damaged
        e = id;
        e_known = true;
      }
    }
    // The log seems to stop here: decide what follows.
    bool found = false;
    Position w;
    Slot ws;
    ROOKERY_RETURN_IF_ERROR(FindUnexplained(Position{fi, offset}, e, &found, &w, &ws));
    const bool marked = slot.state == SlotState::kBadHeader ||
                        slot.state == SlotState::kBadLength || slot.state == SlotState::kBadBody;
    if (!found) {
      if (marked) {
        result_->torn_tail_truncated = true;
        result_->torn_tail_journal = f.number;
        result_->torn_tail_offset = offset;
        log::Warn(
            "journal recovery: torn tail in {} (the last write never completed, so it was "
            "never acknowledged): slot {}; the log ends at tx {}",
            Where(fi, offset), DescribeBadSlot(slot), replaying_ ? prev_ : last_synced_);
      }
      break;
    }
    const uint64_t wid = ws.header.tx_id;
    const bool continues = e_known && wid == e && w.file_index > fi && w.offset == kFileHeaderSize;
    const bool harmless = wid <= last_synced_ + 1 && (!e_known || e <= last_synced_);
    if (continues || harmless) {
      if (marked && w.file_index > fi) {
        log::Warn(
            "journal recovery: {} {}; tx {} was written again in {} after an earlier "
            "recovery, continuing there",
            Where(fi, offset), DescribeBadSlot(slot), wid, files_[w.file_index].path);
      } else if (marked || (w.file_index == fi)) {
        log::Warn(
            "journal recovery: {} {}; only already-synced transactions precede tx {}, "
            "continuing",
            Where(fi, offset), DescribeBadSlot(slot), wid);
      }
      fi = w.file_index;
      offset = w.offset;
      continue;
    }
    if (!marked && w.file_index > fi && w.offset == kFileHeaderSize) {
      // A clean end of one file, and the next one does not continue the sequence.
      const std::string end_note =
          "the log in journal " + Where(fi, offset) + " stops: the slot " + DescribeBadSlot(slot);
      if (!replaying_ && wid > last_synced_ + 1) {
        return Status::Corruption(
            "journal " + files_[w.file_index].path + " starts at tx " + std::to_string(wid) +
            " but the data file is synced only to " + std::to_string(last_synced_) +
            "; transactions " + std::to_string(last_synced_ + 1) + ".." + std::to_string(wid - 1) +
            " are missing (" + end_note + ")" + BadHeaderNote());
      }
      return Status::Corruption("journal " + f.path + " ends after tx " + std::to_string(e - 1) +
                                " but journal " + files_[w.file_index].path + " begins with tx " +
                                std::to_string(wid) +
                                (wid > e ? "; transactions " + std::to_string(e) + ".." +
                                               std::to_string(wid - 1) + " are missing"
                                         : ": transaction ids repeat") +
                                " (" + end_note + ")" + BadHeaderNote());
    }
    return Status::Corruption(
        "mid-log corruption in journal " + Where(fi, offset) + ": the slot expected to hold tx " +
        std::to_string(e) + " " + DescribeBadSlot(slot) + ", yet a valid later entry (tx " +
        std::to_string(wid) + " in " + Where(w.file_index, w.offset) +
        ") follows, so acknowledged transactions would be lost. Recovery stops; restore from a "
        "backup or salvage explicitly" +
        BadHeaderNote());
  }

  result_->last_tx_id = replaying_ ? prev_ : last_synced_;
  result_->next_journal = files_.empty() ? first_journal_ : files_.back().number + 1;
  if (result_->entries_replayed > 0) {
    log::Info("journal recovery: replayed {} transactions ({}..{}) from {}",
              result_->entries_replayed, last_synced_ + 1, prev_, dir_);
  }
  return Status::Ok();
}

}  // namespace

Status RecoverJournals(platform::Env& env, const std::string& dir, uint64_t first_journal,
                       uint64_t last_synced_tx,
                       const std::function<Status(const RecoveredEntry&)>& apply,
                       RecoveryResult* result) {
  *result = RecoveryResult{};
  Recovery recovery(env, dir, first_journal, last_synced_tx, apply, result);
  return recovery.Run();
}

}  // namespace rookery::storage
