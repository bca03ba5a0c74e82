// FaultEnv: error injection by op counter, power loss at op k, direct I/O checks, determinism,
// threads and the manual clock.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "platform/fault_env.h"
#include "platform/fault_env_test_util.h"

namespace rookery::platform {
namespace {

using namespace fault_test;  // NOLINT: test helpers

// ---- Error injection ----

TEST(FaultEnvTest, InjectedEioFiresOnceAtTheNthOp) {
  FaultEnv env(1);
  DurableDir(env);
  auto f = Open(env, "/db/f");
  const uint64_t next = env.io_ops() + 1;
  env.InjectFault({.at_op = next + 1, .kind = FaultKind::kEIO});
  Write(*f, 0, "one");                            // op next
  const Status failed = f->WriteAt(3, "two", 3);  // op next + 1
  EXPECT_EQ(failed.code(), Code::kIOError);
  EXPECT_NE(failed.message().find("injected EIO at I/O op " + std::to_string(next + 1)),
            std::string_view::npos)
      << failed.ToString();
  Write(*f, 3, "two");  // once: the next op succeeds
  EXPECT_EQ(Contents(env, "/db/f"), "onetwo");
  EXPECT_EQ(env.faults_fired(), 1u);
}

TEST(FaultEnvTest, PersistentFaultWithFilterAndPath) {
  FaultEnv env(1);
  DurableDir(env);
  auto j = Open(env, "/db/journal");
  auto d = Open(env, "/db/data");
  env.InjectFault({.at_op = env.io_ops() + 1,
                   .kind = FaultKind::kENOSPC,
                   .persistent = true,
                   .filter = OpFilter::kWrites,
                   .path_contains = "journal"});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(j->WriteAt(0, "x", 1).code(), Code::kNoSpace);
    Write(*d, 0, "ok");  // other paths are unaffected
  }
  EXPECT_TRUE(j->Sync().ok());       // not a write
  EXPECT_TRUE(j->Truncate(0).ok());  // kWrites is WriteAt only
  char c;
  EXPECT_TRUE(j->ReadAt(0, &c, 1).ok());
  EXPECT_EQ(env.faults_fired(), 3u);
  env.ClearFaults();
  Write(*j, 0, "x");
}

TEST(FaultEnvTest, SyncFilterFailsOnlySyncs) {
  FaultEnv env(1);
  DurableDir(env);
  auto f = Open(env, "/db/f");
  env.InjectFault({.at_op = 0, .persistent = true, .filter = OpFilter::kSyncs});
  Write(*f, 0, "data");
  EXPECT_EQ(f->Sync().code(), Code::kIOError);
  EXPECT_EQ(env.SyncDir(kDir).code(), Code::kIOError);
  EXPECT_EQ(env.unsynced_dir_ops(kDir), 1u);  // a failed SyncDir leaves the creation unsynced
  EXPECT_TRUE(env.ListDir(kDir).ok());
}

TEST(FaultEnvTest, FailedSyncLosesTheWritesLikeLinux) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    FaultEnv env(seed);
    DurableDir(env);
    DurableFile(env, "/db/f", "old!");
    auto f = Open(env, "/db/f", {.write = true});
    Write(*f, 0, "NEW!");
    env.InjectFault({.at_op = 0, .filter = OpFilter::kFileSyncs});
    EXPECT_EQ(f->Sync().code(), Code::kIOError);
    EXPECT_EQ(Contents(env, "/db/f"), "NEW!");  // still in the "page cache"
    EXPECT_EQ(env.unsynced_bytes("/db/f"), 0u);
    EXPECT_TRUE(f->Sync().ok());  // a retried fsync "succeeds"...
    env.SimulatePowerLoss();
    EXPECT_EQ(Contents(env, "/db/f"), "old!") << "seed " << seed;  // ...but the data is gone
  }
}

TEST(FaultEnvTest, ShortWriteAppliesASectorAlignedPrefix) {
  std::set<size_t> prefixes;
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    FaultEnv env(seed);
    DurableDir(env);
    auto f = Open(env, "/db/f");
    env.InjectFault({.at_op = 0, .kind = FaultKind::kShortWrite});
    const std::string data(4 * kSectorSize, 'w');
    const Status status = f->WriteAt(0, data.data(), data.size());
    EXPECT_EQ(status.code(), Code::kNoSpace);
    EXPECT_NE(status.message().find("short write"), std::string_view::npos);
    const uint64_t size = f->Size().value();
    EXPECT_EQ(size % kSectorSize, 0u) << "seed " << seed;
    EXPECT_LT(size, data.size());
    EXPECT_EQ(Contents(env, "/db/f"), std::string(size, 'w'));
    prefixes.insert(size);
    // A short write on a write within one sector still applies fewer bytes than asked.
    env.InjectFault({.at_op = 0, .kind = FaultKind::kShortWrite});
    EXPECT_EQ(f->WriteAt(8192, "0123456789", 10).code(), Code::kNoSpace);
    EXPECT_LT(f->Size().value(), 8192u + 10);
  }
  EXPECT_GE(prefixes.size(), 2u);
}

