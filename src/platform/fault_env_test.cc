// FaultEnv: what survives a simulated power loss (data, names, handles). Error injection,
// determinism, threads and the clock are in fault_env_inject_test.cc; the shared Env contract
// runs against FaultEnv in env_test.cc.
#include "platform/fault_env.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "platform/fault_env_test_util.h"

namespace rookery::platform {
namespace {

using namespace fault_test;  // NOLINT: test helpers

// ---- Power loss: data ----

TEST(FaultEnvTest, SyncedDataSurvivesEveryKindOfCrash) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    FaultEnv env(seed);
    DurableDir(env);
    DurableFile(env, "/db/a", std::string(5000, 'a'));
    CrashOptions options;
    options.strict_order = seed % 2 == 0;
    options.bit_rot = seed % 3 == 0;
    options.drop_all_unsynced_dir_ops = seed % 4 != 0;
    env.SimulatePowerLoss(options);
    EXPECT_EQ(Contents(env, "/db/a"), std::string(5000, 'a'));
  }
}

TEST(FaultEnvTest, KeepNoUnsyncedDropsEveryUnsyncedChange) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    FaultEnv env(seed);
    DurableDir(env);
    DurableFile(env, "/db/a", "synced!");
    auto f = Open(env, "/db/a", {.write = true});
    Write(*f, 0, "OVER");
    Write(*f, 100, "appended");
    ASSERT_TRUE(f->Allocate(0, 8192).ok());
    ASSERT_TRUE(f->Truncate(3).ok());
    EXPECT_EQ(env.unsynced_bytes("/db/a"), 12u);
    env.SimulatePowerLoss(CrashOptions{.keep_no_unsynced = true});
    EXPECT_EQ(Contents(env, "/db/a"), "synced!") << "seed " << seed;
    EXPECT_EQ(env.unsynced_bytes("/db/a"), 0u);
  }
}

TEST(FaultEnvTest, SyncedTruncateAndAllocateAreDurable) {
  FaultEnv env(7);
  DurableDir(env);
  DurableFile(env, "/db/a", "0123456789");
  auto f = Open(env, "/db/a", {.write = true});
  ASSERT_TRUE(f->Truncate(4).ok());
  ASSERT_TRUE(f->Allocate(0, 6).ok());
  ASSERT_TRUE(f->Sync().ok());
  env.SimulatePowerLoss(CrashOptions{.keep_no_unsynced = true});
  EXPECT_EQ(Contents(env, "/db/a"), std::string("0123\0\0", 6));
}

// Twenty one-sector writes of distinct bytes: which of them survived, as a bit per write.
std::vector<bool> SurvivingSectorWrites(uint64_t seed, const CrashOptions& options) {
  FaultEnv env(seed);
  DurableDir(env);
  DurableFile(env, "/db/f", std::string(20 * kSectorSize, '.'));
  auto f = Open(env, "/db/f", {.write = true});
  for (int i = 0; i < 20; ++i) Write(*f, i * kSectorSize, std::string(kSectorSize, 'A' + i));
  env.SimulatePowerLoss(options);
  const std::string image = Contents(env, "/db/f");
  EXPECT_EQ(image.size(), 20 * kSectorSize);
  std::vector<bool> survived;
  for (int i = 0; i < 20; ++i) {
    const std::string sector = image.substr(i * kSectorSize, kSectorSize);
    const bool applied = sector == std::string(kSectorSize, 'A' + i);
    EXPECT_TRUE(applied || sector == std::string(kSectorSize, '.')) << "sector " << i;
    survived.push_back(applied);
  }
  return survived;
}

TEST(FaultEnvTest, StrictOrderKeepsAPrefixOfUnsyncedWrites) {
  std::set<size_t> prefix_lengths;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    const auto survived = SurvivingSectorWrites(seed, CrashOptions{.strict_order = true});
    size_t length = 0;
    while (length < survived.size() && survived[length]) ++length;
    for (size_t i = length; i < survived.size(); ++i) {
      EXPECT_FALSE(survived[i]) << "seed " << seed << ": write " << i << " survived after a gap";
    }
    prefix_lengths.insert(length);
  }
  EXPECT_GE(prefix_lengths.size(), 5u);  // the prefix length really is random
}

