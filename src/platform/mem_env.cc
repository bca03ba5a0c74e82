// MemEnv: an Env whose files and directories live in process memory.
//
// Each file's bytes live in one reserved virtual range (kMemFileMaxSize, PROT_NONE until used), so
// a MappedRegion can point straight at them and stays valid as the file grows, as a real shared
// mmap does. Open handles and maps keep a file's bytes alive after it is removed, as on POSIX.

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "platform/env.h"
#include "platform/mem_buffer.h"

namespace rookery::platform {
namespace {

class MemFileData {
 public:
  char* base() const { return buffer_.base(); }

  uint64_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return buffer_.size();
  }

  size_t Read(uint64_t offset, void* dst, size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    return buffer_.Read(offset, dst, n);
  }

  Status Write(const std::string& path, uint64_t offset, const void* src, size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    return buffer_.Write(path, offset, src, n);
  }

  Status Resize(const std::string& path, uint64_t new_size, bool may_shrink) {
    std::lock_guard<std::mutex> lock(mu_);
    if (new_size < buffer_.size() && !may_shrink) return Status::Ok();
    return buffer_.Resize(path, new_size);
  }

 private:
  std::mutex mu_;
  MemBuffer buffer_;
};

class MemMappedRegion final : public MappedRegion {
 public:
  MemMappedRegion(std::shared_ptr<MemFileData> data, size_t size)
      : data_(std::move(data)), size_(size) {}
  const char* data() const override { return data_->base(); }
  size_t size() const override { return size_; }

 private:
  std::shared_ptr<MemFileData> data_;
  size_t size_;
};

class MemFile final : public File {
 public:
  MemFile(std::string path, std::shared_ptr<MemFileData> data, bool writable, bool direct)
      : path_(std::move(path)), data_(std::move(data)), writable_(writable), direct_(direct) {}

  const std::string& path() const override { return path_; }
  bool direct_io() const override { return direct_; }

  Result<size_t> ReadAt(uint64_t offset, void* dst, size_t n) override {
    return data_->Read(offset, dst, n);
  }
  Status WriteAt(uint64_t offset, const void* src, size_t n) override {
    ROOKERY_RETURN_IF_ERROR(CheckWritable());
    return data_->Write(path_, offset, src, n);
  }
  Status Sync() override { return Status::Ok(); }
  Status Truncate(uint64_t size) override {
    ROOKERY_RETURN_IF_ERROR(CheckWritable());
    return data_->Resize(path_, size, /*may_shrink=*/true);
  }
  Status Allocate(uint64_t offset, uint64_t length) override {
    ROOKERY_RETURN_IF_ERROR(CheckWritable());
    return data_->Resize(path_, offset + length, /*may_shrink=*/false);
  }
  Result<uint64_t> Size() override { return data_->size(); }
  Result<std::unique_ptr<MappedRegion>> Map(uint64_t length) override {
    if (length > data_->size()) {
      return Status::InvalidArgument("cannot map beyond the end of " + path_);
    }
    return std::unique_ptr<MappedRegion>(new MemMappedRegion(data_, length));
  }

 private:
  Status CheckWritable() const {
    if (writable_) return Status::Ok();
    return Status::PermissionDenied(path_ + " was opened read-only");
  }

  std::string path_;
  std::shared_ptr<MemFileData> data_;
  bool writable_;
  bool direct_;
};

class MemEnv;

class MemFileLock final : public FileLock {
 public:
  MemFileLock(MemEnv* env, std::string path) : env_(env), path_(std::move(path)) {}
  ~MemFileLock() override;

 private:
  MemEnv* env_;
  std::string path_;
};

class MemEnv final : public Env {
 public:
  Result<std::unique_ptr<File>> OpenFile(const std::string& raw_path,
                                         const FileOptions& options) override {
    const std::string path = NormalizePath(raw_path);
    std::lock_guard<std::mutex> lock(mu_);
    if (dirs_.count(path)) return Status::InvalidArgument(path + " is a directory");
    auto it = files_.find(path);
    if (it == files_.end()) {
      if (!options.create) return Status::NotFound("open " + path + ": no such file");
      if (!HasDir(DirName(path))) {
        return Status::NotFound("open " + path + ": no such directory");
      }
      auto data = std::make_shared<MemFileData>();
      if (data->base() == nullptr) return Status::NoSpace("no address space for " + path);
      it = files_.emplace(path, std::move(data)).first;
    } else if (options.create && options.exclusive) {
      return Status::AlreadyExists("create " + path + ": file exists");
    }
    const bool writable = options.write || options.create;
    if (writable && options.truncate) {
      ROOKERY_RETURN_IF_ERROR(it->second->Resize(path, 0, /*may_shrink=*/true));
    }
    return std::unique_ptr<File>(new MemFile(path, it->second, writable, options.direct_io));
  }

  Result<bool> Exists(const std::string& raw_path) override {
    const std::string path = NormalizePath(raw_path);
    std::lock_guard<std::mutex> lock(mu_);
    return files_.count(path) > 0 || HasDir(path);
  }

  Result<bool> IsDirectory(const std::string& raw_path) override {
    std::lock_guard<std::mutex> lock(mu_);
    return HasDir(NormalizePath(raw_path));
  }

