// Env behaviour that PosixEnv, MemEnv and FaultEnv must share (the contract in env.h).
#include "platform/env.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "platform/fault_env.h"

namespace rookery::platform {
namespace {

enum class Kind { kPosix, kMem, kFault };

class EnvTest : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    if (GetParam() == Kind::kPosix) {
      env_ = NewPosixEnv();
      char tmpl[] = "/tmp/rookery-env-test-XXXXXX";
      ASSERT_NE(::mkdtemp(tmpl), nullptr);
      root_ = tmpl;
    } else {
      env_ = GetParam() == Kind::kMem ? NewMemEnv() : std::make_unique<FaultEnv>(/*seed=*/42);
      root_ = "/mem";
      ASSERT_TRUE(env_->CreateDir(root_).ok());
    }
  }
  void TearDown() override {
    if (!root_.empty()) {
      EXPECT_TRUE(env_->RemoveAll(root_).ok());
    }
  }

  std::string P(const std::string& name) const { return JoinPath(root_, name); }

  std::unique_ptr<File> Create(const std::string& name) {
    FileOptions opts;
    opts.create = true;
    auto file = env_->OpenFile(P(name), opts);
    EXPECT_TRUE(file.ok()) << file.status().ToString();
    return file.ok() ? std::move(file).value() : nullptr;
  }

  static std::string ReadAll(File& f, uint64_t offset, size_t n) {
    std::string out(n, '\0');
    auto got = f.ReadAt(offset, out.data(), n);
    EXPECT_TRUE(got.ok());
    out.resize(got.ok() ? *got : 0);
    return out;
  }

  std::unique_ptr<Env> env_;
  std::string root_;
};

TEST_P(EnvTest, WriteReadRoundTrip) {
  auto f = Create("a");
  ASSERT_TRUE(f->WriteAt(0, "hello world", 11).ok());
  ASSERT_TRUE(f->WriteAt(6, "WORLD", 5).ok());
  EXPECT_EQ(ReadAll(*f, 0, 11), "hello WORLD");
  EXPECT_EQ(ReadAll(*f, 6, 100), "WORLD");  // short read at end of file
  EXPECT_EQ(ReadAll(*f, 50, 10), "");
  EXPECT_EQ(f->Size().value(), 11u);
  ASSERT_TRUE(f->Sync().ok());
  f.reset();
  // Reopen read-only: the bytes are still there, and writes are refused.
  auto again = env_->OpenFile(P("a"), FileOptions{});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(ReadAll(**again, 0, 11), "hello WORLD");
  EXPECT_FALSE((*again)->WriteAt(0, "x", 1).ok());
}

TEST_P(EnvTest, WriteBeyondEndLeavesZeroHole) {
  auto f = Create("hole");
  ASSERT_TRUE(f->WriteAt(8192, "z", 1).ok());
  EXPECT_EQ(f->Size().value(), 8193u);
  EXPECT_EQ(ReadAll(*f, 0, 4), std::string(4, '\0'));
}

TEST_P(EnvTest, OpenMissingAndExclusive) {
  auto missing = env_->OpenFile(P("nope"), FileOptions{});
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  Create("x");
  FileOptions excl;
  excl.create = excl.exclusive = true;
  EXPECT_EQ(env_->OpenFile(P("x"), excl).status().code(), Code::kAlreadyExists);
  auto in_missing_dir = env_->OpenFile(P("no/such/dir/file"), FileOptions{.create = true});
  EXPECT_FALSE(in_missing_dir.ok());
}

TEST_P(EnvTest, TruncateOnOpenAndTruncateCall) {
  auto f = Create("t");
  ASSERT_TRUE(f->WriteAt(0, "abcdef", 6).ok());
  ASSERT_TRUE(f->Truncate(3).ok());
  EXPECT_EQ(f->Size().value(), 3u);
  ASSERT_TRUE(f->Truncate(6).ok());  // regrowing reads zeros, not the old bytes
  EXPECT_EQ(ReadAll(*f, 0, 6), std::string("abc\0\0\0", 6));
  f.reset();
  FileOptions opts;
  opts.write = opts.truncate = true;
  auto g = env_->OpenFile(P("t"), opts);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ((*g)->Size().value(), 0u);
}