TEST(FaultEnvTest, DefaultModeKeepsAnArbitrarySubset) {
  bool saw_gap = false;
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    const auto survived = SurvivingSectorWrites(seed, CrashOptions{});
    for (size_t i = 1; i < survived.size(); ++i) saw_gap |= survived[i] && !survived[i - 1];
  }
  EXPECT_TRUE(saw_gap);
}

TEST(FaultEnvTest, TornWritesLandWholeSectors) {
  // An aligned 8-sector overwrite and an unaligned write that spans partial sectors at both ends.
  struct Case {
    uint64_t offset;
    size_t length;
  };
  for (const Case& c : {Case{0, 8 * kSectorSize}, Case{100, 1500}}) {
    int torn = 0, whole = 0, dropped = 0;
    for (uint64_t seed = 1; seed <= 64; ++seed) {
      FaultEnv env(seed);
      DurableDir(env);
      DurableFile(env, "/db/f", std::string(8 * kSectorSize, 'o'));
      auto f = Open(env, "/db/f", {.write = true});
      Write(*f, c.offset, std::string(c.length, 'N'));
      env.SimulatePowerLoss(CrashOptions{.tear = true});
      const std::string image = Contents(env, "/db/f");
      ASSERT_EQ(image.size(), 8 * kSectorSize);
      size_t new_pieces = 0, pieces = 0;
      for (uint64_t pos = c.offset; pos < c.offset + c.length;) {
        const uint64_t end =
            std::min<uint64_t>(c.offset + c.length, (pos / kSectorSize + 1) * kSectorSize);
        const std::string piece = image.substr(pos, end - pos);
        const bool is_new = piece == std::string(end - pos, 'N');
        ASSERT_TRUE(is_new || piece == std::string(end - pos, 'o'))
            << "seed " << seed << ": a sector piece at " << pos << " is mixed";
        new_pieces += is_new ? 1 : 0;
        ++pieces;
        pos = end;
      }
      // Bytes outside the write are untouched.
      EXPECT_EQ(image.substr(0, c.offset), std::string(c.offset, 'o'));
      EXPECT_EQ(image.substr(c.offset + c.length),
                std::string(8 * kSectorSize - c.offset - c.length, 'o'));
      if (new_pieces == 0) {
        ++dropped;
      } else if (new_pieces == pieces) {
        ++whole;
      } else {
        ++torn;
      }
    }
    EXPECT_GT(torn, 0) << "offset " << c.offset;
    EXPECT_GT(whole, 0);
    EXPECT_GT(dropped, 0);
  }
}

TEST(FaultEnvTest, TornAppendGrowsOnlyToTheLastLandedSector) {
  bool saw_partial = false;
  for (uint64_t seed = 1; seed <= 64; ++seed) {
    FaultEnv env(seed);
    DurableDir(env);
    DurableFile(env, "/db/f", "");
    auto f = Open(env, "/db/f", {.write = true});
    Write(*f, 0, std::string(4 * kSectorSize, 'N'));
    env.SimulatePowerLoss(CrashOptions{.strict_order = true});
    const std::string image = Contents(env, "/db/f");
    ASSERT_EQ(image.size() % kSectorSize, 0u) << "seed " << seed;
    ASSERT_LE(image.size(), 4 * kSectorSize);
    ASSERT_TRUE(image.empty() ||
                image.substr(image.size() - kSectorSize) == std::string(kSectorSize, 'N'))
        << "seed " << seed << ": the file ends in a sector that never landed";
    for (size_t s = 0; s < image.size(); s += kSectorSize) {
      const std::string sector = image.substr(s, kSectorSize);
      ASSERT_TRUE(sector == std::string(kSectorSize, 'N') ||
                  sector == std::string(kSectorSize, '\0'));  // a hole before a landed sector
    }
    saw_partial |= !image.empty() && image.size() < 4 * kSectorSize;
  }
  EXPECT_TRUE(saw_partial);
}

