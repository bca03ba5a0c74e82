// Renders the query benchmark's results as markdown for docs/performance.md: command, date,
// machine and load average, how each system ran, the index builds, then one table of the query
// passes with Rookery's ratio to PostgreSQL and the issue-5 targets (met or missed), each figure
// with the load average measured right after it.
#pragma once

#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/query_workload.h"

namespace rookery::bench {

// "12,345" for v >= 100, else two decimals.
std::string Grouped(double v);

std::string RenderQueryReport(const QueryOptions& options, const ReportContext& context,
                              const std::vector<QueryRun>& runs);

}  // namespace rookery::bench
