// FaultEnv's files: live bytes, durability bookkeeping and the File/MappedRegion/FileLock handles.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/checksum.h"
#include "platform/fault_env_state.h"

namespace rookery::platform {

uint64_t FaultRng::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t MixSeed(uint64_t a, uint64_t b) {
  FaultRng rng(a ^ (b * 0x9e3779b97f4a7c15ULL + 0x632be59bd9b4e019ULL));
  return rng.Next();
}

uint64_t MixSeed(uint64_t a, std::string_view text) {
  return MixSeed(a, Hash64(text, /*seed=*/0x46a17e5e));
}

// ---- Durability bookkeeping ----

namespace {

void ApplyToImage(std::string& image, const PendingOp& op) {
  switch (op.kind) {
    case PendingOp::Kind::kWrite:
      if (image.size() < op.offset + op.data.size()) image.resize(op.offset + op.data.size());
      std::memcpy(image.data() + op.offset, op.data.data(), op.data.size());
      break;
    case PendingOp::Kind::kTruncate:
      image.resize(op.offset);
      break;
    case PendingOp::Kind::kAllocate:
      if (image.size() < op.offset) image.resize(op.offset);
      break;
  }
}

Status CheckRange(const std::string& path, uint64_t offset, uint64_t n) {
  if (offset > kMemFileMaxSize || n > kMemFileMaxSize - offset) {
    return Status::NoSpace("in-memory file " + path + " would exceed its 16 GiB limit");
  }
  return Status::Ok();
}

}  // namespace

Status FaultState::WriteFile(Inode& inode, const std::string& path, uint64_t offset,
                             const void* src, size_t n, bool durable_write) {
  if (n == 0) return Status::Ok();
  ROOKERY_RETURN_IF_ERROR(CheckRange(path, offset, n));
  ROOKERY_RETURN_IF_ERROR(inode.live.Write(path, offset, src, n));
  PendingOp op{PendingOp::Kind::kWrite, offset, std::string(static_cast<const char*>(src), n),
               durable_write};
  if (durable_write && inode.pending.empty()) {
    ApplyToImage(inode.durable, op);  // nothing before it can reorder with it
  } else {
    inode.pending.push_back(std::move(op));
  }
  return Status::Ok();
}

Status FaultState::TruncateFile(Inode& inode, const std::string& path, uint64_t size) {
  ROOKERY_RETURN_IF_ERROR(CheckRange(path, size, 0));
  ROOKERY_RETURN_IF_ERROR(inode.live.Resize(path, size));
  inode.pending.push_back(PendingOp{PendingOp::Kind::kTruncate, size, {}, false});
  return Status::Ok();
}

Status FaultState::AllocateFile(Inode& inode, const std::string& path, uint64_t end) {
  ROOKERY_RETURN_IF_ERROR(CheckRange(path, end, 0));
  if (end > inode.live.size()) ROOKERY_RETURN_IF_ERROR(inode.live.Resize(path, end));
  inode.pending.push_back(PendingOp{PendingOp::Kind::kAllocate, end, {}, false});
  return Status::Ok();
}

void FaultState::SyncFile(Inode& inode) {
  for (const PendingOp& op : inode.pending) ApplyToImage(inode.durable, op);
  inode.pending.clear();
}

void FaultState::Unlock(const std::string& path, uint64_t id) {
  std::lock_guard<std::mutex> lock(mu);
  auto it = locks.find(path);
  if (it != locks.end() && it->second == id) locks.erase(it);
}

// ---- Handles ----

namespace {

class FaultMappedRegion final : public MappedRegion {
 public:
  FaultMappedRegion(std::shared_ptr<Inode> inode, size_t size)
      : inode_(std::move(inode)), size_(size) {}
  const char* data() const override { return inode_->live.base(); }
  size_t size() const override { return size_; }