TEST(FaultEnvTest, BitRotFlipsOneBitInsideKeptUnsyncedBytesOnly) {
  int flips = 0;
  for (uint64_t seed = 1; seed <= 32; ++seed) {
    FaultEnv env(seed);
    DurableDir(env);
    DurableFile(env, "/db/f", std::string(4096, 'A'));
    auto f = Open(env, "/db/f", {.write = true});
    Write(*f, 1024, std::string(1024, 'B'));
    env.SimulatePowerLoss(CrashOptions{.tear = false, .bit_rot = true});
    const std::string image = Contents(env, "/db/f");
    ASSERT_EQ(image.size(), 4096u);
    EXPECT_EQ(image.substr(0, 1024), std::string(1024, 'A')) << "seed " << seed;
    EXPECT_EQ(image.substr(2048), std::string(2048, 'A')) << "seed " << seed;
    const std::string region = image.substr(1024, 1024);
    const bool kept = std::count(region.begin(), region.end(), 'B') >= 1000;
    int odd = 0;
    for (char c : region) {
      if (c == (kept ? 'B' : 'A')) continue;
      ++odd;
      EXPECT_TRUE(kept) << "seed " << seed << ": rot in a write the crash dropped";
      EXPECT_EQ(__builtin_popcount(static_cast<unsigned char>(c ^ 'B')), 1);
    }
    EXPECT_EQ(odd, kept ? 1 : 0) << "seed " << seed;
    flips += odd;
  }
  EXPECT_GT(flips, 0);
}

TEST(FaultEnvTest, DataSyncWritesAreDurableWhenWriteReturns) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    FaultEnv env(seed);
    DurableDir(env);
    DurableFile(env, "/db/j", std::string(2048, '.'));
    auto plain = Open(env, "/db/j", {.write = true});
    auto dsync = Open(env, "/db/j", {.write = true, .data_sync = true});
    Write(*dsync, 0, std::string(512, 'D'));     // nothing pending: durable at once
    Write(*plain, 512, std::string(1024, 'p'));  // unsynced
    Write(*dsync, 1024, std::string(512, 'E'));  // durable, over part of the unsynced write
    Write(*dsync, 2048, "tail");                 // durable, and grows the file
    EXPECT_EQ(env.unsynced_bytes("/db/j"), 1024u);
    env.SimulatePowerLoss(CrashOptions{.keep_no_unsynced = true});
    const std::string image = Contents(env, "/db/j");
    EXPECT_EQ(image, std::string(512, 'D') + std::string(512, '.') + std::string(512, 'E') +
                         std::string(512, '.') + "tail")
        << "seed " << seed;
  }
  // Without keep_no_unsynced the unsynced write may land, but never over the later O_DSYNC one.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    FaultEnv env(seed);
    DurableDir(env);
    DurableFile(env, "/db/j", "");
    auto plain = Open(env, "/db/j", {.write = true});
    auto dsync = Open(env, "/db/j", {.write = true, .data_sync = true});
    Write(*plain, 0, std::string(1024, 'p'));
    Write(*dsync, 0, std::string(512, 'E'));
    env.SimulatePowerLoss();
    const std::string image = Contents(env, "/db/j");
    ASSERT_GE(image.size(), 512u) << "seed " << seed;
    EXPECT_EQ(image.substr(0, 512), std::string(512, 'E')) << "seed " << seed;
  }
}

// ---- Power loss: names ----

TEST(FaultEnvTest, CreationSurvivesOnlyWithDirectorySync) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    FaultEnv env(seed);
    DurableDir(env);
    for (const char* name : {"/db/unsynced", "/db/synced"}) {
      auto f = Open(env, name);
      Write(*f, 0, "data");
      ASSERT_TRUE(f->Sync().ok());  // the data is durable; the name is not
    }
    EXPECT_EQ(env.unsynced_dir_ops(kDir), 2u);
    ASSERT_TRUE(env.SyncDir(kDir).ok());
    EXPECT_EQ(env.unsynced_dir_ops(kDir), 0u);
    auto late = Open(env, "/db/late");
    Write(*late, 0, "data");
    ASSERT_TRUE(late->Sync().ok());
    env.SimulatePowerLoss();
    EXPECT_EQ(Contents(env, "/db/synced"), "data");
    EXPECT_EQ(Contents(env, "/db/unsynced"), "data");  // created before the SyncDir
    EXPECT_EQ(Contents(env, "/db/late"), "<missing>") << "seed " << seed;
    EXPECT_EQ(env.ListDir(kDir).value(), (std::vector<std::string>{"synced", "unsynced"}));
  }
}

