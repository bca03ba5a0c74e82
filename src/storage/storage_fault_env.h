// Test-only Env wrapper for the storage tests: fails the Nth write or sync on matching files,
// and simulates power loss for matching files (Crash() restores the content they had at their
// last successful Sync). A small stand-in until platform's FaultEnv lands; same idea, less scope.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "platform/env.h"

namespace rookery::storage::testing {

class FaultEnv final : public platform::EnvWrapper {
 public:
  explicit FaultEnv(platform::Env& base) : EnvWrapper(base) {}

  // The nth (1-based, counted from now) WriteAt / Sync on a path containing `pattern` fails with
  // kIOError, and every later one too.
  void FailWritesAfter(std::string pattern, int nth) {
    std::lock_guard<std::mutex> lock(mu_);
    write_pattern_ = std::move(pattern);
    writes_left_ = nth;
  }
  void FailSyncsAfter(std::string pattern, int nth) {
    std::lock_guard<std::mutex> lock(mu_);
    sync_pattern_ = std::move(pattern);
    syncs_left_ = nth;
  }
  void Disarm() {
    std::lock_guard<std::mutex> lock(mu_);
    write_pattern_.clear();
    sync_pattern_.clear();
  }
  // Files whose path contains `pattern` lose unsynced writes at Crash().
  void TrackDurability(std::string pattern) {
    std::lock_guard<std::mutex> lock(mu_);
    crash_pattern_ = std::move(pattern);
  }
  // Restores every tracked file to its last synced content (call with no environment open).
  Status Crash() {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [path, content] : durable_) {
      platform::FileOptions o;
      o.write = true;
      auto f = base_.OpenFile(path, o);
      if (!f.ok()) continue;
      ROOKERY_RETURN_IF_ERROR((*f)->Truncate(0));
      ROOKERY_RETURN_IF_ERROR((*f)->WriteAt(0, content.data(), content.size()));
    }
    ++crashes_;
    return Status::Ok();
  }

  // The content a tracked file would have after a crash now (nullptr if never synced).
  const std::string* DurableImage(const std::string& path) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = durable_.find(path);
    return it == durable_.end() ? nullptr : &it->second;
  }

  Result<std::unique_ptr<platform::File>> OpenFile(const std::string& path,
                                                   const platform::FileOptions& options) override;

  // Called by the wrapped files.
  Status BeforeWrite(const std::string& path) {
    return Check(path, write_pattern_, writes_left_, "write");
  }
  Status BeforeSync(const std::string& path) {
    return Check(path, sync_pattern_, syncs_left_, "sync");
  }
  void AfterSync(const std::string& path, platform::File& file) {
    std::lock_guard<std::mutex> lock(mu_);
    if (crash_pattern_.empty() || path.find(crash_pattern_) == std::string::npos) return;
    auto size = file.Size();
    if (!size.ok()) return;
    std::string content(*size, '\0');
    auto got = file.ReadAt(0, content.data(), content.size());
    if (got.ok()) content.resize(*got);
    durable_[path] = std::move(content);
  }

 private:
  Status Check(const std::string& path, const std::string& pattern, int& left, const char* what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (pattern.empty() || path.find(pattern) == std::string::npos) return Status::Ok();
    if (left > 1) {
      --left;
      return Status::Ok();
    }
    left = 0;
    return Status::IOError(std::string("injected ") + what + " failure on " + path);
  }

  std::mutex mu_;
  std::string write_pattern_, sync_pattern_, crash_pattern_;
  int writes_left_ = 0, syncs_left_ = 0;
  std::map<std::string, std::string> durable_;
  int crashes_ = 0;
};

class FaultFile final : public platform::File {
 public:
  FaultFile(FaultEnv& env, std::unique_ptr<platform::File> base)
      : env_(env), base_(std::move(base)) {}
  const std::string& path() const override { return base_->path(); }
  Result<size_t> ReadAt(uint64_t o, void* d, size_t n) override { return base_->ReadAt(o, d, n); }
  Status WriteAt(uint64_t o, const void* s, size_t n) override {
    ROOKERY_RETURN_IF_ERROR(env_.BeforeWrite(path()));
    return base_->WriteAt(o, s, n);
  }
  Status Sync() override {
    ROOKERY_RETURN_IF_ERROR(env_.BeforeSync(path()));
    ROOKERY_RETURN_IF_ERROR(base_->Sync());
    env_.AfterSync(path(), *base_);
    return Status::Ok();
  }
  Status Truncate(uint64_t size) override { return base_->Truncate(size); }
  Status Allocate(uint64_t o, uint64_t l) override { return base_->Allocate(o, l); }
  Result<uint64_t> Size() override { return base_->Size(); }
  Result<std::unique_ptr<platform::MappedRegion>> Map(uint64_t l) override { return base_->Map(l); }
  bool direct_io() const override { return base_->direct_io(); }

 private:
  FaultEnv& env_;
  std::unique_ptr<platform::File> base_;
};

inline Result<std::unique_ptr<platform::File>> FaultEnv::OpenFile(
    const std::string& path, const platform::FileOptions& options) {
  ROOKERY_ASSIGN_OR_RETURN(std::unique_ptr<platform::File> f, base_.OpenFile(path, options));
  return std::unique_ptr<platform::File>(new FaultFile(*this, std::move(f)));
}

}  // namespace rookery::storage::testing
