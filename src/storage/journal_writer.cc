// The journal writer (journal.h): encodes commit records, places them in preallocated journal
// files and makes each group durable with one write.
#include <lz4.h>

#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <future>
#include <map>

#include "base/checksum.h"
#include "base/logging.h"
#include "storage/journal.h"
#include "storage/journal_buffer.h"
#include "storage/journal_format.h"

namespace rookery::storage {
namespace {

using journal::AlignedBuffer;
using journal::kBlockSize;
using journal::kEntryHeaderSize;
using journal::kFileHeaderSize;
using journal::RoundUpToBlock;

// Zero-fill chunk when a new file is written once at creation.
constexpr size_t kFillChunk = size_t{1} << 20;

struct EncodedEntry {
  size_t offset = 0;  // in buffer_
  size_t length = 0;  // 4 KiB multiple
  journal::EntryHeader header;
};

class JournalWriterImpl final : public JournalWriter {
 public:
  JournalWriterImpl(platform::Env& env, std::string dir, const JournalOptions& options,
                    uint64_t next_journal, uint64_t next_tx_id)
      : env_(env),
        dir_(std::move(dir)),
        options_(options),
        next_number_(next_journal),
        next_tx_id_(next_tx_id) {}

  ~JournalWriterImpl() override {
    if (pending_.valid()) pending_.wait();
  }

  Status Open();

  Status WriteEntries(std::span<const CommitRecord* const> entries) override;
  uint64_t current_journal() const override { return current_number_; }
  uint64_t LastTxInJournal(uint64_t journal_number) const override {
    auto it = files_.find(journal_number);
    return it == files_.end() ? 0 : it->second.last_tx;
  }
  Status ReleaseJournalsBefore(uint64_t journal_number) override;
  JournalWriteMode write_mode() const override { return mode_; }
  JournalStats stats() const override { return stats_; }
  uint64_t bytes_on_disk() const override {
    uint64_t total = 0;
    for (const auto& [number, info] : files_) total += info.size;
    return total;
  }

 private:
  struct LiveFile {
    uint64_t size = 0;
    uint64_t last_tx = 0;
  };

  Status CheckArguments(std::span<const CommitRecord* const> entries) const;
  Status Encode(const CommitRecord& record, size_t offset, EncodedEntry* out);
  bool SampleCompresses(const uint8_t* body, size_t size);
  // Writes entries [begin, end) of encoded_ (contiguous in buffer_) at the current offset.
  Status WriteGroup(size_t begin, size_t end);
  // A journal file created, preallocated, written once, synced and directory-synced, ready to
  // receive entries. Prepared on the commit thread or ahead of need on a helper thread.
  struct PreparedFile {
    uint64_t number = 0;
    uint64_t size = 0;
    journal::FileHeader header;
    std::unique_ptr<platform::File> file;
  };
  // Builds journal `number` of `size` bytes (using `file` if the name is already open). Touches
  // no member except the constants env_, dir_ and mode_, so it may run on the helper thread.
  Result<PreparedFile> PrepareFile(uint64_t number, uint64_t size,
                                   std::unique_ptr<platform::File> file);
  // Makes the next file current: the one prepared ahead (grown to `min_size` if needed) or a
  // new one, then starts preparing the one after it.
  Status Rotate(uint64_t size);
  Status Install(PreparedFile prepared);
  Status OpenNewFile(const std::string& path, std::unique_ptr<platform::File>* file) const;
  uint64_t PlannedSize() const;
  Status Fail(Status status);

  platform::Env& env_;
  const std::string dir_;
  const JournalOptions options_;
  JournalWriteMode mode_ = JournalWriteMode::kDirectDsync;

  std::unique_ptr<platform::File> file_;
  uint64_t next_number_;  // number of the next file to create
  uint64_t current_number_ = 0;
  uint64_t current_size_ = 0;
  uint64_t current_incarnation_ = 0;
  uint64_t write_offset_ = 0;
  uint64_t last_created_size_ = 0;
  uint64_t next_tx_id_;
  std::map<uint64_t, LiveFile> files_;
  Status failed_;

  // The next file, being prepared ahead of need (options_.prepare_next_journal).
  std::future<Result<PreparedFile>> pending_;