TEST(FaultEnvTest, UnsyncedDirectoryLosesEverythingBelowIt) {
  FaultEnv env(3);
  ASSERT_TRUE(env.CreateDirs("/db/sub").ok());
  ASSERT_TRUE(env.SyncDir("/db").ok());  // "sub" is recorded in /db, but /db is not in "/"
  DurableFile(env, "/db/sub/f", "x");
  env.SimulatePowerLoss();
  EXPECT_FALSE(env.Exists("/db").value());
  EXPECT_FALSE(env.Exists("/db/sub/f").value());
  EXPECT_EQ(env.ListDir("/").value(), std::vector<std::string>{});
}

TEST(FaultEnvTest, UnsyncedRenameRevertsAndSyncedRenameSticks) {
  for (bool sync_dir : {false, true}) {
    FaultEnv env(11);
    DurableDir(env);
    DurableFile(env, "/db/cfg", "old");
    DurableFile(env, "/db/cfg.tmp", "new");
    ASSERT_TRUE(env.Rename("/db/cfg.tmp", "/db/cfg").ok());
    if (sync_dir) {
      ASSERT_TRUE(env.SyncDir(kDir).ok());
    }
    env.SimulatePowerLoss();
    EXPECT_EQ(Contents(env, "/db/cfg"), sync_dir ? "new" : "old");
    EXPECT_EQ(Contents(env, "/db/cfg.tmp"), sync_dir ? "<missing>" : "new");
  }
}

TEST(FaultEnvTest, UnsyncedRemovalComesBack) {
  FaultEnv env(5);
  DurableDir(env);
  DurableFile(env, "/db/a", "alive");
  ASSERT_TRUE(env.RemoveFile("/db/a").ok());
  EXPECT_FALSE(env.Exists("/db/a").value());
  env.SimulatePowerLoss();
  EXPECT_EQ(Contents(env, "/db/a"), "alive");
  ASSERT_TRUE(env.RemoveFile("/db/a").ok());
  ASSERT_TRUE(env.SyncDir(kDir).ok());
  env.SimulatePowerLoss();
  EXPECT_EQ(Contents(env, "/db/a"), "<missing>");
}

TEST(FaultEnvTest, RemoveAllWithoutDirectorySyncComesBackWhole) {
  FaultEnv env(4);
  DurableDir(env, "/db/d/e");
  DurableFile(env, "/db/d/e/f", "deep");
  DurableFile(env, "/db/d/g", "shallow");
  ASSERT_TRUE(env.RemoveAll("/db/d").ok());
  EXPECT_FALSE(env.Exists("/db/d").value());
  env.SimulatePowerLoss();
  EXPECT_EQ(Contents(env, "/db/d/e/f"), "deep");
  EXPECT_EQ(Contents(env, "/db/d/g"), "shallow");
}

// A directory removed and recreated under the same name is a new directory: nothing of the old
// one leaks into it, and what was synced in the new one appears only with its name.
TEST(FaultEnvTest, RecreatedDirectoryIsANewDirectory) {
  for (int variant = 0; variant < 3; ++variant) {
    SCOPED_TRACE("variant " + std::to_string(variant));
    FaultEnv env(8);
    DurableDir(env, "/db/d");
    DurableFile(env, "/db/d/old", "old");
    ASSERT_TRUE(env.RemoveAll("/db/d").ok());
    if (variant == 0) {
      ASSERT_TRUE(env.SyncDir(kDir).ok());  // the removal is durable
    }
    ASSERT_TRUE(env.CreateDir("/db/d").ok());
    DurableFile(env, "/db/d/new", "new");  // synced in the new directory
    if (variant != 1) {
      ASSERT_TRUE(env.SyncDir(kDir).ok());  // the new name is durable
    }
    env.SimulatePowerLoss();
    if (variant == 1) {
      // Neither the removal nor the new name reached the disk: the old directory, as it was.
      EXPECT_EQ(env.ListDir("/db/d").value(), std::vector<std::string>{"old"});
    } else {
      EXPECT_EQ(env.ListDir("/db/d").value(), std::vector<std::string>{"new"});
      EXPECT_EQ(Contents(env, "/db/d/new"), "new");
    }
  }
}