TEST(FaultEnvTest, FaultKindsOnNamespaceOps) {
  FaultEnv env(1);
  DurableDir(env);
  env.InjectFault({.at_op = 0, .kind = FaultKind::kENOSPC, .filter = OpFilter::kOpens});
  EXPECT_EQ(env.OpenFile("/db/f", {.create = true}).status().code(), Code::kNoSpace);
  EXPECT_FALSE(env.Exists("/db/f").value());  // a failed op has no effect
  env.InjectFault({.at_op = 0, .kind = FaultKind::kENOSPC, .filter = OpFilter::kNamespace});
  EXPECT_EQ(env.ListDir(kDir).status().code(), Code::kIOError);  // listings cannot need space
  env.InjectFault({.at_op = 0, .filter = OpFilter::kNamespace, .path_contains = "/db/b"});
  DurableFile(env, "/db/a", "a");
  EXPECT_EQ(env.Rename("/db/a", "/db/b").code(), Code::kIOError);  // either path matches
  EXPECT_EQ(Contents(env, "/db/a"), "a");
}

TEST(FaultEnvTest, ShortWriteOfAnUnalignedWriteEndsOnASectorBoundary) {
  std::set<uint64_t> sizes;
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    FaultEnv env(seed);
    DurableDir(env);
    auto f = Open(env, "/db/f");
    env.InjectFault({.at_op = 0, .kind = FaultKind::kShortWrite, .filter = OpFilter::kWrites});
    const std::string data(1500, 'u');
    EXPECT_EQ(f->WriteAt(100, data.data(), data.size()).code(), Code::kNoSpace);
    const uint64_t size = f->Size().value();
    EXPECT_TRUE(size == 0 || size == 512 || size == 1024 || size == 1536) << size;
    sizes.insert(size);
  }
  EXPECT_GE(sizes.size(), 3u);
}

TEST(FaultEnvTest, OpCounterCountsIoCallsOnly) {
  FaultEnv env(1);
  EXPECT_EQ(env.io_ops(), 0u);
  ASSERT_TRUE(env.CreateDir("/db").ok());  // 1
  auto f = Open(env, "/db/f");             // 2
  Write(*f, 0, "abc");                     // 3
  char buf[3];
  ASSERT_TRUE(f->ReadAt(0, buf, 3).ok());  // 4
  ASSERT_TRUE(f->Sync().ok());             // 5
  ASSERT_TRUE(env.SyncDir("/db").ok());    // 6
  EXPECT_EQ(env.io_ops(), 6u);
  // Metadata queries, clocks and refused calls do not count.
  EXPECT_TRUE(env.Exists("/db/f").value());
  EXPECT_TRUE(env.IsDirectory("/db").value());
  EXPECT_EQ(env.FileSize("/db/f").value(), 3u);
  EXPECT_EQ(f->Size().value(), 3u);
  (void)env.NowMicros();
  auto ro = Open(env, "/db/f", FileOptions{});  // 7
  EXPECT_EQ(ro->WriteAt(0, "x", 1).code(), Code::kPermissionDenied);
  EXPECT_EQ(env.io_ops(), 7u);
  EXPECT_EQ(env.RemoveFile("/db/missing").code(), Code::kNotFound);  // 8: failed, but counted
  EXPECT_EQ(env.io_ops(), 8u);
}

TEST(FaultEnvTest, SyncAllMakesEverythingDurable) {
  FaultEnv env(2);
  ASSERT_TRUE(env.CreateDirs("/db/sub").ok());
  auto f = Open(env, "/db/sub/f");
  Write(*f, 0, "kept");
  env.InjectFault({.at_op = 0, .filter = OpFilter::kFileSyncs});
  EXPECT_FALSE(f->Sync().ok());  // drops the write from the durable path...
  env.SyncAll();                 // ...but SyncAll copies whatever is live
  EXPECT_EQ(env.unsynced_bytes("/db/sub/f"), 0u);
  EXPECT_EQ(env.unsynced_dir_ops("/db"), 0u);
  env.SimulatePowerLoss(CrashOptions{.keep_no_unsynced = true});
  EXPECT_EQ(Contents(env, "/db/sub/f"), "kept");
}

// ---- Power loss at op k ----

