// Helpers shared by the storage environment tests (test-only header).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>

#include "platform/env.h"
#include "storage/environment.h"
#include "storage/transaction.h"

namespace rookery::storage::testing {

enum class EnvKind { kMem, kPosix };

inline std::string EnvKindName(const ::testing::TestParamInfo<EnvKind>& info) {
  return info.param == EnvKind::kMem ? "Mem" : "Posix";
}

// A fresh directory on the chosen Env, removed at the end.
class TempEnvDir {
 public:
  explicit TempEnvDir(EnvKind kind) {
    if (kind == EnvKind::kPosix) {
      env_ = platform::NewPosixEnv();
      char tmpl[] = "/tmp/rookery-storage-test-XXXXXX";
      if (::mkdtemp(tmpl) != nullptr) root_ = tmpl;
    } else {
      env_ = platform::NewMemEnv();
      root_ = "/mem";
      (void)env_->CreateDirs(root_);
    }
  }
  ~TempEnvDir() { (void)env_->RemoveAll(root_); }
  platform::Env& env() { return *env_; }
  std::string path(const std::string& name = "env") const {
    return platform::JoinPath(root_, name);
  }

 private:
  std::unique_ptr<platform::Env> env_;
  std::string root_;
};

// Options for deterministic tests: no background thread, no sync at close.
inline EnvironmentOptions ManualOptions() {
  EnvironmentOptions o;
  o.background_flush = false;
  o.background_sync = false;
  o.sync_on_close = false;
  return o;
}

// Fills page n's body with a pattern derived from `value` (and n), keeping the header.
inline void FillPage(uint8_t* page, PageNumber n, uint64_t value) {
  StoreU64(page + kPageHeaderSize, value);
  for (size_t i = kPageHeaderSize + 8; i < kPageSize; i += 8)
    StoreU64(page + i, value * 31 + n + i);
}
// The value stored by FillPage; fails the test if the body does not match the pattern.
inline uint64_t PageValue(const uint8_t* page, PageNumber n) {
  const uint64_t value = LoadU64(page + kPageHeaderSize);
  for (size_t i = kPageHeaderSize + 8; i < kPageSize; i += 8) {
    if (LoadU64(page + i) != value * 31 + n + i) {
      ADD_FAILURE() << "page " << n << " body mismatch at " << i;
      return ~uint64_t{0};
    }
  }
  return value;
}

// Makes an allocated run of `run` pages an overflow run whose payload is a pattern of `value`.
inline void FillRun(uint8_t* first, PageNumber n, uint64_t value, uint32_t run) {
  const uint32_t payload = run * static_cast<uint32_t>(kPageSize) - kPageHeaderSize;
  first[kOffFlags] = kPageOverflow;
  StoreU32(first + kOffOverflowSize, payload);
  StoreU64(first + kPageHeaderSize, value);
  for (size_t i = kPageHeaderSize + 8; i + 8 <= kPageHeaderSize + payload; i += 8) {
    StoreU64(first + i, value * 131 + n + i);
  }
}
// The value stored by FillRun; fails the test if the run does not match.
inline uint64_t RunValue(const uint8_t* first, PageNumber n, uint32_t run) {
  if (PageRunLength(first) != run) {
    ADD_FAILURE() << "run at " << n << " has " << PageRunLength(first) << " pages, not " << run;
    return ~uint64_t{0};
  }
  const uint64_t value = LoadU64(first + kPageHeaderSize);
  for (size_t i = kPageHeaderSize + 8; i + 8 <= size_t{run} * kPageSize; i += 8) {
    if (LoadU64(first + i) != value * 131 + n + i) {
      ADD_FAILURE() << "run at " << n << " body mismatch at byte " << i;
      return ~uint64_t{0};
    }
  }
  return value;
}

inline std::array<uint8_t, kRootRecordSize> Root(uint64_t v) {
  std::array<uint8_t, kRootRecordSize> r{};
  StoreU64(r.data(), v);
  return r;
}

}  // namespace rookery::storage::testing
