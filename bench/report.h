// Renders the storage benchmark's results as markdown meant to be pasted into
// docs/performance.md: the exact command, date, machine and load average, then one table per
// workload with each engine's median over the runs and the ratios between engines (design/
// storage.md §14: a ratio is one engine's figure over the named engine's), then every run's raw
// figures so that the spread is visible.
#pragma once

#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/runner.h"

namespace rookery::bench {

struct EngineRuns {
  std::string id;           // "lmdb"
  std::string name;         // "LMDB"
  std::string description;  // KvEngine::Description()
  std::vector<RunResult> runs;
};

std::string RenderReport(const BenchOptions& options, const ReportContext& context,
                         const std::vector<EngineRuns>& engines);

}  // namespace rookery::bench
