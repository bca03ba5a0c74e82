// The crash-point sweep (testing.md §2.3, layer A): for every scenario, cut the power at EVERY I/O
// operation k, simulate the power loss (unsynced writes dropped, reordered or torn), recover, and
// check against the oracle; then inject EIO / ENOSPC / short writes at every operation and check
// that nothing unacknowledged appears, nothing acknowledged is lost, and the environment reopens.
#include <gtest/gtest.h>

#include <cstdlib>

#include "crash_harness.h"
#include "scenarios.h"

namespace rookery::crash {
namespace {

storage::EnvironmentOptions SweepOptions() {
  storage::EnvironmentOptions o;
  // Deterministic I/O order: no background threads doing I/O on their own schedule.
  o.background_flush = false;
  o.background_sync = false;
  o.journal.prepare_next_journal = false;
  o.journal.initial_file_size = 16 << 10;
  o.journal.max_file_size = 64 << 10;
  o.journal.compress_above_bytes = 16 << 10;
  return o;
}

uint64_t CountOps(const Scenario& scenario) {
  platform::FaultEnv env(1);
  {
    Workload w(env, SweepOptions());
    Status s = scenario(w);
    EXPECT_TRUE(s.ok()) << "scenario fails without faults: " << s.ToString();
  }
  return env.io_ops();
}

// Power-loss models; each crash point is tried under every one of them (variants 4.. repeat the
// default model with other seeds, so different subsets of unsynced writes survive or tear).
constexpr uint64_t kCrashVariants = 7;

platform::CrashOptions CrashModeFor(uint64_t variant) {
  platform::CrashOptions c;
  switch (variant % 4) {
    case 0:  // random subset of unsynced writes, last one possibly torn
      break;
    case 1:
      c.strict_order = true;
      break;
    case 2:
      c.keep_no_unsynced = true;
      break;
    case 3:
      c.drop_all_unsynced_dir_ops = false;
      c.strict_order = true;
      break;
  }
  return c;
}

struct SweepTotals {
  uint64_t crash_states = 0;
  uint64_t with_in_flight = 0;
};

// Crash at op k, recover, verify, then prove the recovered store accepts writes and reopens.
std::string CrashAt(const Scenario& scenario, uint64_t k, uint64_t variant, SweepTotals* totals) {
  platform::FaultEnv env(k * 7919 + variant * 104723 + 13);
  Model acknowledged;
  Model in_flight;
  bool has_in_flight = false;
  {
    Workload w(env, SweepOptions());
    env.ArmPowerLossAtOp(k);
    (void)scenario(w);  // stops at the first failed I/O
    acknowledged = w.acknowledged();
    if (w.in_flight() != nullptr) {
      in_flight = *w.in_flight();
      has_in_flight = true;
    }
  }  // the store is destroyed while the power is out: its close must not crash or hang
  env.SimulatePowerLoss(CrashModeFor(variant));
  ++totals->crash_states;
  if (has_in_flight) ++totals->with_in_flight;

  auto recovered = ReadStore(env, SweepOptions());
  if (!recovered.ok()) return "recovery failed: " + recovered.status().ToString();
  std::string problem =
      CheckRecovered(*recovered, acknowledged, has_in_flight ? &in_flight : nullptr);
  if (!problem.empty()) return problem;

  // The recovered environment takes new writes and survives another (clean) reopen.
  Workload after(env, SweepOptions());
  Status s = after.Open();
  if (s.ok()) s = after.Begin();
  if (s.ok()) s = after.Put("after-crash", "k", "v");
  if (s.ok()) s = after.Commit();
  after.Close();
  if (!s.ok()) return "write after recovery failed: " + s.ToString();
  auto again = ReadStore(env, SweepOptions());
  if (!again.ok()) return "second reopen failed: " + again.status().ToString();
  if ((*again)["after-crash"]["k"] != "v") return "write after recovery lost";
  return "";
}

TEST(CrashSweepTest, PowerLossAtEveryIoOperation) {
  SweepTotals totals;
  for (const auto& scenario : AllScenarios()) {
    const uint64_t ops = CountOps(scenario.run);
    SCOPED_TRACE(scenario.name + " (" + std::to_string(ops) + " I/O operations)");
    int failures = 0;
    for (uint64_t k = 1; k <= ops + 1 && failures < 3; ++k) {
      for (uint64_t variant = 0; variant < kCrashVariants && failures < 3; ++variant) {
        std::string problem = CrashAt(scenario.run, k, variant, &totals);
        if (!problem.empty()) {
          ADD_FAILURE() << scenario.name << ": power loss at op " << k << " of " << ops
                        << " (variant " << variant << "): " << problem;
          ++failures;
        }
      }
    }
  }
  std::printf("crash sweep: %llu crash states, %llu with a transaction in flight\n",
              static_cast<unsigned long long>(totals.crash_states),
              static_cast<unsigned long long>(totals.with_in_flight));
  EXPECT_GE(totals.crash_states, 5000u);
}

// An I/O error (EIO, ENOSPC, short write) at op k: the affected transaction fails, nothing
// unacknowledged is reported committed, and after the fault clears a reopen (with or without a
// power loss in between) holds every acknowledged transaction.
std::string FaultAt(const Scenario& scenario, uint64_t k, SweepTotals* totals) {
  platform::FaultEnv env(k * 104729 + 7);
  platform::FaultSpec spec;
  spec.at_op = k;
  spec.kind = k % 3 == 0   ? platform::FaultKind::kEIO
              : k % 3 == 1 ? platform::FaultKind::kENOSPC
                           : platform::FaultKind::kShortWrite;
  spec.persistent = (k % 2 == 0);
  Model acknowledged;
  Model in_flight;
  bool has_in_flight = false;
  {
    Workload w(env, SweepOptions());
    env.InjectFault(spec);
    (void)scenario(w);
    acknowledged = w.acknowledged();
    if (w.in_flight() != nullptr) {
      in_flight = *w.in_flight();
      has_in_flight = true;
    }
  }
  env.ClearFaults();
  if (k % 5 == 0) env.SimulatePowerLoss(CrashModeFor(k));
  ++totals->crash_states;
  auto recovered = ReadStore(env, SweepOptions());
  if (!recovered.ok())
    return "reopen after the fault cleared failed: " + recovered.status().ToString();
  return CheckRecovered(*recovered, acknowledged, has_in_flight ? &in_flight : nullptr);
}

TEST(CrashSweepTest, IoErrorAtEveryOperation) {
  SweepTotals totals;
  for (const auto& scenario : AllScenarios()) {
    const uint64_t ops = CountOps(scenario.run);
    int failures = 0;
    for (uint64_t k = 1; k <= ops && failures < 3; ++k) {
      std::string problem = FaultAt(scenario.run, k, &totals);
      if (!problem.empty()) {
        ADD_FAILURE() << scenario.name << ": I/O error at op " << k << " of " << ops << ": "
                      << problem;
        ++failures;
      }
    }
  }
  std::printf("fault sweep: %llu fault states\n",
              static_cast<unsigned long long>(totals.crash_states));
}

}  // namespace
}  // namespace rookery::crash