  Result<uint64_t> FileSize(const std::string& raw_path) override {
    const std::string path = NormalizePath(raw_path);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(path);
    if (it == files_.end()) return Status::NotFound("stat " + path + ": no such file");
    return it->second->size();
  }

  Status CreateDir(const std::string& raw_path) override {
    const std::string path = NormalizePath(raw_path);
    std::lock_guard<std::mutex> lock(mu_);
    return CreateDirLocked(path);
  }

  Status CreateDirs(const std::string& raw_path) override {
    const std::string path = NormalizePath(raw_path);
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> chain;
    for (std::string p = path; !HasDir(p); p = DirName(p)) chain.push_back(p);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
      ROOKERY_RETURN_IF_ERROR(CreateDirLocked(*it));
    }
    return Status::Ok();
  }

  Status RemoveFile(const std::string& raw_path) override {
    const std::string path = NormalizePath(raw_path);
    std::lock_guard<std::mutex> lock(mu_);
    if (files_.erase(path) == 0) return Status::NotFound("unlink " + path + ": no such file");
    return Status::Ok();
  }

  Status RemoveDir(const std::string& raw_path) override {
    const std::string path = NormalizePath(raw_path);
    std::lock_guard<std::mutex> lock(mu_);
    if (!dirs_.count(path)) return Status::NotFound("rmdir " + path + ": no such directory");
    if (!ChildrenLocked(path).empty()) {
      return Status::InvalidArgument("rmdir " + path + ": directory not empty");
    }
    dirs_.erase(path);
    return Status::Ok();
  }

  Status RemoveAll(const std::string& raw_path) override {
    const std::string path = NormalizePath(raw_path);
    std::lock_guard<std::mutex> lock(mu_);
    const std::string prefix = path + "/";
    files_.erase(path);
    dirs_.erase(path);
    std::erase_if(files_, [&](const auto& kv) { return kv.first.starts_with(prefix); });
    std::erase_if(dirs_, [&](const std::string& d) { return d.starts_with(prefix); });
    return Status::Ok();
  }

  Status Rename(const std::string& raw_from, const std::string& raw_to) override {
    const std::string from = NormalizePath(raw_from), to = NormalizePath(raw_to);
    std::lock_guard<std::mutex> lock(mu_);
    auto it = files_.find(from);
    if (it == files_.end()) {
      if (dirs_.count(from)) return Status::NotSupported("MemEnv renames files only: " + from);
      return Status::NotFound("rename " + from + ": no such file");
    }
    if (!HasDir(DirName(to))) return Status::NotFound("rename to " + to + ": no such directory");
    if (dirs_.count(to)) return Status::InvalidArgument("rename to " + to + ": is a directory");
    auto data = it->second;
    files_.erase(it);
    files_[to] = std::move(data);
    return Status::Ok();
  }

  Status SyncDir(const std::string& raw_path) override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string path = NormalizePath(raw_path);
    if (!HasDir(path)) return Status::NotFound("sync " + path + ": no such directory");
    return Status::Ok();
  }

  Result<std::vector<std::string>> ListDir(const std::string& raw_path) override {
    const std::string path = NormalizePath(raw_path);
    std::lock_guard<std::mutex> lock(mu_);
    if (!HasDir(path)) return Status::NotFound("list " + path + ": no such directory");
    return ChildrenLocked(path);
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& raw_path) override {
    const std::string path = NormalizePath(raw_path);
    std::lock_guard<std::mutex> lock(mu_);
    if (!locks_.insert(path).second) return Status::Busy(path + " is locked");
    return std::unique_ptr<FileLock>(new MemFileLock(this, path));
  }

  void Unlock(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    locks_.erase(path);
  }

  uint64_t NowMicros() override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }
  uint64_t MonotonicNanos() override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }
  void SleepMicros(uint64_t micros) override {
    std::this_thread::sleep_for(std::chrono::microseconds(micros));
  }
  uint64_t RandomUint64() override {
    std::lock_guard<std::mutex> lock(mu_);
    return rng_();
  }

 private:
  bool HasDir(const std::string& path) const {
    return path == "." || path == "/" || dirs_.count(path) > 0;
  }

  Status CreateDirLocked(const std::string& path) {
    if (HasDir(path)) return Status::Ok();
    if (files_.count(path)) return Status::AlreadyExists(path + " exists and is not a directory");
    if (!HasDir(DirName(path))) return Status::NotFound("mkdir " + path + ": no parent directory");
    dirs_.insert(path);
    return Status::Ok();
  }

  std::vector<std::string> ChildrenLocked(const std::string& dir) const {
    std::set<std::string> names;
    auto add = [&](const std::string& p) {
      if (DirName(p) == dir && p != dir) names.insert(BaseName(p));
    };
    for (const auto& kv : files_) add(kv.first);
    for (const auto& d : dirs_) add(d);
    return {names.begin(), names.end()};
  }

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<MemFileData>> files_;
  std::set<std::string> dirs_;
  std::set<std::string> locks_;
  std::mt19937_64 rng_{std::random_device{}()};
};

MemFileLock::~MemFileLock() {
  env_->Unlock(path_);
}

}  // namespace

std::unique_ptr<Env> NewMemEnv() {
  return std::make_unique<MemEnv>();
}

}  // namespace rookery::platform
