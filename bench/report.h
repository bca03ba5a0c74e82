// Renders the storage benchmark's results as markdown meant to be pasted into
// docs/performance.md: the exact command, date, machine and load average, then one table per
// workload with each engine's median over the runs and the ratios between engines (design/
// storage.md §14: a ratio is one engine's figure over the named engine's), then every run's raw
// figures so that the spread is visible.
#pragma once

#include <string>
#include <vector>

#include "bench/runner.h"

namespace rookery::bench {

struct EngineRuns {
  std::string id;           // "lmdb"
  std::string name;         // "LMDB"
  std::string description;  // KvEngine::Description()
  std::vector<RunResult> runs;
};

struct ReportContext {
  std::string command_line;  // as typed, shell-quoted
  std::string invoked_as;    // e.g. the make command that ran it; may be empty
  std::string date_utc;
  std::string cpu_model;
  int nproc = 0;
  double mem_gib = 0;
  std::string kernel;
  std::string fs_type;  // of the benchmark directory
  std::string dir;
  std::string loadavg_start;
  std::string loadavg_end;
  double minutes = 0;  // total wall time of the benchmark
};

// Median of the values (mean of the middle two for an even count); 0 when empty.
double Median(std::vector<double> values);

std::string RenderReport(const BenchOptions& options, const ReportContext& context,
                         const std::vector<EngineRuns>& engines);

}  // namespace rookery::bench