TEST(FaultEnvTest, ArmedPowerLossStopsEverythingFromOpK) {
  FaultEnv env(1);
  DurableDir(env);
  DurableFile(env, "/db/f", "base");
  auto f = Open(env, "/db/f", {.write = true});
  const uint64_t k = env.io_ops() + 3;
  env.ArmPowerLossAtOp(k);
  Write(*f, 0, "1");            // op k - 2
  ASSERT_TRUE(f->Sync().ok());  // op k - 1
  EXPECT_FALSE(env.power_lost());
  EXPECT_EQ(f->WriteAt(1, "2", 1).code(), Code::kIOError);  // op k
  EXPECT_TRUE(env.power_lost());
  EXPECT_EQ(f->Sync().code(), Code::kIOError);
  EXPECT_EQ(env.OpenFile("/db/g", {.create = true}).status().code(), Code::kIOError);
  EXPECT_EQ(env.Exists("/db/f").status().code(), Code::kIOError);
  EXPECT_EQ(env.io_ops(), k + 2);
  env.SimulatePowerLoss();
  EXPECT_FALSE(env.power_lost());
  EXPECT_EQ(Contents(env, "/db/f"), "1ase");
  EXPECT_FALSE(env.Exists("/db/g").value());
}

// The crash-point sweep a harness runs: WriteFileAtomically must leave the old or the new
// contents, whatever op the power fails at.
TEST(FaultEnvTest, CrashPointSweepOverAtomicReplace) {
  uint64_t crash_points = 0;
  for (uint64_t k = 1;; ++k) {
    SCOPED_TRACE("crash at op " + std::to_string(k));
    FaultEnv env(k);
    DurableDir(env);
    ASSERT_TRUE(WriteFileAtomically(env, "/db/cfg", "one").ok());
    const uint64_t start = env.io_ops();
    env.ArmPowerLossAtOp(start + k);
    const Status status = WriteFileAtomically(env, "/db/cfg", "two");
    const bool crashed = env.power_lost();
    EXPECT_EQ(status.ok(), !crashed);
    env.SimulatePowerLoss(CrashOptions{.strict_order = k % 2 == 0});
    const std::string got = Contents(env, "/db/cfg");
    if (!crashed) {
      EXPECT_EQ(got, "two");  // acknowledged, so it must survive
      break;
    }
    EXPECT_TRUE(got == "one" || got == "two") << got;
    ++crash_points;
  }
  EXPECT_GE(crash_points, 5u);  // open, write, sync, rename, syncdir
}

// ---- Direct I/O ----