TEST(FaultEnvTest, CrossDirectoryRenameIsDurablePerDirectory) {
  FaultEnv env(9);
  DurableDir(env, "/db/in");
  DurableDir(env, "/db/out");
  DurableFile(env, "/db/in/f", "moved");
  ASSERT_TRUE(env.Rename("/db/in/f", "/db/out/f").ok());
  ASSERT_TRUE(env.SyncDir("/db/out").ok());  // the target side only
  env.SimulatePowerLoss();
  EXPECT_EQ(Contents(env, "/db/out/f"), "moved");
  EXPECT_EQ(Contents(env, "/db/in/f"), "moved");  // the source side was never synced
}

TEST(FaultEnvTest, RandomDirectoryModeKeepsSomeUnsyncedOperations) {
  int kept = 0, dropped = 0;
  for (uint64_t seed = 1; seed <= 32; ++seed) {
    FaultEnv env(seed);
    DurableDir(env);
    DurableFile(env, "/db/new", "n");
    // Undo the name's durability: remove it durably, then recreate it without a SyncDir.
    ASSERT_TRUE(env.RemoveFile("/db/new").ok());
    ASSERT_TRUE(env.SyncDir(kDir).ok());
    auto f = Open(env, "/db/new");
    Write(*f, 0, "n");
    ASSERT_TRUE(f->Sync().ok());
    env.SimulatePowerLoss(CrashOptions{.drop_all_unsynced_dir_ops = false});
    const std::string got = Contents(env, "/db/new");
    ASSERT_TRUE(got == "n" || got == "<missing>");
    (got == "n" ? kept : dropped)++;
  }
  EXPECT_GT(kept, 0);
  EXPECT_GT(dropped, 0);
}

// ---- Handles across a crash ----

TEST(FaultEnvTest, HandlesFromBeforeTheCrashAreDead) {
  FaultEnv env(13);
  DurableDir(env);
  DurableFile(env, "/db/f", std::string(4096, 's'));
  auto f = Open(env, "/db/f", {.write = true});
  auto map = f->Map(4096);
  ASSERT_TRUE(map.ok());
  Write(*f, 0, "unsynced");
  auto lock = env.LockFile("/db/LOCK");
  ASSERT_TRUE(lock.ok());
  env.SimulatePowerLoss(CrashOptions{.keep_no_unsynced = true});

  char buf[8];
  EXPECT_EQ(f->ReadAt(0, buf, 8).status().code(), Code::kFailedState);
  const Status write = f->WriteAt(0, "ghost", 5);
  EXPECT_EQ(write.code(), Code::kFailedState);
  EXPECT_NE(write.message().find("before simulated power loss"), std::string_view::npos);
  EXPECT_EQ(f->Sync().code(), Code::kFailedState);
  EXPECT_EQ(f->Truncate(0).code(), Code::kFailedState);
  EXPECT_EQ(f->Allocate(0, 1).code(), Code::kFailedState);
  EXPECT_EQ(f->Size().status().code(), Code::kFailedState);
  EXPECT_EQ(f->Map(1).status().code(), Code::kFailedState);
  EXPECT_EQ(Contents(env, "/db/f"), std::string(4096, 's'));  // the ghost write changed nothing
  // The old map is still readable; it shows the pre-crash bytes.
  EXPECT_EQ(std::string((*map)->data(), 8), "unsynced");

  // The crash released the lock; dropping the old holder must not release the new one.
  auto relock = env.LockFile("/db/LOCK");
  ASSERT_TRUE(relock.ok()) << relock.status().ToString();
  lock->reset();
  EXPECT_EQ(env.LockFile("/db/LOCK").status().code(), Code::kBusy);

  auto fresh = Open(env, "/db/f", {.write = true});
  Write(*fresh, 0, "new");
  EXPECT_EQ(Contents(env, "/db/f").substr(0, 4), "news");
}

TEST(FaultEnvTest, PostCrashStateIsEntirelyDurable) {
  FaultEnv env(17);
  DurableDir(env);
  DurableFile(env, "/db/f", "base");
  auto f = Open(env, "/db/f", {.write = true});
  Write(*f, 4, "+more");
  env.SimulatePowerLoss();
  const std::string after_first = Contents(env, "/db/f");
  env.SimulatePowerLoss(CrashOptions{.keep_no_unsynced = true});
  EXPECT_EQ(Contents(env, "/db/f"), after_first);
  EXPECT_EQ(env.unsynced_dir_ops("/"), 0u);
  EXPECT_EQ(env.power_loss_count(), 2u);
}

}  // namespace
}  // namespace rookery::platform