TEST_P(EnvTest, AllocateGrowsButNeverShrinks) {
  auto f = Create("alloc");
  ASSERT_TRUE(f->Allocate(0, 65536).ok());
  EXPECT_EQ(f->Size().value(), 65536u);
  ASSERT_TRUE(f->Allocate(0, 4096).ok());
  EXPECT_EQ(f->Size().value(), 65536u);
  EXPECT_EQ(ReadAll(*f, 60000, 8), std::string(8, '\0'));
}

TEST_P(EnvTest, RenameReplacesAtomically) {
  auto a = Create("a");
  ASSERT_TRUE(a->WriteAt(0, "new", 3).ok());
  auto b = Create("b");
  ASSERT_TRUE(b->WriteAt(0, "old!", 4).ok());
  ASSERT_TRUE(env_->Rename(P("a"), P("b")).ok());
  ASSERT_TRUE(env_->SyncDir(root_).ok());
  EXPECT_FALSE(env_->Exists(P("a")).value());
  EXPECT_EQ(ReadFileToString(*env_, P("b")).value(), "new");
  // The handle opened before the rename still reaches the renamed file.
  ASSERT_TRUE(a->WriteAt(3, "er", 2).ok());
  EXPECT_EQ(ReadFileToString(*env_, P("b")).value(), "newer");
  EXPECT_EQ(env_->Rename(P("missing"), P("c")).code(), Code::kNotFound);
}

TEST_P(EnvTest, DirectoriesListSortedAndRemove) {
  ASSERT_TRUE(env_->CreateDirs(P("d/e/f")).ok());
  ASSERT_TRUE(env_->CreateDirs(P("d/e/f")).ok());  // idempotent
  ASSERT_TRUE(env_->CreateDir(P("d")).ok());
  Create("d/b");
  Create("d/a");
  Create("d/c");
  EXPECT_EQ(env_->ListDir(P("d")).value(), (std::vector<std::string>{"a", "b", "c", "e"}));
  EXPECT_TRUE(env_->IsDirectory(P("d/e")).value());
  EXPECT_FALSE(env_->IsDirectory(P("d/a")).value());
  EXPECT_FALSE(env_->RemoveDir(P("d")).ok());  // not empty
  ASSERT_TRUE(env_->RemoveFile(P("d/a")).ok());
  EXPECT_EQ(env_->RemoveFile(P("d/a")).code(), Code::kNotFound);
  EXPECT_EQ(env_->ListDir(P("d")).value(), (std::vector<std::string>{"b", "c", "e"}));
  ASSERT_TRUE(env_->RemoveAll(P("d")).ok());
  EXPECT_FALSE(env_->Exists(P("d")).value());
  EXPECT_FALSE(env_->Exists(P("d/e/f")).value());
  EXPECT_TRUE(env_->RemoveAll(P("d")).ok());  // already gone is fine
  EXPECT_EQ(env_->ListDir(P("d")).status().code(), Code::kNotFound);
  EXPECT_TRUE(env_->SyncDir(root_).ok());
}

TEST_P(EnvTest, FileSizeAndExists) {
  auto f = Create("s");
  ASSERT_TRUE(f->WriteAt(0, "12345", 5).ok());
  EXPECT_EQ(env_->FileSize(P("s")).value(), 5u);
  EXPECT_TRUE(env_->Exists(P("s")).value());
  EXPECT_EQ(env_->FileSize(P("none")).status().code(), Code::kNotFound);
}

TEST_P(EnvTest, MapSeesLaterWrites) {
  auto f = Create("m");
  ASSERT_TRUE(f->Allocate(0, 8192).ok());
  ASSERT_TRUE(f->WriteAt(0, "first", 5).ok());
  auto map = f->Map(8192);
  ASSERT_TRUE(map.ok()) << map.status().ToString();
  EXPECT_EQ(std::string((*map)->data(), 5), "first");
  ASSERT_TRUE(f->WriteAt(4096, "later", 5).ok());
  EXPECT_EQ(std::string((*map)->data() + 4096, 5), "later");
  EXPECT_FALSE(f->Map(1 << 20).ok());  // beyond the end of the file
}

TEST_P(EnvTest, RemovedFileStaysReadableThroughOpenHandle) {
  auto f = Create("gone");
  ASSERT_TRUE(f->WriteAt(0, "still", 5).ok());
  ASSERT_TRUE(env_->RemoveFile(P("gone")).ok());
  EXPECT_EQ(ReadAll(*f, 0, 5), "still");
  EXPECT_FALSE(env_->Exists(P("gone")).value());
}