  AlignedBuffer buffer_;
  std::vector<uint8_t> raw_scratch_;
  std::vector<uint8_t> sample_scratch_;  // SampleCompresses
  std::vector<EncodedEntry> encoded_;
  JournalStats stats_;
  JournalStats pending_stats_;  // of the call in progress; added once it is written
};

Status JournalWriterImpl::Fail(Status status) {
  failed_ = status;
  // A failed writer does no more I/O: let a preparation in flight finish, and drop it.
  if (pending_.valid()) (void)pending_.get();
  log::Error("journal {}: writer failed, no further commits until reopened: {}", dir_,
             status.ToString());
  return status;
}

uint64_t JournalWriterImpl::PlannedSize() const {
  uint64_t size = last_created_size_ == 0
                      ? options_.initial_file_size
                      : std::min(last_created_size_ * 2, options_.max_file_size);
  return std::max(RoundUpToBlock(size), kFileHeaderSize + kBlockSize);
}

Status JournalWriterImpl::OpenNewFile(const std::string& path,
                                      std::unique_ptr<platform::File>* file) const {
  platform::FileOptions opts;
  opts.write = opts.create = opts.exclusive = true;
  opts.data_sync = mode_ != JournalWriteMode::kWriteFdatasync;
  opts.direct_io = mode_ == JournalWriteMode::kDirectDsync;
  auto opened = env_.OpenFile(path, opts);
  if (opened.ok()) {
    *file = std::move(opened).value();
    return Status::Ok();
  }
  return opened.status();
}

Status JournalWriterImpl::Open() {
  ROOKERY_ASSIGN_OR_RETURN(bool exists, env_.Exists(dir_));
  if (!exists) {
    ROOKERY_RETURN_IF_ERROR(env_.CreateDirs(dir_));
    ROOKERY_RETURN_IF_ERROR(env_.SyncDir(platform::DirName(dir_)));
  }
  ROOKERY_ASSIGN_OR_RETURN(auto names, env_.ListDir(dir_));
  for (const std::string& name : names) {
    uint64_t number = 0;
    if (!journal::ParseJournalFileName(name, &number)) continue;
    if (number >= next_number_) {
      return Status::InvalidArgument("journal " + journal::JournalPath(dir_, number) +
                                     " exists, but the writer was asked " +
                                     "to continue with journal " + std::to_string(next_number_) +
                                     "; pass the next_journal that RecoverJournals returned");
    }
    ROOKERY_ASSIGN_OR_RETURN(uint64_t size, env_.FileSize(journal::JournalPath(dir_, number)));
    // Recovery does not tell us each old file's last transaction; every one of them is at most
    // next_tx_id - 1, which is a safe (late) bound for the release rule.
    files_[number] = LiveFile{size, next_tx_id_ == 0 ? 0 : next_tx_id_ - 1};
  }

  // The first file also probes which durable-write mode the file system allows.
  mode_ = options_.use_direct_io ? JournalWriteMode::kDirectDsync : JournalWriteMode::kDsync;
  const uint64_t number = next_number_;
  const std::string path = journal::JournalPath(dir_, number);
  std::unique_ptr<platform::File> file;
  Status s = OpenNewFile(path, &file);
  if (s.code() == Code::kNotSupported && mode_ == JournalWriteMode::kDirectDsync) {
    log::Warn(
        "journal {}: the file system refuses O_DIRECT ({}); falling back to O_DSYNC "
        "writes through the page cache",
        dir_, s.ToString());
    mode_ = JournalWriteMode::kDsync;
    // The refused open may have created the name already; it is ours (we own the number).
    ROOKERY_RETURN_IF_ERROR(env_.RemoveAll(path));
    s = OpenNewFile(path, &file);
  }
  if (s.code() == Code::kNotSupported && mode_ == JournalWriteMode::kDsync) {
    log::Warn(
        "journal {}: the file system refuses O_DSYNC ({}); falling back to write + "
        "fdatasync",
        dir_, s.ToString());
    mode_ = JournalWriteMode::kWriteFdatasync;
    ROOKERY_RETURN_IF_ERROR(env_.RemoveAll(path));
    s = OpenNewFile(path, &file);
  }
  ROOKERY_RETURN_IF_ERROR(s);
  if (mode_ == JournalWriteMode::kDirectDsync) {
    log::Info("journal {}: durable writes with O_DIRECT|O_DSYNC", dir_);
  } else if (!options_.use_direct_io && mode_ == JournalWriteMode::kDsync) {
    log::Info("journal {}: durable writes with O_DSYNC (O_DIRECT disabled by options)", dir_);
  }
  ROOKERY_ASSIGN_OR_RETURN(PreparedFile prepared,
                           PrepareFile(number, PlannedSize(), std::move(file)));
  return Install(std::move(prepared));
}

Result<JournalWriterImpl::PreparedFile> JournalWriterImpl::PrepareFile(
    uint64_t number, uint64_t size, std::unique_ptr<platform::File> file) {
  const std::string path = journal::JournalPath(dir_, number);
  if (file == nullptr) ROOKERY_RETURN_IF_ERROR(OpenNewFile(path, &file));
  ROOKERY_RETURN_IF_ERROR(file->Allocate(0, size));
  PreparedFile out;
  out.number = number;
  out.size = size;
  out.header.file_number = number;
  out.header.incarnation = env_.RandomUint64();
  out.header.created_micros = env_.NowMicros();
  out.header.file_size = size;
  // Write every byte once now so that commits overwrite allocated, written blocks and change no
  // file metadata (no extent conversion, no size change).
  const size_t chunk = static_cast<size_t>(std::min<uint64_t>(size, kFillChunk));
  AlignedBuffer fill;
  if (!fill.Reserve(chunk)) return Status::NoSpace("out of memory for a journal fill buffer");
  // Zeroed once: only the first chunk carries the header, which is cleared again after it.
  std::memset(fill.data(), 0, chunk);
  for (uint64_t offset = 0; offset < size; offset += chunk) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk, size - offset));
    if (offset == 0) journal::EncodeFileHeader(out.header, fill.data());
    ROOKERY_RETURN_IF_ERROR(file->WriteAt(offset, fill.data(), n));
    if (offset == 0) std::memset(fill.data(), 0, std::min<size_t>(chunk, kFileHeaderSize));
  }
  ROOKERY_RETURN_IF_ERROR(file->Sync());
  // The name must be durable before any entry in the file is acknowledged.
  ROOKERY_RETURN_IF_ERROR(env_.SyncDir(dir_));
  out.file = std::move(file);
  log::Debug("journal {}: prepared {} ({} bytes)", dir_, path, size);
  return out;
}