 private:
  std::shared_ptr<Inode> inode_;  // keeps the bytes mapped, even after a simulated crash
  size_t size_;
};

class FaultFile final : public File {
 public:
  FaultFile(std::shared_ptr<FaultState> state, std::string path, std::shared_ptr<Inode> inode,
            const FileOptions& options, bool direct_io, uint64_t epoch)
      : state_(std::move(state)),
        path_(std::move(path)),
        inode_(std::move(inode)),
        writable_(options.write || options.create),
        data_sync_(options.data_sync),
        direct_io_(direct_io),
        epoch_(epoch) {}

  const std::string& path() const override { return path_; }
  bool direct_io() const override { return direct_io_; }

  Result<size_t> ReadAt(uint64_t offset, void* dst, size_t n) override {
    ROOKERY_RETURN_IF_ERROR(CheckAligned("read", offset, dst, n));
    std::lock_guard<std::mutex> lock(state_->mu);
    ROOKERY_RETURN_IF_ERROR(CheckCurrent());
    OpVerdict verdict = state_->BeginOp(OpKind::kRead, path_);
    if (!verdict.status.ok()) return verdict.status;
    return inode_->live.Read(offset, dst, n);
  }

  Status WriteAt(uint64_t offset, const void* src, size_t n) override {
    ROOKERY_RETURN_IF_ERROR(CheckWritable());
    ROOKERY_RETURN_IF_ERROR(CheckAligned("write", offset, src, n));
    std::lock_guard<std::mutex> lock(state_->mu);
    ROOKERY_RETURN_IF_ERROR(CheckCurrent());
    OpVerdict verdict = state_->BeginOp(OpKind::kWrite, path_);
    if (verdict.short_write) {
      const size_t prefix = ShortWritePrefix(verdict.op, offset, n);
      // The prefix reached the page cache; like any failed write it is not durable yet.
      ROOKERY_RETURN_IF_ERROR(
          state_->WriteFile(*inode_, path_, offset, src, prefix, /*durable_write=*/false));
      return Status::NoSpace(std::string(verdict.status.message()) +
                             " (short write: " + std::to_string(prefix) + " of " +
                             std::to_string(n) + " bytes written)");
    }
    if (!verdict.status.ok()) return verdict.status;
    return state_->WriteFile(*inode_, path_, offset, src, n, data_sync_);
  }

  Status Sync() override {
    std::lock_guard<std::mutex> lock(state_->mu);
    ROOKERY_RETURN_IF_ERROR(CheckCurrent());
    OpVerdict verdict = state_->BeginOp(OpKind::kSync, path_);
    if (!verdict.status.ok()) {
      if (!state_->dead) {
        // Linux after a writeback error marks the pages clean: the data stays readable but never
        // reaches the disk, and the next fsync reports success. O_DSYNC writes already did.
        std::erase_if(inode_->pending, [](const PendingOp& op) { return !op.durable; });
      }
      return verdict.status;
    }
    FaultState::SyncFile(*inode_);
    return Status::Ok();
  }

  Status Truncate(uint64_t size) override {
    ROOKERY_RETURN_IF_ERROR(CheckWritable());
    std::lock_guard<std::mutex> lock(state_->mu);
    ROOKERY_RETURN_IF_ERROR(CheckCurrent());
    OpVerdict verdict = state_->BeginOp(OpKind::kTruncate, path_);
    if (!verdict.status.ok()) return verdict.status;
    return state_->TruncateFile(*inode_, path_, size);
  }

  Status Allocate(uint64_t offset, uint64_t length) override {
    ROOKERY_RETURN_IF_ERROR(CheckWritable());
    std::lock_guard<std::mutex> lock(state_->mu);
    ROOKERY_RETURN_IF_ERROR(CheckCurrent());
    OpVerdict verdict = state_->BeginOp(OpKind::kAllocate, path_);
    if (!verdict.status.ok()) return verdict.status;
    if (offset > kMemFileMaxSize || length > kMemFileMaxSize - offset) {
      return Status::NoSpace("allocate " + path_ + ": beyond the 16 GiB limit");
    }
    return state_->AllocateFile(*inode_, path_, offset + length);
  }