TEST_P(EnvTest, LockIsExclusiveUntilReleased) {
  auto first = env_->LockFile(P("LOCK"));
  ASSERT_TRUE(first.ok());
  if (GetParam() == Kind::kMem) {
    EXPECT_EQ(env_->LockFile(P("LOCK")).status().code(), Code::kBusy);
  } else {
    // flock locks are per open file description: a second open in the same process conflicts.
    EXPECT_EQ(env_->LockFile(P("LOCK")).status().code(), Code::kBusy);
  }
  first->reset();
  EXPECT_TRUE(env_->LockFile(P("LOCK")).ok());
}

TEST_P(EnvTest, WriteFileAtomicallyReplacesContents) {
  ASSERT_TRUE(WriteFileAtomically(*env_, P("cfg"), "one").ok());
  ASSERT_TRUE(WriteFileAtomically(*env_, P("cfg"), "two").ok());
  EXPECT_EQ(ReadFileToString(*env_, P("cfg")).value(), "two");
  EXPECT_FALSE(env_->Exists(P("cfg.tmp")).value());
}

TEST_P(EnvTest, ConcurrentWritersToDistinctRanges) {
  auto f = Create("par");
  constexpr int kThreads = 4, kBlocks = 64, kBlock = 4096;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string block(kBlock, static_cast<char>('a' + t));
      for (int b = t; b < kBlocks; b += kThreads) {
        EXPECT_TRUE(
            f->WriteAt(uint64_t{static_cast<uint64_t>(b)} * kBlock, block.data(), kBlock).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int b = 0; b < kBlocks; ++b) {
    EXPECT_EQ(ReadAll(*f, uint64_t{static_cast<uint64_t>(b)} * kBlock, 1)[0],
              static_cast<char>('a' + b % kThreads));
  }
}

TEST_P(EnvTest, ClocksAdvance) {
  const uint64_t wall = env_->NowMicros();
  EXPECT_GT(wall, uint64_t{1600000000} * 1000000);  // after 2020
  const uint64_t t0 = env_->MonotonicNanos();
  env_->SleepMicros(2000);
  EXPECT_GE(env_->MonotonicNanos() - t0, 2000u * 1000);
  EXPECT_NE(env_->RandomUint64(), env_->RandomUint64());
}

INSTANTIATE_TEST_SUITE_P(AllEnvs, EnvTest,
                         ::testing::Values(Kind::kPosix, Kind::kMem, Kind::kFault),
                         [](const auto& info) {
                           switch (info.param) {
                             case Kind::kPosix:
                               return "Posix";
                             case Kind::kMem:
                               return "Mem";
                             case Kind::kFault:
                               return "Fault";
                           }
                           return "?";
                         });

TEST(PosixEnvTest, DirectIoAlignedWriteOrClearRefusal) {
  auto env = NewPosixEnv();
  char tmpl[] = "/tmp/rookery-direct-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string path = JoinPath(tmpl, "j");
  FileOptions opts;
  opts.create = opts.direct_io = opts.data_sync = true;
  auto f = env->OpenFile(path, opts);
  if (!f.ok()) {
    // Some file systems (tmpfs on older kernels) refuse O_DIRECT; that must be reported clearly.
    EXPECT_EQ(f.status().code(), Code::kNotSupported);
    EXPECT_NE(f.status().message().find("O_DIRECT"), std::string_view::npos);
  } else {
    EXPECT_TRUE((*f)->direct_io());
    ASSERT_TRUE((*f)->Allocate(0, 8192).ok());
    void* buf = std::aligned_alloc(kDirectIoAlignment, kDirectIoAlignment);
    std::memset(buf, 'j', kDirectIoAlignment);
    EXPECT_TRUE((*f)->WriteAt(4096, buf, kDirectIoAlignment).ok());
    std::free(buf);
    f->reset();
    std::string all = ReadFileToString(*env, path).value();
    EXPECT_EQ(all.size(), 8192u);
    EXPECT_EQ(all[4096], 'j');
    EXPECT_EQ(all[0], '\0');
  }
  EXPECT_TRUE(env->RemoveAll(tmpl).ok());
}

TEST(PathTest, JoinDirBase) {
  EXPECT_EQ(JoinPath("a", "b"), "a/b");
  EXPECT_EQ(JoinPath("a/", "/b"), "a/b");
  EXPECT_EQ(JoinPath("/", "b"), "/b");
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
  EXPECT_EQ(BaseName("a/b/c"), "c");
  EXPECT_EQ(BaseName("a/b/"), "b");
}

}  // namespace
}  // namespace rookery::platform