Status JournalWriterImpl::Rotate(uint64_t size) {
  PreparedFile next;
  if (pending_.valid()) {
    ROOKERY_ASSIGN_OR_RETURN(next, pending_.get());
    if (next.size < size) {
      // Prepared for a normal rotation, but this batch needs more: grow it the same way.
      ROOKERY_RETURN_IF_ERROR(next.file->Allocate(0, size));
      next.header.file_size = size;
      const size_t chunk = static_cast<size_t>(std::min<uint64_t>(size - next.size, kFillChunk));
      AlignedBuffer fill;
      if (!fill.Reserve(std::max<size_t>(chunk, kFileHeaderSize))) {
        return Status::NoSpace("out of memory for a journal fill buffer");
      }
      std::memset(fill.data(), 0, std::max<size_t>(chunk, kFileHeaderSize));
      for (uint64_t offset = next.size; offset < size; offset += chunk) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk, size - offset));
        ROOKERY_RETURN_IF_ERROR(next.file->WriteAt(offset, fill.data(), n));
      }
      journal::EncodeFileHeader(next.header, fill.data());
      ROOKERY_RETURN_IF_ERROR(next.file->WriteAt(0, fill.data(), kFileHeaderSize));
      ROOKERY_RETURN_IF_ERROR(next.file->Sync());
      next.size = size;
    }
  } else {
    ROOKERY_ASSIGN_OR_RETURN(next, PrepareFile(next_number_, size, nullptr));
  }
  return Install(std::move(next));
}

Status JournalWriterImpl::Install(PreparedFile prepared) {
  file_ = std::move(prepared.file);
  current_number_ = prepared.number;
  current_size_ = prepared.size;
  current_incarnation_ = prepared.header.incarnation;
  write_offset_ = kFileHeaderSize;
  last_created_size_ = prepared.size;
  next_number_ = prepared.number + 1;
  files_[prepared.number] = LiveFile{prepared.size, 0};
  if (options_.prepare_next_journal) {
    // The next file is created, filled and synced off the commit path; its size is the one a
    // normal rotation would choose.
    pending_ =
        std::async(std::launch::async, [this, number = next_number_, size = PlannedSize()]() {
          return PrepareFile(number, size, nullptr);
        });
  }
  return Status::Ok();
}

Status JournalWriterImpl::CheckArguments(std::span<const CommitRecord* const> entries) const {
  for (size_t i = 0; i < entries.size(); ++i) {
    const CommitRecord* r = entries[i];
    if (r == nullptr) return Status::InvalidArgument("null commit record");
    if (r->tx_id != next_tx_id_ + i) {
      return Status::InvalidArgument("journal entry carries tx " + std::to_string(r->tx_id) +
                                     " but the next transaction id is " +
                                     std::to_string(next_tx_id_ + i));
    }
    if (r->pages.size() > UINT32_MAX) return Status::InvalidArgument("too many pages");
    for (const JournalPage& p : r->pages) {
      if (p.data == nullptr || p.run_pages == 0) {
        return Status::InvalidArgument("tx " + std::to_string(r->tx_id) + ": page " +
                                       std::to_string(p.number) + " has no data");
      }
    }
  }
  return Status::Ok();
}