  Result<uint64_t> Size() override {
    std::lock_guard<std::mutex> lock(state_->mu);
    ROOKERY_RETURN_IF_ERROR(CheckCurrent());
    ROOKERY_RETURN_IF_ERROR(state_->CheckAlive("size of " + path_));
    return inode_->live.size();
  }

  Result<std::unique_ptr<MappedRegion>> Map(uint64_t length) override {
    std::lock_guard<std::mutex> lock(state_->mu);
    ROOKERY_RETURN_IF_ERROR(CheckCurrent());
    OpVerdict verdict = state_->BeginOp(OpKind::kMap, path_);
    if (!verdict.status.ok()) return verdict.status;
    if (length > inode_->live.size()) {
      return Status::InvalidArgument("cannot map beyond the end of " + path_);
    }
    return std::unique_ptr<MappedRegion>(
        new FaultMappedRegion(inode_, static_cast<size_t>(length)));
  }

 private:
  // Caller holds state_->mu.
  Status CheckCurrent() const {
    if (epoch_ == state_->epoch) return Status::Ok();
    return Status::FailedState(path_ + ": handle from before simulated power loss");
  }

  Status CheckWritable() const {
    if (writable_) return Status::Ok();
    return Status::PermissionDenied(path_ + " was opened read-only");
  }

  Status CheckAligned(const char* what, uint64_t offset, const void* buf, size_t n) const {
    if (!direct_io_) return Status::Ok();
    const auto address = reinterpret_cast<uintptr_t>(buf);
    if (offset % kDirectIoAlignment == 0 && n % kDirectIoAlignment == 0 &&
        address % kDirectIoAlignment == 0) {
      return Status::Ok();
    }
    return Status::InvalidArgument(
        std::string("direct I/O ") + what + " on " + path_ + " is not aligned to " +
        std::to_string(kDirectIoAlignment) + " bytes: offset " + std::to_string(offset) +
        ", length " + std::to_string(n) + ", buffer address " + std::to_string(address));
  }

  // How many bytes of a short write land: cut at a sector boundary when the write spans one,
  // else anywhere short of the whole. Deterministic from the seed and the op number.
  size_t ShortWritePrefix(uint64_t op, uint64_t offset, size_t n) const {
    if (n == 0) return 0;
    FaultRng rng(MixSeed(state_->seed, op));
    const uint64_t first_boundary = (offset / kSectorSize + 1) * kSectorSize;
    if (first_boundary < offset + n) {
      const uint64_t boundaries = (offset + n - 1 - first_boundary) / kSectorSize + 1;
      // Choose among 0 bytes and every boundary strictly inside the write.
      const uint64_t pick = rng.Uniform(boundaries + 1);
      return pick == 0 ? 0
                       : static_cast<size_t>(first_boundary + (pick - 1) * kSectorSize - offset);
    }
    return static_cast<size_t>(rng.Uniform(n));
  }

  std::shared_ptr<FaultState> state_;
  std::string path_;
  std::shared_ptr<Inode> inode_;
  bool writable_;
  bool data_sync_;
  bool direct_io_;
  uint64_t epoch_;
};

class FaultFileLock final : public FileLock {
 public:
  FaultFileLock(std::shared_ptr<FaultState> state, std::string path, uint64_t id)
      : state_(std::move(state)), path_(std::move(path)), id_(id) {}
  ~FaultFileLock() override { state_->Unlock(path_, id_); }

 private:
  std::shared_ptr<FaultState> state_;
  std::string path_;
  uint64_t id_;
};

}  // namespace

std::unique_ptr<File> NewFaultFile(std::shared_ptr<FaultState> state, std::string path,
                                   std::shared_ptr<Inode> inode, const FileOptions& options,
                                   bool direct_io) {
  const uint64_t epoch = state->epoch;
  return std::make_unique<FaultFile>(std::move(state), std::move(path), std::move(inode), options,
                                     direct_io, epoch);
}

std::unique_ptr<FileLock> NewFaultFileLock(std::shared_ptr<FaultState> state, std::string path,
                                           uint64_t id) {
  return std::make_unique<FaultFileLock>(std::move(state), std::move(path), id);
}

}  // namespace rookery::platform
