// Renders the document benchmark's results as markdown for docs/performance.md: command, date,
// machine and load average, how each system ran, then one table of medians with Rookery's ratio to
// PostgreSQL and the issue-4 targets (met or missed), then every run's raw figures.
#pragma once

#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/docs_workload.h"

namespace rookery::bench {

struct SystemRuns {
  std::string id;    // "rookery", "postgres"
  std::string name;  // "Rookery", "PostgreSQL 15"
  std::string description;
  std::vector<DocsRun> runs;
};

std::string RenderDocsReport(const DocsOptions& options, const ReportContext& context,
                             const std::vector<SystemRuns>& systems);

}  // namespace rookery::bench