// Compressing a large body costs ~1 ms per MiB of CPU; incompressible bodies (random or already
// compressed values) would pay it for nothing. A sample from the middle of the body decides: the
// body is compressed only if the sample shrinks by at least 1/8.
bool JournalWriterImpl::SampleCompresses(const uint8_t* body, size_t size) {
  constexpr size_t kSample = size_t{64} << 10;
  if (size <= 2 * kSample) return true;
  sample_scratch_.resize(static_cast<size_t>(LZ4_compressBound(static_cast<int>(kSample))));
  const char* from = reinterpret_cast<const char*>(body) + (size - kSample) / 2;
  const int n =
      LZ4_compress_default(from, reinterpret_cast<char*>(sample_scratch_.data()),
                           static_cast<int>(kSample), static_cast<int>(sample_scratch_.size()));
  return n > 0 && static_cast<size_t>(n) <= kSample - kSample / 8;
}

Status JournalWriterImpl::Encode(const CommitRecord& record, size_t offset, EncodedEntry* out) {
  journal::EntryHeader& h = out->header;
  h = journal::EntryHeader{};
  h.tx_id = record.tx_id;
  h.next_page = record.next_page;
  h.page_count = static_cast<uint32_t>(record.pages.size());
  h.timestamp_micros = record.timestamp_micros;
  std::memcpy(h.root, record.root, kRootRecordSize);
  const size_t max_size = journal::MaxBodySize(record);
  uint8_t* body = buffer_.data() + offset + kEntryHeaderSize;
  bool compressed = false;
  if (max_size > options_.compress_above_bytes) {
    // Might be large enough to compress: encode aside, then compress into place if it pays.
    raw_scratch_.resize(max_size);
    const size_t raw_size = journal::EncodeBody(record, options_.page_diffs, raw_scratch_.data(),
                                                &pending_stats_.diff_pages);
    h.uncompressed_size = raw_size;
    if (raw_size > options_.compress_above_bytes && raw_size <= journal::kMaxUncompressedBody &&
        SampleCompresses(raw_scratch_.data(), raw_size)) {
      // Capacity raw_size - 1: keep the entry raw unless compression actually shrinks it.
      const int n = LZ4_compress_default(reinterpret_cast<const char*>(raw_scratch_.data()),
                                         reinterpret_cast<char*>(body), static_cast<int>(raw_size),
                                         static_cast<int>(raw_size - 1));
      if (n > 0) {
        compressed = true;
        h.flags |= journal::kEntryCompressed;
        h.stored_size = static_cast<uint64_t>(n);
      }
    }
    if (!compressed) {
      std::memcpy(body, raw_scratch_.data(), raw_size);
      h.stored_size = raw_size;
    }
  } else {
    h.uncompressed_size = h.stored_size =
        journal::EncodeBody(record, options_.page_diffs, body, &pending_stats_.diff_pages);
  }
  h.body_hash = Hash64(body, h.stored_size, h.tx_id);
  out->offset = offset;
  out->length = h.EntryLength();
  pending_stats_.entry_bytes += out->length;
  pending_stats_.image_bytes += max_size - record.pages.size() * journal::kPageRecordSize;
  pending_stats_.pages += record.pages.size();
  const size_t used = kEntryHeaderSize + h.stored_size;
  std::memset(body + h.stored_size, 0, out->length - used);
  return Status::Ok();
}

Status JournalWriterImpl::WriteGroup(size_t begin, size_t end) {
  const uint64_t batch_first = encoded_[begin].header.tx_id;
  for (size_t i = begin; i < end; ++i) {
    EncodedEntry& e = encoded_[i];
    e.header.incarnation = current_incarnation_;
    e.header.batch_first_tx = batch_first;
    journal::EncodeEntryHeader(e.header, buffer_.data() + e.offset);
  }
  const size_t start = encoded_[begin].offset;
  const size_t length = encoded_[end - 1].offset + encoded_[end - 1].length - start;
  Status s = file_->WriteAt(write_offset_, buffer_.data() + start, length);
  if (s.ok() && mode_ == JournalWriteMode::kWriteFdatasync) s = file_->Sync();
  if (!s.ok()) return s;
  write_offset_ += length;
  files_[current_number_].last_tx = encoded_[end - 1].header.tx_id;
  return Status::Ok();
}

