#include "storage/header_file.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "base/checksum.h"
#include "base/logging.h"

namespace rookery::storage {
namespace {

constexpr char kMagic[8] = {'R', 'K', 'R', 'Y', 'H', 'E', 'A', 'D'};
constexpr size_t kOffMagic = 0;
constexpr size_t kOffVersion = 8;
constexpr size_t kOffPageSize = 12;
constexpr size_t kOffRevision = 16;
constexpr size_t kOffSyncedTx = 24;
constexpr size_t kOffSyncedJournal = 32;
constexpr size_t kOffNextPage = 40;
constexpr size_t kOffRoot = 48;
constexpr size_t kOffHash = 120;
static_assert(kOffRoot + kRootRecordSize + 8 == kOffHash);
static_assert(kOffHash + 8 == kHeaderStructSize);

const char* kNames[2] = {"header.a", "header.b"};

}  // namespace

void EncodeHeader(const FileHeader& h, uint8_t* block) {
  std::memset(block, 0, kHeaderBlockSize);
  std::memcpy(block + kOffMagic, kMagic, sizeof(kMagic));
  StoreU32(block + kOffVersion, kHeaderFormatVersion);
  StoreU32(block + kOffPageSize, h.page_size);
  StoreU64(block + kOffRevision, h.revision);
  StoreU64(block + kOffSyncedTx, h.last_synced_tx);
  StoreU64(block + kOffSyncedJournal, h.last_synced_journal);
  StoreU64(block + kOffNextPage, h.next_page);
  std::memcpy(block + kOffRoot, h.root, kRootRecordSize);
  StoreU64(block + kOffHash, Hash64(block, kOffHash, 0));
}

HeaderDecode DecodeHeader(const uint8_t* block, size_t size, FileHeader* out, uint32_t* version) {
  if (size < kHeaderStructSize || std::memcmp(block, kMagic, sizeof(kMagic)) != 0) {
    return HeaderDecode::kNoMagic;
  }
  if (LoadU64(block + kOffHash) != Hash64(block, kOffHash, 0)) return HeaderDecode::kBadHash;
  *version = LoadU32(block + kOffVersion);
  if (*version != kHeaderFormatVersion) return HeaderDecode::kUnknownVersion;
  FileHeader h;
  h.page_size = LoadU32(block + kOffPageSize);
  h.revision = LoadU64(block + kOffRevision);
  h.last_synced_tx = LoadU64(block + kOffSyncedTx);
  h.last_synced_journal = LoadU64(block + kOffSyncedJournal);
  h.next_page = LoadU64(block + kOffNextPage);
  std::memcpy(h.root, block + kOffRoot, kRootRecordSize);
  *out = h;
  return HeaderDecode::kValid;
}

Result<std::unique_ptr<HeaderFiles>> HeaderFiles::Open(platform::Env& env, const std::string& dir,
                                                       Found* found) {
  std::unique_ptr<HeaderFiles> hf(new HeaderFiles());
  HeaderDecode state[2];
  FileHeader parsed[2];
  for (int i = 0; i < 2; ++i) {
    hf->path_[i] = platform::JoinPath(dir, kNames[i]);
    platform::FileOptions opts;
    opts.create = true;
    ROOKERY_ASSIGN_OR_RETURN(hf->file_[i], env.OpenFile(hf->path_[i], opts));
    uint8_t block[kHeaderBlockSize] = {};
    ROOKERY_ASSIGN_OR_RETURN(size_t got, hf->file_[i]->ReadAt(0, block, sizeof(block)));
    uint32_t version = 0;
    state[i] = DecodeHeader(block, got, &parsed[i], &version);
    if (state[i] == HeaderDecode::kUnknownVersion) {
      return Status::NotSupported(hf->path_[i] + " has header format version " +
                                  std::to_string(version) + "; this build reads version " +
                                  std::to_string(kHeaderFormatVersion) +
                                  ". Open the environment with a matching Rookery release");
    }
  }
  const bool valid[2] = {state[0] == HeaderDecode::kValid, state[1] == HeaderDecode::kValid};
  if (!valid[0] && !valid[1]) {
    if (state[0] == HeaderDecode::kNoMagic && state[1] == HeaderDecode::kNoMagic) {
      *found = Found::kNone;
      return hf;
    }
    return Status::Corruption("both header copies of " + dir + " (" + hf->path_[0] + ", " +
                              hf->path_[1] +
                              ") fail their checksum; the environment cannot be opened. "
                              "Restore from a backup");
  }
  *found = Found::kExisting;
  int best = valid[0] && (!valid[1] || parsed[0].revision >= parsed[1].revision) ? 0 : 1;
  hf->current_ = parsed[best];
  if (!valid[1 - best]) {
    // Repair the bad copy from the good one so that the next update (which overwrites the older
    // copy) never leaves us with a single valid copy that is about to be overwritten.
    log::Warn("storage: header copy {} is invalid; rewriting it from {} (revision {})",
              hf->path_[1 - best], hf->path_[best], hf->current_.revision);
    uint8_t block[kHeaderBlockSize];
    EncodeHeader(hf->current_, block);
    ROOKERY_RETURN_IF_ERROR(hf->file_[1 - best]->WriteAt(0, block, sizeof(block)));
    ROOKERY_RETURN_IF_ERROR(hf->file_[1 - best]->Sync());
  }
  return hf;
}

Status HeaderFiles::Write(const FileHeader& h) {
  if (!failed_.ok()) return Status::FailedState("header files: earlier " + failed_.ToString());
  FileHeader next = h;
  next.revision = current_.revision + 1;
  const int copy = static_cast<int>(next.revision % 2);  // odd -> header.b, even -> header.a
  uint8_t block[kHeaderBlockSize];
  EncodeHeader(next, block);
  Status s = file_[copy]->WriteAt(0, block, sizeof(block));
  if (s.ok()) s = file_[copy]->Sync();
  if (!s.ok()) {
    failed_ = s.WithContext("write " + path_[copy]);
    return failed_;
  }
  current_ = next;
  return Status::Ok();
}

}  // namespace rookery::storage