TEST(FaultEnvTest, DirectIoRefusalAndAlignmentChecks) {
  FaultEnv env(1);
  DurableDir(env);
  env.SetDirectIoSupported(false);
  auto refused = env.OpenFile("/db/d", {.create = true, .direct_io = true});
  EXPECT_EQ(refused.status().code(), Code::kNotSupported);
  EXPECT_NE(refused.status().message().find("O_DIRECT"), std::string_view::npos);
  EXPECT_FALSE(env.Exists("/db/d").value());

  env.SetDirectIoSupported(true);
  auto f = Open(env, "/db/d", {.create = true, .direct_io = true});
  EXPECT_TRUE(f->direct_io());
  void* raw = std::aligned_alloc(kDirectIoAlignment, 2 * kDirectIoAlignment);
  char* buf = static_cast<char*>(raw);
  std::memset(buf, 'd', 2 * kDirectIoAlignment);
  EXPECT_TRUE(f->WriteAt(0, buf, kDirectIoAlignment).ok());
  EXPECT_EQ(f->WriteAt(512, buf, kDirectIoAlignment).code(), Code::kInvalidArgument);
  EXPECT_EQ(f->WriteAt(0, buf, 512).code(), Code::kInvalidArgument);
  EXPECT_EQ(f->WriteAt(0, buf + 1, kDirectIoAlignment).code(), Code::kInvalidArgument);
  EXPECT_EQ(f->ReadAt(0, buf + 8, kDirectIoAlignment).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(f->ReadAt(0, buf, kDirectIoAlignment).value(), kDirectIoAlignment);
  std::free(raw);
  // Without direct_io anything goes.
  auto plain = Open(env, "/db/d", {.write = true});
  EXPECT_FALSE(plain->direct_io());
  Write(*plain, 3, "x");
}

// ---- Determinism ----

std::map<std::string, std::string> RunWorkloadAndCrash(uint64_t seed) {
  FaultEnv env(seed);
  DurableDir(env);
  std::mt19937_64 rng(1234);  // the workload is fixed; only the env's seed varies
  auto uniform = [&](uint64_t n) { return rng() % n; };
  std::vector<std::unique_ptr<File>> files;
  for (int i = 0; i < 4; ++i) files.push_back(Open(env, "/db/f" + std::to_string(i)));
  EXPECT_TRUE(env.SyncDir(kDir).ok());
  for (int step = 0; step < 200; ++step) {
    File& f = *files[uniform(files.size())];
    const uint64_t offset = uniform(16384);
    const std::string bytes(1 + uniform(3000), static_cast<char>('a' + step % 26));
    EXPECT_TRUE(f.WriteAt(offset, bytes.data(), bytes.size()).ok());
    if (uniform(10) == 0) {
      EXPECT_TRUE(f.Sync().ok());
    }
    if (uniform(40) == 0) {
      EXPECT_TRUE(f.Truncate(uniform(8192)).ok());
    }
  }
  auto extra = Open(env, "/db/unsynced-name");
  Write(*extra, 0, "x");
  env.SimulatePowerLoss(CrashOptions{.bit_rot = true, .drop_all_unsynced_dir_ops = false});
  auto state = Dump(env);
  state["random"] = std::to_string(env.RandomUint64());
  return state;
}

TEST(FaultEnvTest, SameSeedSameWorkloadGivesByteIdenticalCrashState) {
  const auto first = RunWorkloadAndCrash(99);
  EXPECT_EQ(first, RunWorkloadAndCrash(99));
  bool some_seed_differs = false;
  for (uint64_t seed = 100; seed < 104; ++seed) {
    some_seed_differs |= RunWorkloadAndCrash(seed) != first;
  }
  EXPECT_TRUE(some_seed_differs);
}

// ---- Threads ----

TEST(FaultEnvTest, ConcurrentCommitFlushSyncThreads) {
  FaultEnv env(21);
  DurableDir(env);
  constexpr int kWriters = 3, kBlocks = 64, kBlock = 4096;
  std::vector<std::unique_ptr<File>> files;
  for (int t = 0; t < kWriters; ++t) files.push_back(Open(env, "/db/w" + std::to_string(t)));
  ASSERT_TRUE(env.SyncDir(kDir).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      const std::string block(kBlock, static_cast<char>('a' + t));
      for (int b = 0; b < kBlocks; ++b) {
        EXPECT_TRUE(files[t]->WriteAt(uint64_t(b) * kBlock, block.data(), kBlock).ok());
        if (b % 8 == 7) {
          EXPECT_TRUE(files[t]->Sync().ok());
        }
      }
    });
  }
  threads.emplace_back([&] {  // a "syncer" touching the namespace meanwhile
    for (int i = 0; i < 50; ++i) {
      EXPECT_TRUE(env.SyncDir(kDir).ok());
      EXPECT_TRUE(env.ListDir(kDir).ok());
      (void)env.unsynced_bytes("/db/w0");
      (void)env.RandomUint64();
    }
  });
  for (auto& th : threads) th.join();
  env.SimulatePowerLoss();
  for (int t = 0; t < kWriters; ++t) {
    EXPECT_EQ(Contents(env, "/db/w" + std::to_string(t)),
              std::string(kBlocks * kBlock, static_cast<char>('a' + t)));
  }
  // Handles from before are dead even when used from several threads at once.
  std::vector<std::thread> late;
  for (int t = 0; t < kWriters; ++t) {
    late.emplace_back([&, t] { EXPECT_EQ(files[t]->Sync().code(), Code::kFailedState); });
  }
  for (auto& th : late) th.join();
}

// ---- Clock ----

TEST(FaultEnvTest, ManualClockMovesOnlyWhenTold) {
  FaultEnv env(1);
  env.SetManualClock(true);
  const uint64_t wall = env.NowMicros(), mono = env.MonotonicNanos();
  EXPECT_EQ(wall, uint64_t{1704067200} * 1000000);
  EXPECT_EQ(env.NowMicros(), wall);
  env.AdvanceMicros(1500);
  EXPECT_EQ(env.NowMicros(), wall + 1500);
  EXPECT_EQ(env.MonotonicNanos(), mono + 1500000);
  env.SleepMicros(uint64_t{3600} * 1000000);  // returns at once, an hour later
  EXPECT_EQ(env.NowMicros(), wall + 1500 + uint64_t{3600} * 1000000);
  env.SetManualClock(false);
  EXPECT_GT(env.NowMicros(), uint64_t{1600000000} * 1000000);
}

TEST(FaultEnvTest, RandomUint64FollowsTheSeed) {
  FaultEnv a(5), b(5), c(6);
  const uint64_t first = a.RandomUint64();
  EXPECT_EQ(first, b.RandomUint64());
  EXPECT_NE(first, c.RandomUint64());
}

}  // namespace
}  // namespace rookery::platform