Status JournalWriterImpl::WriteEntries(std::span<const CommitRecord* const> entries) {
  if (!failed_.ok()) {
    return Status::FailedState("journal " + dir_ + " failed earlier and accepts no commits " +
                               "until the environment is reopened: " + failed_.ToString());
  }
  if (entries.empty()) return Status::Ok();
  ROOKERY_RETURN_IF_ERROR(CheckArguments(entries));

  // Encode everything into one buffer; entries are contiguous and 4 KiB-aligned in it.
  size_t bound = 0;
  for (const CommitRecord* r : entries) {
    bound += RoundUpToBlock(kEntryHeaderSize + journal::MaxBodySize(*r));
  }
  if (!buffer_.Reserve(bound)) {
    return Fail(Status::NoSpace("out of memory for a " + std::to_string(bound) +
                                "-byte journal write buffer"));
  }
  encoded_.resize(entries.size());
  pending_stats_ = JournalStats{};
  size_t offset = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    ROOKERY_RETURN_IF_ERROR(Encode(*entries[i], offset, &encoded_[i]));
    offset += encoded_[i].length;
  }

  size_t i = 0;
  while (i < encoded_.size()) {
    uint64_t remaining = 0;
    for (size_t k = i; k < encoded_.size(); ++k) remaining += encoded_[k].length;
    const uint64_t room = current_size_ - write_offset_;
    if (remaining > room) {
      // Start a new file unless the rest is larger than any file we would create and the next
      // entry still fits here (then fill this file first).
      const bool huge = remaining + kFileHeaderSize > options_.max_file_size;
      if (!(huge && encoded_[i].length <= room)) {
        uint64_t size = PlannedSize();
        if (remaining + kFileHeaderSize > size) {
          size = std::max(size, std::min(RoundUpToBlock(remaining + kFileHeaderSize),
                                         RoundUpToBlock(options_.max_file_size)));
        }
        size = std::max(size, encoded_[i].length + kFileHeaderSize);  // oversized entry
        Status s = Rotate(size);
        if (!s.ok()) return Fail(std::move(s));
      }
    }
    // The longest run from i that fits in the current file (at least one entry by now).
    size_t j = i;
    uint64_t length = 0;
    const uint64_t room_now = current_size_ - write_offset_;
    while (j < encoded_.size() && length + encoded_[j].length <= room_now) {
      length += encoded_[j].length;
      ++j;
    }
    if (j == i) return Fail(Status::Internal("journal entry does not fit a fresh file"));
    Status s = WriteGroup(i, j);
    if (!s.ok()) return Fail(std::move(s));
    i = j;
  }
  next_tx_id_ += entries.size();
  stats_.entry_bytes += pending_stats_.entry_bytes;
  stats_.image_bytes += pending_stats_.image_bytes;
  stats_.pages += pending_stats_.pages;
  stats_.diff_pages += pending_stats_.diff_pages;
  return Status::Ok();
}

Status JournalWriterImpl::ReleaseJournalsBefore(uint64_t journal_number) {
  bool removed = false;
  for (auto it = files_.begin(); it != files_.end() && it->first < journal_number;) {
    if (it->first == current_number_) {
      ++it;
      continue;
    }
    const std::string path = journal::JournalPath(dir_, it->first);
    Status s = env_.RemoveFile(path);
    if (!s.ok() && !s.IsNotFound()) return s;
    removed = true;
    it = files_.erase(it);
  }
  if (removed) ROOKERY_RETURN_IF_ERROR(env_.SyncDir(dir_));
  return Status::Ok();
}

}  // namespace

std::string_view JournalWriteModeName(JournalWriteMode mode) {
  switch (mode) {
    case JournalWriteMode::kDirectDsync:
      return "O_DIRECT|O_DSYNC";
    case JournalWriteMode::kDsync:
      return "O_DSYNC";
    case JournalWriteMode::kWriteFdatasync:
      return "write+fdatasync";
  }
  return "unknown";
}

Result<std::unique_ptr<JournalWriter>> OpenJournalWriter(platform::Env& env, const std::string& dir,
                                                         const JournalOptions& options,
                                                         uint64_t next_journal,
                                                         uint64_t next_tx_id) {
  if (options.initial_file_size == 0 || options.max_file_size < options.initial_file_size) {
    return Status::InvalidArgument("journal options: need 0 < initial_file_size <= max_file_size");
  }
  auto writer = std::make_unique<JournalWriterImpl>(env, dir, options, next_journal, next_tx_id);
  ROOKERY_RETURN_IF_ERROR(writer->Open());
  return std::unique_ptr<JournalWriter>(std::move(writer));
}

}  // namespace rookery::storage
